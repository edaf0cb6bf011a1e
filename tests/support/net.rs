//! Loopback ports for the tests' own servers and proxies, and the fake peers written in the
//! tests themselves: a one-connection script (an XMPP server that misbehaves) and a server that
//! answers every HTTP request (a Bot API or a proxy that misbehaves).

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

/// A free TCP port on 127.0.0.1 (bound and released; a server is started on it right after).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// Waits (up to 5 s) until something listens on 127.0.0.1:`port`.
pub fn wait_port(port: u16) {
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("nothing listens on 127.0.0.1:{port}");
}

/// A one-connection server on a free loopback port running `script` on its own thread (reads
/// time out after 10 s, so a script waiting for what never comes ends).
pub fn serve_one(script: impl FnOnce(TcpStream) + Send + 'static) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        if let Ok((s, _)) = listener.accept() {
            let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
            script(s);
        }
    });
    port
}

/// A loopback server that answers every connection with `answer` (called with the HTTP
/// request read so far and the stream), on its own thread for as long as the test lives.
pub fn serve_each(answer: impl Fn(String, &mut TcpStream) + Send + Sync + 'static) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let answer = std::sync::Arc::new(answer);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let answer = answer.clone();
            std::thread::spawn(move || {
                let request = read_request(&mut stream);
                answer(request, &mut stream);
            });
        }
    });
    port
}

/// Reads until `needle` has been seen (or the stream ends or times out); all that was read.
pub fn read_until(s: &mut TcpStream, needle: &str) -> String {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&got).contains(needle) {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&got).into_owned()
}

/// An HTTP request's head and as much of its body as Content-Length says (bounded).
pub fn read_request(stream: &mut TcpStream) -> String {
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut data = Vec::new();
    let mut buf = [0u8; 8192];
    while let Ok(n) = stream.read(&mut buf) {
        if n == 0 {
            break;
        }
        data.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&data).into_owned();
        if let Some(head_end) = text.find("\r\n\r\n") {
            let length = text[..head_end]
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if data.len() >= head_end + 4 + length.min(1 << 20) {
                break;
            }
        }
    }
    String::from_utf8_lossy(&data).into_owned()
}
