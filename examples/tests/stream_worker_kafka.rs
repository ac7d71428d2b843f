//! The `stream_worker` example with `--kafka`, run as real processes against librdkafka's mock
//! cluster started in this test process (the workers connect to it over loopback) and a
//! `redis-server` sink: workers killed with SIGKILL and restarted under the same name lose
//! nothing, the group ends up committing every offset, and the rows written twice stay within a
//! bound (see the test for why it is loose). No Kafka broker can be installed here; the mock is
//! one in-process broker. `KISFLOW_KILL_SEED=<n>` picks other kill moments and victims.
//!
//! As for `stream_worker.rs`, `cargo test -p kisflow-examples` builds the example first.

mod common;
mod server;
mod workers;

use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use server::RedisServer;
use workers::{Rng, Worker, stop_all, wait_until};

const TOPIC: &str = "scores";
const PARTITIONS: i32 = 3;
const GROUP: &str = "averages";
const SINK: &str = "avg";

fn row(i: usize) -> String {
    format!(
        r#"{{"stu_id":{i},"score_1":{},"score_2":80,"score_3":70}}"#,
        60 + i % 40
    )
}

/// Produces rows 0..n on a thread of its own, row `i` to partition `i % PARTITIONS`.
fn produce(brokers: String, n: usize) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let producer: BaseProducer = ClientConfig::new()
            .set("bootstrap.servers", &brokers)
            .create()
            .unwrap();
        for i in 0..n {
            let payload = row(i);
            let partition = i32::try_from(i).unwrap() % PARTITIONS;
            loop {
                let record = BaseRecord::<(), _>::to(TOPIC)
                    .partition(partition)
                    .payload(&payload);
                match producer.send(record) {
                    Ok(()) => break,
                    Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), _)) => {
                        producer.poll(Duration::from_millis(10));
                    }
                    Err((err, _)) => panic!("produce: {err}"),
                }
            }
        }
        producer.flush(Duration::from_secs(30)).unwrap();
    })
}

/// What the group committed, summed over the partitions: the rows it is done with.
fn committed(consumer: &BaseConsumer) -> i64 {
    let mut list = TopicPartitionList::new();
    for partition in 0..PARTITIONS {
        list.add_partition(TOPIC, partition);
    }
    let Ok(committed) = consumer.committed_offsets(list, Duration::from_secs(5)) else {
        return -1;
    };
    committed
        .elements()
        .iter()
        .map(|e| match e.offset() {
            Offset::Offset(offset) => offset,
            _ => 0,
        })
        .sum()
}

fn start_workers(brokers: &str, redis: &RedisServer, batch: usize) -> Vec<Worker> {
    ["w1", "w2", "w3"]
        .iter()
        .map(|consumer| {
            let args = [
                "--kafka",
                brokers,
                "--sink-redis",
                &redis.address(),
                "--stream",
                TOPIC,
                "--group",
                GROUP,
                "--consumer",
                consumer,
                "--sink",
                SINK,
                "--batch",
                &batch.to_string(),
            ];
            Worker::start(
                args.iter().map(|s| (*s).to_owned()).collect(),
                redis.dir(),
                consumer,
            )
        })
        .collect()
}

/// 30,000 rows produced while a worker is killed with SIGKILL 5 times at random moments and
/// restarted under the same name: every row ends in the sink, the group commits every offset,
/// and duplicates stay bounded.
#[test]
fn killed_kafka_workers_lose_nothing_and_duplicate_a_bounded_number() {
    const N: usize = 30_000;
    const KILLS: usize = 5;
    const BATCH: usize = 100;
    let started = Instant::now();
    let seed = std::env::var("KISFLOW_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_u64);
    eprintln!("kafka kill test: seed {seed} (KISFLOW_KILL_SEED)");
    let mut rng = Rng(seed);
    let mock = MockCluster::new(1).unwrap();
    let brokers = mock.bootstrap_servers();
    mock.create_topic(TOPIC, PARTITIONS, 1).unwrap();
    mock.create_topic("scores.dlq", 1, 1).unwrap();
    let redis = RedisServer::start("kafka-kill");
    let mut con = redis.connection();
    let mut workers = start_workers(&brokers, &redis, BATCH);
    let producer = produce(brokers.clone(), N);
    let hlen = |con: &mut redis::Connection| -> usize {
        redis::cmd("HLEN").arg(SINK).query(con).unwrap_or(0)
    };
    let mut marks: Vec<usize> = (0..KILLS).map(|_| N / 50 + rng.below(N * 9 / 10)).collect();
    marks.sort_unstable();
    for (kill, mark) in marks.into_iter().enumerate() {
        wait_until(
            &format!("{mark} rows saved"),
            Duration::from_secs(120),
            || hlen(&mut con) >= mark,
        );
        std::thread::sleep(Duration::from_millis(rng.below(50) as u64));
        let victim = &mut workers[rng.below(3)];
        eprintln!(
            "kill {}: SIGKILL {} at {} rows saved",
            kill + 1,
            victim.consumer,
            hlen(&mut con)
        );
        victim.kill();
        victim.restart();
    }
    producer.join().expect("the producer thread");
    let group: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", &brokers)
        .set("group.id", GROUP)
        .create()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(180);
    while !(hlen(&mut con) == N && committed(&group) == i64::try_from(N).unwrap()) {
        assert!(
            Instant::now() < deadline,
            "not all {N} rows saved and committed within 180 s: {} saved, {} committed; \
             standard errors:\n{}",
            hlen(&mut con),
            committed(&group),
            workers
                .iter()
                .map(|w| format!("{}: {}", w.consumer, w.stderr()))
                .collect::<Vec<_>>()
                .join("\n")
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    stop_all(&mut workers);
    let written: usize = redis::cmd("GET")
        .arg(format!("{SINK}:rows"))
        .query(&mut con)
        .unwrap();
    let duplicates = written - N;
    // What a SIGKILL alone explains is small: each worker holds one batch in flight
    // (concurrency 1) and commits after each ack, so that batch and the one before it run again.
    // On the mock more runs twice: the kill and the restart each rebalance the group, commits
    // made meanwhile are refused or (seen here) overwritten by an older one from a member that
    // was losing the partition, and the partition's next owner starts from that older offset.
    // Runs with other seeds redid up to a whole partition's rows once per kill (10,000), never
    // more, and lost nothing; so that is the bound: an open weakness of commits across
    // rebalances, not the at-least-once promise, which the asserts above hold.
    let bound = KILLS * N / usize::try_from(PARTITIONS).unwrap();
    eprintln!(
        "kafka kill test: {written} rows written for {N} messages: {duplicates} duplicates \
         (bound {bound}) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert!(
        duplicates <= bound,
        "{duplicates} duplicates, more than {bound}"
    );
}
