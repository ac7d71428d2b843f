//! W3 (one typed row committed, then `run().await`, on a current-thread runtime) in wall time
//! against the hand-written steps in the same process, with each way the measurement can be set
//! up as a switch, so that one figure can be compared with another: `bash benches/w3_gap.sh`.
//!
//! ```text
//! w3_wall [--runs N] [--rounds N] [--order blocks|interleaved] [--rows slice|fresh]
//!         [--block-on once|per-run] [--drivers none|all]
//! ```
//!
//! - `--order blocks` (the suite's way) times N kisflow runs, then N hand-written runs, the two in
//!   turn first; `interleaved` alternates one kisflow run and one hand-written run, timing each.
//! - `--rows slice` takes the rows from a prepared `Vec`; `fresh` makes each from the loop counter.
//! - `--block-on once` runs the whole loop in one task; `per-run` calls `block_on` for every run,
//!   as synchronous code (a blocking source's loop) would. Interleaved, the `block_on` holds both
//!   sides' runs and stays outside both timers.
//! - `--drivers all` builds the runtime with `enable_all`, as `#[tokio::main]` does.
//!
//! Prints the medians over rounds: ns per run for each side, and kisflow's excess.

#![allow(clippy::cast_precision_loss, clippy::cast_possible_wrap)]

use std::time::{Duration, Instant};

use kisflow::Flow;
use kisflow_bench::{Grades, StuScore, baseline, rows};
use tokio::runtime::Runtime;

struct Setup {
    runs: usize,
    rounds: usize,
    interleaved: bool,
    fresh: bool,
    block_on_per_run: bool,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str, default: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .map_or_else(|| default.to_owned(), Clone::clone)
    };
    let number = |name: &str, default: &str| match flag(name, default).parse::<usize>() {
        Ok(n) if n > 0 => n,
        _ => {
            eprintln!("error: `{name}` takes a number above 0");
            std::process::exit(2);
        }
    };
    let setup = Setup {
        runs: number("--runs", "200000"),
        rounds: number("--rounds", "7"),
        interleaved: flag("--order", "blocks") == "interleaved",
        fresh: flag("--rows", "slice") == "fresh",
        block_on_per_run: flag("--block-on", "once") == "per-run",
    };
    let mut builder = tokio::runtime::Builder::new_current_thread();
    if flag("--drivers", "none") == "all" {
        builder.enable_all();
    }
    let rt = builder.build().expect("a current-thread runtime");
    let slice = rows(setup.runs, 7);
    let row = |i: usize| {
        if setup.fresh {
            StuScore {
                stu_id: (i % 1_000_003) as i64,
                score_1: 40 + (i % 61) as i64,
                score_2: 40 + (i / 61 % 61) as i64,
                score_3: 40 + (i / 3721 % 61) as i64,
            }
        } else {
            slice[i]
        }
    };
    let mut flow = Grades::new();
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for round in 0..setup.rounds {
        let (k, h) = if setup.interleaved {
            interleaved(&rt, &mut flow, &setup, row)
        } else if round % 2 == 0 {
            let k = kisflow_block(&rt, &mut flow, &setup, row);
            (k, hand_block(&setup, row))
        } else {
            let h = hand_block(&setup, row);
            (kisflow_block(&rt, &mut flow, &setup, row), h)
        };
        ours.push(k.as_secs_f64() / setup.runs as f64 * 1e9);
        theirs.push(h.as_secs_f64() / setup.runs as f64 * 1e9);
    }
    let over: Vec<f64> = ours.iter().zip(&theirs).map(|(k, h)| k - h).collect();
    println!(
        "kisflow {:.0} ns/run, hand-written {:.0} ns/run, kisflow +{:.0} ns/run (medians of {})",
        median(ours),
        median(theirs),
        median(over),
        setup.rounds
    );
}

fn kisflow_block(
    rt: &Runtime,
    flow: &mut Flow<Grades>,
    setup: &Setup,
    row: impl Fn(usize) -> StuScore,
) -> Duration {
    let start = Instant::now();
    if setup.block_on_per_run {
        for i in 0..setup.runs {
            flow.commit(row(i)).unwrap();
            rt.block_on(flow.run()).unwrap();
        }
    } else {
        rt.block_on(async {
            for i in 0..setup.runs {
                flow.commit(row(i)).unwrap();
                flow.run().await.unwrap();
            }
        });
    }
    start.elapsed()
}

fn hand_block(setup: &Setup, row: impl Fn(usize) -> StuScore) -> Duration {
    let start = Instant::now();
    for i in 0..setup.runs {
        baseline(vec![row(i)]);
    }
    start.elapsed()
}

/// One kisflow run, then one hand-written run, each timed alone; returns the sums.
fn interleaved(
    rt: &Runtime,
    flow: &mut Flow<Grades>,
    setup: &Setup,
    row: impl Fn(usize) -> StuScore,
) -> (Duration, Duration) {
    let (mut k, mut h) = (Duration::ZERO, Duration::ZERO);
    let mut one_run = async |i: usize| {
        let t0 = Instant::now();
        flow.commit(row(i)).unwrap();
        flow.run().await.unwrap();
        let t1 = Instant::now();
        baseline(vec![row(i)]);
        k += t1 - t0;
        h += t1.elapsed();
    };
    if setup.block_on_per_run {
        for i in 0..setup.runs {
            rt.block_on(one_run(i));
        }
    } else {
        rt.block_on(async {
            for i in 0..setup.runs {
                one_run(i).await;
            }
        });
    }
    (k, h)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}
