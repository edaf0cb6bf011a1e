//! The conditions with which a server ends a stream ([`StreamCondition`], RFC 6120 §4.9.3) or a
//! BOSH session ([`BoshCondition`], XEP-0124 §17), refuses a login ([`SaslCondition`], RFC
//! 6120 §6.5) or a stanza ([`StanzaCondition`], RFC 6120 §8.3.3), said in our words in both languages with the
//! protocol's token kept in quotes, and the server's own `<text>` shown as its words: quoted,
//! cut, labelled ([`server_said`]).

use crate::i18n::{clip, Lang};

/// Why the server closed the stream (`<stream:error>`, RFC 6120 §4.9.3).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StreamCondition {
    BadFormat,
    BadNamespacePrefix,
    /// Another stream with the same resource replaced this one.
    Conflict,
    ConnectionTimeout,
    HostGone,
    HostUnknown,
    ImproperAddressing,
    InternalServerError,
    InvalidFrom,
    InvalidNamespace,
    InvalidXml,
    NotAuthorized,
    NotWellFormed,
    PolicyViolation,
    RemoteConnectionFailed,
    Reset,
    ResourceConstraint,
    RestrictedXml,
    /// The server sends the client elsewhere: the host (and port) it named, cut; empty when
    /// it named none.
    SeeOtherHost(String),
    SystemShutdown,
    UndefinedCondition,
    UnsupportedEncoding,
    UnsupportedFeature,
    UnsupportedStanzaType,
    UnsupportedVersion,
    /// A condition RFC 6120 does not define, as the server named it (cut).
    Other(String),
}

impl StreamCondition {
    /// The condition of a `<stream:error>` child named `name`; `content` is that element's
    /// text (the host of `see-other-host`).
    pub fn of(name: &str, content: &str) -> StreamCondition {
        use StreamCondition::*;
        match name {
            "bad-format" => BadFormat,
            "bad-namespace-prefix" => BadNamespacePrefix,
            "conflict" => Conflict,
            "connection-timeout" => ConnectionTimeout,
            "host-gone" => HostGone,
            "host-unknown" => HostUnknown,
            "improper-addressing" => ImproperAddressing,
            "internal-server-error" => InternalServerError,
            "invalid-from" => InvalidFrom,
            "invalid-namespace" => InvalidNamespace,
            "invalid-xml" => InvalidXml,
            "not-authorized" => NotAuthorized,
            "not-well-formed" => NotWellFormed,
            "policy-violation" => PolicyViolation,
            "remote-connection-failed" => RemoteConnectionFailed,
            "reset" => Reset,
            "resource-constraint" => ResourceConstraint,
            "restricted-xml" => RestrictedXml,
            "see-other-host" => SeeOtherHost(clip(content.trim())),
            "system-shutdown" => SystemShutdown,
            "undefined-condition" => UndefinedCondition,
            "unsupported-encoding" => UnsupportedEncoding,
            "unsupported-feature" => UnsupportedFeature,
            "unsupported-stanza-type" => UnsupportedStanzaType,
            "unsupported-version" => UnsupportedVersion,
            other => Other(clip(other)),
        }
    }

    /// The protocol's name of the condition.
    pub fn token(&self) -> &str {
        use StreamCondition::*;
        match self {
            BadFormat => "bad-format",
            BadNamespacePrefix => "bad-namespace-prefix",
            Conflict => "conflict",
            ConnectionTimeout => "connection-timeout",
            HostGone => "host-gone",
            HostUnknown => "host-unknown",
            ImproperAddressing => "improper-addressing",
            InternalServerError => "internal-server-error",
            InvalidFrom => "invalid-from",
            InvalidNamespace => "invalid-namespace",
            InvalidXml => "invalid-xml",
            NotAuthorized => "not-authorized",
            NotWellFormed => "not-well-formed",
            PolicyViolation => "policy-violation",
            RemoteConnectionFailed => "remote-connection-failed",
            Reset => "reset",
            ResourceConstraint => "resource-constraint",
            RestrictedXml => "restricted-xml",
            SeeOtherHost(_) => "see-other-host",
            SystemShutdown => "system-shutdown",
            UndefinedCondition => "undefined-condition",
            UnsupportedEncoding => "unsupported-encoding",
            UnsupportedFeature => "unsupported-feature",
            UnsupportedStanzaType => "unsupported-stanza-type",
            UnsupportedVersion => "unsupported-version",
            Other(name) => name,
        }
    }

    /// What the condition means for the user, in `lang`.
    fn meaning(&self, lang: Lang) -> String {
        use StreamCondition::*;
        let (en, ru) = match self {
            BadFormat
            | BadNamespacePrefix
            | InvalidNamespace
            | InvalidXml
            | NotWellFormed
            | RestrictedXml
            | UnsupportedEncoding
            | UnsupportedStanzaType => (
                "the server did not accept what this client sent (a fault of the client or of \
                 the server)",
                "сервер не принял то, что отправил клиент (ошибка клиента или сервера)",
            ),
            Conflict => (
                "another connection of this account with the same resource replaced this one; \
                 give each connection its own resource",
                "другое подключение этой учётной записи с тем же ресурсом вытеснило это; дайте \
                 каждому подключению свой ресурс",
            ),
            ConnectionTimeout => (
                "the server heard nothing from this client for too long",
                "сервер слишком долго ничего не получал от клиента",
            ),
            HostGone => (
                "the domain of the JID is no longer served by this server",
                "домен JID больше не обслуживается этим сервером",
            ),
            HostUnknown => (
                "the server does not serve the domain of the JID; check the JID and the server",
                "сервер не обслуживает домен JID; проверьте JID и адрес сервера",
            ),
            ImproperAddressing | InvalidFrom => (
                "the server refused the addresses of the stream; check the JID",
                "сервер не принял адреса потока; проверьте JID",
            ),
            InternalServerError => (
                "an internal error of the server; try again later",
                "внутренняя ошибка сервера; повторите попытку позже",
            ),
            NotAuthorized => (
                "the server requires a login before this; check the JID and the password",
                "сервер требует сначала войти; проверьте JID и пароль",
            ),
            PolicyViolation => (
                "the server's rules were broken (too much traffic, a message too large, or \
                 the like)",
                "нарушены правила сервера (слишком много данных, слишком большое сообщение и \
                 тому подобное)",
            ),
            RemoteConnectionFailed => (
                "the server could not reach a server it depends on",
                "сервер не смог связаться с сервером, от которого зависит",
            ),
            Reset => (
                "the server reset the stream (its settings or security changed); connect again",
                "сервер сбросил поток (изменились его настройки или защита); подключитесь снова",
            ),
            ResourceConstraint => (
                "the server is overloaded; try again later",
                "сервер перегружен; повторите попытку позже",
            ),
            SeeOtherHost(host) if !host.is_empty() => {
                return match lang {
                    Lang::En => format!("the server sends clients to another host, \"{host}\""),
                    Lang::Ru => format!("сервер направляет клиентов на другой адрес, \"{host}\""),
                }
            }
            SeeOtherHost(_) => (
                "the server sends clients to another host",
                "сервер направляет клиентов на другой адрес",
            ),
            SystemShutdown => (
                "the server is shutting down; try again later",
                "сервер останавливается; повторите попытку позже",
            ),
            UndefinedCondition | Other(_) => (
                "a condition the server does not explain",
                "причина, которую сервер не поясняет",
            ),
            UnsupportedFeature | UnsupportedVersion => (
                "the server requires something this client does not support",
                "сервер требует того, что клиент не поддерживает",
            ),
        };
        match lang {
            Lang::En => en.to_owned(),
            Lang::Ru => ru.to_owned(),
        }
    }

    /// `"token": meaning`, as our messages show it.
    pub fn text(&self, lang: Lang) -> String {
        format!("\"{}\": {}", self.token(), self.meaning(lang))
    }
}

/// Why a BOSH connection manager ended the session (XEP-0124 §17).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BoshCondition {
    BadRequest,
    HostGone,
    HostUnknown,
    ImproperAddressing,
    InternalServerError,
    /// The session id (or a request id) is unknown: the session expired on the server.
    ItemNotFound,
    OtherRequest,
    PolicyViolation,
    RemoteConnectionFailed,
    RemoteStreamError,
    SeeOtherUri,
    SystemShutdown,
    UndefinedCondition,
    /// A condition XEP-0124 does not define, as the server named it (cut).
    Other(String),
    /// The answer had an HTTP status other than 200 (legacy managers report errors so,
    /// XEP-0124 §17.1).
    HttpStatus(u16),
    /// A recoverable binding error (`type='error'`, §17.3): recovering by resending the
    /// unanswered requests is not done, so it ends the session.
    Recoverable,
}

impl BoshCondition {
    /// The condition of a `type='terminate'` body's `condition` attribute.
    pub fn of(name: &str) -> BoshCondition {
        use BoshCondition::*;
        match name {
            "bad-request" => BadRequest,
            "host-gone" => HostGone,
            "host-unknown" => HostUnknown,
            "improper-addressing" => ImproperAddressing,
            "internal-server-error" => InternalServerError,
            "item-not-found" => ItemNotFound,
            "other-request" => OtherRequest,
            "policy-violation" => PolicyViolation,
            "remote-connection-failed" => RemoteConnectionFailed,
            "remote-stream-error" => RemoteStreamError,
            "see-other-uri" => SeeOtherUri,
            "system-shutdown" => SystemShutdown,
            "undefined-condition" => UndefinedCondition,
            other => Other(clip(other)),
        }
    }

    fn token(&self) -> &str {
        use BoshCondition::*;
        match self {
            BadRequest => "bad-request",
            HostGone => "host-gone",
            HostUnknown => "host-unknown",
            ImproperAddressing => "improper-addressing",
            InternalServerError => "internal-server-error",
            ItemNotFound => "item-not-found",
            OtherRequest => "other-request",
            PolicyViolation => "policy-violation",
            RemoteConnectionFailed => "remote-connection-failed",
            RemoteStreamError => "remote-stream-error",
            SeeOtherUri => "see-other-uri",
            SystemShutdown => "system-shutdown",
            UndefinedCondition => "undefined-condition",
            Other(name) => name,
            HttpStatus(_) => "",
            Recoverable => "error",
        }
    }

    fn meaning(&self, lang: Lang) -> &'static str {
        use BoshCondition::*;
        let (en, ru) = match self {
            BadRequest | HttpStatus(400) => (
                "the server did not accept a request of this client (a fault of the client or \
                 of the server)",
                "сервер не принял запрос клиента (ошибка клиента или сервера)",
            ),
            HostGone => (
                "the domain of the JID is no longer served by this server",
                "домен JID больше не обслуживается этим сервером",
            ),
            HostUnknown => (
                "the server does not serve the domain of the JID; check the JID and \"bosh_url\"",
                "сервер не обслуживает домен JID; проверьте JID и \"bosh_url\"",
            ),
            ImproperAddressing => (
                "the server refused the addresses of the session; check the JID",
                "сервер не принял адреса сеанса; проверьте JID",
            ),
            InternalServerError | RemoteStreamError => (
                "an internal error of the server; try again later",
                "внутренняя ошибка сервера; повторите попытку позже",
            ),
            ItemNotFound | HttpStatus(404) => (
                "the server does not know this session (it expired or the server restarted); \
                 connect again",
                "сервер не знает этот сеанс (срок истёк или сервер перезапускался); \
                 подключитесь снова",
            ),
            OtherRequest => (
                "another request of the same session replaced this one",
                "другой запрос того же сеанса заменил этот",
            ),
            PolicyViolation | HttpStatus(403) => (
                "the server's rules were broken (too many or too large requests, or the like)",
                "нарушены правила сервера (слишком много или слишком большие запросы и тому \
                 подобное)",
            ),
            RemoteConnectionFailed => (
                "the BOSH service could not reach the XMPP server behind it",
                "служба BOSH не смогла связаться со своим сервером XMPP",
            ),
            SeeOtherUri => (
                "the server sends clients to another BOSH address",
                "сервер направляет клиентов на другой адрес BOSH",
            ),
            SystemShutdown => (
                "the server is shutting down; try again later",
                "сервер останавливается; повторите попытку позже",
            ),
            UndefinedCondition | Other(_) | HttpStatus(_) => (
                "a condition the server does not explain",
                "причина, которую сервер не поясняет",
            ),
            Recoverable => (
                "the server lost a request of this session; it is not repeated, connect again",
                "сервер потерял запрос этого сеанса; он не повторяется, подключитесь снова",
            ),
        };
        match lang {
            Lang::En => en,
            Lang::Ru => ru,
        }
    }

    /// `"token": meaning`, or `HTTP 404: meaning`, as our messages show it.
    pub fn text(&self, lang: Lang) -> String {
        match self {
            BoshCondition::HttpStatus(status) => format!("HTTP {status}: {}", self.meaning(lang)),
            BoshCondition::Recoverable => format!("type=\"error\": {}", self.meaning(lang)),
            _ => format!("\"{}\": {}", self.token(), self.meaning(lang)),
        }
    }
}

/// Why the server refused the login (a SASL `<failure>`, RFC 6120 §6.5).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SaslCondition {
    Aborted,
    AccountDisabled,
    CredentialsExpired,
    EncryptionRequired,
    IncorrectEncoding,
    InvalidAuthzid,
    InvalidMechanism,
    MalformedRequest,
    MechanismTooWeak,
    /// The JID or the password is wrong (servers say no more, on purpose).
    NotAuthorized,
    TemporaryAuthFailure,
    /// A condition RFC 6120 does not define, as the server named it (cut).
    Other(String),
}

impl SaslCondition {
    /// The condition of a `<failure>` child named `name`.
    pub fn of(name: &str) -> SaslCondition {
        use SaslCondition::*;
        match name {
            "aborted" => Aborted,
            "account-disabled" => AccountDisabled,
            "credentials-expired" => CredentialsExpired,
            "encryption-required" => EncryptionRequired,
            "incorrect-encoding" => IncorrectEncoding,
            "invalid-authzid" => InvalidAuthzid,
            "invalid-mechanism" => InvalidMechanism,
            "malformed-request" => MalformedRequest,
            "mechanism-too-weak" => MechanismTooWeak,
            "not-authorized" => NotAuthorized,
            "temporary-auth-failure" => TemporaryAuthFailure,
            other => Other(clip(other)),
        }
    }

    /// The protocol's name of the condition.
    pub fn token(&self) -> &str {
        use SaslCondition::*;
        match self {
            Aborted => "aborted",
            AccountDisabled => "account-disabled",
            CredentialsExpired => "credentials-expired",
            EncryptionRequired => "encryption-required",
            IncorrectEncoding => "incorrect-encoding",
            InvalidAuthzid => "invalid-authzid",
            InvalidMechanism => "invalid-mechanism",
            MalformedRequest => "malformed-request",
            MechanismTooWeak => "mechanism-too-weak",
            NotAuthorized => "not-authorized",
            TemporaryAuthFailure => "temporary-auth-failure",
            Other(name) => name,
        }
    }

    fn meaning(&self, lang: Lang) -> &'static str {
        use SaslCondition::*;
        let (en, ru) = match self {
            NotAuthorized => (
                "check the JID and the password",
                "проверьте JID и пароль",
            ),
            AccountDisabled => (
                "the account is disabled on the server",
                "учётная запись отключена на сервере",
            ),
            CredentialsExpired => (
                "the password has expired; change it on the server",
                "срок действия пароля истёк; смените его на сервере",
            ),
            EncryptionRequired => (
                "the server accepts this mechanism only over TLS",
                "сервер принимает этот механизм только через TLS",
            ),
            MechanismTooWeak => (
                "the server finds this mechanism too weak; allow a stronger one in \"mechanisms\"",
                "сервер считает этот механизм слишком слабым; разрешите более стойкий в \"mechanisms\"",
            ),
            InvalidMechanism => (
                "the server does not accept this mechanism",
                "сервер не принимает этот механизм",
            ),
            TemporaryAuthFailure => (
                "a temporary failure of the server; try again later",
                "временный сбой сервера; повторите попытку позже",
            ),
            Aborted | IncorrectEncoding | InvalidAuthzid | MalformedRequest => (
                "the server did not accept the login exchange (a fault of the client or of the \
                 server)",
                "сервер не принял обмен при входе (ошибка клиента или сервера)",
            ),
            Other(_) => (
                "a condition the server does not explain",
                "причина, которую сервер не поясняет",
            ),
        };
        match lang {
            Lang::En => en,
            Lang::Ru => ru,
        }
    }

    /// `"token": meaning`, as our messages show it.
    pub fn text(&self, lang: Lang) -> String {
        format!("\"{}\": {}", self.token(), self.meaning(lang))
    }
}

/// Why the server (or the recipient) refused a stanza (an `<error/>`, RFC 6120 §8.3.3).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StanzaCondition {
    BadRequest,
    Conflict,
    FeatureNotImplemented,
    Forbidden,
    Gone,
    InternalServerError,
    ItemNotFound,
    JidMalformed,
    NotAcceptable,
    NotAllowed,
    NotAuthorized,
    PolicyViolation,
    RecipientUnavailable,
    Redirect,
    RegistrationRequired,
    RemoteServerNotFound,
    RemoteServerTimeout,
    ResourceConstraint,
    ServiceUnavailable,
    SubscriptionRequired,
    UnexpectedRequest,
    UndefinedCondition,
    /// A condition RFC 6120 does not define, as the server named it (cut).
    Other(String),
}

impl StanzaCondition {
    /// The condition of an `<error/>` child named `name` (none: `undefined-condition`).
    pub fn of(name: &str) -> StanzaCondition {
        use StanzaCondition::*;
        match name {
            "bad-request" => BadRequest,
            "conflict" => Conflict,
            "feature-not-implemented" => FeatureNotImplemented,
            "forbidden" => Forbidden,
            "gone" => Gone,
            "internal-server-error" => InternalServerError,
            "item-not-found" => ItemNotFound,
            "jid-malformed" => JidMalformed,
            "not-acceptable" => NotAcceptable,
            "not-allowed" => NotAllowed,
            "not-authorized" => NotAuthorized,
            "policy-violation" => PolicyViolation,
            "recipient-unavailable" => RecipientUnavailable,
            "redirect" => Redirect,
            "registration-required" => RegistrationRequired,
            "remote-server-not-found" => RemoteServerNotFound,
            "remote-server-timeout" => RemoteServerTimeout,
            "resource-constraint" => ResourceConstraint,
            "service-unavailable" => ServiceUnavailable,
            "subscription-required" => SubscriptionRequired,
            "unexpected-request" => UnexpectedRequest,
            "undefined-condition" | "" => UndefinedCondition,
            other => Other(clip(other)),
        }
    }

    /// The protocol's name of the condition.
    pub fn token(&self) -> &str {
        use StanzaCondition::*;
        match self {
            BadRequest => "bad-request",
            Conflict => "conflict",
            FeatureNotImplemented => "feature-not-implemented",
            Forbidden => "forbidden",
            Gone => "gone",
            InternalServerError => "internal-server-error",
            ItemNotFound => "item-not-found",
            JidMalformed => "jid-malformed",
            NotAcceptable => "not-acceptable",
            NotAllowed => "not-allowed",
            NotAuthorized => "not-authorized",
            PolicyViolation => "policy-violation",
            RecipientUnavailable => "recipient-unavailable",
            Redirect => "redirect",
            RegistrationRequired => "registration-required",
            RemoteServerNotFound => "remote-server-not-found",
            RemoteServerTimeout => "remote-server-timeout",
            ResourceConstraint => "resource-constraint",
            ServiceUnavailable => "service-unavailable",
            SubscriptionRequired => "subscription-required",
            UnexpectedRequest => "unexpected-request",
            UndefinedCondition => "undefined-condition",
            Other(name) => name,
        }
    }

    fn meaning(&self, lang: Lang) -> &'static str {
        use StanzaCondition::*;
        let (en, ru) = match self {
            BadRequest => (
                "the server found the request malformed (a fault of the client or of the server)",
                "сервер счёл запрос неправильным (ошибка клиента или сервера)",
            ),
            Conflict => (
                "it conflicts with what exists already (a resource or a nick in use)",
                "конфликт с уже существующим (ресурс или ник заняты)",
            ),
            FeatureNotImplemented => (
                "the server or the recipient does not support this",
                "сервер или получатель этого не поддерживает",
            ),
            Forbidden => (
                "this account is not permitted to do this",
                "этой учётной записи это не разрешено",
            ),
            Gone => (
                "the recipient is no longer at this address",
                "получателя больше нет по этому адресу",
            ),
            InternalServerError => (
                "an internal error of the server; try again later",
                "внутренняя ошибка сервера; повторите попытку позже",
            ),
            ItemNotFound => (
                "no such recipient, room or item; check the address",
                "нет такого получателя, комнаты или объекта; проверьте адрес",
            ),
            JidMalformed => (
                "the address is not a valid JID",
                "адрес не является правильным JID",
            ),
            NotAcceptable => (
                "the server does not accept it as it is (too large, or content it refuses)",
                "сервер не принимает это в таком виде (слишком большое или недопустимое содержимое)",
            ),
            NotAllowed => (
                "this is not allowed here (in the room, for this recipient)",
                "здесь это не разрешено (в комнате, для этого получателя)",
            ),
            NotAuthorized => (
                "authorization is needed first (a password, a membership)",
                "сначала нужна авторизация (пароль, членство)",
            ),
            PolicyViolation => (
                "the server's rules were broken",
                "нарушены правила сервера",
            ),
            RecipientUnavailable => (
                "the recipient is unavailable for now; try again later",
                "получатель сейчас недоступен; повторите попытку позже",
            ),
            Redirect => (
                "the recipient has moved to another address",
                "получатель перешёл на другой адрес",
            ),
            RegistrationRequired => (
                "registration is needed first (with the room or the service)",
                "сначала нужна регистрация (в комнате или службе)",
            ),
            RemoteServerNotFound => (
                "the recipient's server was not found; check the domain",
                "сервер получателя не найден; проверьте домен",
            ),
            RemoteServerTimeout => (
                "the recipient's server does not answer; try again later",
                "сервер получателя не отвечает; повторите попытку позже",
            ),
            ResourceConstraint => (
                "the server is overloaded or a quota is used up; try again later",
                "сервер перегружен или исчерпана квота; повторите попытку позже",
            ),
            ServiceUnavailable => (
                "the recipient or the service does not accept this",
                "получатель или служба это не принимает",
            ),
            SubscriptionRequired => (
                "a subscription to the contact is needed first",
                "сначала нужна подписка на контакт",
            ),
            UnexpectedRequest => (
                "the server did not expect this request now",
                "сервер не ожидал этого запроса сейчас",
            ),
            UndefinedCondition | Other(_) => (
                "a condition the server does not explain",
                "причина, которую сервер не поясняет",
            ),
        };
        match lang {
            Lang::En => en,
            Lang::Ru => ru,
        }
    }

    /// `"token": meaning`, as our messages show it.
    pub fn text(&self, lang: Lang) -> String {
        format!("\"{}\": {}", self.token(), self.meaning(lang))
    }
}

/// The server's own words (a `<text>` of a stream, SASL or stanza error) as our messages add
/// them: `; the server said: «…»`, quoted and cut, so that they read as the server's and not
/// as ours; nothing when it said nothing.
pub fn server_said(text: &str, lang: Lang) -> String {
    let text = text.trim();
    if text.is_empty() {
        return String::new();
    }
    match lang {
        Lang::En => format!("; the server said: «{}»", clip(text)),
        Lang::Ru => format!("; сервер пояснил: «{}»", clip(text)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::latin_words;

    const STREAM: [&str; 25] = [
        "bad-format",
        "bad-namespace-prefix",
        "conflict",
        "connection-timeout",
        "host-gone",
        "host-unknown",
        "improper-addressing",
        "internal-server-error",
        "invalid-from",
        "invalid-namespace",
        "invalid-xml",
        "not-authorized",
        "not-well-formed",
        "policy-violation",
        "remote-connection-failed",
        "reset",
        "resource-constraint",
        "restricted-xml",
        "see-other-host",
        "system-shutdown",
        "undefined-condition",
        "unsupported-encoding",
        "unsupported-feature",
        "unsupported-stanza-type",
        "unsupported-version",
    ];

    const BOSH: [&str; 13] = [
        "bad-request",
        "host-gone",
        "host-unknown",
        "improper-addressing",
        "internal-server-error",
        "item-not-found",
        "other-request",
        "policy-violation",
        "remote-connection-failed",
        "remote-stream-error",
        "see-other-uri",
        "system-shutdown",
        "undefined-condition",
    ];

    #[test]
    fn every_stream_condition_is_known_and_said_in_both_languages() {
        for name in STREAM {
            let c = StreamCondition::of(name, "");
            assert!(!matches!(c, StreamCondition::Other(_)), "{name}");
            assert_eq!(c.token(), name);
            let (en, ru) = (c.text(Lang::En), c.text(Lang::Ru));
            assert!(en.starts_with(&format!("\"{name}\": ")), "{en}");
            assert!(ru.starts_with(&format!("\"{name}\": ")), "{ru}");
            assert!(latin_words(&ru).is_empty(), "{ru}");
        }
        let moved = StreamCondition::of("see-other-host", " xmpp2.example:5222 ");
        assert_eq!(
            moved.text(Lang::Ru),
            "\"see-other-host\": сервер направляет клиентов на другой адрес, \"xmpp2.example:5222\""
        );
        let odd = StreamCondition::of(&"x".repeat(300), "");
        assert!(odd.text(Lang::En).chars().count() < 140, "{odd:?}");
    }

    #[test]
    fn every_bosh_condition_is_known_and_said_in_both_languages() {
        let mut all: Vec<BoshCondition> = BOSH.iter().map(|n| BoshCondition::of(n)).collect();
        for (name, c) in BOSH.iter().zip(&all) {
            assert!(!matches!(c, BoshCondition::Other(_)), "{name}");
            assert!(c.text(Lang::En).starts_with(&format!("\"{name}\": ")));
        }
        all.extend([
            BoshCondition::HttpStatus(404),
            BoshCondition::HttpStatus(502),
            BoshCondition::Recoverable,
            BoshCondition::of("made-up"),
        ]);
        for c in &all {
            let (en, ru) = (c.text(Lang::En), c.text(Lang::Ru));
            assert_ne!(en, ru);
            assert!(latin_words(&ru).is_empty(), "{ru}");
        }
        assert_eq!(
            BoshCondition::HttpStatus(404).text(Lang::En),
            BoshCondition::ItemNotFound
                .text(Lang::En)
                .replace("\"item-not-found\"", "HTTP 404")
        );
    }

    #[test]
    fn every_sasl_condition_is_known_and_said_in_both_languages() {
        for name in [
            "aborted",
            "account-disabled",
            "credentials-expired",
            "encryption-required",
            "incorrect-encoding",
            "invalid-authzid",
            "invalid-mechanism",
            "malformed-request",
            "mechanism-too-weak",
            "not-authorized",
            "temporary-auth-failure",
        ] {
            let c = SaslCondition::of(name);
            assert!(!matches!(c, SaslCondition::Other(_)), "{name}");
            assert_eq!(c.token(), name);
            let ru = c.text(Lang::Ru);
            assert!(ru.starts_with(&format!("\"{name}\": ")), "{ru}");
            assert!(latin_words(&ru).is_empty(), "{ru}");
        }
        assert_eq!(SaslCondition::of("x-odd").token(), "x-odd");
    }

    #[test]
    fn every_stanza_condition_is_known_and_said_in_both_languages() {
        for name in [
            "bad-request",
            "conflict",
            "feature-not-implemented",
            "forbidden",
            "gone",
            "internal-server-error",
            "item-not-found",
            "jid-malformed",
            "not-acceptable",
            "not-allowed",
            "not-authorized",
            "policy-violation",
            "recipient-unavailable",
            "redirect",
            "registration-required",
            "remote-server-not-found",
            "remote-server-timeout",
            "resource-constraint",
            "service-unavailable",
            "subscription-required",
            "unexpected-request",
            "undefined-condition",
        ] {
            let c = StanzaCondition::of(name);
            assert!(!matches!(c, StanzaCondition::Other(_)), "{name}");
            assert_eq!(c.token(), name);
            let ru = c.text(Lang::Ru);
            assert!(ru.starts_with(&format!("\"{name}\": ")), "{ru}");
            assert!(latin_words(&ru).is_empty(), "{ru}");
        }
        assert_eq!(StanzaCondition::of(""), StanzaCondition::UndefinedCondition);
    }

    #[test]
    fn the_servers_words_are_quoted_cut_and_labelled() {
        assert_eq!(server_said("  ", Lang::En), "");
        assert_eq!(
            server_said("Replaced by new connection", Lang::Ru),
            "; сервер пояснил: «Replaced by new connection»"
        );
        let long = server_said(&"ab".repeat(100), Lang::En);
        assert!(long.ends_with("…»") && long.chars().count() < 100, "{long}");
        assert!(latin_words(&server_said("no such host", Lang::Ru)).is_empty());
    }
}
