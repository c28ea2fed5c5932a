//! Integration tests: one binary, one module per area.

mod util;

mod anchors;
mod characters;
mod cli;
mod credentials;
mod duplicates;
mod gate;
mod hostile;
mod idfix;
mod malformed;
mod msa;
mod realdata;
mod regression;
mod report;
mod rules;
mod samples;
mod sync;
mod tenants;
