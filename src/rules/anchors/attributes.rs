//! AN008–AN011: ms-DS-ConsistencyGuid differing from objectGUID, AD objects computing the same anchor
//! (today or after a switch of the anchor attribute), forests whose anchor attribute is not declared,
//! and cloud objects whose anchor and on-premises SID point at different AD objects.

use super::decision::{AnchorAttr, expected_anchor, is_user};
use super::repair::set_anchor_commands;
use super::shared::object_facts;
use super::{CG_DIFFERS, COLLIDE, Prep, SID_DISAGREES, UNDECLARED, s};
use crate::findings::{Finding, Severity, Subject};
use crate::graph::AnchorSource;
use crate::model::Estate;
use crate::model::anchor::encode_base64;
use crate::rules::{ad_subject, cloud_subject, evidence, finding};
use rayon::prelude::*;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// ms-DS-ConsistencyGuid different from objectGUID: which value the tenant holds, and whether that is
/// what the anchor attribute in use computes.
pub(super) fn consistency_guid(p: &Prep<'_>, a: u32) -> Option<Finding> {
    let estate = p.estate;
    let o = &estate.ad_objects[a as usize];
    if !is_user(o) {
        return None;
    }
    let cg = o.consistency_guid.as_deref()?;
    let guid = o.object_guid?;
    let attr = p.attr_of(a);
    let links: Vec<(u32, AnchorSource)> = p.graph.anchored_cloud_objects(a).collect();
    let guid_anchor = guid.immutable_id();
    let cg_anchor = encode_base64(cg);
    let mut ev = evidence([
        ("objectGUID", s(guid.to_string())),
        ("objectGUID_anchor", s(guid_anchor.clone())),
        ("ms-DS-ConsistencyGuid_anchor", s(cg_anchor.clone())),
        ("anchor_attribute", s(attr.as_str())),
    ]);
    if let Some(d) = p.decision_of(a) {
        ev.insert("anchor_attribute_decided_by".into(), s(d.how.clone()));
    }
    if cg.len() != 16 {
        if attr == AnchorAttr::ObjectGuid && links.is_empty() {
            return None;
        }
        ev.insert("ms-DS-ConsistencyGuid_length".into(), json!(cg.len()));
        let title = format!(
            "{}: ms-DS-ConsistencyGuid is {} bytes long, not a 16-byte GUID{}",
            o.label(),
            cg.len(),
            if attr == AnchorAttr::ConsistencyGuid {
                " — Azure AD Connect would export it as the anchor"
            } else {
                ""
            }
        );
        let mut f = crate::rules::finding_case(CG_DIFFERS, "length", title, vec![ad_subject(o)], ev, "length");
        f.severity = if attr == AnchorAttr::ConsistencyGuid { Severity::Medium } else { Severity::Low };
        return Some(f);
    }
    if cg == guid.to_ad_bytes() || links.is_empty() {
        return None;
    }
    let holds_guid: Vec<u32> = links.iter().filter(|l| l.1 == AnchorSource::ObjectGuid).map(|l| l.0).collect();
    let holds_cg: Vec<u32> = links.iter().filter(|l| l.1 == AnchorSource::ConsistencyGuid).map(|l| l.0).collect();
    let held_by = |v: &[u32]| -> Vec<Value> { v.iter().map(|&c| object_facts(estate, c)).collect() };
    ev.insert("tenant_holds_objectGUID_value".into(), json!(held_by(&holds_guid)));
    ev.insert("tenant_holds_consistencyGuid_value".into(), json!(held_by(&holds_cg)));
    let mut subjects = vec![ad_subject(o)];
    let mut linked: Vec<u32> = holds_guid.iter().chain(holds_cg.iter()).copied().collect();
    linked.sort_by_key(|&c| estate.cloud_objects[c as usize].source);
    linked.dedup();
    subjects.extend(linked.iter().map(|&c| cloud_subject(estate, &estate.cloud_objects[c as usize])));
    let (title, severity, disc) = match attr {
        AnchorAttr::ObjectGuid if holds_cg.is_empty() => (
            format!(
                "{}: ms-DS-ConsistencyGuid ({cg_anchor}) differs from objectGUID ({guid_anchor}); the tenant holds the \
                 objectGUID value, which is right today, but switching the anchor to ms-DS-ConsistencyGuid would \
                 change this object's anchor",
                o.label()
            ),
            Severity::Low,
            "latent",
        ),
        AnchorAttr::ObjectGuid => (
            format!(
                "{}: the tenant holds the ms-DS-ConsistencyGuid value {cg_anchor} but the anchor in use is objectGUID \
                 ({guid_anchor}): Azure AD Connect will not find its cloud twin",
                o.label()
            ),
            Severity::High,
            "mismatch",
        ),
        AnchorAttr::ConsistencyGuid if holds_guid.is_empty() => return None,
        AnchorAttr::ConsistencyGuid => (
            format!(
                "{}: the tenant holds the objectGUID value {guid_anchor} but the anchor in use is \
                 ms-DS-ConsistencyGuid ({cg_anchor}), which differs (moved or re-created object): Azure AD Connect \
                 will not find its cloud twin",
                o.label()
            ),
            Severity::High,
            "mismatch",
        ),
    };
    if disc == "mismatch" {
        let right = expected_anchor(o, attr).unwrap_or_default();
        ev.insert("proposed_value".into(), s(right.clone()));
        let first = linked.first().map(|&c| &estate.cloud_objects[c as usize]);
        if let Some(c) = first {
            ev.insert("commands".into(), set_anchor_commands(c, &right));
        }
        ev.insert(
            "alternative".into(),
            s(format!(
                "or write the value the tenant holds back to the AD object's {} \
                 (Set-ADUser -Replace @{{'mS-DS-ConsistencyGuid'=...}}) so both agree",
                attr.as_str()
            )),
        );
    }
    let mut f = crate::rules::finding_case(CG_DIFFERS, disc, title, subjects, ev, disc);
    f.severity = severity;
    Some(f)
}

/// Two AD objects that compute the same anchor under the attribute in use (a collision today) or under
/// the other attribute (a collision after a switch), and a switched anchor already held by another
/// cloud object of a target tenant.
pub(super) fn collisions(p: &Prep<'_>) -> Vec<Finding> {
    let estate = p.estate;
    // (anchor value, switched?) -> AD objects sharing it, found by sorted hashes (a map keyed by
    // every object's anchor held two million strings at a million users).
    // Keyed by the anchor's bytes (no Base64 text per object: only a shared anchor is encoded).
    use super::decision::expected_anchor_bytes;
    use crate::hash::{hash_one, shared_groups};
    let bytes_of = |i: u32, switched: bool| {
        let (o, attr) = (&estate.ad_objects[i as usize], p.attr_of(i));
        if switched {
            is_user(o).then(|| expected_anchor_bytes(o, attr.other())).flatten()
        } else {
            expected_anchor_bytes(o, attr)
        }
    };
    let keys = |switched: bool| -> Vec<(u64, u32)> {
        (0..estate.ad_objects.len() as u32)
            .into_par_iter()
            .filter_map(|i| bytes_of(i, switched).map(|b| (hash_one(b.as_bytes()), i)))
            .collect()
    };
    let mut groups: Vec<((String, bool), Vec<u32>)> = Vec::new();
    for switched in [false, true] {
        let found = shared_groups(keys(switched), |i, h| {
            bytes_of(i, switched).filter(|b| hash_one(b.as_bytes()) == h).map(|b| encode_base64(b.as_bytes()))
        });
        groups.extend(found.into_iter().map(|(v, members)| ((v, switched), members)));
    }
    groups.sort();
    let mut out = Vec::new();
    for ((value, switched), mut members) in groups {
        members.sort_by_key(|&a| estate.ad_objects[a as usize].source);
        // The same object exported twice (overlapping exports) is one object: keep one record per objectGUID.
        let mut seen = BTreeSet::new();
        members.retain(|&a| estate.ad_objects[a as usize].object_guid.is_none_or(|g| seen.insert(g)));
        // Only objects that would land in a common tenant collide (forests without syncs_to: assume so).
        let shares_tenant = members.iter().enumerate().any(|(k, &a)| {
            members[k + 1..].iter().any(|&b| {
                let (ta, tb) = (p.targets.of_object(estate, a).0, p.targets.of_object(estate, b).0);
                ta.is_empty() || tb.is_empty() || ta.iter().any(|t| tb.contains(t))
            })
        });
        if members.len() < 2 || !shares_tenant {
            continue;
        }
        if switched && by_value_current_equal(estate, p, &members) {
            continue; // already reported as a collision today
        }
        let labels: Vec<String> = members.iter().map(|&a| estate.ad_objects[a as usize].label()).collect();
        let title = if switched {
            format!(
                "{}: would share the anchor `{value}` after a switch of the anchor attribute (ADMT-copied or \
                 duplicated ms-DS-ConsistencyGuid)",
                labels.join(", ")
            )
        } else {
            format!(
                "{}: compute the same anchor `{value}` with the anchor attribute in use; only one can sync",
                labels.join(", ")
            )
        };
        let ev = evidence([
            ("anchor", s(value.clone())),
            ("when", s(if switched { "after switching the anchor attribute" } else { "today" })),
            (
                "objects",
                json!(members
                    .iter()
                    .map(|&a| {
                        let o = &estate.ad_objects[a as usize];
                        json!({"object": o.label(), "forest": estate.forests.get(o.forest as usize).map(|f| f.name.clone()), "anchor_attribute": p.attr_of(a).as_str()})
                    })
                    .collect::<Vec<_>>()),
            ),
        ]);
        let subjects = members.iter().map(|&a| ad_subject(&estate.ad_objects[a as usize])).collect();
        let mut f =
            finding(COLLIDE, title, subjects, ev, format!("{}:{value}", if switched { "switch" } else { "current" }));
        f.severity = if switched { Severity::Low } else { Severity::High };
        out.push(f);
    }
    out
}

fn by_value_current_equal(estate: &Estate, p: &Prep<'_>, members: &[u32]) -> bool {
    let vals: BTreeSet<Option<String>> =
        members.iter().map(|&a| expected_anchor(&estate.ad_objects[a as usize], p.attr_of(a))).collect();
    vals.len() == 1
}

/// Forests whose anchor attribute is not declared: say what was detected and how.
pub(super) fn undeclared(p: &Prep<'_>) -> Vec<Finding> {
    let estate = p.estate;
    let mut first_object: Vec<Option<u32>> = vec![None; estate.forests.len()];
    for (i, o) in estate.ad_objects.iter().enumerate() {
        if let Some(slot) = first_object.get_mut(o.forest as usize)
            && slot.is_none()
        {
            *slot = Some(i as u32);
        }
    }
    let mut out = Vec::new();
    for (fi, d) in p.decisions.iter().enumerate() {
        if d.declared {
            continue;
        }
        let Some(a) = first_object[fi] else { continue };
        let f = &estate.forests[fi];
        let title = format!(
            "Forest {}: the sync anchor attribute is not declared; {} is used, {}",
            f.name,
            d.attr.as_str(),
            d.how
        );
        let ev = evidence([
            ("forest", s(f.name.clone())),
            ("anchor_attribute", s(d.attr.as_str())),
            ("decided_by", s(d.how.clone())),
            ("users_anchored_by_objectGUID_where_different", json!(d.votes_object_guid)),
            ("users_anchored_by_consistencyGuid_where_different", json!(d.votes_consistency_guid)),
            ("synced_linked_users", json!(d.linked_users)),
            ("synced_linked_users_with_consistencyGuid", json!(d.users_with_consistency_guid)),
            ("manifest_line", s(format!("anchor = \"{}\"", d.attr.as_str()))),
        ]);
        let subject = Subject {
            kind: "forest".into(),
            id: f.name.clone(),
            display: f.name.clone(),
            source: Some(estate.ad_objects[a as usize].source),
        };
        out.push(finding(UNDECLARED, title, vec![subject], ev, ""));
    }
    out
}

/// AN011: a cloud object hard-linked by its ImmutableId to one AD object while its
/// onPremisesSecurityIdentifier is the objectSid of another. Azure AD Connect copies objectSid into
/// onPremisesSecurityIdentifier at every sync cycle, so on a healthy object both links end at the same AD
/// object; two different ends mean the anchor was set (or hard-matched) to another account than the one
/// whose SID the cloud object last received: a re-created or re-linked account. A SID found in the anchored
/// object's sIDHistory is agreement (a migrated object that kept its old SID in the cloud).
pub(super) fn sid_disagrees(p: &Prep<'_>) -> Vec<Finding> {
    let estate = p.estate;
    let mut out = Vec::new();
    for ci in 0..estate.cloud_objects.len() as u32 {
        let c = &estate.cloud_objects[ci as usize];
        if c.on_prem_sid.is_none() || c.immutable_id.is_none() {
            continue;
        }
        let (anchored, by_sid) = p.graph.ad_links_of_cloud_object(ci);
        if anchored.is_empty() || by_sid.is_empty() || by_sid.iter().any(|(a, _)| anchored.contains(a)) {
            continue;
        }
        // Only the objects linked by their own objectSid say "this is another account"; a SID-history
        // match elsewhere is a migration trace, not a contradiction.
        let mut others: Vec<u32> =
            by_sid.iter().filter(|(_, src)| *src == crate::graph::SidSource::ObjectSid).map(|(a, _)| *a).collect();
        others.sort_unstable();
        others.dedup();
        if others.is_empty() {
            continue;
        }
        let sid = c.on_prem_sid.as_deref().unwrap_or_default();
        let id = c.immutable_id.as_deref().unwrap_or_default();
        let first_anchor = &estate.ad_objects[anchored[0] as usize];
        let first_sid = &estate.ad_objects[others[0] as usize];
        let describe = |a: u32| {
            let o = &estate.ad_objects[a as usize];
            json!({
                "label": o.label(),
                "dn": o.dn.as_deref(),
                "objectGUID": o.object_guid.map(|g| g.to_string()),
                "objectSid": o.object_sid.as_deref(),
                "enabled": o.enabled,
                "whenCreated": o.when_created.as_deref(),
            })
        };
        let title = format!(
            "{}: its ImmutableId `{id}` is the anchor of {} but its on-premises SID {sid} is the objectSid of {} — \
             the cloud object is hard-linked to another account than the one whose SID it carries (re-created or \
             re-linked account)",
            c.label(),
            first_anchor.label(),
            first_sid.label()
        );
        let ev = evidence([
            ("immutable_id", s(id)),
            ("on_premises_security_identifier", s(sid)),
            ("anchored_to", Value::Array(anchored.iter().map(|&a| describe(a)).collect())),
            ("sid_of", Value::Array(others.iter().map(|&a| describe(a)).collect())),
            ("tenant", s(estate.tenants[c.tenant as usize].name.clone())),
        ]);
        let mut subjects = vec![cloud_subject(estate, c)];
        subjects.extend(anchored.iter().chain(others.iter()).map(|&a| ad_subject(&estate.ad_objects[a as usize])));
        out.push(finding(SID_DISAGREES, title, subjects, ev, format!("{id}|{sid}")));
    }
    out
}
