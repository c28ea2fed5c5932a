//! Names of Microsoft Entra directory roles: the built-in roles shipped as data
//! (`src/model/entra-builtin-roles.tsv`, embedded at build time) and the tenant's own role definitions
//! read from `roleDefinitions` exports.
//!
//! Exports often name a role only by its id (`roleAssignments` without `$expand=roleDefinition`,
//! `directoryRoles` without `displayName`); [`name_role_grants`] gives such grants their names so that
//! findings say "Global Administrator", not `62e90394-…`, while the id stays in `role_id`.

use super::{Estate, RoleGrant, TenantIdx, normalize_guid_text};
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

/// The built-in role table as shipped: `template id <TAB> name <TAB> yes|no` lines, `#` comments.
pub const ENTRA_BUILTIN_ROLES_DATA: &str = include_str!("entra-builtin-roles.tsv");

/// One built-in Microsoft Entra role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BuiltinRole {
    /// Template id (lower case), the same in every tenant.
    pub template_id: &'static str,
    /// Current display name (`Global Administrator`).
    pub name: &'static str,
    /// Microsoft labels the role privileged.
    pub privileged: bool,
}

/// The built-in roles, parsed once from [`ENTRA_BUILTIN_ROLES_DATA`] and keyed by template id.
pub fn builtin_roles() -> &'static HashMap<&'static str, BuiltinRole> {
    static MAP: OnceLock<HashMap<&'static str, BuiltinRole>> = OnceLock::new();
    MAP.get_or_init(|| {
        ENTRA_BUILTIN_ROLES_DATA
            .lines()
            .filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| {
                let mut cols = l.split('\t');
                let (id, name, privileged) = (cols.next()?.trim(), cols.next()?.trim(), cols.next()?.trim());
                Some((id, BuiltinRole { template_id: id, name, privileged: privileged == "yes" }))
            })
            .collect()
    })
}

/// The built-in role with template id `id` (any case, braces allowed).
pub fn builtin_role(id: &str) -> Option<BuiltinRole> {
    let g = normalize_guid_text(id)?;
    builtin_roles().get(g.as_str()).copied()
}

/// True when a grant's `role` is only an id (no display name was exported).
fn is_unnamed(r: &RoleGrant) -> bool {
    let role = r.role.trim();
    role.is_empty() || normalize_guid_text(role).is_some()
}

/// Role grants whose role could not be named: neither built-in nor in an exported role definition.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct UnnamedRoles {
    /// Indices into [`Estate::role_grants`].
    pub grants: Vec<usize>,
    /// The distinct role ids, sorted.
    pub ids: Vec<String>,
}

/// Names the role grants that carry only an id: first from the tenant's exported role definitions
/// (custom roles, and built-in roles under the name the tenant shows), then from the built-in table.
/// Grants that already have a display name keep it. Returns the grants that stay unnamed.
pub fn name_role_grants(estate: &mut Estate) -> UnnamedRoles {
    let mut defined: HashMap<(TenantIdx, String), String> = HashMap::new();
    for d in &estate.role_definitions {
        let Some(name) = d.display_name.as_deref().map(str::trim).filter(|n| !n.is_empty()) else { continue };
        for id in [Some(&d.id), d.template_id.as_ref()].into_iter().flatten() {
            if let Some(g) = normalize_guid_text(id) {
                defined.entry((d.tenant, g)).or_insert_with(|| name.to_string());
            }
        }
    }
    let mut unnamed = UnnamedRoles::default();
    let mut ids: HashSet<String> = HashSet::new();
    for (i, r) in estate.role_grants.iter_mut().enumerate() {
        if !is_unnamed(r) {
            continue;
        }
        let id = r.role_id.as_deref().or(Some(r.role.as_str())).and_then(normalize_guid_text);
        if r.role_id.is_none() {
            r.role_id = id.clone();
        }
        let Some(id) = id else { continue };
        let name =
            defined.get(&(r.tenant, id.clone())).cloned().or_else(|| builtin_role(&id).map(|b| b.name.to_string()));
        match name {
            Some(n) => r.role = n,
            None => {
                unnamed.grants.push(i);
                ids.insert(id);
            }
        }
    }
    unnamed.ids = ids.into_iter().collect();
    unnamed.ids.sort();
    unnamed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RoleDefinition;

    #[test]
    fn table_parses_and_names_the_privileged_roles() {
        let roles = builtin_roles();
        assert!(roles.len() >= 100, "{} roles", roles.len());
        let ga = builtin_role("{62E90394-69F5-4237-9190-012177145E10}").unwrap();
        assert_eq!((ga.name, ga.privileged), ("Global Administrator", true));
        let pra = builtin_role("e8611ab8-c189-46e8-94e1-60213ab1f814").unwrap();
        assert_eq!((pra.name, pra.privileged), ("Privileged Role Administrator", true));
        let dr = builtin_role("88d8e3e3-8f55-4a1e-953a-9b9898b8876b").unwrap();
        assert_eq!((dr.name, dr.privileged), ("Directory Readers", false));
        assert_eq!(builtin_role("00000000-0000-0000-0000-000000000000"), None);
        assert_eq!(builtin_role("Global Administrator"), None);
        // Every line is well formed: a lower-case GUID, a name, yes/no; ids and names unique.
        let mut names = HashSet::new();
        for l in ENTRA_BUILTIN_ROLES_DATA.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
            let cols: Vec<&str> = l.split('\t').collect();
            assert_eq!(cols.len(), 3, "{l:?}");
            assert_eq!(normalize_guid_text(cols[0]).as_deref(), Some(cols[0]), "{l:?}");
            assert!(matches!(cols[2], "yes" | "no"), "{l:?}");
            assert!(names.insert(cols[1]), "duplicate name {l:?}");
        }
        assert_eq!(names.len(), roles.len(), "duplicate template id");
        assert!(roles.values().filter(|r| r.privileged).count() >= 25);
    }

    #[test]
    fn grants_are_named_from_role_definitions_then_the_builtin_table() {
        const CUSTOM: &str = "aa11bb22-cc33-4d44-8e55-ff6677889900";
        const OTHER: &str = "12345678-1234-4234-8234-123456789abc";
        let grant = |tenant, role: &str, id: Option<&str>| RoleGrant {
            tenant,
            principal_id: "p".into(),
            role: role.into(),
            role_id: id.map(Into::into),
            ..Default::default()
        };
        let mut e = Estate {
            role_grants: vec![
                grant(0, "62e90394-69f5-4237-9190-012177145e10", Some("62e90394-69f5-4237-9190-012177145e10")),
                grant(0, CUSTOM, Some(CUSTOM)),
                grant(1, CUSTOM, Some(CUSTOM)),
                grant(0, "Helpdesk Administrator", Some("729827e3-9c14-49f7-bb1b-9608f156bbb8")),
                grant(0, "", Some("E8611AB8-C189-46E8-94E1-60213AB1F814")),
                grant(1, OTHER, None),
            ],
            ..Default::default()
        };
        e.role_definitions.push(RoleDefinition {
            tenant: 0,
            id: CUSTOM.into(),
            display_name: Some("Contoso Mailbox Auditor".into()),
            is_built_in: Some(false),
            ..Default::default()
        });
        let unnamed = name_role_grants(&mut e);
        let roles: Vec<&str> = e.role_grants.iter().map(|r| r.role.as_str()).collect();
        assert_eq!(
            roles,
            vec![
                "Global Administrator",
                "Contoso Mailbox Auditor",
                CUSTOM, // a definition of another tenant does not name it
                "Helpdesk Administrator",
                "Privileged Role Administrator",
                OTHER,
            ]
        );
        assert_eq!(e.role_grants[0].role_id.as_deref(), Some("62e90394-69f5-4237-9190-012177145e10"), "id kept");
        assert_eq!(e.role_grants[5].role_id.as_deref(), Some(OTHER), "the id is recorded as the role id");
        assert_eq!(unnamed.grants, vec![2, 5]);
        assert_eq!(unnamed.ids, vec![OTHER.to_string(), CUSTOM.to_string()]);
    }
}
