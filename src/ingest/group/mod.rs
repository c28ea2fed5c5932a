//! Attribution: which tenant or forest each file's records belong to.
//!
//! Order of evidence, strongest first:
//! 1. the estate manifest (`estate.toml`): a `[[tenant]]` or `[[forest]]` whose `paths` cover the file;
//! 2. the file itself: an organization export (or any export that names its tenant id);
//! 3. the folder: files in the same folder as an organization export (or in a subfolder of it) belong
//!    to that tenant; AD files in one folder form one forest;
//! 4. otherwise an "unidentified tenant" per folder, reported as an `input` issue (IN007), so the run
//!    never silently merges two tenants.
//!
//! Subscriptions and ARM tenant lists name their tenants in every record and are not attributed;
//! AD FS trusts (claims providers, relying parties) serve the whole estate and are not attributed either.

use super::manifest::{self, Manifest};
use super::{Extract, Ingested, InputReport, Issue, Status, codes};
use crate::model::*;
use crate::source::{SourceMap, SourceRef};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum TenantKey {
    Id(String),
    Declared(usize),
    Folder(String),
}

/// Builds the estate from per-file extracts.
pub fn attribute(sources: SourceMap, results: Vec<(InputReport, Extract)>, manifest: Option<&Manifest>) -> Ingested {
    let mut issues: Vec<Issue> = Vec::new();

    // Organization ids by folder (for folder attribution).
    let mut org_by_dir: BTreeMap<PathBuf, BTreeSet<String>> = BTreeMap::new();
    for (rep, ex) in &results {
        if rep.status != Status::Read {
            continue;
        }
        for t in &ex.tenants {
            if let Some(id) = &t.id {
                let dir = parent(sources.path(rep.file));
                org_by_dir.entry(dir).or_default().insert(id.clone());
            }
        }
    }
    // Several organizations in one folder: files there cannot be attributed by folder.
    for (dir, ids) in &org_by_dir {
        if ids.len() > 1 {
            let first = results
                .iter()
                .find(|(r, ex)| parent(sources.path(r.file)) == *dir && !ex.tenants.is_empty())
                .map(|(r, _)| r.file);
            if let Some(file) = first {
                issues.push(Issue {
                    at: SourceRef::file(file),
                    code: codes::TENANT_MISMATCH,
                    message: format!(
                        "folder {} holds organization exports of {} tenants ({}); other files in it are attributed to the first — put each tenant in its own folder or declare paths in estate.toml",
                        super::display_path(dir),
                        ids.len(),
                        ids.iter().cloned().collect::<Vec<_>>().join(", ")
                    ),
                });
            }
        }
    }

    let declared_tenant = |path: &Path| -> Option<usize> {
        let m = manifest?;
        m.tenants.iter().position(|t| t.paths.iter().any(|p| manifest::covers(&m.resolve(p), path)))
    };
    let declared_forest = |path: &Path| -> Option<usize> {
        let m = manifest?;
        m.forests.iter().position(|f| f.paths.iter().any(|p| manifest::covers(&m.resolve(p), path)))
    };

    let mut tenant_keys: BTreeMap<TenantKey, TenantIdx> = BTreeMap::new();
    let mut estate = Estate::default();
    let mut inputs = Vec::with_capacity(results.len());
    let mut forest_keys: BTreeMap<(Option<usize>, String), ForestIdx> = BTreeMap::new();
    let mut forest_domains: Vec<BTreeSet<String>> = Vec::new();
    // Page sizes and declared totals of collection responses, one per input.
    let mut pages: Vec<Option<super::Page>> = Vec::with_capacity(results.len());

    // Declared tenants first, so that their order follows the manifest.
    if let Some(m) = manifest {
        for (i, t) in m.tenants.iter().enumerate() {
            let idx = estate.tenants.len() as TenantIdx;
            let id = t.id.as_deref().and_then(normalize_guid_text);
            estate.tenants.push(Tenant {
                id: id.clone(),
                name: t.name.clone(),
                attributed_by: format!("manifest {}", m.display),
                ..Default::default()
            });
            tenant_keys.insert(TenantKey::Declared(i), idx);
            if let Some(id) = id {
                tenant_keys.insert(TenantKey::Id(id), idx);
            }
        }
    }

    // The objects of every file, joined into the estate's two big vectors at the end (`concat`).
    let mut ad_parts: Vec<Vec<AdObject>> = Vec::with_capacity(results.len());
    let mut cloud_parts: Vec<Vec<CloudObject>> = Vec::with_capacity(results.len());

    for (mut rep, mut ex) in results {
        pages.push(ex.page.take());
        if rep.status != Status::Read {
            inputs.push(rep);
            continue;
        }
        let path = sources.path(rep.file).to_path_buf();
        let dir = parent(&path);

        // Tenant ids named inside one file must agree.
        let named: BTreeSet<&str> = ex
            .tenant_ids
            .iter()
            .map(|n| n.id.as_str())
            .chain(ex.tenants.iter().filter_map(|t| t.id.as_deref()))
            .collect();
        if named.len() > 1 {
            let detail: Vec<String> = ex.tenant_ids.iter().map(|n| format!("{} = {}", n.field, n.id)).collect();
            rep.issues.push(Issue {
                at: ex.tenant_ids.first().map(|n| n.at).unwrap_or(SourceRef::file(rep.file)),
                code: codes::TENANT_MISMATCH,
                message: format!(
                    "the export names {} different tenant ids ({}); it may be edited, sanitised or merged from two tenants — records are attributed to the first",
                    named.len(),
                    if detail.is_empty() { named.iter().copied().collect::<Vec<_>>().join(", ") } else { detail.join("; ") }
                ),
            });
        }
        let own_id: Option<String> =
            ex.tenants.iter().find_map(|t| t.id.clone()).or_else(|| ex.tenant_ids.first().map(|n| n.id.clone()));

        if ex.has_tenant_content() {
            let decl = declared_tenant(&path);
            let key = match (decl, &own_id) {
                (Some(i), own) => {
                    if let (Some(own), Some(m)) = (own, manifest)
                        && let Some(decl_id) = m.tenants[i].id.as_deref().and_then(normalize_guid_text)
                        && &decl_id != own
                    {
                        rep.issues.push(Issue {
                            at: SourceRef::file(rep.file),
                            code: codes::TENANT_MISMATCH,
                            message: format!(
                                "{} declares this file as tenant {:?} ({decl_id}) but the file names tenant {own}",
                                m.display, m.tenants[i].name
                            ),
                        });
                    }
                    TenantKey::Declared(i)
                }
                (None, Some(id)) => TenantKey::Id(id.clone()),
                (None, None) => match folder_org(&org_by_dir, &dir) {
                    Some(id) => TenantKey::Id(id),
                    None => TenantKey::Folder(super::display_path(&dir)),
                },
            };
            let idx = *tenant_keys.entry(key.clone()).or_insert_with(|| {
                let idx = estate.tenants.len() as TenantIdx;
                let (id, name, by) = match &key {
                    TenantKey::Id(id) => (Some(id.clone()), id.clone(), "organization export".to_string()),
                    TenantKey::Folder(f) => (None, format!("unidentified tenant ({f})"), "folder".to_string()),
                    TenantKey::Declared(_) => unreachable!("declared tenants are pre-registered"),
                };
                estate.tenants.push(Tenant { id, name, attributed_by: by, ..Default::default() });
                idx
            });
            if let TenantKey::Folder(f) = &key {
                rep.issues.push(Issue {
                    at: SourceRef::file(rep.file),
                    code: codes::UNATTRIBUTED,
                    message: format!(
                        "no organization export or estate.toml names the tenant of this file; it is grouped with the other files of folder {f} — add the tenant's organization export (GET /organization) to that folder or declare the tenant in estate.toml"
                    ),
                });
            }
            // Merge organization details into the tenant entry.
            for t in ex.tenants.drain(..) {
                merge_tenant(&mut estate.tenants[idx as usize], t);
            }
            rep.attributed_to = Some(estate.tenants[idx as usize].name.clone());
            rep.tenant = Some(idx);
            ex.cloud_objects.par_iter_mut().for_each(|o| o.tenant = idx);
            for d in &mut ex.domains {
                d.tenant = idx;
            }
            for f in &mut ex.federations {
                f.tenant = idx;
            }
            for s in &mut ex.skus {
                s.tenant = idx;
            }
            for a in &mut ex.applications {
                a.tenant = idx;
            }
            for r in &mut ex.role_grants {
                r.tenant = idx;
            }
            for r in &mut ex.role_definitions {
                r.tenant = idx;
            }
            for s in &mut ex.sync_settings {
                s.tenant = idx;
            }
        }

        if !ex.ad_objects.is_empty() {
            let decl = declared_forest(&path);
            let key = match decl {
                Some(i) => (Some(i), String::new()),
                None => (None, super::display_path(&dir)),
            };
            let idx = *forest_keys.entry(key).or_insert_with(|| {
                let idx = estate.forests.len() as ForestIdx;
                let (name, complete, anchor, by, syncs_to) = match (decl, manifest) {
                    (Some(i), Some(m)) => {
                        let f = &m.forests[i];
                        let syncs_to = f
                            .syncs_to
                            .iter()
                            .filter_map(|t| {
                                let id = normalize_guid_text(t);
                                m.tenants
                                    .iter()
                                    .position(|d| {
                                        d.name == *t
                                            || (id.is_some() && d.id.as_deref().and_then(normalize_guid_text) == id)
                                    })
                                    .and_then(|p| tenant_keys.get(&TenantKey::Declared(p)).copied())
                            })
                            .collect();
                        (f.name.clone(), f.complete, f.anchor.clone(), format!("manifest {}", m.display), syncs_to)
                    }
                    _ => (String::new(), None, None, format!("folder {}", super::display_path(&dir)), Vec::new()),
                };
                estate.forests.push(Forest {
                    name,
                    complete,
                    anchor_attribute: anchor,
                    attributed_by: by,
                    syncs_to,
                    ..Default::default()
                });
                forest_domains.push(BTreeSet::new());
                idx
            });
            ex.ad_objects.par_iter_mut().for_each(|o| o.forest = idx);
            // The forest's DNS domains: the objects' DNs end in a few distinct `DC=` tails, each
            // turned into a domain once (not one string per object).
            let tails = ex
                .ad_objects
                .par_iter()
                .fold(crate::hash::FastSet::<&str>::default, |mut set, o| {
                    set.extend(o.dn.as_deref().and_then(crate::model::dc_tail));
                    set
                })
                .reduce(crate::hash::FastSet::default, |mut a, b| {
                    a.extend(b);
                    a
                });
            forest_domains[idx as usize].extend(tails.into_iter().filter_map(crate::model::dn_to_dns_domain));
            rep.attributed_to = Some(format!("forest#{idx}"));
            rep.forest = Some(idx);
        }

        ad_parts.push(std::mem::take(&mut ex.ad_objects));
        cloud_parts.push(std::mem::take(&mut ex.cloud_objects));
        estate.domains.append(&mut ex.domains);
        estate.federations.append(&mut ex.federations);
        estate.subscriptions.append(&mut ex.subscriptions);
        estate.arm_tenants.append(&mut ex.arm_tenants);
        estate.skus.append(&mut ex.skus);
        estate.applications.append(&mut ex.applications);
        estate.role_grants.append(&mut ex.role_grants);
        estate.role_definitions.append(&mut ex.role_definitions);
        estate.sync_settings.append(&mut ex.sync_settings);
        estate.adfs_claims_providers.append(&mut ex.adfs_claims_providers);
        estate.adfs_relying_parties.append(&mut ex.adfs_relying_parties);
        inputs.push(rep);
    }

    (estate.ad_objects, estate.cloud_objects) = rayon::join(|| concat(ad_parts), || concat(cloud_parts));

    // Forest names: declared, else the domain with the fewest labels, else the folder.
    for (i, f) in estate.forests.iter_mut().enumerate() {
        let domains = &forest_domains[i];
        f.domains = domains.iter().cloned().collect();
        if f.name.is_empty() {
            f.name = domains
                .iter()
                .min_by_key(|d| (d.matches('.').count(), d.len(), (*d).clone()))
                .cloned()
                .unwrap_or_else(|| f.attributed_by.trim_start_matches("folder ").to_string());
        }
    }
    name_folder_tenants(&mut estate, &mut inputs);
    for rep in &mut inputs {
        if let Some(a) = &rep.attributed_to
            && let Some(n) = a.strip_prefix("forest#")
            && let Ok(i) = n.parse::<usize>()
        {
            rep.attributed_to = Some(format!("forest {}", estate.forests[i].name));
        } else if let Some(a) = &rep.attributed_to {
            rep.attributed_to = Some(format!("tenant {a}"));
        }
    }
    if let Some(m) = manifest {
        declare_tenant_links(&mut estate, m, &tenant_keys);
    }
    add_organization_domains(&mut estate);
    clear_followed_pages(&mut inputs);
    check_declared_counts(&mut inputs, &pages);
    report_unnamed_roles(&mut estate, &mut inputs);
    Ingested { sources, inputs, estate, issues }
}

/// The parts joined in order into one vector of exactly their total length, the elements moved in
/// parallel: at a million objects this is ~250 MB of fresh memory to fill, which one thread took a
/// tenth of the parse for (the page faults of the new vector, then the copy).
fn concat<T: Send>(mut parts: Vec<Vec<T>>) -> Vec<T> {
    let total: usize = parts.iter().map(Vec::len).sum();
    if parts.iter().filter(|p| !p.is_empty()).count() <= 1 {
        // One non-empty part is already the whole (and keeps its allocation when exact).
        let mut one = parts.into_iter().find(|p| !p.is_empty()).unwrap_or_default();
        one.shrink_to_fit();
        return one;
    }
    let mut out: Vec<T> = Vec::with_capacity(total);
    let mut spare = &mut out.spare_capacity_mut()[..total];
    for part in &mut parts {
        let (head, rest) = spare.split_at_mut(part.len());
        spare = rest;
        head.par_iter_mut().zip(part.par_drain(..)).for_each(|(slot, o)| {
            slot.write(o);
        });
        // Each part's memory goes back as soon as it is moved: the peak is the whole plus one part.
        *part = Vec::new();
    }
    // SAFETY: the loop wrote each of the first `total` slots exactly once (the parts' lengths sum to
    // `total`, each part's elements went to its own range), and the parts were drained, so nothing is
    // dropped twice.
    unsafe { out.set_len(total) };
    out
}

/// A tenant known only by its folder ("unidentified tenant (folder)") is named after its initial
/// `*.onmicrosoft.com` domain when the export shows exactly one: a domain record marked initial, else
/// the `onmicrosoft.com` domains of its objects' UPNs, mail and proxy addresses (`*.mail.onmicrosoft.com`,
/// Exchange hybrid routing addresses, do not count). Two or more candidates leave the folder name.
/// The tenant stays attributed by folder (and reported as IN007): the domain names it, it does not
/// prove which tenant it is.
fn name_folder_tenants(estate: &mut Estate, inputs: &mut [InputReport]) {
    let folder: Vec<usize> = (0..estate.tenants.len())
        .filter(|&i| estate.tenants[i].attributed_by == "folder" && estate.tenants[i].id.is_none())
        .collect();
    if folder.is_empty() {
        return;
    }
    let mut initial: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
    let mut seen: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
    for d in &estate.domains {
        if d.is_initial == Some(true) && is_initial_domain(&d.name) {
            initial.entry(d.tenant as usize).or_default().insert(d.name.to_ascii_lowercase());
        }
    }
    for o in &estate.cloud_objects {
        let t = o.tenant as usize;
        if !folder.contains(&t) {
            continue;
        }
        let addresses = o
            .upn
            .iter()
            .chain(o.mail.iter())
            .map(|a| a.as_str())
            .chain(o.proxy_addresses.iter().map(|p| p.split_once(':').map_or(p.as_str(), |(_, a)| a)));
        for a in addresses {
            if let Some((_, domain)) = a.rsplit_once('@') {
                let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
                if is_initial_domain(&domain) {
                    seen.entry(t).or_default().insert(domain);
                }
            }
        }
    }
    for t in folder {
        let found = initial.get(&t).filter(|d| !d.is_empty()).or_else(|| seen.get(&t));
        let Some(domains) = found.filter(|d| d.len() == 1) else { continue };
        let domain = domains.iter().next().cloned().unwrap_or_default();
        let tenant = &mut estate.tenants[t];
        let old = std::mem::take(&mut tenant.name);
        let folder_name = old.strip_prefix("unidentified tenant (").and_then(|r| r.strip_suffix(')')).unwrap_or(&old);
        tenant.name = format!("{domain} (unidentified tenant, folder {folder_name})");
        for rep in inputs.iter_mut() {
            if rep.attributed_to.as_deref() == Some(old.as_str()) {
                rep.attributed_to = Some(tenant.name.clone());
            }
        }
    }
}

/// A tenant's initial domain: `<name>.onmicrosoft.com` with one label before the suffix (not the
/// `<name>.mail.onmicrosoft.com` Exchange routing domain).
fn is_initial_domain(domain: &str) -> bool {
    domain
        .strip_suffix(".onmicrosoft.com")
        .is_some_and(|label| !label.is_empty() && !label.contains('.') && !label.contains('@'))
}

/// Pages of one collection (same tenant and kind, as [`clear_followed_pages`] groups them): when a
/// page declares `@odata.count` (exported with `$count=true`) and all the pages together hold fewer
/// elements, the export is incomplete (IN005, on the file that declares the count). A group that
/// still lacks a next page already carries that warning and gets no second one; a count equal to or
/// smaller than what was read is fine (objects deleted between pages).
fn check_declared_counts(inputs: &mut [InputReport], pages: &[Option<super::Page>]) {
    let is_page_issue = |i: &Issue| i.code == codes::INCOMPLETE_EXPORT && i.message.contains("nextLink");
    let mut groups: BTreeMap<(Option<String>, String), Vec<usize>> = BTreeMap::new();
    for (n, rep) in inputs.iter().enumerate() {
        if rep.status == Status::Read
            && rep.kind.starts_with("graph-json:")
            && pages.get(n).is_some_and(Option::is_some)
        {
            groups.entry((rep.attributed_to.clone(), rep.kind.clone())).or_default().push(n);
        }
    }
    for ((_, kind), members) in groups {
        let page = |n: usize| pages[n].expect("grouped pages have a page");
        let held: usize = members.iter().map(|&n| page(n).held).sum();
        let Some((declared, at)) = members.iter().filter_map(|&n| page(n).declared).max_by_key(|(c, _)| *c) else {
            continue;
        };
        if declared as u128 <= held as u128 || members.iter().any(|&n| inputs[n].issues.iter().any(is_page_issue)) {
            continue;
        }
        let what = kind.strip_prefix("graph-json:").unwrap_or(&kind);
        let files =
            if members.len() == 1 { "the file holds".to_string() } else { format!("its {} files hold", members.len()) };
        let Some(n) = members.iter().copied().find(|&n| inputs[n].file == at.file) else { continue };
        inputs[n].issues.push(Issue {
            at,
            code: codes::INCOMPLETE_EXPORT,
            message: format!(
                "the response declares @odata.count = {declared} {what} but {files} {held} ({} missing): the export is incomplete — export every page (-All, or request the next page until there is none) and scan all the pages together",
                declared as u128 - held as u128
            ),
        });
    }
}

/// Names role grants that carry only a role id (see [`crate::model::roles::name_role_grants`]); grants
/// whose role is neither built-in nor defined in an exported `roleDefinitions` file are an IN003
/// warning on the file that holds them, since findings can then show only the id.
fn report_unnamed_roles(estate: &mut Estate, inputs: &mut [InputReport]) {
    let unnamed = crate::model::roles::name_role_grants(estate);
    let mut by_file: BTreeMap<crate::source::FileId, (usize, SourceRef, BTreeSet<String>)> = BTreeMap::new();
    for &g in &unnamed.grants {
        let r = &estate.role_grants[g];
        let e = by_file.entry(r.source.file).or_insert((0, r.source, BTreeSet::new()));
        e.0 += 1;
        e.1 = e.1.min(r.source);
        e.2.insert(r.role_id.clone().unwrap_or_else(|| r.role.clone()));
    }
    for (file, (n, at, ids)) in by_file {
        let Some(rep) = inputs.iter_mut().find(|r| r.file == file) else { continue };
        let shown: Vec<&str> = ids.iter().take(5).map(String::as_str).collect();
        rep.issues.push(Issue {
            at,
            code: codes::MISSING_FIELDS,
            message: format!(
                "{n} role grant(s) name {} role(s) by id only ({}{}) that are not built-in Microsoft Entra roles and not in an exported role definitions file (custom roles), so findings show the id; export GET /roleManagement/directory/roleDefinitions (Get-MgRoleManagementDirectoryRoleDefinition -All) with the other files",
                ids.len(),
                shown.join(", "),
                if ids.len() > shown.len() { ", …" } else { "" }
            ),
        });
    }
}

/// Carries the manifest's `separate_from` and `cross_tenant_sync` declarations into the tenants
/// (validated by [`Manifest::parse`]; names resolve to the pre-registered declared tenants).
fn declare_tenant_links(estate: &mut Estate, m: &Manifest, tenant_keys: &BTreeMap<TenantKey, TenantIdx>) {
    let resolve = |refs: &[String]| -> Vec<TenantIdx> {
        let mut v: Vec<TenantIdx> = refs
            .iter()
            .filter_map(|r| m.tenant_position(r))
            .filter_map(|p| tenant_keys.get(&TenantKey::Declared(p)).copied())
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    for (i, decl) in m.tenants.iter().enumerate() {
        let Some(&idx) = tenant_keys.get(&TenantKey::Declared(i)) else { continue };
        let t = &mut estate.tenants[idx as usize];
        t.separate_from = resolve(&decl.separate_from);
        t.cross_tenant_sync = resolve(&decl.cross_tenant_sync);
    }
}

fn parent(p: &Path) -> PathBuf {
    p.parent().map(Path::to_path_buf).unwrap_or_default()
}

/// The single organization id of `dir` or its nearest ancestor that has one.
fn folder_org(org_by_dir: &BTreeMap<PathBuf, BTreeSet<String>>, dir: &Path) -> Option<String> {
    let mut d = Some(dir);
    while let Some(cur) = d {
        if let Some(ids) = org_by_dir.get(cur) {
            return ids.iter().next().cloned();
        }
        d = cur.parent();
    }
    None
}

fn merge_tenant(into: &mut Tenant, t: Tenant) {
    if into.source.is_none() {
        into.source = t.source;
    }
    if into.id.is_none() {
        into.id = t.id.clone();
    }
    if !t.name.is_empty() && (into.name.is_empty() || Some(&into.name) == into.id.as_ref()) {
        into.name = t.name;
    }
    into.tenant_type = into.tenant_type.take().or(t.tenant_type);
    into.created = into.created.take().or(t.created);
    into.on_prem_sync_enabled = into.on_prem_sync_enabled.or(t.on_prem_sync_enabled);
    into.on_prem_last_sync = into.on_prem_last_sync.take().or(t.on_prem_last_sync);
    into.default_domain = into.default_domain.take().or(t.default_domain);
    if into.verified_domains.is_empty() {
        into.verified_domains = t.verified_domains;
    }
    if into.technical_notification_mails.is_empty() {
        into.technical_notification_mails = t.technical_notification_mails;
    }
    if into.attributed_by == "folder" || into.attributed_by.is_empty() {
        into.attributed_by = "organization export".into();
    }
}

/// Pages of one paged export (Graph `@odata.nextLink`, ARM `nextLink`) saved as separate files: when the
/// same tenant has another file of the same kind without a next-page link (the last page), the chain
/// was exported to its end, and the per-page "incomplete export" warnings are withdrawn. A chain
/// with no last page keeps its warnings.
fn clear_followed_pages(inputs: &mut [InputReport]) {
    let is_page_issue = |i: &Issue| i.code == codes::INCOMPLETE_EXPORT && i.message.contains("nextLink");
    let mut groups: BTreeMap<(Option<String>, String), Vec<usize>> = BTreeMap::new();
    for (n, rep) in inputs.iter().enumerate() {
        if rep.status == Status::Read && (rep.kind.starts_with("graph-json:") || rep.kind.starts_with("arm-json:")) {
            groups.entry((rep.attributed_to.clone(), rep.kind.clone())).or_default().push(n);
        }
    }
    for members in groups.values() {
        let last_pages = members.iter().filter(|&&n| !inputs[n].issues.iter().any(is_page_issue)).count();
        if last_pages == 0 || members.len() < 2 {
            continue;
        }
        for &n in members {
            inputs[n].issues.retain(|i| !is_page_issue(i));
        }
    }
}

/// Domains listed in an organization's `verifiedDomains` but absent from the tenant's domain export
/// become domain records too (verified, pointing at the organization record), so that every tenant's
/// verified domains are in the graph even without a `/domains` export.
fn add_organization_domains(estate: &mut Estate) {
    let mut known: BTreeSet<(TenantIdx, String)> =
        estate.domains.iter().map(|d| (d.tenant, d.name.to_ascii_lowercase())).collect();
    for (i, t) in estate.tenants.iter().enumerate() {
        let Some(src) = t.source else { continue };
        for v in &t.verified_domains {
            let name = v.name.trim().to_ascii_lowercase();
            if name.is_empty() || !known.insert((i as TenantIdx, name.clone())) {
                continue;
            }
            estate.domains.push(Domain {
                source: src,
                tenant: i as TenantIdx,
                name,
                authentication_type: v.kind.clone(),
                is_verified: Some(true),
                is_default: v.is_default,
                is_initial: v.is_initial,
                ..Default::default()
            });
        }
    }
}

#[cfg(test)]
mod tests;
