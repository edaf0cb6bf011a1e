//! The Telegram members: SetWebhook, GetWebhookInfo, DeleteWebhook, CheckWebhook,
//! SendTelegram, CallTelegram.

use super::error::AddinError;
use super::value::{Args, Value};
use super::Messenger;

/// The setWebhook options API.md lists.
const WEBHOOK_OPTIONS: &[&str] = &[
    "ip_address",
    "max_connections",
    "allowed_updates",
    "drop_pending_updates",
    "secret_token",
];
type Options = serde_json::Map<String, serde_json::Value>;

fn not_available(args: &Args) -> Result<Value, AddinError> {
    Err(AddinError::NotAvailable {
        method: args.method,
    })
}

pub(super) fn set_webhook(_m: &mut Messenger, args: &Args) -> Result<Value, AddinError> {
    args.string(0)?;
    args.string(1)?;
    args.string(2)?;
    args.options_with_keys(3, WEBHOOK_OPTIONS)?;
    not_available(args)
}

pub(super) fn get_webhook_info(_m: &mut Messenger, args: &Args) -> Result<Value, AddinError> {
    args.string(0)?;
    not_available(args)
}

pub(super) fn delete_webhook(_m: &mut Messenger, args: &Args) -> Result<Value, AddinError> {
    args.string(0)?;
    args.boolean(1)?;
    not_available(args)
}

pub(super) fn check_webhook(_m: &mut Messenger, args: &Args) -> Result<Value, AddinError> {
    args.string(0)?;
    args.string(1)?;
    not_available(args)
}

pub(super) fn send(_m: &mut Messenger, args: &Args) -> Result<Value, AddinError> {
    args.string(0)?;
    args.string_or_number(1)?;
    args.string(2)?;
    args.options::<Options>(3)?;
    not_available(args)
}

pub(super) fn call(_m: &mut Messenger, args: &Args) -> Result<Value, AddinError> {
    args.string(0)?;
    args.string(1)?;
    args.options::<Options>(2)?;
    not_available(args)
}
