#!/bin/bash
# Benchmark (label bench, not the gate): one edge serving many sites (default 10,000), as a
# real edge would. Site certificates come from an in-process test PKI (ECDSA P-256); the load
# client (one bounded process, one connection at a time) rotates every site in turn, PASSES
# times: full mutual-TLS X25519MLKEM768 handshake, generation request, exporter keys, ack.
# Reported: rotations/s and latency p50/p99 per pass; the edge's private memory idle with one
# site, idle with all, and after the passes (so per site); its state directory; its CPU time
# per rotation; its threads.
#   keysvc_scale.sh BUILD_DIR [SITES (10000)] [PASSES (2)]
set -euo pipefail
PQB_SOURCE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$PQB_SOURCE_DIR/tests/bench/bench_lib.sh"
bench_enter_netns "$0" "$@"

bench_use_build "$1"
sites=${2:-10000}
passes=${3:-2}
port=8443
pki=$bench_work/pki

# The edge's private memory (KiB: Private_Clean + Private_Dirty) and CPU time (ms).
private_kib() { awk '/^Private_(Clean|Dirty):/ { kib += $2 } END { print kib }' "/proc/$1/smaps_rollup"; }
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%d", ($14 + $15) * 1000 / hz }' "/proc/$1/stat"; }
stop_edge() {
  kill -TERM "$1"
  wait "$1" || bench_die "edge did not stop cleanly"
  bench_pids=()
}

echo "bench: load before: $(bench_load); $(nproc) CPU(s); $sites sites, $passes pass(es); nice $(nice)"
t0=$(date +%s.%N)
"$bench_tool" pki --dir "$pki" --sites "$sites" || bench_die "pki failed"
echo "bench: PKI of $sites sites issued in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"

bench_edge_config "$bench_work/edge-1.toml" "$pki" "$port" 1
bench_start_edge "$bench_work/edge-1.toml" "$bench_work/edge-1.log"
one=$(private_kib "${bench_pids[-1]}")
stop_edge "${bench_pids[-1]}"
rm -rf "$pki/edge-state"

bench_edge_config "$bench_work/edge.toml" "$pki" "$port" "$sites"
t0=$(date +%s.%N)
bench_start_edge "$bench_work/edge.toml" "$bench_work/edge.log" 300
edge=${bench_pids[-1]}
start_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
threads=$(awk '/^Threads:/ { print $2 }' "/proc/$edge/status")
echo "bench: edge with $sites sites ready in $start_s s, $threads thread(s)"
idle=$(private_kib "$edge")
cpu0=$(cpu_ms "$edge")
total=0
for ((pass = 1; pass <= passes; pass++)); do
  out=$("$bench_tool" rotate --port "$port" --pki "$pki" --sites "$sites" --count "$sites" \
    --seconds 1200) || bench_die "rotate failed in pass $pass"
  read -r n t rate p50 p99 < <(awk '{ print $2, $4, $6, $14, $16 }' <<<"$out")
  (( n == sites )) || bench_die "pass $pass: $n of $sites rotations in the time allowed"
  total=$((total + n))
  echo "bench: pass $pass: $n rotations in $t s: $rate /s, latency p50 $p50 ms p99 $p99 ms; load $(bench_load)"
  bench_result "keysvc_scale.pass$pass" "sites=$sites pass=$pass rotations=$n seconds=$t" \
    "rotations_per_s=$rate p50_ms=$p50 p99_ms=$p99"
done
cpu1=$(cpu_ms "$edge")
after=$(private_kib "$edge")
state_bytes=$(du -sb "$pki/edge-state" | cut -f1)
state_files=$(find "$pki/edge-state" -type f | wc -l)
per_site=$(awk -v a="$after" -v o="$one" -v n="$sites" 'BEGIN { printf "%.2f", (a - o) / n }')
per_site_idle=$(awk -v a="$idle" -v o="$one" -v n="$sites" 'BEGIN { printf "%.2f", (a - o) / n }')
state_per_site=$(awk -v b="$state_bytes" -v n="$sites" 'BEGIN { printf "%.0f", b / n }')
cpu_per_rotation=$(awk -v c=$((cpu1 - cpu0)) -v n="$total" 'BEGIN { printf "%.2f", c / n }')
echo "bench: edge private memory: 1 site idle $one KiB; $sites sites idle $idle KiB; after $total rotations $after KiB"
echo "bench: per site: $per_site KiB (after the passes), $per_site_idle KiB (idle)"
echo "bench: state directory: $state_bytes bytes in $state_files files ($state_per_site bytes per site)"
echo "bench: edge CPU per rotation: $cpu_per_rotation ms ($((cpu1 - cpu0)) ms for $total rotations)"
bench_result keysvc_scale.edge "sites=$sites start_s=$start_s threads=$threads" \
  "private_kib_one_site=$one private_kib_idle=$idle private_kib_after=$after" \
  "kib_per_site_idle=$per_site_idle kib_per_site_after=$per_site" \
  "state_bytes_per_site=$state_per_site cpu_ms_per_rotation=$cpu_per_rotation"
stop_edge "$edge"
echo "bench: load after: $(bench_load)"
