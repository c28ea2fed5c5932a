//! The policy file, `tenantlint.toml`: the gate threshold, per-rule severity overrides and disabling,
//! rule parameters, and exceptions with a reason, an owner and an expiry date.
//!
//! ```toml
//! fail_on = "high"                      # critical | high | medium | low | info | none
//!
//! [rules.IN006]                         # by code or name
//! severity = "info"
//! [rules.unattributed-files]
//! enabled = false
//! [rules.SY001.params]                  # merged over the catalog's params of that rule
//! max_age_days = 14
//!
//! [[exception]]
//! rule = "IN001"
//! subject = "ad/contoso/extra-admins.csv"   # a subject id of the finding, or `fingerprint = "..."`
//! reason = "legacy admin export, replaced in Q1"
//! owner = "it-identity@contoso.com"
//! expires = 2027-03-31
//!
//! [fix]                                 # business decisions the fix files may make (--fix-policy)
//! move_upn_suffix = true
//! ```
//!
//! The file is read as raw TOML with positions, then validated into a [`Policy`]; every problem is
//! reported as `path:line: reason` (unknown keys, unknown rule codes with the nearest real one, an
//! exception without reason, owner or expiry, a parameter override of the wrong type — checked against
//! the rule's typed declaration in [`crate::rules::params`]). Every rule honours the overrides: they
//! are decoded with the catalog's values into the run's typed parameters ([`Policy::rule_params`]).

use crate::findings::Severity;
use crate::rules::catalog;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use toml::Spanned;

/// File name looked for in the scanned folder.
pub const FILE_NAME: &str = "tenantlint.toml";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    #[serde(default)]
    fail_on: Option<Spanned<String>>,
    #[serde(default)]
    rules: BTreeMap<String, Spanned<RawRule>>,
    #[serde(default)]
    exception: Vec<Spanned<RawException>>,
    #[serde(default)]
    fix: BTreeMap<String, Spanned<toml::Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    #[serde(default)]
    severity: Option<String>,
    #[serde(default)]
    enabled: Option<bool>,
    #[serde(default)]
    params: Option<toml::Table>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawException {
    rule: String,
    #[serde(default)]
    subject: Option<String>,
    #[serde(default)]
    fingerprint: Option<String>,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    owner: Option<String>,
    #[serde(default)]
    expires: Option<toml::value::Datetime>,
}

/// A validated policy.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// Display path of the file (empty for the built-in default).
    pub path: String,
    /// Gate threshold: findings at or above this severity fail the gate; `None` = the gate never fails.
    pub fail_on: Option<Severity>,
    /// Per-rule overrides, keyed by rule code.
    pub rules: BTreeMap<String, RuleOverride>,
    /// Exceptions.
    pub exceptions: Vec<Exception>,
    /// The `[fix]` opt-ins set to `true`.
    pub fix_opt_ins: Vec<OptIn>,
}

/// Override of one rule.
#[derive(Debug, Clone, Default)]
pub struct RuleOverride {
    /// New severity.
    pub severity: Option<Severity>,
    /// `false` disables the rule.
    pub enabled: bool,
    /// Parameters merged over the catalog's.
    pub params: toml::Table,
}

/// An accepted risk: a finding of `rule` on `subject` (or with `fingerprint`) that does not fail the gate
/// until `expires`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exception {
    /// Line of the `[[exception]]` entry in the policy file.
    pub line: u32,
    /// Rule code.
    pub rule: String,
    /// Subject id (matches any subject of the finding, case-insensitively).
    pub subject: Option<String>,
    /// Fingerprint.
    pub fingerprint: Option<String>,
    /// Why the risk is accepted.
    pub reason: String,
    /// Who accepted it.
    pub owner: String,
    /// Last day the exception applies (inclusive), `YYYY-MM-DD`.
    pub expires: time::Date,
}

fn line_of(text: &str, offset: usize) -> u32 {
    1 + text.as_bytes()[..offset.min(text.len())].iter().filter(|&&b| b == b'\n').count() as u32
}

/// The nearest catalog code or name to an unknown one (for "did you mean").
fn suggest(unknown: &str) -> Option<String> {
    let u = unknown.to_ascii_lowercase();
    catalog::all()
        .iter()
        .flat_map(|r| [r.code.clone(), r.name.clone()])
        .map(|c| (strsim(&u, &c.to_ascii_lowercase()), c))
        .filter(|(d, c)| *d <= (c.len() / 3).max(2))
        .min()
        .map(|(_, c)| c)
}

/// Levenshtein distance (small strings only).
fn strsim(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push((prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

fn resolve_rule(name: &str) -> Result<String, String> {
    match catalog::get(name) {
        Some(r) => Ok(r.code.clone()),
        None => Err(match suggest(name) {
            Some(s) => format!("unknown rule {name:?} (did you mean {s:?}? see `tenantlint rules`)"),
            None => format!("unknown rule {name:?} (see `tenantlint rules`)"),
        }),
    }
}

fn parse_severity(s: &str) -> Result<Option<Severity>, String> {
    if s.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    Severity::parse(&s.to_ascii_lowercase())
        .map(Some)
        .ok_or_else(|| format!("{s:?} is not a severity (critical, high, medium, low, info, none)"))
}

impl Policy {
    /// Parses and validates policy text; `display` names the file in errors. All problems are reported,
    /// one per line.
    pub fn parse(text: &str, display: &str) -> Result<Policy, String> {
        let raw: RawPolicy = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(0);
            format!("{display}:{line}: {}", e.message().trim())
        })?;
        let mut errors = Vec::new();
        let mut policy = Policy { path: display.to_string(), ..Default::default() };
        if let Some(f) = &raw.fail_on {
            match parse_severity(f.get_ref()) {
                Ok(s) => policy.fail_on = s,
                Err(e) => errors.push(format!("{display}:{}: fail_on: {e}", line_of(text, f.span().start))),
            }
        }
        for (name, r) in &raw.rules {
            let line = line_of(text, r.span().start);
            let code = match resolve_rule(name) {
                Ok(c) => c,
                Err(e) => {
                    errors.push(format!("{display}:{line}: [rules.{name}]: {e}"));
                    continue;
                }
            };
            let rr = r.get_ref();
            let severity = match rr.severity.as_deref().map(parse_severity) {
                Some(Ok(Some(s))) => Some(s),
                Some(Ok(None)) => {
                    errors.push(format!(
                        "{display}:{line}: [rules.{name}]: severity \"none\": use `enabled = false` to disable a rule"
                    ));
                    None
                }
                Some(Err(e)) => {
                    errors.push(format!("{display}:{line}: [rules.{name}]: {e}"));
                    None
                }
                None => None,
            };
            let params = rr.params.clone().unwrap_or_default();
            if let Some(meta) = catalog::get(&code) {
                let before = errors.len();
                for k in params.keys() {
                    if !meta.params.contains_key(k) {
                        let known: Vec<&String> = meta.params.keys().collect();
                        errors.push(format!(
                            "{display}:{line}: [rules.{name}.params]: rule {code} has no parameter {k:?} (it has: {})",
                            if known.is_empty() {
                                "none".to_string()
                            } else {
                                known.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                            }
                        ));
                    }
                }
                if errors.len() == before && !params.is_empty() {
                    // The typed check: the override merged over the catalog's values must decode.
                    let at = format!("{display}:{line}: [rules.{name}.params]: ");
                    errors.extend(crate::rules::params::check_override(meta, &params, &at));
                }
            }
            policy.rules.insert(code, RuleOverride { severity, enabled: rr.enabled.unwrap_or(true), params });
        }
        for e in &raw.exception {
            let line = line_of(text, e.span().start);
            let x = e.get_ref();
            let code = match resolve_rule(&x.rule) {
                Ok(c) => c,
                Err(err) => {
                    errors.push(format!("{display}:{line}: exception: {err}"));
                    continue;
                }
            };
            let mut missing = Vec::new();
            let reason = x.reason.clone().filter(|r| !r.trim().is_empty());
            let owner = x.owner.clone().filter(|r| !r.trim().is_empty());
            if reason.is_none() {
                missing.push("a reason");
            }
            if owner.is_none() {
                missing.push("an owner");
            }
            if x.expires.is_none() {
                missing.push("an expiry date (expires = YYYY-MM-DD)");
            }
            if x.subject.is_none() && x.fingerprint.is_none() {
                missing.push("a subject or a fingerprint");
            }
            if !missing.is_empty() {
                errors.push(format!("{display}:{line}: exception for {code} needs {}", missing.join(", ")));
                continue;
            }
            let expires = match x.expires.and_then(|d| d.date) {
                Some(d) => match time::Month::try_from(d.month)
                    .ok()
                    .and_then(|m| time::Date::from_calendar_date(d.year as i32, m, d.day).ok())
                {
                    Some(d) => d,
                    None => {
                        errors.push(format!("{display}:{line}: exception for {code}: invalid expiry date"));
                        continue;
                    }
                },
                None => {
                    errors.push(format!("{display}:{line}: exception for {code}: expires must be a date (YYYY-MM-DD)"));
                    continue;
                }
            };
            policy.exceptions.push(Exception {
                line,
                rule: code,
                subject: x.subject.clone(),
                fingerprint: x.fingerprint.clone().map(|f| f.to_ascii_lowercase()),
                reason: reason.unwrap_or_default(),
                owner: owner.unwrap_or_default(),
                expires,
            });
        }
        for (key, v) in &raw.fix {
            let line = line_of(text, v.span().start);
            let known = OptIn::ALL;
            match (known.iter().find(|o| o.policy_key() == *key), v.get_ref().as_bool()) {
                (Some(o), Some(on)) => {
                    if on {
                        policy.fix_opt_ins.push(*o);
                    }
                }
                (Some(_), None) => errors.push(format!("{display}:{line}: [fix] {key}: expected true or false")),
                (None, _) => errors.push(format!(
                    "{display}:{line}: [fix]: unknown setting {key:?} (known: {})",
                    known.iter().map(|o| o.policy_key()).collect::<Vec<_>>().join(", ")
                )),
            }
        }
        if errors.is_empty() { Ok(policy) } else { Err(errors.join("\n")) }
    }

    /// Loads a policy: the file given, else `tenantlint.toml` directly inside the first scanned folder
    /// that has one, else the default (no threshold, no overrides).
    pub fn load(given: Option<&Path>, scanned: &[std::path::PathBuf]) -> Result<Policy, String> {
        let path = match given {
            Some(p) => Some(p.to_path_buf()),
            None => scanned.iter().filter(|p| p.is_dir()).map(|p| p.join(FILE_NAME)).find(|p| p.is_file()),
        };
        let Some(path) = path else { return Ok(Policy::default()) };
        let display = crate::ingest::display_path(&path);
        let text = crate::ingest::read_text_file(&path, "policy", crate::ingest::MAX_SETTINGS_FILE_SIZE)?;
        Policy::parse(&text, &display)
    }

    /// Parameter overrides per rule code (`[rules.CODE.params]`).
    pub fn param_overrides(&self) -> BTreeMap<String, toml::Table> {
        self.rules.iter().filter(|(_, r)| !r.params.is_empty()).map(|(c, r)| (c.clone(), r.params.clone())).collect()
    }

    /// The typed rule parameters of a run: the catalog in use with this policy's overrides merged
    /// over it ([`crate::rules::params::RuleParams::load`]); `Err` lists every problem, each naming
    /// the file, the key and the expected type.
    pub fn rule_params(&self) -> Result<crate::rules::params::RuleParams, Vec<String>> {
        crate::rules::params::RuleParams::load(catalog::all(), &self.param_overrides(), &self.path)
    }
}

/// A change the fix files ([`crate::report::fix`]) make only when the user opts in (`--fix-policy`,
/// `[fix]` of the policy file): a business decision rather than a mechanical fix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, clap::ValueEnum)]
pub enum OptIn {
    /// Move a UPN to another suffix (`@fabrikam.local` → `@fabrikam.com`).
    MoveUpnSuffix,
}

impl OptIn {
    /// Every opt-in.
    pub const ALL: &'static [OptIn] = &[OptIn::MoveUpnSuffix];
    /// The `--fix-policy` value.
    pub fn as_str(self) -> &'static str {
        match self {
            OptIn::MoveUpnSuffix => "move-upn-suffix",
        }
    }
    /// The key in the policy file's `[fix]` table.
    pub fn policy_key(self) -> String {
        self.as_str().replace('-', "_")
    }
    /// What it lets the fix files do.
    pub fn describe(self) -> &'static str {
        match self {
            OptIn::MoveUpnSuffix => "UPNs moved to another suffix are applied (a business decision)",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_policy() {
        let p = Policy::parse(
            "fail_on = \"medium\"\n[rules.IN006]\nseverity = \"info\"\n[rules.unattributed-files]\nenabled = false\n\n[[exception]]\nrule = \"IN001\"\nsubject = \"a.csv\"\nreason = \"known\"\nowner = \"me\"\nexpires = 2027-01-31\n",
            "t.toml",
        )
        .unwrap();
        assert_eq!(p.fail_on, Some(Severity::Medium));
        assert_eq!(p.rules["IN006"].severity, Some(Severity::Info));
        assert!(!p.rules["IN007"].enabled, "names resolve to codes");
        assert_eq!(p.exceptions[0].line, 7);
        assert_eq!(p.exceptions[0].expires.to_string(), "2027-01-31");
    }

    #[test]
    fn every_problem_is_reported_with_its_line() {
        let e = Policy::parse(
            "fail_on = \"severe\"\n[rules.IN0O1]\nseverity = \"low\"\n[[exception]]\nrule = \"IN001\"\nsubject = \"x\"\nowner = \"me\"\nexpires = 2027-01-01\n",
            "t.toml",
        )
        .unwrap_err();
        let lines: Vec<&str> = e.lines().collect();
        assert_eq!(lines.len(), 3, "{e}");
        assert!(lines[0].starts_with("t.toml:1: fail_on:"), "{e}");
        assert!(lines[1].starts_with("t.toml:2:") && lines[1].contains("did you mean \"IN001\""), "{e}");
        assert!(lines[2].starts_with("t.toml:4: exception for IN001 needs a reason"), "{e}");
    }

    #[test]
    fn fix_opt_ins_are_read_and_checked() {
        let p = Policy::parse("[fix]\nmove_upn_suffix = true\n", "t.toml").unwrap();
        assert_eq!(p.fix_opt_ins, vec![OptIn::MoveUpnSuffix]);
        assert!(Policy::parse("[fix]\nmove_upn_suffix = false\n", "t.toml").unwrap().fix_opt_ins.is_empty());
        let e = Policy::parse("fail_on = \"high\"\n[fix]\nmove_upn_suffix = \"yes\"\nrename_sam = true\n", "t.toml")
            .unwrap_err();
        let lines: Vec<&str> = e.lines().collect();
        assert_eq!(lines.len(), 2, "{e}");
        assert!(lines[0].starts_with("t.toml:3: [fix] move_upn_suffix: expected true or false"), "{e}");
        assert!(
            lines[1].starts_with("t.toml:4: [fix]: unknown setting \"rename_sam\" (known: move_upn_suffix)"),
            "{e}"
        );
    }

    #[test]
    fn unknown_keys_and_params_are_rejected() {
        let e = Policy::parse("fail_on = \"high\"\nfial = 1\n", "t.toml").unwrap_err();
        assert!(e.starts_with("t.toml:2:") && e.contains("fial"), "{e}");
        let e = Policy::parse("[rules.IN001.params]\nnope = 3\n", "t.toml").unwrap_err();
        assert!(e.contains("has no parameter \"nope\""), "{e}");
        let e = Policy::parse("[rules.upn-too-long.params]\nmax_length = \"long\"\n", "t.toml").unwrap_err();
        assert_eq!(e, "t.toml:1: [rules.upn-too-long.params]: max_length is a string, expected a non-negative integer");
        let p = Policy::parse("[rules.CH004.params]\nmax_length = 50\n", "t.toml").unwrap();
        assert_eq!(p.rule_params().unwrap().ch004.max_length, 50);
    }
}
