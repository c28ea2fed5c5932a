//! Bytes → text: byte-order marks, UTF-16 with or without BOM, UTF-8, and a Windows-1252 fallback.
//!
//! Exports arrive as UTF-8 (PowerShell 7, Graph), UTF-8 with BOM, UTF-16 LE with BOM
//! (`Export-Csv -Encoding Unicode`, `csvde -u`, `ldifde -u`) or ANSI (Windows PowerShell 5.1 `-Encoding
//! Default`). Anything that is not valid UTF-8 and has no BOM is decoded as Windows-1252 and the
//! decision is recorded, so a consultant can tell why a name looks odd.

use std::borrow::Cow;

/// The decoded text of a file and how it was decoded.
#[derive(Debug)]
pub struct Decoded<'a> {
    /// The text, without BOM.
    pub text: Cow<'a, str>,
    /// Encoding label (`utf-8`, `utf-8-bom`, `utf-16le-bom`, `utf-16be-bom`, `utf-16le`, `windows-1252`).
    pub encoding: &'static str,
    /// A note when the decoding was a guess or lost information.
    pub note: Option<String>,
}

/// Decodes a file's bytes. Never fails: undecodable sequences become U+FFFD and are noted.
pub fn decode(bytes: &[u8]) -> Decoded<'_> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return utf8(rest, "utf-8-bom");
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return utf16(rest, encoding_rs::UTF_16LE, "utf-16le-bom", None);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return utf16(rest, encoding_rs::UTF_16BE, "utf-16be-bom", None);
    }
    if looks_like_utf16le(bytes) {
        return utf16(
            bytes,
            encoding_rs::UTF_16LE,
            "utf-16le",
            Some("UTF-16 LE without a byte-order mark (detected from NUL bytes)".to_string()),
        );
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Decoded { text: Cow::Borrowed(s), encoding: "utf-8", note: None },
        Err(_) => {
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            Decoded {
                text,
                encoding: "windows-1252",
                note: Some("not valid UTF-8 and no byte-order mark: decoded as Windows-1252 (ANSI)".to_string()),
            }
        }
    }
}

fn utf8<'a>(bytes: &'a [u8], label: &'static str) -> Decoded<'a> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Decoded { text: Cow::Borrowed(s), encoding: label, note: None },
        Err(e) => Decoded {
            text: String::from_utf8_lossy(bytes),
            encoding: label,
            note: Some(format!(
                "invalid UTF-8 at byte {} despite the UTF-8 byte-order mark; bad bytes replaced by U+FFFD",
                e.valid_up_to() + 3
            )),
        },
    }
}

fn utf16<'a>(
    bytes: &'a [u8],
    enc: &'static encoding_rs::Encoding,
    label: &'static str,
    note: Option<String>,
) -> Decoded<'a> {
    let (text, had_errors) = enc.decode_without_bom_handling(bytes);
    let note = if had_errors {
        Some(format!("{}; malformed UTF-16 replaced by U+FFFD", note.as_deref().unwrap_or(label)))
    } else {
        note
    };
    Decoded { text: Cow::Owned(text.into_owned()), encoding: label, note }
}

/// ASCII text in UTF-16 LE has a NUL in every odd byte; require that for most of the first 512 bytes.
fn looks_like_utf16le(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(512)];
    if head.len() < 4 {
        return false;
    }
    let pairs = head.len() / 2;
    let odd_nuls = head.chunks_exact(2).filter(|p| p[1] == 0 && p[0] != 0).count();
    odd_nuls * 10 >= pairs * 8
}

/// The number of line feeds in `b`, counted with SIMD (`memchr`): line numbers are found this way over whole
/// files, where a plain byte loop costs several times as much.
pub fn count_newlines(b: &[u8]) -> usize {
    memchr::memchr_iter(b'\n', b).count()
}

/// 1-based line number of a byte offset, counted with a running index (cheap for increasing offsets).
#[derive(Debug)]
pub struct LineIndex<'a> {
    text: &'a str,
    pos: usize,
    line: u32,
}

impl<'a> LineIndex<'a> {
    /// Starts at the beginning of `text`.
    pub fn new(text: &'a str) -> Self {
        Self { text, pos: 0, line: 1 }
    }
    /// Line of `offset`; offsets should grow between calls (a smaller one restarts the count).
    pub fn line_of(&mut self, offset: usize) -> u32 {
        let offset = offset.min(self.text.len());
        if offset < self.pos {
            self.pos = 0;
            self.line = 1;
        }
        let slice = &self.text.as_bytes()[self.pos..offset];
        self.line += count_newlines(slice) as u32;
        self.pos = offset;
        self.line
    }
}

pub use crate::model::text::{TrimFast, trim};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boms_and_fallbacks() {
        assert_eq!(decode(b"\xEF\xBB\xBFa,b").text, "a,b");
        let d = decode(b"\xFF\xFEa\0,\0b\0");
        assert_eq!((d.text.as_ref(), d.encoding), ("a,b", "utf-16le-bom"));
        let d = decode(b"a\0b\0c\0d\0");
        assert_eq!((d.text.as_ref(), d.encoding), ("abcd", "utf-16le"));
        assert!(d.note.is_some());
        let d = decode(b"Jos\xE9");
        assert_eq!((d.text.as_ref(), d.encoding), ("José", "windows-1252"));
        assert_eq!(decode("Zoë".as_bytes()).encoding, "utf-8");
    }

    #[test]
    fn line_index_counts_newlines() {
        let t = "a\nb\n\nc";
        let mut li = LineIndex::new(t);
        assert_eq!(li.line_of(0), 1);
        assert_eq!(li.line_of(2), 2);
        assert_eq!(li.line_of(5), 4);
        assert_eq!(li.line_of(1), 1);
    }
}
