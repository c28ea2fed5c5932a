//! Issue 16's messy situations, asserted per object on `tests/fixtures/messy-merger` (written by its
//! `make.py`): a forest with one stray twin in a copied directory, an objectGUID-anchored forest with one
//! migrated user, a ms-DS-ConsistencyGuid-anchored forest with one migrated user, and a tenant fed by a
//! forest that is not in the export. Neither forest declares `syncs_to` or `anchor`: both are inferred.

use crate::util::*;

fn scan() -> serde_json::Value {
    let out = tempfile::tempdir().unwrap();
    let r = tenantlint(&[
        "scan",
        "tests/fixtures/messy-merger",
        "--out",
        out.path().to_str().unwrap(),
        "--as-of",
        "2026-11-23T12:00:00Z",
    ]);
    assert_code(&r, 0);
    let report = read_report(out.path());
    assert_schema_valid(&report);
    report
}

fn findings<'a>(r: &'a serde_json::Value, rule: &str) -> Vec<&'a serde_json::Value> {
    r["findings"].as_array().unwrap().iter().filter(|f| f["rule"] == rule).collect()
}

fn names(f: &serde_json::Value) -> Vec<String> {
    f["subjects"].as_array().unwrap().iter().map(|s| s["display"].as_str().unwrap().to_string()).collect()
}

#[test]
fn stray_twin_makes_no_tenant_the_target_of_the_whole_forest() {
    let r = scan();
    // Every user's suffix (contoso.com) is verified in the tenant its own twin lives in: no CH005/DO006 about
    // Contoso Copy, although Ava Lind also has a synced twin there, which verifies no contoso.com. (Jon Berg's
    // contoso-labs.eu, a planted preview case, is unverified in Contoso itself.)
    for rule in ["CH005", "DO006", "SY007"] {
        let got: Vec<&serde_json::Value> = findings(&r, rule)
            .into_iter()
            .filter(|f| f["title"].as_str().unwrap().contains("Contoso Copy") || rule == "SY007")
            .map(|f| &f["title"])
            .collect();
        assert!(got.is_empty(), "{rule}: {got:?}");
    }
    assert!(findings(&r, "CH005").iter().all(|f| f["title"].as_str().unwrap().contains("Jon Berg")));
    // The stray twin is reported as the anomaly it is, once.
    let an007 = findings(&r, "AN007");
    let stray: Vec<&&serde_json::Value> =
        an007.iter().filter(|f| f["title"].as_str().unwrap().contains("stray synced twin")).collect();
    assert_eq!(stray.len(), 1, "{an007:?}");
    assert!(names(stray[0]).iter().all(|n| n == "Ava Lind"), "{:?}", names(stray[0]));
    assert_eq!(stray[0]["evidence"]["stray_tenants"], serde_json::json!(["Contoso Copy"]));
    // The three cloud-only copies: one cause (a copied directory), one finding naming all three.
    let copied: Vec<&&serde_json::Value> =
        an007.iter().filter(|f| f["title"].as_str().unwrap().contains("copied directory")).collect();
    assert_eq!(copied.len(), 1, "{an007:?}");
    assert_eq!(copied[0]["evidence"]["count"], 3);
    for who in ["Ben Okafor", "Carla Mendes", "Dev Patel"] {
        assert!(names(copied[0]).iter().any(|n| n == who), "{who} missing from {:?}", names(copied[0]));
    }
}

#[test]
fn anchor_attribute_follows_the_population_in_both_forests() {
    let r = scan();
    let an010 = findings(&r, "AN010");
    let decided = |forest: &str| -> String {
        let f = an010.iter().find(|f| f["subjects"][0]["id"] == forest).unwrap_or_else(|| panic!("AN010 {forest}"));
        f["evidence"]["anchor_attribute"].as_str().unwrap().to_string()
    };
    assert_eq!(decided("corp.contoso.com"), "objectGUID");
    assert_eq!(decided("fabrikam.com"), "ms-DS-ConsistencyGuid");
    let contoso = an010.iter().find(|f| f["subjects"][0]["id"] == "corp.contoso.com").unwrap();
    assert_eq!(contoso["evidence"]["synced_linked_users"], 9, "the counts behind the decision");
    assert_eq!(contoso["evidence"]["synced_linked_users_with_consistencyGuid"], 1);
    // objectGUID forest: the migrated user whose twin holds the carried-over value will not be matched.
    let an008 = findings(&r, "AN008");
    assert_eq!(an008.len(), 1, "{an008:?}");
    assert_eq!(an008[0]["subjects"][0]["display"], "Mateo Ruiz");
    assert_eq!(an008[0]["severity"], "high");
    // ms-DS-ConsistencyGuid forest: the migrated user (Noor Haddad) is right — nothing names a Fabrikam user.
    let fabrikam = ["Ines Duarte", "Jonas Weber", "Kira Tanaka", "Liam Byrne", "Maya Cohen", "Noor Haddad"];
    for f in r["findings"].as_array().unwrap() {
        assert!(!names(f).iter().any(|n| fabrikam.contains(&n.as_str())), "{}: {}", f["rule"], f["title"]);
    }
}

#[test]
fn tenant_fed_by_an_unexported_forest_is_one_coverage_finding() {
    let r = scan();
    assert!(findings(&r, "AN005").is_empty(), "no orphans: the feeding forest is simply not exported");
    let in011 = findings(&r, "IN011");
    assert_eq!(in011.len(), 1);
    let f = in011[0];
    assert_eq!(f["category"], "input");
    assert_eq!(f["subjects"][0]["kind"], "tenant");
    assert_eq!(f["subjects"][0]["display"], "Northwind");
    assert_eq!(f["subjects"].as_array().unwrap().len(), 1 + 12, "the tenant and every object");
    assert_eq!(f["evidence"]["count"], 12);
    assert_eq!(f["evidence"]["on_premises_domain"], "northwind.local");
    assert!(f["title"].as_str().unwrap().contains("and 9 more"), "bounded title: {}", f["title"]);
}

#[test]
fn nothing_else_is_reported_at_low_or_above() {
    let r = scan();
    let mut got: Vec<String> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] != "info")
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect();
    got.sort();
    // AN007 ×2 (stray twin, copied directory; both folded under DD001), AN008 (Mateo Ruiz), DD001 (Contoso ⟷
    // Contoso Copy), IN011 (Northwind), and the two sync-preview cases: SY002 (Iris Novak, soft match by UPN onto
    // the account HR created) and DO006 with its folded CH005 (Jon Berg's unverified suffix).
    assert_eq!(got, ["AN007", "AN007", "AN008", "CH005", "DD001", "DO006", "IN011", "SY002"]);
}

#[test]
fn sync_preview_soft_match_by_upn_moera_creation_and_invalid_soft_match() {
    let out = tempfile::tempdir().unwrap();
    let r = tenantlint(&[
        "scan",
        "tests/fixtures/messy-merger",
        "--format",
        "sync-preview",
        "--out",
        out.path().to_str().unwrap(),
        "--as-of",
        "2026-11-23T12:00:00Z",
    ]);
    assert_code(&r, 0);
    let mut rdr = csv::Reader::from_path(out.path().join("sync-preview.csv")).unwrap();
    let h = rdr.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    let c = |n: &str| h.iter().position(|x| x == n).unwrap();
    let row = |who: &str| rows.iter().find(|r| r[c("dn")].starts_with(&format!("CN={who},"))).unwrap().clone();
    let iris = row("Iris Novak");
    assert_eq!((&iris[c("outcome")], &iris[c("matching")]), ("joins", "soft-match-merge"));
    assert!(iris[c("reason")].contains("userPrincipalName"), "matched by UPN, not by address: {iris:?}");
    let jon = row("Jon Berg");
    assert_eq!((&jon[c("outcome")], &jon[c("upn_after")]), ("creates", "jon.berg@contoso.onmicrosoft.com"));
    let mateo = row("Mateo Ruiz");
    assert_eq!((&mateo[c("outcome")], &mateo[c("matching")]), ("conflict", "invalid-soft-match"));
    // Northwind is fed by a forest that is not exported: nothing of it is previewed as cloud-only noise.
    assert!(rows.iter().all(|r| &r[c("tenant")] != "Northwind"));
}

#[test]
fn a_cloud_only_scan_records_the_missing_forests_as_low_coverage_notes() {
    let out = tempfile::tempdir().unwrap();
    let r = tenantlint(&[
        "scan",
        "tests/fixtures/messy-merger/tenants",
        "--format",
        "json",
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert_code(&r, 0);
    let report = read_report(out.path());
    assert!(findings(&report, "AN005").is_empty(), "no AD export: nothing can be called an orphan");
    let in011 = findings(&report, "IN011");
    assert_eq!(in011.len(), 4, "one per tenant with synced objects");
    for f in in011 {
        assert_eq!(f["severity"], "low");
        assert!(f["title"].as_str().unwrap().contains("this scan holds no AD export"), "{}", f["title"]);
    }
}
