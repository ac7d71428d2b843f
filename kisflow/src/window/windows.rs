//! [`Windows`]: keyed tumbling and sliding windows over event time, fired by a watermark.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;
use std::time::{Duration, Instant};

use super::clock::{Clock, Millis};
use super::{Aggregate, Late, Window, WindowResult, WindowSpec};

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

/// What one [`Windows::push`] gives back: results it made due, and the row itself if it was late.
#[derive(Debug)]
#[must_use = "a push can fire windows and refuse late rows; read both"]
pub struct Pushed<K, O, R> {
    /// Results emitted by this push: windows the watermark passed, and windows a late row updated.
    pub results: Vec<WindowResult<K, O>>,
    /// The row, when it came too late for at least one of its windows.
    pub late: Option<Late<R>>,
}

impl Windows<(), (), super::Count> {
    /// Windows of `size` that do not overlap: `[0, size)`, `[size, 2 size)`…
    ///
    /// # Panics
    /// When `size` is under a millisecond.
    ///
    /// ```
    /// # use std::time::Duration;
    /// let spec = kisflow::window::Windows::tumbling(Duration::from_secs(60));
    /// ```
    pub fn tumbling(size: Duration) -> WindowSpec {
        WindowSpec::new(size, size)
    }

    /// Windows of `size` starting every `slide` (a multiple of it since time 0), so a row is in
    /// about `size / slide` windows.
    ///
    /// # Panics
    /// When `slide` is under a millisecond or longer than `size`.
    ///
    /// ```
    /// # use std::time::Duration;
    /// let spec = kisflow::window::Windows::sliding(Duration::from_secs(60), Duration::from_secs(15));
    /// ```
    pub fn sliding(size: Duration, slide: Duration) -> WindowSpec {
        WindowSpec::new(size, slide)
    }
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
    pub fn push(&mut self, row: R) -> Pushed<K, A::Out, R> {
        self.push_at(row, Instant::now())
    }

    /// Takes one row that arrived at `now` (processing time, for the idle timeout). The row
    /// counts in each of its windows the watermark has not passed by more than the allowed
    /// lateness; a window it reaches after the watermark passed its end emits again at once.
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
    pub fn advance(&mut self, now: Instant) -> Vec<WindowResult<K, A::Out>> {
        let mut results = Vec::new();
        let before = self.clock.current();
        self.clock.idle_advance(now);
        self.fire(before, &mut results);
        results
    }

    /// Ends the stream: every window still open fires, all state is dropped, and any row pushed
    /// later is late.
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
    #[must_use]
    pub fn watermark(&self) -> i64 {
        self.clock.current()
    }

    /// How many (key, window) accumulators are held: 0 once every window has closed.
    #[must_use]
    pub fn len(&self) -> usize {
        self.slots
    }

    /// Whether no window holds state.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.slots == 0
    }

    /// Emits the windows whose end the watermark passed since `before`, then drops those past
    /// their allowed lateness.
    fn fire(&mut self, before: Millis, results: &mut Vec<WindowResult<K, A::Out>>) {
        let (now, size) = (self.clock.current(), self.spec.size);
        if now <= before {
            return;
        }
        // Ends in (before, now], so starts in (before - size, now - size].
        let (low, high) = (
            before.saturating_sub(size).saturating_add(1),
            now.saturating_sub(size),
        );
        if low <= high {
            for (start, keys) in self.open.range_mut(low..=high) {
                let window = Window::starting(*start, size);
                let mut due: Vec<_> = keys.iter_mut().collect();
                due.sort_unstable_by(|a, b| a.0.cmp(b.0));
                results.extend(
                    due.into_iter()
                        .map(|(key, slot)| emit(&self.aggregate, key, window, slot)),
                );
            }
        }
        let kept_until = size.saturating_add(self.spec.lateness);
        while let Some(entry) = self.open.first_entry() {
            if entry.key().saturating_add(kept_until) > now {
                break;
            }
            let mut keys = entry.remove();
            self.slots -= keys.len();
            if self.spare.len() < SPARE_MAPS {
                keys.clear();
                self.spare.push(keys);
            }
        }
        if self.open.is_empty() {
            // Every window closed: memory goes back to nothing, not to a few spare maps.
            self.spare = Vec::new();
        }
    }

    /// The late row, with why: `watermark` is the one it was judged against.
    fn late(
        &self,
        row: R,
        time: Millis,
        watermark: Millis,
        window: Window,
        counted: usize,
    ) -> Late<R> {
        let lateness = self.spec.lateness;
        let counted = match counted {
            0 => "no window".to_owned(),
            1 => "1 later window".to_owned(),
            n => format!("{n} later windows"),
        };
        let reason = format!(
            "row at {time} ms is behind window [{}, {}) of `{}`: the watermark is {watermark} ms, \
             and the window took late rows only until the watermark passed {} ms (allowed \
             lateness {lateness} ms); the row is counted in {counted}; raise the allowed lateness \
             or the out-of-orderness to count rows this late",
            window.start,
            window.end,
            self.spec.name,
            window.end.saturating_add(lateness),
        );
        Late {
            row,
            time,
            watermark,
            window: Some(window),
            reason,
            operator: self.spec.name.clone(),
        }
    }
}

/// The result of one key's window as it stands, numbered by how many came before it.
fn emit<R, K: Clone, A: Aggregate<R>>(
    aggregate: &A,
    key: &K,
    window: Window,
    slot: &mut Slot<A::Acc>,
) -> WindowResult<K, A::Out> {
    let revision = slot.emitted;
    slot.emitted += 1;
    WindowResult {
        key: key.clone(),
        window,
        value: aggregate.finish(&slot.acc),
        revision,
    }
}
