//! Why a JSON or URL text was refused, in our own words.
//!
//! serde_json and url explain their failures in English (`expected value at line 1 column 1`,
//! `relative URL without a base`); a Russian message must not quote them. Every module that
//! parses options or addresses turns the parser's error into one of these reasons, and renders
//! it in the caller's language. Nothing here quotes a value: an option may hold a secret.

use std::fmt;

use crate::i18n::{clip, Lang};

/// The JSON types, as a message names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonType {
    Null,
    Boolean,
    Number,
    String,
    Array,
    Object,
}

impl JsonType {
    fn name(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (JsonType::Null, _) => "null",
            (JsonType::Boolean, Lang::En) => "a boolean",
            (JsonType::Boolean, Lang::Ru) => "логическое значение",
            (JsonType::Number, Lang::En) => "a number",
            (JsonType::Number, Lang::Ru) => "число",
            (JsonType::String, Lang::En) => "a string",
            (JsonType::String, Lang::Ru) => "строка",
            (JsonType::Array, Lang::En) => "an array",
            (JsonType::Array, Lang::Ru) => "массив",
            (JsonType::Object, Lang::En) => "an object",
            (JsonType::Object, Lang::Ru) => "объект",
        }
    }

    /// The type serde names in `invalid type: <unexpected>, expected <what>`: serde's own
    /// wording (`integer`, `map`, `u32`, `a sequence`...), read once here.
    fn from_serde(text: &str) -> Option<JsonType> {
        let text = text
            .trim()
            .trim_start_matches("a ")
            .trim_start_matches("an ");
        let first = text.split([' ', '<']).next().unwrap_or("");
        match first {
            "null" | "unit" => Some(JsonType::Null),
            "boolean" | "bool" => Some(JsonType::Boolean),
            "integer" | "floating" | "number" | "i8" | "i16" | "i32" | "i64" | "i128" | "u8"
            | "u16" | "u32" | "u64" | "u128" | "f32" | "f64" | "isize" | "usize" => {
                Some(JsonType::Number)
            }
            "string" | "str" | "character" | "char" => Some(JsonType::String),
            "sequence" | "array" | "tuple" | "Vec" => Some(JsonType::Array),
            "map" | "struct" | "object" | "JSON" => Some(JsonType::Object),
            _ => None,
        }
    }
}

/// What is wrong with a JSON text.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JsonProblem {
    /// Not JSON at all: a stray character, a missing comma or quote.
    Syntax,
    /// The text ends in the middle of a value (a missing `}`).
    Truncated,
    /// Valid JSON, but not an object where options are expected (`[1]`, `"days"`).
    NotAnObject,
    /// A key the receiver does not know (a typo: `dayz`).
    UnknownKey { key: String },
    /// A key the receiver requires is absent.
    MissingKey { key: String },
    /// The same key twice in one object; JSON parsers would silently keep the last.
    DuplicateKey { key: String },
    /// A value of the wrong JSON type (`"days": "365"`); either side may be unknown.
    WrongType {
        found: Option<JsonType>,
        expected: Option<JsonType>,
    },
    /// A value of the right type the receiver still refuses (out of range, not among the
    /// allowed words).
    WrongValue,
    /// The text could not be read at all (never for text in memory).
    Unreadable,
}

/// A JSON text refused, with where (line and column, 1-based) when the parser knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonReason {
    pub problem: JsonProblem,
    pub at: Option<(usize, usize)>,
}

/// The name between the first pair of backticks of a serde message (`unknown field `x`…`).
fn quoted(text: &str) -> String {
    let name = text
        .split_once('`')
        .and_then(|(_, rest)| rest.split_once('`'))
        .map_or("", |(name, _)| name);
    clip(name)
}

impl JsonReason {
    /// The reason for a serde_json failure. `classify` says which kind; for data errors,
    /// serde's message (stable wording from `serde::de::Error`'s provided methods) tells which
    /// key, and is not kept.
    pub fn of(e: &serde_json::Error) -> JsonReason {
        use serde_json::error::Category;
        let at = (e.line() > 0).then(|| (e.line(), e.column()));
        let problem = match e.classify() {
            Category::Syntax => JsonProblem::Syntax,
            Category::Eof => JsonProblem::Truncated,
            Category::Io => JsonProblem::Unreadable,
            Category::Data => {
                let text = e.to_string();
                if text.starts_with("unknown field") {
                    JsonProblem::UnknownKey { key: quoted(&text) }
                } else if text.starts_with("missing field") {
                    JsonProblem::MissingKey { key: quoted(&text) }
                } else if text.starts_with("duplicate field") {
                    JsonProblem::DuplicateKey { key: quoted(&text) }
                } else if let Some(rest) = text.strip_prefix("invalid type: ") {
                    let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
                    JsonProblem::WrongType {
                        found: JsonType::from_serde(found),
                        expected: JsonType::from_serde(expected),
                    }
                } else {
                    JsonProblem::WrongValue
                }
            }
        };
        JsonReason { problem, at }
    }

    /// A refusal with no position (the check was made on the parsed value).
    pub fn without_position(problem: JsonProblem) -> JsonReason {
        JsonReason { problem, at: None }
    }

    /// The reason in the given language, with the position when known.
    pub fn text(&self, lang: Lang) -> String {
        use JsonProblem::*;
        let what = match (&self.problem, lang) {
            (Syntax, Lang::En) => "not valid JSON".to_owned(),
            (Syntax, Lang::Ru) => "текст не является JSON".to_owned(),
            (Truncated, Lang::En) => "the JSON text ends too early".to_owned(),
            (Truncated, Lang::Ru) => "текст JSON обрывается".to_owned(),
            (NotAnObject, Lang::En) => "not a JSON object".to_owned(),
            (NotAnObject, Lang::Ru) => "это не объект JSON".to_owned(),
            (UnknownKey { key }, Lang::En) => format!("unknown key `{key}`"),
            (UnknownKey { key }, Lang::Ru) => format!("неизвестный ключ `{key}`"),
            (MissingKey { key }, Lang::En) => format!("the key `{key}` is required"),
            (MissingKey { key }, Lang::Ru) => format!("не указан обязательный ключ `{key}`"),
            (DuplicateKey { key }, Lang::En) => format!("the key `{key}` is given twice"),
            (DuplicateKey { key }, Lang::Ru) => format!("ключ `{key}` указан дважды"),
            (WrongType { found, expected }, _) => {
                let mut text = lang
                    .pick("значение неверного типа", "a value of the wrong type")
                    .to_owned();
                if let Some(expected) = expected {
                    text += &match lang {
                        Lang::En => format!(": expected {}", expected.name(lang)),
                        Lang::Ru => format!(": ожидается {}", expected.name(lang)),
                    };
                    if let Some(found) = found {
                        text += &match lang {
                            Lang::En => format!(", got {}", found.name(lang)),
                            Lang::Ru => format!(", передано {}", found.name(lang)),
                        };
                    }
                }
                text
            }
            (WrongValue, Lang::En) => "a value that is not allowed here".to_owned(),
            (WrongValue, Lang::Ru) => "недопустимое значение".to_owned(),
            (Unreadable, Lang::En) => "the text cannot be read".to_owned(),
            (Unreadable, Lang::Ru) => "текст не удалось прочитать".to_owned(),
        };
        match (self.at, lang) {
            (Some((line, column)), Lang::En) => format!("{what} (line {line}, column {column})"),
            (Some((line, column)), Lang::Ru) => {
                format!("{what} (строка {line}, позиция {column})")
            }
            (None, _) => what,
        }
    }
}

impl fmt::Display for JsonReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text(Lang::En))
    }
}

/// Why a text is not a URL, one for each `url::ParseError`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UrlReason {
    /// `https://` with nothing after it, or `https://:443`.
    EmptyHost,
    /// A domain name that international-names processing refuses.
    BadInternationalName,
    /// A port that is not a number from 0 to 65535.
    InvalidPort,
    /// A dotted-number host that is not an IPv4 address (`300.1.1.1`).
    InvalidIpv4,
    /// A bracketed host that is not an IPv6 address.
    InvalidIpv6,
    /// A space or a character not allowed in a host name.
    InvalidHostCharacter,
    /// No scheme: `api.telegram.org` instead of `https://api.telegram.org`.
    NoScheme,
    /// Anything else the URL parser refuses (a URL longer than 4 GB...).
    Malformed,
}

impl UrlReason {
    pub fn of(e: url::ParseError) -> UrlReason {
        use url::ParseError as P;
        match e {
            P::EmptyHost => UrlReason::EmptyHost,
            P::IdnaError => UrlReason::BadInternationalName,
            P::InvalidPort => UrlReason::InvalidPort,
            P::InvalidIpv4Address => UrlReason::InvalidIpv4,
            P::InvalidIpv6Address => UrlReason::InvalidIpv6,
            P::InvalidDomainCharacter => UrlReason::InvalidHostCharacter,
            P::RelativeUrlWithoutBase | P::RelativeUrlWithCannotBeABaseBase => UrlReason::NoScheme,
            _ => UrlReason::Malformed,
        }
    }

    pub fn text(self, lang: Lang) -> &'static str {
        use UrlReason::*;
        match (self, lang) {
            (EmptyHost, Lang::En) => "the host is missing",
            (EmptyHost, Lang::Ru) => "не указан хост",
            (BadInternationalName, Lang::En) => "the domain name is not a valid international name",
            (BadInternationalName, Lang::Ru) => "доменное имя недопустимо",
            (InvalidPort, Lang::En) => "the port is not a number from 1 to 65535",
            (InvalidPort, Lang::Ru) => "порт не является числом от 1 до 65535",
            (InvalidIpv4, Lang::En) => "the IPv4 address is invalid",
            (InvalidIpv4, Lang::Ru) => "неверный адрес IPv4",
            (InvalidIpv6, Lang::En) => "the IPv6 address is invalid",
            (InvalidIpv6, Lang::Ru) => "неверный адрес IPv6",
            (InvalidHostCharacter, Lang::En) => "the host has a character not allowed in it",
            (InvalidHostCharacter, Lang::Ru) => "в имени хоста недопустимый символ",
            (NoScheme, Lang::En) => "the scheme is missing (https://…)",
            (NoScheme, Lang::Ru) => "не указана схема (https://…)",
            (Malformed, Lang::En) => "it is not a URL",
            (Malformed, Lang::Ru) => "это не адрес URL",
        }
    }
}

impl fmt::Display for UrlReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text(Lang::En))
    }
}

/// For tests across the crate: the English phrases serde_json and url print, none of which
/// may appear in a Russian message.
#[cfg(test)]
pub(crate) const PARSER_PHRASES: &[&str] = &[
    "expected",
    "at line",
    "column",
    "unknown field",
    "invalid type",
    "invalid value",
    "missing field",
    "EOF",
    "relative URL",
    "without a base",
    "empty host",
    "invalid port",
    "invalid IPv",
    "invalid international",
    "invalid domain",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Options {
        days: Option<u32>,
        name: String,
    }

    fn reason(text: &str) -> JsonReason {
        JsonReason::of(&serde_json::from_str::<Options>(text).unwrap_err())
    }

    #[test]
    fn json_failures_become_our_reasons() {
        assert_eq!(reason("").problem, JsonProblem::Truncated);
        assert_eq!(reason("{days}").problem, JsonProblem::Syntax);
        assert_eq!(reason("{\"days\": 1").problem, JsonProblem::Truncated);
        assert_eq!(
            reason(r#"{"dayz": 1, "name": ""}"#).problem,
            JsonProblem::UnknownKey { key: "dayz".into() }
        );
        assert_eq!(
            reason(r#"{"days": 1}"#).problem,
            JsonProblem::MissingKey { key: "name".into() }
        );
        assert_eq!(
            reason(r#"{"days": "1", "name": ""}"#).problem,
            JsonProblem::WrongType {
                found: Some(JsonType::String),
                expected: Some(JsonType::Number)
            }
        );
        assert_eq!(
            reason(r#"{"days": -1, "name": ""}"#).problem,
            JsonProblem::WrongValue
        );
        assert_eq!(reason("{days}").at, Some((1, 2)));
    }

    #[test]
    fn russian_reasons_carry_no_parser_english() {
        let mut texts: Vec<String> = [
            "",
            "{days}",
            "nonsense",
            r#"{"dayz": 1, "name": ""}"#,
            r#"{"days": "1", "name": ""}"#,
            r#"{"days": 1}"#,
            r#"{"days": -1, "name": ""}"#,
        ]
        .iter()
        .map(|t| reason(t).text(Lang::Ru))
        .collect();
        for url in [
            "api.telegram.org",
            "https://",
            "https://x:99999",
            "https://[1::",
            "https://a b",
        ] {
            let e = url::Url::parse(url).unwrap_err();
            texts.push(UrlReason::of(e).text(Lang::Ru).to_owned());
        }
        for text in texts {
            for phrase in PARSER_PHRASES {
                assert!(!text.contains(phrase), "{text:?} contains {phrase:?}");
            }
        }
    }
}
