//! When each input was exported ([`ExportTime`]), best evidence first:
//!
//! 1. the file says so: the `# collected:` header of `tenantlint collect ldap` ([`from_header`]),
//!    ScubaGear's `timestamp_zulu` or `date` ([`scubagear_date`], called by its reader);
//! 2. `collection.json` of `tenantlint collect graph` / `collect arm` dates the page files it lists
//!    ([`apply_collections`]);
//! 3. the estate manifest: `exported = 2026-11-20` of the `[[tenant]]` or `[[forest]]` covering the file;
//! 4. the file's modification time.
//!
//! [`finish`] applies 3 and 4 after attribution and gives every tenant and forest its [`DataDate`]:
//! the latest export time of its inputs. One value per input, never per record.

use super::manifest::{self, Manifest};
use super::{Extract, Ingested, InputReport, Status};
use crate::model::{DataDate, ExportSource, ExportTime};
use crate::source::SourceMap;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Lines of a file's leading comment block looked at for a header.
const HEADER_LINES: usize = 40;

/// The export time a file's own header records, for the formats that have one: the LDIF written by
/// `tenantlint collect ldap` starts with `# collected: <RFC 3339 time>`.
pub fn from_header(format: &str, text: &str) -> Option<ExportTime> {
    if format != "ldif" {
        return None;
    }
    for line in text.lines().take(HEADER_LINES) {
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        let Some(comment) = t.strip_prefix('#') else { break };
        if let Some(v) = comment.trim().strip_prefix("collected:")
            && let Ok(at) = OffsetDateTime::parse(v.trim(), &Rfc3339)
        {
            return Some(ExportTime::new(at, ExportSource::Export, "LDIF header \"collected:\""));
        }
    }
    None
}

/// ScubaGear's export time: `timestamp_zulu` (RFC 3339, newer versions) or `date`, written by
/// PowerShell as `MM/dd/yyyy HH:mm:ss <time zone name>` in the collecting machine's local time. A
/// zone other than UTC cannot be converted without its rules: the local time is taken as UTC (at
/// most a day off) and the detail says so.
pub fn scubagear_date(timestamp_zulu: Option<&str>, date: Option<&str>) -> Option<ExportTime> {
    if let Some(at) = timestamp_zulu.and_then(|z| OffsetDateTime::parse(z.trim(), &Rfc3339).ok()) {
        return Some(ExportTime::new(at, ExportSource::Export, "ScubaGear \"timestamp_zulu\""));
    }
    let date = date?.trim();
    let (stamp, zone) = match date.match_indices(' ').nth(1) {
        Some((i, _)) => (&date[..i], date[i + 1..].trim()),
        None => (date, ""),
    };
    let fmt = time::macros::format_description!("[month]/[day]/[year] [hour]:[minute]:[second]");
    let at = time::PrimitiveDateTime::parse(stamp, &fmt).ok()?.assume_utc();
    let utc = zone.is_empty()
        || ["coordinated universal time", "utc", "gmt", "greenwich mean time"].contains(&zone.to_lowercase().as_str());
    let detail = if utc {
        "ScubaGear \"date\"".to_string()
    } else {
        format!("ScubaGear \"date\" (local time of zone {zone:?}, taken as UTC)")
    };
    Some(ExportTime::new(at, ExportSource::Export, detail))
}

/// Dates the files that a `collection.json` lists ([`Extract::dated_files`], relative to its folder)
/// and that have no export time of their own.
pub fn apply_collections(sources: &SourceMap, results: &mut [(InputReport, Extract)]) {
    let mut by_path: HashMap<PathBuf, ExportTime> = HashMap::new();
    for (rep, ex) in results.iter_mut() {
        if ex.dated_files.is_empty() {
            continue;
        }
        let dir = sources.path(rep.file).parent().map(Path::to_path_buf).unwrap_or_default();
        for (name, at) in std::mem::take(&mut ex.dated_files) {
            by_path.insert(dir.join(name), at);
        }
    }
    if by_path.is_empty() {
        return;
    }
    for (rep, ex) in results.iter_mut() {
        if rep.exported_at.is_none()
            && let Some(at) = by_path.get(sources.path(rep.file))
        {
            rep.exported_at = Some(at.clone());
            ex.exported_at = Some(at.clone());
        }
    }
}

/// After attribution: dates the remaining inputs that were read by the manifest's `exported` (of the
/// tenant or forest whose `paths` cover the file, else of the declared one it was attributed to), else
/// their file time, and sets every tenant's and forest's data date.
pub fn finish(ing: &mut Ingested, manifest: Option<&Manifest>) {
    // The manifest's date of each tenant and forest it declares (declared tenants come first, in order).
    let tenant_decl: Vec<Option<ExportTime>> = ing
        .estate
        .tenants
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let m = manifest?;
            let d = m.tenants.get(i).filter(|d| d.name == t.name)?;
            Some(ExportTime::new(d.exported?, ExportSource::Manifest, decl_detail(m, "tenant", &d.name)))
        })
        .collect();
    let forest_decl: Vec<Option<ExportTime>> = ing
        .estate
        .forests
        .iter()
        .map(|f| {
            let m = manifest?;
            if f.attributed_by != format!("manifest {}", m.display) {
                return None;
            }
            let d = m.forests.iter().find(|d| d.name == f.name)?;
            Some(ExportTime::new(d.exported?, ExportSource::Manifest, decl_detail(m, "forest", &d.name)))
        })
        .collect();
    for rep in &mut ing.inputs {
        // Files not read hold no data to date.
        if rep.status != Status::Read {
            rep.exported_at = None;
            continue;
        }
        if rep.exported_at.is_some() {
            continue;
        }
        let path = ing.sources.path(rep.file);
        let of = |decl: &[Option<ExportTime>], i: Option<u32>| i.and_then(|i| decl.get(i as usize)?.clone());
        rep.exported_at = manifest
            .and_then(|m| declared(m, path, rep.forest.is_some()))
            .or_else(|| of(&forest_decl, rep.forest))
            .or_else(|| of(&tenant_decl, rep.tenant))
            .or_else(|| file_time(rep.modified));
    }
    let read: Vec<&InputReport> = ing.inputs.iter().filter(|r| r.status == Status::Read).collect();
    for (i, t) in ing.estate.tenants.iter_mut().enumerate() {
        let own = read.iter().filter(|r| r.tenant == Some(i as u32)).filter_map(|r| r.exported_at.as_ref());
        // A declared tenant without files: its manifest date alone.
        t.data_date = data_date(own).or_else(|| DataDate::over(tenant_decl[i].as_ref()));
    }
    for (i, f) in ing.estate.forests.iter_mut().enumerate() {
        f.data_date =
            data_date(read.iter().filter(|r| r.forest == Some(i as u32)).filter_map(|r| r.exported_at.as_ref()));
    }
}

/// The data date over the export times of a tenant's or forest's inputs. File times count only when
/// nothing better dates any of them: a copy's file time is later than the real export and would win.
fn data_date<'a>(times: impl Iterator<Item = &'a ExportTime>) -> Option<DataDate> {
    let times: Vec<&ExportTime> = times.collect();
    let known: Vec<&ExportTime> = times.iter().copied().filter(|t| t.source != ExportSource::FileTime).collect();
    DataDate::over(if known.is_empty() { times } else { known })
}

/// The manifest's `exported` of the `[[forest]]` or `[[tenant]]` covering `path` (forests first for a
/// file of AD objects).
fn declared(m: &Manifest, path: &Path, ad: bool) -> Option<ExportTime> {
    let covers = |paths: &[String]| paths.iter().any(|p| manifest::covers(&m.resolve(p), path));
    let forest = || {
        m.forests
            .iter()
            .find(|f| f.exported.is_some() && covers(&f.paths))
            .and_then(|f| Some(ExportTime::new(f.exported?, ExportSource::Manifest, decl_detail(m, "forest", &f.name))))
    };
    let tenant = || {
        m.tenants
            .iter()
            .find(|t| t.exported.is_some() && covers(&t.paths))
            .and_then(|t| Some(ExportTime::new(t.exported?, ExportSource::Manifest, decl_detail(m, "tenant", &t.name))))
    };
    if ad { forest().or_else(tenant) } else { tenant().or_else(forest) }
}

fn decl_detail(m: &Manifest, what: &str, name: &str) -> String {
    format!("{} [[{what}]] {name:?} exported", m.display)
}

fn file_time(modified: Option<OffsetDateTime>) -> Option<ExportTime> {
    Some(ExportTime::new(modified?, ExportSource::FileTime, "file modification time"))
}

#[cfg(test)]
mod estate_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn the_ldif_header_of_collect_ldap_dates_the_file() {
        let text = "# tenantlint LDAP collection (read-only search)\n# server: ldaps://dc1\n# collected: 2026-11-20T09:15:00Z\n# objects: 2\nversion: 1\n\ndn: CN=a\n";
        let t = from_header("ldif", text).unwrap();
        assert_eq!((t.at, t.source), (datetime!(2026-11-20 09:15 UTC), ExportSource::Export));
        assert!(from_header("ad-csv", text).is_none());
        // Only the leading comment block counts.
        assert!(from_header("ldif", "version: 1\n\n# collected: 2026-11-20T09:15:00Z\n").is_none());
        assert!(from_header("ldif", "# collected: yesterday\nversion: 1\n").is_none());
    }

    #[test]
    fn scubagear_dates() {
        let z = scubagear_date(Some("2026-05-04T17:15:48.123Z"), Some("05/04/2026 19:15:48 W. Europe Daylight Time"));
        assert_eq!(z.unwrap().at, datetime!(2026-05-04 17:15:48 UTC));
        let d = scubagear_date(None, Some("05/04/2026 17:15:48 Coordinated Universal Time")).unwrap();
        assert_eq!((d.at, d.detail.as_str()), (datetime!(2026-05-04 17:15:48 UTC), "ScubaGear \"date\""));
        let l = scubagear_date(None, Some("05/04/2026 19:15:48 W. Europe Daylight Time")).unwrap();
        assert_eq!(l.at, datetime!(2026-05-04 19:15:48 UTC));
        assert!(l.detail.contains("taken as UTC"), "{}", l.detail);
        assert!(scubagear_date(None, Some("4 May 2026")).is_none());
        assert!(scubagear_date(None, None).is_none());
    }
}
