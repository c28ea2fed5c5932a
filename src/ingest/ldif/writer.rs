//! The LDIF writer: the `version: 1` line, entries, `# ` comments and `changetype: modify`
//! records, with RFC 2849 Base64 and line folding.

use super::{LdifMod, LdifValue};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// Folding width of the writer (RFC 2849 recommends at most 76 columns).
pub(super) const FOLD_WIDTH: usize = 76;

/// Writes the `version: 1` line that starts an LDIF file.
pub fn write_version(out: &mut String) {
    out.push_str("version: 1\n\n");
}

/// Writes one entry (`dn:` line, one line per value, blank line after), Base64-encoding values that
/// RFC 2849 does not allow plain (binary values; non-ASCII, NUL, CR or LF; a leading space, `:` or
/// `<`; a trailing space) and folding lines longer than 76 columns.
pub fn write_entry(out: &mut String, dn: &str, attrs: &[(&str, Vec<LdifValue>)]) {
    let mut line = String::new();
    write_value(out, &mut line, "dn", dn.as_bytes(), is_safe_string(dn));
    for (name, values) in attrs {
        for v in values {
            match v {
                LdifValue::Text(s) => write_value(out, &mut line, name, s.as_bytes(), is_safe_string(s)),
                LdifValue::Binary(b) => write_value(out, &mut line, name, b, false),
            }
        }
    }
    out.push('\n');
}

/// RFC 2849 SAFE-STRING, and no trailing space.
pub(super) fn is_safe_string(s: &str) -> bool {
    let b = s.as_bytes();
    let Some((&first, _)) = b.split_first() else { return true };
    !matches!(first, b' ' | b':' | b'<')
        && b.last() != Some(&b' ')
        && b.iter().all(|&c| c != 0 && c != b'\n' && c != b'\r' && c < 0x80)
}

pub(super) fn write_value(out: &mut String, line: &mut String, name: &str, bytes: &[u8], plain: bool) {
    line.clear();
    line.push_str(name);
    if plain {
        line.push(':');
        if !bytes.is_empty() {
            line.push(' ');
            line.push_str(std::str::from_utf8(bytes).unwrap_or(""));
        }
    } else {
        line.push_str(":: ");
        STANDARD.encode_string(bytes, line);
    }
    let mut rest = line.as_str();
    let mut width = FOLD_WIDTH;
    loop {
        if rest.len() <= width {
            out.push_str(rest);
            out.push('\n');
            return;
        }
        let mut cut = width;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        // No physical line ends in a space: editors and mail trim trailing spaces, which would
        // silently change the value when the lines are unfolded.
        while cut > 1 && rest.as_bytes()[cut - 1] == b' ' {
            cut -= 1;
        }
        if cut == 0 {
            cut = rest.chars().next().map_or(rest.len(), char::len_utf8);
        }
        out.push_str(&rest[..cut]);
        out.push_str("\n ");
        rest = &rest[cut..];
        width = FOLD_WIDTH - 1;
    }
}

/// Writes `# ` comment lines, wrapped at 76 columns. Control and non-ASCII characters in `text` are
/// written as `\u{..}` escapes: a comment can never end early and smuggle in a line, and the file
/// stays ASCII (as RFC 2849 wants its plain lines) whatever the values mentioned.
pub fn write_comment(out: &mut String, text: &str) {
    let clean: String = text
        .chars()
        .map(|c| if c.is_ascii() && !c.is_ascii_control() { c.to_string() } else { format!("\\u{{{:x}}}", c as u32) })
        .collect();
    let mut line = String::from("#");
    for word in clean.split(' ') {
        if line.len() > 1 && line.len() + 1 + word.len() > FOLD_WIDTH {
            out.push_str(&line);
            out.push('\n');
            line = String::from("#");
        }
        line.push(' ');
        line.push_str(word);
    }
    out.push_str(&line);
    out.push('\n');
}

/// Writes one `changetype: modify` record: the `dn:` line, `changetype: modify`, each mod-spec
/// (`add:`/`delete:`/`replace:` line, its values, a `-` line) and a blank line. Values are encoded
/// and lines folded as in [`write_entry`].
pub fn write_modify(out: &mut String, dn: &str, mods: &[LdifMod]) {
    let mut line = String::new();
    write_value(out, &mut line, "dn", dn.as_bytes(), is_safe_string(dn));
    out.push_str("changetype: modify\n");
    for m in mods {
        write_value(out, &mut line, m.op.as_str(), m.attr.as_bytes(), is_safe_string(&m.attr));
        for v in &m.values {
            match v {
                LdifValue::Text(s) => write_value(out, &mut line, &m.attr, s.as_bytes(), is_safe_string(s)),
                LdifValue::Binary(b) => write_value(out, &mut line, &m.attr, b, false),
            }
        }
        out.push_str("-\n");
    }
    out.push('\n');
}
