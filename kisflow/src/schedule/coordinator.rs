//! [`Coordinator`]: the PostgreSQL connection every instance shares its schedules through, and
//! the control operations (pause, resume, trigger, history) the CLI and code call.
//!
//! Nothing here holds a lock across statements: each decision is one statement, so it works
//! through a transaction-pooling PgBouncer and survives a connection cut at any point.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio_postgres::{Client, NoTls};

use super::history::{HistoryFilter, RunRecord, ScheduleState};
use crate::error::{BoxError, Error, Result};

/// The tables; made on first use by whichever instance comes first.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS kis_schedule (
    name        text PRIMARY KEY,
    paused      boolean NOT NULL DEFAULT false,
    next_slot   timestamptz,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS kis_run (
    id          bigserial PRIMARY KEY,
    schedule    text NOT NULL,
    slot        timestamptz NOT NULL,
    fired       text NOT NULL,
    status      text NOT NULL,
    attempt     integer NOT NULL DEFAULT 0,
    instance    text,
    lease_until timestamptz,
    started_at  timestamptz,
    finished_at timestamptz,
    rows        bigint,
    error       text,
    UNIQUE (schedule, slot)
);
CREATE INDEX IF NOT EXISTS kis_run_claimable ON kis_run (schedule, slot) WHERE status = 'scheduled';
";

/// A handle on the coordinating database: cheap to clone, reconnecting by itself.
///
/// ```no_run
/// # async fn f() -> kisflow::Result<()> {
/// use kisflow::schedule::{Coordinator, HistoryFilter};
///
/// let db = Coordinator::connect("host=127.0.0.1 user=postgres").await?;
/// db.pause("tick").await?; // every instance stops starting runs of `tick`
/// for run in db.history(&HistoryFilter::default()).await? {
///     println!("{}", run.to_json_line());
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Coordinator {
    url: Arc<str>,
    client: Arc<Mutex<Option<Arc<Client>>>>,
}

impl std::fmt::Debug for Coordinator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Coordinator").finish_non_exhaustive()
    }
}

pub(crate) fn db_error(action: &'static str) -> impl FnOnce(tokio_postgres::Error) -> Error {
    move |err| Error::Coordinator {
        action,
        source: BoxError::from(err),
    }
}

/// `SELECT` of the columns [`RunRecord::from_row`] reads, from `kis_run`, then `$rest`.
macro_rules! select_runs {
    ($rest:literal) => {
        concat!(
            "SELECT id, schedule, slot, fired, status, attempt, instance, started_at, \
             finished_at, rows, error FROM kis_run ",
            $rest
        )
    };
}

impl Coordinator {
    /// Connects to the database at `url` (`postgres://user@host:port/db` or
    /// `host=… port=… user=…`) and makes the tables when they are missing.
    pub async fn connect(url: &str) -> Result<Self> {
        let db = Self {
            url: url.into(),
            client: Arc::new(Mutex::new(None)),
        };
        let client = db.client().await?;
        // Two instances starting at once may both try to create a table; the loser sees a
        // unique violation in the catalog and simply tries again, finding it there.
        let mut tries = 0;
        loop {
            match client.batch_execute(SCHEMA).await {
                Ok(()) => return Ok(db),
                Err(_) if tries < 3 => {
                    tries += 1;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(err) => return Err(db_error("create its tables")(err)),
            }
        }
    }

    /// The current connection, or a new one when it was closed.
    pub(crate) async fn client(&self) -> Result<Arc<Client>> {
        if let Some(client) = self.lock().as_ref().filter(|c| !c.is_closed()) {
            return Ok(client.clone());
        }
        let (client, connection) = tokio_postgres::connect(&self.url, NoTls)
            .await
            .map_err(db_error("connect"))?;
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::warn!(error = %err, "schedule coordinator connection closed");
            }
        });
        let client = Arc::new(client);
        *self.lock() = Some(client.clone());
        Ok(client)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Arc<Client>>> {
        self.client
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Stops every instance from starting runs of `schedule` (within one tick, 100 ms); runs
    /// already started finish. Slots that pass while paused are not run, and the slots fired
    /// but not yet started are marked `skipped`, so a resume does not run them late.
    pub async fn pause(&self, schedule: &str) -> Result<()> {
        let client = self.client().await?;
        client
            .execute(
                "WITH paused AS (
                     INSERT INTO kis_schedule (name, paused) VALUES ($1, true)
                     ON CONFLICT (name) DO UPDATE SET paused = true, updated_at = now()
                 )
                 UPDATE kis_run SET status = 'skipped', finished_at = clock_timestamp(),
                        error = 'the schedule was paused before this run started'
                 WHERE schedule = $1 AND status = 'scheduled' AND fired <> 'manual'",
                &[&schedule],
            )
            .await
            .map_err(db_error("pause a schedule"))?;
        Ok(())
    }

    /// Lets `schedule` run again from its next slot; the slots passed while paused stay unrun.
    pub async fn resume(&self, schedule: &str) -> Result<()> {
        let client = self.client().await?;
        // Forgetting the cursor makes the next instance to tick start at the next slot after
        // its own now, so no paused slot counts as missed.
        let changed = client
            .execute(
                "UPDATE kis_schedule SET paused = false, next_slot = NULL, updated_at = now()
                 WHERE name = $1",
                &[&schedule],
            )
            .await
            .map_err(db_error("resume a schedule"))?;
        if changed == 0 {
            return Err(unknown(schedule));
        }
        Ok(())
    }

    /// Queues a run of `schedule` for now, outside its cron slots (also when paused); returns
    /// its run id.
    pub async fn trigger(&self, schedule: &str) -> Result<i64> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "INSERT INTO kis_run (schedule, slot, fired, status)
                 SELECT name, clock_timestamp(), 'manual', 'scheduled' FROM kis_schedule WHERE name = $1
                 RETURNING id",
                &[&schedule],
            )
            .await
            .map_err(db_error("trigger a run"))?;
        row.map(|r| r.get(0)).ok_or_else(|| unknown(schedule))
    }

    /// Every schedule any instance has registered, with its state.
    pub async fn list(&self) -> Result<Vec<ScheduleState>> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT s.name, s.paused, s.next_slot,
                        (SELECT max(slot) FROM kis_run r WHERE r.schedule = s.name AND r.status = 'succeeded')
                 FROM kis_schedule s ORDER BY s.name",
                &[],
            )
            .await
            .map_err(db_error("list schedules"))?;
        Ok(rows.iter().map(ScheduleState::from_row).collect())
    }

    /// The run history, oldest slot first.
    pub async fn history(&self, filter: &HistoryFilter) -> Result<Vec<RunRecord>> {
        let client = self.client().await?;
        let rows = client
            .query(
                select_runs!("WHERE ($1::text IS NULL OR schedule = $1) ORDER BY slot, schedule"),
                &[&filter.schedule],
            )
            .await
            .map_err(db_error("read the run history"))?;
        Ok(rows.iter().map(RunRecord::from_row).collect())
    }

    /// The latest `n` runs of `schedule`, oldest slot first: a page of a long history, read
    /// through the `(schedule, slot)` index without reading the rest.
    pub async fn recent(&self, schedule: &str, n: i64) -> Result<Vec<RunRecord>> {
        let client = self.client().await?;
        let rows = client
            .query(
                concat!(
                    "SELECT * FROM (",
                    select_runs!("WHERE schedule = $1 ORDER BY slot DESC LIMIT $2"),
                    ") latest ORDER BY slot"
                ),
                &[&schedule, &n],
            )
            .await
            .map_err(db_error("read the run history"))?;
        Ok(rows.iter().map(RunRecord::from_row).collect())
    }

    /// The run numbered `run`, if there is one.
    pub async fn run(&self, run: i64) -> Result<Option<RunRecord>> {
        let client = self.client().await?;
        let row = client
            .query_opt(select_runs!("WHERE id = $1"), &[&run])
            .await
            .map_err(db_error("read a run"))?;
        Ok(row.as_ref().map(RunRecord::from_row))
    }

    /// The database's clock, the one the history's times are in.
    pub async fn now(&self) -> Result<DateTime<Utc>> {
        let client = self.client().await?;
        let row = client
            .query_one("SELECT clock_timestamp()", &[])
            .await
            .map_err(db_error("read its clock"))?;
        Ok(row.get(0))
    }
}

fn unknown(schedule: &str) -> Error {
    Error::Schedule {
        schedule: schedule.to_owned(),
        reason: "no instance has registered it with the coordinator; check the name with \
                 `schedules list`"
            .to_owned(),
    }
}
