//! Family `duplicates` (DU…, category `duplicates`): values that must be unique in a tenant but are
//! held by several objects — as Entra ID enforces it, not as IdFix did (idfix.md §4, §8.1).
//!
//! One index, one pass: every SMTP-like value (userPrincipalName, SMTP proxyAddresses with the
//! prefix stripped, mail, SMTP targetAddress), lower-cased, keyed by the tenant it lands in, maps to
//! its holders: the in-scope AD objects of every forest that synchronises into that tenant, and the
//! tenant's cloud objects that are not the synced twin of one of those AD objects. A key with two or
//! more distinct holders is one finding listing every holder, the one that keeps the value and what
//! happens to the others (duplicate-attribute resiliency, identity-facts §2 [DAR]).
//!
//! Twins (excluded as holders, used to tell who already owns the value): cloud objects hard-linked by
//! anchor; synced groups / contacts with the AD object's primary SMTP (Graph exposes no anchor for
//! them); cloud-only users that the AD user will soft-match (the sync family reports the merge),
//! unless an admin role or `blockSoftMatchEnabled` blocks it. Cloud objects exported without the sync
//! fields cannot be told apart from twins and are left out.
//!
//! Forests whose target tenant is unknown form their own namespace (duplicates inside the forest only).

use super::matching::{Outcome, Pair, predict};
use super::sync_scope::{TenantDomains, cloud_kind};
use super::{Context, ad_subject, cloud_subject, evidence, finding};
use crate::findings::{Finding, Subject};
use crate::graph::{Edge, Node, SoftKey};
use crate::hash::FastMap as HashMap;
use crate::model::text::TrimFast as _;
use crate::model::{AdClass, CloudKind, Estate, primary_smtp};
use petgraph::visit::EdgeRef;
use rayon::prelude::*;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// Which attribute holds a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Attr {
    Upn,
    PrimarySmtp,
    SecondarySmtp,
    Mail,
    TargetAddress,
    MailNickname,
}

impl Attr {
    fn as_str(self) -> &'static str {
        match self {
            Attr::Upn => "userPrincipalName",
            Attr::PrimarySmtp => "proxyAddresses (primary SMTP:)",
            Attr::SecondarySmtp => "proxyAddresses (secondary smtp:)",
            Attr::Mail => "mail",
            Attr::TargetAddress => "targetAddress",
            Attr::MailNickname => "mailNickname",
        }
    }
}

/// A holder of a value: an AD object or a cloud object (indices into the estate).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Who {
    Ad(u32),
    Cloud(u32),
}

/// What a cloud object holds that deleting it would destroy (mailbox, licences, directory roles), and
/// whether deletion may be considered at all: only for a leftover that provably holds nothing, and even
/// then only after checking what the exports cannot show (group and application ownership, data).
pub fn cloud_holdings(e: &Estate, c: u32) -> (Vec<String>, String) {
    let o = &e.cloud_objects[c as usize];
    let mut holds = Vec::new();
    if o.kind == CloudKind::User && (o.mail.is_some() || !o.proxy_addresses.is_empty()) {
        holds.push("mailbox or mail address".to_string());
    }
    if !o.licenses.is_empty() || o.is_licensed == Some(true) {
        holds.push(format!("licence(s) ({})", o.licenses.len().max(1)));
    }
    if let Some(id) = o.id.as_deref() {
        let roles: BTreeSet<&str> = e
            .role_grants
            .iter()
            .filter(|g| g.tenant == o.tenant && g.principal_id.eq_ignore_ascii_case(id))
            .map(|g| g.role.as_str())
            .collect();
        if !roles.is_empty() {
            holds.push(format!("directory role(s): {}", roles.into_iter().collect::<Vec<_>>().join(", ")));
        }
    }
    let deletion = if holds.is_empty() {
        "not proposed from the exports alone: the object holds no mailbox, licence or role in them, but group and \
         application ownership and its data are not exported; delete it only if a check of those finds nothing"
            .to_string()
    } else {
        format!("never delete it: it holds {}; fix the anchor or the AD object's value instead", holds.join(", "))
    };
    (holds, deletion)
}

/// Why a cloud object counts as an AD object's twin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TwinBy {
    Anchor,
    /// The AD object has no anchor material (SharpHound, an export without objectGUID) and its own
    /// SID is the cloud object's onPremisesSecurityIdentifier, or the cloud object carries an anchor
    /// and the same primary SMTP address or UPN (it may be its twin: not judged).
    Sid,
    SyncedSameAddress,
    SoftMatch,
}

/// SMTP-like values of an address attribute, trimmed (compared lower-cased): `SMTP:`/`smtp:` proxies
/// without the prefix, the other types skipped.
fn smtp_values(proxies: &[crate::model::Text]) -> impl Iterator<Item = (Attr, &str)> + '_ {
    proxies.iter().filter_map(|p| {
        let (pre, a) = p.split_once(':')?;
        let a = a.trim_fast();
        if !pre.eq_ignore_ascii_case("smtp") || a.is_empty() {
            return None;
        }
        Some((if pre == "SMTP" { Attr::PrimarySmtp } else { Attr::SecondarySmtp }, a))
    })
}

fn target_value(t: &str) -> Option<&str> {
    match t.split_once(':') {
        Some((p, a)) if p.eq_ignore_ascii_case("smtp") => Some(a.trim_fast()),
        Some(_) => None,
        None => t.contains('@').then(|| t.trim_fast()),
    }
    .filter(|s| !s.is_empty())
}

/// An AD object's address values as held (trimmed); a value is compared as [`lower`] of it.
fn ad_values(o: &crate::model::AdObject) -> Vec<(Attr, &str)> {
    let mut v = Vec::new();
    ad_values_into(o, &mut v);
    v
}

/// [`ad_values`] appended to `v` (a buffer used again for every object of a chunk).
fn ad_values_into<'o>(o: &'o crate::model::AdObject, v: &mut Vec<(Attr, &'o str)>) {
    if matches!(o.class, AdClass::User | AdClass::InetOrgPerson)
        && let Some(u) = o.upn.as_deref().map(crate::model::text::trim).filter(|u| !u.is_empty())
    {
        v.push((Attr::Upn, u));
    }
    v.extend(smtp_values(&o.proxy_addresses));
    if let Some(m) = o.mail.as_deref().map(crate::model::text::trim).filter(|m| !m.is_empty()) {
        v.push((Attr::Mail, m));
    }
    if let Some(t) = o.target_address.as_deref().and_then(target_value) {
        v.push((Attr::TargetAddress, t));
    }
}

/// A cloud object's address values as held (trimmed); see [`ad_values`].
fn cloud_values(o: &crate::model::CloudObject) -> Vec<(Attr, &str)> {
    let mut v = Vec::new();
    if let Some(u) = o.upn.as_deref().map(crate::model::text::trim).filter(|u| !u.is_empty()) {
        v.push((Attr::Upn, u));
    }
    v.extend(smtp_values(&o.proxy_addresses));
    if let Some(m) = o.mail.as_deref().map(crate::model::text::trim).filter(|m| !m.is_empty()) {
        v.push((Attr::Mail, m));
    }
    v
}

/// The compared form of a value: lower-cased.
fn lower(v: &str) -> String {
    v.to_lowercase()
}

/// The hash of value `v` in namespace `n`, as compared (lower-cased, without a lower-cased copy).
fn key_hash(n: u32, v: &str) -> u64 {
    crate::hash::hash_lower_in(n, v)
}

struct Cx<'a> {
    e: &'a Estate,
    ctx: &'a Context<'a>,
    /// Every AD object's target tenants ([`super::targets`]).
    targets: &'a super::targets::SyncTargets,
    domains: Vec<TenantDomains>,
    block_soft: Vec<bool>,
    /// Per tenant: `softMatchOnUpnEnabled` is exported as off (only the primary SMTP address soft-matches).
    upn_soft_off: Vec<bool>,
    /// Cloud object → (AD object it is the twin of, how).
    twin_of: Vec<Option<(u32, TwinBy)>>,
}

/// The family entry point.
pub fn run(ctx: &Context<'_>) -> Vec<Finding> {
    let e = ctx.estate();
    let g = ctx.graph;
    let nt = e.tenants.len() as u32;
    let targets = ctx.targets();
    // Namespaces of an AD object: its target tenants (per object), else `tenants.len() + forest` (a
    // forest whose target is unknown is its own namespace).
    let ns_of = |i: usize| -> std::borrow::Cow<'_, [u32]> {
        let (t, _) = targets.of_object(e, i as u32);
        if t.is_empty() { vec![nt + e.ad_objects[i].forest].into() } else { t.into() }
    };
    let in_scope = ctx.in_sync_scope();
    let block_soft: Vec<bool> = (0..e.tenants.len())
        .map(|t| {
            e.sync_settings
                .iter()
                .any(|s| s.tenant as usize == t && s.features.get("blockSoftMatchEnabled") == Some(&true))
        })
        .collect();
    let has_role: HashSetU32 = e
        .cloud_objects
        .iter()
        .enumerate()
        .filter(|(i, _)| g.graph.edges(g.cloud_objects[*i]).any(|ed| matches!(ed.weight(), Edge::HasRole)))
        .map(|(i, _)| i as u32)
        .collect();

    // Twins: one pass over the AD objects' outgoing edges.
    let mut twin_of: Vec<Option<(u32, TwinBy)>> = vec![None; e.cloud_objects.len()];
    for (i, o) in e.ad_objects.iter().enumerate() {
        if !in_scope[i] {
            continue;
        }
        let ns = ns_of(i);
        let mut anchored_tenants: Vec<u32> = Vec::new();
        let mut soft: Vec<(u32, SoftKey)> = Vec::new();
        for ed in g.graph.edges(g.ad_objects[i]) {
            let Node::CloudObject(c) = g.graph[ed.target()] else { continue };
            match ed.weight() {
                Edge::AnchoredTo(_) => {
                    twin_of[c as usize] = Some((i as u32, TwinBy::Anchor));
                    anchored_tenants.push(e.cloud_objects[c as usize].tenant);
                }
                Edge::SidLinkedTo(crate::graph::SidSource::ObjectSid) if !o.has_anchor_material() => {
                    if twin_of[c as usize].is_none() {
                        twin_of[c as usize] = Some((i as u32, TwinBy::Sid));
                    }
                    anchored_tenants.push(e.cloud_objects[c as usize].tenant);
                }
                Edge::SoftMatchCandidate(k) => soft.push((c, *k)),
                _ => {}
            }
        }
        let kind = cloud_kind(&o.class);
        // Without anchor material (SharpHound) a synced cloud object with the same primary SMTP address or
        // UPN may be this object's own twin or another's: not a second holder (coverage[] says what was
        // not judged).
        if !o.has_anchor_material() {
            let keys = [o.primary_smtp().map(str::to_lowercase), o.upn.as_deref().map(str::to_lowercase)];
            for (key, index) in keys.iter().zip([&g.indexes.cloud_by_smtp, &g.indexes.cloud_by_upn]) {
                for &c in key.as_ref().map(|k| index.get(&e.cloud_objects, k)).iter().flat_map(|v| v.iter()) {
                    let co = &e.cloud_objects[c as usize];
                    if twin_of[c as usize].is_none()
                        && ns.contains(&co.tenant)
                        && co.immutable_id.as_deref().is_some_and(|a| !a.trim_fast().is_empty())
                    {
                        twin_of[c as usize] = Some((i as u32, TwinBy::Sid));
                    }
                }
            }
        }
        for (c, k) in soft {
            let co = &e.cloud_objects[c as usize];
            if !ns.contains(&co.tenant) || Some(co.kind) != kind || twin_of[c as usize].is_some() {
                continue;
            }
            if co.kind != CloudKind::User {
                if co.on_prem_sync_enabled == Some(true) && k == SoftKey::PrimarySmtp {
                    twin_of[c as usize] = Some((i as u32, TwinBy::SyncedSameAddress));
                }
            } else if co.immutable_id.is_none()
                && co.sync_fields_exported
                && co.on_prem_sync_enabled.is_none()
                && !anchored_tenants.contains(&co.tenant)
                && !has_role.contains(&c)
                && !block_soft[co.tenant as usize]
            {
                twin_of[c as usize] = Some((i as u32, TwinBy::SoftMatch));
            }
        }
    }
    let upn_soft_off: Vec<bool> = (0..e.tenants.len())
        .map(|t| {
            e.sync_settings
                .iter()
                .any(|s| s.tenant as usize == t && s.features.get("softMatchOnUpnEnabled") == Some(&false))
        })
        .collect();
    let cx = Cx { e, ctx, targets, domains: TenantDomains::of_estate(e), block_soft, upn_soft_off, twin_of };

    // The index: (namespace, value) → holders. Most values have one holder, so the values are first
    // counted by hash (8 bytes each) and only those held at least twice get a string-keyed entry:
    // at a million objects the full index held millions of strings at once.
    let mut is_target = vec![false; e.tenants.len()];
    for (i, _) in in_scope.iter().enumerate().filter(|(_, s)| **s) {
        for &t in cx.targets.of_object(e, i as u32).0 {
            if let Some(x) = is_target.get_mut(t as usize) {
                *x = true;
            }
        }
    }
    let cloud_in = |c: usize, co: &crate::model::CloudObject| {
        is_target.get(co.tenant as usize).copied().unwrap_or(false)
            && cx.twin_of[c].is_none()
            && co.sync_fields_exported
    };
    // Each in-scope AD object's hashes, kept per chunk of objects (estate order) for the holders
    // step below, which would otherwise derive and hash every object's values a second time: its
    // distinct (namespace, value) hashes, its nickname's apart, written straight into the chunk's
    // vectors (no vectors per object).
    let scoped: Vec<u32> = (0..e.ad_objects.len() as u32).into_par_iter().filter(|&i| in_scope[i as usize]).collect();
    let held: Vec<Held> = scoped
        .par_chunks(4096)
        .map(|objects| {
            let mut h = Held { objects: objects.to_vec(), ..Held::default() };
            let mut vals: Vec<(Attr, &str)> = Vec::new();
            for &i in objects {
                let o = &e.ad_objects[i as usize];
                let ns = ns_of(i as usize);
                vals.clear();
                ad_values_into(o, &mut vals);
                let start = h.hs.len();
                h.hs.extend(ns.iter().flat_map(|&n| vals.iter().map(move |(_, v)| key_hash(n, v))));
                sort_dedup_from(&mut h.hs, start);
                h.hs_end.push(h.hs.len() as u32);
                let start = h.nick.len();
                if let Some(k) = o.mail_nickname.as_deref().map(crate::model::text::trim).filter(|n| !n.is_empty()) {
                    h.nick.extend(ns.iter().map(|&n| key_hash(n, k)));
                }
                sort_dedup_from(&mut h.nick, start);
                h.nick_end.push(h.nick.len() as u32);
            }
            h
        })
        .collect();
    drop(scoped);
    // Hashes held by two AD objects (each object's own are distinct, so a repeat is another object),
    // or by an AD object and a cloud object: all hashes in one sorted vector (8 bytes each; per
    // object vectors or hash sets cost ~10 times that at a million objects), then the repeats.
    let mut all: Vec<u64> = held.iter().flat_map(|h| h.hs.iter().copied()).collect();
    let mut all_nick: Vec<u64> = held.iter().flat_map(|h| h.nick.iter().copied()).collect();
    all.par_sort_unstable();
    all_nick.par_sort_unstable();
    let repeats = |v: &[u64]| -> Vec<u64> {
        let mut r: Vec<u64> = v.windows(2).filter(|w| w[0] == w[1]).map(|w| w[0]).collect();
        r.dedup();
        r
    };
    let mut shared: Vec<u64> = repeats(&all);
    let shared_nick: Vec<u64> = repeats(&all_nick);
    drop(all_nick);
    shared.extend(
        e.cloud_objects
            .par_iter()
            .enumerate()
            .filter(|(c, co)| cloud_in(*c, co))
            .flat_map_iter(|(_, co)| cloud_values(co).into_iter().map(move |(_, v)| key_hash(co.tenant, v)))
            .filter(|h| all.binary_search(h).is_ok())
            .collect::<Vec<u64>>(),
    );
    drop(all);
    shared.sort_unstable();
    shared.dedup();
    let shared: HashSetU64 = shared.into_iter().collect();
    let shared_nick: HashSetU64 = shared_nick.into_iter().collect();
    // The AD objects holding a shared value.
    let holders: Vec<usize> = held
        .par_iter()
        .flat_map_iter(|h| {
            let (shared, shared_nick) = (&shared, &shared_nick);
            (0..h.objects.len())
                .filter(move |&k| {
                    let (hs, nick) = h.of(k);
                    hs.iter().any(|x| shared.contains(x)) || nick.iter().any(|x| shared_nick.contains(x))
                })
                .map(move |k| h.objects[k] as usize)
        })
        .collect();
    drop(held);
    let mut index: HashMap<(u32, String), Vec<(Who, Attr)>> = HashMap::default();
    let mut nicks: HashMap<(u32, String), Vec<(Who, Attr)>> = HashMap::default();
    for i in holders {
        let o = &e.ad_objects[i];
        let ns = ns_of(i);
        let vals = ad_values(o);
        let nick = o.mail_nickname.as_deref().map(crate::model::text::trim).filter(|n| !n.is_empty());
        for &n in ns.iter() {
            for &(a, v) in &vals {
                if shared.contains(&key_hash(n, v)) {
                    index.entry((n, lower(v))).or_default().push((Who::Ad(i as u32), a));
                }
            }
            if let Some(k) = nick
                && shared_nick.contains(&key_hash(n, k))
            {
                nicks.entry((n, lower(k))).or_default().push((Who::Ad(i as u32), Attr::MailNickname));
            }
        }
    }
    for (c, co) in e.cloud_objects.iter().enumerate() {
        if !cloud_in(c, co) {
            continue;
        }
        for (a, v) in cloud_values(co) {
            // Only values some AD object holds matter (cloud-only vs cloud-only is Entra's own business).
            if shared.contains(&key_hash(co.tenant, v))
                && let Some(h) = index.get_mut(&(co.tenant, lower(v)))
            {
                h.push((Who::Cloud(c as u32), a));
            }
        }
    }

    let groups = |m: HashMap<(u32, String), Vec<(Who, Attr)>>| -> Vec<(Key, Holders)> {
        m.into_iter()
            .filter_map(|(k, hs)| {
                let mut by: Vec<(Who, Vec<Attr>)> = Vec::new();
                let mut sorted = hs;
                sorted.sort();
                sorted.dedup();
                for (w, a) in sorted {
                    match by.last_mut() {
                        Some((lw, attrs)) if *lw == w => attrs.push(a),
                        _ => by.push((w, vec![a])),
                    }
                }
                let ads = by.iter().filter(|(w, _)| matches!(w, Who::Ad(_))).count();
                (by.len() >= 2 && ads >= 1).then_some((k, by))
            })
            .collect()
    };
    let mut out: Vec<Finding> =
        groups(index).into_par_iter().filter_map(|(k, by)| cx.address_finding(&k, by)).collect();
    out.extend(groups(nicks).into_iter().filter(|(_, by)| by.len() >= 2).map(|(k, by)| cx.nickname_finding(&k, by)));
    out.sort_by_cached_key(|f| (f.rule.clone(), f.discriminator.clone(), f.subjects[0].id.clone()));
    out
}

/// In-scope AD objects of one chunk (estate order) with their distinct (namespace, value) hashes:
/// object `objects[k]`'s are `hs[hs_end[k - 1]..hs_end[k]]` (from 0 for the first); its nickname's
/// likewise in `nick`.
#[derive(Default)]
struct Held {
    objects: Vec<u32>,
    hs: Vec<u64>,
    hs_end: Vec<u32>,
    nick: Vec<u64>,
    nick_end: Vec<u32>,
}

impl Held {
    /// The value hashes and nickname hashes of the chunk's `k`th object.
    fn of(&self, k: usize) -> (&[u64], &[u64]) {
        let range = |ends: &[u32]| (k.checked_sub(1).map_or(0, |j| ends[j] as usize))..ends[k] as usize;
        (&self.hs[range(&self.hs_end)], &self.nick[range(&self.nick_end)])
    }
}

/// Sorts `v[start..]` and removes its repeats in place.
fn sort_dedup_from(v: &mut Vec<u64>, start: usize) {
    v[start..].sort_unstable();
    let mut w = start;
    for r in start..v.len() {
        if w == start || v[r] != v[w - 1] {
            v[w] = v[r];
            w += 1;
        }
    }
    v.truncate(w);
}

type HashSetU32 = crate::hash::FastSet<u32>;
type HashSetU64 = crate::hash::FastSet<u64>;
/// (namespace, normalised value).
type Key = (u32, String);
/// A value's holders, each with the attributes it holds the value in.
type Holders = Vec<(Who, Vec<Attr>)>;

/// `j.smith4417@contoso.onmicrosoft.com` for prefix `j.smith`: the UPN duplicate-attribute resiliency
/// gives a quarantined object.
fn is_quarantine_upn(upn: &str, prefix: &str) -> bool {
    let Some((l, d)) = upn.to_lowercase().rsplit_once('@').map(|(l, d)| (l.to_string(), d.to_string())) else {
        return false;
    };
    d.ends_with(".onmicrosoft.com")
        && l.len() == prefix.len() + 4
        && l.starts_with(prefix)
        && l[prefix.len()..].bytes().all(|b| b.is_ascii_digit())
}

struct Member {
    who: Who,
    attrs: Vec<Attr>,
    subject: Subject,
    kind: CloudKind,
    twins: Vec<u32>,
}

impl Cx<'_> {
    fn tenant_name(&self, ns: u32) -> String {
        match self.e.tenants.get(ns as usize) {
            Some(t) => t.name.clone(),
            None => {
                let f = (ns as usize).saturating_sub(self.e.tenants.len());
                format!("an unknown tenant (forest {})", self.e.forests.get(f).map(|f| f.name.as_str()).unwrap_or("?"))
            }
        }
    }

    fn twins(&self, i: u32, ns: u32) -> Vec<u32> {
        let g = self.ctx.graph;
        let mut v: Vec<u32> = g
            .graph
            .edges(g.ad_objects[i as usize])
            .filter_map(|ed| match g.graph[ed.target()] {
                Node::CloudObject(c) => Some(c),
                _ => None,
            })
            .filter(|&c| {
                self.twin_of[c as usize].is_some_and(|(a, _)| a == i) && self.e.cloud_objects[c as usize].tenant == ns
            })
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    fn member(&self, who: Who, attrs: Vec<Attr>, ns: u32) -> Member {
        match who {
            Who::Ad(i) => {
                let o = &self.e.ad_objects[i as usize];
                Member {
                    who,
                    attrs,
                    subject: ad_subject(o),
                    kind: cloud_kind(&o.class).unwrap_or(CloudKind::User),
                    twins: self.twins(i, ns),
                }
            }
            Who::Cloud(c) => {
                let o = &self.e.cloud_objects[c as usize];
                Member { who, attrs, subject: cloud_subject(self.e, o), kind: o.kind, twins: Vec::new() }
            }
        }
    }

    fn sort_key(s: &Subject) -> (u32, u32, String) {
        s.source.map(|r| (r.file.0, r.line, s.id.clone())).unwrap_or((u32::MAX, 0, s.id.clone()))
    }

    fn soft_pair(&self, i: u32, c: u32) -> bool {
        let g = self.ctx.graph;
        g.graph
            .edges_connecting(g.ad_objects[i as usize], g.cloud_objects[c as usize])
            .any(|e| matches!(e.weight(), Edge::SoftMatchCandidate(_)))
    }

    /// What the next sync does with AD object `i` against cloud object `c` ([`super::matching`]).
    fn predict(&self, i: u32, c: u32, ad_is_new: bool) -> Outcome {
        let g = self.ctx.graph;
        let co = &self.e.cloud_objects[c as usize];
        let upn_off = self.upn_soft_off.get(co.tenant as usize).copied().unwrap_or(false);
        let soft_key = g.graph.edges_connecting(g.ad_objects[i as usize], g.cloud_objects[c as usize]).any(|e| {
            matches!(e.weight(), Edge::SoftMatchCandidate(SoftKey::PrimarySmtp))
                || (matches!(e.weight(), Edge::SoftMatchCandidate(SoftKey::Upn)) && !upn_off)
        });
        let ad_kind = cloud_kind(&self.e.ad_objects[i as usize].class);
        let pair = Pair {
            anchor_equal: false,
            soft_key,
            same_kind: ad_kind == Some(co.kind),
            group_clash: ad_kind.is_some_and(|k| (k == CloudKind::Group) != (co.kind == CloudKind::Group)),
            ad_is_new,
            cloud_has_immutable_id: co.immutable_id.as_deref().is_some_and(|v| !v.trim_fast().is_empty()),
            cloud_synced: co.on_prem_sync_enabled == Some(true),
            cloud_admin: self.has_role(c),
            block_soft_match: self.block_soft.get(co.tenant as usize).copied().unwrap_or(false),
        };
        predict(&pair)
    }

    fn has_role(&self, c: u32) -> bool {
        let g = self.ctx.graph;
        g.graph.edges(g.cloud_objects[c as usize]).any(|e| matches!(e.weight(), Edge::HasRole))
    }

    fn address_finding(&self, key: &(u32, String), by: Vec<(Who, Vec<Attr>)>) -> Option<Finding> {
        let (ns, value) = key;
        let mut members: Vec<Member> = by.into_iter().map(|(w, a)| self.member(w, a, *ns)).collect();
        members.sort_by_key(|m| Self::sort_key(&m.subject));
        let tenant = self.tenant_name(*ns);
        let known_tenant = (*ns as usize) < self.e.tenants.len();
        let initial = self.domains.get(*ns as usize).and_then(|d| d.initial.clone());

        // Who keeps the value: a cloud object that already holds it, else an AD object whose twin holds it.
        let cloud_holder = members.iter().position(|m| matches!(m.who, Who::Cloud(_)));
        let twin_holder = members.iter().position(|m| {
            m.twins
                .iter()
                .any(|&c| cloud_values(&self.e.cloud_objects[c as usize]).iter().any(|(_, v)| lower(v) == *value))
        });
        // A twin whose UPN is the quarantine form `<prefix><4 digits>@…onmicrosoft.com` lost the value already.
        let prefix = value.split('@').next().unwrap_or("");
        let quarantined: Vec<usize> = (0..members.len())
            .filter(|&k| {
                members[k].attrs.contains(&Attr::Upn)
                    && members[k].twins.iter().any(|&c| {
                        self.e.cloud_objects[c as usize].upn.as_deref().is_some_and(|u| is_quarantine_upn(u, prefix))
                    })
            })
            .collect();
        let survivor = (!quarantined.is_empty() && members.len() - quarantined.len() == 1)
            .then(|| (0..members.len()).find(|k| !quarantined.contains(k)))
            .flatten();
        let (winner, basis) = match (cloud_holder, twin_holder, survivor) {
            (Some(w), _, _) => (
                Some(w),
                "a cloud object of the tenant already holds the value (it is not the synced twin of an AD holder)",
            ),
            (None, Some(w), _) => (
                Some(w),
                "its synchronised twin already holds the value in the tenant; Entra keeps the value on the object that has it",
            ),
            (None, None, Some(w)) => (
                Some(w),
                "the other holder's synchronised twin carries the quarantine UPN `<prefix><4 digits>@<initial domain>`: this one kept the value",
            ),
            _ => (
                None,
                "undetermined: Entra keeps the value on the object exported first, and the export order is not in the exports",
            ),
        };
        let ad_count = members.iter().filter(|m| matches!(m.who, Who::Ad(_))).count();
        let code = if ad_count >= 2 { "DU001" } else { "DU002" };
        // One AD object against the cloud object it would soft-match: report the pair once, on the
        // soft-match key (UPN / primary SMTP), not on every further address they share.
        if ad_count == 1
            && let Some(Who::Ad(i)) = members.iter().map(|m| m.who).find(|w| matches!(w, Who::Ad(_)))
        {
            let ad = members.iter().find(|m| m.who == Who::Ad(i)).map(|m| m.attrs.clone()).unwrap_or_default();
            let all_pairs = members.iter().all(|m| match m.who {
                Who::Cloud(c) => self.soft_pair(i, c),
                Who::Ad(_) => true,
            });
            if all_pairs && !ad.iter().any(|a| matches!(a, Attr::Upn | Attr::PrimarySmtp)) {
                return None;
            }
        }

        let mut member_ev = Vec::new();
        for (k, m) in members.iter().enumerate() {
            let role = match winner {
                Some(w) if w == k => "keeps",
                Some(_) => "quarantined",
                None => "undetermined",
            };
            let mut outcome = String::new();
            let mut predicted: Option<Outcome> = None;
            let mut action = Value::Null;
            let mut proposed = Value::Null;
            if role != "keeps" {
                let new = matches!(m.who, Who::Ad(_)) && m.twins.is_empty();
                let wkind = winner.map(|w| members[w].kind);
                let type_clash = wkind.is_some_and(|wk| (wk == CloudKind::Group) != (m.kind == CloudKind::Group));
                let names_address = m
                    .attrs
                    .iter()
                    .any(|a| matches!(a, Attr::Upn | Attr::PrimarySmtp | Attr::SecondarySmtp | Attr::TargetAddress));
                // One decision per AD object: against the cloud object that keeps the value, the
                // matching model's; against another AD object, resiliency's.
                predicted = match (winner.map(|w| members[w].who), m.who) {
                    (Some(Who::Cloud(c)), Who::Ad(i)) => Some(self.predict(i, c, new)),
                    (_, Who::Ad(_)) if type_clash && new => Some(Outcome::ExportFails),
                    (_, Who::Ad(_)) if names_address => Some(Outcome::QuarantinedDuplicate),
                    _ => None,
                };
                let quarantine_detail = || {
                    if m.attrs.contains(&Attr::Upn) {
                        let prefix = value.split('@').next().unwrap_or("");
                        format!(
                            "UPN quarantined: Entra sets `{prefix}<4 digits>@{}` (DirSyncProvisioningErrors, PropertyConflict UserPrincipalName)",
                            initial.as_deref().unwrap_or("<initial domain>")
                        )
                    } else if m
                        .attrs
                        .iter()
                        .any(|a| matches!(a, Attr::PrimarySmtp | Attr::SecondarySmtp | Attr::TargetAddress))
                    {
                        "proxy address dropped from the cloud object (DirSyncProvisioningErrors, PropertyConflict ProxyAddress)".to_string()
                    } else {
                        "mail not synchronised for this object (only the first object's mail syncs)".to_string()
                    }
                };
                outcome = match (m.who, predicted) {
                    (Who::Cloud(_), _) => "cloud object (not synchronised from these forests)".to_string(),
                    (_, Some(Outcome::SoftMatchBlocked)) => format!(
                        "soft match blocked (blockSoftMatchEnabled), so it is created as a new object: {}",
                        quarantine_detail()
                    ),
                    (_, Some(Outcome::QuarantinedDuplicate)) | (_, None) => quarantine_detail(),
                    (_, Some(o)) => o.describe().to_string(),
                };
                if let Who::Ad(i) = m.who {
                    let o = &self.e.ad_objects[i as usize];
                    let (a, p) = if m.attrs.iter().any(|a| matches!(a, Attr::Upn | Attr::PrimarySmtp)) {
                        ("EDIT", Value::Null)
                    } else if m.attrs.contains(&Attr::SecondarySmtp) {
                        ("REMOVE", Value::Null)
                    } else if m.attrs.contains(&Attr::Mail) {
                        ("EDIT", json!(primary_smtp(&o.proxy_addresses).filter(|p| p.to_lowercase() != *value)))
                    } else {
                        ("EDIT", Value::Null)
                    };
                    action = json!(a);
                    proposed = p;
                }
            }
            let note = match m.who {
                Who::Cloud(c) => {
                    let co = &self.e.cloud_objects[c as usize];
                    if self.block_soft[co.tenant as usize] {
                        Some(
                            "soft matching is blocked in this tenant (blockSoftMatchEnabled): an AD object with the same address is created as a new object",
                        )
                    } else if co.immutable_id.is_some() {
                        Some(
                            "holds an ImmutableId that matches no AD holder's anchor: a soft match is refused (InvalidSoftMatch)",
                        )
                    } else if self.has_role(c) {
                        Some("holds an admin role: soft matching onto it is blocked (Existing Admin Role Conflict)")
                    } else if co.kind == CloudKind::User && co.on_prem_sync_enabled.is_none() {
                        Some("cloud-only; soft match is blocked (blockSoftMatchEnabled) or the keys differ")
                    } else {
                        None
                    }
                }
                Who::Ad(_) if m.twins.is_empty() => Some("not yet synchronised (no twin in the tenant)"),
                Who::Ad(_) => None,
            };
            member_ev.push(json!({
                "subject": m.subject.id,
                "display": m.subject.display,
                "object_type": m.kind.as_str(),
                "source": if matches!(m.who, Who::Ad(_)) { "ad" } else { "cloud" },
                "attributes": m.attrs.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
                "role": role,
                "outcome": outcome,
                "predicted_outcome": predicted.map(Outcome::code),
                "note": note,
                "action": action,
                "proposed_value": proposed,
            }));
        }

        // Subjects: the first object that loses the value (the one to fix), then the others, then AD holders' twins.
        let primary = match winner {
            Some(w) => members
                .iter()
                .position(|m| !matches!(m.who, Who::Cloud(_)))
                .filter(|&p| p != w)
                .or_else(|| (0..members.len()).find(|&k| k != w))
                .unwrap_or(0),
            None => 0,
        };
        let mut subjects = vec![members[primary].subject.clone()];
        for (k, m) in members.iter().enumerate() {
            if k != primary {
                subjects.push(m.subject.clone());
            }
        }
        self.add_twins(&mut subjects, &members);
        let names: Vec<String> = members
            .iter()
            .map(|m| {
                format!(
                    "{} ({}, {})",
                    m.subject.display,
                    m.kind.as_str(),
                    m.attrs.iter().map(|a| a.as_str()).collect::<Vec<_>>().join(" + ")
                )
            })
            .collect();
        let title = match winner {
            Some(w) if code == "DU002" => format!(
                "`{value}` of {} is already held by {} in {tenant}: {}",
                members[primary].subject.display,
                members[w].subject.display,
                member_ev[primary]["outcome"].as_str().unwrap_or("")
            ),
            Some(w) => format!(
                "`{value}` is held by {} objects in {tenant}: {} keeps it; {} would be quarantined",
                members.len(),
                members[w].subject.display,
                members
                    .iter()
                    .enumerate()
                    .filter(|(k, _)| *k != w)
                    .map(|(_, m)| m.subject.display.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None => format!(
                "`{value}` is held by {} objects synchronising to {tenant}: {}",
                members.len(),
                names.join("; ")
            ),
        };
        let ev = evidence([
            ("value", json!(value)),
            ("tenant", json!(tenant)),
            ("tenant_known", json!(known_tenant)),
            ("members", json!(member_ev)),
            ("winner", json!(winner.map(|w| members[w].subject.id.clone()))),
            ("winner_basis", json!(basis)),
            ("initial_domain", json!(initial)),
        ]);
        let mut ev = ev;
        // DU002: what the cloud object holding the value carries — never propose deleting one that holds
        // a mailbox, licence, role or group ownership; deletion only for a provably empty leftover.
        if code == "DU002"
            && let Some(Who::Cloud(c)) = winner.map(|w| members[w].who)
        {
            let (holds, deletion) = cloud_holdings(self.e, c);
            ev.insert("cloud_object_holds".into(), json!(holds));
            ev.insert("deletion".into(), json!(deletion));
        }
        // The pair's outcome (DU002: the one AD object against the holder), quoted as the sync family does.
        if code == "DU002"
            && let Some(o) = member_ev[primary]["predicted_outcome"].as_str()
        {
            ev.insert("predicted_outcome".into(), json!(o));
            ev.insert(
                "predicted_outcome_text".into(),
                json!(Outcome::parse(o).map(Outcome::describe).unwrap_or_default()),
            );
        }
        Some(finding(code, title, subjects, ev, value.clone()))
    }

    /// Appends the members' cloud twins to `subjects`, each once and none already there.
    fn add_twins(&self, subjects: &mut Vec<Subject>, members: &[Member]) {
        let mut seen: BTreeSet<String> = subjects.iter().map(|s| s.id.clone()).collect();
        for m in members {
            for &c in &m.twins {
                let s = cloud_subject(self.e, &self.e.cloud_objects[c as usize]);
                if seen.insert(s.id.clone()) {
                    subjects.push(s);
                }
            }
        }
    }

    fn nickname_finding(&self, key: &(u32, String), by: Vec<(Who, Vec<Attr>)>) -> Finding {
        let (ns, value) = key;
        let mut members: Vec<Member> = by.into_iter().map(|(w, a)| self.member(w, a, *ns)).collect();
        members.sort_by_key(|m| Self::sort_key(&m.subject));
        let tenant = self.tenant_name(*ns);
        let mut subjects: Vec<Subject> = members.iter().map(|m| m.subject.clone()).collect();
        self.add_twins(&mut subjects, &members);
        let member_ev: Vec<Value> = members
            .iter()
            .map(|m| {
                let (proposed, action) = match m.who {
                    Who::Ad(i) => {
                        let o = &self.e.ad_objects[i as usize];
                        let p = primary_smtp(&o.proxy_addresses)
                            .or(o.upn.as_deref())
                            .and_then(|a| a.split('@').next())
                            .filter(|p| p.to_lowercase() != *value)
                            .map(str::to_string);
                        (json!(p), json!("EDIT"))
                    }
                    Who::Cloud(_) => (Value::Null, Value::Null),
                };
                json!({
                    "subject": m.subject.id,
                    "display": m.subject.display,
                    "object_type": m.kind.as_str(),
                    "proposed_value": proposed,
                    "action": action,
                })
            })
            .collect();
        let title = format!(
            "mailNickname `{value}` is used by {} objects synchronising to {tenant}: {}",
            members.len(),
            members.iter().map(|m| m.subject.display.as_str()).collect::<Vec<_>>().join(", ")
        );
        let ev = evidence([
            ("attribute", json!("mailNickname")),
            ("value", json!(value)),
            ("tenant", json!(tenant)),
            ("members", json!(member_ev)),
            ("winner", Value::Null),
            (
                "winner_basis",
                json!(
                    "Exchange Online keeps the alias of the object provisioned first and makes the others unique; the order is not in the exports"
                ),
            ),
        ]);
        finding("DU003", title, subjects, ev, value.clone())
    }
}

#[cfg(test)]
mod tests;
