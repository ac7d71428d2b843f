//! A stream worker: consumes `StuScore` rows from a Redis stream through a consumer group, from a
//! NATS JetStream stream through a durable consumer, from a RabbitMQ queue, or from a Kafka topic
//! as a member of a consumer group, averages them and saves the averages to a Redis hash, acking
//! each batch only after it is saved. Run several with the same group (or queue) to share the
//! stream.
//!
//! ```sh
//! cargo run --release -p kisflow-examples --example stream_worker -- \
//!     --redis 127.0.0.1:6379 --stream scores --group averages --consumer w1 --sink avg
//! cargo run --release -p kisflow-examples --example stream_worker -- \
//!     --nats 127.0.0.1:4222 --sink-redis 127.0.0.1:6379 --stream scores --group averages \
//!     --consumer w1 --sink avg
//! cargo run --release -p kisflow-examples --example stream_worker -- \
//!     --rabbitmq 127.0.0.1:5672 --sink-redis 127.0.0.1:6379 --stream scores --group averages \
//!     --consumer w1 --sink avg
//! cargo run --release -p kisflow-examples --example stream_worker -- \
//!     --kafka 127.0.0.1:9092 --sink-redis 127.0.0.1:6379 --stream scores --group averages \
//!     --consumer w1 --sink avg
//! ```
//!
//! Exactly one of `--redis`, `--nats`, `--rabbitmq` and `--kafka` names the source:
//!
//! - `--redis`: each entry's field `data` of the stream `<stream>` holds one JSON row; the group
//!   is `<group>`, this worker its consumer `<consumer>`; entries other consumers left pending
//!   longer than `--claim-idle-ms` are taken over. The sink is the same Redis.
//! - `--nats`: each message of the JetStream stream `<stream>` (on the subject `<stream>`, made
//!   when missing) is one JSON row; `<group>` is the durable consumer and `<consumer>` names this
//!   worker's connection. Unacked messages come again after the consumer's `ack_wait` (30 s), so
//!   `--claim-idle-ms` does not apply. The sink is the Redis of `--sink-redis`.
//! - `--rabbitmq`: each message of the queue `<stream>` (declared durable when missing) is one
//!   JSON row; the worker consumes as `<group>.<consumer>` with a prefetch of concurrency × batch.
//!   A worker's unacked messages go back to the queue as soon as its connection closes (or the
//!   process dies), so `--claim-idle-ms` does not apply. The sink is the Redis of `--sink-redis`.
//! - `--kafka`: each message of the topic `<stream>` (at these bootstrap servers) is one JSON
//!   row; `<group>` is the consumer group and `<consumer>` this member's `client.id`. A worker
//!   that dies gives its partitions up after 6 s (`session.timeout.ms`; librdkafka's default is
//!   45 s), and the others take them over from the committed offsets. The group commits only
//!   offsets whose batch is saved. The sink is the Redis of `--sink-redis`.
//!
//! A row is `{"stu_id":..,"score_1":..,"score_2":..,"score_3":..}`. Per batch the sink gets, in
//! one MULTI/EXEC, `HSET <sink> <stu_id> <avg_score>` for every row and
//! `INCRBY <sink>:rows <rows written>`. A row that does not decode goes to the dead letters with
//! its original bytes, the error and its message id, and is acked: with `--redis` the stream
//! `<stream>.dlq` (fields), with `--nats` the subject `<stream>.dlq` (body and headers; stored
//! only when a stream captures that subject), with `--rabbitmq` the exchange `<stream>.dlq` and
//! the queue of that name bound to it (body and headers), with `--kafka` the topic `<stream>.dlq`.
//! SIGTERM or SIGINT drains the batches in flight and exits 0.

use std::process::ExitCode;
use std::time::Duration;

use kisflow::prelude::*;
use kisflow::source::kafka::{KafkaDeadLetters, KafkaSource};
use kisflow::source::nats::{JetStreamDeadLetters, JetStreamSource};
use kisflow::source::rabbitmq::{RabbitDeadLetters, RabbitSource};
use kisflow::source::redis::{RedisDeadLetters, RedisStreams};
use kisflow::source::{Runner, RunnerConfig};
use kisflow::{ConnConfig, Connector};
use kisflow_examples::{StuAvg, StuScore};

const USAGE: &str = "usage: stream_worker (--redis HOST:PORT | (--nats HOST:PORT | --rabbitmq HOST:PORT|URL \
| --kafka HOST:PORT[,HOST:PORT]) --sink-redis HOST:PORT) \
--stream S --group G --consumer C --sink H [--concurrency N] [--batch N] [--claim-idle-ms MS (with --redis)]";

#[kis_function(mode = "Calculate", name = "AvgStuScore")]
fn avg_stu_score(rows: Vec<StuScore>) -> Vec<StuAvg> {
    rows.into_iter().map(StuAvg::from).collect()
}

/// Writes the batch's averages and the count of rows written in one transaction.
#[kis_function(mode = "Save", name = "SaveAvgScore", conn = "Sink")]
async fn save_avg_score(ctx: &FlowCtx, rows: Vec<StuAvg>) -> kisflow::Result<()> {
    let connector = ctx.connector()?;
    let hash = connector.config().key.clone();
    let mut redis = connector.client::<redis::aio::ConnectionManager>()?.clone();
    let mut pipe = redis::pipe();
    pipe.atomic();
    for row in &rows {
        pipe.hset(&hash, row.stu_id, row.avg_score.to_string())
            .ignore();
    }
    pipe.incr(format!("{hash}:rows"), rows.len()).ignore();
    pipe.query_async::<()>(&mut redis).await.map_err(|err| {
        if err.is_io_error() || err.is_connection_dropped() || err.is_timeout() {
            kisflow::Error::unavailable("Sink", err) // the run waits for the server
        } else {
            kisflow::Error::msg(err)
        }
    })
}

flow!(StreamAverages: avg_stu_score -> save_avg_score);

/// Where the rows come from.
enum Origin {
    /// Redis Streams at this `host:port`, which also holds the sink.
    Redis(String),
    /// NATS JetStream at this `host:port`, with the sink's Redis at `sink`.
    Nats { addr: String, sink: String },
    /// RabbitMQ at this `host:port` or URL, with the sink's Redis at `sink`.
    Rabbit { addr: String, sink: String },
    /// Kafka at these bootstrap servers, with the sink's Redis at `sink`.
    Kafka { brokers: String, sink: String },
}

/// The command line, checked.
struct Args {
    from: Origin,
    stream: String,
    group: String,
    consumer: String,
    sink: String,
    concurrency: usize,
    batch: usize,
    claim_idle: Duration,
}

fn parse(args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut given = kisflow_examples::worker::flags(
        args,
        &[
            "redis",
            "nats",
            "rabbitmq",
            "kafka",
            "sink-redis",
            "stream",
            "group",
            "consumer",
            "sink",
            "concurrency",
            "batch",
            "claim-idle-ms",
        ],
    )?;
    let claim_idle_given = given.contains_key("claim-idle-ms");
    let mut take = |key: &str| {
        given
            .remove(key)
            .ok_or_else(|| format!("missing `--{key}`"))
    };
    let number = |key: &str, value: Option<String>, default: u64| -> Result<u64, String> {
        value.map_or(Ok(default), |v| {
            v.parse::<u64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| format!("`--{key}` must be a positive number, not `{v}`"))
        })
    };
    let named: Vec<(&str, String)> = ["redis", "nats", "rabbitmq", "kafka"]
        .into_iter()
        .filter_map(|flag| take(flag).ok().map(|value| (flag, value)))
        .collect();
    let from = match (named.as_slice(), take("sink-redis").ok()) {
        ([], _) => return Err("missing `--redis`, `--nats`, `--rabbitmq` or `--kafka`".to_owned()),
        ([_, _, ..], _) => {
            return Err("give one of `--redis`, `--nats`, `--rabbitmq` and `--kafka`".to_owned());
        }
        ([("redis", redis)], None) => Origin::Redis(redis.clone()),
        ([("redis", _)], Some(_)) => {
            return Err(
                "`--sink-redis` goes with `--nats`, `--rabbitmq` or `--kafka`; with `--redis` the \
                 sink is that server"
                    .to_owned(),
            );
        }
        ([(flag, _)], None) => {
            return Err(format!(
                "`--{flag}` needs `--sink-redis HOST:PORT` for the sink"
            ));
        }
        ([_], Some(_)) if claim_idle_given => {
            return Err(
                "`--claim-idle-ms` goes with `--redis`; JetStream, RabbitMQ and Kafka \
                        deliver unacked messages again by themselves"
                    .to_owned(),
            );
        }
        ([(flag, addr)], Some(sink)) => {
            let addr = addr.clone();
            match *flag {
                "nats" => Origin::Nats { addr, sink },
                "rabbitmq" => Origin::Rabbit { addr, sink },
                _ => Origin::Kafka {
                    brokers: addr,
                    sink,
                },
            }
        }
    };
    Ok(Args {
        from,
        stream: take("stream")?,
        group: take("group")?,
        consumer: take("consumer")?,
        sink: take("sink")?,
        concurrency: usize::try_from(number("concurrency", given.remove("concurrency"), 1)?)
            .map_err(|_| "`--concurrency` is too large".to_owned())?,
        batch: usize::try_from(number("batch", given.remove("batch"), 100)?)
            .map_err(|_| "`--batch` is too large".to_owned())?,
        claim_idle: Duration::from_millis(number(
            "claim-idle-ms",
            given.remove("claim-idle-ms"),
            5000,
        )?),
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    match parse(std::env::args().skip(1)) {
        Ok(args) => kisflow_examples::worker::finished(run(args).await),
        Err(problem) => kisflow_examples::worker::usage_error(&problem, USAGE),
    }
}

async fn run(args: Args) -> kisflow::Result<kisflow::source::RunReport> {
    let dlq = format!("{}.dlq", args.stream);
    match &args.from {
        Origin::Redis(redis) => {
            let url = format!("redis://{redis}/");
            let source = RedisStreams::new(&url, &args.stream, &args.group, &args.consumer)?
                .with_claim_idle(args.claim_idle);
            let dead = RedisDeadLetters::new(&url, dlq)?;
            work(source, dead, url, &args).await
        }
        Origin::Nats { addr, sink } => {
            let source = JetStreamSource::new(addr, &args.stream, &args.group)?
                .with_client_name(&args.consumer);
            let dead = JetStreamDeadLetters::new(addr, dlq)?.keeping();
            work(source, dead, format!("redis://{sink}/"), &args).await
        }
        Origin::Kafka { brokers, sink } => {
            let source = KafkaSource::new(brokers, &args.stream, &args.group)?
                .with_client_id(&args.consumer)
                // A worker that died gives its partitions up after 6 s (librdkafka: 45 s).
                .with_option("session.timeout.ms", "6000")?;
            let dead = KafkaDeadLetters::new(brokers, dlq)?;
            work(source, dead, format!("redis://{sink}/"), &args).await
        }
        Origin::Rabbit { addr, sink } => {
            let source = RabbitSource::new(addr, &args.stream)?
                .with_prefetch(args.concurrency * args.batch)
                .with_consumer_tag(format!("{}.{}", args.group, args.consumer));
            let dead = RabbitDeadLetters::new(addr, dlq)?.keeping();
            work(source, dead, format!("redis://{sink}/"), &args).await
        }
    }
}

/// Runs the flow over `source`, saving to the Redis of `sink_url`, until SIGTERM or SIGINT.
async fn work(
    source: impl kisflow::source::Source,
    dead: impl kisflow::source::DeadLetterSink,
    sink_url: String,
    args: &Args,
) -> kisflow::Result<kisflow::source::RunReport> {
    let sink = Connector::new(ConnConfig::new("Sink").key(&args.sink), move |_| {
        let url = sink_url.clone();
        async move {
            // A connection manager reconnects by itself after the server restarts.
            let client = redis::Client::open(url)?;
            Ok(redis::aio::ConnectionManager::new(client).await?)
        }
    });
    let flow = StreamAverages::new().with_connector(&sink)?.into_dyn();
    Runner::new(source, flow)
        .with_config(RunnerConfig {
            concurrency: args.concurrency,
            batch_size: args.batch,
            ..RunnerConfig::default()
        })
        .with_dead_letters(dead)
        .run_until(kisflow_examples::stop_signal())
        .await
}
