#!/bin/bash
# Benchmark (label bench, not the gate): pqbranch-agent's private memory (Private_Clean +
# Private_Dirty of /proc/PID/smaps_rollup) with one tunnel established, as the real
# processes with a real kernel: pqbranch-edge-stub on gw2 and pqbranch-agent on gw1, ML-DSA-65
# chains, policy mode, traffic through the tunnel. edge-stub's own figure for reference, and
# strongSwan's charon measured the same way when the root has it (else its published idle
# figure, about 10.6 MiB). Memory does not depend on the emulated CPU, unlike rates.
#   agent_memory.sh [ALG (mldsa65)]
# vm-timeout: 300
source "$PQB_SOURCE_DIR/tests/vm/guest/scenario_lib.sh"
source "$PQB_SOURCE_DIR/tests/bench/bench_result.sh"

alg=${1:-mldsa65}
vm_step "topology: lan1 - gw1 (agent) = ESP = gw2 (edge-stub) - lan2"
vm_modules
vm_branch_topology
pki=/tmp/pki
"$PQB_SOURCE_DIR/scripts/test-pki.sh" "$pki" "$alg" edge:edge.test site:branch-1 >/dev/null
cat >/tmp/edge-stub.toml <<TOML
state_directory = "/tmp/edge-state"
listen = ["192.0.2.2:8443"]
[tls]
certificate = "$pki/edge.test.pem"
private_key = "$pki/edge.test.key"
ca = "$pki/ca.pem"
[tunnel]
local_address = "192.0.2.2"
local_prefixes = ["10.2.0.0/24"]
[nat_traversal]
mode = "off"
[[site]]
id = "branch-1"
remote_address = "192.0.2.1"
prefixes = ["10.1.0.0/24"]
reqid = 0x7071_0001
TOML
cat >/tmp/agent.toml <<TOML
state_directory = "/tmp/agent-state"
status_socket = "/tmp/agent-run/agent.sock"
[tls]
certificate = "$pki/branch-1.pem"
private_key = "$pki/branch-1.key"
ca = "$pki/ca.pem"
[edge]
endpoints = ["192.0.2.2:8443"]
name = "edge.test"
[tunnel]
mode = "policy"
local_address = "192.0.2.1"
remote_address = "192.0.2.2"
local_prefixes = ["10.1.0.0/24"]
remote_prefixes = ["10.2.0.0/24"]
reqid = 0x7071_0001
[nat_traversal]
mode = "off"
TOML

vm_step "edge-stub and agent as processes; the agent reaches generation 1"
vm_bg edge gw2 "$PQB_BUILD_DIR/edge-stub/pqbranch-edge-stub" --config /tmp/edge-stub.toml
vm_bg agent gw1 "$PQB_BUILD_DIR/agent/pqbranch-agent" run --config /tmp/agent.toml
status() { "$PQB_BUILD_DIR/agent/pqbranch-agent" status --socket /tmp/agent-run/agent.sock --json; }
vm_wait_for "the agent on generation 1" 120 bash -c "$(declare -f status); status | grep -q '\"generation\":[1-9]'"
# The edge installs its outbound SA only when the agent's acknowledgement arrives: until
# then the replies have no SA (the agent's status says generation 1 before that).
edge_sas() { ip -n gw2 xfrm state | grep -c rfc4106; }
vm_wait_for "the edge's inbound and outbound SAs" 30 bash -c "$(declare -f edge_sas); (( \$(edge_sas) >= 2 ))"
vm_expect "ping replies lan1 -> lan2 through the tunnel" \
  "$(vm_ping_received lan1 10.1.0.2 10.2.0.2 5)" -eq 5
vm_expect "SAs at gw1 (inbound and outbound)" "$(ip -n gw1 xfrm state | grep -c rfc4106)" -ge 2

vm_step "memory with one tunnel"
vm_expect_text "agent process" "$(cat "/proc/${vm_pid[agent]}/comm")" pqbranch-agent
read -r agent_private agent_clean agent_dirty agent_rss <<<"$(bench_memory "${vm_pid[agent]}")"
read -r edge_private edge_clean edge_dirty edge_rss <<<"$(bench_memory "${vm_pid[edge]}")"
vm_note "bench: pqbranch-agent ($alg, one tunnel): $(bench_describe_memory "$agent_private" "$agent_clean" "$agent_dirty" "$agent_rss")"
vm_note "bench: pqbranch-edge-stub ($alg, one site): $(bench_describe_memory "$edge_private" "$edge_clean" "$edge_dirty" "$edge_rss")"
vm_note "bench: target for the agent: private_kib <= 8192"
bench_result "agent_memory.$alg" "chain=$alg agent_private_kib=$agent_private" \
  "agent_private_clean_kib=$agent_clean agent_private_dirty_kib=$agent_dirty" \
  "agent_rss_kib=$agent_rss edge_private_kib=$edge_private edge_rss_kib=$edge_rss"
charon=""
for c in /usr/lib/ipsec/charon /usr/libexec/ipsec/charon; do [[ -x $c ]] && charon=$c; done
if [[ -n "$charon" ]]; then
  vm_netns charon
  vm_bg charon charon "$charon"
  vm_wait_for "charon's plugins loaded" 60 grep -q "charon.*started\|loaded plugins" "$PQB_VM_OUT/charon.log"
  read -r charon_private charon_clean charon_dirty charon_rss <<<"$(bench_memory "${vm_pid[charon]}")"
  vm_note "bench: charon (idle): $(bench_describe_memory "$charon_private" "$charon_clean" "$charon_dirty" "$charon_rss")"
else
  vm_note "bench: charon: not in this root; strongSwan's charon idles at about 10.6 MiB (10854 KiB)"
fi
vm_step "done"
