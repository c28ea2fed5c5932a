//! Encodings shared by both sides of the synthetic estate and by the accuracy harness's messy estate:
//! buffered output files, JSON string literals, `Export-Csv` cells, LDIF lines, Base64, ImmutableIds
//! and SIDs.

use super::Generated;
use anyhow::{Context as _, Result};
use base64::Engine as _;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

pub(crate) fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The ImmutableId Entra Connect computes from an objectGUID: Base64 of its little-endian bytes.
pub(crate) fn immutable_id(g: &uuid::Uuid) -> String {
    b64(&g.to_bytes_le())
}

/// Binary objectSid `S-1-5-21-a-b-c-rid`.
pub(crate) fn sid_bytes(sub: [u32; 3], rid: u32) -> Vec<u8> {
    let mut v = vec![1u8, 5, 0, 0, 0, 0, 0, 5];
    for x in [21, sub[0], sub[1], sub[2], rid] {
        v.extend_from_slice(&x.to_le_bytes());
    }
    v
}

pub(crate) fn sid_text(sub: [u32; 3], rid: u64) -> String {
    format!("S-1-5-21-{}-{}-{}-{rid}", sub[0], sub[1], sub[2])
}

pub(super) struct Out {
    pub(super) w: BufWriter<File>,
    pub(super) bytes: u64,
}

impl Out {
    pub(super) fn create(path: &Path) -> Result<Self> {
        if let Some(d) = path.parent() {
            std::fs::create_dir_all(d).with_context(|| format!("creating {}", d.display()))?;
        }
        let f = File::create(path).with_context(|| format!("creating {}", path.display()))?;
        Ok(Out { w: BufWriter::with_capacity(1 << 20, f), bytes: 0 })
    }
    pub(super) fn put(&mut self, s: &str) -> Result<()> {
        self.bytes += s.len() as u64;
        self.w.write_all(s.as_bytes())?;
        Ok(())
    }
    pub(super) fn finish(mut self, stats: &mut Generated) -> Result<()> {
        self.w.flush()?;
        stats.files += 1;
        stats.bytes += self.bytes;
        Ok(())
    }
}

/// A JSON string literal.
pub(super) fn js(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

pub(super) fn jopt(s: Option<&str>) -> String {
    s.map(js).unwrap_or_else(|| "null".into())
}

/// A CSV cell as `Export-Csv` (Windows PowerShell 5.1) writes it: always quoted, empty when absent.
pub(crate) fn cell(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// An LDIF attribute line: `::` Base64 when the value is not safe, folded at 76 columns as ldifde does.
pub(crate) fn ldif_line(out: &mut String, name: &str, value: &str) {
    let safe = value.is_ascii()
        && !value.starts_with([' ', ':', '<'])
        && !value.ends_with(' ')
        && !value.contains(['\r', '\n', '\0']);
    let line = if safe { format!("{name}: {value}") } else { format!("{name}:: {}", b64(value.as_bytes())) };
    ldif_fold(out, &line);
}

pub(crate) fn ldif_fold(out: &mut String, line: &str) {
    let mut rest = line;
    let mut first = true;
    while !rest.is_empty() {
        let width = if first { 76 } else { 75 };
        let mut cut = rest.len().min(width);
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        if !first {
            out.push(' ');
        }
        out.push_str(&rest[..cut]);
        out.push('\n');
        rest = &rest[cut..];
        first = false;
    }
}
