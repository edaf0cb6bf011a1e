#!/bin/bash
# Starts a private Prosody on loopback for the XMPP tests and the benchmark.
#   scripts/servers/prosody-up.sh DIR
# Ports from the environment: PR_C2S PR_TLS PR_HTTP PR_HTTPS (5322 5323 5380 5381).
# Plain-text storage: Prosody 0.12 then offers SCRAM-SHA-256, SCRAM-SHA-1 and PLAIN (it has no
# DIGEST-MD5). Writes DIR/pgid, DIR/cert.pem, DIR/ready. Users as in ejabberd-up.sh.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
D="$1"; mkdir -p "$D"; D="$(cd "$D" && pwd)"
C2S="${PR_C2S:-5322}"; TLSP="${PR_TLS:-5323}"; HTTP="${PR_HTTP:-5380}"; HTTPS="${PR_HTTPS:-5381}"
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prosody 2>/dev/null; then
  systemctl stop prosody || true
fi
for p in $C2S $TLSP $HTTP $HTTPS; do
  # a previous instance may still be shutting down: give it a few seconds
  for i in $(seq 1 40); do (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || break; sleep 0.25; done
  if (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo "port $p is busy" >&2; exit 1; fi
done
mkdir -p "$D"/{data,log}
"$HERE/make-cert.sh" "$D/key.pem" "$D/cert.pem"
SSL="{ certificate = \"$D/cert.pem\"; key = \"$D/key.pem\"; }"
cat > "$D/prosody.cfg.lua" <<CFG
pidfile = "$D/prosody.pid"
data_path = "$D/data"
log = { { levels = { min = "warn" }, to = "file", filename = "$D/log/prosody.log" } }
modules_enabled = { "roster"; "saslauth"; "tls"; "disco"; "ping"; "smacks"; "offline"; "bosh"; "posix" }
modules_disabled = { "s2s" }
interfaces = { "127.0.0.1" }
c2s_ports = { $C2S }
c2s_direct_tls_ports = { $TLSP }
s2s_ports = { }
http_ports = { $HTTP }
http_interfaces = { "127.0.0.1" }
https_ports = { $HTTPS }
https_interfaces = { "127.0.0.1" }
ssl = $SSL
https_ssl = $SSL
c2s_direct_tls_ssl = $SSL
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
consider_bosh_secure = true
cross_domain_bosh = true
authentication = "internal_plain"
storage = "internal"
limits = { c2s = { rate = "10mb/s" } }
VirtualHost "localhost"
  ssl = $SSL
-- HTTP File Upload (XEP-0363): served on the https port under the name localhost (which
-- resolves), files kept in DIR/data, at most PR_UPLOAD_MAX bytes.
Component "upload.localhost" "http_file_share"
  http_host = "localhost"
  http_file_share_size_limit = ${PR_UPLOAD_MAX:-1048576}
Component "conference.localhost" "muc"
  -- a room made by the receiver's join must be open to the sender at once
  muc_room_locking = false
CFG
# The server user must pass through the parent; only add that (the parent may be /tmp).
chown -R prosody:prosody "$D"; chmod 700 "$D"; chmod o+x "$(dirname "$D")" 2>/dev/null || true
for u in "alice alicepw" "bob bobpw" "carol pässwörd" "тест тестпароль"; do
  set -- $u
  runuser -u prosody -- prosodyctl --config "$D/prosody.cfg.lua" register "$1" localhost "$2"
done
# Started (and its ports awaited) as a restart starts it: one copy of that.
"$(dirname "$0")/prosody-restart.sh" "$D" | sed 's/restarted/up/'
