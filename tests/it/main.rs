//! Integration tests: one binary, one module per area.

mod util;

mod characters;
mod cli;
mod duplicates;
mod realdata;
mod report;
mod rules;
mod samples;
