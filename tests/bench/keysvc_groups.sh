#!/bin/bash
# Benchmark (label bench, not the gate): hybrid against classical key exchange in the key
# service. The same rotations (full mutual-TLS handshakes, ECDSA P-256 chain, 128 sites in
# turn) with X25519MLKEM768 (the default), SecP384r1MLKEM1024 and X25519 alone (what an
# operator gets with allow_classical), against one edge that accepts all three. Runs
# alternate the groups ROUNDS times, SECONDS each; the ratios are medians of the rounds'
# ratios to X25519MLKEM768. Each group rotates its own 128 sites: a site's next request must
# not come while its previous generation is still draining (the edge refuses it as busy).
#   keysvc_groups.sh BUILD_DIR [SECONDS (2)] [ROUNDS (8)]
set -euo pipefail
PQB_SOURCE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$PQB_SOURCE_DIR/tests/bench/bench_lib.sh"
bench_enter_netns "$0" "$@"

bench_use_build "$1"
seconds=${2:-2}
rounds=${3:-8}
groups=(X25519MLKEM768 SecP384r1MLKEM1024 X25519)
edge_port=8443
sites=128  # per group

echo "bench: load before: $(bench_load); $(nproc) CPU(s); ${seconds}s per run, $rounds round(s);" \
  "nice $(nice)"
pki=$bench_work/pki-ecdsa
bench_pki "$pki" ecdsa $((sites * ${#groups[@]}))
bench_edge_config "$bench_work/edge.toml" "$pki" "$edge_port" $((sites * ${#groups[@]})) \
  'groups = ["X25519MLKEM768", "SecP384r1MLKEM1024", "X25519"]
allow_classical = true'
bench_start_edge "$bench_work/edge.toml" "$bench_work/edge.log"
edge_pid=${bench_pids[-1]}

declare -A n=() t=() per_round=()
for ((round = 1; round <= rounds; round++)); do
  line="bench: round $round:"
  for g in "${!groups[@]}"; do
    group=${groups[$g]}
    out=$("$bench_tool" rotate --port "$edge_port" --pki "$pki" --sites "$sites" \
      --first-site $((g * sites + 1)) --seconds "$seconds" --group "$group") ||
      bench_die "rotate with $group failed"
    [[ "$out" == *" group $group "* ]] || bench_die "asked for $group, negotiated: $out"
    read -r a b < <(awk '{ print $2, $4 }' <<<"$out")
    bench_tally "$group" "$a" "$b"
  done
  echo "$line /s; load $(bench_load)"
done
echo "bench: key service rotations/s by key exchange group (ECDSA P-256 chain, mutual TLS):"
for group in "${groups[@]}"; do
  ratio=$(bench_median_ratio "${per_round[$group]}" "${per_round[X25519MLKEM768]}")
  printf 'bench:   %-20s %7s /s   ratio to X25519MLKEM768 %s (median of rounds)\n' "$group" \
    "$(rate "$group")" "$ratio"
  bench_result "keysvc_groups.$group" "group=$group rounds=$rounds seconds=$seconds" \
    "rotations_per_s=$(rate "$group") median_ratio=$ratio"
done
kill -TERM "$edge_pid"
wait "$edge_pid" || bench_die "edge did not stop cleanly: $(tail -5 "$bench_work/edge.log")"
grep -E '^edge_handshakes_total' "$bench_work/edge.log" | sed 's/^/bench:   edge metric /'
echo "bench: load after: $(bench_load)"
