//! `tenantlint init DIR`: a starter `estate.toml` for a folder of exports.
//!
//! It reads DIR the way `scan` does but ignores any manifest there, then writes one `[[tenant]]` per tenant
//! and one `[[forest]]` per forest the files were attributed to, each with `paths` that cover exactly its
//! files (the folder holding them all when no other tenant's or forest's files are below it, else folder by
//! folder or file by file), so a
//! scan with the written manifest attributes every file by the manifest (no `IN007`). `syncs_to` is inferred
//! from anchor links (AD objects hard-linked to synced cloud objects) and commented with its evidence;
//! `complete` and `anchor` are left for the user, with what they change and what the exports suggest.

use crate::graph::{AnchorSource, EstateGraph};
use crate::ingest::{self, Ingested, Status, manifest};
use crate::source::FileId;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// A tenant is added to a forest's `syncs_to` when at least this share of the forest's best-linked
/// tenant's links point to it; fewer links are reported in a comment (a stray copy, a test import).
const SYNCS_TO_SHARE: f64 = 0.10;

/// What `init` found and the manifest text it wrote.
#[derive(Debug)]
pub struct Starter {
    /// The `estate.toml` text.
    pub text: String,
    /// Tenants declared.
    pub tenants: usize,
    /// Forests declared.
    pub forests: usize,
    /// Files read.
    pub files_read: usize,
    /// Files skipped or unreadable (listed in the manifest's header comment).
    pub files_not_read: Vec<String>,
}

/// Reads `dir` (without any manifest) and returns the starter manifest.
pub fn starter(dir: &Path) -> Result<Starter, String> {
    let ing = ingest::ingest_without_manifest(&[dir.to_path_buf()], &ingest::Options::default(), &|_| {})
        .map_err(|e| e.to_string())?;
    Ok(build(dir, &ing))
}

/// Writes `dir/estate.toml`, refusing to replace an existing file; returns the path written.
pub fn write(dir: &Path, starter: &Starter) -> Result<PathBuf, String> {
    use std::io::Write as _;
    let path = dir.join(manifest::FILE_NAME);
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(&path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            format!("{} already exists: not overwritten (move it away, or use --stdout)", ingest::display_path(&path))
        } else {
            format!("{}: cannot create: {e}", ingest::display_path(&path))
        }
    })?;
    f.write_all(starter.text.as_bytes()).map_err(|e| format!("{}: cannot write: {e}", ingest::display_path(&path)))?;
    Ok(path)
}

/// Which tenant or forest a file was attributed to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Owner {
    Tenant(usize),
    Forest(usize),
}

impl Owner {
    fn same_kind(self, other: Owner) -> bool {
        matches!((self, other), (Owner::Tenant(_), Owner::Tenant(_)) | (Owner::Forest(_), Owner::Forest(_)))
    }
}

fn build(dir: &Path, ing: &Ingested) -> Starter {
    let estate = &ing.estate;
    // File → forest from the AD objects it holds; file → tenant from its attribution.
    let mut owners: BTreeMap<FileId, BTreeSet<Owner>> = BTreeMap::new();
    for o in &estate.ad_objects {
        owners.entry(o.source.file).or_default().insert(Owner::Forest(o.forest as usize));
    }
    let mut files_read = 0;
    let mut files_not_read = Vec::new();
    for rep in &ing.inputs {
        if rep.status != Status::Read {
            let shown = relative(dir, ing.sources.path(rep.file)).join("/");
            files_not_read.push(format!("{shown} ({})", rep.kind));
            continue;
        }
        files_read += 1;
        if let Some(name) = rep.attributed_to.as_deref().and_then(|a| a.strip_prefix("tenant "))
            && let Some(i) = estate.tenants.iter().position(|t| t.name == name)
        {
            owners.entry(rep.file).or_default().insert(Owner::Tenant(i));
        }
    }
    let rel = |f: FileId| relative(dir, ing.sources.path(f));
    let files: Vec<(Vec<String>, Owner)> =
        owners.iter().flat_map(|(f, os)| os.iter().map(move |o| (rel(*f), *o))).collect();
    let paths = cover_paths(&files);

    let mut tenant_order: Vec<usize> =
        paths.keys().filter_map(|o| if let Owner::Tenant(i) = o { Some(*i) } else { None }).collect();
    tenant_order.sort_unstable();
    let mut names: BTreeMap<usize, String> = BTreeMap::new();
    let mut taken = BTreeSet::new();
    for &i in &tenant_order {
        let base = manifest_name(&estate.tenants[i].name);
        let mut name = base.clone();
        let mut n = 2;
        while !taken.insert(name.clone()) {
            name = format!("{base} ({n})");
            n += 1;
        }
        names.insert(i, name);
    }

    let links = anchor_links(ing);
    let mut out = String::new();
    let dir_name = std::fs::canonicalize(dir)
        .ok()
        .and_then(|c| c.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| ingest::display_path(dir));
    writeln!(out, "# estate.toml written by `tenantlint init` from {files_read} export file(s) in {dir_name}.")
        .unwrap();
    writeln!(out, "# Check every entry, fill in what is left open, then run `tenantlint scan`.").unwrap();
    writeln!(out, "# Paths are relative to this file. Reference: the README's \"Estate layout\".").unwrap();
    if !files_not_read.is_empty() {
        writeln!(out, "# Files not read (not exports tenantlint recognises, or unreadable):").unwrap();
        for f in &files_not_read {
            writeln!(out, "#   {f}").unwrap();
        }
    }
    writeln!(out, "name = {}", quote(&dir_name)).unwrap();

    for &i in &tenant_order {
        let t = &estate.tenants[i];
        out.push_str("\n[[tenant]]\n");
        writeln!(out, "name = {}", quote(&names[&i])).unwrap();
        match (&t.id, t.attributed_by.as_str()) {
            (Some(id), _) => {
                writeln!(out, "id = {}   # named by the exports themselves ({})", quote(id), t.attributed_by).unwrap()
            }
            (None, _) => {
                out.push_str("# id = \"...\"   # no export names this tenant's id (add an organization export, GET /organization,\n");
                out.push_str("#               or write the id from the Entra admin center here); it was found as a folder of exports\n");
            }
        }
        writeln!(out, "paths = {}", list(&paths[&Owner::Tenant(i)])).unwrap();
        exported_line(&mut out, t.data_date.as_ref());
    }

    let mut forest_order: Vec<usize> =
        paths.keys().filter_map(|o| if let Owner::Forest(i) = o { Some(*i) } else { None }).collect();
    forest_order.sort_unstable();
    for &f in &forest_order {
        let forest = &estate.forests[f];
        out.push_str("\n[[forest]]\n");
        writeln!(out, "name = {}", quote(&forest.name)).unwrap();
        writeln!(out, "paths = {}", list(&paths[&Owner::Forest(f)])).unwrap();
        exported_line(&mut out, forest.data_date.as_ref());
        out.push_str(
            "# complete = true   # set only when these files hold the WHOLE forest (every domain and OU in sync scope):\n",
        );
        out.push_str(
            "#                   # orphaned cloud objects are then reported as definite; on a partial export they would be false alarms\n",
        );
        let by = links.get(&f);
        let (guid, cons) = by.map(|l| (l.by_object_guid.len(), l.by_consistency_guid.len())).unwrap_or((0, 0));
        out.push_str("# anchor = \"objectGUID\"   # or \"ms-DS-ConsistencyGuid\": the sourceAnchor Entra Connect uses for this forest\n");
        writeln!(
            out,
            "#                        # (its settings say which); it decides which anchors are judged mutable or wrong. Seen in the\n#                        # exports: {guid} AD object(s) linked by objectGUID, {cons} by ms-DS-ConsistencyGuid"
        )
        .unwrap();
        let per_tenant = by.map(|l| &l.per_tenant);
        let best = per_tenant.and_then(|m| m.values().map(|s| s.len()).max()).unwrap_or(0);
        let mut syncs_to = Vec::new();
        let mut evidence = Vec::new();
        let mut left_out = Vec::new();
        for (t, objs) in per_tenant.into_iter().flatten() {
            let Some(name) = names.get(t) else { continue };
            let line = format!(
                "{} AD object(s) of this forest are anchor-linked to synced objects of {name} (e.g. {})",
                objs.len(),
                objs.iter().next().map(String::as_str).unwrap_or("?")
            );
            if objs.len() as f64 >= SYNCS_TO_SHARE * best as f64 {
                syncs_to.push(name.clone());
                evidence.push(line);
            } else {
                left_out.push(line);
            }
        }
        if syncs_to.is_empty() {
            out.push_str("# syncs_to = []   # no AD object of this forest is anchor-linked to a synced cloud object in these exports:\n");
            out.push_str(
                "#                 # name the tenants it is synchronised into, or leave it out if it is not synced\n",
            );
        } else {
            writeln!(out, "syncs_to = {}   # inferred:", list(&syncs_to)).unwrap();
            for e in &evidence {
                writeln!(out, "#   {e}").unwrap();
            }
        }
        for e in &left_out {
            writeln!(out, "# not in syncs_to, too few links to be its sync target (a copy or a stray import?): {e}")
                .unwrap();
        }
    }
    if tenant_order.is_empty() && forest_order.is_empty() {
        out.push_str(
            "\n# No tenant or forest export was found in this folder; see docs/collecting.md for how to export them.\n",
        );
    }
    Starter { text: out, tenants: tenant_order.len(), forests: forest_order.len(), files_read, files_not_read }
}

/// The `exported` line of a tenant or forest: commented out, with what the files say. Staleness is judged
/// at the export date; files dated only by their modification time need it written.
fn exported_line(out: &mut String, d: Option<&crate::model::DataDate>) {
    use crate::model::ExportSource;
    match d {
        Some(d) if d.latest.source == ExportSource::FileTime => writeln!(
            out,
            "# exported = {}   # when these files were exported (staleness is judged at it): the files do not say, so\n#                         # this is their modification time, which copying resets — write the real date",
            d.latest.at.date()
        )
        .unwrap(),
        Some(d) => writeln!(
            out,
            "# exported: not needed, the files record it: {} ({})",
            d.latest.at.date(),
            d.latest.detail
        )
        .unwrap(),
        None => out.push_str("# exported = 2026-11-20   # when these files were exported: staleness is judged at it\n"),
    }
}

/// Anchor links of one forest: distinct AD objects per tenant of the synced cloud objects they are linked to.
#[derive(Default)]
struct Links {
    per_tenant: BTreeMap<usize, BTreeSet<String>>,
    by_object_guid: BTreeSet<u32>,
    by_consistency_guid: BTreeSet<u32>,
}

fn anchor_links(ing: &Ingested) -> BTreeMap<usize, Links> {
    let estate = &ing.estate;
    let graph = EstateGraph::build(estate);
    let mut out: BTreeMap<usize, Links> = BTreeMap::new();
    for (i, o) in estate.ad_objects.iter().enumerate() {
        for (c, src) in graph.anchored_cloud_objects(i as u32) {
            let cloud = &estate.cloud_objects[c as usize];
            if cloud.on_prem_sync_enabled != Some(true) {
                continue;
            }
            let l = out.entry(o.forest as usize).or_default();
            let who = o
                .upn
                .as_deref()
                .or(o.sam_account_name.as_deref())
                .or(o.dn.as_deref())
                .map(str::to_string)
                .unwrap_or_else(|| format!("object {i}"));
            l.per_tenant.entry(cloud.tenant as usize).or_default().insert(who);
            match src {
                AnchorSource::ObjectGuid => l.by_object_guid.insert(i as u32),
                AnchorSource::ConsistencyGuid => l.by_consistency_guid.insert(i as u32),
            };
        }
    }
    out
}

/// For each owner, paths (relative, `/`-separated, `.` for the folder itself) covering its files and no file of
/// another owner of the same kind: the deepest folder holding all its files when no other owner's file is below
/// it, else each file's folder when that is the owner's alone, else the file itself.
fn cover_paths(files: &[(Vec<String>, Owner)]) -> BTreeMap<Owner, Vec<String>> {
    let clean = |folder: &[String], owner: Owner| {
        files.iter().all(|(p, o)| !(o.same_kind(owner) && *o != owner && p.starts_with(folder)))
    };
    let mut by_owner: BTreeMap<Owner, Vec<&Vec<String>>> = BTreeMap::new();
    for (path, owner) in files {
        by_owner.entry(*owner).or_default().push(path);
    }
    let shown = |p: &[String]| if p.is_empty() { ".".to_string() } else { p.join("/") };
    by_owner
        .into_iter()
        .map(|(owner, paths)| {
            let folder = |p: &Vec<String>| p[..p.len().saturating_sub(1)].to_vec();
            let mut common = folder(paths[0]);
            for p in &paths[1..] {
                let f = folder(p);
                let n = common.iter().zip(&f).take_while(|(a, b)| a == b).count();
                common.truncate(n);
            }
            if clean(&common, owner) {
                return (owner, vec![shown(&common)]);
            }
            let set: BTreeSet<Vec<String>> = paths
                .iter()
                .map(|p| {
                    let f = folder(p);
                    if clean(&f, owner) { f } else { (*p).clone() }
                })
                .collect();
            let kept =
                set.iter().filter(|p| !set.iter().any(|q| q != *p && p.starts_with(q))).map(|p| shown(p)).collect();
            (owner, kept)
        })
        .collect()
}

/// Path components of `file` below `dir` (the whole path's components when it is not below it).
fn relative(dir: &Path, file: &Path) -> Vec<String> {
    let r = file.strip_prefix(dir).unwrap_or(file);
    r.components()
        .filter(|c| matches!(c, std::path::Component::Normal(_)))
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect()
}

/// The name to declare for a tenant found by scanning: its organization name, else the initial domain a
/// folder tenant was named after, else the folder.
fn manifest_name(found: &str) -> String {
    if let Some((domain, _)) = found.split_once(" (unidentified tenant, folder ") {
        return domain.to_string();
    }
    if let Some(folder) = found.strip_prefix("unidentified tenant (").and_then(|r| r.strip_suffix(')')) {
        let last = folder.trim_end_matches('/').rsplit('/').next().unwrap_or(folder);
        return if last.is_empty() || last == "." { "tenant".to_string() } else { last.to_string() };
    }
    found.to_string()
}

fn quote(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn list(items: &[String]) -> String {
    format!("[{}]", items.iter().map(|s| quote(s)).collect::<Vec<_>>().join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Vec<String> {
        s.split('/').map(str::to_string).collect()
    }

    #[test]
    fn paths_are_the_deepest_folders_holding_all_of_one_owner() {
        let files = vec![
            (p("tenants/a/users.json"), Owner::Tenant(0)),
            (p("tenants/a/more/groups.json"), Owner::Tenant(0)),
            (p("tenants/b/users.json"), Owner::Tenant(1)),
            (p("ad/corp/users.csv"), Owner::Forest(0)),
            (p("ad/corp/sub/more.ldf"), Owner::Forest(0)),
        ];
        let got = cover_paths(&files);
        assert_eq!(got[&Owner::Tenant(0)], vec!["tenants/a"]);
        assert_eq!(got[&Owner::Tenant(1)], vec!["tenants/b"]);
        assert_eq!(got[&Owner::Forest(0)], vec!["ad/corp"]);
        // Files straight in the folder: the folder itself.
        let got = cover_paths(&[(p("users.json"), Owner::Tenant(0)), (p("groups.json"), Owner::Tenant(0))]);
        assert_eq!(got[&Owner::Tenant(0)], vec!["."]);
    }

    #[test]
    fn a_folder_shared_by_two_tenants_is_declared_file_by_file() {
        let files = vec![
            (p("x/a.json"), Owner::Tenant(0)),
            (p("x/b.json"), Owner::Tenant(1)),
            (p("x/sub/c.json"), Owner::Tenant(1)),
        ];
        let got = cover_paths(&files);
        assert_eq!(got[&Owner::Tenant(0)], vec!["x/a.json"]);
        assert_eq!(got[&Owner::Tenant(1)], vec!["x/b.json", "x/sub"]);
    }

    #[test]
    fn folder_tenant_names_lose_their_explanation() {
        assert_eq!(
            manifest_name("contosolab.onmicrosoft.com (unidentified tenant, folder tenants/lab)"),
            "contosolab.onmicrosoft.com"
        );
        assert_eq!(manifest_name("unidentified tenant (tenants/lab)"), "lab");
        assert_eq!(manifest_name("Contoso"), "Contoso");
        for s in ["a \"b\"", "it's", "x\\y", "Fabrikam, Inc."] {
            let back: toml::Value = toml::from_str(&format!("k = {}", quote(s))).unwrap();
            assert_eq!(back["k"].as_str(), Some(s));
        }
    }
}
