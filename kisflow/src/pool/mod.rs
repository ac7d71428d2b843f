//! [`Pool`]: a checked [`Config`] together with the program's registered functions and flows,
//! handing out runnable flows by name (Go KisFlow's `kis.Pool().GetFlow(name)`).
//!
//! What YAML may do, and in which order things win:
//!
//! - A YAML flow with the name of a `flow!` flow changes its params, status and connector
//!   bindings; its functions must be the same, in the same order.
//! - A YAML flow no `flow!` declares is composed from registered functions by name; every edge
//!   is checked against the functions' row types before any row moves.
//! - A `func` file adds to a registered function: default params, connector binding, retries and
//!   `source.must`. Its `fmode` must be the registered mode.
//! - Params, lowest to highest: `#[kis_function(params(...))]`, then the func file's
//!   `default_params`, then the flow's params (`flow!`'s), then the YAML flow's `params` for that
//!   function. An empty YAML `params` keeps the flow's own.
//! - A connector named in YAML with `type: memory` (or no type) is a built-in [`MemoryKv`] store,
//!   made once per pool and shared by every flow of it; any other connector is given with
//!   [`Pool::with_connector`].
//!
//! [`MemoryKv`]: crate::MemoryKv

mod build;
pub(crate) mod check;
mod export;
#[cfg(feature = "schedule")]
mod schedules;

#[cfg(feature = "cli")]
pub(crate) use check::{count, problems, suggestion};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use crate::config::{Config, ConfigErrors};
use crate::connector::{Connector, MemoryKv};
use crate::error::{Error, Result};
use crate::flow::DynFlow;
use crate::registry::Registry;

/// A config checked against the program's registry, and the connectors its flows use.
///
/// ```standalone_crate
/// use kisflow::prelude::*;
/// use kisflow::config::Config;
///
/// #[kis_function(mode = "Calculate", params(factor = "2"))]
/// fn scale(ctx: &FlowCtx, rows: Vec<f64>) -> Vec<f64> {
///     let factor: f64 = ctx.param("factor").unwrap_or("1").parse().unwrap_or(1.0);
///     rows.into_iter().map(|n| n * factor).collect()
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> kisflow::Result<()> {
/// let yaml = "kistype: flow\nstatus: 1\nflow_name: Triple\nflows:\n  - fname: scale\n    params:\n      factor: 3\n";
/// let pool = kisflow::Pool::new(Config::load_str("flow-Triple.yml", yaml)?)?;
/// let mut flow = pool.flow("Triple")?;
/// flow.commit_json("1.5")?;
/// assert_eq!(flow.run_json().await?, [serde_json::json!(4.5)]);
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Pool {
    config: Config,
    registry: &'static Registry,
    connectors: Mutex<BTreeMap<String, Connector>>,
}

impl Pool {
    /// Checks `config` against the registry and keeps it: every problem at once (a function or
    /// connector that does not exist, a mode that disagrees, rows that do not fit, a `flow!`
    /// whose functions YAML changes, retries of rows that cannot be copied), each at its
    /// `file:line:column`.
    pub fn new(config: Config) -> Result<Self> {
        let registry = crate::registry()?;
        let problems = check::problems(&config, registry, false);
        if !problems.is_empty() {
            return Err(Error::Config(Box::new(ConfigErrors::from_problems(
                problems,
            ))));
        }
        Ok(Self {
            config,
            registry,
            connectors: Mutex::default(),
        })
    }

    /// This pool, using `connector` for every function bound to its `cname`.
    #[must_use]
    pub fn with_connector(self, connector: &Connector) -> Self {
        self.connectors()
            .insert(connector.name().to_owned(), connector.clone());
        self
    }

    /// The checked config.
    #[must_use]
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Applies the config's `kistype: global` file, as Go's import does: records metrics of new
    /// flows with `prometheus_enable`, and with `prometheus_listen` serves `/metrics` at
    /// `prometheus_serve`, returning the running server. Without a global file it changes
    /// nothing. Unlike Go, calling it again is fine. Needs the `http` feature.
    #[cfg(feature = "http")]
    pub async fn init_metrics(&self) -> Result<Option<crate::metrics::MetricsServer>> {
        let Some(global) = self.config.global() else {
            return Ok(None);
        };
        crate::metrics::init(global)
            .await
            .map_err(|cause| Error::Serve {
                address: global.prometheus_serve.clone(),
                cause,
            })
    }

    /// The names of every flow: declared with `flow!` or in YAML, sorted.
    #[must_use]
    pub fn flow_names(&self) -> Vec<String> {
        let code = self.registry.flows().map(|f| f.name().to_owned());
        let yaml = self.config.flows().map(|f| f.flow_name.clone());
        let mut names: Vec<String> = code.chain(yaml).collect();
        names.sort();
        names.dedup();
        names
    }

    /// A fresh, configured instance of the flow named `name`, with its connectors.
    pub fn flow(&self, name: &str) -> Result<Box<dyn DynFlow>> {
        build::build(self, name)
    }

    /// Writes the flow named `name` as `flow-NAME.yaml`, `func-NAME.yaml` for each of its
    /// functions and `conn-NAME.yaml` for each connector they use, into `dir` (made if missing),
    /// and returns the files written. Loading them gives the same configuration back.
    pub fn export(&self, name: &str, dir: impl AsRef<Path>) -> Result<Vec<PathBuf>> {
        export::export(self, name, dir.as_ref())
    }

    fn connectors(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Connector>> {
        self.connectors
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The connector named `cname`: given, or made from its YAML when it is a memory store.
    fn connector(&self, cname: &str, function: &str) -> Result<Connector> {
        let mut connectors = self.connectors();
        if let Some(connector) = connectors.get(cname) {
            return Ok(connector.clone());
        }
        match self.config.conn(cname) {
            Some(conn) if conn.conn_type.is_empty() || conn.conn_type == MemoryKv::TYPE => {
                let connector = Connector::memory_kv(conn.clone());
                connectors.insert(cname.to_owned(), connector.clone());
                Ok(connector)
            }
            #[cfg(feature = "redis")]
            Some(conn) if conn.conn_type == crate::RedisKv::TYPE => {
                crate::connector::check_redis(conn).map_err(|reason| Error::ConnectorConfig {
                    connector: cname.to_owned(),
                    reason: format!("connector `{cname}` (`type: redis`): {reason}"),
                })?;
                let connector = Connector::redis(conn.clone());
                connectors.insert(cname.to_owned(), connector.clone());
                Ok(connector)
            }
            Some(conn) => Err(Error::ConnectorConfig {
                connector: cname.to_owned(),
                reason: unknown_type(cname, &conn.conn_type),
            }),
            None => Err(Error::ConnectorConfig {
                connector: cname.to_owned(),
                reason: format!(
                    "function `{function}` is bound to connector `{cname}`, which neither the \
                     config declares nor the pool was given; add a `kistype: conn` file or use \
                     `Pool::with_connector`"
                ),
            }),
        }
    }
}

/// Why the pool cannot make a connector of `conn_type` itself, and what to do.
fn unknown_type(cname: &str, conn_type: &str) -> String {
    if conn_type == "redis" {
        return format!(
            "connector `{cname}` has `type: redis`, but this program was built without kisflow's \
             `redis` feature; enable it (`kisflow = {{ features = [\"redis\"] }}`) or give the \
             pool a connector with `Pool::with_connector`"
        );
    }
    format!(
        "connector `{cname}` has `type: {conn_type}`, which kisflow cannot make on its own (it \
         makes `memory` and, with the `redis` feature, `redis`); give it to the pool with \
         `Pool::with_connector(Connector::new(...))`"
    )
}
