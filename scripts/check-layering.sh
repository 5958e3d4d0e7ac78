#!/usr/bin/env bash
# Checks the module layering against docs/architecture.md ("Modules" table, column "uses"):
#  1. the table's edges are exactly the USES lists of src/CMakeLists.txt's pqb_module() calls;
#  2. every project include in include/pqbranch/<m>/ and src/<m>/ names <m> or a module that
#     <m> may use (directly or through the modules it uses).
# Prints each violation as file:line and exits 1 when there is one.
#   check-layering.sh [SOURCE_TREE]
set -euo pipefail
top=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
doc=$top/docs/architecture.md
cmake=$top/src/CMakeLists.txt
fail=0
complain() { printf 'layering: %s\n' "$*" >&2; fail=1; }

declare -A doc_uses cmake_uses
# Table rows: | `module` | uses (comma-separated, or —) | what it holds |
while IFS='|' read -r _ mod uses _; do
  mod=$(tr -d ' `' <<<"$mod")
  uses=$(tr -d ' `' <<<"$uses" | tr ',' ' ')
  [[ "$uses" == "—" || "$uses" == "-" ]] && uses=
  doc_uses[$mod]=$uses
done < <(awk '/^## Modules/ {on = 1; next} /^## / {on = 0} on && /^\| `[a-z0-9_]+` \|/' "$doc")
(( ${#doc_uses[@]} )) || complain "no module table under '## Modules' in $doc"

while read -r mod uses; do
  cmake_uses[$mod]=$uses
done < <(sed -nE 's/^pqb_module\(([a-z0-9_]+)( USES ([a-z0-9_ ]+))?\)$/\1 \3/p' "$cmake")

norm() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort | tr '\n' ' '; }
for mod in "${!cmake_uses[@]}"; do
  if [[ ! -v doc_uses[$mod] ]]; then
    complain "module '$mod' of $cmake is missing from the table in $doc"
  elif [[ $(norm "${cmake_uses[$mod]}") != $(norm "${doc_uses[$mod]}") ]]; then
    complain "module '$mod' uses '${cmake_uses[$mod]}' in $cmake but '${doc_uses[$mod]}' in $doc"
  fi
done
for mod in "${!doc_uses[@]}"; do
  [[ -v cmake_uses[$mod] ]] || complain "module '$mod' of $doc has no pqb_module() in $cmake"
done

# What a module may include: itself and everything it reaches through "uses".
reach() {
  local seen=" $1 " todo=("$1") m u
  while (( ${#todo[@]} )); do
    m=${todo[0]}; todo=("${todo[@]:1}")
    for u in ${cmake_uses[$m]:-}; do
      [[ "$seen" == *" $u "* ]] && continue
      seen+="$u "; todo+=("$u")
    done
  done
  printf '%s' "$seen"
}

for mod in "${!cmake_uses[@]}"; do
  allowed=$(reach "$mod")
  dirs=()
  for d in "$top/include/pqbranch/$mod" "$top/src/$mod"; do [[ -d "$d" ]] && dirs+=("$d"); done
  (( ${#dirs[@]} )) || continue
  while IFS=: read -r file line text; do
    used=$(sed -nE 's/.*#include "pqbranch\/([a-z0-9_]+)\/.*/\1/p' <<<"$text")
    [[ "$allowed" == *" $used "* ]] ||
      complain "${file#"$top"/}:$line: module '$mod' includes '$used', which it may not use"
  done < <(grep -rnE '^\s*#\s*include "pqbranch/[a-z0-9_]+/' "${dirs[@]}" || true)
done

(( fail == 0 )) && printf 'layering: %d modules, every include follows docs/architecture.md\n' \
  "${#cmake_uses[@]}"
exit "$fail"
