//! The delivery ledger of a session: which of our stanzas wait to be written, which are written
//! and not yet counted by the server, which the server counted (XEP-0198 `<a h/>`, or the
//! answer to a ping on a server without it), what to write again after a resume, and which
//! failed. A plain state machine: no sockets, no threads, no clocks, so that every rule below
//! is unit-tested on its own.
//!
//! Rules:
//! - Stanzas are numbered as they are written, modulo 2^32 (XEP-0198 §4); an `h` is compared
//!   in that arithmetic, so counting goes on across the wrap.
//! - At most `window` stanzas are in flight (written, not counted): a burst is paced to the
//!   server's acks instead of piling up in its queue.
//! - A stanza larger than `isolate_above` bytes is written alone: only when nothing else is in
//!   flight, and nothing follows it until it is counted. If the server ends the stream then,
//!   it is the one to blame (a server that finds a stanza too large closes the stream without
//!   saying which), and [`Ledger::blame_isolated`] takes it out, so that it fails alone and is
//!   not written again in a loop.
//! - When the server announces its limit (XEP-0478 `max-bytes`), a larger stanza is refused
//!   before it is written ([`Ledger::check_size`]).
//! - After a resume, what the server did not count is written again, in order; after a refused
//!   resume that says how much the server counted, the rest is written again in the new
//!   stream; when it does not say, the rest is reported lost (its fate is unknown).

use std::collections::VecDeque;
use std::sync::Arc;

/// One stanza of ours, with what the owner keeps with it (`P`: the element, a ticket...).
#[derive(Debug)]
pub struct Entry<P> {
    /// The message id, for stanzas whose fate is reported (messages).
    pub id: Option<String>,
    /// Serialized size in bytes.
    pub size: usize,
    pub payload: P,
}

/// The server said it handled more stanzas than we wrote: its count and ours disagree, and
/// every later ack would settle the wrong stanzas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AckBeyondSent {
    pub h: u32,
    pub sent: u32,
}

/// `a` comes at or before `b` in XEP-0198's counting modulo 2^32.
pub fn seq_le(a: u32, b: u32) -> bool {
    b.wrapping_sub(a) < (1 << 31)
}

pub struct Ledger<P> {
    queued: VecDeque<Entry<P>>,
    in_flight: VecDeque<(u32, Entry<P>)>,
    /// The number of the last stanza written in this stream (our outbound count).
    seq: u32,
    window: usize,
    isolate_above: usize,
    max_bytes: Option<usize>,
}

impl<P> Ledger<P> {
    pub fn new(window: usize, isolate_above: usize) -> Ledger<P> {
        Ledger {
            queued: VecDeque::new(),
            in_flight: VecDeque::new(),
            seq: 0,
            window: window.max(1),
            isolate_above,
            max_bytes: None,
        }
    }

    /// The server's announced stanza limit for the current stream, if any.
    pub fn set_max_bytes(&mut self, max: Option<usize>) {
        self.max_bytes = max;
    }

    /// `Err(limit)` when the server announced a limit and `size` exceeds it.
    pub fn check_size(&self, size: usize) -> Result<(), usize> {
        match self.max_bytes {
            Some(limit) if size > limit => Err(limit),
            _ => Ok(()),
        }
    }

    pub fn queue(&mut self, entry: Entry<P>) {
        self.queued.push_back(entry);
    }

    /// Before everything queued (the presence of a new stream).
    pub fn queue_first(&mut self, entry: Entry<P>) {
        self.queued.push_front(entry);
    }

    /// Takes the queue out (to be rebuilt in order, e.g. with room joins put back).
    pub fn take_queued(&mut self) -> VecDeque<Entry<P>> {
        std::mem::take(&mut self.queued)
    }

    pub fn has_queued(&self) -> bool {
        !self.queued.is_empty()
    }

    pub fn queued(&self) -> usize {
        self.queued.len()
    }

    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// Nothing queued and nothing waiting for the server's count.
    pub fn is_settled(&self) -> bool {
        self.queued.is_empty() && self.in_flight.is_empty()
    }

    /// The written, not yet counted entries, oldest first.
    pub fn in_flight_entries(&self) -> impl Iterator<Item = &Entry<P>> {
        self.in_flight.iter().map(|(_, e)| e)
    }

    fn is_big(&self, e: &Entry<P>) -> bool {
        e.size > self.isolate_above
    }

    /// Moves up to `max` queued entries into flight, numbering them, within the window and the
    /// isolation rule; returns how many. The caller writes the last that many of
    /// [`Ledger::in_flight_entries`], in order.
    pub fn release(&mut self, max: usize) -> usize {
        let mut released = 0;
        while released < max && self.in_flight.len() < self.window {
            if self.in_flight.back().is_some_and(|(_, e)| self.is_big(e)) {
                break;
            }
            let Some(next) = self.queued.front() else {
                break;
            };
            let big = self.is_big(next);
            if big && !self.in_flight.is_empty() {
                break;
            }
            let Some(entry) = self.queued.pop_front() else {
                break;
            };
            self.seq = self.seq.wrapping_add(1);
            self.in_flight.push_back((self.seq, entry));
            released += 1;
            if big {
                break;
            }
        }
        released
    }

    /// Counts a stanza written outside the ledger (a ping that asks a server without
    /// XEP-0198 to confirm); returns its number, which its answer acks.
    pub fn count_unlisted(&mut self) -> u32 {
        self.seq = self.seq.wrapping_add(1);
        self.seq
    }

    /// The server handled our stanzas up to `h`: returns those it newly counted, oldest first.
    /// An old or repeated `h` counts nothing.
    pub fn acked(&mut self, h: u32) -> Result<Vec<Entry<P>>, AckBeyondSent> {
        if !seq_le(h, self.seq) {
            return Err(AckBeyondSent { h, sent: self.seq });
        }
        let mut done = Vec::new();
        while self.in_flight.front().is_some_and(|(s, _)| seq_le(*s, h)) {
            if let Some((_, e)) = self.in_flight.pop_front() {
                done.push(e);
            }
        }
        Ok(done)
    }

    /// The old stream was resumed and the server had handled `h` of ours: those are counted
    /// (returned), the rest goes back to the front of the queue, to be written again and
    /// numbered on from `h`.
    pub fn resumed(&mut self, h: u32) -> Result<Vec<Entry<P>>, AckBeyondSent> {
        let done = self.acked(h)?;
        self.requeue_in_flight();
        self.seq = h;
        Ok(done)
    }

    /// The server refused to resume. With `Some(h)` (XEP-0198 1.6) it says how many of ours
    /// the old session handled: those are counted, the rest is queued again for the new
    /// stream (returned as `(counted, [])`). With `None` the fate of what was in flight is
    /// unknown: returned as lost, `(counted, lost)`. The count starts again for the new stream.
    pub fn resume_refused(&mut self, h: Option<u32>) -> (Vec<Entry<P>>, Vec<Entry<P>>) {
        let mut lost = Vec::new();
        let counted = match h.map(|h| self.acked(h)) {
            Some(Ok(done)) => {
                self.requeue_in_flight();
                done
            }
            // No count, or one that does not fit ours: nothing can be said.
            Some(Err(_)) | None => {
                lost.extend(self.in_flight.drain(..).map(|(_, e)| e));
                Vec::new()
            }
        };
        self.seq = 0;
        (counted, lost)
    }

    /// A new stream without a resume attempt (a server without stream management): what was
    /// in flight is lost; the count starts again.
    pub fn new_stream(&mut self) -> Vec<Entry<P>> {
        self.seq = 0;
        self.in_flight.drain(..).map(|(_, e)| e).collect()
    }

    fn requeue_in_flight(&mut self) {
        while let Some((_, e)) = self.in_flight.pop_back() {
            self.queued.push_front(e);
        }
    }

    /// The server ended the stream while an isolated (large) stanza was alone in flight: that
    /// stanza is taken out and returned, to be failed, never written again.
    pub fn blame_isolated(&mut self) -> Option<Entry<P>> {
        match self.in_flight.front() {
            Some((_, e)) if self.in_flight.len() == 1 && self.is_big(e) => {
                self.in_flight.pop_front().map(|(_, e)| e)
            }
            _ => None,
        }
    }

    /// Everything not counted, in flight first, then queued: the session ends.
    pub fn drain_all(&mut self) -> Vec<Entry<P>> {
        let mut all: Vec<Entry<P>> = self.in_flight.drain(..).map(|(_, e)| e).collect();
        all.extend(self.queued.drain(..));
        all
    }
}

/// What became of one message, as XmppSendStatus reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fate<R> {
    Pending,
    Acked,
    Failed(R),
}

struct Record<R> {
    fate: Fate<R>,
    /// Already given to the owner in a settled state (may be forgotten first).
    reported: bool,
    /// Tells a record from an older one under the same id in `order`.
    serial: u64,
}

/// The fates of the session's messages by id, for whoever asks later (server code that cannot
/// receive events). Bounded: beyond `limit` records, settled ones already reported are
/// forgotten first, oldest first; then, if the owner never asks, the oldest settled ones.
/// Pending ones are never forgotten (their number is bounded by what is queued).
pub struct StatusBook<R> {
    // The id is kept once for both (an `Arc<str>`, not two copies per message).
    records: std::collections::HashMap<Arc<str>, Record<R>>,
    order: VecDeque<(Arc<str>, u64)>,
    serial: u64,
    limit: usize,
}

impl<R: Clone> StatusBook<R> {
    pub fn new(limit: usize) -> StatusBook<R> {
        StatusBook {
            records: std::collections::HashMap::new(),
            order: VecDeque::new(),
            serial: 0,
            limit: limit.max(1),
        }
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// A message was accepted for sending (a second message under the same id replaces the
    /// first one's record).
    pub fn pending(&mut self, id: &str) {
        self.serial += 1;
        let id: Arc<str> = Arc::from(id);
        self.records.insert(
            id.clone(),
            Record {
                fate: Fate::Pending,
                reported: false,
                serial: self.serial,
            },
        );
        self.order.push_back((id, self.serial));
        if self.order.len() > self.limit {
            self.forget();
        }
    }

    pub fn settle(&mut self, id: &str, fate: Fate<R>) {
        if let Some(r) = self.records.get_mut(id) {
            if matches!(r.fate, Fate::Pending) || matches!(fate, Fate::Failed(_)) {
                r.fate = fate;
                r.reported = false;
            }
        }
    }

    fn forget(&mut self) {
        let target = self.limit - self.limit / 10;
        for pass in [true, false] {
            let records = &mut self.records;
            let mut excess = self.order.len().saturating_sub(target);
            self.order.retain(|(id, serial)| {
                let Some(r) = records.get(id) else {
                    return false;
                };
                if r.serial != *serial {
                    return false; // replaced by a later message with this id
                }
                let forgettable = !matches!(r.fate, Fate::Pending) && (r.reported || !pass);
                if excess > 0 && forgettable {
                    records.remove(id);
                    excess -= 1;
                    return false;
                }
                true
            });
            if self.order.len() <= target {
                break;
            }
        }
    }

    /// The fates of `ids` (`None` for one never sent or forgotten), or with `None` of every
    /// message not yet reported in a settled state, oldest first. Settled fates returned count
    /// as reported.
    pub fn query(&mut self, ids: Option<&[String]>) -> Vec<(String, Option<Fate<R>>)> {
        let mut out = Vec::new();
        match ids {
            Some(ids) => {
                for id in ids {
                    let fate = self.records.get_mut(id.as_str()).map(|r| {
                        if !matches!(r.fate, Fate::Pending) {
                            r.reported = true;
                        }
                        r.fate.clone()
                    });
                    out.push((id.clone(), fate));
                }
            }
            None => {
                for (id, serial) in &self.order {
                    if let Some(r) = self.records.get_mut(id) {
                        if r.serial == *serial && !r.reported {
                            if !matches!(r.fate, Fate::Pending) {
                                r.reported = true;
                            }
                            out.push((id.to_string(), Some(r.fate.clone())));
                        }
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, size: usize) -> Entry<()> {
        Entry {
            id: Some(id.into()),
            size,
            payload: (),
        }
    }

    fn ids(v: &[Entry<()>]) -> Vec<&str> {
        v.iter().filter_map(|e| e.id.as_deref()).collect()
    }

    fn ledger(window: usize) -> Ledger<()> {
        Ledger::new(window, 10_000)
    }

    #[test]
    fn counting_wraps_around() {
        assert!(seq_le(1, 1));
        assert!(seq_le(1, 2));
        assert!(!seq_le(3, 2));
        assert!(seq_le(u32::MAX, 0));
        assert!(!seq_le(0, u32::MAX));
        let mut l = ledger(10);
        l.seq = u32::MAX - 1;
        for i in 0..4 {
            l.queue(entry(&format!("m{i}"), 10));
        }
        assert_eq!(l.release(10), 4); // numbered MAX, 0, 1, 2
        assert_eq!(ids(&l.acked(0).unwrap()), ["m0", "m1"]);
        assert_eq!(ids(&l.acked(2).unwrap()), ["m2", "m3"]);
        assert!(l.is_settled());
    }

    #[test]
    fn repeated_and_old_acks_count_nothing() {
        let mut l = ledger(10);
        l.queue(entry("a", 1));
        l.queue(entry("b", 1));
        l.release(10);
        assert_eq!(ids(&l.acked(1).unwrap()), ["a"]);
        assert!(l.acked(1).unwrap().is_empty());
        assert!(l.acked(0).unwrap().is_empty());
        assert_eq!(ids(&l.acked(2).unwrap()), ["b"]);
    }

    #[test]
    fn an_ack_beyond_what_was_sent_is_an_error() {
        let mut l = ledger(10);
        l.queue(entry("a", 1));
        l.release(10);
        assert_eq!(l.acked(2).unwrap_err(), AckBeyondSent { h: 2, sent: 1 });
        assert_eq!(l.in_flight(), 1);
    }

    #[test]
    fn a_flood_is_paced_to_the_window() {
        let mut l = ledger(100);
        for i in 0..30_000 {
            l.queue(entry(&i.to_string(), 100));
        }
        let mut written = 0u32;
        let mut settled = 0;
        while !l.is_settled() {
            let n = l.release(200);
            assert!(l.in_flight() <= 100);
            written += n as u32;
            // The server counts half of what is in flight, then the rest.
            settled += l.acked(written - (l.in_flight() / 2) as u32).unwrap().len();
            settled += l.acked(written).unwrap().len();
        }
        assert_eq!((written, settled), (30_000, 30_000));
    }

    #[test]
    fn a_large_stanza_goes_alone_and_is_blamed_when_the_server_ends_the_stream() {
        let mut l = ledger(100);
        l.queue(entry("small1", 10));
        l.queue(entry("big", 300_000));
        l.queue(entry("small2", 10));
        assert_eq!(l.release(10), 1); // small1 only: big waits for an empty flight
        assert_eq!(ids(&l.acked(1).unwrap()), ["small1"]);
        assert_eq!(l.release(10), 1); // big alone
        assert_eq!(l.release(10), 0); // nothing after it until it is counted
                                      // The server closed the stream: big is the one.
        let blamed = l.blame_isolated().expect("the large stanza");
        assert_eq!(blamed.id.as_deref(), Some("big"));
        // The stream is resumed (the server counted 1): small2 goes, big never again.
        assert!(l.resumed(1).unwrap().is_empty());
        assert_eq!(l.release(10), 1);
        assert_eq!(
            l.in_flight_entries()
                .map(|e| e.id.as_deref())
                .collect::<Vec<_>>(),
            [Some("small2")]
        );
        assert_eq!(ids(&l.acked(2).unwrap()), ["small2"]);
    }

    #[test]
    fn small_stanzas_are_not_blamed() {
        let mut l = ledger(10);
        l.queue(entry("a", 10));
        l.release(10);
        assert!(l.blame_isolated().is_none());
    }

    #[test]
    fn a_limit_announced_by_the_server_refuses_before_writing() {
        let mut l = ledger(10);
        assert!(l.check_size(1_000_000).is_ok());
        l.set_max_bytes(Some(262_144));
        assert_eq!(l.check_size(262_145), Err(262_144));
        assert!(l.check_size(262_144).is_ok());
    }

    #[test]
    fn a_resume_writes_again_what_the_server_did_not_count() {
        let mut l = ledger(10);
        for id in ["a", "b", "c"] {
            l.queue(entry(id, 1));
        }
        l.release(10);
        l.queue(entry("d", 1));
        assert_eq!(ids(&l.resumed(1).unwrap()), ["a"]);
        // b, c again, before d, numbered on from 1.
        assert_eq!(l.release(10), 3);
        assert_eq!(ids(&l.acked(3).unwrap()), ["b", "c"]);
        assert_eq!(ids(&l.acked(4).unwrap()), ["d"]);
    }

    #[test]
    fn a_refused_resume_with_a_count_writes_the_rest_again() {
        let mut l = ledger(10);
        for id in ["a", "b", "c"] {
            l.queue(entry(id, 1));
        }
        l.release(10);
        let (counted, lost) = l.resume_refused(Some(2));
        assert_eq!((ids(&counted), ids(&lost)), (vec!["a", "b"], vec![]));
        assert_eq!(l.release(10), 1);
        assert_eq!(ids(&l.acked(1).unwrap()), ["c"]);
    }

    #[test]
    fn a_refused_resume_without_a_count_reports_the_rest_lost() {
        let mut l = ledger(10);
        for id in ["a", "b"] {
            l.queue(entry(id, 1));
        }
        l.release(10);
        l.queue(entry("c", 1));
        let (counted, lost) = l.resume_refused(None);
        assert_eq!((ids(&counted), ids(&lost)), (vec![], vec!["a", "b"]));
        // What was never written goes in the new stream, numbered from 1.
        assert_eq!(l.release(10), 1);
        assert_eq!(ids(&l.acked(1).unwrap()), ["c"]);
        // A count that does not fit ours says nothing either.
        l.queue(entry("d", 1));
        l.release(10);
        let (counted, lost) = l.resume_refused(Some(9));
        assert_eq!((ids(&counted), ids(&lost)), (vec![], vec!["d"]));
    }

    #[test]
    fn pings_without_stream_management_ack_what_came_before_them() {
        let mut l = ledger(10);
        l.queue(entry("a", 1));
        l.release(10);
        let ping = l.count_unlisted();
        l.queue(entry("b", 1));
        l.release(10);
        assert_eq!(ids(&l.acked(ping).unwrap()), ["a"]);
        assert_eq!(ids(&l.new_stream()), ["b"]);
    }

    #[test]
    fn the_end_drains_in_flight_then_queued() {
        let mut l = ledger(1);
        l.queue(entry("a", 1));
        l.queue(entry("b", 1));
        l.release(10);
        assert_eq!(ids(&l.drain_all()), ["a", "b"]);
        assert!(l.is_settled());
    }

    #[test]
    fn the_status_book_reports_each_settled_fate_once_and_stays_bounded() {
        let mut b: StatusBook<&str> = StatusBook::new(100);
        b.pending("a");
        b.pending("b");
        b.pending("c");
        b.settle("a", Fate::Acked);
        b.settle("b", Fate::Failed("why"));
        let all = b.query(None);
        assert_eq!(
            all,
            [
                ("a".to_string(), Some(Fate::Acked)),
                ("b".to_string(), Some(Fate::Failed("why"))),
                ("c".to_string(), Some(Fate::Pending)),
            ]
        );
        // Reported fates are not repeated; the pending one is, until it settles.
        assert_eq!(b.query(None), [("c".to_string(), Some(Fate::Pending))]);
        b.settle("c", Fate::Acked);
        b.settle("c", Fate::Pending); // a late word cannot unsettle it
        assert_eq!(b.query(None), [("c".to_string(), Some(Fate::Acked))]);
        assert!(b.query(None).is_empty());
        // Asked by id, reported or not.
        assert_eq!(
            b.query(Some(&["a".to_string(), "zzz".to_string()])),
            [
                ("a".to_string(), Some(Fate::Acked)),
                ("zzz".to_string(), None)
            ]
        );
        // A flood: memory stays bounded, pending ones are kept.
        b.pending("keep");
        for i in 0..10_000 {
            let id = format!("m{i}");
            b.pending(&id);
            b.settle(&id, Fate::Acked);
        }
        assert!(b.len() <= 100);
        assert_eq!(
            b.query(Some(&["keep".to_string()])),
            [("keep".to_string(), Some(Fate::Pending))]
        );
    }
}
