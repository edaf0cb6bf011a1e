# Sourced (never run) by bench-telegram.sh and bench-telegram-files.sh, from the repository
# root: builds the command-line tool, makes the stand-in's certificate (CA:FALSE: rustls refuses
# a CA certificate as a server's own) and starts the local Bot API stand-in on 127.0.0.1.
# Sets BIN, WORK (a temporary directory, removed on exit with every process in PIDS), PIDS,
# PORT, BASE and COMMON (the `messenger telegram` options that reach the stand-in).
#   STANDIN_LOG      a file name in WORK for the stand-in's log of requests (default: no log)
#   STANDIN_TIMEOUT  --timeout in COMMON, seconds (default 10)

cargo build --release --bin messenger -q
BIN=target/release/messenger
STANDIN=tests/telegram_standin/standin.py
WORK=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

openssl req -newkey rsa:2048 -sha256 -nodes -x509 -days 2 -keyout "$WORK/api.key" -out "$WORK/api.pem" \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -addext basicConstraints=critical,CA:FALSE 2>/dev/null

# The stand-in exits when its stdin closes: feed it from a sleep we kill on exit.
mkfifo "$WORK/stdin"
sleep 100000 > "$WORK/stdin" & PIDS+=($!)
standin_log=/dev/null
[ -z "${STANDIN_LOG:-}" ] || standin_log="$WORK/$STANDIN_LOG"
python3 "$STANDIN" api --cert "$WORK/api.pem" --key "$WORK/api.key" --log "$standin_log" \
    < "$WORK/stdin" > "$WORK/port" & PIDS+=($!)
for _ in $(seq 100); do grep -q PORT "$WORK/port" 2>/dev/null && break; sleep 0.05; done
PORT=$(awk '/PORT/ {print $2}' "$WORK/port")
[ -n "$PORT" ] || { echo "the Bot API stand-in did not start" >&2; exit 1; }
BASE="https://127.0.0.1:$PORT"
COMMON=(--api-url "$BASE" --trusted "$WORK/api.pem" --timeout "${STANDIN_TIMEOUT:-10}")
