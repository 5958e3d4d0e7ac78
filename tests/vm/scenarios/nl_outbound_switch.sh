#!/bin/bash
# The outbound switch under load, through NetlinkKernel: while a sequence-numbered UDP
# stream runs lan1 -> lan2 at more than 1000 datagrams/s, `pqb-xfrm-driver switch` rotates
# gw1's outbound SA 100 times (new inbound SA at gw2 first; new outbound SA at gw1, old one
# deleted at once; gw2 retires the old inbound SA once the new one has carried 40 packets,
# which spreads the switches over several seconds of the stream).
# Shown: not one datagram lost or duplicated, every new SPI carried traffic, and the
# SPIs' packet counts at gw2 add up to exactly what was sent. No capture runs during the
# stream (it would slow the one emulated CPU below the rate). The negative control does
# the switch the wrong way round (delete the old outbound SA, then add the new one once gw1
# reported an ACQUIRE, i.e. dropped a packet): the stream then loses at least one datagram
# per round, exactly those gw1 dropped for want of an SA.
# vm-timeout: 300
# vm-cores: 2
source "$PQB_SOURCE_DIR/tests/vm/guest/scenario_lib.sh"

rate=1200
count=${PQB_SWITCH_COUNT:-12000}
rounds=100
per_spi=40

vm_step "topology and the first generation (0x1001 / 0x2001) through NetlinkKernel"
vm_modules
vm_branch_topology
keys=/tmp/keys
vm_key $keys/k12
vm_key $keys/k21
vm_nl gw1 end --local 192.0.2.1 --remote 192.0.2.2 --local-net 10.1.0.0/24 \
  --remote-net 10.2.0.0/24 --out-spi 0x1001 --in-spi 0x2001 --out-key $keys/k12 --in-key $keys/k21
vm_nl gw2 end --local 192.0.2.2 --remote 192.0.2.1 --local-net 10.2.0.0/24 \
  --remote-net 10.1.0.0/24 --out-spi 0x2001 --in-spi 0x1001 --out-key $keys/k21 --in-key $keys/k12

vm_step "stream of $count datagrams at $rate/s; $rounds outbound switches while it runs"
vm_bg udp-recv lan2 pqb-udp-stream recv --port 5001 --expect "$count" --timeout 5 --strict
vm_wait_log udp-recv "listening"
vm_bg udp-send lan1 pqb-udp-stream send --to 10.2.0.2:5001 --rate "$rate" --count "$count"
# The driver waits for the stream on 0x1001 before its first switch.
pqb-xfrm-driver switch --out-ns gw1 --in-ns gw2 --src 192.0.2.1 --dst 192.0.2.2 --spi 0x1001 \
  --rounds "$rounds" --first-new-spi 0x30000 --packets-per-spi "$per_spi" | tee "$PQB_VM_OUT/switch.log"
# The stream must outlast the switches, or they did not all happen under load.
kill -0 "${vm_pid[udp-send]}" 2>/dev/null ||
  vm_fail "the stream ended before the last switch: raise PQB_SWITCH_COUNT (now $count)"
vm_join udp-send || vm_fail "pqb-udp-stream send failed: $(vm_log udp-send)"
recv_rc=0
vm_join udp-recv || recv_rc=$?
send_line=$(grep -E '^pqb-udp-stream send ' "$PQB_VM_OUT/udp-send.log")
recv_line=$(grep -E '^pqb-udp-stream recv expected' "$PQB_VM_OUT/udp-recv.log")
vm_note "$send_line"
vm_note "$recv_line"
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }

vm_step "no datagram lost or duplicated; the rate held; every SPI carried traffic"
vm_expect "receiver exit code (--strict: loss, duplicates, strays)" "$recv_rc" -eq 0
vm_expect "datagrams sent" "$(field "$send_line" sent)" -eq "$count"
vm_expect "datagrams received once each" "$(field "$recv_line" unique)" -eq "$count"
vm_expect "datagrams lost" "$(field "$recv_line" lost)" -eq 0
vm_expect "duplicates" "$(field "$recv_line" duplicates)" -eq 0
send_rate=$(field "$send_line" rate)
vm_expect "sender rate, datagrams/s" "${send_rate%.*}" -ge 1000
switch_line=$(grep -E '^switch rounds=' "$PQB_VM_OUT/switch.log")
vm_expect "switch rounds" "$(field "$switch_line" rounds)" -eq "$rounds"
vm_expect "packets on the least used retired SPI" \
  "$(field "$switch_line" min_packets_per_retired_spi)" -ge "$per_spi"
last=$(field "$switch_line" last_spi)
vm_expect_text "last SPI" "$last" "$(printf '0x%08x' $((0x30000 + rounds - 1)))"
retired=$(field "$switch_line" retired_packets)
final=$(vm_nl_sa gw2 192.0.2.2 "$last" packets)
vm_expect "packets counted at gw2 on all $((rounds + 1)) SPIs" $((retired + final)) -eq "$count"
vm_expect "packets on the last SPI at gw1 = at gw2" "$(vm_nl_sa gw1 192.0.2.2 "$last" packets)" \
  -eq "$final"
vm_expect "SAs left at gw1 (last outbound + inbound)" "$(ip -n gw1 xfrm state | grep -c '^src')" -eq 2
vm_expect "SAs left at gw2 (last inbound + outbound)" "$(ip -n gw2 xfrm state | grep -c '^src')" -eq 2
vm_expect "gw2 replay errors on the last SPI" "$(vm_nl_sa gw2 192.0.2.2 "$last" replay_errors)" -eq 0
vm_expect "gw2 XfrmInNoStates (ESP for an SPI it no longer had)" \
  "$(vm_xfrm_stat gw2 XfrmInNoStates)" -eq 0

vm_step "negative control: 20 switches break-before-make under a 3000-datagram stream"
no_states_before=$(vm_xfrm_stat gw1 XfrmOutNoStates)
vm_bg udp-recv2 lan2 pqb-udp-stream recv --port 5002 --expect 3000 --timeout 3
vm_wait_log udp-recv2 "listening"
vm_bg udp-send2 lan1 pqb-udp-stream send --to 10.2.0.2:5002 --rate "$rate" --count 3000
pqb-xfrm-driver switch --out-ns gw1 --in-ns gw2 --src 192.0.2.1 --dst 192.0.2.2 --spi "$last" \
  --rounds 20 --first-new-spi 0x40000 --packets-per-spi "$per_spi" --break-first 1 |
  tee "$PQB_VM_OUT/switch2.log"
vm_join udp-send2
vm_join udp-recv2
recv_line=$(grep -E '^pqb-udp-stream recv expected' "$PQB_VM_OUT/udp-recv2.log")
vm_note "$recv_line"
lost=$(field "$recv_line" lost)
vm_expect "datagrams lost breaking before making (one per round at least)" "$lost" -ge 20
vm_expect "gw1 XfrmOutNoStates: dropped for want of an SA" \
  "$(vm_xfrm_stat gw1 XfrmOutNoStates)" -eq $((no_states_before + lost))
vm_step "pass"
