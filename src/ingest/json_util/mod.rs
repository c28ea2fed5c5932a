//! Shared JSON helpers (top-level shape, array elements with line numbers, case-insensitive keys).
//!
//! Large exports are never parsed into one `serde_json::Value`: the whole text is first validated
//! with serde_json (which skips nested values iteratively, so depth is not a stack risk), then objects
//! are split into `(key, &Raw)` pairs ([`RawObject`]) and arrays into `Vec<&Raw>`, and each record is
//! read field by field. Every [`Raw`] is a slice of the validated input text, so splitting it again
//! needs no second validation (the split only finds where members end), and its line is found from
//! its byte offset ([`Doc::line_of`]). A Graph collection page (most of a large estate's bytes) is
//! validated and split in one pass instead ([`ScannedPage`]); a text that pass refuses takes the
//! general path, which words the error.
//!
//! Sniffers use [`Head`], a tolerant scan of the first bytes of a file that lists the keys and
//! first values it meets (first array elements only), so no sniffer parses a whole file.
//!
//! What lives where: [`Doc`] (the text and its line cursor) and [`FromText`] here; `raw` validates
//! the text and splits raw objects, arrays and scalars (and explains syntax errors); `page` is the
//! one-pass page scan; `values` normalises dates, placeholders, percent escapes and key case;
//! `record` reads one object as a record ([`Rec`]) and tallies value problems ([`Tally`]); `head` is
//! the sniffers' tolerant scan ([`Head`]).

mod head;
mod page;
mod raw;
mod record;
#[cfg(test)]
mod tests;
mod values;

pub use head::*;
pub use page::*;
pub use raw::*;
pub use record::*;
pub use values::*;

/// A string type a record field can be read into: `String` for estate-level records, the compact
/// [`crate::model::Text`] for per-object attributes.
pub trait FromText: for<'x> From<&'x str> + From<String> + AsRef<str> {}
impl<T: for<'x> From<&'x str> + From<String> + AsRef<str>> FromText for T {}

use super::{Extract, Input, ReadError, codes};
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
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
    pub fn line_of(&self, raw: &Raw) -> u32 {
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
    crate::ingest::text::count_newlines(b) as u32
}
