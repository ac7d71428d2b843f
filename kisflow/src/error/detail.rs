//! The structured parts of [`Error`](super::Error) variants that carry many fields, and the text
//! helpers errors share.

use std::fmt;

use super::Error;

/// A JSON row that does not decode into the first function's input type; see [`Error::Decode`].
///
/// ```
/// use kisflow::prelude::*;
/// use serde::Deserialize;
///
/// #[derive(Deserialize)]
/// struct Order { qty: u32 }
///
/// #[kis_function(mode = "Expand")]
/// fn take(rows: Vec<Order>) {
///     let _ = rows;
/// }
/// flow!(Orders: take);
///
/// let err = Orders::new().commit_json(r#"{"qty": "two"}"#).unwrap_err();
/// let kisflow::Error::Decode(decode) = err else { panic!("{err}") };
/// assert_eq!((decode.row_number, decode.function.as_str()), (1, "take"));
/// assert!(decode.reason.starts_with("field `qty`: invalid type"));
/// assert_eq!(decode.row, r#"{"qty": "two"}"#);
/// ```
#[derive(Debug, thiserror::Error)]
#[error(
    "flow `{flow}`: row {row_number} does not decode into `{row_type}`, the input of function \
     `{function}`: {reason}; the row was not committed: {row}"
)]
#[non_exhaustive]
pub struct DecodeError {
    /// Name of the flow the row was committed to.
    pub flow: String,
    /// Registered name of the flow's first function.
    pub function: String,
    /// Rust type the row had to decode into.
    pub row_type: &'static str,
    /// The row's number as its sender counts rows, from 1: its line in the input of
    /// `kisflow run`, else the position it would have had among this run's committed rows.
    pub row_number: usize,
    /// The row as committed, shortened to 200 characters.
    pub row: String,
    /// serde's reason, after the path of the field it is about (``field `items[2].qty`: …``),
    /// with line and column inside the row.
    pub reason: String,
}

/// A JSON row without a field its flow requires; see [`Error::MissingField`].
///
/// ```
/// use kisflow::prelude::*;
/// use kisflow::{FlowSettings, StageSettings};
///
/// #[kis_function(mode = "Expand")]
/// fn take(rows: Vec<serde_json::Value>) {
///     let _ = rows;
/// }
/// flow!(Rows: take);
///
/// let settings = FlowSettings {
///     stages: vec![StageSettings { must: vec!["id".into()], ..StageSettings::default() }],
///     ..FlowSettings::default()
/// };
/// let mut flow = Rows::new().with_settings(&settings).unwrap();
/// let err = flow.commit_json(r#"{"name": "x"}"#).unwrap_err();
/// let kisflow::Error::MissingField(missing) = err else { panic!("{err}") };
/// assert_eq!(missing.field, "id");
/// ```
#[derive(Debug, thiserror::Error)]
#[error(
    "flow `{flow}`: row {row_number} lacks the field `{field}`, which function `{function}` \
     requires (`source.must`); the row was not committed: {row}"
)]
#[non_exhaustive]
pub struct MissingField {
    /// Name of the flow.
    pub flow: String,
    /// Registered name of the flow's first function.
    pub function: String,
    /// The row's number as its sender counts rows, from 1: its line in the input of
    /// `kisflow run`, else the position it would have had among this run's committed rows.
    pub row_number: usize,
    /// The required field that is absent or null.
    pub field: String,
    /// The row as committed, shortened to 200 characters.
    pub row: String,
}

/// Two registrations under one name; see [`Error::Duplicate`]. Every call of
/// [`registry`](crate::registry) then fails with it, naming both places:
///
/// ```text
/// function name "Avg" is registered twice: by `my_app::avg` (src/a.rs:3:1) and by
/// `my_app::mean` (src/b.rs:9:1); give one of them another name
/// ```
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

    /// The error for a handler whose connector's server cannot be reached: a runner holds the
    /// batch and tries again once the server is back, instead of dead-lettering its rows.
    ///
    /// ```
    /// use kisflow::{Error, ErrorKind};
    ///
    /// let err = Error::unavailable("Sink", "connection refused");
    /// assert_eq!(err.kind(), ErrorKind::ConnectorUnavailable);
    /// assert_eq!(err.to_string(), "connector \"Sink\" is unavailable: connection refused");
    /// let in_a_run = Error::Handler { flow: "F".into(), function: "save".into(), source: err.into() };
    /// assert_eq!(in_a_run.kind(), ErrorKind::ConnectorUnavailable);
    /// ```
    pub fn unavailable(connector: impl Into<String>, cause: impl fmt::Display) -> Self {
        Self::ConnectorClient {
            connector: connector.into(),
            reason: format!("is unavailable: {cause}"),
        }
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

impl Error {
    /// This error, when it is about one committed row, numbering that row `row_number`: the
    /// number its sender gives it, such as its line in a file.
    pub(crate) fn with_row_number(mut self, row_number: usize) -> Self {
        match &mut self {
            Error::Decode(decode) => decode.row_number = row_number,
            Error::MissingField(missing) => missing.row_number = row_number,
            _ => {}
        }
        self
    }
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
    use crate::Error;

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

#[cfg(test)]
mod size {
    /// Every `Result` a run returns carries an `Error`'s size; large variants are boxed so the
    /// happy path moves no more bytes than it must.
    #[test]
    fn error_stays_small() {
        assert!(std::mem::size_of::<crate::Error>() <= 80);
    }
}
