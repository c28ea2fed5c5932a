//! `tenantlint collect graph` and `tenantlint collect arm`: read-only collection of one tenant from
//! Microsoft Graph v1.0 (and of the subscriptions and tenants visible in Azure Resource Manager)
//! into a folder that `scan` reads as it is.
//!
//! Graph collections (each written as `<name>.<page>.json`, the response bodies as received):
//! organization, domains, users (every property the readers map, `$select`ed), groups, contacts,
//! subscribedSkus, onPremisesSynchronization (optional: only some roles may read it), applications,
//! servicePrincipals, role assignments and role definitions, and the federationConfiguration of each
//! federated domain (`federationConfiguration.<domain>.<page>.json`; a 404 there is a managed domain's
//! normal answer). ARM: `GET /subscriptions` and `GET /tenants`, all pages.

use super::auth::{Method, SignIn};
use super::cloud::Endpoints;
use super::http::{self, Client, RetryPolicy};
use super::manifest::{Entry, Manifest, State};
use super::pages::{self, Plan, Progress, Session};
use std::path::PathBuf;

/// The ARM api-version of `GET /subscriptions` and `GET /tenants`.
pub const ARM_API_VERSION: &str = "2022-12-01";

/// User properties collected: the reader's export list ([`crate::ingest::export::GRAPH_USERS_SELECT`])
/// and every other user property the Graph reader maps.
pub fn users_select() -> String {
    let mut fields: Vec<&str> = crate::ingest::export::GRAPH_USERS_SELECT.split(',').collect();
    for extra in [
        "mailNickname",
        "givenName",
        "surname",
        "otherMails",
        "onPremisesDomainName",
        "onPremisesUserPrincipalName",
        "onPremisesSecurityIdentifier",
        "onPremisesProvisioningErrors",
        "employeeId",
    ] {
        if !fields.contains(&extra) {
            fields.push(extra);
        }
    }
    fields.join(",")
}

/// The Graph collections of one tenant, before the per-domain federation settings.
pub fn graph_plans(graph: &str) -> Vec<Plan> {
    let p = |name: &str, path: String, optional: bool| Plan {
        name: name.to_string(),
        endpoint: format!("{graph}/v1.0/{path}"),
        file: name.to_string(),
        optional,
        not_found_is_empty: None,
    };
    vec![
        p("organization", "organization".into(), false),
        p("domains", "domains".into(), false),
        p("users", format!("users?$select={}&$top=999", users_select()), false),
        p("groups", "groups?$top=999".into(), false),
        p("contacts", "contacts?$top=999".into(), false),
        p("subscribedSkus", "subscribedSkus".into(), false),
        p("onPremisesSynchronization", "directory/onPremisesSynchronization".into(), true),
        p("applications", "applications?$top=999".into(), false),
        p("servicePrincipals", "servicePrincipals?$top=999".into(), false),
        p("roleAssignments", "roleManagement/directory/roleAssignments".into(), false),
        p("roleDefinitions", "roleManagement/directory/roleDefinitions".into(), false),
    ]
}

/// The federation settings request of one domain.
pub fn federation_plan(graph: &str, domain: &str) -> Plan {
    let safe: String =
        domain.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c } else { '_' }).collect();
    Plan {
        name: format!("federationConfiguration:{domain}"),
        endpoint: format!("{graph}/v1.0/domains/{}/federationConfiguration", percent(domain)),
        file: format!("federationConfiguration.{safe}"),
        optional: false,
        not_found_is_empty: Some("HTTP 404: the domain has no federation configuration (a managed domain's answer)"),
    }
}

fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Federated domain names from the domains pages written (`authenticationType` = Federated).
fn federated_domains(dir: &std::path::Path, entry: &Entry) -> Vec<String> {
    let mut out = Vec::new();
    for f in &entry.files {
        let Ok(text) = std::fs::read_to_string(dir.join(f)) else { continue };
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) else { continue };
        for d in v.get("value").and_then(|a| a.as_array()).into_iter().flatten() {
            let fed = d
                .get("authenticationType")
                .and_then(|t| t.as_str())
                .is_some_and(|t| t.eq_ignore_ascii_case("federated"));
            if fed && let Some(id) = d.get("id").and_then(|i| i.as_str()) {
                out.push(id.to_string());
            }
        }
    }
    out
}

/// Which API a run collects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    /// Microsoft Graph (one tenant).
    Graph,
    /// Azure Resource Manager (subscriptions and tenants).
    Arm,
}

/// One `collect graph` / `collect arm` run.
pub struct Request {
    /// Which API.
    pub api: Api,
    /// Tenant id or domain (sign-in authority).
    pub tenant: String,
    /// Endpoints (cloud + overrides).
    pub endpoints: Endpoints,
    /// How to sign in.
    pub auth: Method,
    /// Output folder.
    pub out: PathBuf,
    /// Continue an interrupted collection.
    pub resume: bool,
    /// Retries and timeout.
    pub policy: RetryPolicy,
}

/// Result of a run.
#[derive(Debug)]
pub struct Outcome {
    /// Final entries of this run's collections.
    pub entries: Vec<Entry>,
}

impl Outcome {
    /// Collections that are not complete and not optional (they make the run exit 2).
    pub fn incomplete(&self) -> Vec<&Entry> {
        self.entries.iter().filter(|e| e.status != State::Complete && !e.optional).collect()
    }
}

/// Runs a collection. Errors that stop the run before or outside any collection (sign-in, the
/// output folder) are `Err`; a refused or failed collection is recorded in its entry.
pub fn collect(
    req: &Request,
    observer: &dyn http::Observer,
    progress: &dyn Progress,
    tell: &dyn Fn(&str),
) -> Result<Outcome, String> {
    let (api_name, resource, next_key) = match req.api {
        Api::Graph => ("graph", req.endpoints.graph.as_str(), "@odata.nextLink"),
        Api::Arm => ("arm", req.endpoints.arm.as_str(), "nextLink"),
    };
    let fresh = Manifest::new(Some(req.tenant.clone()), req.endpoints.cloud);
    let mut manifest = pages::open(&req.out, api_name, req.resume, fresh).map_err(|e| e.0)?;
    let client = Client::new(req.policy, observer);
    let sign_in =
        SignIn { client: &client, login: &req.endpoints.login, tenant: &req.tenant, tell, sleep: &std::thread::sleep };
    let token = sign_in.token(&req.auth, resource)?;
    let started = now();
    let client_id = match &req.auth {
        Method::ClientSecret { client_id, .. }
        | Method::Certificate { client_id, .. }
        | Method::DeviceCode { client_id } => Some(client_id.clone()),
        Method::TokenEnv(_) => None,
    };
    manifest.runs.push(serde_json::json!({
        "api": api_name, "resource": resource, "login": req.endpoints.login, "auth": req.auth.name(),
        "client_id": client_id, "resume": req.resume, "started": started,
    }));
    let origin = http::check_url(resource)?;
    // A borrowed token cannot be renewed; the others sign in again (device code: the user is asked again).
    let renew_fn = || -> Result<crate::collect::auth::Secret, String> {
        tell("The access token expired during the collection: signing in again.");
        sign_in.token(&req.auth, resource)
    };
    let renew: Option<&dyn Fn() -> Result<crate::collect::auth::Secret, String>> = match req.auth {
        Method::TokenEnv(_) => None,
        _ => Some(&renew_fn),
    };
    let mut s = Session {
        dir: req.out.clone(),
        manifest,
        client: &client,
        token,
        renew,
        renewed: 0,
        origin,
        api: api_name,
        next_key,
        resume: req.resume,
        progress,
    };
    s.save().map_err(|e| e.0)?;
    let mut entries = Vec::new();
    match req.api {
        Api::Graph => {
            for plan in graph_plans(&req.endpoints.graph) {
                let e = s.run(&plan).map_err(|e| e.0)?;
                let fed = if plan.name == "domains" { federated_domains(&req.out, &e) } else { Vec::new() };
                entries.push(e);
                for d in fed {
                    entries.push(s.run(&federation_plan(&req.endpoints.graph, &d)).map_err(|e| e.0)?);
                }
            }
        }
        Api::Arm => {
            for what in ["subscriptions", "tenants"] {
                let plan = Plan {
                    name: format!("arm:{what}"),
                    endpoint: format!("{}/{what}?api-version={ARM_API_VERSION}", req.endpoints.arm),
                    file: what.to_string(),
                    optional: false,
                    not_found_is_empty: None,
                };
                entries.push(s.run(&plan).map_err(|e| e.0)?);
            }
        }
    }
    let renewed = s.renewed;
    if let Some(run) = s.manifest.runs.last_mut() {
        run["finished"] = serde_json::Value::String(now());
        if renewed > 0 {
            run["token_renewals"] = serde_json::json!(renewed);
        }
    }
    s.save().map_err(|e| e.0)?;
    Ok(Outcome { entries })
}

fn now() -> String {
    time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_select_has_every_reader_field() {
        let s = users_select();
        for f in crate::ingest::export::GRAPH_USERS_SELECT.split(',') {
            assert!(s.split(',').any(|x| x == f), "{f}");
        }
        for f in ["onPremisesProvisioningErrors", "otherMails", "onPremisesSecurityIdentifier"] {
            assert!(s.split(',').any(|x| x == f), "{f}");
        }
        let n = s.split(',').count();
        assert_eq!(n, s.split(',').collect::<std::collections::BTreeSet<_>>().len(), "no duplicates");
    }

    #[test]
    fn plans_cover_the_tenant() {
        let plans = graph_plans("https://graph.microsoft.com");
        let names: Vec<&str> = plans.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names[0], "organization");
        assert!(names.contains(&"roleDefinitions") && names.contains(&"servicePrincipals"));
        assert!(plans.iter().all(|p| p.endpoint.starts_with("https://graph.microsoft.com/v1.0/")));
        assert!(plans.iter().filter(|p| p.optional).map(|p| p.name.as_str()).eq(["onPremisesSynchronization"]));
        let f = federation_plan("https://graph.microsoft.com", "contoso.com");
        assert_eq!(f.endpoint, "https://graph.microsoft.com/v1.0/domains/contoso.com/federationConfiguration");
        assert_eq!(f.file, "federationConfiguration.contoso.com");
        assert_eq!(federation_plan("x", "a/b").file, "federationConfiguration.a_b");
    }
}
