#!/bin/bash
# vm-expect-exit: 7
# The harness checks itself: the guest offers what scenarios rely on (root, a read-only
# root filesystem, writable /tmp and results share, the build tree's binaries, ASan
# working, loadable ESP modules), and then this script exits 7 on purpose: CTest runs it
# with --expect-exit 7, so it passes only if a guest's exit code really reaches the host
# (any failed check exits 1 instead).
source "$PQB_SOURCE_DIR/tests/vm/guest/scenario_lib.sh"

vm_step "guest basics"
vm_note "kernel $(uname -r), $(nproc) CPU, $(awk '/MemTotal/ { print $2 / 1024 " MiB" }' /proc/meminfo)"
vm_expect "uid" "$(id -u)" -eq 0
vm_expect "the root filesystem accepts writes (it must not)" "$(touch /usr/pqb-probe 2>/dev/null && echo 1 || echo 0)" -eq 0
vm_expect "/tmp is writable" "$(touch /tmp/probe && echo 1 || echo 0)" -eq 1
echo probe >"$PQB_VM_OUT/probe"
vm_expect "results share holds what we wrote" "$(grep -c probe "$PQB_VM_OUT/probe")" -eq 1
vm_expect "wall clock is set (year)" "$(date +%Y)" -ge 2024

vm_step "the build tree's binaries run, with AddressSanitizer active"
[[ -x "$PQB_BUILD_DIR/tests/tools/pqb-udp-stream" ]] || vm_fail "no pqb-udp-stream in $PQB_BUILD_DIR"
rc=0; pqb-udp-stream send --rate 1 >/dev/null 2>&1 || rc=$?
vm_expect "pqb-udp-stream usage error exit" "$rc" -eq 2
if grep -q '^PQB_SANITIZE:STRING=.*address' "$PQB_BUILD_DIR/CMakeCache.txt"; then
  asan=$(ASAN_OPTIONS=help=1 pqb-udp-stream 2>&1 | grep -c 'Available flags for AddressSanitizer' || true)
  vm_expect "ASan runtime present and answering" "$asan" -eq 1
fi
# A GoogleTest binary runs in the guest too (C++ tests can run inside, not only scripts).
"$PQB_BUILD_DIR/tests/pqb_unit_tests" --gtest_filter='SequenceCounter.*' --gtest_brief=1

vm_step "ESP modules load and XFRM answers"
vm_modules
ip xfrm state list >/dev/null
vm_expect "esp4 loaded" "$(grep -c '^esp4 ' /proc/modules)" -eq 1

vm_step "all checks passed; exiting 7 on purpose"
exit 7
