//! [`Cells`]: everything one flow or function instance counts, in one allocation of fixed size:
//! its four counters (each its share of a [`Tally`](super::tally::Tally)) and its duration
//! histogram (its share of a [`DurationHistogram`](super::histogram::DurationHistogram)). A call
//! then reaches every count it adds to from one pointer, at fixed offsets, with no slice length
//! read and no index checked. Only the instance writes its cells, one run at a time, so each
//! addition is a plain load and store, not a locked instruction; a scrape that reads a cell
//! mid-run sees the count before or after.

use std::sync::atomic::{AtomicU64, Ordering};

use super::clock::Elapsed;

/// The counters an instance keeps: a flow's or a function's four.
pub(crate) const COUNTERS: usize = 4;

/// The most bounds a histogram has: Go KisFlow's flow buckets, 14, and one `u64::MAX`. A
/// histogram with fewer fills the rest of its [`Bounds`] with `u64::MAX`, which its last
/// bucket, `+Inf`, takes.
pub(crate) const MAX_BOUNDS: usize = 15;

/// Upper bounds, in nanoseconds or the clock's ticks, `u64::MAX` past the histogram's own.
pub(crate) type Bounds = [u64; MAX_BOUNDS];

/// One instance's counters and histogram, or a histogram's shared writers' counts.
#[derive(Debug)]
pub(crate) struct Cells {
    pub(crate) counters: [AtomicU64; COUNTERS],
    pub(crate) bounds: Bounds,
    /// Counts per bucket, not cumulative; one more than the bounds, so that every index
    /// [`bucket`] gives is in range.
    pub(crate) buckets: [AtomicU64; MAX_BOUNDS + 1],
    /// In the clock's ticks for an instance, in nanoseconds for the shared writers.
    pub(crate) sum: AtomicU64,
}

impl Cells {
    /// Cells at zero, for a histogram with `bounds`.
    pub(crate) fn new(bounds: Bounds) -> Self {
        Self {
            counters: std::array::from_fn(|_| AtomicU64::new(0)),
            bounds,
            buckets: std::array::from_fn(|_| AtomicU64::new(0)),
            sum: AtomicU64::new(0),
        }
    }

    /// Adds `n` to counter `counter`.
    #[inline]
    pub(crate) fn add(&self, counter: usize, n: u64) {
        bump(&self.counters[counter], n);
    }

    /// Counts one duration: into the first bucket whose bound it does not exceed.
    #[inline]
    pub(crate) fn observe(&self, elapsed: Elapsed) {
        let ticks = elapsed.ticks();
        bump(&self.buckets[bucket(&self.bounds, ticks)], 1);
        bump(&self.sum, ticks);
    }
}

/// Adds `n` to a cell only its instance writes: a load and a store, which the compiler makes one
/// `add` to memory.
#[inline]
fn bump(cell: &AtomicU64, n: u64) {
    cell.store(
        cell.load(Ordering::Relaxed).wrapping_add(n),
        Ordering::Relaxed,
    );
}

/// The bucket of a duration: the first whose bound it does not exceed, the duration and the
/// bounds in one unit. Past the histogram's own bounds, `u64::MAX` takes every duration into
/// `+Inf`.
#[inline]
pub(crate) fn bucket(bounds: &Bounds, duration: u64) -> usize {
    bounds
        .iter()
        .position(|&bound| duration <= bound)
        .unwrap_or(MAX_BOUNDS)
}
