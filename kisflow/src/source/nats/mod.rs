//! NATS JetStream as a [`Source`](crate::source::Source) and a
//! [`DeadLetterSink`](crate::source::DeadLetterSink) (feature `nats`).
//!
//! A durable pull consumer spreads a stream's messages over every worker that pulls through it:
//! that is how kisflow scales out over machines. Each message's body is one JSON row.
//!
//! - The stream (named like its one subject) and the durable consumer are made when missing,
//!   with `AckExplicit`, [`ack_wait`](JetStreamSource::with_ack_wait) and
//!   [`max_deliver`](JetStreamSource::with_max_deliver).
//! - A message is acked (`+ACK`) only after its batch ran or was dead-lettered. One not acked
//!   within `ack_wait` is delivered again by the server, to this worker or another: a worker
//!   that died loses nothing. A message the runner gives up is never `Nak`ed (that would
//!   deliver it again at once, forever); it is dead-lettered, then acked.
//! - The client reconnects by itself after the server went away; while it is disconnected a
//!   fetch fails, and the runner tries again with a capped backoff.
//!
//! ```no_run
//! use kisflow::prelude::*;
//! use kisflow::source::Runner;
//! use kisflow::source::nats::{JetStreamDeadLetters, JetStreamSource};
//!
//! #[kis_function(mode = "Expand")]
//! fn print(rows: Vec<serde_json::Value>) {
//!     for row in rows { println!("{row}") }
//! }
//! flow!(Printer: print);
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> kisflow::Result<()> {
//! let source = JetStreamSource::new("127.0.0.1:4222", "orders", "printers")?;
//! let dead = JetStreamDeadLetters::new("127.0.0.1:4222", "orders.dlq")?;
//! Runner::new(source, Printer::new().into_dyn())
//!     .with_dead_letters(dead)
//!     .run_until(async { tokio::time::sleep(std::time::Duration::from_secs(60)).await })
//!     .await?;
//! # Ok(())
//! # }
//! ```

mod ack_subject;
mod acks;
mod dead_letters;
mod held;
mod jetstream;
mod lag;
mod store;

pub use dead_letters::JetStreamDeadLetters;
pub use jetstream::JetStreamSource;

use std::time::Duration;

use async_nats::{Client, ConnectOptions, ServerAddr};

use crate::error::{Error, Result};

/// A NATS error as kisflow's: the server may come back, so it is a connector that is unavailable.
fn unavailable(what: &str, err: impl std::fmt::Display) -> Error {
    Error::ConnectorClient {
        connector: format!("nats {what}"),
        reason: format!("failed: {err}"),
    }
}

/// `addr` (`host:port` or `nats://host:port`) checked, or the config error naming it.
fn server_addr(addr: &str) -> Result<ServerAddr> {
    addr.parse::<ServerAddr>()
        .map_err(|err| Error::ConnectorConfig {
            connector: addr.to_owned(),
            reason: format!(
                "`{addr}` is not a NATS address ({err}); give `host:port` or `nats://host:port`"
            ),
        })
}

/// A client of `addr`, named `name` when given; it reconnects by itself, without limit, once it
/// has connected.
async fn connect(addr: &ServerAddr, name: Option<&str>) -> Result<Client> {
    let mut options = ConnectOptions::new()
        .connection_timeout(Duration::from_secs(2))
        .max_reconnects(None);
    if let Some(name) = name {
        options = options.name(name);
    }
    options
        .connect(addr.clone())
        .await
        .map_err(|err| unavailable("connect", err))
}
