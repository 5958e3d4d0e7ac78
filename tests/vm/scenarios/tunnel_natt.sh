#!/bin/bash
# NAT traversal with the real programs through a namespace doing stateful source NAT with
# port translation (nftables masquerade): the edge sees the site behind the NAT in its NAT
# hello, ESP crosses UDP-encapsulated on port 4500 (no protocol 50, no plaintext) and
# traffic flows both ways. Then the NAT moves the mapping to another port (the old
# conntrack entries are left behind in another conntrack zone): the edge's kernel reports
# XFRM_MSG_MAPPING, the edge-stub moves its SAs to the new port without a rotation, and
# traffic flows both ways again.
#
#   lan1 - gw1 (agent) 192.0.2.1 --- nat 198.51.100.254 --- 198.51.100.2 gw2 (edge-stub) - lan2
# vm-timeout: 300
# vm-programs: packaged
source "$PQB_SOURCE_DIR/tests/vm/guest/scenario_lib.sh"
source "$PQB_SOURCE_DIR/tests/vm/guest/tunnel_lib.sh"

TUN_UNDERLAY=nat TUN_NAT=auto TUN_MODE=policy
TUN_SIGALG=ecdsa # ML-DSA is shown by tunnel_policy/route; this one is about the NAT
# One rotation at start, then none while the mapping moves: only the mapping event can
# bring the edge to the new port (the next rotation's hello would as well).
TUN_INTERVAL=1h TUN_KEEPALIVE=1s TUN_SOFT_TIME=2h TUN_HARD_TIME=3h

# nat_rules ZONE PORT: the NAT's ruleset. Every packet gets conntrack zone ZONE before
# conntrack sees it (raw priority), and the agent's UDP 4500 leaves as PORT; anything else
# (the key service's TCP) is masqueraded as usual. A new zone means new conntrack entries,
# so the same flow gets a new mapping: what a NAT rebooting or timing out does.
nat_rules() {
  ip netns exec "$TUN_NS_NAT" nft -f - <<EOF
flush ruleset
table ip pqbnat {
  chain raw { type filter hook prerouting priority raw; policy accept; ct zone set $1; }
  chain post {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "out0" udp sport 4500 masquerade to :$2
    oifname "out0" masquerade
  }
}
EOF
}
tun_nat_hook() { nat_rules 1 40000; }

vm_step "topology with a source-NAT namespace (nftables masquerade), agent and edge-stub"
vm_modules nf_tables nft_masq nft_ct nf_nat nf_conntrack
tun_up
tun_wait_generation 1 40
# edge_out_port PORT: the edge's outbound SA is ESP-in-UDP from 4500 to the NAT's PORT.
edge_out_port() {
  ip -n "$TUN_NS_EDGE" xfrm state list src 198.51.100.2 reqid "$TUN_REQID" |
    grep -q "encap type espinudp sport 4500 dport $1 "
}
# The edge learnt the site's public address and port from the NAT hello (the site has no
# configured address here) and encapsulates towards them once the ack promoted generation 1.
vm_wait_for "the edge's outbound SA towards 198.51.100.254:40000" 20 edge_out_port 40000
agent_out_sa=$(ip -n "$TUN_NS_BR" xfrm state list reqid "$TUN_REQID" src "$TUN_BR_ADDR")
grep -q "encap type espinudp sport 4500 dport 4500" <<<"$agent_out_sa" ||
  vm_fail "the agent's outbound SA is not UDP-encapsulated"

vm_step "traffic both ways, UDP 4500 only across the NAT"
vm_capture_start nat-out "$TUN_NS_NAT" out0
vm_capture_start br-out "$TUN_NS_BR" wan0
vm_expect "ping replies lan1 -> lan2" "$(vm_ping_received "$TUN_NS_BLAN" "$TUN_BLAN_ADDR" "$TUN_ELAN_ADDR" 3)" -eq 3
vm_expect "ping replies lan2 -> lan1" "$(vm_ping_received "$TUN_NS_ELAN" "$TUN_ELAN_ADDR" "$TUN_BLAN_ADDR" 3)" -eq 3
vm_udp_stream "$TUN_NS_BLAN" "$TUN_NS_ELAN" "$TUN_ELAN_ADDR" 5001 500 1000
vm_udp_stream "$TUN_NS_ELAN" "$TUN_NS_BLAN" "$TUN_BLAN_ADDR" 5002 500 1000
vm_capture_stop nat-out
vm_capture_stop br-out
vm_capture_expect_only nat-out \
  "(udp and src host 198.51.100.254 and src port 40000 and dst port 4500) or tcp port $TUN_PORT" 1000
vm_capture_expect_only br-out "udp port 4500 or tcp port $TUN_PORT" 1000
vm_expect "stream marker across the NAT" "$(vm_capture_contains nat-out PQBSEQ01)" -eq 0
vm_expect "ESP without UDP (protocol 50) across the NAT" "$(vm_capture_count nat-out esp)" -eq 0

vm_step "the NAT moves the mapping to port 40001: the edge follows the mapping event"
g_before=$(tun_log_generation)
nat_rules 2 40001
# The agent's next ESP packets (or keepalive) reach the edge from the new port.
vm_ping_received "$TUN_NS_BLAN" "$TUN_BLAN_ADDR" "$TUN_ELAN_ADDR" 3 >/dev/null
vm_wait_for "the edge moved its SAs to port 40001" 20 \
  tun_log_has edge "NAT mapping of the agent moved from 198.51.100.254:40000 to port 40001"
vm_expect "rotations meanwhile (only the mapping event moved the edge)" \
  $(($(tun_log_generation) - g_before)) -eq 0
edge_out_port 40001 || vm_fail "the edge's outbound SA still points at the old mapping"
vm_note "ok: the edge's outbound SA now goes to port 40001"
vm_capture_start nat-out2 "$TUN_NS_NAT" out0
vm_udp_stream "$TUN_NS_BLAN" "$TUN_NS_ELAN" "$TUN_ELAN_ADDR" 5003 500 1000
vm_udp_stream "$TUN_NS_ELAN" "$TUN_NS_BLAN" "$TUN_BLAN_ADDR" 5004 500 1000
vm_capture_stop nat-out2
vm_capture_expect_only nat-out2 \
  "(udp and src host 198.51.100.254 and src port 40001 and dst port 4500) or tcp port $TUN_PORT" 1000
vm_expect "edge errors logged" "$(tun_log_since_start edge | grep -c '\[error\]' || true)" -eq 0
tun_stop_agent
tun_stop_edge
vm_step "pass"
