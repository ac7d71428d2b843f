//! One flow instance's metric handles, looked up once when the instance is made so a run touches
//! only atomics, never a label map.

use std::time::Duration;

use prometheus_client::metrics::counter::Counter;

use super::{DurationHistogram, Metrics};
use crate::mode::Mode;

/// A flow's series.
#[derive(Clone)]
pub(crate) struct FlowMetrics {
    data: Counter,
    flow_data: Counter,
    schedule: Counter,
    duration: DurationHistogram,
    failed: Counter,
}

/// One function instance's series.
#[derive(Clone)]
pub(crate) struct StageMetrics {
    schedule: Counter,
    duration: DurationHistogram,
    rows_in: Counter,
    rows_out: Counter,
    errors: Counter,
}

impl FlowMetrics {
    pub(crate) fn new(metrics: &Metrics, flow: &str) -> Self {
        let f = metrics.families();
        let labels = vec![("flow_name", flow.to_owned())];
        Self {
            data: f.data.clone(),
            flow_data: f.flow_data.get_or_create_owned(&labels),
            schedule: f.flow_schedule.get_or_create_owned(&labels),
            duration: f.flow_duration.get_or_create_owned(&labels),
            failed: f.flow_failed.get_or_create_owned(&labels),
        }
    }

    /// A run starts with `rows` source rows.
    pub(crate) fn started(&self, rows: usize) {
        self.data.inc_by(rows as u64);
        self.flow_data.inc_by(rows as u64);
        self.schedule.inc();
    }

    pub(crate) fn finished(&self, elapsed: Duration, failed: bool) {
        self.duration.observe(elapsed);
        if failed {
            self.failed.inc();
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
            schedule: f.func_schedule.get_or_create_owned(&labels),
            duration: f.func_duration.get_or_create_owned(&labels),
            rows_in: f.func_rows_in.get_or_create_owned(&labels),
            rows_out: f.func_rows_out.get_or_create_owned(&labels),
            errors: f.func_errors.get_or_create_owned(&labels),
        }
    }

    pub(crate) fn called(&self, rows_in: usize) {
        self.schedule.inc();
        self.rows_in.inc_by(rows_in as u64);
    }

    /// A call ended after `elapsed`, with `rows_out` rows or an error.
    pub(crate) fn returned(&self, elapsed: Duration, rows_out: Option<usize>) {
        self.duration.observe(elapsed);
        match rows_out {
            Some(rows) => {
                self.rows_out.inc_by(rows as u64);
            }
            None => {
                self.errors.inc();
            }
        }
    }
}
