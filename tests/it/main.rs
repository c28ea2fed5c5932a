//! Integration tests: one binary, one module per area.

mod util;

mod cli;
mod gate;
mod html;
mod realdata;
mod report;
mod rules;
mod samples;
