#!/bin/bash
# PID 1 in the guest, after switch_root into the host's root filesystem (read-only 9p):
# finish the mounts a test needs, run the scenario as a child, write its exit code and the
# timings to the share, and power off. There is no init system: this script is it, so
# it never exits on its own (PID 1 exiting panics the kernel) but ends with sysrq.
set -u
share=/run/pqb-vm
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 TERM=dumb

# A FIFO nobody writes: reading it is a wait that needs no program from the root
# filesystem, which is going away while the VM powers off.
mkfifo /run/pqb-hold
exec {hold}<>/run/pqb-hold
poweroff_now() {
  sync
  echo o >/proc/sysrq-trigger
  # sysrq poweroff is asynchronous: wait for it rather than exit (which would panic).
  while :; do read -r -t 60 -u "$hold" _ || true; done
}

mkdir -p /dev/pts /dev/shm
mount -t devpts -o mode=0620,ptmxmode=0666 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t tmpfs -o mode=1777 tmpfs /var/tmp 2>/dev/null || true
# Keep the kernel's own chatter (e.g. the xfrm interface's link messages) off the console.
echo 4 >/proc/sys/kernel/printk
hostname pqb-vm
ip link set lo up

# job.env (written by run-vm-test.sh): PQB_SOURCE_DIR, PQB_BUILD_DIR, PQB_VM_TEST,
# PQB_VM_GUEST_TIMEOUT, the array PQB_VM_ARGS and, with --peerroot, PQB_PEERROOT.
# shellcheck source=/dev/null
source "$share/job.env"
export PQB_SOURCE_DIR PQB_BUILD_DIR PQB_VM_TEST
# Set only for a test that asked for the strongSwan peer root (run-vm-test.sh --peerroot).
[[ -z "${PQB_PEERROOT:-}" ]] || export PQB_PEERROOT
export PQB_VM_OUT="$share/out"  # artifacts the host keeps (captures, logs)
export PATH="$PQB_BUILD_DIR/tests/tools:$PATH"
mkdir -p "$PQB_VM_OUT"

read -r up _ </proc/uptime
printf '%s\n' "$up" >"$share/uptime-at-test-start"
echo "pqb-vm: kernel $(uname -r), test starts at uptime ${up}s: $PQB_VM_TEST ${PQB_VM_ARGS[*]}"
cd "$PQB_VM_OUT" || poweroff_now
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
poweroff_now
