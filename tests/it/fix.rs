//! Remediation files (`--format ldif-fix,ps1-fix`) on a small estate: byte-for-byte snapshots, the
//! LDIF change file read back and applied to the exported objects, the undo file restoring them, and
//! a rescan of the fixed objects. `--rules DIR`: another catalog, validated.

use crate::util::*;
use std::path::{Path, PathBuf};
use tenantlint::ingest::ldif;
use tenantlint::report::ldif_fix::MemDirectory;

fn fixture(rel: &str) -> PathBuf {
    crate_root().join("tests/fixtures/fix").join(rel)
}

/// Scans `paths` with the fix formats into a temp folder.
fn scan_fix(paths: &[&Path], extra: &[&str]) -> (tempfile::TempDir, Run) {
    let out = tempfile::tempdir().unwrap();
    let mut args: Vec<String> = vec!["scan".into()];
    args.extend(paths.iter().map(|p| p.display().to_string()));
    args.extend(["--format", "json,ldif-fix,ps1-fix", "--out"].map(String::from));
    args.push(out.path().display().to_string());
    args.extend(extra.iter().map(|s| s.to_string()));
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = tenantlint(&argv);
    (out, r)
}

fn read(dir: &Path, name: &str) -> String {
    String::from_utf8(std::fs::read(dir.join(name)).unwrap()).unwrap()
}

/// Compares with `tests/fixtures/fix/expected/<name>`; `UPDATE_SNAPSHOTS=1` rewrites the snapshot.
#[track_caller]
fn assert_snapshot(name: &str, actual: &[u8]) {
    let path = fixture("expected").join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
    }
    let expected = std::fs::read(&path).unwrap_or_default();
    assert!(
        expected == actual,
        "{name} differs from {} (UPDATE_SNAPSHOTS=1 to accept):\n--- actual\n{}",
        path.display(),
        String::from_utf8_lossy(actual)
    );
}

#[test]
fn fix_files_match_snapshots() {
    let (out, r) = scan_fix(&[&fixture("estate")], &[]);
    assert_code(&r, 0);
    for name in ["fix.ldf", "undo.ldf", "fix.ps1", "undo.ps1"] {
        assert_snapshot(name, &std::fs::read(out.path().join(name)).unwrap());
    }
}

#[test]
fn ldif_fix_applies_every_proposal_and_undo_restores_the_export() {
    let (out, r) = scan_fix(&[&fixture("estate")], &[]);
    assert_code(&r, 0);
    let export = ldif::entries(&std::fs::read_to_string(fixture("estate/contoso.ldf")).unwrap()).unwrap();
    let before = MemDirectory::from_entries(&export);
    for name in ["fix.ldf", "undo.ldf"] {
        let text = read(out.path(), name);
        assert!(text.lines().all(|l| l.len() <= 76 || l.starts_with('#')), "{name}: a line is not folded");
        assert!(text.lines().all(|l| !l.ends_with(' ')), "{name}: a line ends in a space (editors trim it)");
    }
    let fix = ldif::changes(&read(out.path(), "fix.ldf")).expect("fix.ldf reads back");
    let undo = ldif::changes(&read(out.path(), "undo.ldf")).expect("undo.ldf reads back");
    assert!(fix.len() >= 4, "{fix:?}");
    assert_eq!(fix.iter().map(|c| &c.dn).collect::<Vec<_>>(), undo.iter().rev().map(|c| &c.dn).collect::<Vec<_>>());

    // Every change record applies to the exported objects, and each change is in the result.
    let mut dir = before.clone();
    dir.apply(&fix).unwrap_or_else(|e| panic!("fix.ldf does not apply: {e}"));
    for c in &fix {
        let o = &dir.objects[&c.dn.to_lowercase()];
        for m in &c.mods {
            let have = o.get(&m.attr.to_lowercase()).cloned().unwrap_or_default();
            let vals: Vec<String> =
                m.values.iter().map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()).collect();
            match m.op {
                ldif::ModOp::Replace => assert_eq!(have, vals, "{} {}", c.dn, m.attr),
                ldif::ModOp::Add => assert!(vals.iter().all(|v| have.contains(v)), "{} {}", c.dn, m.attr),
                ldif::ModOp::Delete if vals.is_empty() => assert!(have.is_empty(), "{} {}", c.dn, m.attr),
                ldif::ModOp::Delete => {
                    let added: Vec<String> = c
                        .mods
                        .iter()
                        .filter(|n| n.op == ldif::ModOp::Add && n.attr == m.attr)
                        .flat_map(|n| n.values.iter().map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()))
                        .collect();
                    for v in vals.iter().filter(|v| !added.contains(v)) {
                        assert!(!have.contains(v), "{} {} still holds {v}", c.dn, m.attr)
                    }
                }
            }
        }
    }
    let fixed = dir.clone();
    dir.apply(&undo).unwrap_or_else(|e| panic!("undo.ldf does not apply after fix.ldf: {e}"));
    assert_eq!(dir.canonical(), before.canonical(), "undo.ldf does not restore the exported values");

    // The fixed objects, exported again and rescanned: the findings whose proposals were applied are gone.
    let again = tempfile::tempdir().unwrap();
    let mut text = String::new();
    ldif::write_version(&mut text);
    for e in &export {
        let o = &fixed.objects[&e.dn.to_lowercase()];
        let mut attrs: Vec<(&str, Vec<ldif::LdifValue>)> = Vec::new();
        let mut names: Vec<&str> = Vec::new();
        for (a, v) in &e.attrs {
            if !names.iter().any(|n| n.eq_ignore_ascii_case(a)) {
                names.push(a);
            }
            if let ldif::LdifValue::Binary(_) = v {
                attrs.push((a, vec![v.clone()]));
            }
        }
        for n in names {
            for v in o.get(&n.to_lowercase()).into_iter().flatten() {
                attrs.push((n, vec![ldif::LdifValue::Text(v.clone())]));
            }
        }
        ldif::write_entry(&mut text, &e.dn, &attrs);
    }
    std::fs::write(again.path().join("contoso.ldf"), text).unwrap();
    let before_report = read_report(out.path());
    let (out2, r2) = scan_fix(&[again.path()], &[]);
    assert_code(&r2, 0);
    let after_report = read_report(out2.path());
    let applied = |report: &serde_json::Value| -> Vec<String> {
        let mut v: Vec<String> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| {
                ["CH002", "CH003", "CH007", "CH009", "CH010", "CH013", "CH014", "CH017"]
                    .contains(&f["rule"].as_str().unwrap())
            })
            .map(|f| format!("{} {}", f["rule"], f["title"]))
            .collect();
        v.sort();
        v
    };
    assert!(!applied(&before_report).is_empty());
    let left = applied(&after_report);
    // Only what the plan deliberately left to a person may remain (listed as "not applied" in fix.ldf).
    let fix_text = read(out.path(), "fix.ldf");
    for f in &left {
        assert!(f.contains("CH009") || f.contains("CH014"), "still reported after the fix: {f}\nfix.ldf:\n{fix_text}");
    }
    assert!(left.len() < applied(&before_report).len());
    // And a second plan has nothing left to change for those rules.
    let fix2 = ldif::changes(&read(out2.path(), "fix.ldf")).unwrap();
    assert!(fix2.len() < fix.len(), "{fix2:?}");
}

#[test]
fn fix_formats_in_idfix_mode_use_idfix_rows() {
    let (out, r) =
        scan_fix(&[&crate_root().join("tests/fixtures/idfix/contoso-idfix.ldf")], &["--idfix", "multi-tenant"]);
    assert_code(&r, 0);
    let text = read(out.path(), "fix.ldf");
    let fix = ldif::changes(&text).expect("fix.ldf reads back");
    assert!(!fix.is_empty());
    assert!(text.contains("IF0"), "changes name the IdFix rules:\n{text}");
    // IdFix's EDIT without a new value, and the removal of a primary address, are left to a person.
    assert!(text.contains("IF007 proposes no value") || text.contains("no value proposed"), "{text}");
    assert!(text.contains("would leave 0 primary SMTP: addresses"), "{text}");
    let export =
        ldif::entries(&std::fs::read_to_string(crate_root().join("tests/fixtures/idfix/contoso-idfix.ldf")).unwrap())
            .unwrap();
    let before = MemDirectory::from_entries(&export);
    let mut dir = before.clone();
    dir.apply(&fix).unwrap_or_else(|e| panic!("{e}\n{text}"));
    dir.apply(&ldif::changes(&read(out.path(), "undo.ldf")).unwrap()).unwrap();
    assert_eq!(dir.canonical(), before.canonical());
    let ps1 = read(out.path(), "fix.ps1");
    assert!(ps1.contains("param(") && ps1.contains("[switch]$Apply"));
}

/// OpenLDAP's own parser, when installed: `ldapmodify -n` (no server contacted) reads both files
/// and reports the same records and operations as our reader.
#[test]
fn ldapmodify_parses_the_change_files_when_installed() {
    if std::process::Command::new("ldapmodify").arg("-VV").output().is_err() {
        eprintln!("skipping: ldapmodify not installed");
        return;
    }
    let (out, r) = scan_fix(&[&fixture("estate")], &[]);
    assert_code(&r, 0);
    for name in ["fix.ldf", "undo.ldf"] {
        let path = out.path().join(name);
        let o = std::process::Command::new("ldapmodify")
            .args(["-n", "-v", "-x", "-H", "ldap://127.0.0.1:1", "-f"])
            .arg(&path)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&o.stdout);
        assert!(o.status.success(), "ldapmodify -n rejected {name}:\n{stdout}\n{}", String::from_utf8_lossy(&o.stderr));
        let ours = ldif::changes(&read(out.path(), name)).unwrap();
        let theirs: Vec<&str> =
            stdout.lines().filter_map(|l| l.strip_prefix("!modifying entry \"")?.strip_suffix('"')).collect();
        assert_eq!(theirs, ours.iter().map(|c| c.dn.as_str()).collect::<Vec<_>>(), "{name}");
        let ops: Vec<String> = stdout
            .lines()
            .filter(|l| l.starts_with("add ") || l.starts_with("delete ") || l.starts_with("replace "))
            .map(|l| l.trim_end_matches(':').to_string())
            .collect();
        let mine: Vec<String> =
            ours.iter().flat_map(|c| c.mods.iter().map(|m| format!("{} {}", m.op.as_str(), m.attr))).collect();
        assert_eq!(ops, mine, "{name}");
    }
}
