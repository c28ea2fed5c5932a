//! Test helpers: run the built binary, temp folders, the report schema.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Output of a tenantlint run.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs tenantlint with `args` in `cwd`, with a fixed SOURCE_DATE_EPOCH.
pub fn tenantlint_in(cwd: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_tenantlint"))
        .args(args)
        .current_dir(cwd)
        .env("SOURCE_DATE_EPOCH", "1790000000")
        .output()
        .expect("run tenantlint");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs tenantlint from the crate root.
pub fn tenantlint(args: &[&str]) -> Run {
    tenantlint_in(&crate_root(), args)
}

/// The crate root.
pub fn crate_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared/realdata/<name>` if present; prints a skip message and returns None otherwise.
pub fn realdata(name: &str) -> Option<PathBuf> {
    let p = crate_root().join("../shared/realdata").join(name);
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("skipping: {} not present (real-data samples live outside the repository)", p.display());
        None
    }
}

/// Whether a test that needs a service `.ci/run` provides (Samba AD DC, Chromium, groff) must run: under
/// `CI=true` on Linux, where `.ci/run` installs them. Elsewhere (a developer's machine, the macOS and Windows
/// CI jobs, which run only `cargo test`) such a test skips with a message instead.
pub fn required_here() -> bool {
    required_on(std::env::consts::OS, std::env::var("CI").ok().as_deref())
}

/// [`required_here`] for a given OS (`std::env::consts::OS`) and value of `CI`.
pub fn required_on(os: &str, ci: Option<&str>) -> bool {
    os == "linux" && ci == Some("true")
}

/// Asserts the exit code, printing the run's output on failure.
#[track_caller]
pub fn assert_code(run: &Run, code: i32) {
    assert_eq!(run.code, code, "unexpected exit code\n--- stdout\n{}\n--- stderr\n{}", run.stdout, run.stderr);
}

/// Reads and parses `<dir>/report.json`.
pub fn read_report(dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("report.json")).expect("report.json written");
    serde_json::from_str(&text).expect("report.json is JSON")
}

/// Validates a report against schemas/report.schema.json.
#[track_caller]
pub fn assert_schema_valid(report: &serde_json::Value) {
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(crate_root().join("schemas/report.schema.json")).unwrap())
            .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> =
        validator.iter_errors(report).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "report does not match the schema:\n{}", errors.join("\n"));
}

/// Findings of a report with the given rule code.
pub fn findings_with_rule<'a>(report: &'a serde_json::Value, rule: &str) -> Vec<&'a serde_json::Value> {
    report["findings"].as_array().unwrap().iter().filter(|f| f["rule"] == rule).collect()
}

/// The `inputs[]` entry whose path ends with `suffix`.
#[track_caller]
pub fn input<'a>(report: &'a serde_json::Value, suffix: &str) -> &'a serde_json::Value {
    report["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["path"].as_str().unwrap().ends_with(suffix))
        .unwrap_or_else(|| panic!("no input ending with {suffix}"))
}

/// Copies a folder tree (tests edit copies, never the repository).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}
