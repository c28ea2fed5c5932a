//! End-to-end scale benchmark: runs the real `tenantlint` binary on synthetic estates written by the
//! hidden `tenantlint generate` subcommand and reports, per size, the wall time of a full `scan`
//! (read, graph, every rule family, JSON and HTML reports), of `scan --parse-only` (the parse floor), their
//! ratio, the peak RSS of each child process (`wait4` rusage), input bytes, RSS / input and objects per
//! second, and the time of a plain read of the same files (every file read whole and its lines counted,
//! what `wc -l` does) with the ratio of `--parse-only` to it: how far ingest is from the speed of memory.
//! A plain program (`harness = false`), not a timed test.
//!
//! ```sh
//! cargo bench --bench scale                                   # sizes 10k,100k,1M
//! TENANTLINT_BENCH_SIZES=10k,100k,1M,5M cargo bench --bench scale
//! TENANTLINT_BENCH_DIR=/data/estates TENANTLINT_BENCH_REPS=3 cargo bench --bench scale
//! ```
//!
//! Estates are generated once into `TENANTLINT_BENCH_DIR` (default `target/bench-estates`) and reused;
//! `TENANTLINT_BENCH_SEED` (default 1) picks another estate. Each measurement is the fastest of
//! `TENANTLINT_BENCH_REPS` runs (default 3 up to 100k objects, 1 above) and the largest peak RSS.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const BIN: &str = env!("CARGO_BIN_EXE_tenantlint");

fn parse_count(s: &str) -> u64 {
    let t = s.trim();
    let (n, m) = match t.chars().last() {
        Some('k' | 'K') => (&t[..t.len() - 1], 1_000),
        Some('m' | 'M') => (&t[..t.len() - 1], 1_000_000),
        _ => (t, 1),
    };
    n.parse::<u64>().unwrap_or_else(|_| panic!("bad size {s:?}")) * m
}

fn label(n: u64) -> String {
    if n >= 1_000_000 && n.is_multiple_of(1_000_000) {
        format!("{}M", n / 1_000_000)
    } else if n >= 1_000 && n.is_multiple_of(1_000) {
        format!("{}k", n / 1_000)
    } else {
        n.to_string()
    }
}

/// The child is reaped by `wait4` (which also yields its own rusage), not by `Child::wait`.
#[allow(clippy::zombie_processes)]
/// Runs a command to completion; returns (wall seconds, peak RSS bytes, exit code, CPU seconds).
fn run(cmd: &mut Command) -> (f64, u64, i32, f64) {
    let start = Instant::now();
    let child = cmd.spawn().expect("spawn tenantlint");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: rusage is plain data; wait4 reaps exactly our child and fills it.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut ru) };
    let wall = start.elapsed().as_secs_f64();
    assert_eq!(r, pid, "wait4 failed");
    let code = if libc::WIFEXITED(status) { libc::WEXITSTATUS(status) } else { -1 };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    (wall, ru.ru_maxrss as u64 * 1024, code, secs(ru.ru_utime) + secs(ru.ru_stime))
}

fn dir_bytes(p: &Path) -> u64 {
    let mut n = 0;
    for e in std::fs::read_dir(p).into_iter().flatten().flatten() {
        let m = e.metadata().unwrap();
        n += if m.is_dir() { dir_bytes(&e.path()) } else { m.len() };
    }
    n
}

/// Reads every file under `p` whole and counts its lines (`wc -l`): the floor any reader is compared to.
/// Returns the lines, so the work cannot be optimised away.
fn plain_read(p: &Path) -> usize {
    let mut lines = 0;
    for e in std::fs::read_dir(p).into_iter().flatten().flatten() {
        if e.metadata().unwrap().is_dir() {
            lines += plain_read(&e.path());
        } else {
            lines += memchr::memchr_iter(b'\n', &std::fs::read(e.path()).unwrap()).count();
        }
    }
    lines
}

fn main() {
    // `cargo bench` passes `--bench`; ignore any arguments.
    let sizes: Vec<u64> = std::env::var("TENANTLINT_BENCH_SIZES")
        .unwrap_or_else(|_| "10k,100k,1M".into())
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(parse_count)
        .collect();
    let seed: u64 = std::env::var("TENANTLINT_BENCH_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(1);
    let root = std::env::var_os("TENANTLINT_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-estates"));
    let reps_env: Option<usize> = std::env::var("TENANTLINT_BENCH_REPS").ok().and_then(|s| s.parse().ok());
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    eprintln!("tenantlint scale benchmark: {BIN}, {cores} core(s), seed {seed}");

    let mut rows = Vec::new();
    for &n in &sizes {
        let dir = root.join(format!("{}-seed{seed}", label(n)));
        let done = dir.join(".complete");
        if !done.exists() {
            let _ = std::fs::remove_dir_all(&dir);
            eprintln!("generating {} objects into {} …", label(n), dir.display());
            let (t, _, code, _) = run(Command::new(BIN)
                .arg("generate")
                .arg(&dir)
                .arg("--objects")
                .arg(n.to_string())
                .arg("--seed")
                .arg(seed.to_string()));
            assert_eq!(code, 0, "generate failed");
            eprintln!("  generated in {t:.1} s");
            std::fs::write(&done, b"").unwrap();
        }
        let input = dir_bytes(&dir);
        let out = std::env::temp_dir().join(format!("tenantlint-bench-out-{}", std::process::id()));
        let reps = reps_env.unwrap_or(if n <= 100_000 { 3 } else { 1 });
        let mut read = f64::MAX;
        for _ in 0..reps.max(2) {
            let start = Instant::now();
            std::hint::black_box(plain_read(&dir));
            read = read.min(start.elapsed().as_secs_f64());
        }
        let mut parse = (f64::MAX, 0u64, f64::MAX);
        let mut full = (f64::MAX, 0u64, f64::MAX);
        for _ in 0..reps {
            let (t, rss, code, cpu) = run(Command::new(BIN).args(["scan", "--parse-only", "-q"]).arg(&dir));
            assert_eq!(code, 0, "scan --parse-only failed");
            parse = (parse.0.min(t), parse.1.max(rss), parse.2.min(cpu));
            let (t, rss, code, cpu) = run(Command::new(BIN)
                .args(["scan", "-q", "--format", "json,html", "--fail-on", "none", "--out"])
                .arg(&out)
                .arg(&dir));
            assert_eq!(code, 0, "scan failed");
            full = (full.0.min(t), full.1.max(rss), full.2.min(cpu));
        }
        let size = |f: &str| std::fs::metadata(out.join(f)).map(|m| m.len()).unwrap_or(0);
        let (report, html) = (size("report.json"), size("report.html"));
        let _ = std::fs::remove_dir_all(&out);
        let mb = |b: u64| b as f64 / 1e6;
        let row = format!(
            "| {} | {:.0} | {:.2} | {:.2} | {:.1} | {:.2} | {:.2} | {:.1} / {:.1} | {:.0} | {:.0} | {:.2} | {:.2} | {:.0} | {:.0} / {:.0} |",
            label(n),
            mb(input),
            read,
            parse.0,
            parse.0 / read,
            full.0,
            full.0 / parse.0,
            parse.2,
            full.2,
            mb(parse.1),
            mb(full.1),
            parse.1 as f64 / input as f64,
            full.1 as f64 / input as f64,
            n as f64 / full.0,
            mb(report),
            mb(html),
        );
        eprintln!("{row}");
        rows.push(row);
    }
    println!(
        "| objects | input MB | plain read s | parse-only s | parse / read | full scan s | scan / parse | CPU s parse / scan | parse RSS MB | scan RSS MB | parse RSS / input | scan RSS / input | objects/s (scan) | report.json / .html MB |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for r in rows {
        println!("{r}");
    }
}
