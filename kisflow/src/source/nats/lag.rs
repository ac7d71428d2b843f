//! How far a durable consumer is behind its stream: its `num_pending` and `num_ack_pending`, and
//! the publish time of the first message past its ack floor for the age.

use std::time::{SystemTime, UNIX_EPOCH};

use async_nats::jetstream;

use super::jetstream::JetStreamSource;
use super::unavailable;
use crate::error::Result;
use crate::source::Lag;

impl JetStreamSource {
    /// The consumer's lag: messages not yet delivered plus delivered and not acked, and the age
    /// of the oldest of them.
    pub(super) async fn consumer_lag(&self) -> Result<Option<Lag>> {
        let mut consumer = self.pull_consumer().await?;
        let info = consumer
            .info()
            .await
            .map_err(|err| unavailable("consumer info", err))?
            .clone();
        let messages = info.num_pending + u64::try_from(info.num_ack_pending).unwrap_or(u64::MAX);
        if messages == 0 {
            return Ok(Some(Lag {
                messages,
                seconds: 0.0,
            }));
        }
        let context = jetstream::new(self.connected_client().await?);
        let stream = context
            .get_stream(self.stream_name())
            .await
            .map_err(|err| unavailable("stream info", err))?;
        // A message deleted from the stream has no time; the count is still right.
        let seconds = match stream
            .get_raw_message(info.ack_floor.stream_sequence + 1)
            .await
        {
            Ok(oldest) => age_seconds(oldest.time.unix_timestamp_nanos()),
            Err(_) => 0.0,
        };
        Ok(Some(Lag { messages, seconds }))
    }
}

/// Seconds since `published` (nanoseconds since the Unix epoch).
fn age_seconds(published: i128) -> f64 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i128::try_from(d.as_nanos()).unwrap_or(i128::MAX));
    #[allow(
        clippy::cast_precision_loss,
        reason = "an age in seconds needs no 53-bit precision"
    )]
    let age = (now - published).max(0) as f64 / 1.0e9;
    age
}
