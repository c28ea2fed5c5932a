//! Issue 27: findings that agree with themselves and with each other, checked over every estate the
//! repository holds — the sample, every rule fixture (positive and negative), the messy-merger fixture
//! and a small generated estate:
//!
//! 1. a finding's remediation refers only to evidence the finding carries (backticked field names,
//!    "command in the finding");
//! 2. no two findings about one object predict different sync outcomes;
//! 3. no finding asks to verify a misspelt or non-routable domain, and a typo is proposed as its correction;
//! 4. evidence is counted once and from what really happened (DD001, DO005);
//! 5. an impossible federation state is reported as an export problem first (FE001).

use crate::util::crate_root;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use tenantlint::app::analyse;
use tenantlint::findings::Finding;
use tenantlint::ingest::Options;
use tenantlint::rules::RuleOptions;

fn options() -> RuleOptions {
    RuleOptions { as_of: Some(tenantlint::cli::parse_date("2026-11-23").unwrap()), ..Default::default() }
}

fn scan(dir: &Path) -> Vec<Finding> {
    analyse(&[dir.to_path_buf()], &Options::default(), &options())
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .findings
}

fn sample() -> &'static [Finding] {
    static F: OnceLock<Vec<Finding>> = OnceLock::new();
    F.get_or_init(|| scan(&crate_root().join("samples/contoso-merger")))
}

/// Every rule fixture case folder (`positive/`, `negative/`, also inside variants).
fn fixture_dirs() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(rd) = std::fs::read_dir(dir) else { return };
        let mut entries: Vec<PathBuf> = rd.flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
        entries.sort();
        for p in entries {
            if p.ends_with("positive") || p.ends_with("negative") {
                out.push(p);
            } else {
                walk(&p, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(&crate_root().join("rules"), &mut out);
    out
}

/// Findings of every estate: (estate label, findings).
pub(crate) fn all_estates() -> &'static [(String, Vec<Finding>)] {
    static F: OnceLock<Vec<(String, Vec<Finding>)>> = OnceLock::new();
    F.get_or_init(|| {
        let mut out = vec![("samples/contoso-merger".to_string(), sample().to_vec())];
        out.push(("tests/fixtures/messy-merger".into(), scan(&crate_root().join("tests/fixtures/messy-merger"))));
        for d in fixture_dirs() {
            let label = d.strip_prefix(crate_root()).unwrap_or(&d).display().to_string();
            out.push((label, scan(&d)));
        }
        let gen_dir = tempfile::tempdir().unwrap();
        tenantlint::generate::generate(gen_dir.path(), 400, 27).expect("generate an estate");
        out.push(("generated (400 objects, seed 27)".into(), scan(gen_dir.path())));
        out
    })
}

fn has_key(v: &Value, key: &str) -> bool {
    match v {
        Value::Object(m) => m.iter().any(|(k, v)| k == key || has_key(v, key)),
        Value::Array(a) => a.iter().any(|v| has_key(v, key)),
        _ => false,
    }
}

fn evidence_has(f: &Finding, key: &str) -> bool {
    f.evidence.map().iter().any(|(k, v)| k == key || has_key(v, key))
}

/// A field "exists" when its key is present, even as null (a `proposed_value` of null with
/// `action` REMOVE, or no value to propose, is stated, not missing).
///
/// Backticked words of a remediation that are not evidence fields: estate.toml keys, a token claim,
/// an endpoint name.
const NOT_FIELDS: &[&str] = &["name", "paths", "syncs_to", "separate_from", "cross_tenant_sync", "common", "tid"];

/// The evidence fields a remediation refers to: backticked snake_case words, and `commands` for
/// "command(s) in the finding".
fn referenced_fields(remediation: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (k, part) in remediation.split('`').enumerate() {
        let word = part.trim();
        if k % 2 == 1
            && !word.is_empty()
            && word.chars().next().is_some_and(|c| c.is_ascii_lowercase())
            && word.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
            && !NOT_FIELDS.contains(&word)
        {
            out.insert(word.to_string());
        }
    }
    let lower = remediation.to_lowercase();
    if lower.contains("command in the finding") || lower.contains("commands in the finding") {
        out.insert("commands".into());
    }
    out
}

#[test]
fn remediation_refers_only_to_evidence_the_finding_carries() {
    let mut problems = Vec::new();
    for (estate, findings) in all_estates() {
        for f in findings {
            for field in referenced_fields(&f.remediation) {
                if !evidence_has(f, &field) {
                    problems.push(format!(
                        "{estate}: {} \"{}\": remediation refers to `{field}`, which its evidence lacks",
                        f.rule, f.title
                    ));
                }
            }
        }
    }
    problems.sort();
    problems.dedup();
    assert!(problems.is_empty(), "{} finding(s) refer to missing evidence:\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn an008_latent_case_needs_no_change_and_the_mismatch_case_carries_its_command() {
    let latent: Vec<&Finding> = sample().iter().filter(|f| f.rule == "AN008").collect();
    assert_eq!(latent.len(), 2, "Aisha Bello and Lukas Berger (AI-04)");
    for f in latent {
        assert!(f.remediation.starts_with("No change needed today"), "{}", f.remediation);
        assert!(!f.remediation.contains("proposed_value"), "{}", f.remediation);
        assert!(!f.evidence.contains_key("proposed_value"));
    }
    let m: Vec<&Finding> = all_estates()
        .iter()
        .flat_map(|(_, fs)| fs)
        .filter(|f| f.rule == "AN008" && f.discriminator == "mismatch")
        .collect();
    assert!(!m.is_empty(), "the messy-merger fixture holds a mismatch (issue 16)");
    for f in m {
        assert!(f.evidence.contains_key("proposed_value") && f.evidence.contains_key("commands"), "{:?}", f.evidence);
    }
}

/// The outcomes a finding predicts, per object id: its own `predicted_outcome` for its primary
/// subject, and each DU member's.
fn predictions(f: &Finding) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(o) = f.evidence.map().get("predicted_outcome").and_then(Value::as_str) {
        out.push((f.subjects[0].id.clone(), o.to_string()));
    }
    if let Some(Value::Array(members)) = f.evidence.map().get("members") {
        for m in members {
            if let (Some(id), Some(o)) = (m["subject"].as_str(), m["predicted_outcome"].as_str()) {
                out.push((id.to_string(), o.to_string()));
            }
        }
    }
    out
}

#[test]
fn one_object_one_predicted_outcome() {
    let mut problems = Vec::new();
    for (estate, findings) in all_estates() {
        // Every finding about what the next sync does to an AD object / cloud object pair says it.
        for f in findings {
            if matches!(f.rule.as_str(), "DU002" | "SY002" | "SY003" | "SY004")
                && !f.evidence.contains_key("predicted_outcome")
                && !(f.rule == "SY004" && f.discriminator.starts_with("hard:"))
            {
                problems.push(format!("{estate}: {} \"{}\" has no predicted_outcome", f.rule, f.title));
            }
        }
        let mut by_object: BTreeMap<String, BTreeMap<String, Vec<String>>> = BTreeMap::new();
        for f in findings {
            for (id, o) in predictions(f) {
                by_object.entry(id).or_default().entry(o).or_default().push(f.rule.clone());
            }
        }
        for (id, outcomes) in by_object {
            if outcomes.len() > 1 {
                problems.push(format!("{estate}: object {id} has several predicted outcomes: {outcomes:?}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    // The named case: Marek Ostrowski, a cloud-only Global Administrator with his AD twin's UPN.
    let marek: Vec<&Finding> = sample()
        .iter()
        .filter(|f| f.subjects[0].display == "Marek Ostrowski" && f.evidence.contains_key("predicted_outcome"))
        .collect();
    let rules: BTreeSet<&str> = marek.iter().map(|f| f.rule.as_str()).collect();
    assert_eq!(rules, BTreeSet::from(["DU002", "SY004"]));
    for f in marek {
        assert_eq!(f.evidence.map()["predicted_outcome"], "admin-role-conflict", "{}", f.rule);
        assert!(f.title.contains("Existing Admin Role Conflict"), "{}", f.title);
        let text = serde_json::to_string(&f.evidence).unwrap();
        assert!(!text.contains("a quarantined duplicate is created"), "{}: {text}", f.rule);
    }
}

/// Domains a text asks to verify: the word after "verify".
fn asked_to_verify(text: &str) -> Vec<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    words
        .windows(2)
        .filter(|w| w[0].eq_ignore_ascii_case("verify"))
        .map(|w| w[1].trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '.' && c != '-').to_lowercase())
        .filter(|d| d.contains('.'))
        .collect()
}

#[test]
fn no_finding_asks_to_verify_a_misspelt_or_non_routable_domain() {
    let mut problems = Vec::new();
    for (estate, findings) in all_estates() {
        for f in findings {
            let mut texts = vec![f.title.clone(), f.remediation.clone()];
            texts.extend(f.evidence.map().values().map(|v| v.to_string()));
            for d in texts.iter().flat_map(|t| asked_to_verify(t)) {
                if let Err(why) = tenantlint::rules::characters::routability(&d) {
                    problems.push(format!("{estate}: {} asks to verify {d} ({why})", f.rule));
                }
            }
        }
    }
    problems.sort();
    problems.dedup();
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    // Wei Zhang's `@contoso.con` (BC-12 / DO-08) is a typo of contoso.com, corrected.
    let wei: Vec<&Finding> = sample()
        .iter()
        .filter(|f| f.evidence.map().get("suffix").and_then(Value::as_str) == Some("contoso.con"))
        .collect();
    let rules: BTreeSet<&str> = wei.iter().map(|f| f.rule.as_str()).collect();
    assert_eq!(rules, BTreeSet::from(["CH006", "DO006"]));
    for f in wei {
        assert_eq!(f.evidence.map()["typo"], true, "{}", f.rule);
        assert_eq!(f.evidence.map()["corrected_suffix"], "contoso.com", "{}", f.rule);
        assert!(f.title.contains("typo of contoso.com") || f.title.contains("typo of `contoso.com`"), "{}", f.title);
    }
    let ch006 = sample().iter().find(|f| f.rule == "CH006" && f.evidence.map()["suffix"] == "contoso.con").unwrap();
    assert_eq!(ch006.evidence.map()["proposed_value"], "w.zhang@contoso.com");
}

#[test]
fn directory_evidence_counts_what_really_happened_once() {
    let dd = sample().iter().find(|f| f.rule == "DD001").expect("DD-01");
    let ev = dd.evidence.map();
    let pairs = ev["pairs"].as_array().unwrap();
    let items: Vec<&Value> = pairs.iter().flat_map(|p| p["evidence"].as_array().unwrap()).collect();
    // Contoso Marketing never synced: the anchors copied onto its cloud-only users are not a forest feeding it.
    for e in &items {
        if e["kind"] == "same_forest" {
            assert!(!e["detail"].as_str().unwrap().contains("Contoso Marketing"), "{}", e["detail"]);
        }
    }
    // The domain evidence shows strong uses apart from the weak (otherMails) ones, as DO005 does.
    let dom = items.iter().find(|e| e["kind"] == "domain_verified_elsewhere").expect("domain evidence");
    let detail = dom["detail"].as_str().unwrap();
    assert!(detail.contains("3 member(s) use it in UPN, mail or proxy addresses"), "{detail}");
    assert!(detail.contains("6 more only in otherMails (weak evidence)"), "{detail}");
    let people = items.iter().find(|e| e["kind"] == "same_people").expect("same people");
    assert!(people["detail"].as_str().unwrap().contains("3 identical ImmutableId"), "{}", people["detail"]);

    // DO005: contoso.com in Contoso Marketing — strong uses apart from otherMails, examples are the uses counted.
    let f = sample().iter().find(|f| f.rule == "DO005" && f.evidence.map()["domain"] == "contoso.com").expect("DO-04");
    let strong = &f.evidence.map()["strong_uses"];
    let weak = &f.evidence.map()["weak_uses"];
    let n = |v: &Value| v["objects"].as_u64().unwrap();
    assert_eq!(n(strong) + n(weak), f.evidence.map()["objects_using_domain"].as_u64().unwrap());
    assert!(n(weak) > 0, "the sample's Marketing users list contoso.com in otherMails");
    for ex in strong["examples"].as_array().unwrap().iter().chain(weak["examples"].as_array().unwrap()) {
        let ex = ex.as_str().unwrap();
        assert!(ex.split(' ').next().unwrap().ends_with("@contoso.com"), "example {ex} is not a use of contoso.com");
    }
    for ex in weak["examples"].as_array().unwrap() {
        assert!(ex.as_str().unwrap().ends_with("(otherMails)"), "{ex}");
    }
    assert!(f.title.contains("otherMails"), "{}", f.title);
}

#[test]
fn a_shared_issuer_uri_is_an_export_problem_first() {
    let f = sample().iter().find(|f| f.rule == "FE001").expect("FE-01");
    assert!(f.title.contains("export is likely stale or edited"), "{}", f.title);
    assert!(f.remediation.starts_with("Treat it as an export problem first"), "{}", f.remediation);
    let ev = f.evidence.map();
    let commands: Vec<&str> = ev["commands"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    assert_eq!(commands.len(), 2);
    assert!(commands.iter().all(|c| c.starts_with("Get-MgDomainFederationConfiguration -DomainId ")), "{commands:?}");
    // Only the domain the shared issuer does not name would change, and only once confirmed.
    let later = ev["if_confirmed_issuer_uris"].as_object().unwrap();
    assert_eq!(later.keys().collect::<Vec<_>>(), ["fabrikamgroup.com"]);
    let all = format!("{} {} {}", f.title, f.remediation, serde_json::to_string(&f.evidence).unwrap());
    assert!(!all.contains("Msol"), "no MSOnline cmdlet: {all}");
    assert!(!all.contains("every federated domain"), "{all}");
}
