//! Everything that can go wrong in a Telegram call, each with a stable code and a message in
//! Russian and English that says what to change. No variant ever carries the bot token, a
//! password from a webhook URL, the secret token or a private key.

use std::fmt;

use crate::i18n::{Lang, Localized};
use crate::net::http::FailureKind;
use crate::net::{mention, Names, Plain, Setting, Term};

use super::transfer_error::TransferError;

/// Which part of a webhook URL's `user:password@` is meant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Credential {
    User,
    Password,
}

impl Credential {
    fn name(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Credential::User, Lang::Ru) => "имя пользователя",
            (Credential::User, Lang::En) => "the user name",
            (Credential::Password, Lang::Ru) => "пароль",
            (Credential::Password, Lang::En) => "the password",
        }
    }
}

/// What is wrong with a `TelegramApiUrl` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApiUrlReason {
    Empty,
    /// `/bot<token>` inside: the token is never part of the base.
    HasToken,
    /// The URL parser refused it.
    Url(crate::reason::UrlReason),
    /// Neither https nor http.
    Scheme,
    NoHost,
    QueryOrFragment,
    PortZero,
    /// `user:password@` in the base.
    Credentials,
}

impl ApiUrlReason {
    fn text(self, lang: Lang) -> &'static str {
        use ApiUrlReason::*;
        match (self, lang) {
            (Empty, Lang::En) => "it is empty",
            (Empty, Lang::Ru) => "адрес пуст",
            (HasToken, Lang::En) => {
                "it contains a bot token; give only the base, e.g. https://api.telegram.org"
            }
            (HasToken, Lang::Ru) => {
                "в нём есть токен бота; укажите только основу, например https://api.telegram.org"
            }
            (Url(r), lang) => r.text(lang),
            (Scheme, Lang::En) => {
                "the scheme must be https:// (or http:// for a local Bot API server)"
            }
            (Scheme, Lang::Ru) => {
                "схема должна быть https:// (или http:// для локального Bot API сервера)"
            }
            (NoHost, Lang::En) => "the host is missing",
            (NoHost, Lang::Ru) => "не указан хост",
            (QueryOrFragment, Lang::En) => "a base URL has no ?query or #fragment",
            (QueryOrFragment, Lang::Ru) => "у основы адреса не бывает ?параметров и #фрагмента",
            (PortZero, Lang::En) => "port 0 is not a port one can connect to",
            (PortZero, Lang::Ru) => "порт 0 — не порт, к которому можно подключиться",
            (Credentials, Lang::En) => {
                "a user name or password does not belong in the base address"
            }
            (Credentials, Lang::Ru) => "имени пользователя и пароля в основе адреса не бывает",
        }
    }
}

/// What is wrong with a chat id; the value quoted is already cut.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChatIdReason {
    Empty,
    /// Digits beyond the 64-bit range.
    TooLarge(String),
    /// Digits with spaces or commas: 1C's Строка(Число) groups digits.
    GroupSeparators(String),
    NeitherIntegerNorName(String),
}

impl ChatIdReason {
    fn text(&self, lang: Lang) -> String {
        use ChatIdReason::*;
        match (self, lang) {
            (Empty, Lang::En) => "it is empty".into(),
            (Empty, Lang::Ru) => "он пуст".into(),
            (TooLarge(v), Lang::En) => format!("{v} is too large for a chat id"),
            (TooLarge(v), Lang::Ru) => format!("{v} слишком велико для идентификатора чата"),
            (GroupSeparators(v), Lang::En) => format!(
                "'{v}' looks like a number with group separators; in 1C convert it with \
                 XMLString(Id) or Format(Id, \"NG=0\")"
            ),
            (GroupSeparators(v), Lang::Ru) => format!(
                "«{v}» похоже на число с разделителями групп; в 1С преобразуйте его через \
                 XMLСтрока(Ид) или Формат(Ид, \"ЧГ=0\")"
            ),
            (NeitherIntegerNorName(v), Lang::En) => {
                format!("'{v}' is neither an integer nor @name")
            }
            (NeitherIntegerNorName(v), Lang::Ru) => format!("«{v}» — не целое число и не @имя"),
        }
    }
}

/// Why a webhook certificate cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CertificateReason {
    /// A PEM block is damaged (no END line, bad base64).
    DamagedPem,
    /// A PEM block of another kind (its label, cut).
    NotACertificate(String),
    NoCertificate,
    /// Neither PEM text nor DER bytes.
    NeitherPemNorDer,
    /// The bytes do not parse as an X.509 certificate.
    NotX509,
}

impl CertificateReason {
    fn text(&self, lang: Lang) -> String {
        use CertificateReason::*;
        match (self, lang) {
            (DamagedPem, Lang::En) => {
                "the PEM text is damaged (a block without its END line or with bad base64)".into()
            }
            (DamagedPem, Lang::Ru) => {
                "текст PEM повреждён (блок без строки END или с неверным base64)".into()
            }
            (NotACertificate(label), Lang::En) => {
                format!("a block of kind '{label}' is not a certificate")
            }
            (NotACertificate(label), Lang::Ru) => {
                format!("блок вида «{label}» не является сертификатом")
            }
            (NoCertificate, Lang::En) => "no certificate found".into(),
            (NoCertificate, Lang::Ru) => "сертификат не найден".into(),
            (NeitherPemNorDer, Lang::En) => "it is neither PEM text nor a DER certificate".into(),
            (NeitherPemNorDer, Lang::Ru) => "это не текст PEM и не сертификат DER".into(),
            (NotX509, Lang::En) => "it does not parse as an X.509 certificate".into(),
            (NotX509, Lang::Ru) => "он не разбирается как сертификат X.509".into(),
        }
    }
}

/// Why a Telegram call failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// `TelegramApiUrl` is not an http(s) URL without query and token.
    InvalidApiUrl { reason: ApiUrlReason },
    /// The bot token is not `<digits>:<letters, digits, _ or ->`.
    InvalidToken,
    /// A Bot API method name that is empty or has characters other than Latin letters and digits.
    InvalidMethod { method: String },
    /// The chat id is neither an integer nor `@channelname`.
    InvalidChatId { reason: ChatIdReason },
    /// The message text is empty (Telegram refuses it).
    EmptyText,
    /// A parameter given twice: as an argument and inside the extra parameters.
    ParameterConflict { name: String },
    /// The webhook URL cannot be parsed at all.
    WebhookUrlInvalid { reason: crate::reason::UrlReason },
    /// The webhook URL is not `https://`.
    WebhookNotHttps { scheme: String },
    /// The webhook port is not one of the four Telegram delivers to.
    WebhookPort { port: u16 },
    /// `user:password@` has an empty user name.
    WebhookCredentialsEmptyUser,
    /// A credential has a non-ASCII character (typically a Cyrillic 1C user name).
    WebhookCredentialsNonAscii { part: Credential },
    /// A credential has an ASCII character that must be percent-encoded in a URL, which Telegram
    /// would then send encoded. For the user name the character is shown; for the password not.
    WebhookCredentialsReserved {
        part: Credential,
        character: Option<char>,
    },
    /// The webhook host is a private, loopback or otherwise reserved IP address (real Telegram only).
    WebhookHostReserved { ip: String },
    /// The webhook host is an IPv6 address; Telegram delivers over IPv4 only (real Telegram only).
    WebhookHostIpv6 { ip: String },
    /// The certificate file could not be read: missing, not a regular file (a device, a FIFO,
    /// a directory), larger than [`super::certificate::MAX_CERTIFICATE_FILE`], unreadable.
    CertificateUnreadable(crate::fsio::Error),
    /// A private key was given (alone or next to the certificate); it is never uploaded.
    CertificateIsPrivateKey,
    /// The text or file is not a certificate Telegram can use.
    CertificateInvalid { reason: CertificateReason },
    /// Neither the CN nor a subjectAltName of the certificate is the webhook's host.
    CertificateHostMismatch { host: String, names: Vec<String> },
    /// The certificate's notAfter is in the past.
    CertificateExpired { not_after: String },
    /// The certificate's notBefore is in the future.
    CertificateNotYetValid { not_before: String },
    /// `max_connections` outside 1..=100.
    MaxConnections { value: i64 },
    /// `secret_token` longer than 256, empty, or with characters outside `A-Za-z0-9_-`.
    SecretToken { length: usize, bad_character: bool },
    /// `ip_address` is not an IPv4 address, or is a reserved one against real Telegram.
    IpAddress { value: String, reserved: bool },
    /// `allowed_updates` has an empty name.
    AllowedUpdates,
    /// The options JSON could not be read into [`super::WebhookOptions`].
    InvalidOptions { reason: crate::reason::JsonReason },
    /// Telegram answered `ok: false`.
    Telegram {
        code: i64,
        description: String,
        retry_after: Option<u64>,
    },
    /// The answer is not Telegram's JSON envelope (a reverse proxy's HTML page, a 502...).
    BadResponse {
        url: String,
        status: u16,
        excerpt: String,
    },
    /// The answer is longer than a Bot API answer can be ([`super::MAX_ANSWER`]); not read
    /// past the limit.
    AnswerTooLarge { url: String, limit: u64 },
    /// The request did not complete: refused, TLS, timeout, proxy, DNS, reset. `tls` says why
    /// a TLS handshake failed (with `kind` TLS only). `detail` is the HTTP client's (English)
    /// text, shown in the English rendering only.
    Network {
        kind: FailureKind,
        tls: Option<crate::net::TlsReason>,
        url: String,
        proxy: Option<String>,
        detail: String,
    },
    /// The network settings could not be turned into a client.
    Settings(crate::net::Error),
    /// A file to send or to download, or a poll for updates, failed (see [`TransferError`]).
    Transfer(TransferError),
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
            Error::CertificateUnreadable(e) => Some(e),
            Error::Transfer(e) => Some(e),
            _ => None,
        }
    }
}

impl From<TransferError> for Error {
    fn from(e: TransferError) -> Self {
        Error::Transfer(e)
    }
}

impl From<crate::net::Error> for Error {
    fn from(e: crate::net::Error) -> Self {
        Error::Settings(e)
    }
}

const ALLOWED_CREDENTIAL_CHARS: &str = "A-Z a-z 0-9 . _ ~ -";

impl Localized for Error {
    fn code(&self) -> &'static str {
        match self {
            Error::InvalidApiUrl { .. } => "TELEGRAM_API_URL_INVALID",
            Error::InvalidToken => "TELEGRAM_TOKEN_INVALID",
            Error::InvalidMethod { .. } => "TELEGRAM_METHOD_INVALID",
            Error::InvalidChatId { .. } => "TELEGRAM_CHAT_ID_INVALID",
            Error::EmptyText => "TELEGRAM_TEXT_EMPTY",
            Error::ParameterConflict { .. } => "TELEGRAM_PARAMETER_CONFLICT",
            Error::WebhookUrlInvalid { .. } => "TELEGRAM_WEBHOOK_URL_INVALID",
            Error::WebhookNotHttps { .. } => "TELEGRAM_WEBHOOK_NOT_HTTPS",
            Error::WebhookPort { .. } => "TELEGRAM_WEBHOOK_PORT",
            Error::WebhookCredentialsEmptyUser => "TELEGRAM_WEBHOOK_AUTH_EMPTY_USER",
            Error::WebhookCredentialsNonAscii { .. } => "TELEGRAM_WEBHOOK_AUTH_NON_ASCII",
            Error::WebhookCredentialsReserved { .. } => "TELEGRAM_WEBHOOK_AUTH_RESERVED_CHAR",
            Error::WebhookHostReserved { .. } => "TELEGRAM_WEBHOOK_IP_RESERVED",
            Error::WebhookHostIpv6 { .. } => "TELEGRAM_WEBHOOK_IPV6",
            Error::CertificateUnreadable(_) => "TELEGRAM_CERT_UNREADABLE",
            Error::CertificateIsPrivateKey => "TELEGRAM_CERT_IS_PRIVATE_KEY",
            Error::CertificateInvalid { .. } => "TELEGRAM_CERT_INVALID",
            Error::CertificateHostMismatch { .. } => "TELEGRAM_CERT_HOST_MISMATCH",
            Error::CertificateExpired { .. } => "TELEGRAM_CERT_EXPIRED",
            Error::CertificateNotYetValid { .. } => "TELEGRAM_CERT_NOT_YET_VALID",
            Error::MaxConnections { .. } => "TELEGRAM_MAX_CONNECTIONS",
            Error::SecretToken { .. } => "TELEGRAM_SECRET_TOKEN",
            Error::IpAddress { .. } => "TELEGRAM_IP_ADDRESS",
            Error::AllowedUpdates => "TELEGRAM_ALLOWED_UPDATES",
            Error::InvalidOptions { .. } => "TELEGRAM_OPTIONS_INVALID",
            Error::Telegram { code: 401, .. } => "TELEGRAM_UNAUTHORIZED",
            Error::Telegram { code: 429, .. } => "TELEGRAM_TOO_MANY_REQUESTS",
            Error::Telegram { .. } => "TELEGRAM_API_ERROR",
            Error::BadResponse { .. } => "TELEGRAM_BAD_RESPONSE",
            Error::AnswerTooLarge { .. } => "TELEGRAM_ANSWER_TOO_LARGE",
            Error::Network { kind, .. } => match kind {
                FailureKind::Timeout => "TELEGRAM_NET_TIMEOUT",
                FailureKind::Dns => "TELEGRAM_NET_DNS",
                FailureKind::ConnectionRefused => "TELEGRAM_NET_REFUSED",
                FailureKind::ConnectionReset => "TELEGRAM_NET_RESET",
                FailureKind::Tls => "TELEGRAM_NET_TLS",
                FailureKind::Proxy => "TELEGRAM_NET_PROXY",
                FailureKind::Other => "TELEGRAM_NET_OTHER",
            },
            Error::Settings(e) => e.code(),
            Error::Transfer(e) => e.code(),
        }
    }

    fn settings(&self) -> &'static [Setting] {
        use Setting::*;
        match self {
            Error::InvalidApiUrl { .. } => &[TelegramApiUrl],
            Error::BadResponse { .. } | Error::AnswerTooLarge { .. } => &[TelegramApiUrl, Proxy],
            Error::Network { kind, tls, .. } => match kind {
                FailureKind::Timeout => &[Proxy, Timeout],
                // A name that does not resolve: a typo in the address, or a resolver that hides
                // it (then a proxy resolving names itself, socks5h).
                FailureKind::Dns => &[TelegramApiUrl, Proxy],
                FailureKind::ConnectionRefused => &[TelegramApiUrl, Proxy],
                // Dropped by the other side: where Telegram is blocked, the way round is a proxy.
                FailureKind::ConnectionReset | FailureKind::Proxy => &[Proxy],
                FailureKind::Tls => match tls {
                    Some(reason) if !reason.trust_helps() => match reason {
                        crate::net::TlsReason::WrongName { .. } => &[TelegramApiUrl],
                        _ => &[],
                    },
                    _ => &[TrustedCertificates],
                },
                FailureKind::Other => &[],
            },
            Error::Settings(e) => e.settings(),
            Error::Transfer(e) => e.settings(),
            _ => &[],
        }
    }

    fn message(&self, lang: Lang) -> String {
        self.message_named(lang, &Plain)
    }

    fn message_named(&self, lang: Lang, names: &dyn Names) -> String {
        match (self, lang) {
            (Error::InvalidApiUrl { reason }, Lang::Ru) => format!(
                "неверный адрес Telegram API: {}. Ожидается https://api.telegram.org или адрес \
                 своего Bot API сервера, без токена",
                reason.text(lang)
            ),
            (Error::InvalidApiUrl { reason }, Lang::En) => format!(
                "invalid Telegram API address: {}. Expected https://api.telegram.org or your \
                 own Bot API server, without the token",
                reason.text(lang)
            ),
            (Error::InvalidToken, Lang::Ru) => {
                "неверный токен бота: ожидается вид 123456789:AAH… (цифры, двоеточие, латинские \
                 буквы, цифры, _ и -), как его выдал @BotFather, без пробелов и без слова bot"
                    .to_owned()
            }
            (Error::InvalidToken, Lang::En) => {
                "invalid bot token: expected 123456789:AAH… (digits, a colon, Latin letters, \
                 digits, _ and -) as @BotFather gave it, without spaces and without the word bot"
                    .to_owned()
            }
            (Error::InvalidMethod { method }, Lang::Ru) => format!(
                "неверное имя метода Bot API «{method}»: ожидаются латинские буквы и цифры, \
                 например sendMessage"
            ),
            (Error::InvalidMethod { method }, Lang::En) => format!(
                "invalid Bot API method name '{method}': expected Latin letters and digits, \
                 e.g. sendMessage"
            ),
            (Error::InvalidChatId { reason }, Lang::Ru) => format!(
                "неверный идентификатор чата: {}. Ожидается целое число (например \
                 -1001234567890) или @имяканала",
                reason.text(lang)
            ),
            (Error::InvalidChatId { reason }, Lang::En) => format!(
                "invalid chat id: {}. Expected an integer (such as -1001234567890) or \
                 @channelname",
                reason.text(lang)
            ),
            (Error::EmptyText, Lang::Ru) => {
                "текст сообщения пуст: Telegram не отправляет пустые сообщения".to_owned()
            }
            (Error::EmptyText, Lang::En) => {
                "the message text is empty: Telegram does not send empty messages".to_owned()
            }
            (Error::ParameterConflict { name }, Lang::Ru) => format!(
                "параметр «{name}» передан дважды: аргументом и в дополнительных параметрах{}. \
                 Уберите его из дополнительных параметров",
                mention(names, Term::Options, lang)
            ),
            (Error::ParameterConflict { name }, Lang::En) => format!(
                "parameter '{name}' is given twice: as an argument and in the options{}. Remove \
                 it from the options",
                mention(names, Term::Options, lang)
            ),
            (Error::WebhookUrlInvalid { reason }, Lang::Ru) => format!(
                "адрес webhook не разобран ({}). Ожидается \
                 https://[пользователь:пароль@]хост[:порт]/путь",
                reason.text(lang)
            ),
            (Error::WebhookUrlInvalid { reason }, Lang::En) => format!(
                "the webhook URL cannot be parsed ({}). Expected \
                 https://[user:password@]host[:port]/path",
                reason.text(lang)
            ),
            (Error::WebhookNotHttps { scheme }, Lang::Ru) => format!(
                "адрес webhook начинается с {scheme}://, а Telegram доставляет обновления \
                 только по https://. Опубликуйте http-сервис по https и укажите адрес https://…"
            ),
            (Error::WebhookNotHttps { scheme }, Lang::En) => format!(
                "the webhook URL starts with {scheme}://, but Telegram delivers updates only \
                 over https://. Publish the http-service over https and give an https:// URL"
            ),
            (Error::WebhookPort { port }, Lang::Ru) => format!(
                "порт {port} в адресе webhook не поддерживается: Telegram доставляет только на \
                 порты 443, 80, 88 и 8443. Привяжите публикацию (IIS/Apache) к одному из них"
            ),
            (Error::WebhookPort { port }, Lang::En) => format!(
                "port {port} in the webhook URL is not supported: Telegram delivers only to \
                 ports 443, 80, 88 and 8443. Bind the publication (IIS/Apache) to one of them"
            ),
            (Error::WebhookCredentialsEmptyUser, Lang::Ru) => {
                "в адресе webhook указан пароль без имени пользователя. Пишите \
                 https://пользователь:пароль@хост/…"
                    .to_owned()
            }
            (Error::WebhookCredentialsEmptyUser, Lang::En) => {
                "the webhook URL has a password but no user name. Write \
                 https://user:password@host/…"
                    .to_owned()
            }
            (Error::WebhookCredentialsNonAscii { part }, Lang::Ru) => format!(
                "{} в адресе webhook содержит не латинские символы. Telegram передаёт \
                 пользователя и пароль из адреса как есть, без раскодирования, и 1С такой \
                 вход не примет. Создайте для http-сервиса отдельного пользователя 1С с \
                 латинским именем и паролем из символов {ALLOWED_CREDENTIAL_CHARS}",
                part.name(lang)
            ),
            (Error::WebhookCredentialsNonAscii { part }, Lang::En) => format!(
                "{} in the webhook URL has non-Latin characters. Telegram passes the user \
                 and password from the URL as written, without decoding, and 1C will not \
                 accept such a login. Create a dedicated 1C user with a Latin name for the \
                 http-service, with a password made of {ALLOWED_CREDENTIAL_CHARS}",
                part.name(lang)
            ),
            (Error::WebhookCredentialsReserved { part, character }, Lang::Ru) => format!(
                "{} в адресе webhook содержит символ{}, который в адресе нужно \
                 кодировать (%XX), а Telegram такие коды не раскодирует, и вход в 1С не \
                 пройдёт. Используйте для http-сервиса пользователя и пароль только из \
                 символов {ALLOWED_CREDENTIAL_CHARS}",
                part.name(lang),
                shown_character(*character)
            ),
            (Error::WebhookCredentialsReserved { part, character }, Lang::En) => format!(
                "{} in the webhook URL has a character{} that must be percent-encoded \
                 in a URL, and Telegram does not decode it, so the 1C login will fail. Use a \
                 user and password for the http-service made only of {ALLOWED_CREDENTIAL_CHARS}",
                part.name(lang),
                shown_character(*character)
            ),
            (Error::WebhookHostReserved { ip }, Lang::Ru) => format!(
                "адрес {ip} в webhook — частный, локальный или зарезервированный (или имя \
                 без домена): серверы Telegram до него не доберутся и setWebhook его отклонит. \
                 Укажите внешний (статический) IP или доменное имя публикации"
            ),
            (Error::WebhookHostReserved { ip }, Lang::En) => format!(
                "{ip} in the webhook URL is a private, loopback or reserved address (or a \
                 name without a domain): Telegram's servers cannot reach it and setWebhook \
                 refuses it. Give the publication's public (static) IP or domain name"
            ),
            (Error::WebhookHostIpv6 { ip }, Lang::Ru) => format!(
                "адрес {ip} в webhook — IPv6, а Telegram доставляет обновления только по IPv4. \
                 Укажите IPv4-адрес или доменное имя с A-записью"
            ),
            (Error::WebhookHostIpv6 { ip }, Lang::En) => format!(
                "{ip} in the webhook URL is IPv6, but Telegram delivers updates over IPv4 \
                 only. Give an IPv4 address or a domain name with an A record"
            ),
            (Error::CertificateUnreadable(e), Lang::Ru) => format!(
                "сертификат не прочитан: {}. Передайте путь к файлу .pem или сам текст PEM",
                e.message(lang)
            ),
            (Error::CertificateUnreadable(e), Lang::En) => format!(
                "cannot read the certificate: {}. Pass the path to the .pem file or the PEM \
                 text itself",
                e.message(lang)
            ),
            (Error::CertificateIsPrivateKey, Lang::Ru) => {
                "вместо сертификата (или вместе с ним) передан закрытый ключ. В Telegram \
                 загружается только сертификат (файл .pem с -----BEGIN CERTIFICATE-----), ключ \
                 остаётся на веб-сервере и никому не передаётся"
                    .to_owned()
            }
            (Error::CertificateIsPrivateKey, Lang::En) => {
                "a private key was given instead of (or together with) the certificate. Only \
                 the certificate is uploaded to Telegram (the .pem with -----BEGIN \
                 CERTIFICATE-----); the key stays on the web server and is never shared"
                    .to_owned()
            }
            (Error::CertificateInvalid { reason }, Lang::Ru) => format!(
                "сертификат не подходит: {}. Передайте сертификат в формате PEM \
                 (-----BEGIN CERTIFICATE-----), например созданный openssl req -x509",
                reason.text(lang)
            ),
            (Error::CertificateInvalid { reason }, Lang::En) => format!(
                "the certificate cannot be used: {}. Pass a PEM certificate \
                 (-----BEGIN CERTIFICATE-----), such as one made by openssl req -x509",
                reason.text(lang)
            ),
            (Error::CertificateHostMismatch { host, names }, Lang::Ru) => format!(
                "сертификат выдан на {}, а в адресе webhook хост {host}: Telegram \
                 отклонит его (certificate verify failed). Выпустите сертификат с CN и \
                 subjectAltName = {host} и установите его на веб-сервер",
                name_list(names)
            ),
            (Error::CertificateHostMismatch { host, names }, Lang::En) => format!(
                "the certificate is for {}, but the webhook URL's host is {host}: \
                 Telegram will reject it (certificate verify failed). Make a certificate with \
                 CN and subjectAltName = {host} and install it on the web server",
                name_list(names)
            ),
            (Error::CertificateExpired { not_after }, Lang::Ru) => format!(
                "срок действия сертификата истёк {not_after}: Telegram его не примет. \
                 Выпустите новый сертификат, установите его на веб-сервер и снова установите \
                 webhook{}",
                mention(names, Term::SetWebhook, lang)
            ),
            (Error::CertificateExpired { not_after }, Lang::En) => format!(
                "the certificate expired on {not_after}: Telegram will not accept it. Make a \
                 new certificate, install it on the web server and set the webhook again{}",
                mention(names, Term::SetWebhook, lang)
            ),
            (Error::CertificateNotYetValid { not_before }, Lang::Ru) => format!(
                "сертификат начнёт действовать только {not_before}: проверьте часы компьютера, \
                 на котором он выпущен, и выпустите его заново"
            ),
            (Error::CertificateNotYetValid { not_before }, Lang::En) => format!(
                "the certificate is valid only from {not_before}: check the clock of the \
                 computer that made it and make it again"
            ),
            (Error::MaxConnections { value }, Lang::Ru) => {
                format!("max_connections = {value}: допустимо от 1 до 100 (по умолчанию 40)")
            }
            (Error::MaxConnections { value }, Lang::En) => {
                format!("max_connections = {value}: allowed 1 to 100 (40 by default)")
            }
            (
                Error::SecretToken {
                    bad_character: true,
                    ..
                },
                Lang::Ru,
            ) => "secret_token содержит недопустимый символ: разрешены только A-Z, a-z, 0-9, _ \
                  и -"
            .to_owned(),
            (
                Error::SecretToken {
                    bad_character: true,
                    ..
                },
                Lang::En,
            ) => "secret_token has a character that is not allowed: only A-Z, a-z, 0-9, _ and -"
                .to_owned(),
            (Error::SecretToken { length, .. }, Lang::Ru) => {
                format!("длина secret_token {length}: допустимо от 1 до 256 символов")
            }
            (Error::SecretToken { length, .. }, Lang::En) => {
                format!("secret_token is {length} characters long: allowed 1 to 256")
            }
            (
                Error::IpAddress {
                    value,
                    reserved: true,
                },
                Lang::Ru,
            ) => format!(
                "ip_address {value} — частный, локальный или зарезервированный адрес: \
                 Telegram до него не доберётся. Укажите внешний IPv4 публикации"
            ),
            (
                Error::IpAddress {
                    value,
                    reserved: true,
                },
                Lang::En,
            ) => format!(
                "ip_address {value} is a private, loopback or reserved address: Telegram \
                 cannot reach it. Give the publication's public IPv4 address"
            ),
            (Error::IpAddress { value, .. }, Lang::Ru) => format!(
                "ip_address «{value}» не является IPv4-адресом (ожидается вида 203.0.113.5)"
            ),
            (Error::IpAddress { value, .. }, Lang::En) => {
                format!("ip_address '{value}' is not an IPv4 address (expected e.g. 203.0.113.5)")
            }
            (Error::AllowedUpdates, Lang::Ru) => {
                "allowed_updates содержит пустое имя: ожидается массив вроде [\"message\", \
                 \"callback_query\"]"
                    .to_owned()
            }
            (Error::AllowedUpdates, Lang::En) => {
                "allowed_updates has an empty name: expected an array like [\"message\", \
                 \"callback_query\"]"
                    .to_owned()
            }
            (Error::InvalidOptions { reason }, Lang::Ru) => format!(
                "дополнительные параметры{} не разобраны ({}). Допустимы ip_address, \
                 max_connections, allowed_updates, drop_pending_updates, secret_token",
                mention(names, Term::Options, lang),
                reason.text(lang)
            ),
            (Error::InvalidOptions { reason }, Lang::En) => format!(
                "the options{} cannot be read ({}). Allowed: ip_address, max_connections, \
                 allowed_updates, drop_pending_updates, secret_token",
                mention(names, Term::Options, lang),
                reason.text(lang)
            ),
            (
                Error::Telegram {
                    code,
                    description,
                    retry_after,
                },
                Lang::Ru,
            ) => format!(
                "Telegram ответил ошибкой {code}: {description}{}.{}",
                retry_wait(*retry_after, lang),
                telegram_hint(*code, lang)
            ),
            (
                Error::Telegram {
                    code,
                    description,
                    retry_after,
                },
                Lang::En,
            ) => format!(
                "Telegram answered with error {code}: {description}{}.{}",
                retry_wait(*retry_after, lang),
                telegram_hint(*code, lang)
            ),
            (
                Error::BadResponse {
                    url,
                    status,
                    excerpt,
                },
                Lang::Ru,
            ) => format!(
                "{url} ответил HTTP {status}, но не ответом Bot API ({excerpt}). Проверьте \
                 адрес Telegram API и прокси"
            ),
            (
                Error::BadResponse {
                    url,
                    status,
                    excerpt,
                },
                Lang::En,
            ) => format!(
                "{url} answered HTTP {status}, but not with a Bot API answer ({excerpt}). \
                 Check the Telegram API address and the proxy"
            ),
            (Error::AnswerTooLarge { url, limit }, Lang::Ru) => format!(
                "{url} прислал ответ длиннее {} МБ: это не ответ Bot API, он не \
                 дочитан. Проверьте адрес Telegram API и прокси",
                limit / (1024 * 1024)
            ),
            (Error::AnswerTooLarge { url, limit }, Lang::En) => format!(
                "{url} sent an answer longer than {} MB: not a Bot API answer, it was \
                 not read to the end. Check the Telegram API address and the proxy",
                limit / (1024 * 1024)
            ),
            (
                Error::Network {
                    kind,
                    tls,
                    url,
                    proxy,
                    detail,
                },
                _,
            ) => network_message(*kind, tls.as_ref(), url, proxy.as_deref(), detail, lang),
            (Error::Settings(e), _) => e.message_named(lang, names),
            (Error::Transfer(e), _) => e.message_named(lang, names),
        }
    }
}

/// ` «c»` when the character may be shown (a user name's), nothing for a password's.
fn shown_character(character: Option<char>) -> String {
    match character {
        Some(c) => format!(" «{c}»"),
        None => String::new(),
    }
}

/// The names a certificate is for, or `-` when it has none.
fn name_list(names: &[String]) -> String {
    if names.is_empty() {
        "-".to_owned()
    } else {
        names.join(", ")
    }
}

/// ` (retry_after N s)` when Telegram said how long to wait.
fn retry_wait(retry_after: Option<u64>, lang: Lang) -> String {
    match (retry_after, lang) {
        (Some(s), Lang::Ru) => format!(" (retry_after {s} с)"),
        (Some(s), Lang::En) => format!(" (retry_after {s} s)"),
        (None, _) => String::new(),
    }
}

/// What to check after Telegram's error `code` (empty for codes without advice).
fn telegram_hint(code: i64, lang: Lang) -> &'static str {
    match (code, lang) {
        (401 | 404, Lang::Ru) => " Проверьте токен бота (его выдаёт @BotFather) и имя метода.",
        (401 | 404, Lang::En) => " Check the bot token (from @BotFather) and the method name.",
        (409, Lang::Ru) => {
            " Конфликт режимов: при установленном webhook getUpdates не работает (удалите \
             webhook) или бот уже запущен в другом месте."
        }
        (409, Lang::En) => {
            " A mode conflict: getUpdates does not work while a webhook is set (delete the \
             webhook), or the bot runs elsewhere."
        }
        (429, Lang::Ru) => " Слишком частые запросы: подождите и повторите позже.",
        (429, Lang::En) => " Too many requests: wait and try again later.",
        _ => "",
    }
}

fn network_message(
    kind: FailureKind,
    tls: Option<&crate::net::TlsReason>,
    url: &str,
    proxy: Option<&str>,
    detail: &str,
    lang: Lang,
) -> String {
    let via = match (proxy, lang) {
        (Some(p), Lang::Ru) => format!(" через прокси {p}"),
        (Some(p), Lang::En) => format!(" through proxy {p}"),
        (None, _) => String::new(),
    };
    if kind == FailureKind::Tls {
        let reason = tls.cloned().unwrap_or(crate::net::TlsReason::Other);
        let (what, todo) = (reason.what(lang), reason.remedy(lang));
        return match lang {
            Lang::En => format!("{url}{via}: TLS failed: {what} ({detail}); {todo}"),
            Lang::Ru => format!("{url}{via}: ошибка TLS: {what}; {todo}"),
        };
    }
    let (what, todo) = failure_words(kind, lang);
    match lang {
        Lang::En => format!("{url}{via}: {what} ({detail}); {todo}"),
        // The detail is the HTTP client's English: the kind says it in Russian.
        Lang::Ru => format!("{url}{via}: {what}; {todo}"),
    }
}

/// What happened and what to do about it, for a failed request.
fn failure_words(kind: FailureKind, lang: Lang) -> (&'static str, &'static str) {
    match (kind, lang) {
        (FailureKind::Timeout, Lang::Ru) => (
            "истёк тайм-аут",
            "проверьте сеть и прокси или увеличьте тайм-аут",
        ),
        (FailureKind::Timeout, Lang::En) => (
            "the timeout expired",
            "check the network and the proxy, or raise the timeout",
        ),
        (FailureKind::Dns, Lang::Ru) => (
            "имя хоста не разрешается",
            "проверьте DNS или используйте прокси socks5h://, который разрешает имена сам",
        ),
        (FailureKind::Dns, Lang::En) => (
            "the host name does not resolve",
            "check DNS, or use a socks5h:// proxy, which resolves names itself",
        ),
        (FailureKind::ConnectionRefused, Lang::Ru) => (
            "соединение отклонено",
            "по этому адресу и порту никто не слушает: проверьте адрес Telegram API и прокси",
        ),
        (FailureKind::ConnectionRefused, Lang::En) => (
            "the connection was refused",
            "nothing listens at that address and port: check the Telegram API address and the \
             proxy",
        ),
        (FailureKind::ConnectionReset, Lang::Ru) => (
            "соединение разорвано",
            "его оборвал сервер, межсетевой экран или прокси; попробуйте прокси или повторите \
             позже",
        ),
        (FailureKind::ConnectionReset, Lang::En) => (
            "the connection was dropped",
            "the server, a firewall or the proxy cut it; try a proxy or try again later",
        ),
        // Said by the TLS reason (see network_message); never reached.
        (FailureKind::Tls, Lang::Ru) => ("ошибка TLS", "проверьте доверенные сертификаты"),
        (FailureKind::Tls, Lang::En) => ("TLS failed", "check the trusted certificates"),
        (FailureKind::Proxy, Lang::Ru) => (
            "прокси не пропустил запрос",
            "проверьте адрес, порт, схему, имя и пароль прокси",
        ),
        (FailureKind::Proxy, Lang::En) => (
            "the proxy did not let the request through",
            "check the proxy's address, port, scheme, user name and password",
        ),
        (FailureKind::Other, Lang::Ru) => ("запрос не выполнен", "повторите позже"),
        (FailureKind::Other, Lang::En) => ("the request failed", "try again later"),
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    #[test]
    fn messages_in_both_languages() {
        let e = Error::WebhookCredentialsReserved {
            part: Credential::User,
            character: Some('@'),
        };
        assert!(
            e.message(Lang::Ru).starts_with(
                "имя пользователя в адресе webhook содержит символ «@», который в адресе нужно \
                 кодировать (%XX)"
            ),
            "{}",
            e.message(Lang::Ru)
        );
        assert!(e
            .message(Lang::En)
            .starts_with("the user name in the webhook URL has a character «@» that must be"));
        let e = Error::Telegram {
            code: 429,
            description: "Too Many Requests".into(),
            retry_after: Some(5),
        };
        assert_eq!(
            e.message(Lang::Ru),
            "Telegram ответил ошибкой 429: Too Many Requests (retry_after 5 с). Слишком частые \
             запросы: подождите и повторите позже."
        );
        assert_eq!(
            e.message(Lang::En),
            "Telegram answered with error 429: Too Many Requests (retry_after 5 s). Too many \
             requests: wait and try again later."
        );
        let e = Error::Network {
            kind: FailureKind::Timeout,
            tls: None,
            url: "https://api.telegram.org".into(),
            proxy: Some("http://proxy:3128".into()),
            detail: "30 s".into(),
        };
        assert_eq!(
            e.message(Lang::Ru),
            "https://api.telegram.org через прокси http://proxy:3128: истёк тайм-аут; \
             проверьте сеть и прокси или увеличьте тайм-аут"
        );
        assert_eq!(e.code(), "TELEGRAM_NET_TIMEOUT");
    }

    #[test]
    fn display_is_the_english_message_and_wrapped_errors_are_sources() {
        let e = Error::SecretToken {
            length: 300,
            bad_character: false,
        };
        assert_eq!(
            e.to_string(),
            "secret_token is 300 characters long: allowed 1 to 256"
        );
        assert!(e.source().is_none());
        let settings = Error::Settings(crate::net::Error::PrivateKeyInsteadOfCertificate);
        assert_eq!(settings.code(), "NET_TRUSTED_IS_PRIVATE_KEY");
        assert_eq!(
            settings.source().map(|s| s.to_string()),
            Some(settings.to_string())
        );
    }
}
