//! Synthetic estates for benchmarks (`tenantlint generate`, a hidden subcommand).
//!
//! Writes a fictional estate of about `objects` AD and cloud objects in the real export formats:
//! two forests (`Get-ADUser | Export-Csv` from Windows PowerShell 5.1, and `ldifde`), three tenants
//! (Graph REST `users` pages linked by `@odata.nextLink`, `organization`, `domains`), an ARM
//! `GET /subscriptions` list, and an `estate.toml` manifest. The output is a pure function of
//! `(objects, seed)`: every object is derived from a hash of the seed and its index, so the files are
//! written streaming (one record at a time) and the cloud twin of an AD user is regenerated, never
//! stored.
//!
//! Shares (of the objects of a kind): ~1.5% bad characters (spaces, commas, non-ASCII, `.local`
//! suffixes), ~0.5% addresses held twice, ~1% ImmutableIds derived from the UPN and ~0.2% that are
//! GUID text, ~1% cloud-only users that will be soft-matched, ~3% guests (some personal Microsoft
//! accounts), a small self-service sign-up tenant that duplicates the main one, and subscriptions
//! trusting it or a tenant outside the estate.

//! What lives where:
//! - this file: the estate (its forests, tenants and manifest) and [`generate`];
//! - `names.rs`: the fictional given names, surnames and offices;
//! - `random.rs`: the per-object deterministic random source;
//! - `ad.rs`: the AD side: a forest's people, written as `Export-Csv` and `ldifde` files;
//! - `cloud.rs`: the cloud side: Graph `users` pages, `organization` and `domains`, the ARM subscriptions;
//! - `formats.rs`: the encodings both sides (and the accuracy harness's messy estate) share: buffered
//!   output files, JSON, CSV and LDIF values, Base64, ImmutableIds and SIDs.

mod ad;
mod cloud;
mod formats;
mod names;
pub(crate) mod random;

pub(crate) use ad::AD_COLUMNS;
pub(crate) use cloud::USERS_SELECT;
pub(crate) use formats::{b64, cell, immutable_id, ldif_fold, ldif_line, sid_bytes, sid_text};
pub(crate) use names::{GIVEN, SURNAMES};
pub(crate) use random::{Rng, mix};

use ad::{ForestSpec, write_ad_csv, write_ldif};
use anyhow::Result;
use cloud::{TenantSpec, write_graph_users, write_organization, write_subscriptions};
use formats::Out;
use std::io::Write;
use std::path::Path;

/// Statistics of a generated estate.
#[derive(Debug, Default)]
pub struct Generated {
    /// Files written.
    pub files: usize,
    /// Bytes written.
    pub bytes: u64,
    /// AD objects.
    pub ad_objects: u64,
    /// Cloud objects.
    pub cloud_objects: u64,
}

/// Writes a synthetic estate of about `objects` AD + cloud objects into `dir`.
pub fn generate(dir: &Path, objects: u64, seed: u64) -> Result<Generated> {
    let mut stats = Generated::default();
    // Half of the objects are AD users (80% in the CSV forest, 20% in the LDIF forest), half cloud objects.
    let ad = (objects / 2).max(2);
    let forests = [
        ForestSpec {
            stream: 1,
            dns: "corp.tailspintoys.com",
            mail_domain: "tailspintoys.com",
            tenant_prefix: "tailspintoys",
            users: ad * 4 / 5,
            sid: [1_004_336_348, 1_177_238_915, 682_003_330],
        },
        ForestSpec {
            stream: 2,
            dns: "ad.fourthcoffee.com",
            mail_domain: "fourthcoffee.com",
            tenant_prefix: "fourthcoffee",
            users: ad - ad * 4 / 5,
            sid: [3_166_394_057, 2_841_372_256, 1_932_524_935],
        },
    ];
    let extra = |share: u64| (objects / 2 * share / 100).max(1);
    let tenants = [
        TenantSpec {
            name: "Tailspin Toys",
            folder: "tailspin",
            id: uuid::Uuid::from_u128(0x8f0c_1b4e_2a7d_4c55_9e61_3b2d_7a9c_0e11 ^ seed as u128),
            initial: "tailspintoys.onmicrosoft.com",
            domains: &["tailspintoys.com", "uk.tailspintoys.com"],
            forest: Some(0),
            extra: extra(4),
            viral: false,
            sku: uuid::Uuid::from_u128(0x6fd2_c87f_b296_42f0_b197_1e91_e994_b900),
        },
        TenantSpec {
            name: "Fourth Coffee",
            folder: "fourthcoffee",
            id: uuid::Uuid::from_u128(0x7c7e_6817_1f48_420b_9c83_650a_1e0d_7886 ^ seed as u128),
            initial: "fourthcoffee.onmicrosoft.com",
            domains: &["fourthcoffee.com"],
            forest: Some(1),
            extra: extra(1),
            viral: false,
            sku: uuid::Uuid::from_u128(0x05e9_a617_0261_4cee_bb44_138d_3ef5_d965),
        },
        TenantSpec {
            name: "Tailspin Toys Marketing",
            folder: "tailspin-marketing",
            id: uuid::Uuid::from_u128(0x5a6a_dd13_ecc3_41a4_ac6c_d70a_e428_b617 ^ seed as u128),
            initial: "tailspintoysmarketing.onmicrosoft.com",
            domains: &["tailspintoys.com"],
            forest: None,
            extra: (objects / 500).max(3),
            viral: true,
            sku: uuid::Uuid::from_u128(0x3b55_5118_da6a_4418_894f_7df1_e244_8bb3),
        },
    ];
    let per_file = 500_000;
    write_ad_csv(&dir.join("ad/tailspin"), seed, &forests[0], per_file, &mut stats)?;
    write_ldif(&dir.join("ad/fourthcoffee/fourthcoffee.ldf"), seed, &forests[1], &mut stats)?;
    for t in &tenants {
        let d = dir.join("tenants").join(t.folder);
        write_organization(&d, t, &mut stats)?;
        write_graph_users(&d, seed, t, &forests, 100_000, &mut stats)?;
    }
    write_subscriptions(&dir.join("azure/subscriptions.json"), seed, &tenants, (objects / 5_000).max(4), &mut stats)?;
    let mut m = Out::create(&dir.join("estate.toml"))?;
    m.put(&format!(
        "# Synthetic estate: {objects} objects, seed {seed} (tenantlint generate)\nname = \"Synthetic estate\"\n"
    ))?;
    for t in &tenants {
        m.put(&format!(
            "\n[[tenant]]\nname = \"{}\"\nid = \"{}\"\npaths = [\"tenants/{}\"]\n",
            t.name, t.id, t.folder
        ))?;
    }
    for (f, folder, anchor) in
        [(&forests[0], "tailspin", "objectGUID"), (&forests[1], "fourthcoffee", "ms-DS-ConsistencyGuid")]
    {
        let to = if f.stream == 1 { "Tailspin Toys" } else { "Fourth Coffee" };
        m.put(&format!(
            "\n[[forest]]\nname = \"{}\"\npaths = [\"ad/{folder}\"]\ncomplete = true\nanchor = \"{anchor}\"\nsyncs_to = [\"{to}\"]\n",
            f.dns
        ))?;
    }
    m.w.flush()?;
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_readable() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let sa = generate(a.path(), 2_000, 7).unwrap();
        let sb = generate(b.path(), 2_000, 7).unwrap();
        assert_eq!(sa.bytes, sb.bytes);
        let read = |p: &Path| std::fs::read(p).unwrap();
        for f in ["ad/tailspin/users-001.csv", "ad/fourthcoffee/fourthcoffee.ldf", "tenants/tailspin/users.json"] {
            assert_eq!(read(&a.path().join(f)), read(&b.path().join(f)), "{f}");
        }
        let ing = crate::ingest::ingest(&[a.path().to_path_buf()], &Default::default(), &|_| {}).unwrap();
        for r in &ing.inputs {
            assert_eq!(r.status, crate::ingest::Status::Read, "{:?}", r);
        }
        assert_eq!(ing.estate.ad_objects.len() as u64, sa.ad_objects);
        assert_eq!(ing.estate.cloud_objects.len() as u64, sa.cloud_objects);
        assert_eq!(ing.estate.tenants.len(), 3);
        // ImmutableIds of synced twins are the Base64 of the AD objectGUID's little-endian bytes.
        let guids: std::collections::HashSet<String> =
            ing.estate.ad_objects.iter().filter_map(|o| o.object_guid).map(|g| g.immutable_id()).collect();
        let hard = ing
            .estate
            .cloud_objects
            .iter()
            .filter_map(|c| c.immutable_id.as_ref())
            .filter(|i| guids.contains(i.as_str()));
        assert!(hard.count() as u64 > sa.ad_objects * 9 / 10);
    }
}
