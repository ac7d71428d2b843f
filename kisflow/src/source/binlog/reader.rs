//! The task that reads the binlog: row events of the chosen tables become messages, handed out
//! a whole transaction at a time, and a lost connection is made again from the end of the last
//! transaction handed out (so no row is handed out twice by one process, none skipped).

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use futures::StreamExt;
use mysql_async::binlog::events::{EventData, RowsEventData};
use mysql_async::{BinlogStream, BinlogStreamRequest, Conn, Opts};
use tokio::sync::mpsc;

use super::change::Op;
use super::progress::{Key, Progress, file_number};
use super::source::Saver;
use super::{Position, mysql_error, values};
use crate::error::{Error, ErrorKind, Result};
use crate::source::Message;

/// How often, at most, the reader saves a position that moved past other tables' changes while
/// nothing of ours was pending, so an idle source does not fall behind the binlog's retention.
const IDLE_SAVE_EVERY: Duration = Duration::from_secs(30);

pub(super) struct Reader {
    pub(super) name: String,
    pub(super) opts: Opts,
    pub(super) server_id: u32,
    pub(super) tables: Vec<(String, String)>,
    /// Whether the server checksums events (`binlog_checksum` is not `NONE`).
    pub(super) checksums: bool,
    pub(super) progress: Arc<Mutex<Progress>>,
    pub(super) saver: Arc<Saver>,
    pub(super) out: mpsc::Sender<Result<Message>>,
}

/// A transaction being read: the binlog file it is in, and its rows, held until it commits.
struct Transaction {
    file: String,
    rows: Vec<(Key, Message)>,
}

impl Reader {
    /// Reads from `resume` until the source is dropped; errors that another try cannot mend
    /// (a purged position, a setting) are handed to the runner, which stops with them.
    pub(super) async fn run(self, mut resume: Position) {
        let mut failures = 0u32;
        let mut last_save = Instant::now();
        loop {
            let started = Instant::now();
            let err = match self.read_from(&mut resume, &mut last_save).await {
                Ok(()) => return, // the source is gone
                Err(err) => err,
            };
            if err.kind() == ErrorKind::Config {
                let _ = self.out.send(Err(err)).await;
                return;
            }
            failures = if started.elapsed() > Duration::from_secs(10) {
                1
            } else {
                failures + 1
            };
            let pause =
                Duration::from_millis(100 * 2u64.pow(failures.min(6))).min(Duration::from_secs(5));
            tracing::warn!(source = %self.name, error = %err.chain(), %resume, ?pause, "binlog read failed; reading again");
            tokio::time::sleep(pause).await;
        }
    }

    async fn read_from(&self, resume: &mut Position, last_save: &mut Instant) -> Result<()> {
        let conn = Conn::new(self.opts.clone())
            .await
            .map_err(|e| mysql_error(&self.name, "connect", &e))?;
        let request = BinlogStreamRequest::new(self.server_id)
            .with_filename(resume.file.as_bytes())
            .with_pos(resume.pos);
        let mut stream = conn
            .get_binlog_stream(request)
            .await
            .map_err(|e| self.read_error(resume, &e))?;
        let mut txn = Transaction {
            file: resume.file.clone(),
            rows: Vec::new(),
        };
        while let Some(event) = stream.next().await {
            let event = event.map_err(|e| self.read_error(resume, &e))?;
            let end = u64::from(event.header().log_pos());
            let data = event
                .read_data()
                .map_err(|e| self.fatal(resume, &format!("an event does not parse: {e}")))?;
            let committed = match data {
                Some(EventData::RotateEvent(rotate)) => {
                    txn.file = file_name(rotate.name_raw(), end == 0 && self.checksums);
                    false
                }
                Some(EventData::QueryEvent(query)) => ends(&query.query()),
                Some(EventData::XidEvent(_)) => true,
                Some(EventData::RowsEvent(rows)) => {
                    self.rows(&stream, &rows, &mut txn, end, resume)?;
                    false
                }
                _ => false,
            };
            if committed {
                let position = Position::new(txn.file.clone(), end);
                if !self.hand_out(&mut txn, position.clone(), last_save).await {
                    return Ok(());
                }
                *resume = position;
            }
        }
        Err(mysql_error(
            &self.name,
            "read the binlog",
            &"the server closed the stream",
        ))
    }

    /// The messages of one rows event, added to the open transaction.
    fn rows(
        &self,
        stream: &BinlogStream,
        rows: &RowsEventData<'_>,
        txn: &mut Transaction,
        end: u64,
        resume: &Position,
    ) -> Result<()> {
        let Some(table) = stream.get_tme(rows.table_id()) else {
            return Err(self.fatal(resume, "a rows event came without its table map"));
        };
        let (db, name) = (table.database_name(), table.table_name());
        if !self.tables.iter().any(|(d, t)| *d == db && *t == name) {
            return Ok(());
        }
        let op = match rows {
            RowsEventData::WriteRowsEventV1(_) | RowsEventData::WriteRowsEvent(_) => Op::Insert,
            RowsEventData::DeleteRowsEventV1(_) | RowsEventData::DeleteRowsEvent(_) => Op::Delete,
            _ => Op::Update,
        };
        let file = file_number(&txn.file).ok_or_else(|| {
            self.fatal(resume, &format!("binlog file `{}` has no number", txn.file))
        })?;
        // The part every row of the event shares: `{"op":…,"db":…,"table":…,"position":…,`.
        let mut head = Vec::with_capacity(96);
        head.extend_from_slice(br#"{"op":""#);
        head.extend_from_slice(op.as_str().as_bytes());
        head.extend_from_slice(br#"","db":"#);
        values::string(&mut head, &db);
        head.extend_from_slice(br#","table":"#);
        values::string(&mut head, &name);
        head.extend_from_slice(br#","position":"#);
        let position = format!("{}:{end}", txn.file);
        values::string(&mut head, &position);
        let mut keys = None;
        let mut digits = [0u8; 10];
        for (row, images) in rows.rows(table).enumerate() {
            let (before, after) =
                images.map_err(|e| self.fatal(resume, &format!("a row does not parse: {e}")))?;
            let keys = match &mut keys {
                Some(keys) => keys,
                None => {
                    let Some(image) = before.as_ref().or(after.as_ref()) else {
                        return Err(self.fatal(resume, "a row came with neither image"));
                    };
                    keys.insert(values::keys(image).map_err(|reason| self.fatal(resume, &reason))?)
                }
            };
            let mut payload = Vec::with_capacity(head.len() + 128);
            payload.extend_from_slice(&head);
            payload.extend_from_slice(br#","before":"#);
            values::image(&mut payload, keys, before.as_ref())
                .map_err(|reason| self.fatal(resume, &reason))?;
            payload.extend_from_slice(br#","after":"#);
            values::image(&mut payload, keys, after.as_ref())
                .map_err(|reason| self.fatal(resume, &reason))?;
            payload.push(b'}');
            let row = u32::try_from(row).unwrap_or(u32::MAX);
            let mut id = String::with_capacity(position.len() + 4);
            id.push_str(&position);
            id.push('#');
            id.push_str(itoa(row, &mut digits));
            txn.rows.push((
                Key {
                    file,
                    pos: end,
                    row,
                },
                Message::new(id, payload),
            ));
        }
        Ok(())
    }

    /// Hands out a committed transaction's rows and notes its end; `false` once the source is
    /// gone.
    async fn hand_out(
        &self,
        txn: &mut Transaction,
        end: Position,
        last_save: &mut Instant,
    ) -> bool {
        let rows = std::mem::take(&mut txn.rows);
        let reached = {
            let mut progress = self.progress.lock().unwrap_or_else(PoisonError::into_inner);
            for (key, _) in &rows {
                progress.queued(*key);
            }
            progress.ended(end)
        };
        for (_, message) in rows {
            if self.out.send(Ok(message)).await.is_err() {
                return false;
            }
        }
        if let Some(position) = reached
            && last_save.elapsed() >= IDLE_SAVE_EVERY
        {
            *last_save = Instant::now();
            if let Err(err) = self.saver.save(position).await {
                tracing::warn!(source = %self.name, error = %err.chain(), "saving the binlog position failed");
            }
        }
        true
    }

    fn read_error(&self, resume: &Position, err: &mysql_async::Error) -> Error {
        match err {
            // ER_MASTER_FATAL_ERROR_READING_BINLOG: the file is gone or the position is wrong.
            mysql_async::Error::Server(server) if server.code == 1236 => self.fatal(
                resume,
                &format!(
                    "the server cannot send the binlog from there: {}",
                    server.message
                ),
            ),
            other => mysql_error(&self.name, "read the binlog", other),
        }
    }

    fn fatal(&self, resume: &Position, reason: &str) -> Error {
        Error::ConnectorConfig {
            connector: self.name.clone(),
            reason: format!(
                "binlog source `{}` at {resume}: {reason}; the source stopped rather than skip changes",
                self.name
            ),
        }
    }
}

/// Whether a query event ends a transaction, a place a reader may resume from: `COMMIT`,
/// `ROLLBACK` and DDL do; `BEGIN`, savepoints and comments (the dummy events MariaDB sends in
/// place of its own event types, such as its GTID event) do not.
fn ends(query: &str) -> bool {
    let query = query.trim_start();
    let starts = |word: &str| {
        query
            .get(..word.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(word))
    };
    !(query.starts_with('#')
        || starts("BEGIN")
        || starts("SAVEPOINT")
        || starts("ROLLBACK TO")
        || starts("XA "))
}

/// The file name of a rotate event. The server sends the first rotate of a stream (artificial:
/// it ends at 0) before the stream's format event says checksums are on, so its name still
/// carries the 4 checksum bytes.
fn file_name(raw: &[u8], checksummed: bool) -> String {
    let name = if checksummed {
        &raw[..raw.len().saturating_sub(4)]
    } else {
        raw
    };
    String::from_utf8_lossy(name).into_owned()
}

/// `n` in decimal, written into `buf`: a message id per row is made without the formatter.
fn itoa(mut n: u32, buf: &mut [u8; 10]) -> &str {
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + u8::try_from(n % 10).unwrap_or(0);
        n /= 10;
        if n == 0 {
            break;
        }
    }
    std::str::from_utf8(&buf[at..]).unwrap_or("0")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_and_ddl_end_a_transaction_begin_and_comments_do_not() {
        assert!(!ends("BEGIN"));
        assert!(ends("COMMIT"));
        assert!(ends("ALTER TABLE t ADD c INT"));
        assert!(!ends("# Dummy event replacing event type 160"));
        assert!(!ends("savepoint a"));
    }

    #[test]
    fn row_numbers_print_in_decimal() {
        let mut buf = [0u8; 10];
        assert_eq!(itoa(0, &mut buf), "0");
        assert_eq!(itoa(4_294_967_295, &mut buf), "4294967295");
    }

    #[test]
    fn rotate_names_lose_trailing_checksum_bytes() {
        assert_eq!(
            file_name(b"binlog.000001\xb1\x07n\x9e", true),
            "binlog.000001"
        );
        assert_eq!(file_name(b"mysql-bin.000042", false), "mysql-bin.000042");
    }
}
