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

#[test]
fn plain_upn_settles_only_upns_the_checks_would_pass() {
    use crate::graph::EstateGraph;
    use crate::ingest::Ingested;
    use crate::model::{AdClass, AdObject, Domain, Estate, Forest, Tenant};
    use crate::rules::{Context, RuleOptions};
    // Usernames of up to three characters over letters, digits, punctuation (allowed or not), a
    // space, `@` and a non-ASCII letter, on well- and ill-formed domains; and over-long ones.
    let alphabet = ["a", "Z", "7", ".", "-", "_", "'", " ", "@", "#", "é", "+"];
    let mut locals: Vec<String> = alphabet.iter().map(|c| c.to_string()).collect();
    for _ in 0..2 {
        let longer: Vec<String> = locals.iter().flat_map(|l| alphabet.iter().map(move |c| format!("{l}{c}"))).collect();
        locals.extend(longer);
    }
    locals.extend(["a".repeat(64), "a".repeat(65), format!("{}.b", "a".repeat(62))]);
    let domains = [
        "contoso.com",
        "contoso..com",
        ".contoso.com",
        "contoso.com.",
        "",
        "contoso.local",
        "con toso.com",
        "b-c.contoso.com",
    ];
    let long_domain = format!("{}.contoso.com", "d".repeat(60));
    let mut upns: Vec<String> = locals.iter().flat_map(|l| domains.iter().map(move |d| format!("{l}@{d}"))).collect();
    upns.extend(["plain", "@contoso.com", "a@", "a@b@contoso.com"].map(String::from));
    upns.push(format!("{}@{long_domain}", "a".repeat(60)));
    let estate = Estate {
        forests: vec![Forest { name: "contoso.com".into(), ..Default::default() }],
        tenants: vec![Tenant { name: "Contoso".into(), ..Default::default() }],
        domains: vec![Domain { name: "contoso.com".into(), is_verified: Some(true), ..Default::default() }],
        ad_objects: upns
            .iter()
            .map(|u| AdObject { class: AdClass::User, upn: Some(u.as_str().into()), ..Default::default() })
            .collect(),
        ..Default::default()
    };
    let graph = EstateGraph::build(&estate);
    let ingested = Ingested { estate, ..Default::default() };
    let options = RuleOptions::default();
    let ctx = Context::new(&options, &ingested, &graph);
    let fast = Cx::new(&ctx);
    let slow = Cx { plain_upns: false, ..Cx::new(&ctx) };
    let (mut plain, mut flagged) = (0, 0);
    for (i, o) in ingested.estate.ad_objects.iter().enumerate() {
        let (a, b) = (fast.check(i as u32, o), slow.check(i as u32, o));
        let show =
            |f: &[Finding]| f.iter().map(|f| (f.rule.clone(), f.title.clone(), f.fingerprint())).collect::<Vec<_>>();
        assert_eq!(show(&a), show(&b), "{:?}", o.upn);
        let upn = o.upn.as_deref().unwrap_or_default();
        plain += usize::from(fast.plain_upn(upn));
        flagged += usize::from(b.iter().any(|f| matches!(f.rule.as_str(), "CH002" | "CH003" | "CH004")));
    }
    assert!(plain > 1_000 && flagged > 10_000, "both kinds are tried: {plain} plain, {flagged} flagged");
}
