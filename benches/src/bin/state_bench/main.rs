//! Keyed state end to end: rows/s of the stateful count (per key, the count of rows and the sum
//! of `value`, written with the acks in one atomic commit) through kisflow's `RedisStreams`,
//! `RedisState` and `Runner`, against the same logic written by hand over the same Redis client
//! in the same process (the floor). Run it with
//! `cargo run --release -p kisflow-bench --features stream --bin state-bench`.
//!
//! It starts its own `redis-server` on a free port and kills it by PID at the end. Options:
//! `--rounds N` (default 5), `--rows N` (per round, default 100000), `--batch N` (default 500),
//! `--keys N` (distinct keys, default 100).
//!
//! Each round fills a fresh stream with N rows `{"key":"k<i>","value":<v>}`; then each side
//! (alternating which goes first) reads them through a consumer group in batches, and per batch
//! reads the touched keys' tallies, adds the batch, and commits the new tallies, the out hash
//! and the acks atomically. kisflow: the `stateful_counts` flow's function under a `Runner` with
//! `RedisState::acking` (its commit script also checks that every entry is still this
//! consumer's and that no key read changed). The floor: `XREADGROUP`, `serde_json` decoding,
//! one `HMGET` of the touched keys, then `MULTI` `HSET` state, `HSET` out, `XACK` `EXEC`: the
//! least a hand-written single consumer does (it has no claim or conflict handling). Rows/s is N
//! over the time to the commit that covers the last row; both sides' out hashes are checked
//! equal.

#![allow(clippy::cast_precision_loss)]

// The stream bench's server starter; this bench uses its Redis only.
#[path = "../stream_bench/servers.rs"]
#[allow(dead_code)]
mod servers;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use kisflow::prelude::*;
use kisflow::source::Runner;
use kisflow::source::redis::RedisStreams;
use kisflow::state::{Also, RedisState};
use redis::AsyncCommands;

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Reading {
    key: String,
    value: i64,
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
struct Tally {
    count: u64,
    sum: i64,
}

/// Rows the kisflow side has counted, for its stop condition.
static COUNTED: AtomicU64 = AtomicU64::new(0);

#[kis_function(mode = "Save", name = "CountReadings")]
async fn count_readings(ctx: &FlowCtx, rows: Vec<Reading>) -> kisflow::Result<()> {
    let state = ctx.state::<Tally>()?;
    let n = rows.len() as u64;
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
    for (key, tally) in &touched {
        state.put(key, tally)?;
        ctx.commit_also(Also::hset(
            "out:kisflow",
            key,
            format!("{},{}", tally.count, tally.sum),
        ))?;
    }
    COUNTED.fetch_add(n, Ordering::Relaxed);
    Ok(())
}

flow!(StatefulCounts: count_readings);

struct Args {
    rounds: usize,
    rows: usize,
    batch: usize,
    keys: usize,
}

fn args() -> Args {
    let args: Vec<String> = std::env::args().collect();
    let number = |name: &str, default: usize| {
        args.iter().position(|a| a == name).map_or(default, |i| {
            args.get(i + 1)
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("{name} takes a number"))
        })
    };
    Args {
        rounds: number("--rounds", 5),
        rows: number("--rows", 100_000),
        batch: number("--batch", 500),
        keys: number("--keys", 100),
    }
}

fn main() {
    let args = args();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let server = servers::Server::redis();
    let url = format!("redis://{}/", server.addr);
    println!(
        "stateful count end to end: {} rows a round over {} keys, batches of {}; floor = the same \
         reads, tallies and atomic commits by hand with the same client\n",
        args.rows, args.keys, args.batch
    );
    let (mut kisflow, mut floor, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..args.rounds {
        let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
        let mut rates = [0.0; 2];
        runtime.block_on(async {
            let mut con = connection(&url).await;
            let _: () = redis::cmd("FLUSHDB").query_async(&mut con).await.unwrap();
            for side in order {
                fill(&url, &format!("bench_{round}_{side}"), &args).await;
            }
        });
        for side in order {
            let stream = format!("bench_{round}_{side}");
            let rate = if side == 0 {
                runtime.block_on(through_kisflow(&url, &stream, &args))
            } else {
                runtime.block_on(by_hand(&url, &stream, &args))
            };
            rates[side] = rate;
            println!(
                "round {round} {:<8} {rate:>10.0} rows/s",
                ["kisflow", "floor"][side]
            );
        }
        runtime.block_on(same_counts(&url, round));
        kisflow.push(rates[0]);
        floor.push(rates[1]);
        ratios.push(rates[0] / rates[1]);
    }
    println!("\n| workload | kisflow rows/s | floor rows/s | ratio |");
    println!("|---|---:|---:|---:|");
    println!(
        "| stateful count, Redis state + Redis Streams | {:.0} | {:.0} | {:.2} |",
        median(kisflow),
        median(floor),
        median(ratios)
    );
    drop(server);
}

async fn connection(url: &str) -> redis::aio::MultiplexedConnection {
    redis::Client::open(url)
        .expect("a Redis address")
        .get_multiplexed_async_connection()
        .await
        .expect("Redis is up")
}

/// A fresh stream of `args.rows` rows, with the group made at its start.
async fn fill(url: &str, stream: &str, args: &Args) {
    let mut con = connection(url).await;
    for chunk in 0..args.rows.div_ceil(1000) {
        let mut pipe = redis::pipe();
        for i in chunk * 1000..((chunk + 1) * 1000).min(args.rows) {
            let row = format!(
                r#"{{"key":"k{}","value":{}}}"#,
                (i * 7919) % args.keys,
                i % 13
            );
            pipe.cmd("XADD")
                .arg(stream)
                .arg("*")
                .arg("data")
                .arg(row)
                .ignore();
        }
        pipe.query_async::<()>(&mut con).await.unwrap();
    }
    let _: () = redis::cmd("XGROUP")
        .arg(&["CREATE", stream, "g", "0"])
        .query_async(&mut con)
        .await
        .unwrap();
}

async fn through_kisflow(url: &str, stream: &str, args: &Args) -> f64 {
    COUNTED.store(0, Ordering::Relaxed);
    let began = Instant::now();
    let source = RedisStreams::new(url, stream, "g", "c").expect("a Redis address");
    let state = RedisState::new(url, "state:kisflow")
        .expect("a Redis address")
        .acking(stream, "g", "c");
    let target = args.rows as u64;
    let stop = async move {
        while COUNTED.load(Ordering::Relaxed) < target {
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
    };
    Runner::new(source, StatefulCounts::new().into_dyn())
        .with_batch(args.batch, Duration::from_millis(20))
        .with_state(state)
        .run_until(stop)
        .await
        .expect("the bench flow runs");
    args.rows as f64 / began.elapsed().as_secs_f64()
}

/// The floor: the same reads, tallies and atomic commits, by hand.
async fn by_hand(url: &str, stream: &str, args: &Args) -> f64 {
    let began = Instant::now();
    let mut con = connection(url).await;
    let mut counted = 0;
    while counted < args.rows {
        let reply: redis::streams::StreamReadReply = con
            .xread_options(
                &[stream],
                &[">"],
                &redis::streams::StreamReadOptions::default()
                    .group("g", "floor")
                    .count(args.batch),
            )
            .await
            .unwrap();
        let entries: Vec<redis::streams::StreamId> =
            reply.keys.into_iter().flat_map(|k| k.ids).collect();
        if entries.is_empty() {
            continue;
        }
        let mut batch: BTreeMap<String, Tally> = BTreeMap::new();
        let mut rows = Vec::with_capacity(entries.len());
        for entry in &entries {
            let data: Vec<u8> = entry.get("data").unwrap();
            let row: Reading = serde_json::from_slice(&data).unwrap();
            batch.entry(row.key.clone()).or_default();
            rows.push(row);
        }
        let keys: Vec<&String> = batch.keys().collect();
        let stored: Vec<Option<String>> = redis::cmd("HMGET")
            .arg("state:floor")
            .arg(&keys)
            .query_async(&mut con)
            .await
            .unwrap();
        for ((_, tally), stored) in batch.iter_mut().zip(stored) {
            if let Some(stored) = stored {
                *tally = serde_json::from_str(&stored).unwrap();
            }
        }
        for row in &rows {
            let tally = batch.get_mut(&row.key).unwrap();
            tally.count += 1;
            tally.sum += row.value;
        }
        let mut pipe = redis::pipe();
        pipe.atomic();
        for (key, tally) in &batch {
            pipe.hset("state:floor", key, serde_json::to_string(tally).unwrap())
                .ignore();
            pipe.hset("out:floor", key, format!("{},{}", tally.count, tally.sum))
                .ignore();
        }
        let ids: Vec<&str> = entries.iter().map(|e| e.id.as_str()).collect();
        pipe.xack(stream, "g", &ids).ignore();
        pipe.query_async::<()>(&mut con).await.unwrap();
        counted += entries.len();
    }
    args.rows as f64 / began.elapsed().as_secs_f64()
}

/// Both sides counted the same rows into the same tallies.
async fn same_counts(url: &str, round: usize) {
    let mut con = connection(url).await;
    let kisflow: BTreeMap<String, String> = con.hgetall("out:kisflow").await.unwrap();
    let floor: BTreeMap<String, String> = con.hgetall("out:floor").await.unwrap();
    assert!(
        !kisflow.is_empty(),
        "round {round}: kisflow counted nothing"
    );
    assert_eq!(kisflow, floor, "round {round}: both sides count the same");
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}
