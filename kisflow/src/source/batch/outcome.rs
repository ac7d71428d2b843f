//! [`Outcome`]: what became of each message of a batch.

use crate::error::Error;
use crate::source::dead_letter::DeadLetter;

/// What became of a batch: every message is in exactly one of `done`, `acked`, `lost`,
/// `lettered` or `release`. Messages are named by their place in the batch, not by a copy of their
/// id: the worker moves the ids it acks out of the batch, which is dropped after.
#[derive(Debug, Default)]
pub(in crate::source) struct Outcome {
    /// The messages whose run succeeded, to ack.
    pub(in crate::source) done: Vec<usize>,
    /// The messages whose run succeeded and whose state commit acked them.
    pub(in crate::source) acked: Vec<usize>,
    /// Messages another consumer took over before their state was committed here.
    pub(in crate::source) lost: Vec<usize>,
    /// Messages given up, to send to the dead letters and then ack.
    pub(in crate::source) lettered: Vec<usize>,
    /// Their letters, in the same order.
    pub(in crate::source) letters: Vec<DeadLetter>,
    /// Messages to give back to the source unacked: a failure of the flow, not of these messages.
    pub(in crate::source) release: Vec<usize>,
    /// Set when the flow itself cannot run (switched off, misconfigured): the runner stops.
    pub(in crate::source) fatal: Option<Error>,
    /// Runs made again after a failure.
    pub(in crate::source) retries: u64,
}

impl Outcome {
    /// The message at `place` goes to the dead letters as `letter`.
    pub(super) fn give_up(&mut self, place: usize, letter: DeadLetter) {
        self.lettered.push(place);
        self.letters.push(letter);
    }
}
