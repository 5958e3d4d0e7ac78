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
step() { printf '\n==== %s\n' "$*"; }
t0=$SECONDS
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
regex="^($(IFS='|'; echo "${labels[*]}"))\$"
step "ctest -L '$regex'"
ctest --test-dir build/asan -L "$regex" --output-on-failure --no-tests=ignore -j"$(nproc)" \
  --timeout 1500
printf '\n==== gate passed in %d s\n' $((SECONDS - t0))
