//! Event-time windows and a keyed interval join: synchronous operators that sit between where
//! rows come from and a typed flow.
//!
//! - [`Windows`]: keyed tumbling or sliding windows over an event time the user names, with an
//!   [`Aggregate`] ([`Count`], [`Fold`] or your own) computed per key and window.
//! - [`IntervalJoin`]: left and right rows of the same key whose times lie within a bound of
//!   each other, emitted as [`Joined`] rows.
//!
//! # Where they run
//!
//! An operator is a plain value you own: `push` a row, get the results due, `commit_batch` them
//! into a [`Flow`](crate::Flow) whose first function takes that row type. The flow's input type
//! checks the edge at compile time, as `flow!` checks its own. They are not `#[kis_function]`s
//! because a flow run sees one batch and forgets it, while windows need every row of a stream in
//! arrival order and a clock for the idle timeout; keeping them outside also keeps them
//! synchronous, free of locks and easy to test. One operator serves one stream (or one
//! partition); a stream consumed by a group of workers needs its rows partitioned by key.
//!
//! # Watermark, lateness and idle inputs
//!
//! Times are `i64` milliseconds ([`epoch_millis`] converts a `SystemTime`). The **watermark** of
//! a stream is the greatest event time seen minus the allowed out-of-orderness; it never goes
//! back. A window `[start, end)` **fires** when the watermark reaches `end`, emitting one
//! [`WindowResult`] per key, in key order.
//!
//! **Allowed lateness** `L`: a row that comes after its window fired, while the watermark is
//! still below `end + L`, is added and the window's result emitted again at once with a higher
//! [`revision`](WindowResult::revision). These are *updated results*, not retractions: the newest
//! revision of a (key, window) replaces the earlier ones, so a sink should upsert by key and
//! window. Once the watermark reaches `end + L` the window's state is dropped. A row that misses a
//! window this way is returned as [`Late`] (with a reason naming its time, the window and the
//! watermark) for the [dead letters](Late::dead_letter); in a sliding window it still counts in
//! its windows that are open, and the reason says in how many.
//!
//! **Idle timeout** `T`: after `T` of processing time without a row, the watermark moves on as
//! fast as processing time (`max seen - out-of-orderness + silence - T`), so the last windows of
//! a quiet stream close. Call `advance(now)` from a timer; every push applies it too. In a join,
//! a quiet input follows the other input's watermark, so the busy side's rows are dropped in
//! time (and rows that reach the quiet input afterwards are judged against that watermark); when
//! both inputs are quiet, both move on as fast as processing time.
//!
//! **Join**: a right row at `b` meets a left row at `a` when `a + lower <= b <= a + upper`. A pair
//! is emitted once, when its second row arrives. It is an inner join: nothing is ever emitted for
//! a row without a partner, so there are no spurious unmatched rows. A row behind its own input's
//! watermark is late and joins nothing. A buffered row is dropped as soon as the other input's
//! watermark makes a match impossible, so state returns to empty once the watermarks pass.
//!
//! # At least once
//!
//! Sources deliver at least once, and window state lives in memory:
//!
//! - a row redelivered after a crash is pushed again and **counted twice** (in the windows it had
//!   reached before the crash, when their results were emitted);
//! - a row acked once pushed, still in a window that has not closed, is **lost** with the
//!   process. To keep at least once, ack a message only after every window it is in has closed
//!   (its time + size + lateness is behind the watermark), at the cost of holding it unacked
//!   that long.
//!
//! Counts that must be exact under crashes belong on the keyed state of the effectively-once
//! path, where state and acks are committed together; these operators do not take part in it.
//!
//! ```
//! use std::time::Duration;
//! use kisflow::prelude::*;
//! use kisflow::window::{Count, WindowResult, Windows};
//!
//! #[kis_function(mode = "Expand")]
//! fn print(rows: Vec<WindowResult<String, u64>>) {
//!     for r in rows {
//!         println!("{} [{}, {}): {}", r.key, r.window.start, r.window.end, r.value);
//!     }
//! }
//! flow!(PrintCounts: print);
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> kisflow::Result<()> {
//! let mut counts = Windows::tumbling(Duration::from_secs(1))
//!     .out_of_order(Duration::from_millis(200))
//!     .build(|c: &(String, i64)| c.0.clone(), |c: &(String, i64)| c.1, Count);
//! let mut flow = PrintCounts::new();
//! for click in [("ann", 100), ("bob", 900), ("ann", 1_300), ("ann", 1_250)] {
//!     let pushed = counts.push((click.0.to_owned(), click.1));
//!     assert!(pushed.late.is_none());
//!     flow.commit_batch(pushed.results)?;
//! }
//! flow.commit_batch(counts.flush())?;
//! assert_eq!(flow.committed(), 3);
//! flow.run().await?; // ann [0, 1000): 1, bob [0, 1000): 1, ann [1000, 2000): 2
//! # Ok(())
//! # }
//! ```

//! With a [`Source`](crate::source::Source), the loop fetches a batch, pushes its rows, runs the
//! flow on what is due, sends the late rows to the dead letters and acks (here at once; see
//! above for what that costs):
//!
//! ```
//! use std::time::Duration;
//! use kisflow::prelude::*;
//! use kisflow::source::{DeadLetterSink, MemoryDeadLetters, MessageId, Source, StreamSource};
//! use kisflow::window::{Count, WindowResult, Windows};
//!
//! #[derive(serde::Deserialize)]
//! struct Click { user: String, at: i64 }
//!
//! #[kis_function(mode = "Expand")]
//! fn print(rows: Vec<WindowResult<String, u64>>) {
//!     for r in rows {
//!         println!("{} [{}, {}): {}", r.key, r.window.start, r.window.end, r.value);
//!     }
//! }
//! flow!(Counts: print);
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let lines = [r#"{"user":"ann","at":100}"#, r#"{"user":"ann","at":2500}"#, r#"{"user":"bob","at":50}"#];
//! let source = StreamSource::new("clicks", futures::stream::iter(lines));
//! let dead = MemoryDeadLetters::new();
//! let mut counts = Windows::tumbling(Duration::from_secs(1))
//!     .build(|c: &Click| c.user.clone(), |c: &Click| c.at, Count);
//! let mut flow = Counts::new();
//! while let Some(batch) = source.fetch(100, Duration::from_millis(100)).await? {
//!     let mut letters = Vec::new();
//!     for message in &batch {
//!         let pushed = counts.push(serde_json::from_slice(&message.payload)?);
//!         flow.commit_batch(pushed.results)?;
//!         letters.extend(pushed.late.map(|late| late.dead_letter(message, source.name(), "Counts")));
//!     }
//!     flow.run().await?;
//!     dead.send(&letters).await?;
//!     let ids: Vec<MessageId> = batch.into_iter().map(|m| m.id).collect();
//!     source.ack(&ids).await?;
//! }
//! flow.commit_batch(counts.flush())?;
//! flow.run().await?; // ann [0, 1000): 1, then ann [2000, 3000): 1
//! assert_eq!(dead.letters().len(), 1); // bob's click at 50 came after [0, 1000) closed
//! # Ok(())
//! # }
//! ```

mod aggregate;
mod clock;
mod join;
mod join_side;
mod join_spec;
mod late;
mod output;
mod spec;
#[cfg(test)]
mod tests;
mod windows;

pub use aggregate::{Aggregate, Count, Fold};
pub use clock::epoch_millis;
pub use join::{IntervalJoin, JoinPushed, Joined};
pub use join_spec::JoinSpec;
pub use late::Late;
pub use output::{Pushed, Window, WindowResult};
pub use spec::WindowSpec;
pub use windows::Windows;
