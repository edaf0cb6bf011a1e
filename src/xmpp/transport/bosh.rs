//! XMPP over BOSH (XEP-0124 + XEP-0206) through the shared HTTP client: one request in flight at
//! a time, so no `wait`-long holds are needed as long as every request carries something the
//! server answers at once.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use super::bosh_body::NS_HTTPBIND;
use super::bosh_body::{http_error, http_status, parse_body, terminated, MAX_RESPONSE_BYTES};
use super::tcp::Interrupt;
use super::{Split, Transport};
use crate::net::detached::{self, Abandoned};
use crate::net::http::FailureKind;
use crate::net::tls::Verification;
use crate::net::NetSettings;
use crate::xmpp::xml::Element;
use crate::xmpp::{Error, NetworkStep, ProtocolReason, NS_CLIENT, NS_STREAM};

const NS_XBOSH: &str = "urn:xmpp:xbosh";

/// We ask the server to hold an empty poll at most this long (less with a short Timeout, see
/// `connect`); it bounds the rare empty polls.
const WAIT_SECONDS: u64 = 10;

pub struct BoshTransport {
    client: reqwest::blocking::Client,
    /// What the client was made from: the persistent session makes its async twin.
    settings: NetSettings,
    verification: Verification,
    url: String,
    domain: String,
    sid: String,
    rid: u64,
    /// The session's terms as the server gave them (XEP-0124 §7.1): the longest it holds a
    /// request, the pause it wants between empty polls, how many requests may be in flight.
    wait: Duration,
    polling: Duration,
    max_requests: u32,
    /// The quickest request so far: the round trip to the connection manager.
    rtt: Option<Duration>,
    secure: bool,
    queue: VecDeque<Element>,
    features: Element,
    deadline: Instant,
    /// The persistent session's stop: cuts a login request in progress.
    interrupt: Option<Arc<Interrupt>>,
    /// The terminate request was sent; nothing more may be.
    closed: bool,
    /// How many HTTP requests this session made (the benchmark reports it).
    pub requests: u32,
}

impl BoshTransport {
    /// Creates the BOSH session and reads the stream features (polling if they come late).
    /// Setting `interrupt` ends a request in progress at once ([`Error::Closed`]).
    pub fn connect(
        settings: &NetSettings,
        verification: Verification,
        url: &str,
        domain: &str,
        deadline: Instant,
        interrupt: Option<Arc<Interrupt>>,
    ) -> Result<BoshTransport, Error> {
        let client = crate::net::http::client(settings, verification).map_err(Error::Settings)?;
        let mut t = BoshTransport {
            client,
            settings: settings.clone(),
            verification,
            url: url.to_owned(),
            domain: domain.to_owned(),
            sid: String::new(),
            rid: first_rid(),
            wait: Duration::from_secs(WAIT_SECONDS),
            polling: Duration::from_secs(1),
            max_requests: 2,
            rtt: None,
            secure: url.len() >= 8 && url[..8].eq_ignore_ascii_case("https://"),
            queue: VecDeque::new(),
            features: Element::default(),
            deadline,
            interrupt,
            closed: false,
            requests: 0,
        };
        // A quarter of the Timeout at most: a request the server holds longer than the session's
        // keep-alive allows for would be taken for a dead server (session.rs probes after half).
        let wait = (settings.timeout.as_secs() / 4)
            .clamp(1, WAIT_SECONDS)
            .to_string();
        let create = t
            .body()
            .attr("to", domain)
            .attr("xml:lang", "en")
            .attr("ver", "1.6")
            .attr("wait", &wait)
            .attr("hold", "1")
            .attr("content", "text/xml; charset=utf-8")
            .attr("xmlns:xmpp", NS_XBOSH)
            .attr("xmpp:version", "1.0");
        let response = t.request(create)?;
        t.sid = response
            .get_attr("sid")
            .ok_or_else(|| Error::Protocol {
                reason: ProtocolReason::BoshNoSid,
            })?
            .to_owned();
        let number = |name: &str| response.get_attr(name).and_then(|v| v.parse::<u64>().ok());
        if let Some(wait) = number("wait") {
            t.wait = Duration::from_secs(wait.clamp(1, WAIT_SECONDS));
        }
        if let Some(polling) = number("polling") {
            t.polling = Duration::from_secs(polling.min(WAIT_SECONDS));
        }
        if let Some(requests) = number("requests") {
            t.max_requests = requests.clamp(1, 2) as u32;
        }
        t.take(response);
        t.read_features()?;
        Ok(t)
    }

    fn body(&self) -> Element {
        let mut b = Element::new("body", NS_HTTPBIND).attr("rid", &self.rid.to_string());
        if !self.sid.is_empty() {
            b = b.attr("sid", &self.sid);
        }
        b
    }

    fn take(&mut self, response: Element) {
        for child in response.elements() {
            self.queue.push_back(child.clone());
        }
    }

    fn read_features(&mut self) -> Result<(), Error> {
        let features = self.recv()?;
        if !features.is("features", NS_STREAM) {
            return Err(Error::Protocol {
                reason: ProtocolReason::NoFeatures { got: features.name },
            });
        }
        self.features = features;
        Ok(())
    }

    /// One POST with this rid; the rid then moves on by exactly one (never reused for new
    /// content, never skipped: a gap beyond the window ends the session).
    fn request(&mut self, body: Element) -> Result<Element, Error> {
        let response = self.request_raw(body)?;
        if response.get_attr("type") == Some("terminate") {
            return Err(terminated(&response));
        }
        Ok(response)
    }

    /// One request; a `type='terminate'` answer is returned as is (our own terminate gets one).
    fn request_raw(&mut self, body: Element) -> Result<Element, Error> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Error::Network {
                kind: FailureKind::Timeout,
                step: NetworkStep::Bosh,
                detail: String::new(),
            });
        }
        let bytes = body.to_bytes("");
        self.rid += 1;
        self.requests += 1;
        let started = Instant::now();
        let (client, url) = (self.client.clone(), self.url.clone());
        let exchange = move || exchange(&client, &url, bytes, left);
        let data = match &self.interrupt {
            None => exchange()?,
            // The blocking client cannot abandon a request: it runs in a thread of its own so
            // that the session's stop need not wait for a request that hangs (it is left to
            // end at its timeout).
            Some(interrupt) => {
                let deadline = Instant::now() + left;
                match detached::run("messenger-bosh", deadline, Some(interrupt.flag()), exchange) {
                    Ok(data) => data?,
                    Err(Abandoned::Cancelled) => return Err(Error::Closed),
                    Err(Abandoned::Timeout) => {
                        return Err(Error::Network {
                            kind: FailureKind::Timeout,
                            step: NetworkStep::Bosh,
                            detail: String::new(),
                        })
                    }
                }
            }
        };
        let took = started.elapsed();
        self.rtt = Some(self.rtt.map_or(took, |r| r.min(took)));
        parse_body(&data)
    }
}

/// One POST: its status checked, its body read (bounded).
fn exchange(
    client: &reqwest::blocking::Client,
    url: &str,
    bytes: Vec<u8>,
    left: Duration,
) -> Result<Vec<u8>, Error> {
    let post = |body: Vec<u8>| {
        client
            .post(url)
            .header("Content-Type", "text/xml; charset=utf-8")
            .timeout(left)
            .body(body)
            .send()
            .map_err(http_error)
    };
    // A kept-alive connection that a proxy closed meanwhile fails before any answer: the
    // same body (same rid) goes once more, as XEP-0124 §14.3 allows.
    let response = match post(bytes.clone()) {
        Err(Error::Network {
            kind: FailureKind::ConnectionReset | FailureKind::Other,
            ..
        }) => post(bytes)?,
        other => other?,
    };
    http_status(response.status().as_u16())?;
    let mut limited = std::io::Read::take(response, MAX_RESPONSE_BYTES + 1);
    let mut data = Vec::new();
    std::io::Read::read_to_end(&mut limited, &mut data).map_err(super::tcp::io_error)?;
    if data.len() as u64 > MAX_RESPONSE_BYTES {
        return Err(Error::StanzaTooLarge {
            limit: MAX_RESPONSE_BYTES as usize,
        });
    }
    Ok(data)
}

/// A random first rid well below 2^53 so that it never reaches 2^53 − 1 however many requests
/// follow (XEP-0124 §14.1, §19).
fn first_rid() -> u64 {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1);
        bytes = t.to_le_bytes();
    }
    (u64::from_le_bytes(bytes) % (1u64 << 52)) + 1
}

impl Transport for BoshTransport {
    fn name(&self) -> &'static str {
        "bosh"
    }

    fn is_secure(&self) -> bool {
        self.secure
    }

    fn features(&self) -> &Element {
        &self.features
    }

    fn send(&mut self, elements: &[Element]) -> Result<(), Error> {
        let mut body = self.body();
        for e in elements {
            body = body.child(e.clone());
        }
        let response = self.request(body)?;
        self.take(response);
        Ok(())
    }

    fn recv(&mut self) -> Result<Element, Error> {
        // Nothing queued: an empty request lets the server hand us what it has (it holds it
        // at most `wait` seconds).
        for _ in 0..100 {
            if let Some(e) = self.queue.pop_front() {
                if e.is("error", NS_STREAM) {
                    return Err(super::tcp::stream_error(&e));
                }
                return Ok(e);
            }
            let body = self.body();
            let response = self.request(body)?;
            self.take(response);
        }
        Err(Error::Protocol {
            reason: ProtocolReason::BoshEmpty,
        })
    }

    fn restart(&mut self) -> Result<(), Error> {
        let body = self
            .body()
            .attr("to", &self.domain)
            .attr("xml:lang", "en")
            .attr("xmlns:xmpp", NS_XBOSH)
            .attr("xmpp:restart", "true");
        let response = self.request(body)?;
        self.queue.clear();
        self.take(response);
        self.read_features()
    }

    fn would_poll(&self) -> bool {
        self.queue.is_empty()
    }

    fn terminate_collecting(&mut self) -> Result<Vec<Element>, Error> {
        let body = self
            .body()
            .attr("type", "terminate")
            .child(Element::new("presence", NS_CLIENT).attr("type", "unavailable"));
        self.closed = true;
        match self.request_raw(body) {
            Ok(response) => Ok(response.elements().cloned().collect()),
            Err(Error::BoshTerminated { .. }) => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }

    fn into_split(self: Box<Self>) -> Result<Split, Error> {
        let client = crate::net::http::async_client(&self.settings, self.verification)
            .map_err(Error::Settings)?;
        super::bosh_stream::split(super::bosh_stream::Start {
            client,
            url: self.url,
            sid: self.sid,
            rid: self.rid,
            wait: self.wait,
            polling: self.polling,
            requests: self.max_requests,
            rtt: self.rtt.unwrap_or(Duration::from_millis(50)),
            timeout: self.settings.timeout,
            received: self.queue,
        })
    }

    fn close(&mut self, _wait_for_peer: bool) -> Result<(), Error> {
        if self.closed {
            return Ok(());
        }
        self.terminate_collecting().map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rid_starts_random_and_far_below_2_pow_53() {
        let (a, b) = (first_rid(), first_rid());
        assert_ne!(a, b);
        assert!(a > 0 && a < (1 << 52) + 1);
    }
}
