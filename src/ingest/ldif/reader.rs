//! The format's reader: each complete entry mapped to an [`AdObject`] (only mapped attributes are
//! decoded), with the value parsers (SIDs, GeneralizedTime, flags) and the issues about the file.

use super::records::*;
use crate::ingest::text::TrimFast as _;
use crate::ingest::{Extract, Input, ReadError, codes};
use crate::model::text::{Column, in_column};
use crate::model::{AdClass, AdObject, Guid, extra_attribute};
use std::collections::BTreeMap;

/// Individual `IN002` issues reported per file before they are summarised.
pub(super) const MAX_LINE_ISSUES: usize = 20;
/// Class given to entries whose `objectClass` was not exported.
pub(super) const UNKNOWN_CLASS: &str = "unknown";

// ------------------------------------------------------------------------------------------------
// Mapping to AdObject

/// Mapped attributes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Field {
    Cn,
    ObjectClass,
    ObjectGuid,
    ObjectSid,
    SidHistory,
    ConsistencyGuid,
    Upn,
    Sam,
    Mail,
    MailNickname,
    ProxyAddresses,
    TargetAddress,
    DisplayName,
    GivenName,
    Sn,
    EmployeeId,
    Uac,
    Critical,
    RecipientTypeDetails,
    HideFromAddressLists,
    GroupType,
    HomeMdb,
    WhenCreated,
    WhenChanged,
    Spn,
    AdminCount,
}

/// LDAP names of the mapped attributes (matched case-insensitively).
pub(super) const FIELDS: &[(&str, Field)] = &[
    ("cn", Field::Cn),
    ("objectClass", Field::ObjectClass),
    ("objectGUID", Field::ObjectGuid),
    ("objectSid", Field::ObjectSid),
    ("sIDHistory", Field::SidHistory),
    ("mS-DS-ConsistencyGuid", Field::ConsistencyGuid),
    ("userPrincipalName", Field::Upn),
    ("sAMAccountName", Field::Sam),
    ("mail", Field::Mail),
    ("mailNickname", Field::MailNickname),
    ("proxyAddresses", Field::ProxyAddresses),
    ("targetAddress", Field::TargetAddress),
    ("displayName", Field::DisplayName),
    ("givenName", Field::GivenName),
    ("sn", Field::Sn),
    ("employeeID", Field::EmployeeId),
    ("userAccountControl", Field::Uac),
    ("isCriticalSystemObject", Field::Critical),
    ("msExchRecipientTypeDetails", Field::RecipientTypeDetails),
    ("msExchHideFromAddressLists", Field::HideFromAddressLists),
    ("groupType", Field::GroupType),
    ("homeMDB", Field::HomeMdb),
    ("whenCreated", Field::WhenCreated),
    ("whenChanged", Field::WhenChanged),
    ("servicePrincipalName", Field::Spn),
    ("adminCount", Field::AdminCount),
];

pub(super) fn field_of(name: &str) -> Option<(&'static str, Field)> {
    FIELDS.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).copied()
}

/// A repeated problem: how often, where first, and what the first one looked like.
#[derive(Debug, Default)]
pub(super) struct Agg {
    pub(super) count: usize,
    pub(super) first_line: u32,
    pub(super) detail: String,
}

impl Agg {
    pub(super) fn add(&mut self, line: u32, detail: impl FnOnce() -> String) {
        if self.count == 0 {
            self.first_line = line;
            self.detail = detail();
        }
        self.count += 1;
    }
}

/// Reader state for one file.
pub(super) struct Reader<'i> {
    pub(super) input: &'i Input<'i>,
    pub(super) ex: Extract,
    /// `IN002` issues shown so far, and the ones summarised.
    pub(super) shown: usize,
    pub(super) hidden: Agg,
    /// `IN008` per attribute.
    pub(super) invalid: BTreeMap<&'static str, Agg>,
    /// Single-valued attributes with several values (`IN008`).
    pub(super) multi: BTreeMap<&'static str, Agg>,
    /// Ranged attributes (`IN005`), by lower-case name.
    pub(super) ranges: BTreeMap<String, Agg>,
    pub(super) dn_only: Agg,
    pub(super) no_class: Agg,
    pub(super) changes: Agg,
    pub(super) truncated: Option<(u32, u32)>,
}

impl<'i> Reader<'i> {
    pub(super) fn new(input: &'i Input<'i>) -> Self {
        Self {
            input,
            ex: Extract::new("ldif"),
            shown: 0,
            hidden: Agg::default(),
            invalid: BTreeMap::new(),
            multi: BTreeMap::new(),
            ranges: BTreeMap::new(),
            dn_only: Agg::default(),
            no_class: Agg::default(),
            changes: Agg::default(),
            truncated: None,
        }
    }

    /// An `IN002` issue, individually up to [`MAX_LINE_ISSUES`], then summarised.
    pub(super) fn line_issue(&mut self, line: u32, message: impl FnOnce() -> String) {
        if self.shown < MAX_LINE_ISSUES {
            self.shown += 1;
            let at = self.input.at(line);
            self.ex.issue(at, codes::UNREADABLE_RECORD, message());
        } else {
            self.hidden.add(line, String::new);
        }
    }

    pub(super) fn invalid(&mut self, name: &'static str, line: u32, detail: impl FnOnce() -> String) {
        self.invalid.entry(name).or_default().add(line, detail);
    }

    pub(super) fn item(&mut self, item: Item<'_>) {
        match item {
            Item::Entry(e) => self.entry(e),
            Item::Junk { line, text, entry } => self.line_issue(line, || match entry {
                None => format!(
                    "line {line} is not part of an LDIF entry and was skipped: {} (a shell prompt, command \
                     or note pasted into the export?)",
                    excerpt(&text)
                ),
                Some(e) => format!(
                    "line {line} inside the entry starting at line {e} is not an `attribute: value` line and was \
                     skipped: {}",
                    excerpt(&text)
                ),
            }),
            Item::MissingSeparator { line } => self.line_issue(line, || {
                format!(
                    "the `dn:` line {line} starts a new entry without a blank line after the previous one; read as \
                     a new entry (check the export for lines lost around it)"
                )
            }),
            Item::Change { line, changetype } => {
                self.changes.add(line, || changetype.clone());
                self.line_issue(line, || {
                    format!(
                        "change record `changetype: {changetype}` at line {line} skipped: this is an LDIF change \
                         file, not a directory export; only entries and `changetype: add` records are read"
                    )
                });
            }
            Item::Result { line, text } => {
                let code = text.split_whitespace().next().unwrap_or("");
                if code != "0" {
                    let at = self.input.at(line);
                    self.ex.issue(
                        at,
                        codes::INCOMPLETE_EXPORT,
                        format!(
                            "ldapsearch ended with `result: {}`: the search did not complete and the export is \
                             missing objects; fix the cause (e.g. use paged results `-E pr=500/noprompt` for a size \
                             limit) and re-run it",
                            text.trim_fast()
                        ),
                    );
                }
            }
            Item::Truncated { line, cut_line } => self.truncated = Some((line, cut_line)),
        }
    }

    pub(super) fn entry(&mut self, e: RawEntry<'_>) {
        let mut o = AdObject {
            source: self.input.at(e.line),
            class: AdClass::Other(UNKNOWN_CLASS.to_string()),
            ..AdObject::default()
        };
        match e.dn.text_value() {
            Ok(dn) if dn.trim_fast().is_empty() => {
                self.line_issue(e.line, || {
                    format!("entry at line {} has an empty dn (the root DSE): not a directory object, skipped", e.line)
                });
                return;
            }
            Ok(dn) => o.dn = Some(in_column(Column::Dn, || dn.into())),
            Err(why) => {
                let raw = e.dn.raw_value();
                self.invalid("dn", e.line, || format!("the value {why} ({})", excerpt(raw)));
            }
        }
        // Bit set of single-valued fields already set from a value without options.
        let mut plain_set: u32 = 0;
        // Bit set of single-valued fields already filled (from any value).
        let mut filled: u32 = 0;
        let mut has_class = false;
        for a in &e.attrs {
            let mut tagged = false;
            for opt in a.options() {
                if opt.get(..6).is_some_and(|p| p.eq_ignore_ascii_case("range=")) {
                    let end = opt.get(6..).and_then(|r| r.split_once('-')).map(|(_, e)| e);
                    if end != Some("*") {
                        let desc = a.desc().to_string();
                        self.ranges.entry(a.base().to_ascii_lowercase()).or_default().add(a.line, || desc);
                    }
                } else if !opt.eq_ignore_ascii_case("binary") {
                    tagged = true;
                }
            }
            if a.kind == ValueKind::Url {
                let (desc, url, line) = (a.desc(), a.raw_value(), a.line);
                self.line_issue(line, || {
                    format!(
                        "`{desc}` at line {line} refers to a URL ({}) instead of holding its value; URLs are not \
                         fetched, so the value was skipped: export the value inline",
                        excerpt(url)
                    )
                });
                continue;
            }
            if let Some(extra) = extra_attribute(a.base()) {
                // Free-text attributes kept for account-link rules: the first plain value wins.
                if !tagged && o.extra(extra).is_none() {
                    match a.text_value() {
                        Ok(v) if !v.trim_fast().is_empty() => {
                            o.extra.push((crate::model::Text::from_static(extra), v.trim_fast().into()))
                        }
                        Ok(_) => {}
                        Err(why) => self.invalid(extra, a.line, || why),
                    }
                }
                continue;
            }
            let Some((name, field)) = field_of(a.base()) else { continue };
            let bit = 1u32 << (field as u32);
            match field {
                Field::ObjectClass => match a.text_value() {
                    Ok(v) => {
                        has_class = true;
                        o.class = AdClass::from_ldap(v.trim_fast());
                    }
                    Err(why) => self.invalid(name, a.line, || why),
                },
                Field::ProxyAddresses => match a.text_value() {
                    Ok(v) => o.proxy_addresses.push(in_column(Column::Addresses, || v.into())),
                    Err(why) => self.invalid(name, a.line, || why),
                },
                // Only counted: the fix files leave accounts with SPNs alone.
                Field::Spn => o.spn_count = o.spn_count.saturating_add(1),
                Field::SidHistory => match a.bytes() {
                    Ok(b) => match sid_value(&b) {
                        Some(sid) => o.sid_history.push(sid.into()),
                        None => {
                            let n = b.len();
                            self.invalid(name, a.line, || {
                                format!("the value ({n} bytes) is not a binary SID or `S-1-...` text")
                            });
                        }
                    },
                    Err(why) => self.invalid(name, a.line, || format!("the value {why}")),
                },
                _ => {
                    let already = plain_set & bit != 0;
                    if already {
                        if !tagged {
                            self.multi.entry(name).or_default().add(a.line, String::new);
                        }
                        continue;
                    }
                    // A value with options (`cn;lang-fr`) fills the field only until a plain value comes.
                    if !tagged {
                        plain_set |= bit;
                    } else if filled & bit != 0 {
                        continue;
                    }
                    filled |= bit;
                    self.apply(&mut o, name, field, a);
                }
            }
        }
        if e.attrs.is_empty() {
            self.dn_only.add(e.line, String::new);
        } else if !has_class {
            self.no_class.add(e.line, String::new);
        }
        self.ex.ad_objects.push(o);
    }

    /// Sets one single-valued field from `a`, reporting values that do not parse.
    pub(super) fn apply(&mut self, o: &mut AdObject, name: &'static str, field: Field, a: &RawAttr<'_>) {
        let line = a.line;
        match field {
            Field::ObjectGuid => match a.bytes() {
                Ok(b) => {
                    o.object_guid = guid_value(&b);
                    if o.object_guid.is_none() {
                        let n = b.len();
                        self.invalid(name, line, || format!("the value is {n} bytes, not a 16-byte GUID or GUID text"));
                    }
                }
                Err(why) => self.invalid(name, line, || format!("the value {why}")),
            },
            Field::ObjectSid => match a.bytes() {
                Ok(b) => {
                    o.object_sid = in_column(Column::Sids, || sid_value(&b).map(Into::into));
                    if o.object_sid.is_none() {
                        let n = b.len();
                        self.invalid(name, line, || {
                            format!("the value ({n} bytes) is not a binary SID or `S-1-...` text")
                        });
                    }
                }
                Err(why) => self.invalid(name, line, || format!("the value {why}")),
            },
            Field::ConsistencyGuid => match a.bytes() {
                Ok(b) => o.consistency_guid = Some(b.into_owned().into()),
                Err(why) => self.invalid(name, line, || format!("the value {why}")),
            },
            _ => {
                let v = match a.text_value() {
                    Ok(v) => v,
                    Err(why) => {
                        self.invalid(name, line, || format!("the value {why}"));
                        return;
                    }
                };
                let bad = |what: &str| format!("`{}` is not {what}", excerpt(&v));
                match field {
                    Field::Uac => match parse_uac(&v) {
                        Some(u) => {
                            o.user_account_control = Some(u);
                            o.enabled = Some(u & 0x2 == 0);
                        }
                        None => self.invalid(name, line, || bad("a decimal 32-bit number")),
                    },
                    Field::Critical => {
                        o.is_critical_system_object = parse_bool(&v);
                        if o.is_critical_system_object.is_none() {
                            self.invalid(name, line, || bad("TRUE or FALSE"));
                        }
                    }
                    Field::HideFromAddressLists => {
                        o.ms_exch_hide_from_address_lists = parse_bool(&v);
                        if o.ms_exch_hide_from_address_lists.is_none() {
                            self.invalid(name, line, || bad("TRUE or FALSE"));
                        }
                    }
                    Field::RecipientTypeDetails => {
                        o.ms_exch_recipient_type_details = v.trim_fast().parse().ok();
                        if o.ms_exch_recipient_type_details.is_none() {
                            self.invalid(name, line, || bad("a decimal number"));
                        }
                    }
                    Field::AdminCount => {
                        o.admin_count = v.trim_fast().parse().ok();
                        if o.admin_count.is_none() {
                            self.invalid(name, line, || bad("a decimal number"));
                        }
                    }
                    Field::GroupType => {
                        o.group_type = v.trim_fast().parse().ok();
                        if o.group_type.is_none() {
                            self.invalid(name, line, || bad("a decimal number"));
                        }
                    }
                    Field::WhenCreated | Field::WhenChanged => {
                        let t = generalized_time(&v);
                        if t.is_none() {
                            self.invalid(name, line, || bad("a GeneralizedTime such as `20240131120000.0Z`"));
                        }
                        if field == Field::WhenCreated {
                            o.when_created = t.map(Into::into);
                        } else {
                            o.when_changed = t.map(Into::into);
                        }
                    }
                    _ if text_slot(o, field).is_some() => {
                        // The names inside the DN and mail or nickname inside the UPN are stored as
                        // parts of them (the DN comes first in an entry).
                        let t =
                            in_column(column_of(field), || crate::model::Text::within(&v, o.dn.iter().chain(&o.upn)));
                        if let Some(slot) = text_slot(o, field) {
                            *slot = Some(t);
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    pub(super) fn finish(mut self) -> Result<Extract, ReadError> {
        if self.ex.ad_objects.is_empty() {
            if let Some((line, _)) = self.truncated {
                return Err(ReadError::new(
                    line,
                    format!(
                        "file ends in the middle of its first entry (line {line}) and holds no complete entry: the \
                         export was truncated; re-run it"
                    ),
                ));
            }
            if self.changes.count > 0 {
                return Err(ReadError::new(
                    self.changes.first_line,
                    format!(
                        "this is an LDIF change file ({} `changetype: {}`-style records) with no entries: it changes a \
                         directory instead of describing one; export the directory with `ldifde -f export.ldf` or \
                         `ldapsearch ... > export.ldif`",
                        self.changes.count, self.changes.detail
                    ),
                ));
            }
        }
        let whole = self.input.at(0);
        if self.hidden.count > 0 {
            let at = self.input.at(self.hidden.first_line);
            self.ex.issue(
                at,
                codes::UNREADABLE_RECORD,
                format!(
                    "{} more unreadable lines or skipped records like the ones above (first at line {}) were not \
                     listed individually",
                    self.hidden.count, self.hidden.first_line
                ),
            );
        }
        if let Some((line, cut)) = self.truncated {
            let at = self.input.at(line);
            self.ex.issue(
                at,
                codes::INCOMPLETE_EXPORT,
                format!(
                    "the file ends in the middle of the entry starting at line {line} (line {cut} has no line break): \
                     that entry was not read and anything after it is missing; the export looks truncated, re-run it"
                ),
            );
        }
        for (name, agg) in std::mem::take(&mut self.ranges) {
            let at = self.input.at(agg.first_line);
            self.ex.issue(
                at,
                codes::INCOMPLETE_EXPORT,
                format!(
                    "`{}` holds only part of the values of `{name}` on {} (first at line {}): the server \
                     returned a ranged (partial) attribute and the remaining values are missing; export with a tool \
                     that retrieves every range (ldifde, Get-ADObject)",
                    agg.detail,
                    count_entries(agg.count),
                    agg.first_line
                ),
            );
        }
        if self.dn_only.count > 0 {
            let at = self.input.at(self.dn_only.first_line);
            self.ex.issue(
                at,
                codes::MISSING_FIELDS,
                format!(
                    "{} only a dn and no attributes (first at line {}): the account that ran the export \
                     could not read them (an anonymous or low-privilege bind hides attributes behind ACLs); they are \
                     kept with an unknown class; re-run the export with an authenticated bind",
                    have(self.dn_only.count),
                    self.dn_only.first_line
                ),
            );
        }
        if self.no_class.count > 0 {
            let at = self.input.at(self.no_class.first_line);
            self.ex.issue(
                at,
                codes::MISSING_FIELDS,
                format!(
                    "{} attributes but no objectClass (first at line {}): their class is unknown, so \
                     checks of users, groups and contacts skip them; add objectClass to the exported attributes",
                    have(self.no_class.count),
                    self.no_class.first_line
                ),
            );
        }
        for (name, agg) in std::mem::take(&mut self.invalid) {
            let at = self.input.at(agg.first_line);
            self.ex.issue(
                at,
                codes::INVALID_VALUE,
                format!(
                    "`{name}` could not be read on {} (first at line {}: {}); the field was left empty",
                    count_entries(agg.count),
                    agg.first_line,
                    agg.detail
                ),
            );
        }
        for (name, agg) in std::mem::take(&mut self.multi) {
            let at = self.input.at(agg.first_line);
            self.ex.issue(
                at,
                codes::INVALID_VALUE,
                format!(
                    "`{name}` has several values on {} (first extra value at line {}) although the analysis \
                     expects one; the first value was used",
                    count_entries(agg.count),
                    agg.first_line
                ),
            );
        }
        if self.ex.ad_objects.is_empty() {
            self.ex.issue(
                whole,
                codes::EMPTY_EXPORT,
                "the LDIF file holds no entries: check the search base and filter of the export, and that the \
                 account could read the directory",
            );
        }
        self.ex.count_records();
        Ok(self.ex)
    }
}

/// `1 entry` / `N entries`.
pub(super) fn count_entries(n: usize) -> String {
    if n == 1 { "1 entry".to_string() } else { format!("{n} entries") }
}

/// `1 entry has` / `N entries have`.
pub(super) fn have(n: usize) -> String {
    if n == 1 { "1 entry has".to_string() } else { format!("{n} entries have") }
}

/// The arena column a text field's values are stored in ([`in_column`]).
fn column_of(field: Field) -> Column {
    match field {
        Field::Upn => Column::Upn,
        Field::Mail | Field::MailNickname | Field::TargetAddress => Column::Addresses,
        Field::Cn | Field::Sam | Field::DisplayName | Field::GivenName | Field::Sn => Column::Names,
        _ => Column::Other,
    }
}

/// The text field a mapped attribute fills.
pub(super) fn text_slot(o: &mut AdObject, field: Field) -> Option<&mut Option<crate::model::Text>> {
    Some(match field {
        Field::Cn => &mut o.cn,
        Field::Upn => &mut o.upn,
        Field::Sam => &mut o.sam_account_name,
        Field::Mail => &mut o.mail,
        Field::MailNickname => &mut o.mail_nickname,
        Field::TargetAddress => &mut o.target_address,
        Field::DisplayName => &mut o.display_name,
        Field::GivenName => &mut o.given_name,
        Field::Sn => &mut o.sn,
        Field::EmployeeId => &mut o.employee_id,
        Field::HomeMdb => &mut o.home_mdb,
        _ => return None,
    })
}

/// First 60 characters of a line or value, quoted.
pub(super) fn excerpt(s: &str) -> String {
    let mut out: String = s.chars().take(60).collect();
    if s.chars().nth(60).is_some() {
        out.push('…');
    }
    format!("`{out}`")
}

/// objectGUID: 16 raw bytes (AD layout), or GUID text written as the value.
pub(super) fn guid_value(b: &[u8]) -> Option<Guid> {
    if b.len() == 16 {
        return Guid::from_ad_bytes(b);
    }
    std::str::from_utf8(b).ok().and_then(Guid::parse)
}

/// objectSid: a binary SID, or `S-1-...` text written as the value.
pub(super) fn sid_value(b: &[u8]) -> Option<String> {
    if let Some(s) = sid_to_string(b) {
        return Some(s);
    }
    let t = std::str::from_utf8(b).ok()?.trim_fast();
    let rest = t.strip_prefix("S-1-").or_else(|| t.strip_prefix("s-1-"))?;
    let ok = !rest.is_empty() && rest.split('-').all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()));
    ok.then(|| format!("S-1-{rest}"))
}

/// Decodes a binary SID: revision 1, sub-authority count, 48-bit big-endian identifier authority,
/// little-endian 32-bit sub-authorities. `None` unless the length matches the count exactly.
pub fn sid_to_string(b: &[u8]) -> Option<String> {
    let (&revision, rest) = b.split_first()?;
    let (&count, rest) = rest.split_first()?;
    let count = usize::from(count);
    if revision != 1 || count > 15 || rest.len() != 6 + 4 * count {
        return None;
    }
    let (auth, subs) = rest.split_at(6);
    let authority = auth.iter().fold(0u64, |acc, &x| (acc << 8) | u64::from(x));
    let mut s = if authority >= 1 << 32 { format!("S-1-0x{authority:012X}") } else { format!("S-1-{authority}") };
    for c in subs.chunks_exact(4) {
        let v = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        s.push('-');
        s.push_str(&v.to_string());
    }
    Some(s)
}

/// userAccountControl as written by AD (unsigned, or a negative 32-bit value).
pub(super) fn parse_uac(v: &str) -> Option<u32> {
    let n: i64 = v.trim_fast().parse().ok()?;
    if let Ok(u) = u32::try_from(n) { Some(u) } else { i32::try_from(n).ok().map(|i| i as u32) }
}

pub(super) fn parse_bool(v: &str) -> Option<bool> {
    let t = v.trim_fast();
    if t.eq_ignore_ascii_case("true") {
        Some(true)
    } else if t.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// GeneralizedTime (`20240131120000.0Z`, optional fraction, `Z` or `±HHMM`) → ISO-8601 UTC
/// (`2024-01-31T12:00:00Z`; a non-zero fraction is kept).
pub fn generalized_time(v: &str) -> Option<String> {
    let t = v.trim_fast();
    let b = t.as_bytes();
    if b.len() < 15 || !b[..14].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let num = |r: std::ops::Range<usize>| t.get(r).and_then(|s| s.parse::<u32>().ok());
    let (year, month, day) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (hour, minute, second) = (num(8..10)?, num(10..12)?, num(12..14)?);
    let mut rest = &t[14..];
    let mut fraction = "";
    if let Some(f) = rest.strip_prefix('.').or_else(|| rest.strip_prefix(',')) {
        let n = f.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        fraction = f[..n].trim_end_matches('0');
        rest = &f[n..];
    }
    let offset = match rest {
        "Z" | "z" => time::UtcOffset::UTC,
        _ => {
            let (sign, digits) = match rest.as_bytes().first() {
                Some(b'+') => (1i8, &rest[1..]),
                Some(b'-') => (-1i8, &rest[1..]),
                _ => return None,
            };
            if !(digits.len() == 2 || digits.len() == 4) || !digits.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            let h: i8 = digits.get(..2)?.parse().ok()?;
            let m: i8 = if digits.len() == 4 { digits.get(2..4)?.parse().ok()? } else { 0 };
            time::UtcOffset::from_hms(sign * h, sign * m, 0).ok()?
        }
    };
    let month = time::Month::try_from(u8::try_from(month).ok()?).ok()?;
    let date = time::Date::from_calendar_date(i32::try_from(year).ok()?, month, u8::try_from(day).ok()?).ok()?;
    let tm =
        time::Time::from_hms(u8::try_from(hour).ok()?, u8::try_from(minute).ok()?, u8::try_from(second).ok()?).ok()?;
    let utc = time::PrimitiveDateTime::new(date, tm).assume_offset(offset).to_offset(time::UtcOffset::UTC);
    let mut s = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        utc.year(),
        u8::from(utc.month()),
        utc.day(),
        utc.hour(),
        utc.minute(),
        utc.second()
    );
    if !fraction.is_empty() {
        s.push('.');
        s.push_str(fraction);
    }
    s.push('Z');
    Some(s)
}

/// Reader.
pub fn read(input: &Input<'_>) -> Result<Extract, ReadError> {
    let mut r = Reader::new(input);
    // One object per `dn:` line at most: sized once instead of growing by doubling.
    r.ex.ad_objects.reserve(memchr::memmem::find_iter(input.text.as_bytes(), "\ndn:").count() + 1);
    parse(input.text, |item| r.item(item));
    r.finish()
}
