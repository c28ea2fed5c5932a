//! End-to-end: the `sync` family on the bundled sample, checked against EXPECTED.md's `sync` (SY-*) rows.

use crate::anchors::{at, locations, mentioning, scan_merger};
use crate::util::*;

#[test]
fn sync_findings_match_expected_md() {
    let r = scan_merger();
    let one = |rule: &str, file: &str, line: u64| {
        let f = at(&r, rule, file, line);
        assert_eq!(f.len(), 1, "one {rule} at {file}:{line}");
        f[0]
    };
    // SY-01 Fabrikam stale sync (2026-06-02, judged 2026-11-23).
    let f = one("SY001", "tenants/fabrikam/organization.json", 4);
    assert_eq!(f["evidence"]["onPremisesLastSyncDateTime"], "2026-06-02T03:14:07Z");
    assert_eq!(findings_with_rule(&r, "SY001").len(), 1, "SY-06: Contoso fresh, Contoso Marketing never synced");
    // SY-02 Nadia Haddad will be merged; blockSoftMatchEnabled is off (SY-04), but she is a new starter whose
    // cloud account HR created three days before the export with her employeeId: low, confirm intent.
    let f = one("SY002", "ad/contoso/users.csv", 55);
    assert!(locations(f).contains(&("tenants/contoso/users-page2.json".into(), 4)));
    assert_eq!(f["severity"], "low");
    assert_eq!(f["evidence"]["new_starter"]["employee_id_agrees"], true);
    assert!(f["remediation"].as_str().unwrap().starts_with("Confirm with HR"), "{}", f["remediation"]);
    assert_eq!(findings_with_rule(&r, "SY002").len(), 1, "SY-07/SY-08: nobody else is listed as will be merged");
    // SY-03 Marek Ostrowski: cloud-only Global Administrator with an AD twin.
    let f = one("SY004", "ad/contoso/users.csv", 54);
    let locs = locations(f);
    assert!(locs.contains(&("tenants/contoso/users.json".into(), 2443)), "{locs:?}");
    assert!(locs.iter().any(|(p, _)| p == "tenants/contoso/directoryRoles.json"), "{locs:?}");
    assert_eq!(f["severity"], "high");
    assert!(f["evidence"]["how_entra_decides"].as_str().unwrap().contains("Existing Admin Role Conflict"));
    // SY-04 Contoso's blocking switches are off; SY-09 Fabrikam's are on.
    let f = one("SY005", "tenants/contoso/onPremisesSynchronization.json", 4);
    assert_eq!(f["evidence"]["features_off"].as_array().unwrap().len(), 2);
    assert_eq!(findings_with_rule(&r, "SY005").len(), 1);
    // SY-05 James Smith: quarantined UPN.
    let f = one("SY006", "tenants/contoso/users.json", 1872);
    assert_eq!(f["evidence"]["original_upn"], "j.smith@contoso.com");
    // SY-07 break-glass admins and SY-08 users whose twins already hold an anchor: never "will be merged".
    for (p, l) in [
        ("tenants/contoso/users.json", 728),
        ("tenants/contoso/users.json", 762),
        ("ad/contoso/users.csv", 56),
        ("ad/contoso/users.csv", 57),
        ("ad/contoso/users.csv", 58),
        ("ad/contoso/users.csv", 59),
    ] {
        let merged: Vec<_> = mentioning(&r, &["sync"], p, l)
            .into_iter()
            .filter(|f| f["rule"] == "SY002" || f["rule"] == "SY004")
            .collect();
        assert!(merged.is_empty(), "{p}:{l}");
    }
    // SY-08: InvalidSoftMatch is reported instead (welcome), saying the match fails.
    for l in 56..=59 {
        let f = one("SY003", "ad/contoso/users.csv", l);
        assert!(f["title"].as_str().unwrap().contains("InvalidSoftMatch"));
    }
    // Not planted: multi-tenant sync of one forest, forests with different anchors in one tenant.
    assert!(findings_with_rule(&r, "SY007").is_empty() && findings_with_rule(&r, "SY008").is_empty());
    // SY-10: provisioning errors surfaced with their property and value, the AD twin named.
    let f = one("SY009", "tenants/contoso/users.json", 1872);
    assert_eq!(f["evidence"]["errors"][0]["property"], "UserPrincipalName");
    assert_eq!(f["evidence"]["errors"][0]["value"], "j.smith@contoso.com");
    assert_eq!(f["subjects"][1]["kind"], "ad-object");
    let f = one("SY009", "tenants/contoso/users.json", 2389);
    assert_eq!(f["evidence"]["errors"][0]["property"], "ProxyAddress");
    assert_eq!(findings_with_rule(&r, "SY009").len(), 2);
    // SY-11 / SY-12: the unlicensed synced user is reported; disabled shared mailboxes are not.
    one("SY010", "tenants/contoso/users-page2.json", 1165);
    assert_eq!(findings_with_rule(&r, "SY010").len(), 1);
}

/// A tenant's organization export whose last directory sync was 2026-11-01.
const ORG: &str = r#"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#organization","value":[{"id":"bab6cf19-4a02-459b-a96d-5ba492ac1715","displayName":"Contoso","onPremisesSyncEnabled":true,"onPremisesLastSyncDateTime":"2026-11-01T06:00:00Z"}]}"#;

fn collection(collected: &str) -> String {
    format!(
        r#"{{"tenantlintCollection": 1, "tool": "tenantlint 0", "tenant": null, "cloud": "global", "runs": [],
 "collections": [{{"name": "organization", "api": "graph", "endpoint": "https://graph.microsoft.com/v1.0/organization",
   "file": "organization", "optional": false, "status": "complete", "pages": 1, "records": 1, "retries": 0,
   "next_link": null, "http_status": null, "error": null, "collected": "{collected}", "files": ["organization.0001.json"]}}]}}"#
    )
}

/// SY001 on a folder, without `--as-of` unless given: the stale-sync findings' `judged_at`.
fn stale_judged_at(dir: &std::path::Path, extra: &[&str]) -> Vec<String> {
    let out = tempfile::tempdir().unwrap();
    let mut args = vec!["scan", dir.to_str().unwrap(), "-q", "--out", out.path().to_str().unwrap()];
    args.extend_from_slice(extra);
    assert_code(&tenantlint(&args), 0);
    let r = read_report(out.path());
    findings_with_rule(&r, "SY001").iter().map(|f| f["evidence"]["judged_at"].as_str().unwrap().to_string()).collect()
}

#[test]
fn stale_sync_is_judged_when_the_data_was_exported_not_when_it_is_scanned() {
    // Collected by `collect graph` four days after the last sync: fresh then, whatever today is.
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("organization.0001.json"), ORG).unwrap();
    std::fs::write(d.path().join("collection.json"), collection("2026-11-05T10:00:00Z")).unwrap();
    assert!(stale_judged_at(d.path(), &[]).is_empty(), "4 days old at the collection");
    // Collected 19 days after it: stale at the collection.
    std::fs::write(d.path().join("collection.json"), collection("2026-11-20T10:00:00Z")).unwrap();
    assert_eq!(stale_judged_at(d.path(), &[]), ["2026-11-20"]);
    // --as-of replaces the data clock.
    assert!(stale_judged_at(d.path(), &["--as-of", "2026-11-03"]).is_empty());

    // The same export dated by the manifest instead.
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(d.path().join("t")).unwrap();
    std::fs::write(d.path().join("t/organization.json"), ORG).unwrap();
    let manifest = |date: &str| format!("[[tenant]]\nname = 'Contoso'\npaths = ['t']\nexported = {date}\n");
    std::fs::write(d.path().join("estate.toml"), manifest("2026-11-06")).unwrap();
    assert!(stale_judged_at(d.path(), &[]).is_empty(), "5 days old at the export");
    std::fs::write(d.path().join("estate.toml"), manifest("2026-11-15")).unwrap();
    assert_eq!(stale_judged_at(d.path(), &[]), ["2026-11-15"]);
}
