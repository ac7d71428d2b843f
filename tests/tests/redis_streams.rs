//! Redis Streams through the runner against a real `redis-server` started for each test: poison
//! rows in the dead-letter stream byte for byte, entries of a dead consumer taken over, a server
//! restarted mid-stream.

mod readings;
mod server;

use std::collections::BTreeMap;
use std::time::Duration;

use kisflow::source::redis::{RedisDeadLetters, RedisStreams};
use kisflow::source::{Runner, RunnerConfig};
use readings::{
    Readings, add, config, connection, leave_pending, run_until_saved, store, wait_for,
};
use redis::AsyncCommands;
use server::RedisServer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poison_rows_go_to_the_dead_letter_stream_and_the_rest_is_saved() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter("kisflow=warn")
        .with_test_writer()
        .try_init();
    let server = RedisServer::start("poison", false);
    let mut con = connection(&server.url()).await;
    let mut poison = BTreeMap::new();
    for id in 0..1000u32 {
        let value = if id % 100 == 3 { -1 } else { i64::from(id) };
        let payload = format!(r#"{{"id":{id},"value":{value}}}"#);
        if value < 0 {
            poison.insert(payload.clone().into_bytes(), id);
        }
        add(&mut con, "readings-in", payload.as_bytes()).await;
    }
    add(&mut con, "readings-in", b"\xff not json").await;
    let report = run_until_saved(&server, "c1", Duration::from_secs(5), 1001).await;

    let saved: BTreeMap<u32, i64> = con.hgetall("readings").await.unwrap();
    assert_eq!(saved.len(), 990);
    assert!(saved.iter().all(|(id, value)| i64::from(*id) == *value));
    let letters: redis::streams::StreamRangeReply =
        con.xrange_all("readings-in.dlq").await.unwrap();
    let mut dead: Vec<Vec<u8>> = letters
        .ids
        .iter()
        .map(|entry| entry.get::<Vec<u8>>("data").unwrap())
        .collect();
    dead.sort();
    let mut expected: Vec<Vec<u8>> = poison.keys().cloned().collect();
    expected.push(b"\xff not json".to_vec());
    expected.sort();
    assert_eq!(dead, expected, "exactly the poison rows, byte for byte");
    let first = &letters.ids[0];
    let error: String = first.get("error").unwrap();
    assert!(error.contains("flow `Readings`"), "{error}");
    assert!(first.get::<String>("source_id").is_some());
    let pending: redis::streams::StreamPendingReply =
        con.xpending("readings-in", "savers").await.unwrap();
    assert_eq!(pending.count(), 0, "everything acked");
    assert_eq!((report.acked, report.dead_lettered), (1001, 11));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entries_a_dead_consumer_left_pending_are_taken_over() {
    let server = RedisServer::start("claim", false);
    let mut con = connection(&server.url()).await;
    // A consumer reads them and dies before acking.
    let rows = (0..20u32).map(|id| format!(r#"{{"id":{id},"value":{id}}}"#).into_bytes());
    leave_pending(&mut con, rows).await;
    let report = run_until_saved(&server, "alive", Duration::from_millis(200), 20).await;
    let saved: usize = con.hlen("readings").await.unwrap();
    assert_eq!(saved, 20);
    assert_eq!(report.acked, 20);
    let pending: redis::streams::StreamPendingReply =
        con.xpending("readings-in", "savers").await.unwrap();
    assert_eq!(pending.count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_restarted_mid_stream_loses_nothing() {
    let mut server = RedisServer::start("restart", true);
    let url = server.url();
    let mut con = connection(&url).await;
    for id in 0..300u32 {
        add(
            &mut con,
            "readings-in",
            format!(r#"{{"id":{id},"value":{id}}}"#).as_bytes(),
        )
        .await;
    }
    let source = RedisStreams::new(&url, "readings-in", "savers", "c1")
        .unwrap()
        .with_claim_idle(Duration::from_millis(500));
    let dead = RedisDeadLetters::new(&url, "readings-in.dlq").unwrap();
    let flow = Readings::new()
        .with_connector(&store(&url))
        .unwrap()
        .into_dyn();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let runner = Runner::new(source, flow)
        .with_config(RunnerConfig {
            batch_size: 10,
            ..config()
        })
        .with_dead_letters(dead);
    let worker = tokio::spawn(runner.run_until(async move {
        let _ = stop_rx.await;
    }));
    wait_for(&url, |saved| saved >= 50).await;
    server.restart(true); // SIGKILL; the append-only file keeps the stream, its group and the sink
    let mut con = connection(&url).await;
    for id in 300..600u32 {
        add(
            &mut con,
            "readings-in",
            format!(r#"{{"id":{id},"value":{id}}}"#).as_bytes(),
        )
        .await;
    }
    wait_for(&url, |saved| saved >= 600).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop_tx.send(()).unwrap();
    let report = worker
        .await
        .unwrap()
        .expect("the worker rode out the restart");
    assert!(!worker_exited_early(&report));
    let dead: usize = con.xlen("readings-in.dlq").await.unwrap();
    assert_eq!(dead, 0, "a server restart dead-letters nothing");
    let pending: redis::streams::StreamPendingReply =
        con.xpending("readings-in", "savers").await.unwrap();
    assert_eq!(pending.count(), 0, "everything acked after the restart");
}

fn worker_exited_early(report: &kisflow::source::RunReport) -> bool {
    report.received < 600
}

#[tokio::test]
async fn the_lag_counts_pending_and_undelivered_entries_and_their_age() {
    use kisflow::source::Source;
    let server = RedisServer::start("lag", false);
    let mut con = connection(&server.url()).await;
    let source = RedisStreams::new(&server.url(), "readings-in", "savers", "c1").unwrap();
    // The first fetch makes the group at 0; nothing is in the stream yet.
    let first = source
        .fetch(10, Duration::from_millis(10))
        .await
        .unwrap()
        .unwrap();
    assert!(first.is_empty());
    let lag = source.lag().await.unwrap().unwrap();
    assert_eq!((lag.messages, lag.seconds), (0, 0.0));
    for id in 0..30u32 {
        add(
            &mut con,
            "readings-in",
            format!(r#"{{"id":{id},"value":1}}"#).as_bytes(),
        )
        .await;
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    let fetched = source
        .fetch(10, Duration::from_millis(10))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(fetched.len(), 10);
    let lag = source.lag().await.unwrap().unwrap();
    assert_eq!(lag.messages, 30, "10 pending and 20 not yet delivered");
    assert!(lag.seconds >= 0.04 && lag.seconds < 60.0, "{}", lag.seconds);
    let ids: Vec<kisflow::source::MessageId> = fetched.iter().map(|m| m.id.clone()).collect();
    source.ack(&ids).await.unwrap();
    assert_eq!(source.lag().await.unwrap().unwrap().messages, 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_entry_claimed_too_often_is_dead_lettered_with_its_real_count() {
    let server = RedisServer::start("crash-loop", false);
    let mut con = connection(&server.url()).await;
    let ids = leave_pending(&mut con, [br#"{"id":1,"value":1}"#.to_vec()]).await;
    // As if it had crashed its workers five times.
    let _: redis::Value = redis::cmd("XCLAIM")
        .arg(&[
            "readings-in",
            "savers",
            "dead",
            "0",
            &ids[0],
            "RETRYCOUNT",
            "5",
        ])
        .query_async(&mut con)
        .await
        .unwrap();
    let url = server.url();
    let source = RedisStreams::new(&url, "readings-in", "savers", "alive")
        .unwrap()
        .with_claim_idle(Duration::from_millis(1));
    let dead = RedisDeadLetters::new(&url, "readings-in.dlq").unwrap();
    let flow = Readings::new()
        .with_connector(&store(&url))
        .unwrap()
        .into_dyn();
    let mut check = connection(&url).await;
    Runner::new(source, flow)
        .with_config(RunnerConfig {
            max_deliveries: Some(3),
            ..config()
        })
        .with_dead_letters(dead)
        .run_until(async move {
            for _ in 0..200 {
                let dead: usize = check.xlen("readings-in.dlq").await.unwrap_or(0);
                if dead > 0 {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
        })
        .await
        .unwrap();
    let saved: usize = con.hlen("readings").await.unwrap();
    assert_eq!(saved, 0, "the worn entry was not run");
    let letters: redis::streams::StreamRangeReply =
        con.xrange_all("readings-in.dlq").await.unwrap();
    let error: String = letters.ids[0].get("error").unwrap();
    assert!(
        error.contains("delivered 6 times, more than the limit of 3"),
        "{error}"
    );
}
