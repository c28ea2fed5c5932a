//! AD FS trusts (FE011–FE014): claims providers chained for Office 365 sign-in and the AD attribute
//! that links their external identities to AD accounts. Facts: identity-facts.md §3 "Claims an IdP
//! must send" (chaining through AD FS).
//!
//! - A claims provider is *chained for Office 365* when it is enabled, is not the built-in Active
//!   Directory provider, and an enabled Office 365 relying party (identifier
//!   `urn:federation:MicrosoftOnline` or the well-known name, rule params) offers it: its
//!   `ClaimsProviderName` lists it, or is empty (AD FS then offers every claims provider). Without a
//!   relying-party export nothing is known about chaining, and FE011/FE012 stay silent.
//! - An *account link* is an attribute-store lookup in the Active Directory store keyed by an
//!   incoming claim, whose LDAP filter compares one of the configured link attributes with `{0}`
//!   (`(comment={0})`), in an enabled external claims provider's acceptance rules or an enabled
//!   relying party's issuance rules. FE013/FE014 need such a rule: a duplicate `comment` with no
//!   rule using it is just text.
//! - *A link to nothing* (FE014) is proved only by data that lists external identities: the
//!   `Value == "..."` conditions on the link claim in the same claims provider's acceptance rules (an
//!   allow-list of the external users it admits). Such a value that no AD account holds in the link
//!   attribute links to nothing — decided only when every forest is declared complete and the AD
//!   export carries the attribute at all.

use super::super::{Context, ad_subject, evidence, finding};
use crate::findings::{Finding, Subject};
use crate::model::{AdClass, AdObject, AdfsClaimRules, AdfsClaimsProvider, AdfsRelyingParty, Estate};
use crate::rules::params::types::lower;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Runs FE011–FE014.
pub fn run(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let estate = ctx.estate();
    if estate.adfs_claims_providers.is_empty() && estate.adfs_relying_parties.is_empty() {
        return;
    }
    let cps = claims_providers(estate);
    let chained = chained_for_office365(ctx, estate, &cps);
    for (cp, rps) in &chained {
        missing_claims(ctx, cp, rps, out);
        social(ctx, cp, rps, out);
    }
    links(ctx, estate, &cps, out);
}

/// Enabled external claims providers (not Active Directory), one per name (the first in source order).
fn claims_providers(estate: &Estate) -> Vec<&AdfsClaimsProvider> {
    let mut by_name: BTreeMap<String, &AdfsClaimsProvider> = BTreeMap::new();
    for cp in &estate.adfs_claims_providers {
        if cp.enabled == Some(false) || cp.is_active_directory() {
            continue;
        }
        let e = by_name.entry(cp.name.to_lowercase()).or_insert(cp);
        if cp.source < e.source {
            *e = cp;
        }
    }
    let mut v: Vec<&AdfsClaimsProvider> = by_name.into_values().collect();
    v.sort_by_key(|c| c.source);
    v
}

/// True for an enabled Office 365 relying party (FE011 params).
fn is_office365(ctx: &Context<'_>, rp: &AdfsRelyingParty) -> bool {
    let ids = lower(&ctx.params().fe011.office365_identifiers);
    let names = lower(&ctx.params().fe011.office365_names);
    rp.enabled != Some(false)
        && (rp.identifiers.iter().any(|i| ids.contains(&i.trim().to_lowercase()))
            || names.iter().any(|n| rp.name.to_lowercase().contains(n.as_str())))
}

/// Claims providers offered by an enabled Office 365 relying party, with those relying parties.
fn chained_for_office365<'e>(
    ctx: &Context<'_>,
    estate: &'e Estate,
    cps: &[&'e AdfsClaimsProvider],
) -> Vec<(&'e AdfsClaimsProvider, Vec<&'e AdfsRelyingParty>)> {
    let rps: Vec<&AdfsRelyingParty> = estate.adfs_relying_parties.iter().filter(|rp| is_office365(ctx, rp)).collect();
    cps.iter()
        .filter_map(|cp| {
            let offering: Vec<&AdfsRelyingParty> = rps
                .iter()
                .copied()
                .filter(|rp| {
                    rp.claims_provider_names.is_empty()
                        || rp.claims_provider_names.iter().any(|n| n.trim().eq_ignore_ascii_case(cp.name.trim()))
                })
                .collect();
            (!offering.is_empty()).then_some((*cp, offering))
        })
        .collect()
}

/// Subject for a claims provider trust: id = its first identifier, else its name.
pub fn cp_subject(cp: &AdfsClaimsProvider) -> Subject {
    Subject {
        kind: "adfs-claims-provider".into(),
        id: cp.identifiers.first().cloned().unwrap_or_else(|| cp.name.clone()),
        display: format!("AD FS claims provider {}", cp.name),
        source: Some(cp.source),
    }
}

/// Subject for a relying party trust: id = its first identifier, else its name.
pub fn rp_subject(rp: &AdfsRelyingParty) -> Subject {
    Subject {
        kind: "adfs-relying-party".into(),
        id: rp.identifiers.first().cloned().unwrap_or_else(|| rp.name.clone()),
        display: format!("AD FS relying party {}", rp.name),
        source: Some(rp.source),
    }
}

fn rp_names(rps: &[&AdfsRelyingParty]) -> Vec<String> {
    rps.iter().map(|rp| rp.name.clone()).collect()
}

/// FE011: a claims provider chained for Office 365 whose acceptance rules let out neither (or only one of)
/// AuthenticationMethod and AuthenticationInstant. Heuristic.
fn missing_claims(ctx: &Context<'_>, cp: &AdfsClaimsProvider, rps: &[&AdfsRelyingParty], out: &mut Vec<Finding>) {
    let required: Vec<Vec<String>> = ctx.params().fe011.required_claims.iter().map(|s| lower(s)).collect();
    let rules = &cp.acceptance_rules;
    let missing: Vec<&str> = required
        .iter()
        .filter(|spellings| !spellings.iter().any(|t| rules.provides(t)))
        .filter_map(|spellings| spellings.first().map(String::as_str))
        .collect();
    // Unparsable rules (IN008) may be the ones that pass the claims: no conclusion.
    if missing.is_empty() || rules.unparsed > 0 {
        return;
    }
    let short: Vec<&str> = missing.iter().map(|t| t.rsplit('/').next().unwrap_or(t)).collect();
    let proposed: Vec<String> = missing
        .iter()
        .map(|t| {
            format!(
                "@RuleName = \"Pass through {}\"\nc:[Type == \"{t}\"]\n => issue(claim = c);",
                t.rsplit('/').next().unwrap_or(t)
            )
        })
        .collect();
    let mut subjects = vec![cp_subject(cp)];
    subjects.extend(rps.iter().map(|rp| rp_subject(rp)));
    out.push(finding(
        "FE011",
        format!(
            "Claims provider {} is chained for Office 365 sign-in but its acceptance rules do not pass {} (heuristic)",
            cp.name,
            short.join(" or ")
        ),
        subjects,
        evidence([
            ("claims_provider", json!(cp.name)),
            ("identifiers", json!(cp.identifiers)),
            ("relying_parties", json!(rp_names(rps))),
            ("missing_claim_types", json!(missing)),
            ("passed_claim_types", json!(rules.passes)),
            ("issued_claim_types", json!(rules.issues)),
            ("rules", json!(rules.names)),
            (
                "heuristic",
                json!(
                    "no Microsoft page lists the claims the Office 365 relying party needs from a chained claims provider; AD FS requires an authentication method claim from authentication providers, and a provider that omitted AuthenticationMethod and AuthenticationInstant made AD FS issue SAML without an AuthnStatement"
                ),
            ),
            ("proposed_rules", json!(proposed)),
            (
                "action",
                json!(format!(
                    "make the claims provider send both claims and add pass-through acceptance rules for them: Set-AdfsClaimsProviderTrust -TargetName \"{}\" -AcceptanceTransformRules <current rules + proposed_rules>",
                    cp.name
                )),
            ),
        ]),
        "",
    ));
}

/// The host of a URL or URI-like identifier (`https://accounts.google.com/o/saml2` → `accounts.google.com`).
fn host(uri: &str) -> Option<String> {
    let rest = uri.trim().split_once("://").map(|(_, r)| r)?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let h = authority.rsplit('@').next()?.split(':').next()?.trim_end_matches('.').to_lowercase();
    (!h.is_empty()).then_some(h)
}

/// FE012: a social identity provider chained for Office 365 (host of identifier, metadata or endpoint in
/// the `social_idp_domains` list, or a `social_idp_markers` substring; `enterprise_markers` exclude).
fn social(ctx: &Context<'_>, cp: &AdfsClaimsProvider, rps: &[&AdfsRelyingParty], out: &mut Vec<Finding>) {
    let domains = lower(&ctx.params().fe012.social_idp_domains);
    let markers = lower(&ctx.params().fe012.social_idp_markers);
    let enterprise = lower(&ctx.params().fe012.enterprise_markers);
    let urls: Vec<&str> =
        cp.identifiers.iter().chain(&cp.metadata_url).chain(&cp.endpoints).map(String::as_str).collect();
    if urls.iter().any(|u| enterprise.iter().any(|m| u.to_lowercase().contains(m.as_str()))) {
        return;
    }
    let matched = urls.iter().find_map(|u| {
        let lower = u.to_lowercase();
        if let Some(m) = markers.iter().find(|m| lower.contains(m.as_str())) {
            return Some((u.to_string(), m.clone()));
        }
        let h = host(u)?;
        domains.iter().find(|d| h == **d || h.ends_with(&format!(".{d}"))).map(|d| (u.to_string(), d.clone()))
    });
    let Some((url, social_domain)) = matched else { return };
    let mut subjects = vec![cp_subject(cp)];
    subjects.extend(rps.iter().map(|rp| rp_subject(rp)));
    out.push(finding(
        "FE012",
        format!(
            "Claims provider {} is a social identity provider ({social_domain}) chained for Office 365 sign-in",
            cp.name
        ),
        subjects,
        evidence([
            ("claims_provider", json!(cp.name)),
            ("identifiers", json!(cp.identifiers)),
            ("matched_url", json!(url)),
            ("social_identity_provider", json!(social_domain)),
            ("relying_parties", json!(rp_names(rps))),
            (
                "action",
                json!(format!(
                    "after checking the sign-in logs for users who still use it, remove the provider from the Office 365 relying party (Set-AdfsRelyingPartyTrust -TargetName \"{}\" -ClaimsProviderName <the other providers>) or disable it (Disable-AdfsClaimsProviderTrust -TargetName \"{}\"); invite such users as B2B guests instead",
                    rps.first().map(|r| r.name.as_str()).unwrap_or("Microsoft Office 365 Identity Platform"),
                    cp.name
                )),
            ),
        ]),
        "",
    ));
}

/// An account-link rule: the trust it is in, the lookup's rule name, the claim type, the attribute.
struct Link<'e> {
    cp: Option<&'e AdfsClaimsProvider>,
    rp: Option<&'e AdfsRelyingParty>,
    rule: String,
    claim_type: Option<String>,
    attribute: String,
}

fn link_lookups(rules: &AdfsClaimRules, attrs: &[String]) -> Vec<(String, Option<String>, String)> {
    rules
        .lookups
        .iter()
        .filter(|l| l.store.trim().eq_ignore_ascii_case("active directory"))
        .filter_map(|l| {
            let a = l.attribute.as_deref()?.to_lowercase();
            attrs.contains(&a).then(|| (l.rule.clone(), l.claim_type.clone(), a))
        })
        .collect()
}

/// Value of a link attribute on an AD object: an extra attribute, or a mapped one.
fn ad_value<'o>(o: &'o AdObject, attr: &str) -> Option<&'o str> {
    let mapped = match attr {
        "employeeid" => o.employee_id.as_deref(),
        "mail" => o.mail.as_deref(),
        "userprincipalname" => o.upn.as_deref(),
        "samaccountname" => o.sam_account_name.as_deref(),
        _ => None,
    };
    mapped.or_else(|| o.extra(attr)).map(str::trim).filter(|v| !v.is_empty())
}

fn is_account(o: &AdObject) -> bool {
    matches!(o.class, AdClass::User | AdClass::InetOrgPerson)
}

/// FE013 and FE014: duplicate account links and links to nothing.
fn links(ctx: &Context<'_>, estate: &Estate, cps: &[&AdfsClaimsProvider], out: &mut Vec<Finding>) {
    let attrs = lower(&ctx.params().fe013.link_attributes);
    let mut rules: Vec<Link<'_>> = Vec::new();
    for cp in cps {
        for (rule, claim_type, attribute) in link_lookups(&cp.acceptance_rules, &attrs) {
            rules.push(Link { cp: Some(cp), rp: None, rule, claim_type, attribute });
        }
    }
    for rp in estate.adfs_relying_parties.iter().filter(|rp| rp.enabled != Some(false)) {
        for (rule, claim_type, attribute) in link_lookups(&rp.issuance_rules, &attrs) {
            rules.push(Link { cp: None, rp: Some(rp), rule, claim_type, attribute });
        }
    }
    if rules.is_empty() {
        return;
    }
    let used: BTreeSet<&str> = rules.iter().map(|l| l.attribute.as_str()).collect();
    // attribute → lower-cased value → AD accounts (indexes, in source order).
    let mut values: HashMap<&str, HashMap<String, Vec<u32>>> = HashMap::new();
    let mut exported: BTreeSet<&str> = BTreeSet::new();
    for (i, o) in estate.ad_objects.iter().enumerate() {
        if !is_account(o) {
            continue;
        }
        for a in &used {
            if let Some(v) = ad_value(o, a) {
                exported.insert(a);
                values.entry(a).or_default().entry(v.to_lowercase()).or_default().push(i as u32);
            }
        }
    }
    let link_desc = |l: &Link<'_>| -> serde_json::Value {
        json!({
            "trust": l.cp.map(|c| c.name.clone()).or_else(|| l.rp.map(|r| r.name.clone())),
            "trust_kind": if l.cp.is_some() { "claims provider" } else { "relying party" },
            "rule": l.rule,
            "claim_type": l.claim_type,
        })
    };
    let trust_subjects = |attr: &str| -> Vec<Subject> {
        let mut seen = BTreeSet::new();
        rules
            .iter()
            .filter(|l| l.attribute == attr)
            .filter_map(|l| match (l.cp, l.rp) {
                (Some(c), _) => seen.insert(("cp", c.source)).then(|| cp_subject(c)),
                (None, Some(r)) => seen.insert(("rp", r.source)).then(|| rp_subject(r)),
                _ => None,
            })
            .collect()
    };

    // FE013: one link value on several AD accounts.
    for a in &used {
        let Some(by_value) = values.get(a) else { continue };
        let mut dups: Vec<(&String, &Vec<u32>)> = by_value.iter().filter(|(_, v)| v.len() > 1).collect();
        dups.sort_by_key(|(_, v)| v.iter().map(|&i| estate.ad_objects[i as usize].source).min());
        for (_, members) in dups {
            let mut objs: Vec<&AdObject> = members.iter().map(|&i| &estate.ad_objects[i as usize]).collect();
            objs.sort_by_key(|o| o.source);
            let value = ad_value(objs[0], a).unwrap_or_default().to_string();
            let mut subjects: Vec<Subject> = objs.iter().map(|o| ad_subject(o)).collect();
            subjects.extend(trust_subjects(a));
            let accounts: Vec<serde_json::Value> = objs
                .iter()
                .map(|o| {
                    json!({"account": o.label(), "upn": o.upn, "sam_account_name": o.sam_account_name, "dn": o.dn, "enabled": o.enabled})
                })
                .collect();
            let attr_name = attr_spelling(a);
            out.push(finding(
                "FE013",
                format!(
                    "External identity {value} is linked to {} AD accounts through {attr_name}: {}",
                    objs.len(),
                    objs.iter().map(|o| o.label()).collect::<Vec<_>>().join(", ")
                ),
                subjects,
                evidence([
                    ("link_attribute", json!(attr_name)),
                    ("value", json!(value)),
                    ("accounts", json!(accounts)),
                    ("link_rules", json!(rules.iter().filter(|l| l.attribute == *a).map(link_desc).collect::<Vec<_>>())),
                    (
                        "action",
                        json!(format!(
                            "keep {value} in {attr_name} of the one account that belongs to this external user and clear it on the others (Set-ADUser <account> -Clear {attr_name})"
                        )),
                    ),
                ]),
                value.to_lowercase(),
            ));
        }
    }

    // FE014: values a claims provider admits that no AD account holds.
    let forests_complete = !estate.forests.is_empty() && estate.forests.iter().all(|f| f.complete == Some(true));
    if !forests_complete {
        return;
    }
    let mut reported: BTreeSet<(usize, String, String)> = BTreeSet::new();
    for l in &rules {
        let Some(cp) = l.cp else { continue };
        let Some(ct) = &l.claim_type else { continue };
        if !exported.contains(l.attribute.as_str()) {
            continue;
        }
        let by_value = values.get(l.attribute.as_str());
        for (t, v) in &cp.acceptance_rules.known_values {
            if t != ct || by_value.is_some_and(|m| m.contains_key(&v.trim().to_lowercase())) {
                continue;
            }
            let key = (cp.source.line as usize, l.attribute.clone(), v.to_lowercase());
            if !reported.insert(key) {
                continue;
            }
            let attr_name = attr_spelling(&l.attribute);
            out.push(finding(
                "FE014",
                format!(
                    "External identity {v} admitted by claims provider {} is linked to no AD account ({attr_name} holds it nowhere)",
                    cp.name
                ),
                vec![cp_subject(cp)],
                evidence([
                    ("claims_provider", json!(cp.name)),
                    ("value", json!(v)),
                    ("claim_type", json!(t)),
                    ("link_attribute", json!(attr_name)),
                    ("link_rule", json!(l.rule)),
                    (
                        "proof",
                        json!(
                            "the value is in a Value == condition of the provider's acceptance rules (it admits this external user), and no account of the AD exports (every forest declared complete) holds it in the link attribute"
                        ),
                    ),
                    (
                        "action",
                        json!(format!(
                            "set {attr_name} = {v} on the AD account of this external user (Set-ADUser <account> -Replace @{{{attr_name}='{v}'}}), or remove the value from the rules of {} if the user should no longer sign in",
                            cp.name
                        )),
                    ),
                ]),
                v.to_lowercase(),
            ));
        }
    }
}

/// The LDAP spelling of a (lower-cased) link attribute.
fn attr_spelling(a: &str) -> String {
    crate::model::extra_attribute(a).map(str::to_string).unwrap_or_else(|| a.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::adfs_json::parse_rules;
    use crate::model::{AdfsClaimsProvider, AdfsRelyingParty, Forest};
    use crate::rules::tenancy::testkit::{codes, run_on};
    use crate::source::{FileId, SourceRef};

    const METHOD: &str = "http://schemas.microsoft.com/ws/2008/06/identity/claims/authenticationmethod";
    const INSTANT: &str = "http://schemas.microsoft.com/ws/2008/06/identity/claims/authenticationinstant";
    const EMAIL: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress";

    fn pass(t: &str) -> String {
        format!("c:[Type == \"{t}\"] => issue(claim = c);\n")
    }

    fn cp(line: u32, name: &str, id: &str, enabled: bool, rules: &str) -> AdfsClaimsProvider {
        AdfsClaimsProvider {
            source: SourceRef::new(FileId(0), line),
            rules_line: line + 1,
            name: name.into(),
            identifiers: vec![id.into()],
            enabled: Some(enabled),
            acceptance_rules: parse_rules(rules).0,
            ..Default::default()
        }
    }

    fn o365(providers: &[&str]) -> AdfsRelyingParty {
        AdfsRelyingParty {
            source: SourceRef::new(FileId(1), 2),
            name: "Microsoft Office 365 Identity Platform".into(),
            identifiers: vec!["urn:federation:MicrosoftOnline".into()],
            enabled: Some(true),
            claims_provider_names: providers.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    fn user(line: u32, upn: &str, comment: Option<&str>) -> AdObject {
        AdObject {
            source: SourceRef::new(FileId(2), line),
            upn: Some(upn.into()),
            extra: comment.map(|c| vec![("comment".into(), c.into())].into()).unwrap_or_default(),
            ..Default::default()
        }
    }

    fn link_rules(allowed: &[&str]) -> String {
        let mut r: String = allowed
            .iter()
            .map(|v| format!("c:[Type == \"{EMAIL}\", Value == \"{v}\"] => issue(claim = c);\n"))
            .collect();
        r.push_str(&format!("c:[Type == \"{EMAIL}\"] => issue(store = \"Active Directory\", types = (\"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn\"), query = \"(&(objectClass=user)(Comment={{0}}));userPrincipalName;FABRIKAM\\\\svc\", param = c.Value);\n"));
        r
    }

    #[test]
    fn chained_providers_missing_claims_and_social_ones() {
        let mut e = Estate {
            adfs_claims_providers: vec![
                cp(1, "Active Directory", "AD AUTHORITY", true, ""),
                cp(10, "Tailspin", "http://sts.tailspintoys.com/adfs/services/trust", true, &pass(EMAIL)),
                cp(
                    20,
                    "Litware",
                    "https://sts.litwareinc.com/adfs/services/trust",
                    true,
                    &(pass(METHOD) + &pass(INSTANT)),
                ),
                cp(30, "Google", "https://accounts.google.com", true, "c:[] => issue(claim = c);"),
                cp(40, "Facebook", "https://www.facebook.com", false, ""),
                cp(
                    50,
                    "Workspace",
                    "https://accounts.google.com/o/saml2?idpid=C01x",
                    true,
                    "c:[] => issue(claim = c);",
                ),
                cp(60, "Broken", "https://idp.adatum.com", true, "c:[Type == \"x\"] issue(claim = c);"),
                cp(70, "Hidden", "https://idp.northwindtraders.com", true, ""),
            ],
            adfs_relying_parties: vec![o365(&[
                "Active Directory",
                "Tailspin",
                "Litware",
                "Google",
                "Facebook",
                "Workspace",
                "Broken",
            ])],
            ..Default::default()
        };
        let f = run_on(e.clone(), super::super::run);
        assert_eq!(codes(&f), ["FE011", "FE012"], "{:#?}", f.iter().map(|x| &x.title).collect::<Vec<_>>());
        assert_eq!(f[0].subjects[0].source.map(|s| s.line), Some(10));
        assert!(
            f[0].title.contains("authenticationmethod or authenticationinstant") && f[0].title.contains("heuristic")
        );
        assert_eq!(f[0].subjects[1].kind, "adfs-relying-party");
        assert_eq!(f[1].subjects[0].source.map(|s| s.line), Some(30));
        assert_eq!(f[1].evidence.map()["social_identity_provider"], "google.com");
        // An empty ClaimsProviderName offers every provider: Hidden is now chained too.
        e.adfs_relying_parties = vec![o365(&[])];
        let f = run_on(e.clone(), super::super::run);
        let lines: Vec<(String, u32)> =
            f.iter().map(|x| (x.rule.clone(), x.subjects[0].source.unwrap().line)).collect();
        assert!(lines.contains(&("FE011".into(), 70)), "{lines:?}");
        // Without an Office 365 relying party nothing is chained.
        e.adfs_relying_parties[0].identifiers = vec!["https://intranet.fabrikam.com/".into()];
        e.adfs_relying_parties[0].name = "Intranet".into();
        assert!(run_on(e.clone(), super::super::run).is_empty());
        // A disabled Office 365 relying party chains nothing either.
        e.adfs_relying_parties = vec![o365(&[])];
        e.adfs_relying_parties[0].enabled = Some(false);
        assert!(run_on(e, super::super::run).is_empty());
    }

    #[test]
    fn account_links_duplicates_and_links_to_nothing() {
        let mut e =
            Estate { forests: vec![Forest { complete: Some(true), ..Default::default() }], ..Default::default() };
        e.adfs_claims_providers = vec![cp(
            10,
            "Tailspin",
            "http://sts.tailspintoys.com/adfs/services/trust",
            true,
            &link_rules(&["ann@tailspintoys.com", "ben@tailspintoys.com", "cy@tailspintoys.com"]),
        )];
        e.ad_objects = vec![
            user(5, "ann@fabrikam.com", Some("Ann@TailspinToys.com")),
            user(9, "ben@fabrikam.com", Some("ben@tailspintoys.com")),
            user(3, "ben2@fabrikam.com", Some("ben@tailspintoys.com ")),
            user(12, "dee@fabrikam.com", None),
        ];
        e.ad_objects.push(AdObject { class: AdClass::Contact, ..user(20, "x@y", Some("cy@tailspintoys.com")) });
        let f = run_on(e.clone(), super::super::run);
        assert_eq!(codes(&f), ["FE013", "FE014"], "{:#?}", f.iter().map(|x| &x.title).collect::<Vec<_>>());
        // FE013: primary = first account in source order; the trust is a subject too.
        assert_eq!(f[0].subjects.iter().map(|s| s.source.unwrap().line).collect::<Vec<_>>(), [3, 9, 10]);
        assert_eq!(f[0].evidence.map()["link_attribute"], "comment");
        assert_eq!(f[0].discriminator, "ben@tailspintoys.com");
        // FE014: cy is admitted but only a contact holds it.
        assert_eq!(f[1].discriminator, "cy@tailspintoys.com");
        assert_eq!(f[1].subjects[0].source.unwrap().line, 10);
        // Forest completeness unknown: no link-to-nothing conclusion.
        e.forests[0].complete = None;
        assert_eq!(codes(&run_on(e.clone(), super::super::run)), ["FE013"]);
        // Another configured attribute: the comment rule is not a link rule, nothing is reported.
        e.forests[0].complete = Some(true);
        let mut opts_estate = e.clone();
        opts_estate.adfs_claims_providers[0].acceptance_rules.lookups[0].attribute = Some("info".into());
        assert!(run_on(opts_estate, super::super::run).is_empty());
        // A disabled provider's rules are ignored.
        e.adfs_claims_providers[0].enabled = Some(false);
        assert!(run_on(e, super::super::run).is_empty());
    }

    #[test]
    fn hosts() {
        assert_eq!(host("https://accounts.google.com/o/saml2?idpid=1").as_deref(), Some("accounts.google.com"));
        assert_eq!(host("http://user@WWW.Facebook.com:443/x").as_deref(), Some("www.facebook.com"));
        assert_eq!(host("AD AUTHORITY"), None);
        assert_eq!(host("urn:federation:MicrosoftOnline"), None);
    }
}
