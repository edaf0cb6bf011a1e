//! The one TLS seam: every TLS client in the crate (HTTP for Telegram and BOSH, XMPP over TCP)
//! gets its `rustls::ClientConfig` here, with the ring provider, the system roots plus
//! `TrustedCertificates`, and verification on unless the caller asks by a dangerous name.

use std::sync::{Arc, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use super::{ClientError, Error, TrustedCertificates};

/// How the server's certificate is checked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Verification {
    /// Chain to the system roots or to `TrustedCertificates`, and the name must match.
    #[default]
    Verify,
    /// Accept any certificate. Only for a user who asked for it by an option whose name says
    /// it is dangerous: anyone on the path can then read and change the traffic.
    DangerAcceptAnyCertificate,
}

/// The crypto provider every TLS connection uses (ring: builds for Linux and Windows alike).
pub fn provider() -> Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    PROVIDER
        .get_or_init(|| Arc::new(rustls::crypto::ring::default_provider()))
        .clone()
}

/// The operating system's roots, read once per process (it takes tens of milliseconds: ~150
/// files on Debian). Where the system has none that rustls can use (a bare container), Mozilla's
/// list stands in. Read only when a server's certificate needs them (see [`TrustedOrWebPki`]).
fn system_roots() -> &'static RootCertStore {
    static ROOTS: OnceLock<RootCertStore> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let mut store = RootCertStore::empty();
        let found = rustls_native_certs::load_native_certs();
        let (added, _ignored) = store.add_parsable_certificates(found.certs);
        if added == 0 {
            store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        }
        store
    })
}

/// A client configuration for the given trust settings. ALPN is left empty; callers that need
/// it (HTTP/1.1) set it on their copy.
pub fn client_config(
    trusted: &TrustedCertificates,
    verification: Verification,
) -> Result<Arc<ClientConfig>, Error> {
    let builder = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::TlsConfig {
            source: ClientError::new(e),
        })?;
    let config = match verification {
        Verification::Verify => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(TrustedOrWebPki::new(trusted)?))
            .with_no_client_auth(),
        Verification::DangerAcceptAnyCertificate => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate(provider())))
            .with_no_client_auth(),
    };
    Ok(Arc::new(config))
}

/// A chain verifier over the given roots.
fn webpki_over(
    roots: RootCertStore,
) -> Result<Arc<rustls::client::WebPkiServerVerifier>, rustls::client::VerifierBuilderError> {
    rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider()).build()
}

/// The usual chain verification, plus one case it refuses: the server presents exactly a
/// certificate the user put into TrustedCertificates (its name must still match the server's,
/// unless it is self-signed). `openssl req -x509` marks a self-signed
/// certificate CA:TRUE by default and often gives it no subjectAltName, and webpki then refuses
/// it as the server's own ("CaUsedAsEndEntity", or a name mismatch): yet that exact certificate
/// is what an administrator copies from a self-signed XMPP server or a local Bot API. Trusting
/// those exact bytes is a pin, as strong as the chain check: the handshake signature still has
/// to be made with its key. Its validity dates are still checked.
///
/// The system's roots are read only when needed: a server that TrustedCertificates verify (as a
/// chain or as a pin) never costs the ~150 files of the system store, which a one-shot send to a
/// self-signed XMPP server would otherwise read on every call of a fresh process.
#[derive(Debug)]
struct TrustedOrWebPki {
    pinned: Vec<CertificateDer<'static>>,
    /// Chains to TrustedCertificates alone; `None` when there are none.
    trusted_only: Option<Arc<rustls::client::WebPkiServerVerifier>>,
    /// Chains to the system roots plus TrustedCertificates, made at the first certificate the
    /// above could not verify.
    with_system: OnceLock<Result<Arc<rustls::client::WebPkiServerVerifier>, String>>,
}

impl TrustedOrWebPki {
    fn new(trusted: &TrustedCertificates) -> Result<TrustedOrWebPki, Error> {
        let trusted_only = if trusted.is_empty() {
            None
        } else {
            let mut roots = RootCertStore::empty();
            for cert in trusted.certificates() {
                roots.add(cert.clone()).map_err(|e| Error::TlsConfig {
                    source: ClientError::new(e),
                })?;
            }
            Some(webpki_over(roots).map_err(|e| Error::TlsConfig {
                source: ClientError::new(e),
            })?)
        };
        Ok(TrustedOrWebPki {
            pinned: trusted.certificates().to_vec(),
            trusted_only,
            with_system: OnceLock::new(),
        })
    }

    /// Whether the system's roots were needed (for tests).
    #[cfg(test)]
    fn consulted_system_roots(&self) -> bool {
        self.with_system.get().is_some()
    }

    fn with_system(&self) -> Result<&Arc<rustls::client::WebPkiServerVerifier>, rustls::Error> {
        self.with_system
            .get_or_init(|| {
                let mut roots = system_roots().clone();
                for cert in &self.pinned {
                    // Each was accepted as a root when TrustedCertificates was parsed.
                    let _ = roots.add(cert.clone());
                }
                webpki_over(roots).map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(|reason| rustls::Error::General(reason.clone()))
    }
}

impl ServerCertVerifier for TrustedOrWebPki {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Some(trusted_only) = &self.trusted_only {
            let verdict = trusted_only.verify_server_cert(
                end_entity,
                intermediates,
                server_name,
                ocsp_response,
                now,
            );
            if verdict.is_ok() {
                return verdict;
            }
        }
        if self
            .pinned
            .iter()
            .any(|p| p.as_ref() == end_entity.as_ref())
        {
            validity(end_entity, now).map_err(rustls::Error::InvalidCertificate)?;
            // The name still has to match, except for a self-signed certificate: that one was
            // copied from the very server, often reached by an address its name does not cover
            // (an IP, a local name), and its exact bytes are the whole trust.
            if !is_self_signed(end_entity) {
                let parsed = rustls::server::ParsedCertificate::try_from(end_entity)?;
                rustls::client::verify_server_name(&parsed, server_name)?;
            }
            return Ok(ServerCertVerified::assertion());
        }
        let verdict = self.with_system()?.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        );
        match verdict {
            // A self-signed certificate that is not among the trusted ones has no trusted
            // issuer. The chain checker says "bad signature" (or "wrong algorithm for the key")
            // instead when a root of the system has the same name (Debian's snakeoil
            // certificate is a root named localhost, like
            // many a test server's own): said as what it is, so that the message points to the
            // trusted certificates.
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::BadSignature
                | rustls::CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext {
                    ..
                },
            )) if is_self_signed(end_entity) => Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::UnknownIssuer,
            )),
            verdict => verdict,
        }
    }

    // Handshake signatures are checked exactly as webpki checks them (the same algorithms of
    // the same provider): the pin covers the certificate, never the proof that the server
    // holds its key.
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &provider().signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &provider().signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        provider()
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// Issuer equal to subject and the signature made by the certificate's own key.
fn is_self_signed(cert: &CertificateDer<'_>) -> bool {
    use x509_parser::prelude::{FromDer, X509Certificate};
    match X509Certificate::from_der(cert.as_ref()) {
        Ok((_, parsed)) => {
            parsed.subject().as_raw() == parsed.issuer().as_raw()
                && parsed.verify_signature(None).is_ok()
        }
        Err(_) => false,
    }
}

/// Whether `now` lies within the certificate's notBefore..notAfter; if not, the error says
/// which end and when, as the chain checker would.
fn validity(cert: &CertificateDer<'_>, now: UnixTime) -> Result<(), rustls::CertificateError> {
    use rustls::CertificateError as C;
    use x509_parser::prelude::{FromDer, X509Certificate};
    let Ok((_, parsed)) = X509Certificate::from_der(cert.as_ref()) else {
        return Err(C::BadEncoding);
    };
    let at = |t: i64| UnixTime::since_unix_epoch(std::time::Duration::from_secs(t.max(0) as u64));
    let (not_before, not_after) = (
        parsed.validity().not_before.timestamp(),
        parsed.validity().not_after.timestamp(),
    );
    let secs = now.as_secs() as i64;
    if secs < not_before {
        Err(C::NotValidYetContext {
            time: now,
            not_before: at(not_before),
        })
    } else if secs > not_after {
        Err(C::ExpiredContext {
            time: now,
            not_after: at(not_after),
        })
    } else {
        Ok(())
    }
}

/// Accepts any certificate but still checks that the server holds its key (handshake
/// signatures), so the danger is exactly "anyone can pretend to be the server", no more.
#[derive(Debug)]
struct AcceptAnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_both_kinds_of_configuration() {
        let trusted = TrustedCertificates::default();
        assert!(client_config(&trusted, Verification::Verify).is_ok());
        assert!(client_config(&trusted, Verification::DangerAcceptAnyCertificate).is_ok());
        assert!(!system_roots().is_empty());
    }

    fn self_signed(name: &str) -> (String, CertificateDer<'static>) {
        let made = rcgen::generate_simple_self_signed(vec![name.to_owned()]).unwrap();
        (made.cert.pem(), made.cert.der().clone())
    }

    #[test]
    fn a_server_the_trusted_certificates_verify_never_reads_the_system_roots() {
        let (pem, der) = self_signed("localhost");
        let trusted = TrustedCertificates::from_pem(&pem).unwrap();
        let verifier = TrustedOrWebPki::new(&trusted).unwrap();
        let name = ServerName::try_from("localhost").unwrap();
        assert!(verifier
            .verify_server_cert(&der, &[], &name, &[], UnixTime::now())
            .is_ok());
        assert!(!verifier.consulted_system_roots());
        // Another server's certificate: only now are the system's roots asked, and they refuse.
        let (_, other) = self_signed("localhost");
        assert!(verifier
            .verify_server_cert(&other, &[], &name, &[], UnixTime::now())
            .is_err());
        assert!(verifier.consulted_system_roots());
    }

    #[test]
    fn without_trusted_certificates_the_system_roots_decide() {
        let verifier = TrustedOrWebPki::new(&TrustedCertificates::default()).unwrap();
        let (_, der) = self_signed("localhost");
        let name = ServerName::try_from("localhost").unwrap();
        assert!(verifier
            .verify_server_cert(&der, &[], &name, &[], UnixTime::now())
            .is_err());
        assert!(verifier.consulted_system_roots());
    }
}
