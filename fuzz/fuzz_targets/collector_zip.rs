#![no_main]
//! Fuzz target `collector_zip`: see fuzz/common/mod.rs.

#[path = "../common/mod.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::run("collector_zip", data));
