//! Report safety on the hostile-strings estate (`tests/hostile/`): markup, script, `javascript:`
//! links and spreadsheet formulas in every directory value. CSV outputs neutralise formula cells,
//! JSON and SARIF stay valid JSON with the strings intact, JUnit escapes them.

use crate::util::{assert_code, crate_root, read_report, tenantlint};
use std::path::Path;

const ESTATE: &str = "tests/hostile/estate";
const AD: &str = "tests/hostile/estate/ad";

/// The hostile values planted in the estate (each must survive into the reports as data).
const HOSTILE: &[&str] = &[
    "=cmd|' /C calc'!A0",
    "<script>alert(document.cookie)</script>",
    "<img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    "-2+3+cmd|' /C calc'!A0",
    "\u{FF1D}cmd|' /C calc'!A0",
];

/// Parses a CSV output and checks that no cell would be run as a formula by a spreadsheet.
fn assert_csv_inert(path: &Path) -> Vec<Vec<String>> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut rdr = csv::ReaderBuilder::new().has_headers(false).from_reader(bytes.as_slice());
    let rows: Vec<Vec<String>> =
        rdr.records().map(|r| r.expect("valid RFC 4180 CSV").iter().map(str::to_string).collect()).collect();
    assert!(rows.len() > 1, "{}: no rows", path.display());
    let width = rows[0].len();
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row.len(), width, "{}: row {i} has {} cells", path.display(), row.len());
        for cell in row {
            // Leading whitespace does not stop some spreadsheets, and some locales read the
            // full-width forms as formula characters too.
            let first = cell.trim_start();
            assert!(
                !cell.starts_with(['\t', '\r'])
                    && !first.starts_with(['=', '+', '-', '@', '\u{FF1D}', '\u{FF0B}', '\u{FF0D}', '\u{FF20}']),
                "{}: row {i}: cell {cell:?} would be evaluated as a formula",
                path.display()
            );
        }
    }
    rows
}

fn any_cell(rows: &[Vec<String>], want: &str) -> bool {
    rows.iter().flatten().any(|c| c == want)
}

#[test]
fn findings_csv_json_sarif_and_junit_are_inert() {
    let out = tempfile::tempdir().unwrap();
    let o = out.path().to_str().unwrap();
    let run = tenantlint(&["scan", "-q", ESTATE, "--format", "json,sarif,junit,csv,findings-objects-csv", "--out", o]);
    assert_code(&run, 0);

    assert_csv_inert(&out.path().join("findings.csv"));
    let rows = assert_csv_inert(&out.path().join("findings-objects.csv"));
    // The formula-looking names are kept, behind a leading apostrophe; harmless ones unchanged.
    assert!(any_cell(&rows, "'=cmd|' /C calc'!A0"), "neutralised =cmd cell missing");
    assert!(any_cell(&rows, "'-2+3+cmd|' /C calc'!A0"), "neutralised -2+3 cell missing");
    assert!(any_cell(&rows, "'\u{FF1D}cmd|' /C calc'!A0"), "neutralised full-width = cell missing");
    assert!(any_cell(&rows, "<script>alert(document.cookie)</script>"), "CSV is data: markup kept as text");

    let report = read_report(out.path());
    let json = std::fs::read_to_string(out.path().join("report.json")).unwrap();
    let sarif_text = std::fs::read_to_string(out.path().join("report.sarif")).unwrap();
    let sarif: serde_json::Value = serde_json::from_str(&sarif_text).expect("report.sarif is valid JSON");
    assert_eq!(sarif["version"], "2.1.0");
    crate::util::assert_schema_valid(&report);
    // The strings are data in JSON: present intact after parsing, never altered or dropped.
    let all_json = report.to_string() + &sarif.to_string();
    for h in HOSTILE {
        let encoded = serde_json::to_string(h).unwrap();
        let bare = &encoded[1..encoded.len() - 1];
        assert!(all_json.contains(bare), "{h:?} lost from report.json / report.sarif");
    }
    assert!(!json.contains('\u{0}') && !sarif_text.contains('\u{0}'));

    let junit = std::fs::read_to_string(out.path().join("report.junit.xml")).unwrap();
    for raw in ["<script", "<img", "<svg", "<svg onload"] {
        assert!(!junit.contains(raw), "report.junit.xml holds raw {raw}");
    }
    assert!(junit.contains("&lt;script&gt;"), "hostile markup escaped in JUnit");
}

#[test]
fn idfix_csv_is_inert() {
    let out = tempfile::tempdir().unwrap();
    let o = out.path().to_str().unwrap();
    let run = tenantlint(&["scan", "-q", AD, "--idfix", "multi-tenant", "--format", "json,idfix-csv", "--out", o]);
    assert_code(&run, 0);
    let rows = assert_csv_inert(&out.path().join("idfix.csv"));
    assert_eq!(rows[0][0], "DISTINGUISHEDNAME");
    assert!(any_cell(&rows, "'=cmd|' /C calc'!A0"), "neutralised COMMONNAME missing");
    assert!(any_cell(&rows, "'=evil5"), "neutralised VALUE missing");
    assert!(any_cell(&rows, "'+cmd@contoso.com"), "neutralised + cell missing");
    assert!(any_cell(&rows, "'@SUM(1+1)*cmd|' /C calc'!A0"), "neutralised @ cell missing");
    assert!(any_cell(&rows, "'  =evil6"), "neutralised leading-space = cell missing");
    assert!(any_cell(&rows, "'\u{FF20}evil6 x@contoso.com"), "neutralised full-width @ cell missing");
}

/// The one CSV neutraliser covers every dangerous first character, and leaves other cells alone.
#[test]
fn csv_neutraliser_covers_every_formula_prefix() {
    use tenantlint::report::csv::cell;
    for c in ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", " =1", "\u{FF1D}1", "\u{FF0D}1", " \u{FF0B}1"] {
        assert_eq!(cell(c), format!("'{c}"));
    }
    for c in ["Ann Lee", "", "'=already", "a=b", "<script>", "jo@contoso.com"] {
        assert_eq!(cell(c), c);
    }
    assert!(crate_root().join(ESTATE).is_dir());
}
