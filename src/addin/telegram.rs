//! The Telegram members: SetWebhook, GetWebhookInfo, DeleteWebhook, CheckWebhook,
//! SendTelegram, CallTelegram, SendTelegramFile, GetTelegramUpdates (each returns Telegram's
//! `result` as JSON) and DownloadTelegramFile (BinaryData).

use serde_json::{Map, Value as Json};

use super::args::Args;
use super::error::AddinError;
use super::value::Value;
use super::Messenger;
use crate::telegram::{self, Api, UpdatesOptions, WebhookOptions};

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
    result(
        args,
        api.check_webhook_named(token, certificate, m.lang(), &super::error::AddinNames),
    )
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

pub(super) fn send_file(m: &mut Messenger, args: &Args) -> Result<Value, AddinError> {
    let token = args.string(0)?;
    let chat_id = args.string_or_number(1)?;
    let file = args.file(2)?;
    let file_name = args.optional_string(3)?;
    // `method` and any field of the send method (caption, parse_mode, reply_markup, ...).
    let options: Map<String, Json> = args.options(4)?;
    let api = api(m, args)?;
    result(
        args,
        api.send_file(token, &chat_id, file, file_name, &options),
    )
}

pub(super) fn download_file(m: &mut Messenger, args: &Args) -> Result<Value, AddinError> {
    let token = args.string(0)?;
    let file_id = args.string(1)?;
    let api = api(m, args)?;
    let bytes = api
        .download_file(token, file_id)
        .map_err(|e| failed(args, e))?;
    Ok(Value::Blob(bytes.into()))
}

pub(super) fn get_updates(m: &mut Messenger, args: &Args) -> Result<Value, AddinError> {
    let token = args.string(0)?;
    // update_id fits in 32 bits today; Telegram documents offsets as Integer (up to 2^52).
    let offset = args.whole_number(1, -(1 << 52), 1 << 52)?;
    let wait = args.whole_number(2, 0, 3600)?;
    let options: UpdatesOptions = args.options(3)?;
    let api = api(m, args)?;
    result(args, api.get_updates(token, offset, wait as u64, &options))
}
