//! The optional estate manifest, `estate.toml`, which names tenants and forests and says which
//! files belong to which.
//!
//! Without a manifest, files are attributed by folder (see [`super::group`]). A manifest is needed
//! when a folder mixes tenants, when no organization export names a tenant, or to declare facts an
//! export cannot show (that a forest export is complete, which sync anchor attribute is in use).
//!
//! ```toml
//! name = "Contoso / Fabrikam merger"
//!
//! [[tenant]]
//! name = "Contoso"                                   # shown in reports
//! id = "8f0c1b4e-2a7d-4c55-9e61-3b2d7a9c0e11"        # optional; checked against organization exports
//! paths = ["tenants/contoso"]                        # files or folders, relative to this file
//! exported = 2026-11-20                              # optional: when these files were exported (a date, or
//!                                                    # a date and time with offset) — when they do not say so
//!
//! [[tenant]]
//! name = "Fabrikam"
//! separate_from = ["Contoso"]                        # intentionally separate tenants (names or ids): not
//!                                                    # reported as duplicate directories of this one
//! cross_tenant_sync = []                             # tenants linked to this one by cross-tenant sync or a
//!                                                    # multi-tenant organization (names or ids)
//!
//! [[forest]]
//! name = "corp.contoso.com"
//! paths = ["ad/contoso"]
//! complete = true                                    # the export covers the whole forest
//! anchor = "objectGUID"                              # or "ms-DS-ConsistencyGuid"
//! syncs_to = ["Contoso"]                             # tenants (names or ids) this forest is synced into
//! exported = 2026-11-20T14:30:00Z                    # optional, as for a tenant
//! ```

use serde::Deserialize;
use std::path::{Path, PathBuf};
use time::OffsetDateTime;
use toml::Spanned;

/// File name looked for in each scanned folder.
pub const FILE_NAME: &str = "estate.toml";

/// A parsed manifest.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Name of the estate (report title default).
    #[serde(default)]
    pub name: Option<String>,
    /// Declared tenants.
    #[serde(default, rename = "tenant")]
    pub tenants: Vec<TenantDecl>,
    /// Declared forests.
    #[serde(default, rename = "forest")]
    pub forests: Vec<ForestDecl>,
    /// Folder of the manifest (paths are relative to it); set after parsing.
    #[serde(skip)]
    pub dir: PathBuf,
    /// Display path of the manifest file.
    #[serde(skip)]
    pub display: String,
}

/// A `[[tenant]]` entry.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantDecl {
    /// Name shown in reports.
    pub name: String,
    /// Tenant id (GUID).
    #[serde(default)]
    pub id: Option<String>,
    /// Files or folders relative to the manifest.
    #[serde(default)]
    pub paths: Vec<String>,
    /// Tenants (declared names or ids) this tenant is intentionally kept separate from (an acquired
    /// company until its migration, a test tenant...): never reported as duplicate directories of it.
    #[serde(default)]
    pub separate_from: Vec<String>,
    /// Tenants (declared names or ids) linked to this one by cross-tenant synchronisation or a
    /// multi-tenant organization: linked on purpose, never reported as duplicate directories of it.
    #[serde(default)]
    pub cross_tenant_sync: Vec<String>,
    /// `exported` as written (validated by [`Manifest::parse`] into [`TenantDecl::exported`]).
    #[serde(default, rename = "exported")]
    exported_raw: Option<Spanned<toml::Value>>,
    /// When the tenant's files were exported (`exported = 2026-11-20`): the export time of those of its
    /// files that do not record one themselves.
    #[serde(skip)]
    pub exported: Option<OffsetDateTime>,
}

/// A `[[forest]]` entry.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForestDecl {
    /// Forest name (its root domain).
    pub name: String,
    /// Files or folders relative to the manifest.
    #[serde(default)]
    pub paths: Vec<String>,
    /// Whether the export covers the whole forest.
    #[serde(default)]
    pub complete: Option<bool>,
    /// Sync anchor attribute in use: `objectGUID` or `ms-DS-ConsistencyGuid`.
    #[serde(default)]
    pub anchor: Option<String>,
    /// Tenants (declared names or ids) the forest is synchronised into.
    #[serde(default)]
    pub syncs_to: Vec<String>,
    /// `exported` as written (validated by [`Manifest::parse`] into [`ForestDecl::exported`]).
    #[serde(default, rename = "exported")]
    exported_raw: Option<Spanned<toml::Value>>,
    /// When the forest's files were exported (`exported = 2026-11-20`), as for a tenant.
    #[serde(skip)]
    pub exported: Option<OffsetDateTime>,
}

impl Manifest {
    /// Parses manifest text; `display` names the file in errors.
    pub fn parse(text: &str, dir: &Path, display: &str) -> Result<Self, String> {
        let mut m: Manifest = toml::from_str(text).map_err(|e| format!("{display}: {}", one_line(&e.to_string())))?;
        m.dir = dir.to_path_buf();
        m.display = display.to_string();
        let now = OffsetDateTime::now_utc();
        for t in &mut m.tenants {
            t.exported = exported(text, display, "tenant", &t.name, t.exported_raw.as_ref(), now)?;
        }
        for f in &mut m.forests {
            f.exported = exported(text, display, "forest", &f.name, f.exported_raw.as_ref(), now)?;
        }
        for t in &m.tenants {
            if let Some(id) = &t.id
                && crate::model::normalize_guid_text(id).is_none()
            {
                return Err(format!("{display}: tenant {:?}: id {id:?} is not a GUID", t.name));
            }
        }
        for (i, t) in m.tenants.iter().enumerate() {
            for (key, refs) in [("separate_from", &t.separate_from), ("cross_tenant_sync", &t.cross_tenant_sync)] {
                for r in refs {
                    match m.tenant_position(r) {
                        None => {
                            return Err(format!(
                                "{display}: tenant {:?}: {key} names {r:?}, which is not a [[tenant]] of this manifest (by name or id)",
                                t.name
                            ));
                        }
                        Some(p) if p == i => {
                            return Err(format!("{display}: tenant {:?}: {key} names the tenant itself", t.name));
                        }
                        Some(_) => {}
                    }
                }
            }
        }
        for f in &m.forests {
            for t in &f.syncs_to {
                let known = m.tenant_position(t).is_some();
                if !known {
                    return Err(format!(
                        "{display}: forest {:?}: syncs_to names {t:?}, which is not a [[tenant]] of this manifest (by name or id)",
                        f.name
                    ));
                }
            }
            if let Some(a) = &f.anchor
                && !(a.eq_ignore_ascii_case("objectGUID") || a.eq_ignore_ascii_case("ms-DS-ConsistencyGuid"))
            {
                return Err(format!(
                    "{display}: forest {:?}: anchor {a:?} must be \"objectGUID\" or \"ms-DS-ConsistencyGuid\"",
                    f.name
                ));
            }
        }
        Ok(m)
    }

    /// Position of the `[[tenant]]` named `name_or_id` (by name, or by id compared as a GUID).
    pub fn tenant_position(&self, name_or_id: &str) -> Option<usize> {
        let id = crate::model::normalize_guid_text(name_or_id);
        self.tenants.iter().position(|d| {
            d.name == name_or_id || (id.is_some() && d.id.as_deref().and_then(crate::model::normalize_guid_text) == id)
        })
    }

    /// Declared paths of a tenant or forest, resolved against the manifest folder. A backslash separates folders
    /// too, so a manifest written on Windows (`tenants\contoso`) works everywhere.
    pub fn resolve(&self, rel: &str) -> PathBuf {
        if cfg!(windows) { self.dir.join(rel) } else { self.dir.join(rel.replace('\\', "/")) }
    }
}

/// Validates an `exported` value: a TOML date (`2026-11-20`, midnight UTC), a date and time with an offset
/// (`2026-11-20T14:30:00Z`), or the same written as a string; not later than `now`. Errors are
/// `file:line: …`.
fn exported(
    text: &str,
    display: &str,
    what: &str,
    name: &str,
    raw: Option<&Spanned<toml::Value>>,
    now: OffsetDateTime,
) -> Result<Option<OffsetDateTime>, String> {
    let Some(raw) = raw else { return Ok(None) };
    let line = 1 + super::text::count_newlines(&text.as_bytes()[..raw.span().start.min(text.len())]);
    let written = match raw.get_ref() {
        toml::Value::String(s) => s.trim().to_string(),
        toml::Value::Datetime(d) => d.to_string(),
        other => other.to_string(),
    };
    let at = parse_exported(&written).ok_or_else(|| {
        format!(
            "{display}:{line}: {what} {name:?}: exported = {} is not a date: write a date (exported = 2026-11-20) or a date and time with its offset (exported = 2026-11-20T14:30:00Z)",
            raw.get_ref()
        )
    })?;
    if at > now {
        return Err(format!(
            "{display}:{line}: {what} {name:?}: exported = {written} is in the future: it is when the files were exported"
        ));
    }
    Ok(Some(at))
}

/// `2026-11-20` (midnight UTC) or an RFC 3339 date and time with offset.
pub fn parse_exported(s: &str) -> Option<OffsetDateTime> {
    use time::format_description::well_known::Rfc3339;
    if let Ok(at) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some(at.to_offset(time::UtcOffset::UTC));
    }
    let date = time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).ok()?;
    Some(date.midnight().assume_utc())
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Finds the manifest: the one given, else `estate.toml` directly inside the first scanned folder that has one.
pub fn find(paths: &[PathBuf], given: Option<&Path>) -> Result<Option<Manifest>, String> {
    let candidate = match given {
        Some(p) => Some(p.to_path_buf()),
        None => paths.iter().filter(|p| p.is_dir()).map(|p| p.join(FILE_NAME)).find(|p| p.is_file()),
    };
    let Some(path) = candidate else { return Ok(None) };
    let display = super::display_path(&path);
    let text = super::read_text_file(&path, "manifest", super::MAX_SETTINGS_FILE_SIZE)?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    Manifest::parse(&text, &dir, &display).map(Some)
}

/// True when `file` is `decl` or lies below it (component-wise comparison, `.` and `..` resolved as written).
/// On Windows and macOS, whose file systems ignore case by default, names are compared ignoring case.
pub fn covers(decl: &Path, file: &Path) -> bool {
    covers_with(decl, file, cfg!(any(windows, target_os = "macos")))
}

/// [`covers`], comparing names ignoring case when `fold_case` is set.
pub fn covers_with(decl: &Path, file: &Path, fold_case: bool) -> bool {
    use std::path::Component;
    let norm = |p: &Path| -> Vec<String> {
        let mut parts: Vec<String> = Vec::new();
        for c in p.components() {
            match c {
                Component::CurDir => {}
                Component::ParentDir if parts.last().is_some_and(|l| l != "..") => {
                    parts.pop();
                }
                c => {
                    let s = c.as_os_str().to_string_lossy();
                    parts.push(if fold_case { s.to_lowercase() } else { s.into_owned() });
                }
            }
        }
        parts
    };
    let d = norm(decl);
    let f = norm(file);
    f.len() >= d.len() && f[..d.len()] == d[..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_validates() {
        let m = Manifest::parse(
            "[[tenant]]\nname='A'\nid='8f0c1b4e-2a7d-4c55-9e61-3b2d7a9c0e11'\npaths=['t/a']\n[[forest]]\nname='corp'\nanchor='objectGUID'\n",
            Path::new("x"),
            "x/estate.toml",
        )
        .unwrap();
        assert_eq!(m.tenants[0].paths, vec!["t/a"]);
        let e = Manifest::parse("[[tenant]]\nname='A'\nid='nope'\n", Path::new("x"), "x/estate.toml").unwrap_err();
        assert!(e.contains("not a GUID"), "{e}");
        let e = Manifest::parse("[[forest]]\nname='corp'\nsyncs_to=['Nope']\n", Path::new("x"), "x/estate.toml")
            .unwrap_err();
        assert!(e.contains("syncs_to names \"Nope\""), "{e}");
        let e = Manifest::parse("[[tenant]]\nname='A'\nseparate_from=['B']\n", Path::new("x"), "x/estate.toml")
            .unwrap_err();
        assert!(e.contains("separate_from names \"B\""), "{e}");
        let e = Manifest::parse("[[tenant]]\nname='A'\ncross_tenant_sync=['A']\n", Path::new("x"), "x/estate.toml")
            .unwrap_err();
        assert!(e.contains("cross_tenant_sync names the tenant itself"), "{e}");
        let m = Manifest::parse(
            "[[tenant]]\nname='A'\nid='8f0c1b4e-2a7d-4c55-9e61-3b2d7a9c0e11'\n[[tenant]]\nname='B'\nseparate_from=['{8F0C1B4E-2A7D-4C55-9E61-3B2D7A9C0E11}']\ncross_tenant_sync=['A']\n",
            Path::new("x"),
            "x/estate.toml",
        )
        .unwrap();
        assert_eq!(m.tenant_position(&m.tenants[1].separate_from[0]), Some(0));
        let e = Manifest::parse("[[tenant]]\nnam='A'\n", Path::new("x"), "x/estate.toml").unwrap_err();
        assert!(e.starts_with("x/estate.toml:") && e.contains("nam"), "{e}");
    }

    #[test]
    fn exported_is_a_date_or_a_date_and_time_with_offset() {
        let m = Manifest::parse(
            "[[tenant]]\nname='A'\nexported=2026-11-20\n[[tenant]]\nname='B'\nexported='2026-11-20T14:30:00+02:00'\n[[forest]]\nname='corp'\nexported=2026-11-19T08:00:00Z\n",
            Path::new("x"),
            "x/estate.toml",
        )
        .unwrap();
        assert_eq!(m.tenants[0].exported, Some(time::macros::datetime!(2026-11-20 00:00 UTC)));
        assert_eq!(m.tenants[1].exported, Some(time::macros::datetime!(2026-11-20 12:30 UTC)));
        assert_eq!(m.forests[0].exported, Some(time::macros::datetime!(2026-11-19 08:00 UTC)));
        let e = Manifest::parse("[[tenant]]\nname='A'\n\nexported='last week'\n", Path::new("x"), "x/estate.toml")
            .unwrap_err();
        assert!(e.starts_with("x/estate.toml:4: tenant \"A\": exported = \"last week\" is not a date"), "{e}");
        let e =
            Manifest::parse("[[forest]]\nname='corp'\nexported=2026-11-20T10:00:00\n", Path::new("x"), "x/estate.toml")
                .unwrap_err();
        assert!(e.starts_with("x/estate.toml:3: forest \"corp\""), "{e}");
        let e = Manifest::parse("[[forest]]\nname='corp'\nexported=2999-01-01\n", Path::new("x"), "x/estate.toml")
            .unwrap_err();
        assert!(e.contains("is in the future"), "{e}");
    }

    #[test]
    fn covers_is_component_wise() {
        assert!(covers(Path::new("a/t"), Path::new("./a/t/users.json")));
        assert!(!covers(Path::new("a/t"), Path::new("a/tx/users.json")));
        // `..` in a declared path, the manifest folder itself, and case (on Windows and macOS).
        assert!(covers_with(Path::new("est/ad/../tenants/t"), Path::new("est/tenants/t/users.json"), false));
        assert!(covers_with(Path::new("est/."), Path::new("est/tenants/t/users.json"), false));
        assert!(!covers_with(Path::new("est/Tenants/T"), Path::new("est/tenants/t/users.json"), false));
        assert!(covers_with(Path::new("est/Tenants/T"), Path::new("est/tenants/t/users.json"), true));
        assert!(!covers_with(Path::new("../x"), Path::new("x/users.json"), false));
        // A manifest written on Windows resolves on every OS.
        let m = Manifest::parse("[[tenant]]\nname='A'\npaths=['tenants\\a']\n", Path::new("est"), "est/estate.toml")
            .unwrap();
        assert!(covers(&m.resolve(&m.tenants[0].paths[0]), Path::new("est/tenants/a/users.json")));
    }
}
