//! Languages of the messages we show, and the one trait every module error implements.
//!
//! The protocol modules know nothing of 1C, but their users read Russian or English, so each
//! error can say itself in both. The add-in layer picks the language from the platform's locale.

use std::fmt;

/// The language of messages shown to people.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    /// English; used when the locale is anything but Russian.
    #[default]
    En,
    /// Russian.
    Ru,
}

impl Lang {
    /// The language for a locale or language code as 1C passes it: `ru_RU`, `rus_RUS`, `ru`,
    /// `en_US`, `eng`... Only the first letters matter; `None` for an empty string.
    pub fn from_locale(locale: &str) -> Option<Lang> {
        let code: String = locale
            .trim()
            .chars()
            .take_while(|c| c.is_ascii_alphabetic())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        if code.is_empty() {
            None
        } else if code.starts_with("ru") {
            Some(Lang::Ru)
        } else {
            Some(Lang::En)
        }
    }

    /// Picks one of two texts.
    pub fn pick<'a>(self, ru: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Ru => ru,
            Lang::En => en,
        }
    }
}

/// An error that has a stable code and a message in Russian and English.
///
/// The code is short, upper case and never changes between versions (1C code may branch on it);
/// the message says what was wrong and what to do, and never contains a secret.
pub trait Localized: fmt::Display {
    /// A stable code such as `CERT_CN_TOO_LONG`.
    fn code(&self) -> &'static str;
    /// The message in the given language, without the code.
    fn message(&self, lang: Lang) -> String;
    /// The message with the calls and parameters it sends the reader to named by `names` (the
    /// add-in's methods and parameters, the command line's commands and flags); `message` is
    /// this with the library's plain names. Errors that refer to none need not implement it;
    /// errors that wrap another pass `names` on.
    fn message_named(&self, lang: Lang, names: &dyn crate::net::Names) -> String {
        let _ = names;
        self.message(lang)
    }
    /// The settings the message points at, in the order it mentions them; the face in front
    /// of the library names them after the message (see [`with_settings`]).
    fn settings(&self) -> &'static [crate::net::Setting] {
        &[]
    }
}

/// `message (name, name)`: the message followed by the names of the settings it points at, as
/// the face in front of the library calls them (a 1C property, a command-line flag).
pub fn with_settings(
    message: String,
    settings: &[crate::net::Setting],
    name: impl Fn(crate::net::Setting) -> String,
) -> String {
    if settings.is_empty() {
        return message;
    }
    let names: Vec<String> = settings.iter().map(|s| name(*s)).collect();
    format!("{message} ({})", names.join(", "))
}

/// The message as a face shows it: the terms named by `names`, then the settings it points at
/// after it, as that face calls them.
pub fn named_message(err: &dyn Localized, lang: Lang, names: &dyn crate::net::Names) -> String {
    with_settings(err.message_named(lang, names), err.settings(), |s| {
        names.setting(s, lang)
    })
}

/// `"[CODE] message"`: the form in which errors reach 1C and the command line.
pub fn render(err: &dyn Localized, lang: Lang) -> String {
    format!("[{}] {}", err.code(), err.message(lang))
}

/// A value as an error shows it: whole when short, cut after 64 characters, so that a runaway
/// string passed from 1C (or sent by a server) does not become a runaway message. Every module
/// quotes outside values through this one helper.
pub fn clip(value: &str) -> String {
    const SHOWN: usize = 64;
    match value.char_indices().nth(SHOWN) {
        Some((cut, _)) => format!("{}…", &value[..cut]),
        None => value.to_owned(),
    }
}

/// The lowercase Latin words of a Russian text outside quotes (`"…"`, `«…»`) and `<element>` names, other than
/// the protocol's own tokens (`base64`, `sid`, `h=`…): what the tests of our texts hold against
/// English left in Russian (the xmpp unit tests and tests/texts.rs share this one copy).
#[doc(hidden)]
pub fn latin_words(text: &str) -> Vec<String> {
    let mut outside = String::new();
    let mut closer = None;
    for c in text.chars() {
        match (closer, c) {
            (None, '"') => closer = Some('"'),
            (None, '<') => closer = Some('>'),
            // A server's own words, quoted as such.
            (None, '«') => closer = Some('»'),
            (Some(end), c) if c == end => closer = None,
            (None, c) => outside.push(c),
            _ => {}
        }
    }
    outside
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '='))
        .filter(|w| w.chars().any(|c| c.is_ascii_lowercase()))
        .filter(|w| !["base64", "sid"].contains(w) && !w.contains('='))
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locales_as_platforms_pass_them() {
        assert_eq!(Lang::from_locale("ru_RU"), Some(Lang::Ru));
        assert_eq!(Lang::from_locale("rus_RUS"), Some(Lang::Ru));
        assert_eq!(Lang::from_locale("RU"), Some(Lang::Ru));
        assert_eq!(Lang::from_locale("en_US"), Some(Lang::En));
        assert_eq!(Lang::from_locale("uk"), Some(Lang::En));
        assert_eq!(Lang::from_locale(""), None);
        assert_eq!(Lang::from_locale("  "), None);
    }
}
