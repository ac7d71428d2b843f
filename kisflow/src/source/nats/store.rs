//! Dead letters kept in a JetStream stream on their subject: read back, and replayed to the
//! source subject.

use async_nats::HeaderMap;
use async_nats::jetstream::{self, stream};

use super::dead_letters::JetStreamDeadLetters;
use super::unavailable;
use crate::error::Result;
use crate::source::stored::{LetterStore, ReplayReport, StoredLetter, replay};

/// The header a replayed message carries its replay count in.
pub(super) const REPLAYS: &str = "kisflow-replays";

impl JetStreamDeadLetters {
    /// The stream that keeps the letters of this sink's subject, made when missing: named after
    /// the subject with `.` as `_` (stream names cannot hold dots), so `orders.dlq` is kept in
    /// `orders_dlq`.
    pub(super) async fn store(&self) -> Result<stream::Stream> {
        let context = jetstream::new(self.connected().await?);
        let name = self.subject().replace(['.', '*', '>'], "_");
        context
            .get_or_create_stream(stream::Config {
                name,
                subjects: vec![self.subject().to_owned()],
                ..stream::Config::default()
            })
            .await
            .map_err(|err| unavailable("dead-letter stream", err))
    }

    /// The first `limit` letters, oldest first.
    pub async fn list(&self, limit: usize) -> Result<Vec<StoredLetter>> {
        let mut store = self.store().await?;
        let state = store
            .info()
            .await
            .map_err(|err| unavailable("stream info", err))?
            .state
            .clone();
        let mut letters = Vec::new();
        for sequence in state.first_sequence..=state.last_sequence {
            if letters.len() >= limit.max(1) || state.messages == 0 {
                break;
            }
            // A deleted letter (replayed) leaves a gap.
            if let Ok(message) = store.get_raw_message(sequence).await {
                letters.push(letter(sequence, &message.headers, message.payload.to_vec()));
            }
        }
        Ok(letters)
    }

    /// The letter with sequence `id`, if the stream holds it.
    pub async fn get(&self, id: &str) -> Result<Option<StoredLetter>> {
        let Ok(sequence) = id.parse::<u64>() else {
            return Ok(None);
        };
        let store = self.store().await?;
        Ok(store
            .get_raw_message(sequence)
            .await
            .ok()
            .map(|message| letter(sequence, &message.headers, message.payload.to_vec())))
    }

    /// Publishes letters back on `source_subject` (with their replay count in a header), waiting
    /// for the stream's ack, then deletes each from the dead letters, so none is replayed twice.
    /// `ids` names them, or is empty for the first `limit`; a letter replayed [`MAX_REPLAYS`](crate::source::MAX_REPLAYS)
    /// times stays dead; a dry run changes nothing.
    pub async fn replay(
        &self,
        source_subject: &str,
        ids: &[String],
        limit: usize,
        dry_run: bool,
    ) -> Result<ReplayReport> {
        replay(self, source_subject, ids, limit, dry_run).await
    }
}

impl LetterStore for JetStreamDeadLetters {
    fn place(&self) -> &str {
        self.subject()
    }

    async fn letters(&self, limit: usize) -> Result<Vec<StoredLetter>> {
        self.list(limit).await
    }

    async fn letter(&self, id: &str) -> Result<Option<StoredLetter>> {
        self.get(id).await
    }

    /// Publishes the letter on `to`, waits for the stream's ack, then deletes it.
    async fn resend(&self, to: &str, letter: &StoredLetter) -> Result<()> {
        let mut headers = HeaderMap::new();
        headers.insert(REPLAYS, (letter.replays + 1).to_string().as_str());
        jetstream::new(self.connected().await?)
            .publish_with_headers(to.to_owned(), headers, letter.payload.clone().into())
            .await
            .map_err(|err| unavailable("replay", err))?
            .await
            .map_err(|err| unavailable("replay", err))?;
        let sequence = letter.id.parse::<u64>().unwrap_or_default();
        self.store()
            .await?
            .delete_message(sequence)
            .await
            .map_err(|err| unavailable("delete of a replayed letter", err))?;
        Ok(())
    }
}

/// A stored letter from its headers and body.
fn letter(sequence: u64, headers: &HeaderMap, payload: Vec<u8>) -> StoredLetter {
    let get = |name: &str| {
        headers
            .get(name)
            .map(|v| v.as_str().to_owned())
            .unwrap_or_default()
    };
    StoredLetter {
        id: sequence.to_string(),
        payload,
        error: get("error"),
        source_id: get("source_id"),
        flow: get("flow"),
        function: get("function"),
        kind: get("kind"),
        attempts: get("attempts").parse().unwrap_or(0),
        replays: get("replays").parse().unwrap_or(0),
    }
}
