//! Dead letters read back from where they are kept, and what replaying them did; shared by the
//! backends that keep letters (`redis`, `nats`) and the `dlq` command.

use std::future::Future;

use crate::error::{Error, Result};

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

/// What a replay needs of a backend that keeps dead letters; [`replay`] is the one replay.
#[cfg_attr(not(any(feature = "redis", feature = "nats")), allow(dead_code))]
pub(crate) trait LetterStore: Sync {
    /// Where the letters are, for messages: a stream or a subject.
    fn place(&self) -> &str;
    /// The first `limit` letters, oldest first.
    fn letters(&self, limit: usize) -> impl Future<Output = Result<Vec<StoredLetter>>> + Send;
    /// The letter `id`, if the store holds it.
    fn letter(&self, id: &str) -> impl Future<Output = Result<Option<StoredLetter>>> + Send;
    /// Sends `letter` back to `to` with its replay count raised, and removes it from the store,
    /// so it is never replayed twice.
    fn resend(&self, to: &str, letter: &StoredLetter) -> impl Future<Output = Result<()>> + Send;
}

/// Replays letters to `to`: those `ids` names (each must be there), or the first `limit`. A
/// letter replayed [`MAX_REPLAYS`] times stays dead; a dry run changes nothing.
#[cfg_attr(not(any(feature = "redis", feature = "nats")), allow(dead_code))]
pub(crate) async fn replay(
    store: &impl LetterStore,
    to: &str,
    ids: &[String],
    limit: usize,
    dry_run: bool,
) -> Result<ReplayReport> {
    let chosen = if ids.is_empty() {
        store.letters(limit).await?
    } else {
        let mut found = Vec::new();
        for id in ids.iter().take(limit.max(1)) {
            let letter = store
                .letter(id)
                .await?
                .ok_or_else(|| Error::ConnectorConfig {
                    connector: store.place().to_owned(),
                    reason: format!(
                        "`{}` holds no dead letter `{id}`; list them with `dlq list`",
                        store.place()
                    ),
                })?;
            found.push(letter);
        }
        found
    };
    let mut report = ReplayReport::default();
    for letter in chosen {
        if letter.replays >= MAX_REPLAYS {
            let why = format!("replayed {} times already; it stays dead", letter.replays);
            report.kept.push((letter.id, why));
            continue;
        }
        if !dry_run {
            store.resend(to, &letter).await?;
        }
        report.replayed.push(letter.id);
    }
    Ok(report)
}
