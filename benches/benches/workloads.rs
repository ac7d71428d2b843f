//! Criterion benches of the workloads in docs/BENCHMARKS.md, each beside its hand-written
//! baseline: `cargo bench -p kisflow-bench`.

use std::time::Instant;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use kisflow_bench::{Grades, baseline, baseline_json, json_rows, rows};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a tokio runtime")
}

/// W1: typed rows, one batch of 1000 per run.
fn typed_batches(c: &mut Criterion) {
    let rt = runtime();
    let batch = rows(1000, 1);
    let mut group = c.benchmark_group("w1_typed_batch_1000");
    group.throughput(Throughput::Elements(batch.len() as u64));
    group.bench_function("kisflow", |b| {
        b.to_async(&rt).iter_batched(
            || (Grades::new(), batch.clone()),
            |(mut flow, batch)| async move {
                flow.commit_batch(batch).unwrap();
                flow.run().await.unwrap();
                flow
            },
            BatchSize::SmallInput,
        );
    });
    group.bench_function("hand_written", |b| {
        b.iter_batched(|| batch.clone(), baseline, BatchSize::SmallInput);
    });
    group.finish();
}

/// W2: the same rows as JSON texts.
fn json_batches(c: &mut Criterion) {
    let rt = runtime();
    let texts = json_rows(&rows(1000, 2));
    let mut group = c.benchmark_group("w2_json_batch_1000");
    group.throughput(Throughput::Elements(texts.len() as u64));
    group.bench_function("kisflow", |b| {
        b.to_async(&rt).iter_batched(
            Grades::new,
            |mut flow| {
                let texts = &texts;
                async move {
                    for text in texts {
                        flow.commit_json(text).unwrap();
                    }
                    flow.run().await.unwrap();
                    flow
                }
            },
            BatchSize::SmallInput,
        );
    });
    group.bench_function("hand_written", |b| {
        b.iter(|| baseline_json(&texts).unwrap());
    });
    group.finish();
}

/// W3: one row per run, the per-run overhead.
fn single_rows(c: &mut Criterion) {
    let rt = runtime();
    let row = rows(1, 3)[0];
    let mut group = c.benchmark_group("w3_one_row_per_run");
    group.throughput(Throughput::Elements(1));
    group.bench_function("kisflow", |b| {
        // One instance reused across runs, as a long-lived source would use it.
        b.to_async(&rt).iter_custom(|iters| async move {
            let mut flow = Grades::new();
            let start = Instant::now();
            for _ in 0..iters {
                flow.commit(row).unwrap();
                flow.run().await.unwrap();
            }
            start.elapsed()
        });
    });
    group.bench_function("kisflow_block_on_per_run", |b| {
        // From synchronous code, as a blocking source's loop calls it: tokio's `block_on` per run.
        let mut flow = Grades::new();
        b.iter(|| {
            flow.commit(row).unwrap();
            rt.block_on(flow.run()).unwrap();
        });
    });
    group.bench_function("hand_written", |b| b.iter(|| baseline(vec![row])));
    group.finish();
}

criterion_group!(benches, typed_batches, json_batches, single_rows);
criterion_main!(benches);
