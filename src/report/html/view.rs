//! The view model: the rows and blocks the template prints (summary counts, action plan, sync preview,
//! rule table, gate, inputs), built from the run summary. Every string is prepared here; the template
//! only loops and prints.

use super::MAX_TEXT;
use super::text::{RelPaths, Rich, clip};
use crate::findings::{Category, Severity, Tally};
use crate::gate::Suppression;
use crate::ingest::{Status, codes};
use crate::report::{Counts, RunSummary};
use crate::rules::catalog;
use std::collections::BTreeMap;

/// One count in the summary.
pub(super) struct Count {
    pub(super) label: &'static str,
    pub(super) n: usize,
    pub(super) class: &'static str,
}

pub(super) struct InputRow {
    pub(super) path: String,
    pub(super) kind: String,
    pub(super) status: &'static str,
    pub(super) reason: String,
    pub(super) encoding: String,
    pub(super) bytes: u64,
    pub(super) records: usize,
    pub(super) attributed_to: String,
    /// When the file's data was exported (`2026-11-20 09:15 UTC`), empty when nothing dates it.
    pub(super) exported: String,
    /// Where that comes from (`LDIF header "collected:"`, `file modification time`...).
    pub(super) exported_source: String,
    pub(super) warnings: Vec<Rich>,
}

/// One forest → tenant line of the sync preview.
pub(super) struct PreviewRow {
    pub(super) forest: String,
    pub(super) tenant: String,
    pub(super) joins: usize,
    pub(super) creates: usize,
    pub(super) conflicts: usize,
    pub(super) quarantined: usize,
    pub(super) takeovers: usize,
    pub(super) cloud_only: usize,
}

/// A conflict or takeover the sync preview predicts.
pub(super) struct PreviewIssue {
    pub(super) outcome: &'static str,
    pub(super) object: String,
    pub(super) tenant: String,
    pub(super) reason: String,
    pub(super) findings: String,
}

/// At most this many conflicts and takeovers are listed on the page (all are in sync-preview.csv).
pub(super) const MAX_PREVIEW_ISSUES: usize = 200;

pub(super) struct RuleRow {
    pub(super) code: String,
    pub(super) name: String,
    pub(super) title: String,
    pub(super) severity: &'static str,
    /// Top-level findings of the rule.
    pub(super) count: usize,
    /// Its findings folded under a cause of another rule.
    pub(super) folded: usize,
}

pub(super) struct GateView {
    pub(super) threshold: String,
    pub(super) verdict: &'static str,
    pub(super) class: &'static str,
    pub(super) failing: usize,
    pub(super) excepted: usize,
    pub(super) baselined: usize,
    pub(super) policy: String,
    pub(super) baseline: String,
    pub(super) notes: Vec<String>,
    pub(super) failing_titles: Vec<String>,
}

pub(super) fn severity_class(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "sev-critical",
        Severity::High => "sev-high",
        Severity::Medium => "sev-medium",
        Severity::Low => "sev-low",
        Severity::Info => "sev-info",
    }
}

/// Whether a policy or a baseline is in use: only then does the page speak of the gate and fingerprints.
pub(super) fn ci_in_use(s: &RunSummary<'_>) -> bool {
    !s.gate.policy_path.is_empty() || s.gate.baseline_path.is_some()
}

pub(super) fn inputs(s: &RunSummary<'_>) -> Vec<InputRow> {
    let ing = s.ingested;
    let rel = RelPaths::new(&s.scan_paths);
    ing.inputs
        .iter()
        .map(|r| {
            let (status, reason) = match &r.status {
                Status::Read => ("read", String::new()),
                Status::Skipped(why) => ("skipped", rel.text(why)),
                Status::Failed(e) => (
                    "failed",
                    rel.text(&if e.line > 0 { format!("line {}: {}", e.line, e.reason) } else { e.reason.clone() }),
                ),
            };
            InputRow {
                path: rel.path(ing.sources.display(r.file)),
                kind: r.kind.clone(),
                status,
                reason,
                encoding: r.encoding.to_string(),
                bytes: r.bytes,
                records: r.records,
                attributed_to: r.attributed_to.clone().unwrap_or_default(),
                exported: r.exported_at.as_ref().map(|t| minute(t.at)).unwrap_or_default(),
                exported_source: r.exported_at.as_ref().map(|t| rel.text(&t.detail)).unwrap_or_default(),
                warnings: r
                    .issues
                    .iter()
                    .map(|i| {
                        Rich::new(&rel.text(&if i.at.line > 0 {
                            format!("{} line {}: {}", i.code, i.at.line, i.message)
                        } else {
                            format!("{}: {}", i.code, i.message)
                        }))
                    })
                    .collect(),
            }
        })
        .collect()
}

/// A time to the minute, UTC: `2026-11-20 09:15 UTC`.
fn minute(at: time::OffsetDateTime) -> String {
    let f = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    at.format(&f).unwrap_or_default()
}

/// The data date of every tenant and forest, one line each: `tenant Contoso: 2026-11-20 (…)`.
pub(super) fn data_dates(s: &RunSummary<'_>) -> Vec<String> {
    let e = &s.ingested.estate;
    let rel = RelPaths::new(&s.scan_paths);
    let line = |what: &str, name: &str, d: Option<&crate::model::DataDate>| match d {
        Some(d) => format!("{what} {name}: {}", rel.text(&d.describe())),
        None => format!("{what} {name}: no input dates it"),
    };
    e.tenants
        .iter()
        .map(|t| line("tenant", &t.name, t.data_date.as_ref()))
        .chain(e.forests.iter().map(|f| line("forest", &f.name, f.data_date.as_ref())))
        .collect()
}

/// Inputs whose problems weaken the conclusions (lossy, incomplete, unreadable, unattributed), one line each.
pub(super) fn weak_inputs(s: &RunSummary<'_>) -> Vec<String> {
    let weakening = [
        codes::LOSSY_COLUMN,
        codes::MISSING_FIELDS,
        codes::INCOMPLETE_EXPORT,
        codes::ENCODING,
        codes::UNATTRIBUTED,
        codes::TENANT_MISMATCH,
        codes::EMPTY_EXPORT,
        codes::UNREADABLE_RECORD,
    ];
    let ing = s.ingested;
    let rel = RelPaths::new(&s.scan_paths);
    let mut out = Vec::new();
    for r in &ing.inputs {
        let path = rel.path(ing.sources.display(r.file));
        if let Status::Failed(e) = &r.status {
            out.push(format!("{path}: unreadable ({})", rel.text(&e.reason)));
        }
        let mut by_code: BTreeMap<&str, usize> = BTreeMap::new();
        for i in r.issues.iter().filter(|i| weakening.contains(&i.code)) {
            *by_code.entry(i.code).or_default() += 1;
        }
        if !by_code.is_empty() {
            let what: Vec<String> = by_code
                .iter()
                .map(|(c, n)| {
                    let name = catalog::get(c).map(|m| m.name.as_str()).unwrap_or(c);
                    if *n > 1 { format!("{name} ×{n}") } else { name.to_string() }
                })
                .collect();
            out.push(format!("{path}: {}", what.join(", ")));
        }
    }
    for i in &ing.issues {
        out.push(format!("{}: {}", rel.path(ing.sources.display(i.at.file)), clip(&rel.text(&i.message), 200)));
    }
    out
}

pub(super) fn gate_view(s: &RunSummary<'_>) -> GateView {
    let g = s.gate;
    let excepted = g.suppressions.iter().filter(|x| matches!(x, Some(Suppression::Exception(_)))).count();
    let baselined = g.suppressions.iter().filter(|x| matches!(x, Some(Suppression::Baseline))).count();
    let (verdict, class) = match g.fail_on {
        None => ("report only (no threshold)", "gate-none"),
        Some(_) if g.passed() => ("passed", "gate-pass"),
        Some(_) => ("failed", "gate-fail"),
    };
    let mut notes = Vec::new();
    for x in &g.expired {
        notes.push(format!(
            "exception for {} (policy line {}) expired on {}: it no longer applies",
            x.rule, x.line, x.expires
        ));
    }
    for x in &g.stale {
        notes.push(format!("exception for {} (policy line {}) matches no finding", x.rule, x.line));
    }
    if g.baseline_path.is_some() {
        notes.push(format!("{} finding(s) of the baseline are fixed", g.fixed.len()));
    }
    GateView {
        threshold: g.fail_on.map(|f| f.as_str().to_string()).unwrap_or_else(|| "none".into()),
        verdict,
        class,
        failing: g.failing.len(),
        excepted,
        baselined,
        policy: file_name(&g.policy_path),
        baseline: g.baseline_path.as_deref().map(file_name).unwrap_or_default(),
        notes,
        failing_titles: g
            .failing
            .iter()
            .take(10)
            .map(|&i| {
                let f = &s.findings[i];
                format!("{} {} — {}", f.severity.as_str(), f.rule, clip(&f.title, 200))
            })
            .collect(),
    }
}

/// A file's name without its folder (no path of the scanning machine in the client view).
fn file_name(p: &str) -> String {
    p.rsplit(['/', '\\']).next().unwrap_or(p).to_string()
}

/// One line per forest → tenant pair of the sync preview.
pub(super) fn preview_rows(s: &RunSummary<'_>) -> Vec<PreviewRow> {
    s.preview
        .map(|p| {
            p.summary()
                .into_iter()
                .map(|c| {
                    let n = |k: &str| c.outcomes.get(k).copied().unwrap_or(0);
                    PreviewRow {
                        joins: n("joins"),
                        creates: n("creates"),
                        conflicts: n("conflict"),
                        quarantined: n("quarantined"),
                        takeovers: n("takeover"),
                        cloud_only: n("cloud-only"),
                        forest: c.forest,
                        tenant: c.tenant,
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The conflicts and takeovers the sync preview predicts, at most [`MAX_PREVIEW_ISSUES`].
pub(super) fn preview_issues(s: &RunSummary<'_>) -> Vec<PreviewIssue> {
    s.preview
        .map(|p| {
            p.rows
                .iter()
                .filter(|r| matches!(r.outcome, crate::preview::Fate::Conflict | crate::preview::Fate::Takeover))
                .take(MAX_PREVIEW_ISSUES)
                .map(|r| PreviewIssue {
                    outcome: r.outcome.as_str(),
                    object: clip(r.dn.split(',').next().unwrap_or(&r.dn).trim_start_matches("CN="), MAX_TEXT),
                    tenant: r.tenant.clone(),
                    reason: clip(&r.reason, MAX_TEXT),
                    findings: r.findings.iter().map(|f| &f[..8.min(f.len())]).collect::<Vec<_>>().join(", "),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// How many conflicts and takeovers are not listed on the page.
pub(super) fn preview_issues_more(s: &RunSummary<'_>) -> usize {
    s.preview
        .map(|p| {
            p.rows
                .iter()
                .filter(|r| matches!(r.outcome, crate::preview::Fate::Conflict | crate::preview::Fate::Takeover))
                .count()
                .saturating_sub(MAX_PREVIEW_ISSUES)
        })
        .unwrap_or(0)
}

/// Findings per severity, every severity.
pub(super) fn severities(tally: &Tally) -> Vec<Count> {
    Severity::ALL
        .iter()
        .map(|&sv| Count {
            label: sv.as_str(),
            n: tally.by_severity.get(sv.as_str()).copied().unwrap_or(0),
            class: severity_class(sv),
        })
        .collect()
}

/// Findings per category, the categories that have any.
pub(super) fn categories(tally: &Tally) -> Vec<Count> {
    Category::ALL
        .iter()
        .map(|&ct| Count { label: ct.as_str(), n: tally.by_category.get(ct.as_str()).copied().unwrap_or(0), class: "" })
        .filter(|x| x.n > 0)
        .collect()
}

/// The one-line size of the estate.
pub(super) fn estate_line(c: &Counts) -> String {
    format!(
        "{} forest(s), {} AD objects, {} tenant(s) (+{} foreign), {} cloud objects, {} domains, {} federation settings, {} subscriptions, {} external accounts",
        c.forests,
        c.ad_objects,
        c.tenants,
        c.foreign_tenants,
        c.cloud_objects,
        c.domains,
        c.federation_settings,
        c.subscriptions,
        c.external_accounts
    )
}

/// The rule table: per rule its most severe top-level finding, its count and its folded findings.
pub(super) fn rule_rows(s: &RunSummary<'_>) -> Vec<RuleRow> {
    let mut per: BTreeMap<&str, (Severity, usize, usize)> = BTreeMap::new();
    for f in s.findings {
        let e = per.entry(f.rule.as_str()).or_insert((f.severity, 0, 0));
        if f.caused_by.is_some() {
            e.2 += 1;
            continue;
        }
        e.0 = e.0.min(f.severity);
        e.1 += 1;
    }
    let mut rows: Vec<RuleRow> = per
        .into_iter()
        .map(|(code, (sev, count, folded))| {
            let m = catalog::get(code);
            RuleRow {
                code: code.to_string(),
                name: m.map(|m| m.name.clone()).unwrap_or_default(),
                title: m.map(|m| m.title.clone()).unwrap_or_default(),
                severity: sev.as_str(),
                count,
                folded,
            }
        })
        .collect();
    rows.sort_by_key(|r| (Severity::parse(r.severity), std::cmp::Reverse(r.count), r.code.clone()));
    rows
}
