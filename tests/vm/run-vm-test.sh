#!/usr/bin/env bash
# Runs one test script inside Debian 13's kernel under qemu (software emulation) and exits
# with the script's exit code, so CTest sees the guest's verdict. See docs/vm-harness.md.
#
#   run-vm-test.sh [--build-dir DIR] [--timeout SECONDS] [--expect-exit N] [--smp N]
#                  [--peerroot] [--systemd] [--packaged] SCRIPT [ARGS...]
#
# SCRIPT runs in the guest as root (PID 1's child) with the source and build trees mounted
# at their host paths; its output, artifacts ($PQB_VM_OUT) and the console log are kept
# in BUILD_DIR/vm/results/<script name>/. --expect-exit N passes only if SCRIPT exits N
# (how the harness tests that failures reach CTest). --peerroot: the script needs the
# strongSwan peer root (interop tests): shared read-only at /run/peerroot in the guest.
# --smp N gives the guest N emulated CPUs (default 1; qemu runs them on N host threads).
# --systemd boots the systemd root (PQB_SYSROOT, scripts/sysroot.packages) with systemd as
# PID 1 over a writable overlay, and runs SCRIPT as a unit of the boot. --packaged: the
# script runs the programs the gate packaged (release, hardened; unpacked by
# tests/vm/packages.sh into BUILD_DIR/vm/dist/root) instead of the test build's (PQB_PROGRAMS).
# Environment: PQB_VMROOT (root filesystem to boot; default /), PQB_VM_KERNEL (a vmlinuz
# in it; default the newest), PQB_VM_VERBOSE=1 (stream the console while it runs),
# PQB_PEERROOT (the strongSwan peer root; ./pqb binds it at /run/peerroot), PQB_SYSROOT
# (the systemd root; ./pqb binds it at /run/sysroot).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${PQB_BUILD_DIR:-$src/build/asan}
timeout_s=240
expect=
peer=0
systemd=0
packaged=0
smp=1
while (( $# )); do
  case "$1" in
    --build-dir) build=$2; shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    --expect-exit) expect=$2; shift 2 ;;
    --peerroot) peer=1; shift ;;
    --systemd) systemd=1; shift ;;
    --packaged) packaged=1; shift ;;
    --smp) smp=$2; shift 2 ;;
    --) shift; break ;;
    -*) echo "run-vm-test: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
(( $# )) || { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
script=$(realpath "$1"); shift
build=$(realpath "$build")
name=$(basename "$script" .sh)
skip() { echo "run-vm-test: SKIP: $*"; exit 77; }  # CTest's SKIP_RETURN_CODE
fail() { echo "run-vm-test: FAIL: $*"; exit 1; }

# --- what to boot -------------------------------------------------------------------------
vmroot=${PQB_VMROOT:-/}
if (( systemd )); then
  vmroot=${PQB_SYSROOT:-}
  [[ -n "$vmroot" && -x "$vmroot/lib/systemd/systemd" ]] ||
    fail "no systemd VM root (PQB_SYSROOT='$vmroot'): './pqb test vm' creates it"
fi
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not installed (package qemu-system-x86)"
kernels=("$vmroot"/boot/vmlinuz-*)
kernel=${PQB_VM_KERNEL:-$(printf '%s\n' "${kernels[@]}" | sort -V | tail -n1)}
[[ -n "$kernel" && -r "$kernel" ]] || skip "no readable kernel in $vmroot/boot (package linux-image-amd64)"
kver=${kernel##*/vmlinuz-}
[[ -d "$vmroot/lib/modules/$kver" ]] || skip "no modules for $kver in $vmroot/lib/modules"
[[ "$script" == "$src"/* || "$script" == "$build"/* ]] ||
  fail "$script must be inside the source or build tree (the guest sees only those)"

# The interop tests' strongSwan root (scripts/lib.sh pqb_peerroot; ./pqb test creates it).
peerroot=
if (( peer )); then
  peerroot=${PQB_PEERROOT:-}
  [[ -n "$peerroot" && -x "$peerroot/usr/lib/ipsec/charon" ]] ||
    fail "no strongSwan peer root (PQB_PEERROOT='$peerroot'): './pqb test interop' creates it"
fi

# The packaged programs (tests/vm/packages.sh, CTest's vm.packages, unpacks them).
programs=
if (( packaged )); then
  programs=$build/vm/dist/root/usr/sbin
  for p in pqbranch-agent pqbranch-edge-stub; do
    [[ -x "$programs/$p" ]] || fail "no packaged $p in $programs: run vm.packages first"
  done
fi

initrd=$("$here/mk-initramfs.sh" "$vmroot" "$kver" "$build/vm/cache")

# --- the share: inputs for the guest, results for us ---------------------------------------
results="$build/vm/results/$name"
rm -rf "$results"
mkdir -p "$results/out"
{
  printf 'src %s\n' "$src"
  # The build tree is usually inside the source tree; share it separately when not.
  [[ "$build" == "$src"/* ]] || printf 'build %s\n' "$build"
  [[ -z "$peerroot" ]] || printf 'peerroot /run/peerroot\n'
} >"$results/mounts"
printf '%s\n' "$here/guest/pid1.sh" >"$results/pid1"
guest_timeout=$(( timeout_s > 60 ? timeout_s - 30 : timeout_s / 2 ))
{
  printf 'PQB_SOURCE_DIR=%q\nPQB_BUILD_DIR=%q\nPQB_VM_TEST=%q\n' "$src" "$build" "$script"
  printf 'PQB_VM_GUEST_TIMEOUT=%q\n' "$guest_timeout"
  # The host's load when the VM starts: benchmarks record it (tests/bench/bench_result.sh).
  printf 'PQB_HOST_LOAD=%q\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
  [[ -z "$peerroot" ]] || printf 'PQB_PEERROOT=/run/peerroot\n'
  [[ -z "$programs" ]] || printf 'PQB_PROGRAMS=%q\n' "$programs"
  printf 'PQB_VM_ARGS=('; (( $# == 0 )) || printf '%q ' "$@"; printf ')\n'
} >"$results/job.env"

# With systemd as PID 1 the scenario is a oneshot unit of the boot (guest/init installs it).
append="console=ttyS0 panic=-1 loglevel=4 mitigations=off"
if (( systemd )); then
  append+=" pqb.init=systemd systemd.show_status=error"
  cat >"$results/pqb-vm-test.service" <<UNIT
[Unit]
Description=pqbranch VM test $name
After=multi-user.target

[Service]
Type=oneshot
TimeoutStartSec=infinity
ExecStart=/bin/bash $here/guest/systemd_job.sh
StandardOutput=tty
StandardError=inherit
TTYPath=/dev/ttyS0
UNIT
fi

virtfs() {  # virtfs PATH TAG [readonly]
  local o="local,path=$1,mount_tag=$2,security_model=none,multidevs=remap"
  [[ "${3:-}" == ro ]] && o+=",readonly=on"
  printf '%s' "$o"
}
qemu=(qemu-system-x86_64 -nodefaults -no-user-config -machine q35 -accel tcg -cpu max
  -smp "$smp" -m 1024 -display none -serial stdio -no-reboot
  -kernel "$kernel" -initrd "$initrd"
  -append "$append"
  -virtfs "$(virtfs "$vmroot" rootfs ro)"
  -virtfs "$(virtfs "$results" share)"
  -virtfs "$(virtfs "$src" src ro)")
[[ "$build" == "$src"/* ]] || qemu+=(-virtfs "$(virtfs "$build" build ro)")
[[ -z "$peerroot" ]] || qemu+=(-virtfs "$(virtfs "$peerroot" peerroot ro)")

# --- run ----------------------------------------------------------------------------------
console="$results/console.log"
t0=$(date +%s.%N)
# qemu runs in the background so that Ctrl-C (SIGINT) or SIGTERM here stops it at once
# (`timeout` puts it in a process group of its own, out of the terminal's reach).
verbose=${PQB_VM_VERBOSE:-}
if [[ "$verbose" == 1 ]]; then
  timeout -k 10 "$timeout_s" "${qemu[@]}" </dev/null > >(tee "$console") 2>&1 &
else
  timeout -k 10 "$timeout_s" "${qemu[@]}" </dev/null >"$console" 2>&1 &
fi
qpid=$!
trap 'kill -TERM "$qpid" 2>/dev/null; wait "$qpid"; echo; echo "run-vm-test: interrupted; qemu stopped"; exit 130' INT TERM
set +e
wait "$qpid"
qrc=$?
set -e
trap - INT TERM
t1=$(date +%s.%N)
# The host CPU time of qemu (and the shell's other children): how much of its two cores a VM
# test really uses, i.e. how many can share them (docs/vm-harness.md, "Timing").
times >"$results/host-times"  # in this shell: a subshell's `times` knows no children
cpu_s=$(awk 'NR == 2 { for (i = 1; i <= 2; i++) { split($i, t, /[ms]/); s += t[1] * 60 + t[2] } }
             END { printf "%.1f", s }' "$results/host-times")

# --- verdict ------------------------------------------------------------------------------
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
total=$(secs "$t0" "$t1")
test_s=$(cat "$results/test-seconds" 2>/dev/null || echo 0)
boot_s=$(awk -v t="$total" -v s="$test_s" 'BEGIN { printf "%.1f", t - s }')
uptime_s=$(cat "$results/uptime-at-test-start" 2>/dev/null || echo '?')
timing="total ${total} s, boot+shutdown ${boot_s} s (kernel uptime at test start ${uptime_s} s)"
timing+=", test ${test_s} s (kernel $kver), host CPU ${cpu_s} s"
printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$name" "$total" "$boot_s" "$test_s" \
  "$cpu_s" >>"$build/vm/timings.tsv"

show_console() {
  [[ "$verbose" == 1 ]] && return 0  # it was shown as it ran
  echo "---- console log ($console) ----"
  cat "$console"
  echo "---- end of console log ----"
}
if [[ ! -f "$results/rc" ]]; then
  show_console
  if (( qrc == 124 || qrc == 137 )); then
    fail "$name: the VM did not finish within ${timeout_s} s (killed; $timing)"
  fi
  fail "$name: the guest ended without an exit code (qemu exit $qrc; $timing)"
fi
rc=$(cat "$results/rc")
if [[ -n "$expect" ]]; then
  if [[ "$rc" == "$expect" ]]; then
    [[ "$verbose" == 1 ]] || cat "$results/test.log"
    echo "run-vm-test: $name exited $rc as expected; $timing"
    exit 0
  fi
  show_console
  fail "$name: exit code $rc, expected $expect; $timing"
fi
if [[ "$rc" == 0 ]]; then
  [[ "$verbose" == 1 ]] || cat "$results/test.log"
  echo "run-vm-test: PASS $name; $timing; results in $results"
  exit 0
fi
show_console
[[ "$rc" == 124 ]] && echo "run-vm-test: $name hit the guest's ${guest_timeout} s deadline"
echo "run-vm-test: FAIL $name: exit code $rc; $timing; results in $results"
# The script's own code, so CTest (and a person) sees what the guest saw; never 0 or 77.
(( rc == 77 )) && exit 1
exit "$rc"
