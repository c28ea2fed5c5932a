//! Integration tests: one binary, one module per area.

mod util;

mod cli;
mod msa;
mod realdata;
mod report;
mod rules;
mod samples;
