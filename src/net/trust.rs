//! The `TrustedCertificates` property: PEM certificates trusted in addition to the system roots
//! (a self-signed XMPP server, a corporate proxy's CA, a local Bot API server).
//!
//! Each is a root (a chain leading to it is checked as usual, name included) and a pin: a server
//! presenting exactly that certificate is accepted, without a name check only when the
//! certificate is self-signed; any other pinned certificate must be for the server's name
//! (see `tls::TrustedOrWebPki`, docs/en/limits.md).

use rustls_pki_types::pem::{PemObject, SectionKind};
use rustls_pki_types::CertificateDer;

use super::{Error, PemReason};

/// Certificates parsed from PEM text; empty means "only the system roots".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedCertificates {
    pem: String,
    certs: Vec<CertificateDer<'static>>,
}

impl TrustedCertificates {
    /// Parses PEM text that holds one or more certificates. An empty text is valid and trusts
    /// nothing extra. A private key, a block of another kind or no block at all is refused.
    pub fn from_pem(text: &str) -> Result<TrustedCertificates, Error> {
        if text.trim().is_empty() {
            return Ok(TrustedCertificates::default());
        }
        let mut certs = Vec::new();
        for item in <(SectionKind, Vec<u8>)>::pem_slice_iter(text.as_bytes()) {
            let (kind, der) = item.map_err(|e| Error::InvalidTrustedPem(PemReason::of(&e)))?;
            match kind {
                SectionKind::Certificate => certs.push(CertificateDer::from(der)),
                SectionKind::PrivateKey
                | SectionKind::RsaPrivateKey
                | SectionKind::EcPrivateKey => return Err(Error::PrivateKeyInsteadOfCertificate),
                other => {
                    return Err(Error::InvalidTrustedPem(PemReason::NotACertificate(
                        format!("{other:?}"),
                    )))
                }
            }
        }
        if certs.is_empty() {
            return Err(Error::InvalidTrustedPem(PemReason::NoCertificate));
        }
        // rustls accepts only certificates it can parse as trust anchors: find the bad one now.
        for (i, cert) in certs.iter().enumerate() {
            if !usable_as_anchor(cert) {
                return Err(Error::InvalidTrustedPem(PemReason::Unusable(i + 1)));
            }
        }
        Ok(TrustedCertificates {
            pem: text.to_owned(),
            certs,
        })
    }

    /// The text as it was given (the property reads it back unchanged).
    pub fn pem(&self) -> &str {
        &self.pem
    }

    /// The certificates in DER.
    pub fn certificates(&self) -> &[CertificateDer<'static>] {
        &self.certs
    }

    pub fn is_empty(&self) -> bool {
        self.certs.is_empty()
    }
}

fn usable_as_anchor(cert: &CertificateDer<'_>) -> bool {
    let mut store = rustls::RootCertStore::empty();
    store.add(cert.clone()).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    // A real self-signed certificate (CN=localhost, P-256), made with openssl for this test.
    const CERT: &str = "-----BEGIN CERTIFICATE-----
MIIBfDCCASOgAwIBAgIULndML6sB+MSblEqVU6BtgJqeAAYwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MB4XDTI2MTEyMzA3NDUwNFoXDTM2MTEyMDA3
NDUwNFowFDESMBAGA1UEAwwJbG9jYWxob3N0MFkwEwYHKoZIzj0CAQYIKoZIzj0D
AQcDQgAEWchY/alSMx+AUtpjbJYFXJaAKPLfAHjJvkvtCzaAWnXTX6BQuatIfZQS
XTBPA6fgNwEnmE5c1kvJZ4DCK3d0y6NTMFEwHQYDVR0OBBYEFCgBevgWG84G/4eJ
CE7CtupsBUNtMB8GA1UdIwQYMBaAFCgBevgWG84G/4eJCE7CtupsBUNtMA8GA1Ud
EwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDRwAwRAIgbKmiWsj5cDgt+xJcF9oA/szL
9AKV53f7qDw08zS4dE0CIE/tmixCHmVL8TKsGbxjIio1tWQ5o4V1XYtC0soZXOpo
-----END CERTIFICATE-----
";

    #[test]
    fn reads_one_or_more_certificates_and_keeps_the_text() {
        let one = TrustedCertificates::from_pem(CERT).unwrap();
        assert_eq!(one.certificates().len(), 1);
        assert_eq!(one.pem(), CERT);
        let two = TrustedCertificates::from_pem(&format!("{CERT}\n{CERT}")).unwrap();
        assert_eq!(two.certificates().len(), 2);
    }

    #[test]
    fn empty_text_trusts_nothing_extra() {
        assert!(TrustedCertificates::from_pem(" \n").unwrap().is_empty());
    }

    #[test]
    fn refuses_keys_garbage_and_damaged_certificates() {
        let key =
            "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ+x\n-----END PRIVATE KEY-----\n";
        assert_eq!(
            TrustedCertificates::from_pem(key),
            Err(Error::PrivateKeyInsteadOfCertificate)
        );
        assert!(matches!(
            TrustedCertificates::from_pem("hello"),
            Err(Error::InvalidTrustedPem(_))
        ));
        // The same certificate with its last DER line cut off: the base64 is fine, the DER is not.
        let lines: Vec<&str> = CERT.lines().collect();
        let cut = [&lines[..lines.len() - 2], &lines[lines.len() - 1..]]
            .concat()
            .join("\n");
        assert!(matches!(
            TrustedCertificates::from_pem(&cut),
            Err(Error::InvalidTrustedPem(_))
        ));
    }
}
