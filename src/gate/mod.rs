//! Stage 6 — the CI gate: applies the policy (severity overrides, disabled rules, exceptions) and
//! the baseline to the findings, and decides the exit code.
//!
//! Exit codes ([`Outcome`]): `0` the run completed and the gate passed (or no threshold is set);
//! `1` the run completed and at least one finding at or above `fail_on` is neither excepted nor in
//! the baseline; `2` the run could not complete (bad arguments, unreadable input, invalid policy or
//! manifest, nothing read). An error always wins over findings, so a run that could not read its
//! inputs never looks clean, and findings are never reported as errors.

pub mod baseline;
pub mod policy;

use crate::findings::{Finding, Severity};
pub use baseline::Baseline;
pub use policy::{Exception, Policy};

/// Process outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Exit 0.
    Passed,
    /// Exit 1.
    Failed,
    /// Exit 2.
    Error,
}

impl Outcome {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Outcome::Passed => 0,
            Outcome::Failed => 1,
            Outcome::Error => 2,
        }
    }
}

/// Why a finding does not count against the gate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Suppression {
    /// An unexpired policy exception.
    Exception(Exception),
    /// Its fingerprint is in the baseline.
    Baseline,
}

/// The gate's verdict and everything the reports say about it.
#[derive(Debug, Clone, Default)]
pub struct GateResult {
    /// Policy file used (empty when none).
    pub policy_path: String,
    /// Threshold (`None` = report only).
    pub fail_on: Option<Severity>,
    /// Baseline file used.
    pub baseline_path: Option<String>,
    /// Per finding (same order as the findings): why it is suppressed, if it is.
    pub suppressions: Vec<Option<Suppression>>,
    /// Indices of the findings that fail the gate, in report order.
    pub failing: Vec<usize>,
    /// Exceptions past their expiry date (no longer applied).
    pub expired: Vec<Exception>,
    /// Unexpired exceptions that matched no finding.
    pub stale: Vec<Exception>,
    /// Baseline entries not found any more (fixed since the baseline).
    pub fixed: Vec<baseline::Entry>,
}

impl GateResult {
    /// True when nothing fails the gate.
    pub fn passed(&self) -> bool {
        self.failing.is_empty()
    }
    /// The outcome for the exit code.
    pub fn outcome(&self) -> Outcome {
        if self.passed() { Outcome::Passed } else { Outcome::Failed }
    }
}

/// Applies per-rule overrides: drops findings of disabled rules, sets overridden severities.
pub fn apply_overrides(findings: &mut Vec<Finding>, policy: &Policy) {
    findings.retain(|f| policy.rules.get(&f.rule).is_none_or(|r| r.enabled));
    for f in findings.iter_mut() {
        if let Some(s) = policy.rules.get(&f.rule).and_then(|r| r.severity) {
            f.severity = s;
        }
    }
}

/// [`apply_overrides`] keeping each finding's fingerprint beside it (`fps`, parallel to `findings`).
pub fn apply_overrides_with(findings: &mut Vec<Finding>, fps: &mut Vec<String>, policy: &Policy) {
    crate::findings::retain_with(findings, fps, |f| policy.rules.get(&f.rule).is_none_or(|r| r.enabled));
    apply_overrides(findings, policy);
}

fn exception_matches(x: &Exception, f: &Finding, fingerprint: &str) -> bool {
    if x.rule != f.rule {
        return false;
    }
    if let Some(fp) = &x.fingerprint {
        return fp == fingerprint;
    }
    x.subject.as_deref().is_some_and(|s| f.subjects.iter().any(|subj| subj.id.eq_ignore_ascii_case(s)))
}

/// Evaluates the gate over findings in report order. `today` decides expiry (an exception applies
/// through its `expires` day).
pub fn evaluate(
    findings: &[Finding],
    policy: &Policy,
    fail_on_override: Option<Option<Severity>>,
    baseline: Option<&Baseline>,
    today: time::Date,
) -> GateResult {
    evaluate_with(findings, &crate::findings::fingerprints(findings), policy, fail_on_override, baseline, today)
}

/// [`evaluate`] with each finding's fingerprint given (`fingerprints[i]` is `findings[i]`'s): the scan
/// computes them once for the gate, the preview and the reports.
pub fn evaluate_with(
    findings: &[Finding],
    fps: &[String],
    policy: &Policy,
    fail_on_override: Option<Option<Severity>>,
    baseline: Option<&Baseline>,
    today: time::Date,
) -> GateResult {
    let fail_on = fail_on_override.unwrap_or(policy.fail_on);
    let (live, expired): (Vec<&Exception>, Vec<&Exception>) =
        policy.exceptions.iter().partition(|x| x.expires >= today);
    let mut used = vec![false; live.len()];
    let mut suppressions = Vec::with_capacity(findings.len());
    let mut failing = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let index: std::collections::HashMap<&str, usize> = fps.iter().enumerate().map(|(i, f)| (f.as_str(), i)).collect();
    // Causes first: a consequence inherits its cause's suppression.
    let mut order: Vec<usize> = (0..findings.len()).collect();
    order.sort_by_key(|&i| findings[i].caused_by.is_some());
    let mut sups: Vec<Option<Suppression>> = vec![None; findings.len()];
    for i in order {
        let f = &findings[i];
        let fp = fps[i].clone();
        seen.insert(fp.clone());
        let mut sup = None;
        for (j, x) in live.iter().enumerate() {
            if exception_matches(x, f, &fp) {
                used[j] = true;
                if sup.is_none() {
                    sup = Some(Suppression::Exception((*x).clone()));
                }
            }
        }
        if sup.is_none() && baseline.is_some_and(|b| b.contains(&fp)) {
            sup = Some(Suppression::Baseline);
        }
        // A consequence whose cause is excepted (or baselined) is suppressed with it.
        if sup.is_none()
            && let Some(&c) = f.caused_by.as_deref().and_then(|c| index.get(c))
        {
            sup = sups[c].clone();
        }
        // Only causes (top-level findings) count: a cause carries the highest severity of its
        // consequences, so folding never hides a failing one.
        if sup.is_none() && f.caused_by.is_none() && fail_on.is_some_and(|t| f.severity <= t) {
            failing.push(i);
        }
        sups[i] = sup;
    }
    failing.sort_unstable();
    suppressions.extend(sups);
    let fixed = baseline
        .map(|b| b.entries.iter().filter(|e| !seen.contains(&e.fingerprint)).cloned().collect())
        .unwrap_or_default();
    GateResult {
        policy_path: policy.path.clone(),
        fail_on,
        baseline_path: baseline.map(|b| b.path.clone()),
        suppressions,
        failing,
        expired: expired.into_iter().cloned().collect(),
        stale: live.iter().zip(&used).filter(|(_, u)| !**u).map(|(x, _)| (*x).clone()).collect(),
        fixed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::{Category, Subject};

    fn f(rule: &str, subject: &str, sev: Severity) -> Finding {
        Finding {
            rule: rule.into(),
            category: Category::Input,
            severity: sev,
            title: "t".into(),
            subjects: vec![Subject { kind: "file".into(), id: subject.into(), display: subject.into(), source: None }],
            evidence: Default::default(),
            remediation: String::new(),
            discriminator: String::new(),
            caused_by: None,
            consequences: Vec::new(),
        }
    }

    fn day(s: &str) -> time::Date {
        time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).unwrap()
    }

    fn policy(text: &str) -> Policy {
        Policy::parse(text, "p.toml").unwrap()
    }

    #[test]
    fn threshold_exceptions_expiry_and_staleness() {
        let findings = vec![
            f("IN010", "a.json", Severity::High),
            f("IN001", "b.csv", Severity::Medium),
            f("IN006", "c.csv", Severity::Low),
        ];
        let p = policy(
            "fail_on = \"medium\"\n\
             [[exception]]\nrule = \"IN001\"\nsubject = \"B.CSV\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2026-11-23\n\
             [[exception]]\nrule = \"IN010\"\nsubject = \"a.json\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2026-11-01\n\
             [[exception]]\nrule = \"IN002\"\nsubject = \"z\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2027-01-01\n",
        );
        let g = evaluate(&findings, &p, None, None, day("2026-11-23"));
        assert_eq!(g.failing, vec![0], "the expired exception no longer applies; IN006 is below the threshold");
        assert!(matches!(g.suppressions[1], Some(Suppression::Exception(_))), "expires is inclusive");
        assert_eq!(g.expired.len(), 1);
        assert_eq!(g.stale.iter().map(|x| x.rule.as_str()).collect::<Vec<_>>(), vec!["IN002"]);
        assert_eq!(g.outcome(), Outcome::Failed);
        // One day later the IN001 exception has expired too.
        let g = evaluate(&findings, &p, None, None, day("2026-11-24"));
        assert_eq!(g.failing, vec![0, 1]);
        // --fail-on overrides the file; `none` turns the gate off.
        assert!(evaluate(&findings, &p, Some(None), None, day("2026-11-24")).passed());
        assert_eq!(
            evaluate(&findings, &p, Some(Some(Severity::Critical)), None, day("2026-11-24")).outcome(),
            Outcome::Passed
        );
    }

    #[test]
    fn consequences_follow_their_cause_through_threshold_exceptions_and_baseline() {
        // A cause (low of its own) and its high consequence, folded: the cause carries high.
        let mut cause = f("IN006", "c.csv", Severity::Low);
        let mut consequence = f("IN001", "c.csv", Severity::High);
        consequence.caused_by = Some(cause.fingerprint());
        cause.severity = Severity::High;
        let findings = vec![consequence.clone(), cause.clone()];
        let p = policy("fail_on = \"high\"\n");
        let g = evaluate(&findings, &p, None, None, day("2026-11-23"));
        assert_eq!(g.failing, vec![1], "only the cause counts; folding never hides it");
        // Excepting the cause excepts its consequence with it.
        let p = policy(
            "fail_on = \"high\"\n[[exception]]\nrule = \"IN006\"\nsubject = \"c.csv\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2027-01-01\n",
        );
        let g = evaluate(&findings, &p, None, None, day("2026-11-23"));
        assert!(g.passed());
        assert!(matches!(g.suppressions[0], Some(Suppression::Exception(_))), "{:?}", g.suppressions);
        assert!(matches!(g.suppressions[1], Some(Suppression::Exception(_))));
        // Excepting only the consequence leaves the cause failing.
        let p = policy(
            "fail_on = \"high\"\n[[exception]]\nrule = \"IN001\"\nsubject = \"c.csv\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2027-01-01\n",
        );
        assert_eq!(evaluate(&findings, &p, None, None, day("2026-11-23")).failing, vec![1]);
        // A baseline holding the cause suppresses both; one holding only the consequence, neither.
        let b = Baseline::from_findings(std::slice::from_ref(&cause), "base.json");
        let g = evaluate(&findings, &policy("fail_on = \"low\"\n"), None, Some(&b), day("2026-11-23"));
        assert_eq!(g.suppressions, vec![Some(Suppression::Baseline), Some(Suppression::Baseline)]);
        let b = Baseline::from_findings(std::slice::from_ref(&consequence), "base.json");
        let g = evaluate(&findings, &policy("fail_on = \"low\"\n"), None, Some(&b), day("2026-11-23"));
        assert_eq!(g.failing, vec![1]);
    }

    #[test]
    fn baseline_suppresses_known_and_lists_fixed() {
        let old = vec![f("IN001", "b.csv", Severity::Medium), f("IN010", "gone.json", Severity::High)];
        let b = Baseline::from_findings(&old, "base.json");
        let now = vec![f("IN001", "b.csv", Severity::Medium), f("IN010", "new.json", Severity::High)];
        let g = evaluate(&now, &policy("fail_on = \"low\"\n"), None, Some(&b), day("2026-11-23"));
        assert_eq!(g.suppressions[0], Some(Suppression::Baseline));
        assert_eq!(g.failing, vec![1]);
        assert_eq!(g.fixed.len(), 1);
        assert_eq!(g.fixed[0].subjects, vec!["gone.json".to_string()]);
    }

    #[test]
    fn overrides_disable_and_reclassify() {
        let mut findings = vec![f("IN006", "c.csv", Severity::Low), f("IN007", "d.json", Severity::Medium)];
        apply_overrides(
            &mut findings,
            &policy("[rules.IN006]\nseverity = \"critical\"\n[rules.IN007]\nenabled = false\n"),
        );
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].severity, Severity::Critical);
    }
}
