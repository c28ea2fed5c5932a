//! Integration tests: one binary, one module per area.

mod util;

mod accuracy;
mod anchors;
mod catalog;
mod causes;
mod characters;
mod cli;
mod collect_cloud;
mod consistency;
mod credentials;
mod duplicates;
mod fix;
mod gate;
mod hostile;
mod html;
mod idfix;
mod ldap;
mod malformed;
mod messy;
mod msa;
mod pseudonymize;
mod realdata;
mod regression;
mod release;
mod report;
mod roles;
mod rules;
mod samples;
mod sync;
mod tenants;
