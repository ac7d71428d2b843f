//! RabbitMQ through the runner against the machine's server, each test on queues of its own:
//! acks only after success, poison rows on the dead-letter exchange byte for byte, released
//! messages requeued, and a connection closed by the server mid-stream losing nothing.

mod rabbit;

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::time::Duration;

use kisflow::prelude::*;
use kisflow::source::rabbitmq::{RabbitDeadLetters, RabbitSource};
use kisflow::source::{RunReport, Runner, RunnerConfig};
use lapin::types::AMQPValue;
use rabbit::{ADDR, Names, connect, publish, ready, ready_after_consumers, take_all};
use serde::Deserialize;

/// Every `(test, id)` saved, and how many saves there were, shared by the tests of this binary.
static SAVED: Mutex<(BTreeSet<(String, u32)>, usize)> = Mutex::new((BTreeSet::new(), 0));

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
    saved.1 += rows.len();
    saved.0.extend(rows.into_iter().map(|r| (r.test, r.id)));
    Ok(())
}
flow!(Readings: save_readings);

fn saved(test: &str) -> usize {
    SAVED
        .lock()
        .unwrap()
        .0
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

/// Whether the run is done: `saved` rows of `test` saved, at least `letters` waiting in the
/// dead-letter queue `dlq` (more is a failure the test reports), and nothing ready in `queue`.
async fn settled(test: &str, saved_rows: usize, (queue, dlq): (&str, &str), letters: u32) -> bool {
    if saved(test) < saved_rows {
        return false;
    }
    let (connection, _) = connect().await;
    let left = ready(&connection, queue).await;
    // The dead-letter queue is declared with the first letter.
    let dead = if letters == 0 {
        0
    } else {
        ready(&connection, dlq).await
    };
    let _ = connection.close(200, "checked".into()).await;
    left == 0 && dead >= letters
}

/// Runs the flow over `queue` until `done` holds (checked every 50 ms, for at most 60 s), then
/// stops it; `during` runs beside it.
async fn run_until<F: Future<Output = bool> + Send>(
    source: RabbitSource,
    dead: RabbitDeadLetters,
    done: impl Fn() -> F + Send + 'static,
    during: impl Future<Output = ()> + Send + 'static,
) -> RunReport {
    let stop = async move {
        for _ in 0..1200 {
            if done().await {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the rows were not all settled within 60 s");
    };
    let during = tokio::spawn(during);
    let report = Runner::new(source, Readings::new().into_dyn())
        .with_config(config())
        .with_dead_letters(dead)
        .run_until(stop)
        .await
        .unwrap();
    during.await.unwrap();
    report
}

fn text(headers: &lapin::types::FieldTable, name: &str) -> String {
    match headers.inner().get(name) {
        Some(AMQPValue::LongString(s)) => String::from_utf8_lossy(s.as_bytes()).into_owned(),
        Some(AMQPValue::LongLongInt(n)) => n.to_string(),
        other => panic!("header {name} is {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poison_rows_go_to_the_dead_letter_exchange_byte_for_byte_and_the_rest_is_acked() {
    let test = "rabbit-poison";
    let names = Names::new(test, &["rows"]).exchange(&rabbit::unique(test, "dlq"));
    let (queue, dlq) = (names.queues[0].clone(), names.exchanges[0].clone());
    let (_connection, channel) = connect().await;
    let source = RabbitSource::new(ADDR, &queue).unwrap().with_prefetch(100);
    let dead = RabbitDeadLetters::new(ADDR, &dlq).unwrap().keeping();
    let mut rows = Vec::new();
    let mut poison = BTreeSet::new();
    for id in 0..1000u32 {
        let value = if id % 100 == 3 { -1 } else { i64::from(id) };
        if value < 0 {
            poison.insert(row(test, id, value));
        }
        rows.push(row(test, id, value));
    }
    rows.push(b"\xff not json".to_vec());
    poison.insert(b"\xff not json".to_vec());
    let (queue_, dlq_) = (queue.clone(), dlq.clone());
    rabbit::declare(&channel, &queue, lapin::types::FieldTable::default()).await;
    publish(&channel, &queue, &rows).await;
    let done = move || {
        let (queue, dlq) = (queue_.clone(), dlq_.clone());
        async move { settled(test, 990, (&queue, &dlq), 11).await }
    };
    let report = run_until(source, dead, done, async {}).await;
    assert_eq!(saved(test), 990);
    let letters = take_all(&channel, &dlq).await;
    assert_eq!(report.dead_lettered, 11, "{report:?}");
    assert_eq!(letters.len(), 11, "each poison row dead-lettered once");
    let bodies: BTreeSet<Vec<u8>> = letters.iter().map(|d| d.data.clone()).collect();
    assert_eq!(bodies, poison, "the original payloads, byte for byte");
    for letter in &letters {
        let headers = letter.properties.headers().as_ref().expect("headers");
        assert_eq!(text(headers, "source"), format!("rabbitmq:{queue}"));
        assert_eq!(text(headers, "flow"), "Readings");
        let source_id = text(headers, "source_id");
        let message_id = letter.properties.message_id().as_ref().unwrap();
        assert_eq!(message_id.as_str(), source_id);
        let error = text(headers, "error");
        assert!(
            error.contains("is negative") || error.contains("UTF-8"),
            "the error chain: {error}"
        );
        for name in ["function", "kind", "attempts", "replays", "time"] {
            text(headers, name);
        }
    }
    // The runner's connection is closed: anything it left unacked would be back in the queue.
    assert_eq!(
        ready_after_consumers(&queue).await,
        0,
        "every message was acked"
    );
    drop(names);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_closed_by_the_server_mid_stream_loses_nothing() {
    const N: u32 = 3000;
    let test = "rabbit-reconnect";
    let names = Names::new(test, &["rows"]).exchange(&rabbit::unique(test, "dlq"));
    let (queue, dlq) = (names.queues[0].clone(), names.exchanges[0].clone());
    let (_connection, channel) = connect().await;
    rabbit::declare(&channel, &queue, lapin::types::FieldTable::default()).await;
    let tag = rabbit::unique(test, "consumer");
    let source = RabbitSource::new(ADDR, &queue)
        .unwrap()
        .with_prefetch(100)
        .with_consumer_tag(&tag);
    let dead = RabbitDeadLetters::new(ADDR, &dlq).unwrap().keeping();
    let publisher = {
        let (queue, channel) = (queue.clone(), channel.clone());
        async move {
            let mut closed = 0;
            for chunk in (0..N).collect::<Vec<_>>().chunks(300) {
                let rows: Vec<Vec<u8>> = chunk.iter().map(|&i| row(test, i, 1)).collect();
                publish(&channel, &queue, &rows).await;
                if chunk[0] % 900 == 0 && chunk[0] > 0 {
                    // Close the source's connection while it consumes: once it saved a row.
                    for _ in 0..3000 {
                        if saved(test) > 0 {
                            break;
                        }
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                    let tag = tag.clone();
                    closed +=
                        tokio::task::spawn_blocking(move || rabbit::close_connections_named(&tag))
                            .await
                            .unwrap();
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            eprintln!("closed {closed} connections of the source from the server side");
            assert!(
                closed > 0,
                "the test closed the source's connection at least once"
            );
        }
    };
    let (queue_, dlq_) = (queue.clone(), dlq.clone());
    let done = move || {
        let (queue, dlq) = (queue_.clone(), dlq_.clone());
        async move { settled(test, N as usize, (&queue, &dlq), 0).await }
    };
    let report = run_until(source, dead, done, publisher).await;
    assert_eq!(saved(test), N as usize, "every row saved at least once");
    assert_eq!(report.dead_lettered, 0);
    // Nothing was ready when the runner stopped: what is back now was delivered again after a
    // reconnect and sat unfetched in the consumer, at most the prefetch.
    let left = ready_after_consumers(&queue).await;
    assert!(
        left <= 100,
        "{left} messages back in the queue, more than the prefetch"
    );
    drop(names);
}
