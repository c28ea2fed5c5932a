//! Rendering: the askama template struct ([`Page`]) filled from the view model, the embedded style,
//! script and logo, the Content-Security-Policy, and the escaping of the findings data island.

use super::cover::{self, ScopeSection, ScopeView, SourceDate};
use super::map::{self, EstateMap};
use super::plan::{self, Phase, Risk};
use super::score::{SCORE_METHOD, risk_score};
use super::text::{RelPaths, Rich};
use super::view::{self, Count, GateView, InputRow, PreviewIssue, PreviewRow, RuleRow};
use super::{MAX_FINDINGS, MAX_LOGO_BYTES, island};
use crate::findings::{Category, Severity, Tally};
use crate::report::RunSummary;
use askama::Template;
use sha2::{Digest, Sha256};
use std::fmt;

/// The page's style and script as askama includes them (it drops the file's final newline); their
/// hashes go into the Content-Security-Policy, and a test checks they match the rendered page.
pub(super) const CSS: &str = strip_newline(include_str!("../../../templates/assets/report.css"));
pub(super) const JS: &str = strip_newline(include_str!("../../../templates/assets/report.js"));

const fn strip_newline(s: &str) -> &str {
    match s.as_bytes() {
        [rest @ .., b'\n'] => match std::str::from_utf8(rest) {
            Ok(r) => r,
            Err(_) => s,
        },
        _ => s,
    }
}

/// A logo for the report header, checked to be a raster image of bounded size.
#[derive(Clone, Debug)]
pub struct Logo {
    mime: &'static str,
    bytes: Vec<u8>,
}

impl Logo {
    /// Reads a PNG, JPEG, GIF or WebP file of at most [`MAX_LOGO_BYTES`]. SVG is refused: it can carry
    /// script and this tool cannot vouch for it.
    pub fn load(path: &std::path::Path) -> Result<Self, String> {
        let meta = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
        if meta.len() > MAX_LOGO_BYTES as u64 {
            return Err(format!(
                "{}: the logo is {} bytes; at most {MAX_LOGO_BYTES} are embedded",
                path.display(),
                meta.len()
            ));
        }
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Self::from_bytes(bytes).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Checks the image type from its first bytes.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, String> {
        if bytes.len() > MAX_LOGO_BYTES {
            return Err(format!("the logo is {} bytes; at most {MAX_LOGO_BYTES} are embedded", bytes.len()));
        }
        let mime = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            "image/png"
        } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
            "image/jpeg"
        } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
            "image/gif"
        } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            "image/webp"
        } else {
            return Err("the logo must be a PNG, JPEG, GIF or WebP image".into());
        };
        Ok(Self { mime, bytes })
    }

    pub(super) fn data_uri(&self) -> String {
        use base64::Engine;
        format!("data:{};base64,{}", self.mime, base64::engine::general_purpose::STANDARD.encode(&self.bytes))
    }
}

/// The findings data island, JSON made safe for a `<script type="application/json">` element: it
/// contains no `<`, `>` or `&`, so it can neither close the element nor open a comment. Its only
/// output is its `Display`, which writes every piece through [`escape_json`]: that is what makes it
/// sound to tell askama the text needs no further escaping.
struct JsonIsland<'s, 'r>(&'s RunSummary<'r>);

impl<'s, 'r> JsonIsland<'s, 'r> {
    /// The findings data island of `s` ([`island::write`]), escaped as it is written (while the page
    /// is written: the island is never held whole).
    fn of(s: &'s RunSummary<'r>) -> Self {
        Self(s)
    }
}

/// Appends JSON text `raw` to `out` with every character that is special inside a script data
/// block written as a JSON escape (the same string to a JSON parser).
fn escape_json(raw: &str, out: &mut String) {
    out.reserve(raw.len());
    let bytes = raw.as_bytes();
    // Runs of plain text are copied whole; only the five characters are replaced. `<`, `>` and `&`
    // are single bytes and U+2028/U+2029 start with 0xE2, so every cut is a character boundary. The
    // candidates are found with `memchr` (tens of megabytes at a million objects, few of them special).
    let mut ascii = memchr::memchr3_iter(b'<', b'>', b'&', bytes).peekable();
    let mut e2 = memchr::memchr_iter(0xE2, bytes).peekable();
    let mut start = 0;
    loop {
        let i = match (ascii.peek(), e2.peek()) {
            (Some(&a), Some(&b)) if b < a => e2.next(),
            (Some(_), _) => ascii.next(),
            (None, _) => e2.next(),
        };
        let Some(i) = i else { break };
        let (with, len) = match bytes[i] {
            b'<' => ("\\u003c", 1),
            b'>' => ("\\u003e", 1),
            b'&' => ("\\u0026", 1),
            _ if bytes[i + 1..].starts_with(&[0x80, 0xA8]) => ("\\u2028", 3),
            _ if bytes[i + 1..].starts_with(&[0x80, 0xA9]) => ("\\u2029", 3),
            _ => continue,
        };
        out.push_str(&raw[start..i]);
        out.push_str(with);
        start = i + len;
    }
    out.push_str(&raw[start..]);
}

impl fmt::Display for JsonIsland<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        island::write(self.0, MAX_FINDINGS, escape_json, &mut |piece| f.write_str(piece))
    }
}

// Sound: every piece is written through `escape_json`, which removes every character that is
// special inside a script data block.
impl askama::filters::HtmlSafe for JsonIsland<'_, '_> {}

#[derive(Template)]
#[template(path = "report.html")]
struct Page<'s, 'r> {
    title: String,
    client: String,
    author: String,
    logo: String,
    generated_at: String,
    as_of: String,
    /// `as_of` is `--as-of`: it replaced the data dates.
    as_of_given: bool,
    version: &'static str,
    csp: String,
    pseudonymized: bool,
    /// The estate's rating: healthy, messy or dangerous, its points and the kinds of root cause.
    level: &'static str,
    points: u32,
    kinds: String,
    score_method: String,
    scope: ScopeView,
    /// The data date per source (tenant, forest, unattributed files), on the first page.
    source_dates: Vec<SourceDate>,
    limitations: Vec<Rich>,
    top_risks: Vec<Risk>,
    scope_sections: Vec<ScopeSection>,
    /// A policy or a baseline is in use: the page shows the CI section (gate, fingerprints).
    ci: bool,
    total: usize,
    /// Findings folded under a cause (not in `total`).
    folded: usize,
    preview_rows: Vec<PreviewRow>,
    preview_simulated: String,
    preview_issues: Vec<PreviewIssue>,
    preview_issues_more: usize,
    /// Findings in the data island ([`MAX_FINDINGS`] at most) and those left out.
    held: usize,
    omitted: usize,
    open: usize,
    severities: Vec<Count>,
    categories: Vec<Count>,
    plan: Vec<Phase>,
    weak_inputs: Vec<String>,
    estate_line: String,
    map: EstateMap,
    gate: GateView,
    rules: Vec<RuleRow>,
    inputs: Vec<InputRow>,
    /// Data date of every tenant and forest, one line each.
    data_dates: Vec<String>,
    coverage: &'s [crate::rules::coverage::Gap],
    tenants: Vec<String>,
    forests: Vec<String>,
    category_names: Vec<&'static str>,
    severity_names: Vec<&'static str>,
    data: JsonIsland<'s, 'r>,
}

pub(super) fn sha256_b64(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(s.as_bytes()))
}

/// The page's Content-Security-Policy: nothing external; only the page's own style and script (by hash);
/// images only as `data:` URIs.
pub fn csp() -> String {
    format!(
        "default-src 'none'; style-src 'sha256-{}'; script-src 'sha256-{}'; img-src data:; base-uri 'none'; form-action 'none'",
        sha256_b64(CSS),
        sha256_b64(JS)
    )
}

/// Renders the page.
pub fn render(s: &RunSummary<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    write(s, &mut out).expect("the report template renders");
    out
}

/// Writes the page as [`render`] gives it, streamed into `w` (give it a buffered writer): the page
/// and its data island (~40 MB at a million objects) are never held in memory whole.
pub fn write(s: &RunSummary<'_>, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let tally = Tally::of(s.findings);
    let rating = risk_score(s.findings, &s.gate.suppressions);
    let rel = RelPaths::new(&s.scan_paths);
    let coverage = s.coverage();
    let kinds = Severity::ALL
        .iter()
        .zip(rating.kinds)
        .filter(|&(sv, n)| n > 0 && *sv != Severity::Info)
        .map(|(sv, n)| format!("{n} {}", sv.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    let open = (0..s.findings.len())
        .filter(|&i| s.findings[i].caused_by.is_none() && s.gate.suppressions.get(i).is_none_or(|x| x.is_none()))
        .count();
    let m = &s.meta;
    let page = Page {
        title: m.title.clone().unwrap_or_else(|| "Identity estate audit".into()),
        client: m.client.clone().unwrap_or_default(),
        author: m.author.clone().unwrap_or_default(),
        logo: m.logo.as_ref().map(Logo::data_uri).unwrap_or_default(),
        generated_at: s.generated_at.clone(),
        as_of: s.as_of.clone(),
        as_of_given: s.as_of_given,
        version: env!("CARGO_PKG_VERSION"),
        csp: csp(),
        pseudonymized: m.pseudonymized,
        level: rating.level,
        points: rating.points,
        kinds: if kinds.is_empty() { "none".into() } else { kinds },
        score_method: SCORE_METHOD.to_string(),
        scope: cover::scope(s),
        source_dates: cover::source_dates(s, &rel),
        limitations: cover::limitations(s, coverage),
        top_risks: plan::top_risks(s),
        scope_sections: cover::scope_sections(s, &rel),
        ci: view::ci_in_use(s),
        total: tally.total,
        folded: tally.folded,
        preview_rows: view::preview_rows(s),
        preview_simulated: s.preview.map(|p| p.simulated.join(", ")).unwrap_or_default(),
        preview_issues: view::preview_issues(s),
        preview_issues_more: view::preview_issues_more(s),
        open,
        severities: view::severities(&tally),
        categories: view::categories(&tally),
        plan: plan::plan(s),
        weak_inputs: view::weak_inputs(s),
        estate_line: view::estate_line(&s.counts),
        map: map::estate_map(s),
        gate: view::gate_view(s),
        rules: view::rule_rows(s),
        inputs: view::inputs(s),
        data_dates: view::data_dates(s),
        coverage,
        tenants: s.ingested.estate.tenants.iter().map(|t| t.name.clone()).collect(),
        forests: s.ingested.estate.forests.iter().map(|f| f.name.clone()).collect(),
        category_names: Category::ALL.iter().map(|c| c.as_str()).collect(),
        severity_names: Severity::ALL.iter().map(|s| s.as_str()).collect(),
        held: tally.total.min(MAX_FINDINGS),
        omitted: tally.total.saturating_sub(MAX_FINDINGS),
        data: JsonIsland::of(s),
    };
    // The page ends with a newline whatever the template's last line.
    struct Last<'w> {
        w: &'w mut dyn std::io::Write,
        last: u8,
    }
    impl std::io::Write for Last<'_> {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            let n = self.w.write(buf)?;
            if n > 0 {
                self.last = buf[n - 1];
            }
            Ok(n)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            self.w.flush()
        }
    }
    let mut last = Last { w, last: 0 };
    page.write_into(&mut last)?;
    if last.last != b'\n' {
        last.w.write_all(b"\n")?;
    }
    Ok(())
}

#[cfg(test)]
mod escape_tests {
    /// The five characters replaced one by one, everything else kept: what `escape_json` must write.
    fn reference(raw: &str) -> String {
        raw.chars()
            .map(|c| match c {
                '<' => "\\u003c".to_string(),
                '>' => "\\u003e".to_string(),
                '&' => "\\u0026".to_string(),
                '\u{2028}' => "\\u2028".to_string(),
                '\u{2029}' => "\\u2029".to_string(),
                c => c.to_string(),
            })
            .collect()
    }

    #[test]
    fn escape_json_replaces_exactly_the_characters_special_in_a_script_block() {
        // Other characters that start with 0xE2 (€, —, ‧, U+202A) and the two line separators at
        // the start, middle and end, next to each other and to the ASCII ones.
        let cases = [
            "",
            "plain",
            "<script>&amp;</script>",
            "\u{2028}a\u{2029}",
            "€ — ‧ \u{202a} \u{2027}",
            "a\u{2028}\u{2029}<>&\u{2028}",
            "Zolt\u{e1}n <b>&\u{2029}",
            "\u{2029}",
            "<",
        ];
        // Long texts too (the search reads many bytes at a time): every case joined, with plain runs
        // of several lengths between them.
        let long: Vec<String> = (0..3)
            .map(|k| cases.iter().map(|c| format!("{c}{}", "p".repeat(k * 37))).collect::<Vec<_>>().concat().repeat(5))
            .collect();
        for raw in cases.iter().copied().chain(long.iter().map(String::as_str)) {
            let mut out = String::from("x");
            super::escape_json(raw, &mut out);
            assert_eq!(out, format!("x{}", reference(raw)), "{raw:?}");
            assert!(!out.contains(['<', '>', '&', '\u{2028}', '\u{2029}']), "{raw:?}");
        }
    }
}
