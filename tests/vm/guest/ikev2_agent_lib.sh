# pqbranch-agent as an IKEv2 initiator in gw1 of vm_branch_topology, against a strongSwan
# responder in gw2 (strongswan_lib.sh), for the interop scripts. Source it after
# scenario_lib.sh and strongswan_lib.sh.

AGENT=$(vm_program pqbranch-agent)
WORK=/tmp/pqb-ike

# ia_setup: the test PKI (strongSwan's pki) and the PSK file, in $WORK.
ia_setup() {
  ss_pki "$SS_PKI" initiator.pqb.test responder.pqb.test
  mkdir -p "$WORK"
  install -m 0600 "$SS_PKI/initiator.pqb.test.key" "$WORK/initiator.key"
  printf '%s\n' "$SS_PSK" >"$WORK/psk"
  chmod 0600 "$WORK/psk"
}

no_xfrm_state() { [[ -z "$(ip -n "$1" xfrm state)" ]]; }
gw1_sas() { ip -n gw1 xfrm state | grep -c '^src' || true; }
# Conditions for vm_wait_for (evaluated on every poll).
agent_established_at_least() { (($(vm_log_count agent 'IKE SA established') >= $1)); }
gw1_sas_are() { (($(gw1_sas) == $1)); }

# agent_config CASE AUTH [key=value lines...]: agent.toml for gw1's initiator.
agent_config() {
  local case=$1 auth=$2; shift 2
  local creds
  if [[ "$auth" == cert ]]; then
    creds="auth = \"ecdsa\"
certificate = \"$SS_PKI/initiator.pqb.test.pem\"
private_key = \"$WORK/initiator.key\"
ca = \"$SS_PKI/ca.pem\""
  else
    creds="auth = \"psk\"
psk_file = \"$WORK/psk\""
  fi
  cat >"$WORK/agent.toml" <<TOML
state_directory = "$WORK/state"
status_socket = "$WORK/agent.sock"
log_level = "debug"
[[ikev2.peer]]
name = "ss"
local_address = "192.0.2.1"
remote_address = "192.0.2.2"
local_id = "initiator.pqb.test"
remote_id = "responder.pqb.test"
$creds
proposals = ["${SS_PROPOSAL[$case]}"]
local_ts = ["10.1.0.0/24"]
remote_ts = ["10.2.0.0/24"]
reqid = 0x7071_0101
retransmit_timeout = "2s"
retransmit_tries = 3
$(printf '%s\n' "$@")
TOML
}

start_agent() {
  "$AGENT" check-config --config "$WORK/agent.toml" >/dev/null
  vm_bg agent gw1 "$AGENT" run --config "$WORK/agent.toml"
}

stop_agent() {
  kill -TERM "${vm_pid[agent]}" 2>/dev/null || true
  wait "${vm_pid[agent]}" 2>/dev/null || true
  "$AGENT" flush --config "$WORK/agent.toml" >/dev/null 2>&1 || true
  ip -n gw1 xfrm state flush
  ip -n gw1 xfrm policy flush
}

