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
//!
//! What lives where: the sniffer and the reader here; `entity` decides which Graph entity a
//! response or element holds; the records become model objects through [`super::cloud_attrs`]
//! (shared with the other readers of Graph-shaped records); `tests` holds the tests.

mod entity;
#[cfg(test)]
mod tests;

pub use entity::Entity;
use entity::{head_entity, parse_context, rec_entity, unsupported_entity};

use super::cloud_attrs::{application, cloud_object, domain, federation, organization, sku, sync_settings};
use super::export::GRAPH_USERS_SELECT as USERS_SELECT;
use super::json_util::Raw;
use super::json_util::{self as ju, Doc, Head, HeadKind, Problem, Rec, Shape, Tally};
use super::{Extract, Format, Input, NamedTenant, ReadError, Sniff, codes};
use crate::model::*;
use std::collections::{BTreeMap, BTreeSet};

/// Registration in [`super::FORMATS`].
pub const FORMAT: Format = Format {
    name: "graph-json",
    summary: "Microsoft Graph JSON (REST and PowerShell ConvertTo-Json shapes) and legacy Azure AD Graph JSON",
    sniff,
    read,
};

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
    // A collection page (the bulk of a large export) is split in one pass (by the caller, which
    // also held it to the depth limit, or here); anything else is parsed as one raw value first
    // (which also explains syntax errors).
    let scanned;
    let page = match input.page {
        Some(p) => Some(p),
        None => {
            scanned = ju::ScannedPage::scan(text, 0);
            scanned.as_ref()
        }
    };
    let root = match page {
        Some(_) => None,
        None => Some(ju::parse_root(text)?),
    };
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
    let items: Elements<'_, '_> = match root.map_or(Shape::Object, ju::shape) {
        Shape::Object => {
            let (top, split) = match (page, root) {
                (Some(p), _) => (p.top.clone(), Some(Elements::Page(p))),
                (None, Some(root)) => (ju::object(root).unwrap_or_default(), None),
                (None, None) => unreachable!("a page or a root"),
            };
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
            let split = split.or_else(|| {
                top.get("value")
                    .filter(|v| ju::shape(v) == Shape::Array)
                    .map(|v| Elements::Raw(ju::array(v).unwrap_or_default()))
            });
            match split.ok_or_else(|| top.get("value")) {
                Ok(items) => {
                    let declared = top
                        .get_any(&["@odata.count", "odata.count"])
                        .and_then(|(raw, _)| odata_count(raw).map(|n| (n, input.at(cx.doc.line_of(raw)))));
                    cx.ex.page = Some(super::Page { held: items.len(), declared });
                    items
                }
                Err(Some(v)) if ju::shape(v) == Shape::Object => Elements::Raw(vec![v]),
                Err(Some(v)) if ju::shape(v) == Shape::Null => Elements::Raw(Vec::new()),
                Err(_) => Elements::Raw(vec![root.expect("no page: parsed as a root")]),
            }
        }
        Shape::Array => Elements::Raw(root.and_then(ju::array).unwrap_or_default()),
        _ => {
            return Err(ReadError::new(
                1,
                "the file holds a single JSON value, not a Microsoft Graph response: export the collection with Invoke-MgGraphRequest or Get-Mg* | ConvertTo-Json",
            ));
        }
    };

    // The file's entity from the first record that tells, when the context did not say. Records
    // are then read one at a time, each record's member list made when it is read (a page holds up
    // to 100k users: a scanned page keeps 12 bytes of offsets per member, not the lists).
    let first_line = (0..items.len())
        .map(|i| items.raw(i))
        .find(|raw| ju::shape(raw) == Shape::Object)
        .map(|raw| cx.doc.line_of(raw));
    if file_entity.is_none() {
        file_entity = (0..items.len())
            .find_map(|i| items.object(i).and_then(|o| rec_entity(&Rec::new(o, cx.doc.line_of(items.raw(i))))));
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
    for i in 0..items.len() {
        let Some(r) = ju::record_of(&cx.doc, &mut cx.t, items.raw(i), items.object(i), "the response") else {
            continue;
        };
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

/// The elements of a response: split by [`ju::ScannedPage::scan`], or raw values split when read.
enum Elements<'a, 'p> {
    Page(&'p ju::ScannedPage<'a>),
    Raw(Vec<&'a Raw>),
}

impl<'a> Elements<'a, '_> {
    fn len(&self) -> usize {
        match self {
            Elements::Page(p) => p.len(),
            Elements::Raw(v) => v.len(),
        }
    }
    fn raw(&self, i: usize) -> &'a Raw {
        match self {
            Elements::Page(p) => p.raw(i),
            Elements::Raw(v) => v[i],
        }
    }
    /// Element `i`'s members (`None` when it is not an object).
    fn object(&self, i: usize) -> Option<ju::RawObject<'a>> {
        match self {
            Elements::Page(p) => p.object(i),
            Elements::Raw(v) => ju::object(v[i]),
        }
    }
}

/// The value of an `@odata.count` annotation: a non-negative integer (a numeric string accepted).
fn odata_count(raw: &Raw) -> Option<u64> {
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
            let a = application(t, r, e == Entity::ServicePrincipals, at);
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
