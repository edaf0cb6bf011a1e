//! The TLS seam against a real TLS server (openssl s_server): a self-signed certificate made
//! the usual way (`openssl req -x509`: CA:TRUE, CN only) is trusted when it is given in
//! TrustedCertificates, and only then.

mod common;

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use messenger::net::http::{client, failure, FailureKind};
use messenger::net::tls::Verification;
use messenger::net::{NetSettings, TrustedCertificates};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn self_signed(dir: &std::path::Path, name: &str) -> (String, String) {
    let key = dir.join(format!("{name}.key"));
    let cert = dir.join(format!("{name}.pem"));
    let status = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-days",
            "30",
            "-subj",
            "/CN=xmpp.example.internal",
            "-keyout",
        ])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stderr(Stdio::null())
        .status()
        .expect("openssl is needed (apt-get install openssl)");
    assert!(status.success());
    (
        key.to_string_lossy().into_owned(),
        cert.to_string_lossy().into_owned(),
    )
}

fn serve(key: &str, cert: &str) -> (Server, u16) {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("openssl")
        .args(["s_server", "-quiet", "-www", "-accept"])
        .arg(format!("127.0.0.1:{port}"))
        .args(["-key", key, "-cert", cert])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("openssl s_server");
    let server = Server(child);
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "s_server did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    (server, port)
}

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
    let dir = common::temp_dir("net-tls");
    let (key, cert) = self_signed(&dir, "server");
    let (_other_key, other_cert) = self_signed(&dir, "other");
    let text = openssl_text(&cert);
    assert!(
        text.contains("CA:TRUE"),
        "the test needs a CA:TRUE certificate:\n{text}"
    );
    let (_server, port) = serve(&key, &cert);

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

fn openssl_text(cert: &str) -> String {
    let out = Command::new("openssl")
        .args(["x509", "-noout", "-text", "-in", cert])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}
