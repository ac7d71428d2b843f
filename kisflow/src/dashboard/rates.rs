//! Rates of a source's counts, from the samples the pages take as they are rendered: no
//! background task, so a router mounted anywhere needs no runtime of its own.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::source::RunReport;

/// How far back a rate looks: long enough to smooth a batch, short enough to move within a
/// second of a change.
const WINDOW: Duration = Duration::from_secs(3);

/// Per second: received, acked, dead-lettered.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct PerSecond {
    pub(super) received: f64,
    pub(super) acked: f64,
    pub(super) dead_lettered: f64,
}

#[derive(Debug, Default)]
pub(super) struct Rates {
    samples: Mutex<HashMap<String, VecDeque<(Instant, RunReport)>>>,
}

impl Rates {
    /// Adds `now`'s counts of `source` and returns its rates over the last [`WINDOW`].
    pub(super) fn observe(&self, source: &str, report: RunReport) -> PerSecond {
        self.observe_at(source, report, Instant::now())
    }

    fn observe_at(&self, source: &str, report: RunReport, now: Instant) -> PerSecond {
        let mut samples = self
            .samples
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let kept = samples.entry(source.to_owned()).or_default();
        while kept
            .front()
            .is_some_and(|(at, _)| now.duration_since(*at) > WINDOW)
        {
            kept.pop_front();
        }
        if kept
            .back()
            .is_none_or(|(at, _)| now.duration_since(*at) >= Duration::from_millis(100))
        {
            kept.push_back((now, report));
        }
        let Some((first, old)) = kept.front() else {
            return PerSecond::default();
        };
        let span = now.duration_since(*first).as_secs_f64();
        if span < 0.2 {
            return PerSecond::default();
        }
        #[allow(clippy::cast_precision_loss, reason = "counts far below 2^52")]
        let rate = |new: u64, old: u64| new.saturating_sub(old) as f64 / span;
        PerSecond {
            received: rate(report.received, old.received),
            acked: rate(report.acked, old.acked),
            dead_lettered: rate(report.dead_lettered, old.dead_lettered),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_is_the_change_over_the_window() {
        let rates = Rates::default();
        let start = Instant::now();
        let mut report = RunReport::default();
        assert_eq!(rates.observe_at("s", report, start), PerSecond::default());
        report.received = 10;
        report.acked = 8;
        let got = rates.observe_at("s", report, start + Duration::from_secs(2));
        assert!((got.received - 5.0).abs() < 1e-9, "{got:?}");
        assert!((got.acked - 4.0).abs() < 1e-9, "{got:?}");
        // Once the first sample is older than the window, it no longer counts.
        let got = rates.observe_at("s", report, start + Duration::from_secs(6));
        assert!(got.received.abs() < 1e-9, "{got:?}");
    }
}
