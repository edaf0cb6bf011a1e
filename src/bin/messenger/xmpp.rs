//! `messenger xmpp send --jid … --to … [options] "text"`: SendXmpp from the command line.
//! The password comes from the environment (XMPP_PASSWORD) or, on a terminal, from a prompt; it
//! is never an argument (arguments show up in `ps` and in shell history).

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use messenger::i18n::{render, Lang};
use messenger::net::{NetSettings, TrustedCertificates};
use messenger::xmpp::{send_message, SendOptions};

const USAGE: &str = "usage: messenger xmpp send --jid JID --to JID [--bosh URL] [--server HOST:PORT]
       [--tls starttls|direct|none] [--mechanisms M1,M2] [--resource R] [--type chat|normal|headline|groupchat]
       [--subject S] [--status S] [--nick N] [--trusted FILE.pem] [--timeout SECONDS]
       [--allow-plain-without-tls] [--danger-accept-invalid-certificates] [--json] TEXT
password: environment variable XMPP_PASSWORD, or a prompt when stdin is a terminal";

pub fn run(args: Vec<String>) -> ExitCode {
    match args.first().map(String::as_str) {
        Some("send") => match send(&args[1..]) {
            Ok(code) => code,
            Err(message) => {
                eprintln!("messenger xmpp: {message}\n{USAGE}");
                ExitCode::from(2)
            }
        },
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn send(args: &[String]) -> Result<ExitCode, String> {
    let mut options = SendOptions::default();
    let mut settings = NetSettings::default();
    let (mut jid, mut to, mut text) = (None, None, None);
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().cloned().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--jid" => jid = Some(value("--jid")?),
            "--to" => to = Some(value("--to")?),
            "--bosh" => options.bosh_url = Some(value("--bosh")?),
            "--server" => options.server = Some(value("--server")?),
            "--tls" => options.tls = Some(value("--tls")?),
            "--mechanisms" => {
                options.mechanisms = Some(
                    value("--mechanisms")?
                        .split(',')
                        .map(|s| s.trim().to_owned())
                        .collect(),
                )
            }
            "--resource" => options.resource = Some(value("--resource")?),
            "--type" => options.r#type = Some(value("--type")?),
            "--subject" => options.subject = Some(value("--subject")?),
            "--status" => options.status = Some(value("--status")?),
            "--nick" => options.nick = Some(value("--nick")?),
            "--trusted" => {
                let path = value("--trusted")?;
                let pem = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
                settings.trusted =
                    TrustedCertificates::from_pem(&pem).map_err(|e| e.to_string())?;
            }
            "--timeout" => {
                let s: u64 = value("--timeout")?
                    .parse()
                    .map_err(|_| "--timeout: expected seconds".to_owned())?;
                settings.timeout = Duration::from_secs(s.clamp(1, 3600));
            }
            "--allow-plain-without-tls" => options.allow_plain_without_tls = Some(true),
            "--danger-accept-invalid-certificates" => {
                options.danger_accept_invalid_certificates = Some(true)
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(ExitCode::SUCCESS);
            }
            s if s.starts_with("--") => return Err(format!("unknown option {s}")),
            s if text.is_none() => text = Some(s.to_owned()),
            _ => return Err("only one TEXT".into()),
        }
    }
    let jid = jid.ok_or("--jid is required")?;
    let to = to.ok_or("--to is required")?;
    let text = text.ok_or("TEXT is required")?;
    let password = password()?;
    let lang = std::env::var("LANG")
        .ok()
        .and_then(|l| Lang::from_locale(&l))
        .unwrap_or_default();
    match send_message(&settings, &jid, &password, &to, &text, &options) {
        Ok(result) => {
            println!("{}", serde_json::to_string(&result).unwrap_or_default());
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("{}", render(&e, lang));
            Ok(ExitCode::FAILURE)
        }
    }
}

fn password() -> Result<String, String> {
    if let Ok(p) = std::env::var("XMPP_PASSWORD") {
        return Ok(p);
    }
    if !std::io::stdin().is_terminal() {
        return Err("set XMPP_PASSWORD (no terminal to ask on)".into());
    }
    // No echo control without extra dependencies; say so rather than pretend.
    eprint!("XMPP password (will be echoed): ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}
