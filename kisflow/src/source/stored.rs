//! Dead letters read back from where they are kept, and what replaying them did; shared by the
//! backends that keep letters (`redis`, `nats`) and the `dlq` command.

/// How many replays a message gets: one that failed again after this many stays dead.
pub const MAX_REPLAYS: u32 = 3;

/// A dead letter as its store holds it: a Redis stream (`redis::RedisDeadLetters::list`, feature
/// `redis`) or a JetStream stream (`nats::JetStreamDeadLetters::list`, feature `nats`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoredLetter {
    /// The letter's own id in its store: a Redis entry id, or a JetStream sequence.
    pub id: String,
    /// The original payload, byte for byte.
    pub payload: Vec<u8>,
    /// The error and its causes.
    pub error: String,
    /// The message's id in its source stream.
    pub source_id: String,
    /// The flow it was for.
    pub flow: String,
    /// The function that failed, or empty.
    pub function: String,
    /// The error's class, as `ErrorKind` prints it (`Decode`, `Handler`…).
    pub kind: String,
    /// Runs it took part in before it was given up.
    pub attempts: u32,
    /// Times it had been replayed before.
    pub replays: u32,
}

/// What a replay of dead letters did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReplayReport {
    /// Letters sent back to the source stream (or that would be, in a dry run), by letter id.
    pub replayed: Vec<String>,
    /// Letters left where they are, with why.
    pub kept: Vec<(String, String)>,
}
