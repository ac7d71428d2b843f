//! [`Cron`]: a cron expression with seconds, read in a time zone, and the slots it gives.

use std::fmt;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use croner::parser::{CronParser, Seconds};

use crate::error::{Error, Result};

/// A checked cron expression and the time zone its fields are read in.
///
/// Six fields, seconds first (`*/5 * * * * *`), or the five of standard cron (seconds `0`);
/// croner's extensions `L`, `W` and `#` work too. Slots are computed in the time zone, so
/// `0 0 9 * * *` in `Europe/Berlin` fires at 09:00 Berlin time in summer and in winter.
///
/// ```
/// use kisflow::schedule::Cron;
///
/// let cron = Cron::parse("report", "0 30 9 * * MON-FRI", "Europe/Berlin")?;
/// assert_eq!(cron.expression(), "0 30 9 * * MON-FRI");
/// let err = Cron::parse("report", "61 * * * * *", "UTC").unwrap_err();
/// assert!(err.to_string().starts_with("schedule `report`: `cron` \"61 * * * * *\" does not parse"));
/// # Ok::<(), kisflow::Error>(())
/// ```
#[derive(Clone)]
pub struct Cron {
    expression: String,
    pattern: croner::Cron,
    zone: Tz,
}

impl Cron {
    /// Checks `expression` and the IANA time zone name `zone` (`"UTC"`, `"Asia/Shanghai"`) of
    /// the schedule `schedule`; an error names the field and why.
    pub fn parse(schedule: &str, expression: &str, zone: &str) -> Result<Self> {
        let cron = CronParser::builder()
            .seconds(Seconds::Optional)
            .build()
            .parse(expression)
            .map_err(|err| Error::Schedule {
                schedule: schedule.to_owned(),
                reason: format!(
                    "`cron` \"{expression}\" does not parse: {}; write six fields, seconds first \
                     (`*/5 * * * * *`), or the five of standard cron",
                    lowercase_first(&err.to_string())
                ),
            })?;
        let zone = zone.parse::<Tz>().map_err(|_| Error::Schedule {
            schedule: schedule.to_owned(),
            reason: format!(
                "`time_zone` \"{zone}\" is not an IANA time zone; write one such as `UTC` or \
                 `Europe/Berlin`"
            ),
        })?;
        Ok(Self {
            expression: expression.to_owned(),
            pattern: cron,
            zone,
        })
    }

    /// The expression as written.
    #[must_use]
    pub fn expression(&self) -> &str {
        &self.expression
    }

    /// The time zone's IANA name.
    #[must_use]
    pub fn time_zone(&self) -> &'static str {
        self.zone.name()
    }

    /// The first slot strictly after `t`; `None` when the expression never fires again.
    #[must_use]
    pub fn next_after(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.pattern
            .find_next_occurrence(&t.with_timezone(&self.zone), false)
            .ok()
            .map(|slot| slot.with_timezone(&Utc))
    }

    /// The latest slot at or before `t`, or strictly before it when `inclusive` is false.
    pub(crate) fn previous(&self, t: DateTime<Utc>, inclusive: bool) -> Option<DateTime<Utc>> {
        self.pattern
            .find_previous_occurrence(&t.with_timezone(&self.zone), inclusive)
            .ok()
            .map(|slot| slot.with_timezone(&Utc))
    }

    /// The slots in `[from, to]`, the latest `limit` of them, oldest first, and whether older
    /// ones were left out (a long downtime of a frequent schedule has more than anyone records).
    pub(crate) fn slots_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: usize,
    ) -> (Vec<DateTime<Utc>>, bool) {
        let mut slots = Vec::new();
        let mut at = self.previous(to, true);
        while let Some(slot) = at.filter(|s| *s >= from) {
            if slots.len() == limit {
                slots.reverse();
                return (slots, true);
            }
            slots.push(slot);
            at = self.previous(slot, false);
        }
        slots.reverse();
        (slots, false)
    }
}

impl fmt::Debug for Cron {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cron({:?} in {})", self.expression, self.zone.name())
    }
}

/// croner's messages start with a capital and end with a period; ours do neither.
fn lowercase_first(text: &str) -> String {
    let text = text.trim_end_matches('.');
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_lowercase().chain(chars).collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn slots_follow_the_time_zone() {
        let cron = Cron::parse("s", "0 0 9 * * *", "Europe/Berlin").unwrap();
        // 09:00 in Berlin is 07:00 UTC in summer and 08:00 UTC in winter.
        assert_eq!(
            cron.next_after(at("2026-07-01T00:00:00Z")),
            Some(at("2026-07-01T07:00:00Z"))
        );
        assert_eq!(
            cron.next_after(at("2026-12-01T00:00:00Z")),
            Some(at("2026-12-01T08:00:00Z"))
        );
    }

    #[test]
    fn slots_between_keeps_the_latest() {
        let cron = Cron::parse("s", "* * * * * *", "UTC").unwrap();
        let (slots, more) =
            cron.slots_between(at("2026-01-01T00:00:00Z"), at("2026-01-01T00:00:09.5Z"), 3);
        assert_eq!(
            slots,
            [
                at("2026-01-01T00:00:07Z"),
                at("2026-01-01T00:00:08Z"),
                at("2026-01-01T00:00:09Z")
            ]
        );
        assert!(more);
        let (slots, more) =
            cron.slots_between(at("2026-01-01T00:00:08Z"), at("2026-01-01T00:00:09Z"), 3);
        assert_eq!(slots.len(), 2);
        assert!(!more);
    }

    #[test]
    fn bad_fields_are_named() {
        let err = Cron::parse("s", "* * *", "UTC").unwrap_err().to_string();
        assert!(
            err.starts_with("schedule `s`: `cron` \"* * *\" does not parse: invalid pattern"),
            "{err}"
        );
        let err = Cron::parse("s", "* * * * * *", "Mars/Olympus")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "schedule `s`: `time_zone` \"Mars/Olympus\" is not an IANA time zone; write one such \
             as `UTC` or `Europe/Berlin`"
        );
    }
}
