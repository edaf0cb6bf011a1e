//! The Telegram members: SetWebhook, GetWebhookInfo, DeleteWebhook, CheckWebhook,
//! SendTelegram, CallTelegram. Each returns Telegram's `result` as JSON.

use serde_json::{Map, Value as Json};

use super::error::AddinError;
use super::value::{Args, Value};
use super::Messenger;
use crate::telegram::{self, Api, WebhookOptions};

/// The client for this call: Timeout, Proxy, TrustedCertificates and TelegramApiUrl as they
/// are now.
fn api(m: &Messenger, args: &Args) -> Result<Api, AddinError> {
    Api::new(&m.settings.net(), m.settings.telegram_api_url()).map_err(|e| failed(args, e))
}

fn failed(args: &Args, source: telegram::Error) -> AddinError {
    AddinError::Telegram {
        method: args.method,
        source,
    }
}

fn result(args: &Args, outcome: Result<Json, telegram::Error>) -> Result<Value, AddinError> {
    let value = outcome.map_err(|e| failed(args, e))?;
    super::json(args.method, &value)
}

pub(super) fn set_webhook(m: &mut Messenger, args: &Args) -> Result<Value, AddinError> {
    let token = args.string(0)?;
    let url = args.string(1)?;
    let certificate = args.optional_string(2)?;
    let options: WebhookOptions = args.options(3)?;
    let api = api(m, args)?;
    result(args, api.set_webhook(token, url, certificate, &options))
}

pub(super) fn get_webhook_info(m: &mut Messenger, args: &Args) -> Result<Value, AddinError> {
    let token = args.string(0)?;
    let api = api(m, args)?;
    result(args, api.get_webhook_info(token))
}

pub(super) fn delete_webhook(m: &mut Messenger, args: &Args) -> Result<Value, AddinError> {
    let token = args.string(0)?;
    let drop_pending = args.boolean(1)?;
    let api = api(m, args)?;
    result(args, api.delete_webhook(token, drop_pending))
}

pub(super) fn check_webhook(m: &mut Messenger, args: &Args) -> Result<Value, AddinError> {
    let token = args.string(0)?;
    let certificate = args.optional_string(1)?;
    let api = api(m, args)?;
    result(args, api.check_webhook(token, certificate, m.lang()))
}

pub(super) fn send(m: &mut Messenger, args: &Args) -> Result<Value, AddinError> {
    let token = args.string(0)?;
    let chat_id = args.string_or_number(1)?;
    let text = args.string(2)?;
    // Any Bot API field of sendMessage (parse_mode, reply_markup, ...) is passed on as given.
    let extra: Map<String, Json> = args.options(3)?;
    let api = api(m, args)?;
    result(args, api.send_message(token, &chat_id, text, &extra))
}

pub(super) fn call(m: &mut Messenger, args: &Args) -> Result<Value, AddinError> {
    let token = args.string(0)?;
    let method = args.string(1)?;
    let params: Map<String, Json> = args.options(2)?;
    let api = api(m, args)?;
    result(args, api.call(token, method, &params))
}
