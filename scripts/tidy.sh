#!/usr/bin/env bash
# clang-tidy over the project's own .cpp files (config: .clang-tidy), using the build's
# compile_commands.json. Results are cached by content: a file is checked again only when
# it, one of the project headers it includes (from the build's dependency records), the
# checks or the CMake files change. Run it after a build of the same preset. Files that need
# a check are checked several at a time (scripts/tidy_batches.py).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-build/asan}
cd "$top"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/pqbranch-tidy"
mkdir -p "$cache"
hash() { sha256sum | cut -c1-32; }
# What every result depends on: the checks and the tool; and per file, its compile command
# (from compile_commands.json), so a CMake edit re-checks only the files whose flags it changed.
checks=$( { cat .clang-tidy scripts/tidy_batches.py; clang-tidy-22 --version; } | hash)
# The build's compile database with unity batches split into their files.
db="$build/tidy-db"
python3 "$top/scripts/tidy_compile_db.py" "$build" "$db"
declare -A command
while IFS=$'\t' read -r src cmd; do command[$src]=$cmd; done < <(
  python3 -c '
import hashlib, json, sys
top = sys.argv[2].rstrip("/") + "/"
for e in json.load(open(sys.argv[1])):
    f = e["file"]
    if f.startswith(top):
        h = hashlib.sha256((e.get("command") or " ".join(e.get("arguments", []))).encode())
        print(f[len(top):] + "\t" + h.hexdigest()[:32])
' "$db/compile_commands.json" "$top")
# A file the build has not compiled (no dependency record) depends on every project header.
all_headers=$(find include src tests -name '*.hpp' -print0 | sort -z | xargs -0 cat | hash)

# source -> its project headers, from ninja's deps log ("<source>\t<header> <header> ...").
# The object of a unity batch has several sources: each gets the headers of all of them.
declare -A headers
while IFS=$'\t' read -r src hdrs; do headers[$src]=$hdrs; done < <(
  ninja -C "$build" -t deps 2>/dev/null | awk -v top="$top/" '
    function flush() { for (i = 1; i <= n; i++) print srcs[i] "\t" h; n = 0; h = "" }
    /^[^ ]/ { flush(); next }
    /^    / { p = $1
              # Module headers are seen through their include roots in the build tree.
              if (match(p, /\/module-include\/[a-z0-9_]+\/pqbranch\//))
                p = top "include/pqbranch/" substr(p, RSTART + RLENGTH)
              if (index(p, top) != 1 || index(p, top "build/") == 1) next
              p = substr(p, length(top) + 1)
              if (p ~ /\.cpp$/) srcs[++n] = p; else h = h " " p }
    END { flush() }')

files=()
while IFS= read -r f; do
  if [[ -v "headers[$f]" ]]; then
    # shellcheck disable=SC2086  # the header list is space-separated paths without spaces
    deps=$(cat ${headers[$f]} /dev/null | hash)
  else
    deps=$all_headers
  fi
  key=$( { cat "$f"; printf '%s %s %s' "$checks" "${command[$f]:-}" "$deps"; } | hash)
  [[ -f "$cache/$key" ]] || files+=("$f:$key")
done < <(find src agent edge-stub tests/tools tests/vm/driver -name '*.cpp' | sort)
echo "clang-tidy: ${#files[@]} file(s) to check"
# Several files per clang-tidy run (scripts/tidy_batches.py: most of a run is the headers).
printf '%s\n' "${files[@]}" | python3 "$top/scripts/tidy_batches.py" "$db" "$cache" "$(nproc)"
