//! Wiring of the stages for the command line: parse arguments, run `ingest → graph → rules →
//! findings → report`, print the summary, and map the outcome to an exit code.

use crate::cli::{Cli, Command, DetectArgs, ScanArgs};
use crate::findings::{self, Severity, Tally};
use crate::gate;
use crate::graph::EstateGraph;
use crate::ingest::{self, Ingested, Status};
use crate::report::{self, OutputFormat, RunSummary};
use crate::rules;
use crate::timing::timing;
use anyhow::Context as _;
use clap::Parser;
use std::io::IsTerminal;
use std::process::ExitCode;

/// Prints a line on stdout, ignoring a closed pipe (`tenantlint rules | head` must not panic).
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

mod collect;

/// Exit code: the run completed.
pub const EXIT_OK: u8 = 0;
/// Exit code: the run completed and the policy gate failed.
pub const EXIT_GATE_FAILED: u8 = 1;
/// Exit code: the run could not complete.
pub const EXIT_ERROR: u8 = 2;

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_ERROR } else { EXIT_OK });
        }
    };
    let code = match cli.command {
        Command::Scan(args) => scan(&args),
        Command::Detect(args) => detect(&args),
        Command::Collect { source: crate::cli::CollectSource::Ldap(args) } => collect::ldap(&args),
        Command::Collect { source: crate::cli::CollectSource::Graph(args) } => {
            collect::cloud(&args, crate::collect::graph::Api::Graph)
        }
        Command::Collect { source: crate::cli::CollectSource::Arm(args) } => {
            collect::cloud(&args, crate::collect::graph::Api::Arm)
        }
        Command::Formats => {
            for f in ingest::FORMATS {
                say!("{:<12} {}", f.name, f.summary);
            }
            for f in ingest::BINARY_FORMATS {
                say!("{:<12} {}", f.name, f.summary);
            }
            EXIT_OK
        }
        Command::Rules { rules: dir } => {
            if let Err(code) = use_catalog(dir.as_deref()) {
                return ExitCode::from(code);
            }
            for r in rules::catalog::all() {
                say!("{:<6} {:<8} {:<22} {:<28} {}", r.code, r.severity, r.category, r.name, r.title);
            }
            EXIT_OK
        }
        Command::Explain { rule, rules: dir } => match use_catalog(dir.as_deref()) {
            Ok(()) => explain(&rule),
            Err(code) => code,
        },
        Command::Init(args) => init(&args),
        Command::Completions { shell } => {
            let mut out = std::io::stdout().lock();
            crate::manual::completions(shell, &mut out);
            EXIT_OK
        }
        Command::Man { dir: None } => match crate::manual::man_page(&mut std::io::stdout().lock()) {
            Ok(()) => EXIT_OK,
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => EXIT_OK,
            Err(e) => {
                error(format_args!("cannot write the man page: {e}"));
                EXIT_ERROR
            }
        },
        Command::Man { dir: Some(dir) } => match crate::manual::write_man_pages(&dir) {
            Ok(files) => {
                eprintln!("wrote {} man page(s) into {}", files.len(), ingest::display_path(&dir));
                EXIT_OK
            }
            Err(e) => {
                error(format_args!("{}: cannot write the man pages: {e}", ingest::display_path(&dir)));
                EXIT_ERROR
            }
        },
        Command::Baseline { action: crate::cli::BaselineAction::Write { report } } => baseline_write(&report),
        Command::Diff { old, new, json } => diff(&old, &new, json),
        Command::Generate { out, objects, seed, messy: true, truth } => {
            let truth = truth.unwrap_or_else(|| out.join("truth.json"));
            match crate::accuracy::messy::generate(&out, &truth, objects, seed) {
                Ok(g) => {
                    eprintln!(
                        "wrote a messy estate: {} AD objects, {} cloud objects; {} planted problems and {} near-misses in {}",
                        g.ad_objects,
                        g.cloud_objects,
                        g.planted,
                        g.near_misses,
                        truth.display()
                    );
                    EXIT_OK
                }
                Err(e) => {
                    error(format_args!("{e:#}"));
                    EXIT_ERROR
                }
            }
        }
        Command::Score { report, truth, check, per_rule } => score(&report, &truth, check, per_rule),
        Command::Generate { out, objects, seed, .. } => match crate::generate::generate(&out, objects, seed) {
            Ok(g) => {
                eprintln!(
                    "wrote {} files, {} bytes: {} AD objects, {} cloud objects",
                    g.files, g.bytes, g.ad_objects, g.cloud_objects
                );
                EXIT_OK
            }
            Err(e) => {
                error(format_args!("{e:#}"));
                EXIT_ERROR
            }
        },
    };
    ExitCode::from(code)
}

/// `tenantlint init DIR`: writes (or prints) a starter estate.toml; never replaces an existing one.
fn init(args: &crate::cli::InitArgs) -> u8 {
    let target = args.dir.join(ingest::manifest::FILE_NAME);
    if !args.stdout && target.exists() {
        error(format_args!(
            "{} already exists: not overwritten (move it away, or use --stdout)",
            ingest::display_path(&target)
        ));
        return EXIT_ERROR;
    }
    if !args.dir.is_dir() {
        error(format_args!("{}: not a folder", ingest::display_path(&args.dir)));
        return EXIT_ERROR;
    }
    let starter = match crate::init::starter(&args.dir) {
        Ok(s) => s,
        Err(e) => {
            error(e);
            return EXIT_ERROR;
        }
    };
    if args.stdout {
        use std::io::Write as _;
        let _ = std::io::stdout().lock().write_all(starter.text.as_bytes());
        return EXIT_OK;
    }
    match crate::init::write(&args.dir, &starter) {
        Ok(path) => {
            eprintln!(
                "wrote {}: {} tenant(s), {} forest(s) from {} file(s){}; review it, then run `tenantlint scan {}`",
                ingest::display_path(&path),
                starter.tenants,
                starter.forests,
                starter.files_read,
                if starter.files_not_read.is_empty() {
                    String::new()
                } else {
                    format!(" ({} file(s) not read, listed at the top)", starter.files_not_read.len())
                },
                ingest::display_path(&args.dir)
            );
            EXIT_OK
        }
        Err(e) => {
            error(e);
            EXIT_ERROR
        }
    }
}

fn error(msg: impl std::fmt::Display) {
    eprintln!("tenantlint: {msg}");
}

/// Checks the embedded rule catalog, then with `--rules DIR` loads, validates and installs another
/// one; every problem is printed (`tenantlint: file: reason`) and the run stops with exit code 2.
fn use_catalog(dir: Option<&std::path::Path>) -> Result<(), u8> {
    if let Err(e) = rules::catalog::try_builtin() {
        error(format_args!("the embedded rule catalog is invalid: {e}"));
        return Err(EXIT_ERROR);
    }
    let Some(dir) = dir else { return Ok(()) };
    let loaded = rules::load_catalog_dir(dir).map_err(|errors| {
        for e in &errors {
            error(e);
        }
        error(format_args!(
            "{} problem(s) in the rule catalog {}: fix them or drop --rules to use the built-in catalog",
            errors.len(),
            dir.display()
        ));
        EXIT_ERROR
    })?;
    rules::catalog::install(loaded).map_err(|e| {
        error(e);
        EXIT_ERROR
    })
}

fn explain(rule: &str) -> u8 {
    let Some(r) = rules::catalog::get(rule) else {
        error(format_args!("unknown rule {rule:?} (see `tenantlint rules`)"));
        return EXIT_ERROR;
    };
    say!("{} {} — {}\n", r.code, r.name, r.title);
    say!("category: {}   default severity: {}   family: {}\n", r.category, r.severity, r.family);
    say!("{}\n", r.summary.trim());
    say!("Why it matters\n{}\n", r.rationale.trim());
    say!("What to do\n{}", r.remediation.trim());
    for (case, text) in &r.remediation_cases {
        say!("\nWhat to do, case {case}\n{}", text.trim());
    }
    if !r.references.is_empty() {
        say!("\nReferences");
        for l in &r.references {
            say!("  {l}");
        }
    }
    let declared = rules::params::described(&r.code);
    if !declared.is_empty() {
        // From the typed declaration: key, value in the catalog in use, expected type and doc.
        say!("\nParameters (params of {}/rule.toml; override in tenantlint.toml [rules.{}.params])", r.path, r.code);
        for line in rules::params::explained(declared, &r.params) {
            say!("{line}");
        }
    }
    EXIT_OK
}

fn detect(args: &DetectArgs) -> u8 {
    let files = match ingest::collect_files(&args.paths) {
        Ok(f) => f,
        Err(e) => {
            error(e);
            return EXIT_ERROR;
        }
    };
    let opts = ingest::Options::default();
    let mut failed = false;
    for (i, ingest::FoundFile { path, display, .. }) in files.iter().enumerate() {
        let (rep, _) = ingest::read_one(crate::source::FileId(i as u32), path, &opts);
        let what = match &rep.status {
            Status::Read => format!("{} records", rep.records),
            Status::Skipped(why) => format!("skipped: {why}"),
            Status::Failed(e) => {
                failed = true;
                format!("error: line {}: {}", e.line, e.reason)
            }
        };
        say!("{display}\t{}\t{what}", rep.kind);
    }
    if failed { EXIT_ERROR } else { EXIT_OK }
}

fn progress_bar(total: u64) -> Option<indicatif::ProgressBar> {
    const THRESHOLD: u64 = 32 * 1024 * 1024;
    if total < THRESHOLD || !std::io::stderr().is_terminal() {
        return None;
    }
    let pb = indicatif::ProgressBar::new(total);
    pb.set_style(
        indicatif::ProgressStyle::with_template("reading {wide_bar} {bytes}/{total_bytes} ({eta})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    Some(pb)
}

/// Timestamp of the run: `SOURCE_DATE_EPOCH` (seconds) when set, for reproducible reports, else now.
pub fn run_timestamp() -> String {
    let t = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
        .unwrap_or_else(time::OffsetDateTime::now_utc);
    t.replace_nanosecond(0).unwrap_or(t).format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// The result of running the pipeline on some paths (used by `scan` and by tests).
pub struct Analysis {
    /// Ingest result.
    pub ingested: Ingested,
    /// The estate graph.
    pub graph: EstateGraph,
    /// Findings in report order.
    pub findings: Vec<findings::Finding>,
    /// The sync preview (when [`rules::RuleOptions::preview`] asks for it), or why `--sync-preview` could
    /// not be resolved.
    pub preview: Result<Option<crate::preview::Preview>, String>,
}

/// Runs `ingest → graph → rules → findings` on `paths` without printing or writing anything.
pub fn analyse(
    paths: &[std::path::PathBuf],
    opts: &ingest::Options,
    rule_opts: &rules::RuleOptions,
) -> Result<Analysis, ingest::Error> {
    let ingested = ingest::ingest(paths, opts, &|_| {})?;
    let (a, ()) = analyse_ingested(ingested, rule_opts, false, |found, fps| {
        rules::causes::fold_with(found, fps);
        findings::sort_with(found, fps);
    });
    Ok(a)
}

/// Graph and rules over `ingested`, then the sync preview (when `rule_opts` asks for it) built while
/// `finish` works on the findings, sorted into report order (the scan re-rates, folds, sorts them
/// again and runs the gate there): the preview takes what it needs from the findings first
/// ([`crate::preview::FindingFacts`]), so the two share the cores instead of one waiting for the other.
fn analyse_ingested<R: Send>(
    ingested: Ingested,
    rule_opts: &rules::RuleOptions,
    progress: bool,
    finish: impl FnOnce(&mut Vec<findings::Finding>, &mut Vec<String>) -> R + Send,
) -> (Analysis, R) {
    let t = std::time::Instant::now();
    let graph = EstateGraph::build(&ingested.estate);
    timing("graph", t);
    let t = std::time::Instant::now();
    let pb = progress.then(|| {
        let pb = indicatif::ProgressBar::new(rules::FAMILIES.len() as u64);
        pb.set_style(
            indicatif::ProgressStyle::with_template("rules   {wide_bar} {pos}/{len} families ({elapsed}) {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        pb.enable_steady_tick(std::time::Duration::from_millis(200));
        pb
    });
    let done = |name: &str| {
        if let Some(pb) = &pb {
            pb.set_message(format!("{name} done"));
            pb.inc(1);
        }
    };
    let ctx = rules::Context::new(rule_opts, &ingested, &graph);
    let mut found = rules::run_with_progress(&ctx, &done);
    if let Some(pb) = pb {
        pb.finish_and_clear();
    }
    timing("rules (all families)", t);
    let t = std::time::Instant::now();
    let facts = rule_opts.preview.map(|_| crate::preview::FindingFacts::of(&found));
    let (preview, finished) = rayon::join(
        || {
            let t = std::time::Instant::now();
            let preview = crate::preview::resolve(&ctx, &rule_opts.sync_preview).map(|redirect| {
                rule_opts.preview.zip(facts.as_ref()).map(|(detail, facts)| {
                    crate::preview::build(&ctx, facts, &redirect, &rule_opts.sync_preview, detail)
                })
            });
            timing("sync preview", t);
            preview
        },
        || {
            let t = std::time::Instant::now();
            // Each finding's fingerprint, hashed once: the sorts, the folding and the gate read them.
            let mut fps = findings::fingerprints(&found);
            findings::sort_with(&mut found, &mut fps);
            timing("sort findings", t);
            finish(&mut found, &mut fps)
        },
    );
    timing("sync preview and the findings' finish, together", t);
    drop(ctx);
    (Analysis { ingested, graph, findings: found, preview }, finished)
}

fn scan(args: &ScanArgs) -> u8 {
    let started = std::time::Instant::now();
    if let Err(code) = use_catalog(args.rules.as_deref()) {
        return code;
    }
    // Configuration errors stop the run before any file is read.
    if let Err(e) = report::check_out_dir(&args.out) {
        error(e);
        return EXIT_ERROR;
    }
    let policy = match gate::Policy::load(args.policy.as_deref(), &args.paths) {
        Ok(p) => p,
        Err(e) => {
            for line in e.lines() {
                error(line);
            }
            return EXIT_ERROR;
        }
    };
    let params = match policy.rule_params() {
        Ok(p) => std::sync::Arc::new(p),
        Err(errors) => {
            for e in errors {
                error(e);
            }
            return EXIT_ERROR;
        }
    };
    let baseline = match args.baseline.as_deref().map(gate::Baseline::load).transpose() {
        Ok(b) => b,
        Err(e) => {
            error(e);
            return EXIT_ERROR;
        }
    };
    if args.format.contains(&OutputFormat::IdfixCsv) && args.idfix.is_none() {
        error(
            "--format idfix-csv writes IdFix's rows, which only exist in IdFix parity mode: add --idfix multi-tenant (or dedicated)",
        );
        return EXIT_ERROR;
    }
    let logo = match args.logo.as_deref().map(report::html::Logo::load).transpose() {
        Ok(l) => l,
        Err(e) => {
            error(format_args!("--logo {e}"));
            return EXIT_ERROR;
        }
    };
    let opts = ingest::Options {
        manifest: args.manifest.clone(),
        max_file_size: args.max_file_size,
        max_line_length: args.max_line_length,
        max_json_depth: args.max_json_depth,
    };
    let total: u64 = ingest::collect_files(&args.paths)
        .map(|fs| fs.iter().filter_map(|f| std::fs::metadata(&f.path).ok()).map(|m| m.len()).sum())
        .unwrap_or(0);
    let pb = if args.quiet { None } else { progress_bar(total) };
    let show_progress = pb.is_some();
    let tick = |n: u64| {
        if let Some(pb) = &pb {
            pb.inc(n);
        }
    };
    let ingested = match ingest::ingest(&args.paths, &opts, &tick) {
        Ok(i) => i,
        Err(e) => {
            error(e);
            return EXIT_ERROR;
        }
    };
    if let Some(pb) = pb {
        pb.finish_and_clear();
    }
    timing("read and attribute", started);
    crate::timing::note(|| {
        let e = &ingested.estate;
        format!(
            "model: {} AD objects x {} B, {} cloud objects x {} B, value arena {} MB",
            e.ad_objects.len(),
            std::mem::size_of::<crate::model::AdObject>(),
            e.cloud_objects.len(),
            std::mem::size_of::<crate::model::CloudObject>(),
            crate::model::text::arena_bytes() >> 20
        )
    });

    let failed: Vec<_> = ingested
        .inputs
        .iter()
        .filter_map(|r| match &r.status {
            Status::Failed(e) => Some((r.file, e)),
            _ => None,
        })
        .collect();
    if !failed.is_empty() && !args.keep_going {
        for (file, e) in &failed {
            error(format_args!(
                "{}: {}",
                ingested.sources.locate(crate::source::SourceRef::new(*file, e.line)),
                e.reason
            ));
        }
        error(format_args!(
            "{} input file{} could not be read; fix {} or pass --keep-going to record {} as findings and go on",
            failed.len(),
            if failed.len() == 1 { "" } else { "s" },
            if failed.len() == 1 { "it" } else { "them" },
            if failed.len() == 1 { "it" } else { "them" },
        ));
        return EXIT_ERROR;
    }
    let records: usize = ingested.inputs.iter().map(|r| r.records).sum();
    if records == 0 {
        let skipped = ingested.inputs.iter().filter(|r| matches!(r.status, Status::Skipped(_))).count();
        error(format_args!(
            "no records were read from {} file{} ({} skipped, {} unreadable, {} empty): nothing to analyse, which is not a clean result",
            ingested.inputs.len(),
            if ingested.inputs.len() == 1 { "" } else { "s" },
            skipped,
            failed.len(),
            ingested.inputs.iter().filter(|r| r.kind == "empty").count()
        ));
        if !args.quiet {
            print_inputs(&ingested);
        }
        return EXIT_ERROR;
    }
    if args.parse_only {
        if !args.quiet {
            print_inputs(&ingested);
            eprintln!("parse-only: {records} records in {:.2} s", started.elapsed().as_secs_f64());
        }
        std::mem::forget(ingested); // as after a scan: freeing every object one by one only costs time
        return EXIT_OK;
    }
    crate::stages::after_parse();

    let generated_at = run_timestamp();
    let as_of = args.as_of.unwrap_or_else(|| {
        time::OffsetDateTime::parse(&generated_at, &time::format_description::well_known::Rfc3339)
            .unwrap_or_else(|_| time::OffsetDateTime::now_utc())
    });
    let rule_opts = rules::RuleOptions {
        as_of: args.as_of,
        now: Some(as_of),
        params: Some(params),
        idfix: args.idfix,
        sync_preview: args.sync_preview.clone(),
        // The preview costs a pass over every object: only when a report shows it.
        preview: if args.format.contains(&OutputFormat::SyncPreview) {
            Some(crate::preview::Detail::Full)
        } else if args.format.contains(&OutputFormat::Html) || !args.sync_preview.is_empty() {
            Some(crate::preview::Detail::Issues)
        } else {
            None
        },
    };
    // After the rules, while the sync preview is built: the policy re-rates or drops findings, then
    // consequences go under their causes (a cause takes the highest severity of its consequences; the
    // gate counts causes only), the report order, the gate.
    let finish = |found: &mut Vec<findings::Finding>, fps: &mut Vec<String>| {
        let t = std::time::Instant::now();
        gate::apply_overrides_with(found, fps, &policy);
        rules::causes::fold_with(found, fps);
        findings::sort_with(found, fps);
        timing("policy, folding, sort", t);
        let t = std::time::Instant::now();
        let verdict =
            gate::evaluate_with(found, fps, &policy, args.fail_on.map(|f| f.0), baseline.as_ref(), as_of.date());
        timing("gate", t);
        (verdict, std::mem::take(fps))
    };
    let (Analysis { mut ingested, graph, findings: mut found, preview }, (verdict, mut fingerprints)) =
        analyse_ingested(ingested, &rule_opts, show_progress, finish);
    let mut preview = match preview {
        Ok(p) => p,
        Err(e) => {
            error(e);
            return EXIT_ERROR;
        }
    };
    if args.pseudonymize {
        // After the gate (exceptions and baselines match the real subjects), before any report is written:
        // every format then shows the same tokens. The order is kept (the gate's indices
        // point into it); fingerprints change only for subjects whose id is an address.
        let p =
            report::pseudonymize::Pseudonymizer::new(report::pseudonymize::Pseudonymizer::key_from_env(), &ingested);
        p.apply(&mut found, &mut ingested);
        fingerprints = rules::causes::refresh_fingerprints(&mut found, &fingerprints);
        for r in preview.iter_mut().flat_map(|p| p.rows.iter_mut()) {
            for v in [&mut r.dn, &mut r.upn_after, &mut r.mail_after, &mut r.reason] {
                *v = p.text(v);
            }
        }
    }
    // The preview cites the findings as reported (after the policy, folding and pseudonymisation).
    let t = std::time::Instant::now();
    if let Some(p) = preview.as_mut() {
        p.cite(&found, &fingerprints);
    }
    timing("preview citations", t);
    let summary = RunSummary {
        ingested: &ingested,
        counts: graph.counts(&ingested.estate),
        findings: &found,
        generated_at,
        as_of: as_of.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
        as_of_given: args.as_of.is_some(),
        gate: &verdict,
        graph: &graph,
        meta: report::ReportMeta {
            title: args.title.clone(),
            client: args.client.clone(),
            author: args.author.clone(),
            logo,
            pseudonymized: args.pseudonymize,
            fix_opt_ins: args.fix_policy.iter().chain(&policy.fix_opt_ins).copied().collect(),
        },
        scan_paths: args.paths.clone(),
        preview: preview.as_ref(),
        fingerprints,
        coverage: Default::default(),
    };
    let mut formats: Vec<OutputFormat> = args.format.clone();
    formats.sort();
    formats.dedup();
    timing("elapsed before reports", started);
    crate::timing::note(|| format!("value arena {} MB", crate::model::text::arena_bytes() >> 20));
    let t = std::time::Instant::now();
    let written = match report::write_all(&summary, &formats, &args.out) {
        Ok(w) => w,
        Err(e) => {
            error(e);
            return EXIT_ERROR;
        }
    };
    timing("reports", t);
    if !args.quiet {
        print_inputs(&ingested);
        let c = &summary.counts;
        eprintln!(
            "estate: {} forest(s), {} AD objects, {} tenant(s), {} cloud objects, {} domains, {} federation settings, {} subscriptions, {} external accounts",
            c.forests,
            c.ad_objects,
            c.tenants,
            c.cloud_objects,
            c.domains,
            c.federation_settings,
            c.subscriptions,
            c.external_accounts
        );
        let tally = Tally::of(&found);
        let per: Vec<String> = Severity::ALL
            .iter()
            .map(|s| format!("{} {}", tally.by_severity.get(s.as_str()).unwrap_or(&0), s.as_str()))
            .collect();
        let folded =
            if tally.folded > 0 { format!("; {} more folded under their causes", tally.folded) } else { String::new() };
        eprintln!("findings: {} ({}){folded}", tally.total, per.join(", "));
        for w in &written {
            eprintln!("wrote {}", ingest::display_path(w));
        }
        eprintln!("done in {:.2} s", started.elapsed().as_secs_f64());
    }
    // The verdict is printed (also with --quiet: it is what a CI log needs); with a threshold it is the
    // last line. In report-only mode (no threshold: a person at a terminal) the last line names the
    // HTML report to open.
    print_verdict(&verdict, &found);
    if verdict.fail_on.is_none()
        && !args.quiet
        && let Some(html) = written.iter().find(|w| w.extension().is_some_and(|e| e == "html"))
    {
        eprintln!("open {} in a browser to read the report", ingest::display_path(html));
    }
    // Inputs that failed under --keep-going: the report is written, but the run is incomplete and
    // never exits as a clean or merely failed gate.
    let failed = ingested.inputs.iter().filter(|r| matches!(r.status, Status::Failed(_))).count();
    let code = if failed > 0 {
        error(format_args!(
            "INCOMPLETE: {failed} input file(s) could not be read (--keep-going); the report covers the rest and says so; exit 2"
        ));
        EXIT_ERROR
    } else {
        verdict.outcome().code()
    };
    // The process exits now: freeing a million objects one allocation at a time took seconds.
    std::mem::forget((ingested, graph, found));
    code
}

/// How many failing findings the verdict names before giving a count.
const VERDICT_NAMES: usize = 10;

fn print_verdict(v: &gate::GateResult, found: &[findings::Finding]) {
    for x in &v.expired {
        eprintln!(
            "gate: exception for {} on {} expired on {} ({}:{}, owner {}): it no longer applies",
            x.rule,
            x.subject.as_deref().or(x.fingerprint.as_deref()).unwrap_or("?"),
            x.expires,
            v.policy_path,
            x.line,
            x.owner
        );
    }
    for x in &v.stale {
        eprintln!(
            "gate: exception for {} on {} matches no finding ({}:{}): remove it if the problem is fixed",
            x.rule,
            x.subject.as_deref().or(x.fingerprint.as_deref()).unwrap_or("?"),
            v.policy_path,
            x.line
        );
    }
    if let Some(b) = &v.baseline_path {
        let n = v.suppressions.iter().filter(|s| matches!(s, Some(gate::Suppression::Baseline))).count();
        eprintln!("gate: baseline {b}: {n} known finding(s) ignored, {} fixed since the baseline", v.fixed.len());
        for e in v.fixed.iter().take(VERDICT_NAMES) {
            eprintln!("  fixed  {} {} {}", e.rule, e.fingerprint, e.title);
        }
    }
    let excepted = v.suppressions.iter().filter(|s| matches!(s, Some(gate::Suppression::Exception(_)))).count();
    let Some(t) = v.fail_on else {
        eprintln!("gate: no threshold (set fail_on in tenantlint.toml or pass --fail-on): report only, exit 0");
        return;
    };
    if v.passed() {
        eprintln!(
            "gate: PASSED — no finding at or above {} that is not excepted ({excepted}) or in the baseline",
            t.as_str()
        );
        return;
    }
    eprintln!("gate: FAILED — {} finding(s) at or above {}:", v.failing.len(), t.as_str());
    for &i in v.failing.iter().take(VERDICT_NAMES) {
        let f = &found[i];
        eprintln!("  {:<8} {} {}", f.severity.as_str(), f.rule, f.title);
    }
    if v.failing.len() > VERDICT_NAMES {
        eprintln!("  … and {} more (see the report)", v.failing.len() - VERDICT_NAMES);
    }
}

/// `tenantlint score REPORT TRUTH`: the accuracy table and the wrong findings.
fn score(report: &std::path::Path, truth: &std::path::Path, check: bool, per_rule: usize) -> u8 {
    let read = |p: &std::path::Path| -> anyhow::Result<serde_json::Value> {
        let text = std::fs::read_to_string(p).with_context(|| format!("{}: cannot read", p.display()))?;
        serde_json::from_str(&text).with_context(|| format!("{}: not JSON", p.display()))
    };
    let (r, t) = match (read(report), read(truth)) {
        (Ok(r), Ok(t)) => (r, t),
        (Err(e), _) | (_, Err(e)) => {
            error(format_args!("{e:#}"));
            return EXIT_ERROR;
        }
    };
    let truth: crate::accuracy::Truth = match serde_json::from_value(t) {
        Ok(t) => t,
        Err(e) => {
            error(format_args!("{}: not a truth file: {e}", truth.display()));
            return EXIT_ERROR;
        }
    };
    let s = crate::accuracy::score(&crate::accuracy::report_findings(&r), &truth);
    say!("{}", s.table());
    say!("{}", s.problems(per_rule));
    let failures = s.failures(&crate::accuracy::Targets::default());
    for f in &failures {
        say!("target missed: {f}");
    }
    if check && !failures.is_empty() { EXIT_GATE_FAILED } else { EXIT_OK }
}

fn baseline_write(report: &std::path::Path) -> u8 {
    match gate::Baseline::load(report) {
        Ok(b) => {
            say!("{}", b.to_json().trim_end());
            EXIT_OK
        }
        Err(e) => {
            error(e);
            EXIT_ERROR
        }
    }
}

fn diff(old: &std::path::Path, new: &std::path::Path, json: bool) -> u8 {
    let (a, b) = match (gate::Baseline::load(old), gate::Baseline::load(new)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            error(e);
            return EXIT_ERROR;
        }
    };
    let d = gate::baseline::diff(&a, &b);
    if json {
        say!("{}", serde_json::to_string_pretty(&d).expect("diff serialises"));
        return EXIT_OK;
    }
    let top = |v: &[gate::baseline::Entry]| v.iter().filter(|e| e.caused_by.is_none()).count();
    say!(
        "{} new, {} fixed, {} unchanged (top-level findings; {} new, {} fixed and {} unchanged folded under their causes)",
        top(&d.new),
        top(&d.fixed),
        top(&d.unchanged),
        d.new.len() - top(&d.new),
        d.fixed.len() - top(&d.fixed),
        d.unchanged.len() - top(&d.unchanged)
    );
    for (label, list) in [("new", &d.new), ("fixed", &d.fixed)] {
        for e in list {
            let folded = e.caused_by.as_deref().map(|c| format!(" (folded under {c})")).unwrap_or_default();
            say!("{label:<6} {} {} {}{folded}", e.rule, e.fingerprint, e.title);
        }
    }
    EXIT_OK
}

/// Prints one line per input (or per kind when there are many) on stderr.
fn print_inputs(ing: &Ingested) {
    const MAX_LINES: usize = 40;
    if ing.inputs.len() > MAX_LINES {
        let mut by_kind: std::collections::BTreeMap<&str, (usize, usize)> = Default::default();
        for r in &ing.inputs {
            let e = by_kind.entry(r.kind.as_str()).or_default();
            e.0 += 1;
            e.1 += r.records;
        }
        for (k, (files, recs)) in by_kind {
            eprintln!("  {k:<28} {files:>6} files {recs:>10} records");
        }
        return;
    }
    for r in &ing.inputs {
        let path = ing.sources.display(r.file);
        match &r.status {
            Status::Read => {
                let warn =
                    if r.issues.is_empty() { String::new() } else { format!("  ({} warning(s))", r.issues.len()) };
                let to = r.attributed_to.as_deref().map(|a| format!(" → {a}")).unwrap_or_default();
                eprintln!("  read  {path} [{}] {} records{to}{warn}", r.kind, r.records);
            }
            Status::Skipped(why) => eprintln!("  skip  {path}: {why}"),
            Status::Failed(e) => {
                eprintln!("  FAIL  {}: {}", ing.sources.locate(crate::source::SourceRef::new(r.file, e.line)), e.reason)
            }
        }
    }
}

#[allow(dead_code)]
const _: u8 = EXIT_GATE_FAILED;
