//! Key, certificate and PFX, made in memory, and the facts read back from the certificate bytes
//! (so the result describes what was written, not what was meant).

use std::net::IpAddr;

use p12_keystore::{
    Certificate as P12Certificate, EncryptionAlgorithm, KeyStore, KeyStoreEntry, MacAlgorithm,
    PrivateKey as P12PrivateKey, PrivateKeyChain,
};
use rcgen::string::{Ia5String, PrintableString};
use rcgen::{
    CertificateParams, DistinguishedName, DnType, DnValue, KeyPair, SanType, SerialNumber,
};
use rustls_pki_types::PrivatePkcs8KeyDer;
use time::{Duration, OffsetDateTime};
use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};

use super::error::Error;
use super::names::HostName;
use super::KeyType;

/// pkcs-9 emailAddress (1.2.840.113549.1.9.1); rcgen has no named `DnType` for it.
const OID_EMAIL_ADDRESS: [u64; 7] = [1, 2, 840, 113549, 1, 9, 1];

/// OpenSSL's `-legacy` PKCS#12 iteration count: what every Windows since XP imports.
const PFX_ITERATIONS: u32 = 2048;

/// The clock of the machine that makes the certificate and the clocks of its clients are rarely
/// in step: a 1C server set to the wrong time zone is hours off. A certificate that is not yet
/// valid fails exactly like an untrusted one, so validity starts a day before now.
const BACKDATE: Duration = Duration::days(1);

/// Everything the subject and the extensions need, already checked.
pub struct Plan {
    pub key: KeyType,
    pub days: u32,
    pub country: Option<String>,
    pub state: Option<String>,
    pub locality: Option<String>,
    pub organization: Option<String>,
    pub unit: Option<String>,
    pub common_name: String,
    pub email: Option<String>,
    /// The CN's own entry first, then the extra names, without duplicates.
    pub alt_names: Vec<HostName>,
}

/// The made certificate in the forms the result and the files need.
pub struct Made {
    pub key_pem: String,
    pub cert_pem: String,
    pub pfx: Vec<u8>,
    pub facts: Facts,
}

/// What the certificate says, read from its DER.
pub struct Facts {
    pub sha256_hex: String,
    pub serial_hex: String,
    pub subject: String,
    pub alt_names: Vec<String>,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
}

fn encoding(what: &str, err: impl std::fmt::Display) -> Error {
    Error::Encoding {
        reason: format!("{what}: {err}"),
    }
}

fn generate_key(key: KeyType) -> Result<KeyPair, Error> {
    let bits = match key {
        KeyType::EcdsaP256 => {
            return KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(|e| {
                Error::KeyGeneration {
                    reason: e.to_string(),
                }
            });
        }
        KeyType::Rsa2048 => 2048,
        KeyType::Rsa3072 => 3072,
        KeyType::Rsa4096 => 4096,
    };
    // ring signs RSA but cannot generate RSA keys, so the pure-Rust `rsa` crate makes the key
    // and hands it over as PKCS#8 (no C library, so every Windows target builds alike).
    use rsa::pkcs8::EncodePrivateKey;
    let private = rsa_key(bits)?;
    let pkcs8 = private.to_pkcs8_der().map_err(|e| Error::KeyGeneration {
        reason: e.to_string(),
    })?;
    KeyPair::from_pkcs8_der_and_sign_algo(
        &PrivatePkcs8KeyDer::from(pkcs8.as_bytes()),
        &rcgen::PKCS_RSA_SHA256,
    )
    .map_err(|e| Error::KeyGeneration {
        reason: e.to_string(),
    })
}

/// RSA with e = 65537 whose two primes are searched for at the same time on two threads: the
/// prime search is nearly all of MakeCert's time, and waiting for the slower of two searches
/// instead of both in turn is most of what brings it under `openssl req` (see
/// scripts/bench/bench-cert.sh). `from_p_q` derives and validates the key as the crate's own
/// generation does.
fn rsa_key(bits: usize) -> Result<rsa::RsaPrivateKey, Error> {
    use rsa::traits::PublicKeyParts;
    use rsa::BigUint;
    let failed = |reason: String| Error::KeyGeneration { reason };
    let e = BigUint::from(65537u32);
    let half = bits / 2;
    let small = small_odd_primes();
    // A retry is needed only for equal or too close primes, which random 1024-bit primes never
    // are in practice; the bound just keeps a broken generator from looping forever.
    for _ in 0..8 {
        let (p, q) = std::thread::scope(|scope| {
            let other = std::thread::Builder::new()
                .name("messenger-rsa-prime".into())
                .spawn_scoped(scope, || rsa_prime(half, &e, &small));
            let mine = rsa_prime(half, &e, &small);
            let theirs = match other {
                Ok(handle) => handle
                    .join()
                    .unwrap_or_else(|_| Err(failed("the prime search thread failed".into()))),
                // No second thread to be had: search for the other prime here.
                Err(_) => rsa_prime(half, &e, &small),
            };
            (mine, theirs)
        });
        let (p, q) = (p?, q?);
        // FIPS 186-5 A.1.3: |p - q| > 2^(bits/2 - 100), or n is easy to factor (Fermat).
        let distance = if p > q { &p - &q } else { &q - &p };
        if distance.bits() <= half - 100 {
            continue;
        }
        let key =
            rsa::RsaPrivateKey::from_p_q(p, q, e.clone()).map_err(|e| failed(e.to_string()))?;
        if key.n().bits() == bits {
            return Ok(key);
        }
    }
    Err(failed("no suitable primes found".into()))
}

/// Odd primes below 2^16, the sieve of the prime search.
fn small_odd_primes() -> Vec<u32> {
    const LIMIT: usize = 1 << 16;
    let mut composite = vec![false; LIMIT];
    let mut primes = Vec::new();
    for n in (3..LIMIT).step_by(2) {
        if !composite[n] {
            primes.push(n as u32);
            for multiple in (n * n..LIMIT).step_by(2 * n) {
                composite[multiple] = true;
            }
        }
    }
    primes
}

/// Miller-Rabin rounds besides the fixed base 2, each prime then also passing a strong Lucas
/// test (Baillie-PSW). For random candidates, as here, FIPS 186-5 Table B.1 asks for 5 rounds
/// for the 1024-bit primes of RSA-2048 at error probability 2^-112 (4 for 1536 and 2048 bits);
/// the crate's generic 20 rounds are meant for numbers an adversary may have chosen.
const EXTRA_MR_ROUNDS: usize = 4;

/// How far the search walks up from one random start before drawing another; primes near
/// 2^1024 are about 710 apart on average.
const SEARCH_SPAN: u32 = 1 << 16;

/// A random prime of `bits` bits (a multiple of 8) with the top two bits set, so two of them
/// make a modulus of exactly twice the size, and gcd(p - 1, e) = 1, so that e has an inverse.
///
/// From a random odd start it walks up by 2, skipping every number that a prime below 2^16
/// divides (kept as remainders of the start, so no big division per step): that leaves about
/// a third of the candidates that the crate's sieve up to 53 leaves, and each dropped candidate
/// is a modular exponentiation saved. Most steps are settled by the first few small primes.
fn rsa_prime(bits: usize, e: &rsa::BigUint, small: &[u32]) -> Result<rsa::BigUint, Error> {
    use num_bigint_dig::prime::probably_prime;
    let one = rsa::BigUint::from(1u32);
    let mut bytes = vec![0u8; bits / 8];
    loop {
        getrandom::fill(&mut bytes).map_err(|e| Error::Random {
            reason: e.to_string(),
        })?;
        if let Some(top) = bytes.first_mut() {
            *top |= 0xC0;
        }
        if let Some(low) = bytes.last_mut() {
            *low |= 1;
        }
        let start = rsa::BigUint::from_bytes_be(&bytes);
        let remainders: Vec<u32> = small
            .iter()
            .map(|&s| {
                bytes
                    .iter()
                    .fold(0u32, |r, &b| (r * 256 + u32::from(b)) % s)
            })
            .collect();
        bytes.fill(0);
        for delta in (0..SEARCH_SPAN).step_by(2) {
            let divisible = small
                .iter()
                .zip(&remainders)
                .any(|(&s, &r)| (r + delta) % s == 0);
            if divisible {
                continue;
            }
            let candidate = &start + rsa::BigUint::from(delta);
            if candidate.bits() == bits
                && probably_prime(&candidate, EXTRA_MR_ROUNDS)
                && &candidate % e != one
            {
                return Ok(candidate);
            }
        }
    }
}

/// A random positive serial of 16 bytes whose top byte is never 0 (so the DER length is fixed)
/// and whose top bit is clear (so the INTEGER is positive without a padding byte): 126 random
/// bits, more than the 64 that CA/B rules ask for.
fn random_serial() -> Result<[u8; 16], Error> {
    let mut serial = [0u8; 16];
    getrandom::fill(&mut serial).map_err(|e| Error::Random {
        reason: e.to_string(),
    })?;
    serial[0] = (serial[0] & 0x7f) | 0x40;
    Ok(serial)
}

fn distinguished_name(plan: &Plan) -> Result<DistinguishedName, Error> {
    let mut dn = DistinguishedName::new();
    // The order of `openssl req -subj "/C=/ST=/L=/O=/OU=/CN=/emailAddress="`, which the article
    // uses and which Windows shows in reverse.
    if let Some(c) = &plan.country {
        let printable = PrintableString::try_from(c.as_str()).map_err(|e| encoding("C", e))?;
        dn.push(DnType::CountryName, DnValue::PrintableString(printable));
    }
    let utf8 = |dn: &mut DistinguishedName, ty: DnType, value: &Option<String>| {
        if let Some(v) = value {
            dn.push(ty, DnValue::Utf8String(v.clone()));
        }
    };
    utf8(&mut dn, DnType::StateOrProvinceName, &plan.state);
    utf8(&mut dn, DnType::LocalityName, &plan.locality);
    utf8(&mut dn, DnType::OrganizationName, &plan.organization);
    utf8(&mut dn, DnType::OrganizationalUnitName, &plan.unit);
    dn.push(
        DnType::CommonName,
        DnValue::Utf8String(plan.common_name.clone()),
    );
    if let Some(email) = &plan.email {
        let ia5 = Ia5String::try_from(email.as_str()).map_err(|e| encoding("emailAddress", e))?;
        dn.push(
            DnType::CustomDnType(OID_EMAIL_ADDRESS.to_vec()),
            DnValue::Ia5String(ia5),
        );
    }
    Ok(dn)
}

fn san(name: &HostName) -> Result<SanType, Error> {
    Ok(match name {
        HostName::Ip(ip) => SanType::IpAddress(*ip),
        HostName::Dns(dns) => SanType::DnsName(
            Ia5String::try_from(dns.as_str()).map_err(|e| encoding("subjectAltName", e))?,
        ),
    })
}

/// Makes the key, the self-signed certificate and the PFX. The slow part is the RSA key.
pub fn make(plan: &Plan, pfx_password: &str) -> Result<Made, Error> {
    let now = OffsetDateTime::now_utc();
    let now = now.replace_nanosecond(0).unwrap_or(now);
    let mut params = CertificateParams::default();
    params.distinguished_name = distinguished_name(plan)?;
    params.subject_alt_names = plan.alt_names.iter().map(san).collect::<Result<_, _>>()?;
    params.serial_number = Some(SerialNumber::from_slice(&random_serial()?));
    params.not_before = now - BACKDATE;
    params.not_after = now + Duration::days(i64::from(plan.days));

    let key = generate_key(plan.key)?;
    let cert = params
        .self_signed(&key)
        .map_err(|e| encoding("certificate", e))?;
    let cert_der: &[u8] = cert.der();
    let facts = read_back(cert_der)?;
    let pfx = pfx(&key, cert_der, &plan.common_name, pfx_password)?;
    Ok(Made {
        key_pem: key.serialize_pem(),
        cert_pem: cert.pem(),
        pfx,
        facts,
    })
}

/// PKCS#12 with PBE-SHA1-3DES for both the key and the certificate bag and an HMAC-SHA1 MAC:
/// Windows Server 2016 and older (and Windows 10 before 1709) cannot open the AES/SHA-256
/// files that OpenSSL 3 and p12-keystore make by default, and IIS then says the password is
/// wrong. OpenSSL 3 reads 3DES without `-legacy`.
fn pfx(key: &KeyPair, cert_der: &[u8], alias: &str, password: &str) -> Result<Vec<u8>, Error> {
    let private = P12PrivateKey::from_der(key.serialized_der()).map_err(|e| encoding("PFX", e))?;
    let certificate = P12Certificate::from_der(cert_der).map_err(|e| encoding("PFX", e))?;
    // localKeyId ties the key bag to its certificate bag; Windows and OpenSSL use the SHA-1 of
    // the certificate, an identifier, not a security measure.
    let local_key_id = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, cert_der);
    let chain = PrivateKeyChain::new(local_key_id.as_ref(), private, [certificate]);
    let mut store = KeyStore::new();
    store.add_entry(alias, KeyStoreEntry::PrivateKeyChain(chain));
    store
        .writer(password)
        .encryption_algorithm(EncryptionAlgorithm::PbeWithShaAnd3KeyTripleDesCbc)
        .encryption_iterations(PFX_ITERATIONS)
        .mac_algorithm(MacAlgorithm::HmacSha1)
        .mac_iterations(PFX_ITERATIONS)
        .write()
        .map_err(|e| encoding("PFX", e))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// The facts of the result, from the DER just made.
pub fn read_back(der: &[u8]) -> Result<Facts, Error> {
    let (_, cert) = X509Certificate::from_der(der).map_err(|e| encoding("read-back", e))?;
    let serial = cert.raw_serial();
    let serial = match serial {
        [0, rest @ ..] if !rest.is_empty() => rest,
        all => all,
    };
    let mut alt_names = Vec::new();
    if let Some(ext) = cert
        .subject_alternative_name()
        .map_err(|e| encoding("read-back", e))?
    {
        for name in &ext.value.general_names {
            match name {
                GeneralName::DNSName(dns) => alt_names.push((*dns).to_owned()),
                GeneralName::IPAddress(bytes) => {
                    let ip = match bytes.len() {
                        4 => <[u8; 4]>::try_from(*bytes).ok().map(IpAddr::from),
                        16 => <[u8; 16]>::try_from(*bytes).ok().map(IpAddr::from),
                        _ => None,
                    };
                    if let Some(ip) = ip {
                        alt_names.push(ip.to_string());
                    }
                }
                _ => {}
            }
        }
    }
    Ok(Facts {
        sha256_hex: hex(ring::digest::digest(&ring::digest::SHA256, der).as_ref()),
        serial_hex: hex(serial),
        subject: rfc4514(cert.subject()),
        alt_names,
        not_before: cert.validity().not_before.to_datetime(),
        not_after: cert.validity().not_after.to_datetime(),
    })
}

/// The subject as RFC 4514 writes it (most specific first: `CN=…,O=…,C=RU`), with
/// `emailAddress` for the PKCS#9 attribute as OpenSSL prints it. Non-ASCII letters stay as they
/// are, so a Cyrillic organization reads as itself.
fn rfc4514(name: &x509_parser::x509::X509Name<'_>) -> String {
    use x509_parser::oid_registry as oids;
    let mut parts = Vec::new();
    for rdn in name.iter_rdn() {
        let attrs: Vec<String> = rdn
            .iter()
            .map(|atv| {
                let oid = atv.attr_type();
                let label = if *oid == oids::OID_X509_COMMON_NAME {
                    "CN".to_owned()
                } else if *oid == oids::OID_X509_COUNTRY_NAME {
                    "C".to_owned()
                } else if *oid == oids::OID_X509_STATE_OR_PROVINCE_NAME {
                    "ST".to_owned()
                } else if *oid == oids::OID_X509_LOCALITY_NAME {
                    "L".to_owned()
                } else if *oid == oids::OID_X509_ORGANIZATION_NAME {
                    "O".to_owned()
                } else if *oid == oids::OID_X509_ORGANIZATIONAL_UNIT {
                    "OU".to_owned()
                } else if *oid == oids::OID_PKCS9_EMAIL_ADDRESS {
                    "emailAddress".to_owned()
                } else {
                    oid.to_id_string()
                };
                let value = atv.as_str().map(escape_rfc4514).unwrap_or_default();
                format!("{label}={value}")
            })
            .collect();
        parts.push(attrs.join("+"));
    }
    parts.reverse();
    parts.join(",")
}

/// RFC 4514 section 2.4: the special characters get a backslash; a leading `#` or space and a
/// trailing space too; NUL becomes `\00`.
fn escape_rfc4514(value: &str) -> String {
    let count = value.chars().count();
    let mut out = String::with_capacity(value.len());
    for (i, c) in value.chars().enumerate() {
        match c {
            '"' | '+' | ',' | ';' | '<' | '>' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '#' | ' ' if i == 0 => {
                out.push('\\');
                out.push(c);
            }
            ' ' if i + 1 == count => out.push_str("\\ "),
            '\0' => out.push_str("\\00"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4514_escaping() {
        assert_eq!(
            escape_rfc4514(r#"ООО "Тест", филиал"#),
            r#"ООО \"Тест\"\, филиал"#
        );
        assert_eq!(escape_rfc4514("#1 "), "\\#1\\ ");
        assert_eq!(escape_rfc4514("a+b;c<d>e\\f=g"), "a\\+b\\;c\\<d\\>e\\\\f=g");
    }

    #[test]
    fn serials_are_positive_and_full_length() {
        for _ in 0..64 {
            let s = random_serial().unwrap();
            assert!(s[0] & 0x80 == 0 && s[0] != 0);
        }
        assert_ne!(random_serial().unwrap(), random_serial().unwrap());
    }

    #[test]
    fn rsa_keys_from_parallel_primes_are_sound() {
        use rsa::traits::{PrivateKeyParts, PublicKeyParts};
        let key = rsa_key(2048).unwrap();
        assert_eq!(key.n().bits(), 2048);
        assert_eq!(key.e(), &rsa::BigUint::from(65537u32));
        assert_eq!(key.primes().len(), 2);
        assert_ne!(key.primes()[0], key.primes()[1]);
        key.validate().unwrap();
    }

    #[test]
    fn the_prime_search_finds_primes_of_the_size_asked() {
        use num_bigint_dig::prime::probably_prime;
        let small = small_odd_primes();
        assert_eq!(&small[..6], [3, 5, 7, 11, 13, 17]);
        assert_eq!(small.last(), Some(&65521));
        assert_eq!(small.len(), 6541);
        let e = rsa::BigUint::from(65537u32);
        for bits in [512, 1024] {
            let p = rsa_prime(bits, &e, &small).unwrap();
            assert_eq!(p.bits(), bits);
            assert!(probably_prime(&p, 20));
            assert_ne!(&p % &e, rsa::BigUint::from(1u32));
        }
    }

    fn plan(key: KeyType) -> Plan {
        Plan {
            key,
            days: 30,
            country: Some("RU".into()),
            state: Some("Оренбургская обл.".into()),
            locality: Some("Оренбург".into()),
            organization: Some("ООО \"Тест\"".into()),
            unit: None,
            common_name: "127.0.0.1".into(),
            email: Some("admin@example.com".into()),
            alt_names: vec![
                HostName::Ip("127.0.0.1".parse().unwrap()),
                HostName::Dns("example.com".into()),
            ],
        }
    }

    #[test]
    fn ecdsa_certificate_reads_back_as_planned() {
        let made = make(&plan(KeyType::EcdsaP256), "secret").unwrap();
        let f = &made.facts;
        assert_eq!(
            f.subject,
            "emailAddress=admin@example.com,CN=127.0.0.1,O=ООО \\\"Тест\\\",L=Оренбург,\
             ST=Оренбургская обл.,C=RU"
        );
        assert_eq!(f.alt_names, ["127.0.0.1", "example.com"]);
        assert_eq!(f.serial_hex.len(), 32);
        assert_eq!(f.sha256_hex.len(), 64);
        let span = f.not_after - f.not_before;
        assert_eq!(span, Duration::days(31));
        assert!(made.key_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        assert!(made.cert_pem.starts_with("-----BEGIN CERTIFICATE-----"));

        let store = KeyStore::from_pkcs12(
            &made.pfx,
            "secret",
            p12_keystore::Pkcs12ImportPolicy::default(),
        )
        .unwrap();
        let (_, chain) = store.private_key_chain().unwrap();
        assert_eq!(chain.certs().len(), 1);
        assert!(KeyStore::from_pkcs12(
            &made.pfx,
            "wrong",
            p12_keystore::Pkcs12ImportPolicy::default()
        )
        .is_err());
    }
}
