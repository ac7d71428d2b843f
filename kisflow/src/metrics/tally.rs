//! [`Tally`]: a counter series that flow instances add to without a locked instruction. Each
//! instance counts into one of the counters of its own [`Cells`], which only it writes (an
//! instance makes one run at a time), and a scrape sums the live instances' counters and what
//! dropped ones counted. It encodes as prometheus-client's `Counter` does, so the text a scrape
//! reads is the same.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, PoisonError, Weak};

use prometheus_client::encoding::{EncodeMetric, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::{MetricType, TypedMetric};

use super::cells::Cells;

/// A counter series, summed over the counters of the instances that record into it.
#[derive(Clone, Debug, Default)]
pub(crate) struct Tally {
    inner: Arc<Mutex<Parts>>,
}

/// What a tally sums: the counts of dropped instances, and the live instances' counters, each
/// their cells and which counter.
#[derive(Debug, Default)]
struct Parts {
    retired: u64,
    live: Vec<(Weak<Cells>, usize)>,
}

impl Tally {
    /// Counts counter `counter` of `cells` from now on, until [`retire`](Self::retire).
    pub(crate) fn join(&self, cells: &Arc<Cells>, counter: usize) {
        self.parts().live.push((Arc::downgrade(cells), counter));
    }

    /// Keeps what counter `counter` of `cells` counted, and stops reading it: its instance is
    /// being dropped.
    pub(crate) fn retire(&self, cells: &Arc<Cells>, counter: usize) {
        // Under the tally's lock, so a scrape counts the counter exactly once: live or retired.
        let mut parts = self.parts();
        let count = cells.counters[counter].load(Ordering::Relaxed);
        parts.retired = parts.retired.wrapping_add(count);
        let this = Arc::as_ptr(cells);
        parts
            .live
            .retain(|(live, at)| live.as_ptr() != this || *at != counter);
    }

    /// The sum over every counter, live or dropped.
    pub(crate) fn get(&self) -> u64 {
        let parts = self.parts();
        let live: u64 = parts
            .live
            .iter()
            .filter_map(|(cells, at)| Some(cells.upgrade()?.counters[*at].load(Ordering::Relaxed)))
            .fold(0, u64::wrapping_add);
        parts.retired.wrapping_add(live)
    }

    fn parts(&self) -> std::sync::MutexGuard<'_, Parts> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
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
    use crate::metrics::cells::MAX_BOUNDS;

    #[test]
    fn a_tally_sums_its_live_counters_and_keeps_what_dropped_ones_counted() {
        let tally = Tally::default();
        let one = Arc::new(Cells::new([u64::MAX; MAX_BOUNDS]));
        let two = Arc::new(Cells::new([u64::MAX; MAX_BOUNDS]));
        tally.join(&one, 0);
        tally.join(&two, 3);
        one.add(0, 3);
        one.add(1, 100); // another series' counter
        two.add(3, 4);
        assert_eq!(tally.get(), 7);
        tally.retire(&one, 0);
        drop(one);
        two.add(3, 1);
        assert_eq!(tally.get(), 8);
        tally.retire(&two, 3);
        assert_eq!(tally.get(), 8);
        assert!(tally.parts().live.is_empty());
    }
}
