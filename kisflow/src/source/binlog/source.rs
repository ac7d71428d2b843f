//! [`BinlogSource`]: the row changes of chosen tables as a [`Source`].

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::future::BoxFuture;
use mysql_async::{Conn, Opts};
use tokio::sync::mpsc;

use super::progress::{Key, Progress, file_number};
use super::reader::Reader;
use super::{Position, PositionStore, checks, mysql_error};
use crate::error::{Error, Result};
use crate::source::{Message, MessageId, Source};

/// Rows read ahead of the flow, at most: the reader waits while the flow catches up.
const READ_AHEAD: usize = 4096;

/// Where a source with no stored position starts.
///
/// ```
/// use kisflow::source::binlog::{Position, Start};
///
/// let at = Start::At(Position::new("binlog.000001", 4));
/// assert_ne!(at, Start::Current);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Start {
    /// At the server's current position: only changes made from now on (the default).
    #[default]
    Current,
    /// At the start of the oldest binlog file the server still has.
    Oldest,
    /// At this position, which must be the end of a transaction.
    At(Position),
}

/// The row changes of chosen tables, read from a MySQL or MariaDB binlog as a replica does; see
/// the [module docs](super).
pub struct BinlogSource {
    name: String,
    opts: Opts,
    tables: Vec<(String, String)>,
    server_id: u32,
    start: Start,
    progress: Arc<Mutex<Progress>>,
    saver: Arc<Saver>,
    inbox: tokio::sync::Mutex<Inbox>,
}

/// The reader's messages (`None` until the first fetch starts it), and the error that stopped
/// it when it came behind rows a fetch returned first.
#[derive(Default)]
struct Inbox {
    messages: Option<mpsc::Receiver<Result<Message>>>,
    failed: Option<Error>,
}

impl BinlogSource {
    /// The changes of `tables` (each `database.table`) at the server of `url`
    /// (`mysql://user:password@host:port/`), resuming from the position `positions` holds.
    /// Nothing connects before the first fetch, so a server that is down is retried.
    ///
    /// ```
    /// use kisflow::source::binlog::{BinlogSource, FilePositions};
    ///
    /// let positions = FilePositions::new("/tmp/orders.position.json");
    /// let source = BinlogSource::new("mysql://root@127.0.0.1:3306/", ["shop.orders"], positions)?;
    /// assert_eq!(kisflow::source::Source::name(&source), "binlog:127.0.0.1:3306/shop.orders");
    /// let err = BinlogSource::new("mysql://root@127.0.0.1:3306/", ["orders"], FilePositions::new("p")).err();
    /// assert!(err.unwrap().to_string().contains("`orders` is not `database.table`"));
    /// # Ok::<(), kisflow::Error>(())
    /// ```
    pub fn new<T: AsRef<str>>(
        url: &str,
        tables: impl IntoIterator<Item = T>,
        positions: impl PositionStore,
    ) -> Result<Self> {
        let opts = super::options(url)?;
        let tables = tables
            .into_iter()
            .map(|table| {
                let table = table.as_ref();
                match table.split_once('.') {
                    Some((db, name)) if !db.is_empty() && !name.is_empty() => {
                        Ok((db.to_owned(), name.to_owned()))
                    }
                    _ => Err(Error::ConnectorConfig {
                        connector: url.to_owned(),
                        reason: format!(
                            "binlog table `{table}` is not `database.table`; name the database too, such as `shop.{table}`"
                        ),
                    }),
                }
            })
            .collect::<Result<Vec<_>>>()?;
        let names: Vec<String> = tables.iter().map(|(d, t)| format!("{d}.{t}")).collect();
        let name = format!(
            "binlog:{}:{}/{}",
            opts.ip_or_hostname(),
            opts.tcp_port(),
            names.join(",")
        );
        Ok(Self {
            name,
            opts,
            tables,
            server_id: default_server_id(),
            start: Start::Current,
            progress: Arc::default(),
            saver: Arc::new(Saver::new(Arc::new(positions))),
            inbox: tokio::sync::Mutex::default(),
        })
    }

    /// This source, starting at `start` when its store holds no position yet.
    #[must_use]
    pub fn with_start(mut self, start: Start) -> Self {
        self.start = start;
        self
    }

    /// This source, registering with the server as the replica `server_id`, which must differ
    /// from the server's own and from every other replica's; the default is drawn from the
    /// process id and the time.
    #[must_use]
    pub fn with_server_id(mut self, server_id: u32) -> Self {
        self.server_id = server_id;
        self
    }

    /// Checks the server, finds where to resume and starts the reader.
    async fn start(&self) -> Result<mpsc::Receiver<Result<Message>>> {
        let mut conn = Conn::new(self.opts.clone())
            .await
            .map_err(|e| mysql_error(&self.name, "connect", &e))?;
        checks::logging(&mut conn, &self.name).await?;
        let checksums = checks::checksums(&mut conn, &self.name).await?;
        let files = checks::files(&mut conn, &self.name).await?;
        let resume = match self.saver.store.load().await? {
            Some(stored) => {
                checks::still_there(&files, &stored, &self.name)?;
                stored
            }
            None => {
                let first = match &self.start {
                    Start::Current => checks::current(&mut conn, &self.name).await?,
                    Start::Oldest => files
                        .first()
                        .map(|(file, _)| Position::new(file.clone(), 4))
                        .ok_or_else(|| {
                            mysql_error(&self.name, "list the binlog files", &"there are none")
                        })?,
                    Start::At(at) => {
                        checks::still_there(&files, at, &self.name)?;
                        at.clone()
                    }
                };
                // Saved at once: a worker killed before its first ack restarts here, not at a
                // later current position that would skip what came between.
                self.saver.save(first.clone()).await?;
                first
            }
        };
        if file_number(&resume.file).is_none() {
            return Err(Error::ConnectorConfig {
                connector: self.name.clone(),
                reason: format!(
                    "binlog source `{}`: the file `{}` does not end with a number",
                    self.name, resume.file
                ),
            });
        }
        drop(conn.disconnect().await);
        tracing::info!(source = %self.name, %resume, "reading the binlog");
        let (out, inbox) = mpsc::channel(READ_AHEAD);
        let reader = Reader {
            name: self.name.clone(),
            opts: self.opts.clone(),
            server_id: self.server_id,
            tables: self.tables.clone(),
            checksums,
            progress: Arc::clone(&self.progress),
            saver: Arc::clone(&self.saver),
            out,
        };
        tokio::spawn(reader.run(resume));
        Ok(inbox)
    }
}

impl Source for BinlogSource {
    fn name(&self) -> &str {
        &self.name
    }

    fn fetch(&self, max: usize, wait: Duration) -> BoxFuture<'_, Result<Option<Vec<Message>>>> {
        Box::pin(async move {
            let mut guard = self.inbox.lock().await;
            let Inbox { messages, failed } = &mut *guard;
            if let Some(err) = failed.take() {
                return Err(err);
            }
            let inbox = match messages {
                Some(inbox) => inbox,
                None => messages.insert(self.start().await?),
            };
            let deadline = tokio::time::Instant::now() + wait;
            let mut batch = Vec::new();
            while batch.len() < max.max(1) {
                match tokio::time::timeout_at(deadline, inbox.recv()).await {
                    Ok(Some(Ok(message))) => batch.push(message),
                    Ok(Some(Err(err))) if batch.is_empty() => return Err(err),
                    Ok(Some(Err(err))) => {
                        // The rows before the error run first; the next fetch returns it.
                        *failed = Some(err);
                        break;
                    }
                    Ok(None) => {
                        return Err(Error::Internal {
                            flow: self.name.clone(),
                            detail: "the binlog reader ended".to_owned(),
                        });
                    }
                    Err(_) => break,
                }
            }
            Ok(Some(batch))
        })
    }

    fn ack<'a>(&'a self, ids: &'a [MessageId]) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let reached = {
                let mut progress = self.progress.lock().unwrap_or_else(PoisonError::into_inner);
                progress.done(ids.iter().filter_map(|id| Key::parse(id.as_text()?)))
            };
            match reached {
                Some(position) => self.saver.save(position).await,
                None => Ok(()),
            }
        })
    }
}

impl std::fmt::Debug for BinlogSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BinlogSource")
            .field("name", &self.name)
            .field("server_id", &self.server_id)
            .field("start", &self.start)
            .finish_non_exhaustive()
    }
}

/// Saves positions in order: two acks that finish out of order never move the store back.
pub(super) struct Saver {
    store: Arc<dyn PositionStore>,
    saved: tokio::sync::Mutex<Option<(u32, u64)>>,
}

impl Saver {
    fn new(store: Arc<dyn PositionStore>) -> Self {
        Self {
            store,
            saved: tokio::sync::Mutex::new(None),
        }
    }

    pub(super) async fn save(&self, position: Position) -> Result<()> {
        let at = (file_number(&position.file).unwrap_or(0), position.pos);
        let mut saved = self.saved.lock().await;
        if saved.is_some_and(|saved| saved >= at) {
            return Ok(());
        }
        self.store.save(&position).await?;
        *saved = Some(at);
        Ok(())
    }
}

/// A replica id unlikely to meet another's: two readers with one id make the server drop the
/// older connection.
fn default_server_id() -> u32 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    1_000 + (std::process::id().wrapping_mul(2_654_435_761) ^ nanos) % 1_000_000_000
}
