# strongSwan 6.1 peers for the IKEv2 interop tests (label interop). Source it after
# scenario_lib.sh (it uses vm_bg, vm_wait_for, vm_fail, vm_note):
#   source "$PQB_SOURCE_DIR/tests/vm/guest/scenario_lib.sh"
#   source "$PQB_SOURCE_DIR/tests/vm/guest/strongswan_lib.sh"
#
# Each charon runs from the read-only peer root ($PQB_PEERROOT, Debian unstable's
# strongSwan; scripts/lib.sh pqb_peerroot) in a network namespace, chrooted, in a mount
# namespace of its own where its state directory provides a writable /etc/swanctl,
# /etc/strongswan.conf and /run (charon's pid file and vici socket paths are fixed at
# compile time, so two charons cannot share them). Its log (stderr) is
# $PQB_VM_OUT/<name>.log, like any vm_bg job.
#
#   ss_versions                              "strongSwan 6.1.0-2, OpenSSL 3.6.5-1" (log it)
#   ${SS_PROPOSAL[case]}, ${SS_SELECTED[case]}  proposal keyword / selected name per case:
#       ecp256_mlkem768 x25519_mlkem768 ecp384_mlkem1024 mlkem768 classical
#   ss_pki DIR ID...                         CA + ECDSA P-256 certificate per ID (see there)
#   ss_config NAME key=value...              write a peer's configuration (keys below)
#   ss_start NAME NS                         start charon, load the configuration
#   ss_responder NAME NS CASE psk|cert [k=v...]  ss_config + ss_start of the usual responder
#   ss_swanctl NAME ARGS...                  swanctl inside that peer
#   ss_initiate NAME                         initiate the CHILD SA (fails if it fails)
#   ss_terminate NAME                        delete the IKE SA from this side
#   ss_has_ike_sa NAME, ss_wait_no_ike_sa NAME [SECONDS]
#   ss_sa NAME KEY / ss_child NAME KEY       a field of the IKE / CHILD SA (list-sas --raw)
#   ss_expect_proposal NAME TEXT             the log's "selected proposal: IKE:TEXT"
#   ss_expect_log NAME PATTERN [SECONDS]     wait for a log line (grep -E)
#   ss_stop NAME                             stop charon (SIGTERM, waits for its exit)
# shellcheck shell=bash

SS_ROOT=${PQB_PEERROOT:-/run/peerroot}
SS_STATE=${SS_STATE:-/run/pqb-ss}  # tmpfs: the vici socket cannot live on 9p
SS_PSK=${SS_PSK:-pqbranch-interop-test-psk-not-secret}
# The plugins charon loads: explicit, so a new plugin in unstable cannot change a run.
# openssl provides AES-GCM, the PRFs, ECP, Curve25519 and ML-KEM (OpenSSL >= 3.5).
SS_PLUGINS="random nonce openssl pem pkcs1 pkcs8 x509 pubkey revocation constraints kdf"
SS_PLUGINS+=" kernel-netlink socket-default vici updown"

# The interop matrix's key-exchange cases: strongSwan's proposal keyword and the
# name charon logs and lists once it selected it. "classical" is the negative control.
declare -A SS_PROPOSAL=(
  [ecp256_mlkem768]=aes256gcm16-prfsha384-ecp256-ke1_mlkem768
  [x25519_mlkem768]=aes256gcm16-prfsha384-x25519-ke1_mlkem768
  [ecp384_mlkem1024]=aes256gcm16-prfsha384-ecp384-ke1_mlkem1024
  [mlkem768]=aes256gcm16-prfsha384-mlkem768
  [classical]=aes256gcm16-prfsha384-ecp384
)
# shellcheck disable=SC2034  # used by the scenarios that source this library
declare -A SS_SELECTED=(
  [ecp256_mlkem768]=AES_GCM_16_256/PRF_HMAC_SHA2_384/ECP_256/KE1_ML_KEM_768
  [x25519_mlkem768]=AES_GCM_16_256/PRF_HMAC_SHA2_384/CURVE_25519/KE1_ML_KEM_768
  [ecp384_mlkem1024]=AES_GCM_16_256/PRF_HMAC_SHA2_384/ECP_384/KE1_ML_KEM_1024
  [mlkem768]=AES_GCM_16_256/PRF_HMAC_SHA2_384/ML_KEM_768
  [classical]=AES_GCM_16_256/PRF_HMAC_SHA2_384/ECP_384
)

ss_require_root() {
  [[ -x "$SS_ROOT/usr/lib/ipsec/charon" ]] ||
    vm_fail "no strongSwan peer root at $SS_ROOT (./pqb test interop creates it)"
}

# ss_versions: the exact packages under test (Debian unstable moves).
ss_versions() {
  ss_require_root
  local q=(dpkg-query --admindir="$SS_ROOT/var/lib/dpkg" -W -f '${Version}')
  printf 'strongSwan %s, OpenSSL %s' "$("${q[@]}" strongswan-charon)" \
    "$("${q[@]}" 'libssl3*' | head -c 40)"
}

# ss_enter STATE_DIR COMMAND...: COMMAND chrooted into the peer root, in a private mount
# namespace with the state directory's writable files on top (gone when COMMAND exits).
# Every step execs, so the pid is COMMAND's (ss_swanctl enters charon's namespaces by it).
ss_enter() { unshare -m --propagation private -- /bin/bash -euc "$SS_ENTER" ss-enter "$SS_ROOT" "$@"; }
SS_ENTER='
  r=$1 s=$2; shift 2
  mount --bind "$s/swanctl" "$r/etc/swanctl"
  mount --bind "$s/strongswan.conf" "$r/etc/strongswan.conf"
  mount --bind "$s/run" "$r/run"
  mount -t tmpfs -o mode=1777 tmpfs "$r/tmp"
  mount -t proc proc "$r/proc"
  mount --rbind /dev "$r/dev"
  mount --rbind /sys "$r/sys"
  exec chroot "$r" "$@"'

# ss_pki DIR ID...: a test CA (DIR/ca.pem, ca.key) and for each ID (e.g.
# responder.pqb.test) an ECDSA P-256 key DIR/ID.key (PEM, SEC1) and certificate DIR/ID.pem
# with subject CN=ID and subjectAltName ID, made with strongSwan's pki. Test keys only.
ss_pki() {
  local dir=$1 id; shift
  ss_require_root
  mkdir -p "$dir/run" "$dir/swanctl"
  printf 'pki {\n  load = random openssl pem pkcs1 pkcs8 x509 pubkey\n}\n' >"$dir/strongswan.conf"
  # pki runs in the peer root with DIR/run as its /run; the files then move up to DIR.
  ss_enter "$dir" /bin/sh -ec '
    cd /run
    pki --gen --type ecdsa --size 256 --outform pem >ca.key
    pki --self --ca --in ca.key --type ecdsa --dn "CN=pqbranch interop test CA" \
      --lifetime 30 --outform pem >ca.pem
    for id in "$@"; do
      pki --gen --type ecdsa --size 256 --outform pem >"$id.key"
      pki --pub --in "$id.key" --type ecdsa |
        pki --issue --cacert ca.pem --cakey ca.key --dn "CN=$id" --san "$id" \
          --lifetime 30 --outform pem >"$id.pem"
    done
  ' ss-pki "$@"
  mv "$dir"/run/*.key "$dir"/run/*.pem "$dir"/
  rm -rf "$dir/run" "$dir/swanctl" "$dir/strongswan.conf"
  for id in "$@"; do [[ -s "$dir/$id.pem" ]] || vm_fail "ss_pki: no certificate for $id"; done
}

# ss_config NAME key=value...: a peer's strongswan.conf and swanctl.conf (connection "pqb",
# child "net"). Keys (defaults):
#   role=responder|initiator (responder)   local=ADDR (required)   remote=ADDR (%any)
#   proposal=aes256gcm16-prfsha384-ecp384-ke1_mlkem1024   esp=aes256gcm16-esn
#   auth=psk|cert (psk)   psk=SECRET ($SS_PSK)
#   local_id=ID remote_id=ID (responder.pqb.test / initiator.pqb.test, swapped for role=initiator)
#   pki=DIR (auth=cert: from ss_pki, holding ca.pem and LOCAL_ID.pem/.key)
#   local_ts=NET remote_ts=NET (10.2.0.0/24 / 10.1.0.0/24 for the responder, swapped for
#   the initiator: vm_branch_topology's LANs)   encap=yes|no (no: force UDP encapsulation)
#   fragment_size=N (1280: the largest IP packet of an RFC 7383 fragment)
#   cookie_threshold=N (charon's 30: half-open IKE SAs from which it asks for COOKIEs)
#   child_rekey=SECONDS child_rand=SECONDS (unset: charon's 1 h; its CHILD SA rekeys come
#   child_rekey less 0..child_rand-1 whole seconds after each CHILD SA went in)
#   ike_rekey=SECONDS (unset: charon's 4 h; its IKE SA rekeys come that long after each IKE SA
#   was made, without randomization)
#   ike_log=N (2; 4 logs nonces, shared secrets and keys)   log=N (unset; set: every subsystem
#   at N, e.g. 0 for the audit lines only (SA up and down), -1 for none: the benchmarks')
#   install_routes=yes|no (yes; no: no route per CHILD SA in table 220, as pqbranch's policy
#   mode)   libipsec=0|1 (0; 1: ESP in userspace over a TUN device, for a kernel without
#   ESP: needs encap=yes, has no ESN, so esp defaults to aes256gcm16 then)
ss_config() {
  local name=$1; shift
  [[ -z "${vm_pid[$name]:-}" ]] || vm_fail "ss_config $name: charon is running (ss_stop it first)"
  local -A c=([role]=responder [remote]=%any [auth]=psk [psk]=$SS_PSK [encap]=no
    [proposal]=${SS_PROPOSAL[ecp384_mlkem1024]} [esp]=aes256gcm16-esn
    [ike_log]=2 [log]= [install_routes]=yes [libipsec]=0 [fragment_size]=1280 [child_rekey]=
    [child_rand]=0 [ike_rekey]= [cookie_threshold]=30)
  local kv
  # kernel-libipsec has no ESN: without an explicit esp= it gets plain AES-GCM.
  for kv in "$@"; do [[ "$kv" == libipsec=1 ]] && c[esp]=aes256gcm16; done
  for kv in "$@"; do c[${kv%%=*}]=${kv#*=}; done
  [[ -n "${c[local]:-}" ]] || vm_fail "ss_config $name: local=ADDR is required"
  local me=responder.pqb.test peer=initiator.pqb.test lts=10.2.0.0/24 rts=10.1.0.0/24
  if [[ "${c[role]}" == initiator ]]; then
    me=initiator.pqb.test peer=responder.pqb.test lts=10.1.0.0/24 rts=10.2.0.0/24
  fi
  : "${c[local_id]:=$me}" "${c[remote_id]:=$peer}" "${c[local_ts]:=$lts}" "${c[remote_ts]:=$rts}"

  local state="$SS_STATE/$name" plugins=$SS_PLUGINS
  rm -rf "$state"
  mkdir -p "$state/run" "$state/swanctl"/{conf.d,x509,x509ca,private}
  # Listed before kernel-netlink, kernel-libipsec's IPsec backend takes precedence (routes
  # and addresses still go through kernel-netlink).
  ((c[libipsec])) && plugins=${plugins/kernel-netlink/kernel-libipsec kernel-netlink}
  local levels="default = 1
      ike = ${c[ike_log]}
      cfg = 2
      knl = 2
      net = 1
      enc = 1"
  [[ -z "${c[log]}" ]] || levels="default = ${c[log]}"
  cat >"$state/strongswan.conf" <<EOF
# written by strongswan_lib.sh ss_config for peer $name
charon {
  load_modular = no
  load = $plugins
  install_routes = ${c[install_routes]}
  # Keep retransmissions short: a test waits on outcomes, not on the defaults' minutes.
  retransmit_tries = 3
  retransmit_timeout = 2.0
  # RFC 7383 fragments: the largest IP packet of one (charon's default is 1280).
  fragment_size = ${c[fragment_size]}
  # RFC 7296 §2.6: this many half-open IKE SAs and IKE_SA_INIT is answered with a COOKIE.
  cookie_threshold = ${c[cookie_threshold]}
  filelog {
    stderr {
      time_format = %T
      ike_name = yes
      $levels
    }
  }
  syslog {
    daemon {
      default = -1
    }
  }
}
# The tools' own plugin lists (their defaults name plugins Debian does not build).
swanctl {
  load = random openssl pem pkcs1 pkcs8 x509 pubkey
}
pki {
  load = random openssl pem pkcs1 pkcs8 x509 pubkey
}
EOF
  local auth_local auth_remote secrets=
  if [[ "${c[auth]}" == cert ]]; then
    [[ -n "${c[pki]:-}" ]] || vm_fail "ss_config $name: auth=cert needs pki=DIR"
    cp "${c[pki]}/ca.pem" "$state/swanctl/x509ca/ca.pem"
    cp "${c[pki]}/${c[local_id]}.pem" "$state/swanctl/x509/"
    cp "${c[pki]}/${c[local_id]}.key" "$state/swanctl/private/"
    auth_local="auth = pubkey
        certs = ${c[local_id]}.pem"
    auth_remote="auth = pubkey"
  else
    auth_local="auth = psk" auth_remote="auth = psk"
    secrets="ike-pqb {
      id-a = ${c[local_id]}
      id-b = ${c[remote_id]}
      secret = \"${c[psk]}\"
    }"
  fi
  cat >"$state/swanctl/swanctl.conf" <<EOF
# written by strongswan_lib.sh ss_config for peer $name (${c[role]})
connections {
  pqb {
    version = 2
    local_addrs = ${c[local]}
    remote_addrs = ${c[remote]}
    proposals = ${c[proposal]}
    encap = ${c[encap]}
    $([[ -n "${c[ike_rekey]}" ]] &&
      printf 'rekey_time = %ss\n    rand_time = 0s\n    over_time = %ss' "${c[ike_rekey]}" "${c[ike_rekey]}")
    local {
      $auth_local
      id = ${c[local_id]}
    }
    remote {
      $auth_remote
      id = ${c[remote_id]}
    }
    children {
      net {
        mode = tunnel
        local_ts = ${c[local_ts]}
        remote_ts = ${c[remote_ts]}
        esp_proposals = ${c[esp]}
        start_action = none
        $([[ -n "${c[child_rekey]}" ]] &&
          printf 'rekey_time = %ss\n        rand_time = %ss\n        life_time = %ss' \
            "${c[child_rekey]}" "${c[child_rand]}" $((c[child_rekey] * 10)))
      }
    }
  }
}
secrets {
  $secrets
}
EOF
}

# ss_start NAME NS: charon for a configured peer in namespace NS; returns once its
# configuration is loaded (vici answers).
ss_start() {
  local name=$1 ns=$2
  local state="$SS_STATE/$name"
  [[ -f "$state/swanctl/swanctl.conf" ]] || vm_fail "ss_start $name: run ss_config first"
  ss_require_root
  vm_bg "$name" "$ns" unshare -m --propagation private -- /bin/bash -euc "$SS_ENTER" ss-enter \
    "$SS_ROOT" "$state" /usr/lib/ipsec/charon
  vm_wait_for "charon $name answers on vici" 30 ss_swanctl "$name" --stats
  ss_swanctl "$name" --load-all --noprompt >"$state/load.log" 2>&1 ||
    { cat "$state/load.log"; vm_fail "ss_start $name: swanctl --load-all failed"; }
  vm_note "charon $name started in $ns ($(ss_versions))"
}

# ss_responder NAME NS CASE psk|cert [key=value...]: the usual strongSwan responder of the
# interop matrix in one call: at 192.0.2.2 (gw2 of vm_branch_topology), proposal
# ${SS_PROPOSAL[CASE]}, the given authentication (cert: the test PKI in $SS_PKI, made on
# first use, which also holds the initiator's ca.pem, initiator.pqb.test.pem and .key),
# more ss_config keys after those; then started in NS.
SS_PKI=${SS_PKI:-$SS_STATE/pki}
ss_responder() {
  local name=$1 ns=$2 case=$3 auth=$4; shift 4
  [[ -n "${SS_PROPOSAL[$case]:-}" ]] || vm_fail "ss_responder: unknown case '$case'"
  local extra=()
  if [[ "$auth" == cert ]]; then
    [[ -f "$SS_PKI/ca.pem" ]] || ss_pki "$SS_PKI" initiator.pqb.test responder.pqb.test
    extra=(pki="$SS_PKI")
  fi
  ss_config "$name" local=192.0.2.2 proposal="${SS_PROPOSAL[$case]}" auth="$auth" "${extra[@]}" "$@"
  ss_start "$name" "$ns"
}

# ss_swanctl NAME ARGS...: swanctl in the peer's namespaces and chroot (nsenter by the
# charon's pid: its mount namespace holds the vici socket).
ss_swanctl() {
  local name=$1; shift
  local pid=${vm_pid[$name]:-}
  [[ -n "$pid" ]] || vm_fail "ss_swanctl: no charon named $name"
  nsenter -t "$pid" -m -n -r -w /usr/sbin/swanctl "$@"
}

# ss_initiate NAME: initiate child "net" (and so the IKE SA); swanctl waits for the result
# and its exit code is returned (so a negative test can expect a failure). swanctl's
# output goes to $PQB_VM_OUT/NAME-swanctl.log.
ss_initiate() {
  ss_swanctl "$1" --initiate --child net --timeout 60 >>"$PQB_VM_OUT/$1-swanctl.log" 2>&1
}

# ss_terminate NAME: delete the IKE SA (and its CHILD SAs) from this side, waiting for the
# peer's answer (an INFORMATIONAL exchange with a Delete payload, RFC 7296 section 1.4.1).
ss_terminate() {
  ss_swanctl "$1" --terminate --ike pqb --timeout 30 >>"$PQB_VM_OUT/$1-swanctl.log" 2>&1
}

# ss_has_ike_sa NAME: true while the peer lists an IKE SA.
ss_has_ike_sa() { [[ -n "$(ss_sa "$1" state)" ]]; }
# ss_wait_no_ike_sa NAME [SECONDS]: wait until the peer lists no IKE SA any more.
ss_wait_no_ike_sa() { vm_wait_for "$1 without an IKE SA" "${2:-15}" ss_no_ike_sa "$1"; }
ss_no_ike_sa() { ! ss_has_ike_sa "$1"; }

# ss_sa NAME KEY: a field of the IKE SA in `swanctl --list-sas --raw` (vici's key=value
# form): state (ESTABLISHED), initiator-spi, responder-spi, encr-alg, prf-alg, dh-group
# (ECP_256, CURVE_25519, ML_KEM_768), ake1 (ML_KEM_768: the additional key exchange),
# local-port, remote-port (4500 after NAT detection or with encap), nat-any, ...
# Prints nothing when there is no IKE SA or no such field.
ss_sa() {
  ss_swanctl "$1" --list-sas --raw 2>/dev/null | sed 's/ child-sas {.*//' |
    grep -oE " $2=[^ }]*" | head -n1 | cut -d= -f2- || true
}

# ss_child NAME KEY: a field of the first CHILD SA: state (INSTALLED), protocol (ESP),
# mode (TUNNEL), encap (yes/no), spi-in, spi-out (hex), encr-alg, encr-keysize, esn (1),
# bytes-in, packets-in, local-ts, remote-ts ([10.1.0.0/24]). Empty when there is none.
ss_child() {
  ss_swanctl "$1" --list-sas --raw 2>/dev/null | grep -oE 'child-sas \{.*' |
    grep -oE " $2=[^ }]*" | head -n1 | cut -d= -f2- || true
}

# ss_expect_log NAME PATTERN [SECONDS]: wait until the peer's log has a line matching the
# extended regular expression PATTERN.
ss_expect_log() {
  vm_wait_for "'$2' in $1's log" "${3:-30}" grep -qE -- "$2" "$PQB_VM_OUT/$1.log"
  vm_note "ok: $1 logged: $(grep -m1 -E -- "$2" "$PQB_VM_OUT/$1.log" | sed 's/^ *//')"
}

# ss_expect_proposal NAME TEXT: charon selected exactly the IKE proposal TEXT, e.g.
# AES_GCM_16_256/PRF_HMAC_SHA2_384/ECP_256/KE1_ML_KEM_768.
ss_expect_proposal() {
  ss_expect_log "$1" "selected proposal: IKE:$2\$" 5
}

# ss_stop NAME: stop charon (it deletes its SAs on SIGTERM) and wait for it.
ss_stop() {
  local pid=${vm_pid[$1]:-}
  [[ -n "$pid" ]] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset "vm_pid[$1]"
}
