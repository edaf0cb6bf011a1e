//! Why `make_cert` refused or failed. Every variant says in both languages what to change; none
//! of them carries the PFX password or key material.

use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::i18n::{Lang, Localized};

pub(crate) use crate::i18n::clip;

/// A field of the certificate request, named in messages as the caller named it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Field {
    /// The common name (`ОбщееИмя`, `--cn`).
    CommonName,
    /// `country` (C).
    Country,
    /// `state` (ST).
    State,
    /// `locality` (L).
    Locality,
    /// `organization` (O).
    Organization,
    /// `unit` (OU).
    Unit,
    /// `email` (emailAddress).
    Email,
    /// `alt_names[index]`, counted from 0 as in the JSON array.
    AltName(usize),
}

impl Field {
    fn name(self, lang: Lang) -> String {
        match (self, lang) {
            (Field::CommonName, Lang::Ru) => "общее имя (CN)".to_owned(),
            (Field::CommonName, Lang::En) => "common name (CN)".to_owned(),
            (Field::Country, Lang::Ru) => "страна (country, C)".to_owned(),
            (Field::Country, Lang::En) => "country (C)".to_owned(),
            (Field::State, Lang::Ru) => "регион (state, ST)".to_owned(),
            (Field::State, Lang::En) => "state (ST)".to_owned(),
            (Field::Locality, Lang::Ru) => "населённый пункт (locality, L)".to_owned(),
            (Field::Locality, Lang::En) => "locality (L)".to_owned(),
            (Field::Organization, Lang::Ru) => "организация (organization, O)".to_owned(),
            (Field::Organization, Lang::En) => "organization (O)".to_owned(),
            (Field::Unit, Lang::Ru) => "подразделение (unit, OU)".to_owned(),
            (Field::Unit, Lang::En) => "unit (OU)".to_owned(),
            (Field::Email, _) => "email (emailAddress)".to_owned(),
            (Field::AltName(i), Lang::Ru) => format!("дополнительное имя alt_names[{i}]"),
            (Field::AltName(i), Lang::En) => format!("alt_names[{i}]"),
        }
    }
}

/// What is wrong with a DNS name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DnsNameProblem {
    /// Longer than 253 characters in its ASCII (punycode) form.
    TooLong,
    /// Two dots in a row, or a dot at the start or the end.
    EmptyLabel,
    /// A label (part between dots) longer than 63 characters.
    LabelTooLong,
    /// A character other than a Latin letter, a digit, `-` or `.` (a `*` only as the whole
    /// leftmost label).
    BadCharacter(char),
    /// A label starts or ends with `-`.
    HyphenAtEdge,
    /// A non-ASCII name that IDNA cannot turn into punycode.
    Idna,
}

impl DnsNameProblem {
    fn describe(self, lang: Lang) -> String {
        match (self, lang) {
            (DnsNameProblem::TooLong, Lang::Ru) => "длиннее 253 символов".to_owned(),
            (DnsNameProblem::TooLong, Lang::En) => "longer than 253 characters".to_owned(),
            (DnsNameProblem::EmptyLabel, Lang::Ru) => {
                "пустая часть между точками (две точки подряд, точка в начале или в конце)"
                    .to_owned()
            }
            (DnsNameProblem::EmptyLabel, Lang::En) => {
                "an empty label (two dots in a row, or a dot at the start or the end)".to_owned()
            }
            (DnsNameProblem::LabelTooLong, Lang::Ru) => {
                "часть между точками длиннее 63 символов".to_owned()
            }
            (DnsNameProblem::LabelTooLong, Lang::En) => {
                "a label longer than 63 characters".to_owned()
            }
            (DnsNameProblem::BadCharacter(c), Lang::Ru) => format!(
                "недопустимый символ {c:?}: разрешены латинские буквы, цифры, дефис и точка \
                 (звёздочка — только как первая часть *.домен)"
            ),
            (DnsNameProblem::BadCharacter(c), Lang::En) => format!(
                "character {c:?} is not allowed: use Latin letters, digits, '-' and '.' \
                 ('*' only as the whole first label, *.domain)"
            ),
            (DnsNameProblem::HyphenAtEdge, Lang::Ru) => {
                "часть имени начинается или заканчивается дефисом".to_owned()
            }
            (DnsNameProblem::HyphenAtEdge, Lang::En) => {
                "a label starts or ends with '-'".to_owned()
            }
            (DnsNameProblem::Idna, Lang::Ru) => {
                "имя с национальными символами не переводится в punycode (IDNA)".to_owned()
            }
            (DnsNameProblem::Idna, Lang::En) => {
                "the internationalized name cannot be converted to punycode (IDNA)".to_owned()
            }
        }
    }
}

/// What is wrong with the base name of the files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BasenameProblem {
    /// Empty (or only spaces).
    Empty,
    /// Longer than [`super::MAX_BASENAME_CHARS`] characters.
    TooLong,
    /// A path separator, a control character or a character Windows forbids in file names.
    BadCharacter(char),
    /// `.`/`..`, a name ending with a dot or a space, or a reserved Windows device name (`CON`,
    /// `NUL`, `COM1`…), none of which names an ordinary file everywhere.
    Reserved,
}

/// Why a certificate was not made. A `value` field holds what the caller gave, cut after 64
/// characters.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The options JSON is not an object of the known options (an unknown name such as `dayz`,
    /// a wrong type, broken JSON).
    InvalidOptions {
        /// What is wrong and where (in our words; the options carry no secret anyway).
        reason: crate::reason::JsonReason,
    },
    /// The common name is empty.
    EmptyCommonName,
    /// A subject field is longer than its RFC 5280 upper bound (counted in characters).
    FieldTooLong {
        field: Field,
        length: usize,
        max: usize,
    },
    /// A subject field holds a control character (a line break, a tab, NUL…).
    ControlCharacter { field: Field },
    /// `country` is not exactly two Latin letters (an ISO 3166 code such as `RU`).
    InvalidCountry { value: String },
    /// `email` is not an ASCII address of the form `name@domain`.
    InvalidEmail { value: String },
    /// The value looks like an IP address (digits and dots, or has a colon) but is not a
    /// valid IPv4 or IPv6 address: `300.1.1.1`, `1.2.3`, `[::1]`, `fe80::1%eth0`.
    InvalidIp { field: Field, value: String },
    /// The value is not a valid DNS name.
    InvalidDnsName {
        field: Field,
        value: String,
        problem: DnsNameProblem,
    },
    /// The CN is an IP address and `alt_names` has a DNS name. Telegram checks the host of an
    /// IP webhook URL the way `X509_check_host` does: any DNS entry in subjectAltName turns the
    /// CN off, and an IP address never equals a DNS name, so the certificate would be refused
    /// although the CN is right.
    DnsAltNameWithIpCommonName { index: usize, value: String },
    /// More than [`super::MAX_ALT_NAMES`] entries in `alt_names`.
    TooManyAltNames { count: usize, max: usize },
    /// `days` is outside 1..=3650.
    DaysOutOfRange { days: u32 },
    /// `key` is none of `rsa2048`, `rsa3072`, `rsa4096`, `ecdsa-p256`.
    UnknownKeyType { value: String },
    /// `basename` cannot name the three files.
    InvalidBasename {
        value: String,
        problem: BasenameProblem,
    },
    /// The PFX password is empty: Windows and OpenSSL disagree about empty PKCS#12 passwords
    /// (empty vs absent), so such a file may not import.
    EmptyPfxPassword,
    /// The PFX password has a character outside the Basic Multilingual Plane (an emoji…), which
    /// PKCS#12 passwords (BMPString) cannot hold.
    PfxPasswordCharacter,
    /// A file to be written already exists and `overwrite` is not true.
    FileExists { path: PathBuf },
    /// The directory cannot be created, or a path on the way is a file.
    CreateDirectory { path: PathBuf, source: io::Error },
    /// The directory path is longer than any file system takes: refused before any work.
    DirectoryTooLong { length: usize, limit: usize },
    /// A file cannot be written (or moved into place) in the directory.
    WriteFile { path: PathBuf, source: io::Error },
    /// The operating system's random number generator failed.
    Random { reason: String },
    /// Key generation failed (an internal error of the crypto library).
    KeyGeneration { reason: String },
    /// The certificate or the PFX could not be encoded (an internal error of a library).
    Encoding { reason: String },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::CreateDirectory { source, .. } | Error::WriteFile { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl Localized for Error {
    fn code(&self) -> &'static str {
        match self {
            Error::InvalidOptions { .. } => "CERT_OPTIONS_INVALID",
            Error::EmptyCommonName => "CERT_CN_EMPTY",
            Error::FieldTooLong { field, .. } => match field {
                Field::CommonName => "CERT_CN_TOO_LONG",
                Field::Country => "CERT_COUNTRY_INVALID",
                Field::State => "CERT_STATE_TOO_LONG",
                Field::Locality => "CERT_LOCALITY_TOO_LONG",
                Field::Organization => "CERT_ORGANIZATION_TOO_LONG",
                Field::Unit => "CERT_UNIT_TOO_LONG",
                Field::Email => "CERT_EMAIL_TOO_LONG",
                Field::AltName(_) => "CERT_ALT_NAME_TOO_LONG",
            },
            Error::ControlCharacter { .. } => "CERT_FIELD_CONTROL_CHARACTER",
            Error::InvalidCountry { .. } => "CERT_COUNTRY_INVALID",
            Error::InvalidEmail { .. } => "CERT_EMAIL_INVALID",
            Error::InvalidIp { .. } => "CERT_IP_INVALID",
            Error::InvalidDnsName { .. } => "CERT_DNS_NAME_INVALID",
            Error::DnsAltNameWithIpCommonName { .. } => "CERT_DNS_ALT_NAME_WITH_IP_CN",
            Error::TooManyAltNames { .. } => "CERT_ALT_NAMES_TOO_MANY",
            Error::DaysOutOfRange { .. } => "CERT_DAYS_OUT_OF_RANGE",
            Error::UnknownKeyType { .. } => "CERT_KEY_TYPE_UNKNOWN",
            Error::InvalidBasename { .. } => "CERT_BASENAME_INVALID",
            Error::EmptyPfxPassword => "CERT_PFX_PASSWORD_EMPTY",
            Error::PfxPasswordCharacter => "CERT_PFX_PASSWORD_INVALID",
            Error::FileExists { .. } => "CERT_FILE_EXISTS",
            Error::CreateDirectory { .. } => "CERT_DIRECTORY_UNUSABLE",
            Error::DirectoryTooLong { .. } => "CERT_DIRECTORY_TOO_LONG",
            Error::WriteFile { .. } => "CERT_FILE_WRITE_FAILED",
            Error::Random { .. } => "CERT_RANDOM_UNAVAILABLE",
            Error::KeyGeneration { .. } => "CERT_KEY_GENERATION_FAILED",
            Error::Encoding { .. } => "CERT_ENCODING_FAILED",
        }
    }

    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (Error::InvalidOptions { reason }, Lang::Ru) => format!(
                "неверные параметры (JSON): {}. Допустимы: days, key, country, state, \
                 locality, organization, unit, email, alt_names, basename, overwrite",
                reason.text(lang)
            ),
            (Error::InvalidOptions { reason }, Lang::En) => format!(
                "invalid options (JSON): {}. Known options: days, key, country, state, \
                 locality, organization, unit, email, alt_names, basename, overwrite",
                reason.text(lang)
            ),
            (Error::EmptyCommonName, Lang::Ru) => {
                "не задано общее имя (CN): укажите IP-адрес или доменное имя сервера, как в \
                 адресе публикации"
                    .to_owned()
            }
            (Error::EmptyCommonName, Lang::En) => {
                "the common name (CN) is empty: give the server's IP address or domain name, \
                 as in the publication URL"
                    .to_owned()
            }
            (Error::FieldTooLong { field, length, max }, Lang::Ru) => format!(
                "{} длиннее допустимого: {length} символов, а можно не больше {max} \
                 (RFC 5280). Сократите значение",
                field.name(lang)
            ),
            (Error::FieldTooLong { field, length, max }, Lang::En) => format!(
                "{} is too long: {length} characters, at most {max} allowed (RFC 5280). \
                 Shorten it",
                field.name(lang)
            ),
            (Error::ControlCharacter { field }, Lang::Ru) => format!(
                "{} содержит управляющий символ (перевод строки, табуляцию…). Уберите его",
                field.name(lang)
            ),
            (Error::ControlCharacter { field }, Lang::En) => format!(
                "{} contains a control character (a line break, a tab…). Remove it",
                field.name(lang)
            ),
            (Error::InvalidCountry { value }, Lang::Ru) => format!(
                "страна (country) {value:?} должна быть двухбуквенным кодом ISO 3166 \
                 латиницей, например RU"
            ),
            (Error::InvalidCountry { value }, Lang::En) => format!(
                "country {value:?} must be a two-letter ISO 3166 code in Latin letters, \
                 such as RU"
            ),
            (Error::InvalidEmail { value }, Lang::Ru) => format!(
                "email {value:?} не похож на адрес вида имя@домен из латинских символов \
                 (в сертификате он хранится как IA5String, только ASCII)"
            ),
            (Error::InvalidEmail { value }, Lang::En) => format!(
                "email {value:?} is not an address of the form name@domain in ASCII \
                 (a certificate stores it as an IA5String)"
            ),
            (Error::InvalidIp { field, value }, Lang::Ru) => format!(
                "{}: {value:?} — неверный IP-адрес. Укажите IPv4 как 203.0.113.7 (четыре \
                 числа 0–255) или IPv6 как 2001:db8::1, без скобок, порта и зоны",
                field.name(lang)
            ),
            (Error::InvalidIp { field, value }, Lang::En) => format!(
                "{}: {value:?} is not a valid IP address. Write IPv4 as 203.0.113.7 (four \
                 numbers 0-255) or IPv6 as 2001:db8::1, without brackets, port or zone",
                field.name(lang)
            ),
            (
                Error::InvalidDnsName {
                    field,
                    value,
                    problem,
                },
                _,
            ) => match lang {
                Lang::Ru => format!(
                    "{}: {value:?} — неверное доменное имя: {}. Укажите имя хоста, как в \
                     адресе публикации, без схемы, порта и пути",
                    field.name(lang),
                    problem.describe(lang)
                ),
                Lang::En => format!(
                    "{}: {value:?} is not a valid DNS name: {}. Give the host name as in the \
                     publication URL, without scheme, port or path",
                    field.name(lang),
                    problem.describe(lang)
                ),
            },
            (Error::DnsAltNameWithIpCommonName { index, value }, Lang::Ru) => format!(
                "общее имя — IP-адрес, а в alt_names[{index}] доменное имя {value:?}. С таким \
                 сертификатом Telegram (и любая проверка имени хоста в OpenSSL) отвергнет \
                 адрес по IP, хотя CN верен. Сделайте для доменного имени отдельный \
                 сертификат или укажите его общим именем; в alt_names к IP-адресу можно \
                 добавлять только IP-адреса"
            ),
            (Error::DnsAltNameWithIpCommonName { index, value }, Lang::En) => format!(
                "the common name is an IP address but alt_names[{index}] is the DNS name \
                 {value:?}. Telegram (like any OpenSSL host name check) would then refuse the \
                 certificate for the IP address although the CN is right. Make a separate \
                 certificate for the DNS name, or make it the common name; next to an IP \
                 common name, alt_names may hold IP addresses only"
            ),
            (Error::TooManyAltNames { count, max }, Lang::Ru) => format!(
                "слишком много дополнительных имён alt_names: {count}, допустимо не больше {max}"
            ),
            (Error::TooManyAltNames { count, max }, Lang::En) => {
                format!("too many alt_names: {count}, at most {max} allowed")
            }
            (Error::DaysOutOfRange { days }, Lang::Ru) => format!(
                "срок действия days = {days} вне допустимого диапазона: укажите от 1 до 3650 дней"
            ),
            (Error::DaysOutOfRange { days }, Lang::En) => {
                format!("days = {days} is out of range: give 1 to 3650 days")
            }
            (Error::UnknownKeyType { value }, Lang::Ru) => format!(
                "неизвестный тип ключа key = {value:?}. Допустимы: rsa2048 (по умолчанию), \
                 rsa3072, rsa4096, ecdsa-p256"
            ),
            (Error::UnknownKeyType { value }, Lang::En) => format!(
                "unknown key type key = {value:?}. Use rsa2048 (the default), rsa3072, \
                 rsa4096 or ecdsa-p256"
            ),
            (Error::InvalidBasename { value, problem }, Lang::Ru) => {
                let why = match problem {
                    BasenameProblem::Empty => "пустое".to_owned(),
                    BasenameProblem::TooLong => {
                        format!("длиннее {} символов", super::MAX_BASENAME_CHARS)
                    }
                    BasenameProblem::BadCharacter(c) => format!(
                        "недопустимый символ {c:?} (разделители пути, управляющие символы и \
                         <>:\"|?* не годятся)"
                    ),
                    BasenameProblem::Reserved => {
                        "зарезервированное имя (., .., CON, NUL, COM1…, или точка/пробел в конце)"
                            .to_owned()
                    }
                };
                format!(
                    "имя файлов basename = {value:?} не подходит: {why}. Укажите простое имя \
                     без каталога и расширения, например cert"
                )
            }
            (Error::InvalidBasename { value, problem }, Lang::En) => {
                let why = match problem {
                    BasenameProblem::Empty => "it is empty".to_owned(),
                    BasenameProblem::TooLong => {
                        format!("longer than {} characters", super::MAX_BASENAME_CHARS)
                    }
                    BasenameProblem::BadCharacter(c) => format!(
                        "character {c:?} is not allowed (path separators, control characters \
                         and <>:\"|?* are not)"
                    ),
                    BasenameProblem::Reserved => "a reserved name (., .., CON, NUL, COM1…, \
                                                  or a trailing dot or space)"
                        .to_owned(),
                };
                format!(
                    "basename = {value:?} cannot name the files: {why}. Give a plain name \
                     without directory or extension, such as cert"
                )
            }
            (Error::EmptyPfxPassword, Lang::Ru) => {
                "пароль PFX пустой. Задайте непустой пароль: файл .pfx с пустым паролем \
                 Windows и OpenSSL понимают по-разному, и IIS может его не импортировать"
                    .to_owned()
            }
            (Error::EmptyPfxPassword, Lang::En) => {
                "the PFX password is empty. Give a non-empty password: Windows and OpenSSL \
                 treat an empty PKCS#12 password differently, so IIS may fail to import the file"
                    .to_owned()
            }
            (Error::PfxPasswordCharacter, Lang::Ru) => {
                "пароль PFX содержит символ, который PKCS#12 не допускает (например, эмодзи). \
                 Используйте буквы, цифры и знаки препинания"
                    .to_owned()
            }
            (Error::PfxPasswordCharacter, Lang::En) => {
                "the PFX password contains a character PKCS#12 cannot hold (an emoji, say). \
                 Use letters, digits and punctuation"
                    .to_owned()
            }
            (Error::FileExists { path }, Lang::Ru) => format!(
                "файл {} уже существует. Укажите другой каталог или basename, либо \
                 разрешите перезапись параметром overwrite: true",
                clip(&path.to_string_lossy())
            ),
            (Error::FileExists { path }, Lang::En) => format!(
                "file {} already exists. Choose another directory or basename, or allow \
                 replacing it with the option overwrite: true",
                clip(&path.to_string_lossy())
            ),
            (Error::CreateDirectory { path, source }, Lang::Ru) => format!(
                "не удаётся создать или использовать каталог {}: {}. Укажите каталог, в \
                 который есть права записи",
                clip(&path.to_string_lossy()),
                crate::fsio::io_reason(source, lang)
            ),
            (Error::CreateDirectory { path, source }, Lang::En) => format!(
                "cannot create or use directory {}: {}. Give a directory you can write to",
                clip(&path.to_string_lossy()),
                crate::fsio::io_reason(source, lang)
            ),
            (Error::DirectoryTooLong { length, limit }, Lang::Ru) => {
                format!("путь к каталогу слишком длинный: {length} байт, предел {limit}")
            }
            (Error::DirectoryTooLong { length, limit }, Lang::En) => {
                format!("the directory path is too long: {length} bytes, the limit is {limit}")
            }
            (Error::WriteFile { path, source }, Lang::Ru) => format!(
                "не удаётся записать файл {}: {}. Ничего не записано; проверьте права и \
                 место на диске",
                clip(&path.to_string_lossy()),
                crate::fsio::io_reason(source, lang)
            ),
            (Error::WriteFile { path, source }, Lang::En) => format!(
                "cannot write file {}: {}. Nothing was written; check permissions and disk space",
                clip(&path.to_string_lossy()),
                crate::fsio::io_reason(source, lang)
            ),
            (Error::Random { reason }, Lang::Ru) => {
                format!("генератор случайных чисел системы недоступен: {reason}")
            }
            (Error::Random { reason }, Lang::En) => {
                format!("the system random number generator failed: {reason}")
            }
            (Error::KeyGeneration { reason }, Lang::Ru) => {
                format!("не удалось создать ключ: {reason}")
            }
            (Error::KeyGeneration { reason }, Lang::En) => {
                format!("key generation failed: {reason}")
            }
            (Error::Encoding { reason }, Lang::Ru) => {
                format!("не удалось сформировать сертификат или PFX: {reason}")
            }
            (Error::Encoding { reason }, Lang::En) => {
                format!("cannot encode the certificate or the PFX: {reason}")
            }
        }
    }
}
