#!/usr/bin/env bash
# Fetches the kernel the networkd-files e2e boots in qemu: Debian's linux-image-amd64 (the
# current linux-image-<version>-amd64 it depends on), with `apt-get download` and `dpkg-deb -x`,
# plus the modules.dep that `depmod` makes so the guest can load modules. Nothing is installed.
#
#   scripts/vm-kernel.sh [DIR]   DIR: $WIRENIX_VM_KERNEL, else .cache/vm-kernel in the repository
# Needs apt-get, dpkg-deb and depmod (Debian package kmod). Does nothing when DIR has a kernel.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-${WIRENIX_VM_KERNEL:-.cache/vm-kernel}}
if ls "$dir"/lib/modules/*/modules.dep >/dev/null 2>&1; then
  echo "VM kernel already in $dir: $(ls "$dir/lib/modules")"
  exit 0
fi
image=$(apt-cache depends linux-image-amd64 | sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -1)
[ -n "$image" ] || { echo "apt-cache knows no linux-image-amd64 (apt-get update?)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"   # apt-get download works as _apt
(cd "$work" && apt-get download "$image" >/dev/null)
rm -rf "$dir.tmp"
mkdir -p "$dir.tmp"
dpkg-deb -x "$work"/linux-image-*.deb "$dir.tmp"
version=$(ls "$dir.tmp/lib/modules")
depmod -b "$dir.tmp" "$version"
rm -rf "$dir"
mv "$dir.tmp" "$dir"
echo "VM kernel $version in $dir"
