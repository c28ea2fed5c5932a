//! End-to-end scans of the real third-party exports in ../shared/realdata (skipped when absent): every
//! file of a supported kind must be read, and its known quirks must surface as `input` warnings.

use crate::util::*;

/// Scans `dir` into a temp folder and returns the parsed report (asserting exit 0 and schema validity).
fn scan_ok(dir: &std::path::Path, extra: &[&str]) -> serde_json::Value {
    let out = tempfile::tempdir().unwrap();
    let mut args = vec!["scan", dir.to_str().unwrap(), "--out", out.path().to_str().unwrap()];
    args.extend_from_slice(extra);
    let r = tenantlint(&args);
    assert_code(&r, 0);
    let report = read_report(out.path());
    assert_schema_valid(&report);
    report
}

fn warning_rules(input: &serde_json::Value) -> Vec<(String, Option<u64>)> {
    input["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (w["rule"].as_str().unwrap().to_string(), w["line"].as_u64()))
        .collect()
}

#[test]
fn ldapsearch_dump_with_shell_prompt_and_acl_hidden_entries() {
    let Some(dir) = realdata("offsec-hutch-ldapsearch") else { return };
    let report = scan_ok(&dir, &[]);
    let i = input(&report, "ldapsearch.txt");
    assert_eq!(i["kind"], "ldif");
    assert_eq!(i["status"], "read");
    assert_eq!(i["records"], 38);
    let w = warning_rules(i);
    assert!(w.contains(&("IN002".into(), Some(1))), "shell prompt on line 1 reported: {w:?}");
    assert!(w.iter().any(|(r, _)| r == "IN003"), "dn-only entries reported: {w:?}");
    assert_eq!(report["estate"]["forest_list"][0]["name"], "hutch.offsec");
    assert_eq!(findings_with_rule(&report, "IN002").len(), 1);
    let prov = input(&report, "PROVENANCE.md");
    assert_eq!(prov["status"], "skipped");
}
