//! XMPP over TCP (RFC 6120): STARTTLS, direct TLS (XEP-0368), or no TLS when explicitly asked.

use std::cell::RefCell;
use std::io::{self, BufReader, Read, Write};
use std::net::TcpStream;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, StreamOwned};

use super::{ReadHalf, Split, Transport, WriteHalf};
use crate::xmpp::xml::{self, Element, StreamReader};
use crate::xmpp::{Error, NetworkStep, ProtocolReason, NS_STREAM, NS_TLS};

/// How TLS is used on the TCP connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlsMode {
    StartTls,
    Direct,
    /// No encryption at all; only when the user asked for it by name.
    None,
}

/// The socket as rustls writes TLS records to it. rustls writes with `write_vectored`, which std
/// turns into `writev`: on Linux that raises SIGPIPE when the peer has gone, and a host that
/// does not ignore SIGPIPE (1C need not) dies of it. std's `write` is a `send` with
/// MSG_NOSIGNAL, so only `write` is offered; the default `write_vectored` goes through it.
struct Sock(TcpStream);

impl Read for Sock {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

impl Write for Sock {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// Lets another thread cut a connection that is still logging in: the persistent session's
/// owner stopping it must not wait for a login that hangs until its deadline. Until the socket
/// exists, the name lookup and the TCP connect watch the flag; then the socket is registered
/// and [`Interrupt::interrupt`] shuts it down. Later connections are refused.
#[derive(Debug, Default)]
pub struct Interrupt {
    stopped: std::sync::atomic::AtomicBool,
    socket: std::sync::Mutex<Option<TcpStream>>,
}

impl Interrupt {
    fn register(&self, socket: &TcpStream) -> Result<(), Error> {
        use std::sync::atomic::Ordering;
        if self.stopped.load(Ordering::SeqCst) {
            return Err(Error::Closed);
        }
        if let Ok(mut slot) = self.socket.lock() {
            *slot = socket.try_clone().ok();
        }
        // interrupt() may have run between the check and the registration.
        if self.stopped.load(Ordering::SeqCst) {
            let _ = socket.shutdown(std::net::Shutdown::Both);
            return Err(Error::Closed);
        }
        Ok(())
    }

    /// The login is over: the socket now belongs to the session, which closes it politely.
    pub fn clear(&self) {
        if let Ok(mut slot) = self.socket.lock() {
            *slot = None;
        }
    }

    /// The flag that [`Interrupt::interrupt`] sets, for waits that watch it.
    pub(super) fn flag(&self) -> &std::sync::atomic::AtomicBool {
        &self.stopped
    }

    /// Whether [`Interrupt::interrupt`] was called.
    pub fn is_interrupted(&self) -> bool {
        self.stopped.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Cuts the login in progress, if any, and every later one.
    pub fn interrupt(&self) {
        self.stopped
            .store(true, std::sync::atomic::Ordering::SeqCst);
        if let Ok(slot) = self.socket.lock() {
            if let Some(socket) = slot.as_ref() {
                let _ = socket.shutdown(std::net::Shutdown::Both);
            }
        }
    }
}

/// The most we buffer for one incoming stanza; a server that sends more is refused rather than
/// allowed to fill our memory (ejabberd's own default limit is 64 KiB – 256 KiB).
pub const MAX_STANZA_BYTES: usize = 1 << 20;

enum Conn {
    Plain(TcpStream),
    Tls(Box<StreamOwned<ClientConnection, Sock>>),
    Gone,
}

impl Conn {
    fn socket(&self) -> Option<&TcpStream> {
        match self {
            Conn::Plain(s) => Some(s),
            Conn::Tls(t) => Some(&t.sock.0),
            Conn::Gone => None,
        }
    }
}

/// The reading and writing halves share the connection (TLS needs both directions on one
/// object); everything runs on one thread, so a RefCell is enough.
#[derive(Clone)]
struct Shared {
    conn: Rc<RefCell<Conn>>,
    deadline: Instant,
}

impl Shared {
    /// Every socket operation gets what is left of the call's time, so the whole call ends
    /// within the timeout whatever the server does.
    fn arm(&self) -> io::Result<()> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the timeout has run out",
            ));
        }
        let conn = self.conn.borrow();
        let socket = conn
            .socket()
            .ok_or_else(|| io::Error::other("connection closed"))?;
        socket.set_read_timeout(Some(left))?;
        socket.set_write_timeout(Some(left))
    }
}

/// Counts bytes per stanza so that an endless or huge stanza ends with an error.
struct Capped {
    shared: Shared,
    used: usize,
}

impl Read for Capped {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.used > MAX_STANZA_BYTES {
            return Err(io::Error::new(io::ErrorKind::InvalidData, StanzaTooLarge));
        }
        self.shared.arm()?;
        let n = match &mut *self.shared.conn.borrow_mut() {
            Conn::Plain(s) => s.read(buf)?,
            Conn::Tls(t) => t.read(buf)?,
            Conn::Gone => 0,
        };
        self.used += n;
        Ok(n)
    }
}

#[derive(Debug)]
struct StanzaTooLarge;
impl std::fmt::Display for StanzaTooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("stanza too large")
    }
}
impl std::error::Error for StanzaTooLarge {}

pub struct TcpTransport {
    shared: Shared,
    reader: Option<StreamReader<BufReader<Capped>>>,
    features: Element,
    domain: String,
    secure: bool,
    direct: bool,
}

impl TcpTransport {
    /// Connects to `host:port` (through `proxy` when given), does TLS as `mode` says, and reads
    /// the stream features.
    #[allow(clippy::too_many_arguments)] // each is one fact of the connection; a struct would only rename them
    pub fn connect(
        host: &str,
        port: u16,
        proxy: Option<&crate::net::Proxy>,
        domain: &str,
        mode: TlsMode,
        tls: Arc<ClientConfig>,
        deadline: Instant,
        interrupt: Option<&Interrupt>,
    ) -> Result<TcpTransport, Error> {
        let socket = connect_socket(host, port, proxy, deadline, interrupt.map(|i| &i.stopped))?;
        if let Some(interrupt) = interrupt {
            interrupt.register(&socket)?;
        }
        let _ = socket.set_nodelay(true);
        let shared = Shared {
            conn: Rc::new(RefCell::new(Conn::Plain(socket))),
            deadline,
        };
        let mut t = TcpTransport {
            reader: Some(StreamReader::new(BufReader::new(Capped {
                shared: shared.clone(),
                used: 0,
            }))),
            shared,
            features: Element::default(),
            domain: domain.to_owned(),
            secure: false,
            direct: mode == TlsMode::Direct,
        };
        if mode == TlsMode::Direct {
            let mut config = (*tls).clone();
            config.alpn_protocols = vec![b"xmpp-client".to_vec()];
            t.upgrade(Arc::new(config))?;
        }
        t.open_stream()?;
        if mode == TlsMode::StartTls {
            if t.features.find("starttls", NS_TLS).is_none() {
                return Err(Error::TlsNotOffered);
            }
            t.send(&[Element::new("starttls", NS_TLS)])?;
            let answer = t.recv()?;
            if !answer.is("proceed", NS_TLS) {
                return Err(Error::Protocol {
                    reason: ProtocolReason::StartTlsRefused { got: answer.name },
                });
            }
            t.upgrade(tls)?;
            // Features from before TLS are not to be trusted: a new stream, new features.
            t.open_stream()?;
        }
        Ok(t)
    }

    fn upgrade(&mut self, config: Arc<ClientConfig>) -> Result<(), Error> {
        let name = ServerName::try_from(self.domain.clone()).map_err(|_| Error::InvalidJid {
            which: crate::xmpp::JidRole::Account,
        })?;
        let conn = ClientConnection::new(config, name).map_err(|e| Error::Tls {
            reason: crate::net::TlsReason::of(&e),
            detail: e.to_string(),
        })?;
        let old = std::mem::replace(&mut *self.shared.conn.borrow_mut(), Conn::Gone);
        let Conn::Plain(socket) = old else {
            return Err(Error::Protocol {
                reason: ProtocolReason::Internal,
            });
        };
        let mut stream = StreamOwned::new(conn, Sock(socket));
        self.shared.arm().ok();
        // Drive the handshake now so certificate problems are reported as such.
        {
            let StreamOwned { conn, sock } = &mut stream;
            while conn.is_handshaking() {
                let left = self
                    .shared
                    .deadline
                    .saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(Error::Network {
                        kind: crate::net::http::FailureKind::Timeout,
                        step: NetworkStep::TlsHandshake,
                        detail: String::new(),
                    });
                }
                let _ = sock.0.set_read_timeout(Some(left));
                conn.complete_io(sock).map_err(io_error)?;
            }
        }
        *self.shared.conn.borrow_mut() = Conn::Tls(Box::new(stream));
        self.secure = true;
        Ok(())
    }

    fn open_stream(&mut self) -> Result<(), Error> {
        self.write(&xml::stream_header(&self.domain))?;
        let reader = self.reader.as_mut().ok_or(Error::Closed)?;
        let buffered = reader.take_buffered();
        let mut fresh = StreamReader::new(buffered);
        fresh.read_header().map_err(read_error)?;
        self.reader = Some(fresh);
        let features = self.recv()?;
        if !features.is("features", NS_STREAM) {
            return Err(Error::Protocol {
                reason: ProtocolReason::NoFeatures { got: features.name },
            });
        }
        self.features = features;
        Ok(())
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), Error> {
        self.shared.arm().map_err(io_error)?;
        let mut conn = self.shared.conn.borrow_mut();
        let result = match &mut *conn {
            Conn::Plain(s) => s.write_all(bytes).and_then(|_| s.flush()),
            Conn::Tls(t) => t.write_all(bytes).and_then(|_| t.flush()),
            Conn::Gone => return Err(Error::Closed),
        };
        result.map_err(io_error)
    }
}

/// Lets a stream restart keep bytes already buffered (a new parser over the same buffer).
trait Reset {
    fn take_buffered(&mut self) -> BufReader<Capped>;
}

impl Reset for StreamReader<BufReader<Capped>> {
    fn take_buffered(&mut self) -> BufReader<Capped> {
        let placeholder = StreamReader::new(BufReader::new(Capped {
            shared: Shared {
                conn: Rc::new(RefCell::new(Conn::Gone)),
                deadline: Instant::now(),
            },
            used: 0,
        }));
        std::mem::replace(self, placeholder).into_inner()
    }
}

impl Transport for TcpTransport {
    fn name(&self) -> &'static str {
        if self.direct {
            "tls"
        } else {
            "tcp"
        }
    }

    fn is_secure(&self) -> bool {
        self.secure
    }

    fn features(&self) -> &Element {
        &self.features
    }

    fn send(&mut self, elements: &[Element]) -> Result<(), Error> {
        let mut bytes = Vec::new();
        for e in elements {
            bytes.extend(e.to_bytes(crate::xmpp::NS_CLIENT));
        }
        self.write(&bytes)
    }

    fn recv(&mut self) -> Result<Element, Error> {
        let reader = self.reader.as_mut().ok_or(Error::Closed)?;
        // A new stanza: a fresh budget.
        let inner: &mut BufReader<Capped> = reader.get_mut();
        inner.get_mut().used = inner.buffer().len();
        let el = reader.read_element().map_err(read_error)?;
        if el.is("error", NS_STREAM) {
            return Err(stream_error(&el));
        }
        Ok(el)
    }

    fn restart(&mut self) -> Result<(), Error> {
        self.open_stream()
    }

    fn into_split(self: Box<Self>) -> Result<Split, Error> {
        TcpTransport::split(*self)
    }

    fn close(&mut self, wait_for_peer: bool) -> Result<(), Error> {
        self.write(b"</stream:stream>")?;
        // Wait for the server's close so it has processed everything we sent (pitfall 38),
        // skipping whatever stanzas still arrive; give up quietly on anything else. ejabberd
        // answers the close only after ~100 ms, so this is skipped when a ping proved it.
        if let Some(reader) = self.reader.as_mut().filter(|_| wait_for_peer) {
            for _ in 0..1000 {
                match reader.read_element() {
                    Ok(_) => continue,
                    Err(_) => break,
                }
            }
        }
        if let Conn::Tls(t) = &mut *self.shared.conn.borrow_mut() {
            // Only our close_notify is written; waiting for the server's would add its
            // linger time (about 100 ms on ejabberd) to every send.
            t.conn.send_close_notify();
            while t.conn.wants_write() {
                if t.conn.write_tls(&mut t.sock).is_err() {
                    break;
                }
            }
        }
        Ok(())
    }
}

impl TcpTransport {
    /// Splits the logged-in stream for the persistent session: a reader for its own thread and
    /// a writer for the session's thread. Bytes already received but not parsed go with the
    /// reader, so nothing the server sent during the login is lost.
    fn split(mut self) -> Result<Split, Error> {
        let leftover = match self.reader.take() {
            Some(reader) => reader.into_inner().buffer().to_vec(),
            None => Vec::new(),
        };
        let conn = Rc::try_unwrap(self.shared.conn)
            .map_err(|_| Error::Protocol {
                reason: ProtocolReason::Internal,
            })?
            .into_inner();
        let (tls, socket) = match conn {
            Conn::Plain(s) => (None, s),
            Conn::Tls(t) => {
                let StreamOwned { conn, sock } = *t;
                (Some(conn), sock.0)
            }
            Conn::Gone => return Err(Error::Closed),
        };
        // The reader blocks until data comes; silence is the session's keep-alive business.
        socket.set_read_timeout(None).map_err(io_error)?;
        let read_socket = socket.try_clone().map_err(io_error)?;
        let wire = Arc::new(Wire {
            tls: std::sync::Mutex::new(tls),
            socket,
            sending: std::sync::Mutex::new(()),
            tls_wants_write: AtomicBool::new(false),
        });
        // A new parser needs the stream header's namespace declarations: give it an equivalent
        // header, then the bytes that were already buffered, then the socket.
        let mut prefix = format!(
            "<stream:stream xmlns='{}' xmlns:stream='{}'>",
            crate::xmpp::NS_CLIENT,
            NS_STREAM
        )
        .into_bytes();
        prefix.extend_from_slice(&leftover);
        let source = io::Cursor::new(prefix).chain(WireReader {
            wire: wire.clone(),
            socket: read_socket,
            pending: Vec::new(),
            used: 0,
        });
        let mut stream = StreamReader::new(BufReader::new(source));
        stream.read_header().map_err(read_error)?;
        Ok(Split {
            reader: Box::new(SplitReader { stream }),
            writer: Box::new(SplitWriter { wire }),
            stanza_ns: crate::xmpp::NS_CLIENT,
        })
    }
}

/// The TLS state both halves need (TLS records are written and read through one
/// `ClientConnection`), and the socket for writing and for shutting down.
///
/// The TLS state is locked only while records are sealed or opened, never across a socket
/// read or write. A writer blocked on a full send buffer (the server busy writing to us, not
/// reading) must not keep the reader from draining the socket: the server would then block on
/// its own writes, stop reading, and both ends would wait for each other until the timeout.
struct Wire {
    tls: std::sync::Mutex<Option<ClientConnection>>,
    socket: TcpStream,
    /// Held by the thread writing to the socket from sealing to the last byte sent, so that
    /// records leave in the order they were sealed.
    sending: std::sync::Mutex<()>,
    /// TLS has records of its own to send (an answer to something the reader opened): the
    /// reader never writes, the next write takes them along.
    tls_wants_write: AtomicBool,
}

impl Wire {
    fn lock(&self) -> io::Result<std::sync::MutexGuard<'_, Option<ClientConnection>>> {
        self.tls
            .lock()
            .map_err(|_| io::Error::other("the connection lock was poisoned"))
    }

    /// Writes `bytes` (and whatever TLS has queued): sealed under the TLS lock, sent after it
    /// is released, the whole under the sending turn.
    fn send(&self, bytes: &[u8], close_notify: bool) -> io::Result<()> {
        let _turn = self
            .sending
            .lock()
            .map_err(|_| io::Error::other("the sending lock was poisoned"))?;
        let sealed = {
            let mut guard = self.lock()?;
            match guard.as_mut() {
                Some(conn) => {
                    if close_notify {
                        conn.send_close_notify();
                    }
                    let sealed = seal(conn, bytes);
                    self.tls_wants_write.store(false, Ordering::SeqCst);
                    Some(sealed?)
                }
                None => None,
            }
        };
        let mut socket = &self.socket;
        socket.write_all(sealed.as_deref().unwrap_or(bytes))
    }
}

/// The TLS records for `bytes`, after any TLS has queued of its own. rustls takes plaintext
/// only up to its buffer limit (64 KiB) while records are unsent, so the two alternate.
fn seal(conn: &mut ClientConnection, bytes: &[u8]) -> io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 64 + 64);
    let mut rest = bytes;
    loop {
        while conn.wants_write() {
            conn.write_tls(&mut out)?;
        }
        if rest.is_empty() {
            return Ok(out);
        }
        let n = conn.writer().write(rest)?;
        if n == 0 && !conn.wants_write() {
            return Err(io::Error::new(
                io::ErrorKind::WriteZero,
                "the TLS connection takes no more data",
            ));
        }
        rest = &rest[n..];
    }
}

/// Plaintext from the socket: reads the socket without holding the lock (so writes are never
/// kept waiting by a quiet server), then decrypts under it.
struct WireReader {
    wire: Arc<Wire>,
    socket: TcpStream,
    /// Received TLS bytes the connection has not taken yet (its plaintext buffer was full).
    pending: Vec<u8>,
    /// Bytes of the current stanza, against [`MAX_STANZA_BYTES`].
    used: usize,
}

impl Read for WireReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.used > MAX_STANZA_BYTES {
            return Err(io::Error::new(io::ErrorKind::InvalidData, StanzaTooLarge));
        }
        let mut raw = [0u8; 16 * 1024];
        loop {
            let mut guard = self.wire.lock()?;
            let Some(conn) = guard.as_mut() else {
                drop(guard);
                let n = self.socket.read(buf)?;
                self.used += n;
                return Ok(n);
            };
            match conn.reader().read(buf) {
                Ok(n) => {
                    self.used += n;
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
            if !self.pending.is_empty() {
                let taken = conn.read_tls(&mut &self.pending[..])?;
                self.pending.drain(..taken);
                conn.process_new_packets()
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
                if conn.wants_write() {
                    self.wire.tls_wants_write.store(true, Ordering::SeqCst);
                }
                continue;
            }
            drop(guard);
            let n = self.socket.read(&mut raw)?;
            if n == 0 {
                return Ok(0);
            }
            self.pending.extend_from_slice(&raw[..n]);
        }
    }
}

/// Reads top-level elements; meant for a thread of its own.
pub struct SplitReader {
    stream: StreamReader<BufReader<io::Chain<io::Cursor<Vec<u8>>, WireReader>>>,
}

impl ReadHalf for SplitReader {
    fn recv(&mut self) -> Result<Element, Error> {
        let inner = self.stream.get_mut();
        inner.get_mut().get_mut().1.used = inner.buffer().len();
        let el = self.stream.read_element().map_err(read_error)?;
        if el.is("error", NS_STREAM) {
            return Err(stream_error(&el));
        }
        Ok(el)
    }
}

/// Writes to the stream; shared by the session's thread and whoever must stop it.
#[derive(Clone)]
pub struct SplitWriter {
    wire: Arc<Wire>,
}

impl WriteHalf for SplitWriter {
    fn set_write_timeout(&self, timeout: std::time::Duration) -> Result<(), Error> {
        self.wire
            .socket
            .set_write_timeout(Some(timeout))
            .map_err(io_error)
    }

    fn write_raw(&self, bytes: &[u8]) -> Result<(), Error> {
        self.wire.send(bytes, false).map_err(io_error)
    }

    fn wants_write(&self) -> bool {
        self.wire.tls_wants_write.load(Ordering::SeqCst)
    }

    fn end_stream(&self) -> Result<(), Error> {
        self.write_raw(b"</stream:stream>")
    }

    /// Says goodbye to TLS (close_notify) and shuts the socket down both ways, which also
    /// wakes the reader thread.
    fn shutdown(&self) {
        let _ = self.wire.send(&[], true);
        let _ = self.wire.socket.shutdown(std::net::Shutdown::Both);
    }

    fn abort(&self) {
        let _ = self.wire.socket.shutdown(std::net::Shutdown::Both);
    }
}

/// The socket, direct or through the proxy; name resolution included, all within the deadline.
fn connect_socket(
    host: &str,
    port: u16,
    proxy: Option<&crate::net::Proxy>,
    deadline: Instant,
    cancel: Option<&std::sync::atomic::AtomicBool>,
) -> Result<TcpStream, Error> {
    use crate::net::http::FailureKind as K;
    use crate::net::tunnel::{self, ConnectError};
    tunnel::connect(host, port, proxy, deadline, cancel).map_err(|e| match e {
        // The owner stopped the session while it was connecting.
        ConnectError::Cancelled => Error::Closed,
        ConnectError::Dns { host, detail } => Error::Network {
            kind: K::Dns,
            step: NetworkStep::Resolve { host },
            detail,
        },
        ConnectError::Timeout { stage } => Error::Network {
            kind: K::Timeout,
            step: NetworkStep::Connect {
                stage,
                target: format!("{host}:{port}"),
            },
            detail: String::new(),
        },
        ConnectError::Proxy(p) => Error::Proxy(p),
        ConnectError::Io(e) => io_error(e),
    })
}

pub(crate) fn io_error(e: io::Error) -> Error {
    use crate::net::http::FailureKind as K;
    if let Some(inner) = e.get_ref() {
        if inner.is::<StanzaTooLarge>() {
            return Error::StanzaTooLarge {
                limit: MAX_STANZA_BYTES,
            };
        }
        if let Some(tls) = inner.downcast_ref::<rustls::Error>() {
            return Error::Tls {
                reason: crate::net::TlsReason::of(tls),
                detail: tls.to_string(),
            };
        }
    }
    let kind = match e.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => K::Timeout,
        io::ErrorKind::ConnectionRefused => K::ConnectionRefused,
        io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::BrokenPipe
        | io::ErrorKind::UnexpectedEof => K::ConnectionReset,
        _ => K::Other,
    };
    Error::Network {
        kind,
        step: NetworkStep::Exchange,
        detail: e.to_string(),
    }
}

fn read_error(e: xml::ReadError) -> Error {
    match e {
        xml::ReadError::Io(io) => io_error(io),
        xml::ReadError::Malformed(detail) => Error::Protocol {
            reason: ProtocolReason::MalformedXml { parser: detail },
        },
        xml::ReadError::StreamEnd | xml::ReadError::Eof => Error::Closed,
    }
}

/// `<stream:error>`: the condition is the first child in the streams namespace.
pub(crate) fn stream_error(el: &Element) -> Error {
    let condition = el
        .elements()
        .find(|c| c.ns == crate::xmpp::NS_STREAMS_ERR && c.name != "text")
        .map(|c| crate::xmpp::StreamCondition::of(&c.name, &c.text_content()))
        .unwrap_or(crate::xmpp::StreamCondition::UndefinedCondition);
    let text = el
        .find("text", crate::xmpp::NS_STREAMS_ERR)
        .map(Element::text_content)
        .unwrap_or_default();
    Error::StreamError { condition, text }
}
