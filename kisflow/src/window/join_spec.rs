//! [`JoinSpec`]: the bounds and watermark settings of an interval join, before it knows its rows.

use std::hash::Hash;
use std::time::Duration;

use super::IntervalJoin;
use super::clock::{Clock, Millis};
use super::join_side::Side;

/// The bounds and watermark settings of an interval join; made by [`IntervalJoin::between`],
/// turned into an [`IntervalJoin`] by [`build`](Self::build).
///
/// ```
/// use std::time::Duration;
/// use kisflow::window::IntervalJoin;
///
/// // a payment joins an order of the same id paid from 0 to 60 s after it
/// let join = IntervalJoin::between(0, 60_000)
///     .name("orders_payments")
///     .out_of_order(Duration::from_secs(5))
///     .idle_timeout(Duration::from_secs(10))
///     .build(
///         |order: &(u32, i64)| order.0, |order: &(u32, i64)| order.1,
///         |pay: &(u32, i64)| pay.0, |pay: &(u32, i64)| pay.1,
///     );
/// assert!(join.is_empty());
/// ```
#[derive(Debug, Clone)]
#[must_use = "a join spec does nothing until `build` makes it an `IntervalJoin`"]
pub struct JoinSpec {
    name: String,
    lower: Millis,
    upper: Millis,
    delay: Duration,
    idle: Option<Duration>,
}

impl JoinSpec {
    /// The name late rows and dead letters give for this join; `join` by default.
    ///
    /// ```
    /// # use kisflow::window::IntervalJoin;
    /// # let build = |spec: kisflow::window::JoinSpec| spec.build(|a: &(u8, i64)| a.0, |a: &(u8, i64)| a.1, |b: &(u8, i64)| b.0, |b: &(u8, i64)| b.1);
    /// let mut join = build(IntervalJoin::between(0, 10).name("clicks_views"));
    /// let _ = join.push_left((1, 100));
    /// assert_eq!(join.push_left((1, 50)).late.unwrap().operator, "clicks_views");
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// How far behind the greatest event time seen on its input a row may arrive and still
    /// join; the same bound for both inputs. Zero by default.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use kisflow::window::IntervalJoin;
    /// # let build = |spec: kisflow::window::JoinSpec| spec.build(|a: &(u8, i64)| a.0, |a: &(u8, i64)| a.1, |b: &(u8, i64)| b.0, |b: &(u8, i64)| b.1);
    /// let mut join = build(IntervalJoin::between(0, 10).out_of_order(Duration::from_millis(60)));
    /// let _ = join.push_left((1, 100));
    /// assert!(join.push_left((1, 50)).late.is_none()); // the left watermark is 40
    /// ```
    pub fn out_of_order(mut self, bound: Duration) -> Self {
        self.delay = bound;
        self
    }

    /// After this much processing time without a row, an input's watermark follows the other
    /// input's, so the rows buffered for it are dropped in time; when both inputs are quiet,
    /// both watermarks move on as fast as processing time. Off by default.
    ///
    /// ```
    /// # use std::time::{Duration, Instant};
    /// # use kisflow::window::IntervalJoin;
    /// # let build = |spec: kisflow::window::JoinSpec| spec.build(|a: &(u8, i64)| a.0, |a: &(u8, i64)| a.1, |b: &(u8, i64)| b.0, |b: &(u8, i64)| b.1);
    /// let mut join = build(IntervalJoin::between(0, 10).idle_timeout(Duration::from_secs(1)));
    /// let t0 = Instant::now();
    /// let _ = join.push_left_at((1, 0), t0);
    /// let _ = join.push_right_at((1, 0), t0);
    /// // The right input is quiet from now on; the left one goes on and the right follows it.
    /// let _ = join.push_left_at((1, 600), t0 + Duration::from_millis(600));
    /// let _ = join.push_left_at((1, 1_200), t0 + Duration::from_millis(1_200));
    /// assert_eq!(join.watermarks(), (1_200, 1_200));
    /// ```
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle = Some(timeout);
        self
    }

    /// The join: a key and an event time (milliseconds) for the rows of each input.
    ///
    /// ```
    /// use kisflow::window::IntervalJoin;
    ///
    /// // Pairs are built from clones of the buffered rows, so both row types are `Clone`.
    /// #[derive(Clone)]
    /// struct View { user: u32, at_ms: i64 }
    /// #[derive(Clone)]
    /// struct Click { user: u32, at_ms: i64 }
    /// let mut join = IntervalJoin::between(0, 5_000).build(
    ///     |v: &View| v.user, |v: &View| v.at_ms,
    ///     |c: &Click| c.user, |c: &Click| c.at_ms,
    /// );
    /// let _ = join.push_left(View { user: 7, at_ms: 1_000 });
    /// assert_eq!(join.push_right(Click { user: 7, at_ms: 3_000 }).joined.len(), 1);
    /// ```
    pub fn build<K, A, B>(
        self,
        left_key: impl Fn(&A) -> K + Send + 'static,
        left_time: impl Fn(&A) -> i64 + Send + 'static,
        right_key: impl Fn(&B) -> K + Send + 'static,
        right_time: impl Fn(&B) -> i64 + Send + 'static,
    ) -> IntervalJoin<K, A, B>
    where
        K: Hash + Eq + Clone,
    {
        let clock = Clock::new(self.delay, self.idle);
        let (lower, upper) = (self.lower, self.upper);
        IntervalJoin {
            left: Side::new(
                "left",
                Box::new(left_key),
                Box::new(left_time),
                clock.clone(),
                (lower, upper),
            ),
            right: Side::new(
                "right",
                Box::new(right_key),
                Box::new(right_time),
                clock,
                (upper.saturating_neg(), lower.saturating_neg()),
            ),
            name: self.name,
            started: None,
        }
    }
}

impl IntervalJoin<(), (), ()> {
    /// A join of right rows at `a + lower ..= a + upper` to a left row at `a`, both bounds in
    /// milliseconds and inclusive; `lower` may be negative (right rows before the left one).
    ///
    /// # Panics
    /// When `lower` is above `upper`.
    ///
    /// ```
    /// let spec = kisflow::window::IntervalJoin::between(-5_000, 5_000);
    /// ```
    pub fn between(lower: i64, upper: i64) -> JoinSpec {
        assert!(
            lower <= upper,
            "an interval join between {lower} ms and {upper} ms matches nothing; give a lower bound at most the upper one"
        );
        JoinSpec {
            name: "join".to_owned(),
            lower,
            upper,
            delay: Duration::ZERO,
            idle: None,
        }
    }
}
