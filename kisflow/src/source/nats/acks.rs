//! Answers to the server about held messages: ack, in progress, nak with a delay.

use std::time::Duration;

use async_nats::Subject;
use async_nats::jetstream::AckKind;

use super::jetstream::JetStreamSource;
use super::unavailable;
use crate::error::Result;
use crate::source::Source;

impl JetStreamSource {
    /// Publishes `kind` to the ack subject of each held message of `ids`, then flushes, so the
    /// answers reached the server when this returns. An id this source does not hold is skipped
    /// with a warning: the server delivers it again.
    pub(super) async fn answer(&self, ids: &[String], kind: AckKind, what: &str) -> Result<()> {
        let replies: Vec<Subject> = {
            let held = self.held();
            ids.iter()
                .filter_map(|id| held.get(id).map(|(reply, _)| reply.clone()))
                .collect()
        };
        if replies.len() < ids.len() {
            tracing::warn!(
                source = %self.name(),
                unknown = ids.len() - replies.len(),
                "answers ({what}) for messages this source does not hold are skipped; the server \
                 delivers them again"
            );
        }
        if replies.is_empty() {
            return Ok(());
        }
        let client = self.connected_client().await?;
        for reply in replies {
            client
                .publish(reply, kind.into())
                .await
                .map_err(|err| unavailable(what, err))?;
        }
        tokio::time::timeout(Duration::from_secs(5), client.flush())
            .await
            .map_err(|_| unavailable(what, "no flush within 5 s"))?
            .map_err(|err| unavailable(what, err))
    }

    /// Stops holding `ids`: they were answered for good.
    pub(super) fn forget(&self, ids: &[String]) {
        let mut held = self.held();
        for id in ids {
            held.remove(id);
        }
    }
}
