//! IdFix parity mode end to end: `scan --idfix multi-tenant --format json,idfix-csv` on a small LDIF
//! estate, with the CSV checked byte for byte.

use crate::util::*;

const FIXTURE: &str = "tests/fixtures/idfix/contoso-idfix.ldf";

/// What IdFix 2.6 (Multi-Tenant) shows for the fixture, as correct RFC 4180 CSV: rows by DN; Bob's
/// duplicate UPN is COMPLETE (he has a mailNickname) so Alice gets no extra row; Eve's duplicate
/// sAMAccountName is EDIT, so Carl (first holder) gets the extra row with Eve's class, as IdFix does;
/// Dora's `smtp:sales@` comes first by DN, so the Sales group's primary address is the duplicate
/// (REMOVE: no mailNickname); `.app` is a false positive of IdFix's frozen TLD list; the cell starting
/// with `=` is neutralised; Guest Speaker (skipped by prefix) and the computer are not listed.
const EXPECTED_CSV: &str = "\
DISTINGUISHEDNAME,COMMONNAME,OBJECTCLASS,ATTRIBUTE,ERROR,VALUE,UPDATE,PROPOSEDACTION,ACTION\r
\"CN=Alice Wong,OU=Staff,DC=contoso,DC=com\",Alice Wong,user,proxyAddresses,Character,smtp:alice:w@contoso.com,smtp:alicew@contoso.com,Edit,\r
\"CN=Bob Stone,OU=Staff,DC=contoso,DC=com\",Bob Stone,user,mailnickname,Character,..bstone,bstone,Edit,\r
\"CN=Bob Stone,OU=Staff,DC=contoso,DC=com\",Bob Stone,user,userPrincipalName,Duplicate,JO@contoso.com,JO@contoso.com,Complete,\r
\"CN=Carl Nash,OU=Staff,DC=contoso,DC=com\",Carl Nash,inetOrgPerson,sAMAccountName,Duplicate,CNASH,CNASH,Edit,\r
\"CN=Eve Nash,OU=Staff,DC=contoso,DC=com\",Eve Nash,inetOrgPerson,sAMAccountName,Duplicate,CNASH,CNASH,Edit,\r
\"CN=Formula,OU=Staff,DC=contoso,DC=com\",Formula,user,userPrincipalName,Character,'=1+2@contoso.com,12@contoso.com,Edit,\r
\"CN=Partner,OU=Contacts,DC=contoso,DC=com\",Partner,contact,targetAddress,TopLevelDomain,SMTP:partner@fabrikam.app,SMTP:partner@fabrikam.app,Edit,\r
\"CN=Sales,OU=Groups,DC=contoso,DC=com\",Sales,group,proxyAddresses,Duplicate,SMTP:sales@contoso.com,SMTP:sales@contoso.com,Remove,\r
\"CN=Smith\\, John,OU=Staff,DC=contoso,DC=com\",\"Smith, John\",user,displayName,Blank,,\"Smith, John\",Edit,\r
\"CN=Smith\\, John,OU=Staff,DC=contoso,DC=com\",\"Smith, John\",user,userPrincipalName,\"Character, TopLevelDomain\",John Smith@contoso.local,JohnSmith@contoso.local,Edit,\r
";

#[test]
fn multi_tenant_csv_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let r = tenantlint(&[
        "scan",
        FIXTURE,
        "--idfix",
        "multi-tenant",
        "--format",
        "json,idfix-csv",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_code(&r, 0);
    let csv = std::fs::read(out.join("idfix.csv")).expect("idfix.csv written");
    assert_eq!(String::from_utf8(csv).unwrap(), EXPECTED_CSV);

    let report = read_report(&out);
    assert_schema_valid(&report);
    // 10 rows; Smith's UPN row has two flags: 11 findings.
    let idfix: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"].as_str().unwrap().starts_with("IF"))
        .collect();
    assert_eq!(idfix.len(), 11);
    assert_eq!(findings_with_rule(&report, "IF007").len(), 4);
    assert_eq!(findings_with_rule(&report, "IF001").len(), 4);
    assert_eq!(findings_with_rule(&report, "IF003").len(), 2);
    assert_eq!(findings_with_rule(&report, "IF008").len(), 1);
    assert_eq!(report["summary"]["by_category"]["duplicates"], 4);
    assert_eq!(report["summary"]["by_category"]["bad-characters"], 7);
    let carl = findings_with_rule(&report, "IF007")
        .into_iter()
        .find(|f| f["evidence"]["dn"] == "CN=Carl Nash,OU=Staff,DC=contoso,DC=com")
        .expect("Carl's extra row");
    assert_eq!(carl["evidence"]["other_dn"], "CN=Eve Nash,OU=Staff,DC=contoso,DC=com");
    assert_eq!(carl["subjects"][0]["source"]["line"], 34);
    assert_eq!(carl["subjects"][1]["source"]["line"], 56);
    assert_eq!(carl["rule_name"], "idfix-duplicate");
}

#[test]
fn dedicated_rule_set_on_the_same_estate() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let r = tenantlint(&[
        "scan",
        FIXTURE,
        "--idfix",
        "dedicated",
        "--format",
        "idfix-csv",
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    assert_code(&r, 0);
    let csv = std::fs::read_to_string(out.join("idfix.csv")).unwrap();
    // Only objects with mail are in scope: Partner (contact: no mailNickname, bad TLD in
    // targetAddress) and Sales (group). Dora has no mail.
    assert_eq!(
        csv,
        "DISTINGUISHEDNAME,COMMONNAME,OBJECTCLASS,ATTRIBUTE,ERROR,VALUE,UPDATE,PROPOSEDACTION,ACTION\r\n\
         \"CN=Partner,OU=Contacts,DC=contoso,DC=com\",Partner,contact,mailnickname,Blank,,Partner,Edit,\r\n\
         \"CN=Partner,OU=Contacts,DC=contoso,DC=com\",Partner,contact,targetAddress,TopLevelDomain,SMTP:partner@fabrikam.app,SMTP:partner@fabrikam.app,Edit,\r\n"
    );
}

#[test]
fn idfix_csv_needs_idfix_mode_and_default_mode_has_no_idfix_findings() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let r = tenantlint(&["scan", FIXTURE, "--format", "idfix-csv", "--out", out.to_str().unwrap()]);
    assert_code(&r, 2);
    assert!(r.stderr.contains("--idfix"), "{}", r.stderr);
    assert!(!out.join("idfix.csv").exists());

    let r = tenantlint(&["scan", FIXTURE, "--out", out.to_str().unwrap(), "-q"]);
    assert_code(&r, 0);
    let report = read_report(&out);
    assert!(report["findings"].as_array().unwrap().iter().all(|f| !f["rule"].as_str().unwrap().starts_with("IF")));
}

#[test]
fn explain_says_parity_mode_keeps_idfix_mistakes() {
    let r = tenantlint(&["explain", "IF003"]);
    assert_code(&r, 0);
    assert!(r.stdout.contains("idfix-top-level-domain") && r.stdout.contains("false positives"), "{}", r.stdout);
    // The parameters are printed too: the TLD list holds .ad but not .app.
    assert!(
        r.stdout.contains("Parameters") && r.stdout.contains("\".ad\"") && !r.stdout.contains("\".app\""),
        "{}",
        r.stdout
    );
    let r = tenantlint(&["explain", "IF001"]);
    assert!(r.stdout.contains("cn_prefixes") && r.stdout.contains("HealthMailbox"), "{}", r.stdout);
    let r = tenantlint(&["rules"]);
    assert!(r.stdout.lines().any(|l| l.starts_with("IF007") && l.contains("duplicates")), "{}", r.stdout);
}
