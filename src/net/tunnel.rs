//! A plain TCP connection for protocols that are not HTTP (XMPP over TCP), direct or through the
//! `Proxy` setting: an HTTP proxy's CONNECT (RFC 9110 §9.3.6) or SOCKS5 (RFC 1928) with a user
//! name and password (RFC 1929). Everything, name resolution included, ends by the deadline.
//!
//! Written by hand because reqwest keeps its proxied connections to itself: it has no API that
//! hands out the raw tunnel, and XMPP needs the socket (STARTTLS upgrades it in place). An
//! `https://` proxy (TLS to the proxy, then TLS inside) is not offered here: the XMPP transport
//! owns a bare `TcpStream`, so it would need a second TLS layer under the first.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use base64::Engine;

use super::detached::{self, Abandoned};
use super::{dns, Proxy, ProxyScheme};
use crate::i18n::Lang;

/// The longest proxy answer header we read before calling it garbage.
const MAX_PROXY_HEADER: usize = 8 * 1024;

/// Why no connection could be made.
#[derive(Debug)]
#[non_exhaustive]
pub enum ConnectError {
    /// The name did not resolve (`host` is the name, never a proxy's credentials).
    Dns { host: String, detail: String },
    /// The deadline passed; `stage` says during what.
    Timeout { stage: Stage },
    /// Connecting or talking to the target failed.
    Io(io::Error),
    /// The proxy could not be reached or did not let us through.
    Proxy(ProxyError),
    /// The caller's cancel flag was set.
    Cancelled,
}

/// A proxy failure, naming the proxy without its password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyError {
    /// The proxy as `scheme://user:***@host:port` (see [`Proxy`]'s `Display`).
    pub proxy: String,
    pub reason: ProxyFailure,
}

/// What a connection was doing when its deadline passed ([`ConnectError::Timeout`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Stage {
    /// Resolving the target's name.
    Resolving,
    /// Connecting to the target.
    Connecting,
    /// Connecting to the proxy.
    ConnectingToProxy,
    /// Waiting for the proxy's answers (greeting, credentials, the onward connection).
    TalkingToProxy,
    /// Resolving the target's name for a SOCKS5 proxy.
    ResolvingForProxy,
}

impl Stage {
    /// The stage in words, to follow "while" / "при".
    pub fn text(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Stage::Resolving, Lang::En) => "resolving the name",
            (Stage::Resolving, Lang::Ru) => "поиске имени",
            (Stage::Connecting, Lang::En) => "connecting",
            (Stage::Connecting, Lang::Ru) => "подключении",
            (Stage::ConnectingToProxy, Lang::En) => "connecting to the proxy",
            (Stage::ConnectingToProxy, Lang::Ru) => "подключении к прокси",
            (Stage::TalkingToProxy, Lang::En) => "talking to the proxy",
            (Stage::TalkingToProxy, Lang::Ru) => "обмене с прокси",
            (Stage::ResolvingForProxy, Lang::En) => "resolving the name for the proxy",
            (Stage::ResolvingForProxy, Lang::Ru) => "поиске имени для прокси",
        }
    }
}

/// What exactly went wrong with the proxy.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProxyFailure {
    /// Connecting to the proxy itself failed (`detail`: the system's words).
    Unreachable(String),
    /// The proxy answered that it will not connect onwards (`detail`: its status or reply).
    Refused(String),
    /// The proxy wants credentials and none are in the Proxy setting.
    AuthRequired,
    /// The proxy refused the user name and password.
    AuthFailed,
    /// The proxy does not speak the protocol its scheme says.
    Malformed(String),
    /// The proxy scheme cannot carry a raw TCP connection.
    Unsupported,
}

impl ProxyError {
    /// The message in one language; the password never appears (only `self.proxy`).
    pub fn message(&self, lang: Lang) -> String {
        let p = &self.proxy;
        match (&self.reason, lang) {
            (ProxyFailure::Unreachable(d), Lang::En) => format!("cannot reach the proxy {p}: {d}"),
            (ProxyFailure::Unreachable(d), Lang::Ru) => format!("прокси {p} недоступен: {d}"),
            (ProxyFailure::Refused(d), Lang::En) => {
                format!("the proxy {p} refused to connect onwards: {d}")
            }
            (ProxyFailure::Refused(d), Lang::Ru) => {
                format!("прокси {p} отказался соединять дальше: {d}")
            }
            (ProxyFailure::AuthRequired, Lang::En) => format!(
                "the proxy {p} requires a user name and password: put them into the proxy address as scheme://user:password@host:port"
            ),
            (ProxyFailure::AuthRequired, Lang::Ru) => format!(
                "прокси {p} требует имя и пароль: укажите их в адресе прокси как схема://пользователь:пароль@хост:порт"
            ),
            (ProxyFailure::AuthFailed, Lang::En) => {
                format!("the proxy {p} refused the user name or password")
            }
            (ProxyFailure::AuthFailed, Lang::Ru) => {
                format!("прокси {p} не принял имя пользователя или пароль")
            }
            (ProxyFailure::Malformed(d), Lang::En) => {
                format!("the proxy {p} answered something unexpected: {d}")
            }
            (ProxyFailure::Malformed(d), Lang::Ru) => {
                format!("прокси {p} ответил непонятно: {d}")
            }
            (ProxyFailure::Unsupported, Lang::En) => format!(
                "the proxy {p} cannot carry this TCP connection (only http:// with CONNECT, socks5:// and socks5h:// can)"
            ),
            (ProxyFailure::Unsupported, Lang::Ru) => format!(
                "через прокси {p} это TCP-соединение не проложить (подходят только http:// с CONNECT, socks5:// и socks5h://)"
            ),
        }
    }
}

impl fmt::Display for ProxyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

/// Connects to `host:port`, through `proxy` when given, within `deadline`. Setting `cancel`
/// from another thread ends the name lookups, the TCP connects and the wait for a proxy's
/// answers at once (with [`ConnectError::Cancelled`]).
pub fn connect(
    host: &str,
    port: u16,
    proxy: Option<&Proxy>,
    deadline: Instant,
    cancel: Option<&AtomicBool>,
) -> Result<TcpStream, ConnectError> {
    let Some(proxy) = proxy else {
        let addrs = resolve(host, port, deadline, cancel)?;
        return connect_any(&addrs, deadline, cancel).map_err(|e| match e {
            ConnectFailure::Timeout => ConnectError::Timeout {
                stage: Stage::Connecting,
            },
            ConnectFailure::Cancelled => ConnectError::Cancelled,
            ConnectFailure::Io(e) => ConnectError::Io(e),
        });
    };
    let named = proxy.to_string();
    let fail = |reason| {
        ConnectError::Proxy(ProxyError {
            proxy: named.clone(),
            reason,
        })
    };
    if proxy.scheme == ProxyScheme::Https {
        return Err(fail(ProxyFailure::Unsupported));
    }
    let proxy_addrs = resolve(&proxy.host, proxy.port, deadline, cancel).map_err(|e| match e {
        ConnectError::Dns { detail, .. } => fail(ProxyFailure::Unreachable(format!(
            "{}: {detail}",
            proxy.host
        ))),
        other => other,
    })?;
    let mut socket = connect_any(&proxy_addrs, deadline, cancel).map_err(|e| match e {
        ConnectFailure::Timeout => ConnectError::Timeout {
            stage: Stage::ConnectingToProxy,
        },
        ConnectFailure::Cancelled => ConnectError::Cancelled,
        ConnectFailure::Io(e) if is_timeout(&e) => ConnectError::Timeout {
            stage: Stage::ConnectingToProxy,
        },
        ConnectFailure::Io(e) => fail(ProxyFailure::Unreachable(e.to_string())),
    })?;
    let _ = socket.set_nodelay(true);
    let talk = match proxy.scheme {
        ProxyScheme::Http => http_connect(&mut socket, proxy, host, port, deadline, cancel),
        ProxyScheme::Socks5 | ProxyScheme::Socks5h => {
            socks5_connect(&mut socket, proxy, host, port, deadline, cancel)
        }
        ProxyScheme::Https => Err(Step::Proxy(ProxyFailure::Unsupported)),
    };
    match talk {
        Ok(()) => Ok(socket),
        Err(Step::Proxy(reason)) => Err(fail(reason)),
        Err(Step::Io(e)) if is_timeout(&e) => Err(ConnectError::Timeout {
            stage: Stage::TalkingToProxy,
        }),
        Err(Step::Io(e)) if e.kind() == io::ErrorKind::UnexpectedEof => Err(fail(
            ProxyFailure::Malformed("it closed the connection".into()),
        )),
        Err(Step::Io(e)) => Err(fail(ProxyFailure::Unreachable(e.to_string()))),
        Err(Step::Dns(host, detail)) => Err(ConnectError::Dns { host, detail }),
        Err(Step::Timeout) => Err(ConnectError::Timeout {
            stage: Stage::ResolvingForProxy,
        }),
        Err(Step::Cancelled) => Err(ConnectError::Cancelled),
    }
}

/// Resolves `host` within the deadline (see [`super::dns`]: a lookup that hangs is left behind).
pub fn resolve(
    host: &str,
    port: u16,
    deadline: Instant,
    cancel: Option<&AtomicBool>,
) -> Result<Vec<SocketAddr>, ConnectError> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    if Instant::now() >= deadline {
        return Err(ConnectError::Timeout {
            stage: Stage::Resolving,
        });
    }
    dns::lookup(host, port, deadline, cancel).map_err(|e| match e {
        dns::LookupError::Timeout => ConnectError::Timeout {
            stage: Stage::Resolving,
        },
        dns::LookupError::Cancelled => ConnectError::Cancelled,
        dns::LookupError::Failed(detail) => ConnectError::Dns {
            host: host.to_owned(),
            detail,
        },
    })
}

/// The first address that accepts; `Ok(None)` when the deadline passed before any answered.
/// Each connect runs in a thread of its own ([`detached`]) so that a cancel need not wait for
/// an address that never answers.
fn connect_any(
    addrs: &[SocketAddr],
    deadline: Instant,
    cancel: Option<&AtomicBool>,
) -> Result<TcpStream, ConnectFailure> {
    let mut last = None;
    for &addr in addrs {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        let work = move || TcpStream::connect_timeout(&addr, left);
        match detached::run("messenger-connect", deadline, cancel, work) {
            Ok(Ok(s)) => return Ok(s),
            Ok(Err(e)) => last = Some(e),
            Err(Abandoned::Timeout) => break,
            Err(Abandoned::Cancelled) => return Err(ConnectFailure::Cancelled),
        }
    }
    Err(match last {
        Some(e) => ConnectFailure::Io(e),
        None => ConnectFailure::Timeout,
    })
}

/// Why [`connect_any`] gave no connection.
enum ConnectFailure {
    Timeout,
    Cancelled,
    /// The last address's error.
    Io(io::Error),
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
    )
}

/// A failure while talking to the proxy, before it is named.
enum Step {
    Proxy(ProxyFailure),
    Io(io::Error),
    Dns(String, String),
    Timeout,
    Cancelled,
}

impl From<io::Error> for Step {
    fn from(e: io::Error) -> Self {
        Step::Io(e)
    }
}

/// Gives the socket what is left of the time for the next read or write.
fn arm(socket: &TcpStream, deadline: Instant) -> io::Result<()> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err(io::Error::new(io::ErrorKind::TimedOut, "deadline"));
    }
    socket.set_read_timeout(Some(left))?;
    socket.set_write_timeout(Some(left))
}

fn write_all(socket: &mut TcpStream, bytes: &[u8], deadline: Instant) -> io::Result<()> {
    arm(socket, deadline)?;
    socket.write_all(bytes)
}

/// Reads exactly `buf.len()` bytes by the deadline. With a cancel flag the wait is cut into
/// slices of [`detached::CANCEL_CHECK`], so that a proxy that never answers does not hold up
/// the flag's owner (a session being stopped).
fn read_exact(
    socket: &mut TcpStream,
    buf: &mut [u8],
    deadline: Instant,
    cancel: Option<&AtomicBool>,
) -> Result<(), Step> {
    let mut done = 0;
    while done < buf.len() {
        if cancel.is_some_and(|c| c.load(Ordering::SeqCst)) {
            return Err(Step::Cancelled);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::Error::new(io::ErrorKind::TimedOut, "deadline").into());
        }
        let wait = match cancel {
            Some(_) => left.min(detached::CANCEL_CHECK),
            None => left,
        };
        socket.set_read_timeout(Some(wait))?;
        match socket.read(&mut buf[done..]) {
            Ok(0) => return Err(io::Error::from(io::ErrorKind::UnexpectedEof).into()),
            Ok(n) => done += n,
            // A slice ended (or a signal came): the loop checks the flag and the deadline.
            Err(e) if e.kind() == io::ErrorKind::Interrupted || is_timeout(&e) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

fn authority(host: &str, port: u16) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// HTTP CONNECT. The answer's header is read byte by byte so that nothing after it (the
/// target's first bytes) is swallowed.
fn http_connect(
    socket: &mut TcpStream,
    proxy: &Proxy,
    host: &str,
    port: u16,
    deadline: Instant,
    cancel: Option<&AtomicBool>,
) -> Result<(), Step> {
    let target = authority(host.trim_start_matches('[').trim_end_matches(']'), port);
    let mut request = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n");
    if let Some(user) = &proxy.username {
        let pair = format!("{user}:{}", proxy.password.as_deref().unwrap_or(""));
        let token = base64::engine::general_purpose::STANDARD.encode(pair.as_bytes());
        request.push_str(&format!("Proxy-Authorization: Basic {token}\r\n"));
    }
    request.push_str("\r\n");
    write_all(socket, request.as_bytes(), deadline)?;
    let mut header = Vec::new();
    let mut byte = [0u8; 1];
    while !header.ends_with(b"\r\n\r\n") && !header.ends_with(b"\n\n") {
        if header.len() >= MAX_PROXY_HEADER {
            return Err(Step::Proxy(ProxyFailure::Malformed(
                "an endless answer header".into(),
            )));
        }
        read_exact(socket, &mut byte, deadline, cancel)?;
        header.push(byte[0]);
    }
    let text = String::from_utf8_lossy(&header);
    let status_line = text.lines().next().unwrap_or("").trim();
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or("");
    let code = parts.next().and_then(|c| c.parse::<u16>().ok());
    let shown: String = status_line
        .chars()
        .filter(|c| !c.is_control())
        .take(120)
        .collect();
    match code {
        _ if !version.starts_with("HTTP/") => Err(Step::Proxy(ProxyFailure::Malformed(
            "not an HTTP answer".into(),
        ))),
        Some(200..=299) => Ok(()),
        Some(407) if proxy.username.is_some() => Err(Step::Proxy(ProxyFailure::AuthFailed)),
        Some(407) => Err(Step::Proxy(ProxyFailure::AuthRequired)),
        Some(_) => Err(Step::Proxy(ProxyFailure::Refused(shown))),
        None => Err(Step::Proxy(ProxyFailure::Malformed(shown))),
    }
}

/// SOCKS5 CONNECT; `socks5h` passes the name to the proxy, `socks5` resolves it here first.
fn socks5_connect(
    socket: &mut TcpStream,
    proxy: &Proxy,
    host: &str,
    port: u16,
    deadline: Instant,
    cancel: Option<&AtomicBool>,
) -> Result<(), Step> {
    let credentials = proxy
        .username
        .as_deref()
        .map(|u| (u, proxy.password.as_deref().unwrap_or("")));
    if let Some((u, p)) = credentials {
        if u.is_empty() || u.len() > 255 || p.len() > 255 {
            return Err(Step::Proxy(ProxyFailure::Malformed(
                "SOCKS5 user names and passwords are 1 to 255 bytes".into(),
            )));
        }
    }
    let greeting: &[u8] = match credentials {
        Some(_) => &[5, 2, 0x00, 0x02],
        None => &[5, 1, 0x00],
    };
    write_all(socket, greeting, deadline)?;
    let mut choice = [0u8; 2];
    read_exact(socket, &mut choice, deadline, cancel)?;
    if choice[0] != 5 {
        return Err(Step::Proxy(ProxyFailure::Malformed(
            "not a SOCKS5 answer".into(),
        )));
    }
    match (choice[1], credentials) {
        (0x00, _) => {}
        (0x02, Some((u, p))) => {
            let mut auth = vec![1, u.len() as u8];
            auth.extend_from_slice(u.as_bytes());
            auth.push(p.len() as u8);
            auth.extend_from_slice(p.as_bytes());
            write_all(socket, &auth, deadline)?;
            let mut status = [0u8; 2];
            read_exact(socket, &mut status, deadline, cancel)?;
            if status[1] != 0 {
                return Err(Step::Proxy(ProxyFailure::AuthFailed));
            }
        }
        (0x02, None) | (0xFF, None) => return Err(Step::Proxy(ProxyFailure::AuthRequired)),
        (0xFF, Some(_)) => {
            return Err(Step::Proxy(ProxyFailure::Refused(
                "no acceptable authentication method".into(),
            )))
        }
        (other, _) => {
            return Err(Step::Proxy(ProxyFailure::Malformed(format!(
                "it chose authentication method {other}"
            ))))
        }
    }
    let mut request = vec![5, 1, 0];
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let ip = match bare.parse::<IpAddr>() {
        Ok(ip) => Some(ip),
        Err(_) if proxy.scheme == ProxyScheme::Socks5 => {
            let addrs = resolve(bare, port, deadline, cancel).map_err(|e| match e {
                ConnectError::Dns { host, detail } => Step::Dns(host, detail),
                ConnectError::Cancelled => Step::Cancelled,
                _ => Step::Timeout,
            })?;
            addrs.first().map(SocketAddr::ip)
        }
        Err(_) => None,
    };
    match ip {
        Some(IpAddr::V4(v4)) => {
            request.push(1);
            request.extend_from_slice(&v4.octets());
        }
        Some(IpAddr::V6(v6)) => {
            request.push(4);
            request.extend_from_slice(&v6.octets());
        }
        None => {
            if bare.len() > 255 {
                return Err(Step::Proxy(ProxyFailure::Malformed(
                    "the host name is longer than SOCKS5 allows".into(),
                )));
            }
            request.push(3);
            request.push(bare.len() as u8);
            request.extend_from_slice(bare.as_bytes());
        }
    }
    request.extend_from_slice(&port.to_be_bytes());
    write_all(socket, &request, deadline)?;
    let mut head = [0u8; 4];
    read_exact(socket, &mut head, deadline, cancel)?;
    if head[0] != 5 {
        return Err(Step::Proxy(ProxyFailure::Malformed(
            "not a SOCKS5 reply".into(),
        )));
    }
    if head[1] != 0 {
        return Err(Step::Proxy(ProxyFailure::Refused(
            socks_reply(head[1]).into(),
        )));
    }
    // The bound address that follows is of no use to us, but it must be read off the stream.
    let rest = match head[3] {
        1 => 4 + 2,
        4 => 16 + 2,
        3 => {
            let mut len = [0u8; 1];
            read_exact(socket, &mut len, deadline, cancel)?;
            len[0] as usize + 2
        }
        other => {
            return Err(Step::Proxy(ProxyFailure::Malformed(format!(
                "address type {other}"
            ))))
        }
    };
    let mut skip = vec![0u8; rest];
    read_exact(socket, &mut skip, deadline, cancel)?;
    Ok(())
}

fn socks_reply(code: u8) -> &'static str {
    match code {
        1 => "general SOCKS server failure",
        2 => "connection not allowed by ruleset",
        3 => "network unreachable",
        4 => "host unreachable",
        5 => "connection refused",
        6 => "TTL expired",
        7 => "command not supported",
        8 => "address type not supported",
        _ => "unknown SOCKS5 error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;
    use std::time::Duration;

    fn soon() -> Instant {
        Instant::now() + Duration::from_secs(5)
    }

    /// A one-shot fake proxy: reads what the client sends, answers `answer`.
    fn fake(answer: &'static [u8]) -> (u16, std::thread::JoinHandle<Vec<u8>>) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let t = std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            s.set_read_timeout(Some(Duration::from_millis(300)))
                .unwrap();
            let mut got = Vec::new();
            let mut buf = [0u8; 1024];
            while let Ok(n) = s.read(&mut buf) {
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&buf[..n]);
                if got.ends_with(b"\r\n\r\n") {
                    break;
                }
            }
            let _ = s.write_all(answer);
            got
        });
        (port, t)
    }

    #[test]
    fn http_connect_407_says_which_credentials_failed_without_the_password() {
        let (port, t) = fake(b"HTTP/1.1 407 Proxy Authentication Required\r\n\r\n");
        let proxy = Proxy::parse(&format!("http://u:S3cret@127.0.0.1:{port}"))
            .unwrap()
            .unwrap();
        let err = connect("example.org", 5222, Some(&proxy), soon(), None).unwrap_err();
        let sent = String::from_utf8(t.join().unwrap()).unwrap();
        assert!(
            sent.starts_with("CONNECT example.org:5222 HTTP/1.1\r\n"),
            "{sent}"
        );
        assert!(
            sent.contains("Proxy-Authorization: Basic dTpTM2NyZXQ=\r\n"),
            "{sent}"
        );
        let ConnectError::Proxy(p) = err else {
            panic!("{err:?}")
        };
        assert_eq!(p.reason, ProxyFailure::AuthFailed);
        for lang in [Lang::En, Lang::Ru] {
            assert!(!p.message(lang).contains("S3cret"), "{}", p.message(lang));
            assert!(p.message(lang).contains("http://u:***@127.0.0.1"));
        }
    }

    #[test]
    fn http_connect_refusal_shows_the_status() {
        let (port, _t) = fake(b"HTTP/1.0 403 Access violation\r\n\r\n");
        let proxy = Proxy::parse(&format!("http://127.0.0.1:{port}"))
            .unwrap()
            .unwrap();
        match connect("::1", 5222, Some(&proxy), soon(), None) {
            Err(ConnectError::Proxy(ProxyError {
                reason: ProxyFailure::Refused(s),
                ..
            })) => assert_eq!(s, "HTTP/1.0 403 Access violation"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn socks5_wrong_password_is_auth_failed() {
        // method 2 chosen, then auth status 1 (failure)
        let (port, _t) = fake(&[5, 2, 1, 1]);
        let proxy = Proxy::parse(&format!("socks5h://u:bad@127.0.0.1:{port}"))
            .unwrap()
            .unwrap();
        match connect("localhost", 5222, Some(&proxy), soon(), None) {
            Err(ConnectError::Proxy(ProxyError {
                reason: ProxyFailure::AuthFailed,
                ..
            })) => {}
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_silent_proxy_is_a_timeout_within_the_deadline() {
        // With and without a cancel flag that is never set (the flag makes the wait go in
        // slices; the deadline must still end it as a timeout).
        let unset = AtomicBool::new(false);
        for (scheme, cancel) in [("socks5", None), ("http", Some(&unset))] {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            let port = l.local_addr().unwrap().port();
            let proxy = Proxy::parse(&format!("{scheme}://127.0.0.1:{port}"))
                .unwrap()
                .unwrap();
            let start = Instant::now();
            let soon = Instant::now() + Duration::from_millis(300);
            let err = connect("127.0.0.1", 5222, Some(&proxy), soon, cancel).unwrap_err();
            assert!(
                matches!(
                    err,
                    ConnectError::Timeout {
                        stage: Stage::TalkingToProxy
                    }
                ),
                "{scheme}: {err:?}"
            );
            assert!(start.elapsed() < Duration::from_secs(2));
            drop(l);
        }
    }

    #[test]
    fn a_cancel_ends_the_wait_for_a_silent_proxy() {
        for scheme in ["http", "socks5", "socks5h"] {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            let port = l.local_addr().unwrap().port();
            let proxy = Proxy::parse(&format!("{scheme}://127.0.0.1:{port}"))
                .unwrap()
                .unwrap();
            let cancel = std::sync::Arc::new(AtomicBool::new(false));
            let flag = cancel.clone();
            // Accepts, and only then sets the flag: the client is waiting for the answer.
            let held = std::thread::spawn(move || {
                let held = l.accept().unwrap();
                std::thread::sleep(Duration::from_millis(200));
                flag.store(true, Ordering::SeqCst);
                held
            });
            let far = Instant::now() + Duration::from_secs(30);
            let err = connect("example.org", 5222, Some(&proxy), far, Some(&cancel)).unwrap_err();
            // A timeout would have come only at the 30 s deadline.
            assert!(matches!(err, ConnectError::Cancelled), "{scheme}: {err:?}");
            drop(held.join().unwrap());
        }
    }

    #[test]
    fn resolution_gives_up_at_the_deadline() {
        // A deadline already past: no lookup at all, a timeout at once.
        let err = resolve("example.invalid", 1, Instant::now(), None).unwrap_err();
        assert!(matches!(err, ConnectError::Timeout { .. }), "{err:?}");
        assert_eq!(
            resolve("[::1]", 7, Instant::now(), None).unwrap(),
            vec!["[::1]:7".parse().unwrap()]
        );
    }
}
