//! Files over XMPP: HTTP File Upload (XEP-0363) and the out-of-band URL (XEP-0066), the way
//! Conversations, Dino and Gajim send them, so that they show the file inline.
//!
//! 1. The upload service is found once per session: disco#items of the server's domain, then
//!    disco#info of each item, the one with feature `urn:xmpp:http:upload:0`; its data form's
//!    `max-file-size` is the limit.
//! 2. A file over the limit (or any file, when the server has no upload service) is refused
//!    here, before a slot is asked for and before any byte goes out.
//! 3. A slot is requested (name, size, content type); the bytes are PUT to its URL with only
//!    the headers XEP-0363 lets through (Authorization, Cookie, Expires), through the shared
//!    HTTP client (the session's proxy, trusted certificates and timeout), streamed from disk
//!    for a path.
//! 4. The message whose body is exactly the GET URL, with `<x xmlns='jabber:x:oob'>`, goes
//!    through the session like any other, so `acked` and the delivery status mean the same.

use std::fmt;
use std::io::Read;
use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

use bytes::Bytes;

use super::conditions::server_said;
use super::outgoing::Outgoing;
use super::session::Client;
use super::stanza::StanzaError;
use super::xml::Element;
use super::{sasl, Error, NS_CLIENT};
use crate::i18n::{clip, Lang, Localized};
use crate::net::http::{Failure, FailureKind};
use crate::net::tls::Verification;
use crate::net::NetSettings;

pub const NS_UPLOAD: &str = "urn:xmpp:http:upload:0";
pub const NS_OOB: &str = "jabber:x:oob";
const NS_DISCO_ITEMS: &str = "http://jabber.org/protocol/disco#items";
const NS_DISCO_INFO: &str = "http://jabber.org/protocol/disco#info";
const NS_DATA: &str = "jabber:x:data";

/// Items of the server's disco#items asked about at most (a server lists its components: a
/// handful; a hostile one must not make us send thousands of queries).
const MAX_ITEMS: usize = 32;

/// The name a file given as bytes without a name is uploaded under.
pub const DEFAULT_NAME: &str = "file.bin";

/// The file to send: bytes held in memory (ДвоичныеДанные) or a local path, streamed.
#[derive(Clone, Debug)]
pub enum FileInput {
    Bytes(Bytes),
    Path(String),
}

/// The upload service of a server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Service {
    pub jid: String,
    /// `max-file-size` of its form, when announced.
    pub max_size: Option<u64>,
}

/// What XmppSendFile returns.
#[derive(Clone, Debug, serde::Serialize, PartialEq, Eq)]
pub struct FileSent {
    pub id: String,
    pub url: String,
    pub acked: bool,
}

/// What SendXmppFile returns (docs/en/reference.md).
#[derive(Clone, Debug, serde::Serialize, PartialEq, Eq)]
pub struct FileSendResult {
    pub id: String,
    pub url: String,
    pub jid: String,
    pub transport: String,
    pub mechanism: String,
    pub acked: bool,
}

/// What is wrong with a slot the server gave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SlotProblem {
    /// No `<put url>` or no `<get url>`.
    MissingUrl,
    /// A URL that is not http(s).
    NotHttp,
}

/// Why a file was not sent. Never carries a slot's Authorization or Cookie value.
#[derive(Debug)]
#[non_exhaustive]
pub enum UploadError {
    /// The server lists no HTTP File Upload service (XEP-0363).
    NoService { domain: String },
    /// The file is larger than the upload service accepts; nothing was sent.
    TooLarge { size: u64, limit: u64 },
    /// The file name is empty or holds control characters.
    InvalidName,
    /// The local file could not be used (not found, not a regular file, unreadable).
    File(crate::fsio::Error),
    /// The upload service refused the slot request (`file-too-large`, `not-acceptable`,
    /// `resource-constraint` for a quota, ...).
    SlotRefused {
        condition: super::StanzaCondition,
        text: String,
    },
    /// The slot the service gave cannot be used.
    BadSlot { problem: SlotProblem },
    /// The HTTP server answered the PUT with a status other than 201 (or 200).
    HttpStatus { status: u16 },
    /// The PUT failed: connection, TLS (an untrusted certificate), proxy, timeout.
    Network(Failure),
    /// The HTTP client could not be built from the settings.
    Settings(crate::net::Error),
}

impl fmt::Display for UploadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

impl std::error::Error for UploadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            UploadError::File(e) => Some(e),
            UploadError::Settings(e) => Some(e),
            _ => None,
        }
    }
}

impl Localized for UploadError {
    fn code(&self) -> &'static str {
        match self {
            UploadError::NoService { .. } => "XMPP_UPLOAD_NO_SERVICE",
            UploadError::TooLarge { .. } => "XMPP_UPLOAD_TOO_LARGE",
            UploadError::InvalidName => "XMPP_UPLOAD_FILE_NAME",
            UploadError::File(e) => e.code(),
            UploadError::SlotRefused { .. } => "XMPP_UPLOAD_SLOT_REFUSED",
            UploadError::BadSlot { .. } => "XMPP_UPLOAD_BAD_SLOT",
            UploadError::HttpStatus { .. } => "XMPP_UPLOAD_HTTP_STATUS",
            UploadError::Network(f) if f.kind == FailureKind::Tls => "XMPP_UPLOAD_TLS",
            UploadError::Network(f) if f.kind == FailureKind::Timeout => "XMPP_UPLOAD_TIMEOUT",
            UploadError::Network(_) => "XMPP_UPLOAD_NETWORK",
            UploadError::Settings(e) => e.code(),
        }
    }

    fn settings(&self) -> &'static [crate::net::Setting] {
        use crate::net::Setting;
        match self {
            UploadError::Network(f) => match f.kind {
                FailureKind::Tls if f.tls_reason().trust_helps() => &[Setting::TrustedCertificates],
                FailureKind::Tls => &[],
                FailureKind::Timeout => &[Setting::Timeout],
                FailureKind::Proxy => &[Setting::Proxy],
                _ => &[],
            },
            UploadError::Settings(e) => e.settings(),
            _ => &[],
        }
    }

    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (UploadError::NoService { domain }, Lang::Ru) => format!(
                "сервер {} не предлагает загрузку файлов по HTTP (XEP-0363): файл не отправлен",
                clip(domain)
            ),
            (UploadError::NoService { domain }, Lang::En) => format!(
                "the server {} offers no HTTP File Upload (XEP-0363): the file was not sent",
                clip(domain)
            ),
            (UploadError::TooLarge { size, limit }, Lang::Ru) => format!(
                "файл занимает {size} байт, а сервер принимает не больше {limit} байт: файл не отправлен"
            ),
            (UploadError::TooLarge { size, limit }, Lang::En) => format!(
                "the file is {size} bytes, the server accepts at most {limit} bytes: the file was not sent"
            ),
            (UploadError::InvalidName, Lang::Ru) => {
                "имя файла пустое или содержит управляющие символы".to_owned()
            }
            (UploadError::InvalidName, Lang::En) => {
                "the file name is empty or holds control characters".to_owned()
            }
            (UploadError::File(e), lang) => e.message(lang),
            (UploadError::SlotRefused { condition, text }, Lang::Ru) => format!(
                "служба загрузки отказала в месте для файла: {}{}",
                condition.text(Lang::Ru),
                server_said(text, Lang::Ru)
            ),
            (UploadError::SlotRefused { condition, text }, Lang::En) => format!(
                "the upload service refused a slot for the file: {}{}",
                condition.text(Lang::En),
                server_said(text, Lang::En)
            ),
            (UploadError::BadSlot { problem }, Lang::Ru) => format!(
                "служба загрузки выдала негодное место для файла: {}",
                match problem {
                    SlotProblem::MissingUrl => "нет адреса для загрузки или для скачивания",
                    SlotProblem::NotHttp => "адрес не http(s)",
                }
            ),
            (UploadError::BadSlot { problem }, Lang::En) => format!(
                "the upload service gave an unusable slot: {}",
                match problem {
                    SlotProblem::MissingUrl => "no upload or download URL",
                    SlotProblem::NotHttp => "a URL that is not http(s)",
                }
            ),
            (UploadError::HttpStatus { status }, Lang::Ru) => format!(
                "сервер загрузки ответил HTTP {status} вместо 201: файл не загружен"
            ),
            (UploadError::HttpStatus { status }, Lang::En) => format!(
                "the upload server answered HTTP {status} instead of 201: the file was not uploaded"
            ),
            (UploadError::Network(f), Lang::Ru) if f.kind == FailureKind::Tls => {
                let tls = f.tls_reason();
                format!(
                    "загрузка файла не удалась: {}. Что делать: {}",
                    tls.what(lang),
                    tls.remedy(lang)
                )
            }
            (UploadError::Network(f), Lang::En) if f.kind == FailureKind::Tls => {
                let tls = f.tls_reason();
                format!(
                    "the file upload failed: {}. What to do: {}{}",
                    tls.what(lang),
                    tls.remedy(lang),
                    match tls {
                        crate::net::TlsReason::Other => format!(" ({})", clip(&f.detail)),
                        _ => String::new(),
                    }
                )
            }
            // The detail is the system's or the HTTP client's English: English texts only.
            (UploadError::Network(f), Lang::Ru) => {
                format!("загрузка файла не удалась ({})", f.kind.words(lang))
            }
            (UploadError::Network(f), Lang::En) => format!(
                "the file upload failed ({}): {}",
                f.kind.words(lang),
                f.detail
            ),
            (UploadError::Settings(e), lang) => e.message(lang),
        }
    }
}

/// What the uploads of one session share: the settings it was opened with and the upload
/// service once found (asked once per session, not per file).
pub struct SessionFiles {
    settings: NetSettings,
    verification: Verification,
    service: Mutex<Option<Service>>,
}

impl SessionFiles {
    pub(super) fn new(settings: &NetSettings, verification: Verification) -> SessionFiles {
        SessionFiles {
            settings: settings.clone(),
            verification,
            service: Mutex::new(None),
        }
    }
}

fn upload_error(e: UploadError) -> Error {
    Error::Upload(e)
}

fn query_id(what: &str) -> String {
    format!("{what}-{}", &sasl::random_nonce()[..12])
}

fn iq_get(to: &str, id: &str, payload: Element) -> Element {
    Element::new("iq", NS_CLIENT)
        .attr("type", "get")
        .attr("to", to)
        .attr("id", id)
        .child(payload)
}

/// Reads a disco#info answer: `Some(max_size)` when it has the upload feature.
pub fn upload_feature(info: &Element) -> Option<Option<u64>> {
    let query = info.find("query", NS_DISCO_INFO)?;
    let has = query
        .elements()
        .any(|f| f.is("feature", NS_DISCO_INFO) && f.get_attr("var") == Some(NS_UPLOAD));
    if !has {
        return None;
    }
    let max = query
        .elements()
        .filter(|x| x.is("x", NS_DATA))
        .find(|x| field(x, "FORM_TYPE").as_deref() == Some(NS_UPLOAD))
        .and_then(|x| field(x, "max-file-size"))
        .and_then(|v| v.trim().parse::<u64>().ok());
    Some(max)
}

fn field(form: &Element, var: &str) -> Option<String> {
    form.elements()
        .find(|f| f.is("field", NS_DATA) && f.get_attr("var") == Some(var))
        .and_then(|f| f.find("value", NS_DATA))
        .map(Element::text_content)
}

/// A slot as the service gave it.
#[derive(Debug, PartialEq, Eq)]
pub struct Slot {
    pub put: String,
    pub get: String,
    /// Only the headers XEP-0363 allows through (Authorization, Cookie, Expires), newlines
    /// removed.
    pub headers: Vec<(String, String)>,
}

/// Reads a slot answer.
pub fn read_slot(answer: &Element) -> Result<Slot, UploadError> {
    let slot = answer.find("slot", NS_UPLOAD).ok_or(UploadError::BadSlot {
        problem: SlotProblem::MissingUrl,
    })?;
    let put = slot.find("put", NS_UPLOAD);
    let put_url = put.and_then(|p| p.get_attr("url"));
    let get_url = slot.find("get", NS_UPLOAD).and_then(|g| g.get_attr("url"));
    let (Some(put_url), Some(get_url)) = (put_url, get_url) else {
        return Err(UploadError::BadSlot {
            problem: SlotProblem::MissingUrl,
        });
    };
    let http = |u: &str| {
        let l = u.get(..8).unwrap_or(u).to_ascii_lowercase();
        l.starts_with("https://") || l.starts_with("http://")
    };
    if !http(put_url) || !http(get_url) {
        return Err(UploadError::BadSlot {
            problem: SlotProblem::NotHttp,
        });
    }
    let headers = put
        .map(|p| {
            p.elements()
                .filter(|h| h.is("header", NS_UPLOAD))
                .filter_map(|h| {
                    let name = h.get_attr("name")?;
                    let allowed = ["Authorization", "Cookie", "Expires"]
                        .iter()
                        .any(|a| a.eq_ignore_ascii_case(name));
                    let value: String = h
                        .text_content()
                        .chars()
                        .filter(|c| *c != '\r' && *c != '\n')
                        .collect();
                    allowed.then(|| (name.to_owned(), value))
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Slot {
        put: put_url.to_owned(),
        get: get_url.to_owned(),
        headers,
    })
}

/// The name the file goes under: the one given, else the path's last part, else
/// [`DEFAULT_NAME`]; only its last path component, never a directory.
pub fn file_name(given: Option<&str>, file: &FileInput) -> Result<String, UploadError> {
    let raw = match (given, file) {
        (Some(name), _) if !name.trim().is_empty() => name.to_owned(),
        (_, FileInput::Path(path)) => Path::new(path)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        (_, FileInput::Bytes(_)) => DEFAULT_NAME.to_owned(),
    };
    let last = raw
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .trim()
        .to_owned();
    if last.is_empty() || last == "." || last == ".." || last.chars().any(char::is_control) {
        return Err(UploadError::InvalidName);
    }
    Ok(last)
}

/// The bytes to PUT, opened and checked against the limit before anything goes out.
enum Opened {
    Bytes(Bytes),
    File(std::fs::File, u64),
}

impl Opened {
    fn open(file: &FileInput, limit: Option<u64>) -> Result<Opened, UploadError> {
        match file {
            FileInput::Bytes(b) => {
                let size = b.len() as u64;
                match limit {
                    Some(limit) if size > limit => Err(UploadError::TooLarge { size, limit }),
                    _ => Ok(Opened::Bytes(b.clone())),
                }
            }
            FileInput::Path(path) => {
                match crate::fsio::open(Path::new(path), limit.unwrap_or(u64::MAX)) {
                    Ok(o) => Ok(Opened::File(o.file, o.length)),
                    Err(crate::fsio::Error::TooLarge { size, limit, .. }) => {
                        Err(UploadError::TooLarge { size, limit })
                    }
                    Err(e) => Err(UploadError::File(e)),
                }
            }
        }
    }

    fn size(&self) -> u64 {
        match self {
            Opened::Bytes(b) => b.len() as u64,
            Opened::File(_, n) => *n,
        }
    }
}

/// Checks what can be checked before connecting: the name, and that a path names a readable
/// regular file (the size is checked against the server's limit once it is known).
pub fn check_before_connecting(file: &FileInput, name: Option<&str>) -> Result<(), Error> {
    file_name(name, file).map_err(upload_error)?;
    Opened::open(file, None).map(drop).map_err(upload_error)
}

/// PUTs the bytes to the slot: Content-Length = size, the slot's allowed headers, success 201
/// (200 tolerated: some servers answer so); the whole request ends by `deadline` (what is left
/// of the call's Timeout), and none is made when nothing is left.
fn put(
    settings: &NetSettings,
    verification: Verification,
    slot: &Slot,
    content_type: &str,
    body: Opened,
    deadline: Instant,
) -> Result<(), UploadError> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err(UploadError::Network(Failure::new(
            FailureKind::Timeout,
            "the time limit was spent before the upload",
        )));
    }
    let client = crate::net::http::client(settings, verification).map_err(UploadError::Settings)?;
    let size = body.size();
    let body = match body {
        Opened::Bytes(b) => reqwest::blocking::Body::from(b),
        // Streamed: never more than `size` bytes, even if the file grows meanwhile.
        Opened::File(f, n) => reqwest::blocking::Body::sized(f.take(n), n),
    };
    let mut request = client
        .put(&slot.put)
        .timeout(left)
        .header(reqwest::header::CONTENT_TYPE, content_type)
        .header(reqwest::header::CONTENT_LENGTH, size);
    for (name, value) in &slot.headers {
        request = request.header(name.as_str(), value.as_str());
    }
    let response = request.body(body).send().map_err(|e| {
        let failure = crate::net::http::failure(e);
        if failure.kind != FailureKind::Other {
            return UploadError::Network(failure);
        }
        // A streamed body hides why the connection failed: reqwest reports only that its
        // body channel closed ("receiver is gone"). A HEAD to the same URL, made only after
        // such a failure, meets the same refusal (an untrusted certificate, a proxy) and names
        // it; when it gets through, the first failure stands.
        let left = deadline.saturating_duration_since(Instant::now());
        match client.head(&slot.put).timeout(left).send() {
            Err(probe) => UploadError::Network(crate::net::http::failure(probe)),
            Ok(_) => UploadError::Network(failure),
        }
    })?;
    match response.status().as_u16() {
        200 | 201 => Ok(()),
        status => Err(UploadError::HttpStatus { status }),
    }
}

impl Client {
    /// The upload service, found once per session.
    pub fn upload_service(&self, deadline: Instant) -> Result<Service, Error> {
        if let Some(s) = self.files.service.lock().ok().and_then(|s| s.clone()) {
            return Ok(s);
        }
        let domain =
            super::Jid::parse(&self.info.jid)
                .map(|j| j.domain)
                .ok_or(Error::InvalidJid {
                    which: crate::xmpp::JidRole::Account,
                })?;
        let items = self.query(
            iq_get(
                &domain,
                &query_id("items"),
                Element::new("query", NS_DISCO_ITEMS),
            ),
            deadline,
        )?;
        let mut candidates: Vec<String> = items
            .find("query", NS_DISCO_ITEMS)
            .map(|q| {
                q.elements()
                    .filter(|i| i.is("item", NS_DISCO_ITEMS) && i.get_attr("node").is_none())
                    .filter_map(|i| i.get_attr("jid").map(str::to_owned))
                    .take(MAX_ITEMS)
                    .collect()
            })
            .unwrap_or_default();
        // Some servers announce the feature on the domain itself.
        candidates.push(domain.clone());
        // Asked all at once (`query` blocks, so each wait has its own scoped thread): one
        // round trip for all items, however many components the server lists.
        let found = std::thread::scope(|scope| {
            let handles: Vec<_> = candidates
                .into_iter()
                .map(|jid| {
                    let iq = iq_get(
                        &jid,
                        &query_id("info"),
                        Element::new("query", NS_DISCO_INFO),
                    );
                    scope.spawn(move || (jid, self.query(iq, deadline)))
                })
                .collect();
            let mut found = None;
            for h in handles {
                if let Ok((jid, Ok(answer))) = h.join() {
                    if answer.get_attr("type") != Some("result") || found.is_some() {
                        continue;
                    }
                    if let Some(max_size) = upload_feature(&answer) {
                        found = Some(Service { jid, max_size });
                    }
                }
            }
            found
        });
        let service = found.ok_or_else(|| upload_error(UploadError::NoService { domain }))?;
        if let Ok(mut cache) = self.files.service.lock() {
            *cache = Some(service.clone());
        }
        Ok(service)
    }

    /// XmppSendFile: uploads `file` (refused before any byte goes out when over the service's
    /// limit) and sends `message` (its body replaced by the GET URL, the out-of-band element
    /// added) through the session.
    pub fn send_file(
        &self,
        file: &FileInput,
        name: Option<&str>,
        message: &Outgoing,
    ) -> Result<FileSent, Error> {
        let deadline = Instant::now() + self.files.settings.timeout;
        let name = file_name(name, file).map_err(upload_error)?;
        // The recipient and options are checked before anything is uploaded.
        message.prepare(&self.info.jid)?;
        let service = self.upload_service(deadline)?;
        let body = Opened::open(file, service.max_size).map_err(upload_error)?;
        let size = body.size();
        let content_type = crate::net::http::content_type(&name);
        let request = Element::new("request", NS_UPLOAD)
            .attr("filename", &name)
            .attr("size", &size.to_string())
            .attr("content-type", content_type);
        let answer = self.query(iq_get(&service.jid, &query_id("slot"), request), deadline)?;
        if answer.get_attr("type") != Some("result") {
            let e = StanzaError::of(&answer).unwrap_or_default();
            return Err(upload_error(UploadError::SlotRefused {
                condition: super::StanzaCondition::of(&e.condition),
                text: e.text.unwrap_or_default(),
            }));
        }
        let slot = read_slot(&answer).map_err(upload_error)?;
        put(
            &self.files.settings,
            self.files.verification,
            &slot,
            content_type,
            body,
            deadline,
        )
        .map_err(upload_error)?;
        let oob = Element::new("x", NS_OOB).child(Element::new("url", NS_OOB).text(&slot.get));
        let mut message = message.clone();
        message.body = slot.get.clone();
        message.extra.push(oob);
        // The ack is awaited for what is left of the one Timeout of the whole call (discovery,
        // slot, PUT and ack share it); past it `acked` is false, as for XmppSend.
        let sent = self.send_until(&message, deadline)?;
        Ok(FileSent {
            id: sent.id,
            url: slot.get,
            acked: sent.acked,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_feature_and_the_limit_are_read_from_disco_info() {
        let form = Element::new("x", NS_DATA)
            .attr("type", "result")
            .child(
                Element::new("field", NS_DATA)
                    .attr("var", "FORM_TYPE")
                    .child(Element::new("value", NS_DATA).text(NS_UPLOAD)),
            )
            .child(
                Element::new("field", NS_DATA)
                    .attr("var", "max-file-size")
                    .child(Element::new("value", NS_DATA).text("1048576")),
            );
        let info = Element::new("iq", NS_CLIENT).child(
            Element::new("query", NS_DISCO_INFO)
                .child(Element::new("feature", NS_DISCO_INFO).attr("var", NS_UPLOAD))
                .child(form),
        );
        assert_eq!(upload_feature(&info), Some(Some(1_048_576)));
        let other = Element::new("iq", NS_CLIENT).child(
            Element::new("query", NS_DISCO_INFO)
                .child(Element::new("feature", NS_DISCO_INFO).attr("var", "urn:xmpp:ping")),
        );
        assert_eq!(upload_feature(&other), None);
    }

    #[test]
    fn only_allowed_slot_headers_pass() {
        let slot = Element::new("iq", NS_CLIENT).child(
            Element::new("slot", NS_UPLOAD)
                .child(
                    Element::new("put", NS_UPLOAD)
                        .attr("url", "https://up.example/p")
                        .child(
                            Element::new("header", NS_UPLOAD)
                                .attr("name", "Authorization")
                                .text("Bearer x\r\nEvil: 1"),
                        )
                        .child(
                            Element::new("header", NS_UPLOAD)
                                .attr("name", "Host")
                                .text("evil"),
                        ),
                )
                .child(Element::new("get", NS_UPLOAD).attr("url", "https://up.example/g")),
        );
        let s = read_slot(&slot).unwrap();
        assert_eq!(
            s.headers,
            vec![("Authorization".to_owned(), "Bearer xEvil: 1".to_owned())]
        );
        let bad = Element::new("iq", NS_CLIENT).child(
            Element::new("slot", NS_UPLOAD)
                .child(Element::new("put", NS_UPLOAD).attr("url", "ftp://x/"))
                .child(Element::new("get", NS_UPLOAD).attr("url", "https://x/")),
        );
        assert!(matches!(
            read_slot(&bad),
            Err(UploadError::BadSlot {
                problem: SlotProblem::NotHttp
            })
        ));
    }

    #[test]
    fn names_keep_cyrillic_and_lose_directories() {
        let bytes = FileInput::Bytes(Bytes::from_static(b"x"));
        assert_eq!(file_name(None, &bytes).unwrap(), DEFAULT_NAME);
        assert_eq!(
            file_name(Some("Отчёт за май.pdf"), &bytes).unwrap(),
            "Отчёт за май.pdf"
        );
        assert_eq!(
            file_name(Some("../../etc/passwd"), &bytes).unwrap(),
            "passwd"
        );
        let path = FileInput::Path("/tmp/Счёт 1.txt".into());
        assert_eq!(file_name(None, &path).unwrap(), "Счёт 1.txt");
        assert!(file_name(Some("a\nb"), &bytes).is_err());
    }

    #[test]
    fn a_file_over_the_limit_is_refused_before_opening_the_network() {
        let bytes = FileInput::Bytes(Bytes::from(vec![0u8; 11]));
        assert!(matches!(
            Opened::open(&bytes, Some(10)),
            Err(UploadError::TooLarge {
                size: 11,
                limit: 10
            })
        ));
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big");
        std::fs::write(&p, vec![0u8; 11]).unwrap();
        let path = FileInput::Path(p.to_string_lossy().into_owned());
        assert!(matches!(
            Opened::open(&path, Some(10)),
            Err(UploadError::TooLarge {
                size: 11,
                limit: 10
            })
        ));
        assert_eq!(Opened::open(&path, Some(11)).unwrap().size(), 11);
    }

    /// The PUT gets what is left of the call's Timeout, not a Timeout of its own: with 60 s of
    /// settings but 0.5 s left, a server that answers after 3 s is a timeout; with nothing
    /// left, no connection is made at all.
    #[test]
    fn the_put_gets_only_what_is_left_of_the_timeout() {
        use std::io::Write;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let settings = NetSettings {
            timeout: std::time::Duration::from_secs(60),
            ..NetSettings::default()
        };
        let slot = Slot {
            put: format!("http://127.0.0.1:{port}/upload/f.bin"),
            get: format!("http://127.0.0.1:{port}/upload/f.bin"),
            headers: Vec::new(),
        };
        let body = || Opened::Bytes(Bytes::from_static(b"12345"));
        let put_by = |deadline: Instant| {
            put(
                &settings,
                Verification::Verify,
                &slot,
                "application/octet-stream",
                body(),
                deadline,
            )
        };
        listener.set_nonblocking(true).unwrap();
        match put_by(Instant::now()) {
            Err(UploadError::Network(f)) => assert_eq!(f.kind, FailureKind::Timeout),
            other => panic!("nothing left of the Timeout must fail at once: {other:?}"),
        }
        assert!(listener.accept().is_err(), "a PUT was attempted");
        listener.set_nonblocking(false).unwrap();
        let slow = std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            std::thread::sleep(std::time::Duration::from_secs(3));
            let _ = conn.write_all(b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
        });
        let deadline = Instant::now() + std::time::Duration::from_millis(500);
        match put_by(deadline) {
            Err(UploadError::Network(f)) => assert_eq!(f.kind, FailureKind::Timeout, "{f}"),
            other => panic!("the PUT must end with the call's deadline: {other:?}"),
        }
        slow.join().unwrap();
    }
}
