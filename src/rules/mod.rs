//! Stage 3 — rules: detections over the model and the graph.
//!
//! Rule metadata is declared once as data in `rules/` ([`catalog`]); the logic lives here, one module
//! per family. Rules never read files, the policy or the command line: they get the estate, the
//! graph and the ingest account, and return findings.

pub mod catalog;
pub mod idfix;
pub mod input;

use crate::findings::Finding;
use crate::graph::EstateGraph;
use crate::ingest::Ingested;

pub use idfix::IdfixMode;

/// Options that change how rules run (from the command line or, later, the policy file).
#[derive(Debug, Clone, Default)]
pub struct RuleOptions {
    /// IdFix parity mode (`--idfix`): run the IdFix rule set chosen (family `idfix`).
    pub idfix: Option<IdfixMode>,
}

/// Everything a rule may look at.
pub struct Context<'a> {
    /// Options.
    pub options: &'a RuleOptions,
    /// The ingest result (estate, inputs, sources).
    pub ingested: &'a Ingested,
    /// The estate graph.
    pub graph: &'a EstateGraph,
}

/// Runs every rule family and returns the findings (unsorted). The `idfix` family runs only in
/// IdFix parity mode ([`RuleOptions::idfix`]).
pub fn run(ctx: &Context<'_>) -> Vec<Finding> {
    let mut out = input::findings(&ctx.ingested.inputs, &ctx.ingested.issues, &ctx.ingested.sources);
    if let Some(mode) = ctx.options.idfix {
        out.extend(idfix::findings(&ctx.ingested.estate, mode));
    }
    out
}
