//! `--pseudonymize` in every format: each text keeps its quoting (the backticks around a value survive its
//! replacement by a token) and no personal value of the estate remains, as a whole word, in any file.

use crate::util::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

const FORMATS: &str = "json,html,sarif,junit,csv";
const FILES: [&str; 5] = ["report.json", "report.html", "report.sarif", "report.junit.xml", "findings.csv"];

fn scan_into(estate: &Path, out: &Path, extra: &[&str]) {
    let mut args = vec!["scan", estate.to_str().unwrap(), "--format", FORMATS, "--out", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    assert_code(&tenantlint(&args), 0);
}

/// Every string of a JSON value, in document order, except under the keys in `skip` (the tool's own
/// vocabulary: rule codes and names, categories, severities, subject kinds, fingerprints).
fn strings(v: &Value, skip: &[&str], out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| strings(x, skip, out)),
        Value::Object(o) => o.iter().filter(|(k, _)| !skip.contains(&k.as_str())).for_each(|(k, x)| {
            out.push(k.clone());
            strings(x, skip, out)
        }),
        _ => {}
    }
}

const VOCABULARY: &[&str] =
    &["rule", "rule_name", "ruleId", "level", "category", "severity", "kind", "fingerprint", "partialFingerprints"];

fn unescape_markup(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// The text between `open` and the next `close`, for every occurrence.
fn between<'a>(s: &'a str, open: &str, close: &str) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find(open) {
        let after = &rest[i + open.len()..];
        let Some(j) = after.find(close) else { break };
        out.push(&after[..j]);
        rest = &after[j..];
    }
    out
}

/// The HTML page's findings data island, parsed.
fn island(html: &str) -> Value {
    let text = between(html, "id=\"report-data\">", "</script>");
    serde_json::from_str(text.first().expect("data island")).expect("the island is JSON")
}

/// The estate text of one output file as a reader sees it (JSON strings decoded, markup entities
/// resolved, CSV cells unquoted), without what the tool writes on its own: the rule catalog (SARIF
/// `tool`, the HTML rule table, JUnit case names) and enumerations such as subject kinds.
fn decoded(dir: &Path, file: &str) -> String {
    let raw = std::fs::read_to_string(dir.join(file)).unwrap();
    let mut parts = Vec::new();
    match file {
        "report.json" => {
            let r: Value = serde_json::from_str(&raw).unwrap();
            for key in ["findings", "inputs", "unreadable_inputs", "gate"] {
                strings(&r[key], VOCABULARY, &mut parts);
            }
        }
        "report.sarif" => {
            let r: Value = serde_json::from_str(&raw).unwrap();
            strings(&r["runs"][0]["results"], VOCABULARY, &mut parts);
            strings(&r["runs"][0]["invocations"], VOCABULARY, &mut parts);
        }
        "report.html" => {
            let d = island(&raw);
            for f in d["findings"].as_array().unwrap() {
                parts.push(f[3].as_str().unwrap().to_string()); // title
                for s in f[4].as_array().unwrap() {
                    parts.extend([&s[1], &s[2]].iter().filter_map(|x| x.as_str()).map(str::to_string));
                }
                strings(&f[6], &[], &mut parts); // evidence
                strings(&f[11], &[], &mut parts); // commands
            }
            strings(&d["remediations"], &[], &mut parts);
            strings(&d["files"], &[], &mut parts);
            for section in ["summary", "map", "gate", "inputs"] {
                let open = format!("<section id=\"{section}\">");
                parts.extend(between(&raw, &open, "</section>").into_iter().map(unescape_markup));
            }
        }
        "report.junit.xml" => parts.extend(between(&raw, "<failure", "</failure>").into_iter().map(|f| {
            // The failure's text lists the findings; its `message` is the catalog title.
            unescape_markup(f.split_once('>').map_or("", |(_, text)| text))
        })),
        "findings.csv" => {
            let mut rdr = csv::Reader::from_reader(raw.as_bytes());
            let keep: Vec<bool> = rdr
                .headers()
                .unwrap()
                .iter()
                .map(|h| {
                    ![
                        "id",
                        "rule",
                        "rule_name",
                        "severity",
                        "category",
                        "owner_role",
                        "status",
                        "subject_kind",
                        "affected_kinds",
                        "fingerprint",
                    ]
                    .contains(&h)
                })
                .collect();
            for rec in rdr.records() {
                let rec = rec.unwrap();
                parts.extend(rec.iter().zip(&keep).filter(|(_, k)| **k).map(|(c, _)| c.to_string()));
            }
        }
        _ => unreachable!(),
    }
    parts.join("\n")
}

/// Where `value` occurs in `text` as a whole word (ASCII case-insensitive, as the pseudonymizer matches).
fn whole_word_at(text: &str, value: &str) -> Option<usize> {
    let (t, v) = (text.to_ascii_lowercase(), value.to_ascii_lowercase());
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    t.match_indices(&v)
        .map(|(i, _)| i)
        .find(|&i| !word(t[..i].chars().next_back()) && !word(t[i + v.len()..].chars().next()))
}

/// The titles of the findings as each format writes them, in report order.
fn titles(dir: &Path) -> Vec<(&'static str, Vec<String>)> {
    let report = read_report(dir);
    let json: Vec<String> =
        report["findings"].as_array().unwrap().iter().map(|f| f["title"].as_str().unwrap().to_string()).collect();
    let sarif: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("report.sarif")).unwrap()).unwrap();
    let sarif: Vec<String> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["message"]["text"].as_str().unwrap().to_string())
        .collect();
    let html = island(&std::fs::read_to_string(dir.join("report.html")).unwrap());
    let html: Vec<String> =
        html["findings"].as_array().unwrap().iter().map(|f| f[3].as_str().unwrap().to_string()).collect();
    let mut rdr = csv::Reader::from_path(dir.join("findings.csv")).unwrap();
    let col = rdr.headers().unwrap().iter().position(|h| h == "title").expect("a title column");
    let mut csv: Vec<String> = rdr.records().map(|r| r.unwrap()[col].to_string()).collect();
    csv.dedup(); // one row per finding × subject
    vec![("report.json", json), ("report.sarif", sarif), ("report.html", html), ("findings.csv", csv)]
}

/// The sample estate in a temp folder, plus a botched export whose warnings quote a UPN and a name.
fn estate(tmp: &Path) -> PathBuf {
    let estate = tmp.join("contoso-merger");
    let copied = std::process::Command::new("cp")
        .arg("-r")
        .arg(crate_root().join("samples/contoso-merger"))
        .arg(&estate)
        .status()
        .unwrap();
    assert!(copied.success());
    std::fs::write(
        estate.join("ad/contoso/botched.csv"),
        "\"DistinguishedName\",\"ObjectGUID\",\"SamAccountName\",\"UserPrincipalName\",\"DisplayName\",\"userAccountControl\",\"whenCreated\"\r\n\
         \"CN=Shifted,OU=Staff,DC=corp,DC=contoso,DC=com\",\"j.quill@contoso.com\",\"shifted\",\"j.quill@contoso.com\",\"Shifted Person\",\"Shifted Person\",\"2024-01-01\"\r\n",
    )
    .unwrap();
    estate
}

#[test]
fn pseudonymized_texts_keep_their_backticks_and_no_personal_value_in_any_format() {
    let tmp = tempfile::tempdir().unwrap();
    let estate = estate(tmp.path());
    let plain = tmp.path().join("plain");
    let pseudo = tmp.path().join("pseudo");
    scan_into(&estate, &plain, &[]);
    scan_into(&estate, &pseudo, &["--pseudonymize"]);

    // Backticks: every title keeps exactly the backticks it had, in every format, and balanced ones stay
    // balanced in every decoded text (evidence, remediation, subjects, CSV cells, the page).
    let (before, after) = (titles(&plain), titles(&pseudo));
    let mut quoted = 0;
    for ((format, plain_titles), (_, pseudo_titles)) in before.iter().zip(&after) {
        assert_eq!(plain_titles.len(), pseudo_titles.len(), "{format}: same findings");
        for (p, q) in plain_titles.iter().zip(pseudo_titles) {
            assert_eq!(p.matches('`').count(), q.matches('`').count(), "{format}: backticks lost: {p:?} became {q:?}");
            quoted += usize::from(p.contains('`') && p != q);
        }
    }
    assert!(quoted >= 10, "the sample has pseudonymised titles with quoted values: {quoted}");
    for file in FILES {
        let (p, q) = (decoded(&plain, file), decoded(&pseudo, file));
        assert_eq!(p.matches('`').count(), q.matches('`').count(), "{file}: backticks lost");
    }

    // Personal values: the pseudonymizer's own list (names, sAMAccountNames, nicknames, addresses...) and,
    // independently, every address-like word of the export files.
    let ingested = tenantlint::app::analyse(
        std::slice::from_ref(&estate),
        &tenantlint::ingest::Options::default(),
        &tenantlint::rules::RuleOptions::default(),
    )
    .unwrap()
    .ingested;
    let p = tenantlint::report::pseudonymize::Pseudonymizer::new([1; 32], &ingested);
    let mut values: Vec<String> = p.values().to_vec();
    values.extend(crate::html::addresses_in(&estate));
    assert!(values.len() > 200, "the sample has many personal values: {}", values.len());
    for v in ["Shifted Person", "j.quill@contoso.com", "r&d.lab@contoso.com", "R&D Lab Bench"] {
        assert!(values.iter().any(|x| x.eq_ignore_ascii_case(v)), "{v} is personal");
    }
    let mut seen_before = 0;
    for file in FILES {
        let (p, q) = (decoded(&plain, file), decoded(&pseudo, file));
        for v in &values {
            seen_before += usize::from(whole_word_at(&p, v).is_some());
            if let Some(i) = whole_word_at(&q, v) {
                let from = (0..=i.saturating_sub(80)).rev().find(|&k| q.is_char_boundary(k)).unwrap_or(0);
                let to = (i + v.len() + 40).min(q.len());
                let to = (to..=q.len()).find(|&k| q.is_char_boundary(k)).unwrap_or(q.len());
                let around = &q[from..to];
                panic!("{file} still holds the personal value {v:?}: …{around}…");
            }
        }
    }
    assert!(seen_before > 300, "without the option the reports name people: {seen_before}");
}
