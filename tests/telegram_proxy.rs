//! The Bot API through real proxies from Debian, started by the test on free loopback ports:
//! tinyproxy (HTTP, CONNECT) and microsocks (SOCKS5 with a user name and password). That the
//! request really went through is read from each proxy's own log.

mod support;

use std::time::Duration;

use messenger::i18n::{Lang, Localized};
use messenger::net::http::FailureKind;
use messenger::telegram::{Api, Error, WebhookOptions};
use serde_json::Map;
use support::telegram::*;

const TOKEN: &str = "31337:AAproxySecret";
const SECRET: &str = "AAproxySecret";

fn wait_for(what: &str, mut f: impl FnMut() -> bool) {
    for _ in 0..50 {
        if f() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{what}");
}

#[test]
fn through_an_http_proxy_with_connect() {
    let s = StandIn::start();
    let proxy = ProxyServer::tinyproxy();
    let settings = s.settings_via(
        Duration::from_secs(10),
        &format!("http://127.0.0.1:{}", proxy.port),
    );
    let api = Api::new(&settings, &s.base_url()).unwrap();
    let r = api
        .send_message(TOKEN, "12345", "через прокси", &Map::new())
        .unwrap();
    assert_eq!(r["text"], "через прокси");
    // The multipart upload goes the same way.
    let hook = Webhook::start("tg", "pw", None);
    api.set_webhook(
        TOKEN,
        &hook.url("tg:pw", "/x"),
        Some(hook.cert.to_str().unwrap()),
        &WebhookOptions::default(),
    )
    .unwrap();
    let target = format!("CONNECT 127.0.0.1:{}", s.port);
    wait_for(
        &format!("tinyproxy log lacks {target}: {}", proxy.log_text()),
        || proxy.log_text().contains(&target),
    );
    assert_eq!(s.requests().len(), 2);
}

#[test]
fn through_a_socks5_proxy_with_credentials() {
    let s = StandIn::start();
    let proxy = ProxyServer::microsocks("tguser", "SockPass1");
    for scheme in ["socks5", "socks5h"] {
        let settings = s.settings_via(
            Duration::from_secs(10),
            &format!("{scheme}://tguser:SockPass1@127.0.0.1:{}", proxy.port),
        );
        let api = Api::new(&settings, &s.base_url()).unwrap();
        let r = api.call(TOKEN, "getMe", &Map::new()).unwrap();
        assert_eq!(r["is_bot"], true, "{scheme}");
    }
    let target = format!("connected to 127.0.0.1:{}", s.port);
    wait_for(
        &format!("microsocks log lacks {target}: {}", proxy.log_text()),
        || proxy.log_text().matches(&target).count() >= 2,
    );
}

#[test]
fn a_socks5_proxy_refusing_the_password_is_a_proxy_error() {
    let s = StandIn::start();
    let proxy = ProxyServer::microsocks("tguser", "SockPass1");
    let settings = s.settings_via(
        Duration::from_secs(5),
        &format!("socks5h://tguser:WrongPass9@127.0.0.1:{}", proxy.port),
    );
    let api = Api::new(&settings, &s.base_url()).unwrap();
    let err = api.call(TOKEN, "getMe", &Map::new()).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Network {
                kind: FailureKind::Proxy,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.code(), "TELEGRAM_NET_PROXY");
    assert!(
        err.message(Lang::Ru)
            .contains("через прокси socks5h://tguser:***@"),
        "{err}"
    );
    assert_no_secret(&err, SECRET);
    assert_no_secret(&err, "WrongPass9");
    assert!(s.requests().is_empty());
}

#[test]
fn a_proxy_that_is_not_running_is_reported_with_the_proxy_named() {
    let s = StandIn::start();
    let port = free_port();
    let settings = s.settings_via(
        Duration::from_secs(5),
        &format!("http://u:HttpPass2@127.0.0.1:{port}"),
    );
    let api = Api::new(&settings, &s.base_url()).unwrap();
    let err = api.get_webhook_info(TOKEN).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Network {
                kind: FailureKind::Proxy | FailureKind::ConnectionRefused,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.message(Lang::En)
            .contains(&format!("through proxy http://u:***@127.0.0.1:{port}")),
        "{err}"
    );
    assert_no_secret(&err, SECRET);
    assert_no_secret(&err, "HttpPass2");
}
