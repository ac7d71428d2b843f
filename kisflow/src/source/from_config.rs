//! A [`Runner`] made from a flow's YAML `source`, for `kisflow serve`.

use super::{Runner, RunnerConfig};
use crate::config::SourceConfig;
use crate::error::{Error, Result};
use crate::flow::DynFlow;

impl Runner {
    /// A runner of `flow` over the source its YAML names, with its dead letters, batch,
    /// concurrency and retries. The consumer's name is `consumer`, else the environment's
    /// `KIS_WORKER_ID`, else the host name and the process id (unique per worker process).
    ///
    /// A source type whose cargo feature is off is an error that names the feature.
    ///
    /// ```
    /// use kisflow::config::SourceConfig;
    /// use kisflow::source::Runner;
    /// use kisflow::prelude::*;
    ///
    /// #[kis_function(mode = "Expand")]
    /// fn print(rows: Vec<u32>) {
    ///     println!("{rows:?}");
    /// }
    /// flow!(Printer: print);
    ///
    /// let source = SourceConfig::new("pulsar", "127.0.0.1:6650", "s", "g");
    /// let err = Runner::from_config(Printer::new().into_dyn(), &source).err().unwrap();
    /// assert!(err.to_string().contains("unknown source type `pulsar`"));
    /// ```
    ///
    /// A known type whose feature is off:
    ///
    /// ```
    /// # use kisflow::{config::SourceConfig, prelude::*, source::Runner};
    /// # #[kis_function(mode = "Expand")]
    /// # fn print(rows: Vec<u32>) {
    /// #     println!("{rows:?}");
    /// # }
    /// # flow!(Printer: print);
    /// let source = SourceConfig::new("rabbitmq", "127.0.0.1:5672", "scores", "scores");
    /// let built = Runner::from_config(Printer::new().into_dyn(), &source);
    /// if cfg!(feature = "rabbitmq") {
    ///     assert!(built.is_ok(), "connecting waits for the first fetch");
    /// } else {
    ///     let err = built.err().unwrap().to_string();
    ///     assert!(err.contains("needs kisflow's `rabbitmq` cargo feature"), "{err}");
    /// }
    /// ```
    pub fn from_config(flow: Box<dyn DynFlow>, source: &SourceConfig) -> Result<Self> {
        let config = RunnerConfig {
            concurrency: source.concurrency.max(1),
            batch_size: source.batch.max(1),
            attempts: source.retry_times.max(1),
            ..RunnerConfig::default()
        };
        let consumer = source.consumer.clone().unwrap_or_else(default_consumer);
        let runner = match source.source_type.as_str() {
            "redis" => redis(flow, source, &consumer)?,
            "nats" => nats(flow, source, &consumer)?,
            "mysql-binlog" => binlog(flow, source)?,
            "rabbitmq" => rabbitmq(flow, source, &consumer)?,
            "kafka" => kafka(flow, source, &consumer)?,
            other => {
                return Err(Error::ConnectorConfig {
                    connector: format!("{}/{}", source.stream, source.group),
                    reason: format!(
                        "unknown source type `{other}`; kisflow reads `redis`, `nats`, `rabbitmq`, \
                         `kafka` and `mysql-binlog`"
                    ),
                });
            }
        };
        Ok(runner.with_config(config))
    }
}

/// `KIS_WORKER_ID`, else `<host>-<pid>`.
fn default_consumer() -> String {
    if let Ok(id) = std::env::var("KIS_WORKER_ID")
        && !id.is_empty()
    {
        return id;
    }
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "kisflow".to_owned());
    format!("{host}-{}", std::process::id())
}

#[cfg(feature = "redis")]
fn redis(flow: Box<dyn DynFlow>, source: &SourceConfig, consumer: &str) -> Result<Runner> {
    use super::redis::{RedisDeadLetters, RedisStreams};
    let url = format!("redis://{}/", source.addrs);
    let streams = RedisStreams::new(&url, &source.stream, &source.group, consumer)?
        .with_claim_idle(std::time::Duration::from_millis(source.claim_idle_ms));
    let dead = RedisDeadLetters::new(&url, &source.dead_letters)?;
    Ok(Runner::new(streams, flow).with_dead_letters(dead))
}

#[cfg(not(feature = "redis"))]
fn redis(_: Box<dyn DynFlow>, source: &SourceConfig, _: &str) -> Result<Runner> {
    Err(missing_feature(source, "redis"))
}

#[cfg(feature = "nats")]
fn nats(flow: Box<dyn DynFlow>, source: &SourceConfig, consumer: &str) -> Result<Runner> {
    use super::nats::{JetStreamDeadLetters, JetStreamSource};
    // The group is the durable consumer every worker shares; `consumer` names this connection.
    let stream = JetStreamSource::new(&source.addrs, &source.stream, &source.group)?
        .with_client_name(consumer);
    let dead = JetStreamDeadLetters::new(&source.addrs, &source.dead_letters)?.keeping();
    Ok(Runner::new(stream, flow).with_dead_letters(dead))
}

#[cfg(not(feature = "nats"))]
fn nats(_: Box<dyn DynFlow>, source: &SourceConfig, _: &str) -> Result<Runner> {
    Err(missing_feature(source, "nats"))
}

/// The tables of `stream` (`db.table`, separated by commas), their position stored in the first
/// table's database under the name `group`, and dead letters in the JSON-lines file
/// `dead_letters`. `addrs` is `host:port` (user `root`, no password) or a `mysql://` URL.
#[cfg(feature = "mysql-binlog")]
fn binlog(flow: Box<dyn DynFlow>, source: &SourceConfig) -> Result<Runner> {
    use super::JsonLinesDeadLetters;
    use super::binlog::{BinlogSource, TablePositions};
    let url = if source.addrs.starts_with("mysql://") {
        source.addrs.clone()
    } else {
        format!("mysql://root@{}/", source.addrs)
    };
    let tables: Vec<&str> = source.stream.split(',').map(str::trim).collect();
    let database = tables[0].split_once('.').map_or(tables[0], |(db, _)| db);
    let positions = TablePositions::new(&url, database, &source.group)?;
    let binlog = BinlogSource::new(&url, &tables, positions)?;
    let dead = JsonLinesDeadLetters::create(&source.dead_letters)?;
    Ok(Runner::new(binlog, flow).with_dead_letters(dead))
}

#[cfg(not(feature = "mysql-binlog"))]
fn binlog(_: Box<dyn DynFlow>, source: &SourceConfig) -> Result<Runner> {
    Err(missing_feature(source, "mysql-binlog"))
}

#[cfg(feature = "rabbitmq")]
fn rabbitmq(flow: Box<dyn DynFlow>, source: &SourceConfig, consumer: &str) -> Result<Runner> {
    use super::rabbitmq::{RabbitDeadLetters, RabbitSource};
    // Every instance can fill its batch: the prefetch is the whole in-flight window.
    let window = source.concurrency.max(1) * source.batch.max(1);
    let queue = RabbitSource::new(&source.addrs, &source.stream)?
        .with_prefetch(window)
        .with_consumer_tag(format!("{}.{consumer}", source.group));
    let dead = RabbitDeadLetters::new(&source.addrs, &source.dead_letters)?.keeping();
    Ok(Runner::new(queue, flow).with_dead_letters(dead))
}

#[cfg(not(feature = "rabbitmq"))]
fn rabbitmq(_: Box<dyn DynFlow>, source: &SourceConfig, _: &str) -> Result<Runner> {
    Err(missing_feature(source, "rabbitmq"))
}

#[cfg(feature = "kafka")]
fn kafka(flow: Box<dyn DynFlow>, source: &SourceConfig, consumer: &str) -> Result<Runner> {
    use super::kafka::{KafkaDeadLetters, KafkaSource};
    // `addrs` are the bootstrap servers, `stream` the topic, `group` the group.id; `consumer`
    // names this member (client.id).
    let topic =
        KafkaSource::new(&source.addrs, &source.stream, &source.group)?.with_client_id(consumer);
    let dead = KafkaDeadLetters::new(&source.addrs, &source.dead_letters)?;
    Ok(Runner::new(topic, flow).with_dead_letters(dead))
}

#[cfg(not(feature = "kafka"))]
fn kafka(_: Box<dyn DynFlow>, source: &SourceConfig, _: &str) -> Result<Runner> {
    Err(missing_feature(source, "kafka"))
}

#[cfg(not(all(
    feature = "redis",
    feature = "nats",
    feature = "rabbitmq",
    feature = "kafka",
    feature = "mysql-binlog"
)))]
fn missing_feature(source: &SourceConfig, feature: &str) -> Error {
    Error::ConnectorConfig {
        connector: format!("{}/{}", source.stream, source.group),
        reason: format!(
            "source type `{feature}` of stream `{}` needs kisflow's `{feature}` cargo feature; \
             add `features = [\"{feature}\"]` to kisflow in Cargo.toml",
            source.stream
        ),
    }
}

#[cfg(all(test, feature = "macros", not(feature = "kafka")))]
mod tests {
    use crate::config::SourceConfig;
    use crate::source::Runner;
    use crate::{flow, kis_function};

    #[kis_function(mode = "Expand")]
    fn from_config_drops(rows: Vec<u32>) {
        let _ = rows;
    }
    flow!(Drops: from_config_drops);

    #[test]
    fn a_kafka_source_without_the_feature_is_an_error_naming_it() {
        let source = SourceConfig::new("kafka", "127.0.0.1:9092", "scores", "g");
        let err = Runner::from_config(Drops::new().into_dyn(), &source)
            .err()
            .unwrap();
        assert_eq!(
            err.to_string(),
            "source type `kafka` of stream `scores` needs kisflow's `kafka` cargo feature; add \
             `features = [\"kafka\"]` to kisflow in Cargo.toml"
        );
    }
}
