//! Checks of everything a person types into a certificate request, before any key is made:
//! host names and IP addresses, subject fields against the RFC 5280 upper bounds, the base name
//! of the files and the PFX password.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::error::{clip, BasenameProblem, DnsNameProblem, Error, Field};

/// A name the certificate is for: it becomes a subjectAltName entry of the matching kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostName {
    /// An IPv4 or IPv6 address: an `IP:` entry.
    Ip(IpAddr),
    /// A DNS name in its ASCII form (punycode for internationalized names): a `DNS:` entry.
    Dns(String),
}

impl HostName {
    /// Parses a host as it appears in a URL: an IP address or a DNS name (`*.` allowed as the
    /// first label). Surrounding spaces are dropped, since 1C strings often carry them.
    pub fn parse(field: Field, raw: &str) -> Result<HostName, Error> {
        let value = raw.trim();
        if value.is_empty() {
            return Err(match field {
                Field::CommonName => Error::EmptyCommonName,
                _ => Error::InvalidDnsName {
                    field,
                    value: clip(value),
                    problem: DnsNameProblem::EmptyLabel,
                },
            });
        }
        // No host is this long even in Cyrillic; refusing early keeps a runaway string from
        // 1C code from going through IDNA at all.
        if value.len() > 4 * MAX_DNS_NAME {
            return Err(match field {
                Field::CommonName => Error::FieldTooLong {
                    field,
                    length: value.chars().count(),
                    max: MAX_CN,
                },
                _ => Error::InvalidDnsName {
                    field,
                    value: clip(value),
                    problem: DnsNameProblem::TooLong,
                },
            });
        }
        if let Ok(v4) = value.parse::<Ipv4Addr>() {
            return Ok(HostName::Ip(IpAddr::V4(v4)));
        }
        if let Ok(v6) = value.parse::<Ipv6Addr>() {
            return Ok(HostName::Ip(IpAddr::V6(v6)));
        }
        if looks_like_ip(value) {
            return Err(Error::InvalidIp {
                field,
                value: clip(value),
            });
        }
        dns_to_ascii(value)
            .map(HostName::Dns)
            .map_err(|problem| Error::InvalidDnsName {
                field,
                value: clip(value),
                problem,
            })
    }

    /// Two names are the same entry when they are the same address, or the same DNS name in
    /// any letter case (DNS ignores case).
    pub fn same_as(&self, other: &HostName) -> bool {
        match (self, other) {
            (HostName::Ip(a), HostName::Ip(b)) => a == b,
            (HostName::Dns(a), HostName::Dns(b)) => a.eq_ignore_ascii_case(b),
            _ => false,
        }
    }
}

/// A value that a person meant as an IP address but got wrong. Browsers (the WHATWG URL rules)
/// read a host whose last label is numeric as IPv4, so `1.2.3` or `300.1.1.1` can never be a
/// DNS name; brackets, or colons among hex digits, are an IPv6 literal (or an address with a
/// port). `example.com:8443` is left to the DNS check, whose message speaks of ports.
fn looks_like_ip(value: &str) -> bool {
    let before_zone = value.split('%').next().unwrap_or(value);
    let ipv6_like = value.starts_with('[')
        || (value.contains(':')
            && before_zone
                .chars()
                .all(|c| c.is_ascii_hexdigit() || matches!(c, ':' | '.' | '[' | ']')));
    if ipv6_like {
        return true;
    }
    let last = value.rsplit('.').next().unwrap_or(value);
    let is_number = !last.is_empty() && last.bytes().all(|b| b.is_ascii_digit());
    let is_hex = last
        .strip_prefix("0x")
        .or_else(|| last.strip_prefix("0X"))
        .is_some_and(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_hexdigit()));
    is_number || is_hex
}

/// RFC 1035 length limits, RFC 1123 letters-digits-hyphen labels, and a wildcard only as the
/// whole leftmost label (what TLS clients match, RFC 6125). Names with non-ASCII letters
/// (`пример.рф`) are converted to punycode, since a DNS SAN is an IA5String.
fn dns_to_ascii(value: &str) -> Result<String, DnsNameProblem> {
    let (wildcard, rest) = match value.strip_prefix("*.") {
        Some(rest) => (true, rest),
        None => (false, value),
    };
    let ascii = if rest.is_ascii() {
        rest.to_owned()
    } else {
        // A non-ASCII name is checked once more below in its punycode form; the strict
        // conversion already rejects what no DNS can hold.
        if rest.starts_with('.') || rest.ends_with('.') || rest.contains("..") {
            return Err(DnsNameProblem::EmptyLabel);
        }
        idna::domain_to_ascii_strict(rest).map_err(|_| DnsNameProblem::Idna)?
    };
    check_ldh(&ascii)?;
    let full_len = ascii.len() + if wildcard { 2 } else { 0 };
    if full_len > MAX_DNS_NAME {
        return Err(DnsNameProblem::TooLong);
    }
    Ok(if wildcard {
        format!("*.{ascii}")
    } else {
        ascii
    })
}

const MAX_DNS_NAME: usize = 253;
const MAX_DNS_LABEL: usize = 63;

fn check_ldh(ascii: &str) -> Result<(), DnsNameProblem> {
    if let Some(c) = ascii
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '.'))
    {
        return Err(DnsNameProblem::BadCharacter(c));
    }
    for label in ascii.split('.') {
        if label.is_empty() {
            return Err(DnsNameProblem::EmptyLabel);
        }
        if label.len() > MAX_DNS_LABEL {
            return Err(DnsNameProblem::LabelTooLong);
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(DnsNameProblem::HyphenAtEdge);
        }
    }
    if ascii.len() > MAX_DNS_NAME {
        return Err(DnsNameProblem::TooLong);
    }
    Ok(())
}

/// RFC 5280 Appendix A upper bounds (ub-common-name and friends), which OpenSSL enforces too.
pub const MAX_CN: usize = 64;
pub const MAX_ORGANIZATION: usize = 64;
pub const MAX_UNIT: usize = 64;
pub const MAX_LOCALITY: usize = 128;
pub const MAX_STATE: usize = 128;
/// RFC 5280 allows 255, but PKCS#9 and OpenSSL stop at 128, and a certificate OpenSSL refuses
/// to print is of no use to our users.
pub const MAX_EMAIL: usize = 128;

/// A free-text subject field (ST, L, O, OU): trimmed, `None` when empty, length counted in
/// characters as the bounds are (a Cyrillic letter is one character, two bytes in UTF-8).
pub fn text_field(field: Field, raw: Option<&str>, max: usize) -> Result<Option<String>, Error> {
    let Some(value) = raw.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if value.chars().any(char::is_control) {
        return Err(Error::ControlCharacter { field });
    }
    let length = value.chars().count();
    if length > max {
        return Err(Error::FieldTooLong { field, length, max });
    }
    Ok(Some(value.to_owned()))
}

/// The country code: two Latin letters, stored upper case, since ISO 3166 codes are.
pub fn country(raw: Option<&str>) -> Result<Option<String>, Error> {
    let Some(value) = raw.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if value.len() == 2 && value.bytes().all(|b| b.is_ascii_alphabetic()) {
        Ok(Some(value.to_ascii_uppercase()))
    } else {
        Err(Error::InvalidCountry { value: clip(value) })
    }
}

/// The emailAddress attribute: IA5String, so ASCII only, and the shape `local@domain`.
pub fn email(raw: Option<&str>) -> Result<Option<String>, Error> {
    let Some(value) = raw.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if value.chars().any(char::is_control) {
        return Err(Error::ControlCharacter {
            field: Field::Email,
        });
    }
    let length = value.chars().count();
    if length > MAX_EMAIL {
        return Err(Error::FieldTooLong {
            field: Field::Email,
            length,
            max: MAX_EMAIL,
        });
    }
    let invalid = || Error::InvalidEmail { value: clip(value) };
    if !value.is_ascii() || value.contains(char::is_whitespace) {
        return Err(invalid());
    }
    match value.split_once('@') {
        Some((local, domain))
            if !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && check_ldh(domain).is_ok() =>
        {
            Ok(Some(value.to_owned()))
        }
        _ => Err(invalid()),
    }
}

/// The common name: the host exactly as a TLS client will see it in the URL (an IP address, or
/// a DNS name in its ASCII form), no longer than 64 characters.
pub fn common_name(raw: &str) -> Result<(String, HostName), Error> {
    let host = HostName::parse(Field::CommonName, raw)?;
    let text = match &host {
        // The caller's spelling of an address is kept (IPv6 has several); the SAN holds the
        // address itself, so clients match either way.
        HostName::Ip(_) => raw.trim().to_owned(),
        HostName::Dns(ascii) => ascii.clone(),
    };
    let length = text.chars().count();
    if length > MAX_CN {
        return Err(Error::FieldTooLong {
            field: Field::CommonName,
            length,
            max: MAX_CN,
        });
    }
    Ok((text, host))
}

/// Longest base name accepted: with `.key`/`.pfx` and a temporary suffix it stays far below the
/// 255-byte file name limit of common file systems even in Cyrillic (2 bytes a letter).
pub const MAX_BASENAME_CHARS: usize = 100;

/// The base name of the three files: a plain file name on both Windows and Unix.
pub fn basename(raw: Option<&str>) -> Result<String, Error> {
    let value = raw.unwrap_or("cert");
    let invalid = |problem| Error::InvalidBasename {
        value: clip(value),
        problem,
    };
    if value.trim().is_empty() {
        return Err(invalid(BasenameProblem::Empty));
    }
    if value.chars().count() > MAX_BASENAME_CHARS {
        return Err(invalid(BasenameProblem::TooLong));
    }
    if let Some(c) = value.chars().find(|c| {
        c.is_control() || matches!(c, '/' | '\\' | '<' | '>' | ':' | '"' | '|' | '?' | '*')
    }) {
        return Err(invalid(BasenameProblem::BadCharacter(c)));
    }
    if value == "." || value == ".." || value.ends_with('.') || value.ends_with(' ') {
        return Err(invalid(BasenameProblem::Reserved));
    }
    if is_windows_device_name(value) {
        return Err(invalid(BasenameProblem::Reserved));
    }
    Ok(value.to_owned())
}

/// Windows opens a device, not a file, for these names with any extension (`nul.key`).
fn is_windows_device_name(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or(name).trim_end();
    let upper = stem.to_ascii_uppercase();
    matches!(upper.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || ((upper.starts_with("COM") || upper.starts_with("LPT"))
            && upper.len() == 4
            && upper[3..].bytes().all(|b| (b'1'..=b'9').contains(&b)))
}

/// The PFX password must be non-empty and fit a BMPString (PKCS#12 passwords are UTF-16 without
/// surrogates in the legacy key derivation).
pub fn pfx_password(password: &str) -> Result<(), Error> {
    if password.is_empty() {
        return Err(Error::EmptyPfxPassword);
    }
    if password.chars().any(|c| u32::from(c) > 0xFFFF || c == '\0') {
        return Err(Error::PfxPasswordCharacter);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Localized;

    fn host(s: &str) -> Result<HostName, Error> {
        HostName::parse(Field::AltName(0), s)
    }

    #[test]
    fn addresses_are_ip_entries() {
        assert_eq!(
            host("203.0.113.7").unwrap(),
            HostName::Ip("203.0.113.7".parse().unwrap())
        );
        assert_eq!(host(" ::1 ").unwrap(), HostName::Ip("::1".parse().unwrap()));
        assert_eq!(
            host("2001:DB8::1").unwrap(),
            HostName::Ip("2001:db8::1".parse().unwrap())
        );
    }

    #[test]
    fn malformed_addresses_are_ip_errors_not_dns_names() {
        for bad in [
            "300.1.1.1",
            "1.2.3",
            "1.2.3.4.5",
            "010.1.1.1",
            "127.1",
            "0x7f.0.0.1",
            "1.2.3.0x10",
            "[::1]",
            "fe80::1%eth0",
            "2001:db8:::1",
            "203.0.113.7:8443",
        ] {
            let err = host(bad).unwrap_err();
            assert_eq!(err.code(), "CERT_IP_INVALID", "{bad}");
        }
    }

    #[test]
    fn dns_names() {
        assert_eq!(
            host("example.com").unwrap(),
            HostName::Dns("example.com".into())
        );
        assert_eq!(
            host("Web-1.Example.COM").unwrap(),
            HostName::Dns("Web-1.Example.COM".into())
        );
        assert_eq!(
            host("*.example.com").unwrap(),
            HostName::Dns("*.example.com".into())
        );
        assert_eq!(
            host("localhost").unwrap(),
            HostName::Dns("localhost".into())
        );
        assert_eq!(
            host("1c.example").unwrap(),
            HostName::Dns("1c.example".into())
        );
        assert_eq!(
            host("пример.рф").unwrap(),
            HostName::Dns("xn--e1afmkfd.xn--p1ai".into())
        );
        let long_label = "a".repeat(63);
        assert!(host(&format!("{long_label}.com")).is_ok());
    }

    #[test]
    fn bad_dns_names_say_why() {
        let problem = |s: &str| match host(s) {
            Err(Error::InvalidDnsName { problem, .. }) => problem,
            other => panic!("{s}: {other:?}"),
        };
        assert_eq!(problem("exa mple.com"), DnsNameProblem::BadCharacter(' '));
        assert_eq!(
            problem("under_score.com"),
            DnsNameProblem::BadCharacter('_')
        );
        assert_eq!(
            problem("https://example.com"),
            DnsNameProblem::BadCharacter(':')
        );
        assert_eq!(
            problem("example.com:8443"),
            DnsNameProblem::BadCharacter(':')
        );
        assert_eq!(
            problem("a.*.example.com"),
            DnsNameProblem::BadCharacter('*')
        );
        assert_eq!(problem("example..com"), DnsNameProblem::EmptyLabel);
        assert_eq!(problem("example.com."), DnsNameProblem::EmptyLabel);
        assert_eq!(problem(".example.com"), DnsNameProblem::EmptyLabel);
        assert_eq!(problem("-a.example.com"), DnsNameProblem::HyphenAtEdge);
        assert_eq!(problem("a-.example.com"), DnsNameProblem::HyphenAtEdge);
        assert_eq!(
            problem(&format!("{}.com", "a".repeat(64))),
            DnsNameProblem::LabelTooLong
        );
        let too_long = vec!["a".repeat(60); 5].join(".");
        assert_eq!(problem(&too_long), DnsNameProblem::TooLong);
        assert_eq!(problem("пример..рф"), DnsNameProblem::EmptyLabel);
        assert_eq!(host("   ").unwrap_err().code(), "CERT_DNS_NAME_INVALID");
    }

    #[test]
    fn huge_values_are_refused_quickly() {
        let huge = "я".repeat(5_000_000);
        assert_eq!(common_name(&huge).unwrap_err().code(), "CERT_CN_TOO_LONG");
        match host(&huge).unwrap_err() {
            Error::InvalidDnsName { value, problem, .. } => {
                assert_eq!(problem, DnsNameProblem::TooLong);
                assert!(value.chars().count() < 100);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn common_name_limits() {
        assert_eq!(common_name("").unwrap_err().code(), "CERT_CN_EMPTY");
        assert_eq!(common_name("  ").unwrap_err().code(), "CERT_CN_EMPTY");
        let at_limit = format!("{}.{}", "a".repeat(50), "b".repeat(13));
        assert_eq!(at_limit.len(), 64);
        assert_eq!(common_name(&at_limit).unwrap().0, at_limit);
        let over = format!("{}.{}", "a".repeat(50), "b".repeat(14));
        match common_name(&over).unwrap_err() {
            Error::FieldTooLong { field, length, max } => {
                assert_eq!((field, length, max), (Field::CommonName, 65, 64))
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(common_name(&over).unwrap_err().code(), "CERT_CN_TOO_LONG");
        assert_eq!(common_name(" 203.0.113.7 ").unwrap().0, "203.0.113.7");
        assert_eq!(common_name("пример.рф").unwrap().0, "xn--e1afmkfd.xn--p1ai");
    }

    #[test]
    fn text_fields_count_characters_not_bytes() {
        let cyrillic64 = "Ж".repeat(64);
        assert_eq!(
            text_field(Field::Organization, Some(&cyrillic64), MAX_ORGANIZATION).unwrap(),
            Some(cyrillic64.clone())
        );
        let err =
            text_field(Field::Organization, Some(&"Ж".repeat(65)), MAX_ORGANIZATION).unwrap_err();
        assert_eq!(err.code(), "CERT_ORGANIZATION_TOO_LONG");
        assert!(text_field(Field::Locality, Some(&"L".repeat(128)), MAX_LOCALITY).is_ok());
        assert_eq!(
            text_field(Field::Locality, Some(&"L".repeat(129)), MAX_LOCALITY)
                .unwrap_err()
                .code(),
            "CERT_LOCALITY_TOO_LONG"
        );
        assert_eq!(
            text_field(Field::State, Some(&"S".repeat(129)), MAX_STATE)
                .unwrap_err()
                .code(),
            "CERT_STATE_TOO_LONG"
        );
        assert_eq!(
            text_field(Field::Unit, Some(&"U".repeat(65)), MAX_UNIT)
                .unwrap_err()
                .code(),
            "CERT_UNIT_TOO_LONG"
        );
        assert_eq!(text_field(Field::Unit, Some("  "), MAX_UNIT).unwrap(), None);
        assert_eq!(text_field(Field::Unit, None, MAX_UNIT).unwrap(), None);
        assert_eq!(
            text_field(Field::Unit, Some("a\nb"), MAX_UNIT)
                .unwrap_err()
                .code(),
            "CERT_FIELD_CONTROL_CHARACTER"
        );
    }

    #[test]
    fn country_is_two_latin_letters() {
        assert_eq!(country(Some("RU")).unwrap(), Some("RU".into()));
        assert_eq!(country(Some("ru")).unwrap(), Some("RU".into()));
        assert_eq!(country(Some("")).unwrap(), None);
        for bad in ["RUS", "R", "R1", "РФ", "R "] {
            assert_eq!(
                country(Some(bad)).unwrap_err().code(),
                "CERT_COUNTRY_INVALID",
                "{bad}"
            );
        }
    }

    #[test]
    fn email_is_ascii_and_bounded() {
        assert_eq!(
            email(Some("admin@example.com")).unwrap(),
            Some("admin@example.com".into())
        );
        for bad in [
            "admin",
            "@example.com",
            "admin@",
            "a@b@c",
            "админ@пример.рф",
            "a b@c.d",
        ] {
            assert_eq!(
                email(Some(bad)).unwrap_err().code(),
                "CERT_EMAIL_INVALID",
                "{bad}"
            );
        }
        let local = "a".repeat(116);
        assert!(email(Some(&format!("{local}@example.com"))).is_ok()); // 128
        assert_eq!(
            email(Some(&format!("a{local}@example.com")))
                .unwrap_err()
                .code(),
            "CERT_EMAIL_TOO_LONG"
        );
    }

    #[test]
    fn basenames() {
        assert_eq!(basename(None).unwrap(), "cert");
        assert_eq!(basename(Some("сервер 1")).unwrap(), "сервер 1");
        assert_eq!(basename(Some("web.example")).unwrap(), "web.example");
        for bad in [
            "", " ", "a/b", "a\\b", "..", ".", "c:x", "x.", "x ", "CON", "nul", "com1", "a\tb",
        ] {
            assert_eq!(
                basename(Some(bad)).unwrap_err().code(),
                "CERT_BASENAME_INVALID",
                "{bad:?}"
            );
        }
        assert!(basename(Some("console")).is_ok());
        assert!(basename(Some(&"b".repeat(MAX_BASENAME_CHARS + 1))).is_err());
    }

    #[test]
    fn passwords() {
        assert!(pfx_password("Пароль-1").is_ok());
        assert_eq!(
            pfx_password("").unwrap_err().code(),
            "CERT_PFX_PASSWORD_EMPTY"
        );
        assert_eq!(
            pfx_password("pw🙂").unwrap_err().code(),
            "CERT_PFX_PASSWORD_INVALID"
        );
    }

    #[test]
    fn same_entries() {
        assert!(HostName::Dns("Example.com".into()).same_as(&HostName::Dns("example.COM".into())));
        assert!(host("::1").unwrap().same_as(&host("0:0::1").unwrap()));
        assert!(!host("127.0.0.1")
            .unwrap()
            .same_as(&HostName::Dns("127.0.0.1".into())));
    }
}
