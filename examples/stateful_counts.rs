//! Keyed state counted effectively once: a worker reads `{"key":"k17","value":3}` rows from a
//! Redis stream through a consumer group, keeps per key the count of rows and the sum of
//! `value` in keyed state, and after each batch writes `HSET <out> <key> "<count>,<sum>"` for
//! the keys the batch touched, in the same atomic commit as the state and the `XACK`s. Kill it
//! at any moment and start it again: the hash ends equal to the exact count and sum of every row
//! sent, never more, never less.
//!
//! ```sh
//! cargo run --release -p kisflow-examples --example stateful_counts -- --redis 127.0.0.1:6379 \
//!     --stream readings --group counters --consumer c1 --out counts \
//!     [--concurrency N] [--batch N] [--claim-idle-ms MS] [--postgres URL]
//! ```
//!
//! With `--postgres URL` (`host=… user=… dbname=…`) the state and the out hash live in
//! PostgreSQL instead (`PgState`, tables `kisflow_<stream>_<group>_values`, `…_done` and
//! `…_hashes`, whose rows with `hash = <out>` are the counts): each commit is one transaction
//! that also records the batch's entry ids, the entries are acked after it, and an entry
//! delivered again whose id is recorded is acked without counting it again.
//!
//! Each entry's field `data` holds one JSON row. The state lives in the same Redis, in the hash
//! `kisflow:state:<stream>:<group>:StatefulCounts/CountReadings`; each commit is one Lua script
//! that applies the state and the `HSET`s and acks the batch only if every entry is still this
//! consumer's and no key it read changed meanwhile (else the batch runs again on the fresh
//! counts). Entries other consumers left pending longer than `--claim-idle-ms` (default 5000)
//! are taken over. A row that does not decode goes to the stream `<stream>.dlq` with its bytes
//! and is acked. SIGTERM or SIGINT drains the batches in flight and exits 0, printing
//! `stopped: N received, N acked, N dead-lettered` on standard error.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::OnceLock;
use std::time::Duration;

use kisflow::prelude::*;
use kisflow::source::redis::{RedisDeadLetters, RedisStreams};
use kisflow::source::{RunReport, Runner, RunnerConfig};
use kisflow::state::{Also, PgState, RedisState};
use kisflow_examples::stop_signal;

const USAGE: &str = "usage: stateful_counts --redis HOST:PORT --stream S --group G --consumer C --out H \
[--concurrency N] [--batch N] [--claim-idle-ms MS] [--postgres URL]";

/// One row of the stream.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Reading {
    key: String,
    value: i64,
}

/// What the keyed state holds per key.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
struct Tally {
    count: u64,
    sum: i64,
}

/// The hash the counts are written to (`--out`).
static OUT: OnceLock<String> = OnceLock::new();

/// Adds the batch's rows to each key's tally and writes the tallies it touched to the out hash,
/// both committed with the batch's acks.
#[kis_function(mode = "Save", name = "CountReadings")]
async fn count_readings(ctx: &FlowCtx, rows: Vec<Reading>) -> kisflow::Result<()> {
    let state = ctx.state::<Tally>()?;
    // One read of every key the batch touches, then the batch added in memory.
    let mut keys: Vec<&str> = rows.iter().map(|row| row.key.as_str()).collect();
    keys.sort_unstable();
    keys.dedup();
    let mut touched: BTreeMap<String, Tally> = keys
        .iter()
        .zip(state.get_many(&keys).await?)
        .map(|(key, tally)| ((*key).to_owned(), tally.unwrap_or_default()))
        .collect();
    for row in &rows {
        if let Some(tally) = touched.get_mut(&row.key) {
            tally.count += 1;
            tally.sum += row.value;
        }
    }
    let out = OUT.get().map_or("counts", String::as_str);
    for (key, tally) in &touched {
        state.put(key, tally)?;
        ctx.commit_also(Also::hset(
            out,
            key,
            format!("{},{}", tally.count, tally.sum),
        ))?;
    }
    Ok(())
}

flow!(StatefulCounts: count_readings);

struct Args {
    redis: String,
    stream: String,
    group: String,
    consumer: String,
    out: String,
    concurrency: usize,
    batch: usize,
    claim_idle: Duration,
    postgres: Option<String>,
}

fn parse(args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut given = kisflow_examples::worker::flags(
        args,
        &[
            "redis",
            "stream",
            "group",
            "consumer",
            "out",
            "concurrency",
            "batch",
            "claim-idle-ms",
            "postgres",
        ],
    )?;
    let mut take = |key: &str| {
        given
            .remove(key)
            .ok_or_else(|| format!("missing `--{key}`"))
    };
    let (redis, stream, group, consumer, out) = (
        take("redis")?,
        take("stream")?,
        take("group")?,
        take("consumer")?,
        take("out")?,
    );
    let postgres = take("postgres").ok();
    let mut number = |key: &str, default: u64| -> Result<u64, String> {
        take(key).map_or(Ok(default), |v| {
            v.parse::<u64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| format!("`--{key}` must be a positive number, not `{v}`"))
        })
    };
    let too_large = |key: &str| format!("`--{key}` is too large");
    Ok(Args {
        concurrency: usize::try_from(number("concurrency", 1)?)
            .map_err(|_| too_large("concurrency"))?,
        batch: usize::try_from(number("batch", 100)?).map_err(|_| too_large("batch"))?,
        claim_idle: Duration::from_millis(number("claim-idle-ms", 5000)?),
        redis,
        stream,
        group,
        consumer,
        out,
        postgres,
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    match parse(std::env::args().skip(1)) {
        Ok(args) => kisflow_examples::worker::finished(run(args).await),
        Err(problem) => kisflow_examples::worker::usage_error(&problem, USAGE),
    }
}

async fn run(args: Args) -> kisflow::Result<RunReport> {
    let url = format!("redis://{}/", args.redis);
    let _ = OUT.set(args.out.clone());
    let source = RedisStreams::new(&url, &args.stream, &args.group, &args.consumer)?
        .with_claim_idle(args.claim_idle);
    let dead = RedisDeadLetters::new(&url, format!("{}.dlq", args.stream))?;
    let runner = Runner::new(source, StatefulCounts::new().into_dyn()).with_config(RunnerConfig {
        concurrency: args.concurrency,
        batch_size: args.batch,
        batch_wait: Duration::from_millis(50),
        ..RunnerConfig::default()
    });
    let runner = match &args.postgres {
        Some(postgres) => {
            let name = |s: &str| -> String {
                s.chars()
                    .map(|c| {
                        if c.is_ascii_alphanumeric() {
                            c.to_ascii_lowercase()
                        } else {
                            '_'
                        }
                    })
                    .collect()
            };
            let prefix = format!("kisflow_{}_{}", name(&args.stream), name(&args.group));
            runner.with_state(PgState::new(postgres, prefix))
        }
        None => {
            let prefix = format!("kisflow:state:{}:{}", args.stream, args.group);
            runner.with_state(RedisState::new(&url, prefix)?.acking(
                &args.stream,
                &args.group,
                &args.consumer,
            ))
        }
    };
    runner
        .with_dead_letters(dead)
        .run_until(stop_signal())
        .await
}
