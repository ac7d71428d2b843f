//! The source runner over in-process sources: batches, acks only after success, retries, poison
//! rows bisected into the dead letters, the in-flight window, a graceful stop.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use kisflow::prelude::*;
use kisflow::source::{MemoryDeadLetters, Message, MessageId, Runner, Source, StreamSource};
use kisflow::{ErrorKind, FlowSettings};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
struct Score {
    id: u32,
    poison: bool,
}

static SAVED: Mutex<Vec<u32>> = Mutex::new(Vec::new());

/// Fails the whole batch when any row in it is poison, as a store that rejects a batch would.
#[kis_function(mode = "Save")]
fn save_scores(rows: Vec<Score>) -> kisflow::Result<()> {
    if let Some(bad) = rows.iter().find(|r| r.poison) {
        return Err(kisflow::Error::msg(format_args!(
            "score {} is poison",
            bad.id
        )));
    }
    SAVED.lock().unwrap().extend(rows.iter().map(|r| r.id));
    Ok(())
}
flow!(SaveScores: save_scores);

fn payload(id: u32, poison: bool) -> String {
    format!(r#"{{"id":{id},"poison":{poison}}}"#)
}

fn quick(runner: Runner) -> Runner {
    runner.with_config(kisflow::source::RunnerConfig {
        backoff: Duration::from_millis(1),
        backoff_max: Duration::from_millis(5),
        ..Default::default()
    })
}

#[tokio::test]
async fn poison_rows_alone_go_to_the_dead_letters_byte_for_byte() -> kisflow::Result<()> {
    let mut payloads: Vec<String> = (0..1000).map(|id| payload(id, id % 100 == 7)).collect();
    payloads.push("{\"id\": oops".to_owned()); // does not decode
    payloads.push(" {\"id\":5000,\"poison\":false} ".to_owned()); // white space is still JSON
    let dead = MemoryDeadLetters::new();
    let source = StreamSource::new("scores", futures::stream::iter(payloads.clone()));
    let report = quick(Runner::new(source, SaveScores::new().into_dyn()))
        .with_concurrency(3)
        .with_batch(50, Duration::from_millis(5))
        .with_dead_letters(dead.clone())
        .run()
        .await?;

    let letters = dead.letters();
    let poisoned: BTreeSet<Vec<u8>> = letters.iter().map(|l| l.payload.clone()).collect();
    let mut expected: BTreeSet<Vec<u8>> = (0..1000)
        .filter(|id| id % 100 == 7)
        .map(|id| payload(id, true).into_bytes())
        .collect();
    expected.insert(b"{\"id\": oops".to_vec());
    assert_eq!(poisoned, expected);
    assert_eq!(letters.len(), 11, "each poison row once");
    let decode = letters
        .iter()
        .find(|l| l.payload == b"{\"id\": oops")
        .unwrap();
    assert_eq!((decode.kind, decode.attempts), (ErrorKind::Decode, 1));
    assert_eq!(decode.function.as_deref(), Some("save_scores"));
    let poison = letters
        .iter()
        .find(|l| l.payload == payload(7, true).as_bytes())
        .unwrap();
    assert_eq!(poison.kind, ErrorKind::Handler);
    assert!(
        poison.error.contains("score 7 is poison"),
        "{}",
        poison.error
    );
    assert!(
        poison.attempts >= 3,
        "a poison row alone gets every attempt: {}",
        poison.attempts
    );

    let saved: BTreeSet<u32> = SAVED.lock().unwrap().iter().copied().collect();
    let good: BTreeSet<u32> = (0..1000).filter(|id| id % 100 != 7).chain([5000]).collect();
    assert_eq!(saved, good, "every good row saved");
    assert_eq!(report.received, 1002);
    assert_eq!(report.acked, 1002);
    assert_eq!(report.dead_lettered, 11);
    assert_eq!(report.unacked, 0);
    Ok(())
}

/// Fails the first two calls of each instance, then succeeds.
#[kis_function(mode = "Expand")]
fn flaky(ctx: &FlowCtx, rows: Vec<u32>) -> kisflow::Result<()> {
    let calls = ctx
        .flow_metadata()
        .update("calls", |n: Option<u32>| n.unwrap_or(0) + 1)?;
    if calls <= 2 {
        return Err(kisflow::Error::msg("store busy"));
    }
    FLAKY_SEEN.lock().unwrap().extend(rows);
    Ok(())
}
flow!(Flaky: flaky);
static FLAKY_SEEN: Mutex<Vec<u32>> = Mutex::new(Vec::new());

#[tokio::test]
async fn a_passing_failure_is_retried_and_nothing_is_dead_lettered() -> kisflow::Result<()> {
    let dead = MemoryDeadLetters::new();
    let source = StreamSource::new("flaky", futures::stream::iter(["1", "2", "3"]));
    let report = quick(Runner::new(source, Flaky::new().into_dyn()))
        .with_dead_letters(dead.clone())
        .run()
        .await?;
    assert!(dead.letters().is_empty());
    assert_eq!(*FLAKY_SEEN.lock().unwrap(), [1, 2, 3]);
    assert_eq!((report.acked, report.retried), (3, 2));
    Ok(())
}

#[kis_function(mode = "Expand")]
fn count_rows(rows: Vec<u32>) {
    COUNTED.fetch_add(rows.len(), Ordering::Relaxed);
}
flow!(Counter: count_rows);
static COUNTED: AtomicUsize = AtomicUsize::new(0);

/// A source of `total` messages that records how many fetched batches are not yet acked.
struct Windowed {
    total: usize,
    next: AtomicUsize,
    in_flight: AtomicUsize,
    /// The most batches in flight at once, shared with the test.
    most: Arc<AtomicUsize>,
}

impl Source for Windowed {
    fn name(&self) -> &'static str {
        "windowed"
    }

    fn fetch(
        &self,
        max: usize,
        _wait: Duration,
    ) -> BoxFuture<'_, kisflow::Result<Option<Vec<Message>>>> {
        Box::pin(async move {
            let start = self.next.fetch_add(max, Ordering::SeqCst);
            if start >= self.total {
                return Ok(None);
            }
            let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            self.most.fetch_max(now, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(1)).await;
            Ok(Some(
                (start..(start + max).min(self.total))
                    .map(|i| Message::new(i as u64, i.to_string()))
                    .collect(),
            ))
        })
    }

    fn ack<'a>(&'a self, _ids: &'a [MessageId]) -> BoxFuture<'a, kisflow::Result<()>> {
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        Box::pin(async { Ok(()) })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn never_more_batches_in_flight_than_instances() -> kisflow::Result<()> {
    let most = Arc::new(AtomicUsize::new(0));
    let source = Windowed {
        total: 2000,
        next: AtomicUsize::new(0),
        in_flight: AtomicUsize::new(0),
        most: Arc::clone(&most),
    };
    let report = Runner::new(source, Counter::new().into_dyn())
        .with_concurrency(4)
        .with_batch(10, Duration::from_millis(1))
        .run()
        .await?;
    assert_eq!(report.acked, 2000);
    assert_eq!(COUNTED.load(Ordering::Relaxed), 2000);
    let most = most.load(Ordering::SeqCst);
    assert!(
        (1..=4).contains(&most),
        "in flight at most 4 batches, saw {most}"
    );
    Ok(())
}

#[kis_function(mode = "Expand")]
fn drained(rows: Vec<u32>) {
    DRAINED.fetch_add(rows.len(), Ordering::Relaxed);
}
flow!(Drained: drained);
static DRAINED: AtomicUsize = AtomicUsize::new(0);

#[tokio::test]
async fn a_stop_finishes_and_acks_what_was_fetched() -> kisflow::Result<()> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    for i in 0..5 {
        tx.send(i.to_string()).unwrap();
    }
    let stream = tokio_stream_from(rx);
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let runner = Runner::new(
        StreamSource::new("channel", stream),
        Drained::new().into_dyn(),
    )
    .with_batch(100, Duration::from_millis(20));
    let handle = tokio::spawn(runner.run_until(async move {
        let _ = stop_rx.await;
    }));
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop_tx.send(()).unwrap();
    let report = tokio::time::timeout(Duration::from_secs(5), handle)
        .await
        .expect("stops within the drain timeout")
        .unwrap()?;
    assert_eq!((report.received, report.acked), (5, 5));
    assert_eq!(DRAINED.load(Ordering::Relaxed), 5);
    drop(tx); // the channel stayed open: only the stop ended the run
    Ok(())
}

fn tokio_stream_from(
    mut rx: tokio::sync::mpsc::UnboundedReceiver<String>,
) -> impl futures::Stream<Item = String> {
    futures::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

#[tokio::test]
async fn a_switched_off_flow_stops_the_runner_and_acks_nothing() {
    let settings = FlowSettings {
        disabled: Some("status: 0".into()),
        ..FlowSettings::default()
    };
    let flow = Drained::new().with_settings(&settings).unwrap().into_dyn();
    let dead = MemoryDeadLetters::new();
    let source = StreamSource::new("off", futures::stream::iter(["1", "2"]));
    let err = Runner::new(source, flow)
        .with_dead_letters(dead.clone())
        .run()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Disabled);
    assert!(
        dead.letters().is_empty(),
        "a switched-off flow dead-letters nothing"
    );
}

#[kis_function(mode = "Expand")]
fn ignore_rows(_rows: Vec<u32>) {}
flow!(Ignore: ignore_rows);

#[tokio::test]
async fn a_runner_records_its_source_series() -> kisflow::Result<()> {
    let metrics = kisflow::Metrics::new();
    let source = StreamSource::new("metered", futures::stream::iter(["1", "2", "x", "4"]));
    Runner::new(source, Ignore::new().into_dyn())
        .with_batch(2, Duration::from_millis(5))
        .with_metrics(&metrics)
        .run()
        .await?;
    let text = metrics.encode();
    for line in [
        "source_received_total{source=\"metered\"} 4",
        "source_acked_total{source=\"metered\"} 4",
        "source_dead_lettered_total{source=\"metered\"} 1",
        "source_batches_total{source=\"metered\"} 2",
        "source_in_flight{source=\"metered\"} 0",
        "source_fetch_to_ack_duration_count{source=\"metered\"} 2",
    ] {
        assert!(text.contains(line), "missing `{line}` in:\n{text}");
    }
    Ok(())
}

/// One batch: a message delivered once and one delivered nine times.
struct Worn(std::sync::Mutex<bool>);

impl Source for Worn {
    fn name(&self) -> &'static str {
        "worn"
    }

    fn fetch(
        &self,
        _max: usize,
        _wait: Duration,
    ) -> BoxFuture<'_, kisflow::Result<Option<Vec<Message>>>> {
        let first = std::mem::replace(&mut *self.0.lock().unwrap(), false);
        Box::pin(async move {
            if !first {
                return Ok(None);
            }
            let fresh = Message::new("1", b"1".to_vec());
            let mut worn = Message::new("2", b"2".to_vec());
            worn.deliveries = 9;
            Ok(Some(vec![fresh, worn]))
        })
    }

    fn ack<'a>(&'a self, _ids: &'a [MessageId]) -> BoxFuture<'a, kisflow::Result<()>> {
        Box::pin(async { Ok(()) })
    }
}

#[tokio::test]
async fn a_message_delivered_too_often_is_dead_lettered_unrun() -> kisflow::Result<()> {
    let dead = MemoryDeadLetters::new();
    let report = Runner::new(Worn(std::sync::Mutex::new(true)), Ignore::new().into_dyn())
        .with_config(kisflow::source::RunnerConfig {
            max_deliveries: Some(3),
            ..Default::default()
        })
        .with_dead_letters(dead.clone())
        .run()
        .await?;
    let letters = dead.letters();
    assert_eq!(letters.len(), 1);
    assert_eq!(
        (letters[0].message_id.as_str(), letters[0].kind),
        ("2", ErrorKind::Panic)
    );
    assert!(
        letters[0]
            .error
            .contains("delivered 9 times, more than the limit of 3"),
        "{}",
        letters[0].error
    );
    assert_eq!((report.acked, report.dead_lettered), (2, 1));
    Ok(())
}
