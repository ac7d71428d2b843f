//! How far the group is behind on this member's partitions: high watermark minus committed
//! offset, summed, and the age of the oldest message this member holds.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rdkafka::Offset;
use rdkafka::consumer::Consumer;

use super::consumer::KafkaSource;
use super::unavailable;
use crate::error::{Error, Result};
use crate::source::Lag;

impl KafkaSource {
    /// The lag of the partitions assigned to this member; `None` before the first fetch made the
    /// consumer. A partition the group never committed counts from its low watermark.
    pub(super) async fn group_lag(&self) -> Result<Option<Lag>> {
        let Some(consumer) = self.consumer.get().cloned() else {
            return Ok(None);
        };
        let describe = self.describe("lag");
        // Watermarks and committed offsets are broker round trips that block: off the runtime.
        let messages = tokio::task::spawn_blocking(move || -> Result<u64> {
            let timeout = Duration::from_secs(5);
            let assigned = consumer
                .assignment()
                .map_err(|err| unavailable(&describe, err))?;
            let committed = consumer
                .committed_offsets(assigned, timeout)
                .map_err(|err| unavailable(&describe, err))?;
            let mut behind = 0u64;
            for element in committed.elements() {
                let (low, high) = consumer
                    .fetch_watermarks(element.topic(), element.partition(), timeout)
                    .map_err(|err| unavailable(&describe, err))?;
                let from = match element.offset() {
                    Offset::Offset(committed) => committed.max(low),
                    _ => low,
                };
                behind += u64::try_from(high - from).unwrap_or(0);
            }
            Ok(behind)
        })
        .await
        .map_err(|err| Error::msg(format!("kafka lag task ended abnormally: {err}")))??;
        let seconds = match self.shared.partitions().oldest_millis() {
            Some(millis) if messages > 0 => age_seconds(millis),
            _ => 0.0,
        };
        Ok(Some(Lag { messages, seconds }))
    }
}

/// Seconds since `millis` (milliseconds since the Unix epoch).
fn age_seconds(millis: i64) -> f64 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    #[allow(
        clippy::cast_precision_loss,
        reason = "an age in seconds needs no 53-bit precision"
    )]
    let age = (now - millis).max(0) as f64 / 1000.0;
    age
}
