#!/usr/bin/env bash
# Cross-builds the add-in for Windows on Debian 12: the DLLs 1C loads on 64-bit and 32-bit
# Windows clients and servers.
#
# Usage: scripts/build/build-windows.sh [-t x86_64|i686|all] [--no-install] [-h]
#   -t TARGET     which DLL to build (default: all = both)
#   --no-install  fail instead of installing missing Debian packages
#   -h            this text
# Output: target/x86_64-win7-windows-gnu/release/messenger.dll
#         target/i686-win7-windows-gnu/release/messenger.dll
# Each DLL is then checked: it may import system DLLs only (Windows ships no mingw runtime)
# and must export exactly the five Native API functions, undecorated.
#
# Targets: the *-win7-windows-gnu ones (tier 3), not *-pc-windows-gnu: since Rust 1.78 the std
# of the pc targets imports bcryptprimitives!ProcessPrng and WaitOnAddress, so it needs
# Windows 10; the win7 targets' std keeps Windows 7 SP1 / Server 2008 R2 code paths (and
# getrandom picks its Windows 7 backend there). Tier 3 has no prebuilt std anywhere, which
# changes nothing here: std is built from source either way (below). tests/platforms.rs checks
# the import tables against tests/platforms/windows7-sp1-exports.txt.
#
# Why this way: rustup here has the Linux target only and cannot download Windows std. Debian's
# own Rust (rustc-web, cargo-web) comes with the std sources (rust-web-src), so cargo's
# -Zbuild-std compiles std for the Windows target from source; mingw-w64 gcc links. Debian's
# cargo is stable, hence RUSTC_BOOTSTRAP=1 for the unstable -Zbuild-std.
#
# Keep the environment of these builds stable: any change (flags, linker, compiler) changes
# every fingerprint and rebuilds std and all dependencies (minutes). So this script fixes the
# whole environment itself and ignores the caller's RUSTFLAGS.
set -euo pipefail
cd "$(dirname "$0")/../.."

usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; }

targets=()
install=1
while [ $# -gt 0 ]; do
    case "$1" in
        -t | --target)
            [ $# -ge 2 ] || { usage >&2; exit 2; }
            case "$2" in
                x86_64 | x86_64-win7-windows-gnu) targets+=(x86_64-win7-windows-gnu) ;;
                i686 | i686-win7-windows-gnu) targets+=(i686-win7-windows-gnu) ;;
                all) targets+=(x86_64-win7-windows-gnu i686-win7-windows-gnu) ;;
                *) echo "build-windows: unknown target $2" >&2; exit 2 ;;
            esac
            shift
            ;;
        --no-install) install=0 ;;
        -h | --help) usage; exit 0 ;;
        *) echo "build-windows: unknown argument $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done
[ ${#targets[@]} -gt 0 ] || targets=(x86_64-win7-windows-gnu i686-win7-windows-gnu)

# ---- packages (scripts/deps/windows.apt) --------------------------------------------------
mapfile -t wanted < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' scripts/deps/windows.apt | grep -v '^$')
missing=()
for p in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    [ "$install" = 1 ] || { echo "build-windows: missing packages: ${missing[*]}" >&2; exit 1; }
    echo "build-windows: apt-get install ${missing[*]}" >&2
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# ---- toolchain: Debian's, never rustup's ----------------------------------------------------
# rustup's proxies come first on PATH and have no Windows std: call Debian's by full path.
CARGO=/usr/bin/cargo
export RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1
unset RUSTFLAGS CARGO_ENCODED_RUSTFLAGS CARGO_BUILD_RUSTFLAGS RUSTC_WRAPPER RUSTC_WORKSPACE_WRAPPER CARGO_BUILD_TARGET
std_src="$($RUSTC --print sysroot)/lib/rustlib/src/rust/library"
[ -f "$std_src/Cargo.lock" ] || { echo "build-windows: no std sources at $std_src (rust-web-src)" >&2; exit 1; }
rustc_version=$($RUSTC --version | awk '{print $2}')
case "$(readlink -f "$std_src")" in
    *"$rustc_version"*) ;;
    *) echo "build-windows: std sources $(readlink -f "$std_src") do not match rustc $rustc_version" >&2; exit 1 ;;
esac
echo "build-windows: $($RUSTC --version)" >&2

# Only Windows' own DLLs may be imported: 1C users install nothing next to the add-in. Not
# bcryptprimitives (ProcessPrng) nor the API sets (api-ms-win-core-synch-l1-2-0: WaitOnAddress):
# Windows 7 lacks them. Each function is checked against Windows 7 SP1's list by
# tests/platforms.rs.
system_dlls='^(kernel32|ntdll|advapi32|bcrypt|crypt32|ncrypt|secur32|ws2_32|userenv|ole32|oleaut32|shell32|user32|msvcrt)\.dll$'
exports_expected=$(printf '%s\n' DestroyObject GetAttachType GetClassNames GetClassObject SetPlatformCapabilities)

check_dll() {
    local dll=$1 prefix=$2 imports exports
    imports=$("$prefix-objdump" -p "$dll" | awk '/DLL Name:/ {print tolower($3)}' | sort -u)
    echo "build-windows: $dll imports: $(echo $imports)" >&2
    local bad
    bad=$(grep -Ev "$system_dlls" <<<"$imports" || true)
    if [ -n "$bad" ]; then
        echo "build-windows: $dll imports non-system DLLs: $(echo $bad)" >&2
        return 1
    fi
    # The export name table: "[   n] Name" lines after "[Ordinal/Name Pointer] Table".
    exports=$("$prefix-objdump" -p "$dll" |
        sed -n '/\[Ordinal\/Name Pointer\] Table/,/^$/p' | sed -n 's/^[[:space:]]*\[[[:space:]]*[0-9]*\][[:space:]]*//p' | sort)
    if [ "$exports" != "$exports_expected" ]; then
        echo "build-windows: $dll exports differ from the five Native API functions:" >&2
        diff <(echo "$exports_expected") <(echo "$exports") >&2 || true
        return 1
    fi
    echo "build-windows: $dll exports: $(echo $exports)" >&2
    # 32-bit unwinding (panic=unwind, catch_unwind at every entry) reads DWARF tables that
    # rsbegin.o registers; without them a caught panic would abort 1C instead.
    if [ "$prefix" = i686-w64-mingw32 ] && ! "$prefix-objdump" -h "$dll" | grep -Eq ' \.eh_fram(e)? '; then
        echo "build-windows: $dll has no .eh_frame: panics could not be caught" >&2
        return 1
    fi
}

for target in "${targets[@]}"; do
    case "$target" in
        x86_64-win7-windows-gnu) prefix=x86_64-w64-mingw32 ;;
        i686-win7-windows-gnu) prefix=i686-w64-mingw32 ;;
    esac
    upper=$(tr 'a-z-' 'A-Z_' <<<"$target")
    lower=$(tr '-' '_' <<<"$target")
    export "CARGO_TARGET_${upper}_LINKER=$prefix-gcc"
    # cc-rs compiles ring's C and assembly with these.
    export "CC_${lower}=$prefix-gcc" "AR_${lower}=$prefix-ar"
    rustflags=""

    if [ "$target" = i686-win7-windows-gnu ]; then
        # The i686 GNU target links rsbegin.o/rsend.o (they register the DWARF unwind tables
        # that panic=unwind and catch_unwind rely on). rustup's rust-std ships them, build-std
        # does not build them: compile them from the std sources with the same rustc, once, and
        # put them on the native search path, where rustc looks for them.
        rt=$PWD/target/windows-rtstartup/$target
        mkdir -p "$rt"
        for f in rsbegin rsend; do
            if [ ! -s "$rt/$f.o" ] || [ "$RUSTC" -nt "$rt/$f.o" ]; then
                $RUSTC --target "$target" --emit=obj -C opt-level=2 -o "$rt/$f.o" "$std_src/rtstartup/$f.rs"
            fi
        done
        rustflags="-L native=$rt"
    fi
    export "CARGO_TARGET_${upper}_RUSTFLAGS=$rustflags"

    echo "build-windows: cargo rustc --release --lib --crate-type cdylib --target $target -Zbuild-std" >&2
    start=$(date +%s)
    # Only the cdylib: with the rlib beside it (Cargo.toml's crate-type, for the tests and the
    # command-line tool) cargo does not apply the profile's `lto = true`, and on windows-gnu the
    # linker does not make up for it as it does on Linux: code the add-in never calls (all of
    # reqwest/hyper/tokio today) stayed in, 4.9 MB, and still 4.7 MB with -Z function-sections
    # (GNU ld for PE apparently keeps what the whole .pdata/.eh_frame refer to). With LTO (when the add-in had only the Native API core, before the network modules) it was
    # 0.8 MB; with every module, LTO and opt-level "s": 3.4 MB (x86_64), 3.2 MB (i686).
    # std + panic_abort: std brings panic_unwind itself (our profile unwinds, every FFI entry
    # catches); panic_abort is listed because build-std wants both runtimes available.
    $CARGO rustc --release --lib --crate-type cdylib --locked --target "$target" -Zbuild-std=std,panic_abort
    echo "build-windows: $target built in $(($(date +%s) - start)) s" >&2

    dll=target/$target/release/messenger.dll
    [ -f "$dll" ] || { echo "build-windows: $dll was not produced" >&2; exit 1; }
    check_dll "$dll" "$prefix"
    echo "build-windows: $dll $(stat -c %s "$dll") bytes" >&2
done
