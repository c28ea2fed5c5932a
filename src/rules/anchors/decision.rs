//! The anchor attribute of each forest (objectGUID or ms-DS-ConsistencyGuid), decided from the manifest or
//! the population, and the ImmutableId Azure AD Connect computes for an AD object under it.

use crate::graph::{AnchorSource, EstateGraph};
use crate::model::anchor::encode_base64;
use crate::model::{AdClass, AdObject, Estate};
use rayon::prelude::*;

/// The AD attribute a forest's sync uses as sourceAnchor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnchorAttr {
    /// objectGUID.
    ObjectGuid,
    /// ms-DS-ConsistencyGuid (users only; empty values are filled with objectGUID by Connect).
    ConsistencyGuid,
}

impl AnchorAttr {
    /// LDAP name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ObjectGuid => "objectGUID",
            Self::ConsistencyGuid => "ms-DS-ConsistencyGuid",
        }
    }
    pub(super) fn other(self) -> Self {
        match self {
            Self::ObjectGuid => Self::ConsistencyGuid,
            Self::ConsistencyGuid => Self::ObjectGuid,
        }
    }
}

/// The anchor attribute of one forest and how it was decided.
#[derive(Clone, Debug)]
pub struct AnchorDecision {
    /// The attribute.
    pub attr: AnchorAttr,
    /// True when the manifest declares it.
    pub declared: bool,
    /// How it was decided, in one sentence.
    pub how: String,
    /// Linked objects whose ImmutableId is Base64(objectGUID) while ms-DS-ConsistencyGuid differs.
    pub votes_object_guid: usize,
    /// Linked objects whose ImmutableId is Base64(ms-DS-ConsistencyGuid) while it differs from objectGUID.
    pub votes_consistency_guid: usize,
    /// Users hard-linked to synced cloud objects.
    pub linked_users: usize,
    /// Of those, users carrying a 16-byte ms-DS-ConsistencyGuid.
    pub users_with_consistency_guid: usize,
    /// True when the forest has users in the export but none with objectGUID or ms-DS-ConsistencyGuid
    /// (a SharpHound collection): no anchor of this forest can be computed or compared.
    pub no_anchor_material: bool,
}

/// Users (and inetOrgPersons) are the only objects whose anchor can be ms-DS-ConsistencyGuid.
pub(super) fn is_user(o: &AdObject) -> bool {
    matches!(o.class, AdClass::User | AdClass::InetOrgPerson)
}

/// ms-DS-ConsistencyGuid when it is a 16-byte value different from objectGUID.
fn differing_cg(o: &AdObject) -> Option<&[u8]> {
    let cg = o.consistency_guid.as_deref().filter(|c| c.len() == 16)?;
    let g = o.object_guid?;
    (cg != g.to_ad_bytes()).then_some(cg)
}

/// The ImmutableId Azure AD Connect computes for `o` when the forest uses `attr`: Base64 of
/// [`expected_anchor_bytes`].
pub fn expected_anchor(o: &AdObject, attr: AnchorAttr) -> Option<String> {
    expected_anchor_bytes(o, attr).map(|b| encode_base64(b.as_bytes()))
}

/// The bytes an anchor is Base64 of (Base64 is one-to-one: two objects compute the same anchor
/// exactly when they have the same bytes, which compare and hash without encoding them).
pub enum AnchorBytes<'a> {
    /// ms-DS-ConsistencyGuid as held.
    Given(&'a [u8]),
    /// objectGUID in AD byte order.
    Guid([u8; 16]),
}

impl AnchorBytes<'_> {
    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            AnchorBytes::Given(b) => b,
            AnchorBytes::Guid(b) => b,
        }
    }
}

/// The anchor link of the graph ([`EstateGraph::anchored_cloud_objects`]) that holds the cloud
/// objects whose ImmutableId is [`expected_anchor`]: the graph links every AD object by Base64 of its
/// objectGUID ([`AnchorSource::ObjectGuid`]) and by Base64 of its ms-DS-ConsistencyGuid when that is a
/// different value ([`AnchorSource::ConsistencyGuid`]), and the expected anchor is one of the two, so
/// its hits are read from the links instead of looked up again. `None` when there is no expected
/// anchor.
pub fn expected_anchor_source(o: &AdObject, attr: AnchorAttr) -> Option<AnchorSource> {
    Some(match expected_anchor_bytes(o, attr)? {
        AnchorBytes::Given(cg) if o.object_guid.is_none_or(|g| g.to_ad_bytes() != cg) => AnchorSource::ConsistencyGuid,
        _ => AnchorSource::ObjectGuid,
    })
}

/// The bytes of the anchor [`expected_anchor`] gives.
pub fn expected_anchor_bytes(o: &AdObject, attr: AnchorAttr) -> Option<AnchorBytes<'_>> {
    if attr == AnchorAttr::ConsistencyGuid
        && is_user(o)
        && let Some(cg) = o.consistency_guid.as_deref().filter(|c| !c.is_empty())
    {
        return Some(AnchorBytes::Given(cg));
    }
    // objectGUID, or an empty ms-DS-ConsistencyGuid that Connect fills with objectGUID.
    o.object_guid.map(|g| AnchorBytes::Guid(g.to_ad_bytes()))
}

/// Decides the anchor attribute of every forest: the manifest's `anchor`, else from the population of
/// its users hard-linked to **synced** cloud objects (anchors copied onto cloud-only objects are not
/// sync). When ms-DS-ConsistencyGuid is the source anchor, Azure AD Connect writes it back on every user
/// it synchronises, so:
///
/// - most synced users have none → objectGUID, whatever a few migrated users show (a user whose twin
///   holds Base64(ms-DS-ConsistencyGuid ≠ objectGUID) will then not be matched: AN008);
/// - most carry one, and for most of those it equals objectGUID (what Connect writes back) →
///   ms-DS-ConsistencyGuid (a migrated user whose twin holds a carried-over value is then right);
/// - otherwise (half carry one, or most values differ from objectGUID: a migrated population) → the
///   users whose two values differ decide, by what their twins hold; a tie keeps the majority above.
///
/// The counts behind the decision are kept for AN010's evidence.
pub fn anchor_decisions(estate: &Estate, graph: &EstateGraph) -> Vec<AnchorDecision> {
    #[derive(Default, Clone, Copy)]
    struct Votes {
        linked: usize,
        with_cg: usize,
        cg_equal: usize,
        twin_guid: usize,
        twin_cg: usize,
    }
    let per_object: Vec<Option<(u32, Votes)>> = estate
        .ad_objects
        .par_iter()
        .enumerate()
        .map(|(i, o)| {
            if !is_user(o) {
                return None;
            }
            let links: Vec<AnchorSource> = graph
                .anchored_cloud_objects(i as u32)
                .filter(|(c, _)| estate.cloud_objects[*c as usize].on_prem_sync_enabled == Some(true))
                .map(|(_, s)| s)
                .collect();
            if links.is_empty() {
                return None;
            }
            let mut v = Votes { linked: 1, ..Default::default() };
            if o.consistency_guid.as_deref().is_some_and(|c| c.len() == 16) {
                v.with_cg = 1;
                if differing_cg(o).is_some() {
                    v.twin_guid = usize::from(links.contains(&AnchorSource::ObjectGuid));
                    v.twin_cg = usize::from(links.contains(&AnchorSource::ConsistencyGuid));
                } else {
                    v.cg_equal = 1;
                }
            }
            Some((o.forest, v))
        })
        .collect();
    let mut votes = vec![Votes::default(); estate.forests.len()];
    for (f, v) in per_object.into_iter().flatten() {
        if let Some(t) = votes.get_mut(f as usize) {
            t.linked += v.linked;
            t.with_cg += v.with_cg;
            t.cg_equal += v.cg_equal;
            t.twin_guid += v.twin_guid;
            t.twin_cg += v.twin_cg;
        }
    }
    // Per forest: users, and users with anchor material.
    let (mut users, mut material) = (vec![0usize; estate.forests.len()], vec![0usize; estate.forests.len()]);
    for o in estate.ad_objects.iter().filter(|o| is_user(o)) {
        if let Some(n) = users.get_mut(o.forest as usize) {
            *n += 1;
            material[o.forest as usize] += usize::from(o.has_anchor_material());
        }
    }
    estate
        .forests
        .iter()
        .zip(votes)
        .enumerate()
        .map(|(fi, (f, v))| {
            let declared = f.anchor_attribute.as_deref().and_then(|a| {
                let a = a.to_ascii_lowercase().replace(['-', '_'], "");
                if a == "objectguid" {
                    Some(AnchorAttr::ObjectGuid)
                } else if a.contains("consistencyguid") {
                    Some(AnchorAttr::ConsistencyGuid)
                } else {
                    None
                }
            });
            let Votes { linked, with_cg, cg_equal, twin_guid: g, twin_cg: c } = v;
            let counts = format!(
                "{with_cg} of {linked} synced linked user(s) carry an ms-DS-ConsistencyGuid ({cg_equal} equal to \
                 objectGUID, {} different: {c} of those twins hold Base64(ms-DS-ConsistencyGuid), {g} \
                 Base64(objectGUID))",
                with_cg - cg_equal
            );
            let (attr, how) = if let Some(a) = declared {
                (a, format!("declared in the manifest (anchor = \"{}\"); {counts}", a.as_str()))
            } else if linked == 0 && material[fi] == 0 && users[fi] > 0 {
                (
                    AnchorAttr::ObjectGuid,
                    "not decidable: none of the forest's users was exported with objectGUID or ms-DS-ConsistencyGuid \
                     (a SharpHound collection links by SID only), so the anchor rules cannot judge this forest \
                     (report.json coverage[]); objectGUID is assumed for the sync preview"
                        .to_string(),
                )
            } else if linked == 0 {
                (
                    AnchorAttr::ObjectGuid,
                    "assumed: no user of the forest is linked to a synced cloud object; objectGUID (the DirSync and \
                     express-settings default) is assumed"
                        .to_string(),
                )
            } else if with_cg * 2 < linked {
                (
                    AnchorAttr::ObjectGuid,
                    format!(
                        "detected from the population: {counts}; with ms-DS-ConsistencyGuid as source anchor Azure AD \
                         Connect would have written it on every synced user, so objectGUID is in use"
                    ),
                )
            } else if with_cg * 2 > linked && cg_equal * 2 > with_cg {
                (
                    AnchorAttr::ConsistencyGuid,
                    format!(
                        "detected from the population: {counts}; Azure AD Connect writes ms-DS-ConsistencyGuid \
                         (= objectGUID) back on every user it syncs when it is the source anchor"
                    ),
                )
            } else if c != g {
                let a = if c > g { AnchorAttr::ConsistencyGuid } else { AnchorAttr::ObjectGuid };
                (
                    a,
                    format!(
                        "detected from the users whose two values differ ({counts}): the majority of their twins hold \
                         Base64({})",
                        a.as_str()
                    ),
                )
            } else {
                let a = if with_cg * 2 > linked { AnchorAttr::ConsistencyGuid } else { AnchorAttr::ObjectGuid };
                (a, format!("undecided by the data ({counts}); {} assumed", a.as_str()))
            };
            AnchorDecision {
                attr,
                declared: declared.is_some(),
                how,
                votes_object_guid: g,
                votes_consistency_guid: c,
                linked_users: linked,
                users_with_consistency_guid: with_cg,
                no_anchor_material: material[fi] == 0 && users[fi] > 0,
            }
        })
        .collect()
}
