use super::*;
use crate::model::{Estate, Subscription, Tenant};
use crate::rules::tenancy::testkit::*;

const A: &str = "11111111-1111-1111-1111-111111111111";
const B: &str = "22222222-2222-2222-2222-222222222222";
const C: &str = "33333333-3333-3333-3333-333333333333";

/// Contoso (synced, verifies contoso.com), Contoso Sales (members with contoso.com mail), Fabrikam (unrelated).
fn estate() -> Estate {
    let mut e = Estate::default();
    e.tenants.push(Tenant { on_prem_sync_enabled: Some(true), ..tenant(A, "Contoso Ltd") });
    e.tenants.push(tenant(B, "Contoso Sales"));
    e.tenants.push(tenant(C, "Fabrikam, Inc."));
    e.domains.push(domain(0, "contoso.com", true));
    e.domains.push(domain(1, "contososales.com", true));
    e.domains.push(domain(1, "contoso.com", false));
    e.domains.push(domain(2, "fabrikam.com", true));
    for (t, upn, name, mail) in [
        (0, "ann@contoso.com", "Ann Lee", "ann@contoso.com"),
        (0, "bo@contoso.com", "Bo Chen", "bo@contoso.com"),
        (1, "ann@contososales.com", "Ann Lee", "ann@contoso.com"),
        (1, "eve@contososales.com", "Eve Ng", "eve@contososales.com"),
        (2, "ivy@fabrikam.com", "Ivy Park", "ivy@fabrikam.com"),
        (2, "bo.chen@fabrikam.com", "Bo Chen", "bo.chen@fabrikam.com"),
    ] {
        e.cloud_objects.push(member(t, upn, name, mail));
    }
    // A guest of Fabrikam in Contoso: not a member, never evidence.
    let mut g = member(0, "ivy_fabrikam.com#EXT#@contoso.onmicrosoft.com", "Ivy Park", "ivy@fabrikam.com");
    g.user_type = Some("Guest".into());
    e.cloud_objects.push(g);
    e
}

#[test]
fn clusters_related_tenants_and_keeps_the_unrelated_one_out() {
    let f = run_on(estate(), run_family);
    assert_eq!(codes(&f), vec!["DD001"]);
    let ev = &f[0].evidence.map();
    assert_eq!(ev["tenants"], json!(["Contoso Ltd", "Contoso Sales"]));
    assert_eq!(ev["primary"], "Contoso Ltd");
    let kinds: Vec<&str> =
        ev["pairs"][0]["evidence"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, vec!["domain_verified_elsewhere", "similar_names", "same_people"]);
    assert_eq!(f[0].subjects[0].id, A);
}

#[test]
fn a_declared_separation_is_reported_instead_of_a_cluster() {
    let mut e = estate();
    e.tenants[1].separate_from = vec![0];
    let f = run_on(e, run_family);
    assert_eq!(codes(&f), vec!["DD002"]);
    assert_eq!(f[0].subjects[0].id, B);
    assert_eq!(f[0].evidence.map()["would_cluster"], true);
    let mut e = estate();
    e.tenants[0].cross_tenant_sync = vec![1];
    let f = run_on(e, run_family);
    assert_eq!(codes(&f), vec!["DD002"]);
    assert_eq!(f[0].evidence.map()["declaration"], "cross_tenant_sync");
}

#[test]
fn weak_evidence_alone_does_not_cluster() {
    // Similar names only (15) and a Lighthouse delegation (5): below the threshold.
    let mut e = Estate::default();
    e.tenants.push(tenant(A, "Contoso Ltd"));
    e.tenants.push(tenant(B, "Contoso Pharma"));
    e.subscriptions.push(Subscription {
        id: "s1".into(),
        tenant_id: Some(B.into()),
        managed_by_tenants: vec![A.into()],
        ..Default::default()
    });
    let f = run_on(e, run_family);
    assert!(f.is_empty(), "{:?}", codes(&f));
}

#[test]
fn the_synced_tenant_is_primary_even_when_smaller() {
    let mut e = estate();
    for i in 0..5 {
        e.cloud_objects.push(member(1, &format!("u{i}@contososales.com"), &format!("User {i}"), "x@contososales.com"));
    }
    let f = run_on(e, run_family);
    assert_eq!(f[0].evidence.map()["primary"], "Contoso Ltd");
    assert_eq!(f[0].evidence.map()["ranking"]["Contoso Sales"]["member_users"], 7);
}

fn run_family(ctx: &Context<'_>) -> Vec<Finding> {
    super::run(ctx)
}
