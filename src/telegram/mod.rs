//! The Telegram Bot API: set, inspect, diagnose and delete the webhook, send messages, call any
//! method.
//!
//! Every call goes to `<base>/bot<token>/<method>` through the shared HTTP client
//! ([`crate::net::http`]) and returns the `result` of Telegram's envelope. Everything that can be
//! checked before a request is checked first (see [`webhook`]), so that a mistake is reported
//! with what to change instead of Telegram's terse text or a silent delivery failure.
//!
//! ```no_run
//! use messenger::net::NetSettings;
//! use messenger::telegram::{Api, WebhookOptions};
//! # fn main() -> Result<(), messenger::telegram::Error> {
//! let api = Api::new(&NetSettings::default(), "https://api.telegram.org")?;
//! let token = "123456:ABC-DEF";
//! api.set_webhook(token, "https://bot:pass@203.0.113.7:8443/base/hs/bot/update",
//!     Some("cert.pem"), &WebhookOptions::default())?;
//! api.send_message(token, "-1001234567890", "Привет", &Default::default())?;
//! # Ok(()) }
//! ```

mod certificate;
mod diagnose;
mod error;
mod files;
mod transfer_error;
mod updates;
pub mod webhook;

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::i18n::{clip, Lang};
use crate::net::http::{self, BodyError, FailureKind};
use crate::net::secrets::Secrets;
use crate::net::tls::Verification;
use crate::net::NetSettings;

pub use certificate::WebhookCertificate;
pub use diagnose::{Finding, Severity};
pub use error::{ApiUrlReason, CertificateReason, ChatIdReason, Credential, Error};
pub use files::FileSource;
pub use transfer_error::{Limit, TransferError};
pub use updates::UpdatesOptions;
pub use webhook::WebhookOptions;

/// The largest Bot API answer read (JSON; a getUpdates of 100 long messages is well under 1 MB).
pub const MAX_ANSWER: u64 = 8 * 1024 * 1024;

/// The most of a server's error description shown, in characters.
const MAX_DESCRIPTION: usize = 512;

/// Telegram's own API host: against it, webhook hosts must be public IPv4 addresses or names.
const TELEGRAM_HOST: &str = "api.telegram.org";

/// A Bot API client for one base URL and one set of network settings.
pub struct Api {
    client: reqwest::blocking::Client,
    /// For uploads, which go through the async client (see [`Api::upload`]).
    settings: NetSettings,
    base: String,
    shown_base: String,
    real_telegram: bool,
    timeout: Duration,
    proxy: Option<String>,
    /// The proxy's password (and its Basic form), scrubbed from every error.
    proxy_secrets: Secrets,
}

/// Checks a `TelegramApiUrl` value: http(s), a host, no query, fragment or bot token in it.
pub fn validate_api_url(text: &str) -> Result<(), Error> {
    parse_api_url(text).map(|_| ())
}

fn parse_api_url(text: &str) -> Result<(String, bool), Error> {
    let bad = |reason: ApiUrlReason| Error::InvalidApiUrl { reason };
    let text = text.trim();
    if text.is_empty() {
        return Err(bad(ApiUrlReason::Empty));
    }
    // Looked for before parsing, so that no message built from the parser's text can carry it.
    if text.contains("/bot") && text.contains(':') && contains_token_like(text) {
        return Err(bad(ApiUrlReason::HasToken));
    }
    let url = url::Url::parse(text)
        .map_err(|e| bad(ApiUrlReason::Url(crate::reason::UrlReason::of(e))))?;
    if url.scheme() != "https" && url.scheme() != "http" {
        return Err(bad(ApiUrlReason::Scheme));
    }
    let host = match url.host_str() {
        Some(h) if !h.is_empty() => h.to_ascii_lowercase(),
        _ => return Err(bad(ApiUrlReason::NoHost)),
    };
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad(ApiUrlReason::QueryOrFragment));
    }
    if url.port() == Some(0) {
        return Err(bad(ApiUrlReason::PortZero));
    }
    // A password in the base would be sent, logged and shown with every call.
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad(ApiUrlReason::Credentials));
    }
    let base = url.as_str().trim_end_matches('/').to_owned();
    let real = host.trim_end_matches('.') == TELEGRAM_HOST;
    Ok((base, real))
}

/// The base URL as messages show it: a reverse proxy's password in it replaced by `***`.
fn shown_base(base: &str) -> String {
    match url::Url::parse(base) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.as_str().trim_end_matches('/').to_owned()
        }
        _ => base.to_owned(),
    }
}

fn contains_token_like(text: &str) -> bool {
    text.split("/bot").skip(1).any(|rest| {
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        digits > 0 && rest[digits..].starts_with(':')
    })
}

/// Checks a bot token: `<digits>:<A-Za-z0-9_->`. Anything else could change the request path.
fn check_token(token: &str) -> Result<(), Error> {
    match token.split_once(':') {
        Some((id, secret))
            if !id.is_empty()
                && id.bytes().all(|b| b.is_ascii_digit())
                && !secret.is_empty()
                && secret
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') =>
        {
            Ok(())
        }
        _ => Err(Error::InvalidToken),
    }
}

/// The bot id part of a token (the part before the colon, not secret).
fn bot_id(token: &str) -> &str {
    token.split(':').next().unwrap_or_default()
}

/// The bot token among a call's secrets: its secret part in every form (so that the token
/// reads `123456:***`, the bot id kept for diagnosis), the whole token in base64, and any other
/// token-shaped text ([`mask_bot_tokens`]).
fn add_token(secrets: &mut Secrets, token: &str) {
    if let Some((_, secret)) = token.split_once(':') {
        secrets.add(secret);
    }
    if !token.is_empty() {
        secrets.add_base64_of(token.as_bytes());
    }
    secrets.add_shape(mask_bot_tokens);
}

/// `text` with the secret of every `bot<digits>:<secret>` replaced by `***`: a token the call
/// does not know by value (a proxy or a server quoting another bot's URL). A masked token stays
/// as it is.
fn mask_bot_tokens(text: &str) -> String {
    let mut result = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("bot") {
        let (head, tail) = rest.split_at(pos + 3);
        result.push_str(head);
        let digits = tail.chars().take_while(char::is_ascii_digit).count();
        let after = &tail[digits..];
        if digits > 0 && after.starts_with(':') && !after[1..].starts_with("***") {
            let secret_len = after[1..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                .count();
            result.push_str(&tail[..digits]);
            result.push_str(":***");
            rest = &after[1 + secret_len..];
        } else {
            rest = tail;
        }
    }
    result.push_str(rest);
    result
}

/// An error with every secret of the call taken out of the texts that came from outside.
fn scrub(err: Error, secrets: &Secrets) -> Error {
    match err {
        Error::Telegram {
            code,
            description,
            retry_after,
        } => Error::Telegram {
            code,
            description: secrets.scrub(&description),
            retry_after,
        },
        Error::BadResponse {
            url,
            status,
            excerpt,
        } => Error::BadResponse {
            url,
            status,
            excerpt: secrets.scrub(&excerpt),
        },
        Error::Network {
            kind,
            tls,
            url,
            proxy,
            detail,
        } => Error::Network {
            kind,
            tls,
            url,
            proxy,
            detail: secrets.scrub(&detail),
        },
        other => other,
    }
}

/// Telegram's answer envelope.
#[derive(Debug, Deserialize)]
struct Envelope {
    ok: bool,
    #[serde(default)]
    result: Option<Value>,
    #[serde(default)]
    error_code: Option<i64>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    parameters: Option<ResponseParameters>,
}

#[derive(Debug, Deserialize)]
struct ResponseParameters {
    #[serde(default)]
    retry_after: Option<u64>,
}

/// A chat as sendMessage wants it: a number for ids, a string for `@channelname`.
#[derive(Debug, Serialize, PartialEq)]
#[serde(untagged)]
pub enum ChatId {
    Id(i64),
    Username(String),
}

impl ChatId {
    /// Reads a chat id as 1C passes it (always a String).
    pub fn parse(text: &str) -> Result<ChatId, Error> {
        let t = text.trim();
        if t.is_empty() {
            return Err(Error::InvalidChatId {
                reason: ChatIdReason::Empty,
            });
        }
        if let Ok(n) = t.parse::<i64>() {
            return Ok(ChatId::Id(n));
        }
        if let Some(name) = t.strip_prefix('@') {
            if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Ok(ChatId::Username(t.to_owned()));
            }
        }
        let digits = t.strip_prefix('-').unwrap_or(t);
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::InvalidChatId {
                reason: ChatIdReason::TooLarge(clip(t)),
            });
        }
        // Строка(Число) in 1C groups digits with (non-breaking) spaces: the commonest slip.
        let digits_and_spaces = t.chars().all(|c| {
            c.is_ascii_digit() || c.is_whitespace() || c == '\u{a0}' || c == '-' || c == ','
        });
        if digits_and_spaces {
            return Err(Error::InvalidChatId {
                reason: ChatIdReason::GroupSeparators(clip(t)),
            });
        }
        Err(Error::InvalidChatId {
            reason: ChatIdReason::NeitherIntegerNorName(clip(t)),
        })
    }
}

/// sendMessage's body: the two required fields and whatever else the caller passes.
#[derive(Debug, Serialize)]
struct SendMessage<'a> {
    chat_id: ChatId,
    text: &'a str,
    #[serde(flatten)]
    extra: &'a Map<String, Value>,
}

/// deleteWebhook's body.
#[derive(Debug, Serialize)]
struct DeleteWebhook {
    drop_pending_updates: bool,
}

/// How a request's body is sent.
enum Body<'a> {
    None,
    Json(&'a Value),
    /// Multipart text parts plus an optional file part (name, file name, content).
    Multipart {
        parts: Vec<(String, String)>,
        file: Option<(&'static str, &'static str, String)>,
    },
    /// Text fields and file parts (uploads, file values in parameters), built per attempt.
    Upload(&'a files::UploadForm),
}

impl Api {
    /// A client for `api_base_url` (the `TelegramApiUrl` property) with the given settings.
    pub fn new(settings: &NetSettings, api_base_url: &str) -> Result<Api, Error> {
        let (base, real_telegram) = parse_api_url(api_base_url)?;
        let client = http::client(settings, Verification::Verify)?;
        Ok(Api {
            client,
            settings: settings.clone(),
            shown_base: shown_base(&base),
            base,
            real_telegram,
            timeout: settings.timeout,
            proxy: settings.proxy.as_ref().map(ToString::to_string),
            proxy_secrets: {
                let mut secrets = Secrets::new();
                if let Some(p) = &settings.proxy {
                    secrets.add_credentials(
                        p.username.as_deref().unwrap_or_default(),
                        p.password.as_deref().unwrap_or_default(),
                    );
                }
                secrets
            },
        })
    }

    /// Whether the base URL is Telegram's own (then webhook hosts must be public).
    pub fn is_real_telegram(&self) -> bool {
        self.real_telegram
    }

    /// setWebhook with an optional certificate (a `.pem`/`.cer` path or PEM text). Every check
    /// is made before the request; see [`webhook`].
    pub fn set_webhook(
        &self,
        token: &str,
        url: &str,
        certificate: Option<&str>,
        options: &WebhookOptions,
    ) -> Result<Value, Error> {
        check_token(token)?;
        let url = url.trim();
        let checked = webhook::check_url(url, self.real_telegram)?;
        options.validate(self.real_telegram)?;
        let cert = match certificate.map(str::trim).filter(|c| !c.is_empty()) {
            Some(source) => {
                let cert = WebhookCertificate::load(source)?;
                webhook::check_certificate(&cert, &checked)?;
                Some(cert)
            }
            None => None,
        };
        let parts = webhook::SetWebhookFields::new(url, options).parts();
        let file = cert.map(|c| ("certificate", "cert.pem", c.pem));
        self.request(token, "setWebhook", Body::Multipart { parts, file })
    }

    /// getWebhookInfo: Telegram's WebhookInfo.
    pub fn get_webhook_info(&self, token: &str) -> Result<Value, Error> {
        check_token(token)?;
        self.request(token, "getWebhookInfo", Body::None)
    }

    /// deleteWebhook.
    pub fn delete_webhook(&self, token: &str, drop_pending_updates: bool) -> Result<Value, Error> {
        check_token(token)?;
        let body = serde_json::to_value(DeleteWebhook {
            drop_pending_updates,
        })
        .unwrap_or_default();
        self.request(token, "deleteWebhook", Body::Json(&body))
    }

    /// getWebhookInfo plus `findings`: what each problem likely means and what to do, in `lang`.
    /// `certificate` (path or PEM), when given, adds the local certificate checks.
    pub fn check_webhook(
        &self,
        token: &str,
        certificate: Option<&str>,
        lang: Lang,
    ) -> Result<Value, Error> {
        self.check_webhook_named(token, certificate, lang, &crate::net::Plain)
    }

    /// [`Api::check_webhook`] with the calls the remedies send the reader to named by `names`
    /// (the add-in's methods, the command line's commands).
    pub fn check_webhook_named(
        &self,
        token: &str,
        certificate: Option<&str>,
        lang: Lang,
        names: &dyn crate::net::Names,
    ) -> Result<Value, Error> {
        check_token(token)?;
        let cert = match certificate.map(str::trim).filter(|c| !c.is_empty()) {
            Some(source) => Some(WebhookCertificate::load(source)?),
            None => None,
        };
        let info = self.get_webhook_info(token)?;
        let findings = diagnose::findings(&info, cert.as_ref(), certificate::now(), lang, names);
        let mut out = match info {
            Value::Object(map) => map,
            other => {
                let mut m = Map::new();
                m.insert("webhook_info".into(), other);
                m
            }
        };
        out.insert(
            "findings".into(),
            serde_json::to_value(findings).unwrap_or_default(),
        );
        Ok(Value::Object(out))
    }

    /// sendMessage to `chat_id` (an integer as text, or `@channelname`), with `extra` fields
    /// (`parse_mode`, `reply_markup`, ...) merged in.
    pub fn send_message(
        &self,
        token: &str,
        chat_id: &str,
        text: &str,
        extra: &Map<String, Value>,
    ) -> Result<Value, Error> {
        check_token(token)?;
        let chat_id = ChatId::parse(chat_id)?;
        if text.trim().is_empty() {
            return Err(Error::EmptyText);
        }
        for name in ["chat_id", "text"] {
            if extra.contains_key(name) {
                return Err(Error::ParameterConflict { name: name.into() });
            }
        }
        let body = serde_json::to_value(SendMessage {
            chat_id,
            text,
            extra,
        })
        .unwrap_or_default();
        self.request(token, "sendMessage", Body::Json(&body))
    }

    /// Any Bot API method with a JSON object of parameters. A parameter whose value is
    /// `{"file": "path"}` or `{"file_base64": "…", "name": "…"}` is uploaded as a file part,
    /// and `attach://name` references to such parts are checked.
    pub fn call(
        &self,
        token: &str,
        method: &str,
        params: &Map<String, Value>,
    ) -> Result<Value, Error> {
        check_token(token)?;
        let method = method.trim();
        if method.is_empty()
            || method.len() > 64
            || !method.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(Error::InvalidMethod {
                method: self
                    .token_secrets(token)
                    .scrub(method)
                    .chars()
                    .take(64)
                    .collect(),
            });
        }
        // File values ({"file": …}, {"file_base64": …}) make it a multipart upload.
        self.send_params(token, method, params, Vec::new())
    }

    /// The URL as errors show it: the token's secret replaced by `***`.
    fn shown_url(&self, token: &str, method: &str) -> String {
        format!("{}/bot{}:***/{}", self.shown_base, bot_id(token), method)
    }

    /// The secrets every call with this token knows: the token and the proxy's credentials.
    fn token_secrets(&self, token: &str) -> Secrets {
        let mut secrets = self.proxy_secrets.clone();
        add_token(&mut secrets, token);
        secrets
    }

    /// Every secret a request knows: the token, the proxy's credentials, and the request's own
    /// `secret_token` and webhook URL password.
    fn secrets(&self, token: &str, body: &Body<'_>) -> Secrets {
        let mut secrets = self.token_secrets(token);
        let mut field = |name: &str, value: &str| match name {
            "secret_token" => secrets.add(value),
            "url" => secrets.add_url(value),
            _ => {}
        };
        match body {
            Body::None => {}
            Body::Json(v) => {
                if let Some(map) = v.as_object() {
                    for (k, v) in map {
                        if let Some(text) = v.as_str() {
                            field(k, text);
                        }
                    }
                }
            }
            Body::Multipart { parts, .. } => {
                for (k, v) in parts {
                    field(k, v);
                }
            }
            Body::Upload(form) => {
                for (k, v) in form.texts() {
                    field(k, v);
                }
            }
        }
        secrets
    }

    /// One call, with the envelope handled once: `ok:false` → [`Error::Telegram`]; a 429 whose
    /// `retry_after` fits in what is left of the timeout is waited out and retried once. Texts
    /// that came from outside have every secret of the call scrubbed from them.
    fn request(&self, token: &str, method: &str, body: Body<'_>) -> Result<Value, Error> {
        let secrets = self.secrets(token, &body);
        self.exchange(token, method, body)
            .map_err(|e| scrub(e, &secrets))
    }

    fn exchange(&self, token: &str, method: &str, body: Body<'_>) -> Result<Value, Error> {
        let deadline = Instant::now() + self.timeout;
        let url = format!("{}/bot{}/{}", self.base, token, method);
        let mut retried = false;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                let f = http::Failure::new(FailureKind::Timeout, "no time left");
                return Err(self.network(token, method, f));
            }
            let (status, read) = match &body {
                Body::Upload(form) => self.upload(token, method, &url, left, form)?,
                _ => {
                    let response = self
                        .blocking_request(token, method, &url, left, &body)?
                        .send()
                        .map_err(|e| self.failure(token, method, e))?;
                    let status = response.status().as_u16();
                    (status, http::read_body(response, MAX_ANSWER))
                }
            };
            if status == 407 && self.proxy.is_some() {
                // The proxy's own answer (an http:// API URL goes through it as a plain
                // request): a proxy problem, and its page, which may quote our
                // Proxy-Authorization, is not shown.
                let f = http::Failure::new(
                    FailureKind::Proxy,
                    "HTTP 407 Proxy Authentication Required",
                );
                return Err(self.network(token, method, f));
            }
            let bytes = match read {
                Ok(bytes) => bytes,
                Err(BodyError::TooLarge { limit }) => {
                    return Err(Error::AnswerTooLarge {
                        url: self.shown_url(token, method),
                        limit,
                    })
                }
                Err(BodyError::Failed(f)) => return Err(self.network(token, method, f)),
            };
            let envelope: Envelope = match serde_json::from_slice(&bytes) {
                Ok(e) => e,
                Err(_) => {
                    let text: String = String::from_utf8_lossy(&bytes)
                        .chars()
                        .filter(|c| !c.is_control())
                        .take(200)
                        .collect();
                    return Err(Error::BadResponse {
                        url: self.shown_url(token, method),
                        status,
                        excerpt: text.trim().to_owned(),
                    });
                }
            };
            if envelope.ok {
                return envelope.result.ok_or_else(|| Error::BadResponse {
                    url: self.shown_url(token, method),
                    status,
                    excerpt: "ok:true without result".into(),
                });
            }
            let code = envelope.error_code.unwrap_or(i64::from(status));
            let retry_after = envelope.parameters.and_then(|p| p.retry_after);
            if code == 429 && !retried {
                if let Some(secs) = retry_after {
                    let wait = Duration::from_secs(secs);
                    // Only when the wait plus a little for the repeated request fits.
                    let left = deadline.saturating_duration_since(Instant::now());
                    if wait + Duration::from_millis(200) < left {
                        std::thread::sleep(wait);
                        retried = true;
                        continue;
                    }
                }
            }
            // Telegram's descriptions are a line; a server's may be anything.
            let description: String = envelope
                .description
                .as_deref()
                .unwrap_or("(no description)")
                .chars()
                .take(MAX_DESCRIPTION)
                .collect();
            return Err(Error::Telegram {
                code,
                description,
                retry_after,
            });
        }
    }

    /// A request of the blocking client: no body, JSON or the webhook's small multipart form.
    fn blocking_request(
        &self,
        token: &str,
        method: &str,
        url: &str,
        left: Duration,
        body: &Body<'_>,
    ) -> Result<reqwest::blocking::RequestBuilder, Error> {
        let req = self.client.post(url).timeout(left);
        Ok(match body {
            Body::None | Body::Upload(_) => req,
            Body::Json(v) => req.json(v),
            Body::Multipart { parts, file } => {
                let mut form = reqwest::blocking::multipart::Form::new();
                for (k, v) in parts {
                    form = form.text(k.clone(), v.clone());
                }
                if let Some((name, file_name, content)) = file {
                    let part = reqwest::blocking::multipart::Part::text(content.clone())
                        .file_name(*file_name)
                        .mime_str("application/octet-stream")
                        .map_err(|e| {
                            let f = http::Failure::new(FailureKind::Other, e.to_string());
                            self.network(token, method, f)
                        })?;
                    form = form.part(*name, part);
                }
                req.multipart(form)
            }
        })
    }

    /// An upload (a form with file parts) through the async client on a runtime of its own:
    /// the blocking client pumps a streamed body through 8 KiB chunks with a thread hand-over
    /// each, while here a path goes in 256 KiB reads and a BLOB as one chunk, each written as
    /// it is. Returns the status and the answer's body, read within the same limits.
    fn upload(
        &self,
        token: &str,
        method: &str,
        url: &str,
        left: Duration,
        form: &files::UploadForm,
    ) -> Result<(u16, Result<Vec<u8>, BodyError>), Error> {
        let form = form.build()?;
        let client = http::async_client(&self.settings, Verification::Verify)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| {
                let f = http::Failure::new(
                    FailureKind::Other,
                    format!("cannot start the upload runtime: {e}"),
                );
                self.network(token, method, f)
            })?;
        runtime.block_on(async {
            let response = client
                .post(url)
                .timeout(left)
                .multipart(form)
                .send()
                .await
                .map_err(|e| self.failure(token, method, e))?;
            let status = response.status().as_u16();
            Ok((status, http::read_body_async(response, MAX_ANSWER).await))
        })
    }

    fn failure(&self, token: &str, method: &str, err: reqwest::Error) -> Error {
        self.network(token, method, http::failure(err))
    }

    fn network(&self, token: &str, method: &str, f: http::Failure) -> Error {
        Error::Network {
            kind: f.kind,
            tls: f.tls,
            url: self.shown_url(token, method),
            proxy: self.proxy.clone(),
            detail: f.detail,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_redacted_everywhere() {
        let t = "123456:AAH-secret_X";
        let mut secrets = Secrets::new();
        add_token(&mut secrets, t);
        let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, t);
        assert_eq!(
            secrets.scrub(&format!("https://h/bot{t}/getMe and {t}, {b64}")),
            "https://h/bot123456:***/getMe and 123456:***, ***"
        );
        // Another bot's token, which the call does not know by value, by its shape.
        assert_eq!(secrets.scrub("x bot42:zzzz-y/"), "x bot42:***/");
        assert_eq!(secrets.scrub("robot and bot: fine"), "robot and bot: fine");
        let mut none = Secrets::new();
        add_token(&mut none, "");
        assert_eq!(none.scrub("x bot42:zzzz-y/"), "x bot42:***/");
    }

    #[test]
    fn token_shape() {
        assert!(check_token("123:abc_DEF-9").is_ok());
        for bad in [
            "",
            "123",
            ":abc",
            "12a:abc",
            "123:",
            "123:a/b",
            "123:a b",
            "bot123:abc",
        ] {
            assert!(check_token(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn chat_ids() {
        assert_eq!(
            ChatId::parse(" -1001234567890 ").unwrap(),
            ChatId::Id(-1001234567890)
        );
        assert_eq!(
            ChatId::parse("@my_channel").unwrap(),
            ChatId::Username("@my_channel".into())
        );
        assert!(ChatId::parse("1\u{a0}234\u{a0}567").is_err());
        assert!(ChatId::parse("@").is_err());
        assert!(ChatId::parse("").is_err());
        // More than i64 holds: not an id Telegram has, refused rather than sent as text.
        assert!(ChatId::parse("99999999999999999999").is_err());
        let body = serde_json::to_value(SendMessage {
            chat_id: ChatId::Id(-5),
            text: "hi",
            extra: &serde_json::from_str(r#"{"parse_mode":"HTML"}"#).unwrap(),
        })
        .unwrap();
        assert_eq!(
            body,
            serde_json::json!({"chat_id": -5, "text": "hi", "parse_mode": "HTML"})
        );
    }

    #[test]
    fn api_urls() {
        assert_eq!(
            parse_api_url("https://api.telegram.org/").unwrap(),
            ("https://api.telegram.org".to_owned(), true)
        );
        assert_eq!(
            parse_api_url("http://127.0.0.1:8081").unwrap(),
            ("http://127.0.0.1:8081".to_owned(), false)
        );
        assert!(parse_api_url("https://api.telegram.org/bot123:SECRET").is_err());
        let e = parse_api_url("https://api.telegram.org/bot123:SECRET/").unwrap_err();
        assert!(!e.to_string().contains("SECRET"));
        assert!(parse_api_url("ftp://x").is_err());
        assert!(parse_api_url("").is_err());
        assert!(parse_api_url("https://x/?a=1").is_err());
        assert_eq!(
            shown_base("https://tg:ProxyPw@proxy.local/tg"),
            "https://tg:***@proxy.local/tg"
        );
    }
}
