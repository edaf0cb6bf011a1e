//! The Bot API client against the local HTTPS stand-in: the envelope, errors of every kind,
//! sendMessage, any method, and the token kept out of every error text.

mod support;

use std::time::{Duration, Instant};

use messenger::i18n::{Lang, Localized};
use messenger::net::http::FailureKind;
use messenger::telegram::{Api, Error};
use serde_json::{json, Map};
use support::telegram::*;

const TOKEN: &str = "123456:AAHsecretPart_-x";
const SECRET: &str = "AAHsecretPart_-x";

#[test]
fn send_message_posts_json_with_a_numeric_chat_id_and_merged_options() {
    let s = StandIn::start();
    let api = s.api();
    let r = api
        .send_message(
            TOKEN,
            "-1001234567890",
            "Привет, <мир> & 😀",
            &obj(json!({"parse_mode": "HTML"})),
        )
        .unwrap();
    assert_eq!(r["text"], "Привет, <мир> & 😀");
    assert_eq!(r["chat"]["id"], -1001234567890i64);
    let r = api
        .send_message(TOKEN, "@my_channel", "hi", &Map::new())
        .unwrap();
    assert_eq!(r["chat"]["username"], "my_channel");
    let reqs = s.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0]["method"], "sendMessage");
    assert_eq!(reqs[0]["http_method"], "POST");
    assert_eq!(reqs[0]["content_type"], "application/json");
    assert_eq!(reqs[0]["token"], TOKEN);
    // An integer literal goes as a JSON number (ids exceed 32 bits), a @name as a string.
    assert_eq!(reqs[0]["params"]["chat_id"], json!(-1001234567890i64));
    assert_eq!(reqs[0]["params"]["parse_mode"], "HTML");
    assert_eq!(reqs[1]["params"]["chat_id"], json!("@my_channel"));
}

#[test]
fn call_reaches_any_method_and_returns_the_result() {
    let s = StandIn::start();
    let r = s.api().call(TOKEN, "getMe", &Map::new()).unwrap();
    assert_eq!(r["is_bot"], true);
    let err = s
        .api()
        .call(TOKEN, "noSuchMethod", &Map::new())
        .unwrap_err();
    match &err {
        Error::Telegram {
            code, description, ..
        } => {
            assert_eq!(*code, 404);
            assert!(description.contains("Not Found"));
        }
        other => panic!("{other:?}"),
    }
    assert_no_secret(&err, SECRET);
}

#[test]
fn ok_false_carries_error_code_and_description_in_both_languages() {
    let s = StandIn::start();
    let err = s
        .api()
        .send_message(TOKEN, "404", "x", &Map::new())
        .unwrap_err();
    assert!(
        matches!(&err, Error::Telegram { code: 400, description, .. } if description == "Bad Request: chat not found"),
        "{err:?}"
    );
    assert_eq!(err.code(), "TELEGRAM_API_ERROR");
    assert!(err
        .message(Lang::Ru)
        .contains("Telegram ответил ошибкой 400: Bad Request: chat not found"));
    assert!(err.message(Lang::En).contains("error 400"));

    let err = s
        .api()
        .call("777:wrongSecret1", "getMe", &Map::new())
        .unwrap_err();
    assert_eq!(err.code(), "TELEGRAM_UNAUTHORIZED");
    assert!(err.message(Lang::Ru).contains("токен"));
    assert_no_secret(&err, "wrongSecret1");

    let err = s
        .api()
        .call("777:fail500xyz", "getMe", &Map::new())
        .unwrap_err();
    assert!(matches!(err, Error::Telegram { code: 500, .. }), "{err:?}");
    assert_no_secret(&err, "fail500xyz");
}

#[test]
fn a_429_is_retried_once_after_retry_after_when_it_fits() {
    let s = StandIn::start();
    let token = "555:flood1secret";
    let t0 = Instant::now();
    let r = s.api().send_message(token, "1", "x", &Map::new()).unwrap();
    assert_eq!(r["text"], "x");
    let waited = t0.elapsed();
    assert!(
        waited >= Duration::from_secs(1),
        "retried too early: {waited:?}"
    );
    assert_eq!(s.requests().len(), 2, "exactly one retry");
}

#[test]
fn a_429_whose_wait_does_not_fit_in_the_timeout_is_returned_at_once() {
    let s = StandIn::start();
    let token = "555:flood60secret";
    let t0 = Instant::now();
    let err = s
        .api()
        .send_message(token, "1", "x", &Map::new())
        .unwrap_err();
    assert!(t0.elapsed() < Duration::from_secs(5));
    assert!(
        matches!(
            err,
            Error::Telegram {
                code: 429,
                retry_after: Some(60),
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.code(), "TELEGRAM_TOO_MANY_REQUESTS");
    assert!(err.message(Lang::En).contains("retry_after 60"));
    assert_no_secret(&err, "flood60secret");
    assert_eq!(s.requests().len(), 1, "no retry");
}

#[test]
fn an_answer_that_is_not_an_envelope_is_a_bad_response() {
    let s = StandIn::start();
    let err = s
        .api()
        .call("9:html502secret", "getMe", &Map::new())
        .unwrap_err();
    match &err {
        Error::BadResponse { status, url, .. } => {
            assert_eq!(*status, 502);
            assert!(url.contains("/bot9:***/getMe"), "{url}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(err.code(), "TELEGRAM_BAD_RESPONSE");
    assert_no_secret(&err, "html502secret");
}

#[test]
fn a_stall_beyond_the_timeout_ends_within_the_timeout() {
    let s = StandIn::start();
    let api = Api::new(&s.settings(Duration::from_secs(2)), &s.base_url()).unwrap();
    let t0 = Instant::now();
    let err = api.call("9:stallsecret", "getMe", &Map::new()).unwrap_err();
    let took = t0.elapsed();
    assert!(took < Duration::from_millis(2600), "took {took:?}");
    assert!(
        matches!(
            err,
            Error::Network {
                kind: FailureKind::Timeout,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.code(), "TELEGRAM_NET_TIMEOUT");
    assert!(err.message(Lang::En).contains("/bot9:***/getMe"));
    assert_no_secret(&err, "stallsecret");
}

#[test]
fn a_dropped_connection_is_a_reset() {
    let s = StandIn::start();
    let err = s
        .api()
        .call("9:dropsecret", "getMe", &Map::new())
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Network {
                kind: FailureKind::ConnectionReset,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.code(), "TELEGRAM_NET_RESET");
    assert_no_secret(&err, "dropsecret");
}

#[test]
fn refused_and_untrusted_servers_are_told_apart() {
    let port = free_port();
    let api = Api::new(
        &messenger::net::NetSettings {
            timeout: Duration::from_secs(3),
            ..Default::default()
        },
        &format!("https://127.0.0.1:{port}"),
    )
    .unwrap();
    let err = api.get_webhook_info(TOKEN).unwrap_err();
    assert_eq!(err.code(), "TELEGRAM_NET_REFUSED", "{err}");
    assert_no_secret(&err, SECRET);

    // The stand-in's certificate is not in TrustedCertificates: a TLS error, not a refusal.
    let s = StandIn::start();
    let api = Api::new(
        &messenger::net::NetSettings {
            timeout: Duration::from_secs(3),
            ..Default::default()
        },
        &s.base_url(),
    )
    .unwrap();
    let err = api.get_webhook_info(TOKEN).unwrap_err();
    assert_eq!(err.code(), "TELEGRAM_NET_TLS", "{err}");
    // The library names no 1C property; it says which setting, and the add-in names it.
    assert!(err.message(Lang::Ru).contains("доверенные сертификаты"));
    assert_eq!(
        err.settings(),
        &[messenger::net::Setting::TrustedCertificates]
    );
    assert_no_secret(&err, SECRET);
}

#[test]
fn bad_input_is_refused_before_any_request() {
    let s = StandIn::start();
    let api = s.api();
    let cases: Vec<(Error, &str)> = vec![
        (
            api.send_message(TOKEN, "", "x", &Map::new()).unwrap_err(),
            "TELEGRAM_CHAT_ID_INVALID",
        ),
        (
            api.send_message(TOKEN, "1 234 567", "x", &Map::new())
                .unwrap_err(),
            "TELEGRAM_CHAT_ID_INVALID",
        ),
        (
            api.send_message(TOKEN, "chat", "x", &Map::new())
                .unwrap_err(),
            "TELEGRAM_CHAT_ID_INVALID",
        ),
        (
            api.send_message(TOKEN, "1", "  ", &Map::new()).unwrap_err(),
            "TELEGRAM_TEXT_EMPTY",
        ),
        (
            api.send_message(TOKEN, "1", "x", &obj(json!({"chat_id": 2})))
                .unwrap_err(),
            "TELEGRAM_PARAMETER_CONFLICT",
        ),
        (
            api.call(TOKEN, "send/../Message", &Map::new()).unwrap_err(),
            "TELEGRAM_METHOD_INVALID",
        ),
        (
            api.call(TOKEN, "", &Map::new()).unwrap_err(),
            "TELEGRAM_METHOD_INVALID",
        ),
        (
            api.call("123456:AAH/../x", "getMe", &Map::new())
                .unwrap_err(),
            "TELEGRAM_TOKEN_INVALID",
        ),
        (
            api.call("bot123456:AAH", "getMe", &Map::new()).unwrap_err(),
            "TELEGRAM_TOKEN_INVALID",
        ),
        (
            api.get_webhook_info("").unwrap_err(),
            "TELEGRAM_TOKEN_INVALID",
        ),
    ];
    for (err, code) in cases {
        assert_eq!(err.code(), code, "{err}");
        assert!(!err.message(Lang::Ru).is_empty() && !err.message(Lang::En).is_empty());
        assert_no_secret(&err, SECRET);
        assert_no_secret(&err, "AAH/../x");
    }
    assert!(
        s.requests().is_empty(),
        "no request may be made: {:?}",
        s.requests()
    );
}

#[test]
fn api_url_property_is_validated_without_echoing_a_token() {
    use messenger::telegram::validate_api_url;
    assert!(validate_api_url("https://api.telegram.org").is_ok());
    assert!(validate_api_url("http://127.0.0.1:8081/").is_ok());
    for bad in [
        "",
        "api.telegram.org",
        "ftp://api.telegram.org",
        "https://x/?q=1",
    ] {
        let e = validate_api_url(bad).unwrap_err();
        assert_eq!(e.code(), "TELEGRAM_API_URL_INVALID", "{bad}");
    }
    let e = validate_api_url(&format!("https://api.telegram.org/bot{TOKEN}/")).unwrap_err();
    assert_no_secret(&e, SECRET);
}

#[test]
fn delete_webhook_and_get_webhook_info_round_trip() {
    let s = StandIn::start();
    let api = s.api();
    assert_eq!(api.delete_webhook(TOKEN, true).unwrap(), json!(true));
    let info = api.get_webhook_info(TOKEN).unwrap();
    assert_eq!(info["url"], "");
    let reqs = s.requests();
    assert_eq!(reqs[0]["method"], "deleteWebhook");
    assert_eq!(reqs[0]["params"]["drop_pending_updates"], json!(true));
}

#[test]
fn a_redirect_is_not_followed_so_the_token_stays_with_the_configured_server() {
    use std::io::{Read, Write};
    use std::net::TcpListener;
    // The "elsewhere" a hijacked or misconfigured endpoint points to: it must never be asked.
    let elsewhere = TcpListener::bind("127.0.0.1:0").unwrap();
    elsewhere.set_nonblocking(true).unwrap();
    let target = elsewhere.local_addr().unwrap();
    let api_server = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", api_server.local_addr().unwrap());
    let serve = std::thread::spawn(move || {
        let (mut conn, _) = api_server.accept().unwrap();
        let mut buf = [0u8; 4096];
        let _ = conn.read(&mut buf);
        let answer = format!(
            "HTTP/1.1 302 Found\r\nLocation: http://{target}/bot{TOKEN}/getMe\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
        conn.write_all(answer.as_bytes()).unwrap();
    });
    let settings = messenger::net::NetSettings {
        timeout: Duration::from_secs(5),
        ..Default::default()
    };
    let api = Api::new(&settings, &base).unwrap();
    let err = api.call(TOKEN, "getMe", &Map::new()).unwrap_err();
    serve.join().unwrap();
    let text = err.message(Lang::En);
    assert!(text.contains("302"), "{text}");
    assert!(!text.contains(SECRET), "{text}");
    assert!(
        elsewhere.accept().is_err(),
        "the redirect was followed to {target}"
    );
}
