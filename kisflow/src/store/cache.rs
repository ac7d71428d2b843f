//! [`Cache`]: a flow instance's cache, each entry with its own time-to-live.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::Stored;
use crate::error::Result;

/// A flow instance's cache (Go KisFlow's `SetCacheData`/`GetCacheData`): typed values, each with
/// its own time-to-live. An expired entry reads as absent. A fork starts with an empty cache.
///
/// Reach it with [`FlowCtx::cache`](crate::FlowCtx::cache) or [`Flow::cache`](crate::Flow::cache).
///
/// ```
/// use std::time::Duration;
///
/// let cache = kisflow::Cache::new();
/// cache.set("token", "abc".to_string());
/// cache.set_with_ttl("nonce", 7u64, Duration::from_millis(20));
/// assert_eq!(cache.get::<u64>("nonce")?, Some(7));
/// std::thread::sleep(Duration::from_millis(40));
/// assert_eq!(cache.get::<u64>("nonce")?, None);
/// assert_eq!(cache.get::<String>("token")?.as_deref(), Some("abc"));
/// # Ok::<(), kisflow::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct Cache {
    /// Shared by the handles of one flow instance (clones), as its metadata is.
    entries: Arc<Mutex<Entries>>,
}

#[derive(Default)]
struct Entries {
    map: HashMap<String, Entry>,
    /// The size after the last sweep of expired entries: the next sweep comes when the map has
    /// doubled since, so expired entries cost memory only until then, and sweeping stays
    /// amortised O(1) per insert.
    swept_at: usize,
}

struct Entry {
    stored: Stored,
    /// When it stops being readable; `None` for an entry that lives until replaced or removed.
    expires: Option<Instant>,
}

impl Entry {
    fn is_live(&self, now: Instant) -> bool {
        self.expires.is_none_or(|at| now < at)
    }
}

impl Cache {
    /// An empty cache.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Stores `value` under `key` until it is replaced or removed.
    pub fn set<T: Any + Send + Sync>(&self, key: impl Into<String>, value: T) {
        self.insert(key.into(), value, None);
    }

    /// Stores `value` under `key` for `ttl`; after that it reads as absent.
    pub fn set_with_ttl<T: Any + Send + Sync>(
        &self,
        key: impl Into<String>,
        value: T,
        ttl: Duration,
    ) {
        self.insert(key.into(), value, Some(ttl));
    }

    fn insert<T: Any + Send + Sync>(&self, key: String, value: T, ttl: Option<Duration>) {
        let now = Instant::now();
        let entry = Entry {
            stored: Stored::new(value),
            // A ttl too long to add to now never expires in practice.
            expires: ttl.and_then(|ttl| now.checked_add(ttl)),
        };
        let mut entries = self.lock();
        entries.map.insert(key, entry);
        if entries.map.len() >= (entries.swept_at * 2).max(64) {
            entries.map.retain(|_, entry| entry.is_live(now));
            entries.swept_at = entries.map.len();
        }
    }

    /// A copy of the live value under `key`, `None` when there is none or it expired, or
    /// [`Error::WrongType`](crate::Error::WrongType) when it was stored as another type.
    pub fn get<T: Any + Clone>(&self, key: &str) -> Result<Option<T>> {
        let entries = self.lock();
        entries
            .map
            .get(key)
            .filter(|entry| entry.is_live(Instant::now()))
            .map(|entry| entry.stored.typed("cache entry", key))
            .transpose()
    }

    /// Removes `key`.
    pub fn remove(&self, key: &str) {
        self.lock().map.remove(key);
    }

    fn lock(&self) -> MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expired_entries_are_swept_as_the_cache_grows() {
        let cache = Cache::new();
        for n in 0..100 {
            cache.set_with_ttl(format!("old{n}"), n, Duration::ZERO);
        }
        cache.set("kept", 1u8);
        for n in 0..200 {
            cache.set(format!("new{n}"), n);
        }
        let entries = cache.lock();
        assert!(!entries.map.keys().any(|k| k.starts_with("old")));
        assert_eq!(entries.map.len(), 201);
    }

    #[test]
    fn clones_share_their_entries_and_a_replaced_entry_takes_its_new_ttl() {
        let cache = Cache::new();
        let other = cache.clone();
        cache.set_with_ttl("k", 1u32, Duration::ZERO);
        assert_eq!(other.get::<u32>("k").unwrap(), None);
        other.set("k", 2u32);
        assert_eq!(cache.get::<u32>("k").unwrap(), Some(2));
        cache.remove("k");
        assert_eq!(other.get::<u32>("k").unwrap(), None);
        assert!(cache.get::<u32>("missing").unwrap().is_none());
    }
}
