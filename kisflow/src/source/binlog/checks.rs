//! What the server must give before a row is read: row-based logging with column names, and
//! the binlog file a stored position names (a purged one is an error, never a silent skip).

use mysql_async::Conn;
use mysql_async::prelude::Queryable;

use super::{Position, mysql_error};
use crate::error::{Error, Result};

/// Fails with what to set when the server does not log rows as the source reads them.
pub(super) async fn logging(conn: &mut Conn, source: &str) -> Result<()> {
    let settings: Option<(Option<String>, Option<String>, Option<String>)> = conn
        .query_first("SELECT @@log_bin, @@binlog_format, @@binlog_row_image")
        .await
        .map_err(|e| mysql_error(source, "read the binlog settings", &e))?;
    let (log_bin, format, image) = settings.unwrap_or_default();
    let wrong = |setting: &str, is: Option<String>, remedy: &str| Error::ConnectorConfig {
        connector: source.to_owned(),
        reason: format!(
            "binlog source `{source}`: the server's {setting} is {}, {remedy}",
            is.map_or_else(|| "not set".to_owned(), |v| format!("`{v}`"))
        ),
    };
    if log_bin.as_deref() != Some("1") {
        return Err(wrong(
            "log_bin",
            log_bin,
            "so it writes no binlog; start it with `--log-bin`",
        ));
    }
    if format.as_deref() != Some("ROW") {
        return Err(wrong(
            "binlog_format",
            format,
            "so changes are not logged as rows; run `SET GLOBAL binlog_format = 'ROW'` \
             (or start the server with `--binlog-format=ROW`)",
        ));
    }
    if image.as_deref() != Some("FULL") {
        return Err(wrong(
            "binlog_row_image",
            image,
            "so before and after images lack columns; run `SET GLOBAL binlog_row_image = 'FULL'`",
        ));
    }
    // Older servers have no such variable: the query itself fails and says so.
    let metadata: Option<String> = conn
        .query_first("SELECT @@binlog_row_metadata")
        .await
        .map_err(|e| Error::ConnectorConfig {
            connector: source.to_owned(),
            reason: format!(
                "binlog source `{source}`: the server has no `binlog_row_metadata` ({e}); \
                 kisflow needs column names in the binlog: MariaDB 10.5 or MySQL 8.0 and later"
            ),
        })?;
    if metadata.as_deref() != Some("FULL") {
        return Err(wrong(
            "binlog_row_metadata",
            metadata,
            "so rows carry no column names; run `SET GLOBAL binlog_row_metadata = 'FULL'`",
        ));
    }
    Ok(())
}

/// Whether the server sends events with checksums (`binlog_checksum` other than `NONE`).
pub(super) async fn checksums(conn: &mut Conn, source: &str) -> Result<bool> {
    let algorithm: Option<String> = conn
        .query_first("SELECT @@binlog_checksum")
        .await
        .map_err(|e| mysql_error(source, "read the binlog settings", &e))?;
    Ok(algorithm.is_some_and(|a| !a.eq_ignore_ascii_case("NONE")))
}

/// The binlog files the server still has, oldest first.
pub(super) async fn files(conn: &mut Conn, source: &str) -> Result<Vec<(String, u64)>> {
    let rows: Vec<mysql_async::Row> = conn
        .query("SHOW BINARY LOGS")
        .await
        .map_err(|e| mysql_error(source, "list the binlog files", &e))?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let name: String = row.get(0)?;
            let size: u64 = row.get(1)?;
            Some((name, size))
        })
        .collect())
}

/// Where the server writes now: new changes start here.
pub(super) async fn current(conn: &mut Conn, source: &str) -> Result<Position> {
    let row: Option<mysql_async::Row> = conn
        .query_first("SHOW MASTER STATUS")
        .await
        .map_err(|e| mysql_error(source, "read the binlog position", &e))?;
    row.and_then(|row| Some(Position::new(row.get::<String, _>(0)?, row.get(1)?)))
        .ok_or_else(|| {
            mysql_error(
                source,
                "read the binlog position",
                &"SHOW MASTER STATUS is empty",
            )
        })
}

/// Fails when the server no longer has `position`: its file was purged (rows between it and the
/// oldest file are gone), or the file is shorter than the position.
pub(super) fn still_there(
    files: &[(String, u64)],
    position: &Position,
    source: &str,
) -> Result<()> {
    let oldest = files.first().map_or("none", |(name, _)| name.as_str());
    match files.iter().find(|(name, _)| *name == position.file) {
        Some((_, size)) if position.pos <= *size => Ok(()),
        Some((_, size)) => Err(Error::ConnectorConfig {
            connector: source.to_owned(),
            reason: format!(
                "binlog source `{source}`: the stored position {position} lies past the end of \
                 {} ({size} bytes); the position store holds a position of another server",
                position.file
            ),
        }),
        None => Err(purged(source, position, oldest)),
    }
}

/// The error for a position whose file the server no longer has.
pub(super) fn purged(source: &str, position: &Position, oldest: &str) -> Error {
    Error::ConnectorConfig {
        connector: source.to_owned(),
        reason: format!(
            "binlog source `{source}`: the stored position {position} is no longer on the \
             server (its file was purged; the oldest file is {oldest}), so the changes after it \
             are lost to the binlog; copy the tables again and reset the stored position to \
             start at the server's current one"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_purged_or_foreign_position_is_an_error_naming_it() {
        let files = vec![
            ("binlog.000004".to_owned(), 900),
            ("binlog.000005".to_owned(), 300),
        ];
        assert!(still_there(&files, &Position::new("binlog.000005", 300), "s").is_ok());
        let gone = still_there(&files, &Position::new("binlog.000002", 4), "s").unwrap_err();
        assert!(
            gone.to_string()
                .contains("binlog.000002:4 is no longer on the server")
        );
        assert!(
            gone.to_string()
                .contains("the oldest file is binlog.000004")
        );
        let past = still_there(&files, &Position::new("binlog.000005", 301), "s").unwrap_err();
        assert!(past.to_string().contains("past the end of binlog.000005"));
    }
}
