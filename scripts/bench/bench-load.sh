#!/usr/bin/env bash
# What shipping costs: the size of each library and of the ZIP against the limits (each library
# <= 5 MB, the ZIP of four <= 10 MB; MB = 1,000,000 bytes; issue 12), and the load time of the Linux library as
# 1C pays it: dlopen to the first successful call (GetClassObject, Init, setMemManager, ...,
# a read of Version), against libssl.so.3 loaded and first used (SSL_CTX_new) in the same run.
#
#   bash scripts/bench/bench-load.sh [RUNS] [PEER]     (default 50 runs; PEER default libssl.so.3)
#
# Each load happens in a fresh forked process (tests/host/host.cpp, mode `load`); the two
# libraries alternate run by run, so whatever else loads the machine hurts both alike. Medians
# are compared. The library measured is the one the ZIP ships (scripts/build/bundle.sh builds it);
# the Windows DLLs and the ZIP are only measured when they have been built.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-50}
peer=${2:-libssl.so.3}

# The library that ships (glibc 2.17 symbols, zig as linker): built by scripts/build/build-linux.sh,
# never by a plain cargo call here, which would relink it over that one with the system's ld.
bash scripts/build/build-linux.sh -t x86_64 2>/dev/null
lib=target/x86_64-unknown-linux-gnu/release/libmessenger.so
host=target/release/messenger-load-host
g++ -std=c++17 -O2 -o "$host" tests/host/host.cpp -ldl

echo "bench-load: sizes (limit: each library <= 5 MB, ZIP <= 10 MB)"
size_line() {
    local f=$1 goal=$2 bytes verdict
    if [ ! -f "$f" ]; then
        printf '  %-55s not built\n' "$f"
        return
    fi
    bytes=$(stat -c %s "$f")
    if [ "$bytes" -le "$goal" ]; then verdict=met; else verdict="NOT met"; fi
    printf '  %-55s %9d bytes  %5.2f MB  goal <= %d MB: %s\n' "$f" "$bytes" \
        "$(awk -v b="$bytes" 'BEGIN {print b / 1000000}')" $((goal / 1000000)) "$verdict"
}
size_line "$lib" 5000000
size_line target/i686-unknown-linux-gnu/release/libmessenger.so 5000000
size_line target/x86_64-win7-windows-gnu/release/messenger.dll 5000000
size_line target/i686-win7-windows-gnu/release/messenger.dll 5000000
size_line target/bundle/Messenger.zip 10000000

echo "bench-load: $runs loads each, alternating, each in a fresh process; $(nproc) cores"
"$host" "$lib" load "$runs" "$peer"
