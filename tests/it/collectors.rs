//! The security tools' collections (AzureHound, ROADrecon, SharpHound) joined with the rest of an estate:
//! SID links between a SharpHound collection and a ROADrecon database, the anchor-vs-SID rule (AN011) on a
//! planted re-linked account, and the ROADrecon reader leaving the database and its folder untouched.

use crate::util::*;
use std::path::Path;

const DOMAIN_SID: &str = "S-1-5-21-3623811015-3361044348-30300820";
const TENANT: &str = "bab6cf19-4a02-459b-a96d-5ba492ac1715";

/// Writes a small roadrecon.db with ROADrecon's table and column names (fictional rows): Ann Lee and
/// Finance Staff synced with their SIDs, Sam Ortiz whose ImmutableId is the objectGUID of his old account
/// while his on-premises SID is the new account's, Lena Berg carrying her Fabrikam SID (her SID history),
/// and a cloud-only user. With `wal`, the database is left in WAL mode.
fn write_roadrecon_db(path: &Path, wal: bool) {
    let c = rusqlite::Connection::open(path).unwrap();
    if wal {
        let mode: String = c.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
    }
    c.execute_batch(
        r#"
CREATE TABLE "TenantDetails" ("objectType" TEXT, "objectId" TEXT NOT NULL, "displayName" TEXT, "dirSyncEnabled" BOOLEAN, "companyLastDirSyncTime" DATETIME, "verifiedDomains" TEXT, "technicalNotificationMails" TEXT, PRIMARY KEY ("objectId"));
CREATE TABLE "Users" ("objectType" TEXT, "objectId" TEXT NOT NULL, "displayName" TEXT, "userPrincipalName" TEXT, "mail" TEXT, "mailNickname" TEXT, "immutableId" TEXT, "dirSyncEnabled" BOOLEAN, "lastDirSyncTime" DATETIME, "onPremisesSecurityIdentifier" TEXT, "onPremisesDistinguishedName" TEXT, "proxyAddresses" TEXT, "userType" TEXT, "accountEnabled" BOOLEAN, PRIMARY KEY ("objectId"));
CREATE TABLE "Groups" ("objectType" TEXT, "objectId" TEXT NOT NULL, "displayName" TEXT, "mail" TEXT, "dirSyncEnabled" BOOLEAN, "lastDirSyncTime" DATETIME, "onPremisesSecurityIdentifier" TEXT, "proxyAddresses" TEXT, "securityEnabled" BOOLEAN, PRIMARY KEY ("objectId"));
CREATE TABLE lnk_group_member_user ("Group" TEXT, "User" TEXT, FOREIGN KEY("Group") REFERENCES "Groups" ("objectId"), FOREIGN KEY("User") REFERENCES "Users" ("objectId"));
"#,
    )
    .unwrap();
    c.execute(
        "INSERT INTO TenantDetails VALUES ('Company', ?1, 'Contoso', 1, '2026-11-20 07:42:18.000000', ?2, '[\"it@contoso.com\"]')",
        [
            TENANT,
            r#"[{"capabilities": "Email, OfficeCommunicationsOnline", "default": true, "id": "0001", "initial": false, "name": "contoso.com", "type": "Managed"}, {"capabilities": "Email", "default": false, "id": "0002", "initial": true, "name": "contoso.onmicrosoft.com", "type": "Managed"}]"#,
        ],
    )
    .unwrap();
    let users = [
        // objectId, name, upn, immutableId, dirSyncEnabled, SID
        (
            "0b6f1c2d-8e3a-4f5b-9c7d-1e2f3a4b5c6d",
            "Ann Lee",
            "ann.lee@contoso.com",
            Some("GnwOXU87LkyaYQ8rbY5MEQ=="),
            Some(1),
            Some(format!("{DOMAIN_SID}-1104")),
        ),
        // ImmutableId = objectGUID of "Sam Ortiz (old)"; SID = the re-created "Sam Ortiz" (-1305).
        (
            "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d",
            "Sam Ortiz",
            "sam.ortiz@contoso.com",
            Some("fixed below"),
            Some(1),
            Some(format!("{DOMAIN_SID}-1305")),
        ),
        (
            "3c4d5e6f-7a8b-4c9d-8e0f-2a3b4c5d6e7f",
            "Lena Berg",
            "lena.berg@contoso.com",
            None,
            Some(1),
            Some("S-1-5-21-1180699209-877415012-3182924384-2107".to_string()),
        ),
        ("4d5e6f7a-8b9c-4d0e-9f1a-2b3c4d5e6f7a", "Kim Park", "kim.park@contoso.com", None, None, None),
    ];
    let sam_old = tenantlint::model::Guid::parse("9a4f2c7e-1d3b-4e8a-b5c6-7d8e9f0a1b2c").unwrap().immutable_id();
    for (id, name, upn, anchor, synced, sid) in users {
        let anchor = anchor.map(|a| if a == "fixed below" { sam_old.clone() } else { a.to_string() });
        c.execute(
            "INSERT INTO Users VALUES ('User', ?1, ?2, ?3, ?3, NULL, ?4, ?5, '2026-11-20 07:12:00.000000', ?6, NULL, ?7, 'Member', 1)",
            rusqlite::params![id, name, upn, anchor, synced, sid, format!("[\"SMTP:{upn}\"]")],
        )
        .unwrap();
    }
    c.execute(
        "INSERT INTO Groups VALUES ('Group', '5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b', 'Finance Staff', NULL, 1, '2026-11-20 07:12:00.000000', ?1, '[]', 1)",
        [format!("{DOMAIN_SID}-1120")],
    )
    .unwrap();
    c.execute("INSERT INTO lnk_group_member_user VALUES ('5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b', '0b6f1c2d-8e3a-4f5b-9c7d-1e2f3a4b5c6d')", []).unwrap();
    c.close().unwrap();
}

fn estate() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&crate_root().join("tests/fixtures/collectors-estate"), dir.path());
    // The folder holds only the database the test writes (git keeps no empty folders).
    std::fs::create_dir_all(dir.path().join("tenants/contoso")).unwrap();
    write_roadrecon_db(&dir.path().join("tenants/contoso/roadrecon.db"), false);
    dir
}

#[test]
fn roadrecon_and_sharphound_link_by_sid_and_an011_fires_on_the_relinked_account() {
    let dir = estate();
    let out = tempfile::tempdir().unwrap();
    let r = tenantlint(&["scan", "-q", dir.path().to_str().unwrap(), "--out", out.path().to_str().unwrap()]);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    let report = read_report(out.path());
    assert_schema_valid(&report);
    let db = input(&report, "roadrecon.db");
    assert_eq!(
        (db["kind"].as_str(), db["status"].as_str(), db["records"].as_u64()),
        (Some("roadrecon"), Some("read"), Some(8))
    );
    assert_eq!(db["attributed_to"], "tenant Contoso");
    let zip = input(&report, "20261120_BloodHound.zip");
    assert_eq!((zip["kind"].as_str(), zip["records"].as_u64()), (Some("sharphound-zip"), Some(6)));
    // SID links: Finance Staff and Lena (by SID history) from SharpHound to ROADrecon; the LDIF's Ann (SharpHound's
    // Ann is the same account, merged into it: IN013) and the re-created Sam. The well-known group and the old Sam
    // have no cloud object with their SID.
    assert_eq!(report["estate"]["edges"]["sid_linked_to"], 4, "{}", report["estate"]["edges"]);
    let an011 = findings_with_rule(&report, "AN011");
    assert_eq!(an011.len(), 1, "{an011:#?}");
    let f = an011[0];
    assert_eq!(f["severity"], "high");
    assert_eq!(f["subjects"][0]["display"], "Sam Ortiz");
    assert_eq!(f["evidence"]["anchored_to"][0]["label"], "Sam Ortiz (old)");
    assert_eq!(f["evidence"]["sid_of"][0]["label"], "Sam Ortiz");
    assert_eq!(f["evidence"]["on_premises_security_identifier"], format!("{DOMAIN_SID}-1305"));
}

/// Rules of the findings (top-level and folded) of a report.
fn rules_of(report: &serde_json::Value) -> Vec<String> {
    report["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap().to_string()).collect()
}

#[test]
fn an_account_seen_by_sharphound_and_ldifde_is_one_account_and_a_sid_link_is_a_sync_link() {
    let dir = estate();
    let out = tempfile::tempdir().unwrap();
    let r = tenantlint(&["scan", "-q", dir.path().to_str().unwrap(), "--out", out.path().to_str().unwrap()]);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    let report = read_report(out.path());
    let rules = rules_of(&report);
    // Ann Lee is in both AD exports (same objectSid) and synced (anchor and SID agree): not a duplicate
    // of herself, and the SharpHound copy (no anchor, linked by SID) is not a pending soft match.
    assert!(!rules.iter().any(|r| r == "DU001"), "{rules:?}");
    let sy003: Vec<&serde_json::Value> = findings_with_rule(&report, "SY003");
    assert!(
        sy003.iter().all(|f| f["subjects"][0]["source"]["path"].as_str().unwrap().ends_with("users.ldf")),
        "{sy003:#?}"
    );
    // SharpHound collects no group displayName: not "missing".
    assert!(!rules.iter().any(|r| r == "CH012"), "{rules:?}");
    // The coverage list says what could not be judged on the SharpHound forest.
    let cov = report["coverage"].as_array().unwrap();
    let anchor = cov
        .iter()
        .find(|g| g["scope"] == "forest" && g["missing"].as_str().unwrap().contains("objectGUID"))
        .expect("anchor gap");
    assert_eq!(anchor["name"], "corp.contoso.com (SharpHound)");
    // Ann Lee and the old Sam Ortiz are in the ldifde export too (same objectSid): merged into those
    // (IN013); Lena Berg, Finance Staff and the well-known Administrators group remain SharpHound's own.
    assert_eq!((anchor["objects"].as_u64(), anchor["linked_by_sid"].as_u64()), (Some(3), Some(2)));
    let merged = findings_with_rule(&report, "IN013");
    assert_eq!(merged.len(), 1, "{merged:#?}");
    assert!(merged[0]["title"].as_str().unwrap().contains("2 object(s)"), "{:#?}", merged[0]);
    assert!(anchor["rules"].as_array().unwrap().iter().any(|r| r == "AN005"));
    assert!(!cov.iter().any(|g| g["name"] == "corp.contoso.com (ldifde)"), "{cov:#?}");
}

#[test]
fn a_forest_known_only_from_sharphound_yields_no_anchor_verdicts_and_says_so() {
    let dir = estate();
    std::fs::remove_dir_all(dir.path().join("ad/corp-ldif")).unwrap();
    let manifest = std::fs::read_to_string(dir.path().join("estate.toml")).unwrap();
    let cut = manifest.find("[[forest]]\nname = \"corp.contoso.com (ldifde)\"").unwrap();
    std::fs::write(dir.path().join("estate.toml"), &manifest[..cut]).unwrap();
    let out = tempfile::tempdir().unwrap();
    let r = tenantlint(&["scan", "-q", dir.path().to_str().unwrap(), "--out", out.path().to_str().unwrap()]);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    let report = read_report(out.path());
    assert_schema_valid(&report);
    let rules = rules_of(&report);
    // Without objectGUIDs nothing can be an orphan, a collision or a pending soft match of a synced account.
    for absent in ["AN005", "AN009", "AN011", "DU001", "SY003", "CH012"] {
        assert!(!rules.iter().any(|r| r == absent), "{absent} in {rules:?}");
    }
    let an010 = findings_with_rule(&report, "AN010");
    assert!(an010[0]["title"].as_str().unwrap().contains("not decidable"), "{:#?}", an010[0]);
    assert!(!report["coverage"].as_array().unwrap().is_empty());
    let html = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    assert!(html.contains("What these exports could not show") && html.contains("AN005, AN008"), "coverage section");
}

#[test]
fn roadrecon_database_and_its_folder_are_left_untouched_even_in_wal_mode() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("roadrecon.db");
    write_roadrecon_db(&db, true);
    let listing = |d: &Path| {
        let mut v: Vec<String> =
            std::fs::read_dir(d).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        v.sort();
        v
    };
    assert_eq!(listing(dir.path()), vec!["roadrecon.db"], "the writer left no -wal/-shm file");
    let bytes = std::fs::read(&db).unwrap();
    assert_eq!(bytes[18..20], [2, 2], "the header says WAL mode");
    let mtime = std::fs::metadata(&db).unwrap().modified().unwrap();
    let out = tempfile::tempdir().unwrap();
    let r = tenantlint(&["scan", "-q", dir.path().to_str().unwrap(), "--out", out.path().to_str().unwrap()]);
    assert_code(&r, 0);
    let report = read_report(out.path());
    let i = input(&report, "roadrecon.db");
    assert_eq!((i["kind"].as_str(), i["records"].as_u64()), (Some("roadrecon"), Some(8)));
    assert!(
        i["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["rule"] == "IN005" && w["message"].as_str().unwrap().contains("WAL mode")),
        "{i}"
    );
    assert_eq!(listing(dir.path()), vec!["roadrecon.db"], "no journal, -wal or -shm file left behind");
    assert_eq!(std::fs::read(&db).unwrap(), bytes, "the database is unchanged");
    assert_eq!(std::fs::metadata(&db).unwrap().modified().unwrap(), mtime);
    // `detect` too.
    let r = tenantlint(&["detect", db.to_str().unwrap()]);
    assert!(r.stdout.contains("\troadrecon\t8 records"), "{}", r.stdout);
    assert_eq!(listing(dir.path()), vec!["roadrecon.db"]);
}

#[test]
fn real_roadrecon_database_is_read_in_place_without_writes() {
    let Some(dir) = realdata("roadrecon-db-schema") else { return };
    let tmp = tempfile::tempdir().unwrap();
    std::fs::copy(dir.join("roadrecon_synthetic_rows.db"), tmp.path().join("roadrecon.db")).unwrap();
    let before = std::fs::read(tmp.path().join("roadrecon.db")).unwrap();
    let r = tenantlint(&["detect", tmp.path().join("roadrecon.db").to_str().unwrap()]);
    assert!(r.stdout.contains("\troadrecon\t"), "{}", r.stdout);
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
    assert_eq!(std::fs::read(tmp.path().join("roadrecon.db")).unwrap(), before);
}

#[test]
fn formats_lists_the_collectors() {
    let r = tenantlint(&["formats"]);
    assert_code(&r, 0);
    for name in ["azurehound", "sharphound", "roadrecon", "collector-zip"] {
        assert!(r.stdout.lines().any(|l| l.split_whitespace().next() == Some(name)), "{name} missing:\n{}", r.stdout);
    }
}
