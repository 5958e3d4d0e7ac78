#!/usr/bin/env bash
# The layering check must fail on a forbidden include and on a table that disagrees with the
# build, and pass on a tree that follows its table: a check that cannot fail proves nothing.
#   check_layering_selftest.sh PATH_TO_check-layering.sh
set -euo pipefail
check=$1
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

tree() {  # tree DIR DOC_B_USES CMAKE_B_USES INCLUDE_IN_A
  local d=$1
  mkdir -p "$d/docs" "$d/src/a" "$d/src/b" "$d/include/pqbranch/a" "$d/include/pqbranch/b"
  printf '# x\n## Modules\n| module | uses | what |\n|---|---|---|\n| `a` | — | low |\n| `b` | %s | high |\n## Next\n' \
    "$2" >"$d/docs/architecture.md"
  printf 'pqb_module(a)\npqb_module(b%s)\n' "$3" >"$d/src/CMakeLists.txt"
  printf '#include "pqbranch/%s/x.hpp"\n' "$4" >"$d/src/a/a.cpp"
  printf '#include "pqbranch/a/x.hpp"\n' >"$d/include/pqbranch/b/y.hpp"
}

expect() {  # expect NAME WANT_EXIT PATTERN DIR
  local out rc=0
  out=$("$check" "$4" 2>&1) || rc=$?
  if [[ $rc != "$2" ]] || ! grep -q -- "$3" <<<"$out"; then
    printf 'FAIL %s: exit %s (want %s), output:\n%s\n' "$1" "$rc" "$2" "$out"; exit 1
  fi
  printf 'ok   %s\n' "$1"
}

tree "$work/good" a " USES a" a
expect "a tree that follows its table passes" 0 "every include follows" "$work/good"
tree "$work/upward" a " USES a" b
expect "a lower module including a higher one fails" 1 "src/a/a.cpp:1: module 'a' includes 'b'" "$work/upward"
tree "$work/drift" "—" " USES a" a
expect "a table that disagrees with CMake fails" 1 "module 'b' uses" "$work/drift"
tree "$work/openssl" a " USES a" a
mkdir -p "$work/openssl/src/crypto" "$work/openssl/include/pqbranch/crypto"
printf '#include <openssl/evp.h>\nEVP_PKEY* k;\n' >"$work/openssl/src/crypto/k.cpp"
printf '// SSL_CTX_new in a comment is fine\n#include <openssl/types.h>\n' \
  >"$work/openssl/include/pqbranch/crypto/k.hpp"
expect "OpenSSL inside crypto and in comments passes" 0 "OpenSSL only in crypto" "$work/openssl"
printf 'int f(X509* c) { return X509_check_host(c, "a", 1, 0, nullptr); }\n' >>"$work/openssl/src/a/a.cpp"
expect "an OpenSSL call outside crypto fails" 1 "src/a/a.cpp:2: OpenSSL outside crypto" "$work/openssl"
printf '#include <openssl/ssl.h>\n' >"$work/openssl/include/pqbranch/b/z.hpp"
expect "an OpenSSL header outside crypto fails" 1 "include/pqbranch/b/z.hpp:1: OpenSSL outside crypto" \
  "$work/openssl"
echo "check_layering_selftest: 6 cases passed"
