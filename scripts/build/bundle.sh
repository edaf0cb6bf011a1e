#!/usr/bin/env bash
# Packs the add-in bundle 1C loads: target/bundle/Messenger.zip with MANIFEST.XML and the
# libraries, their file names carrying the version. The release bundle holds four: Windows
# i386 and x86_64 (scripts/build/build-windows.sh), Linux i386 and x86_64
# (scripts/build/build-linux.sh); scripts/build-release.sh is the one command that builds all
# four and packs them.
#
# The Linux x86_64 library is always there: this script builds it (scripts/build/build-linux.sh
# -t x86_64, glibc 2.17 symbols; a no-op when it is current), so the demo keeps a quick
# Linux-only path.
#
# BUNDLE_RELEASE=1  all four must be built and current, or the script fails (CI, the release)
# BUNDLE_RELEASE=0  Linux x86_64 only
# unset             Linux x86_64, plus each of the other three that is built and newer than
#                   the sources (a developer who built only some of them)
set -euo pipefail
cd "$(dirname "$0")/../.."

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
file_version=${version//./_}
out=target/bundle
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

case "${BUNDLE_RELEASE:-}" in
    1 | 0 | "") ;;
    *) echo "bundle: BUNDLE_RELEASE must be 1, 0 or unset" >&2; exit 2 ;;
esac

bash scripts/build/build-linux.sh -t x86_64

# os arch (as MANIFEST.XML names them), the built file, the name in the ZIP.
components=(
    "Windows i386 target/i686-win7-windows-gnu/release/messenger.dll Messenger_Windows_i386_${file_version}.dll"
    "Windows x86_64 target/x86_64-win7-windows-gnu/release/messenger.dll Messenger_Windows_x86_64_${file_version}.dll"
    "Linux i386 target/i686-unknown-linux-gnu/release/libmessenger.so Messenger_Linux_i386_${file_version}.so"
    "Linux x86_64 target/x86_64-unknown-linux-gnu/release/libmessenger.so Messenger_Linux_x86_64_${file_version}.so"
)

# A library older than any source would put yesterday's code under today's version number.
problem() {
    [ -f "$1" ] || { echo "$1 is missing"; return; }
    local stale
    stale=$(find src Cargo.toml Cargo.lock -newer "$1" -print -quit)
    [ -z "$stale" ] || echo "$1 is older than $stale"
}

sed "s/@VERSION@/${file_version}/g" manifest/MANIFEST.XML >"$stage/MANIFEST.XML"
files=()
for c in "${components[@]}"; do
    read -r os arch built name <<<"$c"
    why=$(problem "$built")
    include=1
    if [ "$os $arch" != "Linux x86_64" ]; then
        case "${BUNDLE_RELEASE:-}" in
            1) [ -z "$why" ] || { echo "bundle: BUNDLE_RELEASE=1 but $why (scripts/build-release.sh builds all four)" >&2; exit 1; } ;;
            0) include=0 ;;
            "") [ -z "$why" ] || { include=0; echo "bundle: without $os $arch: $why" >&2; } ;;
        esac
    elif [ -n "$why" ]; then
        echo "bundle: $why" >&2
        exit 1
    fi
    if [ "$include" = 1 ]; then
        cp "$built" "$stage/$name"
        files+=("$name")
    else
        sed -i "/path=\"$name\"/d" "$stage/MANIFEST.XML"
    fi
done

# Every file MANIFEST.XML names must be in the ZIP, and nothing else.
named=$(sed -n 's/.*path="\([^"]*\)".*/\1/p' "$stage/MANIFEST.XML" | sort)
[ "$named" = "$(printf '%s\n' "${files[@]}" | sort)" ] ||
    { echo "bundle: MANIFEST.XML names [$(echo $named)], built [${files[*]}]" >&2; exit 1; }

mkdir -p "$out"
rm -f "$out/Messenger.zip"
(cd "$stage" && zip -q -X -9 "$OLDPWD/$out/Messenger.zip" MANIFEST.XML "${files[@]}")
echo "bundle: $out/Messenger.zip"
unzip -l "$out/Messenger.zip"
