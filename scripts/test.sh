#!/usr/bin/env bash
# Runs every test: the Windows DLLs cross-built and their C host run under wine, the Linux
# libraries built (x86_64 and i686, glibc 2.17), then unit tests and the integration tests that
# load the shipped library through the C++ host and talk to real peers started by the tests
# themselves (tests/platforms.rs also in a Debian 11 root and in a 32-bit host). Release mode:
# that is what we ship (and RSA key generation is slow unoptimized). Arguments go to the Rust
# test binaries (a name filter).
#   MESSENGER_TEST_WINDOWS=0  leave the Windows part out (a quick local run; CI never does)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
if [ "${MESSENGER_TEST_WINDOWS:-1}" != 0 ]; then
    # Builds both DLLs (Windows 7 SP1 targets) and runs the x86_64 one under wine.
    bash scripts/test-windows.sh 2>&1 | tee -a "$log" || status=$?
    # All four libraries in the bundle, or bundle.sh fails (tests/platforms.rs checks each).
    export BUNDLE_RELEASE=1
fi
# The Linux libraries that ship (glibc 2.17 symbols), each built once: x86_64 and i686.
bash scripts/build-linux.sh -t all
# The command-line tool, and the cdylib linked by the system's ld that
# tests/platforms.rs uses as the negative case of its glibc check.
cargo build --release --lib --bins
bash scripts/bundle.sh >/dev/null
# The tests load the x86_64 library that ships (tests/common/mod.rs): the zig-linked LTO build
# of scripts/build-linux.sh, not the profile's own cdylib, so what is tested is what 1C gets and
# the library is not built a second time with other settings.
export MESSENGER_TEST_LIBRARY=$PWD/target/x86_64-unknown-linux-gnu/release/libmessenger.so
# --no-fail-fast: one failing test binary must not hide the results of the others.
cargo test --release --no-fail-fast -- "$@" 2>&1 | tee -a "$log" || status=$?
# cargo's own last line is the doc-test run's; add up every result instead (the wine host's
# "N passed, M failed" and each test binary's "test result:").
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($i ~ /^passed;?$/) p += $(i-1); if ($i ~ /^failed;?$/) f += $(i-1) } }
     /^[0-9]+ passed, [0-9]+ failed$/ { p += $1; f += $3 }
     END { printf "summary: %d passed, %d failed\n", p, f }' "$log"
exit "$status"
