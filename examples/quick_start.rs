//! Go KisFlow's quick start in kisflow: average three scores per student and print them.
//!
//! Run it with `cargo run -p kisflow-examples --example quick_start`. The code below is the quick
//! start exactly as the README shows it.

// The quick start keeps Go KisFlow's shapes: async handlers with nothing to await, and an integer
// sum turned into a float average.
#![allow(clippy::unused_async, clippy::cast_precision_loss)]

use kisflow::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
struct StuScore {
    stu_id: i64,
    score_1: i64,
    score_2: i64,
    score_3: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct StuAvg {
    stu_id: i64,
    avg_score: f64,
}

#[kis_function(mode = "Calculate", name = "AvgStuScore")]
async fn avg_stu_score(rows: Vec<StuScore>) -> kisflow::Result<Vec<StuAvg>> {
    Ok(rows
        .into_iter()
        .map(|r| StuAvg {
            stu_id: r.stu_id,
            avg_score: (r.score_1 + r.score_2 + r.score_3) as f64 / 3.0,
        })
        .collect())
}

#[kis_function(mode = "Expand", name = "PrintStuAvgScore")]
async fn print_stu_avg_score(_ctx: &FlowCtx, rows: Vec<StuAvg>) -> kisflow::Result<()> {
    for r in rows {
        println!("stuid: [{}], avg score: [{}]", r.stu_id, r.avg_score);
    }
    Ok(())
}

flow!(CalStuAvgScore: avg_stu_score -> print_stu_avg_score);

#[tokio::main]
async fn main() -> kisflow::Result<()> {
    let mut flow = CalStuAvgScore::new();
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
