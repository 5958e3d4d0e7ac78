# Helpers for VM scenarios (tests/vm/scenarios/*.sh). Source it first thing:
#   source "$PQB_SOURCE_DIR/tests/vm/guest/scenario_lib.sh"
# A scenario runs in the guest as root under `set -euo pipefail`; any failing command or
# vm_expect ends it with "FAIL: ..." and the line, and the exit code reaches CTest.
# The guest is thrown away afterwards, so cleanup only stops background jobs cleanly
# (tcpdump flushes its capture).
# shellcheck shell=bash
set -euo pipefail

vm_t0=$(date +%s.%N)
vm_bg_pids=()

vm_elapsed() { awk -v a="$vm_t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
vm_step() { printf '\n== [%6ss] %s\n' "$(vm_elapsed)" "$*"; }
vm_note() { printf '   %s\n' "$*"; }
vm_fail() {
  printf 'FAIL: %s\n' "$*"
  exit 1
}

# Any command that fails under set -e names itself and where it was called from.
vm_on_err() {
  local rc=$? i
  printf 'FAIL: command exited %d: %s\n' "$rc" "$BASH_COMMAND"
  for ((i = 0; i < ${#BASH_LINENO[@]} - 1; i++)); do
    printf '   at %s:%s (%s)\n' "${BASH_SOURCE[i + 1]##*/}" "${BASH_LINENO[i]}" "${FUNCNAME[i + 1]}"
  done
}
trap vm_on_err ERR
set -o errtrace

vm_cleanup() {
  local p
  for p in "${vm_bg_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${vm_bg_pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap vm_cleanup EXIT

# vm_program NAME: where pqbranch's program NAME (pqbranch-agent, pqbranch-edge-stub) is: the
# packaged one for a scenario declaring `# vm-programs: packaged` (PQB_PROGRAMS), otherwise
# the test build's (AddressSanitizer, the fault hook).
vm_program() {
  if [[ -n "${PQB_PROGRAMS:-}" ]]; then
    echo "$PQB_PROGRAMS/$1"
    return
  fi
  case "$1" in
    pqbranch-agent) echo "$PQB_BUILD_DIR/agent/$1" ;;
    pqbranch-edge-stub) echo "$PQB_BUILD_DIR/edge-stub/$1" ;;
    *) vm_fail "vm_program: no program $1" ;;
  esac
}

# vm_expect DESCRIPTION ACTUAL OP EXPECTED   (OP: -eq -ne -ge -gt -le -lt)
vm_expect() {
  local desc=$1 actual=$2 op=$3 expected=$4
  [[ "$actual" =~ ^-?[0-9]+$ ]] || vm_fail "$desc: '$actual' is not a number"
  if test "$actual" "$op" "$expected"; then
    vm_note "ok: $desc = $actual ($op $expected)"
  else
    vm_fail "$desc: got $actual, expected $op $expected"
  fi
}

# vm_expect_text DESCRIPTION ACTUAL EXPECTED: string equality.
vm_expect_text() {
  if [[ "$2" == "$3" ]]; then
    vm_note "ok: $1 = $2"
  else
    vm_fail "$1: got '$2', expected '$3'"
  fi
}

# vm_wait_for DESCRIPTION SECONDS COMMAND...: poll an observable condition until it holds,
# failing after SECONDS. (Waiting on the condition itself, never a fixed sleep.) Polls every
# VM_POLL_S seconds (default 0.05); long waits beside a busy stream poll slower, since each
# check forks processes on the guest's one emulated CPU.
vm_wait_for() {
  local desc=$1 secs=$2; shift 2
  local deadline=$(($(date +%s%N) + secs * 1000000000))
  until "$@" >/dev/null 2>&1; do
    (($(date +%s%N) < deadline)) || vm_fail "timed out after ${secs}s waiting for: $desc"
    sleep "${VM_POLL_S:-0.05}"
  done
}

# The kernel modules ESP tests need; the GCM crypto modules load on demand with the
# first rfc4106(gcm(aes)) SA. qemu's "-cpu max" emulates AES-NI, and SAs made after
# aesni_intel is loaded use it: about 20% more packets/s than aes-generic through one
# tunnel (measured: ~2.9k vs ~2.4k pps, sender-limited), so load it when it is there.
vm_modules() {
  modprobe -a veth xfrm_user esp4 xfrm_interface "$@"
  modprobe -q aesni_intel || true
}

# vm_ns NS COMMAND...: run COMMAND in network namespace NS. nsenter rather than `ip netns
# exec`, which also remounts /sys and fails in a chroot whose root is no mount point (the
# demo's direct path runs in ./pqb's build root). Background jobs call nsenter themselves, so
# that $! is the command's own pid (nsenter execs it).
vm_ns() {
  local ns=$1; shift
  nsenter --net="/run/netns/$ns" -- "$@"
}

# vm_netns NAME: a namespace with lo up and IPv6 off (no router solicitations or
# neighbour discovery on the wire, so a capture holds only what a test sent).
vm_netns() {
  ip netns add "$1"
  vm_ns "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip -n "$1" link set lo up
}

# vm_link NS1 IF1 ADDR1/LEN NS2 IF2 ADDR2/LEN: a veth pair between two namespaces.
vm_link() {
  ip link add "$2" netns "$1" type veth peer "$5" netns "$4"
  ip -n "$1" addr add "$3" dev "$2"
  ip -n "$4" addr add "$6" dev "$5"
  ip -n "$1" link set "$2" up
  ip -n "$4" link set "$5" up
}

# vm_branch_topology: the shape every tunnel scenario uses.
#
#   lan1 10.1.0.2 --- 10.1.0.1 gw1 192.0.2.1 ==wan== 192.0.2.2 gw2 10.2.0.1 --- 10.2.0.2 lan2
#        (eth0)        (lan0)       (wan0)                (wan0)     (lan0)        (eth0)
#
# The gateways forward between their LAN and the WAN link; the hosts route via them. ESP
# between gw1 and gw2 carries lan1 <-> lan2 traffic (forwarded, so fwd policies count).
# Each gateway routes the far LAN via the other's WAN address (policy mode needs a route
# before the policy lookup); route mode replaces it with a route via its xfrm interface.
vm_branch_topology() {
  local ns
  for ns in lan1 gw1 gw2 lan2; do vm_netns "$ns"; done
  vm_link lan1 eth0 10.1.0.2/24 gw1 lan0 10.1.0.1/24
  vm_link gw1 wan0 192.0.2.1/24 gw2 wan0 192.0.2.2/24
  vm_link gw2 lan0 10.2.0.1/24 lan2 eth0 10.2.0.2/24
  ip -n lan1 route add default via 10.1.0.1
  ip -n lan2 route add default via 10.2.0.1
  ip -n gw1 route add 10.2.0.0/24 via 192.0.2.2
  ip -n gw2 route add 10.1.0.0/24 via 192.0.2.1
  for ns in gw1 gw2; do vm_ns "$ns" sysctl -qw net.ipv4.ip_forward=1; done
}

# vm_random_key: a fresh rfc4106(gcm(aes)) key: 16 bytes of AES-128 key + 4 bytes of salt
# (RFC 4106 section 8.1), as 0x-prefixed hex for `ip xfrm`.
vm_random_key() { printf '0x%s' "$(od -An -tx1 -N20 /dev/urandom | tr -d ' \n')"; }

# vm_sa_counter NS SRC DST SPI FIELD: one number from `ip -s xfrm state get`.
# FIELD: packets, bytes (lifetime current), or failed (integrity failures).
vm_sa_counter() {
  local out
  out=$(ip -n "$1" -s xfrm state get src "$2" dst "$3" proto esp spi "$4")
  case "$5" in
    packets) awk '/lifetime current:/ { getline; gsub(/[(),]/, " "); print $3; exit }' <<<"$out" ;;
    bytes) awk '/lifetime current:/ { getline; gsub(/[(),]/, " "); print $1; exit }' <<<"$out" ;;
    failed) awk '/replay-window .* failed/ { print $NF; exit }' <<<"$out" ;;
    *) vm_fail "vm_sa_counter: unknown field $5" ;;
  esac
}

# vm_xfrm_stat NS NAME: a counter from the namespace's /proc/net/xfrm_stat.
vm_xfrm_stat() { vm_ns "$1" awk -v k="$2" '$1 == k { print $2 }' /proc/net/xfrm_stat; }

# vm_link_counter NS IF RX|TX FIELD: a column of `ip -s link` (FIELD: bytes, packets,
# errors, dropped, ...).
vm_link_counter() {
  ip -n "$1" -s link show dev "$2" | awk -v dir="$3:" -v k="$4" '
    $1 == dir { for (i = 2; i <= NF; i++) h[i - 1] = $i; getline
                for (i = 1; i <= NF; i++) if (h[i] == k) { print $i; exit } }'
}

# vm_bg NAME NS COMMAND...: run COMMAND in namespace NS in the background, output to
# $PQB_VM_OUT/NAME.log; its pid is stored in vm_pid[NAME].
declare -A vm_pid=()
vm_bg() {
  local name=$1 ns=$2; shift 2
  # Emptied here, not only by the job's own redirection (which runs in the child, maybe
  # after the caller's vm_wait_log): an earlier job's readiness line must not answer for it.
  : >"$PQB_VM_OUT/$name.log"
  nsenter --net="/run/netns/$ns" -- "$@" >"$PQB_VM_OUT/$name.log" 2>&1 &
  vm_pid[$name]=$!
  vm_bg_pids+=("$!")
}
vm_log() { cat "$PQB_VM_OUT/$1.log"; }
# vm_wait_log NAME PATTERN [SECONDS]: wait until a background job's log shows PATTERN.
vm_wait_log() { vm_wait_for "'$2' in $1.log" "${3:-20}" grep -q -- "$2" "$PQB_VM_OUT/$1.log"; }
# vm_log_count NAME PATTERN: lines of a background job's log matching PATTERN (0 if none).
vm_log_count() { grep -c -- "$2" "$PQB_VM_OUT/$1.log" || true; }
# vm_join NAME: wait for a background job and return its exit code.
vm_join() { wait "${vm_pid[$1]}"; }

# vm_capture_start NAME NS IF [FILTER...]: capture what IF sends (-Q out: not the decrypted
# packets the kernel re-injects on it) into $PQB_VM_OUT/NAME.pcap; a pcap FILTER (e.g.
# "not esp") is applied in the kernel, so a busy stream it excludes costs tcpdump nothing. Written to tmpfs while it runs
# (the 9p share is too slow for a busy capture) with a deep buffer and 256-byte snapshots:
# a single emulated CPU runs the traffic and tcpdump by turns.
vm_capture_start() {
  local name=$1 ns=$2 ifname=$3
  shift 3
  mkdir -p /tmp/pqb-captures
  # -Z root: tcpdump would otherwise drop to its own user, who cannot write the results.
  vm_bg "$name" "$ns" tcpdump -Q out --immediate-mode -U -n -Z root -B 32768 -s 256 \
    -i "$ifname" -w "/tmp/pqb-captures/$name.pcap" "$@"
  vm_wait_log "$name" "listening on"
}
# vm_capture_stop NAME: end a capture (tcpdump writes its last packets on SIGINT); fails
# if the kernel dropped packets, since then the capture cannot show what crossed.
vm_capture_stop() {
  local dropped
  kill -INT "${vm_pid[$1]}"
  wait "${vm_pid[$1]}" || true
  cp "/tmp/pqb-captures/$1.pcap" "$PQB_VM_OUT/$1.pcap"
  vm_note "capture $1: $(grep -E 'packets? captured' "$PQB_VM_OUT/$1.log" || echo '?')"
  dropped=$(awk '/packets? dropped by kernel/ { print $1 }' "$PQB_VM_OUT/$1.log")
  vm_expect "capture $1: packets the kernel dropped before tcpdump saw them" "${dropped:-0}" -eq 0
}
# vm_capture_count NAME [FILTER...]: packets in a finished capture matching a pcap filter.
vm_capture_count() {
  local name=$1; shift
  tcpdump -n -r "$PQB_VM_OUT/$name.pcap" "$@" 2>/dev/null | wc -l
}
# vm_capture_expect_only NAME WIRE_FILTER MIN: every IP packet in the capture matches
# WIRE_FILTER (e.g. "esp"), and at least MIN do. ARP is link housekeeping and allowed.
vm_capture_expect_only() {
  local name=$1 filter=$2 min=$3 other
  vm_expect "$name: packets matching '$filter'" "$(vm_capture_count "$name" "$filter")" -ge "$min"
  other=$(vm_capture_count "$name" "not arp and not ($filter)")
  if ((other != 0)); then
    tcpdump -n -r "$PQB_VM_OUT/$name.pcap" "not arp and not ($filter)" 2>/dev/null | head -n 20
  fi
  vm_expect "$name: packets not matching '$filter'" "$other" -eq 0
}
# vm_capture_contains NAME TEXT: 0/1, whether TEXT occurs anywhere in the raw capture.
vm_capture_contains() { if grep -aqF -- "$2" "$PQB_VM_OUT/$1.pcap"; then echo 1; else echo 0; fi; }

# vm_ping_received NS SRC DST COUNT: send COUNT pings from SRC, print how many replies came.
vm_ping_received() {
  vm_ns "$1" ping -n -q -c "$4" -i 0.2 -W 1 -I "$2" "$3" |
    awk '/packets transmitted/ { print $4 }' || true
}

# vm_udp_stream FROM_NS TO_NS TO_ADDR PORT RATE COUNT: run a sequence-numbered UDP stream
# (pqb-udp-stream, from the build tree) and print the receiver's summary line; returns
# the receiver's exit code (non-zero on any loss, duplicate or stray datagram).
vm_udp_stream() {
  local from=$1 to=$2 addr=$3 port=$4 rate=$5 count=$6 rc=0
  vm_bg udp-recv "$to" pqb-udp-stream recv --port "$port" --expect "$count" --timeout 5 --strict
  vm_wait_log udp-recv "listening"
  vm_ns "$from" pqb-udp-stream send --to "$addr:$port" --rate "$rate" --count "$count" ||
    vm_fail "pqb-udp-stream send failed"
  vm_join udp-recv || rc=$?
  grep -E '^pqb-udp-stream recv ' "$PQB_VM_OUT/udp-recv.log" || vm_log udp-recv
  return "$rc"
}

# vm_stream_start FROM TO ADDR RATE [PORT]: an open-ended sequence-numbered UDP stream
# (pqb-udp-stream) from namespace FROM to ADDR in namespace TO, RATE datagrams/s, until
# vm_stream_stop. The receiver prints a progress line every VM_STREAM_PROGRESS_MS [1000]
# (udp-recv.log: vm_stream_unique, vm_stream_missing, vm_stream_caught_up N read the latest);
# the sender wakes once per VM_STREAM_BURST [10] datagrams. vm_stream_stop stops the sender,
# lets in-flight datagrams land (<= 5 s), stops the receiver and never fails by itself;
# vm_stream_expect_clean then checks; vm_stream_field SIDE KEY gives a number of a finished
# stream's summary (SIDE send|recv), e.g. vm_stream_field send rate.
vm_stream_start() {
  local from=$1 to=$2 addr=$3 rate=$4 port=${5:-5001}
  vm_bg udp-recv "$to" pqb-udp-stream recv --port "$port" --expect 20000000 \
    --timeout 3600 --until-signal --progress-ms "${VM_STREAM_PROGRESS_MS:-1000}"
  vm_wait_log udp-recv "listening"
  vm_bg udp-send "$from" pqb-udp-stream send --to "$addr:$port" --rate "$rate" \
    --count 20000000 --until-signal --burst "${VM_STREAM_BURST:-10}"
}
# The receiver's latest count of distinct datagrams (0 before its first progress line).
vm_stream_unique() {
  awk '/ progress / { for (i = 1; i <= NF; i++) if ($i ~ /^unique=/) { sub(/unique=/, "", $i); n = $i } }
       END { print n + 0 }' "$PQB_VM_OUT/udp-recv.log"
}
vm_stream_missing() {
  awk '/ progress / { for (i = 1; i <= NF; i++) if ($i ~ /^missing=/) { sub(/missing=/, "", $i); n = $i } }
       END { print n + 0 }' "$PQB_VM_OUT/udp-recv.log"
}
vm_stream_caught_up() { (($(vm_stream_unique) >= $1)); }
vm_stream_stop() {
  local sent
  kill -TERM "${vm_pid[udp-send]}"
  vm_join udp-send || vm_note "sender exit $? (sendto errors: see udp-send.log)"
  sent=$(vm_stream_field send sent)
  # Wait (bounded) for what is still in flight, then end the count.
  if ! vm_wait_for_quietly 5 vm_stream_caught_up "$sent"; then :; fi
  kill -TERM "${vm_pid[udp-recv]}"
  vm_join udp-recv || true
  vm_note "$(grep -E '^pqb-udp-stream send ' "$PQB_VM_OUT/udp-send.log")"
  vm_note "$(grep -E '^pqb-udp-stream recv expected' "$PQB_VM_OUT/udp-recv.log")"
}
# A stream that ended: every datagram sent arrived once (the sender sent 0..sent-1, so
# unique == sent means none is missing), nothing duplicated or foreign.
vm_stream_expect_clean() {
  local sent
  sent=$(vm_stream_field send sent)
  vm_expect "datagrams sent" "$sent" -gt 0
  vm_expect "datagrams lost (sent - received once)" $((sent - $(vm_stream_field recv unique))) -eq 0
  vm_expect "datagrams duplicated" "$(vm_stream_field recv duplicates)" -eq 0
  vm_expect "foreign datagrams" $(($(vm_stream_field recv unexpected) + $(vm_stream_field recv malformed))) -eq 0
}
vm_stream_field() {
  grep -E "^pqb-udp-stream $1 (sent|expected)=" "$PQB_VM_OUT/udp-$1.log" | tail -n1 | tr ' ' '\n' |
    awk -F= -v k="$2" '$1 == k { sub(/\..*/, "", $2); print $2 }'
}
# vm_wait_for_quietly SECONDS COMMAND...: like vm_wait_for, but returns 1 instead of failing.
vm_wait_for_quietly() {
  local deadline=$(($(date +%s%N) + $1 * 1000000000)); shift
  until "$@" >/dev/null 2>&1; do
    (($(date +%s%N) < deadline)) || return 1
    sleep "${VM_POLL_S:-0.05}"
  done
}

# vm_xfrm_sa NS SRC DST SPI KEY [EXTRA...]: a tunnel-mode ESP SA with rfc4106(gcm(aes)),
# 128-bit ICV, ESN and a 1024-packet replay window (the shape pqbranch installs); EXTRA
# adds e.g. "if_id 0x10" or "encap espinudp 4500 4500 0.0.0.0".
vm_xfrm_sa() {
  local ns=$1 src=$2 dst=$3 spi=$4 key=$5; shift 5
  ip -n "$ns" xfrm state add src "$src" dst "$dst" proto esp spi "$spi" reqid 1 mode tunnel \
    replay-window 1024 flag esn aead 'rfc4106(gcm(aes))' "$key" 128 "$@"
}

# vm_xfrm_policies NS LOCAL_NET REMOTE_NET LOCAL_GW REMOTE_GW [EXTRA...]: the out, in and
# fwd policies of one tunnel end (fwd: forwarded traffic from the peer's LAN to ours).
vm_xfrm_policies() {
  local ns=$1 lnet=$2 rnet=$3 lgw=$4 rgw=$5; shift 5
  ip -n "$ns" xfrm policy add src "$lnet" dst "$rnet" dir out "$@" \
    tmpl src "$lgw" dst "$rgw" proto esp reqid 1 mode tunnel
  local dir
  for dir in in fwd; do
    ip -n "$ns" xfrm policy add src "$rnet" dst "$lnet" dir "$dir" "$@" \
      tmpl src "$rgw" dst "$lgw" proto esp reqid 1 mode tunnel
  done
}

# --- pqbranch's own xfrm code in the guest: pqb-xfrm-driver (tests/vm/driver) -------------

# vm_key FILE: a fresh key for pqb-xfrm-driver: 36 random bytes (AES-256 key + 4-byte salt,
# RFC 4106 section 8.1, the SAs pqbranch installs) in FILE, never on a command line.
vm_key() {
  mkdir -p "$(dirname "$1")"
  head -c 36 /dev/urandom >"$1"
}

# vm_nl NS ARGS...: pqb-xfrm-driver ARGS in namespace NS (NetlinkKernel, not ip).
vm_nl() {
  local ns=$1; shift
  vm_ns "$ns" pqb-xfrm-driver "$@"
}

# vm_nl_sa NS DST SPI FIELD: one field of the SA as get_sa reports it (packets, bytes,
# integrity_failures, replay_errors, encap, dir, ...; see `pqb-xfrm-driver sa get`).
# Used inside $(...): a failure is reported on stderr, where it is not swallowed.
vm_nl_sa() {
  local out
  if ! out=$(vm_nl "$1" sa get --dst "$2" --spi "$3"); then
    printf 'FAIL: get_sa %s dst %s in %s failed\n' "$3" "$2" "$1" >&2
    return 1
  fi
  sed -n "s/.* $4=\([^ ]*\).*/\1/p" <<<"$out"
}

# vm_expect_same_counters NS SRC DST SPI: get_sa (NetlinkKernel) and `ip -s xfrm state`
# report the same packet and byte counts for the SA.
vm_expect_same_counters() {
  local ns=$1 src=$2 dst=$3 spi=$4 field
  for field in packets bytes; do
    vm_expect "$ns SA $spi $field: get_sa = ip -s xfrm state" \
      "$(vm_nl_sa "$ns" "$dst" "$spi" "$field")" -eq "$(vm_sa_counter "$ns" "$src" "$dst" "$spi" "$field")"
  done
}
