//! The estate's rating (healthy, messy, dangerous) shown in the report's summary, and how it is computed.
//!
//! It scores root causes, not findings: every rule with open top-level findings (not excepted, not
//! baselined, not folded under a cause) is one *kind of root cause*, weighted by its most severe open
//! finding. A rule that fires a thousand times on a big estate counts once, so the rating does not
//! grow with the estate's size, and a consequence folded under its cause is not counted twice.
//!
//! The former 0–100 sum saturated: the sample and every generated estate scored 100 ("critical")
//! while the page could show "0 critical". Measured with this scale (`tenantlint generate`):
//! the sample (`samples/contoso-merger`) has 2 critical, 21 high and 19 medium kinds: 102 points,
//! dangerous; the generated 10k estate 7 high and 7 medium: 28 points, messy; the messy 2,000-user
//! estate 14 high and 12 medium: 54 points, dangerous.

use crate::findings::{Finding, Severity};
use crate::gate::Suppression;
use std::collections::BTreeMap;

/// Points of one kind of root cause, by the severity of its most severe open finding.
pub fn severity_weight(s: Severity) -> u32 {
    match s {
        Severity::Critical => 10,
        Severity::High => 3,
        Severity::Medium => 1,
        Severity::Low | Severity::Info => 0,
    }
}

/// Points at and above which an estate is dangerous even without a critical root cause.
pub const DANGEROUS_POINTS: u32 = 40;
/// Points at and above which an estate is messy (below: healthy, if nothing is high or critical).
pub const MESSY_POINTS: u32 = 3;

/// How the rating is computed, as shown in the report.
pub const SCORE_METHOD: &str = "Each rule with open findings (not excepted, not baselined, not a consequence folded under \
its cause) is one kind of root cause, counted once however often it fires, weighted by its most severe open finding: \
critical 10 points, high 3, medium 1, low and informational 0. Healthy: under 3 points and nothing high or critical \
(at most two kinds of medium problem). Messy: 3 to 39 points and nothing critical — sync or sign-in breaks for some \
objects, and the work is planned clean-up. Dangerous: any critical root cause (an outage or takeover is imminent) or \
40 points and over (about a dozen kinds of high root cause: the estate cannot be synchronised or merged as it is). \
Measured on the sample estate: 102 points, dangerous; on a generated 10,000-object estate: 28, messy; on the \
generated messy estate: 54, dangerous.";

/// The estate's rating: its level, its points and the kinds of root cause behind them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rating {
    /// `healthy`, `messy` or `dangerous`.
    pub level: &'static str,
    /// Sum of the weights of the open kinds of root cause.
    pub points: u32,
    /// Kinds of root cause (rules) by their most severe open finding: critical, high, medium, low or info.
    pub kinds: [usize; 5],
}

/// Rates the estate from the findings not suppressed by the gate (see the module documentation).
pub fn risk_score(findings: &[Finding], suppressions: &[Option<Suppression>]) -> Rating {
    let mut per_rule: BTreeMap<&str, Severity> = BTreeMap::new();
    for (i, f) in findings.iter().enumerate() {
        if suppressions.get(i).is_some_and(|s| s.is_some()) || f.caused_by.is_some() {
            continue;
        }
        let e = per_rule.entry(f.rule.as_str()).or_insert(f.severity);
        *e = (*e).min(f.severity);
    }
    let mut kinds = [0usize; 5];
    for s in per_rule.values() {
        kinds[Severity::ALL.iter().position(|x| x == s).unwrap_or(4)] += 1;
    }
    let points: u32 = per_rule.values().map(|&s| severity_weight(s)).sum();
    let level = if kinds[0] > 0 || points >= DANGEROUS_POINTS {
        "dangerous"
    } else if kinds[1] > 0 || points >= MESSY_POINTS {
        "messy"
    } else {
        "healthy"
    };
    Rating { level, points, kinds }
}
