//! Times the `characters` and `duplicates` families on a synthetic estate: one forest of N AD objects
//! (default 1,000,000: users with UPN, mail, mailNickname and three proxy addresses; 1% with a bad
//! character, 0.5% sharing an address with another object) synchronised into one tenant that holds
//! N cloud twins hard-linked by anchor. `cargo bench --bench characters_duplicates`;
//! `TENANTLINT_BENCH_N=20000` for a quick run. A plain timing loop (no criterion).

/// An attribute value built like `format!`.
macro_rules! text {
    ($($arg:tt)*) => {
        tenantlint::model::Text::from(format!($($arg)*))
    };
}

use std::path::PathBuf;
use std::time::Instant;
use tenantlint::graph::EstateGraph;
use tenantlint::ingest::Ingested;
use tenantlint::model::*;
use tenantlint::rules::{Context, RuleOptions, characters, duplicates};
use tenantlint::source::SourceRef;

fn estate(n: usize) -> Ingested {
    let mut ing = Ingested::default();
    let ad_file = ing.sources.add(PathBuf::from("ad/users.csv"), "ad/users.csv".into());
    let cloud_file = ing.sources.add(PathBuf::from("tenant/users.json"), "tenant/users.json".into());
    let e = &mut ing.estate;
    e.tenants.push(Tenant {
        name: "Contoso".into(),
        id: Some("4d1f7a52-8c1e-4c7b-9a3e-2f6b1d0c9e71".into()),
        verified_domains: ["contoso.com", "contoso.onmicrosoft.com"]
            .iter()
            .map(|d| VerifiedDomain {
                name: d.to_string(),
                is_initial: Some(d.ends_with("onmicrosoft.com")),
                is_default: Some(*d == "contoso.com"),
                kind: Some("Managed".into()),
            })
            .collect(),
        ..Default::default()
    });
    e.forests.push(Forest { name: "corp.contoso.com".into(), syncs_to: vec![0], ..Default::default() });
    e.ad_objects.reserve(n);
    e.cloud_objects.reserve(n);
    for i in 0..n {
        let guid = Guid::parse(&format!("{:08x}-0000-4000-8000-{:012x}", i, i)).unwrap();
        let mut local = format!("user{i}");
        if i % 100 == 7 {
            local = format!("user {i}"); // space in UPN
        }
        if i % 200 == 11 {
            local = format!("usér{i}"); // non-ASCII
        }
        let upn = text!("{local}@contoso.com");
        let mut proxies = vec![
            text!("SMTP:user{i}@contoso.com"),
            text!("smtp:u{i}@contoso.com"),
            text!("smtp:user{i}@contoso.mail.onmicrosoft.com"),
        ];
        if i % 200 == 13 {
            proxies.push(text!("smtp:u{}@contoso.com", i - 1)); // someone else's alias
        }
        let o = AdObject {
            source: SourceRef::new(ad_file, i as u32 + 3),
            forest: 0,
            dn: Some(text!("CN=User {i},OU=Staff,DC=corp,DC=contoso,DC=com")),
            cn: Some(text!("User {i}")),
            class: AdClass::User,
            object_guid: Some(guid),
            upn: Some(upn.clone()),
            sam_account_name: Some(text!("u{i}")),
            mail: Some(text!("user{i}@contoso.com")),
            mail_nickname: Some(text!("user{i}")),
            proxy_addresses: proxies.clone().into(),
            display_name: Some(text!("User {i}")),
            given_name: Some("User".into()),
            sn: Some(text!("{i}")),
            ..Default::default()
        };
        e.cloud_objects.push(CloudObject {
            source: SourceRef::new(cloud_file, i as u32 * 20 + 4),
            tenant: 0,
            kind: CloudKind::User,
            id: Some(text!("{:08x}-1111-4000-8000-{:012x}", i, i)),
            display_name: o.display_name.clone(),
            upn: Some(text!("user{i}@contoso.com")),
            mail: o.mail.clone(),
            proxy_addresses: proxies[..3].to_vec().into(),
            immutable_id: Some(guid.immutable_id().into()),
            on_prem_sync_enabled: Some(true),
            sync_fields_exported: true,
            ..Default::default()
        });
        e.ad_objects.push(o);
    }
    ing
}

fn main() {
    let n: usize = std::env::var("TENANTLINT_BENCH_N").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let t = Instant::now();
    let ing = estate(n);
    eprintln!("built {n} AD + {n} cloud objects in {:.2?}", t.elapsed());
    let t = Instant::now();
    let graph = EstateGraph::build(&ing.estate);
    eprintln!("graph in {:.2?}", t.elapsed());
    let opts = RuleOptions::default();
    let ctx = Context::new(&opts, &ing, &graph);
    for round in 1..=3 {
        let t = Instant::now();
        let c = characters::run(&ctx);
        let tc = t.elapsed();
        let t = Instant::now();
        let d = duplicates::run(&ctx);
        let td = t.elapsed();
        println!(
            "round {round}: characters {tc:.2?} ({} findings), duplicates {td:.2?} ({} findings), {n} AD objects",
            c.len(),
            d.len()
        );
    }
}
