//! The session's worker: the threads, timers and reconnection around one logged-in stream.
//! What goes on the wire is built by [`stanza`](super::stanza); which of our stanzas are
//! written, counted, to be written again or failed is decided by the [`Ledger`]; this file only
//! moves bytes and time.
//!
//! Threads: the worker owns the connection's writing side and all protocol state; per
//! connection a reading thread parses what arrives. The reading thread counts every stanza as
//! it takes it in: the messages are ours from that moment (they go to the worker, then to the
//! inbox, whatever 1C is doing). It never writes: a reader blocked on a write (the server busy
//! writing to us, not reading) would stop draining the socket, and both ends would wait for
//! each other. A server's ack request (`<r/>`) is flagged and the worker wakes to answer it
//! with the count as it is then, after at most the write it is in; the reader keeps reading
//! meanwhile, so a burst never leaves the server waiting long enough to close the stream for
//! unacked stanzas.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use super::ledger::{Entry, Fate, Ledger};
use super::login;
use super::muc::{self, Rooms};
use super::outgoing::Incoming;
use super::session::{
    Config, ConnectInfo, Event, Input, Observer, Reply, Shared, Social, State, Submitted, Ticket,
    INBOX_LIMIT,
};
use super::stanza::{Iq, Message, Presence, Sm, StanzaError, StreamLimits, NS_SM};
use super::transport::{ReadHalf, WriteHalf};
use super::xml::Element;
use super::{sasl, Error, NetworkStep, ProtocolReason, SendFailure, NS_CLIENT};
use crate::net::http::FailureKind;

/// The longest pause between reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// The longest one reconnection attempt may take. When the owner stops the session
/// ([`Interrupt`](super::transport::tcp::Interrupt)), an attempt is cut at once.
const RECONNECT_LIMIT: Duration = Duration::from_secs(15);

/// Stanzas written per batch before an ack is requested even if more are waiting.
const BATCH: usize = 200;

/// Our stanzas in flight (written, not yet counted by the server) at most: a burst is paced to
/// the server's acks. Well below ejabberd's default max_ack_queue (5000), so that the server's
/// own queues stay small too.
const WINDOW: usize = 1000;

/// Stanzas per second a burst goes on at once the first WINDOW of it is written. A server
/// without a c2s shaper (ejabberd's `shaper: none`) takes stanzas in, in large writes, faster
/// than it can write them one by one to a single recipient; the recipient's session process
/// then falls behind, the recipient's acks wait behind the backlog in its mailbox, and ejabberd
/// closes the *recipient's* stream at max_ack_queue (5000) unacked stanzas, bouncing the rest.
/// Measured on 2 cores (ejabberd 23.01, both sessions and the server on one machine): a
/// 30,000-message burst unpaced (~14,000/s) had the recipient closed after ~1.4 s in every run;
/// paced to ~7,000/s it arrived whole. Half of what the server delivered there leaves room
/// for slower machines; a server with a shaper slows us down long before.
const PACE: f64 = 5000.0;

/// Stanzas larger than this are written alone (see the ledger): servers close the stream on a
/// stanza above their limit (ejabberd's max_stanza_size, Prosody's c2s_stanza_size_limit; the
/// smallest common default is 64 KiB) without saying which one it was.
const ISOLATE_ABOVE: usize = 16 * 1024;

/// A token bucket over our stanzas: WINDOW at once, then [`PACE`] per second, released in
/// chunks (one write each) rather than one by one.
struct Pacer {
    tokens: f64,
    at: Instant,
}

impl Pacer {
    /// The smallest chunk released while more is waiting (10 ms of the pace).
    const CHUNK: usize = 50;

    fn new(now: Instant) -> Pacer {
        Pacer {
            tokens: WINDOW as f64,
            at: now,
        }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens = (self.tokens + elapsed * PACE).min(WINDOW as f64);
        self.at = now;
    }

    /// How many of `queued` stanzas may be written now (0 = wait for [`Pacer::wait`]).
    fn allowed(&mut self, queued: usize, now: Instant) -> usize {
        self.refill(now);
        let whole = self.tokens as usize;
        match whole >= queued.min(Self::CHUNK) {
            true => whole.min(queued),
            false => 0,
        }
    }

    fn spend(&mut self, n: usize) {
        self.tokens = (self.tokens - n as f64).max(0.0);
    }

    /// How long until a chunk of `queued` stanzas may go (None: nothing waits for the pace).
    fn wait(&self, queued: usize, now: Instant) -> Option<Duration> {
        if queued == 0 {
            return None;
        }
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        let have = self.tokens + elapsed * PACE;
        let need = queued.min(Self::CHUNK) as f64;
        Some(Duration::from_secs_f64(((need - have) / PACE).max(0.0)))
    }
}

/// What a stanza of ours has to do with MUC rooms (see `Worker::rejoin_rooms`).
enum Room {
    None,
    /// The presence that joins a room.
    Join,
    /// A groupchat message, sent as this occupant (`room/nick`).
    Message(String),
}

/// What the ledger keeps with each of our stanzas.
struct Item {
    element: Element,
    ticket: Option<Arc<Ticket>>,
    room: Room,
}

fn item(
    element: Element,
    room: Room,
    id: Option<String>,
    ticket: Option<Arc<Ticket>>,
) -> Entry<Item> {
    Entry {
        id,
        size: element.wire_len(NS_CLIENT),
        payload: Item {
            element,
            ticket,
            room,
        },
    }
}

struct StreamManagement {
    /// The id to resume with; `None` when the server did not allow resumption.
    resume_id: Option<String>,
}

struct Link {
    writer: Arc<dyn WriteHalf>,
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

/// Starts the worker thread; it logs in and sends the outcome through `ready`.
#[allow(clippy::too_many_arguments)]
pub(super) fn spawn(
    config: Config,
    social: Social,
    password: &str,
    rx: Receiver<Input>,
    tx: Sender<Input>,
    shared: Arc<Shared>,
    observer: Option<Arc<dyn Observer>>,
    ready: Sender<Result<ConnectInfo, Error>>,
) -> Result<JoinHandle<()>, Error> {
    let mut worker = Worker {
        config,
        password: Zeroizing::new(password.to_owned()),
        rx,
        tx,
        shared,
        observer,
        ledger: Ledger::new(WINDOW, ISOLATE_ABOVE),
        pacer: Pacer::new(Instant::now()),
        inbound: Arc::new(AtomicU32::new(0)),
        ack_wanted: Arc::new(AtomicBool::new(false)),
        sm: None,
        link: None,
        generation: 0,
        jid: String::new(),
        ack_requested: false,
        last_heard: Instant::now(),
        probe_since: None,
        pings: Vec::new(),
        rooms: HashSet::new(),
        queries: Vec::new(),
        muc: Rooms::new(social.rooms.clone()),
        social,
        overflowing: false,
        unreported: Vec::new(),
        info: None,
        stanza_ns: NS_CLIENT,
        lost_early: None,
    };
    std::thread::Builder::new()
        .name("messenger-xmpp".into())
        .spawn(move || {
            // A panic must not leave XmppReceive waiting on a session nobody runs.
            let run = std::panic::AssertUnwindSafe(|| worker.run(ready));
            if std::panic::catch_unwind(run).is_err() {
                worker.finish();
            }
        })
        .map_err(|e| Error::Network {
            kind: FailureKind::Other,
            step: NetworkStep::StartThread,
            detail: e.to_string(),
        })
}

struct Worker {
    config: Config,
    /// Kept for reconnections; overwritten with zeros when the worker ends.
    password: Zeroizing<String>,
    rx: Receiver<Input>,
    tx: Sender<Input>,
    shared: Arc<Shared>,
    observer: Option<Arc<dyn Observer>>,
    ledger: Ledger<Item>,
    pacer: Pacer,
    /// Stanzas received since stream management was enabled (the `h` we report). Counted by
    /// the reading thread as it takes them in, by the worker during set-up.
    inbound: Arc<AtomicU32>,
    /// The server asked for our count (`<r/>`), flagged by the reading thread.
    ack_wanted: Arc<AtomicBool>,
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
    pings: Vec<(String, u32)>,
    /// Rooms joined in this connection (groupchat messages join first).
    rooms: HashSet<String>,
    /// The owner's iq requests waiting for their answers, by id.
    queries: Vec<(String, Arc<Reply>)>,
    /// The configured rooms and what became of their joins.
    muc: Rooms,
    social: Social,
    overflowing: bool,
    /// Ids of messages already failed whose XmppState event has not gone out yet: the attempt
    /// that failed them may itself fail, and the ids must then come with the next state the
    /// owner hears of, never be forgotten.
    unreported: Vec<String>,
    info: Option<ConnectInfo>,
    /// The namespace stanzas inherit where the link writes them (see `transport::Split`).
    stanza_ns: &'static str,
    /// The connection was lost while the connect waited for the server to count our presence:
    /// the first thing serving does is to reconnect.
    lost_early: Option<Error>,
}

/// Whether an element counts for XEP-0198's h (stanzas do; nonzas do not).
fn counts(el: &Element) -> bool {
    el.ns == NS_CLIENT && matches!(el.name.as_str(), "message" | "presence" | "iq")
}

impl Worker {
    fn run(&mut self, ready: Sender<Result<ConnectInfo, Error>>) {
        match self.establish(false).and_then(|_| self.await_ready()) {
            Ok(_) => {
                let info = self.info.clone();
                if let Some(info) = info {
                    let _ = ready.send(Ok(info));
                }
                self.state(State::Connected, 0, None, &[]);
            }
            Err(e) => {
                // Logged in but a room refused us: leave politely (no reconnection).
                self.close_politely();
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
                    let failed = self.fail_all(SendFailure::NotConnected);
                    self.state(State::Disconnected, 0, None, &failed);
                    break;
                }
                End::Lost(error) => {
                    self.muc.lost();
                    if let Some(link) = self.link.take() {
                        link.close(false);
                    }
                    self.blame_isolated(&error);
                    if !self.reconnect(error) {
                        break;
                    }
                }
            }
        }
        self.finish();
    }

    /// The stream ended while a large stanza of ours was alone in flight: it is the cause (a
    /// server closes the stream on a stanza above its limit), so it fails alone and is not
    /// written again; the messages after it go on in the next stream.
    fn blame_isolated(&mut self, error: &Error) {
        // A server refusing a stanza as too large may end the stream with an error, close the
        // connection, or make our write of it fail half-way (seen on ejabberd and Prosody):
        // any end but a silent link (a timeout, which says nothing about the stanza) blames it.
        let by_server = !matches!(
            error,
            Error::Network {
                kind: FailureKind::Timeout,
                ..
            }
        );
        if !by_server {
            return;
        }
        if let Some(entry) = self.ledger.blame_isolated() {
            let failure = SendFailure::TooLarge {
                size: entry.size,
                limit: None,
            };
            self.fail_entry(entry, failure);
        }
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
        let failed = self.fail_all(SendFailure::NotConnected);
        self.state(State::Disconnected, attempt, None, &failed);
    }

    /// Handles one input while no connection is up: sends are queued, what the lost
    /// connection's reader had read is handled (it was counted: the server will not send it
    /// again). Returns false when the owner stops the session.
    fn offline(&mut self, input: Input) -> bool {
        match input {
            Input::Send(s) => self.queue(s),
            Input::Query(iq, reply) => self.query(iq, reply),
            Input::Stop => return false,
            Input::Incoming(generation, el) if generation == self.generation => {
                let _ = self.incoming(el);
            }
            Input::Incoming(..) | Input::Lost(..) | Input::Wake(..) => {}
        }
        true
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
                let go_on = match self.rx.recv_timeout(left) {
                    Ok(input) => self.offline(input),
                    Err(RecvTimeoutError::Disconnected) => false,
                    Err(RecvTimeoutError::Timeout) => break,
                };
                if !go_on {
                    self.stopped_while_reconnecting(attempt);
                    return false;
                }
            }
            // Whatever is still in the channel from the lost connection is handled before a
            // new connection makes it stale.
            while let Ok(input) = self.rx.try_recv() {
                if !self.offline(input) {
                    self.stopped_while_reconnecting(attempt);
                    return false;
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
                    let failed = self.fail_all(SendFailure::NotDelivered);
                    self.state(State::Failed, attempt, Some(&e), &failed);
                    return false;
                }
                // The owner's stop cut this attempt: no new attempt to announce.
                Err(_) if self.stop_asked() => {
                    self.stopped_while_reconnecting(attempt);
                    return false;
                }
                Err(e) => {
                    // The attempt may have died writing a large stanza again (after a resume).
                    self.blame_isolated(&e);
                    error = e;
                }
            }
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }

    /// Logs in; on a reconnection first tries to resume. Returns whether the old session was
    /// resumed and the ids of messages reported failed because it could not be.
    fn establish(&mut self, again: bool) -> Result<(bool, Vec<String>), Error> {
        // Stanzas that arrive while we wait for an answer of stream management (counted, when
        // they count, as they are taken in). They are handled even when this attempt then
        // fails: the server took a message written to a bound resource as delivered and will
        // not send it again, so dropping it here would lose it.
        let mut early: Vec<Element> = Vec::new();
        let result = self.set_up(again, &mut early);
        let mut handled = Ok(());
        for el in early {
            if let Err(e) = self.incoming(el) {
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

    /// Settles the stanzas the server counted. The fate is recorded before the ticket wakes its
    /// waiter: XmppSendStatus asked right after XmppSend returned must not say "pending".
    fn settle_acked(&self, done: Vec<Entry<Item>>) {
        // Every fate is recorded under one lock (not one per message: the owner's sends take
        // the same lock), and only then are the tickets woken.
        self.shared.record_all(
            done.iter()
                .filter(|e| e.payload.ticket.is_some())
                .filter_map(|e| e.id.as_deref()),
            Fate::Acked,
        );
        for e in done {
            if let Some(ticket) = e.payload.ticket {
                ticket.settle(Ok(()));
            }
        }
    }

    /// Records, then settles (in that order: see `settle_acked`).
    fn fail_entry(&mut self, entry: Entry<Item>, why: SendFailure) {
        if let Some(ticket) = entry.payload.ticket {
            if let Some(id) = entry.id {
                self.shared.record(&id, Fate::Failed(why.clone()));
                self.unreported.push(id);
            }
            ticket.settle(Err(why.into()));
        }
    }

    /// `establish` up to the start of the reading thread; see there for `early`.
    fn set_up(&mut self, again: bool, early: &mut Vec<Element>) -> Result<bool, Error> {
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
        self.ledger
            .set_max_bytes(StreamLimits::from_features(session.features()).max_bytes);
        let mut resumed = false;
        let mut resume_tried = false;
        let previous = self.sm.as_ref().and_then(|sm| sm.resume_id.clone());
        if let (true, true, Some(previd)) = (again, offered, previous) {
            resume_tried = true;
            let t = session.transport_mut();
            let h = self.inbound.load(Ordering::SeqCst);
            t.send(&[Sm::Resume { h, previd }.to_element()])?;
            loop {
                let answer = t.recv()?;
                if answer.ns != NS_SM {
                    if counts(&answer) {
                        self.inbound.fetch_add(1, Ordering::SeqCst);
                    }
                    early.push(answer);
                    continue;
                }
                match Sm::try_from(&answer) {
                    Ok(Sm::Resumed { h, .. }) => {
                        let done = self.ledger.resumed(h).map_err(|e| Error::Protocol {
                            reason: ProtocolReason::ResumedBeyondSent {
                                h: e.h,
                                sent: e.sent,
                            },
                        })?;
                        self.settle_acked(done);
                        resumed = true;
                        break;
                    }
                    Ok(Sm::Failed { h, .. }) => {
                        // XEP-0198 1.6: a refused resume may still say how much arrived; then
                        // the rest is written again in the new stream, else it is lost.
                        let (counted, lost) = self.ledger.resume_refused(h);
                        self.settle_acked(counted);
                        for entry in lost {
                            self.fail_entry(entry, SendFailure::NotDelivered);
                        }
                        break;
                    }
                    _ => {}
                }
            }
        }
        if resumed {
            session.set_bound(&self.jid);
        } else {
            if again && !resume_tried {
                // No resumption possible: what was in flight has an unknown fate.
                for entry in self.ledger.new_stream() {
                    self.fail_entry(entry, SendFailure::NotDelivered);
                }
            }
            // Stanzas that came with the bind: before <enable/>, not counted by the server.
            let mut bound_with = Vec::new();
            let bound = session.bind_for_session(deadline, &mut bound_with);
            early.extend(bound_with);
            bound?;
            self.jid = session.jid.clone();
            // Empty by now (handled above); anything left would have an unknown fate.
            for entry in self.ledger.new_stream() {
                self.fail_entry(entry, SendFailure::NotDelivered);
            }
            self.inbound.store(0, Ordering::SeqCst);
            self.sm = None;
            self.pings.clear();
            self.rejoin_rooms();
            if offered {
                let t = session.transport_mut();
                t.send(&[Sm::Enable { resume: true }.to_element()])?;
                loop {
                    let answer = t.recv()?;
                    if answer.ns != NS_SM {
                        early.push(answer);
                        continue;
                    }
                    match Sm::try_from(&answer) {
                        Ok(Sm::Enabled { id, resume, .. }) => {
                            self.sm = Some(StreamManagement {
                                resume_id: id.filter(|_| resume),
                            });
                            break;
                        }
                        Ok(Sm::Failed { .. }) => break,
                        _ => {}
                    }
                }
            }
            // Available presence: without it the server keeps messages to the bare JID
            // offline. Put first, so it precedes everything queued.
            let presence = Presence {
                status: self.config.status.clone(),
                priority: self.config.priority,
                ..Presence::default()
            };
            self.ledger
                .queue_first(item(presence.to_element(), Room::None, None, None));
            // The roster before the presence, so that the contacts' presences it brings find
            // it (RFC 6121 §2.2).
            let request = self.shared.roster.lock().map(|mut r| r.new_stream());
            if let Ok(request) = request {
                self.ledger
                    .queue_first(item(request, Room::None, None, None));
            }
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
        let writer: Arc<dyn WriteHalf> = Arc::from(split.writer);
        let handle = self.start_reader(split.reader, writer.clone())?;
        self.link = Some(Link {
            writer,
            reader: Some(handle),
        });
        self.stanza_ns = split.stanza_ns;
        self.ack_requested = false;
        self.probe_since = None;
        self.last_heard = Instant::now();
        self.info = Some(ConnectInfo {
            jid: self.jid.clone(),
            transport,
            mechanism,
            stream_management: self.sm.is_some(),
        });
        Ok(resumed)
    }

    /// The reading thread of one connection: counts what it takes in and answers the
    /// server's ack requests at once (see the module's comment), hands everything else on.
    fn start_reader(
        &self,
        mut reader: Box<dyn ReadHalf>,
        writer: Arc<dyn WriteHalf>,
    ) -> Result<JoinHandle<()>, Error> {
        let generation = self.generation;
        let tx = self.tx.clone();
        let inbound = self.inbound.clone();
        let ack_wanted = self.ack_wanted.clone();
        ack_wanted.store(false, Ordering::SeqCst);
        let counting = self.sm.is_some();
        std::thread::Builder::new()
            .name("messenger-xmpp-read".into())
            .spawn(move || loop {
                match reader.recv() {
                    Ok(el) => {
                        let input = if counting && el.is("r", NS_SM) {
                            ack_wanted.store(true, Ordering::SeqCst);
                            Input::Wake(generation)
                        } else {
                            if counting && counts(&el) {
                                inbound.fetch_add(1, Ordering::SeqCst);
                            }
                            Input::Incoming(generation, el)
                        };
                        if tx.send(input).is_err() {
                            break;
                        }
                        if writer.wants_write() && tx.send(Input::Wake(generation)).is_err() {
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
                step: NetworkStep::StartThread,
                detail: e.to_string(),
            })
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), Error> {
        match &self.link {
            Some(link) => link.writer.write_raw(bytes),
            None => Err(Error::Closed),
        }
    }

    fn queue(&mut self, s: Submitted) {
        let entry = item(s.element, Room::None, Some(s.id), Some(s.ticket));
        // Refused before it is written when the server announced a smaller limit.
        if let Err(limit) = self.ledger.check_size(entry.size) {
            let failure = SendFailure::TooLarge {
                size: entry.size,
                limit: Some(limit),
            };
            if let (Some(id), Some(ticket)) = (&entry.id, &entry.payload.ticket) {
                self.shared.record(id, Fate::Failed(failure.clone()));
                ticket.settle(Err(failure.into()));
            }
            return;
        }
        let mut entry = entry;
        if let Some(occupant) = &s.occupant {
            self.join_first(occupant);
            entry.payload.room = Room::Message(occupant.clone());
        }
        self.ledger.queue(entry);
    }

    /// Queues an iq of the owner's; its answer is routed back by id. Requests whose owner
    /// stopped waiting (the only other holder of the reply) are forgotten here, so the list
    /// stays as short as the requests really waited for.
    fn query(&mut self, iq: Element, reply: Arc<Reply>) {
        self.queries.retain(|(_, r)| Arc::strong_count(r) > 1);
        if let Some(id) = iq.get_attr("id") {
            self.queries.push((id.to_owned(), reply));
        }
        self.queue_stanza(iq);
    }

    fn queue_stanza(&mut self, element: Element) {
        self.ledger.queue(item(element, Room::None, None, None));
    }

    /// Queues the room's join presence unless this connection has joined it already.
    fn join_first(&mut self, occupant: &str) {
        let bare = occupant.split('/').next().unwrap_or_default().to_owned();
        self.muc.note(occupant);
        if self.rooms.insert(bare) {
            let join = Presence::muc_join(occupant).to_element();
            self.ledger.queue(item(join, Room::Join, None, None));
        }
    }

    /// A new session (not resumed) is in no room: groupchat messages still queued from the
    /// old one join theirs again first. Joins queued for the old one are rebuilt the same way.
    fn rejoin_rooms(&mut self) {
        self.rooms.clear();
        let queued = self.ledger.take_queued();
        // The configured rooms, each with its password and history (see muc.rs).
        for (room, join) in self.muc.joins() {
            self.rooms.insert(room);
            self.ledger.queue(item(join, Room::Join, None, None));
        }
        for entry in queued {
            match &entry.payload.room {
                Room::Join => continue,
                Room::Message(occupant) => {
                    let occupant = occupant.clone();
                    self.join_first(&occupant);
                }
                Room::None => {}
            }
            self.ledger.queue(entry);
        }
    }

    /// Writes what the ledger lets go (within the window, large stanzas alone), in batches,
    /// and asks for an ack unless a request is already on its way: its answer asks again for
    /// what it did not cover, so a burst costs a few `<r/>`/`<a/>` pairs, not one per write.
    fn flush(&mut self) -> Result<(), Error> {
        loop {
            let allowed = self
                .pacer
                .allowed(self.ledger.queued(), Instant::now())
                .min(BATCH);
            let n = self.ledger.release(allowed);
            if n == 0 {
                if self.link.as_ref().is_some_and(|l| l.writer.wants_write()) {
                    self.write(&[])?;
                }
                return Ok(());
            }
            self.pacer.spend(n);
            let mut bytes = Vec::new();
            let skip = self.ledger.in_flight() - n;
            for e in self.ledger.in_flight_entries().skip(skip) {
                e.payload.element.write_to(&mut bytes, self.stanza_ns);
            }
            self.write(&bytes)?;
            self.request_ack()?;
        }
    }

    /// How long until the pace lets queued stanzas go, when some wait for it (not for acks).
    fn paced(&self, now: Instant) -> Option<Duration> {
        if self.ledger.in_flight() >= WINDOW {
            return None;
        }
        self.pacer.wait(self.ledger.queued(), now)
    }

    /// Writes what the reading thread may not: the answer to the server's ack request (the
    /// count as it is now) and TLS's own records.
    fn wake(&mut self) -> Result<(), Error> {
        if self.ack_wanted.swap(false, Ordering::SeqCst) && self.sm.is_some() {
            let h = self.inbound.load(Ordering::SeqCst);
            let a = Sm::A { h }.to_element().to_bytes(self.stanza_ns);
            self.write(&a)?;
        }
        // TLS's own records (and anything the pace lets go) leave with the flush.
        self.flush()
    }

    /// Asks the server to account for what it got: `<r/>`, or a ping without XEP-0198.
    fn request_ack(&mut self) -> Result<(), Error> {
        if self.ack_requested {
            return Ok(());
        }
        if self.sm.is_some() {
            let r = Sm::R.to_element().to_bytes(self.stanza_ns);
            self.write(&r)?;
        } else {
            let id = sasl::stanza_id("ping");
            let ping = Iq::ping(&id, None).to_element().to_bytes(self.stanza_ns);
            self.write(&ping)?;
            let seq = self.ledger.count_unlisted();
            self.pings.push((id, seq));
        }
        self.ack_requested = true;
        if self.probe_since.is_none() {
            self.probe_since = Some(Instant::now());
        }
        Ok(())
    }

    fn acked_up_to(&mut self, h: u32) -> Result<(), Error> {
        let done = self.ledger.acked(h).map_err(|e| Error::Protocol {
            reason: ProtocolReason::AckedBeyondSent {
                h: e.h,
                sent: e.sent,
            },
        })?;
        self.settle_acked(done);
        Ok(())
    }

    /// The session ends: everything written and not counted failed with an unknown fate,
    /// whatever was queued for `why`.
    fn fail_all(&mut self, why: SendFailure) -> Vec<String> {
        for entry in self.ledger.new_stream() {
            self.fail_entry(entry, SendFailure::NotDelivered);
        }
        for entry in self.ledger.drain_all() {
            self.fail_entry(entry, why.clone());
        }
        while let Ok(input) = self.rx.try_recv() {
            if let Input::Send(s) = input {
                self.shared.record(&s.id, Fate::Failed(why.clone()));
                s.ticket.settle(Err(why.clone().into()));
                self.unreported.push(s.id);
            }
        }
        std::mem::take(&mut self.unreported)
    }

    /// Serves the live connection until it is lost or the owner stops the session.
    fn serve(&mut self) -> End {
        if let Some(e) = self.lost_early.take() {
            return End::Lost(e);
        }
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
                        step: NetworkStep::Silence {
                            seconds: now.duration_since(since.min(self.last_heard)).as_secs(),
                        },
                        detail: String::new(),
                    });
                }
                // Quiet for half the Timeout: ask; no answer in the other half means dead.
                self.ack_requested = false;
                if let Err(e) = self.request_ack() {
                    return End::Lost(e);
                }
                continue;
            }
            let paced = self.paced(now).unwrap_or(Duration::MAX);
            let input = match self.rx.recv_timeout((due - now).min(paced)) {
                Ok(input) => input,
                Err(RecvTimeoutError::Timeout) => {
                    if let Err(e) = self.flush() {
                        return End::Lost(e);
                    }
                    continue;
                }
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
            Input::Send(s) => {
                self.queue(s);
                None
            }
            Input::Query(iq, reply) => {
                self.query(iq, reply);
                None
            }
            Input::Stop => Some(End::Stop),
            Input::Lost(generation, error) if generation == self.generation => {
                Some(End::Lost(error))
            }
            Input::Incoming(generation, el) if generation == self.generation => {
                self.last_heard = Instant::now();
                self.probe_since = None;
                self.incoming(el).err().map(End::Lost)
            }
            Input::Wake(generation) if generation == self.generation => {
                self.wake().err().map(End::Lost)
            }
            Input::Lost(..) | Input::Incoming(..) | Input::Wake(..) => None,
        }
    }

    /// One element from the server (already counted for the h we report).
    fn incoming(&mut self, el: Element) -> Result<(), Error> {
        if el.ns == NS_SM {
            match Sm::try_from(&el) {
                Ok(Sm::A { h }) => {
                    self.acked_up_to(h)?;
                    self.ack_requested = false;
                    if self.ledger.in_flight() > 0 {
                        self.request_ack()?;
                    }
                }
                // Answered by the reading thread; only during set-up does one come here.
                Ok(Sm::R) => {
                    let h = self.inbound.load(Ordering::SeqCst);
                    let a = Sm::A { h }.to_element().to_bytes(self.stanza_ns);
                    self.write(&a)?;
                }
                Ok(_) => {}
                // A wrong count would settle the wrong stanzas: the stream cannot go on.
                Err(_) if el.name == "a" => {
                    return Err(Error::Protocol {
                        reason: ProtocolReason::BadAck,
                    })
                }
                Err(_) => {}
            }
            return Ok(());
        }
        if !counts(&el) {
            return Ok(());
        }
        if self.social(&el)? {
            return Ok(());
        }
        let kind = el.get_attr("type").unwrap_or("");
        let id = el.get_attr("id").unwrap_or("");
        match el.name.as_str() {
            "message" if kind == "error" => {
                // A refusal of one of ours still waiting: its sender learns why.
                let error = StanzaError::of(&el).unwrap_or_default();
                let ticket = self
                    .ledger
                    .in_flight_entries()
                    .find(|e| e.id.as_deref() == Some(id))
                    .and_then(|e| e.payload.ticket.clone());
                if let Some(ticket) = ticket {
                    let failure = SendFailure::Refused {
                        condition: super::StanzaCondition::of(&error.condition),
                        text: error.text.unwrap_or_default(),
                    };
                    self.shared.record(id, Fate::Failed(failure.clone()));
                    ticket.settle(Err(failure.into()));
                } else if let Some(message) = Incoming::from_element(&el) {
                    self.deliver(message, &el)?;
                }
            }
            "message" => {
                if let Some(message) = Incoming::from_element(&el) {
                    self.deliver(message, &el)?;
                }
            }
            "iq" if kind == "get" || kind == "set" => {
                if let Ok(iq) = Iq::try_from(&el) {
                    self.queue_stanza(iq.answer().to_element());
                }
            }
            "iq" if self.queries.iter().any(|(q, _)| q == id) => {
                if let Some(at) = self.queries.iter().position(|(q, _)| q == id) {
                    let (_, reply) = self.queries.swap_remove(at);
                    reply.settle(el);
                }
            }
            "iq" if self.pings.first().is_some_and(|(p, _)| p == id) => {
                let (_, seq) = self.pings.remove(0);
                self.acked_up_to(seq)?;
                self.ack_requested = false;
                if self.ledger.in_flight() > 0 {
                    self.request_ack()?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Rooms and contacts: presences, roster iqs, groupchat messages. Returns whether the
    /// stanza was theirs.
    fn social(&mut self, el: &Element) -> Result<bool, Error> {
        let own_bare = self.jid.split('/').next().unwrap_or_default().to_owned();
        match el.name.as_str() {
            "presence" => {
                match self.muc.presence(el) {
                    muc::Outcome::NotOurs => {}
                    muc::Outcome::Failed(e) => {
                        let notice = Incoming {
                            notice: Some("room"),
                            room: Some(e.room.clone()),
                            nick: Some(e.nick.clone()),
                            room_error: Some(e),
                            ..Incoming::default()
                        };
                        self.notify(notice);
                        return Ok(true);
                    }
                    _ => return Ok(true),
                }
                let (policy, queue) = (self.social.subscriptions, self.social.presence_updates);
                let reaction = match self.shared.roster.lock() {
                    Ok(mut roster) => roster.presence(el, &own_bare, policy, queue),
                    Err(_) => return Ok(true),
                };
                for reply in reaction.replies {
                    self.queue_stanza(reply);
                }
                if let Some(notice) = reaction.notice {
                    self.notify(notice);
                }
                Ok(true)
            }
            "iq" => {
                let (replies, truncated) = match self.shared.roster.lock() {
                    Ok(mut roster) => {
                        let replies = roster.iq(el, &own_bare);
                        (replies, roster.truncation_notice())
                    }
                    Err(_) => (None, None),
                };
                let Some(replies) = replies else {
                    return Ok(false);
                };
                for reply in replies {
                    self.queue_stanza(reply);
                }
                // A roster cut at its limit is said, not left to be guessed from XmppRoster.
                if let Some(notice) = truncated {
                    self.notify(notice);
                }
                Ok(true)
            }
            "message" if muc::is_groupchat(el) => {
                let marked = Incoming::from_element(el).and_then(|m| self.muc.groupchat(m));
                if let Some(message) = marked {
                    self.deliver(message, el)?;
                }
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// Waits (within the Timeout) until every configured room answered its join and the
    /// server counted our presence; the first refusal, or the silence of a room, is the error
    /// of the connect. A presence written but not yet taken in by the server leaves the
    /// account unavailable for a moment: a message sent to it right after the connect
    /// returned would go to offline storage, racing the presence that empties it, and stay
    /// there. A server that does not answer the ack in time is no error: the session is up.
    fn await_ready(&mut self) -> Result<(), Error> {
        let deadline = Instant::now() + self.config.settings.timeout;
        self.flush()?;
        while self.muc.pending() || self.ledger.has_queued() || self.ledger.in_flight() > 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            let input = match self.rx.recv_timeout(left) {
                Ok(input) => input,
                Err(_) => break,
            };
            match input {
                Input::Incoming(g, el) if g == self.generation => {
                    if let muc::Outcome::Failed(e) = self.muc.presence(&el) {
                        return Err(Error::Room(e));
                    }
                    self.incoming(el)?;
                }
                // A room's answer is part of the connect; the presence's ack is not: the
                // session is up, and serving it reconnects.
                Input::Lost(g, e) if g == self.generation && self.muc.pending() => return Err(e),
                Input::Lost(g, e) if g == self.generation => {
                    self.lost_early = Some(e);
                    break;
                }
                Input::Wake(g) if g == self.generation => self.wake()?,
                _ => {}
            }
            self.flush()?;
        }
        match self.muc.unanswered() {
            Some(e) => Err(Error::Room(e)),
            None => Ok(()),
        }
    }

    /// A notice for the owner: an event always, an item in the queue unless it is for the
    /// event only; a full queue is reported as for messages.
    fn notify(&mut self, notice: Incoming) {
        if let Some(observer) = &self.observer {
            observer.event(Event::Notice(&notice));
        }
        if notice.event_only {
            return;
        }
        let accepted = match self.shared.inbox.lock() {
            Ok(mut inbox) if inbox.messages.len() < INBOX_LIMIT => {
                inbox.messages.push_back(notice);
                true
            }
            _ => false,
        };
        if accepted {
            self.shared.arrived.notify_all();
        } else if !self.overflowing {
            self.overflowing = true;
            self.state(State::Overflow, 0, None, &[]);
        }
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
            let bounce = Message {
                to: Some(from.to_owned()),
                kind: Some("error".into()),
                id: el.get_attr("id").map(str::to_owned),
                error: Some(StanzaError::new("wait", "resource-constraint")),
                ..Message::default()
            };
            self.queue_stanza(bounce.to_element());
        }
        if !self.overflowing {
            self.overflowing = true;
            self.state(State::Overflow, 0, None, &[]);
        }
        Ok(())
    }

    /// Whether a message of the owner's is still queued or not yet counted (our own presences
    /// and answers are not worth a wait).
    fn awaiting_acks(&self) -> bool {
        self.ledger.has_queued()
            || self
                .ledger
                .in_flight_entries()
                .any(|e| e.payload.ticket.is_some())
    }

    /// Ends the stream: writes what is queued, waits (within the Timeout) only until the
    /// server has counted everything in flight, accounts for what we received, says goodbye
    /// and lets the connection go without waiting for the server's own goodbye: everything
    /// that matters was confirmed before it.
    fn close_politely(&mut self) {
        if self.link.is_none() {
            return;
        }
        let deadline = Instant::now() + self.config.settings.timeout;
        let _ = self.flush();
        if self.ledger.in_flight() > 0 {
            self.ack_requested = false;
            let _ = self.request_ack();
        }
        while self.awaiting_acks() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            let wait = self.paced(Instant::now()).map_or(left, |p| p.min(left));
            match self.rx.recv_timeout(wait) {
                Err(RecvTimeoutError::Timeout) if wait < left => {
                    if self.flush().is_err() {
                        break;
                    }
                }
                Ok(Input::Incoming(g, el)) if g == self.generation => {
                    if self.incoming(el).is_err() {
                        break;
                    }
                    if self.flush().is_err() {
                        break;
                    }
                }
                Ok(Input::Lost(g, _)) if g == self.generation => break,
                Ok(Input::Wake(g)) if g == self.generation => {
                    if self.wake().is_err() {
                        break;
                    }
                }
                Ok(Input::Send(s)) => {
                    self.shared
                        .record(&s.id, Fate::Failed(SendFailure::NotConnected));
                    s.ticket.settle(Err(Error::NotConnected));
                }
                Ok(_) => {}
                Err(_) => break,
            }
        }
        if self.sm.is_some() {
            // Account for everything received: a server holding stanzas we never acked would
            // deliver them again (offline storage) to the account's next session.
            let h = self.inbound.load(Ordering::SeqCst);
            let a = Sm::A { h }.to_element().to_bytes(self.stanza_ns);
            let _ = self.write(&a);
        }
        let Some(link) = &self.link else {
            return;
        };
        let _ = link.writer.end_stream();
        let bosh = self.info.as_ref().is_some_and(|i| i.transport == "bosh");
        if bosh {
            // The terminate is an HTTP request of its own: letting the connection go now
            // would drop it, and the server would keep the session until its inactivity limit.
            let until = Instant::now() + self.config.settings.timeout.min(Duration::from_secs(3));
            loop {
                let left = until.saturating_duration_since(Instant::now());
                match self.rx.recv_timeout(left) {
                    Ok(Input::Lost(g, _)) if g == self.generation => break,
                    Ok(Input::Incoming(g, el)) if g == self.generation => {
                        let _ = self.incoming(el);
                    }
                    Ok(Input::Send(s)) => {
                        self.shared
                            .record(&s.id, Fate::Failed(SendFailure::NotConnected));
                        s.ticket.settle(Err(Error::NotConnected));
                    }
                    Ok(_) => {}
                    Err(_) => break,
                }
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
    fn a_burst_goes_a_window_at_once_then_at_the_pace_in_chunks() {
        let t0 = Instant::now();
        let mut pacer = Pacer::new(t0);
        assert_eq!(pacer.allowed(30_000, t0), WINDOW);
        pacer.spend(WINDOW);
        assert_eq!(pacer.allowed(30_000, t0), 0);
        let wait = pacer.wait(30_000, t0).unwrap();
        let chunk = Duration::from_secs_f64(Pacer::CHUNK as f64 / PACE);
        assert!(wait.abs_diff(chunk) < Duration::from_micros(50), "{wait:?}");
        // Less than a chunk of tokens: nothing yet, however long the queue.
        let early = t0 + chunk / 2;
        assert_eq!(pacer.allowed(30_000, early), 0);
        let later = t0 + chunk * 2;
        let n = pacer.allowed(30_000, later);
        assert!(
            (2 * Pacer::CHUNK - 1..=2 * Pacer::CHUNK).contains(&n),
            "{n}"
        );
        pacer.spend(n);
        // A second's refill never exceeds the window.
        let much_later = later + Duration::from_secs(10);
        assert_eq!(pacer.allowed(30_000, much_later), WINDOW);
    }

    #[test]
    fn a_short_queue_does_not_wait_for_a_whole_chunk() {
        let t0 = Instant::now();
        let mut pacer = Pacer::new(t0);
        pacer.spend(WINDOW);
        let enough_for_three = t0 + Duration::from_secs_f64(3.5 / PACE);
        assert_eq!(pacer.allowed(3, enough_for_three), 3);
        assert_eq!(pacer.wait(0, enough_for_three), None);
    }
}
