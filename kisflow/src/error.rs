//! The one error type of kisflow and the `Result` alias handlers and flows return.

use std::fmt;

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

    /// An operation of the in-memory key-value connector met a key of the other shape.
    #[error(transparent)]
    Kv(#[from] crate::connector::KvWrongType),

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
    Config(Box<crate::config::ConfigErrors>),

    /// A message from user code, made with [`Error::msg`].
    #[error("{0}")]
    Message(String),
}

/// A JSON row that does not decode into the first function's input type; see [`Error::Decode`].
#[derive(Debug, thiserror::Error)]
#[error(
    "flow `{flow}`: committed row {row_number} does not decode into `{row_type}`, the input of \
     function `{function}`: {reason}; the row was not committed: {row}"
)]
#[non_exhaustive]
pub struct DecodeError {
    /// Name of the flow the row was committed to.
    pub flow: String,
    /// Registered name of the flow's first function.
    pub function: String,
    /// Rust type the row had to decode into.
    pub row_type: &'static str,
    /// Position the row would have had among this run's committed rows, from 1.
    pub row_number: usize,
    /// The row as committed, shortened to 200 characters.
    pub row: String,
    /// serde's reason, with line and column inside the row.
    pub reason: String,
}

/// Two registrations under one name; see [`Error::Duplicate`].
#[derive(Debug, thiserror::Error)]
#[error(
    "{kind} name \"{name}\" is registered twice: by `{first}` ({first_at}) and by `{second}` \
     ({second_at}); give one of them another name"
)]
#[non_exhaustive]
pub struct DuplicateName {
    /// `"function"` or `"flow"`.
    pub kind: &'static str,
    /// The name registered twice.
    pub name: String,
    /// Rust path of the first registration.
    pub first: String,
    /// `file:line:column` of the first registration.
    pub first_at: String,
    /// Rust path of the second registration.
    pub second: String,
    /// `file:line:column` of the second registration.
    pub second_at: String,
}

impl Error {
    /// An error with just a message, for handlers that have no other error at hand.
    ///
    /// ```
    /// # use kisflow::prelude::*;
    /// #[kis_function(mode = "Verify")]
    /// fn no_empty_batches(rows: Vec<String>) -> kisflow::Result<Vec<String>> {
    ///     if rows.is_empty() {
    ///         return Err(kisflow::Error::msg("got an empty batch"));
    ///     }
    ///     Ok(rows)
    /// }
    /// assert!(no_empty_batches(Vec::new()).is_err());
    /// ```
    pub fn msg(message: impl fmt::Display) -> Self {
        Self::Message(message.to_string())
    }

    /// The message and its causes on one line, `outer: inner: innermost`, for logs and for
    /// printing an error that wraps a handler's.
    ///
    /// ```
    /// let err = kisflow::Error::Handler {
    ///     flow: "Orders".into(),
    ///     function: "check".into(),
    ///     source: "stock unknown".into(),
    /// };
    /// assert_eq!(err.chain(), "flow `Orders`: function `check` failed: stock unknown");
    /// ```
    #[must_use]
    pub fn chain(&self) -> String {
        chain(self)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")?;
        let mut source = std::error::Error::source(self);
        if source.is_some() {
            write!(f, "\n\nCaused by:")?;
        }
        while let Some(cause) = source {
            write!(f, "\n    {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

/// The error and its causes on one line, `outer: inner: innermost`, for logs.
pub(crate) fn chain(err: &Error) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Shortens a committed row for an error message, on a character boundary.
pub(crate) fn excerpt(row: &str) -> String {
    const MAX: usize = 200;
    match row.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &row[..cut]),
        None => row.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_the_cause_chain() {
        let err = Error::Handler {
            flow: "F".into(),
            function: "G".into(),
            source: Box::new(Error::msg("disk full")),
        };
        assert_eq!(
            format!("{err:?}"),
            "flow `F`: function `G` failed\n\nCaused by:\n    disk full"
        );
    }

    #[test]
    fn excerpt_cuts_long_rows_on_char_boundaries() {
        let long = "é".repeat(300);
        let cut = excerpt(&long);
        assert_eq!(cut.chars().count(), 201);
        assert!(cut.ends_with('…'));
        assert_eq!(excerpt("short"), "short");
    }
}
