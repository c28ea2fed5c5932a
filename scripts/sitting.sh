#!/usr/bin/env bash
# Scale sitting (README, Performance): old, prev and new binaries side by side on generated estates,
# runs interleaved so that the VM's drifting speed hits them alike. Prints one line per run (wall,
# user, system time, peak RSS) and the report digests of every full scan (report.json less
# `generated_at`, the HTML page less its generation line), which must agree across binaries.
#
#   scripts/sitting.sh OLD_BIN PREV_BIN NEW_BIN [ESTATES_DIR]
#
# ESTATES_DIR (default /tmp) holds gen1m, gen2m and gen10m, written by
# `tenantlint generate --objects 1M ESTATES_DIR/gen1m` (and 2M, 10M; 10M is ~9 GB). As root, the page
# cache is emptied before the small estates and before 10M, so no estate competes with another.
set -u
old=$1 prev=$2 new=$3 dir=${4:-/tmp}
run() { # label bin estate po|full
  local label=$1 bin=$2 est=$3 out
  out=$(mktemp -d)
  local args=(--parse-only)
  [ "$4" = full ] && args=(--format "json,html" --as-of 2026-12-01T00:00:00Z)
  /usr/bin/time -f "$label | wall %e s | user %U s | sys %S s | maxrss %M KB" "$bin" scan "$est" "${args[@]}" -q \
    --out "$out" >/dev/null 2>"$out.err"
  tail -1 "$out.err"
  if [ "$4" = full ]; then
    echo "$label report md5 $(grep -v '"generated_at"' "$out/report.json" | md5sum | cut -c1-12)" \
      "html md5 $(grep -v 'class="meta">Generated' "$out/report.html" | md5sum | cut -c1-12)"
  fi
  rm -rf "$out" "$out.err"
}
drop() { sync; if [ -w /proc/sys/vm/drop_caches ]; then echo 1 >/proc/sys/vm/drop_caches; else echo "(page cache not emptied: not root)"; fi; }
plain() { # estate: read once to cache it, then time a plain read
  find "$1" -type f -exec cat {} + >/dev/null
  local t0; t0=$(date +%s.%N)
  find "$1" -type f -exec cat {} + | wc -l >/dev/null
  echo "$(basename "$1") plain read $(echo "$(date +%s.%N) - $t0" | bc) s"
}
drop; plain "$dir/gen1m"; plain "$dir/gen2m"
for r in 1 2 3; do
  run "gen1m-po-old-$r" "$old" "$dir/gen1m" po; run "gen1m-po-new-$r" "$new" "$dir/gen1m" po
  run "gen2m-po-old-$r" "$old" "$dir/gen2m" po; run "gen2m-po-new-$r" "$new" "$dir/gen2m" po
  run "gen1m-full-new-$r" "$new" "$dir/gen1m" full; run "gen2m-full-new-$r" "$new" "$dir/gen2m" full
done
run gen1m-full-old-1 "$old" "$dir/gen1m" full; run gen1m-full-prev-1 "$prev" "$dir/gen1m" full
run gen2m-full-old-1 "$old" "$dir/gen2m" full; run gen2m-full-prev-1 "$prev" "$dir/gen2m" full
if [ -d "$dir/gen10m" ]; then
  drop; plain "$dir/gen10m"
  run gen10m-po-old-1 "$old" "$dir/gen10m" po; run gen10m-po-new-1 "$new" "$dir/gen10m" po
  run gen10m-full-new-1 "$new" "$dir/gen10m" full
  run gen10m-po-new-2 "$new" "$dir/gen10m" po; run gen10m-po-old-2 "$old" "$dir/gen10m" po
fi
