#!/usr/bin/env bash
# The README demo (`./pqb demo`): pqbranch-agent and pqbranch-edge-stub in network
# namespaces (branch LAN host, branch router, underlay, edge, edge LAN host), ESP keys from
# TLS 1.3 with X25519MLKEM768 rotating while a UDP stream crosses; a live line per second,
# then a summary. Directly when this kernel has ESP, otherwise inside the VM harness
# (Debian 13's kernel under qemu, docs/vm-harness.md).
#
#   ./pqb demo [--rotations N] [--interval DURATION] [--rate PPS] [--mode route|policy]
#              [--sigalg mldsa65|ecdsa] [--vm | --direct]
#
#   defaults: 6 rotations, every 5s, 200 datagrams/s, route mode, ML-DSA-65 certificates;
#   about a minute (in the VM on a busy 2-core machine: 1-2 minutes with the boot).
#   --vm / --direct force the path. Ctrl-C stops it and removes what it made (namespaces
#   with their SAs and policies, processes, temporary files; on the VM path qemu).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2; exit 2; }

path=auto rotations=6 interval=5s
args=()
while (($#)); do
  case "$1" in
    --vm) path=vm; shift ;;
    --direct) path=direct; shift ;;
    --rotations) rotations=$2; args+=("$1" "$2"); shift 2 ;;
    --interval) interval=$2; args+=("$1" "$2"); shift 2 ;;
    --rate | --mode | --sigalg) args+=("$1" "$2"); shift 2 ;;
    -h | --help) usage ;;
    *) echo "demo: unknown option $1" >&2; usage ;;
  esac
done
[[ "$rotations" =~ ^[0-9]+$ ]] || { echo "demo: --rotations needs a number" >&2; exit 2; }

# The gate's build (preset asan) is reused, so the demo after the tests builds almost nothing.
echo "demo: building pqbranch-agent, pqbranch-edge-stub and the stream tool (preset asan)"
cmake --preset asan >/dev/null
cmake --build --preset asan --target pqbranch-agent pqbranch-edge-stub pqb-udp-stream
build=$top/build/asan

# Does this kernel do ESP with AES-GCM and xfrm interfaces? Try it in a throwaway namespace.
probe_ns=pqb-demo-probe-$$
kernel_has_esp() {
  ip netns add "$probe_ns" 2>/dev/null || return 1
  local ok=0
  ip -n "$probe_ns" xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x100 reqid 1 \
    mode tunnel aead 'rfc4106(gcm(aes))' "0x$(printf '%072d' 0)" 128 2>/dev/null &&
    ip -n "$probe_ns" link add pqbprobe type xfrm if_id 1 2>/dev/null || ok=1
  ip netns del "$probe_ns" 2>/dev/null || true
  return "$ok"
}
if [[ "$path" == auto ]]; then
  if kernel_has_esp; then path=direct; else path=vm; fi
fi

if [[ "$path" == direct ]]; then
  echo "demo: running directly in namespaces pqbd$$-* of this kernel"
  work=$(mktemp -d /tmp/pqb-demo.XXXXXX)
  # demo_view.sh's own EXIT trap removes the namespaces and processes; this removes the rest.
  trap 'rm -rf "$work"' EXIT
  mkdir -p "$work/out"
  rc=0
  PQB_DEMO_DIRECT=1 PQB_SOURCE_DIR=$top PQB_BUILD_DIR=$build PQB_VM_OUT=$work/out \
    TUN_NS_PREFIX=pqbd$$- TUN_DIR=$work/tunnel PATH="$build/tests/tools:$PATH" \
    bash "$top/tests/vm/guest/demo_view.sh" "${args[@]}" || rc=$?
  exit "$rc"
fi

echo "demo: this kernel has no ESP (or no xfrm interfaces): running in the VM harness"
echo "demo: (Debian 13's kernel under qemu; the console is shown as it runs)"
# Boot, PKI and start take ~30 s; each rotation needs its interval plus a few seconds.
secs=$(awk -v i="$interval" 'BEGIN { n = i + 0; if (i ~ /ms$/) n /= 1000; else if (i ~ /m$/) n *= 60;
                                      else if (i ~ /h$/) n *= 3600; print int(n) + 1 }')
timeout_s=$((180 + rotations * (secs + 5)))
PQB_VM_VERBOSE=1 exec "$top/tests/vm/run-vm-test.sh" --build-dir "$build" --timeout "$timeout_s" \
  "$top/tests/vm/guest/demo_view.sh" "${args[@]}"
