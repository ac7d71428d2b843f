//! kis-flow-usage example 6: a flow and its fork running at the same time, in two tokio tasks.
//!
//! Run it with `cargo run -p kisflow-examples --example concurrent_flows`.
//!
//! One flow instance runs one batch at a time (`run` takes `&mut self`); to run in parallel, fork
//! it once per task. Instances are `Send + 'static`, so a task can own one and hand it back when
//! done. Go's example prints from both goroutines as they go, so its lines interleave at random;
//! here each instance keeps its report in its own flow metadata and `main` prints both reports
//! after joining, so the output is the same every time.

use kisflow::prelude::*;
use kisflow_examples::{StuAvg, StuScore};

#[kis_function(mode = "Verify", name = "VerifyStu")]
fn verify_stu(rows: Vec<StuScore>) -> Vec<StuScore> {
    rows.into_iter().filter(StuScore::has_valid_id).collect()
}

#[kis_function(mode = "Calculate", name = "AvgStuScore")]
fn avg_stu_score(rows: Vec<StuScore>) -> Vec<StuAvg> {
    rows.into_iter().map(StuAvg::from).collect()
}

/// Appends its lines to the flow instance's metadata instead of printing them at once.
#[kis_function(mode = "Expand", name = "PrintStuAvgScore")]
fn print_stu_avg_score(ctx: &FlowCtx, rows: Vec<StuAvg>) -> kisflow::Result<()> {
    ctx.flow_metadata()
        .update("report", |report: Option<Vec<String>>| {
            let mut report = report.unwrap_or_default();
            report.extend(rows.iter().map(StuAvg::to_string));
            report
        })?;
    Ok(())
}

flow!(CalStuAvgScore: verify_stu -> avg_stu_score -> print_stu_avg_score);

/// Commits two rows, one of them invalid, and runs them in a task of its own.
fn spawn_run(
    mut flow: Flow<CalStuAvgScore>,
    valid_id: i64,
    invalid_id: i64,
) -> tokio::task::JoinHandle<kisflow::Result<Flow<CalStuAvgScore>>> {
    tokio::spawn(async move {
        flow.commit_json(serde_json::json!(
            {"stu_id": valid_id, "score_1": 100, "score_2": 90, "score_3": 80}
        ))?;
        flow.commit_json(serde_json::json!(
            {"stu_id": invalid_id, "score_1": 100, "score_2": 70, "score_3": 60}
        ))?;
        flow.run().await?;
        Ok(flow)
    })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let flow = CalStuAvgScore::new();
    let fork = flow.fork();

    // Both runs are under way before either is awaited.
    let first = spawn_run(flow, 101, 1001);
    let second = spawn_run(fork, 201, 2001);
    let (first, second) = (first.await??, second.await??);

    for flow in [&first, &second] {
        for line in flow
            .metadata()
            .get::<Vec<String>>("report")?
            .unwrap_or_default()
        {
            println!("{line}");
        }
    }
    println!("All flows completed.");
    Ok(())
}
