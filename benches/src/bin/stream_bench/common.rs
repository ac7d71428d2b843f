//! What both sources share: message numbers and send times, the ack counter both sides call
//! after each ack, and the wrapper that lets the kisflow side call it.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use kisflow::source::{Message, MessageId, Source};
use tokio::sync::Notify;

/// Send times, in nanoseconds since `base`, by message number (1-based; Redis entry id `0-k`,
/// JetStream stream sequence `k`, Kafka offset `k - 1`).
pub(crate) struct Sent {
    base: Instant,
    at: Vec<AtomicU64>,
}

impl Sent {
    pub(crate) fn new(n: usize) -> Arc<Self> {
        Arc::new(Self {
            base: Instant::now(),
            at: (0..=n).map(|_| AtomicU64::new(0)).collect(),
        })
    }

    pub(crate) fn now(&self) -> u64 {
        u64::try_from(self.base.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    /// Message `k` is being sent now.
    pub(crate) fn mark(&self, k: usize, at: u64) {
        self.at[k].store(at, Ordering::Relaxed);
    }
}

/// Counts acked messages until a target, noting when it was reached and, when send times are
/// known, each message's latency from send to ack.
pub(crate) struct Acks {
    target: usize,
    count: AtomicUsize,
    reached: Mutex<Option<Instant>>,
    done: Notify,
    sent: Option<Arc<Sent>>,
    latencies: Mutex<Vec<u64>>,
}

impl Acks {
    pub(crate) fn new(target: usize, sent: Option<Arc<Sent>>) -> Arc<Self> {
        Arc::new(Self {
            target,
            count: AtomicUsize::new(0),
            reached: Mutex::new(None),
            done: Notify::new(),
            sent,
            latencies: Mutex::new(Vec::with_capacity(target)),
        })
    }

    /// These messages were acked just now (the ack command returned). Only a latency round reads
    /// their numbers; a throughput round takes the count alone, so neither side spends anything on
    /// making numbers there (for a JetStream message, parsing its ack subject).
    pub(crate) fn record(&self, numbers: impl ExactSizeIterator<Item = usize>) {
        let mut n = 0;
        match &self.sent {
            Some(sent) => {
                let now = sent.now();
                let mut latencies = self.latencies.lock().expect("not poisoned");
                for k in numbers {
                    let at = sent.at[k].load(Ordering::Relaxed);
                    latencies.push(now.saturating_sub(at));
                    n += 1;
                }
            }
            None => n = numbers.len(),
        }
        if self.count.fetch_add(n, Ordering::Relaxed) + n >= self.target {
            self.reached
                .lock()
                .expect("not poisoned")
                .get_or_insert_with(Instant::now);
            self.done.notify_one();
        }
    }

    pub(crate) fn is_done(&self) -> bool {
        self.count.load(Ordering::Relaxed) >= self.target
    }

    /// Waits until the target is reached.
    pub(crate) async fn done(&self) {
        while !self.is_done() {
            let notified = self.done.notified();
            if self.is_done() {
                break;
            }
            notified.await;
        }
    }

    /// How long from `start` the target took.
    pub(crate) fn elapsed_since(&self, start: Instant) -> Duration {
        self.reached
            .lock()
            .expect("not poisoned")
            .expect("the target was reached")
            - start
    }

    /// p50 and p99 of the latencies, in milliseconds.
    #[allow(clippy::cast_precision_loss)] // nanoseconds far below 2^52
    pub(crate) fn percentiles(&self) -> (f64, f64) {
        let mut latencies = self.latencies.lock().expect("not poisoned").clone();
        latencies.sort_unstable();
        // The nearest-rank percentile: the smallest value with `percent`% of them at or below it.
        let at = |percent: usize| {
            let rank = (latencies.len() * percent).div_ceil(100).max(1);
            latencies[rank - 1] as f64 / 1e6
        };
        (at(50), at(99))
    }
}

/// Kafka messages per partition: librdkafka's mock cluster keeps at most 5 MB or 100,000
/// messages of a partition and drops the oldest, so a round's messages are spread over
/// partitions of this many each, message `k` (from 1) to partition `(k - 1) / this`.
pub(crate) const KAFKA_PARTITION_MESSAGES: usize = 40_000;

/// The message number in a Redis entry id `0-k`, a JetStream sequence `k` or a Kafka id
/// `topic/partition/offset` (see [`KAFKA_PARTITION_MESSAGES`]).
pub(crate) fn number(id: &str) -> usize {
    let mut parts = id.rsplit(['-', '/']);
    let last = parts.next().and_then(|k| k.parse::<usize>().ok());
    let k = if id.contains('/') {
        let partition = parts.next().and_then(|p| p.parse::<usize>().ok());
        partition
            .zip(last)
            .map(|(p, offset)| p * KAFKA_PARTITION_MESSAGES + offset + 1)
    } else {
        last
    };
    k.expect("a message id made by this benchmark")
}

/// The message number of an id kisflow's source made: a JetStream sequence, the delivery tag of
/// a RabbitMQ `<session>-<tag>`, or a text [`number`] reads.
fn id_number(id: &MessageId) -> usize {
    let n = id.as_number().or_else(|| id.as_pair().map(|(_, tag)| tag));
    match (n, id.as_text()) {
        (Some(n), _) => usize::try_from(n).expect("a message number within usize"),
        (None, Some(text)) => number(text),
        (None, None) => unreachable!("an id is a number, a pair or text"),
    }
}

/// A source that tells [`Acks`] about each ack once the inner source has made it.
pub(crate) struct Counted<S> {
    pub(crate) inner: S,
    pub(crate) acks: Arc<Acks>,
}

impl<S: Source> Source for Counted<S> {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn fetch(
        &self,
        max: usize,
        wait: Duration,
    ) -> BoxFuture<'_, kisflow::Result<Option<Vec<Message>>>> {
        self.inner.fetch(max, wait)
    }

    fn ack<'a>(&'a self, ids: &'a [MessageId]) -> BoxFuture<'a, kisflow::Result<()>> {
        Box::pin(async move {
            self.inner.ack(ids).await?;
            self.acks.record(ids.iter().map(id_number));
            Ok(())
        })
    }

    // The rest as the source itself does, so the bench measures what a user's runner does.
    fn release<'a>(
        &'a self,
        ids: &'a [MessageId],
        after: Duration,
    ) -> BoxFuture<'a, kisflow::Result<()>> {
        self.inner.release(ids, after)
    }

    fn progress_every(&self) -> Option<Duration> {
        self.inner.progress_every()
    }

    fn in_progress<'a>(&'a self, ids: &'a [MessageId]) -> BoxFuture<'a, kisflow::Result<()>> {
        self.inner.in_progress(ids)
    }

    fn lag(&self) -> BoxFuture<'_, kisflow::Result<Option<kisflow::source::Lag>>> {
        self.inner.lag()
    }
}
