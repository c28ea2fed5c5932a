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

#[test]
fn get_aduser_csvs_botched_empty_and_hand_made() {
    let Some(dir) = realdata("collegeboreal-getaduser-csv") else { return };
    // Without --keep-going the hashtable export stops the run, naming file, line and fix.
    let r =
        tenantlint(&["scan", dir.to_str().unwrap(), "--out", tempfile::tempdir().unwrap().path().to_str().unwrap()]);
    assert_code(&r, 2);
    assert!(
        r.stderr.contains("2.Utilisateurs_300142072_users_exportes.csv:1: hashtables piped into Export-Csv"),
        "{}",
        r.stderr
    );
    let report = scan_ok(&dir, &["--keep-going"]);
    let hashtable = input(&report, "300142072_users_exportes.csv");
    assert_eq!((hashtable["status"].as_str(), hashtable["kind"].as_str()), (Some("failed"), Some("ad-csv")));
    assert_eq!(findings_with_rule(&report, "IN010").len(), 1, "the failed file stays visible as a finding");
    assert_eq!(input(&report, "file_etudiants.csv")["status"], "skipped", "a hand-made import file is not an export");
    let empty = input(&report, "300148094_export_utilisateurs.csv");
    assert_eq!(warning_rules(empty), vec![("IN009".to_string(), None)]);
    for (suffix, records) in [
        ("300133071_TP_AD_Users.csv", 2),
        ("300143951_TP_AD_Users.csv", 6),
        ("300146721_TP_AD_Users.csv", 11),
        ("300150558_export_utilisateurs.csv", 6),
    ] {
        let i = input(&report, suffix);
        assert_eq!((i["kind"].as_str(), i["records"].as_u64()), (Some("ad-csv"), Some(records)), "{suffix}");
        // No ObjectGUID / UserPrincipalName columns: the export cannot be linked to the cloud.
        assert_eq!(warning_rules(i), vec![("IN003".to_string(), Some(1))], "{suffix}");
    }
}
