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
    // One result per top-level finding; folded consequences ride in their cause's properties.
    let top_level: Vec<&serde_json::Value> = findings.iter().filter(|f| f["caused_by"].is_null()).collect();
    assert!(top_level.len() < findings.len(), "the sample folds consequences");
    assert_eq!(results.len(), top_level.len());
    for (res, f) in results.iter().zip(&top_level) {
        let listed: Vec<&serde_json::Value> =
            res["properties"]["consequences"].as_array().unwrap().iter().map(|c| &c["fingerprint"]).collect();
        let expected: Vec<&serde_json::Value> =
            f["consequences"].as_array().unwrap().iter().map(|c| &c["fingerprint"]).collect();
        assert_eq!(listed, expected);
    }
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(rules.iter().any(|r| r["id"] == "IN001" && r["name"] == "lossy-export-column"));
    for (res, f) in results.iter().zip(top_level) {
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

/// The SARIF log of a scan of `paths` run in `cwd`, checked against the OASIS 2.1.0 schema.
fn sarif_of(cwd: &Path, paths: &[&str]) -> serde_json::Value {
    let out = tempfile::tempdir().unwrap();
    let mut args = vec!["scan"];
    args.extend_from_slice(paths);
    args.extend_from_slice(&["--format", "sarif", "--out", out.path().to_str().unwrap()]);
    assert_code(&tenantlint_in(cwd, &args), 0);
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("report.sarif")).unwrap()).unwrap();
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(crate_root().join("tests/schemas/sarif-schema-2.1.0.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&sarif).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "SARIF invalid:\n{}", errors.join("\n"));
    sarif
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// The artifact locations of a SARIF log's results.
fn artifact_locations(sarif: &serde_json::Value) -> Vec<serde_json::Value> {
    sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"].as_object())
        .map(|o| serde_json::Value::Object(o.clone()))
        .collect()
}

#[test]
fn sarif_locations_are_relative_to_the_scanned_folder_with_a_file_uri_base() {
    let dir = tempfile::tempdir().unwrap();
    let estate = dir.path().join("exports here");
    build_estate(&estate);
    let folder = std::fs::canonicalize(&estate).unwrap();
    let base = format!("file://{}/", folder.display().to_string().replace(' ', "%20"));

    let relative = sarif_of(dir.path(), &["exports here"]);
    let absolute = sarif_of(Path::new("/"), &[estate.to_str().unwrap()]);
    for sarif in [&relative, &absolute] {
        let run = &sarif["runs"][0];
        assert_eq!(run["originalUriBaseIds"], serde_json::json!({ "SCANROOT": { "uri": base } }));
        let locations = artifact_locations(sarif);
        assert!(locations.len() > 5, "results carry physical locations: {}", locations.len());
        for l in &locations {
            assert_eq!(l["uriBaseId"], "SCANROOT", "{l}");
            let uri = l["uri"].as_str().unwrap();
            assert!(
                !uri.starts_with('/') && !uri.contains(':') && !uri.contains(' '),
                "a relative URI reference: {uri}"
            );
            // base + uri resolves to the export the result points at.
            let path = percent_decode(&format!("{}{uri}", base.strip_prefix("file://").unwrap()));
            assert!(Path::new(&path).is_file(), "{uri} resolves to {path}");
        }
        assert!(locations.iter().any(|l| l["uri"] == "ad/users.csv"), "{locations:?}");
    }
    let sorted = |s: &serde_json::Value| {
        let mut l: Vec<String> = artifact_locations(s).iter().map(|l| l.to_string()).collect();
        l.sort();
        l
    };
    assert_eq!(sorted(&relative), sorted(&absolute), "the same locations either way");

    // Two folders get a base each; a file given directly has no base and is named by its file:// URI.
    let sarif = sarif_of(dir.path(), &["exports here/cloud", "exports here/ad", "exports here/azure/az.json"]);
    let bases = &sarif["runs"][0]["originalUriBaseIds"];
    assert_eq!(bases["SCANROOT"]["uri"], format!("{base}ad/"), "ids in path order: {bases}");
    assert_eq!(bases["SCANROOT2"]["uri"], format!("{base}cloud/"));
    let locations = artifact_locations(&sarif);
    for l in &locations {
        let uri = l["uri"].as_str().unwrap();
        match l["uriBaseId"].as_str() {
            Some(id) => {
                let path = percent_decode(&format!("{}{uri}", bases[id]["uri"].as_str().unwrap())["file://".len()..]);
                assert!(Path::new(&path).is_file(), "{uri} resolves to {path}");
            }
            None => assert_eq!(uri, format!("{base}azure/az.json"), "an absolute file URI"),
        }
    }
    assert!(locations.iter().any(|l| l["uriBaseId"].is_null()), "the az file has a finding: {locations:?}");
    assert!(locations.iter().any(|l| l["uriBaseId"] == "SCANROOT2"));
}

#[test]
fn out_naming_a_file_is_refused_before_the_scan_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.json");
    std::fs::write(&file, "keep me").unwrap();
    for out in [file.clone(), file.join("out")] {
        let r = tenantlint(&["scan", "samples/contoso-merger", "--out", out.to_str().unwrap()]);
        assert_code(&r, 2);
        assert!(
            r.stderr.contains(&format!("tenantlint: --out must be a folder: {} is a file", file.display())),
            "{}",
            r.stderr
        );
        assert!(!r.stderr.contains("os error"), "{}", r.stderr);
        assert!(!r.stderr.contains("findings:"), "refused before the scan: {}", r.stderr);
    }
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep me", "the file is left alone");
}

#[test]
fn an_unwritable_out_folder_names_the_file_and_the_reason_with_exit_2() {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o555)).unwrap();
        let args = ["scan", "samples/contoso-merger", "--format", "json,csv", "--out", out.to_str().unwrap()];
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_tenantlint"));
        if std::fs::write(out.join("probe"), "").is_ok() {
            // Root writes into read-only folders: run the scan as nobody instead, where setpriv exists.
            let _ = std::fs::remove_file(out.join("probe"));
            if !Path::new("/usr/bin/setpriv").is_file() {
                eprintln!("skipping: running as root without setpriv (report::tests inject the error instead)");
                return;
            }
            cmd = std::process::Command::new("/usr/bin/setpriv");
            cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups", env!("CARGO_BIN_EXE_tenantlint")]);
        }
        let r = cmd.args(args).current_dir(crate_root()).output().unwrap();
        let stderr = String::from_utf8_lossy(&r.stderr);
        assert_eq!(r.status.code(), Some(2), "{stderr}");
        let named = ["report.json", "findings.csv"]
            .iter()
            .any(|f| stderr.contains(&format!("tenantlint: {}: Permission denied", out.join(f).display())));
        assert!(named, "{stderr}");
        assert_eq!(std::fs::read_dir(&out).unwrap().count(), 0, "nothing written");
    }
}

#[test]
fn every_input_tenant_and_forest_carries_its_data_date() {
    let out = tempfile::tempdir().unwrap();
    let sample = crate_root().join("samples/contoso-merger");
    let r = tenantlint(&[
        "scan",
        sample.to_str().unwrap(),
        "--out",
        out.path().to_str().unwrap(),
        "-q",
        "--format",
        "json,html",
    ]);
    assert_code(&r, 0);
    let report = read_report(out.path());
    assert_schema_valid(&report);
    // The HTML report's inputs table shows each file's export time and where it comes from, and the data
    // date of every tenant and forest.
    let html = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    assert!(html.contains("<th>exported</th>"), "no exported column");
    assert!(html.contains("2026-11-20 09:30 UTC<br><span class=\"why\">"), "no data date of an input");
    assert!(
        html.contains("estate.toml [[tenant]] &#34;Contoso&#34; exported</span>"),
        "no source of an input's data date"
    );
    assert!(html.contains("<li>tenant Fabrikam: 2026-11-19 ("), "no data date of a tenant");
    assert!(html.contains("staleness judged at each tenant"), "the two clocks are not explained");
    // The sample's files do not say when they were exported: estate.toml does.
    let users = input(&report, "tenants/contoso/users.json");
    assert_eq!(
        (users["exported_at"].as_str(), users["exported_at_source"].as_str()),
        (Some("2026-11-20T09:30:00Z"), Some("manifest"))
    );
    let ldf = input(&report, "ad/fabrikam/fabrikam.ldf");
    assert_eq!(
        (ldf["exported_at"].as_str(), ldf["exported_at_source"].as_str()),
        (Some("2026-11-19T00:00:00Z"), Some("manifest"))
    );
    // Files not read have nothing to date; estate-wide files (AD FS) fall back to their file time.
    assert!(input(&report, "EXPECTED.md")["exported_at"].is_null());
    assert_eq!(input(&report, "adfs/claims-provider-trusts.json")["exported_at_source"], "file-time");
    let tenant = |name: &str| {
        report["estate"]["tenant_list"].as_array().unwrap().iter().find(|t| t["name"] == name).unwrap().clone()
    };
    let fabrikam = tenant("Fabrikam");
    assert_eq!(fabrikam["data_date"]["exported_at"], "2026-11-19T00:00:00Z");
    assert_eq!(fabrikam["data_date"]["source"], "manifest");
    assert!(fabrikam["data_date"]["earliest"].is_null());
    let forest = &report["estate"]["forest_list"][0];
    assert_eq!(forest["data_date"]["exported_at"], "2026-11-20T00:00:00Z");

    // ScubaGear records when it ran.
    let out = tempfile::tempdir().unwrap();
    let r = tenantlint(&["scan", "tests/fixtures/scubagear", "--out", out.path().to_str().unwrap(), "-q"]);
    assert_code(&r, 0);
    let report = read_report(out.path());
    let s = input(&report, "ProviderSettingsExport.json");
    assert_eq!(
        (s["exported_at"].as_str(), s["exported_at_source"].as_str()),
        (Some("2026-05-04T17:15:48Z"), Some("export"))
    );
    assert_eq!(report["estate"]["tenant_list"][0]["data_date"]["detail"], "ScubaGear \"date\"");
}
