#!/bin/bash
# ESP in UDP (NAT traversal, RFC 3948) between the gateways, set up with `ip xfrm` (not
# pqbranch's code): SAs with "encap espinudp 4500 4500", and on each receiver a UDP 4500
# socket marked UDP_ENCAP_ESPINUDP (pqb-espinudp-socket). Proves the VM's kernel
# encapsulates and decapsulates: the link carries only UDP 4500, no bare ESP, and
# without the receiver's encap socket nothing arrives (what the agent must provide).
source "$PQB_SOURCE_DIR/tests/vm/guest/scenario_lib.sh"

vm_step "topology and UDP_ENCAP_ESPINUDP sockets on port 4500"
vm_modules
vm_branch_topology
for ns in gw1 gw2; do
  vm_bg "encap-$ns" "$ns" pqb-espinudp-socket --port 4500 --seconds 300
  vm_wait_log "encap-$ns" "ready port=4500"
done

vm_step "SAs with encap espinudp 4500 4500, policy mode"
k12=$(vm_random_key) k21=$(vm_random_key)
encap=(encap espinudp 4500 4500 0.0.0.0)
for ns in gw1 gw2; do
  vm_xfrm_sa "$ns" 192.0.2.1 192.0.2.2 0x1001 "$k12" "${encap[@]}"
  vm_xfrm_sa "$ns" 192.0.2.2 192.0.2.1 0x2001 "$k21" "${encap[@]}"
done
vm_xfrm_policies gw1 10.1.0.0/24 10.2.0.0/24 192.0.2.1 192.0.2.2
vm_xfrm_policies gw2 10.2.0.0/24 10.1.0.0/24 192.0.2.2 192.0.2.1

vm_step "traffic lan1 -> lan2 crosses as ESP in UDP 4500"
vm_capture_start wire1 gw1 wan0
vm_capture_start wire2 gw2 wan0
vm_expect "ping replies" "$(vm_ping_received lan1 10.1.0.2 10.2.0.2 5)" -eq 5
vm_udp_stream lan1 lan2 10.2.0.2 5001 1000 2000
vm_capture_stop wire1
vm_capture_stop wire2
# udp[8:4] != 0: a non-zero SPI where IKE would have its zero non-ESP marker (RFC 3948
# section 2.2), i.e. the datagram holds ESP.
natt="udp src port 4500 and udp dst port 4500 and udp[8:4] != 0"
vm_capture_expect_only wire1 "$natt" 2005
vm_capture_expect_only wire2 "$natt" 5
vm_expect "bare ESP (IP protocol 50) on the wire" "$(vm_capture_count wire1 esp)" -eq 0
vm_expect "stream marker on the wire" "$(vm_capture_contains wire1 PQBSEQ01)" -eq 0
out12=$(vm_sa_counter gw1 192.0.2.1 192.0.2.2 0x1001 packets)
vm_expect "gw1 -> gw2 SA packets at gw1" "$out12" -ge 2005
vm_expect "gw1 -> gw2 SA packets at gw2" "$(vm_sa_counter gw2 192.0.2.1 192.0.2.2 0x1001 packets)" \
  -eq "$out12"

vm_step "negative control: without gw2's encap socket nothing is decapsulated"
kill "${vm_pid[encap-gw2]}"
vm_join encap-gw2 || true
in_before=$(vm_sa_counter gw2 192.0.2.1 192.0.2.2 0x1001 packets)
vm_expect "ping replies" "$(vm_ping_received lan1 10.1.0.2 10.2.0.2 3)" -eq 0
vm_expect "gw1 -> gw2 SA packets at gw2 unchanged" \
  "$(vm_sa_counter gw2 192.0.2.1 192.0.2.2 0x1001 packets)" -eq "$in_before"
vm_step "pass"
