//! The first page (what a consultant signs): the scope covered and not covered, the data dates per
//! source, the method and its limitations, and the top risks with their deadlines. Also the
//! per-tenant and per-forest sections.

use super::scopes::Scopes;
use super::text::{RelPaths, Rich, clip};
use super::view::severity_class;
use crate::findings::Severity;
use crate::ingest::Status;
use crate::model::{DataDate, ExportTime};
use crate::report::RunSummary;
use std::collections::{BTreeMap, BTreeSet};

/// One tenant, forest or subscription group in the scope.
pub(super) struct ScopeLine {
    pub(super) name: String,
    pub(super) detail: String,
}

/// What the exports cover and do not cover.
pub(super) struct ScopeView {
    pub(super) tenants: Vec<ScopeLine>,
    pub(super) forests: Vec<ScopeLine>,
    pub(super) subscriptions: String,
    pub(super) not_covered: Vec<String>,
}

/// The data date of one source (a tenant's or a forest's exports, or unattributed files).
pub(super) struct SourceDate {
    pub(super) source: String,
    pub(super) kinds: String,
    pub(super) files: usize,
    /// When the source was exported (`2026-11-20`, or `2026-11-18 to 2026-11-20` when its inputs
    /// differ); empty when no input dates it.
    pub(super) exported: String,
    /// How that is known (`LDIF header "collected:"`, `file modification time`...).
    pub(super) how: String,
}

/// A tenant's or a forest's findings.
pub(super) struct ScopeSection {
    pub(super) kind: &'static str,
    pub(super) name: String,
    pub(super) total: usize,
    pub(super) counts: Vec<(&'static str, usize, &'static str)>,
    pub(super) top: Vec<(&'static str, Rich)>,
    pub(super) more: usize,
}

/// Findings listed per tenant or forest section.
const SCOPE_TOP: usize = 8;

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub(super) fn scope(s: &RunSummary<'_>) -> ScopeView {
    let e = &s.ingested.estate;
    let mut cloud = vec![0usize; e.tenants.len()];
    for o in &e.cloud_objects {
        if let Some(c) = cloud.get_mut(o.tenant as usize) {
            *c += 1;
        }
    }
    let mut ad = vec![0usize; e.forests.len()];
    for o in &e.ad_objects {
        if let Some(c) = ad.get_mut(o.forest as usize) {
            *c += 1;
        }
    }
    let tenants = e
        .tenants
        .iter()
        .zip(&cloud)
        .map(|(t, n)| {
            let domains =
                e.domains.iter().filter(|d| e.tenants.get(d.tenant as usize).is_some_and(|x| x.name == t.name)).count();
            let sync = match t.on_prem_sync_enabled {
                Some(true) => ", sync on",
                Some(false) => ", cloud-only",
                None => "",
            };
            ScopeLine {
                name: t.name.clone(),
                detail: format!("{}, {}{sync}", plural(*n, "object", "objects"), plural(domains, "domain", "domains")),
            }
        })
        .collect();
    let forests = e
        .forests
        .iter()
        .zip(&ad)
        .map(|(f, n)| {
            let complete = match f.complete {
                Some(true) => ", declared complete",
                Some(false) => ", declared partial",
                None => "",
            };
            ScopeLine { name: f.name.clone(), detail: format!("{}{complete}", plural(*n, "AD object", "AD objects")) }
        })
        .collect();
    let subscriptions = if e.subscriptions.is_empty() {
        "none exported".to_string()
    } else {
        // Distinct subscriptions: the ARM export and `az account list` of one subscription are one.
        plural(s.counts.subscriptions, "subscription", "subscriptions")
    };
    let mut not_covered = Vec::new();
    for (id, _) in &s.graph.foreign_tenants {
        let name = e
            .arm_tenants
            .iter()
            .find(|t| t.tenant_id.eq_ignore_ascii_case(id))
            .and_then(|t| t.display_name.clone().or_else(|| t.default_domain.clone()));
        let subs = e
            .subscriptions
            .iter()
            .filter(|x| x.tenant_id.as_deref().is_some_and(|t| t.eq_ignore_ascii_case(id)))
            .map(|x| x.id.to_ascii_lowercase())
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        let what = match name {
            Some(n) => format!("tenant {n} ({id})"),
            None => format!("tenant {id}"),
        };
        let why = if subs > 0 {
            format!(": trusted by {} but not exported", plural(subs, "subscription", "subscriptions"))
        } else {
            ": named by a tenant list but not exported".into()
        };
        not_covered.push(format!("{what}{why}"));
    }
    if e.subscriptions.is_empty() {
        not_covered.push("Azure subscriptions: no subscription list was exported".into());
    }
    if e.forests.is_empty() {
        not_covered.push("on-premises Active Directory: no forest was exported".into());
    }
    ScopeView { tenants, forests, subscriptions, not_covered }
}

/// The data dates per source: the files read per tenant or forest, their kinds and when they were
/// exported (the tenant's or forest's data date; for unattributed files, the dates of the files).
pub(super) fn source_dates(s: &RunSummary<'_>, rel: &RelPaths) -> Vec<SourceDate> {
    type Acc<'a> = (BTreeSet<&'a str>, usize, Vec<&'a ExportTime>);
    let mut per: BTreeMap<String, Acc<'_>> = BTreeMap::new();
    for r in &s.ingested.inputs {
        if !matches!(r.status, Status::Read) {
            continue;
        }
        let source = r.attributed_to.clone().unwrap_or_else(|| "not attributed".into());
        let e = per.entry(source).or_default();
        e.0.insert(r.kind.as_str());
        e.1 += 1;
        e.2.extend(r.exported_at.as_ref());
    }
    let e = &s.ingested.estate;
    per.into_iter()
        .map(|(source, (kinds, files, times))| {
            let declared = if let Some(name) = source.strip_prefix("tenant ") {
                e.tenants.iter().find(|t| t.name == name).and_then(|t| t.data_date.clone())
            } else if let Some(name) = source.strip_prefix("forest ") {
                e.forests.iter().find(|f| f.name == name).and_then(|f| f.data_date.clone())
            } else {
                None
            };
            let date = declared.or_else(|| DataDate::over(times));
            let (exported, how) = match date {
                Some(d) => (
                    match d.earliest {
                        Some(from) => format!("{} to {}", from.date(), d.latest.at.date()),
                        None => d.latest.at.date().to_string(),
                    },
                    rel.text(&d.latest.detail),
                ),
                None => (String::new(), String::new()),
            };
            SourceDate {
                source,
                kinds: clip(&kinds.into_iter().collect::<Vec<_>>().join(", "), 160),
                files,
                exported,
                how,
            }
        })
        .collect()
}

/// The method and the limitations of the exports, one line each (the coverage gaps in short).
pub(super) fn limitations(s: &RunSummary<'_>, coverage: &[crate::rules::coverage::Gap]) -> Vec<Rich> {
    let mut out = vec![Rich::new(
        "Read-only analysis of offline exports: nothing was read from or changed in the live directories, and \
         what changed after the exports were taken is not reflected.",
    )];
    let day = s.as_of.get(..10).unwrap_or(&s.as_of);
    out.push(Rich::new(&if s.as_of_given {
        format!(
            "Every time-dependent check (certificate expiry, last synchronisation) is judged as of {day}, as asked."
        )
    } else {
        format!(
            "Deadlines (certificate expiry) are counted from {day}, the day of this report; staleness (last \
             synchronisation) is judged at each source's data date."
        )
    }));
    for g in coverage.iter().take(4) {
        out.push(Rich::new(&format!(
            "{} {}: {} not collected for {} — {}.",
            g.scope,
            g.name,
            g.missing,
            plural(g.objects, "object", "objects"),
            g.consequence.trim_end_matches('.')
        )));
    }
    if coverage.len() > 4 {
        out.push(Rich::new(&format!(
            "… and {} more gaps (see \"What these exports could not show\").",
            coverage.len() - 4
        )));
    }
    out
}

/// One section per tenant and forest: its findings per severity and its most severe findings.
pub(super) fn scope_sections(s: &RunSummary<'_>, rel: &super::text::RelPaths) -> Vec<ScopeSection> {
    let scopes = Scopes::new(s.ingested);
    let mut per: Vec<Vec<usize>> = vec![Vec::new(); scopes.list.len()];
    for (i, f) in s.findings.iter().enumerate() {
        if f.caused_by.is_some() || s.gate.suppressions.get(i).is_some_and(|x| x.is_some()) {
            continue;
        }
        for sc in scopes.of(f) {
            per[sc].push(i);
        }
    }
    let mut out: Vec<ScopeSection> = scopes
        .list
        .iter()
        .zip(per)
        .map(|(&(name, kind), idx)| {
            let counts = Severity::ALL
                .iter()
                .map(|&sv| {
                    (sv.as_str(), idx.iter().filter(|&&i| s.findings[i].severity == sv).count(), severity_class(sv))
                })
                .collect();
            let mut sorted = idx.clone();
            sorted.sort_by_key(|&i| (s.findings[i].severity, i));
            ScopeSection {
                kind,
                name: name.to_string(),
                total: idx.len(),
                counts,
                top: sorted
                    .iter()
                    .take(SCOPE_TOP)
                    .map(|&i| (s.findings[i].severity.as_str(), Rich::new(&clip(&rel.text(&s.findings[i].title), 240))))
                    .collect(),
                more: idx.len().saturating_sub(SCOPE_TOP),
            }
        })
        .collect();
    // Tenants first, then forests, each by name.
    out.sort_by(|a, b| b.kind.cmp(a.kind).then_with(|| a.name.cmp(&b.name)));
    out
}
