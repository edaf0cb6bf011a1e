//! SendXmpp against a real ejabberd (Debian package): every transport × every mechanism it
//! offers, received by a real slixmpp client; parallel sends; refusals the server gives.

mod support;

use std::time::Duration;

use messenger::i18n::{Lang, Localized};
use messenger::net::{NetSettings, TrustedCertificates};
use messenger::xmpp::{send_message, Error, SendOptions};
use support::xmpp::{body, mechanism_matrix, Kind, Server};

const MECHANISMS: [&str; 4] = ["SCRAM-SHA-256", "SCRAM-SHA-1", "DIGEST-MD5", "PLAIN"];

fn matrix(transport: &str) {
    mechanism_matrix(Kind::Ejabberd, transport, &MECHANISMS);
}

#[test]
fn starttls_every_mechanism() {
    matrix("starttls");
}

#[test]
fn direct_tls_every_mechanism() {
    matrix("direct");
}

#[test]
fn bosh_http_every_mechanism() {
    matrix("bosh-http");
}

#[test]
fn bosh_https_every_mechanism() {
    matrix("bosh-https");
}

#[test]
fn default_picks_the_strongest_and_reports_the_transport() {
    let s = Server::get(Kind::Ejabberd);
    for (transport, name) in [
        ("starttls", "tcp"),
        ("direct", "tls"),
        ("bosh-http", "bosh"),
    ] {
        let text = body(transport);
        let r = s
            .send(
                "alice@localhost",
                "alicepw",
                &text,
                &s.options(transport, None),
            )
            .unwrap();
        assert_eq!(r.mechanism, "SCRAM-SHA-256");
        assert_eq!(r.transport, name);
        s.expect_body(&text);
    }
}

#[test]
fn types_subject_presence_and_resource() {
    let s = Server::get(Kind::Ejabberd);
    for kind in ["chat", "normal", "headline"] {
        let text = body(kind);
        let mut o = s.options("starttls", None);
        o.r#type = Some(kind.into());
        o.subject = Some("Тема <&>".into());
        o.status = Some("на связи".into());
        o.priority = Some(-1);
        o.resource = Some(format!("fixed-{kind}"));
        let r = s.send("alice@localhost", "alicepw", &text, &o).unwrap();
        assert_eq!(r.jid, format!("alice@localhost/fixed-{kind}"));
        let got = s.expect_body(&text);
        assert_eq!(got["type"], kind);
        assert_eq!(got["subject"], "Тема <&>");
    }
}

#[test]
fn groupchat_joins_the_room_first() {
    let s = Server::get(Kind::Ejabberd);
    let text = body("groupchat");
    let mut o = s.options("starttls", None);
    o.r#type = Some("groupchat".into());
    o.nick = Some("Алиса".into());
    let r = send_message(
        &s.settings(),
        "alice@localhost",
        "alicepw",
        "room@conference.localhost",
        &text,
        &o,
    )
    .unwrap();
    assert!(r.acked);
    let got = s.expect_body(&text);
    assert_eq!(got["type"], "groupchat");
    assert_eq!(got["from"], "room@conference.localhost/Алиса");
}

#[test]
fn twenty_parallel_sends_of_one_account_all_arrive() {
    let s = Server::get(Kind::Ejabberd);
    let texts: Vec<String> = (0..20).map(|i| body(&format!("parallel {i}"))).collect();
    std::thread::scope(|scope| {
        let handles: Vec<_> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let transport = ["starttls", "direct", "bosh-http", "bosh-https"][i % 4];
                scope.spawn(move || {
                    s.send("alice@localhost", "alicepw", t, &s.options(transport, None))
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap().unwrap();
        }
    });
    for t in &texts {
        s.expect_body(t);
    }
}

#[test]
fn wrong_password_is_a_clear_not_authorized() {
    let s = Server::get(Kind::Ejabberd);
    for transport in ["starttls", "bosh-https"] {
        for mech in MECHANISMS {
            let e = s
                .send(
                    "alice@localhost",
                    "wrong-пароль",
                    "x",
                    &s.options(transport, Some(mech)),
                )
                .unwrap_err();
            match &e {
                Error::Auth { condition, .. } => {
                    assert_eq!(
                        condition,
                        &messenger::xmpp::SaslCondition::NotAuthorized,
                        "{e}"
                    )
                }
                other => panic!("{transport} {mech}: {other}"),
            }
            assert_eq!(e.code(), "XMPP_AUTH_FAILED");
            assert!(e.message(Lang::Ru).contains("not-authorized"));
            assert!(!e.to_string().contains("wrong-пароль"));
        }
    }
}

#[test]
fn self_signed_certificate_without_trust_is_refused() {
    let s = Server::get(Kind::Ejabberd);
    let untrusted = NetSettings {
        timeout: Duration::from_secs(10),
        ..NetSettings::default()
    };
    for transport in ["starttls", "direct", "bosh-https"] {
        let e = send_message(
            &untrusted,
            "alice@localhost",
            "alicepw",
            "bob@localhost",
            "x",
            &s.options(transport, None),
        )
        .unwrap_err();
        // The test server's certificate is self-signed: said so, with what helps.
        assert!(
            matches!(
                e,
                Error::Tls {
                    reason: messenger::net::TlsReason::UnknownIssuer,
                    ..
                }
            ),
            "{transport}: {e}"
        );
        assert_eq!(e.code(), "XMPP_TLS");
        assert!(
            e.message(messenger::i18n::Lang::Ru)
                .contains("доверенные сертификаты"),
            "{transport}: {e}"
        );
    }
    // ...and accepted only by the option that says it is dangerous.
    let text = body("danger");
    let mut o = s.options("starttls", None);
    o.danger_accept_invalid_certificates = Some(true);
    send_message(
        &untrusted,
        "alice@localhost",
        "alicepw",
        "bob@localhost",
        &text,
        &o,
    )
    .unwrap();
    s.expect_body(&text);
}

#[test]
fn plain_is_not_used_without_tls_unless_allowed() {
    let s = Server::get(Kind::Ejabberd);
    let mut o = s.options("starttls", Some("PLAIN"));
    o.tls = Some("none".into());
    let e = s.send("alice@localhost", "alicepw", "x", &o).unwrap_err();
    assert!(
        matches!(
            e,
            Error::NoMechanism {
                plain_refused: true,
                ..
            }
        ),
        "{e}"
    );
    // Over http BOSH too (the connection is not encrypted).
    let e = s.send(
        "alice@localhost",
        "alicepw",
        "x",
        &s.options("bosh-http", Some("PLAIN")),
    );
    // ejabberd counts loopback http as fine; our rule does not.
    assert!(matches!(e, Err(Error::NoMechanism { .. })), "{e:?}");
    let text = body("plain allowed");
    o.allow_plain_without_tls = Some(true);
    let r = s.send("alice@localhost", "alicepw", &text, &o).unwrap();
    assert_eq!(
        (r.mechanism.as_str(), r.transport.as_str()),
        ("PLAIN", "tcp")
    );
    s.expect_body(&text);
}

#[test]
fn the_server_refusing_the_message_gives_its_condition() {
    let s = Server::get(Kind::Ejabberd);
    // A message to a user of a domain the server does not serve and cannot reach.
    let e = send_message(
        &s.settings(),
        "alice@localhost",
        "alicepw",
        "nobody@nonexistent.invalid",
        "x",
        &s.options("starttls", None),
    );
    match e {
        Err(Error::StanzaError { condition, .. }) => {
            assert!(!condition.token().is_empty(), "{condition:?}")
        }
        // s2s is off: ejabberd may answer remote-server-not-found after the ping.
        Ok(r) => assert!(r.acked),
        Err(other) => panic!("{other}"),
    }
}

#[test]
fn xml_invalid_characters_do_not_kill_the_stream() {
    let s = Server::get(Kind::Ejabberd);
    let r = s
        .send(
            "alice@localhost",
            "alicepw",
            "a\u{1}b\u{0}c",
            &s.options("starttls", None),
        )
        .unwrap();
    assert!(r.acked);
    s.expect_body("abc");
    let _ = TrustedCertificates::default();
    let _ = SendOptions::default();
}
