//! SendXmpp against a real Prosody (Debian package): every transport × every mechanism it
//! offers (Prosody 0.12 has no DIGEST-MD5), received by a real slixmpp client.

mod support;

use messenger::xmpp::{send_message, Error};
use support::xmpp::{body, mechanism_matrix, Kind, Server};

const MECHANISMS: [&str; 3] = ["SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"];

fn matrix(transport: &str) {
    mechanism_matrix(Kind::Prosody, transport, &MECHANISMS);
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
fn digest_md5_is_not_offered_so_it_is_a_clear_error() {
    let s = Server::get(Kind::Prosody);
    let e = s
        .send(
            "alice@localhost",
            "alicepw",
            "x",
            &s.options("starttls", Some("DIGEST-MD5")),
        )
        .unwrap_err();
    assert!(matches!(e, Error::NoMechanism { .. }), "{e}");
}

#[test]
fn default_is_scram_sha_256() {
    let s = Server::get(Kind::Prosody);
    let text = body("default");
    let r = s
        .send(
            "alice@localhost",
            "alicepw",
            &text,
            &s.options("starttls", None),
        )
        .unwrap();
    assert_eq!(r.mechanism, "SCRAM-SHA-256");
    s.expect_body(&text);
}

#[test]
fn wrong_password_is_not_authorized() {
    let s = Server::get(Kind::Prosody);
    for transport in ["starttls", "bosh-https"] {
        let e = s
            .send("alice@localhost", "nope", "x", &s.options(transport, None))
            .unwrap_err();
        assert!(
            matches!(
                &e,
                Error::Auth {
                    condition: messenger::xmpp::SaslCondition::NotAuthorized,
                    ..
                }
            ),
            "{e}"
        );
    }
}

#[test]
fn groupchat_and_parallel() {
    let s = Server::get(Kind::Prosody);
    let text = body("groupchat");
    let mut o = s.options("bosh-https", None);
    o.r#type = Some("groupchat".into());
    o.nick = Some("Алиса".into());
    send_message(
        &s.settings(),
        "alice@localhost",
        "alicepw",
        "room@conference.localhost",
        &text,
        &o,
    )
    .unwrap();
    assert_eq!(s.expect_body(&text)["type"], "groupchat");
    let texts: Vec<String> = (0..20).map(|i| body(&format!("parallel {i}"))).collect();
    std::thread::scope(|scope| {
        let hs: Vec<_> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let tr = ["starttls", "direct", "bosh-https", "bosh-https"][i % 4];
                scope.spawn(move || s.send("alice@localhost", "alicepw", t, &s.options(tr, None)))
            })
            .collect();
        for h in hs {
            h.join().unwrap().unwrap();
        }
    });
    for t in &texts {
        s.expect_body(t);
    }
}
