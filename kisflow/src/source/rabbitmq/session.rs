//! One live consumer of a queue: its connection, its channel, its consumer and the delivery tags
//! it handed out. A source makes a new session after the old one broke; the sessions are
//! numbered, and a message id carries its session's number, so a tag is only ever settled on the
//! channel that delivered it.

use lapin::options::{BasicConsumeOptions, BasicQosOptions, QueueDeclareOptions};
use lapin::types::FieldTable;
use lapin::{Channel, Connection, Consumer};
use tokio::sync::Mutex;

use super::held::Held;
use super::server::{Server, not_found};
use super::unavailable;
use crate::error::{Error, Result};

/// What a session is made with.
pub(super) struct Setup<'a> {
    pub(super) server: &'a Server,
    pub(super) queue: &'a str,
    /// Only use an existing queue.
    pub(super) passive: bool,
    pub(super) prefetch: u16,
    /// The consumer tag and the connection's name.
    pub(super) tag: &'a str,
    /// The server and the queue, for messages.
    pub(super) place: &'a str,
}

/// A connection with one channel consuming the queue.
pub(super) struct Session {
    /// This session's number in its source, from 1.
    pub(super) number: u64,
    pub(super) connection: Connection,
    pub(super) channel: Channel,
    /// Fetches take turns: one gathers a batch at a time.
    pub(super) consumer: Mutex<Consumer>,
    pub(super) held: Held,
    /// Taken from taking tags out of `held` until their frames are sent: a `multiple` frame
    /// planned after another one must not reach the server before it, or it acks that one's tags
    /// and the server closes the channel on the second frame ("unknown delivery tag").
    pub(super) settling: Mutex<()>,
}

impl Session {
    /// Connects, sets the prefetch, makes sure the queue is there and starts consuming.
    pub(super) async fn open(setup: &Setup<'_>, number: u64) -> Result<Self> {
        let place = setup.place;
        let connection = setup.server.connect(setup.tag, place).await?;
        let opened = async {
            let channel = connection.create_channel().await?;
            channel
                .basic_qos(setup.prefetch, BasicQosOptions::default())
                .await?;
            Ok::<_, lapin::Error>(channel)
        };
        let channel = opened
            .await
            .map_err(|err| unavailable(place, "open a channel", err))?;
        let channel = declare(&connection, channel, setup).await?;
        let consumer = channel
            .basic_consume(
                setup.queue.into(),
                setup.tag.into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await
            .map_err(|err| unavailable(place, "basic.consume", err))?;
        Ok(Self {
            number,
            connection,
            channel,
            consumer: Mutex::new(consumer),
            held: Held::default(),
            settling: Mutex::new(()),
        })
    }

    /// Whether the connection and the channel still work.
    pub(super) fn alive(&self) -> bool {
        self.connection.status().connected() && self.channel.status().connected()
    }

    /// Closes the connection, so the server puts this session's unacked messages back at once;
    /// a server that does not answer the close is not waited for past 2 s.
    pub(super) async fn close(&self) {
        if self.connection.status().connected() {
            let closing = self.connection.close(200, "kisflow reconnects".into());
            let _ = tokio::time::timeout(std::time::Duration::from_secs(2), closing).await;
        }
    }
}

/// Checks the queue with a passive declare; a missing one is declared durable unless `passive`.
/// A failed declare closes its channel, so the consuming channel is made again after it.
async fn declare(connection: &Connection, channel: Channel, setup: &Setup<'_>) -> Result<Channel> {
    let options = QueueDeclareOptions {
        passive: true,
        ..QueueDeclareOptions::default()
    };
    let checked = channel
        .queue_declare(setup.queue.into(), options, FieldTable::default())
        .await;
    match checked {
        Ok(_) => Ok(channel),
        Err(err) if not_found(&err) && setup.passive => Err(Error::ConnectorConfig {
            connector: format!("rabbitmq {}", setup.place),
            reason: format!(
                "queue `{}` does not exist on {}; declare it, or let the source declare it (drop \
                 `passive`)",
                setup.queue,
                setup.server.shown()
            ),
        }),
        Err(err) if not_found(&err) => {
            let made = async {
                let channel = connection.create_channel().await?;
                channel
                    .basic_qos(setup.prefetch, BasicQosOptions::default())
                    .await?;
                channel
                    .queue_declare(
                        setup.queue.into(),
                        QueueDeclareOptions::durable(),
                        FieldTable::default(),
                    )
                    .await?;
                Ok::<_, lapin::Error>(channel)
            };
            made.await
                .map_err(|err| unavailable(setup.place, "queue.declare", err))
        }
        Err(err) => Err(unavailable(setup.place, "queue.declare (passive)", err)),
    }
}
