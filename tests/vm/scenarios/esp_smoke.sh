#!/bin/bash
# Policy-mode ESP between two gateways, set up with `ip xfrm` (not pqbranch's code): proves
# the VM's kernel carries real ESP with rfc4106(gcm(aes)) — traffic crosses, SA counters
# move on both ends, the link carries only ESP and never the plaintext, and a wrong key
# on one end makes traffic fail (the negative control that shows the checks can fail).
source "$PQB_SOURCE_DIR/tests/vm/guest/scenario_lib.sh"

vm_step "topology: lan1 - gw1 = ESP = gw2 - lan2"
vm_modules
vm_branch_topology

vm_step "SAs (tunnel mode, rfc4106(gcm(aes)), ESN) and out/in/fwd policies"
k12=$(vm_random_key) k21=$(vm_random_key)
for ns in gw1 gw2; do
  vm_xfrm_sa "$ns" 192.0.2.1 192.0.2.2 0x1001 "$k12"
  vm_xfrm_sa "$ns" 192.0.2.2 192.0.2.1 0x2001 "$k21"
done
vm_xfrm_policies gw1 10.1.0.0/24 10.2.0.0/24 192.0.2.1 192.0.2.2
vm_xfrm_policies gw2 10.2.0.0/24 10.1.0.0/24 192.0.2.2 192.0.2.1

vm_step "traffic lan1 -> lan2 through the tunnel, captured on the link and behind gw2"
vm_capture_start wire1 gw1 wan0
vm_capture_start wire2 gw2 wan0
vm_capture_start lan2-side gw2 lan0
vm_expect "ping replies" "$(vm_ping_received lan1 10.1.0.2 10.2.0.2 5)" -eq 5
vm_udp_stream lan1 lan2 10.2.0.2 5001 1000 2000
vm_capture_stop wire1
vm_capture_stop wire2
vm_capture_stop lan2-side

vm_step "SA counters moved on both ends, and agree"
out12=$(vm_sa_counter gw1 192.0.2.1 192.0.2.2 0x1001 packets)
in12=$(vm_sa_counter gw2 192.0.2.1 192.0.2.2 0x1001 packets)
out21=$(vm_sa_counter gw2 192.0.2.2 192.0.2.1 0x2001 packets)
in21=$(vm_sa_counter gw1 192.0.2.2 192.0.2.1 0x2001 packets)
vm_expect "gw1 -> gw2 SA packets at gw1" "$out12" -ge 2005
vm_expect "gw1 -> gw2 SA packets at gw2" "$in12" -eq "$out12"
vm_expect "gw2 -> gw1 SA packets at gw2 (ping replies)" "$out21" -ge 5
vm_expect "gw2 -> gw1 SA packets at gw1" "$in21" -eq "$out21"
vm_expect "gw2 integrity failures" "$(vm_sa_counter gw2 192.0.2.1 192.0.2.2 0x1001 failed)" -eq 0

vm_step "the link carried only ESP, never the plaintext"
vm_capture_expect_only wire1 esp 2005
vm_capture_expect_only wire2 esp 5
vm_expect "stream marker on the wire" "$(vm_capture_contains wire1 PQBSEQ01)" -eq 0
# Control: the same marker is visible where the traffic is plaintext, so the check above
# looks at the right bytes.
vm_expect "stream marker behind gw2" "$(vm_capture_contains lan2-side PQBSEQ01)" -eq 1

vm_step "negative control: gw2 gets a wrong key for gw1 -> gw2"
ip -n gw2 xfrm state delete src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1001
vm_xfrm_sa gw2 192.0.2.1 192.0.2.2 0x1001 "$(vm_random_key)"
errors_before=$(vm_xfrm_stat gw2 XfrmInStateProtoError)
sent_before=$(vm_sa_counter gw1 192.0.2.1 192.0.2.2 0x1001 packets)
vm_expect "ping replies with a wrong key" "$(vm_ping_received lan1 10.1.0.2 10.2.0.2 3)" -eq 0
vm_expect "gw1 still encrypted and sent" \
  "$(vm_sa_counter gw1 192.0.2.1 192.0.2.2 0x1001 packets)" -eq $((sent_before + 3))
vm_expect "gw2 integrity failures on the SA" \
  "$(vm_sa_counter gw2 192.0.2.1 192.0.2.2 0x1001 failed)" -eq 3
vm_expect "gw2 XfrmInStateProtoError" "$(vm_xfrm_stat gw2 XfrmInStateProtoError)" -eq \
  $((errors_before + 3))
vm_step "pass"
