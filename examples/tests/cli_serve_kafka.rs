//! `serve --config DIR` of the embedded command line with a `type: kafka` source, against
//! librdkafka's mock cluster started in this test process (the `serve` process connects to it
//! over loopback): the rows run, the bad one goes to the topic `scores.dlq`, the group commits
//! every offset, and SIGTERM drains and exits 0.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::{ClientConfig, Message as _, Offset, TopicPartitionList};

/// The offsets `group` committed on `topic`'s partition 0, or -1.
fn committed(brokers: &str, topic: &str, group: &str) -> i64 {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("group.id", group)
        .create()
        .unwrap();
    let mut list = TopicPartitionList::new();
    list.add_partition(topic, 0);
    let committed = consumer
        .committed_offsets(list, Duration::from_secs(5))
        .unwrap();
    match committed.find_partition(topic, 0).map(|e| e.offset()) {
        Some(Offset::Offset(offset)) => offset,
        _ => -1,
    }
}

#[test]
fn serve_runs_a_kafka_source_until_sigterm() {
    let mock = MockCluster::new(1).unwrap();
    let brokers = mock.bootstrap_servers();
    mock.create_topic("scores", 1, 1).unwrap();
    mock.create_topic("scores.dlq", 1, 1).unwrap();
    let conf = std::env::temp_dir().join(format!("kisflow-serve-kafka-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&conf);
    std::fs::create_dir_all(&conf).unwrap();
    let flow = format!(
        "kistype: flow\nstatus: 1\nflow_name: CalStuAvgScore\nsource:\n  type: kafka\n  addrs: {brokers}\n  \
         stream: scores\n  group: printers\n  batch: 2\nflows:\n  - fname: VerifyStu\n  - fname: AvgStuScore\n  \
         - fname: PrintStuAvgScore\n"
    );
    std::fs::write(conf.join("flow-CalStuAvgScore.yml"), flow).unwrap();
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", &brokers)
        .create()
        .unwrap();
    let mut rows: Vec<String> = [101, 102, 103]
        .map(|id| format!(r#"{{"stu_id":{id},"score_1":90,"score_2":80,"score_3":70}}"#))
        .to_vec();
    rows.push("oops".to_owned());
    for row in &rows {
        producer
            .send(BaseRecord::<(), _>::to("scores").payload(row))
            .unwrap();
    }
    producer.flush(Duration::from_secs(10)).unwrap();

    let child = Command::new(env!("CARGO_BIN_EXE_kisflow-demo"))
        .args(["serve", "--config", conf.to_str().unwrap()])
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while committed(&brokers, "scores", "printers") < 4 {
        assert!(
            Instant::now() < deadline,
            "serve did not commit the 4 offsets within 60 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let term = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.starts_with(&format!(
            "serving flow `CalStuAvgScore` from kafka stream `scores` at {brokers}, group `printers`"
        )),
        "{stdout}"
    );
    for id in [101, 102, 103] {
        assert!(
            stdout.contains(&format!("stuid: [{id}], avg score: [80]")),
            "{stdout}"
        );
    }
    assert_eq!(
        stderr,
        "flow `CalStuAvgScore` stopped: 4 received, 4 acked, 1 dead-lettered, 0 left unacked\n"
    );
    let reader: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", &brokers)
        .set("group.id", "dlq-reader")
        .create()
        .unwrap();
    let mut list = TopicPartitionList::new();
    list.add_partition_offset("scores.dlq", 0, Offset::Beginning)
        .unwrap();
    reader.assign(&list).unwrap();
    let letter = loop {
        assert!(Instant::now() < deadline, "no dead letter on scores.dlq");
        if let Some(message) = reader.poll(Duration::from_millis(100)) {
            break message.unwrap().detach();
        }
    };
    assert_eq!(letter.payload(), Some(&b"oops"[..]));
    assert_eq!(letter.key(), Some(&b"scores/0/3"[..]));
    let _ = std::fs::remove_dir_all(&conf);
}
