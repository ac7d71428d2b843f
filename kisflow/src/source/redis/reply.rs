//! Reading the replies of `XREADGROUP` and `XAUTOCLAIM` into messages.

use redis::Value;

use crate::source::Message;

/// The entry field a replayed message carries its replay count in.
pub(super) const REPLAYS: &str = "kisflow_replays";

/// The entries of an `XREADGROUP` reply for one stream: `[[stream, [[id, [field, value…]]…]]]`,
/// or nil when the block timed out. The reply is taken apart, not copied: each payload keeps
/// the buffer the client read it into.
pub(super) fn read_group(reply: Value, field: &str) -> Vec<Message> {
    let Value::Array(streams) = reply else {
        return Vec::new();
    };
    streams
        .into_iter()
        .filter_map(|stream| match stream {
            Value::Array(parts) => parts.into_iter().nth(1),
            _ => None,
        })
        .flat_map(|entries| entries_of(entries, field, 1))
        .collect()
}

/// An `XAUTOCLAIM` reply: `[next cursor, [[id, [field, value…]]…], [deleted ids]]`.
pub(super) fn auto_claim(reply: Value, field: &str) -> (String, Vec<Message>) {
    let Value::Array(parts) = reply else {
        return ("0-0".to_owned(), Vec::new());
    };
    let mut parts = parts.into_iter();
    let cursor = parts
        .next()
        .as_ref()
        .and_then(text)
        .unwrap_or_else(|| "0-0".to_owned());
    // Claimed entries were delivered at least once before.
    let messages = parts
        .next()
        .map(|e| entries_of(e, field, 2))
        .unwrap_or_default();
    (cursor, messages)
}

/// The delivery count of each entry of an extended `XPENDING` reply:
/// `[[id, consumer, idle, count]…]`.
pub(super) fn delivery_counts(reply: &Value) -> std::collections::HashMap<String, u32> {
    let Value::Array(entries) = reply else {
        return std::collections::HashMap::new();
    };
    entries
        .iter()
        .filter_map(|entry| {
            let Value::Array(parts) = entry else {
                return None;
            };
            let id = parts.first().and_then(text)?;
            let Some(Value::Int(count)) = parts.get(3) else {
                return None;
            };
            Some((id, u32::try_from(*count).unwrap_or(u32::MAX)))
        })
        .collect()
}

/// The `(id, fields)` of each entry of a list of `[id, [field, value…]]` entries; the fields are
/// `None` for an entry trimmed away while pending.
pub(super) fn entries(list: &Value) -> Vec<(String, Option<&Value>)> {
    let Value::Array(entries) = list else {
        return Vec::new();
    };
    entries
        .iter()
        .filter_map(|entry| {
            let Value::Array(entry) = entry else {
                return None;
            };
            Some((entry.first().and_then(text)?, entry.get(1)))
        })
        .collect()
}

fn entries_of(list: Value, field: &str, deliveries: u32) -> Vec<Message> {
    let Value::Array(entries) = list else {
        return Vec::new();
    };
    entries
        .into_iter()
        .filter_map(|entry| {
            let Value::Array(entry) = entry else {
                return None;
            };
            let mut entry = entry.into_iter();
            let id = entry.next().and_then(into_text)?;
            let mut fields = entry.next();
            // Set by a replay from the dead letters (`RedisDeadLetters::replay`).
            let replays = fields
                .as_ref()
                .and_then(|f| value_of(f, REPLAYS))
                .and_then(|n| std::str::from_utf8(n).ok()?.parse().ok())
                .unwrap_or(0);
            // An entry trimmed away while pending comes back without fields: nothing to run, but
            // it is still a message, acked with an empty payload that goes to the dead letters.
            let payload = fields
                .as_mut()
                .and_then(|f| take_value_of(f, field))
                .unwrap_or_default();
            let mut message = Message::new(id, payload);
            message.deliveries = deliveries;
            message.replays = replays;
            Some(message)
        })
        .collect()
}

/// The value of `field` in a flat `[field, value, field, value…]` array (or a RESP3 map).
pub(super) fn value_of<'v>(fields: &'v Value, field: &str) -> Option<&'v [u8]> {
    match fields {
        Value::Array(items) => items
            .chunks(2)
            .find(|pair| pair.first().and_then(as_bytes) == Some(field.as_bytes()))
            .and_then(|pair| pair.get(1))
            .and_then(as_bytes),
        Value::Map(pairs) => pairs
            .iter()
            .find(|(k, _)| as_bytes(k) == Some(field.as_bytes()))
            .and_then(|(_, v)| as_bytes(v)),
        _ => None,
    }
}

/// The value of `field`, moved out of `fields` (left empty there).
fn take_value_of(fields: &mut Value, field: &str) -> Option<Vec<u8>> {
    let value = match fields {
        Value::Array(items) => items
            .chunks_mut(2)
            .find(|pair| pair.first().and_then(as_bytes) == Some(field.as_bytes()))
            .and_then(|pair| pair.get_mut(1)),
        Value::Map(pairs) => pairs
            .iter_mut()
            .find(|(k, _)| as_bytes(k) == Some(field.as_bytes()))
            .map(|(_, v)| v),
        _ => None,
    }?;
    match std::mem::replace(value, Value::Nil) {
        Value::BulkString(bytes) => Some(bytes),
        Value::SimpleString(text) => Some(text.into_bytes()),
        _ => None,
    }
}

fn as_bytes(value: &Value) -> Option<&[u8]> {
    match value {
        Value::BulkString(bytes) => Some(bytes),
        Value::SimpleString(text) => Some(text.as_bytes()),
        _ => None,
    }
}

/// The text of `value`, its bytes moved, not copied, where they are UTF-8.
fn into_text(value: Value) -> Option<String> {
    match value {
        Value::BulkString(bytes) => Some(
            String::from_utf8(bytes)
                .unwrap_or_else(|err| String::from_utf8_lossy(err.as_bytes()).into_owned()),
        ),
        Value::SimpleString(text) => Some(text),
        _ => None,
    }
}

pub(super) fn text(value: &Value) -> Option<String> {
    as_bytes(value).map(|b| String::from_utf8_lossy(b).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(s: &str) -> Value {
        Value::BulkString(s.as_bytes().to_vec())
    }

    #[test]
    fn a_group_read_yields_ids_and_data() {
        let reply = Value::Array(vec![Value::Array(vec![
            bulk("S"),
            Value::Array(vec![
                Value::Array(vec![
                    bulk("1-0"),
                    Value::Array(vec![bulk("data"), bulk("{\"a\":1}")]),
                ]),
                Value::Array(vec![
                    bulk("1-1"),
                    Value::Array(vec![bulk("other"), bulk("x")]),
                ]),
            ]),
        ])]);
        let messages = read_group(reply, "data");
        assert_eq!(messages.len(), 2);
        assert_eq!(
            (messages[0].id.as_text(), &messages[0].payload[..]),
            (Some("1-0"), &b"{\"a\":1}"[..])
        );
        assert!(messages[1].payload.is_empty());
        assert!(read_group(Value::Nil, "data").is_empty());
    }

    #[test]
    fn a_claim_yields_its_cursor_and_entries() {
        let reply = Value::Array(vec![
            bulk("5-0"),
            Value::Array(vec![Value::Array(vec![
                bulk("2-0"),
                Value::Array(vec![bulk("data"), bulk("7")]),
            ])]),
            Value::Array(vec![]),
        ]);
        let (cursor, messages) = auto_claim(reply, "data");
        assert_eq!(cursor, "5-0");
        assert_eq!(
            (&messages[0].payload[..], messages[0].deliveries),
            (&b"7"[..], 2)
        );
    }

    #[test]
    fn fields_are_read_from_resp3_maps_too() {
        let entry = |fields| Value::Array(vec![bulk("3-0"), fields]);
        let map = Value::Map(vec![
            (bulk("other"), bulk("no")),
            (bulk("data"), bulk("{}")),
            (bulk(REPLAYS), bulk("2")),
        ]);
        let reply = Value::Array(vec![Value::Array(vec![
            bulk("S"),
            Value::Array(vec![entry(map)]),
        ])]);
        let messages = read_group(reply, "data");
        assert_eq!(
            (&messages[0].payload[..], messages[0].replays),
            (&b"{}"[..], 2)
        );
        let fields = Value::Map(vec![(bulk("error"), bulk("bad"))]);
        assert_eq!(value_of(&fields, "error"), Some(&b"bad"[..]));
        assert_eq!(value_of(&fields, "data"), None);
    }
}
