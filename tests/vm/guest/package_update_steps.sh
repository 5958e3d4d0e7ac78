# The root updater's steps (docs/updates.md, "Root updater"), for package_systemd.sh once
# both services run and rotate: driven as the agent drives it, by an install request in
# /var/lib/pqbranch/update/. Versions N+1 and N+2 are this tree's package repacked with a
# higher Version: (dpkg-deb -R, -b); N+2's agent cannot start (a build that fails its health
# gate). Shown: a wrong hash refused with the agent untouched; N -> N+1 with the updater
# killed right after recording each apply step and started again (as at boot), ending at
# N+1 with a UDP stream across ESP losing nothing; N+1 -> N+2 rolled back to N+1 with the
# updater killed in both rollback steps; the outcome published for the agent.
# Sourced by package_systemd.sh: uses its agent_deb, unit_show and the namespaces.

# The stream helpers (tun_stream_*) of the tunnel library, on this scenario's LAN hosts.
TUN_NS_BLAN=blan TUN_NS_ELAN=elan
# shellcheck source=tests/vm/guest/tunnel_lib.sh
source "$PQB_SOURCE_DIR/tests/vm/guest/tunnel_lib.sh"

upd=/var/lib/pqbranch/update
kept=/var/lib/pqbranch-update/packages
state=/var/lib/pqbranch-update/state

# repack VERSION OUT [broken]: the built agent package as VERSION (broken: an agent program
# that exits at once, so the unit never becomes active).
repack() {
  local work=/root/repack-$1
  rm -rf "$work"
  dpkg-deb -R "$agent_deb" "$work"
  sed -i "s/^Version: .*/Version: $1/" "$work/DEBIAN/control"
  if [[ "${3:-}" == broken ]]; then
    printf '#!/bin/sh\necho "pqbranch-agent: a build that cannot start" >&2\nexit 3\n' \
      >"$work/usr/sbin/pqbranch-agent"
    sed -i '/ usr\/sbin\/pqbranch-agent$/d' "$work/DEBIAN/md5sums"
  fi
  dpkg-deb --root-owner-group -b "$work" "$2" >/dev/null
}
# request DEB VERSION [SHA256]: what the agent writes (the package in its directory, then
# the request renamed into place).
request() {
  local deb=$upd/$(basename "$1")
  install -o pqbranch -g pqbranch -m 0600 "$1" "$deb"
  printf 'version=%s\npackage=%s\nsha256=%s\n' "$2" "$deb" "${3:-$(sha256sum "$deb" | cut -d' ' -f1)}" \
    >"$upd/request.tmp"
  mv "$upd/request.tmp" "$upd/request"
}
step_of() { sed -n 's/^step=//p' "$state" 2>/dev/null; }
updater_idle() { [[ "$(systemctl show -P ActiveState pqbranch-update.service)" != activating ]]; }
stopped_at() { updater_idle && grep -qx "step=$1" "$state"; }
# The updater's journal, with monotonic times, for the record (and on a failure).
save_journal() { journalctl -b -u pqbranch-update -u pqbranch-agent -o short-monotonic --no-pager \
  >"$PQB_VM_OUT/updater-journal.log" 2>&1 || true; }
# wait_step STEP SECONDS: the updater ran (started by the path unit) and stopped at STEP.
wait_step() {
  if ! vm_wait_for_quietly "$2" stopped_at "$1"; then
    save_journal
    vm_fail "updater not stopped at step $1 after $2 s (state: $(tr '\n' ' ' <"$state"))"
  fi
}
# resume_at KILL_STEP: start the updater again, as the boot would, killed after KILL_STEP
# (empty: not killed); systemctl start returns when the oneshot unit has ended.
resume_at() {
  printf 'PQB_UPDATE_HEALTH_DEADLINE=30\nPQB_UPDATE_KILL_AT=%s\n' "$1" >/etc/default/pqbranch-update
  systemctl reset-failed pqbranch-update.service 2>/dev/null || true
  systemctl start pqbranch-update.service 2>/dev/null || true
}
installed() { dpkg-query -W -f '${Version}' pqbranch-agent; }
agent_rotations() { pqbranch-agent status --json | grep -o '"rotations":[0-9]*' | cut -d: -f2; }
result_field() { sed -n "s/^$1=//p" "$upd/result"; }

vm_step "root updater: the path unit, the kept package, versions N+1 and N+2"
vm_expect_text "pqbranch-update.path" "$(systemctl is-active pqbranch-update.path)" active
install -d -o pqbranch -g pqbranch -m 0700 "$upd"
install -D -m 0600 "$agent_deb" "$kept/current.deb"
v1=$version+upd1 v2=$version+upd2
repack "$v1" /root/next.deb
repack "$v2" /root/broken.deb broken
vm_expect "N+1 sorts above N" "$(dpkg --compare-versions "$v1" gt "$version" && echo 1 || echo 0)" -eq 1

vm_step "a request whose hash is wrong is refused; the agent is untouched"
pid=$(unit_show pqbranch-agent MainPID)
resume_at ""
request /root/next.deb "$v1" "$(printf '0%.0s' {1..64})"
wait_step refused 60
vm_note "state: $(tr '\n' ' ' <"$state")"
vm_expect "request moved aside as rejected" "$(ls "$upd"/request.rejected | wc -l)" -eq 1
vm_expect_text "installed version" "$(installed)" "$version"
vm_expect "agent not restarted" "$(unit_show pqbranch-agent MainPID)" -eq "$pid"
vm_expect_text "result published for the agent" "$(result_field step)" refused
vm_expect_text "result file owner" "$(stat -c %U "$upd/result")" pqbranch

vm_step "N -> N+1, the updater killed after each apply step, a UDP stream across ESP"
tun_stream_start 200
vm_wait_for "the stream reaches the far LAN" 20 tun_stream_caught_up 50
t=$SECONDS
resume_at verified
request /root/next.deb "$v1"
wait_step verified 60
for s in installing installed health-check; do
  resume_at "$s"
  vm_expect_text "killed after recording" "$(step_of)" "$s"
done
resume_at ""
vm_expect_text "updater's last step" "$(step_of)" done
vm_note "request to done (four kills and restarts included): $((SECONDS - t)) s"
vm_expect_text "installed version" "$(installed)" "$v1"
vm_expect_text "agent active" "$(systemctl is-active pqbranch-agent)" active
vm_wait_for "the new agent completed a rotation" 60 bash -c \
  '(( $(pqbranch-agent status --json | grep -o "\"rotations\":[0-9]*" | cut -d: -f2) >= 1 ))'
vm_expect "kept package is N+1" "$([[ "$(dpkg-deb -f "$kept/current.deb" Version)" == "$v1" ]] && echo 1 || echo 0)" -eq 1
vm_expect_text "result for the agent" "$(result_field step)" done
tun_stream_stop
tun_stream_expect_clean

vm_step "N+1 -> N+2 fails its health gate: rolled back to N+1, killed in both rollback steps"
t=$SECONDS
resume_at rolling-back
request /root/broken.deb "$v2"
wait_step rolling-back 400
vm_note "health gate failed after $((SECONDS - t)) s (deadline 30 s)"
resume_at rollback-check
vm_expect_text "killed after recording" "$(step_of)" rollback-check
resume_at ""
vm_expect_text "updater's last step" "$(step_of)" rolled-back
vm_expect_text "installed version after the rollback" "$(installed)" "$v1"
vm_expect_text "agent active" "$(systemctl is-active pqbranch-agent)" active
vm_expect "agent rotates again" "$(agent_rotations)" -ge 1
vm_expect_text "failed version published for the agent" "$(result_field failed_version)" "$v2"
vm_expect_text "result step" "$(result_field step)" rolled-back
vm_note "N+2 to rolled back: $((SECONDS - t)) s; result: $(result_field result)"
vm_expect "ping replies lan to lan after the rollback" "$(vm_ping_received blan 10.1.0.2 10.2.0.2 3)" -eq 3
printf 'PQB_UPDATE_HEALTH_DEADLINE=30\n' >/etc/default/pqbranch-update
save_journal
