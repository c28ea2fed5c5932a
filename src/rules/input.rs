//! Family `input` (IN…): problems with the exports themselves, turned into findings so that a
//! weakened or partial analysis is visible in every report and can fail a CI gate.

use super::catalog;
use crate::findings::{Finding, Subject};
use crate::ingest::{InputReport, Issue, Status, codes};
use crate::source::{SourceMap, SourceRef};
use std::collections::BTreeMap;

/// The family entry point.
pub fn run(ctx: &super::Context<'_>) -> Vec<Finding> {
    let mut out = findings(&ctx.ingested.inputs, &ctx.ingested.issues, &ctx.ingested.sources);
    out.extend(unexported_forests(ctx));
    out.extend(dated_by_file_time(ctx));
    out
}

/// IN012: tenants and forests whose data date — the clock their staleness is judged at — comes from the
/// modification time of their files, which copying or unzipping resets. One finding per run listing those
/// files; none under `--as-of`, which replaces every data date.
fn dated_by_file_time(ctx: &super::Context<'_>) -> Option<Finding> {
    use crate::model::{DataDate, ExportSource};
    use serde_json::json;
    if ctx.options.as_of.is_some() {
        return None;
    }
    let (estate, ing) = (ctx.estate(), ctx.ingested);
    let guessed = |d: &Option<DataDate>| d.as_ref().is_some_and(|d| d.latest.source == ExportSource::FileTime);
    let tenants: Vec<usize> = (0..estate.tenants.len()).filter(|&i| guessed(&estate.tenants[i].data_date)).collect();
    let forests: Vec<usize> = (0..estate.forests.len()).filter(|&i| guessed(&estate.forests[i].data_date)).collect();
    let files: Vec<&InputReport> = ing
        .inputs
        .iter()
        .filter(|r| r.exported_at.as_ref().is_some_and(|t| t.source == ExportSource::FileTime))
        .filter(|r| {
            r.tenant.is_some_and(|t| tenants.contains(&(t as usize)))
                || r.forest.is_some_and(|f| forests.contains(&(f as usize)))
        })
        .collect();
    if files.is_empty() {
        return None;
    }
    let names: Vec<String> = tenants
        .iter()
        .map(|&i| format!("tenant {}", estate.tenants[i].name))
        .chain(forests.iter().map(|&i| format!("forest {}", estate.forests[i].name)))
        .collect();
    let dates: Vec<serde_json::Value> = tenants
        .iter()
        .map(|&i| ("tenant", &estate.tenants[i].name, &estate.tenants[i].data_date))
        .chain(forests.iter().map(|&i| ("forest", &estate.forests[i].name, &estate.forests[i].data_date)))
        .map(|(kind, name, d)| json!({kind: name, "data_date": d.as_ref().map(|d| d.latest.at.date().to_string())}))
        .collect();
    let title = format!(
        "{} input file(s) record no export time: the data date of {} is their file modification time, a guess",
        files.len(),
        names.join(", ")
    );
    let subjects = files
        .iter()
        .map(|r| Subject {
            kind: "file".into(),
            id: ing.sources.stable(r.file).to_string(),
            display: ing.sources.display(r.file).to_string(),
            source: Some(SourceRef::file(r.file)),
        })
        .collect();
    let evidence = super::evidence([
        ("files", json!(files.iter().map(|r| ing.sources.display(r.file)).collect::<Vec<_>>())),
        ("data_dates", json!(dates)),
        ("why", json!("the staleness of directory sync and new starters are judged at the data date")),
    ]);
    Some(super::finding("IN012", title, subjects, evidence, ""))
}

/// Titles name at most this many objects; the subjects and evidence list all of them.
const TITLE_NAMES: usize = 3;

/// IN011: synced cloud objects whose anchors match no AD object because the forest that feeds them is
/// not in the export — one finding per tenant (and on-premises domain, when the objects name one), not
/// one orphan per object. See [`super::targets::SyncTargets::unexported_source`].
fn unexported_forests(ctx: &super::Context<'_>) -> Vec<Finding> {
    use super::targets::Unexported;
    use serde_json::json;
    let estate = ctx.estate();
    let targets = ctx.targets();
    let any_forest = targets.objects_per_forest.iter().any(|&n| n > 0);
    // (tenant, on-premises domain if known) → synced objects whose anchor links to no AD object.
    let mut groups: BTreeMap<(u32, bool, Option<String>), Vec<u32>> = BTreeMap::new();
    for (i, c) in estate.cloud_objects.iter().enumerate() {
        if c.immutable_id.as_deref().is_none_or(|a| a.trim().is_empty()) {
            continue;
        }
        let Some(why) = targets.unexported_source(c) else { continue };
        if ctx.graph.is_sourced_cloud_object(estate, i as u32) {
            continue;
        }
        let partial = why == Unexported::PartialExport;
        // A partial export explains GUID-shaped anchors; a mutable or broken one is the anchors family's.
        if partial
            && !matches!(
                super::anchors::classify(c.immutable_id.as_deref().unwrap_or_default()),
                super::anchors::Shape::GuidBytes(_)
            )
        {
            continue;
        }
        let domain = match why {
            Unexported::Domain(d) => Some(d),
            Unexported::TenantNotFed | Unexported::PartialExport => super::targets::on_prem_domain(c),
        };
        groups.entry((c.tenant, partial, domain)).or_default().push(i as u32);
    }
    let mut out = Vec::new();
    for ((t, partial, domain), mut objs) in groups {
        objs.sort_by_key(|&c| estate.cloud_objects[c as usize].source);
        let tenant = &estate.tenants[t as usize];
        let declared_unexported: Vec<&str> = estate
            .forests
            .iter()
            .zip(&targets.objects_per_forest)
            .filter(|(f, n)| **n == 0 && f.syncs_to.contains(&t))
            .map(|(f, _)| f.name.as_str())
            .collect();
        let names: Vec<String> =
            objs.iter().take(TITLE_NAMES).map(|&c| estate.cloud_objects[c as usize].label()).collect();
        let more =
            if objs.len() > TITLE_NAMES { format!(" and {} more", objs.len() - TITLE_NAMES) } else { String::new() };
        let feeders: Vec<&str> =
            targets.feeding_forests(t).iter().map(|&f| estate.forests[f as usize].name.as_str()).collect();
        let from = match (&domain, declared_unexported.first()) {
            _ if partial => format!(
                "a part of {} that the export does not hold (an OU or domain; the forest is not declared complete)",
                if feeders.is_empty() { "the feeding forest".to_string() } else { feeders.join(", ") }
            ),
            (_, Some(f)) => format!("forest {f}, declared in estate.toml but not exported"),
            (Some(d), None) if !any_forest => format!("on-premises domain {d} (this scan holds no AD export)"),
            (Some(d), None) => format!("on-premises domain {d}, which no exported forest holds"),
            (None, None) if !any_forest => "an on-premises forest (this scan holds no AD export)".to_string(),
            (None, None) => "a forest that is not in the export".to_string(),
        };
        let title = format!(
            "Tenant {}: {} synced object(s) come from {from} ({}{more}); their anchors cannot be checked — add that \
             forest's export, or declare it in estate.toml",
            tenant.name,
            objs.len(),
            names.join(", ")
        );
        let mut subjects = vec![super::tenant_subject(estate, t)];
        subjects.extend(objs.iter().map(|&c| super::cloud_subject(estate, &estate.cloud_objects[c as usize])));
        let mut evidence = BTreeMap::new();
        evidence.insert("tenant".to_string(), json!(tenant.name));
        evidence.insert("count".to_string(), json!(objs.len()));
        evidence.insert("on_premises_domain".to_string(), json!(domain));
        evidence.insert(
            "objects".to_string(),
            json!(objs.iter().map(|&c| estate.cloud_objects[c as usize].label()).collect::<Vec<_>>()),
        );
        evidence.insert(
            "exported_forests".to_string(),
            json!(
                estate
                    .forests
                    .iter()
                    .zip(&targets.objects_per_forest)
                    .filter(|(_, n)| **n > 0)
                    .map(|(f, _)| f.name.as_str())
                    .collect::<Vec<_>>()
            ),
        );
        evidence.insert(
            "why".to_string(),
            json!(if partial {
                "the tenant's feeding forest is not declared complete and too many of its synced objects match no \
                 exported AD object: the export most likely misses part of the forest"
            } else if domain.is_some() && targets.is_fed(t) {
                "the objects' onPremisesDomainName / onPremisesDistinguishedName names a domain that no exported forest holds"
            } else {
                "no exported forest feeds this tenant: none declares syncs_to it and none has synced objects linked there"
            }),
        );
        if !declared_unexported.is_empty() {
            evidence.insert("declared_not_exported".to_string(), json!(declared_unexported));
        }
        let mut f = super::finding("IN011", title, subjects, evidence, domain.clone().unwrap_or_default());
        // Declared as not exported, or a scan without any AD export: a known limit, not a surprise.
        if !declared_unexported.is_empty() || !any_forest {
            f.severity = crate::findings::Severity::Low;
        }
        out.push(f);
    }
    out
}

/// Turns reader and attribution issues, and failed files (with `--keep-going`), into findings.
pub fn findings(inputs: &[InputReport], group_issues: &[Issue], sources: &SourceMap) -> Vec<Finding> {
    let mut out = Vec::new();
    for rep in inputs {
        for issue in &rep.issues {
            out.push(from_issue(issue, sources));
        }
        if let Status::Failed(e) = &rep.status {
            let issue = Issue {
                at: SourceRef::new(rep.file, e.line),
                code: codes::UNREADABLE_FILE,
                message: format!("{}: {}", sources.locate(SourceRef::new(rep.file, e.line)), e.reason),
            };
            out.push(from_issue(&issue, sources));
        }
    }
    for issue in group_issues {
        out.push(from_issue(issue, sources));
    }
    out
}

fn from_issue(issue: &Issue, sources: &SourceMap) -> Finding {
    let meta = catalog::get(issue.code);
    let (category, severity, remediation) = match meta {
        Some(m) => (m.category(), m.severity(), m.remediation.trim().to_string()),
        None => (crate::findings::Category::Input, crate::findings::Severity::Medium, String::new()),
    };
    let path = sources.display(issue.at.file).to_string();
    let stable = sources.stable(issue.at.file).to_string();
    let mut evidence = BTreeMap::new();
    evidence.insert("message".to_string(), serde_json::Value::String(issue.message.clone()));
    Finding {
        rule: issue.code.to_string(),
        category,
        severity,
        title: issue.message.clone(),
        subjects: vec![Subject { kind: "file".into(), id: stable, display: path, source: Some(issue.at) }],
        evidence: evidence.into(),
        remediation,
        // Stable across re-exports: the message without digits (counts and lines change).
        discriminator: issue.message.chars().filter(|c| !c.is_ascii_digit()).collect(),
        caused_by: None,
        consequences: Vec::new(),
    }
}
