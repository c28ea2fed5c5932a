#![no_main]
//! Fuzz target `sharphound`: see fuzz/common/mod.rs.

#[path = "../common/mod.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::run("sharphound", data));
