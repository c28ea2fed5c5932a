//! Strict read-back of plain entries with every value decoded ([`entries`]): the check that LDIF
//! written by [`super::write_entry`] (the LDAP collector's output) reads back identically.

use super::records::*;
use crate::ingest::ReadError;

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
pub(super) const BINARY_ATTRS: &[&str] = &[
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
pub(super) fn strict_entry(item: Item<'_>) -> Result<Option<LdifEntry>, ReadError> {
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
