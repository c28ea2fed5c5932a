//! Shell completions and man pages, generated from the clap declarations in [`crate::cli`] so they
//! never drift from the real flags: `tenantlint completions SHELL` and `tenantlint man [--dir DIR]`.
//! The release archives ship both (see `.github/workflows/release.yml`).

use crate::cli::Cli;
use clap::CommandFactory;
use clap_complete::Shell;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The binary's name as users type it.
const BIN: &str = "tenantlint";

/// Writes the completion script for `shell`.
pub fn completions(shell: Shell, out: &mut dyn Write) {
    let mut cmd = Cli::command();
    clap_complete::generate(shell, &mut cmd, BIN, out);
}

/// Writes the main man page (`tenantlint.1`, roff): synopsis, options, every visible subcommand,
/// exit codes, version.
pub fn man_page(out: &mut dyn Write) -> std::io::Result<()> {
    clap_mangen::Man::new(Cli::command()).render(out)
}

/// Writes `tenantlint.1` and one page per visible subcommand (`tenantlint-scan.1`, …) into `dir`
/// (created if missing) and returns the files written, in order.
pub fn write_man_pages(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    write_pages(Cli::command(), BIN, dir, &mut written)?;
    Ok(written)
}

fn write_pages(cmd: clap::Command, name: &str, dir: &Path, written: &mut Vec<PathBuf>) -> std::io::Result<()> {
    // A page's title is the full command name (`tenantlint-collect-ldap`), so subcommand pages
    // neither collide nor read as separate programs.
    let cmd = cmd.name(name.to_string()).bin_name(name.replace('-', " "));
    let path = dir.join(format!("{name}.1"));
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd.clone()).title(name).render(&mut buf)?;
    std::fs::write(&path, buf)?;
    written.push(path);
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set() && s.get_name() != "help") {
        write_pages(sub.clone(), &format!("{name}-{}", sub.get_name()), dir, written)?;
    }
    Ok(())
}

/// Names of the visible top-level subcommands (what completions and the man page must mention).
pub fn visible_subcommands() -> Vec<String> {
    Cli::command().get_subcommands().filter(|s| !s.is_hide_set()).map(|s| s.get_name().to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut buf = Vec::new();
        f(&mut buf);
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn every_shell_gets_a_script_naming_every_visible_subcommand() {
        let subs = visible_subcommands();
        for must in ["scan", "init", "completions", "man", "collect", "diff"] {
            assert!(subs.iter().any(|s| s == must), "{must} missing from {subs:?}");
        }
        assert!(!subs.iter().any(|s| s == "generate" || s == "score"), "hidden commands are not listed: {subs:?}");
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish, Shell::PowerShell, Shell::Elvish] {
            let script = text(|b| completions(shell, b));
            for s in &subs {
                assert!(script.contains(s.as_str()), "{shell}: no {s}");
            }
            assert!(script.contains("max-json-depth"), "{shell}: scan flags missing");
        }
    }

    #[test]
    fn the_man_page_lists_every_visible_subcommand_and_the_exit_codes() {
        let page = text(|b| man_page(b).unwrap());
        assert!(page.starts_with(".ie \\n(.g .ds Aq") || page.contains(".TH tenantlint 1"), "{}", &page[..200]);
        for s in visible_subcommands() {
            assert!(page.contains(&format!("tenantlint\\-{s}")) || page.contains(&s), "no {s}");
        }
        assert!(page.contains("Exit codes"));
    }

    #[test]
    fn one_page_per_visible_subcommand() {
        let dir = tempfile::tempdir().unwrap();
        let written = write_man_pages(dir.path()).unwrap();
        let names: Vec<String> =
            written.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
        assert_eq!(names[0], "tenantlint.1");
        for s in visible_subcommands() {
            assert!(names.contains(&format!("tenantlint-{s}.1")), "{s}: {names:?}");
        }
        assert!(names.contains(&"tenantlint-collect-ldap.1".to_string()), "{names:?}");
        assert!(names.contains(&"tenantlint-baseline-write.1".to_string()), "{names:?}");
        let scan = std::fs::read_to_string(dir.path().join("tenantlint-scan.1")).unwrap();
        assert!(scan.contains(".TH tenantlint-scan 1"), "{}", &scan[..scan.len().min(300)]);
        assert!(scan.contains("tenantlint\\-scan \\- Read exports"), "{}", &scan[..scan.len().min(300)]);
        assert!(scan.contains("max\\-json\\-depth"));
    }
}
