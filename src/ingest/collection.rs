//! `collection.json`: the record of a live cloud collection (`collect graph`, `collect arm`), one entry
//! per collection with its endpoint, pages, records, status, the last good next-page link (for
//! `--resume`) and any error — and its reader, so that `scan` of the folder reports every collection
//! that is not complete (`IN005`; `IN003` for the optional ones) and a refused collection can never
//! look like an empty one.

use super::{Extract, Format, Input, ReadError, Sniff, codes};
use serde::{Deserialize, Serialize};

/// File name inside the output folder.
pub const FILE_NAME: &str = "collection.json";

/// The marker key (and format version) that tells this file apart from any export.
pub const MARKER: &str = "tenantlintCollection";

/// Where a collection stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    /// Not started yet.
    Pending,
    /// Some pages written; more remain (`next_link`).
    Partial,
    /// Every page written (the last page had no next-page link).
    Complete,
    /// The service refused it (401/403): the caller lacks a permission or role.
    Forbidden,
    /// The service does not know it (404).
    NotFound,
    /// Stopped by another error (network, throttling past the retries, a refused next-page link).
    Failed,
}

impl State {
    /// Name as written.
    pub fn name(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Partial => "partial",
            State::Complete => "complete",
            State::Forbidden => "forbidden",
            State::NotFound => "not-found",
            State::Failed => "failed",
        }
    }
}

/// One collection of a run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Entry {
    /// Name (`users`, `federationConfiguration:contoso.com`, `arm:subscriptions`).
    pub name: String,
    /// `graph` or `arm`.
    pub api: String,
    /// The first request (absolute URL).
    pub endpoint: String,
    /// Page files are `<file>.<page>.json`.
    pub file: String,
    /// Optional collections (readable only with some roles) do not fail the run when refused.
    pub optional: bool,
    /// Where it stands.
    pub status: State,
    /// Pages written.
    pub pages: u32,
    /// Records (elements of `value`) written.
    pub records: u64,
    /// Retries after throttling or faults.
    pub retries: u32,
    /// The next-page link of the last page written, when more pages remain.
    pub next_link: Option<String>,
    /// HTTP status of the failure, if any.
    pub http_status: Option<u16>,
    /// What went wrong, if anything.
    pub error: Option<String>,
    /// A note (e.g. why a 404 is a normal answer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// When the last page written was answered (RFC 3339): the response `Date`, else the collector's
    /// clock. It dates the page files when `scan` reads them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collected: Option<String>,
    /// Page files written, in order.
    pub files: Vec<String>,
}

/// The whole file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    /// Format version (1).
    #[serde(rename = "tenantlintCollection")]
    pub version: u32,
    /// `tenantlint <version>`.
    pub tool: String,
    /// Tenant as given (`--tenant`).
    pub tenant: Option<String>,
    /// Cloud name.
    pub cloud: String,
    /// Runs: one line per `collect` invocation (api, auth method, client id, endpoints, times).
    pub runs: Vec<serde_json::Value>,
    /// Collections.
    pub collections: Vec<Entry>,
}

impl Manifest {
    /// An empty manifest.
    pub fn new(tenant: Option<String>, cloud: &str) -> Manifest {
        Manifest {
            version: 1,
            tool: format!("tenantlint {}", env!("CARGO_PKG_VERSION")),
            tenant,
            cloud: cloud.to_string(),
            runs: Vec::new(),
            collections: Vec::new(),
        }
    }
}

/// Registration in the ingest format table.
pub const FORMAT: Format = Format {
    name: "tenantlint-collection",
    summary: "collection.json of tenantlint collect graph / collect arm (reports incomplete collections)",
    sniff,
    read,
};

fn sniff(text: &str) -> Sniff {
    let head: String = text.chars().take(400).collect();
    if head.trim_start().starts_with('{') && head.contains(&format!("\"{MARKER}\"")) { Sniff::Yes } else { Sniff::No }
}

fn read(input: &Input<'_>) -> Result<Extract, ReadError> {
    let m: Manifest = serde_json::from_str(input.text)
        .map_err(|e| ReadError::new(e.line() as u32, format!("not a tenantlint collection.json: {e}")))?;
    let mut ex = Extract::new("tenantlint-collection");
    date_pages(&m, &mut ex);
    let line_of = |name: &str| -> u32 {
        let needle = format!("\"name\": {}", serde_json::Value::String(name.to_string()));
        input.text.find(&needle).map(|p| input.text[..p].lines().count() as u32 + 1).unwrap_or(0)
    };
    for e in &m.collections {
        if e.status == State::Complete {
            continue;
        }
        let why = match (&e.http_status, &e.error) {
            (Some(s), Some(err)) => format!("HTTP {s}: {err}"),
            (None, Some(err)) => err.clone(),
            (Some(s), None) => format!("HTTP {s}"),
            (None, None) => "it did not run to its end".into(),
        };
        let got = format!("{} page(s), {} record(s) written", e.pages, e.records);
        let fix = match e.status {
            State::Forbidden => {
                "grant the permission this collection needs (README, Live collection) and collect again"
            }
            State::Partial | State::Failed => "run the same collect command again with --resume",
            _ => "collect again",
        };
        let code = if e.optional { codes::MISSING_FIELDS } else { codes::INCOMPLETE_EXPORT };
        ex.issue(
            input.at(line_of(&e.name)),
            code,
            format!(
                "the live collection of {} ({}) is {} ({why}; {got}): it is incomplete, not empty, and findings that need it are missing; {fix}",
                e.name,
                without_query(&e.endpoint),
                e.status.name()
            ),
        );
    }
    Ok(ex)
}

/// The export time of each page file: its collection's `collected`, else the time the last run
/// finished (or started) — collection.json files written before `collected` existed.
fn date_pages(m: &Manifest, ex: &mut Extract) {
    use crate::model::{ExportSource, ExportTime};
    use time::format_description::well_known::Rfc3339;
    let parse = |v: &str| time::OffsetDateTime::parse(v.trim(), &Rfc3339).ok();
    let run = m.runs.iter().rev().find_map(|r| {
        let (key, at) = ["finished", "started"].into_iter().find_map(|k| Some((k, parse(r.get(k)?.as_str()?)?)))?;
        Some(ExportTime::new(at, ExportSource::Collection, format!("{FILE_NAME}: the run's \"{key}\" time")))
    });
    for e in &m.collections {
        let at = match e.collected.as_deref().and_then(parse) {
            Some(at) => ExportTime::new(at, ExportSource::Collection, format!("{FILE_NAME}: {} \"collected\"", e.name)),
            None => match &run {
                Some(r) => r.clone(),
                None => continue,
            },
        };
        ex.dated_files.extend(e.files.iter().map(|f| (f.clone(), at.clone())));
    }
}

/// `raw` without its query and fragment (for messages: a `$skiptoken` is not worth printing).
pub fn without_query(raw: &str) -> String {
    let end = raw.find(['?', '#']).unwrap_or(raw.len());
    let mut s = raw[..end].to_string();
    if let Some(at) = s.find('@')
        && let Some(scheme) = s.find("://")
        && at > scheme
        && s[scheme + 3..at].find('/').is_none()
    {
        s.replace_range(scheme + 3..=at, "");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    fn entry(name: &str, status: State, optional: bool) -> Entry {
        Entry {
            name: name.into(),
            api: "graph".into(),
            endpoint: format!("https://graph.microsoft.com/v1.0/{name}?$top=999"),
            file: name.into(),
            optional,
            status,
            pages: 0,
            records: 0,
            retries: 0,
            next_link: None,
            http_status: (status == State::Forbidden).then_some(403),
            error: (status == State::Forbidden).then(|| "Authorization_RequestDenied: Insufficient privileges".into()),
            note: None,
            collected: None,
            files: vec![],
        }
    }

    #[test]
    fn incomplete_collections_are_issues() {
        let mut m = Manifest::new(Some("contoso.onmicrosoft.com".into()), "global");
        m.collections.push(entry("users", State::Complete, false));
        m.collections.push(entry("groups", State::Forbidden, false));
        m.collections.push(entry("onPremisesSynchronization", State::Forbidden, true));
        m.collections.push(entry("applications", State::Partial, false));
        let text = serde_json::to_string_pretty(&m).unwrap();
        assert_eq!(sniff(&text), Sniff::Yes);
        assert_eq!(sniff(r#"{"value": []}"#), Sniff::No);
        let ex = read(&Input::new(FileId(0), &text)).unwrap();
        let got: Vec<(&str, &str)> = ex.issues.iter().map(|i| (i.code, i.message.as_str())).collect();
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!(got[0].0, "IN005");
        assert!(got[0].1.contains("groups") && got[0].1.contains("forbidden") && got[0].1.contains("HTTP 403"));
        assert!(got[0].1.contains("not empty"), "{}", got[0].1);
        assert_eq!(got[1].0, "IN003");
        assert!(got[2].1.contains("--resume"));
        assert!(ex.issues[0].at.line > 1);
        let back: Manifest = serde_json::from_str(&text).unwrap();
        assert_eq!(back, m);
    }

    #[test]
    fn pages_are_dated_by_collected_else_by_the_run() {
        let mut m = Manifest::new(None, "global");
        m.runs.push(
            serde_json::json!({"api": "graph", "started": "2026-11-20T09:00:00Z", "finished": "2026-11-20T09:05:00Z"}),
        );
        let mut users = entry("users", State::Complete, false);
        users.files = vec!["users.0001.json".into(), "users.0002.json".into()];
        users.collected = Some("2026-11-20T09:04:10Z".into());
        let mut groups = entry("groups", State::Complete, false);
        groups.files = vec!["groups.0001.json".into()];
        m.collections.extend([users, groups]);
        let text = serde_json::to_string_pretty(&m).unwrap();
        let ex = read(&Input::new(FileId(0), &text)).unwrap();
        let got: Vec<(&str, String, &str)> =
            ex.dated_files.iter().map(|(f, t)| (f.as_str(), t.at.to_string(), t.detail.as_str())).collect();
        assert_eq!(got.len(), 3);
        assert_eq!(got[0].0, "users.0001.json");
        assert!(got[1].1.starts_with("2026-11-20 9:04:10") && got[1].2.contains("users \"collected\""), "{got:?}");
        assert!(got[2].1.starts_with("2026-11-20 9:05:00") && got[2].2.contains("\"finished\""), "{got:?}");
    }
}
