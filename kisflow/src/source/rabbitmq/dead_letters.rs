//! [`RabbitDeadLetters`]: dead letters published to an exchange with publisher confirms.

use std::time::UNIX_EPOCH;

use futures::future::BoxFuture;
use lapin::options::{
    BasicPublishOptions, ConfirmSelectOptions, ExchangeDeclareOptions, QueueBindOptions,
    QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Channel, Connection, ExchangeKind};
use tokio::sync::Mutex;

use super::server::Server;
use super::unavailable;
use crate::error::{Error, Result};
use crate::source::{DeadLetter, DeadLetterSink};

/// Dead letters published to a RabbitMQ exchange (such as `orders.dlq`), one message each: the
/// body is the original payload byte for byte, the `message_id` property the message's id in its
/// source, and the headers are `error` (the error chain), `source_id`, `source`, `flow`,
/// `function`, `kind`, `attempts`, `replays` and `time` (milliseconds since the Unix epoch).
///
/// Letters are persistent and published `mandatory` on a channel with publisher confirms; `send`
/// returns only after the server confirmed every letter of the batch, so the runner acks the
/// source messages once their letters are stored. A letter the exchange routes to no queue fails
/// the send, rather than being dropped.
///
/// ```no_run
/// # fn main() -> kisflow::Result<()> {
/// use kisflow::source::rabbitmq::RabbitDeadLetters;
///
/// // The exchange `orders.dlq` and a queue of that name bound to it are made when missing.
/// let dead = RabbitDeadLetters::new("127.0.0.1:5672", "orders.dlq")?.keeping();
/// # Ok(())
/// # }
/// ```
pub struct RabbitDeadLetters {
    server: Server,
    exchange: String,
    routing_key: String,
    keep: bool,
    place: String,
    /// The connection and its confirming channel, made at the first send and after a failure.
    link: Mutex<Option<(Connection, Channel)>>,
}

impl RabbitDeadLetters {
    /// Dead letters going to `exchange` at the RabbitMQ server `addr` (`host:port` or an
    /// `amqp://` URL), with the routing key `exchange`; connecting waits for the first letter.
    /// The exchange must exist, with a queue bound to it, unless [`keeping`](Self::keeping).
    ///
    /// ```
    /// use kisflow::source::rabbitmq::RabbitDeadLetters;
    ///
    /// let dead = RabbitDeadLetters::new("amqp://kis:pw@mq:5672/jobs", "scores.dlq").unwrap();
    /// assert_eq!(dead.exchange(), "scores.dlq");
    /// assert!(!format!("{dead:?}").contains("pw"), "no password in logs");
    /// ```
    pub fn new(addr: &str, exchange: impl Into<String>) -> Result<Self> {
        let server = Server::parse(addr)?;
        let exchange = exchange.into();
        Ok(Self {
            place: format!("{} exchange `{exchange}`", server.shown()),
            server,
            routing_key: exchange.clone(),
            exchange,
            keep: false,
            link: Mutex::new(None),
        })
    }

    /// This sink, keeping its letters: the exchange is declared (durable, fanout) and a durable
    /// queue named like it is declared and bound to it, where the letters wait to be read. An
    /// existing exchange of another type refuses the declare: bind a queue to it yourself and
    /// leave this out. `kisflow serve` and the examples keep their letters.
    ///
    /// ```
    /// # use kisflow::source::rabbitmq::RabbitDeadLetters;
    /// let dead = RabbitDeadLetters::new("127.0.0.1:5672", "scores.dlq").unwrap().keeping();
    /// assert!(format!("{dead:?}").contains("keep: true"));
    /// ```
    #[must_use]
    pub fn keeping(mut self) -> Self {
        self.keep = true;
        self
    }

    /// This sink, publishing with `key` as the routing key (default: the exchange's name), for a
    /// direct or topic exchange.
    ///
    /// ```
    /// # use kisflow::source::rabbitmq::RabbitDeadLetters;
    /// let dead = RabbitDeadLetters::new("127.0.0.1:5672", "dead").unwrap().with_routing_key("scores");
    /// assert!(format!("{dead:?}").contains(r#"routing_key: "scores""#));
    /// ```
    #[must_use]
    pub fn with_routing_key(mut self, key: impl Into<String>) -> Self {
        self.routing_key = key.into();
        self
    }

    /// The exchange the letters go to.
    ///
    /// ```
    /// # use kisflow::source::rabbitmq::RabbitDeadLetters;
    /// let dead = RabbitDeadLetters::new("127.0.0.1:5672", "scores.dlq").unwrap();
    /// assert_eq!(dead.exchange(), "scores.dlq");
    /// ```
    #[must_use]
    pub fn exchange(&self) -> &str {
        &self.exchange
    }

    /// The confirming channel, made (with the exchange and queue, when keeping) if there is none.
    async fn channel(&self) -> Result<Channel> {
        let mut guard = self.link.lock().await;
        if let Some((connection, channel)) = guard.as_ref()
            && connection.status().connected()
            && channel.status().connected()
        {
            return Ok(channel.clone());
        }
        let connection = self
            .server
            .connect("kisflow-dead-letters", &self.place)
            .await?;
        let opened = async {
            let channel = connection.create_channel().await?;
            channel
                .confirm_select(ConfirmSelectOptions::default())
                .await?;
            if self.keep {
                self.declare(&channel).await?;
            }
            Ok::<_, lapin::Error>(channel)
        };
        let channel = opened
            .await
            .map_err(|err| unavailable(&self.place, "open a confirming channel", err))?;
        *guard = Some((connection, channel.clone()));
        Ok(channel)
    }

    async fn declare(&self, channel: &Channel) -> lapin::Result<()> {
        let name = self.exchange.as_str();
        let durable = ExchangeDeclareOptions {
            durable: true,
            ..ExchangeDeclareOptions::default()
        };
        let (args, bind) = (FieldTable::default(), QueueBindOptions::default());
        channel
            .exchange_declare(name.into(), ExchangeKind::Fanout, durable, args.clone())
            .await?;
        let options = QueueDeclareOptions::durable();
        channel
            .queue_declare(name.into(), options, args.clone())
            .await?;
        channel
            .queue_bind(
                name.into(),
                name.into(),
                self.routing_key.as_str().into(),
                bind,
                args,
            )
            .await
    }

    async fn publish(&self, letters: &[DeadLetter]) -> Result<()> {
        let channel = self.channel().await?;
        let failed = |err: lapin::Error| unavailable(&self.place, "publish of dead letters", err);
        let options = BasicPublishOptions {
            mandatory: true,
            ..BasicPublishOptions::default()
        };
        let mut confirms = Vec::with_capacity(letters.len());
        for letter in letters {
            let properties = BasicProperties::default()
                .with_delivery_mode(2)
                .with_message_id(letter.message_id.as_str().into())
                .with_headers(headers(letter));
            let key = self.routing_key.as_str().into();
            let confirm = channel
                .basic_publish(
                    self.exchange.as_str().into(),
                    key,
                    options,
                    &letter.payload,
                    properties,
                )
                .await
                .map_err(failed)?;
            confirms.push(confirm);
        }
        for confirm in confirms {
            let confirmation = confirm.await.map_err(failed)?;
            let routed = confirmation.is_ack();
            if confirmation.take_message().is_some() || !routed {
                return Err(Error::ConnectorClient {
                    connector: format!("rabbitmq {}", self.place),
                    reason: format!(
                        "did not store a dead letter: the exchange routes it to no queue; bind \
                         a queue to `{}` (or keep the letters with `keeping`)",
                        self.exchange
                    ),
                });
            }
        }
        Ok(())
    }
}

/// The letter's fields as headers.
fn headers(letter: &DeadLetter) -> FieldTable {
    let millis = letter
        .time
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis();
    let text = |s: &str| AMQPValue::LongString(s.into());
    let number = |n: u64| AMQPValue::LongLongInt(i64::try_from(n).unwrap_or(i64::MAX));
    let mut table = FieldTable::default();
    table.insert("error".into(), text(&letter.error));
    table.insert("source_id".into(), text(&letter.message_id));
    table.insert("source".into(), text(&letter.source));
    table.insert("flow".into(), text(&letter.flow));
    table.insert(
        "function".into(),
        text(letter.function.as_deref().unwrap_or("")),
    );
    table.insert("kind".into(), text(&format!("{:?}", letter.kind)));
    table.insert("attempts".into(), number(letter.attempts.into()));
    table.insert("replays".into(), number(letter.replays.into()));
    table.insert(
        "time".into(),
        number(u64::try_from(millis).unwrap_or(u64::MAX)),
    );
    table
}

impl DeadLetterSink for RabbitDeadLetters {
    fn send<'a>(&'a self, letters: &'a [DeadLetter]) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let sent = self.publish(letters).await;
            if sent.is_err() {
                // The next send starts on a new connection and channel.
                if let Some((connection, _)) = self.link.lock().await.take() {
                    let _ = connection.close(200, "kisflow reconnects".into()).await;
                }
            }
            sent
        })
    }
}

impl std::fmt::Debug for RabbitDeadLetters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RabbitDeadLetters")
            .field("place", &self.place)
            .field("routing_key", &self.routing_key)
            .field("keep", &self.keep)
            .finish_non_exhaustive()
    }
}
