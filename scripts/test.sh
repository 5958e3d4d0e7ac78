#!/usr/bin/env bash
# The whole gate: format check, build with warnings as errors (ASan+UBSan), then every CTest
# label (or only the labels named), with clang-tidy and the fuzzers beside the VM tests. Exits non-zero on any failure.
#   test.sh [LABEL...] [--no-tidy] [--no-format]
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
labels=() tidy=1 format=1
for a in "$@"; do
  case "$a" in
    --no-tidy) tidy=0 ;;
    --no-format) format=0 ;;
    -*) echo "unknown option $a" >&2; exit 2 ;;
    *) labels+=("$a") ;;
  esac
done
t0=$SECONDS
step() { printf '\n==== [%4d s] %s\n' $((SECONDS - t0)) "$*"; }
ctest_log=$(mktemp)
run_ctest() { ctest "$@" 2>&1 | tee -a "$ctest_log"; }
sources() { find include src agent edge-stub tests -type f \( -name '*.cpp' -o -name '*.hpp' \) | sort; }

if (( format )); then
  step "clang-format check"
  sources | xargs -r clang-format-19 --dry-run --Werror
fi

step "build (preset asan: -Werror, AddressSanitizer, UBSan)"
"$top/scripts/build.sh" asan

if (( ${#labels[@]} == 0 )); then
  labels=(unit component netns vm interop fuzz)
fi
want_fuzz=0 parallel=() serial=()
for l in "${labels[@]}"; do
  case "$l" in
    fuzz) want_fuzz=1 ;;
    vm|interop) serial+=("$l") ;;
    *) parallel+=("$l") ;;
  esac
done
label_regex() { printf '^(%s)$' "$(IFS='|'; echo "$*")"; }
ctest_args=(--test-dir build/asan --output-on-failure --no-tests=ignore --timeout 1500)
# The sharded GoogleTest suites write their cases' results here (tests/CMakeLists.txt).
rm -rf build/asan/gtest

# Work that only reads the asan build (clang-tidy) and the fuzzers (a second configuration,
# clang's libFuzzer, that builds only them and the modules they parse with) runs beside the
# VM tests, at the lowest priority so that the VMs keep their cores, each on every core so
# that what is left when the VMs are done (all of it after a change of compile flags)
# finishes sooner. Their output is printed, and their failure fails the gate, at the end.
# The VM tests claim one slot of `cpus` per emulated CPU (tests/vm/CMakeLists.txt): with one
# slot per core, VMs run side by side while each has a core of its own.
slots=$(( $(nproc) < 2 ? 2 : $(nproc) ))
resources=$(mktemp)
printf '{"version": {"major": 1, "minor": 0}, "local": [{"cpus": [{"id": "host", "slots": %d}]}]}\n' \
  "$slots" >"$resources"
declare -A bg_pid bg_log
trap 'for j in "${!bg_pid[@]}"; do kill -- "-${bg_pid[$j]}" 2>/dev/null; rm -f "${bg_log[$j]}"; done
      rm -f "$ctest_log" "$resources"' EXIT
run_tidy() { "$top/scripts/tidy.sh" build/asan; }
run_fuzz() {
  cmake --preset fuzz >/dev/null &&
    CMAKE_BUILD_PARALLEL_LEVEL=$(nproc) cmake --build --preset fuzz --target pqb_fuzzers &&
    ctest --test-dir build/fuzz -L '^fuzz$' --output-on-failure --no-tests=ignore -j"$(nproc)"
}
# background NAME FUNCTION WHAT: runs the function in a new session at the lowest priority.
background() {
  step "$3: $1 in the background"
  bg_log[$1]=$(mktemp)
  # setsid makes a new session, and with the kernel's autogroup scheduling a new session is a
  # new group that gets an equal share of the CPUs whatever its nice value: the group's own
  # nice (/proc/self/autogroup) is what keeps the background work from slowing the VMs.
  setsid nice -n 19 bash -c \
    "{ echo 19 >/proc/self/autogroup; } 2>/dev/null || true; top='$top'; $(declare -f "$2"); $2" \
    >"${bg_log[$1]}" 2>&1 &
  bg_pid[$1]=$!
}
# finish NAME: waits for a background job, prints its output and fails the gate if it failed.
finish() {
  [[ -v "bg_pid[$1]" ]] || return 0
  step "$1: waiting for the background run"
  local rc=0
  wait "${bg_pid[$1]}" || rc=$?
  unset "bg_pid[$1]"
  cat "${bg_log[$1]}"; cat "${bg_log[$1]}" >>"$ctest_log"; rm -f "${bg_log[$1]}"
  (( rc == 0 )) || { echo "$1: failed (exit $rc)" >&2; exit "$rc"; }
}

if (( ${#parallel[@]} )); then
  step "ctest -L '$(label_regex "${parallel[@]}")'"
  run_ctest "${ctest_args[@]}" -L "$(label_regex "${parallel[@]}")" -j"$(nproc)"
fi
(( tidy )) && background clang-tidy run_tidy "the project's .cpp files"
(( want_fuzz )) && background fuzz run_fuzz "preset fuzz (clang), each fuzzer at most 15 s"
if (( ${#serial[@]} )); then
  step "ctest -L '$(label_regex "${serial[@]}")' (VMs side by side, one core each)"
  run_ctest "${ctest_args[@]}" -L "$(label_regex "${serial[@]}")" -j"$slots" \
    --resource-spec-file "$resources"
fi
finish clang-tidy
finish fuzz
# The cases inside the sharded GoogleTest suites (each shard is one ctest test above).
if compgen -G 'build/asan/gtest/*.json' >/dev/null; then
  python3 - build/asan/gtest/*.json <<'PY'
import json, sys
run = failed = 0
for path in sys.argv[1:]:
    with open(path) as f:
        r = json.load(f)
    run += r.get("tests", 0)
    failed += r.get("failures", 0) + r.get("errors", 0)
print(f"GoogleTest cases in the sharded suites: {run} run, {failed} failed")
PY
fi
# One closing line over every ctest run above ("N passed, N failed").
total=$(grep -oE 'tests passed, [0-9]+ tests failed out of [0-9]+' "$ctest_log" |
  awk '{f += $3; n += $8} END {printf "%d passed, %d failed", n - f, f}')
printf '\n==== gate passed in %d s\ngate: %s\n' $((SECONDS - t0)) "${total:-0 passed, 0 failed}"
