# The tunnel topology with pqbranch's real programs: pqbranch-agent on the branch router,
# pqbranch-edge-stub on the edge, keys rotating over real ESP. For VM scenarios, the
# README demo (scripts/demo.sh runs tests/vm/guest/demo_view.sh) and fault scenarios.
# Source it after scenario_lib.sh:
#   source "$PQB_SOURCE_DIR/tests/vm/guest/scenario_lib.sh"
#   source "$PQB_SOURCE_DIR/tests/vm/guest/tunnel_lib.sh"
#
#   blan 10.1.0.2 -- 10.1.0.1 br 192.0.2.1 ===underlay=== 192.0.2.2 edge 10.2.0.1 -- 10.2.0.2 elan
#   (TUN_NS_BLAN)     (TUN_NS_BR, agent)                    (TUN_NS_EDGE, edge-stub)  (TUN_NS_ELAN)
#
# With TUN_UNDERLAY=nat a router namespace TUN_NS_NAT sits on the underlay:
#   br 192.0.2.1 --- 192.0.2.254 nat 198.51.100.254 --- 198.51.100.2 edge
# It forwards without translating until the caller's tun_nat_hook (a function the caller
# defines before tun_topology; called with the NAT namespace's name, its inside and outside
# interfaces) installs e.g. nftables source NAT. Then the edge learns the site's address
# (no remote_address in edge-stub.toml) and NAT-T (TUN_NAT) decides encapsulation.
#
# Knobs: set these variables before tun_topology / tun_configure (defaults in brackets).
#   TUN_NS_BLAN TUN_NS_BR TUN_NS_NAT TUN_NS_EDGE TUN_NS_ELAN   [lan1 gw1 nat gw2 lan2];
#                        the demo's direct path uses unique names (TUN_NS_PREFIX=...)
#   TUN_UNDERLAY         direct | nat [direct]
#   TUN_MODE             route | policy [route]            (tunnel.mode; edge: site if_id)
#   TUN_SIGALG           mldsa65 | ecdsa [mldsa65]         (the test PKI's chain)
#   TUN_INTERVAL TUN_JITTER                  [1s 0s]       (agent [rotation])
#   TUN_SOFT_TIME TUN_HARD_TIME              [30s 60s]     ([lifetime], both programs)
#   TUN_SOFT_BYTES TUN_HARD_BYTES            [0 0]
#   TUN_NAT              off | auto | force [off]          (agent nat_traversal.mode)
#   TUN_EDGE_NAT         [$TUN_NAT]                        (edge nat_traversal.mode)
#   TUN_KEEPALIVE        [20s]
#   TUN_CONNECT_TIMEOUT TUN_BACKOFF_INITIAL TUN_BACKOFF_MAX [5s 200ms 2s]
#   TUN_LOG_LEVEL TUN_EDGE_LOG_LEVEL         [info info]
#   TUN_REPLICA_PORTS    [""]  ports of further edge-stub replicas (tun_start_edge_replica),
#                        the agent's [edge] endpoints after TUN_PORT, in this order
#   TUN_HEALTH_INTERVAL  [""]  set: the agent's [health] probes the edge's LAN address
#                        (10.2.0.1) this often; TUN_HEALTH_TIMEOUT [1s],
#                        TUN_HEALTH_DOWN_AFTER [3], TUN_HEALTH_FAILOVER_AFTER [1m],
#                        TUN_HEALTH_ENABLED [true] (false: the section without probes)
#   TUN_CHECK_CONFIG     [1]   0: tun_configure writes the files without running check-config
#                        (each run is an exec of both ASan programs; a reload checks anyway)
#   TUN_AGENT_ENV        array of NAME=VALUE for the agent's environment, e.g.
#                        (PQB_FAULT_KILL_AT=add_sa:3); read at each tun_start_agent
#   TUN_EDGE_ENV         the same for the edge-stub
#   TUN_DIR              work directory: PKI, configs, state, socket [/tmp/pqb-tunnel]
# Logs go to $PQB_VM_OUT/agent.log and edge.log, appended across restarts (each start
# writes a "=== tunnel_lib: start N" line first).
#
# Functions:
#   tun_topology                  namespaces, veths, forwarding, routes (policy mode)
#   tun_pki                       scripts/test-pki.sh: CA + edge:edge.test + site:branch-001 (TUN_SIGALG)
#   tun_configure                 write $TUN_DIR/agent.toml and edge-stub.toml from the knobs
#   tun_start_edge, tun_start_agent   start in the background (pid in vm_pid[edge|agent]);
#                                 wait until the edge listens / the agent's status answers
#   tun_start_edge_replica PORT   another edge-stub (name edge-PORT: its log, pid, tun_stop
#                                 edge-PORT) with edge-stub.toml listening on PORT; the same
#                                 state directory, so like a restart it adopts the site's
#                                 state and SAs. The edge reads its state only at start: start
#                                 a replica when the one serving the site has stopped
#   tun_stop_edge [SIG], tun_stop_agent [SIG]   signal (default TERM) and reap; SIGTERM must
#                                 end it with exit 0, any other signal's exit is accepted; a
#                                 process already dead is only reaped; exit code in tun_exit[NAME]
#   tun_up                        all of the above in order (topology, pki, configure, edge, agent)
#   tun_status [--json]           `pqbranch-agent status --socket` in the branch namespace
#   tun_json_field JSON KEY       first "KEY": scalar in a JSON text (no jq in the build root)
#   tun_json_object JSON KEY      the flat object "KEY":{...} (no nested objects), e.g. health
#   tun_reload_agent              SIGHUP to the agent (it re-reads agent.toml)
#   tun_generation                the agent's current generation (0 before the first)
#   tun_log_generation            the newest generation the agent's log says it installed
#   tun_wait_generation N [SECS]  wait until that is >= N (cheap: reads the log)
#   tun_sas NS                    the namespace's pqbranch SAs: "dir spi packets" per line,
#                                 dir = out (src is the namespace's outer address) or in
#   tun_sa_count NS DIR           how many of them
#   tun_esp_packets NS DIR        packets over all SAs of that direction (live counters)
#   tun_consistent                0 when both sides hold one matching SA set: agent idle, one
#                                 outbound SA each side, each outbound SA's SPI installed
#                                 inbound at the peer, outbound = the status's SPIs, and at
#                                 most two inbound SAs per side (current + one retiring)
#   tun_expect_consistent [SECS]  wait for tun_consistent, print both SA sets, fail if never
#   tun_stream_start RATE [PORT]  vm_stream_start from blan to elan: a sequence-numbered
#                                 UDP stream until vm_stream_stop (scenario_lib.sh: the
#                                 vm_stream_* functions that read, stop and check it)
#   tun_xfrm_errors               non-zero /proc/net/xfrm_stat counters of both routers
#   tun_down                      stop both programs, flush, delete the namespaces (the
#                                 demo's direct path; the VM is thrown away anyway)
# shellcheck shell=bash

: "${TUN_NS_PREFIX:=}"
: "${TUN_NS_BLAN:=${TUN_NS_PREFIX}lan1}" "${TUN_NS_BR:=${TUN_NS_PREFIX}gw1}"
: "${TUN_NS_NAT:=${TUN_NS_PREFIX}nat}" "${TUN_NS_EDGE:=${TUN_NS_PREFIX}gw2}"
: "${TUN_NS_ELAN:=${TUN_NS_PREFIX}lan2}"
: "${TUN_UNDERLAY:=direct}" "${TUN_MODE:=route}" "${TUN_SIGALG:=mldsa65}"
: "${TUN_INTERVAL:=1s}" "${TUN_JITTER:=0s}"
: "${TUN_SOFT_TIME:=30s}" "${TUN_HARD_TIME:=60s}" "${TUN_SOFT_BYTES:=0}" "${TUN_HARD_BYTES:=0}"
: "${TUN_NAT:=off}" "${TUN_KEEPALIVE:=20s}"
: "${TUN_CONNECT_TIMEOUT:=5s}" "${TUN_BACKOFF_INITIAL:=200ms}" "${TUN_BACKOFF_MAX:=2s}"
: "${TUN_LOG_LEVEL:=info}" "${TUN_EDGE_LOG_LEVEL:=info}"
: "${TUN_REPLICA_PORTS:=}" "${TUN_HEALTH_INTERVAL:=}" "${TUN_HEALTH_TIMEOUT:=1s}"
: "${TUN_HEALTH_DOWN_AFTER:=3}" "${TUN_HEALTH_FAILOVER_AFTER:=1m}" "${TUN_HEALTH_ENABLED:=true}"
: "${TUN_DIR:=/tmp/pqb-tunnel}" "${TUN_CHECK_CONFIG:=1}"
[[ -v TUN_AGENT_ENV ]] || TUN_AGENT_ENV=()
[[ -v TUN_EDGE_ENV ]] || TUN_EDGE_ENV=()

# Fixed addresses and identities (the same in every scenario, so logs read alike).
TUN_BLAN_ADDR=10.1.0.2 TUN_BLAN_NET=10.1.0.0/24
TUN_ELAN_ADDR=10.2.0.2 TUN_ELAN_NET=10.2.0.0/24
TUN_BR_ADDR=192.0.2.1
TUN_REQID=0x70710001 TUN_IF_ID=0x70710001 TUN_PORT=8443
TUN_EDGE_NAME=edge.test TUN_SITE=branch-001
tun_agent_bin() { vm_program pqbranch-agent; }
tun_edge_bin() { vm_program pqbranch-edge-stub; }
tun_edge_addr() { if [[ "$TUN_UNDERLAY" == nat ]]; then echo 198.51.100.2; else echo 192.0.2.2; fi; }
declare -A tun_starts=([agent]=0 [edge]=0)

tun_topology() {
  local ns edge
  edge=$(tun_edge_addr)
  for ns in "$TUN_NS_BLAN" "$TUN_NS_BR" "$TUN_NS_EDGE" "$TUN_NS_ELAN"; do vm_netns "$ns"; done
  vm_link "$TUN_NS_BLAN" eth0 "$TUN_BLAN_ADDR/24" "$TUN_NS_BR" lan0 10.1.0.1/24
  vm_link "$TUN_NS_EDGE" lan0 10.2.0.1/24 "$TUN_NS_ELAN" eth0 "$TUN_ELAN_ADDR/24"
  if [[ "$TUN_UNDERLAY" == nat ]]; then
    vm_netns "$TUN_NS_NAT"
    vm_link "$TUN_NS_BR" wan0 "$TUN_BR_ADDR/24" "$TUN_NS_NAT" in0 192.0.2.254/24
    vm_link "$TUN_NS_NAT" out0 198.51.100.254/24 "$TUN_NS_EDGE" wan0 "$edge/24"
    ip -n "$TUN_NS_BR" route add default via 192.0.2.254
    vm_ns "$TUN_NS_NAT" sysctl -qw net.ipv4.ip_forward=1
    if declare -F tun_nat_hook >/dev/null; then tun_nat_hook "$TUN_NS_NAT" in0 out0; fi
  else
    vm_link "$TUN_NS_BR" wan0 "$TUN_BR_ADDR/24" "$TUN_NS_EDGE" wan0 "$edge/24"
  fi
  ip -n "$TUN_NS_BLAN" route add default via 10.1.0.1
  ip -n "$TUN_NS_ELAN" route add default via 10.2.0.1
  # Policy mode: the policy lookup needs a route first (route mode: the programs route the
  # far LAN through their xfrm interfaces). The edge's next hop is the site as it sees it.
  if [[ "$TUN_MODE" == policy ]]; then
    if [[ "$TUN_UNDERLAY" == nat ]]; then
      ip -n "$TUN_NS_BR" route add "$TUN_ELAN_NET" via 192.0.2.254
      ip -n "$TUN_NS_EDGE" route add "$TUN_BLAN_NET" via 198.51.100.254
    else
      ip -n "$TUN_NS_BR" route add "$TUN_ELAN_NET" via "$edge"
      ip -n "$TUN_NS_EDGE" route add "$TUN_BLAN_NET" via "$TUN_BR_ADDR"
    fi
  fi
  for ns in "$TUN_NS_BR" "$TUN_NS_EDGE"; do vm_ns "$ns" sysctl -qw net.ipv4.ip_forward=1; done
  # The agent's health probes use an ICMP datagram socket: every group may, as Debian's
  # systemd sets it (the kernel's default allows none).
  vm_ns "$TUN_NS_BR" sysctl -qw net.ipv4.ping_group_range="0 2147483647"
}

tun_pki() {
  [[ -f "$TUN_DIR/pki/ca.pem" ]] && return 0
  mkdir -p "$TUN_DIR"
  "$PQB_SOURCE_DIR/scripts/test-pki.sh" "$TUN_DIR/pki" "$TUN_SIGALG" "edge:$TUN_EDGE_NAME" "site:$TUN_SITE" \
    >"$PQB_VM_OUT/pki.log" 2>&1 || { cat "$PQB_VM_OUT/pki.log"; vm_fail "test-pki.sh failed"; }
}

tun_lifetime_toml() {
  printf '[lifetime]\nsoft_time = "%s"\nhard_time = "%s"\nsoft_bytes = %s\nhard_bytes = %s\n' \
    "$TUN_SOFT_TIME" "$TUN_HARD_TIME" "$TUN_SOFT_BYTES" "$TUN_HARD_BYTES"
}

tun_endpoints_toml() {
  local edge port
  edge=$(tun_edge_addr)
  printf '"%s:%s"' "$edge" "$TUN_PORT"
  for port in $TUN_REPLICA_PORTS; do printf ', "%s:%s"' "$edge" "$port"; done
}
tun_health_toml() {
  [[ -n "$TUN_HEALTH_INTERVAL" ]] || return 0
  printf '[health]\nenabled = %s\ntarget = "10.2.0.1"\ninterval = "%s"\ntimeout = "%s"\ndown_after = %s\nfailover_after = "%s"\n' \
    "$TUN_HEALTH_ENABLED" "$TUN_HEALTH_INTERVAL" "$TUN_HEALTH_TIMEOUT" "$TUN_HEALTH_DOWN_AFTER" \
    "$TUN_HEALTH_FAILOVER_AFTER"
}

tun_configure() {
  local edge pki=$TUN_DIR/pki
  edge=$(tun_edge_addr)
  mkdir -p "$TUN_DIR"
  cat >"$TUN_DIR/edge-stub.toml" <<EOF
state_directory = "$TUN_DIR/edge-state"
log_level = "$TUN_EDGE_LOG_LEVEL"
listen = ["$edge:$TUN_PORT"]
[tls]
certificate = "$pki/$TUN_EDGE_NAME.pem"
private_key = "$pki/$TUN_EDGE_NAME.key"
ca = "$pki/ca.pem"
[tunnel]
local_address = "$edge"
local_prefixes = ["$TUN_ELAN_NET"]
[nat_traversal]
mode = "${TUN_EDGE_NAT:-$TUN_NAT}"
keepalive = "$TUN_KEEPALIVE"
$(tun_lifetime_toml)
[[site]]
id = "$TUN_SITE"
prefixes = ["$TUN_BLAN_NET"]
reqid = $TUN_REQID
EOF
  # Behind the NAT the site's address is learned; directly it is configured.
  [[ "$TUN_UNDERLAY" == nat ]] || echo "remote_address = \"$TUN_BR_ADDR\"" >>"$TUN_DIR/edge-stub.toml"
  [[ "$TUN_MODE" == route ]] && echo "if_id = $TUN_IF_ID" >>"$TUN_DIR/edge-stub.toml"

  cat >"$TUN_DIR/agent.toml" <<EOF
state_directory = "$TUN_DIR/agent-state"
log_level = "$TUN_LOG_LEVEL"
status_socket = "$TUN_DIR/agent.sock"
[tls]
certificate = "$pki/$TUN_SITE.pem"
private_key = "$pki/$TUN_SITE.key"
ca = "$pki/ca.pem"
[edge]
endpoints = [$(tun_endpoints_toml)]
name = "$TUN_EDGE_NAME"
connect_timeout = "$TUN_CONNECT_TIMEOUT"
backoff_initial = "$TUN_BACKOFF_INITIAL"
backoff_max = "$TUN_BACKOFF_MAX"
[tunnel]
mode = "$TUN_MODE"
local_address = "$TUN_BR_ADDR"
remote_address = "$edge"
local_prefixes = ["$TUN_BLAN_NET"]
remote_prefixes = ["$TUN_ELAN_NET"]
reqid = $TUN_REQID
$([[ "$TUN_MODE" == route ]] && printf 'interface = "pqb0"\nif_id = %s\n' "$TUN_IF_ID")
[nat_traversal]
mode = "$TUN_NAT"
keepalive = "$TUN_KEEPALIVE"
[rotation]
interval = "$TUN_INTERVAL"
jitter = "$TUN_JITTER"
$(tun_lifetime_toml)
$(tun_health_toml)
EOF
  ((TUN_CHECK_CONFIG)) || return 0
  vm_ns "$TUN_NS_BR" "$(tun_agent_bin)" check-config --config "$TUN_DIR/agent.toml" \
    >"$PQB_VM_OUT/check-config.log" 2>&1 || { cat "$PQB_VM_OUT/check-config.log"; vm_fail "agent.toml refused"; }
  "$(tun_edge_bin)" --check-config --config "$TUN_DIR/edge-stub.toml" \
    >>"$PQB_VM_OUT/check-config.log" 2>&1 || { cat "$PQB_VM_OUT/check-config.log"; vm_fail "edge-stub.toml refused"; }
}

# tun_bg NAME NS ENV_ARRAY_NAME COMMAND...: like vm_bg, but appends to NAME.log (restarts
# keep the history) and passes extra environment.
tun_bg() {
  local name=$1 ns=$2
  local -n envs=$3
  shift 3
  # The packaged programs have no fault hook: a scenario asking for one needs the test build.
  if [[ -n "${PQB_PROGRAMS:-}" && "${envs[*]}" == *PQB_FAULT* ]]; then
    vm_fail "$name: a fault hook (${envs[*]}) needs the test build, not # vm-programs: packaged"
  fi
  tun_starts[$name]=$((${tun_starts[$name]:-0} + 1))
  printf '=== tunnel_lib: start %d of %s at %ss\n' "${tun_starts[$name]}" "$name" "$(vm_elapsed)" \
    >>"$PQB_VM_OUT/$name.log"
  nsenter --net="/run/netns/$ns" -- env "${envs[@]}" "$@" >>"$PQB_VM_OUT/$name.log" 2>&1 &
  vm_pid[$name]=$!
  vm_bg_pids+=("$!")
}

# Lines of NAME.log since its latest start (a restart's readiness is not its predecessor's).
tun_log_since_start() { awk -v m="=== tunnel_lib: start ${tun_starts[$1]} of $1 " 'index($0, m) == 1 { on = 1 } on' "$PQB_VM_OUT/$1.log"; }
tun_log_has() { tun_log_since_start "$1" | grep -q -- "$2"; }
tun_alive() { kill -0 "${vm_pid[$1]}" 2>/dev/null; }

# Start deadlines are generous: the first exec of an ASan program (over 9p) took 30 s and
# more on the 2-core host at load 7-8.
tun_start_edge() {
  tun_bg edge "$TUN_NS_EDGE" TUN_EDGE_ENV "$(tun_edge_bin)" --config "$TUN_DIR/edge-stub.toml"
  vm_wait_for "edge-stub listening" 60 tun_log_has edge "key service listening"
}

tun_start_edge_replica() {
  local port=$1 name=edge-$1
  sed "s|^listen = .*|listen = [\"$(tun_edge_addr):$port\"]|" "$TUN_DIR/edge-stub.toml" \
    >"$TUN_DIR/$name.toml"
  tun_bg "$name" "$TUN_NS_EDGE" TUN_EDGE_ENV "$(tun_edge_bin)" --config "$TUN_DIR/$name.toml"
  vm_wait_for "edge-stub replica on port $port listening" 60 tun_log_has "$name" "key service listening"
}

tun_start_agent() {
  tun_bg agent "$TUN_NS_BR" TUN_AGENT_ENV "$(tun_agent_bin)" run --config "$TUN_DIR/agent.toml"
  vm_wait_for "agent status socket" 60 tun_status_or_dead
}
# Fails fast (status 0 ends the wait) when the agent died, e.g. a fault hook at start.
tun_status_or_dead() { tun_status >/dev/null 2>&1 || ! tun_alive agent; }

# tun_stop NAME [SIG]: signal and reap; with TERM the exit code must be 0.
# A process that already ended (e.g. the fault hook's SIGKILL) is only reaped: its status
# is in tun_exit[NAME] either way.
declare -A tun_exit=()
tun_stop() {
  local name=$1 sig=${2:-TERM} rc=0 alive=0
  if tun_alive "$name"; then alive=1; kill -s "$sig" "${vm_pid[$name]}" 2>/dev/null || true; fi
  wait "${vm_pid[$name]}" || rc=$?
  tun_exit[$name]=$rc
  if ((alive)) && [[ "$sig" == TERM ]] && ((rc != 0)); then
    tail -n 20 "$PQB_VM_OUT/$name.log"
    vm_fail "$name exited $rc after SIGTERM"
  fi
  return 0
}
tun_stop_edge() { tun_stop edge "${1:-TERM}"; }
tun_stop_agent() { tun_stop agent "${1:-TERM}"; }

tun_up() {
  tun_topology
  tun_pki
  tun_configure
  tun_start_edge
  tun_start_agent
}

# Through the socket agent.toml names, not the file: a status still answers while the file
# on disk is one the agent refused.
tun_status() { vm_ns "$TUN_NS_BR" "$(tun_agent_bin)" status --socket "$TUN_DIR/agent.sock" "$@"; }
tun_json_object() { grep -o "\"$2\":{[^{}]*}" <<<"$1" | head -n1; }
tun_reload_agent() { kill -HUP "${vm_pid[agent]}"; }
tun_json_field() { grep -o "\"$2\":\\(\"[^\"]*\"\\|[^,}]*\\)" <<<"$1" | head -n1 | sed 's/^[^:]*://; s/^"//; s/"$//'; }
tun_generation() {
  local json
  json=$(tun_status --json 2>/dev/null) || { echo 0; return 0; }
  tun_json_field "$json" generation
}
# From the agent's log, not its status: an exec of the (ASan) agent binary every 50 ms
# would take much of the guest's one emulated CPU from the traffic.
tun_log_generation() {
  sed -n 's/.* rotation: generation \([0-9]*\) installed .*/\1/p' "$PQB_VM_OUT/agent.log" | tail -n1
}
tun_generation_at_least() { (($(tun_log_generation) + 0 >= $1)); }
tun_wait_generation() { VM_POLL_S=0.5 vm_wait_for "agent generation >= $1" "${2:-30}" tun_generation_at_least "$1"; }

# The outer address the namespace's SAs use as source for outbound.
tun_outer_addr() { if [[ "$1" == "$TUN_NS_BR" ]]; then echo "$TUN_BR_ADDR"; else tun_edge_addr; fi; }
tun_sas() {
  local ns=$1 mine
  mine=$(tun_outer_addr "$ns")
  ip -n "$ns" -s xfrm state list reqid "$TUN_REQID" proto esp | awk -v mine="$mine" '
    /^src / { dir = ($2 == mine) ? "out" : "in" }
    /^[ \t]*proto esp spi/ { spi = $4; sub(/\(.*/, "", spi) }
    /lifetime current:/ { getline; gsub(/[(),]/, " "); print dir, spi, $3 }'
}
tun_sa_count() { tun_sas "$1" | awk -v d="$2" '$1 == d' | wc -l; }
tun_esp_packets() { tun_sas "$1" | awk -v d="$2" '$1 == d { n += $3 } END { print n + 0 }'; }
tun_hex_spi() { printf '0x%08x' "$1"; }

tun_consistent() {
  local json br edge agent_out agent_in
  json=$(tun_status --json) || return 1
  [[ "$(tun_json_field "$json" state)" == idle ]] || return 1
  agent_out=$(tun_hex_spi "$(tun_json_field "$json" outbound_spi)")
  agent_in=$(tun_hex_spi "$(tun_json_field "$json" inbound_spi)")
  br=$(tun_sas "$TUN_NS_BR")
  edge=$(tun_sas "$TUN_NS_EDGE")
  [[ "$(awk '$1 == "out" { print $2 }' <<<"$br")" == "$agent_out" ]] || return 1
  [[ "$(awk '$1 == "out" { print $2 }' <<<"$edge")" == "$agent_in" ]] || return 1
  awk '$1 == "in" { print $2 }' <<<"$edge" | grep -qx "$agent_out" || return 1
  awk '$1 == "in" { print $2 }' <<<"$br" | grep -qx "$agent_in" || return 1
  (($(awk '$1 == "in"' <<<"$br" | wc -l) <= 2 && $(awk '$1 == "in"' <<<"$edge" | wc -l) <= 2))
}

tun_expect_consistent() {
  local deadline=$(($(date +%s) + ${1:-20}))
  until tun_consistent; do
    if (($(date +%s) >= deadline)); then
      tun_status || true
      tun_show_sas
      vm_fail "no consistent SA set within ${1:-20}s"
    fi
    sleep 0.5
  done
  vm_note "ok: one consistent SA set (agent generation $(tun_generation))"
  tun_show_sas
}
# tun_xfrm_errors: the non-zero /proc/net/xfrm_stat counters of both routers (where a lost
# packet was dropped: e.g. XfrmOutNoStates, XfrmInNoStates, XfrmOutStateInvalid).
tun_xfrm_errors() {
  local ns
  for ns in "$TUN_NS_BR" "$TUN_NS_EDGE"; do
    printf '%s: %s\n' "$ns" "$(vm_ns "$ns" awk '$2 != 0 { printf "%s=%s ", $1, $2 }' /proc/net/xfrm_stat)"
  done
}
tun_show_sas() {
  vm_note "branch SAs (dir spi packets): $(tun_sas "$TUN_NS_BR" | tr '\n' ';')"
  vm_note "edge SAs   (dir spi packets): $(tun_sas "$TUN_NS_EDGE" | tr '\n' ';')"
}

# tun_stream_start RATE [PORT]: a UDP stream from the branch's LAN host to the edge's
# (vm_stream_start).
tun_stream_start() { vm_stream_start "$TUN_NS_BLAN" "$TUN_NS_ELAN" "$TUN_ELAN_ADDR" "$@"; }

tun_down() {
  local name ns port names=(agent edge)
  for port in $TUN_REPLICA_PORTS; do names+=("edge-$port"); done
  for name in "${names[@]}"; do
    if [[ -n "${vm_pid[$name]:-}" ]] && tun_alive "$name"; then tun_stop "$name" TERM || true; fi
  done
  for ns in "$TUN_NS_BLAN" "$TUN_NS_BR" "$TUN_NS_NAT" "$TUN_NS_EDGE" "$TUN_NS_ELAN"; do
    ip netns del "$ns" 2>/dev/null || true
  done
}
