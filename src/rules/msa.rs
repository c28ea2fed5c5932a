//! Family `msa` (MS…): personal Microsoft accounts (MSA) that make sign-in, invitations or ownership
//! ambiguous across the tenants of the estate (identity-facts.md §5).
//!
//! Personal accounts come from the graph's external-account nodes ([`crate::graph::external`]): cloud
//! users whose `identities[].issuer` is `MicrosoftAccount` (or, when identities were not exported,
//! guests whose address is in a Microsoft consumer domain) and `live.com#` users of `az account list`.
//! One account seen in several tenants is one node, so every rule is a pass over those nodes plus
//! hash lookups — never a pairwise comparison.

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

/// MS001: one personal account in two or more tenants (guest objects and `az` sign-ins).
fn several_tenants(estate: &Estate, accounts: &[Personal<'_>], tenants: &TenantNames<'_>, p: &Ms001) -> Vec<Finding> {
    let min = p.min_tenants.max(2);
    let errors: Vec<Value> = p.errors.iter().map(|e| json!({"code": e.code, "meaning": e.meaning})).collect();
    let mut out = Vec::new();
    for a in accounts {
        let mut presence: BTreeMap<TenantKey, BTreeSet<&str>> = BTreeMap::new();
        for &c in &a.objects {
            let o = &estate.cloud_objects[c as usize];
            let pending = o.external_user_state.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("PendingAcceptance"));
            let what = match (o.is_guest(), pending) {
                (true, false) => "guest",
                (true, true) => "guest (invitation pending)",
                (false, _) => "member signing in with the personal account",
            };
            presence.entry(TenantKey::Exported(o.tenant)).or_default().insert(what);
        }
        for &s in &a.subscriptions {
            if let Some(t) = az_tenant(&estate.subscriptions[s as usize]) {
                presence.entry(tenants.key_of_id(t)).or_default().insert("signed in with az (subscription access)");
            }
        }
        if presence.len() < min {
            continue;
        }
        let mut objects = a.objects.clone();
        objects.sort_by_key(|&c| {
            let o = &estate.cloud_objects[c as usize];
            (o.tenant, o.source)
        });
        let mut subjects: Vec<Subject> =
            objects.iter().map(|&c| cloud_subject(estate, &estate.cloud_objects[c as usize])).collect();
        subjects.extend(a.subscriptions.iter().map(|&s| subscription_subject(estate, s)));
        subjects.push(account_subject(a.address));
        let guest_tenants: Vec<String> = presence
            .iter()
            .filter(|(_, p)| p.iter().any(|w| !w.starts_with("signed in with az")))
            .map(|(k, _)| tenants.name(k))
            .collect();
        let other = presence.len() - guest_tenants.len();
        let title = if guest_tenants.is_empty() {
            format!(
                "Personal Microsoft account {} is signed in to {} tenants ({}): sign-in through `common` is ambiguous",
                a.address,
                presence.len(),
                names_joined(&presence.keys().map(|k| tenants.name(k)).collect::<Vec<_>>())
            )
        } else {
            let more = match other {
                0 => String::new(),
                1 => " and has subscription access in 1 more tenant".to_string(),
                n => format!(" and has subscription access in {n} more tenants"),
            };
            format!(
                "Personal Microsoft account {} is present in {}{more}: sign-in through `common` is ambiguous",
                a.address,
                names_joined(&guest_tenants),
            )
        };
        let bases: BTreeSet<&str> = a
            .objects
            .iter()
            .map(|&c| basis(&estate.cloud_objects[c as usize]))
            .chain((!a.subscriptions.is_empty()).then_some("az account list user name live.com#<address>"))
            .collect();
        let authorities: Vec<String> = presence
            .keys()
            .filter_map(|k| {
                tenants.id(k).map(|id| format!("{}: https://login.microsoftonline.com/{id}", tenants.name(k)))
            })
            .collect();
        out.push(finding(
            SEVERAL_TENANTS,
            title,
            subjects,
            evidence([
                ("address", json!(a.address)),
                ("personal_account_evidence", json!(bases)),
                ("tenant_count", json!(presence.len())),
                ("tenants", Value::Array(presence.iter().map(|(k, p)| tenants.describe(k, p)).collect())),
                ("errors_users_will_see", Value::Array(errors.clone())),
                (
                    "action",
                    json!({
                        "use_tenant_specific_authority": authorities,
                        "or_ask_for_the_tenant_first": "pass domain_hint=<tenant domain> (or the tenant id) so home realm discovery picks the tenant; in az: az login --tenant <id>",
                        "better": "replace the personal account with a work identity (ExternalAzureAD guest or member) and remove the personal-account guests",
                    }),
                ),
            ]),
            "",
        ));
    }
    out
}

/// MS002: a personal account holds a directory role.
fn directory_roles(estate: &Estate, g: &EstateGraph, p: &Ms002) -> Vec<Finding> {
    let ignored: BTreeSet<String> = lower(&p.non_admin_roles).into_iter().collect();
    let critical: BTreeSet<String> = lower(&p.critical_roles).into_iter().collect();
    let mut out = Vec::new();
    for r in &estate.role_grants {
        if ignored.contains(&r.role.to_lowercase()) {
            continue;
        }
        let Some(c) = g.indexes.cloud_by_id(&estate.cloud_objects, r.tenant, &r.principal_id) else { continue };
        let o = &estate.cloud_objects[c as usize];
        let Some(acct) = external::account_of(o).filter(|a| a.kind == AccountKind::Personal) else { continue };
        let tenant = &estate.tenants[o.tenant as usize];
        let tid = tenant.id.clone().unwrap_or_else(|| tenant.name.clone());
        let role_subject = Subject {
            kind: "directory-role".into(),
            id: format!("{tid}/{}/{}", r.role_id.as_deref().unwrap_or(&r.role), r.principal_id.to_lowercase()),
            display: format!("{} in {}", r.role, tenant.name),
            source: Some(r.source),
        };
        let mut f = finding(
            DIRECTORY_ROLE,
            format!(
                "Personal Microsoft account {} holds {} in {}: an administrator without organisational lifecycle or home-tenant conditional access",
                acct.address, r.role, tenant.name
            ),
            vec![cloud_subject(estate, o), role_subject, account_subject(&acct.address)],
            evidence([
                ("address", json!(acct.address)),
                ("personal_account_evidence", json!(basis(o))),
                ("role", json!(r.role)),
                ("role_id", json!(r.role_id)),
                ("tenant", json!({"name": tenant.name, "id": tenant.id})),
                ("user_type", json!(o.user_type)),
                ("user_principal_name", json!(o.upn)),
                ("created", json!(o.created)),
                (
                    "action",
                    json!(
                        "assign the role to a work identity of the person (eligible through PIM), verify it, then remove the role from the personal account and block or delete the personal-account guest"
                    ),
                ),
            ]),
            r.role.to_lowercase(),
        );
        // A role that can grant every other role: whoever controls the personal account controls the tenant.
        if critical.contains(&r.role.to_lowercase()) {
            f.severity = crate::findings::Severity::Critical;
        }
        out.push(f);
    }
    out
}

/// MS003: a personal account (`live.com#` az user) has access to subscriptions.
fn subscription_access(estate: &Estate, accounts: &[Personal<'_>], tenants: &TenantNames<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for a in accounts.iter().filter(|a| !a.subscriptions.is_empty()) {
        let mut records = a.subscriptions.clone();
        records.sort_by_key(|&s| estate.subscriptions[s as usize].source);
        let mut distinct: BTreeMap<&str, (&crate::model::Subscription, BTreeSet<String>)> = BTreeMap::new();
        for &s in &records {
            let r = &estate.subscriptions[s as usize];
            let e = distinct.entry(r.id.as_str()).or_insert((r, BTreeSet::new()));
            if let Some(t) = az_tenant(r) {
                e.1.insert(tenants.name(&tenants.key_of_id(t)));
            }
        }
        let home: BTreeSet<String> = distinct
            .values()
            .filter_map(|(r, _)| r.trusted_tenant())
            .map(|t| tenants.name(&tenants.key_of_id(t)))
            .collect();
        let subs: Vec<Value> = distinct
            .values()
            .map(|(r, via)| {
                json!({
                    "id": r.id,
                    "name": r.display_name,
                    "state": r.state,
                    "home_tenant": r.trusted_tenant().map(|t| tenants.name(&tenants.key_of_id(t))),
                    "listed_from_tenants": via,
                })
            })
            .collect();
        let commands: Vec<String> = distinct
            .keys()
            .map(|id| {
                format!("az role assignment list --all --assignee {} --subscription {id} --output table", a.address)
            })
            .collect();
        let n = distinct.len();
        let title = format!(
            "Personal Microsoft account {} has access to {n} Azure subscription{} in {} tenant{} ({})",
            a.address,
            if n == 1 { "" } else { "s" },
            home.len(),
            if home.len() == 1 { "" } else { "s" },
            names_joined(&home.iter().cloned().collect::<Vec<_>>()),
        );
        let mut subjects: Vec<Subject> = records.iter().map(|&s| subscription_subject(estate, s)).collect();
        subjects.push(account_subject(a.address));
        out.push(finding(
            SUBSCRIPTION_ACCESS,
            title,
            subjects,
            evidence([
                ("address", json!(a.address)),
                ("az_user_name", json!(estate.subscriptions[records[0] as usize].user_name)),
                ("subscriptions", Value::Array(subs)),
                ("home_tenants", json!(home)),
                (
                    "note",
                    json!("az account list shows that the account can use these subscriptions; which role it holds (Owner, Contributor, Reader...) is not in the export: check with the commands"),
                ),
                ("commands", json!(commands)),
            ]),
            "",
        ));
    }
    out
}

/// Lower-cased SMTP addresses of a proxyAddresses list (any `smtp:` prefix case).
fn smtp_addresses(proxies: &[crate::model::Text]) -> impl Iterator<Item = String> + '_ {
    proxies.iter().filter_map(|p| {
        let (prefix, rest) = p.split_once(':')?;
        prefix.eq_ignore_ascii_case("smtp").then(|| rest.trim().to_lowercase())
    })
}

/// MS004: the address of a personal account is also a work account (member user or AD user).
fn personal_and_work(estate: &Estate, accounts: &[Personal<'_>]) -> Vec<Finding> {
    let by_address: HashMap<&str, usize> = accounts.iter().enumerate().map(|(i, a)| (a.address, i)).collect();
    if by_address.is_empty() {
        return Vec::new();
    }
    // (account, kind, index, attribute): one linear pass over cloud and AD users.
    let mut cloud_hits: BTreeMap<usize, BTreeMap<u32, BTreeSet<&'static str>>> = BTreeMap::new();
    for (i, o) in estate.cloud_objects.iter().enumerate() {
        if o.kind != CloudKind::User || external::account_of(o).is_some() {
            continue; // guests and external identities are not work accounts of the estate
        }
        let keys = [
            ("userPrincipalName", o.upn.as_deref().map(str::to_lowercase)),
            ("mail", o.mail.as_deref().map(str::to_lowercase)),
        ]
        .into_iter()
        .filter_map(|(k, v)| Some((k, v?)))
        .chain(smtp_addresses(&o.proxy_addresses).map(|v| ("proxyAddresses", v)));
        for (attr, v) in keys {
            if let Some(&a) = by_address.get(v.as_str()) {
                cloud_hits.entry(a).or_default().entry(i as u32).or_default().insert(attr);
            }
        }
    }
    let mut ad_hits: BTreeMap<usize, BTreeMap<u32, BTreeSet<&'static str>>> = BTreeMap::new();
    for (i, o) in estate.ad_objects.iter().enumerate() {
        if !matches!(o.class, AdClass::User | AdClass::InetOrgPerson) {
            continue;
        }
        let keys = [
            ("userPrincipalName", o.upn.as_deref().map(str::to_lowercase)),
            ("mail", o.mail.as_deref().map(str::to_lowercase)),
        ]
        .into_iter()
        .filter_map(|(k, v)| Some((k, v?)))
        .chain(smtp_addresses(&o.proxy_addresses).map(|v| ("proxyAddresses", v)));
        for (attr, v) in keys {
            if let Some(&a) = by_address.get(v.as_str()) {
                ad_hits.entry(a).or_default().entry(i as u32).or_default().insert(attr);
            }
        }
    }
    let mut out = Vec::new();
    let all: BTreeSet<usize> = cloud_hits.keys().chain(ad_hits.keys()).copied().collect();
    for ai in all {
        let a = &accounts[ai];
        let empty = BTreeMap::new();
        let cloud = cloud_hits.get(&ai).unwrap_or(&empty);
        let ad = ad_hits.get(&ai).unwrap_or(&empty);
        let mut personal_objects = a.objects.clone();
        personal_objects.sort_by_key(|&c| {
            let o = &estate.cloud_objects[c as usize];
            (o.tenant, o.source)
        });
        let mut subjects: Vec<Subject> =
            personal_objects.iter().map(|&c| cloud_subject(estate, &estate.cloud_objects[c as usize])).collect();
        subjects.extend(a.subscriptions.iter().map(|&s| subscription_subject(estate, s)));
        subjects.extend(cloud.keys().map(|&c| cloud_subject(estate, &estate.cloud_objects[c as usize])));
        subjects.extend(ad.keys().map(|&i| super::ad_subject(&estate.ad_objects[i as usize])));
        subjects.push(account_subject(a.address));
        let personal: Vec<Value> = personal_objects
            .iter()
            .map(|&c| {
                let o = &estate.cloud_objects[c as usize];
                json!({
                    "tenant": estate.tenants[o.tenant as usize].name,
                    "object_id": o.id,
                    "user_principal_name": o.upn,
                    "user_type": o.user_type,
                    "external_user_state": o.external_user_state,
                    "evidence": basis(o),
                })
            })
            .chain((!a.subscriptions.is_empty()).then(|| json!({"az_user_name": format!("live.com#{}", a.address)})))
            .collect();
        let work: Vec<Value> = cloud
            .iter()
            .map(|(&c, attrs)| {
                let o = &estate.cloud_objects[c as usize];
                json!({
                    "tenant": estate.tenants[o.tenant as usize].name,
                    "object_id": o.id,
                    "user_principal_name": o.upn,
                    "matched_on": attrs,
                })
            })
            .chain(ad.iter().map(|(&i, attrs)| {
                let o = &estate.ad_objects[i as usize];
                json!({
                    "forest": estate.forests.get(o.forest as usize).map(|f| f.name.as_str()),
                    "distinguished_name": o.dn,
                    "user_principal_name": o.upn,
                    "matched_on": attrs,
                })
            }))
            .collect();
        let guest_tenants: BTreeSet<&str> = personal_objects
            .iter()
            .map(|&c| estate.tenants[estate.cloud_objects[c as usize].tenant as usize].name.as_str())
            .collect();
        let work_where: BTreeSet<String> = cloud
            .keys()
            .map(|&c| estate.tenants[estate.cloud_objects[c as usize].tenant as usize].name.clone())
            .chain(ad.keys().filter_map(|&i| {
                estate.forests.get(estate.ad_objects[i as usize].forest as usize).map(|f| format!("forest {}", f.name))
            }))
            .collect();
        let personal_where = if guest_tenants.is_empty() {
            "az user".to_string()
        } else {
            format!("guest in {}", names_joined(&guest_tenants.iter().map(|s| s.to_string()).collect::<Vec<_>>()))
        };
        let reset: Vec<Value> = personal_objects
            .iter()
            .map(|&c| reset_redemption(estate, &estate.cloud_objects[c as usize], a.address))
            .collect();
        out.push(finding(
            PERSONAL_AND_WORK,
            format!(
                "{} is both a personal Microsoft account ({personal_where}) and a work account ({}): users get the \"work or personal account?\" choice",
                a.address,
                names_joined(&work_where.into_iter().collect::<Vec<_>>())
            ),
            subjects,
            evidence([
                ("address", json!(a.address)),
                ("personal_account", Value::Array(personal)),
                ("work_accounts", Value::Array(work)),
                (
                    "cleanup_order",
                    json!([
                        "1. confirm that the work account belongs to the same person",
                        "2. reset the guest's redemption so that it redeems with the work account (ExternalAzureAD B2B); object id, memberships and role assignments are kept",
                        "3. ask the person to rename the personal account's sign-in alias to a non-work address (or close it)",
                        "4. check that the guest's identities[].issuer is ExternalAzureAD, then remove access granted to the personal account elsewhere (az role assignments, app roles)",
                    ]),
                ),
                ("reset_redemption", Value::Array(reset)),
            ]),
            "",
        ));
    }
    out
}

/// The Graph request that re-invites a guest so it redeems with another identity, keeping the object.
fn reset_redemption(estate: &Estate, o: &CloudObject, address: &str) -> Value {
    let tid = estate.tenants[o.tenant as usize].id.clone().unwrap_or_default();
    json!({
        "tenant": estate.tenants[o.tenant as usize].name,
        "request": "POST https://graph.microsoft.com/v1.0/invitations",
        "body": {
            "invitedUserEmailAddress": address,
            "inviteRedirectUrl": format!("https://myapps.microsoft.com/?tenantid={tid}"),
            "sendInvitationMessage": true,
            "resetRedemption": true,
            "invitedUser": {"id": o.id},
        },
    })
}

/// MS005: a personal-account guest whose address is in a domain verified by a tenant of the estate.
fn estate_domain_personal(estate: &Estate, accounts: &[Personal<'_>]) -> Vec<Finding> {
    let mut verified: HashMap<String, BTreeSet<u32>> = HashMap::new();
    for d in estate.domains.iter().filter(|d| d.is_verified == Some(true)) {
        verified.entry(d.name.to_lowercase()).or_default().insert(d.tenant);
    }
    for (i, t) in estate.tenants.iter().enumerate() {
        for v in &t.verified_domains {
            verified.entry(v.name.to_lowercase()).or_default().insert(i as u32);
        }
    }
    let mut out = Vec::new();
    for a in accounts {
        let domain = a.address.rsplit_once('@').map(|(_, d)| d).unwrap_or("");
        let Some(by) = verified.get(domain) else { continue };
        for &c in &a.objects {
            let o = &estate.cloud_objects[c as usize];
            let verified_by: Vec<String> = by.iter().map(|&t| estate.tenants[t as usize].name.clone()).collect();
            let own = by.contains(&o.tenant);
            let host = &estate.tenants[o.tenant as usize];
            let how = if o.creation_type.as_deref().is_some_and(|c| c.eq_ignore_ascii_case("Invitation")) {
                "was invited"
            } else {
                "exists"
            };
            out.push(finding(
                ESTATE_DOMAIN_PERSONAL,
                format!(
                    "{} {} in {} {how} with an address in {domain} (verified by {}) but signs in with a personal Microsoft account instead of the organisation's work identity",
                    if o.is_guest() { "Guest" } else { "User" },
                    a.address,
                    host.name,
                    names_joined(&verified_by)
                ),
                vec![cloud_subject(estate, o), account_subject(a.address)],
                evidence([
                    ("address", json!(a.address)),
                    ("domain", json!(domain)),
                    ("domain_verified_by", json!(verified_by)),
                    ("verified_by_the_guest_tenant_itself", json!(own)),
                    ("guest_tenant", json!({"name": host.name, "id": host.id})),
                    ("personal_account_evidence", json!(basis(o))),
                    ("creation_type", json!(o.creation_type)),
                    ("external_user_state", json!(o.external_user_state)),
                    ("user_type", json!(o.user_type)),
                    (
                        "why",
                        json!("B2B redemption tries the managed Entra tenant of the address first; the personal account won because the user chose it or it predates the domain's verification"),
                    ),
                    ("action", reset_redemption(estate, o, a.address)),
                ]),
                domain.to_string(),
            ));
        }
    }
    out
}

/// MS006: app registrations admitting personal accounts or any organisation, in an estate where
/// other rules of this family fired.
fn app_audiences(estate: &Estate, fired: &BTreeMap<String, usize>, p: &Ms006) -> Vec<Finding> {
    let triggers: BTreeMap<String, usize> =
        p.when_rules_fired.iter().filter_map(|r| fired.get(r).map(|&n| (r.clone(), n))).collect();
    if triggers.is_empty() {
        return Vec::new();
    }
    let audiences = &p.audiences;
    let personal = &p.personal_audiences;
    let consumer = p.consumer_tenant_id.as_str();
    let estate_ids: Vec<&str> = estate.tenants.iter().filter_map(|t| t.id.as_deref()).collect();
    let mut out = Vec::new();
    for app in estate.applications.iter().filter(|a| a.kind == "application") {
        let Some(aud) = app.sign_in_audience.as_deref() else { continue };
        if !audiences.iter().any(|a| a.eq_ignore_ascii_case(aud)) {
            continue;
        }
        let admits_personal = personal.iter().any(|a| a.eq_ignore_ascii_case(aud));
        let tenant = &estate.tenants[app.tenant as usize];
        let name = app.display_name.clone().or_else(|| app.app_id.clone()).unwrap_or_else(|| "(unnamed app)".into());
        let mut issuers: Vec<String> =
            estate_ids.iter().map(|id| format!("https://login.microsoftonline.com/{id}/v2.0")).collect();
        if admits_personal && !consumer.is_empty() {
            issuers.push(format!("https://login.microsoftonline.com/{consumer}/v2.0"));
        }
        let who = if admits_personal {
            "personal Microsoft accounts and accounts of any organisation"
        } else {
            "accounts of any organisation"
        };
        let subject = Subject {
            kind: "application".into(),
            id: format!(
                "{}/{}",
                tenant.id.as_deref().unwrap_or(&tenant.name),
                app.app_id.as_deref().or(app.id.as_deref()).unwrap_or(&name)
            ),
            display: name.clone(),
            source: Some(app.source),
        };
        let mut f = finding(
            APP_AUDIENCE,
            format!(
                "App \"{name}\" in {} admits {who} ({aud}) in an estate with ambiguous personal accounts: validate the issuer against an allow-list",
                tenant.name
            ),
            vec![subject],
            evidence([
                ("sign_in_audience", json!(aud)),
                ("admits_personal_accounts", json!(admits_personal)),
                ("app_id", json!(app.app_id)),
                ("tenant", json!({"name": tenant.name, "id": tenant.id})),
                ("estate_ambiguities", json!(triggers)),
                ("issuer_allow_list", json!(issuers)),
                (
                    "action",
                    json!({
                        "validate_issuer": "check the token's tid/issuer against issuer_allow_list; never set ValidateIssuer = false",
                        "authority": tenant.id.as_ref().map(|id| format!("https://login.microsoftonline.com/{id}")),
                        "or_narrow_audience": "signInAudience = AzureADMyOrg if only this organisation signs in",
                    }),
                ),
            ]),
            "",
        );
        if !admits_personal {
            f.severity = Severity::Low;
        }
        out.push(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::Ingested;
    use crate::model::*;
    use crate::rules::{Context, RuleOptions};

    const T1: &str = "11111111-1111-1111-1111-111111111111";
    const T2: &str = "22222222-2222-2222-2222-222222222222";

    fn tenant(id: &str, name: &str) -> Tenant {
        Tenant { id: Some(id.into()), name: name.into(), ..Default::default() }
    }

    fn msa_guest(tenant: u32, id: &str, address: &str, host: &str) -> CloudObject {
        CloudObject {
            tenant,
            id: Some(id.into()),
            upn: Some(crate::model::Text::from(format!("{}#EXT#@{host}", address.replace('@', "_")))),
            mail: Some(address.into()),
            user_type: Some("Guest".into()),
            creation_type: Some("Invitation".into()),
            external_user_state: Some("Accepted".into()),
            identities: vec![Identity {
                sign_in_type: Some("federated".into()),
                issuer: Some("MicrosoftAccount".into()),
                issuer_assigned_id: None,
            }],
            ..Default::default()
        }
    }

    fn run_on(e: Estate) -> Vec<Finding> {
        let graph = EstateGraph::build(&e);
        let ingested = Ingested { estate: e, ..Default::default() };
        let options = RuleOptions::default();
        let mut f = run(&Context::new(&options, &ingested, &graph));
        f.sort_by(|a, b| (a.rule.as_str(), &a.title).cmp(&(b.rule.as_str(), &b.title)));
        f
    }

    fn rules(f: &[Finding]) -> Vec<&str> {
        f.iter().map(|f| f.rule.as_str()).collect()
    }

    fn two_tenants() -> Estate {
        let mut e = Estate::default();
        e.tenants.push(tenant(T1, "Contoso"));
        e.tenants.push(tenant(T2, "Fabrikam"));
        e
    }

    #[test]
    fn same_personal_account_in_two_tenants_is_ambiguous() {
        let mut e = two_tenants();
        e.cloud_objects.push(msa_guest(0, "a1", "kim@outlook.com", "contoso.onmicrosoft.com"));
        e.cloud_objects.push(msa_guest(1, "b1", "Kim@Outlook.com", "fabrikam.onmicrosoft.com"));
        let f = run_on(e);
        assert_eq!(rules(&f), vec!["MS001"]);
        assert!(f[0].title.contains("Contoso and Fabrikam"), "{}", f[0].title);
        assert_eq!(f[0].subjects[0].id, format!("{T1}/a1"));
        assert_eq!(f[0].evidence["tenant_count"], 2);
        let errors = f[0].evidence["errors_users_will_see"].to_string();
        assert!(errors.contains("AADSTS50020") && errors.contains("AADSTS500202"), "{errors}");
        assert!(f[0].evidence["action"].to_string().contains(&format!("https://login.microsoftonline.com/{T2}")));
    }

    #[test]
    fn guest_in_one_tenant_plus_az_sign_in_to_another_counts_but_one_tenant_alone_does_not() {
        let mut e = two_tenants();
        e.cloud_objects.push(msa_guest(0, "a1", "kim@outlook.com", "contoso.onmicrosoft.com"));
        assert!(run_on(e.clone()).is_empty(), "a personal guest in one tenant without privileges is not reported");
        e.subscriptions.push(Subscription {
            id: "s1".into(),
            tenant_id: Some("33333333-3333-3333-3333-333333333333".into()),
            user_name: Some("live.com#kim@outlook.com".into()),
            ..Default::default()
        });
        let f = run_on(e);
        assert_eq!(rules(&f), vec!["MS001", "MS003"]);
        assert!(f[0].title.contains("1 more tenant"), "{}", f[0].title);
        assert!(f[1].title.contains("1 Azure subscription in 1 tenant"), "{}", f[1].title);
        assert_eq!(f[1].severity, Severity::High);
    }

    #[test]
    fn work_account_guests_and_look_alike_domains_are_not_personal() {
        let mut e = two_tenants();
        let mut partner = msa_guest(0, "a1", "lee@fabrikam.com", "contoso.onmicrosoft.com");
        partner.identities[0].issuer = Some("ExternalAzureAD".into());
        let mut partner2 = partner.clone();
        partner2.tenant = 1;
        partner2.id = Some("b1".into());
        // e-mail OTP guest on a look-alike of hotmail, in both tenants, and one without identities.
        let mut otp = msa_guest(0, "a2", "sam@hotmail-us.top", "contoso.onmicrosoft.com");
        otp.identities[0].issuer = Some("mail".into());
        let mut bare = otp.clone();
        bare.tenant = 1;
        bare.id = Some("b2".into());
        bare.identities.clear();
        e.cloud_objects.extend([partner, partner2, otp, bare]);
        e.role_grants.push(RoleGrant {
            tenant: 0,
            principal_id: "a1".into(),
            role: "Global Administrator".into(),
            ..Default::default()
        });
        assert!(run_on(e).is_empty());
    }

    #[test]
    fn consumer_domain_guest_without_identities_is_probably_personal() {
        let mut e = two_tenants();
        for (t, id) in [(0, "a1"), (1, "b1")] {
            let mut g = msa_guest(t, id, "kim@hotmail.co.uk", "x.onmicrosoft.com");
            g.identities.clear();
            e.cloud_objects.push(g);
        }
        let f = run_on(e);
        assert_eq!(rules(&f), vec!["MS001"]);
        assert!(f[0].evidence["personal_account_evidence"].to_string().contains("probably"));
    }

    #[test]
    fn admin_role_on_personal_account_is_high_global_admin_critical_and_reader_roles_ignored() {
        let mut e = two_tenants();
        e.cloud_objects.push(msa_guest(0, "a1", "it.guy@hotmail.co.uk", "contoso.onmicrosoft.com"));
        e.role_grants.push(RoleGrant {
            tenant: 0,
            principal_id: "A1".into(),
            role: "Directory Readers".into(),
            ..Default::default()
        });
        assert!(run_on(e.clone()).is_empty());
        e.role_grants.push(RoleGrant {
            tenant: 0,
            principal_id: "A1".into(),
            role: "Global Administrator".into(),
            ..Default::default()
        });
        let f = run_on(e.clone());
        assert_eq!(rules(&f), vec!["MS002"]);
        assert_eq!(f[0].severity, Severity::Critical, "Global Administrator: control of the tenant");
        e.role_grants.pop();
        e.role_grants.push(RoleGrant {
            tenant: 0,
            principal_id: "A1".into(),
            role: "User Administrator".into(),
            ..Default::default()
        });
        let f = run_on(e);
        assert_eq!(rules(&f), vec!["MS002"]);
        assert_eq!(f[0].severity, Severity::High);
        assert!(f[0].title.contains("User Administrator in Contoso"), "{}", f[0].title);
        assert_eq!(f[0].discriminator, "user administrator");
    }

    #[test]
    fn address_both_personal_and_work_and_redeemed_from_estate_domain() {
        let mut e = two_tenants();
        e.cloud_objects.push(CloudObject {
            tenant: 0,
            id: Some("w1".into()),
            upn: Some("lea@contoso.com".into()),
            user_type: Some("Member".into()),
            ..Default::default()
        });
        e.cloud_objects.push(msa_guest(1, "g1", "lea@contoso.com", "fabrikam.onmicrosoft.com"));
        e.domains.push(Domain { tenant: 0, name: "contoso.com".into(), is_verified: Some(true), ..Default::default() });
        let f = run_on(e.clone());
        assert_eq!(rules(&f), vec!["MS004", "MS005"]);
        assert_eq!(f[0].subjects[0].id, format!("{T2}/g1"), "the personal-account guest is the primary subject");
        assert_eq!(f[0].subjects[1].id, format!("{T1}/w1"));
        assert!(
            f[0].title.contains("guest in Fabrikam") && f[0].title.contains("work account (Contoso)"),
            "{}",
            f[0].title
        );
        assert_eq!(f[0].evidence["reset_redemption"][0]["body"]["resetRedemption"], true);
        assert!(f[1].title.contains("verified by Contoso"), "{}", f[1].title);
        // Unverified domain and no work account: nothing.
        e.cloud_objects.remove(0);
        e.domains[0].is_verified = Some(false);
        assert!(run_on(e).is_empty());
    }

    #[test]
    fn apps_are_reported_only_in_an_estate_with_ambiguity() {
        let mut e = two_tenants();
        for (name, aud) in
            [("Portal", "AzureADandPersonalMicrosoftAccount"), ("Sync", "AzureADMultipleOrgs"), ("HR", "AzureADMyOrg")]
        {
            e.applications.push(Application {
                tenant: 0,
                kind: "application".into(),
                app_id: Some(format!("app-{name}")),
                display_name: Some(name.into()),
                sign_in_audience: Some(aud.into()),
                ..Default::default()
            });
        }
        assert!(run_on(e.clone()).is_empty(), "no ambiguity, no app finding");
        e.cloud_objects.push(msa_guest(0, "a1", "kim@outlook.com", "contoso.onmicrosoft.com"));
        e.cloud_objects.push(msa_guest(1, "b1", "kim@outlook.com", "fabrikam.onmicrosoft.com"));
        let f = run_on(e);
        assert_eq!(rules(&f), vec!["MS001", "MS006", "MS006"]);
        let portal = f.iter().find(|f| f.title.contains("Portal")).unwrap();
        assert_eq!(portal.severity, Severity::Medium);
        assert!(portal.evidence["issuer_allow_list"].to_string().contains("9188040d-6c67-4c5b-b112-36a304b66dad"));
        let sync = f.iter().find(|f| f.title.contains("Sync")).unwrap();
        assert_eq!(sync.severity, Severity::Low);
        assert!(!sync.evidence["issuer_allow_list"].to_string().contains("9188040d"));
    }
}
