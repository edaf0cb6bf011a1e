//! SASL client mechanisms (RFC 4422 as used by RFC 6120): SCRAM-SHA-256 and SCRAM-SHA-1
//! (RFC 5802/7677, server signature verified), DIGEST-MD5 (RFC 2831, rspauth verified) and PLAIN
//! (RFC 4616). Pure functions over bytes; the XML framing and base64 live in the caller.

use hmac::{KeyInit, Mac};
use md5::{Digest, Md5};

use super::{SaslMessage, SaslReason as R};

/// Mechanisms we implement, strongest first. `-PLUS` variants are deliberately absent: we do not
/// do channel binding, so picking one would fail (or, worse, look like a downgrade).
pub const SUPPORTED: [&str; 4] = ["SCRAM-SHA-256", "SCRAM-SHA-1", "DIGEST-MD5", "PLAIN"];

/// Why the exchange failed on our side (the server's own failures are reported separately).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaslError {
    /// The server's proof (SCRAM `v=`, DIGEST-MD5 `rspauth`) is wrong or missing: whoever
    /// answered does not know the password.
    ServerNotAuthenticated(R),
    /// A server message we cannot parse or that breaks the mechanism's rules.
    Malformed(R),
}

/// One client side of a mechanism.
pub trait Mechanism {
    fn name(&self) -> &'static str;
    /// The initial response sent with `<auth/>` (`None`: no initial response).
    fn initial(&mut self) -> Option<Vec<u8>>;
    /// The answer to a `<challenge/>`.
    fn respond(&mut self, challenge: &[u8]) -> Result<Vec<u8>, SaslError>;
    /// Checks the additional data of `<success/>` (or its absence).
    fn finish(&mut self, data: Option<&[u8]>) -> Result<(), SaslError>;
}

/// Picks the mechanism: the first of `wanted` (ours in order of strength by default) that the
/// server offers; PLAIN only when `plain_allowed`.
pub fn choose(offered: &[String], wanted: &[String], plain_allowed: bool) -> Option<&'static str> {
    wanted.iter().find_map(|w| {
        let ours = SUPPORTED.iter().find(|s| s.eq_ignore_ascii_case(w))?;
        if *ours == "PLAIN" && !plain_allowed {
            return None;
        }
        offered
            .iter()
            .any(|o| o.eq_ignore_ascii_case(ours))
            .then_some(*ours)
    })
}

/// Makes the client side of `name` (one of [`SUPPORTED`]).
pub fn start(name: &str, user: &str, password: &str, domain: &str) -> Option<Box<dyn Mechanism>> {
    Some(match name {
        "SCRAM-SHA-256" => Box::new(Scram::new(Hash::Sha256, user, password, &random_nonce())),
        "SCRAM-SHA-1" => Box::new(Scram::new(Hash::Sha1, user, password, &random_nonce())),
        "DIGEST-MD5" => Box::new(DigestMd5::new(user, password, domain, &random_nonce())),
        "PLAIN" => Box::new(Plain {
            user: user.to_owned(),
            password: password.to_owned(),
        }),
        _ => return None,
    })
}

/// A stanza id: `tag`, a random part drawn once per process, and a counter. Ids need to be
/// unique, not unpredictable (XmppSendStatus finds a message by its id); drawing 24 random
/// bytes for every message was a system call and three allocations, 5 % of a burst's CPU.
pub fn stanza_id(tag: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static PROCESS: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let process = PROCESS.get_or_init(|| random_nonce()[..12].to_owned());
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{tag}-{process}{n:x}")
}

/// 24 random bytes from the operating system as base64 (printable, no `,` or `"`): a fresh nonce
/// for every attempt, as SCRAM and DIGEST-MD5 require.
pub fn random_nonce() -> String {
    use base64::Engine;
    let mut bytes = [0u8; 24];
    // getrandom fails only on an OS without a random source; then a time-based value still
    // keeps nonces distinct, and SCRAM/DIGEST stay correct (just weaker against replay).
    if getrandom::fill(&mut bytes).is_err() {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        bytes[..16].copy_from_slice(&t.to_le_bytes());
    }
    base64::engine::general_purpose::STANDARD
        .encode(bytes)
        .replace('+', "-")
        .replace('/', "_")
}

/// SASLprep (RFC 4013) with the "query" semantics SCRAM asks for (RFC 5802 §5.1): spaces
/// mapped, characters "commonly mapped to nothing" removed, NFKC applied (full-width letters,
/// ligatures and the like become what the server stored). The `stringprep` crate does the whole
/// profile; it applies the stored-string rule, though, and refuses code points unassigned in
/// Unicode 3.2 — emoji among them — which a query must allow. For such a string (and for one it
/// refuses as prohibited) the same mapping and NFKC are applied here and the server judges the
/// rest: refusing to try would only turn its "not-authorized" into ours.
pub fn saslprep(s: &str) -> String {
    match stringprep::saslprep(s) {
        Ok(prepared) => prepared.into_owned(),
        Err(_) => {
            use unicode_normalization::UnicodeNormalization;
            map_for_saslprep(s).nfkc().collect()
        }
    }
}

/// RFC 4013 §2.1: non-ASCII spaces become U+0020, "commonly mapped to nothing" (RFC 3454 B.1)
/// is removed.
fn map_for_saslprep(s: &str) -> String {
    s.chars()
        .filter(|c| {
            !matches!(c, '\u{AD}' | '\u{34F}' | '\u{1806}' | '\u{180B}'..='\u{180D}'
                | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}')
        })
        .map(|c| match c {
            '\u{A0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200A}'
            | '\u{202F}'
            | '\u{205F}'
            | '\u{3000}' => ' ',
            c => c,
        })
        .collect()
}

#[derive(Clone, Copy, Debug)]
enum Hash {
    Sha1,
    Sha256,
}

impl Hash {
    fn hmac(self, key: &[u8], data: &[u8]) -> Vec<u8> {
        fn run<M: Mac + KeyInit>(key: &[u8], data: &[u8]) -> Vec<u8> {
            // HMAC accepts keys of any length, so this cannot fail.
            match <M as KeyInit>::new_from_slice(key) {
                Ok(mut m) => {
                    m.update(data);
                    m.finalize().into_bytes().to_vec()
                }
                Err(_) => Vec::new(),
            }
        }
        match self {
            Hash::Sha1 => run::<hmac::Hmac<sha1::Sha1>>(key, data),
            Hash::Sha256 => run::<hmac::Hmac<sha2::Sha256>>(key, data),
        }
    }

    fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Hash::Sha1 => sha1::Sha1::digest(data).to_vec(),
            Hash::Sha256 => sha2::Sha256::digest(data).to_vec(),
        }
    }

    /// Hi() of RFC 5802, which is PBKDF2 with one block of the hash's length. ring's PBKDF2 (its
    /// SHA assembly, keyed once) rather than a loop of our own that re-keys an HMAC every round
    /// under a profile that optimizes for size: the server asks for 4096 rounds or more.
    fn hi(self, password: &[u8], salt: &[u8], iterations: u32) -> Vec<u8> {
        let (algorithm, len) = match self {
            Hash::Sha1 => (ring::pbkdf2::PBKDF2_HMAC_SHA1, 20),
            Hash::Sha256 => (ring::pbkdf2::PBKDF2_HMAC_SHA256, 32),
        };
        let mut out = vec![0u8; len];
        // The caller checked the count is within 1..=SCRAM_MAX_ITERATIONS.
        let rounds = std::num::NonZeroU32::new(iterations).unwrap_or(std::num::NonZeroU32::MIN);
        ring::pbkdf2::derive(algorithm, rounds, salt, password, &mut out);
        out
    }
}

/// The server chooses the iteration count; a hostile one could make us spin for minutes.
const SCRAM_MAX_ITERATIONS: u32 = 1_000_000;

struct Scram {
    hash: Hash,
    name: &'static str,
    password: String,
    client_first_bare: String,
    client_nonce: String,
    server_signature: Option<Vec<u8>>,
    verified: bool,
}

impl Scram {
    fn new(hash: Hash, user: &str, password: &str, nonce: &str) -> Scram {
        let user = saslprep(user).replace('=', "=3D").replace(',', "=2C");
        Scram {
            hash,
            name: match hash {
                Hash::Sha1 => "SCRAM-SHA-1",
                Hash::Sha256 => "SCRAM-SHA-256",
            },
            password: saslprep(password),
            client_first_bare: format!("n={user},r={nonce}"),
            client_nonce: nonce.to_owned(),
            server_signature: None,
            verified: false,
        }
    }

    fn check_final(&mut self, data: &[u8]) -> Result<(), SaslError> {
        use base64::Engine;
        let text = std::str::from_utf8(data)
            .map_err(|_| SaslError::Malformed(R::NotUtf8(SaslMessage::ServerFinal)))?;
        if text.starts_with("e=") {
            return Err(SaslError::ServerNotAuthenticated(R::ServerFinalError));
        }
        let v = text
            .split(',')
            .find_map(|p| p.strip_prefix("v="))
            .ok_or(SaslError::ServerNotAuthenticated(R::Missing("v")))?;
        let v = base64::engine::general_purpose::STANDARD
            .decode(v)
            .map_err(|_| SaslError::Malformed(R::NotBase64("v")))?;
        match &self.server_signature {
            Some(expected) if constant_eq(expected, &v) => {
                self.verified = true;
                Ok(())
            }
            _ => Err(SaslError::ServerNotAuthenticated(R::WrongProof)),
        }
    }
}

impl Mechanism for Scram {
    fn name(&self) -> &'static str {
        self.name
    }

    fn initial(&mut self) -> Option<Vec<u8>> {
        // gs2 header "n,,": we do not do channel binding (and never pick -PLUS).
        Some(format!("n,,{}", self.client_first_bare).into_bytes())
    }

    fn respond(&mut self, challenge: &[u8]) -> Result<Vec<u8>, SaslError> {
        use base64::Engine;
        if self.server_signature.is_some() {
            // Some servers send server-final as a challenge; the answer is empty.
            self.check_final(challenge)?;
            return Ok(Vec::new());
        }
        let server_first = std::str::from_utf8(challenge)
            .map_err(|_| SaslError::Malformed(R::NotUtf8(SaslMessage::ServerFirst)))?;
        let (mut nonce, mut salt, mut iterations) = (None, None, None);
        for part in server_first.split(',') {
            if let Some(v) = part.strip_prefix("r=") {
                nonce = Some(v);
            } else if let Some(v) = part.strip_prefix("s=") {
                salt = Some(v);
            } else if let Some(v) = part.strip_prefix("i=") {
                iterations = Some(v);
            } else if part.starts_with("m=") {
                return Err(SaslError::Malformed(R::MandatoryExtension));
            }
        }
        let nonce = nonce.ok_or(SaslError::Malformed(R::Missing("r")))?;
        if !nonce.starts_with(&self.client_nonce) || nonce.len() == self.client_nonce.len() {
            return Err(SaslError::Malformed(R::NonceNotExtended));
        }
        let salt = base64::engine::general_purpose::STANDARD
            .decode(salt.ok_or(SaslError::Malformed(R::Missing("s")))?)
            .map_err(|_| SaslError::Malformed(R::NotBase64("s")))?;
        let iterations: u32 = iterations
            .ok_or(SaslError::Malformed(R::Missing("i")))?
            .parse()
            .map_err(|_| SaslError::Malformed(R::NotANumber("i")))?;
        if !(1..=SCRAM_MAX_ITERATIONS).contains(&iterations) {
            return Err(SaslError::Malformed(R::IterationsOutOfRange));
        }
        let salted = self.hash.hi(self.password.as_bytes(), &salt, iterations);
        let client_key = self.hash.hmac(&salted, b"Client Key");
        let stored_key = self.hash.digest(&client_key);
        let without_proof = format!("c=biws,r={nonce}");
        let auth_message = format!("{},{server_first},{without_proof}", self.client_first_bare);
        let signature = self.hash.hmac(&stored_key, auth_message.as_bytes());
        let proof: Vec<u8> = client_key
            .iter()
            .zip(&signature)
            .map(|(a, b)| a ^ b)
            .collect();
        let server_key = self.hash.hmac(&salted, b"Server Key");
        self.server_signature = Some(self.hash.hmac(&server_key, auth_message.as_bytes()));
        let proof = base64::engine::general_purpose::STANDARD.encode(proof);
        Ok(format!("{without_proof},p={proof}").into_bytes())
    }

    fn finish(&mut self, data: Option<&[u8]>) -> Result<(), SaslError> {
        match data {
            Some(d) if !d.is_empty() => self.check_final(d),
            _ if self.verified => Ok(()),
            _ => Err(SaslError::ServerNotAuthenticated(R::NoProof)),
        }
    }
}

fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

struct Plain {
    user: String,
    password: String,
}

impl Mechanism for Plain {
    fn name(&self) -> &'static str {
        "PLAIN"
    }
    fn initial(&mut self) -> Option<Vec<u8>> {
        Some(format!("\0{}\0{}", saslprep(&self.user), saslprep(&self.password)).into_bytes())
    }
    fn respond(&mut self, _challenge: &[u8]) -> Result<Vec<u8>, SaslError> {
        Err(SaslError::Malformed(R::PlainChallenge))
    }
    fn finish(&mut self, _data: Option<&[u8]>) -> Result<(), SaslError> {
        Ok(())
    }
}

struct DigestMd5 {
    user: String,
    password: String,
    digest_uri: String,
    cnonce: String,
    expected_rspauth: Option<String>,
    verified: bool,
}

impl DigestMd5 {
    fn new(user: &str, password: &str, domain: &str, cnonce: &str) -> DigestMd5 {
        DigestMd5 {
            user: user.to_owned(),
            password: password.to_owned(),
            // The XMPP domain, never the host we connected to (RFC 6120 §6.4.2 / pitfall 23).
            digest_uri: format!("xmpp/{domain}"),
            cnonce: cnonce.to_owned(),
            expected_rspauth: None,
            verified: false,
        }
    }

    fn check_rspauth(&mut self, data: &[u8]) -> Result<(), SaslError> {
        let fields = parse_digest(data)?;
        let got = fields
            .iter()
            .find(|(k, _)| k == "rspauth")
            .map(|(_, v)| v.as_str())
            .ok_or(SaslError::Malformed(R::Missing("rspauth")))?;
        match &self.expected_rspauth {
            Some(e) if constant_eq(e.as_bytes(), got.as_bytes()) => {
                self.verified = true;
                Ok(())
            }
            _ => Err(SaslError::ServerNotAuthenticated(R::WrongProof)),
        }
    }
}

fn md5(data: &[u8]) -> [u8; 16] {
    Md5::digest(data).into()
}

fn hex(data: &[u8]) -> String {
    data.iter().map(|b| format!("{b:02x}")).collect()
}

/// response and rspauth of RFC 2831 §2.1.2.1 (qop=auth, nc=00000001).
fn digest_values(
    user: &str,
    realm: &str,
    password: &str,
    nonce: &str,
    cnonce: &str,
    digest_uri: &str,
) -> (String, String) {
    // The binary MD5 goes into A1, not its hex form (pitfall 25); everything hashed as UTF-8.
    let inner = md5(format!("{user}:{realm}:{password}").as_bytes());
    let a1 = [&inner[..], format!(":{nonce}:{cnonce}").as_bytes()].concat();
    let ha1 = hex(&md5(&a1));
    let kd = |a2: &str| {
        let ha2 = hex(&md5(a2.as_bytes()));
        hex(&md5(
            format!("{ha1}:{nonce}:00000001:{cnonce}:auth:{ha2}").as_bytes()
        ))
    };
    (
        kd(&format!("AUTHENTICATE:{digest_uri}")),
        kd(&format!(":{digest_uri}")),
    )
}

/// `key=value` pairs, values optionally quoted with `\` escapes; commas inside quotes allowed.
fn parse_digest(data: &[u8]) -> Result<Vec<(String, String)>, SaslError> {
    let text = std::str::from_utf8(data)
        .map_err(|_| SaslError::Malformed(R::NotUtf8(SaslMessage::Challenge)))?;
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while matches!(chars.peek(), Some(c) if *c == ',' || c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            return Ok(out);
        }
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' {
                break;
            }
            key.push(c);
            chars.next();
        }
        if chars.next() != Some('=') {
            return Err(SaslError::Malformed(R::KeyWithoutValue));
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next() {
                    Some('\\') => value.extend(chars.next()),
                    Some('"') => break,
                    Some(c) => value.push(c),
                    None => return Err(SaslError::Malformed(R::UnterminatedQuote)),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ',' {
                    break;
                }
                value.push(c);
                chars.next();
            }
        }
        out.push((key.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
}

fn quote(v: &str) -> String {
    format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))
}

impl Mechanism for DigestMd5 {
    fn name(&self) -> &'static str {
        "DIGEST-MD5"
    }
    fn initial(&mut self) -> Option<Vec<u8>> {
        None
    }
    fn respond(&mut self, challenge: &[u8]) -> Result<Vec<u8>, SaslError> {
        if self.expected_rspauth.is_some() {
            self.check_rspauth(challenge)?;
            return Ok(Vec::new());
        }
        let fields = parse_digest(challenge)?;
        let get = |k: &str| {
            fields
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
        };
        let nonce = get("nonce").ok_or(SaslError::Malformed(R::Missing("nonce")))?;
        if !get("algorithm").is_some_and(|a| a.eq_ignore_ascii_case("md5-sess")) {
            return Err(SaslError::Malformed(R::NotMd5Sess));
        }
        if let Some(qop) = get("qop") {
            if !qop.split(',').any(|q| q.trim() == "auth") {
                return Err(SaslError::Malformed(R::NoQopAuth));
            }
        }
        // Several realms may be offered; any of them will do, the first is the usual one.
        let realm = get("realm");
        let utf8 = get("charset").is_some_and(|c| c.eq_ignore_ascii_case("utf-8"));
        let (response, rspauth) = digest_values(
            &self.user,
            realm.unwrap_or(""),
            &self.password,
            nonce,
            &self.cnonce,
            &self.digest_uri,
        );
        self.expected_rspauth = Some(rspauth);
        let mut parts = vec![format!("username={}", quote(&self.user))];
        if let Some(realm) = realm {
            parts.push(format!("realm={}", quote(realm)));
        }
        parts.push(format!("nonce={}", quote(nonce)));
        parts.push(format!("cnonce={}", quote(&self.cnonce)));
        parts.push("nc=00000001".into());
        parts.push("qop=auth".into());
        parts.push(format!("digest-uri={}", quote(&self.digest_uri)));
        parts.push(format!("response={response}"));
        if utf8 {
            parts.push("charset=utf-8".into());
        }
        Ok(parts.join(",").into_bytes())
    }
    fn finish(&mut self, data: Option<&[u8]>) -> Result<(), SaslError> {
        match data {
            Some(d) if !d.is_empty() => self.check_rspauth(d),
            _ if self.verified => Ok(()),
            _ => Err(SaslError::ServerNotAuthenticated(R::NoProof)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    fn b64(s: &str) -> Vec<u8> {
        base64::engine::general_purpose::STANDARD.decode(s).unwrap()
    }

    #[test]
    fn scram_sha1_rfc5802_example() {
        let mut m = Scram::new(Hash::Sha1, "user", "pencil", "fyko+d2lbbFgONRv9qkxdawL");
        assert_eq!(
            m.initial().unwrap(),
            b"n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL"
        );
        let fin = m
            .respond(b"r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096")
            .unwrap();
        assert_eq!(
            fin,
            b"c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts="
        );
        assert!(m.finish(Some(b"v=rmF9pqV8S7suAoZWja4dJRkFsKQ=")).is_ok());
    }

    #[test]
    fn scram_sha256_rfc7677_example() {
        let mut m = Scram::new(Hash::Sha256, "user", "pencil", "rOprNGfwEbeRWgbNEkqO");
        let fin = m
            .respond(b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")
            .unwrap();
        assert_eq!(
            fin,
            &b"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="[..]
        );
        assert!(m
            .finish(Some(b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="))
            .is_ok());
    }

    #[test]
    fn scram_refuses_wrong_or_missing_server_signature() {
        let mut m = Scram::new(Hash::Sha1, "user", "pencil", "fyko+d2lbbFgONRv9qkxdawL");
        m.respond(b"r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096")
            .unwrap();
        assert!(m.finish(Some(b"v=AAAAAAAAAAAAAAAAAAAAAAAAAAA=")).is_err());
        assert!(m.finish(None).is_err());
        let mut m = Scram::new(Hash::Sha1, "user", "pencil", "abc");
        assert!(m.respond(b"r=xyz,s=QSXCR+Q6sek8bf92,i=4096").is_err());
        assert!(m.respond(b"r=abcd,s=QSXCR+Q6sek8bf92,i=999999999").is_err());
    }

    #[test]
    fn scram_username_is_escaped() {
        let mut m = Scram::new(Hash::Sha1, "a=b,c", "p", "n");
        assert_eq!(m.initial().unwrap(), b"n,,n=a=3Db=2Cc,r=n");
    }

    #[test]
    fn digest_md5_rfc2831_example() {
        let (response, rspauth) = digest_values(
            "chris",
            "elwood.innosoft.com",
            "secret",
            "OA6MG9tEQGm2hh",
            "OA6MHXh6VqTrRk",
            "imap/elwood.innosoft.com",
        );
        assert_eq!(response, "d388dad90d4bbd760a152321f2143af7");
        assert_eq!(rspauth, "ea40f60335c427b5527b84dbabcdfffd");
    }

    #[test]
    fn digest_md5_exchange_and_rspauth_check() {
        let mut m = DigestMd5::new("тест", "пароль", "localhost", "cn\"once");
        assert!(m.initial().is_none());
        let ch =
            b"realm=\"localhost\",nonce=\"abc,def\",qop=\"auth\",charset=utf-8,algorithm=md5-sess";
        let resp = String::from_utf8(m.respond(ch).unwrap()).unwrap();
        assert!(resp.contains("digest-uri=\"xmpp/localhost\""), "{resp}");
        assert!(resp.contains("nonce=\"abc,def\""));
        assert!(resp.contains("cnonce=\"cn\\\"once\""));
        assert!(resp.contains("charset=utf-8"));
        let (_, rsp) = digest_values(
            "тест",
            "localhost",
            "пароль",
            "abc,def",
            "cn\"once",
            "xmpp/localhost",
        );
        assert!(m.respond(b"rspauth=00").is_err());
        assert!(m
            .respond(format!("rspauth={rsp}").as_bytes())
            .unwrap()
            .is_empty());
        assert!(m.finish(None).is_ok());
    }

    #[test]
    fn choose_strongest_and_respects_order_and_plain_rule() {
        let offered: Vec<String> = ["PLAIN", "SCRAM-SHA-1", "SCRAM-SHA-1-PLUS", "DIGEST-MD5"]
            .map(String::from)
            .to_vec();
        let all: Vec<String> = SUPPORTED.map(String::from).to_vec();
        assert_eq!(choose(&offered, &all, true), Some("SCRAM-SHA-1"));
        assert_eq!(
            choose(&offered, &["plain".into(), "DIGEST-MD5".into()], true),
            Some("PLAIN")
        );
        assert_eq!(choose(&offered, &["PLAIN".into()], false), None);
        assert_eq!(choose(&offered, &["SCRAM-SHA-1-PLUS".into()], true), None);
        assert_eq!(choose(&["SCRAM-SHA-256-PLUS".into()], &all, true), None);
    }

    #[test]
    fn nonces_are_fresh_and_safe() {
        let (a, b) = (random_nonce(), random_nonce());
        assert_ne!(a, b);
        assert!(!a.contains(',') && !a.contains('"') && a.len() >= 32);
        let _ = b64("AA==");
    }

    #[test]
    fn saslprep_maps_and_normalises() {
        assert_eq!(saslprep("a\u{A0}b\u{AD}c"), "a bc");
        // RFC 4013 §3 examples, and NFKC on what people type.
        assert_eq!(saslprep("I\u{AD}X"), "IX");
        assert_eq!(saslprep("\u{AA}"), "a");
        assert_eq!(saslprep("\u{2168}"), "IX");
        assert_eq!(saslprep("ｐａｓｓ"), "pass");
        assert_eq!(saslprep("pa\u{308}sswo\u{308}rd"), "pässwörd");
        assert_eq!(saslprep("тестпароль"), "тестпароль");
        // Unassigned in Unicode 3.2, allowed in a query: kept, mapped and normalised all the same.
        assert_eq!(saslprep("пароль😀\u{A0}ﬁ"), "пароль😀 fi");
    }
}
