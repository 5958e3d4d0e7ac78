#!/bin/bash
# Route-mode ESP: each gateway has an xfrm interface (if_id 0x10); wildcard SAs and
# policies carry that if_id, and a route decides what enters the tunnel. Set up with
# `ip` (not pqbranch's code): proves the VM's kernel has xfrm interfaces, as route mode
# needs. Routed LAN traffic crosses as ESP and moves the interfaces' counters; traffic
# between the gateways themselves is not routed via the interface and stays outside it.
source "$PQB_SOURCE_DIR/tests/vm/guest/scenario_lib.sh"

vm_step "topology and xfrm interfaces (if_id 0x10)"
vm_modules
vm_branch_topology
for ns in gw1 gw2; do
  ip -n "$ns" link add ipsec0 type xfrm dev wan0 if_id 0x10
  ip -n "$ns" link set ipsec0 up
done
ip -n gw1 route replace 10.2.0.0/24 dev ipsec0
ip -n gw2 route replace 10.1.0.0/24 dev ipsec0

vm_step "SAs and 0.0.0.0/0 policies, all with if_id 0x10"
k12=$(vm_random_key) k21=$(vm_random_key)
for ns in gw1 gw2; do
  vm_xfrm_sa "$ns" 192.0.2.1 192.0.2.2 0x1001 "$k12" if_id 0x10
  vm_xfrm_sa "$ns" 192.0.2.2 192.0.2.1 0x2001 "$k21" if_id 0x10
done
vm_xfrm_policies gw1 0.0.0.0/0 0.0.0.0/0 192.0.2.1 192.0.2.2 if_id 0x10
vm_xfrm_policies gw2 0.0.0.0/0 0.0.0.0/0 192.0.2.2 192.0.2.1 if_id 0x10

vm_step "routed traffic lan1 -> lan2 crosses as ESP"
vm_capture_start wire1 gw1 wan0
vm_capture_start wire2 gw2 wan0
vm_expect "ping replies" "$(vm_ping_received lan1 10.1.0.2 10.2.0.2 5)" -eq 5
vm_udp_stream lan1 lan2 10.2.0.2 5001 1000 2000
vm_capture_stop wire1
vm_capture_stop wire2
vm_capture_expect_only wire1 esp 2005
vm_capture_expect_only wire2 esp 5

vm_step "SA and xfrm interface counters agree"
out12=$(vm_sa_counter gw1 192.0.2.1 192.0.2.2 0x1001 packets)
vm_expect "gw1 -> gw2 SA packets at gw1" "$out12" -ge 2005
vm_expect "gw1 -> gw2 SA packets at gw2" "$(vm_sa_counter gw2 192.0.2.1 192.0.2.2 0x1001 packets)" \
  -eq "$out12"
vm_expect "gw1 ipsec0 TX packets" "$(vm_link_counter gw1 ipsec0 TX packets)" -eq "$out12"
vm_expect "gw2 ipsec0 RX packets" "$(vm_link_counter gw2 ipsec0 RX packets)" -eq "$out12"
vm_expect "gw2 ipsec0 TX packets (ping replies)" "$(vm_link_counter gw2 ipsec0 TX packets)" -eq 5
vm_expect "gw1 ipsec0 RX packets" "$(vm_link_counter gw1 ipsec0 RX packets)" -eq 5
for ns in gw1 gw2; do
  vm_expect "$ns ipsec0 TX errors" "$(vm_link_counter "$ns" ipsec0 TX errors)" -eq 0
  vm_expect "$ns ipsec0 RX errors" "$(vm_link_counter "$ns" ipsec0 RX errors)" -eq 0
done

vm_step "traffic not routed via ipsec0 bypasses the tunnel (gw1 -> gw2's WAN address)"
before=$(vm_sa_counter gw1 192.0.2.1 192.0.2.2 0x1001 packets)
vm_capture_start plain1 gw1 wan0
vm_expect "ping replies" "$(vm_ping_received gw1 192.0.2.1 192.0.2.2 3)" -eq 3
vm_capture_stop plain1
vm_capture_expect_only plain1 icmp 3
vm_expect "gw1 -> gw2 SA packets unchanged" \
  "$(vm_sa_counter gw1 192.0.2.1 192.0.2.2 0x1001 packets)" -eq "$before"
vm_step "pass"
