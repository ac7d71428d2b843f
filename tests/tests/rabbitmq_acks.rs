//! `RabbitSource` through its `Source` methods against the machine's RabbitMQ, each test on a
//! queue of its own: released messages come back redelivered, tags of a closed channel are never
//! acked on the new one, quorum queues count deliveries, the lag counts the queue, and a server
//! that is not there or a queue that is missing give errors that name them.

mod rabbit;

use std::time::Duration;

use kisflow::prelude::*;
use kisflow::source::rabbitmq::{RabbitDeadLetters, RabbitSource};
use kisflow::source::{
    DeadLetterSink, MemoryDeadLetters, Message, MessageId, Runner, Source, StreamSource,
};
use lapin::types::{AMQPValue, FieldTable};
use rabbit::{ADDR, Names, connect, publish, ready_after_consumers};

/// Fetches until `n` messages came (each fetch waits up to 200 ms; 50 fetches at most).
async fn fetch_n(source: &RabbitSource, n: usize) -> Vec<Message> {
    let mut got = Vec::new();
    for _ in 0..50 {
        got.extend(
            source
                .fetch(n - got.len(), Duration::from_millis(200))
                .await
                .unwrap()
                .unwrap(),
        );
        if got.len() >= n {
            return got;
        }
    }
    panic!("only {} of {n} messages came", got.len());
}

fn payloads(messages: &[Message]) -> Vec<Vec<u8>> {
    messages.iter().map(|m| m.payload.to_vec()).collect()
}

fn rows(n: usize) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| format!(r#"{{"n":{i}}}"#).into_bytes())
        .collect()
}

#[tokio::test]
async fn released_messages_come_back_redelivered_after_the_delay() {
    let names = Names::new("rabbit-release", &["rows"]);
    let queue = &names.queues[0];
    let (_connection, channel) = connect().await;
    rabbit::declare(&channel, queue, FieldTable::default()).await;
    publish(&channel, queue, &rows(4)).await;
    let source = RabbitSource::new(ADDR, queue).unwrap();
    let first = fetch_n(&source, 4).await;
    assert!(first.iter().all(|m| m.deliveries == 1));
    let ids: Vec<MessageId> = first.iter().map(|m| m.id.clone()).collect();
    source
        .release(&ids, Duration::from_millis(300))
        .await
        .unwrap();
    let second = fetch_n(&source, 4).await;
    assert_eq!(
        payloads(&second),
        payloads(&first),
        "the same messages, in order"
    );
    assert!(
        second.iter().all(|m| m.deliveries == 2),
        "flagged redelivered: {second:?}"
    );
    let ids: Vec<MessageId> = second.iter().map(|m| m.id.clone()).collect();
    source.ack(&ids).await.unwrap();
    drop(source);
    assert_eq!(ready_after_consumers(queue).await, 0, "acked for good");
}

#[tokio::test]
async fn tags_of_a_closed_channel_are_not_acked_on_the_new_one() {
    let names = Names::new("rabbit-stale", &["rows"]);
    let queue = &names.queues[0];
    let (_connection, channel) = connect().await;
    rabbit::declare(&channel, queue, FieldTable::default()).await;
    publish(&channel, queue, &rows(3)).await;
    let tag = rabbit::unique("rabbit-stale", "consumer");
    let source = RabbitSource::new(ADDR, queue)
        .unwrap()
        .with_consumer_tag(&tag);
    let first = fetch_n(&source, 3).await;
    let closed = tokio::task::spawn_blocking(move || rabbit::close_connections_named(&tag));
    assert_eq!(closed.await.unwrap(), 1);
    // The fetch that finds the channel gone fails; the next one reconnects.
    let mut again = Vec::new();
    for _ in 0..50 {
        if let Ok(Some(batch)) = source
            .fetch(3 - again.len(), Duration::from_millis(200))
            .await
        {
            again.extend(batch);
        }
        if again.len() == 3 {
            break;
        }
    }
    assert_eq!(
        payloads(&again),
        payloads(&first),
        "delivered again on the new channel"
    );
    assert!(again.iter().all(|m| m.deliveries == 2));
    // Session 1's tags are 1..=3, as are session 2's: acking the old ids must not ack the new.
    let old: Vec<MessageId> = first.iter().map(|m| m.id.clone()).collect();
    assert!(
        old.iter()
            .all(|id| id.as_pair().is_some_and(|(session, _)| session == 1)),
        "{old:?}"
    );
    source.ack(&old).await.unwrap();
    drop(source);
    assert_eq!(
        ready_after_consumers(queue).await,
        3,
        "all three back in the queue, unacked"
    );
}

#[tokio::test]
async fn a_quorum_queue_counts_deliveries() {
    let names = Names::new("rabbit-quorum", &["rows"]);
    let queue = &names.queues[0];
    let (_connection, channel) = connect().await;
    let mut quorum = FieldTable::default();
    quorum.insert(
        "x-queue-type".into(),
        AMQPValue::LongString("quorum".into()),
    );
    rabbit::declare(&channel, queue, quorum).await;
    publish(&channel, queue, &rows(1)).await;
    let source = RabbitSource::new(ADDR, queue)
        .unwrap()
        .passive()
        .with_prefetch(1);
    for round in 1..=3 {
        let got = fetch_n(&source, 1).await;
        assert_eq!(got[0].deliveries, round, "x-delivery-count + 1: {got:?}");
        let ids = vec![got[0].id.clone()];
        if round < 3 {
            source.release(&ids, Duration::ZERO).await.unwrap();
        } else {
            source.ack(&ids).await.unwrap();
        }
    }
    drop(source);
    assert_eq!(ready_after_consumers(queue).await, 0);
}

#[tokio::test]
async fn the_prefetch_is_the_window_and_the_lag_counts_the_queue_and_what_is_held() {
    let names = Names::new("rabbit-lag", &["rows"]);
    let queue = &names.queues[0];
    let (_connection, channel) = connect().await;
    rabbit::declare(&channel, queue, FieldTable::default()).await;
    publish(&channel, queue, &rows(7)).await;
    let source = RabbitSource::new(ADDR, queue).unwrap().with_prefetch(1);
    let first = fetch_n(&source, 1).await;
    // The prefetch of 1 is the window: with one message held, the server sends no other.
    let more = source
        .fetch(5, Duration::from_millis(300))
        .await
        .unwrap()
        .unwrap();
    assert!(more.is_empty(), "{more:?}");
    assert_eq!(
        source.lag().await.unwrap().unwrap().messages,
        7,
        "6 ready, 1 held"
    );
    source.ack(&[first[0].id.clone()]).await.unwrap();
    for _ in 0..6 {
        let next = fetch_n(&source, 1).await;
        source.ack(&[next[0].id.clone()]).await.unwrap();
    }
    assert_eq!(source.lag().await.unwrap().unwrap().messages, 0);
}

#[tokio::test]
async fn a_missing_server_or_queue_is_an_error_that_names_it() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let nowhere = RabbitSource::new(&format!("127.0.0.1:{port}"), "q").unwrap();
    let err = nowhere
        .fetch(10, Duration::from_millis(10))
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains(&format!("rabbitmq 127.0.0.1:{port}/ queue `q`"))
            && message.contains("connect failed"),
        "{message}"
    );
    assert!(
        err.kind().may_succeed_later(),
        "a server that is down is retried"
    );
    let queue = rabbit::unique("rabbit-missing", "rows");
    let passive = RabbitSource::new(ADDR, &queue).unwrap().passive();
    let err = passive
        .fetch(10, Duration::from_millis(10))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(&format!(
            "queue `{queue}` does not exist on 127.0.0.1:5672/"
        )),
        "{err}"
    );
    let bad = RabbitSource::new("amqp://[::1", "q")
        .unwrap_err()
        .to_string();
    assert!(bad.contains("is not a RabbitMQ address"), "{bad}");
}

#[kis_function(mode = "Save")]
fn keep_numbers(rows: Vec<u32>) {
    let _ = rows;
}
flow!(Numbers: keep_numbers);

#[tokio::test]
async fn a_dead_letter_no_queue_receives_fails_the_send() {
    let exchange = rabbit::unique("rabbit-unrouted", "dlq");
    let names = Names::new("rabbit-unrouted", &[]).exchange(&exchange);
    let (_connection, channel) = connect().await;
    let options = lapin::options::ExchangeDeclareOptions::default();
    channel
        .exchange_declare(
            exchange.as_str().into(),
            lapin::ExchangeKind::Fanout,
            options,
            FieldTable::default(),
        )
        .await
        .unwrap();
    // A letter to send: a row that does not decode, from an in-process source.
    let memory = MemoryDeadLetters::new();
    let lines = futures::stream::iter(["not a number"]);
    Runner::new(StreamSource::new("lines", lines), Numbers::new().into_dyn())
        .with_dead_letters(memory.clone())
        .run()
        .await
        .unwrap();
    let letters = memory.letters();
    assert_eq!(letters.len(), 1);
    let dead = RabbitDeadLetters::new(ADDR, &exchange).unwrap();
    let err = dead.send(&letters).await.unwrap_err().to_string();
    assert!(
        err.contains("routes it to no queue; bind a queue to"),
        "{err}"
    );
    let missing = RabbitDeadLetters::new(ADDR, rabbit::unique("rabbit-unrouted", "none")).unwrap();
    let err = missing.send(&letters).await.unwrap_err().to_string();
    assert!(err.contains("NOT_FOUND"), "{err}");
    drop(names);
}
