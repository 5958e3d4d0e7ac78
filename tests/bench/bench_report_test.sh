#!/bin/bash
# scripts/bench_report.py on tests/bench/sample-bench.log (cut from a real run; its
# bench.agent_memory failed before it measured anything; bench.ikev2_initiator's lines come
# from a later run of that benchmark alone): the tables hold the sample's
# figures, the failed benchmark is named, the run's results reach the history and every
# chart is an SVG with its axis label. Then on tests/bench/sample-threads-bench.log (the
# first run of bench.keysvc_threads alone): its table and its ratios in the history.
#   bench_report_test.sh SOURCE_DIR
set -euo pipefail
src=$1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
python3 "$src/scripts/bench_report.py" "$src/tests/bench/sample-bench.log" --docs "$out" >/dev/null
doc=$out/benchmarks.md

expect() {
  grep -qF -- "$2" "$1" || { printf 'FAIL: %s lacks: %s\n' "$1" "$2"; exit 1; }
}
expect "$doc" '| 1000 × 5 | 2,585.5 | 1,301.0 | 1.99 (1.99) | 1.61 1.70 2.80 |'
expect "$doc" '| ecdsa | 420.0 | 475.3 | 0.88 (0.87) | 612.2 | 1.46 (1.45) | 912.7 | 16522 / 16522 / 0 |'
expect "$doc" '| SecP384r1MLKEM1024 | 271.0 | 0.65 |'
expect "$doc" '| 2 | 10000 | 10000 | 39.597 | 252.5 | 3.89 / 5.71 |'
expect "$doc" '| 10000 | 9.1 | 1 | 9796 / 63660 / 75352 | 5.39 / 6.56 | 202 | 2.71 |'
expect "$doc" '| mldsa65 | no-resume | 5.7 / 9.5 | 106.1 / 109.9 | 2480 / 2664 |'
expect "$doc" '| x25519_mlkem768 | cert | 50 × 5 | 7.33 | 5.89 | **1.24** (1.17) | 113.3 / 140.8 |'
expect "$doc" '| **13000** (10904 + 2096) | **11808** (9276 + 2532) | 1.10 (0.83) | 15024 / 11816 |'
expect "$doc" 'keys_in_use p99 ≤ 5 ms: **missed**'
# shellcheck disable=SC2016  # the backquotes are markdown's
expect "$doc" '**1 of 7 benchmarks did not pass: `bench.agent_memory` (Failed).**'
# shellcheck disable=SC2016
expect "$doc" '| `bench.agent_memory` | **Failed** | 12.79 | 0 |'
expect "$doc" '| git revision | 3d3fa75 |'
expect "$doc" '| 3d3fa75 2026-12-05 08:32 | 1.99 | 0.88 | 1.03 | 1.46 | 2.61 | 0.65 | 1.07 | 1.24 |'
rows=$(grep -c $'\t3d3fa75\tlog\t' "$out/bench/history.tsv")
[[ $rows == 15 ]] || { echo "FAIL: history.tsv has $rows rows of the run, expected 15"; exit 1; }

for chart in ratios:ratio groups:rotations/s agent_latency:ms memory:KiB scale:rotations/s history:ratio; do
  svg=$out/bench/${chart%%:*}.svg
  [[ -s $svg ]] || { echo "FAIL: no $svg"; exit 1; }
  expect "$svg" '<svg'
  expect "$svg" ">${chart#*:}<"
  expect "$doc" "![${chart%%:*}](bench/${chart%%:*}.svg)"
done
# The IKEv2 peer's memory beside the tunnel's: the agent's and charon's bars.
expect "$out/bench/memory.svg" 'agent IKEv2 x25519_mlkem768.cert (VM, real)'
expect "$out/bench/memory.svg" 'charon IKEv2 x25519_mlkem768.cert (VM, real)'

threads=$out/threads
python3 "$src/scripts/bench_report.py" "$src/tests/bench/sample-threads-bench.log" \
  --docs "$threads" >/dev/null
expect "$threads/benchmarks.md" '| 1 | 8 | 2 | 430.9 | 1.00 (1.00) | 0.83 | 3.69 4.31 4.94 |'
expect "$threads/benchmarks.md" '| 4 | 8 | 2 | 427.7 | 0.99 (0.99) | 0.99 | 3.88 4.34 4.95 |'
expect "$threads/benchmarks.md" '| run | threads_2: ÷ 1 thread | threads_4: ÷ 1 thread |'
rows=$(grep -c $'\tkeysvc_threads\t' "$threads/bench/history.tsv")
[[ $rows == 3 ]] || { echo "FAIL: history.tsv has $rows keysvc_threads rows, expected 3"; exit 1; }
echo "bench_report: sample logs reported as expected"
