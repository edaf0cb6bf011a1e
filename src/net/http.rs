//! The one HTTP client (reqwest, blocking, rustls through our TLS seam), configured from the
//! add-in's properties; Telegram and BOSH both use it.

use std::fmt;

use super::tls::{self, Verification};
use super::{Error, NetSettings, TlsReason};
use crate::i18n::Lang;

/// Both kinds of client get exactly the same configuration. The blocking and the async
/// builders have the same methods but no common trait, hence a macro rather than a function.
macro_rules! configure {
    ($builder:expr, $settings:expr, $verification:expr) => {{
        let settings: &NetSettings = $settings;
        let mut tls_config = (*tls::client_config(&settings.trusted, $verification)?).clone();
        tls_config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let mut builder = $builder
            .use_preconfigured_tls(tls_config)
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            // The Bot API and BOSH endpoints never redirect; following one would carry the bot
            // token (it is in the path) or the XMPP session to wherever a proxy or a hijacked
            // server points. A redirect is reported as the HTTP answer it is.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Messenger-1C/", env!("CARGO_PKG_VERSION")))
            // An empty Proxy property means a direct connection, whatever the environment
            // says: the same code must behave the same in every 1C process.
            .no_proxy()
            // Lookups bounded by the timeout, never waited for when the client is dropped.
            .dns_resolver(std::sync::Arc::new(super::dns::Resolver));
        if let Some(proxy) = &settings.proxy {
            let p = reqwest::Proxy::all(proxy.to_url()).map_err(|e| {
                let e = e.without_url();
                Error::InvalidProxy(super::ProxyReason::ClientRefused(crate::i18n::clip(
                    &e.to_string(),
                )))
            })?;
            builder = builder.proxy(p);
        }
        builder.build().map_err(|e| Error::TlsConfig {
            source: super::ClientError::new(e.without_url()),
        })
    }};
}

/// A blocking HTTP client for the given settings. Cheap enough to make per call (tens of
/// microseconds plus a runtime thread); callers that make many requests keep one.
pub fn client(
    settings: &NetSettings,
    verification: Verification,
) -> Result<reqwest::blocking::Client, Error> {
    configure!(reqwest::blocking::Client::builder(), settings, verification)
}

/// The same client for async code, which must run it inside a Tokio runtime of its own (the
/// BOSH session does, so that a request held by the server can be abandoned at once).
pub fn async_client(
    settings: &NetSettings,
    verification: Verification,
) -> Result<reqwest::Client, Error> {
    configure!(reqwest::Client::builder(), settings, verification)
}

/// What kind of failure a request met, so that messages can tell a refused connection from a
/// certificate problem, a timeout or a proxy that did not let us through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureKind {
    /// The whole call did not finish within the timeout.
    Timeout,
    /// The name did not resolve.
    Dns,
    /// Nobody listens there (or a firewall rejects).
    ConnectionRefused,
    /// The connection was dropped by the other side.
    ConnectionReset,
    /// TLS handshake failed: [`Failure::tls`] says why.
    Tls,
    /// The proxy refused, failed to connect onwards, or asked for credentials.
    Proxy,
    /// Anything else (a malformed response, a body that could not be read).
    Other,
}

impl FailureKind {
    /// The kind in a few words, for a message that says what failed in its own words around
    /// them (XMPP's network and upload errors; Telegram's say more, with a remedy each).
    pub fn words(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (FailureKind::Timeout, Lang::En) => "timed out",
            (FailureKind::Timeout, Lang::Ru) => "истекло время ожидания",
            (FailureKind::Dns, Lang::En) => "name not resolved",
            (FailureKind::Dns, Lang::Ru) => "имя не найдено",
            (FailureKind::ConnectionRefused, Lang::En) => "connection refused",
            (FailureKind::ConnectionRefused, Lang::Ru) => "в соединении отказано",
            (FailureKind::ConnectionReset, Lang::En) => "connection dropped",
            (FailureKind::ConnectionReset, Lang::Ru) => "соединение разорвано",
            (FailureKind::Tls, _) => "TLS",
            (FailureKind::Proxy, Lang::En) => "proxy",
            (FailureKind::Proxy, Lang::Ru) => "прокси",
            (FailureKind::Other, Lang::En) => "other",
            (FailureKind::Other, Lang::Ru) => "прочее",
        }
    }
}

/// A failed request, described without the URL (it may carry a bot token or a password).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub kind: FailureKind,
    /// Why the TLS handshake failed, when `kind` is [`FailureKind::Tls`] (`None` otherwise).
    pub tls: Option<TlsReason>,
    /// The underlying causes joined, innermost last; never contains the URL. The libraries'
    /// English: for English texts only.
    pub detail: String,
}

impl Failure {
    /// A failure of the given kind (a TLS one without a known reason is [`TlsReason::Other`]).
    pub fn new(kind: FailureKind, detail: impl Into<String>) -> Failure {
        Failure {
            kind,
            tls: (kind == FailureKind::Tls).then_some(TlsReason::Other),
            detail: detail.into(),
        }
    }

    /// The TLS reason of a TLS failure ([`TlsReason::Other`] when none was found).
    pub fn tls_reason(&self) -> TlsReason {
        self.tls.clone().unwrap_or(TlsReason::Other)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.kind, self.detail)
    }
}

/// Describes a reqwest error. The URL is dropped first; the chain of sources is searched for
/// the io and rustls errors that say what really happened.
pub fn failure(err: reqwest::Error) -> Failure {
    let is_timeout = err.is_timeout();
    let is_connect = err.is_connect();
    let err = err.without_url();
    let mut detail = Vec::new();
    let mut kind = None;
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&err);
    while let Some(e) = source {
        let text = e.to_string();
        if !detail.contains(&text) {
            detail.push(text.clone());
        }
        if kind.is_none() {
            kind = classify_one(e, &text);
        }
        source = e.source();
    }
    let kind = match kind {
        Some(k) => k,
        None if is_timeout => FailureKind::Timeout,
        None if is_connect => FailureKind::ConnectionRefused,
        None => FailureKind::Other,
    };
    let kind = if is_timeout {
        FailureKind::Timeout
    } else {
        kind
    };
    Failure {
        kind,
        tls: tls_of(kind, &err),
        detail: detail.join(": "),
    }
}

/// The TLS reason of a failure of `kind`: only a TLS failure has one.
fn tls_of(kind: FailureKind, e: &(dyn std::error::Error + 'static)) -> Option<TlsReason> {
    (kind == FailureKind::Tls).then(|| TlsReason::find(e).unwrap_or(TlsReason::Other))
}

/// Why an answer's body was not read.
#[derive(Debug)]
pub enum BodyError {
    /// Longer than the caller allows (by its Content-Length, or counted while reading).
    TooLarge { limit: u64 },
    /// The connection failed while the body was read.
    Failed(Failure),
}

/// Reads an answer's body, at most `limit` bytes: refused at once when Content-Length says it
/// is longer, and counted while streaming otherwise, so that a runaway answer never takes more
/// memory than the limit (`bytes()` would read it all first).
pub fn read_body(
    mut response: reqwest::blocking::Response,
    limit: u64,
) -> Result<Vec<u8>, BodyError> {
    use std::io::Read;
    if response.content_length().is_some_and(|n| n > limit) {
        return Err(BodyError::TooLarge { limit });
    }
    let mut body = Vec::new();
    let mut chunk = vec![0u8; 16 * 1024];
    loop {
        let n = match response.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(BodyError::Failed(io_failure(e))),
        };
        if (body.len() + n) as u64 > limit {
            return Err(BodyError::TooLarge { limit });
        }
        body.extend_from_slice(&chunk[..n]);
    }
    body.shrink_to_fit();
    Ok(body)
}

/// [`read_body`] for an async response (uploads, which stream their body through the async
/// client): the same limit, the same errors.
pub async fn read_body_async(
    mut response: reqwest::Response,
    limit: u64,
) -> Result<Vec<u8>, BodyError> {
    if response.content_length().is_some_and(|n| n > limit) {
        return Err(BodyError::TooLarge { limit });
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| BodyError::Failed(failure(e)))?
    {
        if (body.len() + chunk.len()) as u64 > limit {
            return Err(BodyError::TooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    body.shrink_to_fit();
    Ok(body)
}

/// A read error of a blocking response: reqwest's own error inside when there is one.
fn io_failure(e: std::io::Error) -> Failure {
    if e.get_ref()
        .is_some_and(|inner| inner.is::<reqwest::Error>())
    {
        if let Some(inner) = e.into_inner() {
            if let Ok(err) = inner.downcast::<reqwest::Error>() {
                return failure(*err);
            }
        }
        return Failure::new(FailureKind::Other, "the answer could not be read");
    }
    let text = e.to_string();
    let kind = classify_one(&e, &text).unwrap_or(FailureKind::Other);
    Failure {
        kind,
        tls: tls_of(kind, &e),
        detail: text,
    }
}

fn classify_one(e: &(dyn std::error::Error + 'static), text: &str) -> Option<FailureKind> {
    if e.downcast_ref::<rustls::Error>().is_some() {
        return Some(FailureKind::Tls);
    }
    if let Some(io) = e.downcast_ref::<std::io::Error>() {
        use std::io::ErrorKind::*;
        // The connector wraps rustls' error in io::Error(InvalidData), itself sometimes in an
        // io::Error(Other); io::Error::source() skips the wrapped error, so look inside by hand.
        let mut inner = io.get_ref();
        while let Some(i) = inner {
            if i.is::<rustls::Error>() {
                return Some(FailureKind::Tls);
            }
            inner = i
                .downcast_ref::<std::io::Error>()
                .and_then(|io| io.get_ref());
        }
        match io.kind() {
            ConnectionRefused => return Some(FailureKind::ConnectionRefused),
            ConnectionReset | ConnectionAborted | UnexpectedEof | BrokenPipe => {
                return Some(FailureKind::ConnectionReset)
            }
            TimedOut => return Some(FailureKind::Timeout),
            _ => {}
        }
    }
    let lower = text.to_ascii_lowercase();
    if lower.contains("proxy") || lower.contains("socks") {
        Some(FailureKind::Proxy)
    } else if lower.contains("dns error") || lower.contains("failed to lookup address") {
        Some(FailureKind::Dns)
    } else if lower.contains("certificate") || lower.contains("tls") {
        Some(FailureKind::Tls)
    } else {
        None
    }
}

/// The content type a file is uploaded with (a Telegram multipart part, an XMPP upload slot and
/// its PUT), by the file name's extension. A short table of what bots send rather than a MIME
/// database: the library's size budget is tight, and Telegram decides a file's kind by the
/// method, not by this header.
pub fn content_type(file_name: &str) -> &'static str {
    let ext = match file_name.rsplit_once('.') {
        Some((_, ext)) => ext.to_ascii_lowercase(),
        None => return "application/octet-stream",
    };
    match ext.as_str() {
        "pdf" => "application/pdf",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "bmp" => "image/bmp",
        "tif" | "tiff" => "image/tiff",
        "svg" => "image/svg+xml",
        "mp4" | "m4v" => "video/mp4",
        "mov" => "video/quicktime",
        "webm" => "video/webm",
        "mp3" => "audio/mpeg",
        "m4a" => "audio/mp4",
        "ogg" | "oga" | "opus" => "audio/ogg",
        "wav" => "audio/wav",
        "txt" | "log" => "text/plain",
        "csv" => "text/csv",
        "html" | "htm" => "text/html",
        "xml" => "application/xml",
        "json" => "application/json",
        "zip" => "application/zip",
        "7z" => "application/x-7z-compressed",
        "rar" => "application/vnd.rar",
        "gz" => "application/gzip",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "odt" => "application/vnd.oasis.opendocument.text",
        "ods" => "application/vnd.oasis.opendocument.spreadsheet",
        "tgs" => "application/x-tgsticker",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;
    use std::time::Duration;

    fn settings(timeout_ms: u64) -> NetSettings {
        NetSettings {
            timeout: Duration::from_millis(timeout_ms),
            ..NetSettings::default()
        }
    }

    #[test]
    fn every_content_type_of_the_table_parses() {
        for ext in [
            "pdf", "jpg", "png", "gif", "webp", "bmp", "tif", "svg", "mp4", "mov", "webm", "mp3",
            "m4a", "ogg", "wav", "txt", "csv", "html", "xml", "json", "zip", "7z", "rar", "gz",
            "doc", "docx", "xls", "xlsx", "odt", "ods", "tgs", "bin",
        ] {
            let ct = content_type(&format!("a.{ext}"));
            assert!(
                reqwest::blocking::multipart::Part::bytes(Vec::new())
                    .mime_str(ct)
                    .is_ok(),
                "{ct}"
            );
        }
    }

    #[test]
    fn the_type_follows_the_extension_in_any_case() {
        assert_eq!(content_type("Счёт.PDF"), "application/pdf");
        assert_eq!(content_type("noext"), "application/octet-stream");
    }

    #[test]
    fn refused_connection_is_told_apart_and_hides_the_url() {
        let port = {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let c = client(&settings(2000), Verification::Verify).unwrap();
        let err = c
            .get(format!("http://127.0.0.1:{port}/bot123:SECRET/getMe"))
            .send()
            .unwrap_err();
        let f = failure(err);
        assert_eq!(f.kind, FailureKind::ConnectionRefused, "{f}");
        assert_eq!(f.tls, None);
        assert!(!f.detail.contains("SECRET"), "{f}");
    }

    #[test]
    fn a_server_that_never_answers_is_a_timeout() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let c = client(&settings(300), Verification::Verify).unwrap();
        let f = failure(
            c.get(format!("http://127.0.0.1:{port}/"))
                .send()
                .unwrap_err(),
        );
        assert_eq!(f.kind, FailureKind::Timeout, "{f}");
        drop(l);
    }

    #[test]
    fn a_tls_handshake_failure_is_told_apart() {
        // A TLS-speaking peer is not needed to see the classification: a plain-text server
        // answering a TLS client makes rustls fail with a protocol error.
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let t = std::thread::spawn(move || {
            use std::io::{Read, Write};
            if let Ok((mut s, _)) = l.accept() {
                let mut buf = [0u8; 512];
                let _ = s.read(&mut buf);
                let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n");
            }
        });
        let c = client(&settings(3000), Verification::Verify).unwrap();
        let f = failure(
            c.get(format!("https://127.0.0.1:{port}/"))
                .send()
                .unwrap_err(),
        );
        assert_eq!(f.kind, FailureKind::Tls, "{f}");
        assert_eq!(f.tls, Some(TlsReason::NotTls), "{f}");
        t.join().unwrap();
    }
}
