//! The settings a protocol error may point at, without their 1C names.
//!
//! The protocol modules know nothing of 1C: a message says "add its certificate to the trusted
//! certificates", and the error tells which setting that is ([`crate::i18n::Localized::settings`]).
//! The face in front of the library names it: the add-in as the property (`ДоверенныеСертификаты`),
//! the command line as its flag (`--trusted`).

/// A setting every network call is made with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Setting {
    /// How long one call may take.
    Timeout,
    /// The proxy traffic goes through.
    Proxy,
    /// Certificates trusted in addition to the system roots.
    TrustedCertificates,
    /// The Bot API base address.
    TelegramApiUrl,
}
