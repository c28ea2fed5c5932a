//! The findings as CSV, RFC 4180 (CRLF), for spreadsheets and ticketing systems:
//!
//! - `findings.csv` ([`render`]): the **backlog** — one row per root cause (top-level finding), with
//!   its owner role, due date, status, remediation, proposed values and affected objects, ready to import
//!   as tickets. Findings folded under a cause (`caused_by`) get no row of their own: the cause's
//!   `consequences` column names them, since fixing the cause resolves them.
//! - `findings-objects.csv` ([`render_objects`]): one row per top-level finding × subject, with the
//!   export file and line of each subject.
//!
//! `report.json` holds every finding in full. Cells that a spreadsheet would evaluate as a formula get a
//! leading `'` ([`cell`]): display names come from the directory and may be hostile.

use super::RunSummary;
use crate::findings::Finding;
use crate::gate::Suppression;

/// Column names of `findings.csv` (the backlog).
pub const BACKLOG_HEADER: &[&str] = &[
    "id",
    "rule",
    "rule_name",
    "title",
    "severity",
    "category",
    "owner_role",
    "due_date",
    "status",
    "status_note",
    "remediation",
    "proposed_values",
    "affected_count",
    "affected_kinds",
    "affected_objects",
    "first_source",
    "consequences",
];

/// Column names of `findings-objects.csv` (one row per finding × subject).
pub const HEADER: &[&str] = &[
    "rule",
    "rule_name",
    "severity",
    "category",
    "title",
    "subject_index",
    "subject_kind",
    "subject_id",
    "subject_display",
    "source_path",
    "source_line",
    "suppressed",
    "fingerprint",
    "consequences",
];

/// Affected objects named in one backlog cell; the rest are counted ("… and N more").
pub const MAX_AFFECTED_LISTED: usize = 20;

/// Due date (`YYYY-MM-DD`) of a finding whose evidence names a deadline (`not_after`: a certificate's
/// expiry): that day, or the data clock's day (`as_of`) when the deadline has already passed. `None`
/// when the finding has no deadline.
pub fn due_date(f: &Finding, as_of: &str) -> Option<String> {
    use time::format_description::well_known::Rfc3339;
    let deadline = f.evidence.get_str("not_after")?;
    let deadline = time::OffsetDateTime::parse(&deadline, &Rfc3339).ok()?;
    let due = match time::OffsetDateTime::parse(as_of, &Rfc3339) {
        Ok(now) if now > deadline => now,
        _ => deadline,
    };
    Some(due.date().to_string())
}

/// Neutralises spreadsheet formula injection: a cell whose first character, after any leading
/// whitespace, is `=`, `+`, `-`, `@` (or their full-width forms `＝ ＋ － ＠`, which some spreadsheet
/// locales also evaluate), or that starts with a tab or carriage return, gets a leading `'`.
/// Used by every CSV this tool writes (`findings.csv`, `idfix.csv`).
pub fn cell(s: &str) -> std::borrow::Cow<'_, str> {
    if s.starts_with(['\t', '\r']) || s.trim_start().starts_with(FORMULA_START) {
        format!("'{s}").into()
    } else {
        s.into()
    }
}

/// First characters that make a spreadsheet read a cell as a formula.
const FORMULA_START: [char; 8] = ['=', '+', '-', '@', '\u{FF1D}', '\u{FF0B}', '\u{FF0D}', '\u{FF20}'];

/// Renders `findings.csv`: the backlog, one row per top-level finding (root cause).
pub fn render(s: &RunSummary<'_>) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    let _ = w.write_record(BACKLOG_HEADER);
    for (i, f) in s.findings.iter().enumerate() {
        if f.caused_by.is_some() {
            continue;
        }
        let (status, note) = match s.gate.suppressions.get(i).and_then(|x| x.as_ref()) {
            Some(Suppression::Exception(x)) => ("excepted", format!("{} ({}, until {})", x.reason, x.owner, x.expires)),
            Some(Suppression::Baseline) => ("baselined", "in the baseline".to_string()),
            None => ("open", String::new()),
        };
        // Subjects seen in several exports are one affected object.
        let mut affected: Vec<&crate::findings::Subject> = Vec::new();
        for subj in &f.subjects {
            if !affected.iter().any(|a| a.kind == subj.kind && a.id.eq_ignore_ascii_case(&subj.id)) {
                affected.push(subj);
            }
        }
        let mut listed: Vec<String> = affected.iter().take(MAX_AFFECTED_LISTED).map(|a| a.display.clone()).collect();
        let mut kinds: Vec<&str> = Vec::new();
        for a in &affected {
            if !kinds.contains(&a.kind.as_str()) {
                kinds.push(&a.kind);
            }
        }
        if affected.len() > MAX_AFFECTED_LISTED {
            listed.push(format!("… and {} more", affected.len() - MAX_AFFECTED_LISTED));
        }
        let first_source = f
            .subjects
            .iter()
            .find_map(|x| x.source)
            .map(|at| {
                let path = s.ingested.sources.display(at.file);
                if at.line > 0 { format!("{path}:{}", at.line) } else { path.to_string() }
            })
            .unwrap_or_default();
        let row = [
            s.fingerprint(i).into_owned(),
            f.rule.clone(),
            crate::rules::catalog::get(&f.rule).map(|m| m.name.clone()).unwrap_or_default(),
            f.title.clone(),
            f.severity.as_str().to_string(),
            f.category.as_str().to_string(),
            f.category.owner_role().to_string(),
            due_date(f, &s.as_of).unwrap_or_default(),
            status.to_string(),
            note,
            f.remediation.split_whitespace().collect::<Vec<_>>().join(" "),
            proposed_values(f),
            affected.len().to_string(),
            kinds.join(", "),
            listed.join("; "),
            first_source,
            consequences(f),
        ];
        let _ = w.write_record(row.iter().map(|c| cell(c).into_owned()));
    }
    w.into_inner().unwrap_or_default()
}

/// The finding's proposed value(s) (`proposed_value` in its evidence), `; `-joined.
fn proposed_values(f: &Finding) -> String {
    match f.evidence.get("proposed_value") {
        Some(serde_json::Value::String(v)) => v.clone(),
        Some(serde_json::Value::Array(vs)) => vs
            .iter()
            .map(|v| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()))
            .collect::<Vec<_>>()
            .join("; "),
        Some(serde_json::Value::Null) | None => String::new(),
        Some(v) => v.to_string(),
    }
}

/// The findings folded under `f`: rule, severity, title and fingerprint of each, ` | `-joined.
fn consequences(f: &Finding) -> String {
    f.consequences
        .iter()
        .map(|c| format!("{} [{}] {} ({})", c.rule, c.severity.as_str(), c.title, c.fingerprint))
        .collect::<Vec<_>>()
        .join(" | ")
}

/// Renders `findings-objects.csv`: one row per top-level finding × subject.
pub fn render_objects(s: &RunSummary<'_>) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    let _ = w.write_record(HEADER);
    for (i, f) in s.findings.iter().enumerate() {
        if f.caused_by.is_some() {
            continue;
        }
        let fp = s.fingerprint(i);
        let consequences = consequences(f);
        let rule_name = crate::rules::catalog::get(&f.rule).map(|m| m.name.as_str()).unwrap_or("");
        let suppressed = match s.gate.suppressions.get(i).and_then(|x| x.as_ref()) {
            Some(Suppression::Exception(x)) => format!("exception: {} ({}, until {})", x.reason, x.owner, x.expires),
            Some(Suppression::Baseline) => "baseline".to_string(),
            None => String::new(),
        };
        for (n, subj) in f.subjects.iter().enumerate() {
            let (path, line) = match subj.source {
                Some(at) => (
                    s.ingested.sources.display(at.file).to_string(),
                    if at.line > 0 { at.line.to_string() } else { String::new() },
                ),
                None => (String::new(), String::new()),
            };
            let row = [
                f.rule.as_str(),
                rule_name,
                f.severity.as_str(),
                f.category.as_str(),
                &f.title,
                &(n + 1).to_string(),
                &subj.kind,
                &subj.id,
                &subj.display,
                &path,
                &line,
                &suppressed,
                &fp,
                &consequences,
            ];
            let _ = w.write_record(row.iter().map(|c| cell(c).into_owned()));
        }
    }
    w.into_inner().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_date_is_the_deadline_or_the_data_clock_once_passed() {
        let mut f = Finding {
            rule: "FE004".into(),
            category: crate::findings::Category::Federation,
            severity: crate::findings::Severity::High,
            title: String::new(),
            subjects: Vec::new(),
            evidence: Default::default(),
            remediation: String::new(),
            discriminator: String::new(),
            caused_by: None,
            consequences: Vec::new(),
        };
        assert_eq!(due_date(&f, "2026-11-23T12:00:00Z"), None, "no deadline, no due date");
        f.evidence.insert("not_after", "2026-12-10T09:12:44Z".into());
        assert_eq!(due_date(&f, "2026-11-23T12:00:00Z").as_deref(), Some("2026-12-10"));
        assert_eq!(due_date(&f, "2027-01-05T00:00:00Z").as_deref(), Some("2027-01-05"), "overdue: due now");
        assert_eq!(f.category.owner_role(), "AD FS admin");
    }

    #[test]
    fn formula_cells_are_neutralised() {
        assert_eq!(cell("=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("-2+3"), "'-2+3");
        assert_eq!(cell("+1"), "'+1");
        assert_eq!(cell("\tx"), "'\tx");
        assert_eq!(cell("\r=1"), "'\r=1");
        assert_eq!(cell("  =1+1"), "'  =1+1");
        assert_eq!(cell("\u{a0}@SUM(A1)"), "'\u{a0}@SUM(A1)");
        assert_eq!(cell("\u{FF1D}cmd|'/C calc'!A0"), "'\u{FF1D}cmd|'/C calc'!A0");
        assert_eq!(cell("\u{FF0B}1"), "'\u{FF0B}1");
        assert_eq!(cell("\u{FF20}x"), "'\u{FF20}x");
        assert_eq!(cell("Ann Lee"), "Ann Lee");
        assert_eq!(cell("jo@contoso.com"), "jo@contoso.com");
        assert_eq!(cell("Lee-Smith = x"), "Lee-Smith = x");
        assert_eq!(cell("   "), "   ");
        assert_eq!(cell(""), "");
    }
}
