//! Stage 3 — rules: detections over the model and the graph.
//!
//! Rule metadata is declared once as data in `rules/<family>/<CODE>-<name>/rule.toml` ([`catalog`]);
//! the logic lives here, one module per family. Rule parameters are typed ([`params`]): declared once
//! per rule, decoded once per run from the catalog in use and the policy's overrides, and read
//! through [`Context::params`]. Rules never read files, the policy or the command
//! line: they get the estate, the graph and the ingest account through a [`Context`], and return
//! findings built with [`finding`] (which takes category, default severity and remediation from the
//! catalog, so they are declared once).
//!
//! Families run in parallel (rayon); inside a family, rules iterate the estate's vectors (use
//! `par_iter` for per-object checks) and join through the graph's hash indexes — never pairwise.
//!
//! Adding a family: a module with `pub fn run(ctx: &Context<'_>) -> Vec<Finding>`, one entry in
//! [`FAMILIES`], its rules under `rules/<family>/` with positive and negative fixtures.

pub mod addresses;
pub mod anchors;
pub mod catalog;
pub mod causes;
pub mod characters;
pub mod coverage;
pub mod directories;
pub mod domains;
pub mod duplicates;
pub mod federation;
pub mod idfix;
pub mod input;
pub mod matching;
pub mod msa;
pub mod params;
pub mod subscriptions;
pub mod sync;
pub mod sync_scope;
pub mod targets;
pub mod tenancy;
pub mod typos;

use crate::findings::{Finding, Subject};
use crate::graph::EstateGraph;
use crate::ingest::Ingested;
use crate::model::{AdObject, CloudObject, Estate};
use rayon::prelude::*;
use std::collections::BTreeMap;

pub use idfix::IdfixMode;

/// Reads a `--rules DIR` catalog ([`catalog::load_dir`]) and checks its parameters against the typed
/// declarations ([`params::check_catalog`]).
pub fn load_catalog_dir(dir: &std::path::Path) -> Result<Vec<catalog::RuleMeta>, Vec<String>> {
    catalog::load_dir(dir, params::check_catalog)
}

/// Options that change how rules run (from the command line or, later, the policy file).
#[derive(Debug, Clone, Default)]
pub struct RuleOptions {
    /// `--as-of`: the instant the whole estate is judged at — it is "today" for deadlines (certificate
    /// expiry) and replaces every tenant's data date for staleness. `None`: today is [`RuleOptions::now`]
    /// and staleness is judged at each tenant's data date ([`RuleOptions::data_clock`]).
    pub as_of: Option<time::OffsetDateTime>,
    /// The run's own time, "today" when `as_of` is not given (`None`: the system clock when asked).
    pub now: Option<time::OffsetDateTime>,
    /// The typed rule parameters of the run: the catalog in use with the policy file's
    /// `[rules.CODE.params]` merged over it, decoded once by [`params::RuleParams::load`]. `None`: the
    /// catalog in use's own ([`params::RuleParams::catalog_in_use`]).
    pub params: Option<std::sync::Arc<params::RuleParams>>,
    /// IdFix parity mode (`--idfix`): run the IdFix rule set chosen (family `idfix`).
    pub idfix: Option<IdfixMode>,
    /// `--sync-preview FOREST=TENANT`: simulate syncing (or re-pointing) a whole forest into a tenant in
    /// the sync preview ([`crate::preview`]); the findings are not affected.
    pub sync_preview: Vec<String>,
    /// Whether to compute the sync preview and which rows to keep (`None`: not computed — a JSON-only CI
    /// run pays nothing for it).
    pub preview: Option<PreviewDetail>,
}

/// Which rows the sync preview ([`crate::preview`]) keeps (the counts always cover every object).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PreviewDetail {
    /// Every row (`--format sync-preview`).
    #[default]
    Full,
    /// Only conflicts and takeovers (the HTML report lists them): a million joins need no strings.
    Issues,
}

impl RuleOptions {
    /// Today, the clock deadlines are counted from: `--as-of`, else the run's time.
    pub fn as_of(&self) -> time::OffsetDateTime {
        self.as_of.or(self.now).unwrap_or_else(time::OffsetDateTime::now_utc)
    }

    /// The data clock of a tenant or forest with data date `date`: the instant its staleness is judged at
    /// — `--as-of` when given, else when its data was exported, else (nothing dates it) today.
    pub fn data_clock(&self, date: Option<&crate::model::DataDate>) -> DataClock {
        match (self.as_of, date) {
            (Some(at), _) => DataClock { at, from: "--as-of".into() },
            (None, Some(d)) => DataClock { at: d.latest.at, from: d.describe() },
            (None, None) => DataClock { at: self.as_of(), from: "the run's date (no input dates it)".into() },
        }
    }
}

/// The instant a tenant's or forest's data is judged at, and where it comes from (evidence `judged_at` and
/// `judged_at_source`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataClock {
    /// The instant.
    pub at: time::OffsetDateTime,
    /// Where it comes from: `--as-of`, or the data date with its source (`2026-11-20 (estate.toml …)`).
    pub from: String,
}

/// Everything a rule may look at.
pub struct Context<'a> {
    /// Options.
    pub options: &'a RuleOptions,
    /// The ingest result (estate, inputs, sources).
    pub ingested: &'a Ingested,
    /// The estate graph.
    pub graph: &'a EstateGraph,
    /// The duplicate-directory analysis, computed once for the families that need it (directories,
    /// subscriptions).
    directories: std::sync::OnceLock<directories::Analysis>,
    /// Every cloud object's addresses, lower-cased once: left here by [`Context::domain_usage`] for
    /// the directories analysis, its last user, which takes it (and frees it when done: ~50 MB at a
    /// million objects that would otherwise be held through the rest of the rules).
    addresses: std::sync::Mutex<Option<addresses::AddressTable>>,
    /// Custom domain → tenant → members using it (directories, domains).
    domain_usage: std::sync::OnceLock<addresses::DomainUsage>,
    /// Whether Entra Connect would export each AD object (characters, duplicates).
    in_sync_scope: std::sync::OnceLock<Vec<bool>>,
    /// Every AD object's target tenants (anchors, characters, domains, duplicates, sync).
    targets: std::sync::OnceLock<targets::SyncTargets>,
    /// The anchor attribute of every forest (anchors, sync).
    anchor_decisions: std::sync::OnceLock<Vec<anchors::AnchorDecision>>,
}

impl<'a> Context<'a> {
    /// A context over an ingest result and its graph.
    pub fn new(options: &'a RuleOptions, ingested: &'a Ingested, graph: &'a EstateGraph) -> Self {
        Self {
            options,
            ingested,
            graph,
            directories: std::sync::OnceLock::new(),
            addresses: std::sync::Mutex::new(None),
            domain_usage: std::sync::OnceLock::new(),
            in_sync_scope: std::sync::OnceLock::new(),
            targets: std::sync::OnceLock::new(),
            anchor_decisions: std::sync::OnceLock::new(),
        }
    }
    /// The duplicate-directory analysis (evidence and clusters), computed on first use.
    pub fn directories(&self) -> &directories::Analysis {
        self.directories.get_or_init(|| directories::analyse(self))
    }
    /// Every cloud object's addresses, for the directories analysis (their last user): the table
    /// [`Context::domain_usage`] built, taken over, or built again if something already took it.
    pub fn take_addresses(&self) -> addresses::AddressTable {
        self.domain_usage();
        let left = self.addresses.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
        left.unwrap_or_else(|| addresses::AddressTable::new(self.estate()))
    }
    /// Where each custom domain is used by members of each tenant (built on first use, with the
    /// address table, which is kept for [`Context::take_addresses`]).
    pub fn domain_usage(&self) -> &addresses::DomainUsage {
        self.domain_usage.get_or_init(|| {
            let t = std::time::Instant::now();
            let table = addresses::AddressTable::new(self.estate());
            crate::timing::timing("rules/shared facts: address table", t);
            let usage = addresses::DomainUsage::new(self.estate(), &table);
            // Only the comparison of two or more tenants reads it again.
            if self.estate().tenants.len() >= 2 {
                *self.addresses.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(table);
            }
            usage
        })
    }
    /// For each AD object (estate order), whether Entra Connect's default rules would export it
    /// ([`sync_scope::Scope`], from CH001's `scope` parameter), decided once in parallel.
    pub fn in_sync_scope(&self) -> &[bool] {
        self.in_sync_scope.get_or_init(|| {
            let scope = sync_scope::Scope::new(&self.params().ch001.scope);
            self.estate().ad_objects.par_iter().map(|o| scope.includes(o)).collect()
        })
    }
    /// Every AD object's target tenants, decided per object ([`targets::SyncTargets`]).
    pub fn targets(&self) -> &targets::SyncTargets {
        self.targets.get_or_init(|| targets::SyncTargets::new(self.estate(), self.graph))
    }
    /// The anchor attribute of every forest and how it was decided ([`anchors::anchor_decisions`]).
    pub fn anchor_decisions(&self) -> &[anchors::AnchorDecision] {
        self.anchor_decisions.get_or_init(|| anchors::anchor_decisions(self.estate(), self.graph))
    }
    /// The estate.
    pub fn estate(&self) -> &Estate {
        &self.ingested.estate
    }
    /// The typed rule parameters of the run (catalog in use ⊕ policy overrides; [`params`]).
    pub fn params(&self) -> &params::RuleParams {
        match &self.options.params {
            Some(p) => p,
            None => params::RuleParams::catalog_in_use(),
        }
    }
}

/// A rule family: all rules of one module, run together.
pub type Family = fn(&Context<'_>) -> Vec<Finding>;

/// Every family, run in parallel.
pub const FAMILIES: &[(&str, Family)] = &[
    ("input", input::run),
    ("idfix", idfix_family),
    ("characters", characters_family),
    ("duplicates", duplicates_family),
    ("anchors", anchors::run),
    ("sync", sync::run),
    ("msa", msa::run),
    ("directories", directories::run),
    ("domains", domains::run),
    ("subscriptions", subscriptions::run),
    ("federation", federation::run),
];

/// The `idfix` family runs only in IdFix parity mode ([`RuleOptions::idfix`]).
fn idfix_family(ctx: &Context<'_>) -> Vec<Finding> {
    match ctx.options.idfix {
        Some(mode) => idfix::findings_with(&ctx.ingested.estate, mode, &idfix::config::Config::new(ctx.params())),
        None => Vec::new(),
    }
}

/// Default-mode character rules; replaced by the IdFix rule set in IdFix parity mode.
fn characters_family(ctx: &Context<'_>) -> Vec<Finding> {
    if ctx.options.idfix.is_some() { Vec::new() } else { characters::run(ctx) }
}

/// Default-mode duplicate rules; replaced by the IdFix rule set in IdFix parity mode.
fn duplicates_family(ctx: &Context<'_>) -> Vec<Finding> {
    if ctx.options.idfix.is_some() { Vec::new() } else { duplicates::run(ctx) }
}

/// Runs every rule family and returns the findings (unsorted).
pub fn run(ctx: &Context<'_>) -> Vec<Finding> {
    run_with_progress(ctx, &|_| {})
}

/// Computes the facts several families share (sync scope, targets, anchor decisions, domain usage)
/// before the families start, each in parallel with the others. Left to the first family that asks,
/// one would compute it while the others block on its `OnceLock` (a blocked thread does no rayon
/// work): at a million objects a fifth of the rules' wall time on two cores went to such waits. In
/// IdFix parity mode the families that use them do not run, so nothing is computed ahead.
fn prepare(ctx: &Context<'_>) {
    if ctx.options.idfix.is_some() {
        return;
    }
    let t = std::time::Instant::now();
    let timed = |name: &str, f: &dyn Fn()| {
        let t = std::time::Instant::now();
        f();
        crate::timing::timing(&format!("rules/shared facts: {name}"), t);
    };
    rayon::join(
        || {
            rayon::join(
                || {
                    timed("sync scope", &|| {
                        ctx.in_sync_scope();
                    })
                },
                || {
                    timed("targets", &|| {
                        ctx.targets();
                    })
                },
            )
        },
        || {
            rayon::join(
                || {
                    timed("anchor decisions", &|| {
                        ctx.anchor_decisions();
                    })
                },
                || {
                    timed("address table and domain usage", &|| {
                        ctx.domain_usage();
                    })
                },
            )
        },
    );
    crate::timing::timing("rules/shared facts", t);
}

/// [`run`], calling `done` with each family's name as it finishes (families run in parallel).
pub fn run_with_progress(ctx: &Context<'_>, done: &(dyn Fn(&str) + Sync)) -> Vec<Finding> {
    prepare(ctx);
    FAMILIES
        .par_iter()
        .flat_map_iter(|(name, family)| {
            let t = std::time::Instant::now();
            let found = family(ctx);
            crate::timing::timing(&format!("rules/{name} ({} findings)", found.len()), t);
            done(name);
            found
        })
        .collect()
}

/// Builds a finding of catalog rule `code`: category, default severity and remediation come from
/// `rules/`. Panics if `code` is not in the catalog (a programming error, caught by the fixture tests).
pub fn finding(
    code: &str,
    title: impl Into<String>,
    subjects: Vec<Subject>,
    evidence: BTreeMap<String, serde_json::Value>,
    discriminator: impl Into<String>,
) -> Finding {
    let meta = catalog::get(code).unwrap_or_else(|| panic!("rule {code} is not in the catalog"));
    Finding {
        rule: meta.code.clone(),
        category: meta.category(),
        severity: meta.severity(),
        title: title.into(),
        subjects,
        evidence: evidence.into(),
        remediation: meta.remediation.trim().to_string(),
        discriminator: discriminator.into(),
        caused_by: None,
        consequences: Vec::new(),
    }
}

/// [`finding`] for one case of a rule whose remediation depends on the case: the remediation is
/// `remediation_cases.<case>` of the rule's `rule.toml`. Panics if the rule does not declare the
/// case (a programming error, caught by the fixture and consistency tests).
pub fn finding_case(
    code: &str,
    case: &str,
    title: impl Into<String>,
    subjects: Vec<Subject>,
    evidence: BTreeMap<String, serde_json::Value>,
    discriminator: impl Into<String>,
) -> Finding {
    let meta = catalog::get(code).unwrap_or_else(|| panic!("rule {code} is not in the catalog"));
    let text = meta
        .remediation_cases
        .get(case)
        .unwrap_or_else(|| panic!("rule {code} declares no remediation_cases.{case} in its rule.toml"));
    let mut f = finding(code, title, subjects, evidence, discriminator);
    f.remediation = text.trim().to_string();
    f
}

/// Evidence map from `(key, value)` pairs.
pub fn evidence<const N: usize>(pairs: [(&str, serde_json::Value); N]) -> BTreeMap<String, serde_json::Value> {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// The subject for an AD object: id = objectGUID, else DN.
pub fn ad_subject(o: &AdObject) -> Subject {
    Subject {
        kind: "ad-object".into(),
        id: o
            .object_guid
            .map(|g| g.to_string())
            .or_else(|| o.dn.as_deref().map(String::from))
            .unwrap_or_else(|| o.label()),
        display: o.label(),
        source: Some(o.source),
    }
}

/// The subject for a cloud object: id = `<tenant id>/<object id>` (tenant name when the id is unknown).
pub fn cloud_subject(estate: &Estate, o: &CloudObject) -> Subject {
    let tenant = estate.tenants.get(o.tenant as usize);
    let tid = tenant.and_then(|t| t.id.clone()).or_else(|| tenant.map(|t| t.name.clone())).unwrap_or_default();
    let oid = o.id.as_deref().or(o.upn.as_deref()).map(String::from).unwrap_or_else(|| o.label());
    Subject { kind: "cloud-object".into(), id: format!("{tid}/{oid}"), display: o.label(), source: Some(o.source) }
}

/// The subject for a tenant: id = tenant id, else its name.
pub fn tenant_subject(estate: &Estate, tenant: u32) -> Subject {
    let t = &estate.tenants[tenant as usize];
    Subject {
        kind: "tenant".into(),
        id: t.id.clone().unwrap_or_else(|| t.name.clone()),
        display: t.name.clone(),
        source: t.source,
    }
}
