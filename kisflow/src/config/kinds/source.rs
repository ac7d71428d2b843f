//! A flow's `source`: where a worker's rows come from ([`SourceConfig`]), read and checked with
//! the flow document.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};
use serde_saphyr::{Location, Spanned};

use crate::config::describe::nearest;
use crate::config::doc::Doc;
use crate::config::fields::{self, Text};
use crate::config::keys::{Key, Shape};

use super::source_addrs as addrs;

/// The source types kisflow knows.
const TYPES: [&str; 5] = ["redis", "nats", "rabbitmq", "kafka", "mysql-binlog"];

/// Where a flow's rows come from when it runs as a worker (`kisflow serve`): a broker's consumer
/// group, acked after each batch ran.
///
/// ```yaml
/// source:
///   type: redis            # redis (Redis Streams), nats (NATS JetStream), rabbitmq, kafka
///                          # or mysql-binlog
///   addrs: 127.0.0.1:6379  # rabbitmq: also an amqp:// URL; kafka: the bootstrap servers,
///                          # `host:port,host:port`; mysql-binlog: also mysql://…
///   stream: scores         # rabbitmq: the queue; kafka: the topic; mysql-binlog: the tables,
///                          # `db.table` separated by commas
///   group: averages        # the consumer group (a durable consumer for nats; for
///                          # mysql-binlog the name of the stored position)
///   consumer: worker-1     # optional: this worker's name in the group
///   dead_letters: scores.dlq   # optional: the default is the stream's name and `.dlq`
///                              # (for mysql-binlog a JSON-lines file)
///   batch: 100             # optional: rows per run
///   concurrency: 4         # optional: flow instances at once
///   retry_times: 3         # optional: runs of a failing batch before it is split
///   claim_idle_ms: 5000    # optional, redis: take over entries pending this long
/// ```
///
/// For `type: rabbitmq`, `addrs` is `host:port` (as `guest`/`guest` on the vhost `/`) or an
/// `amqp://user:password@host:port/vhost` URL, `stream` is the queue (declared durable when
/// missing), and `dead_letters` the exchange the letters go to (declared with a queue of the same
/// name bound to it). The workers on one queue compete for its messages, so `group` is optional:
/// it defaults to the queue's name and starts the consumer tags, `<group>.<consumer>`. The
/// prefetch is `concurrency` × `batch`.
///
/// ```
/// use kisflow::config::Config;
///
/// let yaml = "kistype: flow\nstatus: 1\nflow_name: F\nsource:\n  type: rabbitmq\n  addrs: amqp://kis:pw@mq:5672/jobs\n  stream: scores\nflows:\n  - fname: f\n";
/// let config = Config::load_str("f.yml", yaml).unwrap();
/// let source = config.flow("F").unwrap().source.as_ref().unwrap();
/// assert_eq!((source.group.as_str(), source.dead_letters.as_str()), ("scores", "scores.dlq"));
/// ```
///
/// ```
/// use kisflow::config::Config;
///
/// let yaml = "kistype: flow\nstatus: 1\nflow_name: F\nsource:\n  type: redis\n  addrs: 127.0.0.1:6379\n  stream: s\n  group: g\nflows:\n  - fname: f\n";
/// let config = Config::load_str("f.yml", yaml).unwrap();
/// let source = config.flow("F").unwrap().source.as_ref().unwrap();
/// assert_eq!((source.stream.as_str(), source.dead_letters.as_str(), source.batch), ("s", "s.dlq", 100));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SourceConfig {
    /// `type`: `redis`, `nats`, `rabbitmq`, `kafka` or `mysql-binlog`.
    pub source_type: String,
    /// `addrs`: the server, `host:port` (for rabbitmq also an `amqp://` or `amqps://` URL, for
    /// kafka the bootstrap servers separated by commas, for mysql-binlog also a `mysql://` URL).
    pub addrs: String,
    /// `stream`: the stream (for nats also its subject), the rabbitmq queue, the kafka topic or
    /// the mysql-binlog tables.
    pub stream: String,
    /// `group`: the consumer group, or the durable consumer for nats; for rabbitmq, optional (the
    /// queue's name by default), the start of the consumer tags.
    pub group: String,
    /// `consumer`: this worker's name in the group; the host name and process id when absent.
    pub consumer: Option<String>,
    /// `dead_letters`: the stream, subject, (rabbitmq) exchange or (kafka) topic dead letters go to.
    pub dead_letters: String,
    /// `batch`: the most rows in one run.
    pub batch: usize,
    /// `concurrency`: flow instances at once, each holding at most one unacked batch.
    pub concurrency: usize,
    /// `retry_times`: runs of a failing batch before it is split to find the bad rows.
    pub retry_times: u32,
    /// `claim_idle_ms`: redis only; entries pending longer are taken over from dead consumers.
    pub claim_idle_ms: u64,
}

impl SourceConfig {
    /// A source of `source_type` at `addrs`, reading `stream` through `group`, with the defaults.
    #[must_use]
    pub fn new(
        source_type: impl Into<String>,
        addrs: impl Into<String>,
        stream: impl Into<String>,
        group: impl Into<String>,
    ) -> Self {
        let stream = stream.into();
        Self {
            source_type: source_type.into(),
            addrs: addrs.into(),
            dead_letters: format!("{stream}.dlq"),
            stream,
            group: group.into(),
            consumer: None,
            batch: 100,
            concurrency: 1,
            retry_times: 3,
            claim_idle_ms: 5000,
        }
    }
}

pub(in crate::config) const KEYS: &[Key] = &[
    Key::new("type", Shape::Value),
    Key::new("addrs", Shape::Value),
    Key::new("stream", Shape::Value),
    Key::new("group", Shape::Value),
    Key::new("consumer", Shape::Value),
    Key::new("dead_letters", Shape::Value),
    Key::new("batch", Shape::Value),
    Key::new("concurrency", Shape::Value),
    Key::new("retry_times", Shape::Value),
    Key::new("claim_idle_ms", Shape::Value),
];

const SOURCE: &str = "`source` must be a mapping with the keys type, addrs, stream and group";

#[derive(Deserialize)]
struct RawFields {
    #[serde(default, rename = "type", deserialize_with = "source_type")]
    source_type: Option<Text>,
    #[serde(default, deserialize_with = "addrs")]
    addrs: Option<Text>,
    #[serde(default, deserialize_with = "stream")]
    stream: Option<Text>,
    #[serde(default, deserialize_with = "group")]
    group: Option<Text>,
    #[serde(default, deserialize_with = "consumer")]
    consumer: Option<Text>,
    #[serde(default, deserialize_with = "dead_letters")]
    dead_letters: Option<Text>,
    #[serde(default, deserialize_with = "batch")]
    batch: Option<Spanned<u32>>,
    #[serde(default, deserialize_with = "concurrency")]
    concurrency: Option<Spanned<u32>>,
    #[serde(default, deserialize_with = "retry_times")]
    retry_times: Option<u32>,
    #[serde(default, deserialize_with = "claim_idle_ms")]
    claim_idle_ms: Option<u64>,
}

/// A flow's `source`, which must be a mapping.
pub(in crate::config) struct RawSource(RawFields);

impl<'de> Deserialize<'de> for RawSource {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        fields::mapping(d, SOURCE)?
            .map(RawSource)
            .ok_or_else(|| D::Error::custom(SOURCE))
    }
}

fn source_type<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Text>, D::Error> {
    fields::text(d, "type")
}
fn addrs<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Text>, D::Error> {
    fields::text(d, "addrs")
}
fn stream<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Text>, D::Error> {
    fields::text(d, "stream")
}
fn group<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Text>, D::Error> {
    fields::text(d, "group")
}
fn consumer<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Text>, D::Error> {
    fields::text(d, "consumer")
}
fn dead_letters<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Text>, D::Error> {
    fields::text(d, "dead_letters")
}
fn batch<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Spanned<u32>>, D::Error> {
    fields::whole(d, "batch", "from 1 to 4294967295")
}
fn concurrency<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Spanned<u32>>, D::Error> {
    fields::whole(d, "concurrency", "from 1 to 4294967295")
}
fn retry_times<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    fields::whole(d, "retry_times", "from 0 to 4294967295")
}
fn claim_idle_ms<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    fields::whole(d, "claim_idle_ms", "of milliseconds")
}

impl RawSource {
    /// The source, or `None` after reporting every problem with its place.
    pub(in crate::config) fn build(self, doc: &mut Doc<'_>, at: &Location) -> Option<SourceConfig> {
        let RawSource(raw) = self;
        let source_type = doc.name(raw.source_type, "type", "say where rows come from", at);
        let source_type = source_type.filter(|t| {
            let known = TYPES.contains(&t.value.as_str());
            if !known {
                let hint = nearest(&t.value, &TYPES)
                    .map_or_else(String::new, |n| format!("; did you mean `{n}`?"));
                doc.report(
                    &t.referenced,
                    format!(
                        "unknown source type `{}`: kisflow reads `redis` (Redis Streams), \
                         `nats` (NATS JetStream), `rabbitmq` (RabbitMQ queues), `kafka` and \
                         `mysql-binlog` (row changes){hint}",
                        t.value
                    ),
                );
            }
            known
        });
        let kind = source_type.as_ref().map(|t| t.value.as_str());
        let rabbitmq = kind == Some("rabbitmq");
        let addrs = addrs::check(doc, raw.addrs, kind, at);
        let stream = doc.name(raw.stream, "stream", "name the stream to read", at);
        // A RabbitMQ queue is its own group: its consumers compete for its messages.
        let group = match (rabbitmq, raw.group, &stream) {
            (true, None, Some(queue)) => Some(queue.clone()),
            (_, group, _) => doc.name(group, "group", "name the consumer group", at),
        };
        let positive =
            |doc: &mut Doc<'_>, value: Option<Spanned<u32>>, key: &str, default: usize| match value
            {
                Some(v) if v.value == 0 => {
                    doc.report(&v.referenced, format!("`{key}` must be at least 1"));
                    None
                }
                Some(v) => Some(v.value as usize),
                None => Some(default),
            };
        let batch = positive(doc, raw.batch, "batch", 100);
        let concurrency = positive(doc, raw.concurrency, "concurrency", 1);
        let (source_type, addrs, stream, group) = (source_type?, addrs?, stream?, group?);
        let mut config =
            SourceConfig::new(source_type.value, addrs.value, stream.value, group.value);
        config.consumer = raw.consumer.map(|c| c.value).filter(|c| !c.is_empty());
        if let Some(dead) = raw.dead_letters.filter(|d| !d.value.is_empty()) {
            config.dead_letters = dead.value;
        }
        config.batch = batch?;
        config.concurrency = concurrency?;
        config.retry_times = raw.retry_times.unwrap_or(config.retry_times);
        config.claim_idle_ms = raw.claim_idle_ms.unwrap_or(config.claim_idle_ms);
        Some(config)
    }
}

/// `source` as written back by [`FlowConfig::to_yaml`](super::flow::FlowConfig::to_yaml).
#[derive(Serialize)]
pub(in crate::config) struct SourceOut<'a> {
    #[serde(rename = "type")]
    source_type: &'a str,
    addrs: &'a str,
    stream: &'a str,
    group: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    consumer: Option<&'a str>,
    dead_letters: &'a str,
    batch: usize,
    concurrency: usize,
    retry_times: u32,
    claim_idle_ms: u64,
}

impl<'a> From<&'a SourceConfig> for SourceOut<'a> {
    fn from(s: &'a SourceConfig) -> Self {
        Self {
            source_type: &s.source_type,
            addrs: &s.addrs,
            stream: &s.stream,
            group: &s.group,
            consumer: s.consumer.as_deref(),
            dead_letters: &s.dead_letters,
            batch: s.batch,
            concurrency: s.concurrency,
            retry_times: s.retry_times,
            claim_idle_ms: s.claim_idle_ms,
        }
    }
}
