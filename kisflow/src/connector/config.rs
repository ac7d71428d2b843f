//! [`ConnConfig`]: what Go KisFlow's `conn` YAML kind holds.

use std::collections::BTreeMap;

/// A connector's configuration, with Go KisFlow's fields. Only `cname` means something to kisflow;
/// the rest is for the connector's init hook and for handlers.
///
/// ```
/// let config = kisflow::ConnConfig::new("Score12Cache")
///     .addrs("127.0.0.1:6379")
///     .conn_type("redis")
///     .key("stu_score12_avg_")
///     .param("db", "0");
/// assert_eq!(config.params["db"], "0");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConnConfig {
    /// The connector's unique name; functions bind to it with `#[kis_function(conn = "...")]`.
    pub cname: String,
    /// Address or addresses, free text (`"127.0.0.1:6379"`).
    pub addrs: String,
    /// The kind of store (`"redis"`, `"memory"`), informational.
    pub conn_type: String,
    /// A key, key prefix, table or topic, for handlers.
    pub key: String,
    /// Custom params, for the init hook and handlers.
    pub params: BTreeMap<String, String>,
    /// Names of the Load functions that read through it, informational.
    pub load: Vec<String>,
    /// Names of the Save functions that write through it, informational.
    pub save: Vec<String>,
}

impl ConnConfig {
    /// A config with only its name.
    #[must_use]
    pub fn new(cname: impl Into<String>) -> Self {
        Self {
            cname: cname.into(),
            ..Self::default()
        }
    }

    /// With `addrs`.
    #[must_use]
    pub fn addrs(mut self, addrs: impl Into<String>) -> Self {
        self.addrs = addrs.into();
        self
    }

    /// With the kind of store.
    #[must_use]
    pub fn conn_type(mut self, conn_type: impl Into<String>) -> Self {
        self.conn_type = conn_type.into();
        self
    }

    /// With `key`.
    #[must_use]
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = key.into();
        self
    }

    /// With one more param.
    #[must_use]
    pub fn param(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.params.insert(key.into(), value.into());
        self
    }
}
