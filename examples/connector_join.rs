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
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
struct StuScore12 {
    stu_id: i64,
    score_1: i64,
    score_2: i64,
}

#[derive(Debug, Clone, Deserialize)]
struct StuScore3 {
    stu_id: i64,
    score_3: i64,
}

#[derive(Debug, Clone)]
struct StuScore3Avg12 {
    stu_id: i64,
    score_3: i64,
    avg_score_1_2: f64,
}

/// Go's one `VerifyStu` reads only `stu_id` from whatever rows it gets. A Rust function takes one
/// row type, so each flow has its own, sharing this check: abort on an invalid id, else hand the
/// input on.
fn verify(ctx: &FlowCtx, mut ids: impl Iterator<Item = i64>) -> kisflow::Result<()> {
    if ids.any(|id| !(0..1000).contains(&id)) {
        ctx.abort();
        return Ok(());
    }
    ctx.data_reuse()
}

#[kis_function(mode = "Verify", name = "VerifyStu12", actions(data_reuse))]
fn verify_stu12(ctx: &FlowCtx, rows: Vec<StuScore12>) -> kisflow::Result<Vec<StuScore12>> {
    verify(ctx, rows.iter().map(|r| r.stu_id))?;
    Ok(Vec::new())
}

#[kis_function(mode = "Verify", name = "VerifyStu3", actions(data_reuse))]
fn verify_stu3(ctx: &FlowCtx, rows: Vec<StuScore3>) -> kisflow::Result<Vec<StuScore3>> {
    verify(ctx, rows.iter().map(|r| r.stu_id))?;
    Ok(Vec::new())
}

#[allow(clippy::cast_precision_loss)] // scores are small
#[kis_function(mode = "Calculate", name = "AvgStuScore12")]
fn avg_stu_score12(rows: Vec<StuScore12>) -> Vec<StuAvg> {
    let avg = |r: &StuScore12| (r.score_1 + r.score_2) as f64 / 2.0;
    rows.iter()
        .map(|r| StuAvg {
            stu_id: r.stu_id,
            avg_score: avg(r),
        })
        .collect()
}

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
        let Some(avg) = saved.get("avg_score") else {
            let message = format!("avg_score not found for stuId: {}", r.stu_id);
            return Err(kisflow::Error::msg(message));
        };
        out.push(StuScore3Avg12 {
            stu_id: r.stu_id,
            score_3: r.score_3,
            avg_score_1_2: avg.parse().map_err(kisflow::Error::msg)?,
        });
    }
    Ok(out)
}

#[allow(clippy::cast_precision_loss)] // scores are small
#[kis_function(mode = "Calculate", name = "AvgStuScore3")]
fn avg_stu_score3(rows: Vec<StuScore3Avg12>) -> Vec<StuAvg> {
    let avg = |r: &StuScore3Avg12| (r.score_3 as f64 + r.avg_score_1_2 * 2.0) / 3.0;
    rows.iter()
        .map(|r| StuAvg {
            stu_id: r.stu_id,
            avg_score: avg(r),
        })
        .collect()
}

/// Shared by both flows, which both end in averages; the context says which flow called.
#[kis_function(mode = "Expand", name = "PrintStuAvgScore")]
fn print_stu_avg_score(ctx: &FlowCtx, rows: Vec<StuAvg>) {
    println!("->Call Func PrintStuAvgScore, in Flow[{}]", ctx.flow_name());
    for r in rows {
        println!("{r}");
    }
}

flow!(CalStuAvgScore12: verify_stu12 -> avg_stu_score12 -> save_score_avg12 -> print_stu_avg_score);
flow!(CalStuAvgScore3: verify_stu3 -> load_score_avg12 -> avg_stu_score3 -> print_stu_avg_score);

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
