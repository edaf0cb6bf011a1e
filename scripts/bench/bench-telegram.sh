#!/usr/bin/env bash
# Per-call overhead of SetWebhook and SendTelegram against the local Bot API stand-in, in one
# run, next to the same requests made by curl (a process per call) and by python-telegram-bot
# (in one process, pointed at the stand-in's base URL). Prints the figures and the ratios.
# Everything stays on 127.0.0.1. Not a test: figures vary with the machine and its load.
#
#   bash scripts/bench/bench-telegram.sh [N]     N calls per in-process series (default 300);
#                                                process-per-call series use N/5.
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-300}
P=$(( N / 5 ))
[ "$P" -ge 1 ] || P=1

# The stand-in; a webhook certificate for an address where nothing listens: deliveries fail
# fast and do not slow the stand-in.
source scripts/bench/telegram-standin.sh
HOOK_IP=127.0.0.9
openssl req -newkey rsa:2048 -sha256 -nodes -x509 -days 2 -keyout "$WORK/hook.key" -out "$WORK/hook.pem" \
    -subj "/CN=$HOOK_IP" -addext "subjectAltName=IP:$HOOK_IP" 2>/dev/null
export TELEGRAM_BOT_TOKEN="123456:AAbenchToken"
HOOK_URL="https://tg:pw@$HOOK_IP:8443/base/hs/bot/update"

us_per_call() { # command... ; runs it P times, prints microseconds per run
    local start end
    start=$(date +%s%N)
    for _ in $(seq "$P"); do "$@" > /dev/null; done
    end=$(date +%s%N)
    echo $(( (end - start) / 1000 / P ))
}

ours_inproc() { # subcommand args...
    "$BIN" telegram "${COMMON[@]}" --repeat "$N" "$@" 2>&1 >/dev/null | awk '/per call/ {print $3}'
}

echo "Bot API stand-in at $BASE; in-process series: $N calls, process-per-call series: $P calls"

SEND_IN=$(ours_inproc send 42 "bench text")
HOOK_IN=$(ours_inproc set-webhook "$HOOK_URL" --certificate "$WORK/hook.pem")
SEND_PROC=$(us_per_call "$BIN" telegram "${COMMON[@]}" send 42 "bench text")
HOOK_PROC=$(us_per_call "$BIN" telegram "${COMMON[@]}" set-webhook "$HOOK_URL" --certificate "$WORK/hook.pem")
CURL_SEND=$(us_per_call curl -s --cacert "$WORK/api.pem" -H 'Content-Type: application/json' \
    -d '{"chat_id":42,"text":"bench text"}' "$BASE/bot$TELEGRAM_BOT_TOKEN/sendMessage")
CURL_HOOK=$(us_per_call curl -s --cacert "$WORK/api.pem" -F "url=$HOOK_URL" \
    -F "certificate=@$WORK/hook.pem;filename=cert.pem" "$BASE/bot$TELEGRAM_BOT_TOKEN/setWebhook")

PTB=$(python3 - "$BASE" "$WORK/api.pem" "$WORK/hook.pem" "$HOOK_URL" "$N" <<'PY' 2>&1 || true
import asyncio, ssl, sys, time
base, ca, hook_cert, hook_url, n = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
try:
    import telegram
    from telegram.request import HTTPXRequest
except ImportError:
    print("missing missing")
    sys.exit(0)
async def main():
    ctx = ssl.create_default_context(cafile=ca)
    req = HTTPXRequest(httpx_kwargs={"verify": ctx})
    bot = telegram.Bot("123456:AAbenchToken", base_url=base + "/bot", request=req)
    async with bot:
        await bot.send_message(42, "warm-up")
        t = time.perf_counter()
        for _ in range(n):
            await bot.send_message(42, "bench text")
        send = (time.perf_counter() - t) / n * 1e6
        data = open(hook_cert, "rb").read()
        t = time.perf_counter()
        for _ in range(n):
            await bot.set_webhook(hook_url, certificate=data)
        hook = (time.perf_counter() - t) / n * 1e6
    print(f"{send:.0f} {hook:.0f}")
asyncio.run(main())
PY
)
PTB_SEND=$(echo "$PTB" | tail -1 | awk '{print $1}')
PTB_HOOK=$(echo "$PTB" | tail -1 | awk '{print $2}')

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a > 0) printf "%.2f", a / b; else print "n/a" }'; }

printf '\n%-38s %12s %12s\n' "microseconds per call" "sendMessage" "setWebhook"
printf '%-38s %12s %12s\n' "messenger, in-process (one Api)" "$SEND_IN" "$HOOK_IN"
printf '%-38s %12s %12s\n' "python-telegram-bot, in-process" "$PTB_SEND" "$PTB_HOOK"
printf '%-38s %12s %12s\n' "messenger CLI, a process per call" "$SEND_PROC" "$HOOK_PROC"
printf '%-38s %12s %12s\n' "curl, a process per call" "$CURL_SEND" "$CURL_HOOK"
printf '\nratios (lower is better for messenger)\n'
printf '%-38s %12s %12s\n' "messenger / python-telegram-bot" "$(ratio "$SEND_IN" "$PTB_SEND")" "$(ratio "$HOOK_IN" "$PTB_HOOK")"
printf '%-38s %12s %12s\n' "messenger CLI / curl" "$(ratio "$SEND_PROC" "$CURL_SEND")" "$(ratio "$HOOK_PROC" "$CURL_HOOK")"
if [ "$PTB_SEND" = "missing" ]; then echo "python-telegram-bot is not installed (pip install python-telegram-bot)"; fi
