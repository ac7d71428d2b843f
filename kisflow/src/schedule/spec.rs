//! [`Schedule`]: what runs when: a flow, a cron expression in a time zone, the rows each run
//! commits, what happens to slots missed while no instance ran, and how long a run may take.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};

use super::Cron;
use crate::DynFlow;
use crate::error::{Error, Result};

/// One run of a schedule, as its flow sees it: the default row a run commits, and in the
/// flow's metadata under [`FIRING_KEY`] whatever rows it commits.
///
/// ```
/// use kisflow::prelude::*;
/// use kisflow::schedule::Firing;
///
/// #[kis_function(mode = "Expand")]
/// fn report(rows: Vec<Firing>) {
///     for f in rows {
///         println!("{} ran for {} (run {}, attempt {})", f.schedule, f.slot, f.run, f.attempt);
///     }
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Firing {
    /// The schedule's name.
    pub schedule: String,
    /// The time the run is for: its cron slot, or when it was triggered by hand.
    pub slot: DateTime<Utc>,
    /// The run's id in the history; with `attempt`, the fencing token to hand to a sink.
    pub run: i64,
    /// 1 for the first attempt, 2 for its first retry…
    pub attempt: i32,
    /// The instance that runs it.
    pub instance: String,
}

/// The key of the [`Firing`] in the flow's metadata during a scheduled run
/// (`ctx.flow_metadata().get::<Firing>(FIRING_KEY)`).
pub const FIRING_KEY: &str = "kisflow.schedule.firing";

/// What happens to the slots that passed while no instance ran the schedule.
///
/// ```
/// use kisflow::schedule::Misfire;
///
/// assert_eq!("backfill(10)".parse::<Misfire>(), Ok(Misfire::Backfill(10)));
/// assert_eq!("fire_once".parse::<Misfire>(), Ok(Misfire::FireOnce));
/// assert!("sometimes".parse::<Misfire>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Misfire {
    /// Missed slots are recorded as `skipped` and not run (the default: cron jobs should
    /// handle holes).
    #[default]
    Skip,
    /// The latest missed slot runs once; the others are `skipped`.
    FireOnce,
    /// The latest `n` missed slots run, oldest first; older ones are `skipped`.
    Backfill(u32),
}

impl FromStr for Misfire {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let n = text
            .strip_prefix("backfill(")
            .and_then(|rest| rest.strip_suffix(')'));
        match (text, n) {
            ("skip", _) => Ok(Self::Skip),
            ("fire_once", _) => Ok(Self::FireOnce),
            (_, Some(n)) => n.trim().parse().map(Self::Backfill).map_err(|_| {
                format!("`backfill({n})` needs a whole number of slots, such as `backfill(10)`")
            }),
            _ => Err(format!(
                "unknown misfire policy \"{text}\", expected one of \"skip\", \"fire_once\", \
                 \"backfill(N)\""
            )),
        }
    }
}

impl fmt::Display for Misfire {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Skip => f.write_str("skip"),
            Self::FireOnce => f.write_str("fire_once"),
            Self::Backfill(n) => write!(f, "backfill({n})"),
        }
    }
}

/// Makes a fresh flow instance for each run.
pub(crate) type MakeFlow = Arc<dyn Fn() -> Result<Box<dyn DynFlow>> + Send + Sync>;
/// Produces the rows of one run.
pub(crate) type Load =
    Arc<dyn Fn(Firing) -> BoxFuture<'static, Result<Vec<serde_json::Value>>> + Send + Sync>;

/// The rows each run commits.
#[derive(Clone)]
pub(crate) enum Rows {
    /// One row: the [`Firing`] as JSON.
    Firing,
    /// The same rows every run.
    Fixed(Arc<[serde_json::Value]>),
    /// What the load function returns for the firing.
    Load(Load),
}

/// A flow bound to a cron expression with seconds, in a time zone.
///
/// ```
/// use kisflow::prelude::*;
/// use kisflow::schedule::{Firing, Misfire, Schedule};
/// use std::time::Duration;
///
/// #[kis_function(mode = "Expand")]
/// fn note(rows: Vec<Firing>) {
///     println!("{rows:?}");
/// }
/// flow!(Note: note);
///
/// let schedule = Schedule::new("note", "*/10 * * * * *", "Note")? // by registry name
///     .time_zone("Asia/Shanghai")?
///     .misfire(Misfire::Backfill(3))
///     .timeout(Duration::from_secs(30))
///     .retries(2);
/// assert_eq!(schedule.name(), "note");
/// # Ok::<(), kisflow::Error>(())
/// ```
#[derive(Clone)]
pub struct Schedule {
    pub(crate) name: String,
    pub(crate) cron: Cron,
    pub(crate) flow: String,
    pub(crate) make_flow: MakeFlow,
    pub(crate) rows: Rows,
    pub(crate) misfire: Misfire,
    pub(crate) grace: Duration,
    pub(crate) timeout: Duration,
    pub(crate) retries: u32,
}

impl Schedule {
    /// A schedule `name` that runs the registered flow `flow` (a `flow!` flow) at the slots of
    /// `cron`, read in UTC, committing one [`Firing`] row per run.
    pub fn new(name: &str, cron: &str, flow: &str) -> Result<Self> {
        if name.is_empty() {
            return Err(Error::Schedule {
                schedule: String::new(),
                reason: "the name is empty; give every schedule a name".to_owned(),
            });
        }
        let by_name = flow.to_owned();
        Ok(Self {
            name: name.to_owned(),
            cron: Cron::parse(name, cron, "UTC")?,
            flow: flow.to_owned(),
            make_flow: Arc::new(move || crate::registry()?.flow(&by_name)),
            rows: Rows::Firing,
            misfire: Misfire::Skip,
            grace: Duration::from_secs(1),
            timeout: Duration::from_secs(60),
            retries: 1,
        })
    }

    /// Reads the cron fields in the IANA time zone `zone` instead of UTC.
    pub fn time_zone(mut self, zone: &str) -> Result<Self> {
        self.cron = Cron::parse(&self.name, self.cron.expression(), zone)?;
        Ok(self)
    }

    /// Makes each run's flow with `make` instead of from the registry: a flow of a
    /// [`Pool`](crate::Pool) (`move || pool.flow("Name")`) or one with connectors attached.
    #[must_use]
    pub fn flow_from(
        mut self,
        make: impl Fn() -> Result<Box<dyn DynFlow>> + Send + Sync + 'static,
    ) -> Self {
        self.make_flow = Arc::new(make);
        self
    }

    /// Commits these JSON rows at every run instead of the [`Firing`].
    #[must_use]
    pub fn rows(mut self, rows: Vec<serde_json::Value>) -> Self {
        self.rows = Rows::Fixed(rows.into());
        self
    }

    /// Commits the rows `load` returns for each firing (a query for the slot's data…); an error
    /// fails the run as a handler error does.
    #[must_use]
    pub fn load<F>(mut self, load: impl Fn(Firing) -> F + Send + Sync + 'static) -> Self
    where
        F: Future<Output = Result<Vec<serde_json::Value>>> + Send + 'static,
    {
        self.rows = Rows::Load(Arc::new(move |firing| Box::pin(load(firing))));
        self
    }

    /// What happens to slots missed while no instance ran (default [`Misfire::Skip`]).
    #[must_use]
    pub fn misfire(mut self, misfire: Misfire) -> Self {
        self.misfire = misfire;
        self
    }

    /// How late a slot may be noticed and still count as on time rather than missed
    /// (default 1 s).
    #[must_use]
    pub fn grace(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    /// How long a run may take before it is marked `timed_out` (default 60 s).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How many times a failed or timed-out run is tried again (default 1).
    #[must_use]
    pub fn retries(mut self, retries: u32) -> Self {
        self.retries = retries;
        self
    }

    /// The schedule's name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its cron expression and time zone.
    #[must_use]
    pub fn cron(&self) -> &Cron {
        &self.cron
    }

    /// The name of the flow it runs.
    #[must_use]
    pub fn flow(&self) -> &str {
        &self.flow
    }

    /// Its misfire policy.
    #[must_use]
    pub fn misfire_policy(&self) -> Misfire {
        self.misfire
    }
}

impl fmt::Debug for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Schedule")
            .field("name", &self.name)
            .field("cron", &self.cron)
            .field("flow", &self.flow)
            .field("misfire", &self.misfire)
            .field("timeout", &self.timeout)
            .field("retries", &self.retries)
            .finish_non_exhaustive()
    }
}
