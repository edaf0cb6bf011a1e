//! Shared by the XMPP test binaries: throwaway ejabberd / Prosody instances (scripts/servers/),
//! a slixmpp receiver logged in as bob, and helpers to send and to wait for what arrived.
//!
//! One server start per test binary (OnceLock). Statics are never dropped, so the servers and
//! the receiver are stopped by a watchdog process that waits for this test process to end —
//! whether it ends normally or by a panic — and then stops them by their recorded PIDs.

#![allow(dead_code)]
// The receiver and the watchdog must outlive every test of the binary; the watchdog reaps both.
#![allow(clippy::zombie_processes)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use messenger::net::{NetSettings, TrustedCertificates};
use messenger::xmpp::{send_message, SendOptions, SendResult};

use super::root;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Ejabberd,
    Prosody,
}

pub struct Server {
    pub kind: Kind,
    pub dir: PathBuf,
    pub c2s: u16,
    pub tls: u16,
    pub http: u16,
    pub https: u16,
    pub cert_pem: String,
    pub rx_log: PathBuf,
}

impl Server {
    /// The server of this kind for this test binary, started on first use.
    pub fn get(kind: Kind) -> &'static Server {
        static EJABBERD: OnceLock<Server> = OnceLock::new();
        static PROSODY: OnceLock<Server> = OnceLock::new();
        match kind {
            Kind::Ejabberd => EJABBERD.get_or_init(|| Server::start(kind)),
            Kind::Prosody => PROSODY.get_or_init(|| Server::start(kind)),
        }
    }

    fn start(kind: Kind) -> Server {
        match kind {
            Kind::Ejabberd => Server::start_at(kind, "ejabberd", 5222, true),
            Kind::Prosody => Server::start_at(kind, "prosody", 5322, true),
        }
    }

    /// A server of its own for one test binary or one test: in /tmp/messenger-xmpp-tests/NAME,
    /// c2s on BASE, direct TLS BASE+1, BOSH http BASE+58 and https BASE+59 (ejabberd's Erlang
    /// distribution on BASE+68), all moved by MESSENGER_XMPP_TEST_PORT_SHIFT; with the slixmpp
    /// receiver (bob/rx) or without. Stopped by the
    /// watchdog when the test process ends, and by `stop` / drop before that.
    pub fn start_at(kind: Kind, name: &str, base: u16, receiver: bool) -> Server {
        let ports = [base, base + 1, base + 58, base + 59];
        let (script, env_names) = match kind {
            Kind::Ejabberd => ("ejabberd", ["EJ_C2S", "EJ_TLS", "EJ_HTTP", "EJ_HTTPS"]),
            Kind::Prosody => ("prosody", ["PR_C2S", "PR_TLS", "PR_HTTP", "PR_HTTPS"]),
        };
        // MESSENGER_XMPP_TEST_PORT_SHIFT moves the ports (and the directory) so that two
        // checkouts can run their XMPP tests on one machine at the same time.
        let shift: u16 = std::env::var("MESSENGER_XMPP_TEST_PORT_SHIFT")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let ports = ports.map(|p| p + shift);
        let dir = PathBuf::from(match shift {
            0 => format!("/tmp/messenger-xmpp-tests/{name}"),
            _ => format!("/tmp/messenger-xmpp-tests/{name}-{shift}"),
        });
        let scripts = root().join("scripts/servers");
        // A server left over from a run that was killed harder than the watchdog could see.
        let _ = Command::new(scripts.join("down.sh")).arg(&dir).status();
        let _ = std::fs::remove_dir_all(&dir);
        let mut up = Command::new(scripts.join(format!("{script}-up.sh")));
        up.arg(&dir);
        for (k, v) in env_names.iter().zip(ports) {
            up.env(k, v.to_string());
        }
        up.env("EJ_DIST", (base + 68 + shift).to_string());
        let out = up.output().expect("run the server set-up script");
        assert!(
            out.status.success(),
            "{name} did not start:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let rx_log = dir.join("rx.jsonl");
        if !receiver {
            spawn_watchdog(&format!(
                "'{}' '{}'",
                scripts.join("down.sh").display(),
                dir.display()
            ));
            return Server {
                kind,
                c2s: ports[0],
                tls: ports[1],
                http: ports[2],
                https: ports[3],
                cert_pem: std::fs::read_to_string(dir.join("cert.pem"))
                    .expect("server certificate"),
                rx_log,
                dir,
            };
        }
        let rx = Command::new("python3")
            .arg(scripts.join("receiver.py"))
            .args(["--jid", "bob@localhost/rx", "--password", "bobpw", "--port"])
            .arg(ports[0].to_string())
            .arg("--out")
            .arg(&rx_log)
            .args(["--room", "room@conference.localhost/bob"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(
                std::fs::File::create(dir.join("rx.err"))
                    .map(Stdio::from)
                    .unwrap_or(Stdio::null()),
            )
            .spawn()
            .expect("start the receiver (python3 with slixmpp)");
        // The watchdog: when this process is gone, stop the receiver and the server.
        spawn_watchdog(&format!(
            "kill {rx} 2>/dev/null; '{down}' '{dir}'",
            rx = rx.id(),
            down = scripts.join("down.sh").display(),
            dir = dir.display()
        ));
        let server = Server {
            kind,
            c2s: ports[0],
            tls: ports[1],
            http: ports[2],
            https: ports[3],
            cert_pem: std::fs::read_to_string(dir.join("cert.pem")).expect("server certificate"),
            rx_log,
            dir,
        };
        server
            .wait_line(
                |l| l.contains("\"event\": \"ready\""),
                Duration::from_secs(30),
            )
            .unwrap_or_else(|| {
                panic!(
                    "the receiver did not come online; see {}/rx.err",
                    server.dir.display()
                )
            });
        server
    }

    /// The server's certificate file (to pass as --trusted).
    pub fn cert_path(&self) -> PathBuf {
        self.dir.join("cert.pem")
    }

    /// Registers one more account (domain localhost) on a running server.
    pub fn register(&self, user: &str, password: &str) {
        let out = match self.kind {
            Kind::Ejabberd => Command::new(self.dir.join("ctl.sh"))
                .args(["register", user, "localhost", password])
                .output(),
            Kind::Prosody => Command::new("runuser")
                .args(["-u", "prosody", "--", "prosodyctl", "--config"])
                .arg(self.dir.join("prosody.cfg.lua"))
                .args(["register", user, "localhost", password])
                .output(),
        }
        .expect("run the server's register command");
        assert!(
            out.status.success(),
            "register {user}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Stops the server (clients see it go away as on a real shutdown).
    pub fn stop(&self) {
        let _ = Command::new(root().join("scripts/servers/down.sh"))
            .arg(&self.dir)
            .status();
    }

    /// Kills the server at once (SIGKILL to its process group, no goodbye to anyone) and waits
    /// until its c2s port is free.
    pub fn kill(&self) {
        if let Ok(pg) = std::fs::read_to_string(self.dir.join("pgid")) {
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", pg.trim())])
                .status();
        }
        let _ = std::fs::remove_file(self.dir.join("pgid"));
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", self.c2s)).is_ok()
            && start.elapsed() < Duration::from_secs(20)
        {
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Starts a stopped server again: same ports, certificate and data
    /// (scripts/servers/ejabberd-restart.sh or prosody-restart.sh).
    pub fn restart(&self) {
        let script = match self.kind {
            Kind::Ejabberd => "ejabberd-restart.sh",
            Kind::Prosody => "prosody-restart.sh",
        };
        let out = Command::new(root().join("scripts/servers").join(script))
            .arg(&self.dir)
            .output()
            .unwrap_or_else(|e| panic!("run {script}: {e}"));
        assert!(
            out.status.success(),
            "{:?} did not start again:\n{}",
            self.kind,
            String::from_utf8_lossy(&out.stderr)
        );
    }

    pub fn settings(&self) -> NetSettings {
        NetSettings {
            timeout: Duration::from_secs(20),
            proxy: None,
            trusted: TrustedCertificates::from_pem(&self.cert_pem).expect("test certificate"),
        }
    }

    /// Options for one transport: "starttls", "direct", "bosh-http", "bosh-https".
    pub fn options(&self, transport: &str, mechanism: Option<&str>) -> SendOptions {
        let mut o = SendOptions {
            mechanisms: mechanism.map(|m| vec![m.to_owned()]),
            ..SendOptions::default()
        };
        match transport {
            "starttls" => o.server = Some(format!("127.0.0.1:{}", self.c2s)),
            "direct" => {
                o.server = Some(format!("127.0.0.1:{}", self.tls));
                o.tls = Some("direct".into());
            }
            "bosh-http" => o.bosh_url = Some(format!("http://127.0.0.1:{}/http-bind", self.http)),
            "bosh-https" => {
                o.bosh_url = Some(format!("https://127.0.0.1:{}/http-bind", self.https))
            }
            other => panic!("unknown transport {other}"),
        }
        o
    }

    pub fn send(
        &self,
        jid: &str,
        password: &str,
        text: &str,
        options: &SendOptions,
    ) -> Result<SendResult, messenger::xmpp::Error> {
        send_message(
            &self.settings(),
            jid,
            password,
            "bob@localhost",
            text,
            options,
        )
    }

    /// Waits for a received line that satisfies `pred`.
    pub fn wait_line(&self, pred: impl Fn(&str) -> bool, limit: Duration) -> Option<String> {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Ok(text) = std::fs::read_to_string(&self.rx_log) {
                if let Some(l) = text.lines().find(|l| pred(l)) {
                    return Some(l.to_owned());
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }

    /// Waits for a message whose body is exactly `body`; returns the receiver's JSON line.
    pub fn expect_body(&self, body: &str) -> serde_json::Value {
        let line = self
            .wait_line(
                |l| {
                    serde_json::from_str::<serde_json::Value>(l)
                        .ok()
                        .and_then(|v| v.get("body").and_then(|b| b.as_str().map(|b| b == body)))
                        .unwrap_or(false)
                },
                Duration::from_secs(10),
            )
            .unwrap_or_else(|| {
                panic!(
                    "message {body:?} did not arrive at bob ({})",
                    self.rx_log.display()
                )
            });
        serde_json::from_str(&line).unwrap_or_default()
    }
}

/// A server a test owns is stopped when the test lets go of it (the shared ones live in statics,
/// which are never dropped: the watchdog stops those).
/// The password the per-binary servers of a `Pair` register each account with.
pub fn pw(user: &str) -> String {
    format!("pw-{user}")
}

/// One ejabberd and one Prosody for a test binary of its own, each started on first use as
/// `NAME-ejabberd` at `ejabberd_base` / `NAME-prosody` at `prosody_base` (see
/// `Server::start_at`), without the receiver, with every account of `users` registered with
/// the password `pw(user)`.
pub struct Pair {
    name: &'static str,
    ejabberd_base: u16,
    prosody_base: u16,
    users: &'static [&'static str],
    ejabberd: OnceLock<Server>,
    prosody: OnceLock<Server>,
}

impl Pair {
    pub const fn new(
        name: &'static str,
        ejabberd_base: u16,
        prosody_base: u16,
        users: &'static [&'static str],
    ) -> Pair {
        Pair {
            name,
            ejabberd_base,
            prosody_base,
            users,
            ejabberd: OnceLock::new(),
            prosody: OnceLock::new(),
        }
    }

    /// The server of this kind, started (and its accounts registered) on first use.
    pub fn get(&'static self, kind: Kind) -> &'static Server {
        let (cell, suffix, base) = match kind {
            Kind::Ejabberd => (&self.ejabberd, "ejabberd", self.ejabberd_base),
            Kind::Prosody => (&self.prosody, "prosody", self.prosody_base),
        };
        cell.get_or_init(|| {
            let s = Server::start_at(kind, &format!("{}-{suffix}", self.name), base, false);
            for u in self.users {
                s.register(u, &pw(u));
            }
            s
        })
    }
}

/// The accounts the start scripts register on every server, with their passwords: a plain one,
/// a Cyrillic name and password, a non-ASCII Latin password.
pub const ACCOUNTS: [(&str, &str); 3] = [
    ("alice@localhost", "alicepw"),
    ("тест@localhost", "тестпароль"),
    ("carol@localhost", "pässwörd"),
];

/// Sends one message over `transport` with each of `mechanisms` for each of `ACCOUNTS` through
/// the shared server of `kind`, and checks that it was acked with that mechanism and reached
/// the receiver with its id and full JID. On ejabberd the bound JID's resource is checked too.
pub fn mechanism_matrix(kind: Kind, transport: &str, mechanisms: &[&str]) {
    let s = Server::get(kind);
    for &mech in mechanisms {
        for (jid, pw) in ACCOUNTS {
            let text = body(&format!("{transport} {mech} {jid}"));
            let mut o = s.options(transport, Some(mech));
            // PLAIN over plain http needs the explicit permission (tested separately).
            o.allow_plain_without_tls = Some(transport == "bosh-http");
            let r = s
                .send(jid, pw, &text, &o)
                .unwrap_or_else(|e| panic!("{transport} {mech} {jid}: {e}"));
            assert_eq!(r.mechanism, mech);
            assert!(r.acked, "{transport} {mech}: not acked");
            if kind == Kind::Ejabberd {
                assert!(r.jid.starts_with(&format!("{jid}/messenger-")), "{}", r.jid);
            }
            let got = s.expect_body(&text);
            assert_eq!(got["id"], r.id.as_str());
            assert_eq!(got["from"], r.jid.as_str());
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Runs `then` (a shell command) once this test process has ended, however it ended.
fn spawn_watchdog(then: &str) {
    let script = format!(
        "while kill -0 {me} 2>/dev/null; do sleep 0.3; done; {then}",
        me = std::process::id()
    );
    Command::new("setsid")
        .args(["bash", "-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the watchdog");
}

/// A body that is unique in this run and carries what the article could not send.
pub fn body(tag: &str) -> String {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("Привет, мир! <&> \"'😀 {tag} #{}-{n}", std::process::id())
}

pub fn path_exists(p: &Path) -> bool {
    p.exists()
}
