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
    /// Connecting to the proxy itself failed: `address` is what we tried (the proxy's host
    /// name when it did not resolve, else its address and port), `reason` why.
    Unreachable {
        address: String,
        reason: Unreachable,
    },
    /// The proxy answered that it will not connect onwards: see [`Refusal`].
    Refused(Refusal),
    /// The proxy wants credentials and none are in the Proxy setting.
    AuthRequired,
    /// The proxy refused the user name and password.
    AuthFailed,
    /// The proxy does not speak the protocol its scheme says: see [`Malformed`].
    Malformed(Malformed),
    /// A value does not fit into SOCKS5 (user names, passwords and host names are 1 to 255
    /// bytes there).
    TooLongForSocks(SocksField),
    /// The proxy scheme cannot carry a raw TCP connection.
    Unsupported,
}

/// Why the proxy could not be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unreachable {
    /// Nobody listens at the proxy's address and port.
    Refused,
    /// The connection was dropped (by the proxy or on the way).
    Reset,
    /// The proxy did not answer in time.
    TimedOut,
    /// The proxy's host name did not resolve.
    NotResolved,
    /// No route to the proxy's network or host.
    NoRoute,
    /// Another failure of the system's network calls (its kind, shown in English only).
    Other(io::ErrorKind),
}

impl Unreachable {
    fn of(e: &io::Error) -> Unreachable {
        use io::ErrorKind as K;
        match e.kind() {
            K::ConnectionRefused => Unreachable::Refused,
            K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe | K::UnexpectedEof => {
                Unreachable::Reset
            }
            K::TimedOut | K::WouldBlock => Unreachable::TimedOut,
            K::NetworkUnreachable | K::HostUnreachable => Unreachable::NoRoute,
            other => Unreachable::Other(other),
        }
    }

    fn text(self, lang: Lang) -> String {
        match (self, lang) {
            (Unreachable::Refused, Lang::En) => "the connection was refused".into(),
            (Unreachable::Refused, Lang::Ru) => "в соединении отказано".into(),
            (Unreachable::Reset, Lang::En) => "the connection was dropped".into(),
            (Unreachable::Reset, Lang::Ru) => "соединение разорвано".into(),
            (Unreachable::TimedOut, Lang::En) => "it did not answer in time".into(),
            (Unreachable::TimedOut, Lang::Ru) => "он не ответил вовремя".into(),
            (Unreachable::NotResolved, Lang::En) => "the name does not resolve".into(),
            (Unreachable::NotResolved, Lang::Ru) => "имя не найдено".into(),
            (Unreachable::NoRoute, Lang::En) => "no route to it".into(),
            (Unreachable::NoRoute, Lang::Ru) => "к нему нет маршрута".into(),
            (Unreachable::Other(kind), Lang::En) => format!("a network failure ({kind})"),
            (Unreachable::Other(_), Lang::Ru) => "сбой сети".into(),
        }
    }
}

/// How a proxy said no to the onward connection.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// An HTTP proxy answered CONNECT with this status; `phrase` is its reason phrase (the
    /// proxy's own words, cleaned of control characters and cut).
    Http { status: u16, phrase: String },
    /// A SOCKS5 proxy answered with this reply code (RFC 1928 §6).
    Socks(u8),
    /// A SOCKS5 proxy accepts none of the ways to log in we offer.
    NoAcceptableAuth,
}

impl Refusal {
    fn text(&self, lang: Lang) -> String {
        match (self, lang) {
            (Refusal::Http { status, phrase }, Lang::En) if phrase.is_empty() => {
                format!("it answered {status}")
            }
            (Refusal::Http { status, phrase }, Lang::Ru) if phrase.is_empty() => {
                format!("он ответил {status}")
            }
            (Refusal::Http { status, phrase }, Lang::En) => {
                format!("it answered {status}, in its words \"{phrase}\"")
            }
            (Refusal::Http { status, phrase }, Lang::Ru) => {
                format!("он ответил {status}, по его словам \"{phrase}\"")
            }
            (Refusal::Socks(code), lang) => socks_reply(*code, lang),
            (Refusal::NoAcceptableAuth, Lang::En) => {
                "it accepts none of the ways to log in we offer".into()
            }
            (Refusal::NoAcceptableAuth, Lang::Ru) => {
                "он не принимает ни один из предложенных способов входа".into()
            }
        }
    }
}

/// What a proxy's answer had wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Malformed {
    /// It closed the connection instead of answering.
    Closed,
    /// An `http://` proxy's answer is not HTTP.
    NotHttp,
    /// An HTTP answer without a status code.
    NoStatus,
    /// The answer's header went on past [`MAX_PROXY_HEADER`] bytes.
    HeaderTooLong,
    /// A `socks5://` proxy's answer is not SOCKS5.
    NotSocks5,
    /// It chose a way to log in we did not offer (the method's number).
    UnofferedAuth(u8),
    /// Its reply names an address of an unknown type (the type's number).
    AddressType(u8),
}

impl Malformed {
    fn text(self, lang: Lang) -> String {
        match (self, lang) {
            (Malformed::Closed, Lang::En) => "it closed the connection without an answer".into(),
            (Malformed::Closed, Lang::Ru) => "он закрыл соединение, не ответив".into(),
            (Malformed::NotHttp, Lang::En) => "its answer is not HTTP".into(),
            (Malformed::NotHttp, Lang::Ru) => "его ответ — не HTTP".into(),
            (Malformed::NoStatus, Lang::En) => "its HTTP answer has no status code".into(),
            (Malformed::NoStatus, Lang::Ru) => "в его ответе HTTP нет кода состояния".into(),
            (Malformed::HeaderTooLong, Lang::En) => {
                format!("its answer's header goes on past {MAX_PROXY_HEADER} bytes")
            }
            (Malformed::HeaderTooLong, Lang::Ru) => {
                format!("заголовок его ответа длиннее {MAX_PROXY_HEADER} байт")
            }
            (Malformed::NotSocks5, Lang::En) => "its answer is not SOCKS5".into(),
            (Malformed::NotSocks5, Lang::Ru) => "его ответ — не SOCKS5".into(),
            (Malformed::UnofferedAuth(m), Lang::En) => {
                format!("it chose login method {m}, which we did not offer")
            }
            (Malformed::UnofferedAuth(m), Lang::Ru) => {
                format!("он выбрал способ входа {m}, которого мы не предлагали")
            }
            (Malformed::AddressType(t), Lang::En) => {
                format!("its reply names an address of unknown type {t}")
            }
            (Malformed::AddressType(t), Lang::Ru) => {
                format!("в его ответе адрес неизвестного типа {t}")
            }
        }
    }
}

/// What does not fit into SOCKS5.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SocksField {
    /// The user name or the password in the Proxy setting.
    Credentials,
    /// The name of the host to connect to.
    HostName,
}

impl ProxyError {
    /// The message in one language; the password never appears (only `self.proxy`).
    pub fn message(&self, lang: Lang) -> String {
        let p = &self.proxy;
        match (&self.reason, lang) {
            (ProxyFailure::Unreachable { address, reason }, Lang::En) => format!(
                "cannot reach the proxy {p} at {address}: {}",
                reason.text(lang)
            ),
            (ProxyFailure::Unreachable { address, reason }, Lang::Ru) => format!(
                "прокси {p} недоступен по адресу {address}: {}",
                reason.text(lang)
            ),
            (ProxyFailure::Refused(refusal), Lang::En) => format!(
                "the proxy {p} refused to connect onwards: {}",
                refusal.text(lang)
            ),
            (ProxyFailure::Refused(refusal), Lang::Ru) => format!(
                "прокси {p} отказался соединять дальше: {}",
                refusal.text(lang)
            ),
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
            (ProxyFailure::Malformed(m), Lang::En) => {
                format!("the proxy {p} answered something unexpected: {}", m.text(lang))
            }
            (ProxyFailure::Malformed(m), Lang::Ru) => {
                format!("прокси {p} ответил непонятно: {}", m.text(lang))
            }
            (ProxyFailure::TooLongForSocks(SocksField::Credentials), Lang::En) => format!(
                "the user name and password for the proxy {p} must be 1 to 255 bytes each (SOCKS5 allows no more)"
            ),
            (ProxyFailure::TooLongForSocks(SocksField::Credentials), Lang::Ru) => format!(
                "имя пользователя и пароль для прокси {p} должны занимать от 1 до 255 байт (больше SOCKS5 не позволяет)"
            ),
            (ProxyFailure::TooLongForSocks(SocksField::HostName), Lang::En) => format!(
                "the server's name is longer than the 255 bytes the proxy {p} (SOCKS5) can take"
            ),
            (ProxyFailure::TooLongForSocks(SocksField::HostName), Lang::Ru) => format!(
                "имя сервера длиннее 255 байт, которые может принять прокси {p} (SOCKS5)"
            ),
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
            ConnectFailure::Io(_, e) => ConnectError::Io(e),
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
        ConnectError::Dns { .. } => fail(ProxyFailure::Unreachable {
            address: crate::i18n::clip(&proxy.host),
            reason: Unreachable::NotResolved,
        }),
        other => other,
    })?;
    let mut socket = connect_any(&proxy_addrs, deadline, cancel).map_err(|e| match e {
        ConnectFailure::Timeout => ConnectError::Timeout {
            stage: Stage::ConnectingToProxy,
        },
        ConnectFailure::Cancelled => ConnectError::Cancelled,
        ConnectFailure::Io(_, e) if is_timeout(&e) => ConnectError::Timeout {
            stage: Stage::ConnectingToProxy,
        },
        ConnectFailure::Io(addr, e) => fail(ProxyFailure::Unreachable {
            address: addr.to_string(),
            reason: Unreachable::of(&e),
        }),
    })?;
    let proxy_addr = socket
        .peer_addr()
        .map(|a| a.to_string())
        .unwrap_or_else(|_| crate::i18n::clip(&proxy.host));
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
        Err(Step::Io(e)) if e.kind() == io::ErrorKind::UnexpectedEof => {
            Err(fail(ProxyFailure::Malformed(Malformed::Closed)))
        }
        Err(Step::Io(e)) => Err(fail(ProxyFailure::Unreachable {
            address: proxy_addr,
            reason: Unreachable::of(&e),
        })),
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
            Ok(Err(e)) => last = Some((addr, e)),
            Err(Abandoned::Timeout) => break,
            Err(Abandoned::Cancelled) => return Err(ConnectFailure::Cancelled),
        }
    }
    Err(match last {
        Some((addr, e)) => ConnectFailure::Io(addr, e),
        None => ConnectFailure::Timeout,
    })
}

/// Why [`connect_any`] gave no connection.
enum ConnectFailure {
    Timeout,
    Cancelled,
    /// The last address tried and its error.
    Io(SocketAddr, io::Error),
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
                Malformed::HeaderTooLong,
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
    // The reason phrase is the proxy's own words: shown as such, cleaned and cut.
    let phrase: String = parts
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .collect();
    match code {
        _ if !version.starts_with("HTTP/") => {
            Err(Step::Proxy(ProxyFailure::Malformed(Malformed::NotHttp)))
        }
        Some(200..=299) => Ok(()),
        Some(407) if proxy.username.is_some() => Err(Step::Proxy(ProxyFailure::AuthFailed)),
        Some(407) => Err(Step::Proxy(ProxyFailure::AuthRequired)),
        Some(status) => Err(Step::Proxy(ProxyFailure::Refused(Refusal::Http {
            status,
            phrase: crate::i18n::clip(phrase.trim()),
        }))),
        None => Err(Step::Proxy(ProxyFailure::Malformed(Malformed::NoStatus))),
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
            return Err(Step::Proxy(ProxyFailure::TooLongForSocks(
                SocksField::Credentials,
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
        return Err(Step::Proxy(ProxyFailure::Malformed(Malformed::NotSocks5)));
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
                Refusal::NoAcceptableAuth,
            )))
        }
        (other, _) => {
            return Err(Step::Proxy(ProxyFailure::Malformed(
                Malformed::UnofferedAuth(other),
            )))
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
                return Err(Step::Proxy(ProxyFailure::TooLongForSocks(
                    SocksField::HostName,
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
        return Err(Step::Proxy(ProxyFailure::Malformed(Malformed::NotSocks5)));
    }
    if head[1] != 0 {
        return Err(Step::Proxy(ProxyFailure::Refused(Refusal::Socks(head[1]))));
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
            return Err(Step::Proxy(ProxyFailure::Malformed(
                Malformed::AddressType(other),
            )))
        }
    };
    let mut skip = vec![0u8; rest];
    read_exact(socket, &mut skip, deadline, cancel)?;
    Ok(())
}

/// A SOCKS5 reply code (RFC 1928 §6) in words.
fn socks_reply(code: u8, lang: Lang) -> String {
    let known = match (code, lang) {
        (1, Lang::En) => "a general failure of the proxy",
        (1, Lang::Ru) => "общий сбой прокси",
        (2, Lang::En) => "its rules do not allow this connection",
        (2, Lang::Ru) => "его правила не разрешают это соединение",
        (3, Lang::En) => "it cannot reach the server's network",
        (3, Lang::Ru) => "сеть сервера ему недоступна",
        (4, Lang::En) => "it cannot reach the server",
        (4, Lang::Ru) => "сервер ему недоступен",
        (5, Lang::En) => "the server refused its connection",
        (5, Lang::Ru) => "сервер отказал ему в соединении",
        (6, Lang::En) => "its connection to the server timed out",
        (6, Lang::Ru) => "его соединение с сервером не успело установиться",
        (7, Lang::En) => "it does not support CONNECT",
        (7, Lang::Ru) => "он не поддерживает команду CONNECT",
        (8, Lang::En) => "it does not support this kind of address",
        (8, Lang::Ru) => "он не поддерживает такой вид адреса",
        (_, Lang::En) => return format!("it answered with SOCKS5 code {code}"),
        (_, Lang::Ru) => return format!("он ответил кодом SOCKS5 {code}"),
    };
    known.to_owned()
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
            Err(ConnectError::Proxy(e)) => {
                assert_eq!(
                    e.reason,
                    ProxyFailure::Refused(Refusal::Http {
                        status: 403,
                        phrase: "Access violation".into()
                    })
                );
                assert!(e
                    .message(Lang::En)
                    .ends_with("refused to connect onwards: it answered 403, in its words \"Access violation\""));
                assert!(e
                    .message(Lang::Ru)
                    .ends_with("отказался соединять дальше: он ответил 403, по его словам \"Access violation\""));
            }
            other => panic!("{other:?}"),
        }
    }

    /// The failure `connect` meets through a fake proxy of `scheme` answering `answer`, with
    /// its Russian text checked for English (the proxy's own address aside).
    fn failure_of(scheme: &str, answer: &'static [u8]) -> ProxyFailure {
        let (port, _t) = fake(answer);
        let proxy = Proxy::parse(&format!("{scheme}://127.0.0.1:{port}"))
            .unwrap()
            .unwrap();
        match connect("127.0.0.1", 5222, Some(&proxy), soon(), None) {
            Err(ConnectError::Proxy(e)) => {
                let ru = e.message(Lang::Ru).replace(&e.proxy, "");
                assert!(crate::i18n::latin_words(&ru).is_empty(), "{ru}");
                assert_ne!(e.message(Lang::En), e.message(Lang::Ru));
                e.reason
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn each_way_a_proxy_answers_wrongly_has_its_reason() {
        let endless: &'static [u8] = Box::leak(
            [
                &b"HTTP/1.1 200 OK\r\n"[..],
                &[b'x'; MAX_PROXY_HEADER + 10][..],
            ]
            .concat()
            .into_boxed_slice(),
        );
        for (scheme, answer, reason) in [
            ("http", &b""[..], ProxyFailure::Malformed(Malformed::Closed)),
            (
                "http",
                b"SSH-2.0-OpenSSH_9.2\r\n\r\n",
                ProxyFailure::Malformed(Malformed::NotHttp),
            ),
            (
                "http",
                b"HTTP/1.1 OK\r\n\r\n",
                ProxyFailure::Malformed(Malformed::NoStatus),
            ),
            (
                "http",
                endless,
                ProxyFailure::Malformed(Malformed::HeaderTooLong),
            ),
            (
                "http",
                b"HTTP/1.1 502 \x1b[31mBad\" Gateway\r\n\r\n",
                ProxyFailure::Refused(Refusal::Http {
                    status: 502,
                    phrase: "[31mBad Gateway".into(),
                }),
            ),
            (
                "socks5",
                &[4, 0],
                ProxyFailure::Malformed(Malformed::NotSocks5),
            ),
            (
                "socks5",
                &[5, 9],
                ProxyFailure::Malformed(Malformed::UnofferedAuth(9)),
            ),
            (
                "socks5",
                &[5, 0, 5, 2, 0, 1, 0, 0, 0, 0, 0, 0],
                ProxyFailure::Refused(Refusal::Socks(2)),
            ),
            (
                "socks5",
                &[5, 0, 5, 0, 0, 7],
                ProxyFailure::Malformed(Malformed::AddressType(7)),
            ),
        ] {
            assert_eq!(failure_of(scheme, answer), reason, "{scheme} {answer:?}");
        }
    }

    #[test]
    fn every_socks_reply_code_is_said_in_both_languages() {
        for code in 1..=9 {
            let (en, ru) = (socks_reply(code, Lang::En), socks_reply(code, Lang::Ru));
            assert_ne!(en, ru);
            assert!(crate::i18n::latin_words(&ru).is_empty(), "{ru}");
        }
    }

    #[test]
    fn a_proxy_nobody_listens_at_is_unreachable_at_its_address() {
        let port = {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let proxy = Proxy::parse(&format!("socks5://u:Pw9@127.0.0.1:{port}"))
            .unwrap()
            .unwrap();
        match connect("example.org", 5222, Some(&proxy), soon(), None) {
            Err(ConnectError::Proxy(e)) => {
                assert_eq!(
                    e.reason,
                    ProxyFailure::Unreachable {
                        address: format!("127.0.0.1:{port}"),
                        reason: Unreachable::Refused,
                    }
                );
                assert_eq!(
                    e.message(Lang::Ru),
                    format!(
                        "прокси socks5://u:***@127.0.0.1:{port} недоступен по адресу \
                         127.0.0.1:{port}: в соединении отказано"
                    )
                );
            }
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
