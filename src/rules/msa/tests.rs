use super::*;
use crate::ingest::Ingested;
use crate::model::*;
use crate::rules::{Context, RuleOptions};

const T1: &str = "11111111-1111-1111-1111-111111111111";
const T2: &str = "22222222-2222-2222-2222-222222222222";

fn tenant(id: &str, name: &str) -> Tenant {
    Tenant { id: Some(id.into()), name: name.into(), ..Default::default() }
}

fn msa_guest(tenant: u32, id: &str, address: &str, host: &str) -> CloudObject {
    CloudObject {
        tenant,
        id: Some(id.into()),
        upn: Some(crate::model::Text::from(format!("{}#EXT#@{host}", address.replace('@', "_")))),
        mail: Some(address.into()),
        user_type: Some("Guest".into()),
        creation_type: Some("Invitation".into()),
        external_user_state: Some("Accepted".into()),
        identities: vec![Identity {
            sign_in_type: Some("federated".into()),
            issuer: Some("MicrosoftAccount".into()),
            issuer_assigned_id: None,
        }]
        .into(),
        ..Default::default()
    }
}

fn run_on(e: Estate) -> Vec<Finding> {
    let graph = EstateGraph::build(&e);
    let ingested = Ingested { estate: e, ..Default::default() };
    let options = RuleOptions::default();
    let mut f = run(&Context::new(&options, &ingested, &graph));
    f.sort_by(|a, b| (a.rule.as_str(), &a.title).cmp(&(b.rule.as_str(), &b.title)));
    f
}

fn rules(f: &[Finding]) -> Vec<&str> {
    f.iter().map(|f| f.rule.as_str()).collect()
}

fn two_tenants() -> Estate {
    let mut e = Estate::default();
    e.tenants.push(tenant(T1, "Contoso"));
    e.tenants.push(tenant(T2, "Fabrikam"));
    e
}

#[test]
fn same_personal_account_in_two_tenants_is_ambiguous() {
    let mut e = two_tenants();
    e.cloud_objects.push(msa_guest(0, "a1", "kim@outlook.com", "contoso.onmicrosoft.com"));
    e.cloud_objects.push(msa_guest(1, "b1", "Kim@Outlook.com", "fabrikam.onmicrosoft.com"));
    let f = run_on(e);
    assert_eq!(rules(&f), vec!["MS001"]);
    assert!(f[0].title.contains("Contoso and Fabrikam"), "{}", f[0].title);
    assert_eq!(f[0].subjects[0].id, format!("{T1}/a1"));
    assert_eq!(f[0].evidence.map()["tenant_count"], 2);
    let errors = f[0].evidence.map()["errors_users_will_see"].to_string();
    assert!(errors.contains("AADSTS50020") && errors.contains("AADSTS500202"), "{errors}");
    assert!(f[0].evidence.map()["action"].to_string().contains(&format!("https://login.microsoftonline.com/{T2}")));
}

#[test]
fn guest_in_one_tenant_plus_az_sign_in_to_another_counts_but_one_tenant_alone_does_not() {
    let mut e = two_tenants();
    e.cloud_objects.push(msa_guest(0, "a1", "kim@outlook.com", "contoso.onmicrosoft.com"));
    assert!(run_on(e.clone()).is_empty(), "a personal guest in one tenant without privileges is not reported");
    e.subscriptions.push(Subscription {
        id: "s1".into(),
        tenant_id: Some("33333333-3333-3333-3333-333333333333".into()),
        user_name: Some("live.com#kim@outlook.com".into()),
        ..Default::default()
    });
    let f = run_on(e);
    assert_eq!(rules(&f), vec!["MS001", "MS003"]);
    assert!(f[0].title.contains("1 more tenant"), "{}", f[0].title);
    assert!(f[1].title.contains("1 Azure subscription in 1 tenant"), "{}", f[1].title);
    assert_eq!(f[1].severity, Severity::High);
}

#[test]
fn work_account_guests_and_look_alike_domains_are_not_personal() {
    let mut e = two_tenants();
    let mut partner = msa_guest(0, "a1", "lee@fabrikam.com", "contoso.onmicrosoft.com");
    partner.identities[0].issuer = Some("ExternalAzureAD".into());
    let mut partner2 = partner.clone();
    partner2.tenant = 1;
    partner2.id = Some("b1".into());
    // e-mail OTP guest on a look-alike of hotmail, in both tenants, and one without identities.
    let mut otp = msa_guest(0, "a2", "sam@hotmail-us.top", "contoso.onmicrosoft.com");
    otp.identities[0].issuer = Some("mail".into());
    let mut bare = otp.clone();
    bare.tenant = 1;
    bare.id = Some("b2".into());
    bare.identities.clear();
    e.cloud_objects.extend([partner, partner2, otp, bare]);
    e.role_grants.push(RoleGrant {
        tenant: 0,
        principal_id: "a1".into(),
        role: "Global Administrator".into(),
        ..Default::default()
    });
    assert!(run_on(e).is_empty());
}

#[test]
fn consumer_domain_guest_without_identities_is_probably_personal() {
    let mut e = two_tenants();
    for (t, id) in [(0, "a1"), (1, "b1")] {
        let mut g = msa_guest(t, id, "kim@hotmail.co.uk", "x.onmicrosoft.com");
        g.identities.clear();
        e.cloud_objects.push(g);
    }
    let f = run_on(e);
    assert_eq!(rules(&f), vec!["MS001"]);
    assert!(f[0].evidence.map()["personal_account_evidence"].to_string().contains("probably"));
}

#[test]
fn admin_role_on_personal_account_is_high_global_admin_critical_and_reader_roles_ignored() {
    let mut e = two_tenants();
    e.cloud_objects.push(msa_guest(0, "a1", "it.guy@hotmail.co.uk", "contoso.onmicrosoft.com"));
    e.role_grants.push(RoleGrant {
        tenant: 0,
        principal_id: "A1".into(),
        role: "Directory Readers".into(),
        ..Default::default()
    });
    assert!(run_on(e.clone()).is_empty());
    e.role_grants.push(RoleGrant {
        tenant: 0,
        principal_id: "A1".into(),
        role: "Global Administrator".into(),
        ..Default::default()
    });
    let f = run_on(e.clone());
    assert_eq!(rules(&f), vec!["MS002"]);
    assert_eq!(f[0].severity, Severity::Critical, "Global Administrator: control of the tenant");
    e.role_grants.pop();
    e.role_grants.push(RoleGrant {
        tenant: 0,
        principal_id: "A1".into(),
        role: "User Administrator".into(),
        ..Default::default()
    });
    let f = run_on(e);
    assert_eq!(rules(&f), vec!["MS002"]);
    assert_eq!(f[0].severity, Severity::High);
    assert!(f[0].title.contains("User Administrator in Contoso"), "{}", f[0].title);
    assert_eq!(f[0].discriminator, "user administrator");
}

#[test]
fn address_both_personal_and_work_and_redeemed_from_estate_domain() {
    let mut e = two_tenants();
    e.cloud_objects.push(CloudObject {
        tenant: 0,
        id: Some("w1".into()),
        upn: Some("lea@contoso.com".into()),
        user_type: Some("Member".into()),
        ..Default::default()
    });
    e.cloud_objects.push(msa_guest(1, "g1", "lea@contoso.com", "fabrikam.onmicrosoft.com"));
    e.domains.push(Domain { tenant: 0, name: "contoso.com".into(), is_verified: Some(true), ..Default::default() });
    let f = run_on(e.clone());
    assert_eq!(rules(&f), vec!["MS004", "MS005"]);
    assert_eq!(f[0].subjects[0].id, format!("{T2}/g1"), "the personal-account guest is the primary subject");
    assert_eq!(f[0].subjects[1].id, format!("{T1}/w1"));
    assert!(
        f[0].title.contains("guest in Fabrikam") && f[0].title.contains("work account (Contoso)"),
        "{}",
        f[0].title
    );
    assert_eq!(f[0].evidence.map()["reset_redemption"][0]["body"]["resetRedemption"], true);
    assert!(f[1].title.contains("verified by Contoso"), "{}", f[1].title);
    // Unverified domain and no work account: nothing.
    e.cloud_objects.remove(0);
    e.domains[0].is_verified = Some(false);
    assert!(run_on(e).is_empty());
}

#[test]
fn apps_are_reported_only_in_an_estate_with_ambiguity() {
    let mut e = two_tenants();
    for (name, aud) in
        [("Portal", "AzureADandPersonalMicrosoftAccount"), ("Sync", "AzureADMultipleOrgs"), ("HR", "AzureADMyOrg")]
    {
        e.applications.push(Application {
            tenant: 0,
            kind: "application".into(),
            app_id: Some(format!("app-{name}")),
            display_name: Some(name.into()),
            sign_in_audience: Some(aud.into()),
            ..Default::default()
        });
    }
    assert!(run_on(e.clone()).is_empty(), "no ambiguity, no app finding");
    e.cloud_objects.push(msa_guest(0, "a1", "kim@outlook.com", "contoso.onmicrosoft.com"));
    e.cloud_objects.push(msa_guest(1, "b1", "kim@outlook.com", "fabrikam.onmicrosoft.com"));
    let f = run_on(e);
    assert_eq!(rules(&f), vec!["MS001", "MS006", "MS006"]);
    let portal = f.iter().find(|f| f.title.contains("Portal")).unwrap();
    assert_eq!(portal.severity, Severity::Medium);
    assert!(portal.evidence.map()["issuer_allow_list"].to_string().contains("9188040d-6c67-4c5b-b112-36a304b66dad"));
    let sync = f.iter().find(|f| f.title.contains("Sync")).unwrap();
    assert_eq!(sync.severity, Severity::Low);
    assert!(!sync.evidence.map()["issuer_allow_list"].to_string().contains("9188040d"));
}

#[test]
fn address_hits_finds_what_a_plain_lookup_of_every_value_finds() {
    // The domain pre-check (ASCII tail comparison for a few lower-case ASCII domains, a set lookup
    // otherwise) only skips values that cannot be an account's address.
    let values: Vec<&str> = vec![
        "ann@outlook.com",
        "Ann@Outlook.COM",
        "ann@outlook.com.evil.example",
        "ann@notoutlook.com",
        "ann@sub.outlook.com",
        "@outlook.com",
        "outlook.com",
        "ann@contoso.com@outlook.com",
        "ann@contoso.com",
        "bob@gmail.com",
        "BOB@GMAIL.COM",
        "ann@outloo\u{212a}.com",
        "ann@outlook.co\u{212a}",
        "zoë@outlook.com",
        "ZOË@OUTLOOK.COM",
        "",
        "x@xn--mnchen-3ya.de",
        "carol@münchen.de",
        "Carol@MÜNCHEN.DE",
    ];
    let sets: Vec<Vec<&str>> = vec![
        vec!["ann@outlook.com", "bob@gmail.com", "ann@contoso.com@outlook.com"],
        vec!["zoë@outlook.com", "carol@münchen.de"],
        vec!["ann@outlook.com", "no-at-sign"],
        // The Kelvin sign lower-cases to an ASCII `k`: a non-ASCII value that matches an ASCII domain.
        vec!["ann@outlook.cok"],
    ];
    for accounts in sets {
        let by_address: crate::hash::FastMap<&str, usize> = accounts.iter().enumerate().map(|(i, a)| (*a, i)).collect();
        let proxies: Vec<Vec<crate::model::Text>> =
            values.iter().map(|v| vec![crate::model::Text::from(format!("SMTP:{v}"))]).collect();
        let got = accounts::address_hits(
            &by_address,
            values.iter().zip(&proxies).enumerate().map(|(i, (v, p))| (i as u32, Some(*v), None, p.as_slice())),
        );
        let mut expected: BTreeMap<usize, BTreeMap<u32, BTreeSet<&'static str>>> = BTreeMap::new();
        for (i, v) in values.iter().enumerate() {
            if let Some(&a) = by_address.get(&*crate::graph::key_index::lower(v)) {
                let e = expected.entry(a).or_default().entry(i as u32).or_default();
                e.insert("userPrincipalName");
                e.insert("proxyAddresses");
            }
        }
        assert_eq!(got, expected, "{accounts:?}");
        assert!(!got.is_empty(), "{accounts:?}: the test finds something");
    }
}
