use kisflow::prelude::*;

#[kis_function(mode = "Verify")]
fn keep_valid(rows: Vec<i64>) -> Vec<i64> {
    rows.into_iter().filter(|n| *n >= 0).collect()
}

#[kis_function(mode = "Calculate")]
fn to_text(rows: Vec<i64>) -> Vec<String> {
    rows.iter().map(i64::to_string).collect()
}

#[kis_function(mode = "Expand")]
fn print_text(rows: Vec<String>) {
    println!("{rows:?}");
}

#[kis_function(mode = "Save")]
fn save(rows: Vec<i64>) {
    drop(rows);
}

// Branches of one function or a chain, with params, a trailing comma and paths.
flow!(
    /// Prints the valid numbers and saves them.
    Fanned: keep_valid -> [
        self::to_text -> print_text,
        save(table = "numbers"),
    ]
);

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut flow = Fanned::new();
    flow.commit_batch([1, -2, 3]).unwrap();
    // The first branch ends in a sink, so there are no rows to give back.
    let rows: Vec<kisflow::NoRows> = flow.run_collect().await.unwrap();
    assert!(rows.is_empty());
}
