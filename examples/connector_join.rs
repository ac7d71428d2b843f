//! kis-flow-usage example 8: two flows joined through one connector. The first averages scores 1
//! and 2 and saves them; the second loads that average and folds score 3 into it.
//!
//! Run it with `cargo run -p kisflow-examples --example connector_join`. Go's example needs a
//! Redis server; this one uses kisflow's in-memory key-value connector, which has the same hash
//! commands, so it runs anywhere.
//!
//! Go runs the two flows at once in two goroutines, so the second may look for an average before
//! the first saved it and panic. Here the second runs after the first.

use kisflow::prelude::*;
use kisflow::{ConnConfig, Connector, MemoryKv};
use kisflow_examples::StuAvg;

#[path = "usage8/mod.rs"]
mod usage8;
use usage8::{StuScore3, StuScore3Avg12};

/// Saves each average under `<key prefix><stu_id>`, then hands its input on to the printer.
#[kis_function(
    mode = "Save",
    name = "SaveScoreAvg12",
    conn = "Score12Cache",
    actions(data_reuse)
)]
fn save_score_avg12(ctx: &FlowCtx, rows: Vec<StuAvg>) -> kisflow::Result<Vec<StuAvg>> {
    let conn = ctx.connector()?;
    let kv = conn.client::<MemoryKv>()?;
    for r in &rows {
        let key = format!("{}{}", conn.config().key, r.stu_id);
        kv.hset(key, "avg_score", r.avg_score.to_string())?;
    }
    ctx.data_reuse()?;
    Ok(Vec::new())
}

#[kis_function(mode = "Load", name = "LoadScoreAvg12", conn = "Score12Cache")]
fn load_score_avg12(ctx: &FlowCtx, rows: Vec<StuScore3>) -> kisflow::Result<Vec<StuScore3Avg12>> {
    let conn = ctx.connector()?;
    let kv = conn.client::<MemoryKv>()?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let saved = kv.hgetall(&format!("{}{}", conn.config().key, r.stu_id))?;
        out.push(usage8::joined(&r, saved.get("avg_score"))?);
    }
    Ok(out)
}

flow!(CalStuAvgScore12: usage8::verify_stu12 -> usage8::avg_stu_score12 -> save_score_avg12 -> usage8::print_stu_avg_score);
flow!(CalStuAvgScore3: usage8::verify_stu3 -> load_score_avg12 -> usage8::avg_stu_score3 -> usage8::print_stu_avg_score);

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // One connector, given to both flows: they share its client, so flow 3 loads what flow 12
    // saved. Go makes a Redis client per function instead.
    let cache = Connector::memory_kv(ConnConfig::new("Score12Cache").key("stu_score12_avg_"));

    let mut flow12 = CalStuAvgScore12::new().with_connector(&cache)?;
    flow12.commit_json(r#"{"stu_id":101, "score_1":100, "score_2":90}"#)?;
    flow12.commit_json(r#"{"stu_id":102, "score_1":100, "score_2":80}"#)?;
    flow12.run().await?;

    let mut flow3 = CalStuAvgScore3::new().with_connector(&cache)?;
    flow3.commit_json(r#"{"stu_id":101, "score_3": 80}"#)?;
    flow3.commit_json(r#"{"stu_id":102, "score_3": 70}"#)?;
    flow3.run().await?;

    println!("saved: {:?}", cache.client::<MemoryKv>()?.keys());

    // A student flow 12 never saw: the Load function fails, and the error names flow and function.
    flow3.commit_json(r#"{"stu_id":103, "score_3": 90}"#)?;
    let err = flow3.run().await.expect_err("103 has no saved average");
    println!("{}", err.chain());
    Ok(())
}
