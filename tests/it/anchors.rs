//! End-to-end: the `anchors` family on the bundled sample, checked against EXPECTED.md's
//! `mutable-anchors` (MA-*) and `anchor-integrity` (AI-*) rows.

use crate::util::*;

/// Scans the sample judged at EXPECTED.md's clock and returns the report.
pub fn scan_merger() -> serde_json::Value {
    let out = tempfile::tempdir().unwrap();
    let r = tenantlint(&[
        "scan",
        "samples/contoso-merger",
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

/// (path relative to the sample, line) of every subject of a finding.
pub fn locations(f: &serde_json::Value) -> Vec<(String, u64)> {
    f["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| {
            let src = &s["source"];
            let p = src["path"].as_str()?.trim_start_matches("samples/contoso-merger/").to_string();
            Some((p, src["line"].as_u64().unwrap_or(0)))
        })
        .collect()
}

/// Findings of `rule` whose primary subject is at `file:line`.
pub fn at<'a>(report: &'a serde_json::Value, rule: &str, file: &str, line: u64) -> Vec<&'a serde_json::Value> {
    findings_with_rule(report, rule)
        .into_iter()
        .filter(|f| locations(f).first().is_some_and(|(p, l)| p == file && *l == line))
        .collect()
}

/// Findings of the given categories that mention `file:line` in any subject.
pub fn mentioning<'a>(
    report: &'a serde_json::Value,
    categories: &[&str],
    file: &str,
    line: u64,
) -> Vec<&'a serde_json::Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| categories.contains(&f["category"].as_str().unwrap()))
        .filter(|f| locations(f).iter().any(|(p, l)| p == file && *l == line))
        .collect()
}

#[track_caller]
fn expect_one<'a>(
    report: &'a serde_json::Value,
    id: &str,
    rule: &str,
    primary: (&str, u64),
    others: &[(&str, u64)],
) -> &'a serde_json::Value {
    let found = at(report, rule, primary.0, primary.1);
    assert_eq!(found.len(), 1, "{id}: one {rule} finding at {}:{}", primary.0, primary.1);
    let f = found[0];
    let locs = locations(f);
    for (p, l) in others {
        assert!(locs.iter().any(|(lp, ll)| lp == p && ll == l), "{id}: {p}:{l} missing from {locs:?}");
    }
    f
}

#[test]
fn mutable_anchors_match_expected_md() {
    let r = scan_merger();
    // MA-01 Harriet Nwosu: GUID text.
    let f = expect_one(&r, "MA-01", "AN002", ("tenants/contoso/users.json", 1654), &[("ad/contoso/users.csv", 56)]);
    assert_eq!(f["evidence"]["proposed_value"], "p56RwgupJke+uK54xeYSZA==");
    // MA-02 Oscar Lindahl: Base64 of the GUID text.
    let f =
        expect_one(&r, "MA-02", "AN002", ("tenants/contoso/users-page2.json", 261), &[("ad/contoso/users.csv", 57)]);
    assert_eq!(f["evidence"]["shape"], "base64-of-guid-text");
    assert_eq!(f["evidence"]["proposed_value"], "fCm93C4+i0masBHDjKtVdA==");
    // MA-03 Beatriz Santos: big-endian byte order.
    let f = expect_one(&r, "MA-03", "AN003", ("tenants/contoso/users.json", 606), &[("ad/contoso/users.csv", 58)]);
    assert_eq!(f["evidence"]["proposed_value"], "Z2nE2YNVvEqcAN22ZKokvg==");
    assert_eq!(f["evidence"]["same_last_12_characters"], true);
    // MA-04 Tomás Herrera: Base64 of employeeID.
    let f =
        expect_one(&r, "MA-04", "AN001", ("tenants/contoso/users-page2.json", 951), &[("ad/contoso/users.csv", 59)]);
    assert_eq!(f["evidence"]["decoded_text"], "100482");
    assert_eq!(f["evidence"]["likely_source_attribute"], "employeeID");
    // MA-05 Nuno Alvarez: Base64 of his UPN.
    let f = expect_one(
        &r,
        "MA-05",
        "AN001",
        ("tenants/fabrikam/msol-users.csv", 35),
        &[("ad/fabrikam/fabrikam.ldf", 1091)],
    );
    assert_eq!(f["evidence"]["decoded_text"], "n.alvarez@fabrikam.com");
    assert_eq!(f["severity"], "high");
    // MA-06 Greta Holm: UTF-8 mangled bytes.
    expect_one(&r, "MA-06", "AN004", ("tenants/fabrikam/msol-users.csv", 24), &[("ad/fabrikam/fabrikam.ldf", 1116)]);
    // Exactly these six, nothing else in the category (MA-07, MA-08 near-misses).
    assert_eq!(r["summary"]["by_category"]["mutable-anchors"], 6);
    for (p, l) in [
        ("tenants/contoso/users-page2.json", 471),
        ("tenants/fabrikam/msol-users.csv", 52),
        ("ad/fabrikam/fabrikam.ldf", 544),
        ("ad/fabrikam/fabrikam.ldf", 570),
        ("ad/fabrikam/fabrikam.ldf", 596),
        ("tenants/fabrikam/msol-users.csv", 23),
        ("tenants/fabrikam/msol-users.csv", 33),
        ("tenants/fabrikam/msol-users.csv", 8),
    ] {
        let hits = mentioning(&r, &["mutable-anchors", "anchor-integrity"], p, l);
        assert!(
            hits.is_empty(),
            "MA-07/MA-08 near-miss {p}:{l}: {:?}",
            hits.iter().map(|f| &f["title"]).collect::<Vec<_>>()
        );
    }
}

#[test]
fn anchor_integrity_matches_expected_md() {
    let r = scan_merger();
    // AI-01 orphaned synced users in Fabrikam (forest declared complete: definite).
    for line in [39, 58] {
        let f = expect_one(&r, "AI-01", "AN005", ("tenants/fabrikam/msol-users.csv", line), &[]);
        assert_eq!(f["evidence"]["conclusion"], "definite");
        assert_eq!(f["severity"], "high");
    }
    // AI-02 Evan Brooks: one anchor on two cloud users of Contoso.
    expect_one(
        &r,
        "AI-02",
        "AN006",
        ("tenants/contoso/users.json", 1190),
        &[("tenants/contoso/users.json", 1233), ("ad/contoso/users.csv", 41)],
    );
    // AI-03 the same anchors in Contoso and Contoso Marketing: one cause (a copied directory), one finding
    // naming the three pairs.
    let f = expect_one(
        &r,
        "AI-03",
        "AN007",
        ("tenants/contoso/users.json", 840),
        &[
            ("tenants/contoso-marketing/users.json", 174),
            ("tenants/contoso/users.json", 968),
            ("tenants/contoso-marketing/users.json", 217),
            ("tenants/contoso/users.json", 1739),
            ("tenants/contoso-marketing/users.json", 389),
        ],
    );
    assert!(f["title"].as_str().unwrap().contains("copied directory"), "{}", f["title"]);
    assert_eq!(f["evidence"]["count"], 3);
    assert_eq!(f["severity"], "medium");
    let an007 = r["findings"].as_array().unwrap().iter().filter(|f| f["rule"] == "AN007").count();
    assert_eq!(an007, 1, "AI-03 is one root cause: one AN007 finding");
    // AI-04 ms-DS-ConsistencyGuid ≠ objectGUID while objectGUID is the anchor: the tenant holds objectGUID.
    for (ad, cloud) in [(45, 263), (46, 2303)] {
        let f =
            expect_one(&r, "AI-04", "AN008", ("ad/contoso/users.csv", ad), &[("tenants/contoso/users.json", cloud)]);
        assert_eq!(f["evidence"]["tenant_holds_objectGUID_value"].as_array().unwrap().len(), 1);
        assert!(
            f["evidence"]["objectGUID_anchor"].is_string() && f["evidence"]["ms-DS-ConsistencyGuid_anchor"].is_string()
        );
    }
    // Near-misses AI-05 (ConsistencyGuid = objectGUID), AI-06 (removed from sync), AI-07 (cloud-only without anchor).
    for (p, l) in [
        ("ad/contoso/users.csv", 7),
        ("ad/contoso/users.csv", 8),
        ("ad/contoso/users.csv", 9),
        ("tenants/contoso/users.json", 1440),
        ("tenants/contoso/users.json", 728),
        ("tenants/contoso/users.json", 648),
    ] {
        let hits = mentioning(&r, &["anchor-integrity"], p, l);
        assert!(hits.is_empty(), "near-miss {p}:{l}: {:?}", hits.iter().map(|f| &f["title"]).collect::<Vec<_>>());
    }
    // Both forests declare their anchor attribute: no "undeclared" finding; nothing beyond the planted cases.
    assert!(findings_with_rule(&r, "AN010").is_empty());
    let in_category: Vec<&serde_json::Value> =
        r["findings"].as_array().unwrap().iter().filter(|f| f["category"] == "anchor-integrity").collect();
    assert_eq!(in_category.len(), 2 + 1 + 1 + 2);
    // AI-03's copied anchors are a consequence of the duplicate directory (DD-01): folded under DD001, so the
    // summary (top-level findings only) counts one fewer.
    let an007 = in_category.iter().find(|f| f["rule"] == "AN007").unwrap();
    let dd001 = findings_with_rule(&r, "DD001")[0];
    assert_eq!(an007["caused_by"], dd001["fingerprint"]);
    assert_eq!(r["summary"]["by_category"]["anchor-integrity"], 2 + 1 + 2);
}

#[test]
fn real_scubagear_stub_name_shaped_anchors_are_mutable() {
    let Some(dir) = realdata("scubagear-provider-settings") else { return };
    let out = tempfile::tempdir().unwrap();
    let r =
        tenantlint(&["scan", dir.to_str().unwrap(), "--out", out.path().to_str().unwrap(), "--as-of", "2026-05-04"]);
    assert_code(&r, 0);
    let report = read_report(out.path());
    let mutable = findings_with_rule(&report, "AN001");
    assert_eq!(mutable.len(), 5, "{:?}", mutable.iter().map(|f| &f["title"]).collect::<Vec<_>>());
    assert!(mutable.iter().all(|f| f["evidence"]["shape"] == "plain-text"
        && f["evidence"]["decoded_text"].as_str().unwrap().ends_with("onpremuser")));
    // The organization's last sync (2022-08-24) is years before the report date.
    assert_eq!(findings_with_rule(&report, "SY001").len(), 1);
}
