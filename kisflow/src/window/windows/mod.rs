//! [`Windows`]: keyed tumbling and sliding windows over event time, fired by a watermark.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;
use std::time::Instant;

mod fire;

use super::clock::{Clock, Millis};
use super::{Aggregate, Pushed, Window, WindowResult, WindowSpec};
use fire::emit;

/// How many emptied window maps are kept for reuse: enough for the few windows open at once in
/// a steady stream, few enough that a burst of windows does not pin its memory.
const SPARE_MAPS: usize = 4;

type KeyFn<R, K> = Box<dyn Fn(&R) -> K + Send>;
type TimeFn<R> = Box<dyn Fn(&R) -> i64 + Send>;

/// Keyed event-time windows: push rows in arrival order, take the results a push or
/// [`advance`](Self::advance) emits. See the [module docs](super) for the semantics.
///
/// ```
/// use std::time::Duration;
/// use kisflow::window::{Count, Window, Windows};
///
/// let mut counts = Windows::tumbling(Duration::from_millis(10))
///     .build(|row: &(char, i64)| row.0, |row: &(char, i64)| row.1, Count);
/// assert!(counts.push(('a', 1)).results.is_empty());
/// let _ = counts.push(('a', 4));
/// let _ = counts.push(('b', 7));
/// let fired = counts.push(('a', 12)).results; // the watermark reaches 12: [0, 10) fires
/// let got: Vec<_> = fired.iter().map(|r| (r.key, r.window, r.value)).collect();
/// let first = Window { start: 0, end: 10 };
/// assert_eq!(got, [('a', first, 2), ('b', first, 1)]);
/// assert_eq!(counts.flush()[0].value, 1); // ('a', [10, 20)) at the end of the stream
/// assert!(counts.is_empty());
/// ```
pub struct Windows<R, K, A: Aggregate<R>> {
    spec: WindowSpec,
    key: KeyFn<R, K>,
    time: TimeFn<R>,
    aggregate: A,
    clock: Clock,
    /// The windows holding state, by start: all have one size, so this is also their end order.
    open: BTreeMap<Millis, HashMap<K, Slot<A::Acc>>>,
    /// How many (key, window) accumulators `open` holds.
    slots: usize,
    /// Emptied maps of dropped windows, kept with their capacity for the next windows.
    spare: Vec<HashMap<K, Slot<A::Acc>>>,
}

/// One key's accumulator in one window, and how many results it has emitted.
struct Slot<Acc> {
    acc: Acc,
    emitted: u32,
}

impl<R, K, A> Windows<R, K, A>
where
    K: Hash + Ord + Clone,
    A: Aggregate<R>,
{
    pub(crate) fn from_spec(
        spec: WindowSpec,
        key: KeyFn<R, K>,
        time: TimeFn<R>,
        aggregate: A,
        clock: Clock,
    ) -> Self {
        Self {
            spec,
            key,
            time,
            aggregate,
            clock,
            open: BTreeMap::new(),
            slots: 0,
            spare: Vec::new(),
        }
    }

    /// Takes one row, arrived now; see [`push_at`](Self::push_at).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use kisflow::window::{Count, Windows};
    /// let mut counts = Windows::tumbling(Duration::from_secs(1)).build(|_: &i64| (), |t: &i64| *t, Count);
    /// assert!(counts.push(500).results.is_empty()); // [0, 1000) is open
    /// assert_eq!(counts.push(1_000).results[0].value, 1); // and now closed
    /// ```
    pub fn push(&mut self, row: R) -> Pushed<K, A::Out, R> {
        self.push_at(row, Instant::now())
    }

    /// Takes one row that arrived at `now` (processing time, for the idle timeout). The row
    /// counts in each of its windows the watermark has not passed by more than the allowed
    /// lateness; a window it reaches after the watermark passed its end emits again at once.
    ///
    /// ```
    /// # use std::time::{Duration, Instant};
    /// # use kisflow::window::{Count, Windows};
    /// let mut counts = Windows::tumbling(Duration::from_secs(1))
    ///     .lateness(Duration::from_secs(1))
    ///     .build(|_: &i64| (), |t: &i64| *t, Count);
    /// let now = Instant::now();
    /// let _ = counts.push_at(100, now);
    /// let _ = counts.push_at(1_500, now); // [0, 1000) fires with 1 row
    /// let update = counts.push_at(200, now).results; // within the lateness: again, with 2
    /// assert_eq!((update[0].value, update[0].revision), (2, 1));
    /// ```
    pub fn push_at(&mut self, row: R, now: Instant) -> Pushed<K, A::Out, R> {
        let mut results = self.advance(now);
        let (time, key) = ((self.time)(&row), (self.key)(&row));
        let watermark = self.clock.current();
        let (mut missed, mut counted) = (None, 0_usize);
        let mut starts = self.spec.starts(time).peekable();
        // The key moves into the last window's map, so one hash and no clone in a tumbling one.
        let mut key = Some(key);
        while let Some(start) = starts.next() {
            let window = Window::starting(start, self.spec.size);
            if watermark >= window.end.saturating_add(self.spec.lateness) {
                missed.get_or_insert(window);
                continue;
            }
            let Some(owned) = (if starts.peek().is_some() {
                key.clone()
            } else {
                key.take()
            }) else {
                break;
            };
            counted += 1;
            let spare = &mut self.spare;
            let keys = self
                .open
                .entry(start)
                .or_insert_with(|| spare.pop().unwrap_or_default());
            // Only a window that already fired needs the key again, to emit at once.
            let again = (watermark >= window.end).then(|| owned.clone());
            let slot = match keys.entry(owned) {
                Entry::Occupied(slot) => slot.into_mut(),
                Entry::Vacant(vacant) => {
                    self.slots += 1;
                    let acc = self.aggregate.init();
                    vacant.insert(Slot { acc, emitted: 0 })
                }
            };
            self.aggregate.add(&mut slot.acc, &row);
            if let Some(key) = again {
                results.push(emit(&self.aggregate, &key, window, slot));
            }
        }
        let before = self.clock.current();
        self.clock.observe(time, now);
        self.fire(before, &mut results);
        let late = missed.map(|window| self.late(row, time, watermark, window, counted));
        Pushed { results, late }
    }

    /// Moves the watermark by the idle timeout, as of `now`, and returns the windows that fired.
    /// Call it from a timer while the stream may be quiet; a push does it too.
    ///
    /// ```
    /// # use std::time::{Duration, Instant};
    /// # use kisflow::window::{Count, Windows};
    /// let mut counts = Windows::tumbling(Duration::from_secs(1))
    ///     .idle_timeout(Duration::from_secs(5))
    ///     .build(|_: &i64| (), |t: &i64| *t, Count);
    /// let t0 = Instant::now();
    /// let _ = counts.push_at(900, t0);
    /// assert!(counts.advance(t0 + Duration::from_secs(5)).is_empty()); // watermark 900
    /// let fired = counts.advance(t0 + Duration::from_millis(5_100)); // watermark 1000
    /// assert_eq!(fired[0].value, 1);
    /// ```
    pub fn advance(&mut self, now: Instant) -> Vec<WindowResult<K, A::Out>> {
        let mut results = Vec::new();
        let before = self.clock.current();
        self.clock.idle_advance(now);
        self.fire(before, &mut results);
        results
    }

    /// Ends the stream: every window still open fires, all state is dropped, and any row pushed
    /// later is late.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use kisflow::window::{Count, Windows};
    /// let mut counts = Windows::tumbling(Duration::from_secs(1)).build(|_: &i64| (), |t: &i64| *t, Count);
    /// let _ = counts.push(100);
    /// let _ = counts.push(2_100);
    /// assert_eq!(counts.flush().len(), 1); // [2000, 3000); [0, 1000) fired at 2100
    /// assert!(counts.push(5_000).late.is_some());
    /// ```
    pub fn flush(&mut self) -> Vec<WindowResult<K, A::Out>> {
        let mut results = Vec::new();
        let before = self.clock.current();
        self.clock.raise(Millis::MAX);
        self.fire(before, &mut results);
        self.open.clear();
        self.spare = Vec::new();
        self.slots = 0;
        results
    }

    /// The watermark in milliseconds; `i64::MIN` before the first row.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use kisflow::window::{Count, Windows};
    /// let mut counts = Windows::tumbling(Duration::from_secs(1))
    ///     .out_of_order(Duration::from_millis(300))
    ///     .build(|_: &i64| (), |t: &i64| *t, Count);
    /// assert_eq!(counts.watermark(), i64::MIN);
    /// let _ = counts.push(1_000);
    /// assert_eq!(counts.watermark(), 700);
    /// ```
    #[must_use]
    pub fn watermark(&self) -> i64 {
        self.clock.current()
    }

    /// How many (key, window) accumulators are held: 0 once every window has closed.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use kisflow::window::{Count, Windows};
    /// let mut counts = Windows::tumbling(Duration::from_secs(1)).build(|k: &(u8, i64)| k.0, |k: &(u8, i64)| k.1, Count);
    /// let _ = counts.push((1, 10));
    /// let _ = counts.push((2, 20));
    /// assert_eq!(counts.len(), 2);
    /// let _ = counts.push((1, 1_000)); // [0, 1000) closes
    /// assert_eq!(counts.len(), 1);
    /// ```
    #[must_use]
    pub fn len(&self) -> usize {
        self.slots
    }

    /// Whether no window holds state.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use kisflow::window::{Count, Windows};
    /// let mut counts = Windows::tumbling(Duration::from_secs(1)).build(|_: &i64| (), |t: &i64| *t, Count);
    /// let _ = counts.push(10);
    /// assert!(!counts.is_empty());
    /// let _ = counts.flush();
    /// assert!(counts.is_empty());
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.slots == 0
    }

    /// How many emptied maps are kept for reuse, for the tests of memory.
    #[cfg(test)]
    pub(crate) fn spare_maps(&self) -> usize {
        self.spare.len()
    }
}
