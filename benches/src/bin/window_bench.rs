//! Rows per second of `kisflow::window::Windows` (a keyed tumbling count, pushed row by row with
//! its watermark and firing) next to the same counts written by hand twice: as a stream (one
//! `HashMap` per open window, emitted and dropped when the watermark passes), and as one
//! `HashMap` fold over all rows, which has no watermark and holds every window until the end.
//! Run it with `cargo run --release -p kisflow-bench --bin window-bench`; `--rounds N` (default 7).

// Counts here stay far below 2^52.
#![allow(clippy::cast_precision_loss)]

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use kisflow::window::{Count, Windows};

const ROWS: u32 = 1_000_000;
const KEYS: u32 = 1_000;
const SIZE_MS: i64 = 1_000;

/// A click: a key and an event time, one millisecond apart and up to 499 ms out of order.
fn rows() -> Vec<(u32, i64)> {
    (0..ROWS)
        .map(|i| {
            (
                i % KEYS,
                i64::from(i) - i64::from(i.wrapping_mul(7_919) % 500),
            )
        })
        .collect()
}

/// Every count through the window operator: (results, sum of counts, time taken).
fn windows(rows: &[(u32, i64)]) -> (usize, u64, Duration) {
    let mut counts = Windows::tumbling(Duration::from_millis(SIZE_MS.unsigned_abs()))
        .out_of_order(Duration::from_millis(500))
        .build(|r: &(u32, i64)| r.0, |r: &(u32, i64)| r.1, Count);
    let now = Instant::now();
    let (mut results, mut sum) = (0, 0);
    let start = Instant::now();
    for row in rows {
        let pushed = counts.push_at(*row, now);
        assert!(
            pushed.late.is_none(),
            "rows stay within the out-of-orderness"
        );
        results += pushed.results.len();
        sum += pushed.results.iter().map(|r| r.value).sum::<u64>();
    }
    let rest = counts.flush();
    let took = start.elapsed();
    results += rest.len();
    sum += rest.iter().map(|r| r.value).sum::<u64>();
    (results, sum, took)
}

/// The same counts by hand as a stream: the open windows by start, each a `HashMap` of counts,
/// emitted and dropped once the watermark (greatest time - 500 ms) reaches their end.
fn streamed_by_hand(rows: &[(u32, i64)]) -> (usize, u64, Duration) {
    let start = Instant::now();
    let mut open: BTreeMap<i64, HashMap<u32, u64>> = BTreeMap::new();
    let (mut max, mut results, mut sum) = (i64::MIN, 0, 0);
    for &(key, time) in rows {
        *open
            .entry(time.div_euclid(SIZE_MS) * SIZE_MS)
            .or_default()
            .entry(key)
            .or_insert(0) += 1;
        max = max.max(time);
        while let Some(entry) = open.first_entry() {
            if entry.key() + SIZE_MS > max - 500 {
                break;
            }
            let counts = entry.remove();
            results += counts.len();
            sum += counts.values().sum::<u64>();
        }
    }
    for counts in open.into_values() {
        results += counts.len();
        sum += counts.values().sum::<u64>();
    }
    (results, sum, start.elapsed())
}

/// The same counts by hand in one batch: one `HashMap` entry per (key, window), read at the end.
fn by_hand(rows: &[(u32, i64)]) -> (usize, u64, Duration) {
    let start = Instant::now();
    let mut counts: HashMap<(u32, i64), u64> = HashMap::new();
    for &(key, time) in rows {
        *counts.entry((key, time.div_euclid(SIZE_MS))).or_insert(0) += 1;
    }
    let took = start.elapsed();
    (counts.len(), counts.values().sum(), took)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let rounds = std::env::args()
        .skip_while(|a| a != "--rounds")
        .nth(1)
        .map_or(7, |n| n.parse().expect("--rounds takes a number"));
    let input = rows();
    let (mut ours, mut streamed, mut batch) = (Vec::new(), Vec::new(), Vec::new());
    let per_second = |took: Duration| f64::from(ROWS) / took.as_secs_f64();
    for _ in 0..rounds {
        let (results, sum, took) = windows(&input);
        let (stream_results, stream_sum, stream_took) = streamed_by_hand(&input);
        let (batch_results, batch_sum, batch_took) = by_hand(&input);
        assert_eq!(
            (results, sum),
            (stream_results, stream_sum),
            "both count the same"
        );
        assert_eq!(
            (results, sum),
            (batch_results, batch_sum),
            "both count the same"
        );
        ours.push(per_second(took));
        streamed.push(per_second(stream_took));
        batch.push(per_second(batch_took));
    }
    let (ours, streamed, batch) = (median(ours), median(streamed), median(batch));
    println!(
        "{ROWS} rows, {KEYS} keys, 1 s tumbling count, medians of {rounds} rounds:\n\
         window push:                             {:>5.1} M rows/s\n\
         streamed by hand (BTreeMap of HashMaps): {:>5.1} M rows/s; window push at {:.0}% of it\n\
         one HashMap fold over all rows:          {:>5.1} M rows/s; window push at {:.0}% of it",
        ours / 1e6,
        streamed / 1e6,
        ours / streamed * 100.0,
        batch / 1e6,
        ours / batch * 100.0,
    );
}
