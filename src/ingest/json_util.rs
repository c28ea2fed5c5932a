//! Shared JSON helpers (top-level shape, array elements with line numbers, case-insensitive keys).
//!
//! Large exports are never parsed into one `serde_json::Value`: the whole text is first validated
//! as a [`RawValue`] (serde_json skips nested values iteratively, so depth is not a stack risk),
//! then objects are split into `(key, &RawValue)` pairs ([`RawObject`]) and arrays into
//! `Vec<&RawValue>`, and each record is read field by field. Every `&RawValue` is a slice of the
//! input text, so its line is found from its byte offset ([`Doc::line_of`]).
//!
//! Sniffers use [`Head`], a tolerant scan of the first bytes of a file that lists the keys and
//! first values it meets (first array elements only), so no sniffer parses a whole file.

/// A string type a record field can be read into: `String` for estate-level records, the compact
/// [`crate::model::Text`] for per-object attributes.
pub trait FromText: for<'x> From<&'x str> + From<String> + AsRef<str> {}
impl<T: for<'x> From<&'x str> + From<String> + AsRef<str>> FromText for T {}

use super::{Extract, Input, ReadError, codes};
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::cell::Cell;
use std::collections::BTreeMap;
use std::fmt;

// ---------------------------------------------------------------------------------------------
// Lines

/// The parsed document: the text and a cursor that turns byte offsets into 1-based lines.
#[derive(Debug)]
pub struct Doc<'a> {
    text: &'a str,
    /// (byte offset, line at that offset) of the last lookup.
    cursor: Cell<(usize, u32)>,
}

impl<'a> Doc<'a> {
    /// A document over `text`.
    pub fn new(text: &'a str) -> Self {
        Self { text, cursor: Cell::new((0, 1)) }
    }
    /// The text.
    pub fn text(&self) -> &'a str {
        self.text
    }
    /// 1-based line of a byte offset. Cost is proportional to the distance from the previous
    /// lookup (in either direction), so reading records in order is linear overall.
    pub fn line_at(&self, offset: usize) -> u32 {
        let offset = offset.min(self.text.len());
        let (pos, line) = self.cursor.get();
        let bytes = self.text.as_bytes();
        let new_line = if offset >= pos {
            line + count_newlines(&bytes[pos..offset])
        } else {
            line.saturating_sub(count_newlines(&bytes[offset..pos]))
        };
        self.cursor.set((offset, new_line));
        new_line
    }
    /// 1-based line of the first byte of `raw` (which must be a slice of this document's text;
    /// anything else gives line 0).
    pub fn line_of(&self, raw: &RawValue) -> u32 {
        match self.offset_of(raw.get()) {
            Some(off) => self.line_at(off),
            None => 0,
        }
    }
    /// Byte offset of a sub-slice of the text.
    pub fn offset_of(&self, s: &str) -> Option<usize> {
        let base = self.text.as_ptr() as usize;
        let p = s.as_ptr() as usize;
        (p >= base && p + s.len() <= base + self.text.len()).then(|| p - base)
    }
}

fn count_newlines(b: &[u8]) -> u32 {
    b.iter().filter(|&&c| c == b'\n').count() as u32
}

// ---------------------------------------------------------------------------------------------
// Parsing

/// Converts a serde_json syntax error in `text` into a [`ReadError`] at the error's line, saying what
/// the parser met and where: the end of the text (a truncated file), a cut-off file padded with NUL
/// bytes, a raw control character inside a string, text after the document, a trailing comma, a bad
/// escape or number — each with the column, so the damage can be found.
pub fn syntax_error(e: &serde_json::Error, text: &str) -> ReadError {
    let line = u32::try_from(e.line()).unwrap_or(u32::MAX);
    let msg = e.to_string();
    // serde_json appends " at line N column M"; the position is carried separately.
    let msg = match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg,
    };
    if e.is_eof() {
        return ReadError::new(
            line,
            format!(
                "the JSON ends before it is complete ({msg}): the file is truncated; re-run the export and copy the whole file"
            ),
        );
    }
    // serde_json's column is the byte column of the offending byte on its line: 1-based for most
    // errors, 0-based for some (a control character met while skipping a string). Prefer the
    // candidate that holds a control character, the usual culprit.
    let offset = {
        let one = byte_offset(text, e.line(), e.column());
        let zero = byte_offset(text, e.line(), e.column() + 1);
        let is_ctl = |o: usize| text[o..].chars().next().is_some_and(|c| c.is_control());
        if !is_ctl(one) && is_ctl(zero) { zero } else { one }
    };
    let column = char_column(text, offset);
    let at = format!("line {line} column {column}");
    let found = text.get(offset..).and_then(|r| r.chars().next());
    let rest = text.get(offset..).unwrap_or("");
    // Nothing but white space and NUL bytes from the offending character on: the text stopped there.
    let cut_off = found.is_some_and(|c| c.is_control())
        && rest.trim_end_matches(|c: char| c == '\0' || c.is_whitespace()).is_empty();
    let nuls = if cut_off { rest.bytes().filter(|&b| b == 0).count() } else { 0 };
    let reason = if nuls > 0 {
        format!(
            "the JSON stops at {at} and the rest of the file is {nuls} NUL byte(s): the file was cut off and zero-filled (an interrupted copy or a crash while it was written); re-run the export and copy the whole file"
        )
    } else if cut_off {
        // A line break (or other white space) after a cut inside a string: the parser meets it
        // before the end of the text.
        format!(
            "the JSON ends before it is complete (the text stops inside a string at {at}): the file is truncated; re-run the export and copy the whole file"
        )
    } else if msg.starts_with("control character") {
        format!(
            "control character {} inside a JSON string at {at} (JSON forbids raw control characters in strings; the export was damaged or written by a broken tool); re-run the export, or replace the character if the rest of the file is intact",
            found.map_or_else(|| "U+00??".to_string(), code_point)
        )
    } else if let Some(c) = found.filter(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')) {
        format!(
            "control character {} at {at}, where JSON allows none ({msg}): the file is damaged or is not a JSON export; re-run the export",
            code_point(c)
        )
    } else if msg == "trailing characters" {
        format!(
            "more text after the end of the JSON document at {at} ({:?}): the file holds more than one JSON document (several exports appended to one file?) or text was added after it; save each export in a file of its own",
            excerpt(rest.trim_end())
        )
    } else if let Some(comma) = trailing_comma(text, offset, &msg) {
        format!(
            "a comma before a closing bracket at line {} column {} (JSON forbids trailing commas): the file was edited by hand or written by a broken tool; remove the comma or re-run the export",
            1 + count_newlines(&text.as_bytes()[..comma]),
            char_column(text, comma)
        )
    } else if msg.contains("escape") || msg == "invalid unicode code point" {
        format!(
            "invalid escape sequence in a JSON string at {at} ({msg}): the export was damaged or edited; re-run the export"
        )
    } else if msg == "invalid number" || msg == "number out of range" {
        format!("{msg} at {at}: the export was damaged or edited; re-run the export")
    } else {
        format!("invalid JSON at {at} ({msg}): the file was edited or is not a JSON export; re-run the export")
    };
    ReadError::new(line, reason)
}

/// The offset of a comma that directly precedes (but for white space) the closing bracket at
/// `offset`, when the error is about it (serde_json reports it as a trailing comma, or as a missing
/// value when skipping raw values).
fn trailing_comma(text: &str, offset: usize, msg: &str) -> Option<usize> {
    if !matches!(msg, "trailing comma" | "expected value" | "key must be a string") {
        return None;
    }
    let at = text.as_bytes().get(offset)?;
    if !matches!(at, b']' | b'}') {
        return None;
    }
    let before = text[..offset].trim_end();
    before.ends_with(',').then(|| before.len() - 1)
}

/// `U+0001`, with the name of NUL.
fn code_point(c: char) -> String {
    if c == '\0' { "U+0000 (NUL)".to_string() } else { format!("U+{:04X}", c as u32) }
}

/// Byte offset of serde_json's (1-based line, 1-based byte column) position, clamped to the text.
fn byte_offset(text: &str, line: usize, column: usize) -> usize {
    let bytes = text.as_bytes();
    let mut start = 0usize;
    for _ in 1..line.max(1) {
        match bytes[start..].iter().position(|&b| b == b'\n') {
            Some(p) => start += p + 1,
            None => break,
        }
    }
    let mut off = (start + column.saturating_sub(1)).min(text.len());
    while !text.is_char_boundary(off) {
        off -= 1;
    }
    off
}

/// 1-based column, in characters, of byte `offset` on its line.
fn char_column(text: &str, offset: usize) -> usize {
    let line_start = text[..offset].rfind('\n').map_or(0, |p| p + 1);
    text[line_start..offset].chars().count() + 1
}

/// A JSON object as an ordered list of `(key, raw value)` pairs, looked up case-insensitively.
#[derive(Debug, Default, Clone)]
pub struct RawObject<'a> {
    /// The members, in file order.
    pub fields: Vec<(Cow<'a, str>, &'a RawValue)>,
}

impl<'a> RawObject<'a> {
    /// Value of `key`: an exact match first, else the first case-insensitive match.
    pub fn get(&self, key: &str) -> Option<&'a RawValue> {
        self.fields
            .iter()
            .find(|(k, _)| k.as_ref() == key)
            .or_else(|| self.fields.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)))
            .map(|(_, v)| *v)
    }
    /// Value of the first of `keys` that is present (aliases: Graph vs legacy AAD Graph names).
    pub fn get_any(&self, keys: &[&str]) -> Option<(&'a RawValue, usize)> {
        keys.iter().enumerate().find_map(|(i, k)| self.get(k).map(|v| (v, i)))
    }
    /// True when `key` is present (any case), even with a null value.
    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }
    /// Keys, in file order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.fields.iter().map(|(k, _)| k.as_ref())
    }
}

struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_str(V)
    }
}

impl<'de> Deserialize<'de> for RawObject<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawObject<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut fields = Vec::with_capacity(map.size_hint().unwrap_or(16));
                while let Some(k) = map.next_key::<Key<'de>>()? {
                    let v: &'de RawValue = map.next_value()?;
                    fields.push((k.0, v));
                }
                Ok(RawObject { fields })
            }
        }
        d.deserialize_map(V)
    }
}

/// What a raw JSON value is, from its first byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `{`
    Object,
    /// `[`
    Array,
    /// `"`
    String,
    /// a number
    Number,
    /// `true` / `false`
    Bool,
    /// `null`
    Null,
}

/// Shape of a raw value.
pub fn shape(raw: &RawValue) -> Shape {
    match raw.get().as_bytes().first() {
        Some(b'{') => Shape::Object,
        Some(b'[') => Shape::Array,
        Some(b'"') => Shape::String,
        Some(b't' | b'f') => Shape::Bool,
        Some(b'n') | None => Shape::Null,
        _ => Shape::Number,
    }
}

/// Validates the whole text as JSON and returns it as one raw value.
pub fn parse_root(text: &str) -> Result<&RawValue, ReadError> {
    serde_json::from_str::<&RawValue>(text).map_err(|e| syntax_error(&e, text))
}

/// Splits a raw object into its members (`None` when it is not an object).
pub fn object(raw: &RawValue) -> Option<RawObject<'_>> {
    if shape(raw) != Shape::Object {
        return None;
    }
    serde_json::from_str::<RawObject<'_>>(raw.get()).ok()
}

/// Splits a raw array into its elements (`None` when it is not an array).
pub fn array(raw: &RawValue) -> Option<Vec<&RawValue>> {
    if shape(raw) != Shape::Array {
        return None;
    }
    serde_json::from_str::<Vec<&RawValue>>(raw.get()).ok()
}

/// A scalar JSON value.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar<'a> {
    /// `null`
    Null,
    /// A string (unescaped).
    Str(Cow<'a, str>),
    /// `true` / `false`
    Bool(bool),
    /// A number, as written.
    Num(&'a str),
    /// An object or array.
    Composite,
}

/// Reads a raw value as a scalar.
pub fn scalar(raw: &RawValue) -> Scalar<'_> {
    let t = raw.get();
    match shape(raw) {
        Shape::Null => Scalar::Null,
        Shape::Bool => Scalar::Bool(t.starts_with('t')),
        Shape::Number => Scalar::Num(t),
        Shape::Object | Shape::Array => Scalar::Composite,
        Shape::String => {
            let inner = &t[1..t.len().saturating_sub(1).max(1)];
            if !inner.contains('\\') {
                Scalar::Str(Cow::Borrowed(inner))
            } else {
                match serde_json::from_str::<String>(t) {
                    Ok(s) => Scalar::Str(Cow::Owned(s)),
                    Err(_) => Scalar::Composite,
                }
            }
        }
    }
}

/// A string value (`None` for anything else).
pub fn string(raw: &RawValue) -> Option<Cow<'_, str>> {
    match scalar(raw) {
        Scalar::Str(s) => Some(s),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Values

/// Normalises a date: ISO-8601 (any offset) or PowerShell's `/Date(ms)/` → RFC 3339 in UTC
/// (`2022-08-24T17:29:45Z`). A date without an offset is taken as UTC. `None` if not a date.
pub fn normalize_date(s: &str) -> Option<String> {
    use time::format_description::well_known::Rfc3339;
    use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};
    let s = s.trim();
    if let Some(inner) = s.strip_prefix("/Date(").and_then(|r| r.strip_suffix(")/")) {
        // `/Date(1661362185000)/` or WCF's `/Date(1661362185000+0200)/` (the number is UTC).
        let digits_end =
            inner.char_indices().skip(1).find(|(_, c)| !c.is_ascii_digit()).map(|(i, _)| i).unwrap_or(inner.len());
        let ms: i64 = inner[..digits_end].parse().ok()?;
        let rest = &inner[digits_end..];
        if !(rest.is_empty()
            || (rest.len() == 5
                && (rest.starts_with('+') || rest.starts_with('-'))
                && rest[1..].bytes().all(|b| b.is_ascii_digit())))
        {
            return None;
        }
        let dt = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()?;
        return dt.format(&Rfc3339).ok();
    }
    if let Ok(dt) = OffsetDateTime::parse(s, &Rfc3339) {
        return dt.to_offset(UtcOffset::UTC).format(&Rfc3339).ok();
    }
    // Zone-less ISO-8601 (`2022-08-24T17:29:45` or with a fraction), taken as UTC.
    let fmt = time::macros::format_description!(
        version = 2,
        "[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]"
    );
    if let Ok(p) = PrimitiveDateTime::parse(s, &fmt) {
        return p.assume_utc().format(&Rfc3339).ok();
    }
    None
}

/// True when `value` is a Microsoft documentation placeholder for `key` (`"authenticationType-value"`).
pub fn is_placeholder(key: &str, value: &str) -> bool {
    value.len() == key.len() + 6
        && value.is_char_boundary(key.len())
        && value[key.len()..].eq_ignore_ascii_case("-value")
        && value[..key.len()].eq_ignore_ascii_case(key)
}

/// Percent-decodes a URL fragment (invalid escapes are kept as written).
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// `contoso` from `PascalCase` key `Contoso`: lower-cases the first character (PowerShell →
/// Graph camelCase).
pub fn camel_case(key: &str) -> String {
    let mut c = key.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

// ---------------------------------------------------------------------------------------------
// Issue tally

/// Kind of a value problem counted by [`Tally`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Problem {
    /// A GUID field that does not hold a GUID (IN008; the value is kept as exported).
    NotGuid,
    /// A date field that does not hold a date (IN008; the value is left empty).
    BadDate,
    /// A documentation placeholder such as `"authenticationType-value"` (IN008; left empty).
    Placeholder,
    /// A value of the wrong JSON type (IN008; ignored).
    WrongType(&'static str),
    /// An array element that is not an object (IN002; skipped).
    NotObject,
    /// A record without a field it cannot do without (IN002; skipped).
    Missing,
    /// A nested object written as its .NET type name (`ConvertTo-Json` past its `-Depth`; IN001).
    DepthLimited,
    /// A key written twice in one object (IN002; the first value is used).
    DuplicateKey,
}

#[derive(Debug)]
struct Agg {
    count: usize,
    line: u32,
    example: String,
}

/// Aggregates repeated value problems into one issue per (problem, field).
#[derive(Debug, Default)]
pub struct Tally {
    map: BTreeMap<(Problem, String), Agg>,
}

impl Tally {
    /// Counts one problem with `field` at `line`.
    pub fn add(&mut self, problem: Problem, field: &str, line: u32, example: &str) {
        let e = self.map.entry((problem, field.to_string())).or_insert_with(|| Agg {
            count: 0,
            line,
            example: example.chars().take(80).collect(),
        });
        e.count += 1;
    }
    /// Writes the aggregated issues into `ex`.
    pub fn flush(self, input: &Input<'_>, ex: &mut Extract) {
        for ((problem, field), a) in self.map {
            let n = a.count;
            let recs = if n == 1 { "1 record".to_string() } else { format!("{n} records") };
            let (code, msg) = match problem {
                Problem::NotGuid => (
                    codes::INVALID_VALUE,
                    format!(
                        "{field} is not a GUID in {recs} (first: {:?}); the value was kept as exported — check whether the export was edited or anonymised",
                        a.example
                    ),
                ),
                Problem::BadDate => (
                    codes::INVALID_VALUE,
                    format!(
                        "{field} is not a date in {recs} (first: {:?}); the value was left empty — export dates as ISO-8601 (Graph REST, or ConvertTo-Json of the Graph SDK objects)",
                        a.example
                    ),
                ),
                Problem::Placeholder => (
                    codes::INVALID_VALUE,
                    format!(
                        "{field} holds the placeholder {:?} in {recs} (a Microsoft documentation sample value, not tenant data); the value was left empty — export from the tenant itself",
                        a.example
                    ),
                ),
                Problem::WrongType(expected) => (
                    codes::INVALID_VALUE,
                    format!("{field} is not {expected} in {recs} (first: {}); the value was ignored", a.example),
                ),
                Problem::NotObject => (
                    codes::UNREADABLE_RECORD,
                    format!(
                        "{n} element(s) of {field} are not JSON objects (first: {}); they were skipped — the file was edited or is not a plain export",
                        a.example
                    ),
                ),
                Problem::DepthLimited => (
                    codes::LOSSY_COLUMN,
                    format!(
                        "{field} holds the type name {:?} instead of values in {recs}: ConvertTo-Json stopped at its default depth (2) and the values are lost; re-export with ConvertTo-Json -Depth 10",
                        a.example
                    ),
                ),
                Problem::DuplicateKey => (
                    codes::UNREADABLE_RECORD,
                    format!(
                        "key {field:?} appears twice in {recs} (first at line {}); the first value was used — the file was edited by hand or merged from several exports",
                        a.line
                    ),
                ),
                Problem::Missing => (
                    codes::UNREADABLE_RECORD,
                    format!(
                        "{n} record(s) have no {field} (first at line {}); they were skipped — re-run the export without removing that property",
                        a.line
                    ),
                ),
            };
            ex.issue(input.at(a.line), code, msg);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Records

/// One JSON object being read as a record, with typed, case-insensitive accessors that count
/// value problems in a [`Tally`].
pub struct Rec<'a> {
    /// The members.
    pub obj: RawObject<'a>,
    /// Line of the record's first byte.
    pub line: u32,
}

impl<'a> Rec<'a> {
    /// A record over an object at `line`.
    pub fn new(obj: RawObject<'a>, line: u32) -> Self {
        Self { obj, line }
    }
    /// True when any of `keys` is present (any case).
    pub fn has(&self, key: &str) -> bool {
        self.obj.has(key)
    }
    /// Raw value of the first present alias.
    pub fn raw(&self, keys: &[&str]) -> Option<&'a RawValue> {
        self.obj.get_any(keys).map(|(v, _)| v)
    }
    /// A string field (first present alias); null, empty and placeholder values are `None`;
    /// numbers and booleans are given as written; objects and arrays are counted as wrong type.
    pub fn str<T: FromText>(&self, t: &mut Tally, keys: &[&str]) -> Option<T> {
        let (raw, i) = self.obj.get_any(keys)?;
        let key = keys[i];
        match scalar(raw) {
            Scalar::Null => None,
            Scalar::Str(s) => {
                let s = s.trim();
                if s.is_empty() || is_placeholder(key, s) { None } else { Some(T::from(s)) }
            }
            Scalar::Num(n) => Some(T::from(n)),
            Scalar::Bool(b) => Some(T::from(if b { "true" } else { "false" })),
            Scalar::Composite => {
                t.add(Problem::WrongType("a string"), key, self.line, excerpt(raw.get()));
                None
            }
        }
    }
    /// A GUID field: lower-case hyphenated when it is a GUID, else kept as exported with an IN008.
    pub fn guid<T: FromText>(&self, t: &mut Tally, keys: &[&str]) -> Option<T> {
        let s: T = self.str(t, keys)?;
        match crate::model::normalize_guid_text(s.as_ref()) {
            Some(g) => Some(T::from(g)),
            None => {
                let key = self.obj.get_any(keys).map(|(_, i)| keys[i]).unwrap_or(keys[0]);
                t.add(Problem::NotGuid, key, self.line, s.as_ref());
                Some(s)
            }
        }
    }
    /// A boolean field (`"true"`/`"false"` strings accepted).
    pub fn bool(&self, t: &mut Tally, keys: &[&str]) -> Option<bool> {
        let (raw, i) = self.obj.get_any(keys)?;
        match scalar(raw) {
            Scalar::Null => None,
            Scalar::Bool(b) => Some(b),
            Scalar::Str(s) if s.trim().eq_ignore_ascii_case("true") => Some(true),
            Scalar::Str(s) if s.trim().eq_ignore_ascii_case("false") => Some(false),
            Scalar::Str(s) if s.trim().is_empty() => None,
            _ => {
                t.add(Problem::WrongType("true or false"), keys[i], self.line, excerpt(raw.get()));
                None
            }
        }
    }
    /// An integer field (integral numbers or numeric strings).
    pub fn int(&self, t: &mut Tally, keys: &[&str]) -> Option<i64> {
        let (raw, i) = self.obj.get_any(keys)?;
        let parsed = match scalar(raw) {
            Scalar::Null => return None,
            Scalar::Num(n) => n
                .parse::<i64>()
                .ok()
                .or_else(|| n.parse::<f64>().ok().filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15).map(|f| f as i64)),
            Scalar::Str(s) => s.trim().parse::<i64>().ok(),
            _ => None,
        };
        if parsed.is_none() {
            t.add(Problem::WrongType("an integer"), keys[i], self.line, excerpt(raw.get()));
        }
        parsed
    }
    /// A date field, normalised by [`normalize_date`]; unparsable dates are counted and left empty.
    pub fn date<T: FromText>(&self, t: &mut Tally, keys: &[&str]) -> Option<T> {
        let s: crate::model::Text = self.str(t, keys)?;
        match normalize_date(&s) {
            Some(d) => Some(T::from(d)),
            None => {
                let key = self.obj.get_any(keys).map(|(_, i)| keys[i]).unwrap_or(keys[0]);
                t.add(Problem::BadDate, key, self.line, &s);
                None
            }
        }
    }
    /// A list of strings (a single string is taken as a one-element list, as PowerShell may
    /// unwrap single-element arrays); nulls and empty strings are left out.
    pub fn strs<T: FromText>(&self, t: &mut Tally, keys: &[&str]) -> Vec<T> {
        let Some((raw, i)) = self.obj.get_any(keys) else {
            return Vec::new();
        };
        match shape(raw) {
            Shape::Null => Vec::new(),
            Shape::String => {
                string(raw).map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).map(T::from).into_iter().collect()
            }
            Shape::Array => {
                let items = array(raw).unwrap_or_default();
                let mut out = Vec::with_capacity(items.len());
                for it in items {
                    match scalar(it) {
                        Scalar::Str(s) => {
                            let s = s.trim();
                            if !s.is_empty() {
                                out.push(T::from(s));
                            }
                        }
                        Scalar::Null => {}
                        _ => t.add(Problem::WrongType("a list of strings"), keys[i], self.line, excerpt(raw.get())),
                    }
                }
                out
            }
            _ => {
                t.add(Problem::WrongType("a list of strings"), keys[i], self.line, excerpt(raw.get()));
                Vec::new()
            }
        }
    }
    /// A nested object field.
    pub fn obj(&self, keys: &[&str]) -> Option<RawObject<'a>> {
        self.raw(keys).and_then(object)
    }
    /// A nested list field (a single object is taken as a one-element list).
    pub fn list(&self, keys: &[&str]) -> Vec<&'a RawValue> {
        match self.raw(keys) {
            Some(r) => match shape(r) {
                Shape::Array => array(r).unwrap_or_default(),
                Shape::Object => vec![r],
                _ => Vec::new(),
            },
            None => Vec::new(),
        }
    }
    /// The objects of a nested list field (a single object counts as one). Elements written as
    /// strings (a .NET type name: `ConvertTo-Json` past its depth) or other values are counted.
    pub fn objects(&self, t: &mut Tally, keys: &[&str]) -> Vec<RawObject<'a>> {
        let Some((raw, i)) = self.obj.get_any(keys) else {
            return Vec::new();
        };
        let items = match shape(raw) {
            Shape::Array => array(raw).unwrap_or_default(),
            Shape::Null => return Vec::new(),
            _ => vec![raw],
        };
        let mut out = Vec::with_capacity(items.len());
        for it in items {
            match shape(it) {
                Shape::Object => out.extend(object(it)),
                Shape::Null => {}
                Shape::String => t.add(Problem::DepthLimited, keys[i], self.line, &string(it).unwrap_or_default()),
                _ => t.add(Problem::WrongType("a list of objects"), keys[i], self.line, excerpt(it.get())),
            }
        }
        out
    }
    /// Counts documentation placeholders (`"<key>-value"`) among the record's string fields.
    pub fn check_placeholders(&self, t: &mut Tally) {
        for (k, v) in &self.obj.fields {
            let r = v.get();
            if r.len() > 8
                && r.ends_with("-value\"")
                && let Some(s) = string(v)
                && is_placeholder(k, &s)
            {
                t.add(Problem::Placeholder, k, self.line, &s);
            }
        }
    }
}

/// At most 40 characters of a raw value, for messages.
pub fn excerpt(s: &str) -> &str {
    match s.char_indices().nth(40) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Reads `raw` as a record: `None` (and an IN002 count under `what`) when it is not an object.
pub fn record<'a>(doc: &Doc<'a>, t: &mut Tally, raw: &'a RawValue, what: &str) -> Option<Rec<'a>> {
    let line = doc.line_of(raw);
    match object(raw) {
        Some(o) => {
            if let Some(k) = duplicate_key(&o) {
                t.add(Problem::DuplicateKey, k, line, k);
            }
            Some(Rec::new(o, line))
        }
        None => {
            t.add(Problem::NotObject, what, line, &format!("{} at line {line}", excerpt(raw.get())));
            None
        }
    }
}

/// The first key written twice in an object (exact comparison), if any.
fn duplicate_key<'o>(o: &'o RawObject<'_>) -> Option<&'o str> {
    let keys = &o.fields;
    if keys.len() <= 32 {
        (1..keys.len()).find_map(|i| keys[..i].iter().any(|(k, _)| *k == keys[i].0).then(|| keys[i].0.as_ref()))
    } else {
        let mut seen = std::collections::HashSet::with_capacity(keys.len());
        keys.iter().map(|(k, _)| k.as_ref()).find(|k| !seen.insert(*k))
    }
}

// ---------------------------------------------------------------------------------------------
// Sniffing

/// How many bytes sniffers look at.
pub const HEAD_BYTES: usize = 64 * 1024;

/// Kind of a value seen by [`Head`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadKind {
    /// object
    Object,
    /// array
    Array,
    /// string
    String,
    /// number, boolean or null
    Other,
}

/// One value seen at the start of a file: its path (`value/[]/userPrincipalName`, `[]` = first
/// element of an array), its kind and, for strings, its text.
#[derive(Debug, Clone)]
pub struct HeadEntry {
    /// Path from the root, `/`-separated; the root is `""`.
    pub path: String,
    /// Kind of the value.
    pub kind: HeadKind,
    /// String value (unescaped only for simple escapes), at most 512 characters.
    pub text: Option<String>,
}

/// A tolerant scan of the start of a JSON text (never fails; a truncated scan is fine).
#[derive(Debug, Default)]
pub struct Head {
    /// The values seen, in order (first array elements only).
    pub entries: Vec<HeadEntry>,
}

impl Head {
    /// Scans the first [`HEAD_BYTES`] of `text`. Returns `None` if it does not start like JSON
    /// (after whitespace, `{` or `[`).
    pub fn scan(text: &str) -> Option<Head> {
        let b = text.as_bytes();
        let end = b.len().min(HEAD_BYTES);
        let b = &b[..end];
        let start = b.iter().position(|c| !c.is_ascii_whitespace())?;
        if !matches!(b[start], b'{' | b'[') {
            return None;
        }
        let mut head = Head::default();
        // Stack of containers: (is_object, path, element index, expecting key, pending key)
        struct Frame {
            is_object: bool,
            path: String,
            index: usize,
            key: Option<String>,
        }
        let mut stack: Vec<Frame> = Vec::new();
        let mut i = start;
        let max_entries = 4000;
        // Path for a new value in the current container; None = not a first element (skipped).
        fn value_path(stack: &[Frame]) -> Option<String> {
            let Some(top) = stack.last() else {
                return Some(String::new());
            };
            if top.is_object {
                let k = top.key.as_ref()?;
                Some(if top.path.is_empty() { k.clone() } else { format!("{}/{}", top.path, k) })
            } else if top.index == 0 {
                Some(if top.path.is_empty() { "[]".to_string() } else { format!("{}/[]", top.path) })
            } else {
                None
            }
        }
        let mut skip_depth = 0usize; // >0 while inside a value that is not recorded
        while i < b.len() && head.entries.len() < max_entries {
            let c = b[i];
            match c {
                b' ' | b'\t' | b'\r' | b'\n' | b':' => i += 1,
                b',' => {
                    if skip_depth == 0
                        && let Some(top) = stack.last_mut()
                    {
                        if top.is_object {
                            top.key = None;
                        } else {
                            top.index += 1;
                        }
                    }
                    i += 1;
                }
                b'{' | b'[' => {
                    if skip_depth > 0 {
                        skip_depth += 1;
                    } else {
                        match value_path(&stack) {
                            Some(p) if stack.len() < 64 => {
                                let kind = if c == b'{' { HeadKind::Object } else { HeadKind::Array };
                                head.entries.push(HeadEntry { path: p.clone(), kind, text: None });
                                stack.push(Frame { is_object: c == b'{', path: p, index: 0, key: None });
                            }
                            _ => skip_depth = 1,
                        }
                    }
                    i += 1;
                }
                b'}' | b']' => {
                    if skip_depth > 0 {
                        skip_depth -= 1;
                    } else {
                        stack.pop();
                        if stack.is_empty() {
                            break;
                        }
                    }
                    i += 1;
                }
                b'"' => {
                    let (s, next) = scan_string(b, i);
                    i = next;
                    if skip_depth > 0 {
                        continue;
                    }
                    let is_key = stack.last().is_some_and(|t| t.is_object && t.key.is_none());
                    if is_key {
                        if let Some(top) = stack.last_mut() {
                            top.key = Some(s);
                        }
                    } else if let Some(p) = value_path(&stack) {
                        head.entries.push(HeadEntry { path: p, kind: HeadKind::String, text: Some(s) });
                    }
                }
                _ => {
                    // number / literal
                    let st = i;
                    while i < b.len() && !matches!(b[i], b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n') {
                        i += 1;
                    }
                    if i == st {
                        i += 1;
                    }
                    if skip_depth == 0
                        && let Some(p) = value_path(&stack)
                    {
                        head.entries.push(HeadEntry { path: p, kind: HeadKind::Other, text: None });
                    }
                }
            }
        }
        Some(head)
    }
    /// Kind of the root value.
    pub fn root(&self) -> Option<HeadKind> {
        self.entries.first().map(|e| e.kind)
    }
    /// The entry at `path` (case-insensitive).
    pub fn get(&self, path: &str) -> Option<&HeadEntry> {
        self.entries.iter().find(|e| e.path.eq_ignore_ascii_case(path))
    }
    /// String value at `path`.
    pub fn text(&self, path: &str) -> Option<&str> {
        self.get(path).and_then(|e| e.text.as_deref())
    }
    /// Kind at `path`.
    pub fn kind(&self, path: &str) -> Option<HeadKind> {
        self.get(path).map(|e| e.kind)
    }
    /// Direct child keys of the object at `path` (`""` = root), in file order.
    pub fn keys(&self, path: &str) -> Vec<&str> {
        let mut out = Vec::new();
        for e in &self.entries {
            let rest = if path.is_empty() {
                Some(e.path.as_str())
            } else if e.path.len() > path.len()
                && e.path.as_bytes()[path.len()] == b'/'
                && e.path.is_char_boundary(path.len())
                && e.path[..path.len()].eq_ignore_ascii_case(path)
            {
                Some(&e.path[path.len() + 1..])
            } else {
                None
            };
            if let Some(r) = rest
                && !r.is_empty()
                && !r.contains('/')
                && r != "[]"
            {
                out.push(r);
            }
        }
        out
    }
    /// True when the object at `path` has all of `keys` (case-insensitive).
    pub fn has_all(&self, path: &str, keys: &[&str]) -> bool {
        let ks = self.keys(path);
        keys.iter().all(|k| ks.iter().any(|x| x.eq_ignore_ascii_case(k)))
    }
    /// True when the object at `path` has any of `keys` (case-insensitive).
    pub fn has_any(&self, path: &str, keys: &[&str]) -> bool {
        let ks = self.keys(path);
        keys.iter().any(|k| ks.iter().any(|x| x.eq_ignore_ascii_case(k)))
    }
}

/// Scans a JSON string starting at the quote at `i`; returns (content, index after the closing
/// quote). Simple escapes are decoded; `\uXXXX` is decoded when it is a plain BMP character.
fn scan_string(b: &[u8], i: usize) -> (String, usize) {
    let mut j = i + 1;
    let mut out: Vec<u8> = Vec::new();
    while j < b.len() {
        match b[j] {
            b'"' => {
                j += 1;
                break;
            }
            b'\\' if j + 1 < b.len() => {
                let e = b[j + 1];
                match e {
                    b'n' => out.push(b'\n'),
                    b't' => out.push(b'\t'),
                    b'r' => out.push(b'\r'),
                    b'b' | b'f' => {}
                    b'u' if j + 5 < b.len() => {
                        let hexs = std::str::from_utf8(&b[j + 2..j + 6]).ok();
                        if let Some(c) = hexs.and_then(|h| u32::from_str_radix(h, 16).ok()).and_then(char::from_u32) {
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                        }
                        j += 6;
                        continue;
                    }
                    other => out.push(other),
                }
                j += 2;
            }
            c => {
                if out.len() < 2048 {
                    out.push(c);
                }
                j += 1;
            }
        }
    }
    let mut s = String::from_utf8_lossy(&out).into_owned();
    if s.len() > 512 {
        let mut cut = 512;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
    (s, j)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(normalize_date("/Date(1661362185000)/").as_deref(), Some("2022-08-24T17:29:45Z"));
        assert_eq!(normalize_date("/Date(1661362185123+0200)/").as_deref(), Some("2022-08-24T17:29:45.123Z"));
        assert_eq!(normalize_date("2021-08-02T10:30:06Z").as_deref(), Some("2021-08-02T10:30:06Z"));
        assert_eq!(normalize_date("2021-08-02T12:30:06+02:00").as_deref(), Some("2021-08-02T10:30:06Z"));
        assert_eq!(normalize_date("2021-08-25T07:44:46.2616778Z").as_deref(), Some("2021-08-25T07:44:46.2616778Z"));
        assert_eq!(normalize_date("2021-08-02T10:30:06").as_deref(), Some("2021-08-02T10:30:06Z"));
        assert_eq!(normalize_date("8/24/2022 5:29:45 PM"), None);
        assert_eq!(normalize_date("/Date(abc)/"), None);
        assert_eq!(normalize_date("/Date(99999999999999999999)/"), None);
    }

    #[test]
    fn lines_both_directions() {
        let d = Doc::new("a\nb\nc\nd");
        assert_eq!(d.line_at(6), 4);
        assert_eq!(d.line_at(2), 2);
        assert_eq!(d.line_at(0), 1);
        assert_eq!(d.line_at(100), 4);
    }

    #[test]
    fn raw_object_lines_and_case_insensitive_keys() {
        let text = "{\n \"Value\": [\n  {\"Id\": \"x\"},\n  {\"id\": \"y\"}\n ]\n}";
        let doc = Doc::new(text);
        let root = parse_root(text).unwrap();
        let top = object(root).unwrap();
        let items = array(top.get("value").unwrap()).unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(doc.line_of(items[0]), 3);
        assert_eq!(doc.line_of(items[1]), 4);
        let a = object(items[0]).unwrap();
        assert_eq!(string(a.get("id").unwrap()).as_deref(), Some("x"));
        assert!(object(items[1]).unwrap().has("ID"));
    }

    #[test]
    fn truncated_json_is_a_read_error_at_its_last_line() {
        let e = parse_root("{\n \"value\": [\n  {\"id\": 1},\n").unwrap_err();
        assert_eq!(e.line, 4);
        assert!(e.reason.contains("truncated"), "{}", e.reason);
        let e = parse_root("{\n \"a\": 1,,\n}").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.reason.starts_with("invalid JSON"), "{}", e.reason);
    }

    #[test]
    fn json_errors_say_what_the_parser_met_and_where() {
        let reason = |t: &str| {
            let e = parse_root(t).unwrap_err();
            (e.line, e.reason)
        };
        // A raw NUL inside a string of one-line (compact) JSON: not a truncation.
        let (line, r) = reason("{\"value\":[{\"displayName\":\"Ana\u{0}Silva\"}]}");
        assert_eq!(line, 1);
        assert!(r.starts_with("control character U+0000 (NUL) inside a JSON string at line 1 column 30 "), "{r}");
        assert!(!r.contains("truncated"), "{r}");
        // 0x01 on a later line; the column counts characters (é is two bytes).
        let (line, r) = reason("{\n \"a\": \"é\u{1}\"\n}");
        assert_eq!(line, 2);
        assert!(r.starts_with("control character U+0001 inside a JSON string at line 2 column 9 "), "{r}");
        // A control character between tokens.
        let (_, r) = reason("{\"a\": \u{2}1}");
        assert!(r.starts_with("control character U+0002 at line 1 column 7, where JSON allows none"), "{r}");
        // A file cut off and zero-filled.
        let (line, r) = reason("{\n \"value\": [\n  {\"id\": \"x\u{0}\u{0}\u{0}\u{0}");
        assert_eq!(line, 3);
        assert!(r.contains("the rest of the file is 4 NUL byte(s)") && r.contains("cut off and zero-filled"), "{r}");
        // A cut inside a string followed by a line break is a truncation, not a control character.
        let (line, r) = reason("{\n \"value\": [\n  {\"id\": \"11111111-2222-\n");
        assert_eq!(line, 3);
        assert!(
            r.starts_with("the JSON ends before it is complete (the text stops inside a string at line 3 column 25)"),
            "{r}"
        );
        // A raw line break inside a string with more text after it is a damaged value.
        let (_, r) = reason("{\"a\": \"x\ny\"}");
        assert!(r.starts_with("control character U+000A inside a JSON string at line 1 column 9 "), "{r}");
        // The end of the text is still a truncation.
        let (_, r) = reason("{\"value\": [{\"id\": 1}");
        assert!(r.starts_with("the JSON ends before it is complete (EOF while parsing a list)"), "{r}");
        // Other classes, on the last line too.
        let (_, r) = reason("{\"a\": 1}\n{\"b\": 2}");
        assert!(
            r.starts_with("more text after the end of the JSON document at line 2 column 1 (\"{\\\"b\\\": 2}\")"),
            "{r}"
        );
        let (_, r) = reason("{\"a\": [1, 2,]}");
        assert!(r.starts_with("a comma before a closing bracket at line 1 column 12"), "{r}");
        let (line, r) = reason("{\n \"a\": 1,\n}");
        assert_eq!(line, 3, "serde_json's line: where the bracket is");
        assert!(r.starts_with("a comma before a closing bracket at line 2 column 8"), "{r}");
        let (_, r) = reason("{\"a\": \"x\\qy\"}");
        assert!(r.starts_with("invalid escape sequence in a JSON string at line 1 column 10 (invalid escape)"), "{r}");
        let (_, r) = reason("{\"a\": -x}");
        assert!(r.starts_with("invalid number at line 1 column"), "{r}");
        let (_, r) = reason("{\"a\": 1 \"b\": 2}");
        assert!(r.starts_with("invalid JSON at line 1 column 9 (expected `,` or `}`)"), "{r}");
        assert!(!r.contains("truncated"), "{r}");
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let root = parse_root(&deep).expect("deep but valid JSON");
        assert_eq!(shape(root), Shape::Array);
        let h = Head::scan(&deep).unwrap();
        assert_eq!(h.root(), Some(HeadKind::Array));
    }

    #[test]
    fn placeholders_and_percent_decoding() {
        assert!(is_placeholder("authenticationType", "authenticationType-value"));
        assert!(!is_placeholder("authenticationType", "Managed"));
        assert_eq!(percent_decode("contoso%2Ecom%27"), "contoso.com'");
        assert_eq!(percent_decode("100%"), "100%");
    }

    #[test]
    fn head_scan_paths() {
        let t = r#"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users","value":[{"id":"1","userPrincipalName":"a@contoso.com"},{"id":"2","other":1}]}"#;
        let h = Head::scan(t).unwrap();
        assert_eq!(h.root(), Some(HeadKind::Object));
        assert_eq!(h.text("@odata.context"), Some("https://graph.microsoft.com/v1.0/$metadata#users"));
        assert_eq!(h.keys("value/[]"), vec!["id", "userPrincipalName"]);
        assert!(h.has_all("value/[]", &["ID", "userprincipalname"]));
        assert!(!h.has_any("value/[]", &["other"]));
        let h = Head::scan("[\"a\", \"b\"]").unwrap();
        assert_eq!(h.kind("[]"), Some(HeadKind::String));
        assert!(Head::scan("hello").is_none());
    }
}
