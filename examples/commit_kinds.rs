//! kis-flow-usage example 3: every way to commit source rows to a flow, then one run over them all.
//!
//! Run it with `cargo run -p kisflow-examples --example commit_kinds`. It prints the eleven averages
//! in commit order, as Go's example does.
//!
//! Go's `CommitRow` and `CommitRowBatch` take anything and decode it when the run reaches the
//! first function. Here JSON is decoded when it is committed, into the first function's input
//! type, and typed rows need no decoding at all; the handler only ever sees `StuScore` values.

use kisflow::prelude::*;
use kisflow_examples::{StuAvg, StuScore};

#[kis_function(mode = "Calculate", name = "AvgStuScore")]
fn avg_stu_score(rows: Vec<StuScore>) -> Vec<StuAvg> {
    rows.into_iter().map(StuAvg::from).collect()
}

#[kis_function(mode = "Expand", name = "PrintStuAvgScore")]
fn print_stu_avg_score(rows: Vec<StuAvg>) {
    for r in rows {
        println!("{r}");
    }
}

flow!(CalStuAvgScore: avg_stu_score -> print_stu_avg_score);

#[tokio::main]
async fn main() -> kisflow::Result<()> {
    let mut flow = CalStuAvgScore::new();

    // One JSON text at a time (Go: `CommitRow(string)`).
    flow.commit_json(r#"{"stu_id":101, "score_1":100, "score_2":90, "score_3":80}"#)?;
    flow.commit_json(r#"{"stu_id":102, "score_1":100, "score_2":70, "score_3":60}"#)?;

    // A batch of JSON texts (Go: `CommitRowBatch([]string)`). Each text is decoded on its own,
    // so a bad one is reported with its position and the rows before it stay committed.
    let texts = [
        r#"{"stu_id":103, "score_1":100, "score_2":90, "score_3":80}"#,
        r#"{"stu_id":104, "score_1":100, "score_2":70, "score_3":60}"#,
        r#"{"stu_id":105, "score_1":80, "score_2":50, "score_3":50}"#,
    ];
    for text in texts {
        flow.commit_json(text)?;
    }

    // A typed row (Go: `CommitRow(struct)`): no JSON involved.
    flow.commit(StuScore::new(106, 80, 81, 82))?;

    // Go also commits a pointer to a struct. Rows are owned values here, so the Rust counterpart
    // is a `serde_json::Value`, the other form `commit_json` takes, e.g. a row built in code.
    flow.commit_json(
        serde_json::json!({"stu_id": 107, "score_1": 82, "score_2": 83, "score_3": 84}),
    )?;

    // A `Vec` of typed rows (Go: `CommitRowBatch([]struct)`).
    flow.commit_batch(vec![
        StuScore::new(108, 82, 83, 84),
        StuScore::new(109, 82, 83, 84),
    ])?;

    // Any iterator works as a batch (Go: `CommitRowBatch([]*struct)`); 110 twice, as in Go.
    flow.commit_batch(std::iter::repeat_n(StuScore::new(110, 82, 83, 84), 2))?;

    // One run takes all eleven rows, in commit order.
    flow.run().await?;
    Ok(())
}
