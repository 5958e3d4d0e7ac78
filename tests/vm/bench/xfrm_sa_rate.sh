#!/bin/bash
# Benchmark (label bench, not the gate): SA pairs installed and deleted per second through
# NetlinkKernel against `ip -batch` of the same `ip xfrm state add/delete` lines, in one
# namespace of the guest, alternating runs (pqb-xfrm-driver bench). Prints both rates and
# their ratio; fails only if either method does not install what it should.
#   xfrm_sa_rate.sh [PAIRS (1000)] [REPEAT (5)]
# vm-timeout: 600
source "$PQB_SOURCE_DIR/tests/vm/guest/scenario_lib.sh"
source "$PQB_SOURCE_DIR/tests/bench/bench_result.sh"

vm_step "SA pairs per second: NetlinkKernel vs ip -batch"
vm_modules
vm_netns bench
vm_note "build: $PQB_BUILD_DIR"
out=$(vm_nl bench bench --pairs "${1:-1000}" --repeat "${2:-5}") ||
  { printf '%s\n' "$out"; vm_fail "pqb-xfrm-driver bench failed"; }
# The driver's own summary ("bench result pairs=... ratio=...") becomes the named result line.
sed '/^bench result /d' <<<"$out"
summary=$(sed -n 's/^bench result //p' <<<"$out")
[[ -n "$summary" ]] || vm_fail "the driver printed no result"
bench_result xfrm_sa_rate "$summary"
vm_step "done"
