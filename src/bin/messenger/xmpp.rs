//! `messenger xmpp send --jid … --to … [options] "text"`: SendXmpp from the command line;
//! with `--count N`, N messages through one persistent session (XmppConnect/XmppSend), for
//! load. `messenger xmpp listen --jid …`: the session's incoming messages as JSON lines.
//! The password comes from the environment (XMPP_PASSWORD) or, on a terminal, from a prompt; it
//! is never an argument (arguments show up in `ps` and in shell history).

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::setting::render;
use messenger::i18n::Lang;
use messenger::net::{NetSettings, TrustedCertificates};
use messenger::xmpp::{send_message, session, LoginOptions, SendOptions};

const USAGE: &str = "usage: messenger xmpp send --jid JID --to JID [--bosh URL] [--server HOST:PORT]
       [--tls starttls|direct|none] [--mechanisms M1,M2] [--resource R] [--type chat|normal|headline|groupchat]
       [--subject S] [--status S] [--nick N] [--trusted FILE.pem] [--timeout SECONDS]
       [--allow-plain-without-tls] [--danger-accept-invalid-certificates]
       [--count N [--pace-ms MS]] TEXT
         with --count: one session sends \"TEXT #1\" .. \"TEXT #N\" without waiting for each ack,
         then waits for all and prints a JSON summary {sent, acked, failed, unconfirmed, seconds, rate}
       messenger xmpp listen --jid JID [connection options as above] [--count N] [--for SECONDS]
         prints each incoming message as a JSON line on stdout, session states on stderr
password: environment variable XMPP_PASSWORD, or a prompt when stdin is a terminal";

pub fn run(args: Vec<String>) -> ExitCode {
    match args.first().map(String::as_str) {
        Some(cmd @ ("send" | "listen")) => match if cmd == "send" {
            send(&args[1..])
        } else {
            listen(&args[1..])
        } {
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

/// The command line, parsed.
#[derive(Default)]
struct Cli {
    options: SendOptions,
    settings: NetSettings,
    jid: Option<String>,
    to: Option<String>,
    text: Option<String>,
    count: Option<u64>,
    pace: Duration,
    listen_for: Option<Duration>,
}

fn lang() -> Lang {
    std::env::var("LANG")
        .ok()
        .and_then(|l| Lang::from_locale(&l))
        .unwrap_or_default()
}

fn send(args: &[String]) -> Result<ExitCode, String> {
    let Some(cli) = parse(args)? else {
        return Ok(ExitCode::SUCCESS);
    };
    let jid = cli.jid.ok_or("--jid is required")?;
    let to = cli.to.ok_or("--to is required")?;
    let text = cli.text.ok_or("TEXT is required")?;
    if cli.listen_for.is_some() {
        return Err("--for belongs to listen".into());
    }
    let password = password()?;
    if let Some(count) = cli.count {
        return send_many(
            &cli.settings,
            &cli.options,
            &jid,
            &password,
            &to,
            &text,
            count,
            cli.pace,
        );
    }
    match send_message(&cli.settings, &jid, &password, &to, &text, &cli.options) {
        Ok(result) => {
            println!("{}", serde_json::to_string(&result).unwrap_or_default());
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("{}", render(&e, lang()));
            Ok(ExitCode::FAILURE)
        }
    }
}

/// Prints the session's state changes on stderr as JSON lines, and counts reconnections.
#[derive(Default)]
struct StderrStates {
    reconnects: std::sync::atomic::AtomicU32,
}

impl session::Observer for StderrStates {
    fn event(&self, event: session::Event<'_>) {
        if let session::Event::State { state, attempt, .. } = event {
            if matches!(state, session::State::Connected | session::State::Resumed) && attempt > 0 {
                self.reconnects
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            eprintln!("{}", event.json(lang()));
        }
    }
}

fn open_session(
    settings: &NetSettings,
    options: &SendOptions,
    jid: &str,
    password: &str,
    observer: Arc<dyn session::Observer>,
) -> Result<session::Client, ExitCode> {
    let login = LoginOptions::from_send_options(settings, jid, options).map_err(|e| {
        eprintln!("{}", render(&e, lang()));
        ExitCode::FAILURE
    })?;
    let config = session::Config {
        settings: settings.clone(),
        login,
        status: options.status.clone(),
        priority: options.priority,
    };
    session::Client::connect(config, password, Some(observer), Default::default()).map_err(|e| {
        eprintln!("{}", render(&e, lang()));
        ExitCode::FAILURE
    })
}

/// `send --count N`: N messages through one session, pipelined; then every ack awaited.
#[allow(clippy::too_many_arguments)]
fn send_many(
    settings: &NetSettings,
    options: &SendOptions,
    jid: &str,
    password: &str,
    to: &str,
    text: &str,
    count: u64,
    pace: Duration,
) -> Result<ExitCode, String> {
    let states = Arc::new(StderrStates::default());
    let login = Instant::now();
    let mut client = match open_session(settings, options, jid, password, states.clone()) {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    let login_seconds = login.elapsed().as_secs_f64();
    // Wall-clock time of the first submit, for benchmarks that time arrivals elsewhere.
    let started_at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);
    let started = Instant::now();
    let mut tickets = Vec::with_capacity(count as usize);
    for i in 1..=count {
        let message = session::Outgoing {
            to: to.to_owned(),
            body: format!("{text} #{i}"),
            kind: options.r#type.clone(),
            subject: options.subject.clone(),
            nick: options.nick.clone(),
            ..session::Outgoing::default()
        };
        match client.submit(&message) {
            Ok(t) => tickets.push((i, t)),
            Err(e) => {
                eprintln!("{}", render(&e, lang()));
                break;
            }
        }
        if !pace.is_zero() {
            std::thread::sleep(pace);
        }
    }
    let deadline = Instant::now() + settings.timeout;
    let (mut acked, mut failed, mut unconfirmed) = (0u64, 0u64, 0u64);
    for (i, (id, ticket)) in &tickets {
        match ticket.wait(deadline) {
            Some(Ok(())) => acked += 1,
            Some(Err(e)) => {
                failed += 1;
                eprintln!(
                    "{}",
                    serde_json::json!({"failed": id, "index": i, "error": render(&e, lang())})
                );
            }
            None => unconfirmed += 1,
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    // Everything is settled: the close waits for nothing (XmppDisconnect's cost on its own).
    let closing = Instant::now();
    client.disconnect();
    let disconnect_seconds = closing.elapsed().as_secs_f64();
    let summary = serde_json::json!({
        "sent": tickets.len(),
        "acked": acked,
        "failed": failed,
        "unconfirmed": unconfirmed + (count - tickets.len() as u64),
        "seconds": seconds,
        "rate": if seconds > 0.0 { acked as f64 / seconds } else { 0.0 },
        "login_seconds": login_seconds,
        "disconnect_seconds": disconnect_seconds,
        "started_at": started_at,
        "jid": client.info.jid,
        "stream_management": client.info.stream_management,
        "reconnects": states.reconnects.load(std::sync::atomic::Ordering::Relaxed),
    });
    println!("{summary}");
    drop(client);
    Ok(if acked == count {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `listen`: incoming messages as JSON lines until --count messages or --for seconds.
fn listen(args: &[String]) -> Result<ExitCode, String> {
    let Some(cli) = parse(args)? else {
        return Ok(ExitCode::SUCCESS);
    };
    let jid = cli.jid.ok_or("--jid is required")?;
    if cli.to.is_some() || cli.text.is_some() || !cli.pace.is_zero() {
        return Err("listen takes no --to, --pace-ms or TEXT".into());
    }
    let password = password()?;
    let client = match open_session(
        &cli.settings,
        &cli.options,
        &jid,
        &password,
        Arc::new(StderrStates::default()),
    ) {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    let until = cli.listen_for.map(|d| Instant::now() + d);
    let mut seen = 0u64;
    let stdout = std::io::stdout();
    loop {
        let left = match until {
            Some(t) => t.saturating_duration_since(Instant::now()),
            None => Duration::from_secs(3600),
        };
        if left.is_zero() || cli.count.is_some_and(|n| seen >= n) {
            break;
        }
        if !client.is_live() {
            return Ok(ExitCode::FAILURE);
        }
        let batch = client.receive(left.min(Duration::from_secs(1)));
        let mut out = stdout.lock();
        for m in batch {
            seen += 1;
            let _ = writeln!(out, "{}", serde_json::to_string(&m).unwrap_or_default());
        }
        let _ = out.flush();
    }
    drop(client);
    Ok(ExitCode::SUCCESS)
}

/// Parses the options; `None` when help was printed.
fn parse(args: &[String]) -> Result<Option<Cli>, String> {
    let mut cli = Cli::default();
    let options = &mut cli.options;
    let settings = &mut cli.settings;
    let (jid, to, text) = (&mut cli.jid, &mut cli.to, &mut cli.text);
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().cloned().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--jid" => *jid = Some(value("--jid")?),
            "--to" => *to = Some(value("--to")?),
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
            "--count" => {
                let n: u64 = value("--count")?
                    .parse()
                    .map_err(|_| "--count: expected a whole number".to_owned())?;
                if !(1..=10_000_000).contains(&n) {
                    return Err("--count: 1 to 10000000".into());
                }
                cli.count = Some(n);
            }
            "--pace-ms" => {
                let ms: u64 = value("--pace-ms")?
                    .parse()
                    .map_err(|_| "--pace-ms: expected milliseconds".to_owned())?;
                cli.pace = Duration::from_millis(ms.min(60_000));
            }
            "--for" => {
                let s: u64 = value("--for")?
                    .parse()
                    .map_err(|_| "--for: expected seconds".to_owned())?;
                cli.listen_for = Some(Duration::from_secs(s));
            }
            "--danger-accept-invalid-certificates" => {
                options.danger_accept_invalid_certificates = Some(true)
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(None);
            }
            s if s.starts_with("--") => return Err(format!("unknown option {s}")),
            s if text.is_none() => *text = Some(s.to_owned()),
            _ => return Err("only one TEXT".into()),
        }
    }
    Ok(Some(cli))
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
