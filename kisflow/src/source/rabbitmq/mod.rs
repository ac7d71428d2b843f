//! RabbitMQ queues as a [`Source`](crate::source::Source) and a dead-letter exchange
//! ([`DeadLetterSink`](crate::source::DeadLetterSink)) (feature `rabbitmq`).
//!
//! Workers that consume the same queue compete for its messages: that is how kisflow scales out
//! over machines. Each message's body is one JSON row.
//!
//! - Consumption uses manual acks. `basic_qos` sets the prefetch, the messages the server lets a
//!   worker hold unacked: the in-flight window. Make it the runner's concurrency × batch size
//!   ([`RabbitSource::with_prefetch`]; `kisflow serve` does).
//! - A message is acked (`basic.ack` of exactly its delivery tag, or one `multiple` ack when a
//!   batch holds every tag below its highest) only after its batch ran or was dead-lettered.
//!   Unacked messages go back to the queue when the worker's connection closes, so a worker that
//!   died loses nothing.
//! - RabbitMQ's client does not reconnect by itself: after the connection or the channel dropped,
//!   the next fetch makes a new connection, channel and consumer. Delivery tags belong to their
//!   channel, so the tags of a dead channel are never acked on the new one; the server delivers
//!   those messages again (at least once).
//! - A missing queue is declared durable (a classic queue); an existing one is used as it is,
//!   whatever its type. [`RabbitSource::passive`] only uses an existing queue.
//!
//! ```no_run
//! use kisflow::prelude::*;
//! use kisflow::source::Runner;
//! use kisflow::source::rabbitmq::{RabbitDeadLetters, RabbitSource};
//!
//! #[kis_function(mode = "Expand")]
//! fn print(rows: Vec<serde_json::Value>) {
//!     for row in rows { println!("{row}") }
//! }
//! flow!(Printer: print);
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> kisflow::Result<()> {
//! let source = RabbitSource::new("127.0.0.1:5672", "orders")?.with_prefetch(4 * 100);
//! let dead = RabbitDeadLetters::new("127.0.0.1:5672", "orders.dlq")?.keeping();
//! Runner::new(source, Printer::new().into_dyn())
//!     .with_concurrency(4)
//!     .with_dead_letters(dead)
//!     .run_until(async { tokio::time::sleep(std::time::Duration::from_secs(60)).await })
//!     .await?;
//! # Ok(())
//! # }
//! ```

mod acks;
mod dead_letters;
mod held;
mod lag;
mod queue;
mod server;
mod session;

pub use dead_letters::RabbitDeadLetters;
pub use queue::RabbitSource;

use crate::error::Error;

/// A RabbitMQ error as kisflow's: the server may come back, so it is a connector that is
/// unavailable. `place` names the server and the queue or exchange.
fn unavailable(place: &str, what: &str, err: impl std::fmt::Display) -> Error {
    Error::ConnectorClient {
        connector: format!("rabbitmq {place}"),
        reason: format!("{what} failed: {err}"),
    }
}
