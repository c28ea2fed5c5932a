//! AN005–AN007: synced cloud objects whose anchor matches no AD object of the forests that feed their
//! tenant (orphans), and anchors held by several cloud objects of one tenant or in several tenants.

use super::{DUP_IN_TENANT, IN_TWO_TENANTS, ORPHANED, Prep, s};
use crate::findings::{Finding, Severity, Subject};
use crate::model::{CloudObject, Estate, Guid};
use crate::rules::{ad_subject, cloud_subject, evidence, finding};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// A synced cloud object whose GUID-shaped anchor matches no AD object of the forests that feed its tenant.
pub(super) fn orphaned(p: &Prep<'_>, c: &CloudObject, id: &str) -> Option<Finding> {
    let estate = p.estate;
    if c.on_prem_sync_enabled != Some(true) || estate.forests.is_empty() {
        return None;
    }
    // Synced from a forest that is not in the export: one coverage finding per tenant (IN011), not an orphan.
    if p.targets.unexported_source(c).is_some() {
        return None;
    }
    let (forests, declared) = p.forests_for_tenant(c.tenant);
    // No feeding forest was exported with anchor material (SharpHound): "matches no object" means
    // nothing (report.json coverage[] lists what could not be judged).
    if forests.is_empty() || forests.iter().all(|&f| p.decisions.get(f as usize).is_some_and(|d| d.no_anchor_material))
    {
        return None;
    }
    // Definite only when the forests are declared to feed the tenant and declared complete.
    let all_complete = declared && forests.iter().all(|&f| estate.forests[f as usize].complete == Some(true));
    let names: Vec<String> = forests.iter().map(|&f| estate.forests[f as usize].name.clone()).collect();
    let completeness: Vec<Value> = forests
        .iter()
        .map(|&f| {
            let fo = &estate.forests[f as usize];
            json!({"forest": fo.name, "complete": match fo.complete { Some(true) => "declared complete", Some(false) => "declared incomplete", None => "unknown" }})
        })
        .collect();
    let title = if all_complete {
        format!(
            "{}: synced cloud object whose ImmutableId `{id}` matches no object of {} (exported completely): orphaned",
            c.label(),
            names.join(", ")
        )
    } else {
        format!(
            "{}: synced cloud object whose ImmutableId `{id}` matches no exported object of {} — possibly orphaned \
             (the forest is not known to be exported completely, or not known to feed this tenant)",
            c.label(),
            names.join(", ")
        )
    };
    let mut ev = evidence([
        ("immutable_id", s(id)),
        ("tenant", s(estate.tenants[c.tenant as usize].name.clone())),
        ("forests_checked", json!(names)),
        (
            "forests_chosen_by",
            s(if declared {
                "forests that sync to the tenant (manifest syncs_to)"
            } else {
                "forests whose synced objects feed this tenant (no forest declares syncs_to it)"
            }),
        ),
        ("forest_completeness", Value::Array(completeness)),
        (
            "conclusion",
            s(if all_complete {
                "definite"
            } else if declared {
                "weaker: the export of the forest is not declared complete"
            } else {
                "weaker: no forest is declared to feed this tenant (estate.toml syncs_to)"
            }),
        ),
    ]);
    if let Some(g) = Guid::from_immutable_id(id) {
        ev.insert("anchor_guid".into(), s(g.to_string()));
    }
    if let Some(t) = &c.on_prem_last_sync {
        ev.insert("last_sync".into(), s(t.clone()));
    }
    if let Some(dn) = &c.on_prem_dn {
        ev.insert("on_premises_distinguished_name".into(), s(dn.clone()));
    }
    if let Some(ci) = estate.cloud_objects.iter().position(|x| std::ptr::eq(x, c)) {
        let (holds, deletion) = crate::rules::duplicates::cloud_holdings(estate, ci as u32);
        ev.insert("cloud_object_holds".into(), json!(holds));
        ev.insert("deletion".into(), s(deletion));
    }
    let mut f = finding(ORPHANED, title, vec![cloud_subject(estate, c)], ev, id);
    if !all_complete {
        f.severity = Severity::Low;
    }
    Some(f)
}

/// The same anchor on two cloud objects of one tenant, and in two tenants.
pub(super) fn duplicate_anchors(p: &Prep<'_>) -> Vec<Finding> {
    let estate = p.estate;
    let mut groups = p.graph.indexes.cloud_by_anchor.shared(&estate.cloud_objects);
    groups.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = Vec::new();
    let mut shared: BTreeMap<(Vec<u32>, SharedAnchor), SharedGroup> = BTreeMap::new();
    for (anchor, members) in groups {
        let mut members = members.clone();
        members.sort_by_key(|&c| (estate.cloud_objects[c as usize].tenant, estate.cloud_objects[c as usize].source));
        let ad_twins: BTreeSet<u32> = members.iter().flat_map(|&c| p.ad_twins(c).0).collect();
        let mut by_tenant: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
        for &c in &members {
            by_tenant.entry(estate.cloud_objects[c as usize].tenant).or_default().push(c);
        }
        for (t, objs) in by_tenant.iter().filter(|(_, v)| v.len() > 1) {
            let mut subjects: Vec<Subject> =
                objs.iter().map(|&c| cloud_subject(estate, &estate.cloud_objects[c as usize])).collect();
            subjects.extend(ad_twins.iter().map(|&a| ad_subject(&estate.ad_objects[a as usize])));
            let labels: Vec<String> = objs.iter().map(|&c| estate.cloud_objects[c as usize].label()).collect();
            let tname = &estate.tenants[*t as usize].name;
            let title = format!(
                "{tname}: {} cloud objects share the ImmutableId `{anchor}` ({}); Entra allows one object per anchor in a tenant",
                objs.len(),
                labels.join(", ")
            );
            let ev = evidence([
                ("immutable_id", s(anchor.clone())),
                ("tenant", s(tname.clone())),
                ("objects", json!(objs.iter().map(|&c| object_facts(estate, c)).collect::<Vec<_>>())),
                (
                    "ad_objects",
                    json!(ad_twins.iter().map(|&a| estate.ad_objects[a as usize].label()).collect::<Vec<_>>()),
                ),
            ]);
            out.push(finding(DUP_IN_TENANT, title, subjects, ev, anchor.clone()));
        }
        if by_tenant.len() > 1 {
            let synced_in: Vec<u32> = by_tenant
                .iter()
                .filter(|(_, v)| v.iter().any(|&c| estate.cloud_objects[c as usize].on_prem_sync_enabled == Some(true)))
                .map(|(t, _)| *t)
                .collect();
            // A synced twin in a tenant the AD twin's forest does not otherwise feed is a stray twin.
            let stray: Vec<u32> = synced_in
                .iter()
                .copied()
                .filter(|&t| ad_twins.iter().any(|&a| p.targets.is_stray(estate.ad_objects[a as usize].forest, t)))
                .collect();
            let kind = if !stray.is_empty() {
                SharedAnchor::StrayTwin
            } else if synced_in.len() == by_tenant.len() {
                SharedAnchor::MultiTenantSync
            } else if synced_in.is_empty() {
                SharedAnchor::CopiedOrLeftover
            } else {
                SharedAnchor::CopiedDirectory
            };
            // Multi-tenant sync of a forest whose objects are linked in all these tenants is SY007's one
            // finding about the forest; repeating it per anchor would say the same thing again.
            if kind == SharedAnchor::MultiTenantSync
                && !ad_twins.is_empty()
                && ad_twins.iter().all(|&a| {
                    let f = estate.ad_objects[a as usize].forest;
                    by_tenant.keys().all(|&t| p.targets.feeding_forests(t).contains(&f))
                })
            {
                continue;
            }
            let g = shared.entry((by_tenant.keys().copied().collect(), kind)).or_default();
            g.anchors.push(anchor.to_string());
            g.members.extend(members.iter().copied());
            g.ad_twins.extend(ad_twins.iter().copied());
            g.synced_in.extend(synced_in);
            g.stray.extend(stray);
        }
    }
    for ((tenants, kind), g) in shared {
        out.push(shared_anchor_finding(p, &tenants, kind, g));
    }
    out
}

/// How an anchor held in several tenants came about (AN007), judged per anchor and grouped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum SharedAnchor {
    /// Synced into a tenant the forest does not otherwise feed (a handful of stray twins).
    StrayTwin,
    /// Synced into every tenant: one forest feeding several tenants.
    MultiTenantSync,
    /// Synced in one tenant, cloud-managed copies elsewhere.
    CopiedDirectory,
    /// Synced in none.
    CopiedOrLeftover,
}

/// Anchors of one [`SharedAnchor`] kind held in one set of tenants.
#[derive(Default)]
struct SharedGroup {
    anchors: Vec<String>,
    members: Vec<u32>,
    ad_twins: BTreeSet<u32>,
    synced_in: BTreeSet<u32>,
    stray: BTreeSet<u32>,
}

/// Titles name at most this many objects; subjects and evidence hold all of them.
const TITLE_NAMES: usize = 3;

/// One AN007 finding for every anchor of one kind shared by one set of tenants: one cause (a copied
/// directory, stray twins, multi-tenant sync), one finding, with every object as a subject.
fn shared_anchor_finding(p: &Prep<'_>, tenants: &[u32], kind: SharedAnchor, g: SharedGroup) -> Finding {
    let estate = p.estate;
    let tname = |t: &u32| estate.tenants[*t as usize].name.clone();
    let names: Vec<String> = tenants.iter().map(tname).collect();
    let stray: Vec<String> = g.stray.iter().map(tname).collect();
    let (short, explanation, severity) = match kind {
        SharedAnchor::StrayTwin => (
            format!("stray synced twin(s) in {}, a tenant the forest does not otherwise feed", stray.join(", ")),
            format!(
                "synced into {} although the forest's objects are otherwise synced elsewhere: a stray twin (an object \
                 in the scope of a second sync, or a copied directory that was briefly synced), not a target of \
                 the forest",
                stray.join(", ")
            ),
            Severity::Medium,
        ),
        SharedAnchor::MultiTenantSync => (
            "one forest feeding several tenants".to_string(),
            "synced into every tenant: one forest feeding several tenants (supported only with one Azure AD \
             Connect server per tenant)"
                .to_string(),
            Severity::Low,
        ),
        SharedAnchor::CopiedOrLeftover => (
            "a copied directory or leftover objects".to_string(),
            "synced in none of the tenants: a copied directory or leftover objects".to_string(),
            Severity::Medium,
        ),
        SharedAnchor::CopiedDirectory => (
            "a copied directory, not multi-tenant sync".to_string(),
            "synced in one tenant and copied into the other(s) as cloud-managed objects: a copied directory, not \
             multi-tenant sync"
                .to_string(),
            Severity::Medium,
        ),
    };
    let mut members = g.members;
    members.sort_by_key(|&c| {
        let o = &estate.cloud_objects[c as usize];
        (o.on_prem_sync_enabled != Some(true), o.tenant, o.source)
    });
    members.dedup();
    let mut subjects: Vec<Subject> =
        members.iter().map(|&c| cloud_subject(estate, &estate.cloud_objects[c as usize])).collect();
    subjects.extend(g.ad_twins.iter().map(|&a| ad_subject(&estate.ad_objects[a as usize])));
    // The people, once each: one name per anchor (its synced object, else its first).
    let mut people: Vec<String> = Vec::new();
    for a in &g.anchors {
        if let Some(&c) = members.iter().find(|&&c| estate.cloud_objects[c as usize].immutable_id.as_deref() == Some(a))
        {
            people.push(estate.cloud_objects[c as usize].label());
        }
    }
    let title = if g.anchors.len() == 1 {
        format!(
            "{}: ImmutableId `{}` is held in {} tenants ({}) — {short}",
            people.first().cloned().unwrap_or_default(),
            g.anchors[0],
            tenants.len(),
            names.join(", ")
        )
    } else {
        let more = if people.len() > TITLE_NAMES {
            format!(" and {} more", people.len() - TITLE_NAMES)
        } else {
            String::new()
        };
        format!(
            "{} ImmutableIds are each held in {} tenants ({}) — {short} ({}{more})",
            g.anchors.len(),
            tenants.len(),
            names.join(", "),
            people.iter().take(TITLE_NAMES).cloned().collect::<Vec<_>>().join(", ")
        )
    };
    let mut ev = evidence([
        ("tenants", json!(names)),
        ("synced_in", json!(g.synced_in.iter().map(tname).collect::<Vec<_>>())),
        ("interpretation", s(explanation)),
        ("count", json!(g.anchors.len())),
        ("immutable_ids", json!(g.anchors)),
        ("objects", json!(members.iter().map(|&c| object_facts(estate, c)).collect::<Vec<_>>())),
    ]);
    if g.anchors.len() == 1 {
        ev.insert("immutable_id".into(), s(g.anchors[0].clone()));
    }
    if !stray.is_empty() {
        ev.insert("stray_tenants".into(), json!(stray));
    }
    let disc = if g.anchors.len() == 1 {
        g.anchors[0].clone()
    } else {
        format!(
            "{kind:?}:{}",
            tenants.iter().map(|&t| crate::rules::tenancy::tenant_key(estate, t)).collect::<Vec<_>>().join(",")
        )
    };
    let mut f = finding(IN_TWO_TENANTS, title, subjects, ev, disc);
    f.severity = severity;
    f
}

pub(super) fn object_facts(estate: &Estate, c: u32) -> Value {
    let o = &estate.cloud_objects[c as usize];
    json!({
        "tenant": estate.tenants[o.tenant as usize].name,
        "object": o.label(),
        "userPrincipalName": o.upn,
        "id": o.id,
        "onPremisesSyncEnabled": o.on_prem_sync_enabled,
    })
}
