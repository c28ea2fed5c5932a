//! Sync preview: what the next (or a first, or a re-pointed) directory synchronisation would do to every
//! AD object in sync scope, per target tenant — before it happens.
//!
//! For each AD object that Entra Connect would export ([`crate::rules::sync_scope::Scope`]) and each
//! of its target tenants (its own, [`crate::rules::targets`], or the tenant named by
//! `--sync-preview FOREST=TENANT`), the outcome follows Entra Connect's order (identity-facts.md §2;
//! Microsoft Learn "Entra Connect: when you have an existing tenant" and "How to use UPN / SMTP
//! matching"):
//!
//! 1. **hard match**: a cloud object of the tenant holds the anchor the forest's anchor attribute
//!    computes → `joins` (a cloud-managed object while the tenant blocks hard-match takeover →
//!    `conflict`);
//! 2. **soft match** on the primary SMTP address, then on the UPN (unless UPN soft match is off) →
//!    decided by [`crate::rules::matching::predict`], the one place the findings use too: merge →
//!    `joins`; cloud administrator → `takeover` (blocked today by Existing Admin Role Conflict, a
//!    takeover once the role is removed); InvalidSoftMatch or a user/group clash → `conflict`; soft
//!    match blocked or a plain duplicate → `quarantined`;
//! 3. otherwise **create** → `creates`, or `quarantined` when a duplicates finding says another object
//!    keeps one of its values.
//!
//! The UPN after the sync is the AD UPN when its suffix is verified in the tenant, else the MOERA
//! fallback `<prefix>@<initial domain>` (or the quarantine form `<prefix><4 digits>@<initial domain>`).
//! Member cloud objects of the target tenants that no AD object touches stay `cloud-only`. Every row
//! cites the findings about its object (fingerprints), so the preview and the findings can be checked
//! against each other.

use crate::findings::Finding;
use crate::graph::key_index::lower;
use crate::hash::FastMap;
use crate::model::{AdObject, CloudKind, Estate, TenantIdx};
use crate::rules::Context;
use crate::rules::anchors::{AnchorAttr, expected_anchor_source};
use crate::rules::matching::{Outcome, Pair, predict};
use crate::rules::sync_scope::{TenantDomains, cloud_kind};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

/// What the sync does with one object in one tenant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fate {
    /// Joins an existing cloud object (hard match, or a soft match that merges).
    Joins,
    /// Created as a new cloud object.
    Creates,
    /// The export fails (InvalidSoftMatch, AttributeValueMustBeUnique, ObjectTypeMismatch, takeover block).
    Conflict,
    /// Created or joined, with a duplicate value quarantined by duplicate-attribute resiliency.
    Quarantined,
    /// The match lands on a cloud account holding an admin role.
    Takeover,
    /// A cloud object no AD object touches.
    CloudOnly,
}

impl Fate {
    /// Every fate, in summary order.
    pub const ALL: [Fate; 6] =
        [Fate::Joins, Fate::Creates, Fate::Conflict, Fate::Quarantined, Fate::Takeover, Fate::CloudOnly];
    /// Kebab-case name (CSV, JSON).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Joins => "joins",
            Self::Creates => "creates",
            Self::Conflict => "conflict",
            Self::Quarantined => "quarantined",
            Self::Takeover => "takeover",
            Self::CloudOnly => "cloud-only",
        }
    }
    /// The fate a finding's `predicted_outcome` (the matching model) implies.
    pub fn of_outcome(o: Outcome) -> Fate {
        match o {
            Outcome::HardMatch | Outcome::SoftMatchMerge => Fate::Joins,
            Outcome::AdminRoleConflict => Fate::Takeover,
            Outcome::InvalidSoftMatch | Outcome::ExportFails => Fate::Conflict,
            Outcome::SoftMatchBlocked | Outcome::QuarantinedDuplicate => Fate::Quarantined,
        }
    }
}

/// One object in one tenant.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    /// Forest (empty for cloud-only rows).
    pub forest: String,
    /// Distinguished name of the AD object.
    pub dn: String,
    /// objectGUID of the AD object.
    pub object_guid: String,
    /// Target tenant.
    pub tenant: String,
    /// The outcome.
    pub outcome: Fate,
    /// The matching model's outcome behind it, when a match decided it.
    pub matching: Option<&'static str>,
    /// The cloud object joined, matched or colliding (directory object id).
    pub cloud_object_id: String,
    /// UPN after the sync.
    pub upn_after: String,
    /// Primary address after the sync.
    pub mail_after: String,
    /// Why, in one sentence.
    pub reason: String,
    /// Fingerprints of the findings about this object (filled by [`Preview::cite`]).
    pub findings: Vec<String>,
    /// Subject ids the row is about (AD objectGUID, `<tenant id>/<object id>`), for citing.
    #[serde(skip)]
    pub subject_ids: Vec<String>,
}

/// The preview of a run.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Preview {
    /// Simulated targets (`--sync-preview FOREST=TENANT`), as given.
    pub simulated: Vec<String>,
    /// One row per object and tenant ([`Detail::Full`]), or only the conflicts and takeovers
    /// ([`Detail::Issues`]).
    pub rows: Vec<Row>,
    /// Counts per forest → tenant over every object, whatever rows are kept.
    pub counts: Vec<PairCounts>,
}

/// Which rows a preview keeps (declared with the rule options, which carry it).
pub use crate::rules::PreviewDetail as Detail;

/// Counts per forest → tenant.
#[derive(Clone, Debug, Serialize)]
pub struct PairCounts {
    /// Forest (empty: cloud-only objects of the tenant).
    pub forest: String,
    /// Tenant.
    pub tenant: String,
    /// Count per outcome.
    pub outcomes: BTreeMap<&'static str, usize>,
}

impl Preview {
    /// Counts per forest → tenant, in order of first appearance.
    pub fn summary(&self) -> Vec<PairCounts> {
        self.counts.clone()
    }

    /// Tallies `(forest, tenant, outcome)` triples (forest `None`: a cloud-only object) per forest
    /// and tenant name, in order of first appearance. Counted by index first (a million rows at a
    /// million objects), then by name: two forests or tenants of one name are one line, as before.
    fn tally(e: &Estate, items: impl Iterator<Item = (Option<u32>, TenantIdx, Fate)>) -> Vec<PairCounts> {
        // (forest, tenant) → (first position, count per fate in `Fate::ALL` order).
        let mut by_index: crate::hash::FastMap<(Option<u32>, TenantIdx), (usize, [usize; Fate::ALL.len()])> =
            crate::hash::FastMap::default();
        for (n, (forest, tenant, outcome)) in items.enumerate() {
            by_index.entry((forest, tenant)).or_insert((n, [0; Fate::ALL.len()])).1[outcome as usize] += 1;
        }
        let mut pairs: Vec<_> = by_index.into_iter().collect();
        pairs.sort_by_key(|(_, (first, _))| *first);
        let forest_name = |f: Option<u32>| f.and_then(|f| e.forests.get(f as usize)).map_or("", |x| x.name.as_str());
        let mut out: Vec<PairCounts> = Vec::new();
        let mut at: HashMap<(&str, &str), usize> = HashMap::new();
        for ((forest, tenant), (_, n)) in pairs {
            let key = (forest_name(forest), e.tenants[tenant as usize].name.as_str());
            let k = *at.entry(key).or_insert_with(|| {
                out.push(PairCounts {
                    forest: key.0.to_string(),
                    tenant: key.1.to_string(),
                    outcomes: Fate::ALL.iter().map(|f| (f.as_str(), 0)).collect(),
                });
                out.len() - 1
            });
            for (f, n) in Fate::ALL.iter().zip(n) {
                *out[k].outcomes.entry(f.as_str()).or_default() += n;
            }
        }
        out
    }

    /// Fills every row's `findings` with the fingerprints of the findings that name its object
    /// (`fingerprints`: each finding's, in order — [`crate::findings::fingerprints`]).
    pub fn cite(&mut self, findings: &[Finding], fingerprints: &[String]) {
        debug_assert_eq!(findings.len(), fingerprints.len());
        // Only the subjects of the rows kept are looked for (a few hundred in a report's preview,
        // tens of thousands of findings).
        let wanted: crate::hash::FastSet<String> =
            self.rows.iter().flat_map(|r| &r.subject_ids).map(|s| s.to_lowercase()).collect();
        let cited: Vec<(String, &String)> = findings
            .par_iter()
            .zip(fingerprints)
            .flat_map_iter(|(f, fp)| {
                f.subjects
                    .iter()
                    .filter(|s| matches!(s.kind.as_str(), "ad-object" | "cloud-object"))
                    .map(|s| crate::graph::key_index::lower(&s.id))
                    .filter(|id| wanted.contains(&**id))
                    .map(move |id| (id.into_owned(), fp))
                    .collect::<Vec<_>>()
            })
            .collect();
        let mut by_subject: crate::hash::FastMap<String, Vec<String>> = crate::hash::FastMap::default();
        for (id, fp) in cited {
            by_subject.entry(id).or_default().push(fp.clone());
        }
        for r in &mut self.rows {
            let mut fps: Vec<String> = r
                .subject_ids
                .iter()
                .flat_map(|s| by_subject.get(&s.to_lowercase()).cloned().unwrap_or_default())
                .collect();
            fps.sort();
            fps.dedup();
            r.findings = fps;
        }
    }
}

/// Resolves `FOREST=TENANT` pairs (names, case-insensitive; tenants also by id) to indices.
pub fn resolve(ctx: &Context<'_>, pairs: &[String]) -> Result<Vec<(u32, TenantIdx)>, String> {
    let e = ctx.estate();
    pairs
        .iter()
        .map(|p| {
            let (f, t) = p.split_once('=').ok_or_else(|| format!("--sync-preview {p}: expected FOREST=TENANT"))?;
            let fi = e.forests.iter().position(|x| x.name.eq_ignore_ascii_case(f.trim())).ok_or_else(|| {
                let known: Vec<&str> = e.forests.iter().map(|x| x.name.as_str()).collect();
                format!("--sync-preview {p}: no forest {f:?} in the estate (forests: {})", known.join(", "))
            })?;
            let ti = e
                .tenants
                .iter()
                .position(|x| {
                    x.name.eq_ignore_ascii_case(t.trim())
                        || x.id.as_deref().is_some_and(|id| id.eq_ignore_ascii_case(t.trim()))
                })
                .ok_or_else(|| {
                    let known: Vec<&str> = e.tenants.iter().map(|x| x.name.as_str()).collect();
                    format!("--sync-preview {p}: no tenant {t:?} in the estate (tenants: {})", known.join(", "))
                })?;
            Ok((fi as u32, ti as TenantIdx))
        })
        .collect()
}

fn local_part(upn: &str) -> &str {
    upn.rsplit_once('@').map(|(l, _)| l).unwrap_or(upn)
}

/// The UPN Entra gives an object whose AD UPN is `upn`: unchanged when its suffix (or a parent) is
/// verified in the tenant, else the MOERA fallback on the initial domain.
fn upn_after(upn: &str, td: &TenantDomains, quarantined: bool) -> String {
    let initial = td.initial.as_deref().unwrap_or("<initial domain>");
    if quarantined {
        return format!("{}<4 digits>@{initial}", local_part(upn));
    }
    let suffix = upn.rsplit_once('@').map(|(_, d)| d.trim_end_matches('.').to_lowercase()).unwrap_or_default();
    if !td.known || td.verified.contains(&suffix) || td.verified_parent(&suffix).is_some() {
        upn.to_string()
    } else {
        format!("{}@{initial}", local_part(upn))
    }
}

/// What the preview takes from the findings, drawn from them before they are re-rated, folded and
/// sorted (so the preview can be built while that happens): AD objects a duplicates finding says lose
/// a value to another holder, and AD objects whose UPN fails validation. Keys are the objects' ids
/// in lower case.
#[derive(Debug, Default)]
pub struct FindingFacts {
    /// Per AD object: the values it loses, each with the matching model's outcome for it (quarantined,
    /// or an export error for a user colliding with a group), in the findings' order.
    loses: FastMap<String, Vec<(String, Option<Outcome>)>>,
    /// Per AD object: the rules its UPN fails (characters, format, length), in the findings' order.
    bad_upn: FastMap<String, Vec<String>>,
}

impl FindingFacts {
    /// Draws the facts from `findings` (the rules' output, in the rules' order).
    pub fn of(findings: &[Finding]) -> Self {
        let mut loses: FastMap<String, Vec<(String, Option<Outcome>)>> = FastMap::default();
        for f in findings.iter().filter(|f| f.rule == "DU001") {
            let ev = f.evidence.map();
            let winner = ev.get("winner").and_then(|v| v.as_str()).unwrap_or_default().to_lowercase();
            let value = ev.get("value").and_then(|v| v.as_str()).unwrap_or_default();
            let members = ev.get("members").and_then(|v| v.as_array());
            for s in f.subjects.iter().filter(|s| s.kind == "ad-object") {
                if winner.is_empty() || s.id.to_lowercase() == winner {
                    continue;
                }
                let predicted = members
                    .and_then(|m| m.iter().find(|x| x.get("subject").and_then(|v| v.as_str()) == Some(s.id.as_str())))
                    .and_then(|x| x.get("predicted_outcome").and_then(|v| v.as_str()))
                    .and_then(Outcome::parse);
                loses.entry(s.id.to_lowercase()).or_default().push((value.to_string(), predicted));
            }
        }
        // AD objects whose UPN fails validation (characters, format, length).
        let mut bad_upn: FastMap<String, Vec<String>> = FastMap::default();
        for f in findings.iter().filter(|f| {
            matches!(f.rule.as_str(), "CH002" | "CH003" | "CH004")
                || (f.rule == "CH014" && f.evidence.get_str("attribute").as_deref() == Some("userPrincipalName"))
        }) {
            for s in f.subjects.iter().filter(|s| s.kind == "ad-object") {
                bad_upn.entry(s.id.to_lowercase()).or_default().push(f.rule.clone());
            }
        }
        FindingFacts { loses, bad_upn }
    }
}

/// Builds the preview from what the findings say ([`FindingFacts::of`]). `redirect` re-points whole
/// forests to one tenant (a simulation).
pub fn build(
    ctx: &Context<'_>,
    facts: &FindingFacts,
    redirect: &[(u32, TenantIdx)],
    simulated: &[String],
    detail: Detail,
) -> Preview {
    let e = ctx.estate();
    let g = ctx.graph;
    let in_scope = ctx.in_sync_scope();
    let targets = ctx.targets();
    let decisions = ctx.anchor_decisions();
    let domains = TenantDomains::of_estate(e);
    let feature = |t: TenantIdx, name: &str| {
        e.sync_settings.iter().find(|s| s.tenant == t).and_then(|s| s.features.get(name).copied())
    };
    let admins: HashSet<u32> = e
        .role_grants
        .iter()
        .filter_map(|r| g.indexes.cloud_by_id(&e.cloud_objects, r.tenant, &r.principal_id))
        .collect();
    let FindingFacts { loses, bad_upn } = facts;
    let cloud_id = |c: u32| {
        let o = &e.cloud_objects[c as usize];
        o.id.as_deref().map(String::from).unwrap_or_else(|| o.label())
    };
    let tenant_key = |t: TenantIdx| {
        let x = &e.tenants[t as usize];
        x.id.clone().unwrap_or_else(|| x.name.clone())
    };
    // (row when kept, forest, tenant, outcome, cloud object touched). The row is boxed: most are not
    // kept, and an unboxed one would make every item ~300 bytes (~130 MB at a million objects).
    type Item = (Option<Box<Row>>, u32, TenantIdx, Fate, Option<u32>);
    let attr_of = |o: &AdObject| decisions.get(o.forest as usize).map(|d| d.attr).unwrap_or(AnchorAttr::ObjectGuid);
    let full = detail == Detail::Full;
    let scoped: Vec<usize> = (0..e.ad_objects.len()).into_par_iter().filter(|&i| in_scope[i]).collect();
    let rows: Vec<Item> = scoped
        .par_iter()
        .flat_map_iter(|&i| {
            let o = &e.ad_objects[i];
            let tenants: Vec<TenantIdx> = match redirect.iter().find(|(f, _)| *f == o.forest) {
                Some(&(_, t)) => vec![t],
                None => targets.of_object(e, i as u32).0.to_vec(),
            };
            let attr = attr_of(o);
            // Which of the graph's anchor links holds the hard match (`expected_anchor_source`).
            let hard_source = expected_anchor_source(o, attr);
            // Borrowed or written on the stack: a million objects, most of them kept as no row.
            let mut guid_text = [0u8; uuid::fmt::Hyphenated::LENGTH];
            let guid: &str = match o.object_guid {
                Some(x) => x.0.hyphenated().encode_lower(&mut guid_text),
                None => "",
            };
            let upn: &str = o.upn.as_deref().unwrap_or_default();
            let smtp = o.primary_smtp().map(lower);
            let kind = cloud_kind(&o.class);
            // GUID text is lower case (hyphenated), as the keys of `loses` and `bad_upn`.
            let lost = loses.get(guid);
            tenants
                .into_iter()
                .map(|t| {
                    let td = &domains[t as usize];
                    // The decision fills outcome, matching and reason; the names, the values after sync
                    // and the subjects are filled only for a row that is kept (most are not: the HTML
                    // report keeps conflicts and takeovers).
                    let mut row = Row {
                        forest: String::new(),
                        dn: String::new(),
                        object_guid: String::new(),
                        tenant: String::new(),
                        outcome: Fate::Creates,
                        matching: None,
                        cloud_object_id: String::new(),
                        upn_after: String::new(),
                        mail_after: String::new(),
                        reason: String::new(),
                        findings: Vec::new(),
                        subject_ids: Vec::new(),
                    };
                    let in_t = |c: &&u32| e.cloud_objects[**c as usize].tenant == t;
                    // 1. Hard match: the lowest cloud object of the tenant that holds the expected anchor.
                    let hard = hard_source.and_then(|src| {
                        g.anchored_cloud_objects(i as u32).filter(|&(c, s)| s == src && in_t(&&c)).map(|(c, _)| c).min()
                    });
                    let mut joined = None;
                    // The cloud object a soft match met (joined or not).
                    let mut candidate: Option<u32> = None;
                    // The cloud object met by soft match already holds this UPN.
                    let mut upn_taken = false;
                    if let Some(c) = hard {
                        let co = &e.cloud_objects[c as usize];
                        row.matching = Some(Outcome::HardMatch.code());
                        joined = Some(c);
                        if co.on_prem_sync_enabled != Some(true)
                            && feature(t, "blockCloudObjectTakeoverThroughHardMatchEnabled") == Some(true)
                        {
                            row.outcome = Fate::Conflict;
                            row.reason = format!(
                                "hard match on {} onto cloud-managed {} is refused: the tenant blocks cloud object \
                                 takeover through hard match",
                                attr.as_str(),
                                co.label()
                            );
                        } else {
                            // A join (quarantined or not) is kept only in a full preview: its reason
                            // is written only then (the most common row of all).
                            row.outcome = Fate::Joins;
                            if full {
                                row.reason = format!("hard match on {} with {}", attr.as_str(), co.label());
                            }
                            if let Some(values) = lost {
                                row.outcome = Fate::Quarantined;
                                row.reason.push_str(&format!(
                                    "; another object keeps {} (duplicate-attribute resiliency quarantines it here)",
                                    values.iter().map(|v| v.0.as_str()).collect::<Vec<_>>().join(", ")
                                ));
                            }
                        }
                    } else {
                        // 2. Soft match: primary SMTP, then UPN.
                        let upn_on = feature(t, "softMatchOnUpnEnabled") != Some(false);
                        let by_smtp = smtp.as_deref().map(|s| g.indexes.cloud_by_smtp.get(&e.cloud_objects, s));
                        let by_upn = upn_on.then(|| g.indexes.cloud_by_upn.get(&e.cloud_objects, upn));
                        let cand = by_smtp
                            .and_then(|v| v.iter().find(in_t).copied())
                            .map(|c| (c, "primary SMTP address"))
                            .or_else(|| by_upn.and_then(|v| v.iter().find(in_t).copied()).map(|c| (c, "userPrincipalName")));
                        let presumed = cand.filter(|(c, _)| {
                            let co = &e.cloud_objects[*c as usize];
                            co.on_prem_sync_enabled == Some(true)
                                && co.immutable_id.as_deref().is_none_or(|a| a.trim().is_empty())
                                && kind == Some(co.kind)
                        });
                        if let Some((c, key)) = presumed {
                            // A synchronised object whose export carries no anchor (Graph exports none for
                            // groups and contacts): the AD object's own twin, presumed by its address.
                            let co = &e.cloud_objects[c as usize];
                            row.outcome = Fate::Joins;
                            if full {
                                row.reason = format!(
                                    "already synchronised as {} (same {key}; the export carries no anchor to confirm \
                                     the hard match)",
                                    co.label()
                                );
                            }
                            joined = Some(c);
                        } else if let Some((c, key)) = cand {
                            candidate = Some(c);
                            let co = &e.cloud_objects[c as usize];
                            let group = |k: Option<CloudKind>| k == Some(CloudKind::Group);
                            let pair = Pair {
                                anchor_equal: false,
                                soft_key: true,
                                same_kind: kind == Some(co.kind),
                                group_clash: group(kind) != group(Some(co.kind)),
                                ad_is_new: true,
                                cloud_has_immutable_id: co.immutable_id.as_deref().is_some_and(|a| !a.trim().is_empty()),
                                cloud_synced: co.on_prem_sync_enabled == Some(true),
                                cloud_admin: admins.contains(&c),
                                block_soft_match: feature(t, "blockSoftMatchEnabled") == Some(true),
                            };
                            let out = predict(&pair);
                            row.outcome = Fate::of_outcome(out);
                            upn_taken = co.upn.as_deref().is_some_and(|u| u.eq_ignore_ascii_case(upn));
                            row.matching = Some(out.code());
                            row.reason = format!("{} shares its {key}: {}", co.label(), out.describe());
                            if out == Outcome::SoftMatchMerge {
                                joined = Some(c);
                            }
                        } else if let Some(values) = lost {
                            let list = values.iter().map(|v| v.0.as_str()).collect::<Vec<_>>().join(", ");
                            if let Some(o) = values.iter().find_map(|v| v.1).filter(|o| *o == Outcome::ExportFails) {
                                row.outcome = Fate::Conflict;
                                row.matching = Some(o.code());
                                row.reason = format!("another object keeps {list}: {}", o.describe());
                            } else {
                                row.outcome = Fate::Quarantined;
                                row.reason = format!(
                                    "created; another object keeps {list} (duplicate-attribute resiliency quarantines it here)"
                                );
                            }
                        } else {
                            row.reason = "no cloud object holds its anchor or a soft-match key: created".to_string();
                        }
                    }
                    let touched = joined.or(candidate);
                    let outcome = row.outcome;
                    let keep = detail == Detail::Full || matches!(outcome, Fate::Conflict | Fate::Takeover);
                    if !keep {
                        return (None, o.forest, t, outcome, touched);
                    }
                    row.forest = e.forests.get(o.forest as usize).map(|f| f.name.clone()).unwrap_or_default();
                    row.dn = o.dn.as_deref().unwrap_or_default().to_string();
                    row.object_guid = guid.to_string();
                    row.tenant = e.tenants[t as usize].name.clone();
                    row.mail_after = smtp.as_deref().unwrap_or_default().to_string();
                    row.subject_ids.push(guid.to_string());
                    // The cloud object the decision met (hard match, presumed twin or soft-match candidate).
                    if let Some(c) = touched {
                        row.cloud_object_id = cloud_id(c);
                        row.subject_ids.push(format!("{}/{}", tenant_key(t), cloud_id(c)));
                    }
                    let upn_quarantined = row.outcome == Fate::Quarantined
                        && (lost.is_some_and(|v| v.iter().any(|x| x.0.eq_ignore_ascii_case(upn))) || upn_taken);
                    if let Some(rules) = bad_upn.get(guid) {
                        row.reason.push_str(&format!(
                            "; its UPN fails validation ({}): the export is refused (IdentityDataValidationFailed) or \
                             the cloud UPN falls back to the initial domain",
                            rules.join(", ")
                        ));
                    }
                    row.upn_after = if upn.is_empty() { String::new() } else { upn_after(upn, td, upn_quarantined) };
                    // A primary address on a domain the tenant has not verified is not kept either.
                    if !row.mail_after.is_empty() {
                        row.mail_after = upn_after(&row.mail_after, td, false);
                    }
                    if row.upn_after != upn && !row.upn_after.is_empty() && !upn_quarantined {
                        row.reason.push_str(&format!(
                            "; UPN suffix not verified in {}: MOERA fallback {}",
                            row.tenant, row.upn_after
                        ));
                    }
                    (Some(Box::new(row)), o.forest, t, outcome, touched)
                })
                .collect::<Vec<_>>()
        })
        .collect();
    // Cloud-only: member objects of the tenants in the preview that no row joins or matches (a pass
    // over every cloud object, in parallel, in object order).
    let mut touched = vec![false; e.cloud_objects.len()];
    let mut in_preview = vec![false; e.tenants.len()];
    for x in &rows {
        if let Some(c) = x.4 {
            touched[c as usize] = true;
        }
        in_preview[x.2 as usize] = true;
    }
    let cloud_only: Vec<(TenantIdx, Option<Row>)> = e
        .cloud_objects
        .par_iter()
        .enumerate()
        .filter(|&(c, co)| {
            in_preview.get(co.tenant as usize).copied().unwrap_or(false)
                && !co.is_guest()
                && co.on_prem_sync_enabled != Some(true)
                && !touched[c]
        })
        .map(|(c, co)| {
            let row = (detail == Detail::Full).then(|| {
                let id = cloud_id(c as u32);
                Row {
                    forest: String::new(),
                    dn: String::new(),
                    object_guid: String::new(),
                    tenant: e.tenants[co.tenant as usize].name.clone(),
                    outcome: Fate::CloudOnly,
                    matching: None,
                    cloud_object_id: id.clone(),
                    upn_after: co.upn.as_deref().unwrap_or_default().to_string(),
                    mail_after: co.primary_smtp().unwrap_or_default().to_lowercase(),
                    reason: format!("{}: no AD object in scope matches it; it stays cloud-managed", co.label()),
                    findings: Vec::new(),
                    subject_ids: vec![format!("{}/{id}", tenant_key(co.tenant))],
                }
            });
            (co.tenant, row)
        })
        .collect();
    let counts = Preview::tally(
        e,
        rows.iter().map(|x| (Some(x.1), x.2, x.3)).chain(cloud_only.iter().map(|(t, _)| (None, *t, Fate::CloudOnly))),
    );
    let out: Vec<Row> =
        rows.into_iter().filter_map(|x| x.0.map(|r| *r)).chain(cloud_only.into_iter().filter_map(|(_, r)| r)).collect();
    // Citations are added by the caller once the findings are final ([`Preview::cite`]).
    Preview { simulated: simulated.to_vec(), rows: out, counts }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upn_after_keeps_verified_suffixes_and_falls_back_to_the_initial_domain() {
        let mut td =
            TenantDomains { known: true, initial: Some("contoso.onmicrosoft.com".into()), ..Default::default() };
        td.verified.insert("contoso.com".into());
        assert_eq!(upn_after("ann@contoso.com", &td, false), "ann@contoso.com");
        assert_eq!(upn_after("ann@uk.contoso.com", &td, false), "ann@uk.contoso.com", "verified parent");
        assert_eq!(upn_after("ann@contoso.co.uk", &td, false), "ann@contoso.onmicrosoft.com", "MOERA fallback");
        assert_eq!(upn_after("ann@contoso.com", &td, true), "ann<4 digits>@contoso.onmicrosoft.com");
        // Domains unknown (no domain export): no conclusion, the UPN is shown as it is.
        assert_eq!(upn_after("ann@contoso.co.uk", &TenantDomains::default(), false), "ann@contoso.co.uk");
    }

    #[test]
    fn fates_are_numbered_in_summary_order() {
        // `Preview::tally` counts a fate at `fate as usize` of an array in `Fate::ALL` order.
        for (i, f) in Fate::ALL.iter().enumerate() {
            assert_eq!(*f as usize, i, "{f:?}");
        }
    }

    #[test]
    fn every_matching_outcome_maps_to_a_fate() {
        assert_eq!(Fate::of_outcome(Outcome::SoftMatchMerge), Fate::Joins);
        assert_eq!(Fate::of_outcome(Outcome::AdminRoleConflict), Fate::Takeover);
        assert_eq!(Fate::of_outcome(Outcome::InvalidSoftMatch), Fate::Conflict);
        assert_eq!(Fate::of_outcome(Outcome::ExportFails), Fate::Conflict);
        assert_eq!(Fate::of_outcome(Outcome::SoftMatchBlocked), Fate::Quarantined);
        assert_eq!(Fate::of_outcome(Outcome::QuarantinedDuplicate), Fate::Quarantined);
    }
}
