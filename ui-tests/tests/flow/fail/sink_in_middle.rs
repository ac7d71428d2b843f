use kisflow::prelude::*;

#[kis_function(mode = "Expand")]
fn print(rows: Vec<i64>) {
    println!("{rows:?}");
}

#[kis_function(mode = "Calculate")]
fn double(rows: Vec<i64>) -> Vec<i64> {
    rows.into_iter().map(|n| n * 2).collect()
}

flow!(PrintThenDouble: print -> double);

#[tokio::main]
async fn main() {
    // Using the flow adds no error of its own.
    let _ = PrintThenDouble::new().run().await;
}
