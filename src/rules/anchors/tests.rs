//! Tests of the `anchors` family.

use super::*;
use crate::findings::Severity;
use crate::graph::EstateGraph;
use crate::ingest::Ingested;
use crate::model::*;
use crate::rules::RuleOptions;
use serde_json::json;

const ANN: &str = "35918bc9-196d-40ea-9779-889d79b753f0";
const BOB: &str = "0b8e4c2a-7d19-4f36-a5e0-3c6f1d2b9a47";

fn ctx_run(e: Estate, f: impl FnOnce(&[Finding])) {
    let g = EstateGraph::build(&e);
    let ing = Ingested { estate: e, ..Default::default() };
    let opts = RuleOptions::default();
    let ctx = Context::new(&opts, &ing, &g);
    let out = run(&ctx);
    f(&out);
}

fn ad(guid: &str, upn: &str) -> AdObject {
    AdObject {
        object_guid: Guid::parse(guid),
        upn: Some(upn.into()),
        display_name: Some(upn.split('@').next().unwrap().into()),
        proxy_addresses: vec![crate::model::Text::from(format!("SMTP:{upn}"))].into(),
        ..Default::default()
    }
}
fn cloud(upn: &str, anchor: Option<&str>) -> CloudObject {
    CloudObject {
        id: Some(crate::model::Text::from(format!("id-{upn}"))),
        upn: Some(upn.into()),
        immutable_id: anchor.map(crate::model::Text::from),
        on_prem_sync_enabled: anchor.map(|_| true),
        sync_fields_exported: true,
        ..Default::default()
    }
}
fn estate() -> Estate {
    let mut e = Estate::default();
    e.forests.push(Forest {
        name: "corp.contoso.com".into(),
        complete: Some(true),
        syncs_to: vec![0],
        ..Default::default()
    });
    e.tenants.push(Tenant { id: Some("t0".into()), name: "Contoso".into(), ..Default::default() });
    e
}
fn codes(fs: &[Finding]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = fs.iter().map(|f| (f.rule.clone(), f.subjects[0].display.clone())).collect();
    v.sort();
    v
}

#[test]
fn mutable_byte_order_text_and_orphan_findings() {
    let mut e = estate();
    e.ad_objects.push(ad(ANN, "ann@contoso.com"));
    e.ad_objects.push(ad("f7cc07d7-7c15-447d-876d-c01b0e5a9e38", "bob@contoso.com"));
    e.ad_objects.push(ad("897485c7-81a7-42eb-97c6-37ed73077b1f", "jdoe@contoso.com"));
    let mut emp = ad("c2919ea7-a90b-4726-beb8-ae78c5e61264", "emp@contoso.com");
    emp.employee_id = Some("100234".into());
    e.ad_objects.push(emp);
    e.cloud_objects.push(cloud("ann@contoso.com", Some("NZGLyRltQOqXeYidebdT8A=="))); // big-endian
    e.cloud_objects.push(cloud("bob@contoso.com", Some("f7cc07d7-7c15-447d-876d-c01b0e5a9e38"))); // text
    e.cloud_objects.push(cloud("jdoe@contoso.com", Some("amRvZUBjb250b3NvLmNvbQ=="))); // UPN
    e.cloud_objects.push(cloud("emp@contoso.com", Some("MTAwMjM0"))); // employeeID
    e.cloud_objects.push(cloud("gone@contoso.com", Some("x4V0iaeB60KXxjftcwd7Hw=="))); // hmm: jdoe's GUID
    e.cloud_objects.push(cloud("orphan@contoso.com", Some("ERERESIiMzNERFVVVVVVVQ=="))); // matches nobody
    ctx_run(e, |fs| {
        let c = codes(fs);
        assert!(c.contains(&("AN003".into(), "ann@contoso.com".into())), "{c:?}");
        assert!(c.contains(&("AN002".into(), "bob@contoso.com".into())), "{c:?}");
        assert!(c.contains(&("AN001".into(), "jdoe@contoso.com".into())), "{c:?}");
        assert!(c.contains(&("AN001".into(), "emp@contoso.com".into())), "{c:?}");
        assert!(c.contains(&("AN005".into(), "orphan@contoso.com".into())), "{c:?}");
        assert!(!c.iter().any(|(r, d)| r == "AN005" && d == "gone@contoso.com"), "hard-linked: {c:?}");
        assert!(!c.iter().any(|(r, d)| r == "AN005" && d == "ann@contoso.com"), "byte order is not orphan: {c:?}");
        let be = fs.iter().find(|f| f.rule == "AN003").unwrap();
        assert_eq!(be.evidence.map()["proposed_value"], "yYuRNW0Z6kCXeYidebdT8A==");
        let emp = fs.iter().find(|f| f.rule == "AN001" && f.subjects[0].display == "emp@contoso.com").unwrap();
        assert_eq!(emp.evidence.map()["likely_source_attribute"], "employeeID");
        let upn = fs.iter().find(|f| f.rule == "AN001" && f.subjects[0].display == "jdoe@contoso.com").unwrap();
        assert_eq!(upn.evidence.map()["likely_source_attribute"], "userPrincipalName");
        assert_eq!(upn.severity, Severity::High);
        assert_eq!(upn.evidence.map()["proposed_value"], "x4V0iaeB60KXxjftcwd7Hw==");
        let txt = fs.iter().find(|f| f.rule == "AN002").unwrap();
        assert_eq!(txt.evidence.map()["proposed_value"], "1wfM9xV8fUSHbcAbDlqeOA==");
        // No manifest anchor: the forest gets an info finding saying how it was decided.
        assert!(c.iter().any(|(r, _)| r == "AN010"), "{c:?}");
    });
}

#[test]
fn an_anchor_repair_tells_a_cloud_managed_twin_from_a_synced_one() {
    // Issue 25: a cloud-managed twin gets its ImmutableId set directly; a synced one needs the
    // re-anchoring procedure (out of scope, restore, set, back in scope), with its outage.
    let mut e = estate();
    e.ad_objects.push(ad(ANN, "ann@contoso.com"));
    e.ad_objects.push(ad("f7cc07d7-7c15-447d-876d-c01b0e5a9e38", "bob@contoso.com"));
    e.cloud_objects.push(cloud("ann@contoso.com", Some("NZGLyRltQOqXeYidebdT8A=="))); // synced, big-endian
    let mut bob = cloud("bob@contoso.com", Some("f7cc07d7-7c15-447d-876d-c01b0e5a9e38")); // GUID text
    bob.on_prem_sync_enabled = None; // cloud-managed
    e.cloud_objects.push(bob);
    ctx_run(e, |fs| {
        let synced = fs.iter().find(|f| f.rule == "AN003").unwrap();
        assert_eq!(synced.evidence.map()["twin_state"], "synced");
        assert!(synced.remediation.starts_with("The cloud twin is synchronised"), "{}", synced.remediation);
        let synced_ev = synced.evidence.map();
        let steps: Vec<&str> = synced_ev["steps"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
        let at = |n: &str| steps.iter().position(|s| s.contains(n)).unwrap_or_else(|| panic!("{n}: {steps:#?}"));
        assert!(at("out of sync scope") < at("Restore-MgDirectoryDeletedItem"));
        assert!(at("Restore-MgDirectoryDeletedItem") < at("-OnPremisesImmutableId 'yYuRNW0Z6kCXeYidebdT8A=='"));
        assert!(at("-OnPremisesImmutableId") < at("back into sync scope"));
        assert!(synced.evidence.map()["outage"].as_str().unwrap().contains("no sign-in"));
        let cloud_managed = fs.iter().find(|f| f.rule == "AN002").unwrap();
        assert_eq!(cloud_managed.evidence.map()["twin_state"], "cloud-managed");
        assert!(!cloud_managed.evidence.contains_key("steps"));
        assert!(cloud_managed.remediation.starts_with("The cloud twin is cloud-managed"));
        assert_eq!(
            cloud_managed.evidence.map()["commands"],
            json!(["Update-MgUser -UserId id-bob@contoso.com -OnPremisesImmutableId '1wfM9xV8fUSHbcAbDlqeOA=='"])
        );
    });
}

#[test]
fn orphan_is_weaker_when_completeness_is_unknown_and_skipped_when_not_synced() {
    let mut e = estate();
    e.forests[0].complete = None;
    e.ad_objects.push(ad(ANN, "ann@contoso.com"));
    e.cloud_objects.push(cloud("orphan@contoso.com", Some("1wfM9xV8fUSHbcAbDlqeOA==")));
    let mut was = cloud("was@contoso.com", Some("x4V0iaeB60KXxjftcwd7Hw=="));
    was.on_prem_sync_enabled = Some(false);
    e.cloud_objects.push(was);
    ctx_run(e, |fs| {
        let o: Vec<&Finding> = fs.iter().filter(|f| f.rule == "AN005").collect();
        assert_eq!(o.len(), 1);
        assert_eq!(o[0].severity, Severity::Low);
        assert!(o[0].title.contains("possibly orphaned"));
    });
}

#[test]
fn orphan_needs_a_forest_that_may_feed_the_tenant() {
    let mut e = estate();
    e.tenants.push(Tenant { id: Some("t1".into()), name: "Other".into(), ..Default::default() });
    e.ad_objects.push(ad(ANN, "ann@contoso.com"));
    let mut o = cloud("x@other.example", Some("ERERESIiMzNERFVVVVVVVQ=="));
    o.tenant = 1;
    e.cloud_objects.push(o);
    // The only forest declares it feeds Contoso: nothing is known about "Other".
    ctx_run(e.clone(), |fs| assert!(fs.iter().all(|f| f.rule != "AN005"), "{:?}", codes(fs)));
    // A forest without syncs_to and without any synced twin in "Other" does not feed it: the
    // unmatched object is a coverage gap (IN011, family input), not an orphan.
    e.forests[0].syncs_to.clear();
    ctx_run(e.clone(), |fs| assert!(fs.iter().all(|f| f.rule != "AN005"), "{:?}", codes(fs)));
    // Once the forest's synced objects show it feeds "Other": reported, but never as definite.
    let mut bob = cloud("bob@other.example", Some(&Guid::parse(BOB).unwrap().immutable_id()));
    bob.tenant = 1;
    e.ad_objects.push(ad(BOB, "bob@other.example"));
    e.cloud_objects.push(bob);
    ctx_run(e, |fs| {
        let f = fs.iter().find(|f| f.rule == "AN005").unwrap();
        assert_eq!(f.severity, Severity::Low);
        assert_eq!(
            f.evidence.map()["conclusion"],
            "weaker: no forest is declared to feed this tenant (estate.toml syncs_to)"
        );
    });
}

#[test]
fn multi_tenant_sync_is_left_to_sy007_but_a_stray_twin_is_reported() {
    let mut e = estate();
    e.forests[0].syncs_to.clear();
    e.tenants.push(Tenant { id: Some("t1".into()), name: "Second".into(), ..Default::default() });
    for k in 0..12u128 {
        let g = Guid(uuid::Uuid::from_u128(0x7000_0000_0000_4000_8000_0000_0000_0000 + k));
        let upn = format!("u{k}@contoso.com");
        e.ad_objects.push(ad(&g.to_string(), &upn));
        e.cloud_objects.push(cloud(&upn, Some(&g.immutable_id())));
        // Every user also synced into "Second" (two Connect servers): a second target, not strays.
        let mut twin = cloud(&format!("u{k}@second.example"), Some(&g.immutable_id()));
        twin.tenant = 1;
        e.cloud_objects.push(twin);
    }
    ctx_run(e.clone(), |fs| assert!(fs.iter().all(|f| f.rule != "AN007"), "{:?}", codes(fs)));
    // Only one of them synced into "Second": a stray twin, one AN007 naming it.
    e.cloud_objects.retain(|c| c.tenant == 0 || c.upn.as_deref() == Some("u3@second.example"));
    ctx_run(e, |fs| {
        let f: Vec<&Finding> = fs.iter().filter(|f| f.rule == "AN007").collect();
        assert_eq!(f.len(), 1, "{:?}", codes(fs));
        assert!(f[0].title.contains("stray synced twin"), "{}", f[0].title);
        assert_eq!(f[0].severity, Severity::Medium);
    });
}

#[test]
fn duplicates_in_tenant_and_across_tenants() {
    let mut e = estate();
    e.tenants.push(Tenant { id: Some("t1".into()), name: "Marketing".into(), ..Default::default() });
    e.ad_objects.push(ad(ANN, "ann@contoso.com"));
    e.cloud_objects.push(cloud("ann@contoso.com", Some("yYuRNW0Z6kCXeYidebdT8A==")));
    e.cloud_objects.push(cloud("ann2@contoso.onmicrosoft.com", Some("yYuRNW0Z6kCXeYidebdT8A==")));
    let mut copy = cloud("ann@marketing.example", Some("yYuRNW0Z6kCXeYidebdT8A=="));
    copy.tenant = 1;
    copy.on_prem_sync_enabled = None;
    e.cloud_objects.push(copy);
    ctx_run(e, |fs| {
        let dup: Vec<&Finding> = fs.iter().filter(|f| f.rule == "AN006").collect();
        assert_eq!(dup.len(), 1);
        assert_eq!(dup[0].subjects.len(), 3, "two cloud objects and the AD twin");
        let two: Vec<&Finding> = fs.iter().filter(|f| f.rule == "AN007").collect();
        assert_eq!(two.len(), 1);
        assert!(two[0].title.contains("copied directory"), "{}", two[0].title);
        assert_eq!(two[0].severity, Severity::Medium);
    });
}

/// A forest of `n` synced users (twins hold Base64(objectGUID)), each carrying ms-DS-ConsistencyGuid =
/// objectGUID when `written_back`, plus one migrated user whose ms-DS-ConsistencyGuid (carried over,
/// ≠ objectGUID) is what its cloud twin holds. Anchor attribute not declared.
fn population(n: usize, written_back: bool) -> Estate {
    let mut e = estate();
    e.forests[0].anchor_attribute = None;
    for k in 0..n {
        let g = Guid(uuid::Uuid::from_u128(0x5000_0000_0000_4000_8000_0000_0000_0000 + k as u128));
        let upn = format!("user{k}@contoso.com");
        let mut a = ad(&g.to_string(), &upn);
        if written_back {
            a.consistency_guid = Some(g.to_ad_bytes().to_vec().into());
        }
        e.ad_objects.push(a);
        e.cloud_objects.push(cloud(&upn, Some(&g.immutable_id())));
    }
    let carried = Guid::parse("f7cc07d7-7c15-447d-876d-c01b0e5a9e38").unwrap();
    let mut m = ad(ANN, "migrated@contoso.com");
    m.consistency_guid = Some(carried.to_ad_bytes().to_vec().into());
    e.ad_objects.push(m);
    e.cloud_objects.push(cloud("migrated@contoso.com", Some(&carried.immutable_id())));
    e
}

#[test]
fn anchor_attribute_is_decided_by_the_population_not_one_migrated_user() {
    // objectGUID forest: most synced users have no ms-DS-ConsistencyGuid; the migrated user's twin
    // holds the carried-over value, which objectGUID-based sync will not match.
    ctx_run(population(40, false), |fs| {
        let d = fs.iter().find(|f| f.rule == "AN010").unwrap();
        assert_eq!(d.evidence.map()["anchor_attribute"], "objectGUID", "{}", d.title);
        assert_eq!(d.evidence.map()["synced_linked_users"], 41);
        assert_eq!(d.evidence.map()["synced_linked_users_with_consistencyGuid"], 1);
        let cg: Vec<&Finding> = fs.iter().filter(|f| f.rule == "AN008").collect();
        assert_eq!(cg.len(), 1, "{:?}", codes(fs));
        assert_eq!(cg[0].severity, Severity::High);
        assert_eq!(cg[0].subjects[0].display, "migrated");
        let above_low: Vec<(String, String)> = fs
            .iter()
            .filter(|f| f.severity <= Severity::Medium && f.rule != "AN008")
            .map(|f| (f.rule.clone(), f.title.clone()))
            .collect();
        assert!(above_low.is_empty(), "{above_low:?}");
    });
    // ms-DS-ConsistencyGuid forest: synced users carry it (= objectGUID); the migrated user's twin
    // holding the carried-over value is right.
    ctx_run(population(40, true), |fs| {
        let d = fs.iter().find(|f| f.rule == "AN010").unwrap();
        assert_eq!(d.evidence.map()["anchor_attribute"], "ms-DS-ConsistencyGuid", "{}", d.title);
        let above_low: Vec<(String, String)> =
            fs.iter().filter(|f| f.severity <= Severity::Medium).map(|f| (f.rule.clone(), f.title.clone())).collect();
        assert!(above_low.is_empty(), "{above_low:?}");
    });
}

#[test]
fn consistency_guid_differs_and_anchor_detection() {
    let other = Guid::parse("f7cc07d7-7c15-447d-876d-c01b0e5a9e38").unwrap();
    let mut e = estate();
    e.forests[0].anchor_attribute = None;
    let mut a = ad(ANN, "ann@contoso.com");
    a.consistency_guid = Some(other.to_ad_bytes().to_vec().into());
    e.ad_objects.push(a);
    e.cloud_objects.push(cloud("ann@contoso.com", Some("yYuRNW0Z6kCXeYidebdT8A==")));
    ctx_run(e.clone(), |fs| {
        let d = fs.iter().find(|f| f.rule == "AN010").unwrap();
        assert_eq!(d.evidence.map()["anchor_attribute"], "objectGUID");
        assert!(d.evidence.map()["decided_by"].as_str().unwrap().starts_with("detected"));
        let cg = fs.iter().find(|f| f.rule == "AN008").unwrap();
        assert_eq!(cg.severity, Severity::Low, "latent: the tenant holds the objectGUID value");
    });
    // Declared ms-DS-ConsistencyGuid while the tenant holds objectGUID: a real mismatch.
    e.forests[0].anchor_attribute = Some("ms-DS-ConsistencyGuid".into());
    ctx_run(e.clone(), |fs| {
        let cg = fs.iter().find(|f| f.rule == "AN008").unwrap();
        assert_eq!(cg.severity, Severity::High);
        assert_eq!(cg.evidence.map()["proposed_value"], "1wfM9xV8fUSHbcAbDlqeOA==");
        assert!(!fs.iter().any(|f| f.rule == "AN010"));
    });
    // Declared ms-DS-ConsistencyGuid and the tenant holds it: fine (ADMT-migrated user).
    e.cloud_objects[0].immutable_id = Some("1wfM9xV8fUSHbcAbDlqeOA==".into());
    ctx_run(e, |fs| assert!(!fs.iter().any(|f| f.rule == "AN008"), "{:?}", codes(fs)));
}

#[test]
fn collision_after_switch() {
    let other = Guid::parse("f7cc07d7-7c15-447d-876d-c01b0e5a9e38").unwrap();
    let mut e = estate();
    e.forests[0].anchor_attribute = Some("objectGUID".into());
    let mut a = ad(ANN, "ann@contoso.com");
    a.consistency_guid = Some(other.to_ad_bytes().to_vec().into());
    let b = ad("f7cc07d7-7c15-447d-876d-c01b0e5a9e38", "bob@contoso.com");
    e.ad_objects.push(a);
    e.ad_objects.push(b);
    ctx_run(e, |fs| {
        let c: Vec<&Finding> = fs.iter().filter(|f| f.rule == "AN009").collect();
        assert_eq!(c.len(), 1, "{:?}", codes(fs));
        assert_eq!(c[0].severity, Severity::Low);
        assert_eq!(c[0].subjects.len(), 2);
    });
}

/// The preview reads a hard match from the graph's anchor links ([`expected_anchor_source`]) instead of
/// looking [`expected_anchor`] up again: both give the same cloud objects for every shape of anchor
/// material (objectGUID only, ms-DS-ConsistencyGuid equal to it, differing, without objectGUID, empty,
/// on a group) and either anchor attribute, cloud objects holding each candidate value twice.
#[test]
fn expected_anchor_hits_from_graph_links_equal_an_index_lookup() {
    let guid = |s: &str| Guid::parse(s).unwrap();
    let other = guid("5f0d9a71-2c3b-4e8d-9a6f-1b2c3d4e5f60");
    let cg_of = |g: Guid| g.to_ad_bytes().to_vec();
    let mut e = estate();
    let mut shapes: Vec<AdObject> = Vec::new();
    shapes.push(ad(ANN, "guid-only@contoso.com"));
    let mut same = ad(BOB, "same@contoso.com");
    same.consistency_guid = Some(cg_of(guid(BOB)).into());
    shapes.push(same);
    let mut differs = ad(ANN, "differs@contoso.com");
    differs.consistency_guid = Some(cg_of(other).into());
    shapes.push(differs);
    let mut no_guid = AdObject { upn: Some("no-guid@contoso.com".into()), ..Default::default() };
    no_guid.consistency_guid = Some(cg_of(other).into());
    shapes.push(no_guid);
    let mut empty = ad(BOB, "empty@contoso.com");
    empty.consistency_guid = Some(Vec::new().into());
    shapes.push(empty);
    let mut group = ad(ANN, "group@contoso.com");
    group.class = AdClass::Group;
    group.consistency_guid = Some(cg_of(other).into());
    shapes.push(group);
    shapes.push(AdObject { upn: Some("nothing@contoso.com".into()), ..Default::default() });
    e.ad_objects = shapes;
    for (k, g) in [guid(ANN), guid(BOB), other].into_iter().enumerate() {
        for copy in 0..2 {
            e.cloud_objects.push(cloud(&format!("c{k}-{copy}@contoso.com"), Some(&g.immutable_id())));
        }
    }
    let g = EstateGraph::build(&e);
    let mut checked = 0;
    for attr in [AnchorAttr::ObjectGuid, AnchorAttr::ConsistencyGuid] {
        for (i, o) in e.ad_objects.iter().enumerate() {
            let looked_up =
                expected_anchor(o, attr).map(|a| g.indexes.cloud_by_anchor.get(&e.cloud_objects, &a).into_owned());
            let from_links = expected_anchor_source(o, attr).map(|src| {
                let mut v: Vec<u32> =
                    g.anchored_cloud_objects(i as u32).filter(|&(_, s)| s == src).map(|(c, _)| c).collect();
                v.sort_unstable();
                v
            });
            assert_eq!(from_links, looked_up, "{:?} with {attr:?}", o.upn);
            checked += usize::from(looked_up.is_some_and(|v| v.len() == 2));
        }
    }
    // objectGUID: five objects have one; ms-DS-ConsistencyGuid: those five and the user without one.
    assert_eq!(checked, 11, "every object with an expected anchor met both copies");
}
