//! Tests of the attribution of extracts to tenants and forests.

use super::*;
use crate::ingest::{NamedTenant, Status};
use crate::source::FileId;

#[test]
fn concat_keeps_the_order_and_moves_every_element_once() {
    let parts = vec![vec![], vec!["a".to_string(), "b".into()], vec![], vec!["c".into()], vec!["d".into(), "e".into()]];
    assert_eq!(concat(parts), ["a", "b", "c", "d", "e"]);
    assert_eq!(concat(vec![vec![], vec![1, 2, 3], vec![]]), [1, 2, 3]);
    assert!(concat::<u8>(vec![]).is_empty());
    // Every element is dropped exactly once (moved, not copied).
    let counter = std::sync::Arc::new(());
    let parts: Vec<Vec<_>> = (0..5).map(|n| (0..1000 * n).map(|_| counter.clone()).collect()).collect();
    let joined = concat(parts);
    assert_eq!(joined.len(), 10_000);
    assert_eq!(std::sync::Arc::strong_count(&counter), 10_001);
    drop(joined);
    assert_eq!(std::sync::Arc::strong_count(&counter), 1);
}

const T1: &str = "11111111-1111-1111-1111-111111111111";
const T2: &str = "22222222-2222-2222-2222-222222222222";

fn rep(file: u32) -> InputReport {
    InputReport {
        file: FileId(file),
        kind: "test".into(),
        status: Status::Read,
        encoding: "utf-8",
        records: 1,
        bytes: 1,
        issues: vec![],
        attributed_to: None,
        tenant: None,
        forest: None,
        modified: None,
        exported_at: None,
    }
}

fn org(file: u32, id: &str, name: &str) -> Extract {
    let mut ex = Extract::new("graph-json:organization");
    ex.tenants.push(Tenant {
        source: Some(SourceRef::new(FileId(file), 2)),
        id: Some(id.into()),
        name: name.into(),
        verified_domains: vec![VerifiedDomain {
            name: "Contoso.com".into(),
            is_default: Some(true),
            ..Default::default()
        }],
        ..Default::default()
    });
    ex
}

fn users(file: u32, n: usize) -> Extract {
    let mut ex = Extract::new("graph-json:users");
    for _ in 0..n {
        ex.cloud_objects.push(CloudObject { source: SourceRef::new(FileId(file), 3), ..Default::default() });
    }
    ex
}

fn ad(file: u32, dn: &str) -> Extract {
    let mut ex = Extract::new("ad-csv");
    ex.ad_objects.push(AdObject { source: SourceRef::new(FileId(file), 2), dn: Some(dn.into()), ..Default::default() });
    ex
}

fn sources(paths: &[&str]) -> SourceMap {
    let mut s = SourceMap::default();
    for p in paths {
        s.add(PathBuf::from(p), p.to_string());
    }
    s
}

#[test]
fn folder_attribution_follows_the_organization_export() {
    let src = sources(&["e/t1/org.json", "e/t1/users.json", "e/t1/sub/more.json", "e/t2/users.json"]);
    let res =
        vec![(rep(0), org(0, T1, "Contoso")), (rep(1), users(1, 2)), (rep(2), users(2, 1)), (rep(3), users(3, 1))];
    let ing = attribute(src, res, None);
    let e = &ing.estate;
    assert_eq!(e.tenants.len(), 2);
    assert_eq!(e.tenants[0].name, "Contoso");
    assert_eq!(e.tenants[0].id.as_deref(), Some(T1));
    assert_eq!(e.cloud_objects.iter().filter(|o| o.tenant == 0).count(), 3, "same folder and subfolder");
    assert!(e.tenants[1].name.starts_with("unidentified tenant (e/t2)"));
    assert_eq!(ing.inputs[3].issues[0].code, codes::UNATTRIBUTED);
    // verifiedDomains become domain records of the tenant.
    assert_eq!(e.domains.len(), 1);
    assert_eq!(
        (e.domains[0].name.as_str(), e.domains[0].tenant, e.domains[0].is_verified),
        ("contoso.com", 0, Some(true))
    );
}

#[test]
fn page_warnings_are_withdrawn_when_the_last_page_is_there() {
    let page = |file: u32, next: bool| {
        let mut r = rep(file);
        r.kind = "graph-json:users".into();
        if next {
            r.issues.push(Issue {
                at: SourceRef::new(FileId(file), 3),
                code: codes::INCOMPLETE_EXPORT,
                message: "the response has an @odata.nextLink".into(),
            });
        }
        (r, users(file, 1))
    };
    let src = sources(&["e/t/org.json", "e/t/users1.json", "e/t/users2.json", "e/u/org.json", "e/u/groups.json"]);
    let mut lone = page(4, true);
    lone.0.kind = "graph-json:groups".into();
    let res = vec![(rep(0), org(0, T1, "A")), page(1, true), page(2, false), (rep(3), org(3, T2, "B")), lone];
    let ing = attribute(src, res, None);
    assert!(ing.inputs[1].issues.is_empty(), "followed page: {:?}", ing.inputs[1].issues);
    assert_eq!(ing.inputs[4].issues.len(), 1, "a lone page with a nextLink stays incomplete");
}

#[test]
fn two_tenant_ids_in_one_file_is_a_mismatch() {
    let src = sources(&["e/x/export.json"]);
    let mut ex = org(0, T1, "A");
    ex.tenant_ids.push(NamedTenant { id: T1.into(), at: SourceRef::new(FileId(0), 5), field: "a.TenantId".into() });
    ex.tenant_ids.push(NamedTenant { id: T2.into(), at: SourceRef::new(FileId(0), 9), field: "b.Id".into() });
    let ing = attribute(src, vec![(rep(0), ex)], None);
    let i = &ing.inputs[0].issues[0];
    assert_eq!((i.code, i.at.line), (codes::TENANT_MISMATCH, 5));
    assert!(i.message.contains("a.TenantId = 1111") && i.message.contains("b.Id = 2222"), "{}", i.message);
}

#[test]
fn manifest_paths_win_and_conflicting_ids_are_reported() {
    let dir = PathBuf::from("e");
    let m = Manifest::parse(
        &format!("[[tenant]]\nname='Declared'\nid='{T2}'\npaths=['t1']\n[[forest]]\nname='corp.contoso.com'\npaths=['ad']\ncomplete=true\nsyncs_to=['Declared']\n"),
        &dir,
        "e/estate.toml",
    )
    .unwrap();
    let src = sources(&["e/t1/org.json", "e/ad/users.csv", "e/ad2/users.csv"]);
    let res = vec![
        (rep(0), org(0, T1, "Contoso")),
        (rep(1), ad(1, "CN=a,OU=x,DC=corp,DC=contoso,DC=com")),
        (rep(2), ad(2, "CN=b,DC=child,DC=fabrikam,DC=local")),
    ];
    let ing = attribute(src, res, Some(&m));
    assert_eq!(ing.estate.tenants.len(), 1);
    assert_eq!(ing.estate.tenants[0].name, "Declared");
    assert_eq!(ing.inputs[0].issues[0].code, codes::TENANT_MISMATCH);
    let f = &ing.estate.forests;
    assert_eq!(f.len(), 2);
    assert_eq!((f[0].name.as_str(), f[0].complete), ("corp.contoso.com", Some(true)));
    assert_eq!(f[0].syncs_to, vec![0]);
    assert_eq!((f[1].name.as_str(), f[1].complete), ("child.fabrikam.local", None));
    assert_eq!(ing.inputs[2].attributed_to.as_deref(), Some("forest child.fabrikam.local"));
}

#[test]
fn separate_and_cross_tenant_sync_declarations_reach_the_tenants() {
    let m = Manifest::parse(
        &format!("[[tenant]]\nname='A'\nid='{T1}'\n[[tenant]]\nname='B'\nseparate_from=['{T1}', 'A']\n[[tenant]]\nname='C'\ncross_tenant_sync=['B']\n"),
        Path::new("e"),
        "e/estate.toml",
    )
    .unwrap();
    let ing = attribute(sources(&["e/x/org.json"]), vec![(rep(0), org(0, T1, "A Ltd"))], Some(&m));
    let t = &ing.estate.tenants;
    assert_eq!(t.len(), 3);
    assert_eq!(t[1].separate_from, vec![0], "name and id name the same tenant once");
    assert_eq!(t[2].cross_tenant_sync, vec![1]);
    assert!(t[0].separate_from.is_empty() && t[0].cross_tenant_sync.is_empty());
}

/// A users export of `n` users with the given UPNs and proxy addresses, from file `file`.
fn users_with(file: u32, addrs: &[(&str, &[&str])]) -> Extract {
    let mut ex = Extract::new("graph-json:users");
    for (upn, proxies) in addrs {
        ex.cloud_objects.push(CloudObject {
            source: SourceRef::new(FileId(file), 3),
            upn: Some((*upn).into()),
            proxy_addresses: proxies.iter().map(|p| (*p).into()).collect(),
            ..Default::default()
        });
    }
    ex
}

#[test]
fn a_folder_tenant_is_named_by_its_one_initial_domain() {
    let src = sources(&["e/lab/users.json", "e/lab/groups.json", "e/two/users.json", "e/none/users.json"]);
    let res = vec![
        (
            rep(0),
            users_with(
                0,
                &[
                    (
                        "ana@ContosoLab.onmicrosoft.com",
                        &["SMTP:ana@contosolab.com", "smtp:ana@contosolab.mail.onmicrosoft.com"],
                    ),
                    ("kim_fabrikam.com#EXT#@contosolab.onmicrosoft.com", &[]),
                ],
            ),
        ),
        (rep(1), users(1, 1)),
        (
            rep(2),
            users_with(2, &[("a@tailspin.onmicrosoft.com", &[]), ("b@x.com", &["smtp:b@wingtip.onmicrosoft.com"])]),
        ),
        (rep(3), users_with(3, &[("c@contosolab.com", &["smtp:c@contosolab.mail.onmicrosoft.com"])])),
    ];
    let ing = attribute(src, res, None);
    let names: Vec<&str> = ing.estate.tenants.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "contosolab.onmicrosoft.com (unidentified tenant, folder e/lab)",
            "unidentified tenant (e/two)",
            "unidentified tenant (e/none)",
        ],
        "exactly one initial domain names a tenant; two, or only a .mail. routing domain, do not"
    );
    assert!(ing.estate.tenants.iter().all(|t| t.attributed_by == "folder" && t.id.is_none()));
    assert_eq!(
        ing.inputs[1].attributed_to.as_deref(),
        Some("tenant contosolab.onmicrosoft.com (unidentified tenant, folder e/lab)"),
        "every file of the folder follows the new name"
    );
    assert!(ing.inputs.iter().all(|i| i.issues.iter().any(|x| x.code == codes::UNATTRIBUTED)), "IN007 stays");
}

#[test]
fn an_initial_domain_record_names_a_folder_tenant_and_identified_tenants_keep_their_names() {
    let src = sources(&["e/lab/domains.json", "e/lab/users.json", "e/t1/org.json", "e/t1/users.json"]);
    let mut domains = Extract::new("graph-json:domains");
    for (name, initial) in [("contosolab.com", false), ("contosolab.onmicrosoft.com", true)] {
        domains.domains.push(Domain { name: name.into(), is_initial: Some(initial), ..Default::default() });
    }
    let res = vec![
        (rep(0), domains),
        (rep(1), users_with(1, &[("a@other.onmicrosoft.com", &[])])),
        (rep(2), org(2, T1, "Contoso")),
        (rep(3), users_with(3, &[("b@contoso.onmicrosoft.com", &[])])),
    ];
    let ing = attribute(src, res, None);
    let names: Vec<&str> = ing.estate.tenants.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, vec!["contosolab.onmicrosoft.com (unidentified tenant, folder e/lab)", "Contoso"]);
}

fn paged(file: u32, held: usize, declared: Option<u64>, next: bool) -> (InputReport, Extract) {
    let mut r = rep(file);
    r.kind = "graph-json:users".into();
    if next {
        r.issues.push(Issue {
            at: SourceRef::new(FileId(file), 2),
            code: codes::INCOMPLETE_EXPORT,
            message: "the response has an @odata.nextLink".into(),
        });
    }
    let mut ex = users(file, held);
    ex.page = Some(super::super::Page { held, declared: declared.map(|c| (c, SourceRef::new(FileId(file), 3))) });
    (r, ex)
}

fn count_issues(ing: &Ingested) -> Vec<(u32, String)> {
    ing.inputs
        .iter()
        .flat_map(|i| {
            i.issues.iter().filter(|x| x.code == codes::INCOMPLETE_EXPORT).map(move |x| (i.file.0, x.message.clone()))
        })
        .collect()
}

#[test]
fn a_declared_count_above_the_objects_of_all_pages_is_an_incomplete_export() {
    // Two pages, the chain followed to its end, but 3 + 2 < 7: objects are missing.
    let src = sources(&["e/t/org.json", "e/t/users1.json", "e/t/users2.json"]);
    let res = vec![(rep(0), org(0, T1, "A")), paged(1, 3, Some(7), true), paged(2, 2, None, false)];
    let got = count_issues(&attribute(src, res, None));
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].0, 1, "on the file that declares the count");
    assert!(
        got[0].1.starts_with(
            "the response declares @odata.count = 7 users but its 2 files hold 5 (2 missing): the export is incomplete"
        ),
        "{}",
        got[0].1
    );
    // One page whose value was cut (no next page link at all).
    let src = sources(&["e/t/org.json", "e/t/users.json"]);
    let got = count_issues(&attribute(src, vec![(rep(0), org(0, T1, "A")), paged(1, 4, Some(5), false)], None));
    assert_eq!(got.len(), 1);
    assert!(got[0].1.contains("@odata.count = 5 users but the file holds 4 (1 missing)"), "{}", got[0].1);
}

#[test]
fn a_declared_count_met_or_exceeded_or_a_missing_page_gives_no_count_warning() {
    let src = sources(&["e/t/org.json", "e/t/users1.json", "e/t/users2.json"]);
    let equal = vec![(rep(0), org(0, T1, "A")), paged(1, 3, Some(5), true), paged(2, 2, None, false)];
    assert!(count_issues(&attribute(src.clone(), equal, None)).is_empty());
    let smaller = vec![(rep(0), org(0, T1, "A")), paged(1, 3, Some(4), true), paged(2, 2, None, false)];
    assert!(count_issues(&attribute(src.clone(), smaller, None)).is_empty(), "objects deleted between pages");
    // The last page is missing: the next-page warning says so, no second warning for the count.
    let src = sources(&["e/t/org.json", "e/t/users1.json"]);
    let got = count_issues(&attribute(src, vec![(rep(0), org(0, T1, "A")), paged(1, 3, Some(9), true)], None));
    assert_eq!(got.len(), 1);
    assert!(got[0].1.contains("nextLink"), "{got:?}");
}

#[test]
fn role_ids_are_named_and_unknown_custom_roles_are_reported_on_their_file() {
    const CUSTOM: &str = "3c9f8e21-7d4b-4a6e-9f10-2b5c8d7e6a41";
    const UNKNOWN: &str = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a";
    let src = sources(&["e/t/org.json", "e/t/roleAssignments.json", "e/t/roleDefinitions.json"]);
    let mut grants = Extract::new("graph-json:roleAssignments");
    for (line, id) in [(4, "62e90394-69f5-4237-9190-012177145e10"), (9, CUSTOM), (14, UNKNOWN), (19, UNKNOWN)] {
        grants.role_grants.push(RoleGrant {
            source: SourceRef::new(FileId(1), line),
            principal_id: "p".into(),
            role: id.into(),
            role_id: Some(id.into()),
            ..Default::default()
        });
    }
    let mut defs = Extract::new("graph-json:roleDefinitions");
    defs.role_definitions.push(RoleDefinition {
        source: SourceRef::new(FileId(2), 5),
        id: CUSTOM.into(),
        display_name: Some("Contoso Store Helpdesk".into()),
        is_built_in: Some(false),
        ..Default::default()
    });
    let ing = attribute(src, vec![(rep(0), org(0, T1, "A")), (rep(1), grants), (rep(2), defs)], None);
    let roles: Vec<&str> = ing.estate.role_grants.iter().map(|r| r.role.as_str()).collect();
    assert_eq!(roles, vec!["Global Administrator", "Contoso Store Helpdesk", UNKNOWN, UNKNOWN]);
    assert_eq!(ing.estate.role_definitions[0].tenant, 0);
    let issues = &ing.inputs[1].issues;
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert_eq!((issues[0].code, issues[0].at.line), (codes::MISSING_FIELDS, 14));
    assert!(
        issues[0].message.starts_with(&format!("2 role grant(s) name 1 role(s) by id only ({UNKNOWN})")),
        "{}",
        issues[0].message
    );
    assert!(ing.inputs[2].issues.is_empty());
}
