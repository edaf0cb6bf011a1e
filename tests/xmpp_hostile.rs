//! SendXmpp against peers that misbehave: fake servers scripted here (a wrong SCRAM signature, a
//! wrong DIGEST-MD5 rspauth, malformed XML, an endless stanza, silence, stream errors, a BOSH
//! terminate), unreachable addresses and invalid input. No real server needed.

mod support;

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use base64::Engine;
use messenger::i18n::Localized;
use messenger::net::NetSettings;
use messenger::xmpp::{send_message, Error, SendOptions};
use support::net::{read_until, serve_one};

const HEADER: &str = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' \
    xmlns:stream='http://etherx.jabber.org/streams' id='fake' from='localhost' version='1.0'>";

fn features(mechs: &[&str]) -> String {
    let m: String = mechs
        .iter()
        .map(|m| format!("<mechanism>{m}</mechanism>"))
        .collect();
    format!("<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>{m}</mechanisms></stream:features>")
}

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn unb64(s: &str) -> String {
    String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(s.trim())
            .unwrap(),
    )
    .unwrap()
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text.find(start).map(|i| i + start.len()).unwrap_or(0);
    let rest = &text[from..];
    let gt = rest.find('>').map(|i| i + 1).unwrap_or(0);
    let rest = &rest[gt..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

fn settings(secs: u64) -> NetSettings {
    NetSettings {
        timeout: Duration::from_secs(secs),
        ..NetSettings::default()
    }
}

fn plain_tcp(port: u16, mech: &str) -> SendOptions {
    SendOptions {
        server: Some(format!("127.0.0.1:{port}")),
        tls: Some("none".into()),
        mechanisms: Some(vec![mech.into()]),
        ..SendOptions::default()
    }
}

fn send(port: u16, mech: &str, secs: u64) -> Error {
    send_message(
        &settings(secs),
        "alice@localhost",
        "secret",
        "bob@localhost",
        "x",
        &plain_tcp(port, mech),
    )
    .unwrap_err()
}

#[test]
fn wrong_scram_server_signature_is_refused() {
    for (mech, in_success) in [
        ("SCRAM-SHA-1", true),
        ("SCRAM-SHA-256", true),
        ("SCRAM-SHA-256", false),
    ] {
        let port = serve_one(move |mut s| {
            read_until(&mut s, "version");
            let _ = s.write_all(format!("{HEADER}{}", features(&[mech])).as_bytes());
            let auth = read_until(&mut s, "</auth>");
            let first = unb64(between(&auth, "<auth", "</auth>"));
            let nonce = first.split("r=").nth(1).unwrap_or("").to_owned();
            let server_first = format!("r={nonce}server,s={},i=4096", b64("salt"));
            let _ = s.write_all(
                format!(
                    "<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>{}</challenge>",
                    b64(&server_first)
                )
                .as_bytes(),
            );
            read_until(&mut s, "</response>");
            let v = b64("v=AAAAAAAAAAAAAAAAAAAAAAAAAAA=");
            let last = if in_success {
                format!("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>{v}</success>")
            } else {
                // Success with no server signature at all must not be accepted either.
                "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>".to_owned()
            };
            let _ = s.write_all(last.as_bytes());
            read_until(&mut s, "never");
        });
        let e = send(port, mech, 10);
        assert!(
            matches!(e, Error::ServerNotAuthenticated { .. }),
            "{mech}: {e}"
        );
        assert_eq!(e.code(), "XMPP_SERVER_NOT_AUTHENTICATED");
        assert!(!e.to_string().contains("secret"));
    }
}

#[test]
fn wrong_digest_md5_rspauth_is_refused() {
    for as_challenge in [true, false] {
        let port = serve_one(move |mut s| {
            read_until(&mut s, "version");
            let _ = s.write_all(format!("{HEADER}{}", features(&["DIGEST-MD5"])).as_bytes());
            read_until(&mut s, "/>");
            let ch = b64("nonce=\"abcdef\",qop=\"auth\",charset=utf-8,algorithm=md5-sess");
            let _ = s.write_all(
                format!("<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>{ch}</challenge>")
                    .as_bytes(),
            );
            let resp = read_until(&mut s, "</response>");
            let text = unb64(between(&resp, "<response", "</response>"));
            assert!(text.contains("digest-uri=\"xmpp/localhost\""), "{text}");
            let rsp = b64("rspauth=0123456789abcdef0123456789abcdef");
            let el = if as_challenge { "challenge" } else { "success" };
            let _ = s.write_all(
                format!("<{el} xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>{rsp}</{el}>").as_bytes(),
            );
            read_until(&mut s, "never");
        });
        let e = send(port, "DIGEST-MD5", 10);
        assert!(matches!(e, Error::ServerNotAuthenticated { .. }), "{e}");
    }
}

#[test]
fn malformed_xml_is_a_protocol_error() {
    let port = serve_one(|mut s| {
        read_until(&mut s, "version");
        let _ =
            s.write_all(format!("{HEADER}<stream:features><a></b></stream:features>").as_bytes());
        read_until(&mut s, "never");
    });
    let e = send(port, "SCRAM-SHA-1", 10);
    assert!(matches!(e, Error::Protocol { .. }), "{e}");
}

#[test]
fn an_endless_stanza_is_cut_off_with_bounded_memory() {
    let port = serve_one(|mut s| {
        read_until(&mut s, "version");
        let _ = s.write_all(format!("{HEADER}<stream:features><x>").as_bytes());
        let chunk = vec![b'a'; 64 * 1024];
        // 64 MiB unless the client hangs up first; it must, after its 1 MiB budget.
        for _ in 0..1024 {
            if s.write_all(&chunk).is_err() {
                break;
            }
        }
    });
    let started = Instant::now();
    let e = send(port, "SCRAM-SHA-1", 20);
    assert!(matches!(e, Error::StanzaTooLarge { .. }), "{e}");
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn stream_error_gives_its_condition() {
    let port = serve_one(|mut s| {
        read_until(&mut s, "version");
        let _ = s.write_all(format!("{HEADER}<stream:error><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>\
            <text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>no such host</text></stream:error></stream:stream>").as_bytes());
        read_until(&mut s, "never");
    });
    let e = send(port, "SCRAM-SHA-1", 10);
    match &e {
        Error::StreamError { condition, text } => {
            assert_eq!(condition, &messenger::xmpp::StreamCondition::HostUnknown);
            assert_eq!(text, "no such host");
            let ru = e.message(messenger::i18n::Lang::Ru);
            assert!(
                ru.ends_with("; сервер пояснил: «no such host»") && ru.contains("\"host-unknown\""),
                "{ru}"
            );
        }
        other => panic!("{other}"),
    }
}

#[test]
fn a_silent_server_ends_within_the_timeout() {
    // Accepts and never says a word.
    let port = serve_one(|mut s| {
        read_until(&mut s, "never");
    });
    let started = Instant::now();
    let e = send(port, "SCRAM-SHA-1", 2);
    assert!(matches!(e, Error::Network { .. }), "{e}");
    assert_eq!(e.code(), "XMPP_TIMEOUT");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    // BOSH to a server that never answers the HTTP request.
    let port = serve_one(|mut s| {
        read_until(&mut s, "never");
    });
    let o = SendOptions {
        bosh_url: Some(format!("http://127.0.0.1:{port}/http-bind")),
        ..SendOptions::default()
    };
    let started = Instant::now();
    let e = send_message(
        &settings(2),
        "alice@localhost",
        "secret",
        "bob@localhost",
        "x",
        &o,
    )
    .unwrap_err();
    assert!(matches!(e, Error::Network { .. }), "{e}");
    assert!(started.elapsed() < Duration::from_secs(4));
}

#[test]
fn unreachable_server_is_a_network_error() {
    // A port nobody listens on (bound, then released).
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let started = Instant::now();
    let e = send(port, "SCRAM-SHA-1", 3);
    assert!(matches!(e, Error::Network { .. }), "{e}");
    assert!(started.elapsed() < Duration::from_secs(3));
    let o = SendOptions {
        server: Some("name.invalid:5222".into()),
        ..SendOptions::default()
    };
    let e = send_message(
        &settings(3),
        "alice@localhost",
        "secret",
        "bob@localhost",
        "x",
        &o,
    )
    .unwrap_err();
    assert!(matches!(e, Error::Network { .. }), "{e}");
}

#[test]
fn bosh_terminate_is_reported_with_its_condition() {
    let port = serve_one(|mut s| {
        read_until(&mut s, "/>");
        let body = "<body xmlns='http://jabber.org/protocol/httpbind' type='terminate' condition='host-unknown'/>";
        let _ = s.write_all(format!("HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).as_bytes());
    });
    let o = SendOptions {
        bosh_url: Some(format!("http://127.0.0.1:{port}/http-bind")),
        ..SendOptions::default()
    };
    let e = send_message(
        &settings(5),
        "alice@localhost",
        "secret",
        "bob@localhost",
        "x",
        &o,
    )
    .unwrap_err();
    assert!(
        matches!(
            &e,
            Error::BoshTerminated {
                condition: messenger::xmpp::BoshCondition::HostUnknown
            }
        ),
        "{e}"
    );
}

#[test]
fn starttls_not_offered_is_refused_not_downgraded() {
    let port = serve_one(|mut s| {
        read_until(&mut s, "version");
        let _ = s.write_all(format!("{HEADER}{}", features(&["PLAIN"])).as_bytes());
        read_until(&mut s, "never");
    });
    let o = SendOptions {
        server: Some(format!("127.0.0.1:{port}")),
        ..SendOptions::default()
    };
    let e = send_message(
        &settings(5),
        "alice@localhost",
        "secret",
        "bob@localhost",
        "x",
        &o,
    )
    .unwrap_err();
    assert!(matches!(e, Error::TlsNotOffered), "{e}");
}

#[test]
fn invalid_input_is_refused_before_any_connection() {
    let s = settings(1);
    let o = SendOptions {
        server: Some("127.0.0.1:9".into()),
        ..SendOptions::default()
    };
    for jid in [
        "",
        "alice",
        "@localhost",
        "alice@",
        "a b@localhost",
        "a@b@c",
        "alice@localhost/",
    ] {
        let e = send_message(&s, jid, "p", "bob@localhost", "x", &o).unwrap_err();
        assert!(
            matches!(
                e,
                Error::InvalidJid {
                    which: messenger::xmpp::JidRole::Account
                }
            ),
            "{jid:?}: {e}"
        );
        assert_eq!(e.code(), "XMPP_INVALID_JID");
    }
    for to in ["", "bob@", "b<b@localhost", "a@b@c"] {
        let e = send_message(&s, "alice@localhost", "p", to, "x", &o).unwrap_err();
        assert!(
            matches!(
                e,
                Error::InvalidJid {
                    which: messenger::xmpp::JidRole::Recipient
                }
            ),
            "{to:?}: {e}"
        );
    }
    let bad: [SendOptions; 5] = [
        SendOptions {
            tls: Some("ssl".into()),
            ..o.clone()
        },
        SendOptions {
            r#type: Some("error".into()),
            ..o.clone()
        },
        SendOptions {
            mechanisms: Some(vec!["SCRAM-SHA-256-PLUS".into()]),
            ..o.clone()
        },
        SendOptions {
            bosh_url: Some("ftp://x/".into()),
            ..o.clone()
        },
        SendOptions {
            server: Some("host:notaport".into()),
            ..o.clone()
        },
    ];
    for b in bad {
        let e = send_message(&s, "alice@localhost", "p", "bob@localhost", "x", &b).unwrap_err();
        assert!(matches!(e, Error::InvalidOption { .. }), "{b:?}: {e}");
    }
    // Unknown JSON options are refused, not ignored.
    assert!(serde_json::from_str::<SendOptions>(r#"{"bosh": "x"}"#).is_err());
    let ok: SendOptions = serde_json::from_str(r#"{"type": "headline", "mechanisms": ["PLAIN"], "danger_accept_invalid_certificates": true}"#).unwrap();
    assert_eq!(ok.r#type.as_deref(), Some("headline"));
}

/// The `id` attribute of the `<iq>` that holds `marker` (a namespace) in what the client wrote.
fn iq_id_around(text: &str, marker: &str) -> String {
    let at = text
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker} in {text}"));
    let start = text[..at]
        .rfind("<iq")
        .unwrap_or_else(|| panic!("no <iq> in {text}"));
    let tag = &text[start..at];
    let value = tag
        .split("id=")
        .nth(1)
        .unwrap_or_else(|| panic!("no id in {tag}"));
    let quote = &value[..1];
    value[1..]
        .split(quote)
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// Takes a client through PLAIN and the stream restart, offering resource binding and, with
/// `sm`, XEP-0198 (without it the session confirms with pings); returns the password the
/// client logged in with.
fn log_in(s: &mut TcpStream, sm: bool) -> String {
    read_until(s, "version");
    let _ = s.write_all(format!("{HEADER}{}", features(&["PLAIN"])).as_bytes());
    let auth = read_until(s, "</auth>");
    let password = unb64(between(&auth, "<auth", "</auth>"))
        .rsplit('\0')
        .next()
        .unwrap_or_default()
        .to_owned();
    let _ = s.write_all(b"<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
    read_until(s, "version");
    let sm = if sm {
        "<sm xmlns='urn:xmpp:sm:3'/>"
    } else {
        ""
    };
    let _ = s.write_all(
        format!(
            "{HEADER}<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>{sm}\
             </stream:features>"
        )
        .as_bytes(),
    );
    password
}

/// Reads the session's presence and the ping after it (without XEP-0198) and answers the ping:
/// the session's connect returns once the server has counted its presence.
fn confirm_presence_by_ping(s: &mut TcpStream) {
    let mut got = String::new();
    let ping = loop {
        let more = read_until(s, "urn:xmpp:ping");
        let ended = !more.contains("urn:xmpp:ping");
        got.push_str(&more);
        if let Some(at) = got.find("<presence") {
            if got[at..].contains("urn:xmpp:ping") {
                break iq_id_around(&got[at..], "urn:xmpp:ping");
            }
        }
        assert!(!ended, "no presence and ping: {got}");
    };
    let _ = s.write_all(format!("<iq type='result' id='{ping}' from='localhost'/>").as_bytes());
}

/// [`log_in`] without XEP-0198; returns what the client wrote with its bind: the bind and the
/// confirming ping come in one batch.
fn log_in_to_bind(s: &mut TcpStream) -> String {
    log_in(s, false);
    read_until(s, "urn:xmpp:ping")
}

/// A persistent session of alice/r (PLAIN without TLS, Timeout 5 s) with a fake server.
fn fake_session(
    port: u16,
    observer: Option<std::sync::Arc<dyn messenger::xmpp::session::Observer>>,
) -> messenger::xmpp::session::Client {
    use messenger::xmpp::{session, LoginOptions};
    let settings = settings(5);
    let options = SendOptions {
        allow_plain_without_tls: Some(true),
        resource: Some("r".into()),
        ..plain_tcp(port, "PLAIN")
    };
    let login = LoginOptions::from_send_options(&settings, "alice@localhost", &options).unwrap();
    let config = session::Config {
        settings,
        login,
        status: None,
        priority: None,
    };
    session::Client::connect(config, "secret", observer, Default::default()).expect("connect")
}

fn bound(id: &str) -> String {
    format!(
        "<iq type='result' id='{id}'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>\
         <jid>alice@localhost/r</jid></bind></iq>"
    )
}

/// Answers the bind of the client's `batch` (and the ping that came with it, when
/// `answer_ping`) in one write.
fn answer_bind(s: &mut TcpStream, batch: &str, answer_ping: bool) {
    let mut out = bound(&iq_id_around(batch, "urn:ietf:params:xml:ns:xmpp-bind"));
    if answer_ping {
        let ping = iq_id_around(batch, "urn:xmpp:ping");
        out.push_str(&format!("<iq type='result' id='{ping}' from='localhost'/>"));
    }
    let _ = s.write_all(out.as_bytes());
}

/// A message the server writes to the session's resource while the session is still binding
/// on a reconnection, just before that connection fails (a server going down, as in the
/// ejabberd restart test), counts as delivered for the server: it will not send it again. The
/// session must hand it on although it gives that connection up, never drop it.
#[test]
fn a_message_that_arrives_while_a_reconnection_binds_is_kept_when_that_connection_fails() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = std::sync::mpsc::channel::<&'static str>();
    let server = std::thread::spawn(move || {
        // 1: an ordinary connection, closed by the server a moment after the presence.
        let (mut s, _) = listener.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let batch = log_in_to_bind(&mut s);
        answer_bind(&mut s, &batch, true);
        confirm_presence_by_ping(&mut s);
        let _ = tx.send("first connection up");
        std::thread::sleep(Duration::from_millis(300));
        drop(s);
        // 2: the reconnection binds, a message for the resource comes, and the connection
        // ends before the confirming ping is answered.
        let (mut s, _) = listener.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let batch = log_in_to_bind(&mut s);
        let bind = iq_id_around(&batch, "urn:ietf:params:xml:ns:xmpp-bind");
        let _ = s.write_all(
            format!(
                "{}<message type='chat' id='during-bind' from='carol@localhost/x' \
                 to='alice@localhost/r'><body>Пришло во время привязки &lt;&amp;&gt;</body>\
                 </message>",
                bound(&bind)
            )
            .as_bytes(),
        );
        let _ = s.flush();
        std::thread::sleep(Duration::from_millis(100));
        drop(s);
        let _ = tx.send("message written, connection closed");
        // Later attempts find nobody listening.
        drop(listener);
    });
    let mut client = fake_session(port, None);
    assert_eq!(client.info.jid, "alice@localhost/r");
    assert_eq!(
        rx.recv_timeout(Duration::from_secs(5)),
        Ok("first connection up")
    );
    assert_eq!(
        rx.recv_timeout(Duration::from_secs(15)),
        Ok("message written, connection closed")
    );
    let got = client.receive(Duration::from_secs(5));
    let bodies: Vec<_> = got.iter().filter_map(|m| m.body.clone()).collect();
    assert_eq!(
        bodies,
        ["Пришло во время привязки <&>"],
        "the message written to the binding resource"
    );
    assert_eq!(got[0].from.as_deref(), Some("carol@localhost/x"));
    client.disconnect();
    server.join().unwrap();
}

/// The ids of messages that failed because a resume was impossible are reported with the next
/// XmppState event, also when the attempt that found the resume impossible fails afterwards
/// (here: the server refuses the resume, binds, and drops the connection before the bind's
/// confirming ping), so the owner is not left with a message that was never reported.
#[test]
fn messages_failed_by_a_refused_resume_are_reported_even_when_that_attempt_fails() {
    use messenger::xmpp::session;
    use std::sync::{Arc, Mutex};
    struct States(Mutex<Vec<(String, Vec<String>)>>);
    impl session::Observer for States {
        fn event(&self, event: session::Event<'_>) {
            if let session::Event::State {
                state, failed_ids, ..
            } = event
            {
                let mut all = self.0.lock().unwrap();
                all.push((state.name().to_owned(), failed_ids.to_vec()));
            }
        }
    }
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = std::sync::mpsc::channel::<&'static str>();
    let server = std::thread::spawn(move || {
        let sm = "urn:xmpp:sm:3";
        let next = || {
            let (mut s, _) = listener.accept().unwrap();
            s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            log_in(&mut s, true);
            s
        };
        // Answers the bind (and its ping when `confirm`).
        let bind = |s: &mut TcpStream, confirm: bool| {
            let batch = read_until(s, "urn:xmpp:ping");
            answer_bind(s, &batch, confirm);
        };
        let enable = |s: &mut TcpStream, id: &str| {
            read_until(s, "<enable");
            let _ =
                s.write_all(format!("<enabled xmlns='{sm}' id='{id}' resume='true'/>").as_bytes());
        };
        let refuse_resume = |s: &mut TcpStream| {
            let resume = read_until(s, "<resume");
            assert!(
                resume.contains("previd='s1'") || resume.contains("previd=\"s1\""),
                "{resume}"
            );
            let _ = s.write_all(format!("<failed xmlns='{sm}'/>").as_bytes());
        };
        // 1: XEP-0198 enabled (resumable); the message comes and is never acked.
        let mut s = next();
        bind(&mut s, true);
        enable(&mut s, "s1");
        // The roster request and the presence, counted: the connect returns.
        read_until(&mut s, "<r xmlns");
        let _ = s.write_all(format!("<a xmlns='{sm}' h='2'/>").as_bytes());
        let _ = tx.send("enabled");
        let got = read_until(&mut s, "</message>");
        assert!(got.contains("не дойдёт"), "{got}");
        drop(s);
        // 2: the resume is refused; the bind is answered, its ping never.
        let mut s = next();
        refuse_resume(&mut s);
        bind(&mut s, false);
        std::thread::sleep(Duration::from_millis(100));
        drop(s);
        // 3: the client tries the old session once more (refused again), then a fresh one
        // works; held open until the client says goodbye.
        let mut s = next();
        refuse_resume(&mut s);
        bind(&mut s, true);
        enable(&mut s, "s3");
        read_until(&mut s, "</stream:stream>");
    });
    let states = Arc::new(States(Mutex::new(Vec::new())));
    let mut client = fake_session(port, Some(states.clone()));
    assert_eq!(rx.recv_timeout(Duration::from_secs(5)), Ok("enabled"));
    let (id, ticket) = client
        .submit(&session::Outgoing {
            to: "bob@localhost".into(),
            body: "не дойдёт".into(),
            ..session::Outgoing::default()
        })
        .unwrap();
    let outcome = ticket.wait(Instant::now() + Duration::from_secs(20));
    assert!(
        matches!(outcome, Some(Err(Error::NotDelivered))),
        "{outcome:?}"
    );
    // The third connection's "connected" carries the id.
    let until = Instant::now() + Duration::from_secs(20);
    let reported = loop {
        let seen = states.0.lock().unwrap().clone();
        let reported: Vec<String> = seen.iter().flat_map(|(_, ids)| ids.clone()).collect();
        if seen.iter().filter(|(s, _)| s == "connected").count() >= 2 || Instant::now() > until {
            break (seen, reported);
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    client.disconnect();
    server.join().unwrap();
    assert_eq!(
        reported.1,
        std::slice::from_ref(&id),
        "states: {:?}",
        reported.0
    );
    let last_connected = reported.0.iter().rev().find(|(s, _)| s == "connected");
    assert_eq!(
        last_connected.map(|(_, ids)| ids.clone()),
        Some(vec![id]),
        "states: {:?}",
        reported.0
    );
}

// ---- secrets echoed by a server or a proxy, through the C ABI --------------------------------

/// The password of the scrubbing tests: a space, an `@` and a `/` give it distinct plain,
/// percent-encoded and base64 forms.
const ECHOED: &str = "Hunter2 p@ss/word";

/// Every form of `secret` a server could quote: as written, percent-encoded both ways, base64.
fn forms_of(secret: &str) -> Vec<String> {
    let plus: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    vec![
        secret.to_owned(),
        plus.replace('+', "%20"),
        plus,
        b64(secret),
    ]
}

/// One call through the C++ host as 1C makes it (Timeout 10 s, `--set` lines first); the
/// JSON line it printed.
fn host_call(lang: &str, sets: &[String], method: &str, args: &[String]) -> serde_json::Value {
    let mut cmd = std::process::Command::new(support::host());
    cmd.arg(support::library())
        .args(["call", "--lang", lang, "--set", "Timeout=n:10"]);
    for set in sets {
        cmd.arg("--set").arg(set);
    }
    cmd.arg(method).args(args);
    let out = cmd.output().expect("run the host");
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(stdout.trim()).unwrap_or_else(|_| panic!("no JSON line: {stdout}"))
}

/// SendXmpp as alice with [`ECHOED`] to a fake server on `port`, PLAIN allowed without TLS so
/// that the server learns the password and can quote it.
fn send_echoed(lang: &str, sets: &[String], port: u16) -> String {
    let options = format!(
        r#"{{"server":"127.0.0.1:{port}","tls":"none","mechanisms":["PLAIN"],"allow_plain_without_tls":true}}"#
    );
    let out = host_call(
        lang,
        sets,
        "SendXmpp",
        &[
            "s:alice@localhost".into(),
            format!("s:{ECHOED}"),
            "s:bob@localhost".into(),
            "s:x".into(),
            format!("s:{options}"),
        ],
    );
    assert_eq!(out["ok"], false, "{out}");
    out["error"].as_str().unwrap_or_default().to_owned()
}

/// A server that takes the PLAIN login, decodes it and answers with `reply(password, the
/// base64 it was sent)`.
fn echoing_server(reply: fn(&str, &str) -> String) -> u16 {
    serve_one(move |mut s| {
        read_until(&mut s, "version");
        let _ = s.write_all(format!("{HEADER}{}", features(&["PLAIN"])).as_bytes());
        let auth = read_until(&mut s, "</auth>");
        let sent = between(&auth, "<auth", "</auth>").to_owned();
        let decoded = unb64(&sent);
        let password = decoded.rsplit('\0').next().unwrap_or_default().to_owned();
        let _ = s.write_all(reply(&password, &sent).as_bytes());
        read_until(&mut s, "never");
    })
}

fn assert_scrubbed(error: &str, secrets: &[String]) {
    for form in secrets {
        assert!(!error.contains(form.as_str()), "{form:?} in {error}");
        // Nor its start, left where a quoted text was cut inside it.
        let start: String = form.chars().take(5).collect();
        assert!(!error.contains(&start), "{start:?} of {form:?} in {error}");
    }
    // The echo did reach the text: the test would see a leak.
    assert!(error.contains("***"), "{error}");
}

#[test]
fn a_sasl_failure_text_quoting_the_password_reaches_1c_without_it() {
    let port = echoing_server(|password, sent| {
        format!(
            "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/><text>you sent \
             {sent}, that is {password} ({}, {})</text></failure></stream:stream>",
            forms_of(password)[1],
            b64(password)
        )
    });
    let error = send_echoed("en", &[], port);
    assert!(error.starts_with("[XMPP_AUTH"), "{error}");
    let mut secrets = forms_of(ECHOED);
    secrets.push(b64(&format!("\0alice\0{ECHOED}")));
    assert_scrubbed(&error, &secrets);
}

#[test]
fn a_stream_error_text_quoting_the_password_reaches_1c_without_it() {
    let port = echoing_server(|password, sent| {
        format!(
            "<stream:error><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>\
             <text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>{password} / {sent}</text>\
             </stream:error></stream:stream>"
        )
    });
    let error = send_echoed("ru", &[], port);
    assert!(error.starts_with("[XMPP_"), "{error}");
    let mut secrets = forms_of(ECHOED);
    secrets.push(b64(&format!("\0alice\0{ECHOED}")));
    assert_scrubbed(&error, &secrets);
}

#[test]
fn a_proxy_quoting_proxy_authorization_reaches_1c_without_the_credentials() {
    const PROXY_PASSWORD: &str = "pr0xy s3cret";
    let port = serve_one(|mut s| {
        let request = read_until(&mut s, "\r\n\r\n");
        let credentials = request
            .lines()
            .find_map(|l| l.strip_prefix("Proxy-Authorization: Basic "))
            .unwrap_or("none")
            .trim()
            .to_owned();
        let _ = s.write_all(
            format!(
                "HTTP/1.1 403 no: Basic {credentials} = {}\r\n\r\n",
                unb64(&credentials)
            )
            .as_bytes(),
        );
    });
    let proxy = format!("Proxy=s:http://puser:pr0xy%20s3cret@127.0.0.1:{port}");
    let error = send_echoed("en", &[proxy], 9);
    assert!(error.starts_with("[XMPP_PROXY"), "{error}");
    let mut secrets = forms_of(PROXY_PASSWORD);
    secrets.push(b64(&format!("puser:{PROXY_PASSWORD}")));
    assert_scrubbed(&error, &secrets);
}

/// The host's call mode with `--events`: every line it printed (the calls', then the events').
fn host_lines(args: &[String]) -> Vec<serde_json::Value> {
    let out = std::process::Command::new(support::host())
        .arg(support::library())
        .arg("call")
        .args(args)
        .output()
        .expect("run the host");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not JSON: {l}")))
        .collect()
}

/// A password with `"` and `\` is escaped in an event's JSON (`\"`, `\\`), where a scrubber
/// looking for it as written would miss it. A server that quotes it in a stream error (the
/// session reconnects) and then in its SASL failure (the session gives up) gets it into no
/// XmppState event, in no form, nor into XmppConnect's or XmppReceive's answers.
#[test]
fn a_password_with_quotes_and_backslashes_stays_out_of_the_events_json() {
    const PASSWORD: &str = "pa\"ss\\wörd";
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        // 1: a session comes up; the server then ends the stream quoting the password.
        let (mut s, _) = listener.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let password = log_in(&mut s, false);
        let batch = read_until(&mut s, "urn:xmpp:ping");
        answer_bind(&mut s, &batch, true);
        confirm_presence_by_ping(&mut s);
        std::thread::sleep(Duration::from_millis(300));
        let _ = s.write_all(
            format!(
                "<stream:error><policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>\
                 <text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>{password} is no password\
                 </text></stream:error></stream:stream>"
            )
            .as_bytes(),
        );
        drop(s);
        // 2: the reconnection is refused, quoting the password again.
        let (mut s, _) = listener.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        read_until(&mut s, "version");
        let _ = s.write_all(format!("{HEADER}{}", features(&["PLAIN"])).as_bytes());
        let auth = read_until(&mut s, "</auth>");
        let sent = between(&auth, "<auth", "</auth>").to_owned();
        let password = unb64(&sent)
            .rsplit('\0')
            .next()
            .unwrap_or_default()
            .to_owned();
        let _ = s.write_all(
            format!(
                "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><account-disabled/><text>\
                 {password} ({sent})</text></failure></stream:stream>"
            )
            .as_bytes(),
        );
        std::thread::sleep(Duration::from_millis(500));
        drop(listener);
    });
    let options = format!(
        r#"{{"server":"127.0.0.1:{port}","tls":"none","mechanisms":["PLAIN"],"allow_plain_without_tls":true,"resource":"r"}}"#
    );
    let lines = host_lines(&[
        "--events".into(),
        "--lang".into(),
        "ru".into(),
        "--set".into(),
        "Timeout=n:5".into(),
        "XmppConnect".into(),
        "s:alice@localhost".into(),
        format!("s:{PASSWORD}"),
        format!("s:{options}"),
        "--then".into(),
        "XmppReceive".into(),
        "n:4".into(),
    ]);
    server.join().unwrap();
    let mut forms = forms_of(PASSWORD);
    forms.push(b64(&format!("\0alice\0{PASSWORD}")));
    // As JSON writes it, and as a JSON writer would write that again.
    let escaped = serde_json::to_string(PASSWORD).unwrap();
    forms.push(escaped.trim_matches('"').to_owned());
    forms.push(serde_json::to_string(&escaped).unwrap());
    assert!(lines[0]["ok"] == true, "XmppConnect: {}", lines[0]);
    let states: Vec<&str> = lines
        .iter()
        .filter(|l| l["event"] == "XmppState")
        .filter_map(|l| l["data"].as_str())
        .collect();
    let errors: Vec<String> = states
        .iter()
        .filter_map(|d| serde_json::from_str::<serde_json::Value>(d).ok())
        .filter_map(|v| v["error"].as_str().map(str::to_owned))
        .collect();
    // Both quotes reached the events: the test would see a leak.
    assert!(
        errors.iter().any(|e| e.starts_with("[XMPP_STREAM_ERROR]"))
            && errors.iter().any(|e| e.starts_with("[XMPP_AUTH_FAILED]")),
        "{lines:?}"
    );
    for line in &lines {
        for text in [&line["data"], &line["value"], &line["error"]] {
            let text = text.as_str().unwrap_or_default();
            for form in &forms {
                assert!(!text.contains(form.as_str()), "{form:?} in {text}");
            }
            for start in ["pa\"ss", "pa\\\"ss", "ss\\wörd", "ss\\\\wörd"] {
                assert!(!text.contains(start), "{start:?} in {text}");
            }
        }
    }
    for e in &errors {
        assert!(e.contains("«*** ") || e.contains("«***»"), "{e}");
    }
}
