//! Issue 18, what a new user meets first: `init` writes a manifest that a scan accepts without attribution
//! warnings, the shell completions and man pages come out of the binary and are valid for their tools, and
//! the README's first commands are the install and the sample scan.

use crate::util::*;
use std::path::Path;

/// Rules that say a file could not be attributed, or was attributed against what it says.
const ATTRIBUTION_RULES: &[&str] = &["IN004", "IN007"];

fn init_then_scan(estate: &Path) -> serde_json::Value {
    let r = tenantlint(&["init", estate.to_str().unwrap()]);
    assert_code(&r, 0);
    assert!(r.stderr.contains("wrote ") && r.stderr.contains("estate.toml"), "{}", r.stderr);
    let text = std::fs::read_to_string(estate.join("estate.toml")).unwrap();
    let out = tempfile::tempdir().unwrap();
    let r = tenantlint(&["scan", "-q", estate.to_str().unwrap(), "--out", out.path().to_str().unwrap()]);
    assert_code(&r, 0);
    let report = read_report(out.path());
    for rule in ATTRIBUTION_RULES {
        let found = findings_with_rule(&report, rule);
        assert!(found.is_empty(), "{rule} after init:\n{found:#?}\n--- estate.toml\n{text}");
    }
    for i in report["inputs"].as_array().unwrap() {
        if let Some(by) = i["attributed_to"].as_str() {
            assert!(!by.contains("unidentified"), "{i}\n{text}");
        }
    }
    report
}

#[test]
fn init_on_the_sample_without_its_manifest_rebuilds_tenants_forests_and_sync_targets() {
    let dir = tempfile::tempdir().unwrap();
    let estate = dir.path().join("contoso-merger");
    copy_dir(&crate_root().join("samples/contoso-merger"), &estate);
    std::fs::remove_file(estate.join("estate.toml")).unwrap();
    init_then_scan(&estate);
    let text = std::fs::read_to_string(estate.join("estate.toml")).unwrap();
    // Every tenant with its id and folder, every forest with its folder and the tenant its anchors point to.
    for want in [
        "id = \"bab6cf19-4a02-459b-a96d-5ba492ac1715\"",
        "paths = [\"tenants/contoso\"]",
        "paths = [\"tenants/contoso-marketing\"]",
        "paths = [\"tenants/fabrikam\"]",
        "name = \"corp.contoso.com\"\npaths = [\"ad/contoso\"]",
        "name = \"fabrikam.local\"\npaths = [\"ad/fabrikam\"]",
        "syncs_to = [\"Contoso Ltd\"]   # inferred:",
        "syncs_to = [\"Fabrikam, Inc.\"]   # inferred:",
        "anchor-linked to synced objects of Contoso Ltd",
        "# complete = true",
        "# anchor = \"objectGUID\"",
    ] {
        assert!(text.contains(want), "missing {want:?} in\n{text}");
    }
    assert!(!text.contains("Contoso Marketing\"]   # inferred"), "the self-service copy is no sync target:\n{text}");
    assert!(text.contains("#   README.md (unknown)"), "files not read are listed:\n{text}");
    // Parsed back, it is a valid manifest with exactly that content.
    let m: toml::Value = toml::from_str(&text).unwrap();
    assert_eq!(m["tenant"].as_array().unwrap().len(), 3);
    assert_eq!(m["forest"].as_array().unwrap().len(), 2);
}

#[test]
fn init_names_folder_tenants_and_makes_their_warnings_go_away() {
    // No organization export anywhere: without a manifest the tenant is attributed by folder (IN007).
    let dir = tempfile::tempdir().unwrap();
    let estate = dir.path().join("exports");
    let src = crate_root().join("samples/contoso-merger");
    std::fs::create_dir_all(estate.join("cloud")).unwrap();
    std::fs::create_dir_all(estate.join("onprem")).unwrap();
    for f in ["users.json", "users-page2.json", "groups.json", "domains.json"] {
        std::fs::copy(src.join("tenants/contoso").join(f), estate.join("cloud").join(f)).unwrap();
    }
    std::fs::copy(src.join("ad/contoso/users.csv"), estate.join("onprem/users.csv")).unwrap();
    let out = tempfile::tempdir().unwrap();
    let before = tenantlint(&["scan", "-q", estate.to_str().unwrap(), "--out", out.path().to_str().unwrap()]);
    assert_code(&before, 0);
    assert!(!findings_with_rule(&read_report(out.path()), "IN007").is_empty(), "the folder tenant is reported before");

    init_then_scan(&estate);
    let text = std::fs::read_to_string(estate.join("estate.toml")).unwrap();
    assert!(text.contains("# id = \"...\""), "the id is left to the user:\n{text}");
    assert!(text.contains("name = \"contoso.onmicrosoft.com\""), "named after its initial domain:\n{text}");
    assert!(text.contains("syncs_to = [\"contoso.onmicrosoft.com\"]   # inferred:"), "{text}");
    assert!(text.contains("paths = [\"cloud\"]") && text.contains("paths = [\"onprem\"]"), "{text}");
}

#[test]
fn init_on_the_messy_fixture_without_its_manifest_gives_a_clean_attribution() {
    let dir = tempfile::tempdir().unwrap();
    let estate = dir.path().join("messy");
    copy_dir(&crate_root().join("tests/fixtures/messy-merger"), &estate);
    std::fs::remove_file(estate.join("estate.toml")).unwrap();
    init_then_scan(&estate);
}

#[test]
fn init_never_overwrites_a_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let before = "# mine\nname = \"kept\"\n";
    std::fs::write(dir.path().join("estate.toml"), before).unwrap();
    let r = tenantlint(&["init", dir.path().to_str().unwrap()]);
    assert_code(&r, 2);
    assert!(r.stderr.contains("estate.toml already exists: not overwritten"), "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(dir.path().join("estate.toml")).unwrap(), before);
    // --stdout prints what it would write and leaves the file alone.
    let r = tenantlint(&["init", "--stdout", "samples/contoso-merger"]);
    assert_code(&r, 0);
    assert!(r.stdout.contains("[[tenant]]") && r.stdout.contains("syncs_to"), "{}", r.stdout);
    let r = tenantlint(&["init", "samples/contoso-merger"]);
    assert_code(&r, 2);
    assert!(r.stderr.contains("samples/contoso-merger/estate.toml already exists"), "{}", r.stderr);
}

fn visible_subcommands() -> Vec<String> {
    let help = tenantlint(&["--help"]);
    assert_code(&help, 0);
    let mut subs = Vec::new();
    let mut inside = false;
    for line in help.stdout.lines() {
        if line.starts_with("Commands:") {
            inside = true;
        } else if inside && line.trim().is_empty() {
            break;
        } else if inside && line.starts_with("  ") && !line.starts_with("   ") {
            // A command's first line; wrapped help continues on more deeply indented lines.
            let name = line.split_whitespace().next().unwrap();
            if name != "help" {
                subs.push(name.to_string());
            }
        }
    }
    assert!(subs.len() >= 10, "{subs:?}\n{}", help.stdout);
    subs
}

/// A tool the test needs: present, or a skip message locally and a failure in CI on Linux (`.ci/run`
/// installs it there).
fn tool(name: &str, args: &[&str]) -> bool {
    let ok = std::process::Command::new(name).args(args).output().is_ok_and(|o| o.status.success());
    if !ok {
        if required_here() {
            panic!("{name} is needed and CI=true on Linux (.ci/run installs it)");
        }
        eprintln!("skipping: {name} not installed");
    }
    ok
}

#[test]
fn the_bash_completion_script_is_valid_bash_and_completes_every_subcommand() {
    let subs = visible_subcommands();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let r = tenantlint(&["completions", shell]);
        assert_code(&r, 0);
        for s in &subs {
            assert!(r.stdout.contains(s.as_str()), "{shell} completion without {s}");
        }
    }
    assert_code(&tenantlint(&["completions", "tcsh"]), 2);
    if !tool("bash", &["-c", "true"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("tenantlint.bash");
    std::fs::write(&script, tenantlint(&["completions", "bash"]).stdout).unwrap();
    let syntax = std::process::Command::new("bash").arg("-n").arg(&script).output().unwrap();
    assert!(syntax.status.success(), "bash -n: {}", String::from_utf8_lossy(&syntax.stderr));
    // Sourced, it completes the subcommands after `tenantlint ` and scan's flags after `tenantlint scan --ma`.
    let complete = |words: &str| {
        let cmd = format!(
            "source {}; COMP_WORDS=({words}); COMP_CWORD=$((${{#COMP_WORDS[@]}}-1)); COMP_LINE=\"{words}\"; COMP_POINT=${{#COMP_LINE}}; _tenantlint tenantlint \"${{COMP_WORDS[-1]}}\" \"${{COMP_WORDS[-2]}}\"; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            script.display()
        );
        let o = std::process::Command::new("bash").args(["-c", &cmd]).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    let first = complete("tenantlint ''");
    for s in &subs {
        assert!(first.lines().any(|l| l == s), "{s} not offered: {first}");
    }
    let flags = complete("tenantlint scan --max");
    assert!(flags.lines().any(|l| l == "--max-json-depth"), "{flags}");
}

#[test]
fn the_man_page_renders_and_names_every_subcommand() {
    let subs = visible_subcommands();
    let r = tenantlint(&["man"]);
    assert_code(&r, 0);
    assert!(r.stdout.contains(".TH tenantlint 1"), "{}", &r.stdout[..r.stdout.len().min(400)]);
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("tenantlint.1");
    std::fs::write(&page, &r.stdout).unwrap();
    let pages = dir.path().join("man1");
    let w = tenantlint(&["man", "--dir", pages.to_str().unwrap()]);
    assert_code(&w, 0);
    for s in &subs {
        assert!(pages.join(format!("tenantlint-{s}.1")).is_file(), "no page for {s}: {}", w.stderr);
    }
    if !tool("groff", &["--version"]) {
        return;
    }
    // Rendered as a reader sees it (groff's plain-text output, what `man -l` shows).
    let o = std::process::Command::new("groff")
        .args(["-man", "-Tutf8", "-P", "-cbou", "-ww"])
        .arg(&page)
        .env("MANWIDTH", "100")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    let warnings = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success() && warnings.trim().is_empty(), "groff: {warnings}");
    assert!(text.contains("NAME") && text.contains("SYNOPSIS") && text.contains("SUBCOMMANDS"), "{text}");
    for s in &subs {
        assert!(text.contains(&format!("tenantlint-{s}(1)")), "the rendered page does not name {s}:\n{text}");
    }
    assert!(text.contains("Exit codes"), "{text}");
    if std::process::Command::new("man").arg("--version").output().is_ok_and(|o| o.status.success()) {
        let o =
            std::process::Command::new("man").arg("-l").arg(&page).env("MANPAGER", "cat").env("PAGER", "cat").output();
        let o = o.unwrap();
        assert!(o.status.success(), "man -l: {}", String::from_utf8_lossy(&o.stderr));
        assert!(String::from_utf8_lossy(&o.stdout).contains("SUBCOMMANDS"));
    }
}

#[test]
fn the_readme_says_how_to_install_before_anything_else() {
    let readme = std::fs::read_to_string(crate_root().join("README.md")).unwrap();
    let first_screen = &readme[..readme.find("## Inputs").unwrap()];
    let install =
        first_screen.find("`cargo install --locked --path .`").expect("the install command on the first screen");
    let block = first_screen.find("```sh\n").unwrap();
    assert!(install < block, "the install comes before the other commands");
    // The first two commands stay what .ci/run and the sample story rely on.
    let commands: Vec<&str> = first_screen[block + 6..]
        .split("```")
        .next()
        .unwrap()
        .lines()
        .map(|l| l.split('#').next().unwrap().trim())
        .collect();
    assert_eq!(commands[..2], ["cargo run --release -- scan samples/contoso-merger --out out/", "cargo test --locked"]);
    assert!(first_screen.contains("(docs/collecting.md)"), "the export guide is linked from the first screen");
}

#[test]
fn the_export_guide_gives_the_commands_the_readers_ask_for() {
    use tenantlint::ingest::export;
    let guide = std::fs::read_to_string(crate_root().join("docs/collecting.md")).unwrap();
    for (what, line) in [
        ("Get-ADUser", export::ad_powershell_command("Get-ADUser", r"ad\corp\users.csv")),
        ("Get-ADGroup", export::ad_powershell_command("Get-ADGroup", r"ad\corp\groups.csv")),
        ("csvde", export::csvde_command(r"ad\corp\corp.csv")),
        ("ldifde", export::ldifde_command(r"ad\corp\corp.ldf")),
        ("Get-MgUser", export::mg_users_command(r"tenants\contoso\users.json")),
        ("Graph REST", export::graph_users_request()),
    ] {
        assert!(guide.lines().any(|l| l == line), "docs/collecting.md has no {what} line equal to\n{line}");
    }
    assert!(guide.contains(&format!("users?$select={}&", export::GRAPH_USERS_SELECT)), "the paging script's $select");
    for a in export::AD_ATTRIBUTES {
        assert!(guide.contains(&format!("`{a}`")), "{a} missing from the attribute list");
    }
    // The collector and the hints use the same lists.
    assert_eq!(tenantlint::collect::ldap::DEFAULT_ATTRIBUTES, export::AD_ATTRIBUTES);
    // Every format the readers know has a section.
    let formats = tenantlint(&["formats"]);
    for line in formats.stdout.lines() {
        let name = line.split_whitespace().next().unwrap();
        if name == "unsupported" {
            continue;
        }
        assert!(guide.contains(&format!("(`{name}`)")), "no section for format {name}");
    }
}

#[test]
fn an_in003_hint_is_the_guide_command() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("users.csv");
    std::fs::write(&csv, "\"DistinguishedName\",\"ObjectGUID\",\"SamAccountName\"\r\n\"CN=a,DC=corp,DC=contoso,DC=com\",\"35918bc9-196d-40ea-9779-889d79b753f0\",\"a\"\r\n").unwrap();
    let out = tempfile::tempdir().unwrap();
    let r = tenantlint(&["scan", "-q", csv.to_str().unwrap(), "--out", out.path().to_str().unwrap()]);
    assert_code(&r, 0);
    let report = read_report(out.path());
    let hint = findings_with_rule(&report, "IN003");
    let want = tenantlint::ingest::export::ad_powershell_command("Get-ADUser", "<file>");
    assert!(hint.iter().any(|f| f.to_string().contains(&want.replace('"', "\\\""))), "{hint:#?}");
}

#[test]
fn service_tests_are_required_only_in_linux_ci() {
    // GitHub Actions sets CI=true on every runner; only the Linux job runs .ci/run, which provides Samba and Chromium.
    assert!(required_on("linux", Some("true")));
    assert!(!required_on("macos", Some("true")));
    assert!(!required_on("windows", Some("true")));
    assert!(!required_on("linux", None));
    assert!(!required_on("linux", Some("false")));
}
