//! Where each AD object synchronises to: its **own** target tenants, decided per object, shared by
//! every family that judges an AD object against a tenant (characters, duplicates, domains, anchors,
//! sync).
//!
//! A forest-wide target set misleads on messy estates: one forest user whose synced twin also sits in a
//! copied directory would make every user of the forest "target" that directory. So:
//!
//! 1. An object hard-linked by anchor to **synced** cloud objects (`onPremisesSyncEnabled = true`;
//!    anchors copied onto cloud-only objects are not sync) targets the tenants where it is linked,
//!    minus the forest's *stray* tenants (below). When every such tenant is stray, the object targets
//!    them anyway: it is synchronised there, whatever else the forest does. An object exported
//!    without anchor material (SharpHound: no objectGUID, no ms-DS-ConsistencyGuid) is linked by its
//!    own SID instead (objectSid = onPremisesSecurityIdentifier, a cloud object not marked unsynced).
//! 2. An object without such a link targets the forest's **primary** tenants: the manifest's
//!    `syncs_to`, else the tenant holding most of the forest's synced hard-linked objects (ties: all
//!    of them), else none (unknown).
//! 3. A tenant is **stray** for a forest when the manifest declares `syncs_to` without it, or (not
//!    declared) when it holds fewer than [`STRAY_SHARE_PERCENT`] % of the synced links that the
//!    forest's primary tenant holds, or at most [`STRAY_HANDFUL`] of them while the primary holds three
//!    times as many: a handful of stray twins is an anomaly reported as such (AN007), never the target
//!    of the whole forest.
//!
//! A tenant is **fed by an exported forest** when it is a primary or non-stray linked tenant of some
//! forest, or a forest declares `syncs_to` it. Synced objects of a tenant no exported forest feeds are
//! a coverage gap of the export (IN011), not orphans (AN005).

use crate::graph::EstateGraph;
use crate::model::text::TrimFast as _;
use crate::model::{Estate, TenantIdx};
use rayon::prelude::*;
use std::collections::BTreeMap;

/// Below this share (in percent) of the primary tenant's synced links, a tenant that holds synced
/// twins of a forest whose targets are not declared is a stray target, not a target of the forest.
pub const STRAY_SHARE_PERCENT: usize = 10;

/// A tenant holding at most this many synced twins of a forest (whose targets are not declared) while
/// the primary holds at least three times as many is a stray target too (small forests).
pub const STRAY_HANDFUL: usize = 5;

/// Whether a tenant holding `count` synced links of a forest whose busiest tenant holds `max` is stray.
pub fn is_stray_count(count: usize, max: usize) -> bool {
    count * 100 < max * STRAY_SHARE_PERCENT || (count <= STRAY_HANDFUL && count * 3 <= max)
}

/// How a forest's primary targets were determined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetBasis {
    /// estate.toml `syncs_to`.
    Manifest,
    /// The tenant holding most of the forest's synced hard-linked objects.
    Evidence,
    /// Unknown: nothing declared, nothing linked.
    Unknown,
}

impl TargetBasis {
    /// Name for evidence.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Manifest => "estate.toml syncs_to",
            Self::Evidence => "the tenant holding most of the forest's synced hard-linked objects",
            Self::Unknown => "unknown",
        }
    }
}

/// How one object's targets were determined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectBasis {
    /// The tenants where the object itself is hard-linked to a synced cloud object.
    HardLinked,
    /// The forest's primary targets (see [`TargetBasis`]).
    Forest(TargetBasis),
}

impl ObjectBasis {
    /// Name for evidence.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::HardLinked => "the tenants where this object is hard-linked to a synced cloud object",
            Self::Forest(TargetBasis::Manifest) => "its forest's syncs_to (estate.toml)",
            Self::Forest(TargetBasis::Evidence) => {
                "its forest's primary target: the tenant holding most of the forest's synced hard-linked objects"
            }
            Self::Forest(TargetBasis::Unknown) => "unknown",
        }
    }
}

/// The targets of one forest.
#[derive(Debug, Clone)]
pub struct ForestTargets {
    /// Primary tenants (sorted): where the forest's unlinked objects would go.
    pub primary: Vec<TenantIdx>,
    /// How [`Self::primary`] was found.
    pub basis: TargetBasis,
    /// Synced hard-linked objects per tenant (sorted by tenant).
    pub linked: Vec<(TenantIdx, usize)>,
    /// Tenants holding synced twins of the forest that are not targets of the forest (sorted).
    pub stray: Vec<TenantIdx>,
}

/// Per-object target tenants of every AD object.
#[derive(Debug, Clone)]
pub struct SyncTargets {
    /// Per forest.
    pub forests: Vec<ForestTargets>,
    /// Per AD object: its own targets when it is hard-linked to synced cloud objects in a non-stray
    /// tenant (or only in stray ones); `None` = the forest's primary targets.
    own: Vec<Option<Box<[TenantIdx]>>>,
    /// Per AD object: whether it is hard-linked to a synced cloud object.
    linked: Vec<bool>,
    /// Per tenant: whether an exported forest (one with objects in the export) feeds it.
    fed: Vec<bool>,
    /// Per forest: AD objects in the export (a forest declared in estate.toml may have none).
    pub objects_per_forest: Vec<usize>,
    /// Per tenant: the export of its feeding forests looks partial (see [`Unexported::PartialExport`]).
    partial: Vec<bool>,
    /// DNS domains of the exported forests (lower case); empty when some exported forest's domains are
    /// unknown (no DNs), so that no conclusion is drawn from a cloud object's on-premises domain.
    exported_domains: crate::hash::FastSet<String>,
}

/// Why a synced cloud object's source is not in the export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unexported {
    /// No exported forest feeds its tenant.
    TenantNotFed,
    /// Its onPremisesDomainName / onPremisesDistinguishedName names a domain no exported forest has.
    Domain(String),
    /// Its tenant's feeding forests are not declared complete and too many of the tenant's synced
    /// objects match nothing ([`PARTIAL_MIN_OBJECTS`], [`PARTIAL_SHARE_PERCENT`]): the export most
    /// likely misses part of the forest (an OU, a domain), not that many orphans.
    PartialExport,
}

/// At least this many unmatched synced objects in one tenant before a partial export is concluded.
pub const PARTIAL_MIN_OBJECTS: usize = 10;

/// Unmatched synced objects above this share (in percent) of a tenant's synced objects with an anchor
/// suggest a partial export of a forest not declared complete.
pub const PARTIAL_SHARE_PERCENT: usize = 20;

impl SyncTargets {
    /// Decides every forest's and object's targets (one parallel pass over the AD objects' edges).
    pub fn new(estate: &Estate, graph: &EstateGraph) -> Self {
        let synced_links = |i: usize| -> Vec<TenantIdx> {
            let o = &estate.ad_objects[i];
            let mut ts: Vec<TenantIdx> = graph
                .anchored_cloud_objects(i as u32)
                .map(|(c, _)| &estate.cloud_objects[c as usize])
                .filter(|c| c.on_prem_sync_enabled == Some(true))
                .map(|c| c.tenant)
                .collect();
            // Without anchor material (SharpHound), the object's own SID is its link: a cloud object whose
            // onPremisesSecurityIdentifier it is was synchronised from it (unless since converted).
            if !o.has_anchor_material() {
                ts.extend(
                    graph
                        .sid_linked_cloud_objects(i as u32)
                        .filter(|(_, src)| *src == crate::graph::SidSource::ObjectSid)
                        .map(|(c, _)| &estate.cloud_objects[c as usize])
                        .filter(|c| c.on_prem_sync_enabled != Some(false))
                        .map(|c| c.tenant),
                );
            }
            ts.sort_unstable();
            ts.dedup();
            ts
        };
        let links: Vec<Vec<TenantIdx>> = (0..estate.ad_objects.len()).into_par_iter().map(synced_links).collect();
        let linked: Vec<bool> = links.iter().map(|l| !l.is_empty()).collect();
        let mut counts: Vec<BTreeMap<TenantIdx, usize>> = vec![BTreeMap::new(); estate.forests.len()];
        for (o, ts) in estate.ad_objects.iter().zip(&links) {
            if let Some(m) = counts.get_mut(o.forest as usize) {
                for &t in ts {
                    *m.entry(t).or_default() += 1;
                }
            }
        }
        let forests: Vec<ForestTargets> = estate
            .forests
            .iter()
            .zip(counts)
            .map(|(f, m)| {
                let linked: Vec<(TenantIdx, usize)> = m.into_iter().collect();
                let max = linked.iter().map(|l| l.1).max().unwrap_or(0);
                if !f.syncs_to.is_empty() {
                    let mut primary = f.syncs_to.clone();
                    primary.sort_unstable();
                    primary.dedup();
                    let stray = linked.iter().map(|l| l.0).filter(|t| !primary.contains(t)).collect();
                    ForestTargets { primary, basis: TargetBasis::Manifest, linked, stray }
                } else if max > 0 {
                    let primary = linked.iter().filter(|l| l.1 == max).map(|l| l.0).collect();
                    let stray = linked.iter().filter(|l| is_stray_count(l.1, max)).map(|l| l.0).collect();
                    ForestTargets { primary, basis: TargetBasis::Evidence, linked, stray }
                } else {
                    ForestTargets { primary: Vec::new(), basis: TargetBasis::Unknown, linked, stray: Vec::new() }
                }
            })
            .collect();
        let own: Vec<Option<Box<[TenantIdx]>>> = estate
            .ad_objects
            .par_iter()
            .zip(links.into_par_iter())
            .map(|(o, ts)| {
                if ts.is_empty() {
                    return None;
                }
                let Some(ft) = forests.get(o.forest as usize) else { return Some(ts.into_boxed_slice()) };
                let kept: Vec<TenantIdx> = ts.iter().copied().filter(|t| !ft.stray.contains(t)).collect();
                let chosen = if kept.is_empty() { ts } else { kept };
                (chosen != ft.primary).then(|| chosen.into_boxed_slice())
            })
            .collect();
        let mut objects_per_forest = vec![0usize; estate.forests.len()];
        for o in &estate.ad_objects {
            if let Some(n) = objects_per_forest.get_mut(o.forest as usize) {
                *n += 1;
            }
        }
        let mut fed = vec![false; estate.tenants.len()];
        for (ft, _) in forests.iter().zip(&objects_per_forest).filter(|(_, n)| **n > 0) {
            for &t in ft.primary.iter().chain(ft.linked.iter().map(|l| &l.0).filter(|t| !ft.stray.contains(t))) {
                if let Some(x) = fed.get_mut(t as usize) {
                    *x = true;
                }
            }
        }
        let exported: Vec<&crate::model::Forest> =
            estate.forests.iter().zip(&objects_per_forest).filter(|(_, n)| **n > 0).map(|(f, _)| f).collect();
        let exported_domains = if exported.iter().all(|f| !f.domains.is_empty()) {
            exported
                .iter()
                .flat_map(|f| f.domains.iter().chain(std::iter::once(&f.name)))
                .map(|d| d.trim_end_matches('.').to_ascii_lowercase())
                .collect()
        } else {
            Default::default()
        };
        let mut targets = SyncTargets {
            forests,
            own,
            linked,
            fed,
            objects_per_forest,
            exported_domains,
            partial: vec![false; estate.tenants.len()],
        };
        // Per tenant: synced objects with an anchor that some AD object holds / that none holds (and
        // that no other explanation covers).
        let counts: Vec<(TenantIdx, bool)> = estate
            .cloud_objects
            .par_iter()
            .enumerate()
            .filter(|(_, c)| {
                c.on_prem_sync_enabled == Some(true)
                    && c.immutable_id.as_deref().is_some_and(|a| !a.trim_fast().is_empty())
            })
            .filter_map(|(i, c)| {
                let anchored = graph.is_sourced_cloud_object(estate, i as u32);
                (anchored || targets.unexported_source(c).is_none()).then_some((c.tenant, anchored))
            })
            .collect();
        let mut per_tenant = vec![(0usize, 0usize); estate.tenants.len()];
        for (t, anchored) in counts {
            if let Some(x) = per_tenant.get_mut(t as usize) {
                if anchored { x.0 += 1 } else { x.1 += 1 }
            }
        }
        for (t, (linked, unmatched)) in per_tenant.into_iter().enumerate() {
            let feeders = targets.feeding_forests(t as TenantIdx);
            let declared: Vec<u32> = (0..estate.forests.len() as u32)
                .filter(|&f| estate.forests[f as usize].syncs_to.contains(&(t as TenantIdx)))
                .collect();
            let all_complete =
                feeders.iter().chain(&declared).all(|&f| estate.forests[f as usize].complete == Some(true));
            targets.partial[t] = !all_complete
                && unmatched >= PARTIAL_MIN_OBJECTS
                && unmatched * 100 > (linked + unmatched) * PARTIAL_SHARE_PERCENT;
        }
        targets
    }

    /// The target tenants of AD object `i` (sorted) and how they were found.
    pub fn of_object(&self, estate: &Estate, i: u32) -> (&[TenantIdx], ObjectBasis) {
        if let Some(Some(own)) = self.own.get(i as usize) {
            return (own, ObjectBasis::HardLinked);
        }
        let f = estate.ad_objects[i as usize].forest as usize;
        let linked = self.linked.get(i as usize).copied().unwrap_or(false);
        match self.forests.get(f) {
            Some(ft) if linked => (&ft.primary, ObjectBasis::HardLinked),
            Some(ft) => (&ft.primary, ObjectBasis::Forest(ft.basis)),
            None => (&[], ObjectBasis::Forest(TargetBasis::Unknown)),
        }
    }

    /// Whether AD object `i` is hard-linked to a synced cloud object.
    pub fn is_linked(&self, i: u32) -> bool {
        self.linked.get(i as usize).copied().unwrap_or(false)
    }

    /// Whether tenant `t` is fed by an exported forest (see the module docs).
    pub fn is_fed(&self, t: TenantIdx) -> bool {
        self.fed.get(t as usize).copied().unwrap_or(false)
    }

    /// For a synced cloud object: whether its source forest is not in the export, and why. `None` for
    /// objects that are not synced, or whose source may be exported.
    pub fn unexported_source(&self, c: &crate::model::CloudObject) -> Option<Unexported> {
        if c.on_prem_sync_enabled != Some(true) {
            return None;
        }
        if !self.is_fed(c.tenant) {
            return Some(Unexported::TenantNotFed);
        }
        if let Some(domain) = on_prem_domain(c)
            && !self.exported_domains.is_empty()
            && !self.exported_domains.contains(&domain)
        {
            return Some(Unexported::Domain(domain));
        }
        self.partial.get(c.tenant as usize).copied().unwrap_or(false).then_some(Unexported::PartialExport)
    }

    /// Whether tenant `t` is a stray target of forest `f` (see the module docs).
    pub fn is_stray(&self, f: u32, t: TenantIdx) -> bool {
        self.forests.get(f as usize).is_some_and(|ft| ft.stray.contains(&t))
    }

    /// The forests that feed tenant `t` (primary or non-stray linked).
    pub fn feeding_forests(&self, t: TenantIdx) -> Vec<u32> {
        (0..self.forests.len() as u32)
            .filter(|&f| {
                let ft = &self.forests[f as usize];
                ft.primary.contains(&t) || ft.linked.iter().any(|l| l.0 == t && !ft.stray.contains(&t))
            })
            .collect()
    }
}

/// The on-premises DNS domain of a synced cloud object: onPremisesDomainName, else the `DC=` parts of
/// onPremisesDistinguishedName (lower case).
pub fn on_prem_domain(c: &crate::model::CloudObject) -> Option<String> {
    if let Some(d) = c.on_prem_domain.as_deref().map(crate::model::text::trim).filter(|d| d.contains('.')) {
        return Some(d.trim_end_matches('.').to_ascii_lowercase());
    }
    let dn = c.on_prem_dn.as_deref()?;
    let parts: Vec<&str> = dn
        .split(',')
        .filter_map(|p| {
            let p = p.trim_fast();
            (p.len() > 3 && p[..3].eq_ignore_ascii_case("dc=")).then(|| &p[3..])
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(".").to_ascii_lowercase())
}
