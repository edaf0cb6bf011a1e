//! MakeCert against real peers: OpenSSL reads every output, and a real TLS server serving the
//! generated key and certificate on 127.0.0.1 is verified by curl, by Python's `ssl` module and
//! by `openssl s_client -verify_hostname` (the check Telegram's Bot API server makes).
//!
//! The peers come from Debian (scripts/deps/cert.apt); a missing one fails the test with a
//! message saying so, never skips it.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use base64::Engine as _;
use messenger::cert::{make_cert, CertOptions, CertOutput, CertRequest};
use support::tls::SServer;

const PASSWORD: &str = "Пароль PFX-1";

/// Runs a peer, failing clearly when it is not installed.
fn run(program: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(program);
    cmd.args(args).stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    match cmd.output() {
        Ok(out) => out,
        Err(e) => panic!(
            "cannot run {program} ({e}): install the Debian packages listed in \
             scripts/deps/cert.apt (bash scripts/install-deps.sh)"
        ),
    }
}

/// Runs a peer that must succeed; returns its standard output.
fn ok(program: &str, args: &[&str], env: &[(&str, &str)]) -> String {
    let out = run(program, args, env);
    assert!(
        out.status.success(),
        "{program} {args:?} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().expect("test paths are UTF-8")
}

fn files(out: &CertOutput) -> (PathBuf, PathBuf, PathBuf) {
    (
        out.key_file.clone().expect("key_file"),
        out.cert_file.clone().expect("cert_file"),
        out.pfx_file.clone().expect("pfx_file"),
    )
}

fn request(cn: &str, dir: Option<&Path>, options: CertOptions) -> CertRequest {
    CertRequest {
        common_name: cn.to_owned(),
        directory: dir.map(Path::to_path_buf),
        pfx_password: PASSWORD.to_owned(),
        options,
    }
}

/// The PKCS#12 dump must show the legacy algorithms old IIS needs, read without `-legacy`.
fn assert_iis_compatible_pfx(pfx: &Path) {
    let info = run(
        "openssl",
        &[
            "pkcs12",
            "-info",
            "-in",
            s(pfx),
            "-passin",
            "env:PFXPW",
            "-nokeys",
            "-noout",
        ],
        &[("PFXPW", PASSWORD)],
    );
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&info.stdout),
        String::from_utf8_lossy(&info.stderr)
    );
    assert!(
        info.status.success(),
        "openssl pkcs12 -info failed:\n{text}"
    );
    assert!(text.contains("MAC: sha1"), "{text}");
    assert!(
        text.contains("PKCS7 Encrypted data: pbeWithSHA1And3-KeyTripleDES-CBC"),
        "{text}"
    );
    assert!(
        text.contains("Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC"),
        "{text}"
    );
    assert!(!text.contains("AES") && !text.contains("RC2"), "{text}");
}

/// The key and certificate inside the PFX are the ones in the PEM files.
fn assert_pfx_holds(pfx: &Path, key: &Path, cert: &Path) {
    let env = [("PFXPW", PASSWORD)];
    let certs = ok(
        "openssl",
        &[
            "pkcs12",
            "-in",
            s(pfx),
            "-passin",
            "env:PFXPW",
            "-nokeys",
            "-clcerts",
        ],
        &env,
    );
    let inner = certs
        .find("-----BEGIN CERTIFICATE-----")
        .map(|i| &certs[i..])
        .expect("a certificate in the PFX");
    assert_eq!(inner.trim(), std::fs::read_to_string(cert).unwrap().trim());
    let keys = ok(
        "openssl",
        &[
            "pkcs12",
            "-in",
            s(pfx),
            "-passin",
            "env:PFXPW",
            "-nocerts",
            "-nodes",
        ],
        &env,
    );
    let dir = tempfile::tempdir().unwrap();
    let inner_key = dir.path().join("inner.key");
    std::fs::write(&inner_key, keys).unwrap();
    let public = |k: &Path| ok("openssl", &["pkey", "-in", s(k), "-pubout"], &[]);
    assert_eq!(public(&inner_key), public(key));
}

#[test]
fn openssl_reads_every_output_cyrillic_subject_and_path() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("Каталог с пробелами").join("ssl сервера");
    let out = make_cert(&request(
        "127.0.0.1",
        Some(&dir),
        CertOptions {
            country: Some("RU".into()),
            state: Some("Оренбургская обл.".into()),
            locality: Some("Оренбург".into()),
            organization: Some("ООО \"Ромашка\", филиал".into()),
            unit: Some("Отдел ИТ".into()),
            email: Some("admin@example.com".into()),
            alt_names: Some(vec!["::1".into(), "10.0.0.1".into()]),
            days: Some(730),
            ..Default::default()
        },
    ))
    .unwrap();
    let (key, cert, pfx) = files(&out);
    assert_eq!(key, dir.join("cert.key"));
    assert_eq!(cert, dir.join("cert.pem"));
    assert_eq!(pfx, dir.join("cert.pfx"));

    let text = ok(
        "openssl",
        &[
            "x509",
            "-in",
            s(&cert),
            "-noout",
            "-text",
            "-nameopt",
            "utf8,sep_comma_plus_space",
        ],
        &[],
    );
    let subject = "C=RU, ST=Оренбургская обл., L=Оренбург, O=ООО \"Ромашка\", филиал, \
                   OU=Отдел ИТ, CN=127.0.0.1, emailAddress=admin@example.com";
    assert!(text.contains(&format!("Subject: {subject}\n")), "{text}");
    assert!(text.contains(&format!("Issuer: {subject}\n")), "{text}");
    assert!(text.contains("Version: 3 (0x2)"), "{text}");
    assert!(
        text.contains("Signature Algorithm: sha256WithRSAEncryption"),
        "{text}"
    );
    assert!(text.contains("Public-Key: (2048 bit)"), "{text}");
    assert!(
        text.contains("IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, IP Address:10.0.0.1"),
        "{text}"
    );

    // Cyrillic goes as UTF8String, the country as PrintableString, email as IA5String.
    let asn1 = ok("openssl", &["asn1parse", "-in", s(&cert)], &[]);
    assert!(asn1.contains("PRINTABLESTRING   :RU"), "{asn1}");
    assert!(
        asn1.contains("IA5STRING         :admin@example.com"),
        "{asn1}"
    );
    assert!(asn1.matches("UTF8STRING").count() >= 10, "{asn1}");

    // The result JSON tells the truth about the certificate.
    let field = |opt: &str| {
        let line = ok(
            "openssl",
            &[
                "x509",
                "-in",
                s(&cert),
                "-noout",
                opt,
                "-nameopt",
                "RFC2253,-esc_msb",
            ],
            &[],
        );
        line.trim()
            .split_once('=')
            .map(|(_, v)| v.to_owned())
            .unwrap()
    };
    assert_eq!(field("-subject"), out.subject);
    assert_eq!(field("-serial").to_lowercase(), out.serial);
    let fingerprint = ok(
        "openssl",
        &["x509", "-in", s(&cert), "-noout", "-fingerprint", "-sha256"],
        &[],
    );
    let fingerprint = fingerprint.trim().split_once('=').unwrap().1;
    assert_eq!(fingerprint.replace(':', "").to_lowercase(), out.sha256);
    let dates = ok(
        "openssl",
        &[
            "x509",
            "-in",
            s(&cert),
            "-noout",
            "-dates",
            "-dateopt",
            "iso_8601",
        ],
        &[],
    );
    assert!(
        dates.contains(&format!("notBefore={}", out.not_before.replace('T', " "))),
        "{dates} vs {}",
        out.not_before
    );
    assert!(
        dates.contains(&format!("notAfter={}", out.not_after.replace('T', " "))),
        "{dates} vs {}",
        out.not_after
    );
    assert_eq!(out.alt_names, ["127.0.0.1", "::1", "10.0.0.1"]);

    // The key: PKCS#8 PEM that OpenSSL accepts and checks, readable by the owner only.
    let key_pem = std::fs::read_to_string(&key).unwrap();
    assert!(key_pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
    ok(
        "openssl",
        &["pkey", "-in", s(&key), "-check", "-noout"],
        &[],
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&key), 0o600);
        assert_eq!(mode(&pfx), 0o600);
    }

    assert_iis_compatible_pfx(&pfx);
    assert_pfx_holds(&pfx, &key, &cert);

    // Nothing but the three files in the directory.
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["cert.key", "cert.pem", "cert.pfx"]);
}

#[test]
fn every_key_type_is_what_was_asked() {
    let tmp = tempfile::tempdir().unwrap();
    for (key, public, signature) in [
        (
            "rsa3072",
            "Public-Key: (3072 bit)",
            "sha256WithRSAEncryption",
        ),
        (
            "rsa4096",
            "Public-Key: (4096 bit)",
            "sha256WithRSAEncryption",
        ),
        ("ecdsa-p256", "NIST CURVE: P-256", "ecdsa-with-SHA256"),
    ] {
        let out = make_cert(&request(
            "webhook.example.test",
            Some(tmp.path()),
            CertOptions {
                key: Some(key.into()),
                basename: Some(key.into()),
                ..Default::default()
            },
        ))
        .unwrap();
        let (key_file, cert, pfx) = files(&out);
        let text = ok(
            "openssl",
            &["x509", "-in", s(&cert), "-noout", "-text"],
            &[],
        );
        assert!(text.contains(public), "{key}: {text}");
        assert!(
            text.contains(&format!("Signature Algorithm: {signature}")),
            "{key}: {text}"
        );
        assert!(text.contains("DNS:webhook.example.test"), "{key}: {text}");
        ok(
            "openssl",
            &["pkey", "-in", s(&key_file), "-check", "-noout"],
            &[],
        );
        assert_iis_compatible_pfx(&pfx);
        assert_pfx_holds(&pfx, &key_file, &cert);
    }
}

#[test]
fn without_a_directory_the_key_and_pfx_come_back_in_the_json() {
    let out = make_cert(&request("203.0.113.7", None, CertOptions::default())).unwrap();
    let json = serde_json::to_value(&out).unwrap();
    for absent in ["key_file", "cert_file", "pfx_file"] {
        assert!(json.get(absent).is_none(), "{absent} in {json}");
    }
    let tmp = tempfile::tempdir().unwrap();
    let key = tmp.path().join("k.pem");
    let cert = tmp.path().join("c.pem");
    let pfx = tmp.path().join("p.pfx");
    std::fs::write(&key, json["key_pem"].as_str().unwrap()).unwrap();
    std::fs::write(&cert, json["cert_pem"].as_str().unwrap()).unwrap();
    let pfx_bytes = base64::engine::general_purpose::STANDARD
        .decode(json["pfx_base64"].as_str().unwrap())
        .unwrap();
    std::fs::write(&pfx, pfx_bytes).unwrap();
    ok(
        "openssl",
        &["pkey", "-in", s(&key), "-check", "-noout"],
        &[],
    );
    let text = ok(
        "openssl",
        &["x509", "-in", s(&cert), "-noout", "-ext", "subjectAltName"],
        &[],
    );
    assert!(text.contains("IP Address:203.0.113.7"), "{text}");
    assert_iis_compatible_pfx(&pfx);
    assert_pfx_holds(&pfx, &key, &cert);
}

/// The Python a webhook client would write: the default context with our PEM as the only CA.
const PYTHON_CLIENT: &str = r#"
import socket, ssl, sys
host, port, cafile = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ctx = ssl.create_default_context(cafile=cafile)
with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
    with ctx.wrap_socket(raw, server_hostname=host) as tls:
        tls.sendall(b"GET / HTTP/1.0\r\n\r\n")
        print(tls.version(), tls.recv(64).split(b"\r\n")[0].decode())
"#;

fn assert_clients_accept(host: &str, key: &Path, cert: &Path) {
    let server = SServer::start(key, cert);
    let port = server.port.to_string();
    let url = format!("https://{host}:{port}/");
    let resolve = format!("{host}:{port}:127.0.0.1");
    let mut curl_args = vec![
        "--silent",
        "--show-error",
        "--max-time",
        "20",
        "--cacert",
        s(cert),
    ];
    if host.parse::<std::net::IpAddr>().is_err() {
        curl_args.extend(["--resolve", resolve.as_str()]);
    }
    curl_args.extend(["-o", "/dev/null", "-w", "%{http_code}", url.as_str()]);
    assert_eq!(ok("curl", &curl_args, &[]), "200", "curl to {url}");

    let py = ok("python3", &["-c", PYTHON_CLIENT, host, &port, s(cert)], &[]);
    assert!(py.contains("HTTP/1.0 200"), "python: {py}");

    let connect = format!("127.0.0.1:{port}");
    let telegram_style = |name: &str| {
        run(
            "openssl",
            &[
                "s_client",
                "-connect",
                &connect,
                "-verify_hostname",
                name,
                "-CAfile",
                s(cert),
                "-verify_return_error",
                "-brief",
            ],
            &[],
        )
    };
    let good = telegram_style(host);
    let log = String::from_utf8_lossy(&good.stderr).into_owned();
    assert!(
        good.status.success() && log.contains("Verification: OK"),
        "s_client: {log}"
    );
    // The check is real: another name is refused.
    let bad = telegram_style("other.example.test");
    assert!(!bad.status.success(), "s_client accepted a wrong host name");
    drop(server);
}

#[test]
fn tls_clients_accept_an_ip_certificate() {
    let tmp = tempfile::tempdir().unwrap();
    let out = make_cert(&request(
        "127.0.0.1",
        Some(tmp.path()),
        CertOptions {
            // More IP entries leave the Telegram-style check alone (unlike a DNS entry, below).
            alt_names: Some(vec!["::1".into(), "203.0.113.7".into()]),
            ..Default::default()
        },
    ))
    .unwrap();
    let (key, cert, _) = files(&out);
    assert_clients_accept("127.0.0.1", &key, &cert);
}

/// Why MakeCert refuses a DNS alt name next to an IP common name: OpenSSL's host check (which
/// Telegram uses) stops looking at the CN once any DNS entry is present, while curl, which
/// matches IP entries, still accepts the very same certificate.
#[test]
fn a_dns_entry_next_to_an_ip_cn_fails_the_telegram_style_check() {
    let tmp = tempfile::tempdir().unwrap();
    let key = tmp.path().join("c.key");
    let cert = tmp.path().join("c.pem");
    ok(
        "openssl",
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-x509",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:webhook.example.test",
            "-keyout",
            s(&key),
            "-out",
            s(&cert),
        ],
        &[],
    );
    let server = SServer::start(&key, &cert);
    let url = format!("https://127.0.0.1:{}/", server.port);
    let curl = ok(
        "curl",
        &[
            "--silent",
            "--show-error",
            "--max-time",
            "20",
            "--cacert",
            s(&cert),
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            &url,
        ],
        &[],
    );
    assert_eq!(curl, "200");
    let connect = format!("127.0.0.1:{}", server.port);
    let telegram_style = run(
        "openssl",
        &[
            "s_client",
            "-connect",
            &connect,
            "-verify_hostname",
            "127.0.0.1",
            "-CAfile",
            s(&cert),
            "-verify_return_error",
            "-brief",
        ],
        &[],
    );
    let log = String::from_utf8_lossy(&telegram_style.stderr);
    assert!(!telegram_style.status.success(), "{log}");
    assert!(log.contains("hostname mismatch"), "{log}");
}

#[test]
fn tls_clients_accept_a_dns_certificate() {
    let tmp = tempfile::tempdir().unwrap();
    let out = make_cert(&request(
        "webhook.example.test",
        Some(tmp.path()),
        CertOptions {
            organization: Some("ООО \"Ромашка\"".into()),
            alt_names: Some(vec!["alt.example.test".into()]),
            ..Default::default()
        },
    ))
    .unwrap();
    let (key, cert, _) = files(&out);
    assert_clients_accept("webhook.example.test", &key, &cert);
    assert_clients_accept("alt.example.test", &key, &cert);
}

#[test]
fn tls_clients_accept_an_ecdsa_certificate() {
    let tmp = tempfile::tempdir().unwrap();
    let out = make_cert(&request(
        "webhook.example.test",
        Some(tmp.path()),
        CertOptions {
            key: Some("ecdsa-p256".into()),
            ..Default::default()
        },
    ))
    .unwrap();
    let (key, cert, _) = files(&out);
    assert_clients_accept("webhook.example.test", &key, &cert);
}
