//! `collect graph` / `collect arm` against a Graph, ARM and sign-in stand-in on 127.0.0.1 (a small
//! HTTP/1.1 server on std::net, started per test), replaying Microsoft's documented response shapes:
//! pages with absolute `@odata.nextLink`s, 429 with and without `Retry-After`, a 403 on one
//! collection, a 404 federation answer, the client-secret, certificate and device-code token
//! requests. Every request is recorded, so the tests can assert that nothing but GET (and the token
//! POSTs) was ever sent.

use crate::util::{assert_code, read_report, tenantlint_in};
use base64::Engine as _;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};

const TENANT: &str = "6f1c2a4e-8b3d-4c5e-9f70-1a2b3c4d5e6f";
const CLIENT_ID: &str = "3c9e5b7a-1d2f-4e6a-8b0c-9d8e7f6a5b4c";
const SECRET: &str = "s3cr3t~Contoso.ClientValue_98765";
const TOKEN: &str = "eyJ0eXAiOiJKV1QifQ.tenantlint-stand-in-token.c2lnbmF0dXJl";

/// The `Date` header of every stub answer.
const STUB_DATE: &str = "Fri, 20 Nov 2026 09:04:10 GMT";

/// One request as the stand-in saw it.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    target: String,
    auth: Option<String>,
    body: String,
}

/// An answer: status, extra headers, body.
type Answer = (u16, Vec<(String, String)>, String);

/// Per-scenario behaviour.
#[derive(Default, Clone)]
struct Faults {
    /// path → statuses to answer before the real one (one per request), with Retry-After (Some) or not.
    before: HashMap<String, Vec<(u16, Option<u32>)>>,
    /// path → always this status (a 403 on groups, a 500 mid-paging).
    always: HashMap<String, u16>,
    /// A users nextLink to another host instead of the stand-in.
    foreign_next: bool,
    /// Device-code polls answered `authorization_pending` before success.
    pending_polls: u32,
    /// The first token expires after this many GETs: it is answered 401, and the sign-in endpoint then
    /// grants [`TOKEN2`] (an access token lives about an hour; a large tenant takes longer).
    expire_after: Option<u32>,
    /// GETs answered so far (for `expire_after`).
    gets: u32,
}

/// The token granted after the first one expired (`Faults::expire_after`).
const TOKEN2: &str = "eyJ0eXAiOiJKV1QifQ.tenantlint-stand-in-token-renewed.c2lnbmF0dXJl";

struct Stub {
    base: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    faults: Arc<Mutex<Faults>>,
}

impl Stub {
    fn start(faults: Faults) -> Stub {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let faults = Arc::new(Mutex::new(faults));
        let (s2, f2, b2) = (seen.clone(), faults.clone(), base.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                if reader.read_line(&mut line).is_err() || line.is_empty() {
                    continue;
                }
                let mut parts = line.split_whitespace();
                let method = parts.next().unwrap_or_default().to_string();
                let target = parts.next().unwrap_or_default().to_string();
                let mut headers = BTreeMap::new();
                loop {
                    let mut h = String::new();
                    if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
                        break;
                    }
                    if let Some((k, v)) = h.split_once(':') {
                        headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
                    }
                }
                let len: usize = headers.get("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
                let mut body = vec![0u8; len];
                let _ = reader.read_exact(&mut body);
                let req = Seen {
                    method,
                    target,
                    auth: headers.get("authorization").cloned(),
                    body: String::from_utf8_lossy(&body).into_owned(),
                };
                s2.lock().unwrap().push(req.clone());
                let (status, extra, body) = answer(&req, &b2, &mut f2.lock().unwrap());
                let mut head = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\nDate: {STUB_DATE}\r\n",
                    body.len()
                );
                for (k, v) in extra {
                    head.push_str(&format!("{k}: {v}\r\n"));
                }
                head.push_str("\r\n");
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(body.as_bytes());
                let _ = stream.flush();
            }
        });
        Stub { base, seen, faults }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    fn count(&self, path_prefix: &str) -> usize {
        self.seen().iter().filter(|s| s.target.starts_with(path_prefix)).count()
    }

    /// Only GETs, except POSTs to the sign-in endpoints.
    fn assert_read_only(&self) {
        for s in self.seen() {
            let token_post = s.method == "POST"
                && (s.target.ends_with("/oauth2/v2.0/token") || s.target.ends_with("/oauth2/v2.0/devicecode"));
            assert!(s.method == "GET" || token_post, "unexpected request {} {}", s.method, s.target);
            if s.method == "GET" {
                let auth = s.auth.as_deref().unwrap_or_default();
                assert!(auth == format!("Bearer {TOKEN}") || auth == format!("Bearer {TOKEN2}"), "{}", s.target);
            }
        }
    }
}

fn form(body: &str) -> HashMap<String, String> {
    body.split('&').filter_map(|kv| kv.split_once('=')).map(|(k, v)| (decode(k), decode(v))).collect()
}

fn decode(s: &str) -> String {
    let s = s.replace('+', " ");
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

fn ok(body: Value) -> Answer {
    (200, vec![], body.to_string())
}

fn graph_error(status: u16, code: &str, message: &str) -> Answer {
    (status, vec![], json!({"error": {"code": code, "message": message}}).to_string())
}

/// Verifies a client assertion as the sign-in service would: RS256 over header.claims with the key of
/// the fixture certificate, `x5t#S256` = its SHA-256 thumbprint, aud = the token URL, iss = sub = client.
fn check_assertion(jwt: &str, token_url: &str) -> Result<(), String> {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let parts: Vec<&str> = jwt.split('.').collect();
    if parts.len() != 3 {
        return Err("not a JWS".into());
    }
    let header: Value = serde_json::from_slice(&b64.decode(parts[0]).unwrap()).unwrap();
    let claims: Value = serde_json::from_slice(&b64.decode(parts[1]).unwrap()).unwrap();
    let pem = std::fs::read(crate::util::crate_root().join("tests/fixtures/collect/app.pem")).unwrap();
    let der = x509_parser::pem::Pem::iter_from_buffer(&pem).next().unwrap().unwrap().contents;
    let (_, cert) = x509_parser::parse_x509_certificate(&der).unwrap();
    let thumb = b64.encode(ring::digest::digest(&ring::digest::SHA256, &der));
    if header["alg"] != "RS256" || header["x5t#S256"] != thumb.as_str() {
        return Err(format!("bad header {header}"));
    }
    let spki = cert.public_key().subject_public_key.data.to_vec();
    let key = ring::signature::UnparsedPublicKey::new(&ring::signature::RSA_PKCS1_2048_8192_SHA256, spki);
    key.verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &b64.decode(parts[2]).unwrap())
        .map_err(|_| "bad signature".to_string())?;
    let (nbf, exp) = (claims["nbf"].as_i64().unwrap(), claims["exp"].as_i64().unwrap());
    if claims["aud"] != token_url
        || claims["iss"] != CLIENT_ID
        || claims["sub"] != CLIENT_ID
        || exp <= nbf
        || exp - nbf > 600
    {
        return Err(format!("bad claims {claims}"));
    }
    if claims["jti"].as_str().is_none_or(|j| j.len() != 36) {
        return Err("no jti".into());
    }
    Ok(())
}

fn answer(req: &Seen, base: &str, f: &mut Faults) -> Answer {
    let path = req.target.split('?').next().unwrap_or_default().to_string();
    let token_path = format!("/{TENANT}/oauth2/v2.0/token");
    if req.method == "POST" && path == format!("/{TENANT}/oauth2/v2.0/devicecode") {
        let p = form(&req.body);
        assert_eq!(p.get("client_id").map(String::as_str), Some(CLIENT_ID));
        return ok(json!({
            "user_code": "CONTOSO42", "device_code": "dc-contoso-device-code-0001",
            "verification_uri": "https://microsoft.com/devicelogin", "expires_in": 900, "interval": 0,
            "message": "To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code CONTOSO42 to authenticate."
        }));
    }
    if req.method == "POST" && path == token_path {
        let p = form(&req.body);
        let expired = f.expire_after.is_some_and(|n| f.gets >= n);
        let granted = ok(json!({"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599,
            "access_token": if expired { TOKEN2 } else { TOKEN }}));
        let refused = |code: &str, desc: &str| -> Answer {
            (400, vec![], json!({"error": code, "error_description": desc, "error_codes": [7000215]}).to_string())
        };
        return match p.get("grant_type").map(String::as_str) {
            Some("client_credentials") if p.get("client_secret").map(String::as_str) == Some(SECRET) => granted,
            Some("client_credentials") if p.contains_key("client_assertion") => {
                match check_assertion(&p["client_assertion"], &format!("{base}{token_path}")) {
                    Ok(()) => granted,
                    Err(e) => refused("invalid_client", &format!("AADSTS700027: {e}")),
                }
            }
            Some("client_credentials") => refused("invalid_client", "AADSTS7000215: Invalid client secret provided."),
            Some("urn:ietf:params:oauth:grant-type:device_code") => {
                if f.pending_polls > 0 {
                    f.pending_polls -= 1;
                    refused(
                        "authorization_pending",
                        "AADSTS70016: OAuth 2.0 device flow error. Authorization is pending.",
                    )
                } else {
                    granted
                }
            }
            _ => refused("unsupported_grant_type", "AADSTS70003"),
        };
    }
    let current = if f.expire_after.is_some_and(|n| f.gets >= n) { TOKEN2 } else { TOKEN };
    if req.auth.as_deref() != Some(&format!("Bearer {current}")) {
        return graph_error(401, "InvalidAuthenticationToken", "Lifetime validation failed, the token is expired.");
    }
    f.gets += 1;
    if let Some(list) = f.before.get_mut(&req.target)
        && !list.is_empty()
    {
        let (status, after) = list.remove(0);
        let headers = after.map(|s| vec![("Retry-After".to_string(), s.to_string())]).unwrap_or_default();
        return (
            status,
            headers,
            json!({"error": {"code": "TooManyRequests", "message": "Too many requests."}}).to_string(),
        );
    }
    if let Some(&status) = f.always.get(&path) {
        return match status {
            403 => {
                graph_error(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
            }
            s => graph_error(s, "UnknownError", "Stand-in fault."),
        };
    }
    let ctx = |what: &str| format!("{base}/v1.0/$metadata#{what}");
    let target = req.target.as_str();
    match path.as_str() {
        "/v1.0/organization" => ok(json!({"@odata.context": ctx("organization"), "value": [organization()]})),
        "/v1.0/domains" => ok(json!({"@odata.context": ctx("domains"), "value": domains()})),
        "/v1.0/domains/contoso.com/federationConfiguration" => ok(json!({
            "@odata.context": ctx("domains('contoso.com')/federationConfiguration"), "value": [federation()]})),
        "/v1.0/domains/fabrikam.com/federationConfiguration" => {
            graph_error(404, "Request_ResourceNotFound", "Resource 'fabrikam.com' does not exist.")
        }
        "/v1.0/users" => {
            let u = users();
            let sel = format!("users({})", tenantlint::collect::graph::users_select());
            if target.contains("$skiptoken=p3") {
                ok(json!({"@odata.context": ctx(&sel), "value": u[4..]}))
            } else if target.contains("$skiptoken=p2") {
                let next = format!("{base}/v1.0/users?$select=id&$top=999&$skiptoken=p3");
                ok(json!({"@odata.context": ctx(&sel), "value": u[2..4], "@odata.nextLink": next}))
            } else {
                assert!(target.contains("$select=") && target.contains("onPremisesImmutableId"), "{target}");
                let next = if f.foreign_next {
                    "https://graph.fabrikam.example/v1.0/users?$skiptoken=p2".to_string()
                } else {
                    format!("{base}/v1.0/users?$select=id&$top=999&$skiptoken=p2")
                };
                ok(json!({"@odata.context": ctx(&sel), "value": u[..2], "@odata.nextLink": next}))
            }
        }
        "/v1.0/groups" => ok(json!({"@odata.context": ctx("groups"), "value": groups()})),
        "/v1.0/contacts" => ok(json!({"@odata.context": ctx("contacts"), "value": contacts()})),
        "/v1.0/subscribedSkus" => ok(json!({"@odata.context": ctx("subscribedSkus"), "value": skus()})),
        "/v1.0/directory/onPremisesSynchronization" => ok(json!({
            "@odata.context": ctx("directory/onPremisesSynchronization"), "value": [sync()]})),
        "/v1.0/applications" => ok(json!({"@odata.context": ctx("applications"), "value": []})),
        "/v1.0/servicePrincipals" => ok(json!({"@odata.context": ctx("servicePrincipals"), "value": []})),
        "/v1.0/roleManagement/directory/roleAssignments" => ok(json!({
            "@odata.context": ctx("roleManagement/directory/roleAssignments"), "value": role_assignments()})),
        "/v1.0/roleManagement/directory/roleDefinitions" => ok(json!({
            "@odata.context": ctx("roleManagement/directory/roleDefinitions"), "value": role_definitions()})),
        "/subscriptions" => {
            if target.contains("$skiptoken=s2") {
                ok(json!({"value": [subscription("c0ffee00-0000-4000-8000-000000000002", "Fabrikam Dev")]}))
            } else {
                ok(json!({"value": [subscription("c0ffee00-0000-4000-8000-000000000001", "Contoso Prod")],
                    "nextLink": format!("{base}/subscriptions?api-version=2022-12-01&$skiptoken=s2")}))
            }
        }
        "/tenants" => ok(json!({"value": [{"id": format!("/tenants/{TENANT}"), "tenantId": TENANT,
            "tenantCategory": "Home", "country": "US", "displayName": "Contoso",
            "domains": ["contoso.com", "contoso.onmicrosoft.com"], "defaultDomain": "contoso.com", "tenantType": "AAD"}]})),
        _ => graph_error(404, "Request_ResourceNotFound", "Unknown path in the stand-in."),
    }
}

fn organization() -> Value {
    json!({"id": TENANT, "displayName": "Contoso", "tenantType": "AAD", "createdDateTime": "2019-01-10T09:00:00Z",
        "onPremisesSyncEnabled": true, "onPremisesLastSyncDateTime": "2026-11-20T08:00:00Z",
        "technicalNotificationMails": ["it@contoso.com"],
        "verifiedDomains": [
            {"name": "contoso.com", "type": "Federated", "isDefault": true, "isInitial": false, "capabilities": "Email, OfficeCommunicationsOnline"},
            {"name": "fabrikam.com", "type": "Federated", "isDefault": false, "isInitial": false, "capabilities": "Email"},
            {"name": "contoso.onmicrosoft.com", "type": "Managed", "isDefault": false, "isInitial": true, "capabilities": "Email"}]})
}

fn domains() -> Value {
    json!([
        {"id": "contoso.com", "authenticationType": "Federated", "isVerified": true, "isDefault": true, "isInitial": false, "isRoot": true, "isAdminManaged": true, "supportedServices": ["Email"]},
        {"id": "fabrikam.com", "authenticationType": "Federated", "isVerified": true, "isDefault": false, "isInitial": false, "isRoot": true, "isAdminManaged": true, "supportedServices": ["Email"]},
        {"id": "contoso.onmicrosoft.com", "authenticationType": "Managed", "isVerified": true, "isDefault": false, "isInitial": true, "isRoot": true, "isAdminManaged": true, "supportedServices": ["Email"]}
    ])
}

fn federation() -> Value {
    json!({"@odata.type": "#microsoft.graph.internalDomainFederation", "id": "2d9c1e7b-4a3f-4b8e-9c6d-0e1f2a3b4c5d",
        "displayName": "Contoso AD FS", "issuerUri": "http://contoso.com/adfs/services/trust",
        "metadataExchangeUri": "https://sts.contoso.com/adfs/services/trust/mex", "signingCertificate": "MIIC8DCCAdigAwIBAgIQFAKE",
        "passiveSignInUri": "https://sts.contoso.com/adfs/ls", "preferredAuthenticationProtocol": "wsFed",
        "activeSignInUri": "https://sts.contoso.com/adfs/services/trust/2005/usernamemixed",
        "signOutUri": "https://sts.contoso.com/adfs/ls", "federatedIdpMfaBehavior": "acceptIfMfaDoneByFederatedIdp"})
}

fn user(n: u32, upn: &str, immutable: Option<&str>, proxies: &[&str]) -> Value {
    json!({"id": format!("0d3c8a9e-6f0b-4c1e-9a51-2b7d6e4f1a{n:02}"), "displayName": format!("User {n}"),
        "userPrincipalName": upn, "mail": upn, "mailNickname": upn.split('@').next(), "givenName": "User", "surname": format!("{n}"),
        "otherMails": [], "proxyAddresses": proxies, "onPremisesImmutableId": immutable,
        "onPremisesSyncEnabled": immutable.map(|_| true), "onPremisesLastSyncDateTime": immutable.map(|_| "2026-11-20T08:00:00Z"),
        "onPremisesDistinguishedName": immutable.map(|_| format!("CN=User {n},OU=Staff,DC=corp,DC=contoso,DC=com")),
        "onPremisesSamAccountName": immutable.map(|_| format!("user{n}")), "onPremisesDomainName": immutable.map(|_| "corp.contoso.com"),
        "onPremisesUserPrincipalName": immutable.map(|_| upn), "onPremisesSecurityIdentifier": null,
        "onPremisesProvisioningErrors": [], "userType": "Member", "creationType": null, "externalUserState": null,
        "identities": [{"signInType": "userPrincipalName", "issuer": "contoso.onmicrosoft.com", "issuerAssignedId": upn}],
        "accountEnabled": true, "assignedLicenses": [{"disabledPlans": [], "skuId": "c7df2760-2c81-4ef7-b578-5b5392b571df"}],
        "createdDateTime": "2021-03-01T10:00:00Z"})
}

fn users() -> Vec<Value> {
    vec![
        user(
            1,
            "adele.v@contoso.com",
            Some("nopa7d4UqU6YSmEmTmlqsg=="),
            &["SMTP:adele.v@contoso.com", "smtp:shared@contoso.com"],
        ),
        user(
            2,
            "alex.w@contoso.com",
            Some("alex.w@corp.contoso.com"),
            &["SMTP:alex.w@contoso.com", "smtp:shared@contoso.com"],
        ),
        user(3, "diego.s@contoso.onmicrosoft.com", None, &["SMTP:diego.s@contoso.onmicrosoft.com"]),
        user(4, "grady.a@contoso.com", Some("AAAAAAAAAAAAAAAAAAAAAA=="), &["SMTP:grady.a@contoso.com"]),
        user(
            5,
            "isaiah.l@fabrikam.com",
            Some("wq3eJ0bJTE+Ru1tE0cQb5w=="),
            &["SMTP:isaiah.l@fabrikam.com", "smtp:isaiah.l@contoso.com"],
        ),
    ]
}

fn groups() -> Value {
    json!([{"id": "1a2b3c4d-0000-4000-8000-0000000000a1", "displayName": "Finance", "mail": "finance@contoso.com", "mailNickname": "finance",
        "mailEnabled": true, "securityEnabled": false, "groupTypes": ["Unified"], "proxyAddresses": ["SMTP:finance@contoso.com", "smtp:shared@contoso.com"],
        "onPremisesSyncEnabled": null, "createdDateTime": "2022-01-01T00:00:00Z"}])
}

fn contacts() -> Value {
    json!([{"id": "5e6f7a8b-0000-4000-8000-0000000000c1", "displayName": "Nestor (Fabrikam)", "mail": "nestor@fabrikam.com",
        "mailNickname": "nestor", "givenName": "Nestor", "surname": "W", "imAddresses": [], "proxyAddresses": ["SMTP:nestor@fabrikam.com"],
        "onPremisesSyncEnabled": null}])
}

fn skus() -> Value {
    json!([{"id": format!("{TENANT}_c7df2760-2c81-4ef7-b578-5b5392b571df"), "skuId": "c7df2760-2c81-4ef7-b578-5b5392b571df",
        "skuPartNumber": "ENTERPRISEPREMIUM", "appliesTo": "User", "capabilityStatus": "Enabled", "consumedUnits": 4,
        "prepaidUnits": {"enabled": 25, "suspended": 0, "warning": 0}}])
}

fn sync() -> Value {
    json!({"id": TENANT, "configuration": {"accidentalDeletionPrevention": {"synchronizationPreventionType": "enabledForCount", "alertThreshold": 500}},
        "features": {"passwordSyncEnabled": true, "softMatchOnUpnEnabled": true, "blockSoftMatchEnabled": false,
        "blockCloudObjectTakeoverThroughHardMatchEnabled": false}})
}

fn role_assignments() -> Value {
    json!([{"id": "ra1", "principalId": "0d3c8a9e-6f0b-4c1e-9a51-2b7d6e4f1a02", "roleDefinitionId": "62e90394-69f5-4237-9190-012177145e10", "directoryScopeId": "/"}])
}

fn role_definitions() -> Value {
    json!([{"id": "62e90394-69f5-4237-9190-012177145e10", "templateId": "62e90394-69f5-4237-9190-012177145e10",
        "displayName": "Global Administrator", "isBuiltIn": true, "isEnabled": true, "rolePermissions": []}])
}

fn subscription(id: &str, name: &str) -> Value {
    json!({"id": format!("/subscriptions/{id}"), "authorizationSource": "RoleBased", "managedByTenants": [],
        "subscriptionId": id, "tenantId": TENANT, "displayName": name, "state": "Enabled",
        "subscriptionPolicies": {"locationPlacementId": "Public_2014-09-01", "quotaId": "EnterpriseAgreement_2014-09-01", "spendingLimit": "Off"}})
}

/// The same tenant exported by hand: one file per collection, every page merged, no nextLink, and an
/// estate.toml giving the export date.
fn hand_made(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let ctx = |what: &str| format!("https://graph.microsoft.com/v1.0/$metadata#{what}");
    let files = [
        ("organization.json", json!({"@odata.context": ctx("organization"), "value": [organization()]})),
        ("domains.json", json!({"@odata.context": ctx("domains"), "value": domains()})),
        (
            "federation-contoso.json",
            json!({"@odata.context": ctx("domains('contoso.com')/federationConfiguration"), "value": [federation()]}),
        ),
        ("users.json", json!({"@odata.context": ctx("users"), "value": users()})),
        ("groups.json", json!({"@odata.context": ctx("groups"), "value": groups()})),
        ("contacts.json", json!({"@odata.context": ctx("contacts"), "value": contacts()})),
        ("skus.json", json!({"@odata.context": ctx("subscribedSkus"), "value": skus()})),
        ("sync.json", json!({"@odata.context": ctx("directory/onPremisesSynchronization"), "value": [sync()]})),
        ("applications.json", json!({"@odata.context": ctx("applications"), "value": []})),
        ("serviceprincipals.json", json!({"@odata.context": ctx("servicePrincipals"), "value": []})),
        (
            "roleassignments.json",
            json!({"@odata.context": ctx("roleManagement/directory/roleAssignments"), "value": role_assignments()}),
        ),
        (
            "roledefinitions.json",
            json!({"@odata.context": ctx("roleManagement/directory/roleDefinitions"), "value": role_definitions()}),
        ),
    ];
    for (name, v) in files {
        std::fs::write(dir.join(name), serde_json::to_string_pretty(&v).unwrap()).unwrap();
    }
    // The date it was exported, which the collector records by itself (the stub's Date): the same data clock.
    let manifest = format!(
        "[[tenant]]\nname = \"Contoso\"\nid = \"{TENANT}\"\npaths = [\".\"]\nexported = 2026-11-20T09:04:10Z\n"
    );
    std::fs::write(dir.join("estate.toml"), manifest).unwrap();
}

/// Findings as comparable keys: rule and the non-file subjects (file names differ between layouts).
fn finding_keys(report: &Value) -> Vec<String> {
    let mut keys: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let subjects: Vec<String> = f["subjects"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|s| s["kind"] != "file")
                .map(|s| format!("{}:{}", s["kind"], s["id"]))
                .collect();
            format!("{} {}", f["rule"].as_str().unwrap(), subjects.join(","))
        })
        .collect();
    keys.sort();
    keys
}

fn collect(cwd: &Path, stub: &Stub, extra: &[&str], env: &[(&str, &str)]) -> crate::util::Run {
    let mut args: Vec<String> = vec![
        "collect".into(),
        "graph".into(),
        "--tenant".into(),
        TENANT.into(),
        "--login-url".into(),
        stub.base.clone(),
        "--graph-url".into(),
        stub.base.clone(),
        "--arm-url".into(),
        stub.base.clone(),
        "--backoff-ms".into(),
        "20".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    run_env(cwd, &args, env)
}

fn run_env(cwd: &Path, args: &[String], env: &[(&str, &str)]) -> crate::util::Run {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tenantlint"));
    c.args(args).current_dir(cwd).env("SOURCE_DATE_EPOCH", "1790000000");
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().unwrap();
    crate::util::Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn manifest(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("collection.json")).unwrap()).unwrap()
}

fn entry<'a>(m: &'a Value, name: &str) -> &'a Value {
    m["collections"].as_array().unwrap().iter().find(|c| c["name"] == name).unwrap_or_else(|| panic!("{name} in {m}"))
}

/// Every byte written under `dir`.
fn all_text(dir: &Path) -> String {
    let mut out = String::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.push_str(&all_text(&p));
        } else {
            out.push_str(&String::from_utf8_lossy(&std::fs::read(&p).unwrap()));
        }
    }
    out
}

#[test]
fn client_secret_collection_pages_throttling_and_the_same_findings_as_a_hand_made_export() {
    let mut faults = Faults::default();
    // The first page is throttled with Retry-After, the second without it (backoff).
    faults.before.insert(
        format!("/v1.0/users?$select={}&$top=999", tenantlint::collect::graph::users_select()),
        vec![(429, Some(1))],
    );
    faults.before.insert("/v1.0/users?$select=id&$top=999&$skiptoken=p2".into(), vec![(429, None), (503, None)]);
    let stub = Stub::start(faults);
    let tmp = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let r = collect(
        tmp.path(),
        &stub,
        &[
            "--auth",
            "client-secret",
            "--client-id",
            CLIENT_ID,
            "--client-secret-env",
            "TL_TEST_SECRET",
            "--out",
            "contoso",
            "--scan",
            "scan-collected",
        ],
        &[("TL_TEST_SECRET", SECRET)],
    );
    assert_code(&r, 0);
    assert!(started.elapsed() >= std::time::Duration::from_secs(1), "Retry-After: 1 was honoured");
    assert!(r.stderr.contains("users: page 3, 5 records"), "{}", r.stderr);
    assert!(
        r.stderr.contains("(HTTP 429, Retry-After)") && r.stderr.contains("(HTTP 429, no Retry-After)"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("(HTTP 503, no Retry-After)"), "{}", r.stderr);
    stub.assert_read_only();
    let out = tmp.path().join("contoso");
    for f in [
        "organization.0001.json",
        "users.0001.json",
        "users.0002.json",
        "users.0003.json",
        "federationConfiguration.contoso.com.0001.json",
    ] {
        assert!(out.join(f).is_file(), "{f}");
    }
    assert!(!out.join("federationConfiguration.fabrikam.com.0001.json").exists(), "a 404 writes no page");
    let m = manifest(&out);
    let users = entry(&m, "users");
    assert_eq!(
        (users["status"].as_str(), users["pages"].as_u64(), users["records"].as_u64()),
        (Some("complete"), Some(3), Some(5))
    );
    assert_eq!(users["retries"], 3);
    assert_eq!(users["next_link"], Value::Null);
    let fab = entry(&m, "federationConfiguration:fabrikam.com");
    assert_eq!(fab["status"], "complete");
    assert!(fab["note"].as_str().unwrap().contains("404"));
    assert_eq!(m["runs"][0]["auth"], "client-secret");
    assert!(m["collections"].as_array().unwrap().iter().all(|c| c["status"] == "complete"), "{m}");
    // Each collection records the service's clock when it answered its last page (the response Date),
    // and scan dates the pages by it.
    assert_eq!(users["collected"], "2026-11-20T09:04:10Z");
    let collected = read_report(&tmp.path().join("scan-collected"));
    let page = crate::util::input(&collected, "users.0002.json");
    assert_eq!(
        (page["exported_at"].as_str(), page["exported_at_source"].as_str()),
        (Some("2026-11-20T09:04:10Z"), Some("collection"))
    );

    // The pages scan exactly like the same data exported by hand.
    let hand = tmp.path().join("hand");
    hand_made(&hand);
    let h = tenantlint_in(tmp.path(), &["scan", "hand", "--out", "scan-hand"]);
    assert_code(&h, 0);
    let collected = read_report(&tmp.path().join("scan-collected"));
    let by_hand = read_report(&tmp.path().join("scan-hand"));
    let (a, b) = (finding_keys(&collected), finding_keys(&by_hand));
    assert!(a.len() >= 3, "the data has findings: {a:?}");
    assert_eq!(a, b);
    eprintln!("findings compared: {a:#?}");
    assert!(!a.iter().any(|k| k.starts_with("IN005")), "a complete collection is not incomplete: {a:?}");

    // The secret and the token are nowhere: not in files, reports or output.
    let everything = format!("{}{}{}", all_text(tmp.path()), r.stdout, r.stderr);
    assert!(!everything.contains(SECRET), "the client secret leaked");
    assert!(!everything.contains(TOKEN), "the access token leaked");
    assert!(!everything.contains("tenantlint-stand-in-token"), "part of the access token leaked");
    // and the secret travelled only in the token request body
    let posts: Vec<Seen> = stub.seen().into_iter().filter(|s| s.body.contains("client_secret")).collect();
    assert_eq!(posts.len(), 1);
    assert!(stub.seen().iter().all(|s| !s.target.contains("s3cr3t")));
}

#[test]
fn a_token_that_expires_mid_run_is_renewed_and_the_page_fetched_again() {
    let faults = Faults { expire_after: Some(2), ..Default::default() };
    let stub = Stub::start(faults);
    let tmp = tempfile::tempdir().unwrap();
    let args = ["--auth", "client-secret", "--client-id", CLIENT_ID, "--client-secret-env", "TL_TEST_SECRET"];
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--out", "contoso"]);
    let r = collect(tmp.path(), &stub, &all, &[("TL_TEST_SECRET", SECRET)]);
    assert_code(&r, 0);
    assert!(r.stderr.contains("expired during the collection: signing in again"), "{}", r.stderr);
    let m = manifest(&tmp.path().join("contoso"));
    assert!(m["collections"].as_array().unwrap().iter().all(|c| c["status"] == "complete"), "{m}");
    assert_eq!(m["runs"][0]["token_renewals"], 1, "{m}");
    // The refused request was sent again with the new token; nothing but GETs and token POSTs.
    let seen = stub.seen();
    let refused = seen.iter().position(|s| {
        s.method == "GET"
            && s.auth.as_deref() == Some(&format!("Bearer {TOKEN}"))
            && seen.iter().filter(|x| x.target == s.target).count() == 2
    });
    assert!(refused.is_some(), "one request was retried after the renewal");
    assert_eq!(seen.iter().filter(|s| s.target.ends_with("/oauth2/v2.0/token")).count(), 2);
    stub.assert_read_only();

    // A borrowed token cannot be renewed: the collection stops as refused, saying what to do.
    let stub = Stub::start(Faults { expire_after: Some(2), ..Default::default() });
    let tmp = tempfile::tempdir().unwrap();
    let r = collect(tmp.path(), &stub, &["--access-token-env", "TL_TOKEN", "--out", "c", "-q"], &[("TL_TOKEN", TOKEN)]);
    assert_code(&r, 2);
    let m = manifest(&tmp.path().join("c"));
    let refused: Vec<&Value> =
        m["collections"].as_array().unwrap().iter().filter(|c| c["http_status"] == 401).collect();
    assert!(!refused.is_empty(), "{m}");
    assert!(refused[0]["error"].as_str().unwrap().contains("continue with --resume"), "{m}");
}

#[test]
fn a_refused_collection_is_incomplete_never_empty() {
    let mut faults = Faults::default();
    faults.always.insert("/v1.0/groups".into(), 403);
    faults.always.insert("/v1.0/directory/onPremisesSynchronization".into(), 403);
    let stub = Stub::start(faults);
    let tmp = tempfile::tempdir().unwrap();
    let r = collect(
        tmp.path(),
        &stub,
        &["--access-token-env", "TL_TEST_TOKEN", "--out", "t", "-q"],
        &[("TL_TEST_TOKEN", TOKEN)],
    );
    assert_code(&r, 2);
    assert!(r.stderr.contains("groups: forbidden") && r.stderr.contains("Authorization_RequestDenied"), "{}", r.stderr);
    assert!(r.stderr.contains("--keep-going"), "{}", r.stderr);
    assert!(!r.stderr.contains("page 1"), "-q hides progress: {}", r.stderr);
    let m = manifest(&tmp.path().join("t"));
    assert_eq!(entry(&m, "groups")["status"], "forbidden");
    assert_eq!(entry(&m, "groups")["http_status"], 403);
    assert_eq!(entry(&m, "onPremisesSynchronization")["status"], "forbidden");
    assert_eq!(entry(&m, "users")["status"], "complete", "one refusal does not stop the others");
    assert!(!tmp.path().join("t/groups.0001.json").exists(), "no empty groups page is written");

    let k = collect(
        tmp.path(),
        &stub,
        &["--access-token-env", "TL_TEST_TOKEN", "--out", "t2", "--keep-going", "--scan", "s2"],
        &[("TL_TEST_TOKEN", TOKEN)],
    );
    assert_code(&k, 0);
    let report = read_report(&tmp.path().join("s2"));
    let f = report["findings"].as_array().unwrap();
    let in005: Vec<&Value> = f.iter().filter(|f| f["rule"] == "IN005").collect();
    assert_eq!(in005.len(), 1, "{in005:?}");
    assert!(in005[0]["title"].as_str().unwrap().contains("groups"), "{}", in005[0]["title"]);
    let in003: Vec<&Value> = f
        .iter()
        .filter(|f| f["rule"] == "IN003" && f["title"].as_str().unwrap().contains("onPremisesSynchronization"))
        .collect();
    assert_eq!(in003.len(), 1, "the optional collection is an IN003");
    stub.assert_read_only();
}

#[test]
fn resume_continues_from_the_last_good_next_link() {
    let stub = Stub::start(Faults::default());
    // Page 2 of users fails with 500 on every try of the first run.
    stub.faults
        .lock()
        .unwrap()
        .before
        .insert("/v1.0/users?$select=id&$top=999&$skiptoken=p2".into(), vec![(500, None); 3]);
    let tmp = tempfile::tempdir().unwrap();
    let env = [("TL_TEST_TOKEN", TOKEN)];
    let r =
        collect(tmp.path(), &stub, &["--access-token-env", "TL_TEST_TOKEN", "--out", "t", "--max-retries", "2"], &env);
    assert_code(&r, 2);
    let m = manifest(&tmp.path().join("t"));
    let u = entry(&m, "users");
    assert_eq!(u["status"], "failed");
    assert_eq!(u["pages"], 1);
    assert!(u["next_link"].as_str().unwrap().ends_with("$skiptoken=p2"));
    assert_eq!(u["http_status"], 500);
    assert!(u["error"].as_str().unwrap().contains("gave up after 2 retries"), "{u}");
    let org_gets = stub.count("/v1.0/organization");
    let first_page_gets = stub.count("/v1.0/users?$select=id,displayName");

    // Without --resume the folder is refused; with it, only the rest of users is fetched.
    let again = collect(tmp.path(), &stub, &["--access-token-env", "TL_TEST_TOKEN", "--out", "t"], &env);
    assert_code(&again, 2);
    assert!(again.stderr.contains("--resume"), "{}", again.stderr);
    let r2 = collect(
        tmp.path(),
        &stub,
        &["--access-token-env", "TL_TEST_TOKEN", "--out", "t", "--resume", "--scan", "s"],
        &env,
    );
    assert_code(&r2, 0);
    assert_eq!(stub.count("/v1.0/organization"), org_gets, "complete collections are not fetched again");
    assert_eq!(stub.count("/v1.0/users?$select=id,displayName"), first_page_gets);
    let m = manifest(&tmp.path().join("t"));
    let u = entry(&m, "users");
    assert_eq!(
        (u["status"].as_str(), u["pages"].as_u64(), u["records"].as_u64()),
        (Some("complete"), Some(3), Some(5))
    );
    assert_eq!(m["runs"].as_array().unwrap().len(), 2);

    let hand = tmp.path().join("hand");
    hand_made(&hand);
    assert_code(&tenantlint_in(tmp.path(), &["scan", "hand", "--out", "sh"]), 0);
    assert_eq!(finding_keys(&read_report(&tmp.path().join("s"))), finding_keys(&read_report(&tmp.path().join("sh"))));
}

#[test]
fn a_next_link_to_another_host_is_refused() {
    let stub = Stub::start(Faults { foreign_next: true, ..Default::default() });
    let tmp = tempfile::tempdir().unwrap();
    let r = collect(
        tmp.path(),
        &stub,
        &["--access-token-env", "TL_TEST_TOKEN", "--out", "t", "--keep-going", "--scan", "s"],
        &[("TL_TEST_TOKEN", TOKEN)],
    );
    assert_code(&r, 0);
    assert!(r.stderr.contains("graph.fabrikam.example") && r.stderr.contains("refused"), "{}", r.stderr);
    let m = manifest(&tmp.path().join("t"));
    assert_eq!(entry(&m, "users")["status"], "failed");
    assert_eq!(entry(&m, "users")["pages"], 1);
    let report = read_report(&tmp.path().join("s"));
    let in005 = report["findings"].as_array().unwrap().iter().filter(|f| f["rule"] == "IN005").count();
    assert!(in005 >= 1, "the cut-off users collection is reported");
    assert!(stub.seen().iter().all(|s| !s.target.contains("p2")), "nothing followed the foreign link");
}

#[test]
fn certificate_assertion_is_signed_as_documented() {
    let stub = Stub::start(Faults::default());
    let tmp = tempfile::tempdir().unwrap();
    let pem = crate::util::crate_root().join("tests/fixtures/collect/app.pem");
    let r = collect(
        tmp.path(),
        &stub,
        &[
            "--auth",
            "certificate",
            "--client-id",
            CLIENT_ID,
            "--certificate",
            pem.to_str().unwrap(),
            "--out",
            "t",
            "-q",
        ],
        &[],
    );
    assert_code(&r, 0);
    let posts: Vec<Seen> = stub.seen().into_iter().filter(|s| s.method == "POST").collect();
    assert_eq!(posts.len(), 1);
    let p = form(&posts[0].body);
    assert_eq!(p["client_assertion_type"], "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
    assert_eq!(p["scope"], format!("{}/.default", stub.base));
    assert!(!p.contains_key("client_secret"));
    // The stand-in refuses a tampered assertion.
    let mut bad = p["client_assertion"].clone();
    bad.push('A');
    assert!(check_assertion(&bad, &format!("{}/{TENANT}/oauth2/v2.0/token", stub.base)).is_err());
    let key = std::fs::read_to_string(&pem).unwrap();
    let key_body: String = key.split("-----BEGIN PRIVATE KEY-----").nth(1).unwrap().lines().nth(1).unwrap().into();
    assert!(!all_text(tmp.path()).contains(&key_body), "the private key is not copied anywhere");
    stub.assert_read_only();
}

#[test]
fn device_code_prints_the_code_and_polls_until_signed_in() {
    let stub = Stub::start(Faults { pending_polls: 2, ..Default::default() });
    let tmp = tempfile::tempdir().unwrap();
    let r = collect(tmp.path(), &stub, &["--auth", "device-code", "--client-id", CLIENT_ID, "--out", "t", "-q"], &[]);
    assert_code(&r, 0);
    assert!(r.stderr.contains("CONTOSO42") && r.stderr.contains("https://microsoft.com/devicelogin"), "{}", r.stderr);
    let polls = stub.seen().iter().filter(|s| s.body.contains("device_code")).count();
    assert_eq!(polls, 3, "two pending answers, then the token");
    assert!(!all_text(tmp.path()).contains("dc-contoso-device-code"), "the device code is not written");
    stub.assert_read_only();
}

#[test]
fn a_wrong_secret_fails_naming_the_endpoint_without_the_secret() {
    let stub = Stub::start(Faults::default());
    let tmp = tempfile::tempdir().unwrap();
    let r = collect(
        tmp.path(),
        &stub,
        &["--auth", "client-secret", "--client-id", CLIENT_ID, "--client-secret-env", "TL_TEST_SECRET", "--out", "t"],
        &[("TL_TEST_SECRET", "wrong-secret-value-123")],
    );
    assert_code(&r, 2);
    assert!(r.stderr.contains("/oauth2/v2.0/token") && r.stderr.contains("AADSTS7000215"), "{}", r.stderr);
    assert!(!r.stderr.contains("wrong-secret-value-123"));
    assert_eq!(stub.seen().iter().filter(|s| s.method == "GET").count(), 0);
    // Plain http to a non-loopback host is refused before anything is sent.
    let e = run_env(
        tmp.path(),
        &[
            "collect",
            "graph",
            "--tenant",
            TENANT,
            "--access-token-env",
            "X",
            "--graph-url",
            "http://graph.contoso.example",
            "--out",
            "u",
        ]
        .map(String::from),
        &[("X", TOKEN)],
    );
    assert_code(&e, 2);
    assert!(e.stderr.contains("--graph-url") && e.stderr.contains("plain http://"), "{}", e.stderr);
}

#[test]
fn arm_subscriptions_and_tenants_all_pages() {
    let stub = Stub::start(Faults::default());
    let tmp = tempfile::tempdir().unwrap();
    let args: Vec<String> = [
        "collect",
        "arm",
        "--tenant",
        TENANT,
        "--access-token-env",
        "TL_TEST_TOKEN",
        "--login-url",
        &stub.base,
        "--arm-url",
        &stub.base,
        "--out",
        "arm",
        "--scan",
        "s",
    ]
    .map(String::from)
    .to_vec();
    let r = run_env(tmp.path(), &args, &[("TL_TEST_TOKEN", TOKEN)]);
    assert_code(&r, 0);
    stub.assert_read_only();
    assert!(stub.seen().iter().all(|s| s.target.contains("api-version=2022-12-01")), "{:?}", stub.seen());
    let m = manifest(&tmp.path().join("arm"));
    let subs = entry(&m, "arm:subscriptions");
    assert_eq!((subs["pages"].as_u64(), subs["records"].as_u64()), (Some(2), Some(2)));
    assert_eq!(entry(&m, "arm:tenants")["status"], "complete");
    let report = read_report(&tmp.path().join("s"));
    let kinds: Vec<&str> = report["inputs"].as_array().unwrap().iter().filter_map(|i| i["kind"].as_str()).collect();
    assert!(kinds.iter().filter(|k| **k == "arm-json:subscriptions").count() == 2, "{kinds:?}");
    assert!(kinds.contains(&"arm-json:tenants"), "{kinds:?}");
    assert!(
        !report["findings"].as_array().unwrap().iter().any(|f| f["rule"] == "IN005"),
        "the pages chain to their end"
    );

    // A Graph collection may join the same folder; a second ARM run there needs --resume.
    let again = run_env(tmp.path(), &args, &[("TL_TEST_TOKEN", TOKEN)]);
    assert_code(&again, 2);
}

/// `collect ldap` (the Samba AD DC of `tests/ldap/samba-ad.sh`; without it, the LDIF fixture stands in),
/// `collect graph` and `collect arm` into one folder, then one `scan` gives the joined report.
#[test]
fn ldap_graph_and_arm_collections_scan_together() {
    let stub = Stub::start(Faults::default());
    let tmp = tempfile::tempdir().unwrap();
    let ldif = tmp.path().join("corp.ldf");
    match crate::ldap::samba() {
        Some(env) => assert_code(&crate::ldap::collect_starttls(&env, &ldif, &[]), 0),
        None => {
            std::fs::copy(crate::util::crate_root().join("tests/fixtures/ldif/contoso-ldifde.ldf"), &ldif).unwrap();
        }
    }
    let env = [("TL_TEST_TOKEN", TOKEN)];
    assert_code(
        &collect(tmp.path(), &stub, &["--access-token-env", "TL_TEST_TOKEN", "--out", "contoso", "-q"], &env),
        0,
    );
    let arm: Vec<String> = [
        "collect",
        "arm",
        "--tenant",
        TENANT,
        "--access-token-env",
        "TL_TEST_TOKEN",
        "--arm-url",
        &stub.base,
        "--login-url",
        &stub.base,
        "--out",
        "contoso",
        "-q",
    ]
    .map(String::from)
    .to_vec();
    assert_code(&run_env(tmp.path(), &arm, &env), 0);
    let m = manifest(&tmp.path().join("contoso"));
    assert!(m["collections"].as_array().unwrap().iter().any(|c| c["api"] == "arm"));
    assert!(m["collections"].as_array().unwrap().iter().any(|c| c["api"] == "graph"));
    let r = tenantlint_in(tmp.path(), &["scan", "contoso", "corp.ldf", "--out", "joined"]);
    assert_code(&r, 0);
    let report = read_report(&tmp.path().join("joined"));
    crate::util::assert_schema_valid(&report);
    let kinds: Vec<&str> = report["inputs"].as_array().unwrap().iter().filter_map(|i| i["kind"].as_str()).collect();
    for k in ["ldif", "graph-json:users", "graph-json:organization", "arm-json:subscriptions", "tenantlint-collection"]
    {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }
    let subject_kinds: std::collections::BTreeSet<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["subjects"].as_array().cloned().unwrap_or_default())
        .filter_map(|s| s["kind"].as_str().map(str::to_string))
        .collect();
    assert!(subject_kinds.contains("cloud-object"), "{subject_kinds:?}");
    assert!(
        !report["findings"].as_array().unwrap().iter().any(|f| f["rule"] == "IN005"),
        "every collection is complete"
    );
    stub.assert_read_only();
}
