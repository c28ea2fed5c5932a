//! Reader: Azure Resource Manager /subscriptions and /tenants JSON, az account list output.
//!
//! Shapes accepted: ARM `GET /subscriptions` (`{"value": [...], "count": ..., "nextLink": ...}`),
//! a single subscription (GET by id), ARM `GET /tenants`, the example wrapper of
//! azure-rest-api-specs (`{"parameters": ..., "responses": {"200": {"body": ...}}}`), and Azure CLI
//! `az account list` / `az account show` output (a top-level array or one object with
//! `homeTenantId`, `isDefault`, `user {name, type}`). Subscriptions name the tenants they trust;
//! they are not attributed to a tenant, so no tenant id is listed for the file.

use super::json_util::Raw;
use super::json_util::{self as ju, Doc, Head, HeadKind, Problem, Rec, Shape, Tally};
use super::{Extract, Format, Input, ReadError, Sniff, codes};
use crate::model::*;

/// Registration in [`super::FORMATS`].
pub const FORMAT: Format = Format {
    name: "arm-json",
    summary: "Azure Resource Manager /subscriptions and /tenants JSON, az account list output",
    sniff,
    read,
};

/// What the file lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Entity {
    /// ARM subscriptions.
    Subscriptions,
    /// ARM tenants.
    Tenants,
    /// `az account list` / `az account show`.
    AzAccounts,
}

impl Entity {
    fn name(self) -> &'static str {
        match self {
            Self::Subscriptions => "subscriptions",
            Self::Tenants => "tenants",
            Self::AzAccounts => "az-account-list",
        }
    }
}

fn classify(has: &dyn Fn(&str) -> bool) -> Option<Entity> {
    if has("homeTenantId") || (has("tenantId") && has("isDefault") && (has("user") || has("cloudName"))) {
        Some(Entity::AzAccounts)
    } else if has("subscriptionId")
        && (has("state") || has("subscriptionPolicies") || has("authorizationSource") || has("tenantId"))
    {
        Some(Entity::Subscriptions)
    } else if has("tenantId") && (has("tenantCategory") || has("defaultDomain")) {
        Some(Entity::Tenants)
    } else {
        None
    }
}

fn head_classify(h: &Head, path: &str) -> Option<Entity> {
    let keys = h.keys(path);
    classify(&|k: &str| keys.iter().any(|x| x.eq_ignore_ascii_case(k)))
}

/// Content sniffer.
pub fn sniff(text: &str) -> Sniff {
    let Some(h) = Head::scan(text) else {
        return Sniff::No;
    };
    match h.root() {
        Some(HeadKind::Object) => {
            let wrapper = h.kind("responses") == Some(HeadKind::Object) && h.get("parameters").is_some();
            let body = if wrapper { "responses/200/body" } else { "" };
            let (value, first) = if wrapper {
                ("responses/200/body/value", "responses/200/body/value/[]")
            } else {
                ("value", "value/[]")
            };
            let found = match h.kind(value) {
                Some(HeadKind::Array) => head_classify(&h, first),
                _ => head_classify(&h, body),
            };
            // An empty ARM list (`collect arm` of an identity that sees no subscription) still carries
            // ARM's `count` object ({"type": "Total", "value": 0}); Graph's count is `@odata.count`.
            let empty_arm_list = h.kind(value) == Some(HeadKind::Array)
                && h.kind(first).is_none()
                && h.kind(if wrapper { "responses/200/body/count" } else { "count" }) == Some(HeadKind::Object)
                && h.keys(if wrapper { "responses/200/body/count" } else { "count" }).contains(&"type");
            match (found, wrapper) {
                (Some(_), _) => Sniff::Yes,
                (None, _) if empty_arm_list => Sniff::Yes,
                (None, true) => Sniff::Unsupported(
                    "Azure REST API example of an operation tenantlint does not read (it reads Subscriptions_List/Get and Tenants_List)"
                        .into(),
                ),
                (None, false) => Sniff::No,
            }
        }
        Some(HeadKind::Array) => match head_classify(&h, "[]") {
            Some(_) => Sniff::Yes,
            None => Sniff::No,
        },
        _ => Sniff::No,
    }
}

/// Reader.
pub fn read(input: &Input<'_>) -> Result<Extract, ReadError> {
    let text = input.text;
    let root = ju::parse_root(text)?;
    let doc = Doc::new(text);
    let mut t = Tally::default();
    let mut ex = Extract::new("arm-json");
    let mut next_link: Option<(String, u32)> = None;

    let items: Vec<&Raw> = match ju::shape(root) {
        Shape::Object => {
            let top = ju::object(root).unwrap_or_default();
            let body_raw = if top.has("responses") && top.has("parameters") {
                let body = top
                    .get("responses")
                    .and_then(ju::object)
                    .and_then(|r| r.get("200"))
                    .and_then(ju::object)
                    .and_then(|r| r.get("body"));
                match body {
                    Some(b) => b,
                    None => {
                        return Err(ReadError::new(
                            doc.line_of(top.get("responses").unwrap_or(root)),
                            "this Azure REST API example has no responses.\"200\".body: it is not a Subscriptions_List/Get or Tenants_List example",
                        ));
                    }
                }
            } else {
                root
            };
            match ju::object(body_raw) {
                Some(body) => {
                    for k in ["nextLink", "@odata.nextLink"] {
                        if let Some(raw) = body.get(k)
                            && let Some(s) = ju::string(raw)
                        {
                            let s = s.trim();
                            // A non-URL value (e.g. "..." in Microsoft's examples) is a placeholder, not a page.
                            if s.starts_with("https://") || s.starts_with("http://") {
                                next_link = Some((s.to_string(), doc.line_of(raw)));
                            }
                        }
                    }
                    match body.get("value") {
                        Some(v) if ju::shape(v) == Shape::Array => ju::array(v).unwrap_or_default(),
                        Some(v) if ju::shape(v) == Shape::Null => Vec::new(),
                        _ => vec![body_raw],
                    }
                }
                None => {
                    return Err(ReadError::new(doc.line_of(body_raw), "the response body is not a JSON object"));
                }
            }
        }
        Shape::Array => ju::array(root).unwrap_or_default(),
        _ => {
            return Err(ReadError::new(
                1,
                "the file holds a single JSON value, not an Azure subscription or tenant list",
            ));
        }
    };

    let recs: Vec<Rec<'_>> = items.into_iter().filter_map(|r| ju::record(&doc, &mut t, r, "the list")).collect();
    let entity = recs.iter().find_map(|r| classify(&|k: &str| r.has(k)));
    match entity {
        Some(e) => {
            ex.kind = format!("arm-json:{}", e.name());
            for r in &recs {
                let at = input.at(r.line);
                match e {
                    Entity::Tenants => match r.guid(&mut t, &["tenantId"]) {
                        Some(id) => ex.arm_tenants.push(ArmTenant {
                            source: at,
                            tenant_id: id,
                            display_name: r.str(&mut t, &["displayName"]),
                            default_domain: r.str(&mut t, &["defaultDomain"]),
                            domains: r.strs(&mut t, &["domains"]),
                            tenant_category: r.str(&mut t, &["tenantCategory"]),
                            country_code: r.str(&mut t, &["countryCode"]),
                        }),
                        None => t.add(Problem::Missing, "tenantId", r.line, ""),
                    },
                    Entity::Subscriptions | Entity::AzAccounts => match subscription(&mut t, r, e, at) {
                        Some(s) => ex.subscriptions.push(s),
                        None => t.add(Problem::Missing, "subscription id", r.line, ""),
                    },
                }
            }
        }
        None if recs.is_empty() => {
            ex.issue(
                input.at(0),
                codes::EMPTY_EXPORT,
                "the list is empty; re-run the export with an account that can see the subscriptions",
            );
        }
        None => {
            return Err(ReadError::new(
                recs.first().map(|r| r.line).unwrap_or(1),
                "cannot tell whether this lists subscriptions or tenants (no subscriptionId, tenantCategory or homeTenantId): export GET /subscriptions, GET /tenants or az account list -o json",
            ));
        }
    }
    if let Some((link, line)) = next_link {
        ex.issue(
            input.at(line),
            codes::INCOMPLETE_EXPORT,
            format!(
                "the response has a nextLink: it is one page of a larger list and the next page must be exported too ({}); pages saved as separate files are read together",
                ju::excerpt(&link)
            ),
        );
    }
    t.flush(input, &mut ex);
    ex.count_records();
    Ok(ex)
}

fn subscription(t: &mut Tally, r: &Rec<'_>, e: Entity, at: crate::source::SourceRef) -> Option<Subscription> {
    let id = match r.guid(t, &["subscriptionId"]) {
        Some(id) => id,
        None => {
            let raw = r.str::<String>(t, &["id"])?;
            // ARM: "/subscriptions/<guid>"; az: "<guid>"
            let tail = raw.trim_end_matches('/').rsplit('/').next().unwrap_or(&raw).to_string();
            match normalize_guid_text(&tail) {
                Some(g) => g,
                None => {
                    t.add(Problem::NotGuid, "id", r.line, &raw);
                    raw
                }
            }
        }
    };
    let mut managed = Vec::new();
    for m in r.list(&["managedByTenants"]) {
        match ju::shape(m) {
            Shape::Object => {
                if let Some(o) = ju::object(m)
                    && let Some(id) = Rec::new(o, r.line).guid(t, &["tenantId"])
                {
                    managed.push(id);
                }
            }
            Shape::String => {
                if let Some(s) = ju::string(m) {
                    managed.push(normalize_guid_text(&s).unwrap_or_else(|| s.into_owned()));
                }
            }
            _ => {}
        }
    }
    managed
        .extend(r.strs::<String>(t, &["managedByTenantIds"]).into_iter().map(|s| normalize_guid_text(&s).unwrap_or(s)));
    let policies = r.obj(&["subscriptionPolicies"]).map(|o| Rec::new(o, r.line));
    let user = r.obj(&["user"]).map(|o| Rec::new(o, r.line));
    let az = e == Entity::AzAccounts;
    Some(Subscription {
        source: at,
        id,
        display_name: if az { r.str(t, &["name", "displayName"]) } else { r.str(t, &["displayName", "name"]) },
        tenant_id: r.guid(t, &["tenantId"]),
        home_tenant_id: r.guid(t, &["homeTenantId"]),
        managed_by_tenants: managed,
        state: r.str(t, &["state"]),
        quota_id: policies.and_then(|p| p.str(t, &["quotaId"])),
        authorization_source: r.str(t, &["authorizationSource"]),
        user_name: user.as_ref().and_then(|u| u.str(t, &["name"])),
        user_type: user.as_ref().and_then(|u| u.str(t, &["type"])),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;
    use std::path::Path;

    fn read_text(text: &str) -> Result<Extract, ReadError> {
        read(&Input::new(FileId(0), text))
    }

    fn fixture(name: &str) -> String {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/arm").join(name);
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    fn real(file: &str) -> Option<String> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/realdata/azure-rest-api-specs-arm-examples");
        if !dir.is_dir() {
            eprintln!("skipping: {} not present", dir.display());
            return None;
        }
        Some(std::fs::read_to_string(dir.join(file)).unwrap())
    }

    #[test]
    fn az_account_list_with_msa_user() {
        let text = fixture("az-account-list.json");
        assert_eq!(sniff(&text), Sniff::Yes);
        let ex = read_text(&text).unwrap();
        assert_eq!(ex.kind, "arm-json:az-account-list");
        assert_eq!(ex.records, 2);
        assert!(ex.issues.is_empty(), "{:?}", ex.issues);
        assert!(ex.tenant_ids.is_empty());
        let s = &ex.subscriptions[0];
        assert_eq!(s.id, "2f1e0d9c-8b7a-4c6d-9e5f-4a3b2c1d0e9f");
        assert_eq!(s.display_name.as_deref(), Some("Contoso Dev"));
        assert_eq!(s.tenant_id.as_deref(), Some("6babcaad-604b-40ac-a9d7-9fd97c0b779f"));
        assert_eq!(s.home_tenant_id.as_deref(), Some("6babcaad-604b-40ac-a9d7-9fd97c0b779f"));
        assert_eq!(s.user_name.as_deref(), Some("live.com#pat.dev@outlook.com"));
        assert_eq!(s.user_type.as_deref(), Some("user"));
        assert_eq!(s.source.line, 2);
        let s = &ex.subscriptions[1];
        assert_eq!(s.home_tenant_id.as_deref(), Some("0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d"));
        assert_eq!(s.managed_by_tenants, vec!["6babcaad-604b-40ac-a9d7-9fd97c0b779f"]);
        assert_eq!(s.trusted_tenant(), Some("0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d"));
    }

    #[test]
    fn az_account_show_single_object() {
        let text = r#"{"environmentName":"AzureCloud","homeTenantId":"6babcaad-604b-40ac-a9d7-9fd97c0b779f","id":"2f1e0d9c-8b7a-4c6d-9e5f-4a3b2c1d0e9f","isDefault":true,"managedByTenants":[],"name":"Contoso Dev","state":"Enabled","tenantId":"6babcaad-604b-40ac-a9d7-9fd97c0b779f","user":{"name":"admin@contoso.com","type":"user"}}"#;
        assert_eq!(sniff(text), Sniff::Yes);
        let ex = read_text(text).unwrap();
        assert_eq!(ex.kind, "arm-json:az-account-list");
        assert_eq!(ex.subscriptions.len(), 1);
        assert_eq!(ex.subscriptions[0].user_name.as_deref(), Some("admin@contoso.com"));
    }

    #[test]
    fn real_next_link_url_is_in005_and_bad_ids_in008() {
        let text = r#"{"value":[{"id":"/subscriptions/not-a-guid","subscriptionId":"not-a-guid","tenantId":"6babcaad-604b-40ac-a9d7-9fd97c0b779f","state":"Enabled"}],
"nextLink":"https://management.azure.com/subscriptions?api-version=2022-12-01&$skiptoken=abc"}"#;
        let ex = read_text(text).unwrap();
        let mut c: Vec<_> = ex.issues.iter().map(|i| (i.code, i.at.line)).collect();
        c.sort();
        assert_eq!(c, vec![(codes::INCOMPLETE_EXPORT, 2), (codes::INVALID_VALUE, 1)]);
        assert_eq!(ex.subscriptions[0].id, "not-a-guid");
    }

    #[test]
    fn an_empty_arm_list_is_read_as_an_empty_export_not_skipped() {
        let text = r#"{"value": [], "count": {"type": "Total", "value": 0}}"#;
        assert_eq!(sniff(text), Sniff::Yes);
        let ex = read_text(text).unwrap();
        assert!(ex.issues.iter().any(|i| i.code == codes::EMPTY_EXPORT), "{:?}", ex.issues);
        // Without ARM's count object an empty list could be anything.
        assert_eq!(sniff(r#"{"value": []}"#), Sniff::No);
        assert_eq!(sniff(r#"{"value": [], "@odata.count": 0}"#), Sniff::No);
    }

    #[test]
    fn sniff_rejects_other_json() {
        assert_eq!(sniff(r#"["contoso.com"]"#), Sniff::No);
        assert_eq!(sniff(r#"{"value":[{"userPrincipalName":"a@contoso.com"}]}"#), Sniff::No);
        assert!(matches!(
            sniff(r#"{"parameters":{},"responses":{"200":{"body":{"name":"vm1"}}}}"#),
            Sniff::Unsupported(_)
        ));
    }

    #[test]
    fn real_get_subscriptions() {
        let Some(text) = real("GetSubscriptions.json") else {
            return;
        };
        assert_eq!(sniff(&text), Sniff::Yes);
        let ex = read_text(&text).unwrap();
        assert_eq!(ex.kind, "arm-json:subscriptions");
        assert!(ex.issues.is_empty(), "placeholder nextLink is not a page: {:?}", ex.issues);
        assert!(ex.tenant_ids.is_empty());
        let got: Vec<_> = ex
            .subscriptions
            .iter()
            .map(|s| (s.id.as_str(), s.tenant_id.as_deref().unwrap_or(""), s.managed_by_tenants.len(), s.source.line))
            .collect();
        assert_eq!(
            got,
            vec![
                ("291bba3f-e0a5-47bc-a099-3bdcb2a50a05", "31c75423-32d6-4322-88b7-c478bdde4858", 1, 9),
                ("72ac930a-f34e-42d8-b06d-dc2a9e12ed71", "2a0ff0de-96b2-4859-bb7c-a430d07a3e0c", 2, 31)
            ]
        );
        assert_eq!(ex.subscriptions[0].authorization_source.as_deref(), Some("RoleBased"));
        assert_eq!(ex.subscriptions[0].quota_id.as_deref(), Some("Internal_2014-09-01"));
        assert_eq!(ex.subscriptions[1].managed_by_tenants[1], "f7fb6af2-321d-47c8-9c0f-b0239eaad39a");
    }

    #[test]
    fn real_get_subscription() {
        let Some(text) = real("GetSubscription.json") else {
            return;
        };
        assert_eq!(sniff(&text), Sniff::Yes);
        let ex = read_text(&text).unwrap();
        assert_eq!(ex.kind, "arm-json:subscriptions");
        assert!(ex.issues.is_empty(), "{:?}", ex.issues);
        assert_eq!(ex.subscriptions.len(), 1);
        let s = &ex.subscriptions[0];
        assert_eq!(s.id, "291bba3f-e0a5-47bc-a099-3bdcb2a50a05");
        assert_eq!(s.display_name.as_deref(), Some("Example Subscription"));
        assert_eq!(s.authorization_source.as_deref(), Some("Bypassed"));
        assert_eq!(s.managed_by_tenants, vec!["8f70baf1-1f6e-46a2-a1ff-238dac1ebfb7"]);
        assert_eq!(s.source.line, 8);
    }

    #[test]
    fn real_get_tenants() {
        let Some(text) = real("GetTenants.json") else {
            return;
        };
        assert_eq!(sniff(&text), Sniff::Yes);
        let ex = read_text(&text).unwrap();
        assert_eq!(ex.kind, "arm-json:tenants");
        assert!(ex.issues.is_empty(), "{:?}", ex.issues);
        let got: Vec<_> =
            ex.arm_tenants.iter().map(|t| (t.tenant_id.as_str(), t.tenant_category.as_deref().unwrap_or(""))).collect();
        assert_eq!(
            got,
            vec![
                ("a70a1586-9c4a-4373-b907-1d310660dbd1", "ManagedBy"),
                ("83abe5cd-bcc3-441a-bd86-e6a75360cecc", "Home"),
                ("daea2e9b-847b-4c93-850d-2aa6f2d7af33", "ProjectedBy")
            ]
        );
        assert_eq!(ex.arm_tenants[2].domains.len(), 3);
        assert_eq!(ex.arm_tenants[1].default_domain.as_deref(), Some("auxteststagemanual.ccsctp.net"));
        assert_eq!(ex.arm_tenants[0].country_code.as_deref(), Some("US"));
        assert!(!ex.has_tenant_content());
    }
}
