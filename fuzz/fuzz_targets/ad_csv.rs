#![no_main]
//! Fuzz target `ad_csv`: see fuzz/common/mod.rs.

#[path = "../common/mod.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::run("ad_csv", data));
