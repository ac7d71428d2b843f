//! How far a consumer group is behind its stream: `XINFO GROUPS` for the counts (Redis 7.0+
//! reports the group's `lag`), the oldest pending or undelivered entry's id for the age.

use std::time::{SystemTime, UNIX_EPOCH};

use redis::Value;

use super::reply::text;
use super::streams::RedisStreams;
use crate::error::Result;
use crate::source::Lag;

impl RedisStreams {
    /// The group's lag: entries pending (delivered, not acked) plus entries not yet delivered,
    /// and the age of the oldest of them from its id's milliseconds.
    pub(super) async fn group_lag(&self) -> Result<Option<Lag>> {
        let mut cmd = redis::cmd("XINFO");
        cmd.arg("GROUPS").arg(self.stream());
        let groups = self.command(&cmd, "XINFO GROUPS").await?;
        let Some(info) = group_info(&groups, self.group()) else {
            return Ok(None);
        };
        let pending = number(&info, "pending").unwrap_or(0);
        // `lag` is nil when Redis cannot tell (entries deleted); count what it can.
        let undelivered = number(&info, "lag").unwrap_or(0);
        let oldest = if pending > 0 {
            let mut cmd = redis::cmd("XPENDING");
            cmd.arg(self.stream())
                .arg(self.group())
                .arg("-")
                .arg("+")
                .arg(1);
            first_id(&self.command(&cmd, "XPENDING").await?)
        } else if undelivered > 0 {
            let after = field(&info, "last-delivered-id").unwrap_or_else(|| "0-0".to_owned());
            let mut cmd = redis::cmd("XRANGE");
            cmd.arg(self.stream())
                .arg(format!("({after}"))
                .arg("+")
                .arg("COUNT")
                .arg(1);
            first_id(&self.command(&cmd, "XRANGE").await?)
        } else {
            None
        };
        let seconds = oldest.and_then(|id| age_seconds(&id)).unwrap_or(0.0);
        Ok(Some(Lag {
            messages: pending + undelivered,
            seconds,
        }))
    }
}

/// The `field value …` pairs of the group named `group` in an `XINFO GROUPS` reply.
fn group_info(reply: &Value, group: &str) -> Option<Vec<(String, Value)>> {
    let Value::Array(groups) = reply else {
        return None;
    };
    groups.iter().find_map(|entry| {
        let pairs: Vec<(String, Value)> = match entry {
            Value::Array(items) => items
                .chunks(2)
                .filter_map(|pair| Some((text(pair.first()?)?, pair.get(1)?.clone())))
                .collect(),
            Value::Map(pairs) => pairs
                .iter()
                .filter_map(|(k, v)| Some((text(k)?, v.clone())))
                .collect(),
            _ => return None,
        };
        let name = pairs
            .iter()
            .find(|(k, _)| k == "name")
            .and_then(|(_, v)| text(v));
        (name.as_deref() == Some(group)).then_some(pairs)
    })
}

fn number(info: &[(String, Value)], key: &str) -> Option<u64> {
    match info.iter().find(|(k, _)| k == key).map(|(_, v)| v) {
        Some(Value::Int(n)) => u64::try_from(*n).ok(),
        Some(other) => text(other).and_then(|t| t.parse().ok()),
        None => None,
    }
}

fn field(info: &[(String, Value)], key: &str) -> Option<String> {
    info.iter()
        .find(|(k, _)| k == key)
        .and_then(|(_, v)| text(v))
}

/// The id of the first entry of an `XPENDING … 1` or `XRANGE … COUNT 1` reply.
fn first_id(reply: &Value) -> Option<String> {
    let Value::Array(entries) = reply else {
        return None;
    };
    match entries.first()? {
        Value::Array(entry) => entry.first().and_then(text),
        _ => None,
    }
}

/// Seconds since the entry `id` (`<milliseconds>-<sequence>`) was added.
fn age_seconds(id: &str) -> Option<f64> {
    let millis: u64 = id.split('-').next()?.parse().ok()?;
    let now = u64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .ok()?
            .as_millis(),
    )
    .ok()?;
    #[allow(
        clippy::cast_precision_loss,
        reason = "an age in seconds needs no 53-bit precision"
    )]
    Some(now.saturating_sub(millis) as f64 / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(s: &str) -> Value {
        Value::BulkString(s.as_bytes().to_vec())
    }

    #[test]
    fn a_group_is_found_with_its_counts() {
        let reply = Value::Array(vec![Value::Array(vec![
            bulk("name"),
            bulk("g"),
            bulk("pending"),
            Value::Int(2),
            bulk("last-delivered-id"),
            bulk("5-0"),
            bulk("lag"),
            Value::Int(7),
        ])]);
        let info = group_info(&reply, "g").unwrap();
        assert_eq!(
            (number(&info, "pending"), number(&info, "lag")),
            (Some(2), Some(7))
        );
        assert_eq!(field(&info, "last-delivered-id").as_deref(), Some("5-0"));
        assert!(group_info(&reply, "other").is_none());
        assert!(age_seconds("0-1").unwrap() > 1.0e6);
    }
}
