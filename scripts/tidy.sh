#!/usr/bin/env bash
# clang-tidy over the project's own .cpp files (config: .clang-tidy), using the build's
# compile_commands.json. Results are cached by file content, so unchanged files are skipped.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-build/asan}
cd "$top"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/pqbranch-tidy"
mkdir -p "$cache"
# A file's result depends on the checks, the compiler flags (set by the CMake files), the file
# itself and the project's headers. Adding a .cpp elsewhere does not invalidate it.
stamp=$( { cat .clang-tidy CMakePresets.json cmake/*.cmake
  find include src tests -name '*.hpp' -print0 | sort -z | xargs -0 cat; } | sha256sum | cut -c1-32)
files=()
while IFS= read -r f; do
  key=$( { cat "$f"; printf '%s' "$stamp"; } | sha256sum | cut -c1-32)
  [[ -f "$cache/$key" ]] || files+=("$f:$key")
done < <(find src agent edge-stub tests/tools tests/vm/driver -name '*.cpp' | sort)
echo "clang-tidy: ${#files[@]} file(s) to check"
fail=0
printf '%s\n' "${files[@]}" | xargs -r -P "$(nproc)" -I{} bash -c '
  f=${1%%:*} key=${1##*:}
  if out=$(clang-tidy-19 -p "$2" --quiet "$f" 2>&1); then touch "$3/$key"; else printf "%s\n" "$out"; exit 1; fi
' _ {} "$build" "$cache" || fail=1
exit $fail
