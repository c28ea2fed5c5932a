//! The JSON report (`report.json`): the contract that CI consumers and later tools rely on.
//!
//! Its schema is `schemas/report.schema.json` (JSON Schema draft 2020-12); `schema_version` follows
//! semantic versioning: additive changes bump the minor version, anything else the major version.
//! Output is deterministic: the same inputs give byte-identical JSON except `generated_at`.
//!
//! Top-level keys: `schema_version`, `tool` {name, version}, `generated_at`, `as_of`, `complete` and
//! `unreadable_inputs[]` (false / the files when inputs failed under `--keep-going`), `inputs[]` (every file
//! seen: path, kind, status, encoding, bytes, records, attributed_to, exported_at, exported_at_source, reason,
//! warnings[]), `estate` (counts per node kind, `edges` per edge kind, `tenant_list[]`, `forest_list[]`, each
//! with its `data_date`, `subscription_list[]` — each subscription once with every export that lists it),
//! `summary` (findings per
//! severity and category), `coverage[]` (per forest/tenant: objects some rules could not judge because
//! the source did not collect what they need — [`crate::rules::coverage`]), `gate` (policy, fail_on, passed, failing findings, exceptions, baseline) and
//! `findings[]` (rule, rule_name, category, severity, title, subjects[] with source {path, line},
//! evidence, remediation, fingerprint, suppressed).

use super::RunSummary;
use crate::findings::{Finding, Tally};
use crate::graph::Counts;
use crate::ingest::{Ingested, Status};
use crate::rules::catalog;
use crate::source::{SourceMap, SourceRef};
use serde::Serialize;
use std::collections::BTreeMap;

/// Version of the report format.
pub const SCHEMA_VERSION: &str = "1.6.0";

#[derive(Serialize)]
struct Report<'a> {
    schema_version: &'static str,
    tool: Tool,
    generated_at: &'a str,
    as_of: &'a str,
    complete: bool,
    unreadable_inputs: Vec<&'a str>,
    inputs: Vec<InputJson<'a>>,
    estate: EstateJson<'a>,
    summary: Tally,
    coverage: &'a [crate::rules::coverage::Gap],
    gate: GateJson<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sync_preview: Option<PreviewJson<'a>>,
    findings: Vec<FindingJson<'a>>,
}

/// The sync preview's counts (the rows are in `sync-preview.csv`).
#[derive(Serialize)]
struct PreviewJson<'a> {
    simulated: &'a [String],
    objects: usize,
    summary: Vec<crate::preview::PairCounts>,
}

#[derive(Serialize)]
struct GateJson<'a> {
    policy: Option<&'a str>,
    fail_on: Option<&'static str>,
    passed: bool,
    failing: usize,
    failing_fingerprints: Vec<String>,
    excepted: usize,
    baselined: usize,
    baseline: Option<&'a str>,
    expired_exceptions: Vec<ExceptionJson<'a>>,
    stale_exceptions: Vec<ExceptionJson<'a>>,
    fixed_since_baseline: &'a [crate::gate::baseline::Entry],
}

#[derive(Serialize)]
struct ExceptionJson<'a> {
    rule: &'a str,
    subject: Option<&'a str>,
    fingerprint: Option<&'a str>,
    reason: &'a str,
    owner: &'a str,
    expires: String,
    policy_line: u32,
}

#[derive(Serialize)]
#[serde(tag = "by", rename_all = "lowercase")]
enum SuppressedJson<'a> {
    Exception { reason: &'a str, owner: &'a str, expires: String, policy_line: u32 },
    Baseline,
}

fn exception_json(x: &crate::gate::Exception) -> ExceptionJson<'_> {
    ExceptionJson {
        rule: &x.rule,
        subject: x.subject.as_deref(),
        fingerprint: x.fingerprint.as_deref(),
        reason: &x.reason,
        owner: &x.owner,
        expires: x.expires.to_string(),
        policy_line: x.line,
    }
}

fn gate<'a>(s: &'a RunSummary<'_>) -> GateJson<'a> {
    use crate::gate::Suppression;
    let g = s.gate;
    GateJson {
        policy: (!g.policy_path.is_empty()).then_some(g.policy_path.as_str()),
        fail_on: g.fail_on.map(|f| f.as_str()),
        passed: g.passed(),
        failing: g.failing.len(),
        failing_fingerprints: g.failing.iter().map(|&i| s.fingerprint(i).into_owned()).collect(),
        excepted: g.suppressions.iter().filter(|x| matches!(x, Some(Suppression::Exception(_)))).count(),
        baselined: g.suppressions.iter().filter(|x| matches!(x, Some(Suppression::Baseline))).count(),
        baseline: g.baseline_path.as_deref(),
        expired_exceptions: g.expired.iter().map(exception_json).collect(),
        stale_exceptions: g.stale.iter().map(exception_json).collect(),
        fixed_since_baseline: &g.fixed,
    }
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct InputJson<'a> {
    path: &'a str,
    kind: &'a str,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    encoding: &'a str,
    bytes: u64,
    records: usize,
    attributed_to: Option<&'a str>,
    /// When the file's data was exported (RFC 3339), since 1.5.
    exported_at: Option<String>,
    /// Where `exported_at` comes from ([`crate::model::ExportSource::as_str`]), since 1.5.
    exported_at_source: Option<&'static str>,
    warnings: Vec<WarningJson<'a>>,
}

#[derive(Serialize)]
struct WarningJson<'a> {
    rule: &'a str,
    line: Option<u32>,
    message: &'a str,
}

#[derive(Serialize)]
struct EstateJson<'a> {
    #[serde(flatten)]
    counts: &'a Counts,
    tenant_list: Vec<TenantJson<'a>>,
    forest_list: Vec<ForestJson<'a>>,
    subscription_list: Vec<SubscriptionJson<'a>>,
}

/// One subscription (a graph node), with every export record that lists it.
#[derive(Serialize)]
struct SubscriptionJson<'a> {
    id: &'a str,
    name: Option<&'a str>,
    trusted_tenant: Option<&'a str>,
    sources: Vec<SourceJson<'a>>,
}

#[derive(Serialize)]
struct TenantJson<'a> {
    name: &'a str,
    id: Option<&'a str>,
    attributed_by: &'a str,
    cloud_objects: usize,
    domains: usize,
    data_date: Option<DataDateJson<'a>>,
}

/// A tenant's or forest's data date (since 1.5).
#[derive(Serialize)]
struct DataDateJson<'a> {
    exported_at: String,
    source: &'static str,
    detail: &'a str,
    earliest: Option<String>,
    inputs: usize,
}

fn rfc3339(at: time::OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

fn data_date(d: Option<&crate::model::DataDate>) -> Option<DataDateJson<'_>> {
    d.map(|d| DataDateJson {
        exported_at: rfc3339(d.latest.at),
        source: d.latest.source.as_str(),
        detail: &d.latest.detail,
        earliest: d.earliest.map(rfc3339),
        inputs: d.inputs,
    })
}

#[derive(Serialize)]
struct ForestJson<'a> {
    name: &'a str,
    domains: &'a [String],
    ad_objects: usize,
    complete: Option<bool>,
    anchor_attribute: Option<&'a str>,
    syncs_to: Vec<&'a str>,
    attributed_by: &'a str,
    data_date: Option<DataDateJson<'a>>,
}

#[derive(Serialize)]
struct FindingJson<'a> {
    rule: &'a str,
    rule_name: &'a str,
    category: &'static str,
    severity: &'static str,
    title: &'a str,
    subjects: Vec<SubjectJson<'a>>,
    evidence: &'a crate::findings::Evidence,
    remediation: &'a str,
    fingerprint: std::borrow::Cow<'a, str>,
    suppressed: Option<SuppressedJson<'a>>,
    /// The cause's fingerprint when this finding is folded under it.
    caused_by: Option<&'a str>,
    /// The findings folded under this one.
    consequences: Vec<ConsequenceJson<'a>>,
}

#[derive(Serialize)]
struct ConsequenceJson<'a> {
    rule: &'a str,
    severity: &'static str,
    title: &'a str,
    fingerprint: &'a str,
}

#[derive(Serialize)]
struct SubjectJson<'a> {
    kind: &'a str,
    id: &'a str,
    display: &'a str,
    source: Option<SourceJson<'a>>,
}

#[derive(Serialize)]
struct SourceJson<'a> {
    path: &'a str,
    line: Option<u32>,
}

fn source<'a>(sources: &'a SourceMap, at: SourceRef) -> SourceJson<'a> {
    SourceJson { path: sources.display(at.file), line: (at.line > 0).then_some(at.line) }
}

fn inputs(ing: &Ingested) -> Vec<InputJson<'_>> {
    ing.inputs
        .iter()
        .map(|r| {
            let (status, reason) = match &r.status {
                Status::Read => ("read", None),
                Status::Skipped(why) => ("skipped", Some(why.clone())),
                Status::Failed(e) => (
                    "failed",
                    Some(if e.line > 0 { format!("line {}: {}", e.line, e.reason) } else { e.reason.clone() }),
                ),
            };
            InputJson {
                path: ing.sources.display(r.file),
                kind: &r.kind,
                status,
                reason,
                encoding: r.encoding,
                bytes: r.bytes,
                records: r.records,
                attributed_to: r.attributed_to.as_deref(),
                exported_at: r.exported_at.as_ref().map(|t| rfc3339(t.at)),
                exported_at_source: r.exported_at.as_ref().map(|t| t.source.as_str()),
                warnings: r
                    .issues
                    .iter()
                    .map(|i| WarningJson {
                        rule: i.code,
                        line: (i.at.line > 0).then_some(i.at.line),
                        message: &i.message,
                    })
                    .collect(),
            }
        })
        .collect()
}

fn estate<'a>(ing: &'a Ingested, counts: &'a Counts, graph: &crate::graph::EstateGraph) -> EstateJson<'a> {
    let e = &ing.estate;
    let mut subs: Vec<(petgraph::stable_graph::NodeIndex, Vec<usize>)> = Vec::new();
    let mut at: BTreeMap<petgraph::stable_graph::NodeIndex, usize> = BTreeMap::new();
    for (i, &n) in graph.subscriptions.iter().enumerate() {
        let k = *at.entry(n).or_insert_with(|| {
            subs.push((n, Vec::new()));
            subs.len() - 1
        });
        subs[k].1.push(i);
    }
    let subscription_list = subs
        .iter()
        .map(|(_, records)| {
            let rec = records.iter().map(|&r| &e.subscriptions[r]);
            SubscriptionJson {
                id: &e.subscriptions[records[0]].id,
                name: rec.clone().find_map(|s| s.display_name.as_deref()),
                trusted_tenant: rec.clone().find_map(|s| s.trusted_tenant()),
                sources: rec.map(|s| source(&ing.sources, s.source)).collect(),
            }
        })
        .collect();
    let mut cloud = vec![0usize; e.tenants.len()];
    for o in &e.cloud_objects {
        cloud[o.tenant as usize] += 1;
    }
    // Distinct names per tenant: several exports of one tenant list the same domain.
    let mut doms = vec![0usize; e.tenants.len()];
    let names: std::collections::BTreeSet<(u32, String)> =
        e.domains.iter().map(|d| (d.tenant, d.name.to_lowercase())).collect();
    for (t, _) in names {
        doms[t as usize] += 1;
    }
    let mut ad = vec![0usize; e.forests.len()];
    for o in &e.ad_objects {
        ad[o.forest as usize] += 1;
    }
    EstateJson {
        counts,
        tenant_list: e
            .tenants
            .iter()
            .enumerate()
            .map(|(i, t)| TenantJson {
                name: &t.name,
                id: t.id.as_deref(),
                attributed_by: &t.attributed_by,
                cloud_objects: cloud[i],
                domains: doms[i],
                data_date: data_date(t.data_date.as_ref()),
            })
            .collect(),
        forest_list: e
            .forests
            .iter()
            .enumerate()
            .map(|(i, f)| ForestJson {
                name: &f.name,
                domains: &f.domains,
                ad_objects: ad[i],
                complete: f.complete,
                anchor_attribute: f.anchor_attribute.as_deref(),
                syncs_to: f.syncs_to.iter().map(|&t| e.tenants[t as usize].name.as_str()).collect(),
                attributed_by: &f.attributed_by,
                data_date: data_date(f.data_date.as_ref()),
            })
            .collect(),
        subscription_list,
    }
}

fn finding<'a>(
    f: &'a Finding,
    fingerprint: std::borrow::Cow<'a, str>,
    sources: &'a SourceMap,
    sup: Option<&'a crate::gate::Suppression>,
) -> FindingJson<'a> {
    FindingJson {
        rule: &f.rule,
        rule_name: catalog::get(&f.rule).map(|m| m.name.as_str()).unwrap_or(""),
        category: f.category.as_str(),
        severity: f.severity.as_str(),
        title: &f.title,
        subjects: f
            .subjects
            .iter()
            .map(|s| SubjectJson {
                kind: &s.kind,
                id: &s.id,
                display: &s.display,
                source: s.source.map(|at| source(sources, at)),
            })
            .collect(),
        evidence: &f.evidence,
        remediation: &f.remediation,
        fingerprint,
        caused_by: f.caused_by.as_deref(),
        consequences: f
            .consequences
            .iter()
            .map(|c| ConsequenceJson {
                rule: &c.rule,
                severity: c.severity.as_str(),
                title: &c.title,
                fingerprint: &c.fingerprint,
            })
            .collect(),
        suppressed: sup.map(|x| match x {
            crate::gate::Suppression::Exception(e) => SuppressedJson::Exception {
                reason: &e.reason,
                owner: &e.owner,
                expires: e.expires.to_string(),
                policy_line: e.line,
            },
            crate::gate::Suppression::Baseline => SuppressedJson::Baseline,
        }),
    }
}

/// Finding `i` of the report as it is written.
fn finding_at<'a>(s: &'a RunSummary<'_>, i: usize) -> FindingJson<'a> {
    finding(&s.findings[i], s.fingerprint(i), &s.ingested.sources, s.gate.suppressions.get(i).and_then(|x| x.as_ref()))
}

/// Renders the report as pretty-printed JSON with a final newline.
pub fn render(s: &RunSummary<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    write(s, &mut out).expect("report serialises");
    out
}

/// Writes the report as [`render`] gives it, streamed into `w` (give it a buffered writer): at a
/// million objects the report is ~110 MB, which is then never held in memory as a whole.
///
/// The findings, nearly all of the bytes, are rendered in parallel, batch after batch, each batch
/// while the one before it is written: one thread took 6 s for the 1.1 GB of a 10M-object
/// estate's report. Each finding is pretty-printed on its own as it reads in its place (see
/// [`Nested`]), so the bytes are those of the whole report pretty-printed at once.
pub fn write(s: &RunSummary<'_>, w: &mut (impl std::io::Write + Send)) -> std::io::Result<()> {
    write_batched(s, w, BATCH, CHUNK)
}

/// [`write`] with the findings rendered `batch` at a time, `chunk` per job.
fn write_batched(
    s: &RunSummary<'_>,
    w: &mut (impl std::io::Write + Send),
    batch: usize,
    chunk: usize,
) -> std::io::Result<()> {
    let head = serde_json::to_vec_pretty(&report_without_findings(s))?;
    // `findings` is the last member: the head ends with it empty, and the findings go in its place.
    const EMPTY_LAST: &[u8] = b"[]\n}";
    let Some(open) = head.strip_suffix(EMPTY_LAST) else {
        return Err(std::io::Error::other("report.json: the findings are not the report's last member"));
    };
    if s.findings.is_empty() {
        w.write_all(&head)?;
        return w.write_all(b"\n");
    }
    w.write_all(open)?;
    w.write_all(b"[")?;
    let render = |range: std::ops::Range<usize>| -> std::io::Result<Vec<Vec<u8>>> {
        use rayon::prelude::*;
        let jobs: Vec<std::ops::Range<usize>> =
            range.clone().step_by(chunk).map(|a| a..(a + chunk).min(range.end)).collect();
        jobs.into_par_iter().map(|job| findings_json(s, job)).collect()
    };
    let n = s.findings.len();
    let mut pending = render(0..batch.min(n))?;
    let mut next = batch.min(n);
    while next < n {
        let range = next..(next + batch).min(n);
        next = range.end;
        let (written, rendered) = rayon::join(|| pending.iter().try_for_each(|b| w.write_all(b)), || render(range));
        written?;
        pending = rendered?;
    }
    pending.iter().try_for_each(|b| w.write_all(b))?;
    w.write_all(b"\n  ]\n}\n")
}

/// Everything in the report but its findings (`findings` is left empty).
fn report_without_findings<'a>(s: &'a RunSummary<'_>) -> Report<'a> {
    let ing = s.ingested;
    let unreadable: Vec<&str> = ing
        .inputs
        .iter()
        .filter(|r| matches!(r.status, Status::Failed(_)))
        .map(|r| ing.sources.display(r.file))
        .collect();
    Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool { name: env!("CARGO_PKG_NAME"), version: env!("CARGO_PKG_VERSION") },
        generated_at: &s.generated_at,
        as_of: &s.as_of,
        complete: unreadable.is_empty(),
        unreadable_inputs: unreadable,
        inputs: inputs(ing),
        estate: estate(ing, &s.counts, s.graph),
        summary: Tally::of(s.findings),
        coverage: s.coverage(),
        gate: gate(s),
        sync_preview: s.preview.map(|p| PreviewJson {
            simulated: &p.simulated,
            objects: p.counts.iter().flat_map(|c| c.outcomes.values()).sum(),
            summary: p.summary(),
        }),
        findings: Vec::new(),
    }
}

/// Findings rendered and written per batch (~10 MB of JSON at ~2.7 KB a finding), and per job.
const BATCH: usize = 4096;
const CHUNK: usize = 128;

/// The findings `range` as they read inside the report's `findings` array: each after its
/// separator (`,` but before the first), on its own lines, indented two levels.
fn findings_json(s: &RunSummary<'_>, range: std::ops::Range<usize>) -> std::io::Result<Vec<u8>> {
    use serde::Serialize as _;
    // ~2.7 KB a finding at a million objects.
    let mut out = Vec::with_capacity(range.len() * 3072);
    for i in range {
        out.extend_from_slice(if i == 0 { b"\n    " } else { b",\n    " });
        finding_at(s, i)
            .serialize(&mut serde_json::Serializer::with_formatter(&mut out, Nested { level: 2, has_value: false }))?;
    }
    Ok(out)
}

/// serde_json's pretty layout (`PrettyFormatter`: members and elements on their own lines, two
/// spaces a level, `": "` after a key, `[]` and `{}` when empty) for a value that starts `level`
/// levels down in the document, so that a finding rendered on its own reads as it does in place.
struct Nested {
    level: usize,
    has_value: bool,
}

impl Nested {
    fn line<W: ?Sized + std::io::Write>(&self, w: &mut W) -> std::io::Result<()> {
        const PAD: &[u8; 65] = b"\n                                                                ";
        let want = 2 * self.level;
        if want < PAD.len() {
            w.write_all(&PAD[..1 + want])
        } else {
            w.write_all(b"\n")?;
            (0..self.level).try_for_each(|_| w.write_all(b"  "))
        }
    }

    fn open<W: ?Sized + std::io::Write>(&mut self, w: &mut W, bracket: &[u8]) -> std::io::Result<()> {
        self.level += 1;
        self.has_value = false;
        w.write_all(bracket)
    }

    fn close<W: ?Sized + std::io::Write>(&mut self, w: &mut W, bracket: &[u8]) -> std::io::Result<()> {
        self.level -= 1;
        if self.has_value {
            self.line(w)?;
        }
        w.write_all(bracket)
    }

    fn item<W: ?Sized + std::io::Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        if !first {
            w.write_all(b",")?;
        }
        self.line(w)
    }
}

impl serde_json::ser::Formatter for Nested {
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"[")
    }

    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"]")
    }

    fn begin_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        self.item(w, first)
    }

    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"{")
    }

    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"}")
    }

    fn begin_object_key<W: ?Sized + std::io::Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        self.item(w, first)
    }

    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::{Category, Severity, Subject};
    use serde_json::json;

    fn nested(v: &serde_json::Value, level: usize) -> String {
        let mut out = Vec::new();
        v.serialize(&mut serde_json::Serializer::with_formatter(&mut out, Nested { level, has_value: false })).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// Deep enough to pass the 32 levels the one-write indentation covers.
    fn deep(levels: usize) -> serde_json::Value {
        (0..levels).fold(json!("leaf\nline"), |inner, i| {
            if i % 2 == 0 { json!([inner, {}]) } else { json!({"k": inner, "e": []}) }
        })
    }

    #[test]
    fn nested_layout_is_the_pretty_layout_moved_down() {
        let values = [
            json!({}),
            json!([]),
            json!("a \"string\"\nwith a line break\tand é"),
            json!(null),
            json!({"a": [], "b": {}, "c": [1, [2, []], {"d": {}}], "e": "x\ny", "f": -0.5, "g": true}),
            json!([{"members": [{"subject": "x", "role": null}]}, [], {}]),
            deep(40),
        ];
        for v in &values {
            let pretty = serde_json::to_string_pretty(v).unwrap();
            assert_eq!(nested(v, 0), pretty);
            for level in [1, 2, 33] {
                assert_eq!(
                    nested(v, level),
                    pretty.replace('\n', &format!("\n{}", "  ".repeat(level))),
                    "level {level}"
                );
            }
        }
    }

    fn finding(n: usize) -> Finding {
        Finding {
            rule: ["IN002", "CH002", "DU001"][n % 3].into(),
            category: Category::Input,
            severity: Severity::ALL[n % 5],
            title: format!("record {n} could not be read: \"quoted\"\nand broken"),
            subjects: (0..n % 3)
                .map(|k| Subject {
                    kind: "ad-object".into(),
                    id: format!("{n:08x}-0000-4000-8000-00000000000{k}"),
                    display: format!("Person {n}"),
                    source: Some(SourceRef::new(crate::source::FileId(0), n as u32 + 2)),
                })
                .collect(),
            evidence: [
                ("line".to_string(), json!(n + 2)),
                ("values".to_string(), json!([n, {"nested": ["a", {}], "empty": []}])),
            ]
            .into_iter()
            .collect(),
            remediation: "Export the file again.".into(),
            discriminator: n.to_string(),
            caused_by: (n % 4 == 1).then(|| "0123abcd".to_string()),
            consequences: Vec::new(),
        }
    }

    /// The report as a whole document pretty-printed at once: what the batched writer must equal.
    fn whole(s: &RunSummary<'_>) -> Vec<u8> {
        let mut report = report_without_findings(s);
        report.findings = (0..s.findings.len()).map(|i| finding_at(s, i)).collect();
        let mut out = serde_json::to_vec_pretty(&report).unwrap();
        out.push(b'\n');
        out
    }

    #[test]
    fn findings_written_in_batches_read_as_one_pretty_document() {
        let mut ing = crate::ingest::Ingested::default();
        ing.sources.add("exports/users.csv".into(), "exports/users.csv".into());
        let graph = crate::graph::EstateGraph::default();
        let gate = crate::gate::GateResult::default();
        for n in [0, 1, 2, 7, 64, 65, 300] {
            let findings: Vec<Finding> = (0..n).map(finding).collect();
            let s = RunSummary::for_test(&ing, &graph, &gate, &findings, "2026-11-23T00:00:00Z");
            let want = whole(&s);
            for (batch, chunk) in [(BATCH, CHUNK), (1, 1), (64, 8), (7, 3), (100, 100)] {
                let mut got = Vec::new();
                write_batched(&s, &mut got, batch, chunk).unwrap();
                assert!(got == want, "{n} findings, batch {batch}, chunk {chunk}:\n{}", String::from_utf8_lossy(&got));
            }
            assert_eq!(render(&s), want);
            let parsed: serde_json::Value = serde_json::from_slice(&want).unwrap();
            assert_eq!(parsed["findings"].as_array().map(Vec::len), Some(n));
        }
    }
}
