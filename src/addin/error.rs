//! The add-in layer's error: everything that can go wrong between a 1C call and a protocol
//! module, and the protocol modules' own errors carried up unchanged.

use std::fmt;

use super::members::{Kind, Method, Property};
use super::value::ValueKind;
use crate::i18n::{Lang, Localized};
use crate::net::secrets::Secrets;
use crate::reason::JsonReason;

/// A failed call or property access; rendered as `[CODE] Member: message` for 1C.
#[derive(Debug)]
#[non_exhaustive]
pub enum AddinError {
    /// The platform passed fewer or more parameters than the method takes (1C itself never
    /// does; another host might).
    ArgumentCount { method: &'static Method, got: usize },
    /// A parameter of the wrong 1C type.
    ArgumentType {
        method: &'static Method,
        index: usize,
        expected: Kind,
        got: ValueKind,
    },
    /// A string parameter with broken UTF-16 (a lone surrogate).
    ArgumentText {
        method: &'static Method,
        index: usize,
        position: usize,
    },
    /// A number parameter that is not whole or out of its range.
    ArgumentRange {
        method: &'static Method,
        index: usize,
        min: i64,
        max: i64,
    },
    /// A String parameter longer than that parameter can ever be (a 10 MB chat id): refused
    /// before any work, with the limit.
    ArgumentTooLong {
        method: &'static Method,
        index: usize,
        length: usize,
        limit: usize,
    },
    /// ДвоичныеДанные the process had no memory to copy (refused, not a crash of 1C).
    ArgumentNoMemory {
        method: &'static Method,
        index: usize,
        bytes: usize,
    },
    /// The options parameter is not a JSON object, or has unknown or mistyped fields.
    Options {
        method: &'static Method,
        index: usize,
        reason: JsonReason,
    },
    /// A property set to a value of the wrong type.
    PropertyType {
        property: &'static Property,
        got: ValueKind,
    },
    /// A string property value with broken UTF-16.
    PropertyText {
        property: &'static Property,
        position: usize,
    },
    /// A String property value longer than the property can ever be.
    PropertyTooLong {
        property: &'static Property,
        length: usize,
        limit: usize,
    },
    /// Timeout outside 1..3600.
    PropertyRange {
        property: &'static Property,
        min: i64,
        max: i64,
    },
    /// Writing a read-only property.
    ReadOnly { property: &'static Property },
    /// TelegramApiUrl is not an absolute http(s) URL (the Telegram module's check; the code
    /// stays the property's own).
    ApiUrl {
        property: &'static Property,
        source: crate::telegram::Error,
    },
    /// A network setting (Proxy, TrustedCertificates) was refused.
    Net {
        property: &'static Property,
        source: crate::net::Error,
    },
    /// MakeCert refused or failed.
    Cert {
        method: &'static Method,
        source: crate::cert::Error,
    },
    /// A Telegram call was refused before the request, failed on the way, or Telegram said no.
    Telegram {
        method: &'static Method,
        source: crate::telegram::Error,
    },
    /// An XMPP send was refused, could not connect or log in, or the server refused the stanza.
    Xmpp {
        method: &'static Method,
        source: crate::xmpp::Error,
    },
    /// An error whose texts may quote what a server or a proxy sent (the XMPP members'),
    /// rendered with every secret the call knows taken out: the password, the proxy's
    /// credentials, in every form [`Secrets`] looks for. Code and member are the inner error's.
    Scrubbed {
        error: Box<AddinError>,
        secrets: Secrets,
    },
    /// A result could not be written as JSON (a bug: our result types always serialize).
    Internal {
        method: &'static Method,
        detail: String,
    },
}

impl AddinError {
    /// The member the error is about, in the given language (the prefix of the message).
    pub fn member(&self, lang: Lang) -> &'static str {
        match self {
            AddinError::ArgumentCount { method, .. }
            | AddinError::ArgumentType { method, .. }
            | AddinError::ArgumentText { method, .. }
            | AddinError::ArgumentRange { method, .. }
            | AddinError::ArgumentTooLong { method, .. }
            | AddinError::ArgumentNoMemory { method, .. }
            | AddinError::Options { method, .. }
            | AddinError::Cert { method, .. }
            | AddinError::Telegram { method, .. }
            | AddinError::Xmpp { method, .. }
            | AddinError::Internal { method, .. } => method.name.get(lang),
            AddinError::PropertyType { property, .. }
            | AddinError::PropertyText { property, .. }
            | AddinError::PropertyRange { property, .. }
            | AddinError::PropertyTooLong { property, .. }
            | AddinError::ReadOnly { property }
            | AddinError::ApiUrl { property, .. }
            | AddinError::Net { property, .. } => property.name.get(lang),
            AddinError::Scrubbed { error, .. } => error.member(lang),
        }
    }
}

/// "a String" / "Строка" and so on: 1C's own type names.
pub fn kind_name(kind: Kind, lang: Lang) -> &'static str {
    match (kind, lang) {
        (Kind::String, Lang::En) => "a String",
        (Kind::String, Lang::Ru) => "Строка",
        (Kind::Number, Lang::En) => "a Number",
        (Kind::Number, Lang::Ru) => "Число",
        (Kind::Boolean, Lang::En) => "a Boolean",
        (Kind::Boolean, Lang::Ru) => "Булево",
        (Kind::StringOrNumber, Lang::En) => "a String or a whole Number",
        (Kind::StringOrNumber, Lang::Ru) => "Строка или целое Число",
        (Kind::JsonObject, Lang::En) => "a String with a JSON object",
        (Kind::JsonObject, Lang::Ru) => "Строка с объектом JSON",
        (Kind::File, Lang::En) => "BinaryData or a String (a path, an http(s) URL or a file_id)",
        (Kind::File, Lang::Ru) => "ДвоичныеДанные или Строка (путь, адрес http(s) или file_id)",
        (Kind::LocalFile, Lang::En) => "BinaryData or a String (a path)",
        (Kind::LocalFile, Lang::Ru) => "ДвоичныеДанные или Строка (путь)",
    }
}

/// How the add-in names what a protocol message refers to: a setting as its property, a call
/// as its method, the options as the methods' JSON parameter, in the object's language.
pub struct AddinNames;

impl crate::net::Names for AddinNames {
    fn setting(&self, setting: crate::net::Setting, lang: Lang) -> String {
        use super::members::{PropId, PROPERTIES};
        use crate::net::Setting;
        let id = match setting {
            Setting::Timeout => PropId::Timeout,
            Setting::Proxy => PropId::Proxy,
            Setting::TrustedCertificates => PropId::TrustedCertificates,
            Setting::TelegramApiUrl => PropId::TelegramApiUrl,
        };
        PROPERTIES
            .iter()
            .find(|p| p.id == id)
            .map_or("?", |p| p.name.get(lang))
            .to_owned()
    }

    fn term(&self, term: crate::net::Term, lang: Lang) -> String {
        use super::members::{Kind, MethodId, METHODS};
        use crate::net::Term;
        let set_webhook = METHODS.iter().find(|m| m.id == MethodId::SetWebhook);
        let method = |id: MethodId| {
            METHODS
                .iter()
                .find(|m| m.id == id)
                .map_or("?", |m| m.name.get(lang))
        };
        match term {
            Term::SetWebhook => method(MethodId::SetWebhook),
            Term::DeleteWebhook => method(MethodId::DeleteWebhook),
            Term::XmppConnect => method(MethodId::XmppConnect),
            // SetWebhook's JSON parameter, which every method taking options names alike.
            Term::Options => set_webhook
                .and_then(|m| m.params.iter().find(|p| p.kind == Kind::JsonObject))
                .map_or("?", |p| p.name.get(lang)),
        }
        .to_owned()
    }
}

/// A protocol module's message with the members it refers to and the properties it points at
/// named as the add-in names them.
fn protocol_message(source: &dyn Localized, lang: Lang) -> String {
    crate::i18n::named_message(source, lang, &AddinNames)
}

/// "параметр", "параметра" or "параметров", as Russian wants after the number `n`.
fn parameters_ru(n: usize) -> &'static str {
    match (n % 10, n % 100) {
        (1, r) if r != 11 => "параметр",
        (2..=4, r) if !(12..=14).contains(&r) => "параметра",
        _ => "параметров",
    }
}

/// What to pass instead, after an options error, with an example the method really takes.
fn options_hint(method: &Method, lang: Lang) -> String {
    use super::members::MethodId;
    if method.id == MethodId::XmppSendStatus {
        return lang
            .pick(
                r#"Передайте массив JSON идентификаторов сообщений, например ["id1", "id2"], один идентификатор или пустую строку"#,
                r#"Pass a JSON array of message ids such as ["id1", "id2"], one id, or an empty string"#,
            )
            .to_owned();
    }
    let example = match method.id {
        MethodId::MakeCert => r#"{"days": 365}"#,
        MethodId::SetWebhook => r#"{"max_connections": 40}"#,
        MethodId::SendTelegram => r#"{"parse_mode": "HTML"}"#,
        MethodId::CallTelegram => r#"{"chat_id": 123456789}"#,
        MethodId::SendTelegramFile => r#"{"caption": "report"}"#,
        MethodId::GetTelegramUpdates => r#"{"limit": 100}"#,
        MethodId::SendXmpp | MethodId::XmppConnect => r#"{"resource": "1c"}"#,
        MethodId::XmppSend => r#"{"type": "chat"}"#,
        _ => "{}",
    };
    match lang {
        Lang::En => format!("Pass a JSON object such as {example}, or an empty string"),
        Lang::Ru => format!("Передайте объект JSON, например {example}, или пустую строку"),
    }
}

fn param_label(method: &Method, index: usize, lang: Lang) -> String {
    let name = method.params.get(index).map_or("?", |p| p.name.get(lang));
    match lang {
        Lang::En => format!("parameter {} ({name})", index + 1),
        Lang::Ru => format!("параметр {} ({name})", index + 1),
    }
}

impl Localized for AddinError {
    fn code(&self) -> &'static str {
        match self {
            AddinError::ArgumentCount { .. } => "ARG_COUNT",
            AddinError::ArgumentType { .. } => "ARG_TYPE",
            AddinError::ArgumentText { .. } => "ARG_TEXT",
            AddinError::ArgumentRange { .. } => "ARG_RANGE",
            AddinError::ArgumentTooLong { .. } => "ARG_TOO_LONG",
            AddinError::ArgumentNoMemory { .. } => "ARG_NO_MEMORY",
            AddinError::Options { .. } => "ARG_OPTIONS",
            AddinError::PropertyType { .. } => "PROP_TYPE",
            AddinError::PropertyText { .. } => "PROP_TEXT",
            AddinError::PropertyRange { .. } => "PROP_RANGE",
            AddinError::PropertyTooLong { .. } => "PROP_TOO_LONG",
            AddinError::ReadOnly { .. } => "PROP_READ_ONLY",
            AddinError::ApiUrl { .. } => "PROP_API_URL",
            AddinError::Net { source, .. } => source.code(),
            AddinError::Cert { source, .. } => source.code(),
            AddinError::Telegram { source, .. } => source.code(),
            AddinError::Xmpp { source, .. } => source.code(),
            AddinError::Internal { .. } => "INTERNAL",
            AddinError::Scrubbed { error, .. } => error.code(),
        }
    }

    fn message(&self, lang: Lang) -> String {
        use AddinError::*;
        match (self, lang) {
            (ArgumentCount { method, got }, _) => {
                let (min, max) = (method.required(), method.params.len());
                let range = if min == max {
                    min.to_string()
                } else {
                    format!("{min}..{max}")
                };
                // "1 parameter", "0..1 parameters"; Russian agrees with the last number said.
                match lang {
                    Lang::En => {
                        let noun = if range == "1" {
                            "parameter"
                        } else {
                            "parameters"
                        };
                        format!("takes {range} {noun}, got {got}")
                    }
                    Lang::Ru => {
                        format!("принимает {range} {}, передано: {got}", parameters_ru(max))
                    }
                }
            }
            (
                ArgumentType {
                    method,
                    index,
                    expected,
                    got,
                },
                _,
            ) => {
                let label = param_label(method, *index, lang);
                match lang {
                    Lang::En => format!(
                        "{label}: expected {}, got {}",
                        kind_name(*expected, lang),
                        got.name(lang)
                    ),
                    Lang::Ru => format!(
                        "{label}: ожидается {}, передано {}",
                        kind_name(*expected, lang),
                        got.name(lang)
                    ),
                }
            }
            (
                ArgumentText {
                    method,
                    index,
                    position,
                },
                Lang::En,
            ) => format!(
                "{}: the string is not valid UTF-16 (a lone surrogate at position {position})",
                param_label(method, *index, lang)
            ),
            (
                ArgumentText {
                    method,
                    index,
                    position,
                },
                Lang::Ru,
            ) => format!(
                "{}: строка повреждена (одиночный суррогат UTF-16 в позиции {position})",
                param_label(method, *index, lang)
            ),
            (
                ArgumentRange {
                    method,
                    index,
                    min,
                    max,
                },
                Lang::En,
            ) => format!(
                "{}: expected a whole Number from {min} to {max}",
                param_label(method, *index, lang)
            ),
            (
                ArgumentRange {
                    method,
                    index,
                    min,
                    max,
                },
                Lang::Ru,
            ) => format!(
                "{}: ожидается целое Число от {min} до {max}",
                param_label(method, *index, lang)
            ),
            (
                ArgumentTooLong {
                    method,
                    index,
                    length,
                    limit,
                },
                Lang::En,
            ) => format!(
                "{}: the string is too long ({length} characters, the limit is {limit})",
                param_label(method, *index, lang)
            ),
            (
                ArgumentTooLong {
                    method,
                    index,
                    length,
                    limit,
                },
                Lang::Ru,
            ) => format!(
                "{}: строка слишком длинная (символов: {length}, предел {limit})",
                param_label(method, *index, lang)
            ),
            (
                ArgumentNoMemory {
                    method,
                    index,
                    bytes,
                },
                Lang::En,
            ) => format!(
                "{}: no memory to take the binary data ({bytes} bytes); pass a path to the file \
                 instead, or use a 64-bit 1C",
                param_label(method, *index, lang)
            ),
            (
                ArgumentNoMemory {
                    method,
                    index,
                    bytes,
                },
                Lang::Ru,
            ) => format!(
                "{}: не хватило памяти, чтобы принять двоичные данные (байт: {bytes}); передайте \
                 путь к файлу или используйте 64-разрядную 1С",
                param_label(method, *index, lang)
            ),
            (
                Options {
                    method,
                    index,
                    reason,
                },
                _,
            ) => format!(
                "{}: {}. {}",
                param_label(method, *index, lang),
                reason.text(lang),
                options_hint(method, lang)
            ),
            (PropertyType { property, got }, Lang::En) => {
                format!(
                    "expected {}, got {}",
                    kind_name(property.kind, lang),
                    got.name(lang)
                )
            }
            (PropertyType { property, got }, Lang::Ru) => {
                format!(
                    "ожидается {}, передано {}",
                    kind_name(property.kind, lang),
                    got.name(lang)
                )
            }
            (PropertyText { position, .. }, Lang::En) => {
                format!("the string is not valid UTF-16 (a lone surrogate at position {position})")
            }
            (PropertyText { position, .. }, Lang::Ru) => {
                format!("строка повреждена (одиночный суррогат UTF-16 в позиции {position})")
            }
            (PropertyRange { min, max, .. }, Lang::En) => {
                format!("expected a Number of seconds from {min} to {max}")
            }
            (PropertyRange { min, max, .. }, Lang::Ru) => {
                format!("ожидается Число секунд от {min} до {max}")
            }
            (PropertyTooLong { length, limit, .. }, Lang::En) => {
                format!("the string is too long ({length} characters, the limit is {limit})")
            }
            (PropertyTooLong { length, limit, .. }, Lang::Ru) => {
                format!("строка слишком длинная (символов: {length}, предел {limit})")
            }
            (ReadOnly { .. }, Lang::En) => "the property is read-only".to_owned(),
            (ReadOnly { .. }, Lang::Ru) => "свойство только для чтения".to_owned(),
            (ApiUrl { source, .. }, _) => source.message(lang),
            (Net { source, .. }, _) => protocol_message(source, lang),
            (Cert { source, .. }, _) => source.message(lang),
            (Telegram { source, .. }, _) => protocol_message(source, lang),
            (Xmpp { source, .. }, _) => protocol_message(source, lang),
            (Scrubbed { error, secrets }, _) => secrets.scrub(&error.message(lang)),
            (Internal { detail, .. }, Lang::En) => {
                format!("internal error, please report it: {detail}")
            }
            (Internal { detail, .. }, Lang::Ru) => {
                format!("внутренняя ошибка, сообщите о ней разработчикам: {detail}")
            }
        }
    }
}

impl fmt::Display for AddinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "[{}] {}: {}",
            self.code(),
            self.member(Lang::En),
            self.message(Lang::En)
        )
    }
}

impl std::error::Error for AddinError {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addin::members::{MethodId, METHODS};

    fn method(id: MethodId) -> &'static Method {
        METHODS.iter().find(|m| m.id == id).unwrap()
    }

    #[test]
    fn protocol_errors_name_the_property_and_the_member_in_the_object_s_language() {
        let tls = AddinError::Xmpp {
            method: method(MethodId::XmppConnect),
            source: crate::xmpp::Error::Tls {
                reason: crate::net::TlsReason::UnknownIssuer,
                detail: "unknown issuer".into(),
            },
        };
        assert!(
            tls.message(Lang::Ru).ends_with("(ДоверенныеСертификаты)"),
            "{tls}"
        );
        assert!(
            tls.message(Lang::En).ends_with("(TrustedCertificates)"),
            "{tls}"
        );
        let idle = AddinError::Xmpp {
            method: method(MethodId::XmppSend),
            source: crate::xmpp::Error::NotConnected,
        };
        assert!(
            idle.message(Lang::Ru)
                .ends_with(": сначала подключитесь (ПодключитьXMPP)"),
            "{idle}"
        );
        assert!(
            idle.message(Lang::En)
                .ends_with(": connect first (XmppConnect)"),
            "{idle}"
        );
    }

    #[test]
    fn the_calls_a_protocol_message_sends_to_are_named_as_members() {
        let expired = AddinError::Telegram {
            method: method(MethodId::SetWebhook),
            source: crate::telegram::Error::CertificateExpired {
                not_after: "2020-01-01".into(),
            },
        };
        assert!(
            expired
                .message(Lang::Ru)
                .ends_with("снова установите webhook (УстановитьWebhook)"),
            "{}",
            expired.message(Lang::Ru)
        );
        assert!(
            expired
                .message(Lang::En)
                .ends_with("set the webhook again (SetWebhook)"),
            "{expired}"
        );
        let twice = AddinError::Telegram {
            method: method(MethodId::SendTelegram),
            source: crate::telegram::Error::ParameterConflict {
                name: "chat_id".into(),
            },
        };
        assert!(
            twice
                .message(Lang::Ru)
                .contains("в дополнительных параметрах (Параметры)"),
            "{}",
            twice.message(Lang::Ru)
        );
        assert!(
            twice.message(Lang::En).contains("in the options (Options)"),
            "{twice}"
        );
        // The library's own rendering names the Bot API's call and no 1C member.
        let plain = crate::telegram::Error::CertificateExpired {
            not_after: "2020-01-01".into(),
        };
        assert!(plain.to_string().ends_with("again (setWebhook)"), "{plain}");
    }

    #[test]
    fn protocol_messages_carry_no_1c_names() {
        let errors: Vec<Box<dyn Localized>> = vec![
            Box::new(crate::xmpp::Error::Tls {
                reason: crate::net::TlsReason::UnknownIssuer,
                detail: "x".into(),
            }),
            Box::new(crate::xmpp::Error::NotConnected),
            Box::new(crate::telegram::Error::CertificateExpired {
                not_after: "2020-01-01".into(),
            }),
            Box::new(crate::telegram::Error::ParameterConflict {
                name: "chat_id".into(),
            }),
            Box::new(crate::telegram::validate_api_url("api.telegram.org").unwrap_err()),
            Box::new(crate::telegram::TransferError::TooLarge {
                size: None,
                limit: crate::telegram::Limit::CloudUpload,
            }),
        ];
        let names: Vec<&str> = super::super::members::PROPERTIES
            .iter()
            .flat_map(|p| [p.name.get(Lang::En), p.name.get(Lang::Ru)])
            .chain(
                METHODS
                    .iter()
                    .flat_map(|m| [m.name.get(Lang::En), m.name.get(Lang::Ru)]),
            )
            .collect();
        for e in &errors {
            for lang in [Lang::En, Lang::Ru] {
                let text = e.message(lang);
                for name in &names {
                    assert!(!text.contains(name), "{text:?} names {name}");
                }
            }
        }
    }

    #[test]
    fn the_parameter_count_agrees_with_its_number() {
        let count = |id, got| AddinError::ArgumentCount {
            method: method(id),
            got,
        };
        let one = count(MethodId::XmppReceive, 3);
        assert_eq!(one.message(Lang::En), "takes 0..1 parameters, got 3");
        let exactly_one = count(MethodId::GetWebhookInfo, 2);
        assert_eq!(exactly_one.message(Lang::En), "takes 1 parameter, got 2");
        assert_eq!(
            exactly_one.message(Lang::Ru),
            "принимает 1 параметр, передано: 2"
        );
        assert_eq!(
            one.message(Lang::Ru),
            "принимает 0..1 параметр, передано: 3"
        );
        let four = count(MethodId::SendTelegram, 9);
        assert_eq!(four.message(Lang::En), "takes 3..4 parameters, got 9");
        assert_eq!(
            four.message(Lang::Ru),
            "принимает 3..4 параметра, передано: 9"
        );
        let five = count(MethodId::SendXmpp, 9);
        assert_eq!(
            five.message(Lang::Ru),
            "принимает 4..5 параметров, передано: 9"
        );
        assert_eq!(parameters_ru(11), "параметров");
        assert_eq!(parameters_ru(21), "параметр");
        assert_eq!(parameters_ru(0), "параметров");
    }
}
