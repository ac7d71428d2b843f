//! The Kafka cluster the Kafka tests use: librdkafka's in-process mock cluster, or a real one when
//! `KISFLOW_KAFKA_BROKERS` names its bootstrap servers; and the producing, reading and offset
//! look-ups the tests make on it.

#![allow(dead_code, reason = "each test file uses a part of it")]

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Headers, Message};
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

/// Where the tests' topics live.
pub(crate) enum Cluster {
    /// librdkafka's mock cluster, in this process, with its one broker.
    Mock(MockCluster<'static, rdkafka::producer::DefaultProducerContext>),
    /// A real cluster at these bootstrap servers (`KISFLOW_KAFKA_BROKERS`).
    Real(String),
}

impl Cluster {
    /// The real cluster of `KISFLOW_KAFKA_BROKERS`, else a fresh mock cluster of one broker.
    pub(crate) fn start() -> Self {
        match std::env::var("KISFLOW_KAFKA_BROKERS") {
            Ok(brokers) if !brokers.is_empty() => Self::Real(brokers),
            _ => Self::Mock(MockCluster::new(1).expect("librdkafka's mock cluster starts")),
        }
    }

    pub(crate) fn brokers(&self) -> String {
        match self {
            Self::Mock(mock) => mock.bootstrap_servers(),
            Self::Real(brokers) => brokers.clone(),
        }
    }

    pub(crate) fn is_mock(&self) -> bool {
        matches!(self, Self::Mock(_))
    }

    /// A topic of `partitions` partitions, named after `name` and unique to this run.
    pub(crate) async fn topic(&self, name: &str, partitions: i32) -> String {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let topic = format!("{name}-{}-{nanos}", std::process::id());
        match self {
            Self::Mock(mock) => mock.create_topic(&topic, partitions, 1).unwrap(),
            Self::Real(brokers) => {
                let admin: AdminClient<DefaultClientContext> = config(brokers).create().unwrap();
                let new = NewTopic::new(&topic, partitions, TopicReplication::Fixed(1));
                let made = admin
                    .create_topics([&new], &AdminOptions::new())
                    .await
                    .unwrap();
                assert!(
                    made.iter().all(Result::is_ok),
                    "topic {topic} not made: {made:?}"
                );
            }
        }
        topic
    }

    /// Produces `rows` to `partition` of `topic`, in order, waiting for every acknowledgement.
    pub(crate) async fn produce(&self, topic: &str, partition: i32, rows: &[Vec<u8>]) {
        let producer: FutureProducer = config(&self.brokers()).create().unwrap();
        let mut deliveries = Vec::with_capacity(rows.len());
        for row in rows {
            let record = FutureRecord::<(), _>::to(topic)
                .partition(partition)
                .payload(row);
            deliveries.push(producer.send_result(record).map_err(|(e, _)| e).unwrap());
        }
        for delivery in deliveries {
            delivery.await.unwrap().map_err(|(e, _)| e).unwrap();
        }
    }

    /// The first `n` records of `topic`'s partition 0: value, key and headers.
    pub(crate) fn read(&self, topic: &str, n: usize) -> Vec<Record> {
        let consumer: BaseConsumer = config(&self.brokers())
            .set("group.id", format!("{topic}-reader"))
            .set("enable.auto.commit", "false")
            .create()
            .unwrap();
        let mut list = TopicPartitionList::new();
        list.add_partition_offset(topic, 0, Offset::Beginning)
            .unwrap();
        consumer.assign(&list).unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut records = Vec::new();
        while records.len() < n {
            assert!(
                Instant::now() < deadline,
                "{} of {n} records read from {topic}",
                records.len()
            );
            let Some(message) = consumer.poll(Duration::from_millis(100)) else {
                continue;
            };
            let message = message.unwrap();
            let headers = message.headers().map_or_else(Vec::new, |h| {
                h.iter()
                    .map(|h| {
                        (
                            h.key.to_owned(),
                            String::from_utf8_lossy(h.value.unwrap_or_default()).into_owned(),
                        )
                    })
                    .collect()
            });
            records.push(Record {
                value: message.payload().unwrap_or_default().to_vec(),
                key: message
                    .key()
                    .map(|k| String::from_utf8_lossy(k).into_owned()),
                headers,
            });
        }
        records
    }

    /// The offsets `group` committed for `partitions` of `topic`; -1 where it committed none.
    pub(crate) fn committed(&self, topic: &str, group: &str, partitions: i32) -> Vec<i64> {
        let consumer: BaseConsumer = config(&self.brokers())
            .set("group.id", group)
            .create()
            .unwrap();
        let mut list = TopicPartitionList::new();
        for partition in 0..partitions {
            list.add_partition(topic, partition);
        }
        let committed = consumer
            .committed_offsets(list, Duration::from_secs(10))
            .unwrap();
        (0..partitions)
            .map(
                |p| match committed.find_partition(topic, p).map(|e| e.offset()) {
                    Some(Offset::Offset(offset)) => offset,
                    _ => -1,
                },
            )
            .collect()
    }
}

/// One record read back.
#[derive(Debug)]
pub(crate) struct Record {
    pub(crate) value: Vec<u8>,
    pub(crate) key: Option<String>,
    pub(crate) headers: Vec<(String, String)>,
}

impl Record {
    pub(crate) fn header(&self, key: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

fn config(brokers: &str) -> ClientConfig {
    let mut config = ClientConfig::new();
    config.set("bootstrap.servers", brokers);
    config
}

/// Polls `done` every 10 ms; panics naming `what` when it does not hold within `within`.
pub(crate) async fn wait_until(what: &str, within: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !done() {
        assert!(
            Instant::now() < deadline,
            "timed out after {within:?} waiting for: {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
