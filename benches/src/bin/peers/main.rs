//! The project's workload (Verify → Calculate → Calculate → Expand over `StuScore` rows) on
//! kisflow, timely, DFIR and a tokio channel pipeline, beside the hand-written steps, in one
//! process: the peers table of docs/BENCHMARKS.md. `bash benches/peers.sh` runs it whole.
//!
//! ```text
//! peers [--rounds N] [--batches N] [--runs N]   wall time: W1 (N batches of 1000) and W3 (N runs)
//! peers count <side|none> <w1|w3> <runs>        one side alone, for callgrind
//! ```
//!
//! Sides: hand-written, kisflow, timely, dfir, channels (pipelined), channels-awaited (each run
//! awaited); `none` only makes the input, so that its cost can be subtracted.

// Counts here stay far below 2^52.
#![allow(clippy::cast_precision_loss)]

mod channels;
mod dfir_flow;
mod report;
mod sides;
mod timely_flow;

use std::process::ExitCode;

use kisflow_bench::{StuScore, rows};
use sides::{Side, sides};

/// Rows per W1 batch.
const BATCH: usize = 1000;

const USAGE: &str = "usage: peers [--rounds N] [--batches N] [--runs N]\n       peers count <side|none> <w1|w3> <runs>\n       sides: hand-written, kisflow, timely, dfir, channels, channels-awaited";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = if args.first().is_some_and(|a| a == "count") {
        count(&args[1..])
    } else {
        report::wall(&args)
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// W1's input: `batches` batches of [`BATCH`] rows, each from its own seed.
fn w1_input(batches: usize) -> Vec<Vec<StuScore>> {
    (0..batches).map(|i| rows(BATCH, i as u64)).collect()
}

/// `peers count <side|none> <w1|w3> <runs>`: one side over the whole input, nothing else, so that
/// callgrind counts that side alone.
fn count(args: &[String]) -> Result<(), String> {
    let [side, workload, runs] = args else {
        return Err(format!("`count` takes three arguments, got {}", args.len()));
    };
    let side = match side.as_str() {
        "none" => None,
        name => Some(Side::parse(name).ok_or_else(|| format!("no side named `{name}`"))?),
    };
    let runs: usize = runs
        .parse()
        .map_err(|_| format!("the number of runs must be a whole number, got `{runs}`"))?;
    match workload.as_str() {
        "w1" => {
            let input = w1_input(runs);
            let _counted = match side {
                Some(side) => std::hint::black_box(sides().batches(side, input)),
                None => std::hint::black_box(input.len() as u64),
            };
        }
        "w3" => {
            let input = rows(runs, 7);
            let _counted = match side {
                Some(side) => std::hint::black_box(sides().singles(side, &input)),
                None => std::hint::black_box(input.len() as u64),
            };
        }
        other => return Err(format!("no workload named `{other}`: use w1 or w3")),
    }
    Ok(())
}
