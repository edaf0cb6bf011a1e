//! Why a TLS handshake failed, in our words: one reason for every TLS client of the crate
//! (Telegram, BOSH and XMPP uploads over HTTPS, XMPP over TCP), built from the TLS library's
//! error, so that a message says what happened and what helps, in either language, without
//! the library's English.

use std::fmt::Write as _;

use crate::i18n::{clip, Lang};

/// Why the TLS handshake with a server failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlsReason {
    /// The server's certificate does not lead to a trusted authority: it is self-signed, or
    /// issued by a private authority that is neither in the system's store nor in the trusted
    /// certificates.
    UnknownIssuer,
    /// The certificate's validity ended (`not_after`: when, in Unix seconds, if known).
    Expired { not_after: Option<u64> },
    /// The certificate's validity has not begun (`not_before`, Unix seconds, if known).
    NotYetValid { not_before: Option<u64> },
    /// The certificate is issued for other names than the one we connected to (`presented`:
    /// its names, clipped, at most [`MAX_NAMES`]; empty when the library did not say).
    WrongName { presented: Vec<String> },
    /// The certificate is revoked.
    Revoked,
    /// A signature in the chain does not verify, or uses an algorithm we do not accept.
    BadSignature,
    /// The certificate is not for a TLS server (its extended key usage says another purpose).
    NotForServer,
    /// The certificate cannot be read (bad encoding, an unknown critical extension).
    BadCertificate,
    /// The server presented no certificate at all.
    NoCertificate,
    /// The server broke off the handshake with an alert: see [`Alert`].
    Refused(Alert),
    /// No protocol version, cipher suite or key exchange both sides accept.
    Incompatible,
    /// What came back is not TLS (a plain-text service on that port, or corrupt records).
    NotTls,
    /// Anything else the TLS library refused.
    Other,
}

/// The most names of a certificate a [`TlsReason::WrongName`] keeps.
pub const MAX_NAMES: usize = 4;

/// The alert a server ended the handshake with (RFC 8446 §6), as far as it tells the user
/// something; the rest keep their number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Alert {
    /// `handshake_failure`: no set of parameters both sides accept.
    HandshakeFailure,
    /// `protocol_version`: the server accepts none of our TLS versions (1.2, 1.3).
    ProtocolVersion,
    /// `insufficient_security`: the server wants stronger ciphers than we offer.
    InsufficientSecurity,
    /// `unrecognised_name`: the server has no certificate for the name we asked for (SNI).
    UnrecognisedName,
    /// `certificate_required`, `bad_certificate`, `unknown_ca` and the like: the server wants
    /// a client certificate, which we never send.
    ClientCertificate,
    /// `access_denied`: the server refuses this client.
    AccessDenied,
    /// `internal_error`: the server failed on its side.
    InternalError,
    /// Any other alert, by its number.
    Other(u8),
}

impl Alert {
    fn of(a: rustls::AlertDescription) -> Alert {
        use rustls::AlertDescription as A;
        match a {
            A::HandshakeFailure => Alert::HandshakeFailure,
            A::ProtocolVersion => Alert::ProtocolVersion,
            A::InsufficientSecurity => Alert::InsufficientSecurity,
            A::UnrecognisedName => Alert::UnrecognisedName,
            A::CertificateRequired
            | A::BadCertificate
            | A::UnknownCA
            | A::UnsupportedCertificate
            | A::CertificateUnknown
            | A::CertificateExpired
            | A::CertificateRevoked
            | A::NoCertificate => Alert::ClientCertificate,
            A::AccessDenied => Alert::AccessDenied,
            A::InternalError => Alert::InternalError,
            other => Alert::Other(u8::from(other)),
        }
    }

    fn text(self, lang: Lang) -> String {
        match (self, lang) {
            (Alert::HandshakeFailure, Lang::En) => {
                "it found no parameters it accepts among ours".into()
            }
            (Alert::HandshakeFailure, Lang::Ru) => {
                "среди наших параметров он не нашёл подходящих".into()
            }
            (Alert::ProtocolVersion, Lang::En) => {
                "it accepts neither TLS 1.2 nor TLS 1.3, the versions we speak".into()
            }
            (Alert::ProtocolVersion, Lang::Ru) => {
                "он не принимает ни TLS 1.2, ни TLS 1.3, а других версий мы не ведём".into()
            }
            (Alert::InsufficientSecurity, Lang::En) => {
                "it wants stronger ciphers than we offer".into()
            }
            (Alert::InsufficientSecurity, Lang::Ru) => {
                "ему нужны более стойкие шифры, чем мы предлагаем".into()
            }
            (Alert::UnrecognisedName, Lang::En) => "it does not serve the name we asked for".into(),
            (Alert::UnrecognisedName, Lang::Ru) => "он не обслуживает запрошенное имя".into(),
            (Alert::ClientCertificate, Lang::En) => {
                "it wants a client certificate, and we send none".into()
            }
            (Alert::ClientCertificate, Lang::Ru) => {
                "он требует сертификат клиента, а мы его не предъявляем".into()
            }
            (Alert::AccessDenied, Lang::En) => "it denies access to this client".into(),
            (Alert::AccessDenied, Lang::Ru) => "он запретил доступ этому клиенту".into(),
            (Alert::InternalError, Lang::En) => "it failed on its own side".into(),
            (Alert::InternalError, Lang::Ru) => "у него самого произошёл сбой".into(),
            (Alert::Other(n), Lang::En) => format!("with alert number {n}"),
            (Alert::Other(n), Lang::Ru) => format!("с предупреждением номер {n}"),
        }
    }
}

impl TlsReason {
    /// The reason behind a TLS library error.
    pub fn of(e: &rustls::Error) -> TlsReason {
        use rustls::CertificateError as C;
        use rustls::Error as E;
        match e {
            E::InvalidCertificate(c) => match c {
                C::UnknownIssuer => TlsReason::UnknownIssuer,
                C::Expired => TlsReason::Expired { not_after: None },
                C::ExpiredContext { not_after, .. } => TlsReason::Expired {
                    not_after: Some(not_after.as_secs()),
                },
                C::NotValidYet => TlsReason::NotYetValid { not_before: None },
                C::NotValidYetContext { not_before, .. } => TlsReason::NotYetValid {
                    not_before: Some(not_before.as_secs()),
                },
                C::NotValidForName => TlsReason::WrongName {
                    presented: Vec::new(),
                },
                C::NotValidForNameContext { presented, .. } => TlsReason::WrongName {
                    presented: names(presented),
                },
                C::Revoked => TlsReason::Revoked,
                C::BadSignature
                | C::UnsupportedSignatureAlgorithmContext { .. }
                | C::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => {
                    TlsReason::BadSignature
                }
                #[allow(deprecated)]
                C::UnsupportedSignatureAlgorithm => TlsReason::BadSignature,
                C::InvalidPurpose | C::InvalidPurposeContext { .. } => TlsReason::NotForServer,
                C::BadEncoding | C::UnhandledCriticalExtension => TlsReason::BadCertificate,
                C::Other(other) => match other.0.downcast_ref::<webpki::Error>() {
                    Some(e) => TlsReason::of_webpki(e),
                    None => TlsReason::Other,
                },
                _ => TlsReason::Other,
            },
            E::NoCertificatesPresented => TlsReason::NoCertificate,
            E::AlertReceived(a) => TlsReason::Refused(Alert::of(*a)),
            E::PeerIncompatible(_) => TlsReason::Incompatible,
            E::InvalidMessage(_)
            | E::InappropriateMessage { .. }
            | E::InappropriateHandshakeMessage { .. }
            | E::PeerSentOversizedRecord => TlsReason::NotTls,
            _ => TlsReason::Other,
        }
    }

    /// The chain checker's reasons that rustls passes on as "other".
    fn of_webpki(e: &webpki::Error) -> TlsReason {
        use webpki::Error as W;
        match e {
            // `openssl req -x509` marks a self-signed certificate as an authority: served as
            // the server's own and not among the trusted ones, it is an unknown issuer's.
            W::CaUsedAsEndEntity => TlsReason::UnknownIssuer,
            W::EndEntityUsedAsCa
            | W::UnsupportedCertVersion
            | W::ExtensionValueInvalid
            | W::PathLenConstraintViolated
            | W::NameConstraintViolation
            | W::MalformedExtensions
            | W::MalformedNameConstraint => TlsReason::BadCertificate,
            _ => TlsReason::Other,
        }
    }

    /// The first TLS library error in `e`'s chain of sources, looking inside `io::Error`s too
    /// (their `source()` skips the error they wrap, which is where the TLS connectors put it).
    pub fn find(e: &(dyn std::error::Error + 'static)) -> Option<TlsReason> {
        let mut next = Some(e);
        while let Some(e) = next {
            if let Some(tls) = e.downcast_ref::<rustls::Error>() {
                return Some(TlsReason::of(tls));
            }
            let mut inner = e
                .downcast_ref::<std::io::Error>()
                .and_then(|io| io.get_ref());
            while let Some(i) = inner {
                if let Some(tls) = i.downcast_ref::<rustls::Error>() {
                    return Some(TlsReason::of(tls));
                }
                inner = i
                    .downcast_ref::<std::io::Error>()
                    .and_then(|io| io.get_ref());
            }
            next = e.source();
        }
        None
    }

    /// What happened, about "the server's certificate" or "the server", with no full stop.
    pub fn what(&self, lang: Lang) -> String {
        use TlsReason::*;
        match (self, lang) {
            (UnknownIssuer, Lang::En) => "the server's certificate is not trusted: it is \
                 self-signed or issued by an authority this computer does not trust"
                .into(),
            (UnknownIssuer, Lang::Ru) => "сертификату сервера нет доверия: он самоподписанный \
                 или выдан центром, которому этот компьютер не доверяет"
                .into(),
            (Expired { not_after: Some(t) }, Lang::En) => {
                format!("the server's certificate expired on {}", date(*t))
            }
            (Expired { not_after: Some(t) }, Lang::Ru) => {
                format!("срок действия сертификата сервера истёк {}", date(*t))
            }
            (Expired { not_after: None }, Lang::En) => "the server's certificate expired".into(),
            (Expired { not_after: None }, Lang::Ru) => {
                "срок действия сертификата сервера истёк".into()
            }
            (
                NotYetValid {
                    not_before: Some(t),
                },
                Lang::En,
            ) => {
                format!("the server's certificate is valid only from {}", date(*t))
            }
            (
                NotYetValid {
                    not_before: Some(t),
                },
                Lang::Ru,
            ) => {
                format!("сертификат сервера действует только с {}", date(*t))
            }
            (NotYetValid { not_before: None }, Lang::En) => {
                "the server's certificate is not valid yet".into()
            }
            (NotYetValid { not_before: None }, Lang::Ru) => {
                "срок действия сертификата сервера ещё не начался".into()
            }
            (WrongName { presented }, Lang::En) if presented.is_empty() => {
                "the server's certificate is issued for another name".into()
            }
            (WrongName { presented }, Lang::Ru) if presented.is_empty() => {
                "сертификат сервера выдан на другое имя".into()
            }
            (WrongName { presented }, Lang::En) => format!(
                "the server's certificate is issued for another name: {}",
                quoted(presented)
            ),
            (WrongName { presented }, Lang::Ru) => format!(
                "сертификат сервера выдан на другое имя: {}",
                quoted(presented)
            ),
            (Revoked, Lang::En) => "the server's certificate is revoked".into(),
            (Revoked, Lang::Ru) => "сертификат сервера отозван".into(),
            (BadSignature, Lang::En) => "a signature in the server's certificate chain does \
                 not verify or uses an algorithm we do not accept"
                .into(),
            (BadSignature, Lang::Ru) => "подпись в цепочке сертификатов сервера неверна или \
                 сделана алгоритмом, который мы не принимаем"
                .into(),
            (NotForServer, Lang::En) => {
                "the server's certificate is not meant for a server (its key usage says \
                 otherwise)"
                    .into()
            }
            (NotForServer, Lang::Ru) => "сертификат сервера не предназначен для сервера (его \
                 назначение указано иное)"
                .into(),
            (BadCertificate, Lang::En) => "the server's certificate cannot be read".into(),
            (BadCertificate, Lang::Ru) => "сертификат сервера не удаётся прочитать".into(),
            (NoCertificate, Lang::En) => "the server presented no certificate".into(),
            (NoCertificate, Lang::Ru) => "сервер не предъявил сертификат".into(),
            (Refused(alert), Lang::En) => {
                format!("the server broke off the handshake: {}", alert.text(lang))
            }
            (Refused(alert), Lang::Ru) => {
                format!("сервер прервал установку связи: {}", alert.text(lang))
            }
            (Incompatible, Lang::En) => "the server and we share no TLS version or cipher".into(),
            (Incompatible, Lang::Ru) => "у сервера и у нас нет общей версии TLS или шифра".into(),
            (NotTls, Lang::En) => "the server does not speak TLS on this port".into(),
            (NotTls, Lang::Ru) => "сервер на этом порту не говорит по TLS".into(),
            (Other, Lang::En) => "the TLS handshake failed".into(),
            (Other, Lang::Ru) => "установить защищённое соединение не удалось".into(),
        }
    }

    /// What helps, as a sentence without the full stop.
    pub fn remedy(&self, lang: Lang) -> &'static str {
        use TlsReason::*;
        match (self, lang) {
            (UnknownIssuer, Lang::En) => {
                "if the server is yours or a proxy replaces certificates, add its certificate \
                 (or its authority's) to the trusted certificates"
            }
            (UnknownIssuer, Lang::Ru) => {
                "если сервер ваш или прокси подменяет сертификаты, добавьте его сертификат \
                 (или сертификат его центра) в доверенные сертификаты"
            }
            (Expired { .. }, Lang::En) => {
                "the server's administrator must renew it; if the date looks wrong, check this \
                 computer's clock"
            }
            (Expired { .. }, Lang::Ru) => {
                "его должен обновить администратор сервера; если дата кажется неверной, \
                 проверьте часы этого компьютера"
            }
            (NotYetValid { .. }, Lang::En) => "check the clocks of this computer and the server",
            (NotYetValid { .. }, Lang::Ru) => "проверьте часы этого компьютера и сервера",
            (WrongName { .. }, Lang::En) => {
                "check the server's address: it must be a name the certificate is issued for"
            }
            (WrongName { .. }, Lang::Ru) => {
                "проверьте адрес сервера: это должно быть имя, на которое выдан сертификат"
            }
            (Revoked | BadSignature | NotForServer | BadCertificate | NoCertificate, Lang::En) => {
                "the server's administrator must install a proper certificate"
            }
            (Revoked | BadSignature | NotForServer | BadCertificate | NoCertificate, Lang::Ru) => {
                "администратор сервера должен установить годный сертификат"
            }
            (Refused(Alert::UnrecognisedName), Lang::En) => {
                "check the server's address (the name is what the server expects)"
            }
            (Refused(Alert::UnrecognisedName), Lang::Ru) => {
                "проверьте адрес сервера (имя в нём — то, что сервер ожидает)"
            }
            (Refused(_) | Incompatible, Lang::En) => {
                "the server's TLS settings must allow TLS 1.2 or 1.3 with current ciphers"
            }
            (Refused(_) | Incompatible, Lang::Ru) => {
                "в настройках TLS сервера должны быть разрешены TLS 1.2 или 1.3 с современными \
                 шифрами"
            }
            (NotTls, Lang::En) => {
                "check the port and the scheme: this port may expect plain text or STARTTLS"
            }
            (NotTls, Lang::Ru) => {
                "проверьте порт и схему: возможно, этот порт ждёт открытый текст или STARTTLS"
            }
            (Other, Lang::En) => "check the server's address and the trusted certificates",
            (Other, Lang::Ru) => "проверьте адрес сервера и доверенные сертификаты",
        }
    }

    /// Whether adding a certificate to the trusted certificates can help.
    pub fn trust_helps(&self) -> bool {
        matches!(self, TlsReason::UnknownIssuer | TlsReason::Other)
    }
}

/// The names a certificate presents, as webpki lists them (`DnsName("a.example")`,
/// `IpAddress(127.0.0.1)`), reduced to the names, cleaned of quotes and control characters,
/// clipped, at most [`MAX_NAMES`].
fn names(presented: &[String]) -> Vec<String> {
    presented
        .iter()
        .filter_map(|p| {
            let inner = p
                .strip_prefix("DnsName(")
                .or_else(|| p.strip_prefix("IpAddress("))
                .or_else(|| p.strip_prefix("UniformResourceIdentifier("))?
                .strip_suffix(')')?;
            let clean: String = inner
                .trim_matches('"')
                .chars()
                .filter(|c| !c.is_control() && *c != '"')
                .collect();
            (!clean.is_empty()).then(|| clip(&clean))
        })
        .take(MAX_NAMES)
        .collect()
}

/// `"a", "b"`: the names are the certificate's data, not our words.
fn quoted(names: &[String]) -> String {
    let mut out = String::new();
    for (i, n) in names.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "\"{n}\"");
    }
    out
}

/// `2026-12-02 14:46 UTC`.
fn date(unix: u64) -> String {
    match time::OffsetDateTime::from_unix_timestamp(unix as i64) {
        Ok(t) => format!(
            "{} {:02}:{:02} UTC",
            t.date(),
            t.time().hour(),
            t.time().minute()
        ),
        Err(_) => unix.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::latin_words;
    use rustls::pki_types::{ServerName, UnixTime};
    use rustls::{AlertDescription as A, CertificateError as C, Error as E};
    use std::time::Duration;

    fn at(secs: u64) -> UnixTime {
        UnixTime::since_unix_epoch(Duration::from_secs(secs))
    }

    #[test]
    fn every_library_error_maps_to_its_reason() {
        let cases = [
            (
                E::InvalidCertificate(C::UnknownIssuer),
                TlsReason::UnknownIssuer,
            ),
            (
                E::InvalidCertificate(C::Expired),
                TlsReason::Expired { not_after: None },
            ),
            (
                E::InvalidCertificate(C::ExpiredContext {
                    time: at(1_800_000_000),
                    not_after: at(1_764_633_600),
                }),
                TlsReason::Expired {
                    not_after: Some(1_764_633_600),
                },
            ),
            (
                E::InvalidCertificate(C::NotValidYet),
                TlsReason::NotYetValid { not_before: None },
            ),
            (
                E::InvalidCertificate(C::NotValidYetContext {
                    time: at(1),
                    not_before: at(86_400),
                }),
                TlsReason::NotYetValid {
                    not_before: Some(86_400),
                },
            ),
            (
                E::InvalidCertificate(C::NotValidForName),
                TlsReason::WrongName { presented: vec![] },
            ),
            (
                E::InvalidCertificate(C::NotValidForNameContext {
                    expected: ServerName::try_from("xmpp.example").unwrap(),
                    presented: vec![
                        "DnsName(\"other.example\")".into(),
                        "IpAddress(10.0.0.1)".into(),
                        "DirectoryName".into(),
                    ],
                }),
                TlsReason::WrongName {
                    presented: vec!["other.example".into(), "10.0.0.1".into()],
                },
            ),
            (E::InvalidCertificate(C::Revoked), TlsReason::Revoked),
            (
                E::InvalidCertificate(C::BadSignature),
                TlsReason::BadSignature,
            ),
            (
                E::InvalidCertificate(C::InvalidPurpose),
                TlsReason::NotForServer,
            ),
            (
                E::InvalidCertificate(C::BadEncoding),
                TlsReason::BadCertificate,
            ),
            (
                E::InvalidCertificate(C::UnhandledCriticalExtension),
                TlsReason::BadCertificate,
            ),
            (
                E::InvalidCertificate(C::InvalidOcspResponse),
                TlsReason::Other,
            ),
            (E::NoCertificatesPresented, TlsReason::NoCertificate),
            (
                E::AlertReceived(A::HandshakeFailure),
                TlsReason::Refused(Alert::HandshakeFailure),
            ),
            (
                E::AlertReceived(A::ProtocolVersion),
                TlsReason::Refused(Alert::ProtocolVersion),
            ),
            (
                E::AlertReceived(A::UnknownCA),
                TlsReason::Refused(Alert::ClientCertificate),
            ),
            (
                E::AlertReceived(A::CertificateRequired),
                TlsReason::Refused(Alert::ClientCertificate),
            ),
            (
                E::AlertReceived(A::UnrecognisedName),
                TlsReason::Refused(Alert::UnrecognisedName),
            ),
            (
                E::AlertReceived(A::AccessDenied),
                TlsReason::Refused(Alert::AccessDenied),
            ),
            (
                E::AlertReceived(A::InternalError),
                TlsReason::Refused(Alert::InternalError),
            ),
            (
                E::AlertReceived(A::InsufficientSecurity),
                TlsReason::Refused(Alert::InsufficientSecurity),
            ),
            (
                E::AlertReceived(A::DecodeError),
                TlsReason::Refused(Alert::Other(0x32)),
            ),
            (
                E::PeerIncompatible(rustls::PeerIncompatible::NoCipherSuitesInCommon),
                TlsReason::Incompatible,
            ),
            (
                E::InvalidMessage(rustls::InvalidMessage::InvalidContentType),
                TlsReason::NotTls,
            ),
            (E::PeerSentOversizedRecord, TlsReason::NotTls),
            (E::General("x".into()), TlsReason::Other),
            (
                E::InvalidCertificate(C::Other(rustls::OtherError(std::sync::Arc::new(
                    webpki::Error::CaUsedAsEndEntity,
                )))),
                TlsReason::UnknownIssuer,
            ),
            (
                E::InvalidCertificate(C::Other(rustls::OtherError(std::sync::Arc::new(
                    webpki::Error::EndEntityUsedAsCa,
                )))),
                TlsReason::BadCertificate,
            ),
        ];
        for (error, reason) in cases {
            assert_eq!(TlsReason::of(&error), reason, "{error:?}");
        }
    }

    #[test]
    fn the_error_is_found_inside_io_errors() {
        let inner = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            E::InvalidCertificate(C::UnknownIssuer),
        );
        let outer = std::io::Error::other(inner);
        assert_eq!(TlsReason::find(&outer), Some(TlsReason::UnknownIssuer));
        assert_eq!(TlsReason::find(&std::io::Error::other("plain")), None);
    }

    #[test]
    fn names_are_clipped_cleaned_and_bounded() {
        let long = "a".repeat(200);
        let got = names(&[
            format!("DnsName(\"{long}\")"),
            "DnsName(\"evil\"\n.example\")".into(),
            "DnsName(\"c\")".into(),
            "DnsName(\"d\")".into(),
            "DnsName(\"e\")".into(),
        ]);
        assert_eq!(got.len(), MAX_NAMES);
        assert_eq!(got[0].chars().count(), 65);
        assert_eq!(got[1], "evil.example");
    }

    #[test]
    fn every_reason_reads_in_both_languages_and_russian_has_no_english() {
        let reasons = [
            TlsReason::UnknownIssuer,
            TlsReason::Expired {
                not_after: Some(1_764_633_600),
            },
            TlsReason::Expired { not_after: None },
            TlsReason::NotYetValid {
                not_before: Some(86_400),
            },
            TlsReason::NotYetValid { not_before: None },
            TlsReason::WrongName {
                presented: vec!["other.example".into()],
            },
            TlsReason::WrongName { presented: vec![] },
            TlsReason::Revoked,
            TlsReason::BadSignature,
            TlsReason::NotForServer,
            TlsReason::BadCertificate,
            TlsReason::NoCertificate,
            TlsReason::Refused(Alert::HandshakeFailure),
            TlsReason::Refused(Alert::ProtocolVersion),
            TlsReason::Refused(Alert::InsufficientSecurity),
            TlsReason::Refused(Alert::UnrecognisedName),
            TlsReason::Refused(Alert::ClientCertificate),
            TlsReason::Refused(Alert::AccessDenied),
            TlsReason::Refused(Alert::InternalError),
            TlsReason::Refused(Alert::Other(0x32)),
            TlsReason::Incompatible,
            TlsReason::NotTls,
            TlsReason::Other,
        ];
        let mut seen = std::collections::HashSet::new();
        for r in &reasons {
            let ru = format!("{}; {}", r.what(Lang::Ru), r.remedy(Lang::Ru));
            assert!(latin_words(&ru).is_empty(), "{ru}");
            assert!(
                seen.insert(r.what(Lang::En)),
                "{r:?} says what another says"
            );
            assert!(!r.remedy(Lang::En).is_empty());
        }
        assert_eq!(
            TlsReason::Expired {
                not_after: Some(1_764_633_600)
            }
            .what(Lang::Ru),
            "срок действия сертификата сервера истёк 2025-12-02 00:00 UTC"
        );
        assert!(TlsReason::WrongName {
            presented: vec!["other.example".into()]
        }
        .what(Lang::En)
        .ends_with("another name: \"other.example\""));
        assert!(TlsReason::UnknownIssuer.trust_helps());
        assert!(!TlsReason::WrongName { presented: vec![] }.trust_helps());
    }
}
