//! The XMPP members: SendXmpp, and the session XmppConnect, XmppSend, XmppReceive,
//! XmppDisconnect.

use super::error::AddinError;
use super::value::{Args, Value};
use super::Messenger;

/// The SendXmpp / XmppConnect options API.md lists, and the dangerous-by-name ones.
const CONNECT_OPTIONS: &[&str] = &[
    "bosh_url",
    "server",
    "tls",
    "mechanisms",
    "resource",
    "type",
    "subject",
    "status",
    "priority",
    "nick",
    "allow_plain_without_tls",
    "danger_accept_invalid_certificates",
];
/// What one message of a session may carry.
const MESSAGE_OPTIONS: &[&str] = &["type", "subject", "thread", "nick", "id"];

/// Longest XmppReceive wait, seconds (as the Timeout property).
const MAX_RECEIVE_WAIT: i64 = 3600;

fn not_available(args: &Args) -> Result<Value, AddinError> {
    Err(AddinError::NotAvailable {
        method: args.method,
    })
}

pub(super) fn send(_m: &mut Messenger, args: &Args) -> Result<Value, AddinError> {
    for i in 0..4 {
        args.string(i)?;
    }
    args.options_with_keys(4, CONNECT_OPTIONS)?;
    not_available(args)
}

pub(super) fn connect(_m: &mut Messenger, args: &Args) -> Result<Value, AddinError> {
    args.string(0)?;
    args.string(1)?;
    args.options_with_keys(2, CONNECT_OPTIONS)?;
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
