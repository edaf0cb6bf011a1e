#!/usr/bin/env python3
"""N messages in one slixmpp session (the benchmark's Python peer): bodies "TEXT #1" .. "TEXT #N"
queued at once, then a ping to the server — its answer means the server has processed every
message before it — then a clean disconnect. STARTTLS, certificate not checked. Prints one JSON
line: {"sent", "seconds" (first send to the ping's answer), "rate"}.
  slixmpp_flood.py --jid alice@localhost --password alicepw --port 5222 --to bob@localhost -n 1000 TEXT
"""
import argparse, asyncio, json, ssl, time

import slixmpp


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
    c = slixmpp.ClientXMPP(a.jid, a.password)
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    c.ssl_context = ctx
    c.use_aiodns = False
    c.register_plugin("xep_0199")
    result = {}

    async def start(_):
        t0 = time.perf_counter()
        for i in range(1, a.n + 1):
            c.send_message(mto=a.to, mbody=f"{a.text} #{i}", mtype="chat")
        await c.plugin["xep_0199"].ping(jid=c.boundjid.domain, timeout=300)
        t = time.perf_counter() - t0
        result.update(sent=a.n, seconds=t, rate=a.n / t)
        c.disconnect()

    c.add_event_handler("session_start", start)
    c.add_event_handler("failed_auth", lambda _: c.disconnect())
    c.connect(a.host, a.port)
    asyncio.get_event_loop().run_until_complete(c.disconnected)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
