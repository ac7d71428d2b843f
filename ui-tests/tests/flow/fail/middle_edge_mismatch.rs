use kisflow::prelude::*;

#[kis_function(mode = "Verify")]
fn keep_valid(rows: Vec<i64>) -> Vec<i64> {
    rows
}

#[kis_function(mode = "Calculate")]
fn to_text(rows: Vec<i64>) -> Vec<String> {
    rows.iter().map(i64::to_string).collect()
}

#[kis_function(mode = "Calculate")]
fn halve(rows: Vec<f64>) -> Vec<f64> {
    rows.into_iter().map(|x| x / 2.0).collect()
}

#[kis_function(mode = "Expand")]
fn print(rows: Vec<f64>) {
    println!("{rows:?}");
}

flow!(FourSteps: keep_valid -> to_text -> halve -> print);

#[tokio::main]
async fn main() {
    // Using the flow adds no error of its own.
    let _ = FourSteps::new().run().await;
}
