//! [`WindowSpec`]: the shape and timing of keyed event-time windows, before they know their rows.

use std::time::Duration;

use super::clock::{Clock, Millis, millis_of};
use super::{Aggregate, Count, Windows};

/// The shape of a window operator (tumbling or sliding), its watermark settings and name; made
/// by [`Windows::tumbling`] or [`Windows::sliding`], turned into [`Windows`] by
/// [`build`](Self::build).
///
/// ```
/// use std::time::Duration;
/// use kisflow::window::{Count, Windows};
///
/// let counts = Windows::sliding(Duration::from_secs(60), Duration::from_secs(10))
///     .name("clicks_per_minute")
///     .out_of_order(Duration::from_secs(5))
///     .lateness(Duration::from_secs(30))
///     .idle_timeout(Duration::from_secs(10))
///     .build(|c: &(String, i64)| c.0.clone(), |c: &(String, i64)| c.1, Count);
/// assert!(counts.is_empty());
/// ```
#[derive(Debug, Clone)]
#[must_use = "a window spec does nothing until `build` makes it a `Windows`"]
pub struct WindowSpec {
    pub(crate) name: String,
    pub(crate) size: Millis,
    pub(crate) slide: Millis,
    pub(crate) delay: Duration,
    pub(crate) lateness: Millis,
    pub(crate) idle: Option<Duration>,
}

impl WindowSpec {
    pub(crate) fn new(size: Duration, slide: Duration) -> Self {
        let (size, slide) = (millis_of(size), millis_of(slide));
        assert!(
            slide > 0,
            "a window slide of {slide} ms makes no windows; give a size and slide of at least 1 ms"
        );
        assert!(
            slide <= size,
            "a sliding window of {size} ms with a slide of {slide} ms would skip rows between windows; \
             use a slide of at most the size"
        );
        Self {
            name: "window".to_owned(),
            size,
            slide,
            delay: Duration::ZERO,
            lateness: 0,
            idle: None,
        }
    }

    /// The name late rows and dead letters give for this operator; `window` by default.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use kisflow::window::{Count, Windows};
    /// let mut w = Windows::tumbling(Duration::from_secs(1)).name("per_second").build(|_: &i64| (), |t: &i64| *t, Count);
    /// let _ = w.push(1_500);
    /// assert_eq!(w.push(10).late.unwrap().operator, "per_second");
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// How far behind the greatest event time seen a row may arrive and still be on time: the
    /// watermark is that time minus this bound. Zero by default (rows in order).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use kisflow::window::{Count, Windows};
    /// let mut w = Windows::tumbling(Duration::from_secs(1))
    ///     .out_of_order(Duration::from_secs(1))
    ///     .build(|_: &i64| (), |t: &i64| *t, Count);
    /// let _ = w.push(1_500);
    /// assert!(w.push(600).late.is_none()); // the watermark is only 500
    /// ```
    pub fn out_of_order(mut self, bound: Duration) -> Self {
        self.delay = bound;
        self
    }

    /// How long after the watermark passed a window's end the window still takes rows; each such
    /// row re-emits the window's result with a higher [`revision`](super::WindowResult::revision).
    /// Zero by default: a window's state is dropped as soon as it fires.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use kisflow::window::{Count, Windows};
    /// let mut w = Windows::tumbling(Duration::from_secs(1))
    ///     .lateness(Duration::from_secs(2))
    ///     .build(|_: &i64| (), |t: &i64| *t, Count);
    /// let _ = w.push(100);
    /// let _ = w.push(2_500); // [0, 1000) fired, and is kept until the watermark reaches 3000
    /// assert_eq!(w.push(200).results[0].revision, 1);
    /// ```
    pub fn lateness(mut self, lateness: Duration) -> Self {
        self.lateness = millis_of(lateness);
        self
    }

    /// After this much processing time without a row, the watermark moves on as fast as
    /// processing time, so the windows of a quiet stream still close (call
    /// [`Windows::advance`] from a timer). Off by default.
    ///
    /// ```
    /// # use std::time::{Duration, Instant};
    /// # use kisflow::window::{Count, Windows};
    /// let mut w = Windows::tumbling(Duration::from_secs(1))
    ///     .idle_timeout(Duration::from_secs(10))
    ///     .build(|_: &i64| (), |t: &i64| *t, Count);
    /// let t0 = Instant::now();
    /// let _ = w.push_at(0, t0);
    /// assert_eq!(w.advance(t0 + Duration::from_secs(11)).len(), 1); // watermark 1000
    /// ```
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle = Some(timeout);
        self
    }

    /// The operator: `key` gives a row's key, `time` its event time in milliseconds
    /// ([`epoch_millis`](super::epoch_millis) converts a `SystemTime`), `aggregate` what each
    /// key's window computes.
    ///
    /// ```
    /// # use std::time::Duration;
    /// use kisflow::window::{Fold, Windows};
    ///
    /// struct Sale { shop: u32, at_ms: i64, cents: u64 }
    /// let mut revenue = Windows::tumbling(Duration::from_secs(60)).build(
    ///     |s: &Sale| s.shop,
    ///     |s: &Sale| s.at_ms,
    ///     Fold::new(0_u64, |sum: &mut u64, s: &Sale| *sum += s.cents),
    /// );
    /// let _ = revenue.push(Sale { shop: 1, at_ms: 5_000, cents: 250 });
    /// assert_eq!(revenue.flush()[0].value, 250);
    /// ```
    pub fn build<R, K, A>(
        self,
        key: impl Fn(&R) -> K + Send + 'static,
        time: impl Fn(&R) -> i64 + Send + 'static,
        aggregate: A,
    ) -> Windows<R, K, A>
    where
        K: std::hash::Hash + Ord + Clone,
        A: Aggregate<R>,
    {
        let clock = Clock::new(self.delay, self.idle);
        Windows::from_spec(self, Box::new(key), Box::new(time), aggregate, clock)
    }

    /// The starts of the windows that hold a row at `time`, earliest first: every multiple of
    /// the slide in `(time - size, time]`.
    pub(crate) fn starts(&self, time: Millis) -> impl Iterator<Item = Millis> + use<> {
        let (size, slide) = (self.size, self.slide);
        let last = time.div_euclid(slide).saturating_mul(slide);
        // The least multiple of the slide above `time - size`.
        let first = time
            .saturating_sub(size)
            .div_euclid(slide)
            .saturating_mul(slide)
            .saturating_add(slide);
        // Near `i64::MIN` the earlier starts saturate past the last one: the window at the last
        // start still holds the row.
        let first = first.min(last);
        // Counted, not compared, so a time near `i64::MAX` where starts saturate still ends.
        let count = last.saturating_sub(first) / slide + 1;
        (0..count).map(move |i| first.saturating_add(i.saturating_mul(slide)))
    }
}

impl Windows<(), (), Count> {
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
