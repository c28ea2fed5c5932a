//! Command-line contract: exit codes, errors that name file and line, never an empty clean report.

use crate::util::*;

#[test]
fn help_documents_exit_codes() {
    let r = tenantlint(&["scan", "--help"]);
    assert_code(&r, 0);
    assert!(r.stdout.contains("Exit codes:") && r.stdout.contains("--keep-going") && r.stdout.contains("--format"));
}

#[test]
fn bad_arguments_exit_2() {
    assert_code(&tenantlint(&["scan"]), 2);
    assert_code(&tenantlint(&["scan", "samples", "--format", "pdf"]), 2);
    assert_code(&tenantlint(&["no-such-command"]), 2);
}

#[test]
fn missing_path_exits_2_naming_it() {
    let r = tenantlint(&["scan", "does/not/exist"]);
    assert_code(&r, 2);
    assert!(r.stderr.contains("does/not/exist"), "{}", r.stderr);
}

#[test]
fn nothing_readable_is_an_error_not_a_clean_report() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "meeting notes, not an export\n").unwrap();
    std::fs::write(dir.path().join("users.csv"), b"\xEF\xBB\xBF").unwrap();
    let out = dir.path().join("out");
    let r = tenantlint(&["scan", dir.path().to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_code(&r, 2);
    assert!(r.stderr.contains("no records were read"), "{}", r.stderr);
    assert!(r.stderr.contains("not a recognized export"), "skipped files are listed with a reason: {}", r.stderr);
    assert!(!out.join("report.json").exists(), "no report may suggest a clean estate");
}

#[test]
fn invalid_manifest_exits_2_with_file_and_reason() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("estate.toml"), "[[tenant]]\nname = 'A'\nid = 'not-a-guid'\n").unwrap();
    let r = tenantlint(&["scan", dir.path().to_str().unwrap()]);
    assert_code(&r, 2);
    assert!(r.stderr.contains("estate.toml") && r.stderr.contains("not a GUID"), "{}", r.stderr);
}

#[test]
fn rules_and_explain_come_from_the_catalog() {
    let r = tenantlint(&["rules"]);
    assert_code(&r, 0);
    assert!(r.stdout.lines().any(|l| l.starts_with("IN001") && l.contains("lossy-export-column")));
    let r = tenantlint(&["explain", "lossy-export-column"]);
    assert_code(&r, 0);
    assert!(r.stdout.contains("ADPropertyValueCollection"));
    assert_code(&tenantlint(&["explain", "XX999"]), 2);
}

#[test]
fn formats_lists_every_reader() {
    let r = tenantlint(&["formats"]);
    assert_code(&r, 0);
    for name in ["ad-csv", "csvde", "ldif", "msol-csv", "graph-json", "arm-json", "scubagear"] {
        assert!(r.stdout.contains(name), "{name} missing from:\n{}", r.stdout);
    }
}

#[test]
fn formats_are_detected_from_content_not_names() {
    let dir = tempfile::tempdir().unwrap();
    let fx = crate_root().join("tests/fixtures");
    for (src, dest) in [
        ("ldif/contoso-ldifde.ldf", "export1.txt"),
        ("csvde/users.csv", "export2.txt"),
        ("ad-csv/ps7-unquoted.csv", "export3.json"),
        ("msol-csv/domains.csv", "export4.ldf"),
        ("graph/users-select.json", "export5.csv"),
        ("arm/az-account-list.json", "export6"),
    ] {
        std::fs::copy(fx.join(src), dir.path().join(dest)).unwrap();
    }
    let r = tenantlint(&["detect", dir.path().to_str().unwrap()]);
    assert_code(&r, 0);
    let kinds: Vec<(String, String)> = r
        .stdout
        .lines()
        .map(|l| {
            let mut c = l.split('\t');
            (c.next().unwrap().rsplit('/').next().unwrap().to_string(), c.next().unwrap().to_string())
        })
        .collect();
    let expected = [
        ("export1.txt", "ldif"),
        ("export2.txt", "csvde"),
        ("export3.json", "ad-csv"),
        ("export4.ldf", "msol-csv:domains"),
        ("export5.csv", "graph-json:users"),
        ("export6", "arm-json:az-account-list"),
    ];
    let expected: Vec<(String, String)> = expected.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
    assert_eq!(kinds, expected);
}
