//! Integration tests: one binary, one module per area.

mod util;

mod cli;
mod realdata;
mod report;
mod rules;
mod samples;
mod tenants;
