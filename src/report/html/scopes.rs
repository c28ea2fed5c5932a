//! Which tenants and forests a finding is about: the attribution of the files its subjects come from,
//! and the tenants its subjects are. The findings filters and the per-tenant and per-forest sections
//! use the same answer.

use super::MAX_SUBJECTS;
use crate::findings::Finding;
use crate::ingest::Ingested;
use std::collections::{BTreeSet, HashMap};

/// The tenants and forests files are attributed to, and how to find a finding's.
pub(super) struct Scopes<'a> {
    /// (name, `tenant` or `forest`), in the order the inputs first name them.
    pub(super) list: Vec<(&'a str, &'static str)>,
    idx: HashMap<&'a str, usize>,
    file_scope: HashMap<u32, usize>,
    tenant_by_id: HashMap<String, &'a str>,
}

impl<'a> Scopes<'a> {
    pub(super) fn new(ing: &'a Ingested) -> Self {
        let tenant_names: BTreeSet<&str> = ing.estate.tenants.iter().map(|t| t.name.as_str()).collect();
        let forest_names: BTreeSet<&str> = ing.estate.forests.iter().map(|f| f.name.as_str()).collect();
        let mut list = Vec::new();
        let mut idx: HashMap<&str, usize> = HashMap::new();
        let mut file_scope = HashMap::new();
        for r in &ing.inputs {
            if let Some(a) = r.attributed_to.as_deref() {
                let name = a.strip_prefix("tenant ").or_else(|| a.strip_prefix("forest ")).unwrap_or(a);
                let kind =
                    if forest_names.contains(name) && !tenant_names.contains(name) { "forest" } else { "tenant" };
                let n = list.len();
                let i = *idx.entry(name).or_insert_with(|| {
                    list.push((name, kind));
                    n
                });
                file_scope.insert(r.file.0, i);
            }
        }
        let tenant_by_id = ing
            .estate
            .tenants
            .iter()
            .filter_map(|t| t.id.as_ref().map(|id| (id.to_lowercase(), t.name.as_str())))
            .collect();
        Self { list, idx, file_scope, tenant_by_id }
    }

    /// The scopes (indices into [`Self::list`]) of a finding, from its first [`MAX_SUBJECTS`] subjects.
    pub(super) fn of(&self, f: &Finding) -> BTreeSet<usize> {
        let mut scope = BTreeSet::new();
        for sub in f.subjects.iter().take(MAX_SUBJECTS) {
            if let Some(at) = sub.source
                && let Some(&sc) = self.file_scope.get(&at.file.0)
            {
                scope.insert(sc);
            }
            if sub.kind == "tenant"
                && let Some(name) = self.tenant_by_id.get(&sub.id.to_lowercase())
                && let Some(&sc) = self.idx.get(name)
            {
                scope.insert(sc);
            }
        }
        scope
    }
}
