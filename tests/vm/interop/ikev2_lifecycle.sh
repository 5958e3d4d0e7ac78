#!/bin/bash
# The lifecycle of pqbranch's IKEv2 initiator against a strongSwan 6.1 responder, kernel ESP
# on both sides, in one VM boot:
# (a) CHILD SA rekeys (CREATE_CHILD_SA with ECP-384 as the PFS key exchange and ML-KEM-1024
#     in IKE_FOLLOWUP_KE, RFC 9370) while a UDP stream crosses the tunnel, first strongSwan's
#     (answered by pqbranch), then pqbranch's together with IKE SA rekeys (CREATE_CHILD_SA
#     with ECP-384 and ML-KEM-1024 in IKE_FOLLOWUP_KE): at least 20 CHILD SA rekeys of each
#     side and 5 IKE SA rekeys with short rekey times, not one datagram lost or duplicated,
#     strongSwan lists the additional key exchanges, each replaced CHILD SA and IKE SA is
#     deleted on both sides, no new IKE_SA_INIT is needed, and pqbranch-agent status shows
#     it; in between, strongSwan rekeying the IKE SA (so that it becomes the new IKE SA's
#     original initiator) and its CHILD SA on it, both sides rekeying the CHILD SA at
#     nearly the same times (crossing rekeys), and both sides rekeying the IKE SA at the same
#     times (crossing IKE SA rekeys, RFC 7296 2.8.2);
# (b) RFC 7383 fragmentation on a path that drops IP fragments: fragment_size 576 on both
#     sides, ECP-384 + ML-KEM-1024 and ECDSA certificates (every large message in fragments);
# (c) dead peer detection: IKE to the responder dropped, the IKE SA declared dead and its
#     SAs removed; let through again, a new IKE SA and pings crossing;
# (d) a strongSwan under load asks for a COOKIE (RFC 7296 §2.6): two half-open IKE SAs
#     reach its cookie_threshold, and pqbranch's IKE_SA_INIT is answered with a COOKIE,
#     returned, and the IKE SA established.
# vm-timeout: 720
# vm-programs: packaged
source "$PQB_SOURCE_DIR/tests/vm/guest/scenario_lib.sh"
source "$PQB_SOURCE_DIR/tests/vm/guest/strongswan_lib.sh"
source "$PQB_SOURCE_DIR/tests/vm/guest/ikev2_agent_lib.sh"

REKEYS=20
ESP=aes256gcm16-ecp384-ke1_mlkem1024
# Each step's UDP stream (lan1 -> lan2, 200 datagrams/s) runs until the rekeys it is there for
# have happened, not for a fixed time: stream_until DESCRIPTION SECONDS COMMAND... starts it,
# waits (at most SECONDS) for COMMAND, stops it and expects every datagram sent received once
# and nothing foreign.
stream_until() {
  vm_stream_start lan1 lan2 10.2.0.2 200
  vm_wait_for "the stream reaches lan2" 20 vm_stream_caught_up 50
  VM_POLL_S=1 vm_wait_for "$@"
  vm_stream_stop
  vm_stream_expect_clean
}
# at_least N LOG PATTERN: LOG ($PQB_VM_OUT/LOG.log) has N lines matching PATTERN (grep -E).
at_least() { (($(grep -cE -- "$3" "$PQB_VM_OUT/$2.log" || true) >= $1)); }

vm_step "peer root and topology"
vm_note "peer under test: $(ss_versions)"
vm_modules
vm_branch_topology
ia_setup

vm_step "(a1) strongSwan rekeying its CHILD SA with $ESP 2 s after each; pqbranch answering"
ss_responder resp gw2 ecp384_mlkem1024 psk esp="$ESP-esn" child_rekey=2
agent_config ecp384_mlkem1024 psk "esp_proposal = \"$ESP\"" 'child_rekey_time = "0s"' \
  'rekey_time = "30m"' 'lifetime = "1h"' 'dpd_delay = "0s"'
start_agent
vm_wait_log agent "IKE SA established" 30
ike_spi=$(ss_sa resp initiator-spi)
# strongSwan rekeys 2 s after each CHILD SA (its rekey_time, no rand_time), each rekey taking
# a few hundred ms in the emulated VM: the stream runs for about 50 s.
a1_done() {
  at_least "$REKEYS" agent 'CHILD SA rekeyed by the responder' &&
    at_least "$REKEYS" resp 'sending DELETE for ESP CHILD_SA'
}
stream_until "$REKEYS CHILD SA rekeys by strongSwan, the replaced ones deleted" 150 a1_done
peer_rekeys=$(vm_log_count agent 'CHILD SA rekeyed by the responder')
vm_note "CHILD SA rekeys by strongSwan during the stream: $peer_rekeys"
vm_expect "CHILD SA rekeys by strongSwan, answered" "$peer_rekeys" -ge "$REKEYS"
vm_expect "its rekeys refused here" "$(vm_log_count agent "refused the responder's CREATE_CHILD_SA")" -eq 0
vm_expect "replaced CHILD SAs strongSwan deleted after its rekeys" \
  "$(grep -cE 'sending DELETE for ESP CHILD_SA' "$PQB_VM_OUT/resp.log")" -ge "$REKEYS"
vm_expect_text "the same IKE SA" "$(ss_sa resp initiator-spi)" "$ike_spi"
vm_expect_text "its CHILD SA's additional key exchange" "$(ss_child resp ake1)" ML_KEM_1024
vm_note "strongSwan log lines naming KE1_ML_KEM_1024: $(vm_log_count resp KE1_ML_KEM_1024)"
vm_expect "peer_child_rekeys in --json" "$("$AGENT" status --socket "$WORK/agent.sock" --json |
  grep -o '"peer_child_rekeys":[0-9]*' | cut -d: -f2)" -ge "$REKEYS"
vm_wait_for "two SAs in gw1's kernel" 10 gw1_sas_are 2
stop_agent
ss_stop resp

vm_step "(a4) strongSwan rekeying the IKE SA 6 s after each (and its CHILD SA after 4 s); pqbranch answering"
# After strongSwan's IKE SA rekey it is the new IKE SA's original initiator (RFC 7296 2.18):
# its CHILD SA rekeys and Deletes on it carry the I flag, and our answers come under SK_er.
ss_responder resp gw2 ecp384_mlkem1024 psk esp="$ESP-esn" child_rekey=4 ike_rekey=6
agent_config ecp384_mlkem1024 psk "esp_proposal = \"$ESP\"" 'child_rekey_time = "0s"' \
  'rekey_time = "30m"' 'lifetime = "1h"' 'dpd_delay = "0s"'
start_agent
vm_wait_log agent "IKE SA established" 30
t=$SECONDS
a4_done() {
  at_least 5 agent 'the responder rekeyed the IKE SA' &&
    at_least 5 agent 'the responder deleted the old IKE SA'
}
stream_until "5 IKE SA rekeys by strongSwan, the old IKE SAs deleted" 120 a4_done
peer_ike=$(vm_log_count agent 'the responder rekeyed the IKE SA')
vm_note "in $((SECONDS - t)) s: $peer_ike IKE SA rekeys and $(vm_log_count agent 'CHILD SA rekeyed by the responder') CHILD SA rekeys by strongSwan answered; $(vm_log_count agent "refused the responder's CREATE_CHILD_SA") refused"
vm_expect "IKE SA rekeys by strongSwan, answered" "$peer_ike" -ge 5
vm_expect "old IKE SAs strongSwan deleted after its rekeys" \
  "$(vm_log_count agent 'the responder deleted the old IKE SA')" -ge 5
vm_expect "IKE SAs established by pqbranch (IKE_SA_INIT)" "$(vm_log_count agent 'IKE SA established')" -eq 1
vm_expect_text "strongSwan's IKE SA's additional key exchange" "$(ss_sa resp ake1)" ML_KEM_1024
vm_expect "peer_ike_rekeys in --json" "$("$AGENT" status --socket "$WORK/agent.sock" --json |
  grep -o '"peer_ike_rekeys":[0-9]*' | cut -d: -f2)" -ge 5
vm_wait_for "two SAs in gw1's kernel" 10 gw1_sas_are 2
stop_agent
ss_stop resp

vm_step "(a3) both sides rekeying the CHILD SA at nearly the same times (RFC 7296 2.8.1)"
# strongSwan rekeys 1, 2 or 3 whole seconds after each CHILD SA (rekey_time 3 s less a
# random 0-2 s), we 1.8-2 s after: now one side is first, now the other, and now and then both
# at once: a rekey crossing the other's is answered and the nonces keep one new pair (RFC
# 7296 2.8.1); one that comes too late for that is answered TEMPORARY_FAILURE and retried.
ss_responder resp gw2 ecp384_mlkem1024 psk esp="$ESP-esn" child_rekey=3 child_rand=2
agent_config ecp384_mlkem1024 psk "esp_proposal = \"$ESP\"" 'child_rekey_time = "2s"' \
  'rekey_time = "30m"' 'lifetime = "1h"' 'dpd_delay = "0s"'
start_agent
vm_wait_log agent "IKE SA established" 30
t=$SECONDS
# At least 3 by each side, and a crossing (resolved by the nonces or refused) or 30 s of them.
a3_done() {
  at_least 3 agent 'CHILD SA rekeyed: in' && at_least 3 agent 'CHILD SA rekeyed by the responder' &&
    { at_least 1 agent "rekey of the CHILD SA crosses ours|refused the responder's CREATE_CHILD_SA" ||
      ((SECONDS - t >= 30)); }
}
stream_until "3 CHILD SA rekeys by each side" 120 a3_done
both_ours=$(vm_log_count agent 'CHILD SA rekeyed: in')
both_theirs=$(vm_log_count agent 'CHILD SA rekeyed by the responder')
vm_note "in $((SECONDS - t)) s: $both_ours CHILD SA rekeys by pqbranch, $both_theirs by strongSwan; crossings: $(vm_log_count agent "rekey of the CHILD SA crosses ours") of strongSwan's resolved by the nonces and $(vm_log_count agent "refused the responder's CREATE_CHILD_SA") answered TEMPORARY_FAILURE here, $(vm_log_count agent 'CHILD SA rekey failed') of ours refused by strongSwan"
vm_expect "CHILD SA rekeys by each side" "$((both_ours < both_theirs ? both_ours : both_theirs))" -ge 3
vm_expect "IKE SAs established by pqbranch (IKE_SA_INIT)" "$(vm_log_count agent 'IKE SA established')" -eq 1
vm_wait_for "two SAs in gw1's kernel" 10 gw1_sas_are 2
stop_agent
ss_stop resp

vm_step "(a5) both sides rekeying the IKE SA 5 s after each (RFC 7296 2.8.2)"
# Each side rekeys the IKE SA 5 s after each new one (strongSwan without rand_time), and a new
# IKE SA starts both clocks within a round trip of each other: now one side is first, now the
# other, now both at once: the CREATE_CHILD_SAs cross, both are answered, and the nonces keep
# one new IKE SA (with ML-KEM-1024 in IKE_FOLLOWUP_KE the loser stops before it); one that
# comes too late for that is answered TEMPORARY_FAILURE and retried.
ss_responder resp gw2 ecp384_mlkem1024 psk esp="$ESP-esn" ike_rekey=5
agent_config ecp384_mlkem1024 psk "esp_proposal = \"$ESP\"" 'child_rekey_time = "30m"' \
  'rekey_time = "5s"' 'lifetime = "1h"' 'dpd_delay = "0s"'
start_agent
vm_wait_log agent "IKE SA established" 30
t=$SECONDS
# At least 3 of either side, and a crossing (either outcome) or 30 s of them.
a5_done() {
  at_least 3 agent 'IKE SA rekeyed with|the responder rekeyed the IKE SA' &&
    { at_least 1 agent "rekey of the IKE SA crosses ours|IKE SA rekey refused|refused the responder's CREATE_CHILD_SA" ||
      ((SECONDS - t >= 30)); }
}
stream_until "3 IKE SA rekeys of either side" 120 a5_done
ike_ours=$(vm_log_count agent 'IKE SA rekeyed with')
ike_theirs=$(vm_log_count agent 'the responder rekeyed the IKE SA')
vm_note "in $((SECONDS - t)) s: $ike_ours IKE SA rekeys by pqbranch, $ike_theirs by strongSwan; crossings: $(vm_log_count agent 'rekey of the IKE SA crosses ours') here ($(vm_log_count agent 'IKE SA rekey collision: our exchange has the lowest') lost by us, $(vm_log_count agent "IKE SA rekey collision: the responder's exchange has the lowest") won), strongSwan logged $(vm_log_count resp 'IKE_SA rekey collision lost') lost and $(vm_log_count resp 'IKE_SA rekey collision won') won; $(vm_log_count agent 'IKE SA rekey refused') of ours answered TEMPORARY_FAILURE, $(vm_log_count agent "refused the responder's CREATE_CHILD_SA") of its refused here"
vm_expect "IKE SA rekeys of both sides" "$((ike_ours + ike_theirs))" -ge 3
vm_expect "IKE SA rekeys that failed other than TEMPORARY_FAILURE" \
  "$(vm_log_count agent 'making a new IKE SA and CHILD SA instead')" -eq 0
vm_expect "IKE SAs established by pqbranch (IKE_SA_INIT)" "$(vm_log_count agent 'IKE SA established')" -eq 1
ss_one_ike_sa() { [[ $(ss_swanctl resp --list-sas --raw 2>/dev/null | grep -o ' initiator-spi=' | wc -l) -eq 1 ]]; }
vm_wait_for "one IKE SA at strongSwan" 10 ss_one_ike_sa
vm_wait_for "two SAs in gw1's kernel" 10 gw1_sas_are 2
stop_agent
ss_stop resp

vm_step "(a2) strongSwan responder with $ESP for its CHILD SAs; pqbranch rekeying the CHILD SA every 3 s and the IKE SA every 10 s"
ss_responder resp gw2 ecp384_mlkem1024 psk esp="$ESP-esn"
agent_config ecp384_mlkem1024 psk "esp_proposal = \"$ESP\"" 'child_rekey_time = "3s"' \
  'rekey_time = "10s"' 'lifetime = "1h"' 'dpd_delay = "0s"'
start_agent
vm_wait_log agent "IKE SA established" 30
ike_spi=$(ss_sa resp initiator-spi)

vm_step "a UDP stream lan1 -> lan2 across $REKEYS CHILD SA rekeys and 5 IKE SA rekeys"
# The CHILD SA rekeys come every 2.7-3 s (child_rekey_time less up to a tenth), an IKE SA rekey
# 10 s after each IKE SA once no CHILD SA rekey runs (each one holds the next CHILD SA rekey
# back; at host load 9, 18 CHILD SA rekeys fitted in 70 s): the stream runs for about 65 s.
t=$SECONDS
a2_done() {
  at_least "$REKEYS" agent 'CHILD SA rekeyed: in' && at_least 5 agent 'IKE SA rekeyed with' &&
    at_least 5 resp 'received DELETE for IKE_SA' &&
    at_least "$REKEYS" resp 'received DELETE for ESP CHILD_SA'
}
stream_until "$REKEYS CHILD SA and 5 IKE SA rekeys by pqbranch, the replaced ones deleted" 240 a2_done
rekeys=$(vm_log_count agent 'CHILD SA rekeyed: in')
ike_rekeys=$(vm_log_count agent 'IKE SA rekeyed with')
vm_note "in $((SECONDS - t)) s of stream pqbranch rekeyed the CHILD SA $rekeys times and the IKE SA $ike_rekeys times"
vm_expect "CHILD SA rekeys" "$rekeys" -ge "$REKEYS"
vm_expect "IKE SA rekeys" "$ike_rekeys" -ge 5
vm_expect "failed rekeys" "$(vm_log_count agent 'rekey failed')" -eq 0
vm_expect "IKE SAs established by pqbranch (IKE_SA_INIT)" "$(vm_log_count agent 'IKE SA established')" -eq 1
vm_expect "replaced IKE SAs strongSwan deleted on request" \
  "$(grep -cE 'received DELETE for IKE_SA' "$PQB_VM_OUT/resp.log")" -ge 5
vm_note "strongSwan's IKE SA now: SPIs $(ss_sa resp initiator-spi)_i (first $ike_spi), ke=$(ss_sa resp dh-group) ake1=$(ss_sa resp ake1)"
vm_expect_text "its IKE SA's additional key exchange" "$(ss_sa resp ake1)" ML_KEM_1024
vm_note "strongSwan log lines selecting an IKE proposal with KE1_ML_KEM_1024 (IKE_SA_INIT and each rekey): $(grep -cE 'selected proposal: IKE:.*KE1_ML_KEM_1024' "$PQB_VM_OUT/resp.log" || true)"

vm_step "strongSwan's view"
vm_note "strongSwan CHILD SA: $(ss_child resp spi-in)/$(ss_child resp spi-out) dh-group=$(ss_child resp dh-group) ake1=$(ss_child resp ake1)"
vm_expect_text "its CHILD SA's key exchange" "$(ss_child resp dh-group)" ECP_384
vm_expect_text "its CHILD SA's additional key exchange" "$(ss_child resp ake1)" ML_KEM_1024
# charon logs each rekeyed CHILD SA twice (its inbound half, then its outbound half).
vm_expect "CHILD SA halves strongSwan established" \
  "$(grep -cE 'CHILD_SA net\{[0-9]+\} established' "$PQB_VM_OUT/resp.log")" -ge $((2 * REKEYS + 1))
vm_expect "replaced CHILD SAs strongSwan deleted on request" \
  "$(grep -cE 'received DELETE for ESP CHILD_SA' "$PQB_VM_OUT/resp.log")" -ge "$REKEYS"
vm_note "strongSwan log lines naming KE1_ML_KEM_1024: $(vm_log_count resp KE1_ML_KEM_1024)"
vm_step "pqbranch-agent status shows the peer"
status=$("$AGENT" status --socket "$WORK/agent.sock")
printf '%s\n' "$status" | sed 's/^/   | /'
vm_expect_text "peer line" "$(printf '%s\n' "$status" | grep -m1 '^ikev2 ss')" \
  "ikev2 ss       established, 192.0.2.1 -> 192.0.2.2"
json=$("$AGENT" status --socket "$WORK/agent.sock" --json)
vm_expect "child_rekeys in --json" \
  "$(grep -o '"child_rekeys":[0-9]*' <<<"$json" | cut -d: -f2)" -ge "$REKEYS"
# The status's CHILD SA is one strongSwan holds: its outbound SPI is our inbound one
# (strongSwan lists replaced CHILD SAs for 5 s more, so any of its CHILD SAs may match).
status_spi_is_strongswans() {
  local in
  in=$("$AGENT" status --socket "$WORK/agent.sock" --json | grep -o '"inbound_spi":[0-9]*' |
    cut -d: -f2)
  ss_swanctl resp --list-sas --raw 2>/dev/null | grep -q " spi-out=$(printf '%08x' "$in")"
}
vm_wait_for "the status's inbound SPI is strongSwan's outbound SPI" 10 status_spi_is_strongswans
# Only the current pair is left (the last rekey's old SAs are gone within the drain and
# the Delete's round trip).
vm_wait_for "two SAs in gw1's kernel" 10 gw1_sas_are 2
stop_agent
ss_stop resp
vm_note "passed: $peer_rekeys CHILD SA rekeys by strongSwan and $rekeys by pqbranch with ECP-384 + ML-KEM-1024, 0 datagrams lost"

vm_step "(b) fragment_size 576 on both sides, IP fragments dropped on both gateways"
for ns in gw1 gw2; do
  # Before reassembly (conntrack's defrag hooks at -400): every IP fragment is counted and
  # dropped.
  ip netns exec "$ns" nft -f - <<EOF
table ip nofrag {
  chain pre {
    type filter hook prerouting priority -450; policy accept;
    ip frag-off & 0x3fff != 0 counter drop
  }
}
EOF
done
ss_responder resp gw2 ecp384_mlkem1024 cert fragment_size=576
agent_config ecp384_mlkem1024 cert 'fragment_size = 576' 'child_rekey_time = "0s"'
start_agent
vm_wait_log agent "IKE SA established" 30
json=$("$AGENT" status --socket "$WORK/agent.sock" --json)
metric() { grep -o "ikev2_$1[^:]*:[0-9]*" <<<"$json" | head -n1 | cut -d: -f2 || true; }
vm_note "pqbranch: requests sent in fragments $(metric fragmented_requests), fragments dropped $(metric dropped_fragments)"
vm_expect "pqbranch requests sent in fragments" "$(metric fragmented_requests)" -ge 2
dropped=$(metric dropped_fragments)
vm_expect "fragments pqbranch dropped" "${dropped:-0}" -eq 0
ss_expect_log resp "splitting IKE message \([0-9]+ bytes\) into [0-9]+ fragments"
vm_note "strongSwan: $(grep -cE 'splitting IKE message' "$PQB_VM_OUT/resp.log") message(s) split, the largest $(grep -oE 'splitting IKE message \([0-9]+ bytes\)' "$PQB_VM_OUT/resp.log" | grep -oE '[0-9]+' | sort -n | tail -1) bytes"
ss_expect_log resp "reassembled fragmented IKE message"
ss_expect_log resp "authentication of 'initiator.pqb.test' with ECDSA_WITH_SHA256_DER successful"
vm_expect_text "its additional key exchange" "$(ss_sa resp ake1)" ML_KEM_1024
vm_expect "ping replies lan1 -> lan2" "$(vm_ping_received lan1 10.1.0.2 10.2.0.2 3)" -eq 3
for ns in gw1 gw2; do
  vm_note "$ns: IP fragments dropped: $(ip netns exec "$ns" nft list table ip nofrag | grep -oE 'packets [0-9]+' | head -n1)"
  ip netns exec "$ns" nft delete table ip nofrag
done
stop_agent
ss_stop resp

vm_step "(c) dead peer detection: IKE to strongSwan dropped, then let through"
ss_responder resp gw2 x25519_mlkem768 psk
agent_config x25519_mlkem768 psk 'dpd_delay = "2s"' 'child_rekey_time = "0s"'
start_agent
vm_wait_log agent "IKE SA established" 30
t_block=$(date +%s.%N)
ip netns exec gw2 nft -f - <<EOF
table inet noike {
  chain in { type filter hook input priority 0; policy accept; udp dport { 500, 4500 } drop; }
}
EOF
VM_POLL_S=0.5 vm_wait_for "pqbranch declares the responder dead" 40 \
  grep -q "dead peer: no answer to the liveness check" "$PQB_VM_OUT/agent.log"
t_dead=$(date +%s.%N)
vm_note "pqbranch: $(grep -m1 'dead peer' "$PQB_VM_OUT/agent.log" | sed 's/.*\] //')"
vm_note "detected $(awk -v a="$t_block" -v b="$t_dead" 'BEGIN { printf "%.1f", b - a }') s after the block (dpd_delay 2 s, then sends after 0, 2 and 6 s, given up at 14 s)"
vm_wait_for "its SAs removed from gw1" 10 gw1_sas_are 0
ip netns exec gw2 nft delete table inet noike
VM_POLL_S=0.5 vm_wait_for "a new IKE SA once IKE passes again" 60 agent_established_at_least 2
vm_wait_for "two SAs in gw1's kernel" 10 gw1_sas_are 2
vm_expect "ping replies lan1 -> lan2 after the new IKE SA" \
  "$(vm_ping_received lan1 10.1.0.2 10.2.0.2 3)" -eq 3
stop_agent
ss_stop resp

vm_step "(d) strongSwan asking for a COOKIE: cookie_threshold 2, two half-open IKE SAs"
ss_responder resp gw2 x25519_mlkem768 psk cookie_threshold=2
half_open=$(ip netns exec gw1 "$PQB_BUILD_DIR/tests/tools/pqb-ike-half-open" \
  --from 192.0.2.1 --to 192.0.2.2 --count 2 --proposal "${SS_PROPOSAL[x25519_mlkem768]}")
vm_note "$half_open (left half-open: strongSwan keeps them for its half_open_timeout, 30 s)"
vm_expect_text "both half-open IKE SAs answered without a COOKIE" "$half_open" \
  "pqb-ike-half-open sent=2 answered=2 cookies=0"
agent_config x25519_mlkem768 psk 'child_rekey_time = "0s"'
start_agent
vm_wait_log agent "IKE SA established" 30
ss_expect_log resp "IKE_SA_INIT response 0 \[ N\(COOKIE\) \]"
vm_note "strongSwan: $(grep -m1 -E 'N\(COOKIE\)' "$PQB_VM_OUT/resp.log" | sed 's/^[0-9:]* //')"
vm_note "pqbranch: $(grep -m1 'asks for a COOKIE' "$PQB_VM_OUT/agent.log" | sed 's/.*\] //')"
vm_expect "COOKIEs pqbranch returned" "$(vm_log_count agent 'asks for a COOKIE')" -ge 1
vm_expect "ping replies lan1 -> lan2" "$(vm_ping_received lan1 10.1.0.2 10.2.0.2 3)" -eq 3
stop_agent
ss_stop resp
vm_step "passed: $peer_rekeys + $rekeys CHILD SA rekeys (0 datagrams lost), fragmentation without IP fragments, a dead peer detected and replaced, a COOKIE answered"
