//! The functions and flows of this crate. The binary (`src/bin/orders.rs`) and the tests
//! (`tests/flows.rs`) use them from here, so they are `pub`.

use kisflow::prelude::*;
use serde::{Deserialize, Serialize};

/// An order as it arrives, one JSON object per line: `{"customer": 7, "qty": 3}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    /// Who ordered.
    pub customer: u32,
    /// How many items.
    pub qty: u32,
}

/// The items one customer ordered in a batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerTotal {
    /// Who ordered.
    pub customer: u32,
    /// How many items in all.
    pub qty: u32,
}

/// Drops empty orders and orders above `max_qty`, a typed param that YAML may change.
#[kis_function(mode = "Verify", params(max_qty: u32 = 100))]
pub fn valid_orders(ctx: &FlowCtx, rows: Vec<Order>) -> kisflow::Result<Vec<Order>> {
    let max_qty: u32 = ctx.param_as("max_qty")?;
    Ok(rows
        .into_iter()
        .filter(|o| (1..=max_qty).contains(&o.qty))
        .collect())
}

/// Adds up each customer's items, in the order customers first appear.
#[kis_function(mode = "Calculate")]
pub fn totals(rows: Vec<Order>) -> Vec<CustomerTotal> {
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

/// Prints each total.
#[kis_function(mode = "Expand")]
pub fn print_totals(rows: Vec<CustomerTotal>) {
    for t in rows {
        println!("customer {}: {} items", t.customer, t.qty);
    }
}

flow!(
    /// Valid orders, added up per customer: what `run_collect` returns in the tests.
    pub CustomerTotals: valid_orders -> totals
);

flow!(
    /// The same, printed.
    pub PrintTotals: valid_orders -> totals -> print_totals
);
