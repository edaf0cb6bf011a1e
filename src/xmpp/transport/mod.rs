//! How stanzas travel: a TCP stream (STARTTLS, direct TLS, or plain when asked) or BOSH over
//! HTTP. The login and the send code see only [`Transport`]; the persistent session splits a
//! logged-in transport into a [`ReadHalf`] and a [`WriteHalf`] and sees only those.

pub mod bosh;
mod bosh_body;
mod bosh_stream;
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
    /// Splits a logged-in stream into a reader and a writer for the persistent session.
    fn into_split(self: Box<Self>) -> Result<Split, Error>;
    /// Closes the stream cleanly. With `wait_for_peer` it waits (within the deadline) for the
    /// server's side of the close, which is what guarantees that everything sent was processed;
    /// without, it only says goodbye — for when an answered ping already proved that.
    fn close(&mut self, wait_for_peer: bool) -> Result<(), Error>;
}

/// The two halves of a logged-in stream, for the persistent session.
pub struct Split {
    pub reader: Box<dyn ReadHalf>,
    pub writer: Box<dyn WriteHalf>,
    /// The namespace a stanza inherits where it is written: `jabber:client` in a TCP stream
    /// (so it is left out), none inside a BOSH `<body/>` (so every stanza carries it).
    pub stanza_ns: &'static str,
}

/// Reads what the server sends; its owner gives it a thread of its own.
pub trait ReadHalf: Send {
    /// The next top-level element; blocks until one arrives or the stream ends.
    /// `Err(Error::Closed)` is a clean end (the server's, or ours through the writer).
    fn recv(&mut self) -> Result<Element, Error>;
}

/// Writes to the stream; shared by the session's worker and whoever must stop it.
pub trait WriteHalf: Send + Sync {
    /// Writes serialized top-level elements as they are, in order.
    fn write_raw(&self, bytes: &[u8]) -> Result<(), Error>;
    /// Whether the connection has bytes of its own to send (a TLS answer to something the
    /// reader took in): the next write, even an empty one, sends them.
    fn wants_write(&self) -> bool {
        false
    }
    /// Bounds every write, so that a server that stops reading cannot block the writer longer.
    fn set_write_timeout(&self, _timeout: std::time::Duration) -> Result<(), Error> {
        Ok(())
    }
    /// Ends the stream politely (`</stream:stream>`, a BOSH terminate); the server's answer
    /// and its own end arrive at the reader.
    fn end_stream(&self) -> Result<(), Error>;
    /// Lets the connection go after a polite end; wakes the reader. Safe to call twice.
    fn shutdown(&self);
    /// Drops the connection without a goodbye (it was found dead); wakes the reader.
    fn abort(&self);
}
