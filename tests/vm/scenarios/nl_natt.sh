#!/bin/bash
# NAT traversal (RFC 3948) set up by pqbranch's own code, through a source NAT: SAs with
# Encap installed by NetlinkKernel, and each gateway holding an open_natt_socket()
# (UDP_ENCAP_ESPINUDP, policy bypass) in `pqb-xfrm-driver serve`. The NAT namespace
# rewrites gw1's 192.0.2.1:4500 to 198.51.100.254:40000 (stateless NAT with tc: act_pedit,
# since the build root has neither nft nor iptables), so gw2 sees its peer behind the NAT.
# Shown: traffic crosses as UDP 4500 ESP only; counters agree; when the NAT moves gw1 to
# port 40001, gw2's kernel reports a MappingEvent (read_events), update_sa applies it, and
# traffic continues on the new mapping; without gw2's NAT-T socket nothing is decapsulated.
#
#   lan1 - gw1 192.0.2.1 --- 192.0.2.254 nat 198.51.100.254 --- 198.51.100.2 gw2 - lan2
# vm-timeout: 300
source "$PQB_SOURCE_DIR/tests/vm/guest/scenario_lib.sh"

vm_step "topology with a NAT between the gateways"
vm_modules sch_ingress cls_flower act_pedit act_csum
for ns in lan1 gw1 nat gw2 lan2; do vm_netns "$ns"; done
vm_link lan1 eth0 10.1.0.2/24 gw1 lan0 10.1.0.1/24
vm_link gw1 wan0 192.0.2.1/24 nat in0 192.0.2.254/24
vm_link nat out0 198.51.100.254/24 gw2 wan0 198.51.100.2/24
vm_link gw2 lan0 10.2.0.1/24 lan2 eth0 10.2.0.2/24
ip -n lan1 route add default via 10.1.0.1
ip -n lan2 route add default via 10.2.0.1
ip -n gw1 route add default via 192.0.2.254
ip -n gw2 route add 10.1.0.0/24 via 198.51.100.254
for ns in gw1 nat gw2; do ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1; done

# nat_map PORT: gw1's ESP-in-UDP leaves the NAT from 198.51.100.254:PORT; answers to any
# mapped port go back to 192.0.2.1:4500 (only UDP 4500 is translated).
ip -n nat link set out0 up
tc -n nat qdisc add dev out0 clsact
nat_map() {
  tc -n nat filter del dev out0 egress pref 10 2>/dev/null || true
  tc -n nat filter add dev out0 egress pref 10 protocol ip flower ip_proto udp \
    src_ip 192.0.2.1 src_port 4500 \
    action pedit ex munge ip src set 198.51.100.254 munge udp sport set "$1" pipe \
    action csum ip and udp
  tc -n nat filter add dev out0 ingress pref "$1" protocol ip flower ip_proto udp \
    dst_ip 198.51.100.254 dst_port "$1" \
    action pedit ex munge ip dst set 192.0.2.1 munge udp dport set 4500 pipe \
    action csum ip and udp
}
nat_map 40000

vm_step "NAT-T sockets (open_natt_socket) and event readers on both gateways"
vm_bg serve-gw1 gw1 pqb-xfrm-driver serve --natt 0.0.0.0
vm_bg serve-gw2 gw2 pqb-xfrm-driver serve --natt 0.0.0.0
vm_wait_log serve-gw1 "serve ready"
vm_wait_log serve-gw2 "serve ready"
vm_expect "gw2 UDP 4500 sockets" "$(ip netns exec gw2 ss -Hunl 'sport = :4500' | wc -l)" -eq 1

vm_step "SAs with Encap: gw1 sees 198.51.100.2:4500, gw2 sees 198.51.100.254:40000"
keys=/tmp/keys
vm_key $keys/k12
vm_key $keys/k21
vm_nl gw1 end --local 192.0.2.1 --remote 198.51.100.2 --local-net 10.1.0.0/24 \
  --remote-net 10.2.0.0/24 --out-spi 0x1001 --in-spi 0x2001 --out-key $keys/k12 \
  --in-key $keys/k21 --encap 4500:4500
vm_nl gw2 end --local 198.51.100.2 --remote 198.51.100.254 --local-net 10.2.0.0/24 \
  --remote-net 10.1.0.0/24 --out-spi 0x2001 --in-spi 0x1001 --out-key $keys/k21 \
  --in-key $keys/k12 --encap 4500:40000
vm_expect_text "gw2 inbound SA encap (get_sa)" "$(vm_nl_sa gw2 198.51.100.2 0x1001 encap)" 40000:4500

vm_step "traffic lan1 -> lan2 crosses the NAT as ESP in UDP"
vm_capture_start wire1 gw1 wan0
vm_capture_start natside nat out0
vm_expect "ping replies" "$(vm_ping_received lan1 10.1.0.2 10.2.0.2 5)" -eq 5
vm_udp_stream lan1 lan2 10.2.0.2 5001 1000 2000
vm_capture_stop wire1
vm_capture_stop natside
# udp[8:4] != 0: a non-zero SPI where IKE has its zero non-ESP marker (RFC 3948 section 2.2).
vm_capture_expect_only wire1 "src host 192.0.2.1 and udp src port 4500 and udp dst port 4500 and udp[8:4] != 0" 2005
vm_capture_expect_only natside "src host 198.51.100.254 and udp src port 40000 and dst host 198.51.100.2 and udp dst port 4500 and udp[8:4] != 0" 2005
vm_expect "bare ESP (IP protocol 50) on the wire" "$(vm_capture_count wire1 esp)" -eq 0
vm_expect "stream marker on the wire" "$(vm_capture_contains wire1 PQBSEQ01)" -eq 0
vm_expect_same_counters gw1 192.0.2.1 198.51.100.2 0x1001
vm_expect_same_counters gw2 198.51.100.254 198.51.100.2 0x1001
out12=$(vm_nl_sa gw1 198.51.100.2 0x1001 packets)
vm_expect "gw1 -> gw2 packets at gw1" "$out12" -ge 2005
vm_expect "gw1 -> gw2 packets at gw2" "$(vm_nl_sa gw2 198.51.100.2 0x1001 packets)" -eq "$out12"
vm_expect "gw2 -> gw1 packets at gw1 (ping replies)" "$(vm_nl_sa gw1 192.0.2.1 0x2001 packets)" -eq 5
vm_expect "mapping events while the mapping held" "$(vm_log_count serve-gw2 'event mapping')" -eq 0

vm_step "the NAT moves gw1 to port 40001: MappingEvent at gw2, applied with update_sa"
nat_map 40001
vm_expect "ping replies (answers still reach the old mapping)" \
  "$(vm_ping_received lan1 10.1.0.2 10.2.0.2 2)" -eq 2
vm_wait_log serve-gw2 \
  "event mapping spi=0x00001001 dst=198.51.100.2 old=198.51.100.254:40000 new=198.51.100.254:40001 owned=1"
vm_nl gw2 sa update --src 198.51.100.254 --dst 198.51.100.2 --spi 0x1001 --dir in \
  --key-file $keys/k12 --encap 40001:4500
vm_nl gw2 sa update --src 198.51.100.2 --dst 198.51.100.254 --spi 0x2001 --dir out \
  --key-file $keys/k21 --encap 4500:40001
tc -n nat filter del dev out0 ingress pref 40000  # the old mapping is gone
vm_expect_text "gw2 outbound SA encap (get_sa)" "$(vm_nl_sa gw2 198.51.100.254 0x2001 encap)" 4500:40001
vm_capture_start wire2 gw2 wan0
vm_expect "ping replies on the new mapping" "$(vm_ping_received lan1 10.1.0.2 10.2.0.2 3)" -eq 3
vm_capture_stop wire2
vm_capture_expect_only wire2 "src host 198.51.100.2 and udp src port 4500 and dst host 198.51.100.254 and udp dst port 40001" 3
# One event per packet from the new port (2 pings), none once the SA knows the mapping.
vm_expect "mapping events in all" "$(vm_log_count serve-gw2 'event mapping')" -eq 2

vm_step "negative control: gw2's NAT-T socket closed, nothing is decapsulated"
kill "${vm_pid[serve-gw2]}"
vm_join serve-gw2
in_before=$(vm_nl_sa gw2 198.51.100.2 0x1001 packets)
vm_expect "ping replies" "$(vm_ping_received lan1 10.1.0.2 10.2.0.2 3)" -eq 0
vm_expect "gw1 -> gw2 packets at gw2 unchanged" "$(vm_nl_sa gw2 198.51.100.2 0x1001 packets)" \
  -eq "$in_before"
vm_step "pass"
