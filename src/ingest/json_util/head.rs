//! The sniffers' tolerant scan of the start of a JSON text ([`Head`]).

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
pub(super) fn scan_string(b: &[u8], i: usize) -> (String, usize) {
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
