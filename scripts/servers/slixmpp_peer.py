#!/usr/bin/env python3
"""An XMPP peer for the rooms and contacts tests (tests/xmpp_rooms.rs), driven by JSON lines.
  slixmpp_peer.py --jid peer@localhost --password peerpw --port 5222
stdin, one command per line:
  {"join": "room@conference.localhost", "nick": "peer"}   join a room (MUC)
  {"say": "room@conference.localhost", "text": "..."}     groupchat message
  {"subscribe": "alice@localhost"}                         ask for alice's presence
  {"quit": true}                                           go offline and end
stdout, one event per line: {"event": "online"}, {"event": "joined", "room"},
  {"event": "occupant", "room", "nick", "type"}, {"event": "groupchat", "room", "nick", "body",
  "delay"}, {"event": "subscribed", "from"}, {"event": "error", "text"}.
STARTTLS with the certificate not checked (throwaway servers on loopback).
"""
import argparse, asyncio, json, ssl, sys, threading

import slixmpp


def emit(**event):
    sys.stdout.write(json.dumps(event, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--jid", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--port", type=int, default=5222)
    a = p.parse_args()
    c = slixmpp.ClientXMPP(a.jid, a.password)
    c.register_plugin("xep_0045")
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    c.ssl_context = ctx
    c.use_aiodns = False
    # Subscriptions: approve what is asked of us, ask back (slixmpp's defaults, said aloud).
    c.auto_authorize = True
    c.auto_subscribe = True
    loop = asyncio.get_event_loop()

    async def start(_):
        c.send_presence()
        await c.get_roster()
        emit(event="online")

    def groupchat(msg):
        emit(event="groupchat", room=str(msg["from"].bare), nick=msg["mucnick"],
             body=msg["body"], delay=bool(msg["delay"]["stamp"]))

    def muc_presence(pres):
        room = str(pres["from"].bare)
        emit(event="occupant", room=room, nick=pres["from"].resource, type=pres["type"])

    def subscribed(pres):
        emit(event="subscribed", **{"from": str(pres["from"].bare)})

    async def run(cmd):
        try:
            if "join" in cmd:
                muc = c.plugin["xep_0045"]
                await muc.join_muc_wait(cmd["join"], cmd["nick"], maxstanzas=0)
                # Who was in before us (their presences come inside the join).
                for nick in muc.get_roster(cmd["join"]) or []:
                    emit(event="occupant", room=cmd["join"], nick=nick, type="")
                emit(event="joined", room=cmd["join"])
            elif "say" in cmd:
                c.send_message(mto=cmd["say"], mbody=cmd["text"], mtype="groupchat")
            elif "subscribe" in cmd:
                c.send_presence(pto=cmd["subscribe"], ptype="subscribe")
            elif "quit" in cmd:
                c.disconnect()
        except Exception as e:  # reported, the peer goes on
            emit(event="error", text=repr(e))

    def read_stdin():
        for line in sys.stdin:
            line = line.strip()
            if line:
                cmd = json.loads(line)
                loop.call_soon_threadsafe(lambda cmd=cmd: asyncio.ensure_future(run(cmd)))
        loop.call_soon_threadsafe(c.disconnect)

    c.add_event_handler("session_start", start)
    c.add_event_handler("groupchat_message", groupchat)
    c.add_event_handler("muc_presence", muc_presence)
    c.add_event_handler("presence_subscribed", subscribed)
    threading.Thread(target=read_stdin, daemon=True).start()
    c.connect("127.0.0.1", a.port)
    loop.run_until_complete(c.disconnected)


if __name__ == "__main__":
    main()
