#!/usr/bin/env bash
# The whole gate: format check, build with warnings as errors (ASan+UBSan), clang-tidy,
# then every CTest label (or only the labels named). Exits non-zero on any failure.
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
ctest_log=$(mktemp); trap 'rm -f "$ctest_log"' EXIT
run_ctest() { ctest "$@" 2>&1 | tee -a "$ctest_log"; }
sources() { find include src agent edge-stub tests -type f \( -name '*.cpp' -o -name '*.hpp' \) | sort; }

if (( format )); then
  step "clang-format check"
  sources | xargs -r clang-format-19 --dry-run --Werror
fi

step "build (preset asan: -Werror, AddressSanitizer, UBSan)"
"$top/scripts/build.sh" asan

if (( tidy )); then
  step "clang-tidy"
  "$top/scripts/tidy.sh" build/asan
fi

if (( ${#labels[@]} == 0 )); then
  labels=(unit component netns vm interop fuzz)
fi
want_fuzz=0 others=()
for l in "${labels[@]}"; do
  if [[ "$l" == fuzz ]]; then want_fuzz=1; else others+=("$l"); fi
done
if (( ${#others[@]} )); then
  regex="^($(IFS='|'; echo "${others[*]}"))\$"
  step "ctest -L '$regex'"
  run_ctest --test-dir build/asan -L "$regex" --output-on-failure --no-tests=ignore -j"$(nproc)" \
    --timeout 1500
fi
if (( want_fuzz )); then
  # The fuzzers need clang's libFuzzer: a second configuration that builds only them.
  step "fuzz (preset fuzz, clang; each fuzzer at most 30 s)"
  cmake --preset fuzz >/dev/null
  cmake --build --preset fuzz --target pqb_fuzzers
  run_ctest --test-dir build/fuzz -L '^fuzz$' --output-on-failure --no-tests=ignore
fi
# One closing line over every ctest run above ("N passed, N failed").
total=$(grep -oE 'tests passed, [0-9]+ tests failed out of [0-9]+' "$ctest_log" |
  awk '{f += $3; n += $8} END {printf "%d passed, %d failed", n - f, f}')
printf '\n==== gate passed in %d s\ngate: %s\n' $((SECONDS - t0)) "${total:-0 passed, 0 failed}"
