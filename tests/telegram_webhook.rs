//! setWebhook end to end: the stand-in accepts the webhook, delivers an update to the test's
//! HTTPS endpoint trusting only the uploaded certificate, with Basic Auth and the secret token,
//! and getWebhookInfo / CheckWebhook report the outcome. Then every pre-request check.

mod support;

use std::time::Duration;

use messenger::i18n::{Lang, Localized};
use messenger::net::NetSettings;
use messenger::telegram::{Api, Error, WebhookOptions};
use serde_json::{json, Value};
use support::telegram::*;

const TOKEN: &str = "4242:AAwebhookSecret";
const SECRET: &str = "AAwebhookSecret";

fn finding_codes(v: &Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| f["code"].as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn webhook_is_set_with_certificate_and_options_and_the_update_arrives() {
    let hook = Webhook::start("tg", "Pass-123", Some("s3cret_TOKEN-1"));
    let s = StandIn::start();
    let api = s.api();
    let options = WebhookOptions::from_json(
        r#"{"max_connections": 5, "allowed_updates": ["message", "callback_query"],
            "drop_pending_updates": true, "secret_token": "s3cret_TOKEN-1"}"#,
    )
    .unwrap();
    let url = hook.url("tg:Pass-123", "/base/hs/bot/update");
    let r = api
        .set_webhook(TOKEN, &url, Some(hook.cert.to_str().unwrap()), &options)
        .unwrap();
    assert_eq!(r, json!(true));

    let req = &s.requests()[0];
    assert_eq!(req["method"], "setWebhook");
    assert_eq!(req["content_type"], "multipart/form-data");
    assert_eq!(req["params"]["url"], url);
    assert_eq!(req["params"]["max_connections"], "5");
    assert_eq!(
        req["params"]["allowed_updates"],
        r#"["message","callback_query"]"#
    );
    assert_eq!(req["params"]["drop_pending_updates"], "true");
    assert_eq!(req["params"]["secret_token"], "s3cret_TOKEN-1");
    assert_eq!(req["files"]["certificate"]["filename"], "cert.pem");
    let uploaded = req["files"]["certificate"]["text"].as_str().unwrap();
    assert!(uploaded.starts_with("-----BEGIN CERTIFICATE-----"));
    assert!(!uploaded.contains("PRIVATE"));

    let info = api.get_webhook_info(TOKEN).unwrap();
    assert_eq!(info["url"], url);
    assert_eq!(info["has_custom_certificate"], true);
    assert_eq!(info["pending_update_count"], 0, "{info}");
    assert!(info.get("last_error_message").is_none(), "{info}");

    let got = hook.received();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0]["auth_ok"], true);
    assert_eq!(got[0]["secret"], "s3cret_TOKEN-1");
    assert_eq!(got[0]["path"], "/base/hs/bot/update");
    assert!(got[0]["body"].as_str().unwrap().contains("update_id"));

    let checked = api
        .check_webhook(TOKEN, Some(hook.cert.to_str().unwrap()), Lang::Ru)
        .unwrap();
    assert_eq!(checked["url"], url);
    assert!(finding_codes(&checked).is_empty(), "{checked}");

    assert_eq!(api.delete_webhook(TOKEN, false).unwrap(), json!(true));
    let checked = api.check_webhook(TOKEN, None, Lang::En).unwrap();
    assert_eq!(finding_codes(&checked), vec!["WEBHOOK_NOT_SET"]);
}

#[test]
fn certificate_as_pem_text_and_as_der_file_are_uploaded_as_pem() {
    let hook = Webhook::start("tg", "pw", None);
    let s = StandIn::start();
    let pem = std::fs::read_to_string(&hook.cert).unwrap();
    let url = hook.url("tg:pw", "/x");
    s.api()
        .set_webhook(TOKEN, &url, Some(&pem), &WebhookOptions::default())
        .unwrap();
    let der = hook.dir.path("cert.cer");
    let st = std::process::Command::new("openssl")
        .args(["x509", "-outform", "der", "-in"])
        .arg(&hook.cert)
        .arg("-out")
        .arg(&der)
        .status()
        .unwrap();
    assert!(st.success());
    s.api()
        .set_webhook(
            TOKEN,
            &url,
            Some(der.to_str().unwrap()),
            &WebhookOptions::default(),
        )
        .unwrap();
    for req in s.requests() {
        let text = req["files"]["certificate"]["text"].as_str().unwrap();
        assert!(text.starts_with("-----BEGIN CERTIFICATE-----"), "{text}");
    }
    let info = s.api().get_webhook_info(TOKEN).unwrap();
    assert_eq!(info["pending_update_count"], 0, "{info}");
}

#[test]
fn wrong_password_is_reported_as_401_and_explained() {
    let hook = Webhook::start("tg", "right", None);
    let s = StandIn::start();
    let api = s.api();
    let url = hook.url("tg:wrong", "/hs/bot");
    api.set_webhook(
        TOKEN,
        &url,
        Some(hook.cert.to_str().unwrap()),
        &WebhookOptions::default(),
    )
    .unwrap();
    let info = api.get_webhook_info(TOKEN).unwrap();
    assert_eq!(
        info["last_error_message"],
        "Wrong response from the webhook: 401 Unauthorized"
    );
    assert_eq!(hook.received()[0]["auth_ok"], false);
    let checked = api
        .check_webhook(TOKEN, Some(hook.cert.to_str().unwrap()), Lang::Ru)
        .unwrap();
    let codes = finding_codes(&checked);
    assert!(
        codes.contains(&"LAST_ERROR_HTTP_401".to_owned()),
        "{codes:?}"
    );
    assert!(
        codes.contains(&"PENDING_UPDATES_PILING_UP".to_owned()),
        "{codes:?}"
    );
    let f = &checked["findings"][0];
    assert_eq!(f["severity"], "error");
    assert!(f["cause"].as_str().unwrap().contains("пароль"), "{f}");
    assert!(f["remedy"].as_str().unwrap().contains("латинским"), "{f}");
}

#[test]
fn a_different_uploaded_certificate_fails_verification_and_is_explained() {
    let hook = Webhook::start("tg", "pw", None);
    let s = StandIn::start();
    let api = s.api();
    // Another certificate for the same address: valid for the host, but not the server's.
    let (other, _) = openssl_cert(&hook.dir, "other", &hook.ip, &format!("IP:{}", hook.ip));
    api.set_webhook(
        TOKEN,
        &hook.url("tg:pw", "/x"),
        Some(other.to_str().unwrap()),
        &WebhookOptions::default(),
    )
    .unwrap();
    let info = api.get_webhook_info(TOKEN).unwrap();
    let msg = info["last_error_message"].as_str().unwrap_or_default();
    assert!(
        msg.starts_with("SSL error {error:") && msg.contains("certificate verify failed"),
        "{info}"
    );
    assert!(
        hook.received().is_empty(),
        "nothing may arrive over an untrusted connection"
    );
    let checked = api.check_webhook(TOKEN, None, Lang::En).unwrap();
    assert_eq!(
        checked["findings"][0]["code"], "LAST_ERROR_CERTIFICATE_VERIFY_FAILED",
        "{checked}"
    );
}

#[test]
fn a_self_signed_certificate_not_uploaded_is_found() {
    let hook = Webhook::start("tg", "pw", None);
    let s = StandIn::start();
    let api = s.api();
    api.set_webhook(
        TOKEN,
        &hook.url("tg:pw", "/x"),
        None,
        &WebhookOptions::default(),
    )
    .unwrap();
    let checked = api
        .check_webhook(TOKEN, Some(hook.cert.to_str().unwrap()), Lang::Ru)
        .unwrap();
    let codes = finding_codes(&checked);
    assert!(
        codes.contains(&"LAST_ERROR_CERTIFICATE_VERIFY_FAILED".to_owned()),
        "{codes:?}"
    );
    assert!(
        codes.contains(&"CERTIFICATE_NOT_UPLOADED".to_owned()),
        "{codes:?}"
    );
}

#[test]
fn check_webhook_finds_an_expired_or_mismatched_certificate() {
    let s = StandIn::start();
    let dir = TempDir::new("chk");
    let (expired, _) = python_cert(&dir, "old", "127.0.0.7", Some("127.0.0.7"), -3);
    let (other_host, _) = openssl_cert(&dir, "oth", "127.0.0.8", "IP:127.0.0.8");
    let hook = Webhook::start("tg", "pw", None);
    let api = s.api();
    api.set_webhook(
        TOKEN,
        &hook.url("tg:pw", "/x"),
        Some(hook.cert.to_str().unwrap()),
        &WebhookOptions::default(),
    )
    .unwrap();
    let checked = api
        .check_webhook(TOKEN, Some(expired.to_str().unwrap()), Lang::En)
        .unwrap();
    let codes = finding_codes(&checked);
    assert!(
        codes.contains(&"CERTIFICATE_EXPIRED".to_owned()),
        "{codes:?}"
    );
    assert!(
        codes.contains(&"CERTIFICATE_HOST_MISMATCH".to_owned()),
        "{codes:?}"
    );
    let checked = api
        .check_webhook(TOKEN, Some(other_host.to_str().unwrap()), Lang::En)
        .unwrap();
    assert_eq!(finding_codes(&checked), vec!["CERTIFICATE_HOST_MISMATCH"]);
    let err = api
        .check_webhook(TOKEN, Some("/nonexistent/cert.pem"), Lang::En)
        .unwrap_err();
    assert_eq!(err.code(), "TELEGRAM_CERT_UNREADABLE");
}

/// Every check made before a request, each with its code, against the stand-in (which must see
/// nothing) and against "real Telegram" (reached through a proxy that does not exist, so that a
/// check that wrongly passes fails locally instead of going out).
#[test]
fn every_webhook_check_refuses_before_any_request() {
    let s = StandIn::start();
    let local = s.api();
    let real = Api::new(
        &NetSettings {
            timeout: Duration::from_secs(2),
            proxy: messenger::net::Proxy::parse(&format!("http://127.0.0.1:{}", free_port()))
                .unwrap(),
            ..NetSettings::default()
        },
        "https://api.telegram.org",
    )
    .unwrap();
    assert!(real.is_real_telegram() && !local.is_real_telegram());

    let dir = TempDir::new("checks");
    let (cert, key) = openssl_cert(&dir, "c", "127.0.0.5", "IP:127.0.0.5");
    let (cert_public, _) = openssl_cert(&dir, "p", "8.8.8.8", "IP:8.8.8.8");
    let (expired, _) = python_cert(&dir, "e", "127.0.0.5", Some("127.0.0.5"), -1);
    let (dns_other, _) = openssl_cert(&dir, "d", "127.0.0.5", "DNS:example.org");
    let both = dir.path("both.pem");
    std::fs::write(
        &both,
        std::fs::read_to_string(&cert).unwrap() + &std::fs::read_to_string(&key).unwrap(),
    )
    .unwrap();
    let garbage = dir.path("garbage.pem");
    std::fs::write(&garbage, "not a certificate").unwrap();
    let key_text = std::fs::read_to_string(&key).unwrap();
    let key_line = key_text.lines().nth(1).unwrap().to_owned();

    let p = |c: &std::path::PathBuf| c.to_str().unwrap().to_owned();
    let none = WebhookOptions::default();
    let opts = |j: &str| WebhookOptions::from_json(j).unwrap();
    let h = "https://tg:pw@127.0.0.5:8443/x";
    let cases: Vec<(&str, Result<Value, Error>)> = vec![
        (
            "TELEGRAM_WEBHOOK_NOT_HTTPS",
            local.set_webhook(TOKEN, "http://127.0.0.5/x", None, &none),
        ),
        (
            "TELEGRAM_WEBHOOK_URL_INVALID",
            local.set_webhook(TOKEN, "127.0.0.5/x", None, &none),
        ),
        (
            "TELEGRAM_WEBHOOK_PORT",
            local.set_webhook(TOKEN, "https://127.0.0.5:8080/x", None, &none),
        ),
        (
            "TELEGRAM_WEBHOOK_AUTH_NON_ASCII",
            local.set_webhook(TOKEN, "https://Администратор:pw@127.0.0.5/x", None, &none),
        ),
        (
            "TELEGRAM_WEBHOOK_AUTH_NON_ASCII",
            local.set_webhook(TOKEN, "https://tg:секретик@127.0.0.5/x", None, &none),
        ),
        (
            "TELEGRAM_WEBHOOK_AUTH_RESERVED_CHAR",
            local.set_webhook(TOKEN, "https://tg:p%40ss@127.0.0.5/x", None, &none),
        ),
        (
            "TELEGRAM_WEBHOOK_AUTH_RESERVED_CHAR",
            local.set_webhook(TOKEN, "https://t$g:pw@127.0.0.5/x", None, &none),
        ),
        (
            "TELEGRAM_WEBHOOK_AUTH_EMPTY_USER",
            local.set_webhook(TOKEN, "https://:pw@127.0.0.5/x", None, &none),
        ),
        (
            "TELEGRAM_WEBHOOK_IP_RESERVED",
            real.set_webhook(TOKEN, "https://192.168.1.10/x", None, &none),
        ),
        (
            "TELEGRAM_WEBHOOK_IP_RESERVED",
            real.set_webhook(TOKEN, "https://127.0.0.1:88/x", None, &none),
        ),
        (
            "TELEGRAM_WEBHOOK_IP_RESERVED",
            real.set_webhook(TOKEN, "https://10.1.2.3:8443/x", None, &none),
        ),
        (
            "TELEGRAM_WEBHOOK_IP_RESERVED",
            real.set_webhook(
                TOKEN,
                "https://tg:pw@localhost/testssl/hs/testbottg/testing",
                None,
                &none,
            ),
        ),
        (
            "TELEGRAM_WEBHOOK_IP_RESERVED",
            real.set_webhook(TOKEN, "https://srv1c/x", None, &none),
        ),
        (
            "TELEGRAM_WEBHOOK_IPV6",
            real.set_webhook(TOKEN, "https://[2001:4860::1]/x", None, &none),
        ),
        (
            "TELEGRAM_IP_ADDRESS",
            real.set_webhook(
                TOKEN,
                "https://8.8.8.8/x",
                Some(&p(&cert_public)),
                &opts(r#"{"ip_address":"172.16.0.1"}"#),
            ),
        ),
        (
            "TELEGRAM_IP_ADDRESS",
            local.set_webhook(TOKEN, h, None, &opts(r#"{"ip_address":"not-an-ip"}"#)),
        ),
        (
            "TELEGRAM_MAX_CONNECTIONS",
            local.set_webhook(TOKEN, h, None, &opts(r#"{"max_connections":0}"#)),
        ),
        (
            "TELEGRAM_MAX_CONNECTIONS",
            local.set_webhook(TOKEN, h, None, &opts(r#"{"max_connections":101}"#)),
        ),
        (
            "TELEGRAM_SECRET_TOKEN",
            local.set_webhook(TOKEN, h, None, &opts(r#"{"secret_token":""}"#)),
        ),
        (
            "TELEGRAM_SECRET_TOKEN",
            local.set_webhook(
                TOKEN,
                h,
                None,
                &opts(&format!(r#"{{"secret_token":"{}"}}"#, "a".repeat(257))),
            ),
        ),
        (
            "TELEGRAM_SECRET_TOKEN",
            local.set_webhook(TOKEN, h, None, &opts(r#"{"secret_token":"has space!"}"#)),
        ),
        (
            "TELEGRAM_ALLOWED_UPDATES",
            local.set_webhook(TOKEN, h, None, &opts(r#"{"allowed_updates":[""]}"#)),
        ),
        (
            "TELEGRAM_CERT_IS_PRIVATE_KEY",
            local.set_webhook(TOKEN, h, Some(&p(&key)), &none),
        ),
        (
            "TELEGRAM_CERT_IS_PRIVATE_KEY",
            local.set_webhook(TOKEN, h, Some(&p(&both)), &none),
        ),
        (
            "TELEGRAM_CERT_IS_PRIVATE_KEY",
            local.set_webhook(TOKEN, h, Some(&key_text), &none),
        ),
        (
            "TELEGRAM_CERT_INVALID",
            local.set_webhook(TOKEN, h, Some(&p(&garbage)), &none),
        ),
        (
            "TELEGRAM_CERT_UNREADABLE",
            local.set_webhook(TOKEN, h, Some("/no/such/cert.pem"), &none),
        ),
        (
            "TELEGRAM_CERT_HOST_MISMATCH",
            local.set_webhook(TOKEN, "https://tg:pw@127.0.0.6/x", Some(&p(&cert)), &none),
        ),
        (
            "TELEGRAM_CERT_HOST_MISMATCH",
            local.set_webhook(TOKEN, h, Some(&p(&dns_other)), &none),
        ),
        (
            "TELEGRAM_CERT_EXPIRED",
            local.set_webhook(TOKEN, h, Some(&p(&expired)), &none),
        ),
        (
            "TELEGRAM_TOKEN_INVALID",
            local.set_webhook("4242:AA webhook", h, None, &none),
        ),
    ];
    for (code, result) in cases {
        let err = result.expect_err(code);
        assert_eq!(err.code(), code, "{err}");
        assert_no_secret(&err, SECRET);
        assert_no_secret(&err, &key_line);
        assert_no_secret(&err, "p%40ss");
        assert_no_secret(&err, "секретик");
        for lang in [Lang::Ru, Lang::En] {
            assert!(
                err.message(lang).len() > 20,
                "{code}: {}",
                err.message(lang)
            );
        }
    }
    // The Cyrillic user name gets the advice the 1C admin needs.
    let err = local
        .set_webhook(TOKEN, "https://Администратор:pw@127.0.0.5/x", None, &none)
        .unwrap_err();
    assert!(err.message(Lang::Ru).contains("латинским именем"), "{err}");
    assert!(WebhookOptions::from_json(r#"{"maxconnections": 3}"#).is_err());
    assert!(
        s.requests().is_empty(),
        "requests were made: {:?}",
        s.requests()
    );

    // Against a self-hosted Bot API server (the stand-in) a private address is fine.
    let hook = Webhook::start("tg", "pw", None);
    assert!(local
        .set_webhook(
            TOKEN,
            &hook.url("tg:pw", "/ok"),
            Some(hook.cert.to_str().unwrap()),
            &none
        )
        .is_ok());
}
