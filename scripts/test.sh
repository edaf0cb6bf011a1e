#!/usr/bin/env bash
# Runs every test: unit tests, and the integration tests that load the built library through
# the C++ host and talk to real peers started by the tests themselves. Release mode, because
# that is the library we ship (and RSA key generation is slow unoptimized).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
# The cdylib, the command-line tool and the ZIP must exist before the tests that load them.
cargo build --release --lib --bins
bash scripts/bundle.sh >/dev/null
cargo test --release -- "$@"
