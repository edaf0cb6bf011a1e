#!/usr/bin/env bash
# The Windows test CI runs: builds both DLLs (scripts/build/build-windows.sh, Windows 7 SP1 targets),
# builds the C test host (tests/windows-host/host.c) for x86_64 and i686, and runs the x86_64
# host under wine against the x86_64 DLL (the full sequence, then a name lookup that hangs
# followed by FreeLibrary). Fails on any failed check. Prints the DLLs' sizes; the release
# bundle and the static checks of all four libraries (imports against Windows 7 SP1's
# exports, sizes <= 5 MB, ZIP <= 10 MB) are scripts/test.sh's and tests/platforms.rs's.
#
# Usage: scripts/test/test-windows.sh [-h]
#
# The i686 DLL is built and checked statically (PE32, imports, exports) but not run: wine64 on
# Debian 12 cannot run 32-bit code, and wine32 needs the i386 architecture (see docs/en/platforms.md).
# Everything it makes stays in target/ (build-std cache, wine prefix), so a second run takes
# seconds plus the link.
set -euo pipefail
cd "$(dirname "$0")/../.."

case "${1:-}" in
    -h | --help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    "") ;;
    *) echo "test-windows: unknown argument $1" >&2; exit 2 ;;
esac

started=$(date +%s)
bash scripts/build/build-windows.sh -t all

work=target/windows-test
mkdir -p "$work/x86_64" "$work/i686"

# The host, for both targets: static, so that wine needs no mingw runtime either.
for arch in x86_64 i686; do
    "$arch-w64-mingw32-gcc" -std=c11 -O1 -g -Wall -Wextra -Werror -static \
        -o "$work/$arch/host.exe" tests/windows-host/host.c
done
# No ProcessPrng stand-in next to the host any more (the pc targets' DLLs needed one, as wine
# 8 has no bcryptprimitives.dll): the win7 targets' std does not import it, and a DLL that
# did again would fail to load here.
rm -f "$work/x86_64/bcryptprimitives.dll"
cp target/x86_64-win7-windows-gnu/release/messenger.dll "$work/x86_64/messenger.dll"

# Headless wine: a console program needs no display; the prefix is made once and kept in
# target/. mscoree/mshtml disabled so that wine never asks for Mono or Gecko.
export WINEPREFIX=$PWD/$work/wineprefix WINEARCH=win64 WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
unset DISPLAY WAYLAND_DISPLAY
if [ ! -f "$WINEPREFIX/system.reg" ]; then
    echo "test-windows: creating the wine prefix" >&2
    timeout 300 wineboot --init >/dev/null 2>&1 || true
fi
echo "test-windows: wine host.exe messenger.dll (x86_64)" >&2
status=0
(cd "$work/x86_64" && timeout 300 wine host.exe messenger.dll 2>"$PWD/wine.stderr") | tr -d '\r' | tee "$work/x86_64/host.out" || status=$?
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$work/x86_64/host.out" || true)
if [ "$status" != 0 ] || [ -z "$summary" ] || ! grep -q ' 0 failed$' <<<"$summary"; then
    echo "test-windows: the wine host failed (exit $status); wine's stderr:" >&2
    tail -n 20 "$work/x86_64/wine.stderr" >&2 || true
    exit 1
fi

# A name lookup that hangs, then FreeLibrary while the lookup's thread still runs in the DLL: the
# DLL must have pinned itself (src/resident.rs), or the thread crashes the host when the lookup
# returns. The resolver is a silent DNS server on loopback (a UDP socket never read: no answer,
# no "port unreachable"), given to wine alone through its own mount namespace. Port 53: root.
dns_ip=127.53.0.2
rm -f "$work/dns.ready"
python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((sys.argv[1], 53))
open(sys.argv[2], "w").close(); time.sleep(600)' "$dns_ip" "$work/dns.ready" &
silent_dns=$!
trap 'kill $silent_dns 2>/dev/null || true' EXIT
for _ in $(seq 50); do [ -f "$work/dns.ready" ] && break; sleep 0.1; done
printf 'nameserver %s\noptions timeout:10 attempts:1\n' "$dns_ip" >"$work/resolv.conf"
echo "test-windows: wine host.exe messenger.dll dns-unload (a lookup that hangs, then FreeLibrary)" >&2
status=0
(cd "$work/x86_64" && timeout 120 unshare --mount --propagation private \
    sh -c 'mount --bind "$1" /etc/resolv.conf && shift && exec "$@"' sh "$PWD/../resolv.conf" \
    wine host.exe messenger.dll dns-unload xmpp.lookup-hangs.test 12 2>"$PWD/wine-dns.stderr") |
    tr -d '\r' | tee "$work/x86_64/host-dns.out" || status=$?
kill $silent_dns 2>/dev/null || true
dns_summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$work/x86_64/host-dns.out" || true)
if [ "$status" != 0 ] || [ -z "$dns_summary" ] || ! grep -q ' 0 failed$' <<<"$dns_summary"; then
    echo "test-windows: the wine host failed in dns-unload (exit $status); wine's stderr:" >&2
    tail -n 20 "$work/x86_64/wine-dns.stderr" >&2 || true
    exit 1
fi

size() { stat -c %s "$1"; }
echo "test-windows: sizes (limit: each library <= 5 MB, checked by tests/platforms.rs)"
for f in target/x86_64-win7-windows-gnu/release/messenger.dll target/i686-win7-windows-gnu/release/messenger.dll; do
    printf '  %-50s %9d bytes (%s MB)  %s\n' "$f" "$(size "$f")" \
        "$(awk -v b="$(size "$f")" 'BEGIN {printf "%.2f", b / 1000000}')" "$(file -b "$f" | cut -d, -f1)"
done
echo "test-windows: $summary, dns-unload $dns_summary (wine, x86_64); i686 built and checked statically; $(($(date +%s) - started)) s"
