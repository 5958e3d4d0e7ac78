# Shared shell functions for pqbranch's scripts. Source it; it defines functions only.
# shellcheck shell=bash

PQB_SUITE=trixie

pqb_log() { printf '[pqb] %s\n' "$*" >&2; }
pqb_die() { printf '[pqb] error: %s\n' "$*" >&2; exit 1; }

pqb_top() { cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd; }

pqb_cache_dir() { printf '%s/pqbranch' "${XDG_CACHE_HOME:-$HOME/.cache}"; }

# The Debian mirror this machine's apt already uses (override with PQB_MIRROR),
# so no host name is baked into the project.
pqb_mirror() {
  if [[ -n "${PQB_MIRROR:-}" ]]; then printf '%s' "$PQB_MIRROR"; return; fi
  local uri
  uri=$(grep -hE '^(URIs:|deb )' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null |
    grep -oE '(https?|file)://[^ ]*/debian/?( |$)' | grep -v security | head -n1 | tr -d ' ')
  [[ -n "$uri" ]] || pqb_die "no Debian mirror found in /etc/apt; set PQB_MIRROR"
  printf '%s' "${uri%/}"
}

# Package list of a root filesystem, without comments: the cache key hashes it.
pqb_packages() { grep -vE '^\s*(#|$)' "$1" | tr '\n' ',' | sed 's/,$//'; }

# True when this host can build natively (Debian 13 or later: OpenSSL >= 3.5).
pqb_native() {
  [[ "${PQB_NATIVE:-}" == 1 ]] && return 0
  [[ "${PQB_NATIVE:-}" == 0 ]] && return 1
  [[ -f /etc/os-release ]] || return 1
  local v; v=$(. /etc/os-release; printf '%s' "${VERSION_ID:-0}")
  [[ "$v" =~ ^[0-9]+$ ]] && (( v >= 13 )) && [[ -z "${PQB_IN_ROOT:-}" ]] && command -v cmake >/dev/null
}

pqb_host_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  (( ${#missing[@]} == 0 )) && return 0
  [[ $(id -u) == 0 ]] || pqb_die "need root to install ${missing[*]}"
  pqb_log "installing host packages: ${missing[*]}"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# pqb_make_root NAME PACKAGE_FILE SUITE [extra mmdebstrap args...]
# Prints the path of a cached root filesystem, creating it once (with PQB_ROOT_LOOKUP_ONLY
# set: prints nothing when it does not exist yet).
pqb_make_root() {
  local name=$1 pkgfile=$2 suite=$3; shift 3
  local pkgs key dir cache
  pkgs=$(pqb_packages "$pkgfile")
  key=$(printf '%s %s %s' "$suite" "$pkgs" "$*" | sha256sum | cut -c1-12)
  cache=$(pqb_cache_dir); dir="$cache/$name-$key"
  if [[ ! -f "$dir/.pqb-complete" && -n "${PQB_ROOT_LOOKUP_ONLY:-}" ]]; then return 0; fi
  mkdir -p "$cache"
  if [[ ! -f "$dir/.pqb-complete" ]]; then
    exec 9>"$cache/$name.lock"; flock 9
    if [[ ! -f "$dir/.pqb-complete" ]]; then
      pqb_host_install mmdebstrap
      rm -rf "$dir.tmp"
      pqb_log "creating $name root ($suite) in $dir (once; about 2 minutes)"
      local t0=$SECONDS
      mmdebstrap --quiet --variant=apt --include="$pkgs" \
        --essential-hook='chroot "$1" dpkg-divert --quiet --local --rename --add /usr/sbin/update-initramfs && ln -sf /bin/true "$1/usr/sbin/update-initramfs"' \
        --customize-hook='rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/*_Packages' \
        "$@" "$suite" "$dir.tmp" "$(pqb_mirror)" >&2 || { rm -rf "$dir.tmp"; pqb_die "mmdebstrap failed"; }
      touch "$dir.tmp/.pqb-complete"
      mv "$dir.tmp" "$dir"
      pqb_log "$name root ready in $((SECONDS - t0)) s"
      # Roots of the same name under another key are stale once no command has used them
      # for two days (a command of another checkout may still be running in a fresh one).
      local old
      for old in "$cache/$name"-*/; do
        old=${old%/}
        [[ "$old" == "$dir" || ! -f "$old/.pqb-complete" ]] && continue
        [[ -n $(find "$old/.pqb-complete" "$old/.pqb-used" -maxdepth 0 -mmin -2880 2>/dev/null) ]] ||
          rm -rf "$old"
      done
    fi
    exec 9>&-
  fi
  touch "$dir/.pqb-used" 2>/dev/null || true
  printf '%s' "$dir"
}

pqb_buildroot() { pqb_make_root buildroot "$(pqb_top)/scripts/buildroot.packages" "$PQB_SUITE"; }

# The strongSwan 6.1 peer of the IKEv2 interop tests (docs/ikev2.md, "Interop harness"):
# Debian unstable, whose Release file on some mirrors is past its Valid-Until date.
PQB_PEER_SUITE=sid
pqb_peerroot() {
  pqb_make_root peerroot "$(pqb_top)/scripts/peerroot.packages" "$PQB_PEER_SUITE" \
    --aptopt='Acquire::Check-Valid-Until "false"'
}

# The Debian 13 root booted with systemd as PID 1 by the VM tests that install pqbranch's
# packages (docs/vm-harness.md, "systemd as PID 1"). Written at creation so every boot is
# quick and the same: a machine id (no first-boot units), caches that would otherwise be
# rebuilt on each boot (ldconfig, the journal catalog, hwdb), and no getty or timers.
pqb_sysroot() {
  pqb_make_root sysroot "$(pqb_top)/scripts/sysroot.packages" "$PQB_SUITE" \
    --customize-hook='chroot "$1" systemd-machine-id-setup >/dev/null' \
    --customize-hook='chroot "$1" ldconfig && chroot "$1" journalctl --update-catalog' \
    --customize-hook='chroot "$1" systemd-hwdb update' \
    --customize-hook='chroot "$1" systemctl --quiet mask serial-getty@.service getty@.service \
      systemd-firstboot.service apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer \
      fstrim.timer dpkg-db-backup.timer systemd-tmpfiles-clean.timer' \
    --customize-hook='touch "$1/etc/.updated" "$1/var/.updated"'
}

# pqb_wants_label LABEL ARGS...: true when the CTest labels a gate run selects (none = all)
# include LABEL.
pqb_wants_label() {
  local want=$1 a labels=0
  shift
  for a in "$@"; do
    [[ "$a" == -* ]] && continue
    labels=1
    [[ "$a" == "$want" ]] && return 0
  done
  (( labels == 0 ))
}
pqb_wants_interop() { pqb_wants_label interop "$@"; }

# pqb_in_root ROOT COMMAND...: run COMMAND inside ROOT with the source tree at /pqbranch
# (and, when PQB_PEERROOT names one, the strongSwan peer root at /run/peerroot; when
# PQB_SYSROOT does, the systemd VM root at /run/sysroot).
# A private mount namespace holds every mount, so they vanish with the command, and
# several commands can use one root at once.
pqb_in_root() {
  local root=$1; shift
  local top; top=$(pqb_top)
  local ccache; ccache="$(pqb_cache_dir)/ccache"; mkdir -p "$ccache"
  unshare --mount --propagation private -- /bin/bash -euc '
    root=$1 top=$2 ccache=$3 peerroot=$4 sysroot=$5; shift 5
    # The root a mount point of its own: `ip netns exec` and `ip -n` make "/" a slave mount,
    # which fails on a plain directory (the demo runs in namespaces inside the root).
    mount --bind "$root" "$root"
    mount -t proc proc "$root/proc"
    mount -t sysfs sysfs "$root/sys"
    mount --rbind /dev "$root/dev"
    mount -t tmpfs -o mode=0755 tmpfs "$root/run"
    mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
    mkdir -p "$root/pqbranch" "$root/var/cache/ccache" "$root/run/vmroot"
    mount --bind "$top" "$root/pqbranch"
    mount --bind "$ccache" "$root/var/cache/ccache"
    # The plain root, without the mounts above, for the VM harness to share over 9p.
    mount --bind -o ro "$root" "$root/run/vmroot" 2>/dev/null || mount --bind "$root" "$root/run/vmroot"
    # The strongSwan peer root (interop tests), read-only: each charon gets its own
    # writable /etc/swanctl and /run on top (tests/vm/guest/strongswan_lib.sh).
    peer=
    if [[ -n "$peerroot" ]]; then
      mkdir -p "$root/run/peerroot"
      mount --bind "$peerroot" "$root/run/peerroot"
      mount -o remount,bind,ro "$root/run/peerroot"
      peer=/run/peerroot
    fi
    # The systemd VM root, read-only: each VM writes to an overlay of its own in the guest.
    sys=
    if [[ -n "$sysroot" ]]; then
      mkdir -p "$root/run/sysroot"
      mount --bind "$sysroot" "$root/run/sysroot"
      mount -o remount,bind,ro "$root/run/sysroot"
      sys=/run/sysroot
    fi
    cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
    exec chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      HOME=/root TERM="${TERM:-dumb}" CI="${CI:-}" PQB_IN_ROOT=1 CCACHE_DIR=/var/cache/ccache \
      PQB_VMROOT=/run/vmroot PQB_PEERROOT="$peer" PQB_SYSROOT="$sys" LANG=C.UTF-8 "$@"
  ' pqb-root "$root" "$top" "$ccache" "${PQB_PEERROOT:-}" "${PQB_SYSROOT:-}" "$@"
}
