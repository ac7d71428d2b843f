//! Properties of [`IntervalJoin`]: its pairs equal a nested loop over the rows that were not
//! late (a multiset, so a pair emitted twice fails too), and no row stays buffered at the end.

use std::time::{Duration, Instant};

use proptest::prelude::*;

use crate::window::IntervalJoin;

/// A row: key, event time, id.
type Row = (u8, i64, usize);

/// One arrival: on the left input or the right one.
#[derive(Debug, Clone, Copy)]
struct Arrival {
    left: bool,
    row: Row,
}

fn arrivals() -> impl Strategy<Value = Vec<Arrival>> {
    prop::collection::vec((any::<bool>(), 0_u8..3, 0_i64..100), 0..80).prop_map(|rows| {
        rows.into_iter()
            .enumerate()
            .map(|(id, (left, key, time))| Arrival {
                left,
                row: (key, time, id),
            })
            .collect()
    })
}

fn bounds() -> impl Strategy<Value = (i64, i64, i64)> {
    (-20_i64..20, 0_i64..30, 0_i64..20)
        .prop_map(|(lower, width, delay)| (lower, lower + width, delay))
}

/// Rows late on their own input, by replaying each input's watermark, and the sorted pairs of
/// ids a nested loop over the others finds.
fn oracle(
    arrivals: &[Arrival],
    lower: i64,
    upper: i64,
    delay: i64,
) -> (Vec<usize>, Vec<(usize, usize)>) {
    let (mut max, mut late, mut kept) = ([None::<i64>; 2], Vec::new(), [Vec::new(), Vec::new()]);
    for a in arrivals {
        let side = usize::from(!a.left);
        let watermark = max[side].map_or(i64::MIN, |m| m - delay);
        if a.row.1 < watermark {
            late.push(a.row.2);
        } else {
            kept[side].push(a.row);
        }
        max[side] = Some(max[side].map_or(a.row.1, |m| m.max(a.row.1)));
    }
    (late, nested_loop(&kept, lower, upper))
}

/// The idle timeout of the joins here.
const IDLE_MS: i64 = 1_000;

/// The watermarks of both inputs replayed over processing time `now` (ms): each input's
/// greatest time minus the delay; a quiet input follows the other; two quiet ones move on with
/// the silence beyond the timeout.
struct Watermarks {
    delay: i64,
    max: [Option<i64>; 2],
    last: [Option<i64>; 2],
    current: [i64; 2],
    started: Option<i64>,
}

impl Watermarks {
    fn tick(&mut self, now: i64) {
        let since = *self.started.get_or_insert(now);
        let idle = [0, 1].map(|s| now - self.last[s].unwrap_or(since) >= IDLE_MS);
        match idle {
            [true, true] => {
                for s in 0..2 {
                    if let (Some(max), Some(last)) = (self.max[s], self.last[s]) {
                        let moved = max - self.delay + (now - last - IDLE_MS);
                        self.current[s] = self.current[s].max(moved);
                    }
                }
                let both = self.current[0].max(self.current[1]);
                self.current = [both, both];
            }
            [true, false] => self.current[0] = self.current[0].max(self.current[1]),
            [false, true] => self.current[1] = self.current[1].max(self.current[0]),
            [false, false] => {}
        }
    }

    fn observe(&mut self, side: usize, time: i64, now: i64) {
        let max = self.max[side].map_or(time, |m| m.max(time));
        self.max[side] = Some(max);
        self.last[side] = Some(now);
        self.current[side] = self.current[side].max(max - self.delay);
    }
}

/// Like [`oracle`], with `gaps[i]` ms of processing time before arrival `i`.
fn oracle_with_silences(
    arrivals: &[Arrival],
    gaps: &[u64],
    (lower, upper, delay): (i64, i64, i64),
) -> (Vec<usize>, Vec<(usize, usize)>) {
    let mut marks = Watermarks {
        delay,
        max: [None; 2],
        last: [None; 2],
        current: [i64::MIN; 2],
        started: None,
    };
    let (mut now, mut late, mut kept) = (0, Vec::new(), [Vec::new(), Vec::new()]);
    for (a, gap) in arrivals.iter().zip(gaps) {
        now += i64::try_from(*gap).unwrap();
        let side = usize::from(!a.left);
        marks.tick(now);
        if a.row.1 < marks.current[side] {
            late.push(a.row.2);
        } else {
            kept[side].push(a.row);
        }
        marks.observe(side, a.row.1, now);
        marks.tick(now);
    }
    (late, nested_loop(&kept, lower, upper))
}

fn nested_loop(kept: &[Vec<Row>; 2], lower: i64, upper: i64) -> Vec<(usize, usize)> {
    let mut pairs = Vec::new();
    for l in &kept[0] {
        for r in &kept[1] {
            if l.0 == r.0 && l.1 + lower <= r.1 && r.1 <= l.1 + upper {
                pairs.push((l.2, r.2));
            }
        }
    }
    pairs.sort_unstable();
    pairs
}

/// Pushes each arrival `gaps[i]` ms after the one before: the sorted pairs and the late ids,
/// and the rows still buffered after a long silence at the end.
fn run(
    arrivals: &[Arrival],
    gaps: &[u64],
    (lower, upper, delay): (i64, i64, i64),
) -> (Vec<usize>, Vec<(usize, usize)>, usize) {
    let mut join = IntervalJoin::between(lower, upper)
        .out_of_order(Duration::from_millis(delay.unsigned_abs()))
        .idle_timeout(Duration::from_millis(IDLE_MS.unsigned_abs()))
        .build(|l: &Row| l.0, |l: &Row| l.1, |r: &Row| r.0, |r: &Row| r.1);
    let mut now = Instant::now();
    let (mut pairs, mut late) = (Vec::new(), Vec::new());
    for (a, gap) in arrivals.iter().zip(gaps) {
        now += Duration::from_millis(*gap);
        if a.left {
            let pushed = join.push_left_at(a.row, now);
            pairs.extend(pushed.joined.iter().map(|j| (j.left.2, j.right.2)));
            late.extend(pushed.late.map(|l| l.row.2));
        } else {
            let pushed = join.push_right_at(a.row, now);
            pairs.extend(pushed.joined.iter().map(|j| (j.left.2, j.right.2)));
            late.extend(pushed.late.map(|l| l.row.2));
        }
    }
    pairs.sort_unstable();
    // Both inputs quiet for long: their watermarks pass every row, and nothing is kept.
    join.advance(now + Duration::from_secs(1_000_000));
    (late, pairs, join.len())
}

proptest! {
    /// Silences past the idle timeout move the watermarks between arrivals; whatever they do,
    /// the pairs are those of the rows they leave on time, and the state empties.
    #[test]
    fn pairs_equal_a_nested_loop_across_silences(
        arrivals in arrivals(),
        gaps in prop::collection::vec(prop_oneof![4 => Just(0_u64), 1 => 0..1_100_u64], 80),
        bounds in bounds(),
    ) {
        let (late, pairs, left) = run(&arrivals, &gaps, bounds);
        let (expected_late, expected_pairs) = oracle_with_silences(&arrivals, &gaps, bounds);
        prop_assert_eq!(late, expected_late);
        prop_assert_eq!(pairs, expected_pairs);
        prop_assert_eq!(left, 0);
    }

    /// All arrivals at one instant, so the idle timeout never acts until the end.
    #[test]
    fn pairs_equal_a_nested_loop(arrivals in arrivals(), bounds in bounds()) {
        let (late, pairs, left) = run(&arrivals, &[0; 80], bounds);
        let (expected_late, expected_pairs) = oracle(&arrivals, bounds.0, bounds.1, bounds.2);
        prop_assert_eq!(late, expected_late);
        prop_assert_eq!(pairs, expected_pairs);
        prop_assert_eq!(left, 0);
    }
}
