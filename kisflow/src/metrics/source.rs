//! The series of stream sources, labelled `source`: what a [`Runner`](crate::source::Runner)
//! fetched, acked, retried and dead-lettered, what it holds in flight, and how long a message
//! waits from its fetch to its ack.

use std::sync::atomic::AtomicU64;
use std::time::Duration;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use super::histogram::DurationHistogram;
use super::{Labels, Metrics};

/// Buckets of fetch-to-ack latency and of batch sizes.
const LATENCY_BUCKETS: [f64; 12] = [
    0.1, 0.5, 1.0, 5.0, 10.0, 50.0, 100.0, 500.0, 1000.0, 5000.0, 30000.0, 300_000.0,
];

/// The source families of one registry.
#[derive(Clone)]
pub(crate) struct SourceFamilies {
    received: Family<Labels, Counter>,
    acked: Family<Labels, Counter>,
    retried: Family<Labels, Counter>,
    dead_lettered: Family<Labels, Counter>,
    in_flight: Family<Labels, Gauge>,
    lag_messages: Family<Labels, Gauge>,
    lag_seconds: Family<Labels, Gauge<f64, AtomicU64>>,
    batch_rows: Family<Labels, Counter>,
    batches: Family<Labels, Counter>,
    latency: Family<Labels, DurationHistogram, fn() -> DurationHistogram>,
}

impl SourceFamilies {
    pub(super) fn register(registry: &mut Registry) -> Self {
        let families = Self {
            received: Family::default(),
            acked: Family::default(),
            retried: Family::default(),
            dead_lettered: Family::default(),
            in_flight: Family::default(),
            lag_messages: Family::default(),
            lag_seconds: Family::default(),
            batch_rows: Family::default(),
            batches: Family::default(),
            latency: Family::new_with_constructor(|| DurationHistogram::new(&LATENCY_BUCKETS)),
        };
        let f = families.clone();
        let series: [(&str, &str, Family<Labels, Counter>); 6] = [
            (
                "source_received",
                "Messages each source delivered",
                f.received,
            ),
            (
                "source_acked",
                "Messages acked: processed or dead-lettered",
                f.acked,
            ),
            (
                "source_retried",
                "Runs made again after a failure",
                f.retried,
            ),
            (
                "source_dead_lettered",
                "Messages sent to the dead letters",
                f.dead_lettered,
            ),
            (
                "source_batch_rows",
                "Messages in the batches fetched (divide by source_batches)",
                f.batch_rows,
            ),
            ("source_batches", "Batches fetched", f.batches),
        ];
        for (name, help, family) in series {
            registry.register(name, help, family);
        }
        registry.register(
            "source_in_flight",
            "Batches fetched and not yet acked",
            f.in_flight,
        );
        registry.register(
            "source_lag_messages",
            "Messages of the stream the group has not acked yet",
            f.lag_messages,
        );
        registry.register(
            "source_lag_seconds",
            "Age of the oldest message the group has not acked yet",
            f.lag_seconds,
        );
        registry.register(
            "source_fetch_to_ack_duration",
            "Time from a batch's fetch to its ack, in milliseconds",
            f.latency,
        );
        families
    }
}

/// One source's series, looked up once when its runner starts.
#[derive(Clone)]
pub(crate) struct SourceMetrics {
    received: Counter,
    acked: Counter,
    retried: Counter,
    dead_lettered: Counter,
    in_flight: Gauge,
    lag_messages: Gauge,
    lag_seconds: Gauge<f64, AtomicU64>,
    batch_rows: Counter,
    batches: Counter,
    latency: DurationHistogram,
}

impl SourceMetrics {
    pub(crate) fn new(metrics: &Metrics, source: &str) -> Self {
        let f = &metrics.families().source;
        let labels = vec![("source", source.to_owned())];
        Self {
            received: f.received.get_or_create_owned(&labels),
            acked: f.acked.get_or_create_owned(&labels),
            retried: f.retried.get_or_create_owned(&labels),
            dead_lettered: f.dead_lettered.get_or_create_owned(&labels),
            in_flight: f.in_flight.get_or_create_owned(&labels),
            lag_messages: f.lag_messages.get_or_create_owned(&labels),
            lag_seconds: f.lag_seconds.get_or_create_owned(&labels),
            batch_rows: f.batch_rows.get_or_create_owned(&labels),
            batches: f.batches.get_or_create_owned(&labels),
            latency: f.latency.get_or_create_owned(&labels),
        }
    }

    /// A batch of `rows` messages was fetched.
    pub(crate) fn fetched(&self, rows: usize) {
        self.received.inc_by(rows as u64);
        self.batch_rows.inc_by(rows as u64);
        self.batches.inc();
        self.in_flight.inc();
    }

    /// The group's lag, as its source last reported it.
    pub(crate) fn lag(&self, messages: u64, seconds: f64) {
        self.lag_messages
            .set(i64::try_from(messages).unwrap_or(i64::MAX));
        self.lag_seconds.set(seconds);
    }

    /// The batch fetched `waited` ago is settled: `acked` acked, `dead` of them dead letters.
    pub(crate) fn settled(&self, acked: usize, dead: usize, retried: u64, waited: Duration) {
        self.acked.inc_by(acked as u64);
        self.dead_lettered.inc_by(dead as u64);
        self.retried.inc_by(retried);
        self.in_flight.dec();
        self.latency.observe(waited);
    }
}
