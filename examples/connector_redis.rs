//! kis-flow-usage example 8 against a real Redis: two flows joined through one `type: redis`
//! connector. The first averages scores 1 and 2 and saves them (`HSET`); the second loads that
//! average (`HGETALL`) and folds score 3 into it.
//!
//! ```sh
//! cargo run -p kisflow-examples --example connector_redis -- --redis 127.0.0.1:6379
//! ```
//!
//! Its keys get a prefix of their own for each run (`stu_score12_avg_<pid>_<time>_`), removed at
//! the end, so runs against a shared server do not see each other. Both flows share the
//! connector's one connection (Go makes a client per function). A Redis that cannot be reached
//! fails the first run with an error naming the connector, and the example exits 1; a bad
//! argument exits 2 with its usage.

use std::time::{SystemTime, UNIX_EPOCH};

use kisflow::prelude::*;
use kisflow::{ConnConfig, Connector, RedisKv};
use kisflow_examples::StuAvg;

#[path = "usage8/mod.rs"]
mod usage8;
use usage8::{StuScore3, StuScore3Avg12};

const USAGE: &str = "usage: connector_redis [--redis HOST:PORT]   (default 127.0.0.1:6379)";

/// Saves each average under `<key prefix><stu_id>`, then hands its input on to the printer.
#[kis_function(
    mode = "Save",
    name = "SaveScoreAvg12",
    conn = "Score12Cache",
    actions(data_reuse)
)]
async fn save_score_avg12(ctx: &FlowCtx, rows: Vec<StuAvg>) -> kisflow::Result<Vec<StuAvg>> {
    let conn = ctx.connector()?;
    let kv = conn.client::<RedisKv>()?;
    for r in &rows {
        kv.hset(&r.stu_id.to_string(), "avg_score", &r.avg_score.to_string())
            .await?;
    }
    ctx.data_reuse()?;
    Ok(Vec::new())
}

#[kis_function(mode = "Load", name = "LoadScoreAvg12", conn = "Score12Cache")]
async fn load_score_avg12(
    ctx: &FlowCtx,
    rows: Vec<StuScore3>,
) -> kisflow::Result<Vec<StuScore3Avg12>> {
    let conn = ctx.connector()?;
    let kv = conn.client::<RedisKv>()?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let saved = kv.hgetall(&r.stu_id.to_string()).await?;
        out.push(usage8::joined(&r, saved.get("avg_score"))?);
    }
    Ok(out)
}

flow!(CalStuAvgScore12: usage8::verify_stu12 -> usage8::avg_stu_score12 -> save_score_avg12 -> usage8::print_stu_avg_score);
flow!(CalStuAvgScore3: usage8::verify_stu3 -> load_score_avg12 -> usage8::avg_stu_score3 -> usage8::print_stu_avg_score);

/// `--redis HOST:PORT`, or the default; `None` for anything else.
fn redis_address(args: &[String]) -> Option<String> {
    match args {
        [] => Some("127.0.0.1:6379".to_owned()),
        [flag, addr] if flag == "--redis" && !addr.is_empty() => Some(addr.clone()),
        _ => None,
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(addr) = redis_address(&args) else {
        eprintln!("{USAGE}");
        return std::process::ExitCode::from(2);
    };
    match run(&addr).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {}", err.chain());
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(addr: &str) -> kisflow::Result<()> {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let prefix = format!("stu_score12_avg_{}_{nanos}_", std::process::id());
    let cache = Connector::redis(
        ConnConfig::new("Score12Cache")
            .addrs(addr)
            .key(prefix.as_str()),
    );

    let mut flow12 = CalStuAvgScore12::new().with_connector(&cache)?;
    flow12.commit_json(r#"{"stu_id":101, "score_1":100, "score_2":90}"#)?;
    flow12.commit_json(r#"{"stu_id":102, "score_1":100, "score_2":80}"#)?;
    flow12.run().await?;

    let mut flow3 = CalStuAvgScore3::new().with_connector(&cache)?;
    flow3.commit_json(r#"{"stu_id":101, "score_3": 80}"#)?;
    flow3.commit_json(r#"{"stu_id":102, "score_3": 70}"#)?;
    flow3.run().await?;

    // A student flow 12 never saw: the Load function fails, and the error names flow and function.
    flow3.commit_json(r#"{"stu_id":103, "score_3": 90}"#)?;
    let err = flow3.run().await.expect_err("103 has no saved average");
    println!("{}", err.chain());

    let kv = cache.client::<RedisKv>()?;
    for stu_id in ["101", "102"] {
        kv.del(stu_id).await?;
    }
    Ok(())
}
