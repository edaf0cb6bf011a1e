#!/usr/bin/env bash
# Runs every test: unit tests, and the integration tests that load the built library through
# the C++ host and talk to real peers started by the tests themselves. Release mode, because
# that is the library we ship (and RSA key generation is slow unoptimized).
# Arguments are passed to the test binaries (e.g. a test name filter).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
# The cdylib, the command-line tool and the ZIP must exist before the tests that load them.
cargo build --release --lib --bins
bash scripts/bundle.sh >/dev/null

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
cargo test --release -- "$@" 2>&1 | tee "$log" || status=$?
# cargo's own last line is the doc-test run's; add up every test binary's result instead.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($i ~ /^passed;?$/) p += $(i-1); if ($i ~ /^failed;?$/) f += $(i-1) } }
     END { printf "summary: %d passed, %d failed\n", p, f }' "$log"
exit "$status"
