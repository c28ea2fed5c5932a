//! The CI gate: exit codes, policy file, exceptions with expiry, baselines, diffs.

use crate::util::*;
use std::path::Path;

/// Copies the contoso-merger sample into `dest` (so tests can edit it).
fn copy_sample(dest: &Path) {
    copy_dir(&crate_root().join("samples/contoso-merger"), dest);
}

fn scan(cwd: &Path, args: &[&str]) -> (Run, serde_json::Value) {
    let out = tempfile::tempdir().unwrap();
    let mut a = vec!["scan"];
    a.extend_from_slice(args);
    a.extend_from_slice(&["--out", out.path().to_str().unwrap()]);
    let r = tenantlint_in(cwd, &a);
    let report = std::fs::read_to_string(out.path().join("report.json"))
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap_or(serde_json::Value::Null);
    (r, report)
}

fn last_line(s: &str) -> &str {
    s.lines().rev().find(|l| !l.starts_with("  ")).unwrap_or("")
}

#[test]
fn exit_codes_follow_the_threshold() {
    let root = crate_root();
    // No threshold: report only.
    let (r, report) = scan(&root, &["samples/contoso-merger"]);
    assert_code(&r, 0);
    // Report only (a person at a terminal): the verdict, then the HTML report to open last (written by
    // default beside report.json).
    assert!(r.stderr.lines().any(|l| l.starts_with("gate: no threshold")), "{}", r.stderr);
    assert!(last_line(&r.stderr).starts_with("open ") && last_line(&r.stderr).contains("report.html"), "{}", r.stderr);
    assert_eq!(report["gate"]["fail_on"], serde_json::Value::Null);
    // The sample has findings at or above medium: --fail-on medium fails, naming them, and the verdict is last.
    let (r, report) = scan(&root, &["samples/contoso-merger", "--fail-on", "medium"]);
    assert_code(&r, 1);
    let findings = report["findings"].as_array().unwrap();
    // Only top-level findings count: consequences folded under a cause (caused_by) do not.
    let at_or_above: Vec<&serde_json::Value> = findings
        .iter()
        .filter(|f| f["caused_by"].is_null())
        .filter(|f| ["critical", "high", "medium"].contains(&f["severity"].as_str().unwrap()))
        .collect();
    assert_eq!(report["gate"]["failing"], at_or_above.len());
    let folded = findings.iter().filter(|f| !f["caused_by"].is_null()).count();
    assert!(folded > 0, "the sample folds consequences under their causes");
    assert_eq!(report["summary"]["folded"], folded);
    let verdict: Vec<&str> = r.stderr.lines().skip_while(|l| !l.starts_with("gate: FAILED")).collect();
    assert!(verdict[0].contains(&format!("{} finding(s) at or above medium", at_or_above.len())), "{}", r.stderr);
    // The first failing findings are named (most severe first), then a count of the rest.
    assert!(verdict[1].contains(at_or_above[0]["rule"].as_str().unwrap()), "{}", r.stderr);
    if at_or_above.len() > 10 {
        assert!(verdict.last().unwrap().contains(&format!("and {} more", at_or_above.len() - 10)), "{}", r.stderr);
    }
    assert_eq!(report["gate"]["passed"], false);
    // At the critical threshold the run fails exactly when a critical finding exists.
    let critical = findings.iter().filter(|f| f["severity"] == "critical").count();
    assert_code(&scan(&root, &["samples/contoso-merger", "--fail-on", "critical"]).0, if critical > 0 { 1 } else { 0 });
    assert_schema_valid(&report);
    // `none` turns the gate off; an unknown severity is a usage error.
    assert_code(&scan(&root, &["samples/contoso-merger", "--fail-on", "none"]).0, 0);
    assert_code(&scan(&root, &["samples/contoso-merger", "--fail-on", "severe"]).0, 2);
}

#[test]
fn sample_policy_applies_its_exception_and_overrides() {
    let root = crate_root();
    let (r, report) = scan(
        &root,
        &["samples/contoso-merger", "--policy", "samples/contoso-merger/ci/tenantlint.toml", "--fail-on", "medium"],
    );
    // IN001 on extra-admins.csv is excepted; IN006 is lowered to info; IN005 (medium) still fails.
    assert_code(&r, 1);
    let in001 = findings_with_rule(&report, "IN001");
    assert_eq!(in001.len(), 2);
    for f in &in001 {
        assert_eq!(f["suppressed"]["by"], "exception");
        assert_eq!(f["suppressed"]["owner"], "identity-team@contoso.com");
    }
    assert_eq!(findings_with_rule(&report, "IN006")[0]["severity"], "info");
    assert_eq!(report["gate"]["excepted"], 2);
    assert!(report["gate"]["stale_exceptions"].as_array().unwrap().is_empty());
    assert_eq!(report["gate"]["policy"], "samples/contoso-merger/ci/tenantlint.toml");
}

#[test]
fn expired_and_stale_exceptions_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    copy_sample(&dir.path().join("contoso-merger"));
    std::fs::write(
        dir.path().join("contoso-merger/tenantlint.toml"),
        "fail_on = \"medium\"\n\n[[exception]]\nrule = \"IN005\"\nsubject = \"contoso-merger/tenants/fabrikam/groups.json\"\nreason = \"second page requested\"\nowner = \"ops@contoso.com\"\nexpires = 2026-01-31\n\n[[exception]]\nrule = \"IN002\"\nsubject = \"contoso-merger/ad/nothing.ldf\"\nreason = \"old\"\nowner = \"ops@contoso.com\"\nexpires = 2030-01-01\n",
    )
    .unwrap();
    // The policy in the scanned folder is found without --policy.
    let (r, report) = scan(dir.path(), &["contoso-merger", "--as-of", "2026-11-23"]);
    assert_code(&r, 1);
    assert!(
        r.stderr.contains("exception for IN005 on contoso-merger/tenants/fabrikam/groups.json expired on 2026-01-31"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("exception for IN002 on contoso-merger/ad/nothing.ldf matches no finding"),
        "{}",
        r.stderr
    );
    assert_eq!(report["gate"]["expired_exceptions"][0]["policy_line"], 3);
    assert_eq!(report["gate"]["stale_exceptions"][0]["rule"], "IN002");
    assert_eq!(findings_with_rule(&report, "IN005")[0]["suppressed"], serde_json::Value::Null);
    // Before its expiry date the same exception applies.
    let (_, report) = scan(dir.path(), &["contoso-merger", "--as-of", "2026-01-31"]);
    assert_eq!(findings_with_rule(&report, "IN005")[0]["suppressed"]["by"], "exception");
}

#[test]
fn invalid_policies_exit_2_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    copy_sample(&dir.path().join("contoso-merger"));
    let policy = dir.path().join("p.toml");
    std::fs::write(
        &policy,
        "fail_on = \"high\"\n[[exception]]\nrule = \"IN001\"\nsubject = \"x\"\nowner = \"me\"\nexpires = 2027-01-01\n",
    )
    .unwrap();
    let (r, report) = scan(dir.path(), &["contoso-merger", "--policy", "p.toml"]);
    assert_code(&r, 2);
    assert!(r.stderr.contains("p.toml:2: exception for IN001 needs a reason"), "{}", r.stderr);
    assert_eq!(report, serde_json::Value::Null, "no report when the policy is invalid");
    std::fs::write(&policy, "[rules.IN999]\nenabled = false\n").unwrap();
    let (r, _) = scan(dir.path(), &["contoso-merger", "--policy", "p.toml"]);
    assert_code(&r, 2);
    assert!(r.stderr.contains("p.toml:1: [rules.IN999]: unknown rule"), "{}", r.stderr);
}

/// Rewrites the exports without changing their content: reversed record order, other JSON formatting,
/// an extra comment line in LDIF.
fn reformat_exports(root: &Path) {
    let users = root.join("ad/contoso/users.csv");
    let text = std::fs::read_to_string(&users).unwrap();
    let mut lines: Vec<&str> = text.split_inclusive('\n').collect();
    let rows = lines.split_off(2); // #TYPE line and header stay first
    lines.extend(rows.into_iter().rev());
    std::fs::write(&users, lines.concat()).unwrap();

    for json in ["tenants/contoso/users.json", "tenants/contoso/groups.json", "tenants/fabrikam/organization.json"] {
        let p = root.join(json);
        let mut v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        if let Some(a) = v.get_mut("value").and_then(|a| a.as_array_mut()) {
            a.reverse();
        }
        std::fs::write(&p, serde_json::to_string(&v).unwrap()).unwrap();
    }

    let ldf = root.join("ad/fabrikam/fabrikam.ldf");
    let text = std::fs::read_to_string(&ldf).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let mut entries: Vec<&str> = body.split("\r\n\r\n").filter(|e| !e.trim().is_empty()).collect();
    entries.reverse();
    std::fs::write(&ldf, format!("# re-exported\r\n{head}\r\n\r\n{}\r\n", entries.join("\r\n\r\n"))).unwrap();
}

#[test]
fn baseline_survives_reordered_and_reformatted_exports_and_catches_new_findings() {
    let dir = tempfile::tempdir().unwrap();
    let estate = dir.path().join("contoso-merger");
    copy_sample(&estate);
    let out = dir.path().join("first");
    let r = tenantlint_in(dir.path(), &["scan", "contoso-merger", "--out", out.to_str().unwrap(), "-q"]);
    assert_code(&r, 0);
    let b = tenantlint_in(dir.path(), &["baseline", "write", out.join("report.json").to_str().unwrap()]);
    assert_code(&b, 0);
    std::fs::write(dir.path().join("tenantlint.baseline.json"), &b.stdout).unwrap();
    let first: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    let total = first["findings"].as_array().unwrap().len();
    assert!(total > 0);

    // Same estate, exported again in another order and format, scanned from another working folder.
    reformat_exports(&estate);
    let (r, report) = scan(&estate, &[".", "--baseline", "../tenantlint.baseline.json", "--fail-on", "info"]);
    assert_code(&r, 0);
    assert_eq!(report["gate"]["baselined"], total, "every finding is recognised from the baseline");
    assert!(report["gate"]["fixed_since_baseline"].as_array().unwrap().is_empty());

    // A new problem fails the gate, and only it.
    std::fs::write(estate.join("ad/empty.csv"), b"\xEF\xBB\xBF").unwrap();
    let (r, report) =
        scan(dir.path(), &["contoso-merger", "--baseline", "tenantlint.baseline.json", "--fail-on", "info"]);
    assert_code(&r, 1);
    assert_eq!(report["gate"]["failing"], 1);
    assert!(r.stderr.contains("IN009"), "{}", r.stderr);

    // Removing the lossy export fixes its findings: listed as fixed.
    std::fs::remove_file(estate.join("ad/contoso/extra-admins.csv")).unwrap();
    let (_, report) = scan(dir.path(), &["contoso-merger", "--baseline", "tenantlint.baseline.json"]);
    let mut fixed: Vec<&str> = report["gate"]["fixed_since_baseline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["rule"].as_str().unwrap())
        .collect();
    fixed.sort();
    assert_eq!(fixed, vec!["IN001", "IN001", "IN006"]);
}

#[test]
fn diff_reports_new_fixed_and_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let estate = dir.path().join("contoso-merger");
    copy_sample(&estate);
    let run = |name: &str| {
        let out = dir.path().join(name);
        assert_code(&tenantlint_in(dir.path(), &["scan", "contoso-merger", "--out", out.to_str().unwrap(), "-q"]), 0);
        out.join("report.json")
    };
    let old = run("old");
    std::fs::remove_file(estate.join("ad/contoso/extra-admins.csv")).unwrap();
    std::fs::write(estate.join("ad/empty.csv"), b"\xEF\xBB\xBF").unwrap();
    let new = run("new");
    let r = tenantlint(&["diff", old.to_str().unwrap(), new.to_str().unwrap()]);
    assert_code(&r, 0);
    let first = r.stdout.lines().next().unwrap();
    assert!(first.starts_with("1 new, 3 fixed, "), "{}", r.stdout);
    assert!(r.stdout.lines().any(|l| l.starts_with("new    IN009")), "{}", r.stdout);
    let r = tenantlint(&["diff", old.to_str().unwrap(), new.to_str().unwrap(), "--json"]);
    let d: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(d["new"].as_array().unwrap().len(), 1);
    assert_eq!(d["fixed"].as_array().unwrap().len(), 3);
    assert!(!d["unchanged"].as_array().unwrap().is_empty());
    assert_code(&tenantlint(&["diff", old.to_str().unwrap(), "missing.json"]), 2);

    // Folded findings: fixing Harriet Nwosu's anchor (GUID text → Base64 of its bytes) fixes the cause and
    // the two consequences folded under it; the summary counts the cause, the lines name the folding.
    let users = estate.join("tenants/contoso/users.json");
    let text = std::fs::read_to_string(&users).unwrap();
    assert!(text.contains("\"c2919ea7-a90b-4726-beb8-ae78c5e61264\""));
    std::fs::write(&users, text.replace("\"c2919ea7-a90b-4726-beb8-ae78c5e61264\"", "\"p56RwgupJke+uK54xeYSZA==\""))
        .unwrap();
    let fixed = run("fixed");
    let r = tenantlint(&["diff", new.to_str().unwrap(), fixed.to_str().unwrap()]);
    assert_code(&r, 0);
    assert!(r.stdout.starts_with("0 new, 1 fixed, "), "{}", r.stdout);
    assert!(r.stdout.lines().next().unwrap().contains("0 new, 2 fixed and"), "{}", r.stdout);
    let folded: Vec<&str> = r.stdout.lines().filter(|l| l.contains("(folded under ")).collect();
    assert_eq!(folded.len(), 2, "{}", r.stdout);
    assert!(folded.iter().any(|l| l.contains("DU002")) && folded.iter().any(|l| l.contains("SY003")));
}

/// `[rules.CODE.params]` in the policy file: every rule honours the override (here CH004's
/// max_username), and a badly typed value stops the run with the file, the key and the expected type.
#[test]
fn policy_parameter_overrides_change_results_and_bad_types_exit_2() {
    let estate = crate_root().join("tests/fixtures/fix/estate");
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("p.toml");
    let run = |text: &str| {
        std::fs::write(&policy, text).unwrap();
        let out = tempfile::tempdir().unwrap();
        let r = tenantlint(&[
            "scan",
            estate.to_str().unwrap(),
            "--policy",
            policy.to_str().unwrap(),
            "--out",
            out.path().to_str().unwrap(),
        ]);
        let report = std::fs::read_to_string(out.path().join("report.json"))
            .map(|t| serde_json::from_str(&t).unwrap())
            .unwrap_or(serde_json::Value::Null);
        (r, report)
    };
    let (r, report) = run("fail_on = \"none\"\n");
    assert_code(&r, 0);
    assert_eq!(findings_with_rule(&report, "CH004").len(), 0);
    let (r, report) = run("fail_on = \"none\"\n[rules.upn-too-long.params]\nmax_username = 8\n");
    assert_code(&r, 0);
    assert!(findings_with_rule(&report, "CH004").len() >= 3, "the override is honoured");

    let (r, report) = run("fail_on = \"none\"\n\n[rules.CH004.params]\nmax_username = \"8\"\n");
    assert_code(&r, 2);
    let want = format!(
        "{}:3: [rules.CH004.params]: max_username is a string, expected a non-negative integer",
        policy.display()
    );
    assert!(r.stderr.contains(&want), "{want:?} not in\n{}", r.stderr);
    assert_eq!(report, serde_json::Value::Null, "no report when the policy is invalid");
}
