use super::unicode::mixed_script;
use super::*;

#[test]
fn psl_routability() {
    for ok in [
        "contoso.com",
        "contoso.app",
        "contoso.shop",
        "contoso.co.uk",
        "contoso.onmicrosoft.com",
        "example.xn--p1ai",
        "пример.рф",
    ] {
        assert!(routability(ok).is_ok(), "{ok}: {:?}", routability(ok));
    }
    for bad in ["fabrikam.local", "corp.lan", "contoso.internal", "contoso.corp", "contoso", "contoso.con", "co.uk"] {
        assert!(routability(bad).is_err(), "{bad}");
    }
}

#[test]
fn transliteration_keeps_letters() {
    assert_eq!(translit_compact("josé"), "jose");
    assert_eq!(translit_compact("björn.ek"), "bjorn.ek");
    assert_eq!(translit_compact("Straße"), "Strasse");
}

#[test]
fn mixed_script_flags_cyrillic_a_in_latin_word_only() {
    let scripts = Params::new(RuleParams::catalog_in_use()).confusable_scripts;
    let m = mixed_script("M\u{0430}ria Lopez", &scripts).expect("Cyrillic а in Maria");
    assert_eq!(m.scripts, vec!["Cyrillic", "Latin"]);
    assert_eq!(m.proposed.as_deref(), Some("Maria"));
    assert!(mixed_script("Ivan Петров", &scripts).is_none());
    assert!(mixed_script("Zoé Leroux", &scripts).is_none());
    assert!(mixed_script("山田 はなこ", &scripts).is_none());
}

#[test]
fn address_checks_and_fixes() {
    let p = Params::new(RuleParams::catalog_in_use());
    let f = Fixer { p: &p, suffix: None };
    assert!(check_address("d.fischer @contoso.com", &p.proxy_smtp_invalid, true).bad.contains(&' '));
    assert_eq!(f.address("<k.osei@contoso.com>", &p.proxy_smtp_invalid), "k.osei@contoso.com");
    assert!(check_address("user:M@contoso.com", &p.proxy_smtp_invalid, true).problems[0].contains(':'));
    assert!(check_address("o'brien@contoso.com", &p.proxy_smtp_invalid, true).is_clean());
    assert_eq!(f.upn("olivia grant@contoso.com"), "oliviagrant@contoso.com");
    assert_eq!(f.upn("t.okonkwo.@contoso.com"), "t.okonkwo@contoso.com");
    assert_eq!(f.upn("zoé.leroux@contoso.com"), "zoe.leroux@contoso.com");
    assert_eq!(f.upn("#ops-admin@contoso.com"), "ops-admin@contoso.com");
    assert_eq!(f.upn("s.o'brien@contoso.com"), "s.o'brien@contoso.com");
    assert_eq!(f.upn("a@b@contoso.com"), "ab@contoso.com");
    let g = Fixer { p: &p, suffix: Some("fabrikam.com".into()) };
    assert_eq!(g.upn("derek.mwangi@fabrikam.local"), "derek.mwangi@fabrikam.com");
}
