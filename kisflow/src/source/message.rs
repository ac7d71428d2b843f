//! [`Message`]: one message from a source, with its [`MessageId`] and [`Payload`].

mod id;
mod payload;

pub use id::MessageId;
pub use payload::Payload;

/// One message from a source: its id there, its payload as received, and how many times the
/// source has delivered it (1 the first time).
///
/// ```
/// use kisflow::source::{Message, MessageId};
///
/// let message = Message::new(MessageId::number(42), r#"{"n":1}"#);
/// assert_eq!(message.id.to_string(), "42");
/// assert_eq!(message.payload, br#"{"n":1}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The message's id in its source (a Redis Streams entry id, a JetStream sequence…): what
    /// the runner acks it with.
    pub id: MessageId,
    /// The payload, byte for byte: a JSON row of the flow's input type.
    pub payload: Payload,
    /// How many times the source has delivered it, from 1.
    pub deliveries: u32,
    /// How many times it came back from the dead letters (a replay), from 0.
    pub replays: u32,
}

impl Message {
    /// A message delivered for the first time and never replayed.
    ///
    /// ```
    /// let message = kisflow::source::Message::new("1-0", b"{}".to_vec());
    /// assert_eq!((message.deliveries, message.replays), (1, 0));
    /// assert_eq!(message.id, "1-0");
    /// assert_eq!(message.payload, b"{}");
    /// ```
    #[must_use]
    pub fn new(id: impl Into<MessageId>, payload: impl Into<Payload>) -> Self {
        Self {
            id: id.into(),
            payload: payload.into(),
            deliveries: 1,
            replays: 0,
        }
    }
}
