#!/usr/bin/env bash
# The pqbranch-release program end to end: keygen, sign, verify; a refused overwrite, a
# tampered manifest, a changed package and a manifest checked with other keys all exit
# non-zero. Exits 1 on the first step that does not behave.
#   release_cli_test.sh PATH_TO_pqbranch-release
set -euo pipefail
tool=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
refused() { # refused WHAT COMMAND...: the command must exit 1 (not 0, not a usage error)
  local what=$1 rc=0; shift
  "$@" >out 2>err || rc=$?
  [[ $rc == 1 ]] || { cat out err >&2; fail "$what: exit $rc, wanted 1"; }
}

"$tool" keygen keys >/dev/null
[[ $(stat -c %a keys/ml-dsa-65.key) == 600 && $(stat -c %a keys/ed25519.key) == 600 ]] ||
  fail "private keys are not 0600"
refused "keygen over existing keys" "$tool" keygen keys

head -c 100000 /dev/urandom >pqbranch-agent_0.2.0_amd64.deb
"$tool" sign --keys keys --channel stable --package pqbranch-agent_0.2.0_amd64.deb \
  --version 0.2.0 --minimum-version 0.1.0 --valid-for 7d --out manifest >/dev/null
[[ $(head -1 manifest) == "pqbranch-release 1" ]] || fail "manifest header"
grep -qx "size=100000" manifest || fail "manifest size"
grep -qx "sha256=$(sha256sum pqbranch-agent_0.2.0_amd64.deb | cut -d' ' -f1)" manifest ||
  fail "manifest sha256 differs from sha256sum's"
"$tool" verify --keys keys manifest --package pqbranch-agent_0.2.0_amd64.deb >out ||
  fail "verify of a freshly signed manifest"
grep -q "both signatures verify, package matches" out || fail "verify output"

sed 's/^version=0.2.0$/version=0.2.1/' manifest >tampered
refused "tampered manifest" "$tool" verify --keys keys tampered
grep -q "signature does not verify" err || fail "tampered: wrong reason: $(cat err)"

grep -v '^sig-ed25519=' manifest >unsigned
refused "manifest without its Ed25519 signature" "$tool" verify --keys keys unsigned
grep -q "signature missing" err || fail "unsigned: wrong reason: $(cat err)"

cp pqbranch-agent_0.2.0_amd64.deb changed.deb
printf 'x' | dd of=changed.deb bs=1 seek=5000 conv=notrunc 2>/dev/null
refused "changed package" "$tool" verify --keys keys manifest --package changed.deb

"$tool" keygen other >/dev/null
refused "other keys" "$tool" verify --keys other manifest

rc=0; "$tool" sign --keys keys >/dev/null 2>&1 || rc=$?
[[ $rc == 2 ]] || fail "incomplete sign arguments: exit $rc, wanted 2 (usage)"
echo "pqbranch-release: keygen, sign and verify work; 5 refusals and a usage error behave"
