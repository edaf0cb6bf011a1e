#!/bin/bash
# Our sender against go-sendxmpp -i (which waits for no ack) on a local ejabberd and Prosody,
# timed from outside by farm-bench (A = ours, B = go-sendxmpp, run in turn, ratio A/B pair by
# pair; quote the medians):
#   one     one message: a new login over TCP (STARTTLS), one message, logout
#   many    N messages (1000) in one session; ours waits until every one is acked
#   close   XmppDisconnect on its own with nothing pending (the CLI's disconnect_seconds over
#           RUNS sessions; goal <= 30 ms)
# The receiver bob is online (our `xmpp listen`, output thrown away): with bob offline both
# servers store every message offline first, and a sender that waits for acks (ours) then
# measures the server's offline storage, not itself.
#   scripts/bench/bench-xmpp-vs-go.sh [N]     RUNS=10 by default
# Needs root, ejabberd, prosody, go-sendxmpp, farm-bench; builds target/release/messenger.
set -euo pipefail
cd "$(dirname "$0")/../.."
N="${1:-1000}"
RUNS="${RUNS:-10}"
S=scripts/servers
B=/tmp/messenger-xmpp-bench-go
export EJ_C2S=5622 EJ_TLS=5623 EJ_HTTP=5680 EJ_HTTPS=5681 EJ_DIST=5690
export PR_C2S=5642 PR_TLS=5643 PR_HTTP=5700 PR_HTTPS=5701
$S/down.sh "$B/ejabberd" 2>/dev/null || true
$S/down.sh "$B/prosody" 2>/dev/null || true
rm -rf "$B"; mkdir -p "$B"
cargo build --release --bins --quiet
M="$PWD/target/release/messenger"
LISTENERS=()
cleanup() {
  for p in "${LISTENERS[@]}"; do kill "$p" 2>/dev/null || true; done
  $S/down.sh "$B/ejabberd"; $S/down.sh "$B/prosody"
}
trap cleanup EXIT
$S/ejabberd-up.sh "$B/ejabberd" >/dev/null
$S/prosody-up.sh "$B/prosody" >/dev/null
TEXT='Привет, мир! <&>'
echo "$TEXT" > "$B/one.txt"
for i in $(seq 1 "$N"); do echo "$TEXT go #$i"; done > "$B/many.txt"
export XMPP_PASSWORD=alicepw

for server in ejabberd prosody; do
  if [ $server = ejabberd ]; then PORT=$EJ_C2S; else PORT=$PR_C2S; fi
  CERT="$B/$server/cert.pem"
  ours=("$M" xmpp send --jid alice@localhost --to bob@localhost --server 127.0.0.1:$PORT --trusted "$CERT")
  XMPP_PASSWORD=bobpw "$M" xmpp listen --jid bob@localhost --server 127.0.0.1:$PORT --trusted "$CERT" \
    --resource bench --timeout 30 > /dev/null 2> "$B/listen-$server.err" & LISTENERS+=($!)
  for i in $(seq 1 100); do grep -q '"state":"connected"' "$B/listen-$server.err" && break; sleep 0.2; done
  go="go-sendxmpp -i -n -u alice@localhost -p alicepw -j 127.0.0.1:$PORT bob@localhost"
  echo "== $server: one message, new login (A = ours, B = go-sendxmpp -i)"
  farm-bench -n "$RUNS" --timeout 600 --vs "sh -c '$go < $B/one.txt'" -- "${ours[@]}" "$TEXT"
  echo "== $server: $N messages in one session, ours all acked (A = ours, B = go-sendxmpp -i)"
  farm-bench -n "$RUNS" --timeout 1200 --vs "sh -c '$go < $B/many.txt'" -- \
    "${ours[@]}" --count "$N" --timeout 60 "$TEXT ours"
  echo "== $server: XmppDisconnect with nothing pending, $RUNS sessions"
  : > "$B/close.jsonl"
  for r in $(seq 1 "$RUNS"); do "${ours[@]}" --count 1 "$TEXT close" >> "$B/close.jsonl" 2>/dev/null; done
  python3 - "$B/close.jsonl" <<'PY'
import json, statistics, sys
v = sorted(json.loads(l)["disconnect_seconds"] * 1000 for l in open(sys.argv[1]) if l.strip())
print(f"  disconnect ms: min {v[0]:.2f} median {statistics.median(v):.2f} max {v[-1]:.2f} (goal <= 30)")
PY
done
