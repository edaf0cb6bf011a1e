//! SendXmpp over TCP (STARTTLS) through real proxies from Debian, to a real ejabberd on
//! loopback: tinyproxy (HTTP CONNECT) and microsocks (SOCKS5 with a user name and password);
//! and the persistent session over BOSH through tinyproxy as a plain HTTP proxy.
//! That the connection really went through each proxy is read from the proxy's own log.

mod support;

use std::time::Duration;

use messenger::i18n::{Lang, Localized};
use messenger::net::tunnel::{self, ProxyFailure};
use messenger::net::{NetSettings, Proxy};
use messenger::xmpp::{send_message, Error};
use support::net::free_port;
use support::proxy::ProxyServer;
use support::xmpp::{body, Kind, Server};

/// tinyproxy allowing CONNECT only to `connect_port` (its stock config allows 443 and 563).
fn tinyproxy(connect_port: u16) -> ProxyServer {
    ProxyServer::tinyproxy_with(Some(connect_port))
}

fn via(s: &Server, proxy: &str) -> NetSettings {
    NetSettings {
        proxy: Proxy::parse(proxy).expect("proxy"),
        ..s.settings()
    }
}

#[test]
fn starttls_through_an_http_connect_proxy() {
    let s = Server::get(Kind::Ejabberd);
    let proxy = tinyproxy(s.c2s);
    let text = body("via tinyproxy");
    let r = send_message(
        &via(s, &format!("http://127.0.0.1:{}", proxy.port)),
        "alice@localhost",
        "alicepw",
        "bob@localhost",
        &text,
        &s.options("starttls", None),
    )
    .unwrap();
    assert!(r.acked);
    assert_eq!(r.transport, "tcp");
    s.expect_body(&text);
    proxy.wait_log(&format!("CONNECT 127.0.0.1:{}", s.c2s));
}

#[test]
fn an_http_proxy_refusing_the_port_is_a_clear_proxy_error() {
    let s = Server::get(Kind::Ejabberd);
    let proxy = tinyproxy(s.c2s + 1000);
    let e = send_message(
        &via(s, &format!("http://u:HttpPass7@127.0.0.1:{}", proxy.port)),
        "alice@localhost",
        "alicepw",
        "bob@localhost",
        "x",
        &s.options("starttls", None),
    )
    .unwrap_err();
    assert!(
        matches!(
            &e,
            Error::Proxy(p) if matches!(
                &p.reason,
                ProxyFailure::Refused(tunnel::Refusal::Http { status: 403, phrase })
                    if !phrase.is_empty()
            )
        ),
        "{e:?}"
    );
    assert_eq!(e.code(), "XMPP_PROXY");
    // The status in our words, the reason phrase quoted as tinyproxy's own.
    let ru = e.message(Lang::Ru);
    assert!(ru.contains("он ответил 403, по его словам \""), "{ru}");
    assert!(e
        .message(Lang::En)
        .contains("it answered 403, in its words \""));
    for lang in [Lang::En, Lang::Ru] {
        let m = e.message(lang);
        assert!(
            m.contains("http://u:***@127.0.0.1") && !m.contains("HttpPass7"),
            "{m}"
        );
    }
}

#[test]
fn starttls_through_socks5_with_a_password() {
    let s = Server::get(Kind::Ejabberd);
    let proxy = ProxyServer::microsocks("xuser", "SockPass3");
    // socks5: the name is resolved here; socks5h: the proxy resolves it.
    for (scheme, server) in [("socks5", "127.0.0.1"), ("socks5h", "localhost")] {
        let text = body(&format!("via microsocks {scheme}"));
        let mut o = s.options("starttls", None);
        o.server = Some(format!("{server}:{}", s.c2s));
        let r = send_message(
            &via(
                s,
                &format!("{scheme}://xuser:SockPass3@127.0.0.1:{}", proxy.port),
            ),
            "alice@localhost",
            "alicepw",
            "bob@localhost",
            &text,
            &o,
        )
        .unwrap_or_else(|e| panic!("{scheme}: {e}"));
        assert!(r.acked, "{scheme}");
        s.expect_body(&text);
    }
    // socks5 sent the address, socks5h the name.
    proxy.wait_log(&format!("connected to 127.0.0.1:{}", s.c2s));
    proxy.wait_log(&format!("connected to localhost:{}", s.c2s));
}

#[test]
fn a_socks5_proxy_refusing_the_password_says_so_without_showing_it() {
    let s = Server::get(Kind::Ejabberd);
    let proxy = ProxyServer::microsocks("xuser", "SockPass3");
    let e = send_message(
        &via(
            s,
            &format!("socks5h://xuser:WrongPass8@127.0.0.1:{}", proxy.port),
        ),
        "alice@localhost",
        "alicepw",
        "bob@localhost",
        "x",
        &s.options("starttls", None),
    )
    .unwrap_err();
    assert!(
        matches!(&e, Error::Proxy(p) if p.reason == ProxyFailure::AuthFailed),
        "{e:?}"
    );
    for lang in [Lang::En, Lang::Ru] {
        assert!(!e.message(lang).contains("WrongPass8"));
    }
    // A proxy that is not running is named as the culprit.
    let port = free_port();
    let e = send_message(
        &via(s, &format!("socks5://xuser:SockPass3@127.0.0.1:{port}")),
        "alice@localhost",
        "alicepw",
        "bob@localhost",
        "x",
        &s.options("starttls", None),
    )
    .unwrap_err();
    assert!(
        matches!(
            &e,
            Error::Proxy(p) if p.reason == ProxyFailure::Unreachable {
                address: format!("127.0.0.1:{port}"),
                reason: tunnel::Unreachable::Refused,
            }
        ),
        "{e:?}"
    );
    assert!(!e.to_string().contains("SockPass3"), "{e}");
}

#[test]
fn a_socks5_proxy_that_cannot_reach_the_server_says_so_in_our_words() {
    let s = Server::get(Kind::Ejabberd);
    let proxy = ProxyServer::microsocks("xuser", "SockPass3");
    // Nobody listens at the server's address: the proxy answers with reply code 5.
    let mut o = s.options("starttls", None);
    o.server = Some(format!("127.0.0.1:{}", free_port()));
    let e = send_message(
        &via(
            s,
            &format!("socks5://xuser:SockPass3@127.0.0.1:{}", proxy.port),
        ),
        "alice@localhost",
        "alicepw",
        "bob@localhost",
        "x",
        &o,
    )
    .unwrap_err();
    assert!(
        matches!(&e, Error::Proxy(p) if p.reason == ProxyFailure::Refused(tunnel::Refusal::Socks(5))),
        "{e:?}"
    );
    let ru = e.message(Lang::Ru);
    assert!(
        ru.ends_with("отказался соединять дальше: сервер отказал ему в соединении"),
        "{ru}"
    );
    let Error::Proxy(p) = &e else { unreachable!() };
    let words = messenger::i18n::latin_words(&ru.replace(&p.proxy, ""));
    assert!(words.is_empty(), "{ru}: {words:?}");
    assert!(!ru.contains("SockPass3") && !e.to_string().contains("SockPass3"));
}

#[test]
fn an_https_proxy_still_needs_bosh() {
    let s = Server::get(Kind::Ejabberd);
    let e = send_message(
        &via(s, "https://127.0.0.1:9"),
        "alice@localhost",
        "alicepw",
        "bob@localhost",
        "x",
        &s.options("starttls", None),
    )
    .unwrap_err();
    assert_eq!(e.code(), "XMPP_PROXY_NEEDS_BOSH");
}

/// The reason for a BOSH session: a network where only an HTTP proxy gets out. XmppConnect's
/// session over BOSH through tinyproxy sends (acked, received by a real client) and receives.
#[test]
fn a_bosh_session_through_an_http_proxy_sends_and_receives() {
    use messenger::xmpp::{session, LoginOptions};
    let s = Server::get(Kind::Ejabberd);
    let proxy = tinyproxy(s.c2s);
    let settings = via(s, &format!("http://127.0.0.1:{}", proxy.port));
    let options = s.options("bosh-http", None);
    let login = LoginOptions::from_send_options(&settings, "alice@localhost", &options).unwrap();
    let config = session::Config {
        settings: settings.clone(),
        login,
        status: None,
        priority: None,
    };
    let mut client =
        session::Client::connect(config, "alicepw", None, Default::default()).expect("connect");
    assert_eq!(client.info.transport, "bosh");
    assert!(
        client.info.stream_management,
        "ejabberd offers XEP-0198 over BOSH"
    );
    let text = body("сеанс через прокси");
    let sent = client
        .send(&session::Outgoing {
            to: "bob@localhost".into(),
            body: text.clone(),
            ..session::Outgoing::default()
        })
        .unwrap();
    assert!(sent.acked, "{sent:?}");
    s.expect_body(&text);
    // And the other way: a message to the session's own resource, sent directly.
    let back = body("ответ в сеанс");
    send_message(
        &s.settings(),
        "carol@localhost",
        "pässwörd",
        &client.info.jid,
        &back,
        &s.options("starttls", None),
    )
    .unwrap();
    let got = client.receive(Duration::from_secs(10));
    assert!(
        got.iter().any(|m| m.body.as_deref() == Some(back.as_str())),
        "{got:?}"
    );
    assert!(client.disconnect(), "the session was live");
    // Not a CONNECT tunnel: tinyproxy forwarded each POST itself.
    proxy.wait_log(&format!("POST http://127.0.0.1:{}/http-bind", s.http));
}
