//! Reader: a ROADrecon database (`roadrecon.db`, SQLite, written by `roadrecon gather`): one tenant's
//! Azure AD Graph objects, one table per type, columns named as the API names them (`objectId`,
//! `immutableId`, `dirSyncEnabled`, `lastDirSyncTime`, `onPremisesSecurityIdentifier`, JSON
//! collections stored as text, booleans as 0/1, dates as `YYYY-MM-DD HH:MM:SS.ffffff`). The Microsoft
//! Graph column names of ROADtools' newer model (`id`, `onPremisesImmutableId`, `onPremisesSyncEnabled`…)
//! are accepted too.
//!
//! Read: `TenantDetails` (the tenant and its `verifiedDomains`), `Users`, `Groups`, `Contacts`,
//! `ServicePrincipals`, `Applications`, and directory role members (`DirectoryRoles` with
//! `lnk_role_member_user` / `_group` / `_serviceprincipal`).
//!
//! The file is never opened by SQLite: its bytes (already read and held to `--max-file-size`) are
//! deserialised into a read-only in-memory database, so nothing is written next to it (no journal, no
//! `-wal`/`-shm` file) and a database still marked for WAL mode is read as it is on disk (changes left
//! in a `-wal` file beside it are not seen, and the note says so). Records point at the database with
//! line 0 (a database has no lines); findings name the objects by id.

use super::{BinaryFormat, Extract, NamedTenant, Options, ReadError, Sniff, codes};
use crate::model::text::{Column, in_column};
use crate::model::*;
use crate::source::{FileId, SourceRef};
use rusqlite::types::Value;
use std::collections::BTreeMap;

/// Registration in [`super::BINARY_FORMATS`].
pub const FORMAT: BinaryFormat = BinaryFormat {
    name: "roadrecon",
    summary: "ROADrecon roadrecon.db (SQLite, read-only in memory): tenant and verified domains, users, groups, contacts, service principals, applications, directory role members",
    sniff,
    read,
};

const SQLITE_HEADER: &[u8] = b"SQLite format 3\0";
/// How far the sniffer looks for ROADrecon's table names in the schema pages.
const SNIFF_BYTES: usize = 4 * 1024 * 1024;

/// Content sniffer: the SQLite header and ROADrecon's table names in the schema.
pub fn sniff(bytes: &[u8]) -> Sniff {
    if !bytes.starts_with(SQLITE_HEADER) {
        return Sniff::No;
    }
    let head = &bytes[..bytes.len().min(SNIFF_BYTES)];
    let has = |needle: &[u8]| memchr::memmem::find(head, needle).is_some();
    if has(b"TenantDetails") && has(b"lnk_group_member_user") {
        Sniff::Yes
    } else {
        Sniff::Unsupported(
            "SQLite database that is not a ROADrecon database (no TenantDetails and lnk_group_member_user tables; not read by tenantlint)"
                .into(),
        )
    }
}

fn db_error(e: rusqlite::Error) -> ReadError {
    let corrupt =
        matches!(e.sqlite_error_code(), Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase));
    let hint = if corrupt {
        " — the file is truncated or corrupt: copy roadrecon.db again from where roadrecon gather wrote it"
    } else {
        ""
    };
    ReadError::new(0, format!("cannot read the ROADrecon database: {e}{hint}"))
}

/// Opens the bytes as a read-only in-memory database. A WAL-mode header (bytes 18–19 = 2) is read as
/// a rollback-journal database (bytes = 1): an in-memory copy has no `-wal` file to consult.
fn open(bytes: &[u8]) -> Result<(rusqlite::Connection, bool), ReadError> {
    if bytes.len() < 100 {
        return Err(ReadError::new(
            0,
            format!("the SQLite file is {} bytes long, shorter than its 100-byte header: truncated", bytes.len()),
        ));
    }
    let wal = bytes[18] == 2 || bytes[19] == 2;
    let mut conn = rusqlite::Connection::open_in_memory().map_err(db_error)?;
    let reader = std::io::Read::chain(std::io::Read::chain(&bytes[..18], &[1u8, 1][..]), &bytes[20..]);
    conn.deserialize_read_exact(rusqlite::MAIN_DB, reader, bytes.len(), true).map_err(db_error)?;
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)).map_err(db_error)?;
    Ok((conn, wal))
}

/// One table's rows as maps from column name (as declared) to value.
struct Table {
    cols: Vec<String>,
    rows: Vec<Vec<Value>>,
}

impl Table {
    fn load(conn: &rusqlite::Connection, name: &str) -> Result<Option<Table>, ReadError> {
        let exists: bool = conn
            .query_row("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1", [name], |r| {
                r.get::<_, i64>(0)
            })
            .map_err(db_error)?
            > 0;
        if !exists {
            return Ok(None);
        }
        // Column names from `PRAGMA table_info`, as bytes: rusqlite's column_names() panics on a name that
        // is not UTF-8, which a damaged database can hold (found by fuzzing).
        let mut info = conn.prepare(&format!("PRAGMA table_info(\"{name}\")")).map_err(db_error)?;
        let cols: Vec<String> = info
            .query_map([], |r| {
                Ok(r.get_ref(1)?.as_bytes().map(|b| String::from_utf8_lossy(b).into_owned()).unwrap_or_default())
            })
            .map_err(db_error)?
            .collect::<Result<_, _>>()
            .map_err(db_error)?;
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{name}\"")).map_err(db_error)?;
        let n = stmt.column_count().min(cols.len());
        let mut cols = cols;
        cols.truncate(n);
        let rows = stmt
            .query_map([], |r| (0..n).map(|i| r.get::<_, Value>(i)).collect::<Result<Vec<_>, _>>())
            .map_err(db_error)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| ReadError::new(0, format!("cannot read table {name} of the ROADrecon database: {e}")))?;
        Ok(Some(Table { cols, rows }))
    }
    fn col(&self, names: &[&str]) -> Option<usize> {
        names.iter().find_map(|n| self.cols.iter().position(|c| c.eq_ignore_ascii_case(n)))
    }
}

/// Value problems, counted per (table.column, what) and reported once each.
#[derive(Default)]
struct Problems {
    map: BTreeMap<(String, &'static str), (usize, String)>,
}

impl Problems {
    fn add(&mut self, field: String, what: &'static str, example: &str) {
        let e = self.map.entry((field, what)).or_insert_with(|| (0, example.chars().take(80).collect()));
        e.0 += 1;
    }
    fn flush(self, ex: &mut Extract, at: SourceRef) {
        for ((field, what), (n, example)) in self.map {
            let rows = if n == 1 { "1 row".to_string() } else { format!("{n} rows") };
            ex.issue(
                at,
                codes::INVALID_VALUE,
                format!("{field} is not {what} in {rows} (first: {example:?}); the value was ignored"),
            );
        }
    }
}

/// Accessors over one row.
struct Row<'a> {
    table: &'a str,
    t: &'a Table,
    row: &'a [Value],
}

impl Row<'_> {
    fn value(&self, names: &[&str]) -> Option<(&Value, &str)> {
        let i = self.t.col(names)?;
        Some((&self.row[i], &self.t.cols[i]))
    }
    fn text(&self, names: &[&str]) -> Option<String> {
        match self.value(names)?.0 {
            Value::Text(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
            Value::Integer(i) => Some(i.to_string()),
            Value::Real(f) => Some(f.to_string()),
            Value::Null | Value::Blob(_) => None,
        }
    }
    fn guid(&self, p: &mut Problems, names: &[&str]) -> Option<String> {
        let s = self.text(names)?;
        match normalize_guid_text(&s) {
            Some(g) => Some(g),
            None => {
                let col = self.value(names).map(|v| v.1.to_string()).unwrap_or_default();
                p.add(format!("{}.{col}", self.table), "a GUID", &s);
                Some(s)
            }
        }
    }
    fn bool(&self, p: &mut Problems, names: &[&str]) -> Option<bool> {
        let (v, col) = self.value(names)?;
        match v {
            Value::Null => None,
            Value::Integer(0) => Some(false),
            Value::Integer(1) => Some(true),
            Value::Text(s) if s.eq_ignore_ascii_case("true") || s == "1" => Some(true),
            Value::Text(s) if s.eq_ignore_ascii_case("false") || s == "0" => Some(false),
            other => {
                p.add(format!("{}.{col}", self.table), "a boolean (0 or 1)", &format!("{other:?}"));
                None
            }
        }
    }
    fn date(&self, p: &mut Problems, names: &[&str]) -> Option<String> {
        let s = self.text(names)?;
        match normalize_db_date(&s) {
            Some(d) => Some(d),
            None => {
                let col = self.value(names).map(|v| v.1.to_string()).unwrap_or_default();
                p.add(format!("{}.{col}", self.table), "a date", &s);
                None
            }
        }
    }
    /// A JSON column: an array of strings (`["SMTP:a@contoso.com", …]`).
    fn strings(&self, p: &mut Problems, names: &[&str]) -> Vec<String> {
        let Some(s) = self.text(names) else { return Vec::new() };
        match serde_json::from_str::<Vec<Option<String>>>(&s) {
            Ok(v) => v.into_iter().flatten().map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect(),
            Err(_) => {
                let col = self.value(names).map(|v| v.1.to_string()).unwrap_or_default();
                p.add(format!("{}.{col}", self.table), "a JSON list of strings", &s);
                Vec::new()
            }
        }
    }
}

/// `2024-05-02 08:15:27.000000` (SQLAlchemy) or an ISO-8601 text → `2024-05-02T08:15:27Z`.
fn normalize_db_date(s: &str) -> Option<String> {
    let t = s.trim();
    let b = t.as_bytes();
    if b.len() >= 19 && (b[10] == b' ' || b[10] == b'T') {
        let (date, time) = (&t[..10], &t[11..19]);
        let ok = date.bytes().enumerate().all(|(i, c)| if i == 4 || i == 7 { c == b'-' } else { c.is_ascii_digit() })
            && time.bytes().enumerate().all(|(i, c)| if i == 2 || i == 5 { c == b':' } else { c.is_ascii_digit() });
        if ok {
            return Some(format!("{date}T{time}Z"));
        }
    }
    super::json_util::normalize_date(t)
}

/// Reader.
pub fn read(file: FileId, bytes: &[u8], _opts: &Options) -> Result<Extract, ReadError> {
    let (conn, wal) = open(bytes)?;
    let at = SourceRef::file(file);
    let mut ex = Extract::new("roadrecon");
    let mut p = Problems::default();
    let load = |name: &str| Table::load(&conn, name);

    let Some(users) = load("Users")? else {
        return Err(ReadError::new(
            0,
            "the database has no Users table: it is not a roadrecon.db (run roadrecon gather)",
        ));
    };
    if users.col(&["objectId", "id"]).is_none() {
        return Err(ReadError::new(0, "table Users has no objectId (or id) column: not a ROADrecon database"));
    }
    // The tenant.
    match load("TenantDetails")? {
        Some(td) => {
            for row in &td.rows {
                let r = Row { table: "TenantDetails", t: &td, row };
                let Some(id) = r.guid(&mut p, &["objectId", "id", "tenantId"]) else { continue };
                let mut verified = Vec::new();
                if let Some(text) = r.text(&["verifiedDomains"]) {
                    match serde_json::from_str::<Vec<serde_json::Value>>(&text) {
                        Ok(list) => {
                            for d in list {
                                let Some(name) = d.get("name").and_then(|v| v.as_str()) else { continue };
                                let name = name.trim().to_ascii_lowercase();
                                let flag = |a: &str, b: &str| d.get(a).or_else(|| d.get(b)).and_then(|v| v.as_bool());
                                let v = VerifiedDomain {
                                    name: name.clone(),
                                    is_default: flag("default", "isDefault"),
                                    is_initial: flag("initial", "isInitial"),
                                    kind: d.get("type").and_then(|v| v.as_str()).map(String::from),
                                };
                                ex.domains.push(Domain {
                                    source: at,
                                    name,
                                    authentication_type: v.kind.clone(),
                                    is_verified: Some(true),
                                    is_default: v.is_default,
                                    is_initial: v.is_initial,
                                    supported_services: d
                                        .get("capabilities")
                                        .and_then(|v| v.as_str())
                                        .map(|c| c.split(',').map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect())
                                        .unwrap_or_default(),
                                    ..Default::default()
                                });
                                verified.push(v);
                            }
                        }
                        Err(_) => p.add("TenantDetails.verifiedDomains".into(), "a JSON list of domains", &text),
                    }
                }
                ex.tenant_ids.push(NamedTenant { id: id.clone(), at, field: "TenantDetails.objectId".into() });
                ex.tenants.push(Tenant {
                    source: Some(at),
                    id: Some(id.clone()),
                    name: r.text(&["displayName"]).unwrap_or_else(|| id.clone()),
                    tenant_type: r.text(&["tenantType"]),
                    created: r.date(&mut p, &["createdDateTime"]),
                    on_prem_sync_enabled: r.bool(&mut p, &["dirSyncEnabled", "onPremisesSyncEnabled"]),
                    on_prem_last_sync: r.date(&mut p, &["companyLastDirSyncTime", "onPremisesLastSyncDateTime"]),
                    verified_domains: verified,
                    technical_notification_mails: r.strings(&mut p, &["technicalNotificationMails"]),
                    ..Default::default()
                });
            }
        }
        None => ex.issue(
            at,
            codes::MISSING_FIELDS,
            "the database has no TenantDetails table: the tenant is not named and its domains are unknown; re-run roadrecon gather",
        ),
    }
    // Users, groups, contacts.
    for (table, kind) in [("Users", CloudKind::User), ("Groups", CloudKind::Group), ("Contacts", CloudKind::Contact)] {
        let t = if table == "Users" { Some(&users) } else { None };
        let loaded;
        let t = match t {
            Some(t) => t,
            None => match load(table)? {
                Some(x) => {
                    loaded = x;
                    &loaded
                }
                None => continue,
            },
        };
        for row in &t.rows {
            let r = Row { table, t, row };
            let mut o = CloudObject {
                source: at,
                kind,
                // The attributes rules read for every object go to arena columns of their own.
                id: in_column(Column::Ids, || r.guid(&mut p, &["objectId", "id"]).map(Into::into)),
                display_name: in_column(Column::Names, || r.text(&["displayName"]).map(Into::into)),
                upn: in_column(Column::Upn, || r.text(&["userPrincipalName"]).map(Into::into)),
                mail: in_column(Column::Addresses, || r.text(&["mail"]).map(Into::into)),
                mail_nickname: in_column(Column::Addresses, || r.text(&["mailNickname"]).map(Into::into)),
                given_name: in_column(Column::Names, || r.text(&["givenName"]).map(Into::into)),
                surname: in_column(Column::Names, || r.text(&["surname"]).map(Into::into)),
                proxy_addresses: in_column(Column::Addresses, || {
                    r.strings(&mut p, &["proxyAddresses"]).into_iter().map(Into::into).collect()
                }),
                other_mails: in_column(Column::Addresses, || {
                    r.strings(&mut p, &["otherMails"]).into_iter().map(Into::into).collect()
                }),
                immutable_id: in_column(Column::Anchors, || {
                    r.text(&["immutableId", "onPremisesImmutableId"]).map(Into::into)
                }),
                on_prem_sync_enabled: r.bool(&mut p, &["dirSyncEnabled", "onPremisesSyncEnabled"]),
                on_prem_last_sync: r.date(&mut p, &["lastDirSyncTime", "onPremisesLastSyncDateTime"]).map(Into::into),
                on_prem_sam_account_name: r.text(&["onPremisesSamAccountName"]).map(Into::into),
                on_prem_dn: in_column(Column::Dn, || r.text(&["onPremisesDistinguishedName"]).map(Into::into)),
                on_prem_domain: r.text(&["onPremisesDomainName"]).map(Into::into),
                on_prem_upn: r.text(&["onPremisesUserPrincipalName"]).map(Into::into),
                on_prem_sid: in_column(Column::Sids, || {
                    r.text(&["onPremisesSecurityIdentifier"]).map(|s| normalize_sid(&s).unwrap_or(s).into())
                }),
                user_type: r.text(&["userType"]).map(Into::into),
                creation_type: r.text(&["creationType"]).map(Into::into),
                external_user_state: r.text(&["userState", "externalUserState"]).map(Into::into),
                account_enabled: r.bool(&mut p, &["accountEnabled"]),
                created: r.date(&mut p, &["createdDateTime"]).map(Into::into),
                sync_fields_exported: t.col(&["immutableId", "onPremisesImmutableId", "dirSyncEnabled"]).is_some(),
                ..Default::default()
            };
            if o.id.is_none() {
                p.add(format!("{table}.objectId"), "present (the row has no object id)", "");
                o.id = None;
            }
            ex.cloud_objects.push(o);
        }
    }
    // Applications and service principals.
    for (table, kind) in [("Applications", "application"), ("ServicePrincipals", "servicePrincipal")] {
        let Some(t) = load(table)? else { continue };
        for row in &t.rows {
            let r = Row { table, t: &t, row };
            ex.applications.push(Application {
                source: at,
                kind: kind.into(),
                id: r.guid(&mut p, &["objectId", "id"]),
                app_id: r.guid(&mut p, &["appId"]),
                display_name: r.text(&["displayName"]),
                sign_in_audience: r.text(&["signInAudience"]),
                app_owner_tenant_id: if kind == "servicePrincipal" {
                    r.guid(&mut p, &["appOwnerTenantId", "appOwnerOrganizationId"])
                } else {
                    None
                },
                publisher_domain: r.text(&["publisherDomain"]),
                ..Default::default()
            });
        }
    }
    // Directory role members.
    if let Some(roles) = load("DirectoryRoles")? {
        let mut by_id: BTreeMap<String, (String, Option<String>)> = BTreeMap::new();
        for row in &roles.rows {
            let r = Row { table: "DirectoryRoles", t: &roles, row };
            if let Some(id) = r.guid(&mut p, &["objectId", "id"]) {
                let template = r.guid(&mut p, &["roleTemplateId"]);
                let name = r.text(&["displayName"]).or_else(|| template.clone()).unwrap_or_else(|| id.clone());
                by_id.insert(id, (name, template));
            }
        }
        for link in ["lnk_role_member_user", "lnk_role_member_group", "lnk_role_member_serviceprincipal"] {
            let Some(t) = load(link)? else { continue };
            let (Some(rc), Some(mc)) = (t.col(&["DirectoryRole"]), t.col(&["User", "Group", "ServicePrincipal"]))
            else {
                continue;
            };
            for row in &t.rows {
                let (Value::Text(role), Value::Text(member)) = (&row[rc], &row[mc]) else { continue };
                let role = normalize_guid_text(role).unwrap_or_else(|| role.clone());
                let (name, template) = by_id.get(&role).cloned().unwrap_or_else(|| (role.clone(), None));
                ex.role_grants.push(RoleGrant {
                    source: at,
                    principal_id: normalize_guid_text(member).unwrap_or_else(|| member.clone()),
                    role: name,
                    role_id: template,
                    ..Default::default()
                });
            }
        }
    }
    p.flush(&mut ex, at);
    if wal {
        ex.issue(
            at,
            codes::INCOMPLETE_EXPORT,
            "the database is in WAL mode: changes still in a roadrecon.db-wal file beside it are not read (tenantlint never opens or writes next to the file); if such a file exists, open the database once with sqlite3 and run `PRAGMA wal_checkpoint;` on a copy",
        );
    }
    if ex.cloud_objects.is_empty() {
        ex.issue(at, codes::EMPTY_EXPORT, "the database holds no users, groups or contacts; re-run roadrecon gather");
    }
    ex.count_records();
    Ok(ex)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::ingest::realdata;

    #[test]
    fn dates_of_the_database() {
        assert_eq!(normalize_db_date("2024-05-02 08:15:27.000000").as_deref(), Some("2024-05-02T08:15:27Z"));
        assert_eq!(normalize_db_date("2024-05-02T08:15:27Z").as_deref(), Some("2024-05-02T08:15:27Z"));
        assert_eq!(normalize_db_date("yesterday"), None);
    }

    #[test]
    fn not_sqlite_or_not_roadrecon() {
        assert_eq!(sniff(b"{}"), Sniff::No);
        let mut other = SQLITE_HEADER.to_vec();
        other.resize(4096, 0);
        assert!(matches!(sniff(&other), Sniff::Unsupported(r) if r.contains("not a ROADrecon database")));
        let e = read(FileId(0), SQLITE_HEADER, &Options::default()).unwrap_err();
        assert!(e.reason.contains("shorter than its 100-byte header"), "{}", e.reason);
    }

    #[test]
    fn real_synthetic_database() {
        let Some(dir) = realdata("roadrecon-db-schema") else { return };
        let bytes = std::fs::read(dir.join("roadrecon_synthetic_rows.db")).unwrap();
        assert_eq!(sniff(&bytes), Sniff::Yes);
        let ex = read(FileId(0), &bytes, &Options::default()).unwrap();
        assert_eq!(ex.kind, "roadrecon");
        let users: Vec<_> = ex.cloud_objects.iter().filter(|o| o.kind == CloudKind::User).collect();
        assert_eq!(users.len(), 4);
        assert_eq!(ex.cloud_objects.iter().filter(|o| o.kind == CloudKind::Group).count(), 1);
        let synced: Vec<_> = users.iter().filter(|u| u.on_prem_sync_enabled == Some(true)).collect();
        assert_eq!(synced.len(), 1);
        let s = synced[0];
        assert!(
            s.immutable_id.is_some() && s.on_prem_sid.as_deref().is_some_and(|x| x.starts_with("S-1-5-21-1004336348-"))
        );
        assert!(!s.proxy_addresses.is_empty());
        assert!(s.on_prem_last_sync.as_deref().is_some_and(|d| d.ends_with('Z')), "{:?}", s.on_prem_last_sync);
        assert_eq!(users.iter().filter(|u| u.on_prem_sync_enabled == Some(false)).count(), 1);
        assert!(users.iter().any(|u| u.user_type.as_deref() == Some("Guest")));
        assert_eq!(ex.tenants.len(), 1);
        assert_eq!(ex.domains.len(), 2);
        assert!(ex.issues.iter().all(|i| i.code != codes::INVALID_VALUE), "{:?}", ex.issues);
    }
}
