//! Typed rule parameters: each rule with parameters declares them once, as a struct with a doc
//! line per key ([`declared`]); the values come from the `params` table of the rule's `rule.toml`
//! (embedded, or `--rules DIR`), with the policy file's `[rules.CODE.params]` merged over them, and
//! are decoded and validated once per run into [`RuleParams`]. Rules read them through
//! [`crate::rules::Context::params`] (`ctx.params().ch004.max_length`), never from TOML.
//!
//! - `mod.rs` (here): [`RuleParams::load`] (catalog ⊕ overrides → typed, or every error naming the
//!   file, the key and the expected type), [`check_catalog`] (`--rules DIR`), [`check_override`]
//!   (policy file), [`described`] and [`explained`] (`explain CODE`) and the `rule_params!` /
//!   `param_table!` macros;
//! - [`declared`]: the declarations, one struct per rule (values are never repeated in Rust: the
//!   `rule.toml` files hold them);
//! - [`types`]: the value types ([`types::ParamType`] says how each reads in messages).
//!
//! Overrides merge key by key, tables recursively (`[rules.CH013.params.limits] sn = 80` keeps the
//! other limits); arrays and scalars are replaced.

pub mod declared;
pub mod types;

pub use declared::*;
pub use types::ParamType;

use super::catalog::RuleMeta;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// One parameter as `explain` shows it: key, expected type and doc lines.
#[derive(Debug, Clone, Copy)]
pub struct ParamDoc {
    /// The key in `[params]`.
    pub key: &'static str,
    /// The expected type ("a non-negative integer").
    pub expected: &'static str,
    /// The doc comment of the declaration, one entry per line.
    pub doc: &'static [&'static str],
    /// The keys of a nested table declared as a struct (empty otherwise).
    pub fields: &'static [ParamDoc],
}

/// The `ParamDoc` table of a declaration's fields.
macro_rules! docs_of {
    ($($(#[doc = $doc:literal])* $field:ident $([$key:literal])?: $ty:ty),*) => {
        &[$(
            $crate::rules::params::ParamDoc {
                key: $crate::rules::params::key_of!($field $($key)?),
                expected: <$ty as $crate::rules::params::ParamType>::EXPECTED,
                doc: &[$($doc),*],
                fields: <$ty as $crate::rules::params::ParamType>::FIELDS,
            }
        ),*]
    };
}

/// The key of a declared field: its name, or the literal given in brackets.
macro_rules! key_of {
    ($field:ident) => {
        stringify!($field)
    };
    ($field:ident $key:literal) => {
        $key
    };
}

/// A nested table parameter (`[params.scope]`): a struct whose fields are its keys.
macro_rules! param_table {
    ($(#[doc = $sdoc:literal])* $name:ident ($expected:literal) {
        $($(#[doc = $doc:literal])* $field:ident $([$key:literal])?: $ty:ty),* $(,)?
    }) => {
        $(#[doc = $sdoc])*
        #[derive(Debug, Clone, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $($(#[doc = $doc])* $(#[serde(rename = $key)])? pub $field: $ty,)*
        }
        impl $crate::rules::params::ParamType for $name {
            const EXPECTED: &'static str = $expected;
            const KIND: &'static str = "table";
            const FIELDS: &'static [$crate::rules::params::ParamDoc] =
                $crate::rules::params::docs_of!($($(#[doc = $doc])* $field $([$key])?: $ty),*);
        }
    };
}

/// The parameters of rules: one struct per rule, [`RuleParams`] holding all of them, the
/// `(key, type, doc)` table of each for `explain`, and the decoders.
macro_rules! rule_params {
    ($(
        $(#[doc = $sdoc:literal])*
        $code:literal $slot:ident: $name:ident {
            $($(#[doc = $doc:literal])* $field:ident $([$key:literal])?: $ty:ty),* $(,)?
        }
    )*) => {
        $(
            $(#[doc = $sdoc])*
            #[derive(Debug, Clone, serde::Deserialize)]
            #[serde(deny_unknown_fields)]
            pub struct $name {
                $($(#[doc = $doc])* $(#[serde(rename = $key)])? pub $field: $ty,)*
            }
            impl $name {
                /// The rule these parameters belong to.
                pub const CODE: &'static str = $code;
                /// Key, expected type and doc of each parameter, in declaration order.
                pub const DOCS: &'static [$crate::rules::params::ParamDoc] =
                    $crate::rules::params::docs_of!($($(#[doc = $doc])* $field $([$key])?: $ty),*);
                /// Decodes a `params` table; every problem is pushed to `errors`, prefixed with `at`.
                pub fn decode(t: &toml::Table, at: &str, errors: &mut Vec<String>) -> Option<Self> {
                    let before = errors.len();
                    $crate::rules::params::unknown_keys(t, Self::DOCS, at, errors);
                    $(
                        let key = $crate::rules::params::key_of!($field $($key)?);
                        let $field = $crate::rules::params::field::<$ty>(t, key, at, errors);
                    )*
                    if errors.len() > before {
                        return None;
                    }
                    Some(Self { $($field: $field?,)* })
                }
            }
        )*

        /// Every rule's parameters, typed: built once per run by [`RuleParams::load`]
        /// (catalog in use ⊕ policy overrides) and read by the rules through
        /// [`crate::rules::Context::params`].
        #[derive(Debug, Clone)]
        pub struct RuleParams {
            $(#[doc = concat!("Parameters of ", $code, ".")] pub $slot: $name,)*
        }

        /// The codes of the rules with declared parameters and their `explain` tables.
        pub const DECLARED: &[(&str, &[$crate::rules::params::ParamDoc])] = &[$(($code, $name::DOCS)),*];

        /// Decodes the `params` table of rule `code` (`Err` when `code` declares no parameters).
        pub(super) fn decode_one(code: &str, t: &toml::Table, at: &str, errors: &mut Vec<String>) -> Result<(), ()> {
            match code {
                $($code => { $name::decode(t, at, errors); Ok(()) })*
                _ => Err(()),
            }
        }

        /// Decodes every rule's table: `table(code)` gives the table and the error prefix.
        pub(super) fn decode_all(
            table: &dyn Fn(&str) -> Option<(toml::Table, String)>,
            errors: &mut Vec<String>,
        ) -> Option<RuleParams> {
            $(let $slot = match table($code) {
                Some((t, at)) => $name::decode(&t, &at, errors),
                None => {
                    errors.push(format!(
                        "rule {} is not in the rule catalog (its parameters are read by this build)",
                        $code
                    ));
                    None
                }
            };)*
            Some(RuleParams { $($slot: $slot?,)* })
        }
    };
}

pub(crate) use {docs_of, key_of, param_table, rule_params};

/// Pushes an error for each key of `t` that is not declared.
pub fn unknown_keys(t: &toml::Table, docs: &[ParamDoc], at: &str, errors: &mut Vec<String>) {
    for k in t.keys().filter(|k| !docs.iter().any(|d| d.key == k.as_str())) {
        let expected: Vec<&str> = docs.iter().map(|d| d.key).collect();
        errors.push(format!(
            "{at}{k} is not a parameter of this rule (expected: {})",
            if expected.is_empty() { "none".to_string() } else { expected.join(", ") }
        ));
    }
}

/// Decodes parameter `key` of `t` as a `T`, or pushes an error naming the key and the expected type.
pub fn field<T: ParamType>(t: &toml::Table, key: &str, at: &str, errors: &mut Vec<String>) -> Option<T> {
    let Some(v) = t.get(key) else {
        errors.push(format!("{at}{key} is missing ({} expected)", T::EXPECTED));
        return None;
    };
    match v.clone().try_into::<T>() {
        Ok(x) => Some(x),
        Err(_) if types::kind(v) != T::KIND => {
            errors.push(format!("{at}{key} is {}, expected {}", super::catalog::type_name(v), T::EXPECTED));
            None
        }
        Err(e) => {
            errors.push(format!("{at}{key} is not {}: {}", T::EXPECTED, e.to_string().trim()));
            None
        }
    }
}

/// `over` merged over `base`: key by key, tables recursively; other values are replaced.
pub fn merge(base: &toml::Table, over: &toml::Table) -> toml::Table {
    let mut out = base.clone();
    for (k, v) in over {
        let merged = match (out.get(k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => toml::Value::Table(merge(b, o)),
            _ => v.clone(),
        };
        out.insert(k.clone(), merged);
    }
    out
}

/// The error prefix of a rule file's parameters.
fn catalog_at(meta: &RuleMeta) -> String {
    format!("{}/rule.toml: params.", meta.path)
}

impl RuleParams {
    /// Decodes the parameters of `catalog` (the catalog in use) with `overrides` (policy file
    /// `[rules.CODE.params]`, read from `policy`) merged over them. `Err` holds every problem, each
    /// naming the file, the key and the expected type: the catalog's own first (then no override is
    /// looked at), else the overrides'.
    pub fn load(
        catalog: &[RuleMeta],
        overrides: &BTreeMap<String, toml::Table>,
        policy: &str,
    ) -> Result<RuleParams, Vec<String>> {
        let meta = |code: &str| catalog.iter().find(|m| m.code == code);
        let mut errors = Vec::new();
        check_catalog(catalog, &mut errors);
        if !errors.is_empty() {
            return Err(errors);
        }
        if overrides.is_empty() {
            return decode_all(&|code| meta(code).map(|m| (m.params.clone(), catalog_at(m))), &mut errors)
                .ok_or(errors);
        }
        for code in overrides.keys().filter(|c| !DECLARED.iter().any(|(d, _)| d == c)) {
            errors.push(format!("{policy}: [rules.{code}.params]: rule {code} has no parameters"));
        }
        let merged = decode_all(
            &|code| {
                let m = meta(code)?;
                Some(match overrides.get(code) {
                    Some(o) => (merge(&m.params, o), format!("{policy}: [rules.{code}.params]: ")),
                    None => (m.params.clone(), catalog_at(m)),
                })
            },
            &mut errors,
        );
        match merged {
            Some(p) if errors.is_empty() => Ok(p),
            _ => Err(errors),
        }
    }

    /// The parameters of the catalog in use, without overrides, decoded on first use: for callers
    /// that build [`crate::rules::RuleOptions`] without [`RuleParams::load`] (tests, benches,
    /// library use). The command line always loads them itself and stops with exit code 2 on an
    /// error, so this never fails there; elsewhere an invalid catalog is a programming error
    /// (the embedded one is checked by the tests), reported with every problem.
    pub fn catalog_in_use() -> &'static RuleParams {
        static PARAMS: OnceLock<RuleParams> = OnceLock::new();
        PARAMS.get_or_init(|| match RuleParams::load(super::catalog::all(), &BTreeMap::new(), "") {
            Ok(p) => p,
            Err(e) => panic!("the rule catalog's parameters are invalid:\n{}", e.join("\n")),
        })
    }
}

/// Checks the typed parameters of every rule of a catalog: each rule with a `params` table must
/// declare parameters in this build, and each table must decode. Errors name the file and the key.
pub fn check_catalog(catalog: &[RuleMeta], errors: &mut Vec<String>) {
    for m in catalog {
        if decode_one(&m.code, &m.params, &catalog_at(m), errors).is_err() && !m.params.is_empty() {
            errors.push(format!("{}/rule.toml: rule {} reads no parameters in this build", m.path, m.code));
        }
    }
}

/// Checks a policy override of rule `meta`: `over` merged over the catalog's table must decode.
/// `at` prefixes every error (`tenantlint.toml:3: [rules.CH004.params]: `).
pub fn check_override(meta: &RuleMeta, over: &toml::Table, at: &str) -> Vec<String> {
    let mut errors = Vec::new();
    if decode_one(&meta.code, &merge(&meta.params, over), at, &mut errors).is_err() && !over.is_empty() {
        errors.push(format!("{at}rule {} has no parameters", meta.code));
    }
    errors
}

/// The declared parameters of rule `code` (empty when it has none), for `explain`.
pub fn described(code: &str) -> &'static [ParamDoc] {
    DECLARED.iter().find(|(c, _)| *c == code).map(|(_, d)| *d).unwrap_or(&[])
}

/// The lines `explain` prints for declared parameters: each key (nested tables key by key) with its
/// value in `values` (the catalog in use), then its doc line and expected type, indented.
pub fn explained(declared: &[ParamDoc], values: &toml::Table) -> Vec<String> {
    let mut out = Vec::new();
    explain_into(declared, values, "", &mut out);
    out
}

fn explain_into(declared: &[ParamDoc], values: &toml::Table, prefix: &str, out: &mut Vec<String>) {
    for p in declared {
        let key = if p.key.contains(|c: char| !c.is_ascii_alphanumeric() && c != '_' && c != '-') {
            format!("{prefix}{:?}", p.key)
        } else {
            format!("{prefix}{}", p.key)
        };
        match values.get(p.key) {
            Some(toml::Value::Table(t)) if !p.fields.is_empty() => explain_into(p.fields, t, &format!("{key}."), out),
            v => {
                out.push(format!("{key} = {}", v.map(|v| v.to_string()).unwrap_or_default()));
                let doc: Vec<&str> = p.doc.iter().map(|l| l.trim()).collect();
                out.push(format!("    {} ({})", doc.join(" "), p.expected));
            }
        }
    }
}

#[cfg(test)]
mod tests;
