//! `Flow::run_collect`: a typed run gives back what its last function emitted, as that function's
//! own row type, and a plain `run` of the same instance still drops it.

use kisflow::prelude::*;
use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct Order {
    customer: u32,
    qty: u32,
}

#[derive(Debug, Clone, PartialEq)]
struct CustomerTotal {
    customer: u32,
    qty: u32,
}

#[kis_function(mode = "Verify")]
fn positive(rows: Vec<Order>) -> Vec<Order> {
    rows.into_iter().filter(|o| o.qty > 0).collect()
}

#[kis_function(mode = "Calculate")]
fn totals(rows: Vec<Order>) -> Vec<CustomerTotal> {
    let mut totals: Vec<CustomerTotal> = Vec::new();
    for order in rows {
        match totals.iter_mut().find(|t| t.customer == order.customer) {
            Some(total) => total.qty += order.qty,
            None => totals.push(CustomerTotal {
                customer: order.customer,
                qty: order.qty,
            }),
        }
    }
    totals
}

flow!(Totals: positive -> totals);

fn order(customer: u32, qty: u32) -> Order {
    Order { customer, qty }
}

#[tokio::test]
async fn the_last_functions_rows_come_back_typed() -> kisflow::Result<()> {
    let mut flow = Totals::new();
    flow.commit_batch([order(1, 2), order(2, 0), order(1, 3)])?;
    flow.commit_json(r#"{"customer":3,"qty":4}"#)?;
    let totals: Vec<CustomerTotal> = flow.run_collect().await?;
    assert_eq!(
        totals,
        [
            CustomerTotal {
                customer: 1,
                qty: 5
            },
            CustomerTotal {
                customer: 3,
                qty: 4
            }
        ]
    );
    // Nothing is kept over to the next run, and a plain run keeps nothing.
    flow.commit(order(9, 1))?;
    flow.run().await?;
    assert_eq!(flow.run_collect().await?, []);
    Ok(())
}

#[tokio::test]
async fn a_run_that_stops_early_gives_back_nothing() -> kisflow::Result<()> {
    let mut flow = Totals::new();
    flow.commit_batch([order(1, 0), order(2, 0)])?;
    assert_eq!(flow.run_collect().await?, []);
    Ok(())
}

/// Jumps back to `first` once per run, so the last function runs twice: both batches come back.
#[kis_function(mode = "Calculate", actions(jump))]
fn again(ctx: &FlowCtx, rows: Vec<u32>) -> kisflow::Result<Vec<u32>> {
    let passes = ctx.flow_metadata().get::<u32>("passes")?.unwrap_or(0) + 1;
    ctx.flow_metadata().set("passes", passes);
    if passes == 1 {
        ctx.jump_func("first")?;
    }
    Ok(rows.into_iter().map(|n| n * 10 + passes).collect())
}

#[kis_function(mode = "Verify")]
fn first(rows: Vec<u32>) -> Vec<u32> {
    rows
}

flow!(Twice: first -> again);

#[tokio::test]
async fn every_batch_of_a_last_function_called_twice_comes_back_in_order() -> kisflow::Result<()> {
    let mut flow = Twice::new();
    flow.commit_batch([1, 2])?;
    assert_eq!(flow.run_collect().await?, [11, 21, 12, 22]);
    Ok(())
}

#[tokio::test]
async fn a_failed_run_returns_its_error_and_keeps_no_rows_for_the_next() -> kisflow::Result<()> {
    let mut flow = Twice::new().with_step_limit(2);
    flow.commit(1)?;
    let err = flow.run_collect().await.unwrap_err();
    assert!(matches!(err, kisflow::Error::StepLimit { .. }), "{err:?}");
    let mut flow = flow.with_step_limit(10);
    flow.commit(5)?;
    // `passes` is 1 from the failed run: no jump now, and only this run's batch comes back.
    assert_eq!(flow.run_collect().await?, [52]);
    Ok(())
}
