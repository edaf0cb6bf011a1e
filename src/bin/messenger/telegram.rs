//! `messenger telegram …`: the Bot API from the command line, for admins setting up a webhook
//! and for benchmarks. The token is read from an environment variable, never from the command
//! line, where `ps` and shell history would show it.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand};
use messenger::i18n::{render, Lang, Localized};
use messenger::net::{NetSettings, Proxy, TrustedCertificates};
use messenger::telegram::{Api, WebhookOptions};
use serde_json::{Map, Value};

#[derive(Parser, Debug)]
#[command(
    name = "messenger telegram",
    about = "Telegram Bot API: webhook set-up and diagnosis, messages, any method",
    after_help = "The bot token is read from $TELEGRAM_BOT_TOKEN (or the variable named by --token-env)."
)]
struct Cli {
    #[command(flatten)]
    common: Common,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Debug)]
struct Common {
    /// Environment variable holding the bot token.
    #[arg(long, global = true, default_value = "TELEGRAM_BOT_TOKEN")]
    token_env: String,
    /// Bot API base URL (a self-hosted Bot API server or a reverse proxy).
    #[arg(long, global = true, default_value = "https://api.telegram.org")]
    api_url: String,
    /// Proxy: http://[user:pass@]host:port, https://…, socks5://…, socks5h://…
    #[arg(long, global = true, default_value = "")]
    proxy: String,
    /// Seconds for the whole call (1..3600).
    #[arg(long, global = true, default_value_t = 30)]
    timeout: u64,
    /// PEM file with certificates trusted in addition to the system roots.
    #[arg(long, global = true)]
    trusted: Option<String>,
    /// Language of messages: ru or en (default: from LANG).
    #[arg(long, global = true)]
    lang: Option<String>,
    /// Make the call this many times and print the mean time per call to stderr (benchmarks).
    #[arg(long, global = true, default_value_t = 1, hide = true)]
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
    /// Any Bot API method with a JSON object of parameters.
    Call {
        method: String,
        #[arg(default_value = "")]
        params: String,
    },
}

pub fn run(args: Vec<String>) -> ExitCode {
    let argv = std::iter::once("messenger telegram".to_owned()).chain(args);
    let cli = match Cli::try_parse_from(argv) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let lang = cli
        .common
        .lang
        .as_deref()
        .and_then(Lang::from_locale)
        .or_else(|| {
            std::env::var("LANG")
                .ok()
                .and_then(|l| Lang::from_locale(&l))
        })
        .unwrap_or_default();
    match execute(&cli, lang) {
        Ok(value) => {
            println!(
                "{}",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            );
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("{message}");
            ExitCode::from(1)
        }
    }
}

fn execute(cli: &Cli, lang: Lang) -> Result<Value, String> {
    let c = &cli.common;
    let fail = |e: &dyn Localized| render(e, lang);
    let token = std::env::var(&c.token_env).map_err(|_| {
        lang.pick(
            "токен бота не задан: поместите его в переменную окружения",
            "the bot token is not set: put it in the environment variable",
        )
        .to_owned()
            + " "
            + &c.token_env
    })?;
    if !(1..=3600).contains(&c.timeout) {
        return Err(lang
            .pick("--timeout: от 1 до 3600", "--timeout: 1 to 3600")
            .to_owned());
    }
    let trusted = match &c.trusted {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
            TrustedCertificates::from_pem(&text).map_err(|e| fail(&e))?
        }
        None => TrustedCertificates::default(),
    };
    let settings = NetSettings {
        timeout: Duration::from_secs(c.timeout),
        proxy: Proxy::parse(&c.proxy).map_err(|e| fail(&e))?,
        trusted,
    };
    let api = Api::new(&settings, &c.api_url).map_err(|e| fail(&e))?;
    let object = |text: &str| -> Result<Map<String, Value>, String> {
        if text.trim().is_empty() {
            return Ok(Map::new());
        }
        match serde_json::from_str(text) {
            Ok(Value::Object(m)) => Ok(m),
            _ => Err(lang
                .pick("ожидается объект JSON", "a JSON object is expected")
                .to_owned()),
        }
    };
    let call_once = || -> Result<Value, String> {
        let result = match &cli.command {
            Command::SetWebhook {
                url,
                certificate,
                options,
            } => {
                let options = WebhookOptions::from_json(options).map_err(|e| fail(&e))?;
                api.set_webhook(&token, url, certificate.as_deref(), &options)
            }
            Command::WebhookInfo => api.get_webhook_info(&token),
            Command::DeleteWebhook {
                drop_pending_updates,
            } => api.delete_webhook(&token, *drop_pending_updates),
            Command::Check { certificate } => {
                api.check_webhook(&token, certificate.as_deref(), lang)
            }
            Command::Send {
                chat_id,
                text,
                options,
            } => api.send_message(&token, chat_id, text, &object(options)?),
            Command::Call { method, params } => api.call(&token, method, &object(params)?),
        };
        result.map_err(|e| fail(&e))
    };
    let started = Instant::now();
    let mut last = call_once()?;
    for _ in 1..c.repeat {
        last = call_once()?;
    }
    if c.repeat > 1 {
        let per_call = started.elapsed().as_secs_f64() * 1e6 / f64::from(c.repeat);
        eprintln!("repeat {}: {per_call:.0} us per call", c.repeat);
    }
    Ok(last)
}
