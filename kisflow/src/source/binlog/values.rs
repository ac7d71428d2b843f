//! A binlog row image as a JSON object of its columns.

use mysql_async::Value;
use mysql_async::binlog::row::BinlogRow;
use mysql_async::binlog::value::BinlogValue;
use mysql_async::consts::ColumnType;
use serde_json::{Map, Value as Json};

/// The row's columns by name. A column without a name (a server that does not log them) is
/// an error: the reader checks `binlog_row_metadata = FULL` at start, so this only happens when
/// someone changes it while the source runs.
pub(super) fn image(row: &BinlogRow) -> Result<Json, String> {
    let mut object = Map::with_capacity(row.len());
    for (index, column) in row.columns_ref().iter().enumerate() {
        let name = column.name_str();
        if name.is_empty() {
            return Err(format!(
                "column {} has no name in the binlog; set `binlog_row_metadata = FULL` on the server",
                index + 1
            ));
        }
        let value = match row.as_ref(index) {
            None => Json::Null,
            Some(value) => json(value, column.column_type())?,
        };
        object.insert(name.into_owned(), value);
    }
    Ok(Json::Object(object))
}

fn json(value: &BinlogValue<'_>, kind: ColumnType) -> Result<Json, String> {
    match value {
        BinlogValue::Value(value) => Ok(plain(value, kind)),
        BinlogValue::Jsonb(jsonb) => Json::try_from(jsonb.clone())
            .map_err(|err| format!("a JSON column does not convert: {err}")),
        BinlogValue::JsonDiff(_) => Err("a partial JSON update (binlog_row_value_options = \
             PARTIAL_JSON) has no full image; turn that option off on the server"
            .to_owned()),
    }
}

/// Numbers stay numbers, except DECIMAL, which stays the exact text (`"3.50"`): deserialize it
/// into a decimal type or a `String`, never through a float silently.
fn plain(value: &Value, kind: ColumnType) -> Json {
    match value {
        Value::NULL => Json::Null,
        Value::Int(n) => Json::from(*n),
        Value::UInt(n) => Json::from(*n),
        Value::Float(f) => Json::from(f64::from(*f)),
        Value::Double(f) => Json::from(*f),
        Value::Bytes(bytes) => match std::str::from_utf8(bytes) {
            Ok(text) => Json::String(text.to_owned()),
            Err(_) => Json::Array(bytes.iter().map(|b| Json::from(*b)).collect()),
        },
        Value::Date(y, mo, d, h, mi, s, us) => {
            let date = format!("{y:04}-{mo:02}-{d:02}");
            if kind == ColumnType::MYSQL_TYPE_DATE {
                Json::String(date)
            } else if *us == 0 {
                Json::String(format!("{date} {h:02}:{mi:02}:{s:02}"))
            } else {
                Json::String(format!("{date} {h:02}:{mi:02}:{s:02}.{us:06}"))
            }
        }
        Value::Time(negative, days, h, mi, s, us) => {
            let sign = if *negative { "-" } else { "" };
            let hours = u64::from(*days) * 24 + u64::from(*h);
            if *us == 0 {
                Json::String(format!("{sign}{hours:02}:{mi:02}:{s:02}"))
            } else {
                Json::String(format!("{sign}{hours:02}:{mi:02}:{s:02}.{us:06}"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_times_and_decimals_keep_their_text() {
        let date = Value::Date(2026, 12, 4, 0, 0, 0, 0);
        assert_eq!(plain(&date, ColumnType::MYSQL_TYPE_DATE), "2026-12-04");
        let stamp = Value::Date(2026, 12, 4, 17, 5, 9, 250);
        assert_eq!(
            plain(&stamp, ColumnType::MYSQL_TYPE_DATETIME2),
            "2026-12-04 17:05:09.000250"
        );
        let time = Value::Time(true, 1, 2, 3, 4, 0);
        assert_eq!(plain(&time, ColumnType::MYSQL_TYPE_TIME2), "-26:03:04");
        let decimal = Value::Bytes(b"3.50".to_vec());
        assert_eq!(plain(&decimal, ColumnType::MYSQL_TYPE_NEWDECIMAL), "3.50");
        let blob = Value::Bytes(vec![0xff, 0]);
        assert_eq!(
            plain(&blob, ColumnType::MYSQL_TYPE_BLOB),
            serde_json::json!([255, 0])
        );
    }
}
