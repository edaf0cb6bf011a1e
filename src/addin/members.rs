//! The member table of docs/en/reference.md: every property and method with its English (alias 0) and
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
    /// The longest String the parameter takes, in characters ([`limit`]); a longer one is a
    /// mistake in the 1C code (a file read into a chat id), refused before any work with the
    /// limit in the message. [`limit::NONE`] for a Number or Boolean parameter.
    pub max_chars: usize,
}

/// The longest String each kind of parameter can sensibly hold, in characters. Every parameter
/// names one in the table below (the constructors require it), so a new parameter cannot fall
/// back to a default nobody chose.
pub mod limit {
    /// A Number or Boolean parameter: no String is taken.
    pub const NONE: usize = 0;
    /// A bot token, a chat id, a Bot API method name: tens of characters.
    pub const ID: usize = 256;
    /// A Telegram file_id, a certificate's common name, a file name, a password.
    pub const NAME: usize = 1024;
    /// A JID (RFC 7622: three parts of at most 1023 bytes and their separators).
    pub const JID: usize = 3071;
    /// An http(s) URL.
    pub const URL: usize = 8192;
    /// A local path (or, for a Telegram file, a URL or a file_id).
    pub const PATH: usize = crate::fsio::MAX_PATH_BYTES;
    /// A Telegram message: the Bot API takes 4096 characters once the markup is parsed; eight
    /// times that leaves room for any HTML or Markdown markup around them.
    pub const TELEGRAM_TEXT: usize = 8 * 4096;
    /// An XMPP message: servers close the stream on a stanza past their limit (Prosody's
    /// c2s_stanza_size_limit and ejabberd's usual max_stanza_size are 256 KiB).
    pub const XMPP_TEXT: usize = 256 * 1024;
    /// Message ids, comma-separated: thousands of them.
    pub const IDS: usize = 256 * 1024;
    /// PEM text or a path; a certificate file itself is capped at the same size.
    pub const CERTIFICATE: usize = 256 * 1024;
    /// TrustedCertificates: PEM text of hundreds of certificates.
    pub const TRUSTED_CERTIFICATES: usize = 1024 * 1024;
    /// The options JSON (CallTelegram passes whole Bot API requests in it).
    pub const OPTIONS: usize = 1024 * 1024;
    /// The largest of all the limits above (and of the properties' limits): the platform's
    /// strings are measured against it before they are decoded, so that a 100 MB string is
    /// never copied only to be refused.
    pub const LONGEST: usize = OPTIONS;
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
    /// The longest String a writable String property takes, in characters ([`limit`]);
    /// [`limit::NONE`] for the others.
    pub max_chars: usize,
}

const fn n(en: &'static str, ru: &'static str) -> Name {
    Name { en, ru }
}

const fn req(en: &'static str, ru: &'static str, kind: Kind, max_chars: usize) -> Param {
    Param {
        name: n(en, ru),
        kind,
        default: None,
        max_chars,
    }
}

const fn opt(
    en: &'static str,
    ru: &'static str,
    kind: Kind,
    default: DefaultValue,
    max_chars: usize,
) -> Param {
    Param {
        name: n(en, ru),
        kind,
        default: Some(default),
        max_chars,
    }
}

const TOKEN: Param = req("Token", "Токен", Kind::String, limit::ID);
const CHAT_ID: Param = req(
    "ChatId",
    "ИдентификаторЧата",
    Kind::StringOrNumber,
    limit::ID,
);
const OPTIONS: Param = opt(
    "Options",
    "Параметры",
    Kind::JsonObject,
    DefaultValue::EmptyString,
    limit::OPTIONS,
);
const CERTIFICATE: Param = opt(
    "Certificate",
    "Сертификат",
    Kind::String,
    DefaultValue::EmptyString,
    limit::CERTIFICATE,
);
const FILE_NAME: Param = opt(
    "FileName",
    "ИмяФайла",
    Kind::String,
    DefaultValue::EmptyString,
    limit::NAME,
);
const JID: Param = req("JID", "JID", Kind::String, limit::JID);
const PASSWORD: Param = req("Password", "Пароль", Kind::String, limit::NAME);
const RECIPIENT: Param = req("Recipient", "Получатель", Kind::String, limit::JID);
const XMPP_TEXT: Param = req("Text", "Текст", Kind::String, limit::XMPP_TEXT);
const LOCAL_FILE: Param = req("File", "Файл", Kind::LocalFile, limit::PATH);
const TIMEOUT_SECONDS: Param = opt(
    "TimeoutSeconds",
    "ТаймаутСекунд",
    Kind::Number,
    DefaultValue::Zero,
    limit::NONE,
);

pub static PROPERTIES: &[Property] = &[
    Property {
        name: n("Version", "Версия"),
        kind: Kind::String,
        writable: false,
        id: PropId::Version,
        max_chars: limit::NONE,
    },
    Property {
        name: n("LastError", "ПоследняяОшибка"),
        kind: Kind::String,
        writable: false,
        id: PropId::LastError,
        max_chars: limit::NONE,
    },
    Property {
        name: n("Timeout", "Таймаут"),
        kind: Kind::Number,
        writable: true,
        id: PropId::Timeout,
        max_chars: limit::NONE,
    },
    Property {
        name: n("Proxy", "Прокси"),
        kind: Kind::String,
        writable: true,
        id: PropId::Proxy,
        max_chars: limit::URL,
    },
    Property {
        name: n("TelegramApiUrl", "АдресTelegramAPI"),
        kind: Kind::String,
        writable: true,
        id: PropId::TelegramApiUrl,
        max_chars: limit::URL,
    },
    Property {
        name: n("TrustedCertificates", "ДоверенныеСертификаты"),
        kind: Kind::String,
        writable: true,
        id: PropId::TrustedCertificates,
        max_chars: limit::TRUSTED_CERTIFICATES,
    },
    Property {
        name: n("ThrowErrors", "ВызыватьИсключения"),
        kind: Kind::Boolean,
        writable: true,
        id: PropId::ThrowErrors,
        max_chars: limit::NONE,
    },
];

pub static METHODS: &[Method] = &[
    Method {
        name: n("MakeCert", "СоздатьСертификат"),
        params: &[
            req("CommonName", "ОбщееИмя", Kind::String, limit::NAME),
            req("Directory", "Каталог", Kind::String, limit::PATH),
            req("PfxPassword", "ПарольPFX", Kind::String, limit::NAME),
            OPTIONS,
        ],
        returns: Returns::Json,
        id: MethodId::MakeCert,
    },
    Method {
        name: n("SetWebhook", "УстановитьWebhook"),
        params: &[
            TOKEN,
            req("URL", "URL", Kind::String, limit::URL),
            CERTIFICATE,
            OPTIONS,
        ],
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
                limit::NONE,
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
            CHAT_ID,
            req("Text", "Текст", Kind::String, limit::TELEGRAM_TEXT),
            OPTIONS,
        ],
        returns: Returns::Json,
        id: MethodId::SendTelegram,
    },
    Method {
        name: n("CallTelegram", "ВызватьTelegram"),
        params: &[
            TOKEN,
            req("Method", "Метод", Kind::String, limit::ID),
            OPTIONS,
        ],
        returns: Returns::Json,
        id: MethodId::CallTelegram,
    },
    Method {
        name: n("SendTelegramFile", "ОтправитьФайлTelegram"),
        params: &[
            TOKEN,
            CHAT_ID,
            req("File", "Файл", Kind::File, limit::PATH),
            FILE_NAME,
            OPTIONS,
        ],
        returns: Returns::Json,
        id: MethodId::SendTelegramFile,
    },
    Method {
        name: n("DownloadTelegramFile", "СкачатьФайлTelegram"),
        params: &[
            TOKEN,
            req("FileId", "ИдентификаторФайла", Kind::String, limit::NAME),
        ],
        returns: Returns::Binary,
        id: MethodId::DownloadTelegramFile,
    },
    Method {
        name: n("GetTelegramUpdates", "ПолучитьОбновленияTelegram"),
        params: &[
            TOKEN,
            opt(
                "Offset",
                "Смещение",
                Kind::Number,
                DefaultValue::Zero,
                limit::NONE,
            ),
            TIMEOUT_SECONDS,
            OPTIONS,
        ],
        returns: Returns::Json,
        id: MethodId::GetTelegramUpdates,
    },
    Method {
        name: n("SendXmpp", "ОтправитьXMPP"),
        params: &[JID, PASSWORD, RECIPIENT, XMPP_TEXT, OPTIONS],
        returns: Returns::Json,
        id: MethodId::SendXmpp,
    },
    Method {
        name: n("XmppConnect", "ПодключитьXMPP"),
        params: &[JID, PASSWORD, OPTIONS],
        returns: Returns::Json,
        id: MethodId::XmppConnect,
    },
    Method {
        name: n("XmppSend", "ОтправитьXMPPСообщение"),
        params: &[RECIPIENT, XMPP_TEXT, OPTIONS],
        returns: Returns::Json,
        id: MethodId::XmppSend,
    },
    Method {
        name: n("XmppReceive", "ПолучитьXMPPСообщения"),
        params: &[TIMEOUT_SECONDS],
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
            limit::IDS,
        )],
        returns: Returns::Json,
        id: MethodId::XmppSendStatus,
    },
    Method {
        name: n("SendXmppFile", "ОтправитьФайлXMPP"),
        params: &[JID, PASSWORD, RECIPIENT, LOCAL_FILE, FILE_NAME, OPTIONS],
        returns: Returns::Json,
        id: MethodId::SendXmppFile,
    },
    Method {
        name: n("XmppSendFile", "ОтправитьXMPPФайл"),
        params: &[RECIPIENT, LOCAL_FILE, FILE_NAME, OPTIONS],
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
        params: &[req("Value", "Значение", Kind::String, limit::LONGEST)],
        returns: Returns::Any,
        id: MethodId::ProbeEcho,
    },
    Method {
        name: n("__ProbeEvents", "__ПробаСобытий"),
        params: &[req("Count", "Количество", Kind::Number, limit::NONE)],
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

    #[test]
    fn every_parameter_has_a_limit_within_the_longest() {
        for m in METHODS.iter().chain(PROBES) {
            for p in m.params {
                let takes_text = !matches!(p.kind, Kind::Number | Kind::Boolean);
                assert_eq!(
                    p.max_chars > 0,
                    takes_text,
                    "{} {}: a String parameter needs a limit, no other one has",
                    m.name.en,
                    p.name.en
                );
                assert!(p.max_chars <= limit::LONGEST, "{} {}", m.name.en, p.name.en);
            }
        }
        for p in PROPERTIES {
            let takes_text = p.writable && p.kind == Kind::String;
            assert_eq!(p.max_chars > 0, takes_text, "{}", p.name.en);
            assert!(p.max_chars <= limit::LONGEST, "{}", p.name.en);
        }
        // LONGEST is one of the limits, not a number beside them.
        let largest = METHODS
            .iter()
            .chain(PROBES)
            .flat_map(|m| m.params)
            .map(|p| p.max_chars)
            .max();
        assert_eq!(largest, Some(limit::LONGEST));
    }
}
