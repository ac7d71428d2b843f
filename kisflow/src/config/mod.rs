//! Go KisFlow's YAML config files, loaded into a [`Config`]: functions (`kistype: func`), flows
//! (`flow`), connectors (`conn`) and the metrics keys (`global`), with Go's key names.
//!
//! ```
//! use kisflow::config::Config;
//!
//! let config = Config::load_str(
//!     "func-funcName1.yml",
//!     "kistype: func\nfname: funcName1\nfmode: Verify\noption:\n  default_params:\n    default1: 3\n",
//! )
//! .unwrap();
//! let func = config.func("funcName1").unwrap();
//! assert_eq!(func.fmode, kisflow::Mode::Verify);
//! assert_eq!(func.option.default_params["default1"], "3");
//! ```
//!
//! Loading only reads: it starts no metrics server, registers nothing and touches no global
//! state, so it can be repeated (Go's import panics the second time). Whether the functions a
//! flow names are registered, their row types fit and their connectors exist is checked where
//! flows are built from the config, not here.
//!
//! # Rules
//!
//! Where Go is silent or wrong, the loader says what is wrong, where, and what to do:
//!
//! - **Every problem at once.** A load reports all problems of all files, sorted by file, line
//!   and column, as [`ConfigErrors`]; a bad file or key does not stop it. Within one document,
//!   every unknown key and every failed check is reported, but reading stops at the first
//!   syntax error and at the first value of the wrong type.
//! - **Paths.** [`Config::load`] takes a directory, walked recursively in sorted path order, or
//!   one file, read whatever its name. In a directory only files ending in `.yml` or `.yaml`
//!   count (lower case, as in Go); others are ignored, and symbolic links to directories are
//!   not followed. A path that does not exist, or a directory without any config file, is a
//!   problem (Go loads nothing and says nothing). A file must be UTF-8 text holding one YAML
//!   document.
//! - **`kistype`.** Each document starts with `kistype: func`, `flow`, `conn` or `global`; a
//!   missing or unknown kind is a problem, with a "did you mean" for a near miss.
//! - **Keys.** Go ignores unknown keys; here each one is a problem, with a "did you mean" for a
//!   near miss, and so is a key given twice in one mapping. Go's `return_duration` is read as
//!   `retry_duration`; giving both is a problem.
//! - **Values.** Names and other text keep a number's or boolean's spelling (`fname: 12` is
//!   `"12"`), and so do params values (`default1: 3` is `"3"`); an empty value is empty text.
//!   A value of the wrong type is a problem naming its key, at the value.
//! - **Required keys.** `fname` and `fmode` for a func, `flow_name` and `status` for a flow,
//!   `fname` for each entry of `flows`, `cname` for a conn; empty names count as missing.
//!   `fmode` is one of the five [`Mode`](crate::Mode)s, case-sensitive, with a hint when only the
//!   case is wrong. `status` is 1 (run) or 0 (switched off); Go skips a flow without `status`
//!   silently and runs one with any other number. A switched-off flow is loaded, with
//!   `enabled: false`.
//! - **Names.** Two funcs with one `fname`, two flows with one `flow_name`, two conns with one
//!   `cname`, or two `global` documents are a problem at the second, naming where the first is.
//!   Go checks flows after skipping switched-off ones; here a switched-off flow's name counts.
//! - **Never a panic**, whatever the input.
//!
//! Configs built in code ([`Config::insert_func`] and its siblings) replace an item of the same
//! name; [`FuncConfig::to_yaml`], [`FlowConfig::to_yaml`], [`conn_to_yaml`] and
//! [`global_to_yaml`] write documents that load back as equal items, with `kistype` set, unlike
//! Go's export.

mod describe;
mod doc;
mod document;
mod fields;
mod keys;
mod kinds;
mod load;
mod pass;
mod problem;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

pub use kinds::conn::conn_to_yaml;
pub use kinds::flow::{FlowConfig, FlowFunction};
pub use kinds::func::{FuncConfig, FuncOption, Source};
pub use kinds::global::global_to_yaml;
#[cfg(feature = "schedule")]
pub use kinds::schedule::ScheduleConfig;
pub use kinds::source::SourceConfig;
pub use problem::{ConfigErrors, Place, PlaceKey, Problem};

pub(crate) use describe::distance;

use crate::ConnConfig;
use crate::metrics::MetricsConfig;

/// Functions, flows, connectors and metrics settings, loaded from YAML or built in code.
///
/// Items are kept by name, and each iterator yields them sorted by name.
///
/// ```
/// use kisflow::config::{Config, FlowConfig, FlowFunction, FuncConfig};
/// use kisflow::Mode;
///
/// let mut config = Config::new();
/// config.insert_func(FuncConfig::new("check", Mode::Verify));
/// let mut flow = FlowConfig::new("Orders");
/// flow.flows.push(FlowFunction::new("check"));
/// config.insert_flow(flow);
/// assert_eq!(config.flows().count(), 1);
/// assert_eq!(config.func("check").unwrap().fmode, Mode::Verify);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    funcs: BTreeMap<String, FuncConfig>,
    flows: BTreeMap<String, FlowConfig>,
    conns: BTreeMap<String, ConnConfig>,
    global: Option<MetricsConfig>,
    #[cfg(feature = "schedule")]
    schedules: BTreeMap<String, ScheduleConfig>,
    places: HashMap<PlaceKey, Place>,
}

impl Config {
    /// An empty config.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Loads every `.yml` and `.yaml` file under a directory, recursively, or one file; see the
    /// [module docs](self) for the rules.
    ///
    /// ```
    /// use kisflow::config::Config;
    ///
    /// let errors = Config::load("no/such/dir").unwrap_err();
    /// assert_eq!(errors.to_string(), "config directory `no/such/dir` does not exist");
    /// ```
    pub fn load(path: impl AsRef<Path>) -> Result<Config, ConfigErrors> {
        let mut config = Config::new();
        let mut problems = Vec::new();
        load::load(path.as_ref(), &mut config, &mut problems);
        finish(config, problems)
    }

    /// What [`load`](Self::load) reads of `path`, problems or not, and the problems: the command
    /// line checks what did load against the registry in the same pass.
    #[cfg(any(feature = "cli", feature = "dashboard"))]
    pub(crate) fn load_all(path: &Path) -> (Config, Vec<Problem>) {
        let mut config = Config::new();
        let mut problems = Vec::new();
        load::load(path, &mut config, &mut problems);
        (config, problems)
    }

    /// Loads one YAML document; `file` names it in problems.
    ///
    /// ```
    /// use kisflow::config::Config;
    ///
    /// let errors = Config::load_str("f.yml", "kistype: func\nfname: a\nfmode: save\n").unwrap_err();
    /// assert_eq!(
    ///     errors.to_string(),
    ///     "f.yml:3:8: unknown fmode `save`; did you mean `Save`? modes are case-sensitive; \
    ///      expected one of Verify, Save, Load, Calculate, Expand"
    /// );
    /// ```
    pub fn load_str(file: &str, yaml: &str) -> Result<Config, ConfigErrors> {
        let mut config = Config::new();
        let mut problems = Vec::new();
        if let Some(item) = document::read(file, yaml, &mut problems) {
            load::add(&mut config, item, &mut problems);
        }
        finish(config, problems)
    }

    /// The functions, sorted by `fname`.
    pub fn funcs(&self) -> impl Iterator<Item = &FuncConfig> {
        self.funcs.values()
    }

    /// The flows, switched-off ones included, sorted by `flow_name`.
    pub fn flows(&self) -> impl Iterator<Item = &FlowConfig> {
        self.flows.values()
    }

    /// The connectors, sorted by `cname`.
    pub fn conns(&self) -> impl Iterator<Item = &ConnConfig> {
        self.conns.values()
    }

    /// The function named `fname`.
    #[must_use]
    pub fn func(&self, fname: &str) -> Option<&FuncConfig> {
        self.funcs.get(fname)
    }

    /// The flow named `name`.
    #[must_use]
    pub fn flow(&self, name: &str) -> Option<&FlowConfig> {
        self.flows.get(name)
    }

    /// The connector named `cname`.
    #[must_use]
    pub fn conn(&self, cname: &str) -> Option<&ConnConfig> {
        self.conns.get(cname)
    }

    /// The `global` document's metrics settings, if there was one.
    #[must_use]
    pub fn global(&self) -> Option<&crate::metrics::MetricsConfig> {
        self.global.as_ref()
    }

    /// The schedules (`kistype: schedule`), sorted by `name`.
    #[cfg(feature = "schedule")]
    pub fn schedules(&self) -> impl Iterator<Item = &ScheduleConfig> {
        self.schedules.values()
    }

    /// The schedule named `name`.
    #[cfg(feature = "schedule")]
    #[must_use]
    pub fn schedule(&self, name: &str) -> Option<&ScheduleConfig> {
        self.schedules.get(name)
    }

    /// Adds a schedule, replacing one of the same name.
    #[cfg(feature = "schedule")]
    pub fn insert_schedule(&mut self, schedule: ScheduleConfig) {
        self.places
            .remove(&PlaceKey::Schedule(schedule.name.clone()));
        self.schedules.insert(schedule.name.clone(), schedule);
    }

    /// Where an item was defined, for messages about it; `None` for items built in code.
    #[must_use]
    pub fn place(&self, key: &PlaceKey) -> Option<&Place> {
        self.places.get(key)
    }

    /// Adds a function, replacing one of the same name.
    pub fn insert_func(&mut self, func: FuncConfig) {
        self.places.remove(&PlaceKey::Func(func.fname.clone()));
        self.funcs.insert(func.fname.clone(), func);
    }

    /// Adds a flow, replacing one of the same name.
    pub fn insert_flow(&mut self, flow: FlowConfig) {
        let name = flow.flow_name.clone();
        self.places.retain(|key, _| match key {
            PlaceKey::Flow(f) | PlaceKey::FlowFunction { flow: f, .. } => *f != name,
            _ => true,
        });
        self.flows.insert(name, flow);
    }

    /// Adds a connector, replacing one of the same name.
    pub fn insert_conn(&mut self, conn: ConnConfig) {
        self.places.remove(&PlaceKey::Conn(conn.cname.clone()));
        self.conns.insert(conn.cname.clone(), conn);
    }

    /// Sets the metrics settings, replacing any.
    pub fn set_global(&mut self, global: MetricsConfig) {
        self.places.remove(&PlaceKey::Global);
        self.global = Some(global);
    }
}

fn finish(config: Config, problems: Vec<problem::Problem>) -> Result<Config, ConfigErrors> {
    if problems.is_empty() {
        Ok(config)
    } else {
        Err(ConfigErrors::new(problems))
    }
}
