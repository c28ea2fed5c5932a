//! The accuracy harness of issue 16: messy synthetic estates with ground truth (`generate --messy`),
//! scanned by the binary and scored per category (`tenantlint::accuracy`).

use crate::util::{assert_code, read_report, tenantlint};
use tenantlint::accuracy::{self, Score, Targets, Truth};

/// Seeds the targets are checked on (the generator's unit test uses another).
const SEEDS: [u64; 3] = [101, 202, 303];
/// AD users per estate: large enough for every planted case and near-miss to occur at least once.
const SIZE: &str = "400";

/// Generates the estate of `seed`, scans it at the truth's date and scores the report.
fn scan_and_score(seed: u64) -> (Truth, Score, serde_json::Value) {
    let tmp = tempfile::tempdir().unwrap();
    let (estate, truth_path, out) = (tmp.path().join("estate"), tmp.path().join("truth.json"), tmp.path().join("out"));
    let s = |p: &std::path::Path| p.to_str().unwrap().to_string();
    let seed_s = seed.to_string();
    let run = tenantlint(&[
        "generate",
        "--messy",
        &s(&estate),
        "--truth",
        &s(&truth_path),
        "--objects",
        SIZE,
        "--seed",
        &seed_s,
    ]);
    assert_code(&run, 0);
    let truth: Truth = serde_json::from_str(&std::fs::read_to_string(&truth_path).unwrap()).unwrap();
    let run = tenantlint(&["scan", "-q", &s(&estate), "--as-of", &truth.as_of, "--out", &s(&out)]);
    assert_code(&run, 0);
    let report = read_report(&out);
    let score = accuracy::score(&accuracy::report_findings(&report), &truth);
    (truth, score, report)
}

/// The harness itself runs end to end: every export is read, every planted category gets a row, and
/// the planted problems of the families the rules cover today are found (recall is not the open issue).
#[test]
fn harness_generates_scans_and_scores_a_messy_estate() {
    let (truth, score, report) = scan_and_score(SEEDS[0]);
    for i in report["inputs"].as_array().unwrap() {
        assert_eq!(i["status"], "read", "{i}");
    }
    assert_eq!(report["estate"]["tenants"], 4);
    assert_eq!(report["estate"]["forests"], 2);
    for p in &truth.planted {
        assert!(score.categories.contains_key(&p.category), "{}", p.category);
    }
    assert!(score.judged_count() > truth.planted.len());
    for c in ["bad-characters", "duplicates", "mutable-anchors", "msa-ambiguity", "subscriptions", "sync"] {
        assert_eq!(score.categories[c].recall(), Some(1.0), "{c}\n{}\n{}", score.table(), score.problems(5));
    }
    assert!(score.table().contains("| **all** |"));
}

/// A seed no test has used before: `TENANTLINT_ACCURACY_SEED` when set (to replay a failure), else one
/// drawn from the clock on every run — the targets must hold on estates the rules were not tuned on.
fn fresh_seed() -> u64 {
    std::env::var("TENANTLINT_ACCURACY_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        1_000_000 + t.subsec_nanos() as u64 % 1_000_000_000
    })
}

/// The targets of issue 16 on several seeds (the fixed ones and one fresh per run, printed so a failure
/// can be replayed with `TENANTLINT_ACCURACY_SEED`): precision and recall ≥ 0.98 in every category,
/// noise ≤ 5 %.
#[test]
fn messy_estates_meet_the_accuracy_targets() {
    let mut failed = Vec::new();
    let fresh = fresh_seed();
    eprintln!("accuracy: fresh seed {fresh} (replay with TENANTLINT_ACCURACY_SEED={fresh})");
    for seed in SEEDS.into_iter().chain([fresh]) {
        let (_, score, _) = scan_and_score(seed);
        let fails = score.failures(&Targets::default());
        if !fails.is_empty() {
            eprintln!("seed {seed}:\n{}\n{}", score.table(), score.problems(3));
            failed.extend(fails.into_iter().map(|f| format!("seed {seed}: {f}")));
        }
    }
    assert!(failed.is_empty(), "accuracy targets missed:\n{}", failed.join("\n"));
}

/// The messy estate dates its exports (estate.toml `exported` = the truth's date), so a scan without
/// `--as-of` — a consultant's run, days later — judges staleness at the same data date and reports the
/// same findings: the data clock, not the scan's clock.
#[test]
fn without_as_of_the_data_clock_gives_the_same_findings() {
    let (truth, _, with) = scan_and_score(SEEDS[1]);
    let tmp = tempfile::tempdir().unwrap();
    let (estate, truth_path, out) = (tmp.path().join("estate"), tmp.path().join("truth.json"), tmp.path().join("out"));
    let s = |p: &std::path::Path| p.to_str().unwrap().to_string();
    let seed = SEEDS[1].to_string();
    let gen_args = ["generate", "--messy", &s(&estate), "--truth", &s(&truth_path), "--objects", SIZE, "--seed", &seed];
    assert_code(&tenantlint(&gen_args), 0);
    assert_code(&tenantlint(&["scan", "-q", &s(&estate), "--out", &s(&out)]), 0);
    let without = read_report(&out);
    let titles = |r: &serde_json::Value| -> Vec<String> {
        let mut v: Vec<String> = r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| format!("{} {} {}", f["rule"], f["severity"], f["title"]))
            .collect();
        v.sort();
        v
    };
    assert!(titles(&with).iter().any(|t| t.starts_with("\"SY001\"")), "the estate plants a stale sync");
    assert_eq!(titles(&with), titles(&without), "as of {}", truth.as_of);
}
