//! [`Clock`]: the watermark of one stream, from the event times it saw and the processing time
//! it has been silent.

use std::time::{Duration, Instant};

/// Event time in milliseconds since the Unix epoch (or any origin the rows agree on).
pub(crate) type Millis = i64;

/// The watermark of one stream: the greatest event time seen minus the allowed out-of-orderness,
/// raised further while the stream is idle. It never goes back.
#[derive(Debug, Clone)]
pub(crate) struct Clock {
    /// How far behind the greatest time seen a row may still arrive on time.
    delay: Millis,
    /// How long a silent stream holds its watermark before processing time moves it.
    idle: Option<Duration>,
    max_seen: Option<Millis>,
    last_arrival: Option<Instant>,
    /// The watermark: rows with an event time below it are behind it.
    current: Millis,
}

impl Clock {
    pub(crate) fn new(delay: Duration, idle: Option<Duration>) -> Self {
        Self {
            delay: millis_of(delay),
            idle,
            max_seen: None,
            last_arrival: None,
            current: Millis::MIN,
        }
    }

    pub(crate) fn current(&self) -> Millis {
        self.current
    }

    /// Takes in a row's event time, arrived at `now`.
    pub(crate) fn observe(&mut self, time: Millis, now: Instant) {
        let max = self.max_seen.map_or(time, |max| max.max(time));
        self.max_seen = Some(max);
        self.last_arrival = Some(now);
        self.raise(max.saturating_sub(self.delay));
    }

    /// Whether no row came for the idle timeout: since the last row, or since `since` for a
    /// stream that never had one.
    pub(crate) fn is_idle(&self, now: Instant, since: Instant) -> bool {
        self.idle.is_some_and(|idle| {
            now.saturating_duration_since(self.last_arrival.unwrap_or(since)) >= idle
        })
    }

    /// Past the idle timeout, event time is taken to pass as fast as processing time: the
    /// watermark becomes `max seen - delay + (silence - timeout)`. Continuous, so a stream that
    /// just went quiet loses no slack at once, and every window closes in the end.
    pub(crate) fn idle_advance(&mut self, now: Instant) {
        let (Some(idle), Some(max), Some(last)) = (self.idle, self.max_seen, self.last_arrival)
        else {
            return;
        };
        let silence = now.saturating_duration_since(last);
        if let Some(beyond) = silence.checked_sub(idle) {
            let moved = max
                .saturating_sub(self.delay)
                .saturating_add(millis_of(beyond));
            self.raise(moved);
        }
    }

    /// Moves the watermark up to `watermark`, never down.
    pub(crate) fn raise(&mut self, watermark: Millis) {
        self.current = self.current.max(watermark);
    }
}

/// A duration in whole milliseconds, saturating at `i64::MAX`.
pub(crate) fn millis_of(duration: Duration) -> Millis {
    Millis::try_from(duration.as_millis()).unwrap_or(Millis::MAX)
}

/// A time as milliseconds since the Unix epoch, negative before it: the event time of a row that
/// carries a [`SystemTime`](std::time::SystemTime).
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
///
/// assert_eq!(kisflow::window::epoch_millis(UNIX_EPOCH + Duration::from_secs(2)), 2000);
/// assert_eq!(kisflow::window::epoch_millis(UNIX_EPOCH - Duration::from_millis(5)), -5);
/// ```
#[must_use]
pub fn epoch_millis(time: std::time::SystemTime) -> i64 {
    match time.duration_since(std::time::UNIX_EPOCH) {
        Ok(after) => millis_of(after),
        Err(before) => -millis_of(before.duration()),
    }
}
