#!/usr/bin/env python3
"""The raw limit for the session benchmark: logs in by hand (STARTTLS, SASL PLAIN, bind — no
client library), then writes N pre-built <message/> stanzas and a ping in one go and times from
the first byte written to the ping's answer (the server has then processed every message).
Certificate not checked. Prints one JSON line: {"sent", "seconds", "rate", "login_seconds", "bytes", "started_at"}
(started_at: wall-clock time of the first byte written).
  raw_flood.py --jid alice@localhost --password alicepw --port 5222 --to bob@localhost -n 1000 TEXT
"""
import argparse, base64, json, re, socket, ssl, time
from xml.sax.saxutils import escape, quoteattr


class Stream:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def send(self, text):
        self.sock.sendall(text.encode("utf-8"))

    def until(self, pattern):
        """Reads until `pattern` (a bytes regex) matches; consumes through the match."""
        rx = re.compile(pattern, re.S)
        while True:
            m = rx.search(self.buf)
            if m:
                self.buf = self.buf[m.end():]
                return m
            data = self.sock.recv(65536)
            if not data:
                raise EOFError(f"the server closed the stream; last read: {self.buf[-300:]!r}")
            self.buf += data


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--jid", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5222)
    p.add_argument("--to", required=True)
    p.add_argument("-n", type=int, default=1000)
    p.add_argument("text")
    a = p.parse_args()
    user, domain = a.jid.split("@", 1)
    header = (f"<?xml version='1.0'?><stream:stream to={quoteattr(domain)} version='1.0' "
              "xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>")
    features = rb"</stream:features>"
    t_login = time.perf_counter()
    s = Stream(socket.create_connection((a.host, a.port)))
    s.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.send(header)
    s.until(features)
    s.send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
    s.until(rb"<proceed[^>]*>")
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    s.sock = ctx.wrap_socket(s.sock, server_hostname=domain)
    s.buf = b""
    s.send(header)
    s.until(features)
    token = base64.b64encode(b"\0" + user.encode() + b"\0" + a.password.encode()).decode()
    s.send(f"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{token}</auth>")
    m = s.until(rb"<(success|failure)\b")
    if m.group(1) != b"success":
        raise SystemExit("authentication failed")
    s.until(rb"(/>|</success>)")
    s.buf = b""
    s.send(header)
    s.until(features)
    s.send("<iq type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
           "<resource>raw</resource></bind></iq>")
    s.until(rb"<iq[^>]*id=['\"]bind1['\"][^>]*>.*?</iq>")
    login = time.perf_counter() - t_login
    to = quoteattr(a.to)
    stanzas = "".join(
        f"<message to={to} type='chat' id='raw{i}'><body>{escape(f'{a.text} #{i}')}</body></message>"
        for i in range(1, a.n + 1))
    data = (stanzas + f"<iq type='get' id='ping1' to={quoteattr(domain)}><ping xmlns='urn:xmpp:ping'/></iq>").encode("utf-8")
    started_at = time.time()
    t0 = time.perf_counter()
    s.sock.sendall(data)
    s.until(rb"<iq[^>]*id=['\"]ping1['\"]")
    t = time.perf_counter() - t0
    s.send("</stream:stream>")
    try:
        s.until(rb"</stream:stream>")
    except (EOFError, OSError):
        pass
    s.sock.close()
    print(json.dumps({"sent": a.n, "seconds": t, "rate": a.n / t, "login_seconds": login, "bytes": len(data),
                      "started_at": started_at}))


if __name__ == "__main__":
    main()
