#!/usr/bin/env python3
"""The XMPP article's BOSH sequence, reproduced for the benchmark (Python stdlib only): nine
HTTP requests for one message, DIGEST-MD5, a fresh request for each step, as the article's 1C
code does it: create, auth, response, rspauth response, restart, bind, session, message, terminate.
  seed_bosh.py --url http://127.0.0.1:5280/http-bind --jid alice@localhost --password alicepw --to bob@localhost TEXT
"""
import argparse, base64, hashlib, os, random, re, urllib.request
from xml.sax.saxutils import escape, quoteattr

NS = "http://jabber.org/protocol/httpbind"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--jid", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--to", required=True)
    p.add_argument("text")
    a = p.parse_args()
    user, domain = a.jid.split("@", 1)
    rid = [random.randint(1, 2**52)]
    sid = [""]

    def post(inner="", attrs=""):
        rid[0] += 1
        s = f" sid='{sid[0]}'" if sid[0] else ""
        body = f"<body xmlns='{NS}' rid='{rid[0]}'{s} {attrs}>{inner}</body>".encode()
        req = urllib.request.Request(a.url, body, {"Content-Type": "text/xml; charset=utf-8"})
        return urllib.request.urlopen(req, timeout=30).read().decode()

    r = post(attrs=f"to='{domain}' xml:lang='en' ver='1.6' wait='5' hold='1' "
                   "xmlns:xmpp='urn:xmpp:xbosh' xmpp:version='1.0'")
    sid[0] = re.search(r"sid=['\"]([^'\"]+)", r).group(1)
    sasl = "urn:ietf:params:xml:ns:xmpp-sasl"
    r = post(f"<auth xmlns='{sasl}' mechanism='DIGEST-MD5'/>")
    ch = base64.b64decode(re.search(r"<challenge[^>]*>([^<]+)<", r).group(1)).decode()
    nonce = re.search(r'nonce="([^"]+)"', ch).group(1)
    cnonce = os.urandom(12).hex()
    uri = f"xmpp/{domain}"
    a1 = hashlib.md5(f"{user}::{a.password}".encode()).digest() + f":{nonce}:{cnonce}".encode()
    ha1 = hashlib.md5(a1).hexdigest()
    ha2 = hashlib.md5(f"AUTHENTICATE:{uri}".encode()).hexdigest()
    resp = hashlib.md5(f"{ha1}:{nonce}:00000001:{cnonce}:auth:{ha2}".encode()).hexdigest()
    answer = (f'username="{user}",nonce="{nonce}",cnonce="{cnonce}",nc=00000001,qop=auth,'
              f'digest-uri="{uri}",response={resp},charset=utf-8')
    post(f"<response xmlns='{sasl}'>{base64.b64encode(answer.encode()).decode()}</response>")
    r = post(f"<response xmlns='{sasl}'/>")
    assert "success" in r, r
    post(attrs=f"to='{domain}' xml:lang='en' xmlns:xmpp='urn:xmpp:xbosh' xmpp:restart='true'")
    post("<iq type='set' id='b' xmlns='jabber:client'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
         f"<resource>seed{random.randint(0, 10**9)}</resource></bind></iq>")
    post("<iq type='set' id='s' xmlns='jabber:client'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>")
    post(f"<message xmlns='jabber:client' to={quoteattr(a.to)} type='chat'><body>{escape(a.text)}</body></message>"
         "<iq type='get' id='p' xmlns='jabber:client'><ping xmlns='urn:xmpp:ping'/></iq>")
    post("<presence type='unavailable' xmlns='jabber:client'/>", "type='terminate'")


if __name__ == "__main__":
    main()
