use super::*;
use crate::rules::catalog;

#[test]
fn the_embedded_catalog_decodes_and_every_rule_with_params_declares_them() {
    let builtin = catalog::try_builtin().unwrap();
    let p = RuleParams::load(builtin, &BTreeMap::new(), "p.toml").unwrap_or_else(|e| panic!("{}", e.join("\n")));
    assert_eq!(p.ch004.max_length, 113);
    for m in builtin.iter().filter(|m| !m.params.is_empty()) {
        let docs = described(&m.code);
        assert!(!docs.is_empty(), "{} has params but declares none", m.code);
        let keys: Vec<&str> = docs.iter().map(|d| d.key).collect();
        let in_file: Vec<&str> = m.params.keys().map(String::as_str).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(sorted, in_file, "{}", m.code);
        assert!(docs.iter().all(|d| !d.doc.is_empty()), "{}: every parameter has a doc line", m.code);
    }
}

#[test]
fn overrides_merge_recursively_and_errors_name_file_key_and_type() {
    let builtin = catalog::try_builtin().unwrap();
    let table = |s: &str| -> toml::Table { toml::from_str(s).unwrap() };
    let mut over = BTreeMap::new();
    over.insert("CH004".to_string(), table("max_length = 50"));
    over.insert("CH013".to_string(), table("[limits]\nsn = 80"));
    let p = RuleParams::load(builtin, &over, "p.toml").unwrap();
    assert_eq!((p.ch004.max_length, p.ch004.max_username), (50, 64));
    assert_eq!((p.ch013.limits.sn, p.ch013.limits.given_name), (80, 64), "the other limits are kept");

    over.insert("CH004".to_string(), table("max_length = \"long\""));
    over.insert("CH016".to_string(), table("scripts = [\"Klingon\"]"));
    over.insert("SY001".to_string(), table("max_age_days = -1"));
    over.insert("SY006".to_string(), table("suffix_digits = -1"));
    let e = RuleParams::load(builtin, &over, "p.toml").unwrap_err();
    let want = [
        "p.toml: [rules.CH004.params]: max_length is a string, expected a non-negative integer",
        "p.toml: [rules.CH016.params]: scripts is not an array of Unicode script names (Latin, Cyrillic...): unknown Unicode script \"Klingon\"",
        "p.toml: [rules.SY006.params]: suffix_digits is not a non-negative integer",
    ];
    for w in want {
        assert!(e.iter().any(|x| x.starts_with(w)), "{w:?} not in {e:#?}");
    }
    assert_eq!(e.len(), want.len(), "{e:#?}");
}

#[test]
fn an_invalid_catalog_is_an_error_naming_the_file_not_a_panic() {
    let mut rules = catalog::try_builtin().unwrap().to_vec();
    let ch004 = rules.iter_mut().find(|r| r.code == "CH004").unwrap();
    ch004.params.insert("max_length".into(), toml::Value::Integer(-3));
    ch004.params.remove("max_domain");
    let e = RuleParams::load(&rules, &BTreeMap::new(), "p.toml").unwrap_err();
    assert!(
        e.iter().any(|x| x.starts_with(
            "rules/characters/CH004-upn-too-long/rule.toml: params.max_length is not a non-negative integer"
        )),
        "{e:#?}"
    );
    assert!(e.iter().any(|x| x == "rules/characters/CH004-upn-too-long/rule.toml: params.max_domain is missing (a non-negative integer expected)"), "{e:#?}");
    let mut rules = catalog::try_builtin().unwrap().to_vec();
    let sy = rules.iter().position(|r| r.code == "SY001").unwrap();
    rules.remove(sy);
    let e = RuleParams::load(&rules, &BTreeMap::new(), "p.toml").unwrap_err();
    assert!(e.iter().any(|x| x.contains("SY001 is not in the rule catalog")), "{e:#?}");
}

#[test]
fn explain_lines_come_from_the_declaration() {
    let ch013 = catalog::get("CH013").unwrap();
    let lines = explained(described("CH013"), &ch013.params);
    assert_eq!(lines[0], "limits.displayName = 256");
    assert_eq!(lines[1], "    Longest displayName. (a non-negative integer)");
    assert_eq!(lines.len(), 6);
}
