//! Connectors: a named, shared handle on an outside store (Go KisFlow's `conn` kind), initialised
//! once, that functions bound to it reach through [`FlowCtx::connector`](crate::FlowCtx::connector).

mod config;
mod memory;
#[cfg(feature = "redis")]
mod redis;

use std::any::Any;
use std::future::Future;
use std::sync::Arc;

use futures::future::BoxFuture;
use tokio::sync::OnceCell;

pub use config::ConnConfig;
pub use memory::{KvWrongType, MemoryKv};
#[cfg(feature = "redis")]
pub use redis::RedisKv;
#[cfg(all(feature = "redis", feature = "config"))]
pub(crate) use redis::check as check_redis;

use crate::error::{BoxError, Error, Result};
use crate::ids;
use crate::store::Metadata;

type Client = Arc<dyn Any + Send + Sync>;
type InitFn =
    dyn Fn(Connector) -> BoxFuture<'static, std::result::Result<Client, BoxError>> + Send + Sync;

/// A connector: its config, a client made once by its init hook, and its metadata.
///
/// Cloning gives another handle on the same connector. Give it to every flow whose functions are
/// bound to its `cname` (`#[kis_function(conn = "...")]`) with [`Flow::with_connector`]; flows that
/// share a connector share its client, so one flow can save what another loads. The init hook runs
/// once, before the first run that needs it; when it fails, that run fails naming the connector
/// and the next run tries again.
///
/// ```
/// use kisflow::{ConnConfig, Connector, MemoryKv};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> kisflow::Result<()> {
/// let scores = Connector::memory_kv(ConnConfig::new("Scores").key("stu_"));
/// scores.init().await?;
/// let kv = scores.client::<MemoryKv>()?;
/// kv.set("stu_101", "90");
/// assert_eq!(kv.get("stu_101")?.as_deref(), Some("90"));
/// assert!(scores.id().starts_with("conn-"));
/// # Ok(())
/// # }
/// ```
///
/// [`Flow::with_connector`]: crate::Flow::with_connector
#[derive(Clone)]
pub struct Connector {
    inner: Arc<Inner>,
}

struct Inner {
    id: String,
    config: ConnConfig,
    metadata: Metadata,
    init: Box<InitFn>,
    client: OnceCell<Client>,
}

impl Connector {
    /// A connector whose init hook makes its client: `init` receives the connector (for its
    /// [`config`](Self::config) and [`metadata`](Self::metadata)) and returns the client, which
    /// handlers fetch typed with [`client`](Self::client).
    ///
    /// ```
    /// use kisflow::{ConnConfig, Connector};
    ///
    /// struct Pool { addrs: String }
    ///
    /// let conn = Connector::new(ConnConfig::new("Orders").addrs("127.0.0.1:6379"), |conn| async move {
    ///     Ok(Pool { addrs: conn.config().addrs.clone() })
    /// });
    /// assert_eq!(conn.config().cname, "Orders");
    /// ```
    pub fn new<C, F, Fut>(config: ConnConfig, init: F) -> Self
    where
        C: Any + Send + Sync,
        F: Fn(Connector) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = std::result::Result<C, BoxError>> + Send + 'static,
    {
        let init =
            move |conn: Connector| -> BoxFuture<'static, std::result::Result<Client, BoxError>> {
                let made = init(conn);
                Box::pin(async move { made.await.map(|client| Arc::new(client) as Client) })
            };
        Self {
            inner: Arc::new(Inner {
                id: ids::new_id(ids::CONNECTOR),
                config,
                metadata: Metadata::new("connector metadata"),
                init: Box::new(init),
                client: OnceCell::new(),
            }),
        }
    }

    /// The built-in in-memory key-value connector: a [`MemoryKv`] client, no server needed.
    #[must_use]
    pub fn memory_kv(config: ConnConfig) -> Self {
        Self::new(typed(config, MemoryKv::TYPE), |_| async {
            Ok(MemoryKv::new())
        })
    }

    /// The connector's name, its `cname`.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.inner.config.cname
    }

    /// This connector's id (`conn-` and 32 hex digits).
    #[must_use]
    pub fn id(&self) -> &str {
        &self.inner.id
    }

    /// The connector's config.
    #[must_use]
    pub fn config(&self) -> &ConnConfig {
        &self.inner.config
    }

    /// Values kept for the life of this connector, shared by every flow using it.
    #[must_use]
    pub fn metadata(&self) -> &Metadata {
        &self.inner.metadata
    }

    /// Runs the init hook unless it already succeeded. Flows call it before a run that needs
    /// this connector; call it yourself to fail early.
    pub async fn init(&self) -> Result<()> {
        self.inner
            .client
            .get_or_try_init(|| (self.inner.init)(self.clone()))
            .await
            .map(|_| ())
            .map_err(|source| Error::ConnectorInit {
                connector: self.name().to_owned(),
                source,
            })
    }

    /// Whether the init hook has succeeded.
    #[must_use]
    pub fn is_ready(&self) -> bool {
        self.inner.client.initialized()
    }

    /// The client the init hook made, as a `C`; an error names the connector when it has not been
    /// initialised or its client is another type.
    pub fn client<C: Any>(&self) -> Result<&C> {
        let Some(client) = self.inner.client.get() else {
            return Err(Error::ConnectorClient {
                connector: self.name().to_owned(),
                reason: "is not initialised yet; call `init().await` first".to_owned(),
            });
        };
        client
            .downcast_ref::<C>()
            .ok_or_else(|| Error::ConnectorClient {
                connector: self.name().to_owned(),
                reason: format!("has no client of type `{}`", std::any::type_name::<C>()),
            })
    }
}

/// `config`, with `conn_type` set to the built-in kind's when it names none.
fn typed(config: ConnConfig, conn_type: &str) -> ConnConfig {
    if config.conn_type.is_empty() {
        config.conn_type(conn_type)
    } else {
        config
    }
}

impl std::fmt::Debug for Connector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connector")
            .field("cname", &self.inner.config.cname)
            .field("id", &self.inner.id)
            .field("ready", &self.is_ready())
            .finish_non_exhaustive()
    }
}
