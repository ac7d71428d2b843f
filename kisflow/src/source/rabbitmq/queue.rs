//! [`RabbitSource`]: a queue consumed with manual acks.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures::StreamExt;
use futures::future::{BoxFuture, Either, select};
use lapin::message::Delivery;
use lapin::types::AMQPValue;
use tokio::sync::Mutex;

use super::server::Server;
use super::session::{Session, Setup};
use super::unavailable;
use crate::error::Result;
use crate::source::{Lag, Message, MessageId, Source};

/// The header a replayed message carries its replay count in, as the other backends name it.
const REPLAYS: &str = "kisflow-replays";

/// A RabbitMQ queue consumed with manual acks, as one of its competing consumers; see the
/// [module docs](super).
///
/// Message ids are [pairs](MessageId::pair) `<session>-<delivery tag>`, such as `1-42`: the
/// session counts this source's connections, so an id names the one channel its tag may be
/// settled on. Payloads are the client's own buffers, moved, not copied.
///
/// [`Message::deliveries`] is the queue's `x-delivery-count` plus one where the queue type keeps
/// it (quorum queues); elsewhere (classic queues) it is 1, or 2 for a message the server flags as
/// redelivered, so there a `max_deliveries` of the runner above 1 never fires.
///
/// ```no_run
/// # fn main() -> kisflow::Result<()> {
/// use kisflow::source::rabbitmq::RabbitSource;
///
/// let source = RabbitSource::new("amqp://guest:guest@127.0.0.1:5672/%2f", "orders")?
///     .with_prefetch(400)
///     .with_consumer_tag("worker-1");
/// # Ok(())
/// # }
/// ```
pub struct RabbitSource {
    name: String,
    /// The server and the queue, for messages.
    place: String,
    server: Server,
    queue: String,
    prefetch: u16,
    passive: bool,
    tag: String,
    /// The live session, made on the first fetch and again after it broke.
    session: Mutex<Option<Arc<Session>>>,
    sessions: AtomicU64,
}

impl RabbitSource {
    /// Consumes `queue` at the RabbitMQ server `addr` (`host:port`, as `guest`/`guest` on the
    /// vhost `/`, or an `amqp://user:password@host:port/vhost` URL). Connecting waits for the
    /// first fetch, so a server that is down is retried, not fatal.
    ///
    /// ```
    /// use kisflow::source::Source;
    /// use kisflow::source::rabbitmq::RabbitSource;
    ///
    /// let source = RabbitSource::new("127.0.0.1:5672", "scores").unwrap();
    /// assert_eq!(source.name(), "rabbitmq:scores");
    /// let err = RabbitSource::new("http://127.0.0.1", "scores").unwrap_err();
    /// assert!(err.to_string().contains("is not a RabbitMQ address"));
    /// ```
    pub fn new(addr: &str, queue: impl Into<String>) -> Result<Self> {
        let server = Server::parse(addr)?;
        let queue = queue.into();
        Ok(Self {
            name: format!("rabbitmq:{queue}"),
            place: format!("{} queue `{queue}`", server.shown()),
            server,
            queue,
            prefetch: 100,
            passive: false,
            tag: format!("kisflow-{}", std::process::id()),
            session: Mutex::new(None),
            sessions: AtomicU64::new(0),
        })
    }

    /// This source with a prefetch of `n` (default 100, at most 65,535, at least 1): the server
    /// sends at most that many messages this worker has not acked. Give it the runner's
    /// concurrency × batch size, so every instance can fill its batch.
    ///
    /// ```
    /// # use kisflow::source::rabbitmq::RabbitSource;
    /// let source = RabbitSource::new("127.0.0.1:5672", "scores").unwrap().with_prefetch(4 * 100);
    /// assert!(format!("{source:?}").contains("prefetch: 400"));
    /// ```
    #[must_use]
    pub fn with_prefetch(mut self, n: usize) -> Self {
        self.prefetch = u16::try_from(n.max(1)).unwrap_or(u16::MAX);
        self
    }

    /// This source, consuming as `tag` (default `kisflow-<pid>`): the consumer tag and the
    /// connection's name in the server's lists.
    ///
    /// ```
    /// # use kisflow::source::rabbitmq::RabbitSource;
    /// let source = RabbitSource::new("127.0.0.1:5672", "scores").unwrap().with_consumer_tag("w1");
    /// assert!(format!("{source:?}").contains(r#"tag: "w1""#));
    /// ```
    #[must_use]
    pub fn with_consumer_tag(mut self, tag: impl Into<String>) -> Self {
        self.tag = tag.into();
        self
    }

    /// This source, only using a queue that exists: a missing one is an error naming it, where by
    /// default it would be declared durable.
    ///
    /// ```
    /// # use kisflow::source::rabbitmq::RabbitSource;
    /// let source = RabbitSource::new("127.0.0.1:5672", "scores").unwrap().passive();
    /// assert!(format!("{source:?}").contains("passive: true"));
    /// ```
    #[must_use]
    pub fn passive(mut self) -> Self {
        self.passive = true;
        self
    }

    /// The server and the queue, for messages.
    pub(super) fn place(&self) -> &str {
        &self.place
    }

    /// The queue consumed.
    pub(super) fn queue_name(&self) -> &str {
        &self.queue
    }

    /// The live session, made when there is none or the last one broke.
    pub(super) async fn session(&self) -> Result<Arc<Session>> {
        let mut guard = self.session.lock().await;
        if let Some(session) = guard.as_ref() {
            if session.alive() {
                return Ok(Arc::clone(session));
            }
            tracing::warn!(source = %self.name, session = session.number, "the connection to RabbitMQ dropped; reconnecting");
            session.close().await;
            *guard = None;
        }
        let number = self.sessions.fetch_add(1, Ordering::Relaxed) + 1;
        let setup = Setup {
            server: &self.server,
            queue: &self.queue,
            passive: self.passive,
            prefetch: self.prefetch,
            tag: &self.tag,
            place: &self.place,
        };
        let session = Arc::new(Session::open(&setup, number).await?);
        *guard = Some(Arc::clone(&session));
        Ok(session)
    }

    /// The live session, if it is `number`.
    pub(super) async fn current(&self, number: u64) -> Option<Arc<Session>> {
        let guard = self.session.lock().await;
        guard.as_ref().filter(|s| s.number == number).cloned()
    }

    /// Forgets session `number` after it failed, closing it so its messages go back at once.
    pub(super) async fn drop_session(&self, number: u64) {
        let mut guard = self.session.lock().await;
        if let Some(session) = guard.take_if(|s| s.number == number) {
            session.close().await;
        }
    }

    /// Up to `max` deliveries, waiting at most `wait` after the first call for more.
    async fn gather(&self, max: usize, wait: Duration) -> Result<Vec<Message>> {
        let session = self.session().await?;
        // One timer for the batch, looked at only while no delivery is ready: a `timeout_at` per
        // delivery made and dropped a timer each time.
        let mut expired = std::pin::pin!(tokio::time::sleep(wait));
        let mut consumer = session.consumer.lock().await;
        // Each delivery becomes a message as it comes: a `Delivery` (its properties inline) is
        // several hundred bytes, and gathering them first copied each twice more.
        let mut messages = Vec::with_capacity(max.min(1024));
        while messages.len() < max {
            let Either::Left((next, _)) = select(consumer.next(), expired.as_mut()).await else {
                break;
            };
            let failure = match next {
                Some(Ok(delivery)) => {
                    messages.push(convert(session.number, delivery));
                    continue;
                }
                Some(Err(err)) => err.to_string(),
                None => "the server cancelled the consumer (queue deleted?)".to_owned(),
            };
            // What this batch got is dropped: its channel is gone, the server delivers it again.
            drop(consumer);
            self.drop_session(session.number).await;
            return Err(unavailable(&self.place, "consume", failure));
        }
        drop(consumer);
        let tags = messages
            .iter()
            .filter_map(|m| m.id.as_pair().map(|(_, tag)| tag));
        session.held.hold(tags);
        Ok(messages)
    }
}

/// A delivery of session `session` as kisflow's message.
fn convert(session: u64, delivery: Delivery) -> Message {
    let header = |name: &str| {
        let headers = delivery.properties.headers().as_ref()?;
        match headers.inner().get(name)? {
            AMQPValue::LongLongInt(n) => u32::try_from(*n).ok(),
            AMQPValue::LongInt(n) => u32::try_from(*n).ok(),
            AMQPValue::LongUInt(n) => Some(*n),
            AMQPValue::LongString(s) => std::str::from_utf8(s.as_bytes()).ok()?.parse().ok(),
            _ => None,
        }
    };
    let deliveries = match header("x-delivery-count") {
        Some(before) => before.saturating_add(1),
        None if delivery.redelivered => 2,
        None => 1,
    };
    let replays = header(REPLAYS).unwrap_or(0);
    let id = MessageId::pair(session, delivery.delivery_tag);
    let mut message = Message::new(id, delivery.data);
    message.deliveries = deliveries;
    message.replays = replays;
    message
}

impl Source for RabbitSource {
    fn name(&self) -> &str {
        &self.name
    }

    fn fetch(&self, max: usize, wait: Duration) -> BoxFuture<'_, Result<Option<Vec<Message>>>> {
        Box::pin(async move { self.gather(max.max(1), wait).await.map(Some) })
    }

    fn ack<'a>(&'a self, ids: &'a [MessageId]) -> BoxFuture<'a, Result<()>> {
        Box::pin(self.settle(ids, None))
    }

    /// A nack with requeue, sent after `after` (RabbitMQ has no delayed nack): until then the
    /// messages count against the prefetch, which slows the worker down while its flow fails.
    fn release<'a>(&'a self, ids: &'a [MessageId], after: Duration) -> BoxFuture<'a, Result<()>> {
        Box::pin(self.settle(ids, Some(after)))
    }

    fn lag(&self) -> BoxFuture<'_, Result<Option<Lag>>> {
        Box::pin(self.queue_lag())
    }
}

impl std::fmt::Debug for RabbitSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RabbitSource")
            .field("place", &self.place)
            .field("prefetch", &self.prefetch)
            .field("passive", &self.passive)
            .field("tag", &self.tag)
            .finish_non_exhaustive()
    }
}
