//! XMPP (jabber): one message over TCP (STARTTLS or direct TLS) or BOSH, with SCRAM-SHA-256,
//! SCRAM-SHA-1, DIGEST-MD5 or PLAIN done by the RFCs, so that what the XMPP article could not
//! do (Cyrillic text, a real random cnonce, single-line base64, parallel senders) just works.
//!
//! [`send_message`] is the whole of `SendXmpp`. The pieces it is built from ([`transport`],
//! [`login`], [`sasl`]) are public for the persistent session that reuses them.

pub mod conditions;
pub mod jid;
pub mod ledger;
pub mod login;
pub mod muc;
pub mod outgoing;
pub mod roster;
pub mod sasl;
pub mod session;
pub mod stanza;
pub mod transport;
pub mod upload;
mod worker;
pub mod xml;

use std::fmt;
use std::time::Instant;

use crate::i18n::{clip, Lang, Localized};
use crate::net::http::FailureKind;
use crate::net::NetSettings;
use conditions::server_said;

pub use conditions::{BoshCondition, SaslCondition, StanzaCondition, StreamCondition};
pub use jid::Jid;
pub use login::{Login, LoginOptions};
pub use transport::tcp::TlsMode;

pub const NS_CLIENT: &str = "jabber:client";
pub const NS_STREAM: &str = "http://etherx.jabber.org/streams";
pub const NS_STREAMS_ERR: &str = "urn:ietf:params:xml:ns:xmpp-streams";
pub const NS_TLS: &str = "urn:ietf:params:xml:ns:xmpp-tls";
pub const NS_SASL: &str = "urn:ietf:params:xml:ns:xmpp-sasl";
pub const NS_BIND: &str = "urn:ietf:params:xml:ns:xmpp-bind";
pub const NS_SESSION: &str = "urn:ietf:params:xml:ns:xmpp-session";
pub const NS_STANZAS: &str = "urn:ietf:params:xml:ns:xmpp-stanzas";
pub const NS_PING: &str = "urn:xmpp:ping";
pub const NS_MUC: &str = "http://jabber.org/protocol/muc";

/// `Параметры` of SendXmpp (docs/en/reference.md, XMPP); every field optional.
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendOptions {
    /// BOSH endpoint (`http(s)://host:port/http-bind`); when given, BOSH is used instead of TCP.
    pub bosh_url: Option<String>,
    /// `host[:port]` to connect to instead of the JID's domain on 5222.
    pub server: Option<String>,
    /// `starttls` (default), `direct` (XMPP over TLS, XEP-0368) or `none`.
    pub tls: Option<String>,
    /// Mechanisms allowed, in order of preference (default: strongest first).
    pub mechanisms: Option<Vec<String>>,
    /// The resource to bind; default `messenger-<random>` so that parallel senders never collide.
    pub resource: Option<String>,
    /// `chat` (default), `normal`, `headline` or `groupchat`.
    #[serde(rename = "type")]
    pub r#type: Option<String>,
    pub subject: Option<String>,
    /// Presence status text; presence is sent only when this is given.
    pub status: Option<String>,
    pub priority: Option<i8>,
    /// Nickname in the room for `groupchat` (default: the JID's localpart).
    pub nick: Option<String>,
    /// Allows PLAIN over an unencrypted connection: the password then crosses the network readable.
    pub allow_plain_without_tls: Option<bool>,
    /// Accepts any server certificate: anyone on the path can read and change the traffic.
    pub danger_accept_invalid_certificates: Option<bool>,
    /// Session only: rooms joined on connect and after every reconnection ([`muc`]).
    pub rooms: Option<Vec<muc::RoomOption>>,
    /// Session only: `accept`, `reject` or `ask` ([`roster::Policy`]).
    pub subscriptions: Option<String>,
    /// Session only: contacts' presence changes queued for the receiver too, not only
    /// announced as events.
    pub presence_updates: Option<bool>,
}

/// The JSON result of SendXmpp, exactly as docs/en/reference.md lists it.
#[derive(Debug, Clone, serde::Serialize, PartialEq, Eq)]
pub struct SendResult {
    /// The message's `id` attribute.
    pub id: String,
    /// The full JID the server bound.
    pub jid: String,
    /// `tcp`, `tls` or `bosh`.
    pub transport: String,
    /// The SASL mechanism used.
    pub mechanism: String,
    /// True when the server answered an iq sent after the message (so it processed it).
    pub acked: bool,
}

/// What is wrong with an option's value (the option is named beside it).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum OptionReason {
    /// `type` is not chat, normal, headline or groupchat.
    MessageType,
    /// `id`, `resource`: empty or with control characters.
    EmptyOrControl,
    /// `nick`: not usable as a resource of the room's JID.
    NotAResource,
    /// `tls` is not starttls, direct or none.
    TlsMode,
    /// `mechanisms` names one we do not have (the name, cut).
    UnknownMechanism(String),
    /// `mechanisms` is an empty list.
    EmptyList,
    /// `bosh_url` is not an http(s) URL.
    HttpUrl,
    /// `server` is not host or host:port.
    HostPort,
    /// `subscriptions` is not accept, reject or ask.
    SubscriptionPolicy,
    /// XmppSend's `subscription` is not approve or deny.
    ApproveOrDeny,
    /// A session's option given to the one-shot send.
    SessionOnly,
}

impl OptionReason {
    pub fn text(&self, lang: Lang) -> String {
        use OptionReason::*;
        let fixed = match (self, lang) {
            (MessageType, Lang::En) => "expected chat, normal, headline or groupchat",
            (MessageType, Lang::Ru) => "ожидается chat, normal, headline или groupchat",
            (EmptyOrControl, Lang::En) => "empty or with control characters",
            (EmptyOrControl, Lang::Ru) => "пусто или с управляющими символами",
            (NotAResource, Lang::En) => "not usable as a resource",
            (NotAResource, Lang::Ru) => "не годится как ресурс JID",
            (TlsMode, Lang::En) => "expected starttls, direct or none",
            (TlsMode, Lang::Ru) => "ожидается starttls, direct или none",
            (UnknownMechanism(m), Lang::En) => {
                return format!(
                    "{m} is not supported (supported: {})",
                    sasl::SUPPORTED.join(", ")
                )
            }
            (UnknownMechanism(m), Lang::Ru) => {
                return format!(
                    "{m} не поддерживается (поддерживаются: {})",
                    sasl::SUPPORTED.join(", ")
                )
            }
            (EmptyList, Lang::En) => "the list is empty",
            (EmptyList, Lang::Ru) => "список пуст",
            (HttpUrl, Lang::En) => "expected an http:// or https:// URL",
            (HttpUrl, Lang::Ru) => "ожидается адрес http:// или https://",
            (HostPort, Lang::En) => "expected host or host:port",
            (HostPort, Lang::Ru) => "ожидается хост или хост:порт",
            (SubscriptionPolicy, Lang::En) => "expected accept, reject or ask",
            (SubscriptionPolicy, Lang::Ru) => "ожидается accept, reject или ask",
            (ApproveOrDeny, Lang::En) => "expected approve or deny",
            (ApproveOrDeny, Lang::Ru) => "ожидается approve или deny",
            (SessionOnly, Lang::En) => "only for a session, not for a one-shot send",
            (SessionOnly, Lang::Ru) => "только для сеанса, не для разовой отправки",
        };
        fixed.to_owned()
    }
}

/// Why SendXmpp failed. Never contains the password.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A JID (the account's, the recipient's, a room's) is not a valid JID.
    InvalidJid { which: JidRole },
    /// An option has a value we do not know (`name`: the option).
    InvalidOption {
        name: &'static str,
        reason: OptionReason,
    },
    /// The network settings (proxy, trusted certificates) could not be used.
    Settings(crate::net::Error),
    /// An `https://` proxy is set: the TCP transport cannot go through one (use BOSH, or an
    /// `http://` / `socks5://` proxy).
    ProxyNeedsBosh,
    /// The proxy could not be reached, refused the credentials or would not connect onwards.
    Proxy(crate::net::tunnel::ProxyError),
    /// Connecting, reading or writing failed, or the timeout ran out. `step` says what we were
    /// doing (in both languages); `detail` is the system's or the HTTP client's (English) text,
    /// shown in the English rendering only (empty when there is none).
    Network {
        kind: FailureKind,
        step: NetworkStep,
        detail: String,
    },
    /// The TLS handshake failed: `reason` says why (an untrusted, expired or mismatched
    /// certificate, a refused handshake, a port that does not speak TLS…). `detail` is the TLS
    /// library's (English) text, shown in the English rendering only.
    Tls {
        reason: crate::net::TlsReason,
        detail: String,
    },
    /// `tls` is `starttls` but the server does not offer STARTTLS.
    TlsNotOffered,
    /// The server broke the protocol (unexpected or malformed XML): `reason` says how.
    Protocol { reason: ProtocolReason },
    /// The server sent a stanza (or BOSH response) larger than we buffer.
    StanzaTooLarge { limit: usize },
    /// The server ended the stream with `<stream:error>`: its condition and its own `<text>`
    /// (as sent; quoted and cut when shown).
    StreamError {
        condition: StreamCondition,
        text: String,
    },
    /// The BOSH connection manager ended the session (`type='terminate'`, a binding error or
    /// an HTTP status other than 200).
    BoshTerminated { condition: BoshCondition },
    /// The stream ended before we were done.
    Closed,
    /// No mechanism both sides accept (`offered`: what the server offered).
    NoMechanism {
        offered: Vec<String>,
        plain_refused: bool,
    },
    /// The server refused the login (`condition`: not-authorized, account-disabled, ...;
    /// `text`: the server's own words, as sent, quoted and cut when shown).
    Auth {
        mechanism: String,
        condition: SaslCondition,
        text: String,
    },
    /// The server could not prove it knows the password (SCRAM signature / DIGEST-MD5 rspauth
    /// wrong or missing), or its SASL messages broke the mechanism's rules.
    ServerNotAuthenticated {
        mechanism: String,
        reason: SaslReason,
    },
    /// The server refused a stanza (bind, session, presence, the message itself); `text` is
    /// the server's own words, as sent, quoted and cut when shown.
    StanzaError {
        stanza: StanzaKind,
        condition: StanzaCondition,
        text: String,
    },
    /// XmppSend / XmppReceive without a live session.
    NotConnected,
    /// The connection broke after the message was written, and the server could not resume the
    /// session: whether the message arrived is unknown.
    NotDelivered,
    /// A message of `size` bytes is larger than the server accepts: `limit` when the server
    /// announced it (XEP-0478; the message was not sent), `None` when the server closed the
    /// stream on receiving it (it is not sent again).
    MessageTooLarge { size: usize, limit: Option<usize> },
    /// XmppSendStatus was asked about an id that no message of this session had, or whose
    /// fate was reported long ago and forgotten (the memory for reported fates is bounded).
    UnknownMessageId,
    /// A file could not be sent (HTTP File Upload): see [`upload::UploadError`].
    Upload(upload::UploadError),
    /// A room of the `rooms` option could not be joined on connect (or, in an item of the
    /// queue, rejoined later).
    Room(muc::RoomError),
    /// An entry of the `rooms` option is wrong.
    RoomOption(muc::OptionError),
}

/// Why one message of a session failed: what its sender and XmppSendStatus are told.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SendFailure {
    /// Written, not counted by the server, and the session could not be resumed.
    NotDelivered,
    /// The session ended (a disconnect, a permanent failure) before the message was written.
    NotConnected,
    /// The server refused it with a stanza error.
    Refused {
        condition: StanzaCondition,
        text: String,
    },
    /// Larger than the server accepts (see [`Error::MessageTooLarge`]).
    TooLarge { size: usize, limit: Option<usize> },
}

impl From<SendFailure> for Error {
    fn from(f: SendFailure) -> Error {
        match f {
            SendFailure::NotDelivered => Error::NotDelivered,
            SendFailure::NotConnected => Error::NotConnected,
            SendFailure::Refused { condition, text } => Error::StanzaError {
                stanza: StanzaKind::Message,
                condition,
                text,
            },
            SendFailure::TooLarge { size, limit } => Error::MessageTooLarge { size, limit },
        }
    }
}

impl Error {
    /// Errors that another attempt with the same settings cannot cure (wrong password, no
    /// common mechanism, a server that failed to authenticate itself): the session stops
    /// reconnecting after them.
    pub fn is_permanent(&self) -> bool {
        match self {
            // RFC 6120 §6.5.11: a fault on the server's side; trying again later is advised.
            Error::Auth {
                condition: SaslCondition::TemporaryAuthFailure,
                ..
            } => false,
            _ => matches!(
                self,
                Error::InvalidJid { .. }
                    | Error::InvalidOption { .. }
                    | Error::Settings(_)
                    | Error::ProxyNeedsBosh
                    | Error::NoMechanism { .. }
                    | Error::Auth { .. }
                    | Error::ServerNotAuthenticated { .. }
                    | Error::RoomOption(_)
            ),
        }
    }
}

/// What we were doing when the network failed ([`Error::Network`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NetworkStep {
    /// Reading or writing on the connection (the system's text says more, in English).
    Exchange,
    /// Resolving the server's name (`host`, cut).
    Resolve { host: String },
    /// Reaching `target` (`host:port`, cut); `stage` says how far it got.
    Connect {
        stage: crate::net::tunnel::Stage,
        target: String,
    },
    /// The TLS handshake.
    TlsHandshake,
    /// A BOSH request (HTTP).
    Bosh,
    /// The session's server has been silent `seconds` seconds, our ping included.
    Silence { seconds: u64 },
    /// Starting the session's thread or its BOSH runtime (`detail`: the system's words).
    StartThread,
    /// Waiting for the server's answer to a request of ours.
    Answer,
}

impl NetworkStep {
    /// The step in words, after the failure's kind; empty for [`NetworkStep::Exchange`].
    pub fn text(&self, lang: Lang) -> String {
        use NetworkStep::*;
        match (self, lang) {
            (Exchange, _) => String::new(),
            (Resolve { host }, Lang::En) => format!(" while resolving {}", clip(host)),
            (Resolve { host }, Lang::Ru) => format!(" при поиске имени {}", clip(host)),
            (Connect { stage, target }, _) => {
                let (when, to) = match lang {
                    Lang::En => ("while", "for"),
                    Lang::Ru => ("при", "к"),
                };
                format!(" {when} {} ({to} {})", stage.text(lang), clip(target))
            }
            (TlsHandshake, Lang::En) => " during the TLS handshake".into(),
            (TlsHandshake, Lang::Ru) => " при установке TLS".into(),
            (Bosh, Lang::En) => " in a BOSH request".into(),
            (Bosh, Lang::Ru) => " в запросе BOSH".into(),
            (Silence { seconds }, Lang::En) => {
                format!(": the server has not answered for {seconds} s, a ping included")
            }
            (Silence { seconds }, Lang::Ru) => {
                format!(": сервер не отвечает {seconds} с, в том числе на проверку связи")
            }
            (StartThread, Lang::En) => " while starting the session's thread".into(),
            (StartThread, Lang::Ru) => " при запуске потока сеанса".into(),
            (Answer, Lang::En) => " waiting for the server's answer".into(),
            (Answer, Lang::Ru) => " в ожидании ответа сервера".into(),
        }
    }
}

/// How the server broke the protocol ([`Error::Protocol`]). Element names the server sent are
/// cut ([`crate::i18n::clip`]); the XML parser's own (English) text is shown in English only.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProtocolReason {
    /// The server answered `<starttls/>` with something other than `<proceed/>`.
    StartTlsRefused { got: String },
    /// A new stream began with something other than `<stream:features/>`.
    NoFeatures { got: String },
    /// During the SASL exchange the server sent an element SASL does not have.
    UnexpectedInSasl { got: String },
    /// The SASL data of a challenge or of success is not base64.
    SaslNotBase64,
    /// The server kept challenging past our bound of SASL rounds.
    TooManyChallenges,
    /// The server's bytes are not well-formed XML (`parser`: the parser's text, cut).
    MalformedXml { parser: String },
    /// The BOSH session creation response has no `sid`.
    BoshNoSid,
    /// The BOSH connection manager answered empty bodies, round after round.
    BoshEmpty,
    /// A BOSH response is not well-formed XML (`parser`: the parser's text, cut).
    BoshMalformed { parser: String },
    /// A BOSH response ended before its `<body/>` did.
    BoshTruncated,
    /// A BOSH response's root element is not `<body/>`.
    BoshNotBody { got: String },
    /// Stream management (XEP-0198): the server resumed counting `h` stanzas of ours, but we
    /// sent only `sent`.
    ResumedBeyondSent { h: u32, sent: u32 },
    /// Stream management: the server acknowledged `h` stanzas, but we sent only `sent`.
    AckedBeyondSent { h: u32, sent: u32 },
    /// Stream management: an `<a/>` without a valid count `h`.
    BadAck,
    /// Our own state went wrong (TLS asked for twice, the connection still shared when split):
    /// a defect on our side, reported rather than panicking.
    Internal,
}

impl ProtocolReason {
    pub fn text(&self, lang: Lang) -> String {
        use ProtocolReason::*;
        let el = |name: &str| format!("<{}>", crate::i18n::clip(name));
        match (self, lang) {
            (StartTlsRefused { got }, Lang::En) => {
                format!("STARTTLS refused (the server answered {})", el(got))
            }
            (StartTlsRefused { got }, Lang::Ru) => {
                format!("STARTTLS отклонён (сервер ответил {})", el(got))
            }
            (NoFeatures { got }, Lang::En) => {
                format!("expected <stream:features>, got {}", el(got))
            }
            (NoFeatures { got }, Lang::Ru) => {
                format!("ожидался элемент <stream:features>, пришёл {}", el(got))
            }
            (UnexpectedInSasl { got }, Lang::En) => {
                format!("unexpected {} during the SASL login", el(got))
            }
            (UnexpectedInSasl { got }, Lang::Ru) => {
                format!("неожиданный элемент {} во время входа по SASL", el(got))
            }
            (SaslNotBase64, Lang::En) => "the SASL data is not base64".into(),
            (SaslNotBase64, Lang::Ru) => "данные SASL не в кодировке base64".into(),
            (TooManyChallenges, Lang::En) => "too many SASL challenges".into(),
            (TooManyChallenges, Lang::Ru) => "слишком много запросов SASL от сервера".into(),
            (MalformedXml { parser }, Lang::En) => format!(
                "malformed XML from the server: {}",
                crate::i18n::clip(parser)
            ),
            // The parser's text is English: said in English only.
            (MalformedXml { .. }, Lang::Ru) => "сервер прислал неправильный XML".into(),
            (BoshNoSid, Lang::En) => "the BOSH session was created without a sid".into(),
            (BoshNoSid, Lang::Ru) => "сервер BOSH создал сессию без идентификатора (sid)".into(),
            (BoshEmpty, Lang::En) => "the BOSH server keeps answering empty".into(),
            (BoshEmpty, Lang::Ru) => "сервер BOSH раз за разом отвечает пустым телом".into(),
            (BoshMalformed { parser }, Lang::En) => {
                format!("malformed BOSH response: {}", crate::i18n::clip(parser))
            }
            (BoshMalformed { .. }, Lang::Ru) => "ответ BOSH не является правильным XML".into(),
            (BoshTruncated, Lang::En) => "truncated BOSH response".into(),
            (BoshTruncated, Lang::Ru) => "ответ BOSH оборван".into(),
            (BoshNotBody { got }, Lang::En) => {
                format!("the BOSH response is {}, not <body>", el(got))
            }
            (BoshNotBody { got }, Lang::Ru) => {
                format!("ответ BOSH — элемент {}, а не <body>", el(got))
            }
            (ResumedBeyondSent { h, sent }, Lang::En) => {
                format!("the server resumed with h={h} but we sent only {sent} stanzas")
            }
            (ResumedBeyondSent { h, sent }, Lang::Ru) => format!(
                "сервер восстановил сеанс со счётчиком h={h}, а отправлено только {sent} \
                 станз"
            ),
            (AckedBeyondSent { h, sent }, Lang::En) => {
                format!("the server acknowledged {h} stanzas but we sent only {sent}")
            }
            (AckedBeyondSent { h, sent }, Lang::Ru) => {
                format!("сервер подтвердил {h} станз, а отправлено только {sent}")
            }
            (BadAck, Lang::En) => "a stream management <a> without a valid count \"h\"".into(),
            (BadAck, Lang::Ru) => {
                "подтверждение <a> управления потоком без правильного счётчика \"h\"".into()
            }
            (Internal, Lang::En) => "internal state error of the connection".into(),
            (Internal, Lang::Ru) => "внутренняя ошибка состояния соединения".into(),
        }
    }
}

/// A SASL message of the server, as [`SaslReason::NotUtf8`] names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SaslMessage {
    /// SCRAM's server-first message.
    ServerFirst,
    /// SCRAM's server-final message.
    ServerFinal,
    /// A DIGEST-MD5 challenge.
    Challenge,
}

/// Why the server's SASL messages failed the mechanism ([`Error::ServerNotAuthenticated`]).
/// `&'static str` fields are the mechanism's attribute names (`v`, `r`, `rspauth`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SaslReason {
    /// A message of the server is not UTF-8.
    NotUtf8(SaslMessage),
    /// SCRAM server-final carries `e=`: an error instead of the server's proof.
    ServerFinalError,
    /// An attribute the mechanism requires is absent.
    Missing(&'static str),
    /// An attribute that must be base64 is not.
    NotBase64(&'static str),
    /// An attribute that must be a number is not.
    NotANumber(&'static str),
    /// SCRAM's iteration count is beyond what we compute (or zero).
    IterationsOutOfRange,
    /// SCRAM's `m=`: a mandatory extension we do not know.
    MandatoryExtension,
    /// SCRAM's server nonce does not begin with ours.
    NonceNotExtended,
    /// The server's proof (SCRAM signature, DIGEST-MD5 `rspauth`) is wrong.
    WrongProof,
    /// Success came without the server's proof.
    NoProof,
    /// The server challenged PLAIN, which has no challenges.
    PlainChallenge,
    /// A DIGEST-MD5 challenge has a key without a value.
    KeyWithoutValue,
    /// A DIGEST-MD5 challenge has a quoted value that never ends.
    UnterminatedQuote,
    /// DIGEST-MD5's `algorithm` is not `md5-sess`.
    NotMd5Sess,
    /// DIGEST-MD5's `qop` does not offer `auth`.
    NoQopAuth,
}

impl SaslReason {
    pub fn text(&self, lang: Lang) -> String {
        use SaslReason::*;
        let message = |m: &SaslMessage| match (m, lang) {
            (SaslMessage::ServerFirst, Lang::En) => "the server's first message",
            (SaslMessage::ServerFirst, Lang::Ru) => "первое сообщение сервера",
            (SaslMessage::ServerFinal, Lang::En) => "the server's final message",
            (SaslMessage::ServerFinal, Lang::Ru) => "последнее сообщение сервера",
            (SaslMessage::Challenge, Lang::En) => "the challenge",
            (SaslMessage::Challenge, Lang::Ru) => "запрос сервера",
        };
        match (self, lang) {
            (NotUtf8(m), Lang::En) => format!("{} is not UTF-8", message(m)),
            (NotUtf8(m), Lang::Ru) => format!("{} не в кодировке UTF-8", message(m)),
            (ServerFinalError, Lang::En) => {
                "the server's final message reports an error (e=)".into()
            }
            (ServerFinalError, Lang::Ru) => {
                "последнее сообщение сервера сообщает об ошибке (e=)".into()
            }
            (Missing(a), Lang::En) => format!("no \"{a}\" in the server's message"),
            (Missing(a), Lang::Ru) => format!("в сообщении сервера нет \"{a}\""),
            (NotBase64(a), Lang::En) => format!("\"{a}\" is not base64"),
            (NotBase64(a), Lang::Ru) => format!("\"{a}\" не в кодировке base64"),
            (NotANumber(a), Lang::En) => format!("\"{a}\" is not a number"),
            (NotANumber(a), Lang::Ru) => format!("\"{a}\" не число"),
            (IterationsOutOfRange, Lang::En) => "the iteration count is out of range".into(),
            (IterationsOutOfRange, Lang::Ru) => "число итераций вне допустимых пределов".into(),
            (MandatoryExtension, Lang::En) => "an unsupported mandatory extension (m=)".into(),
            (MandatoryExtension, Lang::Ru) => {
                "неподдерживаемое обязательное расширение (m=)".into()
            }
            (NonceNotExtended, Lang::En) => "the server's nonce does not extend ours".into(),
            (NonceNotExtended, Lang::Ru) => "одноразовое число сервера не продолжает наше".into(),
            (WrongProof, Lang::En) => "its proof is wrong".into(),
            (WrongProof, Lang::Ru) => "его подтверждение неверно".into(),
            (NoProof, Lang::En) => "success came without its proof".into(),
            (NoProof, Lang::Ru) => "успех пришёл без его подтверждения".into(),
            (PlainChallenge, Lang::En) => "PLAIN has no challenges, yet one came".into(),
            (PlainChallenge, Lang::Ru) => "у PLAIN не бывает запросов сервера, а он пришёл".into(),
            (KeyWithoutValue, Lang::En) => "a key without a value in the challenge".into(),
            (KeyWithoutValue, Lang::Ru) => "ключ без значения в запросе сервера".into(),
            (UnterminatedQuote, Lang::En) => "an unterminated quoted value in the challenge".into(),
            (UnterminatedQuote, Lang::Ru) => "незакрытая кавычка в запросе сервера".into(),
            (NotMd5Sess, Lang::En) => "the algorithm is not \"md5-sess\"".into(),
            (NotMd5Sess, Lang::Ru) => "алгоритм не \"md5-sess\"".into(),
            (NoQopAuth, Lang::En) => "the server does not offer \"qop=auth\"".into(),
            (NoQopAuth, Lang::Ru) => "сервер не предлагает \"qop=auth\"".into(),
        }
    }
}

/// Which JID an [`Error::InvalidJid`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum JidRole {
    /// The account's own JID (the one that logs in).
    Account,
    /// The recipient of a message or a file, a roster contact.
    Recipient,
    /// A multi-user chat room.
    Room,
}

/// Which of our stanzas an [`Error::StanzaError`] says the server refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StanzaKind {
    /// A message (or a file's message).
    Message,
    /// The resource binding after login.
    Bind,
    /// The legacy session establishment after login.
    Session,
    /// Our presence.
    Presence,
}

/// The JID an [`Error::InvalidJid`] is about, in words.
fn jid_role(which: JidRole, lang: Lang) -> &'static str {
    match (which, lang) {
        (JidRole::Account, _) => "JID",
        (JidRole::Recipient, Lang::En) => "recipient",
        (JidRole::Recipient, Lang::Ru) => "получатель",
        (JidRole::Room, Lang::En) => "room",
        (JidRole::Room, Lang::Ru) => "комната",
    }
}

/// The stanza an [`Error::StanzaError`] is about, in words.
fn stanza_name(stanza: StanzaKind, lang: Lang) -> &'static str {
    match (stanza, lang) {
        (StanzaKind::Message, Lang::En) => "message",
        (StanzaKind::Message, Lang::Ru) => "сообщение",
        (StanzaKind::Bind, Lang::En) => "bind",
        (StanzaKind::Bind, Lang::Ru) => "привязку ресурса",
        (StanzaKind::Session, Lang::En) => "session",
        (StanzaKind::Session, Lang::Ru) => "открытие сессии",
        (StanzaKind::Presence, Lang::En) => "presence",
        (StanzaKind::Presence, Lang::Ru) => "присутствие",
    }
}

/// What helps after a failed TLS handshake. XMPP checks the certificate against the JID's
/// domain (RFC 6120 §13.7.2.1), not against the `server` option, which only says where to
/// connect: a name mismatch is cured there, not by the address.
fn tls_remedy(reason: &crate::net::TlsReason, lang: Lang) -> &'static str {
    match (reason, lang) {
        (crate::net::TlsReason::WrongName { .. }, Lang::En) => {
            "the certificate must be issued for the domain of the JID (the part after @); the \
             \"server\" option only says where to connect"
        }
        (crate::net::TlsReason::WrongName { .. }, Lang::Ru) => {
            "сертификат должен быть выдан на домен JID (часть после @); параметр \
             \"server\" указывает только, куда подключаться"
        }
        _ => reason.remedy(lang),
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Settings(e) => Some(e),
            Error::Proxy(e) => Some(e),
            Error::Upload(e) => Some(e),
            Error::Room(e) => Some(e),
            Error::RoomOption(e) => Some(e),
            _ => None,
        }
    }
}

impl Localized for Error {
    fn code(&self) -> &'static str {
        match self {
            Error::InvalidJid { .. } => "XMPP_INVALID_JID",
            Error::InvalidOption { .. } => "XMPP_INVALID_OPTION",
            Error::Settings(_) => "XMPP_SETTINGS",
            Error::ProxyNeedsBosh => "XMPP_PROXY_NEEDS_BOSH",
            Error::Proxy(_) => "XMPP_PROXY",
            Error::Network {
                kind: FailureKind::Timeout,
                ..
            } => "XMPP_TIMEOUT",
            Error::Network { .. } => "XMPP_NETWORK",
            Error::Tls { .. } => "XMPP_TLS",
            Error::TlsNotOffered => "XMPP_STARTTLS_NOT_OFFERED",
            Error::Protocol { .. } => "XMPP_PROTOCOL",
            Error::StanzaTooLarge { .. } => "XMPP_STANZA_TOO_LARGE",
            Error::StreamError { .. } => "XMPP_STREAM_ERROR",
            Error::BoshTerminated { .. } => "XMPP_BOSH_TERMINATED",
            Error::Closed => "XMPP_CLOSED",
            Error::NoMechanism { .. } => "XMPP_NO_MECHANISM",
            Error::Auth { .. } => "XMPP_AUTH_FAILED",
            Error::ServerNotAuthenticated { .. } => "XMPP_SERVER_NOT_AUTHENTICATED",
            Error::StanzaError { .. } => "XMPP_STANZA_ERROR",
            Error::NotConnected => "XMPP_NOT_CONNECTED",
            Error::NotDelivered => "XMPP_NOT_DELIVERED",
            Error::MessageTooLarge { .. } => "XMPP_MESSAGE_TOO_LARGE",
            Error::UnknownMessageId => "XMPP_UNKNOWN_MESSAGE_ID",
            Error::Upload(e) => e.code(),
            Error::Room(e) => e.code(),
            Error::RoomOption(e) => e.code(),
        }
    }

    fn settings(&self) -> &'static [crate::net::Setting] {
        match self {
            Error::Tls { reason, .. } if reason.trust_helps() => {
                &[crate::net::Setting::TrustedCertificates]
            }
            Error::Settings(e) => e.settings(),
            Error::Upload(e) => e.settings(),
            _ => &[],
        }
    }

    /// Only [`Error::NotConnected`] names a call (the one that opens a session).
    fn message_named(&self, lang: Lang, names: &dyn crate::net::Names) -> String {
        use crate::net::{mention, Term};
        match (self, lang) {
            (Error::NotConnected, Lang::En) => format!(
                "no XMPP session, or it has ended (the session's state reports say why): \
                 connect first{}",
                mention(names, Term::XmppConnect, lang)
            ),
            (Error::NotConnected, Lang::Ru) => format!(
                "нет сеанса XMPP, или он завершился (причину называют сообщения о состоянии \
                 сеанса): сначала подключитесь{}",
                mention(names, Term::XmppConnect, lang)
            ),
            _ => self.message(lang),
        }
    }

    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (Error::InvalidJid { which }, Lang::En) => {
                format!(
                    "the {} is not a valid JID (expected user@domain)",
                    jid_role(*which, lang)
                )
            }
            (Error::InvalidJid { which }, Lang::Ru) => format!(
                "{} не является правильным JID (ожидается пользователь@домен)",
                jid_role(*which, lang)
            ),
            (Error::InvalidOption { name, reason }, Lang::En) => {
                format!("option \"{name}\": {}", reason.text(lang))
            }
            (Error::InvalidOption { name, reason }, Lang::Ru) => {
                format!("параметр \"{name}\": {}", reason.text(lang))
            }
            (Error::Settings(e), _) => e.message(lang),
            (Error::ProxyNeedsBosh, Lang::En) => {
                "XMPP over TCP cannot go through an https:// proxy: give bosh_url, or use an \
                 http:// (CONNECT) or socks5:// proxy"
                    .into()
            }
            (Error::ProxyNeedsBosh, Lang::Ru) => {
                "XMPP по TCP не может идти через прокси https://: укажите bosh_url или прокси \
                 http:// (CONNECT) либо socks5://"
                    .into()
            }
            (Error::Proxy(p), _) => p.message(lang),
            (Error::Network { kind, step, detail }, Lang::En) => format!(
                "network failure ({}){}{}",
                kind.words(lang),
                step.text(lang),
                if detail.is_empty() {
                    String::new()
                } else {
                    format!(": {detail}")
                }
            ),
            // The detail is the system's or the HTTP client's English: said in English only.
            (Error::Network { kind, step, .. }, Lang::Ru) => {
                format!("сбой сети ({}){}", kind.words(lang), step.text(lang))
            }
            // The library's text only where our reason says nothing more specific.
            (Error::Tls { reason, detail }, Lang::En) => format!(
                "TLS failed: {}. What to do: {}{}",
                reason.what(lang),
                tls_remedy(reason, lang),
                match reason {
                    crate::net::TlsReason::Other if !detail.is_empty() => {
                        format!(" ({})", crate::i18n::clip(detail))
                    }
                    _ => String::new(),
                }
            ),
            (Error::Tls { reason, .. }, Lang::Ru) => format!(
                "ошибка TLS: {}. Что делать: {}",
                reason.what(lang),
                tls_remedy(reason, lang)
            ),
            (Error::TlsNotOffered, Lang::En) => {
                "the server does not offer STARTTLS; use tls \"direct\" or, only in a trusted \
                 network, \"none\""
                    .into()
            }
            (Error::TlsNotOffered, Lang::Ru) => {
                "сервер не предлагает STARTTLS; укажите tls \"direct\" или, только в доверенной \
                 сети, \"none\""
                    .into()
            }
            (Error::Protocol { reason }, Lang::En) => {
                format!("the server broke the XMPP protocol: {}", reason.text(lang))
            }
            (Error::Protocol { reason }, Lang::Ru) => {
                format!("сервер нарушил протокол XMPP: {}", reason.text(lang))
            }
            (Error::StanzaTooLarge { limit }, Lang::En) => {
                format!("the server sent more than {limit} bytes in one piece; refused")
            }
            (Error::StanzaTooLarge { limit }, Lang::Ru) => {
                format!("сервер прислал больше {limit} байт одним куском; отклонено")
            }
            (Error::StreamError { condition, text }, Lang::En) => format!(
                "the server closed the stream: {}{}",
                condition.text(lang),
                server_said(text, lang)
            ),
            (Error::StreamError { condition, text }, Lang::Ru) => format!(
                "сервер закрыл поток: {}{}",
                condition.text(lang),
                server_said(text, lang)
            ),
            (Error::BoshTerminated { condition }, Lang::En) => {
                format!(
                    "the BOSH server ended the session: {}",
                    condition.text(lang)
                )
            }
            (Error::BoshTerminated { condition }, Lang::Ru) => {
                format!("сервер BOSH завершил сеанс: {}", condition.text(lang))
            }
            (Error::Closed, Lang::En) => "the server closed the connection unexpectedly".into(),
            (Error::Closed, Lang::Ru) => "сервер неожиданно закрыл соединение".into(),
            (
                Error::NoMechanism {
                    offered,
                    plain_refused,
                },
                Lang::En,
            ) => format!(
                "no common SASL mechanism (server offers: {}){}",
                offered.join(", "),
                if *plain_refused {
                    "; PLAIN is refused without TLS (option allow_plain_without_tls)"
                } else {
                    ""
                }
            ),
            (
                Error::NoMechanism {
                    offered,
                    plain_refused,
                },
                Lang::Ru,
            ) => format!(
                "нет общего механизма SASL (сервер предлагает: {}){}",
                offered.join(", "),
                if *plain_refused {
                    "; PLAIN без TLS запрещён (параметр allow_plain_without_tls)"
                } else {
                    ""
                }
            ),
            (
                Error::Auth {
                    mechanism,
                    condition,
                    text,
                },
                Lang::En,
            ) => format!(
                "login refused by the server ({mechanism}): {}{}",
                condition.text(lang),
                server_said(text, lang)
            ),
            (
                Error::Auth {
                    mechanism,
                    condition,
                    text,
                },
                Lang::Ru,
            ) => format!(
                "сервер отказал во входе ({mechanism}): {}{}",
                condition.text(lang),
                server_said(text, lang)
            ),
            (Error::ServerNotAuthenticated { mechanism, reason }, Lang::En) => format!(
                "the server failed to prove it knows the password ({mechanism}: {}); \
                 connection refused",
                reason.text(lang)
            ),
            (Error::ServerNotAuthenticated { mechanism, reason }, Lang::Ru) => format!(
                "сервер не доказал, что знает пароль ({mechanism}: {}); соединение \
                 отклонено",
                reason.text(lang)
            ),
            (
                Error::StanzaError {
                    stanza,
                    condition,
                    text,
                },
                Lang::En,
            ) => format!(
                "the server refused the {}: {}{}",
                stanza_name(*stanza, lang),
                condition.text(lang),
                server_said(text, lang)
            ),
            (
                Error::StanzaError {
                    stanza,
                    condition,
                    text,
                },
                Lang::Ru,
            ) => format!(
                "сервер отклонил {}: {}{}",
                stanza_name(*stanza, lang),
                condition.text(lang),
                server_said(text, lang)
            ),
            (Error::NotConnected, _) => self.message_named(lang, &crate::net::Plain),
            (Error::NotDelivered, Lang::En) => {
                "the connection broke after the message was sent and the server could not \
                 resume the session: the message may not have arrived; send it again if needed"
                    .into()
            }
            (Error::NotDelivered, Lang::Ru) => {
                "соединение разорвалось после отправки сообщения, и сервер не смог восстановить \
                 сеанс: сообщение могло не дойти; при необходимости отправьте его снова"
                    .into()
            }
            (Error::Room(e), _) => e.message(lang),
            (Error::RoomOption(e), _) => e.message(lang),
            (Error::UnknownMessageId, Lang::En) => {
                "no message with this id was sent in this session, or its fate was reported \
                 long ago and is forgotten"
                    .into()
            }
            (Error::UnknownMessageId, Lang::Ru) => {
                "сообщение с таким идентификатором в этом сеансе не отправлялось, или его \
                 судьба сообщена давно и забыта"
                    .into()
            }
            (
                Error::MessageTooLarge {
                    size,
                    limit: Some(limit),
                },
                Lang::En,
            ) => format!(
                "the message is {size} bytes, more than the server accepts ({limit} bytes); it \
                 was not sent"
            ),
            (
                Error::MessageTooLarge {
                    size,
                    limit: Some(limit),
                },
                Lang::Ru,
            ) => format!(
                "сообщение занимает {size} байт, больше, чем принимает сервер ({limit} байт); \
                 оно не отправлено"
            ),
            (Error::MessageTooLarge { size, limit: None }, Lang::En) => format!(
                "the server closed the stream on receiving this message ({size} bytes): it is \
                 larger than the server accepts; it is not sent again, the messages after it go on"
            ),
            (Error::MessageTooLarge { size, limit: None }, Lang::Ru) => format!(
                "сервер закрыл поток, получив это сообщение ({size} байт): оно больше, чем \
                 сервер принимает; повторно оно не отправляется, следующие сообщения идут дальше"
            ),
            (Error::Upload(e), _) => e.message(lang),
        }
    }
}

/// SendXmppFile: logs in as `jid` (a session of its own, so that the upload service is asked
/// over the same stream), uploads `file`, sends its URL to `message.to`, logs out.
pub fn send_file(
    settings: &NetSettings,
    jid: &str,
    password: &str,
    file: &upload::FileInput,
    name: Option<&str>,
    message: &outgoing::Outgoing,
    options: &SendOptions,
) -> Result<upload::FileSendResult, Error> {
    let login = LoginOptions::from_send_options(settings, jid, options)?;
    // A wrong recipient, name or path is refused before anything goes to the network.
    message.prepare(jid)?;
    upload::check_before_connecting(file, name)?;
    let config = session::Config {
        settings: settings.clone(),
        login,
        status: options.status.clone(),
        priority: options.priority,
    };
    let mut client =
        session::Client::connect(config, password, None, std::collections::VecDeque::new())?;
    let sent = client.send_file(file, name, message);
    client.disconnect();
    let sent = sent?;
    Ok(upload::FileSendResult {
        id: sent.id,
        url: sent.url,
        jid: client.info.jid.clone(),
        transport: client.info.transport.clone(),
        mechanism: client.info.mechanism.clone(),
        acked: sent.acked,
    })
}

/// SendXmpp: logs in as `jid`, sends `text` to `to`, waits for the server to confirm, logs out.
pub fn send_message(
    settings: &NetSettings,
    jid: &str,
    password: &str,
    to: &str,
    text: &str,
    options: &SendOptions,
) -> Result<SendResult, Error> {
    let deadline = Instant::now() + settings.timeout;
    let session_only = [
        ("rooms", options.rooms.is_some()),
        ("subscriptions", options.subscriptions.is_some()),
        ("presence_updates", options.presence_updates.is_some()),
    ];
    if let Some((name, _)) = session_only.iter().find(|(_, given)| *given) {
        return Err(Error::InvalidOption {
            name,
            reason: OptionReason::SessionOnly,
        });
    }
    let outgoing = outgoing::Outgoing {
        to: to.to_owned(),
        body: text.to_owned(),
        kind: options.r#type.clone(),
        subject: options.subject.clone(),
        nick: options.nick.clone(),
        ..outgoing::Outgoing::default()
    };
    let prepared = outgoing.prepare(jid)?;
    let (message, id) = (prepared.element, prepared.id);
    let login = LoginOptions::from_send_options(settings, jid, options)?;
    let mut session = login::connect(settings, &login, password, deadline)?;
    let mut before = Vec::new();
    if let Some(status) = &options.status {
        let presence = stanza::Presence {
            status: Some(status.clone()),
            priority: options.priority,
            ..stanza::Presence::default()
        };
        before.push(presence.to_element());
    }
    if let Some(occupant) = prepared.occupant {
        before.push(stanza::Presence::muc_join(&occupant).to_element());
    }
    let result = session.send_confirmed(
        before, message, &id,
        // Not folding the last poll into the BOSH terminate. ejabberd 23.01 answers a terminate
        // with only what it has buffered at that instant (ejabberd_bosh.erl active1/3:
        // route_els, get_response_els, reply_stop) and drops the rest; it answers the batch
        // as soon as the bind result exists, and the ping result follows ~10 ms later (the
        // message is routed or stored offline first), so a terminate sent at once can miss it
        // (1 in 20 runs on loopback) and `acked` would be false; a terminate carrying the batch
        // itself returns nothing (0 of 20). A held empty poll waits for it instead. Prosody
        // would allow both folds (it answers after processing the whole body), but a client
        // cannot tell the two apart before it is too late.
        false, deadline,
    );
    let closed = session.close();
    let acked = result?;
    // A failure to close after a confirmed send does not undo the send.
    let _ = closed;
    Ok(SendResult {
        id,
        jid: session.jid.clone(),
        transport: session.transport_name().to_owned(),
        mechanism: session.mechanism.to_owned(),
        acked,
    })
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;
    use crate::net::tunnel::{ProxyError, ProxyFailure};

    #[test]
    fn messages_in_both_languages() {
        let jid = Error::InvalidJid {
            which: JidRole::Recipient,
        };
        assert_eq!(
            jid.message(Lang::En),
            "the recipient is not a valid JID (expected user@domain)"
        );
        assert_eq!(
            jid.message(Lang::Ru),
            "получатель не является правильным JID (ожидается пользователь@домен)"
        );
        let refused = Error::StanzaError {
            stanza: StanzaKind::Bind,
            condition: StanzaCondition::Conflict,
            text: String::new(),
        };
        assert_eq!(
            refused.message(Lang::En),
            "the server refused the bind: \"conflict\": it conflicts with what exists already \
             (a resource or a nick in use)"
        );
        assert_eq!(
            refused.message(Lang::Ru),
            "сервер отклонил привязку ресурса: \"conflict\": конфликт с уже существующим \
             (ресурс или ник заняты)"
        );
        let timeout = Error::Network {
            kind: FailureKind::Timeout,
            step: NetworkStep::Connect {
                stage: crate::net::tunnel::Stage::Connecting,
                target: "xmpp.example:5222".into(),
            },
            detail: String::new(),
        };
        assert_eq!(
            timeout.message(Lang::En),
            "network failure (timed out) while connecting (for xmpp.example:5222)"
        );
        assert_eq!(
            timeout.message(Lang::Ru),
            "сбой сети (истекло время ожидания) при подключении (к xmpp.example:5222)"
        );
        let silent = Error::Network {
            kind: FailureKind::Timeout,
            step: NetworkStep::Silence { seconds: 30 },
            detail: String::new(),
        };
        assert_eq!(
            silent.message(Lang::Ru),
            "сбой сети (истекло время ожидания): сервер не отвечает 30 с, в том числе на \
             проверку связи"
        );
        let refused = Error::Network {
            kind: FailureKind::ConnectionRefused,
            step: NetworkStep::Exchange,
            detail: "Connection refused (os error 111)".into(),
        };
        assert_eq!(
            refused.message(Lang::En),
            "network failure (connection refused): Connection refused (os error 111)"
        );
        assert_eq!(
            refused.message(Lang::Ru),
            "сбой сети (в соединении отказано)"
        );
        let auth = Error::Auth {
            mechanism: "SCRAM-SHA-256".into(),
            condition: SaslCondition::NotAuthorized,
            text: String::new(),
        };
        assert_eq!(
            auth.message(Lang::Ru),
            "сервер отказал во входе (SCRAM-SHA-256): \"not-authorized\": проверьте JID и пароль"
        );
        assert_eq!(auth.code(), "XMPP_AUTH_FAILED");
    }

    /// Every protocol and SASL reason, one value each; the match below breaks the build when a
    /// variant is added and not listed here.
    fn every_reason() -> (Vec<ProtocolReason>, Vec<SaslReason>) {
        use ProtocolReason as P;
        use SaslReason as S;
        let protocol = vec![
            P::StartTlsRefused {
                got: "failure".into(),
            },
            P::NoFeatures {
                got: "x".repeat(200),
            },
            P::UnexpectedInSasl { got: "iq".into() },
            P::SaslNotBase64,
            P::TooManyChallenges,
            P::MalformedXml {
                parser: "unexpected end of input at line 1".into(),
            },
            P::BoshNoSid,
            P::BoshEmpty,
            P::BoshMalformed {
                parser: "expected '>' in the open tag".into(),
            },
            P::BoshTruncated,
            P::BoshNotBody { got: "html".into() },
            P::ResumedBeyondSent { h: 5, sent: 3 },
            P::AckedBeyondSent { h: 7, sent: 2 },
            P::BadAck,
            P::Internal,
        ];
        for p in &protocol {
            match p {
                P::StartTlsRefused { .. }
                | P::NoFeatures { .. }
                | P::UnexpectedInSasl { .. }
                | P::SaslNotBase64
                | P::TooManyChallenges
                | P::MalformedXml { .. }
                | P::BoshNoSid
                | P::BoshEmpty
                | P::BoshMalformed { .. }
                | P::BoshTruncated
                | P::BoshNotBody { .. }
                | P::ResumedBeyondSent { .. }
                | P::AckedBeyondSent { .. }
                | P::BadAck
                | P::Internal => {}
            }
        }
        let sasl = vec![
            S::NotUtf8(SaslMessage::ServerFirst),
            S::NotUtf8(SaslMessage::ServerFinal),
            S::NotUtf8(SaslMessage::Challenge),
            S::ServerFinalError,
            S::Missing("rspauth"),
            S::NotBase64("v"),
            S::NotANumber("i"),
            S::IterationsOutOfRange,
            S::MandatoryExtension,
            S::NonceNotExtended,
            S::WrongProof,
            S::NoProof,
            S::PlainChallenge,
            S::KeyWithoutValue,
            S::UnterminatedQuote,
            S::NotMd5Sess,
            S::NoQopAuth,
        ];
        for s in &sasl {
            match s {
                S::NotUtf8(_)
                | S::ServerFinalError
                | S::Missing(_)
                | S::NotBase64(_)
                | S::NotANumber(_)
                | S::IterationsOutOfRange
                | S::MandatoryExtension
                | S::NonceNotExtended
                | S::WrongProof
                | S::NoProof
                | S::PlainChallenge
                | S::KeyWithoutValue
                | S::UnterminatedQuote
                | S::NotMd5Sess
                | S::NoQopAuth => {}
            }
        }
        (protocol, sasl)
    }

    use crate::i18n::latin_words;

    #[test]
    fn every_protocol_and_sasl_reason_speaks_both_languages() {
        let (protocol, sasl) = every_reason();
        let errors = protocol
            .into_iter()
            .map(|reason| Error::Protocol { reason })
            .chain(
                sasl.into_iter()
                    .map(|reason| Error::ServerNotAuthenticated {
                        mechanism: "SCRAM-SHA-256".into(),
                        reason,
                    }),
            );
        for e in errors {
            let (en, ru) = (e.message(Lang::En), e.message(Lang::Ru));
            assert_ne!(en, ru);
            assert_eq!(e.to_string(), en);
            assert!(latin_words(&ru).is_empty(), "{ru}: {:?}", latin_words(&ru));
            // A quoted server value is cut; the parser's English stays out of Russian.
            assert!(ru.chars().count() < 220, "{ru}");
            assert!(!ru.contains("line 1") && !ru.contains("open tag"), "{ru}");
            assert!(
                ["XMPP_PROTOCOL", "XMPP_SERVER_NOT_AUTHENTICATED"].contains(&e.code()),
                "{}",
                e.code()
            );
        }
        let parser = Error::Protocol {
            reason: ProtocolReason::MalformedXml {
                parser: "unexpected end of input".into(),
            },
        };
        assert_eq!(
            parser.message(Lang::En),
            "the server broke the XMPP protocol: malformed XML from the server: unexpected end \
             of input"
        );
        assert_eq!(
            parser.message(Lang::Ru),
            "сервер нарушил протокол XMPP: сервер прислал неправильный XML"
        );
    }

    #[test]
    fn a_tls_failure_says_its_reason_and_russian_keeps_the_library_out() {
        use crate::net::TlsReason;
        let expired = Error::Tls {
            reason: TlsReason::Expired {
                not_after: Some(1_764_633_600),
            },
            detail: "invalid peer certificate: certificate expired".into(),
        };
        assert_eq!(
            expired.message(Lang::Ru),
            "ошибка TLS: срок действия сертификата сервера истёк 2025-12-02 00:00 UTC. Что \
             делать: его должен обновить администратор сервера; если дата кажется неверной, \
             проверьте часы этого компьютера"
        );
        assert!(expired
            .message(Lang::En)
            .ends_with("if the date looks wrong, check this computer's clock"));
        let other = Error::Tls {
            reason: TlsReason::Other,
            detail: "unexpected error: something new".into(),
        };
        assert!(other
            .message(Lang::En)
            .ends_with("(unexpected error: something new)"));
        assert!(!other.message(Lang::Ru).contains("something"));
        assert_eq!(expired.code(), "XMPP_TLS");
        assert!(expired.settings().is_empty());
        let untrusted = Error::Tls {
            reason: TlsReason::UnknownIssuer,
            detail: String::new(),
        };
        assert_eq!(
            untrusted.settings(),
            &[crate::net::Setting::TrustedCertificates]
        );
        for e in [expired, untrusted] {
            let ru = e.message(Lang::Ru);
            assert!(latin_words(&ru).is_empty(), "{ru}");
        }
    }

    #[test]
    fn the_latin_word_check_sees_english() {
        assert_eq!(
            latin_words("сбой: connection refused"),
            ["connection", "refused"]
        );
        assert!(latin_words("пришёл <stream:features>, \"qop=auth\", XMPP h=3 base64").is_empty());
    }

    #[test]
    fn display_is_the_english_message() {
        for e in [
            Error::Closed,
            Error::NotConnected,
            Error::MessageTooLarge {
                size: 10,
                limit: Some(5),
            },
            Error::InvalidJid {
                which: JidRole::Account,
            },
        ] {
            assert_eq!(e.to_string(), e.message(Lang::En));
        }
    }

    #[test]
    fn a_refused_login_stops_reconnecting_unless_the_server_says_it_is_temporary() {
        let auth = |condition| Error::Auth {
            mechanism: "SCRAM-SHA-1".into(),
            condition,
            text: String::new(),
        };
        assert!(auth(SaslCondition::NotAuthorized).is_permanent());
        assert!(auth(SaslCondition::AccountDisabled).is_permanent());
        assert!(!auth(SaslCondition::TemporaryAuthFailure).is_permanent());
    }

    #[test]
    fn wrapping_variants_give_their_source() {
        let settings = Error::Settings(crate::net::Error::PrivateKeyInsteadOfCertificate);
        let source = settings.source().expect("Settings wraps a net error");
        assert_eq!(
            source.to_string(),
            crate::net::Error::PrivateKeyInsteadOfCertificate.to_string()
        );
        let proxy = Error::Proxy(ProxyError {
            proxy: "socks5://proxy:1080".into(),
            reason: ProxyFailure::AuthFailed,
        });
        assert!(proxy.source().is_some());
        let upload = Error::Upload(upload::UploadError::InvalidName);
        assert!(upload.source().is_some());
        let room = Error::RoomOption(muc::OptionError {
            index: 0,
            room: "x".into(),
            problem: muc::OptionProblem::Room,
        });
        assert_eq!(room.source().map(|s| s.to_string()), Some(room.to_string()));
        let joined = Error::Room(muc::RoomError {
            room: "r@muc.example".into(),
            nick: "n".into(),
            refusal: muc::Refusal::Banned,
            said: String::new(),
        });
        assert!(joined.source().is_some());
        assert!(Error::Closed.source().is_none());
    }
}
