#!/bin/bash
# Starts a private ejabberd on loopback for the XMPP tests and the benchmark.
#   scripts/servers/ejabberd-up.sh DIR        (DIR is created; everything lives there)
# Ports from the environment: EJ_C2S EJ_TLS EJ_HTTP EJ_HTTPS EJ_DIST (5222 5223 5280 5281 5290).
# EJ_LOGLEVEL (warning): info writes why each session closed to DIR/log/ejabberd.log.
# Passwords are stored in plain form so that the server offers DIGEST-MD5 too.
# Writes DIR/pgid (the process group to kill), DIR/cert.pem (to trust), DIR/ready.
# HTTP File Upload: service upload.localhost, files PUT to https://127.0.0.1:EJ_HTTPS/upload and
# kept in DIR/upload, at most EJ_UPLOAD_MAX bytes (1048576).
# Users: alice/alicepw, bob/bobpw, carol/pässwörd, тест/тестпароль; domain localhost.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
D="$1"; mkdir -p "$D"; D="$(cd "$D" && pwd)"
C2S="${EJ_C2S:-5222}"; TLSP="${EJ_TLS:-5223}"; HTTP="${EJ_HTTP:-5280}"; HTTPS="${EJ_HTTPS:-5281}"
DIST="${EJ_DIST:-5290}"
export PATH="$PATH:/usr/sbin:/sbin"
# A distro-started service would hold the standard ports; ours must own them.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet ejabberd 2>/dev/null; then
  systemctl stop ejabberd || true
fi
for p in $C2S $TLSP $HTTP $HTTPS $DIST; do
  # a previous instance may still be shutting down: give it a few seconds
  for i in $(seq 1 40); do (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || break; sleep 0.25; done
  if (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo "port $p is busy" >&2; exit 1; fi
done
mkdir -p "$D"/{conf,db,log,upload}
"$HERE/make-cert.sh" "$D/key.pem" "$D/cert.pem"
cat "$D/cert.pem" "$D/key.pem" > "$D/server.pem"
listener() { # port module extra-lines
  printf '  - port: %s\n    ip: "127.0.0.1"\n    module: %s\n%s\n' "$1" "$2" "$3"
}
{
  printf 'hosts: ["localhost"]\nloglevel: %s\ncertfiles: ["%s/server.pem"]\n' "${EJ_LOGLEVEL:-warning}" "$D"
  printf 'auth_method: internal\nauth_password_format: plain\ndefault_db: mnesia\n'
  printf 'disable_sasl_mechanisms: ["X-OAUTH2"]\nlisten:\n'
  listener "$C2S" ejabberd_c2s "    max_stanza_size: 262144
    access: c2s
    starttls: true"
  listener "$TLSP" ejabberd_c2s "    max_stanza_size: 262144
    access: c2s
    tls: true"
  listener "$HTTP" ejabberd_http "    request_handlers: {/http-bind: mod_bosh}"
  listener "$HTTPS" ejabberd_http "    tls: true
    request_handlers: {/http-bind: mod_bosh, /upload: mod_http_upload}"
  cat <<'YML'
acl:
  local: {user_regexp: ""}
access_rules:
  local: {allow: local}
  c2s: {allow: all}
  register: {deny: all}
shaper_rules:
  max_user_sessions: 1000
  max_user_offline_messages: 100000
modules:
  mod_bosh: {}
  mod_disco: {}
  mod_ping: {}
  mod_roster: {}
  mod_offline: {access_max_user_messages: max_user_offline_messages}
  mod_stream_mgmt: {}
  mod_muc: {access_create: all, default_room_options: {persistent: false}}
  mod_muc_admin: {}
YML
  # HTTP File Upload (XEP-0363) on the https listener, with the same self-signed certificate;
  # a small limit so that the tests can pass it cheaply.
  printf '  mod_http_upload:\n    put_url: "https://127.0.0.1:%s/upload"\n' "$HTTPS"
  printf '    docroot: "%s/upload"\n    max_size: %s\n' "$D" "${EJ_UPLOAD_MAX:-1048576}"
} > "$D/conf/ejabberd.yml"
printf 'ERLANG_NODE=ejabberd-test-%s@localhost\nERL_DIST_PORT=%s\nINET_DIST_INTERFACE=127.0.0.1\nEJABBERD_PID_PATH=%s/ejabberd.pid\n' \
  "$C2S" "$DIST" "$D" > "$D/conf/ejabberdctl.cfg"
: > "$D/conf/inetrc"
cat > "$D/ctl.sh" <<CTL
#!/bin/bash
# ejabberdctl of this instance only, run as the ejabberd user
exec runuser -u ejabberd -- env HOME="$D" /usr/sbin/ejabberdctl --config-dir "$D/conf" \
  --config "$D/conf/ejabberd.yml" --ctl-config "$D/conf/ejabberdctl.cfg" --logs "$D/log" --spool "$D/db" "\$@"
CTL
chmod 755 "$D/ctl.sh"
# The Erlang cookie is written here, before any node starts. Otherwise the server node and the
# first `ctl.sh status` node both find none and create it at the same moment; Erlang writes the
# file first and makes it owner-only after, so the other node can read it in between and refuse
# to start ("Cookie file ... must be accessible by owner only"), as a CI run did.
( umask 077; openssl rand -hex 20 | tr -d '\n' > "$D/.erlang.cookie" )
chmod 400 "$D/.erlang.cookie"
# The server user must pass through the parent; only add that (the parent may be /tmp).
chown -R ejabberd:ejabberd "$D"; chmod o+x "$(dirname "$D")" 2>/dev/null || true
cd "$D"
# its own session, so that one kill of the group stops beam and its helpers
setsid bash -c 'echo $$ > pgid; exec ./ctl.sh foreground' > "$D/log/console.log" 2>&1 < /dev/null &
for i in $(seq 1 120); do
  "$D/ctl.sh" status >/dev/null 2>&1 && break
  kill -0 "$(cat "$D/pgid" 2>/dev/null || echo 0)" 2>/dev/null || { tail -20 "$D/log/console.log" >&2; exit 1; }
  sleep 0.5
done
for p in $C2S $TLSP $HTTP $HTTPS; do
  for i in $(seq 1 60); do (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null && break; sleep 0.25; done
done
"$D/ctl.sh" register alice localhost alicepw >/dev/null
"$D/ctl.sh" register bob localhost bobpw >/dev/null
"$D/ctl.sh" register carol localhost 'pässwörd' >/dev/null
"$D/ctl.sh" register 'тест' localhost 'тестпароль' >/dev/null
touch "$D/ready"
echo "ejabberd up in $D (pgid $(cat "$D/pgid"))"
