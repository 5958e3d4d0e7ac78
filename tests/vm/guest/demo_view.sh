#!/bin/bash
# The README demo's body (scripts/demo.sh runs it in the VM harness, or directly on a host
# whose kernel has ESP): the tunnel topology of tunnel_lib.sh with pqbranch-agent and
# pqbranch-edge-stub, a UDP stream from the branch LAN to the edge LAN, a live line per
# second and a summary block after N rotations.
#
#   demo_view.sh [--rotations N] [--interval DURATION] [--rate PPS] [--mode route|policy]
#                [--sigalg mldsa65|ecdsa]
#
# Directly on a host (not in the VM) set TUN_NS_PREFIX and TUN_DIR to unique values and
# PQB_DEMO_DIRECT=1: an EXIT trap then removes the namespaces (and with them every SA and
# policy), the processes and TUN_DIR, also after Ctrl-C.
source "$PQB_SOURCE_DIR/tests/vm/guest/scenario_lib.sh"

rotations=6 TUN_INTERVAL=5s rate=200
while (($#)); do
  case "$1" in
    --rotations) rotations=$2; shift 2 ;;
    --interval) TUN_INTERVAL=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --mode) TUN_MODE=$2; shift 2 ;;
    --sigalg) TUN_SIGALG=$2; shift 2 ;;
    *) vm_fail "demo: unknown option $1" ;;
  esac
done
TUN_JITTER=0s TUN_SOFT_TIME=10m TUN_HARD_TIME=15m
source "$PQB_SOURCE_DIR/tests/vm/guest/tunnel_lib.sh"

demo_cleanup() {
  trap - INT TERM
  vm_cleanup
  if [[ "${PQB_DEMO_DIRECT:-}" == 1 ]]; then
    tun_down
    rm -rf "$TUN_DIR" /tmp/pqb-captures/underlay.pcap
  fi
}
trap demo_cleanup EXIT
trap 'echo; echo "demo: interrupted, cleaning up"; exit 130' INT TERM

vm_step "building the topology: branch LAN host, branch router (agent), underlay, edge (edge-stub), edge LAN host"
if [[ "${PQB_DEMO_DIRECT:-}" == 1 ]]; then vm_modules 2>/dev/null || true; else vm_modules; fi
tun_topology
vm_note "lan1 $TUN_BLAN_ADDR -- gw1 [pqbranch-agent, $TUN_MODE mode] $TUN_BR_ADDR === $(tun_edge_addr) gw2 [pqbranch-edge-stub] -- lan2 $TUN_ELAN_ADDR"
vm_step "test PKI ($TUN_SIGALG certificates), configs, starting edge-stub and agent (rotation every $TUN_INTERVAL)"
tun_pki
tun_configure
tun_start_edge
tun_start_agent
tun_wait_generation 1 60

vm_step "UDP stream lan1 -> lan2 at ${rate}/s through ESP; one line per second until $rotations more rotations"
tx_before=$(vm_link_counter "$TUN_NS_BR" wan0 TX packets)
vm_capture_start underlay "$TUN_NS_BR" wan0 not esp
tun_stream_start "$rate"
json=$(tun_status --json)
group=$(tun_json_field "$json" group) sigalg=$(tun_json_field "$json" session_signature)
g_first=$(tun_log_generation)
t_first=$(date +%s)
# Each line reads only the agent's log, the kernel's SA counters and the receiver's progress:
# an exec of the (ASan) agent's status command takes seconds on an emulated CPU.
while :; do
  # One awk per source: the newest "generation N installed (inbound SPI X, outbound SPI Y)"
  # line of the agent, the receiver's newest progress line.
  read -r gen spi_in spi_out <<<"$(awk '/ rotation: generation .* installed / {
      for (i = 1; i <= NF; i++) { if ($i == "generation") g = $(i + 1); if ($i == "SPI") { s[++n % 2] = $(i + 1) } }
      gi = g; si = s[1]; so = s[0] } END { gsub(/[,)]/, "", si); gsub(/[,)]/, "", so); print gi + 0, si, so }' \
    "$PQB_VM_OUT/agent.log")"
  read -r recv missing <<<"$(awk '/ progress / { for (i = 1; i <= NF; i++) { split($i, kv, "=");
      if (kv[1] == "unique") u = kv[2]; if (kv[1] == "missing") m = kv[2] } } END { print u + 0, m + 0 }' \
    "$PQB_VM_OUT/udp-recv.log")"
  printf '[%4ss] gen %-4s %s/%s  SPI out %s in %s  ESP pkts (this SA) %-6s  stream recv %-7s lost %s\n' \
    $(($(date +%s) - t_first)) "$gen" "$group" "$sigalg" "$spi_out" "$spi_in" \
    "$(tun_esp_packets "$TUN_NS_BR" out)" "$recv" "$missing"
  ((gen >= g_first + rotations)) && break
  sleep 1
done
json=$(tun_status --json)
seconds=$(($(date +%s) - t_first))
vm_stream_stop >/dev/null
vm_capture_stop underlay >/dev/null
tx=$(($(vm_link_counter "$TUN_NS_BR" wan0 TX packets) - tx_before))
other=$(vm_capture_count underlay "not arp and not tcp port $TUN_PORT")
tls=$(vm_capture_count underlay "tcp port $TUN_PORT")
esp=$((tx - $(vm_capture_count underlay)))
sent=$(vm_stream_field send sent) unique=$(vm_stream_field recv unique)
dups=$(vm_stream_field recv duplicates)
esp_only=yes
((other == 0)) || esp_only="NO: $other other packet(s)"

cat <<EOF

==================== pqbranch demo summary ====================
rotations        $((gen - g_first)) (generation $g_first -> $gen) in $seconds s, every $TUN_INTERVAL
key exchange     TLS 1.3 $(tun_json_field "$json" group), edge certificate $(tun_json_field "$json" session_signature) (post-quantum: $(tun_json_field "$json" post_quantum))
tunnel           $TUN_MODE mode, ESP rfc4106(gcm(aes)) with keys from the TLS exporter
packets          sent $sent, received $unique, lost $((sent - unique)), duplicated $dups
underlay         ESP only: $esp_only ($esp ESP packets, $tls key-service TLS packets)
===============================================================
EOF
((sent == unique && dups == 0 && other == 0)) || vm_fail "demo: packets were lost or the underlay carried non-ESP traffic"
