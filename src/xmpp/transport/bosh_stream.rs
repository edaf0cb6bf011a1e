//! A logged-in BOSH session split for the persistent XMPP session (XEP-0124 §8–§14, with the
//! `hold='1'` it was created with).
//!
//! The server can only speak when it holds a request of ours, so one empty request (a poll)
//! is always kept in flight; what we send goes in a second request, one at a time, carrying
//! everything queued since the previous one. The server answers the older of two requests at
//! once, so a send releases the held poll, and the next poll releases the send. Responses may
//! come back out of order; their contents are handed on in rid order, which is the order the
//! server wrote them in.
//!
//! The reader half drives every request on a current-thread Tokio runtime of its own (it lives
//! in the session's reading thread). That is what lets the session stop at once: a poll held
//! by the server for up to `wait` seconds, or stuck on a dead network, is dropped on the spot
//! rather than waited for — the blocking client offers no way to abandon a request. The writer
//! half only queues bytes and commands, so a send never waits for HTTP.
//!
//! No crate does BOSH client sessions for Rust (xmpp-rs has no BOSH transport), hence this file.

use std::collections::{BTreeMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use tokio::sync::mpsc::error::TryRecvError;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

use super::bosh_body::{
    http_error, http_status, parse_body, terminated, MAX_RESPONSE_BYTES, NS_HTTPBIND,
};
use super::{ReadHalf, Split, WriteHalf};
use crate::net::http::FailureKind;
use crate::xmpp::xml::Element;
use crate::xmpp::{Error, NS_CLIENT, NS_STREAM};

/// How often a request that failed on the network is sent again with the same rid before the
/// connection is given up (XEP-0124 §14.3: the server answers a repeated rid from its cache).
const RETRIES: u32 = 2;

/// What the login hands over.
pub(super) struct Start {
    pub client: reqwest::Client,
    pub url: String,
    pub sid: String,
    /// The next rid to use.
    pub rid: u64,
    pub wait: Duration,
    pub polling: Duration,
    pub requests: u32,
    /// The round trip measured during the login.
    pub rtt: Duration,
    /// The session's Timeout: a send must be answered within it, a poll within `wait` + it.
    pub timeout: Duration,
    /// Elements already received during the login and not yet read.
    pub received: VecDeque<Element>,
}

pub(super) fn split(start: Start) -> Result<Split, Error> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Network {
            kind: FailureKind::Other,
            step: crate::xmpp::NetworkStep::StartThread,
            detail: e.to_string(),
        })?;
    let (tx, rx) = unbounded_channel();
    let engine = Engine {
        client: start.client,
        url: start.url,
        sid_attr: quick_xml::escape::escape(start.sid.as_str()).into_owned(),
        wait: start.wait,
        polling: start.polling,
        in_flight_limit: start.requests.max(1) as usize,
        timeout: start.timeout,
        commands: rx,
        next_rid: start.rid,
        deliver_rid: start.rid,
        poll: None,
        send: None,
        outgoing: Vec::new(),
        sends_started: 0,
        poll_not_before: None,
        rtt: start.rtt,
        last_issued: None,
        ending: Ending::Open,
        ended: false,
        answered: BTreeMap::new(),
        ready: start.received,
    };
    Ok(Split {
        reader: Box::new(BoshReader { runtime, engine }),
        writer: Box::new(BoshWriter { commands: tx }),
        stanza_ns: "",
    })
}

enum Command {
    Write(Vec<u8>),
    End,
    Abort,
}

struct BoshWriter {
    commands: UnboundedSender<Command>,
}

impl WriteHalf for BoshWriter {
    fn write_raw(&self, bytes: &[u8]) -> Result<(), Error> {
        self.commands
            .send(Command::Write(bytes.to_vec()))
            .map_err(|_| Error::Closed)
    }

    fn end_stream(&self) -> Result<(), Error> {
        self.commands.send(Command::End).map_err(|_| Error::Closed)
    }

    fn shutdown(&self) {
        let _ = self.commands.send(Command::Abort);
    }

    fn abort(&self) {
        let _ = self.commands.send(Command::Abort);
    }
}

struct BoshReader {
    runtime: tokio::runtime::Runtime,
    engine: Engine,
}

impl ReadHalf for BoshReader {
    fn recv(&mut self) -> Result<Element, Error> {
        let BoshReader { runtime, engine } = self;
        runtime.block_on(engine.next())
    }
}

type Answer = Pin<Box<dyn Future<Output = Result<Element, Error>> + Send>>;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Poll,
    Send,
    /// Our `type='terminate'` (with whatever was still to send).
    Terminate,
}

/// One request on its way.
struct InFlight {
    kind: Kind,
    rid: u64,
    /// The whole body, kept to send again after a network failure.
    body: Vec<u8>,
    tries: u32,
    limit: Duration,
    started: Instant,
    /// How many sends had started when this one did (tells a poll released by a send from
    /// one the server answered empty on its own).
    sends_before: u64,
    answer: Answer,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Ending {
    Open,
    /// The owner asked to end: the terminate goes in the next free slot.
    Wanted,
    /// The terminate is on its way.
    Sent,
}

struct Engine {
    client: reqwest::Client,
    url: String,
    sid_attr: String,
    wait: Duration,
    polling: Duration,
    in_flight_limit: usize,
    timeout: Duration,
    commands: UnboundedReceiver<Command>,
    next_rid: u64,
    /// The rid whose answer is handed on next (answers are passed on in rid order).
    deliver_rid: u64,
    poll: Option<InFlight>,
    send: Option<InFlight>,
    /// Bytes written by the session and not yet in a request.
    outgoing: Vec<u8>,
    sends_started: u64,
    /// An empty poll came back at once on its own: the next waits until then (XEP-0124
    /// `polling`), so that a server that never holds cannot make us spin.
    poll_not_before: Option<Instant>,
    /// The round trip to the connection manager, smoothed from sends answered at once.
    rtt: Duration,
    /// When the newest request was started (see `issue_gap`).
    last_issued: Option<Instant>,
    ending: Ending,
    /// The answer to our terminate came: once `ready` is drained the stream is over.
    ended: bool,
    /// Answers that came before an earlier rid's: rid → its elements.
    answered: BTreeMap<u64, Vec<Element>>,
    ready: VecDeque<Element>,
}

impl Engine {
    async fn next(&mut self) -> Result<Element, Error> {
        loop {
            if let Some(el) = self.ready.pop_front() {
                if el.is("error", NS_STREAM) {
                    return Err(super::tcp::stream_error(&el));
                }
                return Ok(el);
            }
            if self.ended {
                return Err(Error::Closed);
            }
            // Everything the owner has queued is taken before deciding what to send, so that
            // writes go out together and an end or a stop is never behind a fresh poll.
            loop {
                match self.commands.try_recv() {
                    Ok(command) => self.command(Some(command))?,
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => self.command(None)?,
                }
            }
            let pause = self.start_requests();
            let Engine {
                commands,
                poll,
                send,
                ..
            } = self;
            tokio::select! {
                command = commands.recv() => self.command(command)?,
                answer = answer_of(poll) => {
                    if let Some(flight) = self.poll.take() {
                        self.poll = self.answered(flight, answer)?;
                    }
                }
                answer = answer_of(send) => {
                    if let Some(flight) = self.send.take() {
                        self.send = self.answered(flight, answer)?;
                    }
                }
                _ = sleep_until(pause) => {
                    if self.poll_not_before.is_some_and(|t| t <= Instant::now()) {
                        self.poll_not_before = None;
                    }
                }
            }
            // Pass on, in rid order, what has come.
            while let Some(elements) = self.answered.remove(&self.deliver_rid) {
                self.ready.extend(elements);
                self.deliver_rid += 1;
            }
        }
    }

    fn command(&mut self, command: Option<Command>) -> Result<(), Error> {
        match command {
            Some(Command::Write(bytes)) => self.outgoing.extend(bytes),
            Some(Command::End) => {
                if self.ending == Ending::Open {
                    self.ending = Ending::Wanted;
                }
            }
            // The owner stopped the session (or is gone): whatever is in flight is dropped
            // here, which is the point of this design.
            Some(Command::Abort) | None => return Err(Error::Closed),
        }
        Ok(())
    }

    fn in_flight(&self) -> usize {
        usize::from(self.poll.is_some()) + usize::from(self.send.is_some())
    }

    /// The least time between starting two requests. ejabberd (23.01, ejabberd_bosh.erl
    /// active1/3) keeps a request that arrives ahead of its rid until the one before it is
    /// answered; if that one is a poll it holds, both wait for `wait` seconds. Two requests
    /// started together travel on two connections and may swap places, so the second is
    /// started only once the first has had time to arrive: a few round trips (a fresh
    /// connection costs the TCP and TLS handshakes), and at least 2 ms on loopback.
    fn issue_gap(&self) -> Duration {
        (self.rtt * 3 + Duration::from_millis(2)).min(Duration::from_millis(300))
    }

    /// Starts the terminate, the send and the poll that are due; returns when to look again
    /// if something is due but must wait (the gap between requests, the polling pause).
    fn start_requests(&mut self) -> Option<Instant> {
        let mut wake: Option<Instant> = None;
        let mut later = |at: Instant| wake = Some(wake.map_or(at, |w: Instant| w.min(at)));
        if let Some(at) = self.poll_not_before.filter(|_| self.poll.is_none()) {
            later(at);
        }
        loop {
            let room = self.in_flight() < self.in_flight_limit;
            let terminate = self.ending == Ending::Wanted && room;
            let send = self.ending == Ending::Open
                && room
                && self.send.is_none()
                && !self.outgoing.is_empty();
            let poll = self.ending == Ending::Open
                && room
                && self.poll.is_none()
                && self.poll_not_before.is_none()
                // A waiting send goes first (it is the held request until the next poll).
                && !send;
            if !(terminate || send || poll) {
                return wake;
            }
            let now = Instant::now();
            if let Some(last) = self.last_issued.filter(|_| self.in_flight() > 0) {
                let at = last + self.issue_gap();
                if now < at {
                    later(at);
                    return wake;
                }
            }
            self.last_issued = Some(now);
            if terminate {
                // The goodbye takes whichever slot is free: a send the server holds (it has
                // nothing to answer yet) must not keep it waiting for `wait` seconds.
                let mut payload = std::mem::take(&mut self.outgoing);
                // Unavailable presence with the terminate (XEP-0206 §6).
                payload.extend(
                    format!("<presence xmlns='{NS_CLIENT}' type='unavailable'/>").as_bytes(),
                );
                self.ending = Ending::Sent;
                let flight = self.request(Kind::Terminate, &payload, self.timeout);
                match self.send {
                    None => self.send = Some(flight),
                    Some(_) => self.poll = Some(flight),
                }
            } else if send {
                let payload = std::mem::take(&mut self.outgoing);
                self.sends_started += 1;
                self.send = Some(self.request(Kind::Send, &payload, self.timeout));
            } else {
                self.poll = Some(self.request(Kind::Poll, &[], self.wait + self.timeout));
            }
        }
    }

    /// A new request with the next rid.
    fn request(&mut self, kind: Kind, payload: &[u8], limit: Duration) -> InFlight {
        let rid = self.next_rid;
        self.next_rid += 1;
        let extra = match kind {
            Kind::Terminate => " type='terminate'",
            _ => "",
        };
        let mut body = format!(
            "<body xmlns='{NS_HTTPBIND}' rid='{rid}' sid='{}'{extra}>",
            self.sid_attr
        )
        .into_bytes();
        body.extend_from_slice(payload);
        body.extend_from_slice(b"</body>");
        InFlight {
            kind,
            rid,
            answer: post(&self.client, &self.url, body.clone(), limit),
            body,
            tries: 0,
            limit,
            started: Instant::now(),
            sends_before: self.sends_started,
        }
    }

    /// Sends the same request again (same rid) after a network failure, while tries are left.
    fn retry(&self, mut flight: InFlight, error: Error) -> Result<InFlight, Error> {
        let network = matches!(
            error,
            Error::Network {
                kind: FailureKind::ConnectionReset | FailureKind::Other | FailureKind::Timeout,
                ..
            }
        );
        if !network || flight.tries >= RETRIES {
            return Err(error);
        }
        flight.tries += 1;
        flight.started = Instant::now();
        flight.answer = post(&self.client, &self.url, flight.body.clone(), flight.limit);
        Ok(flight)
    }

    /// Takes the answer of `flight`; returns the request to keep in its slot (the same one
    /// sent again after a network failure), if any.
    fn answered(
        &mut self,
        flight: InFlight,
        answer: Result<Element, Error>,
    ) -> Result<Option<InFlight>, Error> {
        let body = match answer {
            Ok(body) => body,
            // A poll that fails once our goodbye is on its way is of no more use.
            Err(_) if flight.kind == Kind::Poll && self.ending == Ending::Sent => return Ok(None),
            Err(e) => return self.retry(flight, e).map(Some),
        };
        let ended_by_server = body.get_attr("type") == Some("terminate");
        let elements: Vec<Element> = body.elements().cloned().collect();
        match flight.kind {
            Kind::Terminate => {
                // What came with the goodbye is still handed on, after what came before it;
                // then the stream is over (a request still held is dropped with the engine).
                self.answered.insert(flight.rid, elements);
                for (_, elements) in std::mem::take(&mut self.answered) {
                    self.ready.extend(elements);
                }
                self.ended = true;
            }
            // A request let go because of our own terminate.
            _ if ended_by_server && self.ending == Ending::Sent => {}
            _ if ended_by_server => return Err(terminated(&body)),
            Kind::Poll => {
                let released_by_a_send = self.sends_started != flight.sends_before;
                if elements.is_empty()
                    && !released_by_a_send
                    && flight.started.elapsed() < self.wait / 2
                {
                    self.poll_not_before = Some(Instant::now() + self.polling);
                }
                self.answered.insert(flight.rid, elements);
            }
            Kind::Send => {
                // Answered while a poll was held: about one round trip. A send the server
                // held itself says nothing about the network.
                let took = flight.started.elapsed();
                if took < self.rtt * 4 + Duration::from_millis(5) {
                    self.rtt = (self.rtt * 7 + took) / 8;
                }
                self.answered.insert(flight.rid, elements);
            }
        }
        Ok(None)
    }
}

/// The answer of a request in `slot`; never ready while there is none.
async fn answer_of(slot: &mut Option<InFlight>) -> Result<Element, Error> {
    match slot {
        Some(flight) => flight.answer.as_mut().await,
        None => std::future::pending().await,
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}

/// One POST, its status checked and its body read (bounded) and parsed.
fn post(client: &reqwest::Client, url: &str, body: Vec<u8>, limit: Duration) -> Answer {
    let request = client
        .post(url)
        .header("Content-Type", "text/xml; charset=utf-8")
        .timeout(limit)
        .body(body);
    Box::pin(async move {
        let mut response = request.send().await.map_err(http_error)?;
        http_status(response.status().as_u16())?;
        let mut data = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(http_error)? {
            data.extend_from_slice(&chunk);
            if data.len() as u64 > MAX_RESPONSE_BYTES {
                return Err(Error::StanzaTooLarge {
                    limit: MAX_RESPONSE_BYTES as usize,
                });
            }
        }
        parse_body(&data)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::sync::mpsc;

    /// One request as the scripted connection manager saw it: rid, body, the connection to
    /// answer on.
    type Seen = (u64, String, TcpStream);

    /// A connection manager that only reports requests; the test answers them when it likes.
    fn manager() -> (u16, mpsc::Receiver<Seen>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { break };
                let tx = tx.clone();
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(conn.try_clone().unwrap());
                    loop {
                        let mut length = 0usize;
                        loop {
                            let mut line = String::new();
                            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                                return;
                            }
                            let lower = line.to_ascii_lowercase();
                            if let Some(v) = lower.strip_prefix("content-length:") {
                                length = v.trim().parse().unwrap();
                            }
                            if line == "\r\n" {
                                break;
                            }
                        }
                        let mut body = vec![0; length];
                        reader.read_exact(&mut body).unwrap();
                        let body = String::from_utf8(body).unwrap();
                        let rid = body.split("rid='").nth(1).unwrap();
                        let rid = rid[..rid.find('\'').unwrap()].parse().unwrap();
                        if tx.send((rid, body, conn.try_clone().unwrap())).is_err() {
                            return;
                        }
                    }
                });
            }
        });
        (port, rx)
    }

    fn answer(conn: &mut TcpStream, payload: &str) {
        let body = format!("<body xmlns='{NS_HTTPBIND}'>{payload}</body>");
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        conn.write_all(head.as_bytes()).unwrap();
        conn.write_all(body.as_bytes()).unwrap();
    }

    fn start(port: u16) -> Split {
        split(Start {
            client: reqwest::Client::builder().no_proxy().build().unwrap(),
            url: format!("http://127.0.0.1:{port}/http-bind"),
            sid: "s'1".into(),
            rid: 100,
            wait: Duration::from_secs(10),
            polling: Duration::from_secs(1),
            requests: 2,
            rtt: Duration::from_millis(1),
            timeout: Duration::from_secs(5),
            received: VecDeque::new(),
        })
        .unwrap()
    }

    #[test]
    fn answers_are_passed_on_in_rid_order_and_a_stop_drops_the_held_poll() {
        let (port, requests) = manager();
        let Split {
            mut reader,
            writer,
            stanza_ns,
        } = start(port);
        assert_eq!(
            stanza_ns, "",
            "stanzas inside <body/> carry their namespace"
        );
        let (got_tx, got) = mpsc::channel();
        let reading = std::thread::spawn(move || loop {
            let r = reader.recv();
            let end = r.is_err();
            got_tx.send(r).unwrap();
            if end {
                break;
            }
        });
        let wait = Duration::from_secs(5);
        // The poll comes first, empty, with the sid escaped.
        let (rid, body, mut poll) = requests.recv_timeout(wait).unwrap();
        assert_eq!(rid, 100);
        assert!(
            body.contains("sid='s&apos;1'") && body.ends_with("'></body>"),
            "{body}"
        );
        writer
            .write_raw(b"<message xmlns='jabber:client' to='a@b'><body>hi</body></message>")
            .unwrap();
        let (rid, body, mut send) = requests.recv_timeout(wait).unwrap();
        assert_eq!(rid, 101);
        assert!(body.contains("<body>hi</body></message></body>"), "{body}");
        // The later request is answered first: its content must still come second.
        answer(&mut send, "<message xmlns='jabber:client' id='second'/>");
        std::thread::sleep(Duration::from_millis(100));
        assert!(
            got.try_recv().is_err(),
            "rid 101's answer was passed on before rid 100's"
        );
        answer(&mut poll, "<message xmlns='jabber:client' id='first'/>");
        let ids: Vec<String> = (0..2)
            .map(|_| {
                let el = got.recv_timeout(wait).unwrap().unwrap();
                el.get_attr("id").unwrap_or_default().to_owned()
            })
            .collect();
        assert_eq!(ids, ["first", "second"]);
        // A new poll is held (never answered here); stopping must not wait for it.
        let (rid, body, _held) = requests.recv_timeout(wait).unwrap();
        assert_eq!(rid, 102, "{body}");
        let t = Instant::now();
        writer.abort();
        assert!(matches!(got.recv_timeout(wait), Ok(Err(Error::Closed))));
        assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
        reading.join().unwrap();
        assert!(
            writer.write_raw(b"<x/>").is_err(),
            "the writer knows the end"
        );
    }

    #[test]
    fn the_terminate_goes_at_once_even_while_a_send_is_held() {
        let (port, requests) = manager();
        let Split {
            mut reader, writer, ..
        } = start(port);
        let reading = std::thread::spawn(move || {
            let mut seen = Vec::new();
            loop {
                match reader.recv() {
                    Ok(el) => seen.push(el.name.clone()),
                    Err(e) => return (seen, e),
                }
            }
        });
        let wait = Duration::from_secs(5);
        let (_, _, mut poll) = requests.recv_timeout(wait).unwrap();
        writer.write_raw(b"<r xmlns='urn:xmpp:sm:3'/>").unwrap();
        let (_, _, _held_send) = requests.recv_timeout(wait).unwrap();
        // The owner says goodbye while both requests are held; then, as a server does, the
        // older one (the poll) is let go. The send stays held: the terminate must take the
        // poll's slot at once (rid 102), not wait for the send and not be preceded by a poll.
        writer.end_stream().unwrap();
        answer(&mut poll, "");
        let (rid, body, mut terminate) = requests.recv_timeout(wait).unwrap();
        assert_eq!(rid, 102);
        assert!(
            body.contains("type='terminate'") && body.contains("type='unavailable'"),
            "{body}"
        );
        answer(&mut terminate, "<message xmlns='jabber:client' id='last'/>");
        let (seen, end) = reading.join().unwrap();
        assert_eq!(seen, ["message"], "what came with the goodbye is passed on");
        assert!(matches!(end, Error::Closed), "{end:?}");
    }
}
