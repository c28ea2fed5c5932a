//! Shared CSV helpers for the `Export-Csv` and `csvde` readers.
//!
//! PowerShell CSV comes in several dialects: Windows PowerShell 5.1 writes a `#TYPE <type>` first
//! line (unless `-NoTypeInformation`) and quotes every field; PowerShell 7 writes no `#TYPE` line and
//! may leave fields unquoted (`-UseQuotes AsNeeded`); `-UseCulture` switches the delimiter to the
//! locale's list separator (often `;`). [`CsvFile`] handles all of them: it skips the `#TYPE` line by
//! hand (csv's `comment` option would also drop data rows starting with `#`), sniffs the delimiter
//! from the header line, looks headers up case-insensitively, gives each row the 1-based physical
//! line where it starts (multi-line quoted fields included) and turns rows with the wrong number of
//! fields into `IN002` issues.
//!
//! The module also holds the value helpers the three CSV readers share: .NET type names standing in
//! for values (lossy columns), per-column issue tallies, booleans, dates, proxyAddresses splitting,
//! binary GUID forms and SIDs.

use super::text::LineIndex;
use super::{Extract, Input, ReadError, codes};
use crate::model::Guid;
use crate::model::anchor::{decode_base64, decode_hex};
use std::collections::HashMap;

/// How many bytes of a file the sniffers look at (the `#TYPE` line and the header line).
pub const SNIFF_LIMIT: usize = 64 * 1024;

/// Rows with the wrong number of fields reported one by one before the rest are summed up.
const MAX_ROW_ISSUES: usize = 20;

/// The start of a PowerShell CSV: the optional `#TYPE` line and where the header line begins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prelude<'a> {
    /// The type name of a `#TYPE <type>` first line (`Microsoft.ActiveDirectory.Management.ADUser`).
    pub type_name: Option<&'a str>,
    /// Byte offset of the header line.
    pub header_start: usize,
}

/// Finds the `#TYPE` line (only as the first line) and skips blank lines before the header.
pub fn prelude(text: &str) -> Prelude<'_> {
    let mut pos = 0;
    let mut type_name = None;
    let first = text.split('\n').next().unwrap_or("");
    let first_trimmed = first.trim_end_matches('\r').trim_start_matches('\u{feff}');
    if let Some(rest) = first_trimmed.get(..5).filter(|p| p.eq_ignore_ascii_case("#TYPE")).and(first_trimmed.get(5..)) {
        type_name = Some(rest.trim());
        pos = (first.len() + 1).min(text.len());
    }
    let bytes = text.as_bytes();
    while pos < bytes.len() && matches!(bytes[pos], b'\r' | b'\n') {
        pos += 1;
    }
    Prelude { type_name, header_start: pos }
}

/// Picks the delimiter of a header line: the most frequent of `,`, `;` and tab outside quotes (`,` on a tie).
pub fn sniff_delimiter(header_line: &str) -> u8 {
    let (mut comma, mut semi, mut tab) = (0usize, 0usize, 0usize);
    let mut quoted = false;
    for b in header_line.bytes() {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => comma += 1,
            b';' if !quoted => semi += 1,
            b'\t' if !quoted => tab += 1,
            _ => {}
        }
    }
    if semi > comma && semi >= tab {
        b';'
    } else if tab > comma && tab > semi {
        b'\t'
    } else {
        b','
    }
}

/// Column names of a CSV header with case-insensitive lookup.
#[derive(Debug, Clone, Default)]
pub struct Header {
    names: Vec<String>,
    index: HashMap<String, usize>,
    duplicate: Option<(usize, usize)>,
}

impl Header {
    /// Builds the lookup; the first of two same-named (case-insensitive) columns wins and the pair is
    /// remembered (see [`Header::duplicate`]). Names are trimmed; empty names are never looked up.
    pub fn new(names: Vec<String>) -> Self {
        let names: Vec<String> =
            names.into_iter().map(|n| n.trim_start_matches('\u{feff}').trim().to_string()).collect();
        let mut index = HashMap::with_capacity(names.len());
        let mut duplicate = None;
        for (i, n) in names.iter().enumerate() {
            if n.is_empty() {
                continue;
            }
            match index.entry(n.to_ascii_lowercase()) {
                std::collections::hash_map::Entry::Occupied(e) => {
                    if duplicate.is_none() {
                        duplicate = Some((*e.get(), i));
                    }
                }
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(i);
                }
            }
        }
        Self { names, index, duplicate }
    }
    /// Index of a column (case-insensitive).
    pub fn find(&self, name: &str) -> Option<usize> {
        self.index.get(&name.to_ascii_lowercase()).copied()
    }
    /// True when the column exists.
    pub fn has(&self, name: &str) -> bool {
        self.find(name).is_some()
    }
    /// True when any of the columns exists.
    pub fn has_any(&self, names: &[&str]) -> bool {
        names.iter().any(|n| self.has(n))
    }
    /// Indices of the columns that exist among `names`, in the order given.
    pub fn find_all(&self, names: &[&str]) -> Vec<usize> {
        names.iter().filter_map(|n| self.find(n)).collect()
    }
    /// Column names as written.
    pub fn names(&self) -> &[String] {
        &self.names
    }
    /// Name of column `i` (empty when out of range).
    pub fn name(&self, i: usize) -> &str {
        self.names.get(i).map(String::as_str).unwrap_or("")
    }
    /// Number of columns.
    pub fn len(&self) -> usize {
        self.names.len()
    }
    /// True when there are no columns.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
    /// The first pair of columns whose names differ only by case (or not at all).
    pub fn duplicate(&self) -> Option<(usize, usize)> {
        self.duplicate
    }
}

/// What a sniffer sees: the `#TYPE` name and the header, read from the start of the text only.
#[derive(Debug, Clone)]
pub struct SniffedHeader<'a> {
    /// Type name of the `#TYPE` line.
    pub type_name: Option<&'a str>,
    /// The header.
    pub header: Header,
    /// The delimiter found.
    pub delimiter: u8,
    /// The text after the header line (for a quick look at the first data row), at most [`SNIFF_LIMIT`] bytes.
    pub rest: &'a str,
}

/// Reads the `#TYPE` line and the header line from the first [`SNIFF_LIMIT`] bytes.
/// `None` when there is no header line.
pub fn sniff_header(text: &str) -> Option<SniffedHeader<'_>> {
    let p = prelude(head(text, SNIFF_LIMIT));
    let after = text.get(p.header_start..)?;
    let window = head(after, SNIFF_LIMIT);
    let line_end = window.find('\n').unwrap_or(window.len());
    let line = window[..line_end].trim_end_matches('\r');
    if line.trim().is_empty() {
        return None;
    }
    // JSON (even compact, all on one line) and XML are never CSV, whatever their "columns" look like.
    if matches!(line.trim_start().as_bytes().first(), Some(b'{' | b'[' | b'<')) {
        return None;
    }
    let delimiter = sniff_delimiter(line);
    let header = Header::new(split_header_line(line, delimiter)?);
    let rest_start = (line_end + 1).min(after.len());
    let rest = head(after.get(rest_start..).unwrap_or(""), SNIFF_LIMIT);
    Some(SniffedHeader { type_name: p.type_name, header, delimiter, rest })
}

/// The fields of one header line, or `None` when it holds no record.
fn split_header_line(line: &str, delimiter: u8) -> Option<Vec<String>> {
    let mut tok = Tokenizer::new(delimiter);
    let mut pos = 0;
    tok.next_record(line.as_bytes(), &mut pos).ok()?.then(|| tok.fields().map(str::to_string).collect())
}

thread_local! {
    /// Idle CSV parsers by delimiter. Building one (csv-core compiles a state machine) costs far more
    /// than reading a header line with it, and sniffing asks several times per file.
    static PARSERS: std::cell::RefCell<Vec<(u8, csv_core::Reader)>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Splits CSV text into records with a pooled csv-core parser (RFC 4180 quoting, any delimiter, a
/// varying number of fields per record); the parser goes back to the pool when dropped.
struct Tokenizer {
    delimiter: u8,
    parser: Option<csv_core::Reader>,
    out: Vec<u8>,
    ends: Vec<usize>,
    /// The current record's fields, concatenated (`ends` splits them).
    record: String,
    fields: usize,
}

impl Tokenizer {
    fn new(delimiter: u8) -> Self {
        let pooled =
            PARSERS.with_borrow_mut(|p| p.iter().position(|(d, _)| *d == delimiter).map(|i| p.swap_remove(i).1));
        let mut parser = pooled.unwrap_or_else(|| csv_core::ReaderBuilder::new().delimiter(delimiter).build());
        parser.reset();
        Self {
            delimiter,
            parser: Some(parser),
            out: vec![0; 1024],
            ends: vec![0; 64],
            record: String::new(),
            fields: 0,
        }
    }

    /// Reads the next record of `input` from `*pos` (advanced past it). `Ok(false)` at the end.
    fn next_record(&mut self, input: &[u8], pos: &mut usize) -> Result<bool, &'static str> {
        use csv_core::ReadRecordResult as R;
        let Some(parser) = self.parser.as_mut() else { return Ok(false) };
        let (mut nout, mut nend) = (0, 0);
        loop {
            // Once the input is used up, the empty slice tells the parser that it has ended.
            let rest = input.get(*pos..).unwrap_or_default();
            let (res, i, o, e) = parser.read_record(rest, &mut self.out[nout..], &mut self.ends[nend..]);
            (*pos, nout, nend) = (*pos + i, nout + o, nend + e);
            match res {
                R::InputEmpty => {}
                R::OutputFull => self.out.resize(self.out.len() * 2, 0),
                R::OutputEndsFull => self.ends.resize(self.ends.len() * 2, 0),
                R::Record => break,
                R::End => {
                    self.fields = 0;
                    return Ok(false);
                }
            }
        }
        // Delimiters and quotes are ASCII, so the unquoted fields of UTF-8 text stay UTF-8.
        let text = std::str::from_utf8(&self.out[..nout]).map_err(|_| "a field is not valid UTF-8")?;
        self.record.clear();
        self.record.push_str(text);
        self.fields = nend;
        Ok(true)
    }

    /// Number of fields of the current record.
    fn len(&self) -> usize {
        self.fields
    }

    /// Field `i` of the current record.
    fn field(&self, i: usize) -> Option<&str> {
        if i >= self.fields {
            return None;
        }
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.record.get(start..self.ends[i])
    }

    fn fields(&self) -> impl Iterator<Item = &str> {
        (0..self.fields).filter_map(|i| self.field(i))
    }
}

impl Drop for Tokenizer {
    fn drop(&mut self) {
        if let Some(parser) = self.parser.take() {
            let delimiter = self.delimiter;
            // During thread teardown the pool may already be gone: then the parser is simply dropped.
            let _ = PARSERS.try_with(|p| {
                if let Ok(mut p) = p.try_borrow_mut()
                    && p.len() < 8
                {
                    p.push((delimiter, parser));
                }
            });
        }
    }
}

/// The first `limit` bytes of `text`, cut back to a character boundary.
pub fn head(text: &str, limit: usize) -> &str {
    if text.len() <= limit {
        return text;
    }
    let mut end = limit;
    while end > 0 && !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// A CSV file being read row by row.
pub struct CsvFile<'a> {
    /// Type name of the `#TYPE` line, if any.
    pub type_name: Option<String>,
    /// Delimiter in use.
    pub delimiter: u8,
    /// The header.
    pub header: Header,
    /// 1-based line of the header.
    pub header_line: u32,
    text: &'a str,
    base: usize,
    /// Bytes of `text` after the prelude, and how far the tokenizer has read them.
    body: &'a [u8],
    pos: usize,
    tok: Tokenizer,
    lines: LineIndex<'a>,
    line: u32,
    rows: usize,
    bad_rows: usize,
}

impl<'a> CsvFile<'a> {
    /// Reads the prelude and the header. Errors: no header line, or two columns with the same name.
    pub fn open(text: &'a str) -> Result<Self, ReadError> {
        let p = prelude(text);
        let type_name = p.type_name.map(str::to_string);
        let after = text.get(p.header_start..).unwrap_or("");
        let first_line = after.split('\n').next().unwrap_or("");
        let delimiter = sniff_delimiter(head(first_line, SNIFF_LIMIT));
        let mut tok = Tokenizer::new(delimiter);
        let mut pos = 0;
        let mut lines = LineIndex::new(text);
        let header_line = lines.line_of(p.header_start);
        let got = tok.next_record(after.as_bytes(), &mut pos).map_err(|e| csv_error(header_line, e))?;
        if !got || tok.fields().all(|f| f.trim().is_empty()) {
            return Err(ReadError::new(header_line, "no header line: the CSV holds no column names"));
        }
        let header = Header::new(tok.fields().map(str::to_string).collect());
        if let Some((a, b)) = header.duplicate() {
            return Err(ReadError::new(
                header_line,
                format!(
                    "duplicated column name: column {} `{}` and column {} `{}` (names are compared ignoring case); \
                     rename one of them in the Select-Object list and export again",
                    a + 1,
                    header.name(a),
                    b + 1,
                    header.name(b)
                ),
            ));
        }
        Ok(Self {
            type_name,
            delimiter,
            header,
            header_line,
            text,
            base: p.header_start,
            body: after.as_bytes(),
            pos,
            tok,
            lines,
            line: header_line,
            rows: 0,
            bad_rows: 0,
        })
    }

    /// Advances to the next row with the right number of fields; rows with another number of fields
    /// become `IN002` issues. Returns false at the end of the file.
    pub fn next_row(&mut self, ex: &mut Extract, input: &Input<'_>) -> Result<bool, ReadError> {
        loop {
            let start = self.pos;
            let got = self.tok.next_record(self.body, &mut self.pos).map_err(|e| csv_error(self.line, e))?;
            if !got {
                self.finish(ex, input);
                return Ok(false);
            }
            let mut off = self.base + start;
            let bytes = self.text.as_bytes();
            while off < bytes.len() && matches!(bytes[off], b'\r' | b'\n') {
                off += 1;
            }
            self.line = self.lines.line_of(off);
            if self.tok.len() == self.header.len() {
                self.rows += 1;
                return Ok(true);
            }
            self.bad_rows += 1;
            if self.bad_rows <= MAX_ROW_ISSUES {
                ex.issue(
                    input.at(self.line),
                    codes::UNREADABLE_RECORD,
                    format!(
                        "row has {} fields but the header has {} columns: row skipped; a value with an unquoted \
                         delimiter or a hand edit broke it, export again with Export-Csv",
                        self.tok.len(),
                        self.header.len()
                    ),
                );
            }
        }
    }

    fn finish(&mut self, ex: &mut Extract, input: &Input<'_>) {
        if self.bad_rows > MAX_ROW_ISSUES {
            ex.issue(
                input.at(0),
                codes::UNREADABLE_RECORD,
                format!(
                    "{} more rows with the wrong number of fields were skipped ({} in all)",
                    self.bad_rows - MAX_ROW_ISSUES,
                    self.bad_rows
                ),
            );
            self.bad_rows = MAX_ROW_ISSUES;
        }
    }

    /// 1-based line where the current row starts.
    pub fn line(&self) -> u32 {
        self.line
    }
    /// Good rows read so far.
    pub fn rows(&self) -> usize {
        self.rows
    }
    /// Field `i` of the current row; `None` when empty (PowerShell writes `$null` as an empty field).
    pub fn get(&self, i: usize) -> Option<&str> {
        self.tok.field(i).filter(|v| !v.is_empty())
    }
}

fn csv_error(line: u32, e: impl std::fmt::Display) -> ReadError {
    ReadError::new(line, format!("malformed CSV: {e}"))
}

/// True when a cell holds a .NET type name instead of data: what `Export-Csv` writes for a
/// multi-valued or binary property that was not flattened first (`System.Byte[]`,
/// `Microsoft.ActiveDirectory.Management.ADPropertyValueCollection`, ``System.Collections.Generic.List`1[System.String]``).
///
/// Exact known names always count; other `System.*`, `Microsoft.ActiveDirectory.*` and
/// `Microsoft.Online.*` values count when they look like a type (a generic or array marker, a nested
/// type `+`, or at least two dots with every dotted part an identifier), so `System.Backup` (a
/// plausible account name) is data.
pub fn is_type_name(value: &str) -> bool {
    let v = value.trim();
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
    cols: Vec<Tally>,
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
    let v = value.trim();
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
    let v = value.trim();
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
fn starts_with_address_type(s: &str) -> bool {
    let Some(colon) = s.find(':') else {
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
    let v = value.trim();
    if v.is_empty() {
        return Vec::new();
    }
    let is_sep = |c: char| matches!(c, ';' | ',' | ' ' | '\t' | '\r' | '\n');
    if !starts_with_address_type(v) {
        return v.split(';').map(str::trim).filter(|s| !s.is_empty()).map(crate::model::Text::from).collect();
    }
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    let bytes = v.as_bytes();
    while i < bytes.len() {
        if is_sep(bytes[i] as char) {
            let mut j = i;
            while j < bytes.len() && is_sep(bytes[j] as char) {
                j += 1;
            }
            if j < bytes.len() && starts_with_address_type(&v[j..]) {
                let part = v[start..i].trim();
                if !part.is_empty() {
                    out.push(part.into());
                }
                start = j;
            }
            i = j;
        } else {
            i += 1;
        }
    }
    let last = v[start..].trim_end_matches(is_sep).trim();
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
    let v = value.trim();
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
    let v = value.trim();
    let Some(rest) = v.strip_prefix("S-").or_else(|| v.strip_prefix("s-")) else {
        return false;
    };
    let parts: Vec<&str> = rest.split('-').collect();
    parts.len() >= 2 && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod json_is_not_csv {
    #[test]
    fn compact_json_and_xml_are_not_csv_headers() {
        let compact = r#"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users","value":[{"OnPremisesImmutableId":"x","userPrincipalName":"a@contoso.com","id":"1"}]}"#;
        assert!(super::sniff_header(compact).is_none());
        assert!(super::sniff_header("[{\"UserPrincipalName\":\"a\",\"ObjectId\":\"b\"}]").is_none());
        assert!(super::sniff_header("<root a=\"1,2\"/>").is_none());
        assert_eq!(crate::ingest::detect(compact).map(|(f, _)| f.name), Some("graph-json"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    fn input(text: &str) -> Input<'_> {
        Input { file: FileId(0), text }
    }

    /// Reads all rows, returning (line, fields) pairs and the extract with its issues.
    fn read_all(text: &str) -> (Vec<(u32, Vec<String>)>, Extract) {
        let inp = input(text);
        let mut ex = Extract::default();
        let mut f = CsvFile::open(text).unwrap();
        let mut out = Vec::new();
        while f.next_row(&mut ex, &inp).unwrap() {
            let fields = (0..f.header.len()).map(|i| f.get(i).unwrap_or("").to_string()).collect();
            out.push((f.line(), fields));
        }
        (out, ex)
    }

    #[test]
    fn type_line_is_skipped_and_remembered() {
        let t = "#TYPE Microsoft.ActiveDirectory.Management.ADUser\r\n\"Name\",\"SamAccountName\"\r\n\"Ann\",\"ann\"\r\n\"#hash\",\"x\"\r\n";
        let f = CsvFile::open(t).unwrap();
        assert_eq!(f.type_name.as_deref(), Some("Microsoft.ActiveDirectory.Management.ADUser"));
        assert_eq!(f.header_line, 2);
        let (rows, ex) = read_all(t);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0], (3, vec!["Ann".to_string(), "ann".to_string()]));
        // A data row starting with `#` is data, not a comment.
        assert_eq!(rows[1], (4, vec!["#hash".to_string(), "x".to_string()]));
        assert!(ex.issues.is_empty());
    }

    #[test]
    fn delimiters_are_sniffed_from_the_header() {
        assert_eq!(sniff_delimiter("\"a\";\"b\";\"c\""), b';');
        assert_eq!(sniff_delimiter("a,b;c,d"), b',');
        assert_eq!(sniff_delimiter("a\tb\tc"), b'\t');
        assert_eq!(sniff_delimiter("\"x;y\",b"), b',');
        assert_eq!(sniff_delimiter("single"), b',');
        let (rows, _) = read_all("Name;Mail\nAnn;ann@contoso.com\n");
        assert_eq!(rows[0].1, vec!["Ann", "ann@contoso.com"]);
        let (rows, _) = read_all("Name\tMail\nAnn\tann@contoso.com\n");
        assert_eq!(rows[0].1, vec!["Ann", "ann@contoso.com"]);
    }

    #[test]
    fn lines_count_multiline_fields_blank_lines_and_crlf() {
        let t = "#TYPE X\r\nName,Notes\r\nAnn,\"two\r\nlines\"\r\n\r\nBob,x\r\nCy,\"a\nb\nc\"\nDee,y";
        let (rows, ex) = read_all(t);
        let lines: Vec<u32> = rows.iter().map(|r| r.0).collect();
        assert_eq!(lines, vec![3, 6, 7, 10]);
        assert_eq!(rows[0].1[1], "two\r\nlines");
        assert!(ex.issues.is_empty());
    }

    #[test]
    fn wrong_field_count_is_an_issue_with_its_line() {
        let t = "Name,Mail\nAnn,a@contoso.com\nBob,b@contoso.com,extra\nCy\nDee,d@contoso.com\n";
        let (rows, ex) = read_all(t);
        assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), vec![2, 5]);
        assert_eq!(ex.issues.len(), 2);
        assert_eq!((ex.issues[0].code, ex.issues[0].at.line), (codes::UNREADABLE_RECORD, 3));
        assert!(ex.issues[0].message.contains("3 fields but the header has 2"), "{}", ex.issues[0].message);
        assert_eq!(ex.issues[1].at.line, 4);
    }

    #[test]
    fn many_bad_rows_are_summed_up() {
        let mut t = String::from("a,b\n");
        for _ in 0..25 {
            t.push_str("1,2,3\n");
        }
        let (_, ex) = read_all(&t);
        assert_eq!(ex.issues.len(), MAX_ROW_ISSUES + 1);
        assert!(ex.issues[MAX_ROW_ISSUES].message.starts_with("5 more rows"), "{}", ex.issues[20].message);
    }

    #[test]
    fn header_lookup_ignores_case_and_duplicates_fail() {
        let f = CsvFile::open("ObjectGUID,mail\n").unwrap();
        assert_eq!(f.header.find("objectguid"), Some(0));
        assert_eq!(f.header.find("MAIL"), Some(1));
        assert_eq!(f.header.find("sn"), None);
        let e = CsvFile::open("#TYPE X\nName,mail,NAME\n").err().unwrap();
        assert_eq!(e.line, 2);
        assert!(e.reason.contains("column 1 `Name` and column 3 `NAME`"), "{}", e.reason);
    }

    #[test]
    fn quoted_and_unquoted_and_empty_fields() {
        let (rows, _) = read_all("\"a\",b,\"c\"\"q\",d\n\"x\",,\"\",\"y,z\"\n");
        assert_eq!(rows[0].1, vec!["x", "", "", "y,z"]);
    }

    #[test]
    fn sniff_header_reads_only_the_start() {
        let h = sniff_header("#TYPE Foo.Bar\n\"A\";\"B\"\n1;2\n").unwrap();
        assert_eq!(h.type_name, Some("Foo.Bar"));
        assert_eq!(h.delimiter, b';');
        assert_eq!(h.header.names(), &["A".to_string(), "B".to_string()]);
        assert_eq!(h.rest, "1;2\n");
        assert!(sniff_header("#TYPE Foo\n").is_none());
        assert!(sniff_header("").is_none());
        assert!(sniff_header("é€ab\n1").is_some());
    }

    #[test]
    fn header_lines_split_as_the_csv_crate_does() {
        for (line, d) in [
            ("a,b,c", b','),
            ("\"a\";\"b;c\";\"\"", b';'),
            ("\u{feff}\"Name\",\"Say \"\"hi\"\"\",x", b','),
            ("a\tb\t\t", b'\t'),
            ("a,b\rc,d", b','),
            ("\"unterminated,b", b','),
            ("é€,ab", b','),
            (",", b','),
        ] {
            let mut rdr =
                csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(d).from_reader(line.as_bytes());
            let mut rec = csv::StringRecord::new();
            let want = rdr.read_record(&mut rec).unwrap().then(|| rec.iter().map(str::to_string).collect::<Vec<_>>());
            assert_eq!(split_header_line(line, d), want, "{line:?}");
            // The cached parser is reset between uses.
            assert_eq!(split_header_line(line, d), want, "{line:?} again");
        }
    }

    #[test]
    fn records_split_as_the_csv_crate_does() {
        let text = "\"a\",\"b\"\r\n\"multi\nline\",x\r\n\r\n\n1,\"say \"\"hi\"\"\"\r\nshort\nä,ö,ü\n\"open,quote\nlast";
        let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
        let want: Vec<Vec<String>> = rdr.records().map(|r| r.unwrap().iter().map(str::to_string).collect()).collect();
        let mut tok = Tokenizer::new(b',');
        let (mut pos, mut got) = (0, Vec::new());
        while tok.next_record(text.as_bytes(), &mut pos).unwrap() {
            got.push(tok.fields().map(str::to_string).collect::<Vec<_>>());
        }
        assert_eq!(got, want);
        assert_eq!(pos, text.len());
        // Records longer than the initial buffers.
        let long = format!("{},{}\n", "x".repeat(5000), vec!["y"; 300].join(","));
        let mut tok = Tokenizer::new(b',');
        let mut pos = 0;
        assert!(tok.next_record(long.as_bytes(), &mut pos).unwrap());
        assert_eq!((tok.len(), tok.field(0).map(str::len), tok.field(300)), (301, Some(5000), Some("y")));
    }

    #[test]
    fn type_names_are_recognised() {
        for v in [
            "Microsoft.ActiveDirectory.Management.ADPropertyValueCollection",
            "System.String[]",
            "System.Byte[]",
            "System.Object[]",
            "System.Guid[]",
            "System.Collections.Generic.List`1[System.String]",
            "System.Collections.Generic.List`1[Microsoft.Online.Administration.UserLicense]",
            "System.Collections.Hashtable+KeyCollection",
            "Microsoft.ActiveDirectory.Management.ADObject",
            "System.Runtime.Serialization.ExtensionDataObject",
        ] {
            assert!(is_type_name(v), "{v}");
        }
        for v in ["System.Backup", "ann@contoso.com", "System", "System. Admin team", "Microsoft Teams", ""] {
            assert!(!is_type_name(v), "{v}");
        }
    }

    #[test]
    fn proxy_addresses_split_on_any_join() {
        let want = vec!["SMTP:ann@contoso.com".to_string(), "smtp:ann@fabrikam.com".to_string()];
        assert_eq!(split_proxy_addresses("SMTP:ann@contoso.com;smtp:ann@fabrikam.com"), want);
        assert_eq!(split_proxy_addresses("SMTP:ann@contoso.com smtp:ann@fabrikam.com"), want);
        assert_eq!(split_proxy_addresses("SMTP:ann@contoso.com, smtp:ann@fabrikam.com"), want);
        assert_eq!(split_proxy_addresses("SMTP:ann@contoso.com\r\nsmtp:ann@fabrikam.com\r\n"), want);
        let x = split_proxy_addresses(
            "X400:C=US;A= ;P=Contoso;O=Exchange;S=Lee;G=Ann; X500:/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=ann;SMTP:ann@contoso.com",
        );
        assert_eq!(
            x,
            vec![
                "X400:C=US;A= ;P=Contoso;O=Exchange;S=Lee;G=Ann",
                "X500:/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=ann",
                "SMTP:ann@contoso.com"
            ]
        );
        assert!(split_proxy_addresses("  ").is_empty());
        assert_eq!(split_proxy_addresses("ann@contoso.com;bob@contoso.com").len(), 2);
    }

    #[test]
    fn binary_forms_decode_to_ad_bytes() {
        let g = Guid::parse("35918bc9-196d-40ea-9779-889d79b753f0").unwrap();
        let want = g.to_ad_bytes().to_vec();
        assert_eq!(parse_binary("35918bc9-196d-40ea-9779-889d79b753f0"), Some(want.clone()));
        assert_eq!(parse_binary("{35918BC9-196D-40EA-9779-889D79B753F0}"), Some(want.clone()));
        assert_eq!(parse_binary("yYuRNW0Z6kCXeYidebdT8A=="), Some(want.clone()));
        assert_eq!(parse_binary("C98B91356D19EA409779889D79B753F0"), Some(want.clone()));
        assert_eq!(parse_binary("C9 8B 91 35 6D 19 EA 40 97 79 88 9D 79 B7 53 F0"), Some(want.clone()));
        assert_eq!(parse_binary("X'c98b91356d19ea409779889d79b753f0'"), Some(want.clone()));
        let dec = want.iter().map(|b| b.to_string()).collect::<Vec<_>>().join(" ");
        assert_eq!(parse_binary(&dec), Some(want));
        assert_eq!(parse_binary("not-a-guid"), None);
        assert_eq!(parse_binary("%%%"), None);
        assert_eq!(parse_binary("1 2 300"), None);
    }

    #[test]
    fn sids_and_times() {
        let sid = [
            1u8, 5, 0, 0, 0, 0, 0, 5, 21, 0, 0, 0, 0x39, 0x30, 0, 0, 0x31, 0xD4, 0, 0, 0x0C, 0x9A, 0x4A, 0x00, 0xE9, 3,
            0, 0,
        ];
        assert_eq!(sid_to_string(&sid).as_deref(), Some("S-1-5-21-12345-54321-4889100-1001"));
        assert_eq!(sid_to_string(&sid[..10]), None);
        assert!(is_sid_text("S-1-5-21-1-2-3-500"));
        assert!(!is_sid_text("S-1-x"));
        assert_eq!(normalize_time("20240115102345.0Z"), "2024-01-15T10:23:45Z");
        assert_eq!(normalize_time("2024-01-15 10:23:45"), "2024-01-15T10:23:45");
        assert_eq!(normalize_time("1/2/2024 10:23:45 AM"), "1/2/2024 10:23:45 AM");
        assert_eq!(parse_bool("TRUE"), Some(true));
        assert_eq!(parse_bool("False"), Some(false));
        assert_eq!(parse_bool("yes"), None);
    }
}
