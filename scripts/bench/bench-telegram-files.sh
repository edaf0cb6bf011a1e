#!/usr/bin/env bash
# A 20 MB upload and download through the library (the `messenger telegram` command line, which
# runs the same code as the add-in: send-file streams the path, download writes as it reads)
# against curl to the same local Bot API stand-in. Prints, from one run each, peak RSS against
# the file size, then the time of RUNS interleaved pairs (A = ours, B = curl, after a warm-up;
# scripts/bench/pairs.py): a single cold pair mostly measures who ran first against a
# just-started stand-in.
# Goal (issue 14): within 1.2x curl's time; peak memory below 2x the file size.
# Everything stays on 127.0.0.1. Not a test: figures vary with the machine's load.
#
#   bash scripts/bench/bench-telegram-files.sh [MB]      file size in MiB (default 20); RUNS=7
set -euo pipefail
cd "$(dirname "$0")/../.."
MB=${1:-20}
RUNS=${RUNS:-7}

STANDIN_LOG=api.log STANDIN_TIMEOUT=120
source scripts/bench/telegram-standin.sh
export TELEGRAM_BOT_TOKEN="123456:AAbenchFiles"

head -c $(( MB * 1024 * 1024 )) /dev/urandom > "$WORK/payload.bin"
SIZE=$(stat -c %s "$WORK/payload.bin")

measure() { # label command... ; prints "seconds peak_kb" of the command
    /usr/bin/time -f "%e %M" -o "$WORK/time" "$@" > "$WORK/out" 2> "$WORK/err" || {
        echo "$1 failed:" >&2; cat "$WORK/err" >&2; exit 1; }
    cat "$WORK/time"
}

read -r UP_OURS_S UP_OURS_KB < <(measure "$BIN" telegram "${COMMON[@]}" send-file 42 "$WORK/payload.bin")
FILE_ID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["document"]["file_id"])' "$WORK/out")
read -r UP_CURL_S UP_CURL_KB < <(measure curl -sS --cacert "$WORK/api.pem" -F chat_id=42 \
    -F "document=@$WORK/payload.bin" "$BASE/bot$TELEGRAM_BOT_TOKEN/sendDocument")

read -r DOWN_OURS_S DOWN_OURS_KB < <(measure "$BIN" telegram "${COMMON[@]}" download "$FILE_ID" --out "$WORK/ours.bin")
# curl makes the same two requests: getFile, then the file.
cat > "$WORK/curl-download.sh" <<SH
set -e
P=\$(curl -sS --cacert "$WORK/api.pem" -H 'Content-Type: application/json' \
    -d '{"file_id":"$FILE_ID"}' "$BASE/bot$TELEGRAM_BOT_TOKEN/getFile" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["file_path"])')
curl -sS --cacert "$WORK/api.pem" -o "$WORK/curl.bin" "$BASE/file/bot$TELEGRAM_BOT_TOKEN/\$P"
SH
read -r DOWN_CURL_S DOWN_CURL_KB < <(measure bash "$WORK/curl-download.sh")
cmp -s "$WORK/ours.bin" "$WORK/payload.bin" || { echo "our download differs" >&2; exit 1; }
cmp -s "$WORK/curl.bin" "$WORK/payload.bin" || { echo "curl's download differs" >&2; exit 1; }

python3 - "$SIZE" "$UP_OURS_S" "$UP_OURS_KB" "$UP_CURL_S" "$UP_CURL_KB" \
    "$DOWN_OURS_S" "$DOWN_OURS_KB" "$DOWN_CURL_S" "$DOWN_CURL_KB" <<'PY'
import sys
size = int(sys.argv[1])
uo, uok, uc, uck, do, dok, dc, dck = map(float, sys.argv[2:])
mb = size / 1048576
print(f"file: {size} bytes ({mb:.0f} MiB), stand-in on 127.0.0.1, one cold run each")
print(f"{'':10} {'ours s':>8} {'curl s':>8} {'time x':>7} {'ours RSS MB':>12} {'curl RSS MB':>12} {'RSS/size':>9}")
for name, o, c, ok, ck in (("upload", uo, uc, uok, uck), ("download", do, dc, dok, dck)):
    print(f"{name:10} {o:8.2f} {c:8.2f} {o / max(c, 0.01):7.2f} {ok / 1024:12.1f} {ck / 1024:12.1f} "
          f"{ok * 1024 / size:9.2f}")
print("goal: RSS/size < 2 (time: the pairs below)")
PY
echo "upload, $RUNS interleaved pairs (A = ours, B = curl; goal: A/B wall <= 1.2):"
python3 scripts/bench/pairs.py "$RUNS" \
    "$(printf '%q ' "$BIN" telegram "${COMMON[@]}" send-file 42 "$WORK/payload.bin")" \
    "$(printf '%q ' curl -sS --cacert "$WORK/api.pem" -F chat_id=42 -F "document=@$WORK/payload.bin" \
        "$BASE/bot$TELEGRAM_BOT_TOKEN/sendDocument")"
echo "download, $RUNS interleaved pairs (A = ours, B = curl's getFile and GET):"
python3 scripts/bench/pairs.py "$RUNS" \
    "$(printf '%q ' "$BIN" telegram "${COMMON[@]}" download "$FILE_ID" --out "$WORK/ours.bin")" \
    "bash $WORK/curl-download.sh"
