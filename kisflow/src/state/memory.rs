//! [`MemoryState`]: keyed state in the process, for tests and single-process flows.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use futures::future::BoxFuture;

use super::{Also, Commit, Committed, Entries, StateStore};
use crate::error::Result;

/// Keyed state in this process's memory, shared by its clones: every commit applies at once
/// under one lock. It dies with the process, so it suits tests and flows whose state may start
/// empty again; it acks for no source (state is committed, then the source acks).
///
/// ```
/// use kisflow::state::{Commit, MemoryState, StateStore};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> kisflow::Result<()> {
/// let state = MemoryState::new();
/// let mut commit = Commit::default();
/// commit.writes.push(("F/f".into(), "k".into(), Some(b"3".to_vec())));
/// state.commit(&commit).await?;
/// assert_eq!(state.load("F/f", "k").await?, Some(b"3".to_vec()));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct MemoryState {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Debug, Default)]
struct Inner {
    values: BTreeMap<(String, String), Vec<u8>>,
    hashes: BTreeMap<String, BTreeMap<String, String>>,
}

impl MemoryState {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The value of `key` in `namespace` (`flow/function`), as committed.
    #[must_use]
    pub fn get(&self, namespace: &str, key: &str) -> Option<Vec<u8>> {
        self.inner()
            .values
            .get(&(namespace.to_owned(), key.to_owned()))
            .cloned()
    }

    /// The hash that [`Also::hset`] writes went to.
    #[must_use]
    pub fn hash(&self, name: &str) -> BTreeMap<String, String> {
        self.inner().hashes.get(name).cloned().unwrap_or_default()
    }
}

impl StateStore for MemoryState {
    fn name(&self) -> &'static str {
        "memory"
    }

    fn load<'a>(
        &'a self,
        namespace: &'a str,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Option<Vec<u8>>>> {
        let value = self.get(namespace, key);
        Box::pin(async move { Ok(value) })
    }

    fn scan<'a>(&'a self, namespace: &'a str) -> BoxFuture<'a, Result<Entries>> {
        let found = self
            .inner()
            .values
            .iter()
            .filter(|((ns, _), _)| ns == namespace)
            .map(|((_, key), value)| (key.clone(), value.clone()))
            .collect();
        Box::pin(async move { Ok(found) })
    }

    fn commit<'a>(&'a self, commit: &'a Commit) -> BoxFuture<'a, Result<Committed>> {
        let mut inner = self.inner();
        let changed = commit
            .reads
            .iter()
            .any(|(ns, key, read)| inner.values.get(&(ns.clone(), key.clone())) != read.as_ref());
        let outcome = if changed {
            Committed::Conflict
        } else {
            for (ns, key, value) in &commit.writes {
                let at = (ns.clone(), key.clone());
                match value {
                    Some(value) => inner.values.insert(at, value.clone()),
                    None => inner.values.remove(&at),
                };
            }
            for Also::HashSet { hash, field, value } in &commit.also {
                inner
                    .hashes
                    .entry(hash.clone())
                    .or_default()
                    .insert(field.clone(), value.clone());
            }
            Committed::Done
        };
        drop(inner);
        Box::pin(async move { Ok(outcome) })
    }
}
