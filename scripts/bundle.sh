#!/usr/bin/env bash
# Builds the add-in bundle 1C loads: target/bundle/Messenger.zip with MANIFEST.XML and the
# libraries, their file names carrying the version. Today: Linux x86_64 (the Windows builds
# come with their own script).
set -euo pipefail
cd "$(dirname "$0")/.."

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
file_version=${version//./_}
out=target/bundle
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

cargo build --release --lib
cp target/release/libmessenger.so "$stage/Messenger_Linux_x86_64_${file_version}.so"
sed "s/@VERSION@/${file_version}/g" manifest/MANIFEST.XML > "$stage/MANIFEST.XML"

# Every file MANIFEST.XML names must be in the ZIP, and nothing else.
for path in $(sed -n 's/.*path="\([^"]*\)".*/\1/p' "$stage/MANIFEST.XML"); do
    [ -f "$stage/$path" ] || { echo "bundle: MANIFEST.XML names $path, which was not built" >&2; exit 1; }
done

mkdir -p "$out"
rm -f "$out/Messenger.zip"
(cd "$stage" && zip -q -X -9 "$OLDPWD/$out/Messenger.zip" MANIFEST.XML ./*.so)
echo "bundle: $out/Messenger.zip"
unzip -l "$out/Messenger.zip"
