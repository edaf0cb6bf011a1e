//! The `Messenger` object as 1C sees it: the member table, properties, argument conversion,
//! localized errors and dispatch to the protocol modules. Plain safe Rust: the FFI layer
//! ([`crate::ffi`]) decodes the platform's variants into [`Value`]s and calls in here.

mod args;
mod error;
mod members;
mod probes;
mod settings;
mod value;

mod cert;
mod telegram;
mod xmpp;

use std::sync::{Arc, OnceLock};

pub use args::Args;
pub use error::AddinError;
pub use members::{
    limit, Kind, Method, MethodId, Name, PropId, Property, Returns, METHODS, PROBES, PROPERTIES,
};
pub use value::{DateTime, Value, ValueKind};

use crate::i18n::{Lang, Localized};
use settings::Settings;

/// The name under which the object registers (RegisterExtensionAs) and its class name.
pub const CLASS_NAME: &str = "Messenger";

/// The environment variable that makes the diagnostic probe members findable.
pub const PROBES_ENV: &str = "MESSENGER_TEST_PROBES";

/// How the add-in raises external events (ОбработкаВнешнегоСобытия) from any thread; the FFI
/// layer implements it over the platform's connection and revokes it in Done.
pub trait EventSink: Send + Sync {
    /// Queues an event; false when the platform refused or is gone.
    fn external_event(&self, source: &str, event: &str, data: &str) -> bool;
    /// Raises the platform's event queue depth (its default, 1, drops bursts).
    fn set_event_buffer_depth(&self, depth: i32) -> bool;
}

/// How deep the platform's event queue is made at Init: enough for a burst of incoming
/// messages between two runs of the 1C event loop.
pub const EVENT_BUFFER_DEPTH: i32 = 1000;

/// Something wrong with the call itself rather than its arguments (a host bug, a panic).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InterfaceProblem {
    /// A result must be returned but setMemManager was never called.
    NoMemoryManager,
    /// The platform's memory manager refused an allocation.
    OutOfMemory,
    /// A pointer the call needs was null.
    NullPointer { what: &'static str },
    /// A negative parameter count.
    BadParameterCount { count: i64 },
    /// A member index that FindMethod/FindProp never returned.
    BadIndex { member: &'static str, index: i64 },
    /// A bug in the add-in: a panic caught at the boundary.
    Panic { message: String },
}

impl InterfaceProblem {
    fn code(&self) -> &'static str {
        match self {
            InterfaceProblem::NoMemoryManager => "HOST_NO_MEMORY_MANAGER",
            InterfaceProblem::OutOfMemory => "HOST_OUT_OF_MEMORY",
            InterfaceProblem::NullPointer { .. } => "HOST_NULL_POINTER",
            InterfaceProblem::BadParameterCount { .. } => "HOST_BAD_PARAM_COUNT",
            InterfaceProblem::BadIndex { .. } => "HOST_BAD_INDEX",
            InterfaceProblem::Panic { .. } => "INTERNAL_PANIC",
        }
    }

    fn message(&self, lang: Lang) -> String {
        use InterfaceProblem::*;
        match (self, lang) {
            (NoMemoryManager, Lang::En) => "the host did not give the add-in its memory manager (setMemManager)".into(),
            (NoMemoryManager, Lang::Ru) => "платформа не передала компоненте менеджер памяти (setMemManager)".into(),
            (OutOfMemory, Lang::En) => "the host's memory manager refused to allocate memory for the result".into(),
            (OutOfMemory, Lang::Ru) => "менеджер памяти платформы не выделил память для результата".into(),
            (NullPointer { what }, Lang::En) => format!("the host passed a null pointer ({what})"),
            (NullPointer { what }, Lang::Ru) => format!("платформа передала нулевой указатель ({what})"),
            (BadParameterCount { count }, Lang::En) => format!("the host passed a negative parameter count ({count})"),
            (BadParameterCount { count }, Lang::Ru) => format!("платформа передала отрицательное число параметров ({count})"),
            (BadIndex { member, index }, Lang::En) => format!("there is no {member} number {index}"),
            (BadIndex { member, index }, Lang::Ru) => {
                let member = if *member == "method" { "метода" } else { "свойства" };
                format!("нет {member} с номером {index}")
            }
            (Panic { message }, Lang::En) => format!(
                "internal error in the add-in, the call was stopped and the add-in is still usable; \
                 please report it: {message}"
            ),
            (Panic { message }, Lang::Ru) => format!(
                "внутренняя ошибка компоненты, вызов прерван, компонента продолжает работать; \
                 сообщите о ней разработчикам: {message}"
            ),
        }
    }
}

/// The state of one `Новый("AddIn.<Имя>.Messenger")` object.
pub struct Messenger {
    locale_lang: Option<Lang>,
    user_lang: Option<Lang>,
    last_error: String,
    throw_errors: bool,
    settings: Settings,
    events: Option<Arc<dyn EventSink>>,
    probes: probes::Probes,
    /// The XMPP session of XmppConnect; its threads end when it is dropped.
    xmpp: Option<crate::xmpp::session::Client>,
    /// The password and proxy credentials of that session, taken out of its error texts.
    xmpp_secrets: crate::net::secrets::Secrets,
}

impl Default for Messenger {
    fn default() -> Self {
        Messenger::new()
    }
}

impl Messenger {
    pub fn new() -> Messenger {
        Messenger {
            locale_lang: None,
            user_lang: None,
            last_error: String::new(),
            throw_errors: true,
            settings: Settings::default(),
            events: None,
            probes: probes::Probes::from_env(),
            xmpp: None,
            xmpp_secrets: Default::default(),
        }
    }

    /// The language of messages: the user's interface language when the platform told it,
    /// else the locale, else English.
    pub fn lang(&self) -> Lang {
        self.user_lang.or(self.locale_lang).unwrap_or_default()
    }

    // ---- lifecycle ------------------------------------------------------------------------

    /// Init: the platform's connection, when there is one.
    pub fn init(&mut self, events: Option<Arc<dyn EventSink>>) {
        if let Some(sink) = &events {
            sink.set_event_buffer_depth(EVENT_BUFFER_DEPTH);
        }
        self.events = events;
    }

    /// Done: stops every background activity; the object may be destroyed right after.
    pub fn done(&mut self) {
        self.probes.stop();
        // Joins the session's threads: nothing of ours runs after Done returns.
        if let Some(mut session) = self.xmpp.take() {
            session.disconnect();
        }
        self.events = None;
    }

    pub fn extension_name(&self) -> &'static str {
        CLASS_NAME
    }

    pub fn set_locale(&mut self, locale: &str) {
        if let Some(lang) = Lang::from_locale(locale) {
            self.locale_lang = Some(lang);
        }
    }

    pub fn set_user_language(&mut self, code: &str) {
        if let Some(lang) = Lang::from_locale(code) {
            self.user_lang = Some(lang);
        }
    }

    // ---- properties -----------------------------------------------------------------------

    pub fn props_count(&self) -> usize {
        PROPERTIES.len()
    }

    pub fn find_prop(&self, name: &str) -> Option<usize> {
        static FOLDED: OnceLock<Vec<(String, String)>> = OnceLock::new();
        members::position(PROPERTIES, &FOLDED, |p| p.name, name)
    }

    pub fn prop_name(&self, index: usize, alias: usize) -> Option<&'static str> {
        PROPERTIES.get(index)?.name.alias(alias)
    }

    pub fn is_prop_readable(&self, index: usize) -> bool {
        index < PROPERTIES.len()
    }

    pub fn is_prop_writable(&self, index: usize) -> bool {
        PROPERTIES.get(index).is_some_and(|p| p.writable)
    }

    fn property(&mut self, index: i64) -> Result<&'static Property, String> {
        match usize::try_from(index).ok().and_then(|i| PROPERTIES.get(i)) {
            Some(p) => Ok(p),
            None => Err(self.interface_error(&InterfaceProblem::BadIndex {
                member: "property",
                index,
            })),
        }
    }

    pub fn get_prop(&mut self, index: i64) -> Result<Value, String> {
        let property = self.property(index)?;
        Ok(match property.id {
            PropId::Version => Value::Str(env!("CARGO_PKG_VERSION").to_owned()),
            PropId::LastError => Value::Str(self.last_error.clone()),
            PropId::ThrowErrors => Value::Bool(self.throw_errors),
            _ => self.settings.get(property.id),
        })
    }

    /// Sets a property. A refused value leaves the old one in place and follows ThrowErrors
    /// like a method does.
    pub fn set_prop(&mut self, index: i64, value: Value) -> Result<(), String> {
        let property = self.property(index)?;
        let outcome = match property.id {
            _ if !property.writable => Err(AddinError::ReadOnly { property }),
            PropId::ThrowErrors => match value {
                Value::Bool(b) => {
                    self.throw_errors = b;
                    Ok(())
                }
                other => Err(AddinError::PropertyType {
                    property,
                    got: other.kind(),
                }),
            },
            _ => self.settings.set(property, value),
        };
        match outcome {
            Ok(()) => Ok(()),
            Err(e) => {
                let text = self.render(&e);
                self.last_error = text.clone();
                if self.throw_errors {
                    Err(text)
                } else {
                    Ok(())
                }
            }
        }
    }

    // ---- methods --------------------------------------------------------------------------

    /// The number of methods 1C enumerates (probes are never enumerated).
    pub fn methods_count(&self) -> usize {
        METHODS.len()
    }

    fn method(&self, index: usize) -> Option<&'static Method> {
        match index.checked_sub(METHODS.len()) {
            None => METHODS.get(index),
            Some(probe) => self.probes.method(probe),
        }
    }

    pub fn find_method(&self, name: &str) -> Option<usize> {
        static FOLDED: OnceLock<Vec<(String, String)>> = OnceLock::new();
        members::position(METHODS, &FOLDED, |m| m.name, name)
            .or_else(|| self.probes.find(name).map(|i| METHODS.len() + i))
    }

    pub fn method_name(&self, index: usize, alias: usize) -> Option<&'static str> {
        self.method(index)?.name.alias(alias)
    }

    pub fn params_count(&self, index: usize) -> usize {
        self.method(index).map_or(0, |m| m.params.len())
    }

    pub fn param_default(&self, method: usize, param: usize) -> Option<Value> {
        let default = self.method(method)?.params.get(param)?.default?;
        Some(match default {
            members::DefaultValue::EmptyString => Value::Str(String::new()),
            members::DefaultValue::False => Value::Bool(false),
            members::DefaultValue::Zero => Value::Int(0),
        })
    }

    pub fn has_ret_val(&self, index: usize) -> bool {
        self.method(index).is_some()
    }

    /// Calls a method. `Err` carries the text to raise in 1C; with ThrowErrors off a failure
    /// returns Undefined (False for Boolean methods) instead, and LastError tells why.
    pub fn call(&mut self, index: i64, values: &[Value]) -> Result<Value, String> {
        let Some(method) = usize::try_from(index).ok().and_then(|i| self.method(i)) else {
            return Err(self.interface_error(&InterfaceProblem::BadIndex {
                member: "method",
                index,
            }));
        };
        let outcome = Args::new(method, values).and_then(|args| self.dispatch(&args));
        match outcome {
            Ok(value) => {
                self.last_error.clear();
                Ok(value)
            }
            Err(e) => {
                let text = self.render(&e);
                self.last_error = text.clone();
                if self.throw_errors {
                    Err(text)
                } else {
                    Ok(match method.returns {
                        Returns::Boolean => Value::Bool(false),
                        Returns::Json | Returns::Binary | Returns::Any => Value::Empty,
                    })
                }
            }
        }
    }

    fn dispatch(&mut self, args: &Args) -> Result<Value, AddinError> {
        match args.method.id {
            MethodId::MakeCert => cert::make_cert(self, args),
            MethodId::SetWebhook => telegram::set_webhook(self, args),
            MethodId::GetWebhookInfo => telegram::get_webhook_info(self, args),
            MethodId::DeleteWebhook => telegram::delete_webhook(self, args),
            MethodId::CheckWebhook => telegram::check_webhook(self, args),
            MethodId::SendTelegram => telegram::send(self, args),
            MethodId::CallTelegram => telegram::call(self, args),
            MethodId::SendTelegramFile => telegram::send_file(self, args),
            MethodId::DownloadTelegramFile => telegram::download_file(self, args),
            MethodId::GetTelegramUpdates => telegram::get_updates(self, args),
            MethodId::SendXmpp => xmpp::send(self, args),
            MethodId::XmppConnect => xmpp::connect(self, args),
            MethodId::XmppSend => xmpp::session_send(self, args),
            MethodId::XmppReceive => xmpp::receive(self, args),
            MethodId::XmppDisconnect => xmpp::disconnect(self, args),
            MethodId::XmppSendStatus => xmpp::send_status(self, args),
            MethodId::SendXmppFile => xmpp::send_file(self, args),
            MethodId::XmppSendFile => xmpp::session_send_file(self, args),
            MethodId::XmppRoster => xmpp::roster(self, args),
            MethodId::ProbePanic | MethodId::ProbeEcho | MethodId::ProbeEvents => {
                let events = self.events.clone();
                self.probes.call(args, events)
            }
        }
    }

    // ---- errors ---------------------------------------------------------------------------

    /// `[CODE] Member: message` in the user's language.
    fn render(&self, err: &AddinError) -> String {
        let lang = self.lang();
        format!(
            "[{}] {}: {}",
            err.code(),
            err.member(lang),
            err.message(lang)
        )
    }

    /// Records a problem with the call itself and returns the text to raise.
    pub fn interface_error(&mut self, problem: &InterfaceProblem) -> String {
        let lang = self.lang();
        let text = format!("[{}] {}", problem.code(), problem.message(lang));
        self.last_error = text.clone();
        text
    }
}

/// A structured result as the JSON string 1C reads with ПрочитатьJSON.
fn json<T: serde::Serialize>(method: &'static Method, value: &T) -> Result<Value, AddinError> {
    serde_json::to_string(value)
        .map(Value::Str)
        .map_err(|e| AddinError::Internal {
            method,
            detail: e.to_string(),
        })
}

impl Drop for Messenger {
    fn drop(&mut self) {
        self.done();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(m: &Messenger, name: &str) -> i64 {
        m.find_method(name).map(|i| i as i64).unwrap_or(-1)
    }

    #[test]
    fn unbuilt_capabilities_say_so_after_checking_arguments() {
        let mut m = Messenger::new();
        m.set_locale("ru_RU");
        let idx = find(&m, "ПолучитьИнформациюWebhook");
        let err = m.call(idx, &[Value::Int(1)]).unwrap_err();
        assert!(
            err.starts_with("[ARG_TYPE] ПолучитьИнформациюWebhook: параметр 1 (Токен)"),
            "{err}"
        );
        assert_eq!(m.last_error, err);
    }

    #[test]
    fn without_exceptions_a_failure_returns_undefined_and_sets_last_error() {
        let mut m = Messenger::new();
        let throw = m.find_prop("ВызыватьИсключения").unwrap() as i64;
        m.set_prop(throw, Value::Bool(false)).unwrap();
        let idx = find(&m, "xmppdisconnect");
        assert_eq!(m.call(idx, &[Value::Int(1)]).unwrap(), Value::Bool(false));
        assert!(m.last_error.starts_with("[ARG_COUNT]"), "{}", m.last_error);
        let idx = find(&m, "GetWebhookInfo");
        assert_eq!(m.call(idx, &[Value::Int(1)]).unwrap(), Value::Empty);
    }

    #[test]
    fn probes_are_hidden_without_the_environment_variable() {
        let m = Messenger::new();
        if std::env::var(PROBES_ENV).as_deref() != Ok("1") {
            assert_eq!(m.find_method("__ProbePanic"), None);
        }
        assert_eq!(
            m.method_name(METHODS.len(), 0).is_some(),
            m.probes.enabled()
        );
    }
}
