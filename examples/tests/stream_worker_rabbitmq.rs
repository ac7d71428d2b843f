//! The `stream_worker` example with `--rabbitmq`, run as real processes against the machine's
//! RabbitMQ (127.0.0.1:5672, started by `scripts/test.sh`) and a `redis-server` sink this test
//! starts, each test on a queue of its own: workers killed with SIGKILL during a burst and
//! restarted lose nothing and duplicate a bounded number of rows, SIGTERM drains and exits 0,
//! undecodable rows reach the dead-letter exchange byte for byte, and a bad command line exits 2.
//!
//! As for `stream_worker.rs`, `cargo test -p kisflow-examples` builds the example first.

mod common;
#[path = "../../tests/tests/rabbit/mod.rs"]
mod rabbit;
mod server;
mod workers;

use std::process::{Command, Stdio};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use lapin::types::FieldTable;
use rabbit::{ADDR, Names, counts};
use server::RedisServer;
use workers::{EXIT_WITHIN, Rng, Worker, stop_all, wait_until};

const GROUP: &str = "averages";
const SINK: &str = "avg";

/// The tests with workers run one at a time, as in `stream_worker.rs`: on two cores they would
/// slow each other down.
static HEAVY: Mutex<()> = Mutex::new(());

fn one_at_a_time() -> MutexGuard<'static, ()> {
    HEAVY.lock().unwrap_or_else(PoisonError::into_inner)
}

fn row(i: usize) -> Vec<u8> {
    format!(
        r#"{{"stu_id":{i},"score_1":{},"score_2":80,"score_3":70}}"#,
        60 + i % 40
    )
    .into_bytes()
}

/// The queue `queue` declared, with a runtime to publish on.
fn declared(queue: &str) -> (tokio::runtime::Runtime, lapin::Connection, lapin::Channel) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (connection, channel) = runtime.block_on(rabbit::connect());
    runtime.block_on(rabbit::declare(&channel, queue, FieldTable::default()));
    (runtime, connection, channel)
}

/// Workers named `consumers` on `queue`, writing to the Redis sink.
fn start_workers(
    queue: &str,
    redis: &RedisServer,
    consumers: &[&str],
    batch: usize,
) -> Vec<Worker> {
    consumers
        .iter()
        .map(|consumer| {
            let args = [
                "--rabbitmq",
                ADDR,
                "--sink-redis",
                &redis.address(),
                "--stream",
                queue,
                "--group",
                GROUP,
                "--consumer",
                consumer,
                "--sink",
                SINK,
                "--batch",
                &batch.to_string(),
            ];
            let args = args.iter().map(|s| (*s).to_owned()).collect();
            Worker::start(args, redis.dir(), consumer)
        })
        .collect()
}

fn hlen(con: &mut redis::Connection) -> usize {
    redis::cmd("HLEN").arg(SINK).query(con).unwrap_or(0)
}

fn rows_written(con: &mut redis::Connection) -> usize {
    redis::cmd("GET")
        .arg(format!("{SINK}:rows"))
        .query::<Option<usize>>(con)
        .unwrap()
        .unwrap_or(0)
}

/// Whether `queue` holds nothing ready and nothing unacked.
fn drained(queue: &str) -> bool {
    matches!(counts(queue), Some((0, 0, _)))
}

/// 100,000 rows published in a burst while a worker of three is killed with SIGKILL 10 times at
/// random moments and restarted: every row reaches the sink, nothing stays in the queue, and the
/// rows written twice stay within what the kills can explain.
#[test]
fn killed_rabbitmq_workers_lose_nothing_and_duplicate_a_bounded_number() {
    const N: usize = 100_000;
    const KILLS: usize = 10;
    const BATCH: usize = 100;
    let _heavy = one_at_a_time();
    let started = Instant::now();
    let mut rng = Rng(0x5eed);
    let names = Names::new("worker-kill", &["scores"]);
    let queue = names.queues[0].clone();
    let names = names.exchange(&format!("{queue}.dlq"));
    let redis = RedisServer::start("rabbit-kill");
    let mut con = redis.connection();
    let (runtime, _connection, channel) = declared(&queue);
    let mut workers = start_workers(&queue, &redis, &["w1", "w2", "w3"], BATCH);
    let producer = {
        let (channel, queue, handle) = (channel.clone(), queue.clone(), runtime.handle().clone());
        std::thread::spawn(move || {
            for chunk in (0..N).collect::<Vec<_>>().chunks(1000) {
                let rows: Vec<Vec<u8>> = chunk.iter().map(|&i| row(i)).collect();
                handle.block_on(rabbit::publish(&channel, &queue, &rows));
            }
        })
    };
    let mut marks: Vec<usize> = (0..KILLS).map(|_| N / 50 + rng.below(N * 9 / 10)).collect();
    marks.sort_unstable();
    for (kill, mark) in marks.into_iter().enumerate() {
        wait_until(
            &format!("{mark} rows saved"),
            Duration::from_secs(90),
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
    wait_until(
        &format!("all {N} rows saved and the queue drained"),
        Duration::from_secs(120),
        || hlen(&mut con) == N && drained(&queue),
    );
    stop_all(&mut workers);
    let written = rows_written(&mut con);
    let duplicates = written - N;
    // A SIGKILL between a batch's write and its ack leaves at most that batch written and
    // unacked (the worker runs one instance); the server delivers it again at once. One more
    // batch per kill covers a redelivery racing the restart.
    let bound = KILLS * BATCH * 2;
    eprintln!(
        "rabbitmq kill test: {written} rows written for {N} messages: {duplicates} duplicates \
         (bound {bound}) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert!(
        duplicates <= bound,
        "{duplicates} duplicates, more than {bound}"
    );
    assert!(drained(&queue), "messages left in the queue");
    drop(names);
}

/// SIGTERM while rows flow: the worker finishes and acks what it fetched, then exits 0; a second
/// worker takes the rest, and no row is written twice.
#[test]
fn sigterm_drains_and_exits_0_and_nothing_is_written_twice() {
    const N: usize = 3000;
    let _heavy = one_at_a_time();
    let names = Names::new("worker-term", &["scores"]);
    let queue = names.queues[0].clone();
    let names = names.exchange(&format!("{queue}.dlq"));
    let redis = RedisServer::start("rabbit-term");
    let mut con = redis.connection();
    let (runtime, _connection, channel) = declared(&queue);
    let rows: Vec<Vec<u8>> = (0..N).map(row).collect();
    runtime.block_on(rabbit::publish(&channel, &queue, &rows));
    let mut first = start_workers(&queue, &redis, &["w1"], 50);
    wait_until("some rows saved", Duration::from_secs(30), || {
        hlen(&mut con) >= 100
    });
    first[0].terminate();
    let status = first[0].wait_exit(EXIT_WITHIN);
    first[0].assert_success(status);
    let report = first[0].report();
    assert_eq!(
        report.received, report.acked,
        "everything fetched was acked: {report:?}"
    );
    let mut second = start_workers(&queue, &redis, &["w2"], 50);
    wait_until("all rows saved", Duration::from_secs(60), || {
        hlen(&mut con) == N && drained(&queue)
    });
    stop_all(&mut second);
    assert_eq!(rows_written(&mut con), N, "no row written twice");
    drop(names);
}

/// Rows that do not decode go to the exchange `<queue>.dlq` and its queue byte for byte, with the
/// error and the message id as headers; the others reach the sink, and the queue is drained.
#[test]
fn poison_rows_go_to_the_dead_letter_exchange() {
    let _heavy = one_at_a_time();
    let names = Names::new("worker-poison", &["scores"]);
    let queue = names.queues[0].clone();
    let dlq = format!("{queue}.dlq");
    let names = names.exchange(&dlq);
    let redis = RedisServer::start("rabbit-poison");
    let mut con = redis.connection();
    let (runtime, _connection, channel) = declared(&queue);
    let poison = [
        b"not json".to_vec(),
        b"\xff\xfe".to_vec(),
        br#"{"stu_id":"x"}"#.to_vec(),
    ];
    let mut rows: Vec<Vec<u8>> = (0..200).map(row).collect();
    for (at, bad) in [(10, 0), (100, 1), (150, 2)] {
        rows.insert(at, poison[bad].clone());
    }
    runtime.block_on(rabbit::publish(&channel, &queue, &rows));
    let mut workers = start_workers(&queue, &redis, &["w1"], 20);
    wait_until(
        "the good rows saved and the queue drained",
        Duration::from_secs(30),
        || hlen(&mut con) == 200 && drained(&queue),
    );
    let reports = stop_all(&mut workers);
    assert_eq!(reports[0].dead_lettered, 3, "{reports:?}");
    let letters = runtime.block_on(rabbit::take_all(&channel, &dlq));
    let mut bodies: Vec<Vec<u8>> = letters.iter().map(|l| l.data.clone()).collect();
    bodies.sort();
    let mut expected = poison.to_vec();
    expected.sort();
    assert_eq!(bodies, expected, "the original payloads, byte for byte");
    for letter in &letters {
        let headers = letter
            .properties
            .headers()
            .as_ref()
            .expect("headers")
            .inner();
        for name in [
            "error",
            "source_id",
            "source",
            "flow",
            "kind",
            "attempts",
            "time",
        ] {
            assert!(headers.contains_key(name), "header {name}: {headers:?}");
        }
        assert!(letter.properties.message_id().is_some());
    }
    drop(names);
}

/// `--rabbitmq` without the sink's Redis is refused with exit code 2 and the usage.
#[test]
fn rabbitmq_without_a_sink_exits_2_with_usage() {
    let binary = common::example("stream_worker");
    let output = Command::new(&binary)
        .args(["--rabbitmq", ADDR, "--stream", "s", "--group", "g"])
        .args(["--consumer", "c", "--sink", "h"])
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", binary.display()));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "standard error:\n{stderr}");
    assert!(
        stderr.contains("`--rabbitmq` needs `--sink-redis HOST:PORT`"),
        "{stderr}"
    );
    assert!(stderr.contains("usage:"), "{stderr}");
}
