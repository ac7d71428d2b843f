//! One flow instance's metric handles, looked up once when the instance is made so a run touches
//! only its own [`Cells`], never a label map nor a locked instruction: each instance makes one
//! run at a time, so its cells have one writer, and a scrape sums every instance's.

use std::sync::Arc;

use super::Metrics;
use super::cells::{COUNTERS, Cells};
use super::clock::Elapsed;
use super::histogram::DurationHistogram;
use super::tally::Tally;
use crate::mode::Mode;

/// A flow instance's series: the counters of its cells are `kisflow_data`, `flow_data`,
/// `flow_schedule_cnts` and `flow_failed_runs`, in that order.
pub(crate) struct FlowMetrics(Shares);

/// One function instance's series: the counters of its cells are `func_schedule_cnts`,
/// `func_rows_in`, `func_rows_out` and `func_errors`, in that order.
pub(crate) struct StageMetrics(Shares);

/// An instance's cells, and the series they count into, to leave when it is dropped.
struct Shares {
    cells: Arc<Cells>,
    tallies: [Tally; COUNTERS],
    duration: DurationHistogram,
}

const DATA: usize = 0;
const FLOW_DATA: usize = 1;
const FLOW_SCHEDULE: usize = 2;
const FAILED: usize = 3;

const SCHEDULE: usize = 0;
const ROWS_IN: usize = 1;
const ROWS_OUT: usize = 2;
const ERRORS: usize = 3;

impl Shares {
    /// New cells counted by `tallies` and `duration`.
    fn new(tallies: [Tally; COUNTERS], duration: DurationHistogram) -> Self {
        let cells = Arc::new(Cells::new(duration.bounds_ticks()));
        for (counter, tally) in tallies.iter().enumerate() {
            tally.join(&cells, counter);
        }
        duration.join(&cells);
        Self {
            cells,
            tallies,
            duration,
        }
    }

    /// New cells counted by the same series, for another instance.
    fn fresh(&self) -> Self {
        Self::new(self.tallies.clone(), self.duration.clone())
    }
}

impl Drop for Shares {
    fn drop(&mut self) {
        for (counter, tally) in self.tallies.iter().enumerate() {
            tally.retire(&self.cells, counter);
        }
        self.duration.retire(&self.cells);
    }
}

impl FlowMetrics {
    pub(crate) fn new(metrics: &Metrics, flow: &str) -> Self {
        let f = metrics.families();
        let labels = vec![("flow_name", flow.to_owned())];
        let tallies = [
            f.data.clone(),
            f.flow_data.get_or_create(&labels).clone(),
            f.flow_schedule.get_or_create(&labels).clone(),
            f.flow_failed.get_or_create(&labels).clone(),
        ];
        let duration = f.flow_duration.get_or_create(&labels).clone();
        Self(Shares::new(tallies, duration))
    }

    /// The same series, with cells of its own, for another instance of the flow.
    pub(crate) fn fresh(&self) -> Self {
        Self(self.0.fresh())
    }

    /// A run starts with `rows` source rows.
    pub(crate) fn started(&self, rows: usize) {
        let cells = &*self.0.cells;
        cells.add(DATA, rows as u64);
        cells.add(FLOW_DATA, rows as u64);
        cells.add(FLOW_SCHEDULE, 1);
    }

    /// A run ended after `elapsed`, failed or not.
    pub(crate) fn finished(&self, elapsed: Elapsed, failed: bool) {
        let cells = &*self.0.cells;
        cells.observe(elapsed);
        if failed {
            cells.add(FAILED, 1);
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
        let tallies = [
            f.func_schedule.get_or_create(&labels).clone(),
            f.func_rows_in.get_or_create(&labels).clone(),
            f.func_rows_out.get_or_create(&labels).clone(),
            f.func_errors.get_or_create(&labels).clone(),
        ];
        let duration = f.func_duration.get_or_create(&labels).clone();
        Self(Shares::new(tallies, duration))
    }

    /// The same series, with cells of its own, for another instance of the function.
    pub(crate) fn fresh(&self) -> Self {
        Self(self.0.fresh())
    }

    /// A call starts with `rows_in` rows.
    #[inline]
    pub(crate) fn called(&self, rows_in: usize) {
        let cells = &*self.0.cells;
        cells.add(SCHEDULE, 1);
        cells.add(ROWS_IN, rows_in as u64);
    }

    /// A call ended after `elapsed`, with `rows_out` rows or an error.
    #[inline]
    pub(crate) fn returned(&self, elapsed: Elapsed, rows_out: Option<usize>) {
        let cells = &*self.0.cells;
        cells.observe(elapsed);
        match rows_out {
            Some(rows) => cells.add(ROWS_OUT, rows as u64),
            None => cells.add(ERRORS, 1),
        }
    }
}
