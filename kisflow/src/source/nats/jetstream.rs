//! [`JetStreamSource`]: a stream pulled through a durable consumer.

use std::time::{Duration, Instant};

use async_nats::jetstream::consumer::{AckPolicy, PullConsumer, pull};
use async_nats::jetstream::{self, AckKind, stream};
use async_nats::{Client, ServerAddr, Subject};
use futures::StreamExt;
use futures::future::{BoxFuture, Either, select};
use tokio::sync::Mutex;

use super::ack_subject;
use super::held::Held;
use super::{connect, server_addr, unavailable};
use crate::error::Result;
use crate::source::{Message, MessageId, Source};

/// A JetStream stream pulled through a durable consumer, as one of its workers; see the [module
/// docs](super).
///
/// Message ids are stream sequences ([`MessageId::number`]); payloads stay in the client's
/// buffer. The source keeps each fetched message's ack subject until the runner acks it; a
/// message delivered again replaces its older delivery.
///
/// ```no_run
/// # fn main() -> kisflow::Result<()> {
/// use std::time::Duration;
/// use kisflow::source::nats::JetStreamSource;
///
/// let source = JetStreamSource::new("127.0.0.1:4222", "orders", "billing")?
///     .with_ack_wait(Duration::from_secs(60))
///     .with_max_deliver(20)
///     .with_client_name("worker-1");
/// # Ok(())
/// # }
/// ```
pub struct JetStreamSource {
    name: String,
    addr: ServerAddr,
    stream: String,
    durable: String,
    ack_wait: Duration,
    max_deliver: i64,
    client_name: Option<String>,
    /// The client, made on the first fetch; it reconnects by itself after that.
    client: Mutex<Option<Client>>,
    /// The consumer, looked up (or made) again after a fetch failed.
    consumer: Mutex<Option<PullConsumer>>,
    /// Ack subjects of the messages fetched and not yet acked.
    pub(super) held: Held,
}

impl JetStreamSource {
    /// Pulls `stream` through the durable consumer `durable` at the NATS server `addr`
    /// (`host:port` or `nats://host:port`). A missing stream is made with the one subject
    /// `stream` (file storage), a missing consumer with the settings below; an existing consumer
    /// is used as it is. Connecting waits for the first fetch, so a server that is down is
    /// retried, not fatal.
    pub fn new(addr: &str, stream: impl Into<String>, durable: impl Into<String>) -> Result<Self> {
        let (stream, durable) = (stream.into(), durable.into());
        Ok(Self {
            name: format!("nats:{stream}/{durable}"),
            addr: server_addr(addr)?,
            stream,
            durable,
            ack_wait: Duration::from_secs(30),
            max_deliver: -1,
            client_name: None,
            client: Mutex::new(None),
            consumer: Mutex::new(None),
            held: Held::default(),
        })
    }

    /// This source, making its consumer with `ack_wait` (default 30 s): a message not acked
    /// that long after its delivery is delivered again. Make it longer than a batch takes,
    /// retries included.
    #[must_use]
    pub fn with_ack_wait(mut self, ack_wait: Duration) -> Self {
        self.ack_wait = ack_wait;
        self
    }

    /// This source, making its consumer with `max_deliver` (default unlimited): the server stops
    /// delivering a message after that many deliveries. Leave it above the runner's attempts,
    /// so the runner dead-letters a message before the server drops it.
    #[must_use]
    pub fn with_max_deliver(mut self, max_deliver: u32) -> Self {
        self.max_deliver = i64::from(max_deliver);
        self
    }

    /// This source, connecting as `name` (the server's connection lists show it), such as the
    /// worker's name. Several workers share the durable consumer whatever their names.
    #[must_use]
    pub fn with_client_name(mut self, name: impl Into<String>) -> Self {
        self.client_name = Some(name.into());
        self
    }

    pub(super) fn stream_name(&self) -> &str {
        &self.stream
    }

    pub(super) async fn connected_client(&self) -> Result<Client> {
        self.client().await
    }

    pub(super) async fn pull_consumer(&self) -> Result<PullConsumer> {
        self.consumer().await
    }

    async fn client(&self) -> Result<Client> {
        let mut guard = self.client.lock().await;
        if let Some(client) = guard.as_ref() {
            return Ok(client.clone());
        }
        let client = connect(&self.addr, self.client_name.as_deref()).await?;
        *guard = Some(client.clone());
        Ok(client)
    }

    /// The consumer, with its stream, made when missing.
    async fn consumer(&self) -> Result<PullConsumer> {
        let mut guard = self.consumer.lock().await;
        if let Some(consumer) = guard.as_ref() {
            return Ok(consumer.clone());
        }
        let context = jetstream::new(self.client().await?);
        let stream = context
            .get_or_create_stream(stream::Config {
                name: self.stream.clone(),
                subjects: vec![self.stream.clone()],
                ..stream::Config::default()
            })
            .await
            .map_err(|err| unavailable(&format!("stream `{}`", self.stream), err))?;
        let config = pull::Config {
            durable_name: Some(self.durable.clone()),
            ack_policy: AckPolicy::Explicit,
            ack_wait: self.ack_wait,
            max_deliver: self.max_deliver,
            ..pull::Config::default()
        };
        let consumer = stream
            .get_or_create_consumer(&self.durable, config)
            .await
            .map_err(|err| unavailable(&format!("consumer `{}`", self.durable), err))?;
        *guard = Some(consumer.clone());
        Ok(consumer)
    }

    async fn pull(&self, max: usize, wait: Duration) -> Result<Vec<Message>> {
        let client = self.client().await?;
        if client.connection_state() != async_nats::connection::State::Connected {
            return Err(unavailable(
                "fetch",
                "disconnected from the server; reconnecting",
            ));
        }
        let consumer = self.consumer().await?;
        let mut batch = match consumer
            .batch()
            .max_messages(max)
            .expires(wait.max(Duration::from_millis(10)))
            .messages()
            .await
        {
            Ok(batch) => batch,
            Err(err) => {
                *self.consumer.lock().await = None;
                return Err(unavailable("fetch", err));
            }
        };
        // The server ends the batch after `wait`; this deadline covers a server that went away.
        // One timer for the batch, looked at only while no message is ready: a `timeout_at` per
        // message made and dropped a timer each time.
        let deadline = tokio::time::Instant::now() + wait + Duration::from_secs(2);
        let mut expired = std::pin::pin!(tokio::time::sleep_until(deadline));
        let (mut messages, mut replies) = (Vec::with_capacity(max), Vec::with_capacity(max));
        while let Either::Left((Some(next), _)) = select(batch.next(), expired.as_mut()).await {
            match next {
                Ok(message) => {
                    if let Some((sequence, reply, message)) = self.convert(message) {
                        replies.push((sequence, reply));
                        messages.push(message);
                    }
                }
                // What came before the error is delivered; the rest comes again after ack_wait.
                Err(err) if messages.is_empty() => {
                    *self.consumer.lock().await = None;
                    return Err(unavailable("fetch", err));
                }
                Err(_) => break,
            }
        }
        self.held.hold(replies, Instant::now());
        Ok(messages)
    }

    /// The message as kisflow's, with its stream sequence and ack subject to hold.
    fn convert(&self, message: jetstream::Message) -> Option<(u64, Subject, Message)> {
        let numbers = message
            .reply
            .as_deref()
            .and_then(ack_subject::sequence_and_deliveries);
        let Some((sequence, deliveries)) = numbers else {
            tracing::error!(source = %self.name, subject = %message.subject, "a pulled message has no ack subject; skipped");
            return None;
        };
        // Set by a replay from the dead letters (`JetStreamDeadLetters::replay`).
        let replays = message
            .headers
            .as_ref()
            .and_then(|h| h.get(super::store::REPLAYS))
            .and_then(|v| v.as_str().parse().ok())
            .unwrap_or(0);
        // The message itself, without its JetStream context (a client handle, dropped at once).
        let message = message.message;
        let reply = message.reply?;
        let mut held = Message::new(MessageId::number(sequence), message.payload);
        held.deliveries = u32::try_from(deliveries).unwrap_or(u32::MAX).max(1);
        held.replays = replays;
        Some((sequence, reply, held))
    }

    /// Forgets messages held far longer than `ack_wait`: the server has delivered them again
    /// (or dropped them after `max_deliver`), so their old ack subjects only take memory.
    fn forget_stale(&self) {
        self.held
            .forget_older_than((self.ack_wait * 10).max(Duration::from_secs(600)));
    }
}

impl Source for JetStreamSource {
    fn name(&self) -> &str {
        &self.name
    }

    fn fetch(&self, max: usize, wait: Duration) -> BoxFuture<'_, Result<Option<Vec<Message>>>> {
        Box::pin(async move {
            self.forget_stale();
            self.pull(max, wait).await.map(Some)
        })
    }

    fn progress_every(&self) -> Option<Duration> {
        Some(self.ack_wait / 2)
    }

    /// `+WPI` to each message's ack subject: the server restarts its ack wait.
    fn in_progress<'a>(&'a self, ids: &'a [MessageId]) -> BoxFuture<'a, Result<()>> {
        Box::pin(self.answer(ids, AckKind::Progress, "progress"))
    }

    fn lag(&self) -> BoxFuture<'_, Result<Option<crate::source::Lag>>> {
        Box::pin(self.consumer_lag())
    }

    /// A nak with a delay (`-NAK {"delay": …}`): the server delivers them again after `after`,
    /// not at once, which a plain nak would do and so loop hot.
    fn release<'a>(&'a self, ids: &'a [MessageId], after: Duration) -> BoxFuture<'a, Result<()>> {
        Box::pin(self.answer(ids, AckKind::Nak(Some(after)), "nak"))
    }

    /// Publishes `+ACK` to each message's ack subject, then flushes, so the acks reached the
    /// server when this returns. An id this source does not hold is skipped with a warning.
    fn ack<'a>(&'a self, ids: &'a [MessageId]) -> BoxFuture<'a, Result<()>> {
        Box::pin(self.answer(ids, AckKind::Ack, "ack"))
    }
}

impl std::fmt::Debug for JetStreamSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JetStreamSource")
            .field("stream", &self.stream)
            .field("durable", &self.durable)
            .field("ack_wait", &self.ack_wait)
            .field("max_deliver", &self.max_deliver)
            .finish_non_exhaustive()
    }
}
