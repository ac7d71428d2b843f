//! [`Scheduler`]: the loop every instance runs. Each tick it fires the due slots of its
//! schedules (one instance wins each), expires lost leases, and claims waiting runs.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use super::execute::{Attempt, DRAIN_LIMIT};
use super::plan::plan;
use super::statements::{self, NewRun};
use super::{Clock, Coordinator, LEASE, Schedule};
use crate::error::{Error, Result};
use crate::metrics::schedule::ScheduleMetrics;

/// How often an instance looks at the database: the bound on how late a slot starts and on
/// how long a pause takes to reach every instance.
const TICK: Duration = Duration::from_millis(100);
/// How often lost leases are looked for.
const EXPIRE_EVERY: Duration = Duration::from_secs(1);
/// How often old history is deleted.
const FORGET_EVERY: Duration = Duration::from_secs(60);
/// The longest wait between tries while the database is unreachable.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Runs schedules on this instance, together with every other instance that runs the same
/// schedules against the same database: each slot runs once, on one of them.
///
/// ```no_run
/// use kisflow::prelude::*;
/// use kisflow::schedule::{Firing, Schedule, Scheduler};
///
/// #[kis_function(mode = "Expand")]
/// fn note(rows: Vec<Firing>) {
///     println!("{rows:?}");
/// }
/// flow!(Note: note);
///
/// # #[tokio::main]
/// # async fn main() -> kisflow::Result<()> {
/// Scheduler::new("host=127.0.0.1 user=postgres", "worker-1")
///     .schedule(Schedule::new("note", "*/5 * * * * *", "Note")?)
///     .run_until(async { tokio::signal::ctrl_c().await.unwrap() })
///     .await
/// # }
/// ```
#[derive(Debug)]
pub struct Scheduler {
    url: String,
    instance: Arc<str>,
    schedules: Vec<Arc<Schedule>>,
    clock: Clock,
    retention: Duration,
    max_running: usize,
    metrics: Option<crate::Metrics>,
}

impl Scheduler {
    /// A scheduler coordinating through the PostgreSQL at `url`, as the instance `instance`
    /// (a name unique among the instances, shown in the history).
    #[must_use]
    pub fn new(url: &str, instance: &str) -> Self {
        Self {
            url: url.to_owned(),
            instance: instance.into(),
            schedules: Vec::new(),
            clock: Clock::system(),
            retention: Duration::from_secs(7 * 24 * 3600),
            max_running: 4,
            metrics: None,
        }
    }

    /// Adds a schedule.
    #[must_use]
    pub fn schedule(mut self, schedule: Schedule) -> Self {
        self.schedules.push(Arc::new(schedule));
        self
    }

    /// Uses `clock` instead of the system clock (a test hook; see [`Clock::from_env`]).
    #[must_use]
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// How long finished runs stay in the history (default 7 days).
    #[must_use]
    pub fn retention(mut self, retention: Duration) -> Self {
        self.retention = retention;
        self
    }

    /// How many runs this instance runs at once (default 4).
    #[must_use]
    pub fn max_running(mut self, max: usize) -> Self {
        self.max_running = max.max(1);
        self
    }

    /// Records `schedule_runs_total`, `schedule_lateness` and `schedule_run_duration`
    /// (labelled `schedule`) into `metrics`; without it, into the global registry when
    /// [`metrics::set_enabled`](crate::metrics::set_enabled) is on.
    #[must_use]
    pub fn with_metrics(mut self, metrics: &crate::Metrics) -> Self {
        self.metrics = Some(metrics.clone());
        self
    }

    /// Runs until `stop` completes, then lets the runs in flight finish (up to 30 s). An
    /// unreachable database is retried with a backoff of up to 5 s, never given up on; only a
    /// schedule that does not fit (a name given twice, a flow that cannot be made) is an error.
    pub async fn run_until(self, stop: impl Future<Output = ()>) -> Result<()> {
        self.check()?;
        let names: Vec<String> = self.schedules.iter().map(|s| s.name.clone()).collect();
        let metrics = self
            .metrics
            .clone()
            .or_else(|| crate::metrics::enabled().then(|| crate::Metrics::global().clone()));
        let mut state = State {
            by_name: self
                .schedules
                .iter()
                .map(|s| {
                    let m = metrics.as_ref().map(|m| ScheduleMetrics::new(m, &s.name));
                    (s.name.clone(), (s.clone(), m))
                })
                .collect(),
            names,
            db: None,
            running: JoinSet::new(),
            last_expire: None,
            last_forget: None,
        };
        tokio::pin!(stop);
        let mut backoff = TICK;
        loop {
            let wait = tokio::time::sleep(backoff);
            tokio::select! {
                () = &mut stop => break,
                () = wait => {}
            }
            match self.tick(&mut state).await {
                Ok(()) => backoff = TICK,
                Err(err) => {
                    backoff = (backoff * 2).clamp(Duration::from_millis(250), MAX_BACKOFF);
                    tracing::warn!(
                        error = %err.chain(),
                        retry_in_ms = backoff.as_millis(),
                        "schedule coordinator unavailable; trying again"
                    );
                }
            }
        }
        tracing::info!(
            running = state.running.len(),
            "stopping: waiting for the runs in flight"
        );
        let drain = async { while state.running.join_next().await.is_some() {} };
        if tokio::time::timeout(DRAIN_LIMIT, drain).await.is_err() {
            tracing::warn!("runs still in flight after 30 s are left to time out");
        }
        Ok(())
    }

    fn check(&self) -> Result<()> {
        let mut seen = std::collections::HashSet::new();
        for s in &self.schedules {
            if !seen.insert(&s.name) {
                return Err(Error::Schedule {
                    schedule: s.name.clone(),
                    reason: "is given twice; give each schedule its own name".to_owned(),
                });
            }
            (s.make_flow)().map_err(|err| Error::Schedule {
                schedule: s.name.clone(),
                reason: format!("its flow `{}` cannot be made: {}", s.flow, err.chain()),
            })?;
        }
        Ok(())
    }

    async fn tick(&self, state: &mut State) -> Result<()> {
        while state.running.try_join_next().is_some() {}
        if state.db.is_none() {
            state.db = Some(Coordinator::connect(&self.url).await?);
        }
        let client = state
            .db
            .as_ref()
            .map(Coordinator::client)
            .ok_or_else(|| Error::msg("unreachable"))?
            .await?;
        let now = self.clock.now();
        for (name, paused, cursor) in statements::cursors(&client, &state.names).await? {
            let Some((schedule, metrics)) = state.by_name.get(&name) else {
                continue;
            };
            match (paused, cursor) {
                (false, None) => {
                    if let Some(first) = schedule.cron.next_after(now) {
                        statements::start_cursor(&client, &name, first).await?;
                    }
                }
                (false, Some(cursor)) if cursor <= now => {
                    let p = plan(
                        &schedule.cron,
                        schedule.misfire,
                        schedule.grace,
                        cursor,
                        now,
                    );
                    if statements::fire(&client, &name, cursor, p.next, &p.runs).await? {
                        log_fired(&name, &p.runs, p.unrecorded, metrics.as_ref());
                    }
                }
                // Paused, or not due yet.
                _ => {}
            }
        }
        if state
            .last_expire
            .is_none_or(|t| t.elapsed() >= EXPIRE_EVERY)
        {
            state.last_expire = Some(Instant::now());
            for (name, (schedule, metrics)) in &state.by_name {
                let max = i32::try_from(schedule.retries.saturating_add(1)).unwrap_or(i32::MAX);
                for (run, status) in statements::expire(&client, name, max).await? {
                    tracing::warn!(schedule = %name, run, status, "a run's lease ran out");
                    if let Some(m) = metrics {
                        m.recorded("timed_out", 1);
                    }
                }
            }
        }
        if state
            .last_forget
            .is_none_or(|t| t.elapsed() >= FORGET_EVERY)
        {
            state.last_forget = Some(Instant::now());
            for name in &state.names {
                statements::forget(&client, name, self.retention.as_secs_f64()).await?;
            }
        }
        while state.running.len() < self.max_running {
            let Some(run) =
                statements::claim(&client, &state.names, &self.instance, LEASE.as_secs_f64())
                    .await?
            else {
                break;
            };
            let Some((schedule, metrics)) = state.by_name.get(&run.schedule) else {
                break;
            };
            let attempt = Attempt {
                schedule: schedule.clone(),
                client: client.clone(),
                instance: self.instance.clone(),
                clock: self.clock,
                metrics: metrics.clone(),
            };
            state.running.spawn(attempt.execute(run));
        }
        Ok(())
    }
}

/// What one instance keeps between ticks.
struct State {
    by_name: HashMap<String, (Arc<Schedule>, Option<ScheduleMetrics>)>,
    names: Vec<String>,
    db: Option<Coordinator>,
    running: JoinSet<()>,
    last_expire: Option<Instant>,
    last_forget: Option<Instant>,
}

fn log_fired(name: &str, runs: &[NewRun], unrecorded: bool, metrics: Option<&ScheduleMetrics>) {
    let skipped = runs.iter().filter(|r| r.status == "skipped").count();
    let catch_up = runs.iter().filter(|r| r.fired == "catch_up").count();
    if skipped > 0 || catch_up > 0 || unrecorded {
        tracing::warn!(
            schedule = name,
            skipped,
            catch_up,
            more_unrecorded = unrecorded,
            "slots were missed while no instance ran this schedule"
        );
    }
    if let Some(m) = metrics {
        m.recorded("skipped", skipped as u64);
    }
}
