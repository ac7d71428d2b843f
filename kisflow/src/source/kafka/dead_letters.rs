//! [`KafkaDeadLetters`]: dead letters produced to a topic.

use futures::future::BoxFuture;
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord};

use super::{client_config, unavailable};
use crate::error::Result;
use crate::source::{DeadLetter, DeadLetterSink};

/// Dead letters produced to a Kafka topic (such as `orders.dlq`), one record each: the value is
/// the original payload byte for byte, the key is the message id (`topic/partition/offset`), and
/// the headers are `error`, `source_id`, `source`, `flow`, `function`, `kind`, `attempts`,
/// `replays` and `time` (milliseconds since the Unix epoch).
///
/// The producer waits for every in-sync replica (`acks=all`) and `send` returns only after each
/// letter was acknowledged, so the runner acks a message once its letter is stored. The topic
/// must exist, or the cluster must create topics on first use.
///
/// ```no_run
/// # fn main() -> kisflow::Result<()> {
/// let dead = kisflow::source::kafka::KafkaDeadLetters::new("127.0.0.1:9092", "orders.dlq")?;
/// assert_eq!(dead.topic(), "orders.dlq");
/// # Ok(())
/// # }
/// ```
pub struct KafkaDeadLetters {
    brokers: String,
    topic: String,
    producer: FutureProducer,
}

impl KafkaDeadLetters {
    /// Dead letters going to `topic` at the brokers `brokers` (`host:port`, several separated by
    /// commas). The producer connects in the background; a cluster that is down fails a send
    /// after librdkafka's `message.timeout.ms` (30 s here), and the runner tries again.
    pub fn new(brokers: &str, topic: impl Into<String>) -> Result<Self> {
        let topic = topic.into();
        let what = format!("dead-letter producer of topic `{topic}` (brokers {brokers})");
        let options = [("acks", "all"), ("message.timeout.ms", "30000")]
            .map(|(k, v)| (k.to_owned(), v.to_owned()));
        let producer = client_config(brokers, &options, &what)?
            .create()
            .map_err(|err| unavailable(&what, err))?;
        Ok(Self {
            brokers: brokers.to_owned(),
            topic,
            producer,
        })
    }

    /// The topic the letters go to.
    #[must_use]
    pub fn topic(&self) -> &str {
        &self.topic
    }

    fn describe(&self) -> String {
        format!(
            "produce of dead letters to topic `{}` (brokers {})",
            self.topic, self.brokers
        )
    }
}

/// The letter's fields as headers.
fn headers(letter: &DeadLetter) -> OwnedHeaders {
    let fields = letter.text_fields();
    fields.iter().fold(
        OwnedHeaders::new_with_capacity(fields.len()),
        |headers, (key, value)| {
            headers.insert(Header {
                key,
                value: Some(value.as_str()),
            })
        },
    )
}

impl DeadLetterSink for KafkaDeadLetters {
    /// Enqueues every letter, then waits for each acknowledgement: one round trip for the batch.
    fn send<'a>(&'a self, letters: &'a [DeadLetter]) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let mut deliveries = Vec::with_capacity(letters.len());
            for letter in letters {
                let record = FutureRecord::to(&self.topic)
                    .key(letter.message_id.as_str())
                    .payload(letter.payload.as_slice())
                    .headers(headers(letter));
                let delivery = self
                    .producer
                    .send_result(record)
                    .map_err(|(err, _)| unavailable(&self.describe(), err))?;
                deliveries.push(delivery);
            }
            for delivery in deliveries {
                delivery
                    .await
                    .map_err(|_| unavailable(&self.describe(), "the producer went away"))?
                    .map_err(|(err, _)| unavailable(&self.describe(), err))?;
            }
            Ok(())
        })
    }
}

impl std::fmt::Debug for KafkaDeadLetters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaDeadLetters")
            .field("brokers", &self.brokers)
            .field("topic", &self.topic)
            .finish_non_exhaustive()
    }
}
