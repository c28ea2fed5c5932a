//! Precision on a SID-only view of a forest: the messy merger fixture with SIDs added on both sides
//! (objectSid in the AD export, onPremisesSecurityIdentifier on the synced twins), scanned as it is
//! and again with a SharpHound collection of the same forest beside it (the security team's copy:
//! same SIDs, no objectGUID, no proxyAddresses). A second view of the same accounts must not add a
//! single finding about them — no duplicates of themselves, no pending soft matches, no orphans —
//! only the notes that say what SharpHound could not show.

use crate::util::*;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;

const DOMAIN_SID: &str = "S-1-5-21-1111111111-2222222222-3333333333";

/// Adds an objectSid column to the forest's Get-ADUser CSV and the SID to every cloud object synced
/// from it (matched by ImmutableId = Base64(objectGUID)); returns the AD rows as (SID, row fields).
fn add_sids(dir: &Path) -> Vec<(String, BTreeMap<String, String>)> {
    let csv_path = dir.join("ad/contoso/users.csv");
    let text = std::fs::read_to_string(&csv_path).unwrap();
    let (type_line, body) = text.split_once('\n').unwrap();
    let mut r = csv::Reader::from_reader(body.as_bytes());
    let headers: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    let mut w = csv::WriterBuilder::new().quote_style(csv::QuoteStyle::Always).from_writer(Vec::new());
    let mut out_headers = headers.clone();
    out_headers.push("objectSid".into());
    w.write_record(&out_headers).unwrap();
    let mut rows = Vec::new();
    let mut sid_by_anchor = BTreeMap::new();
    for (i, rec) in r.records().enumerate() {
        let rec = rec.unwrap();
        let sid = format!("{DOMAIN_SID}-{}", 2000 + i);
        let fields: BTreeMap<String, String> = headers.iter().cloned().zip(rec.iter().map(String::from)).collect();
        if let Some(g) = tenantlint::model::Guid::parse(&fields["ObjectGUID"]) {
            sid_by_anchor.insert(g.immutable_id(), sid.clone());
        }
        let mut out: Vec<String> = rec.iter().map(String::from).collect();
        out.push(sid.clone());
        w.write_record(&out).unwrap();
        rows.push((sid, fields));
    }
    let body = String::from_utf8(w.into_inner().unwrap()).unwrap();
    std::fs::write(&csv_path, format!("{type_line}\n{body}")).unwrap();
    for tenant in std::fs::read_dir(dir.join("tenants")).unwrap().flatten() {
        let users = tenant.path().join("users.json");
        let Ok(text) = std::fs::read_to_string(&users) else { continue };
        let mut doc: Value = serde_json::from_str(&text).unwrap();
        for u in doc["value"].as_array_mut().unwrap() {
            let synced = u["onPremisesSyncEnabled"] == true;
            if let (true, Some(sid)) = (synced, u["onPremisesImmutableId"].as_str().and_then(|a| sid_by_anchor.get(a)))
            {
                u["onPremisesSecurityIdentifier"] = json!(sid);
            }
        }
        std::fs::write(&users, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    }
    rows
}

/// A SharpHound CE users file of the same accounts, in `ad/contoso-sharphound` declared as its own forest.
fn write_sharphound(dir: &Path, rows: &[(String, BTreeMap<String, String>)]) {
    write_sharphound_into(dir, "ad/contoso-sharphound", rows);
    let mut manifest = std::fs::read_to_string(dir.join("estate.toml")).unwrap();
    manifest.push_str("\n[[forest]]\nname = \"corp.contoso.com (SharpHound)\"\npaths = [\"ad/contoso-sharphound\"]\n");
    std::fs::write(dir.join("estate.toml"), manifest).unwrap();
}

fn write_sharphound_into(dir: &Path, folder: &str, rows: &[(String, BTreeMap<String, String>)]) {
    let data: Vec<Value> = rows
        .iter()
        .map(|(sid, f)| {
            let get = |k: &str| f.get(k).filter(|v| !v.is_empty()).cloned();
            json!({
                "ObjectIdentifier": sid,
                "Properties": {
                    "domain": "CORP.CONTOSO.COM",
                    "name": format!("{}@CORP.CONTOSO.COM", get("SamAccountName").unwrap_or_default().to_uppercase()),
                    "distinguishedname": get("DistinguishedName"),
                    "samaccountname": get("SamAccountName"),
                    "displayname": get("DisplayName"),
                    "email": get("mail"),
                    "userprincipalname": get("UserPrincipalName"),
                    "enabled": get("Enabled").map(|e| e == "True"),
                    "sidhistory": [],
                    "serviceprincipalnames": [],
                    "admincount": false
                },
                "Aces": [], "IsDeleted": false, "IsACLProtected": false
            })
        })
        .collect();
    let doc = json!({"data": data, "meta": {"methods": 521215, "type": "users", "count": rows.len(), "version": 6}});
    std::fs::create_dir_all(dir.join(folder)).unwrap();
    std::fs::write(dir.join(folder).join("20261120_users.json"), serde_json::to_string(&doc).unwrap()).unwrap();
}

fn scan(dir: &Path) -> Value {
    let out = tempfile::tempdir().unwrap();
    let r = tenantlint(&[
        "scan",
        "-q",
        dir.to_str().unwrap(),
        "--out",
        out.path().to_str().unwrap(),
        "--format",
        "json",
        "--as-of",
        "2026-11-21T00:00:00Z",
    ]);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    read_report(out.path())
}

/// Every finding (folded ones too) as `rule: title`, sorted.
fn findings(report: &Value) -> Vec<String> {
    let mut v: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{}: {}", f["rule"].as_str().unwrap(), f["title"].as_str().unwrap()))
        .collect();
    v.sort();
    v
}

#[test]
fn a_sharphound_copy_of_a_forest_adds_no_finding_about_its_accounts() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&crate_root().join("tests/fixtures/messy-merger"), dir.path());
    let rows = add_sids(dir.path());
    assert!(rows.len() >= 10, "{}", rows.len());
    let before = scan(dir.path());
    assert!(before["estate"]["edges"]["sid_linked_to"].as_u64().unwrap() >= 5, "{}", before["estate"]["edges"]);
    write_sharphound(dir.path(), &rows);
    let after = scan(dir.path());
    // Every SharpHound object is an account of the export (same objectSid): read once, and said so.
    assert_eq!(after["estate"]["ad_objects"], before["estate"]["ad_objects"]);
    let merged: Vec<&Value> = findings_with_rule(&after, "IN013");
    assert_eq!(merged.len(), 1);
    assert!(merged[0]["title"].as_str().unwrap().contains(&format!("{} object(s)", rows.len())), "{:#?}", merged[0]);
    let (b, a) = (findings(&before), findings(&after));
    // What SharpHound could not show is said once per file/forest, nothing else is new or gone.
    let notes = |f: &&String| {
        f.starts_with("IN003: ") || f.starts_with("IN013: ") || (f.starts_with("AN010: ") && f.contains("(SharpHound)"))
    };
    let added: Vec<&String> = a.iter().filter(|f| !b.contains(f) && !notes(f)).collect();
    let gone: Vec<&String> = b.iter().filter(|f| !a.contains(f)).collect();
    assert!(added.is_empty() && gone.is_empty(), "added: {added:#?}\ngone: {gone:#?}");
    // Nothing of the SharpHound forest is left unjudged: its accounts were judged through the export.
    let cov = after["coverage"].as_array().unwrap();
    assert!(!cov.iter().any(|g| g["name"] == "corp.contoso.com (SharpHound)"), "{cov:#?}");
}

#[test]
fn a_forest_seen_only_through_sharphound_invents_no_finding() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&crate_root().join("tests/fixtures/messy-merger"), dir.path());
    let rows = add_sids(dir.path());
    let before = findings(&scan(dir.path()));
    // The directory export replaced by the security team's collection of the same forest (same folder,
    // same forest name): fewer things can be judged (coverage[] says which), nothing may be invented.
    std::fs::remove_file(dir.path().join("ad/contoso/users.csv")).unwrap();
    write_sharphound_into(dir.path(), "ad/contoso", &rows);
    let report = scan(dir.path());
    let after = findings(&report);
    let notes = |f: &&String| f.starts_with("IN003: ") || (f.starts_with("AN010: ") && f.contains("not decidable"));
    let invented: Vec<&String> = after.iter().filter(|f| !before.contains(f) && !notes(f)).collect();
    let related: Vec<&String> = before.iter().filter(|f| f.contains("Ava Lind") || f.contains("Mateo")).collect();
    assert!(invented.is_empty(), "invented: {invented:#?}\nbefore, about them: {related:#?}");
    let cov = report["coverage"].as_array().unwrap();
    let gap =
        cov.iter().find(|g| g["name"] == "corp.contoso.com" && g["missing"].as_str().unwrap().contains("objectGUID"));
    assert!(gap.is_some_and(|g| g["objects"].as_u64() == Some(rows.len() as u64)), "{cov:#?}");
}
