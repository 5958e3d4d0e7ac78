#!/usr/bin/env bash
# Checks the module layering against docs/architecture.md ("Modules" table, column "uses"):
#  1. the table's edges are exactly the USES lists of src/CMakeLists.txt's pqb_module() calls;
#  2. every project include in include/pqbranch/<m>/ and src/<m>/ names <m> or a module that
#     <m> may use (directly or through the modules it uses);
#  3. OpenSSL is used only in crypto: outside include/pqbranch/crypto and src/crypto, no file
#     of include/, src/, agent/, edge-stub/ or release/ includes <openssl/...> or names an OpenSSL
#     identifier (SSL_*, EVP_*, X509*, PEM_*, BIO_*, ERR_*, OPENSSL_*, d2i_*, i2d_*) outside a
#     comment. Other modules may hold an `SSL*` from Asio and hand it to crypto functions.
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

openssl='#[[:space:]]*include[[:space:]]*<openssl/|\<(SSL_|EVP_|X509|PEM_|BIO_|ERR_|OPENSSL_|d2i_|i2d_)'
for d in "$top/include" "$top/src" "$top/agent" "$top/edge-stub" "$top/release"; do
  [[ -d "$d" ]] || continue
  while IFS= read -r -d '' file; do
    # Comments out: // to the end of the line, /* ... */ on one line, and lines of a block
    # comment that start with '*'.
    while IFS=: read -r line text; do
      complain "${file#"$top"/}:$line: OpenSSL outside crypto: $text"
    done < <(sed -E 's://.*$::; s:/\*.*\*/::g; s:^[[:space:]]*\*.*$::' "$file" |
      grep -nE "$openssl" || true)
  done < <(find "$d" \( -path "$top/include/pqbranch/crypto" -o -path "$top/src/crypto" \) -prune \
    -o -type f \( -name '*.hpp' -o -name '*.cpp' -o -name '*.h' \) -print0)
done

(( fail == 0 )) && printf 'layering: %d modules, every include follows docs/architecture.md, OpenSSL only in crypto\n' \
  "${#cmake_uses[@]}"
exit "$fail"
