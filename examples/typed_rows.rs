//! kis-flow-usage example 9: each function with row types of its own, converted from one to the
//! next in plain Rust.
//!
//! Run it with `cargo run -p kisflow-examples --example typed_rows`.
//!
//! In Go each function declares its own input struct embedding a shared one, and KisFlow converts
//! between them through JSON at every step, at run time. Here JSON is decoded once, when a row is
//! committed; between functions rows are typed values, converted with `TryFrom`/`From` where the
//! types differ, and `flow!` checks at compile time that each function emits what the next takes.

use kisflow::prelude::*;
// `StuScore` is a row as committed: anything the JSON says. `StuAvg` is what `AvgStuScore` emits.
use kisflow_examples::{StuAvg, StuScore};

/// A row that passed verification. Its field is private to this conversion, so a `VerifiedStu`
/// cannot be made any other way, and `AvgStuScore`, which takes only these, never sees an
/// unchecked row: a flow without `VerifyStu` in front of it does not compile.
#[derive(Debug, Clone)]
struct VerifiedStu(StuScore);

impl TryFrom<StuScore> for VerifiedStu {
    type Error = i64;

    fn try_from(row: StuScore) -> Result<Self, i64> {
        if row.has_valid_id() {
            Ok(Self(row))
        } else {
            Err(row.stu_id)
        }
    }
}

/// Only a verified row averages.
impl From<VerifiedStu> for StuAvg {
    fn from(VerifiedStu(row): VerifiedStu) -> Self {
        Self::from(row)
    }
}

#[kis_function(mode = "Verify", name = "VerifyStu")]
fn verify_stu(ctx: &FlowCtx, rows: Vec<StuScore>) -> Vec<VerifiedStu> {
    for key in ["school", "country"] {
        println!("{key} = {}", ctx.param(key).unwrap_or_default());
    }
    // Rows with an invalid id (1001 below) are dropped here.
    rows.into_iter()
        .filter_map(|row| VerifiedStu::try_from(row).ok())
        .collect()
}

#[kis_function(mode = "Calculate", name = "AvgStuScore")]
fn avg_stu_score(rows: Vec<VerifiedStu>) -> Vec<StuAvg> {
    rows.into_iter().map(StuAvg::from).collect()
}

#[kis_function(mode = "Expand", name = "PrintStuAvgScore")]
fn print_stu_avg_score(rows: Vec<StuAvg>) {
    for r in rows {
        println!("{r}");
    }
}

flow!(CalStuAvgScore:
    verify_stu(school = "TsingHua", country = "China") -> avg_stu_score -> print_stu_avg_score);

#[tokio::main]
async fn main() -> kisflow::Result<()> {
    let mut flow = CalStuAvgScore::new();
    flow.commit_json(r#"{"stu_id":101, "score_1":100, "score_2":90, "score_3":80}"#)?;
    flow.commit_json(r#"{"stu_id":1001, "score_1":100, "score_2":70, "score_3":60}"#)?;
    flow.run().await?;
    Ok(())
}
