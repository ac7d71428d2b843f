//! [`Side`]: the rows one input of an interval join keeps, by key and by event time, until the
//! other input's watermark makes a match impossible.

use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;

use super::clock::{Clock, Millis};

pub(crate) type KeyFn<R, K> = Box<dyn Fn(&R) -> K + Send>;
pub(crate) type TimeFn<R> = Box<dyn Fn(&R) -> i64 + Send>;

/// One input of an interval join: how to read its rows, its watermark, and its buffered rows.
pub(crate) struct Side<K, R> {
    pub(crate) label: &'static str,
    pub(crate) key: KeyFn<R, K>,
    pub(crate) time: TimeFn<R>,
    pub(crate) clock: Clock,
    /// A row at `t` matches rows of the other input at `t + reach.0 ..= t + reach.1`.
    pub(crate) reach: (Millis, Millis),
    /// Rows by key, then by (time, arrival), for the lookups of the other side's rows.
    by_key: HashMap<K, BTreeMap<(Millis, u64), R>>,
    /// Keys by (time, arrival), so eviction walks time order without visiting every key.
    by_time: BTreeMap<(Millis, u64), K>,
    arrivals: u64,
}

impl<K: Hash + Eq + Clone, R> Side<K, R> {
    pub(crate) fn new(
        label: &'static str,
        key: KeyFn<R, K>,
        time: TimeFn<R>,
        clock: Clock,
        reach: (Millis, Millis),
    ) -> Self {
        Self {
            label,
            key,
            time,
            clock,
            reach,
            by_key: HashMap::new(),
            by_time: BTreeMap::new(),
            arrivals: 0,
        }
    }

    /// The buffered rows of `key` with a time in `from..=to`, in time order.
    pub(crate) fn matches(&self, key: &K, from: Millis, to: Millis) -> impl Iterator<Item = &R> {
        self.by_key
            .get(key)
            .filter(|_| from <= to)
            .into_iter()
            .flat_map(move |rows| rows.range((from, 0)..=(to, u64::MAX)).map(|(_, row)| row))
    }

    /// Keeps a row for the other input's rows still to come.
    pub(crate) fn insert(&mut self, key: K, time: Millis, row: R) {
        let at = (time, self.arrivals);
        self.arrivals += 1;
        self.by_time.insert(at, key.clone());
        self.by_key.entry(key).or_default().insert(at, row);
    }

    /// Whether a row at `time` can still meet a row of the other input: that input's rows to
    /// come are at or above its watermark `other`.
    pub(crate) fn may_match(&self, time: Millis, other: Millis) -> bool {
        time.saturating_add(self.reach.1) >= other
    }

    /// Drops the rows no row of the other input can match any more (the test of `may_match`).
    pub(crate) fn evict(&mut self, other: Millis) {
        while let Some(entry) = self.by_time.first_entry() {
            if entry.key().0.saturating_add(self.reach.1) >= other {
                break;
            }
            let (at, key) = entry.remove_entry();
            if let Some(rows) = self.by_key.get_mut(&key) {
                rows.remove(&at);
                if rows.is_empty() {
                    self.by_key.remove(&key);
                }
            }
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.by_time.len()
    }
}
