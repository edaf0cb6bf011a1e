#!/bin/bash
# Our sender against go-sendxmpp -i (which waits for no ack) on a local ejabberd and Prosody,
# timed from outside by scripts/bench/pairs.py (A = ours, B = go-sendxmpp, run in turn, wall and
# CPU time of the whole process, ratio A/B pair by pair; quote the medians):
#   one     one message: a new login over TCP (STARTTLS), one message, logout; once with our
#           default mechanism, once with go-sendxmpp's (DIGEST-MD5)
#   many    N messages (1000) in one session; ours waits until every one is acked
#   close   XmppDisconnect on its own with nothing pending (the CLI's disconnect_seconds over
#           RUNS sessions; goal <= 30 ms)
#   arrival N messages, from the sender's start to the last one's arrival at bob (ARRIVALS
#           runs each, in turn; medians and ratio): what a sender that waits for no ack saves
#           in process time the server still has to do before the recipient has everything
# go-sendxmpp -i exits 1 once its input ends ("failed to read from stdin"), after sending: its
# exit code is no failure here (the arrival runs check that every message came).
# The receiver bob is online (our `xmpp listen`, output thrown away): with bob offline both
# servers store every message offline first, and a sender that waits for acks (ours) then
# measures the server's offline storage, not itself.
#   scripts/bench/bench-xmpp-vs-go.sh [N]     RUNS=10 by default
# Needs root, ejabberd, prosody, go-sendxmpp, python3; builds target/release/messenger.
set -euo pipefail
cd "$(dirname "$0")/../.."
N="${1:-1000}"
RUNS="${RUNS:-10}"
ARRIVALS="${ARRIVALS:-5}"
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
  RX="$B/rx-$server.jsonl"; : > "$RX"; mkfifo "$B/rx-$server.fifo"
  python3 $S/stamp_lines.py "$RX" < "$B/rx-$server.fifo" & LISTENERS+=($!)
  XMPP_PASSWORD=bobpw "$M" xmpp listen --jid bob@localhost --server 127.0.0.1:$PORT --trusted "$CERT" \
    --resource bench --timeout 30 > "$B/rx-$server.fifo" 2> "$B/listen-$server.err" & LISTENERS+=($!)
  for i in $(seq 1 100); do grep -q '"state":"connected"' "$B/listen-$server.err" && break; sleep 0.2; done
  go="go-sendxmpp -i -n -u alice@localhost -p alicepw -j 127.0.0.1:$PORT bob@localhost"
  echo "== $server: one message, new login (A = ours, B = go-sendxmpp -i)"
  python3 scripts/bench/pairs.py "$RUNS" "$(printf '%q ' "${ours[@]}" "$TEXT")" "$go < $B/one.txt"
  # go-sendxmpp picks DIGEST-MD5 where the server offers it (these test servers store plain
  # passwords); ours prefers SCRAM-SHA-256, for which the server derives the key (PBKDF2, 4096
  # rounds) at every login: the same mechanism on both sides shows what is ours.
  # (Prosody stores hashed passwords and offers no DIGEST-MD5: there both use SCRAM.)
  if [ $server = ejabberd ]; then
    echo "== $server: one message, new login, both with DIGEST-MD5 (A = ours, B = go-sendxmpp -i)"
    python3 scripts/bench/pairs.py "$RUNS" \
      "$(printf '%q ' "${ours[@]}" --mechanisms DIGEST-MD5 "$TEXT")" "$go < $B/one.txt"
  fi
  echo "== $server: $N messages in one session, ours all acked (A = ours, B = go-sendxmpp -i)"
  python3 scripts/bench/pairs.py "$RUNS" \
    "$(printf '%q ' "${ours[@]}" --count "$N" --timeout 60 "$TEXT ours")" "$go < $B/many.txt"
  echo "== $server: $N messages, sender's start to the last arrival, $ARRIVALS runs each (A = ours, B = go-sendxmpp -i)"
  : > "$B/arrivals-$server.txt"
  for r in $(seq 1 "$ARRIVALS"); do
    for who in ours go; do
      tag="arrival-$server-$who-$r"
      for i in $(seq 1 "$N"); do echo "$tag #$i"; done > "$B/arrival.txt"
      t0=$(date +%s.%N)
      # Ours reports its session on stderr (kept in $B/ours-arrival.err): a run in which
      # fewer arrive can be told apart from one that failed to send.
      if [ $who = ours ]; then
        "${ours[@]}" --count "$N" --timeout 60 "$tag" > /dev/null 2>>"$B/ours-arrival.err"
      else
        sh -c "$go < $B/arrival.txt" > /dev/null 2>&1 || true
      fi
      python3 - "$RX" "$tag" "$N" "$t0" "$who" >> "$B/arrivals-$server.txt" <<'PY'
import json, sys, time
rx, tag, n, t0, who = sys.argv[1], sys.argv[2] + " #", int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
until = time.time() + 60
while True:
    seen = [json.loads(l) for l in open(rx, encoding="utf-8") if tag in l]
    seen = [m for m in seen if (m.get("body") or "").startswith(tag)]
    if len(seen) >= n or time.time() > until:
        break
    time.sleep(0.05)
last = max((m["t"] for m in seen), default=float("nan"))
print(who, len(seen), last - t0)
PY
    done
  done
  python3 - "$B/arrivals-$server.txt" "$N" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
n = int(sys.argv[2])
med = {}
for who in ("ours", "go"):
    got = [int(r[1]) for r in rows if r[0] == who]
    t = [float(r[2]) * 1000 for r in rows if r[0] == who]
    med[who] = statistics.median(t)
    print(f"  {who:4}: arrived {min(got)}..{max(got)} of {n}; last arrival ms: min {min(t):.0f} median {med[who]:.0f} max {max(t):.0f}")
print(f"  ours/go (medians): {med['ours'] / med['go']:.2f}")
PY
  echo "== $server: XmppDisconnect with nothing pending, $RUNS sessions"
  : > "$B/close.jsonl"
  for r in $(seq 1 "$RUNS"); do "${ours[@]}" --count 1 "$TEXT close" >> "$B/close.jsonl" 2>/dev/null; done
  python3 - "$B/close.jsonl" <<'PY'
import json, statistics, sys
v = sorted(json.loads(l)["disconnect_seconds"] * 1000 for l in open(sys.argv[1]) if l.strip())
print(f"  disconnect ms: min {v[0]:.2f} median {statistics.median(v):.2f} max {v[-1]:.2f} (goal <= 30)")
PY
done
