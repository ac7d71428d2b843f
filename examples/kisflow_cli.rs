//! The `kisflow` command line embedded in a program, so that it knows the program's functions:
//! `validate`, `list`, `export`, `run` and `schema` (see `kisflow::cli`).
//!
//! ```sh
//! cargo run -p kisflow-examples --bin kisflow-demo -- list
//! cargo run -p kisflow-examples --bin kisflow-demo -- validate examples/kisflow_cli/conf
//! echo '{"stu_id":101,"score_1":100,"score_2":90,"score_3":80}' |
//!     cargo run -p kisflow-examples --bin kisflow-demo -- run AvgScores
//! ```
//!
//! `conf/flow-ScoreReport.yml` is a YAML flow that ends in two branches, each with its own sink:
//!
//! ```sh
//! echo '{"stu_id":101,"score_1":100,"score_2":90,"score_3":80}' |
//!     cargo run -p kisflow-examples --bin kisflow-demo -- run ScoreReport --config examples/kisflow_cli/conf
//! ```
//!
//! `examples/tests/cli.rs` runs this binary as a process and checks its output and exit codes.

use kisflow::prelude::*;
use kisflow_examples::{StuAvg, StuScore};

#[kis_function(mode = "Verify", name = "VerifyStu", params(max_id = "999"))]
fn verify_stu(ctx: &FlowCtx, rows: Vec<StuScore>) -> Vec<StuScore> {
    let max_id: i64 = ctx
        .param("max_id")
        .and_then(|n| n.parse().ok())
        .unwrap_or(999);
    rows.into_iter()
        .filter(|r| (0..=max_id).contains(&r.stu_id))
        .collect()
}

#[kis_function(mode = "Calculate", name = "AvgStuScore")]
fn avg_stu_score(rows: Vec<StuScore>) -> Vec<StuAvg> {
    rows.into_iter().map(StuAvg::from).collect()
}

#[kis_function(mode = "Expand", name = "PrintStuAvgScore")]
fn print_stu_avg_score(rows: Vec<StuAvg>) {
    for row in rows {
        println!("{row}");
    }
}

#[kis_function(mode = "Verify", name = "TopStudents", params(min_avg: f64 = 85.0))]
fn top_students(ctx: &FlowCtx, rows: Vec<StuAvg>) -> kisflow::Result<Vec<StuAvg>> {
    let min_avg: f64 = ctx.param_as("min_avg")?;
    Ok(rows
        .into_iter()
        .filter(|r| r.avg_score >= min_avg)
        .collect())
}

#[kis_function(mode = "Expand", name = "PrintHonourRoll")]
fn print_honour_roll(rows: Vec<StuAvg>) {
    for row in rows {
        println!("honour roll: {row}");
    }
}

flow!(CalStuAvgScore: verify_stu -> avg_stu_score -> print_stu_avg_score);
flow!(AvgScores: verify_stu -> avg_stu_score);

fn main() -> std::process::ExitCode {
    kisflow::cli::main()
}
