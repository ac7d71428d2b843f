//! Event-time windows and an interval join between a stream of rows and typed flows.
//!
//! Run it with `cargo run -p kisflow-examples --example windowed_join`.
//!
//! Clicks are counted per user in 10 s tumbling windows that take rows up to 2 s out of order
//! and late rows for 5 s more; a click later than that goes to the dead letters with the reason.
//! Orders are joined with the payments of the same order made within 30 s after them. The
//! windows and the join run outside the flows, in this loop: each push gives the rows that are
//! due, and `commit_batch` hands them to a flow whose first function takes exactly that type.
//! The input is fixed and processing time is simulated, so the output is the same every run.

use std::time::{Duration, Instant};

use kisflow::prelude::*;
use kisflow::source::{DeadLetterSink, MemoryDeadLetters, Message};
use kisflow::window::{Count, IntervalJoin, Joined, WindowResult, Windows};

#[derive(Debug, Clone)]
struct Order {
    id: u32,
    at_ms: i64,
}

#[derive(Debug, Clone)]
struct Payment {
    order: u32,
    at_ms: i64,
    cents: u64,
}

#[kis_function(mode = "Expand", name = "PrintCounts")]
fn print_counts(rows: Vec<WindowResult<String, u64>>) {
    for r in rows {
        let update = if r.revision > 0 { " (update)" } else { "" };
        println!(
            "clicks of {} in [{}s, {}s): {}{update}",
            r.key,
            r.window.start / 1000,
            r.window.end / 1000,
            r.value
        );
    }
}

#[kis_function(mode = "Expand", name = "PrintPaid")]
fn print_paid(rows: Vec<Joined<Order, Payment>>) {
    for pair in rows {
        let (order, pay) = (pair.left, pair.right);
        let after = (pay.at_ms - order.at_ms) / 1000;
        println!(
            "order {} paid {} cents {after}s after it was placed",
            order.id, pay.cents
        );
    }
}

flow!(ClickCounts: print_counts);
flow!(PaidOrders: print_paid);

/// Clicks as (user, event time in ms), in arrival order: bob's click at 8 s comes late but
/// within the lateness, ann's at 3 s comes after its window was dropped.
const CLICKS: [(&str, i64); 8] = [
    ("ann", 1_000),
    ("bob", 4_000),
    ("ann", 9_500),
    ("ann", 11_000),
    ("bob", 13_000),
    ("bob", 8_000),
    ("ann", 19_000),
    ("ann", 3_000),
];

#[tokio::main]
async fn main() -> kisflow::Result<()> {
    let second = Duration::from_secs(1);
    // Processing time, simulated: one click per second from `t0`.
    let t0 = Instant::now();

    let mut counts = Windows::tumbling(10 * second)
        .name("clicks_per_10s")
        .out_of_order(2 * second)
        .lateness(5 * second)
        .idle_timeout(5 * second)
        .build(
            |c: &(String, i64)| c.0.clone(),
            |c: &(String, i64)| c.1,
            Count,
        );
    let dead = MemoryDeadLetters::new();
    let mut flow = ClickCounts::new();
    for (n, (user, at)) in (0..).zip(CLICKS) {
        let message = Message::new(format!("{n}-0"), format!("{user}@{at}"));
        let pushed = counts.push_at((user.to_owned(), at), t0 + second * n);
        flow.commit_batch(pushed.results)?;
        if let Some(late) = pushed.late {
            dead.send(&[late.dead_letter(&message, "clicks", "ClickCounts")])
                .await?;
        }
    }
    flow.run().await?;
    // No click comes any more: past the idle timeout the last windows close anyway.
    flow.commit_batch(counts.advance(t0 + 30 * second))?;
    flow.run().await?;
    println!("window state left: {}", counts.len());
    for letter in dead.letters() {
        let payload = String::from_utf8_lossy(&letter.payload);
        println!(
            "dead letter {payload} ({:?}): {}",
            letter.kind, letter.error
        );
    }

    let mut join = IntervalJoin::between(0, 30_000)
        .name("orders_payments")
        .idle_timeout(10 * second)
        .build(
            |o: &Order| o.id,
            |o: &Order| o.at_ms,
            |p: &Payment| p.order,
            |p: &Payment| p.at_ms,
        );
    let mut paid = PaidOrders::new();
    let orders = [(1, 0), (2, 5_000), (3, 6_000)].map(|(id, at_ms)| Order { id, at_ms });
    let payments =
        [(2, 9_000, 1_250), (1, 20_000, 990), (3, 50_000, 700)].map(|(order, at_ms, cents)| {
            Payment {
                order,
                at_ms,
                cents,
            }
        });
    for order in orders {
        paid.commit_batch(join.push_left_at(order, t0).joined)?;
    }
    for pay in payments {
        // Order 3's payment is 44 s after it: outside the bound, so it joins nothing.
        paid.commit_batch(join.push_right_at(pay, t0).joined)?;
    }
    paid.run().await?;
    // Payments wait for orders still to come that they could match...
    println!("rows the join holds: {}", join.len());
    // ...until both inputs have been quiet past the idle timeout.
    join.advance(t0 + 60 * second);
    println!("rows the join holds after a quiet minute: {}", join.len());
    Ok(())
}
