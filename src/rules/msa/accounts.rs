//! MS001, MS004, MS005: one personal account in several tenants, a personal account that is also a
//! work account, a personal-account guest in a domain the estate verifies.

use super::*;

/// MS001: one personal account in two or more tenants (guest objects and `az` sign-ins).
pub(super) fn several_tenants(
    estate: &Estate,
    accounts: &[Personal<'_>],
    tenants: &TenantNames<'_>,
    p: &Ms001,
) -> Vec<Finding> {
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

/// Account → object → the attributes (UPN, mail, SMTP proxy address) in which the object holds the
/// account's address, for objects given as (index, UPN, mail, proxyAddresses).
pub(super) fn address_hits<'o>(
    by_address: &crate::hash::FastMap<&str, usize>,
    objects: impl Iterator<Item = (u32, Option<&'o str>, Option<&'o str>, &'o [crate::model::Text])>,
) -> BTreeMap<usize, BTreeMap<u32, BTreeSet<&'static str>>> {
    use crate::graph::key_index::lower;
    // A value can be an account's address only if its domain is one of the accounts' domains: most
    // values (the estate's own domains) are dismissed without a lower-cased copy. (Lower-casing keeps
    // every `@` and makes none, so the domain of the lower-cased value is the lower-cased domain.)
    let domains: Option<crate::hash::FastSet<&str>> =
        by_address.keys().map(|a| a.rsplit_once('@').map(|(_, d)| d)).collect();
    // The accounts' domains are a handful of consumer domains: when they are all lower-case ASCII, an
    // ASCII value is tested by comparing its end with each (`@` + domain, ASCII case ignored) — the
    // same answer as finding its last `@` and looking its lower-cased domain up, for a fraction of
    // the cost. Other values and other domain sets take the general path.
    let few: Option<Vec<&str>> = domains.as_ref().filter(|d| d.len() <= 16).and_then(|d| {
        d.iter()
            .all(|d| d.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase()))
            .then(|| d.iter().copied().collect())
    });
    let on_domain = |v: &str| -> bool {
        match (&domains, &few) {
            (None, _) => true,
            (Some(_), Some(few)) if v.is_ascii() => few.iter().any(|d| {
                let (v, d) = (v.as_bytes(), d.as_bytes());
                v.len() > d.len() && v[v.len() - d.len() - 1] == b'@' && v[v.len() - d.len()..].eq_ignore_ascii_case(d)
            }),
            (Some(domains), _) => v.rsplit_once('@').is_some_and(|(_, d)| domains.contains(&*lower(d))),
        }
    };
    let account = |v: &str| -> Option<usize> {
        if !on_domain(v) {
            return None;
        }
        by_address.get(&*lower(v)).copied()
    };
    let mut hits: BTreeMap<usize, BTreeMap<u32, BTreeSet<&'static str>>> = BTreeMap::new();
    for (i, upn, mail, proxies) in objects {
        let smtp = proxies.iter().filter_map(|p| {
            let (prefix, rest) = p.split_once(':')?;
            prefix.eq_ignore_ascii_case("smtp").then(|| ("proxyAddresses", rest.trim()))
        });
        let values = [("userPrincipalName", upn), ("mail", mail)].into_iter().filter_map(|(k, v)| Some((k, v?)));
        for (attr, v) in values.chain(smtp) {
            if let Some(a) = account(v) {
                hits.entry(a).or_default().entry(i).or_default().insert(attr);
            }
        }
    }
    hits
}

/// MS004: the address of a personal account is also a work account (member user or AD user).
pub(super) fn personal_and_work(estate: &Estate, accounts: &[Personal<'_>]) -> Vec<Finding> {
    let by_address: crate::hash::FastMap<&str, usize> =
        accounts.iter().enumerate().map(|(i, a)| (a.address, i)).collect();
    if by_address.is_empty() {
        return Vec::new();
    }
    // (account, kind, index, attribute): one linear pass over cloud and AD users.
    let (cloud_hits, ad_hits) = rayon::join(
        || {
            address_hits(
                &by_address,
                estate
                    .cloud_objects
                    .iter()
                    .enumerate()
                    // Guests and external identities are not work accounts of the estate.
                    .filter(|(_, o)| o.kind == CloudKind::User && external::account_of(o).is_none())
                    .map(|(i, o)| (i as u32, o.upn.as_deref(), o.mail.as_deref(), &*o.proxy_addresses)),
            )
        },
        || {
            address_hits(
                &by_address,
                estate
                    .ad_objects
                    .iter()
                    .enumerate()
                    .filter(|(_, o)| matches!(o.class, AdClass::User | AdClass::InetOrgPerson))
                    .map(|(i, o)| (i as u32, o.upn.as_deref(), o.mail.as_deref(), &*o.proxy_addresses)),
            )
        },
    );
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
        subjects.extend(ad.keys().map(|&i| crate::rules::ad_subject(&estate.ad_objects[i as usize])));
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
pub(super) fn estate_domain_personal(estate: &Estate, accounts: &[Personal<'_>]) -> Vec<Finding> {
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
