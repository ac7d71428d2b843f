//! What firing a schedule whose cursor is due means: which slots run, which are skipped by the
//! misfire policy, and where the cursor goes. Pure, so the policy is tested without a database.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use super::statements::NewRun;
use super::{Cron, Misfire};

/// The most skipped slots one firing records; a long downtime of a frequent schedule would
/// otherwise write a row per second of it.
pub(crate) const MAX_SKIPPED_RECORDED: usize = 100;

/// The runs to insert for the slots in `[cursor, now]`, and the next cursor.
pub(crate) struct Plan {
    pub(crate) runs: Vec<NewRun>,
    pub(crate) next: Option<DateTime<Utc>>,
    /// Missed slots neither run nor recorded, because there were more than anyone records.
    pub(crate) unrecorded: bool,
}

/// Slots no older than `grace` are on time and run (`cron`); older ones were missed while no
/// instance ran, and `misfire` decides: the latest N of them run (`catch_up`), the rest are
/// `skipped`.
pub(crate) fn plan(
    cron: &Cron,
    misfire: Misfire,
    grace: Duration,
    cursor: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Plan {
    let catch_up = match misfire {
        Misfire::Skip => 0,
        Misfire::FireOnce => 1,
        Misfire::Backfill(n) => usize::try_from(n).unwrap_or(usize::MAX),
    };
    let limit = catch_up
        .saturating_add(MAX_SKIPPED_RECORDED)
        .saturating_add(on_time_bound(grace));
    let (slots, unrecorded) = cron.slots_between(cursor, now, limit);
    let grace = TimeDelta::from_std(grace).unwrap_or(TimeDelta::MAX);
    let on_time_from = now - grace;
    let missed = slots.iter().filter(|s| **s < on_time_from).count();
    let runs = slots
        .iter()
        .enumerate()
        .map(|(i, &slot)| {
            let (status, fired) = if i >= missed {
                ("scheduled", "cron")
            } else if missed - i <= catch_up {
                ("scheduled", "catch_up")
            } else {
                ("skipped", "cron")
            };
            NewRun {
                slot,
                status,
                fired,
            }
        })
        .collect();
    Plan {
        runs,
        next: cron.next_after(now),
        unrecorded,
    }
}

/// At most how many slots fit in `grace` (slots are at least a second apart).
fn on_time_bound(grace: Duration) -> usize {
    usize::try_from(grace.as_secs())
        .unwrap_or(usize::MAX)
        .saturating_add(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: u32) -> DateTime<Utc> {
        format!("2026-01-01T00:00:{s:02}.300Z").parse().unwrap()
    }

    fn kinds(misfire: Misfire) -> Vec<(u32, &'static str, &'static str)> {
        let cron = Cron::parse("s", "* * * * * *", "UTC").unwrap();
        let cursor: DateTime<Utc> = "2026-01-01T00:00:10Z".parse().unwrap();
        let p = plan(&cron, misfire, Duration::from_secs(1), cursor, at(30));
        assert_eq!(p.next, Some("2026-01-01T00:00:31Z".parse().unwrap()));
        p.runs
            .iter()
            .map(|r| {
                let s = u32::try_from((r.slot - cursor).num_seconds()).unwrap() + 10;
                (s, r.status, r.fired)
            })
            .collect()
    }

    #[test]
    fn on_time_slots_run_and_missed_ones_follow_the_policy() {
        // Slots 10..=30 are due at 30.3 s; 30 and 29.3+ are on time (grace 1 s): slot 30 only.
        let skip = kinds(Misfire::Skip);
        assert_eq!(skip.len(), 21);
        assert_eq!(skip.last(), Some(&(30, "scheduled", "cron")));
        assert!(skip[..20].iter().all(|r| r.1 == "skipped"));
        let once = kinds(Misfire::FireOnce);
        assert_eq!(once[19], (29, "scheduled", "catch_up"));
        assert_eq!(once.iter().filter(|r| r.2 == "catch_up").count(), 1);
        let back = kinds(Misfire::Backfill(10));
        let caught: Vec<u32> = back
            .iter()
            .filter(|r| r.2 == "catch_up")
            .map(|r| r.0)
            .collect();
        assert_eq!(caught, (20..30).collect::<Vec<_>>());
    }
}
