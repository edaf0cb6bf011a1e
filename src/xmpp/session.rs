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

use std::collections::{HashSet, VecDeque};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use super::login::{self, LoginOptions};
use super::transport::tcp::Interrupt;
use super::transport::{ReadHalf, WriteHalf};
use super::xml::{xml_safe, Element};
use super::{sasl, Error, Jid, NS_CLIENT, NS_MUC, NS_PING, NS_STANZAS};
use crate::i18n::{render, Lang};
use crate::net::http::FailureKind;
use crate::net::NetSettings;

pub const NS_SM: &str = "urn:xmpp:sm:3";
pub const NS_DELAY: &str = "urn:xmpp:delay";
const NS_LEGACY_DELAY: &str = "jabber:x:delay";

/// Incoming messages kept for XmppReceive. Beyond this the sender gets a
/// `resource-constraint` error back and the state event reports the overflow: bounded memory,
/// nothing lost without a word.
pub const INBOX_LIMIT: usize = 100_000;

/// The longest pause between reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// The longest one reconnection attempt may take. When the owner stops the session
/// ([`Interrupt`]), an attempt is cut at once: name lookup, TCP connect, the wait for a proxy's
/// answer, login, over BOSH the login's HTTP request.
const RECONNECT_LIMIT: Duration = Duration::from_secs(15);

/// Stanzas written per batch before an ack is requested even if more are waiting.
const BATCH: usize = 200;

/// An incoming message as XmppReceive and the XmppMessage event give it (API.md).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Incoming {
    pub from: Option<String>,
    pub to: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
    pub body: Option<String>,
    pub subject: Option<String>,
    pub thread: Option<String>,
    pub id: Option<String>,
    /// XEP-0203 delay stamp: when a message waited offline, the time it was sent.
    pub stamp: Option<String>,
}

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

/// One message to send in the session.
#[derive(Clone, Debug, Default)]
pub struct Outgoing {
    pub to: String,
    pub body: String,
    /// chat (default), normal, headline, groupchat.
    pub kind: Option<String>,
    pub subject: Option<String>,
    pub thread: Option<String>,
    /// Nickname in the room for groupchat.
    pub nick: Option<String>,
    /// The message id; a random one when not given.
    pub id: Option<String>,
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
    /// The event's JSON as API.md gives it (XmppMessage: the message; XmppState: state, jid,
    /// attempt, error in `lang`, failed_ids).
    pub fn json(&self, lang: Lang) -> String {
        match self {
            Event::Message(m) => serde_json::to_string(m).unwrap_or_default(),
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
            })
            .to_string(),
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

type Outcome = Result<(), Error>;

/// Where the worker puts the outcome of one message and its sender waits for it.
#[derive(Default)]
pub struct Ticket {
    outcome: Mutex<Option<Outcome>>,
    done: Condvar,
}

impl Ticket {
    fn settle(&self, outcome: Outcome) {
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

struct Inbox {
    messages: VecDeque<Incoming>,
    /// Whether the worker is still running (receive stops waiting when it ends).
    live: bool,
}

struct Shared {
    inbox: Mutex<Inbox>,
    arrived: Condvar,
}

enum Input {
    Send(Element, Option<String>, Option<String>, Arc<Ticket>),
    Incoming(u64, Element),
    Lost(u64, Error),
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
}

impl Client {
    /// Logs in (within the Timeout) and starts the session. `carry` are messages received by
    /// an earlier session and not yet taken: they stay first in the inbox.
    pub fn connect(
        mut config: Config,
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
        });
        let (ready_tx, ready_rx) = mpsc::channel();
        let timeout = config.settings.timeout;
        let mut worker = Worker {
            config,
            password: Zeroizing::new(password.to_owned()),
            rx,
            tx: tx.clone(),
            shared: shared.clone(),
            observer,
            outbox: VecDeque::new(),
            unacked: VecDeque::new(),
            seq: 0,
            inbound: 0,
            sm: None,
            link: None,
            generation: 0,
            jid: String::new(),
            ack_requested: false,
            last_heard: Instant::now(),
            probe_since: None,
            pings: VecDeque::new(),
            rooms: HashSet::new(),
            overflowing: false,
            unreported: Vec::new(),
            info: None,
            stanza_ns: NS_CLIENT,
        };
        let handle = std::thread::Builder::new()
            .name("messenger-xmpp".into())
            .spawn(move || {
                // A panic must not leave XmppReceive waiting on a session nobody runs.
                let run = std::panic::AssertUnwindSafe(|| worker.run(ready_tx));
                if std::panic::catch_unwind(run).is_err() {
                    worker.finish();
                }
            })
            .map_err(|e| Error::Network {
                kind: FailureKind::Other,
                detail: format!("cannot start the session thread: {e}"),
            })?;
        let first = ready_rx.recv().unwrap_or(Err(Error::Closed));
        match first {
            Ok(info) => Ok(Client {
                interrupt,
                tx,
                shared,
                worker: Some(handle),
                timeout,
                info,
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
        let (element, id, room) = message_element(message, &self.info.jid)?;
        let ticket = Arc::new(Ticket::default());
        self.tx
            .send(Input::Send(element, Some(id.clone()), room, ticket.clone()))
            .map_err(|_| Error::NotConnected)?;
        Ok((id, ticket))
    }

    /// XmppSend: queues the message and waits until the server acked it or the Timeout
    /// passed (then `acked` is false and the message stays queued for the next connection).
    pub fn send(&self, message: &Outgoing) -> Result<Sent, Error> {
        let (id, ticket) = self.submit(message)?;
        match ticket.wait(Instant::now() + self.timeout) {
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

    /// Ends the session cleanly (waits a little for the acks still due) and joins its threads.
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

/// Builds the `<message/>` of XmppSend and SendXmpp; returns it with its id and, for
/// groupchat, the occupant JID (`room/nick`) to join as first.
pub(crate) fn message_element(
    m: &Outgoing,
    own_jid: &str,
) -> Result<(Element, String, Option<String>), Error> {
    let to = Jid::parse(&m.to).ok_or(Error::InvalidJid { which: "recipient" })?;
    let kind = m.kind.as_deref().unwrap_or("chat");
    if !matches!(kind, "chat" | "normal" | "headline" | "groupchat") {
        return Err(Error::InvalidOption {
            name: "type",
            reason: "expected chat, normal, headline or groupchat".into(),
        });
    }
    let id = match &m.id {
        Some(id) if !id.is_empty() && !id.chars().any(char::is_control) => id.clone(),
        Some(_) => {
            return Err(Error::InvalidOption {
                name: "id",
                reason: "empty or with control characters".into(),
            })
        }
        None => format!("m-{}", &sasl::random_nonce()[..16]),
    };
    let (to_text, room) = if kind == "groupchat" {
        let room = to.bare();
        let nick = m
            .nick
            .clone()
            .or_else(|| Jid::parse(own_jid).and_then(|j| j.local))
            .unwrap_or_else(|| "messenger".into());
        let occupant = format!("{room}/{nick}");
        if Jid::parse(&occupant).is_none() {
            return Err(Error::InvalidOption {
                name: "nick",
                reason: "not usable as a resource".into(),
            });
        }
        (room, Some(occupant))
    } else {
        (to.to_string(), None)
    };
    let mut message = Element::new("message", NS_CLIENT)
        .attr("to", &to_text)
        .attr("type", kind)
        .attr("id", &id);
    if let Some(subject) = &m.subject {
        message = message.child(Element::new("subject", NS_CLIENT).text(&xml_safe(subject)));
    }
    message = message.child(Element::new("body", NS_CLIENT).text(&xml_safe(&m.body)));
    if let Some(thread) = &m.thread {
        message = message.child(Element::new("thread", NS_CLIENT).text(&xml_safe(thread)));
    }
    Ok((message, id, room))
}

/// The presence that joins a MUC room as `occupant`, without the room's history.
pub(crate) fn muc_join(occupant: &str) -> Element {
    Element::new("presence", NS_CLIENT)
        .attr("to", occupant)
        .child(
            Element::new("x", NS_MUC)
                .child(Element::new("history", NS_MUC).attr("maxstanzas", "0")),
        )
}

/// Reads an incoming `<message/>`; `None` for one without body or subject (chat states,
/// receipts and the like carry nothing for 1C).
fn parse_incoming(el: &Element) -> Option<Incoming> {
    let text_of = |name: &str| el.find(name, NS_CLIENT).map(Element::text_content);
    let body = text_of("body");
    let subject = text_of("subject");
    if body.is_none() && subject.is_none() {
        return None;
    }
    let stamp = el
        .find("delay", NS_DELAY)
        .or_else(|| el.find("x", NS_LEGACY_DELAY))
        .and_then(|d| d.get_attr("stamp"))
        .map(str::to_owned);
    Some(Incoming {
        from: el.get_attr("from").map(str::to_owned),
        to: el.get_attr("to").map(str::to_owned),
        kind: el.get_attr("type").unwrap_or("normal").to_owned(),
        body,
        subject,
        thread: text_of("thread"),
        id: el.get_attr("id").map(str::to_owned),
        stamp,
    })
}

/// `a` comes at or after `b` in XEP-0198's counting modulo 2^32.
fn seq_le(a: u32, b: u32) -> bool {
    b.wrapping_sub(a) < (1 << 31)
}

/// A stanza written and counted, waiting for the server's ack.
struct Unacked {
    seq: u32,
    element: Element,
    /// The message id, for messages (not for presences and iq answers).
    id: Option<String>,
    ticket: Option<Arc<Ticket>>,
}

/// A stanza waiting to be written.
struct Pending {
    element: Element,
    id: Option<String>,
    ticket: Option<Arc<Ticket>>,
    room: Room,
}

/// What a pending stanza has to do with MUC rooms (see `Worker::rejoin_rooms`).
enum Room {
    None,
    /// The presence that joins a room.
    Join,
    /// A groupchat message, sent as this occupant (`room/nick`).
    Message(String),
}

struct StreamManagement {
    /// The id to resume with; `None` when the server did not allow resumption.
    resume_id: Option<String>,
}

struct Link {
    writer: Box<dyn WriteHalf>,
    reader: Option<JoinHandle<()>>,
}

impl Link {
    fn close(mut self, polite: bool) {
        if polite {
            self.writer.shutdown();
        } else {
            self.writer.abort();
        }
        if let Some(handle) = self.reader.take() {
            let _ = handle.join();
        }
    }
}

/// Why serving a connection ended.
enum End {
    Stop,
    Lost(Error),
}

struct Worker {
    config: Config,
    /// Kept for reconnections; overwritten with zeros when the worker ends.
    password: Zeroizing<String>,
    rx: Receiver<Input>,
    tx: Sender<Input>,
    shared: Arc<Shared>,
    observer: Option<Arc<dyn Observer>>,
    outbox: VecDeque<Pending>,
    unacked: VecDeque<Unacked>,
    /// Stanzas written since stream management was enabled (XEP-0198's outbound count).
    seq: u32,
    /// Stanzas received since it was enabled (the `h` we report).
    inbound: u32,
    sm: Option<StreamManagement>,
    link: Option<Link>,
    /// Numbers connections, so that a late word from an old reader thread is ignored.
    generation: u64,
    jid: String,
    /// An `<r/>` (or, without XEP-0198, a ping) is on its way.
    ack_requested: bool,
    last_heard: Instant,
    /// Since when we wait for the server to answer a probe or an ack request.
    probe_since: Option<Instant>,
    /// Without XEP-0198: pings in flight and the count of stanzas each confirms.
    pings: VecDeque<(String, u32)>,
    /// Rooms joined in this connection (groupchat messages join first).
    rooms: HashSet<String>,
    overflowing: bool,
    /// Ids of messages already failed (a resume was impossible) whose XmppState event has not
    /// gone out yet: the attempt that failed them may itself fail, and the ids must then come
    /// with the next state the owner hears of, never be forgotten.
    unreported: Vec<String>,
    info: Option<ConnectInfo>,
    /// The namespace stanzas inherit where the link writes them (see `transport::Split`).
    stanza_ns: &'static str,
}

impl Worker {
    fn run(&mut self, ready: Sender<Result<ConnectInfo, Error>>) {
        match self.establish(false) {
            Ok(_) => {
                let info = self.info.clone();
                if let Some(info) = info {
                    let _ = ready.send(Ok(info));
                }
                self.state(State::Connected, 0, None, &[]);
            }
            Err(e) => {
                let _ = ready.send(Err(e));
                self.finish();
                return;
            }
        }
        drop(ready);
        loop {
            match self.serve() {
                End::Stop => {
                    self.close_politely();
                    let failed = self.fail_all(|| Error::NotConnected);
                    self.state(State::Disconnected, 0, None, &failed);
                    break;
                }
                End::Lost(error) => {
                    if let Some(link) = self.link.take() {
                        link.close(false);
                    }
                    if !self.reconnect(error) {
                        break;
                    }
                }
            }
        }
        self.finish();
    }

    fn finish(&mut self) {
        if let Some(link) = self.link.take() {
            link.close(false);
        }
        if let Ok(mut inbox) = self.shared.inbox.lock() {
            inbox.live = false;
        }
        self.shared.arrived.notify_all();
    }

    fn state(&self, state: State, attempt: u32, error: Option<&Error>, failed_ids: &[String]) {
        if let Some(observer) = &self.observer {
            observer.event(Event::State {
                state,
                jid: &self.jid,
                attempt,
                error,
                failed_ids,
            });
        }
    }

    fn stop_asked(&self) -> bool {
        self.config
            .login
            .interrupt
            .as_ref()
            .is_some_and(|i| i.is_interrupted())
    }

    fn stopped_while_reconnecting(&mut self, attempt: u32) {
        let failed = self.fail_all(|| Error::NotConnected);
        self.state(State::Disconnected, attempt, None, &failed);
    }

    /// Tries again with growing pauses until it works, a permanent error comes, or the owner
    /// stops the session. Returns whether the session goes on.
    fn reconnect(&mut self, mut error: Error) -> bool {
        let mut attempt = 0u32;
        let mut backoff = Duration::from_millis(500);
        loop {
            attempt += 1;
            self.state(State::Reconnecting, attempt, Some(&error), &[]);
            // The pause also serves the owner: sends are queued, a stop is obeyed at once.
            let until = Instant::now() + jitter(backoff);
            loop {
                let left = until.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    break;
                }
                match self.rx.recv_timeout(left) {
                    Ok(Input::Send(element, id, room, ticket)) => {
                        self.queue(element, id, room, ticket)
                    }
                    Ok(Input::Stop) | Err(RecvTimeoutError::Disconnected) => {
                        self.stopped_while_reconnecting(attempt);
                        return false;
                    }
                    // What the lost connection's reader had read before it ended: ours to
                    // handle (and count, so that a resume does not bring it twice). Without
                    // a resume the server will not send it again.
                    Ok(Input::Incoming(generation, el)) if generation == self.generation => {
                        let _ = self.incoming(el, true);
                    }
                    Ok(Input::Incoming(..)) | Ok(Input::Lost(..)) => {}
                    Err(RecvTimeoutError::Timeout) => break,
                }
            }
            match self.establish(true) {
                Ok((resumed, failed)) => {
                    let state = if resumed {
                        State::Resumed
                    } else {
                        State::Connected
                    };
                    self.state(state, attempt, None, &failed);
                    return true;
                }
                Err(e) if e.is_permanent() => {
                    let failed = self.fail_all(|| Error::NotDelivered);
                    self.state(State::Failed, attempt, Some(&e), &failed);
                    return false;
                }
                // The owner's stop cut this attempt: no new attempt to announce.
                Err(_) if self.stop_asked() => {
                    self.stopped_while_reconnecting(attempt);
                    return false;
                }
                Err(e) => error = e,
            }
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }

    /// Logs in; on a reconnection first tries to resume. Returns whether the old session was
    /// resumed and the ids of messages reported failed because it could not be.
    fn establish(&mut self, again: bool) -> Result<(bool, Vec<String>), Error> {
        // Stanzas that arrive while we wait for an answer of stream management (`true`: they
        // count for XEP-0198's h). They are handled even when this attempt then fails: the
        // server took a message written to a bound resource as delivered and will not send it
        // again, so dropping it here would lose it (the likeliest cause of the one acked message
        // a restart test once missed).
        let mut early: Vec<(Element, bool)> = Vec::new();
        let result = self.set_up(again, &mut early);
        let mut handled = Ok(());
        for (el, counted) in early {
            if let Err(e) = self.incoming(el, counted) {
                handled = handled.and(Err(e));
            }
        }
        let outcome = result.and_then(|resumed| handled.map(|()| resumed));
        match outcome.and_then(|resumed| self.flush().map(|()| resumed)) {
            Ok(resumed) => Ok((resumed, std::mem::take(&mut self.unreported))),
            Err(e) => {
                // A connection that failed after its reading thread started is closed here,
                // so that the thread ends now and is joined, not left to the next attempt.
                if let Some(link) = self.link.take() {
                    link.close(false);
                }
                Err(e)
            }
        }
    }

    /// `establish` up to the start of the reading thread; see there for `early`.
    fn set_up(&mut self, again: bool, early: &mut Vec<(Element, bool)>) -> Result<bool, Error> {
        // A reconnection attempt gets at most RECONNECT_LIMIT even when the Timeout is longer,
        // so that a dead path is tried again soon.
        let limit = match again {
            true => self.config.settings.timeout.min(RECONNECT_LIMIT),
            false => self.config.settings.timeout,
        };
        let deadline = Instant::now() + limit;
        let mut session = login::connect(
            &self.config.settings,
            &self.config.login,
            &self.password,
            deadline,
        )?;
        session.restart_stream()?;
        let offered = session.features().find("sm", NS_SM).is_some();
        let mut resumed = false;
        let previous = self.sm.as_ref().and_then(|sm| sm.resume_id.clone());
        if let (true, true, Some(previd)) = (again, offered, previous) {
            let t = session.transport_mut();
            t.send(&[Element::new("resume", NS_SM)
                .attr("h", &self.inbound.to_string())
                .attr("previd", &previd)])?;
            loop {
                let answer = t.recv()?;
                if answer.ns != NS_SM {
                    early.push((answer, true));
                    continue;
                }
                if answer.is("resumed", NS_SM) {
                    if let Some(h) = answer.get_attr("h").and_then(|h| h.parse().ok()) {
                        self.acked_up_to(h);
                    }
                    resumed = true;
                    break;
                }
                if answer.is("failed", NS_SM) {
                    // XEP-0198 1.6: a failed resume may still say how much arrived.
                    if let Some(h) = answer.get_attr("h").and_then(|h| h.parse().ok()) {
                        self.acked_up_to(h);
                    }
                    break;
                }
            }
        }
        if resumed {
            session.set_bound(&self.jid);
        } else {
            // Whatever came before a refused resume belongs to no stream we will count for.
            for (_, counted) in early.iter_mut() {
                *counted = false;
            }
            if again {
                let failed = self.fail_unacked();
                self.unreported.extend(failed);
            }
            // Stanzas that came with the bind: before <enable/>, not counted by the server.
            let mut bound_with = Vec::new();
            let bound = session.bind_for_session(deadline, &mut bound_with);
            early.extend(bound_with.into_iter().map(|el| (el, false)));
            bound?;
            self.jid = session.jid.clone();
            self.seq = 0;
            self.inbound = 0;
            self.sm = None;
            self.pings.clear();
            self.rejoin_rooms();
            if offered {
                let t = session.transport_mut();
                t.send(&[Element::new("enable", NS_SM).attr("resume", "true")])?;
                loop {
                    let answer = t.recv()?;
                    if answer.ns != NS_SM {
                        early.push((answer, false));
                        continue;
                    }
                    if answer.is("enabled", NS_SM) {
                        let resumable = matches!(answer.get_attr("resume"), Some("true" | "1"));
                        self.sm = Some(StreamManagement {
                            resume_id: answer
                                .get_attr("id")
                                .filter(|_| resumable)
                                .map(str::to_owned),
                        });
                        break;
                    }
                    if answer.is("failed", NS_SM) {
                        break;
                    }
                }
            }
            // Available presence: without it the server keeps messages to the bare JID
            // offline. Put first, so it precedes everything queued.
            let mut presence = Element::new("presence", NS_CLIENT);
            if let Some(status) = &self.config.status {
                presence =
                    presence.child(Element::new("status", NS_CLIENT).text(&xml_safe(status)));
            }
            if let Some(priority) = self.config.priority {
                presence =
                    presence.child(Element::new("priority", NS_CLIENT).text(&priority.to_string()));
            }
            self.outbox.push_front(Pending {
                element: presence,
                id: None,
                ticket: None,
                room: Room::None,
            });
        }
        let transport = session.transport_name().to_owned();
        let mechanism = session.mechanism.to_owned();
        let split = session.into_split()?;
        if let Some(interrupt) = &self.config.login.interrupt {
            interrupt.clear();
        }
        split
            .writer
            .set_write_timeout(self.config.settings.timeout)?;
        self.generation += 1;
        let generation = self.generation;
        let tx = self.tx.clone();
        let mut reader: Box<dyn ReadHalf> = split.reader;
        let handle = std::thread::Builder::new()
            .name("messenger-xmpp-read".into())
            .spawn(move || loop {
                match reader.recv() {
                    Ok(el) => {
                        if tx.send(Input::Incoming(generation, el)).is_err() {
                            break;
                        }
                    }
                    Err(e) => {
                        let _ = tx.send(Input::Lost(generation, e));
                        break;
                    }
                }
            })
            .map_err(|e| Error::Network {
                kind: FailureKind::Other,
                detail: format!("cannot start the reading thread: {e}"),
            })?;
        self.link = Some(Link {
            writer: split.writer,
            reader: Some(handle),
        });
        self.stanza_ns = split.stanza_ns;
        self.ack_requested = false;
        self.probe_since = None;
        self.last_heard = Instant::now();
        if resumed {
            // Everything not acked goes again, in order, under the numbers it had: the server
            // counts on from the h it resumed with.
            let mut bytes = Vec::new();
            for u in &self.unacked {
                bytes.extend(u.element.to_bytes(self.stanza_ns));
            }
            if !bytes.is_empty() {
                self.write(&bytes)?;
                self.request_ack()?;
            }
        }
        self.info = Some(ConnectInfo {
            jid: self.jid.clone(),
            transport,
            mechanism,
            stream_management: self.sm.is_some(),
        });
        Ok(resumed)
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), Error> {
        match &self.link {
            Some(link) => link.writer.write_raw(bytes),
            None => Err(Error::Closed),
        }
    }

    fn queue(
        &mut self,
        element: Element,
        id: Option<String>,
        room: Option<String>,
        ticket: Arc<Ticket>,
    ) {
        if let Some(occupant) = &room {
            self.join_first(occupant);
        }
        self.outbox.push_back(Pending {
            element,
            id,
            ticket: Some(ticket),
            room: room.map_or(Room::None, Room::Message),
        });
    }

    /// Queues the room's join presence unless this connection has joined it already.
    fn join_first(&mut self, occupant: &str) {
        let bare = occupant.split('/').next().unwrap_or_default().to_owned();
        if self.rooms.insert(bare) {
            self.outbox.push_back(Pending {
                element: muc_join(occupant),
                id: None,
                ticket: None,
                room: Room::Join,
            });
        }
    }

    /// A new session (not resumed) is in no room: groupchat messages still queued from the
    /// old one join theirs again first. Joins queued for the old one are rebuilt the same way.
    fn rejoin_rooms(&mut self) {
        self.rooms.clear();
        let queued = std::mem::take(&mut self.outbox);
        for p in queued {
            match &p.room {
                Room::Join => continue,
                Room::Message(occupant) => {
                    let occupant = occupant.clone();
                    self.join_first(&occupant);
                }
                Room::None => {}
            }
            self.outbox.push_back(p);
        }
    }

    /// Writes what is queued, in batches, each followed by one ack request.
    fn flush(&mut self) -> Result<(), Error> {
        while !self.outbox.is_empty() {
            let mut bytes = Vec::new();
            for _ in 0..BATCH {
                let Some(p) = self.outbox.pop_front() else {
                    break;
                };
                bytes.extend(p.element.to_bytes(self.stanza_ns));
                self.seq = self.seq.wrapping_add(1);
                self.unacked.push_back(Unacked {
                    seq: self.seq,
                    element: p.element,
                    id: p.id,
                    ticket: p.ticket,
                });
            }
            self.write(&bytes)?;
            self.ack_requested = false;
            self.request_ack()?;
        }
        Ok(())
    }

    /// Asks the server to account for what it got: `<r/>`, or a ping without XEP-0198. One
    /// request at a time; the answer triggers the next if more was sent meanwhile.
    fn request_ack(&mut self) -> Result<(), Error> {
        if self.ack_requested {
            return Ok(());
        }
        if self.sm.is_some() {
            self.write(b"<r xmlns='urn:xmpp:sm:3'/>")?;
        } else {
            let id = format!("ping-{}", &sasl::random_nonce()[..12]);
            let ping = Element::new("iq", NS_CLIENT)
                .attr("type", "get")
                .attr("id", &id)
                .child(Element::new("ping", NS_PING));
            self.write(&ping.to_bytes(self.stanza_ns))?;
            self.seq = self.seq.wrapping_add(1);
            self.pings.push_back((id, self.seq));
        }
        self.ack_requested = true;
        if self.probe_since.is_none() {
            self.probe_since = Some(Instant::now());
        }
        Ok(())
    }

    fn acked_up_to(&mut self, h: u32) {
        while let Some(front) = self.unacked.front() {
            if !seq_le(front.seq, h) {
                break;
            }
            if let Some(u) = self.unacked.pop_front() {
                if let Some(ticket) = u.ticket {
                    ticket.settle(Ok(()));
                }
            }
        }
    }

    /// Written but not acked, and the session they were written in is gone: failed.
    fn fail_unacked(&mut self) -> Vec<String> {
        let mut failed = Vec::new();
        for u in self.unacked.drain(..) {
            if let Some(ticket) = u.ticket {
                ticket.settle(Err(Error::NotDelivered));
                failed.extend(u.id);
            }
        }
        failed
    }

    /// The session ends: everything not acked failed, whatever was queued too.
    fn fail_all(&mut self, why: impl Fn() -> Error) -> Vec<String> {
        let mut failed = std::mem::take(&mut self.unreported);
        failed.extend(self.fail_unacked());
        for p in self.outbox.drain(..) {
            if let Some(ticket) = p.ticket {
                ticket.settle(Err(why()));
                failed.extend(p.id);
            }
        }
        while let Ok(input) = self.rx.try_recv() {
            if let Input::Send(_, id, _, ticket) = input {
                ticket.settle(Err(why()));
                failed.extend(id);
            }
        }
        failed
    }

    /// Serves the live connection until it is lost or the owner stops the session.
    fn serve(&mut self) -> End {
        let half = (self.config.settings.timeout / 2).max(Duration::from_millis(500));
        loop {
            let now = Instant::now();
            let due = match self.probe_since {
                Some(since) => since + half,
                None => self.last_heard + half,
            };
            if now >= due {
                if let Some(since) = self.probe_since {
                    return End::Lost(Error::Network {
                        kind: FailureKind::Timeout,
                        detail: format!(
                            "the server has not answered for {} s",
                            now.duration_since(since.min(self.last_heard)).as_secs()
                        ),
                    });
                }
                // Quiet for half the Timeout: ask; no answer in the other half means dead.
                self.ack_requested = false;
                if let Err(e) = self.request_ack() {
                    return End::Lost(e);
                }
                continue;
            }
            let input = match self.rx.recv_timeout(due - now) {
                Ok(input) => input,
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => return End::Stop,
            };
            if let Some(end) = self.handle(input) {
                return end;
            }
            // Take whatever else is already waiting, so sends go out together.
            for _ in 0..BATCH {
                match self.rx.try_recv() {
                    Ok(input) => {
                        if let Some(end) = self.handle(input) {
                            return end;
                        }
                    }
                    Err(_) => break,
                }
            }
            if let Err(e) = self.flush() {
                return End::Lost(e);
            }
        }
    }

    fn handle(&mut self, input: Input) -> Option<End> {
        match input {
            Input::Send(element, id, room, ticket) => {
                self.queue(element, id, room, ticket);
                None
            }
            Input::Stop => Some(End::Stop),
            Input::Lost(generation, error) if generation == self.generation => {
                Some(End::Lost(error))
            }
            Input::Incoming(generation, el) if generation == self.generation => {
                self.last_heard = Instant::now();
                self.probe_since = None;
                self.incoming(el, true).err().map(End::Lost)
            }
            Input::Lost(..) | Input::Incoming(..) => None,
        }
    }

    /// One element from the server. `counted`: it arrived after stream management was enabled
    /// and counts for the h we report.
    fn incoming(&mut self, el: Element, counted: bool) -> Result<(), Error> {
        if el.ns == NS_SM {
            match el.name.as_str() {
                "a" => {
                    let h =
                        el.get_attr("h")
                            .and_then(|h| h.parse().ok())
                            .ok_or(Error::Protocol {
                                detail: "<a/> without a valid h".into(),
                            })?;
                    self.acked_up_to(h);
                    self.ack_requested = false;
                    if !self.unacked.is_empty() {
                        self.request_ack()?;
                    }
                }
                "r" => {
                    let a = format!("<a xmlns='{NS_SM}' h='{}'/>", self.inbound);
                    self.write(a.as_bytes())?;
                }
                _ => {}
            }
            return Ok(());
        }
        if !matches!(el.name.as_str(), "message" | "presence" | "iq") {
            return Ok(());
        }
        if counted {
            self.inbound = self.inbound.wrapping_add(1);
        }
        let kind = el.get_attr("type").unwrap_or("");
        let id = el.get_attr("id").unwrap_or("");
        match el.name.as_str() {
            "message" if kind == "error" => {
                // A refusal of one of ours still waiting: its sender learns why.
                let (condition, text) = login::stanza_error(&el);
                if let Some(u) = self
                    .unacked
                    .iter_mut()
                    .find(|u| u.id.as_deref() == Some(id))
                {
                    if let Some(ticket) = u.ticket.take() {
                        ticket.settle(Err(Error::StanzaError {
                            stanza: "message",
                            condition,
                            text,
                        }));
                    }
                } else if let Some(message) = parse_incoming(&el) {
                    self.deliver(message, &el)?;
                }
            }
            "message" => {
                if let Some(message) = parse_incoming(&el) {
                    self.deliver(message, &el)?;
                }
            }
            "iq" if kind == "get" || kind == "set" => {
                let reply = login::answer_iq(&el);
                self.outbox.push_back(Pending {
                    element: reply,
                    id: None,
                    ticket: None,
                    room: Room::None,
                });
            }
            "iq" if self.pings.front().is_some_and(|(p, _)| p == id) => {
                if let Some((_, seq)) = self.pings.pop_front() {
                    self.acked_up_to(seq);
                }
                self.ack_requested = false;
                if !self.unacked.is_empty() {
                    self.request_ack()?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn deliver(&mut self, message: Incoming, el: &Element) -> Result<(), Error> {
        let accepted = match self.shared.inbox.lock() {
            Ok(mut inbox) if inbox.messages.len() < INBOX_LIMIT => {
                inbox.messages.push_back(message.clone());
                true
            }
            _ => false,
        };
        if accepted {
            self.shared.arrived.notify_all();
            self.overflowing = false;
            if let Some(observer) = &self.observer {
                observer.event(Event::Message(&message));
            }
            return Ok(());
        }
        // Full: the sender is told (RFC 6120 resource-constraint), and so is the owner, once.
        if let Some(from) = el.get_attr("from") {
            let mut bounce = Element::new("message", NS_CLIENT)
                .attr("type", "error")
                .attr("to", from);
            if let Some(id) = el.get_attr("id") {
                bounce = bounce.attr("id", id);
            }
            self.outbox.push_back(Pending {
                element: bounce.child(
                    Element::new("error", NS_CLIENT)
                        .attr("type", "wait")
                        .child(Element::new("resource-constraint", NS_STANZAS)),
                ),
                id: None,
                ticket: None,
                room: Room::None,
            });
        }
        if !self.overflowing {
            self.overflowing = true;
            self.state(State::Overflow, 0, None, &[]);
        }
        Ok(())
    }

    /// Ends the stream: asks for the last acks, says goodbye, and waits (a little) for the
    /// server's own close, settling whatever acks arrive meanwhile.
    fn close_politely(&mut self) {
        let _ = self.flush();
        if self.link.is_none() {
            return;
        }
        if !self.unacked.is_empty() {
            self.ack_requested = false;
            let _ = self.request_ack();
        }
        if self.sm.is_some() {
            // Account for everything received: a server holding stanzas we never acked would
            // deliver them again (offline storage) to the account's next session.
            let a = format!("<a xmlns='{NS_SM}' h='{}'/>", self.inbound);
            let _ = self.write(a.as_bytes());
        }
        if let Some(link) = &self.link {
            let _ = link.writer.end_stream();
        }
        let deadline = Instant::now() + self.config.settings.timeout.min(Duration::from_secs(3));
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            match self.rx.recv_timeout(left) {
                Ok(Input::Incoming(g, el)) if g == self.generation => {
                    let _ = self.incoming(el, true);
                }
                Ok(Input::Lost(g, _)) if g == self.generation => break,
                Ok(Input::Send(_, id, _, ticket)) => {
                    ticket.settle(Err(Error::NotConnected));
                    let _ = id;
                }
                Ok(_) => {}
                Err(_) => break,
            }
        }
        if let Some(link) = self.link.take() {
            link.close(true);
        }
    }
}

/// Up to a quarter more or less, so that many clients cut off together do not come back in
/// step.
fn jitter(d: Duration) -> Duration {
    let mut b = [0u8; 2];
    let _ = getrandom::fill(&mut b);
    let r = u16::from_le_bytes(b) as f64 / u16::MAX as f64; // 0..1
    d.mul_f64(0.75 + r / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counting_wraps_around() {
        assert!(seq_le(1, 1));
        assert!(seq_le(1, 2));
        assert!(!seq_le(3, 2));
        assert!(seq_le(u32::MAX, 0));
        assert!(!seq_le(0, u32::MAX));
    }

    #[test]
    fn incoming_reads_delay_and_skips_empty() {
        let el = Element::new("message", NS_CLIENT)
            .attr("from", "a@x/r")
            .attr("id", "1")
            .child(Element::new("body", NS_CLIENT).text("Привет <&>"))
            .child(Element::new("delay", NS_DELAY).attr("stamp", "2026-11-23T10:00:00Z"));
        let m = parse_incoming(&el).expect("a message with a body");
        assert_eq!(m.body.as_deref(), Some("Привет <&>"));
        assert_eq!(m.kind, "normal");
        assert_eq!(m.stamp.as_deref(), Some("2026-11-23T10:00:00Z"));
        let state = Element::new("message", NS_CLIENT).child(Element::new(
            "active",
            "http://jabber.org/protocol/chatstates",
        ));
        assert!(parse_incoming(&state).is_none());
    }

    #[test]
    fn outgoing_is_checked_before_queueing() {
        let ok = Outgoing {
            to: "bob@example.org".into(),
            body: "x".into(),
            ..Outgoing::default()
        };
        let (el, id, room) = message_element(&ok, "alice@example.org/r").expect("valid");
        assert!(id.starts_with("m-"));
        assert!(room.is_none());
        assert_eq!(el.get_attr("type"), Some("chat"));
        let bad = Outgoing {
            to: "not a jid@".into(),
            ..ok.clone()
        };
        assert!(matches!(
            message_element(&bad, ""),
            Err(Error::InvalidJid { .. })
        ));
        let room = Outgoing {
            to: "room@conference.example.org".into(),
            kind: Some("groupchat".into()),
            ..ok
        };
        let (_, _, occupant) = message_element(&room, "alice@example.org/r").expect("valid");
        assert_eq!(
            occupant.as_deref(),
            Some("room@conference.example.org/alice")
        );
    }

    #[test]
    fn ticket_times_out_then_settles() {
        let t = Ticket::default();
        assert!(t.wait(Instant::now() + Duration::from_millis(10)).is_none());
        t.settle(Ok(()));
        assert!(matches!(t.wait(Instant::now()), Some(Ok(()))));
    }
}
