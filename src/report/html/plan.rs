//! The action plan and the top risks: one action per kind of root cause (a rule with open findings),
//! ordered by urgency and dependency — deadlines first (the certificate that expires soonest leads),
//! then the phases in the order fixes depend on each other, and inside a phase the most severe and
//! the ones that cause the most other findings first. Each action names its owner role; the client
//! view shows no rule codes.

use super::text::{RelPaths, Rich, clip};
use super::{MAX_COMMANDS, MAX_TEXT};
use crate::findings::{Category, Finding, Severity};
use crate::report::RunSummary;
use crate::rules::catalog;
use serde_json::Value;
use std::collections::BTreeMap;

/// One action: what to do about one kind of root cause.
pub(super) struct Action {
    /// What is wrong, in words (the rule's title).
    pub(super) what: Rich,
    /// Who does it.
    pub(super) owner: &'static str,
    pub(super) severity: &'static str,
    /// Open top-level findings of the kind.
    pub(super) findings: usize,
    /// `by 2026-12-10 — 3 day(s) left`, or empty.
    pub(super) deadline: String,
    /// Findings folded under these (fixing the cause fixes them too).
    pub(super) blocks: usize,
    /// The first step, shortened to [`FIRST_STEP`] characters.
    pub(super) first_step: Rich,
    /// The whole remediation, shown on expand when the first step is shortened.
    pub(super) full_text: Rich,
    /// Procedures whose steps must run in order (a finding's evidence `steps`).
    pub(super) procedures: Vec<Procedure>,
    /// Days left before the deadline (sorting), the phase, the most severe finding's title.
    days: Option<i64>,
    phase: usize,
    order: usize,
    pub(super) example: Rich,
}

/// An ordered procedure: the finding it comes from and its steps, in order.
pub(super) struct Procedure {
    pub(super) title: Rich,
    pub(super) steps: Vec<Rich>,
}

/// A group of actions of the plan: the deadlines, then each phase.
pub(super) struct Phase {
    pub(super) title: &'static str,
    pub(super) why: &'static str,
    pub(super) actions: Vec<Action>,
}

/// One of the top risks on the first page.
pub(super) struct Risk {
    pub(super) severity: &'static str,
    pub(super) title: Rich,
    pub(super) owner: &'static str,
    pub(super) deadline: String,
    pub(super) findings: usize,
}

/// Characters of the first step shown before "full text".
const FIRST_STEP: usize = 300;
/// Top risks on the first page.
pub(super) const TOP_RISKS: usize = 5;

/// The phases of the plan: what to do first. Inputs first (every other conclusion rests on them),
/// then the tenant and account structure, then domains and federation, then anchors, then the
/// per-object values, and synchronisation last.
fn phase(c: Category) -> (usize, &'static str, &'static str) {
    match c {
        Category::Input => (
            1,
            "Fix the inputs: re-export lossy, incomplete or unreadable files",
            "every other conclusion rests on complete exports",
        ),
        Category::DuplicateDirectories | Category::MsaAmbiguity | Category::Subscriptions => (
            2,
            "Link or consolidate tenants, subscriptions and personal accounts",
            "objects fixed in a tenant that is later merged away are fixed twice",
        ),
        Category::Domains | Category::Federation => {
            (3, "Settle domains and federation", "UPN suffixes and sign-in depend on which tenant owns which domain")
        }
        Category::AnchorIntegrity | Category::MutableAnchors => (
            4,
            "Repair sync anchors",
            "a wrong anchor creates duplicates or takes over the wrong account at the next sync",
        ),
        Category::Duplicates | Category::BadCharacters => (
            5,
            "Fix duplicate values and characters",
            "sync rejects these objects; fix them before enabling or widening sync",
        ),
        Category::Sync => (6, "Enable or adjust synchronisation", "only once the data above is clean"),
    }
}

/// A finding's deadline from its evidence (`not_after`, `days_left`): the days left and the text.
pub(super) fn deadline(f: &Finding) -> Option<(i64, String)> {
    let days = f.evidence.get("days_left").as_ref().and_then(Value::as_i64)?;
    let date = f.evidence.get_str("not_after").map(|d| d.get(..10).unwrap_or(&d).to_string());
    let on = date.map(|d| format!(" {d}")).unwrap_or_default();
    let text = match days {
        d if d < 0 => format!("expired{on} — {} day(s) ago", -d),
        0 => format!("expires today{on}"),
        d => format!("by{on} — {d} day(s) left"),
    };
    Some((days, text))
}

/// The actions, one per kind of root cause with open findings that are not informational.
fn actions(s: &RunSummary<'_>) -> Vec<Action> {
    let rel = RelPaths::new(&s.scan_paths);
    // Per rule: report order of its first finding, count, most severe finding, soonest deadline,
    // folded findings, findings carrying ordered steps.
    type Acc<'a> = (usize, usize, &'a Finding, Option<(i64, String)>, usize, Vec<&'a Finding>);
    let mut per: BTreeMap<&str, Acc<'_>> = BTreeMap::new();
    for (i, f) in s.findings.iter().enumerate() {
        if s.gate.suppressions.get(i).is_some_and(|x| x.is_some())
            || f.severity == Severity::Info
            || f.caused_by.is_some()
        {
            continue;
        }
        let e = per.entry(f.rule.as_str()).or_insert((i, 0, f, None, 0, Vec::new()));
        e.1 += 1;
        if f.severity < e.2.severity {
            e.2 = f;
        }
        if let Some(d) = deadline(f)
            && e.3.as_ref().is_none_or(|x| d.0 < x.0)
        {
            e.3 = Some(d);
        }
        e.4 += f.consequences.len();
        if e.5.is_empty() && f.evidence.get("steps").as_ref().is_some_and(Value::is_array) {
            e.5.push(f);
        }
    }
    per.into_values()
        .map(|(order, count, first, dl, blocks, ordered)| {
            let meta = catalog::get(&first.rule);
            let remediation = rel.text(first.remediation.trim());
            let para = remediation.split("\n\n").next().unwrap_or("").split_whitespace().collect::<Vec<_>>().join(" ");
            let mut short = clip(&para, FIRST_STEP);
            if short.matches('`').count() % 2 == 1 {
                // Clipped inside a code span: close it.
                short.insert(short.len() - '…'.len_utf8(), '`');
            }
            let full = remediation.split_whitespace().collect::<Vec<_>>().join(" ");
            Action {
                what: Rich::new(meta.map(|m| m.title.as_str()).unwrap_or(&first.title)),
                owner: first.category.owner_role(),
                severity: first.severity.as_str(),
                findings: count,
                deadline: dl.as_ref().map(|d| d.1.clone()).unwrap_or_default(),
                blocks,
                full_text: Rich::new(if full != short { &full } else { "" }),
                first_step: Rich::new(&short),
                procedures: ordered
                    .into_iter()
                    .map(|f| Procedure {
                        title: Rich::new(&clip(&rel.text(&f.title), 200)),
                        steps: f
                            .evidence
                            .get("steps")
                            .as_ref()
                            .and_then(Value::as_array)
                            .into_iter()
                            .flatten()
                            .filter_map(Value::as_str)
                            .take(MAX_COMMANDS)
                            .map(|s| Rich::new(&clip(&rel.text(s), MAX_TEXT)))
                            .collect(),
                    })
                    .collect(),
                days: dl.map(|d| d.0),
                phase: phase(first.category).0,
                order,
                example: Rich::new(&clip(&rel.text(&first.title), MAX_TEXT)),
            }
        })
        .collect()
}

/// Urgency: deadlines (soonest first), then severity, then how much it blocks, then report order.
fn urgency(a: &Action) -> (i64, Option<Severity>, std::cmp::Reverse<usize>, usize) {
    (a.days.unwrap_or(i64::MAX), Severity::parse(a.severity), std::cmp::Reverse(a.blocks), a.order)
}

/// The plan: the actions with a deadline first, then the phases in dependency order.
pub(super) fn plan(s: &RunSummary<'_>) -> Vec<Phase> {
    let mut all = actions(s);
    all.sort_by_key(urgency);
    let (dated, rest): (Vec<Action>, Vec<Action>) = all.into_iter().partition(|a| a.days.is_some());
    let mut out = Vec::new();
    if !dated.is_empty() {
        out.push(Phase {
            title: "Deadlines first",
            why: "these stop working on a date, whatever else is in progress",
            actions: dated,
        });
    }
    let mut by_phase: BTreeMap<usize, Vec<Action>> = BTreeMap::new();
    for a in rest {
        by_phase.entry(a.phase).or_default().push(a);
    }
    for (p, mut actions) in by_phase {
        actions.sort_by_key(|a| (Severity::parse(a.severity), std::cmp::Reverse(a.blocks), a.order));
        let (_, title, why) = phase(Category::ALL.iter().copied().find(|&c| phase(c).0 == p).unwrap_or(Category::Sync));
        out.push(Phase { title, why, actions });
    }
    out
}

/// The top risks: the most urgent kinds of root cause of severity high or above, and medium ones
/// with a deadline (deadlines first).
pub(super) fn top_risks(s: &RunSummary<'_>) -> Vec<Risk> {
    let mut all = actions(s);
    all.retain(|a| match Severity::parse(a.severity) {
        Some(Severity::Critical | Severity::High) => true,
        Some(Severity::Medium) => a.days.is_some(),
        _ => false,
    });
    all.sort_by_key(urgency);
    all.into_iter()
        .take(TOP_RISKS)
        .map(|a| Risk {
            severity: a.severity,
            title: a.example,
            owner: a.owner,
            deadline: a.deadline,
            findings: a.findings,
        })
        .collect()
}
