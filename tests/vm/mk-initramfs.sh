#!/usr/bin/env bash
# Builds the VM's tiny initramfs (static busybox, the 9p modules and guest/init) and prints
# its path. Cached in CACHE_DIR, keyed by the kernel version and the inputs' content, so it
# is rebuilt only when the kernel, busybox or the init script change (about 0.2 s).
#
#   mk-initramfs.sh VMROOT KERNEL_VERSION CACHE_DIR
#
# VMROOT is the root filesystem the guest boots (its /lib/modules and busybox are used).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
vmroot=$1 kver=$2 cache=$3

busybox="$vmroot/usr/bin/busybox"
[[ -x "$busybox" ]] || busybox="$vmroot/bin/busybox"
[[ -x "$busybox" ]] || { echo "mk-initramfs: no busybox in $vmroot (package busybox-static)" >&2; exit 1; }
# busybox insmod in the initramfs has no dynamic loader to lean on: it must be static.
if LC_ALL=C file -b "$busybox" 2>/dev/null | grep -q 'dynamically linked'; then
  echo "mk-initramfs: $busybox is dynamically linked; install busybox-static" >&2; exit 1
fi

# The modules /init loads, in dependency order. modprobe resolves one name per call
# (extra names would be read as module options).
modules=()
# overlay: the writable root of a guest that boots systemd (guest/init, pqb.init=systemd).
for name in 9pnet_virtio 9p overlay; do
  while read -r verb path _; do
    [[ "$verb" == insmod ]] || continue
    path=${path#"$vmroot"}; path=/${path#/}
    [[ " ${modules[*]} " == *" $path "* ]] || modules+=("$path")
  done < <(modprobe -d "$vmroot" -S "$kver" --show-depends "$name")
done
(( ${#modules[@]} > 0 )) || { echo "mk-initramfs: no 9p modules for $kver in $vmroot" >&2; exit 1; }

key=$( { printf '%s\n' "$kver" "${modules[@]}"; cat "$here/guest/init" "${BASH_SOURCE[0]}" "$busybox"; } |
  sha256sum | cut -c1-12)
out="$cache/initramfs-$kver-$key.cpio"
if [[ -f "$out" ]]; then printf '%s\n' "$out"; exit 0; fi

mkdir -p "$cache"
stage=$(mktemp -d "$cache/initramfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,dev,proc,sys,newroot,modules}
cp "$busybox" "$stage/bin/busybox"
ln -s busybox "$stage/bin/sh"
install -m 0755 "$here/guest/init" "$stage/init"
# Debian ships .ko.xz, which busybox insmod cannot read: decompress here. The load order
# goes into a list that /init follows.
for m in "${modules[@]}"; do
  base=$(basename "$m"); base=${base%.xz}; base=${base%.zst}
  case "$m" in
    *.xz) "$busybox" xzcat "$vmroot$m" >"$stage/modules/$base" ;;
    *.zst) zstd -dcq "$vmroot$m" >"$stage/modules/$base" ;;
    *) cp "$vmroot$m" "$stage/modules/$base" ;;
  esac
  printf '%s\n' "$base" >>"$stage/modules/order"
done
# An uncompressed newc archive: the kernel unpacks it directly, and it is only ~3 MB.
# Written beside the stage and renamed into place: VM tests that run side by side may build
# the same archive at once, and each must see a whole one.
(cd "$stage" && find . ! -path ./archive.cpio | LC_ALL=C sort |
  "$busybox" cpio -o -H newc 2>/dev/null) >"$stage/archive.cpio"
mv "$stage/archive.cpio" "$out"
# Older archives for this kernel are stale.
find "$cache" -maxdepth 1 -name "initramfs-$kver-*.cpio" ! -name "$(basename "$out")" -delete
printf '%s\n' "$out"
