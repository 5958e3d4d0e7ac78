# The benchmarks' machine-readable lines (sourced by the bench scripts, host and VM alike):
#   bench result name=SCRIPT.CASE KEY=VALUE ... load1=L load5=L load15=L
# one per measured case, beside the human-readable lines; scripts/bench_report.py reads them
# from `ctest -V` output. Values have no spaces. The load is this machine's /proc/loadavg at
# that moment; in the VM it is the host's when the VM started (PQB_HOST_LOAD: the guest's
# own load says nothing about the neighbours that slow the emulated CPU down).
# shellcheck shell=bash

# bench_result NAME KEY=VALUE...
bench_result() {
  local name=$1 fields l1 l5 l15
  shift
  read -ra fields <<<"$*"
  read -r l1 l5 l15 <<<"${PQB_HOST_LOAD:-$(cut -d' ' -f1-3 /proc/loadavg)}"
  printf 'bench result name=%s %s load1=%s load5=%s load15=%s\n' "$name" "${fields[*]}" \
    "$l1" "$l5" "$l15"
}

# bench_memory PID: "PRIVATE CLEAN DIRTY RSS" (KiB) of one process from its smaps_rollup,
# private = Private_Clean + Private_Dirty (the agent's memory target counts that).
bench_memory() {
  awk '/^Rss:/ { r = $2 } /^Private_Clean:/ { c = $2 } /^Private_Dirty:/ { d = $2 }
       END { print c + d, c, d, r }' "/proc/$1/smaps_rollup"
}

# bench_describe_memory PRIVATE CLEAN DIRTY RSS: bench_memory's figures for people.
bench_describe_memory() { printf 'private_kib %d (clean %d, dirty %d), rss_kib %d' "$@"; }
