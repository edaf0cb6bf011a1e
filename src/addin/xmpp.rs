//! The XMPP members: SendXmpp, and the session XmppConnect, XmppSend, XmppReceive,
//! XmppSendStatus, XmppDisconnect, XmppRoster with its XmppMessage / XmppState / XmppPresence
//! external events, and the files: SendXmppFile and XmppSendFile.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use super::args::Args;
use super::error::AddinError;
use super::value::Value;
use super::{EventSink, Messenger};
use crate::i18n::{render, Lang};
use crate::net::secrets::Secrets;
use crate::net::NetSettings;
use crate::xmpp::ledger::Fate;
use crate::xmpp::{self, session};

/// The source name of our external events, as docs/en/reference.md gives it.
const EVENT_SOURCE: &str = "Messenger";

/// Longest XmppReceive wait, seconds (as the Timeout property).
const MAX_RECEIVE_WAIT: i64 = 3600;

/// What one message of a session may carry (XmppSend's Параметры).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct MessageOptions {
    #[serde(rename = "type")]
    kind: Option<String>,
    subject: Option<String>,
    thread: Option<String>,
    nick: Option<String>,
    id: Option<String>,
    /// `approve` or `deny`: answers the subscription request of the recipient (kept by
    /// `subscriptions: "ask"`) instead of sending a message.
    subscription: Option<String>,
}

/// The session's events as 1C's ExternalEvent, with errors in the object's language and the
/// session's secrets taken out of them.
struct Bridge {
    sink: Arc<dyn EventSink>,
    lang: Lang,
    secrets: Secrets,
}

impl session::Observer for Bridge {
    fn event(&self, event: session::Event<'_>) {
        let name = match event {
            session::Event::Message(_) => "XmppMessage",
            session::Event::State { .. } => "XmppState",
            // A room lost or the roster cut changes the session's state; contacts' news is
            // presence.
            session::Event::Notice(n) if n.is_state() => "XmppState",
            session::Event::Notice(_) => "XmppPresence",
        };
        // A message's text is the sender's and stays as sent; states and notices carry
        // errors, which may echo the session's secrets: scrubbed in the value, before JSON
        // escapes a secret's `"` or `\`.
        let data = match event {
            session::Event::Message(_) => event.json(self.lang),
            _ => {
                let mut value = event.value(self.lang);
                self.secrets.scrub_json(&mut value);
                value.to_string()
            }
        };
        self.sink.external_event(EVENT_SOURCE, name, &data);
    }
}

fn xmpp_error(args: &Args, source: xmpp::Error) -> AddinError {
    AddinError::Xmpp {
        method: args.method,
        source,
    }
}

/// What a server or a proxy may echo back into an error: the password and the proxy's
/// credentials.
///
/// They are taken out here, of the rendered texts, rather than where the xmpp module builds
/// its errors: server text reaches those from many places (SASL failures, stream and stanza
/// errors, BOSH, the proxy tunnel, HTTP File Upload, rooms), and this is the one place that
/// knows both the password and the proxy and that every text for 1C passes. A variant or
/// field added there later is covered without a change here.
fn secrets(settings: &NetSettings, jid: &str, password: &str) -> Secrets {
    let mut secrets = Secrets::new();
    secrets.add(password);
    // SASL PLAIN's initial response, as a server that quotes what it got would show it.
    if !password.is_empty() {
        let user = jid.split_once('@').map_or(jid, |(local, _)| local);
        secrets.add_base64_of(format!("\0{user}\0{password}").as_bytes());
    }
    if let Some(proxy) = &settings.proxy {
        secrets.add_proxy(proxy);
    }
    secrets
}

/// The error of a call that knows `secrets`, rendered without them.
fn scrubbed(error: AddinError, secrets: &Secrets) -> AddinError {
    if secrets.is_empty() {
        return error;
    }
    AddinError::Scrubbed {
        error: Box::new(error),
        secrets: secrets.clone(),
    }
}

pub(super) fn send(m: &mut Messenger, args: &Args) -> Result<Value, AddinError> {
    let jid = args.string(0)?;
    let password = args.string(1)?;
    let to = args.string(2)?;
    let text = args.string(3)?;
    let options: xmpp::SendOptions = args.options(4)?;
    let settings = m.settings.net();
    let secrets = secrets(&settings, jid, password);
    let sent = xmpp::send_message(&settings, jid, password, to, text, &options)
        .map_err(|e| scrubbed(xmpp_error(args, e), &secrets))?;
    super::json(args.method, &sent)
}

pub(super) fn connect(m: &mut Messenger, args: &Args) -> Result<Value, AddinError> {
    let jid = args.string(0)?;
    let password = args.string(1)?;
    let options: xmpp::SendOptions = args.options(2)?;
    let settings = m.settings.net();
    let secrets = secrets(&settings, jid, password);
    let login = xmpp::LoginOptions::from_send_options(&settings, jid, &options)
        .map_err(|e| scrubbed(xmpp_error(args, e), &secrets))?;
    // One session per object: a new XmppConnect replaces the old one, keeping what it
    // received and nobody took yet and the fates of what it sent. Should the new one not come
    // up, the old one stays (closed) with both, so nothing is lost to a failed reconnection.
    let mut old = m.xmpp.take();
    let carry = match old.as_mut() {
        Some(old) => {
            old.disconnect();
            old.take_inbox()
        }
        None => VecDeque::new(),
    };
    let observer = m.events.clone().map(|sink| {
        Arc::new(Bridge {
            sink,
            lang: m.lang(),
            secrets: secrets.clone(),
        }) as Arc<dyn session::Observer>
    });
    let config = session::Config {
        settings,
        login,
        status: options.status.clone(),
        priority: options.priority,
    };
    let social = social(jid, &options).map_err(|e| xmpp_error(args, e))?;
    match session::Client::connect_with(config, social, password, observer, VecDeque::new()) {
        Ok(client) => {
            client.prepend_inbox(carry);
            if let Some(old) = &old {
                client.inherit_status(old);
            }
            let info = client.info.clone();
            m.xmpp = Some(client);
            m.xmpp_secrets = secrets;
            super::json(args.method, &info)
        }
        Err(e) => {
            if let Some(old) = old {
                old.prepend_inbox(carry);
                m.xmpp = Some(old);
            }
            Err(scrubbed(xmpp_error(args, e), &secrets))
        }
    }
}

/// The rooms and contacts options of XmppConnect, checked.
fn social(jid: &str, options: &xmpp::SendOptions) -> Result<session::Social, xmpp::Error> {
    let rooms = xmpp::muc::configs(options.rooms.as_deref().unwrap_or_default(), jid)
        .map_err(xmpp::Error::RoomOption)?;
    let subscriptions = match options.subscriptions.as_deref() {
        Some(policy) => xmpp::roster::Policy::parse(policy)?,
        None => xmpp::roster::Policy::default(),
    };
    Ok(session::Social {
        rooms,
        subscriptions,
        presence_updates: options.presence_updates.unwrap_or(false),
    })
}

pub(super) fn session_send(m: &mut Messenger, args: &Args) -> Result<Value, AddinError> {
    let to = args.string(0)?;
    let text = args.string(1)?;
    let options: MessageOptions = args.options(2)?;
    let client = m
        .xmpp
        .as_ref()
        .filter(|c| c.is_live())
        .ok_or_else(|| xmpp_error(args, xmpp::Error::NotConnected))?;
    if let Some(answer) = options.subscription.as_deref() {
        let approve = match answer {
            "approve" => true,
            "deny" => false,
            _ => {
                return Err(xmpp_error(
                    args,
                    xmpp::Error::InvalidOption {
                        name: "subscription",
                        reason: xmpp::OptionReason::ApproveOrDeny,
                    },
                ))
            }
        };
        let sent = client
            .answer_subscription(to, approve)
            .map_err(|e| scrubbed(xmpp_error(args, e), &m.xmpp_secrets))?;
        return super::json(args.method, &sent);
    }
    let message = session::Outgoing {
        to: to.to_owned(),
        body: text.to_owned(),
        kind: options.kind,
        subject: options.subject,
        thread: options.thread,
        nick: options.nick,
        id: options.id,
        extra: Vec::new(),
    };
    let sent = client
        .send(&message)
        .map_err(|e| scrubbed(xmpp_error(args, e), &m.xmpp_secrets))?;
    super::json(args.method, &sent)
}

/// SendXmppFile(JID, Пароль, Получатель, Файл, ИмяФайла = "", Параметры = ""): SendXmpp's
/// options (connection, `type`, `subject`, ...).
pub(super) fn send_file(m: &mut Messenger, args: &Args) -> Result<Value, AddinError> {
    let jid = args.string(0)?;
    let password = args.string(1)?;
    let to = args.string(2)?;
    let file = args.local_file(3)?;
    let name = args.optional_string(4)?;
    let options: xmpp::SendOptions = args.options(5)?;
    let message = session::Outgoing {
        to: to.to_owned(),
        kind: options.r#type.clone(),
        subject: options.subject.clone(),
        nick: options.nick.clone(),
        ..session::Outgoing::default()
    };
    let settings = m.settings.net();
    let secrets = secrets(&settings, jid, password);
    let sent = xmpp::send_file(&settings, jid, password, &file, name, &message, &options)
        .map_err(|e| scrubbed(xmpp_error(args, e), &secrets))?;
    super::json(args.method, &sent)
}

/// XmppSendFile(Получатель, Файл, ИмяФайла = "", Параметры = ""): XmppSend's options.
pub(super) fn session_send_file(m: &mut Messenger, args: &Args) -> Result<Value, AddinError> {
    let to = args.string(0)?;
    let file = args.local_file(1)?;
    let name = args.optional_string(2)?;
    let options: MessageOptions = args.options(3)?;
    let client = m
        .xmpp
        .as_ref()
        .filter(|c| c.is_live())
        .ok_or_else(|| xmpp_error(args, xmpp::Error::NotConnected))?;
    let message = session::Outgoing {
        to: to.to_owned(),
        kind: options.kind,
        subject: options.subject,
        thread: options.thread,
        nick: options.nick,
        id: options.id,
        ..session::Outgoing::default()
    };
    let sent = client
        .send_file(&file, name, &message)
        .map_err(|e| scrubbed(xmpp_error(args, e), &m.xmpp_secrets))?;
    super::json(args.method, &sent)
}

pub(super) fn receive(m: &mut Messenger, args: &Args) -> Result<Value, AddinError> {
    let wait = args.whole_number(0, 0, MAX_RECEIVE_WAIT)?;
    let client = m
        .xmpp
        .as_ref()
        .ok_or_else(|| xmpp_error(args, xmpp::Error::NotConnected))?;
    let messages = client.receive(Duration::from_secs(wait as u64));
    // After a disconnect the messages already received are still handed out; an empty
    // answer from a dead session would hide that it is dead.
    if messages.is_empty() && !client.is_live() {
        return Err(xmpp_error(args, xmpp::Error::NotConnected));
    }
    let lang = m.lang();
    // Notices (a room refused, ...) carry errors and are scrubbed as the events are; messages
    // stay as their senders wrote them.
    let secrets = &m.xmpp_secrets;
    let items: Vec<serde_json::Value> = messages
        .iter()
        .map(|i| {
            let mut item = i.json(lang);
            if i.notice.is_some() {
                secrets.scrub_json(&mut item);
            }
            item
        })
        .collect();
    super::json(args.method, &items)
}

/// XmppRoster: the contacts of the live session with their presence now.
pub(super) fn roster(m: &mut Messenger, args: &Args) -> Result<Value, AddinError> {
    let client = m
        .xmpp
        .as_ref()
        .filter(|c| c.is_live())
        .ok_or_else(|| xmpp_error(args, xmpp::Error::NotConnected))?;
    super::json(args.method, &client.roster())
}

pub(super) fn disconnect(m: &mut Messenger, _args: &Args) -> Result<Value, AddinError> {
    let was_live = match m.xmpp.as_mut() {
        Some(client) => client.disconnect(),
        None => false,
    };
    Ok(Value::Bool(was_live))
}

/// One row of XmppSendStatus's answer (docs/en/reference.md).
#[derive(serde::Serialize)]
struct StatusRow {
    id: String,
    /// `acked`, `pending` or `failed`.
    state: &'static str,
    /// Why it failed, in the object's language; "" otherwise.
    reason: String,
}

/// XmppSendStatus(Идентификаторы = ""): "" = every message not yet reported; otherwise a JSON
/// array of ids or one id.
pub(super) fn send_status(m: &mut Messenger, args: &Args) -> Result<Value, AddinError> {
    let text = args.string(0)?.trim();
    let ids: Option<Vec<String>> = if text.is_empty() {
        None
    } else if text.starts_with('[') {
        let list = serde_json::from_str(text).map_err(|e| AddinError::Options {
            method: args.method,
            index: 0,
            reason: crate::reason::JsonReason::of(&e),
        })?;
        Some(list)
    } else {
        Some(vec![text.to_owned()])
    };
    let client = m
        .xmpp
        .as_ref()
        .ok_or_else(|| xmpp_error(args, xmpp::Error::NotConnected))?;
    let lang = m.lang();
    let rows: Vec<StatusRow> = client
        .status(ids.as_deref())
        .into_iter()
        .map(|(id, fate)| {
            let (state, reason) = match fate {
                Some(Fate::Acked) => ("acked", String::new()),
                Some(Fate::Pending) => ("pending", String::new()),
                Some(Fate::Failed(why)) => (
                    "failed",
                    m.xmpp_secrets.scrub(&render(&xmpp::Error::from(why), lang)),
                ),
                None => ("failed", render(&xmpp::Error::UnknownMessageId, lang)),
            };
            StatusRow { id, state, reason }
        })
        .collect();
    super::json(args.method, &rows)
}
