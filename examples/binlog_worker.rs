//! A binlog worker: the inserts of a table, read from a MariaDB or MySQL binlog, appended to a
//! sink file, with the binlog position saved only after the sink has them. Kill it at any moment
//! and start it again: it resumes at the saved position and the sink misses no row.
//!
//! ```sh
//! cargo run --release -p kisflow-examples --example binlog_worker -- \
//!     --mysql mysql://root@127.0.0.1:3306/ --table shop.orders \
//!     --positions orders.position.json --sink orders.sink [--concurrency N] [--batch N]
//! ```
//!
//! Each inserted row's `id` column (an integer) is written to the sink as a line
//! `<id> <message id>`, where the message id is the row's place in the binlog
//! (`binlog.000001:1234#0`); a batch's lines are appended in one write before the batch is
//! acked. Updates and deletes are skipped. The position file holds `{"file", "pos"}`, the end of
//! the last transaction whose rows are all in the sink; a new position file starts at the
//! server's current position. SIGTERM or SIGINT drains the batches in flight and exits 0.

use std::fmt::Write as _;
use std::io::Write;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Duration;

use kisflow::prelude::*;
use kisflow::source::binlog::{BinlogSource, Change, FilePositions, Op};
use kisflow::source::{JsonLinesDeadLetters, Runner};
use kisflow_examples::stop_signal;

const USAGE: &str = "usage: binlog_worker --mysql URL --table DB.TABLE --positions FILE --sink FILE \
[--concurrency N] [--batch N]";

/// The columns the worker needs.
#[derive(Debug, Clone, serde::Deserialize)]
struct Row {
    id: i64,
}

/// The sink file, opened once by `main`.
static SINK: Mutex<Option<std::fs::File>> = Mutex::new(None);

#[kis_function(mode = "Save", name = "AppendInserts")]
fn append_inserts(rows: Vec<Change<Row>>) -> kisflow::Result<()> {
    let mut lines = String::new();
    for change in rows.iter().filter(|c| c.op == Op::Insert) {
        if let Some(row) = &change.after {
            let _ = writeln!(lines, "{} {}", row.id, change.position);
        }
    }
    let mut sink = SINK
        .lock()
        .map_err(|_| kisflow::Error::msg("the sink lock is poisoned"))?;
    let file = sink
        .as_mut()
        .ok_or_else(|| kisflow::Error::msg("the sink is not open"))?;
    // One write per batch, so a kill leaves whole lines behind (or a cut last line, which a
    // reader skips), never lines of a batch in between.
    file.write_all(lines.as_bytes())
        .map_err(kisflow::Error::msg)
}

flow!(Inserts: append_inserts);

struct Args {
    mysql: String,
    table: String,
    positions: String,
    sink: String,
    concurrency: usize,
    batch: usize,
}

fn parse(args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut given = kisflow_examples::worker::flags(
        args,
        &[
            "mysql",
            "table",
            "positions",
            "sink",
            "concurrency",
            "batch",
        ],
    )?;
    let mut take = |key: &str| {
        given
            .remove(key)
            .ok_or_else(|| format!("missing `--{key}`"))
    };
    let (mysql, table, positions, sink) = (
        take("mysql")?,
        take("table")?,
        take("positions")?,
        take("sink")?,
    );
    let mut number = |key: &str, default: usize| -> Result<usize, String> {
        take(key).map_or(Ok(default), |v| {
            v.parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| format!("`--{key}` must be a positive number, not `{v}`"))
        })
    };
    Ok(Args {
        concurrency: number("concurrency", 2)?,
        batch: number("batch", 100)?,
        mysql,
        table,
        positions,
        sink,
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    match parse(std::env::args().skip(1)) {
        Ok(args) => kisflow_examples::worker::finished(run(args).await),
        Err(problem) => kisflow_examples::worker::usage_error(&problem, USAGE),
    }
}

async fn run(args: Args) -> kisflow::Result<kisflow::source::RunReport> {
    let sink = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&args.sink)
        .map_err(|cause| kisflow::Error::Io {
            action: "open",
            path: args.sink.clone().into(),
            cause,
        })?;
    *SINK
        .lock()
        .map_err(|_| kisflow::Error::msg("the sink lock is poisoned"))? = Some(sink);
    let source = BinlogSource::new(
        &args.mysql,
        [&args.table],
        FilePositions::new(&args.positions),
    )?;
    let dead = JsonLinesDeadLetters::create(format!("{}.dlq", args.sink))?;
    Runner::new(source, Inserts::new().into_dyn())
        .with_concurrency(args.concurrency)
        .with_batch(args.batch, Duration::from_millis(20))
        .with_dead_letters(dead)
        .run_until(stop_signal())
        .await
}
