//! Keyed state: what a handler remembers between batches, per key, committed together with the
//! source's acks so that a message counts once even though sources deliver at least once.
//!
//! A handler reaches its state through [`FlowCtx::state`](crate::FlowCtx::state): a typed
//! [`KeyedState`] namespaced by flow and function (`get`, `put`, `update`, `delete`, `scan`).
//! Reads load lazily from the [`StateStore`] (no state is loaded at start, so a restarted worker
//! runs its first batch at once); writes are held until the batch's run succeeded. Then the
//! [`Runner`](crate::source::Runner) commits them in one [`Commit`] with the batch's acks and any
//! extra writes the handler asked for ([`FlowCtx::commit_also`](crate::FlowCtx::commit_also)):
//!
//! - **Effectively once** where the store can take the acks into its own transaction: Redis
//!   state with a Redis Streams source on the same server ([`RedisState::acking`]) applies the
//!   state, the extra writes and the `XACK`s in one atomic script, only if every message is still
//!   this consumer's and no key it read changed meanwhile (else the batch runs again on fresh
//!   state, or, for messages another consumer claimed, is left to that consumer). A crash at any
//!   moment neither loses nor double-counts a message.
//! - **Effectively once** too where the store records the ids of the messages each commit
//!   covered ([`PgState`]): the source acks after the commit, and a message delivered again
//!   whose id is recorded is acked without running.
//! - **At least once** for every other pairing: the state is committed, then the source acks; a
//!   crash between the two counts the batch twice. The runner says so in a warning at start.
//!
//! Ordering: a consumer group hands a key's messages to any consumer, so two batches with the
//! same key may run at once on two workers; the commit's check of the keys read makes the later
//! one run again, so no update is lost, but the order in which a key's rows are applied is the
//! order of the commits, not of the stream. A flow that needs a key's rows in stream order must
//! send each key to one partition or stream (Kafka partitions by key, one Redis stream per key
//! range) and run one consumer per partition.
//!
//! ```
//! use kisflow::prelude::*;
//! use kisflow::source::{Runner, StreamSource};
//! use kisflow::state::MemoryState;
//!
//! #[derive(Default, serde::Serialize, serde::Deserialize)]
//! struct Tally {
//!     count: u64,
//! }
//!
//! #[kis_function(mode = "Save")]
//! async fn count_words(ctx: &FlowCtx, rows: Vec<String>) -> kisflow::Result<()> {
//!     let state = ctx.state::<Tally>()?;
//!     for word in rows {
//!         let mut tally = state.get(&word).await?.unwrap_or_default();
//!         tally.count += 1;
//!         state.put(&word, &tally)?;
//!     }
//!     Ok(())
//! }
//! flow!(Words: count_words);
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> kisflow::Result<()> {
//! let words = futures::stream::iter([r#""a""#, r#""b""#, r#""a""#]);
//! let state = MemoryState::new();
//! Runner::new(StreamSource::new("words", words), Words::new().into_dyn())
//!     .with_state(state.clone())
//!     .run()
//!     .await?;
//! let a: Tally = serde_json::from_slice(&state.get("Words/count_words", "a").unwrap()).unwrap();
//! assert_eq!(a.count, 2);
//! # Ok(())
//! # }
//! ```

mod commit;
mod keyed;
mod memory;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "redis")]
mod redis;
mod txn;

pub use commit::{Also, Commit, Committed};
pub use keyed::KeyedState;
pub use memory::MemoryState;
#[cfg(feature = "postgres")]
pub use postgres::PgState;
#[cfg(feature = "redis")]
pub use redis::RedisState;
pub(crate) use txn::StateTxn;

use futures::future::BoxFuture;

use crate::error::Result;

/// How a store's commits go with a source's acks; see [`StateStore::pairing`].
///
/// ```
/// assert_ne!(kisflow::state::Pairing::Separate, kisflow::state::Pairing::AcksInCommit);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pairing {
    /// The commit, then the source's ack: a crash between them counts the batch twice (at
    /// least once).
    Separate,
    /// The commit acks the messages itself, in the same transaction (effectively once).
    AcksInCommit,
    /// The commit records the messages' ids with the state; the source acks after it, and a
    /// message delivered again whose id is recorded is acked without running (effectively once).
    RecordsIds,
}

/// The keys of a namespace with their values, as [`StateStore::scan`] gives them.
pub type Entries = Vec<(String, Vec<u8>)>;

/// Where keyed state lives between batches; see the [module docs](self).
///
/// Values are the bytes of a JSON value; a namespace is `flow/function`.
pub trait StateStore: Send + Sync + 'static {
    /// The store's name in logs and errors, such as `redis:127.0.0.1:6379`.
    fn name(&self) -> &str;

    /// The value of `key` in `namespace`, or `None`.
    fn load<'a>(
        &'a self,
        namespace: &'a str,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Option<Vec<u8>>>>;

    /// The values of `keys` in `namespace`, in their order: one round trip where the store
    /// can (Redis `HMGET`); by default one [`load`](Self::load) after another.
    fn load_many<'a>(
        &'a self,
        namespace: &'a str,
        keys: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<Option<Vec<u8>>>>> {
        Box::pin(async move {
            let mut values = Vec::with_capacity(keys.len());
            for key in keys {
                values.push(self.load(namespace, key).await?);
            }
            Ok(values)
        })
    }

    /// Every key of `namespace` with its value.
    fn scan<'a>(&'a self, namespace: &'a str) -> BoxFuture<'a, Result<Entries>>;

    /// Applies `commit` at once or not at all: its writes and extra writes, and, as the store's
    /// [`pairing`](Self::pairing) with the source says, its acks or the record of its ids.
    fn commit<'a>(&'a self, commit: &'a Commit) -> BoxFuture<'a, Result<Committed>>;

    /// How commits go with the acks of the source named `source`
    /// ([`Source::name`](crate::source::Source::name)); [`Pairing::Separate`] by default.
    fn pairing(&self, source: &str) -> Pairing {
        let _ = source;
        Pairing::Separate
    }

    /// Which of `ids` of `source` a commit recorded already ([`Pairing::RecordsIds`]): their
    /// state is in, so the runner acks them without running them again. None by default.
    fn recorded<'a>(
        &'a self,
        source: &'a str,
        ids: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<String>>> {
        let _ = (source, ids);
        Box::pin(async { Ok(Vec::new()) })
    }
}
