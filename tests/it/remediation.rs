//! Issue 25: remediation a client can run safely.
//!
//! 1. No retired MSOnline / AzureAD-module cmdlet anywhere a client would read or run it: the whole rule
//!    catalog, every finding of every estate the repository holds, and the sample's report in every
//!    format, fix files included.
//! 2. No destructive verb without a guard (never / only / after / unless…) in any remediation or step.
//! 3. Ordered procedures: the token-signing rollover is scoped to the AD FS farm's domains and publishes
//!    before it promotes; takeover protection comes after the hard-match repairs; a long-stopped sync
//!    restarts in staging mode; AN001–AN004 tell a cloud-managed twin from a synced one.

use crate::util::{assert_code, crate_root, tenantlint};
use serde_json::Value;
use std::path::Path;
use std::sync::OnceLock;
use tenantlint::findings::Finding;

/// Words of `text` shaped like a retired cmdlet: `<Verb>-Msol…` or `<Verb>-AzureAD…` (case-insensitive).
fn retired_cmdlets(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let lower = text.to_lowercase();
    for pat in ["-msol", "-azuread"] {
        let mut from = 0;
        while let Some(k) = lower[from..].find(pat) {
            let at = from + k;
            let start = lower[..at].rfind(|c: char| !c.is_ascii_alphabetic()).map_or(0, |p| p + 1);
            let end = lower[at + 1..].find(|c: char| !c.is_ascii_alphanumeric()).map_or(lower.len(), |p| at + 1 + p);
            // A verb before the dash: `Get-MsolUser`, not `msol-csv` or `-AzureADMyOrg` (a parameter value).
            if start < at && lower[start..at].chars().all(|c| c.is_ascii_alphabetic()) {
                out.push(text[start..end].to_string());
            }
            from = at + pat.len();
        }
    }
    out
}

#[test]
fn the_retired_cmdlet_detector_works() {
    assert_eq!(retired_cmdlets("run Update-MsolFederatedDomain -DomainName x"), vec!["Update-MsolFederatedDomain"]);
    assert_eq!(retired_cmdlets("Connect-MsolService; Get-AzureADUser"), vec!["Connect-MsolService", "Get-AzureADUser"]);
    assert!(retired_cmdlets("kind msol-csv:users, signInAudience AzureADMyOrg, Update-MgUser").is_empty());
}

fn sample_out() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().to_str().unwrap().to_string();
        let sample = crate_root().join("samples/contoso-merger");
        let run = tenantlint(&[
            "scan",
            sample.to_str().unwrap(),
            "--as-of",
            "2026-11-23T12:00:00Z",
            "--format",
            "json,html,sarif,junit,csv,ldif-fix,ps1-fix",
            "--out",
            &out,
            "-q",
        ]);
        assert_code(&run, 0);
        dir
    })
    .path()
}

#[test]
fn no_retired_cmdlet_in_the_catalog_the_findings_or_any_report_format() {
    let mut problems = Vec::new();
    for m in tenantlint::rules::catalog::builtin() {
        let mut texts = vec![&m.title, &m.summary, &m.rationale, &m.remediation];
        texts.extend(m.remediation_cases.values());
        for t in texts {
            for c in retired_cmdlets(t) {
                problems.push(format!("{}/rule.toml: {c}", m.path));
            }
        }
    }
    for (estate, findings) in crate::consistency::all_estates() {
        for f in findings {
            let all = format!("{} {} {}", f.title, f.remediation, serde_json::to_string(&f.evidence).unwrap());
            for c in retired_cmdlets(&all) {
                problems.push(format!("{estate}: {} \"{}\": {c}", f.rule, f.title));
            }
        }
    }
    let out = sample_out();
    for file in [
        "report.json",
        "report.html",
        "report.sarif",
        "report.junit.xml",
        "findings.csv",
        "fix.ldf",
        "undo.ldf",
        "fix.ps1",
        "undo.ps1",
    ] {
        let text = String::from_utf8_lossy(&std::fs::read(out.join(file)).unwrap()).into_owned();
        for c in retired_cmdlets(&text) {
            problems.push(format!("sample {file}: {c}"));
        }
    }
    problems.sort();
    problems.dedup();
    assert!(problems.is_empty(), "retired MSOnline/AzureAD cmdlets:\n{}", problems.join("\n"));
}

/// Destructive wording, as whole words (`soft-deleted` describes a state and is not one): deleting, and
/// the cmdlets and switches that remove, clear, disable or force.
const DESTRUCTIVE_WORDS: &[&str] = &["delete", "hard-delete", "purge", "wipe", "-force", "-urgent"];
const DESTRUCTIVE_PREFIXES: &[&str] = &["remove-", "clear-", "disable-"];
/// What makes a destructive sentence safe to hand over: a condition, an order or a prohibition.
const GUARDS: &[&str] = &[
    "never", "only", "after", "unless", "if", "once", "before", "first", "then", "not", "check", "checking", "confirm",
    "review", "-whatif", "instead", "provably", "until", "when",
];

fn words(s: &str) -> Vec<String> {
    s.to_lowercase()
        .split(|c: char| !(c.is_alphanumeric() || c == '-'))
        .filter(|w| !w.is_empty())
        .map(String::from)
        .collect()
}

/// The sentences of `text` (whitespace joined, split at `. ` and `;`) holding a destructive word and no guard.
fn unguarded(text: &str) -> Vec<String> {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    text.split(';')
        .flat_map(|l| l.split(". "))
        .filter(|s| {
            let w = words(s);
            let destructive = w.iter().any(|x| {
                DESTRUCTIVE_WORDS.contains(&x.as_str()) || DESTRUCTIVE_PREFIXES.iter().any(|p| x.starts_with(p))
            });
            destructive && !w.iter().any(|x| GUARDS.contains(&x.as_str()))
        })
        .map(|s| s.trim().to_string())
        .collect()
}

fn step_texts(f: &Finding) -> Vec<String> {
    let mut out = vec![f.remediation.clone()];
    for key in ["steps", "commands", "action", "deletion", "note"] {
        match f.evidence.map().get(key) {
            Some(Value::String(s)) => out.push(s.clone()),
            Some(Value::Array(a)) => out.extend(a.iter().filter_map(Value::as_str).map(String::from)),
            _ => {}
        }
    }
    out
}

#[test]
fn the_destructive_verb_detector_works() {
    assert_eq!(unguarded("Delete the leftover cloud object."), vec!["Delete the leftover cloud object."]);
    assert!(unguarded("Never delete an object that holds a mailbox.").is_empty());
    assert!(unguarded("Remove-MgUser -UserId x only after the anchor is fixed").is_empty());
    assert_eq!(unguarded("Run Remove-MgUser -UserId x"), vec!["Run Remove-MgUser -UserId x"]);
    assert!(unguarded("restore the soft-deleted cloud user").is_empty());
}

#[test]
fn no_destructive_verb_without_a_guard() {
    let mut problems = Vec::new();
    for m in tenantlint::rules::catalog::builtin() {
        let mut texts = vec![&m.remediation];
        texts.extend(m.remediation_cases.values());
        for t in texts {
            for s in unguarded(t) {
                problems.push(format!("{}/rule.toml: {s}", m.path));
            }
        }
    }
    for (estate, findings) in crate::consistency::all_estates() {
        for f in findings {
            for t in step_texts(f) {
                for s in unguarded(&t) {
                    problems.push(format!("{estate}: {}: {s}", f.rule));
                }
            }
        }
    }
    problems.sort();
    problems.dedup();
    assert!(problems.is_empty(), "destructive wording without a guard:\n{}", problems.join("\n"));
}

fn sample_report() -> Value {
    crate::util::read_report(sample_out())
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().into_iter().flatten().filter_map(Value::as_str).map(String::from).collect()
}

fn position(steps: &[String], needle: &str) -> usize {
    steps.iter().position(|s| s.contains(needle)).unwrap_or_else(|| panic!("no step with {needle:?}: {steps:#?}"))
}

#[test]
fn token_signing_rollover_is_scoped_to_the_farm_and_publishes_before_it_promotes() {
    let report = sample_report();
    let fe004 = crate::util::findings_with_rule(&report, "FE004");
    assert_eq!(fe004.len(), 1);
    let ev = &fe004[0]["evidence"];
    assert_eq!(strings(&ev["farm_domains"]), vec!["fabrikam.com", "fabrikamgroup.com"]);
    assert_eq!(ev["other_federated_domains"][0]["domain"], "research.fabrikam.com", "{ev}");
    let commands = strings(&ev["commands"]);
    assert_eq!(commands.len(), 2, "{commands:?}");
    for c in &commands {
        assert!(c.starts_with("Update-MgDomainFederationConfiguration -DomainId fabrikam"), "{c}");
        assert!(!c.contains("research.fabrikam.com"), "the Shibboleth subdomain must not be touched: {c}");
        assert!(c.contains("-NextSigningCertificate"), "publish as next, never replace the current one: {c}");
    }
    let steps = strings(&ev["steps"]);
    let publish = position(&steps, "Publish it as the next signing certificate");
    let verify = position(&steps, "Verify");
    let promote = position(&steps, "-IsPrimary");
    let others = position(&steps, "other relying parties");
    assert!(publish < verify && verify < promote && promote < others, "{steps:#?}");
    assert!(steps[promote].contains("Promoting before step 3"), "{}", steps[promote]);
    assert!(steps.iter().any(|s| s.starts_with("Leave alone: research.fabrikam.com")), "{steps:#?}");
    assert!(steps[publish].contains("Domain-InternalFederation.ReadWrite.All"), "the permission is named");
}

#[test]
fn certificate_severity_turns_critical_within_seven_days() {
    // fabrikam.com's certificate expires 2026-12-10T09:12:44Z, with no successor.
    let sample = crate_root().join("samples/contoso-merger");
    let at = |date: &str| {
        let opts = tenantlint::rules::RuleOptions {
            as_of: Some(tenantlint::cli::parse_date(date).unwrap()),
            ..Default::default()
        };
        let r = tenantlint::app::analyse(std::slice::from_ref(&sample), &tenantlint::ingest::Options::default(), &opts)
            .unwrap();
        r.findings.into_iter().find(|f| f.rule == "FE004").map(|f| (f.severity, f.evidence.map()["days_left"].clone()))
    };
    use tenantlint::findings::Severity;
    assert_eq!(at("2026-12-02"), Some((Severity::High, Value::from(8))));
    assert_eq!(at("2026-12-03"), Some((Severity::Critical, Value::from(7))));
    assert_eq!(at("2026-11-23"), Some((Severity::High, Value::from(17))));
}

#[test]
fn certificate_deadlines_count_from_today_and_show_the_days_left_at_the_export() {
    // Fabrikam's files were exported 2026-11-19 (estate.toml); the run is on 2026-12-03, without --as-of:
    // the deadline counts from the run (7 days: critical), not from the export (21 days then).
    let sample = crate_root().join("samples/contoso-merger");
    let opts = tenantlint::rules::RuleOptions {
        now: Some(tenantlint::cli::parse_date("2026-12-03").unwrap()),
        ..Default::default()
    };
    let r = tenantlint::app::analyse(std::slice::from_ref(&sample), &tenantlint::ingest::Options::default(), &opts)
        .unwrap();
    let f = r.findings.iter().find(|f| f.rule == "FE004").expect("FE004");
    assert_eq!(f.severity, tenantlint::findings::Severity::Critical);
    assert_eq!(f.evidence.map()["days_left"], 7);
    assert_eq!(f.evidence.map()["as_of"], "2026-12-03T00:00:00Z");
    assert_eq!(f.evidence.map()["days_left_at_export"], 21);
    assert_eq!(f.evidence.map()["exported_at"], "2026-11-19T00:00:00Z");
    assert_eq!(f.evidence.map()["exported_at_source"], "manifest");
    assert!(f.evidence.map()["data_date"].as_str().unwrap().contains("[[tenant]] \"Fabrikam\" exported"));
}

#[test]
fn takeover_protection_comes_after_the_hard_match_repairs() {
    let report = sample_report();
    let sy005 = crate::util::findings_with_rule(&report, "SY005");
    let steps = strings(&sy005[0]["evidence"]["steps"]);
    let repairs = position(&steps, "First finish the repairs");
    let block = position(&steps, "Then turn the blocks on");
    assert!(repairs < block, "{steps:#?}");
    assert!(steps[repairs].contains("AN001-AN004") && steps[repairs].contains("FE009"), "{}", steps[repairs]);
    let commands = strings(&sy005[0]["evidence"]["commands"]);
    assert!(commands.iter().any(|c| c.starts_with("Update-MgDirectoryOnPremiseSynchronization")), "{commands:?}");
    assert!(
        sy005[0]["evidence"]["permissions"].as_str().unwrap().contains("OnPremDirectorySynchronization.ReadWrite.All")
    );
}

#[test]
fn a_long_stopped_sync_restarts_in_staging_mode_and_reviews_deletions_first() {
    let report = sample_report();
    let sy001 = crate::util::findings_with_rule(&report, "SY001");
    let steps = strings(&sy001[0]["evidence"]["steps"]);
    let staging = position(&steps, "staging mode first");
    let version = position(&steps, "Entra Connect version");
    let review = position(&steps, "pending exports");
    let threshold = position(&steps, "deletion threshold");
    let export = position(&steps, "leave staging mode");
    assert!(staging < version && version < review && review < threshold && threshold < export, "{steps:#?}");
}

#[test]
fn du002_never_proposes_deleting_a_cloud_object_that_holds_something() {
    let report = sample_report();
    let du002 = crate::util::findings_with_rule(&report, "DU002");
    assert!(!du002.is_empty());
    for f in &du002 {
        let holds = strings(&f["evidence"]["cloud_object_holds"]);
        let deletion = f["evidence"]["deletion"].as_str().unwrap_or_default();
        if holds.is_empty() {
            assert!(deletion.starts_with("not proposed from the exports alone"), "{deletion}");
        } else {
            assert!(deletion.starts_with("never delete it"), "{deletion}");
        }
        assert!(!f["remediation"].as_str().unwrap().contains("delete a leftover"), "{}", f["remediation"]);
    }
    // Marek Ostrowski's cloud account holds Global Administrator.
    let marek = du002.iter().find(|f| f["title"].as_str().unwrap().contains("m.ostrowski")).unwrap();
    assert!(strings(&marek["evidence"]["cloud_object_holds"]).iter().any(|h| h.contains("Global Administrator")));
}

#[test]
fn the_html_action_plan_shows_the_ordered_procedures() {
    let html = std::fs::read_to_string(sample_out().join("report.html")).unwrap();
    for needle in [
        "In this order — Federated domain fabrikam.com",
        "In this order — Fabrikam: directory sync is enabled",
        "In this order — Contoso: blockSoftMatchEnabled",
        "Publish it as the next signing certificate of the domains that trust adfs.fabrikam.com",
    ] {
        assert!(html.contains(needle), "report.html lacks {needle:?}");
    }
    let publish = html.find("2. Publish it as the next signing certificate").unwrap();
    let promote = html.find("4. Only then promote it on adfs.fabrikam.com").unwrap();
    assert!(publish < promote);
    // Phases stay in order: anchors (4) before synchronisation (6), so the takeover block comes after repairs.
    let anchors = html.find("Repair sync anchors").unwrap();
    let sync = html.find("Enable or adjust synchronisation").unwrap();
    assert!(anchors < sync);
}
