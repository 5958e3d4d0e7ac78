# The agent-driven update, end to end (docs/updates.md), for package_systemd.sh once both
# services run and rotate. Versions N+1 and N+2 are this tree's agent package repacked with a
# higher Version: (dpkg-deb -R, -b) and its version file; N+2's agent cannot start (a build
# that fails its health gate). Releases are signed with keys made here (pqbranch-release) and
# served by the edge ([releases]); the agent has them pinned ([update], one interrupt window).
# Shown: a hand-written request with a wrong hash refused by the root updater, the agent
# untouched; with the clock set 40 s before the window opens, the agent fetches, verifies and
# stages N+1 and holds it (outside_window, no request); once the window opens it writes the
# request itself and the updater installs N+1, killed right after recording each apply step
# and started again (as at boot), while a UDP stream across ESP loses nothing; the edge gets
# the agent's report "installed". Then N+2 is published and the operator asks for a check at
# once (`pqbranch-agent update now` over the agent's socket): the agent (now N+1) stages and
# requests it, its health gate fails, the updater rolls back to N+1 (killed in both rollback
# steps), the agent reports "rolled-back", remembers the version and refuses it on the next
# check (failed_before).
# Sourced by package_systemd.sh: uses its version, agent_deb, unit_show and the namespaces.

# The stream (tun_stream_start, vm_stream_*) between this scenario's LAN hosts.
TUN_NS_BLAN=blan TUN_NS_ELAN=elan
# shellcheck source=tests/vm/guest/tunnel_lib.sh
source "$PQB_SOURCE_DIR/tests/vm/guest/tunnel_lib.sh"

upd=/var/lib/pqbranch/update
kept=/var/lib/pqbranch-update/packages
state=/var/lib/pqbranch-update/state
releases=/srv/pqbranch-releases
channel=stable
release_keys=/root/release-keys
release_tool=/usr/bin/pqbranch-release  # installed with the edge package

# repack VERSION OUT [broken]: the built agent package as VERSION, its version file (what the
# agent reads as its running version) saying so too (broken: an agent program that exits at
# once, so the unit never becomes active).
repack() {
  local work=/root/repack-$1
  rm -rf "$work"
  dpkg-deb -R "$agent_deb" "$work"
  sed -i "s/^Version: .*/Version: $1/" "$work/DEBIAN/control"
  install -D -m 0644 /dev/null "$work/usr/share/pqbranch-agent/version"
  printf '%s\n' "$1" >"$work/usr/share/pqbranch-agent/version"
  sed -i '/ usr\/share\/pqbranch-agent\/version$/d' "$work/DEBIAN/md5sums"
  if [[ "${3:-}" == broken ]]; then
    printf '#!/bin/sh\necho "pqbranch-agent: a build that cannot start" >&2\nexit 3\n' \
      >"$work/usr/sbin/pqbranch-agent"
    sed -i '/ usr\/sbin\/pqbranch-agent$/d' "$work/DEBIAN/md5sums"
  fi
  # gzip at its fastest level: dpkg-deb's default xz takes seconds under emulation, and what
  # the update path checks (signature, hash, dpkg -i) is the same for any compression.
  dpkg-deb --root-owner-group -Zgzip -z1 -b "$work" "$2" >/dev/null
}
# publish DEB VERSION: the release on the edge, as a release engineer would: the package
# first, then the signed manifest (valid from an hour ago for a day) renamed over the old one.
publish() {
  local dir=$releases/$channel name
  name=$(basename "$1")
  install -D -m 0644 "$1" "$dir/$name"
  "$release_tool" sign --keys "$release_keys" --channel "$channel" --package "$dir/$name" \
    --version "$2" --minimum-version "$version" --valid-for 1d \
    --not-before "$(date -u -d @$(($(date +%s) - 3600)) +%Y-%m-%dT%H:%M:%SZ)" \
    --out "$dir/manifest.new" >>"$PQB_VM_OUT/release-tool.log"
  chmod 0644 "$dir/manifest.new"
  mv -f "$dir/manifest.new" "$dir/manifest"
}
# request DEB VERSION [SHA256]: an install request written by hand (the package in the
# agent's directory, then the request renamed into place).
request() {
  local deb
  deb=$upd/$(basename "$1")
  install -o pqbranch -g pqbranch -m 0600 "$1" "$deb"
  printf 'version=%s\npackage=%s\nsha256=%s\n' "$2" "$deb" "${3:-$(sha256sum "$deb" | cut -d' ' -f1)}" \
    >"$upd/request.tmp"
  mv "$upd/request.tmp" "$upd/request"
}
state_field() { sed -n "s/^$1=//p" "$state" 2>/dev/null; }
step_of() { state_field step; }
updater_idle() { [[ "$(systemctl show -P ActiveState pqbranch-update.service)" != activating ]]; }
stopped_at() { updater_idle && grep -qx "step=$1" "$state"; }
# The updater's, the agent's and the edge's journal, with monotonic times (the clock is set
# during the test), for the record and on a failure.
save_journal() { journalctl -b -u pqbranch-update -u pqbranch-agent -u pqbranch-edge \
  -o short-monotonic --no-pager >"$PQB_VM_OUT/updater-journal.log" 2>&1 || true; }
fail_with_journal() {
  save_journal
  pqbranch-agent status --json >"$PQB_VM_OUT/agent-status.json" 2>&1 || true
  vm_fail "$* (agent status: agent-status.json; journals: updater-journal.log)"
}
# wait_step STEP SECONDS: the updater ran (started by the path unit) and stopped at STEP.
wait_step() {
  vm_wait_for_quietly "$2" stopped_at "$1" ||
    fail_with_journal "updater not stopped at step $1 after $2 s (state: $(tr '\n' ' ' <"$state"))"
}
# kill_at STEP [DEADLINE]: the updater's next run exits right after recording STEP (empty: not
# killed); its health gates wait at most DEADLINE seconds (default 30: room for a good agent's
# start and first rotation under emulation; a build that cannot start fails it at its end).
kill_at() {
  printf 'PQB_UPDATE_HEALTH_DEADLINE=%s\nPQB_UPDATE_KILL_AT=%s\n' "${2:-30}" "$1" >/etc/default/pqbranch-update
}
# resume_at KILL_STEP: start the updater again, as the boot would, killed after KILL_STEP
# (empty: not killed); systemctl start returns when the oneshot unit has ended.
resume_at() {
  kill_at "$1"
  systemctl reset-failed pqbranch-update.service 2>/dev/null || true
  systemctl start pqbranch-update.service 2>/dev/null || true
}
installed() { dpkg-query -W -f '${Version}' pqbranch-agent; }
agent_rotations() { pqbranch-agent status --json | grep -o '"rotations":[0-9]*' | cut -d: -f2; }
result_field() { sed -n "s/^$1=//p" "$upd/result"; }
# agent_state KEY: a line of the agent's persisted update state (docs/updates.md, "Persisted
# state"; root reads the agent's file): staged=VERSION FILE SIZE SHA256 EXPIRES,
# requested=VERSION FILE SHA256 WRITTEN, failed=VERSION (one line each).
agent_state() { sed -n "s/^$1=//p" "$upd/agent-state" 2>/dev/null || true; }
# agent_logged TEXT: the agent's journal (this boot) holds TEXT.
agent_logged() { journalctl -b -u pqbranch-agent --no-pager -o cat | grep -qF -- "$1"; }
# metric 'NAME{label="value"}': the agent's counter (0 if not counted yet).
metric() {
  { pqbranch-agent status --json || true; } | K="\"${1//\"/\\\"}\":" awk '
    { i = index($0, ENVIRON["K"]); if (i) { s = substr($0, i + length(ENVIRON["K"]));
      match(s, /^[0-9]+/); n = substr(s, 1, RLENGTH) } }
    END { print n + 0 }'
}
# The install requests in the agent's directory (written, or taken by the updater).
requests_present() { find "$upd" -maxdepth 1 \( -name request -o -name request.tmp -o -name request.taken \) | wc -l; }
staged_is() { [[ "$(agent_state staged)" == "$1 pqbranch-agent_$1_amd64.deb "* ]]; }
metric_at_least() { (($(metric "$1") >= $2)); }
# edge_reported VERSION RESULT: the edge logged the agent's release report.
edge_reported() {
  journalctl -b -u pqbranch-edge --no-pager -o cat |
    grep -qF "release report from site 'branch-001': channel $channel, version $1, $2"
}

vm_step "releases N+1 and N+2: keys, packages; the updater's path unit and kept package"
vm_expect_text "pqbranch-update.path" "$(systemctl is-active pqbranch-update.path)" active
install -d -o pqbranch -g pqbranch -m 0700 "$upd"
install -D -m 0600 "$agent_deb" "$kept/current.deb"
# Manifest versions are MAJOR.MINOR.PATCH (docs/updates.md), and the updater installs the
# Debian version the request names: the patch level + 1 and + 2.
IFS=. read -r major minor patch <<<"$version"
v1=$major.$minor.$((patch + 1)) v2=$major.$minor.$((patch + 2))
repack "$v1" "/root/pqbranch-agent_${v1}_amd64.deb"
repack "$v2" "/root/pqbranch-agent_${v2}_amd64.deb" broken
vm_expect "N+1 sorts above N" "$(dpkg --compare-versions "$v1" gt "$version" && echo 1 || echo 0)" -eq 1
"$release_tool" keygen "$release_keys" >"$PQB_VM_OUT/release-tool.log"
install -m 0644 "$release_keys/ml-dsa-65.pub" /etc/pqbranch/release-ml-dsa-65.pem
install -m 0644 "$release_keys/ed25519.pub" /etc/pqbranch/release-ed25519.pem

vm_step "a hand-written request whose hash is wrong is refused; the agent is untouched"
pid=$(unit_show pqbranch-agent MainPID)
resume_at ""
request "/root/pqbranch-agent_${v1}_amd64.deb" "$v1" "$(printf '0%.0s' {1..64})"
wait_step refused 60
vm_note "state: $(tr '\n' ' ' <"$state")"
vm_expect "request moved aside as rejected" "$(ls "$upd"/request.rejected | wc -l)" -eq 1
vm_expect_text "installed version" "$(installed)" "$version"
vm_expect "agent not restarted" "$(unit_show pqbranch-agent MainPID)" -eq "$pid"
vm_expect_text "result published for the agent" "$(result_field step)" refused
vm_expect_text "result file owner" "$(stat -c %U "$upd/result")" pqbranch
# From here on every request is the agent's.
rm -f "$upd/result" "$upd/request.rejected" "$upd/pqbranch-agent_${v1}_amd64.deb"

vm_step "updates on: the edge serves N+1, the agent pins the keys; the clock 40 s before a window"
# The window opens at the next full UTC hour at least `lead` seconds away; the clock is set
# `lead` seconds before it (the agent stages within about 20 s of its start: the first check
# comes within a quarter of check_interval; the checks of the held release take about 5 s
# more, and must end before the window opens) with both services stopped (the test PKI stays
# valid: it moves < 2 h forward).
lead=40
now=$(date +%s)
window_start=$(((now / 3600 + 1) * 3600))
((window_start - now >= lead)) || window_start=$((window_start + 3600))
window_day=$(date -u -d "@$window_start" +%a | tr '[:upper:]' '[:lower:]')
window_hour=$((10#$(date -u -d "@$window_start" +%H)))
cat >>/etc/pqbranch/edge-stub.toml <<EOF
[releases]
directory = "$releases"
EOF
cat >>/etc/pqbranch/agent.toml <<EOF
[update]
channel = "$channel"
ml_dsa_65_key = "/etc/pqbranch/release-ml-dsa-65.pem"
ed25519_key = "/etc/pqbranch/release-ed25519.pem"
check_interval = "1m"
install_time = "1m"
[[update.window]]
days = ["$window_day"]
start_hour = $window_hour
duration = "2h"
time_zone = "UTC"
EOF
vm_note "window: $window_day $(date -u -d "@$window_start" +%H:%M) UTC for 2h"
kill_at verified
systemctl stop pqbranch-agent pqbranch-edge
s=$SECONDS before=$(date +%s.%N)
date -u -s "@$((window_start - lead))" >/dev/null
# The scenario's own clocks (step stamps, SECONDS) go on as before the jump.
vm_t0=$(awk -v a="$vm_t0" -v b="$before" -v t="$((window_start - lead))" 'BEGIN { printf "%.9f", a + t - b }')
SECONDS=$s
vm_note "clock set to $(date -u +%FT%TZ)"
publish "/root/pqbranch-agent_${v1}_amd64.deb" "$v1"
"$release_tool" verify --keys "$release_keys" "$releases/$channel/manifest" \
  --package "$releases/$channel/pqbranch-agent_${v1}_amd64.deb" >>"$PQB_VM_OUT/release-tool.log"
systemctl start pqbranch-edge pqbranch-agent ||
  fail_with_journal "the services did not start with [releases] and [update]"
t=$SECONDS

vm_step "before the window: the agent fetched, verified and staged N+1, and holds it"
window_text=$(date -u -d "@$window_start" +%Y-%m-%dT%H:%M:%SZ)
vm_wait_for_quietly 80 staged_is "$v1" || fail_with_journal "the agent did not stage $v1 within 80 s"
vm_note "staged $((SECONDS - t)) s after the agent's start, $((window_start - $(date +%s))) s before the window"
(($(date +%s) < window_start)) || fail_with_journal "N+1 staged only after the window opened"
vm_note "agent state: staged=$(agent_state staged | cut -d' ' -f1-3) ..."
vm_expect "the agent's running version is the package's ($version)" \
  "$(agent_logged "update: running $version on channel '$channel'" && echo 1 || echo 0)" -eq 1
vm_wait_for_quietly 10 agent_logged "update: staged $v1 waits: no interrupt window is open" ||
  fail_with_journal "the agent did not log why $v1 waits"
vm_expect "held outside the window until $window_text" \
  "$(agent_logged "(next opportunity $window_text)" && echo 1 || echo 0)" -eq 1
vm_note "$(journalctl -b -u pqbranch-agent --no-pager -o cat | grep -m1 -o 'interrupt windows evaluated with tz database .*')"
vm_expect "update_staged_total" "$(metric update_staged_total)" -ge 1
vm_expect "update_install_requests_total" "$(metric update_install_requests_total)" -eq 0
vm_expect_text "outstanding request in the agent's state" "$(agent_state requested)" ""
vm_expect "install requests" "$(requests_present)" -eq 0
vm_expect_text "installed version" "$(installed)" "$version"
vm_expect_text "downloaded package in the agent's directory" \
  "$(sha256sum <"$upd/pqbranch-agent_${v1}_amd64.deb" | cut -d' ' -f1)" \
  "$(sha256sum <"/root/pqbranch-agent_${v1}_amd64.deb" | cut -d' ' -f1)"

vm_step "the window opens: the agent requests N+1; the updater killed after each apply step; a UDP stream across ESP"
tun_stream_start 200
vm_wait_for "the stream reaches the far LAN" 20 vm_stream_caught_up 50
wait_step verified $((window_start - $(date +%s) + 90))
t_request=$(($(date +%s) - window_start))
vm_note "request taken $t_request s after the window opened"
requested_at=$(agent_state requested | cut -d' ' -f4)
vm_expect "request written at or after the window's start (s)" "$((requested_at - window_start))" -ge 0
vm_expect "the agent logged the install in the window" \
  "$(agent_logged "update: installing $v1 (window open)" && echo 1 || echo 0)" -eq 1
vm_expect_text "version the agent requested" "$(state_field version)" "$v1"
vm_expect "update_install_requests_total" "$(metric update_install_requests_total)" -eq 1
for s in installing installed health-check; do
  resume_at "$s"
  vm_expect_text "killed after recording" "$(step_of)" "$s"
done
resume_at ""
vm_expect_text "updater's last step" "$(step_of)" done
t_rotating=$(($(date +%s) - window_start))
vm_note "window opening to the tunnel rotating on N+1 (the health gate passed; four kills and restarts included): $t_rotating s"
vm_expect_text "installed version" "$(installed)" "$v1"
vm_expect_text "agent active" "$(systemctl is-active pqbranch-agent)" active
vm_expect "the new agent rotates" "$(agent_rotations)" -ge 1
vm_expect "kept package is N+1" "$([[ "$(dpkg-deb -f "$kept/current.deb" Version)" == "$v1" ]] && echo 1 || echo 0)" -eq 1
vm_wait_for_quietly 150 edge_reported "$v1" installed ||
  fail_with_journal "no report 'installed' for $v1 at the edge"
vm_note "the edge logged the report 'installed' $(($(date +%s) - window_start)) s after the window opened"
vm_expect "the new agent runs as $v1 (the package's version file)" \
  "$(agent_logged "update: running $v1" && echo 1 || echo 0)" -eq 1
vm_expect "update_results_total{reason=\"done\"}" "$(metric 'update_results_total{reason="done"}')" -eq 1
vm_stream_stop
vm_stream_expect_clean

vm_step "N+2 published, update now: the agent requests it, its health gate fails, rolled back to N+1"
# A build that cannot start fails the gate only at its deadline: 15 s is enough to show it.
kill_at rolling-back 15
t=$SECONDS
publish "/root/pqbranch-agent_${v2}_amd64.deb" "$v2"
# The operator's command instead of the next periodic check (up to 75 s away); the agent's
# own checks found N+1 above and refuse N+2 below.
answer=$(pqbranch-agent update now 2>&1) || fail_with_journal "update now failed: $answer"
vm_expect_text "the agent's answer to update now" "${answer%%:*}" ok
vm_note "update now: $answer"
# The check, download, request, the install, the 15 s gate.
wait_step rolling-back 300
vm_note "published to the health gate failing: $((SECONDS - t)) s"
vm_expect_text "version the agent requested" "$(state_field version)" "$v2"
resume_at rollback-check
vm_expect_text "killed after recording" "$(step_of)" rollback-check
resume_at ""
vm_expect_text "updater's last step" "$(step_of)" rolled-back
vm_expect_text "failed version" "$(state_field failed_version)" "$v2"
vm_expect_text "installed version after the rollback" "$(installed)" "$v1"
vm_expect_text "agent active" "$(systemctl is-active pqbranch-agent)" active
vm_expect "agent rotates again" "$(agent_rotations)" -ge 1
vm_note "N+2 published to rolled back: $((SECONDS - t)) s; $(state_field result)"
vm_wait_for_quietly 150 edge_reported "$v2" rolled-back ||
  fail_with_journal "no report 'rolled-back' for $v2 at the edge"
vm_expect "update_results_total{reason=\"rolled-back\"}" "$(metric 'update_results_total{reason="rolled-back"}')" -eq 1
vm_expect_text "failed versions the agent remembers" "$(agent_state failed)" "$v2"
vm_wait_for_quietly 150 metric_at_least 'update_refused_total{reason="failed_before"}' 1 ||
  fail_with_journal "the agent's next check did not refuse $v2 as failed_before"
vm_expect "update_refused_total{reason=\"failed_before\"}" \
  "$(metric 'update_refused_total{reason="failed_before"}')" -ge 1
vm_note "$(journalctl -b -u pqbranch-agent --no-pager -o cat | grep -F "$v2" | grep -m1 'refused')"
vm_expect_text "staged after the refusal" "$(agent_state staged)" ""
vm_expect "install requests" "$(requests_present)" -eq 0
vm_expect_text "installed version" "$(installed)" "$v1"
vm_expect "ping replies lan to lan after the rollback" "$(vm_ping_received blan 10.1.0.2 10.2.0.2 3)" -eq 3
printf 'PQB_UPDATE_HEALTH_DEADLINE=30\n' >/etc/default/pqbranch-update
journalctl -b -u pqbranch-edge --no-pager -o cat | grep -F 'release report from site' | sed 's/^/   edge: /' || true
vm_note "timings: window to request $t_request s, window to rotating on N+1 $t_rotating s"
save_journal
