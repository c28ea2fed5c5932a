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
//!
//! What lives where: reading a CSV file (prelude, header, delimiter, rows: [`CsvFile`]) here; the
//! shared value helpers and per-column tallies in `values`.

#[cfg(test)]
mod tests;
mod values;

pub use values::*;

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
    tok.next_record(line, &mut pos).ok()?.then(|| tok.fields().map(str::to_string).collect())
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
    fn next_record(&mut self, input: &str, pos: &mut usize) -> Result<bool, &'static str> {
        if let Some(more) = self.simple_record(input, pos) {
            return Ok(more);
        }
        use csv_core::ReadRecordResult as R;
        let Some(parser) = self.parser.as_mut() else { return Ok(false) };
        // The record may follow ones read by `simple_record`, which csv-core did not see.
        parser.reset();
        let input = input.as_bytes();
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

    /// The next record when it is a plain one — fields quoted without `""` inside, or unquoted without
    /// a quote, ended by the delimiter, a line end or the end of the text — read with `memchr` instead
    /// of csv-core's byte-by-byte state machine (every export writes such records; a million-row file
    /// spent a fifth of its parse in the state machine). `None` leaves anything else, from the
    /// record's start, to csv-core: the records come out the same (tests: `records_split_as_the_csv_crate_does`).
    fn simple_record(&mut self, input: &str, pos: &mut usize) -> Option<bool> {
        let d = self.delimiter;
        if !d.is_ascii() || matches!(d, b'"' | b'\r' | b'\n') {
            return None;
        }
        let b = input.as_bytes();
        let mut i = *pos;
        // Blank lines between records are skipped, as csv-core skips them.
        while i < b.len() && matches!(b[i], b'\r' | b'\n') {
            i += 1;
        }
        if i == b.len() {
            *pos = i;
            self.fields = 0;
            return Some(false);
        }
        self.record.clear();
        let mut n = 0;
        loop {
            let field = if b.get(i) == Some(&b'"') {
                let close = i + 1 + memchr::memchr(b'"', &b[i + 1..])?;
                if b.get(close + 1) == Some(&b'"') {
                    return None; // a doubled quote inside: csv-core unescapes it
                }
                let f = input.get(i + 1..close)?;
                i = close + 1;
                f
            } else {
                let len = memchr::memchr3(d, b'\r', b'\n', &b[i..]).unwrap_or(b.len() - i);
                let f = input.get(i..i + len)?;
                if memchr::memchr(b'"', f.as_bytes()).is_some() {
                    return None;
                }
                i += len;
                f
            };
            self.record.push_str(field);
            if n == self.ends.len() {
                self.ends.resize(n * 2, 0);
            }
            self.ends[n] = self.record.len();
            n += 1;
            match b.get(i) {
                None => break,
                Some(&c) if c == d => i += 1,
                Some(b'\n') => {
                    i += 1;
                    break;
                }
                Some(b'\r') => {
                    i += 1;
                    if b.get(i) == Some(&b'\n') {
                        i += 1;
                    }
                    break;
                }
                // Text after a closing quote: csv-core decides what it means.
                Some(_) => return None,
            }
        }
        *pos = i;
        self.fields = n;
        Some(true)
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
    body: &'a str,
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
        let got = tok.next_record(after, &mut pos).map_err(|e| csv_error(header_line, e))?;
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
            body: after,
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
