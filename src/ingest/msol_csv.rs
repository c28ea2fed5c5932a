//! Reader: MSOnline Export-Csv of Get-MsolUser, Get-MsolDomain, Get-MsolDomainFederationSettings.
//!
//! Kinds: `msol-csv:users`, `msol-csv:domains`, `msol-csv:federation`, told apart by the `#TYPE`
//! line (`Microsoft.Online.Administration.User` / `.Domain` / `.DomainFederationSettings`) or by the
//! columns.
//!
//! Decisions:
//! - **Users vs Get-ADUser**: both have `UserPrincipalName`; a users file must also have an
//!   MSOnline-only column (`IsLicensed`, `BlockCredential`, `ValidationStatus`, `LiveId`,
//!   `LastPasswordChangeTimestamp`...) or a sync column (`ImmutableId`, `LastDirSyncTime`), and no
//!   AD-only column (`SamAccountName`, `ObjectGUID`, `DistinguishedName`... see
//!   [`super::ad_attrs::AD_MARKERS`]); the test is [`super::csv_kinds::msol_kind`].
//! - **Sync state**: `sync_fields_exported` is true when an `ImmutableId` or `LastDirSyncTime`
//!   column exists. `on_prem_sync_enabled` is `Some(true)` when `LastDirSyncTime` is set (only
//!   synced users have one) and `None` otherwise: MSOnline has no field telling "was synced" from
//!   "never synced", so an empty value is not read as `false`.
//! - **accountEnabled** is `!BlockCredential`; `Licenses` (joined AccountSkuIds) fill `licenses`;
//!   `AlternateEmailAddresses` fill `other_mails`.
//! - **Federation**: `Get-MsolDomainFederationSettings` objects carry no domain name, so a
//!   `DomainName`, `Domain` or `Name` column added by the script is used; `SupportsMfa` is not
//!   mapped (the model has no field for it).
//! - CSV exports of the AzureAD and Microsoft Graph PowerShell modules (`ObjectType`,
//!   `AccountEnabled`, `OnPremisesImmutableId`... columns) are recognised and reported as
//!   unsupported, as are other MSOnline types (`Get-MsolGroup`...).

use super::csv_kinds::{self, MsolKind as Kind};
use super::csv_util::{self, CsvFile, Header, Tallies};
use super::{Extract, Format, Input, ReadError, Sniff, codes};
use crate::model::text::{Column, in_column};
use crate::model::{CloudKind, CloudObject, Domain, Federation, Text, normalize_guid_text};

/// Registration in [`super::FORMATS`].
pub const FORMAT: Format = Format {
    name: "msol-csv",
    summary: "MSOnline Export-Csv of Get-MsolUser, Get-MsolDomain, Get-MsolDomainFederationSettings",
    sniff,
    read,
};

/// Row count `Get-MsolUser` stops at without `-All` (or `-MaxResults`).
const DEFAULT_PAGE: usize = 500;

/// Content sniffer.
pub fn sniff(text: &str) -> Sniff {
    let Some(h) = csv_util::sniff_header(text) else {
        return Sniff::No;
    };
    match csv_kinds::msol_kind(&h) {
        Some(Ok(_)) => Sniff::Yes,
        Some(Err(reason)) => Sniff::Unsupported(reason),
        None => Sniff::No,
    }
}

/// Reader.
pub fn read(input: &Input<'_>) -> Result<Extract, ReadError> {
    let Some(h) = csv_util::sniff_header(input.text) else {
        return Err(ReadError::new(1, "no header line: the CSV holds no column names"));
    };
    let kind = match csv_kinds::msol_kind(&h) {
        Some(Ok(k)) => k,
        Some(Err(reason)) => return Err(ReadError::new(0, reason)),
        None => {
            return Err(ReadError::new(
                0,
                "not a Get-MsolUser, Get-MsolDomain or Get-MsolDomainFederationSettings export",
            ));
        }
    };
    let mut file = CsvFile::open(input.text)?;
    let mut ex = match kind {
        Kind::Users => Extract::new("msol-csv:users"),
        Kind::Domains => Extract::new("msol-csv:domains"),
        Kind::Federation => Extract::new("msol-csv:federation"),
    };
    let mut lossy = Tallies::default();
    let mut invalid = Tallies::default();
    match kind {
        Kind::Users => read_users(&mut file, &mut ex, input, &mut lossy, &mut invalid)?,
        Kind::Domains => read_domains(&mut file, &mut ex, input, &mut lossy, &mut invalid)?,
        Kind::Federation => read_federation(&mut file, &mut ex, input, &mut lossy)?,
    }
    if file.rows() == 0 {
        ex.issue(
            input.at(file.header_line),
            codes::EMPTY_EXPORT,
            "the export produced no rows (header only); check the cmdlet's filter and export again",
        );
    }
    csv_util::report_lossy(&mut ex, input, &file.header, &lossy, msol_fix);
    csv_util::report_invalid(&mut ex, input, &file.header, &invalid);
    ex.count_records();
    Ok(ex)
}

/// The flattening fix for an MSOnline lossy column (`Licenses` holds objects: keep their AccountSkuId).
fn msol_fix(column: &str, sample: &str) -> String {
    if column.eq_ignore_ascii_case("Licenses") {
        "@{n='Licenses';e={($_.Licenses | ForEach-Object AccountSkuId) -join ';'}}".to_string()
    } else {
        csv_util::flatten_fix(column, sample)
    }
}

/// Reads the current row's value of the first existing column among `cols`; type names are tallied.
/// The cell of column `col` in the current row, unless it holds a PowerShell type name (tallied).
fn cell<'f>(file: &'f CsvFile<'_>, lossy: &mut Tallies, col: Option<usize>) -> Option<&'f str> {
    let c = col?;
    let v = file.get(c)?;
    if csv_util::is_type_name(v) {
        lossy.note(c, file.line(), v, "");
        return None;
    }
    Some(v)
}

fn value<T: for<'x> From<&'x str>>(file: &CsvFile<'_>, lossy: &mut Tallies, col: Option<usize>) -> Option<T> {
    cell(file, lossy, col).map(T::from)
}

fn parsed<T>(
    file: &CsvFile<'_>,
    lossy: &mut Tallies,
    invalid: &mut Tallies,
    col: Option<usize>,
    expected: &'static str,
    parse: impl Fn(&str) -> Option<T>,
) -> Option<T> {
    let v = cell(file, lossy, col)?;
    let out = parse(v);
    if out.is_none()
        && let Some(c) = col
    {
        invalid.note(c, file.line(), v, expected);
    }
    out
}

fn first(header: &Header, names: &[&str]) -> Option<usize> {
    names.iter().find_map(|n| header.find(n))
}

fn read_users(
    file: &mut CsvFile<'_>,
    ex: &mut Extract,
    input: &Input<'_>,
    lossy: &mut Tallies,
    invalid: &mut Tallies,
) -> Result<(), ReadError> {
    let hd = &file.header;
    let c_upn = hd.find("UserPrincipalName");
    let c_id = hd.find("ObjectId");
    let c_immutable = hd.find("ImmutableId");
    let c_sync = hd.find("LastDirSyncTime");
    let c_display = hd.find("DisplayName");
    let c_first = first(hd, &["FirstName", "GivenName"]);
    let c_last = first(hd, &["LastName", "Surname"]);
    let c_proxy = hd.find("ProxyAddresses");
    let c_licenses = hd.find("Licenses");
    let c_block = hd.find("BlockCredential");
    let c_is_licensed = hd.find("IsLicensed");
    let c_type = hd.find("UserType");
    let c_alt = hd.find("AlternateEmailAddresses");
    let c_created = hd.find("WhenCreated");
    let c_mail = first(hd, &["Mail", "EmailAddress"]);
    let sync_fields_exported = c_immutable.is_some() || c_sync.is_some();
    let missing: Vec<&str> =
        [("ObjectId", c_id), ("ImmutableId", c_immutable), ("LastDirSyncTime", c_sync), ("ProxyAddresses", c_proxy)]
            .iter()
            .filter(|(_, c)| c.is_none())
            .map(|(n, _)| *n)
            .collect();
    if !missing.is_empty() {
        ex.issue(
            input.at(file.header_line),
            codes::MISSING_FIELDS,
            format!(
                "the export lacks {}, which linking cloud users to on-premises objects needs; the MSOnline module is \
                 retired, so export again with Microsoft Graph PowerShell (Graph permission User.Read.All): `{}`",
                missing.join(", "),
                super::export::mg_users_command("users.json")
            ),
        );
    }
    while file.next_row(ex, input)? {
        let mut o = CloudObject {
            source: input.at(file.line()),
            kind: CloudKind::User,
            sync_fields_exported,
            ..Default::default()
        };
        // The attributes rules read for every object go to arena columns of their own (`in_column`).
        o.upn = in_column(Column::Upn, || value(file, lossy, c_upn));
        o.id = in_column(Column::Ids, || {
            parsed(file, lossy, invalid, c_id, "a GUID", normalize_guid_text).map(Text::from)
        });
        o.immutable_id = in_column(Column::Anchors, || value(file, lossy, c_immutable));
        o.on_prem_last_sync = cell(file, lossy, c_sync).map(|v| Text::from(csv_util::normalize_time(v)));
        o.on_prem_sync_enabled = o.on_prem_last_sync.as_ref().map(|_| true);
        in_column(Column::Names, || {
            o.display_name = value(file, lossy, c_display);
            o.given_name = value(file, lossy, c_first);
            o.surname = value(file, lossy, c_last);
        });
        in_column(Column::Addresses, || {
            o.mail = value(file, lossy, c_mail);
            o.proxy_addresses =
                cell(file, lossy, c_proxy).map(csv_util::split_proxy_addresses).unwrap_or_default().into();
            o.other_mails = cell(file, lossy, c_alt).map(csv_util::split_multi).unwrap_or_default().into();
        });
        o.licenses = cell(file, lossy, c_licenses).map(csv_util::split_multi).unwrap_or_default().into();
        o.account_enabled = parsed(file, lossy, invalid, c_block, "True or False", csv_util::parse_bool).map(|b| !b);
        // IsLicensed when exported; else a readable (non-lossy) Licenses column.
        o.is_licensed =
            parsed(file, lossy, invalid, c_is_licensed, "True or False", csv_util::parse_bool).or_else(|| {
                c_licenses.filter(|&c| !file.get(c).is_some_and(csv_util::is_type_name)).map(|_| !o.licenses.is_empty())
            });
        o.user_type = value(file, lossy, c_type);
        o.created = cell(file, lossy, c_created).map(|v| Text::from(csv_util::normalize_time(v)));
        ex.cloud_objects.push(o);
    }
    if file.rows() == DEFAULT_PAGE {
        ex.issue(
            input.at(0),
            codes::INCOMPLETE_EXPORT,
            format!(
                "exactly 500 users: an MSOnline user export stops at 500 users unless taken with -All, so the export is \
                 probably cut short; the MSOnline module is retired, so export again with Microsoft Graph PowerShell \
                 (Graph permission User.Read.All): `{}`",
                super::export::mg_users_command("users.json")
            ),
        );
    }
    Ok(())
}

fn read_domains(
    file: &mut CsvFile<'_>,
    ex: &mut Extract,
    input: &Input<'_>,
    lossy: &mut Tallies,
    invalid: &mut Tallies,
) -> Result<(), ReadError> {
    let hd = &file.header;
    let c_name = hd.find("Name");
    let c_auth = hd.find("Authentication");
    let c_status = hd.find("Status");
    let c_caps = hd.find("Capabilities");
    let c_default = hd.find("IsDefault");
    let c_initial = hd.find("IsInitial");
    let c_root = hd.find("RootDomain");
    while file.next_row(ex, input)? {
        let line = file.line();
        let Some(name) = cell(file, lossy, c_name) else {
            ex.issue(input.at(line), codes::UNREADABLE_RECORD, "domain row without a Name: row skipped");
            continue;
        };
        let d = Domain {
            source: input.at(line),
            name: name.trim().to_ascii_lowercase(),
            authentication_type: value(file, lossy, c_auth),
            is_verified: cell(file, lossy, c_status).map(|s| s.trim().eq_ignore_ascii_case("Verified")),
            is_default: parsed(file, lossy, invalid, c_default, "True or False", csv_util::parse_bool),
            is_initial: parsed(file, lossy, invalid, c_initial, "True or False", csv_util::parse_bool),
            supported_services: cell(file, lossy, c_caps)
                .map(|v| {
                    v.split([',', ';'])
                        .map(str::trim)
                        .filter(|s| !s.is_empty() && !s.eq_ignore_ascii_case("None"))
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
            root_domain: cell(file, lossy, c_root).map(|r| r.trim().to_ascii_lowercase()),
            ..Default::default()
        };
        ex.domains.push(d);
    }
    Ok(())
}

fn read_federation(
    file: &mut CsvFile<'_>,
    ex: &mut Extract,
    input: &Input<'_>,
    lossy: &mut Tallies,
) -> Result<(), ReadError> {
    let hd = &file.header;
    let c_domain = first(hd, &["DomainName", "Domain", "Name"]);
    let c_brand = hd.find("FederationBrandName");
    let c_issuer = hd.find("IssuerUri");
    let c_passive = hd.find("PassiveLogOnUri");
    let c_active = hd.find("ActiveLogOnUri");
    let c_logoff = hd.find("LogOffUri");
    let c_mex = hd.find("MetadataExchangeUri");
    let c_proto = hd.find("PreferredAuthenticationProtocol");
    let c_signing = hd.find("SigningCertificate");
    let c_next = hd.find("NextSigningCertificate");
    if c_domain.is_none() {
        ex.issue(
            input.at(file.header_line),
            codes::MISSING_FIELDS,
            "MSOnline federation settings carry no domain name and the export has no DomainName column, so the \
             settings cannot be tied to a domain; export again per domain with Microsoft Graph, which names the \
             domain (Graph permission Domain.Read.All): `GET \
             https://graph.microsoft.com/v1.0/domains/<domain>/federationConfiguration`, saved as JSON",
        );
    }
    while file.next_row(ex, input)? {
        let fed = Federation {
            source: input.at(file.line()),
            domain: cell(file, lossy, c_domain).map(|d| d.trim().to_ascii_lowercase()),
            display_name: value(file, lossy, c_brand),
            issuer_uri: value(file, lossy, c_issuer),
            passive_sign_in_uri: value(file, lossy, c_passive),
            active_sign_in_uri: value(file, lossy, c_active),
            sign_out_uri: value(file, lossy, c_logoff),
            metadata_exchange_uri: value(file, lossy, c_mex),
            preferred_authentication_protocol: value(file, lossy, c_proto),
            signing_certificate: value(file, lossy, c_signing),
            next_signing_certificate: value(file, lossy, c_next),
            ..Default::default()
        };
        ex.federations.push(fed);
    }
    Ok(())
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::ingest::Issue;
    use crate::model::Guid;
    use crate::source::FileId;

    const USERS: &str = include_str!("../../tests/fixtures/msol-csv/users.csv");
    const DOMAINS: &str = include_str!("../../tests/fixtures/msol-csv/domains.csv");
    const FEDERATION: &str = include_str!("../../tests/fixtures/msol-csv/federation.csv");

    fn read_text(text: &str) -> Extract {
        read(&Input::new(FileId(0), text)).unwrap()
    }

    fn find<'e>(ex: &'e Extract, code: &str, needle: &str) -> &'e Issue {
        ex.issues
            .iter()
            .find(|i| i.code == code && i.message.contains(needle))
            .unwrap_or_else(|| panic!("no {code} issue containing {needle:?} in {:#?}", ex.issues))
    }

    #[test]
    fn msol_users_with_lossy_lists() {
        assert_eq!(sniff(USERS), Sniff::Yes);
        let ex = read_text(USERS);
        assert_eq!((ex.kind.as_str(), ex.records), ("msol-csv:users", 4));
        assert_eq!(ex.cloud_objects.iter().map(|o| o.source.line).collect::<Vec<_>>(), vec![3, 4, 5, 6]);
        let ann = &ex.cloud_objects[0];
        let anchor = Guid::parse("56f2ea8f-245f-4871-929b-3476fe3cc658").unwrap().immutable_id();
        assert_eq!(ann.immutable_id.as_deref(), Some(anchor.as_str()));
        assert_eq!(ann.id.as_deref(), Some("0b1e7a52-3c4d-4e8f-9a0b-1c2d3e4f5a6b"));
        assert_eq!(
            (ann.on_prem_sync_enabled, ann.on_prem_last_sync.as_deref()),
            (Some(true), Some("3/14/2024 9:12:05 AM"))
        );
        assert_eq!((ann.given_name.as_deref(), ann.surname.as_deref()), (Some("Ann"), Some("Lee")));
        assert_eq!((ann.account_enabled, ann.sync_fields_exported), (Some(true), true));
        assert!(ann.proxy_addresses.is_empty() && ann.licenses.is_empty() && ann.other_mails.is_empty());
        let admin = &ex.cloud_objects[1];
        assert_eq!((admin.immutable_id.as_deref(), admin.on_prem_sync_enabled), (None, None));
        assert!(ex.cloud_objects[2].is_guest());
        let old = &ex.cloud_objects[3];
        assert_eq!(
            old.immutable_id.as_deref(),
            Some(Guid::parse("41414804-a49a-42e1-9a4b-66741a603a21").unwrap().immutable_id().as_str())
        );
        assert_eq!((old.account_enabled, old.on_prem_sync_enabled, old.id.as_deref()), (Some(false), None, None));

        let got: Vec<(&str, u32)> = ex.issues.iter().map(|i| (i.code, i.at.line)).collect();
        assert_eq!(
            got,
            vec![
                (codes::LOSSY_COLUMN, 3),
                (codes::LOSSY_COLUMN, 3),
                (codes::LOSSY_COLUMN, 3),
                (codes::INVALID_VALUE, 6)
            ]
        );
        let p = find(&ex, codes::LOSSY_COLUMN, "`ProxyAddresses`");
        assert!(
            p.message.contains("in 4 rows") && p.message.contains("System.Collections.Generic.List`1[System.String]")
        );
        assert!(p.message.contains("@{n='ProxyAddresses';e={$_.ProxyAddresses -join ';'}}"), "{}", p.message);
        let l = find(&ex, codes::LOSSY_COLUMN, "`Licenses`");
        assert!(l.message.contains("@{n='Licenses';e={($_.Licenses | ForEach-Object AccountSkuId) -join ';'}}"));
        find(&ex, codes::LOSSY_COLUMN, "`AlternateEmailAddresses`");
        find(&ex, codes::INVALID_VALUE, "`ObjectId`");
    }

    /// `n` synced, licensed Get-MsolUser rows (also used by the cross-format sniffer tests).
    pub(in crate::ingest) fn generated_users(n: usize) -> String {
        let mut t = String::from(
            "UserPrincipalName,ObjectId,ImmutableId,LastDirSyncTime,DisplayName,IsLicensed,ProxyAddresses\n",
        );
        for i in 0..n {
            let mut b = [0u8; 16];
            b[..8].copy_from_slice(&(i as u64 + 1).to_le_bytes());
            b[8] = 0x80;
            let g = Guid::from_ad_bytes(&b).unwrap();
            t.push_str(&format!(
                "user{i}@contoso.com,{g},{},2024-05-01 06:00:00,User {i},True,SMTP:user{i}@contoso.com smtp:user{i}@contoso.mail.onmicrosoft.com\n",
                g.immutable_id()
            ));
        }
        t
    }

    #[test]
    fn exactly_500_users_is_an_incomplete_export() {
        let ex = read_text(&generated_users(500));
        assert_eq!(ex.records, 500);
        let i = find(&ex, codes::INCOMPLETE_EXPORT, "-All");
        assert_eq!(i.at.line, 0);
        assert_eq!(ex.issues.len(), 1);
        let last = &ex.cloud_objects[499];
        assert_eq!(last.source.line, 501);
        assert_eq!(last.on_prem_last_sync.as_deref(), Some("2024-05-01T06:00:00"));
        assert_eq!(last.proxy_addresses, vec!["SMTP:user499@contoso.com", "smtp:user499@contoso.mail.onmicrosoft.com"]);
        let g = Guid::parse(last.id.as_deref().unwrap()).unwrap();
        assert_eq!(last.immutable_id, Some(crate::model::Text::from(g.immutable_id())));
        let ex = read_text(&generated_users(499));
        assert!(ex.issues.is_empty(), "{:#?}", ex.issues);
    }

    #[test]
    fn msol_domains() {
        assert_eq!(sniff(DOMAINS), Sniff::Yes);
        let ex = read_text(DOMAINS);
        assert_eq!((ex.kind.as_str(), ex.records), ("msol-csv:domains", 4));
        assert!(ex.issues.is_empty(), "{:#?}", ex.issues);
        let d: Vec<(u32, &str, Option<bool>, Option<&str>)> = ex
            .domains
            .iter()
            .map(|d| (d.source.line, d.name.as_str(), d.is_verified, d.authentication_type.as_deref()))
            .collect();
        assert_eq!(
            d,
            vec![
                (3, "contoso.onmicrosoft.com", Some(true), Some("Managed")),
                (4, "contoso.com", Some(true), Some("Federated")),
                (5, "eu.contoso.com", Some(true), Some("Federated")),
                (6, "fabrikam.com", Some(false), Some("Managed")),
            ]
        );
        assert_eq!(ex.domains[0].supported_services, vec!["Email", "OfficeCommunicationsOnline"]);
        assert_eq!((ex.domains[0].is_initial, ex.domains[1].is_default), (Some(true), Some(true)));
        assert!(ex.domains[2].supported_services.is_empty());
        assert_eq!(ex.domains[2].root_domain.as_deref(), Some("contoso.com"));
    }

    #[test]
    fn msol_federation_with_and_without_domain_column() {
        assert_eq!(sniff(FEDERATION), Sniff::Yes);
        let ex = read_text(FEDERATION);
        assert_eq!((ex.kind.as_str(), ex.records), ("msol-csv:federation", 2));
        assert!(ex.issues.is_empty(), "{:#?}", ex.issues);
        let f = &ex.federations[1];
        assert_eq!((f.source.line, f.domain.as_deref()), (3, Some("eu.contoso.com")));
        assert_eq!(f.issuer_uri.as_deref(), Some("http://eu.contoso.com/adfs/services/trust"));
        assert_eq!(f.passive_sign_in_uri.as_deref(), Some("https://sts.contoso.com/adfs/ls/"));
        assert_eq!(f.next_signing_certificate.as_deref(), Some("MIIC3jCCAcagAwIBAgIQFAKEcontosoNextCert00000"));
        assert_eq!(ex.federations[0].next_signing_certificate, None);

        let t = "#TYPE Microsoft.Online.Administration.DomainFederationSettings\r\n\
                 \"ExtensionData\",\"ActiveLogOnUri\",\"FederationBrandName\",\"IssuerUri\",\"LogOffUri\",\"PassiveLogOnUri\"\r\n\
                 \"System.Runtime.Serialization.ExtensionDataObject\",\"https://sts.contoso.com/adfs/services/trust/2005/usernamemixed\",\"Contoso\",\"http://contoso.com/adfs/services/trust\",\"https://sts.contoso.com/adfs/ls/\",\"https://sts.contoso.com/adfs/ls/\"\r\n";
        let ex = read_text(t);
        assert_eq!(ex.federations[0].domain, None);
        assert_eq!(ex.federations[0].display_name.as_deref(), Some("Contoso"));
        let i = find(&ex, codes::MISSING_FIELDS, "domains/<domain>/federationConfiguration");
        assert_eq!(i.at.line, 2);
        assert_eq!(ex.issues.len(), 1);
    }

    #[test]
    fn other_cloud_csvs_are_unsupported_not_misread() {
        let t = "#TYPE Microsoft.Online.Administration.Group\r\n\"DisplayName\",\"ObjectId\"\r\n";
        assert!(matches!(sniff(t), Sniff::Unsupported(r) if r.contains("`Group`")));
        let azuread = "ObjectId,ObjectType,AccountEnabled,DirSyncEnabled,ImmutableId,UserPrincipalName\n";
        assert!(matches!(sniff(azuread), Sniff::Unsupported(r) if r.contains("AzureAD")));
        let mg = "Id,DisplayName,UserPrincipalName,OnPremisesImmutableId,OnPremisesSyncEnabled\n";
        assert!(matches!(sniff(mg), Sniff::Unsupported(_)));
        // A Get-ADUser export with a computed ImmutableId column stays AD.
        let ad = "SamAccountName,UserPrincipalName,ImmutableId\nann,ann@contoso.com,j+ryVl8kcUiSmzR2/jzGWA==\n";
        assert_eq!(sniff(ad), Sniff::No);
    }

    #[test]
    fn msol_users_with_when_created_column_are_not_ad() {
        let text = "\"UserPrincipalName\",\"DisplayName\",\"ObjectId\",\"ImmutableId\",\"LastDirSyncTime\",\"IsLicensed\",\"WhenCreated\"\n\
            \"ann@fabrikam.com\",\"Ann\",\"978e28f2-4008-4120-8b69-299b280cf74b\",\"f3OgpXpF1kiY73maeC+Q4w==\",\"6/1/2026 1:25:50 AM\",\"True\",\"12/18/2022 11:00:00 AM\"\n";
        assert_eq!(sniff(text), Sniff::Yes);
        assert_eq!(crate::ingest::detect(text).map(|(f, _)| f.name), Some("msol-csv"));
    }
}
