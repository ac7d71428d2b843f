//! What the history holds: one [`RunRecord`] per slot of a schedule, and each schedule's
//! [`ScheduleState`], as `schedules history` and `schedules list` print them.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::json;

/// Which runs [`Coordinator::history`](super::Coordinator::history) returns.
#[derive(Debug, Clone, Default)]
pub struct HistoryFilter {
    /// Only this schedule's runs; all when `None`.
    pub schedule: Option<String>,
}

/// One run: a slot of a schedule, its latest attempt and how it ended.
///
/// `status` is `scheduled` (waiting for an instance), `running`, `succeeded`, `failed`,
/// `timed_out` (the run took longer than its timeout, or its instance stopped renewing the
/// lease: killed, or cut off from the database) or `skipped` (a slot missed while no instance
/// ran, left out by the misfire policy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRecord {
    /// The run's id.
    pub run: i64,
    /// The schedule's name.
    pub schedule: String,
    /// The slot the run is for.
    pub slot: DateTime<Utc>,
    /// Why it fired: `cron` (an on-time slot), `catch_up` (a missed slot the misfire policy
    /// runs) or `manual` (a trigger).
    pub fired: String,
    /// See above.
    pub status: String,
    /// How many attempts were started (0 for a run not yet claimed, or skipped).
    pub attempt: i32,
    /// The instance of the latest attempt.
    pub instance: Option<String>,
    /// When the latest attempt started, by the database's clock.
    pub started_at: Option<DateTime<Utc>>,
    /// When it ended.
    pub finished_at: Option<DateTime<Utc>>,
    /// How many rows the run committed.
    pub rows: Option<i64>,
    /// The error chain of the latest failed or timed-out attempt.
    pub error: Option<String>,
}

fn time(t: Option<&DateTime<Utc>>) -> serde_json::Value {
    t.map_or(serde_json::Value::Null, |t| {
        json!(t.to_rfc3339_opts(SecondsFormat::Micros, true))
    })
}

impl RunRecord {
    pub(crate) fn from_row(row: &tokio_postgres::Row) -> Self {
        Self {
            run: row.get("id"),
            schedule: row.get("schedule"),
            slot: row.get("slot"),
            fired: row.get("fired"),
            status: row.get("status"),
            attempt: row.get("attempt"),
            instance: row.get("instance"),
            started_at: row.get("started_at"),
            finished_at: row.get("finished_at"),
            rows: row.get("rows"),
            error: row.get("error"),
        }
    }

    /// One JSON object on one line: `schedule`, `slot`, `instance`, `attempt`, `status`,
    /// `started_at`, `finished_at`, `error`, and also `run`, `fired` and `rows`. Times are
    /// RFC 3339 in UTC; what is unknown is `null`.
    ///
    /// ```
    /// use kisflow::schedule::RunRecord;
    ///
    /// let run = RunRecord {
    ///     run: 7, schedule: "tick".into(), slot: "2026-12-04T02:00:00Z".parse().unwrap(),
    ///     fired: "cron".into(), status: "scheduled".into(), attempt: 0, instance: None,
    ///     started_at: None, finished_at: None, rows: None, error: None,
    /// };
    /// assert_eq!(
    ///     run.to_json_line(),
    ///     r#"{"schedule":"tick","slot":"2026-12-04T02:00:00.000000Z","instance":null,"attempt":0,"status":"scheduled","started_at":null,"finished_at":null,"error":null,"run":7,"fired":"cron","rows":null}"#
    /// );
    /// ```
    #[must_use]
    pub fn to_json_line(&self) -> String {
        // Written field by field so the order is the documented one.
        let fields = [
            ("schedule", json!(self.schedule)),
            ("slot", time(Some(&self.slot))),
            ("instance", json!(self.instance)),
            ("attempt", json!(self.attempt)),
            ("status", json!(self.status)),
            ("started_at", time(self.started_at.as_ref())),
            ("finished_at", time(self.finished_at.as_ref())),
            ("error", json!(self.error)),
            ("run", json!(self.run)),
            ("fired", json!(self.fired)),
            ("rows", json!(self.rows)),
        ];
        let body: Vec<String> = fields
            .iter()
            .map(|(key, value)| format!("{}:{value}", json!(key)))
            .collect();
        format!("{{{}}}", body.join(","))
    }

    /// One line for people: slot, status, attempt, instance and the error, if any.
    #[must_use]
    pub fn to_text_line(&self) -> String {
        let mut line = format!(
            "{}  {}  {:<9}  attempt {}  {}",
            self.schedule,
            self.slot.to_rfc3339_opts(SecondsFormat::Millis, true),
            self.status,
            self.attempt,
            self.instance.as_deref().unwrap_or("-"),
        );
        if let Some(error) = &self.error {
            line.push_str("  ");
            line.push_str(error);
        }
        line
    }
}

/// A schedule as the coordinator knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleState {
    /// Its name.
    pub name: String,
    /// Whether it is paused.
    pub paused: bool,
    /// The next slot no instance has fired yet (`None` until one starts, and after a resume).
    pub next_slot: Option<DateTime<Utc>>,
    /// The latest slot that succeeded.
    pub last_success: Option<DateTime<Utc>>,
}

impl ScheduleState {
    pub(crate) fn from_row(row: &tokio_postgres::Row) -> Self {
        Self {
            name: row.get(0),
            paused: row.get(1),
            next_slot: row.get(2),
            last_success: row.get(3),
        }
    }
}
