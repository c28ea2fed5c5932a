//! Raw JSON: whole-text validation, objects split into `(key, raw value)` pairs, arrays, scalars,
//! and syntax errors explained at their line.

use super::*;

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
pub(super) fn trailing_comma(text: &str, offset: usize, msg: &str) -> Option<usize> {
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
pub(super) fn code_point(c: char) -> String {
    if c == '\0' { "U+0000 (NUL)".to_string() } else { format!("U+{:04X}", c as u32) }
}

/// Byte offset of serde_json's (1-based line, 1-based byte column) position, clamped to the text.
pub(super) fn byte_offset(text: &str, line: usize, column: usize) -> usize {
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
pub(super) fn char_column(text: &str, offset: usize) -> usize {
    let line_start = text[..offset].rfind('\n').map_or(0, |p| p + 1);
    text[line_start..offset].chars().count() + 1
}

/// The text of one JSON value, exactly as written (no surrounding white space), taken from a text
/// that serde_json has validated: every `&Raw` comes from deserializing (see the `Deserialize` impl)
/// or from splitting another `Raw` ([`object`], [`array`]). That is why it can be split again without
/// a second validation.
#[repr(transparent)]
pub struct Raw(str);

impl Raw {
    /// The value's JSON text.
    pub fn get(&self) -> &str {
        &self.0
    }
    /// A part of a validated value (private: only the splitters below make one).
    pub(super) fn part(s: &str) -> &Raw {
        // SAFETY: `Raw` is `#[repr(transparent)]` over `str`, so the two references have the same layout.
        unsafe { &*(s as *const str as *const Raw) }
    }
}

impl fmt::Debug for Raw {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for &'de Raw {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        <&'de serde_json::value::RawValue>::deserialize(d).map(|v| Raw::part(v.get()))
    }
}

/// Index just past the string that opens at `b[i]` (a `"`), or `None` if it does not close.
fn string_end(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    loop {
        let p = memchr::memchr2(b'"', b'\\', b.get(j..)?)?;
        if b[j + p] == b'\\' {
            j += p + 2;
        } else {
            return Some(j + p + 1);
        }
    }
}

/// Index just past the value that starts at `b[i]`, in validated JSON.
fn value_end(b: &[u8], i: usize) -> Option<usize> {
    match *b.get(i)? {
        b'"' => string_end(b, i),
        b'{' | b'[' => {
            let (mut depth, mut j) = (0usize, i);
            while j < b.len() {
                match b[j] {
                    b'"' => {
                        j = string_end(b, j)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth = depth.checked_sub(1)?;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            None
        }
        _ => {
            let n = b[i..].iter().position(|c| matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'));
            let end = n.map_or(b.len(), |n| i + n);
            (end > i).then_some(end)
        }
    }
}

/// Index of the first byte at or after `i` that is not JSON white space.
fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r') {
        i += 1;
    }
    i
}

/// The members of a validated object, found by where each ends (keys with escapes unescaped by
/// serde_json). `None` if the text is not as a validated object must be (never, for a `Raw`).
pub(super) fn split_members(s: &str) -> Option<RawObject<'_>> {
    let b = s.as_bytes();
    let mut fields = Vec::with_capacity(16);
    let mut i = skip_ws(b, 1);
    if b.get(i) == Some(&b'}') {
        return Some(RawObject { fields });
    }
    loop {
        if b.get(i) != Some(&b'"') {
            return None;
        }
        let end = string_end(b, i)?;
        let inner = &s[i + 1..end - 1];
        let key = if memchr::memchr(b'\\', inner.as_bytes()).is_some() {
            Cow::Owned(serde_json::from_str::<String>(&s[i..end]).ok()?)
        } else {
            Cow::Borrowed(inner)
        };
        i = skip_ws(b, end);
        if b.get(i) != Some(&b':') {
            return None;
        }
        i = skip_ws(b, i + 1);
        let end = value_end(b, i)?;
        fields.push((key, Raw::part(&s[i..end])));
        i = skip_ws(b, end);
        match b.get(i) {
            Some(b',') => i = skip_ws(b, i + 1),
            Some(b'}') => return Some(RawObject { fields }),
            _ => return None,
        }
    }
}

/// The elements of a validated array, found by where each ends.
pub(super) fn split_elements(s: &str) -> Option<Vec<&Raw>> {
    let b = s.as_bytes();
    let mut items = Vec::new();
    let mut i = skip_ws(b, 1);
    if b.get(i) == Some(&b']') {
        return Some(items);
    }
    loop {
        let end = value_end(b, i)?;
        items.push(Raw::part(&s[i..end]));
        i = skip_ws(b, end);
        match b.get(i) {
            Some(b',') => i = skip_ws(b, i + 1),
            Some(b']') => return Some(items),
            _ => return None,
        }
    }
}

/// A JSON object as an ordered list of `(key, raw value)` pairs, looked up case-insensitively.
#[derive(Debug, Default, Clone)]
pub struct RawObject<'a> {
    /// The members, in file order.
    pub fields: Vec<(Cow<'a, str>, &'a Raw)>,
}

impl<'a> RawObject<'a> {
    /// Value of `key`: an exact match first, else the first case-insensitive match.
    pub fn get(&self, key: &str) -> Option<&'a Raw> {
        // One pass (records are read with dozens of lookups, many for keys an export lacks): only keys
        // of the same length are compared, and the first case-insensitive match is kept in case no
        // exact one follows.
        let want = key.as_bytes();
        let mut folded = None;
        for (k, v) in &self.fields {
            let k = k.as_bytes();
            if k.len() != want.len() {
                continue;
            }
            if k == want {
                return Some(*v);
            }
            if folded.is_none() && k.eq_ignore_ascii_case(want) {
                folded = Some(*v);
            }
        }
        folded
    }
    /// Value of the first of `keys` that is present (aliases: Graph vs legacy AAD Graph names).
    pub fn get_any(&self, keys: &[&str]) -> Option<(&'a Raw, usize)> {
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

pub(super) struct Key<'a>(Cow<'a, str>);

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
                    let v: &'de Raw = map.next_value()?;
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
pub fn shape(raw: &Raw) -> Shape {
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
pub fn parse_root(text: &str) -> Result<&Raw, ReadError> {
    serde_json::from_str::<&Raw>(text).map_err(|e| syntax_error(&e, text))
}

/// Splits a raw object into its members (`None` when it is not an object).
pub fn object(raw: &Raw) -> Option<RawObject<'_>> {
    if shape(raw) != Shape::Object {
        return None;
    }
    split_members(raw.get()).or_else(|| serde_json::from_str::<RawObject<'_>>(raw.get()).ok())
}

/// Splits a raw array into its elements (`None` when it is not an array).
pub fn array(raw: &Raw) -> Option<Vec<&Raw>> {
    if shape(raw) != Shape::Array {
        return None;
    }
    split_elements(raw.get()).or_else(|| serde_json::from_str::<Vec<&Raw>>(raw.get()).ok())
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
pub fn scalar(raw: &Raw) -> Scalar<'_> {
    let t = raw.get();
    match shape(raw) {
        Shape::Null => Scalar::Null,
        Shape::Bool => Scalar::Bool(t.starts_with('t')),
        Shape::Number => Scalar::Num(t),
        Shape::Object | Shape::Array => Scalar::Composite,
        Shape::String => {
            let inner = &t[1..t.len().saturating_sub(1).max(1)];
            // The memchr crate's search (vectorised) rather than `str::contains`'s, for every string value.
            if memchr::memchr(b'\\', inner.as_bytes()).is_none() {
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
pub fn string(raw: &Raw) -> Option<Cow<'_, str>> {
    match scalar(raw) {
        Scalar::Str(s) => Some(s),
        _ => None,
    }
}
