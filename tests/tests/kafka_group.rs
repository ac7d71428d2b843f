//! Kafka consumer groups through the runner, on librdkafka's mock cluster or, with
//! `KISFLOW_KAFKA_BROKERS=host:port`, a real cluster: a second consumer joining mid-stream takes
//! over partitions (a rebalance) and nothing is lost; a broker that goes down fails fetches with an
//! error naming the topic, group and brokers, and the source carries on once it is back (mock
//! only: a real broker cannot be stopped from here).

mod kafka_cluster;

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::time::Duration;

use kafka_cluster::{Cluster, wait_until};
use kisflow::prelude::*;
use kisflow::source::kafka::KafkaSource;
use kisflow::source::{Runner, RunnerConfig, Source};
use serde::Deserialize;

/// Every `(id, consumer)` saved, duplicates included.
static SAVED: Mutex<Vec<(u32, &'static str)>> = Mutex::new(Vec::new());

#[derive(Debug, Clone, Deserialize)]
struct Reading {
    id: u32,
}

#[kis_function(mode = "Save")]
fn save_a(rows: Vec<Reading>) {
    SAVED
        .lock()
        .unwrap()
        .extend(rows.iter().map(|r| (r.id, "a")));
}
#[kis_function(mode = "Save")]
fn save_b(rows: Vec<Reading>) {
    SAVED
        .lock()
        .unwrap()
        .extend(rows.iter().map(|r| (r.id, "b")));
}
flow!(SaveA: save_a);
flow!(SaveB: save_b);

fn saved_by(consumer: &str) -> usize {
    SAVED
        .lock()
        .unwrap()
        .iter()
        .filter(|s| s.1 == consumer)
        .count()
}

fn distinct() -> usize {
    let saved = SAVED.lock().unwrap();
    saved.iter().map(|s| s.0).collect::<BTreeSet<_>>().len()
}

fn runner(cluster: &Cluster, topic: &str, flow: Box<dyn kisflow::DynFlow>) -> Runner {
    let source = KafkaSource::new(&cluster.brokers(), topic, "pair")
        .unwrap()
        .with_option("session.timeout.ms", "6000")
        .unwrap();
    Runner::new(source, flow).with_config(RunnerConfig {
        concurrency: 4,
        batch_size: 50,
        batch_wait: Duration::from_millis(50),
        ..RunnerConfig::default()
    })
}

/// Consumer a reads 4 partitions while rows keep coming; consumer b joins the group and the
/// partitions are shared out again. Rows keep coming until b has saved some, so b must have been
/// given partitions; then both stop once every row is saved. A rebalance may run again the
/// batches in flight on revoked partitions: at most one per partition per rebalance.
#[tokio::test(flavor = "multi_thread")]
async fn a_second_consumer_takes_over_partitions_and_nothing_is_lost() {
    const PARTITIONS: i32 = 4;
    const CHUNK: u32 = 25;
    let cluster = Cluster::start();
    let topic = cluster.topic("pair", PARTITIONS).await;
    let produced = std::sync::atomic::AtomicU32::new(0);
    // Set once the last chunk is stored: before that, `produced` runs ahead of what is there.
    let finished = std::sync::atomic::AtomicBool::new(false);
    let produce = async {
        // Bounded: a b that never gets a partition ends the test here.
        for _ in 0..1200 {
            let b_saved = saved_by("b") > 0;
            for partition in 0..PARTITIONS {
                let from = produced.fetch_add(CHUNK, std::sync::atomic::Ordering::SeqCst);
                let rows: Vec<Vec<u8>> = (from..from + CHUNK)
                    .map(|id| format!(r#"{{"id":{id}}}"#).into_bytes())
                    .collect();
                cluster.produce(&topic, partition, &rows).await;
            }
            if b_saved {
                finished.store(true, std::sync::atomic::Ordering::SeqCst);
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("consumer b saved nothing after 1200 chunks: it was given no partition");
    };
    let all_saved = || {
        let done = finished.load(std::sync::atomic::Ordering::SeqCst);
        let n = produced.load(std::sync::atomic::Ordering::SeqCst);
        done && saved_by("b") > 0 && distinct() == n as usize
    };
    let a = runner(&cluster, &topic, SaveA::new().into_dyn()).run_until(wait_until(
        "every row saved",
        Duration::from_secs(120),
        all_saved,
    ));
    let b = async {
        wait_until("a saved some rows", Duration::from_secs(60), || {
            saved_by("a") > 0
        })
        .await;
        runner(&cluster, &topic, SaveB::new().into_dyn())
            .run_until(wait_until(
                "every row saved",
                Duration::from_secs(120),
                all_saved,
            ))
            .await
    };
    let ((), a, b) = futures::join!(produce, a, b);
    let (a, b) = (a.unwrap(), b.unwrap());
    let n = produced.load(std::sync::atomic::Ordering::SeqCst) as usize;
    assert_eq!(distinct(), n, "every row saved");
    let duplicates = SAVED.lock().unwrap().len() - n;
    eprintln!("{n} rows; a {a:?}; b {b:?}; {duplicates} saved twice");
    // Cooperative rebalancing moves only the partitions b takes; a batch done on one of them
    // and not yet committed runs again there: at most 4 × 50 rows a rebalance. b's join takes
    // two rebalances on a quiet machine (400); on a loaded one missed heartbeats add more (550
    // and 775 seen with builds and benchmarks beside the test), so the bound allows five. What
    // this test guards strictly is above: no row lost.
    assert!(duplicates <= 1000, "{duplicates} rows saved twice");
    assert!(
        a.acked > 0 && b.acked > 0,
        "both consumers ran: a {a:?}, b {b:?}"
    );
}

/// The broker goes down after a first batch: fetches then fail with an error that names the
/// topic, the group and the brokers (the runner logs it and tries again); once the broker is
/// back the next rows come, after the ones already done.
#[tokio::test(flavor = "multi_thread")]
async fn a_broker_that_is_down_fails_fetches_naming_it_and_the_source_recovers() {
    let cluster = Cluster::start();
    let Cluster::Mock(mock) = &cluster else {
        eprintln!("skipped: a real broker cannot be stopped from this test");
        return;
    };
    let topic = cluster.topic("down", 1).await;
    let rows = |ids: std::ops::Range<u32>| -> Vec<Vec<u8>> {
        ids.map(|id| format!(r#"{{"id":{id}}}"#).into_bytes())
            .collect()
    };
    cluster.produce(&topic, 0, &rows(0..10)).await;
    let source = KafkaSource::new(&cluster.brokers(), &topic, "down").unwrap();
    let mut first = Vec::new();
    for _ in 0..600 {
        let batch = source
            .fetch(100, Duration::from_millis(100))
            .await
            .unwrap()
            .unwrap();
        first.extend(batch.into_iter().map(|m| m.id));
        if first.len() == 10 {
            break;
        }
    }
    assert_eq!(first.len(), 10, "the first rows came");
    source.ack(&first).await.unwrap();

    mock.broker_down(1).unwrap();
    let mut error = None;
    for _ in 0..600 {
        error = source.fetch(100, Duration::from_millis(100)).await.err();
        if error.is_some() {
            break;
        }
    }
    let error = error
        .expect("a fetch failed while the broker was down")
        .to_string();
    for part in [topic.as_str(), "group `down`", cluster.brokers().as_str()] {
        assert!(error.contains(part), "`{part}` not in: {error}");
    }

    mock.broker_up(1).unwrap();
    cluster.produce(&topic, 0, &rows(10..12)).await;
    let mut next = Vec::new();
    for _ in 0..600 {
        if let Ok(Some(batch)) = source.fetch(100, Duration::from_millis(100)).await {
            // A partition hands out its next batch once this one is acked: the two rows may
            // come in two batches.
            let ids: Vec<kisflow::source::MessageId> = batch.into_iter().map(|m| m.id).collect();
            source.ack(&ids).await.unwrap();
            next.extend(ids);
        }
        if next.len() >= 2 {
            break;
        }
    }
    assert_eq!(next, [format!("{topic}/0/10"), format!("{topic}/0/11")]);
}

/// The lag is what the group has not committed of this member's partitions: 20 rows, 10 of them
/// acked, leave 10 (once the commit, made without waiting, reached the cluster).
#[tokio::test(flavor = "multi_thread")]
async fn the_lag_is_the_high_watermark_less_the_committed_offset() {
    let cluster = Cluster::start();
    let topic = cluster.topic("lag", 1).await;
    let rows: Vec<Vec<u8>> = (0..20)
        .map(|id| format!(r#"{{"id":{id}}}"#).into_bytes())
        .collect();
    cluster.produce(&topic, 0, &rows).await;
    let source = KafkaSource::new(&cluster.brokers(), &topic, "lag").unwrap();
    assert_eq!(
        source.lag().await.unwrap(),
        None,
        "no consumer before the first fetch"
    );
    let mut fetched = Vec::new();
    for _ in 0..600 {
        let batch = source
            .fetch(100, Duration::from_millis(100))
            .await
            .unwrap()
            .unwrap();
        fetched.extend(batch.into_iter().map(|m| m.id));
        if fetched.len() == 20 {
            break;
        }
    }
    source.ack(&fetched[..10]).await.unwrap();
    let mut lag = None;
    for _ in 0..600 {
        lag = source.lag().await.unwrap();
        if lag.is_some_and(|l| l.messages == 10) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let lag = lag.expect("a lag once the consumer runs");
    assert_eq!(lag.messages, 10, "{lag:?}");
    assert!(lag.seconds >= 0.0, "{lag:?}");
}

/// A released message comes again, with what followed it: the source seeks its partition back.
#[tokio::test(flavor = "multi_thread")]
async fn a_released_message_comes_again_after_a_seek_back() {
    let cluster = Cluster::start();
    let topic = cluster.topic("release", 1).await;
    let rows: Vec<Vec<u8>> = (0..10)
        .map(|id| format!(r#"{{"id":{id}}}"#).into_bytes())
        .collect();
    cluster.produce(&topic, 0, &rows).await;
    let source = KafkaSource::new(&cluster.brokers(), &topic, "release").unwrap();
    let mut fetched = Vec::new();
    for _ in 0..600 {
        let batch = source
            .fetch(100, Duration::from_millis(100))
            .await
            .unwrap()
            .unwrap();
        fetched.extend(batch.into_iter().map(|m| m.id));
        if fetched.len() == 10 {
            break;
        }
    }
    source.release(&fetched[5..], Duration::ZERO).await.unwrap();
    source.ack(&fetched[..5]).await.unwrap();
    let mut again = Vec::new();
    for _ in 0..600 {
        let batch = source
            .fetch(100, Duration::from_millis(100))
            .await
            .unwrap()
            .unwrap();
        again.extend(batch.into_iter().map(|m| m.id));
        if again.len() >= 5 {
            break;
        }
    }
    assert_eq!(again, fetched[5..], "offsets 5 to 9 again, in order");
    source.ack(&again).await.unwrap();
    drop(source);
    assert_eq!(cluster.committed(&topic, "release", 1), [10]);
}
