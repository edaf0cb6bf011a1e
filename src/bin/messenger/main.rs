//! `messenger`: the command-line face of the library, for administrators, demos and benchmarks.
//!
//! One clap tree: `messenger [global options] <cert|telegram|xmpp> <command> [options]`. The
//! global options (`--lang`, `--proxy`, `--timeout`, `--trusted`) are accepted before or after
//! the command and mean the same everywhere; each area's own options live in its file.
//! Results go to stdout, errors to stderr as `[CODE] message` in the chosen language.
//!
//! Exit codes: 0 done; 1 the work failed (the error says why); 2 the command line is wrong;
//! 141 standard output was closed by its reader (see [`out`]).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::OnceLock;

use clap::{Args, Parser, Subcommand, ValueEnum};
use messenger::i18n::Lang;
use messenger::net::{NetSettings, Proxy, TrustedCertificates};
use setting::render;

mod cert;
mod out;
mod setting;
mod telegram;
mod usage;
mod xmpp;

#[derive(Parser, Debug)]
#[command(
    name = "messenger",
    version,
    about = "Self-signed certificates, the Telegram Bot API and XMPP from the command line: \
             the same library 1C:Enterprise loads as an add-in",
    after_help = "Global options may stand before or after the command.\n\
                  Secrets never go on the command line: the PFX password, the bot token and the \
                  XMPP password come from environment variables.\n\
                  Exit codes: 0 done, 1 failed, 2 wrong command line, 141 standard output closed.\n\
                  Example: messenger xmpp send --help"
)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    area: Area,
}

/// The heading of the global options in every help text.
const GLOBAL: &str = "Global options (before or after the command)";

/// Where the proxy comes from when `--proxy` is not given.
const PROXY_VAR: &str = "MESSENGER_PROXY";

/// Options every command accepts, with the same names and meaning.
#[derive(Args, Debug)]
pub struct Global {
    /// Language of messages [default: from LC_ALL, LC_MESSAGES or LANG; English unless Russian]
    #[arg(long, global = true, help_heading = GLOBAL, value_enum, ignore_case = true, value_name = "LANG")]
    lang: Option<LangArg>,
    /// Proxy for Telegram and XMPP: http://[user:pass@]host:port, https://…, socks5://…,
    /// socks5h://… [default: the environment variable MESSENGER_PROXY, which keeps a proxy
    /// password out of the process list]
    #[arg(long, global = true, help_heading = GLOBAL, value_name = "URL")]
    pub proxy: Option<String>,
    /// Seconds allowed for a Telegram call, or for each XMPP step (connecting, logging in,
    /// waiting for acknowledgements), 1..3600 [default: 30]
    #[arg(long, global = true, help_heading = GLOBAL, value_name = "SECONDS", value_parser = usage::whole(1u64, 3600))]
    pub timeout: Option<u64>,
    /// PEM file of certificates trusted in addition to the system roots (a self-signed server's
    /// certificate); repeat for more files
    #[arg(long, global = true, help_heading = GLOBAL, value_name = "FILE")]
    pub trusted: Vec<PathBuf>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum LangArg {
    Ru,
    En,
}

#[derive(Subcommand, Debug)]
enum Area {
    /// Make a self-signed certificate (key, PEM, PFX) for an IP address or a DNS name
    Cert(cert::Args),
    /// Telegram Bot API: webhook set-up and diagnosis, messages, files, updates, any method
    Telegram(telegram::Cli),
    /// XMPP: send messages (one, or many through one session) and listen for incoming ones
    Xmpp(xmpp::Cli),
}

/// How a command that did not succeed ends.
#[derive(Debug)]
pub enum Stop {
    /// The command line is wrong (exit 2); the text says why, in the chosen language.
    Usage(String),
    /// The work failed (exit 1); the text is the rendered error.
    Failed(String),
    /// The work failed and the output already says how (exit 1).
    Reported,
    /// Standard output was closed by its reader (exit 141): nobody wants the rest.
    Closed,
}

/// The language of messages, fixed once before the command line is parsed, so that clap's
/// errors and our value parsers speak it too.
static LANG: OnceLock<Lang> = OnceLock::new();

/// The chosen language: `--lang`, else the locale of the environment.
pub fn lang() -> Lang {
    *LANG.get_or_init(|| lang_of(std::env::args()))
}

/// `--lang ru|en` (or `--lang=…`) anywhere before `--`, else the first of LC_ALL, LC_MESSAGES
/// and LANG that is set (POSIX order), else English.
fn lang_of(args: impl Iterator<Item = String>) -> Lang {
    let mut chosen = None;
    let mut args = args.skip(1);
    while let Some(arg) = args.next() {
        let value = match arg.as_str() {
            "--" => break,
            "--lang" => args.next(),
            other => other.strip_prefix("--lang=").map(str::to_owned),
        };
        if let Some(v) = value {
            chosen = LangArg::from_str(&v, true).ok().or(chosen);
        }
    }
    match chosen {
        Some(LangArg::Ru) => Lang::Ru,
        Some(LangArg::En) => Lang::En,
        None => ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|v| std::env::var(v).ok())
            .find_map(|v| Lang::from_locale(&v))
            .unwrap_or_default(),
    }
}

impl Global {
    /// The network settings the options describe: the trusted files read (regular files only,
    /// at most 1 MB each) and the proxy checked.
    pub fn net_settings(&self) -> Result<NetSettings, Stop> {
        /// As much as the add-in's TrustedCertificates property takes.
        const MAX_TRUSTED_FILE: u64 = 1024 * 1024;
        let lang = lang();
        let mut pem = String::new();
        for path in &self.trusted {
            let bytes = messenger::fsio::read(path, MAX_TRUSTED_FILE)
                .map_err(|e| Stop::Failed(render(&e, lang)))?;
            let text = String::from_utf8(bytes).map_err(|_| {
                Stop::Usage(format!(
                    "--trusted {}: {}",
                    messenger::i18n::clip(&path.to_string_lossy()),
                    lang.pick(
                        "файл не текст PEM (не UTF-8)",
                        "the file is not PEM text (not UTF-8)"
                    )
                ))
            })?;
            pem.push_str(&text);
            pem.push('\n');
        }
        let trusted = if self.trusted.is_empty() {
            TrustedCertificates::default()
        } else {
            TrustedCertificates::from_pem(&pem).map_err(|e| Stop::Failed(render(&e, lang)))?
        };
        // A command line is readable by every user of the machine (ps); the environment is not.
        let proxy = self
            .proxy
            .clone()
            .or_else(|| std::env::var(PROXY_VAR).ok())
            .unwrap_or_default();
        let proxy = Proxy::parse(&proxy).map_err(|e| Stop::Failed(render(&e, lang)))?;
        let mut settings = NetSettings {
            proxy,
            trusted,
            ..NetSettings::default()
        };
        if let Some(seconds) = self.timeout {
            settings.timeout = std::time::Duration::from_secs(seconds);
        }
        Ok(settings)
    }

    /// Refuses the network options for a command that makes no connection, rather than
    /// ignoring them silently.
    pub fn refuse_network(&self, command: &str) -> Result<(), Stop> {
        let given = [
            ("--proxy", self.proxy.is_some()),
            ("--timeout", self.timeout.is_some()),
            ("--trusted", !self.trusted.is_empty()),
        ];
        match given.iter().find(|(_, given)| *given) {
            Some((flag, _)) => Err(Stop::Usage(format!(
                "{flag}: {} {command}",
                lang().pick(
                    "не относится к команде, которая не выходит в сеть:",
                    "does not apply to a command that makes no connection:"
                )
            ))),
            None => Ok(()),
        }
    }
}

fn main() -> ExitCode {
    let lang = lang();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage::exit(&e, lang),
    };
    let result = match &cli.area {
        Area::Cert(args) => cli
            .global
            .refuse_network("messenger cert")
            .and_then(|()| cert::run(args)),
        Area::Telegram(args) => telegram::run(args, &cli.global),
        Area::Xmpp(args) => xmpp::run(args, &cli.global),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Stop::Usage(text)) => {
            out::warn(format_args!("{}: {text}", lang.pick("ошибка", "error")));
            ExitCode::from(2)
        }
        Err(Stop::Failed(text)) => {
            out::warn(&text);
            ExitCode::FAILURE
        }
        Err(Stop::Reported) => ExitCode::FAILURE,
        Err(Stop::Closed) => ExitCode::from(out::CLOSED_EXIT),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> impl Iterator<Item = String> {
        std::iter::once("messenger")
            .chain(list.iter().copied())
            .map(str::to_owned)
            .collect::<Vec<_>>()
            .into_iter()
    }

    #[test]
    fn the_tree_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn lang_is_found_before_or_after_the_command() {
        assert_eq!(lang_of(args(&["--lang", "ru", "cert"])), Lang::Ru);
        assert_eq!(lang_of(args(&["xmpp", "send", "--lang=ru"])), Lang::Ru);
        assert_eq!(
            lang_of(args(&["--lang", "ru", "xmpp", "--lang", "en"])),
            Lang::En
        );
        // After `--` it is a text, not an option.
        assert_eq!(
            lang_of(args(&["--lang", "en", "telegram", "--", "--lang", "ru"])),
            Lang::En
        );
    }
}
