//! End-to-end scans of the bundled sample estates (the README's first command).

use crate::util::*;

fn scan_sample(name: &str) -> (Run, serde_json::Value) {
    let out = tempfile::tempdir().unwrap();
    let r = tenantlint(&["scan", &format!("samples/{name}"), "--out", out.path().to_str().unwrap()]);
    let report = if r.code == 0 { read_report(out.path()) } else { serde_json::Value::Null };
    (r, report)
}

#[test]
fn contoso_merger_reads_every_export_and_attributes_it() {
    let (r, report) = scan_sample("contoso-merger");
    assert_code(&r, 0);
    assert_schema_valid(&report);
    let kind = |suffix: &str| input(&report, suffix)["kind"].as_str().unwrap().to_string();
    for (file, expected) in [
        ("ad/contoso/users.csv", "ad-csv"),
        ("ad/contoso/extra-admins.csv", "ad-csv"),
        ("ad/contoso/groups-contacts.csv", "csvde"),
        ("ad/fabrikam/fabrikam.ldf", "ldif"),
        ("tenants/contoso/users.json", "graph-json:users"),
        ("tenants/contoso/users-page2.json", "graph-json:users"),
        ("tenants/contoso/directoryRoles.json", "graph-json:directoryRoles"),
        ("tenants/contoso/onPremisesSynchronization.json", "graph-json:onPremisesSynchronization"),
        ("tenants/contoso-marketing/users.json", "graph-json:users"),
        ("tenants/fabrikam/msol-users.csv", "msol-csv:users"),
        ("tenants/fabrikam/msol-domains.csv", "msol-csv:domains"),
        ("tenants/fabrikam/msol-federation.csv", "msol-csv:federation"),
        ("tenants/fabrikam/federationConfiguration.json", "graph-json:federationConfiguration"),
        ("azure/subscriptions.json", "arm-json:subscriptions"),
        ("azure/az-account-list.json", "arm-json:az-account-list"),
        ("adfs/claims-provider-trusts.json", "adfs-json:claims-provider-trusts"),
        ("adfs/relying-party-trusts.json", "adfs-json:relying-party-trusts"),
    ] {
        assert_eq!(kind(file), expected, "{file}");
        assert_eq!(input(&report, file)["status"], "read", "{file}");
    }
    assert_eq!(input(&report, "contoso-merger/EXPECTED.md")["status"], "skipped");
    // UTF-16 LE PowerShell output is decoded.
    assert_eq!(input(&report, "tenants/contoso-marketing/users.json")["encoding"], "utf-16le-bom");

    let e = &report["estate"];
    let tenants: Vec<(&str, &str)> = e["tenant_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["name"].as_str().unwrap(), t["id"].as_str().unwrap()))
        .collect();
    assert_eq!(
        tenants,
        vec![
            ("Contoso", "bab6cf19-4a02-459b-a96d-5ba492ac1715"),
            ("Contoso Marketing", "5a6add13-ecc3-41a4-ac6c-d70ae428b617"),
            ("Fabrikam", "7c7e6817-1f48-420b-9c83-650a1e0d7886"),
        ]
    );
    let forests = e["forest_list"].as_array().unwrap();
    assert_eq!(forests.len(), 2);
    assert_eq!(
        (forests[0]["name"].as_str(), forests[0]["syncs_to"][0].as_str()),
        (Some("corp.contoso.com"), Some("Contoso"))
    );
    assert_eq!(forests[1]["anchor_attribute"], "ms-DS-ConsistencyGuid");
    // The subscription trusting the unexported "Contoso Analytics" tenant points at a foreign tenant.
    assert_eq!(e["foreign_tenants"], 1);
    // Hard matches: most synced users are linked to their AD object by anchor.
    assert!(e["edges"]["anchored_to"].as_u64().unwrap() > 100, "{}", e["edges"]);
    assert!(e["edges"]["guest_in"].as_u64().unwrap() > 0);
    assert_eq!(e["edges"]["federated_by"], 3, "every federation setting is joined to its domain");
}

#[test]
fn contoso_merger_input_findings_match_expected_md() {
    let (r, report) = scan_sample("contoso-merger");
    assert_code(&r, 0);
    let mut got: Vec<(String, String, u64)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["category"] == "input")
        .map(|f| {
            let s = &f["subjects"][0]["source"];
            let path = s["path"].as_str().unwrap().trim_start_matches("samples/contoso-merger/").to_string();
            (f["rule"].as_str().unwrap().to_string(), path, s["line"].as_u64().unwrap_or(0))
        })
        .collect();
    got.sort();
    // EXPECTED.md IN-01..IN-03 fire; IN-04 (users.json continued by users-page2.json) and IN-05 (encodings) do not.
    let expected = vec![
        ("IN001".to_string(), "ad/contoso/extra-admins.csv".to_string(), 3),
        ("IN001".to_string(), "ad/contoso/extra-admins.csv".to_string(), 6),
        ("IN005".to_string(), "tenants/fabrikam/groups.json".to_string(), 3),
        ("IN006".to_string(), "ad/contoso/extra-admins.csv".to_string(), 3),
    ];
    assert_eq!(got, expected);
    let lossy = findings_with_rule(&report, "IN001");
    assert!(lossy.iter().any(|f| f["title"].as_str().unwrap().contains("-join ';'")), "the re-export fix is given");
}
