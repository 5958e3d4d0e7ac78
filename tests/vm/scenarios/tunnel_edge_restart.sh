#!/bin/bash
# The edge-stub killed with SIGKILL and restarted while a sequence-numbered UDP stream
# crosses and the agent rotates every 2 s: once at a random moment, then at steps of a
# rotation chosen with its fault hook (PQB_FAULT_KILL_AT: inbound n+1 installed but not
# offered; ack received but outbound n+1 not installed; outbound n+1 installed next to n). Traffic keeps flowing on the current SAs throughout (zero lost,
# zero duplicated), rotation resumes after each restart (the edge adopts the kernel's SAs
# and forces a new generation), and at the end both sides hold one consistent SA set.
# vm-timeout: 420
source "$PQB_SOURCE_DIR/tests/vm/guest/scenario_lib.sh"
source "$PQB_SOURCE_DIR/tests/vm/guest/tunnel_lib.sh"

TUN_MODE=route
TUN_INTERVAL=2s
TUN_SIGALG=ecdsa # many handshakes on one emulated CPU; ML-DSA is shown by tunnel_policy/route
# Inbound n+1 installed but never offered (send_offer would leave the same); the ack
# received but outbound n+1 not installed; outbound n+1 installed next to n.
points=(after_update_sa:1 add_sa:1 after_add_sa:1)

# restart_edge: start the edge-stub again and wait for a rotation through it.
restart_edge() {
  local g
  g=$(tun_log_generation)
  tun_start_edge
  tun_log_has edge "restored: generation" || vm_fail "the edge did not restore its site"
  tun_wait_generation $((g + 1)) 40
}

vm_step "agent and edge-stub, route mode, rotating every $TUN_INTERVAL; stream lan1 -> lan2"
vm_modules
tun_up
tun_wait_generation 2 40
tun_stream_start 400

vm_step "SIGKILL of the edge-stub mid-stream"
tun_stop_edge KILL
# The agent notices at its next rotation and retries with backoff; current SAs carry on.
vm_wait_for "the agent's failed rotation" 20 tun_log_has agent "rotation attempt on endpoint 0 failed"
restart_edge

for point in "${points[@]}"; do
  vm_step "edge-stub killed at $point"
  tun_stop_edge TERM
  TUN_EDGE_ENV=("PQB_FAULT_KILL_AT=$point")
  tun_start_edge
  tun_log_has edge "fault hook armed" || vm_fail "the fault hook was not armed"
  vm_wait_for "the edge-stub to die at $point" 40 bash -c "! kill -0 ${vm_pid[edge]} 2>/dev/null"
  tun_stop_edge KILL # reaps it
  vm_expect "the edge-stub's exit status (128 + SIGKILL)" "${tun_exit[edge]}" -eq 137
  TUN_EDGE_ENV=()
  restart_edge
done

vm_step "the stream crossed every kill without loss"
vm_stream_stop
vm_stream_expect_clean
vm_expect "agent still running" "$(tun_alive agent && echo 1 || echo 0)" -eq 1

vm_step "one consistent SA set at the end"
# Rotating every 2 s each side keeps the inbound SAs of the last grace period (5 s): an
# agent restarted with a long interval rotates once and then settles.
g=$(tun_log_generation)
tun_stop_agent
TUN_INTERVAL=10m TUN_SOFT_TIME=20m TUN_HARD_TIME=30m tun_configure
tun_start_agent
tun_wait_generation $((g + 1)) 30
vm_bg ping "$TUN_NS_BLAN" ping -n -q -i 0.2 "$TUN_ELAN_ADDR"
tun_expect_consistent 30
vm_expect "edge errors logged" "$(grep -c '\[error\]' "$PQB_VM_OUT/edge.log" || true)" -eq 0
tun_stop_agent
tun_stop_edge
vm_step "pass"
