# Shared by the key-service benchmark scripts (sourced). Each script runs in a network
# namespace of its own (unshare --net: loopback only, fixed ports, nothing else listening)
# and removes its work directory and processes on exit.
# shellcheck shell=bash

# bench_enter_netns "$0" "$@": re-runs the calling script in a new network namespace,
# then makes the work directory ($bench_work) and the exit trap.
bench_enter_netns() {
  if [[ -z "${PQB_BENCH_NETNS:-}" ]]; then
    exec env PQB_BENCH_NETNS=1 unshare --net -- "$@"
  fi
  ip link set lo up
  bench_work=$(mktemp -d /tmp/pqb-bench.XXXXXX)
  bench_pids=()
  trap bench_cleanup EXIT
}

bench_cleanup() {
  local pid
  for pid in "${bench_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${bench_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$bench_work"
}

bench_die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

# bench_wait_port PORT: the listener is up (at most 10 s; the processes give no other sign).
bench_wait_port() {
  local i
  for ((i = 0; i < 100; i++)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  bench_die "nothing listens on port $1 after 10 s"
}

# bench_pki DIR ALG: a CA, the edge's certificate (edge.test) and branch-1's.
bench_pki() {
  "$PQB_SOURCE_DIR/scripts/test-pki.sh" "$1" "$2" edge.test branch-1 >/dev/null
}

# bench_edge_config FILE PKI PORT: edge-stub.toml with one site (branch-1), NAT off.
bench_edge_config() {
  cat >"$1" <<TOML
state_directory = "$2/edge-state"
log_level = "info"
listen = ["127.0.0.1:$3"]
[tls]
certificate = "$2/edge.test.pem"
private_key = "$2/edge.test.key"
ca = "$2/ca.pem"
[tunnel]
local_address = "198.51.100.1"
local_prefixes = ["10.9.0.0/16"]
[nat_traversal]
mode = "off"
[[site]]
id = "branch-1"
remote_address = "192.0.2.1"
prefixes = ["10.1.0.0/16"]
reqid = 0x7071_0001
TOML
}

# bench_start_edge CONFIG LOG: the edge (FakeKernel) in the background; waits for it.
bench_start_edge() {
  rm -f "$bench_work/edge.ready"
  "$bench_tool" edge --config "$1" --ready-file "$bench_work/edge.ready" >"$2" 2>&1 &
  bench_pids+=($!)
  local i
  for ((i = 0; i < 100; i++)); do
    [[ -f "$bench_work/edge.ready" ]] && return 0
    kill -0 "$!" 2>/dev/null || bench_die "edge exited: $(cat "$2")"
    sleep 0.1
  done
  bench_die "edge not ready after 10 s"
}

# The host's load, for the record.
bench_load() { cut -d' ' -f1-3 /proc/loadavg; }
