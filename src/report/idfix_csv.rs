//! `idfix.csv`: IdFix's CSV export, for people and tools that know IdFix's columns:
//! `DISTINGUISHEDNAME,COMMONNAME,OBJECTCLASS,ATTRIBUTE,ERROR,VALUE,UPDATE,PROPOSEDACTION,ACTION`.
//!
//! One line per IdFix row, taken from the evidence of the `idfix` family's findings (a row with
//! several flags gives several findings sharing one `row` number; it is written once), in IdFix's
//! order: by DN, case-insensitively, then in the order IdFix produced the rows. PROPOSEDACTION holds
//! the .NET enum name IdFix writes (`Edit`, `Complete`, `Remove`); ACTION is left empty for the user
//! to fill in, as in IdFix.
//!
//! Unlike IdFix's own export, the file is correct RFC 4180 CSV (UTF-8 without BOM, CRLF line ends,
//! fields quoted when they hold a comma, a quote or a line break, quotes doubled) and holds every row
//! (IdFix exported only the 50,000-row block on screen).
//!
//! Formula injection: a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return would be
//! run as a formula by spreadsheet programs; such a cell is written with a leading `'` (which
//! spreadsheets hide). Strip that one apostrophe if the file is read back by a program.

use super::RunSummary;
use crate::findings::Finding;
use crate::rules::catalog;
use crate::rules::idfix::Action;
use std::collections::BTreeMap;

/// The header, as IdFix writes it.
pub const HEADER: [&str; 9] = [
    "DISTINGUISHEDNAME",
    "COMMONNAME",
    "OBJECTCLASS",
    "ATTRIBUTE",
    "ERROR",
    "VALUE",
    "UPDATE",
    "PROPOSEDACTION",
    "ACTION",
];

fn is_idfix(f: &Finding) -> bool {
    catalog::get(&f.rule).is_some_and(|m| m.family == "idfix")
}

/// The rows of the run's IdFix findings, in IdFix's order (by `row` number).
pub fn rows(findings: &[Finding]) -> Vec<&Finding> {
    let mut by_row: BTreeMap<u64, &Finding> = BTreeMap::new();
    for f in findings.iter().filter(|f| is_idfix(f)) {
        if let Some(n) = f.evidence.get("row").and_then(|v| v.as_u64()) {
            by_row.entry(n).or_insert(f);
        }
    }
    by_row.into_values().collect()
}

/// Renders `idfix.csv`.
pub fn render(s: &RunSummary<'_>) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    w.write_record(HEADER).expect("writing CSV to memory cannot fail");
    for f in rows(s.findings) {
        let ev = f.evidence.map();
        let e = |k: &str| ev.get(k).and_then(|v| v.as_str()).unwrap_or("");
        let action = Action::parse(e("action")).map(Action::enum_name).unwrap_or(e("action"));
        let cells =
            [e("dn"), e("cn"), e("objectclass"), e("attribute"), e("error"), e("value"), e("update"), action, ""];
        w.write_record(cells.iter().map(|c| super::csv::cell(c).into_owned()))
            .expect("writing CSV to memory cannot fail");
    }
    w.into_inner().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::EstateGraph;
    use crate::ingest::Ingested;
    use crate::model::{AdClass, AdObject};
    use crate::rules::IdfixMode;

    fn summary_csv(objects: Vec<AdObject>) -> String {
        let mut ing = Ingested::default();
        ing.estate.ad_objects = objects;
        let found = crate::rules::idfix::findings(&ing.estate, IdfixMode::MultiTenant);
        let graph = EstateGraph::build(&ing.estate);
        let gate = crate::gate::GateResult::default();
        let s = RunSummary::for_test(&ing, &graph, &gate, &found, "");
        String::from_utf8(render(&s)).unwrap()
    }

    fn user(cn: &str, f: impl FnOnce(&mut AdObject)) -> AdObject {
        let mut o = AdObject {
            dn: Some(crate::model::Text::from(format!("CN={cn},OU=Staff,DC=contoso,DC=com"))),
            cn: Some(cn.into()),
            display_name: Some(cn.into()),
            class: AdClass::User,
            ..Default::default()
        };
        f(&mut o);
        o
    }

    #[test]
    fn one_line_per_row_quoted_and_neutralised() {
        let csv = summary_csv(vec![
            user("Zed", |o| o.upn = Some("=cmd|' /C calc'!A0@contoso.com".into())),
            user("Smith, Jo", |o| {
                o.dn = Some("CN=Smith\\, Jo,OU=Staff,DC=contoso,DC=com".into());
                o.upn = Some("John Smith@contoso.local".into());
                o.given_name = Some(crate::model::Text::from(format!("\"{}\"", "g".repeat(70))));
            }),
        ]);
        let g = |n: usize| "g".repeat(n);
        let expected = [
            HEADER.join(","),
            format!(
                r#""CN=Smith\, Jo,OU=Staff,DC=contoso,DC=com","Smith, Jo",user,givenName,Length,"""{}""","""{}",Edit,"#,
                g(70),
                g(62)
            ),
            r#""CN=Smith\, Jo,OU=Staff,DC=contoso,DC=com","Smith, Jo",user,userPrincipalName,"Character, TopLevelDomain",John Smith@contoso.local,JohnSmith@contoso.local,Edit,"#.to_string(),
            r#""CN=Zed,OU=Staff,DC=contoso,DC=com",Zed,user,userPrincipalName,Character,'=cmd|' /C calc'!A0@contoso.com,cmdCcalc!A0@contoso.com,Edit,"#.to_string(),
            String::new(),
        ];
        assert_eq!(csv.split("\r\n").collect::<Vec<_>>(), expected);
        // A row with two flags is one line although it is two findings.
        assert_eq!(csv.matches("John Smith@contoso.local").count(), 1);
        // Round trip through a CSV reader.
        let mut r = csv::ReaderBuilder::new().from_reader(csv.as_bytes());
        let recs: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        assert_eq!(recs.len(), 3);
        assert_eq!(&recs[0][5], format!("\"{}\"", "g".repeat(70)));
    }
}
