#![no_main]
//! Fuzz target `azurehound`: see fuzz/common/mod.rs.

#[path = "../common/mod.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::run("azurehound", data));
