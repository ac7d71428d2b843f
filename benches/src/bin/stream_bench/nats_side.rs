//! NATS JetStream: kisflow's `JetStreamSource` under a `Runner`, and a pull consumer's
//! fetch/ack loop by hand.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_nats::jetstream::consumer::{AckPolicy, PullConsumer, pull};
use async_nats::jetstream::{self, Context, stream};
use futures::StreamExt;
use kisflow::source::Runner;
use kisflow::source::nats::JetStreamSource;
use kisflow_bench::{Grades, StuScore, baseline};

use crate::common::{Acks, Counted, Sent};

/// A JetStream context on `addr`, with `stream` made afresh as kisflow makes it (one subject of
/// its own name, file storage).
pub(crate) async fn fresh_stream(addr: &str, stream: &str) -> Context {
    let client = async_nats::connect(addr).await.expect("NATS is up");
    let context = jetstream::new(client);
    let _ = context.delete_stream(stream).await;
    context
        .create_stream(stream::Config {
            name: stream.to_owned(),
            subjects: vec![stream.to_owned()],
            ..stream::Config::default()
        })
        .await
        .expect("a stream");
    context
}

/// Publishes `rows` (sequences 1, 2…), awaiting the server's acks 1000 at a time.
pub(crate) async fn prefill(context: &Context, stream: &str, rows: &[String]) {
    for chunk in rows.chunks(1000) {
        let mut acks = Vec::with_capacity(chunk.len());
        for row in chunk {
            acks.push(
                context
                    .publish(stream.to_owned(), row.clone().into())
                    .await
                    .expect("publish"),
            );
        }
        for ack in acks {
            ack.await.expect("stored");
        }
    }
}

/// Publishes `rows` at `rate` a second, a burst every millisecond, marking each send time; the
/// server's acks of a burst are awaited before the next.
pub(crate) async fn produce(
    context: Context,
    stream: String,
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
        let mut acks = Vec::with_capacity(due.saturating_sub(next));
        for (k, row) in (next + 1..=due).zip(&rows[next..due.max(next)]) {
            sent.mark(k, sent.now());
            acks.push(
                context
                    .publish(stream.clone(), row.clone().into())
                    .await
                    .expect("publish"),
            );
        }
        for ack in acks {
            ack.await.expect("stored");
        }
        next = next.max(due);
    }
}

/// kisflow: `JetStreamSource` + `Runner` (one instance, batches of `batch`) running the bench
/// flow, until `acks` reaches its target. Returns when it started.
pub(crate) async fn kisflow(
    addr: &str,
    stream: &str,
    acks: &Arc<Acks>,
    batch: usize,
    wait: Duration,
) -> Instant {
    let source = JetStreamSource::new(addr, stream, "bench").expect("a NATS address");
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

/// The floor: a durable pull consumer with explicit acks (the settings kisflow uses), `batch()`
/// of up to `batch` messages expiring after `wait`, decode each payload into `StuScore`, the four
/// steps by hand, `ack()` each message and flush; until `acks` reaches its target.
pub(crate) async fn floor(
    addr: &str,
    stream: &str,
    acks: &Arc<Acks>,
    batch: usize,
    wait: Duration,
) -> Instant {
    let start = Instant::now();
    let client = async_nats::connect(addr).await.expect("NATS is up");
    let context = jetstream::new(client.clone());
    let consumer: PullConsumer = context
        .get_stream(stream)
        .await
        .expect("the stream")
        .get_or_create_consumer(
            "bench",
            pull::Config {
                durable_name: Some("bench".to_owned()),
                ack_policy: AckPolicy::Explicit,
                ack_wait: Duration::from_secs(30),
                ..pull::Config::default()
            },
        )
        .await
        .expect("a consumer");
    let mut rows: Vec<StuScore> = Vec::with_capacity(batch);
    let mut messages = Vec::with_capacity(batch);
    while !acks.is_done() {
        let mut fetched = consumer
            .batch()
            .max_messages(batch)
            .expires(wait)
            .messages()
            .await
            .expect("a pull request");
        while let Some(message) = fetched.next().await {
            let message = message.expect("a message");
            rows.push(serde_json::from_slice(&message.payload).expect("a StuScore row"));
            messages.push(message);
        }
        if messages.is_empty() {
            continue;
        }
        baseline(std::mem::replace(&mut rows, Vec::with_capacity(batch)));
        for message in &messages {
            message.ack().await.expect("ack");
        }
        client.flush().await.expect("flush");
        acks.record(messages.iter().map(|m| {
            usize::try_from(m.info().expect("a JetStream message").stream_sequence)
                .expect("a small sequence")
        }));
        messages.clear();
    }
    start
}
