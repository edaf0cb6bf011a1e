#!/usr/bin/env python3
"""Local stand-ins for the Telegram tests (loopback only).

  standin.py api --cert C --key K --log FILE
      An HTTPS stand-in of the Bot API on 127.0.0.1 (free port, printed as "PORT <n>").
      It checks each request as the Bot API documents it and answers with Telegram's envelopes.
      After setWebhook it delivers one update to the webhook URL over HTTPS, trusting only the
      uploaded certificate, with Basic Auth from the URL (as written, not percent-decoded) and
      the X-Telegram-Bot-Api-Secret-Token header, and getWebhookInfo then reports the outcome.
      The secret part of the bot token selects a misbehaviour (see BEHAVIOURS).

  standin.py webhook --cert C --key K --user U --password P --log FILE [--secret S]
      An HTTPS webhook endpoint requiring Basic Auth, on a free address 127.a.b.c port 8443
      (Telegram's ports only), printed as "ADDR <ip> <port>". Each request is logged as JSON.

  standin.py mkcert --cn NAME --ip IP --days N --out-cert C --out-key K
      A self-signed certificate with any validity (negative days: already expired), which
      openssl req cannot make.

  standin.py guard -- CMD ARGS...
      Runs CMD and kills it when our standard input closes (the test process died, even by a
      panic or a kill) or when we are terminated.

Every mode exits when its standard input reaches EOF: the watchdog that keeps a crashed test
from leaving servers behind.
"""
import base64
import datetime
import ipaddress
import json
import os
import random
import re
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import http.client
import http.server
from email.parser import BytesParser
from email.policy import HTTP as HTTP_POLICY
from urllib.parse import parse_qs, urlsplit

BEHAVIOURS = """
token secret starts with   behaviour
  wrong                    401 Unauthorized (ok:false)
  flood1                   the first call of each method: 429, retry_after 1; then normal
  flood60                  always 429 with retry_after 60
  fail500                  ok:false, error_code 500
  html502                  a 502 HTML page (not an envelope)
  stall                    no answer for 30 s
  drop                     the connection is closed without an answer
"""


def watchdog(on_exit):
    def run():
        try:
            while sys.stdin.buffer.read(4096):
                pass
        except Exception:
            pass
        on_exit()
        os._exit(0)
    threading.Thread(target=run, daemon=True).start()


class Log:
    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()

    def write(self, record):
        with self.lock, open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")


# ---------------------------------------------------------------- Bot API stand-in

TOKEN_PATH = re.compile(r"^/bot(\d+):([A-Za-z0-9_-]+)/([A-Za-z0-9]+)$")
SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
SET_WEBHOOK_FIELDS = {"url", "certificate", "ip_address", "max_connections",
                      "allowed_updates", "drop_pending_updates", "secret_token"}


class Bot:
    def __init__(self):
        self.webhook = None      # dict: url, cert_pem, secret, ...
        self.delivery = None     # thread
        self.last_error = None   # (date, message)
        self.pending = 0


class State:
    def __init__(self, log):
        self.log = log
        self.lock = threading.Lock()
        self.bots = {}
        self.calls = {}

    def bot(self, token):
        with self.lock:
            return self.bots.setdefault(token, Bot())

    def count(self, token, method):
        with self.lock:
            key = (token, method.lower())
            self.calls[key] = self.calls.get(key, 0) + 1
            return self.calls[key]


def parse_multipart(content_type, body):
    msg = BytesParser(policy=HTTP_POLICY).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
    if not msg.is_multipart():
        raise ValueError("not a multipart body")
    fields, files = {}, {}
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name is None:
            raise ValueError("a part without a name")
        data = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is not None:
            files[name] = {"filename": filename, "content_type": part.get_content_type(),
                           "data": data}
        else:
            fields[name] = data.decode("utf-8")
    return fields, files


def deliver(state, bot, webhook, log):
    """What Telegram's WebhookActor does, for one update."""
    update = {"update_id": 1, "message": {"message_id": 1, "date": int(time.time()),
                                          "chat": {"id": 42, "type": "private"}, "text": "/start"}}
    parts = urlsplit(webhook["url"])
    host, port = parts.hostname, parts.port or 443
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    if webhook["cert_pem"]:
        ctx.load_verify_locations(cadata=webhook["cert_pem"])   # only the uploaded certificate
    else:
        ctx.load_default_certs()
    headers = {"Content-Type": "application/json", "Connection": "keep-alive"}
    netloc = parts.netloc
    if "@" in netloc:
        # As written in the URL: Telegram does not percent-decode the userinfo.
        userinfo = netloc.rsplit("@", 1)[0]
        headers["Authorization"] = "Basic " + base64.b64encode(userinfo.encode()).decode()
    if webhook.get("secret"):
        headers["X-Telegram-Bot-Api-Secret-Token"] = webhook["secret"]
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    error = None
    try:
        conn = http.client.HTTPSConnection(host, port, context=ctx, timeout=5)
        conn.request("POST", path, body=json.dumps(update).encode(), headers=headers)
        resp = conn.getresponse()
        resp.read()
        if not 200 <= resp.status < 300:
            error = f"Wrong response from the webhook: {resp.status} {resp.reason}"
        conn.close()
    except ssl.SSLCertVerificationError:
        error = "SSL error {error:0A000086:SSL routines::certificate verify failed}"
    except ssl.SSLError as e:
        error = "SSL error {" + str(e) + "}"
    except ConnectionRefusedError:
        error = "Connection refused"
    except ConnectionResetError:
        error = "Connection reset by peer"
    except socket.timeout:
        error = "Read timeout expired"
    except OSError as e:
        error = f"Can't connect to the webhook: {e}"
    with state.lock:
        if error:
            bot.last_error = (int(time.time()), error)
        else:
            bot.pending = 0
    log.write({"event": "delivery", "url_host": host, "error": error})


class ApiHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body are written separately: without this, Nagle and the client's delayed
    # ACK add 40 ms to every answer on a kept-alive connection.
    disable_nagle_algorithm = True
    state = None

    def log_message(self, *args):
        pass

    def answer(self, status, obj, content_type="application/json"):
        data = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def fail(self, code, description, **params):
        body = {"ok": False, "error_code": code, "description": description}
        if params:
            body["parameters"] = params
        self.answer(code, body)

    def ok(self, result, description=None):
        body = {"ok": True, "result": result}
        if description:
            body["description"] = description
        self.answer(200, body)

    def do_GET(self):
        self.handle_call(b"")

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.handle_call(self.rfile.read(length) if length else b"")

    def handle_call(self, body):
        state = self.state
        m = TOKEN_PATH.match(self.path)
        content_type = self.headers.get("Content-Type", "")
        record = {"event": "request", "path_ok": bool(m), "http_method": self.command,
                  "content_type": content_type.split(";")[0]}
        if not m:
            record["path"] = self.path[:200]
            state.log.write(record)
            return self.fail(404, "Not Found")
        bot_id, secret, method = m.groups()
        token = f"{bot_id}:{secret}"
        record.update({"token": token, "method": method})
        try:
            params, files = self.read_params(content_type, body)
        except ValueError as e:
            record["error"] = str(e)
            state.log.write(record)
            return self.fail(400, f"Bad Request: {e}")
        record["params"] = params
        record["files"] = {k: {"filename": v["filename"], "content_type": v["content_type"],
                               "text": v["data"].decode("utf-8", "replace")}
                           for k, v in files.items()}
        state.log.write(record)

        n = state.count(token, method)
        if secret.startswith("wrong"):
            return self.fail(401, "Unauthorized")
        if secret.startswith("flood60"):
            return self.fail(429, "Too Many Requests: retry after 60", retry_after=60)
        if secret.startswith("flood1") and n == 1:
            return self.fail(429, "Too Many Requests: retry after 1", retry_after=1)
        if secret.startswith("fail500"):
            return self.fail(500, "Internal Server Error")
        if secret.startswith("html502"):
            return self.answer(502, b"<html><body><h1>502 Bad Gateway</h1></body></html>",
                               "text/html")
        if secret.startswith("stall"):
            time.sleep(30)
            return self.fail(500, "stalled")
        if secret.startswith("drop"):
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        handler = getattr(self, "m_" + method.lower(), None)
        if handler is None:
            return self.fail(404, "Not Found: method not found")
        return handler(state.bot(token), params, files)

    def read_params(self, content_type, body):
        ct = content_type.split(";")[0].strip().lower()
        if not body:
            return {}, {}
        if ct == "application/json":
            obj = json.loads(body.decode("utf-8"))
            if not isinstance(obj, dict):
                raise ValueError("the JSON body is not an object")
            return obj, {}
        if ct == "multipart/form-data":
            return parse_multipart(content_type, body)
        if ct == "application/x-www-form-urlencoded":
            return {k: v[-1] for k, v in parse_qs(body.decode("utf-8"), keep_blank_values=True).items()}, {}
        raise ValueError(f"unsupported content type {ct!r}")

    # --- methods

    def m_getme(self, bot, params, files):
        self.ok({"id": 123456, "is_bot": True, "first_name": "Stand-in", "username": "standin_bot"})

    def m_setwebhook(self, bot, params, files):
        if self.headers.get("Content-Type", "").split(";")[0] != "multipart/form-data" and files:
            return self.fail(400, "Bad Request: a file needs multipart/form-data")
        unknown = (set(params) | set(files)) - SET_WEBHOOK_FIELDS
        if unknown:
            return self.fail(400, f"Bad Request: unexpected fields {sorted(unknown)}")
        if "certificate" in params:
            return self.fail(400, "Bad Request: certificate must be uploaded as a file")
        url = params.get("url")
        if url is None:
            return self.fail(400, "Bad Request: url is required")
        cert_pem = None
        if "certificate" in files:
            from cryptography import x509
            data = files["certificate"]["data"]
            if not files["certificate"]["filename"]:
                return self.fail(400, "Bad Request: certificate part has no file name")
            try:
                x509.load_pem_x509_certificate(data)
            except Exception:
                return self.fail(400, "Bad Request: bad webhook: Failed to set custom cert file")
            cert_pem = data.decode()
        if "max_connections" in params:
            try:
                mc = int(params["max_connections"])
            except ValueError:
                return self.fail(400, "Bad Request: max_connections is not a number")
            if not 1 <= mc <= 100:
                return self.fail(400, "Bad Request: max_connections out of range")
        if "allowed_updates" in params:
            try:
                au = json.loads(params["allowed_updates"])
            except ValueError:
                return self.fail(400, "Bad Request: can't parse allowed updates JSON array")
            if not isinstance(au, list) or not all(isinstance(x, str) for x in au):
                return self.fail(400, "Bad Request: allowed_updates must be an array of strings")
        if params.get("drop_pending_updates", "false") not in ("true", "false"):
            return self.fail(400, "Bad Request: drop_pending_updates must be a Boolean")
        if "secret_token" in params and not SECRET_RE.match(params["secret_token"]):
            return self.fail(400, "Bad Request: secret token contains unallowed characters")
        if "ip_address" in params:
            try:
                ipaddress.IPv4Address(params["ip_address"])
            except ValueError:
                return self.fail(400, "Bad Request: invalid IP address specified")
        if url == "":
            bot.webhook = None
            return self.ok(True, "Webhook was deleted")
        parts = urlsplit(url)
        if parts.scheme != "https":
            return self.fail(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        if (parts.port or 443) not in (443, 80, 88, 8443):
            return self.fail(400, "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")
        with self.state.lock:
            bot.webhook = {"url": url, "cert_pem": cert_pem, "secret": params.get("secret_token"),
                           "ip": params.get("ip_address"),
                           "max_connections": int(params.get("max_connections", 40))}
            bot.last_error = None
            bot.pending = 1
        t = threading.Thread(target=deliver, args=(self.state, bot, bot.webhook, self.state.log),
                             daemon=True)
        bot.delivery = t
        t.start()
        self.ok(True, "Webhook was set")

    def m_getwebhookinfo(self, bot, params, files):
        if bot.delivery is not None:
            bot.delivery.join(timeout=10)
        info = {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        if bot.webhook:
            info = {"url": bot.webhook["url"],
                    "has_custom_certificate": bot.webhook["cert_pem"] is not None,
                    "pending_update_count": bot.pending,
                    "max_connections": bot.webhook["max_connections"]}
            if bot.webhook.get("ip"):
                info["ip_address"] = bot.webhook["ip"]
            if bot.last_error:
                info["last_error_date"], info["last_error_message"] = bot.last_error
        self.ok(info)

    def m_deletewebhook(self, bot, params, files):
        drop = params.get("drop_pending_updates", False)
        if drop not in (True, False, "true", "false"):
            return self.fail(400, "Bad Request: drop_pending_updates must be a Boolean")
        was = bot.webhook is not None
        bot.webhook = None
        self.ok(True, "Webhook was deleted" if was else "Webhook is already deleted")

    def m_sendmessage(self, bot, params, files):
        chat_id = params.get("chat_id")
        text = params.get("text")
        if chat_id is None or chat_id == "":
            return self.fail(400, "Bad Request: chat_id is empty")
        if not text:
            return self.fail(400, "Bad Request: message text is empty")
        if isinstance(chat_id, str) and not chat_id.startswith("@"):
            try:
                chat_id = int(chat_id)
            except ValueError:
                return self.fail(400, "Bad Request: chat not found")
        if chat_id == 404:
            return self.fail(400, "Bad Request: chat not found")
        chat = ({"id": -1001234567890, "type": "channel", "username": chat_id[1:]}
                if isinstance(chat_id, str) else {"id": chat_id, "type": "private"})
        msg = {"message_id": 7, "date": int(time.time()), "chat": chat, "text": text}
        if "parse_mode" in params:
            msg["parse_mode_seen"] = params["parse_mode"]
        self.ok(msg)


def run_api(args):
    log = Log(args.log)
    ApiHandler.state = State(log)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), ApiHandler)
    server.daemon_threads = True
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    watchdog(lambda: None)
    print(f"PORT {server.server_address[1]}", flush=True)
    server.serve_forever()


# ---------------------------------------------------------------- webhook endpoint

class HookHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    cfg = None

    def log_message(self, *args):
        pass

    def do_POST(self):
        cfg = self.cfg
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        expected = "Basic " + base64.b64encode(f"{cfg.user}:{cfg.password}".encode()).decode()
        auth_ok = self.headers.get("Authorization") == expected
        secret = self.headers.get("X-Telegram-Bot-Api-Secret-Token")
        secret_ok = cfg.secret is None or secret == cfg.secret
        cfg.log.write({"event": "webhook", "path": self.path, "auth_ok": auth_ok,
                       "secret": secret, "content_type": self.headers.get("Content-Type"),
                       "body": body.decode("utf-8", "replace")})
        if not auth_ok:
            status, data = 401, b"Unauthorized"
        elif not secret_ok:
            status, data = 403, b"Forbidden"
        else:
            status, data = 200, b"{}"
        self.send_response(status)
        if status == 401:
            self.send_header("WWW-Authenticate", 'Basic realm="1C"')
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def run_webhook(args):
    args.log = Log(args.log)
    HookHandler.cfg = args
    server = None
    candidates = [args.bind] if args.bind else [
        f"127.{random.randint(1, 254)}.{random.randint(0, 255)}.{random.randint(1, 254)}"
        for _ in range(200)]
    for ip in candidates:
        try:
            server = http.server.ThreadingHTTPServer((ip, args.port), HookHandler)
            break
        except OSError:
            continue
    if server is None:
        print("ERROR no free loopback address", flush=True)
        sys.exit(3)
    server.daemon_threads = True
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    watchdog(lambda: None)
    print(f"ADDR {server.server_address[0]} {server.server_address[1]}", flush=True)
    server.serve_forever()


# ---------------------------------------------------------------- certificates, guard

def run_mkcert(args):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, args.cn)])
    now = datetime.datetime.now(datetime.timezone.utc)
    if args.days < 0:
        start, end = now + datetime.timedelta(days=2 * args.days), now + datetime.timedelta(days=args.days)
    else:
        start, end = now - datetime.timedelta(minutes=5), now + datetime.timedelta(days=args.days)
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(start).not_valid_after(end))
    if args.ip:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(args.ip))]), False)
    cert = builder.sign(key, hashes.SHA256())
    with open(args.out_cert, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(args.out_key, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))


def die_with_parent():
    """In the child: the kernel kills it when the guard dies, even by SIGKILL (Linux)."""
    try:
        import ctypes
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def run_guard(cmd):
    child = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL
                             if os.environ.get("GUARD_QUIET") else None,
                             preexec_fn=die_with_parent)

    def stop(*_):
        try:
            child.terminate()
            child.wait(timeout=3)
        except Exception:
            child.kill()
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    watchdog(stop)
    print(f"PID {child.pid}", flush=True)
    sys.exit(child.wait())


def main():
    import argparse
    if len(sys.argv) > 2 and sys.argv[1] == "guard" and sys.argv[2] == "--":
        return run_guard(sys.argv[3:])
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="mode", required=True)
    a = sub.add_parser("api")
    a.add_argument("--cert", required=True)
    a.add_argument("--key", required=True)
    a.add_argument("--log", required=True)
    w = sub.add_parser("webhook")
    w.add_argument("--cert", required=True)
    w.add_argument("--key", required=True)
    w.add_argument("--user", required=True)
    w.add_argument("--password", required=True)
    w.add_argument("--secret")
    w.add_argument("--port", type=int, default=8443)
    w.add_argument("--bind")
    w.add_argument("--log", required=True)
    m = sub.add_parser("mkcert")
    m.add_argument("--cn", required=True)
    m.add_argument("--ip")
    m.add_argument("--days", type=int, required=True)
    m.add_argument("--out-cert", required=True)
    m.add_argument("--out-key", required=True)
    args = p.parse_args()
    {"api": run_api, "webhook": run_webhook, "mkcert": run_mkcert}[args.mode](args)


if __name__ == "__main__":
    main()
