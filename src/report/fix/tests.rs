//! Unit tests of the fix plan.

use super::resolve::edit_distance;
use super::*;
use crate::model::Guid;
use crate::rules::{ad_subject, evidence, finding};
use serde_json::json;

fn user(n: u8, f: impl FnOnce(&mut AdObject)) -> AdObject {
    let mut o = AdObject {
        dn: Some(crate::model::Text::from(format!("CN=User {n},OU=Staff,DC=corp,DC=contoso,DC=com"))),
        object_guid: Some(Guid(uuid::Uuid::from_u128(0x1000 + n as u128))),
        class: AdClass::User,
        ..Default::default()
    };
    f(&mut o);
    o
}

fn single(code: &str, o: &AdObject, attr: &str, old: Value, new: Value, action: &str) -> Finding {
    let ev = evidence([("attribute", json!(attr)), ("value", old), ("proposed_value", new), ("action", json!(action))]);
    finding(code, "t", vec![ad_subject(o)], ev, attr)
}

fn plan_for(objects: Vec<AdObject>, findings: &[Finding]) -> (Estate, Plan) {
    plan_with(objects, findings, &[])
}

fn plan_with(objects: Vec<AdObject>, findings: &[Finding], opt_ins: &[OptIn]) -> (Estate, Plan) {
    let estate = Estate { ad_objects: objects, ..Default::default() };
    let p = plan_of(&estate, findings, &[], &HashSet::new(), opt_ins);
    (estate, p)
}

fn notes(p: &Plan) -> Vec<&String> {
    p.objects.iter().flat_map(|o| &o.notes).chain(&p.notes).collect()
}

#[test]
fn agreeing_proposals_merge_and_disagreeing_ones_are_left_out() {
    let o = user(1, |o| {
        o.upn = Some("jo sé@contoso.com".into());
        // No primary SMTP address to settle the mail (see mail_equals_the_primary_smtp_address).
        o.mail = Some("ann lee@contoso.com".into());
    });
    let f = [
        single("CH002", &o, "userPrincipalName", json!("jo sé@contoso.com"), json!("jose@contoso.com"), "EDIT"),
        single("CH014", &o, "userPrincipalName", json!("jo sé@contoso.com"), json!("jose@contoso.com"), "EDIT"),
        single("CH009", &o, "mail", json!("ann lee@contoso.com"), json!("annlee@contoso.com"), "EDIT"),
        single("CH018", &o, "mail", json!("ann lee@contoso.com"), json!("ann.lee@contoso.com"), "EDIT"),
    ];
    let (_, p) = plan_for(vec![o], &f);
    assert_eq!(p.objects.len(), 1);
    let op = &p.objects[0];
    assert_eq!(
        op.changes,
        vec![Change::Single {
            attr: "userPrincipalName",
            old: Some("jo sé@contoso.com".into()),
            new: Some("jose@contoso.com".into()),
            rules: vec!["CH002".into(), "CH014".into()],
        }]
    );
    assert_eq!(op.notes.len(), 1, "{:?}", op.notes);
    assert!(op.notes[0].contains("mail: not changed, the rules disagree"), "{}", op.notes[0]);
    assert!(op.notes[0].contains("CH009") && op.notes[0].contains("CH018"));
}

#[test]
fn proxy_addresses_change_value_by_value() {
    let o = user(2, |o| {
        o.proxy_addresses = vec![
            "smtp:a@contoso.com".into(),
            "SMTP:b@contoso.com".into(),
            "SMTP:c@contoso.com".into(),
            "smtp:d e@contoso.com".into(),
            "X500:/o=x".into(),
        ]
        .into();
    });
    let smtp = json!(["smtp:a@contoso.com", "SMTP:b@contoso.com", "SMTP:c@contoso.com", "smtp:d e@contoso.com"]);
    let fixed = json!(["smtp:a@contoso.com", "SMTP:b@contoso.com", "smtp:c@contoso.com", "smtp:d e@contoso.com"]);
    let f = [
        single("CH017", &o, "proxyAddresses", smtp, fixed, "EDIT"),
        single("CH007", &o, "proxyAddresses", json!("smtp:d e@contoso.com"), json!("smtp:de@contoso.com"), "EDIT"),
    ];
    let (_, p) = plan_for(vec![o], &f);
    assert_eq!(
        p.objects[0].changes,
        vec![Change::Values {
            attr: "proxyAddresses",
            remove: vec!["SMTP:c@contoso.com".into(), "smtp:d e@contoso.com".into()],
            add: vec!["smtp:c@contoso.com".into(), "smtp:de@contoso.com".into()],
            rules: vec!["CH007".into(), "CH017".into()],
        }]
    );
    assert!(p.objects[0].notes.is_empty());
}

#[test]
fn collisions_lost_primaries_and_stale_values_are_left_out() {
    // The fixed value already exists: the edit is dropped.
    let o =
        user(3, |o| o.proxy_addresses = vec!["SMTP:jose@contoso.com".into(), "smtp:josé@contoso.com".into()].into());
    let f =
        [single("CH014", &o, "proxyAddresses", json!("smtp:josé@contoso.com"), json!("smtp:jose@contoso.com"), "EDIT")];
    let (_, p) = plan_for(vec![o], &f);
    assert!(p.objects[0].changes.is_empty());
    assert!(p.objects[0].notes[0].contains("equals another address"), "{:?}", p.objects[0].notes);
    // Removing the only primary is refused.
    let o = user(4, |o| o.proxy_addresses = vec!["SMTP:a b@contoso.com".into(), "smtp:x@contoso.com".into()].into());
    let f = [single("CH007", &o, "proxyAddresses", json!("SMTP:a b@contoso.com"), Value::Null, "REMOVE")];
    let (_, p) = plan_for(vec![o], &f);
    assert!(p.objects[0].changes.is_empty());
    assert!(p.objects[0].notes[0].contains("would leave 0 primary"), "{:?}", p.objects[0].notes);
    // The finding names a value the object no longer holds.
    let o = user(5, |o| o.mail = Some("new@contoso.com".into()));
    let f = [single("CH009", &o, "mail", json!("old @contoso.com"), json!("old@contoso.com"), "EDIT")];
    let (_, p) = plan_for(vec![o], &f);
    assert!(p.objects[0].changes.is_empty());
    assert!(p.objects[0].notes[0].contains("export holds 'new@contoso.com'"), "{:?}", p.objects[0].notes);
    // EDIT without a proposal, and an empty proposal: notes, no change.
    let o = user(6, |o| o.upn = Some("x@contoso.local".into()));
    let f = [
        single("CH006", &o, "userPrincipalName", json!("x@contoso.local"), Value::Null, "EDIT"),
        single("CH010", &o, "mailNickname", json!("..."), json!(""), "EDIT"),
    ];
    let (_, p) = plan_for(vec![o], &f);
    assert!(p.objects[0].changes.is_empty());
    assert_eq!(p.objects[0].notes.len(), 2, "{:?}", p.objects[0].notes);
}

#[test]
fn exceptions_informational_lossy_and_dn_less_objects_are_not_changed() {
    let o = user(7, |o| o.upn = Some("a b@contoso.com".into()));
    let mut no_dn = user(8, |o| o.upn = Some("c d@contoso.com".into()));
    no_dn.dn = None;
    let f = [
        single("CH002", &o, "userPrincipalName", json!("a b@contoso.com"), json!("ab@contoso.com"), "EDIT"),
        single("CH002", &no_dn, "userPrincipalName", json!("c d@contoso.com"), json!("cd@contoso.com"), "EDIT"),
        single("CH015", &o, "displayName", json!("Zoë"), json!("Zoe"), "EDIT"),
    ];
    let estate = Estate { ad_objects: vec![o, no_dn], ..Default::default() };
    let p = plan_of(&estate, &f, &[], &HashSet::new(), &[]);
    assert_eq!(p.change_count(), 1);
    assert_eq!(p.informational, 1);
    let exc = crate::gate::Suppression::Exception(crate::gate::Exception {
        line: 1,
        rule: "CH002".into(),
        subject: None,
        fingerprint: None,
        reason: "r".into(),
        owner: "o".into(),
        expires: time::macros::date!(2030 - 01 - 01),
    });
    let p = plan_of(&estate, &f, &[Some(exc)], &HashSet::new(), &[]);
    assert_eq!((p.change_count(), p.excepted), (0, 1));
    let p = plan_of(&estate, &f, &[], &HashSet::from([0]), &[]);
    assert_eq!(p.change_count(), 0);
    assert!(p.objects[0].notes[0].contains("lossy"));
}

#[test]
fn service_accounts_and_upn_suffix_moves_are_listed_not_changed() {
    // Issue 25: a service account's sAMAccountName is never renamed by the fix files (SPNs, logons),
    // and moving a UPN to another suffix is a business decision; a one-edit typo is still corrected.
    let svc = user(11, |o| o.sam_account_name = Some("svc-sharepoint-crawler01".into()));
    let intern = user(12, |o| o.sam_account_name = Some("intern[01]".into()));
    let moved = user(13, |o| o.upn = Some("h.karimi@fabrikam.local".into()));
    let typo = user(14, |o| o.upn = Some("w.zhang@contoso.con".into()));
    let f = [
        single(
            "CH011",
            &svc,
            "sAMAccountName",
            json!("svc-sharepoint-crawler01"),
            json!("svc-sharepoint-crawl"),
            "EDIT",
        ),
        single("CH011", &intern, "sAMAccountName", json!("intern[01]"), json!("intern01"), "EDIT"),
        single(
            "CH006",
            &moved,
            "userPrincipalName",
            json!("h.karimi@fabrikam.local"),
            json!("h.karimi@fabrikam.com"),
            "EDIT",
        ),
        single("CH006", &typo, "userPrincipalName", json!("w.zhang@contoso.con"), json!("w.zhang@contoso.com"), "EDIT"),
    ];
    let (_, p) = plan_for(vec![svc, intern, moved, typo], &f);
    let changed: Vec<&str> = p.changed().map(|o| o.label.as_str()).collect();
    assert_eq!(p.change_count(), 2, "only the intern's rename and the typo fix: {changed:?}");
    let notes: Vec<&String> = p.objects.iter().flat_map(|o| &o.notes).collect();
    assert!(notes.iter().any(|n| n.contains("is a service or privileged account") && n.contains("`svc`")), "{notes:?}");
    assert!(
        notes.iter().any(|n| n.contains("from @fabrikam.local to @fabrikam.com is a business decision")),
        "{notes:?}"
    );
    assert_eq!(edit_distance("contoso.con", "contoso.com"), 1);
    let gmsa = AdObject { class: AdClass::Other("msDS-GroupManagedServiceAccount".into()), ..user(15, |_| {}) };
    assert!(service_account(&gmsa).is_some());
}

#[test]
fn duplicate_members_become_changes() {
    let winner = user(9, |o| o.upn = Some("dana@contoso.com".into()));
    let contact = AdObject {
        class: AdClass::Contact,
        mail: Some("dana@contoso.com".into()),
        proxy_addresses: vec!["SMTP:dana@fabrikam.com".into(), "smtp:Dana@Contoso.com".into()].into(),
        ..user(10, |_| {})
    };
    let members = json!([
        {"subject": ad_subject(&winner).id, "attributes": ["userPrincipalName"], "action": null, "proposed_value": null},
        {"subject": ad_subject(&contact).id, "attributes": ["proxyAddresses (secondary smtp:)"], "action": "REMOVE", "proposed_value": null},
        {"subject": ad_subject(&contact).id, "attributes": ["mail"], "action": "EDIT", "proposed_value": "dana@fabrikam.com"},
    ]);
    let ev = evidence([
        ("value", json!("dana@contoso.com")),
        ("members", members.clone()),
        ("winner", json!(ad_subject(&winner).id)),
    ]);
    let f = [finding("DU001", "t", vec![ad_subject(&contact), ad_subject(&winner)], ev, "dana@contoso.com")];
    // Which holder keeps the value is undetermined: several alternatives are not all applied.
    let undecided = evidence([("value", json!("dana@contoso.com")), ("members", members), ("winner", Value::Null)]);
    let g = [finding("DU001", "t", vec![ad_subject(&contact)], undecided, "dana@contoso.com")];
    let (_, p) = plan_for(vec![winner.clone(), contact.clone()], &g);
    assert_eq!(p.change_count(), 0);
    assert!(p.notes[0].contains("undetermined"), "{:?}", p.notes);
    let (_, p) = plan_for(vec![winner, contact], &f);
    assert_eq!(p.objects.len(), 1);
    assert_eq!(
        p.objects[0].changes,
        vec![
            Change::Single {
                attr: "mail",
                old: Some("dana@contoso.com".into()),
                new: Some("dana@fabrikam.com".into()),
                rules: vec!["DU001".into()]
            },
            Change::Values {
                attr: "proxyAddresses",
                remove: vec!["smtp:Dana@Contoso.com".into()],
                add: vec![],
                rules: vec!["DU001".into()]
            },
        ]
    );
}

#[test]
fn accounts_with_spns_or_admin_count_keep_their_names_but_not_their_bad_addresses() {
    // Issue 25: SPNs, adminCount, MSA classes and service-account names block sAMAccountName AND UPN changes.
    let web = user(20, |o| {
        o.sam_account_name = Some("webpool[01]".into());
        o.upn = Some("web pool@contoso.com".into());
        o.proxy_addresses = vec!["SMTP:webpool@contoso.com".into(), "smtp:web pool@contoso.com".into()].into();
        o.spn_count = 2;
    });
    let admin = user(21, |o| {
        o.sam_account_name = Some("adm-r.lefèvre".into());
        o.upn = Some("adm-r.lefèvre@contoso.com".into());
        o.admin_count = Some(1);
    });
    let plain = user(22, |o| o.upn = Some("ann lee@contoso.com".into()));
    let f = [
        single("CH011", &web, "sAMAccountName", json!("webpool[01]"), json!("webpool01"), "EDIT"),
        single("CH002", &web, "userPrincipalName", json!("web pool@contoso.com"), json!("webpool@contoso.com"), "EDIT"),
        single("CH007", &web, "proxyAddresses", json!("smtp:web pool@contoso.com"), Value::Null, "REMOVE"),
        single("CH014", &admin, "sAMAccountName", json!("adm-r.lefèvre"), json!("adm-r.lefevre"), "EDIT"),
        single(
            "CH014",
            &admin,
            "userPrincipalName",
            json!("adm-r.lefèvre@contoso.com"),
            json!("adm-r.lefevre@contoso.com"),
            "EDIT",
        ),
        single("CH002", &plain, "userPrincipalName", json!("ann lee@contoso.com"), json!("annlee@contoso.com"), "EDIT"),
    ];
    let (_, p) = plan_for(vec![web, admin, plain], &f);
    let changes: Vec<(&str, &str)> =
        p.objects.iter().flat_map(|o| o.changes.iter().map(move |c| (o.label.as_str(), c.attr()))).collect();
    assert_eq!(
        changes,
        vec![("web pool@contoso.com", "proxyAddresses"), ("ann lee@contoso.com", "userPrincipalName")],
        "only the ordinary user's UPN and the service account's address edit"
    );
    let notes = notes(&p);
    assert_eq!(notes.iter().filter(|n| n.contains("has 2 SPNs")).count(), 2, "{notes:?}");
    assert!(notes.iter().any(|n| n.starts_with("sAMAccountName: not changed") && n.contains("has 2 SPNs")));
    assert!(notes.iter().any(|n| n.starts_with("userPrincipalName: not changed") && n.contains("sign-ins")));
    assert_eq!(
        notes.iter().filter(|n| n.contains("adminCount = 1: protected by AdminSDHolder, a privileged account")).count(),
        2,
        "{notes:?}"
    );
    let both = user(23, |o| {
        o.spn_count = 1;
        o.admin_count = Some(1);
        o.sam_account_name = Some("svc-backup".into());
    });
    let why = service_account(&both).unwrap();
    assert!(why.starts_with("has 1 SPN; adminCount = 1") && why.contains("`svc`"), "{why}");
    assert_eq!(service_account(&user(24, |o| o.admin_count = Some(0))), None);
}

#[test]
fn upn_suffix_moves_apply_only_with_the_opt_in() {
    let moved = user(30, |o| o.upn = Some("h.karimi@fabrikam.local".into()));
    let f = [single(
        "CH006",
        &moved,
        "userPrincipalName",
        json!("h.karimi@fabrikam.local"),
        json!("h.karimi@fabrikam.com"),
        "EDIT",
    )];
    let (_, p) = plan_for(vec![moved.clone()], &f);
    assert_eq!((p.change_count(), p.opt_ins.clone()), (0, vec![]));
    assert!(notes(&p)[0].contains("--fix-policy move-upn-suffix"), "{:?}", notes(&p));
    let (_, p) = plan_with(vec![moved], &f, &[OptIn::MoveUpnSuffix, OptIn::MoveUpnSuffix]);
    assert_eq!(p.change_count(), 1);
    assert!(notes(&p).is_empty(), "{:?}", notes(&p));
    assert_eq!(p.opt_ins, vec![(OptIn::MoveUpnSuffix, 1)]);
    assert_eq!(OptIn::MoveUpnSuffix.policy_key(), "move_upn_suffix");
}

#[test]
fn mail_equals_the_primary_smtp_address() {
    let single_mail = |o: &AdObject| match o.mail.as_deref() {
        Some(m) => single("CH009", o, "mail", json!(m), json!(m.replace(' ', "")), "EDIT"),
        None => unreachable!(),
    };
    // A proposal that differs from the valid primary is replaced by it, with a note.
    let ann = user(40, |o| {
        o.mail = Some("ann lee@contoso.com".into());
        o.proxy_addresses = vec!["SMTP:ann.lee@contoso.com".into()].into();
    });
    // The plan's own proxyAddresses change decides the primary (CH014 transliterates both).
    let zoe = user(41, |o| {
        o.mail = Some("zoé.leroux@contoso.com".into());
        o.proxy_addresses = vec!["SMTP:zoé.leroux@contoso.com".into()].into();
    });
    // The mail already is the primary: no change.
    let kim = user(42, |o| {
        o.mail = Some("kim@contoso.com".into());
        o.proxy_addresses = vec!["SMTP:kim@contoso.com".into()].into();
    });
    // An invalid primary constrains nothing.
    let bad = user(43, |o| {
        o.mail = Some("b ad@contoso.com".into());
        o.proxy_addresses = vec!["SMTP:b a d@contoso.com".into()].into();
    });
    let f = [
        single_mail(&ann),
        single("CH014", &zoe, "mail", json!("zoé.leroux@contoso.com"), json!("zoe.leroux@contoso.com"), "EDIT"),
        single(
            "CH014",
            &zoe,
            "proxyAddresses",
            json!("SMTP:zoé.leroux@contoso.com"),
            json!("SMTP:zoe.leroux@contoso.com"),
            "EDIT",
        ),
        single("CH018", &kim, "mail", json!("kim@contoso.com"), json!("kim@fabrikam.com"), "EDIT"),
        single_mail(&bad),
    ];
    let (_, p) = plan_for(vec![ann, zoe, kim, bad], &f);
    let mail = |label: &str| {
        p.objects.iter().find(|o| o.guid.as_deref().is_some_and(|g| g.ends_with(label))).and_then(|o| {
            o.changes.iter().find_map(|c| match c {
                Change::Single { attr: "mail", new, .. } => new.clone(),
                _ => None,
            })
        })
    };
    assert_eq!(mail("1028").as_deref(), Some("ann.lee@contoso.com"));
    assert_eq!(mail("1029").as_deref(), Some("zoe.leroux@contoso.com"));
    assert_eq!(mail("102a"), None);
    assert_eq!(mail("102b").as_deref(), Some("bad@contoso.com"));
    let notes = notes(&p);
    let adjusted: Vec<&String> = p.objects.iter().flat_map(|o| &o.adjusted).collect();
    assert_eq!(adjusted.len(), 1, "{adjusted:?}");
    assert!(adjusted[0].contains("CH009 proposed 'annlee@contoso.com', which is not the primary"));
    assert!(notes.iter().any(|n| n.contains("already equals the primary SMTP address 'kim@contoso.com'")));
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(valid_smtp("o'brien@contoso.com") && !valid_smtp("a@b") && !valid_smtp("zoé@contoso.com"));
}

#[test]
fn the_keeper_of_a_duplicate_keeps_its_value() {
    // DU001: Dana keeps dana@contoso.com; CH rules proposing to change it on her are dropped.
    let dana = user(50, |o| {
        o.upn = Some("Dana@Contoso.com".into());
        o.mail = Some("dana@contoso.com".into());
        o.proxy_addresses =
            vec!["SMTP:dana.p@contoso.com".into(), "smtp:dana@contoso.com".into(), "smtp:dana park@contoso.com".into()]
                .into();
    });
    let vendor = AdObject {
        class: AdClass::Contact,
        mail: Some("dana@contoso.com".into()),
        proxy_addresses: vec!["SMTP:dana@fabrikam.com".into(), "smtp:dana@contoso.com".into()].into(),
        ..user(51, |_| {})
    };
    let members = json!([
        {"subject": ad_subject(&dana).id, "attributes": ["userPrincipalName", "mail"], "action": null, "proposed_value": null},
        {"subject": ad_subject(&vendor).id, "attributes": ["proxyAddresses (secondary smtp:)"], "action": "REMOVE", "proposed_value": null},
    ]);
    let ev =
        evidence([("value", json!("dana@contoso.com")), ("members", members), ("winner", json!(ad_subject(&dana).id))]);
    let f = [
        finding("DU001", "t", vec![ad_subject(&vendor), ad_subject(&dana)], ev, "dana@contoso.com"),
        single("CH018", &dana, "mail", json!("dana@contoso.com"), json!("d.park@contoso.com"), "EDIT"),
        single(
            "CH007",
            &dana,
            "proxyAddresses",
            json!("smtp:dana@contoso.com"),
            json!("smtp:dana.park@contoso.com"),
            "EDIT",
        ),
        single("CH002", &dana, "userPrincipalName", json!("Dana@Contoso.com"), json!("dana@contoso.com"), "EDIT"),
        single("CH007", &dana, "proxyAddresses", json!("smtp:dana park@contoso.com"), Value::Null, "REMOVE"),
    ];
    let (_, p) = plan_for(vec![dana, vendor], &f);
    let op = p.objects.iter().find(|o| o.guid.as_deref().is_some_and(|g| g.ends_with("1032"))).unwrap();
    // A change of case keeps the value; the removal of another address stays.
    assert_eq!(
        op.changes.iter().map(Change::describe).collect::<Vec<_>>(),
        vec![
            "userPrincipalName: 'Dana@Contoso.com' -> 'dana@contoso.com' (CH002)",
            "proxyAddresses: delete 'smtp:dana park@contoso.com' (CH007)"
        ]
    );
    // The mail proposal becomes the primary address, and then would take the kept value away: not applied.
    assert_eq!((op.notes.len(), op.adjusted.len()), (3, 0), "{:?}", op.notes);
    assert_eq!(op.notes.iter().filter(|n| n.contains("DU001 says this object keeps 'dana@contoso.com'")).count(), 2);
    assert!(op.notes.iter().any(|n| n.contains("the primary 'dana.p@contoso.com' is set instead")));
    // The other holder still loses it.
    assert_eq!(p.change_count(), 3);
}
