//! Live collection against a real Active Directory: a Samba AD DC on loopback, provisioned and seeded by
//! `tests/ldap/samba-ad.sh` (which `.ci/run` runs). Without it the tests skip with a message; with
//! `CI=true` on Linux they fail instead, so `.ci/run` can never pass without exercising them (macOS and
//! Windows CI, which have no Samba, skip).

use crate::util::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The DC's connection facts from `$TL_SAMBA_DIR/test.env` (written by `samba-ad.sh up`).
pub(crate) fn samba() -> Option<HashMap<String, String>> {
    let dir = std::env::var("TL_SAMBA_DIR").unwrap_or_else(|_| "/tmp/tenantlint-samba".into());
    let env = Path::new(&dir).join("test.env");
    match std::fs::read_to_string(&env) {
        Ok(text) => {
            Some(text.lines().filter_map(|l| l.split_once('=')).map(|(k, v)| (k.to_string(), v.to_string())).collect())
        }
        Err(_) if required_here() => {
            panic!(
                "CI=true on Linux but no Samba AD DC: {} is missing (run tests/ldap/samba-ad.sh up && seed)",
                env.display()
            )
        }
        Err(_) => {
            eprintln!("skipping: no Samba AD DC ({} missing; run tests/ldap/samba-ad.sh up && seed)", env.display());
            None
        }
    }
}

fn collect(env: &HashMap<String, String>, out: &Path, extra: &[&str]) -> Run {
    let mut args = vec![
        "collect",
        "ldap",
        "--base",
        &env["TL_LDAP_BASE"],
        "--bind-dn",
        &env["TL_LDAP_BIND"],
        "--password-file",
        &env["TL_LDAP_PASSWORD_FILE"],
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    tenantlint(&args)
}

/// The StartTLS collection most tests use (the DC's certificate is self-signed for dc1.corp.contoso.com).
pub(crate) fn collect_starttls(env: &HashMap<String, String>, out: &Path, extra: &[&str]) -> Run {
    let mut a = vec!["--url", &env["TL_LDAP_URL"], "--starttls", "--insecure-skip-verify"];
    a.extend_from_slice(extra);
    collect(env, out, &a)
}

/// objectGUID and mS-DS-ConsistencyGuid of a DN as `ldapsearch` (OpenLDAP, an independent client) prints them.
fn ldapsearch_binary(env: &HashMap<String, String>, dn: &str) -> HashMap<String, String> {
    let out = std::process::Command::new("ldapsearch")
        .args(["-LLL", "-o", "ldif-wrap=no", "-H", &env["TL_LDAP_URL"], "-x", "-D", &env["TL_LDAP_BIND"], "-y"])
        .arg(&env["TL_LDAP_PASSWORD_FILE"])
        .args(["-b", dn, "-s", "base", "(objectClass=*)", "objectGUID", "mS-DS-ConsistencyGuid"])
        .output()
        .expect("ldapsearch (ldap-utils) is installed with Samba");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once(":: "))
        .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
        .collect()
}

fn ldif_entries(path: &Path) -> Vec<tenantlint::ingest::ldif::LdifEntry> {
    tenantlint::ingest::ldif::entries(&std::fs::read_to_string(path).unwrap())
        .expect("the collected LDIF reads back strictly")
}

#[test]
fn collects_every_page_and_binary_values_read_back_identically() {
    let Some(env) = samba() else { return };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("corp.ldf");
    let r = collect_starttls(&env, &out, &["--page-size", "50"]);
    assert_code(&r, 0);
    assert!(r.stderr.contains("verification is OFF"), "skipping verification warns: {}", r.stderr);
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.starts_with("# tenantlint LDAP collection"));
    for h in [
        "# server: ldap://127.0.0.1",
        "# base: DC=corp,DC=contoso,DC=com",
        "# filter: ",
        "# collected: ",
        "# objects: ",
    ] {
        assert!(text.contains(h), "header has {h}");
    }
    let entries = ldif_entries(&out);
    let n: usize = text.lines().find_map(|l| l.strip_prefix("# objects: ")).unwrap().parse().unwrap();
    assert_eq!(entries.len(), n);
    // 120 bulk users + the seeded objects: more than two pages of 50, and every bulk user is there.
    let bulk = entries.iter().filter(|e| e.dn.starts_with("CN=Bulk User ")).count();
    assert_eq!(bulk, 120);
    assert!(n > 100);
    // Binary attributes: ldap3 hands a value over as text when its bytes are valid UTF-8 (alice's
    // ConsistencyGuid 00..0f) and as bytes otherwise (frank's ff ff ff ff ...); both must come out as the
    // same Base64 as OpenLDAP's ldapsearch prints.
    for dn in ["CN=Alice Anders,OU=Staff,DC=corp,DC=contoso,DC=com", "CN=frank,OU=Staff,DC=corp,DC=contoso,DC=com"] {
        let reference = ldapsearch_binary(&env, dn);
        let ours: String = text
            .split("\n\n")
            .find(|block| block.lines().next() == Some(&format!("dn: {dn}")))
            .unwrap_or_else(|| panic!("{dn} collected"))
            .to_string();
        let unfolded = ours.replace("\n ", "");
        for attr in ["objectguid", "ms-ds-consistencyguid"] {
            let want = &reference[attr];
            let line = unfolded
                .lines()
                .find(|l| l.to_ascii_lowercase().starts_with(&format!("{attr}::")))
                .unwrap_or_else(|| panic!("{dn}: {attr} written as base64"));
            assert_eq!(line.split_once(":: ").unwrap().1, want, "{dn} {attr}");
        }
    }
    // The model agrees: objectGUID decoded in the AD layout, ConsistencyGuid bytes kept.
    let a = tenantlint::app::analyse(std::slice::from_ref(&out), &Default::default(), &Default::default()).unwrap();
    let alice = a.ingested.estate.ad_objects.iter().find(|o| o.sam_account_name.as_deref() == Some("alice")).unwrap();
    assert_eq!(alice.consistency_guid.as_deref(), Some(&(0u8..16).collect::<Vec<u8>>()[..]));
    let g = alice.object_guid.expect("objectGUID decoded");
    assert_eq!(
        g.immutable_id(),
        ldapsearch_binary(&env, "CN=Alice Anders,OU=Staff,DC=corp,DC=contoso,DC=com")["objectguid"]
    );
}

#[test]
fn collected_ldif_scans_to_the_seeded_problems() {
    let Some(env) = samba() else { return };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("corp.ldf");
    let reports = dir.path().join("reports");
    let r = collect_starttls(&env, &out, &["--scan", reports.to_str().unwrap()]);
    assert_code(&r, 0);
    let report = read_report(&reports);
    assert_schema_valid(&report);
    let has = |rule: &str, needle: &str| {
        findings_with_rule(&report, rule).iter().any(|f| f["title"].as_str().unwrap().contains(needle))
    };
    assert!(has("CH002", "bob smith@corp.contoso.com"), "space in a UPN");
    assert!(has("CH003", "#svc-backup@corp.contoso.com"), "#-prefixed account");
    assert!(has("CH006", "corp.local"), ".local UPN suffix");
    let dup = findings_with_rule(&report, "DU001");
    let helpdesk = dup
        .iter()
        .find(|f| f["title"].as_str().unwrap().contains("helpdesk@corp.contoso.com"))
        .expect("duplicate proxy address");
    let holders: Vec<&str> =
        helpdesk["subjects"].as_array().unwrap().iter().map(|s| s["display"].as_str().unwrap()).collect();
    assert!(holders.iter().any(|h| h.contains("dave")) && holders.iter().any(|h| h.contains("erin")), "{holders:?}");
    // The clean, fully populated user has no character or duplicate finding.
    for f in report["findings"].as_array().unwrap() {
        if ["bad-characters", "duplicates"].contains(&f["category"].as_str().unwrap()) {
            assert!(!f["subjects"][0]["display"].as_str().unwrap().contains("Alice"), "{}", f["title"]);
        }
    }
    // The group with a mail address is collected as a group with its mail.
    let a = tenantlint::app::analyse(&[out], &Default::default(), &Default::default()).unwrap();
    let sales = a.ingested.estate.ad_objects.iter().find(|o| o.cn.as_deref() == Some("Sales Team")).unwrap();
    assert_eq!(sales.class, tenantlint::model::AdClass::Group);
    assert_eq!(sales.mail.as_deref(), Some("sales@corp.contoso.com"));
    let frank = a.ingested.estate.ad_objects.iter().find(|o| o.cn.as_deref() == Some("frank")).unwrap();
    assert_ne!(
        frank.consistency_guid.as_deref(),
        Some(&frank.object_guid.unwrap().to_ad_bytes()[..]),
        "ConsistencyGuid differs"
    );
}

#[test]
fn ranged_attributes_are_followed_to_the_end() {
    let Some(env) = samba() else { return };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("groups.ldf");
    // Samba never forces ranges, so ask for the first two values explicitly; the rest must be fetched.
    let r = collect_starttls(&env, &out, &["--filter", "(cn=Sales Team)", "--attrs", "member;range=0-1"]);
    assert_code(&r, 0);
    let entries = ldif_entries(&out);
    assert_eq!(entries.len(), 1);
    let text = std::fs::read_to_string(&out).unwrap().replace("\n ", "");
    assert_eq!(text.lines().filter(|l| l.starts_with("member: ")).count(), 3, "{text}");
}

#[test]
fn verified_tls_and_clear_errors() {
    let Some(env) = samba() else { return };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.ldf");
    // Verification is on by default: the self-signed DC is refused without its CA, accepted with it.
    if let Some(url) = env.get("TL_LDAPS_VERIFIED_URL") {
        let r = collect(&env, &out, &["--url", url]);
        assert_code(&r, 2);
        assert!(r.stderr.contains("cannot connect") && r.stderr.contains("certificate"), "{}", r.stderr);
        let r = collect(&env, &out, &["--url", url, "--ca-file", &env["TL_LDAP_CA_FILE"]]);
        assert_code(&r, 0);
        assert!(!r.stderr.contains("warning"), "{}", r.stderr);
    } else {
        eprintln!("skipping verified-TLS part: dc1.corp.contoso.com does not resolve to 127.0.0.1");
    }
    std::fs::remove_file(&out).ok();
    // Plain LDAP needs an explicit flag.
    let r = collect(&env, &out, &["--url", &env["TL_LDAP_URL"]]);
    assert_code(&r, 2);
    assert!(r.stderr.contains("--allow-plaintext"), "{}", r.stderr);
    // A wrong password: refused bind, exit 2, the password never printed, nothing written.
    let bad = dir.path().join("bad-password");
    std::fs::write(&bad, "Wrong-Secret-4711\n").unwrap();
    let r = tenantlint(&[
        "collect",
        "ldap",
        "--url",
        &env["TL_LDAP_URL"],
        "--starttls",
        "--insecure-skip-verify",
        "--base",
        &env["TL_LDAP_BASE"],
        "--bind-dn",
        &env["TL_LDAP_BIND"],
        "--password-file",
        bad.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_code(&r, 2);
    assert!(r.stderr.contains("bind as") && r.stderr.contains("refused"), "{}", r.stderr);
    assert!(!r.stderr.contains("Wrong-Secret-4711") && !r.stdout.contains("Wrong-Secret-4711"));
    assert!(!out.exists(), "a failed collection writes nothing");
    // An unreachable server.
    let r = collect(&env, &out, &["--url", "ldap://127.0.0.1:1", "--allow-plaintext", "--timeout", "3"]);
    assert_code(&r, 2);
    assert!(r.stderr.contains("cannot connect to ldap://127.0.0.1:1"), "{}", r.stderr);
    assert!(!out.exists());
    // The password is never a command-line value.
    let r =
        tenantlint(&["collect", "ldap", "--url", "ldaps://x", "--bind-dn", "a", "--password", "s", "--out", "x.ldf"]);
    assert_code(&r, 2);
    let _: PathBuf = out;
}
