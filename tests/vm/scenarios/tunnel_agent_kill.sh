#!/bin/bash
# The agent killed with SIGKILL at each step of a rotation (PQB_FAULT_KILL_AT, see
# docs/rotation.md) and restarted: after each, one consistent SA set on both sides,
# nothing leaked (no larval or stray SAs of the tunnel's reqid, the policies unchanged) and
# traffic back within one rotation (the restart rotates at once). Traffic even flows while
# the agent lies dead mid-rotation (make-before-break leaves a working SA pair each way).
# Each kill hits the first rotation after a start: the reconcile adopts generation n and
# rotates to n+1 at once, so every point below is mid-rotation from a working generation.
# vm-timeout: 420
source "$PQB_SOURCE_DIR/tests/vm/guest/scenario_lib.sh"
source "$PQB_SOURCE_DIR/tests/vm/guest/tunnel_lib.sh"

TUN_MODE=policy
TUN_INTERVAL=1h TUN_SOFT_TIME=2h TUN_HARD_TIME=3h # no rotation but the one at each start
TUN_SIGALG=ecdsa # many handshakes on one emulated CPU; ML-DSA is shown by tunnel_policy/route
# After ALLOCSPI (a larval SA); the request sent and answered, nothing installed (the edge
# holds pending n+1); inbound n+1 installed; outbound n+1 installed next to n; outbound
# switched to n+1 but no ack sent (docs/rotation.md lists every point).
points=(after_allocate_spi:1 update_sa:1 after_update_sa:1 after_add_sa:1 send_ack:1)

# Everything of the tunnel's reqid in a namespace: "spi algorithm-or-larval" per SA.
all_sas() {
  ip -n "$1" xfrm state list reqid "$TUN_REQID" | awk '
    /^src / { if (spi != "") print spi, alg; spi = ""; alg = "larval" }
    /proto esp spi/ { spi = $4 }
    /aead/ { alg = "aead" }
    END { if (spi != "") print spi, alg }'
}
policies() { ip -n "$1" xfrm policy list | grep -c "reqid $((TUN_REQID))" || true; }
expect_clean_state() {
  local ns
  for ns in "$TUN_NS_BR" "$TUN_NS_EDGE"; do
    vm_expect "$ns: larval SAs of the tunnel" "$(all_sas "$ns" | grep -c larval || true)" -eq 0
    vm_expect "$ns: SAs of the tunnel (one outbound, at most two inbound)" "$(all_sas "$ns" | wc -l)" -le 3
  done
  vm_expect "branch policies of the tunnel" "$(policies "$TUN_NS_BR")" -eq "$br_policies"
  vm_expect "edge policies of the tunnel" "$(policies "$TUN_NS_EDGE")" -eq "$edge_policies"
}

vm_step "agent and edge-stub, policy mode; first generation"
vm_modules
tun_up
tun_wait_generation 1 40
tun_expect_consistent 30
br_policies=$(policies "$TUN_NS_BR")
edge_policies=$(policies "$TUN_NS_EDGE")
vm_expect "branch policies (out, in, fwd)" "$br_policies" -eq 3

for point in "${points[@]}"; do
  vm_step "SIGKILL at $point"
  g=$(tun_log_generation)
  tun_stop_agent TERM
  TUN_AGENT_ENV=("PQB_FAULT_KILL_AT=$point")
  tun_start_agent
  vm_wait_for "the agent to die at $point" 30 bash -c "! kill -0 ${vm_pid[agent]} 2>/dev/null"
  tun_stop_agent KILL # reaps it
  vm_expect "the agent's exit status (128 + SIGKILL)" "${tun_exit[agent]}" -eq 137
  tun_log_has agent "fault hook armed" || vm_fail "the fault hook was not armed"
  vm_expect "rotations the killed agent completed (it died mid-rotation)" \
    "$(tun_log_since_start agent | grep -c 'rotation: generation .* installed' || true)" -eq 0
  # Make-before-break at every step: even with the agent dead mid-rotation, both
  # directions have an SA pair.
  vm_expect "ping replies with the agent dead at $point" \
    "$(vm_ping_received "$TUN_NS_BLAN" "$TUN_BLAN_ADDR" "$TUN_ELAN_ADDR" 2)" -eq 2
  TUN_AGENT_ENV=()
  tun_start_agent
  # Traffic within one rotation: the restart rotates at once.
  tun_wait_generation $((g + 1)) 30
  vm_udp_stream "$TUN_NS_BLAN" "$TUN_NS_ELAN" "$TUN_ELAN_ADDR" 5001 500 500
  tun_expect_consistent 30
  expect_clean_state
done

vm_expect "edge errors logged" "$(grep -c '\[error\]' "$PQB_VM_OUT/edge.log" || true)" -eq 0
tun_stop_agent
tun_stop_edge
vm_step "pass"
