//! Reader: LDIF from ldifde or ldapsearch (RFC 2849), and a small LDIF writer.
//!
//! What lives where: this file registers the format and holds the sniffer; [`records`] undoes line
//! folding and groups logical lines into records; [`reader`] maps entries to [`AdObject`]s (the
//! format's reader); [`entries`] reads every entry back strictly with decoded values; [`writer`]
//! writes entries, comments and `changetype: modify` records; [`changes`] holds the change-record
//! types and reads `changetype: modify` files back strictly.
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

mod changes;
mod entries;
mod reader;
mod records;
#[cfg(test)]
mod tests;
mod writer;

pub use changes::{LdifChange, LdifMod, ModOp, changes};
pub use entries::{LdifEntry, LdifValue, entries, is_binary_attr};
pub use reader::{generalized_time, read, sid_to_string};
pub use writer::{write_comment, write_entry, write_modify, write_version};

use super::{Format, Sniff};

/// Registration in [`super::FORMATS`].
pub const FORMAT: Format = Format { name: "ldif", summary: "LDIF from ldifde or ldapsearch (RFC 2849)", sniff, read };

/// Non-empty lines the sniffer looks at.
const SNIFF_LINES: usize = 50;
/// Bytes the sniffer looks at.
const SNIFF_BYTES: usize = 64 * 1024;
/// Junk lines (shell prompt, command line...) tolerated before the first `dn:` when sniffing.
const SNIFF_MAX_JUNK: usize = 5;

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
