//! Reader: AzureHound collections — the Go AzureHound (`azurehound list … -o FILE`, v1–v3) and the
//! legacy PowerShell AzureHound (`Invoke-AzureHound`, output format version 4, one file per type).
//!
//! Go AzureHound writes `{"data": [{"kind": "AZUser", "data": {…}}, …], "meta": {"type": "azure", …}}`
//! (data first; items of many kinds in one file with `list az-ad`). Since v3 ids, tenant ids, SIDs and
//! names are written upper-case: ids are normalised to lower case and SIDs by
//! [`crate::model::normalize_sid`], so they match other exports case-insensitively. Go's `omitempty`
//! drops `false` booleans: a user without `accountEnabled` is disabled when other users of the file carry
//! the key, and `onPremisesSyncEnabled` absent means false *or* never synced (left unknown).
//!
//! The legacy PowerShell collector writes `{"meta": {"type": "azusers", "version": 4, …}, "data": […]}`
//! with PascalCase keys (`ObjectID`, `OnPremisesSecurityIdentifier`, `TenantID`), one file per type.
//!
//! Neither collects `onPremisesImmutableId`, `proxyAddresses` or the on-premises UPN: their only link to
//! AD is `onPremisesSecurityIdentifier`. Every file with users or groups carries an `IN003` note saying
//! which rules cannot run on them.

use super::json_util::{self as ju, Doc, Head, HeadKind, Problem, Rec, Shape, Tally};
use super::{Extract, Format, Input, NamedTenant, ReadError, Sniff, codes};
use crate::model::*;
use std::collections::BTreeMap;

/// Registration in [`super::FORMATS`].
pub const FORMAT: Format = Format {
    name: "azurehound",
    summary: "AzureHound collections: Go AzureHound `list` JSON (v1–v3: AZTenant, AZUser, AZGroup, AZSubscription, AZApp, AZServicePrincipal, AZRoleAssignment) and the legacy PowerShell AzureHound's per-type files (aztenants, azusers, azgroups, azsubscriptions, azgroupmembers); linked to AD by on-premises SID only",
    sniff,
    read,
};

/// Legacy per-type files that are read (`meta.type`).
const LEGACY_READ: &[&str] = &["aztenants", "azusers", "azgroups", "azsubscriptions", "azgroupmembers"];

/// Which flavour a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flavour {
    /// Go AzureHound: items `{kind, data}`.
    Go,
    /// Legacy PowerShell: `meta.type` names the one type of the file.
    Legacy,
}

fn flavour(h: &Head) -> Option<Flavour> {
    let root = h.keys("");
    let has = |k: &str| root.iter().any(|x| x.eq_ignore_ascii_case(k));
    if !has("data") {
        return None;
    }
    let meta_type = h.text("meta/type").map(str::to_ascii_lowercase);
    let first_kind = h.text("data/[]/kind");
    let go_kind = first_kind.is_some_and(|k| k.starts_with("AZ") || k.starts_with("az"));
    if meta_type.as_deref() == Some("azure") || (go_kind && h.has_all("data/[]", &["kind", "data"])) {
        return Some(Flavour::Go);
    }
    if meta_type.as_deref().is_some_and(|t| t.starts_with("az")) && h.get("meta/version").is_some() {
        return Some(Flavour::Legacy);
    }
    None
}

/// Content sniffer.
pub fn sniff(text: &str) -> Sniff {
    let Some(h) = Head::scan(text) else {
        return Sniff::No;
    };
    if h.root() != Some(HeadKind::Object) {
        return Sniff::No;
    }
    match flavour(&h) {
        Some(Flavour::Go) => Sniff::Yes,
        Some(Flavour::Legacy) => {
            let t = h.text("meta/type").unwrap_or_default().to_ascii_lowercase();
            if LEGACY_READ.contains(&t.as_str()) {
                Sniff::Yes
            } else {
                Sniff::Unsupported(format!(
                    "legacy AzureHound collection of {t} (not identity-linking data; tenantlint reads aztenants, azusers, azgroups, azsubscriptions and azgroupmembers)"
                ))
            }
        }
        None => Sniff::No,
    }
}

struct Cx<'a, 'i> {
    input: &'i Input<'a>,
    doc: Doc<'a>,
    t: Tally,
    ex: Extract,
    /// Items of kinds that are not read, by kind.
    skipped: BTreeMap<String, usize>,
    /// Group-member rows read (not modelled: counted for the coverage note).
    members: usize,
    /// First line of a user or group.
    first_object_line: u32,
}

impl Cx<'_, '_> {
    fn tenant(&mut self, r: &Rec<'_>, field: &str) {
        if let Some(id) = r.str::<String>(&mut self.t, &[field]) {
            match normalize_guid_text(&id) {
                Some(id) => {
                    if !self.ex.tenant_ids.iter().any(|n| n.id == id) {
                        self.ex.tenant_ids.push(NamedTenant {
                            id,
                            at: self.input.at(r.line),
                            field: format!("{}.{field}", self.ex.kind),
                        });
                    }
                }
                None => self.t.add(Problem::NotGuid, field, r.line, &id),
            }
        }
    }
}

/// Reader.
pub fn read(input: &Input<'_>) -> Result<Extract, ReadError> {
    let text = input.text;
    let root = ju::parse_root(text)?;
    let doc = Doc::new(text);
    let Some(top) = ju::object(root) else {
        return Err(ReadError::new(1, "an AzureHound collection is a JSON object with `data` and `meta`"));
    };
    let meta = top.get("meta").and_then(ju::object);
    let meta_type = meta
        .as_ref()
        .and_then(|m| m.get("type"))
        .and_then(ju::string)
        .map(|s| s.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let data = match top.get("data") {
        Some(d) if ju::shape(d) == Shape::Array => ju::array(d).unwrap_or_default(),
        Some(d) if ju::shape(d) == Shape::Null => Vec::new(),
        Some(d) => return Err(ReadError::new(doc.line_of(d), "`data` is not a JSON array of collected items")),
        None => return Err(ReadError::new(1, "the file has no `data` array: it is not an AzureHound collection")),
    };
    let legacy = meta_type.starts_with("az") && meta_type != "azure";
    let mut cx = Cx {
        input,
        doc,
        t: Tally::default(),
        ex: Extract::new(if legacy { format!("azurehound:{meta_type}") } else { "azurehound".to_string() }),
        skipped: BTreeMap::new(),
        members: 0,
        first_object_line: 0,
    };
    if legacy && !LEGACY_READ.contains(&meta_type.as_str()) {
        return Err(ReadError::new(
            1,
            format!("legacy AzureHound collection of {meta_type}: tenantlint reads only {}", LEGACY_READ.join(", ")),
        ));
    }
    let mut saw_enabled_key = false;
    let mut users_without_enabled = Vec::new();
    for raw in data {
        let Some(item) = ju::record(&cx.doc, &mut cx.t, raw, "data") else { continue };
        let (kind, r) = if legacy {
            (legacy_kind(&meta_type).to_string(), item)
        } else {
            let kind = item.str::<String>(&mut cx.t, &["kind"]).unwrap_or_default();
            match item.obj(&["data"]) {
                Some(o) => (kind, Rec::new(o, item.line)),
                None => {
                    cx.t.add(Problem::Missing, "data (the item's object)", item.line, "");
                    continue;
                }
            }
        };
        match kind.as_str() {
            "AZUser" | "AZGroup" => {
                let user = kind == "AZUser";
                let at = input.at(r.line);
                let mut o = super::cloud_attrs::cloud_object(
                    &mut cx.t,
                    &r,
                    if user { CloudKind::User } else { CloudKind::Group },
                    at,
                );
                // Never collected: an absent ImmutableId is "not exported", not "cloud-only".
                o.sync_fields_exported = false;
                o.immutable_id = None;
                o.on_prem_sid = o.on_prem_sid.as_deref().map(|s| normalize_sid(s).map(Into::into).unwrap_or(s.into()));
                if user {
                    if r.has("accountEnabled") {
                        saw_enabled_key = true;
                    } else if !legacy {
                        users_without_enabled.push(cx.ex.cloud_objects.len());
                    }
                }
                if cx.first_object_line == 0 {
                    cx.first_object_line = r.line;
                }
                cx.tenant(&r, "tenantId");
                cx.ex.cloud_objects.push(o);
            }
            "AZTenant" => tenant(&mut cx, &r, legacy),
            "AZSubscription" => subscription(&mut cx, &r),
            "AZApp" | "AZServicePrincipal" => {
                let sp = kind == "AZServicePrincipal";
                let t = &mut cx.t;
                let a = Application {
                    source: input.at(r.line),
                    kind: if sp { "servicePrincipal" } else { "application" }.into(),
                    id: r.guid(t, &["id"]),
                    app_id: r.guid(t, &["appId"]),
                    display_name: r.str(t, &["displayName"]),
                    sign_in_audience: r.str(t, &["signInAudience"]),
                    app_owner_tenant_id: if sp { r.guid(t, &["appOwnerOrganizationId"]) } else { None },
                    publisher_domain: r.str(t, &["publisherDomain"]),
                    ..Default::default()
                };
                cx.tenant(&r, "tenantId");
                cx.ex.applications.push(a);
            }
            "AZRoleAssignment" => role_assignments(&mut cx, &r),
            "AZGroupMember" => {
                cx.members += if legacy { 1 } else { r.list(&["members"]).len() };
            }
            "" => cx.t.add(Problem::Missing, "kind", r.line, ""),
            other => *cx.skipped.entry(other.to_string()).or_default() += 1,
        }
    }
    // Go's omitempty drops `accountEnabled: false`: when the file carries the key at all, its absence is false.
    if saw_enabled_key {
        for i in users_without_enabled {
            cx.ex.cloud_objects[i].account_enabled = Some(false);
        }
    }
    let Cx { t, mut ex, skipped, members, first_object_line, .. } = cx;
    t.flush(input, &mut ex);
    coverage_note(input, &mut ex, &skipped, members, first_object_line);
    ex.count_records();
    if ex.records == 0 && members > 0 {
        ex.records = members;
    }
    if ex.records == 0 && skipped.is_empty() {
        ex.issue(
            input.at(0),
            codes::EMPTY_EXPORT,
            "the collection holds no items; re-run AzureHound with an account that can read the directory",
        );
    }
    Ok(ex)
}

fn legacy_kind(meta_type: &str) -> &'static str {
    match meta_type {
        "azusers" => "AZUser",
        "azgroups" => "AZGroup",
        "aztenants" => "AZTenant",
        "azsubscriptions" => "AZSubscription",
        _ => "AZGroupMember",
    }
}

/// The IN003 coverage note: what AzureHound never collects and which rules therefore cannot run.
fn coverage_note(
    input: &Input<'_>,
    ex: &mut Extract,
    skipped: &BTreeMap<String, usize>,
    members: usize,
    first_object_line: u32,
) {
    let objects = ex.cloud_objects.len();
    let with_sid = ex.cloud_objects.iter().filter(|o| o.on_prem_sid.is_some()).count();
    let mut parts = Vec::new();
    if objects > 0 {
        parts.push(format!(
            "AzureHound does not collect onPremisesImmutableId, proxyAddresses, mailNickname or the on-premises UPN/DN of its {objects} users and groups ({with_sid} carry an on-premises SID, their only link to AD): the anchor rules (AN…), the soft-match, address and duplicate rules cannot judge these objects — AD objects link to them by objectSid only (AN011 needs an anchor too); export users and groups with Graph ($select of the on-premises fields) or ROADrecon for those rules"
        ));
    }
    if members > 0 {
        parts.push(format!("{members} group-membership entries were read but are not used by tenantlint's rules"));
    }
    if !skipped.is_empty() {
        let list: Vec<String> = skipped.iter().map(|(k, n)| format!("{k} ×{n}")).collect();
        parts.push(format!("items of kinds tenantlint does not use were not read: {}", list.join(", ")));
    }
    if !parts.is_empty() {
        let line = if objects > 0 { first_object_line } else { 0 };
        ex.issue(input.at(line), codes::MISSING_FIELDS, parts.join("; "));
    }
}

fn tenant(cx: &mut Cx<'_, '_>, r: &Rec<'_>, legacy: bool) {
    let t = &mut cx.t;
    let id = r.guid::<String>(t, &["tenantId", "ObjectId"]);
    let name = r.str::<String>(t, &["displayName"]);
    let domains: Vec<String> = r.strs::<String>(t, &["domains"]).into_iter().map(|d| d.to_ascii_lowercase()).collect();
    let default = r.str::<String>(t, &["defaultDomain"]).map(|d| d.to_ascii_lowercase());
    // Go: the first item is the collected tenant (`collected: true`); the others are tenants seen through ARM.
    let collected = legacy || r.bool(t, &["collected"]) == Some(true);
    let at = cx.input.at(r.line);
    let Some(id) = id else {
        t.add(Problem::Missing, "tenantId", r.line, "");
        return;
    };
    if collected {
        let verified_domains = domains
            .iter()
            .map(|d| VerifiedDomain {
                name: d.clone(),
                is_default: Some(Some(d) == default.as_ref()),
                ..Default::default()
            })
            .collect();
        cx.ex.tenants.push(Tenant {
            source: Some(at),
            id: Some(id.clone()),
            name: name.clone().unwrap_or_else(|| id.clone()),
            tenant_type: r.str(t, &["tenantType"]),
            verified_domains,
            default_domain: default.clone(),
            ..Default::default()
        });
        for d in &domains {
            cx.ex.domains.push(Domain {
                source: at,
                name: d.clone(),
                is_verified: Some(true),
                is_default: Some(Some(d) == default.as_ref()),
                is_initial: d
                    .ends_with(".onmicrosoft.com")
                    .then_some(true)
                    .filter(|_| !d.ends_with(".mail.onmicrosoft.com")),
                ..Default::default()
            });
        }
        if !cx.ex.tenant_ids.iter().any(|n| n.id == id) {
            let field = if legacy { "aztenants.ObjectId" } else { "AZTenant.tenantId" };
            cx.ex.tenant_ids.push(NamedTenant { id, at, field: field.into() });
        }
    } else {
        cx.ex.arm_tenants.push(ArmTenant {
            source: at,
            tenant_id: id,
            display_name: name,
            default_domain: default,
            domains,
            tenant_category: r.str(t, &["tenantCategory"]),
            country_code: r.str(t, &["countryCode"]),
        });
    }
}

fn subscription(cx: &mut Cx<'_, '_>, r: &Rec<'_>) {
    let t = &mut cx.t;
    let id = match r.guid::<String>(t, &["subscriptionId"]) {
        Some(id) => id,
        None => {
            t.add(Problem::Missing, "subscriptionId", r.line, "");
            return;
        }
    };
    let managed = r
        .objects(t, &["managedByTenants"])
        .into_iter()
        .filter_map(|o| Rec::new(o, r.line).guid::<String>(t, &["tenantId"]))
        .collect();
    let policies = r.obj(&["subscriptionPolicies"]).map(|o| Rec::new(o, r.line));
    cx.ex.subscriptions.push(Subscription {
        source: cx.input.at(r.line),
        id,
        display_name: r.str(t, &["displayName", "Name"]),
        tenant_id: r.guid(t, &["tenantId"]),
        managed_by_tenants: managed,
        state: r.str(t, &["state"]),
        quota_id: policies.and_then(|p| p.str(t, &["quotaId"])),
        authorization_source: r.str(t, &["authorizationSource"]),
        ..Default::default()
    });
}

/// AZRoleAssignment: `{"roleDefinitionId", "tenantId", "roleAssignments": [{"principalId", "roleDefinitionId", …}]}`
/// (one item per role), or a single assignment object.
fn role_assignments(cx: &mut Cx<'_, '_>, r: &Rec<'_>) {
    cx.tenant(r, "tenantId");
    let outer_role = r.str::<String>(&mut cx.t, &["roleDefinitionId"]);
    let mut list: Vec<Rec<'_>> =
        r.objects(&mut cx.t, &["roleAssignments"]).into_iter().map(|o| Rec::new(o, r.line)).collect();
    if list.is_empty() && r.has("principalId") {
        list.push(Rec::new(r.obj.clone(), r.line));
    }
    for a in list {
        let t = &mut cx.t;
        let Some(pid) = a.guid::<String>(t, &["principalId"]) else {
            t.add(Problem::Missing, "principalId", a.line, "");
            continue;
        };
        let rdid = a
            .str::<String>(t, &["roleDefinitionId"])
            .or_else(|| outer_role.clone())
            .map(|s| normalize_guid_text(&s).unwrap_or(s));
        let name = a.obj(&["roleDefinition"]).map(|o| Rec::new(o, a.line)).and_then(|d| d.str(t, &["displayName"]));
        cx.ex.role_grants.push(RoleGrant {
            source: cx.input.at(a.line),
            principal_id: pid,
            role: name.or_else(|| rdid.clone()).unwrap_or_default(),
            role_id: rdid,
            ..Default::default()
        });
    }
}

/// Raw items of an AzureHound `data` array (for tests).
#[cfg(test)]
fn items(text: &str) -> Vec<&ju::Raw> {
    let root = ju::parse_root(text).unwrap();
    ju::object(root).and_then(|o| o.get("data")).and_then(ju::array).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;
    use std::path::Path;

    fn read_text(text: &str) -> Result<Extract, ReadError> {
        read(&Input::new(FileId(0), text))
    }

    fn fixture(name: &str) -> String {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/azurehound").join(name);
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    use crate::ingest::realdata;

    #[test]
    fn v3_users_groups_tenant_upper_case_and_omitted_booleans() {
        let text = fixture("azurehound-v3-az-ad.json");
        assert_eq!(sniff(&text), Sniff::Yes);
        assert_eq!(items(&text).len(), 9);
        let ex = read_text(&text).unwrap();
        assert_eq!(ex.kind, "azurehound");
        let users: Vec<&CloudObject> = ex.cloud_objects.iter().filter(|o| o.kind == CloudKind::User).collect();
        let groups: Vec<&CloudObject> = ex.cloud_objects.iter().filter(|o| o.kind == CloudKind::Group).collect();
        assert_eq!((users.len(), groups.len()), (3, 1));
        let ann = users.iter().find(|u| u.upn.as_deref() == Some("ann.lee@contoso.com")).unwrap();
        assert_eq!(ann.id.as_deref(), Some("0b6f1c2d-8e3a-4f5b-9c7d-1e2f3a4b5c6d"), "upper-case id normalised");
        assert_eq!(ann.on_prem_sid.as_deref(), Some("S-1-5-21-3623811015-3361044348-30300820-1104"));
        assert_eq!(ann.account_enabled, Some(true));
        assert_eq!((ann.immutable_id.as_deref(), ann.sync_fields_exported), (None, false));
        let off = users.iter().find(|u| u.upn.as_deref() == Some("sam.ortiz@contoso.com")).unwrap();
        assert_eq!(off.account_enabled, Some(false), "omitted accountEnabled is false when others carry it");
        assert_eq!(off.on_prem_sync_enabled, None, "omitted onPremisesSyncEnabled stays unknown");
        assert_eq!(groups[0].on_prem_sid.as_deref(), Some("S-1-5-21-3623811015-3361044348-30300820-1120"));
        assert_eq!(ex.tenants.len(), 1);
        assert_eq!(ex.tenants[0].id.as_deref(), Some("bab6cf19-4a02-459b-a96d-5ba492ac1715"));
        assert_eq!(ex.domains.len(), 2);
        assert_eq!(ex.arm_tenants.len(), 1, "a tenant seen through ARM is not the collected one");
        assert_eq!(ex.subscriptions.len(), 1);
        assert_eq!(ex.subscriptions[0].tenant_id.as_deref(), Some("bab6cf19-4a02-459b-a96d-5ba492ac1715"));
        assert_eq!(ex.applications.len(), 1);
        assert!(ex.tenant_ids.iter().all(|n| n.id == "bab6cf19-4a02-459b-a96d-5ba492ac1715"));
        let note = ex.issues.iter().find(|i| i.code == codes::MISSING_FIELDS).expect("coverage note");
        assert!(note.message.contains("onPremisesImmutableId") && note.message.contains("AN…"), "{}", note.message);
        assert!(note.message.contains("AZDevice ×1"), "{}", note.message);
    }

    #[test]
    fn not_azurehound() {
        assert_eq!(sniff(r#"{"value": []}"#), Sniff::No);
        assert_eq!(sniff(r#"{"meta": {"type": "users", "version": 6, "methods": 1}, "data": []}"#), Sniff::No);
        assert!(matches!(sniff(r#"{"meta": {"type": "azvms", "version": 4}, "data": []}"#), Sniff::Unsupported(_)));
        let e = read_text(r#"{"meta": {"type": "azure"}, "data": 5}"#).unwrap_err();
        assert!(e.reason.contains("not a JSON array"), "{}", e.reason);
    }

    #[test]
    fn real_legacy_lab_collection() {
        let Some(dir) = realdata("azurehound-legacy-ps1-lab-2020") else { return };
        let read_file = |name: &str| {
            let bytes = std::fs::read(dir.join(name)).unwrap();
            let text = crate::ingest::text::decode(&bytes).text.into_owned();
            assert_eq!(sniff(&text), Sniff::Yes, "{name}");
            read_text(&text).unwrap()
        };
        let users = read_file("20201003121045-azusers.pseudonymized.json");
        assert_eq!(users.kind, "azurehound:azusers");
        assert_eq!(users.cloud_objects.len(), 47);
        assert_eq!(users.cloud_objects.iter().filter(|o| o.on_prem_sid.is_some()).count(), 13);
        assert!(users.tenant_ids.iter().all(|n| n.id == "ba8c4db2-44fa-427a-a380-6e59cb50bb88"));
        assert!(users.issues.iter().any(|i| i.code == codes::MISSING_FIELDS));
        let groups = read_file("20201003121045-azgroups.json");
        assert_eq!(groups.cloud_objects.len(), 49);
        assert_eq!(groups.cloud_objects.iter().filter(|o| o.on_prem_sid.is_some()).count(), 44);
        let tenants = read_file("20201003121045-aztenants.json");
        assert_eq!(tenants.tenants.len(), 1);
        assert_eq!(tenants.tenants[0].id.as_deref(), Some("ba8c4db2-44fa-427a-a380-6e59cb50bb88"));
        let subs = read_file("20201003121045-azsubscriptions.json");
        assert!(!subs.subscriptions.is_empty());
        let members = read_file("20201003121045-azgroupmembers.pseudonymized.json");
        assert!(members.records > 0);
    }

    #[test]
    fn real_go_output_is_recognised() {
        let Some(dir) = realdata("azurehound-output-format") else { return };
        let text = std::fs::read_to_string(dir.join("federated_identity_credentials.json")).unwrap();
        assert_eq!(sniff(&text), Sniff::Yes);
        let ex = read_text(&text).unwrap();
        assert_eq!(ex.cloud_objects.len(), 0);
        assert!(ex.issues.iter().any(|i| i.message.contains("AZFederatedIdentityCredential ×7")), "{:?}", ex.issues);
    }
}
