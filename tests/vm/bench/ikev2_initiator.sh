#!/bin/bash
# Benchmark (label bench, not the gate): hybrid IKEv2 set-ups per second of pqbranch's
# initiator vs strongSwan's charon as initiator, both in gw1 against the same strongSwan 6.1
# responder in gw2, same proposal and authentication, in alternating rounds of one VM boot;
# then the private memory (Private_Clean + Private_Dirty of smaps_rollup) of pqbranch-agent
# with one established IKEv2 peer and of charon with the same one IKE SA and CHILD SA.
# One set-up: IKE SA and CHILD SA established (kernel SAs and policies in), then the IKE SA
# deleted without waiting for the answer and the SAs and policies removed.
# - pqbranch: `pqb-keysvc-bench ike` drives the library in one process (the agent's peer
#   wiring, app::start_ikev2_peers, once per set-up; no process start per set-up);
# - charon: tests/bench/vici_setups.py over one vici connection (`initiate`, then `terminate`
#   with force; no swanctl process per set-up). charon logs nothing, installs no routes.
# Each round starts with an untimed warm-up set-up. Fails if the responder did not see every
# set-up, or a set-up failed.
#   ikev2_initiator.sh [CASE (x25519_mlkem768)] [AUTH (cert)] [SETUPS (50)] [ROUNDS (5)]
# CASE and AUTH as in interop.ikev2_initiator_matrix (strongswan_lib.sh's SS_PROPOSAL).
# vm-timeout: 900
# vm-peerroot: yes
source "$PQB_SOURCE_DIR/tests/vm/guest/scenario_lib.sh"
source "$PQB_SOURCE_DIR/tests/vm/guest/strongswan_lib.sh"
source "$PQB_SOURCE_DIR/tests/vm/guest/ikev2_agent_lib.sh"
source "$PQB_SOURCE_DIR/tests/bench/bench_result.sh"

case=${1:-x25519_mlkem768}
auth=${2:-cert}
setups=${3:-50}
rounds=${4:-5}
BENCH=$PQB_BUILD_DIR/tests/bench/pqb-keysvc-bench
VICI=$SS_STATE/init/run/charon.vici  # charon's /run is its state directory's run/

vm_step "peer root and topology: $case, $auth, $rounds rounds of $setups set-ups each"
vm_note "peer: $(ss_versions)"
vm_modules
vm_branch_topology
ia_setup
ss_responder resp gw2 "$case" "$auth" log=0
agent_config "$case" "$auth"
"$AGENT" check-config --config "$WORK/agent.toml" >/dev/null
ss_config init local=192.0.2.1 remote=192.0.2.2 role=initiator proposal="${SS_PROPOSAL[$case]}" \
  auth="$auth" pki="$SS_PKI" log=-1 install_routes=no

# The responder's audit lines (log=0): one per IKE SA and per CHILD SA it established.
resp_ike_sas() { vm_log_count resp 'IKE_SA pqb\[[0-9]*\] established'; }
resp_child_sas() { vm_log_count resp 'CHILD_SA net{[0-9]*} established'; }

# measured WHO COMMAND...: runs one round's driver; checks the responder saw its set-ups
# (and the warm-up) and prints the driver's "setups N seconds S setup_p50_ms P ..." line.
measured() {
  local who=$1 ike0 child0 out; shift
  ike0=$(resp_ike_sas) child0=$(resp_child_sas)
  out=$("$@" 2>"$PQB_VM_OUT/$who.err") || { cat "$PQB_VM_OUT/$who.err"; vm_fail "$who: a set-up failed"; }
  local n; n=$(awk '{ print $2 }' <<<"$out")
  vm_expect "$who: set-ups timed" "$n" -eq "$setups"
  vm_expect "$who: IKE SAs the responder established" "$(($(resp_ike_sas) - ike0))" -eq $((n + 1))
  vm_expect "$who: CHILD SAs it established" "$(($(resp_child_sas) - child0))" -eq $((n + 1))
  vm_note "$who: $out"
  results+=("$who $out")
}

results=()
for ((r = 1; r <= rounds; r++)); do
  vm_step "round $r: pqbranch, then charon"
  measured pqbranch vm_ns gw1 "$BENCH" ike --config "$WORK/agent.toml" --setups "$setups" \
    --seconds 300
  vm_expect "SAs left in gw1's kernel" "$(gw1_sas)" -eq 0
  vm_expect "policies left in gw1's kernel" "$(ip -n gw1 xfrm policy | grep -c '^src' || true)" -eq 0
  ss_start init gw1
  [[ -S "$VICI" ]] || vm_fail "no vici socket at $VICI"
  measured charon python3 "$PQB_SOURCE_DIR/tests/bench/vici_setups.py" "$VICI" \
    --setups "$setups" --seconds 300
  ss_stop init
  vm_wait_for "gw1's kernel SAs removed" 10 no_xfrm_state gw1
done

# The rates of the totals and their ratio; the median of the rounds' ratios and p50s.
# (Each results line: WHO setups N seconds S setup_p50_ms P setup_max_ms M.)
read -r pq_rate ss_rate ratio median pq_p50 ss_p50 <<<"$(printf '%s\n' "${results[@]}" | awk '
  function median(a, m,   i, j, t) {
    for (i = 1; i <= m; i++)
      for (j = i + 1; j <= m; j++)
        if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
  }
  $1 == "pqbranch" { pq_n += $3; pq_s += $5; pq_r[++m] = $3 / $5; pq_p[m] = $7 }
  $1 == "charon" { ss_n += $3; ss_s += $5; ratios[m] = pq_r[m] / ($3 / $5); ss_p[m] = $7 }
  END {
    pq = pq_n / pq_s; ss = ss_n / ss_s
    printf "%.2f %.2f %.2f %.2f %.1f %.1f\n", pq, ss, pq / ss, median(ratios, m), median(pq_p, m),
      median(ss_p, m)
  }')"
vm_note "bench: pqbranch $pq_rate set-ups/s, charon $ss_rate set-ups/s: ratio $ratio (median of rounds $median)"
bench_result "ikev2_setups.$case.$auth" "case=$case auth=$auth setups=$setups rounds=$rounds" \
  "pqbranch_setups_per_s=$pq_rate charon_setups_per_s=$ss_rate ratio=$ratio median_ratio=$median" \
  "pqbranch_setup_p50_ms=$pq_p50 charon_setup_p50_ms=$ss_p50"

vm_step "memory with one IKEv2 peer: pqbranch-agent"
sed -i 's/^log_level = .*/log_level = "info"/' "$WORK/agent.toml"  # the agent's default
start_agent
vm_wait_log agent "IKE SA established" 30
vm_expect_text "strongSwan's CHILD SA" "$(ss_child resp state)" INSTALLED
vm_expect "ping replies lan1 -> lan2" "$(vm_ping_received lan1 10.1.0.2 10.2.0.2 3)" -eq 3
vm_expect_text "agent process" "$(cat "/proc/${vm_pid[agent]}/comm")" pqbranch-agent
read -r agent_private agent_clean agent_dirty agent_rss <<<"$(bench_memory "${vm_pid[agent]}")"
vm_note "bench: pqbranch-agent: $(bench_describe_memory "$agent_private" "$agent_clean" "$agent_dirty" "$agent_rss")"
stop_agent

vm_step "memory with one IKEv2 peer: charon"
ss_start init gw1
ss_initiate init
vm_expect_text "charon's CHILD SA" "$(ss_child init state)" INSTALLED
vm_expect "ping replies lan1 -> lan2" "$(vm_ping_received lan1 10.1.0.2 10.2.0.2 3)" -eq 3
vm_expect_text "charon process" "$(cat "/proc/${vm_pid[init]}/comm")" charon
# The responder maps the same charon, libcharon, libstrongswan, plugins and OpenSSL files,
# which makes them shared pages of the initiator; nothing else mapped the agent's (its
# binary, the build root's OpenSSL and libstdc++; only libc is also the guest shell's).
# Killed (no Delete sent), the responder leaves the initiator's IKE SA and CHILD SA up and
# its files mapped by charon alone.
kill -KILL "${vm_pid[resp]}"
wait "${vm_pid[resp]}" 2>/dev/null || true
unset "vm_pid[resp]"
vm_expect_text "charon's CHILD SA, the responder gone" "$(ss_child init state)" INSTALLED
read -r charon_private charon_clean charon_dirty charon_rss <<<"$(bench_memory "${vm_pid[init]}")"
vm_note "bench: charon: $(bench_describe_memory "$charon_private" "$charon_clean" "$charon_dirty" "$charon_rss")"
ss_stop init
bench_result "ikev2_memory.$case.$auth" "case=$case auth=$auth agent_private_kib=$agent_private" \
  "agent_private_clean_kib=$agent_clean agent_private_dirty_kib=$agent_dirty" \
  "agent_rss_kib=$agent_rss charon_private_kib=$charon_private" \
  "charon_private_clean_kib=$charon_clean charon_private_dirty_kib=$charon_dirty" \
  "charon_rss_kib=$charon_rss ratio=$(awk -v a="$agent_private" -v c="$charon_private" \
    'BEGIN { printf "%.2f", a / c }')" \
  "dirty_ratio=$(awk -v a="$agent_dirty" -v c="$charon_dirty" 'BEGIN { printf "%.2f", a / c }')"
vm_step "done"
