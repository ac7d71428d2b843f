//! The config's `kistype: schedule` documents as [`Schedule`]s whose runs make their flows
//! from the pool, so a schedule may run a YAML flow or a `flow!` flow by name.

use std::sync::Arc;
use std::time::Duration;

use super::Pool;
use crate::error::{Error, Result};
use crate::schedule::Schedule;

impl Pool {
    /// The schedules of the config, each making its flow from this pool at every run. A flow
    /// the pool does not have is an error naming the schedule.
    ///
    /// ```standalone_crate
    /// use kisflow::prelude::*;
    /// use kisflow::config::Config;
    ///
    /// #[kis_function(mode = "Expand")]
    /// fn note(rows: Vec<kisflow::schedule::Firing>) {
    ///     println!("{rows:?}");
    /// }
    /// flow!(Note: note);
    ///
    /// let yaml = "kistype: schedule\nname: every_5s\nflow: Note\ncron: \"*/5 * * * * *\"\n";
    /// let pool = std::sync::Arc::new(kisflow::Pool::new(Config::load_str("s.yml", yaml)?)?);
    /// let schedules = kisflow::Pool::schedules(&pool)?;
    /// assert_eq!(schedules[0].name(), "every_5s");
    /// # Ok::<(), kisflow::Error>(())
    /// ```
    pub fn schedules(pool: &Arc<Pool>) -> Result<Vec<Schedule>> {
        let known = pool.flow_names();
        pool.config
            .schedules()
            .map(|c| {
                if !known.contains(&c.flow) {
                    return Err(Error::Schedule {
                        schedule: c.name.clone(),
                        reason: format!(
                            "its flow `{}` is neither in the config nor a `flow!`; flows: {}",
                            c.flow,
                            known.join(", ")
                        ),
                    });
                }
                let (pool, flow) = (pool.clone(), c.flow.clone());
                let mut schedule = Schedule::new(&c.name, c.cron.expression(), &c.flow)?
                    .time_zone(c.cron.time_zone())?
                    .misfire(c.misfire)
                    .grace(Duration::from_millis(c.grace_ms))
                    .timeout(Duration::from_millis(c.timeout_ms))
                    .retries(c.retries)
                    .flow_from(move || pool.flow(&flow));
                if let Some(rows) = &c.rows {
                    schedule = schedule.rows(rows.clone());
                }
                Ok(schedule)
            })
            .collect()
    }
}
