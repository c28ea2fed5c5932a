//! CSV (`findings.csv`): one row per top-level finding × subject, RFC 4180, for spreadsheets. Findings
//! folded under a cause (`caused_by`) get no rows of their own: the cause's `consequences` column names
//! them (rule, title and fingerprint); `report.json` holds them in full.
//!
//! Cells that a spreadsheet would evaluate as a formula get a leading `'` ([`cell`]): display names
//! come from the directory and may be hostile.

use super::RunSummary;
use crate::gate::Suppression;

/// Column names.
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

/// Renders the CSV.
pub fn render(s: &RunSummary<'_>) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    let _ = w.write_record(HEADER);
    for (i, f) in s.findings.iter().enumerate() {
        if f.caused_by.is_some() {
            continue;
        }
        let fp = f.fingerprint();
        let consequences = f
            .consequences
            .iter()
            .map(|c| format!("{} [{}] {} ({})", c.rule, c.severity.as_str(), c.title, c.fingerprint))
            .collect::<Vec<_>>()
            .join(" | ");
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
