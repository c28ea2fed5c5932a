//! Baselines and diffs between runs, keyed by finding fingerprints (rule + subject identities +
//! discriminator; never line numbers, paths of records or input order), so a re-export with
//! reordered or reformatted files keeps its baseline.
//!
//! A baseline file (`tenantlint baseline write report.json > tenantlint.baseline.json`):
//! `{"schema_version": "1.0.0", "tool": "tenantlint", "findings": [{"fingerprint", "rule", "title", "subjects": [ids]}]}`.

use crate::findings::Finding;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

/// Version of the baseline format.
pub const SCHEMA_VERSION: &str = "1.0.0";

/// One known finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord)]
pub struct Entry {
    /// Fingerprint.
    pub fingerprint: String,
    /// Rule code.
    pub rule: String,
    /// Title when it was recorded.
    #[serde(default)]
    pub title: String,
    /// Subject ids.
    #[serde(default)]
    pub subjects: Vec<String>,
    /// The cause's fingerprint when the finding was folded under one (report.json 1.3 and later).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caused_by: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct File {
    schema_version: String,
    tool: String,
    findings: Vec<Entry>,
}

/// A loaded baseline.
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    /// Display path.
    pub path: String,
    /// Entries, sorted by fingerprint.
    pub entries: Vec<Entry>,
    set: HashSet<String>,
}

impl Baseline {
    fn new(path: &str, mut entries: Vec<Entry>) -> Self {
        entries.sort();
        entries.dedup_by(|a, b| a.fingerprint == b.fingerprint);
        let set = entries.iter().map(|e| e.fingerprint.clone()).collect();
        Baseline { path: path.to_string(), entries, set }
    }
    /// A baseline of the given findings.
    pub fn from_findings(findings: &[Finding], path: &str) -> Self {
        Self::new(
            path,
            findings
                .iter()
                .map(|f| Entry {
                    fingerprint: f.fingerprint(),
                    rule: f.rule.clone(),
                    title: f.title.clone(),
                    subjects: f.subjects.iter().map(|s| s.id.clone()).collect(),
                    caused_by: f.caused_by.clone(),
                })
                .collect(),
        )
    }
    /// True when the fingerprint is known.
    pub fn contains(&self, fingerprint: &str) -> bool {
        self.set.contains(fingerprint)
    }
    /// Reads a baseline file (or a JSON report, whose findings are taken as the baseline).
    pub fn load(path: &std::path::Path) -> Result<Self, String> {
        let display = crate::ingest::display_path(path);
        // A baseline may be a whole JSON report, so it gets the export limit, not the settings one.
        let text = crate::ingest::read_text_file(path, "baseline", crate::ingest::DEFAULT_MAX_FILE_SIZE)?;
        Self::parse(&text, &display)
    }
    /// Parses baseline or report JSON.
    pub fn parse(text: &str, display: &str) -> Result<Self, String> {
        let v: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("{display}:{}: {e}", e.line()))?;
        let findings = v
            .get("findings")
            .and_then(|f| f.as_array())
            .ok_or_else(|| format!("{display}: not a tenantlint baseline or report (no \"findings\" array)"))?;
        let mut entries = Vec::with_capacity(findings.len());
        for (i, f) in findings.iter().enumerate() {
            let fp = f.get("fingerprint").and_then(|x| x.as_str()).filter(|s| s.len() == 32);
            let rule = f.get("rule").and_then(|x| x.as_str());
            let (Some(fp), Some(rule)) = (fp, rule) else {
                return Err(format!("{display}: findings[{i}] has no valid fingerprint and rule"));
            };
            let subjects = f
                .get("subjects")
                .and_then(|s| s.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|s| s.as_str().or_else(|| s.get("id").and_then(|x| x.as_str())).map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            entries.push(Entry {
                fingerprint: fp.to_string(),
                rule: rule.to_string(),
                title: f.get("title").and_then(|x| x.as_str()).unwrap_or("").to_string(),
                subjects,
                caused_by: f.get("caused_by").and_then(|x| x.as_str()).map(String::from),
            });
        }
        Ok(Self::new(display, entries))
    }
    /// The baseline file text.
    pub fn to_json(&self) -> String {
        let f =
            File { schema_version: SCHEMA_VERSION.into(), tool: "tenantlint".into(), findings: self.entries.clone() };
        let mut s = serde_json::to_string_pretty(&f).expect("baseline serialises");
        s.push('\n');
        s
    }
}

/// New, fixed and unchanged findings between two runs.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Diff {
    /// In the new run only.
    pub new: Vec<Entry>,
    /// In the old run only.
    pub fixed: Vec<Entry>,
    /// In both.
    pub unchanged: Vec<Entry>,
}

/// Compares two baselines (or reports) by fingerprint.
pub fn diff(old: &Baseline, new: &Baseline) -> Diff {
    let old_map: BTreeMap<&str, &Entry> = old.entries.iter().map(|e| (e.fingerprint.as_str(), e)).collect();
    let mut d = Diff::default();
    for e in &new.entries {
        if old_map.contains_key(e.fingerprint.as_str()) {
            d.unchanged.push(e.clone());
        } else {
            d.new.push(e.clone());
        }
    }
    d.fixed = old.entries.iter().filter(|e| !new.contains(&e.fingerprint)).cloned().collect();
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(fp: char, rule: &str) -> String {
        format!(
            "{{\"fingerprint\": \"{}\", \"rule\": \"{rule}\", \"title\": \"t\", \"subjects\": [{{\"id\": \"x\"}}]}}",
            fp.to_string().repeat(32)
        )
    }

    #[test]
    fn reads_reports_and_baselines_and_diffs() {
        let old = Baseline::parse(
            &format!("{{\"findings\": [{}, {}]}}", entry('a', "IN001"), entry('b', "IN002")),
            "old.json",
        )
        .unwrap();
        let new = Baseline::parse(
            &format!("{{\"findings\": [{}, {}]}}", entry('b', "IN002"), entry('c', "IN003")),
            "new.json",
        )
        .unwrap();
        let d = diff(&old, &new);
        assert_eq!((d.new.len(), d.fixed.len(), d.unchanged.len()), (1, 1, 1));
        assert_eq!(d.new[0].rule, "IN003");
        assert_eq!(d.fixed[0].rule, "IN001");
        // A written baseline reads back identically.
        let again = Baseline::parse(&old.to_json(), "again.json").unwrap();
        assert_eq!(again.entries, old.entries);
        assert_eq!(again.entries[0].subjects, vec!["x".to_string()]);
    }

    #[test]
    fn rejects_other_json() {
        assert!(Baseline::parse("{\"value\": []}", "x.json").unwrap_err().contains("no \"findings\" array"));
        assert!(
            Baseline::parse("{\"findings\": [{\"rule\": \"IN001\"}]}", "x.json").unwrap_err().contains("findings[0]")
        );
        assert!(Baseline::parse("{", "x.json").unwrap_err().starts_with("x.json:1:"));
    }
}
