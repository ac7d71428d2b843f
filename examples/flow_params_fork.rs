//! kis-flow-usage example 5: a three-function flow whose declaration gives a function params, run
//! once, then forked and the fork run with other rows.
//!
//! Run it with `cargo run -p kisflow-examples --example flow_params_fork`.
//!
//! Go passes the params to `flow.Link` at run time; here they are part of the flow's declaration,
//! `verify_stu(school = "TsingHua")`, and merge with the function's own defaults: the flow's value
//! wins, defaults it does not mention still apply.

use kisflow::prelude::*;
use kisflow_examples::{StuAvg, StuScore};

#[kis_function(
    mode = "Verify",
    name = "VerifyStu",
    params(school = "unknown", country = "China")
)]
fn verify_stu(ctx: &FlowCtx, rows: Vec<StuScore>) -> Vec<StuScore> {
    // The flow's params in the order written, then the defaults it does not override.
    for (key, value) in ctx.params() {
        println!("{key} = {value}");
    }
    rows.into_iter().filter(StuScore::has_valid_id).collect()
}

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

flow!(CalStuAvgScore:
    verify_stu(school = "TsingHua") -> avg_stu_score -> print_stu_avg_score);

#[tokio::main]
async fn main() -> kisflow::Result<()> {
    let mut flow = CalStuAvgScore::new();
    flow.commit_json(r#"{"stu_id":101, "score_1":100, "score_2":90, "score_3":80}"#)?;
    flow.run().await?;

    // A fork is a fresh instance of the same declaration: same functions and params, new ids,
    // no rows, empty metadata and cache. Go rebuilds it from the flow's config; here the
    // declaration is static, so there is nothing to rebuild.
    let mut fork = flow.fork();
    println!("fork has its own id: {}", fork.id() != flow.id());
    fork.commit_json(r#"{"stu_id":102, "score_1":100, "score_2":70, "score_3":60}"#)?;
    fork.run().await?;
    Ok(())
}
