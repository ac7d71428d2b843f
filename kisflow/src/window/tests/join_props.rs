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
    let mut pairs = Vec::new();
    for l in &kept[0] {
        for r in &kept[1] {
            if l.0 == r.0 && l.1 + lower <= r.1 && r.1 <= l.1 + upper {
                pairs.push((l.2, r.2));
            }
        }
    }
    pairs.sort_unstable();
    (late, pairs)
}

proptest! {
    #[test]
    fn pairs_equal_a_nested_loop(arrivals in arrivals(), (lower, upper, delay) in bounds()) {
        let mut join = IntervalJoin::between(lower, upper)
            .out_of_order(Duration::from_millis(delay.unsigned_abs()))
            .idle_timeout(Duration::from_secs(1))
            .build(|l: &Row| l.0, |l: &Row| l.1, |r: &Row| r.0, |r: &Row| r.1);
        // One instant for every push, so the idle timeout never acts while rows come.
        let now = Instant::now();
        let (mut pairs, mut late) = (Vec::new(), Vec::new());
        for a in &arrivals {
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
        let (expected_late, expected_pairs) = oracle(&arrivals, lower, upper, delay);
        prop_assert_eq!(late, expected_late);
        prop_assert_eq!(pairs, expected_pairs);
        // Both inputs quiet for long: their watermarks pass every row, and nothing is kept.
        join.advance(now + Duration::from_secs(1_000_000));
        prop_assert_eq!(join.len(), 0);
    }
}
