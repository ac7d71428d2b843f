//! [`RedisStreams`]: a stream read through a consumer group.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Client, Value};
use tokio::sync::Mutex;

use super::{reply, unavailable};
use crate::error::{Error, Result};
use crate::source::{Message, MessageId, Source};

/// A Redis stream read through a consumer group, as one consumer of it; see the [module
/// docs](super).
pub struct RedisStreams {
    name: String,
    client: Client,
    stream: String,
    group: String,
    consumer: String,
    field: String,
    claim_idle: Duration,
    /// The connection the blocking reads use, with where this consumer's own pending entries
    /// have been read up to (`None` once they are all read and new entries are next).
    reader: Mutex<Reader>,
    /// The connection for acks and claims, made again after an error.
    commands: Mutex<Option<MultiplexedConnection>>,
    /// The `XAUTOCLAIM` cursor and when the last claim ran.
    claim: Mutex<(String, Option<Instant>)>,
    /// Whether the group is known to exist; cleared when Redis says it does not (a server that
    /// restarted without its data).
    group_ready: AtomicBool,
}

struct Reader {
    connection: Option<MultiplexedConnection>,
    history: Option<String>,
}

impl RedisStreams {
    /// Reads `stream` through `group` as `consumer`, at the Redis of `url`
    /// (`redis://host:port/`). The group is made at id 0 (with the stream) when it is missing.
    /// Connecting waits for the first fetch, so a server that is down is retried, not fatal.
    pub fn new(
        url: &str,
        stream: impl Into<String>,
        group: impl Into<String>,
        consumer: impl Into<String>,
    ) -> Result<Self> {
        let client = Client::open(url).map_err(|err| Error::ConnectorConfig {
            connector: url.to_owned(),
            reason: format!("`{url}` is not a Redis address: {err}"),
        })?;
        let (stream, group, consumer) = (stream.into(), group.into(), consumer.into());
        Ok(Self {
            name: format!("redis:{stream}/{group}"),
            client,
            stream,
            group,
            consumer,
            field: "data".to_owned(),
            claim_idle: Duration::from_secs(5),
            reader: Mutex::new(Reader {
                connection: None,
                history: Some("0".to_owned()),
            }),
            commands: Mutex::new(None),
            claim: Mutex::new(("0-0".to_owned(), None)),
            group_ready: AtomicBool::new(false),
        })
    }

    /// This source, taking over entries that other consumers left pending longer than `idle`
    /// (default 5 s): the entries of a worker that died.
    #[must_use]
    pub fn with_claim_idle(mut self, idle: Duration) -> Self {
        self.claim_idle = idle;
        self
    }

    /// This source, reading each entry's payload from `field` (default `data`).
    #[must_use]
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = field.into();
        self
    }

    async fn connect(&self, response: Duration) -> Result<MultiplexedConnection> {
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(response));
        self.client
            .get_multiplexed_async_connection_with_config(&config)
            .await
            .map_err(|err| unavailable("connect", &err))
    }

    pub(super) fn stream(&self) -> &str {
        &self.stream
    }

    pub(super) fn group(&self) -> &str {
        &self.group
    }

    pub(super) async fn command(&self, cmd: &redis::Cmd, what: &str) -> Result<Value> {
        let mut guard = self.commands.lock().await;
        let mut connection = match guard.as_ref() {
            Some(connection) => connection.clone(),
            None => {
                let connection = self.connect(Duration::from_secs(10)).await?;
                *guard = Some(connection.clone());
                connection
            }
        };
        drop(guard);
        match cmd.query_async::<Value>(&mut connection).await {
            Ok(value) => Ok(value),
            Err(err) if err.code() == Some("BUSYGROUP") => Ok(Value::Okay),
            Err(err) => {
                if err.is_io_error() || err.is_connection_dropped() || err.is_timeout() {
                    *self.commands.lock().await = None;
                }
                if err.code() == Some("NOGROUP") {
                    self.group_ready.store(false, Ordering::Relaxed);
                }
                Err(unavailable(what, &err))
            }
        }
    }

    /// Entries other consumers left pending too long, when a claim is due.
    async fn claim(&self, max: usize) -> Result<Vec<Message>> {
        let mut claim = self.claim.lock().await;
        if claim
            .1
            .is_some_and(|last| last.elapsed() < self.claim_idle / 2)
        {
            return Ok(Vec::new());
        }
        let idle = u64::try_from(self.claim_idle.as_millis()).unwrap_or(u64::MAX);
        let mut cmd = redis::cmd("XAUTOCLAIM");
        cmd.arg(&self.stream)
            .arg(&self.group)
            .arg(&self.consumer)
            .arg(idle)
            .arg(&claim.0);
        cmd.arg("COUNT").arg(max);
        let reply = self.command(&cmd, "XAUTOCLAIM").await?;
        let (cursor, mut messages) = reply::auto_claim(reply, &self.field);
        // A cursor back at the start means one pass is done: wait before the next.
        if cursor == "0-0" || messages.is_empty() {
            claim.1 = Some(Instant::now());
        }
        claim.0 = cursor;
        if !messages.is_empty() {
            tracing::info!(source = %self.name, claimed = messages.len(), "took over entries left pending by another consumer");
            self.count_deliveries(&mut messages).await?;
        }
        Ok(messages)
    }

    /// Sets each message's delivery count to Redis's own, so a runner's `max_deliveries` can end
    /// a crash loop. A message no longer pending for this consumer is dropped: another instance
    /// of it acked it (after dead-lettering it, say) between the claim and this look, or another
    /// consumer took it over, so running it here would run it again.
    async fn count_deliveries(&self, messages: &mut Vec<Message>) -> Result<()> {
        let (Some(first), Some(last)) = (messages.first(), messages.last()) else {
            return Ok(());
        };
        let mut cmd = redis::cmd("XPENDING");
        cmd.arg(&self.stream)
            .arg(&self.group)
            .arg(&*text(&first.id))
            .arg(&*text(&last.id));
        cmd.arg(messages.len()).arg(&self.consumer);
        let counts = reply::delivery_counts(&self.command(&cmd, "XPENDING").await?);
        let before = messages.len();
        messages.retain_mut(|message| match counts.get(&*text(&message.id)) {
            Some(count) => {
                message.deliveries = *count;
                true
            }
            None => false,
        });
        if messages.len() < before {
            tracing::debug!(source = %self.name, dropped = before - messages.len(), "claimed entries no longer pending for this consumer are left to whoever has them");
        }
        Ok(())
    }

    async fn read(&self, max: usize, wait: Duration) -> Result<Vec<Message>> {
        let mut reader = self.reader.lock().await;
        let mut connection = match reader.connection.take() {
            Some(connection) => connection,
            None => self.connect(wait + Duration::from_secs(5)).await?,
        };
        let from = reader.history.clone().unwrap_or_else(|| ">".to_owned());
        let block = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX).max(1);
        let mut cmd = redis::cmd("XREADGROUP");
        cmd.arg("GROUP")
            .arg(&self.group)
            .arg(&self.consumer)
            .arg("COUNT")
            .arg(max);
        if reader.history.is_none() {
            cmd.arg("BLOCK").arg(block);
        }
        cmd.arg("STREAMS").arg(&self.stream).arg(&from);
        let reply = match cmd.query_async::<Value>(&mut connection).await {
            Ok(reply) => reply,
            Err(err) => {
                if err.code() == Some("NOGROUP") {
                    self.group_ready.store(false, Ordering::Relaxed);
                }
                return Err(unavailable("XREADGROUP", &err)); // the connection is dropped
            }
        };
        reader.connection = Some(connection);
        let mut messages = reply::read_group(reply, &self.field);
        if reader.history.is_some() {
            // This consumer's own entries, pending from before a restart: delivered before.
            reader.history = messages.last().map(|m| m.id.to_string());
            drop(reader);
            self.count_deliveries(&mut messages).await?;
        }
        Ok(messages)
    }

    /// Makes the group at id 0, with the stream, unless it is known to exist.
    async fn ensure_group(&self) -> Result<()> {
        if self.group_ready.load(Ordering::Relaxed) {
            return Ok(());
        }
        let mut cmd = redis::cmd("XGROUP");
        cmd.arg("CREATE")
            .arg(&self.stream)
            .arg(&self.group)
            .arg("0")
            .arg("MKSTREAM");
        self.command(&cmd, "XGROUP CREATE").await?;
        self.group_ready.store(true, Ordering::Relaxed);
        Ok(())
    }
}

impl Source for RedisStreams {
    fn name(&self) -> &str {
        &self.name
    }

    fn fetch(&self, max: usize, wait: Duration) -> BoxFuture<'_, Result<Option<Vec<Message>>>> {
        Box::pin(async move {
            self.ensure_group().await?;
            // This consumer's own pending entries are read first, before any claim: a claimed
            // entry joins them, and reading them after would deliver it twice.
            let recovering = self.reader.lock().await.history.is_some();
            if !recovering {
                let claimed = self.claim(max).await?;
                if !claimed.is_empty() {
                    return Ok(Some(claimed));
                }
            }
            self.read(max, wait).await.map(Some)
        })
    }

    fn lag(&self) -> BoxFuture<'_, Result<Option<crate::source::Lag>>> {
        Box::pin(self.group_lag())
    }

    fn ack<'a>(&'a self, ids: &'a [MessageId]) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let mut cmd = redis::cmd("XACK");
            cmd.arg(&self.stream).arg(&self.group);
            for id in ids {
                cmd.arg(&*text(id));
            }
            self.command(&cmd, "XACK").await.map(|_| ())
        })
    }
}

/// An id as Redis takes it: the entry id this source made it from, or, for an id made
/// elsewhere, its text.
fn text(id: &MessageId) -> std::borrow::Cow<'_, str> {
    id.as_text()
        .map_or_else(|| id.to_string().into(), std::borrow::Cow::Borrowed)
}

impl std::fmt::Debug for RedisStreams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStreams")
            .field("stream", &self.stream)
            .field("group", &self.group)
            .field("consumer", &self.consumer)
            .finish_non_exhaustive()
    }
}
