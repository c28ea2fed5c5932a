//! The findings data island: tables of repeated strings (rules, files, scopes, remediations), then one
//! compact array per top-level finding, capped per finding and in number (see the limits in
//! [`super`]). The page's script renders it; [`super::render`] escapes it into the page.

use super::view::clip;
use super::{MAX_COMMANDS, MAX_EVIDENCE, MAX_SUBJECTS, MAX_TEXT};
use crate::findings::{Category, Finding, Severity};
use crate::gate::Suppression;
use crate::report::RunSummary;
use crate::rules::catalog;
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap};

/// Commands a finding proposes, from its evidence: `commands` (list or string), `command`, `fix`,
/// `proposed_value` (as a value to set).
fn commands(f: &Finding) -> Vec<String> {
    let mut out = Vec::new();
    for key in ["commands", "command", "fix"] {
        match f.evidence.get(key) {
            Some(Value::String(s)) => out.push(clip(s, MAX_TEXT)),
            Some(Value::Array(a)) => out.extend(a.iter().filter_map(|v| v.as_str()).map(|s| clip(s, MAX_TEXT))),
            _ => {}
        }
    }
    if let Some(v) = f.evidence.get("proposed_value") {
        let attr = f.evidence.get("attribute").and_then(|a| a.as_str()).unwrap_or("value");
        let v = v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string());
        out.push(clip(&format!("set {attr} = {v}"), MAX_TEXT));
    }
    if out.is_empty()
        && let Some(Value::String(m)) = f.evidence.get("message")
    {
        // Input findings carry the re-export command in backticks inside their message.
        let parts: Vec<&str> = m.split('`').collect();
        for (i, p) in parts.iter().enumerate() {
            if i % 2 == 1 && (p.contains(" -") || p.contains('|')) && p.len() > 12 {
                out.push(clip(p, MAX_TEXT));
            }
        }
    }
    out.truncate(MAX_COMMANDS);
    out
}

fn suppression_text(s: Option<&Suppression>) -> String {
    match s {
        Some(Suppression::Exception(x)) => {
            format!("excepted by policy line {}: {} (owner {}, until {})", x.line, x.reason, x.owner, x.expires)
        }
        Some(Suppression::Baseline) => "in the baseline".into(),
        None => String::new(),
    }
}

/// Builds the compact data island: tables of repeated strings, then one array per finding.
pub(super) fn data(s: &RunSummary<'_>, max_findings: usize) -> Value {
    let ing = s.ingested;
    let mut rule_idx: HashMap<&str, usize> = HashMap::new();
    let mut rules: Vec<Value> = Vec::new();
    let mut file_idx: HashMap<u32, usize> = HashMap::new();
    let mut files: Vec<Value> = Vec::new();
    let mut rem_idx: HashMap<&str, usize> = HashMap::new();
    let mut rems: Vec<Value> = Vec::new();
    // Scope (tenant or forest) of each input file, by its attribution.
    let tenant_names: BTreeSet<&str> = ing.estate.tenants.iter().map(|t| t.name.as_str()).collect();
    let forest_names: BTreeSet<&str> = ing.estate.forests.iter().map(|f| f.name.as_str()).collect();
    let mut scopes: Vec<Value> = Vec::new();
    let mut scope_idx: HashMap<&str, usize> = HashMap::new();
    let mut file_scope: HashMap<u32, usize> = HashMap::new();
    for r in &ing.inputs {
        if let Some(a) = r.attributed_to.as_deref() {
            let name = a.strip_prefix("tenant ").or_else(|| a.strip_prefix("forest ")).unwrap_or(a);
            let kind = if forest_names.contains(name) && !tenant_names.contains(name) { "forest" } else { "tenant" };
            let n = scopes.len();
            let i = *scope_idx.entry(name).or_insert_with(|| {
                scopes.push(json!([name, kind]));
                n
            });
            file_scope.insert(r.file.0, i);
        }
    }
    let tenant_by_id: HashMap<String, &str> = ing
        .estate
        .tenants
        .iter()
        .filter_map(|t| t.id.as_ref().map(|id| (id.to_lowercase(), t.name.as_str())))
        .collect();
    let mut out = Vec::with_capacity(s.findings.len().min(max_findings));
    // Top-level findings only: a consequence is shown inside its cause ("what else this causes").
    for (i, f) in s.findings.iter().enumerate().filter(|(_, f)| f.caused_by.is_none()).take(max_findings) {
        let ri = *rule_idx.entry(f.rule.as_str()).or_insert_with(|| {
            let m = catalog::get(&f.rule);
            rules.push(json!([
                f.rule,
                m.map(|m| m.name.as_str()).unwrap_or(""),
                m.map(|m| m.title.as_str()).unwrap_or("")
            ]));
            rules.len() - 1
        });
        let rem = *rem_idx.entry(f.remediation.as_str()).or_insert_with(|| {
            rems.push(Value::String(f.remediation.clone()));
            rems.len() - 1
        });
        let mut scope: BTreeSet<usize> = BTreeSet::new();
        let subjects: Vec<Value> = f
            .subjects
            .iter()
            .take(MAX_SUBJECTS)
            .map(|sub| {
                let (fi, line) = match sub.source {
                    Some(at) => {
                        let n = files.len();
                        let fi = *file_idx.entry(at.file.0).or_insert_with(|| {
                            files.push(Value::String(ing.sources.display(at.file).to_string()));
                            n
                        });
                        if let Some(&sc) = file_scope.get(&at.file.0) {
                            scope.insert(sc);
                        }
                        (fi as i64, at.line)
                    }
                    None => (-1, 0),
                };
                if sub.kind == "tenant"
                    && let Some(name) = tenant_by_id.get(&sub.id.to_lowercase())
                    && let Some(&sc) = scope_idx.get(name)
                {
                    scope.insert(sc);
                }
                json!([sub.kind, clip(&sub.id, MAX_TEXT), clip(&sub.display, MAX_TEXT), fi, line])
            })
            .collect();
        let evidence = if f.evidence.is_empty() {
            String::new()
        } else {
            clip(&serde_json::to_string_pretty(&f.evidence).unwrap_or_default(), MAX_EVIDENCE)
        };
        out.push(json!([
            ri,
            Severity::ALL.iter().position(|&x| x == f.severity).unwrap_or(0),
            Category::ALL.iter().position(|&x| x == f.category).unwrap_or(0),
            clip(&f.title, MAX_TEXT),
            subjects,
            f.subjects.len().saturating_sub(MAX_SUBJECTS),
            evidence,
            rem,
            f.fingerprint(),
            suppression_text(s.gate.suppressions.get(i).and_then(|x| x.as_ref())),
            scope.into_iter().collect::<Vec<_>>(),
            commands(f),
            s.gate.failing.binary_search(&i).is_ok(),
            f.consequences
                .iter()
                .take(MAX_SUBJECTS)
                .map(|c| {
                    json!([
                        c.rule,
                        Severity::ALL.iter().position(|&x| x == c.severity).unwrap_or(0),
                        clip(&c.title, MAX_TEXT),
                        c.fingerprint
                    ])
                })
                .collect::<Vec<_>>(),
            f.consequences.len().saturating_sub(MAX_SUBJECTS),
        ]));
    }
    json!({
        "severities": Severity::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        "categories": Category::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        "rules": rules,
        "files": files,
        "scopes": scopes,
        "remediations": rems,
        "findings": out,
    })
}
