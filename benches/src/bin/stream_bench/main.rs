//! Stream sources end to end: messages/s and send-to-ack latency of Redis Streams, NATS
//! JetStream, RabbitMQ and Kafka (librdkafka's in-process mock cluster) → the bench flow (Verify → Calculate → Calculate → Expand over `StuScore` JSON rows)
//! → ack, through kisflow's source and `Runner`, against the same reads and acks written by hand
//! with the same client in the same process (the floor). Run it with
//! `cargo run --release -p kisflow-bench --features stream --bin stream-bench`.
//!
//! It starts its own `redis-server` and `nats-server` (JetStream) on free ports and kills them by
//! PID at the end; RabbitMQ is the machine's (`--amqp`, default 127.0.0.1:5672), on queues named
//! after this process, deleted after each round; Kafka is a mock cluster in this process (see
//! `kafka_side`). Options: `--rounds N` (throughput rounds, default 7), `--messages N` (per
//! round, default 200000), `--batch N` (default 500), `--rate N` (messages/s produced while
//! measuring latency, default 20000), `--seconds N` (of producing, default 3), `--latency-rounds N`
//! (default 3), `--wait-ms N` (the longest wait for a full batch, default 1000),
//! `--only redis|nats|rabbitmq|kafka`, `--amqp HOST:PORT|URL`.
//!
//! Throughput: each round fills a fresh stream with N rows, then one worker (one flow instance,
//! batches of `--batch`) reads, runs and acks them all; messages/s is N over the time from its
//! start (connecting included) to the return of the ack that completed N. kisflow and the floor
//! each get their own fresh stream per round and alternate which goes first.
//!
//! Latency: the consumer starts on an empty fresh stream, then a producer task adds rows at
//! `--rate` (a burst every millisecond), noting each message's send time just before sending it;
//! a message's latency is the time the ack command that covered it returned minus its send time.
//! p50 and p99 are over all messages of a round; the medians over rounds are printed.

// Counts here stay far below 2^52.
#![allow(clippy::cast_precision_loss)]

mod common;
mod kafka_side;
mod nats_side;
mod one_side;
mod rabbit_side;
mod redis_side;
mod servers;

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use kisflow_bench::{BASELINE_A_GRADES, FLOW_A_GRADES, json_rows, rows};

use common::{Acks, Sent};
use servers::Server;

pub(crate) struct Args {
    rounds: usize,
    messages: usize,
    batch: usize,
    rate: u64,
    seconds: u64,
    latency_rounds: usize,
    /// How long a fetch waits for a full batch, on both sides.
    wait: Duration,
    only: Option<String>,
    /// `--amqp`: the RabbitMQ server.
    amqp: String,
    /// `--one-side kisflow|floor|fill`: see [`one_side`].
    one_side: Option<String>,
}

impl Args {
    fn parse() -> Self {
        let args: Vec<String> = std::env::args().collect();
        let value = |name: &str| {
            args.iter().position(|a| a == name).map(|i| {
                args.get(i + 1)
                    .unwrap_or_else(|| panic!("{name} takes a value"))
            })
        };
        let number = |name: &str, default: usize| {
            value(name).map_or(default, |n| {
                n.parse()
                    .unwrap_or_else(|_| panic!("{name} takes a number"))
            })
        };
        Self {
            rounds: number("--rounds", 7),
            messages: number("--messages", 200_000),
            batch: number("--batch", 500),
            rate: number("--rate", 20_000) as u64,
            seconds: number("--seconds", 3) as u64,
            latency_rounds: number("--latency-rounds", 3),
            wait: Duration::from_millis(number("--wait-ms", 1000) as u64),
            only: value("--only").cloned(),
            amqp: value("--amqp").map_or_else(|| "127.0.0.1:5672".to_owned(), Clone::clone),
            one_side: value("--one-side").cloned(),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Broker {
    Redis,
    Nats,
    Rabbit,
    Kafka,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Kisflow,
    Floor,
}

impl fmt::Display for Broker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Self::Redis => "Redis Streams",
            Self::Nats => "NATS JetStream",
            Self::Rabbit => "RabbitMQ",
            Self::Kafka => "Kafka (mock)",
        })
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Self::Kisflow => "kisflow",
            Self::Floor => "floor",
        })
    }
}

fn main() {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let redis = Server::redis();
    let nats = Server::nats();
    let kafka = args
        .only
        .as_deref()
        .is_none_or(|only| only == "kafka")
        .then(|| {
            let latency_messages = usize::try_from(args.rate * args.seconds).expect("a count");
            let rounds = args.rounds.max(args.latency_rounds);
            kafka_side::mock(args.messages, latency_messages, rounds)
        });
    println!(
        "stream sources end to end: one worker, batches of {}, {} messages a round; floor = the \
         same reads and acks by hand with the same client\n",
        args.batch, args.messages
    );
    let mut results = Vec::new();
    for broker in [Broker::Redis, Broker::Nats, Broker::Rabbit, Broker::Kafka] {
        let name = match broker {
            Broker::Redis => "redis",
            Broker::Nats => "nats",
            Broker::Rabbit => "rabbitmq",
            Broker::Kafka => "kafka",
        };
        if args.only.as_deref().is_some_and(|only| only != name) {
            continue;
        }
        let addr = match broker {
            Broker::Redis => format!("redis://{}/", redis.addr),
            Broker::Nats => nats.addr.clone(),
            Broker::Rabbit => args.amqp.clone(),
            Broker::Kafka => kafka
                .as_ref()
                .expect("the mock cluster runs")
                .bootstrap_servers(),
        };
        if let Some(which) = &args.one_side {
            runtime.block_on(one_side::run(broker, &addr, which, &args));
            continue;
        }
        results.push(runtime.block_on(measure(broker, &addr, &args)));
    }
    println!(
        "\n| source | kisflow msg/s | floor msg/s | ratio | p50 kisflow | p50 floor | p99 kisflow | p99 floor |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for r in &results {
        println!(
            "| {} | {:.0} | {:.0} | {:.2} | {:.2} ms | {:.2} ms | {:.2} ms | {:.2} ms |",
            r.broker, r.kisflow, r.floor, r.ratio, r.p50.0, r.p50.1, r.p99.0, r.p99.1
        );
    }
    drop((redis, nats, kafka));
}

struct Result {
    broker: Broker,
    kisflow: f64,
    floor: f64,
    /// The median of the per-round ratios kisflow/floor.
    ratio: f64,
    /// (kisflow, floor), milliseconds.
    p50: (f64, f64),
    p99: (f64, f64),
}

async fn measure(broker: Broker, addr: &str, args: &Args) -> Result {
    let (mut p50s, mut p99s) = ([Vec::new(), Vec::new()], [Vec::new(), Vec::new()]);
    let count = usize::try_from(args.rate * args.seconds).expect("a small count");
    let json = Arc::new(json_rows(&rows(count, 1_000)));
    for round in 0..args.latency_rounds {
        let order = if round % 2 == 0 {
            [Side::Kisflow, Side::Floor]
        } else {
            [Side::Floor, Side::Kisflow]
        };
        for side in order {
            let (p50, p99) = latency(broker, addr, side, round, &json, args).await;
            let i = usize::from(side == Side::Floor);
            p50s[i].push(p50);
            p99s[i].push(p99);
            println!(
                "{broker:<15} latency round {round} {side:<8} at {} msg/s: p50 {p50:.2} ms, p99 {p99:.2} ms",
                args.rate
            );
        }
    }
    let (mut kisflow, mut floor, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..args.rounds {
        let json = Arc::new(json_rows(&rows(args.messages, round as u64)));
        let order = if round % 2 == 0 {
            [Side::Kisflow, Side::Floor]
        } else {
            [Side::Floor, Side::Kisflow]
        };
        let mut rates = [0.0; 2];
        let mut a_grades = [0; 2];
        for side in order {
            let before = side_a_grades(side);
            let rate = throughput(
                broker,
                addr,
                Some(side),
                round,
                &json,
                (args.batch, args.wait),
            )
            .await;
            let i = usize::from(side == Side::Floor);
            rates[i] = rate;
            a_grades[i] = side_a_grades(side) - before;
            println!("{broker:<15} round {round} {side:<8} {rate:>10.0} msg/s");
        }
        assert_eq!(
            a_grades[0], a_grades[1],
            "both sides count the same A grades"
        );
        kisflow.push(rates[0]);
        floor.push(rates[1]);
        ratios.push(rates[0] / rates[1]);
    }
    Result {
        broker,
        kisflow: median(kisflow),
        floor: median(floor),
        ratio: median(ratios),
        p50: (median(p50s[0].clone()), median(p50s[1].clone())),
        p99: (median(p99s[0].clone()), median(p99s[1].clone())),
    }
}

fn side_a_grades(side: Side) -> u64 {
    match side {
        Side::Kisflow => FLOW_A_GRADES.load(Ordering::Relaxed),
        Side::Floor => BASELINE_A_GRADES.load(Ordering::Relaxed),
    }
}

/// One side over a fresh stream filled with `json`: messages/s until all are acked.
pub(crate) async fn throughput(
    broker: Broker,
    addr: &str,
    side: Option<Side>,
    round: usize,
    json: &[String],
    batch: (usize, Duration),
) -> f64 {
    let stream = match side {
        Some(side) => format!("bench_{round}_{side}"),
        None => format!("bench_{round}_fill"),
    };
    // The RabbitMQ server is shared: a queue of this process's own.
    let stream = match broker {
        Broker::Rabbit => format!("kisflow-{stream}-{}", std::process::id()),
        _ => stream,
    };
    let acks = Acks::new(json.len(), None);
    // Only the fill (`--one-side fill`): what the other modes count besides consuming.
    let Some(side) = side else {
        fill_only(broker, addr, &stream, json).await;
        return 0.0;
    };
    let start = match broker {
        Broker::Redis => {
            let mut conn = redis_side::connect(addr).await;
            redis::cmd("DEL")
                .arg(&stream)
                .query_async::<()>(&mut conn)
                .await
                .expect("DEL");
            redis_side::prefill(&mut conn, &stream, json).await;
            let start = consume(broker, addr, side, &stream, &acks, batch).await;
            redis::cmd("DEL")
                .arg(&stream)
                .query_async::<()>(&mut conn)
                .await
                .expect("DEL");
            start
        }
        Broker::Nats => {
            let context = nats_side::fresh_stream(addr, &stream).await;
            nats_side::prefill(&context, &stream, json).await;
            let start = consume(broker, addr, side, &stream, &acks, batch).await;
            context
                .delete_stream(&stream)
                .await
                .expect("a deleted stream");
            start
        }
        Broker::Rabbit => {
            let (_connection, channel) = rabbit_side::fresh_queue(addr, &stream).await;
            rabbit_side::prefill(&channel, &stream, json).await;
            let start = consume(broker, addr, side, &stream, &acks, batch).await;
            rabbit_side::delete(&channel, &stream).await;
            start
        }
        // The mock's topics were made up front, and go with the cluster.
        Broker::Kafka => {
            kafka_side::prefill(addr, &stream, json).await;
            consume(broker, addr, side, &stream, &acks, batch).await
        }
    };
    json.len() as f64 / acks.elapsed_since(start).as_secs_f64()
}

/// Fills `stream` with `json` and deletes it again, consuming nothing.
async fn fill_only(broker: Broker, addr: &str, stream: &str, json: &[String]) {
    match broker {
        Broker::Redis => {
            let mut conn = redis_side::connect(addr).await;
            redis_side::prefill(&mut conn, stream, json).await;
            redis::cmd("DEL")
                .arg(stream)
                .query_async::<()>(&mut conn)
                .await
                .expect("DEL");
        }
        Broker::Nats => {
            let context = nats_side::fresh_stream(addr, stream).await;
            nats_side::prefill(&context, stream, json).await;
            context
                .delete_stream(stream)
                .await
                .expect("a deleted stream");
        }
        Broker::Rabbit => {
            let (_connection, channel) = rabbit_side::fresh_queue(addr, stream).await;
            rabbit_side::prefill(&channel, stream, json).await;
            rabbit_side::delete(&channel, stream).await;
        }
        Broker::Kafka => kafka_side::prefill(addr, stream, json).await,
    }
}

/// One side consuming `stream` in a task of its own until `acks` reaches its target; returns
/// when it started.
async fn consume(
    broker: Broker,
    addr: &str,
    side: Side,
    stream: &str,
    acks: &Arc<Acks>,
    (batch, wait): (usize, Duration),
) -> Instant {
    let (addr, stream, acks) = (addr.to_owned(), stream.to_owned(), Arc::clone(acks));
    tokio::spawn(async move {
        match (broker, side) {
            (Broker::Redis, Side::Kisflow) => {
                redis_side::kisflow(&addr, &stream, &acks, batch, wait).await
            }
            (Broker::Redis, Side::Floor) => {
                redis_side::floor(&addr, &stream, &acks, batch, wait).await
            }
            (Broker::Nats, Side::Kisflow) => {
                nats_side::kisflow(&addr, &stream, &acks, batch, wait).await
            }
            (Broker::Nats, Side::Floor) => {
                nats_side::floor(&addr, &stream, &acks, batch, wait).await
            }
            (Broker::Rabbit, Side::Kisflow) => {
                rabbit_side::kisflow(&addr, &stream, &acks, batch, wait).await
            }
            (Broker::Rabbit, Side::Floor) => {
                rabbit_side::floor(&addr, &stream, &acks, batch, wait).await
            }
            (Broker::Kafka, Side::Kisflow) => {
                kafka_side::kisflow(&addr, &stream, &acks, batch, wait).await
            }
            (Broker::Kafka, Side::Floor) => {
                kafka_side::floor(&addr, &stream, &acks, batch, wait).await
            }
        }
    })
    .await
    .expect("the consumer task")
}

/// One side consuming a fresh stream while a producer adds `json` to it at `args.rate`: the p50
/// and p99 of send-to-ack latency, milliseconds.
async fn latency(
    broker: Broker,
    addr: &str,
    side: Side,
    round: usize,
    json: &Arc<Vec<String>>,
    args: &Args,
) -> (f64, f64) {
    let stream = match broker {
        Broker::Rabbit => format!("kisflow-latency_{round}_{side}-{}", std::process::id()),
        _ => format!("latency_{round}_{side}"),
    };
    let sent = Sent::new(json.len());
    let acks = Acks::new(json.len(), Some(Arc::clone(&sent)));
    let (json, rate) = (Arc::clone(json), args.rate);
    let consumer = {
        let (addr, stream, acks, batch) = (
            addr.to_owned(),
            stream.clone(),
            Arc::clone(&acks),
            (args.batch, args.wait),
        );
        match broker {
            Broker::Redis => {
                let mut conn = redis_side::connect(&addr).await;
                redis::cmd("DEL")
                    .arg(&stream)
                    .query_async::<()>(&mut conn)
                    .await
                    .expect("DEL");
            }
            Broker::Nats => drop(nats_side::fresh_stream(&addr, &stream).await),
            Broker::Rabbit => drop(rabbit_side::fresh_queue(&addr, &stream).await),
            Broker::Kafka => {}
        }
        tokio::spawn(async move { consume(broker, &addr, side, &stream, &acks, batch).await })
    };
    // Let the consumer connect and make its group before the first message is sent; a Kafka
    // group's first join waits for the mock's initial rebalance delay (3 s).
    let join = if broker == Broker::Kafka { 4000 } else { 300 };
    tokio::time::sleep(Duration::from_millis(join)).await;
    match broker {
        Broker::Redis => {
            let conn = redis_side::connect(addr).await;
            redis_side::produce(conn, stream.clone(), json, sent, rate).await;
        }
        Broker::Nats => {
            let client = async_nats::connect(addr).await.expect("NATS is up");
            let context = async_nats::jetstream::new(client);
            nats_side::produce(context.clone(), stream.clone(), json, sent, rate).await;
        }
        Broker::Rabbit => {
            let (connection, channel) = rabbit_side::connect(addr).await;
            rabbit_side::produce(channel, stream.clone(), json, sent, rate).await;
            drop(connection);
        }
        Broker::Kafka => {
            kafka_side::produce(addr.to_owned(), stream.clone(), json, sent, rate).await;
        }
    }
    consumer.await.expect("the consumer task");
    match broker {
        Broker::Redis => {
            let mut conn = redis_side::connect(addr).await;
            redis::cmd("DEL")
                .arg(&stream)
                .query_async::<()>(&mut conn)
                .await
                .expect("DEL");
        }
        Broker::Nats => {
            let client = async_nats::connect(addr).await.expect("NATS is up");
            let context = async_nats::jetstream::new(client);
            context
                .delete_stream(&stream)
                .await
                .expect("a deleted stream");
        }
        Broker::Rabbit => {
            let (_connection, channel) = rabbit_side::connect(addr).await;
            rabbit_side::delete(&channel, &stream).await;
        }
        Broker::Kafka => {}
    }
    acks.percentiles()
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}
