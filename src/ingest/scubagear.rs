//! Reader: ScubaGear ProviderSettingsExport.json (CISA M365 baseline tool).
//!
//! One JSON object written by ScubaGear from Graph PowerShell SDK, Exchange and Teams cmdlets with
//! `ConvertTo-Json` (PascalCase keys, `/Date(ms)/` dates). Sections read:
//! - `tenant_details[0]`: `TenantId`, `DisplayName` and `AADAdditionalData[0]` (the Graph
//!   organization object) → a tenant record; `TenantId`, `AADAdditionalData[0].Id` and the top-level
//!   `tenant_id` are all listed as tenant ids (sanitised samples have them differ: grouping reports it);
//! - `domain_settings` (Graph domain objects), `license_information` (subscribedSkus);
//! - `privileged_users` (object id → {DisplayName, roles[], OnPremisesImmutableId}) → users and role grants;
//! - `privileged_service_principals` (object id → {AppId, ServicePrincipalId, DisplayName, roles[]}).
//!
//! The Exchange/Teams views (`accepted_domains`, `federation_configuration`, `org_relationships`...)
//! and policies are not read. Sections are parsed one by one from raw values, never as one tree.

use super::cloud_attrs;
use super::json_util::Raw;
use super::json_util::{self as ju, Doc, Head, HeadKind, Problem, Rec, Shape, Tally};
use super::{Extract, Format, Input, NamedTenant, ReadError, Sniff};
use crate::model::*;

/// Registration in [`super::FORMATS`].
pub const FORMAT: Format = Format {
    name: "scubagear",
    summary: "ScubaGear ProviderSettingsExport.json (CISA M365 baseline tool)",
    sniff,
    read,
};

/// Content sniffer.
pub fn sniff(text: &str) -> Sniff {
    let Some(h) = Head::scan(text) else {
        return Sniff::No;
    };
    if h.root() != Some(HeadKind::Object) {
        return Sniff::No;
    }
    let keys = h.keys("");
    let has = |k: &str| keys.contains(&k);
    if has("tenant_details") || has("privileged_users") || (has("baseline_version") && has("module_version")) {
        return Sniff::Yes;
    }
    if has("MetaData") && has("Results") && (has("Summary") || has("Raw")) {
        return Sniff::Unsupported(
            "ScubaGear results file (ScubaResults/TestResults); give tenantlint the ProviderSettingsExport.json of the same run".into(),
        );
    }
    Sniff::No
}

/// The first element of a list section (ConvertTo-Json writes a one-element list either as a
/// list or as the bare object).
fn first(raw: &Raw) -> Option<&Raw> {
    match ju::shape(raw) {
        Shape::Array => ju::array(raw).and_then(|a| a.into_iter().next()),
        Shape::Object => Some(raw),
        _ => None,
    }
}

/// All elements of a list section (a bare object counts as one).
fn all(raw: &Raw) -> Vec<&Raw> {
    match ju::shape(raw) {
        Shape::Array => ju::array(raw).unwrap_or_default(),
        Shape::Object => vec![raw],
        _ => Vec::new(),
    }
}

/// Reader.
pub fn read(input: &Input<'_>) -> Result<Extract, ReadError> {
    let text = input.text;
    let root = ju::parse_root(text)?;
    let Some(top) = ju::object(root) else {
        return Err(ReadError::new(1, "a ScubaGear ProviderSettingsExport.json is one JSON object; this file is not"));
    };
    let doc = Doc::new(text);
    let mut t = Tally::default();
    let mut ex = Extract::new("scubagear");
    let top_str = |k: &str| top.get(k).and_then(|r| serde_json::from_str::<String>(r.get()).ok());
    ex.exported_at = super::dates::scubagear_date(top_str("timestamp_zulu").as_deref(), top_str("date").as_deref());
    let named = |ex: &mut Extract, id: &str, line: u32, field: &str| {
        if let Some(g) = normalize_guid_text(id) {
            ex.tenant_ids.push(NamedTenant { id: g, at: input.at(line), field: field.to_string() });
        }
    };

    // tenant_details[0] and its Graph organization object.
    if let Some(td_raw) = top.get("tenant_details").and_then(first)
        && let Some(td) = ju::record(&doc, &mut t, td_raw, "tenant_details")
    {
        let td_id = td.str::<String>(&mut t, &["TenantId"]);
        if let Some(id) = &td_id {
            let line = td.raw(&["TenantId"]).map(|r| doc.line_of(r)).unwrap_or(td.line);
            if normalize_guid_text(id).is_none() {
                t.add(Problem::NotGuid, "tenant_details.TenantId", line, id);
            }
            named(&mut ex, id, line, "tenant_details.TenantId");
        }
        let org = td
            .raw(&["AADAdditionalData"])
            .and_then(first)
            .and_then(|r| ju::record(&doc, &mut t, r, "AADAdditionalData"));
        let tenant = match org {
            Some(o) => {
                let (mut tenant, id) = cloud_attrs::organization(&mut t, &o, input.at(o.line));
                if let Some(id) = id {
                    let line = o.raw(&["Id"]).map(|r| doc.line_of(r)).unwrap_or(o.line);
                    named(&mut ex, &id, line, "tenant_details.AADAdditionalData.Id");
                }
                if tenant.name.is_empty() {
                    tenant.name = td.str(&mut t, &["DisplayName"]).unwrap_or_default();
                }
                tenant
            }
            None => Tenant {
                source: Some(input.at(td.line)),
                id: td_id.as_deref().and_then(normalize_guid_text),
                name: td.str(&mut t, &["DisplayName"]).unwrap_or_default(),
                attributed_by: "organization export".into(),
                ..Default::default()
            },
        };
        ex.tenants.push(tenant);
    }
    if let Some(raw) = top.get("tenant_id")
        && let Some(id) = ju::string(raw)
    {
        named(&mut ex, &id, doc.line_of(raw), "tenant_id");
    }

    // Domains and licenses (Graph objects in PascalCase).
    if let Some(raw) = top.get("domain_settings") {
        for d in all(raw) {
            let Some(r) = ju::record(&doc, &mut t, d, "domain_settings") else {
                continue;
            };
            r.check_placeholders(&mut t);
            match cloud_attrs::domain(&mut t, &r, input.at(r.line)) {
                Some(d) => ex.domains.push(d),
                None => t.add(Problem::Missing, "domain_settings Id", r.line, ""),
            }
        }
    }
    if let Some(raw) = top.get("license_information") {
        for s in all(raw) {
            let Some(r) = ju::record(&doc, &mut t, s, "license_information") else {
                continue;
            };
            ex.skus.push(cloud_attrs::sku(&mut t, &r, input.at(r.line)));
        }
    }

    // Privileged users and service principals: object id → details.
    if let Some(pu) = top.get("privileged_users").and_then(ju::object) {
        for (key, raw) in &pu.fields {
            let Some(r) = ju::record(&doc, &mut t, raw, "privileged_users") else {
                continue;
            };
            let id = principal_id(&mut t, key, r.line, "privileged_users key");
            ex.cloud_objects.push(CloudObject {
                source: input.at(r.line),
                kind: CloudKind::User,
                id: Some(id.as_str().into()),
                display_name: r.str(&mut t, &["DisplayName"]),
                upn: r.str(&mut t, &["UserPrincipalName"]),
                // Kept as exported: non-GUID values (name-derived anchors) are for the anchor rules.
                immutable_id: r.str(&mut t, &["OnPremisesImmutableId"]),
                on_prem_sync_enabled: r.bool(&mut t, &["OnPremisesSyncEnabled"]),
                sync_fields_exported: r.has("OnPremisesImmutableId"),
                ..Default::default()
            });
            grants(&mut ex, &mut t, &r, &id, input);
        }
    }
    if let Some(ps) = top.get("privileged_service_principals").and_then(ju::object) {
        for (key, raw) in &ps.fields {
            let Some(r) = ju::record(&doc, &mut t, raw, "privileged_service_principals") else {
                continue;
            };
            let id = match r.guid(&mut t, &["ServicePrincipalId"]) {
                Some(id) => id,
                None => principal_id(&mut t, key, r.line, "privileged_service_principals key"),
            };
            ex.applications.push(Application {
                source: input.at(r.line),
                kind: "servicePrincipal".into(),
                id: Some(id.clone()),
                app_id: r.guid(&mut t, &["AppId"]),
                display_name: r.str(&mut t, &["DisplayName"]),
                ..Default::default()
            });
            grants(&mut ex, &mut t, &r, &id, input);
        }
    }

    t.flush(input, &mut ex);
    ex.count_records();
    Ok(ex)
}

fn principal_id(t: &mut Tally, key: &str, line: u32, field: &str) -> String {
    match normalize_guid_text(key) {
        Some(g) => g,
        None => {
            t.add(Problem::NotGuid, field, line, key);
            key.to_string()
        }
    }
}

/// One role grant per distinct role name of a privileged principal.
fn grants(ex: &mut Extract, t: &mut Tally, r: &Rec<'_>, principal: &str, input: &Input<'_>) {
    let mut roles = r.strs(t, &["roles"]);
    roles.sort();
    roles.dedup();
    for role in roles {
        ex.role_grants.push(RoleGrant {
            source: input.at(r.line),
            principal_id: principal.to_string(),
            role,
            ..Default::default()
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::codes;
    use crate::source::FileId;
    use std::path::Path;

    fn read_text(text: &str) -> Result<Extract, ReadError> {
        read(&Input::new(FileId(0), text))
    }

    fn real(file: &str) -> Option<String> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/realdata/scubagear-provider-settings");
        if !dir.is_dir() {
            eprintln!("skipping: {} not present", dir.display());
            return None;
        }
        Some(std::fs::read_to_string(dir.join(file)).unwrap())
    }

    fn ids(ex: &Extract) -> Vec<(&str, &str)> {
        ex.tenant_ids.iter().map(|n| (n.field.as_str(), n.id.as_str())).collect()
    }

    #[test]
    fn fictional_provider_export() {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scubagear/ProviderSettingsExport.json");
        let text = std::fs::read_to_string(p).unwrap();
        assert_eq!(sniff(&text), Sniff::Yes);
        let ex = read_text(&text).unwrap();
        assert_eq!(ex.kind, "scubagear");
        assert_eq!(
            ids(&ex),
            vec![
                ("tenant_details.TenantId", "6babcaad-604b-40ac-a9d7-9fd97c0b779f"),
                ("tenant_details.AADAdditionalData.Id", "6babcaad-604b-40ac-a9d7-9fd97c0b779f"),
                ("tenant_id", "6babcaad-604b-40ac-a9d7-9fd97c0b779f")
            ]
        );
        let tn = &ex.tenants[0];
        assert_eq!(tn.name, "Contoso");
        assert_eq!(tn.on_prem_last_sync.as_deref(), Some("2022-08-24T17:29:45Z"));
        assert_eq!(tn.verified_domains.len(), 2);
        assert_eq!(ex.domains.len(), 2);
        assert_eq!(ex.domains[1].name, "contoso.com");
        assert_eq!(ex.domains[1].authentication_type.as_deref(), Some("Federated"));
        assert_eq!(ex.skus[0].sku_part_number.as_deref(), Some("SPE_E5"));
        let users: Vec<_> =
            ex.cloud_objects.iter().map(|u| (u.id.as_deref().unwrap(), u.immutable_id.as_deref())).collect();
        assert_eq!(
            users,
            vec![
                ("0d3c8a9e-6f0b-4c1e-9a51-2b7d6e4f1a01", Some("nopa7d4UqU6YSmEmTmlqsg==")),
                ("3e9f1c7a-2b4d-4e6f-8a0c-1d2e3f4a5b6c", None)
            ]
        );
        assert_eq!(ex.cloud_objects[0].source.line, 46);
        assert_eq!(ex.role_grants.len(), 4);
        assert_eq!(ex.applications.len(), 1);
        assert!(ex.issues.is_empty(), "{:?}", ex.issues);
    }

    #[test]
    fn sniff_keys() {
        assert_eq!(sniff(r#"{"baseline_version":"1","module_version":"1.8.0"}"#), Sniff::Yes);
        assert_eq!(sniff(r#"{"value":[]}"#), Sniff::No);
        assert_eq!(sniff(r#"["tenant_details"]"#), Sniff::No);
        assert!(matches!(sniff(r#"{"MetaData":{},"Results":{},"Summary":{}}"#), Sniff::Unsupported(_)));
    }

    #[test]
    fn real_sample_report_names_two_tenant_ids() {
        let Some(text) = real("ProviderSettingsExport.json") else {
            return;
        };
        assert_eq!(sniff(&text), Sniff::Yes);
        let ex = read_text(&text).unwrap();
        assert_eq!(ex.kind, "scubagear");
        assert_eq!(
            ids(&ex),
            vec![
                ("tenant_details.TenantId", "ca08493a-c9c8-4db0-a9e8-d3b4bafac269"),
                ("tenant_details.AADAdditionalData.Id", "3c19c757-3b55-411f-b03f-2bcc514a598d"),
                ("tenant_id", "3c19c757-3b55-411f-b03f-2bcc514a598d")
            ]
        );
        assert_eq!(ex.tenant_ids[0].at.line, 630);
        let tn = &ex.tenants[0];
        assert_eq!(tn.id.as_deref(), Some("3c19c757-3b55-411f-b03f-2bcc514a598d"));
        assert_eq!(tn.name, "tqhjy");
        assert_eq!(tn.on_prem_sync_enabled, Some(true));
        assert_eq!(tn.on_prem_last_sync.as_deref(), Some("2022-08-24T17:29:45Z"));
        assert_eq!(tn.created.as_deref(), Some("2021-02-18T20:14:04Z"));
        assert_eq!(tn.verified_domains.len(), 1);
        assert_eq!(tn.verified_domains[0].name, "tqhjy.onmicrosoft.com");
        assert_eq!(ex.domains.len(), 1);
        let d = &ex.domains[0];
        assert_eq!(d.name, "tqhjy.onmicrosoft.com");
        assert_eq!((d.is_initial, d.is_root, d.is_verified), (Some(true), Some(true), Some(true)));
        assert_eq!(d.authentication_type.as_deref(), Some("Managed"));
        let skus: Vec<_> = ex
            .skus
            .iter()
            .map(|s| (s.sku_part_number.as_deref().unwrap(), s.consumed_units, s.prepaid_enabled))
            .collect();
        assert_eq!(skus, vec![("CDS_DB_CAPACITY_GOV", Some(0), Some(1)), ("M365_G5_GCC", Some(28), Some(30))]);
        assert_eq!(ex.cloud_objects.len(), 3);
        assert!(ex.cloud_objects.iter().all(|u| u.immutable_id.is_none() && u.sync_fields_exported));
        assert_eq!(ex.cloud_objects[0].id.as_deref(), Some("66b4d5c2-71c9-4644-8728-74e3a8324d81"));
        assert_eq!(ex.role_grants.len(), 13 + 3);
        assert_eq!(ex.applications.len(), 3);
        assert_eq!(ex.applications[0].app_id.as_deref(), Some("76e2fe6c-af3f-49f7-a6aa-65d53c511111"));
        assert!(ex.cloud_objects[0].source.line > 1447);
        assert!(ex.issues.is_empty(), "{:?}", ex.issues.iter().map(|i| i.code).collect::<Vec<_>>());
        assert_eq!(ex.records, 1 + 1 + 2 + 3 + 16 + 3);
    }

    #[test]
    fn real_stub_keeps_non_guid_immutable_ids() {
        let Some(text) = real("CreateReportStubs_ProviderSettingsExport.json") else {
            return;
        };
        assert_eq!(sniff(&text), Sniff::Yes);
        let ex = read_text(&text).unwrap();
        assert_eq!(
            ids(&ex),
            vec![
                ("tenant_details.TenantId", "3c19c757-3b55-411f-b03f-2bcc514a598d"),
                ("tenant_details.AADAdditionalData.Id", "3c19c757-3b55-411f-b03f-2bcc514a598d"),
                ("tenant_id", "3c19c757-3b55-411f-b03f-2bcc514a598d")
            ]
        );
        assert_eq!(ex.tenants[0].verified_domains.len(), 4);
        assert!(ex.domains.is_empty());
        assert_eq!(ex.skus.len(), 2);
        assert_eq!(ex.cloud_objects.len(), 30);
        let anchored: Vec<&str> = ex
            .cloud_objects
            .iter()
            .filter(|u| u.immutable_id.as_deref().is_some_and(|i| i.ends_with("onpremuser")))
            .map(|u| u.id.as_deref().unwrap())
            .collect();
        assert_eq!(
            anchored,
            vec![
                "d2a550c7-f329-466b-8dfa-c388b65f1a49",
                "6066af10-d921-4de6-9ae4-7f01057ec372",
                "42dd60ea-57e9-47ea-8a43-a213d36a9cb0",
                "cc7a31ab-d2b5-446a-baf9-84f97c706403",
                "2a8adc58-b7c5-4086-a5cc-244b8df40ce8"
            ]
        );
        assert_eq!(ex.cloud_objects.iter().filter(|u| u.immutable_id.is_some()).count(), 5);
        assert_eq!(ex.role_grants.len(), 63);
        assert!(ex.issues.iter().all(|i| i.code != codes::UNREADABLE_RECORD));
        assert!(ex.issues.is_empty(), "{:?}", ex.issues.iter().map(|i| i.code).collect::<Vec<_>>());
    }
}
