#!/bin/bash
# Starts again an ejabberd that ejabberd-up.sh set up in DIR and down.sh stopped: the same
# configuration, ports, certificate and Mnesia data (users, offline messages) — a server restart
# as its clients see it.   scripts/servers/ejabberd-restart.sh DIR
set -euo pipefail
D="$(cd "$1" && pwd)"
export PATH="$PATH:/usr/sbin:/sbin"
[ -f "$D/conf/ejabberd.yml" ] && [ -x "$D/ctl.sh" ] || { echo "$D was not set up by ejabberd-up.sh" >&2; exit 1; }
if [ -f "$D/pgid" ] && kill -0 -- "-$(cat "$D/pgid")" 2>/dev/null; then echo "ejabberd in $D is running" >&2; exit 1; fi
PORTS=$(grep -o 'port: [0-9]*' "$D/conf/ejabberd.yml" | awk '{print $2}')
for p in $PORTS; do
  # the stopped instance may still hold a port for a moment
  for i in $(seq 1 40); do (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || break; sleep 0.25; done
  if (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo "port $p is busy" >&2; exit 1; fi
done
rm -f "$D/ready"
cd "$D"
setsid bash -c 'echo $$ > pgid; exec ./ctl.sh foreground' >> "$D/log/console.log" 2>&1 < /dev/null &
for i in $(seq 1 120); do
  "$D/ctl.sh" status >/dev/null 2>&1 && break
  kill -0 "$(cat "$D/pgid" 2>/dev/null || echo 0)" 2>/dev/null || { tail -20 "$D/log/console.log" >&2; exit 1; }
  sleep 0.5
done
for p in $PORTS; do
  for i in $(seq 1 60); do (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null && break; sleep 0.25; done
done
touch "$D/ready"
echo "ejabberd restarted in $D (pgid $(cat "$D/pgid"))"
