use kisflow::prelude::*;

struct Total { sum: u64 }

#[kis_function(mode = "Calculate")]
fn total(rows: Vec<u64>) -> Vec<Total> {
    vec![Total { sum: rows.iter().sum() }]
}

flow!(Totals: total);

#[tokio::main]
async fn main() -> kisflow::Result<()> {
    let mut flow = Totals::new();
    // The flow ends in `total`, which emits `Total` rows, not numbers.
    let sums: Vec<u64> = flow.run_collect().await?;
    let _ = sums;
    Ok(())
}
