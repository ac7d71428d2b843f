//! [`WindowSpec`]: the shape and timing of keyed event-time windows, before they know their rows.

use std::time::Duration;

use super::clock::{Clock, Millis, millis_of};
use super::{Aggregate, Windows};

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
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// How far behind the greatest event time seen a row may arrive and still be on time: the
    /// watermark is that time minus this bound. Zero by default (rows in order).
    pub fn out_of_order(mut self, bound: Duration) -> Self {
        self.delay = bound;
        self
    }

    /// How long after the watermark passed a window's end the window still takes rows; each such
    /// row re-emits the window's result with a higher [`revision`](super::WindowResult::revision).
    /// Zero by default: a window's state is dropped as soon as it fires.
    pub fn lateness(mut self, lateness: Duration) -> Self {
        self.lateness = millis_of(lateness);
        self
    }

    /// After this much processing time without a row, the watermark moves on as fast as
    /// processing time, so the windows of a quiet stream still close (call
    /// [`Windows::advance`] from a timer). Off by default.
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle = Some(timeout);
        self
    }

    /// The operator: `key` gives a row's key, `time` its event time in milliseconds
    /// ([`epoch_millis`](super::epoch_millis) converts a `SystemTime`), `aggregate` what each
    /// key's window computes.
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
        // Counted, not compared, so a time near `i64::MAX` where starts saturate still ends.
        let count = last.saturating_sub(first) / slide + 1;
        (0..count).map(move |i| first.saturating_add(i.saturating_mul(slide)))
    }
}
