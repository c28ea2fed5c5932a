//! `--rules DIR`: `scan`, `rules` and `explain` with another rule catalog, and its validation.

use crate::util::*;
use std::path::Path;

/// A copy of the repository's `rules/` (rule.toml files only matter) in a temp folder.
fn catalog_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&crate_root().join("rules"), dir.path());
    dir
}

fn edit(dir: &Path, rel: &str, f: impl FnOnce(String) -> String) {
    let p = dir.join(rel);
    let text = std::fs::read_to_string(&p).unwrap();
    std::fs::write(&p, f(text)).unwrap();
}

const CH004: &str = "characters/CH004-upn-too-long/rule.toml";

#[test]
fn another_catalog_changes_titles_params_and_verdicts() {
    let cat = catalog_copy();
    edit(cat.path(), CH004, |t| {
        t.replace("max_username = 64", "max_username = 8").replacen("title = \"", "title = \"[site catalog] ", 1)
    });
    let d = cat.path().to_str().unwrap();
    let r = tenantlint(&["rules", "--rules", d]);
    assert_code(&r, 0);
    assert!(r.stdout.lines().any(|l| l.starts_with("CH004") && l.contains("[site catalog]")), "{}", r.stdout);
    let r = tenantlint(&["explain", "CH004", "--rules", d]);
    assert_code(&r, 0);
    assert!(r.stdout.contains("max_username = 8"), "{}", r.stdout);
    assert!(r.stdout.contains(&format!("{d}/characters/CH004-upn-too-long/rule.toml")), "{}", r.stdout);
    // The embedded catalog is unchanged.
    let r = tenantlint(&["explain", "CH004"]);
    assert!(r.stdout.contains("max_username = 64"));

    // scan: usernames longer than 8 characters are now too long.
    let estate = crate_root().join("tests/fixtures/fix/estate");
    let count = |extra: &[&str]| {
        let out = tempfile::tempdir().unwrap();
        let mut args = vec!["scan", estate.to_str().unwrap(), "--out", out.path().to_str().unwrap()];
        args.extend_from_slice(extra);
        let r = tenantlint(&args);
        assert_code(&r, 0);
        findings_with_rule(&read_report(out.path()), "CH004").len()
    };
    assert_eq!(count(&[]), 0);
    assert!(count(&["--rules", d]) >= 3);
}

#[track_caller]
fn assert_rejected(dir: &Path, expect: &[&str]) {
    for args in
        [vec!["rules"], vec!["explain", "CH004"], vec!["scan", "tests/fixtures/fix/estate", "--out", "/nonexistent/x"]]
    {
        let mut a = args.clone();
        a.extend(["--rules", dir.to_str().unwrap()]);
        let r = tenantlint(&a);
        assert_code(&r, 2);
        for e in expect {
            assert!(r.stderr.contains(e), "{a:?}: missing {e:?} in\n{}", r.stderr);
        }
        assert!(r.stdout.is_empty(), "nothing is listed from an invalid catalog");
    }
}

#[test]
fn invalid_catalogs_are_refused_with_the_file() {
    let d = |c: &tempfile::TempDir| c.path().display().to_string();
    // Parameter of the wrong type, and an unknown parameter.
    let cat = catalog_copy();
    edit(cat.path(), CH004, |t| t.replace("max_username = 64", "max_username = \"64\"\nmax_usernmae = 64"));
    assert_rejected(
        cat.path(),
        &[
            &format!("{}/{CH004}: params.max_username is a string, expected an integer", d(&cat)),
            &format!("{}/{CH004}: params.max_usernmae is not a parameter of this rule", d(&cat)),
        ],
    );
    // Array element of the wrong type (nested table).
    let cat = catalog_copy();
    edit(cat.path(), "characters/CH001-upn-missing/rule.toml", |t| {
        t.replace("exact_names = [\"Administrator\"", "exact_names = [1, \"Administrator\"")
    });
    assert_rejected(
        cat.path(),
        &["CH001-upn-missing/rule.toml: params.scope.exact_names[0] is an integer, expected a string"],
    );
    // A code the logic does not know.
    let cat = catalog_copy();
    let extra = cat.path().join("characters/CH099-upn-is-purple");
    std::fs::create_dir_all(&extra).unwrap();
    std::fs::write(
        extra.join("rule.toml"),
        std::fs::read_to_string(cat.path().join(CH004))
            .unwrap()
            .replace("CH004", "CH099")
            .replace("upn-too-long", "upn-is-purple"),
    )
    .unwrap();
    assert_rejected(cat.path(), &["CH099-upn-is-purple/rule.toml: unknown rule code CH099"]);
    // A missing rule and a missing family.
    let cat = catalog_copy();
    std::fs::remove_dir_all(cat.path().join("characters/CH005-upn-suffix-not-verified")).unwrap();
    std::fs::remove_dir_all(cat.path().join("federation")).unwrap();
    assert_rejected(
        cat.path(),
        &[
            &format!("{}/characters: rule CH005 (upn-suffix-not-verified) is missing", d(&cat)),
            &format!("{}/federation: family \"federation\" is missing", d(&cat)),
        ],
    );
    // A rule in another family's folder; a TOML syntax error.
    let cat = catalog_copy();
    std::fs::rename(cat.path().join("characters/CH004-upn-too-long"), cat.path().join("duplicates/CH004-upn-too-long"))
        .unwrap();
    edit(cat.path(), "input/IN001-lossy-export-column/rule.toml", |t| t.replacen("code =", "code = =", 1));
    assert_rejected(
        cat.path(),
        &[
            "duplicates/CH004-upn-too-long/rule.toml: family \"characters\" but the rule is in folder \"duplicates\"",
            "IN001-lossy-export-column/rule.toml",
        ],
    );
    // Not a folder.
    assert_rejected(&crate_root().join("README.md"), &["must name a folder"]);
}
