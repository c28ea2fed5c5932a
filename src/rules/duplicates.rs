//! placeholder
use super::Context;
use crate::findings::Finding;
/// The family entry point.
pub fn run(_ctx: &Context<'_>) -> Vec<Finding> { Vec::new() }
