#!/bin/bash
# Benchmark (label bench, not the gate): one edge's rotations/s with 1, 2 and 4 worker
# threads (edge-stub.toml `threads`) under the same load. Three edges (FakeKernel, release
# build), alike but for `threads`, each with 128 sites and its own state; one load client
# process (`pqb-keysvc-bench rotate --concurrency N`: N client threads at once, each
# rotating its share of the sites; full mutual-TLS X25519MLKEM768 handshakes with an ECDSA
# P-256 chain, generation request, exporter keys, ack) runs SECONDS against each edge in
# turn, ROUNDS times. Reported per thread count: rotations/s, the ratio to 1 thread (of the
# totals, and the median of the rounds' ratios) and the CPU the edge used (cores busy).
#   keysvc_threads.sh BUILD_DIR [SECONDS (2)] [ROUNDS (6)] [CONCURRENCY (8)]
set -euo pipefail
PQB_SOURCE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$PQB_SOURCE_DIR/tests/bench/bench_lib.sh"
bench_enter_netns "$0" "$@"

bench_use_build "$1"
seconds=${2:-2}
rounds=${3:-6}
concurrency=${4:-8}
counts=(1 2 4)
sites=128
pki=$bench_work/pki

cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%d", ($14 + $15) * 1000 / hz }' "/proc/$1/stat"; }

echo "bench: load before: $(bench_load); $(nproc) CPU(s); ${seconds}s per run, $rounds round(s)," \
  "$concurrency client thread(s); nice $(nice)"
"$bench_tool" pki --dir "$pki" --sites "$sites" >/dev/null || bench_die "pki failed"
declare -A port=() pid=() cpu=()
for th in "${counts[@]}"; do
  port[$th]=$((8440 + th))
  config=$bench_work/edge-$th.toml
  bench_edge_config "$config" "$pki" "${port[$th]}" "$sites"
  sed -i -e "s|^threads = 1\$|threads = $th|" \
    -e "s|^state_directory = .*|state_directory = \"$bench_work/state-$th\"|" "$config"
  bench_start_edge "$config" "$bench_work/edge-$th.log"
  pid[$th]=${bench_pids[-1]}
  cpu[$th]=0
  grep -q ", $th thread(s)" "$bench_work/edge-$th.log" ||
    bench_die "edge threads=$th does not say so: $(cat "$bench_work/edge-$th.log")"
  echo "bench: edge threads=$th: $(awk '/^Threads:/ { print $2 }' "/proc/${pid[$th]}/status")" \
    "thread(s) in its process"
done

declare -A n=() t=() per_round=()
for ((round = 1; round <= rounds; round++)); do
  line="bench: round $round:"
  for th in "${counts[@]}"; do
    before=$(cpu_ms "${pid[$th]}")
    out=$("$bench_tool" rotate --port "${port[$th]}" --pki "$pki" --sites "$sites" \
      --seconds "$seconds" --concurrency "$concurrency") ||
      bench_die "rotate against the edge with $th thread(s) failed"
    cpu[$th]=$((cpu[$th] + $(cpu_ms "${pid[$th]}") - before))
    read -r a b < <(awk '{ print $2, $4 }' <<<"$out")
    bench_tally "threads_$th" "$a" "$b"
  done
  echo "$line /s; load $(bench_load)"
done

echo "bench: edge rotations/s by worker threads ($concurrency client threads, $(nproc) CPU(s)):"
for th in "${counts[@]}"; do
  key=threads_$th
  ratio=$(awk -v a="$(rate "$key")" -v b="$(rate threads_1)" 'BEGIN { printf "%.2f", a / b }')
  median=$(bench_median_ratio "${per_round[$key]}" "${per_round[threads_1]}")
  cores=$(awk -v c="${cpu[$th]}" -v s="${t[$key]}" 'BEGIN { printf "%.2f", c / 1000 / s }')
  printf 'bench:   %d thread(s) %7s /s   ratio to 1 thread %s (median of rounds %s), edge busy %s core(s)\n' \
    "$th" "$(rate "$key")" "$ratio" "$median" "$cores"
  bench_result "keysvc_threads.$key" \
    "threads=$th concurrency=$concurrency cpus=$(nproc) rounds=$rounds seconds=$seconds" \
    "rotations_per_s=$(rate "$key") ratio=$ratio median_ratio=$median edge_cores=$cores"
done
for th in "${counts[@]}"; do
  kill -TERM "${pid[$th]}"
  wait "${pid[$th]}" || bench_die "edge threads=$th did not stop cleanly: $(tail -5 "$bench_work/edge-$th.log")"
  grep -E '^edge_(handshakes|refusals|connections_refused|connections_evicted)_total' \
    "$bench_work/edge-$th.log" | sed "s/^/bench:   edge threads=$th metric /"
done
bench_pids=()
echo "bench: load after: $(bench_load)"
