//! [`Tally`]: a counter series that flow instances add to without a locked instruction. Each
//! instance holds its own [`Cell`], which only it writes (an instance makes one run at a time),
//! and a scrape sums the live cells and what dropped ones counted. It encodes as
//! prometheus-client's `Counter` does, so the text a scrape reads is the same.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};

use prometheus_client::encoding::{EncodeMetric, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::{MetricType, TypedMetric};

/// A counter series, summed over the cells of the instances that record into it.
#[derive(Clone, Debug, Default)]
pub(crate) struct Tally {
    inner: Arc<Mutex<Parts>>,
}

/// What a tally sums: the counts of dropped cells, and the live cells.
#[derive(Debug, Default)]
struct Parts {
    retired: u64,
    live: Vec<Weak<AtomicU64>>,
}

/// One instance's share of a [`Tally`]: added to with a plain load and store.
#[derive(Debug)]
pub(crate) struct Cell {
    value: Arc<AtomicU64>,
    tally: Tally,
}

impl Tally {
    /// A new cell of this tally, for one instance.
    pub(crate) fn cell(&self) -> Cell {
        let value = Arc::new(AtomicU64::new(0));
        self.parts().live.push(Arc::downgrade(&value));
        Cell {
            value,
            tally: self.clone(),
        }
    }

    /// The sum over every cell, live or dropped.
    pub(crate) fn get(&self) -> u64 {
        let parts = self.parts();
        let live: u64 = parts
            .live
            .iter()
            .filter_map(Weak::upgrade)
            .map(|value| value.load(Ordering::Relaxed))
            .sum();
        parts.retired + live
    }

    fn parts(&self) -> std::sync::MutexGuard<'_, Parts> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Cell {
    /// Adds `n`. Not a locked instruction: only this cell's instance writes it, one run at a
    /// time, and a scrape that reads it mid-run sees the count before or after.
    #[inline]
    pub(crate) fn add(&self, n: u64) {
        let value = self.value.load(Ordering::Relaxed);
        self.value.store(value.wrapping_add(n), Ordering::Relaxed);
    }

    /// A new cell of the same tally, for another instance.
    pub(crate) fn fresh(&self) -> Self {
        self.tally.cell()
    }
}

impl Drop for Cell {
    fn drop(&mut self) {
        // Under the tally's lock, so a scrape counts this cell exactly once: live or retired.
        let mut parts = self.tally.parts();
        parts.retired = parts
            .retired
            .wrapping_add(self.value.load(Ordering::Relaxed));
        let this = Arc::as_ptr(&self.value);
        parts.live.retain(|live| live.as_ptr() != this);
    }
}

impl TypedMetric for Tally {
    const TYPE: MetricType = MetricType::Counter;
}

impl EncodeMetric for Tally {
    fn encode(&self, mut encoder: MetricEncoder<'_>) -> Result<(), std::fmt::Error> {
        encoder.encode_counter::<NoLabelSet, _, u64>(&self.get(), None)
    }

    fn metric_type(&self) -> MetricType {
        Self::TYPE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tally_sums_its_live_cells_and_keeps_what_dropped_ones_counted() {
        let tally = Tally::default();
        let one = tally.cell();
        let two = one.fresh();
        one.add(3);
        two.add(4);
        assert_eq!(tally.get(), 7);
        drop(one);
        two.add(1);
        assert_eq!(tally.get(), 8);
        drop(two);
        assert_eq!(tally.get(), 8);
        assert!(tally.parts().live.is_empty());
    }
}
