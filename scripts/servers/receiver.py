#!/usr/bin/env python3
"""The receiving side of the XMPP tests: a slixmpp client that logs in and writes one JSON line
per message with a body to --out: {"from", "type", "id", "body", "oob" when it has one}; first {"event": "ready"} once
it is online. Certificates are not checked (the test servers' are self-signed). --stamp adds
"t", the arrival time (Unix seconds), to each message line.
  receiver.py --jid bob@localhost/rx --password bobpw --port 5222 --out rx.jsonl
"""
import argparse, asyncio, json, signal, ssl, time

import slixmpp


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--jid", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--room", help="join this MUC room (room@service/nick) too")
    p.add_argument("--stamp", action="store_true", help='add "t": the arrival time')
    a = p.parse_args()
    out = open(a.out, "a", encoding="utf-8", buffering=1)

    def write(obj):
        out.write(json.dumps(obj, ensure_ascii=False) + "\n")
        out.flush()

    client = slixmpp.ClientXMPP(a.jid, a.password)
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    client.ssl_context = context
    client.use_aiodns = False
    client.register_plugin("xep_0199")
    client.register_plugin("xep_0045")

    async def started(_):
        client.send_presence()
        await client.get_roster()
        if a.room:
            room, nick = a.room.split("/", 1)
            await client.plugin["xep_0045"].join_muc_wait(room, nick, maxstanzas=0)
        write({"event": "ready"})

    def message(msg):
        if msg["type"] != "error" and msg["body"]:
            line = {"from": str(msg["from"]), "type": msg["type"], "id": msg["id"],
                    "body": msg["body"], "subject": msg["subject"]}
            # the out-of-band URL (XEP-0066) that file messages carry, read from the raw XML
            oob = msg.xml.find("{jabber:x:oob}x/{jabber:x:oob}url")
            if oob is not None:
                line["oob"] = oob.text
            if a.stamp:
                line["t"] = time.time()
            write(line)

    client.add_event_handler("session_start", started)
    client.add_event_handler("message", message)
    client.add_event_handler("groupchat_message", lambda m: None)
    client.add_event_handler("failed_auth", lambda _: (write({"event": "failed_auth"}), client.disconnect()))
    loop = asyncio.get_event_loop()
    for s in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(s, client.disconnect)
    client.connect(a.host, a.port)
    loop.run_until_complete(client.disconnected)


if __name__ == "__main__":
    main()
