//! Family `federation` (FE…): federated domains — IssuerUri uniqueness and form (SupportMultipleDomain),
//! subdomains that need their parent's issuer, token-signing certificates (parsed as X.509 and judged
//! at the run's `as_of` date), non-HTTPS endpoints, users without ImmutableId, and MFA delegated to
//! the identity provider; and AD FS trusts (FE011–FE014, [`adfs`]): external claims providers chained
//! for Office 365 sign-in, social identity providers among them, and the AD attribute that links
//! external identities to AD accounts. Facts: identity-facts.md §3.

pub mod adfs;

use super::params::Fe004;
use super::params::types::lower;
use super::tenancy::{self, DomainTable};
use super::{Context, cloud_subject, evidence, finding};
use crate::findings::Finding;
use crate::model::{CloudKind, Estate, Federation, TenantIdx};
use base64::Engine;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use time::OffsetDateTime;

/// The family entry point.
pub fn run(ctx: &Context<'_>) -> Vec<Finding> {
    let estate = ctx.estate();
    let domains = DomainTable::new(estate);
    // One federation record per (tenant, domain): the first in source order (records without a domain stand alone).
    let mut firsts: BTreeMap<(TenantIdx, String), u32> = BTreeMap::new();
    let mut loose: Vec<u32> = Vec::new();
    for (i, f) in estate.federations.iter().enumerate() {
        match &f.domain {
            Some(d) => {
                let key = (f.tenant, d.to_lowercase());
                let cur = firsts.entry(key).or_insert(i as u32);
                if estate.federations[*cur as usize].source > f.source {
                    *cur = i as u32;
                }
            }
            None => loose.push(i as u32),
        }
    }
    let mut records: Vec<u32> = firsts.values().copied().chain(loose).collect();
    records.sort_by_key(|&i| estate.federations[i as usize].source);

    let mut out = Vec::new();
    let reused = issuers(estate, &domains, &firsts, &mut out);
    issuer_names_other_domain(estate, &domains, &firsts, &reused, &mut out);
    subdomain_issuer(estate, &domains, &firsts, &mut out);
    let as_of = ctx.options.as_of();
    let delegated = lower(&ctx.params().fe010.delegating_behaviors);
    for &i in &records {
        let f = &estate.federations[i as usize];
        certificates(estate, f, &records, (as_of, &ctx.params().fe004), &mut out);
        endpoints(estate, f, &mut out);
        mfa(estate, f, &delegated, &mut out);
    }
    users_without_anchor(estate, &domains, &mut out);
    adfs::run(ctx, &mut out);
    out
}

/// An IssuerUri compared case- and scheme-tolerantly: lower case, no `http(s)://`, no trailing `/`.
pub fn normalize_issuer(uri: &str) -> String {
    let u = uri.trim().to_lowercase();
    let u = u.strip_prefix("https://").or_else(|| u.strip_prefix("http://")).unwrap_or(&u);
    u.trim_end_matches('/').to_string()
}

/// The domain named by a SupportMultipleDomain issuer `http(s)://<domain>/adfs/services/trust`.
fn per_domain_issuer(uri: &str) -> Option<String> {
    let n = normalize_issuer(uri);
    let (host, path) = n.split_once('/')?;
    (path == "adfs/services/trust" && host.contains('.')).then(|| host.to_string())
}

/// A federated domain: its tenant and name.
type DomainKey = (TenantIdx, String);

/// FE001: one IssuerUri on several federated domains. Returns the (tenant, domain) keys involved.
fn issuers(
    estate: &Estate,
    domains: &DomainTable,
    firsts: &BTreeMap<(TenantIdx, String), u32>,
    out: &mut Vec<Finding>,
) -> HashSet<(TenantIdx, String)> {
    let mut by_issuer: BTreeMap<String, Vec<(&DomainKey, u32)>> = BTreeMap::new();
    for (key, &i) in firsts {
        if let Some(u) = estate.federations[i as usize].issuer_uri.as_deref().filter(|u| !u.trim().is_empty()) {
            by_issuer.entry(normalize_issuer(u)).or_default().push((key, i));
        }
    }
    let mut reused = HashSet::new();
    for (issuer, mut members) in by_issuer {
        // A subdomain that inherits its parent's federation (not a root domain) carries the parent's issuer.
        let keys: HashSet<(TenantIdx, String)> = members.iter().map(|(k, _)| (*k).clone()).collect();
        members.retain(|((t, d), _)| {
            !tenancy::parents(d).any(|p| {
                keys.contains(&(*t, p.to_string()))
                    && domains.get(estate, *t, d).is_some_and(|r| {
                        r.is_root == Some(false) || r.root_domain.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(p))
                    })
            })
        });
        if members.len() < 2 {
            continue;
        }
        members.sort_by_key(|(_, i)| estate.federations[*i as usize].source);
        let names: Vec<String> =
            members.iter().map(|((t, d), _)| format!("{d} ({})", tenancy::tenant_name(estate, *t))).collect();
        let raw: Vec<&str> =
            members.iter().filter_map(|(_, i)| estate.federations[*i as usize].issuer_uri.as_deref()).collect();
        let tenants: BTreeSet<TenantIdx> = members.iter().map(|((t, _), _)| *t).collect();
        // Entra refuses one IssuerUri on two domains, so the export is most likely stale or edited:
        // read-only checks of the domains named, and — only if a fresh export confirms it — a new
        // issuer for the domains the shared one does not name (never a change for every domain).
        let checks: Vec<String> = members
            .iter()
            .map(|((_, d), _)| {
                format!("Get-MgDomainFederationConfiguration -DomainId {d} | Select-Object Id, IssuerUri")
            })
            .collect();
        let if_confirmed: BTreeMap<&str, String> = members
            .iter()
            .filter(|((_, d), _)| !issuer.split('/').next().is_some_and(|host| host.eq_ignore_ascii_case(d)))
            .map(|((_, d), _)| (d.as_str(), format!("http://{d}/adfs/services/trust")))
            .collect();
        out.push(finding(
            "FE001",
            format!(
                "IssuerUri {} appears on {} federated domains ({}): Entra does not accept that, so the export is likely \
                 stale or edited — re-export and check before any change",
                raw[0],
                members.len(),
                names.join(", ")
            ),
            members.iter().map(|(_, i)| tenancy::federation_subject(estate, &estate.federations[*i as usize])).collect(),
            evidence([
                ("issuer_uri", json!(raw)),
                ("normalized", json!(issuer)),
                ("domains", json!(names)),
                ("across_tenants", json!(tenants.len() > 1)),
                ("export_problem_likely", json!(true)),
                (
                    "why",
                    json!(
                        "Entra keeps IssuerUri unique per domain (setting one already in use fails with 409 Request_MultipleObjectsWithSameKeyValue), so a live tenant cannot hold this state: the files were probably exported at different times, merged or edited"
                    ),
                ),
                ("commands", json!(checks)),
                ("if_confirmed_issuer_uris", json!(if_confirmed)),
            ]),
            issuer,
        ));
        reused.extend(members.into_iter().map(|(k, _)| k.clone()));
    }
    reused
}

/// FE002: a SupportMultipleDomain-form IssuerUri that names another estate domain (not the domain or its parent).
fn issuer_names_other_domain(
    estate: &Estate,
    domains: &DomainTable,
    firsts: &BTreeMap<(TenantIdx, String), u32>,
    reused: &HashSet<(TenantIdx, String)>,
    out: &mut Vec<Finding>,
) {
    let known: HashSet<&str> = domains.by_tenant.iter().flat_map(|m| m.keys().map(String::as_str)).collect();
    for (key, &i) in firsts {
        if reused.contains(key) {
            continue;
        }
        let (_, d) = key;
        let f = &estate.federations[i as usize];
        let Some(uri) = f.issuer_uri.as_deref() else { continue };
        let Some(named) = per_domain_issuer(uri) else { continue };
        if named == *d || tenancy::parents(d).any(|p| p == named) || !known.contains(named.as_str()) {
            continue;
        }
        out.push(finding(
            "FE002",
            format!("IssuerUri {uri} of federated domain {d} names another domain ({named})"),
            vec![tenancy::federation_subject(estate, f)],
            evidence([
                ("domain", json!(d)),
                ("issuer_uri", json!(uri)),
                ("named_domain", json!(named)),
                ("expected", json!(format!("http://{d}/adfs/services/trust"))),
            ]),
            "",
        ));
    }
}

/// FE003: a federated subdomain that inherits from its parent (not a root domain) but whose own
/// settings carry an issuer other than the parent's, while the same identity provider serves both.
fn subdomain_issuer(
    estate: &Estate,
    domains: &DomainTable,
    firsts: &BTreeMap<(TenantIdx, String), u32>,
    out: &mut Vec<Finding>,
) {
    for ((t, d), &i) in firsts {
        let Some(rec) = domains.get(estate, *t, d) else { continue };
        let Some(parent) = tenancy::parents(d).find(|p| firsts.contains_key(&(*t, p.to_string()))) else { continue };
        let not_root =
            rec.is_root == Some(false) || rec.root_domain.as_deref().is_some_and(|r| r.eq_ignore_ascii_case(parent));
        if !not_root {
            continue;
        }
        let (sub, par) =
            (&estate.federations[i as usize], &estate.federations[firsts[&(*t, parent.to_string())] as usize]);
        let host = |f: &Federation| f.passive_sign_in_uri.as_deref().and_then(tenancy::uri_host);
        let (Some(si), Some(pi)) = (sub.issuer_uri.as_deref(), par.issuer_uri.as_deref()) else { continue };
        if host(sub).is_none() || host(sub) != host(par) || normalize_issuer(si) == normalize_issuer(pi) {
            continue;
        }
        out.push(finding(
            "FE003",
            format!("Subdomain {d} has IssuerUri {si}, but its users' tokens carry its parent {parent}'s issuer {pi}"),
            vec![tenancy::federation_subject(estate, sub), tenancy::federation_subject(estate, par)],
            evidence([
                ("domain", json!(d)),
                ("parent", json!(parent)),
                ("issuer_uri", json!(si)),
                ("parent_issuer_uri", json!(pi)),
                ("identity_provider", json!(host(sub))),
                (
                    "heuristic",
                    json!("assumes the SupportMultipleDomain issuerid claim rule that strips subdomain labels"),
                ),
            ]),
            "",
        ));
    }
}

/// A parsed certificate: subject and validity end, or why it could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cert {
    /// Subject DN and NotAfter.
    Valid {
        /// Subject DN.
        subject: String,
        /// NotAfter.
        not_after: OffsetDateTime,
    },
    /// The value is not a Base64 DER X.509 certificate.
    Invalid(String),
}

/// Parses a Base64 DER certificate as exported by MSOnline or Graph (whitespace tolerated, PEM armour stripped).
pub fn parse_cert(b64: &str) -> Cert {
    let body: String = b64
        .lines()
        .filter(|l| !l.trim_start().starts_with("-----"))
        .flat_map(|l| l.chars())
        .filter(|c| !c.is_whitespace())
        .collect();
    let der = match base64::engine::general_purpose::STANDARD.decode(body.as_bytes()) {
        Ok(d) => d,
        Err(e) => return Cert::Invalid(format!("not Base64: {e}")),
    };
    match x509_parser::parse_x509_certificate(&der) {
        Ok((_, c)) => match OffsetDateTime::from_unix_timestamp(c.validity().not_after.timestamp()) {
            Ok(not_after) => Cert::Valid { subject: c.subject().to_string(), not_after },
            Err(e) => Cert::Invalid(format!("NotAfter out of range: {e}")),
        },
        Err(e) => Cert::Invalid(format!("not a DER X.509 certificate ({} bytes): {e}", der.len())),
    }
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// The host of a URL (`https://adfs.fabrikam.com/adfs/ls/` → `adfs.fabrikam.com`), lower case.
fn host_of(url: &str) -> Option<String> {
    let u = url.trim();
    let rest = u.split_once("://").map_or(u, |(_, r)| r);
    let host = rest.split(['/', ':', '?']).next()?.trim().to_lowercase();
    (!host.is_empty()).then_some(host)
}

/// The federated domains of `f`'s tenant that trust the same identity provider as `f` (the same sign-in
/// host, or the same signing certificate), sorted, and the others with their provider's host: a
/// certificate rollover is published to the first list only, never to a domain federated elsewhere.
pub fn farm_domains(estate: &Estate, f: &Federation, records: &[u32]) -> (Vec<String>, Vec<(String, String)>) {
    let host = f.passive_sign_in_uri.as_deref().and_then(host_of);
    let cert = f.signing_certificate.as_deref().map(str::trim).filter(|c| !c.is_empty());
    let mut same = BTreeSet::new();
    let mut other = BTreeMap::new();
    for &i in records {
        let g = &estate.federations[i as usize];
        if g.tenant != f.tenant {
            continue;
        }
        let Some(d) = g.domain.clone() else { continue };
        let g_host = g.passive_sign_in_uri.as_deref().and_then(host_of);
        let g_cert = g.signing_certificate.as_deref().map(str::trim).filter(|c| !c.is_empty());
        if (host.is_some() && g_host == host) || (cert.is_some() && g_cert == cert) {
            same.insert(d);
        } else {
            other.insert(d, g_host.unwrap_or_else(|| "another identity provider".into()));
        }
    }
    if let Some(d) = &f.domain {
        same.insert(d.clone());
        other.remove(d);
    }
    (same.into_iter().collect(), other.into_iter().collect())
}

/// The ordered token-signing rollover for the domains of one AD FS farm: publish the next certificate to
/// those domains only, verify, promote in AD FS, then tell the other relying parties. Returns
/// (steps, commands).
fn rollover_steps(farm: Option<&str>, domains: &[String], others: &[(String, String)]) -> (Vec<String>, Vec<String>) {
    let farm = farm.unwrap_or("the AD FS farm");
    let list = domains.join(", ");
    let mut steps = vec![
        format!(
            "1. On {farm}: create the next token-signing certificate without making it primary \
             (Update-AdfsCertificate -CertificateType Token-Signing, or Add-AdfsCertificate -CertificateType \
             Token-Signing -Thumbprint <thumbprint> when AutoCertificateRollover is off)."
        ),
        format!(
            "2. Publish it as the next signing certificate of the domains that trust {farm}, and only those: {list} \
             (commands; Microsoft Graph PowerShell, Graph permission Domain-InternalFederation.ReadWrite.All, role \
             Hybrid Identity Administrator; the federation id comes from Get-MgDomainFederationConfiguration \
             -DomainId <domain>, Domain.Read.All)."
        ),
        format!(
            "3. Verify: Get-MgDomainFederationConfiguration -DomainId <domain> shows the new certificate as \
             nextSigningCertificate for every one of {list}."
        ),
        format!(
            "4. Only then promote it on {farm} (Set-AdfsCertificate -CertificateType Token-Signing -Thumbprint \
             <thumbprint> -IsPrimary). Promoting before step 3 succeeds stops federated sign-in for {list}."
        ),
        "5. Tell the farm's other relying parties that do not read its federation metadata (Get-AdfsRelyingPartyTrust: \
         MonitoringEnabled false) to import the new certificate."
            .to_string(),
    ];
    if !others.is_empty() {
        steps.push(format!(
            "Leave alone: {} (federated with another identity provider; its certificate is not this farm's).",
            others.iter().map(|(d, h)| format!("{d} ({h})")).collect::<Vec<_>>().join(", ")
        ));
    }
    let commands = domains
        .iter()
        .map(|d| {
            format!(
                "Update-MgDomainFederationConfiguration -DomainId {d} -InternalDomainFederationId \
                 (Get-MgDomainFederationConfiguration -DomainId {d}).Id -NextSigningCertificate '<Base64 of the new \
                 certificate>'"
            )
        })
        .collect();
    (steps, commands)
}

/// FE004–FE007: the token-signing certificate and its successor, judged at `as_of` (today: the deadline
/// is counted from the run's date, or `--as-of`) with FE004's parameters; the evidence also gives the days
/// left at the export of the tenant's data (its data date). `records` are the federation records of the
/// run (for the domains of the same farm).
fn certificates(
    estate: &Estate,
    f: &Federation,
    records: &[u32],
    (as_of, p): (OffsetDateTime, &Fe004),
    out: &mut Vec<Finding>,
) {
    let window = time::Duration::days(p.window_days);
    let dom = f.domain.clone().unwrap_or_else(|| "(unknown domain)".into());
    let subject = || vec![tenancy::federation_subject(estate, f)];
    let present = |c: &Option<String>| c.as_deref().map(str::trim).filter(|c| !c.is_empty()).map(str::to_string);
    let (cur, next) = (present(&f.signing_certificate), present(&f.next_signing_certificate));
    let parsed_cur = cur.as_deref().map(parse_cert);
    let parsed_next = next.as_deref().map(parse_cert);
    for (which, p) in [("signingCertificate", &parsed_cur), ("nextSigningCertificate", &parsed_next)] {
        if let Some(Cert::Invalid(why)) = p {
            out.push(finding(
                "FE007",
                format!("The {which} of federated domain {dom} cannot be read as an X.509 certificate: {why}"),
                subject(),
                evidence([("domain", json!(dom)), ("attribute", json!(which)), ("error", json!(why))]),
                which,
            ));
        }
    }
    let Some(Cert::Valid { subject: cn, not_after }) = parsed_cur else { return };
    if not_after > as_of + window {
        return;
    }
    let days_left = (not_after - as_of).whole_days();
    let successor = match &parsed_next {
        Some(Cert::Valid { subject, not_after: n }) if *n > as_of + window => Some((subject.clone(), *n)),
        _ => None,
    };
    let mut ev = evidence([
        ("domain", json!(dom)),
        ("certificate_subject", json!(cn)),
        ("not_after", json!(rfc3339(not_after))),
        ("as_of", json!(rfc3339(as_of))),
        ("days_left", json!(days_left)),
        ("window_days", json!(window.whole_days())),
        (
            "next_signing_certificate",
            json!(match &parsed_next {
                None => "absent".to_string(),
                Some(Cert::Invalid(_)) => "unreadable".to_string(),
                Some(Cert::Valid { not_after, .. }) => format!("valid until {}", rfc3339(*not_after)),
            }),
        ),
    ]);
    if let Some(d) = estate.tenants.get(f.tenant as usize).and_then(|t| t.data_date.as_ref()) {
        // The same deadline as the export showed it: what the tenant's owners saw when the data was taken.
        ev.insert("exported_at".into(), json!(rfc3339(d.latest.at)));
        ev.insert("exported_at_source".into(), json!(d.latest.source.as_str()));
        ev.insert("data_date".into(), json!(d.describe()));
        ev.insert("days_left_at_export".into(), json!((not_after - d.latest.at).whole_days()));
    }
    let (farm, others) = farm_domains(estate, f, records);
    let farm_host = f.passive_sign_in_uri.as_deref().and_then(host_of);
    let (steps, commands) = rollover_steps(farm_host.as_deref(), &farm, &others);
    let ordered = |ev: &mut BTreeMap<String, Value>| {
        ev.insert("farm".into(), json!(farm_host));
        ev.insert("farm_domains".into(), json!(farm));
        ev.insert(
            "other_federated_domains".into(),
            json!(others.iter().map(|(d, h)| json!({"domain": d, "identity_provider": h})).collect::<Vec<_>>()),
        );
        ev.insert("steps".into(), json!(steps));
        ev.insert("commands".into(), json!(commands));
    };
    match successor {
        Some((next_cn, next_after)) => {
            ev.insert("next_certificate_subject".into(), json!(next_cn));
            ev.insert("next_not_after".into(), json!(rfc3339(next_after)));
            out.push(finding(
                "FE005",
                format!(
                    "Federated domain {dom}: token-signing certificate {} {}; a valid next certificate (until {}) is published, rollover pending",
                    cn,
                    if not_after <= as_of { "has expired".to_string() } else { format!("expires in {days_left} day(s)") },
                    rfc3339(next_after)
                ),
                subject(),
                ev,
                "",
            ));
        }
        None if not_after <= as_of => {
            ordered(&mut ev);
            out.push(finding(
                "FE006",
                format!("Federated domain {dom}: token-signing certificate {cn} expired on {} and no valid next certificate is published", rfc3339(not_after)),
                subject(),
                ev,
                "",
            ));
        }
        None => {
            ordered(&mut ev);
            let critical = p.critical_within_days;
            ev.insert("critical_within_days".into(), json!(critical));
            let mut f = finding(
                "FE004",
                format!(
                    "Federated domain {dom}: token-signing certificate {cn} expires on {} ({days_left} day(s) after {}) and no valid next certificate is published",
                    rfc3339(not_after),
                    rfc3339(as_of)
                ),
                subject(),
                ev,
                "",
            );
            if days_left <= critical {
                // All federated sign-in of the farm's domains stops within days: the most urgent case.
                f.severity = crate::findings::Severity::Critical;
            }
            out.push(f);
        }
    }
}

/// FE008: sign-in, sign-out or metadata endpoints over plain HTTP.
fn endpoints(estate: &Estate, f: &Federation, out: &mut Vec<Finding>) {
    let insecure: BTreeMap<&str, &str> = [
        ("passiveSignInUri", &f.passive_sign_in_uri),
        ("activeSignInUri", &f.active_sign_in_uri),
        ("signOutUri", &f.sign_out_uri),
        ("metadataExchangeUri", &f.metadata_exchange_uri),
    ]
    .into_iter()
    .filter_map(|(k, v)| {
        let v = v.as_deref()?.trim();
        v.get(..7).is_some_and(|p| p.eq_ignore_ascii_case("http://")).then_some((k, v))
    })
    .collect();
    if insecure.is_empty() {
        return;
    }
    let dom = f.domain.clone().unwrap_or_else(|| "(unknown domain)".into());
    let proposed: BTreeMap<&str, String> = insecure.iter().map(|(k, v)| (*k, format!("https://{}", &v[7..]))).collect();
    out.push(finding(
        "FE008",
        format!(
            "Federated domain {dom} uses non-HTTPS endpoint(s): {}",
            insecure.iter().map(|(k, v)| format!("{k} {v}")).collect::<Vec<_>>().join(", ")
        ),
        vec![tenancy::federation_subject(estate, f)],
        evidence([("domain", json!(dom)), ("endpoints", json!(insecure)), ("proposed_value", json!(proposed))]),
        insecure.keys().copied().collect::<Vec<_>>().join(","),
    ));
}

/// FE010: MFA delegated to the federated identity provider (`delegated`: FE010's behaviours, lower case).
fn mfa(estate: &Estate, f: &Federation, delegated: &[String], out: &mut Vec<Finding>) {
    let Some(b) = f.federated_idp_mfa_behavior.as_deref() else { return };
    if !delegated.contains(&b.trim().to_lowercase()) {
        return;
    }
    let dom = f.domain.clone().unwrap_or_else(|| "(unknown domain)".into());
    out.push(finding(
        "FE010",
        format!(
            "Federated domain {dom} makes Entra ID send MFA to the identity provider (federatedIdpMfaBehavior {b})"
        ),
        vec![tenancy::federation_subject(estate, f)],
        evidence([
            ("domain", json!(dom)),
            ("federated_idp_mfa_behavior", json!(b)),
            ("proposed_value", json!("rejectMfaByFederatedIdp")),
        ]),
        "",
    ));
}

/// FE009: members whose UPN is in a federated domain of their tenant but who have no ImmutableId.
fn users_without_anchor(estate: &Estate, domains: &DomainTable, out: &mut Vec<Finding>) {
    let federated = |t: TenantIdx, d: &str| -> Option<String> {
        // The domain itself, else the nearest parent it inherits from when it is not listed itself.
        let own = domains.get(estate, t, d);
        let check = |name: &str| {
            domains
                .get(estate, t, name)
                .and_then(|r| r.authentication_type.as_deref())
                .is_some_and(|a| a.eq_ignore_ascii_case("federated"))
        };
        match own {
            Some(_) => check(d).then(|| d.to_string()),
            None => tenancy::parents(d)
                .find(|p| domains.get(estate, t, p).is_some())
                .filter(|p| check(p))
                .map(str::to_string),
        }
    };
    let mut cache: HashMap<(TenantIdx, String), Option<String>> = HashMap::new();
    for o in &estate.cloud_objects {
        if o.kind != CloudKind::User || o.is_guest() || !o.sync_fields_exported {
            continue;
        }
        if o.immutable_id.as_deref().is_some_and(|a| !a.trim().is_empty()) {
            continue;
        }
        let Some(suffix) = o.upn.as_deref().and_then(tenancy::domain_of) else { continue };
        let fed = cache.entry((o.tenant, suffix.clone())).or_insert_with(|| federated(o.tenant, &suffix)).clone();
        let Some(fed) = fed else { continue };
        let upn = o.upn.clone().unwrap_or_default();
        let mut subjects = vec![cloud_subject(estate, o)];
        subjects.extend(domains.get(estate, o.tenant, &fed).map(|d| tenancy::domain_subject(estate, d)));
        out.push(finding(
            "FE009",
            format!("{upn} is in federated domain {fed} of {} but has no ImmutableId", tenancy::tenant_name(estate, o.tenant)),
            subjects,
            evidence([
                ("upn", json!(upn)),
                ("federated_domain", json!(fed)),
                ("immutable_id", json!(null)),
                (
                    "action",
                    json!(format!(
                        "if {upn} has an AD account, hard-match it: Update-MgUser -UserId {upn} -OnPremisesImmutableId '<Base64 of its AD anchor>' (Graph permission User.ReadWrite.All); if it stays cloud-only, move it to a managed domain: Update-MgUser -UserId {upn} -UserPrincipalName <alias>@<tenant>.onmicrosoft.com -PasswordProfile @{{Password='<new password>'; ForceChangePasswordNextSignIn=$true}}"
                    )),
                ),
            ]),
            "",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuers_compare_case_and_scheme_tolerantly() {
        assert_eq!(normalize_issuer("HTTPS://Fabrikam.com/adfs/services/trust/"), "fabrikam.com/adfs/services/trust");
        assert_eq!(normalize_issuer("http://fabrikam.com/adfs/services/trust"), "fabrikam.com/adfs/services/trust");
        assert_eq!(per_domain_issuer("http://fabrikam.com/adfs/services/trust/").as_deref(), Some("fabrikam.com"));
        assert_eq!(per_domain_issuer("https://idp.fabrikam.com/idp/shibboleth"), None);
    }

    #[test]
    fn certificates_are_parsed_or_reported_unreadable() {
        assert!(matches!(parse_cert("not base64 !!"), Cert::Invalid(e) if e.contains("Base64")));
        assert!(matches!(parse_cert("AAAA"), Cert::Invalid(e) if e.contains("X.509")));
        let pem = format!("-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----", test_cert::CERT);
        match parse_cert(&pem) {
            Cert::Valid { subject, not_after } => {
                assert!(subject.contains("ADFS Signing - adfs.fabrikam.com"), "{subject}");
                assert_eq!(rfc3339(not_after), "2026-12-10T09:12:44Z");
            }
            other => panic!("{other:?}"),
        }
        // Truncated DER: reported, not a panic.
        assert!(matches!(parse_cert(&test_cert::CERT[..200]), Cert::Invalid(_)));
    }
}

#[cfg(test)]
mod test_cert {
    /// The sample's fabrikam.com AD FS token-signing certificate (self-signed, fictional), NotAfter 2026-12-10T09:12:44Z.
    pub const CERT: &str = concat!(
        "MIIC4jCCAcqgAwIBAgIUQgZnmMrlV/TYmRmovZfgjryGdB4wDQYJKoZIhvcNAQELBQAwKzEpMCcGA1UEAwwgQURGUyBTaWduaW5n",
        "IC0gYWRmcy5mYWJyaWthbS5jb20wHhcNMjUxMjEwMDkxMjQ0WhcNMjYxMjEwMDkxMjQ0WjArMSkwJwYDVQQDDCBBREZTIFNpZ25p",
        "bmcgLSBhZGZzLmZhYnJpa2FtLmNvbTCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBAKLw9zNk0gB5X5qsk7Jrca1Ipj0F",
        "OjoUWfuTvJlIJb7KoiAhTUNsyqiy7Ky6Vu+wZTp/tLh7httPA5xGsOmm2KsZuTgaYL73bC/3zfsryI/Q3qmXSx6wCCrZphu9l5U7",
        "Ekg9eFDzBAoZz/NwqLRBP2JlHa85hbvUVY/PC9zGO9OF76Lk6AjX1MSNMXttYyUSFEwe/X+vnsL6hbatcTTqdvm4s7+5iwVGyD7Q",
        "SHjvSWGqoXA2or9AYW5AAlHtkAI8w0DMpOwvrao7X+Wk2Aw85yuK5v7gjhkBzxvBWBNQJeemqMdLyv8mepzfedHNQylR8DLiZiL9",
        "SnUMx95OceeZnM8CAwEAATANBgkqhkiG9w0BAQsFAAOCAQEAkF5nUh8/wmPq4FQ0o08nMPgW6jMvaE0jDDOb65RxqBpiub4hoMZs",
        "Jyz0+/jpa6rr2ndeBtiMVlpUpLQSg3H7Y/6q1LA+KGOgBKsBk1bZbtuvBqzTaQqupnLb8lUMqrTEsKByXnB4LPuEc4VgfJ7bJYgp",
        "MnHIkVl24jImn67mQpSSdk+1FvlsoPLiQV20CUy4x2U+9Z5ueHEm9aLk+ftynyRn9DjX1FWY2OlzW7+41cKr4AafIJ/LijTWD+vI",
        "mvWo/UwjwSNQpuqfF7CA9XRlaf5UY1Pyv/BvvhG5puvpCTne3yIaUy/1aZ0G2FQcDhhqWs5DSHYonu0EhhLKlJlunQ==",
    );
}
