//! [`IntervalJoin`] case by case: a quiet input, late rows and their reasons.

use std::time::{Duration, Instant};

use crate::window::{IntervalJoin, Joined};

type Event = (u32, i64);

fn join(spec: crate::window::JoinSpec) -> IntervalJoin<u32, Event, Event> {
    spec.build(
        |a: &Event| a.0,
        |a: &Event| a.1,
        |b: &Event| b.0,
        |b: &Event| b.1,
    )
}

const SECOND: Duration = Duration::from_secs(1);

/// The left input keeps coming while the right one is quiet; returns the rows left buffered.
fn busy_left_quiet_right(idle: Option<Duration>) -> usize {
    let spec = IntervalJoin::between(0, 50);
    let mut join = join(match idle {
        Some(idle) => spec.idle_timeout(idle),
        None => spec,
    });
    let t0 = Instant::now();
    let _ = join.push_right_at((1, 100), t0);
    for i in 0..100_u32 {
        let at = t0 + SECOND * i;
        let _ = join.push_left_at((i, 1_000 + i64::from(i) * 100), at);
    }
    join.len()
}

#[test]
fn a_quiet_input_follows_the_busy_ones_watermark_so_state_stays_small() {
    // Without the timeout the right watermark stays at 100 and every left row is kept for it.
    assert_eq!(busy_left_quiet_right(None), 100);
    // With it, left rows go once the left watermark (which the right input follows) passes them.
    assert_eq!(busy_left_quiet_right(Some(5 * SECOND)), 1);
}

#[test]
fn output_keeps_coming_after_an_input_was_quiet() {
    let mut join = join(IntervalJoin::between(0, 500).idle_timeout(2 * SECOND));
    let t0 = Instant::now();
    let _ = join.push_right_at((1, 0), t0);
    for i in 0..=10 {
        let _ = join.push_left_at((7, 1_000 + i64::from(i) * 100), t0 + SECOND * i);
    }
    // The right input has been quiet for 10 s and follows the left watermark.
    assert_eq!(join.watermarks(), (2_000, 2_000));
    let pushed = join.push_right_at((7, 2_200), t0 + 10 * SECOND);
    let lefts: Vec<i64> = pushed
        .joined
        .iter()
        .map(|j: &Joined<Event, Event>| j.left.1)
        .collect();
    assert_eq!(lefts, [1_700, 1_800, 1_900, 2_000]);
    let late = join
        .push_right_at((7, 1_100), t0 + 10 * SECOND)
        .late
        .expect("behind 2000");
    assert_eq!(late.row, (7, 1_100));
}

#[test]
fn two_quiet_inputs_move_on_with_processing_time_and_empty_the_state() {
    let mut join = join(IntervalJoin::between(0, 500).idle_timeout(SECOND));
    let t0 = Instant::now();
    let _ = join.push_left_at((1, 100), t0);
    let _ = join.push_right_at((2, 50), t0);
    join.advance(t0 + SECOND);
    // Both quiet: both follow the higher watermark, 100, which no right row at 50 can meet.
    assert_eq!(join.len(), 1);
    // 1.5 s past the timeout: the left watermark is 100 + 1500, past 100 + 500.
    join.advance(t0 + Duration::from_millis(2_500));
    assert_eq!(join.watermarks(), (1_600, 1_600));
    assert!(join.is_empty());
}

#[test]
fn a_late_row_joins_nothing_and_says_why() {
    let mut join = join(IntervalJoin::between(-100, 100).name("orders_payments"));
    let _ = join.push_left_at((1, 1_000), Instant::now());
    let _ = join.push_left_at((1, 2_000), Instant::now());
    let pushed = join.push_left_at((1, 1_500), Instant::now());
    assert!(pushed.joined.is_empty());
    let late = pushed.late.expect("behind the left watermark");
    assert_eq!(
        (late.time, late.watermark, late.window),
        (1_500, 2_000, None)
    );
    assert_eq!(
        late.reason,
        "row at 1500 ms of the left input of join `orders_payments` is behind that input's \
         watermark 2000 ms, so it joins nothing; raise the out-of-orderness to join rows this late"
    );
    assert_eq!(late.operator, "orders_payments");
}

#[test]
fn both_bounds_are_inclusive() {
    let mut join = join(IntervalJoin::between(-10, 10));
    let _ = join.push_left_at((1, 100), Instant::now());
    let hits: Vec<usize> = [89, 90, 110, 111]
        .map(|t| join.push_right_at((1, t), Instant::now()).joined.len())
        .into();
    assert_eq!(hits, [0, 1, 1, 0]);
}

#[test]
#[should_panic(
    expected = "an interval join between 5 ms and -5 ms matches nothing; give a lower bound at most the upper one"
)]
fn a_lower_bound_above_the_upper_is_refused() {
    let _ = IntervalJoin::between(5, -5);
}
