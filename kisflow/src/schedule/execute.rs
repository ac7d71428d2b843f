//! One claimed attempt: make the flow, commit its rows, run it under its timeout while renewing
//! the lease, and record the result with the fencing token.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio_postgres::Client;
use tracing::Instrument;

use super::spec::{FIRING_KEY, Firing, Rows, Schedule};
use super::statements::{self, Claimed};
use super::{Clock, LEASE};
use crate::error::{Error, Result};
use crate::metrics::schedule::ScheduleMetrics;

/// What one attempt needs besides the run.
pub(crate) struct Attempt {
    pub(crate) schedule: Arc<Schedule>,
    pub(crate) client: Arc<Client>,
    pub(crate) instance: Arc<str>,
    pub(crate) clock: Clock,
    pub(crate) metrics: Option<ScheduleMetrics>,
}

/// How an attempt ended, before it is recorded.
enum Outcome {
    Done(Result<i64>),
    TimedOut,
    /// Another instance took the run over: nothing is recorded.
    LostLease,
}

impl Attempt {
    /// Runs `run` to its end and records it; every failure is logged, none is returned, since
    /// a lost result is retried by whichever instance sees the lease run out.
    pub(crate) async fn execute(self, run: Claimed) {
        let span = tracing::info_span!(
            "schedule_run",
            schedule = %run.schedule,
            run = run.run,
            attempt = run.attempt,
            slot = %run.slot,
        );
        self.execute_in_span(run).instrument(span).await;
    }

    async fn execute_in_span(self, run: Claimed) {
        let late = (self.clock.now() - run.slot).to_std().unwrap_or_default();
        if let Some(m) = &self.metrics {
            m.started(late);
        }
        tracing::info!(late_ms = late.as_millis(), "run started");
        let started = Instant::now();
        let outcome = self.run_with_lease(&run).await;
        let elapsed = started.elapsed();
        let (status, rows, error) = match outcome {
            Outcome::LostLease => {
                tracing::warn!(
                    "run lost its lease to another instance; its result is not recorded"
                );
                return;
            }
            Outcome::Done(Ok(rows)) => ("succeeded", Some(rows), None),
            Outcome::Done(Err(err)) => ("failed", None, Some(err.chain())),
            Outcome::TimedOut => (
                "timed_out",
                None,
                Some(format!(
                    "the run took longer than its timeout of {:?}",
                    self.schedule.timeout
                )),
            ),
        };
        let max_attempts =
            i32::try_from(self.schedule.retries.saturating_add(1)).unwrap_or(i32::MAX);
        match statements::finish(
            &self.client,
            &run,
            status,
            rows,
            error.as_deref(),
            max_attempts,
        )
        .await
        {
            Ok(true) => {
                if let Some(m) = &self.metrics {
                    m.recorded(status, 1);
                    m.finished(elapsed);
                }
                match &error {
                    None => {
                        tracing::info!(elapsed_ms = elapsed.as_millis(), status, "run ended");
                    }
                    Some(error) => {
                        tracing::warn!(
                            elapsed_ms = elapsed.as_millis(),
                            status,
                            error,
                            "run ended"
                        );
                    }
                }
            }
            Ok(false) => tracing::warn!(
                status,
                "run was taken over by another instance (its lease ran out); its result is not recorded"
            ),
            Err(err) => tracing::warn!(
                error = %err.chain(),
                status,
                "cannot record the run's result; another instance retries it when its lease runs out"
            ),
        }
    }

    /// Runs the flow under the timeout, renewing the lease every third of it.
    async fn run_with_lease(&self, run: &Claimed) -> Outcome {
        let work = tokio::time::timeout(self.schedule.timeout, self.run_flow(run));
        tokio::pin!(work);
        let mut renew = tokio::time::interval(LEASE / 3);
        renew.tick().await; // the first tick is immediate; the claim just set the lease
        loop {
            tokio::select! {
                done = &mut work => return done.map_or(Outcome::TimedOut, Outcome::Done),
                _ = renew.tick() => {
                    match statements::renew(&self.client, run, LEASE.as_secs_f64()).await {
                        Ok(true) => {}
                        Ok(false) => return Outcome::LostLease,
                        // The database may be back before the lease runs out; keep running.
                        Err(err) => tracing::warn!(error = %err.chain(), "cannot renew the run's lease"),
                    }
                }
            }
        }
    }

    /// Makes the flow, commits the run's rows and runs it; the rows committed.
    async fn run_flow(&self, run: &Claimed) -> Result<i64> {
        let firing = Firing {
            schedule: run.schedule.clone(),
            slot: run.slot,
            run: run.run,
            attempt: run.attempt,
            instance: self.instance.to_string(),
        };
        let mut flow = (self.schedule.make_flow)()?;
        flow.metadata().set(FIRING_KEY, firing.clone());
        let rows = match &self.schedule.rows {
            Rows::Firing => vec![serde_json::to_value(&firing).map_err(Error::msg)?],
            Rows::Fixed(rows) => rows.to_vec(),
            Rows::Load(load) => load(firing).await?,
        };
        let count = i64::try_from(rows.len()).unwrap_or(i64::MAX);
        for row in rows {
            flow.commit_json(row)?;
        }
        flow.run().await?;
        Ok(count)
    }
}

/// A run that does not end is cut at its timeout, so this bound is never reached in practice;
/// it keeps a shutdown from waiting forever on a runaway handler.
pub(crate) const DRAIN_LIMIT: Duration = Duration::from_secs(30);
