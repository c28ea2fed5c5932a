//! Value helpers the CSV readers share: .NET type names standing in for values (lossy columns),
//! per-column issue tallies and their issues, booleans, dates, proxyAddresses, binary GUID forms, SIDs.

use super::*;
use crate::ingest::text::TrimFast as _;

/// True when a cell holds a .NET type name instead of data: what `Export-Csv` writes for a
/// multi-valued or binary property that was not flattened first (`System.Byte[]`,
/// `Microsoft.ActiveDirectory.Management.ADPropertyValueCollection`, ``System.Collections.Generic.List`1[System.String]``).
///
/// Exact known names always count; other `System.*`, `Microsoft.ActiveDirectory.*` and
/// `Microsoft.Online.*` values count when they look like a type (a generic or array marker, a nested
/// type `+`, or at least two dots with every dotted part an identifier), so `System.Backup` (a
/// plausible account name) is data.
pub fn is_type_name(value: &str) -> bool {
    let v = value.trim_fast();
    // Every exact name and every prefix below starts with `S` or `M`: any other value (nearly every cell
    // of an export) is settled by its first byte.
    if !matches!(v.as_bytes().first(), Some(b'S' | b'M')) {
        return false;
    }
    const EXACT: &[&str] = &[
        "Microsoft.ActiveDirectory.Management.ADPropertyValueCollection",
        "System.String[]",
        "System.Byte[]",
        "System.Object[]",
        "System.Guid[]",
        "System.Object",
    ];
    if EXACT.contains(&v) {
        return true;
    }
    let prefixed = ["System.", "Microsoft.ActiveDirectory.", "Microsoft.Online."].iter().any(|p| v.starts_with(p));
    if !prefixed {
        return false;
    }
    // Outside brackets, a type name has no spaces.
    let base = v.split('[').next().unwrap_or(v);
    if base.chars().any(char::is_whitespace) {
        return false;
    }
    if v.contains('[') || v.contains('`') || v.contains('+') {
        return true;
    }
    let parts: Vec<&str> = base.split('.').collect();
    parts.len() >= 3
        && parts.iter().all(|p| {
            let mut cs = p.chars();
            cs.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && cs.all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
}

/// Per-column tally of cells with one kind of problem (lossy, unparsable), for one issue per column.
#[derive(Debug, Default)]
pub struct Tallies {
    pub(super) cols: Vec<Tally>,
}

/// Cells of one column with a problem.
#[derive(Debug, Clone)]
pub struct Tally {
    /// Column index.
    pub col: usize,
    /// Rows affected.
    pub count: usize,
    /// Line of the first one.
    pub first_line: u32,
    /// The first value seen.
    pub sample: String,
    /// What the values should have been (for unparsable values; empty for lossy cells).
    pub expected: &'static str,
}

impl Tallies {
    /// Counts one cell; `expected` describes the wanted form (kept from the first call).
    pub fn note(&mut self, col: usize, line: u32, value: &str, expected: &'static str) {
        if let Some(t) = self.cols.iter_mut().find(|t| t.col == col) {
            t.count += 1;
        } else {
            let sample: String = value.chars().take(80).collect();
            self.cols.push(Tally { col, count: 1, first_line: line, sample, expected });
        }
    }
    /// The tallies, in order of first appearance.
    pub fn iter(&self) -> impl Iterator<Item = &Tally> {
        self.cols.iter()
    }
    /// True when nothing was counted.
    pub fn is_empty(&self) -> bool {
        self.cols.is_empty()
    }
}

/// `$_.name`, or `$_.'name'` when the name is not a plain identifier (`mS-DS-ConsistencyGuid`).
pub fn ps_property(name: &str) -> String {
    if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        format!("$_.{name}")
    } else {
        format!("$_.'{name}'")
    }
}

/// The calculated property that flattens a lossy column before `Export-Csv`: Base64 for binary
/// values (`System.Byte[]`), `-join ';'` for collections.
pub fn flatten_fix(column: &str, sample: &str) -> String {
    let prop = ps_property(column);
    if sample.contains("Byte[]") {
        format!("@{{n='{column}';e={{[Convert]::ToBase64String({prop})}}}}")
    } else {
        format!("@{{n='{column}';e={{{prop} -join ';'}}}}")
    }
}

/// One `IN001` issue per lossy column: the column, the rows affected, the first line and the fix.
pub fn report_lossy(
    ex: &mut Extract,
    input: &Input<'_>,
    header: &Header,
    lossy: &Tallies,
    fix: impl Fn(&str, &str) -> String,
) {
    for t in lossy.iter() {
        let column = header.name(t.col);
        ex.issue(
            input.at(t.first_line),
            codes::LOSSY_COLUMN,
            format!(
                "column `{column}` holds the .NET type name `{}` instead of its values in {} (first at line {}): \
                 the values were lost at export and are left empty; export again with `Select-Object \
                 ...,{}`",
                t.sample,
                rows(t.count),
                t.first_line,
                fix(column, &t.sample)
            ),
        );
    }
}

/// One `IN008` issue per column with unparsable values.
pub fn report_invalid(ex: &mut Extract, input: &Input<'_>, header: &Header, invalid: &Tallies) {
    for t in invalid.iter() {
        ex.issue(
            input.at(t.first_line),
            codes::INVALID_VALUE,
            format!(
                "column `{}` has {} whose value is not {} (first at line {}: `{}`): left empty",
                header.name(t.col),
                if t.count == 1 { "1 row".to_string() } else { format!("{} rows", t.count) },
                t.expected,
                t.first_line,
                t.sample
            ),
        );
    }
}

/// `1 row` / `3 rows`.
pub fn rows(n: usize) -> String {
    if n == 1 { "1 row".to_string() } else { format!("{n} rows") }
}

/// Parses `True`/`False` (any case; `1`/`0` too).
pub fn parse_bool(value: &str) -> Option<bool> {
    let v = value.trim_fast();
    if v.eq_ignore_ascii_case("true") || v == "1" {
        Some(true)
    } else if v.eq_ignore_ascii_case("false") || v == "0" {
        Some(false)
    } else {
        None
    }
}

/// Normalises an unambiguous timestamp to ISO-8601 and keeps anything else as exported.
///
/// Normalised: LDAP generalized time (`20240115102345.0Z` → `2024-01-15T10:23:45Z`) and ISO forms
/// with a space or `T` (`2024-01-15 10:23:45` → `2024-01-15T10:23:45`). Kept verbatim: the
/// culture-dependent `DateTime.ToString()` forms Windows PowerShell writes (`1/2/2024 10:23:45 AM`
/// is 2 January in en-US and 1 February in fr-FR, so a reader cannot decide).
pub fn normalize_time(value: &str) -> String {
    let v = value.trim_fast();
    let b = v.as_bytes();
    let digits = |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    // Generalized time: yyyyMMddHHmmss[.f]Z
    if b.len() >= 15 && digits(0..14) && (b[14] == b'.' || b[14] == b'Z') && v.ends_with('Z') {
        return format!("{}-{}-{}T{}:{}:{}Z", &v[0..4], &v[4..6], &v[6..8], &v[8..10], &v[10..12], &v[12..14]);
    }
    // ISO with a space separator.
    if b.len() >= 19
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && (b[10] == b' ' || b[10] == b'T')
        && digits(11..13)
        && b[13] == b':'
    {
        let mut s = v.to_string();
        s.replace_range(10..11, "T");
        return s;
    }
    v.to_string()
}

/// True when `s` starts with an address-type prefix such as `SMTP:`, `smtp:`, `X500:`, `sip:`.
pub(super) fn starts_with_address_type(s: &str) -> bool {
    // The type is 2–10 characters before the first `:`: only the first 11 bytes can hold that colon
    // (searching the whole rest of the value for it, at every separator, was a tenth of this reader).
    let Some(colon) = s.bytes().take(11).position(|b| b == b':') else {
        return false;
    };
    (2..=10).contains(&colon) && s[..colon].bytes().all(|c| c.is_ascii_alphanumeric())
}

/// Splits a flattened proxyAddresses value into addresses.
///
/// Scripts join the collection with `;` (the documented fix), `,`, spaces (`"$($_.proxyAddresses)"`)
/// or new lines; csvde joins multi-values with `;`. Addresses themselves may hold those characters
/// (`X400:C=US;A= ;P=Contoso;...`, `X500:/o=Contoso/ou=Exchange Administrative Group (...)`), so a
/// separator only splits when the text after it starts with an address type (`SMTP:`, `x500:`...).
/// A value without any address type is one address per `;`-separated part.
pub fn split_proxy_addresses(value: &str) -> Vec<crate::model::Text> {
    let v = value.trim_fast();
    if v.is_empty() {
        return Vec::new();
    }
    let is_sep = |c: char| matches!(c, ';' | ',' | ' ' | '\t' | '\r' | '\n');
    if !starts_with_address_type(v) {
        return v.split(';').map(str::trim).filter(|s| !s.is_empty()).map(crate::model::Text::from).collect();
    }
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = v.as_bytes();
    // The next separator from `i`: found with memchr among `;`, `,` and space, unless the value holds a
    // tab or a line break (rare), when every byte is tested.
    let breaks = memchr::memchr3(b'\t', b'\r', b'\n', bytes).is_some();
    let next_sep = |i: usize| -> Option<usize> {
        let rest = &bytes[i..];
        let at =
            if breaks { rest.iter().position(|&c| is_sep(c as char)) } else { memchr::memchr3(b';', b',', b' ', rest) };
        at.map(|p| i + p)
    };
    let mut i = 0;
    while let Some(p) = next_sep(i) {
        let mut j = p;
        while j < bytes.len() && is_sep(bytes[j] as char) {
            j += 1;
        }
        if j < bytes.len() && starts_with_address_type(&v[j..]) {
            let part = v[start..p].trim_fast();
            if !part.is_empty() {
                out.push(part.into());
            }
            start = j;
        }
        i = j;
    }
    let last = v[start..].trim_end_matches(is_sep).trim_fast();
    if !last.is_empty() {
        out.push(last.into());
    }
    out
}

/// Splits a `;`-joined multi-value (csvde, scripts) into trimmed non-empty parts.
pub fn split_multi<T: for<'x> From<&'x str>>(value: &str) -> Vec<T> {
    value.split(';').map(str::trim).filter(|s| !s.is_empty()).map(T::from).collect()
}

/// Decodes a binary GUID-like value written as text, to raw bytes in AD layout.
///
/// Accepted forms, in this order: GUID text (`{...}` optional) → `Guid::to_ad_bytes`; csvde
/// `X'<hex>'`; 32 hex digits, optionally space-separated in pairs (`C9 8B 91 ...`, the metaverse
/// form); space-separated decimal bytes (`201 139 145 ...`, what `"$($bytes)"` gives in PowerShell);
/// Base64 (any decoded length is kept: the anchor rules judge the bytes).
pub fn parse_binary(value: &str) -> Option<Vec<u8>> {
    let v = value.trim_fast();
    if v.is_empty() {
        return None;
    }
    if v.contains('-') {
        return Guid::parse(v).map(|g| g.to_ad_bytes().to_vec());
    }
    if v.starts_with("X'") || v.starts_with("x'") {
        return crate::model::anchor::decode_csvde_hex(v);
    }
    if v.contains(' ') {
        let tokens: Vec<&str> = v.split_whitespace().collect();
        if tokens.iter().all(|t| t.len() == 2 && t.bytes().all(|c| c.is_ascii_hexdigit())) {
            return decode_hex(v);
        }
        if tokens.iter().all(|t| !t.is_empty() && t.len() <= 3 && t.bytes().all(|c| c.is_ascii_digit())) {
            return tokens.iter().map(|t| t.parse::<u8>().ok()).collect();
        }
        return None;
    }
    if v.len() == 32 && v.bytes().all(|c| c.is_ascii_hexdigit()) {
        return decode_hex(v);
    }
    decode_base64(v).filter(|b| !b.is_empty())
}

/// Renders a binary SID as `S-1-5-21-...`; `None` when the bytes are not a SID.
pub fn sid_to_string(bytes: &[u8]) -> Option<String> {
    let revision = *bytes.first()?;
    let count = *bytes.get(1)? as usize;
    if bytes.len() != 8 + 4 * count {
        return None;
    }
    let authority = bytes[2..8].iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
    let mut s = format!("S-{revision}-{authority}");
    for chunk in bytes[8..].chunks_exact(4) {
        let sub = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        s.push_str(&format!("-{sub}"));
    }
    Some(s)
}

/// True when the text is a SID in string form (`S-1-...` with numeric parts).
pub fn is_sid_text(value: &str) -> bool {
    let v = value.trim_fast();
    let Some(rest) = v.strip_prefix("S-").or_else(|| v.strip_prefix("s-")) else {
        return false;
    };
    let parts: Vec<&str> = rest.split('-').collect();
    parts.len() >= 2 && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()))
}
