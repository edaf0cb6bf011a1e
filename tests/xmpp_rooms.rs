//! Rooms and contacts of the persistent session (issue 16) against real ejabberd and Prosody on
//! loopback: a room with two of our sessions (the command line's `listen --room` and a library
//! session) and one slixmpp peer, messages both ways with room, nick and our own echo marked;
//! the same room across an ejabberd restart (rejoined, messages after it arrive); nick
//! conflict, members-only and banned rooms refused with their own codes; a subscription from a
//! slixmpp peer accepted (`accept`) or queued (`ask`), and the roster showing the contact online,
//! then offline.
//!
//! The servers are this binary's own (ports 67xx–69xx, moved by MESSENGER_XMPP_TEST_PORT_SHIFT).

mod support;

use std::collections::VecDeque;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use messenger::i18n::{Lang, Localized};
use messenger::xmpp::muc::{self, RoomOption};
use messenger::xmpp::roster::Policy;
use messenger::xmpp::session::{self, Client, Incoming, Outgoing, Social};
use messenger::xmpp::{Error, LoginOptions};
use serde_json::{json, Value};
use support::child::Proc;
use support::pumps::StallProxy;
use support::xmpp::{Kind, Server};

const ROOM: &str = "lounge@conference.localhost";

/// The slixmpp peer (scripts/servers/slixmpp_peer.py) logged in as `user`, online.
fn peer(s: &Server, user: &str, password: &str) -> Proc {
    let mut c = Command::new("python3");
    c.arg(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scripts/servers/slixmpp_peer.py"
    ))
    .args([
        "--jid",
        &format!("{user}@localhost/peer"),
        "--password",
        password,
        "--port",
    ])
    .arg(s.c2s.to_string());
    let p = Proc::spawn_driven("peer", c);
    assert!(
        p.out
            .wait_json(0, Duration::from_secs(30), |v| v["event"] == "online")
            .is_some(),
        "the peer did not come online\n{}",
        p.dump()
    );
    p
}

fn peer_join(p: &mut Proc, room: &str, nick: &str) {
    let from = p.out.len();
    p.send(json!({"join": room, "nick": nick}));
    assert!(
        p.out
            .wait_json(from, Duration::from_secs(30), |v| v["event"] == "joined")
            .is_some(),
        "the peer did not join {room}\n{}",
        p.dump()
    );
}

/// The session states and notices one client saw.
#[derive(Default)]
struct Seen(Mutex<Vec<Value>>);

impl session::Observer for Seen {
    fn event(&self, event: session::Event<'_>) {
        let kind = match event {
            session::Event::Message(_) => return,
            session::Event::State { .. } => "state",
            session::Event::Notice(_) => "notice",
        };
        let mut v: Value = serde_json::from_str(&event.json(Lang::En)).unwrap();
        v["event"] = kind.into();
        self.0.lock().unwrap().push(v);
    }
}

impl Seen {
    fn wait(&self, from: usize, limit: Duration, pred: impl Fn(&Value) -> bool) -> Option<Value> {
        let until = Instant::now() + limit;
        loop {
            let found = self
                .0
                .lock()
                .unwrap()
                .iter()
                .skip(from)
                .find(|v| pred(v))
                .cloned();
            if found.is_some() || Instant::now() >= until {
                return found;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }
}

fn room(room: &str, nick: &str) -> RoomOption {
    RoomOption {
        room: room.into(),
        nick: Some(nick.into()),
        ..RoomOption::default()
    }
}

/// A library session of `user` (password `pw`) in `rooms`.
fn connect(
    s: &Server,
    user: &str,
    pw: &str,
    rooms: &[RoomOption],
    subscriptions: Policy,
) -> Result<(Client, Arc<Seen>), Error> {
    connect_via(
        s.settings(),
        s.options("starttls", None),
        user,
        pw,
        rooms,
        subscriptions,
    )
}

/// [`connect`] with the settings and the server address of the caller's choice.
fn connect_via(
    settings: messenger::net::NetSettings,
    options: messenger::xmpp::SendOptions,
    user: &str,
    pw: &str,
    rooms: &[RoomOption],
    subscriptions: Policy,
) -> Result<(Client, Arc<Seen>), Error> {
    let jid = format!("{user}@localhost");
    let login = LoginOptions::from_send_options(&settings, &jid, &options).expect("options");
    let config = session::Config {
        settings,
        login,
        status: None,
        priority: None,
    };
    let social = Social {
        rooms: muc::configs(rooms, &jid).expect("room options"),
        subscriptions,
        presence_updates: true,
    };
    let seen = Arc::new(Seen::default());
    let observer: Arc<dyn session::Observer> = seen.clone();
    let client = Client::connect_with(config, social, pw, Some(observer), VecDeque::new())?;
    Ok((client, seen))
}

/// Takes items from the session until one matches or `limit` passes; returns it and all taken.
fn take_until(
    client: &Client,
    limit: Duration,
    pred: impl Fn(&Incoming) -> bool,
) -> (Option<Incoming>, Vec<Incoming>) {
    let until = Instant::now() + limit;
    let mut all = Vec::new();
    while Instant::now() < until {
        for m in client.receive(Duration::from_millis(300)) {
            let hit = pred(&m);
            all.push(m.clone());
            if hit {
                return (Some(m), all);
            }
        }
    }
    (None, all)
}

fn groupchat<'a>(body: &'a str) -> impl Fn(&Incoming) -> bool + 'a {
    move |m| m.kind == "groupchat" && m.body.as_deref() == Some(body)
}

/// `messenger xmpp listen --room …` as `user`: a session of the command line in the room.
fn listen_in_room(s: &Server, user: &str, pw: &str, room_nick: &str) -> Proc {
    let mut c = Command::new(env!("CARGO_BIN_EXE_messenger"));
    c.args([
        "xmpp",
        "listen",
        "--jid",
        &format!("{user}@localhost"),
        "--server",
    ])
    .arg(format!("127.0.0.1:{}", s.c2s))
    .arg("--trusted")
    .arg(s.cert_path())
    .args(["--room", room_nick, "--for", "180"])
    .env("XMPP_PASSWORD", pw);
    let p = Proc::spawn("listen", c);
    assert!(
        p.err
            .wait_json(0, Duration::from_secs(30), |v| v["state"] == "connected")
            .is_some(),
        "listen --room did not come online\n{}",
        p.dump()
    );
    p
}

fn room_talk(kind: Kind, base: u16, name: &str) {
    let s = Server::start_at(kind, name, base, false);
    s.register("peer", "peerpw");
    let mut p = peer(&s, "peer", "peerpw");
    peer_join(&mut p, ROOM, "Пир");
    let cli = listen_in_room(&s, "alice", "alicepw", &format!("{ROOM}/alice-cli"));
    let (bob, _) = connect(&s, "bob", "bobpw", &[room(ROOM, "боб")], Policy::Leave)
        .unwrap_or_else(|e| panic!("bob joins the room: {e}"));

    // The peer speaks: both sessions get it, marked with the room and the peer's nick.
    let from_peer = format!("от пира {}", std::process::id());
    p.send(json!({"say": ROOM, "text": from_peer}));
    let (got, all) = take_until(&bob, Duration::from_secs(20), groupchat(&from_peer));
    let got = got.unwrap_or_else(|| panic!("bob did not get the peer's message: {all:?}"));
    assert_eq!(got.room.as_deref(), Some(ROOM), "{got:?}");
    assert_eq!(got.nick.as_deref(), Some("Пир"), "{got:?}");
    assert_eq!(got.own, Some(false), "{got:?}");
    let line = cli
        .out
        .wait_json(0, Duration::from_secs(20), |v| {
            v["body"] == from_peer.as_str()
        })
        .unwrap_or_else(|| {
            panic!(
                "listen --room did not print the peer's message\n{}",
                cli.dump()
            )
        })
        .1;
    assert_eq!(
        (line["room"].as_str(), line["nick"].as_str()),
        (Some(ROOM), Some("Пир")),
        "{line}"
    );
    assert_eq!(line["type"], "groupchat", "{line}");

    // Bob writes to the room's bare JID as to anyone: groupchat, no new join; his echo is his.
    let from_bob = format!("от боба {}", std::process::id());
    let sent = bob
        .send(&Outgoing {
            to: ROOM.into(),
            body: from_bob.clone(),
            ..Outgoing::default()
        })
        .expect("bob sends to the room");
    assert!(sent.acked, "{sent:?}");
    let (echo, all) = take_until(&bob, Duration::from_secs(20), groupchat(&from_bob));
    let echo = echo.unwrap_or_else(|| panic!("bob did not get his echo: {all:?}"));
    assert_eq!(
        (echo.nick.as_deref(), echo.own),
        (Some("боб"), Some(true)),
        "{echo:?}"
    );
    assert!(
        p.out
            .wait_json(0, Duration::from_secs(20), |v| v["event"] == "groupchat"
                && v["body"] == from_bob.as_str()
                && v["nick"] == "боб")
            .is_some(),
        "the peer did not get bob's message\n{}",
        p.dump()
    );
    let line = cli
        .out
        .wait_json(0, Duration::from_secs(20), |v| {
            v["body"] == from_bob.as_str()
        })
        .unwrap_or_else(|| panic!("listen --room did not print bob's message\n{}", cli.dump()))
        .1;
    assert_eq!(
        (line["nick"].as_str(), line["own"].as_bool()),
        (Some("боб"), Some(false)),
        "{line}"
    );

    // A second session of another account wanting bob's nick is refused, clearly.
    let taken = connect(&s, "carol", "pässwörd", &[room(ROOM, "боб")], Policy::Leave);
    match taken {
        Err(e) => {
            assert_eq!(e.code(), "XMPP_ROOM_NICK_CONFLICT", "{e}");
            assert!(
                e.message(Lang::Ru).contains("занят"),
                "{}",
                e.message(Lang::Ru)
            );
        }
        Ok(_) => panic!("a taken nick must fail XmppConnect"),
    }
}

#[test]
fn a_room_with_two_sessions_and_a_peer_on_ejabberd() {
    room_talk(Kind::Ejabberd, 6722, "rooms-ejabberd");
}

#[test]
fn a_room_with_two_sessions_and_a_peer_on_prosody() {
    room_talk(Kind::Prosody, 6822, "rooms-prosody");
}

/// The server restarts: it forgets the session (no resume) and the non-persistent room. The
/// session rejoins on its own; the peer's messages after the restart reach it, its own reach
/// the peer.
#[test]
fn a_room_is_rejoined_after_an_ejabberd_restart() {
    rejoined_after_restart(Kind::Ejabberd, 6922, "rooms-restart");
}

#[test]
fn a_room_is_rejoined_after_a_prosody_restart() {
    rejoined_after_restart(Kind::Prosody, 7222, "rooms-restart-prosody");
}

fn rejoined_after_restart(kind: Kind, base: u16, name: &str) {
    let s = Server::start_at(kind, name, base, false);
    s.register("peer", "peerpw");
    let (bob, seen) = connect(&s, "bob", "bobpw", &[room(ROOM, "bob")], Policy::Leave)
        .unwrap_or_else(|e| panic!("bob joins the room: {e}"));
    let mark = seen.len();
    s.stop();
    s.restart();
    let back = seen.wait(mark, Duration::from_secs(90), |v| {
        v["event"] == "state" && v["state"] == "connected" && v["attempt"].as_u64() > Some(0)
    });
    assert!(
        back.is_some(),
        "no reconnection: {:?}",
        seen.0.lock().unwrap()
    );
    let mut p = peer(&s, "peer", "peerpw");
    peer_join(&mut p, ROOM, "peer");
    // The peer sees bob in the room again: the rejoin happened without anyone asking.
    assert!(
        p.out
            .wait_json(0, Duration::from_secs(30), |v| v["event"] == "occupant"
                && v["nick"] == "bob")
            .is_some(),
        "bob did not rejoin the room after the restart\n{}",
        p.dump()
    );
    let after = format!("after the restart {}", std::process::id());
    p.send(json!({"say": ROOM, "text": after}));
    let (got, all) = take_until(&bob, Duration::from_secs(20), groupchat(&after));
    let got =
        got.unwrap_or_else(|| panic!("bob did not get the message after the restart: {all:?}"));
    assert_eq!(
        (got.room.as_deref(), got.nick.as_deref()),
        (Some(ROOM), Some("peer"))
    );
    let reply = format!("bob is back {}", std::process::id());
    let sent = bob
        .send(&Outgoing {
            to: ROOM.into(),
            body: reply.clone(),
            ..Outgoing::default()
        })
        .expect("bob sends after the restart");
    assert!(sent.acked, "{sent:?}");
    assert!(
        p.out
            .wait_json(0, Duration::from_secs(20), |v| v["event"] == "groupchat"
                && v["body"] == reply.as_str())
            .is_some(),
        "the peer did not get bob's message after the restart\n{}",
        p.dump()
    );
    // No room failure was reported on the way.
    let failures: Vec<Value> = seen
        .0
        .lock()
        .unwrap()
        .iter()
        .filter(|v| v["kind"] == "room")
        .cloned()
        .collect();
    assert!(failures.is_empty(), "{failures:?}");
}

/// One ejabberdctl command (through the server's ctl.sh), which must succeed.
fn ejabberdctl(s: &Server, args: &[&str]) {
    let out = Command::new(s.dir.join("ctl.sh"))
        .args(args)
        .output()
        .expect("ctl.sh");
    assert!(
        out.status.success(),
        "ctl.sh {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The error of a connect that must fail.
fn refused(result: Result<(Client, Arc<Seen>), Error>, what: &str) -> Error {
    match result {
        Err(e) => e,
        Ok(_) => panic!("{what}: the connect must fail"),
    }
}

/// Members-only, banned, password-protected and full rooms (made with ejabberdctl) refuse the
/// join with their own codes, and so does a room that never answers; a room that turns us away
/// after we were in is a queued item and an event, not a silence.
#[test]
fn refused_rooms_are_reported_on_ejabberd() {
    let s = Server::start_at(Kind::Ejabberd, "rooms-refused", 7022, false);
    let ctl = |args: &[&str]| ejabberdctl(&s, args);
    ctl(&[
        "create_room_with_opts",
        "club",
        "conference.localhost",
        "localhost",
        r#"[{"name": "members_only", "value": "true"}]"#,
    ]);
    match connect(
        &s,
        "bob",
        "bobpw",
        &[room("club@conference.localhost", "bob")],
        Policy::Leave,
    ) {
        Err(e) => assert_eq!(e.code(), "XMPP_ROOM_MEMBERS_ONLY", "{e}"),
        Ok(_) => panic!("a members-only room must refuse a stranger"),
    }
    ctl(&["create_room", "pub", "conference.localhost", "localhost"]);
    ctl(&[
        "set_room_affiliation",
        "pub",
        "conference.localhost",
        "bob@localhost",
        "outcast",
    ]);
    match connect(
        &s,
        "bob",
        "bobpw",
        &[room("pub@conference.localhost", "bob")],
        Policy::Leave,
    ) {
        Err(e) => {
            assert_eq!(e.code(), "XMPP_ROOM_BANNED", "{e}");
            assert!(e.message(Lang::En).contains("banned"), "{e}");
        }
        Ok(_) => panic!("a banned account must be refused"),
    }
    // Alice is in; then banned while in: the room removes her, and she is told.
    let (alice, seen) = connect(
        &s,
        "alice",
        "alicepw",
        &[room("pub@conference.localhost", "alice")],
        Policy::Leave,
    )
    .unwrap_or_else(|e| panic!("alice joins: {e}"));
    ctl(&[
        "set_room_affiliation",
        "pub",
        "conference.localhost",
        "alice@localhost",
        "outcast",
    ]);
    let (item, all) = take_until(&alice, Duration::from_secs(20), |m| {
        m.notice == Some("room")
    });
    let item = item.unwrap_or_else(|| panic!("no room item after the ban: {all:?}"));
    let v = item.json(Lang::En);
    assert_eq!(
        v["error"]
            .as_str()
            .map(|e| e.starts_with("[XMPP_ROOM_REMOVED]")),
        Some(true),
        "{v}"
    );
    assert!(
        seen.wait(0, Duration::from_secs(5), |v| v["state"] == "room_failed")
            .is_some(),
        "no XmppState event for the room lost"
    );
    drop(alice);

    // A password-protected room: no password and a wrong one are refused as such; the right
    // one lets us in (so the password is sent, and sent right).
    ctl(&[
        "create_room_with_opts",
        "safe",
        "conference.localhost",
        "localhost",
        // Persistent: ejabberd destroys an empty non-persistent room after the first refused
        // join, and the next join would make a new open room.
        r#"[{"name": "persistent", "value": "true"}, {"name": "password_protected", "value": "true"}, {"name": "password", "value": "sesame-7"}]"#,
    ]);
    let safe = |password: Option<&str>| {
        let mut r = room("safe@conference.localhost", "bob");
        r.password = password.map(str::to_owned);
        connect(&s, "bob", "bobpw", &[r], Policy::Leave)
    };
    for password in [None, Some("wrong")] {
        let e = refused(safe(password), "a room's password");
        assert_eq!(e.code(), "XMPP_ROOM_PASSWORD", "{password:?}: {e}");
        assert!(e.message(Lang::Ru).contains("пароль"), "{e}");
        assert!(!e.message(Lang::En).contains("wrong\""), "{e}");
        // ejabberd explains a password refusal in words of its own: they reach 1C quoted as
        // the server's, after ours.
        assert!(e.message(Lang::Ru).contains("; сервер пояснил: «"), "{e}");
    }
    let (inside, _) = safe(Some("sesame-7")).unwrap_or_else(|e| panic!("the right password: {e}"));
    drop(inside);

    // A room for one occupant: alice is in, bob finds it full (ejabberd says
    // resource-constraint, XEP-0045 service-unavailable: both are XMPP_ROOM_FULL).
    ctl(&[
        "create_room_with_opts",
        "booth",
        "conference.localhost",
        "localhost",
        r#"[{"name": "persistent", "value": "true"}, {"name": "max_users", "value": "1"}]"#,
    ]);
    let booth = room("booth@conference.localhost", "alice");
    let (alice, _) = connect(&s, "alice", "alicepw", &[booth], Policy::Leave)
        .unwrap_or_else(|e| panic!("alice takes the one place: {e}"));
    let e = refused(
        connect(
            &s,
            "bob",
            "bobpw",
            &[room("booth@conference.localhost", "bob")],
            Policy::Leave,
        ),
        "a full room",
    );
    assert_eq!(e.code(), "XMPP_ROOM_FULL", "{e}");
    drop(alice);

    // A "room" that never answers: a presence to the full JID of an account that is offline is
    // dropped by the server without a word (RFC 6121 §8.5.3.2.1), so the join meets silence.
    let mut settings = s.settings();
    settings.timeout = Duration::from_secs(4);
    let e = refused(
        connect_via(
            settings,
            s.options("starttls", None),
            "bob",
            "bobpw",
            &[room("carol@localhost", "bob")],
            Policy::Leave,
        ),
        "a silent room",
    );
    assert_eq!(e.code(), "XMPP_ROOM_NO_ANSWER", "{e}");
}

/// A rejoin refused after a restart is reported: while the server was down (and bob could not
/// come back: his connections held by a stalled proxy), he was banned from one room and the
/// peer took his nick in another; when he is let through, each room's refusal reaches him as a
/// queued `room` item and an XmppState `room_failed` event, and the session goes on.
#[test]
fn a_rejoin_refused_after_a_restart_is_reported_on_ejabberd() {
    let s = Server::start_at(Kind::Ejabberd, "rooms-rejoin", 7422, false);
    s.register("peer", "peerpw");
    for name in ["vault", "den"] {
        ejabberdctl(
            &s,
            &[
                "create_room_with_opts",
                name,
                "conference.localhost",
                "localhost",
                r#"[{"name": "persistent", "value": "true"}]"#,
            ],
        );
    }
    let proxy = StallProxy::start(s.c2s);
    let mut settings = s.settings();
    settings.timeout = Duration::from_secs(5);
    let mut options = s.options("starttls", None);
    options.server = Some(format!("127.0.0.1:{}", proxy.port));
    let rooms = [
        room("vault@conference.localhost", "bob"),
        room("den@conference.localhost", "bob"),
    ];
    let (bob, seen) = connect_via(settings, options, "bob", "bobpw", &rooms, Policy::Leave)
        .unwrap_or_else(|e| panic!("bob joins both rooms: {e}"));
    proxy.stall();
    s.stop();
    s.restart();
    ejabberdctl(
        &s,
        &[
            "set_room_affiliation",
            "vault",
            "conference.localhost",
            "bob@localhost",
            "outcast",
        ],
    );
    let mut p = peer(&s, "peer", "peerpw");
    peer_join(&mut p, "den@conference.localhost", "bob");
    proxy.resume_new();
    let mut codes = std::collections::BTreeMap::new();
    let until = Instant::now() + Duration::from_secs(120);
    while codes.len() < 2 && Instant::now() < until {
        for m in bob.receive(Duration::from_millis(300)) {
            if m.notice == Some("room") {
                let v = m.json(Lang::En);
                let code = v["error"].as_str().unwrap_or_default();
                let code = code[..code.find(']').map_or(0, |i| i + 1)].to_owned();
                codes.insert(m.room.clone().unwrap_or_default(), (code, v));
            }
        }
    }
    let code = |room: &str| codes.get(room).map(|(c, _)| c.as_str());
    assert_eq!(
        code("vault@conference.localhost"),
        Some("[XMPP_ROOM_BANNED]"),
        "{codes:?}"
    );
    assert_eq!(
        code("den@conference.localhost"),
        Some("[XMPP_ROOM_NICK_CONFLICT]"),
        "{codes:?}"
    );
    let events: Vec<Value> = seen
        .0
        .lock()
        .unwrap()
        .iter()
        .filter(|v| v["state"] == "room_failed")
        .cloned()
        .collect();
    assert_eq!(events.len(), 2, "{events:?}");
    assert!(bob.is_live(), "a refused room must not end the session");
}

/// Subscriptions: `accept` approves the peer and asks back, so the roster shows the peer
/// online, then offline; `ask` queues the request for the owner, who approves it.
#[test]
fn subscriptions_and_the_roster_on_ejabberd() {
    subscriptions_and_the_roster(Kind::Ejabberd, 7122, "rooms-roster");
}

#[test]
fn subscriptions_and_the_roster_on_prosody() {
    subscriptions_and_the_roster(Kind::Prosody, 7322, "rooms-roster-prosody");
}

fn subscriptions_and_the_roster(kind: Kind, base: u16, name: &str) {
    let s = Server::start_at(kind, name, base, false);
    s.register("peer", "peerpw");
    s.register("peer2", "peerpw");
    let (alice, _) = connect(&s, "alice", "alicepw", &[], Policy::Accept).expect("alice");
    let mut p = peer(&s, "peer", "peerpw");
    p.send(json!({"subscribe": "alice@localhost"}));
    // The peer is approved and asked back; slixmpp approves; its presence comes to alice.
    let (online, all) = take_until(&alice, Duration::from_secs(30), |m| {
        m.notice == Some("presence")
            && m.kind == "available"
            && m.from.as_deref() == Some("peer@localhost/peer")
    });
    assert!(
        online.is_some(),
        "the peer's presence did not come: {all:?}"
    );
    let contacts = alice.roster();
    let c = contacts
        .iter()
        .find(|c| c.jid == "peer@localhost")
        .unwrap_or_else(|| panic!("{contacts:?}"));
    assert_eq!(c.subscription, "both", "{contacts:?}");
    assert_eq!(c.presence.len(), 1, "{contacts:?}");
    assert_eq!(c.presence[0].resource, "peer");
    p.send(json!({"quit": true}));
    let (offline, all) = take_until(&alice, Duration::from_secs(30), |m| {
        m.notice == Some("presence") && m.kind == "unavailable"
    });
    assert!(
        offline.is_some(),
        "the peer going offline was not seen: {all:?}"
    );
    let contacts = alice.roster();
    let c = contacts
        .iter()
        .find(|c| c.jid == "peer@localhost")
        .expect("still a contact");
    assert!(c.presence.is_empty(), "{contacts:?}");
    drop(p);

    // ask: the request is queued; the owner approves it.
    let (bob, _) = connect(&s, "bob", "bobpw", &[], Policy::Ask).expect("bob");
    let mut p2 = peer(&s, "peer2", "peerpw");
    p2.send(json!({"subscribe": "bob@localhost"}));
    let (request, all) = take_until(&bob, Duration::from_secs(30), |m| {
        m.notice == Some("subscription")
    });
    let request = request.unwrap_or_else(|| panic!("the request was not queued: {all:?}"));
    assert_eq!(
        (request.from.as_deref(), request.kind.as_str()),
        (Some("peer2@localhost"), "subscribe")
    );
    let json = request.json(Lang::En);
    assert_eq!(json["kind"], "subscription", "{json}");
    let answered = bob
        .answer_subscription("peer2@localhost", true)
        .expect("approve");
    assert!(answered.acked);
    assert!(
        p2.out
            .wait_json(0, Duration::from_secs(20), |v| v["event"] == "subscribed"
                && v["from"] == "bob@localhost")
            .is_some(),
        "the peer was not told of the approval\n{}",
        p2.dump()
    );
}

/// A roster over the limit (10,001 items, written into Prosody's own storage before the
/// login) is cut at 10,000 and the owner is told: a queued `roster` item of type `truncated`
/// with the limit, and an XmppState `roster_truncated` event, once.
#[test]
fn a_roster_cut_at_its_limit_is_reported_on_prosody() {
    let s = Server::start_at(Kind::Prosody, "rooms-big-roster", 7522, false);
    let limit = messenger::xmpp::roster::MAX_CONTACTS;
    let dir = s.dir.join("data/localhost/roster");
    std::fs::create_dir_all(&dir).unwrap();
    let mut lua = String::from("return {\n[false] = { [\"version\"] = 1; };\n");
    for i in 0..=limit {
        lua.push_str(&format!(
            "[\"c{i}@example.org\"] = {{ [\"subscription\"] = \"none\"; [\"groups\"] = {{}}; }};\n"
        ));
    }
    lua.push_str("};\n");
    std::fs::write(dir.join("alice.dat"), lua).unwrap();
    let own = Command::new("chown")
        .args(["-R", "prosody:prosody"])
        .arg(s.dir.join("data"))
        .status()
        .expect("chown");
    assert!(own.success());
    let (alice, seen) = connect(&s, "alice", "alicepw", &[], Policy::Leave).expect("alice");
    let (item, all) = take_until(&alice, Duration::from_secs(30), |m| {
        m.notice == Some("roster")
    });
    let item = item.unwrap_or_else(|| panic!("no roster item: {:?}", &all[..all.len().min(5)]));
    let v = item.json(Lang::En);
    assert_eq!(
        (v["kind"].as_str(), v["type"].as_str()),
        (Some("roster"), Some("truncated")),
        "{v}"
    );
    assert_eq!(v["limit"], limit, "{v}");
    assert_eq!(alice.roster().len(), limit);
    let events: Vec<Value> = seen
        .0
        .lock()
        .unwrap()
        .iter()
        .filter(|v| v["state"] == "roster_truncated")
        .cloned()
        .collect();
    assert_eq!(events.len(), 1, "{events:?}");
}
