//! Issue 24: the sync preview on the bundled sample — every outcome, consistency with the findings'
//! predicted outcomes, and a re-pointing simulation.

use crate::util::*;

fn scan(extra: &[&str]) -> (serde_json::Value, Vec<csv::StringRecord>, csv::StringRecord) {
    let out = tempfile::tempdir().unwrap();
    let mut args = vec![
        "scan",
        "samples/contoso-merger",
        "--format",
        "json,sync-preview,html",
        "--out",
        out.path().to_str().unwrap(),
        "--as-of",
        "2026-11-23T12:00:00Z",
    ];
    args.extend_from_slice(extra);
    let r = tenantlint(&args);
    assert_code(&r, 0);
    let report = read_report(out.path());
    assert_schema_valid(&report);
    let mut rdr = csv::Reader::from_path(out.path().join("sync-preview.csv")).unwrap();
    let header = rdr.headers().unwrap().clone();
    let rows = rdr.records().map(|r| r.unwrap()).collect();
    let html = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    assert!(html.contains("id=\"preview-summary\""), "the HTML report has the preview section");
    (report, rows, header)
}

fn col(header: &csv::StringRecord, name: &str) -> usize {
    header.iter().position(|h| h == name).unwrap_or_else(|| panic!("column {name}"))
}

#[test]
fn each_outcome_appears_where_the_sample_plants_it() {
    let (report, rows, h) = scan(&[]);
    let (dn, outcome, matching, upn_after) =
        (col(&h, "dn"), col(&h, "outcome"), col(&h, "matching"), col(&h, "upn_after"));
    let row = |who: &str| {
        rows.iter().find(|r| r[dn].starts_with(&format!("CN={who},"))).unwrap_or_else(|| panic!("no row for {who}"))
    };
    for (who, fate, model) in [
        ("Rania Pereira", "joins", "hard-match"),
        ("Nadia Haddad", "joins", "soft-match-merge"),
        ("Marek Ostrowski", "takeover", "admin-role-conflict"),
        ("Harriet Nwosu", "conflict", "invalid-soft-match"),
        ("IT Helpdesk Mailbox", "conflict", "export-fails"),
        ("Greta Holm", "quarantined", "soft-match-blocked"),
        ("James Smith", "quarantined", "hard-match"),
        ("Björn Ek", "creates", ""),
    ] {
        let r = row(who);
        assert_eq!((&r[outcome], &r[matching]), (fate, model), "{who}: {r:?}");
    }
    assert_eq!(&row("James Smith")[upn_after], "j.smith<4 digits>@contoso.onmicrosoft.com");
    assert_eq!(&row("Greta Holm")[upn_after], "greta.holm<4 digits>@fabrikam.onmicrosoft.com");
    // Cloud objects no AD object touches stay cloud-only (e.g. the break-glass accounts).
    assert!(rows.iter().any(|r| &r[outcome] == "cloud-only" && r[col(&h, "upn_after")].contains("breakglass")));
    // report.json carries the counts, the CSV every row.
    let total: u64 = report["sync_preview"]["summary"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["outcomes"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()))
        .sum();
    assert_eq!(total as usize, rows.len());
}

#[test]
fn the_preview_and_the_findings_predict_the_same_outcome_and_cite_each_other() {
    let (report, rows, h) = scan(&[]);
    let (guid, matching, findings) = (col(&h, "object_guid"), col(&h, "matching"), col(&h, "findings"));
    let mut checked = 0;
    for f in report["findings"].as_array().unwrap() {
        let Some(predicted) = f["evidence"]["predicted_outcome"].as_str() else { continue };
        let ad = f["subjects"].as_array().unwrap().iter().find(|s| s["kind"] == "ad-object").unwrap();
        let mine: Vec<&csv::StringRecord> =
            rows.iter().filter(|r| r[guid].eq_ignore_ascii_case(ad["id"].as_str().unwrap())).collect();
        assert!(
            mine.iter().any(|r| &r[matching] == predicted),
            "{} predicts {predicted} for {}, the preview says {:?}",
            f["rule"],
            ad["display"],
            mine.iter().map(|r| &r[matching]).collect::<Vec<_>>()
        );
        let fp = f["fingerprint"].as_str().unwrap();
        assert!(mine.iter().any(|r| r[findings].split(' ').any(|x| x == fp)), "{} is cited", f["rule"]);
        checked += 1;
    }
    assert!(checked >= 8, "the sample's DU002/SY002–SY004 findings are checked ({checked})");
}

#[test]
fn re_pointing_a_forest_simulates_a_new_sync_with_moera_fallback() {
    let (report, rows, h) = scan(&["--sync-preview", "corp.contoso.com=Fabrikam"]);
    assert_eq!(report["sync_preview"]["simulated"], serde_json::json!(["corp.contoso.com=Fabrikam"]));
    let (forest, tenant, outcome, upn_after, dn) =
        (col(&h, "forest"), col(&h, "tenant"), col(&h, "outcome"), col(&h, "upn_after"), col(&h, "dn"));
    let contoso: Vec<&csv::StringRecord> = rows.iter().filter(|r| &r[forest] == "corp.contoso.com").collect();
    assert!(!contoso.is_empty() && contoso.iter().all(|r| &r[tenant] == "Fabrikam"));
    // contoso.com is not verified in Fabrikam: a created user falls back to the initial domain.
    let rania = contoso.iter().find(|r| r[dn].starts_with("CN=Rania Pereira,")).unwrap();
    assert_eq!((&rania[outcome], &rania[upn_after]), ("creates", "rania.pereira@fabrikam.onmicrosoft.com"));
    // Findings are not affected by the simulation.
    let (plain, _, _) = scan(&[]);
    assert_eq!(report["summary"], plain["summary"]);
    // An unknown forest is a usage error naming the known ones.
    let out = tempfile::tempdir().unwrap();
    let r = tenantlint(&[
        "scan",
        "samples/contoso-merger",
        "--out",
        out.path().to_str().unwrap(),
        "--sync-preview",
        "nowhere=Fabrikam",
    ]);
    assert_code(&r, 2);
    assert!(r.stderr.contains("no forest \"nowhere\"") && r.stderr.contains("corp.contoso.com"), "{}", r.stderr);
}

#[test]
fn counts_cover_every_object_whatever_rows_are_kept_and_json_only_runs_skip_the_preview() {
    let run = |formats: &str| {
        let out = tempfile::tempdir().unwrap();
        let r =
            tenantlint(&["scan", "samples/contoso-merger", "--format", formats, "--out", out.path().to_str().unwrap()]);
        assert_code(&r, 0);
        read_report(out.path())
    };
    let full = run("json,sync-preview");
    let issues = run("json,html");
    assert_eq!(
        full["sync_preview"], issues["sync_preview"],
        "the HTML run keeps only issue rows, the counts are the same"
    );
    assert!(run("json")["sync_preview"].is_null(), "a JSON-only run (CI) does not compute the preview");
}
