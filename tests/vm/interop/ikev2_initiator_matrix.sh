#!/bin/bash
# pqbranch's IKEv2 initiator (pqbranch-agent with one [[ikev2.peer]], in gw1) against a
# strongSwan 6.1 responder (gw2), kernel ESP on both sides, in one VM boot:
# {ECP-256 + ML-KEM-768, Curve25519 + ML-KEM-768, ECP-384 + ML-KEM-1024, ML-KEM-768 alone}
# x {PSK, ECDSA certificates}. Each case: strongSwan selects the hybrid proposal and lists
# the ML-KEM exchange, both CHILD SAs are installed, pings cross as ESP only, and a delete
# from strongSwan removes pqbranch's SAs. Then: forced UDP encapsulation, a delete from
# pqbranch's side (its replacement of the IKE SA at rekey_time), and a responder without
# ML-KEM refused with a clear error.
# vm-timeout: 900
# vm-programs: packaged
source "$PQB_SOURCE_DIR/tests/vm/guest/scenario_lib.sh"
source "$PQB_SOURCE_DIR/tests/vm/guest/strongswan_lib.sh"
source "$PQB_SOURCE_DIR/tests/vm/guest/ikev2_agent_lib.sh"

CASES=(ecp256_mlkem768 x25519_mlkem768 ecp384_mlkem1024 mlkem768)
AUTHS=(psk cert)
MATRIX=()

vm_step "peer root and topology"
vm_note "peer under test: $(ss_versions)"
vm_modules
vm_branch_topology
ia_setup

# One case of the matrix.
run_case() {
  local case=$1 auth=$2
  vm_step "$case, $auth"
  ss_responder resp gw2 "$case" "$auth"
  agent_config "$case" "$auth"
  start_agent
  vm_wait_log agent "IKE SA established" 30
  vm_note "pqbranch: $(grep -m1 'IKE SA established' "$PQB_VM_OUT/agent.log" | sed 's/.*\] //')"
  ss_expect_proposal resp "${SS_SELECTED[$case]}"
  vm_expect_text "strongSwan's IKE SA" "$(ss_sa resp state)" ESTABLISHED
  if [[ "$case" == mlkem768 ]]; then
    vm_expect_text "its key exchange" "$(ss_sa resp dh-group)" ML_KEM_768
  else
    vm_expect_text "its additional key exchange" "$(ss_sa resp ake1)" "${SS_SELECTED[$case]##*KE1_}"
  fi
  if [[ "$auth" == cert ]]; then
    ss_expect_log resp "authentication of 'initiator.pqb.test' with ECDSA_WITH_SHA256_DER successful"
  else
    ss_expect_log resp "authentication of 'initiator.pqb.test' with pre-shared key successful"
  fi
  vm_expect_text "strongSwan's CHILD SA" "$(ss_child resp state)" INSTALLED
  vm_expect_text "ESP with ESN" "$(ss_child resp protocol)/$(ss_child resp encr-alg)/$(ss_child resp esn)" \
    ESP/AES_GCM_16/1
  vm_expect "SAs in gw1's kernel" "$(gw1_sas)" -eq 2
  vm_capture_start "wire-$case-$auth" gw1 wan0
  vm_expect "ping replies lan1 -> lan2" "$(vm_ping_received lan1 10.1.0.2 10.2.0.2 3)" -eq 3
  vm_capture_stop "wire-$case-$auth"
  vm_capture_expect_only "wire-$case-$auth" esp 3
  vm_expect "packets on strongSwan's inbound SA" "$(ss_child resp packets-in)" -ge 3

  # Delete from strongSwan's side: pqbranch answers and removes its CHILD SA.
  ss_terminate resp
  vm_wait_log agent "the responder deleted the IKE SA" 15
  ss_wait_no_ike_sa resp
  # (Dropped messages are not counted here: under load a retransmitted request's late
  # duplicate response is dropped, as it must be.)
  vm_expect "failed pqbranch attempts" "$(vm_log_count agent ' failed: ')" -eq 0
  stop_agent
  ss_stop resp
  vm_wait_for "gw2's kernel SAs removed" 10 no_xfrm_state gw2
}

for case in "${CASES[@]}"; do
  for auth in "${AUTHS[@]}"; do
    run_case "$case" "$auth"
    MATRIX+=("$case x $auth: established (${SS_SELECTED[$case]}), CHILD SAs installed, ESP pings, delete from strongSwan")
  done
done

vm_step "forced UDP encapsulation (nat_traversal = force), and pqbranch replacing its IKE SA"
ss_responder resp gw2 x25519_mlkem768 psk
agent_config x25519_mlkem768 psk 'nat_traversal = "force"' 'rekey_time = "8s"' 'lifetime = "1m"' \
  'reauthenticate = true'
start_agent
vm_wait_log agent "IKE SA established" 30
vm_expect_text "strongSwan's CHILD SA encapsulated" "$(ss_child resp encap)" yes
vm_expect_text "IKE on strongSwan's port" "$(ss_sa resp local-port)" 4500
vm_capture_start wire-encap gw1 wan0
vm_expect "ping replies lan1 -> lan2" "$(vm_ping_received lan1 10.1.0.2 10.2.0.2 3)" -eq 3
vm_capture_stop wire-encap
vm_capture_expect_only wire-encap "udp port 4500" 3
# Delete from pqbranch's side: with reauthenticate, after rekey_time a new IKE SA and CHILD
# SA (IKE_SA_INIT, IKE_AUTH), then the old IKE SA deleted with an INFORMATIONAL exchange
# (rekeying the IKE SA in place is interop.ikev2_lifecycle's).
vm_wait_for "a second IKE SA" 40 agent_established_at_least 2
ss_expect_log resp "received DELETE for IKE_SA pqb" 20
vm_wait_for "old SAs gone from gw1" 15 gw1_sas_are 2
vm_expect "ping replies after the replacement" "$(vm_ping_received lan1 10.1.0.2 10.2.0.2 3)" -eq 3
stop_agent
ss_stop resp

vm_step "a responder without ML-KEM is refused"
ss_responder resp gw2 classical psk
# The refusal is unauthenticated: it ends the attempt only when the request times out
# (2 + 4 + 8 s with agent_config's retransmission settings), and is then the reason.
agent_config ecp384_mlkem1024 psk
start_agent
vm_wait_log agent "IKE_SA_INIT failed" 30
vm_note "pqbranch: $(grep -m1 'IKE_SA_INIT failed' "$PQB_VM_OUT/agent.log" | sed 's/.*\] //')"
vm_expect "clear error" "$(vm_log_count agent 'NO_PROPOSAL_CHOSEN')" -ge 1
vm_expect "SAs in gw1's kernel" "$(gw1_sas)" -eq 0
stop_agent
ss_stop resp

vm_step "matrix passed against $(ss_versions)"
for line in "${MATRIX[@]}"; do vm_note "$line"; done
