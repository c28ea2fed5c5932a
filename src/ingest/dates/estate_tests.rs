//! Export times over whole estates on disk: each source of [`super`] in turn, the manifest's `exported`, the
//! file-time fallback, and the tenants' and forests' data dates.

use crate::ingest::{Ingested, Options, ingest};
use crate::model::ExportSource;
use std::path::Path;
use time::macros::datetime;

const ORG: &str = r#"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#organization","value":[{"id":"bab6cf19-4a02-459b-a96d-5ba492ac1715","displayName":"Contoso","onPremisesSyncEnabled":true,"onPremisesLastSyncDateTime":"2026-11-01T07:00:00Z"}]}"#;
const USERS: &str = r#"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users","value":[{"id":"7b1e0c4a-6f0e-4a51-9a31-1d2b3c4d5e6f","userPrincipalName":"ann@contoso.com"}]}"#;
const LDIF: &str = "# tenantlint LDAP collection (read-only search)\n# collected: 2026-11-19T08:00:00Z\nversion: 1\n\ndn: CN=Ann,DC=corp,DC=contoso,DC=com\nobjectClass: user\nsAMAccountName: ann\nuserPrincipalName: ann@contoso.com\n\n";
const CSV: &str = "DistinguishedName,SamAccountName,UserPrincipalName,ObjectGUID\n\"CN=Bob,DC=corp,DC=contoso,DC=com\",bob,bob@contoso.com,5d1c4b2a-3e4f-4a5b-8c6d-7e8f9a0b1c2d\n";

fn write(dir: &Path, name: &str, text: &str) {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn scan(dir: &Path) -> Ingested {
    ingest(&[dir.to_path_buf()], &Options::default(), &|_| {}).unwrap()
}

fn dated<'a>(ing: &'a Ingested, name: &str) -> Option<&'a crate::model::ExportTime> {
    let r = ing.inputs.iter().find(|r| ing.sources.display(r.file).ends_with(name)).unwrap();
    r.exported_at.as_ref()
}

fn collection(users_collected: Option<&str>) -> String {
    let collected = users_collected.map(|c| format!(r#""collected": "{c}","#)).unwrap_or_default();
    format!(
        r#"{{"tenantlintCollection": 1, "tool": "tenantlint 0", "tenant": null, "cloud": "global",
 "runs": [{{"api": "graph", "started": "2026-11-20T09:00:00Z", "finished": "2026-11-20T09:05:00Z"}}],
 "collections": [
  {{"name": "organization", "api": "graph", "endpoint": "https://graph.microsoft.com/v1.0/organization", "file": "organization",
    "optional": false, "status": "complete", "pages": 1, "records": 1, "retries": 0, "next_link": null, "http_status": null,
    "error": null, "files": ["organization.0001.json"]}},
  {{"name": "users", "api": "graph", "endpoint": "https://graph.microsoft.com/v1.0/users", "file": "users",
    "optional": false, "status": "complete", "pages": 1, "records": 1, "retries": 0, "next_link": null, "http_status": null,
    "error": null, {collected} "files": ["users.0001.json"]}}]}}"#
    )
}

#[test]
fn collected_pages_and_collector_headers_date_their_files() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "t/collection.json", &collection(Some("2026-11-20T09:04:10Z")));
    write(d.path(), "t/organization.0001.json", ORG);
    write(d.path(), "t/users.0001.json", USERS);
    write(d.path(), "ad/corp.ldf", LDIF);
    let ing = scan(d.path());
    let users = dated(&ing, "users.0001.json").unwrap();
    assert_eq!((users.at, users.source), (datetime!(2026-11-20 09:04:10 UTC), ExportSource::Collection));
    assert!(users.detail.contains("users \"collected\""), "{}", users.detail);
    let org = dated(&ing, "organization.0001.json").unwrap();
    assert_eq!((org.at, org.source), (datetime!(2026-11-20 09:05 UTC), ExportSource::Collection));
    let ldif = dated(&ing, "corp.ldf").unwrap();
    assert_eq!((ldif.at, ldif.source), (datetime!(2026-11-19 08:00 UTC), ExportSource::Export));
    // collection.json itself holds no data of the tenant: dated by its file time, attributed to nothing.
    assert_eq!(dated(&ing, "collection.json").map(|t| t.source), Some(ExportSource::FileTime));

    let t = ing.estate.tenants[0].data_date.as_ref().unwrap();
    assert_eq!((t.latest.at, t.earliest, t.inputs), (datetime!(2026-11-20 09:05 UTC), None, 2));
    let f = ing.estate.forests[0].data_date.as_ref().unwrap();
    assert_eq!((f.latest.at, f.latest.source), (datetime!(2026-11-19 08:00 UTC), ExportSource::Export));
}

#[test]
fn the_manifest_dates_files_that_do_not_say_and_files_that_do_keep_their_own() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "t/organization.json", ORG);
    write(d.path(), "t/users.json", USERS);
    write(d.path(), "ad/users.csv", CSV);
    write(d.path(), "ad/corp.ldf", LDIF);
    write(
        d.path(),
        "estate.toml",
        "[[tenant]]\nname = 'Contoso'\npaths = ['t']\nexported = 2026-11-10\n\n[[tenant]]\nname = 'Lab'\nexported = 2026-11-12T10:00:00Z\n\n[[forest]]\nname = 'corp.contoso.com'\npaths = ['ad']\nexported = 2026-11-09\n",
    );
    let ing = scan(d.path());
    let users = dated(&ing, "users.json").unwrap();
    assert_eq!((users.at, users.source), (datetime!(2026-11-10 00:00 UTC), ExportSource::Manifest));
    assert!(users.detail.ends_with("[[tenant]] \"Contoso\" exported"), "{}", users.detail);
    assert_eq!(dated(&ing, "users.csv").unwrap().at, datetime!(2026-11-09 00:00 UTC));
    // The collector's header wins over the manifest.
    assert_eq!(dated(&ing, "corp.ldf").unwrap().source, ExportSource::Export);

    let contoso = ing.estate.tenants[0].data_date.as_ref().unwrap();
    assert_eq!(contoso.latest.at, datetime!(2026-11-10 00:00 UTC));
    // A declared tenant without files: its manifest date.
    let lab = ing.estate.tenants[1].data_date.as_ref().unwrap();
    assert_eq!((lab.latest.at, lab.inputs), (datetime!(2026-11-12 10:00 UTC), 1));
    // The forest's files were exported on two days: the latest, and the earliest is kept.
    let corp = ing.estate.forests[0].data_date.as_ref().unwrap();
    assert_eq!(corp.latest.at, datetime!(2026-11-19 08:00 UTC));
    assert_eq!(corp.earliest, Some(datetime!(2026-11-09 00:00 UTC)));
    assert!(
        corp.describe().contains("the latest of 2 inputs, the earliest exported 2026-11-09"),
        "{}",
        corp.describe()
    );
}

#[test]
fn without_better_evidence_the_file_time_and_an_old_collection_json_its_run() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "t/collection.json", &collection(None));
    write(d.path(), "t/organization.0001.json", ORG);
    write(d.path(), "t/users.0001.json", USERS);
    write(d.path(), "t/notes.txt", "not an export\n");
    write(d.path(), "x/users.json", USERS);
    let ing = scan(d.path());
    let users = dated(&ing, "t/users.0001.json").unwrap();
    assert_eq!((users.at, users.source), (datetime!(2026-11-20 09:05 UTC), ExportSource::Collection));
    assert!(users.detail.contains("\"finished\""), "{}", users.detail);
    let loose = dated(&ing, "x/users.json").unwrap();
    assert_eq!((loose.source, loose.detail.as_str()), (ExportSource::FileTime, "file modification time"));
    assert!(loose.at > datetime!(2026-01-01 00:00 UTC), "the file was just written: {}", loose.at);
    assert!(dated(&ing, "notes.txt").is_none(), "a file not read has no data to date");
}

#[test]
fn a_declared_date_reaches_the_tenants_files_outside_its_paths_and_file_times_never_outvote_it() {
    let d = tempfile::tempdir().unwrap();
    // The organization export names the declared tenant's id; users.json lies outside its paths and is
    // attributed by folder to the same tenant.
    write(d.path(), "t/organization.json", ORG);
    write(d.path(), "t/more/users.json", USERS);
    write(d.path(), "ad/a/users.csv", CSV);
    write(d.path(), "ad/b/users.csv", CSV);
    write(
        d.path(),
        "estate.toml",
        "[[tenant]]\nname = 'Contoso'\nid = 'bab6cf19-4a02-459b-a96d-5ba492ac1715'\npaths = ['t/organization.json']\nexported = 2026-11-10\n\n[[forest]]\nname = 'corp.contoso.com'\npaths = ['ad/a']\nexported = 2026-11-09\n",
    );
    let ing = scan(d.path());
    let users = dated(&ing, "more/users.json").unwrap();
    assert_eq!((users.at, users.source), (datetime!(2026-11-10 00:00 UTC), ExportSource::Manifest));
    let t = ing.estate.tenants[0].data_date.as_ref().unwrap();
    assert_eq!((t.latest.at, t.inputs), (datetime!(2026-11-10 00:00 UTC), 2));
    // ad/b is a forest of its own (by folder), dated by its file time; ad/a's forest keeps the manifest's date.
    let by = |how: &str| {
        let f = ing.estate.forests.iter().find(|f| f.attributed_by.starts_with(how)).unwrap();
        f.data_date.clone().unwrap().latest
    };
    assert_eq!((by("manifest").at, by("manifest").source), (datetime!(2026-11-09 00:00 UTC), ExportSource::Manifest));
    assert_eq!(by("folder").source, ExportSource::FileTime);
}

#[test]
fn file_times_count_only_when_nothing_better_dates_a_tenant() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "t/collection.json", &collection(Some("2026-11-20T09:04:10Z")));
    write(d.path(), "t/organization.0001.json", ORG);
    write(d.path(), "t/users.0001.json", USERS);
    // A file added by hand to the collected folder: dated by its file time (today), which must not win.
    write(d.path(), "t/extra-users.json", USERS);
    let ing = scan(d.path());
    assert_eq!(dated(&ing, "extra-users.json").unwrap().source, ExportSource::FileTime);
    let t = ing.estate.tenants[0].data_date.as_ref().unwrap();
    assert_eq!((t.latest.at, t.latest.source), (datetime!(2026-11-20 09:05 UTC), ExportSource::Collection));
}
