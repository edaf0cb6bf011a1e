//! What every network call shares: the timeout, the proxy, the trusted certificates and the one
//! TLS configuration (rustls with the ring provider) used by HTTP (Telegram, BOSH) and by XMPP
//! over TCP alike, so that every target builds with the same crypto.

pub(crate) mod detached;
mod dns;
pub mod http;
mod proxy;
pub mod secrets;
mod setting;
pub mod tls;
pub mod tls_reason;
mod trust;
pub mod tunnel;

use std::fmt;
use std::time::Duration;

use crate::i18n::{Lang, Localized};

pub use proxy::{Proxy, ProxyScheme};
pub use setting::{mention, Names, Plain, Setting, Term};
pub use tls_reason::TlsReason;
pub use trust::TrustedCertificates;

/// The settings a network call is made with; the add-in fills them from its properties.
#[derive(Clone, Debug)]
pub struct NetSettings {
    /// The whole call, connection to last byte, ends within this.
    pub timeout: Duration,
    /// Where to send traffic instead of connecting directly.
    pub proxy: Option<Proxy>,
    /// Certificates trusted in addition to the system roots.
    pub trusted: TrustedCertificates,
}

impl Default for NetSettings {
    fn default() -> Self {
        NetSettings {
            timeout: Duration::from_secs(30),
            proxy: None,
            trusted: TrustedCertificates::default(),
        }
    }
}

/// Why a network setting was refused or a TLS configuration could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The proxy string is not `scheme://[user:password@]host:port` with a known scheme.
    InvalidProxy(ProxyReason),
    /// The trusted-certificates text holds a block that is not a PEM certificate, or none at all.
    InvalidTrustedPem(PemReason),
    /// A private key was given where certificates are expected.
    PrivateKeyInsteadOfCertificate,
    /// The HTTP client or the TLS configuration could not be built (the TLS library refused
    /// the configuration or a trusted certificate). `source` is that library's error: its
    /// English text is shown in the English rendering only.
    TlsConfig { source: ClientError },
}

/// The HTTP client's or the TLS library's own error behind [`Error::TlsConfig`], kept whole as
/// its `source()`. Shared so that the error stays `Clone`; two are equal when they say the same.
#[derive(Debug, Clone)]
pub struct ClientError(std::sync::Arc<dyn std::error::Error + Send + Sync>);

impl ClientError {
    pub fn new(e: impl std::error::Error + Send + Sync + 'static) -> ClientError {
        ClientError(std::sync::Arc::new(e))
    }
}

impl PartialEq for ClientError {
    fn eq(&self, other: &ClientError) -> bool {
        self.0.to_string() == other.0.to_string()
    }
}

impl Eq for ClientError {}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// What exactly is wrong with a proxy address (never holds the password).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProxyReason {
    /// No `scheme://` in front.
    NoScheme,
    /// The URL parser refused it.
    Url(crate::reason::UrlReason),
    /// A scheme other than http, https, socks5, socks5h (the scheme, cut).
    UnsupportedScheme(String),
    NoHost,
    /// SOCKS has no default port.
    NoPort,
    PortZero,
    /// Something after the port.
    HasPath,
    /// The HTTP client refused an address we accepted (its English text, for `Display`).
    ClientRefused(String),
}

impl ProxyReason {
    fn text(&self, lang: Lang) -> String {
        use ProxyReason::*;
        match (self, lang) {
            (NoScheme, Lang::En) => {
                "the scheme is missing (write http://host:port or socks5://host:port)".into()
            }
            (NoScheme, Lang::Ru) => {
                "не указана схема (пишите http://хост:порт или socks5://хост:порт)".into()
            }
            (Url(r), lang) => r.text(lang).into(),
            (UnsupportedScheme(s), Lang::En) => format!("unsupported scheme '{s}'"),
            (UnsupportedScheme(s), Lang::Ru) => format!("схема '{s}' не поддерживается"),
            (NoHost, Lang::En) => "the host is missing".into(),
            (NoHost, Lang::Ru) => "не указан хост".into(),
            (NoPort, Lang::En) => "the port is missing (SOCKS has no default port)".into(),
            (NoPort, Lang::Ru) => "не указан порт (у SOCKS нет порта по умолчанию)".into(),
            (PortZero, Lang::En) => "port 0 is not a port one can connect to".into(),
            (PortZero, Lang::Ru) => "порт 0 — не порт, к которому можно подключиться".into(),
            (HasPath, Lang::En) => "a proxy address has no path".into(),
            (HasPath, Lang::Ru) => "у адреса прокси не бывает пути".into(),
            (ClientRefused(detail), Lang::En) => format!("the HTTP client refused it ({detail})"),
            (ClientRefused(_), Lang::Ru) => "HTTP-клиент его не принял".into(),
        }
    }
}

/// What exactly is wrong with the trusted-certificates text.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PemReason {
    /// A block has no END line.
    MissingEnd,
    /// A BEGIN line is malformed.
    BadBegin,
    /// A block's base64 does not decode.
    BadBase64,
    /// A block larger than the PEM reader takes.
    TooLarge,
    /// A block of another kind (the kind's name, as the PEM reader calls it).
    NotACertificate(String),
    /// No certificate block at all.
    NoCertificate,
    /// The certificate with this 1-based number is no X.509 certificate a TLS client can trust.
    Unusable(usize),
}

impl PemReason {
    /// The PEM reader's failure as our own reason (its texts are English).
    pub(crate) fn of(e: &rustls_pki_types::pem::Error) -> PemReason {
        use rustls_pki_types::pem::Error as E;
        match e {
            E::MissingSectionEnd { .. } => PemReason::MissingEnd,
            E::IllegalSectionStart { .. } => PemReason::BadBegin,
            E::SectionTooLarge => PemReason::TooLarge,
            E::NoItemsFound => PemReason::NoCertificate,
            _ => PemReason::BadBase64,
        }
    }

    fn text(&self, lang: Lang) -> String {
        use PemReason::*;
        match (self, lang) {
            (MissingEnd, Lang::En) => "a block has no -----END …----- line".into(),
            (MissingEnd, Lang::Ru) => "у блока нет строки -----END …-----".into(),
            (BadBegin, Lang::En) => "a -----BEGIN …----- line is malformed".into(),
            (BadBegin, Lang::Ru) => "строка -----BEGIN …----- записана с ошибкой".into(),
            (BadBase64, Lang::En) => "a block is not valid base64".into(),
            (BadBase64, Lang::Ru) => "блок не является правильным base64".into(),
            (TooLarge, Lang::En) => "a block is too large".into(),
            (TooLarge, Lang::Ru) => "блок слишком велик".into(),
            (NotACertificate(kind), Lang::En) => {
                format!("a block of kind {kind} is not a certificate")
            }
            (NotACertificate(kind), Lang::Ru) => {
                format!("блок вида {kind} не является сертификатом")
            }
            (NoCertificate, Lang::En) => "no certificate found".into(),
            (NoCertificate, Lang::Ru) => "сертификаты не найдены".into(),
            (Unusable(i), Lang::En) => {
                format!("certificate {i} is not an X.509 certificate that TLS can trust")
            }
            (Unusable(i), Lang::Ru) => {
                format!("сертификат {i} — не сертификат X.509, которому TLS может доверять")
            }
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

impl std::error::Error for Error {
    /// `TlsConfig` wraps the TLS library's or the HTTP client's error; the proxy and PEM
    /// reasons are our own. Listed per variant so that a wrapping variant added later has to say
    /// what its source is.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::TlsConfig { source } => Some(&*source.0),
            Error::InvalidProxy(_)
            | Error::InvalidTrustedPem(_)
            | Error::PrivateKeyInsteadOfCertificate => None,
        }
    }
}

/// A proxy failure is the source of the XMPP error that reports it.
impl std::error::Error for tunnel::ProxyError {}

impl Localized for Error {
    fn code(&self) -> &'static str {
        match self {
            Error::InvalidProxy { .. } => "NET_PROXY_INVALID",
            Error::InvalidTrustedPem { .. } => "NET_TRUSTED_PEM_INVALID",
            Error::PrivateKeyInsteadOfCertificate => "NET_TRUSTED_IS_PRIVATE_KEY",
            Error::TlsConfig { .. } => "NET_TLS_CONFIG",
        }
    }

    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (Error::InvalidProxy(reason), Lang::Ru) => format!(
                "неверный адрес прокси: {}. Ожидается http://[пользователь:пароль@]хост:порт, \
                 https://…, socks5://… или socks5h://…",
                reason.text(lang)
            ),
            (Error::InvalidProxy(reason), Lang::En) => format!(
                "invalid proxy address: {}. Expected http://[user:password@]host:port, \
                 https://…, socks5://… or socks5h://…",
                reason.text(lang)
            ),
            (Error::InvalidTrustedPem(reason), Lang::Ru) => format!(
                "доверенные сертификаты: {}. Ожидается текст PEM с одним или несколькими \
                 блоками -----BEGIN CERTIFICATE-----",
                reason.text(lang)
            ),
            (Error::InvalidTrustedPem(reason), Lang::En) => format!(
                "trusted certificates: {}. Expected PEM text with one or more \
                 -----BEGIN CERTIFICATE----- blocks",
                reason.text(lang)
            ),
            (Error::PrivateKeyInsteadOfCertificate, Lang::Ru) => {
                "вместо сертификата передан закрытый ключ. Передайте файл .pem с сертификатом, \
                 а ключ никому не отдавайте"
                    .to_owned()
            }
            (Error::PrivateKeyInsteadOfCertificate, Lang::En) => {
                "a private key was given instead of a certificate. Pass the .pem certificate \
                 and keep the key to yourself"
                    .to_owned()
            }
            (Error::TlsConfig { .. }, Lang::Ru) => {
                "не удалось настроить TLS: библиотека TLS отвергла настройки".to_owned()
            }
            (Error::TlsConfig { source }, Lang::En) => {
                format!(
                    "cannot configure TLS: {}",
                    crate::i18n::clip(&source.to_string())
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    #[test]
    fn messages_in_both_languages_and_no_source() {
        let e = Error::InvalidProxy(ProxyReason::NoPort);
        assert_eq!(
            e.message(Lang::Ru),
            "неверный адрес прокси: не указан порт (у SOCKS нет порта по умолчанию). Ожидается \
             http://[пользователь:пароль@]хост:порт, https://…, socks5://… или socks5h://…"
        );
        assert_eq!(e.to_string(), e.message(Lang::En));
        assert!(e.source().is_none());
        // The TLS client's English text stays out of the Russian message.
        let e = Error::TlsConfig {
            source: ClientError::new(std::io::Error::other("builder error")),
        };
        assert!(!e.message(Lang::Ru).contains("builder"));
        assert!(e.message(Lang::En).contains("builder error"));
        // The library's error is kept as the source.
        let source = e.source().expect("TlsConfig has a source");
        assert_eq!(source.to_string(), "builder error");
        assert!(source.downcast_ref::<std::io::Error>().is_some());
        assert_eq!(e.clone(), e);
    }
}
