//! SARIF 2.1.0 (`report.sarif`) for code-scanning dashboards (GitHub, Azure DevOps, GitLab).
//!
//! - `tool.driver.rules`: the whole catalog (id = rule code, name, short/full description, help =
//!   remediation, default level from the default severity, category and severity in properties).
//! - one result per finding: `ruleId`, `level` (critical/high → error, medium → warning, low/info →
//!   note), message = title, the primary subject's export file and line as physical location (the
//!   first subject that has a source; logical locations name every subject), the fingerprint in
//!   `partialFingerprints["tenantlint/v1"]`, policy exceptions as accepted external suppressions,
//!   `baselineState` (`new`/`unchanged`) when a baseline was given.
//! - the gate verdict in `invocations[0].properties.gate` (and `executionSuccessful: true`: the run
//!   itself completed; a gate failure is not a tool failure).

use super::RunSummary;
use crate::findings::{Finding, Severity};
use crate::gate::Suppression;
use crate::rules::catalog;
use serde_json::{Value, json};

/// SARIF level of a severity.
pub fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// Percent-encodes a relative path for a SARIF `uri` (keeps unreserved characters and `/`).
pub fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// SARIF tags of a rule (unique, as the schema requires).
fn tags(category: &str, family: &str) -> Vec<String> {
    let mut t = vec![category.to_string()];
    if family != category {
        t.push(family.to_string());
    }
    t
}

fn rules() -> Vec<Value> {
    catalog::all()
        .iter()
        .map(|r| {
            json!({
                "id": r.code,
                "name": r.name,
                "shortDescription": { "text": r.title },
                "fullDescription": { "text": format!("{} {}", r.summary.trim(), r.rationale.trim()) },
                "help": { "text": r.remediation.trim() },
                "helpUri": r.references.iter().find(|u| u.starts_with("https://") || u.starts_with("http://")),
                "defaultConfiguration": { "level": level(r.severity()) },
                "properties": { "category": r.category, "severity": r.severity, "tags": tags(&r.category, &r.family) }
            })
        })
        .map(|mut v| {
            if v["helpUri"].is_null() {
                v.as_object_mut().map(|o| o.remove("helpUri"));
            }
            v
        })
        .collect()
}

/// Every subject once (SARIF requires unique logical locations).
fn logical_locations(f: &Finding) -> Vec<Value> {
    let mut seen = std::collections::HashSet::new();
    f.subjects
        .iter()
        .filter(|x| seen.insert((x.kind.as_str(), x.id.as_str())))
        .map(|x| json!({ "name": x.display, "fullyQualifiedName": x.id, "kind": x.kind }))
        .collect()
}

fn result(s: &RunSummary<'_>, f: &Finding, sup: Option<&Suppression>, rule_index: Option<usize>) -> Value {
    let sources = &s.ingested.sources;
    let mut r = json!({
        "ruleId": f.rule,
        "level": level(f.severity),
        "message": { "text": f.title },
        "partialFingerprints": { "tenantlint/v1": f.fingerprint() },
        "properties": {
            "severity": f.severity.as_str(),
            "category": f.category.as_str(),
            "evidence": f.evidence,
            "remediation": f.remediation,
        },
    });
    let o = r.as_object_mut().expect("object");
    if let Some(i) = rule_index {
        o.insert("ruleIndex".into(), json!(i));
    }
    if let Some(at) = f.subjects.iter().find_map(|x| x.source) {
        let mut phys = json!({ "artifactLocation": { "uri": uri(sources.display(at.file)) } });
        if at.line > 0 {
            phys["region"] = json!({ "startLine": at.line });
        }
        let logical = logical_locations(f);
        o.insert("locations".into(), json!([{ "physicalLocation": phys, "logicalLocations": logical }]));
    } else {
        let logical = logical_locations(f);
        o.insert("locations".into(), json!([{ "logicalLocations": logical }]));
    }
    if s.gate.baseline_path.is_some() {
        let state = if matches!(sup, Some(Suppression::Baseline)) { "unchanged" } else { "new" };
        o.insert("baselineState".into(), json!(state));
    }
    if let Some(Suppression::Exception(x)) = sup {
        o.insert(
            "suppressions".into(),
            json!([{
                "kind": "external",
                "status": "accepted",
                "justification": format!("{} (owner {}, expires {})", x.reason, x.owner, x.expires),
            }]),
        );
    }
    r
}

/// Renders the SARIF log.
pub fn render(s: &RunSummary<'_>) -> Vec<u8> {
    let rules = rules();
    let index: std::collections::HashMap<&str, usize> =
        catalog::all().iter().enumerate().map(|(i, r)| (r.code.as_str(), i)).collect();
    let results: Vec<Value> = s
        .findings
        .iter()
        .enumerate()
        .map(|(i, f)| {
            result(s, f, s.gate.suppressions.get(i).and_then(|x| x.as_ref()), index.get(f.rule.as_str()).copied())
        })
        .collect();
    let g = s.gate;
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": env!("CARGO_PKG_NAME"),
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "invocations": [{
                "executionSuccessful": true,
                "endTimeUtc": s.generated_at,
                "properties": { "gate": {
                    "fail_on": g.fail_on.map(|f| f.as_str()),
                    "passed": g.passed(),
                    "failing": g.failing.len(),
                    "policy": (!g.policy_path.is_empty()).then_some(&g.policy_path),
                    "baseline": g.baseline_path,
                }},
            }],
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    let mut out = serde_json::to_vec_pretty(&log).expect("SARIF serialises");
    out.push(b'\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(uri("exports/My Files/users (1).csv"), "exports/My%20Files/users%20%281%29.csv");
        assert_eq!(uri("a/b-c_d.e~f"), "a/b-c_d.e~f");
        assert_eq!(uri("é"), "%C3%A9");
    }

    #[test]
    fn levels() {
        assert_eq!(level(Severity::Critical), "error");
        assert_eq!(level(Severity::Medium), "warning");
        assert_eq!(level(Severity::Info), "note");
    }
}
