#!/usr/bin/env bash
# Quick A/B of the work after the parse (README, Performance): interleaved full scans (JSON + HTML) of
# one estate with TENANTLINT_TIMINGS=1; per binary the median wall time, the "read and attribute"
# stage, wall minus that stage (the time after the parse: steadier on a noisy VM than whole-run
# walls, since the parse's speed drifts most) and CPU time.
#
#   scripts/after-parse.sh ROUNDS ESTATE BIN...
#
# e.g. `scripts/after-parse.sh 5 /tmp/gen1m /tmp/tl-old target/release/tenantlint`.
set -u
rounds=$1 est=$2; shift 2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for _ in $(seq "$rounds"); do
  for b in "$@"; do
    rm -rf "$out/r"
    res=$( { TENANTLINT_TIMINGS=1 /usr/bin/time -f "WALL %e %U %S" "$b" scan "$est" --format json,html \
      --as-of 2026-12-01T00:00:00Z -q --out "$out/r"; } 2>&1 >/dev/null )
    wall=$(echo "$res" | awk '/^WALL/{print $2, $3, $4}')
    parse=$(echo "$res" | awk '/^timing: read and attribute/{print $5}')
    echo "$b $wall $parse"
  done
done | python3 -c '
import sys, statistics as st, collections
runs = collections.defaultdict(list)
for line in sys.stdin:
    p = line.split()
    if len(p) == 5:
        runs[p[0]].append([float(x) for x in p[1:]])
for b, v in runs.items():
    wall = [x[0] for x in v]; parse = [x[3] for x in v]; after = [x[0] - x[3] for x in v]
    cpu = [x[1] + x[2] for x in v]
    print("%-28s wall %.2f (%.2f-%.2f)  parse %.2f  after the parse %.2f (%.2f-%.2f)  CPU %.1f s"
          % (b[-28:], st.median(wall), min(wall), max(wall), st.median(parse), st.median(after), min(after),
             max(after), st.median(cpu)))
'
