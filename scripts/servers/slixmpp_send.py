#!/usr/bin/env python3
"""One message with slixmpp (the benchmark's Python peer), STARTTLS, certificate not checked.
  slixmpp_send.py --jid alice@localhost --password alicepw --port 5222 --to bob@localhost TEXT
"""
import argparse, asyncio, ssl

import slixmpp


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--jid", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--port", type=int, default=5222)
    p.add_argument("--to", required=True)
    p.add_argument("text")
    a = p.parse_args()
    c = slixmpp.ClientXMPP(a.jid, a.password)
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    c.ssl_context = ctx
    c.use_aiodns = False

    async def start(_):
        c.send_message(mto=a.to, mbody=a.text, mtype="chat")
        c.disconnect()

    c.add_event_handler("session_start", start)
    c.connect("127.0.0.1", a.port)
    asyncio.get_event_loop().run_until_complete(c.disconnected)


if __name__ == "__main__":
    main()
