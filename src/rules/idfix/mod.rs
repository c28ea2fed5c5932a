//! Family `idfix` (IF…): IdFix parity mode (`scan --idfix multi-tenant|dedicated`).
//!
//! Reproduces the verdicts of Microsoft IdFix 2.6 (retired) on an offline estate, row for row:
//! object scope and skip rules, the per-attribute chains of sub-rules with fix propagation, the
//! ERROR text, the proposed value (UPDATE) and action, and IdFix's duplicate semantics — including
//! its known mistakes (a frozen TLD list, the apostrophe in UPNs, dead checks), which the rules'
//! catalog entries spell out. The specification is `idfix.md` of the project's research notes.
//!
//! # Codes
//! One code per IdFix error flag, so that each finding has one category and one meaning:
//! IF001 `Character`, IF002 `Format`, IF003 `TopLevelDomain`, IF004 `DomainPart`, IF005
//! `LocalPart`, IF006 `Length`, IF007 `Duplicate` (category `duplicates`), IF008 `Blank` (the others:
//! `bad-characters`). An IdFix row whose ERROR names several flags (`Character, TopLevelDomain`)
//! gives one finding per distinct flag; all of them carry the whole row in their evidence with the
//! same `row` number, which is how the `idfix-csv` report writes each row once.
//!
//! # Data
//! Character sets, lengths, blank rules, top-level domains, RFC 2822 classes and the scope and skip
//! rules are parameters in the catalog (`rules/idfix/*/rule.toml`), typed in [`crate::rules::params`] and
//! gathered by [`config`]; the
//! chain structure (which sub-rule follows which) is code, in [`engine::chains`].
//!
//! # Determinism and cost
//! Objects are ordered by DN (case-insensitive, then exact), objectGUID, file and line before the
//! duplicate store sees them, so "first seen" and the output never depend on input order. Chains
//! run in parallel per object; duplicates are one hash lookup per value: linear overall, where IdFix
//! was quadratic. Character checks use precomputed tables ([`charset`]); no regex is compiled.

pub mod charset;
pub mod config;
pub mod engine;
pub mod rfc2822;
pub mod scope;

use crate::findings::{Finding, Subject};
use crate::model::{AdObject, Estate};
use crate::rules::catalog;
use rayon::prelude::*;
use serde_json::Value;
use std::collections::BTreeMap;

pub use engine::Row;

/// The IdFix rule set to reproduce.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, clap::ValueEnum)]
pub enum IdfixMode {
    /// IdFix's default rule set, for Microsoft 365 multi-tenant.
    MultiTenant,
    /// IdFix's rule set for the legacy Dedicated/ITAR service.
    Dedicated,
}

impl IdfixMode {
    /// `multi-tenant` or `dedicated`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MultiTenant => "multi-tenant",
            Self::Dedicated => "dedicated",
        }
    }
}

impl std::str::FromStr for IdfixMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim() {
            "multi-tenant" => Ok(Self::MultiTenant),
            "dedicated" => Ok(Self::Dedicated),
            other => Err(format!("unknown IdFix rule set {other:?}: expected multi-tenant or dedicated")),
        }
    }
}

/// IdFix's proposed actions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// Apply UPDATE.
    Edit,
    /// Nothing to do (IdFix considers the duplicate handled).
    Complete,
    /// Remove the value.
    Remove,
}

impl Action {
    /// As shown in IdFix's ACTION drop-down (`EDIT`...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Edit => "EDIT",
            Self::Complete => "COMPLETE",
            Self::Remove => "REMOVE",
        }
    }
    /// The .NET enum name IdFix writes in the PROPOSEDACTION column of its CSV (`Edit`...).
    pub fn enum_name(self) -> &'static str {
        match self {
            Self::Edit => "Edit",
            Self::Complete => "Complete",
            Self::Remove => "Remove",
        }
    }
    /// Parses [`Action::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Edit, Self::Complete, Self::Remove].into_iter().find(|a| a.as_str() == s)
    }
}

/// IdFix's error flags (a .NET `[Flags]` enum) and their rule codes.
pub mod flags {
    /// Format.
    pub const FORMAT: u8 = 1;
    /// Blank.
    pub const BLANK: u8 = 2;
    /// Duplicate.
    pub const DUPLICATE: u8 = 4;
    /// Character.
    pub const CHARACTER: u8 = 8;
    /// TopLevelDomain.
    pub const TOP_LEVEL_DOMAIN: u8 = 16;
    /// DomainPart.
    pub const DOMAIN_PART: u8 = 32;
    /// LocalPart.
    pub const LOCAL_PART: u8 = 64;
    /// Length.
    pub const LENGTH: u8 = 128;

    /// Every flag in ascending value order: (flag, name, rule code).
    pub const ALL: [(u8, &str, &str); 8] = [
        (FORMAT, "Format", super::codes::FORMAT),
        (BLANK, "Blank", super::codes::BLANK),
        (DUPLICATE, "Duplicate", super::codes::DUPLICATE),
        (CHARACTER, "Character", super::codes::CHARACTER),
        (TOP_LEVEL_DOMAIN, "TopLevelDomain", super::codes::TOP_LEVEL_DOMAIN),
        (DOMAIN_PART, "DomainPart", super::codes::DOMAIN_PART),
        (LOCAL_PART, "LocalPart", super::codes::LOCAL_PART),
        (LENGTH, "Length", super::codes::LENGTH),
    ];

    /// A combined value as .NET prints it: names in ascending value order, joined with `, `.
    pub fn names(f: u8) -> String {
        ALL.iter().filter(|(v, _, _)| f & v != 0).map(|(_, n, _)| *n).collect::<Vec<_>>().join(", ")
    }
}

/// Rule codes of the family.
pub mod codes {
    /// `Character`.
    pub const CHARACTER: &str = "IF001";
    /// `Format`.
    pub const FORMAT: &str = "IF002";
    /// `TopLevelDomain`.
    pub const TOP_LEVEL_DOMAIN: &str = "IF003";
    /// `DomainPart`.
    pub const DOMAIN_PART: &str = "IF004";
    /// `LocalPart`.
    pub const LOCAL_PART: &str = "IF005";
    /// `Length`.
    pub const LENGTH: &str = "IF006";
    /// `Duplicate`.
    pub const DUPLICATE: &str = "IF007";
    /// `Blank`.
    pub const BLANK: &str = "IF008";
}

/// IdFix's rows for `objects` under `mode` (see [`engine::evaluate`]), with the catalog's parameters.
pub fn rows(objects: &[AdObject], mode: IdfixMode) -> Vec<Row> {
    engine::evaluate(objects, mode, config::get())
}

fn subject(o: &AdObject) -> Subject {
    let id = o
        .object_guid
        .map(|g| g.to_string())
        .or_else(|| o.dn.as_deref().map(String::from))
        .or_else(|| scope::cn_of(o))
        .unwrap_or_default();
    Subject { kind: "ad-object".into(), id, display: o.label(), source: Some(o.source) }
}

/// The finding's remediation: what IdFix proposes for this row, and where the rule is explained
/// (the catalog's full remediation text is not repeated in every one of possibly millions of findings).
fn remediation(row: &Row, code: &str) -> String {
    let what = match row.action {
        Action::Complete => format!(
            "IdFix proposes COMPLETE (no change) for {} `{}`: the object has a mail nickname, so IdFix leaves the duplicate to Exchange.",
            row.attribute, row.value
        ),
        Action::Remove => format!("IdFix proposes REMOVE: delete the value `{}` from {}.", row.value, row.attribute),
        _ if row.update.is_empty() => format!("IdFix proposes no value for {}: set one by hand.", row.attribute),
        _ if row.update == row.value => {
            format!("IdFix proposes EDIT with the value unchanged (`{}`): change it by hand.", row.value)
        }
        _ => format!("IdFix proposes EDIT: set {} to `{}`.", row.attribute, row.update),
    };
    format!("{what} See `tenantlint explain {code}`.")
}

/// The findings of a rule set over the estate's AD objects, with the catalog's parameters
/// ([`findings_with`]).
pub fn findings(estate: &Estate, mode: IdfixMode) -> Vec<Finding> {
    findings_with(estate, mode, config::get())
}

/// The findings of a rule set over the estate's AD objects under the configuration of a run's
/// parameters ([`config::Config::new`]): one per IdFix row and distinct flag.
pub fn findings_with(estate: &Estate, mode: IdfixMode, cfg: &config::Config) -> Vec<Finding> {
    let objects = &estate.ad_objects;
    let rows = engine::evaluate(objects, mode, cfg);
    rows.par_iter()
        .enumerate()
        .flat_map_iter(|(n, row)| {
            let o = &objects[row.object];
            let class = objects[row.class_of].class.as_str().to_string();
            let dn = o.dn.clone().unwrap_or_default();
            let cn = scope::cn_of(o).unwrap_or_default();
            let mut evidence: BTreeMap<String, Value> = BTreeMap::new();
            for (k, v) in [
                ("dn", dn.as_str()),
                ("cn", cn.as_str()),
                ("objectclass", class.as_str()),
                ("attribute", row.attribute),
                ("error", row.error.as_str()),
                ("value", row.value.as_str()),
                ("update", row.update.as_str()),
                ("action", row.action.as_str()),
                ("mode", mode.as_str()),
            ] {
                evidence.insert(k.to_string(), Value::String(v.to_string()));
            }
            evidence.insert("row".to_string(), Value::from(n + 1));
            let mut subjects = vec![subject(o)];
            if let Some(other) = row.other {
                let other = &objects[other];
                subjects.push(subject(other));
                evidence
                    .insert("other_dn".to_string(), Value::String(other.dn.as_deref().unwrap_or_default().to_string()));
            }
            let mut discriminator = format!("{}\u{0}{}", row.attribute, row.value);
            if row.first_holder {
                discriminator.push_str("\u{0}first-holder");
            }
            let title = if row.value.is_empty() {
                format!("{} of {cn}: {} (IdFix {})", row.attribute, row.error, mode.as_str())
            } else {
                format!("{} `{}`: {} (IdFix {})", row.attribute, row.value, row.error, mode.as_str())
            };
            flags::ALL
                .iter()
                .filter(|(f, _, _)| row.flags & f != 0)
                .map(|&(_, name, code)| {
                    let meta = catalog::get(code);
                    let mut evidence = evidence.clone();
                    evidence.insert("flag".to_string(), Value::String(name.to_string()));
                    Finding {
                        rule: code.to_string(),
                        category: meta.map(|m| m.category()).unwrap_or(crate::findings::Category::BadCharacters),
                        severity: meta.map(|m| m.severity()).unwrap_or(crate::findings::Severity::Medium),
                        title: title.clone(),
                        subjects: subjects.clone(),
                        evidence: evidence.into(),
                        remediation: remediation(row, code),
                        discriminator: discriminator.clone(),
                        caused_by: None,
                        consequences: Vec::new(),
                    }
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

#[cfg(test)]
mod tests;
