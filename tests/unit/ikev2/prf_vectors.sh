#!/bin/sh
# Derives the prf / prf+ / SKEYSEED / CHILD keymat vectors of keymat_test.cpp with the
# openssl command line only (no pqbranch code), so the unit test checks our keymat against an
# independent HMAC implementation. Run: sh tests/unit/ikev2/prf_vectors.sh
set -eu
unhex() { perl -ne 'chomp; print pack("H*", $_)'; }
tohex() { od -An -tx1 -v | tr -d ' \n'; }
hmac() { # hmac DIGEST HEXKEY HEXDATA -> hex
  printf '%s' "$3" | unhex | openssl mac -digest "$1" -macopt "hexkey:$2" HMAC | tr 'A-F' 'a-f'
}
prfplus() { # prfplus DIGEST HEXKEY HEXSEED NBYTES -> hex (RFC 7296 §2.13)
  t=""; out=""; n=1
  while [ $(( ${#out} / 2 )) -lt "$4" ]; do
    t=$(hmac "$1" "$2" "$t$3$(printf '%02x' $n)"); out="$out$t"; n=$((n + 1))
  done
  printf '%s' "$out" | cut -c1-$(( $4 * 2 ))
}
KEY=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
SEED=$(printf 'pqbranch prf+ seed' | tohex)
echo "prf+ sha256 100: $(prfplus SHA256 $KEY $SEED 100)"
echo "prf+ sha384 100: $(prfplus SHA384 $KEY $SEED 100)"
echo "prf+ sha512 130: $(prfplus SHA512 $KEY $SEED 130)"
NI=$(printf 'a%.0s' $(seq 32) | tohex)   # 32 x 0x61
NR=$(printf 'b%.0s' $(seq 32) | tohex)   # 32 x 0x62
GIR=$(printf 'c%.0s' $(seq 32) | tohex)  # 32 x 0x63
SPII=0102030405060708
SPIR=1112131415161718
SKEYSEED=$(hmac SHA384 "$NI$NR" "$GIR")
echo "skeyseed: $SKEYSEED"
# SK_d 48 | SK_ei 36 | SK_er 36 | SK_pi 48 | SK_pr 48 = 216 bytes
echo "keys: $(prfplus SHA384 "$SKEYSEED" "$NI$NR$SPII$SPIR" 216)"
SKD=$(prfplus SHA384 "$SKEYSEED" "$NI$NR$SPII$SPIR" 48)
SS1=$(printf 'd%.0s' $(seq 32) | tohex)  # 32 x 0x64
SKEYSEED1=$(hmac SHA384 "$SKD" "$SS1$NI$NR")
echo "skeyseed1: $SKEYSEED1"
echo "keys1: $(prfplus SHA384 "$SKEYSEED1" "$NI$NR$SPII$SPIR" 216)"
echo "child: $(prfplus SHA384 "$SKD" "$NI$NR" 72)"
echo "nat: $(printf '%s' "${SPII}${SPIR}c0000201""01f4" | unhex | openssl dgst -sha1 -r | cut -d' ' -f1)"
