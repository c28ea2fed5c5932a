//! Stage 1 — ingest: find input files, detect each file's format from its content, parse it into
//! model records, and attribute the records to tenants and forests.
//!
//! Each input format lives in its own module and is registered once in [`FORMATS`]: a name, a
//! content sniffer and a reader. A reader gets the decoded text of one file and returns an
//! [`Extract`] (records tagged with their [`SourceRef`], plus [`Issue`]s about the export itself);
//! it never judges the data and never builds graph edges. File-level failures are [`ReadError`]s
//! (`path:line: reason`); record-level problems (a junk line, an unparsable value, a lossy column)
//! are issues that become `input` findings, so nothing is dropped silently.
//!
//! A reader never imports another reader. What readers share lives below them: [`ad_attrs`] (the
//! AD attribute mapping of `ad-csv` and `csvde`), [`csv_kinds`] (which CSV export a header is),
//! [`cloud_attrs`] (cloud objects from Graph-shaped records), [`csv_util`], [`json_util`], [`text`]
//! [`export`] (what to export) and [`dates`] (when a file was exported). The collector `.zip` reader gets its entry formats from
//! [`ARCHIVE_ENTRY_FORMATS`]; `files` reads the files from disk in parallel (costliest first); [`group`] and
//! [`manifest`] attribute the extracts afterwards.

pub mod ad_attrs;
pub mod ad_csv;
pub mod adfs_json;
pub mod archive;
pub mod arm_json;
pub mod azurehound;
pub mod cloud_attrs;
pub mod collection;
pub mod csv_kinds;
pub mod csv_util;
pub mod csvde;
pub mod dates;
pub mod export;
mod files;
pub mod graph_json;
pub mod group;
pub mod json_util;
pub mod ldif;
pub mod manifest;
pub mod msol_csv;
pub mod roadrecon;
pub mod same_account;
pub mod scubagear;
pub mod sharphound;
pub mod text;
pub mod unsupported;

use files::read_all;
pub use files::{MAX_SETTINGS_FILE_SIZE, read_one, read_text_file};

#[cfg(test)]
mod layering_tests;
#[cfg(test)]
mod sniff_tests;

use crate::model::*;
use crate::source::{FileId, SourceMap, SourceRef};
use std::path::{Path, PathBuf};

/// Input issue codes (rule codes of the `input` family; see `rules/input/`).
pub mod codes {
    /// A column or attribute holds a type name or placeholder instead of values (lossy export).
    pub const LOSSY_COLUMN: &str = "IN001";
    /// A record or line could not be parsed and was skipped.
    pub const UNREADABLE_RECORD: &str = "IN002";
    /// The export lacks fields the analysis needs (e.g. Graph users without `$select`).
    pub const MISSING_FIELDS: &str = "IN003";
    /// One export names two different tenants.
    pub const TENANT_MISMATCH: &str = "IN004";
    /// The export is incomplete (unfollowed `@odata.nextLink`, a 500-row MSOnline default page...).
    pub const INCOMPLETE_EXPORT: &str = "IN005";
    /// Text was decoded by guess or lost characters (ASCII `?`, Windows-1252, UTF-16 without BOM).
    pub const ENCODING: &str = "IN006";
    /// Files whose tenant or forest could not be determined.
    pub const UNATTRIBUTED: &str = "IN007";
    /// A value does not have the expected form (non-GUID objectGUID, bad date, placeholder enum).
    pub const INVALID_VALUE: &str = "IN008";
    /// A file holds no records (header only, or only a byte-order mark).
    pub const EMPTY_EXPORT: &str = "IN009";
    /// A file could not be read at all (recorded with `--keep-going`).
    pub const UNREADABLE_FILE: &str = "IN010";
    /// Accounts seen in two exports (a SharpHound view beside the directory's export) read once.
    pub const MERGED_ACCOUNTS: &str = "IN013";
}

/// The decoded content of one file, handed to a reader.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// Id of the file (for [`SourceRef`]s).
    pub file: FileId,
    /// Decoded text, BOM removed.
    pub text: &'a str,
    /// The text already validated and split as a Graph collection page (only for files detected
    /// as `graph-json`, when [`json_util::ScannedPage::scan`] accepted them; that scan also held the text
    /// to `max_json_depth`, so the separate depth check was skipped).
    pub page: Option<&'a json_util::ScannedPage<'a>>,
}

impl<'a> Input<'a> {
    /// An input with no pre-split page.
    pub fn new(file: FileId, text: &'a str) -> Self {
        Self { file, text, page: None }
    }
    /// A position in this file.
    pub fn at(&self, line: u32) -> SourceRef {
        SourceRef::new(self.file, line)
    }
}

/// A file-level failure: the reader could not make sense of the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct ReadError {
    /// 1-based line where the problem is (0 = whole file).
    pub line: u32,
    /// What is wrong, lower case, no final period.
    pub reason: String,
}

impl ReadError {
    /// A new error at `line`.
    pub fn new(line: u32, reason: impl Into<String>) -> Self {
        Self { line, reason: reason.into() }
    }
}

/// What a format's sniffer thinks of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sniff {
    /// Not this format.
    No,
    /// This format.
    Yes,
    /// An attempt at this format that cannot be used (e.g. `Format-Table` piped into `Export-Csv`):
    /// an error, never a silent skip.
    Reject(ReadError),
    /// A recognised file that tenantlint does not read (e.g. a SharpHound collection): skipped,
    /// with this reason in the report.
    Unsupported(String),
}

/// A problem with the export itself, found while reading (becomes an `input` finding).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// Where (line 0 = whole file).
    pub at: SourceRef,
    /// Code from [`codes`].
    pub code: &'static str,
    /// What is wrong and how to fix the export, in one or two sentences.
    pub message: String,
}

/// A tenant id named by a file's content, with the field that named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedTenant {
    /// Tenant id, lower case.
    pub id: String,
    /// Where.
    pub at: SourceRef,
    /// Which field named it (`organization.id`, `tenant_details.TenantId`...).
    pub field: String,
}

/// Everything one reader got out of one file.
#[derive(Debug, Default)]
pub struct Extract {
    /// Detailed kind, `<format>` or `<format>:<entity>` (e.g. `graph-json:users`, `ad-csv`).
    pub kind: String,
    /// Records read (objects, domains, subscriptions... all counted).
    pub records: usize,
    /// Problems with the export.
    pub issues: Vec<Issue>,
    /// Tenant ids the file names about itself.
    pub tenant_ids: Vec<NamedTenant>,
    /// On-premises AD objects.
    pub ad_objects: Vec<AdObject>,
    /// Cloud users, groups and contacts.
    pub cloud_objects: Vec<CloudObject>,
    /// Organizations (tenants) described by the file.
    pub tenants: Vec<Tenant>,
    /// Domains.
    pub domains: Vec<Domain>,
    /// Federation settings.
    pub federations: Vec<Federation>,
    /// Subscriptions.
    pub subscriptions: Vec<Subscription>,
    /// ARM tenant list entries.
    pub arm_tenants: Vec<ArmTenant>,
    /// Subscribed SKUs.
    pub skus: Vec<Sku>,
    /// Applications and service principals.
    pub applications: Vec<Application>,
    /// Role grants.
    pub role_grants: Vec<RoleGrant>,
    /// Role definitions.
    pub role_definitions: Vec<RoleDefinition>,
    /// Sync settings.
    pub sync_settings: Vec<SyncSettings>,
    /// AD FS claims provider trusts (not attributed: estate-wide).
    pub adfs_claims_providers: Vec<AdfsClaimsProvider>,
    /// AD FS relying party trusts (not attributed: estate-wide).
    pub adfs_relying_parties: Vec<AdfsRelyingParty>,
    /// For one page of a paged collection response (Graph `value` array): its size and the total
    /// it declares, checked over all pages of the collection by grouping.
    pub page: Option<Page>,
    /// When the file says it was exported (a collector's header, ScubaGear's timestamp).
    pub exported_at: Option<ExportTime>,
    /// Export times of other files, named relative to this file's folder (`collection.json` lists the
    /// page files of each collection with the time they were collected).
    pub dated_files: Vec<(String, ExportTime)>,
}

/// One page of a collection response: how many elements it holds and, when the export asked for
/// `$count=true`, the total the service declared (`@odata.count`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// Elements in the page's `value` array.
    pub held: usize,
    /// `@odata.count` and where it is.
    pub declared: Option<(u64, SourceRef)>,
}

impl Extract {
    /// An empty extract of the given kind.
    pub fn new(kind: impl Into<String>) -> Self {
        Self { kind: kind.into(), ..Default::default() }
    }
    /// Records an issue.
    pub fn issue(&mut self, at: SourceRef, code: &'static str, message: impl Into<String>) {
        self.issues.push(Issue { at, code, message: message.into() });
    }
    /// True when the file carries cloud-tenant content (anything attributed to a tenant).
    pub fn has_tenant_content(&self) -> bool {
        !(self.cloud_objects.is_empty()
            && self.tenants.is_empty()
            && self.domains.is_empty()
            && self.federations.is_empty()
            && self.skus.is_empty()
            && self.applications.is_empty()
            && self.role_grants.is_empty()
            && self.role_definitions.is_empty()
            && self.sync_settings.is_empty())
    }
    /// Recomputes `records` from the record vectors.
    pub fn count_records(&mut self) {
        self.records = self.ad_objects.len()
            + self.cloud_objects.len()
            + self.tenants.len()
            + self.domains.len()
            + self.federations.len()
            + self.subscriptions.len()
            + self.arm_tenants.len()
            + self.skus.len()
            + self.applications.len()
            + self.role_grants.len()
            + self.role_definitions.len()
            + self.sync_settings.len()
            + self.adfs_claims_providers.len()
            + self.adfs_relying_parties.len();
    }
}

/// One supported input format.
pub struct Format {
    /// Short name, the prefix of [`Extract::kind`].
    pub name: &'static str,
    /// One line for `--help` and docs.
    pub summary: &'static str,
    /// Content sniffer (given the whole decoded text; should look at the start only).
    pub sniff: fn(&str) -> Sniff,
    /// The reader.
    pub read: fn(&Input<'_>) -> Result<Extract, ReadError>,
}

/// The format table, most specific first. Detection tries each sniffer in order.
pub static FORMATS: &[Format] = &[
    ldif::FORMAT,
    csvde::FORMAT,
    msol_csv::FORMAT,
    ad_csv::FORMAT,
    scubagear::FORMAT,
    azurehound::FORMAT,
    sharphound::FORMAT,
    collection::FORMAT,
    arm_json::FORMAT,
    adfs_json::FORMAT,
    graph_json::FORMAT,
    unsupported::FORMAT,
];

/// One input format read from the file's bytes rather than its text (SQLite databases, zip
/// archives). Tried before the text is decoded.
pub struct BinaryFormat {
    /// Short name, the prefix of [`Extract::kind`].
    pub name: &'static str,
    /// One line for `--help` and docs.
    pub summary: &'static str,
    /// Content sniffer over the raw bytes.
    pub sniff: fn(&[u8]) -> Sniff,
    /// The reader (given the limits, for containers whose entries must be held to them).
    pub read: fn(FileId, &[u8], &Options) -> Result<Extract, ReadError>,
}

/// The binary format table, tried in order before any text format.
pub static BINARY_FORMATS: &[BinaryFormat] = &[roadrecon::FORMAT, archive::FORMAT];

/// The text formats an entry of a collector `.zip` ([`archive`]) may be read as, tried in order.
pub static ARCHIVE_ENTRY_FORMATS: &[Format] = &[sharphound::FORMAT, azurehound::FORMAT];

/// What happened to one input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Read; records are in the estate.
    Read,
    /// Not an input (unknown format, empty...); the reason says why.
    Skipped(String),
    /// Could not be read; `path:line: reason`.
    Failed(ReadError),
}

/// The per-file account of a run (`inputs[]` in the JSON report).
#[derive(Debug, Clone)]
pub struct InputReport {
    /// The file.
    pub file: FileId,
    /// Detected kind (`ad-csv`, `graph-json:users`, ...); `unknown` when skipped.
    pub kind: String,
    /// What happened.
    pub status: Status,
    /// Text encoding found.
    pub encoding: &'static str,
    /// Records read.
    pub records: usize,
    /// Size in bytes.
    pub bytes: u64,
    /// Problems with the export.
    pub issues: Vec<Issue>,
    /// Tenant or forest the file was attributed to (name), filled by grouping.
    pub attributed_to: Option<String>,
    /// Tenant the file's cloud records were attributed to, filled by grouping.
    pub tenant: Option<TenantIdx>,
    /// Forest the file's AD objects were attributed to, filled by grouping.
    pub forest: Option<ForestIdx>,
    /// The file's modification time, when the file system gives one.
    pub modified: Option<time::OffsetDateTime>,
    /// When the file's data was exported and how that is known ([`dates`]).
    pub exported_at: Option<ExportTime>,
}

/// Default of [`Options::max_file_size`] and `--max-file-size`: 16 GiB.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 16 * 1024 * 1024 * 1024;
/// Default of [`Options::max_line_length`] and `--max-line-length`: 1 MiB. Line-based exports
/// (CSV, csvde, LDIF) have short lines; a longer one is a corrupt or hostile file.
pub const DEFAULT_MAX_LINE_LENGTH: usize = 1024 * 1024;
/// Default of [`Options::max_json_depth`] and `--max-json-depth`. Real exports nest 5 or 6 levels.
pub const DEFAULT_MAX_JSON_DEPTH: usize = 64;
/// Highest accepted `--max-json-depth`: the JSON parser itself stops at 128 levels.
pub const MAX_JSON_DEPTH_CEILING: usize = 127;

/// Options of the ingest stage, including the resource limits every file is held to.
#[derive(Debug, Clone)]
pub struct Options {
    /// Estate manifest given on the command line (else `estate.toml` in a scanned folder).
    pub manifest: Option<PathBuf>,
    /// Maximum size of one input file in bytes (0 = no limit); `--max-file-size`.
    pub max_file_size: u64,
    /// Maximum length in bytes of one line of a line-based export (CSV, csvde, LDIF; 0 = no
    /// limit); `--max-line-length`. JSON is exempt: compact JSON is legitimately one line.
    pub max_line_length: usize,
    /// Maximum nesting depth of arrays and objects in a JSON export (0 = the parser's own limit);
    /// `--max-json-depth`.
    pub max_json_depth: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            manifest: None,
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            max_line_length: DEFAULT_MAX_LINE_LENGTH,
            max_json_depth: DEFAULT_MAX_JSON_DEPTH,
        }
    }
}

/// Result of the ingest stage.
#[derive(Debug, Default)]
pub struct Ingested {
    /// All files seen.
    pub sources: SourceMap,
    /// One report per file, in path order.
    pub inputs: Vec<InputReport>,
    /// The attributed estate.
    pub estate: Estate,
    /// Problems found while attributing files (tenant mismatch, unattributed files...).
    pub issues: Vec<Issue>,
}

/// Names of files that are never inputs (they configure the run).
pub const CONFIG_FILES: &[&str] = &["estate.toml", "tenantlint.toml", "tenantlint.baseline.json"];

/// Errors that stop ingest before any file is read.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A path given on the command line does not exist or cannot be listed.
    #[error("{path}: {source}")]
    Path {
        /// The path.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The estate manifest is invalid.
    #[error("{0}")]
    Manifest(String),
}

/// A file found under the scanned paths.
#[derive(Debug, Clone)]
pub struct FoundFile {
    /// Path on disk.
    pub path: PathBuf,
    /// Display path (see [`crate::source::SourceFile::display`]).
    pub display: String,
    /// Stable name (see [`crate::source::SourceFile::stable`]).
    pub stable: String,
}

/// Walks the given paths (files and folders, recursively, in sorted order, skipping hidden entries).
pub fn collect_files(paths: &[PathBuf]) -> Result<Vec<FoundFile>, Error> {
    let mut out = Vec::new();
    for root in paths {
        let meta =
            std::fs::metadata(root).map_err(|source| Error::Path { path: root.display().to_string(), source })?;
        let mut found = Vec::new();
        if meta.is_file() {
            found.push((root.clone(), display_path(root)));
        } else {
            walk(root, &mut found)?;
        }
        let root_name = std::fs::canonicalize(root)
            .ok()
            .and_then(|c| c.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_default();
        for (path, display) in found {
            let stable = if meta.is_file() {
                root_name.clone()
            } else {
                let rel = path.strip_prefix(root).map(display_path).unwrap_or_else(|_| display.clone());
                if root_name.is_empty() { rel } else { format!("{root_name}/{rel}") }
            };
            out.push(FoundFile { path, display, stable });
        }
    }
    out.sort_by(|a, b| a.display.cmp(&b.display));
    out.dedup_by(|a, b| a.display == b.display);
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<(PathBuf, String)>) -> Result<(), Error> {
    let rd = std::fs::read_dir(dir).map_err(|source| Error::Path { path: dir.display().to_string(), source })?;
    let mut entries: Vec<_> = rd.filter_map(|e| e.ok()).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let p = e.path();
        let ft = match e.file_type() {
            Ok(ft) => ft,
            Err(_) => continue,
        };
        if ft.is_dir() || (ft.is_symlink() && p.is_dir()) {
            walk(&p, out)?;
        } else {
            out.push((p.clone(), display_path(&p)));
        }
    }
    Ok(())
}

/// Path as written in reports: `/`-separated on every OS, without a leading `./` (`.\` on Windows) and
/// without Windows' verbatim prefix (`\\?\C:\x` is shown as `C:/x`, `\\?\UNC\srv\share` as `//srv/share`).
pub fn display_path(p: &Path) -> String {
    display_path_text(&p.to_string_lossy())
}

/// [`display_path`] on the text of a path, whatever OS wrote it.
pub fn display_path_text(text: &str) -> String {
    let s = text.replace('\\', "/");
    let s = if let Some(unc) = s.strip_prefix("//?/UNC/") {
        format!("//{unc}")
    } else if let Some(local) = s.strip_prefix("//?/") {
        local.to_string()
    } else {
        s
    };
    let mut t = s.as_str();
    while let Some(rest) = t.strip_prefix("./") {
        t = rest.trim_start_matches('/');
    }
    t.to_string()
}

/// Detects the format of a decoded text: the first format whose sniffer says yes or reject.
pub fn detect(text: &str) -> Option<(&'static Format, Sniff)> {
    for f in FORMATS {
        match (f.sniff)(text) {
            Sniff::No => continue,
            s => return Some((f, s)),
        }
    }
    None
}

fn new_report(file: FileId) -> InputReport {
    InputReport {
        file,
        kind: "unknown".into(),
        status: Status::Read,
        encoding: "",
        records: 0,
        bytes: 0,
        issues: Vec::new(),
        attributed_to: None,
        tenant: None,
        forest: None,
        modified: None,
        exported_at: None,
    }
}

/// Formats whose files are JSON (held to `max_json_depth`; the others to `max_line_length`).
fn is_json_format(name: &str) -> bool {
    matches!(name, "graph-json" | "arm-json" | "scubagear" | "azurehound" | "sharphound")
}

/// Decodes, detects and parses the content of one file (the part of [`read_one`] after the file
/// was read; also the entry point of the fuzz targets). Never panics on input.
pub fn read_bytes(file: FileId, bytes: &[u8], opts: &Options) -> (InputReport, Extract) {
    let mut report = new_report(file);
    report.bytes = bytes.len() as u64;
    if opts.max_file_size > 0 && report.bytes > opts.max_file_size {
        report.status = Status::Failed(ReadError::new(
            0,
            format!("file is {} bytes, over the limit of {} bytes (--max-file-size)", report.bytes, opts.max_file_size),
        ));
        return (report, Extract::default());
    }
    if let Some(done) = read_binary(file, bytes, opts, &mut report) {
        return done;
    }
    let decoded = text::decode(bytes);
    report.encoding = decoded.encoding;
    let text: &str = &decoded.text;
    if text.trim().is_empty() {
        report.kind = "empty".into();
        let what = if bytes.is_empty() {
            "file is empty".to_string()
        } else if text.is_empty() {
            "file holds only a byte-order mark".to_string()
        } else {
            "file holds only whitespace".to_string()
        };
        report.issues.push(Issue {
            at: SourceRef::file(file),
            code: codes::EMPTY_EXPORT,
            message: format!("{what}: the export produced no rows; re-run the export and check its filter"),
        });
        return (report, Extract::default());
    }
    let Some((format, sniff)) = detect(text) else {
        report.status = Status::Skipped(format!("not a recognized export: {}", first_line_excerpt(text)));
        return (report, Extract::default());
    };
    match sniff {
        Sniff::Reject(e) => {
            report.kind = format.name.to_string();
            report.status = Status::Failed(e);
            return (report, Extract::default());
        }
        Sniff::Unsupported(reason) => {
            report.status = Status::Skipped(reason);
            return (report, Extract::default());
        }
        Sniff::No | Sniff::Yes => report.kind = format.name.to_string(),
    }
    // A Graph page is validated, depth-checked and split in one pass; when that scan refuses the
    // text, the depth check and the reader's parser say why.
    let page = if format.name == "graph-json" { json_util::ScannedPage::scan(text, opts.max_json_depth) } else { None };
    let limit = if page.is_some() {
        Ok(())
    } else if is_json_format(format.name) {
        check_json_depth(text, opts.max_json_depth)
    } else {
        check_line_length(text, opts.max_line_length)
    };
    if let Err(e) = limit {
        report.status = Status::Failed(e);
        return (report, Extract::default());
    }
    let input = Input { file, text, page: page.as_ref() };
    match (format.read)(&input) {
        Ok(mut ex) => {
            if ex.kind.is_empty() {
                ex.kind = format.name.to_string();
            }
            if ex.records == 0 {
                ex.count_records();
            }
            report.kind = ex.kind.clone();
            report.records = ex.records;
            if ex.exported_at.is_none() {
                ex.exported_at = dates::from_header(format.name, text);
            }
            report.exported_at = ex.exported_at.clone();
            if let Some(note) = decoded.note {
                report.issues.push(Issue { at: SourceRef::file(file), code: codes::ENCODING, message: note });
            }
            // A page the scan accepted holds no NUL byte: valid JSON has none outside escapes.
            if input.page.is_none()
                && let Some(issue) = nul_characters(file, text)
            {
                report.issues.push(issue);
            }
            if format.name == ldif::FORMAT.name
                && let Some(issue) = bare_carriage_return(file, text)
            {
                report.issues.push(issue);
            }
            report.issues.append(&mut ex.issues);
            (report, ex)
        }
        Err(e) => {
            report.status = Status::Failed(e);
            (report, Extract::default())
        }
    }
}

/// The binary formats' part of [`read_bytes`]: `None` when no binary format claims the bytes.
fn read_binary(file: FileId, bytes: &[u8], opts: &Options, report: &mut InputReport) -> Option<(InputReport, Extract)> {
    let (format, sniff) = BINARY_FORMATS.iter().find_map(|f| match (f.sniff)(bytes) {
        Sniff::No => None,
        s => Some((f, s)),
    })?;
    report.encoding = "binary";
    report.kind = format.name.to_string();
    match sniff {
        Sniff::Reject(e) => report.status = Status::Failed(e),
        Sniff::Unsupported(reason) => {
            report.kind = "unknown".into();
            report.status = Status::Skipped(reason);
        }
        Sniff::No | Sniff::Yes => match (format.read)(file, bytes, opts) {
            Ok(mut ex) => {
                if ex.records == 0 {
                    ex.count_records();
                }
                report.kind = ex.kind.clone();
                report.records = ex.records;
                report.exported_at = ex.exported_at.clone();
                report.issues.append(&mut ex.issues);
                return Some((report.clone(), ex));
            }
            Err(e) => report.status = Status::Failed(e),
        },
    }
    Some((report.clone(), Extract::default()))
}

/// NUL characters in decoded text are never part of a real value: a binary file, a UTF-16 file read
/// as 8-bit text, or a corrupted export. They are kept as read and reported once.
fn nul_characters(file: FileId, text: &str) -> Option<Issue> {
    let first = memchr::memchr(0, text.as_bytes())?;
    let count = memchr::memchr_iter(0, text.as_bytes()).count();
    let line = u32::try_from(text::count_newlines(&text.as_bytes()[..first]) + 1).unwrap_or(u32::MAX);
    Some(Issue {
        at: SourceRef::new(file, line),
        code: codes::ENCODING,
        message: format!(
            "the text holds {count} NUL character{} (first at line {line}), which no directory value contains: the file is corrupted or was converted with the wrong encoding; values were kept as read, check them or export again",
            if count == 1 { "" } else { "s" }
        ),
    })
}

/// A carriage return not followed by a line feed (old Mac line ends mixed into an LDIF file): LDIF
/// lines end at line feeds, so what follows it was read as part of the same value.
fn bare_carriage_return(file: FileId, text: &str) -> Option<Issue> {
    let b = text.as_bytes();
    let at = memchr::memchr_iter(b'\r', b).find(|&i| b.get(i + 1) != Some(&b'\n'))?;
    if at + 1 == b.len() {
        return None;
    }
    let line = u32::try_from(text::count_newlines(&b[..at]) + 1).unwrap_or(u32::MAX);
    Some(Issue {
        at: SourceRef::new(file, line),
        code: codes::ENCODING,
        message: format!(
            "line {line} holds a carriage return without a line feed (mixed line ends): LDIF lines end at line feeds, so the text after it was read as part of the same value; convert the file to CRLF or LF line ends"
        ),
    })
}

/// Refuses a text with a line longer than `max` bytes (line terminators excluded; 0 = no limit).
pub fn check_line_length(text: &str, max: usize) -> Result<(), ReadError> {
    if max == 0 || text.len() <= max {
        return Ok(());
    }
    let b = text.as_bytes();
    let mut start = 0;
    let ends = memchr::memchr_iter(b'\n', b).chain(std::iter::once(b.len()));
    for (i, end) in ends.enumerate() {
        let line = &b[start..end];
        start = end + 1;
        let len = line.strip_suffix(b"\r").unwrap_or(line).len();
        if len > max {
            let line_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
            return Err(ReadError::new(
                line_no,
                format!("line is {len} bytes long, over the limit of {max} bytes (--max-line-length)"),
            ));
        }
    }
    Ok(())
}

/// Refuses JSON text whose arrays and objects nest deeper than `max` levels (0 = no limit here;
/// the parser's own limit of 128 still applies). Brackets inside strings do not count.
///
/// Strings are skipped with `memchr` (most of a Graph page is string bytes), and the line of the
/// offending bracket is only counted when there is one.
pub fn check_json_depth(text: &str, max: usize) -> Result<(), ReadError> {
    if max == 0 {
        return Ok(());
    }
    let b = text.as_bytes();
    let (mut depth, mut i) = (0usize, 0usize);
    while i < b.len() {
        match b[i] {
            b'"' => {
                // Inside a string: jump to the next quote or backslash; a backslash escapes the byte after it.
                i += 1;
                loop {
                    match memchr::memchr2(b'"', b'\\', &b[i.min(b.len())..]) {
                        None => return Ok(()),
                        Some(p) if b[i + p] == b'\\' => i += p + 2,
                        Some(p) => {
                            i += p + 1;
                            break;
                        }
                    }
                }
                continue;
            }
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    let line = u32::try_from(memchr::memchr_iter(b'\n', &b[..i]).count() + 1).unwrap_or(u32::MAX);
                    return Err(ReadError::new(
                        line,
                        format!("JSON nested deeper than {max} levels, the limit (--max-json-depth)"),
                    ));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// The first `max` bytes of `text`, cut back to a character boundary (for sniffers).
pub fn head(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn first_line_excerpt(text: &str) -> String {
    let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("").trim();
    let mut s: String = line.chars().take(60).collect();
    if line.chars().count() > 60 {
        s.push('…');
    }
    format!("starts with {s:?}")
}

/// Runs the whole ingest stage: collect files, read them in parallel, attribute records.
pub fn ingest(paths: &[PathBuf], opts: &Options, progress: &(dyn Fn(u64) + Sync)) -> Result<Ingested, Error> {
    let manifest = manifest::find(paths, opts.manifest.as_deref()).map_err(Error::Manifest)?;
    let started = std::time::Instant::now();
    let (sources, mut results) = read_all(paths, opts, progress)?;
    crate::timing::timing("read", started);
    let started = std::time::Instant::now();
    dates::apply_collections(&sources, &mut results);
    crate::timing::timing("dates of collections", started);
    let started = std::time::Instant::now();
    let mut ingested = group::attribute(sources, results, manifest.as_ref());
    crate::timing::timing("attribute", started);
    let started = std::time::Instant::now();
    same_account::merge(&mut ingested);
    crate::timing::timing("same account merge", started);
    let started = std::time::Instant::now();
    dates::finish(&mut ingested, manifest.as_ref());
    crate::timing::timing("dates finish", started);
    Ok(ingested)
}

/// The ingest stage without a manifest, whether or not one exists: what `tenantlint init` looks at.
pub fn ingest_without_manifest(
    paths: &[PathBuf],
    opts: &Options,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Ingested, Error> {
    let (sources, mut results) = read_all(paths, opts, progress)?;
    dates::apply_collections(&sources, &mut results);
    let mut ingested = group::attribute(sources, results, None);
    same_account::merge(&mut ingested);
    dates::finish(&mut ingested, None);
    Ok(ingested)
}

/// A folder of the shared real-data samples (`../shared/realdata/<folder>`), for readers' unit tests; `None`
/// with a message when the samples are absent (a fresh clone has no `../shared`).
#[cfg(test)]
pub(crate) fn realdata(folder: &str) -> Option<std::path::PathBuf> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/realdata").join(folder);
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("skipped: {} is absent (the shared real-data samples are not on this machine)", p.display());
        None
    }
}

#[cfg(test)]
mod tests {
    use super::files::settings_text;
    use super::*;

    #[test]
    fn display_paths_are_the_same_whatever_os_wrote_them() {
        assert_eq!(display_path_text("samples/contoso-merger/ad/users.csv"), "samples/contoso-merger/ad/users.csv");
        assert_eq!(display_path_text(r".\samples\contoso-merger\ad\users.csv"), "samples/contoso-merger/ad/users.csv");
        assert_eq!(display_path_text("././x/y"), "x/y");
        assert_eq!(display_path_text(r"C:\Users\me\exports\users.csv"), "C:/Users/me/exports/users.csv");
        assert_eq!(display_path_text(r"\\?\C:\Users\me\exports"), "C:/Users/me/exports");
        assert_eq!(display_path_text(r"\\?\UNC\fileserver\audit\estate"), "//fileserver/audit/estate");
        assert_eq!(display_path_text(r"\\fileserver\audit\estate"), "//fileserver/audit/estate");
        assert_eq!(display_path_text("/tmp/x"), "/tmp/x");
        assert_eq!(display_path(Path::new("./out/report.json")), "out/report.json");
    }

    #[test]
    fn settings_files_may_carry_a_bom_or_be_utf16_as_windows_writes_them() {
        let text = "fail_on = \"high\" # é\n";
        assert_eq!(settings_text(text.as_bytes().to_vec()).unwrap(), text);
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(text.as_bytes());
        assert_eq!(settings_text(bom).unwrap(), text);
        let mut le = vec![0xFF, 0xFE];
        le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(settings_text(le).unwrap(), text);
        let mut be = vec![0xFE, 0xFF];
        be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
        assert_eq!(settings_text(be).unwrap(), text);
        assert!(settings_text(vec![0xFF, 0xFE, 0x41]).unwrap_err().contains("odd number"));
        assert!(settings_text(vec![0xFF, 0xFE, 0x00, 0xD8]).unwrap_err().contains("unpaired surrogate"));
        assert_eq!(settings_text(b"a = 1\xE9".to_vec()).unwrap_err(), "not UTF-8 text (invalid byte at offset 5)");
    }
}
