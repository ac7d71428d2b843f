//! Redis Streams as a [`Source`](crate::source::Source) and a
//! [`DeadLetterSink`](crate::source::DeadLetterSink) (feature `redis`).
//!
//! A consumer group spreads a stream's entries over every worker that reads it through the group:
//! that is how kisflow scales out over machines. Each entry's field `data` holds one JSON row.
//!
//! - Entries are read with `XREADGROUP` on a connection of their own, since the read blocks.
//! - They are acked with `XACK` only after their batch ran or was dead-lettered.
//! - Entries left pending by a consumer that died are taken over with `XAUTOCLAIM` once idle
//!   longer than [`RedisStreams::with_claim_idle`]: Redis never expires a pending entry by
//!   itself, so without this a crashed worker's entries would be lost for good.
//! - A dead server is retried by the runner with a capped backoff; connections are made again.
//!
//! ```no_run
//! use kisflow::prelude::*;
//! use kisflow::source::Runner;
//! use kisflow::source::redis::{RedisDeadLetters, RedisStreams};
//!
//! #[kis_function(mode = "Expand")]
//! fn print(rows: Vec<serde_json::Value>) {
//!     for row in rows { println!("{row}") }
//! }
//! flow!(Printer: print);
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> kisflow::Result<()> {
//! let source = RedisStreams::new("redis://127.0.0.1/", "orders", "printers", "worker-1")?;
//! let dead = RedisDeadLetters::new("redis://127.0.0.1/", "orders.dlq")?;
//! Runner::new(source, Printer::new().into_dyn())
//!     .with_dead_letters(dead)
//!     .run_until(async { tokio::time::sleep(std::time::Duration::from_secs(60)).await })
//!     .await?;
//! # Ok(())
//! # }
//! ```

mod dead_letters;
mod lag;
mod replay;
mod reply;
mod streams;

pub use crate::source::stored::{MAX_REPLAYS, ReplayReport, StoredLetter};
pub use dead_letters::RedisDeadLetters;
pub use streams::RedisStreams;

use crate::error::Error;

/// A Redis error as kisflow's: the server may come back, so it is a connector that is unavailable.
fn unavailable(what: &str, err: &redis::RedisError) -> Error {
    Error::ConnectorClient {
        connector: format!("redis {what}"),
        reason: format!("failed: {err}"),
    }
}
