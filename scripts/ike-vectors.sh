#!/usr/bin/env bash
# Regenerates the IKEv2 key-derivation reference vectors in tests/unit/ikev2/vectors/ from
# two strongSwan 6.1 charons (the interop peer root) talking to each other in two network
# namespaces with `ike = 4` logging, which prints nonces, SPIs, shared secrets, SKEYSEED and
# the derived keys. Test keys only. See tests/unit/ikev2/vectors/README.md.
#
#   scripts/ike-vectors.sh [--raw-logs DIR] [CASE...]   as root, on the host (it creates the
#     peer root once); CASE: ecp256_mlkem768 x25519_mlkem768 ecp384_mlkem1024 mlkem768 (all)
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Runs on the host itself (iproute2, util-linux and bash are all it needs besides the peer
# root): inside the build root's chroot `ip netns exec` cannot remount / (not a mount point).
if [[ -z "${PQB_PEERROOT:-}" ]]; then
  source "$top/scripts/lib.sh"
  PQB_PEERROOT=$(pqb_peerroot)
  export PQB_PEERROOT
fi
raw=
if [[ "${1:-}" == --raw-logs ]]; then raw=$2; shift 2; fi

export PQB_VM_OUT; PQB_VM_OUT=$(mktemp -d /tmp/pqb-ike-vectors.XXXXXX)
export SS_STATE="$PQB_VM_OUT/state"
source "$top/tests/vm/guest/scenario_lib.sh"
source "$top/tests/vm/guest/strongswan_lib.sh"
nsi="pqbv-i-$$" nsr="pqbv-r-$$"
finish() {
  vm_cleanup
  ip netns del "$nsi" 2>/dev/null || true
  ip netns del "$nsr" 2>/dev/null || true
  if [[ -n "$raw" ]]; then
    mkdir -p "$raw"
    cp "$PQB_VM_OUT"/*.log "$raw"/ 2>/dev/null || true
  fi
  rm -rf "$PQB_VM_OUT"
}
trap finish EXIT
vm_netns "$nsi"; vm_netns "$nsr"
vm_link "$nsi" wan0 192.0.2.1/24 "$nsr" wan0 192.0.2.2/24

vectors="$top/tests/unit/ikev2/vectors"
versions=$(ss_versions)

# run_case NAME PROPOSAL DESCRIPTION: one IKE SA between two charons, both logging at
# ike = 4; the vector is what the initiator logged, and the responder must have logged
# exactly the same values (both derive every key independently).
run_case() {
  local name=$1 proposal=$2 desc=$3
  vm_step "$name: $proposal"
  ss_config "r-$name" local=192.0.2.2 proposal="$proposal" ike_log=4
  ss_config "i-$name" role=initiator local=192.0.2.1 remote=192.0.2.2 proposal="$proposal" \
    ike_log=4
  ss_start "r-$name" "$nsr"
  ss_start "i-$name" "$nsi"
  # Without ESP in this kernel the CHILD SA fails (the responder answers NO_PROPOSAL_CHOSEN
  # in IKE_AUTH) but the IKE SA, whose keys the vector holds, is established.
  ss_initiate "i-$name" >"$PQB_VM_OUT/initiate-$name.log" 2>&1 || true
  ss_expect_log "i-$name" 'IKE_SA pqb\[[0-9]+\] established' 30
  local selected spi_i spi_r
  ss_expect_proposal "i-$name" "${SS_SELECTED[$name]}"
  selected=${SS_SELECTED[$name]}
  spi_i=$(ss_sa "i-$name" initiator-spi) spi_r=$(ss_sa "i-$name" responder-spi)
  ss_stop "i-$name"
  ss_stop "r-$name"
  local iv="$PQB_VM_OUT/i-$name.vec" rv="$PQB_VM_OUT/r-$name.vec"
  awk -f "$top/scripts/ike-vectors.awk" "$PQB_VM_OUT/i-$name.log" >"$iv"
  awk -f "$top/scripts/ike-vectors.awk" "$PQB_VM_OUT/r-$name.log" >"$rv"
  cmp -s "$iv" "$rv" || { diff "$iv" "$rv" | head; vm_fail "$name: initiator and responder logged different values"; }
  vm_expect "$name: values logged" "$(wc -l <"$iv")" -ge 14
  {
    printf '# IKEv2 key derivation reference vector (test keys only): %s.\n' "$desc"
    printf '# Made by scripts/ike-vectors.sh from two strongSwan charons logging at ike = 4;\n'
    printf '# format and meaning of each name: README.md in this folder.\n'
    printf 'case = %s\n' "$name"
    printf 'peer = %s\n' "$versions"
    printf 'proposal = %s\n' "$selected"
    printf 'spi_i = %s\n' "$spi_i"
    printf 'spi_r = %s\n' "$spi_r"
    awk '$1 == "nonces" { n = length($2) / 2
                          print "ni = " substr($2, 1, n); print "nr = " substr($2, n + 1); next }
         { print $1 " = " $2 }' "$iv" | sed 's/ $//'
  } >"$vectors/$name.txt"
  vm_note "wrote tests/unit/ikev2/vectors/$name.txt ($(wc -l <"$iv") values)"
}

mkdir -p "$vectors"
vm_note "peer: $versions"
cases=("$@")
(( ${#cases[@]} )) || cases=(ecp256_mlkem768 x25519_mlkem768 ecp384_mlkem1024 mlkem768)
declare -A desc=(
  [ecp256_mlkem768]="ECP-256 in IKE_SA_INIT, ML-KEM-768 as ADDKE1 in IKE_INTERMEDIATE, PSK"
  [x25519_mlkem768]="Curve25519 in IKE_SA_INIT, ML-KEM-768 as ADDKE1 in IKE_INTERMEDIATE, PSK"
  [ecp384_mlkem1024]="ECP-384 in IKE_SA_INIT, ML-KEM-1024 as ADDKE1 in IKE_INTERMEDIATE, PSK"
  [mlkem768]="ML-KEM-768 alone in IKE_SA_INIT (no IKE_INTERMEDIATE), PSK"
)
for c in "${cases[@]}"; do
  [[ -n "${desc[$c]:-}" ]] || vm_fail "unknown case $c"
  run_case "$c" "${SS_PROPOSAL[$c]}" "${desc[$c]}"
done
