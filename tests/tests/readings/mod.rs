//! The readings flow the Redis tests run: rows saved to a hash through a connector, poison rows
//! that fail their batch, and helpers to feed a stream and wait for the sink.
#![allow(dead_code, reason = "each test file uses a part of it")]

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use kisflow::prelude::*;
use kisflow::source::redis::{RedisDeadLetters, RedisStreams};
use kisflow::source::{Runner, RunnerConfig};
use redis::AsyncCommands;
use serde::Deserialize;

use super::server::RedisServer;

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Reading {
    id: u32,
    value: i64,
}

/// Set by a test to play a fixed handler: negative readings then save, except `-999`.
pub(crate) static FIXED: AtomicBool = AtomicBool::new(false);

/// Saves each reading under `readings:<id>` unless its value is negative (while not [`FIXED`])
/// or `-999` (always), which fails the batch.
#[kis_function(mode = "Save", conn = "Store")]
pub(crate) async fn store_readings(ctx: &FlowCtx, rows: Vec<Reading>) -> kisflow::Result<()> {
    let fixed = FIXED.load(Ordering::Relaxed);
    if let Some(bad) = rows
        .iter()
        .find(|r| r.value == -999 || (r.value < 0 && !fixed))
    {
        return Err(kisflow::Error::msg(format_args!(
            "reading {} is negative",
            bad.id
        )));
    }
    let connector = ctx.connector()?;
    let mut redis = connector.client::<redis::aio::ConnectionManager>()?.clone();
    let mut pipe = redis::pipe();
    pipe.atomic();
    for row in &rows {
        pipe.hset("readings", row.id, row.value).ignore();
    }
    pipe.query_async::<()>(&mut redis).await.map_err(|err| {
        if err.is_io_error() || err.is_connection_dropped() || err.is_timeout() {
            kisflow::Error::unavailable("Store", err)
        } else {
            kisflow::Error::msg(err)
        }
    })
}
flow!(pub(crate) Readings: store_readings);

pub(crate) fn store(url: &str) -> kisflow::Connector {
    let url = url.to_owned();
    kisflow::Connector::new(kisflow::ConnConfig::new("Store"), move |_| {
        let url = url.clone();
        async move { Ok(redis::aio::ConnectionManager::new(redis::Client::open(url)?).await?) }
    })
}

pub(crate) async fn connection(url: &str) -> redis::aio::MultiplexedConnection {
    redis::Client::open(url)
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

/// Adds an entry with `payload` in its `data` field; its id.
pub(crate) async fn add(
    con: &mut redis::aio::MultiplexedConnection,
    stream: &str,
    payload: &[u8],
) -> String {
    con.xadd(stream, "*", &[("data", payload)]).await.unwrap()
}

/// Adds `rows` to `readings-in` and has the consumer `dead` of the group `savers` read them
/// without acking, as a worker that died; their ids.
pub(crate) async fn leave_pending(
    con: &mut redis::aio::MultiplexedConnection,
    rows: impl IntoIterator<Item = Vec<u8>>,
) -> Vec<String> {
    let _: () = redis::cmd("XGROUP")
        .arg(&["CREATE", "readings-in", "savers", "0", "MKSTREAM"])
        .query_async(con)
        .await
        .unwrap();
    let mut ids = Vec::new();
    for row in rows {
        ids.push(add(con, "readings-in", &row).await);
    }
    let _: redis::Value = redis::cmd("XREADGROUP")
        .arg(&["GROUP", "savers", "dead", "STREAMS", "readings-in", ">"])
        .query_async(con)
        .await
        .unwrap();
    ids
}

pub(crate) fn config() -> RunnerConfig {
    RunnerConfig {
        concurrency: 2,
        batch_size: 50,
        batch_wait: Duration::from_millis(50),
        backoff: Duration::from_millis(5),
        backoff_max: Duration::from_millis(200),
        ..RunnerConfig::default()
    }
}

/// Runs the flow until `done` holds for the store, then stops it and returns the report.
pub(crate) async fn run_until_saved(
    server: &RedisServer,
    consumer: &str,
    claim_idle: Duration,
    expected: usize,
) -> kisflow::source::RunReport {
    let url = server.url();
    let source = RedisStreams::new(&url, "readings-in", "savers", consumer)
        .unwrap()
        .with_claim_idle(claim_idle);
    let dead = RedisDeadLetters::new(&url, "readings-in.dlq").unwrap();
    let flow = Readings::new()
        .with_connector(&store(&url))
        .unwrap()
        .into_dyn();
    let mut check = connection(&url).await;
    let runner = Runner::new(source, flow)
        .with_config(config())
        .with_dead_letters(dead);
    let stop = async move {
        for _ in 0..600 {
            let saved: usize = check.hlen("readings").await.unwrap_or(0);
            let dead: usize = check.xlen("readings-in.dlq").await.unwrap_or(0);
            if saved + dead >= expected {
                // Let the last acks land before stopping.
                tokio::time::sleep(Duration::from_millis(100)).await;
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the rows were not all saved within 30 s");
    };
    runner.run_until(stop).await.unwrap()
}

/// Waits up to 30 s for the number of saved readings to satisfy `done`.
pub(crate) async fn wait_for(url: &str, done: impl Fn(usize) -> bool) {
    for _ in 0..600 {
        if let Ok(client) = redis::Client::open(url)
            && let Ok(mut con) = client.get_multiplexed_async_connection().await
        {
            let saved: usize = con.hlen("readings").await.unwrap_or(0);
            if done(saved) {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the readings were not saved within 30 s");
}
