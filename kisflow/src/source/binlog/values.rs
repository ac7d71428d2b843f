//! A binlog row image written as a JSON object of its columns, straight into the payload: no
//! intermediate JSON tree, since each row is made once and decoded once by the flow.

use std::io::Write;

use mysql_async::Value;
use mysql_async::binlog::row::BinlogRow;
use mysql_async::binlog::value::BinlogValue;
use mysql_async::consts::ColumnType;

/// The JSON keys of a rows event's columns, `"name":` each, made once per event: every row of
/// it has the same columns. A column without a name (a server that does not log them) is an
/// error: the source checks `binlog_row_metadata = FULL` at start, so this only happens when
/// someone changes it while the source runs.
pub(super) fn keys(row: &BinlogRow) -> Result<Vec<Vec<u8>>, String> {
    row.columns_ref()
        .iter()
        .enumerate()
        .map(|(index, column)| {
            let name = column.name_ref();
            if name.is_empty() {
                return Err(format!(
                    "column {} has no name in the binlog; set `binlog_row_metadata = FULL` on the server",
                    index + 1
                ));
            }
            let mut key = Vec::with_capacity(name.len() + 3);
            string(&mut key, &String::from_utf8_lossy(name));
            key.push(b':');
            Ok(key)
        })
        .collect()
}

/// Writes the row's columns under `keys`, or `null` for no image.
pub(super) fn image(
    out: &mut Vec<u8>,
    keys: &[Vec<u8>],
    row: Option<&BinlogRow>,
) -> Result<(), String> {
    let Some(row) = row else {
        out.extend_from_slice(b"null");
        return Ok(());
    };
    out.push(b'{');
    for (index, (key, column)) in keys.iter().zip(row.columns_ref()).enumerate() {
        if index > 0 {
            out.push(b',');
        }
        out.extend_from_slice(key);
        match row.as_ref(index) {
            None => out.extend_from_slice(b"null"),
            Some(value) => json(out, value, column.column_type())?,
        }
    }
    out.push(b'}');
    Ok(())
}

/// Writes `text` as a JSON string.
pub(super) fn string(out: &mut Vec<u8>, text: &str) {
    // Writing into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, text);
}

fn json(out: &mut Vec<u8>, value: &BinlogValue<'_>, kind: ColumnType) -> Result<(), String> {
    match value {
        BinlogValue::Value(value) => {
            plain(out, value, kind);
            Ok(())
        }
        BinlogValue::Jsonb(jsonb) => {
            let value = serde_json::Value::try_from(jsonb.clone())
                .map_err(|err| format!("a JSON column does not convert: {err}"))?;
            let _ = serde_json::to_writer(&mut *out, &value);
            Ok(())
        }
        BinlogValue::JsonDiff(_) => Err("a partial JSON update (binlog_row_value_options = \
             PARTIAL_JSON) has no full image; turn that option off on the server"
            .to_owned()),
    }
}

/// Numbers stay numbers, except DECIMAL, which stays the exact text (`"3.50"`): deserialize it
/// into a decimal type or a `String`, never through a float silently.
fn plain(out: &mut Vec<u8>, value: &Value, kind: ColumnType) {
    // Writing into a Vec cannot fail.
    let _ = match value {
        Value::NULL => out.write_all(b"null"),
        Value::Int(n) => serde_json::to_writer(&mut *out, n).map_err(Into::into),
        Value::UInt(n) => serde_json::to_writer(&mut *out, n).map_err(Into::into),
        Value::Float(f) => serde_json::to_writer(&mut *out, &f64::from(*f)).map_err(Into::into),
        Value::Double(f) => serde_json::to_writer(&mut *out, f).map_err(Into::into),
        Value::Bytes(bytes) => match std::str::from_utf8(bytes) {
            Ok(text) => serde_json::to_writer(&mut *out, text).map_err(Into::into),
            Err(_) => serde_json::to_writer(&mut *out, bytes).map_err(Into::into),
        },
        Value::Date(y, mo, d, h, mi, s, us) => {
            if kind == ColumnType::MYSQL_TYPE_DATE {
                write!(out, r#""{y:04}-{mo:02}-{d:02}""#)
            } else if *us == 0 {
                write!(out, r#""{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}""#)
            } else {
                write!(
                    out,
                    r#""{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}.{us:06}""#
                )
            }
        }
        Value::Time(negative, days, h, mi, s, us) => {
            let sign = if *negative { "-" } else { "" };
            let hours = u64::from(*days) * 24 + u64::from(*h);
            if *us == 0 {
                write!(out, r#""{sign}{hours:02}:{mi:02}:{s:02}""#)
            } else {
                write!(out, r#""{sign}{hours:02}:{mi:02}:{s:02}.{us:06}""#)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(value: &Value, kind: ColumnType) -> String {
        let mut out = Vec::new();
        plain(&mut out, value, kind);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn dates_times_and_decimals_keep_their_text() {
        let date = Value::Date(2026, 12, 4, 0, 0, 0, 0);
        assert_eq!(text(&date, ColumnType::MYSQL_TYPE_DATE), r#""2026-12-04""#);
        let stamp = Value::Date(2026, 12, 4, 17, 5, 9, 250);
        assert_eq!(
            text(&stamp, ColumnType::MYSQL_TYPE_DATETIME2),
            r#""2026-12-04 17:05:09.000250""#
        );
        let time = Value::Time(true, 1, 2, 3, 4, 0);
        assert_eq!(text(&time, ColumnType::MYSQL_TYPE_TIME2), r#""-26:03:04""#);
        let decimal = Value::Bytes(b"3.50".to_vec());
        assert_eq!(
            text(&decimal, ColumnType::MYSQL_TYPE_NEWDECIMAL),
            r#""3.50""#
        );
        let blob = Value::Bytes(vec![0xff, 0]);
        assert_eq!(text(&blob, ColumnType::MYSQL_TYPE_BLOB), "[255,0]");
        let quote = Value::Bytes(b"say \"hi\"\n".to_vec());
        assert_eq!(
            text(&quote, ColumnType::MYSQL_TYPE_VARCHAR),
            r#""say \"hi\"\n""#
        );
        assert_eq!(text(&Value::Int(-7), ColumnType::MYSQL_TYPE_LONG), "-7");
        assert_eq!(
            text(&Value::Double(0.5), ColumnType::MYSQL_TYPE_DOUBLE),
            "0.5"
        );
    }
}
