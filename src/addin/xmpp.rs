//! The XMPP members: SendXmpp, and the session XmppConnect, XmppSend, XmppReceive,
//! XmppDisconnect.

use super::error::AddinError;
use super::value::{Args, Value};
use super::Messenger;
use crate::xmpp;

/// What one message of a session may carry.
const MESSAGE_OPTIONS: &[&str] = &["type", "subject", "thread", "nick", "id"];

/// Longest XmppReceive wait, seconds (as the Timeout property).
const MAX_RECEIVE_WAIT: i64 = 3600;

fn not_available(args: &Args) -> Result<Value, AddinError> {
    Err(AddinError::NotAvailable {
        method: args.method,
    })
}

pub(super) fn send(m: &mut Messenger, args: &Args) -> Result<Value, AddinError> {
    let jid = args.string(0)?;
    let password = args.string(1)?;
    let to = args.string(2)?;
    let text = args.string(3)?;
    let options: xmpp::SendOptions = args.options(4)?;
    let sent = xmpp::send_message(&m.settings.net(), jid, password, to, text, &options).map_err(
        |source| AddinError::Xmpp {
            method: args.method,
            source,
        },
    )?;
    super::json(args.method, &sent)
}

pub(super) fn connect(_m: &mut Messenger, args: &Args) -> Result<Value, AddinError> {
    args.string(0)?;
    args.string(1)?;
    // The session connects with the same options as SendXmpp.
    args.options::<xmpp::SendOptions>(2)?;
    not_available(args)
}

pub(super) fn session_send(_m: &mut Messenger, args: &Args) -> Result<Value, AddinError> {
    args.string(0)?;
    args.string(1)?;
    args.options_with_keys(2, MESSAGE_OPTIONS)?;
    not_available(args)
}

pub(super) fn receive(_m: &mut Messenger, args: &Args) -> Result<Value, AddinError> {
    args.whole_number(0, 0, MAX_RECEIVE_WAIT)?;
    not_available(args)
}

pub(super) fn disconnect(_m: &mut Messenger, args: &Args) -> Result<Value, AddinError> {
    not_available(args)
}
