//! Family `sync` (SY…): matching and sync topology — soft-match candidates that will be merged or
//! fail, admin accounts that would be taken over, tenant switches that leave takeover open, stale
//! sync, quarantined (duplicate-attribute-resiliency) UPNs, and forests and tenants wired in ways the
//! supported topologies do not cover. Facts: identity-facts.md §2 (matching, resiliency) and §4
//! (topologies, organization fields).

use super::anchors::{AnchorAttr, expected_anchor};
use super::matching::{Outcome, Pair, predict};
use super::{Context, ad_subject, cloud_subject, evidence, finding, finding_case, tenant_subject};
use crate::findings::{Finding, Severity, Subject};
use crate::graph::{AnchorSource, Edge, Node, SoftKey};
use crate::model::{AdClass, AdObject, CloudKind, CloudObject, Estate, ProvisioningError, SyncSettings};
use petgraph::Direction;
use petgraph::visit::EdgeRef;
use rayon::prelude::*;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Organization sync enabled but the last sync is older than the threshold.
pub const STALE: &str = "SY001";
/// A cloud-only object that the next sync will soft-match (merge).
pub const SOFT_MERGE: &str = "SY002";
/// A soft match that fails because the target already holds another ImmutableId.
pub const INVALID_SOFT: &str = "SY003";
/// An admin-role holder that an on-premises object would soft- or hard-match.
pub const ADMIN_MATCH: &str = "SY004";
/// Tenant switches that allow soft match / hard-match takeover.
pub const TAKEOVER_OPEN: &str = "SY005";
/// A UPN quarantined by duplicate attribute resiliency.
pub const QUARANTINED: &str = "SY006";
/// One forest synced into several tenants.
pub const FOREST_MULTI_TENANT: &str = "SY007";
/// Several forests writing one tenant with different anchor attributes.
pub const MIXED_ANCHORS: &str = "SY008";
/// SY009 provisioning-error-reported
pub const PROVISIONING_ERROR: &str = "SY009";
/// SY010 synced-user-without-licence
pub const UNLICENSED: &str = "SY010";

fn s(v: impl Into<String>) -> Value {
    Value::String(v.into())
}

/// The family entry point.
pub fn run(ctx: &Context<'_>) -> Vec<Finding> {
    let mut out = stale_sync(ctx);
    out.extend(soft_matches(ctx));
    out.extend(takeover_switches(ctx));
    out.extend(quarantined(ctx));
    out.extend(topology(ctx));
    out.extend(provisioning_errors(ctx));
    out.extend(unlicensed(ctx));
    out
}

/// The AD object hard-linked to a cloud object, if any.
fn anchored_twin(ctx: &Context<'_>, ci: u32) -> Option<u32> {
    let graph = ctx.graph;
    let node = graph.cloud_objects[ci as usize];
    graph.graph.edges_directed(node, Direction::Incoming).find_map(|e| match (e.weight(), graph.graph[e.source()]) {
        (Edge::AnchoredTo(_), Node::AdObject(a)) => Some(a),
        _ => None,
    })
}

/// SY009: `onPremisesProvisioningErrors` surfaced, one finding per object, with the property and value.
fn provisioning_errors(ctx: &Context<'_>) -> Vec<Finding> {
    let estate = ctx.estate();
    let mut out: Vec<Finding> = estate
        .cloud_objects
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.provisioning_errors.is_empty())
        .map(|(ci, c)| {
            let mut errs: Vec<&ProvisioningError> = c.provisioning_errors.iter().collect();
            errs.sort_by(|a, b| (&a.property, &a.value).cmp(&(&b.property, &b.value)));
            let what: Vec<String> = errs
                .iter()
                .map(|e| {
                    format!(
                        "{} on {} (`{}`)",
                        e.category.as_deref().unwrap_or("error"),
                        e.property.as_deref().unwrap_or("an attribute"),
                        e.value.as_deref().unwrap_or("?")
                    )
                })
                .collect();
            let title = format!(
                "{} in {}: directory synchronisation reports {}",
                c.label(),
                estate.tenants[c.tenant as usize].name,
                what.join("; ")
            );
            let ev = evidence([
                (
                    "errors",
                    Value::Array(
                        errs.iter()
                            .map(|e| {
                                json!({"category": e.category, "property": e.property, "value": e.value, "occurred": e.occurred})
                            })
                            .collect(),
                    ),
                ),
                ("tenant", s(estate.tenants[c.tenant as usize].name.clone())),
                (
                    "commands",
                    json!([format!(
                        "Get-MgUser -UserId {} -Property onPremisesProvisioningErrors | Select-Object -ExpandProperty OnPremisesProvisioningErrors",
                        c.id.as_deref().unwrap_or("<object id>")
                    )]),
                ),
            ]);
            let mut subjects = vec![cloud_subject(estate, c)];
            if let Some(a) = anchored_twin(ctx, ci as u32) {
                subjects.push(ad_subject(&estate.ad_objects[a as usize]));
            }
            let disc: Vec<String> = errs
                .iter()
                .map(|e| format!("{}={}", e.property.as_deref().unwrap_or(""), e.value.as_deref().unwrap_or("")).to_lowercase())
                .collect();
            finding(PROVISIONING_ERROR, title, subjects, ev, disc.join(";"))
        })
        .collect();
    out.sort_by(|a, b| a.subjects[0].source.cmp(&b.subjects[0].source));
    out
}

/// SY010: an enabled, synced member user without any licence (judged only when the export carried licence
/// data). Disabled accounts (shared and resource mailboxes) are normal and skipped.
fn unlicensed(ctx: &Context<'_>) -> Vec<Finding> {
    let estate = ctx.estate();
    let mut out: Vec<Finding> = estate
        .cloud_objects
        .iter()
        .enumerate()
        .filter(|(_, c)| {
            c.kind == CloudKind::User
                && c.on_prem_sync_enabled == Some(true)
                && c.account_enabled == Some(true)
                && c.is_licensed == Some(false)
                && !c.is_guest()
        })
        .map(|(ci, c)| {
            let title = format!(
                "{} is synchronised to {} and enabled but holds no licence",
                c.label(),
                estate.tenants[c.tenant as usize].name
            );
            let ev = evidence([
                ("tenant", s(estate.tenants[c.tenant as usize].name.clone())),
                ("account_enabled", json!(true)),
                ("licenses", json!([])),
            ]);
            let mut subjects = vec![cloud_subject(estate, c)];
            if let Some(a) = anchored_twin(ctx, ci as u32) {
                subjects.push(ad_subject(&estate.ad_objects[a as usize]));
            }
            finding(UNLICENSED, title, subjects, ev, "")
        })
        .collect();
    out.sort_by(|a, b| a.subjects[0].source.cmp(&b.subjects[0].source));
    out
}

/// Parses the date forms the readers leave in the model: RFC 3339, or `M/d/yyyy h:mm:ss AM` (MSOnline, en-US).
pub fn parse_time(v: &str) -> Option<time::OffsetDateTime> {
    use time::format_description::well_known::Rfc3339;
    let v = v.trim();
    if let Ok(t) = time::OffsetDateTime::parse(v, &Rfc3339) {
        return Some(t);
    }
    if let Ok(t) = time::OffsetDateTime::parse(&format!("{v}Z"), &Rfc3339) {
        return Some(t);
    }
    // en-US `M/d/yyyy h:mm:ss AM|PM`, taken as UTC.
    let (date, rest) = v.split_once(' ')?;
    let mut d = date.split('/').map(|x| x.parse::<u32>().ok());
    let (m, day, y) = (d.next()??, d.next()??, d.next()??);
    let (clock, ampm) = rest.trim().split_once(' ').unwrap_or((rest.trim(), ""));
    let mut c = clock.split(':').map(|x| x.parse::<u32>().ok());
    let (mut h, mi, sec) = (c.next()??, c.next()??, c.next().flatten().unwrap_or(0));
    match ampm.to_ascii_uppercase().as_str() {
        "PM" if h < 12 => h += 12,
        "AM" if h == 12 => h = 0,
        _ => {}
    }
    let date = time::Date::from_calendar_date(y as i32, time::Month::try_from(m as u8).ok()?, day as u8).ok()?;
    let t = time::Time::from_hms(h as u8, mi as u8, sec as u8).ok()?;
    Some(time::PrimitiveDateTime::new(date, t).assume_utc())
}

/// SY001: the organization says sync is on, but the last sync is older than `max_age_days`.
fn stale_sync(ctx: &Context<'_>) -> Vec<Finding> {
    let estate = ctx.estate();
    let max_days = ctx.params().sy001.max_age_days;
    let as_of = ctx.options.as_of();
    let mut out = Vec::new();
    for (i, t) in estate.tenants.iter().enumerate() {
        if t.on_prem_sync_enabled != Some(true) {
            continue;
        }
        let Some(last) = t.on_prem_last_sync.as_deref().and_then(parse_time) else { continue };
        let age = as_of - last;
        if age.whole_days() <= max_days {
            continue;
        }
        let days = age.whole_days();
        let title = format!(
            "{}: directory sync is enabled but the last sync was {} ({days} days before {}; threshold {max_days} days)",
            t.name,
            t.on_prem_last_sync.as_deref().unwrap_or_default(),
            as_of.date()
        );
        let ev = evidence([
            ("tenant", s(t.name.clone())),
            ("onPremisesSyncEnabled", json!(true)),
            ("onPremisesLastSyncDateTime", s(t.on_prem_last_sync.clone().unwrap_or_default())),
            ("judged_at", s(as_of.date().to_string())),
            ("age_days", json!(days)),
            ("max_age_days", json!(max_days)),
            (
                "consequence",
                s(
                    "changes made in AD since then (new users, disabled leavers, password changes) are not in the tenant",
                ),
            ),
            ("steps", json!(restart_steps(days))),
        ]);
        let mut f = finding(STALE, title, vec![tenant_subject(estate, i as u32)], ev, "");
        if days > ctx.params().sy001.high_after_days {
            f.severity = Severity::High;
        }
        out.push(f);
    }
    out
}

/// The safe order to restart a sync server stopped for `days` days: staging mode first, review what it
/// would export (deletions against the deletion threshold), check the Connect version, then export.
pub fn restart_steps(days: i64) -> Vec<String> {
    vec![
        format!(
            "1. Do not simply restart the scheduler: after {days} days the first cycle would export every change at \
             once. Put the server in staging mode first (Entra Connect wizard: Configure staging mode), or build a new \
             server in staging mode."
        ),
        "2. Check the Entra Connect version and upgrade an unsupported or retired build before it exports anything \
         (Get-ADSyncGlobalSettings / the installed program version)."
            .to_string(),
        "3. Run a full import and synchronisation in staging mode and review the pending exports \
         (csexport <connector> export.xml /f:x, or the Synchronization Service Manager): adds, updates and above all \
         deletions — objects deleted or moved in AD while sync was stopped."
            .to_string(),
        "4. Compare the pending deletions with the export deletion threshold (Get-ADSyncExportDeletionThreshold, \
         default 500); never raise or disable it to let an unexplained mass deletion through."
            .to_string(),
        "5. Only then leave staging mode and let the export run; check the provisioning errors afterwards \
         (Get-MgUser -All -Property id,userPrincipalName,onPremisesProvisioningErrors, Graph permission User.Read.All)."
            .to_string(),
    ]
}

fn settings_of(estate: &Estate) -> HashMap<u32, &SyncSettings> {
    let mut m = HashMap::new();
    for st in &estate.sync_settings {
        m.entry(st.tenant).or_insert(st);
    }
    m
}

fn kinds_compatible(o: &AdObject, c: &CloudObject) -> bool {
    matches!(
        (&o.class, c.kind),
        (AdClass::User | AdClass::InetOrgPerson, CloudKind::User)
            | (AdClass::Group, CloudKind::Group)
            | (AdClass::Contact, CloudKind::Contact)
    )
}

/// The role definition / template ids of some role grants (sorted, distinct): evidence keeps them
/// beside the role names.
fn role_ids(estate: &Estate, grants: &[usize]) -> BTreeSet<String> {
    grants.iter().filter_map(|&g| estate.role_grants[g].role_id.clone()).collect()
}

/// SY002/SY003/SY004: soft-match candidates (primary SMTP, then UPN) and admin-role holders that would match.
fn soft_matches(ctx: &Context<'_>) -> Vec<Finding> {
    let estate = ctx.estate();
    let graph = ctx.graph;
    if estate.ad_objects.is_empty() {
        return Vec::new();
    }
    let targets = ctx.targets();
    let decisions = ctx.anchor_decisions();
    let settings = settings_of(estate);
    // Role holders: cloud object -> roles (with the grant's source).
    let mut roles: HashMap<u32, Vec<usize>> = HashMap::new();
    for (gi, r) in estate.role_grants.iter().enumerate() {
        if let Some(&c) = graph.indexes.cloud_by_id.get(&(r.tenant, r.principal_id.to_lowercase())) {
            roles.entry(c).or_default().push(gi);
        }
    }
    (0..estate.ad_objects.len() as u32)
        .into_par_iter()
        .flat_map_iter(|a| {
            let o = &estate.ad_objects[a as usize];
            let mut out = Vec::new();
            if o.is_critical_system_object == Some(true) {
                return out;
            }
            let (tenants, tenants_how) = targets.of_object(estate, a);
            let node = graph.ad_objects[a as usize];
            // Tenants where the object is already hard-linked: hard match wins there.
            let mut hard_tenants = BTreeSet::new();
            let mut soft: BTreeMap<u32, Vec<SoftKey>> = BTreeMap::new();
            let mut hard_admin: Vec<u32> = Vec::new();
            for e in graph.graph.edges_directed(node, Direction::Outgoing) {
                let Node::CloudObject(c) = graph.graph[e.target()] else { continue };
                match e.weight() {
                    Edge::AnchoredTo(_) => {
                        let co = &estate.cloud_objects[c as usize];
                        hard_tenants.insert(co.tenant);
                        if roles.contains_key(&c)
                            && co.sync_fields_exported
                            && co.on_prem_sync_enabled != Some(true)
                            && tenants.contains(&co.tenant)
                            && !co.is_guest()
                        {
                            hard_admin.push(c);
                        }
                    }
                    Edge::SoftMatchCandidate(k) => soft.entry(c).or_default().push(*k),
                    _ => {}
                }
            }
            hard_admin.sort_unstable();
            hard_admin.dedup();
            for c in hard_admin {
                let co = &estate.cloud_objects[c as usize];
                let block_hard = settings
                    .get(&co.tenant)
                    .and_then(|s| s.features.get("blockCloudObjectTakeoverThroughHardMatchEnabled").copied());
                let role_names: BTreeSet<&str> =
                    roles[&c].iter().map(|&g| estate.role_grants[g].role.as_str()).collect();
                let role_ids = role_ids(estate, &roles[&c]);
                let title = format!(
                    "{}: cloud-managed {} holding {} already carries AD user {}'s anchor `{}` — the next sync \
                     hard-matches it{}",
                    co.label(),
                    co.upn.as_deref().unwrap_or(""),
                    role_names.iter().copied().collect::<Vec<_>>().join(", "),
                    o.label(),
                    co.immutable_id.as_deref().unwrap_or(""),
                    if block_hard == Some(true) {
                        " (blocked: blockCloudObjectTakeoverThroughHardMatchEnabled is on, InvalidHardMatch)"
                    } else {
                        " and takes the admin account over"
                    }
                );
                let ev = evidence([
                    ("tenant", s(estate.tenants[co.tenant as usize].name.clone())),
                    ("matched_on", json!(["ImmutableId (hard match)"])),
                    ("roles", json!(role_names)),
                    ("role_ids", json!(role_ids)),
                    ("blockCloudObjectTakeoverThroughHardMatchEnabled", json!(block_hard)),
                    (
                        "how_entra_decides",
                        s("a hard match on the ImmutableId makes the cloud object on-premises managed (attributes and, \
                           with password hash sync, the password come from AD) unless \
                           blockCloudObjectTakeoverThroughHardMatchEnabled is on, which refuses it with InvalidHardMatch"),
                    ),
                    (
                        "fix_order",
                        json!([
                            "keep admin accounts cloud-only: clear the cloud object's ImmutableId or exclude the AD object from sync",
                            "keep blockCloudObjectTakeoverThroughHardMatchEnabled on outside a planned matching window",
                        ]),
                    ),
                ]);
                let mut subjects = vec![ad_subject(o), cloud_subject(estate, co)];
                for &g in &roles[&c] {
                    let r = &estate.role_grants[g];
                    subjects.push(Subject {
                        kind: "role-grant".into(),
                        id: format!("{}/{}", subjects[1].id, r.role_id.as_deref().unwrap_or(&r.role)),
                        display: format!("{} ({})", r.role, co.label()),
                        source: Some(r.source),
                    });
                }
                let mut f = finding(ADMIN_MATCH, title, subjects, ev, format!("hard:{}", co.id.clone().unwrap_or_default()));
                if block_hard == Some(true) {
                    f.severity = Severity::Medium;
                }
                out.push(f);
            }
            for (c, keys) in soft {
                let co = &estate.cloud_objects[c as usize];
                if !tenants.contains(&co.tenant) || hard_tenants.contains(&co.tenant) || co.is_guest() {
                    continue;
                }
                if !kinds_compatible(o, co) || !co.sync_fields_exported {
                    continue; // unknown sync state: not "cloud-only"
                }
                let st = settings.get(&co.tenant).copied();
                let feature = |k: &str| st.and_then(|s| s.features.get(k).copied());
                let by_smtp = keys.contains(&SoftKey::PrimarySmtp);
                let upn_match_on = feature("softMatchOnUpnEnabled");
                if !by_smtp && upn_match_on == Some(false) {
                    continue; // UPN-only candidate, UPN soft match disabled: a UPN conflict, not a merge
                }
                let role_grants = roles.get(&c).map(Vec::as_slice).unwrap_or(&[]);
                let expected =
                    expected_anchor(o, decisions.get(o.forest as usize).map(|d| d.attr).unwrap_or(AnchorAttr::ObjectGuid));
                let keys_txt: Vec<&str> = keys
                    .iter()
                    .map(|k| match k {
                        SoftKey::PrimarySmtp => "primary SMTP address",
                        SoftKey::Upn => "userPrincipalName",
                    })
                    .collect();
                let mut ev = evidence([
                    ("tenant", s(estate.tenants[co.tenant as usize].name.clone())),
                    ("matched_on", json!(keys_txt)),
                    ("ad_userPrincipalName", json!(o.upn)),
                    ("ad_primary_smtp", json!(o.primary_smtp())),
                    ("cloud_userPrincipalName", json!(co.upn)),
                    ("cloud_primary_smtp", json!(co.primary_smtp())),
                    ("target_tenants_from", s(tenants_how.as_str())),
                    ("blockSoftMatchEnabled", json!(feature("blockSoftMatchEnabled"))),
                    ("softMatchOnUpnEnabled", json!(upn_match_on)),
                ]);
                if let Some(x) = &expected {
                    ev.insert("ad_anchor".into(), s(x.clone()));
                }
                let mut subjects = vec![ad_subject(o), cloud_subject(estate, co)];
                let disc = co.id.as_deref().map(String::from).unwrap_or_else(|| co.label());
                let block_soft = feature("blockSoftMatchEnabled");
                // One decision for the pair, shared with the duplicates family.
                let predicted = predict(&Pair {
                    anchor_equal: false,
                    soft_key: true,
                    same_kind: true,
                    group_clash: false,
                    ad_is_new: true,
                    cloud_has_immutable_id: co.immutable_id.as_deref().is_some_and(|v| !v.trim().is_empty()),
                    cloud_synced: co.on_prem_sync_enabled == Some(true),
                    cloud_admin: !role_grants.is_empty(),
                    block_soft_match: block_soft == Some(true),
                });
                ev.insert("predicted_outcome".into(), s(predicted.code()));
                ev.insert("predicted_outcome_text".into(), s(predicted.describe()));
                if predicted == Outcome::InvalidSoftMatch {
                    let other = co.immutable_id.as_deref().unwrap_or_default();
                    // SY003: the target already has an anchor — InvalidSoftMatch.
                    ev.insert("cloud_immutable_id".into(), s(other));
                    let title = format!(
                        "{}: soft match with {} in {} fails with InvalidSoftMatch: the cloud object already holds \
                         ImmutableId `{other}`{}",
                        o.label(),
                        co.label(),
                        estate.tenants[co.tenant as usize].name,
                        expected.as_deref().map(|x| format!(", not this object's anchor `{x}`")).unwrap_or_default()
                    );
                    if let Some(x) = &expected {
                        ev.insert("proposed_value".into(), s(x.clone()));
                        let id = co.id.as_deref().map(String::from).unwrap_or_else(|| co.label());
                        ev.insert(
                            "commands".into(),
                            json!([format!("Update-MgUser -UserId {id} -OnPremisesImmutableId '{x}'")]),
                        );
                    }
                    let case = if expected.is_some() { "with_anchor" } else { "without_anchor" };
                    out.push(finding_case(INVALID_SOFT, case, title, subjects, ev, disc));
                    continue;
                }
                if !role_grants.is_empty() && matches!(predicted, Outcome::AdminRoleConflict | Outcome::SoftMatchBlocked) {
                    // SY004: Existing Admin Role Conflict (or, while blockSoftMatchEnabled is on, the block).
                    let role_names: BTreeSet<&str> =
                        role_grants.iter().map(|&g| estate.role_grants[g].role.as_str()).collect();
                    ev.insert("roles".into(), json!(role_names));
                    ev.insert("role_ids".into(), json!(role_ids(estate, role_grants)));
                    ev.insert(
                        "how_entra_decides".into(),
                        s("by default Entra refuses to match an on-premises user to a cloud user holding an admin \
                           role (Existing Admin Role Conflict): the AD user is not joined to the administrator and \
                           its export fails on every sync cycle. If the role is removed while soft match is allowed, \
                           the next sync takes the account over: every attribute is overwritten from AD and, with \
                           password hash sync, the password is replaced."),
                    );
                    ev.insert(
                        "fix_order".into(),
                        json!([
                            "decide whether the admin should stay cloud-only (recommended for admin accounts): then rename the AD user's UPN/SMTP or exclude it from sync",
                            "to merge on purpose: remove the roles, sync, verify, restore the roles (and hard-delete a leftover duplicate object if an earlier sync created one)",
                            "keep blockSoftMatchEnabled on outside a planned matching window",
                        ]),
                    );
                    let title = format!(
                        "{}: cloud-only {} holding {} has the same {} as AD user {} — {}{}",
                        co.label(),
                        co.upn.as_deref().unwrap_or(""),
                        role_names.iter().copied().collect::<Vec<_>>().join(", "),
                        keys_txt.join(" and "),
                        o.label(),
                        predicted.describe(),
                        if block_soft == Some(false) {
                            " (blockSoftMatchEnabled is off: takeover once the role is removed)"
                        } else {
                            ""
                        }
                    );
                    for &g in role_grants {
                        let r = &estate.role_grants[g];
                        subjects.push(Subject {
                            kind: "role-grant".into(),
                            id: format!("{}/{}", subjects[1].id, r.role_id.as_deref().unwrap_or(&r.role)),
                            display: format!("{} ({})", r.role, co.label()),
                            source: Some(r.source),
                        });
                    }
                    let mut f = finding(ADMIN_MATCH, title, subjects, ev, disc);
                    if block_soft == Some(true) {
                        f.severity = Severity::Medium;
                    }
                    out.push(f);
                    continue;
                }
                if predicted != Outcome::SoftMatchMerge {
                    continue; // blocked tenant-wide or already synchronised: a conflict (duplicates), not a merge
                }
                let title = format!(
                    "{}: cloud-only {} in {} has the same {} — {}",
                    o.label(),
                    co.label(),
                    estate.tenants[co.tenant as usize].name,
                    keys_txt.join(" and "),
                    predicted.describe()
                );
                ev.insert(
                    "consequence".into(),
                    s("on match the cloud object becomes on-premises managed: every attribute with an AD value is \
                       overwritten and, with password hash sync, the cloud password is replaced"),
                );
                if let Some(x) = &expected {
                    let id = co.id.as_deref().map(String::from).unwrap_or_else(|| co.label());
                    ev.insert(
                        "commands".into(),
                        json!([format!(
                            "Update-MgUser -UserId {id} -OnPremisesImmutableId '{x}'   # hard-match on purpose instead"
                        )]),
                    );
                }
                let mut f = finding(SOFT_MERGE, title, subjects, ev, disc);
                if block_soft == Some(false) {
                    f.severity = Severity::High;
                }
                out.push(f);
            }
            out
        })
        .collect()
}

/// SY005: blockSoftMatchEnabled / blockCloudObjectTakeoverThroughHardMatchEnabled off.
fn takeover_switches(ctx: &Context<'_>) -> Vec<Finding> {
    let estate = ctx.estate();
    let mut out = Vec::new();
    for st in &estate.sync_settings {
        let t = estate.tenants.get(st.tenant as usize);
        if t.is_some_and(|t| t.on_prem_sync_enabled == Some(false)) {
            continue;
        }
        let off: Vec<&str> = ["blockSoftMatchEnabled", "blockCloudObjectTakeoverThroughHardMatchEnabled"]
            .into_iter()
            .filter(|k| st.features.get(*k) == Some(&false))
            .collect();
        if off.is_empty() {
            continue;
        }
        let name = t.map(|t| t.name.clone()).unwrap_or_default();
        let title = format!(
            "{name}: {} off — a cloud-only account (including an admin) can be taken over by an on-premises object",
            off.join(" and ")
        );
        let cmd = format!(
            "Update-MgDirectoryOnPremiseSynchronization -OnPremisesDirectorySynchronizationId {} -Features @{{{}}}",
            t.and_then(|t| t.id.clone()).unwrap_or_else(|| "<tenant id>".into()),
            off.iter().map(|k| format!("{k}=$true")).collect::<Vec<_>>().join("; ")
        );
        let entra = format!(
            "Set-EntraDirSyncFeature -Features {} -Enabled $true",
            off.iter()
                .map(|k| if *k == "blockSoftMatchEnabled" {
                    "BlockSoftMatch"
                } else {
                    "BlockCloudObjectTakeoverThroughHardMatch"
                })
                .collect::<Vec<_>>()
                .join(",")
        );
        let ev = evidence([
            ("tenant", s(name.clone())),
            ("features_off", json!(off)),
            ("softMatchOnUpnEnabled", json!(st.features.get("softMatchOnUpnEnabled"))),
            ("commands", json!([cmd, entra])),
            (
                "permissions",
                s(
                    "Update-MgDirectoryOnPremiseSynchronization: Graph permission OnPremDirectorySynchronization.ReadWrite.All \
                   (role Hybrid Identity Administrator); Set-EntraDirSyncFeature (Microsoft Entra PowerShell): Global Administrator",
                ),
            ),
            (
                "steps",
                json!([
                    "1. First finish the repairs that need a hard or soft match in this tenant: re-anchoring (AN001-AN004, \
                     AN008), intended merges of cloud-only accounts (SY002) and hard matches of federated users (FE009). \
                     Turning the blocks on first makes those repairs fail (InvalidHardMatch, a duplicate instead of a merge).",
                    "2. Deal with cloud accounts that must never be matched (administrators, SY004) by renaming or excluding \
                     the AD object.",
                    "3. Then turn the blocks on (commands) and keep them on; turn them off again only for a planned matching \
                     window, and back on when it closes.",
                ]),
            ),
        ]);
        let mut subject = tenant_subject(estate, st.tenant);
        subject.source = Some(st.source);
        out.push(finding(TAKEOVER_OPEN, title, vec![subject], ev, off.join(",")));
    }
    out
}

fn local_part(upn: &str) -> Option<(&str, &str)> {
    upn.rsplit_once('@')
}

/// SY006: UPN replaced by `<prefix><4 digits>@<initial domain>` by duplicate attribute resiliency.
fn quarantined(ctx: &Context<'_>) -> Vec<Finding> {
    let estate = ctx.estate();
    let graph = ctx.graph;
    let digits = ctx.params().sy006.suffix_digits;
    // Initial (*.onmicrosoft.com) domains per tenant.
    let mut initial: HashMap<u32, BTreeSet<String>> = HashMap::new();
    for (i, t) in estate.tenants.iter().enumerate() {
        for d in t.verified_domains.iter().filter(|d| d.is_initial == Some(true)) {
            initial.entry(i as u32).or_default().insert(d.name.to_lowercase());
        }
    }
    for d in estate.domains.iter().filter(|d| d.is_initial == Some(true)) {
        initial.entry(d.tenant).or_default().insert(d.name.to_lowercase());
    }
    let is_initial = |t: u32, dom: &str| match initial.get(&t) {
        Some(set) => set.contains(dom),
        None => dom.ends_with(".onmicrosoft.com") && dom.matches('.').count() == 2,
    };
    let mut out: Vec<Finding> = (0..estate.cloud_objects.len() as u32)
        .into_par_iter()
        .filter_map(|ci| {
            let c = &estate.cloud_objects[ci as usize];
            let upn = c.upn.as_deref()?;
            let (local, dom) = local_part(upn)?;
            if !is_initial(c.tenant, &dom.to_lowercase()) || local.len() <= digits {
                return None;
            }
            let (prefix, tail) = local.split_at(local.len() - digits);
            if prefix.is_empty() || !tail.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            // Corroborate: the on-premises UPN (Graph) or the hard-linked AD twin's UPN starts with the prefix
            // and is not itself in the initial domain.
            let node = graph.cloud_objects[ci as usize];
            let twin: Option<u32> = graph.graph.edges_directed(node, Direction::Incoming).find_map(|e| {
                match (e.weight(), graph.graph[e.source()]) {
                    (Edge::AnchoredTo(_), Node::AdObject(a)) => Some(a),
                    _ => None,
                }
            });
            let original =
                c.on_prem_upn.clone().or_else(|| twin.and_then(|a| estate.ad_objects[a as usize].upn.clone()))?;
            let (olocal, odom) = local_part(&original)?;
            if !olocal.eq_ignore_ascii_case(prefix) || is_initial(c.tenant, &odom.to_lowercase()) {
                return None;
            }
            if c.on_prem_sync_enabled != Some(true) && twin.is_none() {
                return None;
            }
            // Who holds the original value in the tenant (UPN or primary SMTP of another object).
            let key = original.as_str().to_lowercase();
            let mut holders: Vec<u32> = graph
                .indexes
                .cloud_by_upn
                .get(&key)
                .into_iter()
                .chain(graph.indexes.cloud_by_smtp.get(&key))
                .flatten()
                .copied()
                .filter(|&h| h != ci && estate.cloud_objects[h as usize].tenant == c.tenant)
                .collect();
            holders.sort_unstable();
            holders.dedup();
            let title = format!(
                "{}: UPN quarantined to {upn} because {original} conflicts with another object (duplicate attribute \
                 resiliency)",
                c.label()
            );
            let ev = evidence([
                ("quarantined_upn", s(upn)),
                ("original_upn", s(original.clone())),
                ("tenant", s(estate.tenants[c.tenant as usize].name.clone())),
                (
                    "conflicting_cloud_objects",
                    json!(holders.iter().map(|&h| estate.cloud_objects[h as usize].label()).collect::<Vec<_>>()),
                ),
                (
                    "provisioning_errors",
                    s("list them with Get-MgUser -All -Property id,userPrincipalName,onPremisesProvisioningErrors \
                       (Graph permission User.Read.All)"),
                ),
            ]);
            let mut subjects = vec![cloud_subject(estate, c)];
            if let Some(a) = twin {
                subjects.push(ad_subject(&estate.ad_objects[a as usize]));
            }
            subjects.extend(holders.iter().map(|&h| cloud_subject(estate, &estate.cloud_objects[h as usize])));
            Some(finding(QUARANTINED, title, subjects, ev, upn.to_lowercase()))
        })
        .collect();
    out.sort_by(|a, b| a.subjects[0].source.cmp(&b.subjects[0].source));
    out
}

/// SY007/SY008: a forest synced into several tenants; several forests writing one tenant with
/// different anchor attributes.
fn topology(ctx: &Context<'_>) -> Vec<Finding> {
    let estate = ctx.estate();
    let graph = ctx.graph;
    let decisions = ctx.anchor_decisions();
    // (forest, tenant) -> (synced links, first AD object, links per anchor source)
    let mut links: BTreeMap<(u32, u32), (usize, u32, [usize; 2])> = BTreeMap::new();
    for (i, o) in estate.ad_objects.iter().enumerate() {
        for (c, src) in graph.anchored_cloud_objects(i as u32) {
            let co = &estate.cloud_objects[c as usize];
            if co.on_prem_sync_enabled != Some(true) {
                continue;
            }
            let e = links.entry((o.forest, co.tenant)).or_insert((0, i as u32, [0, 0]));
            e.0 += 1;
            e.2[if src == AnchorSource::ObjectGuid { 0 } else { 1 }] += 1;
        }
    }
    let mut out = Vec::new();
    let forest_subject = |f: u32, a: u32| Subject {
        kind: "forest".into(),
        id: estate.forests[f as usize].name.clone(),
        display: estate.forests[f as usize].name.clone(),
        source: Some(estate.ad_objects[a as usize].source),
    };
    let mut by_forest: BTreeMap<u32, Vec<(u32, usize, u32)>> = BTreeMap::new();
    let mut by_tenant: BTreeMap<u32, Vec<(u32, usize, u32)>> = BTreeMap::new();
    for (&(f, t), &(n, a, _)) in &links {
        by_forest.entry(f).or_default().push((t, n, a));
        by_tenant.entry(t).or_default().push((f, n, a));
    }
    let targets = ctx.targets();
    for (f, ts) in &by_forest {
        // Stray twins (a handful in a tenant the forest does not otherwise feed) are AN007's anomaly,
        // not a second target of the forest.
        let max = ts.iter().map(|x| x.1).max().unwrap_or(0);
        let ts: Vec<(u32, usize, u32)> = ts
            .iter()
            .copied()
            .filter(|(t, n, _)| !(targets.is_stray(*f, *t) && super::targets::is_stray_count(*n, max)))
            .collect();
        if ts.len() < 2 {
            continue;
        }
        let forest = &estate.forests[*f as usize];
        let names: Vec<&str> = ts.iter().map(|(t, _, _)| estate.tenants[*t as usize].name.as_str()).collect();
        let declared = ts.iter().all(|(t, _, _)| forest.syncs_to.contains(t));
        let title = format!(
            "Forest {}: objects are synced into {} tenants ({}) — one forest to several tenants needs one Azure AD \
             Connect server per tenant{}",
            forest.name,
            ts.len(),
            names.join(", "),
            if declared { "" } else { "; the manifest does not declare all of them in syncs_to" }
        );
        let ev = evidence([
            ("forest", s(forest.name.clone())),
            (
                "synced_links_per_tenant",
                json!(
                    ts.iter()
                        .map(|(t, n, _)| json!({"tenant": estate.tenants[*t as usize].name, "objects": n}))
                        .collect::<Vec<_>>()
                ),
            ),
            ("declared_in_syncs_to", json!(declared)),
            (
                "constraints",
                s("the same verified domain cannot exist in both tenants; device, group and Exchange hybrid \
                   writeback from one tenant only; Seamless SSO and hybrid join work for one tenant"),
            ),
        ]);
        let mut subjects = vec![forest_subject(*f, ts[0].2)];
        subjects.extend(ts.iter().map(|(t, _, _)| tenant_subject(estate, *t)));
        let mut fi = finding(FOREST_MULTI_TENANT, title, subjects, ev, "");
        if declared {
            fi.severity = Severity::Info;
        }
        out.push(fi);
    }
    for (t, fs) in by_tenant.iter().filter(|(_, v)| v.len() > 1) {
        let attrs: BTreeSet<&str> =
            fs.iter().filter_map(|(f, _, _)| decisions.get(*f as usize).map(|d| d.attr.as_str())).collect();
        if attrs.len() < 2 {
            continue;
        }
        let tname = &estate.tenants[*t as usize].name;
        let per: Vec<Value> = fs
            .iter()
            .map(|(f, n, _)| {
                let d = &decisions[*f as usize];
                json!({"forest": estate.forests[*f as usize].name, "synced_objects": n, "anchor_attribute": d.attr.as_str(), "decided_by": d.how})
            })
            .collect();
        let title = format!(
            "{tname}: {} forests write this tenant with different anchor attributes ({}) — no shared anchor scheme",
            fs.len(),
            attrs.iter().copied().collect::<Vec<_>>().join(" and ")
        );
        let ev = evidence([("tenant", s(tname.clone())), ("forests", Value::Array(per))]);
        let mut subjects = vec![tenant_subject(estate, *t)];
        subjects.extend(fs.iter().map(|(f, _, a)| forest_subject(*f, *a)));
        out.push(finding(MIXED_ANCHORS, title, subjects, ev, ""));
    }
    out
}

#[cfg(test)]
mod tests {
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
            proxy_addresses: vec![crate::model::Text::from(format!("SMTP:{upn}"))],
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
        assert_eq!(f.evidence["age_days"], 173);
        assert_eq!(f.severity, Severity::High);
        e.tenants[0].on_prem_sync_enabled = None;
        assert!(run_on(e, "2026-11-23").iter().all(|f| f.rule != STALE), "never synced");
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
        assert_eq!(admin.evidence["predicted_outcome"], "soft-match-blocked");
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
        assert_eq!(f[0].evidence["roles"], json!(["Global Administrator"]));
        assert_eq!(f[0].evidence["role_ids"], json!(["62e90394-69f5-4237-9190-012177145e10"]), "the id is kept");
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
        assert_eq!(q[0].evidence["original_upn"], "j.smith@contoso.com");
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
}
