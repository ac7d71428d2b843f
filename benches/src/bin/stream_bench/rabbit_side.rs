//! RabbitMQ: kisflow's `RabbitSource` under a `Runner`, and a consumer with manual acks by hand
//! (the same prefetch, batch and wait), on the machine's server and a fresh queue per run.
//!
//! A message's number is its delivery tag: a fresh queue delivers to one fresh channel in
//! publishing order, so the k-th message published is tag k.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use kisflow::source::Runner;
use kisflow::source::rabbitmq::RabbitSource;
use kisflow_bench::{Grades, StuScore, baseline};
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, BasicQosOptions,
    ConfirmSelectOptions, QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties};

use crate::common::{Acks, Counted, Sent};

/// `host:port` as a URL, as `RabbitSource` reads it.
fn url(addr: &str) -> String {
    if addr.contains("://") {
        addr.to_owned()
    } else {
        format!("amqp://{addr}/%2f")
    }
}

/// A connection with a confirming channel.
pub(crate) async fn connect(addr: &str) -> (Connection, Channel) {
    let connection = Connection::connect(&url(addr), ConnectionProperties::default())
        .await
        .expect("RabbitMQ is up");
    let channel = connection.create_channel().await.expect("a channel");
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await
        .expect("confirms");
    (connection, channel)
}

/// A connection with a confirming channel, and `queue` declared afresh, durable, as kisflow
/// declares a missing queue.
pub(crate) async fn fresh_queue(addr: &str, queue: &str) -> (Connection, Channel) {
    let (connection, channel) = connect(addr).await;
    delete(&channel, queue).await;
    channel
        .queue_declare(
            queue.into(),
            QueueDeclareOptions::durable(),
            FieldTable::default(),
        )
        .await
        .expect("a queue");
    (connection, channel)
}

pub(crate) async fn delete(channel: &Channel, queue: &str) {
    channel
        .queue_delete(queue.into(), QueueDeleteOptions::default())
        .await
        .expect("a deleted queue");
}

async fn publish(channel: &Channel, queue: &str, rows: &[String]) {
    let mut confirms = Vec::with_capacity(rows.len());
    for row in rows {
        let properties = BasicProperties::default().with_delivery_mode(2);
        let options = BasicPublishOptions::default();
        let confirm = channel
            .basic_publish("".into(), queue.into(), options, row.as_bytes(), properties)
            .await
            .expect("publish");
        confirms.push(confirm);
    }
    for confirm in confirms {
        assert!(confirm.await.expect("a confirm").is_ack(), "stored");
    }
}

/// Publishes `rows` (persistent) and waits for the confirms, 1000 at a time.
pub(crate) async fn prefill(channel: &Channel, queue: &str, rows: &[String]) {
    for chunk in rows.chunks(1000) {
        publish(channel, queue, chunk).await;
    }
}

/// Publishes `rows` at `rate` a second, a burst every millisecond, marking each send time; the
/// confirms of a burst are awaited before the next.
pub(crate) async fn produce(
    channel: Channel,
    queue: String,
    rows: Arc<Vec<String>>,
    sent: Arc<Sent>,
    rate: u64,
) {
    let mut next = 0;
    let mut tick = tokio::time::interval(Duration::from_millis(1));
    let start = Instant::now();
    while next < rows.len() {
        tick.tick().await;
        let due = usize::try_from(u128::from(rate) * start.elapsed().as_micros() / 1_000_000)
            .unwrap_or(usize::MAX)
            .min(rows.len());
        if due <= next {
            continue;
        }
        let at = sent.now();
        for k in next + 1..=due {
            sent.mark(k, at);
        }
        publish(&channel, &queue, &rows[next..due]).await;
        next = due;
    }
}

/// kisflow: `RabbitSource` (prefetch `batch`) + `Runner` (one instance, batches of `batch`)
/// running the bench flow, until `acks` reaches its target. Returns when it started.
pub(crate) async fn kisflow(
    addr: &str,
    queue: &str,
    acks: &Arc<Acks>,
    batch: usize,
    wait: Duration,
) -> Instant {
    let source = RabbitSource::new(addr, queue)
        .expect("a RabbitMQ address")
        .with_prefetch(batch);
    let source = Counted {
        inner: source,
        acks: Arc::clone(acks),
    };
    let runner = Runner::new(source, Grades::new().into_dyn())
        .with_concurrency(1)
        .with_batch(batch, wait);
    let start = Instant::now();
    let done = Arc::clone(acks);
    let report = runner
        .run_until(async move { done.done().await })
        .await
        .expect("the runner runs");
    assert_eq!(report.dead_lettered, 0, "no row is bad");
    start
}

/// The floor: `basic_qos(batch)`, `basic_consume` with manual acks, gather up to `batch`
/// deliveries within `wait`, decode each payload into `StuScore`, the four steps by hand, one
/// `multiple` ack of the batch's last tag; until `acks` reaches its target.
pub(crate) async fn floor(
    addr: &str,
    queue: &str,
    acks: &Arc<Acks>,
    batch: usize,
    wait: Duration,
) -> Instant {
    let start = Instant::now();
    let connection = Connection::connect(&url(addr), ConnectionProperties::default())
        .await
        .expect("RabbitMQ is up");
    let channel = connection.create_channel().await.expect("a channel");
    let prefetch = u16::try_from(batch).unwrap_or(u16::MAX);
    channel
        .basic_qos(prefetch, BasicQosOptions::default())
        .await
        .expect("qos");
    let mut consumer = channel
        .basic_consume(
            queue.into(),
            "bench-floor".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .expect("a consumer");
    let mut rows: Vec<StuScore> = Vec::with_capacity(batch);
    while !acks.is_done() {
        let deadline = tokio::time::Instant::now() + wait;
        let mut last = 0;
        while rows.len() < batch {
            let Ok(next) = tokio::time::timeout_at(deadline, consumer.next()).await else {
                break;
            };
            let delivery = next.expect("a delivery").expect("a delivery");
            rows.push(serde_json::from_slice(&delivery.data).expect("a StuScore row"));
            last = delivery.delivery_tag;
        }
        if rows.is_empty() {
            continue;
        }
        let first = last + 1 - rows.len() as u64;
        baseline(std::mem::replace(&mut rows, Vec::with_capacity(batch)));
        channel
            .basic_ack(last, BasicAckOptions { multiple: true })
            .await
            .expect("ack");
        let tags = |k: u64| usize::try_from(k).expect("a small tag");
        // Not `..=`: an inclusive range has no exact length to count.
        acks.record(tags(first)..tags(last + 1));
    }
    let _ = connection.close(200, "done".into()).await;
    start
}
