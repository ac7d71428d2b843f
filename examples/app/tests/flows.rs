//! The flows run on typed rows, and give their results back typed.

use my_flows::{CustomerTotal, CustomerTotals, Order};

#[tokio::test]
async fn totals_add_up_the_valid_orders_per_customer() -> kisflow::Result<()> {
    let mut flow = CustomerTotals::new();
    flow.commit(Order {
        customer: 7,
        qty: 3,
    })?;
    flow.commit(Order {
        customer: 8,
        qty: 0,
    })?;
    flow.commit_json(r#"{"customer": 7, "qty": 2}"#)?;
    let totals: Vec<CustomerTotal> = flow.run_collect().await?;
    assert_eq!(
        totals,
        [CustomerTotal {
            customer: 7,
            qty: 5
        }]
    );
    Ok(())
}
