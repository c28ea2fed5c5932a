//! Stage 5 — reports. One module per output format, all reading the same [`RunSummary`].
//!
//! Formats are declared once in [`OutputFormat`]; `--format` takes a comma-separated list of them.

pub mod csv;
pub mod fix;
pub mod html;
pub mod idfix_csv;
pub mod json;
pub mod junit;
pub mod ldif_fix;
pub mod ps1_fix;
pub mod pseudonymize;
pub mod sarif;
pub mod sync_preview;

use crate::findings::Finding;
use crate::graph::{Counts, EstateGraph};
use crate::ingest::Ingested;
use std::path::{Path, PathBuf};

/// Output formats (`--format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum OutputFormat {
    /// `report.json`: the machine-readable contract (schema in `schemas/report.schema.json`).
    Json,
    /// `report.sarif`: SARIF 2.1.0 for code scanning.
    Sarif,
    /// `report.junit.xml`: JUnit XML, one test case per rule.
    Junit,
    /// `findings.csv`: the backlog, one row per root cause (owner role, due date, status, remediation,
    /// proposed values, affected objects), ready to import into a ticketing system.
    Csv,
    /// `findings-objects.csv`: one row per finding × subject, with the export file and line of each.
    FindingsObjectsCsv,
    /// `idfix.csv`: IdFix's CSV columns, one row per IdFix row (needs `--idfix`).
    IdfixCsv,
    /// `report.html`: one self-contained page for people (summary, estate map, findings, inputs).
    Html,
    /// `fix.ldf` + `undo.ldf`: LDIF change files (ldifde -i / ldapmodify) applying the proposed values, and undoing them.
    LdifFix,
    /// `fix.ps1` + `undo.ps1`: PowerShell (ActiveDirectory module) applying the proposed values (-WhatIf unless -Apply), and undoing them.
    Ps1Fix,
    /// `sync-preview.csv`: what the next sync does to every object in scope, per target tenant.
    SyncPreview,
}

impl OutputFormat {
    /// File names written into `--out` (the fix formats write a fix and an undo file).
    pub fn file_names(self) -> &'static [&'static str] {
        match self {
            Self::Json => &["report.json"],
            Self::Sarif => &["report.sarif"],
            Self::Junit => &["report.junit.xml"],
            Self::Csv => &["findings.csv"],
            Self::FindingsObjectsCsv => &["findings-objects.csv"],
            Self::IdfixCsv => &["idfix.csv"],
            Self::LdifFix => &["fix.ldf", "undo.ldf"],
            Self::Ps1Fix => &["fix.ps1", "undo.ps1"],
            Self::Html => &["report.html"],
            Self::SyncPreview => &["sync-preview.csv"],
        }
    }
}

/// Everything a report needs about a finished run.
pub struct RunSummary<'a> {
    /// Ingest result.
    pub ingested: &'a Ingested,
    /// Graph counts.
    pub counts: Counts,
    /// Findings in report order.
    pub findings: &'a [Finding],
    /// Timestamp of the run (RFC 3339, UTC).
    pub generated_at: String,
    /// "Today" for time-dependent rules (RFC 3339): `--as-of`, else the run's timestamp. Deadlines are
    /// counted from it; staleness is judged at each tenant's data date unless `--as-of` was given.
    pub as_of: String,
    /// Whether `as_of` is `--as-of` (which then also replaces every tenant's and forest's data date).
    pub as_of_given: bool,
    /// The gate's verdict (suppressions are parallel to `findings`).
    pub gate: &'a crate::gate::GateResult,
    /// The estate graph (the HTML report draws its map from it).
    pub graph: &'a EstateGraph,
    /// Consultant options (`--title`, `--client`, `--author`, `--logo`, `--pseudonymize`).
    pub meta: ReportMeta,
    /// The paths given to `scan`, as given: SARIF names input files relative to the scanned folders.
    pub scan_paths: Vec<PathBuf>,
    /// The sync preview ([`crate::preview`]), when computed.
    pub preview: Option<&'a crate::preview::Preview>,
    /// Each finding's fingerprint, in the order of `findings` ([`crate::findings::fingerprints`]): the
    /// writers read them here instead of each hashing every finding again. Empty: computed on use.
    pub fingerprints: Vec<String>,
    /// What the exports could not show ([`crate::rules::coverage::gaps`]), worked out by the first
    /// writer that needs it (JSON and HTML both do): read it with [`RunSummary::coverage`].
    pub coverage: std::sync::OnceLock<Vec<crate::rules::coverage::Gap>>,
}

#[cfg(test)]
impl<'a> RunSummary<'a> {
    /// A summary for a writer's tests: `findings` of `ingested` (its graph `graph`) under `gate`, run
    /// and dated at `at`, no consultant options.
    pub(crate) fn for_test(
        ingested: &'a Ingested,
        graph: &'a EstateGraph,
        gate: &'a crate::gate::GateResult,
        findings: &'a [Finding],
        at: &str,
    ) -> Self {
        RunSummary {
            ingested,
            counts: graph.counts(&ingested.estate),
            findings,
            generated_at: at.into(),
            as_of: at.into(),
            as_of_given: false,
            gate,
            graph,
            meta: Default::default(),
            scan_paths: Vec::new(),
            preview: None,
            fingerprints: crate::findings::fingerprints(findings),
            coverage: Default::default(),
        }
    }
}

impl RunSummary<'_> {
    /// What the exports could not show, worked out once per run.
    pub fn coverage(&self) -> &[crate::rules::coverage::Gap] {
        self.coverage.get_or_init(|| crate::rules::coverage::gaps(&self.ingested.estate, self.graph))
    }

    /// The fingerprint of `findings[i]` (from [`RunSummary::fingerprints`] when it holds it).
    pub fn fingerprint(&self, i: usize) -> std::borrow::Cow<'_, str> {
        match self.fingerprints.get(i) {
            Some(fp) => std::borrow::Cow::Borrowed(fp.as_str()),
            None => std::borrow::Cow::Owned(self.findings[i].fingerprint()),
        }
    }
}

/// Consultant options that label a report (only the HTML report shows all of them), and the fix files' opt-ins.
#[derive(Clone, Debug, Default)]
pub struct ReportMeta {
    /// Report title (`--title`).
    pub title: Option<String>,
    /// Client the report is for (`--client`).
    pub client: Option<String>,
    /// Who wrote it (`--author`).
    pub author: Option<String>,
    /// Logo shown in the HTML header (`--logo`), already checked by [`html::Logo::load`].
    pub logo: Option<html::Logo>,
    /// Personal values were replaced by tokens before any report was written (`--pseudonymize`).
    pub pseudonymized: bool,
    /// Business decisions the fix files may make (`--fix-policy`, `[fix]` of the policy file).
    pub fix_opt_ins: Vec<fix::OptIn>,
}

/// Errors writing reports.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The output folder or a file could not be written.
    #[error("{path}: {source}")]
    Io {
        /// Path.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// `--out` (or a folder above it) exists and is not a folder.
    #[error("--out must be a folder: {path} is {what}")]
    NotAFolder {
        /// The path that is in the way.
        path: String,
        /// "a file", or "not a folder" for anything else.
        what: &'static str,
    },
}

/// Checks that `out_dir` is, or can become, a folder: neither it nor a folder above it may be an existing
/// file. Called before a scan starts (so a long scan does not end in this error) and before writing.
pub fn check_out_dir(out_dir: &Path) -> Result<(), Error> {
    // The nearest existing path, from `out_dir` up.
    let Some((path, meta)) = out_dir.ancestors().find_map(|p| std::fs::metadata(p).ok().map(|m| (p, m))) else {
        return Ok(());
    };
    if meta.is_dir() {
        return Ok(());
    }
    let what = if meta.is_file() { "a file" } else { "not a folder" };
    Err(Error::NotAFolder { path: crate::ingest::display_path(path), what })
}

/// Writes one report file through `open` (a file in `write_all`; a fault-injecting writer in tests). A file
/// that could not be written completely is removed, so no truncated report is left for a CI step to upload.
fn write_with<W: std::io::Write>(
    path: &Path,
    bytes: &[u8],
    open: impl FnOnce(&Path) -> std::io::Result<W>,
) -> Result<(), Error> {
    stream_with(path, |w| w.write_all(bytes), open)
}

/// [`write_with`] for a report written piece by piece by `body` (report.json, streamed).
fn stream_with<W: std::io::Write>(
    path: &Path,
    body: impl FnOnce(&mut W) -> std::io::Result<()>,
    open: impl FnOnce(&Path) -> std::io::Result<W>,
) -> Result<(), Error> {
    let fail = |source| Error::Io { path: crate::ingest::display_path(path), source };
    let mut w = open(path).map_err(fail)?;
    if let Err(e) = body(&mut w).and_then(|()| w.flush()) {
        drop(w);
        let _ = std::fs::remove_file(path);
        return Err(fail(e));
    }
    Ok(())
}

/// Writes every requested format into `out_dir`, returning the paths written (in `formats`
/// order). The formats are rendered and written in parallel: at a million objects the JSON and
/// HTML reports take about a second each.
pub fn write_all(summary: &RunSummary<'_>, formats: &[OutputFormat], out_dir: &Path) -> Result<Vec<PathBuf>, Error> {
    use rayon::prelude::*;
    check_out_dir(out_dir)?;
    std::fs::create_dir_all(out_dir)
        .map_err(|source| Error::Io { path: crate::ingest::display_path(out_dir), source })?;
    // Both fix formats write the one remediation plan, made once by whichever needs it first.
    let plan: std::sync::OnceLock<fix::Plan> = std::sync::OnceLock::new();
    let plan = || plan.get_or_init(|| fix::plan(summary));
    let per_format: Vec<Result<Vec<PathBuf>, Error>> = formats
        .par_iter()
        .map(|f| {
            // The two largest reports are streamed into their files, never held in memory whole.
            if let OutputFormat::Json | OutputFormat::Html = f {
                let path = out_dir.join(f.file_names()[0]);
                let open = |p: &Path| std::fs::File::create(p).map(|f| std::io::BufWriter::with_capacity(1 << 20, f));
                match f {
                    OutputFormat::Json => stream_with(&path, |w| json::write(summary, w), open)?,
                    _ => stream_with(&path, |w| html::write(summary, w), open)?,
                }
                return Ok(vec![path]);
            }
            let files: Vec<Vec<u8>> = match f {
                OutputFormat::Json => vec![json::render(summary)],
                OutputFormat::Sarif => vec![sarif::render(summary)],
                OutputFormat::Junit => vec![junit::render(summary)],
                OutputFormat::Csv => vec![csv::render(summary)],
                OutputFormat::FindingsObjectsCsv => vec![csv::render_objects(summary)],
                OutputFormat::IdfixCsv => vec![idfix_csv::render(summary)],
                OutputFormat::Html => vec![html::render(summary)],
                OutputFormat::SyncPreview => {
                    vec![summary.preview.map(sync_preview::render).unwrap_or_default()]
                }
                OutputFormat::LdifFix => {
                    vec![
                        ldif_fix::render_fix(plan(), &summary.generated_at),
                        ldif_fix::render_undo(plan(), &summary.generated_at),
                    ]
                }
                OutputFormat::Ps1Fix => {
                    vec![
                        ps1_fix::render_fix(plan(), &summary.generated_at),
                        ps1_fix::render_undo(plan(), &summary.generated_at),
                    ]
                }
            };
            let mut written = Vec::new();
            for (name, bytes) in f.file_names().iter().zip(files) {
                let path = out_dir.join(name);
                write_with(&path, &bytes, |p| std::fs::File::create(p))?;
                written.push(path);
            }
            Ok(written)
        })
        .collect();
    let mut written = Vec::new();
    for w in per_format {
        written.extend(w?);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{self, Write};

    /// Writes into a real file until `room` bytes are used, then fails as a full disk does.
    struct FullDisk {
        file: std::fs::File,
        room: usize,
    }

    impl Write for FullDisk {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.room == 0 {
                return Err(io::Error::new(io::ErrorKind::StorageFull, "No space left on device"));
            }
            let n = buf.len().min(self.room);
            self.room -= n;
            self.file.write(&buf[..n])
        }
        fn flush(&mut self) -> io::Result<()> {
            self.file.flush()
        }
    }

    #[test]
    fn a_full_disk_names_the_file_and_leaves_no_truncated_report() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.json");
        let e = write_with(&path, &[b'x'; 10_000], |p| Ok(FullDisk { file: std::fs::File::create(p)?, room: 4096 }))
            .unwrap_err();
        assert_eq!(e.to_string(), format!("{}: No space left on device", path.display()));
        assert!(!path.exists(), "the truncated file is removed");
        // Enough room: written whole.
        write_with(&path, b"{}", |p| Ok(FullDisk { file: std::fs::File::create(p)?, room: 4096 })).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"{}");
    }

    #[test]
    fn a_file_that_cannot_be_created_names_the_file_and_the_reason() {
        let path = Path::new("out/report.sarif");
        let e = write_with(path, b"{}", |_| -> io::Result<std::fs::File> {
            Err(io::Error::from(io::ErrorKind::PermissionDenied))
        })
        .unwrap_err();
        assert_eq!(e.to_string(), "out/report.sarif: permission denied");
        // The real thing, where permissions apply (not as root): a read-only folder.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let dir = tempfile::tempdir().unwrap();
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o555)).unwrap();
            let path = dir.path().join("report.json");
            match write_with(&path, b"{}", |p| std::fs::File::create(p)) {
                Err(e) => assert_eq!(e.to_string(), format!("{}: Permission denied (os error 13)", path.display())),
                Ok(()) => eprintln!("skipping the read-only folder case: this user writes anywhere (root)"),
            }
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        }
    }

    #[test]
    fn out_must_be_a_folder() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("report.json");
        std::fs::write(&file, "{}").unwrap();
        let shown = crate::ingest::display_path(&file);
        let e = check_out_dir(&file).unwrap_err();
        assert_eq!(e.to_string(), format!("--out must be a folder: {shown} is a file"));
        // A folder to be created below a file: the file is named.
        let e = check_out_dir(&file.join("out")).unwrap_err();
        assert_eq!(e.to_string(), format!("--out must be a folder: {shown} is a file"));
        check_out_dir(dir.path()).unwrap();
        check_out_dir(&dir.path().join("new/out")).unwrap();
    }
}
