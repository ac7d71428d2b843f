//! [`DeadLetterStore`]: the dead letters of a YAML source, whichever backend keeps them; what
//! the `dlq` command and the dashboard read and replay.
// Without a backend that keeps letters, every source is refused and the methods are unreachable.
#![cfg_attr(
    not(any(feature = "redis", feature = "nats")),
    allow(unreachable_code, unused_variables, clippy::unused_async)
)]

use crate::config::SourceConfig;
use crate::error::{Error, Result};
use crate::source::{ReplayReport, StoredLetter};

/// Where a YAML `source` keeps its dead letters: a Redis stream (feature `redis`) or a JetStream
/// stream (feature `nats`), opened from the source's config.
///
/// ```
/// use kisflow::config::SourceConfig;
/// use kisflow::source::DeadLetterStore;
///
/// let source = SourceConfig::new("kafka", "127.0.0.1:9092", "scores", "printers");
/// let refused = DeadLetterStore::of(&source).unwrap_err();
/// assert!(refused.to_string().contains("does not read Kafka dead letters"));
/// ```
pub struct DeadLetterStore {
    kind: Kind,
    /// Where the letters are kept: the source's `dead_letters`.
    place: String,
    /// The source stream a replay sends letters back to.
    stream: String,
}

enum Kind {
    #[cfg(feature = "redis")]
    Redis(crate::source::redis::RedisDeadLetters),
    #[cfg(feature = "nats")]
    Nats(crate::source::nats::JetStreamDeadLetters),
}

impl std::fmt::Debug for DeadLetterStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeadLetterStore")
            .field("place", &self.place)
            .field("stream", &self.stream)
            .finish_non_exhaustive()
    }
}

impl DeadLetterStore {
    /// The store of `source`'s `dead_letters`, or why it cannot be read from here.
    pub fn of(source: &SourceConfig) -> Result<Self> {
        let refuse = |reason: String| Error::ConnectorConfig {
            connector: source.dead_letters.clone(),
            reason,
        };
        let kind = match source.source_type.as_str() {
            #[cfg(feature = "redis")]
            "redis" => Kind::Redis(crate::source::redis::RedisDeadLetters::new(
                &format!("redis://{}/", source.addrs),
                &source.dead_letters,
            )?),
            #[cfg(feature = "nats")]
            "nats" => Kind::Nats(
                crate::source::nats::JetStreamDeadLetters::new(
                    &source.addrs,
                    &source.dead_letters,
                )?
                .keeping(),
            ),
            "kafka" => {
                return Err(refuse(format!(
                    "kisflow does not read Kafka dead letters; read the topic `{}` with a Kafka \
                     consumer: each record is the payload, keyed by the message id, with the \
                     error in its headers",
                    source.dead_letters
                )));
            }
            "rabbitmq" => {
                // An exchange keeps nothing, and reading the bound queue would take the letters.
                return Err(refuse(format!(
                    "the RabbitMQ exchange `{0}` keeps no dead letters kisflow can read; read \
                     the queue `{0}` with RabbitMQ's tools (`rabbitmqadmin get queue={0}`) and \
                     publish them back to the queue `{1}` to replay them",
                    source.dead_letters, source.stream
                )));
            }
            other => {
                return Err(refuse(format!(
                    "this program's kisflow is built without the `{other}` feature, so it \
                     cannot read `{}`",
                    source.dead_letters
                )));
            }
        };
        Ok(Self {
            kind,
            place: source.dead_letters.clone(),
            stream: source.stream.clone(),
        })
    }

    /// Where the letters are kept: the Redis or JetStream stream the source's `dead_letters`
    /// names.
    #[must_use]
    pub fn place(&self) -> &str {
        &self.place
    }

    /// The source stream replays go back to.
    #[must_use]
    pub fn stream(&self) -> &str {
        &self.stream
    }

    /// The first `limit` letters, oldest first.
    #[cfg_attr(not(any(feature = "redis", feature = "nats")), allow(unused_variables))]
    pub async fn list(&self, limit: usize) -> Result<Vec<StoredLetter>> {
        match self.kind {
            #[cfg(feature = "redis")]
            Kind::Redis(ref dead) => dead.list(limit).await,
            #[cfg(feature = "nats")]
            Kind::Nats(ref dead) => dead.list(limit).await,
        }
    }

    /// The letter `id`, if the store holds it.
    #[cfg_attr(not(any(feature = "redis", feature = "nats")), allow(unused_variables))]
    pub async fn get(&self, id: &str) -> Result<Option<StoredLetter>> {
        match self.kind {
            #[cfg(feature = "redis")]
            Kind::Redis(ref dead) => dead.get(id).await,
            #[cfg(feature = "nats")]
            Kind::Nats(ref dead) => dead.get(id).await,
        }
    }

    /// Sends the letters `ids` names (or, with none, the oldest `limit`) back to the source
    /// stream; a letter replayed [`MAX_REPLAYS`](crate::source::MAX_REPLAYS) times stays dead,
    /// and a dry run changes nothing.
    #[cfg_attr(not(any(feature = "redis", feature = "nats")), allow(unused_variables))]
    pub async fn replay(
        &self,
        ids: &[String],
        limit: usize,
        dry_run: bool,
    ) -> Result<ReplayReport> {
        match self.kind {
            #[cfg(feature = "redis")]
            Kind::Redis(ref dead) => dead.replay(&self.stream, ids, limit, dry_run).await,
            #[cfg(feature = "nats")]
            Kind::Nats(ref dead) => dead.replay(&self.stream, ids, limit, dry_run).await,
        }
    }
}
