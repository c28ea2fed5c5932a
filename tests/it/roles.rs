//! Role names and tenant names in reports: role grants exported by id only are named from the built-in
//! role table and exported `roleDefinitions` (custom roles), in titles and subjects, with the ids kept
//! in evidence; a tenant known only by its folder is named after its initial `onmicrosoft.com` domain.

use crate::util::*;
use std::path::Path;

const MS002: &str = "rules/msa/MS002-personal-account-holds-directory-role/positive/contoso";
/// The personal-account guest of the MS002 fixture.
const GUEST: &str = "8ca081a5-2bc4-5f36-85fa-27311f9b2fe4";
const CUSTOM: &str = "3c9f8e21-7d4b-4a6e-9f10-2b5c8d7e6a41";
const UNKNOWN: &str = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a";
const GLOBAL_ADMIN: &str = "62e90394-69f5-4237-9190-012177145e10";
const DIRECTORY_READERS: &str = "88d8e3e3-8f55-4a1e-953a-9b9898b8876b";

fn assignment(n: usize, role: &str) -> String {
    format!(
        r#"    {{ "id": "assignment-{n}", "principalId": "{GUEST}", "directoryScopeId": "/", "roleDefinitionId": "{role}" }}"#
    )
}

fn build(root: &Path) {
    let t = root.join("tenants/contoso");
    std::fs::create_dir_all(&t).unwrap();
    for f in ["users.json", "organization.json"] {
        std::fs::copy(crate_root().join(MS002).join(f), t.join(f)).unwrap();
    }
    // GET /roleManagement/directory/roleAssignments without $expand=roleDefinition: ids only.
    let rows: Vec<String> =
        [GLOBAL_ADMIN, CUSTOM, UNKNOWN, DIRECTORY_READERS].iter().enumerate().map(|(n, r)| assignment(n, r)).collect();
    std::fs::write(
        t.join("roleAssignments.json"),
        format!(
            "{{\n  \"@odata.context\": \"https://graph.microsoft.com/v1.0/$metadata#roleManagement/directory/roleAssignments\",\n  \"value\": [\n{}\n  ]\n}}\n",
            rows.join(",\n")
        ),
    )
    .unwrap();
    std::fs::copy(crate_root().join("tests/fixtures/graph/roledefinitions.json"), t.join("roleDefinitions.json"))
        .unwrap();
    // A tenant folder without an organization export whose users show one initial domain.
    let lab = root.join("tenants/lab");
    std::fs::create_dir_all(&lab).unwrap();
    std::fs::write(
        lab.join("users.json"),
        r#"{
  "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users(id,userPrincipalName,proxyAddresses,onPremisesImmutableId,onPremisesSyncEnabled)",
  "value": [
    { "id": "7f1e2d3c-4b5a-4968-8776-a5b4c3d2e101", "userPrincipalName": "admin@contosolab.onmicrosoft.com",
      "proxyAddresses": ["SMTP:admin@contosolab.onmicrosoft.com"], "onPremisesImmutableId": null, "onPremisesSyncEnabled": null },
    { "id": "7f1e2d3c-4b5a-4968-8776-a5b4c3d2e102", "userPrincipalName": "test.user@contosolab.com",
      "proxyAddresses": ["SMTP:test.user@contosolab.com", "smtp:test.user@contosolab.mail.onmicrosoft.com"],
      "onPremisesImmutableId": null, "onPremisesSyncEnabled": null }
  ]
}
"#,
    )
    .unwrap();
}

#[test]
fn role_ids_are_named_in_findings_and_kept_in_evidence() {
    let dir = tempfile::tempdir().unwrap();
    build(dir.path());
    let out = dir.path().join("out");
    let run = tenantlint(&["scan", dir.path().to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_code(&run, 0);
    let report = read_report(&out);
    assert_schema_valid(&report);
    assert_eq!(input(&report, "roleDefinitions.json")["kind"], "graph-json:roleDefinitions");
    assert_eq!(input(&report, "roleDefinitions.json")["status"], "read");

    let mut got: Vec<(String, String)> = findings_with_rule(&report, "MS002")
        .iter()
        .map(|f| {
            (
                f["evidence"]["role"].as_str().unwrap().to_string(),
                f["evidence"]["role_id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            (UNKNOWN.to_string(), UNKNOWN.to_string()),
            ("Contoso Store Helpdesk".to_string(), CUSTOM.to_string()),
            ("Global Administrator".to_string(), GLOBAL_ADMIN.to_string()),
        ],
        "built-in and custom roles named, an unknown custom role shown by id; Directory Readers (no admin power) \
         is recognised by its id and not reported"
    );
    for f in findings_with_rule(&report, "MS002") {
        let role = f["evidence"]["role"].as_str().unwrap();
        let title = f["title"].as_str().unwrap();
        assert!(title.contains(&format!("holds {role} in Contoso Ltd")), "{title}");
        let subject = f["subjects"].as_array().unwrap().iter().find(|s| s["kind"] == "directory-role").unwrap();
        assert!(subject["display"].as_str().unwrap().starts_with(role), "{subject}");
    }
    // The one role that could not be named is said so on the file that holds it.
    let warnings = input(&report, "roleAssignments.json")["warnings"].as_array().unwrap().clone();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0]["rule"], "IN003");
    assert!(warnings[0]["message"].as_str().unwrap().contains(UNKNOWN), "{}", warnings[0]);
}

#[test]
fn a_folder_tenant_is_named_after_its_initial_domain() {
    let dir = tempfile::tempdir().unwrap();
    build(dir.path());
    let out = dir.path().join("out");
    let run = tenantlint(&["scan", dir.path().to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_code(&run, 0);
    let report = read_report(&out);
    let names: Vec<&str> =
        report["estate"]["tenant_list"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    let lab = names.iter().find(|n| n.starts_with("contosolab.onmicrosoft.com (unidentified tenant, folder "));
    assert!(lab.is_some_and(|n| n.ends_with("lab)")), "{names:?}");
    let attributed = input(&report, "lab/users.json")["attributed_to"].as_str().unwrap();
    assert_eq!(attributed, format!("tenant {}", lab.unwrap()));
    assert!(!findings_with_rule(&report, "IN007").is_empty(), "still reported as attributed by folder only");
}
