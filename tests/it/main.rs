//! Integration tests: one binary, one module per area.

mod util;

mod anchors;
mod catalog;
mod characters;
mod cli;
mod duplicates;
mod fix;
mod gate;
mod html;
mod idfix;
mod ldap;
mod msa;
mod realdata;
mod report;
mod rules;
mod samples;
mod sync;
mod tenants;
