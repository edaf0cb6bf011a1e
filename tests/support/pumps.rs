//! TCP proxies in front of a test server, for the XMPP session and rooms tests: each forwards
//! to one loopback port until told to misbehave in its own way (go silent, black-hole new
//! connects, hold new connections, or be an HTTP CONNECT proxy that stops answering).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A TCP proxy in front of the server that, on `stall`, stops forwarding in both directions
/// without closing anything (a server that went silent). After `resume_new`, connections
/// accepted from then on are forwarded again; the stalled ones stay silent.
pub struct StallProxy {
    pub port: u16,
    /// Connections with a number below this one are stalled.
    stall_below: Arc<AtomicU64>,
    next: Arc<AtomicU64>,
}

impl StallProxy {
    pub fn start(upstream: u16) -> StallProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let stall_below = Arc::new(AtomicU64::new(0));
        let next = Arc::new(AtomicU64::new(0));
        let (sb, nx) = (stall_below.clone(), next.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                let id = nx.fetch_add(1, Ordering::SeqCst);
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                    continue;
                };
                for (from, to) in [
                    (client.try_clone().unwrap(), server.try_clone().unwrap()),
                    (server, client),
                ] {
                    let sb = sb.clone();
                    std::thread::spawn(move || pump(from, to, id, sb));
                }
            }
        });
        StallProxy {
            port,
            stall_below,
            next,
        }
    }

    pub fn stall(&self) {
        self.stall_below.store(u64::MAX, Ordering::SeqCst);
    }

    pub fn resume_new(&self) {
        self.stall_below
            .store(self.next.load(Ordering::SeqCst), Ordering::SeqCst);
    }
}

/// Copies `from` to `to` while connection `id` is not stalled; a stalled one swallows what it
/// reads. Ends when either side closes.
pub fn pump(mut from: TcpStream, mut to: TcpStream, id: u64, stall_below: Arc<AtomicU64>) {
    let mut buf = [0u8; 16384];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(k) => {
                if id >= stall_below.load(Ordering::SeqCst) && to.write_all(&buf[..k]).is_err() {
                    break;
                }
            }
        }
    }
    if id >= stall_below.load(Ordering::SeqCst) {
        let _ = to.shutdown(std::net::Shutdown::Write);
    }
}

/// A TCP proxy in front of the server; `blackhole` closes every connection it forwarded and
/// stops accepting: the listening socket stays open with its accept queue full, so a client's
/// SYN is dropped and its connect waits, as behind a firewall that drops packets.
pub struct HangProxy {
    pub port: u16,
    blackhole: Arc<std::sync::atomic::AtomicBool>,
    forwarded: Arc<Mutex<Vec<TcpStream>>>,
    acceptor: Option<std::thread::JoinHandle<TcpListener>>,
    /// The connections that fill the accept queue (kept open).
    fillers: Vec<TcpStream>,
    listener: Option<TcpListener>,
}

/// Copies both ways between two connections, each way in a thread of its own; when one side
/// ends, the other is shut down.
pub fn splice(client: TcpStream, server: TcpStream) {
    for (mut from, mut to) in [
        (client.try_clone().unwrap(), server.try_clone().unwrap()),
        (server, client),
    ] {
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut from, &mut to);
            let _ = to.shutdown(std::net::Shutdown::Both);
        });
    }
}

impl HangProxy {
    pub fn start(upstream: u16) -> HangProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let blackhole = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let forwarded = Arc::new(Mutex::new(Vec::new()));
        let (bh, fw) = (blackhole.clone(), forwarded.clone());
        let acceptor = std::thread::spawn(move || {
            for client in listener.incoming() {
                if bh.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                    continue;
                };
                fw.lock().unwrap().push(client.try_clone().unwrap());
                splice(client, server);
            }
            listener
        });
        HangProxy {
            port,
            blackhole,
            forwarded,
            acceptor: Some(acceptor),
            fillers: Vec::new(),
            listener: None,
        }
    }

    pub fn blackhole(&mut self) {
        use std::os::fd::AsRawFd;
        self.blackhole.store(true, Ordering::SeqCst);
        // Wakes the acceptor, which sees the flag and hands the listener back unaccepting.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        let listener = self.acceptor.take().unwrap().join().unwrap();
        // listen() again on a listening socket sets its backlog: 0 lets one connection queue.
        // SAFETY: a valid listening socket we own; listen only changes its backlog.
        assert_eq!(unsafe { libc::listen(listener.as_raw_fd(), 0) }, 0);
        while self.fillers.len() < 8 {
            let addr = std::net::SocketAddr::from(([127, 0, 0, 1], self.port));
            match TcpStream::connect_timeout(&addr, Duration::from_millis(300)) {
                Ok(s) => self.fillers.push(s),
                Err(_) => break,
            }
        }
        self.listener = Some(listener);
        for c in self.forwarded.lock().unwrap().drain(..) {
            let _ = c.shutdown(std::net::Shutdown::Both);
        }
    }
}

/// An HTTP CONNECT proxy that forwards to one port until told to go silent; then it closes
/// what it forwarded and accepts new clients without ever answering them.
pub struct SilentConnectProxy {
    pub port: u16,
    silent: Arc<std::sync::atomic::AtomicBool>,
    /// Forwarded client connections (closed on `go_silent`) and silently held ones.
    clients: Arc<Mutex<Vec<TcpStream>>>,
}

impl SilentConnectProxy {
    pub fn start(upstream: u16) -> SilentConnectProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let silent = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let clients = Arc::new(Mutex::new(Vec::new()));
        let (quiet, kept) = (silent.clone(), clients.clone());
        // Ends with the test process (the listener is never dropped before).
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(mut client) = client else { continue };
                kept.lock().unwrap().push(client.try_clone().unwrap());
                if quiet.load(Ordering::SeqCst) {
                    continue;
                }
                std::thread::spawn(move || {
                    let mut head = Vec::new();
                    let mut byte = [0u8; 1];
                    while !head.ends_with(b"\r\n\r\n") {
                        match client.read(&mut byte) {
                            Ok(1) => head.push(byte[0]),
                            _ => return,
                        }
                    }
                    assert!(head.starts_with(b"CONNECT "), "{head:?}");
                    let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                        return;
                    };
                    let _ = client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
                    splice(client, server);
                });
            }
        });
        SilentConnectProxy {
            port,
            silent,
            clients,
        }
    }

    pub fn go_silent(&self) {
        self.silent.store(true, Ordering::SeqCst);
        for c in self.clients.lock().unwrap().drain(..) {
            let _ = c.shutdown(std::net::Shutdown::Both);
        }
    }
}

/// A proxy that forwards its first connection; after `cut` it closes that one and holds every
/// new connection open without a byte either way (a server that accepts and never answers).
pub struct HoldProxy {
    pub port: u16,
    cut: Arc<std::sync::Mutex<Vec<TcpStream>>>,
    holding: Arc<std::sync::atomic::AtomicBool>,
}

impl HoldProxy {
    pub fn start(upstream: u16) -> HoldProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let cut: Arc<std::sync::Mutex<Vec<TcpStream>>> = Arc::default();
        let holding = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (c, h) = (cut.clone(), holding.clone());
        std::thread::spawn(move || {
            let mut held = Vec::new();
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                if h.load(Ordering::SeqCst) {
                    held.push(client);
                    continue;
                }
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                    continue;
                };
                c.lock()
                    .unwrap()
                    .extend([client.try_clone().unwrap(), server.try_clone().unwrap()]);
                let never = Arc::new(AtomicU64::new(0));
                for (from, to) in [
                    (client.try_clone().unwrap(), server.try_clone().unwrap()),
                    (server, client),
                ] {
                    let never = never.clone();
                    std::thread::spawn(move || pump(from, to, 1, never));
                }
            }
        });
        HoldProxy { port, cut, holding }
    }

    pub fn cut(&self) {
        self.holding.store(true, Ordering::SeqCst);
        for s in self.cut.lock().unwrap().drain(..) {
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
    }
}
