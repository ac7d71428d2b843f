//! Binlog change data capture (KisFlow's first named upstream): a flow sees the inserts, updates
//! and deletes of a table as typed rows, read from a MariaDB or MySQL binlog.
//!
//! ```sh
//! cargo run -p kisflow-examples --example with_binlog -- --mysql mysql://root@127.0.0.1:3306/
//! ```
//!
//! The server must log rows with their column names (`log_bin` on, `binlog_format = ROW`,
//! `binlog_row_metadata = FULL`); the source says which setting is missing otherwise. The example
//! makes the table `kisflow_demo.orders_<pid>`, starts a runner on its changes from the server's
//! current position, then inserts three orders, updates one and deletes one, prints the five
//! changes the flow sees and drops the table:
//!
//! ```text
//! insert order 1: pen x2
//! insert order 2: ink x1
//! insert order 3: pad x5
//! update order 1: qty 2 -> 4
//! delete order 2: ink x1
//! ```

use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use kisflow::prelude::*;
use kisflow::source::Runner;
use kisflow::source::binlog::{BinlogSource, Change, FilePositions, Op};
use mysql_async::prelude::Queryable;

const USAGE: &str = "usage: with_binlog [--mysql mysql://USER[:PASSWORD]@HOST:PORT/]";

/// A row of the orders table, as the flow wants it: the columns it names, typed.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Order {
    id: i64,
    item: String,
    qty: u32,
}

/// Changes printed so far; `main` stops the runner after the five it makes.
static PRINTED: AtomicUsize = AtomicUsize::new(0);

#[kis_function(mode = "Expand", name = "PrintChange")]
fn print_change(rows: Vec<Change<Order>>) {
    for change in rows {
        match (change.op, change.before, change.after) {
            (Op::Insert, _, Some(new)) => {
                println!("insert order {}: {} x{}", new.id, new.item, new.qty);
            }
            (Op::Update, Some(old), Some(new)) => {
                println!("update order {}: qty {} -> {}", new.id, old.qty, new.qty);
            }
            (Op::Delete, Some(old), _) => {
                println!("delete order {}: {} x{}", old.id, old.item, old.qty);
            }
            (op, ..) => println!("{op:?} without its image"),
        }
        PRINTED.fetch_add(1, Ordering::Relaxed);
    }
}

flow!(OrderChanges: print_change);

#[tokio::main]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let url = match (args.next().as_deref(), args.next(), args.next()) {
        (None, ..) => "mysql://root@127.0.0.1:3306/".to_owned(),
        (Some("--mysql"), Some(url), None) => url,
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&url).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {}", err.chain());
            ExitCode::FAILURE
        }
    }
}

async fn run(url: &str) -> kisflow::Result<()> {
    let table = format!("kisflow_demo.orders_{}", std::process::id());
    let mut db = mysql_async::Conn::from_url(url)
        .await
        .map_err(kisflow::Error::msg)?;
    let setup = [
        "CREATE DATABASE IF NOT EXISTS kisflow_demo".to_owned(),
        format!("CREATE TABLE {table} (id BIGINT PRIMARY KEY, item VARCHAR(40), qty INT UNSIGNED)"),
    ];
    for statement in setup {
        db.query_drop(statement)
            .await
            .map_err(kisflow::Error::msg)?;
    }
    let positions_file =
        std::env::temp_dir().join(format!("kisflow-with-binlog-{}.json", std::process::id()));
    let source = BinlogSource::new(url, [&table], FilePositions::new(&positions_file))?;
    let runner = Runner::new(source, OrderChanges::new().into_dyn())
        .with_batch(10, Duration::from_millis(50));
    let changes = [
        format!("INSERT INTO {table} VALUES (1, 'pen', 2), (2, 'ink', 1), (3, 'pad', 5)"),
        format!("UPDATE {table} SET qty = 4 WHERE id = 1"),
        format!("DELETE FROM {table} WHERE id = 2"),
    ];
    let stop = async {
        // The runner reads from the position current when it starts: wait for it to start.
        while !positions_file.exists() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        for statement in &changes {
            if let Err(err) = db.query_drop(statement).await {
                eprintln!("error: {statement}: {err}");
                return;
            }
        }
        while PRINTED.load(Ordering::Relaxed) < 5 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    let ran = tokio::time::timeout(Duration::from_secs(30), runner.run_until(stop)).await;
    let _ = std::fs::remove_file(&positions_file);
    let cleanup = format!("DROP TABLE {table}");
    let mut db = mysql_async::Conn::from_url(url)
        .await
        .map_err(kisflow::Error::msg)?;
    db.query_drop(cleanup).await.map_err(kisflow::Error::msg)?;
    match ran {
        Ok(report) => report.map(drop),
        Err(_) => Err(kisflow::Error::msg(
            "the five changes did not come within 30 s",
        )),
    }
}
