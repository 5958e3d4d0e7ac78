# The scenario run both guest inits share (sourced by pid1.sh, and by systemd_job.sh when
# systemd is PID 1): read job.env from the share, run the scenario as a child with the
# guest's deadline, tee its output to the share's test.log, write its exit code and timings.
# shellcheck shell=bash

pqb_run_job() {
  local share=/run/pqb-vm up start end rc
  # job.env (written by run-vm-test.sh): PQB_SOURCE_DIR, PQB_BUILD_DIR, PQB_VM_TEST,
  # PQB_VM_GUEST_TIMEOUT, PQB_HOST_LOAD, the array PQB_VM_ARGS, with --peerroot
  # PQB_PEERROOT and with --packaged PQB_PROGRAMS.
  # shellcheck source=/dev/null
  source "$share/job.env"
  export PQB_SOURCE_DIR PQB_BUILD_DIR PQB_VM_TEST PQB_HOST_LOAD
  # Set only for a test that asked for the strongSwan peer root (run-vm-test.sh --peerroot).
  [[ -z "${PQB_PEERROOT:-}" ]] || export PQB_PEERROOT
  # Set only for a test that runs the packaged programs (run-vm-test.sh --packaged).
  [[ -z "${PQB_PROGRAMS:-}" ]] || export PQB_PROGRAMS
  export PQB_VM_OUT="$share/out"  # artifacts the host keeps (captures, logs)
  export PATH="$PQB_BUILD_DIR/tests/tools:$PATH"
  mkdir -p "$PQB_VM_OUT"

  read -r up _ </proc/uptime
  printf '%s\n' "$up" >"$share/uptime-at-test-start"
  echo "pqb-vm: kernel $(uname -r), test starts at uptime ${up}s: $PQB_VM_TEST ${PQB_VM_ARGS[*]}"
  [[ -z "${PQB_PROGRAMS:-}" ]] || echo "pqb-vm: the packaged programs, from $PQB_PROGRAMS"
  cd "$PQB_VM_OUT" || return 1
  start=$(date +%s.%N)
  # The guest's own deadline ends a stuck scenario with a proper exit code (124) and its
  # logs; run-vm-test.sh's host-side timeout is the backstop for a stuck kernel.
  timeout -k 5 "$PQB_VM_GUEST_TIMEOUT" /bin/bash "$PQB_VM_TEST" "${PQB_VM_ARGS[@]}" 2>&1 |
    tee "$share/test.log"
  rc=${PIPESTATUS[0]}
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f\n", b - a }' >"$share/test-seconds"
  echo "pqb-vm: test exited with $rc"
  printf '%s\n' "$rc" >"$share/rc"
}
