//! What reaches the client (issue 26): summary numbers that add up — every estate count and every
//! findings-per-severity number re-derived from report.json's own lists, the same subscription or
//! domain counted and drawn once — and client-visible texts (rule catalog, findings) that cite public
//! sources only, never the project's internal research notes.

use crate::util::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const AS_OF: &str = "2026-11-23T12:00:00Z";

fn scan(estate: &str, out: &Path, formats: &str) -> serde_json::Value {
    let r = tenantlint(&[
        "scan",
        estate,
        "-q",
        "--keep-going",
        "--as-of",
        AS_OF,
        "--format",
        formats,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(r.code == 0 || r.code == 1, "{estate}: exit {}: {}", r.code, r.stderr);
    read_report(out)
}

fn n(v: &serde_json::Value) -> usize {
    v.as_u64().unwrap_or_else(|| panic!("not a count: {v}")) as usize
}

#[test]
fn every_summary_number_is_re_derived_from_the_report_lists() {
    let out = tempfile::tempdir().unwrap();
    let report = scan("samples/contoso-merger", out.path(), "json,html,csv");
    assert_schema_valid(&report);
    let e = &report["estate"];
    let tenants = e["tenant_list"].as_array().unwrap();
    let forests = e["forest_list"].as_array().unwrap();
    let subs = e["subscription_list"].as_array().unwrap();
    assert_eq!(n(&e["tenants"]), tenants.len());
    assert_eq!(n(&e["forests"]), forests.len());
    assert_eq!(n(&e["ad_objects"]), forests.iter().map(|f| n(&f["ad_objects"])).sum::<usize>());
    assert_eq!(n(&e["cloud_objects"]), tenants.iter().map(|t| n(&t["cloud_objects"])).sum::<usize>());
    assert_eq!(n(&e["domains"]), tenants.iter().map(|t| n(&t["domains"])).sum::<usize>());
    assert_eq!(n(&e["subscriptions"]), subs.len());
    // EXPECTED.md: the estate has 6 subscriptions; the ARM export and `az account list` list some of
    // them twice or three times — one entry each, with every export that lists it.
    assert_eq!(subs.len(), 6);
    let ids: BTreeSet<&str> = subs.iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), subs.len(), "each subscription once");
    let web = subs.iter().find(|s| s["id"] == "22b1de5c-fdbe-4c03-8f5b-cba35a6ee08e").unwrap();
    let files: BTreeSet<&str> =
        web["sources"].as_array().unwrap().iter().map(|s| s["path"].as_str().unwrap()).collect();
    assert_eq!(files.len(), 2, "ARM and az exports both kept: {web}");
    // Foreign tenants: the trusted tenant ids that are not exported.
    let exported: BTreeSet<String> = tenants.iter().filter_map(|t| t["id"].as_str()).map(str::to_lowercase).collect();
    let foreign: BTreeSet<String> = subs
        .iter()
        .filter_map(|s| s["trusted_tenant"].as_str())
        .map(str::to_lowercase)
        .filter(|t| !exported.contains(t))
        .collect();
    assert_eq!(n(&e["foreign_tenants"]), foreign.len());

    // Findings per severity and category: the top-level findings; the folded ones apart.
    let findings = report["findings"].as_array().unwrap();
    let top: Vec<&serde_json::Value> = findings.iter().filter(|f| f["caused_by"].is_null()).collect();
    let s = &report["summary"];
    assert_eq!(n(&s["total"]), top.len());
    assert_eq!(n(&s["folded"]), findings.len() - top.len());
    let mut by_sev: BTreeMap<&str, usize> = BTreeMap::new();
    let mut by_cat: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &top {
        *by_sev.entry(f["severity"].as_str().unwrap()).or_default() += 1;
        *by_cat.entry(f["category"].as_str().unwrap()).or_default() += 1;
    }
    for (k, v) in s["by_severity"].as_object().unwrap() {
        assert_eq!(n(v), by_sev.get(k.as_str()).copied().unwrap_or(0), "severity {k}");
    }
    for (k, v) in s["by_category"].as_object().unwrap() {
        assert_eq!(n(v), by_cat.get(k.as_str()).copied().unwrap_or(0), "category {k}");
    }

    // The backlog: one row per top-level finding; the certificate that expires on 2026-12-10 is due then.
    let mut rdr = csv::Reader::from_path(out.path().join("findings.csv")).unwrap();
    let header = rdr.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap_or_else(|| panic!("column {name}"));
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), top.len());
    let cert = rows.iter().find(|r| &r[col("rule")] == "FE004").expect("FE004 on the sample");
    assert_eq!((&cert[col("due_date")], &cert[col("owner_role")]), ("2026-12-10", "AD FS admin"));
    assert!(rows.iter().filter(|r| !r[col("rule")].starts_with("FE00")).all(|r| r[col("due_date")].is_empty()));

    // The map draws each subscription and each domain name once.
    let html = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    let titles = |class: &str| -> Vec<String> {
        html.split(&format!("<g class=\"node {class}"))
            .skip(1)
            .map(|g| g.split("<title>").nth(1).unwrap().split("</title>").next().unwrap().to_string())
            .collect()
    };
    assert_eq!(titles("node-subscription").len(), subs.len());
    let domains: Vec<String> = titles("node-domain").iter().map(|t| t.split(',').next().unwrap().to_string()).collect();
    let distinct: BTreeSet<&String> = domains.iter().collect();
    assert_eq!(distinct.len(), domains.len(), "a domain drawn twice: {domains:?}");
    assert!(
        titles("node-domain")
            .iter()
            .any(|t| t == "contoso.com, verified in Contoso, not verified in Contoso Marketing"),
        "contoso.com, registered in two tenants, is one box with both: {domains:?}"
    );
    // The duplicate-directory box holds Contoso and Contoso Marketing, never Fabrikam (declared separate).
    let attr = |s: &str, name: &str| -> i32 {
        s.split(&format!(" {name}=\"")).nth(1).unwrap().split('"').next().unwrap().parse().unwrap()
    };
    let boxes: Vec<(i32, i32)> = html
        .split("<rect class=\"cluster\"")
        .skip(1)
        .map(|r| (attr(r, "y"), attr(r, "y") + attr(r, "height")))
        .collect();
    assert_eq!(boxes.len(), 1, "one duplicate-directory cluster");
    let tenant_y = |name: &str| -> i32 {
        let g = html.split("<g class=\"node node-tenant\">").find(|g| g.contains(&format!("<title>{name} ("))).unwrap();
        attr(g, "y")
    };
    let inside = |name: &str| boxes.iter().any(|&(lo, hi)| (lo..hi).contains(&tenant_y(name)));
    assert!(inside("Contoso") && inside("Contoso Marketing"));
    assert!(!inside("Fabrikam"), "Fabrikam is declared separate_from Contoso (DD002)");
}

/// Words that point at the project's internal notes (not shipped to the client).
const INTERNAL: &[&str] = &["identity-facts", "idfix.md", "peers.md", "§", "../shared", "research note"];

fn internal_reference(text: &str) -> Option<&'static str> {
    INTERNAL.iter().copied().find(|w| text.contains(w))
}

fn rule_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            rule_files(&p, out);
        } else if p.file_name().is_some_and(|n| n == "rule.toml") {
            out.push(p);
        }
    }
}

#[test]
fn client_texts_cite_no_internal_notes() {
    let mut problems = Vec::new();
    // The catalog: every text a report or `tenantlint explain` shows.
    let mut files = Vec::new();
    rule_files(&crate_root().join("rules"), &mut files);
    assert!(files.len() > 50, "the catalog is found");
    for f in &files {
        let t: toml::Table = toml::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
        for key in ["title", "summary", "rationale", "remediation", "remediation_cases", "references"] {
            let Some(v) = t.get(key) else { continue };
            let text = v.to_string();
            if let Some(w) = internal_reference(&text) {
                problems.push(format!("{}: {key} cites `{w}`", f.display()));
            }
        }
    }
    // The findings of the sample and the messy fixture: titles, evidence, remediation.
    for estate in ["samples/contoso-merger", "tests/fixtures/messy-merger"] {
        let out = tempfile::tempdir().unwrap();
        let report = scan(estate, out.path(), "json");
        for f in report["findings"].as_array().unwrap() {
            let text = format!("{} {} {}", f["title"], f["evidence"], f["remediation"]);
            if let Some(w) = internal_reference(&text) {
                problems.push(format!("{estate}: {} \"{}\" cites `{w}`", f["rule"], f["title"]));
            }
        }
    }
    assert!(problems.is_empty(), "internal notes cited in client-visible text:\n{}", problems.join("\n"));
}

/// A rule code (`SY005`) in a text meant for the client.
fn rule_code(text: &str) -> Option<String> {
    let b = text.as_bytes();
    (0..b.len().saturating_sub(4)).find_map(|i| {
        let word_start = i == 0 || !b[i - 1].is_ascii_alphanumeric();
        let word_end = b.get(i + 5).is_none_or(|c| !c.is_ascii_alphanumeric());
        let bytes = b.get(i..i + 5)?;
        if !bytes.iter().all(u8::is_ascii_alphanumeric) {
            return None;
        }
        let code = &text[i..i + 5];
        let prefix = ["AN", "CH", "DD", "DO", "DU", "FE", "IF", "IN", "MS", "SU", "SY"].contains(&&code[..2]);
        (word_start && word_end && prefix && code[2..].bytes().all(|c| c.is_ascii_digit())).then(|| code.to_string())
    })
}

#[test]
fn remediation_texts_name_no_rule_codes() {
    // The remediation is what the client's teams read in the plan and the backlog: a rule code means
    // nothing to them (the finding's title does).
    assert_eq!(rule_code("turn the block on (SY005)."), Some("SY005".into()));
    assert_eq!(rule_code("HSY0050 and AN01"), None);
    let mut files = Vec::new();
    rule_files(&crate_root().join("rules"), &mut files);
    let mut problems = Vec::new();
    for f in &files {
        let t: toml::Table = toml::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
        for key in ["remediation", "remediation_cases"] {
            if let Some(code) = t.get(key).and_then(|v| rule_code(&v.to_string())) {
                problems.push(format!("{}: {key} names {code}", f.display()));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_first_page_counts_each_subscription_once() {
    let out = tempfile::tempdir().unwrap();
    let report = scan("samples/contoso-merger", out.path(), "json,html");
    let distinct = n(&report["estate"]["subscriptions"]);
    assert_eq!(distinct, report["estate"]["subscription_list"].as_array().unwrap().len());
    let html = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    let scope = format!("<tr><th>Azure</th><td>{distinct} subscriptions</td></tr>");
    assert!(html.contains(&scope), "the scope line says {distinct} subscriptions");
}
