//! The `Proxy` property: parsed once when it is set, so that a typo is reported at the assignment
//! and not on the first network call.

use std::fmt;

use url::Url;

use super::{Error, ProxyReason};

/// The kind of proxy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProxyScheme {
    /// HTTP proxy (CONNECT for https targets).
    Http,
    /// HTTP proxy reached over TLS.
    Https,
    /// SOCKS5, names resolved locally.
    Socks5,
    /// SOCKS5, names resolved by the proxy (needed where local DNS is censored).
    Socks5h,
}

impl ProxyScheme {
    pub fn as_str(self) -> &'static str {
        match self {
            ProxyScheme::Http => "http",
            ProxyScheme::Https => "https",
            ProxyScheme::Socks5 => "socks5",
            ProxyScheme::Socks5h => "socks5h",
        }
    }
}

/// A proxy with optional credentials. `Debug` and `Display` never show the password.
#[derive(Clone, PartialEq, Eq)]
pub struct Proxy {
    pub scheme: ProxyScheme,
    pub host: String,
    pub port: u16,
    pub username: Option<String>,
    pub password: Option<String>,
}

fn invalid(reason: ProxyReason) -> Error {
    Error::InvalidProxy(reason)
}

impl Proxy {
    /// Parses `scheme://[user:password@]host:port`. An empty string means no proxy.
    pub fn parse(text: &str) -> Result<Option<Proxy>, Error> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        if !text.contains("://") {
            return Err(invalid(ProxyReason::NoScheme));
        }
        let url = Url::parse(text)
            .map_err(|e| invalid(ProxyReason::Url(crate::reason::UrlReason::of(e))))?;
        let scheme = match url.scheme() {
            "http" => ProxyScheme::Http,
            "https" => ProxyScheme::Https,
            "socks5" => ProxyScheme::Socks5,
            "socks5h" => ProxyScheme::Socks5h,
            other => {
                return Err(invalid(ProxyReason::UnsupportedScheme(crate::i18n::clip(
                    other,
                ))))
            }
        };
        let host = match url.host_str() {
            Some(h) if !h.is_empty() => h.trim_matches(|c| c == '[' || c == ']').to_owned(),
            _ => return Err(invalid(ProxyReason::NoHost)),
        };
        let port = url
            .port_or_known_default()
            .ok_or_else(|| invalid(ProxyReason::NoPort))?;
        if port == 0 {
            return Err(invalid(ProxyReason::PortZero));
        }
        if url.path() != "/" && !url.path().is_empty() {
            return Err(invalid(ProxyReason::HasPath));
        }
        let decode = |s: &str| {
            url::form_urlencoded::parse(format!("x={s}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        };
        let username = (!url.username().is_empty()).then(|| decode(url.username()));
        let password = url.password().map(decode);
        Ok(Some(Proxy {
            scheme,
            host,
            port,
            username,
            password,
        }))
    }

    /// The proxy as a URL with the credentials percent-encoded, for clients that take a URL.
    pub fn to_url(&self) -> String {
        let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let auth = match (&self.username, &self.password) {
            (Some(u), Some(p)) => format!("{}:{}@", enc(u), enc(p)),
            (Some(u), None) => format!("{}@", enc(u)),
            _ => String::new(),
        };
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        format!("{}://{}{}:{}", self.scheme.as_str(), auth, host, self.port)
    }
}

impl fmt::Display for Proxy {
    /// The proxy without its password, for messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let user = match &self.username {
            Some(u) if self.password.is_some() => format!("{u}:***@"),
            Some(u) => format!("{u}@"),
            None => String::new(),
        };
        write!(
            f,
            "{}://{}{}:{}",
            self.scheme.as_str(),
            user,
            self.host,
            self.port
        )
    }
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Proxy({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_scheme_with_and_without_credentials() {
        let p = Proxy::parse("socks5h://user:p%40ss@127.0.0.1:1080")
            .unwrap()
            .unwrap();
        assert_eq!(p.scheme, ProxyScheme::Socks5h);
        assert_eq!(p.host, "127.0.0.1");
        assert_eq!(p.port, 1080);
        assert_eq!(p.username.as_deref(), Some("user"));
        assert_eq!(p.password.as_deref(), Some("p@ss"));
        assert_eq!(p.to_string(), "socks5h://user:***@127.0.0.1:1080");
        assert_eq!(format!("{p:?}"), "Proxy(socks5h://user:***@127.0.0.1:1080)");
        assert_eq!(p.to_url(), "socks5h://user:p%40ss@127.0.0.1:1080");

        let p = Proxy::parse("http://proxy.local").unwrap().unwrap();
        assert_eq!((p.scheme, p.port), (ProxyScheme::Http, 80));
        let p = Proxy::parse("https://[::1]:3129").unwrap().unwrap();
        assert_eq!((p.host.as_str(), p.port), ("::1", 3129));
        assert_eq!(p.to_url(), "https://[::1]:3129");
        assert_eq!(Proxy::parse("  ").unwrap(), None);
    }

    #[test]
    fn refuses_what_cannot_work_without_leaking_the_password() {
        for bad in [
            "127.0.0.1:3128",
            "ftp://h:21",
            "socks5://h",
            "http://",
            "http://h:3128/path",
            "socks4://h:1080",
            "http://u:secret@h:99999",
            "http://u:secret@h:0",
            "socks5://h:0",
        ] {
            let err = Proxy::parse(bad).unwrap_err();
            let text = crate::i18n::Localized::message(&err, crate::i18n::Lang::En);
            assert!(!text.contains("secret"), "{bad}: {text}");
        }
    }
}
