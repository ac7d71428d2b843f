//! The catalogue, part 3: a flow's `source`, every problem with its place.

use super::{loads, problems};

const FLOW: &str = "kistype: flow\nflow_name: F\nstatus: 1\nflows:\n  - fname: f\n";

#[test]
fn a_full_source_loads_with_every_key() {
    let yaml = format!(
        "{FLOW}source:\n  type: nats\n  addrs: localhost:4222\n  stream: S\n  group: G\n  \
         consumer: w1\n  dead_letters: bad\n  batch: 7\n  concurrency: 3\n  retry_times: 0\n  \
         claim_idle_ms: 10\n"
    );
    let config = loads(&yaml);
    let source = config.flow("F").unwrap().source.clone().unwrap();
    assert_eq!(
        (
            source.source_type.as_str(),
            source.addrs.as_str(),
            source.consumer.as_deref(),
            source.dead_letters.as_str(),
            source.batch,
            source.concurrency,
            source.retry_times,
            source.claim_idle_ms,
        ),
        ("nats", "localhost:4222", Some("w1"), "bad", 7, 3, 0, 10)
    );
}

#[test]
fn a_kafka_source_takes_several_bootstrap_servers_and_each_must_be_host_port() {
    let yaml = format!(
        "{FLOW}source:\n  type: kafka\n  addrs: k1:9092,k2:9092\n  stream: scores\n  group: G\n"
    );
    let source = loads(&yaml).flow("F").unwrap().source.clone().unwrap();
    assert_eq!(
        (
            source.source_type.as_str(),
            source.addrs.as_str(),
            source.dead_letters.as_str()
        ),
        ("kafka", "k1:9092,k2:9092", "scores.dlq")
    );
    let yaml =
        format!("{FLOW}source:\n  type: kafka\n  addrs: k1:9092,k2\n  stream: S\n  group: G\n");
    assert_eq!(
        problems(&yaml),
        [
            "f.yml:8:10: `addrs` must be `host:port`, or several separated by commas, such as `127.0.0.1:9092,127.0.0.1:9093`, not `k1:9092,k2`"
        ]
    );
}

#[test]
fn every_problem_of_a_source_is_reported_at_its_place() {
    let yaml = format!(
        "{FLOW}source:\n  type: rdis\n  addrs: nowhere\n  stream: S\n  batch: 0\n  grup: G\n"
    );
    assert_eq!(
        problems(&yaml),
        [
            "f.yml:7:3: missing `group`: name the consumer group with `group: <name>`",
            "f.yml:7:9: unknown source type `rdis`: kisflow reads `redis` (Redis Streams), `nats` (NATS JetStream), `rabbitmq` (RabbitMQ queues), `kafka` and `mysql-binlog` (row changes); did you mean `redis`?",
            "f.yml:8:10: `addrs` must be `host:port`, such as `127.0.0.1:6379`, not `nowhere`",
            "f.yml:10:10: `batch` must be at least 1",
            "f.yml:11:3: unknown key `grup`; did you mean `group`? expected one of type, addrs, stream, group, consumer, dead_letters, batch, concurrency, retry_times, claim_idle_ms",
        ]
    );
}

#[test]
fn a_rabbitmq_source_takes_an_amqp_url_and_needs_no_group() {
    let yaml = format!(
        "{FLOW}source:\n  type: rabbitmq\n  addrs: amqps://kis:pw@mq.local:5671/jobs\n  \
         stream: scores\n  dead_letters: scores.bad\n"
    );
    let source = loads(&yaml).flow("F").unwrap().source.clone().unwrap();
    assert_eq!(
        (
            source.addrs.as_str(),
            source.group.as_str(),
            source.dead_letters.as_str()
        ),
        ("amqps://kis:pw@mq.local:5671/jobs", "scores", "scores.bad")
    );
    assert_eq!(
        problems(&format!(
            "{FLOW}source:\n  type: rabbitmq\n  addrs: amqp://\n  stream: scores\n"
        )),
        [
            "f.yml:8:10: `addrs` must be `host:port`, such as `127.0.0.1:5672`, or an `amqp://user:password@host:port/vhost` URL, not `amqp://`"
        ]
    );
    // Only a rabbitmq source takes a URL.
    assert_eq!(
        problems(&format!(
            "{FLOW}source:\n  type: redis\n  addrs: amqp://mq:5672/jobs\n  stream: s\n  group: g\n"
        )),
        [
            "f.yml:8:10: `addrs` must be `host:port`, such as `127.0.0.1:6379`, not `amqp://mq:5672/jobs`"
        ]
    );
}

#[test]
fn a_source_must_be_a_mapping() {
    assert_eq!(
        problems(&format!("{FLOW}source: redis\n")),
        ["f.yml:6:9: `source` must be a mapping with the keys type, addrs, stream and group"]
    );
}
