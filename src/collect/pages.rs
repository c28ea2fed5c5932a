//! The paging engine shared by `collect graph` and `collect arm`: follows next-page links verbatim
//! (pinned to the host the token was issued for), writes each page to disk as it arrives — the
//! response body as received, which is the shape `scan` reads — and records every step in
//! `collection.json`, so that an interrupted run continues from the last good next-page link with
//! `--resume`.

use super::auth::Secret;
use super::http::{self, Client, Failure, Origin};
use super::manifest::{self, Entry, Manifest, State};
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Progress lines (pages, records) — the retries go through [`http::Observer`].
pub trait Progress {
    /// One page of `name` was written.
    fn page(&self, name: &str, pages: u32, records: u64);
    /// A collection ended (`status`, a note or error).
    fn done(&self, entry: &Entry);
}

/// A collection to run.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Name in collection.json.
    pub name: String,
    /// First request (absolute URL).
    pub endpoint: String,
    /// File prefix.
    pub file: String,
    /// Refusal does not fail the run.
    pub optional: bool,
    /// A 404 is a normal answer (no such object): recorded complete with this note, nothing written.
    pub not_found_is_empty: Option<&'static str>,
}

/// The state of one run in one output folder.
pub struct Session<'a> {
    /// Output folder.
    pub dir: PathBuf,
    /// The manifest as written so far.
    pub manifest: Manifest,
    /// HTTP client.
    pub client: &'a Client<'a>,
    /// Bearer token.
    pub token: Secret,
    /// Gets a new token when the service answers 401 mid-run (an access token lives about an hour, a
    /// large tenant takes longer): the request is retried once with it. `None` when the token cannot
    /// be renewed (`--access-token-env`: a borrowed token).
    pub renew: Option<&'a dyn Fn() -> Result<Secret, String>>,
    /// Tokens renewed so far (recorded in the run's entry of collection.json).
    pub renewed: u32,
    /// The host the token is for.
    pub origin: Origin,
    /// `graph` or `arm`.
    pub api: &'static str,
    /// Key of the next-page link (`@odata.nextLink` for Graph, `nextLink` for ARM).
    pub next_key: &'static str,
    /// Continue partial collections.
    pub resume: bool,
    /// Progress.
    pub progress: &'a dyn Progress,
}

/// An error that stops the run (output folder).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Stop(pub String);

/// Loads `dir/collection.json`, or a new manifest. Without `resume`, a folder that already holds a
/// collection of `api` is refused (so a finished collection is never mixed with a new one).
pub fn open(dir: &Path, api: &str, resume: bool, fresh: Manifest) -> Result<Manifest, Stop> {
    std::fs::create_dir_all(dir).map_err(|e| Stop(format!("{}: cannot create the folder: {e}", dir.display())))?;
    let path = dir.join(manifest::FILE_NAME);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if resume {
                return Err(Stop(format!("{}: --resume, but there is no collection to resume here", path.display())));
            }
            return Ok(fresh);
        }
        Err(e) => return Err(Stop(format!("{}: {e}", path.display()))),
    };
    let m: Manifest =
        serde_json::from_str(&text).map_err(|e| Stop(format!("{}: not a collection.json: {e}", path.display())))?;
    if !resume && m.collections.iter().any(|c| c.api == api) {
        return Err(Stop(format!(
            "{} already holds a {api} collection: pass --resume to continue it, or choose an empty folder",
            dir.display()
        )));
    }
    Ok(m)
}

impl Session<'_> {
    /// Writes collection.json (through a temporary file renamed into place).
    pub fn save(&self) -> Result<(), Stop> {
        let text = serde_json::to_string_pretty(&self.manifest).unwrap_or_default() + "\n";
        write_atomic(&self.dir.join(manifest::FILE_NAME), text.as_bytes())
    }

    /// Runs one collection (or continues it, with `--resume`) and returns its final entry.
    pub fn run(&mut self, plan: &Plan) -> Result<Entry, Stop> {
        let existing = self.manifest.collections.iter().position(|c| c.name == plan.name && c.api == self.api);
        let idx = match existing {
            Some(i) if self.resume && self.manifest.collections[i].status == State::Complete => {
                return Ok(self.manifest.collections[i].clone());
            }
            Some(i) => i,
            None => {
                self.manifest.collections.push(Entry {
                    name: plan.name.clone(),
                    api: self.api.to_string(),
                    endpoint: plan.endpoint.clone(),
                    file: plan.file.clone(),
                    optional: plan.optional,
                    status: State::Pending,
                    pages: 0,
                    records: 0,
                    retries: 0,
                    next_link: None,
                    http_status: None,
                    error: None,
                    note: None,
                    collected: None,
                    files: vec![],
                });
                self.manifest.collections.len() - 1
            }
        };
        let mut e = self.manifest.collections[idx].clone();
        let continuing = self.resume && matches!(e.status, State::Partial | State::Failed) && e.next_link.is_some();
        if !continuing {
            for f in std::mem::take(&mut e.files) {
                let _ = std::fs::remove_file(self.dir.join(f));
            }
            e.pages = 0;
            e.records = 0;
            e.next_link = None;
            e.endpoint = plan.endpoint.clone();
        }
        e.status = State::Partial;
        e.http_status = None;
        e.error = None;
        e.note = None;
        if !continuing {
            e.collected = None;
        }
        let mut url = e.next_link.clone().unwrap_or_else(|| e.endpoint.clone());
        let mut renewed_for_this_request = false;
        loop {
            if let Err(why) = http::check_pinned(&url, &self.origin) {
                e.status = State::Failed;
                e.error = Some(why);
                break;
            }
            match self.client.get(&url, self.token.expose()) {
                Ok(f) => {
                    renewed_for_this_request = false;
                    e.retries += f.retries;
                    let (n, next) = match page_facts(&f.body, self.next_key) {
                        Ok(x) => x,
                        Err(why) => {
                            e.status = State::Failed;
                            e.error = Some(format!("{}: {why}", http::without_query(&url)));
                            break;
                        }
                    };
                    let name = format!("{}.{:04}.json", e.file, e.pages + 1);
                    write_atomic(&self.dir.join(&name), f.body.as_bytes())?;
                    e.files.push(name);
                    // The service's clock when it answered (the data's "as of"), else ours.
                    let at = f.date.unwrap_or_else(time::OffsetDateTime::now_utc);
                    e.collected = at.format(&time::format_description::well_known::Rfc3339).ok();
                    e.pages += 1;
                    e.records += n;
                    self.progress.page(&e.name, e.pages, e.records);
                    match next {
                        None => {
                            e.next_link = None;
                            e.status = State::Complete;
                        }
                        Some(next) if next == url => {
                            e.next_link = None;
                            e.status = State::Failed;
                            e.error = Some("the service returned the page's own address as its next-page link (a paging loop); stopped".into());
                        }
                        Some(next) => {
                            e.next_link = Some(next.clone());
                            url = next;
                        }
                    }
                    self.manifest.collections[idx] = e.clone();
                    self.save()?;
                    if e.status != State::Partial {
                        break;
                    }
                }
                Err(Failure::Status { status: 404, .. }) if plan.not_found_is_empty.is_some() => {
                    e.status = State::Complete;
                    e.note = plan.not_found_is_empty.map(str::to_string);
                    break;
                }
                Err(Failure::Status { status: 401, .. }) if !renewed_for_this_request && self.renew.is_some() => {
                    // Expired mid-run: one new token, then the same request again.
                    renewed_for_this_request = true;
                    match self.renew.map(|renew| renew()) {
                        Some(Ok(t)) => {
                            self.token = t;
                            self.renewed += 1;
                        }
                        Some(Err(why)) => {
                            e.status = State::Failed;
                            e.http_status = Some(401);
                            e.error = Some(format!(
                                "the token expired mid-run and could not be renewed ({why}); continue with --resume"
                            ));
                            break;
                        }
                        None => {}
                    }
                    continue;
                }
                Err(Failure::Status { status, detail }) => {
                    e.status = match status {
                        401 | 403 => State::Forbidden,
                        404 => State::NotFound,
                        _ => State::Failed,
                    };
                    e.http_status = Some(status);
                    let mut why = if detail.is_empty() { format!("HTTP {status}") } else { detail };
                    if status == 401 && self.renew.is_none() {
                        why.push_str(
                            " (a borrowed token cannot be renewed: if it expired, get a new one and continue with --resume)",
                        );
                    }
                    e.error = Some(why);
                    break;
                }
                Err(f) => {
                    e.status = State::Failed;
                    e.error = Some(f.to_string());
                    break;
                }
            }
        }
        self.manifest.collections[idx] = e.clone();
        self.save()?;
        self.progress.done(&e);
        Ok(e)
    }
}

/// The number of elements of a page's `value` and its next-page link. A body that is not a JSON
/// object with a `value` array is refused (it would not scan as the collection).
fn page_facts(body: &str, next_key: &str) -> Result<(u64, Option<String>), String> {
    let v: serde_json::Value = serde_json::from_str(body).map_err(|e| format!("the answer is not JSON ({e})"))?;
    let Some(o) = v.as_object() else { return Err("the answer is not a JSON object".into()) };
    let n = match o.get("value") {
        Some(serde_json::Value::Array(a)) => a.len() as u64,
        _ => return Err("the answer has no value array (not a collection response)".into()),
    };
    let next = o.get(next_key).and_then(|l| l.as_str()).map(str::trim).filter(|l| !l.is_empty()).map(str::to_string);
    Ok((n, next))
}

/// Writes `bytes` to `path` through `<path>.partial`, synced and renamed into place.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Stop> {
    let tmp = path.with_extension("partial");
    let r = (|| -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    r.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Stop(format!("{}: {e}", path.display()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_facts_read_value_and_next_link() {
        let b = r#"{"@odata.context":"x","value":[{"id":"1"},{"id":"2"}],"@odata.nextLink":"https://graph.microsoft.com/v1.0/users?$skiptoken=a"}"#;
        assert_eq!(
            page_facts(b, "@odata.nextLink").unwrap(),
            (2, Some("https://graph.microsoft.com/v1.0/users?$skiptoken=a".into()))
        );
        assert_eq!(page_facts(r#"{"value":[],"nextLink":""}"#, "nextLink").unwrap(), (0, None));
        assert!(page_facts(r#"{"id":"1"}"#, "nextLink").unwrap_err().contains("no value array"));
        assert!(page_facts("<html>", "nextLink").is_err());
    }

    #[test]
    fn a_folder_with_a_collection_needs_resume() {
        let dir = tempfile::tempdir().unwrap();
        let fresh = Manifest::new(None, "global");
        assert!(open(dir.path(), "graph", true, fresh.clone()).unwrap_err().0.contains("no collection to resume"));
        let mut m = open(dir.path(), "graph", false, fresh.clone()).unwrap();
        m.collections.push(Entry {
            name: "users".into(),
            api: "graph".into(),
            endpoint: "https://graph.microsoft.com/v1.0/users".into(),
            file: "users".into(),
            optional: false,
            status: State::Complete,
            pages: 1,
            records: 1,
            retries: 0,
            next_link: None,
            http_status: None,
            error: None,
            note: None,
            collected: Some("2026-11-20T09:00:00Z".into()),
            files: vec!["users.0001.json".into()],
        });
        write_atomic(&dir.path().join(manifest::FILE_NAME), serde_json::to_string(&m).unwrap().as_bytes()).unwrap();
        assert!(open(dir.path(), "graph", false, fresh.clone()).unwrap_err().0.contains("--resume"));
        assert!(open(dir.path(), "arm", false, fresh.clone()).is_ok(), "an ARM collection may join a Graph folder");
        assert_eq!(open(dir.path(), "graph", true, fresh).unwrap(), m);
    }
}
