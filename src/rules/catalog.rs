//! The rule catalog: rule metadata declared once as data in `rules/<family>/<CODE>-<name>/rule.toml`,
//! embedded at build time (see `build.rs`).

use crate::findings::{Category, Severity};
use serde::Deserialize;
use std::sync::OnceLock;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/catalog_sources.rs"));
}

/// Metadata of one rule.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleMeta {
    /// Code: family prefix and number (`IN001`), never reused.
    pub code: String,
    /// Kebab-case name stating the problem (`lossy-export-column`).
    pub name: String,
    /// Family (`input`, `characters`, ...): the folder under `rules/` and the module under `src/rules/`.
    pub family: String,
    /// Category of its findings.
    pub category: String,
    /// Default severity.
    pub severity: String,
    /// Title.
    pub title: String,
    /// One sentence.
    pub summary: String,
    /// Why it matters.
    pub rationale: String,
    /// What to do.
    pub remediation: String,
    /// Documentation links.
    #[serde(default)]
    pub references: Vec<String>,
    /// Parameters (character sets, lengths, exclusions...), read by the rule's logic; each rule
    /// documents its own keys.
    #[serde(default)]
    pub params: toml::Table,
    /// Folder of the rule relative to the crate root (set when loaded).
    #[serde(skip)]
    pub path: String,
}

impl RuleMeta {
    /// Category parsed (validated at load).
    pub fn category(&self) -> Category {
        Category::parse(&self.category).unwrap_or(Category::Input)
    }
    /// Default severity parsed (validated at load).
    pub fn severity(&self) -> Severity {
        Severity::parse(&self.severity).unwrap_or(Severity::Medium)
    }
}

/// Parses and validates a set of `(path, toml)` sources.
pub fn parse(sources: &[(&str, &str)]) -> Result<Vec<RuleMeta>, String> {
    let mut rules = Vec::new();
    for (path, text) in sources {
        let mut m: RuleMeta = toml::from_str(text).map_err(|e| format!("{path}: {e}"))?;
        m.path = path.trim_end_matches("/rule.toml").to_string();
        if Category::parse(&m.category).is_none() {
            return Err(format!("{path}: unknown category {:?}", m.category));
        }
        if Severity::parse(&m.severity).is_none() {
            return Err(format!("{path}: unknown severity {:?}", m.severity));
        }
        let folder = m.path.rsplit('/').next().unwrap_or("");
        if folder != format!("{}-{}", m.code, m.name) {
            return Err(format!("{path}: folder must be named {}-{}", m.code, m.name));
        }
        rules.push(m);
    }
    rules.sort_by(|a, b| a.code.cmp(&b.code));
    for w in rules.windows(2) {
        if w[0].code == w[1].code {
            return Err(format!("duplicate rule code {} in {} and {}", w[0].code, w[0].path, w[1].path));
        }
    }
    Ok(rules)
}

/// The embedded catalog.
pub fn builtin() -> &'static [RuleMeta] {
    static CATALOG: OnceLock<Vec<RuleMeta>> = OnceLock::new();
    CATALOG.get_or_init(|| parse(embedded::SOURCES).expect("embedded rule catalog is valid (checked by tests)"))
}

/// Looks up a rule by code or name.
pub fn get(code_or_name: &str) -> Option<&'static RuleMeta> {
    builtin().iter().find(|r| r.code.eq_ignore_ascii_case(code_or_name) || r.name == code_or_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_catalog_is_valid_and_covers_input_codes() {
        let rules = parse(embedded::SOURCES).unwrap();
        assert!(rules.len() >= 10);
        use crate::ingest::codes::*;
        for code in [
            LOSSY_COLUMN,
            UNREADABLE_RECORD,
            MISSING_FIELDS,
            TENANT_MISMATCH,
            INCOMPLETE_EXPORT,
            ENCODING,
            UNATTRIBUTED,
            INVALID_VALUE,
            EMPTY_EXPORT,
            UNREADABLE_FILE,
        ] {
            let r = get(code).unwrap_or_else(|| panic!("{code} missing from rules/"));
            assert_eq!(r.family, "input");
            assert!(!r.rationale.trim().is_empty() && !r.remediation.trim().is_empty());
        }
    }

    #[test]
    fn rejects_bad_metadata() {
        let ok = "code='IN999'\nname='x-y'\nfamily='input'\ncategory='input'\nseverity='low'\ntitle='t'\nsummary='s'\nrationale='r'\nremediation='m'\n";
        assert!(parse(&[("rules/input/IN999-x-y/rule.toml", ok)]).is_ok());
        assert!(parse(&[("rules/input/IN999-z/rule.toml", ok)]).unwrap_err().contains("folder"));
        let bad = ok.replace("severity='low'", "severity='urgent'");
        assert!(parse(&[("rules/input/IN999-x-y/rule.toml", &bad)]).unwrap_err().contains("severity"));
    }
}
