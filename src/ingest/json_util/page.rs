//! A collection page read in one pass: the whole text validated as JSON (as strictly as serde_json),
//! held to the nesting limit, and the `value` array split into elements and each object element
//! into members.
//!
//! Graph pages are most of a large estate's bytes. Read the general way — a depth check over the
//! text, serde_json validating it while splitting `value`, then each element split into members —
//! the same bytes are walked three times. [`ScannedPage::scan`] walks them once and keeps, per member,
//! three offsets into the text (12 bytes), from which a record's [`RawObject`] is made without
//! another walk.
//!
//! The scan only ever answers "valid, and here are the parts" or `None`. On `None` the caller takes
//! the general path (depth check, serde_json), which explains the error at its line: this module
//! never words an error, so messages are the same whichever path read the file. Accepting a text
//! serde_json would refuse is the one thing it must never do; `tests::scan_agrees_with_serde_json`
//! compares the two on valid, damaged and mutated texts.

use super::*;

/// The deepest nesting the scan (which recurses) accepts, also when no limit is set; deeper texts
/// are left to the general path, which skips nested values without recursion.
const MAX_DEPTH: usize = 127;

/// A validated collection page: the top-level members but the first `value`, and that array's
/// elements, each object element already split.
#[derive(Debug)]
pub struct ScannedPage<'a> {
    text: &'a str,
    /// The top-level members other than the first one named exactly `value`, in file order.
    pub top: RawObject<'a>,
    items: Vec<Item>,
    members: Vec<Member>,
}

thread_local! {
    /// The element and member tables of the last page this thread scanned, for its next page; `None`
    /// outside [`reuse_page_tables`].
    static SPARE: std::cell::RefCell<Option<(Vec<Item>, Vec<Member>)>> = const { std::cell::RefCell::new(None) };
}

/// Runs `f` with the tables of each page this thread scans handed on to its next page, and frees
/// them when `f` returns. A reader taking file after file calls this around its loop: the member
/// table of a 125 MB page is ~30 MB, and a fresh one for each page costs a page fault per 4 KiB
/// (~7,500 for each page of a large export: 3.0 → 2.6 million faults in the parse of 10M objects).
/// Outside it each page frees its tables, so that no thread keeps them after the parse.
pub fn reuse_page_tables<R>(f: impl FnOnce() -> R) -> R {
    struct Off;
    impl Drop for Off {
        fn drop(&mut self) {
            let _ = SPARE.try_with(|spare| spare.borrow_mut().take());
        }
    }
    SPARE.with(|spare| *spare.borrow_mut() = Some(Default::default()));
    let _off = Off;
    f()
}

impl Drop for ScannedPage<'_> {
    fn drop(&mut self) {
        // `try_with`: a page dropped while the thread ends, after its locals, just frees its tables.
        let _ = SPARE.try_with(|spare| {
            if let Some((items, members)) = spare.borrow_mut().as_mut()
                && self.members.capacity() >= members.capacity()
            {
                self.items.clear();
                self.members.clear();
                *items = std::mem::take(&mut self.items);
                *members = std::mem::take(&mut self.members);
            }
        });
    }
}

/// One element of `value`: its span, and its members (`first..first + count` of
/// [`ScannedPage::members`]; `count == NOT_OBJECT` for an element that is not an object).
#[derive(Debug, Clone, Copy)]
struct Item {
    start: u32,
    end: u32,
    first: u32,
    count: u32,
}

const NOT_OBJECT: u32 = u32::MAX;

/// One member of an element: the key between its quotes (the top bit of `key_end` set when the
/// key holds an escape) and the end of the value (which starts after the colon that follows the
/// key: 12 bytes a member, as a million users have 26 million).
#[derive(Debug, Clone, Copy)]
struct Member {
    key: u32,
    key_end: u32,
    val_end: u32,
}

const ESCAPED: u32 = 1 << 31;

impl<'a> ScannedPage<'a> {
    /// Validates `text` as a JSON object with a `value` array, nested at most `max_depth` levels
    /// (0 or more than 127: 127), and splits it. `None` when the text is anything else —
    /// invalid, too deep, another shape, or 2 GiB and more (offsets are 31-bit).
    pub fn scan(text: &'a str, max_depth: usize) -> Option<ScannedPage<'a>> {
        let max = if max_depth == 0 { MAX_DEPTH } else { max_depth.min(MAX_DEPTH) };
        if text.len() >= ESCAPED as usize {
            return None;
        }
        let mut s = Scanner { b: text.as_bytes(), i: 0, depth: 0, max };
        let (items, members) =
            SPARE.try_with(|spare| spare.borrow_mut().as_mut().map(std::mem::take)).ok().flatten().unwrap_or_default();
        let mut page = ScannedPage { text, top: RawObject::default(), items, members };
        s.ws();
        s.enter(b'{')?;
        s.ws();
        let mut found = false;
        if !s.eat(b'}') {
            loop {
                let (k0, k1, esc) = s.key()?;
                if !found && page.key(k0, k1, esc)? == "value" {
                    found = true;
                    page.value_array(&mut s)?;
                } else {
                    let v0 = s.i;
                    s.value()?;
                    let key = page.key(k0, k1, esc)?;
                    page.top.fields.push((key, Raw::part(&text[v0..s.i])));
                }
                if !s.next_member(b'}')? {
                    break;
                }
            }
        }
        s.depth -= 1;
        s.ws();
        (found && s.i == s.b.len()).then_some(page)
    }

    /// The `value` array at the scanner, elements and their members recorded.
    fn value_array(&mut self, s: &mut Scanner<'_>) -> Option<()> {
        s.enter(b'[')?;
        let want = self.text.len() / 48;
        if self.members.capacity() < want {
            // A fresh table rather than `reserve`, which would copy the old one's (unused) room.
            self.members = Vec::with_capacity(want);
        }
        s.ws();
        if s.eat(b']') {
            s.depth -= 1;
            return Some(());
        }
        loop {
            let start = s.i;
            let first = self.members.len() as u32;
            let count = if s.b.get(s.i) == Some(&b'{') {
                s.enter(b'{')?;
                s.ws();
                if !s.eat(b'}') {
                    loop {
                        let (k0, k1, esc) = s.key()?;
                        s.value()?;
                        let key_end = k1 as u32 | if esc { ESCAPED } else { 0 };
                        self.members.push(Member { key: k0 as u32, key_end, val_end: s.i as u32 });
                        if !s.next_member(b'}')? {
                            break;
                        }
                    }
                }
                s.depth -= 1;
                self.members.len() as u32 - first
            } else {
                s.value()?;
                NOT_OBJECT
            };
            self.items.push(Item { start: start as u32, end: s.i as u32, first, count });
            if !s.next_element()? {
                break;
            }
        }
        s.depth -= 1;
        Some(())
    }

    /// A key's text, unescaped when it holds an escape (`None` when the escape names no character,
    /// as a lone surrogate: serde_json refuses such a key too).
    fn key(&self, k0: usize, k1: usize, escaped: bool) -> Option<Cow<'a, str>> {
        if escaped {
            serde_json::from_str::<String>(&self.text[k0 - 1..k1 + 1]).ok().map(Cow::Owned)
        } else {
            Some(Cow::Borrowed(&self.text[k0..k1]))
        }
    }

    /// Room of the member table (to test that [`reuse_page_tables`] hands it on).
    #[cfg(test)]
    pub(super) fn member_room(&self) -> usize {
        self.members.capacity()
    }

    /// Number of elements in `value`.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when `value` is empty.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Element `i`, as written.
    pub fn raw(&self, i: usize) -> &'a Raw {
        let it = self.items[i];
        Raw::part(&self.text[it.start as usize..it.end as usize])
    }

    /// Element `i`'s members (`None` when it is not an object, or a key's escape names no character).
    pub fn object(&self, i: usize) -> Option<RawObject<'a>> {
        let it = self.items[i];
        if it.count == NOT_OBJECT {
            return None;
        }
        let ms = &self.members[it.first as usize..(it.first + it.count) as usize];
        let mut fields = Vec::with_capacity(ms.len());
        let b = self.text.as_bytes();
        for m in ms {
            let k1 = (m.key_end & !ESCAPED) as usize;
            let key = self.key(m.key as usize, k1, m.key_end & ESCAPED != 0)?;
            // Past the closing quote, white space, the colon and white space: the value.
            let is_ws = |c: &u8| matches!(c, b' ' | b'\n' | b'\r' | b'\t');
            let colon = k1 + 1 + b[k1 + 1..].iter().take_while(|c| is_ws(c)).count();
            let val = colon + 1 + b[colon + 1..].iter().take_while(|c| is_ws(c)).count();
            fields.push((key, Raw::part(&self.text[val..m.val_end as usize])));
        }
        Some(RawObject { fields })
    }
}

/// The validating cursor. Every method leaves `i` just past what it read, or returns `None` (the
/// text is not valid JSON there, or nests deeper than `max`).
struct Scanner<'b> {
    b: &'b [u8],
    i: usize,
    depth: usize,
    max: usize,
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// High bit set in each byte of `x` that is zero; exact for the lowest such byte (a borrow can
/// only mark bytes above a zero byte).
fn zero_bytes(x: u64) -> u64 {
    x.wrapping_sub(LO) & !x & HI
}

/// High bit set in the lowest byte of `x` (little-endian) that ends a run of plain string bytes: a
/// quote, a backslash or a control character (< 0x20); bytes above it may be marked too.
fn string_stop(x: u64) -> u64 {
    zero_bytes(x ^ (LO * u64::from(b'"')))
        | zero_bytes(x ^ (LO * u64::from(b'\\')))
        | (x.wrapping_sub(LO * 0x20) & !x & HI)
}

/// Eight bytes from `i`, little-endian (the caller checks there are eight).
fn word(b: &[u8], i: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[i..i + 8]);
    u64::from_le_bytes(w)
}

impl Scanner<'_> {
    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        let hit = self.b.get(self.i) == Some(&c);
        if hit {
            self.i += 1;
        }
        hit
    }

    /// Opens a container (`{` or `[`), one level deeper.
    fn enter(&mut self, c: u8) -> Option<()> {
        if !self.eat(c) {
            return None;
        }
        self.depth += 1;
        (self.depth <= self.max).then_some(())
    }

    /// After a member: `true` at `,` (white space skipped up to the next key), `false` at the
    /// closing `close`.
    fn next_member(&mut self, close: u8) -> Option<bool> {
        self.ws();
        match *self.b.get(self.i)? {
            b',' => {
                self.i += 1;
                self.ws();
                Some(true)
            }
            c if c == close => {
                self.i += 1;
                Some(false)
            }
            _ => None,
        }
    }

    /// After an array element: `true` at `,` (white space skipped up to the next element), `false`
    /// at `]`.
    fn next_element(&mut self) -> Option<bool> {
        self.next_member(b']')
    }

    /// A member's key and its colon: the key's span between the quotes and whether it holds an
    /// escape; the cursor is left at the value.
    fn key(&mut self) -> Option<(usize, usize, bool)> {
        if self.b.get(self.i) != Some(&b'"') {
            return None;
        }
        let k0 = self.i + 1;
        let esc = self.string()?;
        let k1 = self.i - 1;
        self.ws();
        if !self.eat(b':') {
            return None;
        }
        self.ws();
        Some((k0, k1, esc))
    }

    /// A string opening at the cursor; `true` when it holds an escape.
    fn string(&mut self) -> Option<bool> {
        let b = self.b;
        let mut i = self.i + 1;
        let mut escaped = false;
        loop {
            while i + 8 <= b.len() {
                let stop = string_stop(word(b, i));
                if stop != 0 {
                    i += (stop.trailing_zeros() / 8) as usize;
                    break;
                }
                i += 8;
            }
            match *b.get(i)? {
                b'"' => {
                    self.i = i + 1;
                    return Some(escaped);
                }
                b'\\' => {
                    escaped = true;
                    match *b.get(i + 1)? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => i += 2,
                        b'u' => {
                            let hex = b.get(i + 2..i + 6)?;
                            if !hex.iter().all(u8::is_ascii_hexdigit) {
                                return None;
                            }
                            i += 6;
                        }
                        _ => return None,
                    }
                }
                c if c < 0x20 => return None,
                _ => i += 1,
            }
        }
    }

    /// Any value at the cursor.
    fn value(&mut self) -> Option<()> {
        match *self.b.get(self.i)? {
            b'"' => self.string().map(drop),
            b'{' => {
                self.enter(b'{')?;
                self.ws();
                if !self.eat(b'}') {
                    loop {
                        self.key()?;
                        self.value()?;
                        if !self.next_member(b'}')? {
                            break;
                        }
                    }
                }
                self.depth -= 1;
                Some(())
            }
            b'[' => {
                self.enter(b'[')?;
                self.ws();
                if !self.eat(b']') {
                    loop {
                        self.value()?;
                        if !self.next_element()? {
                            break;
                        }
                    }
                }
                self.depth -= 1;
                Some(())
            }
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        if !self.b[self.i..].starts_with(word) {
            return None;
        }
        self.i += word.len();
        Some(())
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while self.b.get(self.i).is_some_and(u8::is_ascii_digit) {
            self.i += 1;
        }
        self.i - start
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, as serde_json reads numbers.
    fn number(&mut self) -> Option<()> {
        self.eat(b'-');
        match *self.b.get(self.i)? {
            b'0' => self.i += 1,
            b'1'..=b'9' => {
                self.digits();
            }
            _ => return None,
        }
        if self.eat(b'.') && self.digits() == 0 {
            return None;
        }
        if matches!(self.b.get(self.i), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.b.get(self.i), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if self.digits() == 0 {
                return None;
            }
        }
        Some(())
    }
}
