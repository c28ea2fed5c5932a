//! Accuracy on large messy estates: writes an estate with ground truth (`tenantlint generate --messy`),
//! scans it with the real binary and prints the per-category table of `tenantlint::accuracy` and the
//! wrong findings by rule. A plain program (`harness = false`): it reports, it does not fail.
//!
//! ```sh
//! cargo bench --bench accuracy                                          # 20k AD users, seed 1
//! TENANTLINT_ACCURACY_SIZE=100k TENANTLINT_ACCURACY_SEEDS=1,2,3 cargo bench --bench accuracy
//! ```
//!
//! Estates are written into `TENANTLINT_BENCH_DIR` (default `target/accuracy-estates`) and reused.

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;
use tenantlint::accuracy::{self, Targets, Truth};

const BIN: &str = env!("CARGO_BIN_EXE_tenantlint");

fn main() {
    let size = std::env::var("TENANTLINT_ACCURACY_SIZE").unwrap_or_else(|_| "20k".into());
    let seeds: Vec<u64> = std::env::var("TENANTLINT_ACCURACY_SEEDS")
        .unwrap_or_else(|_| "1".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let root = std::env::var_os("TENANTLINT_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/accuracy-estates"));
    for seed in seeds {
        let dir = root.join(format!("messy-{size}-seed{seed}"));
        let (estate, truth_path, out) = (dir.join("estate"), dir.join("truth.json"), dir.join("out"));
        if !truth_path.exists() {
            let st = Command::new(BIN)
                .args(["generate", "--messy"])
                .arg(&estate)
                .arg("--truth")
                .arg(&truth_path)
                .args(["--objects", &size, "--seed", &seed.to_string()])
                .status()
                .expect("run tenantlint generate");
            assert!(st.success(), "generate failed");
        }
        let truth: Truth = serde_json::from_str(&std::fs::read_to_string(&truth_path).unwrap()).unwrap();
        let start = Instant::now();
        let st = Command::new(BIN)
            .args(["scan", "-q"])
            .arg(&estate)
            .args(["--as-of", &truth.as_of, "--out"])
            .arg(&out)
            .status()
            .expect("run tenantlint scan");
        assert!(st.success(), "scan failed");
        let secs = start.elapsed().as_secs_f64();
        let report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
        let score = accuracy::score(&accuracy::report_findings(&report), &truth);
        println!(
            "## messy estate size {size}, seed {seed}: {} planted, {} near-misses, scan {secs:.2} s\n",
            truth.planted.len(),
            truth.near_misses.len()
        );
        println!("{}", score.table());
        println!("{}", score.problems(3));
        for f in score.failures(&Targets::default()) {
            println!("target missed: {f}");
        }
    }
}
