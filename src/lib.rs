//! Messenger: a 1C:Enterprise Native API add-in (placeholder docs; the full guide comes with the core).
#![deny(unsafe_code)]

pub mod cert;
pub mod i18n;
pub mod net;
pub mod telegram;
pub mod xmpp;
