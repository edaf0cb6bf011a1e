//! `messenger xmpp send --jid … --to … [options] "text"`: SendXmpp from the command line;
//! with `--count N`, N messages through one persistent session (XmppConnect/XmppSend), for
//! load. `messenger xmpp send-file --jid … --to … FILE`: SendXmppFile (HTTP File Upload).
//! `messenger xmpp listen --jid …`: the session's incoming messages as JSON lines.
//! The password comes from the environment (XMPP_PASSWORD) or, on a terminal, from a prompt; it
//! is never an argument (arguments show up in `ps` and in shell history).

use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::setting::render;
use clap::{Args, Subcommand};
use messenger::i18n::Lang;
use messenger::net::NetSettings;
use messenger::xmpp::muc::{self, RoomOption};
use messenger::xmpp::roster::Policy;
use messenger::xmpp::upload::FileInput;
use messenger::xmpp::{send_message, session, LoginOptions, SendOptions};

use crate::usage::whole;
use crate::{out, Global, Stop};

#[derive(Args, Debug)]
#[command(
    after_help = "The password comes from the environment variable XMPP_PASSWORD, or from a \
                        prompt when stdin is a terminal; never from an argument."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Send a message (SendXmpp); with --count N, N messages through one session
    #[command(
        after_help = "With --count N one session sends \"TEXT #1\" .. \"TEXT #N\" without \
                            waiting for each acknowledgement, then waits for all of them (up to \
                            --timeout) and prints a JSON summary: sent, acked, failed, unconfirmed, \
                            seconds, rate, …\n\
                            Example: XMPP_PASSWORD=… messenger xmpp send --jid bot@example.org \
                            --to admin@example.org \"Backup done\""
    )]
    Send(SendArgs),
    /// Send a file (SendXmppFile): HTTP File Upload, then a message with its URL
    #[command(
        after_help = "The server's upload service (XEP-0363) is found, a file over its limit is \
                            refused before anything is uploaded; the file is streamed from disk \
                            through --proxy with --trusted and --timeout, then a message whose body \
                            is the download URL (with an out-of-band element, XEP-0066) is sent. \
                            Prints {\"id\", \"url\", \"jid\", \"transport\", \"mechanism\", \"acked\"}.\n\
                            Example: XMPP_PASSWORD=… messenger xmpp send-file --jid bot@example.org \
                            --to admin@example.org --name \"Отчёт за май.pdf\" /tmp/report.pdf"
    )]
    SendFile(SendFileArgs),
    /// Print the session's incoming messages as JSON lines on stdout (session states on stderr)
    Listen(ListenArgs),
}

/// How to reach and log in to the server: the same for send and listen.
#[derive(Args, Debug)]
struct Connection {
    /// The account to log in as (user@domain)
    #[arg(long, value_name = "JID")]
    jid: String,
    /// BOSH endpoint (http(s)://host:port/http-bind): BOSH instead of TCP
    #[arg(long, value_name = "URL")]
    bosh: Option<String>,
    /// host[:port] to connect to instead of the JID's domain on 5222
    #[arg(long, value_name = "HOST:PORT")]
    server: Option<String>,
    /// starttls (default), direct (XMPP over TLS) or none
    #[arg(long, value_name = "MODE")]
    tls: Option<String>,
    /// SASL mechanisms allowed, in order of preference: SCRAM-SHA-256,SCRAM-SHA-1,DIGEST-MD5,PLAIN
    #[arg(long, value_name = "M1,M2", value_delimiter = ',')]
    mechanisms: Option<Vec<String>>,
    /// The resource to bind [default: messenger-<random>]
    #[arg(long, value_name = "R")]
    resource: Option<String>,
    /// Presence status text; presence is sent only when it is given
    #[arg(long, value_name = "TEXT")]
    status: Option<String>,
    /// Allow PLAIN over an unencrypted connection: the password crosses the network readable
    #[arg(long)]
    allow_plain_without_tls: bool,
    /// Accept any server certificate: anyone on the path can read and change the traffic
    #[arg(long)]
    danger_accept_invalid_certificates: bool,
}

#[derive(Args, Debug)]
struct SendArgs {
    #[command(flatten)]
    connection: Connection,
    /// The recipient's JID (a room's JID with --type groupchat)
    #[arg(long, value_name = "JID")]
    to: String,
    /// chat (default), normal, headline or groupchat
    #[arg(long = "type", value_name = "TYPE")]
    kind: Option<String>,
    /// The message's subject
    #[arg(long, value_name = "TEXT")]
    subject: Option<String>,
    /// Nickname in the room for groupchat [default: the JID's localpart]
    #[arg(long, value_name = "NICK")]
    nick: Option<String>,
    /// Send N messages ("TEXT #1" .. "TEXT #N") through one session and print a summary
    #[arg(long, value_name = "N", value_parser = whole(1u64, 10_000_000))]
    count: Option<u64>,
    /// With --count: milliseconds between two messages (0..60000)
    #[arg(long, value_name = "MS", requires = "count", value_parser = whole(0u64, 60_000))]
    pace_ms: Option<u64>,
    /// The message text (with --count, the prefix of each message)
    #[arg(value_name = "TEXT")]
    text: String,
}

#[derive(Args, Debug)]
struct SendFileArgs {
    #[command(flatten)]
    connection: Connection,
    /// The recipient's JID (a room's JID with --type groupchat)
    #[arg(long, value_name = "JID")]
    to: String,
    /// chat (default), normal, headline or groupchat
    #[arg(long = "type", value_name = "TYPE")]
    kind: Option<String>,
    /// The message's subject
    #[arg(long, value_name = "TEXT")]
    subject: Option<String>,
    /// Nickname in the room for groupchat [default: the JID's localpart]
    #[arg(long, value_name = "NICK")]
    nick: Option<String>,
    /// The file name the recipient sees [default: the file's own name]
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// The file to send (a regular file, streamed)
    #[arg(value_name = "FILE")]
    file: std::path::PathBuf,
}

#[derive(Args, Debug)]
struct ListenArgs {
    #[command(flatten)]
    connection: Connection,
    /// Stop after N messages
    #[arg(long, value_name = "N", value_parser = whole(1u64, 10_000_000))]
    count: Option<u64>,
    /// Stop after this many seconds [default: never]
    #[arg(long = "for", value_name = "SECONDS", value_parser = whole(0u64, u64::MAX / 4))]
    listen_for: Option<u64>,
    /// Join this room (room@service, or room@service/nick) on connect and after every
    /// reconnection; repeatable. A room password comes from XMPP_ROOM_PASSWORD
    #[arg(long, value_name = "ROOM[/NICK]")]
    room: Vec<String>,
    /// Old messages fetched on each room's first join
    #[arg(long, value_name = "N", value_parser = whole(0u64, 1000))]
    room_history: Option<u64>,
    /// Answer presence subscription requests: accept, reject, or ask (print them)
    #[arg(long, value_name = "POLICY")]
    subscriptions: Option<String>,
    /// Print contacts' presence changes too
    #[arg(long)]
    presence: bool,
}

impl Connection {
    fn options(&self) -> SendOptions {
        SendOptions {
            bosh_url: self.bosh.clone(),
            server: self.server.clone(),
            tls: self.tls.clone(),
            mechanisms: self
                .mechanisms
                .as_ref()
                .map(|list| list.iter().map(|m| m.trim().to_owned()).collect()),
            resource: self.resource.clone(),
            status: self.status.clone(),
            allow_plain_without_tls: self.allow_plain_without_tls.then_some(true),
            danger_accept_invalid_certificates: self
                .danger_accept_invalid_certificates
                .then_some(true),
            ..SendOptions::default()
        }
    }
}

pub fn run(cli: &Cli, global: &Global) -> Result<(), Stop> {
    let settings = global.net_settings()?;
    match &cli.command {
        Command::Send(args) => send(args, &settings),
        Command::SendFile(args) => send_file(args, &settings),
        Command::Listen(args) => listen(args, &settings),
    }
}

fn lang() -> Lang {
    crate::lang()
}

fn send(args: &SendArgs, settings: &NetSettings) -> Result<(), Stop> {
    let options = SendOptions {
        r#type: args.kind.clone(),
        subject: args.subject.clone(),
        nick: args.nick.clone(),
        ..args.connection.options()
    };
    let jid = &args.connection.jid;
    let password = password()?;
    if let Some(count) = args.count {
        let pace = Duration::from_millis(args.pace_ms.unwrap_or(0));
        return send_many(
            settings, &options, jid, &password, &args.to, &args.text, count, pace,
        );
    }
    match send_message(settings, jid, &password, &args.to, &args.text, &options) {
        Ok(result) => out::line(serde_json::to_string(&result).unwrap_or_default()),
        Err(e) => Err(Stop::Failed(render(&e, lang()))),
    }
}

fn send_file(args: &SendFileArgs, settings: &NetSettings) -> Result<(), Stop> {
    let options = SendOptions {
        r#type: args.kind.clone(),
        subject: args.subject.clone(),
        nick: args.nick.clone(),
        ..args.connection.options()
    };
    let password = password()?;
    let message = session::Outgoing {
        to: args.to.clone(),
        kind: args.kind.clone(),
        subject: args.subject.clone(),
        nick: args.nick.clone(),
        ..session::Outgoing::default()
    };
    let file = FileInput::Path(args.file.to_string_lossy().into_owned());
    match messenger::xmpp::send_file(
        settings,
        &args.connection.jid,
        &password,
        &file,
        args.name.as_deref(),
        &message,
        &options,
    ) {
        Ok(result) => out::line(serde_json::to_string(&result).unwrap_or_default()),
        Err(e) => Err(Stop::Failed(render(&e, lang()))),
    }
}

/// Prints the session's state changes on stderr as JSON lines, and counts reconnections.
#[derive(Default)]
struct StderrStates {
    reconnects: std::sync::atomic::AtomicU32,
}

impl session::Observer for StderrStates {
    fn event(&self, event: session::Event<'_>) {
        match event {
            session::Event::State { state, attempt, .. } => {
                if matches!(state, session::State::Connected | session::State::Resumed)
                    && attempt > 0
                {
                    self.reconnects
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                out::warn(event.json(lang()));
            }
            // A room lost or the roster cut is a change of state too (the item also comes on
            // stdout).
            session::Event::Notice(n) if n.is_state() => {
                out::warn(event.json(lang()));
            }
            _ => {}
        }
    }
}

fn open_session(
    settings: &NetSettings,
    options: &SendOptions,
    jid: &str,
    password: &str,
    observer: Arc<dyn session::Observer>,
    social: session::Social,
) -> Result<session::Client, Stop> {
    let login = LoginOptions::from_send_options(settings, jid, options)
        .map_err(|e| Stop::Failed(render(&e, lang())))?;
    let config = session::Config {
        settings: settings.clone(),
        login,
        status: options.status.clone(),
        priority: options.priority,
    };
    session::Client::connect_with(config, social, password, Some(observer), Default::default())
        .map_err(|e| Stop::Failed(render(&e, lang())))
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
) -> Result<(), Stop> {
    let states = Arc::new(StderrStates::default());
    let login = Instant::now();
    let mut client = open_session(
        settings,
        options,
        jid,
        password,
        states.clone(),
        session::Social::default(),
    )?;
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
                out::warn(render(&e, lang()));
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
                out::warn(
                    serde_json::json!({"failed": id, "index": i, "error": render(&e, lang())}),
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
    drop(client);
    out::line(summary)?;
    if acked == count {
        Ok(())
    } else {
        Err(Stop::Reported)
    }
}

/// `listen`: incoming messages as JSON lines until --count messages or --for seconds, or until
/// the reader of stdout goes away.
fn listen(args: &ListenArgs, settings: &NetSettings) -> Result<(), Stop> {
    let password = password()?;
    let room_password = std::env::var("XMPP_ROOM_PASSWORD").ok();
    let rooms: Vec<RoomOption> = args
        .room
        .iter()
        .map(|room| RoomOption {
            room: room.clone(),
            nick: None,
            password: room_password.clone(),
            history: args.room_history.map(|n| n as u32),
        })
        .collect();
    let jid = &args.connection.jid;
    let fail = |e: messenger::xmpp::Error| Stop::Failed(render(&e, lang()));
    let social = session::Social {
        rooms: muc::configs(&rooms, jid)
            .map_err(messenger::xmpp::Error::RoomOption)
            .map_err(fail)?,
        subscriptions: match &args.subscriptions {
            Some(p) => Policy::parse(p).map_err(fail)?,
            None => Policy::default(),
        },
        presence_updates: args.presence,
    };
    let client = open_session(
        settings,
        &args.connection.options(),
        jid,
        &password,
        Arc::new(StderrStates::default()),
        social,
    )?;
    // A time beyond what the clock can count: never.
    let until = args
        .listen_for
        .and_then(|s| Instant::now().checked_add(Duration::from_secs(s)));
    let mut seen = 0u64;
    loop {
        let left = match until {
            Some(t) => t.saturating_duration_since(Instant::now()),
            None => Duration::from_secs(3600),
        };
        if left.is_zero() || args.count.is_some_and(|n| seen >= n) {
            break;
        }
        if !client.is_live() {
            return Err(Stop::Reported);
        }
        let batch = client.receive(left.min(Duration::from_secs(1)));
        for m in batch {
            seen += 1;
            out::line(m.json(lang()).to_string())?;
        }
    }
    drop(client);
    Ok(())
}

fn password() -> Result<String, Stop> {
    if let Ok(p) = std::env::var("XMPP_PASSWORD") {
        return Ok(p);
    }
    if !std::io::stdin().is_terminal() {
        return Err(Stop::Usage(
            lang()
                .pick(
                    "задайте пароль в переменной окружения XMPP_PASSWORD (спросить негде: ввод не с терминала)",
                    "set XMPP_PASSWORD (no terminal to ask on)",
                )
                .to_owned(),
        ));
    }
    // No echo control without extra dependencies; say so rather than pretend.
    let _ = write!(
        std::io::stderr(),
        "{}",
        lang().pick(
            "Пароль XMPP (будет виден при вводе): ",
            "XMPP password (will be echoed): "
        )
    );
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Stop::Failed(e.to_string()))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}
