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
    /// `findings.csv`: one row per finding × subject.
    Csv,
    /// `idfix.csv`: IdFix's CSV columns, one row per IdFix row (needs `--idfix`).
    IdfixCsv,
    /// `report.html`: one self-contained page for people (summary, estate map, findings, inputs).
    Html,
    /// `fix.ldf` + `undo.ldf`: LDIF change files (ldifde -i / ldapmodify) applying the proposed values, and undoing them.
    LdifFix,
    /// `fix.ps1` + `undo.ps1`: PowerShell (ActiveDirectory module) applying the proposed values (-WhatIf unless -Apply), and undoing them.
    Ps1Fix,
}

impl OutputFormat {
    /// File names written into `--out` (the fix formats write a fix and an undo file).
    pub fn file_names(self) -> &'static [&'static str] {
        match self {
            Self::Json => &["report.json"],
            Self::Sarif => &["report.sarif"],
            Self::Junit => &["report.junit.xml"],
            Self::Csv => &["findings.csv"],
            Self::IdfixCsv => &["idfix.csv"],
            Self::LdifFix => &["fix.ldf", "undo.ldf"],
            Self::Ps1Fix => &["fix.ps1", "undo.ps1"],
            Self::Html => &["report.html"],
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
    /// The date time-dependent rules judged the estate at (RFC 3339).
    pub as_of: String,
    /// The gate's verdict (suppressions are parallel to `findings`).
    pub gate: &'a crate::gate::GateResult,
    /// The estate graph (the HTML report draws its map from it).
    pub graph: &'a EstateGraph,
    /// Consultant options (`--title`, `--client`, `--author`, `--logo`, `--pseudonymize`).
    pub meta: ReportMeta,
    /// The paths given to `scan`, as given: SARIF names input files relative to the scanned folders.
    pub scan_paths: Vec<PathBuf>,
}

/// Consultant options that label a report; only the HTML report shows all of them.
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
}

/// Writes every requested format into `out_dir`, returning the paths written (in `formats`
/// order). The formats are rendered and written in parallel: at a million objects the JSON and
/// HTML reports take about a second each.
pub fn write_all(summary: &RunSummary<'_>, formats: &[OutputFormat], out_dir: &Path) -> Result<Vec<PathBuf>, Error> {
    use rayon::prelude::*;
    std::fs::create_dir_all(out_dir).map_err(|source| Error::Io { path: out_dir.display().to_string(), source })?;
    // Both fix formats write the one remediation plan, made once by whichever needs it first.
    let plan: std::sync::OnceLock<fix::Plan> = std::sync::OnceLock::new();
    let plan = || plan.get_or_init(|| fix::plan(summary));
    let per_format: Vec<Result<Vec<PathBuf>, Error>> = formats
        .par_iter()
        .map(|f| {
            let files: Vec<Vec<u8>> = match f {
                OutputFormat::Json => vec![json::render(summary)],
                OutputFormat::Sarif => vec![sarif::render(summary)],
                OutputFormat::Junit => vec![junit::render(summary)],
                OutputFormat::Csv => vec![csv::render(summary)],
                OutputFormat::IdfixCsv => vec![idfix_csv::render(summary)],
                OutputFormat::Html => vec![html::render(summary)],
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
                std::fs::write(&path, bytes)
                    .map_err(|source| Error::Io { path: path.display().to_string(), source })?;
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
