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
        // The service and privileged accounts keep their names (issue 25): listed in the header instead.
        let account = ["sql report@contoso.com", "adm mchen@contoso.com"].iter().any(|a| f.contains(a));
        assert!(
            f.contains("CH009") || f.contains("CH014") || account,
            "still reported after the fix: {f}\nfix.ldf:\n{fix_text}"
        );
    }
    assert!(left.len() < applied(&before_report).len());
    // And a second plan has nothing left to change for those rules.
    let fix2 = ldif::changes(&read(out2.path(), "fix.ldf")).unwrap();
    assert!(fix2.len() < fix.len(), "{fix2:?}");
}

/// The header comments of a fix file (before the first record), unfolded into one line.
fn header_text(text: &str) -> String {
    let lines = text.lines().skip_while(|l| !l.starts_with('#')).take_while(|l| l.starts_with('#'));
    lines.map(|l| l.trim_start_matches('#').trim()).collect::<Vec<_>>().join(" ")
}

#[test]
fn fix_files_skip_service_accounts_and_business_decisions_with_reasons() {
    // Issue 25: SPNs and adminCount block sAMAccountName and UPN changes; address edits stay; a UPN suffix
    // move is applied only with the opt-in (flag or policy file), and the header says so.
    let (out, r) = scan_fix(&[&fixture("estate")], &[]);
    assert_code(&r, 0);
    let ldf = read(out.path(), "fix.ldf");
    let header = header_text(&ldf);
    let sql = "CN=SQL Reporting,OU=Service Accounts,DC=corp,DC=contoso,DC=com";
    for (what, needle) in [
        (
            "SPN rename",
            "sAMAccountName: not changed (CH011 proposed 'sqlreport01'): SQL Reporting is a service or privileged account (has 2 SPNs)",
        ),
        (
            "SPN UPN",
            "userPrincipalName: not changed (CH002 proposed 'sqlreport@contoso.com'): SQL Reporting is a service or privileged account (has 2 SPNs)",
        ),
        ("adminCount UPN", "(adminCount = 1: protected by AdminSDHolder, a privileged account)"),
        ("suffix move", "moving a user from @contoso.local to @contoso.com is a business decision"),
        (
            "mail = primary",
            "mail: CH009 proposed 'annlee@contoso.com', which is not the primary SMTP address; the primary 'ann.lee@contoso.com' is set instead",
        ),
    ] {
        assert!(header.contains(needle), "{what}: {needle}\n{header}");
    }
    assert!(!header.contains("Opt-in used"), "{header}");
    let fix = ldif::changes(&ldf).unwrap();
    let mods = |dn: &str| -> Vec<String> {
        fix.iter()
            .filter(|c| c.dn == dn)
            .flat_map(|c| c.mods.iter().map(|m| format!("{} {}", m.op.as_str(), m.attr)))
            .collect()
    };
    assert_eq!(mods(sql), ["delete proxyAddresses", "add proxyAddresses"], "the service account's address is fixed");
    assert!(mods("CN=Mia Chen (admin),OU=Admin Accounts,DC=corp,DC=contoso,DC=com").is_empty());
    let lena = "CN=Lena Vogel,OU=Staff,DC=corp,DC=contoso,DC=com";
    assert!(mods(lena).is_empty());
    let ps1 = read(out.path(), "fix.ps1");
    assert!(ps1.contains("has 2 SPNs") && ps1.contains("business decision"), "{ps1}");

    // Opting in: the flag, or the policy file.
    let with_flag = scan_fix(&[&fixture("estate")], &["--fix-policy", "move-upn-suffix"]);
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("estate"), dir.path());
    std::fs::write(dir.path().join("tenantlint.toml"), "[fix]\nmove_upn_suffix = true\n").unwrap();
    let with_policy = scan_fix(&[dir.path()], &[]);
    for (out, r) in [&with_flag, &with_policy] {
        assert_code(r, 0);
        let ldf = read(out.path(), "fix.ldf");
        let header = header_text(&ldf);
        assert!(header.contains("Opt-in used (--fix-policy or [fix] of the policy file): move-upn-suffix - UPNs moved to another suffix are applied (a business decision); 1 change(s) made because of it."), "{header}");
        assert!(!header.contains("business decision (sign-in name"), "{header}");
        let fix = ldif::changes(&ldf).unwrap();
        let lena_mods: Vec<_> = fix.iter().filter(|c| c.dn == lena).flat_map(|c| &c.mods).collect();
        assert_eq!(lena_mods.len(), 1, "{ldf}");
        assert_eq!(lena_mods[0].values[0].as_bytes(), b"lena.vogel@contoso.com");
        assert!(read(out.path(), "fix.ps1").contains("# Opt-in used"), "fix.ps1 says so too");
        // Service accounts stay protected whatever the opt-ins.
        assert!(header.contains("(has 2 SPNs)"));
    }
    // A bad value in the policy file or the flag stops the run.
    std::fs::write(dir.path().join("tenantlint.toml"), "[fix]\nrename_accounts = true\n").unwrap();
    let (_, r) = scan_fix(&[dir.path()], &[]);
    assert_code(&r, 2);
    assert!(r.stderr.contains("tenantlint.toml:2: [fix]: unknown setting \"rename_accounts\""), "{}", r.stderr);
    let (_, r) = scan_fix(&[&fixture("estate")], &["--fix-policy", "rename-everything"]);
    assert_code(&r, 2);
}

/// Issue 25, "proposals consistent with each other", checked on every object of the plans of the
/// sample estate and the messy merger: a proposed mail equals the primary SMTP address left by the
/// plan (where valid), and the holder a duplicates finding says keeps a value keeps it.
#[test]
fn plans_keep_mail_on_the_primary_address_and_duplicate_keepers_their_value() {
    use std::collections::{HashMap, HashSet};
    use tenantlint::report::fix::{self, Change};
    for estate in ["samples/contoso-merger", "tests/fixtures/messy-merger"] {
        let path = crate_root().join(estate);
        let rule_opts = tenantlint::rules::RuleOptions {
            as_of: Some(time::macros::datetime!(2026-12-01 0:00 UTC)),
            ..Default::default()
        };
        let a = tenantlint::app::analyse(&[path], &Default::default(), &rule_opts).unwrap();
        let e = &a.ingested.estate;
        let plan = fix::plan_of(e, &a.findings, &[], &fix::lossy_files(&a.ingested), &[fix::OptIn::MoveUpnSuffix]);
        assert!(plan.change_count() > 0, "{estate}: an empty plan checks nothing");
        let by_dn: HashMap<&str, &tenantlint::model::AdObject> =
            e.ad_objects.iter().filter_map(|o| Some((o.dn.as_deref()?, o))).collect();
        // DN → values a duplicates finding says it keeps.
        let mut kept: HashMap<&str, Vec<String>> = HashMap::new();
        let ids: HashMap<String, &str> = e
            .ad_objects
            .iter()
            .filter_map(|o| {
                let dn = o.dn.as_deref()?;
                Some(o.object_guid.map(|g| g.to_string()).into_iter().chain([dn.to_string()]).map(move |id| (id, dn)))
            })
            .flatten()
            .collect();
        let mut keepers = 0;
        for f in a.findings.iter().filter(|f| f.rule.starts_with("DU")) {
            if let (Some(w), Some(v)) =
                (f.evidence.map().get("winner").and_then(|w| w.as_str()), f.evidence.map()["value"].as_str())
                && let Some(dn) = ids.get(w)
            {
                kept.entry(dn).or_default().push(fix::address_key(v));
                keepers += 1;
            }
        }
        let mut mails = 0;
        let mut seen = HashSet::new();
        for op in &plan.objects {
            assert!(seen.insert(op.dn.to_lowercase()), "{estate}: {} twice in the plan", op.dn);
            let o = by_dn[op.dn.as_str()];
            let proxies = fix::proxies_after(o, op.changes.iter().find(|c| c.attr() == "proxyAddresses"));
            let primary = tenantlint::model::primary_smtp(&proxies).filter(|p| fix::valid_smtp(p));
            for c in &op.changes {
                match c {
                    Change::Single { attr: "mail", new: Some(m), .. } => {
                        mails += 1;
                        if let Some(p) = primary {
                            assert!(
                                m.eq_ignore_ascii_case(p),
                                "{estate}: {}: mail '{m}' but primary SMTP '{p}'",
                                op.dn
                            );
                        }
                    }
                    Change::Single { old: Some(old), new, attr, .. } => {
                        let k = fix::address_key(old);
                        let keeps = kept.get(op.dn.as_str()).is_some_and(|v| v.contains(&k));
                        assert!(
                            !keeps || new.as_deref().map(fix::address_key) == Some(k.clone()),
                            "{estate}: {} keeps '{k}' but {attr} changes to {new:?}",
                            op.dn
                        );
                    }
                    Change::Values { remove, add, .. } => {
                        for r in remove {
                            let k = fix::address_key(r);
                            let keeps = kept.get(op.dn.as_str()).is_some_and(|v| v.contains(&k));
                            assert!(
                                !keeps || add.iter().any(|a| fix::address_key(a) == k),
                                "{estate}: {} keeps '{k}' but the plan deletes {r}",
                                op.dn
                            );
                        }
                    }
                    _ => {}
                }
            }
        }
        eprintln!(
            "{estate}: {} changes, {mails} mail changes, {keepers} duplicate keepers checked",
            plan.change_count()
        );
    }
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
