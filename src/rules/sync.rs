//! placeholder
pub fn run(_ctx: &super::Context<'_>) -> Vec<crate::findings::Finding> { Vec::new() }
