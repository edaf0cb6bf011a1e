//! The settings a protocol error may point at, without their 1C names.
//!
//! The protocol modules know nothing of 1C: a message says "add its certificate to the trusted
//! certificates", and the error tells which setting that is ([`crate::i18n::Localized::settings`]).
//! The face in front of the library names it: the add-in as the property (`ДоверенныеСертификаты`),
//! the command line as its flag (`--trusted`). The calls and parameters a message sends the reader
//! to ([`Term`]) are named the same way, through [`Names`].

use crate::i18n::Lang;

/// A setting every network call is made with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Setting {
    /// How long one call may take.
    Timeout,
    /// The proxy traffic goes through.
    Proxy,
    /// Certificates trusted in addition to the system roots.
    TrustedCertificates,
    /// The Bot API base address.
    TelegramApiUrl,
}

/// A call or a parameter of the face in front of the library that a protocol message sends the
/// reader to ("set the webhook again", "the options"). Like a [`Setting`], the message says it
/// in plain words and the face names it: the add-in as its method or parameter
/// (`УстановитьWebhook`, `Параметры`), the command line as its command or flag
/// (`messenger telegram set-webhook`, `--options`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Term {
    /// The call that sets the Telegram webhook.
    SetWebhook,
    /// The call that deletes the Telegram webhook (polling needs it gone).
    DeleteWebhook,
    /// The call that opens an XMPP session (the session calls need one).
    XmppConnect,
    /// The JSON object of extra options a call takes besides its own arguments.
    Options,
}

/// How the face in front of the library names the settings and terms a message refers to.
pub trait Names {
    /// The setting's name (a property, a flag).
    fn setting(&self, setting: Setting, lang: Lang) -> String;
    /// The term's name (a method or a parameter, a command or a flag); empty when the face has
    /// no name for it, and the plain words stand alone.
    fn term(&self, term: Term, lang: Lang) -> String;
}

/// The library's own names, for `Display`, logs and Rust callers: the Bot API's method name
/// for a call, nothing for the options (the plain words suffice), English words for settings.
#[derive(Debug, Clone, Copy, Default)]
pub struct Plain;

impl Names for Plain {
    fn setting(&self, setting: Setting, lang: Lang) -> String {
        match (setting, lang) {
            (Setting::Timeout, Lang::En) => "timeout",
            (Setting::Timeout, Lang::Ru) => "тайм-аут",
            (Setting::Proxy, Lang::En) => "proxy",
            (Setting::Proxy, Lang::Ru) => "прокси",
            (Setting::TrustedCertificates, Lang::En) => "trusted certificates",
            (Setting::TrustedCertificates, Lang::Ru) => "доверенные сертификаты",
            (Setting::TelegramApiUrl, Lang::En) => "Telegram API address",
            (Setting::TelegramApiUrl, Lang::Ru) => "адрес Telegram API",
        }
        .to_owned()
    }

    fn term(&self, term: Term, _lang: Lang) -> String {
        match term {
            Term::SetWebhook => "setWebhook".to_owned(),
            Term::DeleteWebhook => "deleteWebhook".to_owned(),
            Term::Options | Term::XmppConnect => String::new(),
        }
    }
}

/// ` (name)`: the face's name for `term` in brackets after the plain words that say it, or
/// nothing when the face has none.
pub fn mention(names: &dyn Names, term: Term, lang: Lang) -> String {
    match names.term(term, lang) {
        name if name.is_empty() => String::new(),
        name => format!(" ({name})"),
    }
}
