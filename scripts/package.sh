#!/usr/bin/env bash
# Builds the Debian packages pqbranch-agent and pqbranch-edge (debian/) into build/packages/, checks
# them with lintian and prints the files and their sizes. Runs in the build root (./pqb
# package) or natively on Debian 13 with debhelper, lintian and the build dependencies.
#
#   package.sh [--out DIR] [--quiet] [--no-lintian] [--no-dbgsym] [--unpack DIR]
#
# --unpack DIR: also unpack the binary packages' files into DIR (emptied first), as
# installing them would lay them out: the gate's VM scenarios run the packaged programs
# from there (tests/vm/CMakeLists.txt, `# vm-programs: packaged`).
# --no-dbgsym (the gate's packages): no -dbgsym packages and so no debug information compiled
# at all (debian/rules); the programs' code is the same, as -g never changes code generation.
#
# The version is CMakeLists.txt's project(VERSION): this script writes debian/changelog
# from it, in a copy of the tree (build/package/pqbranch-VERSION), so the source tree never
# holds a second version number nor any build product. ccache keeps rebuilds short.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=$top/build/packages quiet=0 check=1 dbgsym=1 unpack=
while (( $# )); do
  case "$1" in
    # A relative DIR is taken from the top of the tree (the build root runs this from /).
    --out) case "$2" in /*) out=$(realpath -m "$2") ;; *) out=$(realpath -m "$top/$2") ;; esac; shift 2 ;;
    --quiet) quiet=1; shift ;;
    --no-lintian) check=0; shift ;;
    --no-dbgsym) dbgsym=0; shift ;;
    --unpack) unpack=$(realpath -m "$2"); shift 2 ;;
    *) echo "usage: package.sh [--out DIR] [--quiet] [--no-lintian] [--no-dbgsym] [--unpack DIR]" >&2
       exit 2 ;;
  esac
done
die() { printf 'package: %s\n' "$*" >&2; exit 1; }
for tool in dpkg-buildpackage dh $( ((check)) && echo lintian); do
  command -v "$tool" >/dev/null ||
    die "$tool not found (apt install dpkg-dev debhelper lintian, or run ./pqb package)"
done

version=$(sed -nE 's/^project\(pqbranch VERSION ([0-9]+\.[0-9]+\.[0-9]+).*/\1/p' "$top/CMakeLists.txt")
[[ -n "$version" ]] || die "no 'project(pqbranch VERSION x.y.z' line in CMakeLists.txt"
arch=$(dpkg --print-architecture)

work=$top/build/package
src=$work/pqbranch-$version
t0=$SECONDS
rm -rf "$work"
mkdir -p "$src" "$out"
# The tree without build products, VCS data or earlier packages.
tar -C "$top" --exclude=./build --exclude=./dist --exclude=./.git --exclude=./.cache \
  --exclude='*.swp' -cf - . | tar -C "$src" -xf -

# debian/changelog from the one version. Its date is CMakeLists.txt's modification time, so
# an unchanged tree builds the same changelog (dpkg derives SOURCE_DATE_EPOCH from it).
date=$(date -R -u -d "@$(stat -c %Y "$top/CMakeLists.txt")")
cat >"$src/debian/changelog" <<EOF
pqbranch ($version) unstable; urgency=medium

  * pqbranch $version (version from CMakeLists.txt).

 -- pqbranch maintainers <maintainers@pqbranch.invalid>  $date
EOF

log=$work/build.log
echo "package: building pqbranch $version ($arch) in $src (log: $log)" >&2
jobs=${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}
options="nocheck parallel=$jobs"
(( dbgsym )) || options+=" noddebs"
if ! (cd "$src" && DEB_BUILD_OPTIONS="$options" \
      dpkg-buildpackage -b --no-sign) >"$log" 2>&1; then
  tail -n 40 "$log" >&2
  die "dpkg-buildpackage failed (whole log: $log)"
fi
(( quiet )) || grep -E '^dpkg-deb: building package' "$log" >&2 || true

changes=$work/pqbranch_${version}_${arch}.changes
files=()
while read -r _ _ _ _ name; do files+=("$name"); done < <(
  sed -n '/^Files:/,/^[^ ]/p' "$changes" | grep '^ ')
rm -f "$out"/pqbranch-*_"$version"_*.deb "$out"/pqbranch-*_"$version"_*.ddeb
for f in "${files[@]}"; do cp "$work/$f" "$out/"; done
cp "$changes" "$out/"
if [[ -n "$unpack" ]]; then
  rm -rf "$unpack"
  mkdir -p "$unpack"
  for f in "${files[@]}"; do
    [[ "$f" == *.deb ]] && dpkg-deb -x "$out/$f" "$unpack"
  done
fi

# lintian over the .changes (both packages); its output is kept beside them.
if (( check )); then
  lintian_out=$out/lintian-$version.txt
  # As an unprivileged user when there is one (lintian advises against root): on a copy
  # it can read.
  run=()
  if (( EUID == 0 )) && id nobody >/dev/null 2>&1; then
    run=(runuser -u nobody -- env HOME=/tmp TMPDIR=/tmp)
  fi
  check_dir=$(mktemp -d)
  cp "$changes" "${files[@]/#/$work/}" "$check_dir/"
  chmod -R a+rX "$check_dir"
  "${run[@]}" lintian --info --display-info --pedantic "$check_dir/$(basename "$changes")" \
    >"$lintian_out" 2>&1 || true
  rm -rf "$check_dir"
  echo "package: lintian ($lintian_out):"
  if [[ -s "$lintian_out" ]]; then sed 's/^/  /' "$lintian_out"; else echo "  (no tags)"; fi
fi

echo "package: pqbranch $version in $out ($((SECONDS - t0)) s):"
for f in "${files[@]}"; do
  [[ "$f" == *.deb || "$f" == *.ddeb ]] || continue
  printf '  %-48s %8s bytes  installed %6s KiB\n' "$f" "$(stat -c %s "$out/$f")" \
    "$(dpkg-deb -f "$out/$f" Installed-Size)"
done
