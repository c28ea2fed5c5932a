//! Issue 23: one problem, one finding — consequences folded under their cause, on the bundled sample
//! (anchor cases UPN-derived, GUID text, Base64 of GUID text, byte order, employee id, mangled bytes; a
//! soft-match takeover of a cloud administrator; duplicate addresses and the quarantine they caused).

use crate::anchors::scan_merger;

fn top_level_naming<'a>(r: &'a serde_json::Value, who: &str) -> Vec<&'a serde_json::Value> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["caused_by"].is_null() && f["severity"] != "info")
        .filter(|f| {
            f["subjects"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["display"] == who && matches!(s["kind"].as_str(), Some("ad-object" | "cloud-object")))
        })
        .collect()
}

#[test]
fn each_affected_object_is_one_top_level_finding_with_its_consequences_inside() {
    let r = scan_merger();
    let by_fp: std::collections::HashMap<&str, &serde_json::Value> =
        r["findings"].as_array().unwrap().iter().map(|f| (f["fingerprint"].as_str().unwrap(), f)).collect();
    for (who, cause, consequences) in [
        ("Nuno Alvarez", "AN001", &["DU002"][..]),
        ("Tomás Herrera", "AN001", &["DU002", "SY003"][..]),
        ("Harriet Nwosu", "AN002", &["DU002", "SY003"][..]),
        ("Oscar Lindahl", "AN002", &["DU002", "SY003"][..]),
        ("Beatriz Santos", "AN003", &["DU002", "SY003"][..]),
        ("Greta Holm", "AN004", &["DU002"][..]),
        ("Marek Ostrowski", "SY004", &["DU002"][..]),
        ("James Smith", "DU001", &["SY006", "SY009"][..]),
    ] {
        let top = top_level_naming(&r, who);
        assert_eq!(top.len(), 1, "{who}: {:?}", top.iter().map(|f| &f["title"]).collect::<Vec<_>>());
        let f = top[0];
        assert_eq!(f["rule"], cause, "{who}");
        let mut rules: Vec<&str> =
            f["consequences"].as_array().unwrap().iter().map(|c| c["rule"].as_str().unwrap()).collect();
        rules.sort();
        assert_eq!(rules, consequences, "{who}");
        // Each consequence is still in findings[], pointing back at its cause, and the cause is at
        // least as severe as every consequence.
        let rank = |s: &serde_json::Value| ["critical", "high", "medium", "low", "info"].iter().position(|x| s == x);
        for c in f["consequences"].as_array().unwrap() {
            let q = by_fp[c["fingerprint"].as_str().unwrap()];
            assert_eq!(q["caused_by"], f["fingerprint"], "{who}");
            assert!(rank(&f["severity"]) <= rank(&q["severity"]), "{who}: cause less severe than {}", q["rule"]);
        }
    }
    // Tomás Herrera's own anchor finding is medium (a number, not an address); his DU002 consequence is
    // high, so the cause is high.
    let tomas = top_level_naming(&r, "Tomás Herrera")[0];
    assert_eq!(tomas["severity"], "high");
    // Summary and gate count causes only; the folded ones are counted apart.
    let findings = r["findings"].as_array().unwrap();
    let folded = findings.iter().filter(|f| !f["caused_by"].is_null()).count();
    assert_eq!(r["summary"]["folded"], folded);
    assert_eq!(r["summary"]["total"], findings.len() - folded);
    assert_eq!(folded, 23, "EXPECTED.md's folding section lists 23");
    // DD-01 folds the copied anchors (AI-03) and contoso.com used in Contoso Marketing (DO-04).
    let dd = findings.iter().find(|f| f["rule"] == "DD001").unwrap();
    let mut rules: Vec<&str> =
        dd["consequences"].as_array().unwrap().iter().map(|c| c["rule"].as_str().unwrap()).collect();
    rules.sort();
    assert_eq!(rules, ["AN007", "DO005"]);
}
