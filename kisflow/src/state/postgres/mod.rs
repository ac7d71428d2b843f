//! [`PgState`]: keyed state in PostgreSQL, with the ids of the messages each commit covered, so
//! a message delivered again after a crash between the commit and the ack counts once.

use std::sync::{Mutex, PoisonError};

use futures::future::BoxFuture;
use tokio_postgres::{Client, NoTls};

mod apply;

use super::{Commit, Committed, Entries, Pairing, StateStore};
use crate::error::{BoxError, Error, Result};

/// Keyed state in three tables of a PostgreSQL database, made when missing:
/// `<prefix>_values` (namespace, key, value), `<prefix>_done` (the ids of the messages whose
/// state is committed, by source) and `<prefix>_hashes` (what [`Also::hset`](crate::state::Also::hset) writes). A commit
/// is one transaction: it checks the keys the run read (`SELECT … FOR UPDATE`), records the
/// batch's message ids, and writes the state and the extra writes. The runner acks after it; a
/// message delivered again whose id is recorded is acked without running: effectively once with
/// any source that redelivers by id (Redis Streams, NATS JetStream, RabbitMQ, Kafka). Done ids
/// older than a day are dropped, since no source delivers a message that late.
///
/// ```no_run
/// use kisflow::state::PgState;
///
/// let state = PgState::new("host=127.0.0.1 user=postgres dbname=app", "kisflow_state");
/// ```
pub struct PgState {
    url: String,
    prefix: String,
    name: String,
    /// Idle connections: each commit takes one for its transaction.
    idle: Mutex<Vec<Client>>,
    ready: tokio::sync::OnceCell<()>,
    commits: std::sync::atomic::AtomicU64,
}

impl PgState {
    /// State in the tables `<prefix>_values`, `<prefix>_done` and `<prefix>_hashes` of the
    /// database at `url` (`host=… user=… dbname=…` or `postgres://…`). Nothing connects before
    /// the first read or commit.
    pub fn new(url: impl Into<String>, prefix: impl Into<String>) -> Self {
        let (url, prefix) = (url.into(), prefix.into());
        Self {
            name: format!("postgres state {prefix}"),
            url,
            prefix,
            idle: Mutex::new(Vec::new()),
            ready: tokio::sync::OnceCell::new(),
            commits: std::sync::atomic::AtomicU64::new(0),
        }
    }

    fn fail(&self, what: &str) -> impl Fn(tokio_postgres::Error) -> Error + '_ {
        let what = what.to_owned();
        move |err| Error::ConnectorInit {
            connector: format!("{} ({what})", self.name),
            source: BoxError::from(err),
        }
    }

    async fn take(&self) -> Result<Client> {
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let client = match idle.filter(|c| !c.is_closed()) {
            Some(client) => client,
            None => {
                let (client, connection) = tokio_postgres::connect(&self.url, NoTls)
                    .await
                    .map_err(self.fail("connect"))?;
                let name = self.name.clone();
                tokio::spawn(async move {
                    if let Err(err) = connection.await {
                        tracing::warn!(state = name, error = %err, "state connection closed");
                    }
                });
                client
            }
        };
        self.ready
            .get_or_try_init(|| async {
                let p = &self.prefix;
                client
                    .batch_execute(&format!(
                        "CREATE TABLE IF NOT EXISTS {p}_values (namespace TEXT, key TEXT, value BYTEA NOT NULL, \
                         PRIMARY KEY (namespace, key));
                         CREATE TABLE IF NOT EXISTS {p}_done (source TEXT, id TEXT, at TIMESTAMPTZ NOT NULL DEFAULT now(), \
                         PRIMARY KEY (source, id));
                         CREATE TABLE IF NOT EXISTS {p}_hashes (hash TEXT, field TEXT, value TEXT NOT NULL, \
                         PRIMARY KEY (hash, field));"
                    ))
                    .await
                    .map_err(self.fail("create its tables"))
            })
            .await?;
        Ok(client)
    }

    fn give(&self, client: Client) {
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(client);
    }
}

impl StateStore for PgState {
    fn name(&self) -> &str {
        &self.name
    }

    fn load<'a>(
        &'a self,
        namespace: &'a str,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Option<Vec<u8>>>> {
        Box::pin(async move {
            let client = self.take().await?;
            let row = client
                .query_opt(
                    &format!(
                        "SELECT value FROM {}_values WHERE namespace = $1 AND key = $2",
                        self.prefix
                    ),
                    &[&namespace, &key],
                )
                .await
                .map_err(self.fail("read"));
            self.give(client);
            Ok(row?.map(|row| row.get(0)))
        })
    }

    fn scan<'a>(&'a self, namespace: &'a str) -> BoxFuture<'a, Result<Entries>> {
        Box::pin(async move {
            let client = self.take().await?;
            let rows = client
                .query(
                    &format!(
                        "SELECT key, value FROM {}_values WHERE namespace = $1 ORDER BY key",
                        self.prefix
                    ),
                    &[&namespace],
                )
                .await
                .map_err(self.fail("scan"));
            self.give(client);
            Ok(rows?
                .into_iter()
                .map(|row| (row.get(0), row.get(1)))
                .collect())
        })
    }

    fn commit<'a>(&'a self, commit: &'a Commit) -> BoxFuture<'a, Result<Committed>> {
        Box::pin(async move {
            let mut client = self.take().await?;
            let outcome = apply::apply(
                &mut client,
                &self.prefix,
                commit,
                &self.commits,
                self.fail("commit"),
            )
            .await;
            // A transaction that returned early rolled back when it was dropped.
            self.give(client);
            outcome
        })
    }

    fn pairing(&self, _source: &str) -> Pairing {
        Pairing::RecordsIds
    }

    fn recorded<'a>(
        &'a self,
        source: &'a str,
        ids: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<String>>> {
        Box::pin(async move {
            let client = self.take().await?;
            let rows = client
                .query(
                    &format!(
                        "SELECT id FROM {}_done WHERE source = $1 AND id = ANY($2)",
                        self.prefix
                    ),
                    &[&source, &ids],
                )
                .await
                .map_err(self.fail("read the done ids"));
            self.give(client);
            Ok(rows?.into_iter().map(|row| row.get(0)).collect())
        })
    }
}

impl std::fmt::Debug for PgState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgState")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}
