#!/usr/bin/env bash
# Builds the add-in bundle and shows it working end to end, the way 1C uses it: the ZIP is
# unpacked, the library loaded from it by the C++ host (dlopen + the platform's call
# sequence), and members called with English and Russian names.
# The quick path: the bundle holds the Linux x86_64 library (plus any other library already
# built and current). What ships, all four libraries, is built by scripts/build-release.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh >/dev/null
bash scripts/build/bundle.sh | sed 's/^/  /'

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unzip -q target/bundle/Messenger.zip -d "$work/bundle"
lib=$(ls "$work"/bundle/Messenger_Linux_x86_64_*.so)
host="$work/host"
g++ -std=c++17 -O1 -o "$host" tests/host/host.cpp -ldl

step() { printf '\n== %s\n' "$*"; }
call() { "$host" "$lib" call "$@" || true; }

step "The bundle's MANIFEST.XML"
cat "$work/bundle/MANIFEST.XML"

step "What 1C discovers in the library loaded from the ZIP (English alias 0, Russian alias 1)"
"$host" "$lib" members | python3 -c '
import json, sys
m = json.load(sys.stdin)
for p in m["properties"]:
    print("  property %-22s %-24s %s" % (p["en"], p["ru"], "read/write" if p["writable"] else "read"))
for f in m["methods"]:
    print("  method   %-22s %-24s %d parameters" % (f["en"], f["ru"], f["params"]))'

step "Версия, and a property set from 1C code"
call --lang ru Версия
call --lang ru --set "Таймаут=n:10" Таймаут
call --lang ru --set "Таймаут=n:0" Таймаут

step "A wrong argument raises a 1C exception that names the parameter (Russian, then English)"
call --lang ru ОтправитьTelegram s:TOKEN d:1.5 s:Привет
call --lang en SendTelegram s:TOKEN d:1.5 s:Hello

step "With ВызыватьИсключения = Ложь the call returns Неопределено and ПоследняяОшибка tells why"
call --lang ru --set "ВызыватьИсключения=b:false" ПолучитьИнформациюWebhook n:42

step "СоздатьСертификат: a certificate for https://127.0.0.1 into a directory with Cyrillic and spaces"
certdir="$work/Сертификаты веб-публикации"
"$host" "$lib" call --lang ru СоздатьСертификат s:127.0.0.1 "s:$certdir" s:Пароль-PFX-1 \
    's:{"organization": "ООО «Ромашка»", "locality": "Оренбург", "country": "RU", "alt_names": ["::1"]}' \
    | python3 -c 'import json,sys; r=json.load(sys.stdin); v=json.loads(r["value"]) if r["ok"] else r; print(json.dumps(v, ensure_ascii=False, indent=2)[:1500])'
ls -l "$certdir"
echo "  OpenSSL reads it:"
openssl x509 -in "$certdir/cert.pem" -noout -subject -ext subjectAltName -nameopt utf8,sep_comma_plus | sed 's/^/    /'
openssl pkcs12 -in "$certdir/cert.pfx" -passin pass:Пароль-PFX-1 -info -noout 2>&1 | sed 's/^/    /'
echo "  A real TLS server with it, verified by curl against the certificate alone:"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
openssl s_server -quiet -accept "127.0.0.1:$port" -cert "$certdir/cert.pem" -key "$certdir/cert.key" -www >/dev/null 2>&1 &
server=$!
sleep 0.5
curl -sS --cacert "$certdir/cert.pem" -o /dev/null -w '    curl https://127.0.0.1:'"$port"'/ -> HTTP %{http_code}, certificate verified\n' "https://127.0.0.1:$port/" || true
kill "$server" 2>/dev/null || true
call --lang ru СоздатьСертификат s:300.1.1.1 s: s:пароль

step "ОтправитьXMPP: Cyrillic, emoji and <&> to a private Prosody on loopback, received by a real client"
xdir="$work/prosody"
# Free ports for this run, so a running test server does not stand in the way.
read -r PR_C2S PR_TLS PR_HTTP PR_HTTPS < <(python3 -c 'import socket
ss=[socket.socket() for _ in range(4)]
[s.bind(("127.0.0.1",0)) for s in ss]
print(*[s.getsockname()[1] for s in ss])')
export PR_C2S PR_TLS PR_HTTP PR_HTTPS
if bash scripts/servers/prosody-up.sh "$xdir" >"$work/prosody-up.log" 2>&1; then
    python3 scripts/servers/receiver.py --jid bob@localhost/demo --password bobpw --port "$PR_C2S" --out "$work/received.jsonl" >/dev/null 2>&1 &
    receiver=$!
    for _ in $(seq 50); do grep -q ready "$work/received.jsonl" 2>/dev/null && break; sleep 0.2; done
    "$host" "$lib" call --lang ru --set "ДоверенныеСертификаты=S:@$xdir/cert.pem" --set "Таймаут=n:10" \
        ОтправитьXMPP s:тест@localhost s:тестпароль s:bob@localhost "s:Привет из 1С! 😀 <&>" \
        "s:{\"server\": \"127.0.0.1:$PR_C2S\"}" | sed 's/^/  /'
    for _ in $(seq 50); do grep -q body "$work/received.jsonl" 2>/dev/null && break; sleep 0.2; done
    echo "  bob received:"; grep body "$work/received.jsonl" | sed 's/^/    /' || echo "    (nothing)"
    "$host" "$lib" call --lang ru --set "ДоверенныеСертификаты=S:@$xdir/cert.pem" ОтправитьXMPP \
        s:alice@localhost s:wrong s:bob@localhost s:x "s:{\"server\": \"127.0.0.1:$PR_C2S\"}" | sed 's/^/  /' || true
    kill "$receiver" 2>/dev/null || true
    step "ПодключитьXMPP … ОтключитьXMPP: two objects with live sessions exchange messages, then are destroyed live"
    MESSENGER_TEST_PEM="$xdir/cert.pem" "$host" "$lib" session destroy alice@localhost alicepw \
        bob@localhost bobpw "{\"server\": \"127.0.0.1:$PR_C2S\"}" 2>&1 \
        | grep -E 'XmppConnect|XmppSend|returns the one|XmppMessage|thread|passed' | sed 's/^/  /'
    step "The same session over BOSH (for networks where only HTTP(S) gets out)"
    MESSENGER_TEST_PEM="$xdir/cert.pem" "$host" "$lib" session destroy alice@localhost alicepw \
        bob@localhost bobpw "{\"bosh_url\": \"http://127.0.0.1:$PR_HTTP/http-bind\"}" 2>&1 \
        | grep -E 'XmppConnect|returns the one|thread|passed' | sed 's/^/  /'
    bash scripts/servers/down.sh "$xdir"
else
    echo "  Prosody did not start:"; tail -5 "$work/prosody-up.log"
fi

step "The whole platform call sequence, every member (the test host's sequence mode)"
MESSENGER_EXPECT_VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1) \
    "$host" "$lib" sequence 2>/dev/null | tail -n 1
