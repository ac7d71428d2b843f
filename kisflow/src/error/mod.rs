//! The one error type of kisflow and the `Result` alias handlers and flows return.

mod detail;
mod kind;

pub use detail::{DecodeError, DuplicateName, MissingField};
pub(crate) use detail::{chain, excerpt};
pub use kind::ErrorKind;

/// Any error a handler may return: `kisflow::Error`, `std::io::Error`, `anyhow::Error`, a `String`…
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// `Result` with kisflow's [`enum@Error`] as the default error type.
///
/// ```
/// # use kisflow::prelude::*;
/// #[kis_function(mode = "Verify")]
/// fn keep_positive(rows: Vec<i64>) -> kisflow::Result<Vec<i64>> {
///     Ok(rows.into_iter().filter(|n| *n > 0).collect())
/// }
/// assert_eq!(keep_positive(vec![-1, 2]).unwrap(), vec![2]);
/// ```
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong in kisflow, each case naming the flow, function and row it concerns.
///
/// `Debug` prints the message followed by its chain of causes, so `fn main() -> kisflow::Result<()>`
/// shows the whole story when it fails.
///
/// ```
/// let err = kisflow::Error::msg("score out of range");
/// assert_eq!(err.to_string(), "score out of range");
/// ```
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A handler returned an error; the handler's error is the [`source`](std::error::Error::source).
    #[error("flow `{flow}`: function `{function}` failed")]
    Handler {
        /// Name of the flow that ran.
        flow: String,
        /// Registered name of the function whose handler failed.
        function: String,
        /// What the handler returned.
        #[source]
        source: BoxError,
    },

    /// A handler panicked. The run ends with this error and the flow instance stays usable.
    #[error("flow `{flow}`: function `{function}` panicked: {message}")]
    Panic {
        /// Name of the flow that ran.
        flow: String,
        /// Registered name of the function whose handler panicked.
        function: String,
        /// The panic message, when it was a string.
        message: String,
    },

    /// A JSON row committed to a flow does not decode into the first function's input type.
    #[error(transparent)]
    Decode(Box<DecodeError>),

    /// Two `#[kis_function]`s (or two flows) were registered under one name.
    #[error(transparent)]
    Duplicate(Box<DuplicateName>),

    /// A name was looked up in the registry and is not there.
    #[error("no {kind} named \"{name}\" is registered; registered {kind}s: {known}")]
    Unknown {
        /// `"function"` or `"flow"`.
        kind: &'static str,
        /// The name asked for.
        name: String,
        /// The registered names, sorted, comma separated.
        known: String,
    },

    /// The operation needs JSON support from a row type that lacks it.
    #[error(
        "flow `{flow}`: rows of type `{row_type}` cannot be decoded from JSON; derive `serde::Deserialize` for it"
    )]
    NotJson {
        /// Name of the flow.
        flow: String,
        /// The row type without `Deserialize`.
        row_type: &'static str,
    },

    /// A handler asked for an action its flow cannot take: one its function does not declare, or a
    /// jump to a function the flow does not have.
    #[error("flow `{flow}`: function `{function}` {reason}")]
    Action {
        /// Name of the flow.
        flow: String,
        /// Registered name of the function that asked.
        function: String,
        /// What is wrong and what to do.
        reason: String,
    },

    /// A run called more functions than its step limit allows, which a jump loop does.
    #[error(
        "flow `{flow}`: the run stopped after {limit} function calls, its step limit; the jumps loop \
         through {cycle}; end the loop in a handler, or raise the limit with `with_step_limit` (`set_step_limit` on a `DynFlow`)"
    )]
    StepLimit {
        /// Name of the flow.
        flow: String,
        /// The limit reached.
        limit: usize,
        /// The functions of the last jump's loop, `a -> b -> a`.
        cycle: String,
    },

    /// A function needs a connector that is not there.
    #[error("flow `{flow}`: function `{function}` {reason}")]
    Connector {
        /// Name of the flow.
        flow: String,
        /// Registered name of the function.
        function: String,
        /// What is missing and what to do.
        reason: String,
    },

    /// A connector's init hook failed; the hook's error is the source.
    #[error("connector \"{connector}\" failed to initialise")]
    ConnectorInit {
        /// The connector's `cname`.
        connector: String,
        /// What the init hook returned.
        #[source]
        source: BoxError,
    },

    /// A stored value was asked for as another type than it holds.
    #[error("{store} \"{key}\" holds a `{stored}`, not the `{asked}` asked for")]
    WrongType {
        /// Which store: `"flow metadata"`, `"cache entry"`…
        store: &'static str,
        /// The key.
        key: String,
        /// The type stored.
        stored: &'static str,
        /// The type asked for.
        asked: &'static str,
    },

    /// The flow is switched off (`status: 0`); its committed rows are kept.
    #[error(
        "flow `{flow}` is switched off ({reason}); set `status: 1` to run it; its committed rows are kept"
    )]
    Disabled {
        /// Name of the flow.
        flow: String,
        /// Where and how it was switched off.
        reason: String,
    },

    /// A config failed to load; the message lists every problem, one per line, with its place.
    #[error(transparent)]
    Config(Box<crate::diagnostics::ConfigErrors>),

    /// A row committed through [`DynFlow`](crate::DynFlow) is not of the first function's input
    /// type.
    #[error("flow `{flow}` takes rows of type `{expected}`, not `{given}`")]
    RowType {
        /// Name of the flow.
        flow: String,
        /// The first function's input type.
        expected: &'static str,
        /// The type of the row committed.
        given: &'static str,
    },

    /// A JSON row lacks a field its flow requires (`source.must` of the first function).
    #[error(transparent)]
    MissingField(Box<MissingField>),

    /// Rows a function emitted cannot be turned into JSON (for [`DynFlow::run_json`](crate::DynFlow::run_json)).
    #[error("flow `{flow}`: {reason}")]
    Encode {
        /// Name of the flow.
        flow: String,
        /// Registered name of the function whose output does not encode.
        function: String,
        /// What is wrong and what to do.
        reason: String,
    },

    /// Functions composed by name do not make a flow: no functions, rows that do not fit from
    /// one to the next, or a jump over rows that are not `Clone`.
    #[error("flow `{flow}`: {reason}")]
    Compose {
        /// Name of the flow.
        flow: String,
        /// What does not fit and what to do.
        reason: String,
    },

    /// Settings or a connector given to a flow instance do not fit it; the instance is unchanged.
    #[error("flow `{flow}`: {reason}")]
    Settings {
        /// Name of the flow.
        flow: String,
        /// What does not fit and what to do.
        reason: String,
    },

    /// A connector's client cannot be had: not initialised yet, or of another type than asked.
    #[error("connector \"{connector}\" {reason}")]
    ConnectorClient {
        /// The connector's `cname`.
        connector: String,
        /// What is wrong and what to do.
        reason: String,
    },

    /// A connector a flow needs cannot be made from the config: its `type` is one kisflow cannot
    /// make on its own, or nothing declares it.
    #[error("{reason}")]
    ConnectorConfig {
        /// The connector's `cname`.
        connector: String,
        /// The whole message: what is missing and what to do.
        reason: String,
    },

    /// The metrics listener of the global config (`prometheus_serve`) cannot start.
    #[error(
        "cannot serve metrics at `{address}` (`prometheus_serve` of the global config): {cause}"
    )]
    Serve {
        /// The address from the config.
        address: String,
        /// Why binding it failed.
        cause: std::io::Error,
    },

    /// Reading or writing a file failed.
    #[error("cannot {action} `{}`: {cause}", path.display())]
    Io {
        /// What was tried: `"write"`, `"create directory"`…
        action: &'static str,
        /// The file or directory.
        path: std::path::PathBuf,
        /// What the system said.
        cause: std::io::Error,
    },

    /// A flow cannot be exported to YAML as it is.
    #[error("cannot export {what}: {reason}")]
    Export {
        /// What was to be exported: ``flow `Name` ``…
        what: String,
        /// Why not and what to do.
        reason: String,
    },

    /// A message was delivered more often than a runner's `max_deliveries`: it may stop the
    /// worker that runs it (a crash, a kill by the system), so it goes to the dead letters unrun.
    #[error(
        "flow `{flow}`: the message was delivered {deliveries} times, more than the limit of \
         {limit} (`max_deliveries`); it may stop the worker that runs it, so it was not run again"
    )]
    Redelivered {
        /// Name of the flow.
        flow: String,
        /// How many times the source delivered it.
        deliveries: u32,
        /// The runner's limit.
        limit: u32,
    },

    /// A state kisflow's own checks rule out was reached; the run ends instead of panicking.
    #[error("flow `{flow}`: internal error: {detail}; please report this")]
    Internal {
        /// Name of the flow.
        flow: String,
        /// What happened.
        detail: String,
    },

    /// A schedule does not fit: a cron expression, time zone or misfire policy that does not
    /// parse, a name given twice, or a schedule the coordinator does not know.
    #[error("schedule `{schedule}`: {reason}")]
    Schedule {
        /// Name of the schedule.
        schedule: String,
        /// What is wrong and what to do.
        reason: String,
    },

    /// The schedule coordinator (PostgreSQL) cannot be reached or refused a statement; the
    /// database's error is the source.
    #[error("schedule coordinator (PostgreSQL) cannot {action}")]
    Coordinator {
        /// What was tried: `"connect"`, `"claim a run"`…
        action: &'static str,
        /// What the database or the connection said.
        #[source]
        source: BoxError,
    },

    /// A message from user code, made with [`Error::msg`].
    #[error("{0}")]
    Message(String),
}
