#!/bin/bash
# The persistent session against its peers, in ONE run on one local ejabberd: N messages (1000)
# in one session, each sender's messages counted at one receiver (bob):
#   ours      messenger xmpp send --count N      (waits for every XEP-0198 ack)
#   ours_bosh the same over BOSH (--bosh http://…/http-bind)
#   go        go-sendxmpp -i, N lines on stdin   (exits at EOF without waiting)
#   slixmpp   scripts/servers/slixmpp_flood.py      (N queued, then a ping round trip)
#   raw       scripts/servers/raw_flood.py          (N pre-built stanzas + a ping written in one go
#                                                 to a socket it logged in by hand: the limit)
# Rates: delivered / process wall time (login included, for every sender alike); delivered /
# time to the last arrival at the receiver; and, where the sender measures it, in-session time
# (first stanza written to the last ack / ping answer). Goal: ours ≥ 2× the fastest peer's
# delivered rate with zero lost; ours as a fraction of raw.
# ROUNDS rounds (3) of all of them in turn; the table gives each sender's median round and the
# messages lost over all rounds. The server's CPU time during each run (all processes of the
# ejabberd's process group, from /proc) is shown too: divided by the time to the last arrival it
# says how many of the machine's cores the server kept busy, i.e. whether the server is the limit.
#   scripts/bench/bench-xmpp-session.sh [N]
#   RECEIVER=ours (default: messenger xmpp listen) | slixmpp (scripts/servers/receiver.py)
# Needs root, ejabberd, go-sendxmpp, python3 with slixmpp; builds target/release/messenger.
set -euo pipefail
cd "$(dirname "$0")/../.."
N="${1:-1000}"
RECEIVER="${RECEIVER:-ours}"
ROUNDS="${ROUNDS:-3}"
S=scripts/servers
B=/tmp/messenger-xmpp-bench-session; OUT=$B/out; D=$B/ejabberd
# Ports of its own (55xx), so that it can run beside the test servers.
export EJ_C2S=5522 EJ_TLS=5523 EJ_HTTP=5580 EJ_HTTPS=5581 EJ_DIST=5590
PORT=$EJ_C2S
$S/down.sh "$D" 2>/dev/null || true
rm -rf "$B"; mkdir -p "$OUT"
cargo build --release --bins --quiet
M=target/release/messenger
LP= SP=
cleanup() {
  [ -n "$LP" ] && kill "$LP" 2>/dev/null
  [ -n "$SP" ] && kill "$SP" 2>/dev/null
  $S/down.sh "$D"
}
trap cleanup EXIT
$S/ejabberd-up.sh "$D" >/dev/null
CERT="$D/cert.pem"
RX="$OUT/rx.jsonl"; : > "$RX"

# The receiver: bob, one resource, every message line stamped with its arrival time.
if [ "$RECEIVER" = ours ]; then
  mkfifo "$OUT/rx.fifo"
  python3 $S/stamp_lines.py "$RX" < "$OUT/rx.fifo" & SP=$!
  XMPP_PASSWORD=bobpw $M xmpp listen --jid bob@localhost --server 127.0.0.1:$PORT --trusted "$CERT" \
    --resource bench --timeout 30 > "$OUT/rx.fifo" 2> "$OUT/listen.err" & LP=$!
  ready() { grep -q '"state":"connected"' "$OUT/listen.err" 2>/dev/null; }
else
  python3 $S/receiver.py --jid bob@localhost/bench --password bobpw --port $PORT --out "$RX" --stamp \
    > /dev/null 2> "$OUT/listen.err" & LP=$!
  ready() { grep -q '"event": "ready"' "$RX" 2>/dev/null; }
fi
for i in $(seq 1 150); do ready && break; sleep 0.2; done
ready || { echo "the receiver did not come online:"; cat "$OUT/listen.err"; exit 1; }

RUN=$(date +%s)
TEXT='Привет, мир! <&>'
# Delivered messages of one sender (bodies "TEXT NAME-RUN #i"), in order or not; the last arrival.
delivered() { # NAME -> "count in_order last_t"
  python3 - "$RX" "$TEXT $1-$RUN #" "$N" <<'PY'
import json, sys
path, prefix, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
seen, order, last = set(), [], 0.0
for line in open(path, encoding="utf-8"):
    try:
        o = json.loads(line)
    except ValueError:
        continue
    b = o.get("body") or ""
    if b.startswith(prefix):
        i = int(b[len(prefix):])
        if 1 <= i <= n and i not in seen:
            seen.add(i); order.append(i); last = max(last, o.get("t", 0.0))
print(len(seen), "yes" if order == sorted(order) else "no", f"{last:.6f}")
PY
}
# Waits until NAME's N messages arrived, or nothing new came for 3 s (at most 120 s).
settle() {
  local name=$1 prev=-1 still=0 cur
  for i in $(seq 1 600); do
    cur=$(delivered "$name" | cut -d' ' -f1)
    [ "$cur" -ge "$N" ] && break
    if [ "$cur" = "$prev" ]; then still=$((still + 1)); [ $still -ge 15 ] && break; else still=0; fi
    prev=$cur; sleep 0.2
  done
}
# CPU seconds used so far by the server's processes (user + system, from /proc).
server_cpu() {
  python3 - "$(cat "$D/pgid")" <<'PY'
import os, sys
pgid, total, tick = int(sys.argv[1]), 0, os.sysconf("SC_CLK_TCK")
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        continue
    if int(f[2]) == pgid:  # fields after the name: state ppid pgrp ... utime(12) stime(13)
        total += int(f[11]) + int(f[12])
print(f"{total / tick:.2f}")
PY
}
# Runs one sender: NAME CMD... (stdout of the command kept as NAME.out).
run() {
  local name=$1; shift
  local t0 t1 c0 c1
  c0=$(server_cpu)
  t0=$(date +%s.%N)
  "$@" > "$OUT/$name.out" 2> "$OUT/$name.err" || true
  t1=$(date +%s.%N)
  settle "$name"
  c1=$(server_cpu)
  read -r count order last < <(delivered "$name")
  printf '{"name":"%s","start":%s,"end":%s,"delivered":%s,"in_order":"%s","last":%s,"server_cpu":%s}\n' \
    "$name" "$t0" "$t1" "$count" "$order" "$last" "$(awk "BEGIN { printf \"%.2f\", $c1 - $c0 }")" >> "$OUT/cases.jsonl"
  echo "  $name: delivered $count of $N"
}

export XMPP_PASSWORD=alicepw
echo "warm-up (server and receiver)"
$M xmpp send --count 20 --jid alice@localhost --to bob@localhost --server 127.0.0.1:$PORT \
  --trusted "$CERT" "$TEXT warm-$RUN" > /dev/null 2>&1
go-sendxmpp -n -u alice@localhost -p alicepw -j 127.0.0.1:$PORT bob@localhost <<< "$TEXT warm-go" > /dev/null 2>&1 || true

echo "$N messages per sender, one session each, $ROUNDS rounds:"
for r in $(seq 1 "$ROUNDS"); do
  run ours.$r $M xmpp send --count "$N" --jid alice@localhost --to bob@localhost \
    --server 127.0.0.1:$PORT --trusted "$CERT" --timeout 60 "$TEXT ours.$r-$RUN"
  run ours_bosh.$r $M xmpp send --count "$N" --jid alice@localhost --to bob@localhost \
    --bosh "http://127.0.0.1:$EJ_HTTP/http-bind" --timeout 60 "$TEXT ours_bosh.$r-$RUN"
  for i in $(seq 1 "$N"); do printf '%s go.%s-%s #%d\n' "$TEXT" "$r" "$RUN" "$i"; done > "$OUT/go-lines.txt"
  run go.$r sh -c "go-sendxmpp -i -n -u alice@localhost -p alicepw -j 127.0.0.1:$PORT bob@localhost < '$OUT/go-lines.txt'"
  run slixmpp.$r python3 $S/slixmpp_flood.py --jid alice@localhost --password alicepw --port $PORT \
    --to bob@localhost -n "$N" "$TEXT slixmpp.$r-$RUN"
  run raw.$r python3 $S/raw_flood.py --jid alice@localhost --password alicepw --port $PORT \
    --to bob@localhost -n "$N" "$TEXT raw.$r-$RUN"
done

python3 - "$OUT" "$N" "$RECEIVER" "$ROUNDS" <<'PY'
import json, os, statistics, sys
out, n, receiver, rounds = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
def own(name):  # the sender's own JSON line, if it printed one
    try:
        return json.loads(open(f"{out}/{name}.out").read().strip().splitlines()[-1])
    except (OSError, ValueError, IndexError):
        return {}
runs, lasts = {}, {}
for c in map(json.loads, open(f"{out}/cases.jsonl")):
    lasts.setdefault(c["name"].split(".")[0], []).append(c["last"])
    base = c["name"].split(".")[0]
    d = c["delivered"]
    wall = c["end"] - c["start"]
    e2e = (c["last"] - c["start"]) if c["last"] else 0.0
    o = own(c["name"])
    ins = o.get("seconds")
    cpu = c.get("server_cpu", 0.0)
    runs.setdefault(base, []).append(dict(delivered=d, in_order=c["in_order"], wall_s=wall, e2e_s=e2e,
        wall=d / wall, e2e=d / e2e if e2e > 0 else 0.0, ins_s=ins, insession=d / ins if ins else None, summary=o,
        cpu=cpu, busy=cpu / e2e if e2e > 0 else 0.0))
med = lambda xs: statistics.median(xs) if xs else None
print(f"\nejabberd, {n} messages per sender, {rounds} rounds (medians), receiver: {receiver}")
print(f"{'sender':9} {'lost':>5} {'order':>6} {'wall s':>8} {'msg/s wall':>11} {'to last s':>10} {'msg/s e2e':>10} {'in-sess. s':>11} {'msg/s in-s.':>12} {'srv CPU s':>10} {'srv cores':>10}")
rates = {}
for name in ("ours", "ours_bosh", "go", "slixmpp", "raw"):
    rs = runs.get(name)
    if not rs:
        continue
    lost = n * len(rs) - sum(r["delivered"] for r in rs)
    order = "yes" if all(r["in_order"] == "yes" for r in rs) else "no"
    m = {k: med([r[k] for r in rs if r[k] is not None]) for k in ("wall_s", "wall", "e2e_s", "e2e", "ins_s", "insession", "cpu", "busy")}
    rates[name] = dict(m, lost=lost)
    ins = f"{m['ins_s']:11.4f} {m['insession']:12.0f}" if m["ins_s"] else f"{'-':>11} {'-':>12}"
    print(f"{name:9} {lost:>5} {order:>6} {m['wall_s']:8.3f} {m['wall']:11.0f} {m['e2e_s']:10.3f} {m['e2e']:10.0f} {ins} {m['cpu']:10.2f} {m['busy']:10.2f}")
print(f"srv cores = the server's CPU seconds during the run (to the last arrival and the settling after it) / seconds to the last arrival; this machine has {os.cpu_count()} cores")
print("each round, start to last arrival (s): " + "; ".join(
    f"{k} " + " ".join(f"{r['e2e_s']:.3f}" for r in v) for k, v in runs.items()))
ours = rates.get("ours")
if ours:
    for r in runs["ours"]:
        print(f"ours summary: {json.dumps(r['summary'])}")
    peers = {k: v for k, v in rates.items() if k in ("go", "slixmpp")}
    for basis, what in (("e2e", "start to last arrival"), ("wall", "process wall time")):
        if peers:
            best = max(peers, key=lambda k: peers[k][basis])
            ratio = ours[basis] / peers[best][basis] if peers[best][basis] else float("inf")
            print(f"ours / fastest peer ({best}), delivered msg/s, {what}: {ratio:.2f}  (goal >= 2 with 0 lost; ours lost {ours['lost']}, {best} lost {peers[best]['lost']})")
    raw = rates.get("raw")
    if raw and ours["insession"] and raw["insession"]:
        print(f"ours / raw, in-session (first stanza to the last ack / to the ping answer): {ours['insession'] / raw['insession']:.2f}")
    if raw and raw["e2e"]:
        print(f"ours / raw, start to last arrival (raw pays Python start-up and a hand login): {ours['e2e'] / raw['e2e']:.2f}")
    # The server's own share: from the first stanza written to the last arrival at the receiver,
    # for the senders that say when they wrote their first stanza (ours, raw). No sender, however
    # fast its login, can deliver N messages start to last arrival in less than this.
    deliver = {}
    for name in ("ours", "ours_bosh", "raw"):
        ts = [r["summary"].get("started_at") and c_last - r["summary"]["started_at"]
              for r, c_last in zip(runs.get(name, []), lasts.get(name, []))]
        ts = [t for t in ts if t and t > 0]
        if ts:
            deliver[name] = med(ts)
    if deliver:
        print("first stanza written to the last arrival (s, medians): " +
              ", ".join(f"{k} {v:.3f}" for k, v in deliver.items()))
        if "go" in rates and rates["go"]["e2e"]:
            bound = n / min(deliver.values())
            print(f"so no client can exceed about {bound:.0f} msg/s start to last arrival on this server and machine, "
                  f"{bound / rates['go']['e2e']:.2f}x go's {rates['go']['e2e']:.0f} msg/s (login time counted as zero)")
    login = {k: med([r["summary"].get("login_seconds") for r in runs.get(k, []) if r["summary"].get("login_seconds")])
             for k in ("ours", "ours_bosh", "raw")}
    print("login (s, medians): " + ", ".join(f"{k} {v:.3f}" for k, v in login.items() if v))
PY
