#!/usr/bin/env bash
# The cost of crossing the Native API boundary, measured through the C++ host as 1C calls:
# time per property read and per method call over N calls, the memory manager's balance,
# and the host's resident memory before and after. Not a test: numbers to compare over time.
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-100000}
cargo build --release --lib >/dev/null 2>&1
host=target/release/messenger-bench-host
g++ -std=c++17 -O2 -o "$host" tests/host/host.cpp -ldl
echo "# $n calls each, release build, $(nproc) cores"
MESSENGER_TEST_PROBES=1 "$host" target/release/libmessenger.so bench "$n"
