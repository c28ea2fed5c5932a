#!/usr/bin/env bash
# Refactoring check: runs two tenantlint binaries over the same estates and compares every report
# they write (report.json less `generated_at`, CSV, SARIF, JUnit, fix files, sync preview, IdFix CSV)
# and the exit codes. Prints one line per estate and exits 1 on the first difference list.
#
#   scripts/same-output.sh OLD_BIN NEW_BIN [EXTRA_ESTATE_DIR...]
#
# Estates: samples/*, every folder and file under tests/fixtures/ (each scanned on its own, with
# --keep-going so broken inputs are compared too), and any extra folder given (e.g. a generated
# 1M-object estate: `tenantlint generate --objects 1M --out /tmp/gen1m`).
set -u
old=$1 new=$2; shift 2
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
estates=("$root"/samples/* "$root"/tests/fixtures/*/ "$@")
fail=0
run() { # bin outdir estate extra-args...
  local bin=$1 out=$2 est=$3; shift 3
  mkdir -p "$out"
  "$bin" scan "$est" --as-of 2026-12-01T00:00:00Z --keep-going -q --out "$out" "$@" \
    >"$out.stdout" 2>"$out.stderr"
  echo "exit $?" >>"$out.stdout"
  [ -f "$out/report.json" ] && sed -i '/"generated_at"/d' "$out/report.json"
  # Wall-clock times: the fix files' run line and SARIF's endTimeUtc.
  find "$out" -type f \( -name '*.ldf' -o -name '*.ps1' \) -exec sed -i '/[Gg]enerated/d; /^# Run /d' {} +
  [ -f "$out/report.sarif" ] && sed -i 's/"endTimeUtc": *"[^"]*"/"endTimeUtc": ""/' "$out/report.sarif"
  sed -i "s#$out#OUT#g" "$out.stdout" "$out.stderr"
}
i=0
for est in "${estates[@]}"; do
  [ -e "$est" ] || continue
  for mode in default idfix; do
    i=$((i+1))
    args=(--format json,csv,sarif,junit,ldif-fix,ps1-fix,sync-preview)
    [ "$mode" = idfix ] && args=(--idfix multi-tenant --format json,csv,idfix-csv)
    run "$old" "$work/old$i" "$est" "${args[@]}"
    run "$new" "$work/new$i" "$est" "${args[@]}"
    if diff -r "$work/old$i" "$work/new$i" >"$work/diff$i" && diff "$work/old$i.stdout" "$work/new$i.stdout" >>"$work/diff$i" \
       && diff "$work/old$i.stderr" "$work/new$i.stderr" >>"$work/diff$i"; then
      echo "same       $mode ${est#"$root"/}"
    else
      echo "DIFFERENT  $mode ${est#"$root"/}"; head -40 "$work/diff$i"; fail=1
    fi
  done
done
exit $fail
