//! [`DurationHistogram`]: a histogram of durations without a lock. prometheus-client's own
//! histogram takes a mutex on every observation; this one adds to two atomics, which matters
//! when a flow observes five durations per run of a few microseconds.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use prometheus_client::encoding::{EncodeMetric, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::{MetricType, TypedMetric};

/// Durations counted into buckets with upper bounds in milliseconds, as Go KisFlow's are.
#[derive(Clone, Debug)]
pub(crate) struct DurationHistogram {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// The buckets' upper bounds in milliseconds, as encoded, without the last one, `+Inf`.
    bounds_ms: &'static [f64],
    /// The same bounds in nanoseconds, as compared.
    bounds_ns: Box<[u64]>,
    /// How many durations fell in each bucket (not cumulative); one more than the bounds.
    counts: Box<[AtomicU64]>,
    /// The sum of all durations, in nanoseconds.
    sum_ns: AtomicU64,
}

impl DurationHistogram {
    pub(crate) fn new(millis: &'static [f64]) -> Self {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // small positive bounds
        let nanos = millis.iter().map(|ms| (ms * 1e6).round() as u64).collect();
        Self {
            inner: Arc::new(Inner {
                bounds_ms: millis,
                bounds_ns: nanos,
                counts: (0..=millis.len()).map(|_| AtomicU64::new(0)).collect(),
                sum_ns: AtomicU64::new(0),
            }),
        }
    }

    /// Counts one duration: into the first bucket whose bound it does not exceed.
    pub(crate) fn observe(&self, elapsed: Duration) {
        let ns = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        let inner = &*self.inner;
        let bucket = inner
            .bounds_ns
            .iter()
            .position(|&bound| ns <= bound)
            .unwrap_or(inner.bounds_ns.len());
        if let Some(count) = inner.counts.get(bucket) {
            count.fetch_add(1, Ordering::Relaxed);
        }
        inner.sum_ns.fetch_add(ns, Ordering::Relaxed);
    }
}

impl TypedMetric for DurationHistogram {
    const TYPE: MetricType = MetricType::Histogram;
}

impl EncodeMetric for DurationHistogram {
    fn encode(&self, mut encoder: MetricEncoder<'_>) -> Result<(), std::fmt::Error> {
        let inner = &*self.inner;
        // Read without a lock: a duration observed during the scrape may show in its bucket
        // and not yet in the sum, which the next scrape corrects.
        let buckets: Vec<(f64, u64)> = inner
            .counts
            .iter()
            .enumerate()
            .map(|(i, count)| {
                let bound = inner.bounds_ms.get(i).copied().unwrap_or(f64::INFINITY);
                (bound, count.load(Ordering::Relaxed))
            })
            .collect();
        let count = buckets.iter().map(|(_, n)| n).sum();
        #[allow(clippy::cast_precision_loss)] // nanoseconds well within f64's exact range
        let sum_ms = inner.sum_ns.load(Ordering::Relaxed) as f64 / 1e6;
        encoder.encode_histogram::<NoLabelSet>(sum_ms, count, &buckets, None)
    }

    fn metric_type(&self) -> MetricType {
        Self::TYPE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_duration_lands_in_the_first_bucket_it_does_not_exceed() {
        let histogram = DurationHistogram::new(&[0.005, 1.0]);
        histogram.observe(Duration::from_micros(5)); // exactly on the first bound
        histogram.observe(Duration::from_micros(6)); // just above it
        histogram.observe(Duration::from_secs(2)); // above every bound: +Inf
        let counts: Vec<u64> = histogram
            .inner
            .counts
            .iter()
            .map(|c| c.load(Ordering::Relaxed))
            .collect();
        assert_eq!(counts, [1, 1, 1]);
        assert_eq!(
            histogram.inner.sum_ns.load(Ordering::Relaxed),
            5_000 + 6_000 + 2_000_000_000
        );
    }
}
