//! The command line, declared once (clap derive). Each field's doc comment is its help text.
//!
//! Exit codes: see [`crate::gate::Outcome`] and [`AFTER_HELP`] (also in the README).

use crate::findings::Severity;
use crate::report::OutputFormat;
use crate::rules::IdfixMode;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Text appended to `--help`.
pub const AFTER_HELP: &str = "\
Exit codes:
  0  the run completed and the gate passed (or no threshold is set)
  1  the run completed and the gate failed: a finding at or above fail_on is neither
     excepted nor in the baseline
  2  the run could not complete: bad arguments, unreadable input (without --keep-going),
     invalid policy or manifest, nothing read at all, or a report that could not be written";

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
    Scan(Box<ScanArgs>),
    /// Collect a live directory into an archivable export (read-only).
    Collect {
        /// Source to collect from.
        #[command(subcommand)]
        source: CollectSource,
    },
    /// Show the detected format of each file without analysing anything.
    Detect(DetectArgs),
    /// List the supported input formats.
    Formats,
    /// List the rule catalog.
    Rules {
        /// Rule catalog folder to use instead of the embedded one (laid out like rules/).
        #[arg(long, value_name = "DIR")]
        rules: Option<PathBuf>,
    },
    /// Print one rule of the catalog in full, with its parameters (value, type and meaning).
    Explain {
        /// Rule code or name (e.g. IN001 or lossy-export-column).
        rule: String,
        /// Rule catalog folder to use instead of the embedded one (laid out like rules/).
        #[arg(long, value_name = "DIR")]
        rules: Option<PathBuf>,
    },
    /// Write a starter estate.toml for a folder of exports: every tenant and forest found, their paths,
    /// inferred syncs_to (with the evidence), and what is left for you to decide.
    Init(InitArgs),
    /// Print a shell completion script on stdout (e.g. `tenantlint completions bash > /etc/bash_completion.d/tenantlint`).
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) on stdout, or write one page per subcommand into --dir.
    Man {
        /// Write tenantlint.1 and tenantlint-<subcommand>.1 into this folder (created if missing) instead.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Baselines: `baseline write report.json > tenantlint.baseline.json`.
    Baseline {
        /// What to do.
        #[command(subcommand)]
        action: BaselineAction,
    },
    /// Write a synthetic estate for benchmarks (deterministic for a given size and seed).
    #[command(hide = true)]
    Generate {
        /// Folder to write the estate into (created if missing).
        out: PathBuf,
        /// About how many AD + cloud objects to write (e.g. 10000, 100k, 1M, 5M).
        #[arg(long, value_parser = parse_count, default_value = "10000")]
        objects: u64,
        /// Seed of the generator.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Write the messy accuracy estate instead (about `--objects` AD users, two forests, four tenants,
        /// planted problems and near-misses); needs --truth.
        #[arg(long, requires = "truth")]
        messy: bool,
        /// With --messy: where to write the ground truth (truth.json), outside the estate folder.
        #[arg(long, value_name = "FILE", requires = "messy")]
        truth: Option<PathBuf>,
    },
    /// Score a report.json against the truth.json of a messy estate: recall, precision, noise.
    #[command(hide = true)]
    Score {
        /// The scan's report.json.
        report: PathBuf,
        /// The truth.json written by `generate --messy`.
        truth: PathBuf,
        /// Exit 1 when a target of issue 16 is missed (precision and recall >= 0.98 per category, noise <= 5%).
        #[arg(long)]
        check: bool,
        /// How many wrong findings to list per rule.
        #[arg(long, default_value_t = 5)]
        per_rule: usize,
    },
    /// Compare two reports (or baselines): new, fixed and unchanged findings by fingerprint.
    Diff {
        /// The older report.json or baseline.
        old: PathBuf,
        /// The newer report.json or baseline.
        new: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// `collect` sources.
#[derive(Debug, Subcommand)]
pub enum CollectSource {
    /// Active Directory over LDAP: a read-only paged subtree search written as LDIF.
    Ldap(Box<LdapArgs>),
    /// One Microsoft Entra tenant over Microsoft Graph v1.0 (read-only GETs), written page by page
    /// into a folder that `scan` reads, with collection.json recording what was collected.
    Graph(Box<CloudArgs>),
    /// The Azure subscriptions and tenants visible to the caller, from Azure Resource Manager
    /// (`GET /subscriptions`, `GET /tenants`), written page by page like `collect graph`.
    Arm(Box<CloudArgs>),
}

/// `--auth` of `collect graph` / `collect arm`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AuthFlow {
    /// Device authorization grant: sign in on another device (delegated permissions).
    DeviceCode,
    /// Client credentials with a secret read from --client-secret-env (application permissions).
    ClientSecret,
    /// Client credentials with a certificate (--certificate; application permissions).
    Certificate,
}

/// Arguments of `collect graph` and `collect arm`.
#[derive(Debug, Args)]
#[command(after_help = "\
Read-only: only GET requests reach Graph/ARM; the only POSTs go to the sign-in endpoint. Secrets are
never taken from the command line: --client-secret-env and --access-token-env name environment
variables. Use your own app registration (--client-id); see the README, \"Live collection\".
Examples:
  tenantlint collect graph --tenant contoso.onmicrosoft.com --auth certificate \\
      --client-id 00000000-0000-0000-0000-000000000000 --certificate app.pem --out contoso/
  TL_TOKEN=$(az account get-access-token --resource https://graph.microsoft.com --query accessToken -o tsv) \\
      tenantlint collect graph --tenant contoso.onmicrosoft.com --access-token-env TL_TOKEN --out contoso/
Exit codes: 0 every collection complete; 2 a collection is incomplete (403, 404, network), unless
--keep-going, or the run could not start (sign-in, arguments, output folder).")]
pub struct CloudArgs {
    /// Tenant id or verified domain (the sign-in authority).
    #[arg(long, value_name = "ID|DOMAIN")]
    pub tenant: String,
    /// Folder to write the pages and collection.json into (created if missing).
    #[arg(long, short, value_name = "DIR")]
    pub out: PathBuf,
    /// How to sign in (or use --access-token-env).
    #[arg(
        long,
        value_enum,
        value_name = "FLOW",
        required_unless_present = "access_token_env",
        conflicts_with = "access_token_env"
    )]
    pub auth: Option<AuthFlow>,
    /// Application (client) id of your own app registration.
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,
    /// Environment variable holding the client secret (--auth client-secret).
    #[arg(long, value_name = "VAR")]
    pub client_secret_env: Option<String>,
    /// PEM file with the certificate, and its private key unless --key is given (--auth certificate).
    #[arg(long, value_name = "FILE.pem")]
    pub certificate: Option<PathBuf>,
    /// PEM file with the certificate's private key (PKCS#8 or PKCS#1, unencrypted).
    #[arg(long, value_name = "FILE.pem", requires = "certificate")]
    pub key: Option<PathBuf>,
    /// Environment variable holding an access token for the API (az account get-access-token --resource ...).
    #[arg(long, value_name = "VAR")]
    pub access_token_env: Option<String>,
    /// Microsoft cloud: picks the sign-in, Graph and ARM endpoints.
    #[arg(long, value_enum, default_value = "global")]
    pub cloud: crate::collect::cloud::Cloud,
    /// Sign-in root instead of the cloud's (e.g. https://login.microsoftonline.us).
    #[arg(long, value_name = "URL")]
    pub login_url: Option<String>,
    /// Microsoft Graph root instead of the cloud's.
    #[arg(long, value_name = "URL")]
    pub graph_url: Option<String>,
    /// Azure Resource Manager root instead of the cloud's.
    #[arg(long, value_name = "URL")]
    pub arm_url: Option<String>,
    /// Continue an interrupted collection in --out from the last good next-page link.
    #[arg(long)]
    pub resume: bool,
    /// Exit 0 even when a collection is incomplete (it stays recorded in collection.json and scans as IN005).
    #[arg(long)]
    pub keep_going: bool,
    /// Seconds to wait for one request.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub timeout: u64,
    /// Retries of one request after throttling (429/503/504), a 5xx or a network error.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub max_retries: u32,
    /// First backoff step in milliseconds when the service sends no Retry-After (doubled per retry, with jitter).
    #[arg(long, value_name = "MS", default_value_t = 5000, hide = true)]
    pub backoff_ms: u64,
    /// Scan the collected folder right away (writes reports into this folder).
    #[arg(long, value_name = "DIR")]
    pub scan: Option<PathBuf>,
    /// No progress lines on stderr (errors, incomplete collections and device-code instructions are still printed).
    #[arg(long, short)]
    pub quiet: bool,
}

/// Arguments of `collect ldap`.
#[derive(Debug, Args)]
#[command(after_help = "\
The password is never taken from the command line: use --password-env VAR, --password-file FILE, or
answer the prompt. TLS certificates are verified by default; plain LDAP needs --allow-plaintext.
Example:
  TL_LDAP_PASSWORD=... tenantlint collect ldap --url ldaps://dc1.corp.contoso.com:636 \\
      --base DC=corp,DC=contoso,DC=com --bind-dn 'CORP\\auditor' --password-env TL_LDAP_PASSWORD --out corp.ldf")]
pub struct LdapArgs {
    /// Server URL: ldaps://dc:636 (one domain), ldaps://dc:3269 (Global Catalog, whole forest), or ldap:// with --starttls.
    #[arg(long, value_name = "URL")]
    pub url: String,
    /// Search base (e.g. DC=corp,DC=contoso,DC=com; empty with the Global Catalog for the whole forest).
    #[arg(long, value_name = "DN", default_value = "")]
    pub base: String,
    /// Bind identity: a DN, DOMAIN\user or user@domain.
    #[arg(long, value_name = "WHO")]
    pub bind_dn: String,
    /// Read the password from this environment variable.
    #[arg(long, value_name = "VAR", group = "pw")]
    pub password_env: Option<String>,
    /// Read the password from the first line of this file.
    #[arg(long, value_name = "FILE", group = "pw")]
    pub password_file: Option<PathBuf>,
    /// LDIF file to write (written only when the collection completed).
    #[arg(long, short, value_name = "FILE")]
    pub out: PathBuf,
    /// LDAP filter (default: users, groups, contacts).
    #[arg(long, value_name = "FILTER", default_value = crate::collect::ldap::DEFAULT_FILTER)]
    pub filter: String,
    /// Extra attributes to collect besides the default list (comma-separated, e.g. msExchMasterAccountSid).
    #[arg(long, value_name = "ATTRS", value_delimiter = ',')]
    pub attrs: Vec<String>,
    /// Objects per page (paged results control).
    #[arg(long, value_name = "N", default_value_t = 500)]
    pub page_size: i32,
    /// Upgrade an ldap:// connection with StartTLS.
    #[arg(long)]
    pub starttls: bool,
    /// Trust this CA certificate (PEM) in addition to the system's.
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// Do not verify the server certificate (prints a warning).
    #[arg(long)]
    pub insecure_skip_verify: bool,
    /// Allow an unencrypted ldap:// connection without StartTLS (prints a warning).
    #[arg(long)]
    pub allow_plaintext: bool,
    /// Seconds to wait for the connection and each operation.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub timeout: u64,
    /// Scan the collected file right away (writes reports into this folder).
    #[arg(long, value_name = "DIR")]
    pub scan: Option<PathBuf>,
}

/// `baseline` subcommands.
#[derive(Debug, Subcommand)]
pub enum BaselineAction {
    /// Print a baseline (every finding's fingerprint) of a report.json on stdout.
    Write {
        /// The report.json to take the findings from.
        report: PathBuf,
    },
}

/// A `--fail-on` value: a severity, or `none` to turn the gate off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailOn(pub Option<Severity>);

fn parse_fail_on(s: &str) -> Result<FailOn, String> {
    if s.eq_ignore_ascii_case("none") {
        return Ok(FailOn(None));
    }
    Severity::parse(&s.to_ascii_lowercase())
        .map(|v| FailOn(Some(v)))
        .ok_or_else(|| format!("{s:?} is not a severity (critical, high, medium, low, info, none)"))
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
    #[arg(
        short,
        long,
        value_name = "FORMATS",
        value_delimiter = ',',
        default_value = "json,html",
        help_heading = "Output"
    )]
    pub format: Vec<OutputFormat>,

    /// Let the fix files (ldif-fix, ps1-fix) make business decisions, comma-separated: move-upn-suffix
    /// (move UPNs to another suffix). Also `[fix]` in the policy file; the files' header lists what was used.
    #[arg(long, value_name = "OPT-INS", value_delimiter = ',', help_heading = "Output")]
    pub fix_policy: Vec<crate::gate::policy::OptIn>,

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
    #[arg(long, value_name = "BYTES", default_value_t = crate::ingest::DEFAULT_MAX_FILE_SIZE, help_heading = "Input")]
    pub max_file_size: u64,

    /// Refuse CSV, csvde and LDIF files with a line longer than this many bytes (0 = no limit; JSON is exempt).
    #[arg(long, value_name = "BYTES", default_value_t = crate::ingest::DEFAULT_MAX_LINE_LENGTH, help_heading = "Input")]
    pub max_line_length: usize,

    /// Refuse JSON files whose arrays and objects nest deeper than this (1-127).
    #[arg(long, value_name = "LEVELS", default_value_t = crate::ingest::DEFAULT_MAX_JSON_DEPTH,
          value_parser = parse_json_depth, help_heading = "Input")]
    pub max_json_depth: usize,

    /// Policy file (default: tenantlint.toml in the scanned folder): fail_on, rule overrides, exceptions.
    #[arg(long, value_name = "FILE", help_heading = "Gate")]
    pub policy: Option<PathBuf>,

    /// Fail (exit 1) on findings at or above this severity that are neither excepted nor in the baseline:
    /// critical, high, medium, low, info, or none; overrides the policy file's fail_on.
    #[arg(long, value_name = "SEVERITY", value_parser = parse_fail_on, help_heading = "Gate")]
    pub fail_on: Option<FailOn>,

    /// Baseline (from `tenantlint baseline write`, or a previous report.json): only findings not in it fail the gate.
    #[arg(long, value_name = "FILE", help_heading = "Gate")]
    pub baseline: Option<PathBuf>,

    /// Judge time-dependent facts (certificate expiry, stale sync) as of this date (YYYY-MM-DD or RFC 3339);
    /// default: now.
    #[arg(long, value_name = "DATE", value_parser = parse_date, help_heading = "Rules")]
    pub as_of: Option<time::OffsetDateTime>,

    /// Report title (HTML report).
    #[arg(long, value_name = "TEXT", help_heading = "Report")]
    pub title: Option<String>,

    /// Client the report is for (HTML report header).
    #[arg(long, value_name = "NAME", help_heading = "Report")]
    pub client: Option<String>,

    /// Author of the report (HTML report header).
    #[arg(long, value_name = "NAME", help_heading = "Report")]
    pub author: Option<String>,

    /// Logo for the HTML report header: a PNG, JPEG, GIF or WebP file of at most 256 KiB, embedded in the page.
    #[arg(long, value_name = "FILE", help_heading = "Report")]
    pub logo: Option<PathBuf>,

    /// Replace display names, UPNs, mail addresses and other personal values by stable tokens in every
    /// report format (for sharing outside the client). Set TENANTLINT_PSEUDONYM_KEY to get the same
    /// tokens in every run; otherwise the key is random per run.
    #[arg(long, help_heading = "Report")]
    pub pseudonymize: bool,

    /// Only read and parse the inputs into memory, then stop (no graph, rules or reports): the parse floor for benchmarks.
    #[arg(long, help_heading = "Input")]
    pub parse_only: bool,

    /// IdFix parity mode: reproduce Microsoft IdFix's verdicts with its Multi-Tenant or Dedicated rule set
    /// (rules IF001-IF008; `--format idfix-csv` writes IdFix's CSV columns).
    #[arg(long, value_name = "RULESET", help_heading = "Rules")]
    pub idfix: Option<IdfixMode>,

    /// Sync preview of a first or re-pointed sync: treat every in-scope object of FOREST as synchronised
    /// into TENANT (names, or the tenant's id), instead of its own targets; repeatable. Findings are not
    /// affected; the preview is in report.json, the HTML report and `--format sync-preview`.
    #[arg(long, value_name = "FOREST=TENANT", help_heading = "Rules")]
    pub sync_preview: Vec<String>,

    /// Rule catalog folder to use instead of the embedded one: laid out like rules/
    /// (<family>/<CODE>-<name>/rule.toml), every rule of this build present, parameters of the same types.
    #[arg(long, value_name = "DIR", help_heading = "Rules")]
    pub rules: Option<PathBuf>,
}

impl ScanArgs {
    /// The default scan of one collected file into `out` (used by `collect ldap --scan`).
    pub fn for_collected(file: PathBuf, out: PathBuf) -> ScanArgs {
        let parsed = Cli::try_parse_from([
            std::ffi::OsString::from("tenantlint"),
            "scan".into(),
            file.into_os_string(),
            "--out".into(),
            out.into_os_string(),
        ]);
        match parsed.map(|c| c.command) {
            Ok(Command::Scan(a)) => *a,
            _ => unreachable!("a file and an output folder are valid scan arguments"),
        }
    }
}

fn parse_json_depth(s: &str) -> Result<usize, String> {
    let max = crate::ingest::MAX_JSON_DEPTH_CEILING;
    match s.parse::<usize>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(format!("{s:?} is not a nesting depth between 1 and {max}")),
    }
}

/// Parses a count with an optional `k` / `M` suffix (`100k`, `1M`).
pub fn parse_count(s: &str) -> Result<u64, String> {
    let t = s.trim().replace('_', "");
    let (num, mul) = match t.chars().last() {
        Some('k' | 'K') => (&t[..t.len() - 1], 1_000),
        Some('m' | 'M') => (&t[..t.len() - 1], 1_000_000),
        _ => (t.as_str(), 1),
    };
    num.parse::<u64>().map(|n| n * mul).map_err(|_| format!("{s:?} is not a count (e.g. 10000, 100k, 1M)"))
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

/// Arguments of `init`.
#[derive(Debug, Args)]
#[command(after_help = "\
Reads every export under DIR the way `scan` does, then writes DIR/estate.toml (never over an existing
file: exit 2 naming it). Review it, fill in what it leaves open, then `tenantlint scan DIR`.")]
pub struct InitArgs {
    /// Folder of exports to look at; the manifest is written into it.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Print the manifest on stdout instead of writing DIR/estate.toml.
    #[arg(long)]
    pub stdout: bool,
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
        let cli = Cli::try_parse_from(["tenantlint", "scan", "x", "--format", "html,csv", "--pseudonymize"]).unwrap();
        let Command::Scan(a) = cli.command else { panic!("not scan") };
        assert_eq!(a.format, vec![OutputFormat::Html, OutputFormat::Csv]);
        assert!(a.pseudonymize);
        let cli = Cli::try_parse_from(["tenantlint", "scan", "x", "--format", "json,idfix-csv"]).unwrap();
        let Command::Scan(a) = cli.command else { panic!("not scan") };
        assert_eq!(a.format, vec![OutputFormat::Json, OutputFormat::IdfixCsv]);
        let cli = Cli::try_parse_from(["tenantlint", "scan", "x", "--format", "ldif-fix,ps1-fix"]).unwrap();
        let Command::Scan(a) = cli.command else { panic!("not scan") };
        assert_eq!(a.format, vec![OutputFormat::LdifFix, OutputFormat::Ps1Fix]);
        let cli = Cli::try_parse_from(["tenantlint", "explain", "CH001", "--rules", "site-rules"]).unwrap();
        assert!(matches!(cli.command, Command::Explain { rules: Some(_), .. }));
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

    #[test]
    fn as_of_dates() {
        assert_eq!(parse_date("2026-11-23").unwrap().unix_timestamp(), 1_795_392_000);
        assert_eq!(parse_date("2026-11-23T01:00:00Z").unwrap().unix_timestamp(), 1_795_395_600);
        assert!(parse_date("23/11/2026").unwrap_err().contains("not a date"));
    }
}
