//! The persistent session (XmppConnect, XmppSend, XmppReceive, XmppDisconnect): one logged-in
//! stream kept alive by a worker thread, with stream management (XEP-0198) so that "acked"
//! means the server counted the message, and recovery after a lost connection.
//!
//! Threads: the [`Client`] belongs to the caller; a worker thread owns the connection and all
//! protocol state; per connection a reader thread parses what arrives and hands it to the
//! worker. Everything reaches the worker through one channel, so the worker never blocks on the
//! network for reading and sends never wait behind a quiet server. Dropping the client stops
//! the worker and joins both threads: no thread outlives the object (the add-in may be unloaded
//! right after).
//!
//! Delivery rules: a message is `acked` only when the server counted it (`<a h/>` of XEP-0198,
//! or, on a server without it, the answer to a ping sent after it). After a lost connection the
//! session resumes and resends what was not acked; when resuming is impossible those messages
//! are reported failed ([`Error::NotDelivered`] to a waiting sender, `failed_ids` in the state
//! event) — never dropped silently. Messages not yet written wait for the next connection.

use std::collections::VecDeque;
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::ledger::{Fate, StatusBook};
use super::login::LoginOptions;
use super::transport::tcp::Interrupt;
use super::xml::Element;
use super::{Error, SendFailure};
use crate::i18n::{render, Lang};
use crate::net::NetSettings;

pub use super::outgoing::{Incoming, Outgoing};
pub use super::stanza::{NS_DELAY, NS_SM};

/// Incoming messages kept for XmppReceive. Beyond this the sender gets a
/// `resource-constraint` error back and the state event reports the overflow: bounded memory,
/// nothing lost without a word.
pub const INBOX_LIMIT: usize = 100_000;

/// Settled fates kept for XmppSendStatus (see [`StatusBook`]).
pub const STATUS_LIMIT: usize = 100_000;

/// What XmppConnect returns.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ConnectInfo {
    pub jid: String,
    pub transport: String,
    pub mechanism: String,
    pub stream_management: bool,
}

/// What XmppSend returns.
#[derive(Clone, Debug, serde::Serialize, PartialEq, Eq)]
pub struct Sent {
    pub id: String,
    pub acked: bool,
}

/// The session's condition, as the XmppState event reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Connected,
    Reconnecting,
    Resumed,
    /// Gave up: an error that retrying cannot cure (wrong password...). The session has ended.
    Failed,
    Disconnected,
    /// The inbox is full; messages are being refused (the senders are told).
    Overflow,
}

impl State {
    pub fn name(self) -> &'static str {
        match self {
            State::Connected => "connected",
            State::Reconnecting => "reconnecting",
            State::Resumed => "resumed",
            State::Failed => "failed",
            State::Disconnected => "disconnected",
            State::Overflow => "overflow",
        }
    }
}

/// Something for whoever uses the session (the 1C layer turns it into ExternalEvent).
pub enum Event<'a> {
    Message(&'a Incoming),
    /// An item that is no message (`notice` set): a contact's presence, a subscription
    /// request, a room lost, the roster cut (see [`Incoming::notice`]).
    Notice(&'a Incoming),
    State {
        state: State,
        jid: &'a str,
        /// Reconnection attempt (0 when connected).
        attempt: u32,
        error: Option<&'a Error>,
        /// Messages reported failed with this change (sent, not acked, resume impossible).
        failed_ids: &'a [String],
    },
}

impl Event<'_> {
    /// The event's JSON as docs/en/reference.md gives it (XmppMessage: the message; XmppState: state, jid,
    /// attempt, error in `lang`, failed_ids).
    pub fn json(&self, lang: Lang) -> String {
        self.value(lang).to_string()
    }

    /// The event's JSON as a value, for a caller that changes it before writing it out (the
    /// add-in scrubs secrets from its strings).
    pub fn value(&self, lang: Lang) -> serde_json::Value {
        match self {
            Event::Message(m) => serde_json::to_value(m).unwrap_or_default(),
            // A room lost is a change of the session's state: `state` says which.
            Event::Notice(n) if n.is_state() => {
                let state = match n.notice {
                    Some("room") => "room_failed",
                    _ => "roster_truncated",
                };
                let mut value = n.json(lang);
                if let Some(map) = value.as_object_mut() {
                    map.insert("state".into(), state.into());
                }
                value
            }
            Event::Notice(n) => n.json(lang),
            Event::State {
                state,
                jid,
                attempt,
                error,
                failed_ids,
            } => serde_json::json!({
                "state": state.name(),
                "jid": jid,
                "attempt": attempt,
                "error": error.map(|e| render(e, lang)),
                "failed_ids": failed_ids,
            }),
        }
    }
}

/// Receives the session's events, on the worker thread; must not block for long.
pub trait Observer: Send + Sync {
    fn event(&self, event: Event<'_>);
}

/// Settings of a session: the same as SendXmpp's, plus the presence to announce.
#[derive(Clone)]
pub struct Config {
    pub settings: NetSettings,
    pub login: LoginOptions,
    pub status: Option<String>,
    pub priority: Option<i8>,
}

/// The session's rooms and contacts settings ([`Client::connect_with`]).
#[derive(Clone, Debug, Default)]
pub struct Social {
    /// Rooms joined on connect and after every new stream.
    pub rooms: Vec<super::muc::RoomConfig>,
    /// How presence subscription requests are answered.
    pub subscriptions: super::roster::Policy,
    /// Contacts' presence changes go to the queue too (not only to events).
    pub presence_updates: bool,
}

type Outcome = Result<(), Error>;

/// Where the worker puts the outcome of one message and its sender waits for it.
#[derive(Default)]
pub struct Ticket {
    outcome: Mutex<Option<Outcome>>,
    done: Condvar,
}

impl Ticket {
    pub(super) fn settle(&self, outcome: Outcome) {
        if let Ok(mut slot) = self.outcome.lock() {
            if slot.is_none() {
                *slot = Some(outcome);
                self.done.notify_all();
            }
        }
    }

    /// Waits until `deadline`: `Some(Ok)` acked, `Some(Err)` failed, `None` not yet known.
    pub fn wait(&self, deadline: Instant) -> Option<Outcome> {
        let mut slot = self.outcome.lock().ok()?;
        loop {
            if let Some(outcome) = slot.take() {
                return Some(outcome);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            slot = self.done.wait_timeout(slot, left).ok()?.0;
        }
    }
}

/// Where the worker puts the answer to one of the owner's iq requests ([`Client::query`]).
#[derive(Default)]
pub(super) struct Reply {
    answer: Mutex<Option<Element>>,
    done: Condvar,
}

impl Reply {
    pub(super) fn settle(&self, answer: Element) {
        if let Ok(mut slot) = self.answer.lock() {
            *slot = Some(answer);
            self.done.notify_all();
        }
    }

    fn wait(&self, deadline: Instant) -> Option<Element> {
        let mut slot = self.answer.lock().ok()?;
        loop {
            if let Some(answer) = slot.take() {
                return Some(answer);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            slot = self.done.wait_timeout(slot, left).ok()?.0;
        }
    }
}

pub(super) struct Inbox {
    pub(super) messages: VecDeque<Incoming>,
    /// Whether the worker is still running (receive stops waiting when it ends).
    pub(super) live: bool,
}

/// What the worker and the owner's handle share.
pub(super) struct Shared {
    pub(super) inbox: Mutex<Inbox>,
    pub(super) arrived: Condvar,
    /// The fate of every message by id, for XmppSendStatus.
    pub(super) book: Mutex<StatusBook<SendFailure>>,
    /// The contacts, kept by the worker.
    pub(super) roster: Mutex<super::roster::Roster>,
}

impl Shared {
    /// Records a fate (the ticket is settled by the caller).
    pub(super) fn record(&self, id: &str, fate: Fate<SendFailure>) {
        if let Ok(mut book) = self.book.lock() {
            book.settle(id, fate);
        }
    }

    /// [`Shared::record`] for many ids with the same fate, under one lock.
    pub(super) fn record_all<'a>(
        &self,
        ids: impl Iterator<Item = &'a str>,
        fate: Fate<SendFailure>,
    ) {
        if let Ok(mut book) = self.book.lock() {
            for id in ids {
                book.settle(id, fate.clone());
            }
        }
    }
}

/// One message handed to the worker.
pub(super) struct Submitted {
    pub(super) element: Element,
    pub(super) id: String,
    /// For groupchat: the occupant JID to join as first.
    pub(super) occupant: Option<String>,
    pub(super) ticket: Arc<Ticket>,
}

/// Everything that reaches the worker, through one channel.
pub(super) enum Input {
    Send(Submitted),
    /// An iq of the owner's (a request with an `id`): the answer with that id goes to the reply.
    Query(Element, Arc<Reply>),
    /// An element read by connection `u64` (already counted for XEP-0198's h by the reader).
    Incoming(u64, Element),
    Lost(u64, Error),
    /// Connection `u64` has something to write that the reader may not write itself (an
    /// answer to the server's ack request, TLS's own records).
    Wake(u64),
    Stop,
}

/// The caller's handle on a session. Dropping it disconnects and joins the threads.
pub struct Client {
    /// Cuts a reconnection's login when the owner stops the session.
    interrupt: Arc<Interrupt>,
    tx: Sender<Input>,
    shared: Arc<Shared>,
    worker: Option<JoinHandle<()>>,
    timeout: Duration,
    pub info: ConnectInfo,
    /// What file uploads of this session use (its settings, the upload service once found).
    pub(super) files: super::upload::SessionFiles,
    /// The configured rooms and our nick in each: a message to one goes as groupchat.
    rooms: Vec<(String, String)>,
}

impl Client {
    /// Logs in (within the Timeout) and starts the session. `carry` are messages received by
    /// an earlier session and not yet taken: they stay first in the inbox.
    pub fn connect(
        config: Config,
        password: &str,
        observer: Option<Arc<dyn Observer>>,
        carry: VecDeque<Incoming>,
    ) -> Result<Client, Error> {
        Client::connect_with(config, Social::default(), password, observer, carry)
    }

    /// [`Client::connect`] with rooms and contacts settings: returns only when every room of
    /// `social` answered its join (the first refusal is the error).
    pub fn connect_with(
        mut config: Config,
        social: Social,
        password: &str,
        observer: Option<Arc<dyn Observer>>,
        carry: VecDeque<Incoming>,
    ) -> Result<Client, Error> {
        let interrupt = Arc::new(Interrupt::default());
        config.login.interrupt = Some(interrupt.clone());
        let (tx, rx) = mpsc::channel();
        let shared = Arc::new(Shared {
            inbox: Mutex::new(Inbox {
                messages: carry,
                live: true,
            }),
            arrived: Condvar::new(),
            book: Mutex::new(StatusBook::new(STATUS_LIMIT)),
            roster: Mutex::new(Default::default()),
        });
        let rooms = social
            .rooms
            .iter()
            .map(|r| (r.room.clone(), r.nick.clone()))
            .collect();
        let (ready_tx, ready_rx) = mpsc::channel();
        let timeout = config.settings.timeout;
        let files = super::upload::SessionFiles::new(&config.settings, config.login.verification);
        let handle = super::worker::spawn(
            config,
            social,
            password,
            rx,
            tx.clone(),
            shared.clone(),
            observer,
            ready_tx,
        )?;
        let first = ready_rx.recv().unwrap_or(Err(Error::Closed));
        match first {
            Ok(info) => Ok(Client {
                interrupt,
                tx,
                shared,
                worker: Some(handle),
                timeout,
                info,
                files,
                rooms,
            }),
            Err(e) => {
                let _ = handle.join();
                Err(e)
            }
        }
    }

    /// Queues a message and returns its id and the ticket that tells when the server acked
    /// it. Does not wait: for pipelined sending.
    pub fn submit(&self, message: &Outgoing) -> Result<(String, Arc<Ticket>), Error> {
        let to_room = super::Jid::parse(&message.to)
            .filter(|j| j.resource.is_none())
            .and_then(|j| self.rooms.iter().find(|(room, _)| *room == j.bare()));
        let prepared = match to_room {
            // A room of the `rooms` option: groupchat as our configured nick, no new join.
            Some((_, nick)) if message.kind.is_none() => Outgoing {
                kind: Some("groupchat".into()),
                nick: message.nick.clone().or_else(|| Some(nick.clone())),
                ..message.clone()
            }
            .prepare(&self.info.jid)?,
            _ => message.prepare(&self.info.jid)?,
        };
        self.submit_prepared(prepared.element, prepared.id, prepared.occupant)
    }

    /// Answers a subscription request of `jid` (kept by the `ask` policy): approves it, or
    /// denies it. Waits for the server's count as XmppSend does.
    pub fn answer_subscription(&self, jid: &str, approve: bool) -> Result<Sent, Error> {
        let id = super::sasl::stanza_id("s");
        let element = super::roster::answer(jid, approve, &id)?;
        let (id, ticket) = self.submit_prepared(element, id, None)?;
        match ticket.wait(Instant::now() + self.timeout) {
            Some(Ok(())) => Ok(Sent { id, acked: true }),
            Some(Err(e)) => Err(e),
            None => Ok(Sent { id, acked: false }),
        }
    }

    /// XmppRoster: the contacts with their presence now.
    pub fn roster(&self) -> Vec<super::roster::Contact> {
        self.shared
            .roster
            .lock()
            .map(|r| r.contacts())
            .unwrap_or_default()
    }

    fn submit_prepared(
        &self,
        element: Element,
        id: String,
        occupant: Option<String>,
    ) -> Result<(String, Arc<Ticket>), Error> {
        let ticket = Arc::new(Ticket::default());
        if let Ok(mut book) = self.shared.book.lock() {
            book.pending(&id);
        }
        let sent = self.tx.send(Input::Send(Submitted {
            element,
            id: id.clone(),
            occupant,
            ticket: ticket.clone(),
        }));
        if sent.is_err() {
            self.shared
                .record(&id, Fate::Failed(SendFailure::NotConnected));
            return Err(Error::NotConnected);
        }
        Ok((id, ticket))
    }

    /// Sends an iq request (it must carry an `id`) and waits until `deadline` for the
    /// server's answer with that id (a result or an error: the caller reads which).
    pub fn query(&self, iq: Element, deadline: Instant) -> Result<Element, Error> {
        let reply = Arc::new(Reply::default());
        self.tx
            .send(Input::Query(iq, reply.clone()))
            .map_err(|_| Error::NotConnected)?;
        reply.wait(deadline).ok_or_else(|| Error::Network {
            kind: crate::net::http::FailureKind::Timeout,
            step: super::NetworkStep::Answer,
            detail: String::new(),
        })
    }

    /// XmppSendStatus: the fates of `ids`, or with `None` of every message not yet reported
    /// (see [`StatusBook::query`]).
    pub fn status(&self, ids: Option<&[String]>) -> Vec<(String, Option<Fate<SendFailure>>)> {
        self.shared
            .book
            .lock()
            .map(|mut b| b.query(ids))
            .unwrap_or_default()
    }

    /// XmppSend: queues the message and waits until the server acked it or the Timeout
    /// passed (then `acked` is false and the message stays queued for the next connection).
    pub fn send(&self, message: &Outgoing) -> Result<Sent, Error> {
        self.send_until(message, Instant::now() + self.timeout)
    }

    /// [`Client::send`] with the ack awaited until `deadline` (a call that spent part of its
    /// Timeout before the message, as XmppSendFile's upload does).
    pub(super) fn send_until(&self, message: &Outgoing, deadline: Instant) -> Result<Sent, Error> {
        let (id, ticket) = self.submit(message)?;
        match ticket.wait(deadline) {
            Some(Ok(())) => Ok(Sent { id, acked: true }),
            Some(Err(e)) => Err(e),
            None => Ok(Sent { id, acked: false }),
        }
    }

    /// XmppReceive: waits up to `wait` for the first message, then takes all queued ones.
    pub fn receive(&self, wait: Duration) -> Vec<Incoming> {
        receive(&self.shared, wait)
    }

    /// Whether the worker still runs (it ends after a permanent failure or a disconnect).
    pub fn is_live(&self) -> bool {
        self.shared.inbox.lock().map(|i| i.live).unwrap_or(false)
    }

    /// Ends the session: waits (within the Timeout) only for the server to count what is
    /// still in flight, says goodbye without waiting for the server's own, and joins the threads.
    /// Returns whether it was still running.
    pub fn disconnect(&mut self) -> bool {
        let live = self.is_live();
        let _ = self.tx.send(Input::Stop);
        // A live connection is closed politely by the worker; a login in progress (a
        // reconnection) is cut, so that the owner does not wait for its deadline.
        self.interrupt.interrupt();
        if let Some(handle) = self.worker.take() {
            let _ = handle.join();
        }
        live
    }

    /// Messages received and not yet taken (for the next session after a disconnect).
    pub fn take_inbox(&self) -> VecDeque<Incoming> {
        self.shared
            .inbox
            .lock()
            .map(|mut i| std::mem::take(&mut i.messages))
            .unwrap_or_default()
    }

    /// Puts messages received earlier (by a session this one replaces, or by this one before
    /// a failed replacement) in front of the inbox, so that XmppReceive still gives them first.
    pub fn prepend_inbox(&self, mut earlier: VecDeque<Incoming>) {
        if earlier.is_empty() {
            return;
        }
        if let Ok(mut inbox) = self.shared.inbox.lock() {
            earlier.append(&mut inbox.messages);
            inbox.messages = earlier;
        }
        self.shared.arrived.notify_all();
    }

    /// Takes over the delivery records of the session this one replaces (a second
    /// XmppConnect), so that XmppSendStatus still answers for what the old one sent. Only while
    /// this session has sent nothing yet: its own records are never mixed with older ones.
    pub fn inherit_status(&self, older: &Client) {
        if Arc::ptr_eq(&self.shared, &older.shared) {
            return;
        }
        let (Ok(mut mine), Ok(mut theirs)) = (self.shared.book.lock(), older.shared.book.lock())
        else {
            return;
        };
        if mine.is_empty() {
            std::mem::swap(&mut *mine, &mut *theirs);
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        self.disconnect();
    }
}

fn receive(shared: &Shared, wait: Duration) -> Vec<Incoming> {
    let deadline = Instant::now() + wait;
    let Ok(mut inbox) = shared.inbox.lock() else {
        return Vec::new();
    };
    while inbox.messages.is_empty() && inbox.live {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        inbox = match shared.arrived.wait_timeout(inbox, left) {
            Ok((guard, _)) => guard,
            Err(_) => return Vec::new(),
        };
    }
    inbox.messages.drain(..).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticket_times_out_then_settles() {
        let t = Ticket::default();
        assert!(t.wait(Instant::now() + Duration::from_millis(10)).is_none());
        t.settle(Ok(()));
        assert!(matches!(t.wait(Instant::now()), Some(Ok(()))));
    }
}
