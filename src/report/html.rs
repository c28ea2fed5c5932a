//! The HTML report (`report.html`): one self-contained page for the consultant and the administrator.
//!
//! - Templates (`templates/report.html` and `templates/partials/`) only loop and print: every string is
//!   prepared here, in the view model, and askama's HTML escaping stays on everywhere. Directory text is
//!   hostile (display names like `<script>`), so nothing from the estate is ever marked safe.
//! - Offline and locked down: inline CSS and JS (`templates/assets/`), images as `data:` URIs, and a
//!   Content-Security-Policy meta tag that allows nothing external and only the page's own style and
//!   script, by SHA-256 hash (no `'unsafe-inline'`, so an injected `<script>` or `onerror=` could not run
//!   even if escaping failed).
//! - Large estates: the findings are a compact JSON data island (`<script type="application/json">`,
//!   with `<`, `>` and `&` written as `\u003c`, `\u003e`, `\u0026` so the data cannot close the element);
//!   the page's script renders 100 rows at a time, grouped by rule; a group of more than 50 matching rows
//!   starts collapsed to its header (count, first three examples, "show all"). Per finding the island keeps at most
//!   [`MAX_SUBJECTS`] subjects, [`MAX_EVIDENCE`] characters of evidence, [`MAX_TEXT`] characters of title
//!   and [`MAX_COMMANDS`] generated commands, and the island holds at most [`MAX_FINDINGS`] findings
//!   (the first in report order, the most severe; the page says how many were left out, and its
//!   counts and rule table still cover every finding). `report.json` has everything. A test checks
//!   that 100,000 findings give a page under 60 MB; the synthetic estates give 55 MB at 1M objects
//!   (40,000 findings) and 70 MB at 2M (81,000 findings, 50,000 kept).
//! - Risk score: see [`risk_score`].

use super::RunSummary;
use crate::findings::{Category, Finding, Severity, Tally};
use crate::gate::Suppression;
use crate::graph::{Edge, Node};
use crate::ingest::{Status, codes};
use crate::rules::catalog;
use askama::Template;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

/// Findings kept in the page's data island: at ten million objects (400,000 findings) the page
/// was 565 MB, which no browser opens comfortably.
pub const MAX_FINDINGS: usize = 50_000;

/// Subjects kept per finding in the page.
pub const MAX_SUBJECTS: usize = 20;
/// Characters of evidence (compact JSON) kept per finding in the page.
pub const MAX_EVIDENCE: usize = 2000;
/// Characters kept of a title, a subject label or a command.
pub const MAX_TEXT: usize = 500;
/// Generated commands kept per finding.
pub const MAX_COMMANDS: usize = 10;
/// Largest accepted `--logo` file.
pub const MAX_LOGO_BYTES: usize = 256 * 1024;
/// Nodes drawn per column section of the estate map (the rest is summarised as "+N more").
pub const MAX_MAP_NODES: usize = 40;

/// The page's style and script as askama includes them (it drops the file's final newline); their
/// hashes go into the Content-Security-Policy, and a test checks they match the rendered page.
const CSS: &str = strip_newline(include_str!("../../templates/assets/report.css"));
const JS: &str = strip_newline(include_str!("../../templates/assets/report.js"));

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

    fn data_uri(&self) -> String {
        use base64::Engine;
        format!("data:{};base64,{}", self.mime, base64::engine::general_purpose::STANDARD.encode(&self.bytes))
    }
}

/// JSON made safe for a `<script type="application/json">` element: it contains no `<`, `>` or `&`,
/// so it can neither close the element nor open a comment. Only [`JsonIsland::new`] builds one, which
/// is what makes it sound to tell askama the text needs no further escaping.
struct JsonIsland(String);

impl JsonIsland {
    fn new(v: &Value) -> Self {
        let raw = serde_json::to_string(v).expect("JSON serialises");
        let mut out = String::with_capacity(raw.len() + raw.len() / 16);
        for c in raw.chars() {
            match c {
                '<' => out.push_str("\\u003c"),
                '>' => out.push_str("\\u003e"),
                '&' => out.push_str("\\u0026"),
                '\u{2028}' => out.push_str("\\u2028"),
                '\u{2029}' => out.push_str("\\u2029"),
                c => out.push(c),
            }
        }
        Self(out)
    }
}

impl fmt::Display for JsonIsland {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

// Sound: the constructor removed every character that is special inside a script data block.
impl askama::filters::HtmlSafe for JsonIsland {}

/// One count in the summary.
struct Count {
    label: &'static str,
    n: usize,
    class: &'static str,
}

/// One step of the action plan.
struct Action {
    what: &'static str,
    why: &'static str,
    findings: usize,
    rules: String,
    first_step: String,
    /// Procedures whose steps must run in order (a finding's evidence `steps`), one per rule.
    procedures: Vec<Procedure>,
}

/// An ordered procedure of the action plan: the finding it comes from and its steps, in order.
struct Procedure {
    title: String,
    steps: Vec<String>,
}

struct InputRow {
    path: String,
    kind: String,
    status: &'static str,
    reason: String,
    encoding: String,
    bytes: u64,
    records: usize,
    attributed_to: String,
    warnings: Vec<String>,
}

/// One forest → tenant line of the sync preview.
struct PreviewRow {
    forest: String,
    tenant: String,
    joins: usize,
    creates: usize,
    conflicts: usize,
    quarantined: usize,
    takeovers: usize,
    cloud_only: usize,
}

/// A conflict or takeover the sync preview predicts.
struct PreviewIssue {
    outcome: &'static str,
    object: String,
    tenant: String,
    reason: String,
    findings: String,
}

/// At most this many conflicts and takeovers are listed on the page (all are in sync-preview.csv).
const MAX_PREVIEW_ISSUES: usize = 200;

struct RuleRow {
    code: String,
    name: String,
    title: String,
    severity: &'static str,
    /// Top-level findings of the rule.
    count: usize,
    /// Its findings folded under a cause of another rule.
    folded: usize,
}

struct GateView {
    threshold: String,
    verdict: &'static str,
    class: &'static str,
    failing: usize,
    excepted: usize,
    baselined: usize,
    policy: String,
    baseline: String,
    notes: Vec<String>,
    failing_titles: Vec<String>,
}

/// A node of the estate map.
struct MapNode {
    x: i32,
    y: i32,
    w: i32,
    label: String,
    full: String,
    class: &'static str,
    tx: i32,
    ty: i32,
}

struct MapEdge {
    d: String,
    class: &'static str,
}

struct MapHeading {
    x: i32,
    y: i32,
    label: &'static str,
}

struct MapBox {
    x: i32,
    y: i32,
    w: i32,
    h: i32,
    label: String,
    ly: i32,
}

struct EstateMap {
    width: i32,
    height: i32,
    nodes: Vec<MapNode>,
    edges: Vec<MapEdge>,
    headings: Vec<MapHeading>,
    clusters: Vec<MapBox>,
    empty: bool,
}

#[derive(Template)]
#[template(path = "report.html")]
struct Page {
    title: String,
    client: String,
    author: String,
    logo: String,
    generated_at: String,
    as_of: String,
    version: &'static str,
    csp: String,
    pseudonymized: bool,
    score: u32,
    band: &'static str,
    band_class: &'static str,
    score_method: String,
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
    actions: Vec<Action>,
    weak_inputs: Vec<String>,
    estate_line: String,
    map: EstateMap,
    gate: GateView,
    rules: Vec<RuleRow>,
    inputs: Vec<InputRow>,
    tenants: Vec<String>,
    forests: Vec<String>,
    category_names: Vec<&'static str>,
    severity_names: Vec<&'static str>,
    data: JsonIsland,
}

/// Weight of one severity in the risk score.
pub fn severity_weight(s: Severity) -> f64 {
    match s {
        Severity::Critical => 25.0,
        Severity::High => 10.0,
        Severity::Medium => 4.0,
        Severity::Low => 1.0,
        Severity::Info => 0.0,
    }
}

/// How the risk score is computed, as shown in the report.
pub const SCORE_METHOD: &str = "For every rule with open findings (not excepted, not baselined): the weight of its most severe \
open finding (critical 25, high 10, medium 4, low 1, info 0) × (1 + log10(number of its open findings)); the score is the \
sum over rules, capped at 100. 0 = nothing open; under 10 low; under 30 moderate; under 60 high; 60 and over critical. \
A rule counts once however often it fires, so a thousand bad characters do not outweigh one hijackable tenant.";

/// Overall risk score (0–100) and its band, from the findings not suppressed by the gate.
pub fn risk_score(findings: &[Finding], suppressions: &[Option<Suppression>]) -> (u32, &'static str) {
    let mut per_rule: BTreeMap<&str, (Severity, usize)> = BTreeMap::new();
    for (i, f) in findings.iter().enumerate() {
        if suppressions.get(i).is_some_and(|s| s.is_some()) || f.caused_by.is_some() {
            continue;
        }
        let e = per_rule.entry(f.rule.as_str()).or_insert((f.severity, 0));
        e.0 = e.0.min(f.severity);
        e.1 += 1;
    }
    let sum: f64 = per_rule.values().map(|&(s, n)| severity_weight(s) * (1.0 + (n as f64).log10())).sum();
    let score = sum.min(100.0).round() as u32;
    let band = match score {
        0 => "none",
        1..=9 => "low",
        10..=29 => "moderate",
        30..=59 => "high",
        _ => "critical",
    };
    (score, band)
}

/// The phases of the action plan: what to do first. Inputs first (every other conclusion rests on
/// them), then the tenant and account structure, then domains and federation, then anchors, then the
/// per-object values, and synchronisation last.
fn phase(c: Category) -> (usize, &'static str, &'static str) {
    match c {
        Category::Input => (
            1,
            "Fix the inputs: re-export lossy, incomplete or unreadable files",
            "every other conclusion rests on complete exports",
        ),
        Category::DuplicateDirectories | Category::MsaAmbiguity | Category::Subscriptions => (
            2,
            "Link or consolidate tenants, subscriptions and personal accounts",
            "objects fixed in a tenant that is later merged away are fixed twice",
        ),
        Category::Domains | Category::Federation => {
            (3, "Settle domains and federation", "UPN suffixes and sign-in depend on which tenant owns which domain")
        }
        Category::AnchorIntegrity | Category::MutableAnchors => (
            4,
            "Repair sync anchors",
            "a wrong anchor creates duplicates or takes over the wrong account at the next sync",
        ),
        Category::Duplicates | Category::BadCharacters => (
            5,
            "Fix duplicate values and characters",
            "sync rejects these objects; fix them before enabling or widening sync",
        ),
        Category::Sync => (6, "Enable or adjust synchronisation", "only once the data above is clean"),
    }
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut t: String = s.chars().take(max).collect();
    t.push_str("… (truncated; see report.json)");
    t
}

fn severity_class(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "sev-critical",
        Severity::High => "sev-high",
        Severity::Medium => "sev-medium",
        Severity::Low => "sev-low",
        Severity::Info => "sev-info",
    }
}

/// Commands a finding proposes, from its evidence: `commands` (list or string), `command`, `fix`,
/// `proposed_value` (as a value to set).
fn commands(f: &Finding) -> Vec<String> {
    let mut out = Vec::new();
    for key in ["commands", "command", "fix"] {
        match f.evidence.get(key) {
            Some(Value::String(s)) => out.push(clip(s, MAX_TEXT)),
            Some(Value::Array(a)) => out.extend(a.iter().filter_map(|v| v.as_str()).map(|s| clip(s, MAX_TEXT))),
            _ => {}
        }
    }
    if let Some(v) = f.evidence.get("proposed_value") {
        let attr = f.evidence.get("attribute").and_then(|a| a.as_str()).unwrap_or("value");
        let v = v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string());
        out.push(clip(&format!("set {attr} = {v}"), MAX_TEXT));
    }
    if out.is_empty()
        && let Some(Value::String(m)) = f.evidence.get("message")
    {
        // Input findings carry the re-export command in backticks inside their message.
        let parts: Vec<&str> = m.split('`').collect();
        for (i, p) in parts.iter().enumerate() {
            if i % 2 == 1 && (p.contains(" -") || p.contains('|')) && p.len() > 12 {
                out.push(clip(p, MAX_TEXT));
            }
        }
    }
    out.truncate(MAX_COMMANDS);
    out
}

fn suppression_text(s: Option<&Suppression>) -> String {
    match s {
        Some(Suppression::Exception(x)) => {
            format!("excepted by policy line {}: {} (owner {}, until {})", x.line, x.reason, x.owner, x.expires)
        }
        Some(Suppression::Baseline) => "in the baseline".into(),
        None => String::new(),
    }
}

/// Builds the compact data island: tables of repeated strings, then one array per finding.
fn data(s: &RunSummary<'_>, max_findings: usize) -> Value {
    let ing = s.ingested;
    let mut rule_idx: HashMap<&str, usize> = HashMap::new();
    let mut rules: Vec<Value> = Vec::new();
    let mut file_idx: HashMap<u32, usize> = HashMap::new();
    let mut files: Vec<Value> = Vec::new();
    let mut rem_idx: HashMap<&str, usize> = HashMap::new();
    let mut rems: Vec<Value> = Vec::new();
    // Scope (tenant or forest) of each input file, by its attribution.
    let tenant_names: BTreeSet<&str> = ing.estate.tenants.iter().map(|t| t.name.as_str()).collect();
    let forest_names: BTreeSet<&str> = ing.estate.forests.iter().map(|f| f.name.as_str()).collect();
    let mut scopes: Vec<Value> = Vec::new();
    let mut scope_idx: HashMap<&str, usize> = HashMap::new();
    let mut file_scope: HashMap<u32, usize> = HashMap::new();
    for r in &ing.inputs {
        if let Some(a) = r.attributed_to.as_deref() {
            let name = a.strip_prefix("tenant ").or_else(|| a.strip_prefix("forest ")).unwrap_or(a);
            let kind = if forest_names.contains(name) && !tenant_names.contains(name) { "forest" } else { "tenant" };
            let n = scopes.len();
            let i = *scope_idx.entry(name).or_insert_with(|| {
                scopes.push(json!([name, kind]));
                n
            });
            file_scope.insert(r.file.0, i);
        }
    }
    let tenant_by_id: HashMap<String, &str> = ing
        .estate
        .tenants
        .iter()
        .filter_map(|t| t.id.as_ref().map(|id| (id.to_lowercase(), t.name.as_str())))
        .collect();
    let mut out = Vec::with_capacity(s.findings.len().min(max_findings));
    // Top-level findings only: a consequence is shown inside its cause ("what else this causes").
    for (i, f) in s.findings.iter().enumerate().filter(|(_, f)| f.caused_by.is_none()).take(max_findings) {
        let ri = *rule_idx.entry(f.rule.as_str()).or_insert_with(|| {
            let m = catalog::get(&f.rule);
            rules.push(json!([
                f.rule,
                m.map(|m| m.name.as_str()).unwrap_or(""),
                m.map(|m| m.title.as_str()).unwrap_or("")
            ]));
            rules.len() - 1
        });
        let rem = *rem_idx.entry(f.remediation.as_str()).or_insert_with(|| {
            rems.push(Value::String(f.remediation.clone()));
            rems.len() - 1
        });
        let mut scope: BTreeSet<usize> = BTreeSet::new();
        let subjects: Vec<Value> = f
            .subjects
            .iter()
            .take(MAX_SUBJECTS)
            .map(|sub| {
                let (fi, line) = match sub.source {
                    Some(at) => {
                        let n = files.len();
                        let fi = *file_idx.entry(at.file.0).or_insert_with(|| {
                            files.push(Value::String(ing.sources.display(at.file).to_string()));
                            n
                        });
                        if let Some(&sc) = file_scope.get(&at.file.0) {
                            scope.insert(sc);
                        }
                        (fi as i64, at.line)
                    }
                    None => (-1, 0),
                };
                if sub.kind == "tenant"
                    && let Some(name) = tenant_by_id.get(&sub.id.to_lowercase())
                    && let Some(&sc) = scope_idx.get(name)
                {
                    scope.insert(sc);
                }
                json!([sub.kind, clip(&sub.id, MAX_TEXT), clip(&sub.display, MAX_TEXT), fi, line])
            })
            .collect();
        let evidence = if f.evidence.is_empty() {
            String::new()
        } else {
            clip(&serde_json::to_string_pretty(&f.evidence).unwrap_or_default(), MAX_EVIDENCE)
        };
        out.push(json!([
            ri,
            Severity::ALL.iter().position(|&x| x == f.severity).unwrap_or(0),
            Category::ALL.iter().position(|&x| x == f.category).unwrap_or(0),
            clip(&f.title, MAX_TEXT),
            subjects,
            f.subjects.len().saturating_sub(MAX_SUBJECTS),
            evidence,
            rem,
            f.fingerprint(),
            suppression_text(s.gate.suppressions.get(i).and_then(|x| x.as_ref())),
            scope.into_iter().collect::<Vec<_>>(),
            commands(f),
            s.gate.failing.binary_search(&i).is_ok(),
            f.consequences
                .iter()
                .take(MAX_SUBJECTS)
                .map(|c| {
                    json!([
                        c.rule,
                        Severity::ALL.iter().position(|&x| x == c.severity).unwrap_or(0),
                        clip(&c.title, MAX_TEXT),
                        c.fingerprint
                    ])
                })
                .collect::<Vec<_>>(),
            f.consequences.len().saturating_sub(MAX_SUBJECTS),
        ]));
    }
    json!({
        "severities": Severity::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        "categories": Category::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        "rules": rules,
        "files": files,
        "scopes": scopes,
        "remediations": rems,
        "findings": out,
    })
}

fn inputs(s: &RunSummary<'_>) -> Vec<InputRow> {
    let ing = s.ingested;
    ing.inputs
        .iter()
        .map(|r| {
            let (status, reason) = match &r.status {
                Status::Read => ("read", String::new()),
                Status::Skipped(why) => ("skipped", why.clone()),
                Status::Failed(e) => {
                    ("failed", if e.line > 0 { format!("line {}: {}", e.line, e.reason) } else { e.reason.clone() })
                }
            };
            InputRow {
                path: ing.sources.display(r.file).to_string(),
                kind: r.kind.clone(),
                status,
                reason,
                encoding: r.encoding.to_string(),
                bytes: r.bytes,
                records: r.records,
                attributed_to: r.attributed_to.clone().unwrap_or_default(),
                warnings: r
                    .issues
                    .iter()
                    .map(|i| {
                        if i.at.line > 0 {
                            format!("{} line {}: {}", i.code, i.at.line, i.message)
                        } else {
                            format!("{}: {}", i.code, i.message)
                        }
                    })
                    .collect(),
            }
        })
        .collect()
}

/// Inputs whose problems weaken the conclusions (lossy, incomplete, unreadable, unattributed), one line each.
fn weak_inputs(s: &RunSummary<'_>) -> Vec<String> {
    let weakening = [
        codes::LOSSY_COLUMN,
        codes::MISSING_FIELDS,
        codes::INCOMPLETE_EXPORT,
        codes::ENCODING,
        codes::UNATTRIBUTED,
        codes::TENANT_MISMATCH,
        codes::EMPTY_EXPORT,
        codes::UNREADABLE_RECORD,
    ];
    let ing = s.ingested;
    let mut out = Vec::new();
    for r in &ing.inputs {
        let path = ing.sources.display(r.file);
        if let Status::Failed(e) = &r.status {
            out.push(format!("{path}: unreadable ({})", e.reason));
        }
        let mut by_code: BTreeMap<&str, usize> = BTreeMap::new();
        for i in r.issues.iter().filter(|i| weakening.contains(&i.code)) {
            *by_code.entry(i.code).or_default() += 1;
        }
        if !by_code.is_empty() {
            let what: Vec<String> = by_code
                .iter()
                .map(|(c, n)| {
                    let name = catalog::get(c).map(|m| m.name.as_str()).unwrap_or(c);
                    if *n > 1 { format!("{name} ×{n}") } else { name.to_string() }
                })
                .collect();
            out.push(format!("{path}: {}", what.join(", ")));
        }
    }
    for i in &ing.issues {
        out.push(format!("{}: {}", ing.sources.display(i.at.file), clip(&i.message, 200)));
    }
    out
}

fn actions(s: &RunSummary<'_>) -> Vec<Action> {
    type Step<'a> = (&'static str, &'static str, usize, BTreeSet<&'a str>, Option<&'a Finding>, Vec<&'a Finding>);
    let mut by_phase: BTreeMap<usize, Step<'_>> = BTreeMap::new();
    for (i, f) in s.findings.iter().enumerate() {
        if s.gate.suppressions.get(i).is_some_and(|x| x.is_some())
            || f.severity == Severity::Info
            || f.caused_by.is_some()
        {
            continue;
        }
        let (p, what, why) = phase(f.category);
        let e = by_phase.entry(p).or_insert((what, why, 0, BTreeSet::new(), None, Vec::new()));
        e.2 += 1;
        e.3.insert(f.rule.as_str());
        if e.4.is_none_or(|g| f.severity < g.severity) {
            e.4 = Some(f);
        }
        // One ordered procedure per rule: the first (most severe, in report order) finding carrying steps.
        if f.evidence.get("steps").is_some_and(Value::is_array) && !e.5.iter().any(|g| g.rule == f.rule) {
            e.5.push(f);
        }
    }
    by_phase
        .into_iter()
        .map(|(_, (what, why, count, rules, first, ordered))| Action {
            what,
            why,
            findings: count,
            rules: rules.into_iter().collect::<Vec<_>>().join(", "),
            first_step: first
                .map(|f| {
                    let para = f.remediation.trim().split("\n\n").next().unwrap_or("");
                    clip(&para.split_whitespace().collect::<Vec<_>>().join(" "), 300)
                })
                .unwrap_or_default(),
            procedures: ordered
                .into_iter()
                .map(|f| Procedure {
                    title: clip(&format!("{} — {}", f.rule, f.title), 200),
                    steps: f
                        .evidence
                        .get("steps")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .take(MAX_COMMANDS)
                        .map(|s| clip(s, MAX_TEXT))
                        .collect(),
                })
                .collect(),
        })
        .collect()
}

fn gate_view(s: &RunSummary<'_>) -> GateView {
    let g = s.gate;
    let excepted = g.suppressions.iter().filter(|x| matches!(x, Some(Suppression::Exception(_)))).count();
    let baselined = g.suppressions.iter().filter(|x| matches!(x, Some(Suppression::Baseline))).count();
    let (verdict, class) = match g.fail_on {
        None => ("report only (no threshold)", "gate-none"),
        Some(_) if g.passed() => ("passed", "gate-pass"),
        Some(_) => ("failed", "gate-fail"),
    };
    let mut notes = Vec::new();
    for x in &g.expired {
        notes.push(format!(
            "exception for {} (policy line {}) expired on {}: it no longer applies",
            x.rule, x.line, x.expires
        ));
    }
    for x in &g.stale {
        notes.push(format!("exception for {} (policy line {}) matches no finding", x.rule, x.line));
    }
    if g.baseline_path.is_some() {
        notes.push(format!("{} finding(s) of the baseline are fixed", g.fixed.len()));
    }
    GateView {
        threshold: g.fail_on.map(|f| f.as_str().to_string()).unwrap_or_else(|| "none".into()),
        verdict,
        class,
        failing: g.failing.len(),
        excepted,
        baselined,
        policy: g.policy_path.clone(),
        baseline: g.baseline_path.clone().unwrap_or_default(),
        notes,
        failing_titles: g
            .failing
            .iter()
            .take(10)
            .map(|&i| {
                let f = &s.findings[i];
                format!("{} {} — {}", f.severity.as_str(), f.rule, clip(&f.title, 200))
            })
            .collect(),
    }
}

const NODE_W: i32 = 230;
const NODE_H: i32 = 30;
const ROW: i32 = 40;
const COL_X: [i32; 3] = [20, 360, 700];
const MAP_W: i32 = 950;

fn label(s: &str) -> String {
    if s.chars().count() > 30 { format!("{}…", s.chars().take(29).collect::<String>()) } else { s.to_string() }
}

/// Lays out the estate map: forests and subscriptions left, tenants (then foreign tenants) in the
/// middle, domains right; clusters of duplicate directories are boxed.
fn estate_map(s: &RunSummary<'_>) -> EstateMap {
    let e = &s.ingested.estate;
    let g = s.graph;
    let mut nodes = Vec::new();
    let mut edges = Vec::new();
    let mut headings = Vec::new();
    let mut clusters = Vec::new();
    // Clusters: tenants named together by a duplicate-directories finding.
    let tenant_by_id: HashMap<String, usize> =
        e.tenants.iter().enumerate().filter_map(|(i, t)| t.id.as_ref().map(|id| (id.to_lowercase(), i))).collect();
    let mut cluster_of: Vec<Option<usize>> = vec![None; e.tenants.len()];
    let mut n_clusters = 0;
    for f in s.findings.iter().filter(|f| f.category == Category::DuplicateDirectories) {
        let members: Vec<usize> = f
            .subjects
            .iter()
            .filter(|x| x.kind == "tenant")
            .filter_map(|x| tenant_by_id.get(&x.id.to_lowercase()).copied())
            .collect();
        if members.len() < 2 {
            continue;
        }
        let c = members.iter().find_map(|&m| cluster_of[m]).unwrap_or_else(|| {
            n_clusters += 1;
            n_clusters - 1
        });
        for m in members {
            cluster_of[m] = Some(c);
        }
    }
    // Tenant order: clustered tenants together, then by name.
    let mut order: Vec<usize> = (0..e.tenants.len()).collect();
    order.sort_by_key(|&i| (cluster_of[i].unwrap_or(usize::MAX), e.tenants[i].name.to_lowercase()));
    let mut tenant_y: HashMap<usize, i32> = HashMap::new();
    let mut y = 50;
    headings.push(MapHeading { x: COL_X[1], y: 30, label: "Tenants" });
    for (k, &t) in order.iter().enumerate() {
        if k == MAX_MAP_NODES {
            nodes.push(more_node(COL_X[1], y, order.len() - k));
            y += ROW;
            break;
        }
        let name = &e.tenants[t].name;
        let full = match &e.tenants[t].id {
            Some(id) => format!("{name} ({id})"),
            None => name.clone(),
        };
        nodes.push(node(COL_X[1], y, name, full, "node-tenant"));
        tenant_y.insert(t, y);
        y += ROW;
    }
    for c in 0..n_clusters {
        let ys: Vec<i32> = (0..e.tenants.len())
            .filter(|&t| cluster_of[t] == Some(c))
            .filter_map(|t| tenant_y.get(&t).copied())
            .collect();
        if let (Some(&lo), Some(&hi)) = (ys.iter().min(), ys.iter().max()) {
            clusters.push(MapBox {
                x: COL_X[1] - 10,
                y: lo - 18,
                w: NODE_W + 20,
                h: hi - lo + NODE_H + 26,
                label: format!("duplicate directories #{}", c + 1),
                ly: lo - 6,
            });
        }
    }
    let mut foreign_y: HashMap<usize, i32> = HashMap::new();
    if !g.foreign_tenants.is_empty() {
        y += 10;
        headings.push(MapHeading { x: COL_X[1], y, label: "Foreign tenants (not exported)" });
        y += 20;
        for (k, (id, _)) in g.foreign_tenants.iter().enumerate() {
            if k == MAX_MAP_NODES {
                nodes.push(more_node(COL_X[1], y, g.foreign_tenants.len() - k));
                y += ROW;
                break;
            }
            nodes.push(node(COL_X[1], y, id, id.clone(), "node-foreign"));
            foreign_y.insert(k, y);
            y += ROW;
        }
    }
    let mid_bottom = y;
    // Left: forests, then subscriptions.
    let mut y = 50;
    headings.push(MapHeading { x: COL_X[0], y: 30, label: "Forests" });
    for (k, f) in e.forests.iter().enumerate() {
        if k == MAX_MAP_NODES {
            nodes.push(more_node(COL_X[0], y, e.forests.len() - k));
            y += ROW;
            break;
        }
        let full = format!("{} ({})", f.name, f.domains.join(", "));
        nodes.push(node(COL_X[0], y, &f.name, full, "node-forest"));
        for &t in &f.syncs_to {
            if let Some(&ty) = tenant_y.get(&(t as usize)) {
                edges.push(edge(COL_X[0] + NODE_W, y, COL_X[1], ty, "edge-sync"));
            }
        }
        y += ROW;
    }
    let mut sub_y: HashMap<u32, i32> = HashMap::new();
    if !e.subscriptions.is_empty() {
        y += 10;
        headings.push(MapHeading { x: COL_X[0], y, label: "Subscriptions" });
        y += 20;
        for (k, sub) in e.subscriptions.iter().enumerate() {
            if k == MAX_MAP_NODES {
                nodes.push(more_node(COL_X[0], y, e.subscriptions.len() - k));
                y += ROW;
                break;
            }
            let name = sub.display_name.clone().unwrap_or_else(|| sub.id.clone());
            nodes.push(node(COL_X[0], y, &name, format!("{name} ({})", sub.id), "node-subscription"));
            sub_y.insert(k as u32, y);
            y += ROW;
        }
    }
    let left_bottom = y;
    // Subscription → tenant edges from the graph.
    let mut seen = BTreeSet::new();
    for er in g.graph.edge_indices() {
        let Some((a, b)) = g.graph.edge_endpoints(er) else { continue };
        let (Node::Subscription(si), w) = (g.graph[a], g.graph[er]) else { continue };
        let class = match w {
            Edge::Trusts => "edge-trust",
            Edge::ManagedBy => "edge-managed",
            _ => continue,
        };
        let Some(&sy) = sub_y.get(&si) else { continue };
        let ty = match g.graph[b] {
            Node::Tenant(t) => tenant_y.get(&(t as usize)).copied(),
            Node::ForeignTenant(f) => foreign_y.get(&(f as usize)).copied(),
            _ => None,
        };
        if let Some(ty) = ty
            && seen.insert((si, ty, class))
        {
            edges.push(edge(COL_X[0] + NODE_W, sy, COL_X[1], ty, class));
        }
    }
    // Right: domains grouped by tenant order.
    let federated: BTreeSet<(u32, String)> =
        e.federations.iter().filter_map(|f| f.domain.as_ref().map(|d| (f.tenant, d.to_lowercase()))).collect();
    let mut doms: Vec<usize> = (0..e.domains.len()).collect();
    let rank: HashMap<usize, usize> = order.iter().enumerate().map(|(r, &t)| (t, r)).collect();
    doms.sort_by_key(|&d| {
        (rank.get(&(e.domains[d].tenant as usize)).copied().unwrap_or(usize::MAX), e.domains[d].name.clone())
    });
    let mut y = 50;
    headings.push(MapHeading { x: COL_X[2], y: 30, label: "Domains" });
    for (k, &d) in doms.iter().enumerate() {
        if k == MAX_MAP_NODES {
            nodes.push(more_node(COL_X[2], y, doms.len() - k));
            y += ROW;
            break;
        }
        let dom = &e.domains[d];
        let fed = federated.contains(&(dom.tenant, dom.name.to_lowercase()))
            || dom.authentication_type.as_deref().is_some_and(|a| a.eq_ignore_ascii_case("federated"));
        let verified = dom.is_verified != Some(false);
        let class = if fed { "node-domain node-federated" } else { "node-domain" };
        let shown = if fed { format!("{} ⇄ federated", dom.name) } else { dom.name.clone() };
        let full = format!(
            "{}{}{}",
            dom.name,
            if fed { ", federated" } else { "" },
            if verified { "" } else { ", not verified" }
        );
        nodes.push(node(COL_X[2], y, &shown, full, class));
        if let Some(&ty) = tenant_y.get(&(dom.tenant as usize)) {
            edges.push(edge(
                COL_X[1] + NODE_W,
                ty,
                COL_X[2],
                y,
                if verified { "edge-verified" } else { "edge-unverified" },
            ));
        }
        y += ROW;
    }
    let height = mid_bottom.max(left_bottom).max(y) + 10;
    EstateMap { width: MAP_W, height, empty: nodes.is_empty(), nodes, edges, headings, clusters }
}

fn node(x: i32, y: i32, shown: &str, full: String, class: &'static str) -> MapNode {
    MapNode { x, y, w: NODE_W, label: label(shown), full, class, tx: x + 10, ty: y + 19 }
}

fn more_node(x: i32, y: i32, n: usize) -> MapNode {
    node(x, y, &format!("+{n} more (see report.json)"), format!("{n} more not drawn"), "node-more")
}

fn edge(x1: i32, y1: i32, x2: i32, y2: i32, class: &'static str) -> MapEdge {
    let (y1, y2) = (y1 + NODE_H / 2, y2 + NODE_H / 2);
    let mx = (x1 + x2) / 2;
    MapEdge { d: format!("M{x1},{y1} C{mx},{y1} {mx},{y2} {x2},{y2}"), class }
}

fn sha256_b64(s: &str) -> String {
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
    let tally = Tally::of(s.findings);
    let (score, band) = risk_score(s.findings, &s.gate.suppressions);
    let open = (0..s.findings.len())
        .filter(|&i| s.findings[i].caused_by.is_none() && s.gate.suppressions.get(i).is_none_or(|x| x.is_none()))
        .count();
    let c = &s.counts;
    let m = &s.meta;
    let page = Page {
        title: m.title.clone().unwrap_or_else(|| "Identity estate audit".into()),
        client: m.client.clone().unwrap_or_default(),
        author: m.author.clone().unwrap_or_default(),
        logo: m.logo.as_ref().map(Logo::data_uri).unwrap_or_default(),
        generated_at: s.generated_at.clone(),
        as_of: s.as_of.clone(),
        version: env!("CARGO_PKG_VERSION"),
        csp: csp(),
        pseudonymized: m.pseudonymized,
        score,
        band,
        band_class: match band {
            "none" | "low" => "band-low",
            "moderate" => "band-moderate",
            _ => "band-high",
        },
        score_method: SCORE_METHOD.to_string(),
        total: tally.total,
        folded: tally.folded,
        preview_rows: s
            .preview
            .map(|p| {
                p.summary()
                    .into_iter()
                    .map(|c| {
                        let n = |k: &str| c.outcomes.get(k).copied().unwrap_or(0);
                        PreviewRow {
                            joins: n("joins"),
                            creates: n("creates"),
                            conflicts: n("conflict"),
                            quarantined: n("quarantined"),
                            takeovers: n("takeover"),
                            cloud_only: n("cloud-only"),
                            forest: c.forest,
                            tenant: c.tenant,
                        }
                    })
                    .collect()
            })
            .unwrap_or_default(),
        preview_simulated: s.preview.map(|p| p.simulated.join(", ")).unwrap_or_default(),
        preview_issues: s
            .preview
            .map(|p| {
                p.rows
                    .iter()
                    .filter(|r| matches!(r.outcome, crate::preview::Fate::Conflict | crate::preview::Fate::Takeover))
                    .take(MAX_PREVIEW_ISSUES)
                    .map(|r| PreviewIssue {
                        outcome: r.outcome.as_str(),
                        object: clip(r.dn.split(',').next().unwrap_or(&r.dn).trim_start_matches("CN="), MAX_TEXT),
                        tenant: r.tenant.clone(),
                        reason: clip(&r.reason, MAX_TEXT),
                        findings: r.findings.iter().map(|f| &f[..8.min(f.len())]).collect::<Vec<_>>().join(", "),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        preview_issues_more: s
            .preview
            .map(|p| {
                p.rows
                    .iter()
                    .filter(|r| matches!(r.outcome, crate::preview::Fate::Conflict | crate::preview::Fate::Takeover))
                    .count()
                    .saturating_sub(MAX_PREVIEW_ISSUES)
            })
            .unwrap_or(0),
        open,
        severities: Severity::ALL
            .iter()
            .map(|&sv| Count {
                label: sv.as_str(),
                n: tally.by_severity.get(sv.as_str()).copied().unwrap_or(0),
                class: severity_class(sv),
            })
            .collect(),
        categories: Category::ALL
            .iter()
            .map(|&ct| Count {
                label: ct.as_str(),
                n: tally.by_category.get(ct.as_str()).copied().unwrap_or(0),
                class: "",
            })
            .filter(|x| x.n > 0)
            .collect(),
        actions: actions(s),
        weak_inputs: weak_inputs(s),
        estate_line: format!(
            "{} forest(s), {} AD objects, {} tenant(s) (+{} foreign), {} cloud objects, {} domains, {} federation settings, {} subscriptions, {} external accounts",
            c.forests,
            c.ad_objects,
            c.tenants,
            c.foreign_tenants,
            c.cloud_objects,
            c.domains,
            c.federation_settings,
            c.subscriptions,
            c.external_accounts
        ),
        map: estate_map(s),
        gate: gate_view(s),
        rules: {
            let mut per: BTreeMap<&str, (Severity, usize, usize)> = BTreeMap::new();
            for f in s.findings {
                let e = per.entry(f.rule.as_str()).or_insert((f.severity, 0, 0));
                if f.caused_by.is_some() {
                    e.2 += 1;
                    continue;
                }
                e.0 = e.0.min(f.severity);
                e.1 += 1;
            }
            let mut rows: Vec<RuleRow> = per
                .into_iter()
                .map(|(code, (sev, count, folded))| {
                    let m = catalog::get(code);
                    RuleRow {
                        code: code.to_string(),
                        name: m.map(|m| m.name.clone()).unwrap_or_default(),
                        title: m.map(|m| m.title.clone()).unwrap_or_default(),
                        severity: sev.as_str(),
                        count,
                        folded,
                    }
                })
                .collect();
            rows.sort_by_key(|r| (Severity::parse(r.severity), std::cmp::Reverse(r.count), r.code.clone()));
            rows
        },
        inputs: inputs(s),
        tenants: s.ingested.estate.tenants.iter().map(|t| t.name.clone()).collect(),
        forests: s.ingested.estate.forests.iter().map(|f| f.name.clone()).collect(),
        category_names: Category::ALL.iter().map(|c| c.as_str()).collect(),
        severity_names: Severity::ALL.iter().map(|s| s.as_str()).collect(),
        held: tally.total.min(MAX_FINDINGS),
        omitted: tally.total.saturating_sub(MAX_FINDINGS),
        data: JsonIsland::new(&data(s, MAX_FINDINGS)),
    };
    let mut out = page.render().expect("the report template renders").into_bytes();
    if !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::Subject;
    use crate::gate::GateResult;
    use crate::graph::EstateGraph;
    use crate::ingest::Ingested;
    use crate::source::SourceRef;

    const HOSTILE: &str = "<script>alert(1)</script><img src=x onerror=alert(1)>\"><svg onload=alert(1)>";

    fn finding(n: usize, display: &str) -> Finding {
        Finding {
            rule: "IN002".into(),
            category: Category::Input,
            severity: Severity::ALL[n % 5],
            title: format!("record {n} of the export could not be read"),
            subjects: vec![Subject {
                kind: "ad-object".into(),
                id: format!("{n:08x}-0000-4000-8000-000000000000"),
                display: display.into(),
                source: Some(SourceRef::new(crate::source::FileId(0), n as u32 + 2)),
            }],
            evidence: [("line".to_string(), json!(n + 2))].into_iter().collect(),
            remediation: "Export the file again.".into(),
            discriminator: n.to_string(),
            caused_by: None,
            consequences: Vec::new(),
        }
    }

    fn render_with(findings: &[Finding], meta: super::super::ReportMeta) -> String {
        let mut ing = Ingested::default();
        ing.sources.add("exports/users.csv".into(), "exports/users.csv".into());
        let gate = GateResult::default();
        let graph = EstateGraph::default();
        let s = RunSummary {
            ingested: &ing,
            counts: Default::default(),
            findings,
            generated_at: "2026-11-23T00:00:00Z".into(),
            as_of: "2026-11-23T00:00:00Z".into(),
            gate: &gate,
            graph: &graph,
            meta,
            scan_paths: Vec::new(),
            preview: None,
        };
        String::from_utf8(render(&s)).unwrap()
    }

    #[test]
    fn inline_style_and_script_match_their_csp_hashes() {
        let html = render_with(&[finding(1, "Ann")], Default::default());
        let between = |open: &str, close: &str| {
            let a = html.find(open).unwrap() + open.len();
            html[a..a + html[a..].find(close).unwrap()].to_string()
        };
        assert_eq!(between("<style>", "</style>"), CSS);
        assert_eq!(between("<script>", "</script>"), JS);
        assert!(html.contains(&sha256_b64(CSS)) && html.contains(&sha256_b64(JS)));
        assert!(!csp().contains("unsafe") && csp().contains("default-src 'none'"));
    }

    #[test]
    fn hostile_text_is_escaped_everywhere() {
        let meta = super::super::ReportMeta {
            title: Some(HOSTILE.into()),
            client: Some(HOSTILE.into()),
            author: Some("javascript:alert(1)".into()),
            ..Default::default()
        };
        let mut f = finding(1, HOSTILE);
        f.title = HOSTILE.into();
        f.evidence.insert("commands".into(), json!([HOSTILE]));
        let html = render_with(&[f], meta);
        for bad in ["<script>alert", "<img src=x", "<svg onload", "</script><"] {
            assert!(!html.contains(bad), "{bad} appears unescaped");
        }
        assert_eq!(html.matches("<script").count(), 2, "only the data island and the page's script");
        let island_start = html.find("id=\"report-data\">").unwrap();
        let island = &html[island_start..island_start + html[island_start..].find("</script>").unwrap()];
        assert!(!island[17..].contains('<') && island.contains("\\u003cscript\\u003e"), "{island}");
    }

    #[test]
    fn a_hundred_thousand_findings_stay_under_60_mb_and_the_page_says_what_it_left_out() {
        let findings: Vec<Finding> = (0..100_000).map(|n| finding(n, &format!("User {n}"))).collect();
        let html = render_with(&findings, Default::default());
        let mb = html.len() as f64 / 1e6;
        eprintln!("report.html with 100,000 findings: {mb:.1} MB");
        assert!(html.len() < 60_000_000, "{mb:.1} MB");
        assert!(html.contains("This page holds the first 50000 of 100000 findings"), "notice missing");
        assert!(html.contains(r#"<div class="big">100000</div>"#), "the summary counts every finding");
        // The island holds exactly the first MAX_FINDINGS, in report order.
        let start = html.find("id=\"report-data\">").unwrap() + "id=\"report-data\">".len();
        let island: Value =
            serde_json::from_str(&html[start..start + html[start..].find("</script>").unwrap()]).unwrap();
        let held = island["findings"].as_array().unwrap();
        assert_eq!(held.len(), MAX_FINDINGS);
        assert_eq!(held[0][8], findings[0].fingerprint());
        assert_eq!(held[MAX_FINDINGS - 1][8], findings[MAX_FINDINGS - 1].fingerprint());
        let small = render_with(&findings[..10], Default::default());
        assert!(!small.contains("This page holds the first"), "no notice when nothing is left out");
    }

    #[test]
    fn evidence_and_subjects_are_capped() {
        let mut f = finding(1, "x");
        f.evidence.insert("blob".into(), json!("y".repeat(50_000)));
        f.subjects = (0..100).map(|_| f.subjects[0].clone()).collect();
        let html = render_with(&[f], Default::default());
        assert!(html.len() < 60_000, "{}", html.len());
        assert!(html.contains("]],80,"), "the count of subjects left out is kept");
    }

    #[test]
    fn risk_score_counts_each_rule_once_with_log_growth() {
        let one = [finding(1, "a")]; // high
        assert_eq!(risk_score(&one, &[]), (10, "moderate"));
        let many: Vec<Finding> = (0..10).map(|_| finding(1, "a")).collect();
        assert_eq!(risk_score(&many, &[]).0, 20);
        assert_eq!(risk_score(&one, &[Some(Suppression::Baseline)]), (0, "none"));
    }

    #[test]
    fn logo_must_be_a_small_raster_image() {
        assert!(
            Logo::from_bytes(b"\x89PNG\r\n\x1a\n....".to_vec())
                .unwrap()
                .data_uri()
                .starts_with("data:image/png;base64,")
        );
        assert!(Logo::from_bytes(b"<svg onload=alert(1)>".to_vec()).is_err());
        assert!(Logo::from_bytes(vec![0xff; MAX_LOGO_BYTES + 1]).is_err());
    }
}
