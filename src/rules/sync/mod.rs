//! Family `sync` (SY…): matching and sync topology — soft-match candidates that will be merged or
//! fail, admin accounts that would be taken over, tenant switches that leave takeover open, stale
//! sync, quarantined (duplicate-attribute-resiliency) UPNs, and forests and tenants wired in ways the
//! supported topologies do not cover. Facts: identity-facts.md §2 (matching, resiliency) and §4
//! (topologies, organization fields).
//!
//! What lives where:
//! - `mod.rs` (here): the rule codes, the entry point [`run`] and the helpers the rules share
//!   ([`parse_time`], hard-link twins, sync settings per tenant, kinds, role ids);
//! - `health.rs`: stale sync and how to restart it, provisioning errors, unlicensed synced users
//!   (SY001, SY009, SY010);
//! - `soft_match.rs`: soft-match candidates, admin takeover and the takeover switches (SY002–SY005);
//! - `topology.rs`: quarantined UPNs and forest/tenant topologies (SY006–SY008);
//! - `tests.rs`: unit tests.

mod health;
mod soft_match;
#[cfg(test)]
mod tests;
mod topology;

pub use health::restart_steps;
use health::{provisioning_errors, stale_sync, unlicensed};
use soft_match::{soft_matches, takeover_switches};
use topology::{quarantined, topology};

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

pub(super) fn s(v: impl Into<String>) -> Value {
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
pub(super) fn anchored_twin(ctx: &Context<'_>, ci: u32) -> Option<u32> {
    let graph = ctx.graph;
    let node = graph.cloud_objects[ci as usize];
    graph.graph.edges_directed(node, Direction::Incoming).find_map(|e| match (e.weight(), graph.graph[e.source()]) {
        (Edge::AnchoredTo(_), Node::AdObject(a)) => Some(a),
        _ => None,
    })
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

pub(super) fn settings_of(estate: &Estate) -> HashMap<u32, &SyncSettings> {
    let mut m = HashMap::new();
    for st in &estate.sync_settings {
        m.entry(st.tenant).or_insert(st);
    }
    m
}

pub(super) fn kinds_compatible(o: &AdObject, c: &CloudObject) -> bool {
    matches!(
        (&o.class, c.kind),
        (AdClass::User | AdClass::InetOrgPerson, CloudKind::User)
            | (AdClass::Group, CloudKind::Group)
            | (AdClass::Contact, CloudKind::Contact)
    )
}

/// The role definition / template ids of some role grants (sorted, distinct): evidence keeps them
/// beside the role names.
pub(super) fn role_ids(estate: &Estate, grants: &[usize]) -> BTreeSet<String> {
    grants.iter().filter_map(|&g| estate.role_grants[g].role_id.clone()).collect()
}

pub(super) fn local_part(upn: &str) -> Option<(&str, &str)> {
    upn.rsplit_once('@')
}
