//! [`DurationHistogram`]: a histogram of durations without a lock. Each flow instance observes
//! into the histogram part of its own [`Cells`], which only it writes (an instance makes one run
//! at a time), with no locked instruction; a scrape sums the live instances' cells, what dropped
//! ones counted, and what shared writers (sources, schedules) observed with two atomic additions.
//! Instances count in the metrics clock's ticks, against bounds in ticks, so that a call's end
//! is a subtraction and comparisons; their sums become nanoseconds when scraped.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, OnceLock, PoisonError, Weak};
use std::time::Duration;

use prometheus_client::encoding::{EncodeMetric, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::{MetricType, TypedMetric};

use super::cells::{Bounds, Cells, MAX_BOUNDS, bucket};
use super::clock;

/// Durations counted into buckets with upper bounds in milliseconds, as Go KisFlow's are.
#[derive(Clone, Debug)]
pub(crate) struct DurationHistogram {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// The buckets' upper bounds in milliseconds, as encoded, without the last one, `+Inf`.
    bounds_ms: &'static [f64],
    /// The same bounds in the clock's ticks, as instances compare them: worked out for the
    /// first instance, which calibrates the clock.
    bounds_ticks: OnceLock<Bounds>,
    /// What [`DurationHistogram::observe`] counts, for writers that share the histogram: its
    /// bounds in nanoseconds.
    shared: Cells,
    parts: Mutex<Parts>,
}

/// What a scrape sums: the counts of dropped instances, and the live ones' cells.
#[derive(Debug)]
struct Parts {
    retired: Counts,
    live: Vec<Weak<Cells>>,
}

/// Counts per bucket (not cumulative, one more than the bounds) and the sum in nanoseconds.
#[derive(Debug, Clone)]
struct Counts {
    buckets: Vec<u64>,
    sum_ns: u64,
}

impl DurationHistogram {
    /// A histogram with upper bounds `millis`, fewer than [`MAX_BOUNDS`] of them.
    pub(crate) fn new(millis: &'static [f64]) -> Self {
        assert!(
            millis.len() < MAX_BOUNDS,
            "a histogram has at most 14 bounds"
        );
        let mut nanos = [u64::MAX; MAX_BOUNDS];
        for (ns, ms) in nanos.iter_mut().zip(millis) {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // small positive
            let bound = (ms * 1e6).round() as u64;
            *ns = bound;
        }
        Self {
            inner: Arc::new(Inner {
                bounds_ms: millis,
                bounds_ticks: OnceLock::new(),
                shared: Cells::new(nanos),
                parts: Mutex::new(Parts {
                    retired: Counts {
                        buckets: vec![0; millis.len() + 1],
                        sum_ns: 0,
                    },
                    live: Vec::new(),
                }),
            }),
        }
    }

    /// The bounds in the clock's ticks, for an instance's [`Cells`].
    pub(crate) fn bounds_ticks(&self) -> Bounds {
        let inner = &*self.inner;
        *inner.bounds_ticks.get_or_init(|| {
            let mut ticks = inner.shared.bounds;
            for bound in ticks.iter_mut().take(inner.bounds_ms.len()) {
                *bound = clock::ticks(*bound);
            }
            ticks
        })
    }

    /// Counts the histogram part of `cells` from now on, until [`retire`](Self::retire).
    pub(crate) fn join(&self, cells: &Arc<Cells>) {
        self.parts().live.push(Arc::downgrade(cells));
    }

    /// Keeps what `cells` counted, and stops reading them: their instance is being dropped.
    pub(crate) fn retire(&self, cells: &Arc<Cells>) {
        // Under the histogram's lock, so a scrape counts these exactly once: live or retired.
        let mut parts = self.parts();
        add_to(cells, &mut parts.retired, clock::nanos);
        let this = Arc::as_ptr(cells);
        parts.live.retain(|live| live.as_ptr() != this);
    }

    /// Counts one duration from a writer that shares this histogram: two atomic additions.
    pub(crate) fn observe(&self, elapsed: Duration) {
        let ns = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        let cells = &self.inner.shared;
        cells.buckets[bucket(&cells.bounds, ns)].fetch_add(1, Ordering::Relaxed);
        cells.sum.fetch_add(ns, Ordering::Relaxed);
    }

    /// The counts over every instance, live or dropped, and the shared writers'.
    fn counts(&self) -> Counts {
        let parts = self.parts();
        let mut counts = parts.retired.clone();
        add_to(&self.inner.shared, &mut counts, |ns| ns);
        for cells in parts.live.iter().filter_map(Weak::upgrade) {
            add_to(&cells, &mut counts, clock::nanos);
        }
        counts
    }

    fn parts(&self) -> std::sync::MutexGuard<'_, Parts> {
        self.inner
            .parts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// Adds the histogram part of `cells` to `counts`, with `nanos` turning the sum into
/// nanoseconds.
fn add_to(cells: &Cells, counts: &mut Counts, nanos: fn(u64) -> u64) {
    for (total, count) in counts.buckets.iter_mut().zip(cells.buckets.iter()) {
        *total = total.wrapping_add(count.load(Ordering::Relaxed));
    }
    counts.sum_ns = counts
        .sum_ns
        .wrapping_add(nanos(cells.sum.load(Ordering::Relaxed)));
}

impl TypedMetric for DurationHistogram {
    const TYPE: MetricType = MetricType::Histogram;
}

impl EncodeMetric for DurationHistogram {
    fn encode(&self, mut encoder: MetricEncoder<'_>) -> Result<(), std::fmt::Error> {
        let inner = &*self.inner;
        let counts = self.counts();
        let buckets: Vec<(f64, u64)> = counts
            .buckets
            .iter()
            .enumerate()
            .map(|(i, &count)| {
                let bound = inner.bounds_ms.get(i).copied().unwrap_or(f64::INFINITY);
                (bound, count)
            })
            .collect();
        let count = buckets.iter().map(|(_, n)| n).sum();
        #[allow(clippy::cast_precision_loss)] // nanoseconds well within f64's exact range
        let sum_ms = counts.sum_ns as f64 / 1e6;
        encoder.encode_histogram::<NoLabelSet>(sum_ms, count, &buckets, None)
    }

    fn metric_type(&self) -> MetricType {
        Self::TYPE
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::clock::Elapsed;

    /// An instance's cells, counted by `histogram`.
    fn instance(histogram: &DurationHistogram) -> Arc<Cells> {
        let cells = Arc::new(Cells::new(histogram.bounds_ticks()));
        histogram.join(&cells);
        cells
    }

    /// A sum of observed durations: the durations' nanoseconds, give or take what rounding
    /// ticks down to whole nanoseconds makes, each duration's and the sum's.
    fn assert_near(sum_ns: u64, expected: u64) {
        assert!(sum_ns.abs_diff(expected) <= 5, "{sum_ns} ns for {expected}");
    }

    #[test]
    fn a_duration_lands_in_the_first_bucket_it_does_not_exceed() {
        let histogram = DurationHistogram::new(&[0.005, 1.0]);
        let cells = instance(&histogram);
        cells.observe(Elapsed::of(Duration::from_micros(5))); // exactly on the first bound
        cells.observe(Elapsed::of(Duration::from_micros(6))); // just above it
        cells.observe(Elapsed::of(Duration::from_secs(2))); // above every bound: +Inf
        let counts = histogram.counts();
        assert_eq!(counts.buckets, [1, 1, 1]);
        assert_near(counts.sum_ns, 5_000 + 6_000 + 2_000_000_000);
    }

    #[test]
    fn shared_writers_count_with_the_instances() {
        let histogram = DurationHistogram::new(&[1.0]);
        let cells = instance(&histogram);
        cells.observe(Elapsed::of(Duration::from_micros(1)));
        histogram.observe(Duration::from_secs(1));
        assert_eq!(histogram.counts().buckets, [1, 1]);
    }

    #[test]
    fn dropped_instances_still_count() {
        let histogram = DurationHistogram::new(&[1.0]);
        let first = instance(&histogram);
        let second = instance(&histogram);
        first.observe(Elapsed::of(Duration::from_micros(1)));
        second.observe(Elapsed::of(Duration::from_secs(1)));
        histogram.retire(&first);
        drop(first);
        let counts = histogram.counts();
        assert_eq!(counts.buckets, [1, 1]);
        assert_near(counts.sum_ns, 1_000 + 1_000_000_000);
        histogram.retire(&second);
        assert_eq!(histogram.counts().buckets, [1, 1]);
        assert!(histogram.parts().live.is_empty());
    }
}
