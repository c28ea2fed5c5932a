//! Reader: LDIF from ldifde or ldapsearch (RFC 2849), and a small LDIF writer.
//!
//! Inputs seen in practice:
//! - `ldifde -f out.ldf` (Windows): `changetype: add` records, non-ASCII values Base64-encoded
//!   (`dn:: ...` for a non-ASCII DN), binary values such as `objectGUID:: <24 characters>`, CRLF line
//!   ends; `ldifde -u` writes UTF-16 (decoded before this reader runs).
//! - OpenLDAP `ldapsearch` ("extended LDIF"): `# comment` blocks, `version: 1`, lines folded at 76 or
//!   78 columns (a continuation line starts with one space), `ref:` search references and a trailer
//!   (`search: 2`, `result: 0 Success`, `# numEntries: 38`). Anonymous binds return entries with only
//!   a `dn:` line (attributes hidden by ACLs); pasted dumps often start with the shell prompt.
//!
//! One pass over the text: physical lines are unfolded into logical lines, a small state machine
//! groups them into records, and each entry is mapped to an [`AdObject`] as soon as it is complete
//! (only the current entry is held in memory). Values are decoded only for the attributes that are
//! mapped. Decisions:
//! - Every entry with a dn is kept (OUs, containers, the domain object: class `Other`). An entry
//!   without `objectClass` (dn-only entries, or an export that did not request it) gets class
//!   `Other("unknown")`, so class-based rules skip it; an `IN003` issue says why.
//! - Change files: `changetype: add` records are read like plain entries; `modify`, `delete`,
//!   `modrdn`/`moddn` records are skipped with one `IN002` issue each. A file with change records and
//!   no entry at all is a [`ReadError`] (it is an import script, not an export).
//! - Truncation: a file that ends without a final line break while an entry is open was cut mid-line;
//!   that entry is dropped (its last value and any later attributes are missing, which later rules
//!   would read as "absent") with an `IN005` issue, or the file is a [`ReadError`] when no complete
//!   entry precedes the cut.
//! - Unmapped attributes (e.g. `lastLogon`) are not decoded or checked at all. The free-text
//!   attributes of [`crate::model::EXTRA_ATTRIBUTES`] (`comment`, `info`, `extensionAttributeN`...)
//!   are kept in [`AdObject::extra`] (first plain value) for the account-link rules.

use super::{Extract, Format, Input, ReadError, Sniff, codes};
use crate::model::{AdClass, AdObject, Guid, extra_attribute};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// Registration in [`super::FORMATS`].
pub const FORMAT: Format = Format { name: "ldif", summary: "LDIF from ldifde or ldapsearch (RFC 2849)", sniff, read };

/// Individual `IN002` issues reported per file before they are summarised.
const MAX_LINE_ISSUES: usize = 20;
/// Non-empty lines the sniffer looks at.
const SNIFF_LINES: usize = 50;
/// Bytes the sniffer looks at.
const SNIFF_BYTES: usize = 64 * 1024;
/// Junk lines (shell prompt, command line...) tolerated before the first `dn:` when sniffing.
const SNIFF_MAX_JUNK: usize = 5;
/// Folding width of the writer (RFC 2849 recommends at most 76 columns).
const FOLD_WIDTH: usize = 76;
/// Class given to entries whose `objectClass` was not exported.
const UNKNOWN_CLASS: &str = "unknown";

// ------------------------------------------------------------------------------------------------
// Sniffing

/// Content sniffer: a `dn:` line among the first non-empty lines, optionally after `version:`,
/// comments and a few junk lines (a pasted shell prompt). A file made only of comments, `version:`
/// and an ldapsearch trailer (`search:`/`result:`, a search that returned nothing) is LDIF too.
pub fn sniff(text: &str) -> Sniff {
    let head = head_of(text, SNIFF_BYTES);
    let whole = head.len() == text.len();
    let mut junk = 0;
    let mut seen = 0;
    let mut marker = false;
    for raw in head.split('\n') {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.trim().is_empty() {
            continue;
        }
        seen += 1;
        if seen > SNIFF_LINES {
            break;
        }
        if line.starts_with('#') || line.starts_with(' ') {
            continue;
        }
        match line.split_once(':').map(|(d, _)| d) {
            Some(d) if d.eq_ignore_ascii_case("dn") => return Sniff::Yes,
            Some(d) if ["version", "search", "result"].iter().any(|k| d.eq_ignore_ascii_case(k)) => marker = true,
            _ => {
                junk += 1;
                if junk > SNIFF_MAX_JUNK {
                    return Sniff::No;
                }
            }
        }
    }
    if marker && junk == 0 && whole { Sniff::Yes } else { Sniff::No }
}

/// The first `max` bytes of `text`, cut at a character boundary.
fn head_of(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

// ------------------------------------------------------------------------------------------------
// Lines

/// One logical (unfolded) line.
struct Logical<'a> {
    /// 1-based number of its first physical line.
    line: u32,
    /// Unfolded text, `\r` removed; empty for a blank line.
    text: Cow<'a, str>,
}

/// Physical lines → logical lines (folding undone, CR removed, whitespace-only lines blank).
struct Lines<'a> {
    rest: &'a str,
    line: u32,
    exhausted: bool,
    peeked: Option<(u32, &'a str)>,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        Self { rest: text, line: 0, exhausted: false, peeked: None }
    }

    fn physical(&mut self) -> Option<(u32, &'a str)> {
        if let Some(p) = self.peeked.take() {
            return Some(p);
        }
        if self.exhausted {
            return None;
        }
        let line = match self.rest.find('\n') {
            Some(i) => {
                let l = &self.rest[..i];
                self.rest = &self.rest[i + 1..];
                l
            }
            None => {
                self.exhausted = true;
                if self.rest.is_empty() {
                    return None;
                }
                std::mem::take(&mut self.rest)
            }
        };
        self.line += 1;
        Some((self.line, line.strip_suffix('\r').unwrap_or(line)))
    }

    fn next_logical(&mut self) -> Option<Logical<'a>> {
        let (line, first) = self.physical()?;
        if first.trim().is_empty() {
            return Some(Logical { line, text: Cow::Borrowed("") });
        }
        let mut text = Cow::Borrowed(first);
        while let Some((n, p)) = self.physical() {
            match p.strip_prefix(' ') {
                Some(cont) => text.to_mut().push_str(cont),
                None => {
                    self.peeked = Some((n, p));
                    break;
                }
            }
        }
        Some(Logical { line, text })
    }
}

// ------------------------------------------------------------------------------------------------
// Records

/// How an attribute value is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ValueKind {
    /// `attr: value`
    Plain,
    /// `attr:: base64`
    Base64,
    /// `attr:< URL`
    Url,
}

/// One `attr: value` line, borrowed from the text when it was not folded.
#[derive(Debug)]
struct RawAttr<'a> {
    line: u32,
    text: Cow<'a, str>,
    desc_end: usize,
    value_start: usize,
    kind: ValueKind,
}

impl RawAttr<'_> {
    /// Attribute description with options (`member;range=0-1499`).
    fn desc(&self) -> &str {
        self.text.get(..self.desc_end).unwrap_or("")
    }
    /// Attribute name without options.
    fn base(&self) -> &str {
        let d = self.desc();
        d.split_once(';').map_or(d, |(b, _)| b)
    }
    /// Options after the name.
    fn options(&self) -> impl Iterator<Item = &str> {
        self.desc().split(';').skip(1)
    }
    /// The value as written (Base64 text for `::`, the URL for `:<`).
    fn raw_value(&self) -> &str {
        self.text.get(self.value_start..).unwrap_or("")
    }
    /// The value's bytes; `Err` with a reason when it cannot be decoded.
    fn bytes(&self) -> Result<Cow<'_, [u8]>, String> {
        match self.kind {
            ValueKind::Plain => Ok(Cow::Borrowed(self.raw_value().as_bytes())),
            ValueKind::Base64 => {
                decode_b64(self.raw_value()).map(Cow::Owned).ok_or_else(|| "is not valid Base64".to_string())
            }
            ValueKind::Url => Err("is a URL reference (`:<`), which is not fetched".to_string()),
        }
    }
    /// The value as text; `Err` with a reason when it is not UTF-8 text.
    fn text_value(&self) -> Result<Cow<'_, str>, String> {
        match self.bytes()? {
            Cow::Borrowed(_) => Ok(Cow::Borrowed(self.raw_value())),
            Cow::Owned(b) => String::from_utf8(b)
                .map(Cow::Owned)
                .map_err(|_| "decodes from Base64 to bytes that are not UTF-8 text".to_string()),
        }
    }
}

/// Decodes padded standard Base64, ignoring whitespace inside.
fn decode_b64(s: &str) -> Option<Vec<u8>> {
    let t = s.trim();
    STANDARD.decode(t).ok().or_else(|| {
        let compact: String = t.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        STANDARD.decode(compact).ok()
    })
}

/// Splits `attr: value`, `attr:: b64`, `attr:< url`; `Err` gives the line back when it is not one.
fn split_attr(line: u32, text: Cow<'_, str>) -> Result<RawAttr<'_>, Cow<'_, str>> {
    let Some(colon) = text.find(':') else { return Err(text) };
    if !valid_desc(&text[..colon]) {
        return Err(text);
    }
    let (kind, mut start) = match text.as_bytes().get(colon + 1) {
        Some(b':') => (ValueKind::Base64, colon + 2),
        Some(b'<') => (ValueKind::Url, colon + 2),
        _ => (ValueKind::Plain, colon + 1),
    };
    while text.as_bytes().get(start) == Some(&b' ') {
        start += 1;
    }
    Ok(RawAttr { line, text, desc_end: colon, value_start: start, kind })
}

/// An attribute description: a name (letters, digits, `-`; or an OID) and `;options`.
fn valid_desc(d: &str) -> bool {
    d.as_bytes().first().is_some_and(u8::is_ascii_alphanumeric)
        && d.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b';' | b'.' | b'=' | b'_'))
}

/// One entry: its `dn:` line and attribute lines.
#[derive(Debug)]
struct RawEntry<'a> {
    line: u32,
    dn: RawAttr<'a>,
    attrs: Vec<RawAttr<'a>>,
}

/// What the record parser finds.
#[derive(Debug)]
enum Item<'a> {
    /// A complete entry (plain or `changetype: add`).
    Entry(RawEntry<'a>),
    /// A line that is not LDIF; `entry` is the line of the entry it sits in, if any.
    Junk { line: u32, text: Cow<'a, str>, entry: Option<u32> },
    /// A `dn:` line that starts a new entry without a blank line before it.
    MissingSeparator { line: u32 },
    /// A change record other than `add` (skipped).
    Change { line: u32, changetype: String },
    /// ldapsearch's `result:` line.
    Result { line: u32, text: String },
    /// The text ends mid-entry without a final line break; the entry is dropped.
    Truncated { line: u32, cut_line: u32 },
}

/// Parser state between logical lines.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// Between records.
    Outside,
    /// Inside an entry.
    Entry,
    /// Inside a record that is skipped up to the next blank line (change record, search reference).
    Skip,
    /// Inside ldapsearch's result trailer.
    Trailer,
}

/// Case-insensitive attribute name comparison.
fn is(desc: &str, name: &str) -> bool {
    desc.eq_ignore_ascii_case(name)
}

/// Groups logical lines into records and reports each item to `f`.
fn parse<'a>(text: &'a str, mut f: impl FnMut(Item<'a>)) {
    let mut lines = Lines::new(text);
    let mut state = State::Outside;
    let mut cur: Option<RawEntry<'a>> = None;
    let mut last_line_in_entry = 0;
    while let Some(Logical { line, text }) = lines.next_logical() {
        if text.is_empty() {
            if let Some(e) = cur.take() {
                f(Item::Entry(e));
            }
            state = State::Outside;
            continue;
        }
        last_line_in_entry = 0;
        if text.starts_with('#') {
            continue;
        }
        match state {
            State::Skip => {}
            State::Trailer => {
                if let Ok(a) = split_attr(line, text)
                    && is(a.desc(), "result")
                {
                    f(Item::Result { line, text: a.raw_value().to_string() });
                }
            }
            State::Outside => match split_attr(line, text) {
                Err(text) => f(Item::Junk { line, text, entry: None }),
                Ok(a) => {
                    let d = a.desc();
                    if is(d, "dn") {
                        cur = Some(RawEntry { line, dn: a, attrs: Vec::new() });
                        state = State::Entry;
                        last_line_in_entry = line;
                    } else if is(d, "ref") {
                        state = State::Skip;
                    } else if is(d, "search") {
                        state = State::Trailer;
                    } else if is(d, "result") {
                        f(Item::Result { line, text: a.raw_value().to_string() });
                        state = State::Trailer;
                    } else if !is(d, "version") {
                        f(Item::Junk { line, text: a.text, entry: None });
                    }
                }
            },
            State::Entry => {
                last_line_in_entry = line;
                let entry_line = cur.as_ref().map_or(0, |e| e.line);
                match split_attr(line, text) {
                    Err(text) => f(Item::Junk { line, text, entry: Some(entry_line) }),
                    Ok(a) => {
                        let d = a.desc();
                        let first = cur.as_ref().is_some_and(|e| e.attrs.is_empty());
                        if is(d, "dn") {
                            f(Item::MissingSeparator { line });
                            if let Some(e) = cur.take() {
                                f(Item::Entry(e));
                            }
                            cur = Some(RawEntry { line, dn: a, attrs: Vec::new() });
                        } else if first && is(d, "changetype") {
                            let ct = a.raw_value().trim();
                            if !ct.eq_ignore_ascii_case("add") {
                                f(Item::Change { line: entry_line, changetype: ct.to_ascii_lowercase() });
                                cur = None;
                                state = State::Skip;
                                last_line_in_entry = 0;
                            }
                        } else if !(first && is(d, "control"))
                            && let Some(e) = cur.as_mut()
                        {
                            e.attrs.push(a);
                        }
                    }
                }
            }
        }
    }
    if let Some(e) = cur.take() {
        let cut = last_line_in_entry != 0 && !text.ends_with('\n') && !text.ends_with('\r');
        if cut {
            f(Item::Truncated { line: e.line, cut_line: last_line_in_entry });
        } else {
            f(Item::Entry(e));
        }
    }
}

// ------------------------------------------------------------------------------------------------
// Mapping to AdObject

/// Mapped attributes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Field {
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
}

/// LDAP names of the mapped attributes (matched case-insensitively).
const FIELDS: &[(&str, Field)] = &[
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
];

fn field_of(name: &str) -> Option<(&'static str, Field)> {
    FIELDS.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).copied()
}

/// A repeated problem: how often, where first, and what the first one looked like.
#[derive(Debug, Default)]
struct Agg {
    count: usize,
    first_line: u32,
    detail: String,
}

impl Agg {
    fn add(&mut self, line: u32, detail: impl FnOnce() -> String) {
        if self.count == 0 {
            self.first_line = line;
            self.detail = detail();
        }
        self.count += 1;
    }
}

/// Reader state for one file.
struct Reader<'i> {
    input: &'i Input<'i>,
    ex: Extract,
    /// `IN002` issues shown so far, and the ones summarised.
    shown: usize,
    hidden: Agg,
    /// `IN008` per attribute.
    invalid: BTreeMap<&'static str, Agg>,
    /// Single-valued attributes with several values (`IN008`).
    multi: BTreeMap<&'static str, Agg>,
    /// Ranged attributes (`IN005`), by lower-case name.
    ranges: BTreeMap<String, Agg>,
    dn_only: Agg,
    no_class: Agg,
    changes: Agg,
    truncated: Option<(u32, u32)>,
}

impl<'i> Reader<'i> {
    fn new(input: &'i Input<'i>) -> Self {
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
    fn line_issue(&mut self, line: u32, message: impl FnOnce() -> String) {
        if self.shown < MAX_LINE_ISSUES {
            self.shown += 1;
            let at = self.input.at(line);
            self.ex.issue(at, codes::UNREADABLE_RECORD, message());
        } else {
            self.hidden.add(line, String::new);
        }
    }

    fn invalid(&mut self, name: &'static str, line: u32, detail: impl FnOnce() -> String) {
        self.invalid.entry(name).or_default().add(line, detail);
    }

    fn item(&mut self, item: Item<'_>) {
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
                            text.trim()
                        ),
                    );
                }
            }
            Item::Truncated { line, cut_line } => self.truncated = Some((line, cut_line)),
        }
    }

    fn entry(&mut self, e: RawEntry<'_>) {
        let mut o = AdObject {
            source: self.input.at(e.line),
            class: AdClass::Other(UNKNOWN_CLASS.to_string()),
            ..AdObject::default()
        };
        match e.dn.text_value() {
            Ok(dn) if dn.trim().is_empty() => {
                self.line_issue(e.line, || {
                    format!("entry at line {} has an empty dn (the root DSE): not a directory object, skipped", e.line)
                });
                return;
            }
            Ok(dn) => o.dn = Some(dn.into()),
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
                        Ok(v) if !v.trim().is_empty() => o.extra.push(((*extra).into(), v.trim().into())),
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
                        o.class = AdClass::from_ldap(v.trim());
                    }
                    Err(why) => self.invalid(name, a.line, || why),
                },
                Field::ProxyAddresses => match a.text_value() {
                    Ok(v) => o.proxy_addresses.push(v.into()),
                    Err(why) => self.invalid(name, a.line, || why),
                },
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
    fn apply(&mut self, o: &mut AdObject, name: &'static str, field: Field, a: &RawAttr<'_>) {
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
                    o.object_sid = sid_value(&b).map(Into::into);
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
                Ok(b) => o.consistency_guid = Some(b.into_owned()),
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
                        o.ms_exch_recipient_type_details = v.trim().parse().ok();
                        if o.ms_exch_recipient_type_details.is_none() {
                            self.invalid(name, line, || bad("a decimal number"));
                        }
                    }
                    Field::GroupType => {
                        o.group_type = v.trim().parse().ok();
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
                    _ => {
                        if let Some(slot) = text_slot(o, field) {
                            *slot = Some(v.into());
                        }
                    }
                }
            }
        }
    }

    fn finish(mut self) -> Result<Extract, ReadError> {
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
fn count_entries(n: usize) -> String {
    if n == 1 { "1 entry".to_string() } else { format!("{n} entries") }
}

/// `1 entry has` / `N entries have`.
fn have(n: usize) -> String {
    if n == 1 { "1 entry has".to_string() } else { format!("{n} entries have") }
}

/// The text field a mapped attribute fills.
fn text_slot(o: &mut AdObject, field: Field) -> Option<&mut Option<crate::model::Text>> {
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
fn excerpt(s: &str) -> String {
    let mut out: String = s.chars().take(60).collect();
    if s.chars().nth(60).is_some() {
        out.push('…');
    }
    format!("`{out}`")
}

/// objectGUID: 16 raw bytes (AD layout), or GUID text written as the value.
fn guid_value(b: &[u8]) -> Option<Guid> {
    if b.len() == 16 {
        return Guid::from_ad_bytes(b);
    }
    std::str::from_utf8(b).ok().and_then(Guid::parse)
}

/// objectSid: a binary SID, or `S-1-...` text written as the value.
fn sid_value(b: &[u8]) -> Option<String> {
    if let Some(s) = sid_to_string(b) {
        return Some(s);
    }
    let t = std::str::from_utf8(b).ok()?.trim();
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
fn parse_uac(v: &str) -> Option<u32> {
    let n: i64 = v.trim().parse().ok()?;
    if let Ok(u) = u32::try_from(n) { Some(u) } else { i32::try_from(n).ok().map(|i| i as u32) }
}

fn parse_bool(v: &str) -> Option<bool> {
    let t = v.trim();
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
    let t = v.trim();
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

// ------------------------------------------------------------------------------------------------
// Generic entries and the writer

/// An attribute value for the writer (and as read back by [`entries`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LdifValue {
    /// Text (written plain when RFC 2849 allows it, else as Base64 of its UTF-8).
    Text(String),
    /// Raw bytes (always written as Base64).
    Binary(Vec<u8>),
}

impl LdifValue {
    /// The value's bytes (UTF-8 for text).
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Self::Text(s) => s.as_bytes(),
            Self::Binary(b) => b,
        }
    }
}

/// One entry as read back by [`entries`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LdifEntry {
    /// Line of the `dn:` line.
    pub line: u32,
    /// The DN.
    pub dn: String,
    /// Attribute descriptions (options included, as written) and values, in file order.
    pub attrs: Vec<(String, LdifValue)>,
}

/// Attributes whose values are bytes, not text (read back as [`LdifValue::Binary`]).
const BINARY_ATTRS: &[&str] = &[
    "objectGUID",
    "objectSid",
    "mS-DS-ConsistencyGuid",
    "msExchMailboxGuid",
    "msExchArchiveGUID",
    "sIDHistory",
    "thumbnailPhoto",
    "jpegPhoto",
    "userCertificate",
    "nTSecurityDescriptor",
    "tokenGroups",
    "logonHours",
];

/// Whether an attribute description names a binary attribute (a known one, or the `;binary` option).
pub fn is_binary_attr(desc: &str) -> bool {
    let mut parts = desc.split(';');
    let base = parts.next().unwrap_or("");
    BINARY_ATTRS.iter().any(|b| b.eq_ignore_ascii_case(base)) || parts.any(|o| o.eq_ignore_ascii_case("binary"))
}

/// Reads every entry of an LDIF text strictly, with all values decoded: the check that LDIF written
/// by [`write_entry`] (e.g. by a live-LDAP collector) reads back identically. Plain values and
/// Base64 values that decode to UTF-8 come back as text, except for binary attributes
/// ([`is_binary_attr`]) and bytes that are not UTF-8, which come back as bytes. Any problem (junk
/// line, bad Base64, URL value, change record, truncation, failed search) is an error.
pub fn entries(text: &str) -> Result<Vec<LdifEntry>, ReadError> {
    let mut out = Vec::new();
    let mut err: Option<ReadError> = None;
    parse(text, |item| {
        if err.is_none() {
            match strict_entry(item) {
                Ok(Some(e)) => out.push(e),
                Ok(None) => {}
                Err(e) => err = Some(e),
            }
        }
    });
    match err {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// One parsed item for [`entries`]: an entry with decoded values, nothing, or the first problem.
fn strict_entry(item: Item<'_>) -> Result<Option<LdifEntry>, ReadError> {
    let e = match item {
        Item::Entry(e) => e,
        Item::Junk { line, .. } => return Err(ReadError::new(line, "line is not LDIF")),
        Item::MissingSeparator { line } => return Err(ReadError::new(line, "no blank line before this entry")),
        Item::Change { line, changetype } => {
            return Err(ReadError::new(line, format!("change record `changetype: {changetype}`")));
        }
        Item::Result { line, text } => {
            if text.split_whitespace().next() == Some("0") {
                return Ok(None);
            }
            return Err(ReadError::new(line, format!("search failed: `result: {}`", text.trim())));
        }
        Item::Truncated { line, .. } => return Err(ReadError::new(line, "file ends inside this entry")),
    };
    let dn = e.dn.text_value().map_err(|why| ReadError::new(e.line, format!("dn {why}")))?.into_owned();
    let mut attrs = Vec::with_capacity(e.attrs.len());
    for a in &e.attrs {
        let value = match a.kind {
            ValueKind::Plain => LdifValue::Text(a.raw_value().to_string()),
            _ => {
                let b = a.bytes().map_err(|why| ReadError::new(a.line, format!("`{}` {why}", a.desc())))?;
                if is_binary_attr(a.desc()) {
                    LdifValue::Binary(b.into_owned())
                } else {
                    match String::from_utf8(b.into_owned()) {
                        Ok(s) => LdifValue::Text(s),
                        Err(e) => LdifValue::Binary(e.into_bytes()),
                    }
                }
            }
        };
        attrs.push((a.desc().to_string(), value));
    }
    Ok(Some(LdifEntry { line: e.line, dn, attrs }))
}

/// Writes the `version: 1` line that starts an LDIF file.
pub fn write_version(out: &mut String) {
    out.push_str("version: 1\n\n");
}

/// Writes one entry (`dn:` line, one line per value, blank line after), Base64-encoding values that
/// RFC 2849 does not allow plain (binary values; non-ASCII, NUL, CR or LF; a leading space, `:` or
/// `<`; a trailing space) and folding lines longer than 76 columns.
pub fn write_entry(out: &mut String, dn: &str, attrs: &[(&str, Vec<LdifValue>)]) {
    let mut line = String::new();
    write_value(out, &mut line, "dn", dn.as_bytes(), is_safe_string(dn));
    for (name, values) in attrs {
        for v in values {
            match v {
                LdifValue::Text(s) => write_value(out, &mut line, name, s.as_bytes(), is_safe_string(s)),
                LdifValue::Binary(b) => write_value(out, &mut line, name, b, false),
            }
        }
    }
    out.push('\n');
}

/// RFC 2849 SAFE-STRING, and no trailing space.
fn is_safe_string(s: &str) -> bool {
    let b = s.as_bytes();
    let Some((&first, _)) = b.split_first() else { return true };
    !matches!(first, b' ' | b':' | b'<')
        && b.last() != Some(&b' ')
        && b.iter().all(|&c| c != 0 && c != b'\n' && c != b'\r' && c < 0x80)
}

fn write_value(out: &mut String, line: &mut String, name: &str, bytes: &[u8], plain: bool) {
    line.clear();
    line.push_str(name);
    if plain {
        line.push(':');
        if !bytes.is_empty() {
            line.push(' ');
            line.push_str(std::str::from_utf8(bytes).unwrap_or(""));
        }
    } else {
        line.push_str(":: ");
        STANDARD.encode_string(bytes, line);
    }
    let mut rest = line.as_str();
    let mut width = FOLD_WIDTH;
    loop {
        if rest.len() <= width {
            out.push_str(rest);
            out.push('\n');
            return;
        }
        let mut cut = width;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        // No physical line ends in a space: editors and mail trim trailing spaces, which would
        // silently change the value when the lines are unfolded.
        while cut > 1 && rest.as_bytes()[cut - 1] == b' ' {
            cut -= 1;
        }
        if cut == 0 {
            cut = rest.chars().next().map_or(rest.len(), char::len_utf8);
        }
        out.push_str(&rest[..cut]);
        out.push_str("\n ");
        rest = &rest[cut..];
        width = FOLD_WIDTH - 1;
    }
}

// ------------------------------------------------------------------------------------------------
// Change records (`changetype: modify`): the writer of remediation files and the strict reader that
// checks them

/// The operation of one mod-spec of a `changetype: modify` record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModOp {
    /// `add: attr`: add the values (the attribute must not hold them yet).
    Add,
    /// `delete: attr`: delete the values listed, or the whole attribute when none is listed.
    Delete,
    /// `replace: attr`: set the attribute to exactly the values listed (none: remove it).
    Replace,
}

impl ModOp {
    /// The keyword of the mod-spec line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Add => "add",
            Self::Delete => "delete",
            Self::Replace => "replace",
        }
    }
    fn parse(s: &str) -> Option<Self> {
        [Self::Add, Self::Delete, Self::Replace].into_iter().find(|o| o.as_str().eq_ignore_ascii_case(s))
    }
}

/// One mod-spec: an operation on one attribute and its values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LdifMod {
    /// Operation.
    pub op: ModOp,
    /// Attribute description, as written.
    pub attr: String,
    /// Values, in file order.
    pub values: Vec<LdifValue>,
}

/// One `changetype: modify` record as read back by [`changes`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LdifChange {
    /// Line of the `dn:` line.
    pub line: u32,
    /// The DN.
    pub dn: String,
    /// The mod-specs, in file order (they are applied in this order).
    pub mods: Vec<LdifMod>,
}

/// Writes `# ` comment lines, wrapped at 76 columns. Control and non-ASCII characters in `text` are
/// written as `\u{..}` escapes: a comment can never end early and smuggle in a line, and the file
/// stays ASCII (as RFC 2849 wants its plain lines) whatever the values mentioned.
pub fn write_comment(out: &mut String, text: &str) {
    let clean: String = text
        .chars()
        .map(|c| if c.is_ascii() && !c.is_ascii_control() { c.to_string() } else { format!("\\u{{{:x}}}", c as u32) })
        .collect();
    let mut line = String::from("#");
    for word in clean.split(' ') {
        if line.len() > 1 && line.len() + 1 + word.len() > FOLD_WIDTH {
            out.push_str(&line);
            out.push('\n');
            line = String::from("#");
        }
        line.push(' ');
        line.push_str(word);
    }
    out.push_str(&line);
    out.push('\n');
}

/// Writes one `changetype: modify` record: the `dn:` line, `changetype: modify`, each mod-spec
/// (`add:`/`delete:`/`replace:` line, its values, a `-` line) and a blank line. Values are encoded
/// and lines folded as in [`write_entry`].
pub fn write_modify(out: &mut String, dn: &str, mods: &[LdifMod]) {
    let mut line = String::new();
    write_value(out, &mut line, "dn", dn.as_bytes(), is_safe_string(dn));
    out.push_str("changetype: modify\n");
    for m in mods {
        write_value(out, &mut line, m.op.as_str(), m.attr.as_bytes(), is_safe_string(&m.attr));
        for v in &m.values {
            match v {
                LdifValue::Text(s) => write_value(out, &mut line, &m.attr, s.as_bytes(), is_safe_string(s)),
                LdifValue::Binary(b) => write_value(out, &mut line, &m.attr, b, false),
            }
        }
        out.push_str("-\n");
    }
    out.push('\n');
}

/// Reads a file of `changetype: modify` records strictly (the check that [`write_modify`] output
/// reads back identically): comments and `version: 1` are allowed; an entry, another change type,
/// a value line naming another attribute than its mod-spec, a mod-spec not closed by `-`, bad
/// Base64 or a file cut mid-record is an error. Values are decoded as by [`entries`].
pub fn changes(text: &str) -> Result<Vec<LdifChange>, ReadError> {
    #[derive(PartialEq)]
    enum St {
        Outside,
        AfterDn,
        Modify,
        Spec,
    }
    let mut out: Vec<LdifChange> = Vec::new();
    let mut st = St::Outside;
    let mut cur: Option<LdifChange> = None;
    let mut spec: Option<LdifMod> = None;
    let mut lines = Lines::new(text);
    let mut seen_record = false;
    let mut last = 0;
    while let Some(Logical { line, text: t }) = lines.next_logical() {
        last = line;
        if t.is_empty() {
            match st {
                St::Outside => {}
                St::AfterDn => return Err(ReadError::new(line, "record has no `changetype:` line")),
                St::Spec => return Err(ReadError::new(line, "mod-spec is not closed by a `-` line")),
                St::Modify => {
                    out.extend(cur.take());
                    st = St::Outside;
                }
            }
            continue;
        }
        if t.starts_with('#') {
            continue;
        }
        if st == St::Spec && t == "-" {
            if let (Some(c), Some(m)) = (cur.as_mut(), spec.take()) {
                c.mods.push(m);
            }
            st = St::Modify;
            continue;
        }
        let a = split_attr(line, t).map_err(|_| ReadError::new(line, "line is not LDIF"))?;
        let text_of = |a: &RawAttr<'_>, what: &str| -> Result<String, ReadError> {
            a.text_value().map(Cow::into_owned).map_err(|why| ReadError::new(line, format!("{what} {why}")))
        };
        match st {
            St::Outside => {
                if is(a.desc(), "version") && !seen_record {
                    continue;
                }
                if !is(a.desc(), "dn") {
                    return Err(ReadError::new(line, format!("expected `dn:`, found `{}:`", a.desc())));
                }
                seen_record = true;
                cur = Some(LdifChange { line, dn: text_of(&a, "dn")?, mods: Vec::new() });
                st = St::AfterDn;
            }
            St::AfterDn => {
                let ct = text_of(&a, "changetype")?;
                if !is(a.desc(), "changetype") || !ct.trim().eq_ignore_ascii_case("modify") {
                    return Err(ReadError::new(
                        line,
                        format!("expected `changetype: modify`, found `{}: {ct}`", a.desc()),
                    ));
                }
                st = St::Modify;
            }
            St::Modify => {
                let Some(op) = ModOp::parse(a.desc()) else {
                    return Err(ReadError::new(
                        line,
                        format!("expected `add:`, `delete:` or `replace:`, found `{}:`", a.desc()),
                    ));
                };
                let attr = text_of(&a, "attribute")?.trim().to_string();
                if !valid_desc(&attr) {
                    return Err(ReadError::new(line, format!("`{attr}` is not an attribute description")));
                }
                spec = Some(LdifMod { op, attr, values: Vec::new() });
                st = St::Spec;
            }
            St::Spec => {
                let Some(m) = spec.as_mut() else {
                    return Err(ReadError::new(line, "attribute value outside a mod-spec"));
                };
                if !a.desc().eq_ignore_ascii_case(&m.attr) {
                    return Err(ReadError::new(
                        line,
                        format!("value of `{}` inside the mod-spec of `{}`", a.desc(), m.attr),
                    ));
                }
                let value = match a.kind {
                    ValueKind::Plain => LdifValue::Text(a.raw_value().to_string()),
                    ValueKind::Url => return Err(ReadError::new(line, "URL values (`:<`) are not read")),
                    ValueKind::Base64 => {
                        let b = a.bytes().map_err(|why| ReadError::new(line, format!("`{}` {why}", a.desc())))?;
                        if is_binary_attr(a.desc()) {
                            LdifValue::Binary(b.into_owned())
                        } else {
                            match String::from_utf8(b.into_owned()) {
                                Ok(s) => LdifValue::Text(s),
                                Err(e) => LdifValue::Binary(e.into_bytes()),
                            }
                        }
                    }
                };
                m.values.push(value);
            }
        }
    }
    match st {
        St::Outside => {}
        St::Modify if text.ends_with('\n') => out.extend(cur.take()),
        St::Spec => return Err(ReadError::new(last, "file ends inside a mod-spec (no `-` line)")),
        _ => return Err(ReadError::new(last, "file ends inside a record")),
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    const LDIFDE: &str = include_str!("../../tests/fixtures/ldif/contoso-ldifde.ldf");
    const TRUNCATED: &str = include_str!("../../tests/fixtures/ldif/contoso-truncated.ldif");

    fn run(text: &str) -> Result<Extract, ReadError> {
        read(&Input { file: FileId(0), text })
    }

    fn issues<'a>(ex: &'a Extract, code: &str) -> Vec<&'a super::super::Issue> {
        ex.issues.iter().filter(|i| i.code == code).collect()
    }

    fn by_dn<'a>(ex: &'a Extract, dn: &str) -> &'a AdObject {
        ex.ad_objects.iter().find(|o| o.dn.as_deref() == Some(dn)).unwrap_or_else(|| panic!("no entry {dn}"))
    }

    #[test]
    fn extra_link_attributes_are_kept_first_plain_value_wins() {
        let text = "dn: CN=Ann Lee,OU=Users,DC=fabrikam,DC=com\nobjectClass: user\ncomment;lang-en: tagged\n\
                    Comment: ann.lee@tailspintoys.com\ncomment: second\nextensionAttribute7:: w6lsw6k=\ninfo: \n\
                    description: Contractor\nlastLogon: 0\n\n";
        let ex = run(text).unwrap();
        let o = &ex.ad_objects[0];
        assert_eq!(o.extra("comment"), Some("ann.lee@tailspintoys.com"));
        assert_eq!(o.extra("EXTENSIONATTRIBUTE7"), Some("élé"));
        assert_eq!(o.extra("description"), Some("Contractor"));
        assert_eq!(o.extra("info"), None);
        assert_eq!(o.extra.len(), 3);
        assert_eq!(o.extra[1].0, "extensionAttribute7");
        assert!(ex.issues.is_empty(), "{:?}", ex.issues);
    }

    #[test]
    fn ldifde_export_with_crlf_base64_dn_folding_and_binary_values() {
        assert!(LDIFDE.contains("\r\n"), "fixture must keep its CRLF line ends");
        assert_eq!(sniff(LDIFDE), Sniff::Yes);
        let ex = run(LDIFDE).unwrap();
        assert_eq!(ex.kind, "ldif");
        assert_eq!(ex.records, 7);
        assert_eq!(ex.ad_objects.len(), 7);

        let zoe = by_dn(&ex, "CN=Zoë Martin,OU=Staff,DC=contoso,DC=com");
        assert_eq!(zoe.source.line, 20);
        assert_eq!(zoe.class, AdClass::User);
        assert_eq!(zoe.cn.as_deref(), Some("Zoë Martin"));
        assert_eq!(zoe.given_name.as_deref(), Some("Zoë"));
        assert_eq!(zoe.display_name.as_deref(), Some("Zoë Martin"));
        assert_eq!(zoe.sn.as_deref(), Some("Martin"));
        // Folded Base64 objectGUID; the documented GUID / ImmutableId pair.
        let g = zoe.object_guid.unwrap();
        assert_eq!(g.to_string(), "35918bc9-196d-40ea-9779-889d79b753f0");
        assert_eq!(g.immutable_id(), "yYuRNW0Z6kCXeYidebdT8A==");
        assert_eq!(zoe.consistency_guid.as_deref(), Some(&g.to_ad_bytes()[..]));
        // SID bytes built with python3 struct.pack from this text (see the fixture generator in the report).
        assert_eq!(zoe.object_sid.as_deref(), Some("S-1-5-21-1004336348-1177238915-682003330-1105"));
        assert_eq!(zoe.user_account_control, Some(512));
        assert_eq!(zoe.enabled, Some(true));
        assert_eq!(zoe.upn.as_deref(), Some("zoe.martin@contoso.com"));
        assert_eq!(zoe.sam_account_name.as_deref(), Some("zmartin"));
        assert_eq!(zoe.mail.as_deref(), Some("zoe.martin@contoso.com"));
        assert_eq!(
            zoe.proxy_addresses,
            vec![
                "SMTP:zoe.martin@contoso.com",
                "smtp:zmartin@contoso.mail.onmicrosoft.com",
                "smtp:zoe.martin@fabrikam.com"
            ]
        );
        assert_eq!(zoe.primary_smtp(), Some("zoe.martin@contoso.com"));
        assert_eq!(zoe.employee_id.as_deref(), Some("100042"));
        assert_eq!(zoe.when_created.as_deref(), Some("2024-01-31T12:00:00Z"));
        assert_eq!(zoe.when_changed.as_deref(), Some("2024-02-15T08:30:00Z"));

        let jo = by_dn(&ex, "CN=Jo Smith,OU=Staff,DC=contoso,DC=com");
        assert_eq!(jo.object_guid, None, "a 10-byte objectGUID is not a GUID");
        assert_eq!(jo.object_sid.as_deref(), Some("S-1-5-21-1004336348-1177238915-682003330-1106"));
        assert_eq!((jo.user_account_control, jo.enabled), (Some(514), Some(false)));
        assert_eq!(jo.ms_exch_recipient_type_details, Some(2_147_483_648));
        assert_eq!(jo.ms_exch_hide_from_address_lists, Some(true));
        assert_eq!(jo.mail_nickname.as_deref(), Some("jsmith"));
        assert_eq!(jo.target_address.as_deref(), Some("SMTP:jo.smith@contoso.mail.onmicrosoft.com"));
        assert_eq!(
            jo.display_name.as_deref(),
            Some("Jo Smith (Contoso Procurement, Supplier Relationship Management, EMEA Region)")
        );

        let domain = by_dn(&ex, "DC=contoso,DC=com");
        assert_eq!(domain.class, AdClass::Other("domainDNS".into()));
        assert_eq!(domain.object_sid.as_deref(), Some("S-1-5-21-1004336348-1177238915-682003330"));
        assert_eq!(domain.object_guid.unwrap().to_string(), "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b");
        assert_eq!(domain.is_critical_system_object, Some(true));
        assert_eq!(domain.when_created.as_deref(), Some("2020-01-01T09:00:00Z"));
        assert_eq!(by_dn(&ex, "OU=Staff,DC=contoso,DC=com").class, AdClass::Other("organizationalUnit".into()));
        assert_eq!(by_dn(&ex, "CN=Sales Team,OU=Groups,DC=contoso,DC=com").class, AdClass::Group);
        assert_eq!(by_dn(&ex, "CN=Partner Contact,OU=Contacts,DC=contoso,DC=com").class, AdClass::Contact);
        assert_eq!(by_dn(&ex, "CN=WKS01,OU=Computers,DC=contoso,DC=com").class, AdClass::Computer);

        // Exactly one issue: Jo's objectGUID.
        assert_eq!(ex.issues.len(), 1, "{:?}", ex.issues);
        let i = &ex.issues[0];
        assert_eq!((i.code, i.at.line), (codes::INVALID_VALUE, 54));
        assert!(i.message.contains("objectGUID") && i.message.contains("10 bytes"), "{}", i.message);
    }

    #[test]
    fn group_type_and_home_mdb_are_mapped() {
        let ex = run("dn: CN=Staff,OU=Groups,DC=contoso,DC=com\nobjectClass: group\ngroupType: -2147483646\n\n\
                      dn: CN=Amy Lee,OU=Staff,DC=contoso,DC=com\nobjectClass: user\n\
                      homeMDB: CN=DB01,CN=Databases,CN=Exchange Administrative Group,CN=Contoso,DC=contoso,DC=com\n\n\
                      dn: CN=Odd,OU=Groups,DC=contoso,DC=com\nobjectClass: group\ngroupType: security\n")
        .unwrap();
        let staff = by_dn(&ex, "CN=Staff,OU=Groups,DC=contoso,DC=com");
        assert_eq!((staff.group_type, staff.home_mdb.as_deref()), (Some(-2_147_483_646), None));
        let amy = by_dn(&ex, "CN=Amy Lee,OU=Staff,DC=contoso,DC=com");
        assert_eq!(amy.group_type, None);
        assert!(amy.home_mdb.as_deref().is_some_and(|m| m.starts_with("CN=DB01,")));
        assert_eq!(by_dn(&ex, "CN=Odd,OU=Groups,DC=contoso,DC=com").group_type, None);
        let bad = issues(&ex, codes::INVALID_VALUE);
        assert_eq!(bad.len(), 1, "{:?}", ex.issues);
        assert_eq!(bad[0].at.line, 11);
        assert!(bad[0].message.contains("groupType"), "{}", bad[0].message);
    }

    #[test]
    fn truncated_file_keeps_complete_entries_and_reports_the_cut_one() {
        assert!(!TRUNCATED.ends_with('\n'));
        let ex = run(TRUNCATED).unwrap();
        let upns: Vec<_> = ex.ad_objects.iter().filter_map(|o| o.upn.as_deref()).collect();
        assert_eq!(upns, ["amy.lee@contoso.com", "ben.ng@contoso.com"]);
        let cut = issues(&ex, codes::INCOMPLETE_EXPORT);
        assert_eq!(cut.len(), 1);
        assert_eq!(cut[0].at.line, 11);
        assert!(cut[0].message.contains("line 14"), "{}", cut[0].message);
        // Nothing complete before the cut: the file cannot be used.
        let e =
            run("dn: CN=Amy Lee,OU=Staff,DC=contoso,DC=com\nobjectClass: user\nuserPrincipalName: amy").unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.reason.contains("truncated"), "{}", e.reason);
        // The same text with its final line break is complete.
        let ex = run("dn: CN=Amy Lee,OU=Staff,DC=contoso,DC=com\nobjectClass: user\nuserPrincipalName: amy\n").unwrap();
        assert_eq!(ex.ad_objects.len(), 1);
        assert!(ex.issues.is_empty());
    }

    #[test]
    fn ldapsearch_output_with_prompt_dn_only_entries_references_and_trailer() {
        let text = "kali@kali:~$ ldapsearch -x -H ldap://dc01.contoso.com -b DC=contoso,DC=com > out.txt\n\
# extended LDIF\n#\n# LDAPv3\n# base <DC=contoso,DC=com> with scope subtree, a comment that is long enough\n #  to be folded\n\n\
# contoso.com\ndn: DC=contoso,DC=com\n\n\n\
# Amy Lee, Staff, contoso.com\ndn: CN=Amy Lee,OU=Staff,DC=contoso,DC=com\nobjectClass: top\nobjectClass: user\n\
userPrincipalName: amy.lee@contoso.c\n om\n\n\
# krbtgt\ndn: CN=krbtgt,CN=Users,DC=contoso,DC=com\n\n\
# search reference\nref: ldap://ForestDnsZones.contoso.com/DC=ForestDnsZones,DC=contoso,DC=com\n\n\
# search result\nsearch: 2\nresult: 0 Success\n\n# numResponses: 4\n# numEntries: 3\n";
        assert_eq!(sniff(text), Sniff::Yes);
        let ex = run(text).unwrap();
        assert_eq!(ex.ad_objects.len(), 3);
        let amy = by_dn(&ex, "CN=Amy Lee,OU=Staff,DC=contoso,DC=com");
        assert_eq!(amy.upn.as_deref(), Some("amy.lee@contoso.com"));
        assert_eq!(amy.source.line, 13);
        assert_eq!(by_dn(&ex, "DC=contoso,DC=com").class, AdClass::Other(UNKNOWN_CLASS.into()));
        let junk = issues(&ex, codes::UNREADABLE_RECORD);
        assert_eq!(junk.len(), 1, "{:?}", ex.issues);
        assert_eq!(junk[0].at.line, 1);
        assert!(junk[0].message.contains("kali@kali"));
        let hidden = issues(&ex, codes::MISSING_FIELDS);
        assert_eq!(hidden.len(), 1);
        assert_eq!(hidden[0].at.line, 9);
        assert!(hidden[0].message.starts_with("2 entries have only a dn"), "{}", hidden[0].message);
        assert!(issues(&ex, codes::INCOMPLETE_EXPORT).is_empty());
    }

    #[test]
    fn failed_search_result_and_ranged_attributes_are_incomplete_exports() {
        let text = "dn: CN=Big Group,DC=contoso,DC=com\nobjectClass: group\nmember;range=0-1499: CN=A,DC=contoso,DC=com\n\n\
dn: CN=Small Group,DC=contoso,DC=com\nobjectClass: group\nmember;range=0-*: CN=B,DC=contoso,DC=com\n\n\
dn: CN=Other Big,DC=contoso,DC=com\nobjectClass: group\nMember;Range=0-1499: CN=C,DC=contoso,DC=com\n\n\
# search result\nsearch: 2\nresult: 4 Size limit exceeded\n";
        let ex = run(text).unwrap();
        assert_eq!(ex.ad_objects.len(), 3);
        let inc = issues(&ex, codes::INCOMPLETE_EXPORT);
        assert_eq!(inc.len(), 2, "{inc:?}");
        assert_eq!(inc[0].at.line, 15);
        assert!(inc[0].message.contains("4 Size limit exceeded"));
        assert_eq!(inc[1].at.line, 3);
        assert!(inc[1].message.contains("member;range=0-1499") && inc[1].message.contains("on 2 entries"));
    }

    #[test]
    fn junk_inside_entries_bad_values_url_values_and_options() {
        let mut text = String::from("version: 1\n\n");
        text.push_str(
            "dn: CN=Amy Lee,OU=Staff,DC=contoso,DC=com\nobjectClass: user\nthis line has no colon\n\
userAccountControl: 512x\njpegPhoto:< file:///tmp/amy.jpg\ncn;lang-fr: Aimée Lee\ncn: Amy Lee\n\
objectGUID: 35918BC9-196D-40EA-9779-889D79B753F0\nwhenCreated: 2024-01-31\nmail: a@contoso.com\nmail: b@contoso.com\n\n",
        );
        text.push_str(
            "dn: CN=Ben Ng,OU=Staff,DC=contoso,DC=com\nobjectClass: user\nuserAccountControl: -1\ncn;lang-fr: Ben\n\n",
        );
        text.push_str("dn: CN=Cy Park,OU=Staff,DC=contoso,DC=com\nobjectClass: user\nuserAccountControl: 66048 b\n\n");
        let ex = run(&text).unwrap();
        let amy = &ex.ad_objects[0];
        assert_eq!(amy.user_account_control, None);
        assert_eq!(amy.enabled, None);
        assert_eq!(amy.cn.as_deref(), Some("Amy Lee"), "a value without options wins");
        assert_eq!(amy.object_guid.unwrap().to_string(), "35918bc9-196d-40ea-9779-889d79b753f0");
        assert_eq!(amy.when_created, None);
        assert_eq!(amy.mail.as_deref(), Some("a@contoso.com"));
        let ben = &ex.ad_objects[1];
        assert_eq!(ben.user_account_control, Some(u32::MAX));
        assert_eq!(ben.cn.as_deref(), Some("Ben"), "a tagged value fills an absent field");
        let lines: Vec<_> = issues(&ex, codes::UNREADABLE_RECORD).iter().map(|i| i.at.line).collect();
        assert_eq!(lines, [5, 7]);
        let bad = issues(&ex, codes::INVALID_VALUE);
        let uac = bad.iter().find(|i| i.message.starts_with("`userAccountControl`")).unwrap();
        assert_eq!(uac.at.line, 6);
        assert!(uac.message.contains("on 2 entries") && uac.message.contains("`512x`"), "{}", uac.message);
        let when = bad.iter().find(|i| i.message.starts_with("`whenCreated`")).unwrap();
        assert_eq!(when.at.line, 11);
        let multi = bad.iter().find(|i| i.message.starts_with("`mail` has several values")).unwrap();
        assert_eq!(multi.at.line, 13);
        assert_eq!(bad.len(), 3, "{bad:?}");
    }

    #[test]
    fn change_records_are_skipped_and_a_change_only_file_is_rejected() {
        let text = "version: 1\n\ndn: CN=Amy Lee,DC=contoso,DC=com\nchangetype: add\nobjectClass: user\n\n\
dn: CN=Ben Ng,DC=contoso,DC=com\nchangetype: modify\nreplace: mail\nmail: ben@contoso.com\n-\n\n\
dn: CN=Cy Park,DC=contoso,DC=com\nchangetype: delete\n\n";
        let ex = run(text).unwrap();
        assert_eq!(ex.ad_objects.len(), 1);
        assert_eq!(ex.ad_objects[0].class, AdClass::User);
        let skipped = issues(&ex, codes::UNREADABLE_RECORD);
        assert_eq!(skipped.iter().map(|i| i.at.line).collect::<Vec<_>>(), [7, 13]);
        assert!(skipped[0].message.contains("changetype: modify"));
        let only = "dn: CN=Ben Ng,DC=contoso,DC=com\r\nchangetype: modify\r\nreplace: mail\r\nmail: b@contoso.com\r\n-\r\n\r\n";
        let e = run(only).unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.reason.contains("change file"), "{}", e.reason);
    }

    #[test]
    fn line_issues_are_bounded() {
        let mut text = String::from("dn: CN=Amy Lee,DC=contoso,DC=com\nobjectClass: user\n");
        for _ in 0..30 {
            text.push_str("garbage\n");
        }
        let ex = run(&text).unwrap();
        let junk = issues(&ex, codes::UNREADABLE_RECORD);
        assert_eq!(junk.len(), MAX_LINE_ISSUES + 1);
        assert!(junk[MAX_LINE_ISSUES].message.starts_with("10 more"), "{}", junk[MAX_LINE_ISSUES].message);
        assert_eq!(junk[MAX_LINE_ISSUES].at.line, 23);
    }

    #[test]
    fn sniffer_accepts_ldif_and_refuses_csv_and_others() {
        assert_eq!(sniff("dn: CN=a,DC=contoso,DC=com\nobjectClass: user\n"), Sniff::Yes);
        assert_eq!(sniff("DN:: Q049YQ==\n"), Sniff::Yes);
        assert_eq!(sniff("version: 1\r\n\r\ndn: CN=a\r\n"), Sniff::Yes);
        assert_eq!(sniff("# search result\nsearch: 2\nresult: 32 No such object\n"), Sniff::Yes);
        // csvde: the first column is DN.
        let csvde = "DN,objectClass,sAMAccountName,objectGUID\n\"CN=Amy Lee,OU=Staff,DC=contoso,DC=com\",user,alee,X'c98b91356d19ea409779889d79b753f0'\n";
        assert_eq!(sniff(csvde), Sniff::No);
        assert_eq!(sniff("\"DN\",\"objectClass\"\n\"CN=a\",\"user\"\n"), Sniff::No);
        assert_eq!(sniff("DistinguishedName,Name\nCN=a,a\n"), Sniff::No);
        assert_eq!(sniff("{\"value\": []}"), Sniff::No);
        assert_eq!(sniff("version: 1\nname: x\n"), Sniff::No);
        let mut many = "junk line\n".repeat(6);
        many.push_str("dn: CN=a\n");
        assert_eq!(sniff(&many), Sniff::No);
    }

    #[test]
    fn empty_ldif_is_an_empty_export() {
        let ex = run("# search result\nsearch: 2\nresult: 0 Success\n").unwrap();
        assert_eq!(ex.records, 0);
        assert_eq!(issues(&ex, codes::EMPTY_EXPORT).len(), 1);
    }

    #[test]
    fn sid_and_time_decoders() {
        // Well-known SID S-1-5-32-544 (BUILTIN\Administrators): 01 02 000000000005 20000000 20020000.
        let b = [1, 2, 0, 0, 0, 0, 0, 5, 0x20, 0, 0, 0, 0x20, 2, 0, 0];
        assert_eq!(sid_to_string(&b).as_deref(), Some("S-1-5-32-544"));
        assert_eq!(sid_to_string(&b[..15]), None);
        assert_eq!(sid_to_string(&[2, 0, 0, 0, 0, 0, 0, 5]), None);
        assert_eq!(sid_to_string(&[]), None);
        assert_eq!(generalized_time("20240131120000.0Z").as_deref(), Some("2024-01-31T12:00:00Z"));
        assert_eq!(generalized_time("20240131120000Z").as_deref(), Some("2024-01-31T12:00:00Z"));
        assert_eq!(generalized_time("20240131120000.250Z").as_deref(), Some("2024-01-31T12:00:00.25Z"));
        assert_eq!(generalized_time("20240131003000+0100").as_deref(), Some("2024-01-30T23:30:00Z"));
        assert_eq!(generalized_time("20240231120000.0Z"), None);
        assert_eq!(generalized_time("2024013112000"), None);
        assert_eq!(generalized_time("20240131120000.Z"), None);
        assert_eq!(generalized_time("２０２４0131120000.0Z"), None);
    }

    #[test]
    fn writer_round_trips_through_the_reader() {
        let guid = Guid::parse("35918bc9-196d-40ea-9779-889d79b753f0").unwrap();
        let sid = vec![
            1, 5, 0, 0, 0, 0, 0, 5, 21, 0, 0, 0, 0xDC, 0xF4, 0xDC, 0x3B, 0x83, 0x3D, 0x2B, 0x46, 0x82, 0x8B, 0xA6,
            0x28, 0x51, 4, 0, 0,
        ];
        let long =
            "Contoso staff directory pilot account; created by the onboarding workflow for the Paris office team";
        let attrs: Vec<(&str, Vec<LdifValue>)> = vec![
            ("objectClass", vec![LdifValue::Text("top".into()), LdifValue::Text("user".into())]),
            ("cn", vec![LdifValue::Text("Zoë Martin".into())]),
            ("objectGUID", vec![LdifValue::Binary(guid.to_ad_bytes().to_vec())]),
            ("objectSid", vec![LdifValue::Binary(sid)]),
            ("mS-DS-ConsistencyGuid", vec![LdifValue::Binary(b"ABCDEFGHIJKLMNOP".to_vec())]),
            ("description", vec![LdifValue::Text(long.into())]),
            (
                "info",
                vec![
                    LdifValue::Text(" leading space".into()),
                    LdifValue::Text(":colon".into()),
                    LdifValue::Text("<angle".into()),
                    LdifValue::Text("trailing ".into()),
                    LdifValue::Text("two\r\nlines".into()),
                    LdifValue::Text(String::new()),
                    LdifValue::Text("#not a comment".into()),
                ],
            ),
            (
                "proxyAddresses",
                vec![LdifValue::Text("SMTP:zoe@contoso.com".into()), LdifValue::Text("smtp:z@fabrikam.com".into())],
            ),
            ("userAccountControl", vec![LdifValue::Text("512".into())]),
        ];
        let dn = "CN=Zoë Martin,OU=Staff,DC=contoso,DC=com";
        let mut out = String::new();
        write_version(&mut out);
        write_entry(&mut out, dn, &attrs);
        write_entry(&mut out, "CN=Plain,DC=contoso,DC=com", &[("objectClass", vec![LdifValue::Text("group".into())])]);
        assert!(out.lines().all(|l| l.len() <= FOLD_WIDTH), "{out}");
        assert!(out.contains("\ndescription: Contoso"), "safe text stays plain");
        assert!(out.contains("dn:: "), "non-ASCII DN is Base64");

        let back = entries(&out).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(back[0].dn, dn);
        assert_eq!(back[0].line, 3);
        let expected: Vec<(String, LdifValue)> =
            attrs.iter().flat_map(|(n, vs)| vs.iter().map(|v| (n.to_string(), v.clone()))).collect();
        assert_eq!(back[0].attrs, expected);
        assert_eq!(back[1].dn, "CN=Plain,DC=contoso,DC=com");

        let ex = run(&out).unwrap();
        assert!(ex.issues.is_empty(), "{:?}", ex.issues);
        let o = &ex.ad_objects[0];
        assert_eq!(o.object_guid, Some(guid));
        assert_eq!(o.object_sid.as_deref(), Some("S-1-5-21-1004336348-1177238915-682003330-1105"));
        assert_eq!(o.consistency_guid.as_deref(), Some(&b"ABCDEFGHIJKLMNOP"[..]));
        assert_eq!(o.cn.as_deref(), Some("Zoë Martin"));
        assert_eq!(o.proxy_addresses.len(), 2);
        assert_eq!(o.enabled, Some(true));
    }

    #[test]
    fn strict_entries_refuses_problems() {
        assert_eq!(entries("dn: CN=a\njunk\n\n").unwrap_err().line, 2);
        assert_eq!(entries("dn: CN=a\nobjectGUID:: ***\n\n").unwrap_err().line, 2);
        assert_eq!(entries("dn: CN=a\nobjectClass: user").unwrap_err().line, 1);
    }

    #[test]
    fn odd_inputs_never_panic() {
        for t in [
            "",
            "\n",
            " ",
            " dn: x\n",
            "dn:",
            "dn::",
            "dn:: !!!\n",
            "dn:<",
            "dn: a\n:\n",
            "dn: a\n;: x\n",
            "dn: a\nx;range=: y\n",
            "dn: a\nobjectSid:: AQ==\n",
            "dn: a\nwhenCreated: 99999999999999.9+9999\n",
            "dn: é\n é\n",
            "\r\r\r",
            "dn: a\r",
            "dn: a\nuserAccountControl: 99999999999999999999999\n",
            "dn: a\ndn: b\n",
            "#\n #\n",
        ] {
            let _ = sniff(t);
            let _ = run(t);
            let _ = entries(t);
        }
    }

    #[test]
    fn real_ldapsearch_dump_of_an_ad_domain() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/realdata/offsec-hutch-ldapsearch");
        let Ok(text) = std::fs::read_to_string(dir.join("ldapsearch.txt")) else {
            eprintln!("skipping: {} not present", dir.display());
            return;
        };
        assert_eq!(sniff(&text), Sniff::Yes);
        let ex = run(&text).unwrap();
        // 38 entries (the file's own `# numEntries: 38`), 14 of class user, 13 groups, 11 dn-only.
        assert_eq!(ex.records, 38);
        assert_eq!(ex.ad_objects.iter().filter(|o| o.class == AdClass::User).count(), 14);
        assert_eq!(ex.ad_objects.iter().filter(|o| o.class == AdClass::Group).count(), 13);
        // PROVENANCE.md: 13 users on the non-routable UPN suffix hutch.offsec.
        assert_eq!(
            ex.ad_objects.iter().filter(|o| o.upn.as_deref().is_some_and(|u| u.ends_with("@hutch.offsec"))).count(),
            13
        );
        let junk = issues(&ex, codes::UNREADABLE_RECORD);
        assert_eq!(junk.len(), 1, "only the shell prompt: {junk:?}");
        assert_eq!(junk[0].at.line, 1);
        let hidden = issues(&ex, codes::MISSING_FIELDS);
        assert_eq!(hidden.len(), 1);
        assert_eq!(hidden[0].at.line, 11);
        assert!(hidden[0].message.starts_with("11 entries have only a dn"), "{}", hidden[0].message);
        // `lastLogon: 132579563744834908f` is corrupted but lastLogon is not mapped: no IN008.
        assert!(issues(&ex, codes::INVALID_VALUE).is_empty(), "{:?}", ex.issues);
        assert_eq!(ex.issues.len(), 2);

        let fred = by_dn(&ex, "CN=Freddy McSorley,CN=Users,DC=hutch,DC=offsec");
        assert_eq!(fred.source.line, 820);
        // Expected values computed independently with python3:
        //   uuid.UUID(bytes_le=base64.b64decode('TxilGIhMVkuei6KplCd8ug=='))
        //   SID: revision, count, int.from_bytes(b[2:8],'big'), struct.unpack('<5I', b[8:28]) of
        //   base64.b64decode('AQUAAAAAAAUVAAAARZojhOF3UxtpokGnWwQAAA==')
        assert_eq!(fred.object_guid.unwrap().to_string(), "18a5184f-4c88-4b56-9e8b-a2a994277cba");
        assert_eq!(fred.object_guid.unwrap().immutable_id(), "TxilGIhMVkuei6KplCd8ug==");
        assert_eq!(fred.object_sid.as_deref(), Some("S-1-5-21-2216925765-458455009-2806096489-1115"));
        assert_eq!(fred.upn.as_deref(), Some("fmcsorley@hutch.offsec"));
        assert_eq!(fred.sam_account_name.as_deref(), Some("fmcsorley"));
        assert_eq!((fred.user_account_control, fred.enabled), (Some(66048), Some(true)));
        assert_eq!(fred.when_created.as_deref(), Some("2020-11-04T05:35:05Z"));
        assert_eq!(fred.when_changed.as_deref(), Some("2021-02-16T13:39:34Z"));
        let guest = by_dn(&ex, "CN=Guest,CN=Users,DC=hutch,DC=offsec");
        assert_eq!((guest.user_account_control, guest.enabled), (Some(66082), Some(false)));
        assert_eq!(guest.is_critical_system_object, Some(true));
        assert_eq!(guest.object_guid.unwrap().to_string(), "0044ab54-9003-48f2-bc3c-a441b3bc47f8");
        let admin = by_dn(&ex, "CN=Administrator,CN=Users,DC=hutch,DC=offsec");
        assert_eq!(admin.class, AdClass::Other(UNKNOWN_CLASS.into()));
        assert_eq!(admin.source.line, 14);
    }
}
