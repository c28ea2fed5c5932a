#!/usr/bin/env bash
# Runs every fuzz target (or the ones named) for a bounded time each with cargo-fuzz / libFuzzer.
#
#   fuzz/run.sh                     # every target, 30 s each
#   FUZZ_SECONDS=600 fuzz/run.sh ldif graph_json
#   FUZZ_RUNS=10000000 FUZZ_SECONDS=0 fuzz/run.sh anchor   # stop after 10 million executions
#
# Built with -O (optimised), -a (debug assertions and overflow checks on, so an arithmetic
# overflow is a crash) and without a sanitizer by default (FUZZ_SANITIZER=address to add ASan:
# the readers are safe Rust, and ASan costs about half the executions).
#
# FUZZ_TIMEOUT (seconds, default 10) is libFuzzer's per-input wall-clock limit. Raise it when the
# fuzzers may be paused (SIGSTOP, e.g. to benchmark on a quiet machine): a pause counts against the
# input being run and would be reported as a timeout.
#
# Needs `cargo install cargo-fuzz`. libFuzzer and the sanitizers need nightly compiler flags; on a
# stable toolchain RUSTC_BOOTSTRAP=1 unlocks them (set below unless already set). New corpus entries
# go to a scratch folder (fuzz/target/corpus-<target>); the committed seeds in fuzz/corpus/<target>/
# are only read. Crashes land in fuzz/artifacts/<target>/: copy each into fuzz/regressions/<target>/
# and add a named test to tests/it/regression.rs. Not part of CI (nightly flags, time);
# `cargo test` replays the corpus and the regressions on stable.
set -euo pipefail
cd "$(dirname "$0")"
export RUSTC_BOOTSTRAP="${RUSTC_BOOTSTRAP:-1}"
seconds="${FUZZ_SECONDS:-30}"
runs="${FUZZ_RUNS:--1}"
sanitizer="${FUZZ_SANITIZER:-none}"
rss_mb="${FUZZ_RSS_MB:-1024}"
max_len="${FUZZ_MAX_LEN:-8192}"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo fuzz list)
fi
cargo fuzz build -O -a -s "$sanitizer" >/dev/null
status=0
for t in "${targets[@]}"; do
  scratch="target/corpus-$t"
  mkdir -p "$scratch" "corpus/$t"
  echo "== $t (${seconds}s, runs $runs)"
  rc=0
  cargo fuzz run -O -a -s "$sanitizer" "$t" "$scratch" "corpus/$t" -- \
      -max_total_time="$seconds" -runs="$runs" -rss_limit_mb="$rss_mb" -max_len="$max_len" -timeout="${FUZZ_TIMEOUT:-10}" \
      -print_final_stats=1 >"target/fuzz-$t.log" 2>&1 || rc=$?
  grep -E "^(stat::number_of_executed_units|==[0-9]+== ERROR|SUMMARY|Done)" "target/fuzz-$t.log" || true
  if [ "$rc" -ne 0 ] || grep -q -E "ERROR: libFuzzer|deadly signal|panicked at|SUMMARY: " "target/fuzz-$t.log"; then
    echo "!! $t failed (exit $rc: a crash, or the target did not build): see fuzz/target/fuzz-$t.log and fuzz/artifacts/$t/"
    status=1
  fi
done
exit $status
