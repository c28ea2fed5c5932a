//! Text for the client view: paths relative to the scanned folders (never the scanning machine's
//! absolute paths), and [`Rich`] text whose backticks become `<code>`.

use crate::ingest::display_path;
use std::fmt;
use std::path::PathBuf;

/// Rewrites paths relative to the scanned folders: a file below a scanned folder is shown from that
/// folder (prefixed with the folder's name when several folders were scanned), a file scanned
/// directly by its name.
pub(super) struct RelPaths {
    /// (prefix as written in reports, ending in `/`; what replaces it).
    prefixes: Vec<(String, String)>,
}

impl RelPaths {
    pub(super) fn new(scan_paths: &[PathBuf]) -> Self {
        let dirs = scan_paths.iter().filter(|p| !p.is_file()).count();
        let mut prefixes = Vec::new();
        for p in scan_paths {
            let absolute = std::fs::canonicalize(p).or_else(|_| std::path::absolute(p)).unwrap_or_else(|_| p.clone());
            let (base, label) = if p.is_file() {
                (p.parent().map(PathBuf::from).unwrap_or_default(), String::new())
            } else {
                let name = absolute.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                (p.clone(), if dirs > 1 && !name.is_empty() { format!("{name}/") } else { String::new() })
            };
            let abs_base =
                if p.is_file() { absolute.parent().map(PathBuf::from).unwrap_or_default() } else { absolute };
            for b in [base, abs_base] {
                let mut shown = display_path(&b);
                if shown.is_empty() || shown == "." {
                    continue;
                }
                if !shown.ends_with('/') {
                    shown.push('/');
                }
                prefixes.push((shown, label.clone()));
            }
        }
        // The most specific prefix first (scanned folders may nest; the absolute form is longer).
        prefixes.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        prefixes.dedup_by(|a, b| a.0 == b.0);
        Self { prefixes }
    }

    /// A file's display path, relative to its scanned folder.
    pub(super) fn path(&self, shown: &str) -> String {
        for (prefix, label) in &self.prefixes {
            if let Some(rest) = shown.strip_prefix(prefix.as_str()) {
                return format!("{label}{rest}");
            }
        }
        shown.to_string()
    }

    /// Free text (a message, a title) with every scanned folder's path made relative.
    pub(super) fn text(&self, s: &str) -> String {
        if !self.prefixes.iter().any(|(p, _)| s.contains(p.as_str())) {
            return s.to_string();
        }
        let mut out = s.to_string();
        for (prefix, label) in &self.prefixes {
            out = out.replace(prefix.as_str(), label);
        }
        out
    }
}

/// Text shortened to `max` characters, with `…` when shortened.
pub(super) fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut t: String = s.chars().take(max).collect();
    t.push('…');
    t
}

/// Text rendered as HTML: escaped, with `` `code` `` spans as `<code>`. Only [`Rich::new`] builds one,
/// escaping every character that matters in HTML text and attribute values, which is what makes it
/// sound to tell askama the result needs no further escaping.
pub(super) struct Rich(String);

impl Rich {
    pub(super) fn new(text: &str) -> Self {
        let mut out = String::with_capacity(text.len() + 16);
        // An odd number of backticks leaves the last one as text.
        let pairs = text.matches('`').count() / 2 * 2;
        let mut seen = 0;
        let mut open = false;
        for c in text.chars() {
            match c {
                '`' if seen < pairs => {
                    seen += 1;
                    out.push_str(if open { "</code>" } else { "<code>" });
                    open = !open;
                }
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&#34;"),
                '\'' => out.push_str("&#39;"),
                c => out.push(c),
            }
        }
        Self(out)
    }

    /// Whether there is nothing to show.
    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Rich {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

// Sound: the constructor escaped every character that is special in HTML text; it adds only `<code>` tags.
impl askama::filters::HtmlSafe for Rich {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backticks_become_code_and_markup_is_escaped() {
        assert_eq!(Rich::new("run `Get-ADUser -Filter *` now").0, "run <code>Get-ADUser -Filter *</code> now");
        assert_eq!(Rich::new("`<img src=x onerror=alert(1)>`").0, "<code>&lt;img src=x onerror=alert(1)&gt;</code>");
        assert_eq!(Rich::new("a ` b").0, "a ` b");
        assert_eq!(Rich::new("\"'&").0, "&#34;&#39;&amp;");
    }

    #[test]
    fn paths_are_relative_to_the_scanned_folder() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("estate");
        std::fs::create_dir_all(root.join("ad")).unwrap();
        let r = RelPaths::new(std::slice::from_ref(&root));
        let abs = display_path(&std::fs::canonicalize(&root).unwrap());
        assert_eq!(r.path(&format!("{}/ad/users.csv", display_path(&root))), "ad/users.csv");
        assert_eq!(r.text(&format!("read {abs}/ad/users.csv again")), "read ad/users.csv again");
        let file = root.join("ad/users.csv");
        std::fs::write(&file, "x").unwrap();
        let r = RelPaths::new(&[file.clone(), dir.path().join("other")]);
        assert_eq!(r.path(&display_path(&file)), "users.csv");
    }
}
