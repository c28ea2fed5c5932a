//! KICS-style rule fixtures: every rule folder `rules/<family>/<CODE>-<name>/` holds `positive/` (a tiny
//! estate in real export formats on which the rule must fire), `negative/` (a near-miss on which it must
//! not) and `expected.json` (the findings expected on `positive/`: `[{"file": "users.csv", "line": 3}]`,
//! `line` null for whole-file findings; a subject listed twice is expected twice). Adding a rule needs
//! no new test code.
//!
//! Rule options: an optional `options.toml` beside `expected.json` sets the options the fixture runs
//! with; its only key so far is `idfix = "multi-tenant" | "dedicated"` (IdFix parity mode, which the
//! `idfix` family's rules need). A rule folder may also hold variants: any sub-folder (other than
//! `positive/` and `negative/`) with its own `positive/`, `negative/`, `expected.json` and
//! `options.toml`, e.g. `rules/idfix/IF008-idfix-blank/dedicated/` for the Dedicated rule set.

use crate::util::crate_root;
use std::path::{Path, PathBuf};
use tenantlint::app::analyse;
use tenantlint::ingest::Options;
use tenantlint::rules::{IdfixMode, RuleOptions};

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FixtureOptions {
    idfix: Option<String>,
    as_of: Option<String>,
    now: Option<String>,
}

/// The rule options of a fixture case folder: `options.toml` (or `fixture.toml`) may set
/// `idfix = "multi-tenant" | "dedicated"` and `as_of = "YYYY-MM-DD"` (for time-dependent rules; default
/// 2026-11-23, so fixtures never depend on the day the tests run), or `now = "YYYY-MM-DD"`: the run's date
/// without `--as-of`, so that staleness is judged at the data dates (IN012).
fn rule_options(case: &Path) -> RuleOptions {
    let mut o = FixtureOptions::default();
    for name in ["options.toml", "fixture.toml"] {
        let path = case.join(name);
        if let Ok(text) = std::fs::read_to_string(&path) {
            let f: FixtureOptions = toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            o.idfix = o.idfix.or(f.idfix);
            o.as_of = o.as_of.or(f.as_of);
            o.now = o.now.or(f.now);
        }
    }
    RuleOptions {
        idfix: o.idfix.map(|m| m.parse::<IdfixMode>().unwrap_or_else(|e| panic!("{}: {e}", case.display()))),
        as_of: match &o.now {
            Some(_) => None,
            None => Some(tenantlint::cli::parse_date(o.as_of.as_deref().unwrap_or("2026-11-23")).expect("as_of date")),
        },
        now: o.now.as_deref().map(|d| tenantlint::cli::parse_date(d).expect("now date")),
        ..Default::default()
    }
}

/// The rule folder itself and its variant sub-folders.
fn cases(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![dir.to_path_buf()];
    let mut variants: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir() && !p.ends_with("positive") && !p.ends_with("negative"))
        .collect();
    variants.sort();
    out.extend(variants);
    out
}

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

fn results(dir: &Path, code: &str, opts: &RuleOptions) -> Vec<Expected> {
    let a = analyse(&[dir.to_path_buf()], &Options::default(), opts).expect("fixture folder readable");
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
    assert!(dirs.iter().any(|d| d.ends_with("IF007-idfix-duplicate")), "the idfix family has fixtures");
    let mut problems = Vec::new();
    for dir in &dirs {
        let code = code_of(dir);
        for case in cases(dir) {
            let (pos, neg, exp) = (case.join("positive"), case.join("negative"), case.join("expected.json"));
            if !(pos.is_dir() && neg.is_dir() && exp.is_file()) {
                problems.push(format!("{}: needs positive/, negative/ and expected.json", case.display()));
                continue;
            }
            let opts = rule_options(&case);
            let label = case
                .strip_prefix(dir)
                .ok()
                .filter(|p| !p.as_os_str().is_empty())
                .map(|p| format!(" ({})", p.display()));
            let label = format!("{code}{}", label.unwrap_or_default());
            let mut expected: Vec<Expected> = serde_json::from_str(&std::fs::read_to_string(&exp).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", exp.display()));
            expected.sort();
            assert!(!expected.is_empty(), "{}: expected.json lists nothing", exp.display());
            let got = results(&pos, &code, &opts);
            if got != expected {
                problems.push(format!("{label} positive: expected {expected:?}, got {got:?}"));
            }
            let got = results(&neg, &code, &opts);
            if !got.is_empty() {
                problems.push(format!("{label} negative: must not fire, got {got:?}"));
            }
        }
    }
    assert!(problems.is_empty(), "rule fixture problems:\n{}", problems.join("\n"));
}
