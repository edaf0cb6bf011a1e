//! The TLS seam against a real TLS server (openssl s_server): a self-signed certificate made
//! the usual way (`openssl req -x509`: CA:TRUE, CN only) is trusted when it is given in
//! TrustedCertificates, and only then.

mod support;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use messenger::net::http::{client, failure, FailureKind};
use messenger::net::tls::Verification;
use messenger::net::{NetSettings, TrustedCertificates};
use support::tls::{ec_self_signed, SServer};

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
