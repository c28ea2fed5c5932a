//! The findings data island: tables of repeated strings (rules, files, scopes, remediations), then one
//! compact array per top-level finding, capped per finding and in number (see the limits in
//! [`super`]). The page's script renders it; [`super::render`] escapes it into the page.

use super::scopes::Scopes;
use super::text::{RelPaths, clip};
use super::{MAX_COMMAND, MAX_COMMANDS, MAX_EVIDENCE, MAX_SUBJECTS, MAX_TEXT};
use crate::findings::{Category, Finding, Severity};
use crate::gate::Suppression;
use crate::report::RunSummary;
use crate::rules::catalog;
use rayon::prelude::*;
use serde_json::{Value, json};
use std::collections::HashMap;

/// Commands a finding proposes, from its evidence: `commands` (list or string), `command`, `fix`,
/// `proposed_value` (as a value to set).
fn commands(ev: &serde_json::Map<String, Value>) -> Vec<String> {
    let mut out = Vec::new();
    for key in ["commands", "command", "fix"] {
        match ev.get(key) {
            Some(Value::String(s)) => out.push(clip(s, MAX_COMMAND)),
            Some(Value::Array(a)) => out.extend(a.iter().filter_map(|v| v.as_str()).map(|s| clip(s, MAX_COMMAND))),
            _ => {}
        }
    }
    if let Some(v) = ev.get("proposed_value") {
        let attr = ev.get("attribute").and_then(|a| a.as_str()).unwrap_or("value");
        let v = v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string());
        out.push(clip(&format!("set {attr} = {v}"), MAX_COMMAND));
    }
    if out.is_empty()
        && let Some(Value::String(m)) = ev.get("message")
    {
        // Input findings carry the re-export command in backticks inside their message.
        let parts: Vec<&str> = m.split('`').collect();
        for (i, p) in parts.iter().enumerate() {
            if i % 2 == 1 && (p.contains(" -") || p.contains('|')) && p.len() > 12 {
                out.push(clip(p, MAX_COMMAND));
            }
        }
    }
    out.truncate(MAX_COMMANDS);
    out
}

/// A value of the evidence as text: scalars as they are, an object as `key: value` pairs.
fn value_text(v: &Value, rel: &RelPaths) -> String {
    match v {
        Value::String(s) => clip(&rel.text(s), MAX_TEXT),
        Value::Null => "none".into(),
        Value::Bool(b) => if *b { "yes" } else { "no" }.into(),
        Value::Number(n) => n.to_string(),
        Value::Array(a) => clip(&a.iter().map(|x| value_text(x, rel)).collect::<Vec<_>>().join("; "), MAX_TEXT),
        Value::Object(o) => clip(
            &o.iter().map(|(k, x)| format!("{}: {}", k, value_text(x, rel))).collect::<Vec<_>>().join(", "),
            MAX_TEXT,
        ),
    }
}

/// The evidence as labelled fields (the page's script shows the key `days_left` as `days left`), `[key, text]` or `[label, [item, …]]` for a list, at most
/// [`MAX_EVIDENCE`] characters in all; the commands are shown apart.
fn evidence_fields(ev: &serde_json::Map<String, Value>, rel: &RelPaths) -> Vec<Value> {
    let mut out = Vec::new();
    let mut budget = MAX_EVIDENCE;
    for (k, v) in ev {
        if matches!(k.as_str(), "commands" | "command" | "fix") {
            continue;
        }
        let value = match v {
            Value::Array(a) if a.len() > 1 => {
                let mut items: Vec<String> = a.iter().take(MAX_SUBJECTS).map(|x| value_text(x, rel)).collect();
                if a.len() > MAX_SUBJECTS {
                    items.push(format!("… and {} more", a.len() - MAX_SUBJECTS));
                }
                json!(items)
            }
            v => json!(value_text(v, rel)),
        };
        let size = k.len() + value.to_string().len();
        if size > budget {
            out.push(json!([k, "…"]));
            break;
        }
        budget -= size;
        out.push(json!([k, value]));
    }
    out
}

fn suppression_text(s: Option<&Suppression>) -> String {
    match s {
        Some(Suppression::Exception(x)) => {
            format!("excepted by policy line {}: {} (owner {}, until {})", x.line, x.reason, x.owner, x.expires)
        }
        Some(Suppression::Baseline) => "in the baseline".into(),
        None => String::new(),
    }
}

/// The repeated-string tables of the data island, filled in the order findings first use them.
struct Tables<'s> {
    rule_idx: HashMap<&'s str, usize>,
    rules: Vec<Value>,
    file_idx: HashMap<u32, usize>,
    files: Vec<Value>,
    rem_idx: HashMap<&'s str, usize>,
    rems: Vec<Value>,
}

impl<'s> Tables<'s> {
    /// Adds the strings finding `f` uses (its rule, remediation, its shown subjects' files) on
    /// first use; gives their indices: (rule, remediation, (file, line) per shown subject).
    fn register(
        &mut self,
        ing: &crate::ingest::Ingested,
        rel: &RelPaths,
        f: &'s Finding,
    ) -> (usize, usize, Vec<(i64, u32)>) {
        let Tables { rule_idx, rules, file_idx, files, rem_idx, rems } = self;
        let ri = *rule_idx.entry(f.rule.as_str()).or_insert_with(|| {
            let m = catalog::get(&f.rule);
            rules.push(json!([
                f.rule,
                m.map(|m| m.name.as_str()).unwrap_or(""),
                m.map(|m| m.title.as_str()).unwrap_or("")
            ]));
            rules.len() - 1
        });
        let rem = *rem_idx.entry(f.remediation.as_str()).or_insert_with(|| {
            rems.push(Value::String(rel.text(&f.remediation)));
            rems.len() - 1
        });
        let at = f
            .subjects
            .iter()
            .take(MAX_SUBJECTS)
            .map(|sub| match sub.source {
                Some(at) => {
                    let n = files.len();
                    let fi = *file_idx.entry(at.file.0).or_insert_with(|| {
                        files.push(Value::String(rel.path(ing.sources.display(at.file))));
                        n
                    });
                    (fi as i64, at.line)
                }
                None => (-1, 0),
            })
            .collect();
        (ri, rem, at)
    }

    /// [`Tables::register`]'s answer for a finding it has already registered (read only, so the
    /// findings' arrays can be built in parallel once every finding is registered).
    fn indices(&self, f: &Finding) -> (usize, usize, Vec<(i64, u32)>) {
        // Indexing cannot fail: `write` registers every finding it shows before building any array.
        let at = f
            .subjects
            .iter()
            .take(MAX_SUBJECTS)
            .map(|sub| sub.source.map_or((-1, 0), |at| (self.file_idx[&at.file.0] as i64, at.line)))
            .collect();
        (self.rule_idx[f.rule.as_str()], self.rem_idx[f.remediation.as_str()], at)
    }
}

/// A subject in a finding's array: kind, id, display text, file index (-1: none), line.
type SubjectArray<'s> = (&'s str, String, String, i64, u32);
/// A folded consequence in a finding's array: rule, severity index, title, fingerprint.
type ConsequenceArray<'s> = (&'s str, usize, String, &'s str);
/// One finding's array, field by field (serialised as a JSON array, the order the page's script reads).
type FindingArray<'s> = (
    usize,
    usize,
    usize,
    String,
    Vec<SubjectArray<'s>>,
    usize,
    Vec<Value>,
    usize,
    std::borrow::Cow<'s, str>,
    String,
    Vec<usize>,
    Vec<String>,
    bool,
    Vec<ConsequenceArray<'s>>,
    usize,
);

/// One finding's array ([`Tables::register`] gives the indices of its strings). Built from borrowed
/// parts and serialised as it stands (the same text as the `serde_json::Value` it once was, without
/// building one per finding).
fn finding<'s>(
    s: &'s RunSummary<'_>,
    rel: &RelPaths,
    scopes: &Scopes<'_>,
    tables: &Tables<'s>,
    i: usize,
    f: &'s Finding,
) -> FindingArray<'s> {
    let (ri, rem, at) = tables.indices(f);
    let scope = scopes.of(f);
    let subjects = f
        .subjects
        .iter()
        .zip(at)
        .map(|(sub, (fi, line))| {
            (sub.kind.as_str(), clip(&sub.id, MAX_TEXT), clip(&rel.text(&sub.display), MAX_TEXT), fi, line)
        })
        .collect();
    // The evidence is parsed once: its fields and its commands are shown apart.
    let ev = f.evidence.map();
    let evidence = evidence_fields(&ev, rel);
    (
        ri,
        Severity::ALL.iter().position(|&x| x == f.severity).unwrap_or(0),
        Category::ALL.iter().position(|&x| x == f.category).unwrap_or(0),
        clip(&rel.text(&f.title), MAX_TEXT),
        subjects,
        f.subjects.len().saturating_sub(MAX_SUBJECTS),
        evidence,
        rem,
        s.fingerprint(i),
        suppression_text(s.gate.suppressions.get(i).and_then(|x| x.as_ref())),
        scope.into_iter().collect(),
        commands(&ev).iter().map(|c| rel.text(c)).collect(),
        s.gate.failing.binary_search(&i).is_ok(),
        f.consequences
            .iter()
            .take(MAX_SUBJECTS)
            .map(|c| {
                (
                    c.rule.as_str(),
                    Severity::ALL.iter().position(|&x| x == c.severity).unwrap_or(0),
                    clip(&rel.text(&c.title), MAX_TEXT),
                    c.fingerprint.as_str(),
                )
            })
            .collect(),
        f.consequences.len().saturating_sub(MAX_SUBJECTS),
    )
}

/// Top-level findings in the island: a consequence is shown inside its cause ("what else this
/// causes"); at most `max_findings`.
fn top<'s>(s: &'s RunSummary<'_>, max_findings: usize) -> impl Iterator<Item = (usize, &'s Finding)> {
    s.findings.iter().enumerate().filter(|(_, f)| f.caused_by.is_none()).take(max_findings)
}

/// Writes the compact data island to `emit` with `escape` applied to its JSON text: tables of
/// repeated strings, then one array per finding. The same text as serialising one JSON object
/// (keys in order), but the findings' arrays are built (in parallel), written and dropped 1,024 at a
/// time — the tables are filled by a first pass that only registers strings — so a page of 50,000
/// findings never holds them all, as JSON values or as text: `emit` gets the text in pieces of about
/// 64 KiB.
pub(super) fn write(
    s: &RunSummary<'_>,
    max_findings: usize,
    escape: fn(&str, &mut String),
    emit: &mut dyn FnMut(&str) -> std::fmt::Result,
) -> std::fmt::Result {
    const PIECE: usize = 64 * 1024;
    let mut buffer = String::with_capacity(2 * PIECE);
    let out = &mut buffer;
    let rel = RelPaths::new(&s.scan_paths);
    let scopes = Scopes::new(s.ingested);
    let mut t = Tables {
        rule_idx: HashMap::new(),
        rules: Vec::new(),
        file_idx: HashMap::new(),
        files: Vec::new(),
        rem_idx: HashMap::new(),
        rems: Vec::new(),
    };
    for (_, f) in top(s, max_findings) {
        t.register(s.ingested, &rel, f);
    }
    fn put_any(v: &impl serde::Serialize, escape: fn(&str, &mut String), out: &mut String) {
        escape(&serde_json::to_string(v).expect("JSON serialises"), out)
    }
    let put = |v: &Value, out: &mut String| put_any(v, escape, out);
    let severities = json!(Severity::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>());
    let categories = json!(Category::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>());
    let scope_list = json!(scopes.list.iter().map(|(n, k)| json!([n, k])).collect::<Vec<_>>());
    // Keys in serde_json's (sorted) order, as `json!({...})` wrote them.
    out.push_str("{\"categories\":");
    put(&categories, out);
    // CI terms (fingerprints, the gate) are shown only when a policy or a baseline is in use.
    out.push_str(",\"ci\":");
    put(&json!(super::view::ci_in_use(s)), out);
    out.push_str(",\"files\":");
    put(&Value::Array(std::mem::take(&mut t.files)), out);
    out.push_str(",\"findings\":[");
    // The arrays of a batch of findings are built and escaped in parallel, then written in order.
    let shown: Vec<(usize, &Finding)> = top(s, max_findings).collect();
    for (b, batch) in shown.chunks(1024).enumerate() {
        let texts: Vec<String> = batch
            .par_iter()
            .map(|&(i, f)| {
                let mut text = String::new();
                put_any(&finding(s, &rel, &scopes, &t, i, f), escape, &mut text);
                text
            })
            .collect();
        for (k, text) in texts.iter().enumerate() {
            if b > 0 || k > 0 {
                out.push(',');
            }
            out.push_str(text);
            if out.len() >= PIECE {
                emit(out)?;
                out.clear();
            }
        }
    }
    out.push_str("],\"remediations\":");
    put(&Value::Array(std::mem::take(&mut t.rems)), out);
    out.push_str(",\"rules\":");
    put(&Value::Array(std::mem::take(&mut t.rules)), out);
    out.push_str(",\"scopes\":");
    put(&scope_list, out);
    out.push_str(",\"severities\":");
    put(&severities, out);
    out.push('}');
    emit(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_command_is_shown_whole() {
        let cmd = crate::ingest::export::ad_powershell_command("Get-ADUser", r"ad\corp\users.csv");
        assert!(cmd.len() > MAX_TEXT, "the export command is longer than a title ({})", cmd.len());
        let ev = crate::rules::evidence([("message", serde_json::json!(format!("export again with `{cmd}`")))]);
        let f = crate::rules::finding("IN003", "t", Vec::new(), ev, "");
        assert_eq!(commands(&f.evidence.map()), vec![cmd]);
    }
}
