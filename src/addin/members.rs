//! The member table of API.md: every property and method with its English (alias 0) and
//! Russian (alias 1) name, its parameters and their defaults. 1C discovers the object through
//! this table alone.

use crate::i18n::Lang;

/// A name in both languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Name {
    pub en: &'static str,
    pub ru: &'static str,
}

impl Name {
    pub fn get(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.en,
            Lang::Ru => self.ru,
        }
    }

    /// By the platform's alias index: 0 English, 1 Russian.
    pub fn alias(&self, alias: usize) -> Option<&'static str> {
        match alias {
            0 => Some(self.en),
            1 => Some(self.ru),
            _ => None,
        }
    }

    /// 1C compares names case-insensitively, in Russian as in English.
    pub fn matches(&self, name: &str) -> bool {
        let key = fold(name);
        fold(self.en) == key || fold(self.ru) == key
    }
}

/// Case folding for any script (ASCII-only folding would miss "ОТПРАВИТЬxmpp").
pub fn fold(name: &str) -> String {
    name.chars().flat_map(char::to_lowercase).collect()
}

/// Finds a name in a table by its folded English or Russian form. The table is folded once
/// per process: 1C may look a member up on every call.
pub fn position<T>(
    table: &'static [T],
    folded: &'static std::sync::OnceLock<Vec<(String, String)>>,
    name_of: fn(&T) -> Name,
    wanted: &str,
) -> Option<usize> {
    let folded = folded.get_or_init(|| {
        table
            .iter()
            .map(|item| (fold(name_of(item).en), fold(name_of(item).ru)))
            .collect()
    });
    let key = fold(wanted);
    folded.iter().position(|(en, ru)| *en == key || *ru == key)
}

/// What a parameter or property accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    String,
    Number,
    Boolean,
    /// A chat id: a String (preferred: ids exceed 32 bits) or a whole Number.
    StringOrNumber,
    /// A String holding a JSON object; empty means `{}`.
    JsonObject,
    /// A file: BinaryData, or a String with a path, an http(s) URL or a file_id.
    File,
    /// A local file: BinaryData, or a String with a path.
    LocalFile,
}

/// The value an omitted trailing parameter takes (GetParamDefValue).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultValue {
    EmptyString,
    False,
    Zero,
}

#[derive(Debug)]
pub struct Param {
    pub name: Name,
    pub kind: Kind,
    pub default: Option<DefaultValue>,
}

/// What a method returns, which also decides what it returns when ThrowErrors is off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Returns {
    /// A String (JSON); Undefined on failure without exceptions.
    Json,
    /// A Boolean; False on failure without exceptions.
    Boolean,
    /// BinaryData; Undefined on failure without exceptions.
    Binary,
    /// Whatever the method produced (test probes).
    Any,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MethodId {
    MakeCert,
    SetWebhook,
    GetWebhookInfo,
    DeleteWebhook,
    CheckWebhook,
    SendTelegram,
    CallTelegram,
    SendTelegramFile,
    DownloadTelegramFile,
    GetTelegramUpdates,
    SendXmpp,
    XmppConnect,
    XmppSend,
    XmppReceive,
    XmppDisconnect,
    XmppSendStatus,
    SendXmppFile,
    XmppSendFile,
    XmppRoster,
    /// Test probes, present only when MESSENGER_TEST_PROBES=1 at object creation.
    ProbePanic,
    ProbeEcho,
    ProbeEvents,
}

#[derive(Debug)]
pub struct Method {
    pub name: Name,
    pub params: &'static [Param],
    pub returns: Returns,
    pub id: MethodId,
}

impl Method {
    /// How many parameters must be given (the rest have defaults).
    pub fn required(&self) -> usize {
        self.params
            .iter()
            .take_while(|p| p.default.is_none())
            .count()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropId {
    Version,
    LastError,
    Timeout,
    Proxy,
    TelegramApiUrl,
    TrustedCertificates,
    ThrowErrors,
}

#[derive(Debug)]
pub struct Property {
    pub name: Name,
    pub kind: Kind,
    pub writable: bool,
    pub id: PropId,
}

const fn n(en: &'static str, ru: &'static str) -> Name {
    Name { en, ru }
}

const fn req(en: &'static str, ru: &'static str, kind: Kind) -> Param {
    Param {
        name: n(en, ru),
        kind,
        default: None,
    }
}

const fn opt(en: &'static str, ru: &'static str, kind: Kind, default: DefaultValue) -> Param {
    Param {
        name: n(en, ru),
        kind,
        default: Some(default),
    }
}

const TOKEN: Param = req("Token", "Токен", Kind::String);
const OPTIONS: Param = opt(
    "Options",
    "Параметры",
    Kind::JsonObject,
    DefaultValue::EmptyString,
);
const CERTIFICATE: Param = opt(
    "Certificate",
    "Сертификат",
    Kind::String,
    DefaultValue::EmptyString,
);

pub static PROPERTIES: &[Property] = &[
    Property {
        name: n("Version", "Версия"),
        kind: Kind::String,
        writable: false,
        id: PropId::Version,
    },
    Property {
        name: n("LastError", "ПоследняяОшибка"),
        kind: Kind::String,
        writable: false,
        id: PropId::LastError,
    },
    Property {
        name: n("Timeout", "Таймаут"),
        kind: Kind::Number,
        writable: true,
        id: PropId::Timeout,
    },
    Property {
        name: n("Proxy", "Прокси"),
        kind: Kind::String,
        writable: true,
        id: PropId::Proxy,
    },
    Property {
        name: n("TelegramApiUrl", "АдресTelegramAPI"),
        kind: Kind::String,
        writable: true,
        id: PropId::TelegramApiUrl,
    },
    Property {
        name: n("TrustedCertificates", "ДоверенныеСертификаты"),
        kind: Kind::String,
        writable: true,
        id: PropId::TrustedCertificates,
    },
    Property {
        name: n("ThrowErrors", "ВызыватьИсключения"),
        kind: Kind::Boolean,
        writable: true,
        id: PropId::ThrowErrors,
    },
];

pub static METHODS: &[Method] = &[
    Method {
        name: n("MakeCert", "СоздатьСертификат"),
        params: &[
            req("CommonName", "ОбщееИмя", Kind::String),
            req("Directory", "Каталог", Kind::String),
            req("PfxPassword", "ПарольPFX", Kind::String),
            OPTIONS,
        ],
        returns: Returns::Json,
        id: MethodId::MakeCert,
    },
    Method {
        name: n("SetWebhook", "УстановитьWebhook"),
        params: &[TOKEN, req("URL", "URL", Kind::String), CERTIFICATE, OPTIONS],
        returns: Returns::Json,
        id: MethodId::SetWebhook,
    },
    Method {
        name: n("GetWebhookInfo", "ПолучитьИнформациюWebhook"),
        params: &[TOKEN],
        returns: Returns::Json,
        id: MethodId::GetWebhookInfo,
    },
    Method {
        name: n("DeleteWebhook", "УдалитьWebhook"),
        params: &[
            TOKEN,
            opt(
                "DropPendingUpdates",
                "СброситьОжидающие",
                Kind::Boolean,
                DefaultValue::False,
            ),
        ],
        returns: Returns::Json,
        id: MethodId::DeleteWebhook,
    },
    Method {
        name: n("CheckWebhook", "ПроверитьWebhook"),
        params: &[TOKEN, CERTIFICATE],
        returns: Returns::Json,
        id: MethodId::CheckWebhook,
    },
    Method {
        name: n("SendTelegram", "ОтправитьTelegram"),
        params: &[
            TOKEN,
            req("ChatId", "ИдентификаторЧата", Kind::StringOrNumber),
            req("Text", "Текст", Kind::String),
            OPTIONS,
        ],
        returns: Returns::Json,
        id: MethodId::SendTelegram,
    },
    Method {
        name: n("CallTelegram", "ВызватьTelegram"),
        params: &[TOKEN, req("Method", "Метод", Kind::String), OPTIONS],
        returns: Returns::Json,
        id: MethodId::CallTelegram,
    },
    Method {
        name: n("SendTelegramFile", "ОтправитьФайлTelegram"),
        params: &[
            TOKEN,
            req("ChatId", "ИдентификаторЧата", Kind::StringOrNumber),
            req("File", "Файл", Kind::File),
            opt(
                "FileName",
                "ИмяФайла",
                Kind::String,
                DefaultValue::EmptyString,
            ),
            OPTIONS,
        ],
        returns: Returns::Json,
        id: MethodId::SendTelegramFile,
    },
    Method {
        name: n("DownloadTelegramFile", "СкачатьФайлTelegram"),
        params: &[TOKEN, req("FileId", "ИдентификаторФайла", Kind::String)],
        returns: Returns::Binary,
        id: MethodId::DownloadTelegramFile,
    },
    Method {
        name: n("GetTelegramUpdates", "ПолучитьОбновленияTelegram"),
        params: &[
            TOKEN,
            opt("Offset", "Смещение", Kind::Number, DefaultValue::Zero),
            opt(
                "TimeoutSeconds",
                "ТаймаутСекунд",
                Kind::Number,
                DefaultValue::Zero,
            ),
            OPTIONS,
        ],
        returns: Returns::Json,
        id: MethodId::GetTelegramUpdates,
    },
    Method {
        name: n("SendXmpp", "ОтправитьXMPP"),
        params: &[
            req("JID", "JID", Kind::String),
            req("Password", "Пароль", Kind::String),
            req("Recipient", "Получатель", Kind::String),
            req("Text", "Текст", Kind::String),
            OPTIONS,
        ],
        returns: Returns::Json,
        id: MethodId::SendXmpp,
    },
    Method {
        name: n("XmppConnect", "ПодключитьXMPP"),
        params: &[
            req("JID", "JID", Kind::String),
            req("Password", "Пароль", Kind::String),
            OPTIONS,
        ],
        returns: Returns::Json,
        id: MethodId::XmppConnect,
    },
    Method {
        name: n("XmppSend", "ОтправитьXMPPСообщение"),
        params: &[
            req("Recipient", "Получатель", Kind::String),
            req("Text", "Текст", Kind::String),
            OPTIONS,
        ],
        returns: Returns::Json,
        id: MethodId::XmppSend,
    },
    Method {
        name: n("XmppReceive", "ПолучитьXMPPСообщения"),
        params: &[opt(
            "TimeoutSeconds",
            "ТаймаутСекунд",
            Kind::Number,
            DefaultValue::Zero,
        )],
        returns: Returns::Json,
        id: MethodId::XmppReceive,
    },
    Method {
        name: n("XmppDisconnect", "ОтключитьXMPP"),
        params: &[],
        returns: Returns::Boolean,
        id: MethodId::XmppDisconnect,
    },
    Method {
        name: n("XmppSendStatus", "СостояниеXMPPОтправки"),
        params: &[opt(
            "Ids",
            "Идентификаторы",
            Kind::String,
            DefaultValue::EmptyString,
        )],
        returns: Returns::Json,
        id: MethodId::XmppSendStatus,
    },
    Method {
        name: n("SendXmppFile", "ОтправитьФайлXMPP"),
        params: &[
            req("JID", "JID", Kind::String),
            req("Password", "Пароль", Kind::String),
            req("Recipient", "Получатель", Kind::String),
            req("File", "Файл", Kind::LocalFile),
            opt(
                "FileName",
                "ИмяФайла",
                Kind::String,
                DefaultValue::EmptyString,
            ),
            OPTIONS,
        ],
        returns: Returns::Json,
        id: MethodId::SendXmppFile,
    },
    Method {
        name: n("XmppSendFile", "ОтправитьXMPPФайл"),
        params: &[
            req("Recipient", "Получатель", Kind::String),
            req("File", "Файл", Kind::LocalFile),
            opt(
                "FileName",
                "ИмяФайла",
                Kind::String,
                DefaultValue::EmptyString,
            ),
            OPTIONS,
        ],
        returns: Returns::Json,
        id: MethodId::XmppSendFile,
    },
    Method {
        name: n("XmppRoster", "ПолучитьXMPPКонтакты"),
        params: &[],
        returns: Returns::Json,
        id: MethodId::XmppRoster,
    },
];

/// Diagnostic members for the test host: a panic on purpose, an echo of any value, and a burst
/// of external events from a background thread. Listed after the real methods and found only
/// when the environment variable MESSENGER_TEST_PROBES is 1 when the object is created.
pub static PROBES: &[Method] = &[
    Method {
        name: n("__ProbePanic", "__ПробаПаники"),
        params: &[],
        returns: Returns::Any,
        id: MethodId::ProbePanic,
    },
    Method {
        name: n("__ProbeEcho", "__ПробаЭхо"),
        params: &[Param {
            name: n("Value", "Значение"),
            kind: Kind::String,
            default: None,
        }],
        returns: Returns::Any,
        id: MethodId::ProbeEcho,
    },
    Method {
        name: n("__ProbeEvents", "__ПробаСобытий"),
        params: &[req("Count", "Количество", Kind::Number)],
        returns: Returns::Boolean,
        id: MethodId::ProbeEvents,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_in_any_case_in_both_languages() {
        let m = &METHODS[10].name;
        for s in [
            "SendXmpp",
            "sendxmpp",
            "SENDXMPP",
            "ОтправитьXMPP",
            "отправитьxmpp",
            "ОТПРАВИТЬXMPP",
        ] {
            assert!(m.matches(s), "{s}");
        }
        assert!(!m.matches("SendXmp"));
        assert!(!m.matches(""));
    }

    #[test]
    fn every_name_is_unique_and_defaults_are_trailing() {
        let mut seen = std::collections::HashSet::new();
        for name in METHODS
            .iter()
            .chain(PROBES)
            .map(|m| m.name)
            .chain(PROPERTIES.iter().map(|p| p.name))
        {
            assert!(seen.insert(name.en.to_lowercase()), "{}", name.en);
            assert!(
                seen.insert(name.ru.to_lowercase()) || name.ru == name.en,
                "{}",
                name.ru
            );
        }
        for m in METHODS {
            let first_default = m.required();
            assert!(
                m.params[first_default..]
                    .iter()
                    .all(|p| p.default.is_some()),
                "{}",
                m.name.en
            );
        }
    }
}
