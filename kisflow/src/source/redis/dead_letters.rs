//! [`RedisDeadLetters`]: dead letters as entries of a stream.

use std::time::{Duration, UNIX_EPOCH};

use futures::future::BoxFuture;
use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Client};
use tokio::sync::Mutex;

use super::unavailable;
use crate::error::{Error, Result};
use crate::source::{DeadLetter, DeadLetterSink};

/// Dead letters added to a Redis stream, one entry each, all of a batch in one `MULTI`/`EXEC`:
/// `data` holds the original payload byte for byte, then `error`, `source_id`, `source`, `flow`,
/// `function`, `kind`, `attempts`, `replays` and `time` (milliseconds since the Unix epoch).
/// [`list`](Self::list), [`get`](Self::get) and [`replay`](Self::replay) read them back.
pub struct RedisDeadLetters {
    client: Client,
    pub(super) stream: String,
    pub(super) connection: Mutex<Option<MultiplexedConnection>>,
}

impl RedisDeadLetters {
    /// Dead letters going to `stream` at the Redis of `url`; connecting waits for the first letter.
    pub fn new(url: &str, stream: impl Into<String>) -> Result<Self> {
        let client = Client::open(url).map_err(|err| Error::ConnectorConfig {
            connector: url.to_owned(),
            reason: format!("`{url}` is not a Redis address: {err}"),
        })?;
        Ok(Self {
            client,
            stream: stream.into(),
            connection: Mutex::new(None),
        })
    }

    /// The stream the letters go to.
    #[must_use]
    pub fn stream(&self) -> &str {
        &self.stream
    }

    pub(super) async fn connection(&self) -> Result<MultiplexedConnection> {
        let mut guard = self.connection.lock().await;
        if let Some(connection) = guard.as_ref() {
            return Ok(connection.clone());
        }
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(10)));
        let connection = self
            .client
            .get_multiplexed_async_connection_with_config(&config)
            .await
            .map_err(|err| unavailable("connect", &err))?;
        *guard = Some(connection.clone());
        Ok(connection)
    }
}

impl DeadLetterSink for RedisDeadLetters {
    fn send<'a>(&'a self, letters: &'a [DeadLetter]) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let mut pipe = redis::pipe();
            pipe.atomic();
            for letter in letters {
                let millis = letter
                    .time
                    .duration_since(UNIX_EPOCH)
                    .unwrap_or_default()
                    .as_millis();
                pipe.cmd("XADD")
                    .arg(&self.stream)
                    .arg("*")
                    .arg("data")
                    .arg(letter.payload.as_slice())
                    .arg("error")
                    .arg(&letter.error)
                    .arg("source_id")
                    .arg(&letter.message_id)
                    .arg("source")
                    .arg(&letter.source)
                    .arg("flow")
                    .arg(&letter.flow)
                    .arg("function")
                    .arg(letter.function.as_deref().unwrap_or(""))
                    .arg("kind")
                    .arg(format!("{:?}", letter.kind))
                    .arg("attempts")
                    .arg(letter.attempts)
                    .arg("replays")
                    .arg(letter.replays)
                    .arg("time")
                    .arg(u64::try_from(millis).unwrap_or(u64::MAX))
                    .ignore();
            }
            let mut connection = self.connection().await?;
            if let Err(err) = pipe.query_async::<()>(&mut connection).await {
                *self.connection.lock().await = None;
                return Err(unavailable("XADD of dead letters", &err));
            }
            Ok(())
        })
    }
}

impl std::fmt::Debug for RedisDeadLetters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisDeadLetters")
            .field("stream", &self.stream)
            .finish_non_exhaustive()
    }
}
