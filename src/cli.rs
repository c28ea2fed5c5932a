//! The command line, declared once (clap derive). Each field's doc comment is its help text.
//!
//! Exit codes (also in `--help` and the README):
//! - `0` the run completed (and, once a policy gate is configured, the policy passed);
//! - `1` the run completed and the policy gate failed (reserved for the CI gate);
//! - `2` the run could not complete: bad arguments, an unreadable or unparsable input (without
//!   `--keep-going`), an invalid manifest, no object read at all, or an output that could not be written.

use crate::report::OutputFormat;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Text appended to `--help`.
pub const AFTER_HELP: &str = "\
Exit codes:
  0  the run completed
  1  the run completed and the policy gate failed (CI gate)
  2  the run could not complete: bad arguments, unreadable input (without --keep-going),
     invalid manifest, nothing read at all, or a report that could not be written";

/// Audits how identities are linked across on-premises Active Directory and Microsoft cloud tenants.
#[derive(Debug, Parser)]
#[command(name = "tenantlint", version, about, after_help = AFTER_HELP, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read exports (files and folders), build the estate graph, run the rules and write reports.
    Scan(ScanArgs),
    /// Show the detected format of each file without analysing anything.
    Detect(DetectArgs),
    /// List the supported input formats.
    Formats,
    /// List the rule catalog.
    Rules,
    /// Print one rule of the catalog in full.
    Explain {
        /// Rule code or name (e.g. IN001 or lossy-export-column).
        rule: String,
    },
}

/// Arguments of `scan`.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct ScanArgs {
    /// Export files and folders to read (folders recursively; each file's format is detected from its content).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Folder to write reports into (created if missing).
    #[arg(short, long, value_name = "DIR", default_value = "out", help_heading = "Output")]
    pub out: PathBuf,

    /// Report formats, comma-separated.
    #[arg(short, long, value_name = "FORMATS", value_delimiter = ',', default_value = "json", help_heading = "Output")]
    pub format: Vec<OutputFormat>,

    /// Do not print the summary on stderr (errors are still printed).
    #[arg(short, long, help_heading = "Output")]
    pub quiet: bool,

    /// Record unreadable files as findings (IN010) and go on, instead of stopping with exit code 2.
    #[arg(long, help_heading = "Input")]
    pub keep_going: bool,

    /// Estate manifest (default: estate.toml in a scanned folder).
    #[arg(long, value_name = "FILE", help_heading = "Input")]
    pub manifest: Option<PathBuf>,

    /// Refuse input files larger than this many bytes (0 = no limit).
    #[arg(long, value_name = "BYTES", default_value_t = 16 * 1024 * 1024 * 1024, help_heading = "Input")]
    pub max_file_size: u64,

    /// Judge time-dependent facts (certificate expiry, stale sync) as of this date (YYYY-MM-DD or RFC 3339);
    /// default: now.
    #[arg(long, value_name = "DATE", value_parser = parse_date, help_heading = "Rules")]
    pub as_of: Option<time::OffsetDateTime>,

    /// Only read and parse the inputs into memory, then stop (no graph, rules or reports): the parse floor for benchmarks.
    #[arg(long, help_heading = "Input")]
    pub parse_only: bool,
}

/// Parses `YYYY-MM-DD` (midnight UTC) or an RFC 3339 timestamp.
pub fn parse_date(s: &str) -> Result<time::OffsetDateTime, String> {
    use time::format_description::well_known::Rfc3339;
    if let Ok(t) = time::OffsetDateTime::parse(s, &Rfc3339) {
        return Ok(t);
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s, &fmt)
        .map(|d| d.midnight().assume_utc())
        .map_err(|_| format!("{s:?} is not a date (YYYY-MM-DD or RFC 3339, e.g. 2026-11-23 or 2026-11-23T12:00:00Z)"))
}

/// Arguments of `detect`.
#[derive(Debug, Args)]
pub struct DetectArgs {
    /// Files and folders.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn format_list_is_comma_separated() {
        let cli = Cli::try_parse_from(["tenantlint", "scan", "x", "--format", "json,json"]).unwrap();
        let Command::Scan(a) = cli.command else { panic!("not scan") };
        assert_eq!(a.format, vec![OutputFormat::Json, OutputFormat::Json]);
        assert!(Cli::try_parse_from(["tenantlint", "scan", "x", "--format", "pdf"]).is_err());
    }

    #[test]
    fn as_of_dates() {
        assert_eq!(parse_date("2026-11-23").unwrap().unix_timestamp(), 1_795_392_000);
        assert_eq!(parse_date("2026-11-23T01:00:00Z").unwrap().unix_timestamp(), 1_795_395_600);
        assert!(parse_date("23/11/2026").unwrap_err().contains("not a date"));
    }
}
