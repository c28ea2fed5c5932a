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
//!
//! [[forest]]
//! name = "corp.contoso.com"
//! paths = ["ad/contoso"]
//! complete = true                                    # the export covers the whole forest
//! anchor = "objectGUID"                              # or "ms-DS-ConsistencyGuid"
//! syncs_to = ["Contoso"]                             # tenants (names or ids) this forest is synced into
//! ```

use serde::Deserialize;
use std::path::{Path, PathBuf};

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
}

impl Manifest {
    /// Parses manifest text; `display` names the file in errors.
    pub fn parse(text: &str, dir: &Path, display: &str) -> Result<Self, String> {
        let mut m: Manifest = toml::from_str(text).map_err(|e| format!("{display}: {}", one_line(&e.to_string())))?;
        m.dir = dir.to_path_buf();
        m.display = display.to_string();
        for t in &m.tenants {
            if let Some(id) = &t.id
                && crate::model::normalize_guid_text(id).is_none()
            {
                return Err(format!("{display}: tenant {:?}: id {id:?} is not a GUID", t.name));
            }
        }
        for f in &m.forests {
            for t in &f.syncs_to {
                let known = m.tenants.iter().any(|d| {
                    d.name == *t
                        || d.id.as_deref().and_then(crate::model::normalize_guid_text)
                            == crate::model::normalize_guid_text(t)
                            && crate::model::normalize_guid_text(t).is_some()
                });
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

    /// Declared paths of a tenant or forest, resolved against the manifest folder.
    pub fn resolve(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }
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
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{display}: cannot read manifest: {e}"))?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    Manifest::parse(&text, &dir, &display).map(Some)
}

/// True when `file` is `decl` or lies below it (component-wise comparison).
pub fn covers(decl: &Path, file: &Path) -> bool {
    let norm = |p: &Path| -> Vec<String> {
        p.components()
            .filter(|c| !matches!(c, std::path::Component::CurDir))
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect()
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
        let e = Manifest::parse("[[tenant]]\nnam='A'\n", Path::new("x"), "x/estate.toml").unwrap_err();
        assert!(e.starts_with("x/estate.toml:") && e.contains("nam"), "{e}");
    }

    #[test]
    fn covers_is_component_wise() {
        assert!(covers(Path::new("a/t"), Path::new("./a/t/users.json")));
        assert!(!covers(Path::new("a/t"), Path::new("a/tx/users.json")));
    }
}
