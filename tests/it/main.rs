//! Integration tests: one binary, one module per area.

mod util;

mod cli;
mod report;
mod samples;
mod realdata;
mod rules;
