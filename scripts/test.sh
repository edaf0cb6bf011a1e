#!/usr/bin/env bash
# Runs every test: the Windows DLLs cross-built and their C host run under wine, the Linux
# libraries built (x86_64 and i686, glibc 2.17), then unit tests and the integration tests that
# load the shipped library through the C++ host and talk to real peers started by the tests
# themselves (tests/platforms.rs also in a Debian 11 root and in a 32-bit host). Arguments go to
# the Rust test binaries (a name filter).
#   MESSENGER_TEST_WINDOWS=0  leave the Windows part out (a quick local run; CI never does)
#
# What is built where (docs/dev/building.md): each shipped library once, in target/<target>/release/
# (release profile, LTO); the test binaries and the command-line tool once, in
# target/release-tests/ (Cargo.toml's release-tests profile: the release optimization levels
# without LTO, which cost 20-75 s per test binary). The tests load the shipped x86_64 library.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh

log=$(mktemp)
tests_build=$(mktemp)
builder=""
trap '[ -z "$builder" ] || kill "$builder" 2>/dev/null || true; rm -f "$log" "$tests_build"' EXIT
status=0

# The tests' build runs beside the library builds below: it takes no lock they take (cargo locks
# target/release-tests/ for it, target/release/ and target/<target>/release/ for them), and each
# library build ends in a long single-threaded LTO that leaves the second core idle. Its output
# is shown when it is waited for.
cargo test --profile release-tests --no-fail-fast --no-run >"$tests_build" 2>&1 &
builder=$!
if [ "${MESSENGER_TEST_WINDOWS:-1}" != 0 ]; then
    # Builds both DLLs (Windows 7 SP1 targets) and runs the x86_64 one under wine.
    bash scripts/test/test-windows.sh 2>&1 | tee -a "$log" || status=$?
    # All four libraries in the bundle, or bundle.sh fails (tests/platforms.rs checks each).
    export BUNDLE_RELEASE=1
fi
# The Linux libraries that ship (glibc 2.17 symbols), each built once: x86_64 and i686.
bash scripts/build/build-linux.sh -t all
bash scripts/build/bundle.sh >/dev/null
# The tests load the x86_64 library that ships (tests/support/mod.rs): the zig-linked LTO build
# of scripts/build/build-linux.sh, not the test profile's own cdylib, so what is tested is what 1C
# gets and the library is not built a second time with other settings.
export MESSENGER_TEST_LIBRARY=$PWD/target/x86_64-unknown-linux-gnu/release/libmessenger.so
wait "$builder" || true
builder=""
cat "$tests_build"
# --no-fail-fast: one failing test binary must not hide the results of the others. A failed
# build above fails here again, with its errors.
cargo test --profile release-tests --no-fail-fast -- "$@" 2>&1 | tee -a "$log" || status=$?
# cargo's own last line is the doc-test run's; add up every result instead (the wine host's
# "N passed, M failed" and each test binary's "test result:").
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($i ~ /^passed;?$/) p += $(i-1); if ($i ~ /^failed;?$/) f += $(i-1) } }
     /^[0-9]+ passed, [0-9]+ failed$/ { p += $1; f += $3 }
     END { printf "summary: %d passed, %d failed\n", p, f }' "$log"
exit "$status"
