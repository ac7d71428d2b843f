//! The row changes of a MySQL or MariaDB binlog as a [`Source`](crate::source::Source) (feature
//! `mysql-binlog`): KisFlow's first named upstream.
//!
//! A [`BinlogSource`] reads the binlog as a replica does (`COM_BINLOG_DUMP`), keeps the row
//! events of the tables it is given, and hands each changed row to the flow as a JSON
//! [`Change`]: `op` (insert, update, delete), `db`, `table`, `position` and the `before` and
//! `after` images, which a flow decodes into `Change<T>` for a `#[derive(Deserialize)]` `T`.
//!
//! - **Resume without loss.** The position stored in a [`PositionStore`] ([`FilePositions`],
//!   [`TablePositions`]) is the end of the last transaction whose rows all ran (or went to the
//!   dead letters), and everything before it: acks come out of order, the stored position never
//!   passes a row still pending. A worker killed at any moment resumes there and hands out again
//!   at most the rows after it (at least once).
//! - **The server must log rows with their column names**: `log_bin` on, `binlog_format = ROW`,
//!   `binlog_row_image = FULL` and `binlog_row_metadata = FULL` (MariaDB 10.5, MySQL 8.0 and
//!   later). The source checks them before it reads and fails with the setting to change.
//! - **Schema changes.** Each rows event comes with its table's columns as they were when it was
//!   written, so rows before an `ALTER TABLE` decode with the old columns and rows after it with
//!   the new ones. A row that no longer fits `T` (a column it needs was dropped or renamed) fails
//!   to decode and goes to the dead letters with the field named; extra columns are ignored.
//! - **A purged binlog** (the stored position's file is gone, so changes after it are lost to the
//!   binlog) is an error that stops the runner and says what to do; the source never skips ahead.
//! - **Column types.** Integers and floats are JSON numbers; `DECIMAL` is its exact text
//!   (`"3.50"`: decode it as a string or a decimal type, not a float); text is a string and
//!   binary data that is not UTF-8 an array of bytes; dates and times are their SQL text
//!   (`"2026-12-04 17:05:09"`); `NULL` is `null`; a MySQL `JSON` column is its JSON value.
//! - **Positions, not GTIDs.** The position is a file and an offset: it holds on one server. A
//!   replica promoted after a failover has other file names, so reset the position there (GTID
//!   resumption, which MariaDB and MySQL spell differently, is not done).
//!
//! One source reads one server: the binlog is one ordered stream with no consumer group, so run
//! one worker per source (concurrency within it is the runner's `concurrency`).
//!
//! ```no_run
//! use kisflow::prelude::*;
//! use kisflow::source::Runner;
//! use kisflow::source::binlog::{BinlogSource, Change, FilePositions};
//!
//! #[derive(Debug, serde::Deserialize)]
//! struct Order {
//!     id: i64,
//!     qty: i64,
//! }
//!
//! #[kis_function(mode = "Expand")]
//! fn print(rows: Vec<Change<Order>>) {
//!     for change in rows {
//!         println!("{:?} {:?}", change.op, change.row());
//!     }
//! }
//! flow!(Printer: print);
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> kisflow::Result<()> {
//! let positions = FilePositions::new("orders.position.json");
//! let source = BinlogSource::new("mysql://root@127.0.0.1:3306/", ["shop.orders"], positions)?;
//! Runner::new(source, Printer::new().into_dyn()).run().await?;
//! # Ok(())
//! # }
//! ```

mod change;
mod checks;
mod positions;
mod progress;
mod reader;
mod source;
mod values;

pub use change::{Change, Op};
pub use positions::{FilePositions, Position, PositionStore, TablePositions};
pub use source::{BinlogSource, Start};

use crate::error::{Error, Result};

/// The connection options of `url`, or an error naming it.
fn options(url: &str) -> Result<mysql_async::Opts> {
    mysql_async::Opts::from_url(url).map_err(|err| Error::ConnectorConfig {
        connector: url.to_owned(),
        reason: format!("`{url}` is not a MySQL address such as `mysql://user@host:3306/`: {err}"),
    })
}

/// The server of `place` (a source or a position store) could not be reached or refused a
/// statement: it may come back.
fn mysql_error(place: &str, what: &str, err: &dyn std::fmt::Display) -> Error {
    Error::ConnectorClient {
        connector: place.to_owned(),
        reason: format!("could not {what}: {err}"),
    }
}
