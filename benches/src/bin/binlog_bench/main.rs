//! Binlog change data capture end to end: rows/s from a table's inserts in the binlog → the bench
//! flow (Verify → Calculate → Calculate → Expand over `StuScore`) → a saved position, through
//! kisflow's `BinlogSource` and `Runner`, against the same binlog reads, decoding and position
//! saves written by hand with the same client (`mysql_async`) in the same process (the floor).
//! Run it with `cargo run --release -p kisflow-bench --features binlog --bin binlog-bench`.
//!
//! It starts its own `mariadbd` (binlog on, row format with column names) on a free port and
//! kills it by PID at the end. Options: `--rounds N` (default 5), `--rows N` (per round, default
//! 100000), `--batch N` (default 500), `--only kisflow|floor|fill` (one side, or neither, for
//! callgrind: a side's run less the `fill` run is what that side costs).
//!
//! Each round inserts N rows into a fresh table in transactions of 1000, before either side
//! runs; then each side reads those N row events from the position before the inserts (the
//! sides alternate which goes first). kisflow turns each row into a JSON `Change` and the flow
//! decodes it into `Change<StuScore>`; the floor reads the row's values by column index straight
//! into `StuScore`, the least a hand-written reader does. Both save the position to a file
//! (written aside, synced, renamed) once per batch. Rows/s is N over the time from connecting to
//! the save that covers the last row.

// Counts here stay far below 2^52.
#![allow(clippy::cast_precision_loss)]

mod floor;
#[path = "../../../../tests/tests/mariadb/mod.rs"]
mod mariadb;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use kisflow::prelude::*;
use kisflow::source::Runner;
use kisflow::source::binlog::{BinlogSource, Change, FilePositions, Position, Start};
use kisflow_bench::{BASELINE_A_GRADES, FLOW_A_GRADES, StuScore, rows};
use mysql_async::prelude::Queryable;

/// Rows the kisflow side has decoded.
static SEEN: AtomicUsize = AtomicUsize::new(0);

#[kis_function(mode = "Calculate", name = "Inserted")]
#[allow(clippy::needless_pass_by_value)] // a handler owns its batch
fn inserted(rows: Vec<Change<StuScore>>) -> Vec<StuScore> {
    SEEN.fetch_add(rows.len(), Ordering::Relaxed);
    rows.into_iter().filter_map(|change| change.after).collect()
}

flow!(
    BinlogGrades: inserted
        -> kisflow_bench::verify_stu
        -> kisflow_bench::avg_stu_score
        -> kisflow_bench::grade_stu
        -> kisflow_bench::count_grade_a
);

struct Args {
    rounds: usize,
    rows: usize,
    batch: usize,
    /// `--only kisflow|floor|fill`: run one side (0 or 1) alone, or neither (2).
    only: Option<usize>,
}

fn args() -> Args {
    let args: Vec<String> = std::env::args().collect();
    let number = |name: &str, default: usize| {
        args.iter().position(|a| a == name).map_or(default, |i| {
            args.get(i + 1)
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("{name} takes a number"))
        })
    };
    Args {
        rounds: number("--rounds", 5),
        rows: number("--rows", 100_000),
        batch: number("--batch", 500),
        only: args.iter().position(|a| a == "--only").map(|i| {
            match args.get(i + 1).map(String::as_str) {
                Some("kisflow") => 0,
                Some("floor") => 1,
                Some("fill") => 2,
                _ => panic!("--only takes kisflow, floor or fill"),
            }
        }),
    }
}

fn main() {
    let args = args();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let server = mariadb::MariaDb::start("bench");
    let url = server.url();
    println!(
        "binlog end to end: {} rows a round, batches of {}; floor = the same reads, typed decoding \
         and position saves by hand with mysql_async\n",
        args.rows, args.batch
    );
    let (mut kisflow, mut floor, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    let mut cpu = [Vec::new(), Vec::new()];
    for round in 0..args.rounds {
        let start = runtime.block_on(fill(&url, round, args.rows));
        let table = format!("bench.scores_{round}");
        let mut rates = [0.0; 2];
        let mut a_grades = [0; 2];
        let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
        for side in order {
            if args.only.is_some_and(|only| only != side) {
                continue;
            }
            let (before, name) = if side == 0 {
                (FLOW_A_GRADES.load(Ordering::Relaxed), "kisflow")
            } else {
                (BASELINE_A_GRADES.load(Ordering::Relaxed), "floor")
            };
            let cpu_before = cpu_seconds();
            let rate = if side == 0 {
                runtime.block_on(through_kisflow(&url, &table, &start, &args))
            } else {
                runtime.block_on(floor::run(&url, &table, &start, &args))
            };
            let after = if side == 0 {
                &FLOW_A_GRADES
            } else {
                &BASELINE_A_GRADES
            };
            a_grades[side] = after.load(Ordering::Relaxed) - before;
            rates[side] = rate;
            let per_row = (cpu_seconds() - cpu_before) * 1e6 / args.rows as f64;
            cpu[side].push(per_row);
            println!(
                "round {round} {name:<8} {rate:>10.0} rows/s, {per_row:.2} µs of client CPU a row"
            );
        }
        if args.only.is_some() {
            continue;
        }
        assert_eq!(
            a_grades[0], a_grades[1],
            "both sides count the same A grades"
        );
        kisflow.push(rates[0]);
        floor.push(rates[1]);
        ratios.push(rates[0] / rates[1]);
    }
    if args.only.is_some() {
        return;
    }
    println!(
        "\n| source | kisflow rows/s | floor rows/s | ratio | kisflow CPU µs/row | floor CPU µs/row |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    println!(
        "| MariaDB binlog | {:.0} | {:.0} | {:.2} | {:.2} | {:.2} |",
        median(kisflow),
        median(floor),
        median(ratios),
        median(cpu[0].clone()),
        median(cpu[1].clone())
    );
    drop(server);
}

/// Makes `bench.scores_<round>` and inserts `n` rows in transactions of 1000; returns the
/// position before the inserts.
async fn fill(url: &str, round: usize, n: usize) -> Position {
    let mut conn = mysql_async::Conn::from_url(url)
        .await
        .expect("the bench server is up");
    let table = format!("bench.scores_{round}");
    conn.query_drop("CREATE DATABASE IF NOT EXISTS bench")
        .await
        .unwrap();
    conn.query_drop(format!(
        "CREATE TABLE {table} (id BIGINT PRIMARY KEY, stu_id BIGINT, score_1 BIGINT, \
         score_2 BIGINT, score_3 BIGINT)"
    ))
    .await
    .unwrap();
    let status: mysql_async::Row = conn
        .query_first("SHOW MASTER STATUS")
        .await
        .unwrap()
        .unwrap();
    let start = Position::new(status.get::<String, _>(0).unwrap(), status.get(1).unwrap());
    let all = rows(n, round as u64);
    for (chunk_no, chunk) in all.chunks(1000).enumerate() {
        let values: Vec<String> = chunk
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let id = chunk_no * 1000 + i;
                format!(
                    "({id}, {}, {}, {}, {})",
                    r.stu_id, r.score_1, r.score_2, r.score_3
                )
            })
            .collect();
        conn.query_drop(format!("INSERT INTO {table} VALUES {}", values.join(",")))
            .await
            .unwrap();
    }
    conn.disconnect().await.unwrap();
    start
}

/// kisflow's side: rows/s until the flow saw all `args.rows` and the runner drained.
async fn through_kisflow(url: &str, table: &str, start: &Position, args: &Args) -> f64 {
    let positions = floor::position_file("kisflow");
    let began = Instant::now();
    SEEN.store(0, Ordering::Relaxed);
    let source = BinlogSource::new(url, [table], FilePositions::new(&positions))
        .expect("a MySQL address")
        .with_start(Start::At(start.clone()));
    let target = args.rows;
    let stop = async move {
        while SEEN.load(Ordering::Relaxed) < target {
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
    };
    Runner::new(source, BinlogGrades::new().into_dyn())
        .with_batch(args.batch, Duration::from_millis(20))
        .run_until(stop)
        .await
        .expect("the bench flow runs");
    let rate = args.rows as f64 / began.elapsed().as_secs_f64();
    let _ = std::fs::remove_file(positions);
    rate
}

/// This process's user and system CPU time so far (the server's is its own process), from
/// `/proc/self/stat` in clock ticks of 10 ms.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}
