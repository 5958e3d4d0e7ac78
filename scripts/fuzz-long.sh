#!/usr/bin/env bash
# Long fuzzing runs, outside the gate: builds the fuzz preset's targets, then runs every fuzz
# test CTest knows (tests/CMakeLists.txt, label fuzz) with its own corpus, dictionary and
# artifact folder, but for up to RUNS executions or SECONDS each instead of 30 s, one at a
# time at the lowest CPU priority. Prints one Markdown row per target (the columns of
# docs/security.md "Fuzzing"); each target's full output is kept in build/fuzz/long/.
#
#   scripts/fuzz-long.sh [RUNS [SECONDS [TARGET...]]]   defaults: 10000000, 600, all targets
#
# New inputs land in build/fuzz/tests/fuzz/<target>/corpus, crash inputs in .../artifacts;
# a crash input goes into tests/fuzz/corpus/<corpus>/ as a regression seed with its fix.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
runs=${1:-10000000}
seconds=${2:-600}
shift $(($# < 2 ? $# : 2))

cmake --preset fuzz >/dev/null
CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-1} \
  cmake --build --preset fuzz --target pqb_fuzzers >/dev/null
out=build/fuzz/long
mkdir -p "$out"

# name <TAB> working directory <TAB> the test's command with the long budget (0x1f-separated).
commands=$(ctest --test-dir build/fuzz -L '^fuzz$' --show-only=json-v1 |
  python3 -c '
import json, sys
runs, seconds, wanted = sys.argv[1], sys.argv[2], set(sys.argv[3:])
for t in json.load(sys.stdin)["tests"]:
    name = t["name"].removeprefix("fuzz.")
    if wanted and name not in wanted:
        continue
    props = {p["name"]: p["value"] for p in t.get("properties", [])}
    cmd = [a for a in t["command"] if not a.startswith("-max_total_time=")]
    cmd[1:1] = ["-max_total_time=" + seconds, "-runs=" + runs, "-print_final_stats=1"]
    print(name, props.get("WORKING_DIRECTORY", "."), "\x1f".join(cmd), sep="\t")
' "$runs" "$seconds" "$@")

printf '| target | date | executions | edges (cov) | corpus | crash inputs |\n'
printf '|---|---|---|---|---|---|\n'
status=0
while IFS=$'\t' read -r name dir cmd; do
  IFS=$'\x1f' read -r -a argv <<<"$cmd"
  log=$out/$name.log
  rc=0
  (cd "$dir" && nice -n 19 "${argv[@]}") >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  corpus=$(grep -o 'corp: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  crashes=$(find "$dir/artifacts" -type f | wc -l)
  printf '| `%s` | %s | %s | %s | %s | %s |\n' "$name" "$(date -u +%F)" "${execs:-?}" \
    "${cov:-?}" "${corpus:-?}" "$crashes"
  ((rc == 0)) || { echo "fuzz-long: $name exited $rc, see $log" >&2; status=1; }
done <<<"$commands"
exit "$status"
