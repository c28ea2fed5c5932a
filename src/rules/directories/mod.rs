//! Family `directories` (DD…): several unlinked tenants of one organisation ("duplicate directories").
//!
//! Tenants are clustered by weighted evidence from the graph — a domain verified in one and used or
//! registered in another, parent and subdomains split across tenants, the same people (anchor,
//! address, display name + surname), the same administrators, similar organisation names, the same
//! forest feeding both, subscriptions of one Azure account spread over both, Lighthouse delegations,
//! the same personal-account guests. Pairs scoring at least the threshold are joined (union-find);
//! tenants declared separate or linked by cross-tenant sync in estate.toml never are, and the
//! report says so (DD002). Each cluster gets a consolidation plan. Facts: identity-facts.md §3, §4.
//!
//! Every key is hashed once (no pairwise comparison of objects); pairs are formed only among the few
//! tenants that share a key.

use super::params::Dd001;
use super::params::types::lower;
use super::tenancy::{self, DomainTable};
use super::{Context, cloud_subject, evidence, finding, tenant_subject};
use crate::findings::{Finding, Subject};
use crate::graph::{AccountKind, external};
use crate::hash::FastSet as HashSet;
use crate::model::text::TrimFast as _;
use crate::model::{CloudKind, CloudObject, Estate, TenantIdx};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// One piece of evidence that two tenants belong to one organisation.
#[derive(Clone, Debug)]
pub struct Evidence {
    /// Kind (the weight's param name).
    pub kind: &'static str,
    /// Points.
    pub weight: i64,
    /// What was seen.
    pub detail: String,
    /// Objects that show it (capped).
    pub subjects: Vec<Subject>,
}

/// Evidence between two tenants.
#[derive(Clone, Debug, Default)]
pub struct PairEvidence {
    /// The pieces, strongest first once scored.
    pub items: Vec<Evidence>,
}

impl PairEvidence {
    /// Total points.
    pub fn score(&self) -> i64 {
        self.items.iter().map(|e| e.weight).sum()
    }
    fn json(&self) -> Value {
        json!(
            self.items
                .iter()
                .map(|e| json!({"kind": e.kind, "weight": e.weight, "detail": e.detail}))
                .collect::<Vec<_>>()
        )
    }
}

/// A cluster of tenants of one organisation.
#[derive(Clone, Debug)]
pub struct Cluster {
    /// Tenants, the proposed primary first.
    pub tenants: Vec<TenantIdx>,
}

/// The clustering result.
#[derive(Debug, Default)]
pub struct Analysis {
    /// Evidence per tenant pair `(a, b)`, `a < b`.
    pub pairs: BTreeMap<(TenantIdx, TenantIdx), PairEvidence>,
    /// Clusters of two or more tenants.
    pub clusters: Vec<Cluster>,
    /// Declared pairs: `(declaring tenant, other tenant, declaration)`.
    pub declared: Vec<(TenantIdx, TenantIdx, &'static str)>,
    /// Ranking facts per tenant (for the primary choice).
    pub rank: Vec<Rank>,
}

/// What makes a tenant the better primary.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Rank {
    /// Synchronised from on-premises (organization flag, declared forest, or hard-matched objects).
    pub synced: bool,
    /// Member users.
    pub users: usize,
    /// Licensed member users.
    pub licensed: usize,
    /// Verified custom domains.
    pub domains: usize,
}

fn key(a: TenantIdx, b: TenantIdx) -> (TenantIdx, TenantIdx) {
    if a < b { (a, b) } else { (b, a) }
}

/// Builds the evidence and the clusters.
pub fn analyse(ctx: &Context<'_>) -> Analysis {
    let estate = ctx.estate();
    let n = estate.tenants.len();
    let mut an = Analysis { rank: rank(ctx), ..Default::default() };
    if n < 2 {
        return an;
    }
    let dd = &ctx.params().dd001;
    let max = dd.max_subjects_per_evidence;
    let t = std::time::Instant::now();
    let domains = DomainTable::new(estate);
    let usage = ctx.domain_usage();
    crate::timing::timing("rules/directories: domain usage", t);
    domain_evidence(estate, &domains, usage, (max, dd), &mut an.pairs);
    crate::timing::timing("rules/directories: + domains", t);
    people_evidence(ctx, max, &mut an.pairs);
    crate::timing::timing("rules/directories: + people", t);
    name_evidence(estate, dd, &mut an.pairs);
    forest_evidence(ctx, &mut an.pairs);
    subscription_evidence(estate, ctx, max, &mut an.pairs);
    guest_evidence(estate, (max, dd), &mut an.pairs);
    crate::timing::timing("rules/directories: + names, forests, subscriptions, guests", t);
    for p in an.pairs.values_mut() {
        p.items.sort_by(|a, b| b.weight.cmp(&a.weight).then(a.kind.cmp(b.kind)).then(a.detail.cmp(&b.detail)));
    }

    // Declarations.
    let mut excluded: HashSet<(TenantIdx, TenantIdx)> = HashSet::default();
    for (i, t) in estate.tenants.iter().enumerate() {
        for (list, what) in [(&t.separate_from, "separate_from"), (&t.cross_tenant_sync, "cross_tenant_sync")] {
            for &o in list {
                if excluded.insert(key(i as TenantIdx, o)) {
                    an.declared.push((i as TenantIdx, o, what));
                }
            }
        }
    }

    // Union-find over pairs at or above the threshold.
    let threshold = dd.threshold;
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(p: &mut [usize], x: usize) -> usize {
        let mut r = x;
        while p[r] != r {
            r = p[r];
        }
        let mut c = x;
        while p[c] != r {
            let next = p[c];
            p[c] = r;
            c = next;
        }
        r
    }
    for (&(a, b), ev) in &an.pairs {
        if ev.score() >= threshold && !excluded.contains(&(a, b)) {
            let (ra, rb) = (find(&mut parent, a as usize), find(&mut parent, b as usize));
            if ra != rb {
                parent[ra.max(rb)] = ra.min(rb);
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<TenantIdx>> = BTreeMap::new();
    for t in 0..n {
        let r = find(&mut parent, t);
        groups.entry(r).or_default().push(t as TenantIdx);
    }
    for (_, mut members) in groups {
        if members.len() < 2 {
            continue;
        }
        members.sort_by(|&a, &b| an.rank[b as usize].cmp(&an.rank[a as usize]).then(a.cmp(&b)));
        an.clusters.push(Cluster { tenants: members });
    }
    an
}

fn rank(ctx: &Context<'_>) -> Vec<Rank> {
    let estate = ctx.estate();
    let mut r: Vec<Rank> = vec![Rank::default(); estate.tenants.len()];
    for (i, t) in estate.tenants.iter().enumerate() {
        r[i].synced = t.on_prem_sync_enabled == Some(true);
    }
    for f in &estate.forests {
        for &t in &f.syncs_to {
            r[t as usize].synced = true;
        }
    }
    for o in &estate.cloud_objects {
        if o.kind == CloudKind::User && !o.is_guest() {
            let x = &mut r[o.tenant as usize];
            x.users += 1;
            if !o.licenses.is_empty() {
                x.licensed += 1;
            }
        }
    }
    for d in &estate.domains {
        if d.is_verified == Some(true) && !tenancy::is_microsoft_domain(&d.name) {
            r[d.tenant as usize].domains += 1;
        }
    }
    r
}

fn push(pairs: &mut BTreeMap<(TenantIdx, TenantIdx), PairEvidence>, a: TenantIdx, b: TenantIdx, e: Evidence) {
    pairs.entry(key(a, b)).or_default().items.push(e);
}

/// A domain verified in one tenant and verified, registered or used by members in another; parent
/// and subdomains verified in different tenants.
fn domain_evidence(
    estate: &Estate,
    domains: &DomainTable,
    usage: &super::addresses::DomainUsage,
    (max, dd): (usize, &Dd001),
    pairs: &mut BTreeMap<(TenantIdx, TenantIdx), PairEvidence>,
) {
    // domain → tenant → member objects using it.
    let used = &usage.by_domain;
    // domain → tenants listing it (verified or not).
    let mut listed: BTreeMap<&str, Vec<(TenantIdx, u32)>> = BTreeMap::new();
    for (t, map) in domains.by_tenant.iter().enumerate() {
        for (name, &di) in map {
            if !tenancy::is_microsoft_domain(name) {
                listed.entry(name.as_str()).or_default().push((t as TenantIdx, di));
            }
        }
    }
    let w = dd.weight_domain_verified_elsewhere;
    let w_split = dd.weight_split_domain;
    for (name, recs) in &listed {
        for &(a, ai) in recs.iter().filter(|(_, i)| estate.domains[*i as usize].is_verified == Some(true)) {
            let mut others: BTreeMap<TenantIdx, (Option<u32>, &[u32])> = BTreeMap::new();
            for &(b, bi) in recs {
                if b != a {
                    others.entry(b).or_default().0 = Some(bi);
                }
            }
            if let Some(u) = used.get(*name) {
                for (&b, objs) in u {
                    if b != a {
                        others.entry(b).or_default().1 = objs;
                    }
                }
            }
            for (b, (rec, objs)) in others {
                // Both verified: counted once, from the lower index.
                let b_verified = rec.is_some_and(|i| estate.domains[i as usize].is_verified == Some(true));
                if b_verified && b < a {
                    continue;
                }
                let mut subjects: Vec<Subject> =
                    rec.map(|i| tenancy::domain_subject(estate, &estate.domains[i as usize])).into_iter().collect();
                subjects
                    .extend(objs.iter().take(max).map(|&i| cloud_subject(estate, &estate.cloud_objects[i as usize])));
                let state = match rec {
                    Some(_) if b_verified => "verified too",
                    Some(_) => "registered unverified",
                    None => "not registered",
                };
                push(
                    pairs,
                    a,
                    b,
                    Evidence {
                        kind: "domain_verified_elsewhere",
                        weight: w,
                        detail: {
                            // Strong uses (UPN, mail, SMTP proxy addresses) apart from weak ones (only
                            // otherMails, the self-service contact addresses), each object once.
                            let on_domain = |x: &str| tenancy::domain_of(x).is_some_and(|d| d == *name);
                            let strong = objs
                                .iter()
                                .filter(|&&i| {
                                    let o = &estate.cloud_objects[i as usize];
                                    o.upn.as_deref().is_some_and(on_domain)
                                        || o.mail.as_deref().is_some_and(on_domain)
                                        || o.proxy_addresses.iter().any(|p| {
                                            p.split_once(':').is_some_and(|(pre, rest)| {
                                                pre.eq_ignore_ascii_case("smtp") && on_domain(rest)
                                            })
                                        })
                                })
                                .count();
                            format!(
                                "{name} is verified in {} and {state} in {}, where {strong} member(s) use it in UPN, \
                                 mail or proxy addresses and {} more only in otherMails (weak evidence)",
                                tenancy::tenant_name(estate, a),
                                tenancy::tenant_name(estate, b),
                                objs.len() - strong
                            )
                        },
                        subjects,
                    },
                );
            }
            // Parent verified in another tenant.
            for p in tenancy::parents(name) {
                for &(b, bi) in listed.get(p).map(Vec::as_slice).unwrap_or(&[]) {
                    if b != a && estate.domains[bi as usize].is_verified == Some(true) {
                        push(
                            pairs,
                            a,
                            b,
                            Evidence {
                                kind: "split_domain",
                                weight: w_split,
                                detail: format!(
                                    "subdomain {name} is verified in {} and its parent {p} in {}",
                                    tenancy::tenant_name(estate, a),
                                    tenancy::tenant_name(estate, b)
                                ),
                                subjects: vec![
                                    tenancy::domain_subject(estate, &estate.domains[ai as usize]),
                                    tenancy::domain_subject(estate, &estate.domains[bi as usize]),
                                ],
                            },
                        );
                    }
                }
            }
        }
    }
}

/// The same people (anchor, address, display name + surname) and the same administrators.
fn people_evidence(ctx: &Context<'_>, max: usize, pairs: &mut BTreeMap<(TenantIdx, TenantIdx), PairEvidence>) {
    let dd = &ctx.params().dd001;
    use crate::hash::hash_one as hash;
    use rayon::prelude::*;
    let estate = ctx.estate();
    let table = &ctx.take_addresses();
    let persons: Vec<u32> = estate
        .cloud_objects
        .par_iter()
        .enumerate()
        .filter(|(_, o)| o.kind == CloudKind::User && !o.is_guest())
        .map(|(i, _)| i as u32)
        .collect();
    let obj = |i: u32| &estate.cloud_objects[i as usize];
    fn anchor(o: &CloudObject) -> Option<&str> {
        o.immutable_id.as_deref().filter(|a| !a.trim_fast().is_empty())
    }
    // Display name and surname, trimmed, both non-blank; compared lower-cased.
    let name = |i: u32| match (obj(i).display_name.as_deref(), obj(i).surname.as_deref()) {
        (Some(d), Some(s)) if !d.trim_fast().is_empty() && !s.trim_fast().is_empty() => {
            Some([d.trim_fast(), s.trim_fast()])
        }
        _ => None,
    };
    // Each key as (hash, object), sorted: runs of one hash are the objects sharing a value, found
    // without a map keyed by a million strings; the values are compared only inside such runs.
    let anchor_keys: Vec<(u64, u32)> =
        persons.par_iter().filter_map(|&i| anchor(obj(i)).map(|a| (hash(a), i))).collect();
    // Addresses with a custom domain, keyed by (object, position among its addresses): a run's
    // addresses are compared directly, not found again by hash.
    let address_keys: Vec<(u64, (u32, u32))> =
        persons.par_iter().flat_map_iter(|&i| table.custom(i as usize).map(move |(k, a)| (hash(a), (i, k)))).collect();
    let name_keys: Vec<(u64, u32)> =
        persons.par_iter().filter_map(|&i| name(i).map(|n| (crate::hash::hash_lower(&n), i))).collect();
    use crate::hash::shared_classes;
    // Only objects of two or more tenants make evidence: a run within one tenant is not compared.
    let tenants = |run: &[(u64, u32)]| run.iter().any(|&(_, i)| obj(i).tenant != obj(run[0].1).tenant);
    // What `same` reads first: an object's value (or inline text), and its first bytes.
    let first = |t: Option<&crate::model::Text>| t.map_or(0, |t| u64::from(t.as_bytes().first().copied().unwrap_or(0)));
    let by_anchor = shared_classes(
        anchor_keys,
        tenants,
        |i| first(obj(i).immutable_id.as_ref()),
        |i, j, _| anchor(obj(i)) == anchor(obj(j)),
    );
    let address_tenants =
        |run: &[(u64, (u32, u32))]| run.iter().any(|&(_, (i, _))| obj(i).tenant != obj(run[0].1.0).tenant);
    let by_address: Vec<Vec<u32>> = shared_classes(
        address_keys,
        address_tenants,
        |_| 0,
        |(i, k), (j, l), _| table.nth(i as usize, k) == table.nth(j as usize, l),
    )
    .into_iter()
    .map(|class| class.into_iter().map(|(i, _)| i).collect())
    .collect();
    let read_name = |i: u32| first(obj(i).display_name.as_ref()) ^ first(obj(i).surname.as_ref());
    let by_name = shared_classes(name_keys, tenants, read_name, |i, j, _| match (name(i), name(j)) {
        (Some([d1, s1]), Some([d2, s2])) => crate::hash::eq_lower(d1, d2) && crate::hash::eq_lower(s1, s2),
        _ => false,
    });
    // (pair) → matched object pairs (lower tenant's object, higher tenant's object) → strongest key.
    let mut matched: BTreeMap<(TenantIdx, TenantIdx), BTreeMap<(u32, u32), u8>> = BTreeMap::new();
    let mut add = |objs: &[u32], strength: u8| {
        if objs.len() < 2 {
            return;
        }
        for (x, &i) in objs.iter().enumerate() {
            for &j in &objs[x + 1..] {
                let (ti, tj) = (estate.cloud_objects[i as usize].tenant, estate.cloud_objects[j as usize].tenant);
                if ti == tj {
                    continue;
                }
                let (k, pair) = if ti < tj { ((ti, tj), (i, j)) } else { ((tj, ti), (j, i)) };
                let e = matched.entry(k).or_default().entry(pair).or_insert(strength);
                *e = (*e).max(strength);
            }
        }
    };
    // Keys shared by many objects (a generic mailbox name, a common name) are capped to stay linear.
    let cap = dd.max_objects_per_key;
    for v in by_anchor.iter().filter(|v| v.len() <= cap) {
        add(v, 3);
    }
    for v in by_address.iter().filter(|v| v.len() <= cap) {
        add(v, 2);
    }
    for v in by_name.iter().filter(|v| v.len() <= cap) {
        add(v, 1);
    }
    // Role holders.
    let mut admins: HashSet<u32> = HashSet::default();
    for r in &estate.role_grants {
        if let Some(c) = ctx.graph.indexes.cloud_by_id(&estate.cloud_objects, r.tenant, &r.principal_id) {
            admins.insert(c);
        }
    }
    let (w_person, cap_people) = (dd.weight_same_person, dd.cap_same_people);
    let (w_name, cap_name) = (dd.weight_same_name, dd.cap_same_name);
    let w_admin = dd.weight_same_admin;
    for ((a, b), mut m) in matched {
        // Synchronised twins of one AD object in both tenants are the forest's sync, counted once as
        // `same_forest`; not again as the same people.
        m.retain(|&(i, j), _| {
            let (x, y) = (&estate.cloud_objects[i as usize], &estate.cloud_objects[j as usize]);
            !(x.on_prem_sync_enabled == Some(true)
                && y.on_prem_sync_enabled == Some(true)
                && anchor(x).is_some()
                && anchor(x) == anchor(y))
        });
        let strong: Vec<(u32, u32)> = m.iter().filter(|(_, s)| **s >= 2).map(|(p, _)| *p).collect();
        let names: Vec<(u32, u32)> = m.iter().filter(|(_, s)| **s == 1).map(|(p, _)| *p).collect();
        let anchors = m.values().filter(|s| **s == 3).count();
        let subjects = |ps: &[(u32, u32)]| -> Vec<Subject> {
            // The first `max` pairs by their objects' sources, ties in `ps` order (what a stable sort
            // of every pair would give), selected rather than sorted: `ps` holds every matched pair.
            let key = |&(k, i, j): &(usize, u32, u32)| {
                (estate.cloud_objects[j as usize].source, estate.cloud_objects[i as usize].source, k)
            };
            let mut v: Vec<(usize, u32, u32)> = ps.iter().enumerate().map(|(k, &(i, j))| (k, i, j)).collect();
            if v.len() > max {
                if max > 0 {
                    v.select_nth_unstable_by_key(max - 1, key);
                }
                v.truncate(max);
            }
            v.sort_unstable_by_key(key);
            v.iter()
                .flat_map(|&(_, i, j)| [j, i])
                .map(|i| cloud_subject(estate, &estate.cloud_objects[i as usize]))
                .collect()
        };
        let (an, bn) = (tenancy::tenant_name(estate, a), tenancy::tenant_name(estate, b));
        if !strong.is_empty() {
            push(
                pairs,
                a,
                b,
                Evidence {
                    kind: "same_people",
                    weight: (w_person * strong.len() as i64).min(cap_people),
                    detail: format!(
                        "{} person(s) are members of both {an} and {bn} (same address or anchor; {anchors} identical ImmutableId(s))",
                        strong.len()
                    ),
                    subjects: subjects(&strong),
                },
            );
        }
        if !names.is_empty() {
            push(
                pairs,
                a,
                b,
                Evidence {
                    kind: "same_names",
                    weight: (w_name * names.len() as i64).min(cap_name),
                    detail: format!("{} member(s) of {an} and {bn} share display name and surname only", names.len()),
                    subjects: subjects(&names),
                },
            );
        }
        let both_admin: Vec<(u32, u32)> = m
            .iter()
            .filter(|(p, s)| **s >= 2 && admins.contains(&p.0) && admins.contains(&p.1))
            .map(|(p, _)| *p)
            .collect();
        if !both_admin.is_empty() {
            push(
                pairs,
                a,
                b,
                Evidence {
                    kind: "same_admins",
                    weight: w_admin,
                    detail: format!("{} person(s) hold directory roles in both {an} and {bn}", both_admin.len()),
                    subjects: subjects(&both_admin),
                },
            );
        }
    }
}

/// Similar organisation names: the same first significant word (legal suffixes ignored).
fn name_evidence(estate: &Estate, dd: &Dd001, pairs: &mut BTreeMap<(TenantIdx, TenantIdx), PairEvidence>) {
    let ignored = lower(&dd.name_words_ignored);
    let mut by_word: BTreeMap<String, Vec<TenantIdx>> = BTreeMap::new();
    for (i, t) in estate.tenants.iter().enumerate() {
        if t.attributed_by == "folder" || t.id.as_deref() == Some(t.name.as_str()) {
            continue;
        }
        let word = t
            .name
            .split(|c: char| !c.is_alphanumeric())
            .map(str::to_lowercase)
            .find(|w| w.chars().count() >= 3 && !ignored.contains(w));
        if let Some(w) = word {
            by_word.entry(w).or_default().push(i as TenantIdx);
        }
    }
    let w = dd.weight_similar_name;
    for (word, ts) in by_word {
        for (x, &a) in ts.iter().enumerate() {
            for &b in &ts[x + 1..] {
                push(
                    pairs,
                    a,
                    b,
                    Evidence {
                        kind: "similar_names",
                        weight: w,
                        detail: format!(
                            "organisation names {:?} and {:?} share the word {word:?}",
                            tenancy::tenant_name(estate, a),
                            tenancy::tenant_name(estate, b)
                        ),
                        subjects: vec![],
                    },
                );
            }
        }
    }
}

/// The same forest feeding both tenants (declared `syncs_to`, or objects hard-matched in both).
fn forest_evidence(ctx: &Context<'_>, pairs: &mut BTreeMap<(TenantIdx, TenantIdx), PairEvidence>) {
    let dd = &ctx.params().dd001;
    let estate = ctx.estate();
    let mut fed: Vec<BTreeMap<TenantIdx, (bool, usize)>> = vec![BTreeMap::new(); estate.forests.len()];
    for (i, f) in estate.forests.iter().enumerate() {
        for &t in &f.syncs_to {
            fed[i].entry(t).or_default().0 = true;
        }
    }
    for (i, o) in estate.ad_objects.iter().enumerate() {
        let mut seen: BTreeSet<TenantIdx> = BTreeSet::new();
        // Only synchronised twins show that the forest feeds a tenant: an anchor copied onto a
        // cloud-only user (onPremisesSyncEnabled not true) is not sync (it counts as "same people").
        for (c, _) in ctx.graph.anchored_cloud_objects(i as u32) {
            let co = &estate.cloud_objects[c as usize];
            if co.on_prem_sync_enabled == Some(true) {
                seen.insert(co.tenant);
            }
        }
        for t in seen {
            if let Some(m) = fed.get_mut(o.forest as usize) {
                m.entry(t).or_default().1 += 1;
            }
        }
    }
    let w = dd.weight_same_forest;
    for (i, m) in fed.iter().enumerate() {
        let ts: Vec<(&TenantIdx, &(bool, usize))> = m.iter().collect();
        for (x, (a, (da, na))) in ts.iter().enumerate() {
            for (b, (db, nb)) in &ts[x + 1..] {
                let how = |d: bool, n: usize, t: TenantIdx| {
                    format!(
                        "{} ({}{n} synchronised hard-matched object(s))",
                        tenancy::tenant_name(estate, t),
                        if d { "declared syncs_to, " } else { "" }
                    )
                };
                push(
                    pairs,
                    **a,
                    **b,
                    Evidence {
                        kind: "same_forest",
                        weight: w,
                        detail: format!(
                            "forest {} feeds {} and {}",
                            estate.forests[i].name,
                            how(*da, *na, **a),
                            how(*db, *nb, **b)
                        ),
                        subjects: vec![],
                    },
                );
            }
        }
    }
}

/// Subscriptions of one Azure account trusting both tenants; Lighthouse delegations between them.
fn subscription_evidence(
    estate: &Estate,
    ctx: &Context<'_>,
    max: usize,
    pairs: &mut BTreeMap<(TenantIdx, TenantIdx), PairEvidence>,
) {
    let dd = &ctx.params().dd001;
    let by_id = &ctx.graph.indexes.tenant_by_id;
    let tenant_of = |id: &str| by_id.get(&id.trim_fast().to_lowercase()).copied();
    let mut by_account: BTreeMap<String, BTreeMap<TenantIdx, Vec<u32>>> = BTreeMap::new();
    let mut delegations: BTreeMap<(TenantIdx, TenantIdx), BTreeMap<String, u32>> = BTreeMap::new();
    for (i, s) in estate.subscriptions.iter().enumerate() {
        let Some(home) = s.trusted_tenant().and_then(tenant_of) else { continue };
        if let Some(u) = s.user_name.as_deref().filter(|u| !u.trim_fast().is_empty()) {
            by_account.entry(u.trim_fast().to_lowercase()).or_default().entry(home).or_default().push(i as u32);
        }
        for m in &s.managed_by_tenants {
            if let Some(mt) = tenant_of(m).filter(|&mt| mt != home) {
                delegations.entry((mt, home)).or_default().entry(s.id.clone()).or_insert(i as u32);
            }
        }
    }
    let w = dd.weight_same_azure_account;
    for (account, tenants) in by_account {
        let ts: Vec<(&TenantIdx, &Vec<u32>)> = tenants.iter().collect();
        for (x, (a, sa)) in ts.iter().enumerate() {
            for (b, sb) in &ts[x + 1..] {
                let subjects = sa
                    .iter()
                    .take(max)
                    .chain(sb.iter().take(max))
                    .map(|&i| tenancy::subscription_subject(&estate.subscriptions[i as usize]))
                    .collect();
                push(
                    pairs,
                    **a,
                    **b,
                    Evidence {
                        kind: "same_azure_account",
                        weight: w,
                        detail: format!(
                            "Azure account {account} holds subscriptions trusting {} and {}",
                            tenancy::tenant_name(estate, **a),
                            tenancy::tenant_name(estate, **b)
                        ),
                        subjects,
                    },
                );
            }
        }
    }
    let w = dd.weight_lighthouse_delegation;
    for ((manager, home), subs) in delegations {
        push(
            pairs,
            manager,
            home,
            Evidence {
                kind: "lighthouse_delegation",
                weight: w,
                detail: format!(
                    "{} manages {} subscription(s) of {} through Azure Lighthouse",
                    tenancy::tenant_name(estate, manager),
                    subs.len(),
                    tenancy::tenant_name(estate, home)
                ),
                subjects: subs
                    .values()
                    .take(max)
                    .map(|&i| tenancy::subscription_subject(&estate.subscriptions[i as usize]))
                    .collect(),
            },
        );
    }
}

/// The same personal Microsoft account invited as guest into both tenants.
fn guest_evidence(
    estate: &Estate,
    (max, dd): (usize, &Dd001),
    pairs: &mut BTreeMap<(TenantIdx, TenantIdx), PairEvidence>,
) {
    let mut by_account: BTreeMap<String, BTreeMap<TenantIdx, u32>> = BTreeMap::new();
    for (i, o) in estate.cloud_objects.iter().enumerate() {
        if let Some(acct) = external::account_of(o).filter(|a| a.kind == AccountKind::Personal) {
            by_account.entry(acct.address).or_default().entry(o.tenant).or_insert(i as u32);
        }
    }
    let mut shared: BTreeMap<(TenantIdx, TenantIdx), Vec<(u32, u32)>> = BTreeMap::new();
    for tenants in by_account.values() {
        let ts: Vec<(&TenantIdx, &u32)> = tenants.iter().collect();
        for (x, (a, ia)) in ts.iter().enumerate() {
            for (b, ib) in &ts[x + 1..] {
                shared.entry((**a, **b)).or_default().push((**ia, **ib));
            }
        }
    }
    let (w, cap) = (dd.weight_same_personal_guest, dd.cap_same_personal_guests);
    for ((a, b), objs) in shared {
        push(
            pairs,
            a,
            b,
            Evidence {
                kind: "same_personal_guests",
                weight: (w * objs.len() as i64).min(cap),
                detail: format!(
                    "{} personal Microsoft account(s) are guests in both {} and {}",
                    objs.len(),
                    tenancy::tenant_name(estate, a),
                    tenancy::tenant_name(estate, b)
                ),
                subjects: objs
                    .iter()
                    .take(max)
                    .flat_map(|&(i, j)| [i, j])
                    .map(|i| cloud_subject(estate, &estate.cloud_objects[i as usize]))
                    .collect(),
            },
        );
    }
}

/// The family entry point.
pub fn run(ctx: &Context<'_>) -> Vec<Finding> {
    let dd = &ctx.params().dd001;
    let estate = ctx.estate();
    let an = ctx.directories();
    let mut out = Vec::new();
    for c in &an.clusters {
        out.push(cluster_finding(ctx, an, c));
    }
    for &(a, b, what) in &an.declared {
        let ev = an.pairs.get(&key(a, b)).cloned().unwrap_or_default();
        let (na, nb) = (tenancy::tenant_name(estate, a), tenancy::tenant_name(estate, b));
        let declaration = if what == "separate_from" {
            "intentionally separate from"
        } else {
            "linked by cross-tenant synchronisation or a multi-tenant organization with"
        };
        out.push(finding(
            "DD002",
            format!(
                "{na} is declared {declaration} {nb} in estate.toml: not reported as duplicate directories (evidence score {})",
                ev.score()
            ),
            vec![tenant_subject(estate, a), tenant_subject(estate, b)],
            evidence([
                ("declared_by", json!(na)),
                ("declaration", json!(what)),
                ("other_tenant", json!(nb)),
                ("score", json!(ev.score())),
                ("threshold", json!(dd.threshold)),
                ("would_cluster", json!(ev.score() >= dd.threshold)),
                ("evidence", ev.json()),
            ]),
            what,
        ));
    }
    out
}

fn cluster_finding(ctx: &Context<'_>, an: &Analysis, c: &Cluster) -> Finding {
    let dd = &ctx.params().dd001;
    let estate = ctx.estate();
    let primary = c.tenants[0];
    let members: BTreeSet<TenantIdx> = c.tenants.iter().copied().collect();
    let mut subjects: Vec<Subject> = c.tenants.iter().map(|&t| tenant_subject(estate, t)).collect();
    let mut seen: HashSet<(String, String, Option<crate::source::SourceRef>)> =
        subjects.iter().map(|s| (s.kind.clone(), s.id.clone(), s.source)).collect();
    let mut pairs_json = Vec::new();
    for (&(a, b), ev) in &an.pairs {
        if !(members.contains(&a) && members.contains(&b)) {
            continue;
        }
        for e in &ev.items {
            for s in &e.subjects {
                if seen.insert((s.kind.clone(), s.id.clone(), s.source)) {
                    subjects.push(s.clone());
                }
            }
        }
        pairs_json.push(json!({
            "tenants": [tenancy::tenant_name(estate, a), tenancy::tenant_name(estate, b)],
            "score": ev.score(),
            "evidence": ev.json(),
        }));
    }
    let names: Vec<&str> = c.tenants.iter().map(|&t| tenancy::tenant_name(estate, t)).collect();
    let ranks: BTreeMap<&str, Value> = c
        .tenants
        .iter()
        .map(|&t| {
            let r = &an.rank[t as usize];
            (
                tenancy::tenant_name(estate, t),
                json!({"synced": r.synced, "member_users": r.users, "licensed_users": r.licensed, "verified_custom_domains": r.domains}),
            )
        })
        .collect();
    let plan = plan(ctx, an, c);
    finding(
        "DD001",
        format!(
            "{} tenants look like unlinked directories of one organisation: {} (proposed primary: {})",
            c.tenants.len(),
            names.join(", "),
            names[0]
        ),
        subjects,
        evidence([
            ("tenants", json!(names)),
            ("primary", json!(names[0])),
            (
                "primary_chosen_by",
                json!("synced, then most member users, then licensed users, then verified custom domains"),
            ),
            ("ranking", json!(ranks)),
            ("pairs", json!(pairs_json)),
            ("threshold", json!(dd.threshold)),
            ("consolidation_plan", plan),
        ]),
        tenancy::tenant_key(estate, primary),
    )
}

/// The consolidation plan: per secondary tenant, the subscriptions to move, the forests to re-point,
/// the duplicate users and the domains to move.
fn plan(ctx: &Context<'_>, an: &Analysis, c: &Cluster) -> Value {
    let dd = &ctx.params().dd001;
    let estate = ctx.estate();
    let primary = c.tenants[0];
    let pname = tenancy::tenant_name(estate, primary);
    let immovable = lower(&dd.quota_ids_that_cannot_change_directory);
    let mut secondaries = Vec::new();
    for &t in &c.tenants[1..] {
        let tname = tenancy::tenant_name(estate, t);
        let tid = estate.tenants[t as usize].id.clone();
        let mut subs: BTreeMap<&str, Value> = BTreeMap::new();
        for s in &estate.subscriptions {
            if s.trusted_tenant().map(|x| x.trim_fast().to_lowercase()) == tid {
                let q = s.quota_id.as_deref().unwrap_or("");
                let can_move = !immovable.iter().any(|p| q.to_lowercase().starts_with(p.as_str()));
                let e = subs.entry(s.id.as_str()).or_insert_with(|| json!({"name": s.display_name}));
                if s.quota_id.is_some() && e.get("quota_id").is_none() {
                    e["quota_id"] = json!(s.quota_id);
                    e["can_change_directory"] = json!(can_move);
                }
            }
        }
        let forests: Vec<&str> =
            estate.forests.iter().filter(|f| f.syncs_to.contains(&t)).map(|f| f.name.as_str()).collect();
        let dupes = an
            .pairs
            .get(&key(primary, t))
            .and_then(|p| p.items.iter().find(|e| e.kind == "same_people"))
            .map(|e| e.detail.clone());
        let domains: BTreeSet<&str> = estate
            .domains
            .iter()
            .filter(|d| d.tenant == t && d.is_verified == Some(true) && !tenancy::is_microsoft_domain(&d.name))
            .map(|d| d.name.as_str())
            .collect();
        let mut steps = Vec::new();
        if !subs.is_empty() {
            steps.push(format!(
                "Move the Azure subscriptions of {tname} to {pname} with \"Change directory\" (an Owner present in both directories): every Azure RBAC role assignment and classic administrator is removed, Key Vault tenant ids and managed identities (system and user-assigned) must be re-created, AKS and Azure Stack registrations break; billing ownership does not change. CSP, Microsoft Internal and Azure for Students Starter subscriptions cannot move."
            ));
        }
        if !forests.is_empty() {
            steps.push(format!(
                "Re-point the synchronisation of forest(s) {} from {tname} to {pname} (one Connect server per tenant; the same anchor may be used in both during the move).",
                forests.join(", ")
            ));
        }
        steps.push(format!(
            "Migrate or remove the duplicate users of {tname} (people who already have an account in {pname}); move the rest (cross-tenant migration of mailboxes and OneDrive)."
        ));
        if !domains.is_empty() {
            steps.push(format!(
                "Remove domain(s) {} from {tname} (users are renamed to onmicrosoft.com) and verify them in {pname}.",
                domains.iter().copied().collect::<Vec<_>>().join(", ")
            ));
        }
        steps.push(format!(
            "Then block sign-up and delete {tname}, or declare it separate in estate.toml if it must stay."
        ));
        secondaries.push(json!({
            "tenant": tname,
            "subscriptions_to_move": subs,
            "forests_to_repoint": forests,
            "duplicate_users": dupes,
            "domains_to_move": domains,
            "steps": steps,
        }));
    }
    json!({"primary": pname, "secondaries": secondaries})
}

#[cfg(test)]
mod tests;
