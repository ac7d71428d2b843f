//! kis-flow-usage example 2: the quick start with its flow in YAML instead of `flow!`.
//!
//! The two functions are registered with `#[kis_function]` as in the quick start; the flow that
//! chains them, and the functions' modes and sources, come from the files in
//! `examples/quick_start_with_config/conf/`. A [`Pool`] checks that config against the
//! registered functions and hands out the flow by name.
//!
//! Run it with `cargo run -p kisflow-examples --example quick_start_with_config`. It prints the
//! quick start's two lines.

// The quick start keeps Go KisFlow's shapes: async handlers with nothing to await.
#![allow(clippy::unused_async)]

use kisflow::Pool;
use kisflow::config::Config;
use kisflow::prelude::*;
use kisflow_examples::{StuAvg, StuScore};

// `name` is what the YAML's `fname` refers to.
#[kis_function(mode = "Calculate", name = "AvgStuScore")]
async fn avg_stu_score(rows: Vec<StuScore>) -> kisflow::Result<Vec<StuAvg>> {
    Ok(rows.into_iter().map(StuAvg::from).collect())
}

#[kis_function(mode = "Expand", name = "PrintStuAvgScore")]
async fn print_stu_avg_score(_ctx: &FlowCtx, rows: Vec<StuAvg>) -> kisflow::Result<()> {
    for r in rows {
        println!("{r}");
    }
    Ok(())
}

#[tokio::main]
async fn main() -> kisflow::Result<()> {
    // Built from the crate's own directory, so the example runs from any working directory.
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/quick_start_with_config/conf");

    // Mistakes are reported before any row moves, every one at once, each at its
    // `file:line:column`: `Config::load` finds what is wrong in the files themselves (a misspelt
    // key or `fmode`, a missing `flow_name`), and `Pool::new` what does not fit the program (an
    // `fname` no `#[kis_function]` registers, a mode that disagrees with the registered one, rows
    // that do not fit between two functions). `?` hands the error to `main`, which prints it.
    let pool = Pool::new(Config::load(dir)?)?;

    // The flow's row types are known only at run time here, so rows go in as JSON or as a typed
    // row checked against the first function's input type.
    let mut flow = pool.flow("CalStuAvgScore")?;
    flow.commit_json(r#"{"stu_id":101,"score_1":100,"score_2":90,"score_3":80}"#)?;
    flow.commit(StuScore {
        stu_id: 102,
        score_1: 100,
        score_2: 70,
        score_3: 60,
    })?;
    flow.run().await?;
    Ok(())
}
