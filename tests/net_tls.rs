//! The TLS seam against a real TLS server (openssl s_server): a self-signed certificate made
//! the usual way (`openssl req -x509`: CA:TRUE, CN only) is trusted when it is given in
//! TrustedCertificates, and only then; and an untrusted, an expired and a misnamed certificate
//! each give their own reason, through Telegram (HTTPS), XMPP over TCP (direct TLS) and BOSH
//! (HTTPS), in both languages.

mod support;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use messenger::i18n::{latin_words, Lang, Localized};
use messenger::net::http::{client, failure, FailureKind};
use messenger::net::tls::Verification;
use messenger::net::{NetSettings, TlsReason, TrustedCertificates};
use support::tls::{ec_self_signed, ec_self_signed_with, ec_signed, SServer};

const SUBJECT: &str = "/CN=xmpp.example.internal";

fn get(trusted: &str, port: u16) -> Result<u16, FailureKind> {
    let settings = NetSettings {
        timeout: Duration::from_secs(10),
        trusted: TrustedCertificates::from_pem(trusted).unwrap(),
        ..NetSettings::default()
    };
    let c = client(&settings, Verification::Verify).unwrap();
    c.get(format!("https://127.0.0.1:{port}/"))
        .send()
        .map(|r| r.status().as_u16())
        .map_err(|e| failure(e).kind)
}

#[test]
fn an_openssl_self_signed_certificate_is_trusted_exactly_when_given() {
    let dir = support::temp_dir("net-tls");
    let (key, cert) = ec_self_signed(&dir, "server", SUBJECT);
    let (_other_key, other_cert) = ec_self_signed(&dir, "other", SUBJECT);
    let text = openssl_text(&cert);
    assert!(
        text.contains("CA:TRUE"),
        "the test needs a CA:TRUE certificate:\n{text}"
    );
    let server = SServer::start(&key, &cert);
    let port = server.port;

    let pem = std::fs::read_to_string(&cert).unwrap();
    assert_eq!(
        get(&pem, port),
        Ok(200),
        "the exact certificate given is trusted"
    );
    assert_eq!(get("", port), Err(FailureKind::Tls), "without it, refused");
    let other = std::fs::read_to_string(&other_cert).unwrap();
    assert_eq!(
        get(&other, port),
        Err(FailureKind::Tls),
        "another self-signed certificate is no pin for this one"
    );
}

fn openssl_text(cert: &Path) -> String {
    let out = Command::new("openssl")
        .args(["x509", "-noout", "-text", "-in"])
        .arg(cert)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// What a TLS failure said: the reason and the message in both languages.
struct Said {
    reason: TlsReason,
    en: String,
    ru: String,
}

fn settings(trusted: &str) -> NetSettings {
    NetSettings {
        timeout: Duration::from_secs(10),
        trusted: TrustedCertificates::from_pem(trusted).unwrap(),
        ..NetSettings::default()
    }
}

/// getMe of a Telegram API at `https://127.0.0.1:port`.
fn telegram(trusted: &str, port: u16) -> Said {
    let api =
        messenger::telegram::Api::new(&settings(trusted), &format!("https://127.0.0.1:{port}"))
            .unwrap();
    let e = api
        .call("9:tlssecret", "getMe", &serde_json::Map::new())
        .unwrap_err();
    assert_eq!(e.code(), "TELEGRAM_NET_TLS", "{e}");
    let messenger::telegram::Error::Network {
        tls: Some(reason), ..
    } = &e
    else {
        panic!("{e:?}")
    };
    Said {
        reason: reason.clone(),
        en: e.message(Lang::En),
        ru: e.message(Lang::Ru),
    }
}

/// SendXmpp to `localhost` by direct TLS at `127.0.0.1:port`, or by BOSH at
/// `https://127.0.0.1:port/http-bind`.
fn xmpp(trusted: &str, port: u16, bosh: bool) -> Said {
    let mut o = messenger::xmpp::SendOptions::default();
    if bosh {
        o.bosh_url = Some(format!("https://127.0.0.1:{port}/http-bind"));
    } else {
        o.server = Some(format!("127.0.0.1:{port}"));
        o.tls = Some("direct".into());
    }
    let e = messenger::xmpp::send_message(
        &settings(trusted),
        "alice@localhost",
        "alicepw",
        "bob@localhost",
        "x",
        &o,
    )
    .unwrap_err();
    assert_eq!(e.code(), "XMPP_TLS", "{e}");
    let messenger::xmpp::Error::Tls { reason, .. } = &e else {
        panic!("{e:?}")
    };
    Said {
        reason: reason.clone(),
        en: e.message(Lang::En),
        ru: e.message(Lang::Ru),
    }
}

#[test]
fn untrusted_expired_early_and_misnamed_certificates_each_say_their_reason() {
    let dir = support::temp_dir("net-tls-reasons");
    let ca = ec_self_signed(&dir, "ca", "/CN=Test Authority");
    let ca_pem = std::fs::read_to_string(&ca.1).unwrap();
    let ours = "DNS:localhost,IP:127.0.0.1";
    let (untrusted_key, untrusted) = ec_self_signed(&dir, "untrusted", SUBJECT);
    let (expired_key, expired) = ec_signed(
        &dir,
        "expired",
        ours,
        &ca,
        "20200101000000Z",
        "20200201000000Z",
    );
    let (early_key, early) = ec_signed(
        &dir,
        "early",
        ours,
        &ca,
        "20900101000000Z",
        "20910101000000Z",
    );
    // Self-signed, CA:FALSE, named localhost like many a test server's (and like Debian's
    // snakeoil root in the system's store, whose name the chain checker then tries).
    let (leaf_key, leaf) = ec_self_signed_with(
        &dir,
        "leaf",
        "/CN=localhost",
        &[
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "basicConstraints=critical,CA:FALSE",
        ],
    );
    let expired_pem = std::fs::read_to_string(&expired).unwrap();
    let (misnamed_key, misnamed) = ec_signed(
        &dir,
        "misnamed",
        "DNS:other.example",
        &ca,
        "20250101000000Z",
        "20450101000000Z",
    );

    // (server, trusted certificates, the reason, what the Russian and the English say)
    let cases = [
        (
            SServer::start(&untrusted_key, &untrusted),
            "",
            TlsReason::UnknownIssuer,
            "самоподписанный или выдан центром, которому этот компьютер не доверяет".to_owned(),
            "self-signed or issued by an authority this computer does not trust".to_owned(),
        ),
        (
            SServer::start(&leaf_key, &leaf),
            "",
            TlsReason::UnknownIssuer,
            "самоподписанный или выдан центром, которому этот компьютер не доверяет".to_owned(),
            "self-signed or issued by an authority this computer does not trust".to_owned(),
        ),
        // Trusted by its exact bytes (a pin), still refused when out of date.
        (
            SServer::start(&expired_key, &expired),
            expired_pem.as_str(),
            TlsReason::Expired {
                not_after: Some(1_580_515_200),
            },
            "срок действия сертификата сервера истёк 2020-02-01 00:00 UTC".to_owned(),
            "the server's certificate expired on 2020-02-01 00:00 UTC".to_owned(),
        ),
        (
            SServer::start(&expired_key, &expired),
            ca_pem.as_str(),
            TlsReason::Expired {
                not_after: Some(1_580_515_200),
            },
            "срок действия сертификата сервера истёк 2020-02-01 00:00 UTC".to_owned(),
            "the server's certificate expired on 2020-02-01 00:00 UTC".to_owned(),
        ),
        (
            SServer::start(&early_key, &early),
            ca_pem.as_str(),
            TlsReason::NotYetValid {
                not_before: Some(3_786_912_000),
            },
            "сертификат сервера действует только с 2090-01-01 00:00 UTC".to_owned(),
            "the server's certificate is valid only from 2090-01-01 00:00 UTC".to_owned(),
        ),
        (
            SServer::start(&misnamed_key, &misnamed),
            ca_pem.as_str(),
            TlsReason::WrongName {
                presented: vec!["other.example".into()],
            },
            "сертификат сервера выдан на другое имя: \"other.example\"".to_owned(),
            "issued for another name: \"other.example\"".to_owned(),
        ),
    ];
    let mut russian = Vec::new();
    for (server, trusted, reason, ru, en) in &cases {
        for (how, said) in [
            ("telegram", telegram(trusted, server.port)),
            ("xmpp direct tls", xmpp(trusted, server.port, false)),
            ("xmpp bosh https", xmpp(trusted, server.port, true)),
        ] {
            assert_eq!(&said.reason, reason, "{how}");
            let ru_own = said.ru.replace(". Что делать:", ";");
            assert!(ru_own.contains(ru.as_str()), "{how}: {}", said.ru);
            assert!(said.en.contains(en.as_str()), "{how}: {}", said.en);
            // Russian from "TLS" on is ours alone (Telegram's text starts with the URL).
            let ours = &said.ru[said.ru.find("ошибка TLS").expect(&said.ru)..];
            assert!(latin_words(ours).is_empty(), "{how}: {ours}");
            assert!(!said.ru.contains("tlssecret") && !said.en.contains("tlssecret"));
            // A wrong name is cured where the name comes from: Telegram's address, XMPP's JID.
            if matches!(reason, TlsReason::WrongName { .. }) {
                let cure = match how {
                    "telegram" => "проверьте адрес",
                    _ => "сертификат должен быть выдан на домен JID",
                };
                assert!(said.ru.contains(cure), "{how}: {}", said.ru);
            }
            russian.push(said.ru);
        }
    }
    // The trusted certificates are suggested only where they help (the first two servers).
    for ru in &russian[..6] {
        assert!(ru.contains("доверенные сертификаты"), "{ru}");
    }
    for ru in &russian[6..] {
        assert!(!ru.contains("доверенные сертификаты"), "{ru}");
    }
}

#[test]
fn a_server_refusing_our_handshake_says_which_refusal_in_our_words() {
    let dir = support::temp_dir("net-tls-alerts");
    let (key, cert) = ec_self_signed(&dir, "server", SUBJECT);
    let pem = std::fs::read_to_string(&cert).unwrap();
    // TLS 1.2 with CBC ciphers only, which we do not speak: "handshake_failure"; a client
    // certificate required, which we never send: "certificate_required" after the handshake.
    for (options, reason, ru) in [
        (
            &["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA"][..],
            TlsReason::Refused(messenger::net::tls_reason::Alert::HandshakeFailure),
            "сервер прервал установку связи: среди наших параметров он не нашёл подходящих",
        ),
        (
            &["-Verify", "1"][..],
            TlsReason::Refused(messenger::net::tls_reason::Alert::ClientCertificate),
            "сервер прервал установку связи: он требует сертификат клиента",
        ),
    ] {
        let server = SServer::start_with(&key, &cert, options);
        for (how, said) in [
            ("telegram", telegram(&pem, server.port)),
            ("xmpp direct tls", xmpp(&pem, server.port, false)),
        ] {
            assert_eq!(said.reason, reason, "{how} {options:?}: {}", said.en);
            assert!(said.ru.contains(ru), "{how}: {}", said.ru);
            let ours = &said.ru[said.ru.find("ошибка TLS").expect(&said.ru)..];
            assert!(latin_words(ours).is_empty(), "{how}: {ours}");
        }
    }
}
