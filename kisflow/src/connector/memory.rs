//! [`MemoryKv`]: the built-in in-memory key-value store behind [`Connector::memory_kv`].
//!
//! [`Connector::memory_kv`]: super::Connector::memory_kv

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, PoisonError};

/// An in-memory key-value store with Redis's two most used shapes, strings and hashes, sharing
/// one key space. Safe to use from many flows at once.
///
/// ```
/// let kv = kisflow::MemoryKv::new();
/// kv.hset("stu_101", "avg_score", "95")?;
/// assert_eq!(kv.hget("stu_101", "avg_score")?.as_deref(), Some("95"));
/// assert!(kv.get("stu_101").is_err()); // a hash, not a string
/// # Ok::<(), kisflow::KvWrongType>(())
/// ```
#[derive(Debug, Default)]
pub struct MemoryKv {
    entries: Mutex<HashMap<String, Value>>,
}

#[derive(Debug, Clone)]
enum Value {
    Text(String),
    Hash(BTreeMap<String, String>),
}

impl Value {
    fn kind(&self) -> &'static str {
        match self {
            Value::Text(_) => "string",
            Value::Hash(_) => "hash",
        }
    }
}

/// An operation on a key that holds the other shape (a string read as a hash, or the reverse).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("key \"{key}\" holds a {holds}, not a {wanted}")]
pub struct KvWrongType {
    /// The key.
    pub key: String,
    /// What it holds: `"string"` or `"hash"`.
    pub holds: &'static str,
    /// What the operation works on.
    pub wanted: &'static str,
}

impl MemoryKv {
    /// `conn_type` of connectors made by [`Connector::memory_kv`](super::Connector::memory_kv).
    pub const TYPE: &'static str = "memory";

    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, Value>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sets `key` to the string `value`, whatever it held.
    pub fn set(&self, key: impl Into<String>, value: impl Into<String>) {
        self.entries().insert(key.into(), Value::Text(value.into()));
    }

    /// The string under `key`, if any.
    pub fn get(&self, key: &str) -> Result<Option<String>, KvWrongType> {
        match self.entries().get(key) {
            None => Ok(None),
            Some(Value::Text(text)) => Ok(Some(text.clone())),
            Some(other) => Err(wrong(key, other, "string")),
        }
    }

    /// Sets `field` of the hash under `key`, creating the hash.
    pub fn hset(
        &self,
        key: impl Into<String>,
        field: impl Into<String>,
        value: impl Into<String>,
    ) -> Result<(), KvWrongType> {
        let key = key.into();
        let mut entries = self.entries();
        let entry = entries
            .entry(key.clone())
            .or_insert_with(|| Value::Hash(BTreeMap::new()));
        match entry {
            Value::Hash(hash) => {
                hash.insert(field.into(), value.into());
                Ok(())
            }
            other @ Value::Text(_) => Err(wrong(&key, other, "hash")),
        }
    }

    /// One field of the hash under `key`.
    pub fn hget(&self, key: &str, field: &str) -> Result<Option<String>, KvWrongType> {
        Ok(self.hgetall(key)?.remove(field))
    }

    /// Every field of the hash under `key`; empty when there is no such key.
    pub fn hgetall(&self, key: &str) -> Result<BTreeMap<String, String>, KvWrongType> {
        match self.entries().get(key) {
            None => Ok(BTreeMap::new()),
            Some(Value::Hash(hash)) => Ok(hash.clone()),
            Some(other) => Err(wrong(key, other, "hash")),
        }
    }

    /// Removes `key`; whether it was there.
    pub fn del(&self, key: &str) -> bool {
        self.entries().remove(key).is_some()
    }

    /// Every key, sorted.
    #[must_use]
    pub fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self.entries().keys().cloned().collect();
        keys.sort();
        keys
    }
}

fn wrong(key: &str, holds: &Value, wanted: &'static str) -> KvWrongType {
    KvWrongType {
        key: key.to_owned(),
        holds: holds.kind(),
        wanted,
    }
}

/// A key of the other shape, as kisflow's one error type: [`Error::WrongType`](crate::Error::WrongType).
impl From<KvWrongType> for crate::Error {
    fn from(err: KvWrongType) -> Self {
        Self::WrongType {
            store: "memory kv key",
            key: err.key,
            stored: err.holds,
            asked: err.wanted,
        }
    }
}
