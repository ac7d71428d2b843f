use kisflow::prelude::*;
use kisflow::window::IntervalJoin;

#[derive(Clone)]
struct Order { id: u32, at: i64 }
#[derive(Clone)]
struct Payment { order: u32, at: i64 }

#[kis_function(mode = "Expand")]
fn print_orders(rows: Vec<Order>) {
    for order in rows {
        println!("{} at {}", order.id, order.at);
    }
}

flow!(PrintOrders: print_orders);

fn main() -> kisflow::Result<()> {
    let mut join = IntervalJoin::between(0, 60_000).build(
        |o: &Order| o.id, |o: &Order| o.at,
        |p: &Payment| p.order, |p: &Payment| p.at,
    );
    let _ = join.push_left(Order { id: 1, at: 0 });
    let pushed = join.push_right(Payment { order: 1, at: 5 });
    let mut flow = PrintOrders::new();
    // The join emits `Joined<Order, Payment>` rows; this flow takes `Order`s.
    flow.commit_batch(pushed.joined)?;
    Ok(())
}
