//! The properties that configure network calls: Timeout, Proxy, TelegramApiUrl,
//! TrustedCertificates. Each value is checked when it is set, so that a typo is reported at
//! the assignment, not at the first network call.

use std::time::Duration;

use super::error::AddinError;
use super::members::{PropId, Property};
use super::value::Value;
use crate::net::{NetSettings, Proxy, TrustedCertificates};

pub const DEFAULT_TELEGRAM_API_URL: &str = "https://api.telegram.org";
const TIMEOUT_RANGE: (f64, f64) = (1.0, 3600.0);

#[derive(Debug, Clone)]
pub struct Settings {
    timeout_seconds: f64,
    proxy_text: String,
    proxy: Option<Proxy>,
    telegram_api_url: String,
    trusted: TrustedCertificates,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            timeout_seconds: 30.0,
            proxy_text: String::new(),
            proxy: None,
            telegram_api_url: DEFAULT_TELEGRAM_API_URL.to_owned(),
            trusted: TrustedCertificates::default(),
        }
    }
}

impl Settings {
    /// What network calls are made with.
    pub fn net(&self) -> NetSettings {
        NetSettings {
            timeout: Duration::from_secs_f64(self.timeout_seconds),
            proxy: self.proxy.clone(),
            trusted: self.trusted.clone(),
        }
    }

    pub fn telegram_api_url(&self) -> &str {
        &self.telegram_api_url
    }

    pub fn get(&self, id: PropId) -> Value {
        match id {
            PropId::Timeout if self.timeout_seconds.fract() == 0.0 => {
                Value::Int(self.timeout_seconds as i64)
            }
            PropId::Timeout => Value::Double(self.timeout_seconds),
            PropId::Proxy => Value::Str(self.proxy_text.clone()),
            PropId::TelegramApiUrl => Value::Str(self.telegram_api_url.clone()),
            PropId::TrustedCertificates => Value::Str(self.trusted.pem().to_owned()),
            // Answered by the object itself.
            PropId::Version | PropId::LastError | PropId::ThrowErrors => Value::Empty,
        }
    }

    pub fn set(&mut self, property: &'static Property, value: Value) -> Result<(), AddinError> {
        let type_error = |value: &Value| AddinError::PropertyType {
            property,
            got: value.kind(),
        };
        if property.id == PropId::Timeout {
            let seconds = match value {
                Value::Int(i) => i as f64,
                Value::Double(d) => d,
                other => return Err(type_error(&other)),
            };
            if !(TIMEOUT_RANGE.0..=TIMEOUT_RANGE.1).contains(&seconds) {
                return Err(AddinError::PropertyRange {
                    property,
                    min: TIMEOUT_RANGE.0 as i64,
                    max: TIMEOUT_RANGE.1 as i64,
                });
            }
            self.timeout_seconds = seconds;
            return Ok(());
        }
        // Refused before parsing, with the limit from the member table.
        let limit = property.max_chars;
        let too_long = |length| AddinError::PropertyTooLong {
            property,
            length,
            limit,
        };
        let text = match value {
            Value::Str(s) => s,
            Value::InvalidText { position } => {
                return Err(AddinError::PropertyText { property, position })
            }
            // Measured, not decoded, by the FFI layer: past every limit.
            Value::TooLong { chars } => return Err(too_long(chars)),
            other => return Err(type_error(&other)),
        };
        if text.len() > limit {
            let length = text.chars().count();
            if length > limit {
                return Err(too_long(length));
            }
        }
        let net_error = |source| AddinError::Net { property, source };
        match property.id {
            PropId::Proxy => {
                self.proxy = Proxy::parse(&text).map_err(net_error)?;
                self.proxy_text = text.trim().to_owned();
            }
            PropId::TrustedCertificates => {
                self.trusted = TrustedCertificates::from_pem(&text).map_err(net_error)?;
            }
            PropId::TelegramApiUrl => {
                self.telegram_api_url = check_api_url(&text)
                    .map_err(|source| AddinError::ApiUrl { property, source })?;
            }
            PropId::Timeout | PropId::Version | PropId::LastError | PropId::ThrowErrors => {
                return Err(AddinError::ReadOnly { property })
            }
        }
        Ok(())
    }
}

/// The Bot API base as stored: checked by the Telegram module (the one set of rules, which
/// the client applies again), without a trailing slash; an empty value restores Telegram's own.
fn check_api_url(text: &str) -> Result<String, crate::telegram::Error> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(DEFAULT_TELEGRAM_API_URL.to_owned());
    }
    crate::telegram::validate_api_url(text)?;
    Ok(text.trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addin::members::PROPERTIES;
    use crate::i18n::{render, Lang};

    fn property(id: PropId) -> &'static Property {
        PROPERTIES.iter().find(|p| p.id == id).unwrap()
    }

    #[test]
    fn api_urls() {
        assert_eq!(check_api_url("").unwrap(), DEFAULT_TELEGRAM_API_URL);
        assert_eq!(
            check_api_url("https://127.0.0.1:8443/").unwrap(),
            "https://127.0.0.1:8443"
        );
        assert_eq!(
            check_api_url("http://tg.local/base").unwrap(),
            "http://tg.local/base"
        );
        for bad in [
            "api.telegram.org",
            "ftp://x",
            "https://x/?a=1",
            "https://u:p@x",
            "https://",
            "http://127.0.0.1:0",
            "https://api.telegram.org/bot123:AAH/",
        ] {
            assert!(check_api_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn russian_address_errors_carry_no_parser_english() {
        let mut settings = Settings::default();
        let cases = [
            (
                PropId::TelegramApiUrl,
                "api.telegram.org",
                "[PROP_API_URL] ",
            ),
            (PropId::TelegramApiUrl, "https://[::1", "[PROP_API_URL] "),
            (PropId::TelegramApiUrl, "https://x:99999", "[PROP_API_URL] "),
            (PropId::Proxy, "http://", "[NET_PROXY_INVALID] "),
            (PropId::Proxy, "http://a b:3128", "[NET_PROXY_INVALID] "),
            (
                PropId::Proxy,
                "http://300.1.1.1:3128",
                "[NET_PROXY_INVALID] ",
            ),
        ];
        for (id, bad, code) in cases {
            let err = settings
                .set(property(id), Value::Str(bad.into()))
                .unwrap_err();
            let text = render(&err, Lang::Ru);
            assert!(text.starts_with(code), "{text}");
            for phrase in crate::reason::PARSER_PHRASES {
                assert!(
                    !text.contains(phrase),
                    "{bad}: {text:?} contains {phrase:?}"
                );
            }
        }
    }
}
