//! The series of schedules, labelled `schedule`: runs by the status this instance recorded,
//! how late each firing started after its slot, and how long runs took.

use std::time::Duration;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;

use super::histogram::DurationHistogram;
use super::{Labels, Metrics};

/// Buckets of lateness and run time, in milliseconds.
const BUCKETS: [f64; 12] = [
    1.0, 5.0, 10.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2000.0, 5000.0, 30000.0, 300_000.0,
];

/// The schedule families of one registry.
#[derive(Clone)]
pub(crate) struct ScheduleFamilies {
    runs: Family<Labels, Counter>,
    lateness: Family<Labels, DurationHistogram, fn() -> DurationHistogram>,
    duration: Family<Labels, DurationHistogram, fn() -> DurationHistogram>,
}

impl ScheduleFamilies {
    pub(super) fn register(registry: &mut Registry) -> Self {
        let families = Self {
            runs: Family::default(),
            lateness: Family::new_with_constructor(|| DurationHistogram::new(&BUCKETS)),
            duration: Family::new_with_constructor(|| DurationHistogram::new(&BUCKETS)),
        };
        let f = families.clone();
        registry.register(
            "schedule_runs",
            "Runs of each schedule this instance recorded, by status",
            f.runs,
        );
        registry.register(
            "schedule_lateness",
            "Time from a slot to the start of its run, in milliseconds",
            f.lateness,
        );
        registry.register(
            "schedule_run_duration",
            "Time a scheduled run took, in milliseconds",
            f.duration,
        );
        families
    }
}

/// One schedule's series.
#[derive(Clone)]
pub(crate) struct ScheduleMetrics {
    metrics: Metrics,
    schedule: String,
    lateness: DurationHistogram,
    duration: DurationHistogram,
}

impl ScheduleMetrics {
    pub(crate) fn new(metrics: &Metrics, schedule: &str) -> Self {
        let f = &metrics.families().schedule;
        let labels = vec![("schedule", schedule.to_owned())];
        Self {
            metrics: metrics.clone(),
            schedule: schedule.to_owned(),
            lateness: f.lateness.get_or_create_owned(&labels),
            duration: f.duration.get_or_create_owned(&labels),
        }
    }

    /// A run of the schedule was recorded with `status`.
    pub(crate) fn recorded(&self, status: &str, count: u64) {
        let labels = vec![
            ("schedule", self.schedule.clone()),
            ("status", status.to_owned()),
        ];
        self.metrics
            .families()
            .schedule
            .runs
            .get_or_create(&labels)
            .inc_by(count);
    }

    /// A run started `late` after its slot.
    pub(crate) fn started(&self, late: Duration) {
        self.lateness.observe(late);
    }

    /// A run took `elapsed`.
    pub(crate) fn finished(&self, elapsed: Duration) {
        self.duration.observe(elapsed);
    }
}
