#!/usr/bin/env bash
# Installs cargo-zigbuild (crates.io), which scripts/build/build-linux.sh uses to link the Linux
# libraries with zig against glibc 2.17's symbols. A fixed version, its own lock file: the
# build of what ships must not change because a new release came out. ~2 min of CPU, once.
set -euo pipefail
version=0.24.1
if command -v cargo-zigbuild >/dev/null && [ "$(cargo-zigbuild --version)" = "cargo-zigbuild $version" ]; then
    exit 0
fi
echo "install-cargo-zigbuild: cargo install --locked cargo-zigbuild $version" >&2
(unset RUSTC RUSTDOC CARGO RUSTC_BOOTSTRAP RUSTFLAGS CARGO_TARGET_DIR
    cargo install --locked --quiet cargo-zigbuild --version "$version")
