//! Family `anchors` (AN…): the sync anchor (sourceAnchor / ImmutableId) of every cloud object and
//! its AD twin — anchors derived from mutable values or badly encoded (category `mutable-anchors`),
//! and orphaned, duplicated or inconsistent anchors (category `anchor-integrity`).
//! Facts: identity-facts.md §1 (anchor rules, byte order, shapes) and §2 (matching).
//!
//! Shared with the `sync` family: the anchor attribute in use per forest ([`anchor_decisions`]) and the
//! value Azure AD Connect computes for an AD object ([`expected_anchor`]). The tenants each object
//! feeds come from [`super::targets`].
//!
//! What lives where (what an ImmutableId value *is*, [`classify`], is a fact about the value and lives
//! in [`crate::model::anchor`]):
//! - this file: the rule codes, the per-family lookups and [`run`];
//! - `decision.rs`: the anchor attribute of each forest ([`anchor_decisions`]) and [`expected_anchor`];
//! - `repair.rs`: the commands and re-anchoring procedure of an anchor repair;
//! - `values.rs`: AN001–AN004, anchors derived from mutable values or badly encoded;
//! - `shared.rs`: AN005–AN007, orphaned anchors and anchors held twice in a tenant or in several tenants;
//! - `attributes.rs`: AN008–AN011, ms-DS-ConsistencyGuid, collisions, the undeclared anchor attribute
//!   and anchors that disagree with the on-premises SID.

mod attributes;
mod decision;
mod repair;
mod shared;
mod values;

pub use crate::model::anchor::{Shape, classify};
pub use decision::{AnchorAttr, AnchorDecision, anchor_decisions, expected_anchor, expected_anchor_source};
pub use repair::twin_case;

use super::Context;
use crate::findings::Finding;
use crate::graph::{Edge, EstateGraph, Node};
use crate::hash::FastMap as HashMap;
use crate::model::{Estate, Guid};
use petgraph::Direction;
use petgraph::visit::EdgeRef;
use rayon::prelude::*;
use serde_json::Value;

/// ImmutableId derived from a mutable value (UPN, mail, number, name).
pub const MUTABLE: &str = "AN001";
/// ImmutableId is GUID text or Base64 of GUID text.
pub const GUID_TEXT: &str = "AN002";
/// ImmutableId in big-endian GUID byte order.
pub const BYTE_ORDER: &str = "AN003";
/// ImmutableId bytes mangled through UTF-8.
pub const MANGLED: &str = "AN004";
/// Synced cloud object whose anchor matches no AD object.
pub const ORPHANED: &str = "AN005";
/// The same anchor on several cloud objects of one tenant.
pub const DUP_IN_TENANT: &str = "AN006";
/// The same anchor in several tenants.
pub const IN_TWO_TENANTS: &str = "AN007";
/// ms-DS-ConsistencyGuid differs from objectGUID.
pub const CG_DIFFERS: &str = "AN008";
/// AD objects that compute the same anchor (today or after a switch).
pub const COLLIDE: &str = "AN009";
/// Anchor attribute not declared; detected from the data.
pub const UNDECLARED: &str = "AN010";
/// The anchor and the on-premises SID of a cloud object point at different AD objects.
pub const SID_DISAGREES: &str = "AN011";

/// Per-family lookups built once.
struct Prep<'a> {
    estate: &'a Estate,
    graph: &'a EstateGraph,
    decisions: &'a [AnchorDecision],
    targets: &'a super::targets::SyncTargets,
    ad_by_guid: HashMap<Guid, u32>,
}

impl<'a> Prep<'a> {
    fn new(ctx: &'a Context<'_>) -> Self {
        let estate = ctx.estate();
        let graph = ctx.graph;
        let mut ad_by_guid = crate::hash::map_with_capacity(estate.ad_objects.len());
        for (i, o) in estate.ad_objects.iter().enumerate() {
            if let Some(g) = o.object_guid {
                ad_by_guid.entry(g).or_insert(i as u32);
            }
        }
        Prep { estate, graph, decisions: ctx.anchor_decisions(), targets: ctx.targets(), ad_by_guid }
    }
    fn attr_of(&self, ad: u32) -> AnchorAttr {
        let f = self.estate.ad_objects[ad as usize].forest as usize;
        self.decisions.get(f).map(|d| d.attr).unwrap_or(AnchorAttr::ObjectGuid)
    }
    fn decision_of(&self, ad: u32) -> Option<&AnchorDecision> {
        self.decisions.get(self.estate.ad_objects[ad as usize].forest as usize)
    }
    /// AD objects linked to cloud object `c` (hard links first, then soft-match candidates), sorted.
    fn ad_twins(&self, c: u32) -> (Vec<u32>, Vec<u32>) {
        let node = self.graph.cloud_objects[c as usize];
        let mut hard = Vec::new();
        let mut soft = Vec::new();
        for e in self.graph.graph.edges_directed(node, Direction::Incoming) {
            if let Node::AdObject(a) = self.graph.graph[e.source()] {
                match e.weight() {
                    Edge::AnchoredTo(_) => hard.push(a),
                    Edge::SoftMatchCandidate(_) => soft.push(a),
                    _ => {}
                }
            }
        }
        // Where the anchor was not collected, the SID link stands in for it.
        hard.extend(self.graph.sid_twins_without_anchor(self.estate, c));
        hard.sort_unstable();
        hard.dedup();
        soft.sort_unstable();
        soft.dedup();
        (hard, soft)
    }
    /// The exported forests whose objects could own cloud objects of tenant `t`: those that declare
    /// `syncs_to` it, else those whose synced objects show they feed it ([`super::targets`]). The flag is
    /// true when the forests were declared.
    fn forests_for_tenant(&self, t: u32) -> (Vec<u32>, bool) {
        let forests = &self.estate.forests;
        let exported = |f: &u32| self.targets.objects_per_forest.get(*f as usize).is_some_and(|&n| n > 0);
        let declared: Vec<u32> =
            (0..forests.len() as u32).filter(|&f| forests[f as usize].syncs_to.contains(&t)).filter(exported).collect();
        if declared.is_empty() {
            (self.targets.feeding_forests(t).into_iter().filter(exported).collect(), false)
        } else {
            (declared, true)
        }
    }
}

pub(super) fn s(v: impl Into<String>) -> Value {
    Value::String(v.into())
}

/// The family entry point.
pub fn run(ctx: &Context<'_>) -> Vec<Finding> {
    let p = Prep::new(ctx);
    let mut out: Vec<Finding> = (0..p.estate.cloud_objects.len() as u32)
        .into_par_iter()
        .flat_map_iter(|c| values::per_cloud_object(&p, c))
        .collect();
    out.iter_mut().for_each(repair::apply_case);
    out.extend(shared::duplicate_anchors(&p));
    out.extend(
        (0..p.estate.ad_objects.len() as u32)
            .into_par_iter()
            .flat_map_iter(|a| attributes::consistency_guid(&p, a))
            .collect::<Vec<_>>(),
    );
    out.extend(attributes::collisions(&p));
    out.extend(attributes::undeclared(&p));
    out.extend(attributes::sid_disagrees(&p));
    out
}

#[cfg(test)]
mod tests;
