//! KICS-style rule fixtures: every rule folder `rules/<family>/<CODE>-<name>/` holds `positive/` (a tiny
//! estate in real export formats on which the rule must fire), `negative/` (a near-miss on which it must
//! not) and `expected.json` (the findings expected on `positive/`: `[{"file": "users.csv", "line": 3}]`,
//! `line` null for whole-file findings). Adding a rule needs no new test code.

use crate::util::crate_root;
use std::path::{Path, PathBuf};
use tenantlint::app::analyse;
use tenantlint::ingest::Options;
use tenantlint::rules::RuleOptions;

#[derive(serde::Deserialize, Debug, PartialEq, Eq, PartialOrd, Ord, Clone)]
struct Expected {
    file: String,
    line: Option<u32>,
}

fn rule_dirs() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for fam in std::fs::read_dir(crate_root().join("rules")).unwrap().flatten() {
        if !fam.path().is_dir() {
            continue;
        }
        for r in std::fs::read_dir(fam.path()).unwrap().flatten() {
            if r.path().join("rule.toml").is_file() {
                out.push(r.path());
            }
        }
    }
    out.sort();
    out
}

fn code_of(dir: &Path) -> String {
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    name.split('-').next().unwrap().to_string()
}

/// Rule options for a fixture folder: `fixture.toml` next to `expected.json` may set `as_of = "YYYY-MM-DD"`
/// (for time-dependent rules); default 2026-11-23, so fixtures never depend on the day the tests run.
fn fixture_options(dir: &Path) -> RuleOptions {
    let cfg = dir.parent().unwrap().join("fixture.toml");
    let table: toml::Table = std::fs::read_to_string(&cfg).map(|t| toml::from_str(&t).unwrap()).unwrap_or_default();
    let as_of = table.get("as_of").and_then(|v| v.as_str()).unwrap_or("2026-11-23");
    RuleOptions { as_of: Some(tenantlint::cli::parse_date(as_of).unwrap()), ..Default::default() }
}

fn results(dir: &Path, code: &str) -> Vec<Expected> {
    let a = analyse(&[dir.to_path_buf()], &Options::default(), &fixture_options(dir)).expect("fixture folder readable");
    let mut got: Vec<Expected> = a
        .findings
        .iter()
        .filter(|f| f.rule == code)
        .map(|f| {
            let src = f.subjects[0].source.expect("findings point at a source");
            let path = a.ingested.sources.path(src.file);
            Expected {
                file: path.strip_prefix(dir).unwrap_or(path).to_string_lossy().replace('\\', "/"),
                line: (src.line > 0).then_some(src.line),
            }
        })
        .collect();
    got.sort();
    got
}

#[test]
fn every_rule_has_fixtures_and_they_give_the_expected_results() {
    let dirs = rule_dirs();
    assert!(!dirs.is_empty());
    let mut problems = Vec::new();
    for dir in &dirs {
        let code = code_of(dir);
        let (pos, neg, exp) = (dir.join("positive"), dir.join("negative"), dir.join("expected.json"));
        if !(pos.is_dir() && neg.is_dir() && exp.is_file()) {
            problems.push(format!("{}: needs positive/, negative/ and expected.json", dir.display()));
            continue;
        }
        let mut expected: Vec<Expected> = serde_json::from_str(&std::fs::read_to_string(&exp).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", exp.display()));
        expected.sort();
        assert!(!expected.is_empty(), "{}: expected.json lists nothing", exp.display());
        let got = results(&pos, &code);
        if got != expected {
            problems.push(format!("{code} positive: expected {expected:?}, got {got:?}"));
        }
        let got = results(&neg, &code);
        if !got.is_empty() {
            problems.push(format!("{code} negative: must not fire, got {got:?}"));
        }
    }
    assert!(problems.is_empty(), "rule fixture problems:\n{}", problems.join("\n"));
}
