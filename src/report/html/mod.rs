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
//! - Rating (healthy, messy, dangerous, from the kinds of root cause): see [`risk_score`].
//! - Client view: paths relative to the scanned folders, evidence as labelled fields, backticks as
//!   code, no rule codes in the plan; fingerprints and the gate only when a policy or a baseline is in
//!   use. A print stylesheet lays the page out for PDF: cover page, summary, plan, per-tenant and
//!   per-forest sections, findings.
//!
//! What lives where:
//! - this file: the page's limits and the entry points ([`render`], [`csp`], [`Logo`], [`risk_score`]);
//! - `view.rs`: the view model, the rows and blocks the template prints (inputs, sync preview, rule
//!   table, gate), built from the run summary;
//! - `cover.rs`: the first page (scope, data dates, limitations) and the per-tenant and per-forest sections;
//! - `plan.rs`: the action plan (urgency, dependency, owner role) and the top risks;
//! - `scopes.rs`: which tenants and forests a finding is about;
//! - `text.rs`: paths relative to the scanned folders, clipping, backticks as `<code>`;
//! - `map.rs`: the estate map's view model and layout;
//! - `island.rs`: the findings data island the page's script renders (tables of repeated strings, one
//!   compact array per finding, capped);
//! - `score.rs`: the rating;
//! - `render.rs`: rendering: the askama template struct, the embedded style, script and logo, the
//!   Content-Security-Policy and the escaping of the data island.

mod cover;
mod island;
mod map;
mod plan;
mod render;
mod scopes;
mod score;
mod text;
mod view;

pub use render::{Logo, csp, render, write};
pub use score::{DANGEROUS_POINTS, MESSY_POINTS, Rating, SCORE_METHOD, risk_score, severity_weight};

/// Findings kept in the page's data island: at ten million objects (400,000 findings) the page
/// was 565 MB, which no browser opens comfortably.
pub const MAX_FINDINGS: usize = 50_000;

/// Subjects kept per finding in the page.
pub const MAX_SUBJECTS: usize = 20;
/// Characters of evidence (compact JSON) kept per finding in the page.
pub const MAX_EVIDENCE: usize = 2000;
/// Characters kept of a title or a subject label.
pub const MAX_TEXT: usize = 500;
/// Characters kept of a generated command: a command cut short is a broken command that someone
/// may paste, so only absurd lengths (a hostile export) are cut. The export commands of the input
/// findings run to about 1,000 characters.
pub const MAX_COMMAND: usize = 8000;
/// Generated commands kept per finding.
pub const MAX_COMMANDS: usize = 10;
/// Largest accepted `--logo` file.
pub const MAX_LOGO_BYTES: usize = 256 * 1024;
/// Nodes drawn per column section of the estate map (the rest is summarised as "+N more").
pub const MAX_MAP_NODES: usize = 40;

#[cfg(test)]
mod tests;
