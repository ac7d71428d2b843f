//! Prints the throughput of every workload in docs/BENCHMARKS.md next to the hand-written baseline
//! measured in the same process, and their ratio. Run it with `cargo run --release -p kisflow-bench`;
//! `--rounds N` sets the rounds per workload (default 9), `--only w1|metrics|w2|w3|w4|w5` runs one.
//!
//! Each round measures kisflow and the baseline back to back, so a slow moment of the machine hits
//! both; the ratio printed is the median of the per-round ratios.

// Counts here stay far below 2^52.
#![allow(clippy::cast_precision_loss)]

use std::time::{Duration, Instant};

use kisflow_bench::alloc_meter::AllocMeter;
use kisflow_bench::{Grades, StuScore, baseline, baseline_json, json_rows, rows};
use tokio::runtime::Runtime;

mod scaling;

use scaling::w4;

#[global_allocator]
static ALLOC: AllocMeter = AllocMeter;

const BATCH: usize = 1000;
const BATCHES: usize = 1000;
const ROWS: usize = BATCH * BATCHES;
const FORKS: usize = 8;

fn main() {
    let rounds = std::env::args()
        .skip_while(|a| a != "--rounds")
        .nth(1)
        .map_or(9, |n| n.parse().expect("--rounds takes a number"));
    let only = std::env::args().skip_while(|a| a != "--only").nth(1);
    let wanted = |name: &str| only.as_deref().is_none_or(|o| o == name);
    let input: Vec<Vec<StuScore>> = (0..BATCHES).map(|i| rows(BATCH, i as u64)).collect();
    let current = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a tokio runtime");
    let multi = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("a tokio runtime");

    println!(
        "kisflow benchmarks: {rounds} rounds, medians; baseline = hand-written Rust in the same process\n"
    );
    println!(
        "{:<46} {:>13} {:>13} {:>7}",
        "workload", "kisflow", "hand-written", "ratio"
    );

    if wanted("w1") {
        w1(rounds, &current, &input);
    }
    if wanted("metrics") {
        w1_metrics(rounds, &current, &input);
    }
    if wanted("w2") {
        w2(rounds, &current, &input);
    }
    if wanted("w3") {
        w3(rounds, &current, &input);
    }
    if wanted("w4") {
        w4(rounds, &multi, &current, &input);
    }
    if wanted("w5") {
        w5(&current);
    }
}

fn w1(rounds: usize, current: &Runtime, input: &[Vec<StuScore>]) {
    let w1 = compare(
        rounds,
        || typed_batches(current, input.to_vec()),
        || {
            timed_with(input.to_vec(), |batches| {
                for batch in batches {
                    baseline(batch);
                }
            })
        },
    );
    report("W1 typed rows, batches of 1000 (rows/s)", ROWS, &w1);
}

fn w1_metrics(rounds: usize, current: &Runtime, input: &[Vec<StuScore>]) {
    let metrics = kisflow::Metrics::new();
    let w1m = compare(
        rounds,
        || typed_batches_with(current, input.to_vec(), Some(&metrics)),
        || typed_batches(current, input.to_vec()),
    );
    report("W1 with metrics on, against W1 without", ROWS, &w1m);
}

fn w2(rounds: usize, current: &Runtime, input: &[Vec<StuScore>]) {
    let json: Vec<Vec<String>> = input.iter().map(|b| json_rows(b)).collect();
    let w2 = compare(
        rounds,
        || json_batches(current, &json),
        || {
            timed_with(&json, |json| {
                for batch in json {
                    baseline_json(batch).unwrap();
                }
            })
        },
    );
    report("W2 JSON rows, batches of 1000 (rows/s)", ROWS, &w2);
}

/// W3 twice: from async code (the runs in one task) and from synchronous code (one `block_on`
/// per run, as a blocking source's loop would call it), each against the hand-written steps.
fn w3(rounds: usize, current: &Runtime, input: &[Vec<StuScore>]) {
    let singles: Vec<StuScore> = input.concat();
    let by_hand = || {
        timed_with(&singles, |rows| {
            for row in rows {
                baseline(vec![*row]);
            }
        })
    };
    let w3 = compare(rounds, || single_rows(current, &singles), by_hand);
    report("W3 one row per run (runs/s)", ROWS, &w3);
    per_run_row("   ns per run (kisflow minus hand-written)", &w3);
    let sync = compare(rounds, || single_rows_blocking(current, &singles), by_hand);
    report("W3 from sync code, block_on per run (runs/s)", ROWS, &sync);
    per_run_row("   ns per run (kisflow minus hand-written)", &sync);
}

fn per_run_row(name: &str, c: &Comparison) {
    let per_run = |d: Duration| d.as_secs_f64() / ROWS as f64 * 1e9;
    println!(
        "{name:<46} {:>13.0} {:>13.0} {:>7}",
        per_run(c.ours),
        per_run(c.theirs),
        format!("+{:.0}", per_run(c.ours) - per_run(c.theirs)),
    );
}

fn w5(current: &Runtime) {
    let w5 = peak_ratio(|big| {
        let mut flow = Grades::new();
        flow.commit_batch(big).unwrap();
        current.block_on(flow.run()).unwrap();
    });
    let w5_base = peak_ratio(baseline);
    println!(
        "{:<46} {:>13} {:>13} {:>7}",
        "W5 1M rows in one batch: peak heap / rows",
        format!("{w5:.2}x"),
        format!("{w5_base:.2}x"),
        format!("{:.2}", w5 / w5_base)
    );
}

/// W1: one instance, a batch of typed rows per run.
fn typed_batches(rt: &Runtime, batches: Vec<Vec<StuScore>>) -> Duration {
    typed_batches_with(rt, batches, None)
}

/// W1, recording into `metrics` when given.
fn typed_batches_with(
    rt: &Runtime,
    batches: Vec<Vec<StuScore>>,
    metrics: Option<&kisflow::Metrics>,
) -> Duration {
    let mut flow = Grades::new();
    if let Some(metrics) = metrics {
        flow = flow.with_metrics(metrics);
    }
    timed_with(batches, |batches| {
        rt.block_on(async {
            for batch in batches {
                flow.commit_batch(batch).unwrap();
                flow.run().await.unwrap();
            }
        });
    })
}

/// W2: one instance, a batch of JSON rows per run.
fn json_batches(rt: &Runtime, batches: &[Vec<String>]) -> Duration {
    let mut flow = Grades::new();
    timed_with(batches, |batches| {
        rt.block_on(async {
            for batch in batches {
                for text in batch {
                    flow.commit_json(text).unwrap();
                }
                flow.run().await.unwrap();
            }
        });
    })
}

/// W3: one instance, one row per run.
fn single_rows(rt: &Runtime, rows: &[StuScore]) -> Duration {
    let mut flow = Grades::new();
    timed_with(rows, |rows| {
        rt.block_on(async {
            for row in rows {
                flow.commit(*row).unwrap();
                flow.run().await.unwrap();
            }
        });
    })
}

/// W3 from synchronous code: one instance, one row per run, each run its own `block_on`.
fn single_rows_blocking(rt: &Runtime, rows: &[StuScore]) -> Duration {
    let mut flow = Grades::new();
    timed_with(rows, |rows| {
        for row in rows {
            flow.commit(*row).unwrap();
            rt.block_on(flow.run()).unwrap();
        }
    })
}

/// Peak heap growth while `work` consumes 1M fresh rows, as a multiple of the rows' own size.
fn peak_ratio(work: impl FnOnce(Vec<StuScore>)) -> f64 {
    AllocMeter::start();
    work(rows(ROWS, 99));
    AllocMeter::stop() as f64 / (ROWS * size_of::<StuScore>()) as f64
}

/// Times `work` on `input`; preparing the input is not timed.
fn timed_with<T>(input: T, work: impl FnOnce(T)) -> Duration {
    let start = Instant::now();
    work(input);
    start.elapsed()
}

/// Medians of `rounds` back-to-back measurements of two contenders.
struct Comparison {
    ours: Duration,
    theirs: Duration,
    /// Median over rounds of `theirs / ours`: our throughput as a share of theirs.
    ratio: f64,
}

fn compare(
    rounds: usize,
    mut ours: impl FnMut() -> Duration,
    mut theirs: impl FnMut() -> Duration,
) -> Comparison {
    let mut pairs: Vec<(Duration, Duration)> = (0..rounds).map(|_| (ours(), theirs())).collect();
    let mut ratios: Vec<f64> = pairs
        .iter()
        .map(|(o, t)| t.as_secs_f64() / o.as_secs_f64())
        .collect();
    ratios.sort_by(f64::total_cmp);
    pairs.sort_by_key(|p| p.0);
    let ours = pairs[rounds / 2].0;
    pairs.sort_by_key(|p| p.1);
    Comparison {
        ours,
        theirs: pairs[rounds / 2].1,
        ratio: ratios[rounds / 2],
    }
}

fn report(name: &str, items: usize, c: &Comparison) {
    let rate = |d: Duration| thousands(items as f64 / d.as_secs_f64());
    println!(
        "{name:<46} {:>13} {:>13} {:>6.0}%",
        rate(c.ours),
        rate(c.theirs),
        c.ratio * 100.0
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
