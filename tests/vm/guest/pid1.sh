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
# What systemd makes on a real boot and devtmpfs lacks: bash's process substitution
# (`cmd < <(...)`) reads /dev/fd/N.
ln -sfn /proc/self/fd /dev/fd
ln -sfn /proc/self/fd/0 /dev/stdin
ln -sfn /proc/self/fd/1 /dev/stdout
ln -sfn /proc/self/fd/2 /dev/stderr
mount -t tmpfs -o mode=1777 tmpfs /var/tmp 2>/dev/null || true
# Keep the kernel's own chatter (e.g. the xfrm interface's link messages) off the console.
echo 4 >/proc/sys/kernel/printk
hostname pqb-vm
ip link set lo up

# shellcheck source=tests/vm/guest/run_job.sh
source "$(dirname "${BASH_SOURCE[0]}")/run_job.sh"
pqb_run_job
poweroff_now
