#!/usr/bin/env bash
# CPU cost of each stage (README, Performance): full scans of one estate with one worker thread
# (RAYON_NUM_THREADS=1) and TENANTLINT_TIMINGS=1, binaries alternating, the smallest time of each
# stage printed per binary. With one thread a stage's time is its CPU time, not shared with the
# other families, so a change to one rule family shows in its own line; on this kind of VM the
# smallest of two or three runs is steadier than wall time of the parallel scan.
#
#   scripts/stages.sh RUNS ESTATE BIN...
#
# e.g. `scripts/stages.sh 3 /tmp/gen1m /tmp/tl-old target/release/tenantlint`.
set -u
runs=$1 est=$2; shift 2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for _ in $(seq "$runs"); do
  for b in "$@"; do
    rm -rf "$out/r"
    RAYON_NUM_THREADS=1 TENANTLINT_TIMINGS=1 "$b" scan "$est" --format json,html --as-of 2026-12-01T00:00:00Z \
      -q --out "$out/r" 2>&1 >/dev/null | grep '^timing' | grep -v '^timing: read /' | sed "s#^timing: #$b|#"
  done
done | python3 -c '
import sys, re, collections
times, order = collections.defaultdict(list), []
for line in sys.stdin:
    # "<stage>  <seconds> s", newer binaries adding "(process cpu <seconds> s)".
    m = re.match(r"(.+?)\|(.*?)\s+([0-9.]+) s(?:\s+\(process cpu [^)]*\))?\s*$", line.rstrip())
    if not m:
        continue
    b, stage, t = m.groups()
    if stage not in order:
        order.append(stage)
    times[(stage, b)].append(float(t))
bins = list(dict.fromkeys(b for _, b in times))
print("%-58s" % "stage (smallest of the runs, s)" + "".join("%14s" % b[-13:] for b in bins))
for s in order:
    print("%-58s" % s[:58] + "".join("%14s" % ("%.3f" % min(times[(s, b)]) if (s, b) in times else "-") for b in bins))
'
