//! The clock that times runs and calls while metrics are recorded. The run loop reads it through
//! this one name, so how it is read (and what it costs a call) is decided here.
//!
//! On `x86_64` a stamp is the CPU's time-stamp counter, read through `quanta` (kisflow itself
//! forbids `unsafe`, and `_rdtsc` is an unsafe intrinsic): about 10 instructions a read where
//! `std::time::Instant::now` costs about 50, and a run of four calls reads the clock five times.
//! The time between two stamps stays in ticks, a subtraction: the histograms compare ticks with
//! their bounds in ticks, worked out once, and turn their sums into nanoseconds when scraped,
//! with the ratio quanta calibrated against the monotonic clock. A CPU whose counter does not
//! tick at a constant rate (no invariant TSC) makes quanta read the monotonic clock instead,
//! whose ticks are nanoseconds. Elsewhere a stamp is `std::time::Instant`, and a tick a
//! nanosecond.

use std::ops::Sub;

/// A point in time, to subtract from a later one.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Instant(Stamp);

/// The time between two [`Instant`]s, in the clock's ticks: what the histograms count.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Elapsed(u64);

impl Elapsed {
    /// The time in ticks; [`nanos`] turns ticks into nanoseconds.
    #[inline]
    pub(crate) fn ticks(self) -> u64 {
        self.0
    }

    /// The most ticks that make no more than `duration`.
    #[cfg(test)]
    pub(crate) fn of(duration: std::time::Duration) -> Self {
        Self(ticks(
            u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX),
        ))
    }
}

/// The most ticks that make no more than `ns` nanoseconds: a duration of `t` ticks lasts at most
/// `ns` exactly when `t <= ticks(ns)`, since [`nanos`] never decreases.
pub(crate) fn ticks(ns: u64) -> u64 {
    // No clock ticks more than 16 times a nanosecond; a tick is at least a nanosecond's sixteenth.
    let (mut low, mut high) = (
        0,
        ns.saturating_add(1).saturating_mul(16).min(u64::MAX >> 8),
    );
    while low < high {
        let mid = low + (high - low).div_ceil(2);
        if nanos(mid) <= ns {
            low = mid;
        } else {
            high = mid - 1;
        }
    }
    low
}

#[cfg(target_arch = "x86_64")]
type Stamp = u64;

#[cfg(target_arch = "x86_64")]
fn clock() -> &'static quanta::Clock {
    static CLOCK: std::sync::OnceLock<quanta::Clock> = std::sync::OnceLock::new();
    CLOCK.get_or_init(calibrated)
}

/// The clock, calibrated: quanta spins on the monotonic clock until its ratio settles, from under
/// a millisecond to at most 200 ms, once per process. The first histogram observer does it (its
/// bounds in ticks need the ratio), so a run does not. Never inlined: `benches/instructions.sh`
/// leaves it out of its counts by name, since it spins for a time, not a number of instructions.
#[cfg(target_arch = "x86_64")]
#[inline(never)]
fn calibrated() -> quanta::Clock {
    quanta::Clock::new()
}

#[cfg(target_arch = "x86_64")]
impl Instant {
    /// Now: the counter's raw ticks.
    #[inline]
    pub(crate) fn now() -> Self {
        Self(clock().raw())
    }
}

/// The clock, got once: a run that records metrics reads it through this, so that each read
/// skips the check that it is set up.
#[derive(Clone, Copy)]
pub(crate) struct Clock(#[cfg(target_arch = "x86_64")] &'static quanta::Clock);

impl Clock {
    /// The clock, set up (and calibrated) on first use.
    #[inline]
    pub(crate) fn get() -> Self {
        #[cfg(target_arch = "x86_64")]
        return Self(clock());
        #[cfg(not(target_arch = "x86_64"))]
        return Self();
    }

    /// Now, as [`Instant::now`].
    #[inline]
    pub(crate) fn now(self) -> Instant {
        #[cfg(target_arch = "x86_64")]
        return Instant(self.0.raw());
        #[cfg(not(target_arch = "x86_64"))]
        return Instant::now();
    }
}

#[cfg(target_arch = "x86_64")]
impl Sub for Instant {
    type Output = Elapsed;

    /// The ticks from `earlier` to `self`; none if `earlier` is the later one.
    #[inline]
    fn sub(self, earlier: Self) -> Elapsed {
        Elapsed(self.0.saturating_sub(earlier.0))
    }
}

/// `ticks` of the clock in nanoseconds.
#[cfg(target_arch = "x86_64")]
pub(crate) fn nanos(ticks: u64) -> u64 {
    clock().delta_as_nanos(0, ticks)
}

#[cfg(not(target_arch = "x86_64"))]
type Stamp = std::time::Instant;

#[cfg(not(target_arch = "x86_64"))]
impl Instant {
    /// Now, from the standard library's monotonic clock.
    #[inline]
    pub(crate) fn now() -> Self {
        Self(std::time::Instant::now())
    }
}

#[cfg(not(target_arch = "x86_64"))]
impl Sub for Instant {
    type Output = Elapsed;

    /// The nanoseconds from `earlier` to `self`; none if `earlier` is the later one.
    #[inline]
    fn sub(self, earlier: Self) -> Elapsed {
        let elapsed = self.0.saturating_duration_since(earlier.0);
        Elapsed(u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX))
    }
}

/// `ticks` of the clock in nanoseconds: the same number here.
#[cfg(not(target_arch = "x86_64"))]
pub(crate) fn nanos(ticks: u64) -> u64 {
    ticks
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_sleep_is_timed_as_long_as_it_slept() {
        let _ = ticks(0);
        for millis in [2, 20] {
            let sleep = Duration::from_millis(millis);
            let outer = std::time::Instant::now();
            let start = Instant::now();
            std::thread::sleep(sleep);
            let timed = nanos((Instant::now() - start).ticks());
            let bracket = u64::try_from(outer.elapsed().as_nanos()).unwrap_or(u64::MAX);
            // At least the sleep, and at most std's reads around it, give or take what
            // calibration leaves (under 1%, and a few microseconds).
            assert!(
                u128::from(timed) >= sleep.as_nanos(),
                "{timed} ns for {sleep:?}"
            );
            let most = bracket / 100 * 101 + 5_000;
            assert!(timed <= most, "{timed} ns within std's {bracket} ns");
        }
    }

    #[test]
    fn an_earlier_stamp_subtracted_from_a_later_one_is_no_time() {
        let earlier = Instant::now();
        let later = Instant::now();
        assert_eq!(earlier - later, Elapsed::default());
    }

    #[test]
    fn ticks_are_the_most_that_fit_in_a_time() {
        for ns in [0, 1, 5_000, 80_000, 30_000_000_000] {
            let t = ticks(ns);
            assert!(nanos(t) <= ns, "{t} ticks for {ns} ns");
            assert!(nanos(t + 1) > ns, "{} ticks for {ns} ns", t + 1);
        }
    }
}
