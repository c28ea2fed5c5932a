//! Reader: SharpHound CE collections (JSON format versions 5 and 6, and SharpHound 4's version 4):
//! `{"data": [{"ObjectIdentifier": "S-1-5-21-…", "Properties": {…}, …}], "meta": {"type": "users", …}}`,
//! one file per object type; the `.zip` SharpHound writes is read by the `collector-zip` reader.
//!
//! Users, groups, computers and domains become AD objects keyed by their SID (`ObjectIdentifier`):
//! `distinguishedname`, `samaccountname`, `displayname`, `email`, `enabled`, `sidhistory`,
//! `whencreated` (Unix seconds), `serviceprincipalnames` (counted) and `admincount` and, when present,
//! `userprincipalname`. SharpHound collects no
//! objectGUID, ms-DS-ConsistencyGuid or proxyAddresses: its objects link to cloud objects by SID only,
//! and an `IN003` note says which rules cannot run on them. Well-known principals written with a
//! domain prefix (`CONTOSO.COM-S-1-5-32-544`) have no SID of their own and keep none. Other types
//! (OUs, GPOs, containers, certificate templates…) are recognised and skipped with the reason.

use super::json_util::{self as ju, Doc, Head, HeadKind, Problem, Rec, Shape, Tally};
use super::{Extract, Format, Input, ReadError, Sniff, codes};
use crate::model::text::{Column, in_column};
use crate::model::*;

/// Registration in [`super::FORMATS`].
pub const FORMAT: Format = Format {
    name: "sharphound",
    summary: "SharpHound CE collections (JSON v4–v6: users, groups, computers, domains; the .zip is read by `collector-zip`), keyed by SID",
    sniff,
    read,
};

/// Object types that are read (`meta.type`).
pub const READ_TYPES: &[&str] = &["users", "groups", "computers", "domains"];

/// True when the head looks like a SharpHound/BloodHound collection (as opposed to AzureHound).
fn is_sharphound(h: &Head) -> bool {
    let root = h.keys("");
    let has = |k: &str| root.iter().any(|x| x.eq_ignore_ascii_case(k));
    let meta_type = h.text("meta/type").unwrap_or_default().to_ascii_lowercase();
    has("data")
        && !meta_type.starts_with("az")
        && (h.has_all("data/[]", &["ObjectIdentifier"])
            || (h.has_any("meta", &["methods"]) && h.get("meta/type").is_some())
            || (h.get("meta/version").is_some() && h.get("meta/type").is_some() && h.kind("data/[]").is_none()))
}

/// Content sniffer.
pub fn sniff(text: &str) -> Sniff {
    let Some(h) = Head::scan(text) else {
        return Sniff::No;
    };
    if h.root() != Some(HeadKind::Object) || !is_sharphound(&h) {
        return Sniff::No;
    }
    let t = h.text("meta/type").unwrap_or("objects").to_ascii_lowercase();
    if READ_TYPES.contains(&t.as_str()) {
        Sniff::Yes
    } else {
        Sniff::Unsupported(format!(
            "SharpHound collection of {t} (not identity-linking data; tenantlint reads {})",
            READ_TYPES.join(", ")
        ))
    }
}

/// Reader.
pub fn read(input: &Input<'_>) -> Result<Extract, ReadError> {
    let text = input.text;
    let root = ju::parse_root(text)?;
    let doc = Doc::new(text);
    let Some(top) = ju::object(root) else {
        return Err(ReadError::new(1, "a SharpHound collection is a JSON object with `data` and `meta`"));
    };
    let meta_type = top
        .get("meta")
        .and_then(ju::object)
        .and_then(|m| m.get("type"))
        .and_then(ju::string)
        .map(|s| s.trim().to_ascii_lowercase())
        .unwrap_or_default();
    if !READ_TYPES.contains(&meta_type.as_str()) {
        return Err(ReadError::new(
            1,
            format!("meta.type is {meta_type:?}: tenantlint reads SharpHound collections of {}", READ_TYPES.join(", ")),
        ));
    }
    let data = match top.get("data") {
        Some(d) if ju::shape(d) == Shape::Array => ju::array(d).unwrap_or_default(),
        Some(d) if ju::shape(d) == Shape::Null => Vec::new(),
        Some(d) => return Err(ReadError::new(doc.line_of(d), "`data` is not a JSON array of collected objects")),
        None => return Err(ReadError::new(1, "the file has no `data` array: it is not a SharpHound collection")),
    };
    let class = match meta_type.as_str() {
        "users" => AdClass::User,
        "groups" => AdClass::Group,
        "computers" => AdClass::Computer,
        _ => AdClass::Other("domainDNS".into()),
    };
    let mut t = Tally::default();
    let mut ex = Extract::new(format!("sharphound:{meta_type}"));
    let mut well_known = 0usize;
    let mut first_line = 0;
    for raw in data {
        let Some(r) = ju::record(&doc, &mut t, raw, "data") else { continue };
        if first_line == 0 {
            first_line = r.line;
        }
        let Some(oid) = r.str::<String>(&mut t, &["ObjectIdentifier"]) else {
            t.add(Problem::Missing, "ObjectIdentifier", r.line, "");
            continue;
        };
        let props = r.obj(&["Properties"]).map(|o| Rec::new(o, r.line));
        // What SharpHound leaves out is not collected, not empty.
        let mut o = AdObject {
            source: input.at(r.line),
            class: class.clone(),
            not_collected: NotCollected::ANCHOR,
            ..Default::default()
        };
        o.not_collected.add(NotCollected::ADDRESSES);
        match normalize_sid(&oid) {
            Some(sid) => o.object_sid = Some(in_column(Column::Sids, || sid.into())),
            None if oid.contains("-S-1-") => well_known += 1,
            None => t.add(Problem::WrongType("a SID (S-1-5-…)"), "ObjectIdentifier", r.line, &oid),
        }
        if let Some(p) = props {
            // The attributes rules read for every object go to arena columns of their own (`in_column`).
            o.dn = in_column(Column::Dn, || p.str(&mut t, &["distinguishedname"]));
            in_column(Column::Names, || {
                o.sam_account_name = p.str(&mut t, &["samaccountname"]);
                o.display_name = p.str(&mut t, &["displayname"]);
            });
            o.mail = in_column(Column::Addresses, || p.str(&mut t, &["email"]));
            o.upn = in_column(Column::Upn, || p.str(&mut t, &["userprincipalname"]));
            o.enabled = p.bool(&mut t, &["enabled"]);
            // Service and privileged accounts (the fix files never rename them).
            o.spn_count = p.strs::<String>(&mut t, &["serviceprincipalnames"]).len() as u32;
            o.admin_count = p.bool(&mut t, &["admincount"]).map(i32::from);
            if o.cn.is_none() {
                o.cn = o.dn.as_deref().and_then(first_rdn_value).map(Into::into);
            }
            for s in p.strs::<String>(&mut t, &["sidhistory"]) {
                match normalize_sid(&s) {
                    Some(sid) => o.sid_history.push(sid.into()),
                    None => t.add(Problem::WrongType("a SID (S-1-5-…)"), "sidhistory", r.line, &s),
                }
            }
            if let Some(secs) = p.int(&mut t, &["whencreated"]).filter(|&s| s > 0) {
                o.when_created = unix_to_iso(secs).map(Into::into);
            }
            if let Some(d) = p.str::<String>(&mut t, &["description"]) {
                o.extra.push((Text::from_static("description"), d.into()));
            }
        } else {
            t.add(Problem::Missing, "Properties", r.line, "");
        }
        if o.display_name.is_none() {
            o.not_collected.add(NotCollected::DISPLAY_NAME);
        }
        if o.upn.is_none() {
            o.not_collected.add(NotCollected::UPN);
        }
        ex.ad_objects.push(o);
    }
    t.flush(input, &mut ex);
    if !ex.ad_objects.is_empty() {
        let mut msg = format!(
            "SharpHound does not collect objectGUID, ms-DS-ConsistencyGuid or proxyAddresses: these {} {meta_type} link to cloud objects by SID only (objectSid, sIDHistory = onPremisesSecurityIdentifier); the anchor rules (AN…) and the address, soft-match and duplicate rules cannot judge them — export the directory with Get-ADUser, csvde or ldifde for those rules",
            ex.ad_objects.len()
        );
        if well_known > 0 {
            msg.push_str(&format!(
                "; {well_known} well-known principals (domain-prefixed SIDs such as S-1-5-32-544) have no SID of their own and are kept without one"
            ));
        }
        ex.issue(input.at(first_line), codes::MISSING_FIELDS, msg);
    } else {
        ex.issue(
            input.at(0),
            codes::EMPTY_EXPORT,
            format!("the collection holds no {meta_type}; re-run SharpHound with the matching collection method"),
        );
    }
    ex.count_records();
    Ok(ex)
}

/// The value of the first RDN of a DN (`CN=Ann Lee,OU=…` → `Ann Lee`).
fn first_rdn_value(dn: &str) -> Option<String> {
    let first = split_dn(dn).into_iter().next()?;
    let (_, v) = first.split_once('=')?;
    let v = v.trim();
    (!v.is_empty()).then(|| v.to_string())
}

/// Unix seconds → `YYYY-MM-DDTHH:MM:SSZ`.
fn unix_to_iso(secs: i64) -> Option<String> {
    let t = time::OffsetDateTime::from_unix_timestamp(secs).ok()?;
    t.format(&time::format_description::well_known::Rfc3339).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;
    use std::path::Path;

    fn read_text(text: &str) -> Result<Extract, ReadError> {
        read(&Input::new(FileId(0), text))
    }

    use crate::ingest::realdata;

    #[test]
    fn fixture_users_with_sid_history_and_well_known_groups() {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sharphound/20261120_users.json");
        let text = std::fs::read_to_string(p).unwrap();
        assert_eq!(sniff(&text), Sniff::Yes);
        let ex = read_text(&text).unwrap();
        assert_eq!(ex.kind, "sharphound:users");
        assert_eq!(ex.ad_objects.len(), 3);
        let lena = ex.ad_objects.iter().find(|o| o.sam_account_name.as_deref() == Some("lberg")).unwrap();
        assert_eq!(lena.object_sid.as_deref(), Some("S-1-5-21-3623811015-3361044348-30300820-1410"));
        assert_eq!(lena.sid_history, vec![Text::from("S-1-5-21-1180699209-877415012-3182924384-2107")]);
        assert_eq!(lena.dn.as_deref(), Some("CN=Lena Berg,OU=Staff,DC=corp,DC=contoso,DC=com"));
        assert_eq!(lena.cn.as_deref(), Some("Lena Berg"));
        assert_eq!(lena.mail.as_deref(), Some("lena.berg@contoso.com"));
        assert_eq!(lena.when_created.as_deref(), Some("2019-03-04T10:15:00Z"));
        let off = ex.ad_objects.iter().find(|o| o.enabled == Some(false)).unwrap();
        assert_eq!(off.sam_account_name.as_deref(), Some("sortiz.old"));
        assert!(ex.issues.iter().any(|i| i.code == codes::MISSING_FIELDS && i.message.contains("objectGUID")));
    }

    #[test]
    fn service_accounts_and_uncollected_attributes_are_marked() {
        let text = r#"{"data":[{"ObjectIdentifier":"S-1-5-21-1-2-3-1500","Properties":{"samaccountname":"svc-sql","serviceprincipalnames":["MSSQLSvc/sql01.contoso.com:1433","MSSQLSvc/sql01.contoso.com"],"admincount":true,"displayname":"SQL service"}}],"meta":{"methods":1,"type":"users","count":1,"version":6}}"#;
        let o = &read_text(text).unwrap().ad_objects[0];
        assert_eq!((o.spn_count, o.admin_count), (2, Some(1)));
        assert!(o.not_collected.has(NotCollected::ANCHOR) && o.not_collected.has(NotCollected::ADDRESSES));
        assert!(o.not_collected.has(NotCollected::UPN), "no userprincipalname: not collected");
        assert!(!o.not_collected.has(NotCollected::DISPLAY_NAME));
    }

    #[test]
    fn well_known_group_keeps_no_sid_and_other_types_are_skipped() {
        let text = r#"{"data":[{"ObjectIdentifier":"CONTOSO.COM-S-1-5-32-544","Properties":{"name":"ADMINISTRATORS@CONTOSO.COM","distinguishedname":"CN=Administrators,CN=Builtin,DC=contoso,DC=com"}}],"meta":{"methods":1,"type":"groups","count":1,"version":6}}"#;
        let ex = read_text(text).unwrap();
        assert_eq!(ex.ad_objects[0].object_sid, None);
        assert_eq!(ex.ad_objects[0].class, AdClass::Group);
        assert!(ex.issues[0].message.contains("1 well-known principals"), "{}", ex.issues[0].message);
        assert!(
            matches!(sniff(r#"{"data":[],"meta":{"methods":1,"type":"ous","count":0,"version":6}}"#), Sniff::Unsupported(r) if r.contains("ous"))
        );
        assert_eq!(sniff(r#"{"data":[],"meta":{"type":"azure","version":5,"count":0}}"#), Sniff::No);
        let bad = read_text(r#"{"data":[{"ObjectIdentifier":"not-a-sid","Properties":{}}],"meta":{"type":"users","version":6,"methods":0}}"#).unwrap();
        assert!(
            bad.issues.iter().any(|i| i.code == codes::INVALID_VALUE && i.message.contains("not-a-sid")),
            "{:?}",
            bad.issues
        );
    }

    #[test]
    fn real_v6_fixtures() {
        let Some(dir) = realdata("bloodhound-sharphound-v6-fixtures") else { return };
        let text = std::fs::read_to_string(dir.join("users.json")).unwrap();
        assert_eq!(sniff(&text), Sniff::Yes);
        let ex = read_text(&text).unwrap();
        assert_eq!(ex.ad_objects.len(), 17);
        assert!(
            ex.ad_objects
                .iter()
                .all(|o| o.object_sid.as_deref().is_some_and(|s| s.starts_with("S-1-5-21-3130019616-")))
        );
        let esid =
            ex.ad_objects.iter().find(|o| o.dn.as_deref() == Some("CN=ESID,CN=USERS,DC=TESTLAB,DC=LOCAL")).unwrap();
        assert_eq!(esid.sid_history.len(), 2);
        assert_eq!(ex.ad_objects.iter().filter(|o| o.enabled == Some(false)).count(), 2);
        let text = std::fs::read_to_string(dir.join("domains.json")).unwrap();
        let ex = read_text(&text).unwrap();
        assert_eq!(ex.kind, "sharphound:domains");
        assert_eq!(ex.ad_objects[0].object_sid.as_deref(), Some("S-1-5-21-3130019616-2776909439-2417379446"));
        assert_eq!(ex.ad_objects[0].dns_domain().as_deref(), Some("testlab.local"));
    }
}
