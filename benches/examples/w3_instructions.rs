//! Workloads under `valgrind --tool=callgrind`: instructions per run, which, unlike time, do not
//! change with what else the machine is doing. `bash benches/instructions.sh` runs it.
//!
//! Arguments: `kisflow`, `metrics` (kisflow recording metrics), `baseline`, `json` (kisflow
//! committing JSON texts, W2) or `json-baseline`, then the number of runs, then the rows per run
//! (1 for W3, 1000 for W1 and W2).

use kisflow::Metrics;
use kisflow_bench::{Grades, baseline, baseline_json, json_rows, rows};

fn main() {
    let mut args = std::env::args().skip(1);
    let which = args.next().unwrap_or_else(|| "kisflow".to_owned());
    let runs: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(10_000);
    let batch: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(1);
    let input = rows(runs * batch, 7);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime needs no resources that can be missing");
    if which == "baseline" {
        for chunk in input.chunks(batch) {
            baseline(chunk.to_vec());
        }
        return;
    }
    if which.starts_with("json") {
        let texts = json_rows(&input);
        if which == "json-baseline" {
            for chunk in texts.chunks(batch) {
                baseline_json(chunk).expect("the workload's rows decode");
            }
            return;
        }
        let mut flow = Grades::new();
        rt.block_on(async {
            for chunk in texts.chunks(batch) {
                for text in chunk {
                    flow.commit_json(text.as_str())
                        .expect("the workload's rows decode");
                }
                flow.run()
                    .await
                    .expect("the workload's functions never fail");
            }
        });
        return;
    }
    let metrics = Metrics::new();
    let mut flow = Grades::new();
    if which == "metrics" {
        flow = flow.with_metrics(&metrics);
    }
    rt.block_on(async {
        for chunk in input.chunks(batch) {
            flow.commit_batch(chunk.to_vec())
                .expect("typed commits cannot fail");
            flow.run()
                .await
                .expect("the workload's functions never fail");
        }
    });
}
