//! Reader: `Get-ADUser` / `Get-ADGroup` / `Get-ADObject` / `Get-ADComputer ... | Export-Csv`, from
//! Windows PowerShell 5.1 (`#TYPE` line, every field quoted, ASCII by default) and PowerShell 7 (no
//! `#TYPE`, UTF-8, maybe unquoted fields), with `,`, `;` (`-UseCulture`) or tab delimiters.
//!
//! Properties are matched case-insensitively; when two spellings of one attribute are exported
//! (`mail` and `EmailAddress`, `Surname` and `sn`, `whenCreated` and `Created`), the LDAP name wins
//! and the other fills in when it is empty.
//!
//! Decisions:
//! - **Object class**: the `ObjectClass` column (its last `;`-separated value), else the `#TYPE`
//!   (`ADUser` → user, `ADGroup` → group, `ADComputer` → computer, `ADOrganizationalUnit` →
//!   organizationalUnit), else the columns: `GroupScope`/`GroupCategory` → group,
//!   `DNSHostName`/`OperatingSystem` → computer, anything else → user (with an `IN003` issue when not
//!   even a user-ish column such as `SamAccountName` or `UserPrincipalName` is present).
//! - **proxyAddresses**: the flattened value may be joined with `;` (the documented fix), `,`,
//!   spaces (`"$($_.proxyAddresses)"`) or new lines; see [`csv_util::split_proxy_addresses`].
//! - **mS-DS-ConsistencyGuid**: Base64, GUID text, hex (plain, `X'..'` or space-separated pairs) or
//!   space-separated decimal bytes, decoded to the raw AD-layout bytes ([`csv_util::parse_binary`]).
//! - **Dates**: normalised to ISO-8601 only when unambiguous ([`csv_util::normalize_time`]); the
//!   culture-dependent `M/d/yyyy` or `d/M/yyyy` text of Windows PowerShell is kept as exported.
//! - **Lossy cells** (`System.Byte[]`, `...ADPropertyValueCollection`) are checked in the columns
//!   this reader maps; other columns are not read at all.
//! - **Extra attributes**: columns named like [`crate::model::EXTRA_ATTRIBUTES`] (`comment`,
//!   `description`, `info`, `extensionAttribute1`...) are kept in [`AdObject::extra`] for the
//!   account-link rules (csvde files too: both map rows with [`super::ad_attrs::AdMapper`]).

use super::ad_attrs::{AD_MARKERS, AdMapper, default_class};
use super::csv_util::{self, CsvFile};
use super::{Extract, Format, Input, ReadError, Sniff, codes, csv_kinds};
use crate::model::AdClass;

/// Registration in [`super::FORMATS`].
pub const FORMAT: Format = Format {
    name: "ad-csv",
    summary: "Get-ADUser / Get-ADGroup / Get-ADObject piped to Export-Csv (Windows PowerShell 5.1 and PowerShell 7)",
    sniff,
    read,
};

/// Columns `Format-Table ... | Export-Csv` writes (formatting objects instead of data).
const FORMAT_TABLE_COLUMNS: &[&str] = &[
    "ClassId2e4f51ef21dd47e99d3c952918aff9cd",
    "pageHeaderEntry",
    "pageFooterEntry",
    "autosizeInfo",
    "shapeInfo",
    "groupingEntry",
    "formatEntryInfo",
    "outOfBand",
    "writeStream",
];

/// Columns of a hashtable piped to `Export-Csv` (its own properties instead of its keys).
const HASHTABLE_COLUMNS: &[&str] = &["IsReadOnly", "IsFixedSize", "IsSynchronized", "Keys", "Values", "SyncRoot"];

/// Content sniffer: an `#TYPE Microsoft.ActiveDirectory.Management.*` line or a header with at least one
/// AD-only property; `Format-Table` output, hashtables and strings piped into `Export-Csv` are rejected.
pub fn sniff(text: &str) -> Sniff {
    let Some(h) = csv_util::sniff_header(text) else {
        return Sniff::No;
    };
    let line = header_line(text);
    let type_name = h.type_name.unwrap_or("");
    if h.header.has_any(FORMAT_TABLE_COLUMNS) || type_name.starts_with("Microsoft.PowerShell.Commands.Internal.Format.")
    {
        return Sniff::Reject(ReadError::new(
            line,
            "Format-Table output piped into Export-Csv: the file holds formatting objects \
             (ClassId2e4f51ef21dd47e99d3c952918aff9cd, formatEntryInfo...) instead of data; remove \
             `Format-Table` and choose columns with `Select-Object` before `Export-Csv`",
        ));
    }
    if HASHTABLE_COLUMNS.iter().all(|c| h.header.has(c)) || type_name == "System.Collections.Hashtable" {
        return Sniff::Reject(ReadError::new(
            line,
            "hashtables piped into Export-Csv: the columns are the hashtable's own properties \
             (IsReadOnly, Keys, Values, SyncRoot, Count) and the data is lost; build each row as \
             `[pscustomobject]@{...}` (or `New-Object PSObject -Property $hash`) before `Export-Csv`",
        ));
    }
    if h.header.len() == 1 && h.header.has("Length") {
        return Sniff::Reject(ReadError::new(
            line,
            "strings piped into Export-Csv: the only column is `Length` (the string lengths) and the \
             data is lost; pipe the objects themselves (`Get-ADUser ... | Select-Object ... | Export-Csv`), \
             not `Out-String` or formatted text",
        ));
    }
    if csv_kinds::is_csvde(&h) || csv_kinds::msol_kind(&h).is_some() {
        return Sniff::No;
    }
    if is_ad_type(type_name) || h.header.has_any(AD_MARKERS) { Sniff::Yes } else { Sniff::No }
}

fn header_line(text: &str) -> u32 {
    let p = csv_util::prelude(csv_util::head(text, csv_util::SNIFF_LIMIT));
    1 + super::text::count_newlines(&text.as_bytes()[..p.header_start]) as u32
}

fn is_ad_type(type_name: &str) -> bool {
    type_name.trim_start_matches("Selected.").starts_with("Microsoft.ActiveDirectory.Management.")
}

/// Reader.
pub fn read(input: &Input<'_>) -> Result<Extract, ReadError> {
    let mut file = CsvFile::open(input.text)?;
    let mut ex = Extract::new("ad-csv");
    let (class, guessed) = default_class(file.type_name.as_deref(), &file.header);
    let mut mapper = AdMapper::new(&file.header, class.clone(), file.type_name.is_some());
    let header_at = input.at(file.header_line);
    let mut missing = mapper.missing_columns();
    if guessed && !mapper.has_class_column() {
        ex.issue(
            header_at,
            codes::MISSING_FIELDS,
            "no ObjectClass column, no `#TYPE` line and no user property: every row is taken as a user; add \
             `ObjectClass` to the `Select-Object` list",
        );
    }
    // One object per line at most: sized once instead of growing by doubling (a million rows).
    ex.ad_objects.reserve(memchr::memchr_iter(b'\n', input.text.as_bytes()).count());
    while file.next_row(&mut ex, input)? {
        let o = mapper.map_row(&file, input.at(file.line()));
        ex.ad_objects.push(o);
    }
    // Groups and contacts have no UPN and no ConsistencyGuid anchor: only ask for those when users were read.
    let has_users = ex.ad_objects.iter().any(|o| matches!(o.class, AdClass::User | AdClass::InetOrgPerson));
    if !has_users && file.rows() > 0 {
        missing.retain(|m| *m != "UserPrincipalName" && *m != "mS-DS-ConsistencyGuid");
    }
    if !missing.is_empty() {
        let cmdlet = match class {
            AdClass::Group => "Get-ADGroup",
            AdClass::Computer => "Get-ADComputer",
            _ => "Get-ADUser",
        };
        ex.issue(
            header_at,
            codes::MISSING_FIELDS,
            format!(
                "the export lacks {}, which linking on-premises objects to cloud objects needs; export again with \
                 `{}` (see docs/collecting.md)",
                missing.join(", "),
                super::export::ad_powershell_command(cmdlet, "<file>")
            ),
        );
    }
    if file.rows() == 0 {
        ex.issue(
            header_at,
            codes::EMPTY_EXPORT,
            "the export produced no rows (header only); check the cmdlet's -Filter and -SearchBase and export again",
        );
    }
    mapper.finish(&file.header, &mut ex, input);
    ex.count_records();
    Ok(ex)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{Options, Status, detect, read_one};
    use crate::model::Text;
    use crate::source::FileId;
    use std::path::{Path, PathBuf};

    const PS51: &str = include_str!("../../tests/fixtures/ad-csv/ps51-typed-ascii.csv");
    const PS7: &str = include_str!("../../tests/fixtures/ad-csv/ps7-unquoted.csv");
    const GROUPS: &str = include_str!("../../tests/fixtures/ad-csv/usecult-groups.csv");

    fn read_text(text: &str) -> Extract {
        read(&Input::new(FileId(0), text)).unwrap()
    }

    /// (code, line) of every issue, in order.
    fn codes_at(ex: &Extract) -> Vec<(&'static str, u32)> {
        ex.issues.iter().map(|i| (i.code, i.at.line)).collect()
    }

    fn issue<'e>(ex: &'e Extract, code: &str, needle: &str) -> &'e crate::ingest::Issue {
        ex.issues
            .iter()
            .find(|i| i.code == code && i.message.contains(needle))
            .unwrap_or_else(|| panic!("no {code} issue containing {needle:?} in {:#?}", ex.issues))
    }

    #[test]
    fn windows_powershell_51_export_with_type_line_lossy_columns_and_ascii() {
        assert_eq!(sniff(PS51), Sniff::Yes);
        let ex = read_text(PS51);
        assert_eq!(ex.kind, "ad-csv");
        assert_eq!(ex.records, 4);
        let lines: Vec<u32> = ex.ad_objects.iter().map(|o| o.source.line).collect();
        assert_eq!(lines, vec![3, 4, 5, 6]);
        let ann = &ex.ad_objects[0];
        assert_eq!(ann.class, AdClass::User);
        assert_eq!(ann.object_guid.unwrap().to_string(), "56f2ea8f-245f-4871-929b-3476fe3cc658");
        assert_eq!(ann.object_guid.unwrap().immutable_id(), "j+ryVl8kcUiSmzR2/jzGWA==");
        assert_eq!(ann.object_sid.as_deref(), Some("S-1-5-21-1004336348-1177238915-682003330-1103"));
        assert_eq!(ann.dns_domain().as_deref(), Some("corp.contoso.com"));
        assert_eq!(ann.cn.as_deref(), Some("Ann Lee"));
        assert_eq!(ann.upn.as_deref(), Some("ann.lee@contoso.com"));
        assert_eq!(ann.sn.as_deref(), Some("Lee"));
        assert_eq!((ann.enabled, ann.user_account_control), (Some(true), Some(512)));
        assert_eq!(ann.when_created.as_deref(), Some("3/14/2023 9:12:05 AM"));
        // Lossy cells are never values.
        assert!(ann.proxy_addresses.is_empty());
        assert_eq!(ann.consistency_guid, None);
        assert_eq!(ex.ad_objects[2].enabled, Some(false));
        assert_eq!(ex.ad_objects[3].mail, None);

        assert_eq!(codes_at(&ex), vec![(codes::LOSSY_COLUMN, 3), (codes::LOSSY_COLUMN, 3), (codes::ENCODING, 4)]);
        let p = issue(&ex, codes::LOSSY_COLUMN, "`proxyAddresses`");
        assert!(p.message.contains("in 4 rows (first at line 3)"), "{}", p.message);
        assert!(p.message.contains("Microsoft.ActiveDirectory.Management.ADPropertyValueCollection"));
        assert!(p.message.contains("@{n='proxyAddresses';e={$_.proxyAddresses -join ';'}}"), "{}", p.message);
        let c = issue(&ex, codes::LOSSY_COLUMN, "`mS-DS-ConsistencyGuid`");
        assert!(c.message.contains("in 2 rows (first at line 3)"), "{}", c.message);
        assert!(
            c.message
                .contains("@{n='mS-DS-ConsistencyGuid';e={[Convert]::ToBase64String($_.'mS-DS-ConsistencyGuid')}}"),
            "{}",
            c.message
        );
        let e = issue(&ex, codes::ENCODING, "-Encoding UTF8");
        assert!(e.message.starts_with("2 rows with `?`"), "{}", e.message);
    }

    #[test]
    fn powershell_7_unquoted_export_with_multiline_field_bad_row_and_bad_values() {
        assert_eq!(sniff(PS7), Sniff::Yes);
        let ex = read_text(PS7);
        let lines: Vec<u32> = ex.ad_objects.iter().map(|o| o.source.line).collect();
        assert_eq!(lines, vec![2, 3, 5, 7, 8]);
        let ann = &ex.ad_objects[0];
        assert_eq!(ann.dn.as_deref(), Some("CN=Lee\\, Ann,OU=Staff,DC=fabrikam,DC=com"));
        assert_eq!(ann.display_name.as_deref(), Some("Lee, Ann"));
        assert_eq!(ann.proxy_addresses, vec!["SMTP:ann.lee@fabrikam.com", "smtp:alee@fabrikam.mail.onmicrosoft.com"]);
        assert_eq!(ann.employee_id.as_deref(), Some("100234"));
        // Base64, GUID text and hex ConsistencyGuid all decode to the AD-layout bytes.
        for i in [0, 1, 4] {
            let o = &ex.ad_objects[i];
            assert_eq!(o.consistency_guid.as_deref(), Some(&o.object_guid.unwrap().to_ad_bytes()[..]), "row {i}");
        }
        assert_eq!(ex.ad_objects[2].class, AdClass::Group);
        assert_eq!(ex.ad_objects[2].user_account_control, None);
        assert_eq!(ex.ad_objects[3].class, AdClass::Contact);
        assert_eq!(ex.ad_objects[3].object_guid, None);
        assert_eq!(ex.ad_objects[4].user_account_control, None);
        assert_eq!(ex.ad_objects[4].enabled, None);

        assert_eq!(
            codes_at(&ex),
            vec![(codes::UNREADABLE_RECORD, 6), (codes::INVALID_VALUE, 7), (codes::INVALID_VALUE, 8)]
        );
        assert!(ex.issues[0].message.contains("13 fields but the header has 12"));
        assert!(ex.issues[1].message.contains("`ObjectGUID`") && ex.issues[1].message.contains("`not-a-guid`"));
        assert!(ex.issues[2].message.contains("`userAccountControl`") && ex.issues[2].message.contains("a number"));
    }

    #[test]
    fn use_culture_semicolons_and_group_type_line() {
        assert_eq!(sniff(GROUPS), Sniff::Yes);
        let ex = read_text(GROUPS);
        assert_eq!(ex.records, 2);
        assert!(ex.issues.is_empty(), "{:#?}", ex.issues);
        let g = &ex.ad_objects[1];
        assert_eq!((g.source.line, &g.class), (4, &AdClass::Group));
        assert_eq!(g.cn.as_deref(), Some("R&D; Labs"));
        assert_eq!(g.object_sid.as_deref(), Some("S-1-5-21-1004336348-1177238915-682003330-1111"));
        assert_eq!(g.mail, None);
        assert_eq!(ex.ad_objects[0].mail.as_deref(), Some("finance@contoso.com"));
    }

    #[test]
    fn utf16le_with_bom_through_read_one() {
        let text = "\"Name\",\"SamAccountName\",\"ObjectGUID\",\"DisplayName\"\r\n\
                    \"Zoë Müller\",\"zoe.muller\",\"eb4082b7-5811-436e-b720-66be77325413\",\"Zoë Müller\"\r\n";
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("users.csv");
        std::fs::write(&path, bytes).unwrap();
        let (report, ex) = read_one(FileId(0), &path, &Options::default());
        assert_eq!(report.status, Status::Read);
        assert_eq!((report.kind.as_str(), report.encoding, report.records), ("ad-csv", "utf-16le-bom", 1));
        let o = &ex.ad_objects[0];
        assert_eq!((o.source.line, o.display_name.as_deref()), (2, Some("Zoë Müller")));
        assert_eq!(report.issues.len(), 1);
        assert_eq!(report.issues[0].code, codes::MISSING_FIELDS);
        assert!(
            report.issues[0]
                .message
                .starts_with("the export lacks mS-DS-ConsistencyGuid, proxyAddresses, mail, UserPrincipalName,"),
            "{}",
            report.issues[0].message
        );
    }

    #[test]
    fn extra_link_attributes_are_mapped_and_lossy_ones_reported() {
        let ex = read_text(
            "\"SamAccountName\",\"ObjectGUID\",\"Comment\",\"extensionAttribute3\",\"Description\"\r\n\
             \"ann\",\"eb4082b7-5811-436e-b720-66be77325413\",\"ann.lee@tailspintoys.com\",\"\",\"Microsoft.ActiveDirectory.Management.ADPropertyValueCollection\"\r\n\
             \"ben\",\"7f3a9c1e-2b4d-4e5f-8a6b-9c0d1e2f3a4b\",\"\",\"X-42\",\"Contractor\"\r\n",
        );
        let (ann, ben) = (&ex.ad_objects[0], &ex.ad_objects[1]);
        assert_eq!(ann.extra, vec![("comment".into(), "ann.lee@tailspintoys.com".into())]);
        assert_eq!(ben.extra("extensionattribute3"), Some("X-42"));
        assert_eq!(ben.extra("description"), Some("Contractor"));
        let lossy = issue(&ex, codes::LOSSY_COLUMN, "Description");
        assert_eq!(lossy.at.line, 2);
    }

    #[test]
    fn spns_are_counted_admin_count_read_and_an_unjoined_collection_is_lossy() {
        let ex = read_text(
            "\"SamAccountName\",\"ObjectGUID\",\"servicePrincipalName\",\"adminCount\"\r\n\
             \"sqlsvc\",\"eb4082b7-5811-436e-b720-66be77325413\",\"MSSQLSvc/sql01.corp.contoso.com:1433;MSSQLSvc/sql01:1433\",\"\"\r\n\
             \"adm-ann\",\"7f3a9c1e-2b4d-4e5f-8a6b-9c0d1e2f3a4b\",\"\",\"1\"\r\n\
             \"ben\",\"0b2c1d7e-4f3a-4e5f-8a6b-9c0d1e2f3a4c\",\"Microsoft.ActiveDirectory.Management.ADPropertyValueCollection\",\"\"\r\n",
        );
        let [sql, adm, ben] = [0, 1, 2].map(|i| &ex.ad_objects[i]);
        assert_eq!((sql.spn_count, sql.admin_count), (2, None));
        assert_eq!((adm.spn_count, adm.admin_count), (0, Some(1)));
        assert_eq!(ben.spn_count, 0);
        let lossy = issue(&ex, codes::LOSSY_COLUMN, "servicePrincipalName");
        assert_eq!(lossy.at.line, 4);
        assert!(lossy.message.contains("$_.servicePrincipalName -join ';'"), "{}", lossy.message);
    }

    #[test]
    fn header_only_export_is_read_with_in009() {
        let ex =
            read_text("#TYPE Microsoft.ActiveDirectory.Management.ADUser\r\n\"DistinguishedName\",\"ObjectGUID\"\r\n");
        assert_eq!(ex.records, 0);
        let e = issue(&ex, codes::EMPTY_EXPORT, "no rows");
        assert_eq!(e.at.line, 2);
    }

    #[test]
    fn botched_exports_are_rejected_with_the_fix() {
        let ft = "#TYPE Microsoft.PowerShell.Commands.Internal.Format.FormatStartData\r\n\
                  \"ClassId2e4f51ef21dd47e99d3c952918aff9cd\",\"pageHeaderEntry\",\"pageFooterEntry\",\"autosizeInfo\",\"shapeInfo\",\"groupingEntry\"\r\n\
                  \"033ecb2bc07a4d43b5ef94ed5a35d280\",,,,\"Microsoft.PowerShell.Commands.Internal.Format.TableHeaderInfo\",\r\n\
                  \"9e210fe47d09416682b841769c78b8a3\",,,,,\r\n";
        let Sniff::Reject(e) = sniff(ft) else { panic!("Format-Table output not rejected") };
        assert_eq!(e.line, 2);
        assert!(e.reason.starts_with("Format-Table output piped into Export-Csv"), "{}", e.reason);
        assert!(e.reason.contains("Select-Object"));
        // Through detection too (no earlier format claims it).
        let (f, s) = detect(ft).unwrap();
        assert_eq!((f.name, matches!(s, Sniff::Reject(_))), ("ad-csv", true));
        let Sniff::Reject(e) = sniff("\"Length\"\n\"42\"\n") else { panic!("strings not rejected") };
        assert!(e.reason.contains("`Length`"));
    }

    #[test]
    fn non_ad_csv_is_not_claimed() {
        for t in [
            "Nom,Prenom,Login,OU\nDupont,Alice,adupont,Promo2025\n",
            "UserPrincipalName,DisplayName\nann@contoso.com,Ann\n",
            "dn: CN=Ann,DC=contoso,DC=com\nobjectClass: user\n",
            "{\"value\": []}",
            "version: 1\n",
        ] {
            assert_eq!(sniff(t), Sniff::No, "{t}");
        }
    }

    #[test]
    fn class_is_guessed_from_columns_and_said_so() {
        let ex = read_text("Name,ObjectGUID\nHQ-Printers,e5bd7ff4-3e5c-4aac-b956-af1e6181b871\n");
        assert_eq!(ex.ad_objects[0].class, AdClass::User);
        issue(&ex, codes::MISSING_FIELDS, "every row is taken as a user");
        let ex =
            read_text("Name,ObjectGUID,DNSHostName\nWS01,e5bd7ff4-3e5c-4aac-b956-af1e6181b871,ws01.corp.contoso.com\n");
        assert_eq!(ex.ad_objects[0].class, AdClass::Computer);
        assert!(ex.issues.is_empty(), "{:#?}", ex.issues);
        let ex =
            read_text("Name,ObjectClass,ObjectGUID\nStaff,organizationalUnit,e5bd7ff4-3e5c-4aac-b956-af1e6181b871\n");
        assert_eq!(ex.ad_objects[0].class, AdClass::Other("organizationalUnit".into()));
    }

    #[test]
    fn duplicate_columns_fail_the_file() {
        let e = read(&Input::new(FileId(0), "SamAccountName,mail,EmailAddress,MAIL\na,b,c,d\n")).unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.reason.contains("column 2 `mail` and column 4 `MAIL`"), "{}", e.reason);
    }

    fn realdata(name: &str) -> Option<PathBuf> {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/realdata/collegeboreal-getaduser-csv").join(name);
        if p.exists() {
            Some(p)
        } else {
            eprintln!("skipping: {} not present", p.display());
            None
        }
    }

    /// (line, Name, SamAccountName, EmailAddress, Enabled) of an object.
    type Summary = (u32, Text, Text, Option<Text>, Option<bool>);

    fn summary(ex: &Extract) -> Vec<Summary> {
        ex.ad_objects
            .iter()
            .map(|o| {
                (
                    o.source.line,
                    o.cn.clone().unwrap_or_default(),
                    o.sam_account_name.clone().unwrap_or_default(),
                    o.mail.clone(),
                    o.enabled,
                )
            })
            .collect()
    }

    #[test]
    fn realdata_collegeboreal_exports() {
        let Some(p) = realdata("4.OUs_300133071_TP_AD_Users.csv") else {
            return;
        };
        let (r, ex) = read_one(FileId(0), &p, &Options::default());
        assert_eq!((r.kind.as_str(), &r.status, r.encoding, r.records), ("ad-csv", &Status::Read, "utf-8-bom", 2));
        assert_eq!(
            summary(&ex),
            vec![
                (2, "student1".into(), "student1".into(), None, Some(true)),
                (3, "William Nelson".into(), "nelson".into(), None, Some(true)),
            ]
        );
        assert_eq!(r.issues.iter().map(|i| (i.code, i.at.line)).collect::<Vec<_>>(), vec![(codes::MISSING_FIELDS, 1)]);
        assert!(
            r.issues[0].message.starts_with("the export lacks ObjectGUID, mS-DS-ConsistencyGuid, UserPrincipalName,")
        );

        let Some(p) = realdata("4.OUs_300143951_TP_AD_Users.csv") else {
            return;
        };
        let (r, ex) = read_one(FileId(0), &p, &Options::default());
        assert_eq!((r.kind.as_str(), r.records, r.issues.len()), ("ad-csv", 6, 1));
        // Row 5 (names from a real lab export are not repeated here): a mixed-case sAMAccountName, mail on the
        // non-routable `.local` suffix, a disabled account.
        let row = &summary(&ex)[3];
        assert_eq!(row.0, 5);
        assert!(row.2.chars().any(|c| c.is_ascii_uppercase()) && row.2.chars().any(|c| c.is_ascii_lowercase()));
        assert!(row.3.as_deref().is_some_and(|m| m.ends_with("-00.local")));
        assert_eq!(row.4, Some(false));
        assert_eq!(summary(&ex)[2].2, "300143951");

        let Some(p) = realdata("4.OUs_300146721_TP_AD_Users.csv") else {
            return;
        };
        let (r, ex) = read_one(FileId(0), &p, &Options::default());
        assert_eq!((r.kind.as_str(), r.records, r.issues.len()), ("ad-csv", 11, 1));
        assert_eq!(
            summary(&ex)[1],
            (3, "Alice Dupont".into(), "alice.dupont".into(), Some("alice.dupont@example.com".into()), Some(true))
        );
        assert_eq!(ex.ad_objects.last().unwrap().source.line, 12);

        let Some(p) = realdata("4.OUs_300150558_export_utilisateurs.csv") else {
            return;
        };
        let (r, ex) = read_one(FileId(0), &p, &Options::default());
        assert_eq!((r.kind.as_str(), r.records), ("ad-csv", 6));
        let disabled: Vec<(u32, Text)> =
            summary(&ex).into_iter().filter(|s| s.4 == Some(false)).map(|s| (s.0, s.1)).collect();
        assert_eq!(disabled, vec![(3, "Guest".into()), (5, "krbtgt".into())]);
        assert!(
            r.issues[0].message.starts_with(
                "the export lacks ObjectGUID, mS-DS-ConsistencyGuid, proxyAddresses, mail, UserPrincipalName,"
            ),
            "{}",
            r.issues[0].message
        );

        let Some(p) = realdata("4.OUs_300148094_export_utilisateurs.csv") else {
            return;
        };
        let (r, _) = read_one(FileId(0), &p, &Options::default());
        assert_eq!((r.kind.as_str(), r.records), ("empty", 0));
        assert_eq!(r.issues.iter().map(|i| i.code).collect::<Vec<_>>(), vec![codes::EMPTY_EXPORT]);
        assert!(r.issues[0].message.contains("only a byte-order mark"));

        let Some(p) = realdata("2.Utilisateurs_300142072_users_exportes.csv") else {
            return;
        };
        let (r, _) = read_one(FileId(0), &p, &Options::default());
        assert_eq!(r.kind, "ad-csv");
        let Status::Failed(e) = &r.status else { panic!("hashtable export not rejected: {:?}", r.status) };
        assert_eq!(e.line, 1);
        assert!(e.reason.starts_with("hashtables piped into Export-Csv"), "{}", e.reason);
        assert!(e.reason.contains("[pscustomobject]"));

        let Some(p) = realdata("2.Utilisateurs_300152260_file_etudiants.csv") else {
            return;
        };
        let text = std::fs::read_to_string(&p).unwrap();
        assert_eq!(sniff(&text), Sniff::No);
        assert!(detect(&text).is_none());
        let (r, _) = read_one(FileId(0), &p, &Options::default());
        assert!(matches!(r.status, Status::Skipped(_)), "{:?}", r.status);
    }
}
