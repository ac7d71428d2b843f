//! kis-flow-usage example 4: what a function knows about itself: its name and mode, its default
//! params, and metadata it keeps across runs.
//!
//! Run it with `cargo run -p kisflow-examples --example function_params`. The flow runs three
//! times with no rows: `AvgStuScore` still runs each time (the first function always does) and
//! counts its runs, and `PrintStuAvgScore` never runs, because nothing is emitted.

use kisflow::prelude::*;
use kisflow_examples::{StuAvg, StuScore};

// Default params belong to the function (Go's `option.default_params`); a flow may override them
// with `flow!(F: avg_stu_score(school = "..."))`.
#[kis_function(
    mode = "Calculate",
    name = "AvgStuScore",
    params(school = "TsingHua", country = "China")
)]
fn avg_stu_score(ctx: &FlowCtx, rows: Vec<StuScore>) -> kisflow::Result<Vec<StuAvg>> {
    println!(
        "function: {} ({})",
        ctx.function_name(),
        ctx.function_mode()
    );
    for key in ["school", "country"] {
        println!(
            "function Params: {key} = {}",
            ctx.param(key).unwrap_or_default()
        );
    }

    // Function metadata belongs to this function in this flow instance and outlives each run;
    // `update` reads and writes it in one step.
    let runs = ctx
        .metadata()
        .update("num", |n: Option<u32>| n.map_or(1, |n| n + 1))?;
    println!("myTempNum = {runs}");

    Ok(rows.into_iter().map(StuAvg::from).collect())
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
    // Nothing committed: each run calls AvgStuScore with no rows, which emits none and so ends
    // the run there.
    for _ in 0..3 {
        flow.run().await?;
    }

    // The same metadata, read from outside through the function's context.
    let avg = flow.function_ctx(0).expect("the flow has two functions");
    let runs = avg.metadata().get::<u32>("num")?.unwrap_or(0);
    println!("AvgStuScore ran {runs} times");
    Ok(())
}
