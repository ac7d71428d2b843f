//! Go KisFlow's usage example 12 (`12-with_kafka`): `StuScore` rows from the Kafka topic
//! `SourceStuScore`, read by the group `group1` with 5 flow instances at once (Go runs 5 consumer
//! goroutines, each with its own `Fork`), through `VerifyStu → AvgStuScore → PrintStuAvgScore`:
//! one `stuid: [..], avg score: [..]` line per valid row.
//!
//! ```sh
//! cargo run -p kisflow-examples --example with_kafka                       # in-process mock cluster
//! cargo run -p kisflow-examples --example with_kafka -- --brokers 127.0.0.1:9092 --rows 1000
//! ```
//!
//! It first produces `--rows` rows (default 100) over the topic's partitions: students 100, 101,
//! … with scores from their id, and every tenth row with an id of 1000 or more, which `VerifyStu`
//! filters out as Go's does. Then it consumes them and stops once every row went through,
//! printing a summary on standard error. Without `--brokers` it starts librdkafka's mock cluster
//! in this process, with the topic in 5 partitions, so it runs without a Kafka; with `--brokers`
//! the topic must exist (or the cluster make topics on first use), and a group that already read
//! it reads only what is new, so pass `--group` to start over.

use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use kisflow::prelude::*;
use kisflow::source::Runner;
use kisflow::source::kafka::{KafkaDeadLetters, KafkaSource};
use kisflow_examples::{StuAvg, StuScore};
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{FutureProducer, FutureRecord};

const USAGE: &str = "usage: with_kafka [--brokers HOST:PORT[,HOST:PORT]] [--rows N] [--group G]";
const TOPIC: &str = "SourceStuScore";
const PARTITIONS: i32 = 5;

/// Rows `VerifyStu` has seen, valid or not: the example stops when it has seen them all.
static SEEN: AtomicUsize = AtomicUsize::new(0);

#[kis_function(mode = "Verify", name = "VerifyStu")]
fn verify_stu(rows: Vec<StuScore>) -> Vec<StuScore> {
    SEEN.fetch_add(rows.len(), Ordering::SeqCst);
    rows.into_iter().filter(StuScore::has_valid_id).collect()
}

#[kis_function(mode = "Calculate", name = "AvgStuScore")]
fn avg_stu_score(rows: Vec<StuScore>) -> Vec<StuAvg> {
    rows.into_iter().map(StuAvg::from).collect()
}

#[kis_function(mode = "Expand", name = "PrintStuAvgScore")]
fn print_stu_avg_score(rows: Vec<StuAvg>) {
    for row in rows {
        println!("{row}");
    }
}

flow!(CalStuAvgScore: verify_stu -> avg_stu_score -> print_stu_avg_score);

/// Row `i`: student `100 + i`, or `1000 + i` (invalid) for every tenth row.
fn row(i: usize) -> StuScore {
    let i = i64::try_from(i).unwrap_or(i64::MAX);
    let stu_id = if i % 10 == 9 { 1000 + i } else { 100 + i };
    StuScore::new(stu_id, 60 + i % 40, 70 + i % 30, 80 + i % 20)
}

struct Args {
    brokers: Option<String>,
    rows: usize,
    group: String,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut parsed = Args {
        brokers: None,
        rows: 100,
        group: "group1".to_owned(),
    };
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("`{flag}` needs a value"));
        match flag.as_str() {
            "--brokers" => parsed.brokers = Some(value()?),
            "--group" => parsed.group = value()?,
            "--rows" => {
                let v = value()?;
                parsed.rows = v
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("`--rows` must be a positive number, not `{v}`"))?;
            }
            _ => return Err(format!("unknown option `{flag}`")),
        }
    }
    Ok(parsed)
}

/// Produces `rows` rows, row `i` to partition `i % PARTITIONS`, waiting for every acknowledgement.
async fn produce(brokers: &str, rows: usize) -> Result<(), String> {
    let producer: FutureProducer = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .create()
        .map_err(|err| format!("cannot make a producer for {brokers}: {err}"))?;
    let mut deliveries = Vec::with_capacity(rows);
    for i in 0..rows {
        let payload = serde_json::to_vec(&row(i)).map_err(|err| err.to_string())?;
        let partition = i32::try_from(i).unwrap_or(0) % PARTITIONS;
        let record = FutureRecord::<(), _>::to(TOPIC)
            .partition(partition)
            .payload(&payload);
        let delivery = producer
            .send_result(record)
            .map_err(|(err, _)| err.to_string())?;
        deliveries.push(delivery);
    }
    for delivery in deliveries {
        delivery
            .await
            .map_err(|_| "the producer went away".to_owned())?
            .map_err(|(err, _)| format!("cannot produce to topic `{TOPIC}` at {brokers}: {err}"))?;
    }
    Ok(())
}

async fn run(args: Args) -> Result<(), String> {
    // The mock cluster lives as long as this binding: until the consumer is done.
    let mock;
    let brokers = match args.brokers {
        Some(brokers) => brokers,
        None => {
            mock = MockCluster::new(1)
                .map_err(|err| format!("cannot start librdkafka's mock cluster: {err}"))?;
            for topic in [TOPIC, "SourceStuScore.dlq"] {
                mock.create_topic(topic, PARTITIONS, 1)
                    .map_err(|err| err.to_string())?;
            }
            mock.bootstrap_servers()
        }
    };
    produce(&brokers, args.rows).await?;
    let source = KafkaSource::new(&brokers, TOPIC, &args.group).map_err(|e| e.chain())?;
    let dead = KafkaDeadLetters::new(&brokers, "SourceStuScore.dlq").map_err(|e| e.chain())?;
    let all_seen = async {
        while SEEN.load(Ordering::SeqCst) < args.rows {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    let stop = async {
        tokio::select! {
            () = all_seen => {}
            () = kisflow_examples::stop_signal() => {}
        }
    };
    let report = Runner::new(source, CalStuAvgScore::new().into_dyn())
        .with_concurrency(5)
        .with_dead_letters(dead)
        .run_until(stop)
        .await
        .map_err(|e| e.chain())?;
    eprintln!(
        "consumed {} rows of topic `{TOPIC}` with 5 flow instances: {} acked, {} dead-lettered",
        report.received, report.acked, report.dead_lettered
    );
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(problem) => {
            eprintln!("error: {problem}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(problem) => {
            eprintln!("error: {problem}");
            ExitCode::FAILURE
        }
    }
}
