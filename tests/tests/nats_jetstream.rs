//! NATS JetStream through the runner against a real `nats-server -js` started for each test:
//! poison rows on the dead-letter subject byte for byte, messages of a dropped consumer delivered
//! again after `ack_wait`, a server restarted mid-stream.

mod nats_server;

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::time::Duration;

use futures::StreamExt;
use kisflow::prelude::*;
use kisflow::source::nats::{JetStreamDeadLetters, JetStreamSource};
use kisflow::source::{RunReport, Runner, RunnerConfig, Source, StreamSource};
use nats_server::{NatsServer, context, drained, publish, stream_len};
use serde::Deserialize;

/// Every `(test, id)` saved, shared by the tests of this binary.
static SAVED: Mutex<BTreeSet<(String, u32)>> = Mutex::new(BTreeSet::new());

#[derive(Debug, Clone, Deserialize)]
struct Reading {
    test: String,
    id: u32,
    value: i64,
}

/// Saves each reading unless its value is negative, which fails the batch.
#[kis_function(mode = "Save")]
fn save_readings(rows: Vec<Reading>) -> kisflow::Result<()> {
    if let Some(bad) = rows.iter().find(|r| r.value < 0) {
        return Err(kisflow::Error::msg(format_args!(
            "reading {} is negative",
            bad.id
        )));
    }
    let mut saved = SAVED.lock().unwrap();
    saved.extend(rows.into_iter().map(|r| (r.test, r.id)));
    Ok(())
}
flow!(Readings: save_readings);

fn saved(test: &str) -> usize {
    SAVED
        .lock()
        .unwrap()
        .iter()
        .filter(|(t, _)| t == test)
        .count()
}

fn row(test: &str, id: u32, value: i64) -> Vec<u8> {
    format!(r#"{{"test":"{test}","id":{id},"value":{value}}}"#).into_bytes()
}

fn config() -> RunnerConfig {
    RunnerConfig {
        concurrency: 2,
        batch_size: 50,
        batch_wait: Duration::from_millis(50),
        backoff: Duration::from_millis(5),
        backoff_max: Duration::from_millis(200),
        ..RunnerConfig::default()
    }
}

/// Runs the flow over `stream` through `durable` until `expected` rows of `test` are saved or
/// in the stream `dlq`, and the consumer is drained, then stops it.
async fn run_until_drained(
    server: &NatsServer,
    test: &str,
    (stream, durable, dlq): (&str, &str, &str),
    expected: usize,
) -> RunReport {
    let source = JetStreamSource::new(&server.addr(), stream, durable)
        .unwrap()
        .with_ack_wait(Duration::from_secs(2));
    let dead = JetStreamDeadLetters::new(&server.addr(), format!("{stream}.dlq")).unwrap();
    let context = context(server, &[]).await;
    let (test, stream, durable, dlq) = (
        test.to_owned(),
        stream.to_owned(),
        durable.to_owned(),
        dlq.to_owned(),
    );
    let stop = async move {
        for _ in 0..600 {
            if saved(&test) + stream_len(&context, &dlq).await >= expected {
                assert!(drained(&context, &stream, &durable).await, "all acked");
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the rows were not all saved within 30 s");
    };
    Runner::new(source, Readings::new().into_dyn())
        .with_config(config())
        .with_dead_letters(dead)
        .run_until(stop)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poison_rows_go_to_the_dead_letter_subject_and_the_rest_is_saved() {
    let server = NatsServer::start("poison");
    let js = context(&server, &[("poison", "poison"), ("dlq", "poison.dlq")]).await;
    let mut poison = BTreeSet::new();
    for id in 0..1000u32 {
        let value = if id % 100 == 3 { -1 } else { i64::from(id) };
        if value < 0 {
            poison.insert(row("poison", id, value));
        }
        publish(&js, "poison", row("poison", id, value)).await;
    }
    publish(&js, "poison", b"\xff not json".to_vec()).await;
    poison.insert(b"\xff not json".to_vec());
    let report = run_until_drained(&server, "poison", ("poison", "savers", "dlq"), 1001).await;
    let dlq = js.get_stream("dlq").await.unwrap();

    assert_eq!(saved("poison"), 990);
    let mut dead = BTreeSet::new();
    for seq in 1..=11 {
        let letter = dlq.get_raw_message(seq).await.unwrap();
        for header in [
            "error",
            "source_id",
            "source",
            "flow",
            "function",
            "kind",
            "attempts",
            "time",
        ] {
            assert!(letter.headers.get(header).is_some(), "header {header}");
        }
        assert_eq!(
            letter.headers.get("source").unwrap().as_str(),
            "nats:poison/savers"
        );
        let error = letter.headers.get("error").unwrap().as_str();
        assert!(error.contains("flow `Readings`"), "{error}");
        dead.insert(letter.payload.to_vec());
    }
    assert!(
        dlq.get_raw_message(12).await.is_err(),
        "no more than the poison"
    );
    assert_eq!(dead, poison, "exactly the poison rows, byte for byte");
    assert_eq!((report.acked, report.dead_lettered), (1001, 11));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_a_dropped_consumer_fetched_come_again_after_ack_wait() {
    let server = NatsServer::start("redeliver");
    let js = context(&server, &[("redeliver", "redeliver")]).await;
    for id in 0..20u32 {
        publish(&js, "redeliver", row("redeliver", id, id.into())).await;
    }
    let first = JetStreamSource::new(&server.addr(), "redeliver", "savers")
        .unwrap()
        .with_ack_wait(Duration::from_secs(1));
    let fetched = first
        .fetch(100, Duration::from_millis(500))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(fetched.len(), 20);
    assert!(fetched.iter().all(|m| m.deliveries == 1));
    drop(first); // dies without acking

    let started = std::time::Instant::now();
    let report = run_until_drained(&server, "redeliver", ("redeliver", "savers", "none"), 20).await;
    assert_eq!(saved("redeliver"), 20);
    assert_eq!(report.acked, 20);
    assert!(
        started.elapsed() >= Duration::from_millis(500),
        "they waited for ack_wait"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_restarted_mid_stream_loses_nothing() {
    let mut server = NatsServer::start("restart");
    let js = context(
        &server,
        &[("restart", "restart"), ("restart-dlq", "restart.dlq")],
    )
    .await;
    for id in 0..300u32 {
        publish(&js, "restart", row("restart", id, id.into())).await;
    }
    let source = JetStreamSource::new(&server.addr(), "restart", "savers")
        .unwrap()
        .with_ack_wait(Duration::from_secs(2));
    let dead = JetStreamDeadLetters::new(&server.addr(), "restart.dlq").unwrap();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let runner = Runner::new(source, Readings::new().into_dyn())
        .with_config(RunnerConfig {
            batch_size: 10,
            ..config()
        })
        .with_dead_letters(dead);
    let worker = tokio::spawn(runner.run_until(async move {
        let _ = stop_rx.await;
    }));
    wait_for(|| saved("restart") >= 50).await;
    server.restart(); // SIGKILL; the store directory keeps the streams and the consumer
    let js = context(&server, &[]).await;
    for id in 300..600u32 {
        publish(&js, "restart", row("restart", id, id.into())).await;
    }
    wait_for(|| saved("restart") >= 600).await;
    assert!(
        drained(&js, "restart", "savers").await,
        "everything acked after the restart"
    );
    assert!(!worker.is_finished(), "the worker rode out the restart");
    stop_tx.send(()).unwrap();
    let report = worker
        .await
        .unwrap()
        .expect("the worker rode out the restart");
    assert_eq!(
        report.dead_lettered, 0,
        "a server restart dead-letters nothing"
    );
    assert_eq!(stream_len(&js, "restart-dlq").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_letters_on_a_subject_no_stream_captures_reach_its_subscribers() {
    let server = NatsServer::start("core");
    let client = async_nats::connect(server.addr()).await.unwrap();
    let mut letters = client.subscribe("loose.dlq").await.unwrap();
    client.flush().await.unwrap();
    let dead = JetStreamDeadLetters::new(&server.addr(), "loose.dlq").unwrap();
    let rows = futures::stream::iter([row("core", 1, 1), row("core", 2, -2)]);
    let report = Runner::new(StreamSource::new("rows", rows), Readings::new().into_dyn())
        .with_config(config())
        .with_dead_letters(dead)
        .run()
        .await
        .unwrap();
    assert_eq!((report.acked, report.dead_lettered), (2, 1));
    let letter = tokio::time::timeout(Duration::from_secs(5), letters.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(letter.payload.as_ref(), row("core", 2, -2).as_slice());
    let headers = letter.headers.unwrap();
    assert_eq!(headers.get("function").unwrap().as_str(), "save_readings");
    let attempts: u32 = headers.get("attempts").unwrap().as_str().parse().unwrap();
    assert!(attempts > 1, "retried before it was given up: {attempts}");
}

/// Waits up to 30 s for `done`.
async fn wait_for(done: impl Fn() -> bool) {
    for _ in 0..600 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the readings were not saved within 30 s");
}
