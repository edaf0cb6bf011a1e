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
mod trust;
pub mod tunnel;

use std::fmt;
use std::time::Duration;

use crate::i18n::{Lang, Localized};

pub use proxy::{Proxy, ProxyScheme};
pub use setting::Setting;
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
    InvalidProxy {
        /// What exactly is wrong, in English and Russian (never contains the password).
        reason_en: String,
        reason_ru: String,
    },
    /// The trusted-certificates text holds a block that is not a PEM certificate, or none at all.
    InvalidTrustedPem {
        reason_en: String,
        reason_ru: String,
    },
    /// A private key was given where certificates are expected.
    PrivateKeyInsteadOfCertificate,
    /// rustls refused to build a configuration (a certificate it cannot use as a root).
    TlsConfig { reason: String },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

impl std::error::Error for Error {}

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
            (Error::InvalidProxy { reason_ru, .. }, Lang::Ru) => format!(
                "неверный адрес прокси: {reason_ru}. Ожидается http://[пользователь:пароль@]хост:порт, \
                 https://…, socks5://… или socks5h://…"
            ),
            (Error::InvalidProxy { reason_en, .. }, Lang::En) => format!(
                "invalid proxy address: {reason_en}. Expected http://[user:password@]host:port, \
                 https://…, socks5://… or socks5h://…"
            ),
            (Error::InvalidTrustedPem { reason_ru, .. }, Lang::Ru) => format!(
                "доверенные сертификаты: {reason_ru}. Ожидается текст PEM с одним или несколькими \
                 блоками -----BEGIN CERTIFICATE-----"
            ),
            (Error::InvalidTrustedPem { reason_en, .. }, Lang::En) => format!(
                "trusted certificates: {reason_en}. Expected PEM text with one or more \
                 -----BEGIN CERTIFICATE----- blocks"
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
            (Error::TlsConfig { reason }, Lang::Ru) => {
                format!("не удалось настроить TLS: {reason}")
            }
            (Error::TlsConfig { reason }, Lang::En) => format!("cannot configure TLS: {reason}"),
        }
    }
}
