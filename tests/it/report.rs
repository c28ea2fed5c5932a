//! The JSON report contract: schema, determinism, independence from input order and line numbers.

use crate::util::*;
use std::path::Path;

fn fixture(rel: &str) -> std::path::PathBuf {
    crate_root().join("tests/fixtures").join(rel)
}

/// A small estate in a temp folder: an AD forest (LDIF + Get-ADUser CSV), a tenant (Graph users + MSOnline
/// domains in one folder, no organization export), and az subscriptions.
fn build_estate(root: &Path) {
    let put = |dest: &str, src: &str| {
        let d = root.join(dest);
        std::fs::create_dir_all(d.parent().unwrap()).unwrap();
        std::fs::copy(fixture(src), d).unwrap();
    };
    put("ad/contoso.ldf", "ldif/contoso-ldifde.ldf");
    put("ad/users.csv", "ad-csv/ps7-unquoted.csv");
    put("cloud/users.json", "graph/users-select.json");
    put("cloud/domains.csv", "msol-csv/domains.csv");
    put("azure/az.json", "arm/az-account-list.json");
}

fn scan(root: &Path, paths: &[&str]) -> (Run, String) {
    let out = tempfile::tempdir().unwrap();
    let mut args = vec!["scan"];
    args.extend_from_slice(paths);
    args.extend_from_slice(&["--out", out.path().to_str().unwrap()]);
    let r = tenantlint_in(root, &args);
    let text = std::fs::read_to_string(out.path().join("report.json")).unwrap_or_default();
    (r, text)
}

#[test]
fn report_matches_schema_and_is_deterministic_across_input_orders() {
    let dir = tempfile::tempdir().unwrap();
    build_estate(dir.path());
    let (r1, a) = scan(dir.path(), &["ad", "cloud", "azure"]);
    assert_code(&r1, 0);
    let (r2, b) = scan(dir.path(), &["azure", "cloud", "ad"]);
    assert_code(&r2, 0);
    assert_eq!(a, b, "same inputs in another order must give byte-identical reports");
    let report: serde_json::Value = serde_json::from_str(&a).unwrap();
    assert_schema_valid(&report);
    assert_eq!(report["complete"], true);
    assert_eq!(report["generated_at"], "2026-09-21T14:13:20Z", "SOURCE_DATE_EPOCH is honoured");
    let e = &report["estate"];
    assert_eq!(e["forests"], 1);
    assert_eq!(e["tenants"], 1);
    assert!(e["ad_objects"].as_u64().unwrap() > 0 && e["cloud_objects"].as_u64().unwrap() > 0);
    assert!(e["subscriptions"].as_u64().unwrap() > 0);
    // Every input is listed, in path order, with its kind.
    let paths: Vec<&str> = report["inputs"].as_array().unwrap().iter().map(|i| i["path"].as_str().unwrap()).collect();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted);
    assert_eq!(input(&report, "ad/contoso.ldf")["kind"], "ldif");
    assert_eq!(input(&report, "cloud/domains.csv")["kind"], "msol-csv:domains");
    // The cloud folder has no organization export: attributed to an unidentified tenant, and said so.
    assert!(!findings_with_rule(&report, "IN007").is_empty());
    // Summary counts agree with the findings.
    let total = report["findings"].as_array().unwrap().len();
    assert_eq!(report["summary"]["total"], total);
}

#[test]
fn fingerprints_survive_shifted_lines() {
    let dir = tempfile::tempdir().unwrap();
    build_estate(dir.path());
    let (_, before) = scan(dir.path(), &["ad", "cloud", "azure"]);
    // The same export with a comment line added at the top: every line number moves.
    let ldf = dir.path().join("ad/contoso.ldf");
    let text = std::fs::read(&ldf).unwrap();
    let mut shifted = b"# re-exported on another day\r\n".to_vec();
    shifted.extend_from_slice(&text);
    std::fs::write(&ldf, shifted).unwrap();
    let (_, after) = scan(dir.path(), &["ad", "cloud", "azure"]);
    let fps = |t: &str| -> Vec<String> {
        let v: serde_json::Value = serde_json::from_str(t).unwrap();
        let mut f: Vec<String> =
            v["findings"].as_array().unwrap().iter().map(|f| f["fingerprint"].as_str().unwrap().to_string()).collect();
        f.sort();
        f
    };
    assert!(!fps(&before).is_empty());
    assert_eq!(fps(&before), fps(&after));
    assert_ne!(before, after, "line numbers did move");
}

#[test]
fn keep_going_records_the_failure_and_never_looks_clean() {
    let dir = tempfile::tempdir().unwrap();
    build_estate(dir.path());
    std::fs::copy(fixture("graph/truncated-users.json"), dir.path().join("cloud/broken.json")).unwrap();
    let (r, _) = scan(dir.path(), &["ad", "cloud"]);
    assert_code(&r, 2);
    assert!(r.stderr.contains("cloud/broken.json:13:"), "error names file and line: {}", r.stderr);
    // With --keep-going the report is written, but the run still exits 2 and the report says it is incomplete.
    let (r, text) = scan(dir.path(), &["ad", "cloud", "--keep-going"]);
    assert_code(&r, 2);
    assert!(r.stderr.lines().last().unwrap().contains("INCOMPLETE: 1 input file(s) could not be read"), "{}", r.stderr);
    let report: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_schema_valid(&report);
    assert_eq!(report["complete"], false);
    assert_eq!(report["unreadable_inputs"][0].as_str().unwrap().rsplit('/').next(), Some("broken.json"));
    let broken = input(&report, "cloud/broken.json");
    assert_eq!(broken["status"], "failed");
    assert!(broken["reason"].as_str().unwrap().starts_with("line 13:"));
    let f = findings_with_rule(&report, "IN010");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["severity"], "high");
    assert_eq!(f[0]["subjects"][0]["source"]["line"], 13);
}

#[test]
fn every_format_in_one_run_sarif_validates_junit_and_csv_parse() {
    let out = tempfile::tempdir().unwrap();
    let r = tenantlint(&[
        "scan",
        "samples/contoso-merger",
        "--format",
        "json,sarif,junit,csv",
        "--out",
        out.path().to_str().unwrap(),
        "--policy",
        "samples/contoso-merger/ci/tenantlint.toml",
        "--fail-on",
        "medium",
    ]);
    assert_code(&r, 1);
    for f in ["report.json", "report.sarif", "report.junit.xml", "findings.csv"] {
        assert!(out.path().join(f).is_file(), "{f} written");
    }
    let report = read_report(out.path());
    let findings = report["findings"].as_array().unwrap();

    // SARIF: valid against the OASIS 2.1.0 schema; one result per finding, fingerprints and suppressions carried.
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("report.sarif")).unwrap()).unwrap();
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(crate_root().join("tests/schemas/sarif-schema-2.1.0.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&sarif).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "SARIF invalid:\n{}", errors.join("\n"));
    let run = &sarif["runs"][0];
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), findings.len());
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(rules.iter().any(|r| r["id"] == "IN001" && r["name"] == "lossy-export-column"));
    for (res, f) in results.iter().zip(findings) {
        assert_eq!(res["ruleId"], f["rule"]);
        assert_eq!(res["partialFingerprints"]["tenantlint/v1"], f["fingerprint"]);
        assert_eq!(rules[res["ruleIndex"].as_u64().unwrap() as usize]["id"], f["rule"]);
        let excepted = f["suppressed"]["by"] == "exception";
        assert_eq!(res["suppressions"].is_array(), excepted);
    }
    assert_eq!(run["invocations"][0]["properties"]["gate"]["passed"], false);

    // JUnit: one case per catalog rule; the failing rule carries its findings.
    let xml = std::fs::read_to_string(out.path().join("report.junit.xml")).unwrap();
    let junit = quick_junit::Report::deserialize_from_str(&xml).expect("valid JUnit XML");
    let suite = &junit.test_suites[0];
    let rules_listed = tenantlint(&["rules"]).stdout.lines().count();
    assert_eq!(suite.test_cases.len(), rules_listed);
    let failed: Vec<&str> = suite
        .test_cases
        .iter()
        .filter(|c| !matches!(c.status, quick_junit::TestCaseStatus::Success { .. }))
        .map(|c| c.name.as_str())
        .collect();
    // A rule's case fails exactly when the rule has findings that fail the gate.
    let failing: std::collections::BTreeSet<&str> = report["gate"]["failing_fingerprints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|fp| findings.iter().find(|f| f["fingerprint"] == *fp).unwrap()["rule"].as_str().unwrap())
        .collect();
    let failed_rules: std::collections::BTreeSet<&str> = failed.iter().map(|n| n.split(' ').next().unwrap()).collect();
    assert_eq!(failed_rules, failing);
    assert!(failed_rules.contains("IN005"));
    assert!(
        !failed_rules.contains("IN001") && !failed_rules.contains("IN006"),
        "IN001 is excepted, IN006 lowered to info"
    );

    // Folded consequences never fail a case of their own.
    for f in findings.iter().filter(|f| !f["caused_by"].is_null()) {
        assert!(!report["gate"]["failing_fingerprints"].as_array().unwrap().contains(&f["fingerprint"]));
    }

    // CSV: RFC 4180, one row per top-level finding × subject; a cause names its folded consequences.
    let mut rdr = csv::Reader::from_path(out.path().join("findings.csv")).unwrap();
    assert_eq!(rdr.headers().unwrap().get(0), Some("rule"));
    assert_eq!(rdr.headers().unwrap().get(13), Some("consequences"));
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    let top: Vec<&serde_json::Value> = findings.iter().filter(|f| f["caused_by"].is_null()).collect();
    assert!(top.len() < findings.len(), "the sample folds consequences");
    let expected_rows: usize = top.iter().map(|f| f["subjects"].as_array().unwrap().len()).sum();
    assert_eq!(rows.len(), expected_rows);
    for f in top.iter().filter(|f| !f["consequences"].as_array().unwrap().is_empty()) {
        let row = rows.iter().find(|r| r.get(12) == f["fingerprint"].as_str()).unwrap();
        for c in f["consequences"].as_array().unwrap() {
            assert!(row.get(13).unwrap().contains(c["fingerprint"].as_str().unwrap()), "{row:?}");
        }
    }
    assert!(rows.iter().any(|r| r.get(11).unwrap().starts_with("exception: ")));
}
