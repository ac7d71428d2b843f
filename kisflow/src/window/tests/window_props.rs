//! Properties of [`Windows`]: the results equal a batch computation over the same rows, judged
//! late by a brute-force oracle that replays the watermark, and no state is left at the end.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use proptest::prelude::*;

use crate::window::{Fold, Window, WindowResult, Windows};

/// A row: key, event time, and an id that tells rows apart in the results.
type Row = (u8, i64, usize);
/// What a window collects: the ids of its rows, sorted in the check.
type Results = Vec<WindowResult<u8, Vec<usize>>>;
/// Takes a row's id into a window's list.
type Step = fn(&mut Vec<usize>, &Row);
/// Each (key, window)'s results: revision and sorted ids, in the order emitted.
type ByWindow = BTreeMap<(u8, Window), Vec<(u32, Vec<usize>)>>;

#[derive(Debug, Clone)]
struct Setup {
    size: i64,
    slide: i64,
    delay: i64,
    lateness: i64,
}

fn setup() -> impl Strategy<Value = Setup> {
    (1_i64..30, 0_i64..20, 0_i64..20)
        .prop_flat_map(|(size, delay, lateness)| {
            (Just(size), 1..=size, Just(delay), Just(lateness))
        })
        .prop_map(|(size, slide, delay, lateness)| Setup {
            size,
            slide,
            delay,
            lateness,
        })
}

fn rows(times: impl Strategy<Value = i64>) -> impl Strategy<Value = Vec<Row>> {
    prop::collection::vec((0_u8..3, times), 0..60).prop_map(|rows| {
        rows.into_iter()
            .enumerate()
            .map(|(id, (key, time))| (key, time, id))
            .collect()
    })
}

fn operator(s: &Setup) -> Windows<Row, u8, Fold<Vec<usize>, Step>> {
    let ms = |n: i64| Duration::from_millis(n.unsigned_abs());
    let step: Step = |ids, row| ids.push(row.2);
    Windows::sliding(ms(s.size), ms(s.slide))
        .out_of_order(ms(s.delay))
        .lateness(ms(s.lateness))
        .idle_timeout(Duration::from_millis(IDLE_MS))
        .build(
            |row: &Row| row.0,
            |row: &Row| row.1,
            Fold::new(Vec::new(), step),
        )
}

/// The idle timeout of every operator here.
const IDLE_MS: u64 = 1_000;

/// Processing time between arrivals: mostly none, sometimes past the idle timeout.
fn gaps() -> impl Strategy<Value = Vec<u64>> {
    prop::collection::vec(prop_oneof![4 => Just(0_u64), 1 => 0..IDLE_MS + 100], 60)
}

/// Pushes each row `gaps[i]` ms of processing time after the one before, then ends the stream by
/// `flush` or by a long silence; returns the results, the ids of late rows, and the state left.
fn run(
    s: &Setup,
    rows: &[Row],
    gaps: &[u64],
    end_by_silence: bool,
) -> (Results, Vec<usize>, usize) {
    let mut windows = operator(s);
    let mut now = Instant::now();
    let (mut results, mut late) = (Vec::new(), Vec::new());
    for (row, gap) in rows.iter().zip(gaps.iter().chain(std::iter::repeat(&0))) {
        now += Duration::from_millis(*gap);
        let pushed = windows.push_at(*row, now);
        results.extend(pushed.results);
        late.extend(pushed.late.map(|l| l.row.2));
    }
    results.extend(if end_by_silence {
        windows.advance(now + Duration::from_secs(1_000_000))
    } else {
        windows.flush()
    });
    (results, late, windows.len())
}

/// What the oracle expects of one key in one window.
#[derive(Debug, Default, PartialEq)]
struct Expected {
    /// Rows that came before the window fired.
    on_time: Vec<usize>,
    /// Every row counted: on time and within the lateness.
    counted: Vec<usize>,
    /// How many results it emits: one when it fires (if it had rows), one per later row.
    emitted: usize,
}

/// Replays the watermark row by row, over every millisecond a window could start at: the greatest
/// time minus the delay, and after a silence past the timeout, the silence beyond it on top.
fn oracle(s: &Setup, rows: &[Row], gaps: &[u64]) -> (BTreeMap<(u8, Window), Expected>, Vec<usize>) {
    let (mut expected, mut late) = (BTreeMap::<_, Expected>::new(), Vec::new());
    let (mut max, mut watermark) = (None::<i64>, i64::MIN);
    for (&(key, time, id), &gap) in rows.iter().zip(gaps.iter().chain(std::iter::repeat(&0))) {
        if let Some(max) = max.filter(|_| gap >= IDLE_MS) {
            watermark = watermark.max(max - s.delay + i64::try_from(gap - IDLE_MS).unwrap());
        }
        let mut missed = false;
        for start in (time - s.size + 1..=time).filter(|start| start.rem_euclid(s.slide) == 0) {
            let window = Window {
                start,
                end: start + s.size,
            };
            if watermark >= window.end + s.lateness {
                missed = true;
                continue;
            }
            let e = expected.entry((key, window)).or_default();
            e.counted.push(id);
            if watermark >= window.end {
                e.emitted += 1;
            } else {
                e.on_time.push(id);
            }
        }
        if missed {
            late.push(id);
        }
        max = Some(max.map_or(time, |m: i64| m.max(time)));
        watermark = watermark.max(max.unwrap_or(time) - s.delay);
    }
    for e in expected.values_mut() {
        e.emitted += usize::from(!e.on_time.is_empty());
    }
    (expected, late)
}

/// The results grouped by key and window, each window's revisions in order and its ids sorted.
fn grouped(results: Results) -> ByWindow {
    let mut by_window = BTreeMap::<_, Vec<_>>::new();
    for r in results {
        let mut ids = r.value;
        ids.sort_unstable();
        by_window
            .entry((r.key, r.window))
            .or_default()
            .push((r.revision, ids));
    }
    by_window
}

proptest! {
    /// Any arrival order, with silences past the idle timeout: each (key, window) emits what the
    /// oracle counts, late rows are those it calls late, and no state is left.
    #[test]
    fn results_equal_the_oracle(
        s in setup(),
        rows in rows(0_i64..150),
        gaps in gaps(),
        silence in any::<bool>(),
    ) {
        let (results, late, left) = run(&s, &rows, &gaps, silence);
        let (expected, expected_late) = oracle(&s, &rows, &gaps);
        prop_assert_eq!(late, expected_late);
        prop_assert_eq!(left, 0);
        let got = grouped(results);
        prop_assert_eq!(got.len(), expected.len());
        for (place, e) in &expected {
            let revisions = &got[place];
            prop_assert_eq!(revisions.len(), e.emitted, "results of {:?}", place);
            for (i, (revision, _)) in revisions.iter().enumerate() {
                prop_assert_eq!(*revision as usize, i);
            }
            let mut counted = e.counted.clone();
            counted.sort_unstable();
            prop_assert_eq!(&revisions.last().unwrap().1, &counted);
            if !e.on_time.is_empty() {
                let mut on_time = e.on_time.clone();
                on_time.sort_unstable();
                prop_assert_eq!(&revisions[0].1, &on_time, "first result of {:?}", place);
            }
        }
    }

    /// Rows at most the out-of-orderness behind the greatest time before them (in order when it
    /// is 0): nothing is late, and each (key, window) emits once, equal to a batch group-by.
    #[test]
    fn rows_within_the_bound_equal_a_batch(
        s in setup(),
        steps in prop::collection::vec((0_u8..3, 0_i64..8, 0_i64..20), 0..60),
    ) {
        let mut base = 0;
        let rows: Vec<Row> = steps.iter().enumerate().map(|(id, &(key, step, jitter))| {
            base += step;
            (key, base - jitter.min(s.delay), id)
        }).collect();
        let (results, late, left) = run(&s, &rows, &[], false);
        prop_assert!(late.is_empty());
        prop_assert_eq!(left, 0);
        let mut batch = ByWindow::new();
        for &(key, time, id) in &rows {
            for start in (time - s.size + 1..=time).filter(|t| t.rem_euclid(s.slide) == 0) {
                let window = Window { start, end: start + s.size };
                let ids = batch.entry((key, window)).or_insert_with(|| vec![(0, Vec::new())]);
                ids[0].1.push(id);
            }
        }
        prop_assert_eq!(grouped(results), batch);
    }
}
