//! What the exports could not show: which rules could not judge which objects, because the source
//! did not collect what they need (report.json `coverage[]`, the HTML report's limitations).
//!
//! A security tool's collection links AD and the cloud by SID only: SharpHound collects no objectGUID,
//! ms-DS-ConsistencyGuid or proxyAddresses ([`crate::model::NotCollected`] on each AD object),
//! AzureHound (and a Graph export without `$select`) no onPremisesImmutableId or proxyAddresses
//! ([`crate::model::CloudObject::sync_fields_exported`] false). The rules skip those objects instead of
//! reporting an absent value as a problem; this module says, per forest and tenant, how many objects
//! were skipped by which rules, so that a clean result on such an estate is never read as "checked and
//! fine".

use crate::graph::EstateGraph;
use crate::model::{AdClass, CloudKind, Estate, NotCollected};
use serde::Serialize;

/// One group of objects that some rules could not judge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gap {
    /// `forest` or `tenant`.
    pub scope: &'static str,
    /// Name of the forest or tenant.
    pub name: String,
    /// What was not collected.
    pub missing: &'static str,
    /// Objects concerned.
    pub objects: usize,
    /// Of them, linked to the other side by SID (the only link left when anchors are missing).
    pub linked_by_sid: usize,
    /// Rules that could not judge these objects.
    pub rules: &'static [&'static str],
    /// What that means for the reader.
    pub consequence: &'static str,
}

/// The AD-side groups: what is missing, the rules that need it, and what that means.
const AD_GAPS: &[(NotCollected, &[&str], &str)] = &[
    (
        NotCollected::ANCHOR,
        &["AN005", "AN008", "AN009", "AN011", "IN011"],
        "no sync anchor can be computed: orphaned and colliding anchors cannot be judged; objects link to the cloud by SID only (a linked object is treated as already synchronised, an unlinked one as not yet)",
    ),
    (
        NotCollected::ADDRESSES,
        &["CH007", "CH008", "CH010", "CH017", "CH018", "DU001", "DU003"],
        "proxy addresses and nicknames were not collected: their characters and duplicates are not checked",
    ),
    (
        NotCollected::DISPLAY_NAME,
        &["CH012", "CH013", "CH015"],
        "displayName was not collected: a missing or overlong display name is not reported",
    ),
    (
        NotCollected::UPN,
        &["CH001", "CH002", "CH003", "CH004", "CH005", "CH006", "DO006", "DO007"],
        "userPrincipalName was not collected: UPN characters and suffixes are not checked",
    ),
];

/// Rules that cannot judge cloud objects exported without the on-premises sync fields.
const CLOUD_RULES: &[&str] = &[
    "AN001", "AN002", "AN003", "AN004", "AN005", "AN006", "AN007", "AN011", "FE009", "SY002", "SY003", "DU001", "DU002",
];

/// Every gap of the estate, forests first (in estate order), then tenants.
pub fn gaps(estate: &Estate, graph: &EstateGraph) -> Vec<Gap> {
    let mut out = Vec::new();
    // (objects, linked by SID) per forest and AD group, counted in parallel (a pass over every object).
    use rayon::prelude::*;
    let empty = || vec![[(0usize, 0usize); AD_GAPS.len()]; estate.forests.len()];
    let ad = estate
        .ad_objects
        .par_iter()
        .enumerate()
        .fold(empty, |mut ad, (i, o)| {
            if o.not_collected.is_empty() || matches!(o.class, AdClass::Computer | AdClass::Other(_)) {
                return ad;
            }
            let Some(per) = ad.get_mut(o.forest as usize) else { return ad };
            let linked = graph.sid_linked_cloud_objects(i as u32).next().is_some();
            for (k, (what, _, _)) in AD_GAPS.iter().enumerate() {
                if o.not_collected.has(*what) && !(what == &NotCollected::UPN && o.class != AdClass::User) {
                    per[k].0 += 1;
                    per[k].1 += usize::from(linked);
                }
            }
            ad
        })
        .reduce(empty, |mut a, b| {
            for (x, y) in a.iter_mut().flatten().zip(b.iter().flatten()) {
                x.0 += y.0;
                x.1 += y.1;
            }
            a
        });
    for (f, per) in ad.iter().enumerate() {
        for (k, &(objects, linked_by_sid)) in per.iter().enumerate().filter(|(_, n)| n.0 > 0) {
            let (what, rules, consequence) = AD_GAPS[k];
            let missing = NotCollected::ALL.iter().find(|(w, _)| *w == what).map(|(_, n)| *n).unwrap_or("");
            out.push(Gap {
                scope: "forest",
                name: estate.forests[f].name.clone(),
                missing,
                objects,
                linked_by_sid,
                rules,
                consequence,
            });
        }
    }
    let none = || vec![(0usize, 0usize); estate.tenants.len()];
    let cloud = estate
        .cloud_objects
        .par_iter()
        .enumerate()
        .fold(none, |mut cloud, (i, c)| {
            if c.sync_fields_exported || !matches!(c.kind, CloudKind::User | CloudKind::Group) || c.is_guest() {
                return cloud;
            }
            let Some(n) = cloud.get_mut(c.tenant as usize) else { return cloud };
            n.0 += 1;
            n.1 += usize::from(!graph.ad_links_of_cloud_object(i as u32).1.is_empty());
            cloud
        })
        .reduce(none, |mut a, b| {
            for (x, y) in a.iter_mut().zip(&b) {
                x.0 += y.0;
                x.1 += y.1;
            }
            a
        });
    for (t, &(objects, linked_by_sid)) in cloud.iter().enumerate().filter(|(_, n)| n.0 > 0) {
        out.push(Gap {
            scope: "tenant",
            name: estate.tenants[t].name.clone(),
            missing: "onPremisesImmutableId and the on-premises sync fields (proxyAddresses too for AzureHound)",
            objects,
            linked_by_sid,
            rules: CLOUD_RULES,
            consequence: "anchors, soft matches and address duplicates of these cloud objects are not judged; they link to AD by onPremisesSecurityIdentifier only",
        });
    }
    out
}
