//! The rule catalog: rule metadata declared once as data in `rules/<family>/<CODE>-<name>/rule.toml`,
//! embedded at build time (see `build.rs`).

use crate::findings::{Category, Severity};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
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
    /// What to do in each case the logic tells apart, when one text cannot fit all of them (the
    /// AN008 latent case needs no change, its mismatch case needs a command): case name → text. A
    /// finding of such a case carries that text instead of [`RuleMeta::remediation`], so it never
    /// refers to evidence the case does not have (see [`crate::rules::finding_case`]).
    #[serde(default)]
    pub remediation_cases: BTreeMap<String, String>,
    /// Documentation links.
    #[serde(default)]
    pub references: Vec<String>,
    /// Parameters (character sets, lengths, exclusions...): the values of the rule's typed
    /// parameters, declared (with their docs) in [`super::params::declared`].
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

/// The embedded catalog, or why it does not parse (checked by the tests; the command line stops with
/// exit code 2 on it before anything else).
pub fn try_builtin() -> Result<&'static [RuleMeta], &'static str> {
    static CATALOG: OnceLock<Result<Vec<RuleMeta>, String>> = OnceLock::new();
    match CATALOG.get_or_init(|| parse(embedded::SOURCES)) {
        Ok(rules) => Ok(rules),
        Err(e) => Err(e),
    }
}

/// The embedded catalog (empty when it does not parse: see [`try_builtin`]).
pub fn builtin() -> &'static [RuleMeta] {
    try_builtin().unwrap_or(&[])
}

/// A catalog loaded with `--rules DIR` ([`install`]), used instead of the embedded one.
static INSTALLED: OnceLock<Vec<RuleMeta>> = OnceLock::new();

/// The catalog in use: the one [`install`]ed (`--rules DIR`), else the embedded one.
pub fn all() -> &'static [RuleMeta] {
    INSTALLED.get().map(Vec::as_slice).unwrap_or_else(builtin)
}

/// Makes `rules` (from [`load_dir`]) the catalog of this process. Call it before anything reads the
/// catalog; it can be called once (a second call is refused).
pub fn install(rules: Vec<RuleMeta>) -> Result<(), String> {
    INSTALLED.set(rules).map_err(|_| "a rule catalog is already installed".to_string())
}

/// Looks up a rule by code or name in the catalog in use: the first rule whose code is
/// `code_or_name` in any ASCII case, or whose name is `code_or_name`. Hashed (every finding is built
/// and reported through a lookup; tens of thousands at a million objects).
pub fn get(code_or_name: &str) -> Option<&'static RuleMeta> {
    static BUILTIN_INDEX: OnceLock<Index> = OnceLock::new();
    static INSTALLED_INDEX: OnceLock<Index> = OnceLock::new();
    let (rules, index) = match INSTALLED.get() {
        Some(rules) => (rules.as_slice(), INSTALLED_INDEX.get_or_init(|| Index::of(rules))),
        None => (builtin(), BUILTIN_INDEX.get_or_init(|| Index::of(builtin()))),
    };
    let code = if code_or_name.bytes().any(|b| b.is_ascii_lowercase()) {
        std::borrow::Cow::Owned(code_or_name.to_ascii_uppercase())
    } else {
        std::borrow::Cow::Borrowed(code_or_name)
    };
    let by_code = index.by_code.get(&*code).copied();
    let by_name = index.by_name.get(code_or_name).copied();
    by_code.into_iter().chain(by_name).min().map(|i| &rules[i])
}

/// Where each code (upper-cased) and each name first occurs in a catalog.
struct Index {
    by_code: crate::hash::FastMap<String, usize>,
    by_name: crate::hash::FastMap<&'static str, usize>,
}

impl Index {
    fn of(rules: &'static [RuleMeta]) -> Self {
        let mut index = Index { by_code: Default::default(), by_name: Default::default() };
        for (i, r) in rules.iter().enumerate() {
            index.by_code.entry(r.code.to_ascii_uppercase()).or_insert(i);
            index.by_name.entry(r.name.as_str()).or_insert(i);
        }
        index
    }
}

/// Reads a catalog folder laid out like `rules/` (`<family>/<CODE>-<name>/rule.toml`) and
/// validates it against the logic of this build ([`validate`]), then with `typed` (the typed
/// parameter check, [`crate::rules::load_catalog_dir`] passes it: the catalog does not know the
/// parameter declarations). `Err` holds one message per problem, each starting with the file (or
/// folder) it is about.
pub fn load_dir(dir: &Path, typed: impl Fn(&[RuleMeta], &mut Vec<String>)) -> Result<Vec<RuleMeta>, Vec<String>> {
    let shown = dir.display().to_string().replace('\\', "/");
    let shown = shown.trim_end_matches('/');
    if !dir.is_dir() {
        return Err(vec![format!(
            "{shown}: --rules must name a folder laid out like rules/ (<family>/<CODE>-<name>/rule.toml)"
        )]);
    }
    let mut files = Vec::new();
    let mut errors = Vec::new();
    collect_rule_files(dir, &mut files, &mut errors);
    files.sort();
    let mut texts = Vec::new();
    for f in &files {
        let rel = f.strip_prefix(dir).unwrap_or(f).to_string_lossy().replace('\\', "/");
        match std::fs::read_to_string(f) {
            Ok(t) => texts.push((format!("{shown}/{rel}"), t)),
            Err(e) => errors.push(format!("{shown}/{rel}: {e}")),
        }
    }
    if texts.is_empty() && errors.is_empty() {
        errors.push(format!("{shown}: no <family>/<CODE>-<name>/rule.toml files in this folder"));
    }
    let mut rules = Vec::new();
    let mut unreadable: Vec<String> = Vec::new();
    for (path, text) in &texts {
        // One file at a time, so that every broken file is reported.
        match parse(&[(path.as_str(), text.as_str())]) {
            Ok(mut r) => rules.append(&mut r),
            Err(e) => {
                errors.push(e);
                // Its code (from the folder name) is not reported as missing as well.
                let folder = path.trim_end_matches("/rule.toml").rsplit('/').next().unwrap_or("");
                unreadable.push(folder.split('-').next().unwrap_or("").to_string());
            }
        }
    }
    rules.sort_by(|a, b| a.code.cmp(&b.code));
    for w in rules.windows(2) {
        if w[0].code == w[1].code {
            errors.push(format!(
                "{}/rule.toml: rule code {} is also declared in {}/rule.toml",
                w[1].path, w[1].code, w[0].path
            ));
        }
    }
    errors.extend(
        validate(&rules, builtin(), shown)
            .into_iter()
            .filter(|e| !unreadable.iter().any(|c| e.contains(&format!(" rule {c} (")))),
    );
    // The typed parameters (values the structural check cannot judge: a negative length, an unknown
    // script name), for the files that passed it.
    let clean: Vec<RuleMeta> = rules
        .iter()
        .filter(|r| !errors.iter().any(|e| e.starts_with(&format!("{}/rule.toml:", r.path))))
        .cloned()
        .collect();
    typed(&clean, &mut errors);
    if errors.is_empty() { Ok(rules) } else { Err(errors) }
}

fn collect_rule_files(dir: &Path, out: &mut Vec<PathBuf>, errors: &mut Vec<String>) {
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) => {
            errors.push(format!("{}: {e}", dir.display()));
            return;
        }
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect_rule_files(&p, out, errors);
        } else if p.file_name().is_some_and(|n| n == "rule.toml") {
            out.push(p);
        }
    }
}

/// Checks a loaded catalog against `logic` (the embedded catalog, which lists exactly the codes the
/// rule logic of this build emits and the parameters it reads): each rule sits in the folder of its
/// family; no code the logic does not know; no family or rule of the logic missing (its findings
/// would have no metadata); the same family per code; each parameter present, of the same type
/// (integers are accepted for floats; array elements and nested tables are checked too), and no
/// unknown parameter (a misspelt key would silently fall back to nothing).
pub fn validate(rules: &[RuleMeta], logic: &[RuleMeta], dir: &str) -> Vec<String> {
    let mut errors = Vec::new();
    let known: BTreeMap<&str, &RuleMeta> = logic.iter().map(|r| (r.code.as_str(), r)).collect();
    let loaded: BTreeMap<&str, &RuleMeta> = rules.iter().map(|r| (r.code.as_str(), r)).collect();
    for r in rules {
        let file = format!("{}/rule.toml", r.path);
        let parent = r.path.rsplit('/').nth(1).unwrap_or("");
        if parent != r.family {
            errors.push(format!(
                "{file}: family {:?} but the rule is in folder {parent:?} (expected {}/{}/{}-{})",
                r.family, dir, r.family, r.code, r.name
            ));
        }
        let Some(k) = known.get(r.code.as_str()) else {
            let same: Vec<&str> = logic.iter().filter(|l| l.family == r.family).map(|l| l.code.as_str()).collect();
            errors.push(match same.as_slice() {
                [] => format!(
                    "{file}: unknown rule code {}: this build has no logic for it (and no family {:?})",
                    r.code, r.family
                ),
                [first, .., last] => format!(
                    "{file}: unknown rule code {}: this build has no logic for it (family {} has {first}..{last})",
                    r.code, r.family
                ),
                [one] => format!(
                    "{file}: unknown rule code {}: this build has no logic for it (family {} has {one})",
                    r.code, r.family
                ),
            });
            continue;
        };
        if k.family != r.family {
            errors
                .push(format!("{file}: {} belongs to family {:?} in this build, not {:?}", r.code, k.family, r.family));
        }
        check_params(&file, "params", &k.params, &r.params, &mut errors);
        for case in k.remediation_cases.keys().filter(|c| !r.remediation_cases.contains_key(*c)) {
            errors.push(format!(
                "{file}: remediation_cases.{case} is missing (the logic of {} reports that case)",
                r.code
            ));
        }
    }
    let mut families: BTreeMap<&str, Vec<&RuleMeta>> = BTreeMap::new();
    for k in logic.iter().filter(|k| !loaded.contains_key(k.code.as_str())) {
        families.entry(k.family.as_str()).or_default().push(k);
    }
    for (family, missing) in families {
        let all_of_family = logic.iter().filter(|k| k.family == family).count();
        if missing.len() == all_of_family {
            errors.push(format!(
                "{dir}/{family}: family {family:?} is missing ({} rules, e.g. {}/{}/{}-{}/rule.toml)",
                missing.len(),
                dir,
                family,
                missing[0].code,
                missing[0].name
            ));
        } else {
            for m in missing {
                errors.push(format!(
                    "{dir}/{family}: rule {} ({}) is missing (expected {dir}/{family}/{}-{}/rule.toml)",
                    m.code, m.name, m.code, m.name
                ));
            }
        }
    }
    errors
}

/// How a TOML value's type reads in an error message ("a string", "an array of integers").
pub(crate) fn type_name(v: &toml::Value) -> String {
    match v {
        toml::Value::String(_) => "a string".into(),
        toml::Value::Integer(_) => "an integer".into(),
        toml::Value::Float(_) => "a float".into(),
        toml::Value::Boolean(_) => "a boolean".into(),
        toml::Value::Datetime(_) => "a date".into(),
        toml::Value::Array(a) => match a.first() {
            Some(x) => format!("an array of {}", type_name(x).trim_start_matches("an ").trim_start_matches("a ")),
            None => "an array".into(),
        },
        toml::Value::Table(_) => "a table".into(),
    }
}

fn same_type(want: &toml::Value, got: &toml::Value) -> bool {
    use toml::Value as V;
    matches!(
        (want, got),
        (V::String(_), V::String(_))
            | (V::Integer(_), V::Integer(_))
            | (V::Float(_), V::Float(_) | V::Integer(_))
            | (V::Boolean(_), V::Boolean(_))
            | (V::Datetime(_), V::Datetime(_))
            | (V::Array(_), V::Array(_))
            | (V::Table(_), V::Table(_))
    )
}

fn check_params(file: &str, at: &str, want: &toml::Table, got: &toml::Table, errors: &mut Vec<String>) {
    for (k, w) in want {
        let key = format!("{at}.{k}");
        let Some(g) = got.get(k) else {
            errors.push(format!("{file}: {key} is missing ({} expected)", type_name(w)));
            continue;
        };
        check_value(file, &key, w, g, errors);
    }
    for k in got.keys().filter(|k| !want.contains_key(*k)) {
        let expected: Vec<&str> = want.keys().map(String::as_str).collect();
        errors.push(format!(
            "{file}: {at}.{k} is not a parameter of this rule (expected: {})",
            if expected.is_empty() { "none".to_string() } else { expected.join(", ") }
        ));
    }
}

fn check_value(file: &str, key: &str, want: &toml::Value, got: &toml::Value, errors: &mut Vec<String>) {
    if !same_type(want, got) {
        errors.push(format!("{file}: {key} is {}, expected {}", type_name(got), type_name(want)));
        return;
    }
    match (want, got) {
        (toml::Value::Array(w), toml::Value::Array(g)) => {
            if let Some(w0) = w.first() {
                for (i, x) in g.iter().enumerate() {
                    check_value(file, &format!("{key}[{i}]"), w0, x, errors);
                }
            }
        }
        (toml::Value::Table(w), toml::Value::Table(g)) => check_params(file, key, w, g, errors),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_is_found_by_its_code_in_any_case_and_by_its_name() {
        let rules = builtin();
        assert!(rules.len() > 50, "{}", rules.len());
        for r in rules {
            for key in [r.code.clone(), r.code.to_ascii_lowercase(), r.name.clone()] {
                let found = get(&key).map(|m| m.code.as_str());
                // The first rule a scan of the catalog finds.
                let scanned = rules.iter().find(|x| x.code.eq_ignore_ascii_case(&key) || x.name == key);
                assert_eq!(found, scanned.map(|m| m.code.as_str()), "{key}");
                assert_eq!(found, Some(r.code.as_str()), "{key}");
            }
        }
        assert!(get("ZZ999").is_none() && get("").is_none() && get(&rules[0].name.to_uppercase()).is_none());
    }

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
    fn the_repository_folder_loads_as_the_embedded_catalog() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
        let loaded = crate::rules::load_catalog_dir(&dir).unwrap_or_else(|e| panic!("{}", e.join("\n")));
        assert_eq!(loaded.len(), builtin().len());
        assert!(validate(builtin(), builtin(), "rules").is_empty());
    }

    #[test]
    fn validation_checks_codes_families_and_parameter_types() {
        let rule = |code: &str, family: &str, params: &str| {
            let text = format!(
                "code='{code}'\nname='x-y'\nfamily='{family}'\ncategory='input'\nseverity='low'\ntitle='t'\nsummary='s'\nrationale='r'\nremediation='m'\n{params}"
            );
            let path = format!("d/{family}/{code}-x-y/rule.toml");
            parse(&[(path.as_str(), text.as_str())]).unwrap().remove(0)
        };
        let logic = vec![
            rule("ZZ001", "zz", "[params]\nn = 1\nf = 0.5\nlist = ['a']\n[params.t]\nk = true\n"),
            rule("ZZ002", "zz", ""),
            rule("YY001", "yy", ""),
        ];
        let ok = vec![
            rule("ZZ001", "zz", "[params]\nn = 2\nf = 1\nlist = []\n[params.t]\nk = false\n"),
            rule("ZZ002", "zz", ""),
            rule("YY001", "yy", ""),
        ];
        assert_eq!(validate(&ok, &logic, "d"), Vec::<String>::new());
        let bad = vec![
            rule("ZZ001", "zz", "[params]\nn = 'x'\nf = 1\nlist = [2]\nextra = 1\n[params.t]\nk = 1\n"),
            rule("ZZ003", "zz", ""),
        ];
        let errors = validate(&bad, &logic, "d");
        let want = [
            "d/zz/ZZ001-x-y/rule.toml: params.n is a string, expected an integer",
            "d/zz/ZZ001-x-y/rule.toml: params.list[0] is an integer, expected a string",
            "d/zz/ZZ001-x-y/rule.toml: params.t.k is an integer, expected a boolean",
            "d/zz/ZZ001-x-y/rule.toml: params.extra is not a parameter of this rule",
            "d/zz/ZZ003-x-y/rule.toml: unknown rule code ZZ003",
            "d/zz: rule ZZ002 (x-y) is missing",
            "d/yy: family \"yy\" is missing",
        ];
        for w in want {
            assert!(errors.iter().any(|e| e.starts_with(w)), "{w:?} not in {errors:#?}");
        }
        assert_eq!(errors.len(), want.len(), "{errors:#?}");
        let moved = vec![rule("ZZ001", "yy", "[params]\nn = 1\nf = 0.5\nlist = ['a']\n[params.t]\nk = true\n")];
        assert!(validate(&moved, &logic, "d").iter().any(|e| e.contains("belongs to family \"zz\"")));
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
