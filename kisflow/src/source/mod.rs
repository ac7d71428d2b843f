//! Sources: where a worker's rows come from, with at-least-once delivery.
//!
//! A [`Source`] hands out batches of [`Message`]s and takes acks; a [`Runner`] binds one to a
//! flow and keeps the promise: a message is acked only after the run of the batch that holds it
//! succeeded, or after it was sent to the [dead letters](DeadLetterSink). A worker killed at
//! any moment acks nothing it has not finished, so the broker delivers it again.
//!
//! Scale-out is the broker's: every worker process runs the same flows, and the consumer group
//! (Redis Streams, NATS JetStream, Kafka) or the queue (RabbitMQ) spreads the messages over them.
//!
//! ```
//! use kisflow::prelude::*;
//! use kisflow::source::{MemoryDeadLetters, Runner, StreamSource};
//!
//! #[kis_function(mode = "Expand")]
//! fn double(rows: Vec<u32>) {
//!     for n in rows {
//!         println!("{}", n * 2);
//!     }
//! }
//! flow!(Doubler: double);
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> kisflow::Result<()> {
//! let lines = futures::stream::iter(["1", "2", "oops", "4"]);
//! let dead = MemoryDeadLetters::new();
//! let report = Runner::new(StreamSource::new("numbers", lines), Doubler::new().into_dyn())
//!     .with_dead_letters(dead.clone())
//!     .run()
//!     .await?;
//! assert_eq!((report.acked, report.dead_lettered), (4, 1));
//! assert_eq!(dead.letters()[0].payload, b"oops");
//! # Ok(())
//! # }
//! ```

mod batch;
#[cfg(feature = "mysql-binlog")]
pub mod binlog;
mod dead_letter;
mod file;
#[cfg(feature = "config")]
mod from_config;
#[cfg(feature = "kafka")]
pub mod kafka;
#[cfg(feature = "config")]
mod letters;
mod message;
#[cfg(feature = "nats")]
pub mod nats;
#[cfg(feature = "rabbitmq")]
pub mod rabbitmq;
#[cfg(feature = "redis")]
pub mod redis;
mod runner;
mod stored;
mod stream;

use std::time::Duration;

use futures::future::BoxFuture;

use crate::error::Result;

pub use dead_letter::{DeadLetter, DeadLetterSink, MemoryDeadLetters};
pub use file::JsonLinesDeadLetters;
#[cfg(feature = "config")]
pub use letters::DeadLetterStore;
pub use message::{Message, MessageId, Payload};
pub use runner::{RunReport, Runner, RunnerConfig, RunnerHandle};
pub use stored::{MAX_REPLAYS, ReplayReport, StoredLetter};
pub use stream::StreamSource;

/// How often a runner with metrics on asks its source for its lag.
pub(crate) const LAG_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// Where a worker's messages come from: a broker's consumer group, or an in-process stream.
///
/// Methods take `&self`: a [`Runner`] shares one source between its concurrent instances. A
/// message fetched and not acked must come back later (after a restart, or when another consumer
/// claims it); that is what at-least-once asks of a backend.
///
/// ```
/// use std::time::Duration;
/// use futures::future::BoxFuture;
/// use kisflow::source::{Message, MessageId, Source};
///
/// /// A source of one message, for a test.
/// struct One(std::sync::Mutex<Option<Message>>);
///
/// impl Source for One {
///     fn name(&self) -> &str {
///         "one"
///     }
///     fn fetch(&self, _max: usize, _wait: Duration) -> BoxFuture<'_, kisflow::Result<Option<Vec<Message>>>> {
///         let next = self.0.lock().unwrap().take();
///         Box::pin(async move { Ok(next.map(|m| vec![m])) })
///     }
///     fn ack<'a>(&'a self, _ids: &'a [MessageId]) -> BoxFuture<'a, kisflow::Result<()>> {
///         Box::pin(async { Ok(()) })
///     }
/// }
/// ```
pub trait Source: Send + Sync + 'static {
    /// The source's name in logs, metrics and dead letters, such as `redis:orders/billing`.
    fn name(&self) -> &str;

    /// Up to `max` messages, waiting at most about `wait` for them: `Some` of a batch, empty when
    /// none came in time, or `None` when the source has ended and will never have more. An
    /// error of [kind](crate::ErrorKind) `Config` (a setting or stored position that another try
    /// cannot mend) stops the runner with it; any other is logged and tried again with a backoff.
    fn fetch(&self, max: usize, wait: Duration) -> BoxFuture<'_, Result<Option<Vec<Message>>>>;

    /// Marks these messages done: their run succeeded, or they were dead-lettered. The ids are
    /// those of the messages [`fetch`](Self::fetch) gave, as it made them.
    fn ack<'a>(&'a self, ids: &'a [MessageId]) -> BoxFuture<'a, Result<()>>;

    /// Gives messages back unacked, to be delivered again after about `after`: the runner does
    /// this with a batch it could not run for a reason outside its messages (a stop while a
    /// connector is down). By default nothing is sent: a broker delivers unacked messages again
    /// by itself (Redis: claimed once idle; JetStream: after the ack wait), and an in-process
    /// stream cannot. JetStream overrides it with a delayed nak.
    fn release<'a>(&'a self, ids: &'a [MessageId], after: Duration) -> BoxFuture<'a, Result<()>> {
        let _ = (ids, after);
        Box::pin(async { Ok(()) })
    }

    /// How often a batch still running must say so, or its messages are delivered again
    /// elsewhere (JetStream: half the ack wait); `None`, the default, never.
    fn progress_every(&self) -> Option<Duration> {
        None
    }

    /// Says these messages are still being worked on (JetStream: `+WPI`), so the broker does not
    /// deliver them again while a long batch runs; called every
    /// [`progress_every`](Self::progress_every).
    fn in_progress<'a>(&'a self, ids: &'a [MessageId]) -> BoxFuture<'a, Result<()>> {
        let _ = ids;
        Box::pin(async { Ok(()) })
    }

    /// How far the group is behind the stream, when the backend can tell; `None` by default.
    /// A runner with metrics on asks every few seconds and records `source_lag_messages` and
    /// `source_lag_seconds`.
    fn lag(&self) -> BoxFuture<'_, Result<Option<Lag>>> {
        Box::pin(async { Ok(None) })
    }
}

/// How far a consumer group is behind its stream; see [`Source::lag`].
///
/// ```
/// let lag = kisflow::source::Lag { messages: 3, seconds: 1.5 };
/// assert!(lag.messages > 0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lag {
    /// Messages not yet acked: never delivered, or delivered and pending.
    pub messages: u64,
    /// Age of the oldest of them, in seconds; 0 when there are none.
    pub seconds: f64,
}
