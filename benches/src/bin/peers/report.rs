//! The wall-time table: every side once per round, in an order that rotates from round to round,
//! so that a slow moment of the machine hits each side in turn; medians over rounds, and ratios
//! to the hand-written steps of the same round.

use std::time::{Duration, Instant};

use kisflow_bench::rows;

use crate::sides::{Side, Sides, sides};
use crate::{BATCH, w1_input};

/// Rounds, W1 batches and W3 runs, from `--rounds N --batches N --runs N`.
struct Settings {
    rounds: usize,
    batches: usize,
    runs: usize,
}

fn settings(args: &[String]) -> Result<Settings, String> {
    let mut settings = Settings {
        rounds: 7,
        batches: 300,
        runs: 100_000,
    };
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let slot = match flag.as_str() {
            "--rounds" => &mut settings.rounds,
            "--batches" => &mut settings.batches,
            "--runs" => &mut settings.runs,
            other => return Err(format!("unknown argument `{other}`")),
        };
        let value = args
            .next()
            .ok_or_else(|| format!("`{flag}` takes a number"))?;
        *slot = value
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("`{flag}` takes a number above 0, got `{value}`"))?;
    }
    Ok(settings)
}

/// `peers [--rounds N] [--batches N] [--runs N]`: prints the wall-time table.
pub(crate) fn wall(args: &[String]) -> Result<(), String> {
    let settings = settings(args)?;
    let mut sides = sides();
    let batches = w1_input(settings.batches);
    let singles = rows(settings.runs, 7);
    println!(
        "peers, wall time: W1 {} batches of {BATCH} rows, W3 {} one-row runs; {} rounds, every side \
         once a round in rotating order; medians, ratios against hand-written in the same round\n",
        settings.batches, settings.runs, settings.rounds
    );
    let w1 = rounds(
        settings.rounds,
        &mut sides,
        || batches.clone(),
        Sides::batches,
    )?;
    let w3 = rounds(
        settings.rounds,
        &mut sides,
        || singles.as_slice(),
        Sides::singles,
    )?;
    let rows_w1 = (settings.batches * BATCH) as f64;
    let runs_w3 = settings.runs as f64;
    println!(
        "{:<17} {:>11} {:>11} {:>11} {:>13} {:>11}",
        "side", "W1 ns/row", "W1 ratio", "W3 ns/run", "W3 over hand", "W3 ratio"
    );
    for (i, side) in Side::ALL.into_iter().enumerate() {
        println!(
            "{:<17} {:>11.2} {:>11.2} {:>11.0} {:>13} {:>11.3}",
            side.name(),
            median(w1.iter().map(|r| r[i].as_secs_f64())) / rows_w1 * 1e9,
            median(w1.iter().map(|r| r[0].as_secs_f64() / r[i].as_secs_f64())),
            median(w3.iter().map(|r| r[i].as_secs_f64())) / runs_w3 * 1e9,
            format!(
                "{:+.0}",
                median(w3.iter().map(|r| r[i].as_secs_f64() - r[0].as_secs_f64())) / runs_w3 * 1e9
            ),
            median(w3.iter().map(|r| r[0].as_secs_f64() / r[i].as_secs_f64())),
        );
    }
    println!("\nratio: hand-written time / the side's time (1.00 = as fast as hand-written)");
    Ok(())
}

/// Times `work` of every side once per round, on an input `prepare` makes untimed; a round's
/// durations are in the order of [`Side::ALL`]. Fails when a side counts other A grades than the
/// hand-written steps.
fn rounds<R: FnMut(), I>(
    rounds: usize,
    sides: &mut Sides<R>,
    mut prepare: impl FnMut() -> I,
    mut work: impl FnMut(&mut Sides<R>, Side, I) -> u64,
) -> Result<Vec<Vec<Duration>>, String> {
    let expected = work(sides, Side::HandWritten, prepare());
    let mut out = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let mut times = vec![Duration::ZERO; Side::ALL.len()];
        for k in 0..Side::ALL.len() {
            let i = (round + k) % Side::ALL.len();
            let side = Side::ALL[i];
            let input = prepare();
            let start = Instant::now();
            let counted = work(sides, side, input);
            times[i] = start.elapsed();
            if counted != expected {
                return Err(format!(
                    "{} counted {counted} A grades where the hand-written steps counted {expected}",
                    side.name()
                ));
            }
        }
        out.push(times);
    }
    Ok(out)
}

fn median(values: impl Iterator<Item = f64>) -> f64 {
    let mut values: Vec<f64> = values.collect();
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}
