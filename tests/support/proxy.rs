//! Real proxies from Debian for the Telegram and XMPP tests: tinyproxy (HTTP, CONNECT) and
//! microsocks (SOCKS5 with a user name and password), each run under the Bot API stand-in's
//! guard so that it dies with the test, and each logging the connections it makes.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use super::net::{free_port, wait_port};
use super::telegram::{python, spawn, Proc, TempDir, DEPS_HINT, STANDIN};

/// A real proxy from Debian, run under the stand-in's guard so it dies with the test.
pub struct ProxyServer {
    pub port: u16,
    pub log: PathBuf,
    pub dir: TempDir,
    _proc: Proc,
}

impl ProxyServer {
    /// tinyproxy, an HTTP proxy (CONNECT for https), logging every connection.
    pub fn tinyproxy() -> ProxyServer {
        Self::tinyproxy_with(None)
    }

    /// tinyproxy allowing CONNECT only to `connect_port` when given (its stock rule without a
    /// ConnectPort line allows every port).
    pub fn tinyproxy_with(connect_port: Option<u16>) -> ProxyServer {
        need_binary("tinyproxy");
        let dir = TempDir::new("tinyproxy");
        // tinyproxy started as root writes its log as nobody.
        let _ = Command::new("chmod").arg("777").arg(&dir.0).status();
        let port = free_port();
        let log = dir.path("tinyproxy.log");
        let conf = dir.path("tinyproxy.conf");
        let connect = connect_port
            .map(|p| format!("ConnectPort {p}\n"))
            .unwrap_or_default();
        std::fs::write(
            &conf,
            format!(
                "Port {port}\nListen 127.0.0.1\nTimeout 30\nLogFile \"{}\"\nLogLevel Info\n\
                 MaxClients 20\nAllow 127.0.0.1\n{connect}",
                log.display()
            ),
        )
        .expect("conf");
        let mut cmd = Command::new(python());
        cmd.arg(STANDIN)
            .args(["guard", "--", "tinyproxy", "-d", "-c"])
            .arg(&conf);
        let proc = spawn(cmd, "tinyproxy");
        wait_port(port);
        ProxyServer {
            port,
            log,
            dir,
            _proc: proc,
        }
    }

    /// microsocks, a SOCKS5 proxy requiring a user name and password; it logs each
    /// connection it makes on its standard error, which goes to the log file.
    pub fn microsocks(user: &str, password: &str) -> ProxyServer {
        need_binary("microsocks");
        let dir = TempDir::new("microsocks");
        let port = free_port();
        let log = dir.path("microsocks.log");
        let shell = format!(
            "exec microsocks -i 127.0.0.1 -p {port} -u {user} -P {password} 2>>'{}'",
            log.display()
        );
        let mut cmd = Command::new(python());
        cmd.arg(STANDIN).args(["guard", "--", "sh", "-c", &shell]);
        let proc = spawn(cmd, "microsocks");
        wait_port(port);
        ProxyServer {
            port,
            log,
            dir,
            _proc: proc,
        }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits (up to 5 s) until the proxy's log shows `needle`, the proof that a connection
    /// really went through it.
    pub fn wait_log(&self, needle: &str) {
        for _ in 0..50 {
            if self.log_text().contains(needle) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("the proxy log lacks {needle:?}:\n{}", self.log_text());
    }
}

fn need_binary(name: &str) {
    let found = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(name).is_file()))
        .unwrap_or(false);
    assert!(found, "`{name}` is not installed; {DEPS_HINT}");
}
