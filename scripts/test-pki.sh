#!/usr/bin/env bash
# Issues a small test PKI with the openssl command (OpenSSL 3.5 or newer, for ML-DSA-65):
# for the demo and for operators trying pqbranch out. Not a production CA.
#
#   scripts/test-pki.sh OUTDIR [mldsa65|ecdsa] ROLE:NAME[,ALTNAME...]...
#
#   OUTDIR   created if missing (mode 0700). Holds ca.pem and ca.key (the CA) and, for each
#            NAME, NAME.pem (certificate) and NAME.key (private key).
#   mldsa65  ML-DSA-65 keys and signatures (the default): post-quantum authentication.
#   ecdsa    ECDSA P-256 with SHA-256.
#   ROLE     what the certificate may be used for (extendedKeyUsage), so that an edge never
#            accepts a server's certificate as a site's, nor an agent a site's as the edge's:
#              edge  the edge's key service: serverAuth only; subjectAltName DNS:NAME plus
#                    each ALTNAME (an IP address becomes an IP SAN, anything else a DNS
#                    SAN), e.g. edge:edge.example.net,192.0.2.1 for an agent whose
#                    edge.name is either.
#              site  a branch's agent: clientAuth only; NAME is the site id (the CN), no SAN.
#              ike   an IKEv2 identity: no extendedKeyUsage (IKEv2 does not use it, RFC 4945
#                    §5.1.3.12), subjectAltName DNS:NAME plus each ALTNAME.
#   Every certificate has CN=NAME.
#
# Key files are created with mode 0600 (pqbranch refuses keys that group or others can read).
# An existing CA in OUTDIR is reused, so names can be added later; an existing NAME.key is
# never overwritten. Example, then use the edge's files in edge-stub.toml and a site's in
# agent.toml:
#   scripts/test-pki.sh /tmp/pki mldsa65 edge:edge.example site:site-1
set -euo pipefail

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2; exit 2; }
die() { printf 'test-pki: %s\n' "$*" >&2; exit 1; }

(( $# >= 2 )) || usage
out=$1; shift
alg=mldsa65
case "$1" in
  mldsa65|ecdsa) alg=$1; shift ;;
esac
(( $# >= 1 )) || usage
name_re='^[A-Za-z0-9][A-Za-z0-9.-]*$'
ip_re='^([0-9]{1,3}(\.[0-9]{1,3}){3}|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*)$'
for spec in "$@"; do
  [[ "$spec" == *:* ]] || die "'$spec' has no role: write edge:$spec, site:$spec or ike:$spec"
  role=${spec%%:*}
  IFS=, read -r -a names <<<"${spec#*:}"
  case "$role" in
    edge|ike) ;;
    site) (( ${#names[@]} == 1 )) || die "'$spec': a site certificate has no alternative names" ;;
    *) die "'$spec': unknown role '$role' (edge, site or ike)" ;;
  esac
  (( ${#names[@]} >= 1 )) || die "'$spec' has no name"
  [[ "${names[0]}" =~ $name_re ]] || die "bad name '${names[0]}' (letters, digits, '.', '-')"
  for alt in "${names[@]:1}"; do
    [[ "$alt" =~ $name_re || "$alt" =~ $ip_re ]] || die "bad alternative name '$alt'"
  done
done
command -v openssl >/dev/null || die "openssl not found"

umask 077
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

genkey() {
  if [[ "$alg" == mldsa65 ]]; then
    openssl genpkey -quiet -algorithm ML-DSA-65 -out "$1"
  else
    openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"
  fi
}
# ECDSA signs a SHA-256 digest; ML-DSA signs the message itself and takes no digest.
digest_for() { if [[ "$1" == ecdsa ]]; then echo -sha256; fi; }
digest=$(digest_for "$alg")

if [[ ! -f "$out/ca.pem" ]]; then
  genkey "$out/ca.key"
  openssl req -x509 -new -key "$out/ca.key" $digest -days 825 \
    -subj "/CN=pqbranch test CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" \
    -out "$out/ca.pem"
  chmod 0644 "$out/ca.pem"
  echo "test-pki: CA ($alg) in $out/ca.pem"
fi

# The CA signs with its own algorithm, which may differ from the leaves' (an existing CA).
if openssl x509 -in "$out/ca.pem" -noout -text | grep -q 'Public Key Algorithm: id-ecPublicKey'; then
  ca_digest=$(digest_for ecdsa)
else
  ca_digest=$(digest_for mldsa65)
fi

# The extensions of one leaf: ROLE and its names (the first is the CN).
leaf_extensions() {
  local role=$1 sans="" n
  shift
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n'
  case "$role" in
    edge) printf 'extendedKeyUsage=serverAuth\n' ;;
    site) printf 'extendedKeyUsage=clientAuth\n' ;;
  esac
  if [[ "$role" != site ]]; then
    for n in "$@"; do
      if [[ "$n" =~ $ip_re ]]; then sans+="${sans:+,}IP:$n"; else sans+="${sans:+,}DNS:$n"; fi
    done
    printf 'subjectAltName=%s\n' "$sans"
  fi
  printf 'subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n'
}

for spec in "$@"; do
  role=${spec%%:*}
  IFS=, read -r -a names <<<"${spec#*:}"
  name=${names[0]}
  [[ -e "$out/$name.key" ]] && die "$out/$name.key exists; not overwriting a key"
  genkey "$out/$name.key"
  openssl req -new -key "$out/$name.key" $digest -subj "/CN=$name" -out "$tmp/$name.csr"
  leaf_extensions "$role" "${names[@]}" >"$tmp/$name.ext"
  openssl x509 -req -in "$tmp/$name.csr" -CA "$out/ca.pem" -CAkey "$out/ca.key" $ca_digest \
    -set_serial "0x$(openssl rand -hex 15)" -days 397 -extfile "$tmp/$name.ext" \
    -out "$out/$name.pem" 2>"$tmp/x509.log" || { cat "$tmp/x509.log" >&2; die "signing $name failed"; }
  chmod 0644 "$out/$name.pem"
  echo "test-pki: $name ($role, $alg): $out/$name.pem, key $out/$name.key"
done
