//! The floor: the binlog read by hand with `mysql_async`, each inserted row's values read by
//! column index into `StuScore`, the hand-written bench steps per batch, and the position saved
//! to a file per batch as `FilePositions` does.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use futures::StreamExt;
use kisflow::source::binlog::Position;
use kisflow_bench::{StuScore, baseline};
use mysql_async::binlog::events::EventData;
use mysql_async::binlog::value::BinlogValue;
use mysql_async::{BinlogStreamRequest, Value};

use crate::Args;

pub(crate) fn position_file(side: &str) -> PathBuf {
    std::env::temp_dir().join(format!(
        "kisflow-binlog-bench-{side}-{}.json",
        std::process::id()
    ))
}

/// Rows/s of the hand-written loop over the first `args.rows` inserts of `table` after `start`.
pub(crate) async fn run(url: &str, table: &str, start: &Position, args: &Args) -> f64 {
    let path = position_file("floor");
    let began = Instant::now();
    let conn = mysql_async::Conn::from_url(url)
        .await
        .expect("the bench server is up");
    let request = BinlogStreamRequest::new(77)
        .with_filename(start.file.as_bytes())
        .with_pos(start.pos);
    let mut stream = conn
        .get_binlog_stream(request)
        .await
        .expect("a binlog stream");
    let (db, name) = table.split_once('.').expect("db.table");
    let (mut batch, mut seen) = (Vec::with_capacity(args.batch), 0);
    while let Some(event) = stream.next().await {
        let event = event.expect("a binlog event");
        let end = event.header().log_pos();
        match event.read_data().expect("an event that parses") {
            Some(EventData::RowsEvent(rows)) => {
                let tme = stream.get_tme(rows.table_id()).expect("its table map");
                if tme.database_name() != db || tme.table_name() != name {
                    continue;
                }
                for row in rows.rows(tme) {
                    let (_, after) = row.expect("a row that parses");
                    let after = after.expect("an insert has an after image");
                    let int = |i: usize| match after.as_ref(i) {
                        Some(BinlogValue::Value(Value::Int(n))) => *n,
                        other => panic!("column {i} is not an integer: {other:?}"),
                    };
                    batch.push(StuScore {
                        stu_id: int(1),
                        score_1: int(2),
                        score_2: int(3),
                        score_3: int(4),
                    });
                }
            }
            Some(EventData::XidEvent(_))
                if batch.len() >= args.batch || seen + batch.len() >= args.rows =>
            {
                seen += batch.len();
                baseline(std::mem::take(&mut batch));
                save(&path, &start.file, u64::from(end));
                if seen >= args.rows {
                    break;
                }
            }
            _ => {}
        }
    }
    let rate = args.rows as f64 / began.elapsed().as_secs_f64();
    let _ = std::fs::remove_file(path);
    rate
}

/// The position, written aside, synced and renamed into place.
fn save(path: &Path, file: &str, pos: u64) {
    let aside = path.with_extension("saving");
    let mut out = std::fs::File::create(&aside).expect("a temporary file");
    write!(out, r#"{{"file":"{file}","pos":{pos}}}"#).expect("a write");
    out.sync_all().expect("a sync");
    std::fs::rename(&aside, path).expect("a rename");
}
