#!/usr/bin/env bash
# The one command that builds what ships: all four libraries and target/bundle/Messenger.zip
# with them (the ZIP the 1C extension's template holds; scripts/extension.sh puts it there).
#
#   bash scripts/build-release.sh
#
# Linux x86_64 and i686 (scripts/build/build-linux.sh: glibc 2.17 symbols, needs only glibc and
# libgcc_s), Windows x86_64 and i386 (scripts/build/build-windows.sh: Windows 7 SP1 / Server 2008 R2
# and later), then scripts/build/bundle.sh with BUNDLE_RELEASE=1, which fails unless all four are
# there and current. The static checks of the result (symbol versions, imports, sizes) are
# tests/platforms.rs: cargo test --profile release-tests --test platforms static.
# Packages: scripts/install-deps.sh (scripts/deps/*.apt, *.pip) must have run.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
bash scripts/build/build-linux.sh -t all
bash scripts/build/build-windows.sh -t all
BUNDLE_RELEASE=1 bash scripts/build/bundle.sh
echo "build-release: target/bundle/Messenger.zip, $(stat -c %s target/bundle/Messenger.zip) bytes, $(($(date +%s) - started)) s"
