//! End-to-end: the contoso-merger sample against EXPECTED.md's `duplicate-directories`, `domains`,
//! `subscriptions` and `federation` sections (families directories, domains, subscriptions, federation,
//! including the AD FS trusts of FE-08…FE-13).
//!
//! The locations come from EXPECTED.md itself; this file only maps each row ID to the rule that
//! must (TRUE) or must not (NEAR-MISS) report it.

use crate::util::*;
use std::collections::BTreeMap;

const SAMPLE: &str = "samples/contoso-merger";

/// `path:line` locations of every row of the given EXPECTED.md sections, by row ID.
fn expected_rows(sections: &[&str]) -> BTreeMap<String, (String, Vec<(String, u64)>)> {
    let text = std::fs::read_to_string(crate_root().join(SAMPLE).join("EXPECTED.md")).unwrap();
    let mut out = BTreeMap::new();
    let mut current = String::new();
    for line in text.lines() {
        if let Some(h) = line.strip_prefix("## ") {
            current = h.trim().trim_matches('`').to_string();
            continue;
        }
        if !sections.contains(&current.as_str()) || !line.starts_with("| ") {
            continue;
        }
        let cols: Vec<&str> = line.split(" | ").collect();
        let id = cols[0].trim_start_matches("| ").trim();
        if !id.contains('-') || cols.len() < 5 {
            continue;
        }
        let locs = cols[3]
            .split("<br>")
            .filter_map(|l| {
                let l = l.trim().trim_matches('`');
                let (p, n) = l.rsplit_once(':')?;
                Some((p.to_string(), n.parse().ok()?))
            })
            .collect();
        out.insert(id.to_string(), (cols[1].trim().to_string(), locs));
    }
    out
}

fn scan() -> serde_json::Value {
    let out = tempfile::tempdir().unwrap();
    let r = tenantlint(&["scan", SAMPLE, "--as-of", "2026-11-23T12:00:00Z", "--out", out.path().to_str().unwrap()]);
    assert_code(&r, 0);
    let report = read_report(out.path());
    assert_schema_valid(&report);
    report
}

fn loc(s: &serde_json::Value) -> Option<(String, u64)> {
    let src = &s["source"];
    let path = src["path"].as_str()?.trim_start_matches(&format!("{SAMPLE}/")).to_string();
    Some((path, src["line"].as_u64().unwrap_or(0)))
}

fn primary(f: &serde_json::Value) -> Option<(String, u64)> {
    loc(&f["subjects"][0])
}

fn locations(f: &serde_json::Value) -> Vec<(String, u64)> {
    f["subjects"].as_array().unwrap().iter().filter_map(loc).collect()
}

#[test]
fn contoso_merger_tenant_findings_match_expected_md() {
    let report = scan();
    let rows = expected_rows(&["duplicate-directories", "domains", "subscriptions", "federation"]);
    // Row → the rule that must report it (primary subject = first location, every location among the subjects).
    let truths = [
        ("DD-01", "DD001"),
        ("DO-01", "DO006"),
        ("DO-02", "DO007"),
        ("DO-03", "DO001"),
        ("DO-04", "DO005"),
        ("DO-05", "DO008"),
        ("DO-08", "DO006"),
        ("FE-01", "FE001"),
        ("FE-02", "FE004"),
        ("FE-03", "FE008"),
        ("FE-04", "FE009"),
        ("FE-08", "FE011"),
        ("FE-09", "FE012"),
        ("FE-10", "FE013"),
        ("FE-11", "FE014"),
        ("SU-01", "SU002"),
        ("SU-02", "SU001"),
        ("SU-03", "SU004"),
        ("SU-04", "SU003"),
        ("SU-05", "SU007"),
    ];
    let mut problems = Vec::new();
    for (id, rule) in truths {
        let (verdict, locs) = rows.get(id).unwrap_or_else(|| panic!("{id} missing from EXPECTED.md"));
        assert_eq!(verdict, "TRUE", "{id}");
        let found = findings_with_rule(&report, rule).into_iter().find(|f| primary(f).as_ref() == locs.first());
        match found {
            None => problems.push(format!("{id}: no {rule} finding with primary subject at {:?}", locs.first())),
            Some(f) => {
                let have = locations(f);
                for l in locs {
                    if !have.contains(l) {
                        problems.push(format!("{id}: {rule} finding lacks subject at {l:?}"));
                    }
                }
            }
        }
    }
    // Every row of these sections is covered by the table above or by the near-miss checks below.
    let near: Vec<&str> = rows.iter().filter(|(_, (v, _))| v == "NEAR-MISS").map(|(k, _)| k.as_str()).collect();
    assert_eq!(near, ["DD-02", "DO-06", "DO-07", "FE-05", "FE-06", "FE-07", "FE-12", "FE-13", "SU-06", "SU-07"]);
    assert_eq!(rows.len(), truths.len() + near.len(), "an EXPECTED.md row is not checked");

    let all: Vec<&serde_json::Value> = report["findings"].as_array().unwrap().iter().collect();
    let with_primary_in = |rules: &[&str], locs: &[(String, u64)]| -> Vec<String> {
        all.iter()
            .filter(|f| rules.contains(&f["rule"].as_str().unwrap()))
            .filter(|f| primary(f).is_some_and(|p| locs.contains(&p)))
            .map(|f| format!("{} {}", f["rule"], f["title"]))
            .collect()
    };
    let mentioning = |category: &str, locs: &[(String, u64)]| -> Vec<String> {
        all.iter()
            .filter(|f| f["category"] == category)
            .filter(|f| locations(f).iter().any(|l| locs.contains(l)))
            .map(|f| format!("{} {}", f["rule"], f["title"]))
            .collect()
    };
    let rows_locs = |id: &str| rows[id].1.clone();
    // DD-02: Fabrikam joins no cluster; the declaration is reported (DD002, info).
    let fabrikam = rows_locs("DD-02");
    for f in findings_with_rule(&report, "DD001") {
        assert!(!locations(f).contains(&fabrikam[0]), "Fabrikam must not join a cluster: {}", f["title"]);
    }
    let dd2 = findings_with_rule(&report, "DD002");
    assert_eq!(dd2.len(), 1);
    assert_eq!(primary(dd2[0]).as_ref(), fabrikam.first());
    assert_eq!(dd2[0]["severity"], "info");
    assert_eq!(dd2[0]["evidence"]["would_cluster"], false);
    // DO-03: the viral tenant was taken over (admin-managed domain): no unmanaged-tenant advice.
    assert!(findings_with_rule(&report, "DO002").is_empty(), "Contoso Marketing is managed");
    for (id, cat) in
        [("DO-06", "domains"), ("DO-07", "domains"), ("DO-07", "duplicate-directories"), ("FE-07", "federation")]
    {
        let hits = mentioning(cat, &rows_locs(id));
        if !hits.is_empty() {
            problems.push(format!("{id}: {cat} findings name it: {hits:?}"));
        }
    }
    for (id, rules) in [
        ("FE-05", &["FE004", "FE006"][..]),
        ("FE-06", &["FE001", "FE002", "FE003", "FE004", "FE005", "FE006", "FE007", "FE008", "FE010"][..]),
        ("FE-12", &["FE011", "FE012"][..]),
        ("FE-13", &["FE013"][..]),
        ("SU-06", &["SU001", "SU002", "SU003"][..]),
        ("SU-07", &["SU007"][..]),
    ] {
        let hits = with_primary_in(rules, &rows_locs(id));
        if !hits.is_empty() {
            problems.push(format!("{id}: must not fire: {hits:?}"));
        }
    }
    // FE-05: a valid next certificate makes it a low "rollover pending".
    let fe5 = with_primary_in(&["FE005"], &rows_locs("FE-05"));
    assert_eq!(fe5.len(), 1, "{fe5:?}");
    // FE-02 is HIGH and dated.
    let fe2 = findings_with_rule(&report, "FE004");
    assert_eq!(fe2[0]["severity"], "high");
    assert_eq!(fe2[0]["evidence"]["not_after"], "2026-12-10T09:12:44Z");
    // FE-08: the heuristic says so; FE-09's provider issues both claims (no FE011); FE-11 is the only link to nothing.
    let fe8 = findings_with_rule(&report, "FE011");
    assert_eq!(fe8.len(), 1, "{fe8:?}");
    assert!(fe8[0]["title"].as_str().unwrap().contains("heuristic"));
    assert!(fe8[0]["evidence"]["heuristic"].as_str().unwrap().contains("no Microsoft page"));
    assert_eq!(findings_with_rule(&report, "FE012").len(), 1);
    let fe11 = findings_with_rule(&report, "FE014");
    assert_eq!(fe11.len(), 1, "FE-13: allow-listed values held by AD accounts are linked: {fe11:?}");
    assert_eq!(fe11[0]["evidence"]["value"], "rafael.baptiste@tailspintoys.com");
    let fe10 = findings_with_rule(&report, "FE013");
    assert_eq!(fe10.len(), 1);
    assert_eq!(fe10[0]["evidence"]["link_attribute"], "comment");
    // SU-01: the consolidation advice says role assignments are lost.
    let su1 = findings_with_rule(&report, "SU002");
    assert!(su1[0]["evidence"]["consequences"].to_string().contains("role assignments"));
    // DD-01: primary Contoso, plan moves the subscription.
    let dd1 = findings_with_rule(&report, "DD001");
    assert_eq!(dd1.len(), 1);
    assert_eq!(dd1[0]["evidence"]["primary"], "Contoso");
    let plan = dd1[0]["evidence"]["consolidation_plan"].to_string();
    assert!(plan.contains("22b1de5c-fdbe-4c03-8f5b-cba35a6ee08e") && plan.contains("role assignment"), "{plan}");
    assert!(problems.is_empty(), "EXPECTED.md mismatches:\n{}", problems.join("\n"));
}

#[test]
fn certificate_findings_follow_the_as_of_date() {
    let rules_at = |as_of: &str| -> Vec<String> {
        let out = tempfile::tempdir().unwrap();
        let r = tenantlint(&["scan", SAMPLE, "--as-of", as_of, "--out", out.path().to_str().unwrap()]);
        assert_code(&r, 0);
        let report = read_report(out.path());
        let mut v: Vec<String> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| ["FE004", "FE005", "FE006"].contains(&f["rule"].as_str().unwrap()))
            .map(|f| format!("{} {}", f["rule"].as_str().unwrap(), f["subjects"][0]["id"].as_str().unwrap()))
            .collect();
        v.sort();
        v
    };
    let fab = "7c7e6817-1f48-420b-9c83-650a1e0d7886";
    // 70 days before expiry: outside the 35-day window.
    assert!(rules_at("2026-10-01").is_empty());
    // After expiry: fabrikam.com (no successor) is critical, fabrikamgroup.com still only a pending rollover.
    assert_eq!(
        rules_at("2026-12-15"),
        vec![format!("FE005 {fab}/fabrikamgroup.com"), format!("FE006 {fab}/fabrikam.com")]
    );
}

#[test]
fn real_arm_examples_attach_subscriptions_to_their_two_declared_tenants() {
    let Some(dir) = realdata("azure-rest-api-specs-arm-examples") else { return };
    let m = tempfile::tempdir().unwrap();
    let manifest = m.path().join("estate.toml");
    std::fs::write(
        &manifest,
        "[[tenant]]\nname = 'Example A'\nid = '31c75423-32d6-4322-88b7-c478bdde4858'\n\n[[tenant]]\nname = 'Example B'\nid = '2a0ff0de-96b2-4859-bb7c-a430d07a3e0c'\n",
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let r = tenantlint(&[
        "scan",
        dir.to_str().unwrap(),
        "--manifest",
        manifest.to_str().unwrap(),
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert_code(&r, 0);
    let report = read_report(out.path());
    assert_eq!(report["estate"]["tenants"], 2);
    // Both subscriptions trust a declared tenant: no "outside the estate" finding; the Lighthouse managers
    // (not declared) are reported, two for "Example Subscription2" and one for "Example Subscription".
    assert!(findings_with_rule(&report, "SU001").is_empty(), "{:?}", findings_with_rule(&report, "SU001"));
    assert_eq!(findings_with_rule(&report, "SU006").len(), 3);
    // Three records of two subscriptions (one listed twice): one trust edge per subscription.
    assert_eq!(report["estate"]["subscriptions"], 2);
    assert_eq!(report["estate"]["edges"]["trusts"], 2, "every subscription trusts one tenant");
    // Without the manifest the same subscriptions trust tenants outside the estate.
    let out2 = tempfile::tempdir().unwrap();
    let r = tenantlint(&["scan", dir.to_str().unwrap(), "--out", out2.path().to_str().unwrap()]);
    assert_code(&r, 0);
    assert_eq!(findings_with_rule(&read_report(out2.path()), "SU001").len(), 2);
}
