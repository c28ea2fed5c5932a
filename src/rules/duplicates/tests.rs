use super::*;
use crate::graph::EstateGraph;
use crate::ingest::Ingested;
use crate::model::{AdObject, Forest, Tenant};
use crate::rules::RuleOptions;

fn user(forest: u32, upn: &str, proxies: &[&str]) -> AdObject {
    AdObject {
        forest,
        upn: Some(upn.into()),
        sam_account_name: Some(crate::model::Text::from(upn.split('@').next().unwrap().replace('.', ""))),
        cn: Some(upn.into()),
        proxy_addresses: proxies.iter().map(|s| crate::model::Text::from(*s)).collect(),
        ..Default::default()
    }
}

fn run_on(estate: Estate) -> Vec<Finding> {
    let ingested = Ingested { estate, ..Default::default() };
    let graph = EstateGraph::build(&ingested.estate);
    let opts = RuleOptions::default();
    run(&Context::new(&opts, &ingested, &graph))
}

fn estate(same_tenant: bool) -> Estate {
    let mut e = Estate::default();
    e.tenants.push(Tenant { name: "A".into(), ..Default::default() });
    e.tenants.push(Tenant { name: "B".into(), ..Default::default() });
    e.forests.push(Forest { name: "a.local".into(), syncs_to: vec![0], ..Default::default() });
    e.forests.push(Forest {
        name: "b.local".into(),
        syncs_to: vec![if same_tenant { 0 } else { 1 }],
        ..Default::default()
    });
    // UPN in forest a = secondary smtp in forest b (cross-attribute, cross-forest); a third object
    // repeats its own address (not a duplicate).
    e.ad_objects.push(user(0, "J.Smith@contoso.com", &["SMTP:james.smith@contoso.com"]));
    e.ad_objects.push(user(1, "jane@contoso.com", &["SMTP:jane@contoso.com", "smtp:j.smith@CONTOSO.com"]));
    e.ad_objects.push(user(1, "nat@contoso.com", &["SMTP:nat@contoso.com", "smtp:Nat@contoso.com"]));
    e
}

#[test]
fn cross_attribute_cross_forest_duplicate_lists_every_member() {
    let f = run_on(estate(true));
    assert_eq!(f.len(), 1, "{:?}", f.iter().map(|f| &f.title).collect::<Vec<_>>());
    assert_eq!(f[0].rule, "DU001");
    assert_eq!(f[0].evidence.map()["value"], "j.smith@contoso.com");
    assert_eq!(f[0].subjects.len(), 2);
    assert_eq!(f[0].evidence.map()["members"].as_array().unwrap().len(), 2);
    assert_eq!(f[0].evidence.map()["winner"], Value::Null, "no tenant data: the order is undetermined");
}

#[test]
fn same_value_in_forests_syncing_to_different_tenants_is_not_a_duplicate() {
    assert!(run_on(estate(false)).is_empty());
}

#[test]
fn quarantine_upn_shape() {
    assert!(is_quarantine_upn("j.smith4417@contoso.onmicrosoft.com", "j.smith"));
    assert!(!is_quarantine_upn("j.smith44@contoso.onmicrosoft.com", "j.smith"));
    assert!(!is_quarantine_upn("j.smith4417@contoso.com", "j.smith"));
}

#[test]
fn sort_dedup_from_sorts_and_dedups_only_the_tail() {
    let mut v = vec![9, 1, 9, 5, 3, 5, 5, 1];
    sort_dedup_from(&mut v, 2);
    assert_eq!(v, vec![9, 1, 1, 3, 5, 9]);
    let mut empty_tail = vec![4, 2];
    sort_dedup_from(&mut empty_tail, 2);
    assert_eq!(empty_tail, vec![4, 2]);
    let mut one = vec![7];
    sort_dedup_from(&mut one, 0);
    assert_eq!(one, vec![7]);
}
