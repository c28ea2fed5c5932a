//! One problem, one finding: folds consequences under their cause.
//!
//! A finding is a *consequence* when another finding about the same objects fully explains it — fixing
//! the cause makes it disappear. The consequence stays in the findings (every format can show it, fix
//! files still get its per-object edit) with `caused_by` set to the cause's fingerprint; the cause lists
//! it in `consequences` and takes the highest severity of its own and its consequences'. The gate
//! counts causes only ([`crate::gate::evaluate`]).
//!
//! The pairs are decided from what the findings are about (rule, subjects, the values in their
//! evidence), never from titles:
//!
//! | cause | consequence | same … |
//! |---|---|---|
//! | AN001–AN004 (ImmutableId derived from a mutable value, GUID text, byte order, mangled), AN008 mismatch | DU002 (address already held), SY003 (InvalidSoftMatch) | cloud object (and AD object, when the cause names it): with the right anchor the pair joins by hard match |
//! | SY004 (cloud administrator would be matched), SY002 (cloud-only object will be soft-matched) | DU002 | AD object and cloud object: the address "conflict" is the takeover or merge itself |
//! | DU001 (address held by several synced objects) | SY006 (quarantined UPN), SY009 (provisioning error) | cloud object among the holders, and the conflicting value |
//! | DO006 (UPN suffix not verified in the target tenant, or a typo of a verified one) | CH005, CH006 typo | suffix and tenant: the MOERA (`onmicrosoft.com`) fallback of each user |
//! | DO007 (non-routable UPN suffix of a forest) | CH006 (suffix not routable) | suffix |
//! | DO006 (UPN suffix of AD users not verified in their target tenant) | DO005 (that domain, verified in another tenant, used in the target tenant) | domain and tenant: the synced users carry it there |
//! | DD001 (duplicate unlinked directories) | AN007 copied directory / stray twin / leftovers, DO005 (domain verified in one tenant, used in another) | every tenant of the consequence is in the cluster: consolidating the directories removes them |
//!
//! A consequence has one cause (the first in report order when several qualify); a cause is never
//! itself folded, so the relation is one level deep.

use crate::findings::{Consequence, Finding};
use rayon::prelude::*;
use serde_json::Value;
use std::collections::HashMap;

/// Anchor findings whose fix (set the right ImmutableId) turns a failed soft match into a hard match.
const ANCHOR_CAUSES: &[&str] = &["AN001", "AN002", "AN003", "AN004", "AN008"];

fn ids<'a>(f: &'a Finding, kind: &str) -> impl Iterator<Item = &'a str> {
    f.subjects.iter().filter(move |s| s.kind == kind).map(|s| s.id.as_str())
}

fn shares(a: &Finding, b: &Finding, kind: &str) -> bool {
    ids(a, kind).any(|x| ids(b, kind).any(|y| x.eq_ignore_ascii_case(y)))
}

/// The AD objects of `cause` (if it names any) are all among `consequence`'s.
fn same_ad_objects(cause: &Finding, consequence: &Finding) -> bool {
    ids(cause, "ad-object").all(|x| ids(consequence, "ad-object").any(|y| x.eq_ignore_ascii_case(y)))
}

fn ev_str(f: &Finding, key: &str) -> Option<String> {
    f.evidence.get_str(key)
}

fn ev_bool(f: &Finding, key: &str) -> bool {
    f.evidence.get(key).as_ref().and_then(Value::as_bool).unwrap_or(false)
}

fn ev_array(f: &Finding, key: &str) -> Option<Vec<Value>> {
    match f.evidence.get(key)? {
        Value::Array(a) => Some(a),
        _ => None,
    }
}

fn same_text(a: Option<&str>, b: Option<&str>) -> bool {
    matches!((a, b), (Some(a), Some(b)) if a.trim().eq_ignore_ascii_case(b.trim()))
}

/// An address without its `smtp:` / `SMTP:` prefix, lower case.
fn bare(v: &str) -> String {
    let v = v.trim();
    v.split_once(':').filter(|(p, _)| p.eq_ignore_ascii_case("smtp")).map(|(_, r)| r).unwrap_or(v).to_lowercase()
}

/// Whether `cause` fully explains `consequence` (see the module table).
pub fn explains(cause: &Finding, consequence: &Finding) -> bool {
    let (c, q) = (cause.rule.as_str(), consequence.rule.as_str());
    match (c, q) {
        (_, "DU002" | "SY003") if ANCHOR_CAUSES.contains(&c) => {
            // AN008 only when the tenant holds the wrong value (its mismatch case carries the fix).
            (c != "AN008" || cause.evidence.contains_key("proposed_value"))
                && shares(cause, consequence, "cloud-object")
                && same_ad_objects(cause, consequence)
        }
        ("SY004" | "SY002", "DU002") => {
            shares(cause, consequence, "cloud-object") && shares(cause, consequence, "ad-object")
        }
        ("DU001", "SY006" | "SY009") => {
            let Some(value) = ev_str(cause, "value") else { return false };
            let value = bare(&value);
            if !shares(cause, consequence, "cloud-object") {
                return false;
            }
            if q == "SY006" {
                ev_str(consequence, "original_upn").is_some_and(|u| bare(&u) == value)
            } else {
                ev_array(consequence, "errors").is_some_and(|errs| {
                    errs.iter().any(|e| e.get("value").and_then(Value::as_str).is_some_and(|v| bare(v) == value))
                })
            }
        }
        ("DO006", "DO005") => {
            same_text(ev_str(cause, "suffix").as_deref(), ev_str(consequence, "domain").as_deref())
                && same_text(ev_str(cause, "tenant").as_deref(), ev_str(consequence, "used_in").as_deref())
        }
        ("DO006", "CH005" | "CH006") => {
            if !same_text(ev_str(cause, "suffix").as_deref(), ev_str(consequence, "suffix").as_deref()) {
                return false;
            }
            let typo = |f: &Finding| ev_bool(f, "typo");
            if q == "CH006" {
                return typo(cause) && typo(consequence);
            }
            let tenant = ev_str(cause, "tenant");
            ev_array(consequence, "tenants_without_it")
                .is_some_and(|ts| ts.iter().any(|t| same_text(t.as_str(), tenant.as_deref())))
        }
        ("DD001", "AN007" | "DO005") => {
            let cluster: Vec<&str> = ids(cause, "tenant").collect();
            let tenant_of = |id: &str| id.split_once('/').map(|(t, _)| t.to_string());
            let kinds: &[&str] = if q == "AN007" { &["cloud-object"] } else { &["domain", "cloud-object"] };
            let mut tenants: Vec<String> = consequence
                .subjects
                .iter()
                .filter(|s| kinds.contains(&s.kind.as_str()))
                .filter_map(|s| tenant_of(&s.id))
                .collect();
            tenants.sort();
            tenants.dedup();
            // Multi-tenant sync (synced in every tenant, no stray twin) is a topology, not the copy's doing.
            let copied = q != "AN007"
                || consequence.evidence.contains_key("stray_tenants")
                || matches!(
                    (ev_array(consequence, "synced_in"), ev_array(consequence, "tenants")),
                    (Some(s), Some(t)) if s.len() < t.len()
                );
            copied && tenants.len() >= 2 && tenants.iter().all(|t| cluster.iter().any(|c| c.eq_ignore_ascii_case(t)))
        }
        ("DO007", "CH006") => {
            same_text(ev_str(cause, "suffix").as_deref(), ev_str(consequence, "suffix").as_deref())
                && !ev_bool(consequence, "typo")
        }
        _ => false,
    }
}

/// The rules a finding of rule `q` may be folded under.
fn cause_rules(q: &str) -> &'static [&'static str] {
    match q {
        "DU002" => &["AN001", "AN002", "AN003", "AN004", "AN008", "SY004", "SY002"],
        "SY003" => ANCHOR_CAUSES,
        "SY006" | "SY009" => &["DU001"],
        "AN007" => &["DD001"],
        "DO005" => &["DD001", "DO006"],
        "CH005" => &["DO006"],
        "CH006" => &["DO006", "DO007"],
        _ => &[],
    }
}

/// The keys a cause and its consequences share (every pair of [`explains`] shares at least one): the
/// AD and cloud objects named, the UPN suffix or domain, and the tenants of the subjects.
fn join_keys(f: &Finding) -> Vec<String> {
    // Tenants join only the duplicate-directory pairs and suffixes only the domain pairs: a tenant key
    // on every finding would make every cause of a tenant a candidate of every consequence there.
    let by_tenant = matches!(f.rule.as_str(), "DD001" | "AN007" | "DO005");
    let by_suffix = matches!(f.rule.as_str(), "DO006" | "DO007" | "CH005" | "CH006" | "DO005");
    let mut keys: Vec<String> = Vec::new();
    for s in &f.subjects {
        match s.kind.as_str() {
            "ad-object" | "cloud-object" => keys.push(format!("o:{}", s.id.to_lowercase())),
            "tenant" if by_tenant => keys.push(format!("t:{}", s.id.to_lowercase())),
            _ => {}
        }
        if by_tenant
            && matches!(s.kind.as_str(), "cloud-object" | "domain")
            && let Some((t, _)) = s.id.split_once('/')
        {
            keys.push(format!("t:{}", t.to_lowercase()));
        }
    }
    if by_suffix {
        for k in ["suffix", "domain"] {
            if let Some(v) = ev_str(f, k) {
                keys.push(format!("s:{}", v.trim().to_lowercase()));
            }
        }
    }
    keys.sort();
    keys.dedup();
    keys
}

/// Sets `caused_by` / `consequences` on `findings` (report order assumed: the first qualifying cause
/// wins) and raises each cause to the highest severity among it and its consequences. Clears links a
/// previous call set, so it can run again after the policy dropped or re-rated findings.
pub fn fold(findings: &mut [Finding]) {
    let fps = crate::findings::fingerprints(findings);
    fold_with(findings, &fps);
}

/// [`fold`] with each finding's fingerprint given (`fps`, parallel to `findings`; folding changes no
/// fingerprint).
pub fn fold_with(findings: &mut [Finding], fps: &[String]) {
    debug_assert_eq!(findings.len(), fps.len());
    for f in findings.iter_mut() {
        f.caused_by = None;
        f.consequences.clear();
    }
    // Candidate causes found through what they share with a consequence (an object, a suffix, a tenant)
    // instead of trying every cause on every consequence: at a million objects there are tens of
    // thousands of each.
    let cause_rule_set: std::collections::HashSet<&str> =
        ["DU002", "SY003", "SY006", "SY009", "CH005", "CH006", "AN007", "DO005"]
            .iter()
            .flat_map(|q| cause_rules(q))
            .copied()
            .collect();
    let keyed: Vec<(usize, Vec<String>)> = findings
        .par_iter()
        .enumerate()
        .filter(|(_, f)| cause_rule_set.contains(f.rule.as_str()))
        .map(|(i, f)| (i, join_keys(f)))
        .collect();
    let mut by_key: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, keys) in keyed {
        for k in keys {
            by_key.entry(k).or_default().push(i);
        }
    }
    // Each consequence's first cause, looked for in parallel (read-only; the links come out in order).
    let mut links: Vec<(usize, usize)> = findings
        .par_iter()
        .enumerate()
        .filter_map(|(q, f)| {
            let rules = cause_rules(&f.rule);
            if rules.is_empty() {
                return None;
            }
            let mut candidates: Vec<usize> = join_keys(f)
                .iter()
                .flat_map(|k| by_key.get(k).map(Vec::as_slice).unwrap_or(&[]))
                .copied()
                .filter(|&c| c != q && rules.contains(&findings[c].rule.as_str()))
                .collect();
            candidates.sort_unstable();
            candidates.dedup();
            candidates.into_iter().find(|&c| explains(&findings[c], f)).map(|c| (c, q))
        })
        .collect();
    let mut is_cause = vec![false; findings.len()];
    for &(c, _) in &links {
        is_cause[c] = true;
    }
    // One level: a finding that is a cause stays top level even if something could explain it.
    links.retain(|&(_, q)| !is_cause[q]);
    for &(c, q) in &links {
        findings[q].caused_by = Some(fps[c].clone());
        let severity = findings[q].severity;
        findings[c].severity = findings[c].severity.min(severity);
    }
    rebuild_consequences(findings, fps);
}

/// Fills every cause's `consequences` from the findings whose `caused_by` names it; `fps` holds each
/// finding's current fingerprint.
fn rebuild_consequences(findings: &mut [Finding], fps: &[String]) {
    let at: HashMap<&str, usize> = fps.iter().enumerate().map(|(i, f)| (f.as_str(), i)).collect();
    let mut lists: Vec<Vec<Consequence>> = vec![Vec::new(); findings.len()];
    for (q, f) in findings.iter().enumerate() {
        if let Some(&c) = f.caused_by.as_deref().and_then(|c| at.get(c)) {
            lists[c].push(Consequence {
                rule: f.rule.clone(),
                title: f.title.clone(),
                fingerprint: fps[q].clone(),
                severity: f.severity,
            });
        }
    }
    for (f, list) in findings.iter_mut().zip(lists) {
        f.consequences = list;
    }
}

/// After fingerprints or titles changed (pseudonymisation), points every `caused_by` at the new
/// fingerprints and rebuilds the causes' consequence lists. `old` holds each finding's fingerprint
/// before the change, in the same order; returns the new ones.
pub fn refresh_fingerprints(findings: &mut [Finding], old: &[String]) -> Vec<String> {
    let new = crate::findings::fingerprints(findings);
    let map: HashMap<&str, &str> = old.iter().map(String::as_str).zip(new.iter().map(String::as_str)).collect();
    for f in findings.iter_mut() {
        if let Some(c) = f.caused_by.as_mut()
            && let Some(n) = map.get(c.as_str())
        {
            *c = n.to_string();
        }
    }
    // Titles too: the consequences' own titles were pseudonymised with them.
    rebuild_consequences(findings, &new);
    new
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::{Category, Severity, Subject};
    use serde_json::json;

    fn f(rule: &str, sev: Severity, subjects: &[(&str, &str)], ev: Value) -> Finding {
        Finding {
            rule: rule.into(),
            category: Category::Sync,
            severity: sev,
            title: format!("{rule} title"),
            subjects: subjects
                .iter()
                .map(|(k, id)| Subject {
                    kind: k.to_string(),
                    id: id.to_string(),
                    display: id.to_string(),
                    source: None,
                })
                .collect(),
            evidence: ev.as_object().cloned().unwrap_or_default().into_iter().collect(),
            remediation: String::new(),
            discriminator: String::new(),
            caused_by: None,
            consequences: Vec::new(),
        }
    }

    #[test]
    fn anchor_cause_folds_the_failed_match_of_its_own_pair_only() {
        let pair = [("cloud-object", "t/c1"), ("ad-object", "a1")];
        let mut fs = vec![
            f("AN001", Severity::Medium, &pair, json!({})),
            f("DU002", Severity::High, &[("ad-object", "a1"), ("cloud-object", "t/c1")], json!({})),
            f("SY003", Severity::Medium, &[("ad-object", "a1"), ("cloud-object", "t/c1")], json!({})),
            // Another pair: stays top level.
            f("DU002", Severity::High, &[("ad-object", "a2"), ("cloud-object", "t/c2")], json!({})),
            // AN008's latent case (no proposed_value): the tenant holds the right value, nothing to fold.
            f("AN008", Severity::Low, &[("ad-object", "a2"), ("cloud-object", "t/c2")], json!({})),
        ];
        fold(&mut fs);
        assert_eq!(fs[0].consequences.iter().map(|c| c.rule.as_str()).collect::<Vec<_>>(), ["DU002", "SY003"]);
        assert_eq!(fs[0].severity, Severity::High, "the cause takes its consequences' highest severity");
        assert_eq!(fs[1].caused_by.as_deref(), Some(fs[0].fingerprint().as_str()));
        assert!(fs[3].caused_by.is_none());
        assert!(fs[4].consequences.is_empty());
        // Folding again (after the policy changed something) gives the same links, not duplicates.
        fold(&mut fs);
        assert_eq!(fs[0].consequences.len(), 2);
    }

    #[test]
    fn duplicate_directory_folds_copies_but_not_multi_tenant_sync() {
        let dd = f("DD001", Severity::High, &[("tenant", "t1"), ("tenant", "t2")], json!({}));
        let copied = f(
            "AN007",
            Severity::Medium,
            &[("cloud-object", "t1/a"), ("cloud-object", "t2/b")],
            json!({"tenants": ["A", "B"], "synced_in": ["A"]}),
        );
        let synced_both = f(
            "AN007",
            Severity::Low,
            &[("cloud-object", "t1/c"), ("cloud-object", "t2/d")],
            json!({"tenants": ["A", "B"], "synced_in": ["A", "B"]}),
        );
        let elsewhere = f(
            "AN007",
            Severity::Medium,
            &[("cloud-object", "t1/e"), ("cloud-object", "t3/f")],
            json!({"tenants": ["A", "C"], "synced_in": ["A"]}),
        );
        assert!(explains(&dd, &copied));
        assert!(!explains(&dd, &synced_both));
        assert!(!explains(&dd, &elsewhere), "t3 is not in the cluster");
    }

    #[test]
    fn duplicate_value_folds_the_quarantine_and_error_it_caused() {
        let du = f(
            "DU001",
            Severity::High,
            &[("ad-object", "a1"), ("cloud-object", "t/c1")],
            json!({"value": "j.smith@contoso.com"}),
        );
        let sy6 =
            f("SY006", Severity::Medium, &[("cloud-object", "t/c1")], json!({"original_upn": "J.Smith@contoso.com"}));
        let sy9 = f(
            "SY009",
            Severity::Medium,
            &[("cloud-object", "t/c1")],
            json!({"errors": [{"value": "smtp:j.smith@contoso.com"}]}),
        );
        let other =
            f("SY009", Severity::Medium, &[("cloud-object", "t/c1")], json!({"errors": [{"value": "x@contoso.com"}]}));
        assert!(explains(&du, &sy6));
        assert!(explains(&du, &sy9));
        assert!(!explains(&du, &other), "a provisioning error on another value has another cause");
    }
}
