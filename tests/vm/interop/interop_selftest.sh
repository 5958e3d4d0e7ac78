#!/bin/bash
# The interop harness proven without pqbranch: two strongSwan 6.1 charons from the peer root
# (one per gateway of vm_branch_topology, kernel ESP in the VM) establish hybrid ML-KEM IKE
# SAs and CHILD SAs, pings cross as ESP (and as UDP-encapsulated ESP with encap = yes), a
# delete from either side is clean, and a classical-only responder refuses the hybrid-only
# initiator. pqbranch-vs-strongSwan scenarios build on the same library.
# vm-timeout: 300
source "$PQB_SOURCE_DIR/tests/vm/guest/scenario_lib.sh"
source "$PQB_SOURCE_DIR/tests/vm/guest/strongswan_lib.sh"

vm_step "peer root and topology"
vm_note "peer under test: $(ss_versions)"
vm_modules
vm_branch_topology

# no_xfrm_state NS: the kernel holds no SA in NS any more.
no_xfrm_state() { [[ -z "$(ip -n "$1" xfrm state)" ]]; }

vm_step "ECP-256 + ML-KEM-768, ECDSA certificates, kernel ESP"
# The responder makes the test PKI ($SS_PKI) on first use.
ss_responder resp gw2 ecp256_mlkem768 cert
vm_expect "certificate and key files" "$(find "$SS_PKI" -name '*.pem' -o -name '*.key' | wc -l)" -eq 6
ss_config init role=initiator local=192.0.2.1 remote=192.0.2.2 auth=cert pki="$SS_PKI" \
  proposal="${SS_PROPOSAL[ecp256_mlkem768]}"
ss_start init gw1
ss_initiate init
ss_expect_proposal resp "${SS_SELECTED[ecp256_mlkem768]}"
ss_expect_log resp "authentication of 'initiator.pqb.test' with ECDSA_WITH_SHA256_DER successful"
vm_expect_text "responder's IKE SA" "$(ss_sa resp state)" ESTABLISHED
vm_expect_text "its key exchange" "$(ss_sa resp dh-group)" ECP_256
vm_expect_text "its additional key exchange" "$(ss_sa resp ake1)" ML_KEM_768
vm_expect_text "responder's CHILD SA" "$(ss_child resp state)" INSTALLED
vm_expect_text "ESP with ESN" "$(ss_child resp protocol)/$(ss_child resp encr-alg)/$(ss_child resp esn)" \
  ESP/AES_GCM_16/1
spi=0x$(ss_child resp spi-in)
vm_expect_text "inbound SA in gw2's kernel" \
  "$(ip -n gw2 xfrm state get src 192.0.2.1 dst 192.0.2.2 proto esp spi "$spi" | grep -c 'aead rfc4106')" 1
vm_capture_start wire gw1 wan0
vm_expect "ping replies lan1 -> lan2" "$(vm_ping_received lan1 10.1.0.2 10.2.0.2 5)" -eq 5
vm_capture_stop wire
vm_capture_expect_only wire esp 5
vm_expect "packets on gw2's inbound SA" "$(vm_sa_counter gw2 192.0.2.1 192.0.2.2 "$spi" packets)" -ge 5

vm_step "delete from the responder"
ss_terminate resp
ss_expect_log init 'received DELETE for IKE_SA pqb'
ss_wait_no_ike_sa init
ss_wait_no_ike_sa resp
vm_wait_for "gw1's kernel SAs removed" 10 no_xfrm_state gw1
vm_wait_for "gw2's kernel SAs removed" 10 no_xfrm_state gw2
ss_stop init
ss_stop resp

vm_step "Curve25519 + ML-KEM-768, PSK, UDP-encapsulated ESP (encap = yes)"
ss_responder resp gw2 x25519_mlkem768 psk encap=yes
ss_config init role=initiator local=192.0.2.1 remote=192.0.2.2 encap=yes \
  proposal="${SS_PROPOSAL[x25519_mlkem768]}"
ss_start init gw1
ss_initiate init
ss_expect_proposal resp "${SS_SELECTED[x25519_mlkem768]}"
ss_expect_log resp "authentication of 'initiator.pqb.test' with pre-shared key successful"
vm_expect_text "initiator's CHILD SA" "$(ss_child init state)" INSTALLED
vm_expect_text "UDP encapsulation" "$(ss_child init encap)" yes
vm_capture_start wire-encap gw1 wan0
vm_expect "ping replies lan1 -> lan2" "$(vm_ping_received lan1 10.1.0.2 10.2.0.2 5)" -eq 5
vm_capture_stop wire-encap
vm_capture_expect_only wire-encap "udp port 4500" 5

vm_step "delete from the initiator"
ss_terminate init
ss_expect_log resp 'received DELETE for IKE_SA pqb'
ss_wait_no_ike_sa resp
vm_wait_for "gw2's kernel SAs removed" 10 no_xfrm_state gw2
ss_stop init
ss_stop resp

vm_step "classical-only responder refuses a hybrid-only initiator"
# The same ECP-384 in IKE_SA_INIT on both sides: only the ML-KEM transform is missing.
ss_config init role=initiator local=192.0.2.1 remote=192.0.2.2 \
  proposal="${SS_PROPOSAL[ecp384_mlkem1024]}"
ss_responder resp gw2 classical psk
ss_start init gw1
if ss_initiate init; then vm_fail "the initiate succeeded against a classical-only responder"; fi
ss_expect_log resp 'received proposals unacceptable'
ss_expect_log init 'received NO_PROPOSAL_CHOSEN notify error'
vm_expect "IKE SAs at the responder" "$(ss_has_ike_sa resp && echo 1 || echo 0)" -eq 0
ss_stop init
ss_stop resp
vm_step "done"
