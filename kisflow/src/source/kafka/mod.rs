//! Kafka as a [`Source`](crate::source::Source) and a
//! [`DeadLetterSink`](crate::source::DeadLetterSink) (feature `kafka`).
//!
//! A [`KafkaSource`] is one member of a consumer group: Kafka assigns each member some of the
//! topic's partitions and moves them when members come and go. Each message's value is one JSON
//! row; its id is `topic/partition/offset`.
//!
//! - **Offsets are committed only for what is done.** Each partition's committed offset is the
//!   end of its unbroken prefix of done offsets: a message is done when its run succeeded or it
//!   was dead-lettered. A failed offset N is never skipped because N+1 succeeded; it holds the
//!   commit point until it is dead-lettered. The source commits itself (`enable.auto.commit` off):
//!   without waiting after each ack that moves a commit point, and waiting when partitions are
//!   revoked, which includes dropping the source (librdkafka leaves the group then).
//! - **Per-partition order.** At most one batch of a partition is in flight at a time, so the
//!   messages of a partition run in order whatever the runner's concurrency; several partitions run
//!   at once. More flow instances than assigned partitions gives nothing.
//! - **Rebalance.** Partitions are assigned cooperative-sticky: a member joining takes some
//!   partitions without the others stopping (every member of a group must use a cooperative
//!   assignor). When partitions are revoked, their commit points are committed at once (waiting)
//!   and their in-flight batches forgotten: a batch still running there is acked into nothing,
//!   and the new owner runs it again (at most one batch per revoked partition). Should a partition
//!   come back to the same member while such a batch still runs, that batch's late ack may let a
//!   second batch of the partition start before the first one's rerun ends: order then holds
//!   from the commit point on, not across that overlap.
//! - **Release.** A released message makes the source seek its partition back to it, so it and
//!   what follows come again (`after` does not apply); until it comes, nothing else of that
//!   partition is taken, and a seek that fails stalls the partition (the lag grows) until a
//!   restart or a rebalance, rather than skip it. A restart resumes from the committed offset.
//! - **A broker that is down** is retried by librdkafka without end; a fetch meanwhile fails with
//!   an error naming the brokers, topic and group, and the runner tries again with a backoff.
//! - **Lag** ([`Source::lag`](crate::source::Source::lag)): the assigned partitions' high
//!   watermark less the group's committed offset, and the age of the oldest message this member
//!   holds.
//! - **Deliveries** are not counted by Kafka: every message has `deliveries: 1`, so the runner's
//!   `max_deliveries` does not apply.
//!
//! Tested against librdkafka's mock cluster (`rdkafka::mocking::MockCluster`, in-process) by
//! `tests/tests/kafka_source.rs`, `kafka_group.rs` and `kafka_config.rs`, and through
//! `kisflow serve` by `examples/tests/cli_serve_kafka.rs`; set
//! `KISFLOW_KAFKA_BROKERS=host:port` to run the first three against a real cluster. The README's
//! Kafka section lists what they show and what the mock cannot.
//!
//! ```no_run
//! use kisflow::prelude::*;
//! use kisflow::source::Runner;
//! use kisflow::source::kafka::{KafkaDeadLetters, KafkaSource};
//!
//! #[kis_function(mode = "Expand")]
//! fn print(rows: Vec<serde_json::Value>) {
//!     for row in rows { println!("{row}") }
//! }
//! flow!(Printer: print);
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> kisflow::Result<()> {
//! let source = KafkaSource::new("127.0.0.1:9092", "orders", "printers")?;
//! let dead = KafkaDeadLetters::new("127.0.0.1:9092", "orders.dlq")?;
//! Runner::new(source, Printer::new().into_dyn())
//!     .with_dead_letters(dead)
//!     .with_concurrency(4)
//!     .run_until(async { tokio::time::sleep(std::time::Duration::from_secs(60)).await })
//!     .await?;
//! # Ok(())
//! # }
//! ```

mod commits;
mod consumer;
mod context;
mod dead_letters;
mod lag;
mod partitions;

pub use consumer::KafkaSource;
pub use dead_letters::KafkaDeadLetters;

use rdkafka::ClientConfig;

use crate::error::{Error, Result};

/// A Kafka error as kisflow's: the cluster may come back, so it is a connector that is
/// unavailable. `what` names the operation, the topic and the brokers.
fn unavailable(what: &str, err: impl std::fmt::Display) -> Error {
    Error::ConnectorClient {
        connector: format!("kafka {what}"),
        reason: format!("failed: {err}"),
    }
}

/// A client config for `brokers` with `options` on top, checked by librdkafka now, so a bad key
/// or value is a config error naming it rather than a failure at the first fetch.
fn client_config(brokers: &str, options: &[(String, String)], what: &str) -> Result<ClientConfig> {
    if brokers.split(',').any(|b| b.trim().is_empty()) {
        return Err(Error::ConnectorConfig {
            connector: format!("kafka {what}"),
            reason: format!(
                "kafka {what}: `{brokers}` is not a list of brokers; give `host:port`, or several \
                 separated by commas"
            ),
        });
    }
    let mut config = ClientConfig::new();
    config.set("bootstrap.servers", brokers);
    for (key, value) in options {
        config.set(key, value);
    }
    config
        .create_native_config()
        .map_err(|err| Error::ConnectorConfig {
            connector: format!("kafka {what}"),
            reason: format!("kafka {what}: the client settings are wrong: {err}"),
        })?;
    Ok(config)
}

/// A message id: `topic/partition/offset`.
fn message_id(topic: &str, partition: i32, offset: i64) -> String {
    format!("{topic}/{partition}/{offset}")
}

/// The topic, partition and offset of an id made by [`message_id`]; topics hold no `/`.
fn parse_id(id: &str) -> Option<(String, i32, i64)> {
    let mut parts = id.rsplitn(3, '/');
    let offset = parts.next()?.parse().ok()?;
    let partition = parts.next()?.parse().ok()?;
    let topic = parts.next()?;
    Some((topic.to_owned(), partition, offset))
}

#[cfg(test)]
mod tests;
