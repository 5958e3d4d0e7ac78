#!/bin/bash
# The operations an operator relies on, shown on one tunnel with one stream (lan1 -> lan2):
# (a) health from real loss: ESP dropped at the edge (nftables) makes the probes fail, the
#     agent goes down and rotates at once; ESP let through again, it leaves down;
# (b) failover between two edge-stub replicas: the first stopped mid-stream, the current SAs
#     carry the stream until the agent installs a generation through the second endpoint;
# (c) SIGHUP reloads: a valid change (rotation interval, log level) applied, an invalid file
#     refused with the running config kept and rotations going on; neither loses a datagram.
# vm-timeout: 300
source "$PQB_SOURCE_DIR/tests/vm/guest/scenario_lib.sh"
source "$PQB_SOURCE_DIR/tests/vm/guest/tunnel_lib.sh"

TUN_MODE=route
TUN_SIGALG=ecdsa # many handshakes on one emulated CPU; ML-DSA is shown by tunnel_policy/route
# Long at first, so the only rotation in (a) is the one health asks for; (c) shortens it.
TUN_INTERVAL=20s
TUN_SOFT_TIME=20m TUN_HARD_TIME=30m # a restart would change them; the end reloads to 10m
TUN_REPLICA_PORTS=8444
TUN_HEALTH_INTERVAL=500ms TUN_HEALTH_TIMEOUT=1s TUN_HEALTH_DOWN_AFTER=3
TUN_HEALTH_FAILOVER_AFTER=1m # never reached: (a) lets ESP through once the rotation is done
TUN_STREAM_PROGRESS_MS=500
rate=200

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
# A field of the agent's status: "health" or "config" object, or a top-level scalar.
health_field() { tun_json_field "$(tun_json_object "$(tun_status --json)" health)" "$1"; }
config_field() { tun_json_field "$(tun_json_object "$(tun_status --json)" config)" "$1"; }
health_answered_clean() {
  local h
  h=$(tun_json_object "$(tun_status --json)" health)
  [[ "$(tun_json_field "$h" state)" == healthy ]] && (($(tun_json_field "$h" probes_answered) >= $1))
}
# The first line matching $2 after the last line matching $1 in agent.log (empty if none).
agent_line_after() { awk -v a="$1" -v b="$2" '$0 ~ a { on = 1; hit = ""; next } on && hit == "" && $0 ~ b { hit = $0 } END { print hit }' "$PQB_VM_OUT/agent.log"; }
has_agent_line_after() { [[ -n "$(agent_line_after "$1" "$2")" ]]; }
out_spi() { tun_json_field "$(tun_status --json)" outbound_spi; }
# Packets the branch's outbound SA SPI (hex) carried so far (0 once it is gone).
out_packets() { tun_sas "$TUN_NS_BR" | awk -v s="$1" '$1 == "out" && $2 == s { print $3; f = 1 } END { if (!f) print 0 }'; }
out_packets_at_least() { (($(out_packets "$1") >= $2)); }
stream_unique_at_least() { (($(tun_stream_unique) >= $1)); }
# Wait until the stream moved on by N datagrams, so the holes behind are final.
stream_advance() { VM_POLL_S=0.2 vm_wait_for "$1 more datagrams" 30 stream_unique_at_least $(($(tun_stream_unique) + $1)); }

vm_step "agent (health probes every $TUN_HEALTH_INTERVAL, endpoints :$TUN_PORT and :$TUN_REPLICA_PORTS) and edge-stub on :$TUN_PORT"
vm_modules nf_tables
tun_up
tun_wait_generation 1 40
tun_stream_start "$rate"
VM_POLL_S=0.5 vm_wait_for "health: healthy, 4 probes answered" 30 health_answered_clean 4
vm_expect "health probes lost before ESP is dropped" "$(health_field probes_lost)" -eq 0
stream_advance "$rate"
vm_expect "datagrams missing before ESP is dropped" "$(tun_stream_missing)" -eq 0

vm_step "(a) ESP dropped at the edge: healthy -> down, a rotation at once; let through: up again"
g=$(tun_log_generation)
ip netns exec "$TUN_NS_EDGE" nft -f - <<EOF
table inet block {
  chain in { type filter hook input priority 0; policy accept; meta l4proto esp drop; }
}
EOF
t_block=$(now)
VM_POLL_S=0.2 vm_wait_for "health down" 20 grep -q "tunnel health: [a-z]* -> down" "$PQB_VM_OUT/agent.log"
t_down=$(since "$t_block")
vm_note "$(grep "tunnel health: " "$PQB_VM_OUT/agent.log" | sed 's/^/agent: /')"
vm_expect "transitions logged on the way down (healthy -> degraded -> down)" \
  "$(grep -c 'tunnel health: healthy -> degraded: \|tunnel health: degraded -> down: ' "$PQB_VM_OUT/agent.log" || true)" -eq 2
vm_expect "health state in the status is down" "$([[ "$(health_field state)" == down ]] && echo 1 || echo 0)" -eq 1
vm_wait_log agent "rotating early: tunnel health: down" 10
tun_wait_generation $((g + 1)) 30
t_rotated=$(since "$t_block")
vm_note "ok: $(agent_line_after 'rotating early: tunnel health: down' 'generation [0-9]* installed')"
vm_expect "generations installed by the rotation health asked for" "$(tun_log_generation)" -eq $((g + 1))
tun_show_sas
ip netns exec "$TUN_NS_EDGE" nft delete table inet block
t_open=$(now)
VM_POLL_S=0.2 vm_wait_for "health up again" 20 grep -q "tunnel health: down -> " "$PQB_VM_OUT/agent.log"
t_up=$(since "$t_open")
vm_note "agent: $(grep "tunnel health: down -> " "$PQB_VM_OUT/agent.log")"
# The lost probes stay in the 5-minute window: degraded until they age out (docs/operations.md).
vm_expect "health state after ESP passes again is degraded (the losses are in the window)" \
  "$([[ "$(health_field state)" == degraded ]] && echo 1 || echo 0)" -eq 1
stream_advance "$rate"
lost_a=$(tun_stream_missing)
vm_expect "datagrams lost while ESP was dropped" "$lost_a" -gt 0
vm_note "(a) figures: ESP dropped $(awk -v a="$t_block" -v b="$t_open" 'BEGIN { printf "%.1f", b - a }') s;" \
  "healthy -> down ${t_down} s; new generation ${t_rotated} s after the drop; down -> up ${t_up} s" \
  "after ESP passed again; ${lost_a} datagrams lost"

vm_step "(c) valid reload (SIGHUP): rotation interval 20s -> 3s, log level info -> debug"
g=$(tun_log_generation)
TUN_INTERVAL=3s TUN_LOG_LEVEL=debug tun_configure
tun_reload_agent
vm_wait_log agent "config reloaded (generation 2): " 10
vm_note "agent: $(grep 'config reloaded (generation 2)' "$PQB_VM_OUT/agent.log")"
vm_expect "config generation in the status" "$(config_field generation)" -eq 2
vm_expect_text "last reload in the status" "$(config_field last_reload)" ok
tun_wait_generation $((g + 2)) 20
vm_expect "debug lines after the reload" \
  "$(awk '/config reloaded \(generation 2\)/ { on = 1 } on && /\[debug\]/' "$PQB_VM_OUT/agent.log" | wc -l)" -gt 0

vm_step "(b) the replica on :$TUN_PORT stopped mid-stream; the one on :$TUN_REPLICA_PORTS takes over"
spi=$(tun_hex_spi "$(out_spi)")
failed0=$(vm_log_count agent "rotation attempt on endpoint 0 failed")
tun_stop_edge
t_stop=$(now)
n=$(out_packets "$spi")
VM_POLL_S=0.2 vm_wait_for "the current outbound SA carrying the stream without an edge-stub" 10 \
  out_packets_at_least "$spi" $((n + rate / 2))
vm_expect "edge's outbound SAs while no edge-stub runs" "$(tun_sa_count "$TUN_NS_EDGE" out)" -ge 1
g=$(tun_log_generation)
tun_start_edge_replica "$TUN_REPLICA_PORTS"
t_replica=$(now)
tun_log_has edge-"$TUN_REPLICA_PORTS" "restored: generation" || vm_fail "the replica did not restore the site"
tun_wait_generation $((g + 1)) 40
t_failover=$(since "$t_stop")
t_failover_replica=$(since "$t_replica")
vm_note "ok: $(grep ' rotation: generation [0-9]* installed' "$PQB_VM_OUT/agent.log" | tail -n1)"
vm_expect "the first generation after the stop came through endpoint 1" \
  "$(grep ' rotation: generation [0-9]* installed' "$PQB_VM_OUT/agent.log" | awk -v g=$((g + 1)) '$0 ~ " generation " g " installed" && /via endpoint 1$/' | wc -l)" -eq 1
vm_expect "attempts on endpoint 0 that failed after the stop" \
  "$(vm_log_count agent "rotation attempt on endpoint 0 failed")" -gt "$failed0"
vm_expect_text "endpoint in the status" "$(tun_json_field "$(tun_status --json)" endpoint)" \
  "$(tun_edge_addr):$TUN_REPLICA_PORTS"
tun_show_sas
stream_advance "$rate"
lost_b=$(($(tun_stream_missing) - lost_a))
vm_note "(b) figures: new generation ${t_failover} s after the stop (${t_failover_replica} s after" \
  "the replica listened); ${lost_b} datagrams lost"

vm_step "(c) invalid reload (rotation interval 0s): refused, the running config stays"
sed -i 's/^interval = "3s"$/interval = "0s"/' "$TUN_DIR/agent.toml"
grep -q '^interval = "0s"$' "$TUN_DIR/agent.toml" || vm_fail "the invalid file was not written"
tun_reload_agent
vm_wait_log agent "config reload refused, the running config stays: " 10
vm_note "agent: $(grep 'config reload refused' "$PQB_VM_OUT/agent.log")"
vm_expect_text "last reload in the status" "$(config_field last_reload)" refused
vm_expect "config generation in the status" "$(config_field generation)" -eq 2
g=$(tun_log_generation)
tun_wait_generation $((g + 2)) 20
vm_expect "the agent still running" "$(tun_alive agent && echo 1 || echo 0)" -eq 1

vm_step "the stream crossed (b) and (c) without loss"
tun_stream_stop
sent=$(tun_stream_field send sent)
lost=$((sent - $(tun_stream_field recv unique)))
vm_note "stream: ${sent} sent, ${lost} lost in all, ${lost_a} of them while ESP was dropped"
vm_expect "datagrams lost in (b) and (c)" $((lost - lost_a)) -eq 0
vm_expect "datagrams duplicated" "$(tun_stream_field recv duplicates)" -eq 0
vm_expect "foreign datagrams" $(($(tun_stream_field recv unexpected) + $(tun_stream_field recv malformed))) -eq 0
vm_note "xfrm errors: $(tun_xfrm_errors | tr '\n' ' ')"

vm_step "one consistent SA set once rotations stop (reload: interval 10m)"
TUN_INTERVAL=10m TUN_LOG_LEVEL=debug tun_configure
tun_reload_agent
vm_wait_log agent "config reloaded (generation 3): " 10
vm_bg ping "$TUN_NS_BLAN" ping -n -q -i 0.2 "$TUN_ELAN_ADDR"
tun_expect_consistent 30
vm_expect "edge errors logged" "$(cat "$PQB_VM_OUT/edge.log" "$PQB_VM_OUT/edge-$TUN_REPLICA_PORTS.log" | grep -c '\[error\]' || true)" -eq 0
tun_stop_agent
tun_stop edge-"$TUN_REPLICA_PORTS"
vm_step "pass"
