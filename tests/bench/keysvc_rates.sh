#!/bin/bash
# Benchmark (label bench, not the gate): the edge key service's rotations per second over
# loopback, full mutual-TLS X25519MLKEM768 handshakes, against `openssl s_server` +
# `openssl s_time` with the same certificates, group and cipher suites (forced with an
# OPENSSL_CONF file), with ECDSA P-256 and with ML-DSA-65 chains; then the same rotations
# with psk_dhe_ke resumption against the full-handshake rate. The edge serves 128 sites and
# the load client rotates them in turn (one connection at a time, like s_time). Runs alternate (edge, s_time,
# edge resumed, s_time -reuse) ROUNDS times, SECONDS each, so load changes hit all alike.
#   keysvc_rates.sh BUILD_DIR [SECONDS (2)] [ROUNDS (8)] [ALG... (ecdsa mldsa65)]
# Exits non-zero only if something does not work (a failed exchange, another group).
set -euo pipefail
PQB_SOURCE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$PQB_SOURCE_DIR/tests/bench/bench_lib.sh"
bench_enter_netns "$0" "$@"

bench_use_build "$1"
seconds=${2:-2}
rounds=${3:-8}
if (( $# > 3 )); then algs=("${@:4}"); else algs=(ecdsa mldsa65); fi

edge_port=8443
# Rotations go round-robin over this many sites (see bench_rotate.cpp). Enough that at
# ~500 rotations/s no site keeps more old inbound SAs in their 5-second grace period than
# its state file may hold (64 records): 128 sites is ~4 rotations/s, ~20 in grace, each.
sites=128
openssl_port=4433
# The baseline's TLS settings, as pqbranch's contexts have them (docs/crypto.md).
cat >"$bench_work/openssl.cnf" <<'CNF'
openssl_conf = openssl_init
[openssl_init]
ssl_conf = ssl_module
[ssl_module]
system_default = tls_defaults
[tls_defaults]
MinProtocol = TLSv1.3
Groups = X25519MLKEM768
Ciphersuites = TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256
CNF
export OPENSSL_CONF=$bench_work/openssl.cnf

# `openssl s_time` (verifying the edge's chain, as our client does): "N connections in T
# real seconds", both numbers.
s_time() {
  local pki=$1; shift
  openssl s_time -connect "127.0.0.1:$openssl_port" -www / -time "$seconds" -verify 2 \
    -cert "$pki/branch-1.pem" -key "$pki/branch-1.key" -CAfile "$pki/ca.pem" "$@" 2>&1 |
    awk '/connections in .* real seconds/ { print $1, $4; exit }'
}
# rotations and seconds of one edge run.
rotate() {
  local pki=$1; shift
  local out
  out=$("$bench_tool" rotate --port "$edge_port" --pki "$pki" --sites "$sites" \
    --seconds "$seconds" "$@") || bench_die "rotate failed"
  [[ "$out" == *" group X25519MLKEM768 "* ]] || bench_die "not X25519MLKEM768: $out"
  if [[ " $* " == *" --resume "* ]]; then
    local n r
    n=$(awk '{ print $2 }' <<<"$out"); r=$(awk '{ print $8 }' <<<"$out")
    (( r >= n - sites )) || bench_die "only $r of $n handshakes resumed: $out"
  fi
  awk '{ print $2, $4, $12 }' <<<"$out"
}

echo "bench: load before: $(bench_load); $(nproc) CPU(s); ${seconds}s per run, $rounds round(s);" \
  "nice $(nice)"
for alg in "${algs[@]}"; do
  pki=$bench_work/pki-$alg
  bench_pki "$pki" "$alg" "$sites"
  bench_edge_config "$bench_work/edge-$alg.toml" "$pki" "$edge_port" "$sites"
  bench_start_edge "$bench_work/edge-$alg.toml" "$bench_work/edge-$alg.log"
  edge_pid=${bench_pids[-1]}
  openssl s_server -accept "127.0.0.1:$openssl_port" -cert "$pki/edge.test.pem" \
    -key "$pki/edge.test.key" -CAfile "$pki/ca.pem" -Verify 1 -www -quiet \
    >"$bench_work/s_server-$alg.log" 2>&1 &
  bench_pids+=($!)
  server_pid=$!
  bench_wait_port "$openssl_port"
  # The baseline really negotiates the same group with the same certificates.
  brief=$(openssl s_client -connect "127.0.0.1:$openssl_port" -brief -cert "$pki/branch-1.pem" \
    -key "$pki/branch-1.key" -CAfile "$pki/ca.pem" </dev/null 2>&1 || true)
  [[ "$brief" == *X25519MLKEM768* ]] || bench_die "s_server did not negotiate X25519MLKEM768: $brief"

  # Per kind: rotations or connections and seconds over all rounds; per round: the rates.
  declare -A n=() t=() per_round=()
  for ((round = 1; round <= rounds; round++)); do
    line="bench: $alg round $round:"
    for kind in edge s_time resumed s_time_reuse; do
      case $kind in
        edge) read -r a b sig < <(rotate "$pki") ;;
        s_time) read -r a b < <(s_time "$pki" -new) ;;
        resumed) read -r a b _ < <(rotate "$pki" --resume) ;;
        s_time_reuse) read -r a b < <(s_time "$pki" -reuse) ;;
      esac
      [[ -n "$a" && -n "$b" ]] || bench_die "$kind run gave no result"
      bench_tally "$kind" "$a" "$b"
    done
    echo "$line /s; load $(bench_load)"
  done
  ratio() { awk -v a="$(rate "$1")" -v b="$(rate "$2")" 'BEGIN { printf "%.2f", a / b }'; }
  median_ratio() { bench_median_ratio "${per_round[$1]}" "${per_round[$2]}"; }
  echo "bench: $alg chain (edge signature $sig), X25519MLKEM768, mutual TLS:"
  echo "bench:   edge rotations/s, full handshakes      $(rate edge)"
  echo "bench:   openssl s_time connections/s (-new)     $(rate s_time)"
  echo "bench:   ratio edge / s_time                     $(ratio edge s_time) (median of rounds $(median_ratio edge s_time))   (target >= 0.9)"
  echo "bench:   edge rotations/s, psk_dhe_ke resumed    $(rate resumed)"
  echo "bench:   ratio resumed / full                    $(ratio resumed edge) (median of rounds $(median_ratio resumed edge))   (target >= 3)"
  echo "bench:   openssl s_time connections/s (-reuse)   $(rate s_time_reuse)   (for reference)"
  kill -TERM "$edge_pid" "$server_pid"
  wait "$edge_pid" || bench_die "edge did not stop cleanly: $(tail -5 "$bench_work/edge-$alg.log")"
  wait "$server_pid" 2>/dev/null || true
  grep -E '^edge_handshakes_total' "$bench_work/edge-$alg.log" | sed 's/^/bench:   edge metric /'
  totals=$(awk '/^edge_(offers|acks|refusals)_total/ { split($1, m, "{"); sum[m[1]] += $2 }
       END { for (k in sum) printf "%s %d\n", k, sum[k] }' "$bench_work/edge-$alg.log" | sort)
  awk '{ printf "bench:   edge metric %s (all sites) %s\n", $1, $2 }' <<<"$totals"
  total() { awk -v k="$1" '$1 == k { v = $2 } END { print v + 0 }' <<<"$totals"; }
  bench_result "keysvc_rates.$alg" "chain=$alg signature=$sig rounds=$rounds seconds=$seconds" \
    "edge_per_s=$(rate edge) s_time_per_s=$(rate s_time) ratio=$(ratio edge s_time)" \
    "median_ratio=$(median_ratio edge s_time) resumed_per_s=$(rate resumed)" \
    "resumed_ratio=$(ratio resumed edge) resumed_median_ratio=$(median_ratio resumed edge)" \
    "s_time_reuse_per_s=$(rate s_time_reuse) offers=$(total edge_offers_total)" \
    "acks=$(total edge_acks_total) refusals=$(total edge_refusals_total)"
  bench_pids=()
  unset n t per_round
done
echo "bench: load after: $(bench_load)"
