#!/bin/bash
# Policy-mode ESP installed by pqbranch's own code (NetlinkKernel through pqb-xfrm-driver;
# `ip` only reads): traffic crosses, get_sa counters move on both ends and agree with
# `ip -s xfrm state`, the link carries only ESP, and a wrong key drops traffic. Then
# lifetimes on a new outbound generation: a soft byte limit raises a soft expire event
# (event_fd/read_events) while traffic still flows; the hard limit deletes the SA, and
# with the policies still there traffic stops instead of leaving in clear.
# vm-timeout: 300
source "$PQB_SOURCE_DIR/tests/vm/guest/scenario_lib.sh"

vm_step "topology: lan1 - gw1 = ESP = gw2 - lan2"
vm_modules
vm_branch_topology
keys=/tmp/keys
vm_key $keys/k12
vm_key $keys/k21

vm_step "each gateway installs its end: install_pair (in, out) and out/in/fwd policies"
vm_nl gw1 end --local 192.0.2.1 --remote 192.0.2.2 --local-net 10.1.0.0/24 \
  --remote-net 10.2.0.0/24 --out-spi 0x1001 --in-spi 0x2001 --out-key $keys/k12 --in-key $keys/k21
vm_nl gw2 end --local 192.0.2.2 --remote 192.0.2.1 --local-net 10.2.0.0/24 \
  --remote-net 10.1.0.0/24 --out-spi 0x2001 --in-spi 0x1001 --out-key $keys/k21 --in-key $keys/k12
vm_expect "SAs at gw1 (ip xfrm state)" "$(ip -n gw1 xfrm state | grep -c '^src')" -eq 2
vm_expect "policies at gw1 (ip xfrm policy)" "$(ip -n gw1 xfrm policy | grep -c '^src')" -eq 3
vm_expect_text "gw1 SA 0x1001 direction (get_sa)" "$(vm_nl_sa gw1 192.0.2.2 0x1001 dir)" out
vm_expect_text "gw1 SA 0x2001 direction (get_sa)" "$(vm_nl_sa gw1 192.0.2.1 0x2001 dir)" in

vm_step "traffic lan1 -> lan2, captured on the link and behind gw2"
vm_capture_start wire1 gw1 wan0
vm_capture_start wire2 gw2 wan0
vm_capture_start lan2-side gw2 lan0
vm_expect "ping replies" "$(vm_ping_received lan1 10.1.0.2 10.2.0.2 5)" -eq 5
vm_udp_stream lan1 lan2 10.2.0.2 5001 1000 2000
vm_capture_stop wire1
vm_capture_stop wire2
vm_capture_stop lan2-side

vm_step "get_sa counters moved on both ends, agree with each other and with ip -s xfrm state"
vm_expect_same_counters gw1 192.0.2.1 192.0.2.2 0x1001
vm_expect_same_counters gw2 192.0.2.1 192.0.2.2 0x1001
vm_expect_same_counters gw2 192.0.2.2 192.0.2.1 0x2001
vm_expect_same_counters gw1 192.0.2.2 192.0.2.1 0x2001
out12=$(vm_nl_sa gw1 192.0.2.2 0x1001 packets)
out21=$(vm_nl_sa gw2 192.0.2.1 0x2001 packets)
vm_expect "gw1 -> gw2 packets at gw1" "$out12" -ge 2005
vm_expect "gw1 -> gw2 packets at gw2" "$(vm_nl_sa gw2 192.0.2.2 0x1001 packets)" -eq "$out12"
vm_expect "gw2 -> gw1 packets at gw2 (ping replies)" "$out21" -ge 5
vm_expect "gw2 -> gw1 packets at gw1" "$(vm_nl_sa gw1 192.0.2.1 0x2001 packets)" -eq "$out21"
vm_expect "gw2 integrity failures" "$(vm_nl_sa gw2 192.0.2.2 0x1001 integrity_failures)" -eq 0

vm_step "the link carried only ESP, never the plaintext"
vm_capture_expect_only wire1 esp 2005
vm_capture_expect_only wire2 esp 5
vm_expect "stream marker on the wire" "$(vm_capture_contains wire1 PQBSEQ01)" -eq 0
# Control: the marker is visible where the traffic is plaintext.
vm_expect "stream marker behind gw2" "$(vm_capture_contains lan2-side PQBSEQ01)" -eq 1

vm_step "negative control: gw2 replaces 0x1001 with a wrong key (delete_sa, add_sa)"
vm_key $keys/wrong
vm_nl gw2 sa delete --dst 192.0.2.2 --spi 0x1001
vm_nl gw2 sa add --src 192.0.2.1 --dst 192.0.2.2 --spi 0x1001 --dir in --key-file $keys/wrong
sent_before=$(vm_nl_sa gw1 192.0.2.2 0x1001 packets)
vm_expect "ping replies with a wrong key" "$(vm_ping_received lan1 10.1.0.2 10.2.0.2 3)" -eq 0
vm_expect "gw1 still encrypted and sent" "$(vm_nl_sa gw1 192.0.2.2 0x1001 packets)" -eq \
  $((sent_before + 3))
vm_expect "gw2 integrity failures (get_sa)" \
  "$(vm_nl_sa gw2 192.0.2.2 0x1001 integrity_failures)" -eq 3
vm_expect "gw2 integrity failures (ip)" "$(vm_sa_counter gw2 192.0.2.1 192.0.2.2 0x1001 failed)" -eq 3

vm_step "lifetimes: new generation 0x1002 with soft 50 kB / hard 200 kB outbound at gw1"
vm_bg events-gw1 gw1 pqb-xfrm-driver serve
vm_wait_log events-gw1 "serve ready"
vm_key $keys/k12b
vm_nl gw2 sa add --src 192.0.2.1 --dst 192.0.2.2 --spi 0x1002 --dir in --key-file $keys/k12b
vm_nl gw1 sa add --src 192.0.2.1 --dst 192.0.2.2 --spi 0x1002 --dir out --key-file $keys/k12b \
  --soft-bytes 50000 --hard-bytes 200000
vm_nl gw1 sa delete --dst 192.0.2.2 --spi 0x1001
# 1000 datagrams of 64 bytes: 92 bytes each as the SA counts them (the inner packet), so
# past the soft limit and short of the hard one.
vm_udp_stream lan1 lan2 10.2.0.2 5002 1000 1000
vm_wait_log events-gw1 "event expire soft spi=0x00001002 src=192.0.2.1 dst=192.0.2.2 .* owned=1"
vm_expect "hard expire events so far" "$(vm_log_count events-gw1 'event expire hard')" -eq 0
packets=$(vm_nl_sa gw1 192.0.2.2 0x1002 packets)
bytes=$(vm_nl_sa gw1 192.0.2.2 0x1002 bytes)
vm_expect "SA 0x1002 packets past the soft limit (it still carries traffic)" "$packets" -eq 1000
vm_expect "SA 0x1002 bytes" "$bytes" -ge 50000

vm_step "the hard limit: the SA goes, the policies stay, nothing leaves in clear"
no_states_before=$(vm_xfrm_stat gw1 XfrmOutNoStates)
vm_capture_start wire3 gw1 wan0
vm_bg udp-recv2 lan2 pqb-udp-stream recv --port 5003 --expect 2000 --timeout 3
vm_wait_log udp-recv2 "listening"
ip netns exec lan1 pqb-udp-stream send --to 10.2.0.2:5003 --rate 1000 --count 2000
vm_join udp-recv2 || true
vm_note "$(grep -E '^pqb-udp-stream recv ' "$PQB_VM_OUT/udp-recv2.log")"
vm_wait_log events-gw1 "event expire hard spi=0x00001002 src=192.0.2.1 dst=192.0.2.2 .* owned=1"
rc=0
vm_nl gw1 sa get --dst 192.0.2.2 --spi 0x1002 2>/dev/null || rc=$?
vm_expect "get_sa of the hard-expired SA: exit code (3 = not found)" "$rc" -eq 3
vm_expect "policies at gw1" "$(ip -n gw1 xfrm policy | grep -c '^src')" -eq 3
vm_expect "ping replies without an SA" "$(vm_ping_received lan1 10.1.0.2 10.2.0.2 3)" -eq 0
vm_capture_stop wire3
# The kernel lets a packet through while the bytes counted so far are below the limit.
per_packet=$((bytes / packets))
allowed=$(((200000 + per_packet - 1) / per_packet - packets))
vm_expect "datagrams received until the hard limit" \
  "$(sed -n 's/.* unique=\([0-9]*\).*/\1/p' "$PQB_VM_OUT/udp-recv2.log")" -eq "$allowed"
vm_capture_expect_only wire3 esp "$allowed"
vm_expect "ESP packets on the wire (none after the hard limit)" "$(vm_capture_count wire3 esp)" -eq "$allowed"
vm_expect "stream marker on the wire" "$(vm_capture_contains wire3 PQBSEQ01)" -eq 0
vm_expect "gw1 XfrmOutNoStates (dropped: a policy without SA)" \
  "$(vm_xfrm_stat gw1 XfrmOutNoStates)" -ge $((no_states_before + 2000 - allowed))
vm_step "pass"
