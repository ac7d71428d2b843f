//! [`Cache`]: a flow instance's cache, each entry with its own time-to-live.

use std::any::Any;
use std::time::{Duration, Instant};

use moka::sync::Cache as Moka;

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
#[derive(Clone)]
pub struct Cache {
    entries: Moka<String, Entry>,
}

#[derive(Clone, Debug)]
struct Entry {
    stored: Stored,
    ttl: Option<Duration>,
}

/// Each entry expires after its own time-to-live, counted from when it was set.
struct PerEntry;

impl moka::Expiry<String, Entry> for PerEntry {
    fn expire_after_create(&self, _key: &String, entry: &Entry, _now: Instant) -> Option<Duration> {
        entry.ttl
    }

    fn expire_after_update(
        &self,
        _key: &String,
        entry: &Entry,
        _now: Instant,
        _current: Option<Duration>,
    ) -> Option<Duration> {
        entry.ttl
    }
}

impl Cache {
    /// An empty cache.
    #[must_use]
    pub fn new() -> Self {
        Self {
            entries: Moka::builder().expire_after(PerEntry).build(),
        }
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
        let stored = Stored::new(value);
        self.entries.insert(key, Entry { stored, ttl });
    }

    /// A copy of the live value under `key`, `None` when there is none or it expired, or
    /// [`Error::WrongType`](crate::Error::WrongType) when it was stored as another type.
    pub fn get<T: Any + Clone>(&self, key: &str) -> Result<Option<T>> {
        self.entries
            .get(key)
            .map(|entry| entry.stored.typed("cache entry", key))
            .transpose()
    }

    /// Removes `key`.
    pub fn remove(&self, key: &str) {
        self.entries.invalidate(key);
    }
}

impl Default for Cache {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache").finish_non_exhaustive()
    }
}
