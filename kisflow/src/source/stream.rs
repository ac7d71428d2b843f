//! [`StreamSource`]: any `futures::Stream` of payloads as a source, for rows without a broker.

use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures::future::BoxFuture;
use futures::{Stream, StreamExt};
use tokio::sync::Mutex;

use super::{Message, MessageId, Payload, Source};
use crate::error::Result;

type Payloads = Pin<Box<dyn Stream<Item = (Option<MessageId>, Payload)> + Send>>;

/// A source over an in-process stream of JSON payloads: a channel, the lines of a file or of
/// standard input. It runs through the same batching, retries, dead letters and drain as a
/// broker, but it has no redelivery: a message is delivered once, and a process that dies
/// loses what it held.
///
/// ```
/// use kisflow::source::{Source, StreamSource};
/// use std::time::Duration;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> kisflow::Result<()> {
/// let source = StreamSource::new("lines", futures::stream::iter(["1", "2", "3"]));
/// let batch = source.fetch(2, Duration::from_millis(10)).await?.unwrap();
/// assert_eq!(batch.iter().map(|m| m.id.as_number()).collect::<Vec<_>>(), [Some(1), Some(2)]);
/// assert_eq!(source.fetch(2, Duration::from_millis(10)).await?.unwrap().len(), 1);
/// assert!(source.fetch(2, Duration::from_millis(10)).await?.is_none()); // ended
/// # Ok(())
/// # }
/// ```
pub struct StreamSource {
    name: String,
    payloads: Mutex<(Payloads, bool)>,
    next_id: AtomicU64,
}

impl StreamSource {
    /// A source named `name` over `payloads`; each item is one message, numbered from 1
    /// ([`MessageId::number`]).
    pub fn new<S>(name: impl Into<String>, payloads: S) -> Self
    where
        S: Stream + Send + 'static,
        S::Item: AsRef<[u8]>,
    {
        let payloads = payloads.map(|item| (None, Payload::from(item.as_ref())));
        Self {
            name: name.into(),
            payloads: Mutex::new((Box::pin(payloads), false)),
            next_id: AtomicU64::new(1),
        }
    }
}

impl StreamSource {
    /// A source named `name` over `(id, payload)` pairs, for ids of the caller's own, such as
    /// line numbers that count the blank lines it skips. A row that fails to decode is named by
    /// its id when that is a number, as its sender counts rows.
    ///
    /// ```
    /// use kisflow::source::{MessageId, Source, StreamSource};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> kisflow::Result<()> {
    /// let lines = futures::stream::iter([(1_u64, "7"), (3, "8")]);
    /// let source = StreamSource::keyed("lines", lines);
    /// let batch = source.fetch(10, std::time::Duration::from_millis(10)).await?.unwrap();
    /// assert_eq!(batch[1].id, MessageId::number(3));
    /// # Ok(())
    /// # }
    /// ```
    pub fn keyed<S, I, P>(name: impl Into<String>, payloads: S) -> Self
    where
        S: Stream<Item = (I, P)> + Send + 'static,
        I: Into<MessageId>,
        P: AsRef<[u8]>,
    {
        let payloads = payloads.map(|(id, item)| (Some(id.into()), Payload::from(item.as_ref())));
        Self {
            name: name.into(),
            payloads: Mutex::new((Box::pin(payloads), false)),
            next_id: AtomicU64::new(1),
        }
    }
}

impl Source for StreamSource {
    fn name(&self) -> &str {
        &self.name
    }

    fn fetch(&self, max: usize, wait: Duration) -> BoxFuture<'_, Result<Option<Vec<Message>>>> {
        Box::pin(async move {
            let mut guard = self.payloads.lock().await;
            let (payloads, ended) = &mut *guard;
            if *ended {
                return Ok(None);
            }
            let deadline = tokio::time::Instant::now() + wait;
            let mut batch = Vec::new();
            while batch.len() < max.max(1) {
                match tokio::time::timeout_at(deadline, payloads.next()).await {
                    Ok(Some((id, payload))) => batch.push(Message::new(
                        id.unwrap_or_else(|| {
                            MessageId::number(self.next_id.fetch_add(1, Ordering::Relaxed))
                        }),
                        payload,
                    )),
                    Ok(None) => {
                        *ended = true;
                        break;
                    }
                    Err(_) => break,
                }
            }
            Ok(if batch.is_empty() && *ended {
                None
            } else {
                Some(batch)
            })
        })
    }

    fn ack<'a>(&'a self, _ids: &'a [MessageId]) -> BoxFuture<'a, Result<()>> {
        // Nothing to tell: an in-process stream does not deliver again.
        Box::pin(async { Ok(()) })
    }
}

impl std::fmt::Debug for StreamSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamSource")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}
