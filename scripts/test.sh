#!/usr/bin/env bash
# Runs every test: the Windows DLLs cross-built and their C host run under wine, then unit
# tests and the integration tests that load the built library through the C++ host and talk
# to real peers started by the tests themselves. Release mode: that is what we ship (and RSA
# key generation is slow unoptimized). Arguments go to the Rust test binaries (a name filter).
#   MESSENGER_TEST_WINDOWS=0  leave the Windows part out (a quick local run; CI never does)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
if [ "${MESSENGER_TEST_WINDOWS:-1}" != 0 ]; then
    # Builds both DLLs, runs the wine host, and bundles them (BUNDLE_WINDOWS=1).
    bash scripts/test-windows.sh 2>&1 | tee -a "$log" || status=$?
    export BUNDLE_WINDOWS=1
fi
# The cdylib, the command-line tool and the ZIP must exist before the tests that load them.
cargo build --release --lib --bins
bash scripts/bundle.sh >/dev/null
cargo test --release -- "$@" 2>&1 | tee -a "$log" || status=$?
# cargo's own last line is the doc-test run's; add up every result instead (the wine host's
# "N passed, M failed" and each test binary's "test result:").
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($i ~ /^passed;?$/) p += $(i-1); if ($i ~ /^failed;?$/) f += $(i-1) } }
     /^[0-9]+ passed, [0-9]+ failed$/ { p += $1; f += $3 }
     END { printf "summary: %d passed, %d failed\n", p, f }' "$log"
exit "$status"
