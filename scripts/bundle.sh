#!/usr/bin/env bash
# Builds the add-in bundle 1C loads: target/bundle/Messenger.zip with MANIFEST.XML and the
# libraries, their file names carrying the version: Linux x86_64 always (built here, with
# LTO), Windows i386 and x86_64 from scripts/build-windows.sh.
#
# BUNDLE_WINDOWS=1  the Windows DLLs must be there and current (CI: scripts/test-windows.sh)
# BUNDLE_WINDOWS=0  Linux only
# unset             Windows included when both DLLs are built and newer than the sources,
#                   so the Linux-only developer flow keeps working
set -euo pipefail
cd "$(dirname "$0")/.."

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
file_version=${version//./_}
out=target/bundle
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

# Only the cdylib, as scripts/build-windows.sh does: with the rlib beside it (Cargo.toml's
# crate-type, for the tests and the command-line tool) cargo does not apply the profile's
# `lto = true`. The explicit --target gives it a directory of its own, so this build and the
# plain `cargo build --release --lib` (target/release/libmessenger.so, loaded by the tests)
# do not relink over each other.
linux_target=x86_64-unknown-linux-gnu
cargo rustc --release --lib --crate-type cdylib --target "$linux_target"
cp "target/$linux_target/release/libmessenger.so" "$stage/Messenger_Linux_x86_64_${file_version}.so"

win64=target/x86_64-pc-windows-gnu/release/messenger.dll
win32=target/i686-pc-windows-gnu/release/messenger.dll
# A DLL older than any source would put yesterday's code under today's version number.
windows_problem() {
    local dll stale
    for dll in "$win64" "$win32"; do
        [ -f "$dll" ] || { echo "$dll is missing (scripts/build-windows.sh)"; return; }
        stale=$(find src Cargo.toml Cargo.lock -newer "$dll" -print -quit)
        [ -z "$stale" ] || { echo "$dll is older than $stale (scripts/build-windows.sh)"; return; }
    done
}
problem=$(windows_problem)
case "${BUNDLE_WINDOWS:-}" in
    1) [ -z "$problem" ] || { echo "bundle: BUNDLE_WINDOWS=1 but $problem" >&2; exit 1; }; windows=1 ;;
    0) windows=0 ;;
    "") if [ -z "$problem" ]; then windows=1; else windows=0; echo "bundle: Linux only: $problem" >&2; fi ;;
    *) echo "bundle: BUNDLE_WINDOWS must be 1, 0 or unset" >&2; exit 2 ;;
esac

if [ "$windows" = 1 ]; then
    cp "$win64" "$stage/Messenger_Windows_x86_64_${file_version}.dll"
    cp "$win32" "$stage/Messenger_Windows_i386_${file_version}.dll"
    sed "s/@VERSION@/${file_version}/g" manifest/MANIFEST.XML > "$stage/MANIFEST.XML"
else
    sed -e "s/@VERSION@/${file_version}/g" -e '/<component os="Windows"/d' manifest/MANIFEST.XML > "$stage/MANIFEST.XML"
fi

# Every file MANIFEST.XML names must be in the ZIP, and nothing else.
files=()
for path in $(sed -n 's/.*path="\([^"]*\)".*/\1/p' "$stage/MANIFEST.XML"); do
    [ -f "$stage/$path" ] || { echo "bundle: MANIFEST.XML names $path, which was not built" >&2; exit 1; }
    files+=("$path")
done

mkdir -p "$out"
rm -f "$out/Messenger.zip"
(cd "$stage" && zip -q -X -9 "$OLDPWD/$out/Messenger.zip" MANIFEST.XML "${files[@]}")
echo "bundle: $out/Messenger.zip"
unzip -l "$out/Messenger.zip"
