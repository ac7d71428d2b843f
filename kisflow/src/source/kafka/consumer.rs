//! [`KafkaSource`]: one member of a consumer group, fetching batches one partition at a time.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use futures::FutureExt;
use futures::future::{BoxFuture, Either};
use rdkafka::Offset;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::message::{BorrowedMessage, Message as _};
use tokio::sync::{Mutex, Notify};

use super::context::{Context, Shared};
use super::partitions::Received;
use super::{client_config, message_id, parse_id, unavailable};
use crate::error::{Error, Result};
use crate::source::{Lag, Message, MessageId, Source};

/// The consumer, with the context its callbacks share with the source.
pub(super) type Inner = StreamConsumer<Context>;

/// A Kafka topic read as one member of a consumer group; see the [module docs](super).
///
/// ```no_run
/// # fn main() -> kisflow::Result<()> {
/// use kisflow::source::kafka::KafkaSource;
///
/// let source = KafkaSource::new("127.0.0.1:9092", "orders", "billing")?
///     .with_client_id("worker-1")
///     .with_option("session.timeout.ms", "10000")?;
/// # Ok(())
/// # }
/// ```
pub struct KafkaSource {
    pub(super) name: String,
    pub(super) brokers: String,
    pub(super) topic: String,
    pub(super) group: String,
    options: Vec<(String, String)>,
    /// Messages received ahead of their partition's turn, over all partitions, at most.
    buffer_max: usize,
    /// Made by the first fetch: librdkafka's consumer needs a running tokio runtime.
    pub(super) consumer: OnceLock<Arc<Inner>>,
    /// One fetch receives at a time: it alone decides which partition's turn it is.
    reader: Mutex<()>,
    pub(super) shared: Arc<Shared>,
    /// Woken by each ack and release: a partition may be free again.
    settled: Notify,
    /// When every commit point was last committed again, done or not.
    pub(super) refreshed: std::sync::Mutex<std::time::Instant>,
}

impl KafkaSource {
    /// Reads `topic` at the brokers `brokers` (`host:port`, several separated by commas) as a
    /// member of the consumer group `group`. A group new to the topic starts at its earliest
    /// offset. Connecting waits for the first fetch, so a cluster that is down is retried, not
    /// fatal; a setting librdkafka rejects is an error now.
    pub fn new(brokers: &str, topic: impl Into<String>, group: impl Into<String>) -> Result<Self> {
        let (topic, group) = (topic.into(), group.into());
        let options = [
            ("group.id", group.as_str()),
            // Commits are the source's own: librdkafka's timer would commit stored offsets that
            // an older store left behind, after the source's commit on revoke.
            ("enable.auto.commit", "false"),
            ("auto.offset.reset", "earliest"),
            ("partition.assignment.strategy", "cooperative-sticky"),
        ];
        let source = Self {
            name: format!("kafka:{topic}/{group}"),
            brokers: brokers.to_owned(),
            options: options.map(|(k, v)| (k.to_owned(), v.to_owned())).to_vec(),
            topic,
            group,
            buffer_max: 10_000,
            consumer: OnceLock::new(),
            reader: Mutex::new(()),
            shared: Arc::default(),
            settled: Notify::new(),
            refreshed: std::sync::Mutex::new(std::time::Instant::now()),
        };
        source.config()?;
        Ok(source)
    }

    /// This source, naming its client `id` (`client.id`; the group's member list shows it), such
    /// as the worker's name.
    #[must_use]
    pub fn with_client_id(mut self, id: impl Into<String>) -> Self {
        self.options.push(("client.id".to_owned(), id.into()));
        self
    }

    /// This source with one more librdkafka consumer setting, such as `session.timeout.ms`;
    /// checked now. Leave `enable.auto.commit` off: the source commits what is done itself.
    pub fn with_option(mut self, key: &str, value: &str) -> Result<Self> {
        self.options.push((key.to_owned(), value.to_owned()));
        self.config()?;
        Ok(self)
    }

    /// What the errors of this source name: the topic, group and brokers.
    pub(super) fn describe(&self, what: &str) -> String {
        format!(
            "{what} of topic `{}` (group `{}`, brokers {})",
            self.topic, self.group, self.brokers
        )
    }

    fn config(&self) -> Result<rdkafka::ClientConfig> {
        client_config(&self.brokers, &self.options, &self.describe("consumer"))
    }

    /// The consumer, made and subscribed on the first call.
    fn consumer(&self) -> Result<Arc<Inner>> {
        if let Some(consumer) = self.consumer.get() {
            return Ok(Arc::clone(consumer));
        }
        let context = Context {
            name: self.name.clone(),
            shared: Arc::clone(&self.shared),
        };
        let consumer: Inner = self
            .config()?
            .create_with_context(context)
            .map_err(|err| unavailable(&self.describe("consumer"), err))?;
        consumer
            .subscribe(&[&self.topic])
            .map_err(|err| unavailable(&self.describe("subscription"), err))?;
        Ok(Arc::clone(self.consumer.get_or_init(|| Arc::new(consumer))))
    }

    fn hold(&self, message: &BorrowedMessage<'_>) {
        let (topic, partition, offset) = (message.topic(), message.partition(), message.offset());
        let payload = message.payload().unwrap_or_default().to_vec();
        let received = Received {
            offset,
            millis: message.timestamp().to_millis(),
            message: Message::new(message_id(topic, partition, offset), payload),
        };
        self.shared
            .partitions()
            .receive((topic.to_owned(), partition), received);
    }

    /// A batch of one free partition: what is buffered, else what comes within `wait`; empty
    /// when nothing came or every partition with messages has a batch in flight.
    async fn next_batch(&self, max: usize, wait: Duration) -> Result<Vec<Message>> {
        let _reader = self.reader.lock().await;
        let consumer = self.consumer()?;
        let uncommitted = if self.refresh_due() {
            self.shared.partitions().commit_points()
        } else {
            self.shared.partitions().uncommitted()
        };
        if !uncommitted.is_empty() {
            self.commit(&uncommitted);
        }
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let (batch, buffered) = {
                let mut partitions = self.shared.partitions();
                (partitions.take_batch(max), partitions.buffered())
            };
            if !batch.is_empty() {
                return Ok(batch);
            }
            // A full buffer receives no more until a partition is free: that is the backpressure.
            let settled = std::pin::pin!(self.settled.notified());
            let recv = std::pin::pin!(consumer.recv());
            let next = async {
                if buffered >= self.buffer_max {
                    settled.await;
                    return None;
                }
                match futures::future::select(settled, recv).await {
                    Either::Left(((), _)) => None,
                    Either::Right((received, _)) => Some(received),
                }
            };
            let Ok(next) = tokio::time::timeout_at(deadline, next).await else {
                return Ok(Vec::new());
            };
            match next {
                None => {}
                Some(Err(err)) => return Err(unavailable(&self.describe("fetch"), err)),
                Some(Ok(message)) => {
                    self.hold(&message);
                    drop(message);
                    // Take what librdkafka already has, without waiting, to fill the batch.
                    for _ in 1..max {
                        match consumer.recv().now_or_never() {
                            Some(Ok(message)) => self.hold(&message),
                            _ => break,
                        }
                    }
                }
            }
        }
    }

    /// `(topic, partition)` and offset of each id this source made; others are skipped.
    fn offsets(ids: &[MessageId]) -> Vec<((String, i32), i64)> {
        ids.iter()
            .filter_map(|id| parse_id(id.as_text()?))
            .map(|(topic, partition, offset)| ((topic, partition), offset))
            .collect()
    }
}

impl Source for KafkaSource {
    fn name(&self) -> &str {
        &self.name
    }

    fn fetch(&self, max: usize, wait: Duration) -> BoxFuture<'_, Result<Option<Vec<Message>>>> {
        Box::pin(async move { self.next_batch(max, wait).await.map(Some) })
    }

    /// Marks the messages done and commits each partition's new commit point: the unbroken prefix
    /// of done offsets.
    fn ack<'a>(&'a self, ids: &'a [MessageId]) -> BoxFuture<'a, Result<()>> {
        let moved = self.shared.partitions().ack(Self::offsets(ids));
        self.settled.notify_one();
        if !moved.is_empty() {
            self.commit(&moved);
        }
        Box::pin(async { Ok(()) })
    }

    /// Seeks each partition back to its lowest released offset, so those messages and the ones
    /// after them come again. `after` does not apply: Kafka redelivers by position, not by time.
    fn release<'a>(&'a self, ids: &'a [MessageId], after: Duration) -> BoxFuture<'a, Result<()>> {
        let _ = after;
        let seeks = self.shared.partitions().release(Self::offsets(ids));
        self.settled.notify_one();
        Box::pin(async move {
            let Some(consumer) = self.consumer.get().cloned() else {
                return Ok(());
            };
            let describe = self.describe("seek");
            tokio::task::spawn_blocking(move || {
                for ((topic, partition), offset) in seeks {
                    consumer
                        .seek(
                            &topic,
                            partition,
                            Offset::Offset(offset),
                            Duration::from_secs(5),
                        )
                        .map_err(|err| unavailable(&describe, err))?;
                }
                Ok(())
            })
            .await
            .map_err(|err| Error::msg(format!("kafka seek task ended abnormally: {err}")))?
        })
    }

    fn lag(&self) -> BoxFuture<'_, Result<Option<Lag>>> {
        Box::pin(self.group_lag())
    }
}

impl std::fmt::Debug for KafkaSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaSource")
            .field("brokers", &self.brokers)
            .field("topic", &self.topic)
            .field("group", &self.group)
            .finish_non_exhaustive()
    }
}
