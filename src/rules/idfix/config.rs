//! The data of the IdFix rule sets, taken from the typed parameters of IF001..IF008
//! ([`crate::rules::params`]; the values live in the catalog's `params`, never as Rust constants):
//! character sets (IF001), object scope and skip rules (IF001 `scope`), top-level domains (IF003),
//! RFC 2822 classes (IF004, IF005), maximum lengths (IF006) and blank rules (IF008).

use super::charset::{CharSet, fold_str};
use super::rfc2822::Rfc;
use crate::rules::params::types::{BlankParam, CharSetParam};
use crate::rules::params::{
    DedicatedBlanks, DedicatedLengths, DedicatedSets, MultiTenantBlanks, MultiTenantLengths, MultiTenantSets,
    RuleParams,
};
use std::collections::HashSet;
use std::sync::OnceLock;

/// Object scope and skip rules.
#[derive(Debug)]
pub struct Scope {
    /// objectClass names in scope (folded).
    pub classes: Vec<String>,
    /// Dedicated's filter requires this attribute (`mail`).
    pub dedicated_requires_mail: bool,
    /// A `cn` ending with this is skipped (`$`).
    pub cn_suffix: String,
    /// A `cn` starting with one of these (case-insensitive) is skipped.
    pub cn_prefixes: Vec<String>,
    /// A DN containing one of these (case-insensitive) is a replication conflict and is skipped.
    pub conflict_markers: Vec<String>,
    /// Multi-Tenant users: sAMAccountName prefixes skipped.
    pub user_sam_prefixes: Vec<String>,
    /// Multi-Tenant users: mailNickname prefixes skipped.
    pub user_mailnickname_prefixes: Vec<String>,
    /// Multi-Tenant users hidden from address lists whose displayName starts with this are skipped.
    pub user_hidden_displayname_prefix: String,
    /// Multi-Tenant users whose msExchRecipientTypeDetails text equals one of these are skipped.
    pub user_recipient_type_details: Vec<String>,
}

/// A blank rule of one attribute.
#[derive(Debug, Clone)]
pub struct BlankSpec {
    /// objectClass names (folded) the rule applies to.
    pub classes: Vec<String>,
    /// The rule does not apply when this attribute is present (`homeMDB`).
    pub unless_home_mdb: bool,
}

impl BlankSpec {
    /// From its parameter.
    pub fn new(p: &BlankParam) -> Self {
        BlankSpec { classes: p.classes.iter().map(|c| fold_str(c)).collect(), unless_home_mdb: p.unless.is_some() }
    }
}

/// A character set from its parameter.
pub fn char_set(p: &CharSetParam) -> CharSet {
    CharSet::new(p.whitespace, &p.chars)
}

/// The Multi-Tenant rule set's parameters.
#[derive(Debug)]
pub struct MultiTenant {
    /// Character sets (IF001).
    pub sets: MultiTenantSets,
    /// Maximum lengths (IF006).
    pub lengths: MultiTenantLengths,
    /// Blank rules (IF008).
    pub blanks: MultiTenantBlanks,
}

/// The Dedicated rule set's parameters.
#[derive(Debug)]
pub struct Dedicated {
    /// Character sets (IF001).
    pub sets: DedicatedSets,
    /// Maximum lengths (IF006).
    pub lengths: DedicatedLengths,
    /// Blank rules and fix lengths (IF008).
    pub blanks: DedicatedBlanks,
}

/// The whole configuration.
#[derive(Debug)]
pub struct Config {
    /// Scope and skip rules.
    pub scope: Scope,
    /// RFC 2822 sub-rule.
    pub rfc: Rfc,
    /// Multi-Tenant rule set.
    pub multi_tenant: MultiTenant,
    /// Dedicated rule set.
    pub dedicated: Dedicated,
}

impl Config {
    /// The configuration of a run's typed parameters.
    pub fn new(p: &RuleParams) -> Self {
        let s = &p.if001.scope;
        let scope = Scope {
            classes: s.classes.iter().map(|c| fold_str(c)).collect(),
            dedicated_requires_mail: s.dedicated_requires.eq_ignore_ascii_case("mail"),
            cn_suffix: s.cn_suffix.clone(),
            cn_prefixes: s.cn_prefixes.clone(),
            conflict_markers: s.conflict_markers.clone(),
            user_sam_prefixes: s.user_sam_prefixes.clone(),
            user_mailnickname_prefixes: s.user_mailnickname_prefixes.clone(),
            user_hidden_displayname_prefix: s.user_hidden_displayname_prefix.clone(),
            user_recipient_type_details: s.user_recipient_type_details.clone(),
        };
        let tlds: HashSet<String> = p.if003.tlds.iter().map(|t| fold_str(t.trim())).collect();
        let d = &p.if004;
        let atom_chars = &p.if005.atom_chars;
        let rfc = Rfc {
            tlds,
            label: CharSet::new(false, &d.label_chars),
            label_inner: CharSet::new(false, &d.label_inner_chars),
            tld_chars: CharSet::new(false, &d.tld_chars),
            tld_len: (d.tld_min, d.tld_max),
            domain_keep: CharSet::new(false, &d.fix_keep),
            atom: CharSet::new(false, atom_chars),
            local_keep: CharSet::new(false, &format!("{atom_chars}.")),
        };
        Config {
            scope,
            rfc,
            multi_tenant: MultiTenant {
                sets: p.if001.sets.multi_tenant.clone(),
                lengths: p.if006.multi_tenant.clone(),
                blanks: p.if008.multi_tenant.clone(),
            },
            dedicated: Dedicated {
                sets: p.if001.sets.dedicated.clone(),
                lengths: p.if006.dedicated.clone(),
                blanks: p.if008.dedicated.clone(),
            },
        }
    }
}

/// The configuration of the catalog in use without overrides (for callers without a rule context:
/// [`super::findings`], [`super::rows`]).
pub fn get() -> &'static Config {
    static CONFIG: OnceLock<Config> = OnceLock::new();
    CONFIG.get_or_init(|| Config::new(RuleParams::catalog_in_use()))
}
