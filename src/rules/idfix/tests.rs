//! IdFix parity: the worked examples of the specification (idfix.md §5), each flag, the skip rules,
//! duplicates and both rule sets. Objects are fictional (contoso/fabrikam).

use super::*;
use crate::model::{AdClass, Guid};
use IdfixMode::{Dedicated, MultiTenant};

fn obj(cn: &str, class: AdClass) -> AdObject {
    let ou = match class {
        AdClass::Group => "Groups",
        AdClass::Contact => "Contacts",
        _ => "Staff",
    };
    AdObject {
        dn: Some(crate::model::Text::from(format!("CN={cn},OU={ou},DC=contoso,DC=com"))),
        cn: Some(cn.into()),
        display_name: Some(cn.into()),
        class,
        ..Default::default()
    }
}

fn user(cn: &str) -> AdObject {
    obj(cn, AdClass::User)
}

fn with(mut o: AdObject, f: impl FnOnce(&mut AdObject)) -> AdObject {
    f(&mut o);
    o
}

/// (ATTRIBUTE, ERROR, VALUE, UPDATE, ACTION) of each row.
fn cells(rows: &[Row]) -> Vec<(&str, &str, &str, &str, &str)> {
    rows.iter()
        .map(|r| (r.attribute, r.error.as_str(), r.value.as_str(), r.update.as_str(), r.action.as_str()))
        .collect()
}

fn one(o: AdObject, mode: IdfixMode) -> Vec<(String, String, String, String, String)> {
    let rows = rows(&[o], mode);
    cells(&rows)
        .into_iter()
        .map(|(a, e, v, u, x)| (a.to_string(), e.to_string(), v.to_string(), u.to_string(), x.to_string()))
        .collect()
}

#[track_caller]
fn assert_row(o: AdObject, mode: IdfixMode, expected: (&str, &str, &str, &str, &str)) {
    let got = one(o, mode);
    let exp = (
        expected.0.to_string(),
        expected.1.to_string(),
        expected.2.to_string(),
        expected.3.to_string(),
        expected.4.to_string(),
    );
    assert_eq!(got, vec![exp]);
}

fn upn(v: &str) -> AdObject {
    with(user("Pat Doe"), |o| o.upn = Some(v.into()))
}

fn proxy(v: &str) -> AdObject {
    with(user("Pat Doe"), |o| o.proxy_addresses = vec![v.into()].into())
}

// ---- §5 worked examples (Multi-Tenant) ------------------------------------------------------------

#[test]
fn example_upn_space_and_local_tld() {
    let v = "John Smith@contoso.local";
    assert_row(
        upn(v),
        MultiTenant,
        ("userPrincipalName", "Character, TopLevelDomain", v, "JohnSmith@contoso.local", "EDIT"),
    );
}

#[test]
fn example_upn_apostrophe_is_flagged_although_valid() {
    let v = "o'brien@contoso.com";
    assert_row(upn(v), MultiTenant, ("userPrincipalName", "Character", v, "obrien@contoso.com", "EDIT"));
}

#[test]
fn example_upn_accent_is_deleted_not_transliterated() {
    let v = "josé@contoso.com";
    assert_row(upn(v), MultiTenant, ("userPrincipalName", "LocalPart", v, "jos@contoso.com", "EDIT"));
}

#[test]
fn example_upn_two_at_signs() {
    let v = "a@b@contoso.com";
    assert_row(upn(v), MultiTenant, ("userPrincipalName", "LocalPart", v, "ab@contoso.com", "EDIT"));
}

#[test]
fn example_upn_trailing_period_in_local_part() {
    let v = "first.last.@contoso.com";
    assert_row(upn(v), MultiTenant, ("userPrincipalName", "LocalPart", v, "first.last@contoso.com", "EDIT"));
}

#[test]
fn example_upn_trailing_period_in_domain() {
    let v = "user@contoso.com.";
    assert_row(upn(v), MultiTenant, ("userPrincipalName", "Format, DomainPart", v, v, "EDIT"));
}

#[test]
fn example_upn_without_domain() {
    assert_row(
        upn("nodomain"),
        MultiTenant,
        ("userPrincipalName", "Format, DomainPart, LocalPart", "nodomain", "nodomain", "EDIT"),
    );
}

#[test]
fn example_proxy_new_tld_is_a_false_positive() {
    let v = "SMTP:j.doe@contoso.app";
    assert_row(proxy(v), MultiTenant, ("proxyAddresses", "TopLevelDomain", v, v, "EDIT"));
}

#[test]
fn example_proxy_colon_in_suffix() {
    let v = "smtp:user:M@contoso.com";
    assert_row(proxy(v), MultiTenant, ("proxyAddresses", "Character", v, "smtp:userM@contoso.com", "EDIT"));
}

#[test]
fn example_x500_apostrophe() {
    let v = "x500:/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=4f1e2d3c4b5a69788796a5b4c3d2e1f0-d'Agostini";
    let fixed = v.replace('\'', "");
    assert_row(proxy(v), MultiTenant, ("proxyAddresses", "Character", v, &fixed, "EDIT"));
}

#[test]
fn example_mailnickname_leading_periods() {
    let o = with(user("Jo Doe"), |o| o.mail_nickname = Some("..jdoe".into()));
    assert_row(o, MultiTenant, ("mailnickname", "Character", "..jdoe", "jdoe", "EDIT"));
}

#[test]
fn example_display_name_absent() {
    let o = with(user("Jo Doe"), |o| o.display_name = None);
    assert_row(o, MultiTenant, ("displayName", "Blank", "", "Jo Doe", "EDIT"));
}

// ---- Flags and chains --------------------------------------------------------------------------

#[test]
fn length_limits_count_utf16_units_and_truncate() {
    let long = "é".repeat(64);
    let o = with(user("Long Given"), |o| o.given_name = Some(crate::model::Text::from(long.clone())));
    assert_row(o, MultiTenant, ("givenName", "Length", &long, &"é".repeat(63), "EDIT"));
    // Surrogate pairs count two units: 32 emoji = 64 units > 63.
    let emoji = "😀".repeat(32);
    let rows = one(with(user("Emoji"), |o| o.given_name = Some(crate::model::Text::from(emoji.clone()))), MultiTenant);
    assert_eq!(rows[0].1, "Length");
    assert_eq!(rows[0].3, "😀".repeat(31), "the pair cut in half is dropped");
    // sAMAccountName: 20 for users, 256 for other classes (inetOrgPerson included).
    let sam = "abcdefghijklmnopqrstu"; // 21
    assert_row(
        with(user("Sam User"), |o| {
            o.sam_account_name = Some(sam.into());
            o.upn = Some("sam.user@contoso.com".into())
        }),
        MultiTenant,
        ("sAMAccountName", "Length", sam, "abcdefghijklmnopqrst", "EDIT"),
    );
    let inet = with(obj("Inet Person", AdClass::InetOrgPerson), |o| o.sam_account_name = Some(sam.into()));
    assert!(one(inet, MultiTenant).is_empty());
    // Length then Character: the truncated value goes on through the chain.
    let v = format!("{}@contoso.com", "a b".repeat(40)); // 132 > 113
    let rows = one(upn(&v), MultiTenant);
    assert_eq!(rows[0].1, "Length, Character, Format, DomainPart, LocalPart");
    assert_eq!(rows[0].3, "ab".repeat(37) + "a");
}

#[test]
fn character_sets_per_attribute() {
    // sAMAccountName: the documented set without the apostrophe.
    assert_row(
        with(user("Sam Bad"), |o| {
            o.sam_account_name = Some("j[smith]".into());
            o.upn = Some("j.smith@contoso.com".into())
        }),
        MultiTenant,
        ("sAMAccountName", "Character", "j[smith]", "jsmith", "EDIT"),
    );
    assert!(one(with(user("Sam Ok"), |o| o.sam_account_name = Some("o'brien".into())), MultiTenant).is_empty());
    // Deleting everything proposes the cn.
    assert_row(
        with(user("Only Bad"), |o| o.sam_account_name = Some("[]".into())),
        MultiTenant,
        ("sAMAccountName", "Character", "[]", "Only Bad", "EDIT"),
    );
    // X.400 allows spaces and parentheses; other prefixes allow the semicolon.
    assert!(one(proxy("X400:c=US;a= ;p=Contoso;o=Exchange;s=Doe (HQ);"), MultiTenant).is_empty());
    assert!(one(proxy("SIP:jo;doe@contoso.com"), MultiTenant).is_empty());
    assert_row(
        proxy("SIP:jo doe@contoso.com"),
        MultiTenant,
        ("proxyAddresses", "Character", "SIP:jo doe@contoso.com", "SIP:jodoe@contoso.com", "EDIT"),
    );
    // SMTP: the semicolon is invalid; the apostrophe is allowed since IdFix 2.6.
    assert_row(
        proxy("smtp:jo;doe@contoso.com"),
        MultiTenant,
        ("proxyAddresses", "Character", "smtp:jo;doe@contoso.com", "smtp:jodoe@contoso.com", "EDIT"),
    );
    assert!(one(proxy("smtp:o'brien@contoso.com"), MultiTenant).is_empty());
    // `smtp:` is found anywhere: an X.500 value holding it is treated as SMTP.
    // (its colon fix removes the `smtp:` that selected the SMTP sub-rules, so the RFC check then sees
    // the whole value and proposes no prefix).
    let odd = "x500:/cn=smtp:jo";
    assert_row(
        proxy(odd),
        MultiTenant,
        ("proxyAddresses", "Character, Format, DomainPart, LocalPart", odd, "x500:/cn=smtpjo", "EDIT"),
    );
    // targetAddress: backslash invalid for both kinds; semicolon only for SMTP.
    let t = |v: &str| with(user("Target"), |o| o.target_address = Some(v.into()));
    assert_row(
        t("X400:c=US;a= ;"),
        MultiTenant,
        ("targetAddress", "Character", "X400:c=US;a= ;", "X400:c=US;a=;", "EDIT"),
    );
    assert!(one(t("SIP:a;b@contoso.com"), MultiTenant).is_empty());
    assert_row(
        t("SMTP:a\\b@contoso.com"),
        MultiTenant,
        ("targetAddress", "Character", "SMTP:a\\b@contoso.com", "SMTP:ab@contoso.com", "EDIT"),
    );
    // Twelve umlauts only: ü is a Character error, é a LocalPart error.
    assert_eq!(one(upn("müller@contoso.com"), MultiTenant)[0].1, "Character");
    assert_eq!(one(upn("MÜLLER@contoso.com"), MultiTenant)[0].3, "MLLER@contoso.com");
}

#[test]
fn rfc_quirks() {
    // Case-insensitive, ASCII only: IDN top-level domains fail DomainPart and TopLevelDomain.
    assert_eq!(one(upn("JO@CONTOSO.COM"), MultiTenant), vec![]);
    assert_eq!(one(upn("jo@contoso.xn--p1ai"), MultiTenant)[0].1, "Format, TopLevelDomain, DomainPart");
    // .ad (Andorra) passes; .edu.au is dead because only the last label is compared.
    assert!(one(upn("jo@corp.ad"), MultiTenant).is_empty());
    assert!(one(upn("jo@uni.edu.au"), MultiTenant).is_empty());
    assert_eq!(one(upn("jo@contoso.corp"), MultiTenant)[0].1, "TopLevelDomain");
    assert!(one(upn("jo@contoso.swiss"), MultiTenant).is_empty());
    // DomainPart fix deletes characters outside [a-z0-9.-] after the last @.
    assert_eq!(
        one(upn("jo@con_toso.com"), MultiTenant)[0],
        (
            "userPrincipalName".to_string(),
            "DomainPart".to_string(),
            "jo@con_toso.com".to_string(),
            "jo@contoso.com".to_string(),
            "EDIT".to_string()
        )
    );
    // A label may not start or end with a hyphen; the top-level label is 2-17 letters.
    assert_eq!(one(upn("jo@-contoso.com"), MultiTenant)[0].1, "Format, DomainPart");
    assert_eq!(one(upn("jo@contoso.c"), MultiTenant)[0].1, "Format, TopLevelDomain, DomainPart");
    // The prefix is kept and trimmed on SMTP values.
    assert_eq!(one(proxy("SMTP:jo@con_toso.com"), MultiTenant)[0].3, "SMTP:jo@contoso.com");
}

#[test]
fn error_text_joins_sub_rules_in_chain_order() {
    assert_eq!(flags::names(flags::FORMAT | flags::LOCAL_PART | flags::DOMAIN_PART), "Format, DomainPart, LocalPart");
    assert_eq!(flags::names(flags::LENGTH), "Length");
    // Two Character sub-rules: ColonSuffix then the SMTP set.
    let v = "smtp:jo:x doe@contoso.com";
    assert_row(proxy(v), MultiTenant, ("proxyAddresses", "Character, Character", v, "smtp:joxdoe@contoso.com", "EDIT"));
}

// ---- Scope and skip rules ----------------------------------------------------------------------

fn processed(o: AdObject, mode: IdfixMode) -> bool {
    // A missing displayName is a Blank row in Multi-Tenant for every processed object.
    !rows(&[with(o, |o| o.display_name = None)], mode).is_empty()
}

#[test]
fn skip_rules_multi_tenant() {
    assert!(processed(user("Jo Doe"), MultiTenant));
    assert!(!processed(user("WKS01$"), MultiTenant));
    for cn in [
        "Guest Speaker",
        "guestspeaker",
        "Administrator",
        "MSOL_1a2b",
        "krbtgt",
        "HealthMailbox0123",
        "SystemMailbox{1f05}",
    ] {
        assert!(!processed(user(cn), MultiTenant), "{cn} must be skipped");
    }
    assert!(processed(user("Guess Who"), MultiTenant));
    assert!(!processed(
        with(user("Jo"), |o| o.dn = Some("CN=Jo\\0ACNF:4f1e2d3c,OU=Staff,DC=contoso,DC=com".into())),
        MultiTenant
    ));
    assert!(!processed(
        with(user("Jo"), |o| o.dn = Some("CN=Jo\nCNF:4f1e2d3c,OU=Staff,DC=contoso,DC=com".into())),
        MultiTenant
    ));
    assert!(!processed(with(user("Jo"), |o| o.is_critical_system_object = Some(true)), MultiTenant));
    assert!(processed(with(user("Jo"), |o| o.is_critical_system_object = Some(false)), MultiTenant));
    assert!(!processed(with(user("Jo"), |o| o.sam_account_name = Some("support_388945a0".into())), MultiTenant));
    assert!(!processed(with(user("Jo"), |o| o.mail_nickname = Some("SystemMailbox{e0dc}".into())), MultiTenant));
    // Hidden + MSOL displayName: the helper removes displayName, so test the rows directly.
    let hidden = with(user("Sync Account"), |o| {
        o.display_name = Some("MSOL_AD_Sync".into());
        o.ms_exch_hide_from_address_lists = Some(true);
        o.given_name = Some(crate::model::Text::from("x".repeat(70)));
    });
    assert!(rows(std::slice::from_ref(&hidden), MultiTenant).is_empty());
    assert!(!rows(&[with(hidden, |o| o.ms_exch_hide_from_address_lists = Some(false))], MultiTenant).is_empty());
    // msExchRecipientTypeDetails is compared as hexadecimal text: 4096 (PublicFolder) is not skipped.
    assert!(processed(with(user("Public Folder"), |o| o.ms_exch_recipient_type_details = Some(4096)), MultiTenant));
    // Only class `user` gets the user skips.
    assert!(processed(
        with(obj("Jo", AdClass::InetOrgPerson), |o| o.sam_account_name = Some("MSOL_x".into())),
        MultiTenant
    ));
    // Groups: security without mail, distribution without proxyAddresses; no groupType = processed.
    let group = |gt: Option<i64>, mail: bool, proxy: bool| {
        with(obj("Sales", AdClass::Group), |o| {
            o.group_type = gt;
            o.mail = mail.then(|| "sales@contoso.com".into());
            if proxy {
                o.proxy_addresses = vec!["SMTP:sales@contoso.com".into()].into();
            }
        })
    };
    assert!(!processed(group(Some(-2147483646), false, true), MultiTenant));
    assert!(processed(group(Some(-2147483646), true, false), MultiTenant));
    assert!(!processed(group(Some(2), true, false), MultiTenant));
    assert!(processed(group(Some(2), false, true), MultiTenant));
    assert!(processed(group(None, false, false), MultiTenant));
    // Out of the default filter.
    assert!(!processed(obj("WKS01", AdClass::Computer), MultiTenant));
    assert!(!processed(obj("Staff", AdClass::Other("organizationalUnit".into())), MultiTenant));
    assert!(processed(obj("Partner", AdClass::Contact), MultiTenant));
}

#[test]
fn skip_rules_dedicated() {
    let group = |mail: bool| with(obj("Sales", AdClass::Group), |o| o.mail = mail.then(|| "sales@contoso.com".into()));
    // Dedicated's filter requires mail; a group without displayName is then a Blank row.
    assert!(processed(group(true), Dedicated));
    assert!(!processed(group(false), Dedicated));
    assert!(!processed(with(group(true), |o| o.cn = Some("Guest Group".into())), Dedicated));
    // isCriticalSystemObject is not read by the Dedicated query: not skipped.
    assert!(processed(with(group(true), |o| o.is_critical_system_object = Some(true)), Dedicated));
    // No user-specific or group-type skips in Dedicated.
    assert!(processed(with(group(true), |o| o.group_type = Some(-2147483646)), Dedicated));
}

#[test]
fn missing_cn_falls_back_to_the_rdn() {
    let o = with(user("x"), |o| {
        o.cn = None;
        o.dn = Some("CN=Smith\\, Jo,OU=Staff,DC=contoso,DC=com".into());
        o.display_name = None;
    });
    assert_row(o, MultiTenant, ("displayName", "Blank", "", "Smith, Jo", "EDIT"));
    let krbtgt = with(user("x"), |o| {
        o.cn = None;
        o.dn = Some("CN=krbtgt,CN=Users,DC=contoso,DC=com".into());
        o.display_name = None;
    });
    assert!(rows(&[krbtgt], MultiTenant).is_empty());
}

// ---- Duplicates --------------------------------------------------------------------------------

fn named(cn: &str, f: impl FnOnce(&mut AdObject)) -> AdObject {
    with(user(cn), f)
}

#[test]
fn duplicate_upn_case_insensitive_first_seen_by_dn_complete_without_extra_row() {
    let a = named("Alice", |o| {
        o.upn = Some("jo@contoso.com".into());
        o.mail_nickname = Some("alice".into());
    });
    let b = named("Bob", |o| {
        o.upn = Some("JO@contoso.com".into());
        o.mail_nickname = Some("bob".into());
    });
    for objs in [vec![a.clone(), b.clone()], vec![b.clone(), a.clone()]] {
        let r = rows(&objs, MultiTenant);
        assert_eq!(cells(&r), vec![("userPrincipalName", "Duplicate", "JO@contoso.com", "JO@contoso.com", "COMPLETE")]);
        assert_eq!(objs[r[0].object].cn.as_deref(), Some("Bob"), "Alice's DN sorts first, so Bob is the duplicate");
        assert_eq!(objs[r[0].other.unwrap()].cn.as_deref(), Some("Alice"));
    }
}

#[test]
fn duplicate_with_edit_adds_a_row_for_the_first_holder_per_copy() {
    let mk = |cn: &str| named(cn, |o| o.upn = Some("jo@contoso.com".into()));
    let (a, b, c) =
        (mk("Alice"), mk("Bob"), with(obj("Carol", AdClass::InetOrgPerson), |o| o.upn = Some("jo@contoso.com".into())));
    let objs = vec![c, b, a];
    let r = rows(&objs, MultiTenant);
    let who: Vec<(&str, &str, bool)> = r
        .iter()
        .map(|r| (objs[r.object].cn.as_deref().unwrap(), objs[r.class_of].class.as_str(), r.first_holder))
        .collect();
    // Alice is listed once per later copy, with the class of the later object (IdFix's bugs).
    assert_eq!(
        who,
        vec![
            ("Alice", "user", true),
            ("Alice", "inetOrgPerson", true),
            ("Bob", "user", false),
            ("Carol", "inetOrgPerson", false)
        ]
    );
    assert!(r.iter().all(|r| r.error == "Duplicate" && r.action == Action::Edit && r.update == "jo@contoso.com"));
}

#[test]
fn duplicate_proxy_actions() {
    let holder = named("Alice", |o| o.proxy_addresses = vec!["SMTP:jo@contoso.com".into()].into());
    // Same value with another prefix case: COMPLETE with a mailNickname, REMOVE without.
    let nick = named("Bob", |o| {
        o.proxy_addresses = vec!["smtp:jo@contoso.com".into()].into();
        o.mail_nickname = Some("bob".into());
    });
    let r = rows(&[holder.clone(), nick], MultiTenant);
    assert_eq!(
        cells(&r),
        vec![("proxyAddresses", "Duplicate", "smtp:jo@contoso.com", "smtp:jo@contoso.com", "COMPLETE")]
    );
    let bare = named("Bob", |o| o.proxy_addresses = vec!["smtp:jo@contoso.com".into()].into());
    let r = rows(&[holder.clone(), bare], MultiTenant);
    assert_eq!(cells(&r)[0].4, "REMOVE");
    assert_eq!(r.len(), 1);
    // A duplicate that is the object's SECOND value takes the EDIT branch and gets the extra row.
    let second = named("Bob", |o| {
        o.proxy_addresses = vec!["SMTP:bob@contoso.com".into(), "smtp:jo@contoso.com".into()].into();
        o.mail_nickname = Some("bob".into());
    });
    let objs = [holder.clone(), second];
    let r = rows(&objs, MultiTenant);
    let got: Vec<_> =
        r.iter().map(|r| (objs[r.object].cn.as_deref().unwrap(), r.error.as_str(), r.action.as_str())).collect();
    assert_eq!(got, vec![("Alice", "Duplicate", "EDIT"), ("Bob", "Duplicate", "EDIT")]);
    // X.500 and SMTP of the same address are not duplicates; non-SMTP duplicates are EDIT.
    let x500 = named("Bob", |o| o.proxy_addresses = vec!["X500:/o=Contoso/cn=jo".into()].into());
    let x500b = named("Carl", |o| {
        o.proxy_addresses = vec!["x500:/O=CONTOSO/cn=JO".into()].into();
        o.mail_nickname = Some("carl".into());
    });
    let r = rows(&[holder, x500, x500b], MultiTenant);
    assert_eq!(
        cells(&r).iter().map(|c| (c.1, c.4)).collect::<Vec<_>>(),
        vec![("Duplicate", "EDIT"), ("Duplicate", "EDIT")]
    );
}

#[test]
fn duplicate_of_a_fixed_value_and_the_missing_extra_row() {
    // Bob's UPN is fixed to Alice's: Character then Duplicate, EDIT; the lookup by Bob's raw value
    // finds nothing, so no row for Alice (IdFix 2.6.0.3 swallows that exception).
    let a = named("Alice", |o| o.upn = Some("jodoe@contoso.com".into()));
    let b = named("Bob", |o| o.upn = Some("jo doe@contoso.com".into()));
    let objs = [a, b];
    let r = rows(&objs, MultiTenant);
    assert_eq!(
        cells(&r),
        vec![("userPrincipalName", "Character, Duplicate", "jo doe@contoso.com", "jodoe@contoso.com", "EDIT")]
    );
    assert_eq!(objs[r[0].other.unwrap()].cn.as_deref(), Some("Alice"));
}

#[test]
fn sam_duplicates_only_without_upn_and_mailnickname_action() {
    let a = named("Alice", |o| o.sam_account_name = Some("jdoe".into()));
    let b = named("Bob", |o| {
        o.sam_account_name = Some("JDOE".into());
        o.upn = Some("bob@contoso.com".into());
    });
    let c = named("Carl", |o| {
        o.sam_account_name = Some("jdoe".into());
        o.mail_nickname = Some("carl".into());
    });
    let objs = [a, b, c];
    let r = rows(&objs, MultiTenant);
    assert_eq!(cells(&r), vec![("sAMAccountName", "Duplicate", "jdoe", "jdoe", "COMPLETE")]);
    assert_eq!(objs[r[0].object].cn.as_deref(), Some("Carl"));
    // mailNickname duplicates: COMPLETE when homeMDB is set, else EDIT (with the extra row).
    let m = |cn: &str, mdb: bool| {
        named(cn, |o| {
            o.mail_nickname = Some("jdoe".into());
            o.home_mdb = mdb.then(|| "CN=DB01,CN=Databases,DC=contoso,DC=com".into());
        })
    };
    assert_eq!(cells(&rows(&[m("Alice", false), m("Bob", true)], MultiTenant))[0].4, "COMPLETE");
    assert_eq!(rows(&[m("Alice", false), m("Bob", false)], MultiTenant).len(), 2);
}

#[test]
fn duplicates_span_object_classes_but_not_attributes() {
    let u = named("Alice", |o| o.mail = Some("sales@contoso.com".into()));
    let g = with(obj("Sales", AdClass::Group), |o| {
        o.group_type = Some(-2147483646);
        o.mail = Some("sales@contoso.com".into());
        o.upn = None;
    });
    let r = rows(&[u.clone(), g], MultiTenant);
    assert_eq!(r.iter().filter(|r| r.error == "Duplicate").count(), 2, "EDIT: the group's row and Alice's extra row");
    // UPN of one and mail of another: never compared.
    let v = named("Bob", |o| o.upn = Some("sales@contoso.com".into()));
    assert!(rows(&[u, v], MultiTenant).is_empty());
}

#[test]
fn output_does_not_depend_on_input_order() {
    let mut objs: Vec<AdObject> = (0..40)
        .map(|i| {
            named(&format!("User {i:02}"), |o| {
                o.upn = Some(crate::model::Text::from(format!("u{}@contoso.local", i % 7)));
                o.proxy_addresses = vec![
                    crate::model::Text::from(format!("SMTP:u{}@contoso.com", i % 5)),
                    crate::model::Text::from(format!("smtp:x{i}:y@contoso.com")),
                ]
                .into();
                o.object_guid = Some(Guid::from_ad_bytes(&[i as u8; 16]).unwrap());
            })
        })
        .collect();
    let render = |objs: &[AdObject]| -> Vec<String> {
        rows(objs, MultiTenant)
            .iter()
            .map(|r| {
                format!(
                    "{}|{}|{}|{}|{}|{}",
                    objs[r.object].dn.as_deref().unwrap(),
                    r.attribute,
                    r.error,
                    r.value,
                    r.update,
                    r.action.as_str()
                )
            })
            .collect()
    };
    let first = render(&objs);
    assert!(first.len() > 40);
    objs.reverse();
    assert_eq!(render(&objs), first);
    objs.rotate_left(13);
    assert_eq!(render(&objs), first);
    // Rows are sorted by DN.
    let dns: Vec<&str> = first.iter().map(|l| l.split('|').next().unwrap()).collect();
    assert!(dns.windows(2).all(|w| w[0].to_lowercase() <= w[1].to_lowercase()));
}

// ---- Dedicated rule set ------------------------------------------------------------------------

/// An object that passes every Dedicated check: mail, mailNickname, homeMDB (users) and
/// targetAddress (contacts).
fn ded(cn: &str, class: AdClass, f: impl FnOnce(&mut AdObject)) -> AdObject {
    with(obj(cn, class.clone()), |o| {
        let mail = format!("{}@contoso.com", cn.to_lowercase().replace(' ', "."));
        o.mail_nickname = Some(crate::model::Text::from(cn.to_lowercase().replace(' ', "")));
        if class == AdClass::User {
            o.home_mdb = Some("CN=DB01,CN=Databases,DC=contoso,DC=com".into());
        }
        if class == AdClass::Contact {
            o.target_address = Some(crate::model::Text::from(format!("SMTP:{mail}")));
        }
        o.mail = Some(crate::model::Text::from(mail));
        f(o)
    })
}

#[test]
fn dedicated_display_name_trim_and_group_blank() {
    let o = ded("Jo Doe", AdClass::User, |o| o.display_name = Some("  Jo Doe ".into()));
    assert_row(o, Dedicated, ("displayName", "Character", "  Jo Doe ", "Jo Doe", "EDIT"));
    // Blank only for groups, proposing the cn cut to 255.
    assert!(rows(&[ded("Jo Doe", AdClass::User, |o| o.display_name = None)], Dedicated).is_empty());
    let long = "G".repeat(300);
    let g = ded("Sales", AdClass::Group, |o| {
        o.display_name = None;
        o.cn = Some(crate::model::Text::from(long.clone()));
    });
    assert_row(g, Dedicated, ("displayName", "Blank", "", &"G".repeat(255), "EDIT"));
    // 256 is allowed in Dedicated, not in Multi-Tenant.
    let d256 = "d".repeat(256);
    assert!(
        rows(
            &[ded("Jo Doe", AdClass::User, |o| o.display_name = Some(crate::model::Text::from(d256.clone())))],
            Dedicated
        )
        .is_empty()
    );
    assert_eq!(
        one(with(user("Jo Doe"), |o| o.display_name = Some(crate::model::Text::from(d256))), MultiTenant)[0].1,
        "Length"
    );
}

#[test]
fn dedicated_mail_is_format_checked() {
    let o = ded("Jo Doe", AdClass::User, |o| o.mail = Some("jo doe@contoso".into()));
    assert_row(o, Dedicated, ("mail", "Character, Format, DomainPart", "jo doe@contoso", "jodoe@contoso", "EDIT"));
    // Multi-Tenant checks mail for length and duplicates only.
    assert!(one(with(user("Jo Doe"), |o| o.mail = Some("jo doe@contoso".into())), MultiTenant).is_empty());
}

#[test]
fn dedicated_mailnickname() {
    let o = ded("Jo Doe", AdClass::User, |o| o.mail_nickname = Some("jo@doe".into()));
    assert_row(o, Dedicated, ("mailnickname", "Character", "jo@doe", "jodoe", "EDIT"));
    // The periods rule is dead: leading/trailing periods pass.
    assert!(rows(&[ded("Jo Doe", AdClass::User, |o| o.mail_nickname = Some(".jdoe.".into()))], Dedicated).is_empty());
    // Blank for contacts only: givenName.sn, else sAMAccountName, else cn.
    let c = |f: fn(&mut AdObject)| {
        ded("Partner", AdClass::Contact, |o| {
            o.mail_nickname = None;
            f(o)
        })
    };
    assert_row(
        c(|o| {
            o.given_name = Some("Ann".into());
            o.sn = Some("Lee".into())
        }),
        Dedicated,
        ("mailnickname", "Blank", "", "Ann.Lee", "EDIT"),
    );
    assert_row(c(|o| o.sn = Some("Lee".into())), Dedicated, ("mailnickname", "Blank", "", "Lee", "EDIT"));
    assert_row(
        c(|o| o.sam_account_name = Some("plee".into())),
        Dedicated,
        ("mailnickname", "Blank", "", "plee", "EDIT"),
    );
    assert_row(c(|_| {}), Dedicated, ("mailnickname", "Blank", "", "Partner", "EDIT"));
    assert!(rows(&[ded("Jo Doe", AdClass::User, |_| {})], Dedicated).is_empty());
}

#[test]
fn dedicated_target_address_blank() {
    let contact = ded("Partner", AdClass::Contact, |o| o.target_address = None);
    assert_row(contact, Dedicated, ("targetAddress", "Blank", "", "SMTP:partner@contoso.com", "EDIT"));
    // Users without homeMDB: Blank with no proposal; with homeMDB: nothing.
    let u = ded("Jo Doe", AdClass::User, |o| o.home_mdb = None);
    assert_row(u.clone(), Dedicated, ("targetAddress", "Blank", "", "", "EDIT"));
    assert!(rows(&[with(u, |o| o.home_mdb = Some("CN=DB01".into()))], Dedicated).is_empty());
    // Present SMTP targetAddress is RFC-checked, not character-checked.
    let t = ded("Jo Doe", AdClass::User, |o| o.target_address = Some("SMTP:jo doe@fabrikam.com".into()));
    assert_row(
        t,
        Dedicated,
        ("targetAddress", "LocalPart", "SMTP:jo doe@fabrikam.com", "SMTP:jodoe@fabrikam.com", "EDIT"),
    );
}

#[test]
fn dedicated_proxy_and_duplicates() {
    let a = ded("Alice", AdClass::User, |o| {
        o.proxy_addresses = vec!["SMTP:jo@contoso.app".into(), "SIP:jo doe@contoso.com".into()].into();
    });
    // No character set in Dedicated: the SIP value passes; the SMTP one gets the stale-TLD error.
    assert_eq!(
        cells(&rows(std::slice::from_ref(&a), Dedicated)),
        vec![("proxyAddresses", "TopLevelDomain", "SMTP:jo@contoso.app", "SMTP:jo@contoso.app", "EDIT")]
    );
    // Duplicate mail across objects; UPN and sAMAccountName are not checked at all.
    let b = ded("Bob", AdClass::User, |o| {
        o.mail = Some("ALICE@contoso.com".into());
        o.upn = Some("bad upn".into());
        o.sam_account_name = Some("[bad]".into());
    });
    let r = rows(&[a, b], Dedicated);
    assert!(cells(&r).contains(&("mail", "Duplicate", "ALICE@contoso.com", "ALICE@contoso.com", "COMPLETE")));
    assert!(r.iter().all(|r| r.attribute != "userPrincipalName" && r.attribute != "sAMAccountName"));
}

// ---- Findings ----------------------------------------------------------------------------------

#[test]
fn findings_one_per_flag_with_row_evidence() {
    let mut e = Estate::default();
    e.ad_objects.push(with(upn("John Smith@contoso.local"), |o| {
        o.object_guid = Some(Guid::from_ad_bytes(&[7; 16]).unwrap());
    }));
    let f = findings(&e, MultiTenant);
    let codes: Vec<&str> = f.iter().map(|f| f.rule.as_str()).collect();
    assert_eq!(codes, ["IF001", "IF003"]);
    for x in &f {
        assert_eq!(x.subjects[0].kind, "ad-object");
        assert_eq!(x.subjects[0].id, "07070707-0707-0707-0707-070707070707");
        assert_eq!(x.evidence.map()["error"], "Character, TopLevelDomain");
        assert_eq!(x.evidence.map()["update"], "JohnSmith@contoso.local");
        assert_eq!(x.evidence.map()["action"], "EDIT");
        assert_eq!(x.evidence.map()["row"], 1);
        assert_eq!(x.evidence.map()["dn"], "CN=Pat Doe,OU=Staff,DC=contoso,DC=com");
        assert_eq!(x.evidence.map()["objectclass"], "user");
        assert!(x.remediation.starts_with("IdFix proposes EDIT: set userPrincipalName to `JohnSmith@contoso.local`."));
        assert_eq!(x.discriminator, "userPrincipalName\u{0}John Smith@contoso.local");
    }
    assert_eq!(f[0].category, crate::findings::Category::BadCharacters);
    assert!(f[0].remediation.ends_with("See `tenantlint explain IF001`."), "{}", f[0].remediation);
    assert!(f[1].remediation.ends_with("See `tenantlint explain IF003`."), "{}", f[1].remediation);
    assert_eq!(f[0].evidence.map()["flag"], "Character");
    assert_eq!(f[1].evidence.map()["flag"], "TopLevelDomain");
    assert_ne!(f[0].fingerprint(), f[1].fingerprint());
}

#[test]
fn duplicate_findings_have_both_objects_and_unique_fingerprints() {
    let mut e = Estate::default();
    for cn in ["Alice", "Bob", "Carl"] {
        e.ad_objects.push(named(cn, |o| o.upn = Some("jo@contoso.com".into())));
    }
    let f = findings(&e, MultiTenant);
    assert_eq!(f.len(), 4);
    assert!(f.iter().all(|f| f.rule == "IF007" && f.category == crate::findings::Category::Duplicates));
    assert!(f.iter().all(|f| f.subjects.len() == 2));
    let mut fps: Vec<String> = f.iter().map(|f| f.fingerprint()).collect();
    fps.sort();
    fps.dedup();
    assert_eq!(fps.len(), 4);
    assert_eq!(f[0].evidence.map()["other_dn"], "CN=Bob,OU=Staff,DC=contoso,DC=com");
}

#[test]
fn catalog_parameters_are_complete() {
    let cfg = config::get();
    assert_eq!(cfg.rfc.tlds.len(), 920);
    for t in [".com", ".si", ".ad", ".africa", ".cloud", ".gmbh", ".swiss", ".edu.au"] {
        assert!(cfg.rfc.tlds.contains(t), "{t}");
    }
    for t in [".app", ".shop", ".store", ".blog", ".studio", ".local", ".lan", ".internal", ".corp", ".home", ".test"] {
        assert!(!cfg.rfc.tlds.contains(t), "{t}");
    }
    assert_eq!(cfg.rfc.tlds.iter().filter(|t| t.len() == 3).count(), 255, "two-letter country codes");
    // Building both rule sets reads every key they need.
    assert_eq!(engine::chains(MultiTenant, cfg).len(), 8);
    assert_eq!(engine::chains(Dedicated, cfg).len(), 5);
    for code in ["IF001", "IF002", "IF003", "IF004", "IF005", "IF006", "IF007", "IF008"] {
        let m = catalog::get(code).unwrap();
        assert_eq!(m.family, "idfix");
        assert!(m.rationale.contains("--idfix"), "{code} must say it runs in parity mode only");
    }
}
