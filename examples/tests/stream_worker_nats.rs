//! The `stream_worker` example with `--nats`, run as real processes against a `nats-server` (the
//! source) and a `redis-server` (the sink) this test starts: workers killed with SIGKILL and
//! restarted lose nothing, and the rows written twice stay within what the kills can explain.
//!
//! As for `stream_worker.rs`, `cargo test -p kisflow-examples` builds the example first.

mod common;
mod server;
mod workers;

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use async_nats::jetstream;
use server::RedisServer;
use workers::{Rng, Worker, stop_all, wait_until};

const STREAM: &str = "SCORES";
const GROUP: &str = "averages";
const SINK: &str = "avg";

/// A throwaway `nats-server -js` on a free port with its own store, killed by its PID on drop.
struct NatsServer {
    child: Child,
    port: u16,
}

impl NatsServer {
    fn start(dir: &std::path::Path) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let store = dir.join("nats");
        let child = Command::new("nats-server")
            .args(["-a", "127.0.0.1", "-p", &port.to_string(), "-js", "-sd"])
            .arg(&store)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nats-server is installed (scripts/test.sh installs it)");
        wait_until(
            "nats-server accepts connections",
            Duration::from_secs(10),
            || std::net::TcpStream::connect(("127.0.0.1", port)).is_ok(),
        );
        Self { child, port }
    }

    fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn row(i: usize) -> Vec<u8> {
    format!(
        r#"{{"stu_id":{i},"score_1":{},"score_2":80,"score_3":70}}"#,
        60 + i % 40
    )
    .into_bytes()
}

/// The consumer's messages not yet delivered plus delivered and not acked.
async fn outstanding(context: &jetstream::Context) -> u64 {
    let Ok(stream) = context.get_stream(STREAM).await else {
        return u64::MAX;
    };
    let Ok(mut consumer) = stream
        .get_consumer::<jetstream::consumer::pull::Config>(GROUP)
        .await
    else {
        return u64::MAX;
    };
    match consumer.info().await {
        Ok(info) => info.num_pending + info.num_ack_pending as u64,
        Err(_) => u64::MAX,
    }
}

/// A JetStream context with the stream made.
async fn stream(nats: &NatsServer) -> jetstream::Context {
    let client = async_nats::connect(nats.address()).await.unwrap();
    let context = jetstream::new(client);
    context
        .get_or_create_stream(jetstream::stream::Config {
            name: STREAM.to_owned(),
            subjects: vec![STREAM.to_owned()],
            ..Default::default()
        })
        .await
        .unwrap();
    context
}

/// Workers w1, w2 and w3 on the durable consumer, writing to the Redis sink.
fn start_workers(nats: &NatsServer, redis: &RedisServer, batch: usize) -> Vec<Worker> {
    ["w1", "w2", "w3"]
        .iter()
        .map(|consumer| {
            let args = [
                "--nats",
                &nats.address(),
                "--sink-redis",
                &redis.address(),
                "--stream",
                STREAM,
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

/// Publishes rows 0..n on a thread of its own, waiting for JetStream's acks a thousand at a time.
fn publish(
    runtime: &tokio::runtime::Runtime,
    context: &jetstream::Context,
    n: usize,
) -> std::thread::JoinHandle<()> {
    let context = context.clone();
    let handle = runtime.handle().clone();
    std::thread::spawn(move || {
        handle.block_on(async {
            for chunk in (0..n).collect::<Vec<_>>().chunks(1000) {
                let mut acks = Vec::with_capacity(chunk.len());
                for &i in chunk {
                    acks.push(context.publish(STREAM, row(i).into()).await.unwrap());
                }
                for ack in acks {
                    ack.await.unwrap();
                }
            }
        });
    })
}

/// 100,000 rows published while a worker is killed with SIGKILL 10 times at random moments and
/// restarted: every row ends in the sink, nothing stays unacked, and duplicates stay bounded.
#[test]
fn killed_nats_workers_lose_nothing_and_duplicate_a_bounded_number() {
    const N: usize = 100_000;
    const KILLS: usize = 10;
    const BATCH: usize = 100;
    let started = Instant::now();
    let mut rng = Rng(0x5eed);
    let redis = RedisServer::start("nats-kill");
    let nats = NatsServer::start(redis.dir());
    let mut con = redis.connection();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let context = runtime.block_on(stream(&nats));
    let mut workers = start_workers(&nats, &redis, BATCH);
    let producer = publish(&runtime, &context, N);
    let hlen = |con: &mut redis::Connection| -> usize {
        redis::cmd("HLEN").arg(SINK).query(con).unwrap_or(0)
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
    // A killed worker's unacked batch comes back after the consumer's ack wait (30 s).
    wait_until(
        &format!("all {N} rows saved and nothing unacked"),
        Duration::from_secs(120),
        || hlen(&mut con) == N && runtime.block_on(outstanding(&context)) == 0,
    );
    stop_all(&mut workers);
    let written: usize = redis::cmd("GET")
        .arg(format!("{SINK}:rows"))
        .query(&mut con)
        .unwrap();
    let duplicates = written - N;
    // As with Redis: a SIGKILL between a batch's write and its acks leaves at most one batch of
    // BATCH rows written and unacked, delivered again after the ack wait; one more batch per kill
    // covers a redelivery that races the restart.
    let bound = KILLS * BATCH * 2;
    eprintln!(
        "nats kill test: {written} rows written for {N} messages: {duplicates} duplicates (bound \
         {bound}) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert!(
        duplicates <= bound,
        "{duplicates} duplicates, more than {bound}"
    );
    let unacked = runtime.block_on(outstanding(&context));
    assert_eq!(unacked, 0, "messages left unacked");
}
