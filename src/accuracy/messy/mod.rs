//! A messy synthetic estate with ground truth (`tenantlint generate --messy DIR --truth truth.json`).
//!
//! The story (all names fictional): Northwind Traders acquired Adatum. Two forests and four tenants:
//!
//! - forest `corp.northwindtraders.com` (`Get-ADUser | Export-Csv`, Windows PowerShell 5.1), declared
//!   complete and syncing to **Northwind Traders**, anchored on objectGUID (not declared: most users
//!   have an empty ms-DS-ConsistencyGuid, a few migrated users carry one that differs);
//! - forest `ad.adatum.com` (`ldifde`), declared with its paths only — the tool must infer its target
//!   and anchor: ms-DS-ConsistencyGuid (= objectGUID for most users), synced to **Adatum** (whose sync
//!   is stale and does not block soft matching); its `OU=Research` is also synced into Northwind
//!   Traders (partial sync of one OU into a second tenant); its `OU=Contacts` holds GAL contacts of
//!   Northwind people;
//! - **Northwind Traders Marketing**: a copied directory whose cloud-only users carry anchors copied from
//!   Northwind Traders, plus ONE synced stray twin of a Northwind forest user;
//! - **Tailspin Toys**: fed by a forest (`corp.tailspintoys.com`) that is not in the export.
//!
//! Planted problems and near-misses are spread over the users by index (a fixed share of each forest
//! cycles through every case, so even a few hundred users hold each case at least once) and written to
//! the truth file (see [`super::Truth`]). The output is a pure function of `(size, seed)`.
//!
//! What lives where:
//! - this file: the names and dates of the story, the tenants, and [`generate`], which builds the
//!   estate stage by stage and writes it;
//! - `people.rs`: the two forests' users and the cases planted on them (which user holds which case);
//! - `cloud.rs`: cloud users as Graph exports them (synced twins, cloud-only members, guests) and
//!   the tenants being built;
//! - `truth.rs`: the builder that records planted problems and near-misses, and its random streams;
//! - `northwind.rs`, `adatum.rs`, `others.rs`: the stages: the Northwind forest with its twins and
//!   the copied directory; the Adatum forest with its Research OU and GAL contacts; Tailspin Toys,
//!   personal accounts, tenant-level truth and subscriptions;
//! - `write.rs`: writing the estate (CSV, LDIF, Graph JSON, ARM, manifest) and the truth file.

mod adatum;
mod cloud;
mod northwind;
mod others;
mod people;
mod truth;
mod write;

use super::Truth;
use crate::generate::{Rng, mix};
use anyhow::Result;
use cloud::Tenant;
use people::AdObj;
use serde_json::Value;
use std::path::Path;
use truth::Builder;
use uuid::Uuid;

/// The date the estate must be scanned at (`scan --as-of`).
pub const AS_OF: &str = "2026-11-23T12:00:00Z";
const FRESH_SYNC: &str = "2026-11-23T09:12:40Z";
const STALE_SYNC: &str = "2026-10-09T02:11:40Z";

const NW_FOREST: &str = "corp.northwindtraders.com";
const NW_DOMAIN: &str = "northwindtraders.com";
const NW_INITIAL: &str = "northwindtraders.onmicrosoft.com";
const NW_SID: [u32; 3] = [1_493_810_202, 3_217_640_015, 2_880_371_954];
const AD_FOREST: &str = "ad.adatum.com";
const AD_DOMAIN: &str = "adatum.com";
const AD_INITIAL: &str = "adatumcorp.onmicrosoft.com";
const AD_SID: [u32; 3] = [2_705_113_388, 1_066_348_821, 3_930_155_407];
const MK_INITIAL: &str = "northwindmarketing.onmicrosoft.com";
const TT_FOREST: &str = "corp.tailspintoys.com";
const TT_DOMAIN: &str = "tailspintoys.com";
const TT_INITIAL: &str = "tailspintoys.onmicrosoft.com";

/// What [`generate`] wrote.
#[derive(Debug, Default)]
pub struct Generated {
    /// AD objects (users and contacts).
    pub ad_objects: usize,
    /// Cloud users.
    pub cloud_objects: usize,
    /// Planted problems.
    pub planted: usize,
    /// Near-misses.
    pub near_misses: usize,
}

/// The estate being built: the truth recorder, the four tenants, the two forests' objects and the
/// subscriptions. The stages fill it in order (the order of the users in each tenant and of the
/// truth entries is part of the output).
struct Estate {
    b: Builder,
    nw: Tenant,
    mk: Tenant,
    ad: Tenant,
    tt: Tenant,
    nw_objs: Vec<AdObj>,
    ad_objs: Vec<AdObj>,
    subs: Vec<Value>,
}

/// Writes a messy estate of about `size` AD users (at least 200) into `dir` and its truth into `truth_path`.
pub fn generate(dir: &Path, truth_path: &Path, size: u64, seed: u64) -> Result<Generated> {
    let size = size.max(200);
    let b = Builder {
        seed,
        rotate: mix(seed) % 1_000,
        names: mix(seed ^ 0x5eed) % 10_000,
        truth: Truth {
            generator: format!("tenantlint {} generate --messy", env!("CARGO_PKG_VERSION")),
            size,
            seed,
            as_of: AS_OF.into(),
            ..Default::default()
        },
    };
    let tid = |n: u64| {
        let mut r = Rng::new(seed, 7_900, n);
        r.guid()
    };
    let nw = Tenant {
        name: "Northwind Traders",
        folder: "northwind",
        id: tid(1),
        initial: NW_INITIAL,
        domains: vec![
            (NW_DOMAIN, true),
            ("uk.northwindtraders.com", true),
            ("northwindtraders.mail.onmicrosoft.com", true),
            ("northwindtraders.co.uk", false),
        ],
        last_sync: Some(FRESH_SYNC),
        blocks: Some(true),
        sku: Uuid::from_u128(0x6fd2_c87f_b296_42f0_b197_1e91_e994_b900),
        users: Vec::new(),
    };
    let mk = Tenant {
        name: "Northwind Traders Marketing",
        folder: "northwind-marketing",
        id: tid(2),
        initial: MK_INITIAL,
        domains: vec![(NW_DOMAIN, false)],
        last_sync: Some(FRESH_SYNC),
        blocks: None,
        sku: Uuid::from_u128(0x3b55_5118_da6a_4418_894f_7df1_e244_8bb3),
        users: Vec::new(),
    };
    let ad = Tenant {
        name: "Adatum",
        folder: "adatum",
        id: tid(3),
        initial: AD_INITIAL,
        domains: vec![(AD_DOMAIN, true)],
        last_sync: Some(STALE_SYNC),
        blocks: Some(false),
        sku: Uuid::from_u128(0x05e9_a617_0261_4cee_bb44_138d_3ef5_d965),
        users: Vec::new(),
    };
    let tt = Tenant {
        name: "Tailspin Toys",
        folder: "tailspin",
        id: tid(4),
        initial: TT_INITIAL,
        domains: vec![(TT_DOMAIN, true)],
        last_sync: Some(FRESH_SYNC),
        blocks: None,
        sku: Uuid::from_u128(0xc7df_2760_2c81_4ef7_b578_5b53_92b5_71df),
        users: Vec::new(),
    };
    let n_nw = size * (55 + mix(seed ^ 0x512e) % 11) / 100;
    let n_ad = size - n_nw;

    let mut e = Estate { b, nw, mk, ad, tt, nw_objs: Vec::new(), ad_objs: Vec::new(), subs: Vec::new() };
    northwind::build(&mut e, n_nw);
    adatum::build(&mut e, n_ad);
    others::tailspin(&mut e, size);
    others::personal_accounts(&mut e, size);
    others::tenant_truth(&mut e);
    others::subscriptions(&mut e, size, seed);
    write::write_estate(dir, truth_path, &e, size, seed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_readable_and_every_case_present() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let ga = generate(&a.path().join("estate"), &a.path().join("truth.json"), 300, 5).unwrap();
        generate(&b.path().join("estate"), &b.path().join("truth.json"), 300, 5).unwrap();
        for f in [
            "truth.json",
            "estate/ad/northwind/users.csv",
            "estate/ad/adatum/adatum.ldf",
            "estate/tenants/northwind/users.json",
        ] {
            assert_eq!(std::fs::read(a.path().join(f)).unwrap(), std::fs::read(b.path().join(f)).unwrap(), "{f}");
        }
        let ing = crate::ingest::ingest(&[a.path().join("estate")], &Default::default(), &|_| {}).unwrap();
        for r in &ing.inputs {
            assert_eq!(r.status, crate::ingest::Status::Read, "{r:?}");
        }
        assert_eq!(ing.estate.ad_objects.len(), ga.ad_objects);
        assert_eq!(ing.estate.cloud_objects.len(), ga.cloud_objects);
        assert_eq!(ing.estate.tenants.len(), 4);
        let truth: Truth = serde_json::from_slice(&std::fs::read(a.path().join("truth.json")).unwrap()).unwrap();
        // Every planted tag and near-miss tag occurs at 300 users.
        let tags = |ids: Vec<&String>| {
            ids.into_iter()
                .map(|id| {
                    id.trim_end_matches(|c: char| c.is_ascii_digit() || c == 'a').trim_end_matches('-').to_string()
                })
                .collect::<std::collections::BTreeSet<_>>()
        };
        let planted = tags(truth.planted.iter().map(|p| &p.id).collect());
        for t in [
            "P-upn-space",
            "P-cg-mismatch",
            "P-cg-latent",
            "P-soft-match",
            "P-anchor-employee-id",
            "P-dup-nickname",
            "P-unlicensed",
        ] {
            assert!(planted.contains(t), "{t} missing from {planted:?}");
        }
        let near = tags(truth.near_misses.iter().map(|n| &n.id).collect());
        for t in ["N-cg-carried", "N-upn-local-64", "N-guest-elsewhere", "N-gal-contact", "N-sam-20"] {
            assert!(near.contains(t), "{t} missing from {near:?}");
        }
        // Subjects name objects the estate holds: every planted AD subject is an exported objectGUID.
        let guids: std::collections::HashSet<String> =
            ing.estate.ad_objects.iter().filter_map(|o| o.object_guid).map(|g| g.to_string()).collect();
        let p = truth.planted.iter().find(|p| p.id.starts_with("P-cg-mismatch")).unwrap();
        assert!(guids.contains(&p.subjects[0]));
    }
}
