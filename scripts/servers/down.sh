#!/bin/bash
# Stops a server started by ejabberd-up.sh / prosody-up.sh: only the process group recorded in
# DIR/pgid, politely first.   scripts/servers/down.sh DIR
D="$1"
pg=$(cat "$D/pgid" 2>/dev/null) || exit 0
[ -x "$D/ctl.sh" ] && timeout 10 "$D/ctl.sh" stop >/dev/null 2>&1
for sig in TERM TERM TERM KILL; do
  kill -0 -- "-$pg" 2>/dev/null || break
  kill -s $sig -- "-$pg" 2>/dev/null; sleep 0.5
done
rm -f "$D/pgid" "$D/ready"
