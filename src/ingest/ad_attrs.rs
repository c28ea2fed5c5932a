//! The AD attribute mapping the AD CSV readers share (`ad-csv` and `csvde`): which columns name
//! which [`AdObject`] field ([`ALIASES`], LDAP and PowerShell spellings), the row mapper
//! ([`AdMapper`]) with its tallies of lossy and unparsable cells, the class of rows without an
//! `ObjectClass` value ([`default_class`]) and the columns only an AD export has ([`AD_MARKERS`]).
//! It sits below the readers: they import it, it imports no reader.

use super::csv_util::{self, CsvFile, Header, Tallies};
use super::{Extract, Input, codes};
use crate::ingest::text::TrimFast as _;
use crate::model::text::{Column, in_column};
use crate::model::{AdClass, AdObject, EXTRA_ATTRIBUTES, Guid, List, Text};
use crate::source::SourceRef;

/// Columns only an Active Directory export has (UserPrincipalName, mail... are shared with cloud exports).
pub(super) const AD_MARKERS: &[&str] = &[
    "DistinguishedName",
    "ObjectGUID",
    "SamAccountName",
    "SID",
    "objectSid",
    "mS-DS-ConsistencyGuid",
    "userAccountControl",
    "CanonicalName",
    "ObjectClass",
    "sAMAccountType",
    "GroupScope",
    "GroupCategory",
    "whenCreated",
    "whenChanged",
    "isCriticalSystemObject",
    "msExchRecipientTypeDetails",
];

/// The class a `#TYPE` implies (`None` for ADObject, ADPrincipal, ADAccount...).
fn class_from_type(type_name: &str) -> Option<AdClass> {
    let t = type_name.trim_start_matches("Selected.").strip_prefix("Microsoft.ActiveDirectory.Management.")?;
    match t {
        "ADUser" => Some(AdClass::User),
        "ADGroup" => Some(AdClass::Group),
        "ADComputer" => Some(AdClass::Computer),
        "ADOrganizationalUnit" => Some(AdClass::Other("organizationalUnit".into())),
        _ => None,
    }
}

/// Field indices into [`ALIASES`].
mod f {
    pub const DN: usize = 0;
    pub const CN: usize = 1;
    pub const CLASS: usize = 2;
    pub const GUID: usize = 3;
    pub const SID: usize = 4;
    pub const UPN: usize = 5;
    pub const SAM: usize = 6;
    pub const MAIL: usize = 7;
    pub const NICK: usize = 8;
    pub const PROXY: usize = 9;
    pub const TARGET: usize = 10;
    pub const DISPLAY: usize = 11;
    pub const GIVEN: usize = 12;
    pub const SN: usize = 13;
    pub const EMPLOYEE: usize = 14;
    pub const UAC: usize = 15;
    pub const ENABLED: usize = 16;
    pub const CRITICAL: usize = 17;
    pub const RECIPIENT: usize = 18;
    pub const HIDE: usize = 19;
    pub const CREATED: usize = 20;
    pub const CHANGED: usize = 21;
    pub const CONSISTENCY: usize = 22;
    pub const SPN: usize = 23;
    pub const ADMIN_COUNT: usize = 24;
    pub const SID_HISTORY: usize = 25;
    pub const COUNT: usize = 26;
}

/// Column names of each field, preferred first (matched ignoring case; csvde's LDAP names included).
pub(super) const ALIASES: [&[&str]; f::COUNT] = [
    &["DistinguishedName", "DN"],
    &["cn", "Name"],
    &["ObjectClass"],
    &["ObjectGUID"],
    &["objectSid", "SID"],
    &["UserPrincipalName"],
    &["SamAccountName"],
    &["mail", "EmailAddress"],
    &["mailNickname"],
    &["proxyAddresses"],
    &["targetAddress"],
    &["DisplayName"],
    &["GivenName"],
    &["sn", "Surname"],
    &["employeeID"],
    &["userAccountControl"],
    &["Enabled"],
    &["isCriticalSystemObject"],
    &["msExchRecipientTypeDetails"],
    &["msExchHideFromAddressLists"],
    &["whenCreated", "Created", "createTimeStamp"],
    &["whenChanged", "Modified", "modifyTimeStamp"],
    &["mS-DS-ConsistencyGuid", "msDS-ConsistencyGuid"],
    &["servicePrincipalName", "ServicePrincipalNames"],
    &["adminCount"],
    &["sIDHistory", "SIDHistory"],
];

/// Maps rows of an AD export (Export-Csv or csvde) to [`AdObject`]s, tallying lossy and bad values.
pub(super) struct AdMapper {
    cols: Vec<Vec<usize>>,
    /// Columns of [`EXTRA_ATTRIBUTES`] present in the header: (attribute name, columns).
    extra: Vec<(&'static str, Vec<usize>)>,
    lossy: Tallies,
    invalid: Tallies,
    /// Rows with `?` in a name field, and the first line (only counted for Windows PowerShell 5.1 files).
    qmarks: Option<(usize, u32)>,
    check_qmarks: bool,
    default_class: AdClass,
}

impl AdMapper {
    /// Columns of `header`; `check_qmarks` counts `?` in names (Windows PowerShell 5.1 ASCII output).
    pub(super) fn new(header: &Header, default_class: AdClass, check_qmarks: bool) -> Self {
        Self {
            cols: ALIASES.iter().map(|names| header.find_all(names)).collect(),
            extra: EXTRA_ATTRIBUTES
                .iter()
                .map(|a| (*a, header.find_all(&[a])))
                .filter(|(_, c)| !c.is_empty())
                .collect(),
            lossy: Tallies::default(),
            invalid: Tallies::default(),
            qmarks: None,
            check_qmarks,
            default_class,
        }
    }

    fn has(&self, field: usize) -> bool {
        self.cols.get(field).is_some_and(|c| !c.is_empty())
    }

    /// Whether the header has an `ObjectClass` column.
    pub(super) fn has_class_column(&self) -> bool {
        self.has(f::CLASS)
    }

    /// The first non-empty, non-lossy value of a field, with its column.
    fn take<'f>(&mut self, file: &'f CsvFile<'_>, field: usize) -> Option<(usize, &'f str)> {
        let cols = self.cols.get(field)?;
        for &c in cols {
            let Some(v) = file.get(c) else { continue };
            if csv_util::is_type_name(v) {
                self.lossy.note(c, file.line(), v, "");
                continue;
            }
            return Some((c, v));
        }
        None
    }

    fn text(&mut self, file: &CsvFile<'_>, field: usize) -> Option<Text> {
        self.take(file, field).map(|(_, v)| Text::from(v))
    }

    /// [`Self::text`], stored as part of one of `places` when it occurs in it ([`Text::within`]).
    fn text_within<'p>(
        &mut self,
        file: &CsvFile<'_>,
        field: usize,
        places: impl IntoIterator<Item = &'p Text>,
    ) -> Option<Text> {
        self.take(file, field).map(|(_, v)| Text::within(v, places))
    }

    /// A parsed value; unparsable ones are tallied as `IN008` and give `None`.
    fn parsed<T>(
        &mut self,
        file: &CsvFile<'_>,
        field: usize,
        expected: &'static str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Option<T> {
        let (c, v) = self.take(file, field)?;
        let out = parse(v);
        if out.is_none() {
            self.invalid.note(c, file.line(), v, expected);
        }
        out
    }

    /// One object from the current row.
    pub(super) fn map_row(&mut self, file: &CsvFile<'_>, at: SourceRef) -> AdObject {
        let mut o = AdObject { source: at, ..Default::default() };
        // Values inside the object's other values are stored as parts of them: the name in the DN,
        // the UPN and the SAM account name in the proxy addresses, mail and nickname in the UPN.
        // The attributes rules read for every object go to arena columns of their own (`in_column`).
        o.dn = in_column(Column::Dn, || self.text(file, f::DN));
        o.cn = in_column(Column::Names, || self.text_within(file, f::CN, &o.dn));
        o.class = self
            .take(file, f::CLASS)
            .and_then(|(_, v)| csv_util::split_multi::<String>(v).pop())
            .map(|c| AdClass::from_ldap(&c))
            .unwrap_or_else(|| self.default_class.clone());
        o.object_guid = self.parsed(file, f::GUID, "a GUID", parse_guid);
        o.object_sid =
            in_column(Column::Sids, || self.parsed(file, f::SID, "a SID (S-1-5-...)", parse_sid).map(Text::from));
        // SID history of a migrated account: `-join ';'` of SIDs, or csvde's `X'…'` values separated by `;`.
        o.sid_history = self
            .parsed(file, f::SID_HISTORY, "SIDs (S-1-5-...) separated by ;", |v| {
                v.split(|c: char| c == ';' || c.is_whitespace())
                    .filter(|s| !s.is_empty())
                    .map(|s| parse_sid(s).map(Text::from))
                    .collect::<Option<Vec<Text>>>()
            })
            .map(List::from)
            .unwrap_or_default();
        o.consistency_guid =
            self.parsed(file, f::CONSISTENCY, "Base64, GUID text or hex bytes", csv_util::parse_binary).map(List::from);
        o.proxy_addresses = in_column(Column::Addresses, || {
            self.take(file, f::PROXY).map(|(_, v)| csv_util::split_proxy_addresses(v)).unwrap_or_default()
        })
        .into();
        o.upn = in_column(Column::Upn, || self.text_within(file, f::UPN, &*o.proxy_addresses));
        o.sam_account_name = in_column(Column::Names, || self.text_within(file, f::SAM, &*o.proxy_addresses));
        in_column(Column::Addresses, || {
            o.mail = self.text_within(file, f::MAIL, o.upn.iter().chain(&*o.proxy_addresses));
            o.mail_nickname = self.text_within(file, f::NICK, o.upn.iter().chain(&*o.proxy_addresses));
            o.target_address = self.text_within(file, f::TARGET, &*o.proxy_addresses);
        });
        in_column(Column::Names, || {
            o.display_name = self.text_within(file, f::DISPLAY, o.cn.iter().chain(&o.dn));
            o.given_name = self.text_within(file, f::GIVEN, o.display_name.iter().chain(&o.dn));
            o.sn = self.text_within(file, f::SN, o.display_name.iter().chain(&o.dn));
        });
        o.employee_id = self.text(file, f::EMPLOYEE);
        // The SPNs are only counted; `-join ';'` (or a space-separated `"$(...)"`) separates them.
        o.spn_count = self
            .text(file, f::SPN)
            .map_or(0, |v| v.split(|c: char| c == ';' || c.is_whitespace()).filter(|s| !s.is_empty()).count() as u32);
        o.admin_count = self.parsed(file, f::ADMIN_COUNT, "a number", |v| v.trim_fast().parse::<i32>().ok());
        o.user_account_control = self.parsed(file, f::UAC, "a number", |v| v.trim_fast().parse::<u32>().ok());
        o.enabled = self
            .parsed(file, f::ENABLED, "True or False", csv_util::parse_bool)
            .or_else(|| o.user_account_control.map(|uac| uac & 0x2 == 0));
        o.is_critical_system_object = self.parsed(file, f::CRITICAL, "True or False", csv_util::parse_bool);
        o.ms_exch_recipient_type_details =
            self.parsed(file, f::RECIPIENT, "a number", |v| v.trim_fast().parse::<i64>().ok());
        o.ms_exch_hide_from_address_lists = self.parsed(file, f::HIDE, "True or False", csv_util::parse_bool);
        o.when_created = self.take(file, f::CREATED).map(|(_, v)| Text::from(csv_util::normalize_time(v)));
        o.when_changed = self.take(file, f::CHANGED).map(|(_, v)| Text::from(csv_util::normalize_time(v)));
        for (name, cols) in &self.extra {
            for &c in cols {
                let Some(v) = file.get(c).map(str::trim).filter(|v| !v.is_empty()) else { continue };
                if csv_util::is_type_name(v) {
                    self.lossy.note(c, file.line(), v, "");
                    continue;
                }
                o.extra.push((Text::from_static(name), Text::from(v)));
                break;
            }
        }
        if self.check_qmarks {
            let names = [&o.display_name, &o.given_name, &o.sn, &o.cn, &o.dn];
            if names.iter().any(|n| n.as_deref().is_some_and(|s| s.contains('?'))) {
                let q = self.qmarks.get_or_insert((0, file.line()));
                q.0 += 1;
            }
        }
        o
    }

    /// Emits the aggregated issues (`IN001`, `IN008`, `IN006`).
    pub(super) fn finish(&self, header: &Header, ex: &mut Extract, input: &Input<'_>) {
        csv_util::report_lossy(ex, input, header, &self.lossy, csv_util::flatten_fix);
        csv_util::report_invalid(ex, input, header, &self.invalid);
        if let Some((n, first)) = self.qmarks {
            ex.issue(
                input.at(first),
                codes::ENCODING,
                format!(
                    "{} with `?` in a name (first at line {first}): Windows PowerShell 5.1 `Export-Csv` writes ASCII \
                     by default and replaces every non-ASCII character with `?`; export again with \
                     `Export-Csv -Encoding UTF8`",
                    csv_util::rows(n)
                ),
            );
        }
    }

    /// `IN003` when columns the anchor and matching rules need are missing. Computers need only
    /// ObjectGUID; groups ObjectGUID and mail/proxyAddresses; users (and unknown classes) everything.
    pub(super) fn missing_columns(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if !self.has(f::GUID) {
            missing.push("ObjectGUID");
        }
        if self.default_class == AdClass::Computer && !self.has(f::CLASS) {
            return missing;
        }
        let group = self.default_class == AdClass::Group && !self.has(f::CLASS);
        if !group && !self.has(f::CONSISTENCY) {
            missing.push("mS-DS-ConsistencyGuid");
        }
        if !self.has(f::PROXY) && !self.has(f::MAIL) {
            missing.push("proxyAddresses");
            missing.push("mail");
        }
        if !group && !self.has(f::UPN) {
            missing.push("UserPrincipalName");
        }
        missing
    }
}

fn parse_guid(v: &str) -> Option<Guid> {
    Guid::parse(v).or_else(|| {
        crate::model::anchor::decode_csvde_hex(v).filter(|b| b.len() == 16).and_then(|b| Guid::from_ad_bytes(&b))
    })
}

fn parse_sid(v: &str) -> Option<String> {
    let t = v.trim_fast();
    if csv_util::is_sid_text(t) {
        return Some(t.to_ascii_uppercase());
    }
    crate::model::anchor::decode_csvde_hex(t).and_then(|b| csv_util::sid_to_string(&b))
}

/// The class of rows without an ObjectClass value, and whether it is a guess from no user-ish column.
pub(super) fn default_class(type_name: Option<&str>, header: &Header) -> (AdClass, bool) {
    if let Some(c) = type_name.and_then(class_from_type) {
        return (c, false);
    }
    if header.has_any(&["GroupScope", "GroupCategory", "member", "Members"]) {
        return (AdClass::Group, false);
    }
    if header.has_any(&["DNSHostName", "OperatingSystem", "IPv4Address"]) {
        return (AdClass::Computer, false);
    }
    let userish = header.has_any(&[
        "SamAccountName",
        "UserPrincipalName",
        "GivenName",
        "Surname",
        "sn",
        "EmailAddress",
        "mail",
        "Enabled",
        "userAccountControl",
    ]);
    (AdClass::User, !userish)
}
