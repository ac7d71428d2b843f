//! A branching flow: one trunk that checks and averages the scores, then two branches on the
//! same averages, each ending in its own sink: a report of every student, and an honour roll.
//!
//! Run it with `cargo run -p kisflow-examples --example dag_flow`. Each function prints
//! `->Call Func NAME` when called, so the output shows the order: the trunk, then each branch in
//! the order written, each on its own copy of the trunk's rows.

use kisflow::prelude::*;
use kisflow_examples::{StuAvg, StuScore};

#[kis_function(mode = "Verify", name = "VerifyStu")]
fn verify_stu(rows: Vec<StuScore>) -> Vec<StuScore> {
    println!("->Call Func VerifyStu");
    rows.into_iter().filter(StuScore::has_valid_id).collect()
}

#[kis_function(mode = "Calculate", name = "AvgStuScore")]
fn avg_stu_score(rows: Vec<StuScore>) -> Vec<StuAvg> {
    println!("->Call Func AvgStuScore");
    rows.into_iter().map(StuAvg::from).collect()
}

/// The first branch: every student's average.
#[kis_function(mode = "Expand", name = "PrintReport")]
fn print_report(rows: Vec<StuAvg>) {
    println!("->Call Func PrintReport");
    for row in rows {
        println!("report: {row}");
    }
}

/// The second branch keeps the best students (95 or more); when there are none it aborts, which ends this
/// branch only.
#[kis_function(mode = "Verify", name = "HonourRoll")]
fn honour_roll(ctx: &FlowCtx, rows: Vec<StuAvg>) -> Vec<StuAvg> {
    println!("->Call Func HonourRoll");
    let best: Vec<StuAvg> = rows.into_iter().filter(|r| r.avg_score >= 95.0).collect();
    if best.is_empty() {
        ctx.abort();
    }
    best
}

#[kis_function(mode = "Save", name = "SaveHonours")]
fn save_honours(rows: Vec<StuAvg>) {
    println!("->Call Func SaveHonours");
    for row in rows {
        println!("honour roll: {row}");
    }
}

flow!(
    /// Averages the valid students, then reports them all and saves the best.
    ScoreReport: verify_stu -> avg_stu_score -> [print_report, honour_roll -> save_honours]
);

#[tokio::main(flavor = "current_thread")]
async fn main() -> kisflow::Result<()> {
    let mut flow = ScoreReport::new();

    println!("== two students, one on the honour roll");
    flow.commit_batch([
        StuScore::new(101, 100, 90, 80),
        StuScore::new(102, 100, 95, 95),
        StuScore::new(-1, 100, 100, 100), // not a valid id: the trunk drops it
    ])?;
    flow.run().await?;

    println!("== nobody on the honour roll: that branch aborts, the report still runs");
    flow.commit(StuScore::new(103, 70, 60, 50))?;
    flow.run().await?;
    Ok(())
}
