//! Self-signed certificates for a web publication (`MakeCert` / `СоздатьСертификат`): the key,
//! the certificate and a PFX that old IIS imports, in one call.
//!
//! It does what the web-publication article does with `openssl req -newkey rsa:2048 -x509` and
//! `openssl pkcs12 -export`, and what that article leaves out: the host is always also put in
//! subjectAltName (modern clients ignore the CN), the subject is checked against the RFC 5280
//! limits before anything is generated, and files are never half-written or silently replaced.
//!
//! ```no_run
//! use messenger::cert::{make_cert, CertOptions, CertRequest};
//!
//! let out = make_cert(&CertRequest {
//!     common_name: "203.0.113.7".into(),
//!     directory: Some("/etc/ssl/1c".into()),
//!     pfx_password: "пароль".into(),
//!     options: CertOptions::from_json(r#"{"organization": "ООО \"Ромашка\"", "days": 730}"#)?,
//! })?;
//! println!("{}", serde_json::to_string(&out).unwrap_or_default());
//! # Ok::<(), messenger::cert::Error>(())
//! ```

mod build;
mod error;
mod files;
mod names;

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use base64::Engine as _;
use serde::{Serialize, Serializer};

pub use error::{BasenameProblem, DnsNameProblem, Error, Field};
pub use names::MAX_BASENAME_CHARS;

use build::Plan;
use files::Target;
use names::HostName;

/// Most extra names accepted in `alt_names`: far more than any publication needs, few enough
/// that a runaway list from 1C code fails clearly instead of making a huge certificate.
pub const MAX_ALT_NAMES: usize = 100;

/// Validity when `days` is not given, as in the article (`-days 365`).
pub const DEFAULT_DAYS: u32 = 365;

/// The optional parameters, exactly as the JSON `Параметры` of `MakeCert` names them. An unknown
/// name (a typo such as `dayz`) is an error rather than silently ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertOptions {
    /// Validity in days, 1..=3650; default 365.
    pub days: Option<u32>,
    /// `rsa2048` (default), `rsa3072`, `rsa4096` or `ecdsa-p256`.
    pub key: Option<String>,
    /// C: two Latin letters (ISO 3166), such as `RU`.
    pub country: Option<String>,
    /// ST, up to 128 characters.
    pub state: Option<String>,
    /// L, up to 128 characters.
    pub locality: Option<String>,
    /// O, up to 64 characters; Cyrillic is stored as UTF8String.
    pub organization: Option<String>,
    /// OU, up to 64 characters.
    pub unit: Option<String>,
    /// emailAddress: ASCII, up to 128 characters.
    pub email: Option<String>,
    /// Extra names for subjectAltName: IP addresses become IP entries, others DNS entries.
    /// Next to an IP common name only IP addresses are accepted: a DNS entry there makes
    /// Telegram refuse the certificate ([`Error::DnsAltNameWithIpCommonName`]).
    pub alt_names: Option<Vec<String>>,
    /// The file names without extension; default `cert`.
    pub basename: Option<String>,
    /// Replace existing files; default false (an existing file is an error that names it).
    pub overwrite: Option<bool>,
}

impl CertOptions {
    /// Reads the JSON options string of `MakeCert`; an empty (or all-space) string means all
    /// defaults, as an omitted 1C parameter does.
    pub fn from_json(json: &str) -> Result<CertOptions, Error> {
        if json.trim().is_empty() {
            return Ok(CertOptions::default());
        }
        serde_json::from_str(json).map_err(|e| Error::InvalidOptions {
            reason: crate::reason::JsonReason::of(&e),
        })
    }
}

/// The kind of key, and with it the signature algorithm (always with SHA-256).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum KeyType {
    /// RSA 2048 with sha256WithRSAEncryption: what Telegram documents and every client takes.
    #[default]
    Rsa2048,
    Rsa3072,
    /// About eight times slower to generate than 2048.
    Rsa4096,
    /// ECDSA on P-256 with SHA-256: fast and small; Windows Server 2012 and later import it.
    EcdsaP256,
}

impl KeyType {
    /// The option value that names this key type.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyType::Rsa2048 => "rsa2048",
            KeyType::Rsa3072 => "rsa3072",
            KeyType::Rsa4096 => "rsa4096",
            KeyType::EcdsaP256 => "ecdsa-p256",
        }
    }
}

impl FromStr for KeyType {
    type Err = Error;

    /// Case does not matter, as nothing does in 1C names.
    fn from_str(s: &str) -> Result<KeyType, Error> {
        let wanted = s.trim();
        [
            KeyType::Rsa2048,
            KeyType::Rsa3072,
            KeyType::Rsa4096,
            KeyType::EcdsaP256,
        ]
        .into_iter()
        .find(|k| k.as_str().eq_ignore_ascii_case(wanted))
        .ok_or_else(|| Error::UnknownKeyType {
            value: error::clip(s),
        })
    }
}

/// One call of `MakeCert`.
#[derive(Clone, Default)]
pub struct CertRequest {
    /// The CN: the IP address or DNS name of the server exactly as in its URL.
    pub common_name: String,
    /// Where to write `<basename>.key`, `.pem` and `.pfx`; created if missing. `None` (or an
    /// empty path) writes nothing and returns the key and the PFX in the result instead.
    pub directory: Option<PathBuf>,
    /// The PFX password; must not be empty.
    pub pfx_password: String,
    pub options: CertOptions,
}

impl fmt::Debug for CertRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertRequest")
            .field("common_name", &self.common_name)
            .field("directory", &self.directory)
            .field("pfx_password", &"***")
            .field("options", &self.options)
            .finish()
    }
}

/// The result of `MakeCert`, serialized as its JSON.
#[derive(Clone, Serialize)]
pub struct CertOutput {
    /// The private key file (absolute path); absent when nothing was written.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "lossy_path")]
    pub key_file: Option<PathBuf>,
    /// The certificate file.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "lossy_path")]
    pub cert_file: Option<PathBuf>,
    /// The PKCS#12 file.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "lossy_path")]
    pub pfx_file: Option<PathBuf>,
    /// The certificate, PEM; always present (it is public, and `SetWebhook` takes it as text).
    pub cert_pem: String,
    /// The private key, PKCS#8 PEM, unencrypted; only when nothing was written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_pem: Option<String>,
    /// The PFX, base64; only when nothing was written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pfx_base64: Option<String>,
    /// SHA-256 of the DER certificate, lower-case hex without separators.
    pub sha256: String,
    /// The serial number, lower-case hex.
    pub serial: String,
    /// The subject as RFC 4514 writes it: `CN=203.0.113.7,O=ООО "Ромашка",C=RU`, special
    /// characters escaped with `\`.
    pub subject: String,
    /// The subjectAltName entries, the CN's own first: IP addresses and DNS names (punycode).
    pub alt_names: Vec<String>,
    /// Start of validity, RFC 3339 UTC (a day before the call: see `build::BACKDATE`).
    pub not_before: String,
    /// End of validity, RFC 3339 UTC: `days` after the call.
    pub not_after: String,
}

fn lossy_path<S: Serializer>(path: &Option<PathBuf>, s: S) -> Result<S::Ok, S::Error> {
    match path {
        Some(p) => s.serialize_str(&p.to_string_lossy()),
        None => s.serialize_none(),
    }
}

impl fmt::Debug for CertOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |v: &Option<String>| v.as_ref().map(|_| "***");
        f.debug_struct("CertOutput")
            .field("key_file", &self.key_file)
            .field("cert_file", &self.cert_file)
            .field("pfx_file", &self.pfx_file)
            .field("key_pem", &redacted(&self.key_pem))
            .field("pfx_base64", &redacted(&self.pfx_base64))
            .field("sha256", &self.sha256)
            .field("serial", &self.serial)
            .field("subject", &self.subject)
            .field("alt_names", &self.alt_names)
            .field("not_before", &self.not_before)
            .field("not_after", &self.not_after)
            .finish()
    }
}

/// Checks the request as a whole; the first problem found is the error.
fn plan(req: &CertRequest) -> Result<(Plan, String), Error> {
    let o = &req.options;
    let (common_name, cn_host) = names::common_name(&req.common_name)?;
    let days = o.days.unwrap_or(DEFAULT_DAYS);
    if !(1..=3650).contains(&days) {
        return Err(Error::DaysOutOfRange { days });
    }
    // An empty "key" is a mistake like any other unknown value, not the default.
    let key = match &o.key {
        Some(k) => k.parse()?,
        None => KeyType::default(),
    };
    let country = names::country(o.country.as_deref())?;
    let state = names::text_field(Field::State, o.state.as_deref(), names::MAX_STATE)?;
    let locality = names::text_field(Field::Locality, o.locality.as_deref(), names::MAX_LOCALITY)?;
    let organization = names::text_field(
        Field::Organization,
        o.organization.as_deref(),
        names::MAX_ORGANIZATION,
    )?;
    let unit = names::text_field(Field::Unit, o.unit.as_deref(), names::MAX_UNIT)?;
    let email = names::email(o.email.as_deref())?;

    let extra = o.alt_names.as_deref().unwrap_or_default();
    if extra.len() > MAX_ALT_NAMES {
        return Err(Error::TooManyAltNames {
            count: extra.len(),
            max: MAX_ALT_NAMES,
        });
    }
    // The CN's own entry always comes first: a SAN list without the URL's host would make
    // Telegram and every browser reject the certificate even though the CN is right.
    let cn_is_ip = matches!(cn_host, HostName::Ip(_));
    let mut alt_names = vec![cn_host];
    for (i, raw) in extra.iter().enumerate() {
        let host = HostName::parse(Field::AltName(i), raw)?;
        if cn_is_ip && matches!(host, HostName::Dns(_)) {
            return Err(Error::DnsAltNameWithIpCommonName {
                index: i,
                value: error::clip(raw.trim()),
            });
        }
        if !alt_names.iter().any(|h| h.same_as(&host)) {
            alt_names.push(host);
        }
    }
    let basename = names::basename(o.basename.as_deref())?;
    names::pfx_password(&req.pfx_password)?;
    Ok((
        Plan {
            key,
            days,
            country,
            state,
            locality,
            organization,
            unit,
            common_name,
            email,
            alt_names,
        },
        basename,
    ))
}

fn rfc3339(t: time::OffsetDateTime) -> Result<String, Error> {
    t.format(&time::format_description::well_known::Rfc3339)
        .map_err(|e| Error::Encoding {
            reason: e.to_string(),
        })
}

/// Makes the key, the self-signed certificate and the PFX; writes them to `req.directory` or,
/// without one, returns them in the result.
///
/// Everything typed is checked first; an existing file (without `overwrite`) and an unusable
/// directory are found before the key is generated, so such errors come at once.
pub fn make_cert(req: &CertRequest) -> Result<CertOutput, Error> {
    if let Some(dir) = &req.directory {
        let length = dir.as_os_str().len();
        if length > crate::fsio::MAX_PATH_BYTES {
            return Err(Error::DirectoryTooLong {
                length,
                limit: crate::fsio::MAX_PATH_BYTES,
            });
        }
    }
    let (plan, basename) = plan(req)?;
    let overwrite = req.options.overwrite.unwrap_or(false);
    let directory = req
        .directory
        .as_deref()
        .filter(|d| !d.as_os_str().is_empty());

    let staged = match directory {
        Some(dir) => {
            let dir = std::path::absolute(dir).map_err(|source| Error::CreateDirectory {
                path: dir.to_path_buf(),
                source,
            })?;
            let targets = targets(&dir, &basename);
            if !overwrite {
                files::ensure_free(&targets)?;
            }
            let paths: Vec<PathBuf> = targets.iter().map(|t| t.path.clone()).collect();
            Some((files::stage(&dir, targets)?, paths))
        }
        None => None,
    };

    let made = build::make(&plan, &req.pfx_password)?;
    let facts = &made.facts;
    let mut out = CertOutput {
        key_file: None,
        cert_file: None,
        pfx_file: None,
        cert_pem: made.cert_pem.clone(),
        key_pem: None,
        pfx_base64: None,
        sha256: facts.sha256_hex.clone(),
        serial: facts.serial_hex.clone(),
        subject: facts.subject.clone(),
        alt_names: facts.alt_names.clone(),
        not_before: rfc3339(facts.not_before)?,
        not_after: rfc3339(facts.not_after)?,
    };
    match staged {
        Some((staged, paths)) => {
            staged.commit(
                &[made.key_pem.as_bytes(), made.cert_pem.as_bytes(), &made.pfx],
                overwrite,
            )?;
            let mut paths = paths.into_iter();
            out.key_file = paths.next();
            out.cert_file = paths.next();
            out.pfx_file = paths.next();
        }
        None => {
            out.key_pem = Some(made.key_pem);
            out.pfx_base64 = Some(base64::engine::general_purpose::STANDARD.encode(&made.pfx));
        }
    }
    Ok(out)
}

/// The three files, in the order `make_cert` fills them.
fn targets(dir: &Path, basename: &str) -> Vec<Target> {
    ["key", "pem", "pfx"]
        .into_iter()
        .map(|ext| Target {
            path: dir.join(format!("{basename}.{ext}")),
            // The PFX holds the key too, under a password that may be weak.
            private: ext != "pem",
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Lang, Localized};

    #[test]
    fn options_from_api_json() {
        let o = CertOptions::from_json(
            r#"{"days": 730, "key": "ecdsa-p256", "country": "RU", "state": "Оренбургская обл.",
                "locality": "Оренбург", "organization": "ООО \"Тест\"", "unit": "ИТ",
                "email": "admin@example.com", "alt_names": ["example.com", "10.0.0.1"],
                "basename": "web", "overwrite": true}"#,
        )
        .unwrap();
        assert_eq!(o.days, Some(730));
        assert_eq!(o.alt_names.as_deref().map(<[String]>::len), Some(2));
        assert_eq!(o.overwrite, Some(true));
        assert_eq!(CertOptions::from_json("").unwrap(), CertOptions::default());
        assert_eq!(
            CertOptions::from_json("{}").unwrap(),
            CertOptions::default()
        );
    }

    #[test]
    fn a_typo_in_an_option_name_is_an_error() {
        // What the 1C layer does with the `Параметры` string.
        let direct: Result<CertOptions, _> = serde_json::from_str(r#"{"dayz": 30}"#);
        assert!(direct.unwrap_err().to_string().contains("dayz"));

        let err = CertOptions::from_json(r#"{"dayz": 30}"#).unwrap_err();
        assert_eq!(err.code(), "CERT_OPTIONS_INVALID");
        assert!(err.message(Lang::En).contains("dayz"));
        assert!(err.message(Lang::Ru).contains("dayz"));
        for bad in [
            r#"{"days": "30"}"#,
            r#"{"days": -1}"#,
            "[1]",
            "{",
            r#"{"alt_names": "a"}"#,
        ] {
            assert_eq!(
                CertOptions::from_json(bad).unwrap_err().code(),
                "CERT_OPTIONS_INVALID"
            );
        }
    }

    #[test]
    fn key_types() {
        assert_eq!("rsa2048".parse::<KeyType>().unwrap(), KeyType::Rsa2048);
        assert_eq!("RSA4096".parse::<KeyType>().unwrap(), KeyType::Rsa4096);
        assert_eq!(
            " ecdsa-p256 ".parse::<KeyType>().unwrap(),
            KeyType::EcdsaP256
        );
        let err = "rsa1024".parse::<KeyType>().unwrap_err();
        assert_eq!(err.code(), "CERT_KEY_TYPE_UNKNOWN");
        assert!(err.message(Lang::Ru).contains("rsa1024"));
    }

    fn request(cn: &str, options: CertOptions) -> CertRequest {
        CertRequest {
            common_name: cn.into(),
            directory: None,
            pfx_password: "secret".into(),
            options,
        }
    }

    #[test]
    fn the_cn_always_leads_the_alt_names_once() {
        let (p, base) = plan(&request(
            "Example.com",
            CertOptions {
                alt_names: Some(vec![
                    "example.COM".into(),
                    "203.0.113.7".into(),
                    " 203.0.113.7 ".into(),
                    "www.example.com".into(),
                ]),
                ..Default::default()
            },
        ))
        .unwrap();
        assert_eq!(base, "cert");
        assert_eq!(p.key, KeyType::Rsa2048);
        assert_eq!(p.days, 365);
        assert_eq!(
            p.alt_names,
            [
                HostName::Dns("Example.com".into()),
                HostName::Ip("203.0.113.7".parse().unwrap()),
                HostName::Dns("www.example.com".into()),
            ]
        );
    }

    #[test]
    fn request_level_errors() {
        let code = |req: CertRequest| plan(&req).err().map(|e| e.code());
        let with = |o: CertOptions| request("203.0.113.7", o);
        assert_eq!(
            code(with(CertOptions {
                days: Some(0),
                ..Default::default()
            })),
            Some("CERT_DAYS_OUT_OF_RANGE")
        );
        assert_eq!(
            code(with(CertOptions {
                days: Some(3651),
                ..Default::default()
            })),
            Some("CERT_DAYS_OUT_OF_RANGE")
        );
        assert_eq!(
            code(with(CertOptions {
                days: Some(3650),
                ..Default::default()
            })),
            None
        );
        assert_eq!(
            code(with(CertOptions {
                key: Some("dsa".into()),
                ..Default::default()
            })),
            Some("CERT_KEY_TYPE_UNKNOWN")
        );
        assert_eq!(
            code(with(CertOptions {
                alt_names: Some(vec!["10.0.0.1".into(), "1.2.3".into()]),
                ..Default::default()
            })),
            Some("CERT_IP_INVALID")
        );
        assert_eq!(
            code(with(CertOptions {
                alt_names: Some(vec!["a.example".into(); MAX_ALT_NAMES + 1]),
                ..Default::default()
            })),
            Some("CERT_ALT_NAMES_TOO_MANY")
        );
        let mut empty_password = with(CertOptions::default());
        empty_password.pfx_password.clear();
        assert_eq!(code(empty_password), Some("CERT_PFX_PASSWORD_EMPTY"));
        assert_eq!(
            code(request("300.1.1.1", CertOptions::default())),
            Some("CERT_IP_INVALID")
        );
        assert_eq!(
            code(with(CertOptions {
                alt_names: Some(vec!["::1".into(), "webhook.example".into()]),
                ..Default::default()
            })),
            Some("CERT_DNS_ALT_NAME_WITH_IP_CN")
        );
    }

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let mut req = request("203.0.113.7", CertOptions::default());
        req.pfx_password = "TopSecret-42".into();
        assert!(!format!("{req:?}").contains("TopSecret-42"));
    }

    #[test]
    fn in_memory_result_has_the_api_fields() {
        let out = make_cert(&request(
            "203.0.113.7",
            CertOptions {
                key: Some("ecdsa-p256".into()),
                ..Default::default()
            },
        ))
        .unwrap();
        let json: serde_json::Value = serde_json::to_value(&out).unwrap();
        let mut keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "alt_names",
                "cert_pem",
                "key_pem",
                "not_after",
                "not_before",
                "pfx_base64",
                "serial",
                "sha256",
                "subject"
            ]
        );
        assert_eq!(json["subject"], "CN=203.0.113.7");
        assert_eq!(json["alt_names"], serde_json::json!(["203.0.113.7"]));
        let nb = json["not_before"].as_str().unwrap();
        assert!(nb.ends_with('Z') && nb.len() == 20, "{nb}");
        assert!(!format!("{out:?}").contains("PRIVATE KEY"));
    }
}
