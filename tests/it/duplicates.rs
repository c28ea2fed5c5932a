//! End-to-end: the `duplicates` family on the bundled sample, against `samples/contoso-merger/EXPECTED.md`
//! (DU-01…DU-08 and the co-firing it accepts).

use crate::characters::{at, scan_contoso_merger};
use std::collections::BTreeSet;

#[test]
fn duplicates_match_expected_md() {
    let report = scan_contoso_merger();
    let findings: Vec<&serde_json::Value> =
        report["findings"].as_array().unwrap().iter().filter(|f| f["category"] == "duplicates").collect();
    let members = |f: &serde_json::Value| -> BTreeSet<(String, u64)> {
        f["subjects"].as_array().unwrap().iter().map(at).collect()
    };
    let find = |rule: &str, value: &str| -> &serde_json::Value {
        findings
            .iter()
            .copied()
            .find(|f| f["rule"] == rule && f["evidence"]["value"] == value)
            .unwrap_or_else(|| panic!("no {rule} finding for {value}"))
    };
    let s = |p: &str, l: u64| (p.to_string(), l);
    let u = "ad/contoso/users.csv";
    let gc = "ad/contoso/groups-contacts.csv";
    let winner_display = |f: &serde_json::Value| -> String {
        let w = f["evidence"]["winner"].as_str().unwrap_or("").to_string();
        f["evidence"]["members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["subject"] == w.as_str())
            .map(|m| m["display"].as_str().unwrap().to_string())
            .unwrap_or_default()
    };

    // DU-01: user secondary smtp vs group primary; the group keeps it.
    let f = find("DU001", "events@contoso.com");
    assert_eq!(at(&f["subjects"][0]), s(u, 18));
    assert!(members(f).is_superset(&[s(u, 18), s(gc, 3), s("tenants/contoso/users.json", 2389)].into()));
    assert_eq!(winner_display(f), "Contoso Events");
    // DU-02: UPN vs secondary smtp (cross-attribute); Jane keeps it, James's UPN was quarantined.
    let f = find("DU001", "j.smith@contoso.com");
    assert_eq!(at(&f["subjects"][0]), s(u, 37));
    assert!(members(f).is_superset(&[s(u, 37), s(u, 38), s("tenants/contoso/users.json", 1872)].into()));
    assert_eq!(winner_display(f), "Jane Smith-Carter");
    assert!(f["evidence"]["members"].to_string().contains("j.smith<4 digits>@contoso.onmicrosoft.com"));
    // DU-03: user UPN vs group SMTP: a hard export error, not a quarantine.
    let f = find("DU001", "helpdesk@contoso.com");
    assert_eq!(at(&f["subjects"][0]), s(u, 82));
    assert!(members(f).contains(&s(gc, 4)));
    assert!(f["evidence"]["members"].to_string().contains("export error"));
    // DU-04: duplicate mail; Hannah's twin has it, Leon loses it.
    let f = find("DU001", "reception@contoso.com");
    assert_eq!(at(&f["subjects"][0]), s(u, 40));
    assert!(members(f).is_superset(
        &[s(u, 39), s(u, 40), s("tenants/contoso/users.json", 1611), s("tenants/contoso/users.json", 2222)].into()
    ));
    assert_eq!(winner_display(f), "Hannah Brooks");
    // DU-05: duplicate mailNickname in Fabrikam.
    let f = find("DU003", "acosta");
    assert!(members(f).is_superset(&[s("ad/fabrikam/fabrikam.ldf", 386), s("ad/fabrikam/fabrikam.ldf", 412)].into()));

    // Exactly these, plus the co-firing EXPECTED.md accepts: AD twins of the broken-anchor cloud users
    // (MA-01…MA-06) and the cloud administrator (SY-03), each saying the match fails.
    let got: BTreeSet<(String, String, u64)> = findings
        .iter()
        .map(|f| {
            let (p, l) = at(&f["subjects"][0]);
            (f["rule"].as_str().unwrap().to_string(), p, l)
        })
        .collect();
    let ldf = "ad/fabrikam/fabrikam.ldf";
    let expected: BTreeSet<(String, String, u64)> = [
        ("DU001", u, 18),
        ("DU001", u, 37),
        ("DU001", u, 82),
        ("DU001", u, 40),
        ("DU003", ldf, 386),
        ("DU002", u, 54),
        ("DU002", u, 56),
        ("DU002", u, 57),
        ("DU002", u, 58),
        ("DU002", u, 59),
        ("DU002", ldf, 1091),
        ("DU002", ldf, 1116),
    ]
    .into_iter()
    .map(|(r, p, l)| (r.to_string(), p.to_string(), l))
    .collect();
    assert_eq!(got, expected);
    for f in findings.iter().filter(|f| f["rule"] == "DU002") {
        let t = f["title"].as_str().unwrap();
        // Fabrikam blocks soft matching: there the AD copy is created anew and quarantined.
        assert!(
            t.contains("InvalidSoftMatch") || t.contains("Existing Admin Role Conflict") || t.contains("quarantined"),
            "{t}"
        );
        assert!(!t.contains("merged"));
    }

    // Near-misses DU-06 (different tenants), DU-07 (own secondary), DU-08 (own targetAddress).
    for near in [s(gc, 17), s(ldf, 201), s(ldf, 1659), s(u, 17), s(u, 33), s(u, 7)] {
        assert!(findings.iter().all(|f| !members(f).contains(&near)), "near-miss {near:?} in a duplicates finding");
    }
}
