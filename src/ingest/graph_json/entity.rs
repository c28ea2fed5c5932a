//! Which Graph entity a response holds: from its OData context URL, an element's `@odata.type` /
//! `objectType`, or else its keys.

use super::super::json_util::{self as ju, Head, Rec};

/// The Graph entities tenantlint reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Entity {
    /// users
    Users,
    /// groups
    Groups,
    /// contacts (orgContact)
    Contacts,
    /// domains
    Domains,
    /// organization (legacy: tenantDetails)
    Organization,
    /// subscribedSkus
    SubscribedSkus,
    /// federationConfiguration (internalDomainFederation)
    FederationConfiguration,
    /// directory/onPremisesSynchronization
    OnPremisesSynchronization,
    /// applications
    Applications,
    /// servicePrincipals
    ServicePrincipals,
    /// directoryRoles (with expanded members)
    DirectoryRoles,
    /// roleManagement/directory/roleAssignments
    RoleAssignments,
    /// roleManagement/directory/roleDefinitions (built-in and custom roles, to name role ids)
    RoleDefinitions,
    /// directoryObjects (mixed: members, memberOf...), resolved per element
    DirectoryObjects,
}

impl Entity {
    /// Name used in `graph-json:<entity>`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Users => "users",
            Self::Groups => "groups",
            Self::Contacts => "contacts",
            Self::Domains => "domains",
            Self::Organization => "organization",
            Self::SubscribedSkus => "subscribedSkus",
            Self::FederationConfiguration => "federationConfiguration",
            Self::OnPremisesSynchronization => "onPremisesSynchronization",
            Self::Applications => "applications",
            Self::ServicePrincipals => "servicePrincipals",
            Self::DirectoryRoles => "directoryRoles",
            Self::RoleAssignments => "roleAssignments",
            Self::RoleDefinitions => "roleDefinitions",
            Self::DirectoryObjects => "directoryObjects",
        }
    }
}

/// Entity named by a collection / navigation segment of an OData context (`users`, `tenantDetails`).
/// `Some(Err(name))` = a recognised Graph segment that tenantlint does not read.
pub(super) fn entity_of_segment(seg: &str) -> Option<Result<Entity, String>> {
    let e = match seg.to_ascii_lowercase().as_str() {
        "users" => Entity::Users,
        "groups" => Entity::Groups,
        "contacts" | "orgcontacts" => Entity::Contacts,
        "domains" => Entity::Domains,
        "organization" | "tenantdetails" => Entity::Organization,
        "subscribedskus" => Entity::SubscribedSkus,
        "federationconfiguration" => Entity::FederationConfiguration,
        "onpremisessynchronization" => Entity::OnPremisesSynchronization,
        "applications" => Entity::Applications,
        "serviceprincipals" => Entity::ServicePrincipals,
        "directoryroles" => Entity::DirectoryRoles,
        "roleassignments" => Entity::RoleAssignments,
        "roledefinitions" => Entity::RoleDefinitions,
        "directoryobjects" | "members" | "transitivemembers" | "memberof" | "transitivememberof" | "owners"
        | "registeredowners" | "manager" | "directreports" => Entity::DirectoryObjects,
        // containers that are not an entity by themselves
        "directory" | "rolemanagement" | "$entity" | "@element" | "$metadata" | "" => return None,
        _ => return Some(Err(seg.to_string())),
    };
    Some(Ok(e))
}

/// Entity of a type name (`#microsoft.graph.user`, `Microsoft.DirectoryServices.User`, legacy
/// `objectType` `User`). `Some(Err(name))` = a directory type tenantlint does not read.
pub(super) fn entity_of_type(t: &str) -> Option<Result<Entity, String>> {
    let name = t.trim().trim_start_matches('#');
    let name = name.rsplit('.').next().unwrap_or(name);
    let e = match name.to_ascii_lowercase().as_str() {
        "user" => Entity::Users,
        "group" => Entity::Groups,
        "orgcontact" | "contact" => Entity::Contacts,
        "domain" => Entity::Domains,
        "organization" | "tenantdetail" | "company" => Entity::Organization,
        "subscribedsku" => Entity::SubscribedSkus,
        "internaldomainfederation" => Entity::FederationConfiguration,
        "onpremisesdirectorysynchronization" => Entity::OnPremisesSynchronization,
        "application" => Entity::Applications,
        "serviceprincipal" => Entity::ServicePrincipals,
        "directoryrole" | "role" => Entity::DirectoryRoles,
        "unifiedroleassignment" => Entity::RoleAssignments,
        "unifiedroledefinition" => Entity::RoleDefinitions,
        "directoryobject" => Entity::DirectoryObjects,
        "" => return None,
        other => return Some(Err(other.to_string())),
    };
    Some(Ok(e))
}

/// What an OData context URL says about a response.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Context {
    /// Entity (last meaningful segment).
    pub(super) entity: Option<Result<Entity, String>>,
    /// Domain named by a `domains('<name>')` segment (URL-decoded, lower case).
    pub(super) domain: Option<String>,
}

/// Parses the part after `$metadata#` of an `@odata.context` / `odata.metadata` URL.
pub(super) fn parse_context(ctx: &str) -> Context {
    let mut out = Context::default();
    let Some(hash) = ctx.find('#') else {
        return out;
    };
    let frag = &ctx[hash + 1..];
    // split on '/' outside parentheses
    let mut segs = Vec::new();
    let (mut depth, mut start) = (0i32, 0usize);
    for (i, c) in frag.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            '/' if depth <= 0 => {
                segs.push(&frag[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    segs.push(&frag[start..]);
    for seg in segs {
        let (name, arg) = match seg.find('(') {
            Some(p) => (&seg[..p], Some(seg[p + 1..].trim_end_matches(')'))),
            None => (seg, None),
        };
        let found = if name.eq_ignore_ascii_case("Collection") {
            arg.and_then(entity_of_type)
        } else if name.contains('.') {
            // type cast segment (microsoft.graph.user, Microsoft.DirectoryServices.User)
            entity_of_type(name)
        } else {
            if name.eq_ignore_ascii_case("domains")
                && let Some(a) = arg
                && let Some(d) = a.strip_prefix('\'').and_then(|a| a.strip_suffix('\''))
            {
                out.domain = Some(ju::percent_decode(d).replace("''", "'").trim().to_ascii_lowercase());
            }
            entity_of_segment(name)
        };
        if let Some(f) = found {
            // a type cast narrows a directoryObjects collection; otherwise the last segment wins
            out.entity = Some(f);
        }
    }
    out
}

/// Entity of an element from its type annotation or its keys.
pub(super) fn entity_of_keys(
    has: &dyn Fn(&str) -> bool,
    text: &dyn Fn(&str) -> Option<String>,
) -> Option<Result<Entity, String>> {
    for k in ["@odata.type", "odata.type", "objectType"] {
        if let Some(t) = text(k)
            && let Some(e) = entity_of_type(&t)
        {
            return Some(e);
        }
    }
    let e = if has("userPrincipalName") {
        Entity::Users
    } else if has("securityEnabled") || has("groupTypes") {
        Entity::Groups
    } else if has("principalId") && has("roleDefinitionId") {
        Entity::RoleAssignments
    } else if has("roleTemplateId") {
        Entity::DirectoryRoles
    } else if has("isBuiltIn") && (has("templateId") || has("rolePermissions")) {
        Entity::RoleDefinitions
    } else if has("verifiedDomains") {
        Entity::Organization
    } else if has("skuPartNumber") {
        Entity::SubscribedSkus
    } else if has("issuerUri") && (has("passiveSignInUri") || has("preferredAuthenticationProtocol")) {
        Entity::FederationConfiguration
    } else if has("authenticationType")
        && (has("isVerified") || has("isRoot") || has("isInitial") || has("supportedServices"))
    {
        Entity::Domains
    } else if has("features") && has("configuration") {
        Entity::OnPremisesSynchronization
    } else if has("appId")
        && (has("servicePrincipalType") || has("appOwnerOrganizationId") || has("servicePrincipalNames"))
    {
        Entity::ServicePrincipals
    } else if has("appId") && (has("signInAudience") || has("requiredResourceAccess") || has("identifierUris")) {
        Entity::Applications
    } else if has("imAddresses") && has("mail") {
        Entity::Contacts
    } else {
        return None;
    };
    Some(Ok(e))
}

pub(super) fn head_entity(h: &Head, path: &str) -> Option<Result<Entity, String>> {
    let keys = h.keys(path);
    let has = |k: &str| keys.iter().any(|x| x.eq_ignore_ascii_case(k));
    let text = |k: &str| {
        let p = if path.is_empty() { k.to_string() } else { format!("{path}/{k}") };
        h.text(&p).map(str::to_string)
    };
    entity_of_keys(&has, &text)
}

pub(super) fn rec_entity(r: &Rec<'_>) -> Option<Result<Entity, String>> {
    let has = |k: &str| r.obj.has(k);
    let text = |k: &str| r.obj.get(k).and_then(ju::string).map(|s| s.into_owned());
    entity_of_keys(&has, &text)
}

pub(super) fn unsupported_entity(name: &str) -> String {
    format!("Microsoft Graph {name} collection (not used by tenantlint)")
}
