# tools/arch.sh: sourced by the QEMU tools. Maps ARCH (x86_64, aarch64,
# armv7) to the Bazel config, Debian architecture and kernel flavour, and
# keeps downloaded Debian packages in one cache.
# shellcheck shell=bash

FAULTINIT_CACHE=${FAULTINIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/faultinit}

arch_select() {
  case "$1" in
    x86_64 | amd64) ARCH=x86_64 BAZEL_CONFIG=() DEB_ARCH=amd64 FLAVOUR=amd64 ;;
    aarch64 | arm64) ARCH=aarch64 BAZEL_CONFIG=(--config=arm64) DEB_ARCH=arm64 FLAVOUR=arm64 ;;
    armv7 | armhf) ARCH=armv7 BAZEL_CONFIG=(--config=armv7) DEB_ARCH=armhf FLAVOUR=armmp ;;
    *)
      echo "unknown architecture \"$1\": expected x86_64, aarch64 or armv7" >&2
      return 2
      ;;
  esac
}

# deb_fetch PACKAGE:ARCH: the path of the package's .deb in the cache,
# downloaded with apt-get download when missing.
deb_fetch() {
  local dir="$FAULTINIT_CACHE/debs"
  mkdir -p "$dir"
  local name=${1%%:*} arch=${1##*:}
  local found
  # No match is not an error here: under a caller's pipefail and errexit,
  # ls's failure would end the caller's script.
  found=$(ls "$dir/${name}_"*"_${arch}.deb" 2>/dev/null | tail -n 1 || true)
  if [ -z "$found" ] && [ -n "${FAULTINIT_OFFLINE:-}" ]; then
    echo "$1 is not in $dir (offline): run tools/setup" >&2
    return 1
  fi
  if [ -z "$found" ]; then
    (cd "$dir" && apt-get download -q "$1" >/dev/null 2>"$dir/.err") || {
      echo "unable to download $1: $(grep -m1 -E '^E:' "$dir/.err")" >&2
      return 1
    }
    found=$(ls "$dir/${name}_"*"_${arch}.deb" | tail -n 1)
  fi
  echo "$found"
}

# kvm_usable KERNEL: true when KVM is usable for ARCH, not merely present:
# a nested or broken /dev/kvm can hang the guest. The probe boots KERNEL
# (ARCH's) with no root under KVM; a working KVM reaches the kernel's
# panic (and so QEMU's exit) in a few seconds.
kvm_usable() {
  [ -w /dev/kvm ] && [ "$ARCH" = x86_64 ] && [ "$(uname -m)" = x86_64 ] &&
    timeout 5 qemu-system-x86_64 -M q35 -accel kvm -m 128 -nographic \
      -no-reboot -kernel "$1" -append "console=ttyS0 panic=-1" \
      </dev/null >/dev/null 2>&1
}
