//! Answers to the server about held messages: ack, in progress, nak with a delay.

use std::time::Duration;

use async_nats::jetstream::AckKind;

use super::held::Reply;
use super::jetstream::JetStreamSource;
use super::unavailable;
use crate::error::Result;
use crate::source::{MessageId, Source};

impl JetStreamSource {
    /// Publishes `kind` to the ack subject of each held message of `ids`, then flushes, so the
    /// answers reached the server when this returns. An ack or a nak settles its messages: they
    /// are no longer held, unless the answer failed. An id this source does not hold is skipped
    /// with a warning: the server delivers it again.
    pub(super) async fn answer(&self, ids: &[MessageId], kind: AckKind, what: &str) -> Result<()> {
        let settles = !matches!(kind, AckKind::Progress);
        let (replies, unknown) = if settles {
            self.held.take(ids)
        } else {
            self.held.peek(ids)
        };
        if unknown > 0 {
            tracing::warn!(
                source = %self.name(),
                unknown,
                "answers ({what}) for messages this source does not hold are skipped; the server \
                 delivers them again"
            );
        }
        if replies.is_empty() {
            return Ok(());
        }
        let sent = self.publish(&replies, kind, what).await;
        if sent.is_err() && settles {
            self.held.restore(replies);
        }
        sent
    }

    async fn publish(&self, replies: &[Reply], kind: AckKind, what: &str) -> Result<()> {
        let client = self.connected_client().await?;
        for (_, subject, _) in replies {
            client
                .publish(subject.clone(), kind.into())
                .await
                .map_err(|err| unavailable(what, err))?;
        }
        tokio::time::timeout(Duration::from_secs(5), client.flush())
            .await
            .map_err(|_| unavailable(what, "no flush within 5 s"))?
            .map_err(|err| unavailable(what, err))
    }
}
