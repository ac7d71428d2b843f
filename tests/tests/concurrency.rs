//! Separate flow instances run at once on a multi-thread runtime without seeing each other's rows.

use std::collections::BTreeMap;
use std::sync::Mutex;

use kisflow::prelude::*;

/// Sum of the rows each flow instance saw, by flow id.
static SUMS: Mutex<BTreeMap<String, (u64, usize)>> = Mutex::new(BTreeMap::new());

#[kis_function(mode = "Calculate")]
async fn double(rows: Vec<u64>) -> Vec<u64> {
    // Yield so instances interleave on the runtime's threads.
    tokio::task::yield_now().await;
    rows.into_iter().map(|n| n * 2).collect()
}

#[kis_function(mode = "Expand")]
async fn record(ctx: &FlowCtx, rows: Vec<u64>) {
    tokio::task::yield_now().await;
    let mut sums = SUMS.lock().unwrap();
    let entry = sums.entry(ctx.flow_id().to_owned()).or_default();
    entry.0 += rows.iter().sum::<u64>();
    entry.1 += rows.len();
}

flow!(Doubler: double -> record);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_instances_never_mix_rows() {
    let mut tasks = Vec::new();
    for instance in 0..32u64 {
        tasks.push(tokio::spawn(async move {
            let mut flow = Doubler::new();
            let id = flow.id().to_owned();
            for run in 0..10u64 {
                // Each instance commits numbers only it uses: instance * 1000 + run * 10 + i.
                flow.commit_batch((0..5).map(|i| instance * 1000 + run * 10 + i))
                    .unwrap();
                flow.run().await.unwrap();
            }
            (instance, id)
        }));
    }
    let sums = {
        let mut done = Vec::new();
        for task in tasks {
            done.push(task.await.unwrap());
        }
        done
    };
    let recorded = SUMS.lock().unwrap();
    for (instance, id) in sums {
        let expected: u64 = (0..10u64)
            .flat_map(|run| (0..5).map(move |i| 2 * (instance * 1000 + run * 10 + i)))
            .sum();
        assert_eq!(
            recorded[&id],
            (expected, 50),
            "instance {instance} saw exactly its own rows"
        );
    }
}
