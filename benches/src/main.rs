//! Prints throughput of every workload in docs/BENCHMARKS.md next to the hand-written baseline
//! measured in the same process, and the ratio. Run it with
//! `cargo run --release -p kisflow-bench`; `--rounds N` sets the rounds per workload (default 7).

// Counts here stay far below 2^52, and `main` reads top to bottom in the order of the table.
#![allow(clippy::cast_precision_loss, clippy::too_many_lines)]

use std::time::{Duration, Instant};

use kisflow::Flow;
use kisflow_bench::alloc_meter::AllocMeter;
use kisflow_bench::{Grades, StuScore, baseline, baseline_json, json_rows, rows};

#[global_allocator]
static ALLOC: AllocMeter = AllocMeter;

const BATCH: usize = 1000;
const BATCHES: usize = 1000;
const ROW_BYTES: usize = size_of::<StuScore>();

fn main() {
    let rounds = std::env::args()
        .skip_while(|a| a != "--rounds")
        .nth(1)
        .map_or(7, |n| n.parse().expect("--rounds takes a number"));
    let input: Vec<Vec<StuScore>> = (0..BATCHES).map(|i| rows(BATCH, i as u64)).collect();
    let current = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a tokio runtime");
    let multi = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("a tokio runtime");

    println!(
        "kisflow benchmarks: {rounds} rounds per workload, medians; baseline = hand-written Rust, same process\n"
    );
    println!(
        "{:<44} {:>14} {:>14} {:>8}",
        "workload", "kisflow", "hand-written", "ratio"
    );

    let w1 = median(rounds, || {
        let batches = input.clone();
        let mut flow = Grades::new();
        timed(|| {
            current.block_on(async {
                for batch in batches {
                    flow.commit_batch(batch).unwrap();
                    flow.run().await.unwrap();
                }
            });
        })
    });
    let w1_base = median(rounds, || {
        let batches = input.clone();
        timed(|| batches.into_iter().for_each(baseline))
    });
    let rows_total = (BATCH * BATCHES) as f64;
    report(
        "W1 typed rows, batches of 1000 (rows/s)",
        rows_total / w1,
        rows_total / w1_base,
    );

    let json: Vec<Vec<String>> = input.iter().map(|b| json_rows(b)).collect();
    let w2 = median(rounds, || {
        let mut flow = Grades::new();
        timed(|| {
            current.block_on(async {
                for batch in &json {
                    for text in batch {
                        flow.commit_json(text).unwrap();
                    }
                    flow.run().await.unwrap();
                }
            });
        })
    });
    let w2_base = median(rounds, || {
        timed(|| json.iter().for_each(|b| baseline_json(b).unwrap()))
    });
    report(
        "W2 JSON rows, batches of 1000 (rows/s)",
        rows_total / w2,
        rows_total / w2_base,
    );

    let singles: Vec<StuScore> = input.concat();
    let w3 = median(rounds, || {
        let mut flow = Grades::new();
        timed(|| {
            current.block_on(async {
                for row in &singles {
                    flow.commit(*row).unwrap();
                    flow.run().await.unwrap();
                }
            });
        })
    });
    let w3_base = median(rounds, || {
        timed(|| singles.iter().for_each(|row| baseline(vec![*row])))
    });
    let runs = singles.len() as f64;
    report("W3 one row per run (runs/s)", runs / w3, runs / w3_base);
    println!(
        "{:<44} {:>14.0} {:>14.0} {:>8}",
        "   ns per run; kisflow minus hand-written",
        w3 / runs * 1e9,
        w3_base / runs * 1e9,
        format!("+{:.0}", (w3 - w3_base) / runs * 1e9)
    );

    let forks = 8;
    let w4 = median(rounds, || {
        let mut shares: Vec<Vec<Vec<StuScore>>> = (0..forks).map(|_| Vec::new()).collect();
        for (i, batch) in input.clone().into_iter().enumerate() {
            shares[i % forks].push(batch);
        }
        timed(|| {
            multi.block_on(async {
                let tasks: Vec<_> = shares
                    .into_iter()
                    .map(|share| {
                        tokio::spawn(async move {
                            let mut flow: Flow<Grades> = Grades::new();
                            for batch in share {
                                flow.commit_batch(batch).unwrap();
                                flow.run().await.unwrap();
                            }
                        })
                    })
                    .collect();
                for task in tasks {
                    task.await.unwrap();
                }
            });
        })
    });
    report(
        &format!("W4 = W1 on {forks} instances, 2 threads (rows/s)"),
        rows_total / w4,
        rows_total / w1,
    );
    println!(
        "{:<44} {:>14} {:>14}",
        "   (ratio here: W4 against W1 of kisflow)", "", ""
    );

    let n = BATCH * BATCHES;
    let w5 = peak_ratio(n, |big| {
        let mut flow = Grades::new();
        flow.commit_batch(big).unwrap();
        current.block_on(flow.run()).unwrap();
    });
    let w5_base = peak_ratio(n, baseline);
    println!(
        "{:<44} {:>14} {:>14} {:>8}",
        "W5 one batch of 1M rows: peak / row bytes",
        format!("{w5:.2}x"),
        format!("{w5_base:.2}x"),
        format!("{:.2}", w5 / w5_base)
    );
}

/// Peak heap growth while `work` consumes `n` fresh rows, as a multiple of the rows' own size.
fn peak_ratio(n: usize, work: impl FnOnce(Vec<StuScore>)) -> f64 {
    let before = AllocMeter::live();
    AllocMeter::reset_peak();
    let big = rows(n, 99);
    work(big);
    (AllocMeter::peak() - before) as f64 / (n * ROW_BYTES) as f64
}

fn timed(work: impl FnOnce()) -> Duration {
    let start = Instant::now();
    work();
    start.elapsed()
}

/// The median of `rounds` measurements, in seconds.
fn median(rounds: usize, mut measure: impl FnMut() -> Duration) -> f64 {
    let mut secs: Vec<f64> = (0..rounds).map(|_| measure().as_secs_f64()).collect();
    secs.sort_by(f64::total_cmp);
    secs[secs.len() / 2]
}

fn report(name: &str, ours: f64, theirs: f64) {
    println!(
        "{name:<44} {:>14} {:>14} {:>7.0}%",
        thousands(ours),
        thousands(theirs),
        ours / theirs * 100.0
    );
}

fn thousands(x: f64) -> String {
    let digits = format!("{x:.0}");
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}
