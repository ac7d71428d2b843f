//! The statements an instance runs each tick. Each is one statement, so each decision is atomic
//! without a lock held between statements:
//!
//! - firing advances the schedule's cursor with a compare-and-set and inserts the slots' runs in
//!   the same statement; `UNIQUE (schedule, slot)` is the backstop that makes a second run of a
//!   slot impossible, whatever the clocks say;
//! - claiming takes one `scheduled` run with `FOR UPDATE SKIP LOCKED`, bumps its attempt and
//!   gives it a lease;
//! - recording a result, and renewing the lease, only match `(id, attempt, status = running)`:
//!   the run id and attempt are the fencing token, so an instance that lost its lease (paused,
//!   cut off) cannot record a late result over the attempt that replaced it.

use chrono::{DateTime, Utc};
use tokio_postgres::Client;

use super::coordinator::db_error;
use crate::error::Result;

/// A run this instance claimed.
#[derive(Debug, Clone)]
pub(crate) struct Claimed {
    pub(crate) run: i64,
    pub(crate) schedule: String,
    pub(crate) slot: DateTime<Utc>,
    pub(crate) attempt: i32,
}

/// Registers the schedules (idempotent) and reads their cursors and pause flags.
pub(crate) async fn cursors(
    client: &Client,
    names: &[String],
) -> Result<Vec<(String, bool, Option<DateTime<Utc>>)>> {
    let rows = client
        .query(
            "WITH reg AS (INSERT INTO kis_schedule (name) SELECT unnest($1::text[])
                          ON CONFLICT (name) DO NOTHING)
             SELECT name, paused, next_slot FROM kis_schedule WHERE name = ANY($1)",
            &[&names],
        )
        .await
        .map_err(db_error("read the schedules"))?;
    Ok(rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect())
}

/// Sets the cursor of a schedule that has none (first start, or after a resume).
pub(crate) async fn start_cursor(client: &Client, name: &str, next: DateTime<Utc>) -> Result<()> {
    client
        .execute(
            "UPDATE kis_schedule SET next_slot = $2, updated_at = now()
             WHERE name = $1 AND next_slot IS NULL AND NOT paused",
            &[&name, &next],
        )
        .await
        .map_err(db_error("start a schedule's cursor"))?;
    Ok(())
}

/// One slot to insert: its time, `scheduled` or `skipped`, and `cron` or `catch_up`.
pub(crate) struct NewRun {
    pub(crate) slot: DateTime<Utc>,
    pub(crate) status: &'static str,
    pub(crate) fired: &'static str,
}

/// Moves the cursor from `from` to `to` and inserts `runs`, if no other instance moved it
/// first; returns whether this instance did.
pub(crate) async fn fire(
    client: &Client,
    name: &str,
    from: DateTime<Utc>,
    to: Option<DateTime<Utc>>,
    runs: &[NewRun],
) -> Result<bool> {
    let slots: Vec<DateTime<Utc>> = runs.iter().map(|r| r.slot).collect();
    let statuses: Vec<&str> = runs.iter().map(|r| r.status).collect();
    let fired: Vec<&str> = runs.iter().map(|r| r.fired).collect();
    let row = client
        .query_one(
            "WITH adv AS (
                 UPDATE kis_schedule SET next_slot = $3, updated_at = now()
                 WHERE name = $1 AND next_slot = $2 AND NOT paused RETURNING name
             ), ins AS (
                 INSERT INTO kis_run (schedule, slot, status, fired, finished_at)
                 SELECT adv.name, s.slot, s.status, s.fired,
                        CASE WHEN s.status = 'skipped' THEN clock_timestamp() END
                 FROM adv, unnest($4::timestamptz[], $5::text[], $6::text[]) AS s(slot, status, fired)
                 ON CONFLICT (schedule, slot) DO NOTHING
                 RETURNING 1
             )
             SELECT (SELECT count(*) FROM adv), (SELECT count(*) FROM ins)",
            &[&name, &from, &to, &slots, &statuses, &fired],
        )
        .await
        .map_err(db_error("fire a slot"))?;
    Ok(row.get::<_, i64>(0) == 1)
}

/// Claims the oldest waiting run of `names` for `instance` with a lease of `lease_secs`.
/// Paused schedules' runs wait, except runs triggered by hand. A run never starts before its
/// slot by the database's clock, so an instance whose clock runs ahead may fire a slot early
/// but nobody runs it early.
pub(crate) async fn claim(
    client: &Client,
    names: &[String],
    instance: &str,
    lease_secs: f64,
) -> Result<Option<Claimed>> {
    let row = client
        .query_opt(
            "UPDATE kis_run SET status = 'running', attempt = attempt + 1, instance = $2,
                    lease_until = clock_timestamp() + make_interval(secs => $3),
                    started_at = clock_timestamp(), finished_at = NULL
             WHERE id = (
                 SELECT r.id FROM kis_run r JOIN kis_schedule s ON s.name = r.schedule
                 WHERE r.schedule = ANY($1) AND r.status = 'scheduled'
                   AND r.slot <= clock_timestamp()
                   AND (NOT s.paused OR r.fired = 'manual')
                 ORDER BY r.slot LIMIT 1
                 FOR UPDATE OF r SKIP LOCKED
             ) AND status = 'scheduled'
             RETURNING id, schedule, slot, attempt",
            &[&names, &instance, &lease_secs],
        )
        .await
        .map_err(db_error("claim a run"))?;
    Ok(row.map(|r| Claimed {
        run: r.get(0),
        schedule: r.get(1),
        slot: r.get(2),
        attempt: r.get(3),
    }))
}

/// Renews the lease of an attempt; false when it is no longer this instance's to run.
pub(crate) async fn renew(client: &Client, run: &Claimed, lease_secs: f64) -> Result<bool> {
    let changed = client
        .execute(
            "UPDATE kis_run SET lease_until = clock_timestamp() + make_interval(secs => $3)
             WHERE id = $1 AND attempt = $2 AND status = 'running'",
            &[&run.run, &run.attempt, &lease_secs],
        )
        .await
        .map_err(db_error("renew a run's lease"))?;
    Ok(changed == 1)
}

/// Records how an attempt ended; `status` `failed` or `timed_out` becomes `scheduled` again
/// while attempts remain. False when the attempt was fenced off (its lease was taken over).
pub(crate) async fn finish(
    client: &Client,
    run: &Claimed,
    status: &str,
    rows: Option<i64>,
    error: Option<&str>,
    max_attempts: i32,
) -> Result<bool> {
    let changed = client
        .execute(
            "UPDATE kis_run SET
                 status = CASE WHEN $3 <> 'succeeded' AND attempt < $6 THEN 'scheduled' ELSE $3 END,
                 finished_at = clock_timestamp(), rows = $4, error = $5, lease_until = NULL
             WHERE id = $1 AND attempt = $2 AND status = 'running'",
            &[
                &run.run,
                &run.attempt,
                &status,
                &rows,
                &error,
                &max_attempts,
            ],
        )
        .await
        .map_err(db_error("record a run's result"))?;
    Ok(changed == 1)
}

/// Marks the attempts of `name` whose lease ran out (their instance died or was cut off) as
/// timed out, or queues them again while attempts remain; returns the runs it changed.
pub(crate) async fn expire(
    client: &Client,
    name: &str,
    max_attempts: i32,
) -> Result<Vec<(i64, String)>> {
    let rows = client
        .query(
            "UPDATE kis_run SET
                 status = CASE WHEN attempt < $2 THEN 'scheduled' ELSE 'timed_out' END,
                 finished_at = clock_timestamp(), lease_until = NULL,
                 error = 'attempt ' || attempt || ' on instance ' || coalesce(instance, '?')
                         || ' stopped renewing its lease (killed, or cut off from the database)'
             WHERE schedule = $1 AND status = 'running' AND lease_until < clock_timestamp()
             RETURNING id, status",
            &[&name, &max_attempts],
        )
        .await
        .map_err(db_error("expire lost runs"))?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// Deletes the history of `name` that ended more than `keep_secs` ago.
pub(crate) async fn forget(client: &Client, name: &str, keep_secs: f64) -> Result<u64> {
    client
        .execute(
            "DELETE FROM kis_run WHERE schedule = $1
               AND finished_at < clock_timestamp() - make_interval(secs => $2)
               AND status IN ('succeeded', 'failed', 'timed_out', 'skipped')",
            &[&name, &keep_secs],
        )
        .await
        .map_err(db_error("delete old history"))
}
