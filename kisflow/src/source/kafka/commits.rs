//! How a [`KafkaSource`] commits: without waiting after each ack that moves a commit point, again
//! when such a commit was refused, and every commit point every few seconds.

use std::time::Duration;

use rdkafka::consumer::{CommitMode, Consumer};
use rdkafka::{Offset, TopicPartitionList};

use super::consumer::KafkaSource;

/// How often a fetch commits every commit point again; see [`KafkaSource::refresh_due`].
const REFRESH_EVERY: Duration = Duration::from_secs(5);

impl KafkaSource {
    /// Whether every commit point is due to be committed again (each 5 s): a commit can be
    /// acknowledged and then overwritten by an older one that a revoked member sent during a
    /// rebalance, and an idle partition would keep that older offset for good.
    pub(super) fn refresh_due(&self) -> bool {
        let mut refreshed = self
            .refreshed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let due = refreshed.elapsed() >= REFRESH_EVERY;
        if due {
            *refreshed = std::time::Instant::now();
        }
        due
    }

    /// Commits these commit points without waiting; one refused now, or failed later (see the
    /// context's commit callback), is made again by the next fetch.
    pub(super) fn commit(&self, points: &[((String, i32), i64)]) {
        let Some(consumer) = self.consumer.get() else {
            return;
        };
        let mut list = TopicPartitionList::new();
        for ((topic, partition), offset) in points {
            let _ = list.add_partition_offset(topic, *partition, Offset::Offset(*offset));
        }
        if let Err(err) = consumer.commit(&list, CommitMode::Async) {
            // Refused before it was sent (a rebalance under way): the next fetch makes it again.
            tracing::debug!(source = %self.name, error = %err, "{} failed; the next fetch makes it again", self.describe("offset commit"));
            self.shared
                .partitions()
                .commit_failed(points.iter().cloned());
        }
    }
}
