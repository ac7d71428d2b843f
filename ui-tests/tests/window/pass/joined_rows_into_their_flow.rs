use kisflow::prelude::*;
use kisflow::window::{IntervalJoin, Joined};

#[derive(Clone)]
struct Order { id: u32, at: i64 }
#[derive(Clone)]
struct Payment { order: u32, at: i64 }

#[kis_function(mode = "Expand")]
fn print_paid(rows: Vec<Joined<Order, Payment>>) {
    for pair in rows {
        println!("order {} at {} paid at {}", pair.left.id, pair.left.at, pair.right.at);
    }
}

flow!(PrintPaid: print_paid);

fn main() -> kisflow::Result<()> {
    let mut join = IntervalJoin::between(0, 60_000).build(
        |o: &Order| o.id, |o: &Order| o.at,
        |p: &Payment| p.order, |p: &Payment| p.at,
    );
    let _ = join.push_left(Order { id: 1, at: 0 });
    let pushed = join.push_right(Payment { order: 1, at: 5 });
    let mut flow = PrintPaid::new();
    flow.commit_batch(pushed.joined)?;
    assert_eq!(flow.committed(), 1);
    Ok(())
}
