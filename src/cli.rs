//! The command line, declared once (clap derive). Each field's doc comment is its help text.
//!
//! Exit codes (also in `--help` and the README):
//! - `0` the run completed (and, once a policy gate is configured, the policy passed);
//! - `1` the run completed and the policy gate failed (reserved for the CI gate);
//! - `2` the run could not complete: bad arguments, an unreadable or unparsable input (without
//!   `--keep-going`), an invalid manifest, no object read at all, or an output that could not be written.

use crate::report::OutputFormat;
use crate::rules::IdfixMode;
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

    /// Only read and parse the inputs into memory, then stop (no graph, rules or reports): the parse floor for benchmarks.
    #[arg(long, help_heading = "Input")]
    pub parse_only: bool,

    /// IdFix parity mode: reproduce Microsoft IdFix's verdicts with its Multi-Tenant or Dedicated rule set
    /// (rules IF001-IF008; `--format idfix-csv` writes IdFix's CSV columns).
    #[arg(long, value_name = "RULESET", help_heading = "Rules")]
    pub idfix: Option<IdfixMode>,
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
        let cli = Cli::try_parse_from(["tenantlint", "scan", "x", "--format", "json,idfix-csv"]).unwrap();
        let Command::Scan(a) = cli.command else { panic!("not scan") };
        assert_eq!(a.format, vec![OutputFormat::Json, OutputFormat::IdfixCsv]);
    }

    #[test]
    fn idfix_rule_sets() {
        let parse = |v: &str| match Cli::try_parse_from(["tenantlint", "scan", "x", "--idfix", v]).map(|c| c.command) {
            Ok(Command::Scan(a)) => a.idfix,
            _ => None,
        };
        assert_eq!(parse("multi-tenant"), Some(IdfixMode::MultiTenant));
        assert_eq!(parse("dedicated"), Some(IdfixMode::Dedicated));
        assert_eq!(parse("both"), None);
        let cli = Cli::try_parse_from(["tenantlint", "scan", "x"]).unwrap();
        let Command::Scan(a) = cli.command else { panic!("not scan") };
        assert_eq!(a.idfix, None);
    }
}
