//! setWebhook: the options, and every check that can be made before asking Telegram, because
//! Telegram either answers tersely or (for certificates and credentials) accepts the webhook and
//! fails silently later, at delivery time.

use std::net::{IpAddr, Ipv4Addr};

use serde::{Deserialize, Serialize};

use super::certificate::{self, WebhookCertificate};
use super::{Credential, Error};
use crate::i18n::clip;

/// The optional setWebhook parameters; the 1C layer reads its JSON options string into it.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookOptions {
    /// A fixed IPv4 address Telegram sends to instead of resolving the URL's host.
    pub ip_address: Option<String>,
    /// Simultaneous delivery connections, 1..=100 (Telegram's default is 40).
    pub max_connections: Option<i64>,
    /// Update types to receive, e.g. `["message", "callback_query"]`.
    pub allowed_updates: Option<Vec<String>>,
    /// Drop the updates queued so far.
    pub drop_pending_updates: Option<bool>,
    /// Sent back in `X-Telegram-Bot-Api-Secret-Token`; 1..=256 of `A-Za-z0-9_-`.
    pub secret_token: Option<String>,
}

impl WebhookOptions {
    /// Reads the options from JSON text; an empty text means no options.
    pub fn from_json(text: &str) -> Result<WebhookOptions, Error> {
        if text.trim().is_empty() {
            return Ok(WebhookOptions::default());
        }
        serde_json::from_str(text).map_err(|e| Error::InvalidOptions {
            reason: crate::reason::JsonReason::of(&e),
        })
    }

    /// Checks each option; `real_telegram` adds the address checks only Telegram's servers need.
    pub fn validate(&self, real_telegram: bool) -> Result<(), Error> {
        if let Some(n) = self.max_connections {
            if !(1..=100).contains(&n) {
                return Err(Error::MaxConnections { value: n });
            }
        }
        if let Some(secret) = &self.secret_token {
            let length = secret.chars().count();
            let bad_character = !secret
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            if bad_character || !(1..=256).contains(&length) {
                return Err(Error::SecretToken {
                    length,
                    bad_character,
                });
            }
        }
        if let Some(ip) = &self.ip_address {
            let parsed: Ipv4Addr = ip.trim().parse().map_err(|_| Error::IpAddress {
                value: clip(ip),
                reserved: false,
            })?;
            if real_telegram && is_reserved_v4(parsed) {
                return Err(Error::IpAddress {
                    value: clip(ip),
                    reserved: true,
                });
            }
        }
        if let Some(list) = &self.allowed_updates {
            if list.iter().any(|s| s.trim().is_empty()) {
                return Err(Error::AllowedUpdates);
            }
        }
        Ok(())
    }
}

/// The text fields of a setWebhook request, serialized into multipart parts one by one.
#[derive(Debug, Serialize)]
pub(crate) struct SetWebhookFields<'a> {
    pub url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_connections: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_updates: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drop_pending_updates: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_token: Option<&'a str>,
}

impl<'a> SetWebhookFields<'a> {
    pub fn new(url: &'a str, o: &'a WebhookOptions) -> Self {
        SetWebhookFields {
            url,
            ip_address: o.ip_address.as_deref().map(str::trim),
            max_connections: o.max_connections,
            allowed_updates: o.allowed_updates.as_deref(),
            drop_pending_updates: o.drop_pending_updates,
            secret_token: o.secret_token.as_deref(),
        }
    }

    /// (name, text) pairs as multipart/form-data wants them: strings as they are, everything
    /// else (numbers, booleans, the allowed_updates array) as its JSON text, which is what the
    /// Bot API reads from a form field.
    pub fn parts(&self) -> Vec<(String, String)> {
        let value = serde_json::to_value(self).unwrap_or_default();
        let mut out = Vec::new();
        if let serde_json::Value::Object(map) = value {
            for (k, v) in map {
                let text = match v {
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                };
                out.push((k, text));
            }
        }
        out
    }
}

/// A webhook URL that passed the checks.
#[derive(Debug)]
pub struct CheckedUrl {
    pub host: String,
}

/// Checks a webhook URL as Telegram will use it. `real_telegram`: the API is api.telegram.org,
/// so the host must be reachable from the Internet; a self-hosted Bot API server (or the tests'
/// stand-in) may deliver to private addresses.
pub fn check_url(text: &str, real_telegram: bool) -> Result<CheckedUrl, Error> {
    let text = text.trim();
    let (scheme, rest) = match text.split_once("://") {
        Some((s, r)) => (s.to_ascii_lowercase(), r),
        None => {
            return Err(Error::WebhookUrlInvalid {
                reason: crate::reason::UrlReason::NoScheme,
            })
        }
    };
    if scheme != "https" {
        return Err(Error::WebhookNotHttps {
            scheme: clip(&scheme),
        });
    }
    // The credentials are checked on the raw text: the URL parser would percent-encode a
    // Cyrillic user name, hiding exactly what Telegram would send.
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if let Some((userinfo, _)) = authority.rsplit_once('@') {
        let (user, password) = match userinfo.split_once(':') {
            Some((u, p)) => (u, Some(p)),
            None => (userinfo, None),
        };
        if user.is_empty() {
            return Err(Error::WebhookCredentialsEmptyUser);
        }
        check_credential(user, Credential::User)?;
        if let Some(p) = password {
            check_credential(p, Credential::Password)?;
        }
    }
    let url = url::Url::parse(text).map_err(|e| Error::WebhookUrlInvalid {
        reason: crate::reason::UrlReason::of(e),
    })?;
    let port = url.port_or_known_default().unwrap_or(443);
    if ![443, 80, 88, 8443].contains(&port) {
        return Err(Error::WebhookPort { port });
    }
    let host = match url.host() {
        Some(url::Host::Domain(d)) => {
            // The article's own example opens the service as https://user:pass@localhost/…;
            // copied into setWebhook, such a name points Telegram at itself.
            let lower = d.trim_end_matches('.').to_ascii_lowercase();
            let local = lower == "localhost"
                || lower.ends_with(".localhost")
                || lower.ends_with(".local")
                || !lower.contains('.');
            if real_telegram && local {
                return Err(Error::WebhookHostReserved { ip: clip(d) });
            }
            d.to_owned()
        }
        Some(url::Host::Ipv4(ip)) => {
            if real_telegram && is_reserved_v4(ip) {
                return Err(Error::WebhookHostReserved { ip: ip.to_string() });
            }
            ip.to_string()
        }
        Some(url::Host::Ipv6(ip)) => {
            if real_telegram {
                return Err(Error::WebhookHostIpv6 { ip: ip.to_string() });
            }
            ip.to_string()
        }
        None => {
            return Err(Error::WebhookUrlInvalid {
                reason: crate::reason::UrlReason::EmptyHost,
            })
        }
    };
    Ok(CheckedUrl { host })
}

fn check_credential(text: &str, part: Credential) -> Result<(), Error> {
    if !text.is_ascii() {
        return Err(Error::WebhookCredentialsNonAscii { part });
    }
    if let Some(c) = text
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~')))
    {
        // The password's character is not shown: even one character of a password is a leak.
        let character = (part == Credential::User).then_some(c);
        return Err(Error::WebhookCredentialsReserved { part, character });
    }
    Ok(())
}

/// Checks the certificate against the checked URL: host and validity.
pub fn check_certificate(cert: &WebhookCertificate, url: &CheckedUrl) -> Result<(), Error> {
    if !cert.matches_host(&url.host) {
        return Err(Error::CertificateHostMismatch {
            host: clip(&url.host),
            names: cert.names(),
        });
    }
    cert.check_validity(certificate::now())
}

/// Addresses Telegram's servers cannot or will not deliver to.
pub fn is_reserved_v4(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_unspecified()
        || ip.is_multicast()
        || o[0] == 0
        || (o[0] == 100 && (o[1] & 0xC0) == 64) // carrier-grade NAT 100.64/10
        || (o[0] == 192 && o[1] == 0 && o[2] == 0) // IETF protocol assignments
        || (o[0] == 198 && (o[1] & 0xFE) == 18) // benchmarking 198.18/15
        || o[0] >= 240 // reserved for future use
}

/// The same for any address (IPv6 is never delivered to by Telegram).
pub fn is_reserved(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_reserved_v4(v4),
        IpAddr::V6(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_become_form_parts_with_json_for_non_strings() {
        let o = WebhookOptions {
            ip_address: Some(" 203.0.113.5 ".into()),
            max_connections: Some(5),
            allowed_updates: Some(vec!["message".into(), "callback_query".into()]),
            drop_pending_updates: Some(true),
            secret_token: Some("abc_DEF-1".into()),
        };
        let mut parts = SetWebhookFields::new("https://h/p", &o).parts();
        parts.sort();
        assert_eq!(
            parts,
            vec![
                (
                    "allowed_updates".into(),
                    r#"["message","callback_query"]"#.into()
                ),
                ("drop_pending_updates".into(), "true".into()),
                ("ip_address".into(), "203.0.113.5".into()),
                ("max_connections".into(), "5".into()),
                ("secret_token".into(), "abc_DEF-1".into()),
                ("url".into(), "https://h/p".into()),
            ]
        );
        let parts = SetWebhookFields::new("", &WebhookOptions::default()).parts();
        assert_eq!(parts, vec![("url".into(), "".into())]);
    }

    #[test]
    fn options_json_refuses_unknown_fields() {
        assert!(WebhookOptions::from_json(r#"{"max_conections": 3}"#).is_err());
        assert!(WebhookOptions::from_json("").is_ok());
        let o =
            WebhookOptions::from_json(r#"{"max_connections": 3, "allowed_updates": []}"#).unwrap();
        assert_eq!(o.max_connections, Some(3));
    }

    #[test]
    fn reserved_addresses() {
        for ip in [
            "10.0.0.1",
            "172.16.5.4",
            "192.168.1.10",
            "127.0.0.1",
            "169.254.1.1",
            "100.64.0.1",
            "0.1.2.3",
            "240.0.0.1",
            "203.0.113.5",
        ] {
            assert!(is_reserved_v4(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["8.8.8.8", "149.154.167.220", "100.128.0.1", "172.32.0.1"] {
            assert!(!is_reserved_v4(ip.parse().unwrap()), "{ip}");
        }
    }
}
