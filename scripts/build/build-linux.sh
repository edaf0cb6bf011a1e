#!/usr/bin/env bash
# Builds the Linux libraries that ship: x86_64 and i686 (1C's 64-bit and 32-bit Linux client
# and server), each linked so that it loads on glibc 2.17 and later (CentOS / RHEL 7, Astra
# Linux, RED OS, ALT, Debian 10+, Ubuntu 18.04+) and needs nothing beyond glibc and libgcc_s.
#
# Usage: scripts/build/build-linux.sh [-t x86_64|i686|all] [-h]
#   -t TARGET  which library to build (default: all = both)
# Output: target/x86_64-unknown-linux-gnu/release/libmessenger.so
#         target/i686-unknown-linux-gnu/release/libmessenger.so
# After each build the script prints the highest GLIBC_ symbol version and the NEEDED entries;
# tests/platforms.rs checks them (and the sizes) on the bundle's copies.
#
# Why zig: a library linked by the system's gcc/ld binds every glibc symbol to the newest
# version of the build machine (pthread_create@GLIBC_2.34 on Debian 12), and then refuses to
# load on anything older. zig ships stub libraries for each glibc version; `zig cc -target
# x86_64-linux-gnu.2.17` links against 2.17's symbol set, so the result is what a CentOS 7
# build machine would make, without one. cargo-zigbuild (crates.io) passes zig to cargo as
# linker and C compiler (ring's C and assembly) and fixes the flags rustc gives that zig does
# not take; zig itself comes from PyPI (ziglang). Both are installed by scripts/install-deps.sh
# (scripts/deps/platforms.pip) and scripts/deps/install-cargo-zigbuild.sh.
#
# Toolchains: x86_64 uses rustup's stable toolchain with its prebuilt std (rustup's Linux std
# is itself built against glibc 2.17; it refers to newer functions only weakly, looked up at
# run time). i686: rustup cannot download that std here, so Debian's rustc-web with its std
# sources builds std from source (-Zbuild-std, RUSTC_BOOTSTRAP=1), as scripts/build/build-windows.sh
# does for Windows.
#
# Keep the environment of these builds stable: a changed linker, compiler or flag changes every
# fingerprint and rebuilds all dependencies. So the script fixes the environment itself.
set -euo pipefail
cd "$(dirname "$0")/../.."

usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; }

targets=()
while [ $# -gt 0 ]; do
    case "$1" in
        -t | --target)
            [ $# -ge 2 ] || { usage >&2; exit 2; }
            case "$2" in
                x86_64 | x86_64-unknown-linux-gnu) targets+=(x86_64-unknown-linux-gnu) ;;
                i686 | i686-unknown-linux-gnu) targets+=(i686-unknown-linux-gnu) ;;
                all) targets+=(x86_64-unknown-linux-gnu i686-unknown-linux-gnu) ;;
                *) echo "build-linux: unknown target $2" >&2; exit 2 ;;
            esac
            shift
            ;;
        -h | --help) usage; exit 0 ;;
        *) echo "build-linux: unknown argument $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done
[ ${#targets[@]} -gt 0 ] || targets=(x86_64-unknown-linux-gnu i686-unknown-linux-gnu)

# glibc 2.17: the oldest Rust supports (its *-linux-gnu targets' documented floor), that of
# CentOS / RHEL 7, the oldest system 1C servers still commonly run on.
glibc=2.17

command -v cargo-zigbuild >/dev/null || bash scripts/deps/install-cargo-zigbuild.sh
python3 -m ziglang version >/dev/null 2>&1 || command -v zig >/dev/null ||
    { echo "build-linux: no zig (python3 -m pip install ziglang; scripts/deps/platforms.pip)" >&2; exit 1; }

unset RUSTFLAGS CARGO_ENCODED_RUSTFLAGS CARGO_BUILD_RUSTFLAGS RUSTC_WRAPPER RUSTC_WORKSPACE_WRAPPER CARGO_BUILD_TARGET

for target in "${targets[@]}"; do
    start=$(date +%s)
    case "$target" in
        x86_64-unknown-linux-gnu)
            # Only the cdylib: with the rlib beside it (Cargo.toml's crate-type, for the tests
            # and the command-line tool) cargo does not apply the profile's `lto = true`.
            echo "build-linux: cargo zigbuild (rustc) --release --lib --crate-type cdylib --target $target.$glibc" >&2
            (unset RUSTC RUSTDOC CARGO RUSTC_BOOTSTRAP
                cargo-zigbuild rustc --release --lib --crate-type cdylib --locked --target "$target.$glibc")
            ;;
        i686-unknown-linux-gnu)
            std_src="$(/usr/bin/rustc --print sysroot)/lib/rustlib/src/rust/library"
            [ -f "$std_src/Cargo.lock" ] || { echo "build-linux: no std sources at $std_src (rust-web-src)" >&2; exit 1; }
            echo "build-linux: $(/usr/bin/rustc --version); cargo zigbuild (rustc) --release --lib --crate-type cdylib --target $target.$glibc -Zbuild-std" >&2
            # cargo-zigbuild runs the cargo named by CARGO; Debian's, by full path (rustup's
            # proxies come first on PATH and have no i686 std, no std sources).
            CARGO=/usr/bin/cargo RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1 \
                cargo-zigbuild rustc --release --lib --crate-type cdylib --locked --target "$target.$glibc" \
                -Zbuild-std=std,panic_abort
            ;;
    esac
    lib=target/$target/release/libmessenger.so
    [ -f "$lib" ] || { echo "build-linux: $lib was not produced" >&2; exit 1; }
    max=$(objdump -T "$lib" | grep -o 'GLIBC_[0-9.]*' | sort -u -V | tail -n 1)
    needed=$(objdump -p "$lib" | awk '/NEEDED/ {print $2}' | tr '\n' ' ')
    echo "build-linux: $target built in $(($(date +%s) - start)) s: $lib $(stat -c %s "$lib") bytes, highest symbol version $max, NEEDED $needed" >&2
done
