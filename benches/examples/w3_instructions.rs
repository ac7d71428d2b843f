//! W3 under `valgrind --tool=callgrind`: instructions per one-row run, which, unlike time, does
//! not change with what else the machine is doing. `bash benches/instructions.sh` runs it.
//!
//! Arguments: `kisflow` or `baseline`, then the number of runs.

use kisflow_bench::{Grades, baseline, rows};

fn main() {
    let mut args = std::env::args().skip(1);
    let which = args.next().unwrap_or_else(|| "kisflow".to_owned());
    let runs: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(10_000);
    let input = rows(runs, 7);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime needs no resources that can be missing");
    match which.as_str() {
        "baseline" => {
            for row in &input {
                baseline(vec![*row]);
            }
        }
        _ => {
            let mut flow = Grades::new();
            rt.block_on(async {
                for row in &input {
                    flow.commit(*row).expect("typed commits cannot fail");
                    flow.run()
                        .await
                        .expect("the workload's functions never fail");
                }
            });
        }
    }
}
