//! [`Windows`] case by case: the idle timeout, allowed lateness, late rows and their reasons.

use std::time::{Duration, Instant};

use crate::ErrorKind;
use crate::source::Message;
use crate::window::{Count, Window, Windows};

type Click = (&'static str, i64);

fn counts(spec: crate::window::WindowSpec) -> Windows<Click, &'static str, Count> {
    spec.build(|c: &Click| c.0, |c: &Click| c.1, Count)
}

const SECOND: Duration = Duration::from_secs(1);

#[test]
fn a_quiet_stream_closes_its_windows_after_the_idle_timeout() {
    let mut windows = counts(Windows::tumbling(SECOND).idle_timeout(5 * SECOND));
    let t0 = Instant::now();
    assert!(windows.push_at(("ann", 1_500), t0).results.is_empty());
    // The watermark is 1500; window [1000, 2000) needs 500 ms of event time more, which the
    // idle stream gets 5 s + 500 ms after its last row.
    assert!(windows.advance(t0 + 5 * SECOND).is_empty());
    assert!(
        windows
            .advance(t0 + Duration::from_millis(5_499))
            .is_empty()
    );
    let fired = windows.advance(t0 + Duration::from_millis(5_500));
    assert_eq!(fired.len(), 1);
    assert_eq!(
        (fired[0].key, fired[0].window, fired[0].value),
        (
            "ann",
            Window {
                start: 1_000,
                end: 2_000
            },
            1
        )
    );
    assert!(windows.is_empty());
}

#[test]
fn a_row_after_a_silence_is_judged_against_the_advanced_watermark() {
    let mut windows = counts(Windows::tumbling(SECOND).idle_timeout(SECOND));
    let t0 = Instant::now();
    let _ = windows.push_at(("ann", 100), t0);
    // 3 s of silence, 2 s past the timeout: the watermark is 2100 when the next row comes.
    let pushed = windows.push_at(("bob", 900), t0 + 3 * SECOND);
    assert_eq!(
        pushed.results.len(),
        1,
        "the idle advance fires [0, 1000) first"
    );
    assert_eq!(windows.watermark(), 2_100);
    assert_eq!(pushed.late.map(|l| l.row), Some(("bob", 900)));
}

#[test]
fn without_an_idle_timeout_the_watermark_waits_for_rows() {
    let mut windows = counts(Windows::tumbling(SECOND));
    let t0 = Instant::now();
    let _ = windows.push_at(("ann", 1_500), t0);
    assert!(windows.advance(t0 + Duration::from_secs(3_600)).is_empty());
    assert_eq!(windows.len(), 1);
}

#[test]
fn rows_within_the_lateness_update_the_result_then_later_ones_are_dead_letters() {
    let mut windows = counts(Windows::tumbling(SECOND).name("clicks").lateness(SECOND));
    let _ = windows.push(("ann", 100));
    let fired = windows.push(("ann", 1_200)).results; // the watermark passes 1000
    assert_eq!((fired[0].value, fired[0].revision), (1, 0));
    let update = windows.push(("ann", 300));
    assert!(update.late.is_none());
    assert_eq!(
        (update.results[0].value, update.results[0].revision),
        (2, 1)
    );
    assert_eq!(
        windows.len(),
        2,
        "[0, 1000) is kept until the watermark reaches 2000"
    );
    let _ = windows.push(("bob", 2_000));
    assert_eq!(
        windows.len(),
        2,
        "[0, 1000) dropped; [1000, 2000) and [2000, 3000) open"
    );
    let late = windows.push(("ann", 400)).late.expect("past the lateness");
    assert_eq!(
        late.window,
        Some(Window {
            start: 0,
            end: 1_000
        })
    );
    assert_eq!(
        late.reason,
        "row at 400 ms is behind window [0, 1000) of `clicks`: the watermark is 2000 ms, and the \
         window took late rows only until the watermark passed 2000 ms (allowed lateness 1000 ms); \
         the row is counted in no window; raise the allowed lateness or the out-of-orderness to \
         count rows this late"
    );
    let mut message = Message::new("1700-0", br#"{"user":"ann","at":400}"#.to_vec());
    message.deliveries = 2;
    let letter = late.dead_letter(&message, "redis:clicks/g", "Clicks");
    assert_eq!(message.payload, letter.payload);
    assert_eq!(
        (letter.source.as_str(), letter.message_id.as_str()),
        ("redis:clicks/g", "1700-0")
    );
    assert_eq!(
        (letter.flow.as_str(), letter.function.as_deref()),
        ("Clicks", Some("clicks"))
    );
    assert_eq!(
        (letter.kind, letter.attempts, letter.error),
        (ErrorKind::Late, 2, late.reason)
    );
}

#[test]
fn a_row_late_for_some_sliding_windows_counts_in_the_others_and_says_so() {
    let mut windows = counts(Windows::sliding(3 * SECOND, SECOND).name("w"));
    let _ = windows.push(("ann", 3_500)); // the watermark is 3500: windows up to [0, 3000) fired
    let pushed = windows.push(("ann", 2_500)); // in [0, 3000), [1000, 4000), [2000, 5000)
    let late = pushed.late.expect("missed [0, 3000)");
    assert_eq!(
        late.window,
        Some(Window {
            start: 0,
            end: 3_000
        })
    );
    assert!(
        late.reason
            .contains("the row is counted in 2 later windows"),
        "{}",
        late.reason
    );
    let ends: Vec<_> = windows
        .flush()
        .iter()
        .map(|r| (r.window.start, r.value))
        .collect();
    assert_eq!(ends, [(1_000, 2), (2_000, 2), (3_000, 1)]);
}

#[test]
fn results_of_one_window_come_in_key_order() {
    let mut windows = counts(Windows::tumbling(SECOND));
    for user in ["cid", "ann", "bob", "ann"] {
        let _ = windows.push((user, 10));
    }
    let fired: Vec<_> = windows
        .flush()
        .into_iter()
        .map(|r| (r.key, r.value))
        .collect();
    assert_eq!(fired, [("ann", 2), ("bob", 1), ("cid", 1)]);
}

#[test]
fn negative_times_fall_in_the_window_below_zero() {
    let mut windows = counts(Windows::tumbling(SECOND));
    let _ = windows.push(("ann", -1));
    assert_eq!(
        windows.flush()[0].window,
        Window {
            start: -1_000,
            end: 0
        }
    );
}

#[test]
#[should_panic(
    expected = "a sliding window of 1000 ms with a slide of 2000 ms would skip rows between windows; use a slide of at most the size"
)]
fn a_slide_longer_than_the_size_is_refused() {
    let _ = Windows::sliding(SECOND, 2 * SECOND);
}

#[test]
#[should_panic(expected = "a window slide of 0 ms makes no windows")]
fn a_zero_size_is_refused() {
    let _ = Windows::tumbling(Duration::from_micros(10));
}

#[test]
fn times_at_the_ends_of_i64_neither_hang_nor_overflow() {
    let mut windows = counts(Windows::sliding(SECOND, Duration::from_millis(1)));
    let _ = windows.push(("ann", i64::MIN));
    let fired = windows.flush();
    // The windows that would start below i64::MIN cannot exist; the one at i64::MIN holds it.
    assert_eq!(fired.len(), 1);
    assert_eq!((fired[0].window.start, fired[0].value), (i64::MIN, 1));
    let mut windows = counts(Windows::sliding(SECOND, Duration::from_millis(1)));
    let _ = windows.push(("ann", i64::MAX));
    assert!(windows.flush().iter().all(|r| r.value == 1));
    assert!(windows.is_empty());
}

#[test]
fn memory_returns_to_nothing_once_every_window_closed() {
    let mut windows = counts(Windows::tumbling(SECOND).idle_timeout(SECOND));
    let t0 = Instant::now();
    for at in [100, 1_100, 2_100] {
        let _ = windows.push_at(("ann", at), t0);
    }
    // The map of [0, 1000) went to [2000, 3000); that of [1000, 2000) waits for the next window.
    assert_eq!((windows.len(), windows.spare_maps()), (1, 1));
    let _ = windows.advance(t0 + 10 * SECOND);
    assert_eq!((windows.len(), windows.spare_maps()), (0, 0));
}
