//! [`Position`] and where it is kept between runs: [`PositionStore`], [`FilePositions`],
//! [`TablePositions`].

use std::path::{Path, PathBuf};

use futures::future::BoxFuture;
use mysql_async::prelude::Queryable;
use serde::{Deserialize, Serialize};

use super::mysql_error;
use crate::error::{Error, Result};

/// A place in the binlog: a file and a byte offset in it, `binlog.000003:1597`.
///
/// ```
/// use kisflow::source::binlog::Position;
///
/// let position = Position::new("binlog.000003", 1597);
/// assert_eq!(position.to_string(), "binlog.000003:1597");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Position {
    /// The binlog file, as `SHOW BINARY LOGS` names it.
    pub file: String,
    /// The offset in the file where the next event starts.
    pub pos: u64,
}

impl Position {
    /// The position `pos` of `file`.
    #[must_use]
    pub fn new(file: impl Into<String>, pos: u64) -> Self {
        Self {
            file: file.into(),
            pos,
        }
    }
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file, self.pos)
    }
}

/// Where a [`BinlogSource`](super::BinlogSource) keeps the position it resumes from: the end of
/// the last transaction whose rows all ran. It is saved after acks, never ahead of them.
///
/// ```
/// use futures::future::BoxFuture;
/// use kisflow::source::binlog::{Position, PositionStore};
/// use std::sync::Mutex;
///
/// /// Positions kept in memory, for a test.
/// #[derive(Default)]
/// struct InMemory(Mutex<Option<Position>>);
///
/// impl PositionStore for InMemory {
///     fn load(&self) -> BoxFuture<'_, kisflow::Result<Option<Position>>> {
///         let position = self.0.lock().unwrap().clone();
///         Box::pin(async move { Ok(position) })
///     }
///     fn save<'a>(&'a self, position: &'a Position) -> BoxFuture<'a, kisflow::Result<()>> {
///         *self.0.lock().unwrap() = Some(position.clone());
///         Box::pin(async { Ok(()) })
///     }
/// }
/// ```
pub trait PositionStore: Send + Sync + 'static {
    /// The stored position, or `None` before the first save.
    fn load(&self) -> BoxFuture<'_, Result<Option<Position>>>;
    /// Stores `position`; once this returns, a restart resumes there.
    fn save<'a>(&'a self, position: &'a Position) -> BoxFuture<'a, Result<()>>;
}

/// The position in a small JSON file, replaced atomically (written aside, synced, renamed), so
/// a process killed while saving leaves the old position or the new one, never half of one.
///
/// ```
/// use kisflow::source::binlog::{FilePositions, Position, PositionStore};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> kisflow::Result<()> {
/// let path = std::env::temp_dir().join(format!("kisflow-doc-position-{}.json", std::process::id()));
/// let store = FilePositions::new(&path);
/// assert_eq!(store.load().await?, None);
/// store.save(&Position::new("binlog.000001", 1597)).await?;
/// assert_eq!(store.load().await?, Some(Position::new("binlog.000001", 1597)));
/// # std::fs::remove_file(&path).ok();
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct FilePositions {
    path: PathBuf,
}

impl FilePositions {
    /// Positions kept in the file `path` (made at the first save).
    pub fn new(path: impl AsRef<Path>) -> Self {
        Self {
            path: path.as_ref().to_owned(),
        }
    }
}

impl PositionStore for FilePositions {
    fn load(&self) -> BoxFuture<'_, Result<Option<Position>>> {
        Box::pin(async move {
            let text = match tokio::fs::read(&self.path).await {
                Ok(text) => text,
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(cause) => {
                    return Err(Error::Io {
                        action: "read",
                        path: self.path.clone(),
                        cause,
                    });
                }
            };
            serde_json::from_slice(&text)
                .map(Some)
                .map_err(|err| Error::ConnectorConfig {
                    connector: self.path.display().to_string(),
                    reason: format!(
                        "the binlog position file `{}` is not a position ({err}); restore it, or \
                     delete it to start again from the source's start setting",
                        self.path.display()
                    ),
                })
        })
    }

    fn save<'a>(&'a self, position: &'a Position) -> BoxFuture<'a, Result<()>> {
        let path = self.path.clone();
        let text = serde_json::to_vec(position).unwrap_or_default();
        Box::pin(async move {
            tokio::task::spawn_blocking(move || write_atomically(&path, &text))
                .await
                .map_err(|err| Error::msg(format!("saving the binlog position failed: {err}")))?
        })
    }
}

fn write_atomically(path: &Path, text: &[u8]) -> Result<()> {
    use std::io::Write;
    let aside = path.with_extension("saving");
    let io = |action, cause| Error::Io {
        action,
        path: aside.clone(),
        cause,
    };
    let mut file = std::fs::File::create(&aside).map_err(|e| io("create", e))?;
    file.write_all(text).map_err(|e| io("write", e))?;
    file.sync_all().map_err(|e| io("sync", e))?;
    std::fs::rename(&aside, path).map_err(|cause| Error::Io {
        action: "replace",
        path: path.to_owned(),
        cause,
    })
}

/// Positions in a table of the database server itself, one row per name: any machine can
/// restart the worker. The table `kisflow_binlog_positions` is made in `database` when missing
/// (which needs the CREATE privilege there once, and INSERT and UPDATE after).
///
/// Saving writes to the binlog too; the source skips its own rows, as any table it is not told
/// to read.
///
/// ```no_run
/// use kisflow::source::binlog::{PositionStore, TablePositions};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> kisflow::Result<()> {
/// let store = TablePositions::new("mysql://root@127.0.0.1:3306/", "test", "orders-to-search")?;
/// println!("{:?}", store.load().await?);
/// # Ok(())
/// # }
/// ```
pub struct TablePositions {
    pool: mysql_async::Pool,
    table: String,
    name: String,
    /// The store in errors: its name and table.
    place: String,
    /// Whether the table is known to exist.
    ready: std::sync::atomic::AtomicBool,
}

impl TablePositions {
    /// Positions named `name` in the table `kisflow_binlog_positions` of `database` at the server
    /// of `url`.
    pub fn new(url: &str, database: &str, name: impl Into<String>) -> Result<Self> {
        let opts = super::options(url)?;
        let name = name.into();
        Ok(Self {
            pool: mysql_async::Pool::new(opts),
            table: format!(
                "`{}`.`kisflow_binlog_positions`",
                database.replace('`', "``")
            ),
            place: format!("binlog positions `{name}` in {database}.kisflow_binlog_positions"),
            name,
            ready: std::sync::atomic::AtomicBool::new(false),
        })
    }

    async fn connection(&self) -> Result<mysql_async::Conn> {
        let mut conn = self
            .pool
            .get_conn()
            .await
            .map_err(|e| mysql_error(&self.place, "connect", &e))?;
        if self.ready.load(std::sync::atomic::Ordering::Relaxed) {
            return Ok(conn);
        }
        let create = format!(
            "CREATE TABLE IF NOT EXISTS {} (name VARCHAR(191) PRIMARY KEY, \
             file VARCHAR(255) NOT NULL, pos BIGINT UNSIGNED NOT NULL)",
            self.table
        );
        conn.query_drop(create)
            .await
            .map_err(|e| mysql_error(&self.place, "create the positions table", &e))?;
        self.ready.store(true, std::sync::atomic::Ordering::Relaxed);
        Ok(conn)
    }
}

impl PositionStore for TablePositions {
    fn load(&self) -> BoxFuture<'_, Result<Option<Position>>> {
        Box::pin(async move {
            let mut conn = self.connection().await?;
            let query = format!("SELECT file, pos FROM {} WHERE name = ?", self.table);
            let row: Option<(String, u64)> = conn
                .exec_first(query, (self.name.as_str(),))
                .await
                .map_err(|e| mysql_error(&self.place, "read the stored position", &e))?;
            Ok(row.map(|(file, pos)| Position { file, pos }))
        })
    }

    fn save<'a>(&'a self, position: &'a Position) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let mut conn = self.connection().await?;
            let query = format!(
                "INSERT INTO {} (name, file, pos) VALUES (?, ?, ?) \
                 ON DUPLICATE KEY UPDATE file = VALUES(file), pos = VALUES(pos)",
                self.table
            );
            conn.exec_drop(
                query,
                (self.name.as_str(), position.file.as_str(), position.pos),
            )
            .await
            .map_err(|e| mysql_error(&self.place, "store the position", &e))
        })
    }
}
