//! What a runner did, counted by its instances as they go.

use std::sync::atomic::{AtomicU64, Ordering};

/// What a [`Runner`](crate::source::Runner) did, returned when it stops.
///
/// ```
/// let report = kisflow::source::RunReport::default();
/// assert_eq!(report.acked, 0);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RunReport {
    /// Messages fetched.
    pub received: u64,
    /// Messages acked: processed, or dead-lettered.
    pub acked: u64,
    /// Messages sent to the dead letters.
    pub dead_lettered: u64,
    /// Runs made again after a failure.
    pub retried: u64,
    /// Messages left unacked because the flow could not run them (a stop while a connector was
    /// down, a flow switched off): a broker delivers them again, an in-process stream cannot.
    pub unacked: u64,
}

#[derive(Debug, Default)]
pub(super) struct Tally {
    received: AtomicU64,
    acked: AtomicU64,
    dead_lettered: AtomicU64,
    retried: AtomicU64,
    unacked: AtomicU64,
}

impl Tally {
    pub(super) fn received(&self, n: usize) {
        self.received.fetch_add(n as u64, Ordering::Relaxed);
    }

    pub(super) fn acked(&self, n: usize) {
        self.acked.fetch_add(n as u64, Ordering::Relaxed);
    }

    pub(super) fn dead_lettered(&self, n: usize) {
        self.dead_lettered.fetch_add(n as u64, Ordering::Relaxed);
    }

    pub(super) fn retried(&self, n: u64) {
        self.retried.fetch_add(n, Ordering::Relaxed);
    }

    pub(super) fn unacked(&self, n: usize) {
        self.unacked.fetch_add(n as u64, Ordering::Relaxed);
    }

    pub(super) fn report(&self) -> RunReport {
        RunReport {
            received: self.received.load(Ordering::Relaxed),
            acked: self.acked.load(Ordering::Relaxed),
            dead_lettered: self.dead_lettered.load(Ordering::Relaxed),
            retried: self.retried.load(Ordering::Relaxed),
            unacked: self.unacked.load(Ordering::Relaxed),
        }
    }
}
