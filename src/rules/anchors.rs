//! Family `anchors` (AN…): the sync anchor (sourceAnchor / ImmutableId) of every cloud object and
//! its AD twin — anchors derived from mutable values or badly encoded (category `mutable-anchors`),
//! and orphaned, duplicated or inconsistent anchors (category `anchor-integrity`).
//! Facts: identity-facts.md §1 (anchor rules, byte order, shapes) and §2 (matching).
//!
//! Shared with the `sync` family: the anchor attribute in use per forest ([`anchor_decisions`]) and the
//! value Azure AD Connect computes for an AD object ([`expected_anchor`]). The tenants each object
//! feeds come from [`super::targets`].

use super::{Context, ad_subject, cloud_subject, evidence, finding};
use crate::findings::{Finding, Severity, Subject};
use crate::graph::{AnchorSource, Edge, EstateGraph, Node};
use crate::hash::FastMap as HashMap;
use crate::model::anchor::{decode_base64, encode_base64};
use crate::model::{AdClass, AdObject, CloudObject, Estate, Guid};
use petgraph::Direction;
use petgraph::visit::EdgeRef;
use rayon::prelude::*;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

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
    fn other(self) -> Self {
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
}

/// Users (and inetOrgPersons) are the only objects whose anchor can be ms-DS-ConsistencyGuid.
fn is_user(o: &AdObject) -> bool {
    matches!(o.class, AdClass::User | AdClass::InetOrgPerson)
}

/// ms-DS-ConsistencyGuid when it is a 16-byte value different from objectGUID.
fn differing_cg(o: &AdObject) -> Option<&[u8]> {
    let cg = o.consistency_guid.as_deref().filter(|c| c.len() == 16)?;
    let g = o.object_guid?;
    (cg != g.to_ad_bytes()).then_some(cg)
}

/// The ImmutableId Azure AD Connect computes for `o` when the forest uses `attr`.
pub fn expected_anchor(o: &AdObject, attr: AnchorAttr) -> Option<String> {
    if attr == AnchorAttr::ConsistencyGuid
        && is_user(o)
        && let Some(cg) = o.consistency_guid.as_deref().filter(|c| !c.is_empty())
    {
        return Some(encode_base64(cg));
    }
    // objectGUID, or an empty ms-DS-ConsistencyGuid that Connect fills with objectGUID.
    o.object_guid.map(|g| g.immutable_id())
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
    estate
        .forests
        .iter()
        .zip(votes)
        .map(|(f, v)| {
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
            }
        })
        .collect()
}

/// What an ImmutableId is made of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Base64 of 16 bytes that are not text: a GUID-derived anchor.
    GuidBytes([u8; 16]),
    /// The GUID's text stored as is (36 characters).
    GuidText(Guid),
    /// Base64 of the GUID's text (48 characters).
    Base64GuidText(Guid),
    /// Base64 of printable text (a UPN, mail, number, name).
    Base64Text(String),
    /// Not Base64: the text itself (a name, a number, an address).
    PlainText(String),
    /// Contains the UTF-8 replacement character `EF BF BD`: binary bytes decoded as text and re-encoded.
    Mangled(Vec<u8>),
    /// Base64 of binary bytes that are not 16 long (a custom binary anchor; not judged).
    OtherBinary(usize),
}

impl Shape {
    /// Short name for evidence.
    pub fn name(&self) -> &'static str {
        match self {
            Self::GuidBytes(_) => "guid-bytes",
            Self::GuidText(_) => "guid-text",
            Self::Base64GuidText(_) => "base64-of-guid-text",
            Self::Base64Text(_) => "base64-of-text",
            Self::PlainText(_) => "plain-text",
            Self::Mangled(_) => "utf8-mangled-bytes",
            Self::OtherBinary(_) => "other-binary",
        }
    }
}

/// Printable text a person would type (names, addresses, numbers) — what a Base64-encoded mutable
/// value decodes to. 16 random GUID bytes are all in this set with probability below 1e-9.
fn is_name_text(bytes: &[u8]) -> bool {
    !bytes.is_empty()
        && bytes.iter().all(|b| b.is_ascii_alphanumeric() || b" .@_-'+#!~^&".contains(b))
        && bytes.iter().any(u8::is_ascii_alphanumeric)
}

fn is_printable_utf8(bytes: &[u8]) -> Option<String> {
    let s = std::str::from_utf8(bytes).ok()?;
    (!s.is_empty() && !s.chars().any(char::is_control)).then(|| s.to_string())
}

/// Classifies an ImmutableId by content (never by length alone: Base64 of a 16-character UPN also
/// decodes to 16 bytes).
pub fn classify(immutable_id: &str) -> Shape {
    let s = immutable_id.trim();
    if s.contains('\u{FFFD}') {
        return Shape::Mangled(s.as_bytes().to_vec());
    }
    if let Some(g) = Guid::parse(s) {
        return Shape::GuidText(g);
    }
    if let Some(bytes) = decode_base64(s).filter(|b| !b.is_empty()) {
        if bytes.windows(3).any(|w| w == [0xEF, 0xBF, 0xBD]) {
            return Shape::Mangled(bytes);
        }
        if bytes.len() == 16 {
            if is_name_text(&bytes) {
                return Shape::Base64Text(String::from_utf8_lossy(&bytes).into_owned());
            }
            let mut a = [0u8; 16];
            a.copy_from_slice(&bytes);
            return Shape::GuidBytes(a);
        }
        if let Some(text) = is_printable_utf8(&bytes) {
            if let Some(g) = Guid::parse(&text) {
                return Shape::Base64GuidText(g);
            }
            return Shape::Base64Text(text);
        }
        // A word whose length happens to be a multiple of 4 also "decodes"; without Base64
        // punctuation and padding it is far more likely a name than a custom binary anchor.
        if !s.contains(['+', '/', '=']) && is_name_text(s.as_bytes()) {
            return Shape::PlainText(s.to_string());
        }
        return Shape::OtherBinary(bytes.len());
    }
    Shape::PlainText(s.to_string())
}

/// Which attribute a text anchor most likely came from.
#[derive(Clone, Debug)]
struct SourceGuess {
    attribute: String,
    /// The AD object whose attribute equals the text (index), if any.
    ad: Option<u32>,
    /// How sure: `equals the AD object's <attr>`, `equals the cloud object's <attr>`, `shape`.
    basis: &'static str,
}

fn guess_source(text: &str, ads: &[u32], estate: &Estate, c: &CloudObject) -> SourceGuess {
    let t = text.trim();
    let eq = |v: Option<&str>| v.is_some_and(|v| !v.is_empty() && v.eq_ignore_ascii_case(t));
    for &i in ads {
        let o = &estate.ad_objects[i as usize];
        let attrs: [(&str, Option<String>); 9] = [
            ("userPrincipalName", o.upn.as_deref().map(String::from)),
            ("mail", o.mail.as_deref().map(String::from)),
            ("proxyAddresses (primary SMTP)", o.primary_smtp().map(str::to_string)),
            ("employeeID", o.employee_id.as_deref().map(String::from)),
            ("sAMAccountName", o.sam_account_name.as_deref().map(String::from)),
            ("mailNickname", o.mail_nickname.as_deref().map(String::from)),
            ("objectGUID (text)", o.object_guid.map(|g| g.to_string())),
            ("cn", o.cn.as_deref().map(String::from)),
            ("displayName", o.display_name.as_deref().map(String::from)),
        ];
        if let Some((a, _)) = attrs.iter().find(|(_, v)| eq(v.as_deref())) {
            return SourceGuess { attribute: a.to_string(), ad: Some(i), basis: "equals the AD object's value" };
        }
    }
    let cattrs: [(&str, Option<&str>); 5] = [
        ("userPrincipalName", c.upn.as_deref()),
        ("mail", c.mail.as_deref()),
        ("onPremisesUserPrincipalName", c.on_prem_upn.as_deref()),
        ("onPremisesSamAccountName (sAMAccountName)", c.on_prem_sam_account_name.as_deref()),
        ("mailNickname", c.mail_nickname.as_deref()),
    ];
    if let Some((a, _)) = cattrs.iter().find(|(_, v)| eq(*v)) {
        return SourceGuess { attribute: a.to_string(), ad: None, basis: "equals the cloud object's value" };
    }
    let attribute = if t.contains('@') {
        "userPrincipalName or mail (the value is an address)"
    } else if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        "employeeID or another number"
    } else if Guid::parse(t).is_some() {
        "objectGUID (text)"
    } else {
        "a name attribute (sAMAccountName, cn, displayName or similar)"
    };
    SourceGuess { attribute: attribute.to_string(), ad: None, basis: "the shape of the value" }
}

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

fn s(v: impl Into<String>) -> Value {
    Value::String(v.into())
}

/// The family entry point.
pub fn run(ctx: &Context<'_>) -> Vec<Finding> {
    let p = Prep::new(ctx);
    let mut out: Vec<Finding> =
        (0..p.estate.cloud_objects.len() as u32).into_par_iter().flat_map_iter(|c| per_cloud_object(&p, c)).collect();
    out.iter_mut().for_each(apply_case);
    out.extend(duplicate_anchors(&p));
    out.extend(
        (0..p.estate.ad_objects.len() as u32)
            .into_par_iter()
            .flat_map_iter(|a| consistency_guid(&p, a))
            .collect::<Vec<_>>(),
    );
    out.extend(collisions(&p));
    out.extend(undeclared(&p));
    out.extend(sid_disagrees(&p));
    out
}

/// Commands that set the computed anchor on the cloud object (Microsoft Graph PowerShell; Graph
/// permission User.ReadWrite.All).
fn set_anchor_commands(c: &CloudObject, value: &str) -> Value {
    let id = c.id.clone().or_else(|| c.upn.clone()).unwrap_or_else(|| "<object id>".into());
    json!([format!("Update-MgUser -UserId {id} -OnPremisesImmutableId '{value}'")])
}

/// The case of an anchor repair: `synced` when the cloud twin is synchronised (Entra refuses a new
/// ImmutableId on it: re-anchoring procedure), else `cloud-managed` (set it directly).
pub fn twin_case(c: &CloudObject) -> &'static str {
    if c.on_prem_sync_enabled == Some(true) { "synced" } else { "cloud-managed" }
}

/// The documented re-anchoring procedure of a synchronised cloud user, in order, with its outage.
fn reanchor_steps(c: &CloudObject, ad: Option<&AdObject>, value: &str) -> Vec<String> {
    let id = c.id.clone().or_else(|| c.upn.clone()).unwrap_or_else(|| "<object id>".into());
    let ad = ad
        .map(|o| o.dn.as_deref().map(String::from).unwrap_or_else(|| o.label()))
        .unwrap_or_else(|| "the AD object".into());
    vec![
        "1. Prepare: record the user's licences, group memberships and roles; schedule the outage (from step 2 to \
         step 5 the user cannot sign in and mail and Teams are interrupted); keep the hard-match takeover block off \
         for this window (SY005)."
            .to_string(),
        format!(
            "2. Take {ad} out of sync scope (move it to an OU that is not synchronised, or filter it) and run a delta \
             sync (Start-ADSyncSyncCycle -PolicyType Delta): the cloud user is soft-deleted, not lost."
        ),
        format!(
            "3. Restore the cloud user from deleted users: Restore-MgDirectoryDeletedItem -DirectoryObjectId {id} \
             (Graph permission User.DeleteRestore.All); it comes back cloud-managed with its mailbox and licences. A user \
             whose UPN is in a federated domain must first get an onmicrosoft.com UPN."
        ),
        format!(
            "4. Set the anchor: Update-MgUser -UserId {id} -OnPremisesImmutableId '{value}' (Graph permission \
             User.ReadWrite.All)."
        ),
        format!(
            "5. Bring {ad} back into sync scope and run a delta sync: it hard-matches the restored user. Check sign-in, \
             mailbox and licences, then turn the takeover block back on."
        ),
    ]
}

/// Evidence of an anchor repair: the command, the case (`twin_state`), and for a synchronised twin the
/// ordered re-anchoring procedure (`steps`) with its outage.
fn set_anchor_evidence(ev: &mut BTreeMap<String, Value>, c: &CloudObject, ad: Option<&AdObject>, value: &str) {
    let case = twin_case(c);
    ev.insert("twin_state".into(), s(case));
    ev.insert("commands".into(), set_anchor_commands(c, value));
    if case == "synced" {
        ev.insert("steps".into(), json!(reanchor_steps(c, ad, value)));
        ev.insert(
            "outage".into(),
            s("from the removal from sync scope to the hard match: no sign-in, mail and Teams interrupted"),
        );
    } else {
        ev.insert(
            "note".into(),
            s("the cloud user is cloud-managed: the command applies directly; the AD object then hard-matches at \
               the next sync unless hard-match takeover is blocked"),
        );
    }
}

/// Sets the remediation of an AN001–AN004 finding to the text of its case (`twin_state`).
fn apply_case(f: &mut Finding) {
    let Some(case) = f.evidence.get("twin_state").and_then(Value::as_str) else { return };
    if let Some(text) = super::catalog::get(&f.rule).and_then(|m| m.remediation_cases.get(case)) {
        f.remediation = text.trim().to_string();
    }
}

fn per_cloud_object(p: &Prep<'_>, ci: u32) -> Vec<Finding> {
    let estate = p.estate;
    let c = &estate.cloud_objects[ci as usize];
    let Some(id) = c.immutable_id.as_deref().filter(|v| !v.trim().is_empty()) else { return Vec::new() };
    let shape = classify(id);
    let (hard, soft) = p.ad_twins(ci);
    let mut out = Vec::new();
    let csub = cloud_subject(estate, c);
    let tenant = &estate.tenants[c.tenant as usize].name;
    // The AD objects the cloud object most likely belongs to.
    let mut ads: Vec<u32> = hard.iter().chain(soft.iter()).copied().collect();
    match &shape {
        Shape::GuidText(g) | Shape::Base64GuidText(g) => {
            if let Some(&a) = p.ad_by_guid.get(g) {
                ads.retain(|&x| x != a);
                ads.insert(0, a);
            }
        }
        _ => {}
    }
    let twin = ads.first().copied();
    let expected = twin.and_then(|a| expected_anchor(&estate.ad_objects[a as usize], p.attr_of(a)));
    let subjects = |primary: Subject, twin: Option<u32>| {
        let mut v = vec![primary];
        if let Some(a) = twin {
            v.push(ad_subject(&estate.ad_objects[a as usize]));
        }
        v
    };
    let add_expected = |ev: &mut BTreeMap<String, Value>, a: Option<u32>| {
        if let (Some(a), Some(x)) = (a, expected.as_deref()) {
            let d = p.decision_of(a);
            ev.insert("expected_immutable_id".into(), s(x));
            ev.insert("proposed_value".into(), s(x));
            ev.insert("anchor_attribute".into(), s(p.attr_of(a).as_str()));
            if let Some(d) = d {
                ev.insert("anchor_attribute_decided_by".into(), s(d.how.clone()));
            }
            set_anchor_evidence(ev, c, Some(&estate.ad_objects[a as usize]), x);
        }
    };
    match &shape {
        Shape::Base64Text(text) | Shape::PlainText(text) => {
            let guess = guess_source(text, &ads, estate, c);
            let twin = guess.ad.or(twin);
            let encoded = matches!(shape, Shape::Base64Text(_));
            let kind = if text.contains('@') {
                "an address"
            } else if text.bytes().all(|b| b.is_ascii_digit()) {
                "a number"
            } else {
                "a name"
            };
            let title = if encoded {
                format!(
                    "{}: ImmutableId `{id}` is Base64 of {kind} (`{text}`; likely source: {}), not a GUID-derived anchor",
                    c.label(),
                    guess.attribute
                )
            } else {
                format!(
                    "{}: ImmutableId `{id}` is {kind} in plain text (likely source: {}), not a GUID-derived anchor",
                    c.label(),
                    guess.attribute
                )
            };
            let mut ev = evidence([
                ("immutable_id", s(id)),
                ("shape", s(shape.name())),
                ("decoded_text", s(text.clone())),
                ("likely_source_attribute", s(guess.attribute.clone())),
                ("source_attribute_basis", s(guess.basis)),
                ("tenant", s(tenant.clone())),
            ]);
            add_expected(&mut ev, twin);
            let mut f = finding(MUTABLE, title, subjects(csub, twin), ev, id);
            f.severity = if text.contains('@') {
                Severity::High
            } else if text.bytes().all(|b| b.is_ascii_digit()) {
                Severity::Medium
            } else {
                f.severity
            };
            out.push(f);
        }
        Shape::GuidText(g) | Shape::Base64GuidText(g) => {
            let text = matches!(shape, Shape::GuidText(_));
            let title = format!(
                "{}: ImmutableId `{id}` is {} the GUID {g} ({} characters) instead of Base64 of its 16 bytes",
                c.label(),
                if text { "the text of" } else { "Base64 of the text of" },
                id.trim().len()
            );
            let mut ev = evidence([
                ("immutable_id", s(id)),
                ("shape", s(shape.name())),
                ("guid", s(g.to_string())),
                ("guid_as_anchor", s(g.immutable_id())),
                ("tenant", s(tenant.clone())),
            ]);
            if let Some(a) = twin
                && estate.ad_objects[a as usize].object_guid == Some(*g)
            {
                ev.insert("guid_is_objectguid_of".into(), s(estate.ad_objects[a as usize].label()));
            }
            add_expected(&mut ev, twin);
            out.push(finding(GUID_TEXT, title, subjects(csub, twin), ev, id));
        }
        Shape::Mangled(bytes) => {
            let title = format!(
                "{}: ImmutableId `{id}` decodes to {} bytes containing EF BF BD (U+FFFD): binary anchor bytes were \
                 decoded as UTF-8 text and re-encoded",
                c.label(),
                bytes.len()
            );
            let mut ev = evidence([
                ("immutable_id", s(id)),
                ("shape", s(shape.name())),
                ("decoded_length", json!(bytes.len())),
                ("decoded_hex", s(bytes.iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(" "))),
                ("tenant", s(tenant.clone())),
            ]);
            add_expected(&mut ev, twin);
            out.push(finding(MANGLED, title, subjects(csub, twin), ev, id));
        }
        Shape::GuidBytes(bytes) if hard.is_empty() => {
            if let Some(f) = byte_order(p, c, id, bytes, &soft) {
                out.push(f);
            } else if let Some(f) = orphaned(p, c, id) {
                out.push(f);
            }
        }
        Shape::GuidBytes(_) | Shape::OtherBinary(_) => {}
    }
    out
}

/// The byte-order bug: the stored bytes are the big-endian (RFC 4122) layout of an AD object's anchor GUID.
fn byte_order(p: &Prep<'_>, c: &CloudObject, id: &str, bytes: &[u8; 16], soft: &[u32]) -> Option<Finding> {
    let estate = p.estate;
    let as_big_endian = Guid(uuid::Uuid::from_bytes(*bytes));
    let wrong_bytes_of = |g: &[u8; 16]| -> [u8; 16] {
        // The big-endian layout of the GUID whose AD bytes are `g`.
        Guid::from_ad_bytes(g).map(|x| *x.0.as_bytes()).unwrap_or(*g)
    };
    let mut hit: Option<(u32, &'static str)> = None;
    if let Some(&a) = p.ad_by_guid.get(&as_big_endian) {
        hit = Some((a, "objectGUID"));
    }
    if hit.is_none() {
        for &a in soft {
            let o = &estate.ad_objects[a as usize];
            if let Some(cg) = o.consistency_guid.as_deref().filter(|c| c.len() == 16) {
                let mut g = [0u8; 16];
                g.copy_from_slice(cg);
                if wrong_bytes_of(&g) == *bytes {
                    hit = Some((a, "ms-DS-ConsistencyGuid"));
                    break;
                }
            }
        }
    }
    let (a, attr) = hit?;
    let o = &estate.ad_objects[a as usize];
    let right = expected_anchor(o, p.attr_of(a))?;
    if right == id.trim() {
        return None;
    }
    let title = format!(
        "{}: ImmutableId `{id}` is the big-endian byte order of {}'s {attr}; Azure AD Connect computes `{right}` \
         (same last 12 characters)",
        c.label(),
        o.label()
    );
    let mut ev = evidence([
        ("immutable_id", s(id)),
        ("shape", s("guid-bytes-big-endian")),
        ("expected_immutable_id", s(right.clone())),
        ("proposed_value", s(right.clone())),
        ("same_last_12_characters", json!(right.len() >= 12 && id.trim().ends_with(&right[right.len() - 12..]))),
        ("anchor_attribute", s(p.attr_of(a).as_str())),
        ("tenant", s(estate.tenants[c.tenant as usize].name.clone())),
    ]);
    if let Some(d) = p.decision_of(a) {
        ev.insert("anchor_attribute_decided_by".into(), s(d.how.clone()));
    }
    set_anchor_evidence(&mut ev, c, Some(o), &right);
    Some(finding(BYTE_ORDER, title, vec![cloud_subject(estate, c), ad_subject(o)], ev, id))
}

/// A synced cloud object whose GUID-shaped anchor matches no AD object of the forests that feed its tenant.
fn orphaned(p: &Prep<'_>, c: &CloudObject, id: &str) -> Option<Finding> {
    let estate = p.estate;
    if c.on_prem_sync_enabled != Some(true) || estate.forests.is_empty() {
        return None;
    }
    // Synced from a forest that is not in the export: one coverage finding per tenant (IN011), not an orphan.
    if p.targets.unexported_source(c).is_some() {
        return None;
    }
    let (forests, declared) = p.forests_for_tenant(c.tenant);
    if forests.is_empty() {
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
        let (holds, deletion) = super::duplicates::cloud_holdings(estate, ci as u32);
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
fn duplicate_anchors(p: &Prep<'_>) -> Vec<Finding> {
    let estate = p.estate;
    let mut groups: Vec<(&String, &Vec<u32>)> =
        p.graph.indexes.cloud_by_anchor.iter().filter(|(_, v)| v.len() > 1).collect();
    groups.sort_by(|a, b| a.0.cmp(b.0));
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
            g.anchors.push(anchor.clone());
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
            tenants.iter().map(|&t| super::tenancy::tenant_key(estate, t)).collect::<Vec<_>>().join(",")
        )
    };
    let mut f = finding(IN_TWO_TENANTS, title, subjects, ev, disc);
    f.severity = severity;
    f
}

fn object_facts(estate: &Estate, c: u32) -> Value {
    let o = &estate.cloud_objects[c as usize];
    json!({
        "tenant": estate.tenants[o.tenant as usize].name,
        "object": o.label(),
        "userPrincipalName": o.upn,
        "id": o.id,
        "onPremisesSyncEnabled": o.on_prem_sync_enabled,
    })
}

/// ms-DS-ConsistencyGuid different from objectGUID: which value the tenant holds, and whether that is
/// what the anchor attribute in use computes.
fn consistency_guid(p: &Prep<'_>, a: u32) -> Option<Finding> {
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
        let mut f = super::finding_case(CG_DIFFERS, "length", title, vec![ad_subject(o)], ev, "length");
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
    let mut f = super::finding_case(CG_DIFFERS, disc, title, subjects, ev, disc);
    f.severity = severity;
    Some(f)
}

/// Two AD objects that compute the same anchor under the attribute in use (a collision today) or under
/// the other attribute (a collision after a switch), and a switched anchor already held by another
/// cloud object of a target tenant.
fn collisions(p: &Prep<'_>) -> Vec<Finding> {
    let estate = p.estate;
    // (anchor value, switched?) -> AD objects sharing it, found by sorted hashes (a map keyed by
    // every object's anchor held two million strings at a million users).
    use crate::hash::{hash_one, shared_groups};
    let value_of = |i: u32, switched: bool| {
        let (o, attr) = (&estate.ad_objects[i as usize], p.attr_of(i));
        if switched { is_user(o).then(|| expected_anchor(o, attr.other())).flatten() } else { expected_anchor(o, attr) }
    };
    let keys = |switched: bool| -> Vec<(u64, u32)> {
        (0..estate.ad_objects.len() as u32)
            .into_par_iter()
            .filter_map(|i| value_of(i, switched).map(|v| (hash_one(&v), i)))
            .collect()
    };
    let mut groups: Vec<((String, bool), Vec<u32>)> = Vec::new();
    for switched in [false, true] {
        let found = shared_groups(keys(switched), |i, h| value_of(i, switched).filter(|v| hash_one(v) == h));
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
fn undeclared(p: &Prep<'_>) -> Vec<Finding> {
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
fn sid_disagrees(p: &Prep<'_>) -> Vec<Finding> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::EstateGraph;
    use crate::ingest::Ingested;
    use crate::model::*;
    use crate::rules::RuleOptions;

    const ANN: &str = "35918bc9-196d-40ea-9779-889d79b753f0";
    const BOB: &str = "0b8e4c2a-7d19-4f36-a5e0-3c6f1d2b9a47";

    #[test]
    fn classifies_every_anchor_shape_from_known_guids() {
        let g = Guid::parse(ANN).unwrap();
        assert_eq!(classify("yYuRNW0Z6kCXeYidebdT8A=="), Shape::GuidBytes(g.to_ad_bytes()));
        // Big-endian encoding is still 16 GUID bytes: only the AD twin can tell it is wrong.
        assert!(matches!(classify("NZGLyRltQOqXeYidebdT8A=="), Shape::GuidBytes(_)));
        assert_eq!(classify(ANN), Shape::GuidText(g));
        assert_eq!(classify(&ANN.to_uppercase()), Shape::GuidText(g));
        let b64_text = encode_base64(ANN.as_bytes());
        assert_eq!(b64_text.len(), 48);
        assert_eq!(classify(&b64_text), Shape::Base64GuidText(g));
        // Base64 of a 16-character UPN decodes to 16 bytes: classified by content.
        assert_eq!(classify("amRvZUBjb250b3NvLmNvbQ=="), Shape::Base64Text("jdoe@contoso.com".into()));
        assert_eq!(classify("MTAwMjM0"), Shape::Base64Text("100234".into()));
        assert_eq!(classify("Annonpremuser"), Shape::PlainText("Annonpremuser".into()));
        assert_eq!(classify("jdoe"), Shape::PlainText("jdoe".into()), "a 4-letter name is not 3 binary bytes");
        assert_eq!(classify("100234"), Shape::PlainText("100234".into()));
        assert_eq!(classify("j.doe@contoso.com"), Shape::PlainText("j.doe@contoso.com".into()));
        match classify("77+9O++/vVEhb3hJ77+9alnvv71oKmlJ") {
            Shape::Mangled(b) => assert_eq!(b.len(), 24),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            classify(&encode_base64(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20])),
            Shape::OtherBinary(20)
        );
    }

    fn ctx_run(e: Estate, f: impl FnOnce(&[Finding])) {
        let g = EstateGraph::build(&e);
        let ing = Ingested { estate: e, ..Default::default() };
        let opts = RuleOptions::default();
        let ctx = Context::new(&opts, &ing, &g);
        let out = run(&ctx);
        f(&out);
    }

    fn ad(guid: &str, upn: &str) -> AdObject {
        AdObject {
            object_guid: Guid::parse(guid),
            upn: Some(upn.into()),
            display_name: Some(upn.split('@').next().unwrap().into()),
            proxy_addresses: vec![crate::model::Text::from(format!("SMTP:{upn}"))],
            ..Default::default()
        }
    }
    fn cloud(upn: &str, anchor: Option<&str>) -> CloudObject {
        CloudObject {
            id: Some(crate::model::Text::from(format!("id-{upn}"))),
            upn: Some(upn.into()),
            immutable_id: anchor.map(crate::model::Text::from),
            on_prem_sync_enabled: anchor.map(|_| true),
            sync_fields_exported: true,
            ..Default::default()
        }
    }
    fn estate() -> Estate {
        let mut e = Estate::default();
        e.forests.push(Forest {
            name: "corp.contoso.com".into(),
            complete: Some(true),
            syncs_to: vec![0],
            ..Default::default()
        });
        e.tenants.push(Tenant { id: Some("t0".into()), name: "Contoso".into(), ..Default::default() });
        e
    }
    fn codes(fs: &[Finding]) -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = fs.iter().map(|f| (f.rule.clone(), f.subjects[0].display.clone())).collect();
        v.sort();
        v
    }

    #[test]
    fn mutable_byte_order_text_and_orphan_findings() {
        let mut e = estate();
        e.ad_objects.push(ad(ANN, "ann@contoso.com"));
        e.ad_objects.push(ad("f7cc07d7-7c15-447d-876d-c01b0e5a9e38", "bob@contoso.com"));
        e.ad_objects.push(ad("897485c7-81a7-42eb-97c6-37ed73077b1f", "jdoe@contoso.com"));
        let mut emp = ad("c2919ea7-a90b-4726-beb8-ae78c5e61264", "emp@contoso.com");
        emp.employee_id = Some("100234".into());
        e.ad_objects.push(emp);
        e.cloud_objects.push(cloud("ann@contoso.com", Some("NZGLyRltQOqXeYidebdT8A=="))); // big-endian
        e.cloud_objects.push(cloud("bob@contoso.com", Some("f7cc07d7-7c15-447d-876d-c01b0e5a9e38"))); // text
        e.cloud_objects.push(cloud("jdoe@contoso.com", Some("amRvZUBjb250b3NvLmNvbQ=="))); // UPN
        e.cloud_objects.push(cloud("emp@contoso.com", Some("MTAwMjM0"))); // employeeID
        e.cloud_objects.push(cloud("gone@contoso.com", Some("x4V0iaeB60KXxjftcwd7Hw=="))); // hmm: jdoe's GUID
        e.cloud_objects.push(cloud("orphan@contoso.com", Some("ERERESIiMzNERFVVVVVVVQ=="))); // matches nobody
        ctx_run(e, |fs| {
            let c = codes(fs);
            assert!(c.contains(&("AN003".into(), "ann@contoso.com".into())), "{c:?}");
            assert!(c.contains(&("AN002".into(), "bob@contoso.com".into())), "{c:?}");
            assert!(c.contains(&("AN001".into(), "jdoe@contoso.com".into())), "{c:?}");
            assert!(c.contains(&("AN001".into(), "emp@contoso.com".into())), "{c:?}");
            assert!(c.contains(&("AN005".into(), "orphan@contoso.com".into())), "{c:?}");
            assert!(!c.iter().any(|(r, d)| r == "AN005" && d == "gone@contoso.com"), "hard-linked: {c:?}");
            assert!(!c.iter().any(|(r, d)| r == "AN005" && d == "ann@contoso.com"), "byte order is not orphan: {c:?}");
            let be = fs.iter().find(|f| f.rule == "AN003").unwrap();
            assert_eq!(be.evidence["proposed_value"], "yYuRNW0Z6kCXeYidebdT8A==");
            let emp = fs.iter().find(|f| f.rule == "AN001" && f.subjects[0].display == "emp@contoso.com").unwrap();
            assert_eq!(emp.evidence["likely_source_attribute"], "employeeID");
            let upn = fs.iter().find(|f| f.rule == "AN001" && f.subjects[0].display == "jdoe@contoso.com").unwrap();
            assert_eq!(upn.evidence["likely_source_attribute"], "userPrincipalName");
            assert_eq!(upn.severity, Severity::High);
            assert_eq!(upn.evidence["proposed_value"], "x4V0iaeB60KXxjftcwd7Hw==");
            let txt = fs.iter().find(|f| f.rule == "AN002").unwrap();
            assert_eq!(txt.evidence["proposed_value"], "1wfM9xV8fUSHbcAbDlqeOA==");
            // No manifest anchor: the forest gets an info finding saying how it was decided.
            assert!(c.iter().any(|(r, _)| r == "AN010"), "{c:?}");
        });
    }

    #[test]
    fn an_anchor_repair_tells_a_cloud_managed_twin_from_a_synced_one() {
        // Issue 25: a cloud-managed twin gets its ImmutableId set directly; a synced one needs the
        // re-anchoring procedure (out of scope, restore, set, back in scope), with its outage.
        let mut e = estate();
        e.ad_objects.push(ad(ANN, "ann@contoso.com"));
        e.ad_objects.push(ad("f7cc07d7-7c15-447d-876d-c01b0e5a9e38", "bob@contoso.com"));
        e.cloud_objects.push(cloud("ann@contoso.com", Some("NZGLyRltQOqXeYidebdT8A=="))); // synced, big-endian
        let mut bob = cloud("bob@contoso.com", Some("f7cc07d7-7c15-447d-876d-c01b0e5a9e38")); // GUID text
        bob.on_prem_sync_enabled = None; // cloud-managed
        e.cloud_objects.push(bob);
        ctx_run(e, |fs| {
            let synced = fs.iter().find(|f| f.rule == "AN003").unwrap();
            assert_eq!(synced.evidence["twin_state"], "synced");
            assert!(synced.remediation.starts_with("The cloud twin is synchronised"), "{}", synced.remediation);
            let steps: Vec<&str> =
                synced.evidence["steps"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
            let at = |n: &str| steps.iter().position(|s| s.contains(n)).unwrap_or_else(|| panic!("{n}: {steps:#?}"));
            assert!(at("out of sync scope") < at("Restore-MgDirectoryDeletedItem"));
            assert!(at("Restore-MgDirectoryDeletedItem") < at("-OnPremisesImmutableId 'yYuRNW0Z6kCXeYidebdT8A=='"));
            assert!(at("-OnPremisesImmutableId") < at("back into sync scope"));
            assert!(synced.evidence["outage"].as_str().unwrap().contains("no sign-in"));
            let cloud_managed = fs.iter().find(|f| f.rule == "AN002").unwrap();
            assert_eq!(cloud_managed.evidence["twin_state"], "cloud-managed");
            assert!(!cloud_managed.evidence.contains_key("steps"));
            assert!(cloud_managed.remediation.starts_with("The cloud twin is cloud-managed"));
            assert_eq!(
                cloud_managed.evidence["commands"],
                json!(["Update-MgUser -UserId id-bob@contoso.com -OnPremisesImmutableId '1wfM9xV8fUSHbcAbDlqeOA=='"])
            );
        });
    }

    #[test]
    fn orphan_is_weaker_when_completeness_is_unknown_and_skipped_when_not_synced() {
        let mut e = estate();
        e.forests[0].complete = None;
        e.ad_objects.push(ad(ANN, "ann@contoso.com"));
        e.cloud_objects.push(cloud("orphan@contoso.com", Some("1wfM9xV8fUSHbcAbDlqeOA==")));
        let mut was = cloud("was@contoso.com", Some("x4V0iaeB60KXxjftcwd7Hw=="));
        was.on_prem_sync_enabled = Some(false);
        e.cloud_objects.push(was);
        ctx_run(e, |fs| {
            let o: Vec<&Finding> = fs.iter().filter(|f| f.rule == "AN005").collect();
            assert_eq!(o.len(), 1);
            assert_eq!(o[0].severity, Severity::Low);
            assert!(o[0].title.contains("possibly orphaned"));
        });
    }

    #[test]
    fn orphan_needs_a_forest_that_may_feed_the_tenant() {
        let mut e = estate();
        e.tenants.push(Tenant { id: Some("t1".into()), name: "Other".into(), ..Default::default() });
        e.ad_objects.push(ad(ANN, "ann@contoso.com"));
        let mut o = cloud("x@other.example", Some("ERERESIiMzNERFVVVVVVVQ=="));
        o.tenant = 1;
        e.cloud_objects.push(o);
        // The only forest declares it feeds Contoso: nothing is known about "Other".
        ctx_run(e.clone(), |fs| assert!(fs.iter().all(|f| f.rule != "AN005"), "{:?}", codes(fs)));
        // A forest without syncs_to and without any synced twin in "Other" does not feed it: the
        // unmatched object is a coverage gap (IN011, family input), not an orphan.
        e.forests[0].syncs_to.clear();
        ctx_run(e.clone(), |fs| assert!(fs.iter().all(|f| f.rule != "AN005"), "{:?}", codes(fs)));
        // Once the forest's synced objects show it feeds "Other": reported, but never as definite.
        let mut bob = cloud("bob@other.example", Some(&Guid::parse(BOB).unwrap().immutable_id()));
        bob.tenant = 1;
        e.ad_objects.push(ad(BOB, "bob@other.example"));
        e.cloud_objects.push(bob);
        ctx_run(e, |fs| {
            let f = fs.iter().find(|f| f.rule == "AN005").unwrap();
            assert_eq!(f.severity, Severity::Low);
            assert_eq!(
                f.evidence["conclusion"],
                "weaker: no forest is declared to feed this tenant (estate.toml syncs_to)"
            );
        });
    }

    #[test]
    fn multi_tenant_sync_is_left_to_sy007_but_a_stray_twin_is_reported() {
        let mut e = estate();
        e.forests[0].syncs_to.clear();
        e.tenants.push(Tenant { id: Some("t1".into()), name: "Second".into(), ..Default::default() });
        for k in 0..12u128 {
            let g = Guid(uuid::Uuid::from_u128(0x7000_0000_0000_4000_8000_0000_0000_0000 + k));
            let upn = format!("u{k}@contoso.com");
            e.ad_objects.push(ad(&g.to_string(), &upn));
            e.cloud_objects.push(cloud(&upn, Some(&g.immutable_id())));
            // Every user also synced into "Second" (two Connect servers): a second target, not strays.
            let mut twin = cloud(&format!("u{k}@second.example"), Some(&g.immutable_id()));
            twin.tenant = 1;
            e.cloud_objects.push(twin);
        }
        ctx_run(e.clone(), |fs| assert!(fs.iter().all(|f| f.rule != "AN007"), "{:?}", codes(fs)));
        // Only one of them synced into "Second": a stray twin, one AN007 naming it.
        e.cloud_objects.retain(|c| c.tenant == 0 || c.upn.as_deref() == Some("u3@second.example"));
        ctx_run(e, |fs| {
            let f: Vec<&Finding> = fs.iter().filter(|f| f.rule == "AN007").collect();
            assert_eq!(f.len(), 1, "{:?}", codes(fs));
            assert!(f[0].title.contains("stray synced twin"), "{}", f[0].title);
            assert_eq!(f[0].severity, Severity::Medium);
        });
    }

    #[test]
    fn duplicates_in_tenant_and_across_tenants() {
        let mut e = estate();
        e.tenants.push(Tenant { id: Some("t1".into()), name: "Marketing".into(), ..Default::default() });
        e.ad_objects.push(ad(ANN, "ann@contoso.com"));
        e.cloud_objects.push(cloud("ann@contoso.com", Some("yYuRNW0Z6kCXeYidebdT8A==")));
        e.cloud_objects.push(cloud("ann2@contoso.onmicrosoft.com", Some("yYuRNW0Z6kCXeYidebdT8A==")));
        let mut copy = cloud("ann@marketing.example", Some("yYuRNW0Z6kCXeYidebdT8A=="));
        copy.tenant = 1;
        copy.on_prem_sync_enabled = None;
        e.cloud_objects.push(copy);
        ctx_run(e, |fs| {
            let dup: Vec<&Finding> = fs.iter().filter(|f| f.rule == "AN006").collect();
            assert_eq!(dup.len(), 1);
            assert_eq!(dup[0].subjects.len(), 3, "two cloud objects and the AD twin");
            let two: Vec<&Finding> = fs.iter().filter(|f| f.rule == "AN007").collect();
            assert_eq!(two.len(), 1);
            assert!(two[0].title.contains("copied directory"), "{}", two[0].title);
            assert_eq!(two[0].severity, Severity::Medium);
        });
    }

    /// A forest of `n` synced users (twins hold Base64(objectGUID)), each carrying ms-DS-ConsistencyGuid =
    /// objectGUID when `written_back`, plus one migrated user whose ms-DS-ConsistencyGuid (carried over,
    /// ≠ objectGUID) is what its cloud twin holds. Anchor attribute not declared.
    fn population(n: usize, written_back: bool) -> Estate {
        let mut e = estate();
        e.forests[0].anchor_attribute = None;
        for k in 0..n {
            let g = Guid(uuid::Uuid::from_u128(0x5000_0000_0000_4000_8000_0000_0000_0000 + k as u128));
            let upn = format!("user{k}@contoso.com");
            let mut a = ad(&g.to_string(), &upn);
            if written_back {
                a.consistency_guid = Some(g.to_ad_bytes().to_vec());
            }
            e.ad_objects.push(a);
            e.cloud_objects.push(cloud(&upn, Some(&g.immutable_id())));
        }
        let carried = Guid::parse("f7cc07d7-7c15-447d-876d-c01b0e5a9e38").unwrap();
        let mut m = ad(ANN, "migrated@contoso.com");
        m.consistency_guid = Some(carried.to_ad_bytes().to_vec());
        e.ad_objects.push(m);
        e.cloud_objects.push(cloud("migrated@contoso.com", Some(&carried.immutable_id())));
        e
    }

    #[test]
    fn anchor_attribute_is_decided_by_the_population_not_one_migrated_user() {
        // objectGUID forest: most synced users have no ms-DS-ConsistencyGuid; the migrated user's twin
        // holds the carried-over value, which objectGUID-based sync will not match.
        ctx_run(population(40, false), |fs| {
            let d = fs.iter().find(|f| f.rule == "AN010").unwrap();
            assert_eq!(d.evidence["anchor_attribute"], "objectGUID", "{}", d.title);
            assert_eq!(d.evidence["synced_linked_users"], 41);
            assert_eq!(d.evidence["synced_linked_users_with_consistencyGuid"], 1);
            let cg: Vec<&Finding> = fs.iter().filter(|f| f.rule == "AN008").collect();
            assert_eq!(cg.len(), 1, "{:?}", codes(fs));
            assert_eq!(cg[0].severity, Severity::High);
            assert_eq!(cg[0].subjects[0].display, "migrated");
            let above_low: Vec<(String, String)> = fs
                .iter()
                .filter(|f| f.severity <= Severity::Medium && f.rule != "AN008")
                .map(|f| (f.rule.clone(), f.title.clone()))
                .collect();
            assert!(above_low.is_empty(), "{above_low:?}");
        });
        // ms-DS-ConsistencyGuid forest: synced users carry it (= objectGUID); the migrated user's twin
        // holding the carried-over value is right.
        ctx_run(population(40, true), |fs| {
            let d = fs.iter().find(|f| f.rule == "AN010").unwrap();
            assert_eq!(d.evidence["anchor_attribute"], "ms-DS-ConsistencyGuid", "{}", d.title);
            let above_low: Vec<(String, String)> = fs
                .iter()
                .filter(|f| f.severity <= Severity::Medium)
                .map(|f| (f.rule.clone(), f.title.clone()))
                .collect();
            assert!(above_low.is_empty(), "{above_low:?}");
        });
    }

    #[test]
    fn consistency_guid_differs_and_anchor_detection() {
        let other = Guid::parse("f7cc07d7-7c15-447d-876d-c01b0e5a9e38").unwrap();
        let mut e = estate();
        e.forests[0].anchor_attribute = None;
        let mut a = ad(ANN, "ann@contoso.com");
        a.consistency_guid = Some(other.to_ad_bytes().to_vec());
        e.ad_objects.push(a);
        e.cloud_objects.push(cloud("ann@contoso.com", Some("yYuRNW0Z6kCXeYidebdT8A==")));
        ctx_run(e.clone(), |fs| {
            let d = fs.iter().find(|f| f.rule == "AN010").unwrap();
            assert_eq!(d.evidence["anchor_attribute"], "objectGUID");
            assert!(d.evidence["decided_by"].as_str().unwrap().starts_with("detected"));
            let cg = fs.iter().find(|f| f.rule == "AN008").unwrap();
            assert_eq!(cg.severity, Severity::Low, "latent: the tenant holds the objectGUID value");
        });
        // Declared ms-DS-ConsistencyGuid while the tenant holds objectGUID: a real mismatch.
        e.forests[0].anchor_attribute = Some("ms-DS-ConsistencyGuid".into());
        ctx_run(e.clone(), |fs| {
            let cg = fs.iter().find(|f| f.rule == "AN008").unwrap();
            assert_eq!(cg.severity, Severity::High);
            assert_eq!(cg.evidence["proposed_value"], "1wfM9xV8fUSHbcAbDlqeOA==");
            assert!(!fs.iter().any(|f| f.rule == "AN010"));
        });
        // Declared ms-DS-ConsistencyGuid and the tenant holds it: fine (ADMT-migrated user).
        e.cloud_objects[0].immutable_id = Some("1wfM9xV8fUSHbcAbDlqeOA==".into());
        ctx_run(e, |fs| assert!(!fs.iter().any(|f| f.rule == "AN008"), "{:?}", codes(fs)));
    }

    #[test]
    fn collision_after_switch() {
        let other = Guid::parse("f7cc07d7-7c15-447d-876d-c01b0e5a9e38").unwrap();
        let mut e = estate();
        e.forests[0].anchor_attribute = Some("objectGUID".into());
        let mut a = ad(ANN, "ann@contoso.com");
        a.consistency_guid = Some(other.to_ad_bytes().to_vec());
        let b = ad("f7cc07d7-7c15-447d-876d-c01b0e5a9e38", "bob@contoso.com");
        e.ad_objects.push(a);
        e.ad_objects.push(b);
        ctx_run(e, |fs| {
            let c: Vec<&Finding> = fs.iter().filter(|f| f.rule == "AN009").collect();
            assert_eq!(c.len(), 1, "{:?}", codes(fs));
            assert_eq!(c[0].severity, Severity::Low);
            assert_eq!(c[0].subjects.len(), 2);
        });
    }
}
