use super::*;
use crate::graph::EstateGraph;
use crate::ingest::Ingested;
use crate::model::*;
use crate::rules::RuleOptions;

fn run_on(e: Estate, as_of: &str) -> Vec<Finding> {
    let g = EstateGraph::build(&e);
    let ing = Ingested { estate: e, ..Default::default() };
    let opts = RuleOptions { as_of: Some(crate::cli::parse_date(as_of).unwrap()), ..Default::default() };
    let ctx = Context::new(&opts, &ing, &g);
    run(&ctx)
}

/// Runs the family with the run's own time `now` and no `--as-of`: staleness is judged at the data dates.
fn run_today(e: Estate, now: &str) -> Vec<Finding> {
    let g = EstateGraph::build(&e);
    let ing = Ingested { estate: e, ..Default::default() };
    let opts = RuleOptions { now: Some(crate::cli::parse_date(now).unwrap()), ..Default::default() };
    let ctx = Context::new(&opts, &ing, &g);
    run(&ctx)
}

fn exported(date: &str) -> Option<DataDate> {
    let at = crate::cli::parse_date(date).unwrap();
    DataDate::over([&ExportTime::new(at, ExportSource::Manifest, "estate.toml [[tenant]] \"Contoso\" exported")])
}

fn base() -> Estate {
    let mut e = Estate::default();
    e.forests.push(Forest {
        name: "corp.contoso.com".into(),
        syncs_to: vec![0],
        complete: Some(true),
        ..Default::default()
    });
    e.tenants.push(Tenant {
        id: Some("bab6cf19-4a02-459b-a96d-5ba492ac1715".into()),
        name: "Contoso".into(),
        on_prem_sync_enabled: Some(true),
        on_prem_last_sync: Some("2026-11-20T07:42:18Z".into()),
        verified_domains: vec![VerifiedDomain {
            name: "contoso.onmicrosoft.com".into(),
            is_initial: Some(true),
            ..Default::default()
        }],
        ..Default::default()
    });
    e
}
fn ad(guid: &str, upn: &str) -> AdObject {
    AdObject {
        object_guid: Guid::parse(guid),
        upn: Some(upn.into()),
        proxy_addresses: vec![crate::model::Text::from(format!("SMTP:{upn}"))].into(),
        ..Default::default()
    }
}
fn cloud(id: &str, upn: &str) -> CloudObject {
    CloudObject {
        id: Some(id.into()),
        upn: Some(upn.into()),
        mail: Some(upn.into()),
        sync_fields_exported: true,
        ..Default::default()
    }
}
fn rules(fs: &[Finding]) -> Vec<&str> {
    let mut v: Vec<&str> = fs.iter().map(|f| f.rule.as_str()).collect();
    v.sort();
    v
}

#[test]
fn parses_msol_and_rfc3339_times() {
    assert_eq!(parse_time("2026-06-02T03:14:07Z").unwrap().hour(), 3);
    let t = parse_time("6/2/2026 3:14:07 PM").unwrap();
    assert_eq!((t.month() as u8, t.day(), t.hour()), (6, 2, 15));
    assert_eq!(parse_time("12/1/2026 12:05:00 AM").unwrap().hour(), 0);
    assert!(parse_time("yesterday").is_none());
}

#[test]
fn stale_sync_uses_as_of_and_threshold() {
    let mut e = base();
    assert!(run_on(e.clone(), "2026-11-23").iter().all(|f| f.rule != STALE), "3 days is fresh");
    e.tenants[0].on_prem_last_sync = Some("2026-06-02T03:14:07Z".into());
    let fs = run_on(e.clone(), "2026-11-23");
    let f = fs.iter().find(|f| f.rule == STALE).unwrap();
    assert_eq!(f.evidence.map()["age_days"], 173);
    assert_eq!(f.severity, Severity::High);
    e.tenants[0].on_prem_sync_enabled = None;
    assert!(run_on(e, "2026-11-23").iter().all(|f| f.rule != STALE), "never synced");
}

#[test]
fn stale_sync_is_judged_at_the_data_date_not_the_day_of_the_scan() {
    let mut e = base();
    e.tenants[0].on_prem_last_sync = Some("2026-11-01T06:00:00Z".into());
    // Exported four days after the last sync and scanned five weeks later: the sync was fine at the export.
    e.tenants[0].data_date = exported("2026-11-05");
    assert!(run_today(e.clone(), "2026-12-06").iter().all(|f| f.rule != STALE), "4 days at the export");
    // Exported 19 days after it: stale, whatever day the scan runs.
    e.tenants[0].data_date = exported("2026-11-20");
    for now in ["2026-11-21", "2027-03-01"] {
        let fs = run_today(e.clone(), now);
        let f = fs.iter().find(|f| f.rule == STALE).unwrap_or_else(|| panic!("stale at the export, scanned {now}"));
        assert_eq!((f.evidence.map()["age_days"].as_i64(), f.severity), (Some(18), Severity::Medium));
        assert_eq!(f.evidence.map()["judged_at"], "2026-11-20");
        assert!(
            f.evidence.map()["judged_at_source"].as_str().unwrap().contains("estate.toml"),
            "{}",
            f.evidence.map()["judged_at_source"]
        );
    }
    // --as-of replaces the data date.
    let fs = run_on(e.clone(), "2026-11-05");
    assert!(fs.iter().all(|f| f.rule != STALE), "--as-of 2026-11-05: 4 days");
    let fs = run_on(e.clone(), "2026-12-06");
    let f = fs.iter().find(|f| f.rule == STALE).unwrap();
    assert_eq!(
        (f.evidence.map()["judged_at"].as_str(), f.evidence.map()["judged_at_source"].as_str()),
        (Some("2026-12-06"), Some("--as-of"))
    );
    // Nothing dates the tenant: the run's date.
    e.tenants[0].data_date = None;
    let fs = run_today(e, "2026-11-05");
    assert!(fs.iter().all(|f| f.rule != STALE), "no data date: judged at the run's date, 4 days");
}

#[test]
fn a_new_starters_soft_match_is_low_on_both_sides_of_the_threshold() {
    // Nadia's cloud account and AD account, in a tenant exported 2026-11-20; the scan runs much later.
    let case = |cloud_created: &str, ad_created: Option<&str>, ids: (Option<&str>, Option<&str>)| {
        let mut e = base();
        e.tenants[0].data_date = exported("2026-11-20");
        let mut a = ad("18f14edc-7469-4b7e-8daf-a7ad383397dc", "nadia@contoso.com");
        a.when_created = ad_created.map(Into::into);
        a.employee_id = ids.0.map(Into::into);
        e.ad_objects.push(a);
        let mut c = cloud("c1", "nadia@contoso.com");
        c.created = Some(cloud_created.into());
        c.employee_id = ids.1.map(Into::into);
        e.cloud_objects.push(c);
        let fs = run_today(e, "2027-02-01");
        let f = fs.into_iter().find(|f| f.rule == SOFT_MERGE).expect("SY002 fires either way");
        (f.severity, f.evidence.contains_key("new_starter"), f)
    };
    // Both created in the 30 days before the export (whenCreated as AD CSV writes it): low, confirm intent.
    let (sev, ns, f) = case("2026-11-05T09:00:00Z", Some("11/18/2026 7:58:03 AM"), (None, None));
    assert_eq!((sev, ns), (Severity::Low, true));
    assert!(f.remediation.starts_with("Confirm with HR"), "{}", f.remediation);
    assert!(f.title.contains("new starter"), "{}", f.title);
    assert_eq!(f.evidence.map()["new_starter"]["cloud_created_days_before"], 14);
    assert_eq!(f.evidence.map()["new_starter"]["judged_at"], "2026-11-20");
    // The threshold: 30 days before the data date is still new, 31 is not.
    assert_eq!(case("2026-10-21T00:00:00Z", Some("2026-11-19T00:00:00Z"), (None, None)).0, Severity::Low);
    assert_eq!(case("2026-10-20T00:00:00Z", Some("2026-11-19T00:00:00Z"), (None, None)).0, Severity::Medium);
    assert_eq!(case("2026-11-05T00:00:00Z", Some("2026-10-21T00:00:00Z"), (None, None)).0, Severity::Low);
    assert_eq!(case("2026-11-05T00:00:00Z", Some("2026-10-20T00:00:00Z"), (None, None)).0, Severity::Medium);
    // An old AD account, or none known: only the same employeeId makes it a new starter.
    assert_eq!(case("2026-11-05T00:00:00Z", None, (Some("100349"), None)).0, Severity::Medium);
    assert_eq!(case("2026-11-05T00:00:00Z", None, (Some("100349"), Some("200001"))).0, Severity::Medium);
    let (sev, _, f) = case("2026-11-05T00:00:00Z", Some("2019-01-01T00:00:00Z"), (Some("100349"), Some("100349")));
    assert_eq!(sev, Severity::Low);
    assert_eq!(f.evidence.map()["new_starter"]["employee_id_agrees"], true);
    // A recent AD account matching an old cloud account is a real account being overwritten.
    assert_eq!(case("2025-03-01T00:00:00Z", Some("2026-11-18T00:00:00Z"), (Some("1"), Some("1"))).0, Severity::Medium);
}

#[test]
fn soft_match_merge_invalid_and_admin_conflict() {
    let mut e = base();
    e.ad_objects.push(ad("18f14edc-7469-4b7e-8daf-a7ad383397dc", "nadia@contoso.com"));
    e.ad_objects.push(ad("c2919ea7-a90b-4726-beb8-ae78c5e61264", "harriet@contoso.com"));
    e.ad_objects.push(ad("efd785c7-2908-4594-bbfa-32f1d9617044", "marek@contoso.com"));
    e.cloud_objects.push(cloud("c1", "nadia@contoso.com"));
    let mut h = cloud("c2", "harriet@contoso.com");
    h.immutable_id = Some("c2919ea7-a90b-4726-beb8-ae78c5e61264".into());
    h.on_prem_sync_enabled = Some(true);
    e.cloud_objects.push(h);
    e.cloud_objects.push(cloud("c3", "marek@contoso.com"));
    let mut unknown = cloud("c4", "nadia@contoso.com");
    unknown.sync_fields_exported = false;
    e.cloud_objects.push(unknown);
    e.role_grants.push(RoleGrant {
        principal_id: "c3".into(),
        role: "Global Administrator".into(),
        ..Default::default()
    });
    let fs = run_on(e.clone(), "2026-11-23");
    assert_eq!(
        rules(&fs),
        vec![SOFT_MERGE, INVALID_SOFT, ADMIN_MATCH],
        "{:?}",
        fs.iter().map(|f| &f.title).collect::<Vec<_>>()
    );
    let admin = fs.iter().find(|f| f.rule == ADMIN_MATCH).unwrap();
    assert_eq!(admin.severity, Severity::High);
    assert_eq!(admin.subjects.len(), 3, "AD user, cloud admin, role grant");
    // Soft match blocked tenant-wide: no merge and no soft match attempted, so no InvalidSoftMatch
    // either (the AD object is created as a new object; its duplicate values are the duplicates
    // family's); the admin conflict is lower and says it is blocked.
    e.sync_settings.push(SyncSettings {
        features: [("blockSoftMatchEnabled".to_string(), true)].into_iter().collect(),
        ..Default::default()
    });
    let fs = run_on(e.clone(), "2026-11-23");
    assert_eq!(rules(&fs), vec![ADMIN_MATCH]);
    let admin = fs.iter().find(|f| f.rule == ADMIN_MATCH).unwrap();
    assert_eq!(admin.severity, Severity::Medium);
    assert_eq!(admin.evidence.map()["predicted_outcome"], "soft-match-blocked");
    // Soft match open: merge is high and the switch itself is reported.
    e.sync_settings[0].features.insert("blockSoftMatchEnabled".into(), false);
    let fs = run_on(e, "2026-11-23");
    assert_eq!(rules(&fs), vec![SOFT_MERGE, INVALID_SOFT, ADMIN_MATCH, TAKEOVER_OPEN]);
    assert_eq!(fs.iter().find(|f| f.rule == SOFT_MERGE).unwrap().severity, Severity::High);
}

#[test]
fn admin_that_would_be_hard_matched() {
    let mut e = base();
    let a = ad("efd785c7-2908-4594-bbfa-32f1d9617044", "marek@contoso.com");
    let mut c = cloud("c1", "admin@contoso.onmicrosoft.com");
    c.immutable_id = a.object_guid.map(|g| g.immutable_id().into());
    e.ad_objects.push(a);
    e.cloud_objects.push(c);
    // Exported by id only: ingest names it from the built-in role table.
    e.role_grants.push(RoleGrant {
        principal_id: "c1".into(),
        role: "62e90394-69f5-4237-9190-012177145e10".into(),
        role_id: Some("62e90394-69f5-4237-9190-012177145e10".into()),
        ..Default::default()
    });
    assert!(crate::model::roles::name_role_grants(&mut e).grants.is_empty());
    let fs = run_on(e.clone(), "2026-11-23");
    let f: Vec<&Finding> = fs.iter().filter(|f| f.rule == ADMIN_MATCH).collect();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::High);
    assert!(f[0].title.contains("hard-matches"));
    assert!(f[0].title.contains("holding Global Administrator already carries"), "{}", f[0].title);
    assert_eq!(f[0].evidence.map()["roles"], json!(["Global Administrator"]));
    assert_eq!(f[0].evidence.map()["role_ids"], json!(["62e90394-69f5-4237-9190-012177145e10"]), "the id is kept");
    assert_eq!(f[0].subjects[2].display, "Global Administrator (admin@contoso.onmicrosoft.com)");
    // Synced already: nothing to take over.
    e.cloud_objects[0].on_prem_sync_enabled = Some(true);
    assert!(run_on(e, "2026-11-23").iter().all(|f| f.rule != ADMIN_MATCH));
}

#[test]
fn quarantined_upn_needs_the_original_upn() {
    let mut e = base();
    let mut j = cloud("c1", "j.smith4417@contoso.onmicrosoft.com");
    j.on_prem_sync_enabled = Some(true);
    j.on_prem_upn = Some("j.smith@contoso.com".into());
    e.cloud_objects.push(j);
    let mut other = cloud("c2", "user1234@contoso.onmicrosoft.com");
    other.on_prem_sync_enabled = Some(true);
    other.on_prem_upn = Some("someone@contoso.com".into());
    e.cloud_objects.push(other);
    e.cloud_objects.push(cloud("c3", "intern0001@contoso.onmicrosoft.com"));
    let fs = run_on(e, "2026-11-23");
    let q: Vec<&Finding> = fs.iter().filter(|f| f.rule == QUARANTINED).collect();
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].evidence.map()["original_upn"], "j.smith@contoso.com");
}

#[test]
fn topology_forest_in_two_tenants_and_mixed_anchors() {
    let mut e = base();
    e.tenants.push(Tenant { id: Some("t2".into()), name: "Fabrikam".into(), ..Default::default() });
    e.forests.push(Forest {
        name: "fabrikam.local".into(),
        anchor_attribute: Some("ms-DS-ConsistencyGuid".into()),
        ..Default::default()
    });
    e.forests[0].anchor_attribute = Some("objectGUID".into());
    let g1 = Guid::parse("35918bc9-196d-40ea-9779-889d79b753f0").unwrap();
    let g2 = Guid::parse("f7cc07d7-7c15-447d-876d-c01b0e5a9e38").unwrap();
    let g3 = Guid::parse("897485c7-81a7-42eb-97c6-37ed73077b1f").unwrap();
    e.ad_objects.push(AdObject { object_guid: Some(g1), ..Default::default() });
    e.ad_objects.push(AdObject { object_guid: Some(g2), forest: 1, ..Default::default() });
    e.ad_objects.push(AdObject { object_guid: Some(g3), ..Default::default() });
    let synced = |id: &str, t: u32, g: Guid| CloudObject {
        id: Some(id.into()),
        tenant: t,
        immutable_id: Some(crate::model::Text::from(g.immutable_id())),
        on_prem_sync_enabled: Some(true),
        sync_fields_exported: true,
        ..Default::default()
    };
    e.cloud_objects.push(synced("a", 0, g1));
    e.cloud_objects.push(synced("b", 0, g2));
    e.cloud_objects.push(synced("c", 1, g3));
    let fs = run_on(e, "2026-11-23");
    assert_eq!(rules(&fs), vec![FOREST_MULTI_TENANT, MIXED_ANCHORS]);
    let f = fs.iter().find(|f| f.rule == FOREST_MULTI_TENANT).unwrap();
    assert_eq!(f.severity, Severity::Medium, "Fabrikam is not declared in syncs_to");
}

#[test]
fn quarantine_check_takes_a_non_ascii_username_whole() {
    // The last four bytes of `xé123` cut the `é` in two: the check must not split the text there.
    let mut e = base();
    let mut c = cloud("c1", "xé123@contoso.onmicrosoft.com");
    c.on_prem_sync_enabled = Some(true);
    c.on_prem_upn = Some("x@contoso.com".into());
    e.cloud_objects.push(c);
    let fs = run_on(e, "2026-11-23");
    assert!(fs.iter().all(|f| f.rule != QUARANTINED));
}
