//! Go KisFlow's usage example 14 (RocketMQ's push consumer) with RabbitMQ: each delivered batch
//! of `StuScore` rows is committed to one flow and run once; a run that fails is requeued and
//! delivered again later, and a row's line is printed once its run succeeded.
//!
//! ```sh
//! cargo run -p kisflow-examples --example with_rabbitmq -- --amqp 127.0.0.1:5672
//! ```
//!
//! The example publishes six rows to the queue (`--queue`, by default one named after the
//! process, deleted at the end) and consumes them with a [`RabbitSource`] in batches of up to
//! `--batch` rows. Its `AvgStuScore` fails on its first run, as a grader that is still warming up
//! would: the batch is nacked with requeue after a pause (`release`), comes back flagged as
//! redelivered, and succeeds. `VerifyStu` drops the student id 1001, as in Go. The example stops
//! once every row it published is acked.
//!
//! Flags: `--amqp HOST:PORT` or an `amqp://user:password@host:port/vhost` URL (default
//! `127.0.0.1:5672`, as `guest`/`guest`), `--queue NAME`, `--batch N` (default 10).

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use kisflow::prelude::*;
use kisflow::source::rabbitmq::RabbitSource;
use kisflow::source::{MessageId, Source};
use kisflow_examples::{StuAvg, StuScore};
use lapin::options::{
    BasicPublishOptions, ConfirmSelectOptions, QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Connection, ConnectionProperties};

const USAGE: &str = "usage: with_rabbitmq [--amqp HOST:PORT|URL] [--queue NAME] [--batch N]   (default 127.0.0.1:5672)";

/// The rows the example publishes; 1001 is not a valid student id.
const ROWS: [[i64; 4]; 6] = [
    [101, 100, 90, 80],
    [102, 100, 70, 60],
    [103, 90, 90, 90],
    [1001, 80, 80, 80],
    [104, 60, 70, 80],
    [105, 99, 98, 100],
];

/// Set once the grader has warmed up: its first run fails.
static WARM: AtomicBool = AtomicBool::new(false);

#[kis_function(mode = "Verify", name = "VerifyStu")]
fn verify_stu(rows: Vec<StuScore>) -> Vec<StuScore> {
    rows.into_iter().filter(StuScore::has_valid_id).collect()
}

#[kis_function(mode = "Calculate", name = "AvgStuScore")]
fn avg_stu_score(rows: Vec<StuScore>) -> kisflow::Result<Vec<StuAvg>> {
    if !WARM.swap(true, Ordering::SeqCst) {
        return Err(kisflow::Error::msg("the grader is warming up"));
    }
    Ok(rows.into_iter().map(StuAvg::from).collect())
}

#[kis_function(mode = "Expand", name = "PrintStuAvgScore")]
fn print_stu_avg_score(rows: Vec<StuAvg>) {
    for row in rows {
        println!("{row}");
    }
}

flow!(CalStuAvgScore: verify_stu -> avg_stu_score -> print_stu_avg_score);

/// The command line, checked.
struct Args {
    amqp: String,
    queue: Option<String>,
    batch: usize,
}

fn parse(mut args: impl Iterator<Item = String>) -> Option<Args> {
    let mut parsed = Args {
        amqp: "127.0.0.1:5672".to_owned(),
        queue: None,
        batch: 10,
    };
    while let Some(flag) = args.next() {
        let value = args.next()?;
        match flag.as_str() {
            "--amqp" => parsed.amqp = value,
            "--queue" => parsed.queue = Some(value),
            "--batch" => parsed.batch = value.parse().ok().filter(|n| *n > 0)?,
            _ => return None,
        }
    }
    Some(parsed)
}

#[tokio::main]
async fn main() -> ExitCode {
    let Some(args) = parse(std::env::args().skip(1)) else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let named = args.queue.is_some();
    let queue = args
        .queue
        .clone()
        .unwrap_or_else(|| format!("kisflow-with-rabbitmq-{}", std::process::id()));
    let consumed = consume(&args, &queue).await;
    if !named {
        // The queue was the example's own: leave nothing behind.
        let _ = delete(&args.amqp, &queue).await;
    }
    match consumed {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {}", err.chain());
            ExitCode::FAILURE
        }
    }
}

/// Publishes the rows, then runs the flow once per delivered batch until every row is acked.
async fn consume(args: &Args, queue: &str) -> kisflow::Result<()> {
    publish(&args.amqp, queue).await?;
    let source = RabbitSource::new(&args.amqp, queue)?.with_prefetch(args.batch);
    let mut flow = CalStuAvgScore::new();
    let mut acked = 0;
    while acked < ROWS.len() {
        // A batch is what came within a second, up to `--batch` rows: all six, here.
        let batch = source
            .fetch(args.batch, Duration::from_secs(1))
            .await?
            .unwrap_or_default();
        if batch.is_empty() {
            continue;
        }
        for message in &batch {
            flow.commit_json(String::from_utf8_lossy(&message.payload).as_ref())?;
        }
        let ids: Vec<MessageId> = batch.iter().map(|m| m.id.clone()).collect();
        match flow.run().await {
            Ok(()) => {
                source.ack(&ids).await?;
                acked += batch.len();
            }
            Err(err) => {
                let delivery = batch.iter().map(|m| m.deliveries).max().unwrap_or(1);
                println!(
                    "run failed on delivery {delivery}: {}; {} rows requeued for later",
                    err.chain(),
                    ids.len()
                );
                source.release(&ids, Duration::from_millis(200)).await?;
            }
        }
    }
    Ok(())
}

/// The example's rows, published with confirms to `queue` (declared durable, as `RabbitSource`
/// would) through the default exchange.
async fn publish(amqp: &str, queue: &str) -> kisflow::Result<()> {
    let channel = async {
        let connection = Connection::connect(&url(amqp), ConnectionProperties::default()).await?;
        let channel = connection.create_channel().await?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await?;
        let (durable, arguments) = (QueueDeclareOptions::durable(), FieldTable::default());
        channel
            .queue_declare(queue.into(), durable, arguments)
            .await?;
        for [stu_id, score_1, score_2, score_3] in ROWS {
            let row = StuScore::new(stu_id, score_1, score_2, score_3);
            let payload = serde_json::to_vec(&row).expect("a row serializes");
            channel
                .basic_publish(
                    "".into(),
                    queue.into(),
                    BasicPublishOptions::default(),
                    &payload,
                    BasicProperties::default().with_delivery_mode(2),
                )
                .await?
                .await?;
        }
        Ok::<_, lapin::Error>(connection)
    };
    let connection = channel.await.map_err(|err| {
        kisflow::Error::msg(format_args!(
            "cannot publish the rows to queue `{queue}` of the RabbitMQ of `--amqp`: {err}"
        ))
    })?;
    let _ = connection.close(200, "published".into()).await;
    Ok(())
}

async fn delete(amqp: &str, queue: &str) -> Result<(), lapin::Error> {
    let connection = Connection::connect(&url(amqp), ConnectionProperties::default()).await?;
    let channel = connection.create_channel().await?;
    channel
        .queue_delete(queue.into(), QueueDeleteOptions::default())
        .await?;
    connection.close(200, "cleaned up".into()).await
}

/// `host:port` as a URL, as `RabbitSource` reads it.
fn url(amqp: &str) -> String {
    if amqp.contains("://") {
        amqp.to_owned()
    } else {
        format!("amqp://{amqp}/%2f")
    }
}
