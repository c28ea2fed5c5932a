//! Family `subscriptions` (SU…): Azure subscriptions trusting a tenant outside the estate or a
//! duplicate directory, visible from several tenants, managed from outside, not active, legacy
//! "Access to Azure Active Directory" subscriptions, and licences consumed beyond prepaid units.
//! Facts: identity-facts.md §4.
//!
//! One subscription often appears in several exports (ARM `/subscriptions`, `az account list` run
//! from several tenants); records are grouped by subscription id, the ARM record first.

use super::params::types::lower;
use super::tenancy;
use super::{Context, evidence, finding};
use crate::findings::{Finding, Subject};
use crate::model::{Estate, Subscription};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

/// True for `az account` records (they carry the signed-in user or a homeTenantId).
fn is_az(s: &Subscription) -> bool {
    s.user_name.is_some() || s.home_tenant_id.is_some()
}

/// Records of each subscription id, ARM first, then in source order.
fn grouped(estate: &Estate) -> BTreeMap<String, Vec<&Subscription>> {
    let mut by_id: BTreeMap<String, Vec<&Subscription>> = BTreeMap::new();
    for s in &estate.subscriptions {
        by_id.entry(s.id.trim().to_lowercase()).or_default().push(s);
    }
    for v in by_id.values_mut() {
        v.sort_by_key(|s| (is_az(s), s.source));
    }
    by_id
}

fn subjects(recs: &[&Subscription]) -> Vec<Subject> {
    recs.iter().map(|s| tenancy::subscription_subject(s)).collect()
}

fn name(recs: &[&Subscription]) -> String {
    recs.iter().find_map(|s| s.display_name.clone()).unwrap_or_else(|| recs[0].id.clone())
}

/// The family entry point.
pub fn run(ctx: &Context<'_>) -> Vec<Finding> {
    let estate = ctx.estate();
    let by_tid = &ctx.graph.indexes.tenant_by_id;
    let in_estate = |id: &str| by_tid.get(&id.trim().to_lowercase()).copied();
    let arm_names: BTreeMap<String, String> = estate
        .arm_tenants
        .iter()
        .filter_map(|t| Some((t.tenant_id.trim().to_lowercase(), t.display_name.clone()?)))
        .collect();
    let an = ctx.directories();
    let immovable = lower(&ctx.params().su002.quota_ids_that_cannot_change_directory);
    let inactive = lower(&ctx.params().su005.states);
    let legacy = lower(&ctx.params().su004.quota_ids);
    let mut out = Vec::new();
    for (id, recs) in grouped(estate) {
        let sname = name(&recs);
        let trusted = recs.iter().find_map(|s| s.trusted_tenant()).map(|t| t.trim().to_lowercase());
        let quota = recs.iter().find_map(|s| s.quota_id.clone());
        // SU001: trusts a tenant that is not in the estate.
        if let Some(t) = &trusted
            && in_estate(t).is_none()
        {
            let known_as = arm_names.get(t).cloned();
            out.push(finding(
                "SU001",
                format!(
                    "Subscription {sname} trusts tenant {t}{}, which is not part of the estate",
                    known_as.as_ref().map(|n| format!(" ({n})")).unwrap_or_default()
                ),
                subjects(&recs),
                evidence([
                    ("subscription_id", json!(id)),
                    ("trusted_tenant", json!(t)),
                    ("tenant_display_name", json!(known_as)),
                    ("quota_id", json!(quota)),
                    (
                        "action",
                        json!("find who owns the directory (often a personal Azure sign-up); export it and add it to estate.toml, or move the subscription to the organisation's directory with \"Change directory\" (role assignments are lost)"),
                    ),
                ]),
                "",
            ));
        }
        // SU002: trusts a secondary tenant of a duplicate-directory cluster.
        if let Some(t) = trusted.as_deref().and_then(in_estate)
            && let Some(c) = an.clusters.iter().find(|c| c.tenants[1..].contains(&t))
        {
            let primary = c.tenants[0];
            let (tn, pn) = (tenancy::tenant_name(estate, t), tenancy::tenant_name(estate, primary));
            let q = quota.clone().unwrap_or_default().to_lowercase();
            let can_move = !immovable.iter().any(|p| q.starts_with(p.as_str()));
            out.push(finding(
                "SU002",
                format!("Subscription {sname} trusts {tn}, a duplicate directory of the organisation's primary tenant {pn}"),
                subjects(&recs),
                evidence([
                    ("subscription_id", json!(id)),
                    ("trusted_tenant", json!(tn)),
                    ("primary_tenant", json!(pn)),
                    ("quota_id", json!(quota)),
                    ("can_change_directory", json!(can_move)),
                    (
                        "consequences",
                        json!([
                            "all Azure RBAC role assignments and classic administrators are removed",
                            "Key Vaults keep the old tenant id: update tenantId and access policies",
                            "system- and user-assigned managed identities must be re-enabled or re-created",
                            "AKS clusters and Azure Stack registrations must be redone",
                            "billing ownership does not change"
                        ]),
                    ),
                    (
                        "action",
                        json!(if can_move {
                            format!("export the role assignments (az role assignment list --all), then Subscriptions > Change directory to {pn} with an Owner present in both directories, then re-create the assignments")
                        } else {
                            format!("this offer ({}) cannot change directory: recreate the resources in a subscription of {pn}", quota.clone().unwrap_or_default())
                        }),
                    ),
                ]),
                "",
            ));
        }
        // SU003: listed from several tenants (az tenantId differs from homeTenantId, or between records).
        let via: BTreeSet<String> =
            recs.iter().filter_map(|s| s.tenant_id.as_deref()).map(|t| t.trim().to_lowercase()).collect();
        let home: BTreeSet<String> =
            recs.iter().filter_map(|s| s.home_tenant_id.as_deref()).map(|t| t.trim().to_lowercase()).collect();
        let listed_elsewhere = recs.iter().filter(|s| is_az(s)).any(|s| {
            matches!((s.home_tenant_id.as_deref(), s.tenant_id.as_deref()), (Some(h), Some(t)) if !h.eq_ignore_ascii_case(t))
        });
        if listed_elsewhere || via.len() > 1 {
            let az: Vec<&Subscription> = recs.iter().copied().filter(|s| is_az(s)).collect();
            let label = |t: &String| tenancy::tenant_label(estate, by_tid, t);
            let managed: BTreeSet<String> =
                recs.iter().flat_map(|s| s.managed_by_tenants.iter()).map(|t| t.trim().to_lowercase()).collect();
            // Listed only from its home tenant and tenants that manage it through Lighthouse, all of them
            // tenants of the estate: the delegation the organisation set up, for information.
            let expected = !managed.is_empty()
                && via.iter().all(|t| home.contains(t) || managed.contains(t))
                && via.iter().chain(&home).chain(&managed).all(|t| in_estate(t).is_some());
            let mut f = finding(
                "SU003",
                format!(
                    "Subscription {sname} is listed from {} tenants: {}",
                    via.len(),
                    via.iter().map(label).collect::<Vec<_>>().join(", ")
                ),
                subjects(if az.is_empty() { &recs } else { &az }),
                evidence([
                    ("subscription_id", json!(id)),
                    ("listed_via_tenants", json!(via.iter().map(label).collect::<Vec<_>>())),
                    ("home_tenant", json!(home.iter().map(label).collect::<Vec<_>>())),
                    ("managed_by_tenants", json!(managed.iter().map(label).collect::<Vec<_>>())),
                    (
                        "note",
                        json!(
                            "tokens for this subscription must come from its home tenant; tools that pick the signed-in tenant get \"The access token is from the wrong issuer\""
                        ),
                    ),
                    ("expected_delegation", json!(expected)),
                ]),
                "",
            );
            if expected {
                f.severity = crate::findings::Severity::Info;
            }
            out.push(f);
        }
        // SU004: legacy "Access to Azure Active Directory".
        if let Some(q) = quota.as_deref().filter(|q| legacy.contains(&q.to_lowercase())) {
            out.push(finding(
                "SU004",
                format!("Subscription {sname} is a legacy \"Access to Azure Active Directory\" subscription ({q})"),
                subjects(&recs),
                evidence([("subscription_id", json!(id)), ("quota_id", json!(q))]),
                "",
            ));
        }
        // SU005: not active.
        if let Some(st) = recs.iter().find_map(|s| s.state.as_deref()).filter(|s| inactive.contains(&s.to_lowercase()))
        {
            out.push(finding(
                "SU005",
                format!("Subscription {sname} is in state {st}"),
                subjects(&recs),
                evidence([("subscription_id", json!(id)), ("state", json!(st)), ("quota_id", json!(quota))]),
                st.to_lowercase(),
            ));
        }
        // SU006: managed (Lighthouse) by a tenant outside the estate.
        let outside: BTreeSet<String> = recs
            .iter()
            .flat_map(|s| s.managed_by_tenants.iter())
            .map(|t| t.trim().to_lowercase())
            .filter(|t| in_estate(t).is_none())
            .collect();
        for m in outside {
            out.push(finding(
                "SU006",
                format!("Subscription {sname} is managed through Azure Lighthouse by tenant {m}, which is not part of the estate"),
                subjects(&recs),
                evidence([
                    ("subscription_id", json!(id)),
                    ("managed_by_tenant", json!(m)),
                    ("tenant_display_name", json!(arm_names.get(&m))),
                ]),
                m.clone(),
            ));
        }
    }
    skus(estate, &mut out);
    out
}

/// SU007: licences consumed beyond the enabled prepaid units.
fn skus(estate: &Estate, out: &mut Vec<Finding>) {
    for s in &estate.skus {
        let (Some(used), Some(paid)) = (s.consumed_units, s.prepaid_enabled) else { continue };
        if used <= paid {
            continue;
        }
        let part = s.sku_part_number.clone().or_else(|| s.sku_id.clone()).unwrap_or_else(|| "(unknown SKU)".into());
        let tname = tenancy::tenant_name(estate, s.tenant);
        out.push(finding(
            "SU007",
            format!("{part} in {tname}: {used} licences consumed, {paid} prepaid"),
            vec![Subject {
                kind: "sku".into(),
                id: format!(
                    "{}/{}",
                    tenancy::tenant_key(estate, s.tenant),
                    s.sku_id.clone().unwrap_or_else(|| part.clone())
                ),
                display: format!("{part} ({tname})"),
                source: Some(s.source),
            }],
            evidence([
                ("sku_part_number", json!(part)),
                ("consumed_units", json!(used)),
                ("prepaid_enabled_units", json!(paid)),
                ("excess", json!(used - paid)),
                ("capability_status", json!(s.capability_status)),
            ]),
            "",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Sku;
    use crate::rules::tenancy::testkit::*;

    const A: &str = "11111111-1111-1111-1111-111111111111";
    const X: &str = "99999999-9999-9999-9999-999999999999";

    fn sub(id: &str, tenant: &str) -> Subscription {
        Subscription {
            id: id.into(),
            tenant_id: Some(tenant.into()),
            state: Some("Enabled".into()),
            ..Default::default()
        }
    }

    fn estate(subs: Vec<Subscription>) -> Estate {
        let mut e = Estate::default();
        e.tenants.push(tenant(A, "Contoso"));
        e.subscriptions = subs;
        e
    }

    #[test]
    fn tenant_outside_the_estate_state_quota_and_lighthouse() {
        let f = run_on(estate(vec![sub("s1", A), sub("s2", X)]), super::run);
        assert_eq!(codes(&f), vec!["SU001"]);
        let s = Subscription {
            state: Some("PastDue".into()),
            quota_id: Some("AAD_2015-09-01".into()),
            managed_by_tenants: vec![X.into(), A.into()],
            ..sub("s1", A)
        };
        assert_eq!(codes(&run_on(estate(vec![s]), super::run)), vec!["SU004", "SU005", "SU006"]);
    }

    #[test]
    fn several_tenants_only_when_az_says_so() {
        let az = |tenant: &str| Subscription {
            home_tenant_id: Some(X.into()),
            user_name: Some("admin@contoso.com".into()),
            ..sub("s1", tenant)
        };
        // Listed through Contoso (Lighthouse or guest) although it belongs to X.
        let f = run_on(estate(vec![az(A), az(X)]), super::run);
        assert_eq!(codes(&f), vec!["SU001", "SU003"]);
        // The same subscription in ARM and az with the same tenant: one listing.
        let same =
            Subscription { home_tenant_id: Some(A.into()), user_name: Some("a@contoso.com".into()), ..sub("s1", A) };
        assert!(run_on(estate(vec![sub("s1", A), same]), super::run).is_empty());
    }

    #[test]
    fn an_expected_lighthouse_delegation_inside_the_estate_is_info() {
        const B: &str = "22222222-2222-2222-2222-222222222222";
        let az = |tenant: &str, managers: Vec<String>| Subscription {
            home_tenant_id: Some(B.into()),
            user_name: Some("admin@contoso.com".into()),
            managed_by_tenants: managers,
            ..sub("s1", tenant)
        };
        let mut e = estate(vec![az(A, vec![A.into()]), az(B, vec![A.into()])]);
        e.tenants.push(tenant(B, "Contoso Marketing"));
        let f = run_on(e.clone(), super::run);
        let su3 = f.iter().find(|f| f.rule == "SU003").unwrap();
        assert_eq!(su3.severity, crate::findings::Severity::Info, "home B, managed by A, both in the estate");
        // Listed from a tenant that neither owns nor manages it: low, as before.
        e.subscriptions = vec![az(A, vec![]), az(B, vec![])];
        let f = run_on(e, super::run);
        assert_eq!(f.iter().find(|f| f.rule == "SU003").unwrap().severity, crate::findings::Severity::Low);
    }

    #[test]
    fn licences_beyond_prepaid() {
        let sku = |used| Sku {
            sku_part_number: Some("POWER_BI_PRO".into()),
            consumed_units: Some(used),
            prepaid_enabled: Some(10),
            ..Default::default()
        };
        let mut e = estate(vec![]);
        e.skus = vec![sku(10), sku(11)];
        let f = run_on(e, super::run);
        assert_eq!(codes(&f), vec!["SU007"]);
        assert_eq!(f[0].evidence.map()["excess"], 1);
    }
}
