# Shared by the key-service benchmark scripts (sourced). Each script runs in a network
# namespace of its own (unshare --net: loopback only, fixed ports, nothing else listening)
# and removes its work directory and processes on exit.
# shellcheck shell=bash
# shellcheck source=tests/bench/bench_result.sh
source "$PQB_SOURCE_DIR/tests/bench/bench_result.sh"

# bench_enter_netns "$0" "$@": re-runs the calling script in a new network namespace,
# then makes the work directory ($bench_work) and the exit trap.
bench_enter_netns() {
  if [[ -z "${PQB_BENCH_NETNS:-}" ]]; then
    exec env PQB_BENCH_NETNS=1 unshare --net -- "$@"
  fi
  ip link set lo up
  # Measurements and baselines alike run at a higher priority than the machine's other work
  # (PQB_BENCH_NICE, default -10; 0 turns it off), so that neighbours' builds disturb them
  # less. Everything the script starts inherits it.
  renice -n "${PQB_BENCH_NICE:--10}" -p $$ >/dev/null
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

# bench_use_build BUILD_DIR: $bench_tool, the benchmark programs of that build tree.
bench_use_build() {
  bench_tool=$(cd "$1" && pwd)/tests/bench/pqb-keysvc-bench
  [[ -x "$bench_tool" ]] || bench_die "$bench_tool not built"
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

# bench_pki DIR ALG SITES: a CA, the edge's certificate (edge.test) and those of sites
# branch-1 .. branch-SITES.
bench_pki() {
  local names=(edge:edge.test) i
  for ((i = 1; i <= $3; i++)); do names+=("site:branch-$i"); done
  "$PQB_SOURCE_DIR/scripts/test-pki.sh" "$1" "$2" "${names[@]}" >/dev/null
}

# bench_edge_config FILE PKI PORT SITES [TLS_LINES]: edge-stub.toml with sites branch-1 ..
# branch-SITES (policy mode, NAT off), the edge's default limits (but no per-site generation
# rate) and log level; TLS_LINES go into its [tls] table (e.g. groups). One worker thread
# (`threads = 1`, the rates of earlier runs stay comparable; keysvc_threads.sh sets more).
bench_edge_config() {
  local i
  {
    cat <<TOML
threads = 1
state_directory = "$2/edge-state"
log_level = "info"
listen = ["127.0.0.1:$3"]
[tls]
certificate = "$2/edge.test.pem"
private_key = "$2/edge.test.key"
ca = "$2/ca.pem"
${5:-}
[tunnel]
local_address = "198.51.100.1"
local_prefixes = ["172.16.0.0/16"]
[nat_traversal]
mode = "off"
[limits]
# A benchmark rotates as fast as it can: no per-site rate limit.
generation_refill = "0s"
TOML
    for ((i = 1; i <= $4; i++)); do
      # Distinct addresses and prefixes for up to 62,500 sites.
      printf '[[site]]\nid = "branch-%d"\nremote_address = "198.18.%d.%d"\n' "$i" \
        $((i / 250)) $((i % 250 + 1))
      printf 'prefixes = ["10.%d.%d.0/24"]\nreqid = 0x%08x\n' $((i / 250)) $((i % 250 + 1)) \
        $((0x70710000 + i))
    done
  } >"$1"
}

# bench_start_edge CONFIG LOG [SECONDS (10)]: the edge (FakeKernel) in the background; waits
# for it to be ready.
bench_start_edge() {
  rm -f "$bench_work/edge.ready"
  "$bench_tool" edge --config "$1" --ready-file "$bench_work/edge.ready" >"$2" 2>&1 &
  bench_pids+=($!)
  local i
  for ((i = 0; i < ${3:-10} * 10; i++)); do
    [[ -f "$bench_work/edge.ready" ]] && return 0
    kill -0 "$!" 2>/dev/null || bench_die "edge exited: $(cat "$2")"
    sleep 0.1
  done
  bench_die "edge not ready after ${3:-10} s"
}

# The host's load, for the record.
bench_load() { cut -d' ' -f1-3 /proc/loadavg; }

# bench_tally KIND COUNT SECONDS: one run of KIND into the calling script's associative arrays
# n[KIND] and t[KIND] (totals) and per_round[KIND] (the runs' rates); appends " KIND RATE" to
# its $line. Rates are totals over totals: rate KIND.
bench_tally() {
  n[$1]=$(( ${n[$1]:-0} + $2 ))
  t[$1]=$(awk -v x="${t[$1]:-0}" -v y="$3" 'BEGIN { print x + y }')
  local r
  r=$(awk -v n="$2" -v t="$3" 'BEGIN { printf "%.1f", n / t }')
  per_round[$1]+="$r "
  line+=" $1 $r"
}
rate() { awk -v n="${n[$1]}" -v t="${t[$1]}" 'BEGIN { printf "%.1f", n / t }'; }

# bench_median_ratio "A1 A2 ..." "B1 B2 ...": the median of the rounds' ratios Ai / Bi. A burst
# of other work on the machine moves single runs by 2x or more, and a round's runs are
# seconds apart.
bench_median_ratio() {
  paste -d' ' <(tr ' ' '\n' <<<"$1") <(tr ' ' '\n' <<<"$2") |
    awk 'NF == 2 && $2 > 0 { print $1 / $2 }' | sort -g |
    awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.2f", m }'
}
