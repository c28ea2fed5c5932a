//! Reader: csvde export (X'hex' binary values, ';'-separated multi-values).
//!
//! `csvde -f out.csv [-l attrs] [-u]` writes a header of LDAP attribute names starting with `DN`,
//! one object per row, multi-valued attributes joined with `;` inside one field and binary values as
//! `X'<hex>'`: objectGUID (→ [`Guid::from_ad_bytes`](crate::model::Guid::from_ad_bytes)), objectSid
//! (→ `S-1-5-...`), mS-DS-ConsistencyGuid (→ raw bytes). `csvde -u` output is UTF-16, decoded before
//! this reader runs. Rows are mapped with the AD attribute table `ad-csv` uses too ([`super::ad_attrs`];
//! the LDAP names are among its aliases); objectClass holds the whole class chain (`top;person;organizationalPerson;user`) and
//! its last value is the class.

use super::ad_attrs::{AdMapper, default_class};
use super::csv_kinds;
use super::csv_util::{self, CsvFile};
use super::{Extract, Format, Input, ReadError, Sniff, codes};

/// Registration in [`super::FORMATS`].
pub const FORMAT: Format =
    Format { name: "csvde", summary: "csvde export (X'hex' binary values, ';'-separated multi-values)", sniff, read };

/// Content sniffer.
pub fn sniff(text: &str) -> Sniff {
    match csv_util::sniff_header(text) {
        Some(h) if csv_kinds::is_csvde(&h) => Sniff::Yes,
        _ => Sniff::No,
    }
}

/// Reader.
pub fn read(input: &Input<'_>) -> Result<Extract, ReadError> {
    let mut file = CsvFile::open(input.text)?;
    let mut ex = Extract::new("csvde");
    let (class, _) = default_class(None, &file.header);
    let mut mapper = AdMapper::new(&file.header, class, false);
    let header_at = input.at(file.header_line);
    let mut missing = mapper.missing_columns();
    if !file.header.has("objectClass") {
        missing.insert(0, "objectClass");
    }
    while file.next_row(&mut ex, input)? {
        let o = mapper.map_row(&file, input.at(file.line()));
        ex.ad_objects.push(o);
    }
    // Groups and contacts have no UPN and no ConsistencyGuid anchor: only ask for those when users were read.
    let has_users = ex
        .ad_objects
        .iter()
        .any(|o| matches!(o.class, crate::model::AdClass::User | crate::model::AdClass::InetOrgPerson));
    if !has_users && file.rows() > 0 {
        missing.retain(|m| *m != "UserPrincipalName" && *m != "mS-DS-ConsistencyGuid");
    }
    if !missing.is_empty() {
        ex.issue(
            header_at,
            codes::MISSING_FIELDS,
            format!(
                "the export lacks {}, which linking on-premises objects to cloud objects needs; export again without \
                 `-l` or with `-l \"{}\"`{}",
                missing.join(", "),
                super::export::ldap_attribute_list(),
                if file.header.has("objectClass") { "" } else { " (without objectClass every row is taken as a user)" }
            ),
        );
    }
    if file.rows() == 0 {
        ex.issue(
            header_at,
            codes::EMPTY_EXPORT,
            "the export produced no rows (header only); check csvde's -d base and -r filter and export again",
        );
    }
    mapper.finish(&file.header, &mut ex, input);
    ex.count_records();
    Ok(ex)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{Options, Status, read_one};
    use crate::model::{AdClass, Text};
    use crate::source::FileId;

    const USERS: &str = include_str!("../../tests/fixtures/csvde/users.csv");

    fn read_text(text: &str) -> Extract {
        read(&Input::new(FileId(0), text)).unwrap()
    }

    #[test]
    fn groups_and_contacts_need_no_upn_or_consistency_guid_column() {
        let text = "DN,objectClass,objectGUID,mail,proxyAddresses\n\
            \"CN=Sales,OU=Groups,DC=corp,DC=contoso,DC=com\",group,X'c98b91356d19ea409779889d79b753f0',sales@contoso.com,SMTP:sales@contoso.com\n\
            \"CN=Kim Vendor,OU=Contacts,DC=corp,DC=contoso,DC=com\",contact,X'd707ccf7157c7d44876dc01b0e5a9e38',kim@fabrikam.com,SMTP:kim@fabrikam.com\n";
        let ex = read_text(text);
        assert_eq!(ex.records, 2);
        assert!(ex.issues.is_empty(), "{:?}", ex.issues);
        // The same columns with a user row: the user needs its UPN.
        let with_user = format!(
            "{text}\"CN=Ann Lee,OU=Staff,DC=corp,DC=contoso,DC=com\",user,X'00112233445566778899aabbccddeeff',ann@contoso.com,SMTP:ann@contoso.com\n"
        );
        let ex = read_text(&with_user);
        assert_eq!(ex.issues.len(), 1);
        assert!(ex.issues[0].message.contains("mS-DS-ConsistencyGuid, UserPrincipalName"), "{}", ex.issues[0].message);
    }

    #[test]
    fn csvde_export_with_hex_binaries_and_multi_values() {
        assert_eq!(sniff(USERS), Sniff::Yes);
        let ex = read_text(USERS);
        assert_eq!((ex.kind.as_str(), ex.records), ("csvde", 4));
        assert_eq!(ex.ad_objects.iter().map(|o| o.source.line).collect::<Vec<_>>(), vec![2, 3, 4, 5]);
        let ann = &ex.ad_objects[0];
        assert_eq!(ann.class, AdClass::User);
        assert_eq!(ann.object_guid.unwrap().to_string(), "56f2ea8f-245f-4871-929b-3476fe3cc658");
        assert_eq!(ann.object_guid.unwrap().immutable_id(), "j+ryVl8kcUiSmzR2/jzGWA==");
        assert_eq!(ann.object_sid.as_deref(), Some("S-1-5-21-1004336348-1177238915-682003330-1103"));
        assert_eq!(ann.consistency_guid.as_deref(), Some(&ann.object_guid.unwrap().to_ad_bytes()[..]));
        assert_eq!(ann.proxy_addresses, vec!["SMTP:ann.lee@contoso.com", "smtp:ann@contoso.mail.onmicrosoft.com"]);
        assert_eq!(ann.dn.as_deref(), Some("CN=Ann Lee,OU=Staff,DC=corp,DC=contoso,DC=com"));
        assert_eq!(ann.when_created.as_deref(), Some("2023-03-14T09:12:05Z"));
        assert_eq!((ann.enabled, ann.is_critical_system_object), (Some(true), None));
        let fin = &ex.ad_objects[1];
        assert_eq!(fin.class, AdClass::Group);
        assert_eq!(fin.object_guid.unwrap().to_string(), "e5bd7ff4-3e5c-4aac-b956-af1e6181b871");
        assert_eq!(fin.object_sid.as_deref(), Some("S-1-5-21-1004336348-1177238915-682003330-1110"));
        let admin = &ex.ad_objects[2];
        assert_eq!((admin.object_sid.as_deref(), admin.is_critical_system_object), (None, Some(true)));
        let bad = &ex.ad_objects[3];
        assert_eq!((bad.object_guid, bad.consistency_guid.as_deref(), bad.enabled), (None, None, Some(false)));

        let got: Vec<(&str, u32)> = ex.issues.iter().map(|i| (i.code, i.at.line)).collect();
        assert_eq!(got, vec![(codes::INVALID_VALUE, 4), (codes::INVALID_VALUE, 5), (codes::INVALID_VALUE, 5)]);
        assert!(ex.issues[0].message.contains("`objectSid`") && ex.issues[0].message.contains("`X'0105'`"));
        assert!(ex.issues[1].message.contains("`objectGUID`") && ex.issues[1].message.contains("`X'12zz'`"));
        assert!(ex.issues[2].message.contains("`mS-DS-ConsistencyGuid`"));
    }

    #[test]
    fn sid_history_of_migrated_accounts_is_read_from_csvde_and_get_aduser() {
        // csvde: binary SIDs as X'…' separated by `;` (S-1-5-21-1-2-3-500 and S-1-5-21-1-2-3-1104).
        let text = "DN,objectClass,objectGUID,objectSid,sIDHistory,userPrincipalName,mS-DS-ConsistencyGuid,mail\n\
            \"CN=Ann Lee,OU=Staff,DC=corp,DC=contoso,DC=com\",user,X'00112233445566778899aabbccddeeff',X'010500000000000515000000010000000200000003000000f4010000',X'010500000000000515000000010000000200000003000000f4010000';X'01050000000000051500000001000000020000000300000050040000',ann@contoso.com,,ann@contoso.com\n";
        let ex = read_text(text);
        assert!(ex.issues.iter().all(|i| i.code != codes::INVALID_VALUE), "{:?}", ex.issues);
        assert_eq!(
            ex.ad_objects[0].sid_history,
            vec![Text::from("S-1-5-21-1-2-3-500"), Text::from("S-1-5-21-1-2-3-1104")]
        );
        // Get-ADUser with `@{n='sIDHistory';e={$_.sIDHistory -join ';'}}`.
        let ps = "#TYPE Selected.Microsoft.ActiveDirectory.Management.ADUser\n\
            \"DistinguishedName\",\"ObjectGUID\",\"SID\",\"sIDHistory\",\"UserPrincipalName\"\n\
            \"CN=Ann Lee,OU=Staff,DC=corp,DC=contoso,DC=com\",\"00112233-4455-6677-8899-aabbccddeeff\",\"S-1-5-21-9-9-9-1104\",\"S-1-5-21-1-2-3-1104;S-1-5-21-4-5-6-2001\",\"ann@contoso.com\"\n";
        let (_, ex) = crate::ingest::read_bytes(FileId(0), ps.as_bytes(), &Options::default());
        assert_eq!(ex.ad_objects[0].sid_history.len(), 2, "{:?}", ex.issues);
        // Not joined: Windows PowerShell 5.1 writes the collection's type name, a lossy column (IN001).
        let lossy = ps.replace(
            "S-1-5-21-1-2-3-1104;S-1-5-21-4-5-6-2001",
            "Microsoft.ActiveDirectory.Management.ADPropertyValueCollection",
        );
        let (report, ex) = crate::ingest::read_bytes(FileId(0), lossy.as_bytes(), &Options::default());
        assert!(ex.ad_objects[0].sid_history.is_empty());
        let issues = report.issues.iter().chain(&ex.issues);
        assert!(issues.clone().any(|i| i.code == codes::LOSSY_COLUMN), "{:?}", issues.collect::<Vec<_>>());
    }

    #[test]
    fn csvde_unicode_output_through_read_one() {
        let text = "DN,objectClass,objectGUID,displayName\r\n\
                    \"CN=Zoë Müller,OU=Staff,DC=corp,DC=contoso,DC=com\",top;person;organizationalPerson;user,X'b78240eb11586e43b72066be77325413',Zoë Müller\r\n";
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("export.csv");
        std::fs::write(&path, bytes).unwrap();
        let (r, ex) = read_one(FileId(0), &path, &Options::default());
        assert_eq!((r.kind.as_str(), &r.status, r.encoding, r.records), ("csvde", &Status::Read, "utf-16le-bom", 1));
        let o = &ex.ad_objects[0];
        assert_eq!(o.object_guid.unwrap().to_string(), "eb4082b7-5811-436e-b720-66be77325413");
        assert_eq!(o.display_name.as_deref(), Some("Zoë Müller"));
        assert_eq!(r.issues.len(), 1);
        assert!(
            r.issues[0]
                .message
                .starts_with("the export lacks mS-DS-ConsistencyGuid, proxyAddresses, mail, UserPrincipalName")
        );
    }

    #[test]
    fn spn_count_and_admin_count() {
        let ex = read_text(
            "DN,objectClass,objectGUID,servicePrincipalName,adminCount\n\
             \"CN=svc-web,OU=Service,DC=corp,DC=contoso,DC=com\",user,X'c98b91356d19ea409779889d79b753f0',HTTP/web.contoso.com;HTTP/web,1\n",
        );
        assert_eq!((ex.ad_objects[0].spn_count, ex.ad_objects[0].admin_count), (2, Some(1)));
    }

    #[test]
    fn header_only_and_sniff_edges() {
        let ex = read_text("DN,objectClass,objectGUID\r\n");
        assert_eq!(ex.records, 0);
        assert!(ex.issues.iter().any(|i| i.code == codes::EMPTY_EXPORT && i.at.line == 1));
        assert_eq!(sniff("dn,objectclass\n"), Sniff::Yes);
        assert_eq!(sniff("DN,cn\n"), Sniff::No);
        assert_eq!(sniff("cn,DN,objectClass\n"), Sniff::No);
        assert_eq!(sniff("#TYPE Foo\nDN,objectClass\n"), Sniff::No);
        assert_eq!(sniff("dn: CN=Ann,DC=contoso,DC=com\nobjectClass: user\n"), Sniff::No);
    }
}
