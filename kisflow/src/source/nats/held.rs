//! The ack subjects of the messages a [`JetStreamSource`](super::JetStreamSource) fetched and has
//! not answered yet, by stream sequence.
//!
//! Every message passes through here twice (held at its fetch, looked up and forgotten at its
//! ack), so the map is keyed by the sequence as a number, hashed with one multiplication: the
//! `String` keys hashed with `SipHash` it had before cost about 700 instructions a message.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use async_nats::Subject;

use crate::source::MessageId;

/// A held message: its stream sequence, its ack subject and when it was fetched.
pub(super) type Reply = (u64, Subject, Instant);

/// Stream sequence → (ack subject, when it was fetched).
type Map = HashMap<u64, (Subject, Instant), BuildHasherDefault<SequenceHasher>>;

/// Held messages, by stream sequence.
#[derive(Debug, Default)]
pub(super) struct Held {
    by_sequence: Mutex<Map>,
}

impl Held {
    /// Holds a fetched batch's `(sequence, ack subject)`s, fetched `at`; a message delivered again
    /// replaces its older delivery.
    pub(super) fn hold(&self, batch: impl IntoIterator<Item = (u64, Subject)>, at: Instant) {
        let mut held = self.lock();
        for (sequence, reply) in batch {
            held.insert(sequence, (reply, at));
        }
    }

    /// The held messages of `ids`, still held (for an in-progress answer), and how many of
    /// `ids` are not held.
    pub(super) fn peek(&self, ids: &[MessageId]) -> (Vec<Reply>, usize) {
        self.each(ids, |held, sequence| held.get(&sequence).cloned())
    }

    /// The held messages of `ids`, no longer held (for an answer that settles them: ack, nak),
    /// and how many of `ids` were not held. Each id is looked up once.
    pub(super) fn take(&self, ids: &[MessageId]) -> (Vec<Reply>, usize) {
        self.each(ids, |held, sequence| held.remove(&sequence))
    }

    /// What `find` gives for each of `ids` that is a sequence, under one lock, and how many of
    /// `ids` gave nothing.
    fn each(
        &self,
        ids: &[MessageId],
        mut find: impl FnMut(&mut Map, u64) -> Option<(Subject, Instant)>,
    ) -> (Vec<Reply>, usize) {
        let mut held = self.lock();
        let replies: Vec<Reply> = ids
            .iter()
            .filter_map(|id| {
                let sequence = id.as_number()?;
                let (subject, at) = find(&mut held, sequence)?;
                Some((sequence, subject, at))
            })
            .collect();
        let unknown = ids.len() - replies.len();
        (replies, unknown)
    }

    /// Holds again what [`take`](Self::take) gave out: the answer did not reach the server.
    pub(super) fn restore(&self, replies: Vec<Reply>) {
        let mut held = self.lock();
        for (sequence, subject, at) in replies {
            held.entry(sequence).or_insert((subject, at));
        }
    }

    /// Forgets messages held longer than `stale`: the server has delivered them again (or dropped
    /// them after `max_deliver`), so their old ack subjects only take memory.
    pub(super) fn forget_older_than(&self, stale: Duration) {
        self.lock().retain(|_, (_, at)| at.elapsed() < stale);
    }

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<
        '_,
        HashMap<u64, (Subject, Instant), BuildHasherDefault<SequenceHasher>>,
    > {
        self.by_sequence
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// Fibonacci hashing of one `u64`: sequences are unique and dense, so one odd multiplication
/// spreads them over the buckets (the low bits) and the control bytes (the high bits) alike.
#[derive(Debug, Default)]
pub(super) struct SequenceHasher(u64);

impl Hasher for SequenceHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `u64` keys are hashed here; this keeps any other key correct, if slower.
        for &byte in bytes {
            self.write_u64(self.0 ^ u64::from(byte));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn held_messages_are_found_by_their_id_and_forgotten() {
        let held = Held::default();
        let at = Instant::now();
        held.hold(
            (1..=1000).map(|seq| (seq, Subject::from(format!("$JS.ACK.s.c.1.{seq}")))),
            at,
        );
        let ids = [7, 1000, 1001].map(MessageId::number).to_vec();
        let ids = [ids, vec![MessageId::text("7")]].concat();
        let subjects = |replies: &[Reply]| replies.iter().map(|r| r.1.clone()).collect::<Vec<_>>();
        let (peeked, unknown) = held.peek(&ids);
        assert_eq!(
            subjects(&peeked),
            ["$JS.ACK.s.c.1.7", "$JS.ACK.s.c.1.1000"].map(Subject::from)
        );
        assert_eq!(unknown, 2);
        let (taken, unknown) = held.take(&ids);
        assert_eq!((subjects(&taken), unknown), (subjects(&peeked), 2));
        assert_eq!(held.take(&ids), (vec![], 4), "taken once only");
        held.restore(taken);
        assert_eq!(held.peek(&ids).0, peeked, "restored as they were");
        held.forget_older_than(Duration::ZERO);
        assert_eq!(held.peek(&[MessageId::number(8)]), (vec![], 1));
    }
}
