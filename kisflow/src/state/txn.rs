//! [`StateTxn`]: the state a run reads and writes, held until the runner commits it.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use super::{Also, Commit, StateStore};
use crate::error::Result;

/// One run's reads and writes, over one store. The runner makes a new one for each run, so a
/// retried run starts from the store again.
pub(crate) struct StateTxn {
    pub(crate) store: Arc<dyn StateStore>,
    changes: Mutex<Changes>,
}

#[derive(Default)]
struct Changes {
    /// `(namespace, key)` → the value as first read.
    read: BTreeMap<(String, String), Option<Vec<u8>>>,
    /// `(namespace, key)` → the value to write; `None` deletes.
    written: BTreeMap<(String, String), Option<Vec<u8>>>,
    also: Vec<Also>,
}

impl StateTxn {
    pub(crate) fn new(store: Arc<dyn StateStore>) -> Self {
        Self {
            store,
            changes: Mutex::default(),
        }
    }

    fn changes(&self) -> std::sync::MutexGuard<'_, Changes> {
        self.changes.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The value of `key` as this run sees it: written by it, else read before, else loaded.
    pub(crate) async fn get(&self, namespace: &str, key: &str) -> Result<Option<Vec<u8>>> {
        let at = (namespace.to_owned(), key.to_owned());
        {
            let changes = self.changes();
            if let Some(value) = changes.written.get(&at).or_else(|| changes.read.get(&at)) {
                return Ok(value.clone());
            }
        }
        let loaded = self.store.load(namespace, key).await?;
        // A concurrent load of the same key inside one run keeps the first value read.
        let mut changes = self.changes();
        Ok(changes.read.entry(at).or_insert(loaded).clone())
    }

    /// The values of `keys`, loading in one call those this run has not seen yet.
    pub(crate) async fn get_many(
        &self,
        namespace: &str,
        keys: &[&str],
    ) -> Result<Vec<Option<Vec<u8>>>> {
        let missing: Vec<String> = {
            let changes = self.changes();
            let mut missing: Vec<String> = keys
                .iter()
                .filter(|key| {
                    let at = (namespace.to_owned(), (**key).to_owned());
                    !changes.written.contains_key(&at) && !changes.read.contains_key(&at)
                })
                .map(|key| (*key).to_owned())
                .collect();
            missing.sort_unstable();
            missing.dedup();
            missing
        };
        if !missing.is_empty() {
            let loaded = self.store.load_many(namespace, &missing).await?;
            let mut changes = self.changes();
            for (key, value) in missing.into_iter().zip(loaded) {
                changes
                    .read
                    .entry((namespace.to_owned(), key))
                    .or_insert(value);
            }
        }
        let changes = self.changes();
        Ok(keys
            .iter()
            .map(|key| {
                let at = (namespace.to_owned(), (*key).to_owned());
                changes
                    .written
                    .get(&at)
                    .or_else(|| changes.read.get(&at))
                    .cloned()
                    .flatten()
            })
            .collect())
    }

    /// Every key of `namespace` as this run sees it, in key order.
    pub(crate) async fn scan(&self, namespace: &str) -> Result<super::Entries> {
        let stored = self.store.scan(namespace).await?;
        let mut changes = self.changes();
        let mut seen = BTreeMap::new();
        for (key, value) in stored {
            let at = (namespace.to_owned(), key.clone());
            let read = changes.read.entry(at).or_insert(Some(value)).clone();
            seen.insert(key, read);
        }
        for ((ns, key), value) in &changes.written {
            if ns == namespace {
                seen.insert(key.clone(), value.clone());
            }
        }
        Ok(seen
            .into_iter()
            .filter_map(|(k, v)| Some((k, v?)))
            .collect())
    }

    pub(crate) fn put(&self, namespace: &str, key: &str, value: Option<Vec<u8>>) {
        self.changes()
            .written
            .insert((namespace.to_owned(), key.to_owned()), value);
    }

    pub(crate) fn also(&self, write: Also) {
        self.changes().also.push(write);
    }

    /// The commit of what the run did, with `acks` of `source` to ack or record.
    pub(crate) fn commit(&self, acks: Vec<String>, source: Option<String>) -> Commit {
        let changes = std::mem::take(&mut *self.changes());
        let flat = |map: BTreeMap<(String, String), Option<Vec<u8>>>| {
            map.into_iter()
                .map(|((ns, key), value)| (ns, key, value))
                .collect()
        };
        Commit {
            reads: flat(changes.read),
            writes: flat(changes.written),
            also: changes.also,
            acks,
            source,
        }
    }
}

impl std::fmt::Debug for StateTxn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StateTxn")
            .field("store", &self.store.name())
            .finish_non_exhaustive()
    }
}
