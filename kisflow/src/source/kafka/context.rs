//! The consumer's librdkafka callbacks: commit and forget revoked partitions; librdkafka's logs
//! and client errors go to `tracing` (consumer errors come out of the fetch itself).

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use rdkafka::client::ClientContext;
use rdkafka::config::RDKafkaLogLevel;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance};
use rdkafka::error::KafkaError;
use rdkafka::{Offset, TopicPartitionList};

use super::partitions::Partitions;

/// What the consumer and its callbacks share.
#[derive(Debug, Default)]
pub(super) struct Shared {
    pub(super) partitions: Mutex<Partitions>,
}

impl Shared {
    pub(super) fn partitions(&self) -> MutexGuard<'_, Partitions> {
        self.partitions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// The consumer's context: the source's name for logs, and the shared state.
pub(super) struct Context {
    pub(super) name: String,
    pub(super) shared: Arc<Shared>,
}

impl ClientContext for Context {
    fn log(&self, level: RDKafkaLogLevel, facility: &str, message: &str) {
        match level {
            RDKafkaLogLevel::Emerg
            | RDKafkaLogLevel::Alert
            | RDKafkaLogLevel::Critical
            | RDKafkaLogLevel::Error
            | RDKafkaLogLevel::Warning => {
                tracing::warn!(source = %self.name, facility, "librdkafka: {message}");
            }
            _ => tracing::debug!(source = %self.name, facility, "librdkafka: {message}"),
        }
    }

    fn error(&self, error: KafkaError, reason: &str) {
        tracing::warn!(source = %self.name, %error, "kafka client error: {reason}");
    }
}

impl ConsumerContext for Context {
    /// Before partitions are revoked: commit what is done of them, synchronously, so their new
    /// owner starts right after it, and forget them (a batch of theirs still running is acked
    /// into nothing). Not waiting for those batches keeps the callback short, as librdkafka asks.
    fn pre_rebalance(&self, consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        let Rebalance::Revoke(revoked) = rebalance else {
            return;
        };
        let mut commit = TopicPartitionList::new();
        {
            let mut partitions = self.shared.partitions();
            for element in revoked.elements() {
                let key = (element.topic().to_owned(), element.partition());
                if let Some(point) = partitions.revoke(&key) {
                    let _ = commit.add_partition_offset(&key.0, key.1, Offset::Offset(point));
                }
            }
        }
        if commit.count() == 0 {
            return;
        }
        tracing::debug!(source = %self.name, partitions = commit.count(), "partitions revoked; committing what is done");
        if let Err(err) = consumer.commit(&commit, CommitMode::Sync) {
            tracing::warn!(source = %self.name, error = %err, "commit on revoke failed; the new owner runs again what was done since the last commit");
        }
    }

    /// The end of an asynchronous commit: a failed one (a rebalance in progress) is made again
    /// by the next fetch, so a partition that moves later does not go back further than needed.
    fn commit_callback(
        &self,
        result: rdkafka::error::KafkaResult<()>,
        offsets: &TopicPartitionList,
    ) {
        if let Err(err) = result {
            tracing::debug!(source = %self.name, error = %err, "offset commit failed; the next fetch makes it again");
            let failed = offsets
                .elements()
                .into_iter()
                .filter_map(|e| match e.offset() {
                    Offset::Offset(point) => Some(((e.topic().to_owned(), e.partition()), point)),
                    _ => None,
                });
            self.shared.partitions().commit_failed(failed);
        }
    }
}
