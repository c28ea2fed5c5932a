//! Tests of the HTML report.

use super::render::{CSS, JS, sha256_b64};
use super::*;
use crate::findings::{Category, Finding, Severity, Subject};
use crate::gate::{GateResult, Suppression};
use crate::graph::EstateGraph;
use crate::ingest::Ingested;
use crate::report::RunSummary;
use crate::source::SourceRef;
use serde_json::{Value, json};

const HOSTILE: &str = "<script>alert(1)</script><img src=x onerror=alert(1)>\"><svg onload=alert(1)>";

fn finding(n: usize, display: &str) -> Finding {
    Finding {
        rule: "IN002".into(),
        category: Category::Input,
        severity: Severity::ALL[n % 5],
        title: format!("record {n} of the export could not be read"),
        subjects: vec![Subject {
            kind: "ad-object".into(),
            id: format!("{n:08x}-0000-4000-8000-000000000000"),
            display: display.into(),
            source: Some(SourceRef::new(crate::source::FileId(0), n as u32 + 2)),
        }],
        evidence: [("line".to_string(), json!(n + 2))].into_iter().collect(),
        remediation: "Export the file again.".into(),
        discriminator: n.to_string(),
        caused_by: None,
        consequences: Vec::new(),
    }
}

fn render_with(findings: &[Finding], meta: super::super::ReportMeta) -> String {
    render_gated(findings, meta, GateResult::default())
}

fn render_gated(findings: &[Finding], meta: super::super::ReportMeta, gate: GateResult) -> String {
    let mut ing = Ingested::default();
    ing.sources.add("exports/users.csv".into(), "exports/users.csv".into());
    let graph = EstateGraph::default();
    let mut s = RunSummary::for_test(&ing, &graph, &gate, findings, "2026-11-23T00:00:00Z");
    s.meta = meta;
    String::from_utf8(render(&s)).unwrap()
}

#[test]
fn inline_style_and_script_match_their_csp_hashes() {
    let html = render_with(&[finding(1, "Ann")], Default::default());
    let between = |open: &str, close: &str| {
        let a = html.find(open).unwrap() + open.len();
        html[a..a + html[a..].find(close).unwrap()].to_string()
    };
    assert_eq!(between("<style>", "</style>"), CSS);
    assert_eq!(between("<script>", "</script>"), JS);
    assert!(html.contains(&sha256_b64(CSS)) && html.contains(&sha256_b64(JS)));
    assert!(!csp().contains("unsafe") && csp().contains("default-src 'none'"));
}

#[test]
fn hostile_text_is_escaped_everywhere() {
    let meta = super::super::ReportMeta {
        title: Some(HOSTILE.into()),
        client: Some(HOSTILE.into()),
        author: Some("javascript:alert(1)".into()),
        ..Default::default()
    };
    let mut f = finding(1, HOSTILE);
    f.title = HOSTILE.into();
    f.evidence.insert("commands", json!([HOSTILE]));
    let html = render_with(&[f], meta);
    for bad in ["<script>alert", "<img src=x", "<svg onload", "</script><"] {
        assert!(!html.contains(bad), "{bad} appears unescaped");
    }
    assert_eq!(html.matches("<script").count(), 2, "only the data island and the page's script");
    let island_start = html.find("id=\"report-data\">").unwrap();
    let island = &html[island_start..island_start + html[island_start..].find("</script>").unwrap()];
    assert!(!island[17..].contains('<') && island.contains("\\u003cscript\\u003e"), "{island}");
}

#[test]
fn a_hundred_thousand_findings_stay_under_60_mb_and_the_page_says_what_it_left_out() {
    let findings: Vec<Finding> = (0..100_000).map(|n| finding(n, &format!("User {n}"))).collect();
    let html = render_with(&findings, Default::default());
    let mb = html.len() as f64 / 1e6;
    eprintln!("report.html with 100,000 findings: {mb:.1} MB");
    assert!(html.len() < 60_000_000, "{mb:.1} MB");
    assert!(html.contains("This page holds the first 50000 of 100000 findings"), "notice missing");
    assert!(html.contains(r#"<div class="big">100000</div>"#), "the summary counts every finding");
    // The island holds exactly the first MAX_FINDINGS, in report order.
    let start = html.find("id=\"report-data\">").unwrap() + "id=\"report-data\">".len();
    let island: Value = serde_json::from_str(&html[start..start + html[start..].find("</script>").unwrap()]).unwrap();
    let held = island["findings"].as_array().unwrap();
    assert_eq!(held.len(), MAX_FINDINGS);
    assert_eq!(held[0][8], findings[0].fingerprint());
    assert_eq!(held[MAX_FINDINGS - 1][8], findings[MAX_FINDINGS - 1].fingerprint());
    let small = render_with(&findings[..10], Default::default());
    assert!(!small.contains("This page holds the first"), "no notice when nothing is left out");
}

#[test]
fn evidence_and_subjects_are_capped() {
    let mut f = finding(1, "x");
    f.evidence.insert("blob", json!("y".repeat(50_000)));
    f.subjects = (0..100).map(|_| f.subjects[0].clone()).collect();
    let html = render_with(&[f], Default::default());
    assert!(html.len() < 60_000, "{}", html.len());
    assert!(html.contains("]],80,"), "the count of subjects left out is kept");
}

#[test]
fn the_rating_counts_kinds_of_root_cause_not_findings() {
    let one = [finding(1, "a")]; // high
    assert_eq!(risk_score(&one, &[]), Rating { level: "messy", points: 3, kinds: [0, 1, 0, 0, 0] });
    // A thousand findings of one rule are still one kind of root cause.
    let many: Vec<Finding> = (0..1000).map(|_| finding(1, "a")).collect();
    assert_eq!(risk_score(&many, &[]).points, 3);
    assert_eq!(risk_score(&one, &[Some(Suppression::Baseline)]).level, "healthy");
    // Two kinds of medium problem are healthy; a third is messy.
    let medium = |rule: &str| {
        let mut f = finding(2, "m");
        f.rule = rule.into();
        f
    };
    assert_eq!(risk_score(&[medium("CH007"), medium("CH012")], &[]).level, "healthy");
    assert_eq!(risk_score(&[medium("CH007"), medium("CH012"), medium("CH014")], &[]).level, "messy");
    // Any critical root cause is dangerous; so are about a dozen kinds of high ones.
    assert_eq!(risk_score(&[finding(0, "c")], &[]).level, "dangerous");
    let highs: Vec<Finding> = (0..14)
        .map(|k| {
            let mut f = finding(1, "h");
            f.rule = format!("AN{k:03}");
            f
        })
        .collect();
    assert_eq!(risk_score(&highs[..13], &[]).level, "messy");
    assert_eq!(risk_score(&highs, &[]), Rating { level: "dangerous", points: 42, kinds: [0, 14, 0, 0, 0] });
    // A consequence folded under its cause is not counted again.
    let mut folded = finding(0, "c");
    folded.caused_by = Some("x".into());
    assert_eq!(risk_score(&[folded], &[]).level, "healthy");
}

#[test]
fn ci_terms_only_with_a_policy_or_a_baseline() {
    let f = [finding(1, "a")];
    let plain = render_with(&f, Default::default());
    assert!(!plain.contains("id=\"gate\"") && plain.contains("\"ci\":false"), "no CI section without a policy");
    let gate = GateResult { baseline_path: Some("/home/ci/work/baseline.json".into()), ..Default::default() };
    let ci = render_gated(&f, Default::default(), gate);
    assert!(ci.contains("id=\"gate\"") && ci.contains("\"ci\":true"));
    assert!(ci.contains("Baseline: baseline.json.") && !ci.contains("/home/ci"), "the file's name, not its path");
}

#[test]
fn the_plan_names_owners_and_no_rule_codes() {
    let html = render_with(&[finding(1, "a")], Default::default());
    let plan = &html[html.find("<section id=\"plan\">").unwrap()..];
    let plan = &plan[..plan.find("</section>").unwrap()];
    assert!(plan.contains("Owner: AD team / M365 admin (re-export)"), "{plan}");
    assert!(!plan.contains("IN002") && !plan.contains("truncated"), "{plan}");
}

#[test]
fn logo_must_be_a_small_raster_image() {
    assert!(
        Logo::from_bytes(b"\x89PNG\r\n\x1a\n....".to_vec()).unwrap().data_uri().starts_with("data:image/png;base64,")
    );
    assert!(Logo::from_bytes(b"<svg onload=alert(1)>".to_vec()).is_err());
    assert!(Logo::from_bytes(vec![0xff; MAX_LOGO_BYTES + 1]).is_err());
}
