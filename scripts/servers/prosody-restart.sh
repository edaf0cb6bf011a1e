#!/bin/bash
# Starts again a Prosody that prosody-up.sh set up in DIR and down.sh stopped: the same
# configuration, ports, certificate and data (accounts, rosters, offline messages) — a server
# restart as its clients see it.   scripts/servers/prosody-restart.sh DIR
set -euo pipefail
D="$(cd "$1" && pwd)"
[ -f "$D/prosody.cfg.lua" ] || { echo "$D was not set up by prosody-up.sh" >&2; exit 1; }
if [ -f "$D/pgid" ] && kill -0 -- "-$(cat "$D/pgid")" 2>/dev/null; then echo "prosody in $D is running" >&2; exit 1; fi
PORTS=$(sed -n 's/^\(c2s_ports\|c2s_direct_tls_ports\|http_ports\|https_ports\) = { \([0-9]*\) }$/\2/p' "$D/prosody.cfg.lua")
[ -n "$PORTS" ] || { echo "no ports in $D/prosody.cfg.lua" >&2; exit 1; }
for p in $PORTS; do
  # the stopped instance may still hold a port for a moment
  for i in $(seq 1 40); do (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || break; sleep 0.25; done
  if (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo "port $p is busy" >&2; exit 1; fi
done
rm -f "$D/ready" "$D/prosody.pid"
cd "$D"
setsid bash -c 'echo $$ > pgid; exec runuser -u prosody -- prosody --config prosody.cfg.lua -F' \
  >> "$D/log/console.log" 2>&1 < /dev/null &
for p in $PORTS; do
  ok=
  for i in $(seq 1 80); do
    (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null && { ok=1; break; }
    sleep 0.25
  done
  [ -n "$ok" ] || { echo "prosody did not open $p again" >&2; tail -20 "$D/log/console.log" >&2; exit 1; }
done
touch "$D/ready"
echo "prosody restarted in $D (pgid $(cat "$D/pgid"))"
