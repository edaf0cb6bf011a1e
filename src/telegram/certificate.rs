//! The certificate uploaded with setWebhook: read from a path or PEM text, checked to be a
//! certificate (never a key), and described (names, validity) for the host and expiry checks.

use std::net::IpAddr;

use base64::Engine as _;
use x509_parser::prelude::*;

use super::{CertificateReason, Error};

/// The largest certificate file read: a certificate is a few KB, a long chain some tens.
pub const MAX_CERTIFICATE_FILE: u64 = 256 * 1024;

/// A certificate ready for upload, with what the checks need.
#[derive(Debug, Clone)]
pub struct WebhookCertificate {
    /// PEM text uploaded as the `certificate` part (DER input is converted to it).
    pub pem: String,
    /// The CN values of the first (leaf) certificate.
    pub common_names: Vec<String>,
    /// DNS names from subjectAltName.
    pub dns_names: Vec<String>,
    /// IP addresses from subjectAltName.
    pub ip_addresses: Vec<IpAddr>,
    /// Unix seconds.
    pub not_before: i64,
    pub not_after: i64,
    /// Issuer equals subject: Telegram needs it uploaded to trust it.
    pub self_signed: bool,
}

fn invalid(reason: CertificateReason) -> Error {
    Error::CertificateInvalid { reason }
}

impl WebhookCertificate {
    /// `source` is either PEM text (it contains `-----BEGIN`) or a path to a PEM or DER file.
    pub fn load(source: &str) -> Result<WebhookCertificate, Error> {
        if source.contains("-----BEGIN") {
            return Self::from_bytes(source.as_bytes());
        }
        let path = source.trim();
        // Regular files only, size-capped, never blocking on a FIFO or reading a device.
        let bytes = crate::fsio::read(std::path::Path::new(path), MAX_CERTIFICATE_FILE)
            .map_err(Error::CertificateUnreadable)?;
        Self::from_bytes(&bytes)
    }

    /// Reads PEM (one or more blocks, the first certificate is the leaf) or a DER certificate.
    pub fn from_bytes(bytes: &[u8]) -> Result<WebhookCertificate, Error> {
        // Look for a key before anything else: a key must never be uploaded, even next to a
        // valid certificate, and its text must never reach an error message.
        if contains(bytes, b"PRIVATE KEY-----") {
            return Err(Error::CertificateIsPrivateKey);
        }
        if contains(bytes, b"-----BEGIN") {
            let mut leaf = None;
            for pem in Pem::iter_from_buffer(bytes) {
                let pem = pem.map_err(|_| invalid(CertificateReason::DamagedPem))?;
                if pem.label != "CERTIFICATE" {
                    return Err(invalid(CertificateReason::NotACertificate(
                        crate::i18n::clip(&pem.label),
                    )));
                }
                if leaf.is_none() {
                    leaf = Some(pem.contents);
                }
            }
            let der = leaf.ok_or_else(|| invalid(CertificateReason::NoCertificate))?;
            let text = String::from_utf8_lossy(bytes).trim().to_owned() + "\n";
            Self::describe(&der, text)
        } else if bytes.first() == Some(&0x30) {
            // A binary .cer (DER), as Windows exports it: Telegram wants PEM, so convert.
            let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
            let mut text = String::from("-----BEGIN CERTIFICATE-----\n");
            for chunk in b64.as_bytes().chunks(64) {
                text.push_str(&String::from_utf8_lossy(chunk));
                text.push('\n');
            }
            text.push_str("-----END CERTIFICATE-----\n");
            Self::describe(bytes, text)
        } else {
            Err(invalid(CertificateReason::NeitherPemNorDer))
        }
    }

    fn describe(der: &[u8], pem: String) -> Result<WebhookCertificate, Error> {
        let (_, cert) =
            X509Certificate::from_der(der).map_err(|_| invalid(CertificateReason::NotX509))?;
        let common_names = cert
            .subject()
            .iter_common_name()
            .filter_map(|cn| cn.as_str().ok().map(str::to_owned))
            .collect();
        let mut dns_names = Vec::new();
        let mut ip_addresses = Vec::new();
        if let Ok(Some(san)) = cert.subject_alternative_name() {
            for name in &san.value.general_names {
                match name {
                    GeneralName::DNSName(d) => dns_names.push((*d).to_owned()),
                    GeneralName::IPAddress(b) => {
                        if let Ok(v4) = <[u8; 4]>::try_from(*b) {
                            ip_addresses.push(IpAddr::from(v4));
                        } else if let Ok(v6) = <[u8; 16]>::try_from(*b) {
                            ip_addresses.push(IpAddr::from(v6));
                        }
                    }
                    _ => {}
                }
            }
        }
        Ok(WebhookCertificate {
            pem,
            common_names,
            dns_names,
            ip_addresses,
            not_before: cert.validity().not_before.timestamp(),
            not_after: cert.validity().not_after.timestamp(),
            self_signed: cert.subject().as_raw() == cert.issuer().as_raw(),
        })
    }

    /// Whether the certificate is for `host` as Telegram checks it (see reference/telegram.md):
    /// with an uploaded certificate the host, even an IP, is matched as a name: against the DNS
    /// SANs when there are any, else against the CN. An IP SAN equal to the host also counts,
    /// since the web server's other clients (browsers, 1C) need exactly that.
    pub fn matches_host(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.');
        if let Ok(ip) = host.parse::<IpAddr>() {
            if self.ip_addresses.contains(&ip) {
                return true;
            }
        }
        if !self.dns_names.is_empty() {
            return self.dns_names.iter().any(|n| name_matches(n, host));
        }
        self.common_names.iter().any(|n| name_matches(n, host))
    }

    /// All names the certificate is for, for messages.
    pub fn names(&self) -> Vec<String> {
        let mut all: Vec<String> = self.common_names.clone();
        for n in self
            .dns_names
            .iter()
            .cloned()
            .chain(self.ip_addresses.iter().map(IpAddr::to_string))
        {
            if !all.contains(&n) {
                all.push(n);
            }
        }
        all
    }

    /// Refuses an expired or not yet valid certificate.
    pub fn check_validity(&self, now: i64) -> Result<(), Error> {
        if now > self.not_after {
            return Err(Error::CertificateExpired {
                not_after: format_time(self.not_after),
            });
        }
        if now < self.not_before {
            return Err(Error::CertificateNotYetValid {
                not_before: format_time(self.not_before),
            });
        }
        Ok(())
    }
}

/// A name from a certificate against a host, case-insensitively; `*.example.com` covers one label.
fn name_matches(pattern: &str, host: &str) -> bool {
    let pattern = pattern.trim_end_matches('.').to_ascii_lowercase();
    let host = host.to_ascii_lowercase();
    if let Some(suffix) = pattern.strip_prefix("*.") {
        match host.split_once('.') {
            Some((first, rest)) => !first.is_empty() && rest == suffix,
            None => false,
        }
    } else {
        pattern == host
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// `2025-01-31 12:00:00 UTC`, from unix seconds.
pub fn format_time(unix: i64) -> String {
    match ASN1Time::from_timestamp(unix) {
        Ok(t) => t.to_datetime().to_string(),
        Err(_) => unix.to_string(),
    }
}

/// Seconds since the epoch now.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_like_a_tls_client() {
        assert!(name_matches("Example.COM", "example.com"));
        assert!(name_matches("*.example.com", "bot.example.com"));
        assert!(!name_matches("*.example.com", "a.bot.example.com"));
        assert!(!name_matches("*.example.com", "example.com"));
        assert!(name_matches("203.0.113.5", "203.0.113.5"));
    }

    #[test]
    fn a_key_is_refused_without_being_parsed() {
        let key = "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----\n";
        assert!(matches!(
            WebhookCertificate::from_bytes(key.as_bytes()),
            Err(Error::CertificateIsPrivateKey)
        ));
    }

    #[test]
    fn garbage_is_not_a_certificate() {
        assert!(matches!(
            WebhookCertificate::from_bytes(b"hello"),
            Err(Error::CertificateInvalid { .. })
        ));
        assert!(matches!(
            WebhookCertificate::from_bytes(
                b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
            ),
            Err(Error::CertificateInvalid { .. })
        ));
    }
}
