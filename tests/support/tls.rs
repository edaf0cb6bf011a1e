//! TLS peers made with OpenSSL: EC P-256 certificates by `openssl req`, and `openssl s_server`
//! as the far end of a connection.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Runs `openssl ARGS` in `dir` and asserts that it succeeded.
pub fn openssl(dir: &Path, args: &[&str]) {
    let status = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stderr(Stdio::null())
        .status()
        .expect("openssl is needed (apt-get install openssl)");
    assert!(status.success(), "openssl {args:?}");
}

/// A self-signed EC P-256 certificate valid for 30 days with the subject `subj` (`/CN=…`):
/// `dir/NAME.key` and `dir/NAME.pem`. Returns (key path, cert path).
pub fn ec_self_signed(dir: &Path, name: &str, subj: &str) -> (PathBuf, PathBuf) {
    ec_self_signed_with(dir, name, subj, &[])
}

/// [`ec_self_signed`] with extensions of its own (`subjectAltName=…`,
/// `basicConstraints=critical,CA:FALSE`), each given to `openssl req -addext`.
pub fn ec_self_signed_with(
    dir: &Path,
    name: &str,
    subj: &str,
    extensions: &[&str],
) -> (PathBuf, PathBuf) {
    let key = format!("{name}.key");
    let cert = format!("{name}.pem");
    let mut args = vec![
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
        subj,
        "-keyout",
        &key,
        "-out",
        &cert,
    ];
    for extension in extensions {
        args.extend(["-addext", extension]);
    }
    openssl(dir, &args);
    (dir.join(key), dir.join(cert))
}

/// `openssl s_server -www` on a free loopback port with the given key and certificate, killed
/// (and reaped) when dropped, so when the test ends, passed or not.
pub struct SServer {
    child: Child,
    pub port: u16,
}

impl SServer {
    pub fn start(key: &Path, cert: &Path) -> SServer {
        SServer::start_with(key, cert, &[])
    }

    /// [`SServer::start`] with more `s_server` options (`-tls1_2`, `-cipher …`, `-Verify 1`).
    pub fn start_with(key: &Path, cert: &Path, options: &[&str]) -> SServer {
        let port = super::net::free_port();
        let child = Command::new("openssl")
            .args(["s_server", "-quiet", "-www", "-accept"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("-key")
            .arg(key)
            .arg("-cert")
            .arg(cert)
            .args(options)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start openssl s_server ({e}): install scripts/deps/cert.apt")
            });
        let server = SServer { child, port };
        let start = Instant::now();
        while std::net::TcpStream::connect_timeout(
            &std::net::SocketAddr::from(([127, 0, 0, 1], port)),
            Duration::from_millis(200),
        )
        .is_err()
        {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "s_server did not listen on 127.0.0.1:{port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }
}

impl Drop for SServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An EC P-256 certificate for `names` (a subjectAltName value: `DNS:a.example,IP:127.0.0.1`)
/// signed by the authority `ca` (its key and certificate paths, e.g. from [`ec_self_signed`]),
/// valid from `start` to `end` (`YYYYMMDDHHMMSSZ`: `openssl ca` sets both, so that a test can
/// make one that expired or is not valid yet). `dir/NAME.key` and `dir/NAME.pem`; returns
/// (key path, cert path).
pub fn ec_signed(
    dir: &Path,
    name: &str,
    names: &str,
    ca: &(PathBuf, PathBuf),
    start: &str,
    end: &str,
) -> (PathBuf, PathBuf) {
    let key = format!("{name}.key");
    let csr = format!("{name}.csr");
    let cert = format!("{name}.pem");
    let ext = format!("{name}.ext");
    let config = format!("{name}.cnf");
    let index = format!("{name}.index");
    std::fs::write(
        dir.join(&ext),
        format!("basicConstraints=CA:FALSE\nsubjectAltName={names}\n"),
    )
    .unwrap();
    // The least `openssl ca` works with: its own database, random serials, any subject.
    std::fs::write(
        dir.join(&config),
        format!(
            "[ca]\ndefault_ca=d\n[d]\ndatabase={index}\nnew_certs_dir=.\nrand_serial=yes\n\
             policy=p\ndefault_md=sha256\nunique_subject=no\n[p]\ncommonName=supplied\n"
        ),
    )
    .unwrap();
    std::fs::write(dir.join(&index), "").unwrap();
    openssl(
        dir,
        &[
            "req",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-subj",
            &format!("/CN={name}"),
            "-keyout",
            &key,
            "-out",
            &csr,
        ],
    );
    let (ca_key, ca_cert) = (ca.0.to_str().unwrap(), ca.1.to_str().unwrap());
    openssl(
        dir,
        &[
            "ca",
            "-batch",
            "-notext",
            "-config",
            &config,
            "-cert",
            ca_cert,
            "-keyfile",
            ca_key,
            "-in",
            &csr,
            "-out",
            &cert,
            "-startdate",
            start,
            "-enddate",
            end,
            "-extfile",
            &ext,
        ],
    );
    (dir.join(key), dir.join(cert))
}
