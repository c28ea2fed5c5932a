//! The malformed-input corpus (`tests/malformed/<format>/`): every file there has a
//! `<file>.expected.toml` next to it declaring exactly what reading it must give — the error
//! (`path:line: reason`, exit 2) or the warnings recorded with `--keep-going`. One test walks the
//! folder and checks each file three ways: the reader's result (status, kind, records, every issue),
//! the scan's error line and exit code, and the `--keep-going` report. Inputs too big to commit (a
//! 10 MB line) are generated here.
//!
//! `TENANTLINT_BLESS=1 cargo test --test it malformed` rewrites the expected files from the current
//! behaviour (keeping their `note`); review the diff before committing.

use crate::util::{assert_code, crate_root, read_report, tenantlint};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use tenantlint::ingest::{self, Options, Status};
use tenantlint::source::FileId;

#[derive(Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct Expected {
    /// What the file is and why it is here.
    note: String,
    /// `read`, `failed`, `skipped` or `empty` (read, but nothing in it).
    status: String,
    /// Detected kind.
    kind: String,
    /// Records read.
    records: usize,
    /// For `failed`: the line of the error (0 = whole file) and its exact reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    line: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    /// Limits other than the defaults (`--max-line-length`, `--max-json-depth`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max_line_length: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max_json_depth: Option<usize>,
    /// Every issue the reader records (the report's `inputs[].warnings`), in order.
    #[serde(default, rename = "warning")]
    warnings: Vec<Warning>,
}

#[derive(Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct Warning {
    rule: String,
    line: u32,
    message: String,
}

fn options(e: &Expected) -> Options {
    let mut o = Options::default();
    if let Some(n) = e.max_line_length {
        o.max_line_length = n;
    }
    if let Some(n) = e.max_json_depth {
        o.max_json_depth = n;
    }
    o
}

fn limit_args(e: &Expected) -> Vec<String> {
    let mut a = Vec::new();
    if let Some(n) = e.max_line_length {
        a.extend(["--max-line-length".to_string(), n.to_string()]);
    }
    if let Some(n) = e.max_json_depth {
        a.extend(["--max-json-depth".to_string(), n.to_string()]);
    }
    a
}

/// What the reader actually gives, in the shape of an expected file.
fn actual(path: &Path, opts: &Options, note: &str) -> Expected {
    let (r, _) = ingest::read_one(FileId(0), path, opts);
    let (status, line, reason) = match &r.status {
        Status::Read if r.kind == "empty" => ("empty", None, None),
        Status::Read => ("read", None, None),
        Status::Skipped(why) => ("skipped", None, Some(why.clone())),
        Status::Failed(e) => ("failed", Some(e.line), Some(e.reason.clone())),
    };
    Expected {
        note: note.to_string(),
        status: status.into(),
        kind: r.kind.clone(),
        records: r.records,
        line,
        reason,
        max_line_length: None,
        max_json_depth: None,
        warnings: r
            .issues
            .iter()
            .map(|i| Warning { rule: i.code.to_string(), line: i.at.line, message: i.message.clone() })
            .collect(),
    }
}

fn corpus() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let root = crate_root().join("tests/malformed");
    for fmt in std::fs::read_dir(&root).unwrap() {
        let dir = fmt.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&dir).unwrap() {
            let p = f.unwrap().path();
            if p.is_file() && !p.to_string_lossy().ends_with(".expected.toml") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn expected_path(p: &Path) -> PathBuf {
    PathBuf::from(format!("{}.expected.toml", p.display()))
}

/// A good companion file, so that a `--keep-going` scan has records and writes its report.
const COMPANION: &str = "tests/fixtures/graph/users-select.json";

/// Checks one file against its expectation: reader, scan, scan --keep-going.
fn check(path: &Path, rel: &str, want: &Expected) {
    let got = actual(path, &options(want), &want.note);
    let got = Expected { max_line_length: want.max_line_length, max_json_depth: want.max_json_depth, ..got };
    assert_eq!(&got, want, "{rel}: the reader's result differs from {rel}.expected.toml");

    let out = tempfile::tempdir().unwrap();
    let out_s = out.path().to_str().unwrap();
    let limits = limit_args(want);
    let mut args = vec!["scan", "-q", rel, "--out", out_s];
    args.extend(limits.iter().map(String::as_str));
    let run = tenantlint(&args);
    assert!(!run.stderr.contains("panicked"), "{rel}: panic\n{}", run.stderr);
    if want.status == "failed" {
        assert_code(&run, 2);
        let line = want.line.unwrap();
        let at = if line == 0 { rel.to_string() } else { format!("{rel}:{line}") };
        let expect = format!("tenantlint: {at}: {}", want.reason.as_deref().unwrap());
        assert!(run.stderr.lines().any(|l| l == expect), "{rel}: stderr lacks\n{expect}\n--- stderr\n{}", run.stderr);
    } else if want.records == 0 {
        assert_code(&run, 2);
        assert!(run.stderr.contains("no records were read"), "{rel}: {}", run.stderr);
    } else {
        assert_code(&run, 0);
    }

    let out = tempfile::tempdir().unwrap();
    let out_s = out.path().to_str().unwrap();
    let mut args = vec!["scan", "-q", "--keep-going", rel, COMPANION, "--out", out_s];
    args.extend(limits.iter().map(String::as_str));
    let run = tenantlint(&args);
    // A failed input under --keep-going: the report is written but the run is incomplete (exit 2).
    assert_code(&run, if want.status == "failed" { 2 } else { 0 });
    let report = read_report(out.path());
    assert_eq!(report["complete"], want.status != "failed", "{rel}: complete flag");
    let input = report["inputs"].as_array().unwrap().iter().find(|i| i["path"] == rel).unwrap();
    let status = if want.status == "empty" { "read" } else { want.status.as_str() };
    assert_eq!(input["status"], status, "{rel}: status under --keep-going");
    if want.status == "failed" {
        let reason = want.reason.as_deref().unwrap();
        let line = want.line.unwrap();
        let reason = if line == 0 { reason.to_string() } else { format!("line {line}: {reason}") };
        assert_eq!(input["reason"], reason.as_str(), "{rel}");
        let in010 = report["findings"].as_array().unwrap().iter().any(|f| {
            f["rule"] == "IN010" && f["subjects"].as_array().unwrap().iter().any(|s| s["source"]["path"] == rel)
        });
        assert!(in010, "{rel}: no IN010 finding under --keep-going");
    }
    let recorded = input["warnings"].as_array().unwrap();
    for w in &want.warnings {
        let found = recorded.iter().any(|r| {
            r["rule"] == w.rule.as_str()
                && r["message"] == w.message.as_str()
                && (r["line"].as_u64().unwrap_or(0) == u64::from(w.line))
        });
        assert!(found, "{rel}: warning {w:?} not in the --keep-going report: {recorded:#?}");
    }
}

#[test]
fn malformed_corpus_gives_the_declared_errors_and_warnings() {
    let bless = std::env::var_os("TENANTLINT_BLESS").is_some();
    let files = corpus();
    assert!(files.len() >= 25, "the corpus is missing");
    let mut missing = Vec::new();
    for path in &files {
        let rel = path.strip_prefix(crate_root()).unwrap().to_string_lossy().replace('\\', "/");
        let exp_path = expected_path(path);
        let text = std::fs::read_to_string(&exp_path).unwrap_or_default();
        let want: Option<Expected> = toml::from_str(&text).ok();
        if bless {
            let (note, lim) = want
                .map(|w| (w.note.clone(), (w.max_line_length, w.max_json_depth)))
                .unwrap_or(("TODO".into(), (None, None)));
            let mut o = Options::default();
            o.max_line_length = lim.0.unwrap_or(o.max_line_length);
            o.max_json_depth = lim.1.unwrap_or(o.max_json_depth);
            let mut got = actual(path, &o, &note);
            (got.max_line_length, got.max_json_depth) = lim;
            std::fs::write(&exp_path, toml::to_string(&got).unwrap()).unwrap();
            continue;
        }
        match want {
            Some(w) => check(path, &rel, &w),
            None => missing.push(rel),
        }
    }
    assert!(missing.is_empty(), "files without a valid .expected.toml: {missing:?}");
}

/// A 10 MB single line (generated, not committed) is refused by name of the limit; a smaller
/// `--max-line-length` refuses it sooner, `0` lifts the limit.
#[test]
fn ten_megabyte_line_is_refused_naming_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("users.csv");
    let mut text = String::from("DistinguishedName,ObjectClass,ObjectGUID,SamAccountName,UserPrincipalName\r\n");
    text.push_str(
        "\"CN=Ann Lee,DC=contoso,DC=com\",user,d00f69ec-53e5-48a1-989e-10e2782280d8,ann.lee,ann.lee@contoso.com\r\n",
    );
    text.push_str("\"CN=Bo Chen,DC=contoso,DC=com\",user,40b6449b-51bd-47a7-ad56-17f95bc65968,bo.chen,\"");
    text.push_str(&"x".repeat(10 * 1024 * 1024));
    text.push_str("\"\r\n");
    std::fs::write(&f, &text).unwrap();
    let len = text.lines().nth(2).unwrap().len();
    let out = dir.path().join("out");
    let p = f.to_str().unwrap();
    let run = tenantlint(&["scan", "-q", p, "--out", out.to_str().unwrap()]);
    assert_code(&run, 2);
    let expect = format!(
        "tenantlint: {p}:3: line is {len} bytes long, over the limit of {} bytes (--max-line-length)",
        ingest::DEFAULT_MAX_LINE_LENGTH
    );
    assert!(run.stderr.lines().any(|l| l == expect), "stderr lacks\n{expect}\n---\n{}", run.stderr);
    // With the limit lifted the row is read (one line, one record).
    let run = tenantlint(&["scan", "-q", p, "--out", out.to_str().unwrap(), "--max-line-length", "0"]);
    assert_code(&run, 0);
    let report = read_report(&out);
    assert_eq!(report["inputs"][0]["records"], 2);
}

/// `--max-file-size` refuses a file before reading it; `--max-json-depth` is bounded by the parser.
#[test]
fn file_size_and_depth_limits_name_their_flags() {
    let f = "tests/fixtures/graph/users-select.json";
    let size = std::fs::metadata(crate_root().join(f)).unwrap().len();
    let out = tempfile::tempdir().unwrap();
    let run = tenantlint(&["scan", "-q", f, "--out", out.path().to_str().unwrap(), "--max-file-size", "100"]);
    assert_code(&run, 2);
    let expect = format!("tenantlint: {f}: file is {size} bytes, over the limit of 100 bytes (--max-file-size)");
    assert!(run.stderr.lines().any(|l| l == expect), "{}", run.stderr);
    let run = tenantlint(&["scan", "-q", f, "--out", out.path().to_str().unwrap(), "--max-json-depth", "2"]);
    assert_code(&run, 2);
    assert!(run.stderr.contains("JSON nested deeper than 2 levels, the limit (--max-json-depth)"), "{}", run.stderr);
    let run = tenantlint(&["scan", "-q", f, "--out", out.path().to_str().unwrap(), "--max-json-depth", "500"]);
    assert_code(&run, 2);
    assert!(run.stderr.contains("not a nesting depth between 1 and 127"), "{}", run.stderr);
}

/// The settings files have their own bound (16 MiB): a huge file given as `--policy` or found as
/// `estate.toml` is refused before it is read, naming the file and the limit; a binary one is
/// refused as not UTF-8. Neither runs the scan.
#[test]
fn oversized_or_binary_settings_files_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let big = tmp.path().join("huge.toml");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(tenantlint::ingest::MAX_SETTINGS_FILE_SIZE + 1).unwrap();
    let out = tmp.path().join("out");
    let o = out.to_str().unwrap();
    let sample = "tests/fixtures/graph/users-select.json";
    let run = tenantlint(&["scan", "-q", sample, "--out", o, "--policy", big.to_str().unwrap()]);
    assert_code(&run, 2);
    let want = format!(
        "huge.toml: cannot read policy: file is {} bytes, over the limit of {} bytes for a policy",
        tenantlint::ingest::MAX_SETTINGS_FILE_SIZE + 1,
        tenantlint::ingest::MAX_SETTINGS_FILE_SIZE
    );
    assert!(run.stderr.contains(&want), "{}", run.stderr);
    assert!(!out.join("report.json").exists(), "no report after a refused policy");

    let estate = tmp.path().join("estate");
    std::fs::create_dir(&estate).unwrap();
    std::fs::copy(crate_root().join(sample), estate.join("users.json")).unwrap();
    std::fs::write(estate.join("estate.toml"), b"[organisation]\nname = \"\xff\xfe\"\n").unwrap();
    let run = tenantlint(&["scan", "-q", estate.to_str().unwrap(), "--out", o]);
    assert_code(&run, 2);
    assert!(
        run.stderr.contains("estate.toml: cannot read manifest: not UTF-8 text (invalid byte at offset"),
        "{}",
        run.stderr
    );
    assert!(!out.join("report.json").exists(), "no report after a refused manifest");
}
