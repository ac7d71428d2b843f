//! JetStream dead letters kept in a stream, read back and replayed against a real `nats-server`:
//! after the handler is fixed a replay brings every row through once, and a row that keeps
//! failing stays dead after three replays.

mod nats_server;

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use kisflow::prelude::*;
use kisflow::source::nats::{JetStreamDeadLetters, JetStreamSource};
use kisflow::source::{MAX_REPLAYS, Runner, RunnerConfig};
use nats_server::{NatsServer, context, drained, publish};

static SAVED: Mutex<BTreeSet<i64>> = Mutex::new(BTreeSet::new());
static FIXED: AtomicBool = AtomicBool::new(false);

/// Saves values; a negative one fails its batch until [`FIXED`], `-999` always.
#[kis_function(mode = "Save")]
fn save_values(rows: Vec<i64>) -> kisflow::Result<()> {
    let fixed = FIXED.load(Ordering::SeqCst);
    if let Some(bad) = rows.iter().find(|v| **v == -999 || (**v < 0 && !fixed)) {
        return Err(kisflow::Error::msg(format_args!("value {bad} is negative")));
    }
    SAVED.lock().unwrap().extend(rows);
    Ok(())
}
flow!(Values: save_values);

/// Runs the flow over `stream` until the consumer is drained.
async fn drain(server: &NatsServer, stream: &str) {
    let source = JetStreamSource::new(&server.addr(), stream, "savers").unwrap();
    let dead = JetStreamDeadLetters::new(&server.addr(), format!("{stream}.dlq"))
        .unwrap()
        .keeping();
    let context = context(server, &[]).await;
    let stream = stream.to_owned();
    let config = RunnerConfig {
        backoff: Duration::from_millis(5),
        backoff_max: Duration::from_millis(100),
        ..RunnerConfig::default()
    };
    Runner::new(source, Values::new().into_dyn())
        .with_config(config)
        .with_batch(20, Duration::from_millis(50))
        .with_dead_letters(dead)
        .run_until(async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            for _ in 0..200 {
                if drained(&context, &stream, "savers").await {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_letters_are_kept_listed_and_replayed_once() {
    let server = NatsServer::start("replay");
    let context = context(&server, &[("FIXES", "FIXES")]).await;
    for value in 0..200i64 {
        let value = if value % 50 == 7 { -value } else { value };
        publish(&context, "FIXES", value.to_string().into_bytes()).await;
    }
    drain(&server, "FIXES").await;
    let dead = JetStreamDeadLetters::new(&server.addr(), "FIXES.dlq")
        .unwrap()
        .keeping();
    let letters = dead.list(100).await.unwrap();
    let bad: BTreeSet<Vec<u8>> = letters.iter().map(|l| l.payload.clone()).collect();
    assert_eq!(
        bad,
        ["-7", "-57", "-107", "-157"]
            .map(|v| v.as_bytes().to_vec())
            .into()
    );
    assert!(
        letters
            .iter()
            .all(|l| l.flow == "Values" && l.replays == 0 && !l.error.is_empty())
    );

    FIXED.store(true, Ordering::SeqCst);
    let report = dead.replay("FIXES", &[], 100, false).await.unwrap();
    assert_eq!(report.replayed.len(), 4);
    assert!(
        dead.list(100).await.unwrap().is_empty(),
        "replayed letters leave the stream"
    );
    drain(&server, "FIXES").await;
    let saved = SAVED
        .lock()
        .unwrap()
        .iter()
        .filter(|v| v.abs() < 200)
        .count();
    assert_eq!(saved, 200, "every row saved after the replay");
    assert!(
        dead.replay("FIXES", &[], 100, false)
            .await
            .unwrap()
            .replayed
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_row_that_keeps_failing_stays_dead_after_three_replays() {
    let server = NatsServer::start("stays-dead");
    let context = context(&server, &[("DEAD", "DEAD")]).await;
    publish(&context, "DEAD", b"-999".to_vec()).await;
    let dead = JetStreamDeadLetters::new(&server.addr(), "DEAD.dlq")
        .unwrap()
        .keeping();
    for replays in 0..=MAX_REPLAYS {
        drain(&server, "DEAD").await;
        let letters = dead.list(10).await.unwrap();
        assert_eq!(letters.len(), 1);
        assert_eq!(
            (letters[0].replays, letters[0].payload.as_slice()),
            (replays, &b"-999"[..])
        );
        let report = dead
            .replay("DEAD", &[letters[0].id.clone()], 10, false)
            .await
            .unwrap();
        if replays < MAX_REPLAYS {
            assert_eq!(report.replayed.len(), 1);
        } else {
            assert_eq!(report.kept[0].1, "replayed 3 times already; it stays dead");
        }
    }
}
