use kisflow::prelude::*;

#[kis_function(mode = "Verify")]
fn keep_valid(rows: Vec<i64>) -> Vec<i64> {
    rows
}

#[kis_function(mode = "Calculate")]
fn double(rows: Vec<i64>) -> Vec<i64> {
    rows
}

#[kis_function(mode = "Expand")]
fn print_text(rows: Vec<String>) {
    println!("{rows:?}");
}

#[kis_function(mode = "Expand")]
fn print_number(rows: Vec<i64>) {
    println!("{rows:?}");
}

// The edge into the second branch is wrong: the error is at that branch's first function.
flow!(IntoBranch: keep_valid -> [double, print_text]);

// The edge inside a branch is wrong: the error is at the function after it.
flow!(InBranch: keep_valid -> [double -> print_text, print_number]);

// A sink cannot feed branches: one error for each branch it would feed.
flow!(SinkPoint: print_number -> [double, keep_valid]);

#[tokio::main]
async fn main() {
    // Using the flows adds no error of its own.
    let _ = IntoBranch::new().run().await;
    let _ = InBranch::new().run().await;
    let _ = SinkPoint::new().run().await;
}
