//! The other stages: Tailspin Toys (fed by a forest that is not exported), personal Microsoft
//! accounts, the tenant-level truth, and the subscriptions.

use super::cloud::{OnPrem, cloud_only, guest};
use super::people::name;
use super::truth::{Builder, cid};
use super::{AD_INITIAL, Estate, FRESH_SYNC, NW_INITIAL, TT_DOMAIN, TT_FOREST, TT_INITIAL};
use crate::generate::{Rng, immutable_id, sid_text};
use serde_json::json;
use uuid::Uuid;

/// Tailspin Toys: fed by a forest that is not exported.
pub(super) fn tailspin(e: &mut Estate, size: u64) {
    let Estate { b, tt, .. } = e;
    let mut tt_users = Vec::new();
    for k in 0..(size / 20).max(6) {
        let mut r = b.rng(31, k);
        let (given, s1, _) = name(900_000 + k);
        let (_, s2, _) = name(900_000 + k * 31 + 17);
        let surname = format!("{s1}-{s2}");
        let local = format!("{}.{}{k}", given.to_ascii_lowercase(), surname.to_ascii_lowercase());
        let upn = format!("{local}@{TT_DOMAIN}");
        let id = r.guid();
        let mut c = cloud_only(id, &format!("{given} {surname}"), &upn, &upn, TT_DOMAIN);
        c.given = Some(given.clone());
        c.surname = Some(surname.clone());
        c.anchor = Some(immutable_id(&r.guid()));
        c.sync_enabled = Some(true);
        c.last_sync = Some(FRESH_SYNC);
        c.on_prem = Some(OnPrem {
            domain: TT_FOREST.into(),
            sam: format!("{}{}", &given[..1], s1).to_ascii_lowercase(),
            upn: upn.clone(),
            dn: format!("CN={given} {surname},OU=Users,OU=Tailspin,DC=corp,DC=tailspintoys,DC=com"),
            sid: sid_text([3_001_002_003, 1_234_567_890, 987_654_321], 1_500 + k),
        });
        tt_users.push(tt.key(&id));
        tt.users.push(c);
    }
    for k in 0..2u64 {
        let id = cid(b, 32, k);
        let upn = format!("admin{k}@{TT_INITIAL}");
        tt.users.push(cloud_only(id, &format!("Tailspin Admin {k}"), &upn, &upn, TT_INITIAL));
    }
    b.plant(
        "P-unexported-forest".into(),
        "input",
        &[],
        vec![tt.id.to_string()],
        "Tailspin Toys holds synced users of corp.tailspintoys.com, a forest that is not in the export: one coverage finding",
    );
    b.near(
        "N-unexported-forest-users".into(),
        "anchor-integrity",
        &["AN005"],
        None,
        tt_users,
        "synced users of a tenant no exported forest feeds: one input finding, not an orphan per user",
    );
    b.near(
        "N-separate-company".into(),
        "duplicate-directories",
        &["DD001"],
        None,
        vec![tt.id.to_string()],
        "Tailspin Toys is a separate organisation",
    );
}

/// Personal accounts.
pub(super) fn personal_accounts(e: &mut Estate, size: u64) {
    let Estate { b, nw, ad, .. } = e;
    for k in 0..(size / 2000).max(1) {
        let (given, surname, _) = name(950_000 + k);
        let addr = format!("{}.{}{k}@outlook.com", given.to_ascii_lowercase(), surname.to_ascii_lowercase());
        let (a, c) = (cid(b, 41, k), cid(b, 42, k));
        nw.users.push(guest(a, &format!("{given} {surname}"), &addr, NW_INITIAL, "MicrosoftAccount"));
        ad.users.push(guest(c, &format!("{given} {surname}"), &addr, AD_INITIAL, "MicrosoftAccount"));
        b.plant(
            format!("P-msa-two-tenants-{k:03}"),
            "msa-ambiguity",
            &["MS001"],
            vec![nw.key(&a), ad.key(&c), addr],
            "one personal Microsoft account is a guest in two tenants",
        );
        let (given, surname, _) = name(960_000 + k);
        let addr = format!("{}.{}{k}@hotmail.com", given.to_ascii_lowercase(), surname.to_ascii_lowercase());
        let a = cid(b, 43, k);
        nw.users.push(guest(a, &format!("{given} {surname}"), &addr, NW_INITIAL, "MicrosoftAccount"));
        b.near(
            format!("N-msa-one-tenant-{k:03}"),
            "msa-ambiguity",
            &["msa-ambiguity"],
            None,
            vec![nw.key(&a), addr],
            "a personal-account guest in one tenant, without roles",
        );
        let (given, surname, _) = name(970_000 + k);
        let addr = format!("{}.{}{k}@hotmail-us.top", given.to_ascii_lowercase(), surname.to_ascii_lowercase());
        let a = cid(b, 44, k);
        ad.users.push(guest(a, &format!("{given} {surname}"), &addr, AD_INITIAL, "mail"));
        b.near(
            format!("N-msa-lookalike-{k:03}"),
            "msa-ambiguity",
            &["msa-ambiguity"],
            None,
            vec![ad.key(&a), addr],
            "hotmail-us.top is not a Microsoft consumer domain; e-mail one-time passcode guest",
        );
    }
}

/// Tenant-level truth.
pub(super) fn tenant_truth(e: &mut Estate) {
    let Estate { b, nw, mk, ad, tt, .. } = e;
    b.plant(
        "P-stale-sync".into(),
        "sync",
        &["SY001"],
        vec![ad.id.to_string()],
        "Adatum last synced 45 days before the scan",
    );
    b.plant(
        "P-takeover-not-blocked".into(),
        "sync",
        &["SY005"],
        vec![ad.id.to_string()],
        "Adatum does not block soft matching or hard-match takeover",
    );
    b.near(
        "N-fresh-sync".into(),
        "sync",
        &["SY001", "SY005"],
        None,
        vec![nw.id.to_string(), mk.id.to_string(), tt.id.to_string()],
        "fresh sync; Northwind Traders blocks soft match and takeover (no export of the others' settings)",
    );
    b.near(
        "N-verified-domains".into(),
        "domains",
        &["domains"],
        None,
        vec![
            format!("{}/uk.northwindtraders.com", nw.id),
            format!("{}/northwindtraders.mail.onmicrosoft.com", nw.id),
            format!("{}/{TT_DOMAIN}", tt.id),
        ],
        "verified, managed domains used by their own tenant",
    );

    b.near(
        "N-paged-exports".into(),
        "input",
        &["input"],
        None,
        [&nw, &mk, &ad, &tt]
            .iter()
            .flat_map(|t| {
                ["users.json", "users-page2.json", "domains.json", "organization.json"]
                    .map(|f| format!("tenants/{}/{f}", t.folder))
            })
            .chain(["ad/northwind/users.csv".to_string(), "ad/adatum/adatum.ldf".to_string()])
            .collect(),
        "complete exports: users pages continued by @odata.nextLink, $select with the sync fields, UTF-8",
    );
}

/// Subscriptions.
pub(super) fn subscriptions(e: &mut Estate, size: u64, seed: u64) {
    let Estate { b, nw, mk, ad, tt, subs, .. } = e;
    let outside = Rng::new(seed, 7_950, 0).guid();
    let mut sub = |b: &mut Builder, k: u64, name: String, tenant: Uuid, state: &str, quota: &str| {
        let id = b.rng(51, k).guid();
        subs.push(json!({"id": format!("/subscriptions/{id}"), "authorizationSource": "RoleBased", "managedByTenants": [],
            "subscriptionId": id.to_string(), "tenantId": tenant.to_string(), "displayName": name, "state": state,
            "subscriptionPolicies": {"locationPlacementId": "Public_2014-09-01", "quotaId": quota, "spendingLimit": "Off"}}));
        id.to_string()
    };
    let ea = "EnterpriseAgreement_2014-09-01";
    let s = sub(b, 0, "Marketing Web".into(), mk.id, "Enabled", "PayAsYouGo_2014-09-01");
    b.plant("P-sub-duplicate-directory".into(), "subscriptions", &["SU002"], vec![s], "trusts the copied directory");
    let s = sub(b, 1, "Analytics Trial".into(), outside, "Enabled", "FreeTrial_2014-09-01");
    b.plant("P-sub-outside".into(), "subscriptions", &["SU001"], vec![s], "trusts a tenant outside the estate");
    let s = sub(b, 2, "Access to Azure Active Directory".into(), nw.id, "Enabled", "AAD_2015-09-01");
    b.plant("P-sub-legacy".into(), "subscriptions", &["SU004"], vec![s], "legacy AAD subscription");
    let s = sub(b, 3, "Old Dev/Test".into(), nw.id, "Disabled", ea);
    b.plant("P-sub-disabled".into(), "subscriptions", &["SU005"], vec![s], "disabled subscription");
    let mut fine = Vec::new();
    for k in 0..(size / 1000).max(2) {
        for (n, t) in [("Northwind", nw.id), ("Adatum", ad.id), ("Tailspin", tt.id)] {
            fine.push(sub(b, 10 + fine.len() as u64, format!("{n} Production {k}"), t, "Enabled", ea));
        }
    }
    b.near(
        "N-subscriptions".into(),
        "subscriptions",
        &["subscriptions"],
        None,
        fine,
        "active subscriptions trusting their own tenant",
    );
}
