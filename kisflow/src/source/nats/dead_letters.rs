//! [`JetStreamDeadLetters`]: dead letters published on a subject.

use std::time::Duration;

use async_nats::jetstream::context::GetStreamByNameErrorKind;
use async_nats::{Client, HeaderMap, ServerAddr};
use futures::future::BoxFuture;
use tokio::sync::Mutex;

use super::{connect, server_addr, unavailable};
use crate::error::Result;
use crate::source::{DeadLetter, DeadLetterSink};

/// Dead letters published on a NATS subject (such as `orders.dlq`), one message each: the body is
/// the original payload byte for byte, and the headers are `error`, `source_id`, `source`,
/// `flow`, `function`, `kind`, `attempts` and `time` (milliseconds since the Unix epoch).
///
/// How a batch is published depends on the subject, checked at each send:
///
/// - captured by a JetStream stream: JetStream publishes, and `send` returns only after the
///   stream acked every letter, so the runner acks the messages once their letters are stored;
/// - captured by none: core publishes and a flush. Only subscribers connected at that moment get
///   the letters; make a stream on the subject to keep them.
///
/// ```no_run
/// # fn main() -> kisflow::Result<()> {
/// let dead = kisflow::source::nats::JetStreamDeadLetters::new("127.0.0.1:4222", "orders.dlq")?;
/// # Ok(())
/// # }
/// ```
pub struct JetStreamDeadLetters {
    addr: ServerAddr,
    subject: String,
    client: Mutex<Option<Client>>,
    /// Make a stream on the subject before the first send, so the letters are kept.
    keep: bool,
}

impl JetStreamDeadLetters {
    /// Dead letters going to `subject` at the NATS server `addr` (`host:port` or
    /// `nats://host:port`); connecting waits for the first letter.
    pub fn new(addr: &str, subject: impl Into<String>) -> Result<Self> {
        Ok(Self {
            addr: server_addr(addr)?,
            subject: subject.into(),
            client: Mutex::new(None),
            keep: false,
        })
    }

    /// This sink, keeping its letters: a JetStream stream on the subject (named after it, `.` as
    /// `_`) is made when missing, so the letters are stored, acked by the stream before the
    /// runner acks their messages, and [`list`](Self::list) and [`replay`](Self::replay) read
    /// them back. `kisflow serve` and the `stream_worker` example keep their letters.
    #[must_use]
    pub fn keeping(mut self) -> Self {
        self.keep = true;
        self
    }

    /// The subject the letters go to.
    #[must_use]
    pub fn subject(&self) -> &str {
        &self.subject
    }

    pub(super) async fn connected(&self) -> Result<Client> {
        self.client().await
    }

    async fn client(&self) -> Result<Client> {
        let mut guard = self.client.lock().await;
        if let Some(client) = guard.as_ref() {
            return Ok(client.clone());
        }
        let client = connect(&self.addr, None).await?;
        *guard = Some(client.clone());
        Ok(client)
    }

    /// Whether a JetStream stream captures the subject.
    async fn captured(&self, context: &async_nats::jetstream::Context) -> Result<bool> {
        match context.stream_by_subject(self.subject.as_str()).await {
            Ok(_) => Ok(true),
            Err(err) if err.kind() == GetStreamByNameErrorKind::NotFound => Ok(false),
            Err(err) => Err(unavailable(
                &format!("stream lookup of `{}`", self.subject),
                err,
            )),
        }
    }
}

/// The letter's fields as headers; line breaks, which headers cannot hold, become spaces.
fn headers(letter: &DeadLetter) -> HeaderMap {
    let mut headers = HeaderMap::new();
    let fields = letter.text_fields();
    for (name, value) in fields {
        headers.insert(name, value.replace(['\r', '\n'], " "));
    }
    headers
}

impl DeadLetterSink for JetStreamDeadLetters {
    fn send<'a>(&'a self, letters: &'a [DeadLetter]) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            if self.keep {
                self.store().await?;
            }
            let client = self.client().await?;
            let context = async_nats::jetstream::new(client.clone());
            if self.captured(&context).await? {
                // Publish them all, then wait for every ack: one round trip for the batch.
                let mut acks = Vec::with_capacity(letters.len());
                for letter in letters {
                    let ack = context
                        .publish_with_headers(
                            self.subject.clone(),
                            headers(letter),
                            letter.payload.clone().into(),
                        )
                        .await
                        .map_err(|err| unavailable("publish of dead letters", err))?;
                    acks.push(ack);
                }
                for ack in acks {
                    ack.await
                        .map_err(|err| unavailable("publish of dead letters", err))?;
                }
                return Ok(());
            }
            for letter in letters {
                client
                    .publish_with_headers(
                        self.subject.clone(),
                        headers(letter),
                        letter.payload.clone().into(),
                    )
                    .await
                    .map_err(|err| unavailable("publish of dead letters", err))?;
            }
            tokio::time::timeout(Duration::from_secs(5), client.flush())
                .await
                .map_err(|_| unavailable("publish of dead letters", "no flush within 5 s"))?
                .map_err(|err| unavailable("publish of dead letters", err))
        })
    }
}

impl std::fmt::Debug for JetStreamDeadLetters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JetStreamDeadLetters")
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}
