//! Files both ways: uploads as multipart parts (from memory or streamed from a local path),
//! file values inside any method's parameters (`{"file": …}`, `{"file_base64": …}`,
//! `attach://`), and downloads through getFile.
//!
//! Limits are checked before the first byte goes out: 50 MB (10 MB for photos) on Telegram's
//! cloud, 2000 MB on a local Bot API server. A path is never read whole: its part is a body
//! over the open file, read in 256 KiB chunks as they are sent, re-opened if a 429 makes the
//! request go again.

use std::fs::File;
use std::io::{Read, Write};
use std::path::Path;
use std::time::Instant;

use base64::Engine as _;
use bytes::Bytes;
use reqwest::multipart::{Form, Part};
use serde_json::{Map, Value};

use super::transfer_error::{clip, FileValueProblem, Limit, NotAFile, TransferError};
use super::{bot_id, check_token, Api, Body, ChatId, Error};
use crate::net::http::{Failure, FailureKind};

/// The send methods of SendTelegramFile and the field each one uploads its file in.
const SEND_METHODS: &[(&str, &str)] = &[
    ("sendDocument", "document"),
    ("sendPhoto", "photo"),
    ("sendAudio", "audio"),
    ("sendVideo", "video"),
    ("sendAnimation", "animation"),
    ("sendVoice", "voice"),
    ("sendVideoNote", "video_note"),
    ("sendSticker", "sticker"),
];

/// Opens a local file to upload through the shared bounded opener ([`crate::fsio::open`]:
/// regular files only, never blocking, no larger than `limit`), with its refusals in this
/// module's terms so that their codes stay those of the Telegram file members.
pub(crate) fn open_local_file(path: &Path, limit: Limit) -> Result<(File, u64), TransferError> {
    use crate::fsio::{self, NotRegular};
    match fsio::open(path, limit.bytes()) {
        Ok(opened) => Ok((opened.file, opened.length)),
        Err(fsio::Error::TooLarge { size, .. }) => Err(TransferError::TooLarge {
            size: Some(size),
            limit,
        }),
        Err(fsio::Error::NotRegular { what, .. }) => Err(TransferError::NotRegularFile {
            path: clip(&path.to_string_lossy()),
            what: match what {
                NotRegular::Directory => NotAFile::Directory,
                _ => NotAFile::Special,
            },
        }),
        Err(fsio::Error::Io { source, .. }) => Err(TransferError::Unreadable {
            path: clip(&path.to_string_lossy()),
            source,
        }),
        Err(other) => Err(TransferError::Path(other)),
    }
}

/// A file name as it goes into the part's `filename="…"`: raw UTF-8 (RFC 7578 §4.2), with the
/// characters that would end or break the header (quotes, backslashes, line breaks, other
/// controls) replaced, since the multipart writer would otherwise escape them in a way servers
/// read differently. Such characters are not allowed in Windows file names anyway.
fn part_file_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| match c {
            '"' => '\'',
            '\\' | '/' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .collect();
    if cleaned.trim().is_empty() {
        "file".to_owned()
    } else {
        cleaned
    }
}

/// Where a file to send comes from.
#[derive(Debug, Clone)]
pub enum FileSource {
    /// Bytes held in memory (ДвоичныеДанные, `file_base64`): shared, never copied again.
    Bytes(Bytes),
    /// A local path, streamed.
    Path(String),
    /// An http(s) URL or a file_id: passed as a string for Telegram to fetch.
    Remote(String),
}

impl FileSource {
    /// A file given as text: an http(s) URL or a file_id goes to Telegram as it is; anything
    /// else is a local path. A file_id is letters, digits, `_` and `-` only (no dot, no
    /// slash), so a name like `report.pdf` is a path; an existing file by that name wins.
    pub fn from_text(text: &str) -> Result<FileSource, Error> {
        let t = text.trim();
        if t.is_empty() {
            return Err(TransferError::EmptyFile.into());
        }
        let lower = t.get(..8).unwrap_or(t).to_ascii_lowercase();
        if lower.starts_with("http://") || lower.starts_with("https://") {
            return Ok(FileSource::Remote(t.to_owned()));
        }
        let id_like = t
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if id_like && !Path::new(t).exists() {
            return Ok(FileSource::Remote(t.to_owned()));
        }
        Ok(FileSource::Path(text.to_owned()))
    }
}

/// One file part of a multipart request.
#[derive(Debug)]
pub(super) struct FilePart {
    field: String,
    file_name: String,
    content: Upload,
}

#[derive(Debug)]
enum Upload {
    Bytes(Bytes),
    Path(String),
}

impl FilePart {
    /// The part with its file name and content type: bytes shared (sent as they are, one
    /// chunk, no copy), a path opened (and checked) afresh and streamed in large reads.
    fn part(&self, limit: Limit) -> Result<Part, TransferError> {
        match self
            .plain_part(limit)?
            .mime_str(crate::net::http::content_type(&self.file_name))
        {
            Ok(part) => Ok(part),
            // Every type in our table parses (a test checks it); should one not, the part
            // goes without a type rather than not at all.
            Err(_) => self.plain_part(limit),
        }
    }

    fn plain_part(&self, limit: Limit) -> Result<Part, TransferError> {
        let part = match &self.content {
            Upload::Bytes(b) => {
                Part::stream_with_length(reqwest::Body::from(b.clone()), b.len() as u64)
            }
            Upload::Path(p) => {
                let (file, len) = open_local_file(Path::new(p), limit)?;
                Part::stream_with_length(reqwest::Body::wrap(FileBody::new(file, len)), len)
            }
        };
        Ok(part.file_name(self.file_name.clone()))
    }
}

/// The size of one read of a streamed path: each read becomes one body chunk that the HTTP
/// client writes as it is (16 TLS records of 16 KiB). reqwest's blocking client pumps a reader
/// through 8 KiB chunks, a thread hand-over each, which cost 1.3x curl's CPU (4 syscalls per 8
/// KiB against curl's 1 per 16 KiB); 256 KiB keeps memory bounded and the overhead negligible.
const FILE_CHUNK: usize = 256 * 1024;

/// A local file as an HTTP body of known length (sent with Content-Length, never chunked),
/// read in [`FILE_CHUNK`] pieces as the connection takes them: one chunk in memory at a time.
/// Written by hand because reqwest's own file body (its `stream` feature) reads through
/// tokio's thread pool in 8 KiB pieces and adds tokio-util to the library; a read of a regular
/// local file (checked by the opener) returns at once, so it is done in place.
struct FileBody {
    file: File,
    /// Bytes still to send: the length announced in Content-Length.
    left: u64,
}

impl FileBody {
    fn new(file: File, len: u64) -> FileBody {
        FileBody { file, left: len }
    }
}

impl http_body::Body for FileBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, std::io::Error>>> {
        use std::task::Poll;
        if self.left == 0 {
            return Poll::Ready(None);
        }
        let want = usize::try_from(self.left).map_or(FILE_CHUNK, |left| left.min(FILE_CHUNK));
        let mut buf = vec![0u8; want];
        let mut filled = 0;
        while filled < want {
            match self.file.read(&mut buf[filled..]) {
                // Shorter than it was when opened: the announced length cannot be kept.
                Ok(0) => {
                    return Poll::Ready(Some(Err(std::io::Error::other(
                        "the file became shorter while it was sent",
                    ))))
                }
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Poll::Ready(Some(Err(e))),
            }
        }
        self.left -= want as u64;
        Poll::Ready(Some(Ok(http_body::Frame::data(Bytes::from(buf)))))
    }

    fn is_end_stream(&self) -> bool {
        self.left == 0
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::SizeHint::with_exact(self.left)
    }
}

/// A request with file parts: text fields plus files, turned into a fresh multipart form for
/// each attempt (so that a retried request re-reads a path instead of holding it in memory).
#[derive(Debug, Default)]
pub(super) struct UploadForm {
    texts: Vec<(String, String)>,
    files: Vec<FilePart>,
    limit: Option<Limit>,
}

impl UploadForm {
    /// The text fields, for the secrets a request knows (`secret_token`, `url`).
    pub(super) fn texts(&self) -> &[(String, String)] {
        &self.texts
    }

    /// Builds the form; every file is checked against the limit before anything is sent.
    pub(super) fn build(&self) -> Result<Form, TransferError> {
        let limit = self.limit.unwrap_or(Limit::CloudUpload);
        let mut form = Form::new();
        for (k, v) in &self.texts {
            form = form.text(k.clone(), v.clone());
        }
        for f in &self.files {
            form = form.part(f.field.clone(), f.part(limit)?);
        }
        Ok(form)
    }

    /// Checks sizes (and that paths can be opened) before any request.
    fn check(&self) -> Result<(), TransferError> {
        let limit = self.limit.unwrap_or(Limit::CloudUpload);
        for f in &self.files {
            match &f.content {
                Upload::Bytes(b) if b.len() as u64 > limit.bytes() => {
                    return Err(TransferError::TooLarge {
                        size: Some(b.len() as u64),
                        limit,
                    })
                }
                Upload::Bytes(_) => {}
                Upload::Path(p) => {
                    open_local_file(Path::new(p), limit)?;
                }
            }
        }
        Ok(())
    }
}

/// A parameter's value as a multipart text field: strings as they are, anything else as JSON
/// (reply_markup, media arrays, numbers, booleans), as the Bot API reads form fields.
fn field_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A file value (`{"file": "path"}` or `{"file_base64": "…", "name": "…"}`), if `value` is
/// one. Objects with other keys and no `file`/`file_base64` are ordinary values.
fn file_value(parameter: &str, value: &Value) -> Result<Option<(Upload, String)>, Error> {
    let Value::Object(map) = value else {
        return Ok(None);
    };
    let has_file = map.contains_key("file");
    let has_b64 = map.contains_key("file_base64");
    if !has_file && !has_b64 {
        return Ok(None);
    }
    let bad = |problem| TransferError::FileValue {
        parameter: clip(parameter),
        problem,
    };
    if has_file && has_b64 {
        return Err(bad(FileValueProblem::Both).into());
    }
    if map
        .keys()
        .any(|k| !matches!(k.as_str(), "file" | "file_base64" | "name"))
    {
        return Err(bad(FileValueProblem::UnknownKey).into());
    }
    let name = match map.get("name") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(bad(FileValueProblem::NotAString).into()),
    };
    if let Some(Value::String(path)) = map.get("file") {
        let name = name.unwrap_or_else(|| file_name_of(path));
        return Ok(Some((Upload::Path(path.clone()), name)));
    }
    if let Some(Value::String(text)) = map.get("file_base64") {
        let data = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|_| bad(FileValueProblem::BadBase64))?;
        return Ok(Some((
            Upload::Bytes(Bytes::from(data)),
            name.unwrap_or_else(|| "file".to_owned()),
        )));
    }
    Err(bad(FileValueProblem::NotAString).into())
}

/// The last component of a path, `/` or `\` separated (1C on Windows passes the latter).
fn file_name_of(path: &str) -> String {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path).trim();
    if name.is_empty() {
        "file".to_owned()
    } else {
        name.to_owned()
    }
}

/// Turns the parameters into an upload form when they hold file values: a top-level file
/// value is a part named by its key; one nested deeper (a sendMediaGroup item's `media`)
/// becomes a part `fileN` and is replaced by `attach://fileN`. Every `attach://name` must name
/// a part. `None` when there is no file at all (the request stays JSON).
fn collect_files(
    params: &Map<String, Value>,
    extra_files: Vec<FilePart>,
) -> Result<Option<UploadForm>, Error> {
    let mut form = UploadForm {
        files: extra_files,
        ..UploadForm::default()
    };
    let mut counter = 0usize;
    for (key, value) in params {
        if let Some((content, name)) = file_value(key, value)? {
            form.files.push(FilePart {
                field: key.clone(),
                file_name: part_file_name(&name),
                content,
            });
            continue;
        }
        let mut value = value.clone();
        nested_files(key, &mut value, &mut form.files, &mut counter)?;
        form.texts.push((key.clone(), field_text(&value)));
    }
    if form.files.is_empty() {
        return Ok(None);
    }
    for (_, text) in &form.texts {
        for name in attach_names(text) {
            if !form.files.iter().any(|f| f.field == name) {
                return Err(TransferError::AttachMissing { name: clip(&name) }.into());
            }
        }
    }
    Ok(Some(form))
}

fn nested_files(
    parameter: &str,
    value: &mut Value,
    files: &mut Vec<FilePart>,
    counter: &mut usize,
) -> Result<(), Error> {
    let children: Vec<&mut Value> = match value {
        Value::Array(items) => items.iter_mut().collect(),
        Value::Object(map) => map.values_mut().collect(),
        _ => return Ok(()),
    };
    for child in children {
        if let Some((content, name)) = file_value(parameter, child)? {
            let field = loop {
                let candidate = format!("file{counter}");
                *counter += 1;
                if !files.iter().any(|f| f.field == candidate) {
                    break candidate;
                }
            };
            *child = Value::String(format!("attach://{field}"));
            files.push(FilePart {
                field,
                file_name: part_file_name(&name),
                content,
            });
        } else {
            nested_files(parameter, child, files, counter)?;
        }
    }
    Ok(())
}

/// Every `attach://name` in a field's text (a JSON array or object of media, or a string).
fn attach_names(text: &str) -> Vec<String> {
    text.match_indices("attach://")
        .map(|(i, m)| {
            text[i + m.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                .collect()
        })
        .collect()
}

impl Api {
    fn upload_limit(&self, method: &str) -> Limit {
        if !self.real_telegram {
            Limit::LocalUpload
        } else if method.eq_ignore_ascii_case("sendPhoto") {
            Limit::CloudPhoto
        } else {
            Limit::CloudUpload
        }
    }

    /// Sends a file with one of the eight send methods (`options.method`, sendDocument by
    /// default) to `chat_id`; the other options are merged into the request. `file_name`
    /// (default: the path's name, or `file`) is the part's file name, Cyrillic included.
    pub fn send_file(
        &self,
        token: &str,
        chat_id: &str,
        file: FileSource,
        file_name: Option<&str>,
        options: &Map<String, Value>,
    ) -> Result<Value, Error> {
        check_token(token)?;
        let chat_id = ChatId::parse(chat_id)?;
        let mut params = options.clone();
        let method = match params.remove("method") {
            None => "sendDocument".to_owned(),
            Some(Value::String(m)) => m,
            Some(other) => other.to_string(),
        };
        let Some((method, field)) = SEND_METHODS
            .iter()
            .find(|(m, _)| m.eq_ignore_ascii_case(method.trim()))
            .copied()
        else {
            return Err(TransferError::UnknownSendMethod {
                method: clip(&self.token_secrets(token).scrub(&method)),
            }
            .into());
        };
        for name in ["chat_id", field] {
            if params.contains_key(name) {
                return Err(Error::ParameterConflict { name: name.into() });
            }
        }
        params.insert(
            "chat_id".into(),
            serde_json::to_value(chat_id).unwrap_or_default(),
        );
        let given = file_name.map(str::trim).filter(|n| !n.is_empty());
        let name = |default: String| part_file_name(given.unwrap_or(&default));
        let main = match file {
            FileSource::Remote(text) => {
                params.insert(field.into(), Value::String(text));
                Vec::new()
            }
            FileSource::Bytes(b) => vec![FilePart {
                field: field.into(),
                file_name: name("file".into()),
                content: Upload::Bytes(b),
            }],
            FileSource::Path(p) => vec![FilePart {
                field: field.into(),
                file_name: name(file_name_of(&p)),
                content: Upload::Path(p),
            }],
        };
        self.send_params(token, method, &params, main)
    }

    /// A method call whose parameters may hold file values: multipart when they do, JSON
    /// otherwise.
    pub(super) fn send_params(
        &self,
        token: &str,
        method: &str,
        params: &Map<String, Value>,
        extra_files: Vec<FilePart>,
    ) -> Result<Value, Error> {
        match collect_files(params, extra_files)? {
            Some(mut form) => {
                form.limit = Some(self.upload_limit(method));
                form.check()?;
                self.request(token, method, Body::Upload(&form))
            }
            None => {
                let body = Value::Object(params.clone());
                self.request(token, method, Body::Json(&body))
            }
        }
    }

    /// getFile, then the file itself, into memory (DownloadTelegramFile).
    pub fn download_file(&self, token: &str, file_id: &str) -> Result<Vec<u8>, Error> {
        let mut out = Vec::new();
        self.download_into(token, file_id, &mut out)?;
        Ok(out)
    }

    /// getFile, then the file itself, written to `out`; returns the byte count. With a local
    /// Bot API server (`--local`), whose `file_path` is absolute, the file is read from disk.
    pub fn download_file_to(
        &self,
        token: &str,
        file_id: &str,
        out: &mut dyn Write,
    ) -> Result<u64, Error> {
        self.download_into(token, file_id, &mut Plain(out))
    }

    fn download_into<W: Sink>(
        &self,
        token: &str,
        file_id: &str,
        out: &mut W,
    ) -> Result<u64, Error> {
        check_token(token)?;
        let file_id = file_id.trim();
        if file_id.is_empty() {
            return Err(TransferError::EmptyFile.into());
        }
        let started = Instant::now();
        let body = serde_json::json!({ "file_id": file_id });
        let limit = if self.real_telegram {
            Limit::CloudDownload
        } else {
            Limit::LocalDownload
        };
        let info = self
            .request(token, "getFile", Body::Json(&body))
            .map_err(|e| match e {
                Error::Telegram {
                    code: 400,
                    description,
                    ..
                } if description.to_ascii_lowercase().contains("too big") => {
                    // Only Telegram's cloud refuses getFile for size (a local server has no
                    // limit), even when it is reached through a reverse proxy's address.
                    TransferError::TooLarge {
                        size: None,
                        limit: Limit::CloudDownload,
                    }
                    .into()
                }
                other => other,
            })?;
        let size = info.get("file_size").and_then(Value::as_u64);
        if let Some(size) = size.filter(|s| *s > limit.bytes()) {
            return Err(TransferError::TooLarge {
                size: Some(size),
                limit,
            }
            .into());
        }
        let file_path = info
            .get("file_path")
            .and_then(Value::as_str)
            .filter(|p| !p.is_empty())
            .ok_or(TransferError::NoFilePath)?;
        if !self.real_telegram && is_absolute(file_path) {
            let (mut file, size) = open_local_file(Path::new(file_path), limit)?;
            out.announce_len(size);
            return copy_bounded(&mut file, out, limit).map_err(|e| match e {
                CopyError::Read(source) | CopyError::Write(source) => TransferError::Unreadable {
                    path: clip(file_path),
                    source,
                }
                .into(),
                CopyError::TooLarge => TransferError::TooLarge { size: None, limit }.into(),
            });
        }
        let url = format!("{}/file/bot{}/{}", self.base, token, file_path);
        let shown = || format!("{}/file/bot{}:***/…", self.shown_base, bot_id(token));
        let left = self.timeout.saturating_sub(started.elapsed());
        if left.is_zero() {
            let f = Failure::new(FailureKind::Timeout, "no time left");
            return Err(self.file_network(token, shown(), f));
        }
        let mut response = self
            .client
            .get(&url)
            .timeout(left)
            .send()
            .map_err(|e| self.file_network(token, shown(), crate::net::http::failure(e)))?;
        let status = response.status().as_u16();
        if status != 200 {
            return Err(TransferError::DownloadStatus { status }.into());
        }
        if let Some(len) = response.content_length().filter(|l| *l > limit.bytes()) {
            return Err(TransferError::TooLarge {
                size: Some(len),
                limit,
            }
            .into());
        }
        if let Some(len) = response.content_length() {
            out.announce_len(len);
        }
        copy_bounded(&mut response, out, limit).map_err(|e| match e {
            CopyError::Read(source) => {
                let kind = if source.kind() == std::io::ErrorKind::TimedOut {
                    FailureKind::Timeout
                } else {
                    FailureKind::ConnectionReset
                };
                self.file_network(token, shown(), Failure::new(kind, source.to_string()))
            }
            CopyError::Write(source) => TransferError::Unreadable {
                path: "-".into(),
                source,
            }
            .into(),
            CopyError::TooLarge => TransferError::TooLarge { size: None, limit }.into(),
        })
    }

    fn file_network(&self, token: &str, url: String, f: Failure) -> Error {
        Error::Network {
            kind: f.kind,
            tls: f.tls,
            url,
            proxy: self.proxy.clone(),
            detail: self.token_secrets(token).scrub(&f.detail),
        }
    }
}

/// A `file_path` of a local Bot API server: `/var/lib/telegram-bot-api/…` or `C:\…`.
fn is_absolute(path: &str) -> bool {
    let b = path.as_bytes();
    path.starts_with('/') || (b.len() > 2 && b[0].is_ascii_alphabetic() && b[1] == b':')
}

/// Where a download goes: memory (sized once from Content-Length, so a 20 MB file is not
/// regrown and copied on the way) or any writer.
trait Sink: Write {
    fn announce_len(&mut self, _len: u64) {}
}

impl Sink for Vec<u8> {
    fn announce_len(&mut self, len: u64) {
        // Bounded by the caller's limit check before this is called, and only a hint: a
        // reservation the process cannot get (up to 2000 MB from a local Bot API server on a
        // 32-bit host) must not abort the 1C process, so a refusal is ignored and the copy
        // grows as it goes, still stopped at the limit.
        let _ = self.try_reserve_exact(usize::try_from(len).unwrap_or(0));
    }
}

struct Plain<'a>(&'a mut dyn Write);

impl Write for Plain<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

impl Sink for Plain<'_> {}

enum CopyError {
    Read(std::io::Error),
    Write(std::io::Error),
    TooLarge,
}

/// Copies at most `limit` bytes; more is an error rather than a cut file.
fn copy_bounded(from: &mut dyn Read, to: &mut dyn Write, limit: Limit) -> Result<u64, CopyError> {
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(CopyError::Read(e)),
        };
        total += n as u64;
        if total > limit.bytes() {
            return Err(CopyError::TooLarge);
        }
        to.write_all(&buf[..n]).map_err(CopyError::Write)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn text_sources_are_told_apart() {
        assert!(matches!(
            FileSource::from_text("https://example.com/a.pdf").unwrap(),
            FileSource::Remote(_)
        ));
        assert!(matches!(
            FileSource::from_text("BQACAgIAAxkBAAIB_x-9").unwrap(),
            FileSource::Remote(_)
        ));
        assert!(matches!(
            FileSource::from_text("отчёт за май.pdf").unwrap(),
            FileSource::Path(_)
        ));
        assert!(matches!(
            FileSource::from_text("C:\\data\\a.pdf").unwrap(),
            FileSource::Path(_)
        ));
        assert!(FileSource::from_text("  ").is_err());
    }

    #[test]
    fn names_stay_raw_utf8_and_types_follow_them() {
        assert_eq!(part_file_name("Счёт №5 от мая.pdf"), "Счёт №5 от мая.pdf");
        assert_eq!(part_file_name("a\"b\r\n.txt"), "a'b__.txt");
        assert_eq!(part_file_name(""), "file");
        assert_eq!(file_name_of("C:\\dir\\отчёт.xlsx"), "отчёт.xlsx");
    }

    #[test]
    fn nested_file_values_become_attach_parts_and_dangling_references_are_refused() {
        let params = obj(json!({
            "chat_id": 1,
            "media": [
                {"type": "document", "media": {"file_base64": "AAEC", "name": "a.bin"}},
                {"type": "document", "media": "attach://doc"}
            ],
            "doc": {"file_base64": "AA==", "name": "b.bin"}
        }));
        let form = collect_files(&params, Vec::new()).unwrap().unwrap();
        let fields: Vec<_> = form.files.iter().map(|f| f.field.as_str()).collect();
        assert!(
            fields.contains(&"doc") && fields.contains(&"file0"),
            "{fields:?}"
        );
        let media = &form.texts.iter().find(|(k, _)| k == "media").unwrap().1;
        assert!(media.contains("attach://file0"), "{media}");
        let dangling = obj(json!({"media": "[{\"media\":\"attach://nope\"}]",
                                  "x": {"file_base64": "AA=="}}));
        assert!(matches!(
            collect_files(&dangling, Vec::new()),
            Err(Error::Transfer(TransferError::AttachMissing { .. }))
        ));
        assert!(collect_files(&obj(json!({"text": "hi"})), Vec::new())
            .unwrap()
            .is_none());
        assert!(collect_files(&obj(json!({"x": {"file_base64": "!!"}})), Vec::new()).is_err());
    }

    /// The frames a [`FileBody`] yields, polled as the HTTP client polls it.
    fn frames(mut body: FileBody) -> Vec<Result<usize, String>> {
        use http_body::Body as _;
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        let mut out = Vec::new();
        while let std::task::Poll::Ready(Some(frame)) =
            std::pin::Pin::new(&mut body).poll_frame(&mut cx)
        {
            match frame {
                Ok(f) => out.push(Ok(f.into_data().map(|d| d.len()).unwrap_or(0))),
                Err(e) => {
                    out.push(Err(e.to_string()));
                    break;
                }
            }
        }
        out
    }

    #[test]
    fn a_path_is_sent_in_large_chunks_of_its_exact_length() {
        use http_body::Body as _;
        let dir = std::env::temp_dir().join(format!("tgfiles-chunks-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join("data");
        let len = 2 * FILE_CHUNK + 1000;
        std::fs::write(&path, vec![7u8; len]).unwrap();
        let body = FileBody::new(File::open(&path).unwrap(), len as u64);
        assert_eq!(body.size_hint().exact(), Some(len as u64));
        assert_eq!(
            frames(body),
            vec![Ok(FILE_CHUNK), Ok(FILE_CHUNK), Ok(1000)],
            "one read per 256 KiB, then the rest, then the end"
        );
        // A file cut after it was opened (and measured) ends the body with an error rather
        // than a request shorter than its Content-Length.
        let body = FileBody::new(File::open(&path).unwrap(), len as u64 + 10);
        let got = frames(body);
        assert_eq!(got.len(), 3, "{got:?}");
        assert!(
            matches!(&got[2], Err(e) if e.contains("shorter")),
            "{got:?}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_blocking_and_sizes_are_checked() {
        let dir = std::env::temp_dir().join(format!("tgfiles-fifo-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let fifo = dir.join("pipe");
        let _ = std::fs::remove_file(&fifo);
        let status = std::process::Command::new("mkfifo").arg(&fifo).status();
        if status.map(|s| s.success()).unwrap_or(false) {
            assert!(matches!(
                open_local_file(&fifo, Limit::CloudUpload),
                Err(TransferError::NotRegularFile {
                    what: NotAFile::Special,
                    ..
                })
            ));
        }
        assert!(matches!(
            open_local_file(&dir, Limit::CloudUpload),
            Err(TransferError::NotRegularFile {
                what: NotAFile::Directory,
                ..
            })
        ));
        let big = dir.join("big");
        let f = File::create(&big).unwrap();
        f.set_len(Limit::CloudPhoto.bytes() + 1).unwrap();
        assert!(matches!(
            open_local_file(&big, Limit::CloudPhoto),
            Err(TransferError::TooLarge { .. })
        ));
        assert!(open_local_file(&big, Limit::CloudUpload).is_ok());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
