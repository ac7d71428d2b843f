//! Settling held messages: acks, and nacks with requeue after a delay.

use std::sync::Arc;
use std::time::Duration;

use lapin::options::{BasicAckOptions, BasicNackOptions};

use super::held::Plan;
use super::queue::RabbitSource;
use super::session::Session;
use super::unavailable;
use crate::error::Result;
use crate::source::{MessageId, Source};

impl RabbitSource {
    /// Acks `ids` (`requeue_after` is `None`), or nacks them with requeue after the delay. Ids of
    /// an earlier session are skipped with a warning: their channel is closed, and the server
    /// delivers those messages again.
    pub(super) async fn settle(
        &self,
        ids: &[MessageId],
        requeue_after: Option<Duration>,
    ) -> Result<()> {
        let mut by_session: Vec<(u64, Vec<u64>)> = Vec::new();
        let mut foreign = 0;
        for id in ids {
            // Not an id of this source's making: no channel to settle it on.
            let Some((session, tag)) = id.as_pair() else {
                foreign += 1;
                continue;
            };
            match by_session.iter_mut().find(|(s, _)| *s == session) {
                Some((_, tags)) => tags.push(tag),
                None => by_session.push((session, vec![tag])),
            }
        }
        let mut stale = foreign;
        for (number, tags) in by_session {
            let Some(session) = self.current(number).await else {
                stale += tags.len();
                continue;
            };
            match requeue_after {
                None => {
                    let _settling = session.settling.lock().await;
                    let (plan, unknown) = session.held.take(&tags);
                    stale += unknown;
                    if let Err(err) = ack(&session, plan).await {
                        self.drop_session(number).await;
                        return Err(unavailable(self.place(), "basic.ack", err));
                    }
                }
                Some(after) => {
                    let name = self.name().to_owned();
                    tokio::spawn(nack_later(session, tags, after, name));
                }
            }
        }
        if stale > 0 {
            tracing::warn!(
                source = %self.name(),
                messages = stale,
                "messages of a closed channel are not settled; the server delivers them again"
            );
        }
        Ok(())
    }
}

/// Sends the acks of `plan` on the session's channel.
async fn ack(session: &Session, plan: Plan) -> lapin::Result<()> {
    if let Some(tag) = plan.up_to {
        session
            .channel
            .basic_ack(tag, BasicAckOptions { multiple: true })
            .await?;
    }
    for tag in plan.singles {
        session
            .channel
            .basic_ack(tag, BasicAckOptions::default())
            .await?;
    }
    Ok(())
}

/// Waits `after`, then nacks `tags` with requeue, unless their channel closed meanwhile (which put
/// them back already). Until then they stay held, so no `multiple` frame covers them.
async fn nack_later(session: Arc<Session>, tags: Vec<u64>, after: Duration, source: String) {
    tokio::time::sleep(after).await;
    if !session.alive() {
        return;
    }
    let _settling = session.settling.lock().await;
    let (plan, _) = session.held.take(&tags);
    let nack = |tag, multiple| {
        let options = BasicNackOptions {
            multiple,
            requeue: true,
        };
        session.channel.basic_nack(tag, options)
    };
    let mut sent = Ok(());
    if let Some(tag) = plan.up_to {
        sent = nack(tag, true).await;
    }
    for tag in plan.singles {
        if sent.is_err() {
            break;
        }
        sent = nack(tag, false).await;
    }
    if let Err(err) = sent {
        tracing::warn!(source, error = %err, "nack failed; the messages come back once the channel closes");
    }
}
