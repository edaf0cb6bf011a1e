//! Secrets a call knows, scrubbed from any text that came from outside before it reaches an
//! error. A server or a proxy may echo what it was sent: a proxy's 407 page quoting the
//! `Proxy-Authorization` header (base64 of `user:password`), a Bot API stand-in or a reverse
//! proxy echoing the request's fields (`secret_token`, a webhook URL with a password).
//!
//! Each secret is looked for as written, percent-encoded (both the `%20` and the `+` forms) and
//! in base64 (standard and URL-safe, with and without padding); a user name and password pair
//! also as the base64 of `user:password`, the form HTTP Basic authentication sends.

use base64::Engine as _;

/// The shortest secret looked for, in characters.
pub const MIN_SECRET_CHARS: usize = 4;

/// What replaces a secret.
const HIDDEN: &str = "***";

/// What [`crate::i18n::clip`] puts where it cut a value.
const CUT: char = '…';

/// The forms of every secret of one call, longest first so that a longer form is replaced
/// before a shorter one inside it, and the shapes of secrets the call cannot know by value.
#[derive(Clone, Default)]
pub struct Secrets {
    forms: Vec<String>,
    shapes: Vec<fn(&str) -> String>,
}

/// Shows how many forms there are, never the forms: an error that carries the set (to scrub
/// its own texts) may be printed with `{:?}`.
impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Secrets({} forms, {} shapes)",
            self.forms.len(),
            self.shapes.len()
        )
    }
}

fn percent_forms(s: &str) -> [String; 2] {
    use url::form_urlencoded::byte_serialize;
    let plus: String = byte_serialize(s.as_bytes()).collect();
    let percent = plus.replace('+', "%20");
    [plus, percent]
}

fn base64_forms(bytes: &[u8]) -> [String; 4] {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    [
        STANDARD.encode(bytes),
        STANDARD_NO_PAD.encode(bytes),
        URL_SAFE.encode(bytes),
        URL_SAFE_NO_PAD.encode(bytes),
    ]
}

impl Secrets {
    pub fn new() -> Secrets {
        Secrets::default()
    }

    fn push(&mut self, form: String) {
        if !form.is_empty() && !self.forms.contains(&form) {
            self.forms.push(form);
        }
    }

    /// A secret (a token, a password, a secret_token) in all its forms. One shorter than
    /// [`MIN_SECRET_CHARS`] is not looked for: it would match ordinary words and letters all
    /// over a message, and hiding it would not protect it anyway.
    pub fn add(&mut self, secret: &str) {
        if secret.chars().count() < MIN_SECRET_CHARS {
            return;
        }
        self.push(secret.to_owned());
        for form in percent_forms(secret) {
            self.push(form);
        }
        for form in base64_forms(secret.as_bytes()) {
            self.push(form);
        }
        // As a body that failed to parse may still show it: inside a JSON string, or escaped in
        // XML text (a `"`, `\`, `&` or `<` in a password changes its look there).
        if let Ok(json) = serde_json::to_string(secret) {
            self.push(json[1..json.len() - 1].to_owned());
        }
        self.push(quick_xml::escape::escape(secret).into_owned());
        self.sort();
    }

    /// A user name and password as HTTP Basic authentication sends them; the password alone is
    /// added too. The user name by itself is not a secret.
    pub fn add_credentials(&mut self, user: &str, password: &str) {
        if password.is_empty() {
            return;
        }
        self.add(password);
        // Always long enough to look for, however short the password.
        for form in base64_forms(format!("{user}:{password}").as_bytes()) {
            self.push(form);
        }
        self.sort();
    }

    /// Bytes that carry a secret on the wire (SASL PLAIN's `\0user\0password`), looked for
    /// in base64, the form a server would echo them in.
    pub fn add_base64_of(&mut self, bytes: &[u8]) {
        for form in base64_forms(bytes) {
            self.push(form);
        }
        self.sort();
    }

    /// A proxy's credentials, if it has any (the user name alone is no secret).
    pub fn add_proxy(&mut self, proxy: &super::Proxy) {
        self.add_credentials(
            proxy.username.as_deref().unwrap_or_default(),
            proxy.password.as_deref().unwrap_or_default(),
        );
    }

    /// The password of a URL's `user:password@` (as written there and decoded), if it has one.
    pub fn add_url(&mut self, text: &str) {
        if let Ok(url) = url::Url::parse(text.trim()) {
            if let Some(password) = url.password() {
                let decoded = percent_decode(password);
                let user = percent_decode(url.username());
                self.add(password);
                self.add_credentials(&user, &decoded);
            }
        }
    }

    /// Secrets known by their shape rather than their value (another bot's token inside a URL a
    /// proxy echoes): `mask` returns the text with every such piece hidden, and leaves a text
    /// it has masked as it is. The protocol that knows the shape gives the mask.
    pub fn add_shape(&mut self, mask: fn(&str) -> String) {
        self.shapes.push(mask);
    }

    fn sort(&mut self) {
        self.forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
    }

    /// `text` with every form of every secret replaced by `***`, and the start of one cut off
    /// by [`crate::i18n::clip`] too (a quoted value is cut after 64 characters, and a cut that
    /// falls inside a secret leaves a part of it just before the `…`); then every secret-shaped
    /// piece masked.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for form in &self.forms {
            if out.contains(form.as_str()) {
                out = out.replace(form.as_str(), HIDDEN);
            }
        }
        if out.contains(CUT) && !self.forms.is_empty() {
            out = self.scrub_cut_ends(&out);
        }
        for mask in &self.shapes {
            out = mask(&out);
        }
        out
    }

    /// Every `…` of `text` with the beginning of a secret right before it hidden. Even one
    /// character is hidden: a cut text loses a letter at worst, a secret none.
    fn scrub_cut_ends(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(at) = rest.find(CUT) {
            let before = &rest[..at];
            let part = self
                .forms
                .iter()
                .filter_map(|form| {
                    (1..form.len())
                        .rev()
                        .filter(|&k| form.is_char_boundary(k))
                        .find(|&k| before.ends_with(&form[..k]))
                })
                .max()
                .unwrap_or(0);
            out.push_str(&before[..before.len() - part]);
            if part > 0 {
                out.push_str(HIDDEN);
            }
            out.push(CUT);
            rest = &rest[at + CUT.len_utf8()..];
        }
        out.push_str(rest);
        out
    }

    /// Every string of a JSON value (an event's, an item's), scrubbed as [`Secrets::scrub`]
    /// does, before the value is written out: in the written JSON a secret with `"` or `\` in
    /// it is escaped (`\"`, `\\`) and no longer looks as it does in the text.
    pub fn scrub_json(&self, value: &mut serde_json::Value) {
        use serde_json::Value;
        if self.is_empty() {
            return;
        }
        match value {
            Value::String(s) => {
                let scrubbed = self.scrub(s);
                if scrubbed != *s {
                    *s = scrubbed;
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.scrub_json(v)),
            Value::Object(map) => map.values_mut().for_each(|v| self.scrub_json(v)),
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }

    pub fn is_empty(&self) -> bool {
        self.forms.is_empty() && self.shapes.is_empty()
    }
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_of_every_secret_is_hidden() {
        let mut s = Secrets::new();
        s.add_credentials("proxyuser", "pr0xy p@ss");
        s.add("AAH-secret_X");
        let basic = base64::engine::general_purpose::STANDARD.encode("proxyuser:pr0xy p@ss");
        let text = format!(
            "Proxy-Authorization: Basic {basic}; plain pr0xy p@ss; form pr0xy+p%40ss; \
             pct pr0xy%20p%40ss; token AAH-secret_X; b64 {}",
            base64::engine::general_purpose::STANDARD.encode("AAH-secret_X")
        );
        let out = s.scrub(&text);
        for leak in [
            "pr0xy",
            "p@ss",
            "p%40ss",
            &basic,
            "secret_X",
            "QUFILXNlY3JldF9Y",
        ] {
            assert!(!out.contains(leak), "{leak} in {out}");
        }
        assert!(out.starts_with("Proxy-Authorization: Basic ***"), "{out}");
        assert!(!format!("{s:?}").contains("pr0xy"), "{s:?}");
    }

    #[test]
    fn a_secret_cut_by_clip_is_hidden_up_to_the_cut() {
        let mut s = Secrets::new();
        s.add("Hunter2 p@ss/word");
        let quoted = crate::i18n::clip(&format!("{} that is Hunter2 p@ss/word", "x".repeat(50)));
        assert!(quoted.ends_with(" Hunte…"), "{quoted}");
        let out = s.scrub(&format!(
            "the server said: «{quoted}»; again: Hunter2 p@ss/word"
        ));
        assert!(out.ends_with("that is ***…»; again: ***"), "{out}");
        // A cut elsewhere keeps its text.
        assert_eq!(s.scrub("«abc…» and «xyz…»"), "«abc…» and «xyz…»");
    }

    #[test]
    fn json_strings_are_scrubbed_before_they_are_escaped() {
        let mut s = Secrets::new();
        s.add("pa\"ss\\wörd");
        let mut v = serde_json::json!({
            "error": "[XMPP_AUTH_FAILED] you sent pa\"ss\\wörd",
            "nested": [{"text": "pa\"ss\\wörd"}, 3, null],
        });
        // The escaped form is what the text-level scrubber would have missed.
        assert!(v.to_string().contains(r#"pa\"ss\\wörd"#), "{v}");
        s.scrub_json(&mut v);
        let out = v.to_string();
        assert!(!out.contains("ss") && !out.contains("wörd"), "{out}");
        assert_eq!(v["nested"][0]["text"], "***");
    }

    #[test]
    fn a_secret_escaped_in_json_or_xml_text_is_found_too() {
        let mut s = Secrets::new();
        s.add(r#"pa"ss\w<rd&"#);
        let body = r#"{"secret_token":"pa\"ss\\w<rd&"} <text>pa&quot;ss\w&lt;rd&amp;</text>"#;
        assert_eq!(s.scrub(body), r#"{"secret_token":"***"} <text>***</text>"#);
    }

    #[test]
    fn a_url_password_is_taken_decoded_and_encoded() {
        let mut s = Secrets::new();
        s.add_url("https://tg:pa%24%24word@example.com/hs/bot");
        let out = s.scrub("url=https://tg:pa%24%24word@example.com and pa$$word");
        assert!(
            !out.contains("pa%24%24word") && !out.contains("pa$$word"),
            "{out}"
        );
        assert!(Secrets::new().scrub("nothing") == "nothing");
        let mut short = Secrets::new();
        short.add_credentials("u", "pw");
        let basic = base64::engine::general_purpose::STANDARD.encode("u:pw");
        assert_eq!(short.scrub(&format!("pwd {basic}")), "pwd ***");
    }
}
