#!/bin/bash
# The test unit's program when systemd is PID 1 (run-vm-test.sh --systemd; guest/init wrote
# pqb-vm-test.service, a oneshot unit after multi-user.target): run the scenario like
# pid1.sh does, then power off at once (the results are on the share already; a unit, unlike
# PID 1, may simply exit).
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 TERM=dumb
# Keep the kernel's own chatter (e.g. the xfrm interface's link messages) off the console.
echo 4 >/proc/sys/kernel/printk
read -r up _ </proc/uptime
echo "pqb-vm: systemd $(systemctl --version | awk 'NR == 1 { print $2 }') reached the test unit at uptime ${up}s ($(systemctl is-system-running || true))"

# shellcheck source=tests/vm/guest/run_job.sh
source "$(dirname "${BASH_SOURCE[0]}")/run_job.sh"
pqb_run_job
sync
echo o >/proc/sysrq-trigger
