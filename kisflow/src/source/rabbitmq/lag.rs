//! How far the consumers are behind their queue: the message count of a passive `queue.declare`,
//! one round trip on a channel of its own.

use lapin::options::QueueDeclareOptions;
use lapin::types::FieldTable;

use super::queue::RabbitSource;
use super::unavailable;
use crate::error::Result;
use crate::source::{Lag, Source};

impl RabbitSource {
    /// The queue's ready messages plus those this worker's runner holds unacked. Messages the
    /// server already pushed to a consumer that has not fetched them yet (at most the prefetch
    /// per worker) are in neither count. RabbitMQ does not tell the age of its oldest message,
    /// so `seconds` is 0.
    pub(super) async fn queue_lag(&self) -> Result<Option<Lag>> {
        let session = self.session().await?;
        let asked = async {
            // A channel of its own: a failed declare closes its channel, never the consumer's.
            let channel = session.connection.create_channel().await?;
            let options = QueueDeclareOptions {
                passive: true,
                ..QueueDeclareOptions::default()
            };
            let queue = channel
                .queue_declare(self.queue_name().into(), options, FieldTable::default())
                .await?;
            let _ = channel.close(200, "lag read".into()).await;
            Ok::<_, lapin::Error>(queue.message_count())
        };
        let ready = asked
            .await
            .map_err(|err| unavailable(self.place(), "queue.declare (passive) for the lag", err))?;
        let held = u64::try_from(session.held.len()).unwrap_or(u64::MAX);
        tracing::trace!(source = %self.name(), ready, held, "lag");
        Ok(Some(Lag {
            messages: u64::from(ready) + held,
            seconds: 0.0,
        }))
    }
}
