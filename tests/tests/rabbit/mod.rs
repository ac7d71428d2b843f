//! The machine's RabbitMQ (127.0.0.1:5672, guest/guest; `scripts/test.sh` starts it) as the tests
//! use it: queue and exchange names unique to a test and deleted when its [`Names`] drops, rows
//! published with confirms, queues counted and read, and a test's own connections closed from
//! the server side.

#![allow(dead_code, reason = "each test file uses a part of it")]

use std::process::Command;

use lapin::options::{
    BasicAckOptions, BasicGetOptions, BasicPublishOptions, ConfirmSelectOptions,
    ExchangeDeleteOptions, QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties};

/// The server, as `RabbitSource::new` takes it.
pub(crate) const ADDR: &str = "127.0.0.1:5672";
const URL: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";

/// Names of queues and exchanges made for one test, deleted (on a thread of their own, so a
/// failing test cleans up too) when dropped.
pub(crate) struct Names {
    pub(crate) queues: Vec<String>,
    pub(crate) exchanges: Vec<String>,
}

impl Names {
    /// `kisflow-<test>-<what>-<pid>` for each of `what`, all queues; exchanges are added with
    /// [`exchange`](Self::exchange).
    pub(crate) fn new(test: &str, what: &[&str]) -> Self {
        let queues = what.iter().map(|w| unique(test, w)).collect();
        Self {
            queues,
            exchanges: Vec::new(),
        }
    }

    /// Also deletes the exchange (and the queue `keeping` declares) `name`.
    pub(crate) fn exchange(mut self, name: &str) -> Self {
        self.exchanges.push(name.to_owned());
        self.queues.push(name.to_owned());
        self
    }
}

impl Drop for Names {
    fn drop(&mut self) {
        let (queues, exchanges) = (self.queues.clone(), self.exchanges.clone());
        let cleaner = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                let (_connection, channel) = connect().await;
                for queue in queues {
                    let _ = channel
                        .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
                        .await;
                }
                for exchange in exchanges {
                    let _ = channel
                        .exchange_delete(exchange.as_str().into(), ExchangeDeleteOptions::default())
                        .await;
                }
            });
        });
        let _ = cleaner.join();
    }
}

/// `kisflow-<test>-<what>-<pid>`.
pub(crate) fn unique(test: &str, what: &str) -> String {
    format!("kisflow-{test}-{what}-{}", std::process::id())
}

/// A connection and a channel with publisher confirms.
pub(crate) async fn connect() -> (Connection, Channel) {
    let connection = Connection::connect(URL, ConnectionProperties::default())
        .await
        .expect("RabbitMQ answers on 127.0.0.1:5672 (scripts/test.sh starts it)");
    let channel = connection.create_channel().await.unwrap();
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await
        .unwrap();
    (connection, channel)
}

/// Declares `queue` durable with `arguments` (such as `x-queue-type: quorum`).
pub(crate) async fn declare(channel: &Channel, queue: &str, arguments: FieldTable) {
    channel
        .queue_declare(queue.into(), QueueDeclareOptions::durable(), arguments)
        .await
        .unwrap();
}

/// Publishes each payload to `queue` through the default exchange, then waits for the confirms.
pub(crate) async fn publish(channel: &Channel, queue: &str, payloads: &[Vec<u8>]) {
    let mut confirms = Vec::with_capacity(payloads.len());
    for payload in payloads {
        let confirm = channel
            .basic_publish(
                "".into(),
                queue.into(),
                BasicPublishOptions::default(),
                payload,
                BasicProperties::default().with_delivery_mode(2),
            )
            .await
            .unwrap();
        confirms.push(confirm);
    }
    for confirm in confirms {
        assert!(confirm.await.unwrap().is_ack(), "the server stored the row");
    }
}

/// The ready messages of `queue` (not those delivered and unacked).
pub(crate) async fn ready(connection: &Connection, queue: &str) -> u32 {
    let channel = connection.create_channel().await.unwrap();
    let options = QueueDeclareOptions {
        passive: true,
        ..QueueDeclareOptions::default()
    };
    let count = channel
        .queue_declare(queue.into(), options, FieldTable::default())
        .await
        .unwrap()
        .message_count();
    let _ = channel.close(200, "counted".into()).await;
    count
}

/// `queue`'s messages ready, messages delivered and unacked, and consumers, as `rabbitmqctl
/// list_queues` reports them; `None` when the server has no such queue.
pub(crate) fn counts(queue: &str) -> Option<(u32, u32, u32)> {
    let listed = Command::new("rabbitmqctl")
        .args([
            "-q",
            "list_queues",
            "--no-table-headers",
            "name",
            "messages_ready",
        ])
        .args(["messages_unacknowledged", "consumers"])
        .output()
        .expect("rabbitmqctl runs");
    let listed = String::from_utf8_lossy(&listed.stdout);
    let fields: Vec<u32> = listed
        .lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>())
        .find(|fields| fields.first() == Some(&queue))?
        .iter()
        .skip(1)
        .filter_map(|n| n.parse().ok())
        .collect();
    match fields[..] {
        [ready, unacked, consumers] => Some((ready, unacked, consumers)),
        _ => None,
    }
}

/// The ready messages of `queue` once nobody consumes it or holds its messages unacked (a
/// dropped source's connection closes in the background, and only then does the server put its
/// unacked messages back). Panics after 15 s.
pub(crate) async fn ready_after_consumers(queue: &str) -> u32 {
    let queue = queue.to_owned();
    tokio::task::spawn_blocking(move || {
        for _ in 0..150 {
            if let Some((ready, 0, 0)) = counts(&queue) {
                return ready;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("`{queue}` still has consumers or unacked messages 15 s after its source stopped");
    })
    .await
    .unwrap()
}

/// Takes every message of `queue` with `basic.get`, acking each.
pub(crate) async fn take_all(channel: &Channel, queue: &str) -> Vec<lapin::message::Delivery> {
    let mut taken = Vec::new();
    while let Some(message) = channel
        .basic_get(queue.into(), BasicGetOptions::default())
        .await
        .unwrap()
    {
        let delivery = message.delivery;
        delivery.ack(BasicAckOptions::default()).await.unwrap();
        taken.push(delivery);
    }
    taken
}

/// Closes, from the server side (`rabbitmqctl close_connection`), every connection whose client
/// properties hold `name`; how many it closed.
pub(crate) fn close_connections_named(name: &str) -> usize {
    let listed = Command::new("rabbitmqctl")
        .args([
            "-q",
            "list_connections",
            "--no-table-headers",
            "pid",
            "client_properties",
        ])
        .output()
        .expect("rabbitmqctl runs");
    let listed = String::from_utf8_lossy(&listed.stdout);
    let mut closed = 0;
    for line in listed.lines().filter(|l| l.contains(name)) {
        let pid = line.split_whitespace().next().unwrap_or_default();
        let status = Command::new("rabbitmqctl")
            .args(["-q", "close_connection", pid, "closed by a kisflow test"])
            .status()
            .expect("rabbitmqctl runs");
        assert!(status.success(), "rabbitmqctl close_connection {pid}");
        closed += 1;
    }
    closed
}
