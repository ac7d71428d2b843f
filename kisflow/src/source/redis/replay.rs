//! Reading dead letters back from their stream and replaying them to the source stream.

use redis::Value;

use super::dead_letters::RedisDeadLetters;
use super::reply::{REPLAYS, entries, value_of};
use super::unavailable;
use crate::error::Result;
use crate::source::stored::{LetterStore, ReplayReport, StoredLetter, replay};

impl RedisDeadLetters {
    /// The first `limit` letters, oldest first.
    pub async fn list(&self, limit: usize) -> Result<Vec<StoredLetter>> {
        let mut cmd = redis::cmd("XRANGE");
        cmd.arg(&self.stream)
            .arg("-")
            .arg("+")
            .arg("COUNT")
            .arg(limit.max(1));
        Ok(letters(&self.query(&cmd, "XRANGE").await?))
    }

    /// The letter with entry id `id`, if the stream holds it.
    pub async fn get(&self, id: &str) -> Result<Option<StoredLetter>> {
        let mut cmd = redis::cmd("XRANGE");
        cmd.arg(&self.stream).arg(id).arg(id);
        Ok(letters(&self.query(&cmd, "XRANGE").await?)
            .into_iter()
            .next())
    }

    /// Sends letters back to `source_stream` (field `data`, with their replay count), each with
    /// its removal from the dead letters in one `MULTI`/`EXEC`, so none is replayed twice. `ids`
    /// names the letters, or is empty for the first `limit`. A letter replayed
    /// [`MAX_REPLAYS`](crate::source::MAX_REPLAYS) times already stays dead. A dry run changes nothing and says what would
    /// be replayed.
    pub async fn replay(
        &self,
        source_stream: &str,
        ids: &[String],
        limit: usize,
        dry_run: bool,
    ) -> Result<ReplayReport> {
        replay(self, source_stream, ids, limit, dry_run).await
    }

    async fn query(&self, cmd: &redis::Cmd, what: &str) -> Result<Value> {
        let mut connection = self.connection().await?;
        cmd.query_async::<Value>(&mut connection)
            .await
            .map_err(|err| unavailable(what, &err))
    }
}

/// The letters of an `XRANGE` reply.
fn letters(reply: &Value) -> Vec<StoredLetter> {
    entries(reply)
        .into_iter()
        .filter_map(|(id, fields)| {
            let fields = fields?;
            let get = |name: &str| {
                value_of(fields, name)
                    .map(|v| String::from_utf8_lossy(v).into_owned())
                    .unwrap_or_default()
            };
            Some(StoredLetter {
                id,
                payload: value_of(fields, "data").unwrap_or_default().to_vec(),
                error: get("error"),
                source_id: get("source_id"),
                flow: get("flow"),
                function: get("function"),
                kind: get("kind"),
                attempts: get("attempts").parse().unwrap_or(0),
                replays: get("replays").parse().unwrap_or(0),
            })
        })
        .collect()
}

impl LetterStore for RedisDeadLetters {
    fn place(&self) -> &str {
        &self.stream
    }

    async fn letters(&self, limit: usize) -> Result<Vec<StoredLetter>> {
        self.list(limit).await
    }

    async fn letter(&self, id: &str) -> Result<Option<StoredLetter>> {
        self.get(id).await
    }

    /// Adds the letter to `to` and deletes it from the dead letters in one `MULTI`/`EXEC`.
    async fn resend(&self, to: &str, letter: &StoredLetter) -> Result<()> {
        let mut pipe = redis::pipe();
        pipe.atomic()
            .cmd("XADD")
            .arg(to)
            .arg("*")
            .arg("data")
            .arg(letter.payload.as_slice())
            .arg(REPLAYS)
            .arg(letter.replays + 1)
            .ignore()
            .cmd("XDEL")
            .arg(&self.stream)
            .arg(&letter.id)
            .ignore();
        let mut connection = self.connection().await?;
        pipe.query_async::<()>(&mut connection)
            .await
            .map_err(|err| unavailable("replay", &err))
    }
}
