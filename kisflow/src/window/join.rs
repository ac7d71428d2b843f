//! [`IntervalJoin`]: rows of two inputs with the same key whose event times lie within a bound
//! of each other, typed as [`Joined`].

use std::hash::Hash;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::Late;
use super::join_side::Side;

/// A left row and a right row that met in an [`IntervalJoin`]: the row type a flow after the join
/// takes, so `flow.commit_batch(pushed.joined)` is type-checked like any edge.
///
/// ```
/// let pair = kisflow::window::Joined { left: "order 1", right: "payment 9" };
/// assert_eq!(pair.right, "payment 9");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Joined<A, B> {
    /// The row of the left input.
    pub left: A,
    /// The row of the right input.
    pub right: B,
}

/// What one push into an [`IntervalJoin`] gives back.
///
/// ```
/// # use kisflow::window::IntervalJoin;
/// let mut join = IntervalJoin::between(0, 10)
///     .build(|a: &(u8, i64)| a.0, |a: &(u8, i64)| a.1, |b: &(u8, i64)| b.0, |b: &(u8, i64)| b.1);
/// let _ = join.push_left((1, 100));
/// let pushed = join.push_right((1, 104));
/// assert_eq!(pushed.joined.len(), 1);
/// assert!(pushed.late.is_none());
/// ```
#[derive(Debug)]
#[must_use = "a push can join rows and refuse late ones; read both"]
pub struct JoinPushed<A, B, R> {
    /// The pairs this row completed, in the other input's time order.
    pub joined: Vec<Joined<A, B>>,
    /// The row, when it came behind its input's watermark (it joins nothing).
    pub late: Option<Late<R>>,
}

/// A keyed interval join (inner): a left row at `a` and a right row at `b` of the same key are
/// emitted as one [`Joined`] when `a + lower <= b <= a + upper`, as soon as the second of them
/// arrives. See the [module docs](super) for watermarks, late rows and idle inputs.
///
/// ```
/// use kisflow::window::{IntervalJoin, Joined};
///
/// let mut join = IntervalJoin::between(0, 10).build(
///     |a: &(char, i64)| a.0, |a: &(char, i64)| a.1,
///     |b: &(char, i64)| b.0, |b: &(char, i64)| b.1,
/// );
/// assert!(join.push_left(('k', 100)).joined.is_empty());
/// let got = join.push_right(('k', 105)).joined;
/// assert_eq!(got, [Joined { left: ('k', 100), right: ('k', 105) }]);
/// assert!(join.push_right(('k', 111)).joined.is_empty()); // past 100 + 10
/// assert!(join.push_right(('j', 104)).joined.is_empty()); // another key
/// ```
pub struct IntervalJoin<K, A, B> {
    pub(crate) left: Side<K, A>,
    pub(crate) right: Side<K, B>,
    pub(crate) name: String,
    /// The first push or advance: a side that never had a row is idle from then.
    pub(crate) started: Option<Instant>,
}

impl<K, A, B> IntervalJoin<K, A, B>
where
    K: Hash + Eq + Clone,
    A: Clone,
    B: Clone,
{
    /// Takes one row of the left input, arrived now; see [`push_left_at`](Self::push_left_at).
    ///
    /// ```
    /// # use kisflow::window::IntervalJoin;
    /// # let build = |spec: kisflow::window::JoinSpec| spec.build(|a: &(u8, i64)| a.0, |a: &(u8, i64)| a.1, |b: &(u8, i64)| b.0, |b: &(u8, i64)| b.1);
    /// let mut join = build(IntervalJoin::between(0, 10));
    /// assert!(join.push_left((1, 100)).joined.is_empty()); // no right row yet
    /// ```
    pub fn push_left(&mut self, row: A) -> JoinPushed<A, B, A> {
        self.push_left_at(row, Instant::now())
    }

    /// Takes one row of the left input that arrived at `now` (processing time, for the idle
    /// timeout): the pairs it makes with the right rows buffered, or the row back if it is late.
    ///
    /// ```
    /// # use std::time::Instant;
    /// # use kisflow::window::IntervalJoin;
    /// # let build = |spec: kisflow::window::JoinSpec| spec.build(|a: &(u8, i64)| a.0, |a: &(u8, i64)| a.1, |b: &(u8, i64)| b.0, |b: &(u8, i64)| b.1);
    /// let mut join = build(IntervalJoin::between(-10, 10));
    /// let now = Instant::now();
    /// let _ = join.push_right_at((1, 95), now);
    /// assert_eq!(join.push_left_at((1, 100), now).joined[0].right, (1, 95));
    /// assert!(join.push_left_at((1, 50), now).late.is_some()); // behind the left watermark, 100
    /// ```
    pub fn push_left_at(&mut self, row: A, now: Instant) -> JoinPushed<A, B, A> {
        self.advance(now);
        let name = &self.name;
        let pushed = push(&mut self.left, &mut self.right, row, now, name, |a, b| {
            Joined {
                left: a.clone(),
                right: b.clone(),
            }
        });
        // Once more, as the row may have moved the watermark a quiet input follows.
        self.advance(now);
        pushed
    }

    /// Takes one row of the right input, arrived now; see [`push_right_at`](Self::push_right_at).
    ///
    /// ```
    /// # use kisflow::window::IntervalJoin;
    /// # let build = |spec: kisflow::window::JoinSpec| spec.build(|a: &(u8, i64)| a.0, |a: &(u8, i64)| a.1, |b: &(u8, i64)| b.0, |b: &(u8, i64)| b.1);
    /// let mut join = build(IntervalJoin::between(0, 10));
    /// let _ = join.push_left((1, 100));
    /// assert_eq!(join.push_right((1, 110)).joined[0].left, (1, 100));
    /// ```
    pub fn push_right(&mut self, row: B) -> JoinPushed<A, B, B> {
        self.push_right_at(row, Instant::now())
    }

    /// Takes one row of the right input that arrived at `now`; the mirror of
    /// [`push_left_at`](Self::push_left_at).
    ///
    /// ```
    /// # use std::time::Instant;
    /// # use kisflow::window::IntervalJoin;
    /// # let build = |spec: kisflow::window::JoinSpec| spec.build(|a: &(u8, i64)| a.0, |a: &(u8, i64)| a.1, |b: &(u8, i64)| b.0, |b: &(u8, i64)| b.1);
    /// let mut join = build(IntervalJoin::between(0, 10));
    /// let now = Instant::now();
    /// let _ = join.push_left_at((1, 100), now);
    /// assert!(join.push_right_at((1, 111), now).joined.is_empty()); // past 100 + 10
    /// ```
    pub fn push_right_at(&mut self, row: B, now: Instant) -> JoinPushed<A, B, B> {
        self.advance(now);
        let name = &self.name;
        let pushed = push(&mut self.right, &mut self.left, row, now, name, |b, a| {
            Joined {
                left: a.clone(),
                right: b.clone(),
            }
        });
        self.advance(now);
        pushed
    }

    /// Applies the idle timeout as of `now`: a quiet input's watermark moves on, and the rows
    /// no future row can match are dropped. Call it from a timer while an input may be quiet; a
    /// push does it too.
    ///
    /// ```
    /// # use std::time::{Duration, Instant};
    /// # use kisflow::window::IntervalJoin;
    /// # let build = |spec: kisflow::window::JoinSpec| spec.build(|a: &(u8, i64)| a.0, |a: &(u8, i64)| a.1, |b: &(u8, i64)| b.0, |b: &(u8, i64)| b.1);
    /// let mut join = build(IntervalJoin::between(0, 10).idle_timeout(Duration::from_secs(1)));
    /// let t0 = Instant::now();
    /// let _ = join.push_left_at((1, 100), t0);
    /// join.advance(t0 + Duration::from_secs(2)); // both quiet: the watermarks reach 1100
    /// assert!(join.is_empty());
    /// ```
    pub fn advance(&mut self, now: Instant) {
        let since = *self.started.get_or_insert(now);
        let left_idle = self.left.clock.is_idle(now, since);
        let right_idle = self.right.clock.is_idle(now, since);
        // A quiet input must not hold the other's rows forever (the stalled join of Flink's
        // FLINK-38477): it follows the busy input's watermark. Only when both are quiet does
        // processing time move them, as it moves a window's.
        match (left_idle, right_idle) {
            (true, true) => {
                self.left.clock.idle_advance(now);
                self.right.clock.idle_advance(now);
                let both = self.left.clock.current().max(self.right.clock.current());
                self.left.clock.raise(both);
                self.right.clock.raise(both);
            }
            (true, false) => self.left.clock.raise(self.right.clock.current()),
            (false, true) => self.right.clock.raise(self.left.clock.current()),
            (false, false) => {}
        }
        self.left.evict(self.right.clock.current());
        self.right.evict(self.left.clock.current());
    }

    /// The watermarks of the left and right inputs in milliseconds; `i64::MIN` before a row.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use kisflow::window::IntervalJoin;
    /// # let build = |spec: kisflow::window::JoinSpec| spec.build(|a: &(u8, i64)| a.0, |a: &(u8, i64)| a.1, |b: &(u8, i64)| b.0, |b: &(u8, i64)| b.1);
    /// let mut join = build(IntervalJoin::between(0, 10).out_of_order(Duration::from_millis(5)));
    /// let _ = join.push_left((1, 100));
    /// assert_eq!(join.watermarks(), (95, i64::MIN));
    /// ```
    #[must_use]
    pub fn watermarks(&self) -> (i64, i64) {
        (self.left.clock.current(), self.right.clock.current())
    }

    /// How many rows of both inputs are buffered: 0 once the watermarks passed every match.
    ///
    /// ```
    /// # use kisflow::window::IntervalJoin;
    /// # let build = |spec: kisflow::window::JoinSpec| spec.build(|a: &(u8, i64)| a.0, |a: &(u8, i64)| a.1, |b: &(u8, i64)| b.0, |b: &(u8, i64)| b.1);
    /// let mut join = build(IntervalJoin::between(0, 10));
    /// let _ = join.push_left((1, 100));
    /// assert_eq!(join.len(), 1);
    /// let _ = join.push_right((2, 200)); // the right watermark 200 is past 100 + 10
    /// assert_eq!(join.len(), 1); // the right row waits for left rows from 190 on
    /// ```
    #[must_use]
    pub fn len(&self) -> usize {
        self.left.len() + self.right.len()
    }

    /// Whether no row is buffered.
    ///
    /// ```
    /// # use kisflow::window::IntervalJoin;
    /// # let build = |spec: kisflow::window::JoinSpec| spec.build(|a: &(u8, i64)| a.0, |a: &(u8, i64)| a.1, |b: &(u8, i64)| b.0, |b: &(u8, i64)| b.1);
    /// let join = build(IntervalJoin::between(0, 10));
    /// assert!(join.is_empty());
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One row into `mine`: joined with the rows `other` holds, kept while rows of `other` to come may
/// still match it, or refused when it is behind its own input's watermark. The caller evicts.
fn push<K, X, Y, A, B>(
    mine: &mut Side<K, X>,
    other: &mut Side<K, Y>,
    row: X,
    now: Instant,
    name: &str,
    pair: impl Fn(&X, &Y) -> Joined<A, B>,
) -> JoinPushed<A, B, X>
where
    K: Hash + Eq + Clone,
{
    let (time, key) = ((mine.time)(&row), (mine.key)(&row));
    let watermark = mine.clock.current();
    if time < watermark {
        // Still an arrival: the input is not quiet.
        mine.clock.observe(time, now);
        // Rows it would have matched may be gone already, so it joins none: a partial answer
        // would differ from run to run with the timing of evictions.
        let reason = format!(
            "row at {time} ms of the {} input of join `{name}` is behind that input's watermark \
             {watermark} ms, so it joins nothing; raise the out-of-orderness to join rows this late",
            mine.label
        );
        let late = Late {
            row,
            time,
            watermark,
            window: None,
            reason,
            operator: name.to_owned(),
        };
        return JoinPushed {
            joined: Vec::new(),
            late: Some(late),
        };
    }
    let (from, to) = (
        time.saturating_add(mine.reach.0),
        time.saturating_add(mine.reach.1),
    );
    let joined = other
        .matches(&key, from, to)
        .map(|partner| pair(&row, partner))
        .collect();
    mine.clock.observe(time, now);
    if mine.may_match(time, other.clock.current()) {
        mine.insert(key, time, row);
    }
    JoinPushed { joined, late: None }
}
