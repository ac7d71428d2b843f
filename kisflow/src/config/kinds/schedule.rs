//! `kistype: schedule`: a flow bound to a cron expression ([`ScheduleConfig`]), read and checked
//! at `file:line:column`; the cron expression, time zone and misfire policy are parsed here, so
//! a bad one is a load error naming the field and why.

use serde::{Deserialize, Deserializer};
use serde_saphyr::{Location, Spanned};

use crate::config::doc::Doc;
use crate::config::fields::{self, Text};
use crate::config::keys::{Key, Shape};
use crate::schedule::{Cron, Misfire};

/// A schedule as a YAML document, for `kisflow serve` to run beside its sources.
///
/// ```yaml
/// kistype: schedule
/// name: nightly_report
/// flow: Report              # a flow of the config, or a `flow!` flow, by name
/// cron: "0 0 2 * * *"       # six fields, seconds first, or the five of standard cron
/// time_zone: Europe/Berlin  # optional: an IANA name; UTC when absent
/// misfire: fire_once        # optional: skip (default), fire_once or backfill(N)
/// grace_ms: 1000            # optional: a slot noticed this late still counts as on time
/// timeout_ms: 60000         # optional: a run taking longer is timed out
/// retries: 1                # optional: tries again after a failure or a timeout
/// rows:                     # optional: the JSON rows each run commits; one Firing row when absent
///   - {region: eu}
/// ```
///
/// ```
/// use kisflow::config::Config;
///
/// let yaml = "kistype: schedule\nname: tick\nflow: Tick\ncron: \"*/5 * * * * *\"\n";
/// let config = Config::load_str("s.yml", yaml).unwrap();
/// assert_eq!(config.schedule("tick").unwrap().cron.expression(), "*/5 * * * * *");
///
/// let bad = "kistype: schedule\nname: tick\nflow: Tick\ncron: \"61 * * * * *\"\n";
/// let err = Config::load_str("s.yml", bad).unwrap_err().to_string();
/// assert!(err.starts_with("s.yml:4:7: schedule `tick`: `cron` \"61 * * * * *\" does not parse"), "{err}");
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ScheduleConfig {
    /// `name`: the schedule's name, unique among schedules.
    pub name: String,
    /// `flow`: the flow it runs, by name.
    pub flow: String,
    /// `cron` and `time_zone`, checked.
    pub cron: Cron,
    /// `misfire`: what happens to slots missed while no instance ran.
    pub misfire: Misfire,
    /// `grace_ms`.
    pub grace_ms: u64,
    /// `timeout_ms`.
    pub timeout_ms: u64,
    /// `retries`.
    pub retries: u32,
    /// `rows`: the rows each run commits; `None` commits one `Firing` row.
    pub rows: Option<Vec<serde_json::Value>>,
}

impl PartialEq for ScheduleConfig {
    fn eq(&self, other: &Self) -> bool {
        (
            &self.name,
            &self.flow,
            self.cron.expression(),
            self.cron.time_zone(),
        ) == (
            &other.name,
            &other.flow,
            other.cron.expression(),
            other.cron.time_zone(),
        ) && (
            self.misfire,
            self.grace_ms,
            self.timeout_ms,
            self.retries,
            &self.rows,
        ) == (
            other.misfire,
            other.grace_ms,
            other.timeout_ms,
            other.retries,
            &other.rows,
        )
    }
}

impl Eq for ScheduleConfig {}

/// The keys of a schedule document.
pub(in crate::config) const SHAPE: Shape = Shape::Keys(&[
    Key::new("kistype", Shape::Value),
    Key::new("name", Shape::Value),
    Key::new("flow", Shape::Value),
    Key::new("cron", Shape::Value),
    Key::new("time_zone", Shape::Value),
    Key::new("misfire", Shape::Value),
    Key::new("grace_ms", Shape::Value),
    Key::new("timeout_ms", Shape::Value),
    Key::new("retries", Shape::Value),
    Key::new("rows", Shape::Value),
]);

#[derive(Deserialize)]
pub(in crate::config) struct RawSchedule {
    #[serde(default, deserialize_with = "name")]
    name: Option<Text>,
    #[serde(default, deserialize_with = "flow")]
    flow: Option<Text>,
    #[serde(default, deserialize_with = "cron")]
    cron: Option<Text>,
    #[serde(default, deserialize_with = "time_zone")]
    time_zone: Option<Text>,
    #[serde(default, deserialize_with = "misfire")]
    misfire: Option<Text>,
    #[serde(default, deserialize_with = "grace_ms")]
    grace_ms: Option<u64>,
    #[serde(default, deserialize_with = "timeout_ms")]
    timeout_ms: Option<Spanned<u64>>,
    #[serde(default, deserialize_with = "retries")]
    retries: Option<u32>,
    #[serde(default, deserialize_with = "rows")]
    rows: Option<Vec<serde_json::Value>>,
}

fn name<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Text>, D::Error> {
    fields::text(d, "name")
}
fn flow<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Text>, D::Error> {
    fields::text(d, "flow")
}
fn cron<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Text>, D::Error> {
    fields::text(d, "cron")
}
fn time_zone<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Text>, D::Error> {
    fields::text(d, "time_zone")
}
fn misfire<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Text>, D::Error> {
    fields::text(d, "misfire")
}
fn grace_ms<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    fields::whole(d, "grace_ms", "of milliseconds")
}
fn timeout_ms<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Spanned<u64>>, D::Error> {
    fields::whole(d, "timeout_ms", "of milliseconds, at least 1")
}
fn retries<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    fields::whole(d, "retries", "from 0 to 4294967295")
}
fn rows<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<serde_json::Value>>, D::Error> {
    use serde::de::Error as _;
    fields::value(
        d,
        Some("rows"),
        || None,
        |d| {
            Option::<Vec<serde_json::Value>>::deserialize(d).map_err(|_| {
                D::Error::custom(
                    "`rows` must be a list of rows, such as `rows: [{id: 1}, {id: 2}]`",
                )
            })
        },
    )
}

impl RawSchedule {
    /// The schedule and its name, or `None` after reporting every problem with its place.
    pub(in crate::config) fn build(
        self,
        doc: &mut Doc<'_>,
        at: &Location,
    ) -> Option<(ScheduleConfig, Text)> {
        let name = doc.name(self.name, "name", "name the schedule", at);
        let flow = doc.name(self.flow, "flow", "name the flow it runs", at);
        let shown = name.as_ref().map_or("", |n| n.value.as_str()).to_owned();
        let zone = self.time_zone.filter(|z| !z.value.is_empty());
        let cron = doc
            .name(self.cron, "cron", "give the slots", at)
            .and_then(|cron| {
                let zone_name = zone.as_ref().map_or("UTC", |z| z.value.as_str());
                Cron::parse(&shown, &cron.value, zone_name)
                    .map_err(|err| {
                        // A bad zone is reported at the zone, a bad expression at the expression.
                        let bad_zone = err.to_string().contains("`time_zone`");
                        let place = match (&zone, bad_zone) {
                            (Some(z), true) => &z.referenced,
                            _ => &cron.referenced,
                        };
                        doc.report(place, err.to_string());
                    })
                    .ok()
            });
        let misfire = match self.misfire.filter(|m| !m.value.is_empty()) {
            None => Some(Misfire::Skip),
            Some(m) => m
                .value
                .parse::<Misfire>()
                .map_err(|why| doc.report(&m.referenced, format!("`misfire`: {why}")))
                .ok(),
        };
        let timeout_ms = match self.timeout_ms {
            Some(t) if t.value == 0 => {
                doc.report(&t.referenced, "`timeout_ms` must be at least 1");
                None
            }
            Some(t) => Some(t.value),
            None => Some(60_000),
        };
        let (name, flow, cron, misfire, timeout_ms) = (name?, flow?, cron?, misfire?, timeout_ms?);
        let config = ScheduleConfig {
            name: name.value.clone(),
            flow: flow.value,
            cron,
            misfire,
            grace_ms: self.grace_ms.unwrap_or(1000),
            timeout_ms,
            retries: self.retries.unwrap_or(1),
            rows: self.rows,
        };
        Some((config, name))
    }
}
