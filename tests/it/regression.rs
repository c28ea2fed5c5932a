//! Fuzzing on stable: every fuzz target's body (`fuzz/common/mod.rs`) replayed over its corpus
//! (`fuzz/corpus/<target>/`) and over every crash the fuzzers found (`fuzz/regressions/<target>/`),
//! plus one named test per crash, stating what the input must now give.

#[path = "../../fuzz/common/mod.rs"]
mod fuzz_common;

use crate::util::crate_root;
use tenantlint::ingest::{self, Options, Status};
use tenantlint::source::FileId;

fn replay(folder: &str) -> usize {
    let mut n = 0;
    for target in fuzz_common::TARGETS {
        let dir = crate_root().join(folder).join(target);
        let Ok(rd) = std::fs::read_dir(&dir) else { continue };
        let mut files: Vec<_> = rd.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.is_file()).collect();
        files.sort();
        for f in files {
            let data = std::fs::read(&f).unwrap();
            let r = std::panic::catch_unwind(|| fuzz_common::run(target, &data));
            assert!(r.is_ok(), "fuzz target {target} panicked on {}", f.display());
            n += 1;
        }
    }
    n
}

#[test]
fn fuzz_corpus_replays_without_panic() {
    assert!(replay("fuzz/corpus") >= fuzz_common::TARGETS.len(), "every target has a corpus");
}

#[test]
fn fuzz_crashes_replay_without_panic() {
    replay("fuzz/regressions");
}

/// Every target on a few generic hostile inputs.
#[test]
fn every_target_survives_generic_hostile_inputs() {
    let deep = "[".repeat(100_000);
    let inputs: Vec<Vec<u8>> = vec![
        vec![],
        b"\xEF\xBB\xBF".to_vec(),
        b"\xFF\xFE".to_vec(),
        b"\xFF\xFEa".to_vec(),
        vec![0; 64],
        b"\"".to_vec(),
        deep.into_bytes(),
        "{\"value\":[".repeat(10_000).into_bytes(),
        "é,ü\r\n\"".repeat(50).into_bytes(),
        b"dn:: \xff\xfe\n objectGUID:: ===\n".to_vec(),
    ];
    for target in fuzz_common::TARGETS {
        for data in &inputs {
            fuzz_common::run(target, data);
        }
    }
}

#[allow(dead_code)]
fn read(data: &[u8]) -> (tenantlint::ingest::InputReport, tenantlint::ingest::Extract) {
    ingest::read_bytes(FileId(0), data, &Options::default())
}

#[allow(dead_code)]
fn failed(data: &[u8]) -> tenantlint::ingest::ReadError {
    match read(data).0.status {
        Status::Failed(e) => e,
        s => panic!("expected a failure, got {s:?}"),
    }
}

/// A damaged roadrecon.db whose column name is not UTF-8 (found by mutation fuzzing): rusqlite's
/// `column_names()` panicked on it; the reader now takes the names from `PRAGMA table_info` as bytes.
#[test]
fn roadrecon_column_name_that_is_not_utf8_is_read_not_a_panic() {
    let data = std::fs::read(crate_root().join("fuzz/regressions/roadrecon/non-utf8-column-name.db")).unwrap();
    let (report, _) = read(&data);
    assert_eq!(report.kind, "roadrecon");
    assert!(matches!(report.status, Status::Read | Status::Failed(_)), "{:?}", report.status);
}
