//! `messenger telegram …`: the Bot API from the command line, for admins setting up a webhook
//! and for benchmarks. The token is read from an environment variable, never from the command
//! line, where `ps` and shell history would show it.

use std::time::Instant;

use crate::setting::{render, CliNames};
use clap::{Args, Subcommand};
use messenger::i18n::{Lang, Localized};
use messenger::telegram::{Api, FileSource, UpdatesOptions, WebhookOptions};
use serde_json::{Map, Value};

use crate::{out, Global, Stop};

#[derive(Args, Debug)]
#[command(
    after_help = "The bot token is read from $TELEGRAM_BOT_TOKEN (or the variable named by --token-env).\n\
                  Example: messenger telegram --api-url https://127.0.0.1:8081 --trusted api.pem webhook-info"
)]
pub struct Cli {
    #[command(flatten)]
    common: Common,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Debug)]
struct Common {
    /// Environment variable holding the bot token.
    #[arg(
        long,
        global = true,
        value_name = "VAR",
        default_value = "TELEGRAM_BOT_TOKEN"
    )]
    token_env: String,
    /// Bot API base URL (a self-hosted Bot API server or a reverse proxy).
    #[arg(
        long,
        global = true,
        value_name = "URL",
        default_value = "https://api.telegram.org"
    )]
    api_url: String,
    /// Make the call this many times and print the mean time per call to stderr (benchmarks).
    #[arg(long, global = true, default_value_t = 1, hide = true,
          value_parser = crate::usage::whole(1u32, 1_000_000))]
    repeat: u32,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// setWebhook, with an optional self-signed certificate uploaded.
    SetWebhook {
        /// https://[user:password@]host[:443|80|88|8443]/path
        url: String,
        /// The .pem (or .cer) certificate of the web server; never the key.
        #[arg(long)]
        certificate: Option<String>,
        /// JSON: ip_address, max_connections, allowed_updates, drop_pending_updates, secret_token.
        #[arg(long, default_value = "")]
        options: String,
    },
    /// getWebhookInfo.
    WebhookInfo,
    /// deleteWebhook.
    DeleteWebhook {
        #[arg(long)]
        drop_pending_updates: bool,
    },
    /// getWebhookInfo with every problem explained (cause and remedy).
    Check {
        /// The web server's certificate, for the local checks.
        #[arg(long)]
        certificate: Option<String>,
    },
    /// sendMessage.
    #[command(allow_negative_numbers = true)]
    Send {
        /// Integer chat id or @channelname.
        chat_id: String,
        text: String,
        /// JSON object merged into the request (parse_mode, reply_markup, …).
        #[arg(long, default_value = "")]
        options: String,
    },
    /// Any Bot API method with a JSON object of parameters; {"file": "path"} values are
    /// uploaded, attach:// works.
    Call {
        method: String,
        #[arg(default_value = "")]
        params: String,
    },
    /// Send a file: a local path (streamed), an http(s) URL or a file_id.
    #[command(allow_negative_numbers = true)]
    SendFile {
        /// Integer chat id or @channelname.
        chat_id: String,
        /// A local path, an http(s) URL or a file_id.
        file: String,
        /// The file name Telegram shows (default: the path's name).
        #[arg(long, default_value = "")]
        name: String,
        /// JSON: method (sendDocument by default, sendPhoto, …), caption, parse_mode, …
        #[arg(long, default_value = "")]
        options: String,
    },
    /// Download a file by its file_id (getFile, then the file).
    Download {
        file_id: String,
        /// Where to write it ("-": standard output, the file alone).
        #[arg(long, value_name = "FILE")]
        out: String,
    },
    /// getUpdates: prints {"updates": [...], "next_offset": N}.
    #[command(allow_negative_numbers = true)]
    Updates {
        /// Updates below this are confirmed to Telegram (0: from the oldest unconfirmed).
        #[arg(long, default_value_t = 0, value_parser = crate::usage::whole(i64::MIN, i64::MAX))]
        offset: i64,
        /// Long polling: seconds to wait for an update (bounded by --timeout).
        #[arg(long, default_value_t = 0, value_parser = crate::usage::whole(0u64, 3600))]
        wait: u64,
        /// JSON: limit, allowed_updates.
        #[arg(long, default_value = "")]
        options: String,
    },
}

pub fn run(cli: &Cli, global: &Global) -> Result<(), Stop> {
    let lang = crate::lang();
    let Some(value) = execute(cli, global, lang)? else {
        return Ok(());
    };
    let json = serde_json::to_string_pretty(&value).map_err(|e| Stop::Failed(e.to_string()))?;
    out::line(json)
}

/// Makes the call (`--repeat` times); `None` when the output was the result itself.
fn execute(cli: &Cli, global: &Global, lang: Lang) -> Result<Option<Value>, Stop> {
    let c = &cli.common;
    let fail = |e: &dyn Localized| render(e, lang);
    let token = std::env::var(&c.token_env).map_err(|_| {
        Stop::Failed(
            lang.pick(
                "токен бота не задан: поместите его в переменную окружения",
                "the bot token is not set: put it in the environment variable",
            )
            .to_owned()
                + " "
                + &c.token_env,
        )
    })?;
    let settings = global.net_settings()?;
    let api = Api::new(&settings, &c.api_url).map_err(|e| Stop::Failed(fail(&e)))?;
    let object = |text: &str| -> Result<Map<String, Value>, Stop> {
        if text.trim().is_empty() {
            return Ok(Map::new());
        }
        match serde_json::from_str(text) {
            Ok(Value::Object(m)) => Ok(m),
            _ => Err(Stop::Failed(
                lang.pick("ожидается объект JSON", "a JSON object is expected")
                    .to_owned(),
            )),
        }
    };
    let call_once = || -> Result<Option<Value>, Stop> {
        let result = match &cli.command {
            Command::SetWebhook {
                url,
                certificate,
                options,
            } => {
                let options =
                    WebhookOptions::from_json(options).map_err(|e| Stop::Failed(fail(&e)))?;
                api.set_webhook(&token, url, certificate.as_deref(), &options)
            }
            Command::WebhookInfo => api.get_webhook_info(&token),
            Command::DeleteWebhook {
                drop_pending_updates,
            } => api.delete_webhook(&token, *drop_pending_updates),
            Command::Check { certificate } => {
                api.check_webhook_named(&token, certificate.as_deref(), lang, &CliNames)
            }
            Command::Send {
                chat_id,
                text,
                options,
            } => api.send_message(&token, chat_id, text, &object(options)?),
            Command::Call { method, params } => api.call(&token, method, &object(params)?),
            Command::SendFile {
                chat_id,
                file,
                name,
                options,
            } => {
                let options = object(options)?;
                let name = (!name.is_empty()).then_some(name.as_str());
                FileSource::from_text(file)
                    .and_then(|source| api.send_file(&token, chat_id, source, name, &options))
            }
            Command::Download { file_id, out } => {
                let cannot = |e: std::io::Error| Stop::Failed(format!("{out}: {e}"));
                if out == "-" {
                    // The file is the output: no JSON summary after its bytes.
                    let mut stdout = out::Watched::new(std::io::stdout().lock());
                    return match api.download_file_to(&token, file_id, &mut stdout) {
                        Err(_) if stdout.closed => Err(Stop::Closed),
                        Err(e) => Err(Stop::Failed(render(&e, lang))),
                        Ok(_) => std::io::Write::flush(&mut stdout)
                            .map(|()| None)
                            .map_err(out::stdout_failed),
                    };
                }
                let file = std::fs::File::create(out).map_err(cannot)?;
                let mut writer = std::io::BufWriter::new(file);
                let n = api
                    .download_file_to(&token, file_id, &mut writer)
                    .map_err(|e| Stop::Failed(render(&e, lang)))?;
                std::io::Write::flush(&mut writer).map_err(cannot)?;
                Ok(serde_json::json!({ "bytes": n, "file": out }))
            }
            Command::Updates {
                offset,
                wait,
                options,
            } => {
                let options: UpdatesOptions = if options.trim().is_empty() {
                    UpdatesOptions::default()
                } else {
                    serde_json::from_str(options).map_err(|_| {
                        Stop::Failed(
                            lang.pick(
                                "--options: ожидается объект JSON с limit и allowed_updates",
                                "--options: a JSON object with limit and allowed_updates is expected",
                            )
                            .to_owned(),
                        )
                    })?
                };
                api.get_updates(&token, *offset, *wait, &options)
            }
        };
        result.map(Some).map_err(|e| Stop::Failed(render(&e, lang)))
    };
    let started = Instant::now();
    let mut last = call_once()?;
    for _ in 1..c.repeat {
        last = call_once()?;
    }
    if c.repeat > 1 {
        let per_call = started.elapsed().as_secs_f64() * 1e6 / f64::from(c.repeat);
        out::warn(format_args!(
            "repeat {}: {per_call:.0} us per call",
            c.repeat
        ));
    }
    Ok(last)
}
