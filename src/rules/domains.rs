//! Family `domains` (DO…): unmanaged ("viral") tenants, a domain verified in one tenant and used or
//! verified in another, UPN suffixes the target tenant has not verified or that cannot be verified,
//! and subdomains that do not follow their parent's federation. Facts: identity-facts.md §3 and §4.

use super::params::types::lower;
use super::tenancy::{self, DomainTable, Management};
use super::{Context, ad_subject, cloud_subject, evidence, finding, tenant_subject};
use crate::findings::{Finding, Subject};
use crate::model::{AdClass, Estate, TenantIdx};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The family entry point.
pub fn run(ctx: &Context<'_>) -> Vec<Finding> {
    let estate = ctx.estate();
    let domains = DomainTable::new(estate);
    let mgmt = tenancy::management(estate, &domains);
    let ev_users = tenancy::email_verified_users(estate);
    let usage = ctx.domain_usage();
    let mut out = Vec::new();
    viral_tenants(estate, &mgmt, &ev_users, &mut out);
    verified_elsewhere(estate, &domains, &mgmt, usage, ctx.params().do005.max_user_subjects, &mut out);
    verified_twice(estate, &domains, &mut out);
    upn_suffixes(ctx, &domains, &mut out);
    subdomain_federation(estate, &domains, &mut out);
    out
}

/// DO001 (every tenant with email-verified members) and DO002 (those without an administrator).
fn viral_tenants(estate: &Estate, mgmt: &[Management], ev_users: &[Vec<u32>], out: &mut Vec<Finding>) {
    for (t, users) in ev_users.iter().enumerate() {
        if users.is_empty() {
            continue;
        }
        let t = t as TenantIdx;
        let name = tenancy::tenant_name(estate, t);
        let user_subjects: Vec<Subject> =
            users.iter().map(|&i| cloud_subject(estate, &estate.cloud_objects[i as usize])).collect();
        let labels: Vec<String> = users.iter().map(|&i| estate.cloud_objects[i as usize].label()).collect();
        let (state, reason) = match &mgmt[t as usize] {
            Management::Managed(r) => ("managed", r.clone()),
            Management::Unmanaged(r) => ("unmanaged", r.clone()),
            Management::Unknown(r) => ("unknown", r.clone()),
        };
        let mut subjects = user_subjects.clone();
        subjects.push(tenant_subject(estate, t));
        out.push(finding(
            "DO001",
            format!(
                "Tenant {name} has {} member(s) created by e-mail verification (self-service sign-up): it began as an unmanaged (viral) tenant",
                users.len()
            ),
            subjects,
            evidence([
                ("tenant", json!(name)),
                ("creation_type", json!("EmailVerified")),
                ("email_verified_users", json!(labels)),
                ("count", json!(users.len())),
                ("management", json!(state)),
                ("management_reason", json!(reason)),
                (
                    "action",
                    json!(
                        "Update-MgPolicyAuthorizationPolicy -AllowEmailVerifiedUsersToJoinOrganization:$false -AllowedToSignUpEmailBasedSubscriptions:$false"
                    ),
                ),
            ]),
            "email-verified",
        ));
        if let Management::Unmanaged(reason) = &mgmt[t as usize] {
            let mut subjects = vec![tenant_subject(estate, t)];
            subjects.extend(user_subjects);
            out.push(finding(
                "DO002",
                format!("Tenant {name} is unmanaged: self-service sign-up users and no administrator ({reason})"),
                subjects,
                evidence([
                    ("tenant", json!(name)),
                    ("reason", json!(reason)),
                    ("email_verified_users", json!(labels)),
                    (
                        "action",
                        json!(
                            "admin takeover: internal (prove the DNS TXT record MS=ms… and become Global Administrator; nothing migrates) or external (add and verify the domain in the organisation's managed tenant with New-MgDomain and Confirm-MgDomain, Graph permission Domain.ReadWrite.All: users and supported subscriptions move; Graph has no forced-takeover switch, ask Microsoft support where the unmanaged tenant keeps the domain)"
                        ),
                    ),
                ]),
                "unmanaged",
            ));
        }
    }
}

/// DO003 (a domain verified in an unmanaged tenant and used by another estate tenant) and DO005 (a
/// domain verified in one tenant, registered unverified or used by members in another).
fn verified_elsewhere(
    estate: &Estate,
    domains: &DomainTable,
    mgmt: &[Management],
    usage: &super::addresses::DomainUsage,
    max_subjects: usize,
    out: &mut Vec<Finding>,
) {
    for (a, map) in domains.by_tenant.iter().enumerate() {
        let a = a as TenantIdx;
        for (name, &di) in map {
            let d = &estate.domains[di as usize];
            if d.is_verified != Some(true) || tenancy::is_microsoft_domain(name) {
                continue;
            }
            let users = usage.by_domain.get(name);
            let mut others: BTreeSet<TenantIdx> = users.map(|u| u.keys().copied().collect()).unwrap_or_default();
            for (b, m) in domains.by_tenant.iter().enumerate() {
                if let Some(&bi) = m.get(name)
                    && estate.domains[bi as usize].is_verified != Some(true)
                {
                    others.insert(b as TenantIdx);
                }
            }
            others.remove(&a);
            let unmanaged = matches!(mgmt[a as usize], Management::Unmanaged(_));
            for b in others {
                let registered = domains.get(estate, b, name).filter(|r| r.is_verified != Some(true));
                let used: &[u32] = users.and_then(|u| u.get(&b)).map(Vec::as_slice).unwrap_or(&[]);
                // Each object counts once, as strong evidence (UPN, mail, SMTP proxy addresses on the
                // domain) or, when only its otherMails (self-service contact addresses) use it, as weak.
                let on_domain = |a: &str| tenancy::domain_of(a).is_some_and(|d| d == *name);
                let mut strong: Vec<(u32, Vec<String>)> = Vec::new();
                let mut weak: Vec<(u32, Vec<String>)> = Vec::new();
                for &i in used {
                    let o = &estate.cloud_objects[i as usize];
                    let mut uses: Vec<String> = Vec::new();
                    if let Some(u) = o.upn.as_deref().filter(|u| on_domain(u)) {
                        uses.push(format!("{} (userPrincipalName)", u.trim().to_lowercase()));
                    }
                    if let Some(m) = o.mail.as_deref().filter(|m| on_domain(m)) {
                        uses.push(format!("{} (mail)", m.trim().to_lowercase()));
                    }
                    for p in &o.proxy_addresses {
                        if let Some((pre, rest)) = p.split_once(':')
                            && pre.eq_ignore_ascii_case("smtp")
                            && on_domain(rest)
                        {
                            uses.push(format!("{} (proxyAddresses)", rest.trim().to_lowercase()));
                        }
                    }
                    if !uses.is_empty() {
                        strong.push((i, uses));
                        continue;
                    }
                    let others: Vec<String> = o
                        .other_mails
                        .iter()
                        .filter(|m| on_domain(m))
                        .map(|m| format!("{} (otherMails)", m.trim().to_lowercase()))
                        .collect();
                    if !others.is_empty() {
                        weak.push((i, others));
                    }
                }
                let mut subjects = vec![tenancy::domain_subject(estate, d)];
                subjects.extend(registered.map(|r| tenancy::domain_subject(estate, r)));
                subjects.extend(
                    strong
                        .iter()
                        .chain(weak.iter())
                        .take(max_subjects)
                        .map(|(i, _)| cloud_subject(estate, &estate.cloud_objects[*i as usize])),
                );
                let listed = |v: &[(u32, Vec<String>)]| -> Vec<String> {
                    v.iter().take(max_subjects).flat_map(|(_, u)| u.iter().cloned()).collect()
                };
                let (an, bn) = (tenancy::tenant_name(estate, a), tenancy::tenant_name(estate, b));
                let n_used = strong.len() + weak.len();
                let ev = evidence([
                    ("domain", json!(name)),
                    ("verified_in", json!(an)),
                    ("used_in", json!(bn)),
                    ("registered_unverified_in_other_tenant", json!(registered.is_some())),
                    ("objects_using_domain", json!(n_used)),
                    (
                        "strong_uses",
                        json!({ "objects": strong.len(), "attributes": "userPrincipalName, mail, SMTP proxyAddresses", "examples": listed(&strong) }),
                    ),
                    (
                        "weak_uses",
                        json!({ "objects": weak.len(), "attributes": "otherMails only (self-service contact addresses)", "examples": listed(&weak) }),
                    ),
                ]);
                let usage = match (strong.len(), weak.len()) {
                    (0, 0) => String::new(),
                    (s, 0) => format!(" and used by {s} of its member(s) in UPN, mail or proxy addresses"),
                    (0, w) => format!(" and listed only in the otherMails of {w} of its member(s) (weak evidence)"),
                    (s, w) => format!(
                        " and used by {s} of its member(s) in UPN, mail or proxy addresses (and by {w} more only in otherMails, weak evidence)"
                    ),
                };
                if unmanaged {
                    out.push(finding(
                        "DO003",
                        format!("Domain {name} of {bn} is verified in the unmanaged tenant {an}"),
                        subjects,
                        ev,
                        tenancy::tenant_key(estate, b),
                    ));
                } else {
                    out.push(finding(
                        "DO005",
                        format!(
                            "Domain {name} is verified in {an} but {} in {bn}{usage}",
                            if registered.is_some() { "registered unverified" } else { "used" },
                        ),
                        subjects,
                        ev,
                        tenancy::tenant_key(estate, b),
                    ));
                }
            }
        }
    }
}

/// DO004: one domain verified in several estate tenants (possible only across export dates or clouds).
fn verified_twice(estate: &Estate, domains: &DomainTable, out: &mut Vec<Finding>) {
    let mut verified: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    for map in &domains.by_tenant {
        for (name, &di) in map {
            if estate.domains[di as usize].is_verified == Some(true) && !tenancy::is_microsoft_domain(name) {
                verified.entry(name.as_str()).or_default().push(di);
            }
        }
    }
    for (name, recs) in verified {
        if recs.len() < 2 {
            continue;
        }
        let tenants: Vec<&str> =
            recs.iter().map(|&i| tenancy::tenant_name(estate, estate.domains[i as usize].tenant)).collect();
        out.push(finding(
            "DO004",
            format!("Domain {name} is verified in {} tenants: {}", recs.len(), tenants.join(", ")),
            recs.iter().map(|&i| tenancy::domain_subject(estate, &estate.domains[i as usize])).collect(),
            evidence([("domain", json!(name)), ("verified_in", json!(tenants))]),
            "",
        ));
    }
}

/// DO006 (UPN suffixes of synced AD users not verified in the target tenant) and DO007 (suffixes that
/// can never be verified: non-routable or single-label).
fn upn_suffixes(ctx: &Context<'_>, domains: &DomainTable, out: &mut Vec<Finding>) {
    let estate = ctx.estate();
    let non_routable = lower(&ctx.params().do007.non_routable_tlds);
    let max_subjects = ctx.params().do006.max_object_subjects;
    let typo_tlds = lower(&ctx.params().ch006.typo_tlds);
    let tenant_domains = super::sync_scope::TenantDomains::of_estate(estate);
    // Each user's own target tenants (per object: where it is hard-linked, else its forest's primary).
    let targets = ctx.targets();
    // (forest, suffix) → AD users.
    let mut by_suffix: BTreeMap<(u32, String), Vec<u32>> = BTreeMap::new();
    for (i, o) in estate.ad_objects.iter().enumerate() {
        if !matches!(o.class, AdClass::User | AdClass::InetOrgPerson) || o.is_critical_system_object == Some(true) {
            continue;
        }
        if let Some(s) = o.upn.as_deref().and_then(tenancy::domain_of) {
            by_suffix.entry((o.forest, s)).or_default().push(i as u32);
        }
    }
    for ((forest, suffix), objs) in by_suffix {
        let fname = &estate.forests[forest as usize].name;
        let ad_subjects = || objs.iter().take(max_subjects).map(|&i| ad_subject(&estate.ad_objects[i as usize]));
        let examples: Vec<String> = objs
            .iter()
            .take(max_subjects)
            .filter_map(|&i| estate.ad_objects[i as usize].upn.as_deref().map(String::from))
            .collect();
        let tld = suffix.rsplit('.').next().unwrap_or(&suffix);
        if !suffix.contains('.') || non_routable.iter().any(|n| n == tld) {
            out.push(finding(
                "DO007",
                format!(
                    "{} user(s) of forest {fname} have the non-routable UPN suffix @{suffix}, which no tenant can verify",
                    objs.len()
                ),
                ad_subjects().collect(),
                evidence([
                    ("suffix", json!(suffix)),
                    ("forest", json!(fname)),
                    ("count", json!(objs.len())),
                    ("examples", json!(examples)),
                    ("cloud_upn_falls_back_to", json!("<alias>@<tenant>.onmicrosoft.com")),
                    (
                        "action",
                        json!("add a routable UPN suffix (Active Directory Domains and Trusts), verify it in the tenant and change the users' UPNs to it"),
                    ),
                ]),
                suffix.clone(),
            ));
            continue;
        }
        // The tenants these users target, each with the users that target it.
        let mut per_tenant: BTreeMap<TenantIdx, Vec<u32>> = BTreeMap::new();
        for &i in &objs {
            for &t in targets.of_object(estate, i).0 {
                per_tenant.entry(t).or_default().push(i);
            }
        }
        for (t, objs) in per_tenant {
            let ad_subjects = || objs.iter().take(max_subjects).map(|&i| ad_subject(&estate.ad_objects[i as usize]));
            let examples: Vec<String> = objs
                .iter()
                .take(max_subjects)
                .filter_map(|&i| estate.ad_objects[i as usize].upn.as_deref().map(String::from))
                .collect();
            let basis: BTreeSet<&str> = objs.iter().map(|&i| targets.of_object(estate, i).1.as_str()).collect();
            if !domains.known(t) || domains.verified(estate, t, &suffix) || tenancy::is_microsoft_domain(&suffix) {
                continue;
            }
            // A subdomain of a verified domain is verified automatically once added; the docs do not say
            // what happens when it is not added, so no conclusion is drawn.
            if tenancy::parents(&suffix).any(|p| domains.verified(estate, t, p)) {
                continue;
            }
            let registered = domains.get(estate, t, &suffix);
            // Cloud twins that fell back to the tenant's onmicrosoft.com domain.
            let mut twins: Vec<u32> = objs
                .iter()
                .flat_map(|&i| ctx.graph.anchored_cloud_objects(i).map(|(c, _)| c))
                .filter(|&c| {
                    let o = &estate.cloud_objects[c as usize];
                    o.tenant == t
                        && o.upn
                            .as_deref()
                            .and_then(tenancy::domain_of)
                            .is_some_and(|d| tenancy::is_microsoft_domain(&d))
                })
                .collect();
            twins.sort_unstable();
            twins.dedup();
            let mut subjects: Vec<Subject> =
                registered.map(|d| tenancy::domain_subject(estate, d)).into_iter().collect();
            subjects.extend(ad_subjects());
            subjects.extend(
                twins.iter().take(max_subjects).map(|&c| cloud_subject(estate, &estate.cloud_objects[c as usize])),
            );
            let tname = tenancy::tenant_name(estate, t);
            let fallback: Vec<String> = twins
                .iter()
                .take(max_subjects)
                .filter_map(|&c| estate.cloud_objects[c as usize].upn.as_deref().map(String::from))
                .collect();
            let mut verified: Vec<&str> = tenant_domains
                .get(t as usize)
                .map(|d| d.verified.iter().map(String::as_str).collect())
                .unwrap_or_default();
            verified.sort_unstable();
            // A misspelt suffix is a typo to correct and a suffix that cannot be routed cannot be
            // verified: neither is ever proposed for verification.
            let typo = super::typos::suffix_typo(&suffix, &verified, &typo_tlds);
            let unroutable = super::characters::routability(&suffix).err();
            let mut ev = evidence([
                ("suffix", json!(suffix)),
                ("forest", json!(fname)),
                ("tenant", json!(tname)),
                ("registered_unverified", json!(registered.is_some())),
                ("count", json!(objs.len())),
                ("examples", json!(examples)),
                ("target_tenant_decided_by", json!(basis)),
                ("fallback_cloud_upns", json!(fallback)),
            ]);
            let (case, what, action) = match (&typo, &unroutable) {
                (Some(t), _) => {
                    ev.insert("typo".into(), json!(true));
                    ev.insert("corrected_suffix".into(), json!(t.corrected));
                    ev.insert("proposed_value".into(), json!(t.corrected));
                    ev.insert("reason".into(), json!(t.reason));
                    (
                        "typo",
                        format!("a typo of {} ({})", t.corrected, t.reason),
                        format!(
                            "change the users' UPN suffix to {} ({suffix} is a typo, not a domain to add)",
                            t.corrected
                        ),
                    )
                }
                (None, Some(reason)) => {
                    ev.insert("reason".into(), json!(reason));
                    (
                        "not_routable",
                        format!(
                            "which is not routable ({reason}) and cannot be verified in their target tenant {tname}"
                        ),
                        "add a routable UPN suffix, verify it in the tenant and change the users' UPNs to it"
                            .to_string(),
                    )
                }
                (None, None) => (
                    "not_verified",
                    format!(
                        "which is {} in their target tenant {tname}",
                        if registered.is_some() { "added but not verified" } else { "not a domain" }
                    ),
                    format!(
                        "verify {suffix} in {tname} (DNS TXT record), or change the users' UPN suffix to a verified domain"
                    ),
                ),
            };
            ev.insert("action".into(), json!(action));
            out.push(super::finding_case(
                "DO006",
                case,
                format!("{} user(s) of forest {fname} have UPN suffix @{suffix}, {what}", objs.len()),
                subjects,
                ev,
                format!("{}/{suffix}", tenancy::tenant_key(estate, t)),
            ));
        }
    }
}

/// DO008: a verified subdomain whose authentication differs from its parent's in the same tenant
/// (managed vs federated, or federated by another identity provider).
fn subdomain_federation(estate: &Estate, domains: &DomainTable, out: &mut Vec<Finding>) {
    let mut feds: HashMap<(TenantIdx, String), Vec<u32>> = HashMap::new();
    for (i, f) in estate.federations.iter().enumerate() {
        if let Some(d) = &f.domain {
            feds.entry((f.tenant, d.to_lowercase())).or_default().push(i as u32);
        }
    }
    let idp_host = |t: TenantIdx, d: &str| -> Option<(String, u32)> {
        feds.get(&(t, d.to_string()))?.iter().find_map(|&i| {
            let f = &estate.federations[i as usize];
            f.passive_sign_in_uri.as_deref().and_then(tenancy::uri_host).map(|h| (h, i))
        })
    };
    let federated = |t: TenantIdx, d: &str| {
        domains
            .get(estate, t, d)
            .and_then(|r| r.authentication_type.as_deref())
            .map(|a| a.eq_ignore_ascii_case("federated"))
    };
    for (t, map) in domains.by_tenant.iter().enumerate() {
        let t = t as TenantIdx;
        for (name, &di) in map {
            let d = &estate.domains[di as usize];
            if d.is_verified != Some(true) || tenancy::is_microsoft_domain(name) {
                continue;
            }
            let Some(parent) = tenancy::parents(name).find(|p| map.contains_key(*p)) else { continue };
            let (Some(sub_fed), Some(par_fed)) = (federated(t, name), federated(t, parent)) else { continue };
            let (sub_idp, par_idp) = (idp_host(t, name), idp_host(t, parent));
            let differs = match (sub_fed, par_fed) {
                (true, true) => matches!((&sub_idp, &par_idp), (Some((a, _)), Some((b, _))) if a != b),
                (a, b) => a != b,
            };
            if !differs {
                continue;
            }
            let auth = |f: bool| if f { "Federated" } else { "Managed" };
            let mut subjects = vec![tenancy::domain_subject(estate, d)];
            for (_, fi) in sub_idp.iter().chain(par_idp.iter()) {
                subjects.push(tenancy::federation_subject(estate, &estate.federations[*fi as usize]));
            }
            if let Some(p) = domains.get(estate, t, parent) {
                subjects.push(tenancy::domain_subject(estate, p));
            }
            out.push(finding(
                "DO008",
                format!(
                    "Subdomain {name} ({}{}) does not follow its parent {parent} ({}{}) in {}",
                    auth(sub_fed),
                    sub_idp.as_ref().map(|(h, _)| format!(" by {h}")).unwrap_or_default(),
                    auth(par_fed),
                    par_idp.as_ref().map(|(h, _)| format!(" by {h}")).unwrap_or_default(),
                    tenancy::tenant_name(estate, t)
                ),
                subjects,
                evidence([
                    ("domain", json!(name)),
                    ("parent", json!(parent)),
                    ("authentication", json!(auth(sub_fed))),
                    ("parent_authentication", json!(auth(par_fed))),
                    ("identity_provider", json!(sub_idp.map(|(h, _)| h))),
                    ("parent_identity_provider", json!(par_idp.map(|(h, _)| h))),
                    ("is_root", json!(d.is_root)),
                    ("root_domain", json!(d.root_domain)),
                ]),
                "",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AdObject, Domain, Forest, RoleGrant};
    use crate::rules::tenancy::testkit::*;

    const A: &str = "11111111-1111-1111-1111-111111111111";
    const B: &str = "22222222-2222-2222-2222-222222222222";

    fn viral(admin_managed: bool, global_admin: bool) -> Estate {
        let mut e = Estate::default();
        e.tenants.push(tenant(A, "Contoso Events"));
        e.domains.push(Domain { is_admin_managed: Some(admin_managed), ..domain(0, "contosoevents.com", true) });
        let mut u = member(0, "val@contosoevents.com", "Val Ionescu", "val@contosoevents.com");
        u.creation_type = Some("EmailVerified".into());
        e.cloud_objects.push(u);
        if global_admin {
            e.role_grants.push(RoleGrant {
                principal_id: "x".into(),
                role: "Global Administrator".into(),
                ..Default::default()
            });
        }
        e
    }

    #[test]
    fn viral_origin_and_unmanaged_state() {
        assert_eq!(codes(&run_on(viral(true, false), super::run)), vec!["DO001"], "admin-managed domain: taken over");
        assert_eq!(codes(&run_on(viral(false, false), super::run)), vec!["DO001", "DO002"]);
        assert_eq!(codes(&run_on(viral(false, true), super::run)), vec!["DO001"], "a Global Administrator exists");
        let f = run_on(viral(false, false), super::run);
        assert_eq!(f[0].evidence.map()["management"], "unmanaged");
    }

    #[test]
    fn domain_verified_in_one_tenant_and_used_in_another() {
        let mut e = Estate::default();
        e.tenants.push(tenant(A, "Contoso"));
        e.tenants.push(tenant(B, "Fabrikam"));
        e.domains.push(domain(0, "contoso.com", true));
        e.cloud_objects.push(member(1, "ivy@fabrikam.com", "Ivy Park", "ivy@contoso.com"));
        let f = run_on(e.clone(), super::run);
        assert_eq!(codes(&f), vec!["DO005"]);
        assert_eq!(f[0].subjects.len(), 2, "the verifying domain record and the user");
        // A guest carrying the address is not usage.
        e.cloud_objects[0].user_type = Some("Guest".into());
        assert!(run_on(e.clone(), super::run).is_empty());
        // Verified in both: DO004.
        e.domains.push(domain(1, "contoso.com", true));
        assert_eq!(codes(&run_on(e, super::run)), vec!["DO004"]);
    }

    fn forest_estate(upn: &str, domains: &[(&str, bool)]) -> Estate {
        let mut e = Estate::default();
        e.tenants.push(tenant(A, "Contoso"));
        e.forests.push(Forest { name: "corp.contoso.com".into(), syncs_to: vec![0], ..Default::default() });
        for (d, v) in domains {
            e.domains.push(domain(0, d, *v));
        }
        e.ad_objects.push(AdObject {
            upn: Some(upn.into()),
            display_name: Some("Georgia Hughes".into()),
            ..Default::default()
        });
        e
    }

    #[test]
    fn upn_suffixes_against_the_target_tenant() {
        let f =
            run_on(forest_estate("g@contoso.co.uk", &[("contoso.com", true), ("contoso.co.uk", false)]), super::run);
        assert_eq!(codes(&f), vec!["DO006"]);
        assert_eq!(f[0].subjects[0].kind, "domain", "the unverified domain record comes first");
        assert!(run_on(forest_estate("g@contoso.co.uk", &[("contoso.co.uk", true)]), super::run).is_empty());
        // A subdomain of a verified domain: no conclusion.
        assert!(run_on(forest_estate("g@uk.contoso.com", &[("contoso.com", true)]), super::run).is_empty());
        // No domain export: the tenant is not judged.
        assert!(run_on(forest_estate("g@contoso.co.uk", &[]), super::run).is_empty());
        assert_eq!(
            codes(&run_on(forest_estate("g@fabrikam.local", &[("contoso.com", true)]), super::run)),
            vec!["DO007"]
        );
        assert_eq!(codes(&run_on(forest_estate("g@fabrikam", &[("contoso.com", true)]), super::run)), vec!["DO007"]);
    }

    #[test]
    fn subdomain_with_other_authentication_than_parent() {
        let mut e = Estate::default();
        e.tenants.push(tenant(A, "Contoso"));
        e.domains.push(Domain { authentication_type: Some("Federated".into()), ..domain(0, "contoso.com", true) });
        e.domains.push(domain(0, "uk.contoso.com", true));
        assert_eq!(codes(&run_on(e.clone(), super::run)), vec!["DO008"]);
        e.domains[1].authentication_type = Some("Federated".into());
        assert!(run_on(e, super::run).is_empty(), "both federated, identity provider unknown: no conclusion");
    }
}
