//! The cloud side: per tenant the Graph `organization` and `domains` answers and the `users` pages
//! (the synced twins of a forest's people, cloud-only members and guests), and the ARM subscription list.

use super::Generated;
use super::ad::{ForestSpec, Person, dn, person};
use super::formats::{Out, b64, immutable_id, jopt, js, sid_text};
use super::names::{GIVEN, SURNAMES};
use super::random::Rng;
use anyhow::Result;
use std::path::Path;

pub(crate) const USERS_SELECT: &str = "id,displayName,givenName,surname,userPrincipalName,mail,mailNickname,proxyAddresses,otherMails,userType,creationType,externalUserState,identities,accountEnabled,employeeId,onPremisesImmutableId,onPremisesSyncEnabled,onPremisesLastSyncDateTime,onPremisesDomainName,onPremisesSamAccountName,onPremisesUserPrincipalName,onPremisesDistinguishedName,onPremisesSecurityIdentifier,onPremisesProvisioningErrors,assignedLicenses,createdDateTime";

/// One tenant of the synthetic estate.
pub(super) struct TenantSpec {
    pub(super) name: &'static str,
    pub(super) folder: &'static str,
    pub(super) id: uuid::Uuid,
    pub(super) initial: &'static str,
    pub(super) domains: &'static [&'static str],
    /// The forest synchronised into the tenant.
    pub(super) forest: Option<usize>,
    /// Cloud-only members and guests beyond the synced twins.
    pub(super) extra: u64,
    /// Members created by self-service sign-up (a viral tenant).
    pub(super) viral: bool,
    pub(super) sku: uuid::Uuid,
}

#[allow(clippy::too_many_arguments)]
fn graph_user(
    rec: &mut String,
    id: &uuid::Uuid,
    display: Option<&str>,
    given: Option<&str>,
    surname: Option<&str>,
    upn: &str,
    mail: Option<&str>,
    nickname: &str,
    proxies: &[String],
    user_type: &str,
    creation_type: Option<&str>,
    issuer: &str,
    on_prem: Option<(&str, &Person, &ForestSpec, String)>,
    sku: &uuid::Uuid,
) {
    rec.push_str(&format!(
        "{{\"id\":\"{id}\",\"displayName\":{},\"givenName\":{},\"surname\":{},\"userPrincipalName\":{},\"mail\":{},\"mailNickname\":{},\"proxyAddresses\":[",
        jopt(display),
        jopt(given),
        jopt(surname),
        js(upn),
        jopt(mail),
        js(nickname)
    ));
    for (n, a) in proxies.iter().enumerate() {
        if n > 0 {
            rec.push(',');
        }
        rec.push_str(&js(a));
    }
    let guest = user_type == "Guest";
    rec.push_str(&format!(
        "],\"otherMails\":[{}],\"userType\":\"{user_type}\",\"creationType\":{},\"externalUserState\":{},\"identities\":[{{\"signInType\":\"{}\",\"issuer\":{},\"issuerAssignedId\":{}}}],\"accountEnabled\":true,",
        if guest { mail.map(js).unwrap_or_default() } else { String::new() },
        jopt(creation_type),
        if guest { "\"Accepted\"" } else { "null" },
        if guest { "federated" } else { "userPrincipalName" },
        js(issuer),
        if guest { "null".to_string() } else { js(upn) },
    ));
    match on_prem {
        Some((anchor, p, f, dn)) => rec.push_str(&format!(
            "\"employeeId\":\"{}\",\"onPremisesImmutableId\":{},\"onPremisesSyncEnabled\":true,\"onPremisesLastSyncDateTime\":\"2026-11-20T07:42:18Z\",\"onPremisesDomainName\":\"{}\",\"onPremisesSamAccountName\":{},\"onPremisesUserPrincipalName\":{},\"onPremisesDistinguishedName\":{},\"onPremisesSecurityIdentifier\":\"{}\",",
            p.employee_id,
            js(anchor),
            f.dns,
            js(&p.sam),
            js(&p.upn),
            js(&dn),
            sid_text(f.sid, p.rid)
        )),
        None => rec.push_str(
            "\"employeeId\":null,\"onPremisesImmutableId\":null,\"onPremisesSyncEnabled\":null,\"onPremisesLastSyncDateTime\":null,\"onPremisesDomainName\":null,\"onPremisesSamAccountName\":null,\"onPremisesUserPrincipalName\":null,\"onPremisesDistinguishedName\":null,\"onPremisesSecurityIdentifier\":null,",
        ),
    }
    rec.push_str(&format!(
        "\"onPremisesProvisioningErrors\":[],\"assignedLicenses\":[{}],\"createdDateTime\":\"2021-05-04T09:12:44Z\"}}",
        if guest { String::new() } else { format!("{{\"disabledPlans\":[],\"skuId\":\"{sku}\"}}") }
    ));
}

/// Writes the users of a tenant as Graph pages of `per_page` users, linked by `@odata.nextLink`.
pub(super) fn write_graph_users(
    dir: &Path,
    seed: u64,
    t: &TenantSpec,
    forests: &[ForestSpec],
    per_page: u64,
    stats: &mut Generated,
) -> Result<()> {
    let twins = t.forest.map(|f| forests[f].users).unwrap_or(0);
    let total = twins + t.extra;
    let pages = total.div_ceil(per_page).max(1);
    let mut rec = String::with_capacity(4096);
    let mut n = 0u64;
    for page in 0..pages {
        let name = if page == 0 { "users.json".to_string() } else { format!("users-page{}.json", page + 1) };
        let mut out = Out::create(&dir.join(name))?;
        out.put(&format!(
            "{{\"@odata.context\":\"https://graph.microsoft.com/v1.0/$metadata#users({USERS_SELECT})\","
        ))?;
        if page + 1 < pages {
            let token = b64(format!("page{}-{}", page + 2, t.id).as_bytes());
            out.put(&format!(
                "\"@odata.nextLink\":\"https://graph.microsoft.com/v1.0/users?$select={USERS_SELECT}&$top=999&$skiptoken={token}\","
            ))?;
        }
        out.put("\"value\":[\n")?;
        let mut first = true;
        while n < total && n < (page + 1) * per_page {
            rec.clear();
            let written = if n < twins {
                let fi = t.forest.unwrap_or(0);
                let f = &forests[fi];
                let p = person(seed, f, n);
                let mut r = Rng::new(seed, 100 + f.stream, n);
                let id = r.guid();
                if p.synced {
                    let anchor = match p.bad_anchor {
                        1 => b64(p.upn.as_bytes()),
                        2 => p.guid.to_string(),
                        _ => immutable_id(&p.guid),
                    };
                    let upn = if p.upn.is_ascii() && !p.upn.contains(' ') && !p.upn.contains(".local") {
                        p.upn.clone()
                    } else {
                        // Entra ID replaced the unusable UPN with one in the initial domain.
                        format!("{}{}@{}", p.nickname.chars().take(10).collect::<String>(), n % 10_000, t.initial)
                    };
                    graph_user(
                        &mut rec,
                        &id,
                        Some(&p.display).filter(|d| !d.trim().is_empty()).map(|s| s.as_str()),
                        Some(&p.given),
                        Some(&p.surname),
                        &upn,
                        Some(&p.mail),
                        &p.nickname,
                        &p.proxies,
                        "Member",
                        None,
                        t.initial,
                        Some((&anchor, &p, f, dn(&p, f))),
                        &t.sku,
                    );
                    true
                } else if p.soft_match {
                    // A cloud-only account created by hand before sync was set up: will be soft-matched.
                    graph_user(
                        &mut rec,
                        &id,
                        Some(&p.display),
                        Some(&p.given),
                        Some(&p.surname),
                        &p.upn,
                        Some(&p.mail),
                        &p.nickname,
                        &[format!("SMTP:{}", p.mail)],
                        "Member",
                        None,
                        t.initial,
                        None,
                        &t.sku,
                    );
                    true
                } else {
                    false
                }
            } else {
                let k = n - twins;
                let mut r = Rng::new(seed, 200 + t.id.as_u128() as u64 % 1000, k);
                let id = r.guid();
                let g = GIVEN[r.below(GIVEN.len() as u64) as usize];
                let s = SURNAMES[r.below(SURNAMES.len() as u64) as usize];
                let local = format!("{}.{}{k}", g.to_ascii_lowercase(), s.to_ascii_lowercase());
                let display = format!("{g} {s}");
                if t.viral {
                    // Self-service sign-up with the main organisation's addresses.
                    let addr = format!("{local}@{}", t.domains[0]);
                    graph_user(
                        &mut rec,
                        &id,
                        Some(&display),
                        Some(g),
                        Some(s),
                        &addr,
                        Some(&addr),
                        &local,
                        &[format!("SMTP:{addr}")],
                        "Member",
                        Some("EmailVerified"),
                        t.initial,
                        None,
                        &t.sku,
                    );
                } else if r.chance(7_000) {
                    // B2B guest: other organisations, some personal Microsoft accounts.
                    let (dom, issuer) = match r.below(10) {
                        0..=1 => ("outlook.com", "MicrosoftAccount"),
                        2 => ("hotmail.com", "MicrosoftAccount"),
                        3..=5 => ("wingtiptoys.com", "ExternalAzureAD"),
                        _ => ("adatum.com", "ExternalAzureAD"),
                    };
                    let ext = format!("{local}@{dom}");
                    let upn = format!("{}#EXT#@{}", ext.replace('@', "_"), t.initial);
                    graph_user(
                        &mut rec,
                        &id,
                        Some(&display),
                        None,
                        None,
                        &upn,
                        Some(&ext),
                        &ext.replace('@', "_"),
                        &[format!("SMTP:{ext}")],
                        "Guest",
                        Some("Invitation"),
                        issuer,
                        None,
                        &t.sku,
                    );
                } else {
                    let addr = format!("{local}@{}", t.domains[0]);
                    graph_user(
                        &mut rec,
                        &id,
                        Some(&display),
                        Some(g),
                        Some(s),
                        &addr,
                        Some(&addr),
                        &local,
                        &[format!("SMTP:{addr}")],
                        "Member",
                        None,
                        t.initial,
                        None,
                        &t.sku,
                    );
                }
                true
            };
            if written {
                if !first {
                    out.put(",\n")?;
                }
                first = false;
                out.put(&rec)?;
                stats.cloud_objects += 1;
            }
            n += 1;
        }
        out.put("\n]}\n")?;
        out.finish(stats)?;
    }
    Ok(())
}

pub(super) fn write_organization(dir: &Path, t: &TenantSpec, stats: &mut Generated) -> Result<()> {
    let mut out = Out::create(&dir.join("organization.json"))?;
    let mut domains = Vec::new();
    for d in t.domains.iter().chain(std::iter::once(&t.initial)) {
        domains.push(format!(
            "{{\"capabilities\":\"Email, OfficeCommunicationsOnline\",\"isDefault\":{},\"isInitial\":{},\"name\":\"{d}\",\"type\":\"Managed\"}}",
            *d == t.domains[0] && !t.viral,
            *d == t.initial
        ));
    }
    let sync = t.forest.is_some();
    out.put(&format!(
        "{{\"@odata.context\":\"https://graph.microsoft.com/v1.0/$metadata#organization\",\"value\":[{{\"id\":\"{}\",\"displayName\":{},\"createdDateTime\":\"2016-03-14T16:02:51Z\",\"onPremisesLastSyncDateTime\":{},\"onPremisesSyncEnabled\":{},\"technicalNotificationMails\":[\"it-ops@{}\"],\"tenantType\":\"AAD\",\"verifiedDomains\":[{}]}}]}}\n",
        t.id,
        js(t.name),
        if sync { "\"2026-11-20T07:42:18Z\"" } else { "null" },
        if sync { "true" } else { "null" },
        t.domains[0],
        domains.join(",")
    ))?;
    out.finish(stats)?;
    let mut out = Out::create(&dir.join("domains.json"))?;
    out.put("{\"@odata.context\":\"https://graph.microsoft.com/v1.0/$metadata#domains\",\"value\":[\n")?;
    let all: Vec<&str> = t.domains.iter().copied().chain(std::iter::once(t.initial)).collect();
    for (n, d) in all.iter().enumerate() {
        let verified = !t.viral || *d == t.initial;
        out.put(&format!(
            "{}{{\"authenticationType\":\"Managed\",\"id\":\"{d}\",\"isAdminManaged\":{},\"isDefault\":{},\"isInitial\":{},\"isRoot\":true,\"isVerified\":{verified},\"supportedServices\":[\"Email\"]}}",
            if n == 0 { "" } else { ",\n" },
            !t.viral,
            n == 0 && !t.viral,
            *d == t.initial,
        ))?;
    }
    out.put("\n]}\n")?;
    out.finish(stats)
}

pub(super) fn write_subscriptions(
    path: &Path,
    seed: u64,
    tenants: &[TenantSpec],
    count: u64,
    stats: &mut Generated,
) -> Result<()> {
    let mut out = Out::create(path)?;
    out.put("{\"value\":[\n")?;
    let outside = uuid::Uuid::from_u128(0x4f1e_2b3c_9a8d_4e7f_8a6b_5c4d_3e2f_1a0b);
    for i in 0..count {
        let mut r = Rng::new(seed, 900, i);
        let id = r.guid();
        let roll = r.below(100);
        let tenant = if roll < 3 {
            outside
        } else if roll < 8 {
            tenants[2].id
        } else {
            tenants[(roll % 2) as usize].id
        };
        let state = if r.chance(300) { "Disabled" } else { "Enabled" };
        let quota = if r.chance(500) { "AAD_2015-09-01" } else { "EnterpriseAgreement_2014-09-01" };
        out.put(&format!(
            "{}{{\"id\":\"/subscriptions/{id}\",\"authorizationSource\":\"RoleBased\",\"managedByTenants\":[],\"subscriptionId\":\"{id}\",\"tenantId\":\"{tenant}\",\"displayName\":\"Workload {i:05}\",\"state\":\"{state}\",\"subscriptionPolicies\":{{\"locationPlacementId\":\"Public_2014-09-01\",\"quotaId\":\"{quota}\",\"spendingLimit\":\"Off\"}}}}",
            if i == 0 { "" } else { ",\n" }
        ))?;
    }
    out.put("\n]}\n")?;
    out.finish(stats)
}
