//! The data of the IdFix rule sets, read once from the catalog's `params` (never duplicated as Rust
//! constants): character sets (IF001), object scope and skip rules (IF001 `scope`), top-level
//! domains (IF003), RFC 2822 classes (IF004, IF005), maximum lengths (IF006) and blank rules (IF008).

use super::charset::{CharSet, fold_str};
use super::rfc2822::Rfc;
use super::{IdfixMode, codes};
use crate::rules::catalog;
use std::collections::{BTreeMap, HashSet};
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

/// Everything one rule set needs.
#[derive(Debug)]
pub struct ModeConfig {
    /// Character sets by key (`userPrincipalName`, `proxyAddresses:smtp`...).
    pub sets: BTreeMap<String, CharSet>,
    /// Maximum lengths by key (`displayName`, `sAMAccountName:other`...).
    pub lengths: BTreeMap<String, usize>,
    /// Blank rules by attribute.
    pub blanks: BTreeMap<String, BlankSpec>,
    /// Other integer parameters of the blank rules (`displayName_fix_max`...).
    pub blank_limits: BTreeMap<String, usize>,
}

impl ModeConfig {
    /// Character set `key`; panics with the key when the catalog lacks it (checked by tests).
    pub fn set(&self, key: &str) -> CharSet {
        self.sets.get(key).cloned().unwrap_or_else(|| panic!("IF001 params.sets lacks {key:?}"))
    }
    /// Maximum length `key`.
    pub fn len(&self, key: &str) -> usize {
        *self.lengths.get(key).unwrap_or_else(|| panic!("IF006 params lacks {key:?}"))
    }
    /// Blank rule of `attr`.
    pub fn blank(&self, attr: &str) -> BlankSpec {
        self.blanks.get(attr).cloned().unwrap_or_else(|| panic!("IF008 params lacks {attr:?}"))
    }
    /// Integer parameter of the blank rules.
    pub fn blank_limit(&self, key: &str) -> usize {
        *self.blank_limits.get(key).unwrap_or_else(|| panic!("IF008 params lacks {key:?}"))
    }
}

/// The whole configuration.
#[derive(Debug)]
pub struct Config {
    /// Scope and skip rules.
    pub scope: Scope,
    /// RFC 2822 sub-rule.
    pub rfc: Rfc,
    /// Multi-Tenant rule set.
    pub multi_tenant: ModeConfig,
    /// Dedicated rule set.
    pub dedicated: ModeConfig,
}

impl Config {
    /// The configuration of `mode`.
    pub fn mode(&self, mode: IdfixMode) -> &ModeConfig {
        match mode {
            IdfixMode::MultiTenant => &self.multi_tenant,
            IdfixMode::Dedicated => &self.dedicated,
        }
    }
}

/// The configuration built from the embedded catalog.
pub fn get() -> &'static Config {
    static CONFIG: OnceLock<Config> = OnceLock::new();
    CONFIG.get_or_init(|| from_catalog().unwrap_or_else(|e| panic!("invalid IdFix parameters in rules/idfix: {e}")))
}

fn params(code: &str) -> Result<&'static toml::Table, String> {
    catalog::get(code).map(|m| &m.params).ok_or_else(|| format!("rule {code} missing from the catalog"))
}

fn table<'a>(t: &'a toml::Table, key: &str, ctx: &str) -> Result<&'a toml::Table, String> {
    t.get(key).and_then(|v| v.as_table()).ok_or_else(|| format!("{ctx}: `{key}` must be a table"))
}

fn string(t: &toml::Table, key: &str, ctx: &str) -> Result<String, String> {
    t.get(key).and_then(|v| v.as_str()).map(str::to_string).ok_or_else(|| format!("{ctx}: `{key}` must be a string"))
}

fn strings(t: &toml::Table, key: &str, ctx: &str) -> Result<Vec<String>, String> {
    let a = t.get(key).and_then(|v| v.as_array()).ok_or_else(|| format!("{ctx}: `{key}` must be an array"))?;
    a.iter()
        .map(|v| v.as_str().map(str::to_string).ok_or_else(|| format!("{ctx}: `{key}` holds a non-string")))
        .collect()
}

fn usize_of(v: &toml::Value, ctx: &str) -> Result<usize, String> {
    v.as_integer().and_then(|i| usize::try_from(i).ok()).ok_or_else(|| format!("{ctx}: must be a non-negative integer"))
}

fn char_set(v: &toml::Value, ctx: &str) -> Result<CharSet, String> {
    let t = v.as_table().ok_or_else(|| format!("{ctx}: must be {{ whitespace = bool, chars = string }}"))?;
    let ws =
        t.get("whitespace").and_then(|v| v.as_bool()).ok_or_else(|| format!("{ctx}: `whitespace` must be a bool"))?;
    Ok(CharSet::new(ws, &string(t, "chars", ctx)?))
}

fn mode_config(mode: &str) -> Result<ModeConfig, String> {
    let sets = table(table(params(codes::CHARACTER)?, "sets", "IF001")?, mode, "IF001 sets")?
        .iter()
        .map(|(k, v)| Ok((k.clone(), char_set(v, &format!("IF001 sets.{mode}.{k}"))?)))
        .collect::<Result<_, String>>()?;
    let lengths = table(params(codes::LENGTH)?, mode, "IF006")?
        .iter()
        .map(|(k, v)| Ok((k.clone(), usize_of(v, &format!("IF006 {mode}.{k}"))?)))
        .collect::<Result<_, String>>()?;
    let mut blanks = BTreeMap::new();
    let mut blank_limits = BTreeMap::new();
    for (k, v) in table(params(codes::BLANK)?, mode, "IF008")? {
        let ctx = format!("IF008 {mode}.{k}");
        match v {
            toml::Value::Table(t) => {
                let classes = strings(t, "classes", &ctx)?.iter().map(|c| fold_str(c)).collect();
                let unless_home_mdb = match t.get("unless") {
                    None => false,
                    Some(u) if u.as_str().is_some_and(|s| s.eq_ignore_ascii_case("homeMDB")) => true,
                    Some(_) => return Err(format!("{ctx}: `unless` can only be \"homeMDB\"")),
                };
                blanks.insert(k.clone(), BlankSpec { classes, unless_home_mdb });
            }
            _ => {
                blank_limits.insert(k.clone(), usize_of(v, &ctx)?);
            }
        }
    }
    Ok(ModeConfig { sets, lengths, blanks, blank_limits })
}

fn from_catalog() -> Result<Config, String> {
    let s = table(params(codes::CHARACTER)?, "scope", "IF001")?;
    let ctx = "IF001 scope";
    let scope = Scope {
        classes: strings(s, "classes", ctx)?.iter().map(|c| fold_str(c)).collect(),
        dedicated_requires_mail: string(s, "dedicated_requires", ctx)?.eq_ignore_ascii_case("mail"),
        cn_suffix: string(s, "cn_suffix", ctx)?,
        cn_prefixes: strings(s, "cn_prefixes", ctx)?,
        conflict_markers: strings(s, "conflict_markers", ctx)?,
        user_sam_prefixes: strings(s, "user_sam_prefixes", ctx)?,
        user_mailnickname_prefixes: strings(s, "user_mailnickname_prefixes", ctx)?,
        user_hidden_displayname_prefix: string(s, "user_hidden_displayname_prefix", ctx)?,
        user_recipient_type_details: strings(s, "user_recipient_type_details", ctx)?,
    };
    let tlds: HashSet<String> =
        strings(params(codes::TOP_LEVEL_DOMAIN)?, "tlds", "IF003")?.iter().map(|t| fold_str(t.trim())).collect();
    let d = params(codes::DOMAIN_PART)?;
    let l = params(codes::LOCAL_PART)?;
    let atom_chars = string(l, "atom_chars", "IF005")?;
    let rfc = Rfc {
        tlds,
        label: CharSet::new(false, &string(d, "label_chars", "IF004")?),
        label_inner: CharSet::new(false, &string(d, "label_inner_chars", "IF004")?),
        tld_chars: CharSet::new(false, &string(d, "tld_chars", "IF004")?),
        tld_len: (
            usize_of(d.get("tld_min").ok_or("IF004: `tld_min` missing")?, "IF004 tld_min")?,
            usize_of(d.get("tld_max").ok_or("IF004: `tld_max` missing")?, "IF004 tld_max")?,
        ),
        domain_keep: CharSet::new(false, &string(d, "fix_keep", "IF004")?),
        atom: CharSet::new(false, &atom_chars),
        local_keep: CharSet::new(false, &format!("{atom_chars}.")),
    };
    Ok(Config {
        scope,
        rfc,
        multi_tenant: mode_config(IdfixMode::MultiTenant.as_str())?,
        dedicated: mode_config(IdfixMode::Dedicated.as_str())?,
    })
}
