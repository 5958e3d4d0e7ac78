#!/usr/bin/env bash
# Benchmarks (label bench): never part of the gate, never fail on a target; they print
# ratios against baselines measured in the same run. The output goes to
# build/release/bench.log (after the machine's description); scripts/bench_report.py then
# writes docs/benchmarks.md, docs/bench/*.svg and appends to docs/bench/history.tsv, also
# when a benchmark failed (the report names it; the exit code is still ctest's).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
"$top/scripts/build.sh" release
log=$top/build/release/bench.log
python3 "$top/scripts/bench_report.py" --describe-machine | tee "$log"
status=0
ctest --test-dir build/release -L '^bench$' --output-on-failure --no-tests=ignore -V 2>&1 |
  tee -a "$log" || status=$?
python3 "$top/scripts/bench_report.py" "$log"
exit "$status"
