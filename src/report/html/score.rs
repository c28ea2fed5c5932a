//! The risk score (0–100) shown in the report's summary, and how it is computed.

use crate::findings::{Finding, Severity};
use crate::gate::Suppression;
use std::collections::BTreeMap;

/// Weight of one severity in the risk score.
pub fn severity_weight(s: Severity) -> f64 {
    match s {
        Severity::Critical => 25.0,
        Severity::High => 10.0,
        Severity::Medium => 4.0,
        Severity::Low => 1.0,
        Severity::Info => 0.0,
    }
}

/// How the risk score is computed, as shown in the report.
pub const SCORE_METHOD: &str = "For every rule with open findings (not excepted, not baselined): the weight of its most severe \
open finding (critical 25, high 10, medium 4, low 1, info 0) × (1 + log10(number of its open findings)); the score is the \
sum over rules, capped at 100. 0 = nothing open; under 10 low; under 30 moderate; under 60 high; 60 and over critical. \
A rule counts once however often it fires, so a thousand bad characters do not outweigh one hijackable tenant.";

/// Overall risk score (0–100) and its band, from the findings not suppressed by the gate.
pub fn risk_score(findings: &[Finding], suppressions: &[Option<Suppression>]) -> (u32, &'static str) {
    let mut per_rule: BTreeMap<&str, (Severity, usize)> = BTreeMap::new();
    for (i, f) in findings.iter().enumerate() {
        if suppressions.get(i).is_some_and(|s| s.is_some()) || f.caused_by.is_some() {
            continue;
        }
        let e = per_rule.entry(f.rule.as_str()).or_insert((f.severity, 0));
        e.0 = e.0.min(f.severity);
        e.1 += 1;
    }
    let sum: f64 = per_rule.values().map(|&(s, n)| severity_weight(s) * (1.0 + (n as f64).log10())).sum();
    let score = sum.min(100.0).round() as u32;
    let band = match score {
        0 => "none",
        1..=9 => "low",
        10..=29 => "moderate",
        30..=59 => "high",
        _ => "critical",
    };
    (score, band)
}
