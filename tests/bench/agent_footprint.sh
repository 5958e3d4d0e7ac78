#!/bin/bash
# Benchmark (label bench, not the gate): the agent's rotation latency (p50/p99 over
# ROTATIONS rotations on loopback, FakeKernel, ML-DSA-65 and ECDSA chains, with and without
# psk_dhe_ke resumption) and its private memory (Private_Clean + Private_Dirty of
# /proc/PID/smaps_rollup) once one tunnel is established. Compared with strongSwan's charon
# when one is installed (its idle private memory, measured the same way), else with the
# published figure (about 10.6 MiB).
# Rotations every 200 ms: both sides keep the inbound SAs of the last 5 s (the grace
# period) and their state files list them, so faster rotation would measure a state no real
# site has (rotating every few minutes, it holds one or two).
#   agent_footprint.sh BUILD_DIR [ROTATIONS (150)] [ALG... (ecdsa mldsa65)]
set -euo pipefail
PQB_SOURCE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$PQB_SOURCE_DIR/tests/bench/bench_lib.sh"
bench_enter_netns "$0" "$@"

bench_use_build "$1"
rotations=${2:-150}
if (( $# > 2 )); then algs=("${@:3}"); else algs=(ecdsa mldsa65); fi
edge_port=8443

# agent.toml for branch-1 (policy mode, NAT off, production log level).
agent_config() {
  local file=$1 pki=$2 state=$3
  cat >"$file" <<TOML
state_directory = "$state"
log_level = "info"
status_socket = "$state/run/agent.sock"
[tls]
certificate = "$pki/branch-1.pem"
private_key = "$pki/branch-1.key"
ca = "$pki/ca.pem"
[edge]
endpoints = ["127.0.0.1:$edge_port"]
name = "edge.test"
[tunnel]
mode = "policy"
local_address = "192.0.2.1"
remote_address = "198.51.100.1"
local_prefixes = ["10.1.0.0/16"]
remote_prefixes = ["172.16.0.0/16"]
reqid = 0x7071_0001
[nat_traversal]
mode = "off"
TOML
}

echo "bench: load before: $(bench_load); $(nproc) CPU(s); $rotations rotations per run; nice $(nice)"
for alg in "${algs[@]}"; do
  pki=$bench_work/pki-$alg
  bench_pki "$pki" "$alg" 1
  bench_edge_config "$bench_work/edge-$alg.toml" "$pki" "$edge_port" 1
  bench_start_edge "$bench_work/edge-$alg.toml" "$bench_work/edge-$alg.log"
  for mode in resume no-resume; do
    state=$bench_work/agent-$alg-$mode
    agent_config "$bench_work/agent-$alg-$mode.toml" "$pki" "$state"
    flags=()
    [[ $mode == no-resume ]] && flags=(--no-resume)
    out=$("$bench_tool" agent --config "$bench_work/agent-$alg-$mode.toml" \
      --rotations "$rotations" --seconds 120 --interval-ms 200 "${flags[@]}" 2>"$state.log") ||
      bench_die "agent failed: $(tail -5 "$state.log")"
    echo "bench: $alg, $mode:"
    sed 's/^/bench:   /' <<<"$out"
    # The program's lines, "memory WHEN private_kib N ..." and "latency WHAT rotations N
    # p50_us N p99_us N max_us N", as one result line.
    bench_result "agent_footprint.$alg.$mode" "chain=$alg mode=$mode" "$(awk '
      $1 == "memory" { printf "private_kib_%s=%s ", $2, $4 }
      $1 == "latency" { printf "%s_rotations=%s %s_p50_us=%s %s_p99_us=%s %s_max_us=%s ",
                        $2, $4, $2, $6, $2, $8, $2, $10 }' <<<"$out")"
  done
  kill -TERM "${bench_pids[-1]}"
  wait "${bench_pids[-1]}" || true
  bench_pids=()
done
echo "bench: targets: latency keys_in_use p99 <= 5000 us (ack adds the outbound drain); private memory with one tunnel <= 8192 KiB"

charon=""
for c in /usr/lib/ipsec/charon /usr/libexec/ipsec/charon; do [[ -x $c ]] && charon=$c; done
if [[ -n "$charon" ]]; then
  "$charon" >"$bench_work/charon.log" 2>&1 &
  bench_pids+=($!)
  sleep 3  # charon loads its plugins; there is nothing else to wait on for an idle daemon
  read -r clean dirty < <(awk '/^Private_Clean/ { c = $2 } /^Private_Dirty/ { d = $2 } END { print c, d }' \
    "/proc/${bench_pids[-1]}/smaps_rollup")
  echo "bench: charon idle: private_kib $((clean + dirty)) (clean $clean, dirty $dirty)"
else
  echo "bench: charon: not installed here; strongSwan's charon idles at about 10.6 MiB (10854 KiB)"
fi
echo "bench: load after: $(bench_load)"
