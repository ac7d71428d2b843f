//! Kafka on librdkafka's in-process mock cluster: kisflow's `KafkaSource` under a `Runner`, and a
//! `StreamConsumer` consume-and-commit loop by hand, each one consumer with one loop. The mock
//! keeps at most 5 MB of a partition, so a round's messages are spread over partitions of
//! [`KAFKA_PARTITION_MESSAGES`] each, in order.
//! Each side's group is named like its topic: a group of its own, so the two sides' members
//! (kisflow's cooperative-sticky, the floor's default assignor) never meet.
//!
//! Both sides count from their first message, not from their start: joining the group takes the
//! mock's initial rebalance delay (3 s), which would swamp a round and is not consuming.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use futures::FutureExt;
use futures::future::BoxFuture;
use kisflow::source::kafka::KafkaSource;
use kisflow::source::{Runner, Source};
use kisflow_bench::{Grades, StuScore, baseline};
use rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use rdkafka::message::Message;
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

use crate::common::{Acks, Counted, KAFKA_PARTITION_MESSAGES, Sent};

/// The mock cluster with every topic a run uses made up front: the cluster cannot leave the main
/// thread, and the rounds run on the runtime's.
pub(crate) fn mock(
    messages: usize,
    latency_messages: usize,
    rounds: usize,
) -> MockCluster<'static, rdkafka::producer::DefaultProducerContext> {
    let mock = MockCluster::new(1).expect("librdkafka's mock cluster starts");
    let partitions = |n: usize| {
        i32::try_from(n.div_ceil(KAFKA_PARTITION_MESSAGES).max(1)).expect("a few partitions")
    };
    for round in 0..rounds.max(1) {
        for side in ["kisflow", "floor", "fill"] {
            let (bench, latency) = (
                format!("bench_{round}_{side}"),
                format!("latency_{round}_{side}"),
            );
            mock.create_topic(&bench, partitions(messages), 1)
                .expect("a mock topic");
            mock.create_topic(&latency, partitions(latency_messages), 1)
                .expect("a mock topic");
        }
    }
    mock
}

/// How long the broker may hold a fetch for more data, on both sides. librdkafka's 500 ms
/// default makes the mock hold every fetch that long once one of its partitions is at its end,
/// which then sets both the rate and the latency, whatever the client does.
const FETCH_WAIT_MS: &str = "10";

/// The partition of message `k` (from 1).
fn partition(k: usize) -> i32 {
    i32::try_from((k - 1) / KAFKA_PARTITION_MESSAGES).expect("a few partitions")
}

fn producer(brokers: &str) -> FutureProducer {
    ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("linger.ms", "1")
        .create()
        .expect("a producer")
}

/// Produces `rows` to the topic's one partition, awaiting every acknowledgement.
pub(crate) async fn prefill(brokers: &str, topic: &str, rows: &[String]) {
    let producer = producer(brokers);
    for (chunk_no, chunk) in rows.chunks(10_000).enumerate() {
        let deliveries: Vec<_> = chunk
            .iter()
            .enumerate()
            .map(|(i, row)| {
                let k = chunk_no * 10_000 + i + 1;
                let record = FutureRecord::<(), _>::to(topic)
                    .partition(partition(k))
                    .payload(row);
                producer
                    .send_result(record)
                    .map_err(|(e, _)| e)
                    .expect("queued")
            })
            .collect();
        for delivery in deliveries {
            delivery
                .await
                .expect("the producer")
                .map_err(|(e, _)| e)
                .expect("stored");
        }
    }
}

/// Produces `rows` at `rate` a second, a burst every millisecond, marking each send time; a
/// burst's acknowledgements are awaited before the next.
pub(crate) async fn produce(
    brokers: String,
    topic: String,
    rows: Arc<Vec<String>>,
    sent: Arc<Sent>,
    rate: u64,
) {
    let producer = producer(&brokers);
    let mut next = 0;
    let mut tick = tokio::time::interval(Duration::from_millis(1));
    let start = Instant::now();
    while next < rows.len() {
        tick.tick().await;
        let due = usize::try_from(u128::from(rate) * start.elapsed().as_micros() / 1_000_000)
            .unwrap_or(usize::MAX)
            .min(rows.len());
        let mut deliveries = Vec::with_capacity(due.saturating_sub(next));
        for (k, row) in (next + 1..=due).zip(&rows[next..due.max(next)]) {
            sent.mark(k, sent.now());
            let record = FutureRecord::<(), _>::to(&topic)
                .partition(partition(k))
                .payload(row);
            deliveries.push(
                producer
                    .send_result(record)
                    .map_err(|(e, _)| e)
                    .expect("queued"),
            );
        }
        for delivery in deliveries {
            delivery
                .await
                .expect("the producer")
                .map_err(|(e, _)| e)
                .expect("stored");
        }
        next = next.max(due);
    }
}

/// kisflow: `KafkaSource` + `Runner` (one instance, batches of `batch`) running the bench flow,
/// until `acks` reaches its target. Returns when it started.
pub(crate) async fn kisflow(
    brokers: &str,
    topic: &str,
    acks: &Arc<Acks>,
    batch: usize,
    wait: Duration,
) -> Instant {
    let source = KafkaSource::new(brokers, topic, topic)
        .and_then(|source| source.with_option("fetch.wait.max.ms", FETCH_WAIT_MS))
        .expect("kafka settings");
    let first = Arc::new(OnceLock::new());
    let source = FirstMessage {
        inner: Counted {
            inner: source,
            acks: Arc::clone(acks),
        },
        at: Arc::clone(&first),
    };
    let runner = Runner::new(source, Grades::new().into_dyn())
        .with_concurrency(1)
        .with_batch(batch, wait);
    let done = Arc::clone(acks);
    let report = runner
        .run_until(async move { done.done().await })
        .await
        .expect("the runner runs");
    assert_eq!(report.dead_lettered, 0, "no row is bad");
    *first.get().expect("a message came")
}

/// A source noting when its first message came.
struct FirstMessage<S> {
    inner: S,
    at: Arc<OnceLock<Instant>>,
}

impl<S: Source> Source for FirstMessage<S> {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn fetch(
        &self,
        max: usize,
        wait: Duration,
    ) -> BoxFuture<'_, kisflow::Result<Option<Vec<kisflow::source::Message>>>> {
        Box::pin(async move {
            let fetched = self.inner.fetch(max, wait).await;
            if matches!(&fetched, Ok(Some(batch)) if !batch.is_empty()) {
                self.at.get_or_init(Instant::now);
            }
            fetched
        })
    }

    fn ack<'a>(
        &'a self,
        ids: &'a [kisflow::source::MessageId],
    ) -> BoxFuture<'a, kisflow::Result<()>> {
        self.inner.ack(ids)
    }
}

/// The floor: a `StreamConsumer` in a group named like the topic (auto commit off, earliest), `recv` the
/// first message of a batch waiting up to `wait`, then what is ready up to `batch`; decode each
/// payload into `StuScore`, the four steps by hand, commit the batch's next offset without
/// waiting, as kisflow does; until `acks` reaches its target.
pub(crate) async fn floor(
    brokers: &str,
    topic: &str,
    acks: &Arc<Acks>,
    batch: usize,
    wait: Duration,
) -> Instant {
    let mut start = None;
    let consumer: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("group.id", topic)
        .set("enable.auto.commit", "false")
        .set("auto.offset.reset", "earliest")
        .set("fetch.wait.max.ms", FETCH_WAIT_MS)
        .create()
        .expect("a consumer");
    consumer.subscribe(&[topic]).expect("subscribed");
    let mut rows: Vec<StuScore> = Vec::with_capacity(batch);
    // Message numbers of the batch, and each partition's next offset.
    let (mut numbers, mut next) = (Vec::with_capacity(batch), Vec::<(i32, i64)>::new());
    while !acks.is_done() {
        let Ok(first) = tokio::time::timeout(wait, consumer.recv()).await else {
            continue;
        };
        start.get_or_insert_with(Instant::now);
        decode(
            &first.expect("a message"),
            &mut rows,
            &mut numbers,
            &mut next,
        );
        while rows.len() < batch {
            match consumer.recv().now_or_never() {
                Some(Ok(message)) => decode(&message, &mut rows, &mut numbers, &mut next),
                _ => break,
            }
        }
        baseline(std::mem::replace(&mut rows, Vec::with_capacity(batch)));
        let mut offsets = TopicPartitionList::new();
        for (partition, offset) in next.drain(..) {
            offsets
                .add_partition_offset(topic, partition, Offset::Offset(offset))
                .expect("an offset");
        }
        consumer
            .commit(&offsets, CommitMode::Async)
            .expect("a commit");
        acks.record(numbers.drain(..));
    }
    start.expect("a message came")
}

/// Decodes the message's row into `rows`, notes its number and its partition's next offset.
fn decode(
    message: &rdkafka::message::BorrowedMessage<'_>,
    rows: &mut Vec<StuScore>,
    numbers: &mut Vec<usize>,
    next: &mut Vec<(i32, i64)>,
) {
    let payload = message.payload().expect("a payload");
    rows.push(serde_json::from_slice(payload).expect("a StuScore row"));
    let (partition, offset) = (message.partition(), message.offset());
    let (p, o) = (usize::try_from(partition), usize::try_from(offset));
    numbers.push(p.expect("a partition") * KAFKA_PARTITION_MESSAGES + o.expect("an offset") + 1);
    match next.iter_mut().find(|(p, _)| *p == partition) {
        Some(entry) => entry.1 = offset + 1,
        None => next.push((partition, offset + 1)),
    }
}
