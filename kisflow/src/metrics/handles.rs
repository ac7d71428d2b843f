//! One flow instance's metric handles, looked up once when the instance is made so a run touches
//! only its own cells, never a label map nor a locked instruction: each instance makes one run at
//! a time, so its cells have one writer, and a scrape sums every instance's.

use super::Metrics;
use super::clock::Elapsed;
use super::histogram::Observer;
use super::tally::Cell;
use crate::mode::Mode;

/// A flow instance's series.
pub(crate) struct FlowMetrics {
    data: Cell,
    flow_data: Cell,
    schedule: Cell,
    duration: Observer,
    failed: Cell,
}

/// One function instance's series.
pub(crate) struct StageMetrics {
    schedule: Cell,
    duration: Observer,
    rows_in: Cell,
    rows_out: Cell,
    errors: Cell,
}

impl FlowMetrics {
    pub(crate) fn new(metrics: &Metrics, flow: &str) -> Self {
        let f = metrics.families();
        let labels = vec![("flow_name", flow.to_owned())];
        Self {
            data: f.data.cell(),
            flow_data: f.flow_data.get_or_create(&labels).cell(),
            schedule: f.flow_schedule.get_or_create(&labels).cell(),
            duration: f.flow_duration.get_or_create(&labels).observer(),
            failed: f.flow_failed.get_or_create(&labels).cell(),
        }
    }

    /// The same series, with cells of its own, for another instance of the flow.
    pub(crate) fn fresh(&self) -> Self {
        Self {
            data: self.data.fresh(),
            flow_data: self.flow_data.fresh(),
            schedule: self.schedule.fresh(),
            duration: self.duration.fresh(),
            failed: self.failed.fresh(),
        }
    }

    /// A run starts with `rows` source rows.
    pub(crate) fn started(&self, rows: usize) {
        self.data.add(rows as u64);
        self.flow_data.add(rows as u64);
        self.schedule.add(1);
    }

    pub(crate) fn finished(&self, elapsed: Elapsed, failed: bool) {
        self.duration.observe(elapsed);
        if failed {
            self.failed.add(1);
        }
    }
}

impl StageMetrics {
    /// The series of the function named `name` of mode `mode`.
    pub(crate) fn new(metrics: &Metrics, name: &str, mode: Mode) -> Self {
        let f = metrics.families();
        let labels = vec![
            ("func_name", name.to_owned()),
            ("func_mode", mode.as_str().to_owned()),
        ];
        Self {
            schedule: f.func_schedule.get_or_create(&labels).cell(),
            duration: f.func_duration.get_or_create(&labels).observer(),
            rows_in: f.func_rows_in.get_or_create(&labels).cell(),
            rows_out: f.func_rows_out.get_or_create(&labels).cell(),
            errors: f.func_errors.get_or_create(&labels).cell(),
        }
    }

    /// The same series, with cells of its own, for another instance of the function.
    pub(crate) fn fresh(&self) -> Self {
        Self {
            schedule: self.schedule.fresh(),
            duration: self.duration.fresh(),
            rows_in: self.rows_in.fresh(),
            rows_out: self.rows_out.fresh(),
            errors: self.errors.fresh(),
        }
    }

    pub(crate) fn called(&self, rows_in: usize) {
        self.schedule.add(1);
        self.rows_in.add(rows_in as u64);
    }

    /// A call ended after `elapsed`, with `rows_out` rows or an error.
    pub(crate) fn returned(&self, elapsed: Elapsed, rows_out: Option<usize>) {
        self.duration.observe(elapsed);
        match rows_out {
            Some(rows) => self.rows_out.add(rows as u64),
            None => self.errors.add(1),
        }
    }
}
