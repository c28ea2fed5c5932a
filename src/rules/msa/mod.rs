//! Family `msa` (MS…): personal Microsoft accounts (MSA) that make sign-in, invitations or ownership
//! ambiguous across the tenants of the estate (identity-facts.md §5).
//!
//! Personal accounts come from the graph's external-account nodes ([`crate::graph::external`]): cloud
//! users whose `identities[].issuer` is `MicrosoftAccount` (or, when identities were not exported,
//! guests whose address is in a Microsoft consumer domain) and `live.com#` users of `az account list`.
//! One account seen in several tenants is one node, so every rule is a pass over those nodes plus
//! hash lookups — never a pairwise comparison.
//!
//! `mod.rs` finds the accounts and names tenants; `accounts.rs` holds the rules about the accounts
//! themselves (MS001, MS004, MS005), `access.rs` what they can reach (MS002 roles, MS003
//! subscriptions), `apps.rs` the app registrations admitting them (MS006).

use super::params::types::lower;
use super::params::{Ms001, Ms002, Ms006};
use super::{cloud_subject, evidence, finding};
use crate::findings::{Finding, Severity, Subject};
use crate::graph::external::{self, AccountKind};
use crate::graph::{Edge, EstateGraph, Node};
use crate::model::{AdClass, CloudKind, CloudObject, Estate};
use petgraph::Direction;
use petgraph::visit::EdgeRef;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap};

mod access;
mod accounts;
mod apps;
#[cfg(test)]
mod tests;

use access::{directory_roles, subscription_access};
use accounts::{estate_domain_personal, personal_and_work, several_tenants};
use apps::app_audiences;

const SEVERAL_TENANTS: &str = "MS001";
const DIRECTORY_ROLE: &str = "MS002";
const SUBSCRIPTION_ACCESS: &str = "MS003";
const PERSONAL_AND_WORK: &str = "MS004";
const ESTATE_DOMAIN_PERSONAL: &str = "MS005";
const APP_AUDIENCE: &str = "MS006";

/// The family entry point.
pub fn run(ctx: &super::Context<'_>) -> Vec<Finding> {
    let estate = ctx.estate();
    let accounts = personal_accounts(ctx.graph, estate);
    let tenants = TenantNames::new(estate, ctx.graph);
    let mut out = Vec::new();
    out.extend(several_tenants(estate, &accounts, &tenants, &ctx.params().ms001));
    out.extend(directory_roles(estate, ctx.graph, &ctx.params().ms002));
    out.extend(subscription_access(estate, &accounts, &tenants));
    out.extend(personal_and_work(estate, &accounts));
    out.extend(estate_domain_personal(estate, &accounts));
    let fired: BTreeMap<String, usize> = out.iter().fold(BTreeMap::new(), |mut m, f| {
        *m.entry(f.rule.clone()).or_default() += 1;
        m
    });
    out.extend(app_audiences(estate, &fired, &ctx.params().ms006));
    out
}

/// One personal Microsoft account and where the estate sees it.
struct Personal<'a> {
    /// Lower-cased address.
    address: &'a str,
    /// Cloud objects (guests, or members created by the account) that represent it, sorted.
    objects: Vec<u32>,
    /// Subscription records (`az account list`) of the account, sorted.
    subscriptions: Vec<u32>,
}

/// Personal accounts of the graph, in address order.
fn personal_accounts<'g>(g: &'g EstateGraph, estate: &Estate) -> Vec<Personal<'g>> {
    let mut out: Vec<Personal<'g>> = g
        .external_accounts
        .iter()
        .filter(|(a, _)| a.kind == AccountKind::Personal)
        .map(|(a, n)| {
            let mut objects: Vec<u32> = g
                .graph
                .edges_directed(*n, Direction::Incoming)
                .filter_map(|e| match (e.weight(), g.graph[e.source()]) {
                    (Edge::Represents, Node::CloudObject(c)) => Some(c),
                    _ => None,
                })
                .collect();
            // The account's own `az account list` records: a subscription's node stands for all its
            // exports, and only the records listed for this account carry its user name and tenant.
            let mut subscriptions: Vec<u32> =
                if g.graph.edges_directed(*n, Direction::Outgoing).any(|e| matches!(e.weight(), Edge::Administers)) {
                    estate
                        .subscriptions
                        .iter()
                        .enumerate()
                        .filter(|(_, s)| {
                            s.user_name.as_deref().and_then(external::account_of_az_user).as_ref() == Some(a)
                        })
                        .map(|(i, _)| i as u32)
                        .collect()
                } else {
                    Vec::new()
                };
            objects.sort_unstable();
            objects.dedup();
            subscriptions.sort_unstable();
            subscriptions.dedup();
            Personal { address: a.address.as_str(), objects, subscriptions }
        })
        .collect();
    out.sort_by(|a, b| a.address.cmp(b.address));
    out
}

/// Why a cloud object is taken for a personal account (stated in evidence: the domain-only
/// inference is weaker than the issuer).
fn basis(o: &CloudObject) -> &'static str {
    if o.identities.iter().any(|i| i.issuer.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("MicrosoftAccount"))) {
        "identities[].issuer is MicrosoftAccount"
    } else {
        "Microsoft consumer mail domain (identities[].issuer not exported): probably a personal account"
    }
}

/// Names, ids and sign-in hints of tenants, exported or only named by subscriptions.
struct TenantNames<'a> {
    estate: &'a Estate,
    by_id: &'a crate::hash::FastMap<String, u32>,
    /// ARM `/tenants` display names of tenants that were not exported.
    arm_names: HashMap<String, &'a str>,
    /// Default (else first verified non-initial) domain of each exported tenant.
    hint_domain: Vec<Option<&'a str>>,
}

/// A tenant as a key: exported index, or a foreign id.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum TenantKey {
    Exported(u32),
    Foreign(String),
}

impl<'a> TenantNames<'a> {
    fn new(estate: &'a Estate, g: &'a EstateGraph) -> Self {
        let arm_names = estate
            .arm_tenants
            .iter()
            .filter_map(|t| Some((t.tenant_id.to_lowercase(), t.display_name.as_deref()?)))
            .collect();
        let mut hint_domain: Vec<Option<&str>> = vec![None; estate.tenants.len()];
        let mut is_default = vec![false; estate.tenants.len()];
        for d in &estate.domains {
            let t = d.tenant as usize;
            if t >= hint_domain.len() || d.is_verified != Some(true) || d.is_initial == Some(true) || is_default[t] {
                continue;
            }
            if d.is_default == Some(true) || hint_domain[t].is_none() {
                hint_domain[t] = Some(d.name.as_str());
                is_default[t] = d.is_default == Some(true);
            }
        }
        TenantNames { estate, by_id: &g.indexes.tenant_by_id, arm_names, hint_domain }
    }

    fn key_of_id(&self, id: &str) -> TenantKey {
        let id = id.trim().to_lowercase();
        match self.by_id.get(&id) {
            Some(&t) => TenantKey::Exported(t),
            None => TenantKey::Foreign(id),
        }
    }

    fn name(&self, k: &TenantKey) -> String {
        match k {
            TenantKey::Exported(t) => self.estate.tenants[*t as usize].name.clone(),
            TenantKey::Foreign(id) => match self.arm_names.get(id) {
                Some(n) => format!("{n} (not exported)"),
                None => format!("tenant {id} (not exported)"),
            },
        }
    }

    fn id(&self, k: &TenantKey) -> Option<String> {
        match k {
            TenantKey::Exported(t) => self.estate.tenants[*t as usize].id.clone(),
            TenantKey::Foreign(id) => Some(id.clone()),
        }
    }

    /// Evidence for one tenant: name, id, the tenant-specific authority and a domain hint.
    fn describe(&self, k: &TenantKey, presence: &BTreeSet<&str>) -> Value {
        let id = self.id(k);
        let hint = match k {
            TenantKey::Exported(t) => self.hint_domain.get(*t as usize).copied().flatten(),
            TenantKey::Foreign(_) => None,
        };
        json!({
            "name": self.name(k),
            "id": id,
            "presence": presence.iter().collect::<Vec<_>>(),
            "authority": id.as_ref().map(|i| format!("https://login.microsoftonline.com/{i}")),
            "domain_hint": hint,
        })
    }
}

/// Subject for an `az account list` record.
fn subscription_subject(estate: &Estate, s: u32) -> Subject {
    let r = &estate.subscriptions[s as usize];
    Subject {
        kind: "subscription".into(),
        id: r.id.clone(),
        display: r.display_name.clone().unwrap_or_else(|| r.id.clone()),
        source: Some(r.source),
    }
}

/// Subject for the personal account itself (no source: it is seen through the other subjects).
fn account_subject(address: &str) -> Subject {
    Subject {
        kind: "external-account".into(),
        id: format!("personal:{address}"),
        display: format!("{address} (personal Microsoft account)"),
        source: None,
    }
}

/// The tenant whose token listed an `az` subscription record: where the account is signed in.
fn az_tenant(s: &crate::model::Subscription) -> Option<&str> {
    s.tenant_id.as_deref().or(s.home_tenant_id.as_deref())
}

fn names_joined(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
