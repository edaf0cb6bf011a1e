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
    let key = format!("{name}.key");
    let cert = format!("{name}.pem");
    openssl(
        dir,
        &[
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
        ],
    );
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
        let port = super::net::free_port();
        let child = Command::new("openssl")
            .args(["s_server", "-quiet", "-www", "-accept"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("-key")
            .arg(key)
            .arg("-cert")
            .arg(cert)
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
