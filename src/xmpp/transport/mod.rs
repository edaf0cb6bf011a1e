//! How stanzas travel: a TCP stream (STARTTLS, direct TLS, or plain when asked) or BOSH over
//! HTTP. The login and the send code see only [`Transport`], so the persistent session of the
//! next issue can reuse both.

pub mod bosh;
pub mod tcp;

use super::xml::Element;
use super::Error;

/// A stream of top-level XMPP elements, after the stream header and before the close.
pub trait Transport {
    /// `"tcp"`, `"tls"` (direct TLS) or `"bosh"`, as reported in the result.
    fn name(&self) -> &'static str;
    /// Whether the bytes are encrypted on the way (TLS or https): PLAIN is allowed only then.
    fn is_secure(&self) -> bool;
    /// The stream features of the current stream (after STARTTLS / restart).
    fn features(&self) -> &Element;
    /// Sends elements, in order, as one unit (one write; one BOSH request).
    fn send(&mut self, elements: &[Element]) -> Result<(), Error>;
    /// The next incoming top-level element (waits for it, within the deadline).
    fn recv(&mut self) -> Result<Element, Error>;
    /// Restarts the stream after SASL success and reads the new features.
    fn restart(&mut self) -> Result<(), Error>;
    /// Restarts and sends `elements` on the new stream. A transport that can do both in one
    /// round trip may override this; BOSH cannot: ejabberd 23.01 leaves a restart `<body/>`
    /// that carries stanzas unanswered (tried: the request times out).
    fn restart_and_send(&mut self, elements: &[Element]) -> Result<(), Error> {
        self.restart()?;
        self.send(elements)
    }
    /// Whether [`Transport::recv`] would have to ask the server (a BOSH poll) rather than
    /// return something already received.
    fn would_poll(&self) -> bool {
        false
    }
    /// Ends the session and returns what the server sent with its goodbye. BOSH answers the
    /// terminate request with the stanzas still pending, so a sender that is done anyway saves
    /// the poll it would otherwise need for them.
    fn terminate_collecting(&mut self) -> Result<Vec<Element>, Error> {
        self.close(true)?;
        Ok(Vec::new())
    }
    /// Splits a logged-in stream into a reader and a writer for the persistent session;
    /// `None` for a transport that cannot (BOSH).
    fn into_split(self: Box<Self>) -> Option<Result<tcp::Split, Error>> {
        None
    }
    /// Closes the stream cleanly. With `wait_for_peer` it waits (within the deadline) for the
    /// server's side of the close, which is what guarantees that everything sent was processed;
    /// without, it only says goodbye — for when an answered ping already proved that.
    fn close(&mut self, wait_for_peer: bool) -> Result<(), Error>;
}
