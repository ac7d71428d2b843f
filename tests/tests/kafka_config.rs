//! A flow's YAML `source` of `type: kafka` made into a runner by `Runner::from_config` (what
//! `kisflow serve` does), on librdkafka's mock cluster or the cluster of `KISFLOW_KAFKA_BROKERS`:
//! `addrs` are the bootstrap servers, `stream` the topic, `group` the group, and the dead letters
//! go to the topic `<stream>.dlq`.

mod kafka_cluster;

use std::sync::Mutex;
use std::time::Duration;

use kafka_cluster::{Cluster, wait_until};
use kisflow::config::Config;
use kisflow::prelude::*;
use kisflow::source::Runner;
use serde::Deserialize;

static SAVED: Mutex<Vec<u32>> = Mutex::new(Vec::new());

#[derive(Debug, Clone, Deserialize)]
struct Score {
    stu_id: u32,
}

#[kis_function(mode = "Save")]
fn save_scores(rows: Vec<Score>) {
    SAVED.lock().unwrap().extend(rows.iter().map(|r| r.stu_id));
}
flow!(Scores: save_scores);

#[tokio::test(flavor = "multi_thread")]
async fn a_yaml_kafka_source_runs_its_flow_and_dead_letters_to_the_topic_dlq() {
    let cluster = Cluster::start();
    let topic = cluster.topic("yaml", 2).await;
    let dlq = format!("{topic}.dlq");
    if let Cluster::Mock(mock) = &cluster {
        // A real cluster makes it on first use, or must have it already.
        mock.create_topic(&dlq, 1, 1).unwrap();
    }
    let yaml = format!(
        "kistype: flow\nstatus: 1\nflow_name: Scores\nsource:\n  type: kafka\n  addrs: {}\n  \
         stream: {topic}\n  group: yaml\n  batch: 10\n  concurrency: 2\nflows:\n  - fname: save_scores\n",
        cluster.brokers()
    );
    let config = Config::load_str("scores.yml", &yaml).unwrap();
    let source = config.flow("Scores").unwrap().source.clone().unwrap();
    assert_eq!(source.dead_letters, dlq);
    let rows = |ids: std::ops::Range<u32>| -> Vec<Vec<u8>> {
        ids.map(|id| format!(r#"{{"stu_id":{id}}}"#).into_bytes())
            .collect()
    };
    cluster.produce(&topic, 0, &rows(0..50)).await;
    let mut second = rows(50..100);
    second.insert(10, b"{\"stu_id\": \"sixty\"}".to_vec());
    cluster.produce(&topic, 1, &second).await;

    let report = Runner::from_config(Scores::new().into_dyn(), &source)
        .unwrap()
        .run_until(wait_until(
            "100 rows saved",
            Duration::from_secs(60),
            || SAVED.lock().unwrap().len() >= 100,
        ))
        .await
        .unwrap();
    assert_eq!((report.acked, report.dead_lettered), (101, 1), "{report:?}");
    let mut saved = SAVED.lock().unwrap().clone();
    saved.sort_unstable();
    assert_eq!(saved, (0..100).collect::<Vec<_>>());
    let letters = cluster.read(&dlq, 1);
    assert_eq!(letters[0].value, b"{\"stu_id\": \"sixty\"}");
    assert_eq!(
        letters[0].header("source_id"),
        Some(format!("{topic}/1/10").as_str())
    );
    assert_eq!(cluster.committed(&topic, "yaml", 2), [50, 51]);
}
