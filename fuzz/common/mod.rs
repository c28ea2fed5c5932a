//! The fuzz target bodies, shared by the libFuzzer targets (`fuzz/fuzz_targets/*.rs`) and the stable
//! corpus replay (`tests/it/regression.rs`), so both exercise exactly the same code.
//!
//! Each body takes arbitrary bytes and must not panic, loop or allocate without bound; it also
//! checks a few invariants (a failure names a line inside the file, codecs round-trip).

#![allow(dead_code)]

use std::path::Path;
use tenantlint::ingest::{self, BinaryFormat, Extract, Format, Input, Options, ReadError, Sniff, Status};
use tenantlint::source::FileId;

/// Every target, by name (the folder names under `fuzz/corpus/`).
pub const TARGETS: &[&str] = &[
    "ad_csv",
    "csvde",
    "msol_csv",
    "ldif",
    "graph_json",
    "arm_json",
    "scubagear",
    "azurehound",
    "sharphound",
    "roadrecon",
    "collector_zip",
    "detect",
    "manifest",
    "policy",
    "anchor",
];

/// Runs the target called `name` on `data`.
pub fn run(name: &str, data: &[u8]) {
    match name {
        "ad_csv" => reader(&ingest::ad_csv::FORMAT, data),
        "csvde" => reader(&ingest::csvde::FORMAT, data),
        "msol_csv" => reader(&ingest::msol_csv::FORMAT, data),
        "ldif" => reader(&ingest::ldif::FORMAT, data),
        "graph_json" => reader(&ingest::graph_json::FORMAT, data),
        "arm_json" => reader(&ingest::arm_json::FORMAT, data),
        "scubagear" => reader(&ingest::scubagear::FORMAT, data),
        "azurehound" => reader(&ingest::azurehound::FORMAT, data),
        "sharphound" => reader(&ingest::sharphound::FORMAT, data),
        "roadrecon" => binary(&ingest::roadrecon::FORMAT, data),
        "collector_zip" => binary(&ingest::archive::FORMAT, data),
        "detect" => detect(data),
        "manifest" => manifest(data),
        "policy" => policy(data),
        "anchor" => anchor(data),
        other => panic!("unknown fuzz target {other}"),
    }
}

fn lines(text: &str) -> u32 {
    u32::try_from(text.split('\n').count()).unwrap_or(u32::MAX)
}

fn check_error(e: &ReadError, text: &str) {
    assert!(!e.reason.is_empty(), "empty error reason");
    assert!(e.line <= lines(text), "error line {} beyond the end of the file ({} lines)", e.line, lines(text));
}

fn check_extract(ex: &Extract, text: &str) {
    let n = lines(text);
    for i in &ex.issues {
        assert!(i.at.line <= n, "issue at line {} beyond the end of the file ({n} lines): {}", i.at.line, i.message);
    }
}

/// One reader, given the decoded text whatever its sniffer says (readers must cope with anything).
/// The `detect` target covers decoding, detection and limits in front of the readers; the reader
/// targets leave that path out so that their executions go to the reader itself.
fn reader(format: &Format, data: &[u8]) {
    let decoded = ingest::text::decode(data);
    let text: &str = &decoded.text;
    let _ = (format.sniff)(text);
    let input = Input::new(FileId(0), text);
    match (format.read)(&input) {
        Ok(ex) => check_extract(&ex, text),
        Err(e) => check_error(&e, text),
    }
}

/// One binary reader (SQLite database, zip archive), given the bytes whatever its sniffer says, with the
/// default limits. A failure names the whole file (line 0): a binary file has no lines.
fn binary(format: &BinaryFormat, data: &[u8]) {
    if let Sniff::Reject(e) = (format.sniff)(data) {
        assert!(!e.reason.is_empty(), "empty error reason");
    }
    match (format.read)(FileId(0), data, &Options::default()) {
        Ok(ex) => {
            for r in &ex.ad_objects {
                assert_eq!(r.source.line, 0, "records of a binary file point at the whole file");
            }
        }
        Err(e) => {
            assert!(!e.reason.is_empty(), "empty error reason");
            assert_eq!(e.line, 0, "a binary file has no lines: {}", e.reason);
        }
    }
}

/// Decoding, detection and the chosen reader, with the default limits (`ingest::read_bytes`).
fn detect(data: &[u8]) {
    let decoded = ingest::text::decode(data);
    let text: &str = &decoded.text;
    if let Some((_, Sniff::Reject(e))) = ingest::detect(text) {
        check_error(&e, text);
    }
    let (report, ex) = ingest::read_bytes(FileId(0), data, &Options::default());
    match &report.status {
        Status::Failed(e) => check_error(e, text),
        Status::Read => check_extract(&ex, text),
        Status::Skipped(_) => {}
    }
}

fn manifest(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(m) = ingest::manifest::Manifest::parse(text, Path::new("estate"), "estate.toml") {
        for t in &m.tenants {
            let _ = m.tenant_position(&t.name);
            for p in &t.paths {
                let _ = ingest::manifest::covers(&m.resolve(p), Path::new("estate/x/y.json"));
            }
        }
    }
}

fn policy(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match tenantlint::gate::Policy::parse(text, "tenantlint.toml") {
        Ok(p) => {
            let _ = p.param_overrides();
        }
        Err(e) => {
            for l in e.lines() {
                assert!(l.starts_with("tenantlint.toml"), "policy error without the file name: {l}");
            }
        }
    }
}

fn anchor(data: &[u8]) {
    use tenantlint::model::anchor::*;
    if data.len() >= 16 {
        let g = Guid::from_ad_bytes(&data[..16]).expect("16 bytes are a GUID");
        assert_eq!(g.to_ad_bytes(), data[..16], "AD bytes round trip");
        assert_eq!(Guid::parse(&g.to_string()), Some(g), "GUID text round trip");
        assert_eq!(Guid::from_immutable_id(&g.immutable_id()), Some(g), "ImmutableId round trip");
    }
    assert_eq!(decode_base64(&encode_base64(data)).as_deref(), Some(data), "Base64 round trip");
    let text = String::from_utf8_lossy(data);
    if let Some(g) = Guid::parse(&text) {
        assert_eq!(Guid::parse(&g.to_string()), Some(g));
    }
    if let Some(g) = Guid::from_immutable_id(&text) {
        assert_eq!(g.to_ad_bytes().len(), 16);
    }
    let _ = decode_base64(&text);
    let _ = decode_csvde_hex(&text);
    let _ = decode_hex(&text);
    let _ = decode_connector_space_dn(&text);
    let _ = tenantlint::model::normalize_guid_text(&text);
}
