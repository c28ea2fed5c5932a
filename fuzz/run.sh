#!/usr/bin/env bash
# Runs every fuzz target (or the ones named) for a bounded time each with cargo-fuzz / libFuzzer.
#
#   fuzz/run.sh                     # every target, 30 s each
#   FUZZ_SECONDS=600 fuzz/run.sh ldif graph_json
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
rss_mb="${FUZZ_RSS_MB:-1024}"
max_len="${FUZZ_MAX_LEN:-65536}"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo fuzz list)
fi
cargo fuzz build -O >/dev/null
status=0
for t in "${targets[@]}"; do
  scratch="target/corpus-$t"
  mkdir -p "$scratch" "corpus/$t"
  echo "== $t (${seconds}s)"
  if ! cargo fuzz run -O "$t" "$scratch" "corpus/$t" -- \
      -max_total_time="$seconds" -rss_limit_mb="$rss_mb" -max_len="$max_len" -timeout=10 \
      -print_final_stats=1 2>&1 | tee "target/fuzz-$t.log" | grep -E "^(stat::number_of_executed_units|==[0-9]+== ERROR|SUMMARY|Done)"; then
    :
  fi
  if grep -q -E "ERROR: libFuzzer|deadly signal|panicked at|SUMMARY: " "target/fuzz-$t.log"; then
    echo "!! $t crashed: see fuzz/target/fuzz-$t.log and fuzz/artifacts/$t/"
    status=1
  fi
done
exit $status
