//! The accuracy harness: a messy synthetic estate with ground truth ([`messy`]) and a scorer that
//! compares a `report.json` with that truth.
//!
//! The truth (`truth.json`) lists **planted** problems — each with its category, the rule codes that
//! may report it and the stable subject ids a report uses for the objects involved (objectGUID for AD
//! objects, `<tenant id>/<object id>` for cloud objects, tenant ids, domain names, forest names…) —
//! and **near-misses**: situations that look like a problem but are not, with the rule codes or
//! categories that must not fire on them.
//!
//! [`score`] judges every finding at severity `low` or above:
//! - it *fires on a near-miss* when it shares a subject with the near-miss and its rule or category is
//!   in the near-miss's `must_not`, at a severity above the near-miss's `max_severity` (default `info`);
//!   such a finding never counts as correct, whatever else it matches;
//! - it is *tolerated* when it would fire on a near-miss but stays at or below `max_severity` (e.g. a
//!   `low` note where "nothing above low" is expected); tolerated findings are left out of every ratio;
//! - otherwise it is *matched* when it shares a subject with a planted problem and is one of the
//!   problem's acceptable rules — or, for a problem that lists no rules, has its category. (Matching any
//!   rule of the category would let a wrong finding pass as right whenever its object also carries an
//!   unrelated planted problem of the same category, e.g. a false "suffix not verified" on a user with a
//!   space in the UPN; acceptable co-firings are therefore listed per problem, as EXPECTED.md does.)
//! - anything else is *unmatched* (noise).
//!
//! Per category, recall is the share of planted problems with at least one matched finding, and
//! precision the share of the category's judged findings that are matched. The noise share is the
//! share of all judged findings that are not matched.

pub mod messy;

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

/// Ground truth of a generated estate (`truth.json`).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Truth {
    /// What wrote the estate.
    pub generator: String,
    /// The size argument of the generator.
    pub size: u64,
    /// The seed of the generator.
    pub seed: u64,
    /// The date the estate must be scanned at (`scan --as-of`): stale-sync cases depend on it.
    pub as_of: String,
    /// Problems the scan must report.
    pub planted: Vec<Planted>,
    /// Situations the scan must not report.
    pub near_misses: Vec<NearMiss>,
}

/// A planted problem.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Planted {
    /// Stable id (`P-…`).
    pub id: String,
    /// The report category a finding about it belongs to.
    pub category: String,
    /// Rule codes that may report it; empty: any rule of `category`.
    pub rules: Vec<String>,
    /// Subject ids as report.json writes them; a finding must name at least one.
    pub subjects: Vec<String>,
    /// What was planted, for people.
    #[serde(default)]
    pub note: String,
}

/// A near-miss: must not be reported.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NearMiss {
    /// Stable id (`N-…`).
    pub id: String,
    /// The category a wrong finding would most likely have (for the table).
    pub category: String,
    /// Subject ids as report.json writes them.
    pub subjects: Vec<String>,
    /// Rule codes or categories that must not fire on these subjects.
    pub must_not: Vec<String>,
    /// The highest severity such a finding may have (default `info`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_severity: Option<String>,
    /// Why it is not a problem, for people.
    #[serde(default)]
    pub note: String,
}

/// The part of a report finding the scorer reads.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReportFinding {
    /// Rule code.
    pub rule: String,
    /// Category.
    pub category: String,
    /// Severity (`critical` … `info`).
    pub severity: String,
    /// Title.
    pub title: String,
    /// Subject ids.
    pub subjects: Vec<String>,
    /// The ids of its AD and cloud object subjects.
    pub objects: Vec<String>,
    /// True when the finding is folded under a cause (`caused_by` set): not a top-level finding.
    pub folded: bool,
}

/// Reads the findings of a parsed `report.json`.
pub fn report_findings(report: &serde_json::Value) -> Vec<ReportFinding> {
    let s = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
    report["findings"]
        .as_array()
        .map(|fs| {
            fs.iter()
                .map(|f| ReportFinding {
                    rule: s(&f["rule"]),
                    category: s(&f["category"]),
                    severity: s(&f["severity"]),
                    title: s(&f["title"]),
                    subjects: f["subjects"]
                        .as_array()
                        .map(|ss| ss.iter().map(|x| s(&x["id"])).collect())
                        .unwrap_or_default(),
                    objects: f["subjects"]
                        .as_array()
                        .map(|ss| {
                            ss.iter()
                                .filter(|x| matches!(x["kind"].as_str(), Some("ad-object" | "cloud-object")))
                                .map(|x| s(&x["id"]))
                                .collect()
                        })
                        .unwrap_or_default(),
                    folded: !f["caused_by"].is_null(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Severity rank: critical 0 … info 4 (unknown strings rank as info).
fn rank(severity: &str) -> u8 {
    match severity {
        "critical" => 0,
        "high" => 1,
        "medium" => 2,
        "low" => 3,
        _ => 4,
    }
}

/// How one finding was judged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Shares a subject with a planted problem (the ids of the problems it matches).
    Matched(Vec<String>),
    /// Fired on near-misses (their ids).
    NearMiss(Vec<String>),
    /// At or below a near-miss's tolerated severity: left out of the ratios.
    Tolerated(Vec<String>),
    /// Names nothing planted.
    Unmatched,
}

/// A judged finding.
#[derive(Clone, Debug)]
pub struct Judged {
    /// The finding.
    pub finding: ReportFinding,
    /// The verdict.
    pub verdict: Verdict,
}

/// Counts of one category.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CategoryScore {
    /// Planted problems of the category.
    pub planted: usize,
    /// Planted problems with at least one matched finding.
    pub found: usize,
    /// Judged findings (low or above, not tolerated) of the category.
    pub findings: usize,
    /// Of those, matched.
    pub matched: usize,
    /// Of those, fired on a near-miss.
    pub near_miss_hits: usize,
}

impl CategoryScore {
    /// found / planted (None without planted problems).
    pub fn recall(&self) -> Option<f64> {
        (self.planted > 0).then(|| self.found as f64 / self.planted as f64)
    }
    /// matched / findings (None without findings).
    pub fn precision(&self) -> Option<f64> {
        (self.findings > 0).then(|| self.matched as f64 / self.findings as f64)
    }
}

/// The result of scoring a report against a truth.
#[derive(Clone, Debug, Default)]
pub struct Score {
    /// Per category (every category that has planted problems or findings).
    pub categories: BTreeMap<String, CategoryScore>,
    /// Every finding at low or above with its verdict, in report order.
    pub judged: Vec<Judged>,
    /// Findings below low (info), not judged.
    pub info_findings: usize,
    /// Planted problems no finding matched (ids).
    pub missed: Vec<String>,
    /// One problem, one finding (issue 23): a planted problem whose object is named by several
    /// top-level findings (not folded, low or above) that each report that problem — `(planted id,
    /// object id, rules)`.
    pub repeated: Vec<(String, String, Vec<String>)>,
}

/// Accuracy targets.
#[derive(Clone, Copy, Debug)]
pub struct Targets {
    /// Minimum precision in every category.
    pub precision: f64,
    /// Minimum recall in every category.
    pub recall: f64,
    /// Maximum noise share.
    pub noise: f64,
}

impl Default for Targets {
    /// The targets of issue 16: precision and recall ≥ 0.98 in every category, noise ≤ 5 %.
    fn default() -> Self {
        Targets { precision: 0.98, recall: 0.98, noise: 0.05 }
    }
}

impl Score {
    /// Judged findings (low or above, not tolerated).
    pub fn judged_count(&self) -> usize {
        self.judged.iter().filter(|j| !matches!(j.verdict, Verdict::Tolerated(_))).count()
    }
    /// Judged findings that match no planted problem (near-miss hits included).
    pub fn noise_count(&self) -> usize {
        self.judged.iter().filter(|j| matches!(j.verdict, Verdict::Unmatched | Verdict::NearMiss(_))).count()
    }
    /// noise_count / judged_count (0 without findings).
    pub fn noise_share(&self) -> f64 {
        let n = self.judged_count();
        if n == 0 { 0.0 } else { self.noise_count() as f64 / n as f64 }
    }

    /// Every way the score misses `targets`, one line each (empty when all are met).
    pub fn failures(&self, t: &Targets) -> Vec<String> {
        let mut out = Vec::new();
        for (c, s) in &self.categories {
            if let Some(r) = s.recall().filter(|r| *r < t.recall) {
                out.push(format!("{c}: recall {r:.3} < {} ({} of {} planted found)", t.recall, s.found, s.planted));
            }
            if let Some(p) = s.precision().filter(|p| *p < t.precision) {
                out.push(format!(
                    "{c}: precision {p:.3} < {} ({} of {} findings match)",
                    t.precision, s.matched, s.findings
                ));
            }
        }
        if !self.repeated.is_empty() {
            out.push(format!(
                "one problem, one finding: {} planted problem object(s) are named by several top-level findings \
                 reporting that problem (e.g. {} on {}: {})",
                self.repeated.len(),
                self.repeated[0].0,
                self.repeated[0].1,
                self.repeated[0].2.join(", ")
            ));
        }
        if self.noise_share() > t.noise {
            out.push(format!(
                "noise {:.3} > {} ({} of {} findings at low or above name nothing planted)",
                self.noise_share(),
                t.noise,
                self.noise_count(),
                self.judged_count()
            ));
        }
        out
    }

    /// The per-category table (Markdown).
    pub fn table(&self) -> String {
        let pct = |v: Option<f64>| v.map(|v| format!("{v:.3}")).unwrap_or_else(|| "–".into());
        let mut s = String::from(
            "| category | planted | found | recall | findings ≥ low | matched | near-miss hits | precision |\n|---|---|---|---|---|---|---|---|\n",
        );
        let mut tot = CategoryScore::default();
        for (c, v) in &self.categories {
            let _ = writeln!(
                s,
                "| {c} | {} | {} | {} | {} | {} | {} | {} |",
                v.planted,
                v.found,
                pct(v.recall()),
                v.findings,
                v.matched,
                v.near_miss_hits,
                pct(v.precision())
            );
            tot.planted += v.planted;
            tot.found += v.found;
            tot.findings += v.findings;
            tot.matched += v.matched;
            tot.near_miss_hits += v.near_miss_hits;
        }
        let _ = writeln!(
            s,
            "| **all** | {} | {} | {} | {} | {} | {} | {} |",
            tot.planted,
            tot.found,
            pct(tot.recall()),
            tot.findings,
            tot.matched,
            tot.near_miss_hits,
            pct(tot.precision())
        );
        let _ = writeln!(
            s,
            "\nnoise: {} of {} findings at low or above name nothing planted ({:.1} %); {} info findings not judged; {} tolerated",
            self.noise_count(),
            self.judged_count(),
            self.noise_share() * 100.0,
            self.info_findings,
            self.judged.len() - self.judged_count()
        );
        let _ = writeln!(
            s,
            "one problem, one finding: {} planted object(s) named by more than one top-level finding for their problem",
            self.repeated.len()
        );
        s
    }

    /// The wrong findings grouped by rule (near-miss hits with the near-miss ids, then unmatched
    /// findings), and the planted problems nobody found. At most `per_rule` titles per rule.
    pub fn problems(&self, per_rule: usize) -> String {
        let mut by_rule: BTreeMap<&str, Vec<&Judged>> = BTreeMap::new();
        for j in &self.judged {
            if matches!(j.verdict, Verdict::Unmatched | Verdict::NearMiss(_)) {
                by_rule.entry(j.finding.rule.as_str()).or_default().push(j);
            }
        }
        let mut s = String::new();
        for (rule, js) in &by_rule {
            let hits = js.iter().filter(|j| matches!(j.verdict, Verdict::NearMiss(_))).count();
            let _ = writeln!(s, "{rule}: {} wrong ({} on near-misses, {} unmatched)", js.len(), hits, js.len() - hits);
            for j in js.iter().take(per_rule) {
                let tag = match &j.verdict {
                    Verdict::NearMiss(ids) => format!("near-miss {}", ids.join(",")),
                    _ => "unmatched".into(),
                };
                let _ = writeln!(s, "  [{}] {} — {}", j.finding.severity, tag, j.finding.title);
            }
            if js.len() > per_rule {
                let _ = writeln!(s, "  … {} more", js.len() - per_rule);
            }
        }
        if !self.missed.is_empty() {
            // Grouped by case: the id without its trailing object number (`P-cg-mismatch-00101`).
            let mut cases: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
            for id in &self.missed {
                let case =
                    id.rsplit_once('-').filter(|(_, n)| n.trim_start_matches('a').bytes().all(|b| b.is_ascii_digit()));
                cases.entry(case.map_or(id.as_str(), |(c, _)| c)).or_default().push(id);
            }
            let _ = writeln!(s, "missed planted problems ({}):", self.missed.len());
            for (case, ids) in cases {
                let more = if ids.len() > 3 { format!(", … {} more", ids.len() - 3) } else { String::new() };
                let _ = writeln!(s, "  {case}: {} ({}{more})", ids.len(), ids[..ids.len().min(3)].join(", "));
            }
        }
        s
    }
}

/// Index from subject id to the truth entries naming it.
struct SubjectIndex(HashMap<String, Vec<usize>>);

impl SubjectIndex {
    fn new<'a>(entries: impl Iterator<Item = &'a [String]>) -> Self {
        let mut m: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, subjects) in entries.enumerate() {
            for s in subjects {
                let v = m.entry(s.clone()).or_default();
                if v.last() != Some(&i) {
                    v.push(i);
                }
            }
        }
        SubjectIndex(m)
    }
    /// Entries naming `id` exactly, or naming what follows one of its `/` (a truth subject
    /// `contoso.com` names the report's domain subject `<tenant id>/contoso.com`).
    fn lookup(&self, id: &str, out: &mut Vec<usize>) {
        if let Some(v) = self.0.get(id) {
            out.extend(v);
        }
        for (i, _) in id.match_indices('/') {
            if let Some(v) = self.0.get(&id[i + 1..]) {
                out.extend(v);
            }
        }
    }
}

/// Scores `findings` against `truth` (see the module documentation).
pub fn score(findings: &[ReportFinding], truth: &Truth) -> Score {
    let planted_ix = SubjectIndex::new(truth.planted.iter().map(|p| p.subjects.as_slice()));
    let near_ix = SubjectIndex::new(truth.near_misses.iter().map(|n| n.subjects.as_slice()));
    let mut out = Score::default();
    for p in &truth.planted {
        out.categories.entry(p.category.clone()).or_default().planted += 1;
    }
    let mut found = vec![false; truth.planted.len()];
    let mut cand = Vec::new();
    for f in findings {
        if rank(&f.severity) > 3 {
            out.info_findings += 1;
            continue;
        }
        // Near-misses first: a finding on a near-miss is wrong whatever else it names.
        cand.clear();
        for s in &f.subjects {
            near_ix.lookup(s, &mut cand);
        }
        cand.sort_unstable();
        cand.dedup();
        let (mut hit, mut tolerated) = (Vec::new(), Vec::new());
        for &i in &cand {
            let n = &truth.near_misses[i];
            if !n.must_not.iter().any(|m| *m == f.rule || *m == f.category) {
                continue;
            }
            let max = n.max_severity.as_deref().unwrap_or("info");
            if rank(&f.severity) < rank(max) { hit.push(n.id.clone()) } else { tolerated.push(n.id.clone()) }
        }
        let verdict = if !hit.is_empty() {
            Verdict::NearMiss(hit)
        } else {
            cand.clear();
            for s in &f.subjects {
                planted_ix.lookup(s, &mut cand);
            }
            cand.sort_unstable();
            cand.dedup();
            let mut ids = Vec::new();
            for &i in &cand {
                let p = &truth.planted[i];
                let fits = if p.rules.is_empty() { p.category == f.category } else { p.rules.contains(&f.rule) };
                if fits {
                    found[i] = true;
                    ids.push(p.id.clone());
                }
            }
            if !ids.is_empty() {
                Verdict::Matched(ids)
            } else if !tolerated.is_empty() {
                Verdict::Tolerated(tolerated)
            } else {
                Verdict::Unmatched
            }
        };
        if !matches!(verdict, Verdict::Tolerated(_)) {
            let c = out.categories.entry(f.category.clone()).or_default();
            c.findings += 1;
            match verdict {
                Verdict::Matched(_) => c.matched += 1,
                Verdict::NearMiss(_) => c.near_miss_hits += 1,
                _ => {}
            }
        }
        out.judged.push(Judged { finding: f.clone(), verdict });
    }
    for (i, p) in truth.planted.iter().enumerate() {
        if found[i] {
            out.categories.get_mut(&p.category).expect("counted above").found += 1;
        } else {
            out.missed.push(p.id.clone());
        }
    }
    // One problem, one finding: per planted object, the top-level findings that report its problem.
    let mut by_object: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, f) in findings.iter().enumerate() {
        if f.folded || rank(&f.severity) > 3 {
            continue;
        }
        for o in &f.objects {
            by_object.entry(o.to_lowercase()).or_default().push(i);
        }
    }
    for p in &truth.planted {
        for s in &p.subjects {
            let Some(fs) = by_object.get(&s.to_lowercase()) else { continue };
            let fitting: Vec<String> = fs
                .iter()
                .map(|&i| &findings[i])
                .filter(|f| if p.rules.is_empty() { p.category == f.category } else { p.rules.contains(&f.rule) })
                .map(|f| f.rule.clone())
                .collect();
            if fitting.len() > 1 {
                out.repeated.push((p.id.clone(), s.clone(), fitting));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(rule: &str, category: &str, severity: &str, subjects: &[&str]) -> ReportFinding {
        ReportFinding {
            rule: rule.into(),
            category: category.into(),
            severity: severity.into(),
            title: format!("{rule} on {}", subjects.join(",")),
            subjects: subjects.iter().map(|s| s.to_string()).collect(),
            objects: subjects.iter().map(|s| s.to_string()).collect(),
            folded: false,
        }
    }

    #[test]
    fn a_problem_reported_twice_at_top_level_is_a_repeat_but_a_folded_consequence_is_not() {
        let t = truth();
        let p = &t.planted[0];
        let (rule, subject) = (p.rules[0].clone(), p.subjects[0].clone());
        let twice =
            [finding(&rule, &p.category, "high", &[&subject]), finding(&rule, &p.category, "medium", &[&subject])];
        let s = score(&twice, &t);
        assert_eq!(s.repeated.len(), 1, "{:?}", s.repeated);
        assert!(s.failures(&Targets::default()).iter().any(|f| f.starts_with("one problem, one finding")));
        let mut folded = twice.clone();
        folded[1].folded = true;
        assert!(score(&folded, &t).repeated.is_empty());
    }

    fn truth() -> Truth {
        Truth {
            planted: vec![
                Planted {
                    id: "P-1".into(),
                    category: "bad-characters".into(),
                    rules: vec!["CH002".into()],
                    subjects: vec!["guid-a".into()],
                    note: String::new(),
                },
                Planted {
                    id: "P-2".into(),
                    category: "domains".into(),
                    rules: vec!["DO006".into(), "CH005".into()],
                    subjects: vec!["guid-b".into(), "contoso.co.uk".into()],
                    note: String::new(),
                },
                Planted {
                    id: "P-3".into(),
                    category: "input".into(),
                    rules: vec![],
                    subjects: vec!["tenant-t".into()],
                    note: String::new(),
                },
            ],
            near_misses: vec![
                NearMiss {
                    id: "N-1".into(),
                    category: "bad-characters".into(),
                    subjects: vec!["guid-c".into()],
                    must_not: vec!["bad-characters".into()],
                    max_severity: None,
                    note: String::new(),
                },
                NearMiss {
                    id: "N-2".into(),
                    category: "anchor-integrity".into(),
                    subjects: vec!["guid-d".into()],
                    must_not: vec!["AN008".into()],
                    max_severity: Some("low".into()),
                    note: String::new(),
                },
                NearMiss {
                    id: "N-3".into(),
                    category: "domains".into(),
                    subjects: vec!["tenant-m".into(), "guid-b".into()],
                    must_not: vec!["DO006".into()],
                    max_severity: None,
                    note: String::new(),
                },
            ],
            ..Default::default()
        }
    }

    #[test]
    fn a_finding_matches_by_acceptable_rule_or_category_and_a_shared_subject() {
        let t = truth();
        let s = score(
            &[
                finding("CH002", "bad-characters", "medium", &["guid-a"]), // acceptable rule
                finding("CH005", "bad-characters", "medium", &["guid-x", "tenant-n/contoso.co.uk"]), // rule + domain suffix
                finding("IN011", "input", "medium", &["tenant-t"]), // no rules listed: any of the category
            ],
            &t,
        );
        assert_eq!(s.judged[0].verdict, Verdict::Matched(vec!["P-1".into()]));
        assert_eq!(s.judged[1].verdict, Verdict::Matched(vec!["P-2".into()]));
        assert_eq!(s.judged[2].verdict, Verdict::Matched(vec!["P-3".into()]));
        assert!(s.missed.is_empty());
        assert_eq!(s.categories["bad-characters"].precision(), Some(1.0));
        assert_eq!(s.categories["domains"].recall(), Some(1.0));
        assert_eq!(s.noise_share(), 0.0);
        assert!(s.failures(&Targets::default()).is_empty());
    }

    #[test]
    fn a_finding_without_a_shared_subject_or_fitting_rule_is_noise() {
        let t = truth();
        let s = score(
            &[
                finding("CH002", "bad-characters", "high", &["guid-a"]),
                finding("AN005", "anchor-integrity", "high", &["guid-a"]), // shared subject, wrong rule/category
                finding("CH005", "bad-characters", "medium", &["guid-a"]), // same category, rule not listed
                finding("CH002", "bad-characters", "high", &["guid-z"]),   // no shared subject
                finding("CH015", "bad-characters", "info", &["guid-z"]),   // info: not judged
            ],
            &t,
        );
        assert_eq!(s.judged.len(), 4);
        assert_eq!(s.info_findings, 1);
        assert_eq!(s.judged[1].verdict, Verdict::Unmatched);
        assert_eq!(s.judged[2].verdict, Verdict::Unmatched);
        assert_eq!(s.judged[3].verdict, Verdict::Unmatched);
        assert!((s.categories["bad-characters"].precision().unwrap() - 1.0 / 3.0).abs() < 1e-9);
        assert_eq!(s.categories["anchor-integrity"].precision(), Some(0.0));
        assert!((s.noise_share() - 3.0 / 4.0).abs() < 1e-9);
        assert_eq!(s.missed, vec!["P-2".to_string(), "P-3".to_string()]);
        assert_eq!(s.categories["domains"].recall(), Some(0.0));
        let fails = s.failures(&Targets::default());
        assert!(fails.iter().any(|f| f.starts_with("domains: recall 0.000")), "{fails:?}");
        assert!(fails.iter().any(|f| f.starts_with("noise")), "{fails:?}");
        let p = s.problems(5);
        assert!(p.contains("AN005: 1 wrong (0 on near-misses, 1 unmatched)"), "{p}");
        assert!(p.contains("missed planted problems (2):\n  P: 2 (P-2, P-3)"), "{p}");
    }

    #[test]
    fn near_miss_hits_count_against_precision_even_when_a_planted_problem_shares_the_subject() {
        let t = truth();
        let s = score(
            &[
                finding("CH002", "bad-characters", "medium", &["guid-c"]),
                // Shares guid-b with planted P-2 (rule DO006 acceptable) but also names near-miss N-3.
                finding("DO006", "domains", "high", &["tenant-m", "guid-b"]),
                finding("CH005", "bad-characters", "medium", &["guid-b"]), // not in N-3's must_not: matches P-2
            ],
            &t,
        );
        assert_eq!(s.judged[0].verdict, Verdict::NearMiss(vec!["N-1".into()]));
        assert_eq!(s.judged[1].verdict, Verdict::NearMiss(vec!["N-3".into()]));
        assert_eq!(s.judged[2].verdict, Verdict::Matched(vec!["P-2".into()]));
        assert_eq!(s.categories["domains"].near_miss_hits, 1);
        assert_eq!(s.categories["domains"].precision(), Some(0.0));
        assert_eq!(s.categories["bad-characters"].precision(), Some(0.5));
        assert_eq!(s.noise_count(), 2);
        assert!(s.problems(5).contains("near-miss N-3"));
    }

    #[test]
    fn a_near_miss_tolerates_findings_up_to_its_max_severity() {
        let t = truth();
        let s = score(
            &[
                finding("AN008", "anchor-integrity", "low", &["guid-d"]),
                finding("AN008", "anchor-integrity", "high", &["guid-d"]),
            ],
            &t,
        );
        assert_eq!(s.judged[0].verdict, Verdict::Tolerated(vec!["N-2".into()]));
        assert_eq!(s.judged[1].verdict, Verdict::NearMiss(vec!["N-2".into()]));
        assert_eq!(s.judged_count(), 1);
        assert_eq!(s.categories["anchor-integrity"].findings, 1);
        assert_eq!(s.noise_share(), 1.0);
    }

    #[test]
    fn reads_findings_from_a_report() {
        let report = serde_json::json!({"findings": [{"rule": "AN005", "category": "anchor-integrity", "severity": "high",
            "title": "t", "subjects": [{"kind": "cloud-object", "id": "tid/oid"}, {"kind": "tenant", "id": "tid"}]}]});
        let fs = report_findings(&report);
        assert_eq!(
            fs,
            vec![finding("AN005", "anchor-integrity", "high", &["tid/oid", "tid"]).clone()]
                .into_iter()
                .map(|mut f| {
                    f.title = "t".into();
                    f.objects = vec!["tid/oid".into()];
                    f
                })
                .collect::<Vec<_>>()
        );
        let folded = serde_json::json!({"findings": [{"rule": "DU002", "category": "duplicates", "severity": "high",
            "title": "t", "subjects": [], "caused_by": "0123456789abcdef0123456789abcdef"}]});
        assert!(report_findings(&folded)[0].folded);
    }
}
