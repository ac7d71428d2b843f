//! Schedules: flows that run at the slots of a cron expression, once per slot across every
//! instance that runs them, with PostgreSQL as the coordinator (feature `schedule`).
//!
//! - A [`Schedule`] binds a flow to a [`Cron`] expression with seconds in a time zone, with the
//!   rows each run commits, a [`Misfire`] policy for slots missed while no instance ran, a
//!   timeout and a number of retries.
//! - A [`Scheduler`] runs schedules on one instance. Many instances run the same schedules;
//!   each slot is fired once because its run is keyed on `UNIQUE (schedule, slot)` in
//!   `kis_run` (not a lock: locks fail under clock skew, fast jobs and connection poolers),
//!   and run once because instances claim runs with `FOR UPDATE SKIP LOCKED` and a lease that
//!   the run renews. The run id and attempt are the fencing token: an instance that lost its
//!   lease cannot record a late result.
//! - A [`Coordinator`] pauses, resumes and triggers schedules and reads the history
//!   ([`RunRecord`]); the state is in the database, so every instance obeys it.
//!
//! Each run is logged inside a `schedule_run` span with the fields `schedule`, `run`, `attempt`
//! and `slot`, so its logs can be found by run id.
//!
//! ```no_run
//! use kisflow::prelude::*;
//! use kisflow::schedule::{Firing, Misfire, Schedule, Scheduler};
//!
//! #[kis_function(mode = "Expand")]
//! fn report(rows: Vec<Firing>) {
//!     for f in rows {
//!         println!("report for {}", f.slot);
//!     }
//! }
//! flow!(Report: report);
//!
//! # #[tokio::main]
//! # async fn main() -> kisflow::Result<()> {
//! let nightly = Schedule::new("nightly", "0 0 2 * * *", "Report")?
//!     .time_zone("Europe/Berlin")?
//!     .misfire(Misfire::FireOnce);
//! Scheduler::new("host=127.0.0.1 user=postgres", "worker-1")
//!     .schedule(nightly)
//!     .run_until(async { tokio::signal::ctrl_c().await.unwrap() })
//!     .await
//! # }
//! ```

mod clock;
mod coordinator;
mod cron;
mod execute;
mod history;
mod plan;
mod scheduler;
mod spec;
mod statements;

pub use clock::{CLOCK_OFFSET_ENV, Clock};
pub use coordinator::Coordinator;
pub use cron::Cron;
pub use history::{HistoryFilter, RunRecord, ScheduleState};
pub use scheduler::Scheduler;
pub use spec::{FIRING_KEY, Firing, Misfire, Schedule};

/// How long a claimed run is an instance's without renewal: a killed instance's run is taken
/// over this long after its last renewal.
const LEASE: std::time::Duration = std::time::Duration::from_secs(5);
