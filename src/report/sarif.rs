//! SARIF 2.1.0 (`report.sarif`) for code-scanning dashboards (GitHub, Azure DevOps, GitLab).
//!
//! - `tool.driver.rules`: the whole catalog (id = rule code, name, short/full description, help =
//!   remediation, default level from the default severity, category and severity in properties).
//! - one result per top-level finding (a finding folded under a cause is in the cause's
//!   `properties.consequences`: rule, severity, title, fingerprint): `ruleId`, `level` (critical/high → error, medium → warning, low/info →
//!   note), message = title, the primary subject's export file and line as physical location (the
//!   first subject that has a source; logical locations name every subject), the fingerprint in
//!   `partialFingerprints["tenantlint/v1"]`, policy exceptions as accepted external suppressions,
//!   `baselineState` (`new`/`unchanged`) when a baseline was given.
//! - locations: a file below a scanned folder by its path relative to that folder (`uri`) and the
//!   folder's `uriBaseId` (`SCANROOT`, then `SCANROOT2`… in path order), each folder given in
//!   `run.originalUriBaseIds` as an absolute `file://` URI; any other file by its absolute `file://` URI.
//! - the gate verdict in `invocations[0].properties.gate` (and `executionSuccessful: true`: the run
//!   itself completed; a gate failure is not a tool failure).

use super::RunSummary;
use crate::findings::{Finding, Severity};
use crate::gate::Suppression;
use crate::rules::catalog;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

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
    encode(path, b"-._~/")
}

fn encode(path: &str, keep: &[u8]) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || keep.contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A `file://` URI for an absolute path (`file:///home/a%20b/users.csv`, `file:///C:/exports/users.csv`).
pub fn file_uri(path: &Path) -> String {
    let s = path.to_string_lossy().replace('\\', "/");
    // Windows verbatim paths from canonicalize: `\\?\C:\x` and `\\?\UNC\server\share\x`.
    let s = match s.strip_prefix("//?/") {
        Some(rest) => rest.strip_prefix("UNC/").map(|unc| format!("//{unc}")).unwrap_or_else(|| rest.to_string()),
        None => s,
    };
    let encoded = encode(&s, b"-._~/:");
    if let Some(unc) = encoded.strip_prefix("//") {
        format!("file://{unc}")
    } else if encoded.starts_with('/') {
        format!("file://{encoded}")
    } else {
        format!("file:///{encoded}")
    }
}

/// The scanned folders as SARIF base URIs: a file below one is located by a relative `uri` and the
/// folder's `uriBaseId`; any other file (one given directly, a manifest elsewhere) by its `file://` URI.
struct Bases {
    /// (uriBaseId, the folder as given on the command line, its `file://` URI ending in `/`).
    roots: Vec<(String, PathBuf, String)>,
}

impl Bases {
    fn new(scan_paths: &[PathBuf]) -> Self {
        let mut folders: Vec<(PathBuf, PathBuf)> = scan_paths
            .iter()
            .filter(|p| p.is_dir())
            .map(|p| {
                (std::fs::canonicalize(p).or_else(|_| std::path::absolute(p)).unwrap_or_else(|_| p.clone()), p.clone())
            })
            .collect();
        // Ids in path order, whatever the order on the command line.
        folders.sort();
        folders.dedup_by(|a, b| a.0 == b.0);
        let roots = folders
            .into_iter()
            .enumerate()
            .map(|(i, (absolute, given))| {
                let id = if i == 0 { "SCANROOT".to_string() } else { format!("SCANROOT{}", i + 1) };
                let mut base = file_uri(&absolute);
                if !base.ends_with('/') {
                    base.push('/');
                }
                (id, given, base)
            })
            .collect();
        Self { roots }
    }

    /// `originalUriBaseIds`: each scanned folder as an absolute `file://` URI.
    fn original_uri_base_ids(&self) -> Value {
        let map: serde_json::Map<String, Value> =
            self.roots.iter().map(|(id, _, base)| (id.clone(), json!({ "uri": base }))).collect();
        Value::Object(map)
    }

    /// The `artifactLocation` of an input file.
    fn locate(&self, path: &Path) -> Value {
        // The most specific folder holding the file (scanned folders may nest).
        let best = self
            .roots
            .iter()
            .filter_map(|(id, given, _)| path.strip_prefix(given).ok().map(|rel| (given.components().count(), id, rel)))
            .filter(|(_, _, rel)| !rel.as_os_str().is_empty())
            .max_by_key(|(depth, _, _)| *depth);
        match best {
            Some((_, id, rel)) => json!({ "uri": uri(&crate::ingest::display_path(rel)), "uriBaseId": id }),
            None => {
                let absolute = std::fs::canonicalize(path).or_else(|_| std::path::absolute(path));
                json!({ "uri": file_uri(&absolute.unwrap_or_else(|_| path.to_path_buf())) })
            }
        }
    }
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

fn result(
    s: &RunSummary<'_>,
    bases: &Bases,
    (f, fingerprint): (&Finding, &str),
    sup: Option<&Suppression>,
    rule_index: Option<usize>,
) -> Value {
    let sources = &s.ingested.sources;
    let mut r = json!({
        "ruleId": f.rule,
        "level": level(f.severity),
        "message": { "text": f.title },
        "partialFingerprints": { "tenantlint/v1": fingerprint },
        "properties": {
            "severity": f.severity.as_str(),
            "category": f.category.as_str(),
            "evidence": f.evidence,
            "remediation": f.remediation,
            "consequences": f.consequences.iter().map(|c| json!({
                "rule": c.rule,
                "severity": c.severity.as_str(),
                "title": c.title,
                "fingerprint": c.fingerprint,
            })).collect::<Vec<_>>(),
        },
    });
    let o = r.as_object_mut().expect("object");
    if let Some(i) = rule_index {
        o.insert("ruleIndex".into(), json!(i));
    }
    if let Some(at) = f.subjects.iter().find_map(|x| x.source) {
        let mut phys = json!({ "artifactLocation": bases.locate(sources.path(at.file)) });
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
    let bases = Bases::new(&s.scan_paths);
    let results: Vec<Value> = s
        .findings
        .iter()
        .enumerate()
        .filter(|(_, f)| f.caused_by.is_none())
        .map(|(i, f)| {
            let sup = s.gate.suppressions.get(i).and_then(|x| x.as_ref());
            result(s, &bases, (f, &s.fingerprint(i)), sup, index.get(f.rule.as_str()).copied())
        })
        .collect();
    let g = s.gate;
    let mut log = json!({
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
    if !bases.roots.is_empty() {
        log["runs"][0]["originalUriBaseIds"] = bases.original_uri_base_ids();
    }
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
    fn file_uris_are_absolute_and_encoded() {
        assert_eq!(file_uri(Path::new("/home/a b/users (1).csv")), "file:///home/a%20b/users%20%281%29.csv");
        // Windows paths, also in the verbatim forms `canonicalize` returns there.
        assert_eq!(file_uri(Path::new(r"C:\exports\users.csv")), "file:///C:/exports/users.csv");
        assert_eq!(file_uri(Path::new(r"\\?\C:\exports\users.csv")), "file:///C:/exports/users.csv");
        assert_eq!(file_uri(Path::new(r"\\?\UNC\server\share\users.csv")), "file://server/share/users.csv");
    }

    #[test]
    fn files_below_a_scanned_folder_are_relative_to_its_base() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("exports");
        std::fs::create_dir_all(root.join("ad")).unwrap();
        std::fs::write(root.join("ad/users.csv"), "x").unwrap();
        std::fs::write(dir.path().join("loose.json"), "x").unwrap();
        let bases = Bases::new(&[root.clone(), root.join("ad"), dir.path().join("loose.json")]);
        let canonical = std::fs::canonicalize(&root).unwrap();
        assert_eq!(
            bases.original_uri_base_ids(),
            json!({
                "SCANROOT": { "uri": format!("{}/", file_uri(&canonical)) },
                "SCANROOT2": { "uri": format!("{}/ad/", file_uri(&canonical)) },
            })
        );
        // The most specific folder wins; a file given directly has no base.
        assert_eq!(bases.locate(&root.join("ad/users.csv")), json!({ "uri": "users.csv", "uriBaseId": "SCANROOT2" }));
        let loose = std::fs::canonicalize(dir.path().join("loose.json")).unwrap();
        assert_eq!(bases.locate(&dir.path().join("loose.json")), json!({ "uri": file_uri(&loose) }));
    }

    #[test]
    fn levels() {
        assert_eq!(level(Severity::Critical), "error");
        assert_eq!(level(Severity::Medium), "warning");
        assert_eq!(level(Severity::Info), "note");
    }
}
