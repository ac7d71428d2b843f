//! kis-flow-usage example 10: a flow that runs once a second, with Prometheus metrics served on
//! kisflow's own `/metrics` listener while it runs.
//!
//! `cargo run -p kisflow-examples --example metrics -- --seconds 10 --serve 127.0.0.1:20004`,
//! then `curl http://127.0.0.1:20004/metrics` while it runs. `RUST_LOG=kisflow=debug` shows the
//! spans and the rows of each layer.

use std::time::Duration;

use kisflow::metrics::{MetricsConfig, init};
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

#[kis_function(mode = "Expand", name = "PrintStuAvgScore")]
fn print_stu_avg_score(rows: Vec<StuAvg>) {
    for r in rows {
        println!("{r}");
    }
}

flow!(CalStuAvgScore: verify_stu -> avg_stu_score -> print_stu_avg_score);

const USAGE: &str = "usage: metrics [--seconds N] [--tick-ms MS] [--serve ADDR]

Runs CalStuAvgScore every MS milliseconds (1000) for N seconds (10), serving its metrics at
http://ADDR/metrics (127.0.0.1:20004), then prints the run counts.";

fn arg(name: &str) -> Option<String> {
    std::env::args().skip_while(|a| a != name).nth(1)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    if std::env::args().any(|a| a == "--help" || a == "-h") {
        println!("{USAGE}");
        return Ok(());
    }
    // The library never installs a subscriber; a program does.
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let seconds: i64 = arg("--seconds").map_or(Ok(10), |s| s.parse())?;
    let tick_ms: i64 = arg("--tick-ms").map_or(Ok(1000), |s| s.parse())?;
    let tick = Duration::from_millis(tick_ms.max(1).unsigned_abs());
    let config = MetricsConfig {
        prometheus_enable: true,
        prometheus_listen: true,
        prometheus_serve: arg("--serve").unwrap_or_else(|| "127.0.0.1:20004".into()),
    };
    let server = init(&config)
        .await?
        .expect("listening, as prometheus_listen is on");
    println!(
        "serving http://{}/metrics for {seconds} s",
        server.local_addr()
    );

    let mut flow = CalStuAvgScore::new();
    let runs = seconds * 1000 / tick_ms.max(1);
    for i in 0..runs {
        // stu_id rises from 995, so VerifyStu starts dropping rows after a few runs.
        flow.commit(StuScore {
            stu_id: 995 + i,
            score_1: 100,
            score_2: 90,
            score_3: 80,
        })?;
        flow.run().await?;
        tokio::time::sleep(tick).await;
    }

    // Series order in the encoding is not fixed; sorted, the summary is the same every time.
    let text = kisflow::Metrics::global().encode();
    let mut counts: Vec<&str> = text
        .lines()
        .filter(|line| {
            line.contains("schedule_cnts_total{") || line.starts_with("kisflow_data_total")
        })
        .collect();
    counts.sort_unstable();
    for line in counts {
        println!("{line}");
    }
    server.shutdown().await;
    Ok(())
}
