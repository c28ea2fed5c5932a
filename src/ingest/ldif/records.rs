//! LDIF syntax: physical lines → logical lines (folding undone), and logical lines → records
//! (entries, change records, comments, junk), reported one by one to a callback.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use std::borrow::Cow;

// ------------------------------------------------------------------------------------------------
// Lines

/// One logical (unfolded) line.
pub(super) struct Logical<'a> {
    /// 1-based number of its first physical line.
    pub(super) line: u32,
    /// Unfolded text, `\r` removed; empty for a blank line.
    pub(super) text: Cow<'a, str>,
}

/// Physical lines → logical lines (folding undone, CR removed, whitespace-only lines blank).
pub(super) struct Lines<'a> {
    pub(super) rest: &'a str,
    pub(super) line: u32,
    pub(super) exhausted: bool,
    pub(super) peeked: Option<(u32, &'a str)>,
}

impl<'a> Lines<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        Self { rest: text, line: 0, exhausted: false, peeked: None }
    }

    pub(super) fn physical(&mut self) -> Option<(u32, &'a str)> {
        if let Some(p) = self.peeked.take() {
            return Some(p);
        }
        if self.exhausted {
            return None;
        }
        let line = match memchr::memchr(b'\n', self.rest.as_bytes()) {
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

    pub(super) fn next_logical(&mut self) -> Option<Logical<'a>> {
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
pub(super) enum ValueKind {
    /// `attr: value`
    Plain,
    /// `attr:: base64`
    Base64,
    /// `attr:< URL`
    Url,
}

/// One `attr: value` line, borrowed from the text when it was not folded.
#[derive(Debug)]
pub(super) struct RawAttr<'a> {
    pub(super) line: u32,
    pub(super) text: Cow<'a, str>,
    pub(super) desc_end: usize,
    pub(super) value_start: usize,
    pub(super) kind: ValueKind,
}

impl RawAttr<'_> {
    /// Attribute description with options (`member;range=0-1499`).
    pub(super) fn desc(&self) -> &str {
        self.text.get(..self.desc_end).unwrap_or("")
    }
    /// Attribute name without options.
    pub(super) fn base(&self) -> &str {
        let d = self.desc();
        memchr::memchr(b';', d.as_bytes()).map_or(d, |i| &d[..i])
    }
    /// Options after the name.
    pub(super) fn options(&self) -> impl Iterator<Item = &str> {
        let d = self.desc();
        memchr::memchr(b';', d.as_bytes()).into_iter().flat_map(move |i| d[i + 1..].split(';'))
    }
    /// The value as written (Base64 text for `::`, the URL for `:<`).
    pub(super) fn raw_value(&self) -> &str {
        self.text.get(self.value_start..).unwrap_or("")
    }
    /// The value's bytes; `Err` with a reason when it cannot be decoded.
    pub(super) fn bytes(&self) -> Result<Cow<'_, [u8]>, String> {
        match self.kind {
            ValueKind::Plain => Ok(Cow::Borrowed(self.raw_value().as_bytes())),
            ValueKind::Base64 => {
                decode_b64(self.raw_value()).map(Cow::Owned).ok_or_else(|| "is not valid Base64".to_string())
            }
            ValueKind::Url => Err("is a URL reference (`:<`), which is not fetched".to_string()),
        }
    }
    /// The value as text; `Err` with a reason when it is not UTF-8 text.
    pub(super) fn text_value(&self) -> Result<Cow<'_, str>, String> {
        match self.bytes()? {
            Cow::Borrowed(_) => Ok(Cow::Borrowed(self.raw_value())),
            Cow::Owned(b) => String::from_utf8(b)
                .map(Cow::Owned)
                .map_err(|_| "decodes from Base64 to bytes that are not UTF-8 text".to_string()),
        }
    }
}

/// Decodes padded standard Base64, ignoring whitespace inside.
pub(super) fn decode_b64(s: &str) -> Option<Vec<u8>> {
    let t = s.trim();
    STANDARD.decode(t).ok().or_else(|| {
        let compact: String = t.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        STANDARD.decode(compact).ok()
    })
}

/// Splits `attr: value`, `attr:: b64`, `attr:< url`; `Err` gives the line back when it is not one.
pub(super) fn split_attr(line: u32, text: Cow<'_, str>) -> Result<RawAttr<'_>, Cow<'_, str>> {
    let Some(colon) = memchr::memchr(b':', text.as_bytes()) else { return Err(text) };
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
pub(super) fn valid_desc(d: &str) -> bool {
    d.as_bytes().first().is_some_and(u8::is_ascii_alphanumeric)
        && d.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b';' | b'.' | b'=' | b'_'))
}

/// One entry: its `dn:` line and attribute lines.
#[derive(Debug)]
pub(super) struct RawEntry<'a> {
    pub(super) line: u32,
    pub(super) dn: RawAttr<'a>,
    pub(super) attrs: Vec<RawAttr<'a>>,
}

/// What the record parser finds.
#[derive(Debug)]
pub(super) enum Item<'a> {
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
pub(super) enum State {
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
pub(super) fn is(desc: &str, name: &str) -> bool {
    desc.eq_ignore_ascii_case(name)
}

/// Groups logical lines into records and reports each item to `f`.
pub(super) fn parse<'a>(text: &'a str, mut f: impl FnMut(Item<'a>)) {
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
