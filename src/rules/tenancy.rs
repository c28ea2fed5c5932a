//! Helpers shared by the tenant-level families (`directories`, `domains`, `subscriptions`,
//! `federation`): subjects for domains, federation settings and subscriptions, address and domain
//! parsing, per-tenant domain tables, and whether a tenant is unmanaged.

use crate::findings::Subject;
use crate::model::text::TrimFast as _;
use crate::model::{CloudKind, CloudObject, Domain, Estate, Federation, Subscription, TenantIdx};
use std::collections::BTreeMap;

/// The lower-cased domain of an address (`SMTP:a@Contoso.com` → `contoso.com`), if it has one.
pub fn domain_of(address: &str) -> Option<String> {
    let a = address.trim_fast();
    let a = a.split_once(':').filter(|(p, _)| p.eq_ignore_ascii_case("smtp")).map(|(_, r)| r).unwrap_or(a);
    let (local, dom) = a.rsplit_once('@')?;
    let dom = dom.trim_fast().trim_end_matches('.').to_lowercase();
    (!local.is_empty() && !dom.is_empty() && !dom.contains(char::is_whitespace)).then_some(dom)
}

/// The parents of a domain that still have two labels or more (`a.b.contoso.com` → `b.contoso.com`, `contoso.com`).
pub fn parents(domain: &str) -> impl Iterator<Item = &str> {
    let mut rest = domain;
    std::iter::from_fn(move || {
        let (_, tail) = rest.split_once('.')?;
        tail.contains('.').then(|| {
            rest = tail;
            tail
        })
    })
}

/// True for Microsoft-provided domains (`*.onmicrosoft.com` and friends), which are never custom.
pub fn is_microsoft_domain(domain: &str) -> bool {
    // Compared in place, ASCII case-insensitively (called for every address of the estate).
    let ends_with = |suffix: &str| {
        let (d, s) = (domain.as_bytes(), suffix.as_bytes());
        d.len() >= s.len() && d[d.len() - s.len()..].eq_ignore_ascii_case(s)
    };
    ends_with(".onmicrosoft.com") || ends_with(".onmicrosoft.us") || ends_with(".partner.onmschina.cn")
}

/// The addresses a cloud object is known by (UPN, mail, SMTP proxy addresses, otherMails), lower-cased, deduplicated.
pub fn addresses(o: &CloudObject) -> Vec<String> {
    let mut v: Vec<String> = o
        .upn
        .iter()
        .chain(o.mail.iter())
        .chain(o.other_mails.iter())
        .map(|s| s.trim_fast().to_lowercase())
        .chain(o.proxy_addresses.iter().filter_map(|p| {
            let (pre, rest) = p.split_once(':')?;
            pre.eq_ignore_ascii_case("smtp").then(|| rest.trim_fast().to_lowercase())
        }))
        .filter(|a| a.contains('@') && !a.contains("#ext#"))
        .collect();
    v.sort();
    v.dedup();
    v
}

/// Members of a tenant: users and groups that are not B2B guests (contacts carry other organisations' addresses).
pub fn is_member(o: &CloudObject) -> bool {
    o.kind != CloudKind::Contact && !o.is_guest()
}

/// Subject for a domain record: id `<tenant id>/<domain>`.
pub fn domain_subject(estate: &Estate, d: &Domain) -> Subject {
    let t = tenant_key(estate, d.tenant);
    Subject {
        kind: "domain".into(),
        id: format!("{t}/{}", d.name),
        display: format!("{} ({})", d.name, tenant_name(estate, d.tenant)),
        source: Some(d.source),
    }
}

/// Subject for federation settings: id `<tenant id>/<domain>`.
pub fn federation_subject(estate: &Estate, f: &Federation) -> Subject {
    let t = tenant_key(estate, f.tenant);
    let d = f.domain.clone().unwrap_or_else(|| "(domain unknown)".into());
    Subject {
        kind: "federation".into(),
        id: format!("{t}/{d}"),
        display: format!("federation of {d} ({})", tenant_name(estate, f.tenant)),
        source: Some(f.source),
    }
}

/// Subject for one subscription record: id = subscription id.
pub fn subscription_subject(s: &Subscription) -> Subject {
    Subject {
        kind: "subscription".into(),
        id: s.id.clone(),
        display: match &s.display_name {
            Some(n) => format!("{n} ({})", s.id),
            None => s.id.clone(),
        },
        source: Some(s.source),
    }
}

/// Tenant id, else name.
pub fn tenant_key(estate: &Estate, t: TenantIdx) -> String {
    let t = &estate.tenants[t as usize];
    t.id.clone().unwrap_or_else(|| t.name.clone())
}

/// Tenant name.
pub fn tenant_name(estate: &Estate, t: TenantIdx) -> &str {
    &estate.tenants[t as usize].name
}

/// Human label of a tenant id: the estate tenant's name, or the id itself.
pub fn tenant_label(estate: &Estate, by_id: &crate::hash::FastMap<String, u32>, id: &str) -> String {
    match by_id.get(&id.trim_fast().to_lowercase()) {
        Some(&t) => format!("{} ({id})", estate.tenants[t as usize].name),
        None => id.to_string(),
    }
}

/// Per-tenant domain tables: for each tenant, the best record of each domain name (a `/domains` or
/// `Get-MsolDomain` record is preferred to one derived from the organization's `verifiedDomains`).
pub struct DomainTable {
    /// tenant → domain name → index into [`Estate::domains`].
    pub by_tenant: Vec<BTreeMap<String, u32>>,
}

impl DomainTable {
    /// Builds the table.
    pub fn new(estate: &Estate) -> Self {
        let mut by_tenant: Vec<BTreeMap<String, u32>> = vec![BTreeMap::new(); estate.tenants.len()];
        for (i, d) in estate.domains.iter().enumerate() {
            let Some(map) = by_tenant.get_mut(d.tenant as usize) else { continue };
            let name = d.name.trim_fast().to_lowercase();
            let derived = |d: &Domain| estate.tenants[d.tenant as usize].source == Some(d.source);
            match map.get(&name) {
                Some(&old) if !derived(&estate.domains[old as usize]) || derived(d) => {}
                _ => {
                    map.insert(name, i as u32);
                }
            }
        }
        Self { by_tenant }
    }
    /// The record of `name` in tenant `t`.
    pub fn get<'e>(&self, estate: &'e Estate, t: TenantIdx, name: &str) -> Option<&'e Domain> {
        self.by_tenant.get(t as usize)?.get(name).map(|&i| &estate.domains[i as usize])
    }
    /// True when tenant `t` lists `name` as verified.
    pub fn verified(&self, estate: &Estate, t: TenantIdx, name: &str) -> bool {
        self.get(estate, t, name).is_some_and(|d| d.is_verified == Some(true))
    }
    /// True when any domain of tenant `t` was exported (so "not verified" can be concluded).
    pub fn known(&self, t: TenantIdx) -> bool {
        self.by_tenant.get(t as usize).is_some_and(|m| !m.is_empty())
    }
}

/// Whether a tenant looks unmanaged ("viral"): created by self-service sign-up, without a Global Administrator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Management {
    /// An administrator exists (a Global Administrator grant, or an admin-managed custom domain).
    Managed(String),
    /// No administrator: the reason.
    Unmanaged(String),
    /// The exports cannot tell.
    Unknown(String),
}

/// Role names and template ids that denote a Global Administrator.
const GLOBAL_ADMIN: &[&str] =
    &["global administrator", "company administrator", "62e90394-69f5-4237-9190-012177145e10"];

/// Members created by e-mail verification (self-service sign-up) per tenant, in creation order.
pub fn email_verified_users(estate: &Estate) -> Vec<Vec<u32>> {
    let mut out: Vec<Vec<u32>> = vec![Vec::new(); estate.tenants.len()];
    for (i, o) in estate.cloud_objects.iter().enumerate() {
        if o.kind == CloudKind::User
            && !o.is_guest()
            && o.creation_type.as_deref().is_some_and(|c| c.eq_ignore_ascii_case("EmailVerified"))
            && let Some(v) = out.get_mut(o.tenant as usize)
        {
            v.push(i as u32);
        }
    }
    for v in &mut out {
        v.sort_by(|&a, &b| {
            let (a, b) = (&estate.cloud_objects[a as usize], &estate.cloud_objects[b as usize]);
            (a.created.is_none(), &a.created, a.source).cmp(&(b.created.is_none(), &b.created, b.source))
        });
    }
    out
}

/// Management state of every tenant, from role grants and domain records.
pub fn management(estate: &Estate, domains: &DomainTable) -> Vec<Management> {
    let mut roles_exported = vec![false; estate.tenants.len()];
    let mut global_admin = vec![false; estate.tenants.len()];
    for r in &estate.role_grants {
        let t = r.tenant as usize;
        if t < roles_exported.len() {
            roles_exported[t] = true;
            let named = |s: &str| GLOBAL_ADMIN.contains(&s.trim_fast().to_lowercase().as_str());
            if named(&r.role) || r.role_id.as_deref().is_some_and(named) {
                global_admin[t] = true;
            }
        }
    }
    (0..estate.tenants.len())
        .map(|t| {
            let custom: Vec<&Domain> = domains.by_tenant[t]
                .values()
                .map(|&i| &estate.domains[i as usize])
                .filter(|d| !is_microsoft_domain(&d.name) && d.is_verified == Some(true))
                .collect();
            let admin_managed: Vec<&str> =
                custom.iter().filter(|d| d.is_admin_managed == Some(true)).map(|d| d.name.as_str()).collect();
            let not_managed = !custom.is_empty() && custom.iter().all(|d| d.is_admin_managed == Some(false));
            if global_admin[t] {
                Management::Managed("a Global Administrator role grant is exported".into())
            } else if !admin_managed.is_empty() {
                Management::Managed(format!(
                    "custom domain {} is admin-managed (an administrator took the tenant over)",
                    admin_managed.join(", ")
                ))
            } else if roles_exported[t] {
                Management::Unmanaged("the exported directory roles include no Global Administrator".into())
            } else if not_managed {
                Management::Unmanaged(format!(
                    "no custom domain is admin-managed ({})",
                    custom.iter().map(|d| d.name.as_str()).collect::<Vec<_>>().join(", ")
                ))
            } else {
                Management::Unknown("neither directory roles nor admin-managed domain flags were exported".into())
            }
        })
        .collect()
}

/// The host of a URI (`https://adfs.contoso.com/adfs/ls/` → `adfs.contoso.com`), lower-cased.
pub fn uri_host(uri: &str) -> Option<String> {
    let rest = uri.trim_fast().split_once("://").map(|(_, r)| r)?;
    let host = rest.split(['/', '?', '#']).next()?;
    let host = host.rsplit_once('@').map(|(_, h)| h).unwrap_or(host);
    let host = host.split(':').next()?.trim_end_matches('.').to_lowercase();
    (!host.is_empty()).then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_and_domain_parsing() {
        assert_eq!(domain_of("SMTP:a@Contoso.com").as_deref(), Some("contoso.com"));
        assert_eq!(domain_of("smtp:a@contoso.com.").as_deref(), Some("contoso.com"));
        assert_eq!(domain_of("x500:/o=a"), None);
        assert_eq!(domain_of("@contoso.com"), None);
        assert_eq!(parents("a.b.contoso.com").collect::<Vec<_>>(), vec!["b.contoso.com", "contoso.com"]);
        assert_eq!(parents("contoso.com").count(), 0);
        assert!(is_microsoft_domain("Contoso.mail.onmicrosoft.com") && !is_microsoft_domain("contoso.com"));
        assert!(is_microsoft_domain("x.ONMICROSOFT.US") && is_microsoft_domain("a.Partner.OnmsChina.cn"));
        assert!(!is_microsoft_domain("onmicrosoft.com") && !is_microsoft_domain("contosoonmicrosoft.com"));
        assert!(!is_microsoft_domain("") && !is_microsoft_domain("é.onmicrosoft.co"));
        assert_eq!(uri_host("https://ADFS.contoso.com:443/adfs/ls/").as_deref(), Some("adfs.contoso.com"));
        assert_eq!(uri_host("urn:federation:x"), None);
    }

    #[test]
    fn addresses_skip_guest_upns_and_non_smtp() {
        let o = CloudObject {
            upn: Some("kim_outlook.com#EXT#@contoso.onmicrosoft.com".into()),
            mail: Some("Kim@Outlook.com".into()),
            proxy_addresses: vec!["SMTP:kim@outlook.com".into(), "X500:/o=x".into()].into(),
            other_mails: vec!["kim@fabrikam.com".into()].into(),
            ..Default::default()
        };
        assert_eq!(addresses(&o), vec!["kim@fabrikam.com", "kim@outlook.com"]);
    }
}

/// Test helpers: run one family on a hand-built estate.
#[cfg(test)]
pub mod testkit {
    use crate::findings::Finding;
    use crate::graph::EstateGraph;
    use crate::ingest::Ingested;
    use crate::model::*;
    use crate::rules::{Context, RuleOptions};

    /// Runs `family` on `estate` judged at 2026-11-23.
    pub fn run_on(estate: Estate, family: fn(&Context<'_>) -> Vec<Finding>) -> Vec<Finding> {
        let ingested = Ingested { sources: Default::default(), inputs: vec![], estate, issues: vec![] };
        let graph = EstateGraph::build(&ingested.estate);
        let options = RuleOptions { as_of: Some(crate::cli::parse_date("2026-11-23").unwrap()), ..Default::default() };
        family(&Context::new(&options, &ingested, &graph))
    }

    /// Rule codes of the findings, sorted.
    pub fn codes(f: &[Finding]) -> Vec<&str> {
        let mut v: Vec<&str> = f.iter().map(|f| f.rule.as_str()).collect();
        v.sort();
        v
    }

    /// A tenant.
    pub fn tenant(id: &str, name: &str) -> Tenant {
        Tenant { id: Some(id.into()), name: name.into(), attributed_by: "manifest".into(), ..Default::default() }
    }

    /// A member user.
    pub fn member(t: TenantIdx, upn: &str, name: &str, mail: &str) -> CloudObject {
        CloudObject {
            tenant: t,
            id: Some(crate::model::Text::from(format!("id-{upn}"))),
            upn: Some(upn.into()),
            display_name: Some(name.into()),
            surname: name.split_whitespace().last().map(crate::model::Text::from),
            mail: Some(mail.into()),
            user_type: Some("Member".into()),
            sync_fields_exported: true,
            ..Default::default()
        }
    }

    /// A domain record.
    pub fn domain(t: TenantIdx, name: &str, verified: bool) -> Domain {
        Domain {
            tenant: t,
            name: name.into(),
            is_verified: Some(verified),
            authentication_type: Some("Managed".into()),
            is_admin_managed: Some(true),
            ..Default::default()
        }
    }
}
