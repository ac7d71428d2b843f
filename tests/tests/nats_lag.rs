//! A JetStream durable consumer's lag and released messages, against a real `nats-server`: the lag
//! counts messages not yet delivered plus delivered and not acked, with the age of the oldest; a
//! released message comes back after the delay asked for, not after the ack wait.

mod nats_server;

use std::time::Duration;

use kisflow::source::nats::JetStreamSource;
use kisflow::source::{MessageId, Source};
use nats_server::{NatsServer, context, publish};

#[tokio::test]
async fn the_lag_counts_pending_and_unacked_messages_and_their_age() {
    let server = NatsServer::start("lag");
    let source = JetStreamSource::new(&server.addr(), "LAG", "workers").unwrap();
    // The first fetch makes the stream and the consumer; nothing is there yet.
    let first = source
        .fetch(10, Duration::from_millis(50))
        .await
        .unwrap()
        .unwrap();
    assert!(first.is_empty());
    assert_eq!(source.lag().await.unwrap().unwrap().messages, 0);
    let context = context(&server, &[]).await;
    for id in 0..30u32 {
        publish(&context, "LAG", id.to_string().into_bytes()).await;
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    let fetched = source
        .fetch(10, Duration::from_millis(200))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(fetched.len(), 10);
    let lag = source.lag().await.unwrap().unwrap();
    assert_eq!(
        lag.messages, 30,
        "20 not yet delivered and 10 delivered, not acked"
    );
    assert!(lag.seconds >= 0.04 && lag.seconds < 60.0, "{}", lag.seconds);
    let ids: Vec<MessageId> = fetched.iter().map(|m| m.id.clone()).collect();
    source.ack(&ids).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(source.lag().await.unwrap().unwrap().messages, 20);
}

#[tokio::test]
async fn released_messages_come_back_after_the_delay_not_the_ack_wait() {
    let server = NatsServer::start("release");
    let source = JetStreamSource::new(&server.addr(), "REL", "workers")
        .unwrap()
        .with_ack_wait(Duration::from_secs(30));
    assert!(
        source
            .fetch(10, Duration::from_millis(50))
            .await
            .unwrap()
            .unwrap()
            .is_empty()
    );
    let context = context(&server, &[]).await;
    for id in 0..5u32 {
        publish(&context, "REL", id.to_string().into_bytes()).await;
    }
    let first = source
        .fetch(10, Duration::from_millis(200))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.len(), 5);
    let ids: Vec<MessageId> = first.iter().map(|m| m.id.clone()).collect();
    source
        .release(&ids, Duration::from_millis(300))
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let mut again = Vec::new();
    while again.len() < 5 && started.elapsed() < Duration::from_secs(10) {
        again.extend(
            source
                .fetch(10, Duration::from_millis(200))
                .await
                .unwrap()
                .unwrap(),
        );
    }
    assert_eq!(again.len(), 5, "the released messages came back");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "well before the 30 s ack wait"
    );
    assert!(again.iter().all(|m| m.deliveries == 2));
}

static SLOW_SEEN: std::sync::Mutex<Vec<u32>> = std::sync::Mutex::new(Vec::new());

/// Takes longer than the consumer's ack wait on its first batch.
#[kisflow::kis_function(mode = "Expand")]
async fn slow_first(ctx: &kisflow::FlowCtx, rows: Vec<u32>) {
    let calls = ctx
        .flow_metadata()
        .update("calls", |n: Option<u32>| n.unwrap_or(0) + 1)
        .unwrap();
    if calls == 1 {
        tokio::time::sleep(Duration::from_millis(2500)).await;
    }
    SLOW_SEEN.lock().unwrap().extend(rows);
}
kisflow::flow!(Slow: slow_first);

/// A batch running longer than the ack wait says it is in progress, so the other instance does
/// not get its messages delivered again: every message is seen exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_batch_keeps_its_messages_with_in_progress_acks() {
    let server = NatsServer::start("progress");
    let source = JetStreamSource::new(&server.addr(), "SLOW", "workers")
        .unwrap()
        .with_ack_wait(Duration::from_secs(1));
    let context = context(&server, &[("SLOW", "SLOW")]).await;
    for id in 0..10u32 {
        publish(&context, "SLOW", id.to_string().into_bytes()).await;
    }
    let report = kisflow::source::Runner::new(source, Slow::new().into_dyn())
        .with_concurrency(2)
        .with_batch(5, Duration::from_millis(100))
        .run_until(async {
            for _ in 0..200 {
                if SLOW_SEEN.lock().unwrap().len() >= 10 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            tokio::time::sleep(Duration::from_millis(1500)).await;
        })
        .await
        .unwrap();
    let mut seen = SLOW_SEEN.lock().unwrap().clone();
    seen.sort_unstable();
    assert_eq!(
        seen,
        (0..10).collect::<Vec<_>>(),
        "each message once: {report:?}"
    );
}
