//! [`RedisKv`]: the client of a `type: redis` connector (feature `redis`), Go KisFlow's Redis
//! connector of its usage example 8.
//!
//! One connection per connector, not per function instance as in Go: every function bound to the
//! connector, in every flow given it, shares one multiplexed connection that reconnects by itself.

use std::collections::HashMap;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{AsyncCommands, Client, IntoConnectionInfo};

use super::{ConnConfig, Connector};
use crate::error::{BoxError, Error, Result};

/// How long connecting, or one command, may take before it fails: a dead server is an error
/// naming the connector, not a run that hangs.
const TIMEOUT: Duration = Duration::from_secs(2);

/// The client of a Redis connector: its connection and its key prefix (the conn's `key`).
///
/// Handlers reach it with `ctx.connector()?.client::<RedisKv>()?`; its commands put the prefix
/// before each key, and each failure is an [`Error::ConnectorClient`] that names the connector
/// and the command, which a stream runner treats as a store that is down (the batch waits).
/// [`connection`](Self::connection) gives the connection itself for every other command.
///
/// ```no_run
/// use kisflow::{ConnConfig, Connector, RedisKv};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> kisflow::Result<()> {
/// let scores = Connector::redis(ConnConfig::new("Scores").addrs("127.0.0.1:6379").key("stu_"));
/// scores.init().await?;
/// let kv = scores.client::<RedisKv>()?;
/// kv.hset("101", "avg_score", "90").await?; // HSET stu_101 avg_score 90
/// assert_eq!(kv.hget("101", "avg_score").await?.as_deref(), Some("90"));
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct RedisKv {
    name: String,
    prefix: String,
    connection: ConnectionManager,
}

impl RedisKv {
    /// `conn_type` of the connectors [`Connector::redis`] makes, and the YAML `type` that makes one.
    pub const TYPE: &'static str = "redis";

    /// `key` with the connector's prefix before it: the key Redis stores.
    #[must_use]
    pub fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    /// `HSET <prefix><key> <field> <value>`.
    pub async fn hset(&self, key: &str, field: &str, value: &str) -> Result<()> {
        let done: redis::RedisResult<()> =
            self.connection().hset(self.key(key), field, value).await;
        done.map_err(|err| self.failed("HSET", &err))
    }

    /// `HGET <prefix><key> <field>`: `None` when the key or the field is missing.
    pub async fn hget(&self, key: &str, field: &str) -> Result<Option<String>> {
        let value: redis::RedisResult<Option<String>> =
            self.connection().hget(self.key(key), field).await;
        value.map_err(|err| self.failed("HGET", &err))
    }

    /// `HGETALL <prefix><key>`: empty when the key is missing.
    pub async fn hgetall(&self, key: &str) -> Result<HashMap<String, String>> {
        let value: redis::RedisResult<HashMap<String, String>> =
            self.connection().hgetall(self.key(key)).await;
        value.map_err(|err| self.failed("HGETALL", &err))
    }

    /// `SET <prefix><key> <value>`.
    pub async fn set(&self, key: &str, value: &str) -> Result<()> {
        let done: redis::RedisResult<()> = self.connection().set(self.key(key), value).await;
        done.map_err(|err| self.failed("SET", &err))
    }

    /// `GET <prefix><key>`: `None` when the key is missing.
    pub async fn get(&self, key: &str) -> Result<Option<String>> {
        let value: redis::RedisResult<Option<String>> = self.connection().get(self.key(key)).await;
        value.map_err(|err| self.failed("GET", &err))
    }

    /// `DEL <prefix><key>`: whether the key was there.
    pub async fn del(&self, key: &str) -> Result<bool> {
        let removed: redis::RedisResult<u32> = self.connection().del(self.key(key)).await;
        removed
            .map(|n| n > 0)
            .map_err(|err| self.failed("DEL", &err))
    }

    /// The connection, shared and reconnecting, for any other command (`redis::cmd(..)`,
    /// pipelines, `MULTI`/`EXEC`); a handle is cheap, each shares the one multiplexed
    /// connection. Keys given to it are not prefixed: use [`key`](Self::key).
    #[must_use]
    pub fn connection(&self) -> ConnectionManager {
        self.connection.clone()
    }

    fn failed(&self, command: &str, err: &redis::RedisError) -> Error {
        Error::unavailable(&self.name, format_args!("redis {command} failed: {err}"))
    }
}

impl std::fmt::Debug for RedisKv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisKv")
            .field("connector", &self.name)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl Connector {
    /// A Redis connector (feature `redis`): its client is a [`RedisKv`], connected by
    /// [`init`](Self::init) to the conn's `addrs` (`host:port`, or a `redis://` URL) with its
    /// `key` as the key prefix; the params `db` (a number) and `password` are Go's. A server that
    /// cannot be reached fails `init`, naming the connector; the next run tries again.
    ///
    /// ```
    /// use kisflow::{ConnConfig, Connector};
    ///
    /// let conn = Connector::redis(ConnConfig::new("Score12Cache").addrs("127.0.0.1:6379"));
    /// assert_eq!(conn.config().conn_type, "redis");
    /// assert!(!conn.is_ready()); // it connects on `init`, before the first run that needs it
    /// ```
    #[must_use]
    pub fn redis(config: ConnConfig) -> Self {
        Self::new(super::typed(config, RedisKv::TYPE), |conn| async move {
            connect(conn.config()).await
        })
    }
}

async fn connect(config: &ConnConfig) -> std::result::Result<RedisKv, BoxError> {
    let client = Client::open(connection_info(config)?)?;
    let settings = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(TIMEOUT))
        .set_response_timeout(Some(TIMEOUT))
        .set_number_of_retries(2);
    let connection = ConnectionManager::new_with_config(client, settings)
        .await
        .map_err(|err| format!("cannot connect to redis at `{}`: {err}", config.addrs))?;
    Ok(RedisKv {
        name: config.cname.clone(),
        prefix: config.key.clone(),
        connection,
    })
}

/// Whether `config` names one server that [`Connector::redis`] can connect to: the problem
/// otherwise, which the pool reports when it builds a flow, before any run.
#[cfg(feature = "config")]
pub(crate) fn check(config: &ConnConfig) -> std::result::Result<(), String> {
    connection_info(config).map(|_| ())
}

/// The server to connect to: one address, with Go's `db` and `password` params.
fn connection_info(config: &ConnConfig) -> std::result::Result<redis::ConnectionInfo, String> {
    let addrs = config.addrs.trim();
    if addrs.is_empty() {
        return Err("`addrs` is empty; give the redis server as `host:port`".to_owned());
    }
    if addrs.contains(',') {
        return Err(format!(
            "`addrs: {addrs}` names several servers, but a redis connector takes one \
             `host:port` (Redis Cluster is not supported)"
        ));
    }
    let url = if addrs.contains("://") {
        addrs.to_owned()
    } else {
        format!("redis://{addrs}/")
    };
    let mut info = url
        .as_str()
        .into_connection_info()
        .map_err(|err| format!("`addrs: {addrs}` is not a redis address ({err})"))?;
    let mut redis = info.redis_settings().clone();
    if let Some(db) = config.params.get("db") {
        let db = db
            .parse()
            .map_err(|_| format!("param `db: {db}` is not a database number"))?;
        redis = redis.set_db(db);
    }
    if let Some(password) = config.params.get("password") {
        redis = redis.set_password(password);
    }
    info = info.set_redis_settings(redis);
    Ok(info)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(
        addrs: &str,
        params: &[(&str, &str)],
    ) -> std::result::Result<redis::ConnectionInfo, String> {
        let config = params
            .iter()
            .fold(ConnConfig::new("C").addrs(addrs), |c, (k, v)| {
                c.param(*k, *v)
            });
        connection_info(&config)
    }

    #[test]
    fn addresses_and_params_make_the_connection_info() {
        let made = info("127.0.0.1:6380", &[("db", "3"), ("password", "pw")]).unwrap();
        assert_eq!(made.redis_settings().db(), 3);
        assert_eq!(made.redis_settings().password(), Some("pw"));
        assert_eq!(made.addr().to_string(), "127.0.0.1:6380");
        assert!(info("redis://127.0.0.1:6379/2", &[]).is_ok());
    }

    #[test]
    fn bad_addresses_and_params_say_what_is_wrong() {
        let err = |addrs, params| info(addrs, params).unwrap_err();
        assert_eq!(
            err("", &[]),
            "`addrs` is empty; give the redis server as `host:port`"
        );
        assert!(err("a:1,b:2", &[]).contains("names several servers"));
        assert_eq!(
            err("127.0.0.1:6379", &[("db", "zero")]),
            "param `db: zero` is not a database number"
        );
    }
}
