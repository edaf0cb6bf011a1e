//! What the Telegram tests share: temporary directories, certificates made with `openssl req`,
//! the Bot API stand-in, the webhook endpoint and the proxies, each a child process that dies
//! with the test (a Drop guard, and the stand-in's own watchdog on its standard input, which
//! closes when the test process dies however it dies).
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::Duration;

use messenger::net::{NetSettings, Proxy, TrustedCertificates};
use serde_json::Value;

// The Telegram tests import this module whole (`use support::telegram::*`).
#[allow(unused_imports)]
pub use super::net::{free_port, wait_port};
#[allow(unused_imports)]
pub use super::proxy::ProxyServer;

pub const STANDIN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/telegram_standin/standin.py"
);

/// What to install when a tool is missing (scripts/deps/telegram.apt and .pip).
pub const DEPS_HINT: &str = "install the test dependencies: bash scripts/install-deps.sh \
     (Debian: python3 openssl tinyproxy microsocks; PyPI: cryptography)";

pub use super::TempDir;

/// A JSON object's fields; none for anything else.
pub fn obj(v: Value) -> serde_json::Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => serde_json::Map::new(),
    }
}

/// A child process killed (and reaped) on drop. Its stdin is kept open: closing it is the
/// child's signal to exit.
pub struct Proc {
    child: Child,
    _stdin: Option<ChildStdin>,
    pub first_line: String,
}

impl Drop for Proc {
    fn drop(&mut self) {
        // Closing stdin first lets a guard stop its own child (its watchdog sees EOF); the
        // kill after a short wait is for a child that did not listen.
        drop(self._stdin.take());
        for _ in 0..30 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn need(tool: &str) {
    let ok = Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    assert!(ok, "`{tool}` is not installed; {DEPS_HINT}");
}

pub fn python() -> &'static str {
    need("python3");
    let ok = Command::new("python3")
        .args(["-c", "import cryptography"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(ok, "python3 module `cryptography` is missing; {DEPS_HINT}");
    "python3"
}

/// Starts `cmd` and reads its first line of standard output (the stand-ins print where they
/// listen). Panics with the tool's name when it cannot start.
pub fn spawn(mut cmd: Command, what: &str) -> Proc {
    cmd.stdin(Stdio::piped()).stdout(Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {what}: {e}; {DEPS_HINT}"));
    let stdin = child.stdin.take();
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        let _ = reader.read_line(&mut line);
        let _ = tx.send(line);
        // Keep draining so the child never blocks on a full pipe.
        let mut sink = String::new();
        while reader.read_line(&mut sink).map(|n| n > 0).unwrap_or(false) {
            sink.clear();
        }
    });
    let first_line = rx
        .recv_timeout(Duration::from_secs(20))
        .unwrap_or_default()
        .trim()
        .to_owned();
    let mut proc = Proc {
        child,
        _stdin: stdin,
        first_line,
    };
    if proc.first_line.is_empty() {
        let status = proc.child.try_wait();
        panic!("{what} did not start ({status:?}); {DEPS_HINT}");
    }
    proc
}

/// A self-signed certificate made by `openssl req` as the article does (RSA 2048, SHA-256),
/// with CN = `cn` and a subjectAltName (`IP:…` or `DNS:…`). Returns (cert path, key path).
pub fn openssl_cert(dir: &TempDir, name: &str, cn: &str, san: &str) -> (PathBuf, PathBuf) {
    openssl_cert_with(dir, name, cn, san, None)
}

/// The same with one more `-addext` (e.g. `basicConstraints=critical,CA:FALSE`: rustls, unlike
/// OpenSSL, refuses a self-signed CA:TRUE certificate as a server's own certificate).
pub fn openssl_cert_with(
    dir: &TempDir,
    name: &str,
    cn: &str,
    san: &str,
    ext: Option<&str>,
) -> (PathBuf, PathBuf) {
    need("openssl");
    let cert = dir.path(&format!("{name}.pem"));
    let key = dir.path(&format!("{name}.key"));
    let out = Command::new("openssl")
        .args([
            "req", "-newkey", "rsa:2048", "-sha256", "-nodes", "-x509", "-days", "365",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .args(["-subj", &format!("/C=RU/O=Test/CN={cn}")])
        .args(["-addext", &format!("subjectAltName={san}")])
        .args(ext.map(|e| vec!["-addext", e]).unwrap_or_default())
        .output()
        .unwrap_or_else(|e| panic!("openssl: {e}; {DEPS_HINT}"));
    assert!(
        out.status.success(),
        "openssl req failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (cert, key)
}

/// A certificate with any validity (negative days: expired), made by the stand-in script with
/// `cryptography`, since openssl req cannot backdate.
pub fn python_cert(
    dir: &TempDir,
    name: &str,
    cn: &str,
    ip: Option<&str>,
    days: i64,
) -> (PathBuf, PathBuf) {
    let cert = dir.path(&format!("{name}.pem"));
    let key = dir.path(&format!("{name}.key"));
    let mut cmd = Command::new(python());
    cmd.arg(STANDIN)
        .args(["mkcert", "--cn", cn, "--days", &days.to_string()])
        .arg("--out-cert")
        .arg(&cert)
        .arg("--out-key")
        .arg(&key);
    if let Some(ip) = ip {
        cmd.args(["--ip", ip]);
    }
    let st = cmd.status().expect("mkcert");
    assert!(st.success(), "mkcert failed");
    (cert, key)
}

pub fn read_log(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// The HTTPS stand-in of the Bot API.
pub struct StandIn {
    pub port: u16,
    pub cert_pem: String,
    pub log: PathBuf,
    pub dir: TempDir,
    _proc: Proc,
}

impl StandIn {
    pub fn start() -> StandIn {
        let dir = TempDir::new("api");
        let (cert, key) = openssl_cert_with(
            &dir,
            "api",
            "127.0.0.1",
            "IP:127.0.0.1",
            Some("basicConstraints=critical,CA:FALSE"),
        );
        let log = dir.path("api.log");
        let mut cmd = Command::new(python());
        cmd.arg(STANDIN)
            .arg("api")
            .arg("--cert")
            .arg(&cert)
            .arg("--key")
            .arg(&key)
            .arg("--log")
            .arg(&log);
        let proc = spawn(cmd, "the Bot API stand-in");
        let port = proc
            .first_line
            .strip_prefix("PORT ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("stand-in said {:?}", proc.first_line));
        let cert_pem = std::fs::read_to_string(&cert).expect("cert");
        StandIn {
            port,
            cert_pem,
            log,
            dir,
            _proc: proc,
        }
    }

    pub fn base_url(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    /// Settings that trust the stand-in's certificate.
    pub fn settings(&self, timeout: Duration) -> NetSettings {
        NetSettings {
            timeout,
            proxy: None,
            trusted: TrustedCertificates::from_pem(&self.cert_pem).expect("trusted"),
        }
    }

    pub fn settings_via(&self, timeout: Duration, proxy: &str) -> NetSettings {
        NetSettings {
            proxy: Proxy::parse(proxy).expect("proxy"),
            ..self.settings(timeout)
        }
    }

    pub fn api(&self) -> messenger::telegram::Api {
        messenger::telegram::Api::new(&self.settings(Duration::from_secs(10)), &self.base_url())
            .expect("api")
    }

    /// Requests the stand-in saw.
    pub fn requests(&self) -> Vec<Value> {
        read_log(&self.log)
            .into_iter()
            .filter(|r| r["event"] == "request")
            .collect()
    }
}

/// The test's webhook endpoint: HTTPS with its own certificate, Basic Auth required.
pub struct Webhook {
    pub ip: String,
    pub port: u16,
    pub cert: PathBuf,
    pub log: PathBuf,
    pub dir: TempDir,
    _proc: Proc,
}

impl Webhook {
    /// `cert`: Some((cert, key)) to serve a given certificate; None makes one for the address.
    pub fn start(user: &str, password: &str, secret: Option<&str>) -> Webhook {
        let dir = TempDir::new("hook");
        // The address is picked by the endpoint (a free 127.a.b.c on port 8443), but the
        // certificate must name it: serve with a placeholder first is not possible, so the
        // endpoint is started with a certificate for its address in a second step.
        let (ip, port) = Self::pick_address();
        let (cert, key) = openssl_cert(&dir, "hook", &ip, &format!("IP:{ip}"));
        Self::start_with(dir, &ip, port, cert, key, user, password, secret)
    }

    fn pick_address() -> (String, u16) {
        for _ in 0..200 {
            let ip = format!(
                "127.{}.{}.{}",
                1 + rand_u8() % 254,
                rand_u8(),
                1 + rand_u8() % 254
            );
            if std::net::TcpListener::bind((ip.as_str(), 8443)).is_ok() {
                return (ip, 8443);
            }
        }
        panic!("no free loopback address for port 8443");
    }

    #[allow(clippy::too_many_arguments)]
    pub fn start_with(
        dir: TempDir,
        ip: &str,
        port: u16,
        cert: PathBuf,
        key: PathBuf,
        user: &str,
        password: &str,
        secret: Option<&str>,
    ) -> Webhook {
        let log = dir.path("hook.log");
        let mut cmd = Command::new(python());
        cmd.arg(STANDIN)
            .args(["webhook", "--user", user, "--password", password])
            .args(["--bind", ip, "--port", &port.to_string()])
            .arg("--cert")
            .arg(&cert)
            .arg("--key")
            .arg(&key)
            .arg("--log")
            .arg(&log);
        if let Some(s) = secret {
            cmd.args(["--secret", s]);
        }
        let proc = spawn(cmd, "the webhook endpoint");
        assert!(
            proc.first_line.starts_with("ADDR "),
            "webhook said {:?}",
            proc.first_line
        );
        Webhook {
            ip: ip.to_owned(),
            port,
            cert,
            log,
            dir,
            _proc: proc,
        }
    }

    pub fn received(&self) -> Vec<Value> {
        read_log(&self.log)
    }

    pub fn url(&self, userinfo: &str, path: &str) -> String {
        format!("https://{userinfo}@{}:{}{path}", self.ip, self.port)
    }
}

fn rand_u8() -> u8 {
    let mut b = [0u8; 1];
    let _ = getrandom::fill(&mut b);
    b[0]
}

/// Asserts that no rendering of the error, in either language, shows the token's secret.
pub fn assert_no_secret(err: &messenger::telegram::Error, secret: &str) {
    use messenger::i18n::{Lang, Localized};
    let texts = [
        err.to_string(),
        format!("{err:?}"),
        err.message(Lang::Ru),
        err.message(Lang::En),
    ];
    for t in texts {
        assert!(!t.contains(secret), "secret leaked: {t}");
    }
}
