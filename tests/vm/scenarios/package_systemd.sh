#!/bin/bash
# The Debian packages on a clean Debian 13 system with systemd as PID 1, as an operator
# installs them (docs/install.md): `apt install ./…deb` of both packages with nothing but
# their Depends in the root; the test PKI; the edge and the agent each confined to its
# service user and network namespace; `systemctl enable --now` returns once each sent
# READY=1; the agent completes rotations against the edge and pings cross as ESP. A key
# file the service user cannot read (root's) makes the start fail: the control that the
# agent does not run as root. Updates driven by the agent (guest/package_update_steps.sh):
# signed releases served by the edge, fetched, verified and staged by the agent, requested
# only once its interrupt window opens, installed by the root updater killed at every step
# while a stream across ESP loses nothing, reported to the edge; a broken release rolled
# back, reported and never requested again. `systemctl stop` keeps the SAs (traffic goes on).
# Not here yet: removal and purge.
# vm-root: systemd
# vm-timeout: 1800
source "$PQB_SOURCE_DIR/tests/vm/guest/scenario_lib.sh"

version=$(sed -nE 's/^project\(pqbranch VERSION ([0-9.]+).*/\1/p' "$PQB_SOURCE_DIR/CMakeLists.txt")
dist="$PQB_BUILD_DIR/vm/dist"
agent_deb="$dist/pqbranch-agent_${version}_amd64.deb"
edge_deb="$dist/pqbranch-edge_${version}_amd64.deb"
# The edge in namespace "edge", the branch router (agent) in "branch"; a LAN host behind each.
#   blan 10.1.0.2 -- 10.1.0.1 branch 192.0.2.1 ==== 192.0.2.2 edge 10.2.0.1 -- 10.2.0.2 elan
reqid=0x70710001 if_id=0x70710001

unit_show() { systemctl show -P "$2" "$1"; }
# The tunnel's SAs (or policies) in a namespace: `ip` prints the reqid in decimal.
pqb_sa_count() { ip -n "$1" xfrm state | grep -c "reqid $((reqid)) " || true; }
pqb_policy_count() { ip -n "$1" xfrm policy | grep -c "reqid $((reqid)) " || true; }

vm_step "systemd and the packages"
vm_expect_text "PID 1" "$(cat /proc/1/comm)" systemd
vm_expect "packages built for this tree" "$(ls "$agent_deb" "$edge_deb" | wc -l)" -eq 2
t=$SECONDS
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
  "$agent_deb" "$edge_deb" >"$PQB_VM_OUT/apt-install.log" 2>&1 ||
  { cat "$PQB_VM_OUT/apt-install.log"; vm_fail "apt install of the packages failed"; }
vm_note "apt install of both packages: $((SECONDS - t)) s"
vm_expect_text "installed version" "$(dpkg-query -W -f '${Version}' pqbranch-agent)" "$version"
vm_expect_text "agent --version" "$(pqbranch-agent --version)" "pqbranch-agent $version"
for u in pqbranch pqbranch-edge; do
  vm_expect_text "system user $u: shell" "$(getent passwd "$u" | cut -d: -f7)" /usr/sbin/nologin
done
for s in pqbranch-agent pqbranch-edge; do
  vm_expect_text "$s after install: enabled" "$(systemctl is-enabled "$s" || true)" disabled
  vm_expect_text "$s after install: active" "$(systemctl is-active "$s" || true)" inactive
done
vm_expect_text "sample agent.toml is a conffile" \
  "$(dpkg-query -W -f '${Conffiles}' pqbranch-agent | awk '{ print $1 }')" /etc/pqbranch/agent.toml

vm_step "topology and the test PKI"
vm_modules
for ns in blan branch edge elan; do vm_netns "$ns"; done
vm_link blan eth0 10.1.0.2/24 branch lan0 10.1.0.1/24
vm_link branch wan0 192.0.2.1/24 edge wan0 192.0.2.2/24
vm_link edge lan0 10.2.0.1/24 elan eth0 10.2.0.2/24
ip -n blan route add default via 10.1.0.1
ip -n elan route add default via 10.2.0.1
for ns in branch edge; do vm_ns "$ns" sysctl -qw net.ipv4.ip_forward=1; done
pki=/root/pki
"$PQB_SOURCE_DIR/scripts/test-pki.sh" "$pki" mldsa65 edge:edge.test site:branch-001 >"$PQB_VM_OUT/pki.log"
# The operator's part (docs/install.md): certificates, keys owned by the service users.
install -m 0644 "$pki/ca.pem" /etc/pqbranch/edge-ca.crt
install -m 0644 "$pki/ca.pem" /etc/pqbranch/site-ca.crt
install -m 0644 "$pki/branch-001.pem" /etc/pqbranch/site.crt
install -m 0644 "$pki/edge.test.pem" /etc/pqbranch/edge.crt
install -o pqbranch-edge -g pqbranch-edge -m 0600 "$pki/edge.test.key" /etc/pqbranch/edge.key
# The control: the site key still root's (0600), so the agent's user cannot read it.
install -o root -g root -m 0600 "$pki/branch-001.key" /etc/pqbranch/site.key
cat >/etc/pqbranch/edge-stub.toml <<EOF
listen = ["192.0.2.2:8443"]
[tls]
certificate = "/etc/pqbranch/edge.crt"
private_key = "/etc/pqbranch/edge.key"
ca = "/etc/pqbranch/site-ca.crt"
[tunnel]
local_address = "192.0.2.2"
local_prefixes = ["10.2.0.0/24"]
[nat_traversal]
mode = "off"
[[site]]
id = "branch-001"
remote_address = "192.0.2.1"
prefixes = ["10.1.0.0/24"]
reqid = $reqid
if_id = $if_id
EOF
cat >/etc/pqbranch/agent.toml <<EOF
[tls]
certificate = "/etc/pqbranch/site.crt"
private_key = "/etc/pqbranch/site.key"
ca = "/etc/pqbranch/edge-ca.crt"
[edge]
endpoints = ["192.0.2.2:8443"]
name = "edge.test"
connect_timeout = "5s"
backoff_initial = "500ms"
backoff_max = "5s"
[tunnel]
mode = "route"
local_address = "192.0.2.1"
remote_address = "192.0.2.2"
local_prefixes = ["10.1.0.0/24"]
remote_prefixes = ["10.2.0.0/24"]
interface = "pqb0"
if_id = $if_id
reqid = $reqid
[rotation]
interval = "6s"
jitter = "1s"
[nat_traversal]
mode = "off"
EOF
# Each service in its namespace; a short watchdog, so a missing keep-alive would show.
for s in agent:branch edge:edge; do
  mkdir -p "/etc/systemd/system/pqbranch-${s%%:*}.service.d"
  printf '[Service]\nNetworkNamespacePath=/run/netns/%s\nWatchdogSec=6s\n' "${s#*:}" \
    >"/etc/systemd/system/pqbranch-${s%%:*}.service.d/test.conf"
done
systemctl daemon-reload

vm_step "edge: systemctl enable --now"
t=$SECONDS
systemctl enable --now pqbranch-edge 2>"$PQB_VM_OUT/enable-edge.log" ||
  { journalctl -b -u pqbranch-edge --no-pager; vm_fail "pqbranch-edge did not start"; }
vm_note "enable --now returned after $((SECONDS - t)) s (Type=notify: after READY=1)"
vm_expect_text "edge state" "$(unit_show pqbranch-edge ActiveState)/$(unit_show pqbranch-edge SubState)" active/running
vm_expect_text "edge status text" "$(unit_show pqbranch-edge StatusText)" "serving 1 site(s), 0 open connection(s)"

vm_step "agent: a key file its user cannot read stops the start (control)"
if systemctl start pqbranch-agent 2>/dev/null; then vm_fail "the agent started with root's key file"; fi
# Restart=on-failure tries again every 2 s; the result of the failed start stays.
vm_expect_text "agent's start result" "$(unit_show pqbranch-agent Result)" exit-code
systemctl stop pqbranch-agent
systemctl reset-failed pqbranch-agent 2>/dev/null || true
journalctl -b -u pqbranch-agent --no-pager >"$PQB_VM_OUT/agent-refused.log"
grep -m1 'site.key' "$PQB_VM_OUT/agent-refused.log" | sed 's/^/   journal: /' || true
vm_expect "journal names the key file" "$(grep -c '/etc/pqbranch/site.key' "$PQB_VM_OUT/agent-refused.log")" -ge 1

vm_step "agent: systemctl enable --now"
chown pqbranch:pqbranch /etc/pqbranch/site.key
t=$SECONDS
systemctl enable --now pqbranch-agent 2>"$PQB_VM_OUT/enable-agent.log" ||
  { journalctl -b -u pqbranch-agent --no-pager; vm_fail "pqbranch-agent did not start"; }
vm_note "enable --now returned after $((SECONDS - t)) s"
vm_expect_text "agent state" "$(unit_show pqbranch-agent ActiveState)/$(unit_show pqbranch-agent SubState)" active/running
pid=$(unit_show pqbranch-agent MainPID)
vm_expect_text "agent runs as" "$(ps -o user= -p "$pid")" pqbranch
vm_expect_text "agent's effective capabilities (CAP_NET_ADMIN only)" \
  "$(awk '/^CapEff:/ { print $2 }' "/proc/$pid/status")" 0000000000001000
vm_expect_text "agent's bounding set" "$(awk '/^CapBnd:/ { print $2 }' "/proc/$pid/status")" 0000000000001000
vm_expect "agent: no new privileges" "$(awk '/^NoNewPrivs:/ { print $2 }' "/proc/$pid/status")" -eq 1
vm_expect "agent: seccomp filter" "$(awk '/^Seccomp:/ { print $2 }' "/proc/$pid/status")" -eq 2
epid=$(unit_show pqbranch-edge MainPID)
vm_expect_text "edge runs as" "$(ps -o user= -p "$epid")" pqbranch-edge
vm_expect_text "edge's effective capabilities" "$(awk '/^CapEff:/ { print $2 }' "/proc/$epid/status")" 0000000000001000

vm_step "a rotation completed, traffic over ESP"
generation() { pqbranch-agent status --json | grep -o '"generation":[0-9]*' | head -1 | cut -d: -f2; }
vm_wait_for "the agent's status shows generation >= 1" 60 bash -c '(( $(pqbranch-agent status --json | grep -o "\"generation\":[0-9]*" | head -1 | cut -d: -f2) >= 1 ))'
vm_expect "generation" "$(generation)" -ge 1
rotations() { pqbranch-agent status --json | grep -o '"rotations":[0-9]*' | cut -d: -f2; }
vm_wait_for "the agent completed a rotation against the edge" 60 bash -c \
  '(( $(pqbranch-agent status --json | grep -o "\"rotations\":[0-9]*" | cut -d: -f2) >= 1 ))'
vm_note "rotations so far: $(rotations)"
pqbranch-agent status >"$PQB_VM_OUT/agent-status.txt"
vm_expect "status names X25519MLKEM768" "$(grep -c X25519MLKEM768 "$PQB_VM_OUT/agent-status.txt")" -ge 1
# The STATUS= line systemd shows is refreshed from the event loop every 5 s.
vm_wait_for "systemd's status line names the generation" 20 \
  bash -c 'systemctl show -P StatusText pqbranch-agent | grep -q "^generation [0-9]* installed"'
vm_note "agent StatusText: $(unit_show pqbranch-agent StatusText)"
# The xfrm interface's counters: per-SA counters restart with each rotation (interval 6 s).
tx=$(vm_link_counter branch pqb0 TX packets) rx=$(vm_link_counter branch pqb0 RX packets)
vm_expect "ping replies lan to lan" "$(vm_ping_received blan 10.1.0.2 10.2.0.2 5)" -eq 5
vm_expect "packets into ESP at the branch" "$(( $(vm_link_counter branch pqb0 TX packets) - tx ))" -ge 5
vm_expect "packets out of ESP from the edge" "$(( $(vm_link_counter branch pqb0 RX packets) - rx ))" -ge 5
# Both services outlived several watchdog periods (6 s) without a restart: the keep-alives
# arrive.
vm_wait_for "the agent has run for two watchdog periods" 30 bash -c '(( $(cut -d. -f1 /proc/uptime) -
  $(systemctl show -P ActiveEnterTimestampMonotonic pqbranch-agent) / 1000000 >= 12 ))'
for s in pqbranch-agent pqbranch-edge; do
  vm_expect "$s restarts" "$(unit_show "$s" NRestarts)" -eq 0
  vm_expect_text "$s still active" "$(systemctl is-active "$s")" active
done

vm_step "systemd-analyze security"
for u in pqbranch-agent pqbranch-edge pqbranch-update; do
  score=$(systemd-analyze security --no-pager "$u.service" 2>/dev/null | awk '/Overall exposure level/ { for (i = 1; i < NF; i++) if ($i ~ /^[0-9]+\.[0-9]+$/) print $i, $(i + 1) }')
  vm_note "$u.service: ${score:-?}"
done

# shellcheck source=tests/vm/guest/package_update_steps.sh
source "$PQB_SOURCE_DIR/tests/vm/guest/package_update_steps.sh"

vm_step "stop keeps the SAs: traffic goes on"
vm_expect "branch policies before stop" "$(pqb_policy_count branch)" -ge 2
systemctl stop pqbranch-agent pqbranch-edge
vm_expect "branch SAs after stop" "$(pqb_sa_count branch)" -ge 2
vm_expect "edge SAs after stop" "$(pqb_sa_count edge)" -ge 2
vm_expect "ping replies with both stopped" "$(vm_ping_received blan 10.1.0.2 10.2.0.2 3)" -eq 3
vm_note "all done"
