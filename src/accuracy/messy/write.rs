//! Writing the estate: the Northwind forest as `Export-Csv`, the Adatum forest as `ldifde`, each tenant's
//! Graph answers, the ARM subscription list, the manifest, and the truth file.

use super::cloud::Tenant;
use super::people::AdObj;
use super::{AD_FOREST, AD_SID, AS_OF, Estate, Generated, NW_FOREST, NW_SID};
use crate::generate::{AD_COLUMNS, USERS_SELECT, b64, cell, ldif_fold, ldif_line, sid_bytes, sid_text};
use anyhow::{Context as _, Result};
use serde_json::{Value, json};
use std::path::Path;

/// Writes the estate into `dir` and its truth into `truth_path`.
pub(super) fn write_estate(dir: &Path, truth_path: &Path, e: &Estate, size: u64, seed: u64) -> Result<Generated> {
    let Estate { b, nw, mk, ad, tt, nw_objs, ad_objs, subs } = e;
    let mut stats = Generated { ad_objects: nw_objs.len() + ad_objs.len(), ..Default::default() };
    write(dir, "ad/northwind/users.csv", &nw_csv(nw_objs))?;
    write(dir, "ad/adatum/adatum.ldf", &ad_ldif(ad_objs))?;
    for t in [&nw, &mk, &ad, &tt] {
        stats.cloud_objects += t.users.len();
        write_tenant(dir, t)?;
    }
    write(dir, "azure/subscriptions.json", &(serde_json::to_string_pretty(&json!({"value": subs}))? + "\n"))?;
    let manifest = format!(
        "# Messy synthetic estate: size {size}, seed {seed} (tenantlint generate --messy); exported at the truth's as_of\nname = \"Northwind / Adatum merger (synthetic)\"\n\n\
         [[tenant]]\nname = \"{}\"\nid = \"{}\"\npaths = [\"tenants/northwind\"]\nseparate_from = [\"Adatum\"]\nexported = {AS_OF}\n\n\
         [[tenant]]\nname = \"{}\"\nid = \"{}\"\npaths = [\"tenants/northwind-marketing\"]\nexported = {AS_OF}\n\n\
         [[tenant]]\nname = \"{}\"\nid = \"{}\"\npaths = [\"tenants/adatum\"]\nexported = {AS_OF}\n\n\
         [[tenant]]\nname = \"{}\"\nid = \"{}\"\npaths = [\"tenants/tailspin\"]\nexported = {AS_OF}\n\n\
         [[forest]]\nname = \"{NW_FOREST}\"\npaths = [\"ad/northwind\"]\ncomplete = true\nsyncs_to = [\"Northwind Traders\"]\nexported = {AS_OF}\n\n\
         # Anchor attributes (both forests) and target tenants (this one) not declared: the tool must infer them.\n\
         [[forest]]\nname = \"{AD_FOREST}\"\npaths = [\"ad/adatum\"]\nexported = {AS_OF}\n",
        nw.name, nw.id, mk.name, mk.id, ad.name, ad.id, tt.name, tt.id
    );
    write(dir, "estate.toml", &manifest)?;
    stats.planted = b.truth.planted.len();
    stats.near_misses = b.truth.near_misses.len();
    if let Some(d) = truth_path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(d).with_context(|| format!("creating {}", d.display()))?;
    }
    std::fs::write(truth_path, serde_json::to_string_pretty(&b.truth)? + "\n")
        .with_context(|| format!("writing {}", truth_path.display()))?;
    Ok(stats)
}

fn write(dir: &Path, rel: &str, text: &str) -> Result<()> {
    let p = dir.join(rel);
    if let Some(d) = p.parent() {
        std::fs::create_dir_all(d).with_context(|| format!("creating {}", d.display()))?;
    }
    std::fs::write(&p, text).with_context(|| format!("writing {}", p.display()))
}

/// `Get-ADUser … | Select-Object … | Export-Csv` (Windows PowerShell 5.1: `#TYPE`, UTF-8 BOM, CRLF).
fn nw_csv(objs: &[AdObj]) -> String {
    let mut s = String::from("\u{feff}#TYPE Selected.Microsoft.ActiveDirectory.Management.ADUser\r\n");
    s.push_str(AD_COLUMNS);
    s.push_str("\r\n");
    for o in objs {
        let (mo, d, y) = o.when_changed;
        let row = [
            cell(&o.dn(NW_FOREST)),
            cell(if o.enabled { "True" } else { "False" }),
            cell(&o.given),
            cell(&o.cn),
            cell("user"),
            cell(&o.guid.to_string()),
            cell(&o.sam),
            cell(&sid_text(NW_SID, o.rid)),
            cell(&o.surname),
            cell(&o.upn),
            if o.display.is_empty() { String::new() } else { cell(&o.display) },
            cell(&o.mail),
            cell(&o.nickname),
            cell(&o.proxies.join(";")),
            o.target.as_deref().map(cell).unwrap_or_default(),
            cell(&o.employee_id.to_string()),
            o.cg.map(|c| cell(&b64(&c))).unwrap_or_default(),
            cell(if o.enabled { "512" } else { "514" }),
            cell(&format!("{mo}/{d}/{y} 9:14:07 AM")),
            String::new(),
        ];
        s.push_str(&row.join(","));
        s.push_str("\r\n");
    }
    s
}

/// `ldifde -f adatum.ldf` (users and contacts; Base64 binary attributes, folding).
fn ad_ldif(objs: &[AdObj]) -> String {
    let mut s = String::from("version: 1\n\n");
    for o in objs {
        let dn = o.dn(AD_FOREST);
        ldif_line(&mut s, "dn", &dn);
        s.push_str("changetype: add\nobjectClass: top\nobjectClass: person\nobjectClass: organizationalPerson\n");
        s.push_str(if o.contact { "objectClass: contact\n" } else { "objectClass: user\n" });
        ldif_line(&mut s, "cn", &o.cn);
        ldif_line(&mut s, "sn", &o.surname);
        ldif_line(&mut s, "givenName", &o.given);
        ldif_line(&mut s, "distinguishedName", &dn);
        let (mo, d, y) = o.when_changed;
        s.push_str(&format!("whenCreated: 20200301120000.0Z\nwhenChanged: {y}{mo:02}{d:02}091407.0Z\n"));
        if !o.display.is_empty() {
            ldif_line(&mut s, "displayName", &o.display);
        }
        ldif_line(&mut s, "name", &o.cn);
        ldif_fold(&mut s, &format!("objectGUID:: {}", b64(&o.guid.to_bytes_le())));
        if !o.contact {
            s.push_str(&format!("userAccountControl: {}\n", if o.enabled { 512 } else { 514 }));
            ldif_fold(&mut s, &format!("objectSid:: {}", b64(&sid_bytes(AD_SID, o.rid as u32))));
            ldif_line(&mut s, "sAMAccountName", &o.sam);
            ldif_line(&mut s, "userPrincipalName", &o.upn);
        }
        ldif_line(&mut s, "mail", &o.mail);
        if !o.nickname.is_empty() {
            ldif_line(&mut s, "mailNickname", &o.nickname);
        }
        for p in &o.proxies {
            ldif_line(&mut s, "proxyAddresses", p);
        }
        if let Some(t) = &o.target {
            ldif_line(&mut s, "targetAddress", t);
        }
        if !o.contact {
            ldif_line(&mut s, "employeeID", &o.employee_id.to_string());
        }
        if let Some(c) = o.cg {
            ldif_fold(&mut s, &format!("mS-DS-ConsistencyGuid:: {}", b64(&c)));
        }
        s.push('\n');
    }
    s
}

/// Graph REST exports of one tenant: organization, domains, users (two pages linked by
/// `@odata.nextLink` when there is more than one user) and onPremisesSynchronization.
fn write_tenant(dir: &Path, t: &Tenant) -> Result<()> {
    let base = format!("tenants/{}", t.folder);
    let verified: Vec<Value> = t
        .domains
        .iter()
        .filter(|(_, v)| *v)
        .map(|(d, _)| *d)
        .chain(std::iter::once(t.initial))
        .map(|d| {
            json!({"capabilities": "Email, OfficeCommunicationsOnline", "isDefault": d == t.domains[0].0 && t.domains[0].1,
                "isInitial": d == t.initial, "name": d, "type": "Managed"})
        })
        .collect();
    let org = json!({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#organization", "value": [{
        "id": t.id.to_string(), "displayName": t.name, "createdDateTime": "2016-03-14T16:02:51Z",
        "onPremisesLastSyncDateTime": t.last_sync, "onPremisesSyncEnabled": t.last_sync.map(|_| true),
        "technicalNotificationMails": [format!("it-ops@{}", t.initial)], "tenantType": "AAD", "verifiedDomains": verified}]});
    write(dir, &format!("{base}/organization.json"), &(serde_json::to_string_pretty(&org)? + "\n"))?;
    let domains: Vec<Value> = t
        .domains
        .iter()
        .copied()
        .chain(std::iter::once((t.initial, true)))
        .map(|(d, v)| {
            json!({"authenticationType": "Managed", "id": d, "isAdminManaged": true, "isDefault": d == t.domains[0].0 && v,
                "isInitial": d == t.initial, "isRoot": true, "isVerified": v, "supportedServices": if v { vec!["Email"] } else { vec![] }})
        })
        .collect();
    let doms = json!({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#domains", "value": domains});
    write(dir, &format!("{base}/domains.json"), &(serde_json::to_string_pretty(&doms)? + "\n"))?;
    let users: Vec<Value> = t.users.iter().map(|u| u.json(&t.sku)).collect();
    let context = format!("https://graph.microsoft.com/v1.0/$metadata#users({USERS_SELECT})");
    let half = users.len().div_ceil(2);
    let (p1, p2) = users.split_at(half.min(users.len()));
    let mut first = serde_json::Map::new();
    first.insert("@odata.context".into(), json!(context));
    if !p2.is_empty() {
        let token = b64(format!("page2-{}", t.id).as_bytes());
        first.insert(
            "@odata.nextLink".into(),
            json!(format!("https://graph.microsoft.com/v1.0/users?$select={USERS_SELECT}&$top=999&$skiptoken={token}")),
        );
    }
    first.insert("value".into(), Value::Array(p1.to_vec()));
    write(dir, &format!("{base}/users.json"), &(serde_json::to_string_pretty(&Value::Object(first))? + "\n"))?;
    if !p2.is_empty() {
        let second = json!({"@odata.context": context, "value": p2});
        write(dir, &format!("{base}/users-page2.json"), &(serde_json::to_string_pretty(&second)? + "\n"))?;
    }
    if let Some(block) = t.blocks {
        let sync = json!({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#directory/onPremisesSynchronization",
            "value": [{"id": t.id.to_string(), "configuration": {"synchronizationInterval": "PT30M"},
            "features": {"blockCloudObjectTakeoverThroughHardMatchEnabled": block, "blockSoftMatchEnabled": block,
                "passwordSyncEnabled": true, "softMatchOnUpnEnabled": true, "synchronizeUpnForManagedUsersEnabled": true}}]});
        write(dir, &format!("{base}/onPremisesSynchronization.json"), &(serde_json::to_string_pretty(&sync)? + "\n"))?;
    }
    Ok(())
}
