#!/bin/bash
# SendXmpp against its peers on one local ejabberd, in one run: one message over TCP STARTTLS
# (ours via the command line and via the C++ host that loads the library as 1C does,
# go-sendxmpp, sendxmpp, slixmpp) and over BOSH http (ours, and a
# reproduction of the XMPP article's nine-request sequence), plus HTTP requests per BOSH message.
#   scripts/bench/bench-xmpp.sh [RUNS]      (needs root, ejabberd, hyperfine, go-sendxmpp, sendxmpp, g++,
#                                       python3 with slixmpp; builds target/release/messenger and
#                                       libmessenger.so, compiles tests/host/host.cpp)
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS="${1:-20}"
S=scripts/servers
B=/tmp/messenger-xmpp-bench; OUT=$B/out
D=$B/ejabberd
$S/down.sh "$D" 2>/dev/null || true
rm -rf "$B"; mkdir -p "$OUT"
cargo build --release --quiet
M=target/release/messenger
LIB=target/release/libmessenger.so
# The host as tests/support/mod.rs compiles it; `call` mode makes one SendXmpp call as 1C would.
HOST=$OUT/host
g++ -std=c++17 -O1 -o "$HOST" tests/host/host.cpp -ldl
cleanup() {
  [ -n "${RX:-}" ] && kill "$RX" 2>/dev/null
  [ -n "${PX:-}" ] && kill "$PX" 2>/dev/null
  $S/down.sh "$D"
}
trap cleanup EXIT
$S/ejabberd-up.sh "$D" >/dev/null
python3 $S/receiver.py --jid bob@localhost/bench --password bobpw --port 5222 --out "$OUT/rx.jsonl" >/dev/null 2>&1 &
RX=$!
for i in $(seq 1 100); do grep -q ready "$OUT/rx.jsonl" 2>/dev/null && break; sleep 0.1; done
T='Привет, мир! <&>'
printf '%s' "$T" > "$OUT/msg.txt"
export XMPP_PASSWORD=alicepw
CERT="$D/cert.pem"

hyperfine -N --warmup 2 --runs "$RUNS" --export-json "$OUT/tcp.json" \
  -n ours "$M xmpp send --jid alice@localhost --to bob@localhost --server 127.0.0.1:5222 --trusted $CERT '$T'" \
  -n ours-host "$HOST $LIB call --set TrustedCertificates=S:@$CERT SendXmpp s:alice@localhost s:alicepw s:bob@localhost 's:$T' 's:{\"server\":\"127.0.0.1:5222\"}'" \
  -n ours-plain "$M xmpp send --jid alice@localhost --to bob@localhost --server 127.0.0.1:5222 --trusted $CERT --mechanisms PLAIN '$T'" \
  -n go-sendxmpp "go-sendxmpp -n -u alice@localhost -p alicepw -j 127.0.0.1:5222 -m $OUT/msg.txt bob@localhost" \
  -n sendxmpp "sh -c 'sendxmpp -t -n -u alice -p alicepw -j localhost:5222 bob@localhost < $OUT/msg.txt'" \
  -n slixmpp "python3 $S/slixmpp_send.py --jid alice@localhost --password alicepw --port 5222 --to bob@localhost '$T'"
hyperfine -N --warmup 2 --runs "$RUNS" --export-json "$OUT/bosh.json" \
  -n ours-bosh "$M xmpp send --jid alice@localhost --to bob@localhost --bosh http://127.0.0.1:5280/http-bind '$T'" \
  -n ours-bosh-plain "$M xmpp send --jid alice@localhost --to bob@localhost --bosh http://127.0.0.1:5280/http-bind --mechanisms PLAIN --allow-plain-without-tls '$T'" \
  -n seed-bosh "python3 $S/seed_bosh.py --url http://127.0.0.1:5280/http-bind --jid alice@localhost --password alicepw --to bob@localhost '$T'"

# HTTP requests per BOSH message, counted by a forwarding proxy in front of the server.
python3 $S/count_http.py --listen 15280 --to 127.0.0.1:5280 --out "$OUT/count" & PX=$!
sleep 0.5
# The proxy keeps a running total; a command's share is the difference.
total() { cat "$OUT/count" 2>/dev/null || echo 0; }
count() { local before; before=$(total); "$@" >/dev/null; sleep 0.2; echo $(( $(total) - before )); }
P=http://127.0.0.1:15280/http-bind
C_SCRAM=$(count $M xmpp send --jid alice@localhost --to bob@localhost --bosh $P "$T")
C_PLAIN=$(count $M xmpp send --jid alice@localhost --to bob@localhost --bosh $P --mechanisms PLAIN --allow-plain-without-tls "$T")
C_DIGEST=$(count $M xmpp send --jid alice@localhost --to bob@localhost --bosh $P --mechanisms DIGEST-MD5 "$T")
C_SEED=$(count python3 $S/seed_bosh.py --url $P --jid alice@localhost --password alicepw --to bob@localhost "$T")

python3 - "$OUT" "$C_SCRAM" "$C_PLAIN" "$C_DIGEST" "$C_SEED" <<'PY'
import json, sys
out = sys.argv[1]
med = {}
for f in ("tcp", "bosh"):
    for r in json.load(open(f"{out}/{f}.json"))["results"]:
        med[r["command"]] = r["median"] * 1000
print("\nmedians (ms):")
for k, v in med.items():
    print(f"  {k:16} {v:8.1f}")
g = med["go-sendxmpp"]
print(f"\nours / go-sendxmpp = {med['ours'] / g:.2f} (goal <= 0.30)  ours = {med['ours']:.1f} ms (goal <= 50)")
print(f"ours-host / go-sendxmpp = {med['ours-host'] / g:.2f}  ours-host = {med['ours-host']:.1f} ms (through the C++ host)")
print(f"ours-bosh / seed-bosh = {med['ours-bosh'] / med['seed-bosh']:.2f}")
print(f"HTTP requests per BOSH message: ours SCRAM {sys.argv[2]}, PLAIN {sys.argv[3]}, DIGEST-MD5 {sys.argv[4]}; seed {sys.argv[5]} (goal <= 5)")
PY
echo "delivered to the receiver: $(grep -c '"body"' "$OUT/rx.jsonl")"
