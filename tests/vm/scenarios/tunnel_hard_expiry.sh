#!/bin/bash
# The edge unreachable past the SAs' hard lifetime: the key service's TCP port is blocked
# (nftables in the edge's namespace drops it; ESP still passes) while lan1 keeps sending.
# The current SAs carry traffic until their hard expiry; then traffic stops and the
# underlay carries no plaintext (policy mode: the policies stay and drop it), while the
# agent logs that it retries. Once the port is open again the agent gets a new generation
# and traffic resumes without loss.
# vm-timeout: 300
# vm-programs: packaged
source "$PQB_SOURCE_DIR/tests/vm/guest/scenario_lib.sh"
source "$PQB_SOURCE_DIR/tests/vm/guest/tunnel_lib.sh"

TUN_MODE=policy
TUN_INTERVAL=6s # below the soft lifetime; rotations fail once the edge is blocked
TUN_SOFT_TIME=8s TUN_HARD_TIME=14s
TUN_SIGALG=ecdsa

# The agent's outbound SAs with an SPI: the kernel's own ACQUIRE placeholder (SPI 0, made
# when traffic hits a policy without an SA) is no SA of ours.
agent_out_sas() { tun_sas "$TUN_NS_BR" | awk '$1 == "out" && $2 != "0x00000000"' | wc -l; }

vm_step "agent and edge-stub, policy mode, lifetimes soft $TUN_SOFT_TIME hard $TUN_HARD_TIME"
vm_modules nf_tables
tun_up
tun_wait_generation 1 40
vm_expect "ping replies through the tunnel" \
  "$(vm_ping_received "$TUN_NS_BLAN" "$TUN_BLAN_ADDR" "$TUN_ELAN_ADDR" 3)" -eq 3

vm_step "key service blocked: the agent retries, the SAs run out"
ip netns exec "$TUN_NS_EDGE" nft -f - <<EOF
table inet block {
  chain in { type filter hook input priority 0; policy accept; tcp dport $TUN_PORT drop; }
}
EOF
vm_capture_start wire "$TUN_NS_BR" wan0
vm_bg ping "$TUN_NS_BLAN" ping -n -i 0.2 "$TUN_ELAN_ADDR"
vm_wait_for "the agent's outbound SA to hard-expire" 40 \
  tun_log_has agent "outbound SA of generation .* hard-expired: traffic is dropped"
vm_expect "the agent's outbound SAs" "$(agent_out_sas)" -eq 0
vm_wait_log agent "edge unreachable, retrying"
vm_expect "the agent's policies are still there" \
  "$(ip -n "$TUN_NS_BR" xfrm policy list | grep -c "reqid $((TUN_REQID))" || true)" -eq 3
# What lan1 sends now goes nowhere: no SA, and the policy never lets it out in clear.
vm_bg udp-recv-dead "$TUN_NS_ELAN" pqb-udp-stream recv --port 5009 --expect 200 --timeout 3
vm_wait_log udp-recv-dead "listening"
ip netns exec "$TUN_NS_BLAN" pqb-udp-stream send --to "$TUN_ELAN_ADDR:5009" --rate 200 --count 200 \
  >"$PQB_VM_OUT/udp-send-dead.log" 2>&1 || true
vm_join udp-recv-dead || true
vm_expect "datagrams that arrived after the hard expiry" \
  "$(sed -n 's/.* unique=\([0-9]*\).*/\1/p' "$PQB_VM_OUT/udp-recv-dead.log" | tail -n1)" -eq 0
vm_expect "packets dropped for lack of an SA (XfrmOutNoStates)" \
  "$(vm_xfrm_stat "$TUN_NS_BR" XfrmOutNoStates)" -ge 200
kill "${vm_pid[ping]}"
vm_capture_stop wire
# The underlay saw ESP (before the expiry) and the agent's attempts to reach the key service.
vm_capture_expect_only wire "esp or tcp port $TUN_PORT" 1
vm_expect "stream marker on the underlay" "$(vm_capture_contains wire PQBSEQ01)" -eq 0
vm_expect "ICMP (ping) in clear on the underlay" "$(vm_capture_count wire icmp)" -eq 0
vm_expect "key-service connection attempts" \
  "$(vm_capture_count wire "tcp[tcpflags] & tcp-syn != 0 and dst port $TUN_PORT")" -ge 2

vm_step "the edge reachable again: a new generation, traffic resumes"
g=$(tun_log_generation)
ip netns exec "$TUN_NS_EDGE" nft delete table inet block
tun_wait_generation $((g + 1)) 40
vm_udp_stream "$TUN_NS_BLAN" "$TUN_NS_ELAN" "$TUN_ELAN_ADDR" 5001 500 1000
tun_expect_consistent 30
tun_stop_agent
tun_stop_edge
vm_step "pass"
