//! The value types rule parameters are declared with, and how each reads in an error message and in
//! `explain` ([`ParamType`]); plus the small parameter types that validate while decoding
//! ([`ScriptName`], [`HomeMdb`], [`CharSetParam`], [`BlankParam`], [`SignInError`]).

use serde::{Deserialize, Deserializer};

/// A type a rule parameter can be declared with.
pub trait ParamType: serde::de::DeserializeOwned {
    /// What is expected, as an error message and `explain` say it ("a non-negative integer").
    const EXPECTED: &'static str;
    /// The TOML kind of a value of the type (`string`, `integer`, `array`, `table`, `boolean`).
    const KIND: &'static str;
    /// The keys of a nested table declared as a struct (`[params.scope]`), for `explain`.
    const FIELDS: &'static [super::ParamDoc] = &[];
}

macro_rules! param_type {
    ($($ty:ty => $kind:literal, $expected:literal;)*) => {
        $(impl ParamType for $ty {
            const EXPECTED: &'static str = $expected;
            const KIND: &'static str = $kind;
        })*
    };
}

param_type! {
    usize => "integer", "a non-negative integer";
    i64 => "integer", "an integer";
    String => "string", "a string";
    Vec<String> => "array", "an array of strings";
    Vec<i64> => "array", "an array of integers";
    Vec<Vec<String>> => "array", "an array of arrays of strings";
    Vec<ScriptName> => "array", "an array of Unicode script names (Latin, Cyrillic...)";
    Vec<SignInError> => "array", "an array of { code = string, meaning = string } tables";
    CharSetParam => "table", "a table { whitespace = boolean, chars = string }";
    BlankParam => "table", "a table { classes = array of strings, unless = \"homeMDB\" (optional) }";
}

/// The TOML kind of a value, as [`ParamType::KIND`] names it.
pub(super) fn kind(v: &toml::Value) -> &'static str {
    match v {
        toml::Value::String(_) => "string",
        toml::Value::Integer(_) => "integer",
        toml::Value::Float(_) => "float",
        toml::Value::Boolean(_) => "boolean",
        toml::Value::Datetime(_) => "date",
        toml::Value::Array(_) => "array",
        toml::Value::Table(_) => "table",
    }
}

/// A Unicode script named by its Script property full name (`Latin`, `Cyrillic`); an unknown name is
/// refused when the parameters are decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScriptName(pub unicode_script::Script);

impl<'de> Deserialize<'de> for ScriptName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        unicode_script::Script::from_full_name(&s)
            .map(ScriptName)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown Unicode script {s:?}")))
    }
}

/// The only attribute an IdFix blank rule can depend on: `homeMDB` (any case).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HomeMdb;

impl<'de> Deserialize<'de> for HomeMdb {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s.eq_ignore_ascii_case("homeMDB") {
            Ok(HomeMdb)
        } else {
            Err(serde::de::Error::custom(format!("`unless` can only be \"homeMDB\", not {s:?}")))
        }
    }
}

/// An IdFix character set: the characters refused, and whether whitespace is refused too.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CharSetParam {
    /// Whether whitespace is refused.
    pub whitespace: bool,
    /// The characters refused.
    pub chars: String,
}

/// An IdFix blank rule: the object classes it applies to, unless the object has `homeMDB`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlankParam {
    /// objectClass names the rule applies to.
    pub classes: Vec<String>,
    /// The rule does not apply when the object has this attribute.
    #[serde(default)]
    pub unless: Option<HomeMdb>,
}

/// A sign-in error users of a personal account meet (MS001 `errors`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignInError {
    /// The AADSTS code.
    pub code: String,
    /// What it means.
    pub meaning: String,
}

/// Lower-cases every string of a list (most list parameters are compared case-insensitively).
pub fn lower(list: &[String]) -> Vec<String> {
    list.iter().map(|s| s.to_lowercase()).collect()
}
