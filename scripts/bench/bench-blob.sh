#!/usr/bin/env bash
# How many copies of a ДвоичныеДанные argument the library makes (issue 14: a 50 MB BLOB
# through the C ABI copied no more than once). The C++ host (tests/host/host.cpp, as 1C loads
# the add-in) sends a BLOB with SendTelegramFile to the local Bot API stand-in and prints its
# resident memory just before the call and its peak during the call (--peak: the peak is reset
# through /proc/self/clear_refs right before, so the host's own buffers do not hide it). The
# growth during the call, less that of a tiny BLOB (runtime, TLS, buffers), divided by the BLOB's
# size is the number of copies the library held at once: about 1 = the one copy out of the
# platform's block. /usr/bin/time's peak of the whole process is printed too (the host itself
# holds two copies of the BLOB: the file it read and the argument). Everything stays on
# 127.0.0.1. Not a test: one run each, figures vary with the machine.
#
#   bash scripts/bench/bench-blob.sh [MB]      BLOB size in MiB (default 50)
# Keep MB large (50): at 20 the copy went into memory the host had just freed, RSS did not grow
# and the script printed 0.00 copies (measured); a figure under 1 means that, not no copy.
set -euo pipefail
cd "$(dirname "$0")/../.."
MB=${1:-50}

cargo build --release --lib -q
LIB=target/release/libmessenger.so
HOST=target/release/messenger-bench-host
g++ -std=c++17 -O2 -o "$HOST" tests/host/host.cpp -ldl
STANDIN_LOG=api.log
source scripts/bench/telegram-standin.sh

head -c 1024 /dev/urandom > "$WORK/tiny.bin"
head -c $(( MB * 1024 * 1024 )) /dev/urandom > "$WORK/big.bin"

send() { # file -> "size rss_before_kib peak_during_kib whole_process_peak_kib"
    /usr/bin/time -f "%M" -o "$WORK/time" "$HOST" "$LIB" call --peak \
        --set "TelegramApiUrl=s:https://127.0.0.1:$PORT" --set "TrustedCertificates=S:@$WORK/api.pem" \
        --set "Timeout=n:300" \
        SendTelegramFile s:123456:AAbenchBlob s:42 "X:@$1" s:blob.bin > "$WORK/out" 2> "$WORK/err" || {
        echo "the host failed:" >&2; cat "$WORK/out" "$WORK/err" >&2; exit 1; }
    python3 - "$1" "$WORK/out" "$(cat "$WORK/time")" <<'PY'
import hashlib, json, sys
data = open(sys.argv[1], "rb").read()
line = json.loads(open(sys.argv[2]).read().strip().splitlines()[-1])
sent = json.loads(line["value"])["document"]
if sent["sha256"] != hashlib.sha256(data).hexdigest() or not line["memory_balanced"]:
    sys.exit(f"the stand-in got other bytes, or the memory manager is unbalanced: {line}")
print(len(data), line["rss_before_kib"], line["peak_during_kib"], sys.argv[3])
PY
}

read -r T_SIZE T_BEFORE T_PEAK T_WHOLE < <(send "$WORK/tiny.bin")
read -r B_SIZE B_BEFORE B_PEAK B_WHOLE < <(send "$WORK/big.bin")
python3 - "$T_SIZE" "$T_BEFORE" "$T_PEAK" "$T_WHOLE" "$B_SIZE" "$B_BEFORE" "$B_PEAK" "$B_WHOLE" <<'PY'
import sys
ts, tb, tp, tw, bs, bb, bp, bw = map(int, sys.argv[1:])
mib = lambda kib: kib / 1024
print("SendTelegramFile with a BLOB through the C++ host to the stand-in on 127.0.0.1, one run each")
print(f"{'BLOB bytes':>12} {'RSS before MiB':>15} {'peak in call MiB':>17} {'growth MiB':>11} {'host peak MiB':>14}")
for s, b, p, w in ((ts, tb, tp, tw), (bs, bb, bp, bw)):
    print(f"{s:12} {mib(b):15.1f} {mib(p):17.1f} {mib(p - b):11.1f} {mib(w):14.1f}")
copies = ((bp - bb) - (tp - tb)) * 1024 / bs
print(f"copies held by the library during the call: {copies:.2f} (growth above the tiny BLOB's / size); goal: about 1")
PY
