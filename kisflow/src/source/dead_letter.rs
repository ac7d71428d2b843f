//! Dead letters: messages that will not go through, kept byte for byte with why.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use futures::future::BoxFuture;

use crate::error::{Error, ErrorKind, Result};

/// A message that will not go through its flow: its payload as received, where it came from, and
/// the error that stopped it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeadLetter {
    /// The payload, byte for byte as the source delivered it.
    pub payload: Vec<u8>,
    /// The source's name ([`Source::name`](super::Source::name)).
    pub source: String,
    /// The message's id in its source, as [`MessageId`](super::MessageId) shows it.
    pub message_id: String,
    /// The flow it was for.
    pub flow: String,
    /// The function that failed, when one did (not for a row that does not decode).
    pub function: Option<String>,
    /// The error and its causes on one line.
    pub error: String,
    /// The error's class.
    pub kind: ErrorKind,
    /// How many runs the message took part in before it was given up, counting the decode.
    pub attempts: u32,
    /// How many times the message had been replayed from the dead letters before.
    pub replays: u32,
    /// When it was given up.
    pub time: SystemTime,
}

impl DeadLetter {
    /// Everything but the payload as named text, for backends that carry a letter in headers
    /// (NATS, Kafka): the error chain, `source_id`, `source`, `flow`, `function`, `kind`,
    /// `attempts`, `replays` and `time` (milliseconds since the Unix epoch).
    #[cfg_attr(not(any(feature = "nats", feature = "kafka")), allow(dead_code))]
    pub(crate) fn text_fields(&self) -> [(&'static str, String); 9] {
        let millis = self
            .time
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis();
        [
            ("error", self.error.clone()),
            ("source_id", self.message_id.clone()),
            ("source", self.source.clone()),
            ("flow", self.flow.clone()),
            ("function", self.function.clone().unwrap_or_default()),
            ("kind", format!("{:?}", self.kind)),
            ("attempts", self.attempts.to_string()),
            ("replays", self.replays.to_string()),
            ("time", millis.to_string()),
        ]
    }

    pub(super) fn new(
        message: &super::Message,
        source: &str,
        flow: &str,
        err: &Error,
        attempts: u32,
    ) -> Self {
        Self {
            payload: message.payload.to_vec(),
            source: source.to_owned(),
            message_id: message.id.to_string(),
            flow: flow.to_owned(),
            function: failed_function(err).map(str::to_owned),
            error: err.chain(),
            kind: err.kind(),
            attempts,
            replays: message.replays,
            time: SystemTime::now(),
        }
    }
}

/// The function an error names, if it names one.
fn failed_function(err: &Error) -> Option<&str> {
    match err {
        Error::Handler { function, .. }
        | Error::Panic { function, .. }
        | Error::Action { function, .. }
        | Error::Connector { function, .. }
        | Error::Encode { function, .. } => Some(function),
        Error::Decode(decode) => Some(&decode.function),
        Error::MissingField(missing) => Some(&missing.function),
        _ => None,
    }
}

/// Where dead letters go: a stream, a subject, a file, or memory in tests. A [`Runner`] acks a
/// dead-lettered message only after [`send`](Self::send) returned `Ok`.
///
/// [`Runner`]: super::Runner
pub trait DeadLetterSink: Send + Sync + 'static {
    /// Stores the letters durably, or fails and stores none it cannot vouch for.
    fn send<'a>(&'a self, letters: &'a [DeadLetter]) -> BoxFuture<'a, Result<()>>;
}

/// Dead letters kept in memory, shared by its clones: the default sink of a [`Runner`], and the
/// one tests read.
///
/// ```
/// let dead = kisflow::source::MemoryDeadLetters::new();
/// assert!(dead.letters().is_empty());
/// ```
///
/// [`Runner`]: super::Runner
#[derive(Debug, Clone, Default)]
pub struct MemoryDeadLetters {
    letters: Arc<Mutex<Vec<DeadLetter>>>,
}

impl MemoryDeadLetters {
    /// An empty sink.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Every letter sent so far, in order.
    #[must_use]
    pub fn letters(&self) -> Vec<DeadLetter> {
        self.letters
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl DeadLetterSink for MemoryDeadLetters {
    fn send<'a>(&'a self, letters: &'a [DeadLetter]) -> BoxFuture<'a, Result<()>> {
        self.letters
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(letters);
        Box::pin(async { Ok(()) })
    }
}
