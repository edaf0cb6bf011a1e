#!/usr/bin/env bash
# Makes the Debian 11 (bullseye, glibc 2.31) root file system in which tests/platforms.rs runs
# the shipped x86_64 library, and builds the C++ test host inside it, so that the host and
# everything it loads besides the add-in come from the older system.
#
# Usage: scripts/build/build-bullseye-root.sh [DIR]     (default: target/platforms/bullseye)
# Prints DIR's absolute path on its last line. The root is made once (debootstrap from
# Debian's archive, minbase and only what g++ needs: ~1-2 min, needs the network) and kept;
# the host is rebuilt inside it on every run (its source may have changed). Needs root
# (debootstrap, chroot), as CI has. The root is never committed (target/ is ignored).
#
# Why bullseye: it is the oldest Debian release still on the main mirror (buster is gone from
# it); its glibc 2.31 is that of Ubuntu 20.04 and older than Debian 12's 2.36, so a library
# linked against newer symbols fails to load here, as it did before issue 12.
set -euo pipefail
cd "$(dirname "$0")/../.."

root=${1:-target/platforms/bullseye}
mirror=${MESSENGER_DEBIAN_MIRROR:-http://deb.debian.org/debian}
mkdir -p "$(dirname "$root")"
root=$(readlink -f "$root")
stamp=$root/.messenger-root-ready

if [ ! -f "$stamp" ]; then
    command -v debootstrap >/dev/null || { echo "build-bullseye-root: debootstrap missing (scripts/deps/platforms.apt)" >&2; exit 1; }
    # A half-made root from an interrupted run. Nothing can be mounted in it (below), and
    # --one-file-system keeps rm on this file system whatever happens.
    rm -rf --one-file-system "$root"
    start=$(date +%s)
    echo "build-bullseye-root: debootstrap --variant=minbase bullseye $root" >&2
    # g++ brings libc6-dev and libstdc++-dev: all the host needs (it links libdl only).
    # debootstrap mounts /proc (and more) inside the root while it installs: in a mount
    # namespace of its own, those mounts end with it even if it fails or is killed.
    unshare --mount --propagation private \
        debootstrap --variant=minbase --include=g++ bullseye "$root" "$mirror" >"$root.log" 2>&1 || {
        tail -n 30 "$root.log" >&2
        exit 1
    }
    # The downloaded packages are not needed once installed.
    rm -rf "$root"/var/cache/apt/archives/*.deb
    touch "$stamp"
    echo "build-bullseye-root: made in $(($(date +%s) - start)) s ($(du -sxh "$root" 2>/dev/null | cut -f1))" >&2
fi

# The host, built inside the root by its own g++ against its own glibc and libstdc++.
mkdir -p "$root/opt/messenger/tests/host" "$root/opt/messenger/include"
cp tests/host/host.cpp "$root/opt/messenger/tests/host/"
cp include/messenger_addin.h "$root/opt/messenger/include/"
chroot "$root" g++ -std=c++17 -O1 -g -Wall -Wextra -Wno-unused-parameter \
    -o /opt/messenger/host /opt/messenger/tests/host/host.cpp -ldl
echo "build-bullseye-root: host built with $(chroot "$root" g++ --version | head -n 1), $(chroot "$root" ldd --version | head -n 1)" >&2
echo "$root"
