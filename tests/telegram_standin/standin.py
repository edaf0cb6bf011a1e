#!/usr/bin/env python3
"""Local stand-ins for the Telegram tests (loopback only).

  standin.py api --cert C --key K --log FILE
      An HTTPS stand-in of the Bot API on 127.0.0.1 (free port, printed as "PORT <n>").
      It checks each request as the Bot API documents it and answers with Telegram's envelopes.
      After setWebhook it delivers one update to the webhook URL over HTTPS, trusting only the
      uploaded certificate, with Basic Auth from the URL (as written, not percent-decoded) and
      the X-Telegram-Bot-Api-Secret-Token header, and getWebhookInfo then reports the outcome.
      The secret part of the bot token selects a misbehaviour (see BEHAVIOURS).
      Files: the eight send methods (sendDocument, sendPhoto, ...) and sendMediaGroup take
      multipart uploads, checked as the Bot API documents them (the file in the method's own
      field or referenced by attach://, raw UTF-8 file names, no filename*); getFile and
      GET /file/bot<token>/<file_path> give them back. getUpdates has Telegram's offset
      semantics, long polling and the 409 while a webhook is set.
      Test-only paths (not Bot API): POST /seed?name=N stores the body as a file and answers
      its file_id; POST /inject?token=T queues the JSON list of updates for that bot.

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
import hashlib
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
  local                    getFile answers an absolute file_path on disk, as a local Bot API
                           server (--local) does, and the file is not served over HTTP
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
        self.updates = []        # unconfirmed updates, oldest first
        self.next_update_id = 1000
        self.polling = False     # a getUpdates is waiting


SEND_FIELDS = {"senddocument": "document", "sendphoto": "photo", "sendaudio": "audio",
               "sendvideo": "video", "sendanimation": "animation", "sendvoice": "voice",
               "sendvideonote": "video_note", "sendsticker": "sticker"}
CLOUD_DOWNLOAD_LIMIT = 20 * 1024 * 1024


class State:
    def __init__(self, log, files_dir):
        self.log = log
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.bots = {}
        self.calls = {}
        self.files_dir = files_dir
        self.files = {}          # file_id -> {"path": disk path, "name": ..., "size": ...}
        self.file_seq = 0

    def store_file(self, data, name):
        with self.lock:
            self.file_seq += 1
            n = self.file_seq
        file_id = f"BQACAgIAAx{n:06d}_standin-file"
        path = os.path.join(self.files_dir, f"file_{n}")
        with open(path, "wb") as f:
            f.write(data)
        with self.lock:
            self.files[file_id] = {"path": path, "name": name, "size": len(data),
                                   "file_path": f"documents/file_{n}"}
        return file_id

    def bot(self, token):
        with self.lock:
            return self.bots.setdefault(token, Bot())

    def count(self, token, method):
        with self.lock:
            key = (token, method.lower())
            self.calls[key] = self.calls.get(key, 0) + 1
            return self.calls[key]


DISPOSITION_PARAM = re.compile(rb'\s*;\s*([A-Za-z*]+)="((?:[^"\\\r\n]|\\.)*)"')


def parse_multipart(content_type, body):
    """multipart/form-data read by hand, strictly, as RFC 7578 has it: every part has a
    Content-Disposition of form-data with a name; a file name is a quoted string of raw UTF-8
    (filename* is not allowed, §4.2); the body ends with the closing delimiter."""
    m = re.search(r'boundary="?([^";]+)"?', content_type)
    if not m:
        raise ValueError("multipart without a boundary")
    delim = b"--" + m.group(1).encode()
    if not body.startswith(delim + b"\r\n"):
        raise ValueError("the body does not start with the boundary")
    end = body.rfind(b"\r\n" + delim + b"--")
    if end < 0:
        raise ValueError("no closing boundary")
    fields, files = {}, {}
    for chunk in body[len(delim) + 2:end].split(b"\r\n" + delim + b"\r\n"):
        head, sep, data = chunk.partition(b"\r\n\r\n")
        if not sep:
            raise ValueError("a part without a header end")
        headers = {}
        for line in head.split(b"\r\n"):
            k, _, v = line.partition(b":")
            headers[k.strip().lower()] = v.strip()
        cd = headers.get(b"content-disposition", b"")
        if not cd.startswith(b"form-data"):
            raise ValueError("a part without Content-Disposition: form-data")
        params = {k.decode().lower(): v for k, v in DISPOSITION_PARAM.findall(cd[len(b"form-data"):])}
        if "filename*" in params or b"filename*" in cd:
            raise ValueError("filename* is not allowed in multipart/form-data (RFC 7578)")
        if "name" not in params:
            raise ValueError("a part without a name")
        try:
            name = params["name"].decode("utf-8")
            filename = params["filename"].decode("utf-8") if "filename" in params else None
        except UnicodeDecodeError:
            raise ValueError("a part name or file name that is not UTF-8")
        if filename is not None:
            ct = headers.get(b"content-type", b"application/octet-stream").decode("latin-1")
            files[name] = {"filename": filename, "content_type": ct.split(";")[0].strip(),
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
        if self.path.startswith("/file/"):
            return self.serve_file()
        self.handle_call(b"")

    def do_POST(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            self.state.log.write({"event": "request", "error": "chunked"})
            return self.fail(400, "Bad Request: a body without Content-Length")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.path.startswith("/seed"):
            name = parse_qs(urlsplit(self.path).query).get("name", ["file"])[0]
            return self.answer(200, {"file_id": self.state.store_file(body, name)})
        if self.path.startswith("/inject"):
            token = parse_qs(urlsplit(self.path).query)["token"][0]
            bot = self.state.bot(token)
            with self.state.cond:
                for payload in json.loads(body):
                    bot.updates.append(dict(payload, update_id=bot.next_update_id))
                    bot.next_update_id += 1
                self.state.cond.notify_all()
            return self.answer(200, {"queued": len(bot.updates)})
        self.handle_call(body)

    def serve_file(self):
        m = re.match(r"^/file/bot(\d+):([A-Za-z0-9_-]+)/(.+)$", self.path)
        entry = None
        if m:
            with self.state.lock:
                entry = next((f for f in self.state.files.values()
                              if f["file_path"] == m.group(3)), None)
        self.state.log.write({"event": "download", "found": entry is not None,
                              "token": f"{m.group(1)}:{m.group(2)}" if m else None})
        if entry is None or (m and m.group(2).startswith("local")):
            return self.fail(404, "Not Found")
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(entry["size"]))
        self.end_headers()
        with open(entry["path"], "rb") as f:
            while True:
                chunk = f.read(1 << 20)
                if not chunk:
                    break
                self.wfile.write(chunk)

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
                               "size": len(v["data"]),
                               "sha256": hashlib.sha256(v["data"]).hexdigest(),
                               "text": v["data"][:65536].decode("utf-8", "replace")}
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
        if method.lower() in SEND_FIELDS:
            return self.send_file(state.bot(token), SEND_FIELDS[method.lower()], params, files)
        handler = getattr(self, "m_" + method.lower(), None)
        if handler is None:
            return self.fail(404, "Not Found: method not found")
        self.secret = secret
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

    # --- files

    def input_file(self, field, params, files, used):
        """The InputFile in `field`: an uploaded part, or a file_id / URL string. Returns
        (kind, data, filename, content_type) or raises ValueError."""
        if field in files:
            used.add(field)
            f = files[field]
            if not f["filename"]:
                raise ValueError(f"the file part {field} has no file name")
            return "upload", f["data"], f["filename"], f["content_type"]
        value = params.get(field)
        if not isinstance(value, str) or not value:
            raise ValueError(f"there is no file in the request ({field})")
        if value.startswith("attach://"):
            name = value[len("attach://"):]
            if name not in files:
                raise ValueError(f"can't find attached file {name}")
            used.add(name)
            f = files[name]
            return "upload", f["data"], f["filename"], f["content_type"]
        if value.startswith(("http://", "https://")):
            return "url", b"", value.rsplit("/", 1)[-1], None
        with self.state.lock:
            entry = self.state.files.get(value)
        if entry is None:
            raise ValueError("wrong file identifier/HTTP URL specified")
        with open(entry["path"], "rb") as fh:
            return "file_id", fh.read(), entry["name"], None

    def message_with(self, params):
        chat_id = params.get("chat_id")
        if chat_id in (None, ""):
            raise ValueError("chat_id is empty")
        if isinstance(chat_id, str) and not chat_id.startswith("@"):
            chat_id = int(chat_id)
        msg = {"message_id": 8, "date": int(time.time()),
               "chat": {"id": chat_id, "type": "private"}}
        if "caption" in params:
            msg["caption"] = params["caption"]
        if "reply_markup" in params:
            rm = params["reply_markup"]
            msg["reply_markup"] = json.loads(rm) if isinstance(rm, str) else rm
        return msg

    def described(self, kind, data, filename, content_type):
        if kind == "url":
            return {"file_id": "BQACAgIAAxURL_standin", "file_unique_id": "url", "file_size": 0,
                    "file_name": filename}
        file_id = self.state.store_file(data, filename)
        d = {"file_id": file_id, "file_unique_id": file_id[-12:], "file_size": len(data),
             "file_name": filename, "sha256": hashlib.sha256(data).hexdigest(), "via": kind}
        if content_type:
            d["mime_type"] = content_type
        return d

    def send_file(self, bot, field, params, files):
        used = set()
        try:
            msg = self.message_with(params)
            kind, data, filename, ct = self.input_file(field, params, files, used)
            if "thumbnail" in params or "thumbnail" in files:
                self.input_file("thumbnail", params, files, used)
        except ValueError as e:
            return self.fail(400, f"Bad Request: {e}")
        unused = sorted(set(files) - used)
        if unused:
            return self.fail(400, f"Bad Request: file parts nobody refers to: {unused}")
        msg[field] = self.described(kind, data, filename, ct)
        self.ok(msg)

    def m_sendmediagroup(self, bot, params, files):
        used = set()
        try:
            msg = self.message_with(params)
            media = params.get("media")
            media = json.loads(media) if isinstance(media, str) else media
            if not isinstance(media, list) or not 2 <= len(media) <= 10:
                raise ValueError("media must be an array of 2-10 items")
            out = []
            for i, item in enumerate(media):
                if not isinstance(item, dict) or "type" not in item:
                    raise ValueError(f"media item {i} has no type")
                kind, data, filename, ct = self.input_file("media", item, files, used)
                out.append(dict(msg, message_id=100 + i,
                                **{item["type"]: self.described(kind, data, filename, ct)}))
        except ValueError as e:
            return self.fail(400, f"Bad Request: {e}")
        unused = sorted(set(files) - used)
        if unused:
            return self.fail(400, f"Bad Request: file parts nobody refers to: {unused}")
        self.ok(out)

    def m_getfile(self, bot, params, files):
        with self.state.lock:
            entry = self.state.files.get(params.get("file_id"))
        if entry is None:
            return self.fail(400, "Bad Request: invalid file_id")
        local = self.secret.startswith("local")
        if entry["size"] > CLOUD_DOWNLOAD_LIMIT and not local:
            return self.fail(400, "Bad Request: file is too big")
        self.ok({"file_id": params["file_id"], "file_unique_id": params["file_id"][-12:],
                 "file_size": entry["size"],
                 "file_path": os.path.abspath(entry["path"]) if local else entry["file_path"]})

    # --- polling

    def m_getupdates(self, bot, params, files):
        def integer(name, default):
            v = params.get(name, default)
            if isinstance(v, bool) or not isinstance(v, (int, str)):
                raise ValueError(f"{name} must be an Integer")
            return int(v)
        try:
            offset = integer("offset", 0)
            limit = integer("limit", 100)
            timeout = integer("timeout", 0)
        except ValueError as e:
            return self.fail(400, f"Bad Request: {e}")
        if not 1 <= limit <= 100:
            limit = 100 if limit > 100 else 1
        allowed = params.get("allowed_updates")
        if allowed is not None and (not isinstance(allowed, list)
                                    or not all(isinstance(x, str) for x in allowed)):
            return self.fail(400, "Bad Request: can't parse allowed updates JSON array")
        if bot.webhook:
            return self.fail(409, "Conflict: can't use getUpdates method while webhook is active; "
                                  "use deleteWebhook to delete the webhook first")
        deadline = time.time() + timeout
        with self.state.cond:
            if bot.polling:
                return self.fail(409, "Conflict: terminated by other getUpdates request; make "
                                      "sure that only one bot instance is running")
            bot.polling = True
            try:
                # Confirmation: an offset above an update's id drops it for good; a negative
                # one keeps only the last -offset updates.
                if offset > 0:
                    bot.updates = [u for u in bot.updates if u["update_id"] >= offset]
                elif offset < 0:
                    bot.updates = bot.updates[offset:]
                while not bot.updates and time.time() < deadline:
                    self.state.cond.wait(timeout=max(0.0, deadline - time.time()))
                batch = [u for u in bot.updates
                         if allowed is None or len(allowed) == 0
                         or any(k in u for k in allowed)][:limit]
            finally:
                bot.polling = False
        self.state.log.write({"event": "updates", "offset": offset, "timeout": timeout,
                              "ids": [u["update_id"] for u in batch]})
        self.ok(batch)

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
    files_dir = os.path.join(os.path.dirname(os.path.abspath(args.log)), "standin-files")
    os.makedirs(files_dir, exist_ok=True)
    ApiHandler.state = State(log, files_dir)
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
